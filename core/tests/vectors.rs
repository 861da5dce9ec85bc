//! The shared test vectors: `tests/vectors/<operation>/<case>/request.json` with the expected
//! `response.json`, or `error.json` for an expected `ErrorPayload`. The same vectors run in the
//! Python, Node and WASM (Node and Chromium) test suites; all compare normalised JSON (objects
//! compared without regard to key order).
//!
//! `NETFENCE_BLESS=1 cargo test -p netfence --test vectors` rewrites the expected files from
//! the actual outputs; review the diff by hand before committing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use netfence::api::{OPERATIONS, call_json};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn dirs(path: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(path)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", path.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

#[test]
fn every_vector_matches() {
    let bless = std::env::var("NETFENCE_BLESS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    let mut count = 0;
    for op_dir in dirs(&vectors_dir()) {
        let op = op_dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(OPERATIONS.contains(&op.as_str()), "tests/vectors/{op}: `{op}` is not an operation of netfence::api");
        for case in dirs(&op_dir) {
            count += 1;
            let name = format!("{op}/{}", case.file_name().unwrap().to_string_lossy());
            // Sent as compact JSON in file order, as every binding sends it (`JSON.stringify`,
            // `json.dumps(separators=(",", ":"))`): decode errors name a line and column.
            let request = serde_json::to_string(&read_json(&case.join("request.json"))).unwrap();
            let (actual, file, other) = match call_json(&op, &request) {
                Ok(text) => (serde_json::from_str::<Value>(&text).unwrap(), "response.json", "error.json"),
                Err(payload) => (serde_json::to_value(&payload).unwrap(), "error.json", "response.json"),
            };
            if bless {
                fs::write(case.join(file), serde_json::to_string_pretty(&actual).unwrap() + "\n").unwrap();
                let _ = fs::remove_file(case.join(other));
                continue;
            }
            if !case.join(file).exists() {
                failures.push(format!(
                    "{name}: got {file} but the vector has {other}:\n{}",
                    serde_json::to_string_pretty(&actual).unwrap()
                ));
                continue;
            }
            let expected = read_json(&case.join(file));
            if expected != actual {
                failures.push(format!(
                    "{name}: {file} differs\n--- expected\n{}\n--- actual\n{}",
                    serde_json::to_string_pretty(&expected).unwrap(),
                    serde_json::to_string_pretty(&actual).unwrap()
                ));
            }
        }
    }
    assert!(count >= 8, "only {count} vectors found under tests/vectors");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed (NETFENCE_BLESS=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{count} vectors passed");
}
