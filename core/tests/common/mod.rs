//! Helpers shared by integration tests that run netpol-analyzer's corpus (np-guard/
//! netpol-analyzer, Apache-2.0; see `../shared/conformance/README.md` and its `LICENSE`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use netfence::api::Source;
use netfence::engine::{ConnectionFilter, Direction, ProtocolPort};
use netfence::model::Protocol;
use serde_json::Value;

/// The netpol-analyzer corpus.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/netpol-analyzer")
}

/// The cases of `cases.json`, or `None` when the corpus is not there.
pub fn cases() -> Option<Vec<Value>> {
    let text = fs::read_to_string(corpus().join("cases.json")).ok()?;
    Some(serde_json::from_str(&text).expect("cases.json is a JSON array"))
}

/// YAML/JSON files (`.yaml`, `.yml`, `.json`) under `dir`, recursively, in path order.
pub fn manifest_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            manifest_files(&path, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml" | "json")) {
            out.push(path);
        }
    }
}

/// A scenario's manifests (`.yaml`, `.yml`, `.json`, recursively, in path order) as sources
/// named by their path inside the scenario.
pub fn scenario_sources(scenario: &str) -> Vec<Source> {
    let dir = corpus().join("tests").join(scenario);
    let mut files = Vec::new();
    manifest_files(&dir, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let bytes = fs::read(&file).ok()?;
            let name = file.strip_prefix(&dir).unwrap_or(&file).to_string_lossy().into_owned();
            Some(Source::named(name, String::from_utf8_lossy(&bytes)))
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// A case's focus options as a filter (self pairs are omitted, as the reference does).
pub fn filter_of(case: &Value) -> ConnectionFilter {
    let focus_connection = case["focusConn"].as_str().and_then(|c| {
        let (proto, port) = c.split_once('-')?;
        Some(ProtocolPort { protocol: Protocol::parse(&proto.to_uppercase())?, port: port.parse().ok()? })
    });
    ConnectionFilter {
        include_self: false,
        focus_workloads: strings(&case["focusWorkloads"]),
        focus_workload_peers: strings(&case["focusWorkloadPeers"]),
        focus_direction: match case["focusDirection"].as_str() {
            Some("ingress") => Some(Direction::Ingress),
            Some("egress") => Some(Direction::Egress),
            _ => None,
        },
        focus_connection,
    }
}

/// A finding as the snapshots show it.
pub fn finding_json(f: &netfence::model::Finding) -> Value {
    let at = |l: &netfence::source::Location| format!("{}:{}:{} {}", l.file, l.line, l.column, l.pointer);
    serde_json::json!({
        "id": f.id,
        "severity": f.severity,
        "message": f.message,
        "help": f.help,
        "resource": f.resource,
        "location": f.location.as_ref().map(at),
        "related": f.related.iter().map(at).collect::<Vec<_>>(),
        "fix": f.fix,
    })
}
