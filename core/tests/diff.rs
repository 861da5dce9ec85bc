//! The `diff` operation: semantic diffs on fixtures (snapshots of every renderer), external
//! ranges cut differently on both sides, and conformance with netpol-analyzer's diff outputs
//! (np-guard/netpol-analyzer, Apache-2.0; see `../shared/conformance/README.md` and its
//! `LICENSE` for attribution).
//!
//! The conformance runner compares semantically: each expected line
//! `diff-type: …, source: S, destination: D, ref1: BASE, ref2: HEAD` becomes a record of a
//! "before" and an "after" list, and both lists are compared with netfence's own on a common
//! partition of the external address space (so lines that only cut the address space
//! differently agree). The allowlist `tests/conformance/netpol-analyzer-diff.passing` records
//! the cases that pass: a listed case that fails is a regression.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use netfence::api::{self, DiffRequest, Source};
use netfence::diff::{ChangeKind, ConnectivityDiff, diff_lists};
use netfence::engine::{ConnectionFilter, ConnectionRecord, PortRanges, PortSet};
use netfence::model::Protocol;
use netfence::report::diff as render;
use serde_json::Value;

fn fixture(name: &str) -> Source {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff").join(name);
    Source::named(format!("fixtures/diff/{name}"), fs::read_to_string(&path).unwrap())
}

fn run(base: &[&str], head: &[&str]) -> ConnectivityDiff {
    let request = DiffRequest {
        base: base.iter().map(|n| fixture(n)).collect(),
        head: head.iter().map(|n| fixture(n)).collect(),
        ..DiffRequest::default()
    };
    let response = api::diff(&request).unwrap();
    assert!(response.base_errors.is_empty() && response.head_errors.is_empty());
    response.diff
}

#[test]
fn tightening_a_policy() {
    let diff = run(&["shop.yaml", "open.yaml"], &["shop.yaml", "tight.yaml", "cache.yaml"]);
    let names: Vec<&str> = diff.endpoints_added.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["shop/cache[Deployment]"]);
    assert!(diff.endpoints_removed.is_empty());
    let api = diff
        .connections
        .iter()
        .find(|c| c.src == "shop/frontend[Deployment]" && c.dst == "shop/api[Deployment]")
        .expect("frontend → api changed");
    assert_eq!(api.change, ChangeKind::Changed);
    assert_eq!(api.base.tcp, vec![[8080, 8080]]);
    assert_eq!(api.head.tcp, vec![[8080, 8080], [9090, 9090]]);
    assert_eq!(api.added.tcp, vec![[9090, 9090]]);
    assert!(api.removed.tcp.is_empty());
    // the external range the egress allowance dropped is removed, the rest is unchanged
    let external: Vec<(&str, ChangeKind)> = diff
        .connections
        .iter()
        .filter(|c| c.src == "shop/api[Deployment]" && !c.dst.contains('/'))
        .map(|c| (c.dst.as_str(), c.change))
        .collect();
    assert_eq!(external, [("198.51.100.0-198.51.100.255", ChangeKind::Removed)]);
    insta::assert_snapshot!("tightening_text", render::text(&diff));
    insta::assert_snapshot!("tightening_markdown", render::markdown(&diff));
    insta::assert_snapshot!("tightening_netpol_analyzer", render::netpol_analyzer(&diff));
    insta::assert_json_snapshot!("tightening_json", diff);
}

#[test]
fn identical_inputs_have_no_diff() {
    let diff = run(&["shop.yaml", "open.yaml"], &["shop.yaml", "open.yaml"]);
    assert!(diff.is_empty());
    assert_eq!(render::netpol_analyzer(&diff), "");
    insta::assert_snapshot!("identical_text", render::text(&diff));
}

#[test]
fn ranges_cut_differently_are_not_changes() {
    // the same addresses allowed, written as one /16 or as two /17s
    let diff = run(&["shop.yaml", "cidr-whole.yaml"], &["shop.yaml", "cidr-halves.yaml"]);
    assert!(diff.is_empty(), "{}", render::text(&diff));
}

#[test]
fn diff_through_call_json() {
    let request = serde_json::json!({
        "base": [fixture("shop.yaml"), fixture("open.yaml")],
        "head": [fixture("shop.yaml"), fixture("tight.yaml")],
        "filter": {"focusWorkloads": ["shop/frontend"]}
    });
    let response: Value = serde_json::from_str(&api::call_json("diff", &request.to_string()).unwrap()).unwrap();
    let changes = response["diff"]["connections"].as_array().unwrap();
    assert!(!changes.is_empty());
    assert!(changes.iter().all(|c| c["src"] == "shop/frontend[Deployment]" || c["dst"] == "shop/frontend[Deployment]"));
    assert!(api::OPERATIONS.contains(&"diff"));
    let bad = api::call_json("diff", r#"{"base": [], "head": [], "extra": 1}"#).unwrap_err();
    assert!(bad.message.contains("extra"), "{}", bad.message);
}

// ---------------------------------------------------------------------------------------------
// netpol-analyzer conformance

fn allowlist_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/netpol-analyzer-diff.passing")
}

