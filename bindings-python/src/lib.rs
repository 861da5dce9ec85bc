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

use netfence::api::{OPERATIONS, analyze_arrow_json, call_json};
use netfence::{Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Runs `operation` on a JSON request without holding the GIL.
///
/// Returns `(True, response_json)` or `(False, error_payload_json)`; a panic in the core becomes
/// an error payload, never a crash of the interpreter.
#[pyfunction]
fn call(py: Python<'_>, operation: &str, request: &str) -> (bool, String) {
    py.detach(|| {
        let outcome = std::panic::catch_unwind(|| call_json(operation, request)).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned());
            Err(Error::new(ErrorCode::Output, format!("internal error: {}", what.unwrap_or_default()))
                .with_help("this is a bug in netfence; please report it with the input")
                .payload())
        });
        match outcome {
            Ok(response) => (true, response),
            Err(payload) => (false, serde_json::to_string(&payload).unwrap_or_default()),
        }
    })
}

/// `analyze`'s answer as an Apache Arrow IPC stream, without holding the GIL: `(True, bytes)`
/// or `(False, error_payload_json)`.
#[pyfunction]
fn call_arrow(py: Python<'_>, request: &str) -> (bool, Py<PyAny>) {
    let outcome = py.detach(|| {
        std::panic::catch_unwind(|| analyze_arrow_json(request)).unwrap_or_else(|_| {
            Err(Error::new(ErrorCode::Output, "internal error")
                .with_help("this is a bug in netfence; please report it with the input")
                .payload())
        })
    });
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
    m.add_function(wrap_pyfunction!(read_paths, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add("OPERATIONS", OPERATIONS.to_vec())?;
    let classes: std::collections::BTreeMap<&str, &str> =
        ErrorCode::ALL.iter().map(|c| (c.as_str(), error_class(*c))).collect();
    m.add("ERROR_CLASSES", classes)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
