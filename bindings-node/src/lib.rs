//! Node binding of netfence (napi-rs): the native half of the `netfence` package.
//!
//! Two entry points over [`netfence::api::call_json`]: `call` (sync) and `callAsync` (runs on
//! the libuv thread pool, returns a Promise). Both resolve to `{ ok, json }` instead of throwing,
//! so that `index.js` can throw one kind of `Error` with `code` and `payload` for both; it also
//! makes one function per operation from `OPERATIONS`, so new operations need no glue here.

use napi::bindgen_prelude::{AsyncTask, Buffer, Result};
use napi::{Env, Task};
use napi_derive::napi;
use netfence::api::{OPERATIONS, analyze_arrow_json, call_json};
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

/// The outcome of `analyzeArrow`: the Arrow IPC stream when `ok`, otherwise an `ErrorPayload`
/// as JSON in `json`.
#[napi(object)]
pub struct ArrowOutcome {
    /// Whether the operation succeeded.
    pub ok: bool,
    /// The Arrow IPC stream (`ok`).
    pub stream: Option<Buffer>,
    /// The error payload as JSON text (not `ok`).
    pub json: Option<String>,
}

fn run_arrow(request: &str) -> (bool, Vec<u8>) {
    let outcome = std::panic::catch_unwind(|| analyze_arrow_json(request)).unwrap_or_else(|_| {
        Err(Error::new(ErrorCode::Output, "internal error")
            .with_help("this is a bug in netfence; please report it with the input")
            .payload())
    });
    match outcome {
        Ok(stream) => (true, stream),
        Err(payload) => (false, serde_json::to_vec(&payload).unwrap_or_default()),
    }
}

fn arrow_outcome((ok, bytes): (bool, Vec<u8>)) -> ArrowOutcome {
    if ok {
        ArrowOutcome { ok, stream: Some(bytes.into()), json: None }
    } else {
        ArrowOutcome { ok, stream: None, json: Some(String::from_utf8_lossy(&bytes).into_owned()) }
    }
}

/// `analyze`'s answer as an Apache Arrow IPC stream, on the calling thread.
#[napi(js_name = "callArrow")]
#[must_use]
pub fn call_arrow(request: String) -> ArrowOutcome {
    arrow_outcome(run_arrow(&request))
}

/// `callArrow` on the libuv thread pool.
pub struct ArrowTask {
    request: String,
}

impl Task for ArrowTask {
    type Output = (bool, Vec<u8>);
    type JsValue = ArrowOutcome;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(run_arrow(&self.request))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(arrow_outcome(output))
    }
}

/// `analyze`'s answer as an Apache Arrow IPC stream, off the event loop.
#[napi(js_name = "callArrowAsync")]
#[must_use]
pub fn call_arrow_async(request: String) -> AsyncTask<ArrowTask> {
    AsyncTask::new(ArrowTask { request })
}
