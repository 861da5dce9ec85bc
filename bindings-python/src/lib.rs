//! Python binding of netfence: the native half of the `netfence` package.
//!
//! One generic entry point, `call(operation, request_json)`, over [`netfence::api::call_json`],
//! run without the GIL. It returns `(True, response_json)` or `(False, error_payload_json)`;
//! `python/netfence/__init__.py` turns that into typed results and `NetfenceError` subclasses
//! and makes one function per operation from `OPERATIONS`, so new operations need no glue.
//!
//! Paths and bytes given as inputs are read here too (`read_paths`, `decode`), without the GIL,
//! the way the CLI reads them (`cli/src/input.rs`).

mod input;

use netfence::ErrorCode;
use netfence::api::{OPERATIONS, SOURCE_OPERATIONS, analyze_arrow_json, call_json, call_json_reading, without_panics};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Runs `operation` on a JSON request without holding the GIL.
///
/// Returns `(True, response_json)` or `(False, error_payload_json)`; a panic in the core becomes
/// an error payload, never a crash of the interpreter.
#[pyfunction]
fn call(py: Python<'_>, operation: &str, request: &str) -> (bool, String) {
    py.detach(|| guarded(|| call_json(operation, request)))
}

/// Runs a JSON call, a panic in it becoming an error payload: `(ok, json)`.
fn guarded(run: impl FnOnce() -> Result<String, netfence::error::ErrorPayload>) -> (bool, String) {
    match without_panics(run) {
        Ok(response) => (true, response),
        Err(payload) => (false, serde_json::to_string(&payload).unwrap_or_default()),
    }
}

/// Runs `operation` (one of `SOURCE_OPERATIONS`) on a JSON request whose manifests also
/// include the files and directories at `paths` and the `(name, bytes)` of `blobs`, read here
/// without the GIL and never turned into Python strings: a file streams item by item, as the
/// command line reads it. They come before the request's own `sources`. Returns as [`call`].
#[pyfunction]
fn call_reading<'py>(
    py: Python<'py>,
    operation: &str,
    request: &str,
    paths: Vec<std::path::PathBuf>,
    blobs: Vec<(String, Bound<'py, PyBytes>)>,
) -> (bool, String) {
    let blobs: Vec<(String, &[u8])> = blobs.iter().map(|(name, bytes)| (name.clone(), bytes.as_bytes())).collect();
    py.detach(|| {
        let mut read = |set: &mut netfence::inventory::ResourceSet, options: &netfence::source::ParseOptions| {
            for path in &paths {
                set.add_path(path, options)?;
            }
            for (name, mut bytes) in blobs.iter().map(|(n, b)| (n.as_str(), *b)) {
                let size = bytes.len() as u64;
                set.add_reader_of_size(&mut bytes, size, name, options)?;
            }
            Ok(())
        };
        guarded(|| call_json_reading(operation, request, &mut read))
    })
}

/// `analyze`'s answer as an Apache Arrow IPC stream, without holding the GIL: `(True, bytes)`
/// or `(False, error_payload_json)`.
#[pyfunction]
fn call_arrow(py: Python<'_>, request: &str) -> (bool, Py<PyAny>) {
    let outcome = py.detach(|| without_panics(|| analyze_arrow_json(request)));
    match outcome {
        Ok(stream) => (true, PyBytes::new(py, &stream).into_any().unbind()),
        Err(payload) => {
            (false, PyString::new(py, &serde_json::to_string(&payload).unwrap_or_default()).into_any().unbind())
        }
    }
}

/// What `read_paths` and `decode` return: the sources as `(name, text)` pairs, or the error
/// payload as JSON and whether it is a missing path (Python raises `FileNotFoundError` then).
type Read = (Vec<(String, String)>, Option<(String, bool)>);

fn outcome(result: Result<Vec<(String, String)>, input::ReadError>) -> Read {
    match result {
        Ok(sources) => (sources, None),
        Err(e) => (Vec::new(), Some((serde_json::to_string(&e.error.payload()).unwrap_or_default(), e.missing))),
    }
}

/// Reads files and directories without holding the GIL: a file is one source; a directory
/// every file under it (recursively, hidden entries skipped, in path order) whose extension is
/// `.yaml`, `.yml` or `.json` (manifests) or `.json`, `.jsonl` or `.csv` (`flows`).
#[pyfunction]
#[pyo3(signature = (paths, flows = false))]
fn read_paths(py: Python<'_>, paths: Vec<std::path::PathBuf>, flows: bool) -> Read {
    let kind = if flows { input::Kind::Flows } else { input::Kind::Manifests };
    py.detach(|| outcome(input::read_paths(&paths, kind)))
}

/// Decodes bytes given as an input (UTF-8, no NUL byte), named `name` in locations.
#[pyfunction]
fn decode(py: Python<'_>, name: &str, data: &[u8]) -> Read {
    py.detach(|| outcome(input::decode(name, data).map(|text| vec![(name.to_owned(), text)])))
}

/// The Python exception class for each error code. A new code fails to compile here until it
/// is given a class.
fn error_class(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InputTooLarge | ErrorCode::Syntax | ErrorCode::BudgetExceeded | ErrorCode::NotText => "ParseError",
        ErrorCode::ResourceShape
        | ErrorCode::NotAResource
        | ErrorCode::InvalidIntent
        | ErrorCode::InvalidBuild
        | ErrorCode::InvalidRequirements => "ValidationError",
        ErrorCode::InvalidRequest => "RequestError",
        ErrorCode::Io | ErrorCode::Output => "InputOutputError",
    }
}

/// The native module `netfence._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(call, m)?)?;
    m.add_function(wrap_pyfunction!(call_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(call_reading, m)?)?;
    m.add_function(wrap_pyfunction!(read_paths, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add("OPERATIONS", OPERATIONS.to_vec())?;
    m.add("SOURCE_OPERATIONS", SOURCE_OPERATIONS.to_vec())?;
    let classes: std::collections::BTreeMap<&str, &str> =
        ErrorCode::ALL.iter().map(|c| (c.as_str(), error_class(*c))).collect();
    m.add("ERROR_CLASSES", classes)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