/// `All Connections`, `No Connections` or `TCP 80,8080-8090,UDP 53`.
fn parse_connections(text: &str) -> PortSet {
    match text {
        "All Connections" => return PortSet::all(),
        "No Connections" => return PortSet::empty(),
        _ => {}
    }
    let mut set = PortSet::empty();
    let mut protocol = Protocol::Tcp;
    for token in text.split(',') {
        let ports = match token.split_once(' ') {
            Some((name, ports)) => {
                protocol = Protocol::parse(name).unwrap_or_else(|| panic!("protocol in `{text}`"));
                ports
            }
            None => token,
        };
        let (from, to) = ports.split_once('-').unwrap_or((ports, ports));
        set.add(protocol, &PortRanges::range(from.parse().unwrap(), to.parse().unwrap()));
    }
    set
}

fn push(records: &mut Vec<ConnectionRecord>, src: &str, dst: &str, set: &PortSet) {
    for protocol in Protocol::ALL {
        let ranges = set.get(protocol);
        if !ranges.is_empty() {
            let ports = ranges.ranges().iter().map(|&(a, b)| [a, b]).collect();
            records.push(ConnectionRecord { src: src.into(), dst: dst.into(), protocol, ports });
        }
    }
}

/// One side of a diff as comparable data: the "before" and "after" records of the changed
/// pairs, and the endpoints said to be added or removed.
#[derive(Default)]
struct Sides {
    before: Vec<ConnectionRecord>,
    after: Vec<ConnectionRecord>,
    endpoints: BTreeSet<(String, String)>,
}

fn expected_sides(text: &str) -> Sides {
    let mut sides = Sides::default();
    for line in text.lines().filter(|l| l.starts_with("diff-type: ")) {
        let fields: BTreeMap<&str, &str> = line.split(", ").filter_map(|f| f.split_once(": ")).collect();
        let name = |key: &str| fields[key].trim_end_matches("[External]").to_owned();
        let (src, dst) = (name("source"), name("destination"));
        push(&mut sides.before, &src, &dst, &parse_connections(fields["ref1"]));
        push(&mut sides.after, &src, &dst, &parse_connections(fields["ref2"]));
        if let Some(info) = fields.get("workloads-diff-info") {
            let rest = info.strip_prefix("workload ").unwrap();
            let (names, status) = rest.rsplit_once(' ').unwrap();
            for workload in names.split(" and ") {
                sides.endpoints.insert((workload.to_owned(), status.to_owned()));
            }
        }
    }
    sides
}

fn actual_sides(diff: &ConnectivityDiff) -> Sides {
    let mut sides = Sides::default();
    for change in &diff.connections {
        push(&mut sides.before, &change.src, &change.dst, &PortSet::from_ports(&change.base));
        push(&mut sides.after, &change.src, &change.dst, &PortSet::from_ports(&change.head));
        for name in [&change.src, &change.dst] {
            if let Some(kind) = diff.endpoint_change(name) {
                sides.endpoints.insert((name.clone(), kind.as_str().to_owned()));
            }
        }
    }
    sides
}

fn describe(list: &ConnectivityDiff, what: &str) -> Option<String> {
    if list.connections.is_empty() {
        return None;
    }
    let lines: Vec<String> = list
        .connections
        .iter()
        .take(4)
        .map(|c| {
            format!(
                "    {} => {}: expected {:?}, netfence {:?}",
                c.src,
                c.dst,
                PortSet::from_ports(&c.base).to_ports(),
                PortSet::from_ports(&c.head).to_ports()
            )
        })
        .collect();
    Some(format!("  {what} differs on {} pairs:\n{}", list.connections.len(), lines.join("\n")))
}

/// Runs one case (`head` = first scenario of the file name, `base` = second, as
/// netpol-analyzer's `ref1` is the second); `Ok` says whether netfence's rendering in
/// netpol-analyzer's format is also byte for byte the expected file (informational:
/// netpol-analyzer cuts external ranges at more boundaries than a semantic diff needs), `Err`
/// holds the reasons it fails.
fn run_case(file: &Path, head: &str, base: &str) -> Result<bool, String> {
    let expected_text = fs::read_to_string(file).map_err(|e| format!("cannot read expected output: {e}"))?;
    let request = DiffRequest {
        base: common::scenario_sources(base),
        head: common::scenario_sources(head),
        filter: ConnectionFilter::default(),
        ..DiffRequest::default()
    };
    let diff = api::diff(&request).map_err(|e| format!("diff failed: {e}"))?.diff;
    let (expected, actual) = (expected_sides(&expected_text), actual_sides(&diff));
    let mut reasons = Vec::new();
    let before = diff_lists(&expected.before, &actual.before, &[], &[]);
    reasons.extend(describe(&before, "ref1 (base)"));
    let after = diff_lists(&expected.after, &actual.after, &[], &[]);
    reasons.extend(describe(&after, "ref2 (head)"));
    if expected.endpoints != actual.endpoints {
        let missing: Vec<_> = expected.endpoints.difference(&actual.endpoints).collect();
        let extra: Vec<_> = actual.endpoints.difference(&expected.endpoints).collect();
        reasons.push(format!("  workloads-diff-info differs: missing {missing:?}, unexpected {extra:?}"));
    }
    if reasons.is_empty() { Ok(render::netpol_analyzer(&diff) == expected_text) } else { Err(reasons.join("\n")) }
}

