//! Node binding of netfence (napi-rs): the native half of the `netfence` package.
//!
//! Two entry points over [`netfence::api::call_json`]: `call` (sync) and `callAsync` (runs on
//! the libuv thread pool, returns a Promise). Both resolve to `{ ok, json }` instead of throwing,
//! so that `index.js` can throw one kind of `Error` with `code` and `payload` for both; it also
//! makes one function per operation from `OPERATIONS`, so new operations need no glue here.

use napi::bindgen_prelude::{AsyncTask, Result};
use napi::{Env, Task};
use napi_derive::napi;
use netfence::api::{OPERATIONS, call_json};
use netfence::{Error, ErrorCode};

/// The outcome of a call: the response JSON when `ok`, otherwise an `ErrorPayload` as JSON.
#[napi(object)]
pub struct Outcome {
    /// Whether the operation succeeded.
    pub ok: bool,
    /// The response (`ok`) or the error payload (not `ok`), as JSON text.
    pub json: String,
}

fn run(operation: &str, request: &str) -> Outcome {
    let outcome = std::panic::catch_unwind(|| call_json(operation, request)).unwrap_or_else(|panic| {
        let what =
            panic.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| panic.downcast_ref::<String>().cloned());
        Err(Error::new(ErrorCode::Output, format!("internal error: {}", what.unwrap_or_default()))
            .with_help("this is a bug in netfence; please report it with the input")
            .payload())
    });
    match outcome {
        Ok(json) => Outcome { ok: true, json },
        Err(payload) => Outcome { ok: false, json: serde_json::to_string(&payload).unwrap_or_default() },
    }
}

/// Runs `operation` on a JSON request on the calling thread.
#[napi]
#[must_use]
pub fn call(operation: String, request: String) -> Outcome {
    run(&operation, &request)
}

/// A call run on the libuv thread pool.
pub struct CallTask {
    operation: String,
    request: String,
}

impl Task for CallTask {
    type Output = Outcome;
    type JsValue = Outcome;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(run(&self.operation, &self.request))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output)
    }
}

/// Runs `operation` on a JSON request off the event loop; resolves to the outcome.
#[napi(js_name = "callAsync")]
#[must_use]
pub fn call_async(operation: String, request: String) -> AsyncTask<CallTask> {
    AsyncTask::new(CallTask { operation, request })
}

/// The operations this build knows, in the order of the cycle.
#[napi]
#[must_use]
pub fn operations() -> Vec<String> {
    OPERATIONS.iter().map(|op| (*op).to_owned()).collect()
}
