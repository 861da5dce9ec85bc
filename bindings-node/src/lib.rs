//! Node binding of netfence (napi-rs): the native half of the `netfence` package.
//!
//! Two entry points over [`netfence::api::call_json`]: `call` (sync) and `callAsync` (runs on
//! the libuv thread pool, returns a Promise). Both resolve to `{ ok, json }` instead of throwing,
//! so that `index.js` can throw one kind of `Error` with `code` and `payload` for both; it also
//! makes one function per operation from `OPERATIONS`, so new operations need no glue here.

use napi::bindgen_prelude::{AsyncTask, Buffer, Result};
use napi::{Env, Task};
use napi_derive::napi;
use netfence::api::{OPERATIONS, SOURCE_OPERATIONS, analyze_arrow_json, call_json, call_json_reading, without_panics};

/// The outcome of a call: the response JSON when `ok`, otherwise an `ErrorPayload` as JSON.
#[napi(object)]
pub struct Outcome {
    /// Whether the operation succeeded.
    pub ok: bool,
    /// The response (`ok`) or the error payload (not `ok`), as JSON text.
    pub json: String,
}

fn run(operation: &str, request: &str) -> Outcome {
    outcome(without_panics(|| call_json(operation, request)))
}

fn outcome(result: std::result::Result<String, netfence::error::ErrorPayload>) -> Outcome {
    match result {
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

/// Runs [`call_json_reading`]: the files and directories at `paths` and the bytes of `buffers`
/// (named by `names`) are read here, streamed, before the request's own `sources`.
fn run_reading(operation: &str, request: &str, paths: &[String], blobs: &[(String, &[u8])]) -> Outcome {
    let mut read = |set: &mut netfence::inventory::ResourceSet, options: &netfence::source::ParseOptions| {
        for path in paths {
            set.add_path(std::path::Path::new(path), options)?;
        }
        for (name, mut bytes) in blobs.iter().map(|(n, b)| (n.as_str(), *b)) {
            let size = bytes.len() as u64;
            set.add_reader_of_size(&mut bytes, size, name, options)?;
        }
        Ok(())
    };
    outcome(without_panics(|| call_json_reading(operation, request, &mut read)))
}

/// `(name, bytes)` pairs from the parallel lists JavaScript passes.
fn blobs<'a>(names: &'a [String], buffers: &'a [Buffer]) -> Vec<(String, &'a [u8])> {
    buffers
        .iter()
        .enumerate()
        .map(|(i, b)| (names.get(i).cloned().unwrap_or_else(|| "<input>".to_owned()), &b[..]))
        .collect()
}

/// Runs `operation` (one of `sourceOperations()`) on a JSON request whose manifests also
/// include the files and directories at `paths` and `buffers` (named by `names`), read here
/// and never turned into JavaScript strings: a file streams item by item, as the command line
/// reads it. On the calling thread.
#[napi(js_name = "callReading")]
#[must_use]
pub fn call_reading(
    operation: String,
    request: String,
    paths: Vec<String>,
    names: Vec<String>,
    buffers: Vec<Buffer>,
) -> Outcome {
    run_reading(&operation, &request, &paths, &blobs(&names, &buffers))
}

/// `callReading` on the libuv thread pool.
pub struct ReadingTask {
    operation: String,
    request: String,
    paths: Vec<String>,
    names: Vec<String>,
    buffers: Vec<Buffer>,
}

impl Task for ReadingTask {
    type Output = Outcome;
    type JsValue = Outcome;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(run_reading(&self.operation, &self.request, &self.paths, &blobs(&self.names, &self.buffers)))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output)
    }
}

/// `callReading` off the event loop; resolves to the outcome.
#[napi(js_name = "callReadingAsync")]
#[must_use]
pub fn call_reading_async(
    operation: String,
    request: String,
    paths: Vec<String>,
    names: Vec<String>,
    buffers: Vec<Buffer>,
) -> AsyncTask<ReadingTask> {
    AsyncTask::new(ReadingTask { operation, request, paths, names, buffers })
}

/// The operations whose `sources` `callReading` extends.
#[napi(js_name = "sourceOperations")]
#[must_use]
pub fn source_operations() -> Vec<String> {
    SOURCE_OPERATIONS.iter().map(|op| (*op).to_owned()).collect()
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
    let outcome = without_panics(|| analyze_arrow_json(request));
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