/// The core-tier diff cases: `(id, file, head scenario, base scenario)`.
fn core_cases() -> Option<Vec<(String, PathBuf, String, String)>> {
    let root = common::corpus();
    let scenarios: Vec<Value> = serde_json::from_str(&fs::read_to_string(root.join("scenarios.json")).ok()?).ok()?;
    let tiers: BTreeMap<&str, &str> =
        scenarios.iter().filter_map(|s| Some((s["scenario"].as_str()?, s["tier"].as_str()?))).collect();
    let mut files: Vec<PathBuf> =
        fs::read_dir(root.join("expected/diff")).ok()?.filter_map(|e| Some(e.ok()?.path())).collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
        let Some(id) = stem.strip_prefix("diff_between_") else { continue };
        let split = tiers.keys().find_map(|a| {
            let b = id.strip_prefix(a)?.strip_prefix("_and_")?;
            tiers.contains_key(b).then(|| ((*a).to_owned(), b.to_owned()))
        });
        let Some((head, base)) = split else { continue };
        if tiers.get(head.as_str()) == Some(&"core") && tiers.get(base.as_str()) == Some(&"core") {
            cases.push((id.to_owned(), file, head, base));
        }
    }
    Some(cases)
}

#[test]
fn netpol_analyzer_diff_conformance() {
    let Some(cases) = core_cases() else {
        eprintln!("conformance corpus not found at {}: skipped", common::corpus().display());
        return;
    };
    let allowlist: BTreeSet<String> = fs::read_to_string(allowlist_path())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut identical = 0;
    for (id, file, head, base) in &cases {
        match run_case(file, head, base) {
            Ok(same_bytes) => {
                identical += usize::from(same_bytes);
                passed.push(id.clone());
            }
            Err(reason) => failed.push((id.clone(), reason)),
        }
    }
    for (id, reason) in &failed {
        eprintln!("FAIL {id}:\n{reason}");
    }
    let newly: Vec<&String> = passed.iter().filter(|id| !allowlist.contains(*id)).collect();
    if !newly.is_empty() {
        eprintln!("newly passing (add to {}):", allowlist_path().display());
        for id in &newly {
            eprintln!("{id}");
        }
    }
    let regressions: Vec<&String> = failed.iter().filter(|(id, _)| allowlist.contains(id)).map(|(id, _)| id).collect();
    eprintln!(
        "netpol-analyzer diff conformance: {} of {} core cases pass ({} allowlisted; {} byte for byte in its text format)",
        passed.len(),
        cases.len(),
        allowlist.len(),
        identical
    );
    assert!(regressions.is_empty(), "allowlisted diff cases regressed: {regressions:?}");
}

#[test]
fn conformance_comparison_catches_differences() {
    let Some(cases) = core_cases() else { return };
    let case = |id: &str| cases.iter().find(|c| c.0 == id).unwrap().clone();
    // base and head swapped: every ref1/ref2 disagrees
    let (_, file, head, base) = case("ipblockstest_2_and_ipblockstest");
    assert!(run_case(&file, &head, &base).is_ok());
    let reason = run_case(&file, &base, &head).unwrap_err();
    assert!(reason.contains("ref1 (base) differs") && reason.contains("ref2 (head) differs"), "{reason}");
    // an empty expected diff against a real one
    let (_, empty, _, _) = case("with_end_port_example_new_and_with_end_port_example");
    let (_, _, head, base) = case("semanticDiff-same-topologies-new1_and_semanticDiff-same-topologies-old1");
    assert!(run_case(&empty, &head, &base).is_err());
    // endpoints added are checked too
    let (_, file, head, base) =
        case("semanticDiff-different-topologies-policy-a_and_semanticDiff-different-topologies-policy-b");
    assert!(run_case(&file, &base, &head).unwrap_err().contains("workloads-diff-info"));
}

#[test]
fn expected_connections_parse() {
    let set = parse_connections("TCP 8080,9090,UDP 53-54");
    assert_eq!(set.get(Protocol::Tcp).ranges(), &[(8080, 8080), (9090, 9090)]);
    assert_eq!(set.get(Protocol::Udp).ranges(), &[(53, 54)]);
    assert!(parse_connections("All Connections").is_all());
    assert!(parse_connections("No Connections").is_empty());
}
