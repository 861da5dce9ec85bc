//! Conformance against netpol-analyzer's test corpus (np-guard/netpol-analyzer, Apache-2.0;
//! see `../shared/conformance/README.md` and its `LICENSE` for attribution).
//!
//! Runs every case of `cases.json` whose tier is `core` or `admin` (AdminNetworkPolicy and
//! BaselineAdminNetworkPolicy; scenarios with OVN-Kubernetes UserDefinedNetworks or KubeVirt
//! VirtualMachines are left out: netfence does not model them) and that has a canonical
//! expected output, and compares the engine's canonical connectivity list with it. The
//! allowlist `tests/conformance/netpol-analyzer.passing` records the cases that pass: a listed
//! case that fails is a regression (the test fails); newly passing cases are printed so the
//! list grows.
//!
//! One documented difference in the admin tier: netpol-analyzer does not evaluate IPv6
//! `networks` peers (it warns and leaves IPv6 out of its answer); netfence does. When the
//! expected output has no IPv6 endpoint and a cluster-scoped policy of the scenario names an
//! IPv6 network, netfence's IPv6 records are left out of the comparison (and counted).
//!
//! Every admin case is also run with its policies written as v1alpha2 `ClusterNetworkPolicy`
//! (converted in this test): the connectivity must be the same.
//!
//! `NETFENCE_CONFORMANCE_TIERS=core,other,admin` runs other tiers (informational: only the
//! allowlist is checked).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use common::{corpus, filter_of, scenario_sources};
use netfence::engine::{CompiledCluster, ConnectionRecord, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::model::{ClusterPeer, ClusterPolicy, ClusterPort, ClusterRule, ClusterSubject, Tier, TierAction};
use netfence::source::ParseOptions;
use serde_json::{Value, json};

fn allowlist_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/netpol-analyzer.passing")
}

/// Loads a scenario's manifests (unreadable documents are kept as errors, as the CLI does).
fn load_scenario(scenario: &str) -> ResourceSet {
    let mut resources = ResourceSet::default();
    for source in scenario_sources(scenario) {
        let _ = resources.add_text(&source.text, &source.name, &ParseOptions::default());
    }
    resources
}

fn case_id(case: &Value) -> String {
    let canonical = case["canonical"].as_str().unwrap_or_default();
    let stem = Path::new(canonical).file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    stem.trim_end_matches("_connlist_output").to_owned()
}

fn describe(records: &BTreeSet<&ConnectionRecord>) -> String {
    records
        .iter()
        .take(6)
        .map(|r| format!("    {} => {} {} {:?}", r.src, r.dst, r.protocol, r.ports))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A cluster-scoped policy written as a v1alpha2 `ClusterNetworkPolicy` (JSON, which is YAML).
fn as_v1alpha2(policy: &ClusterPolicy) -> Value {
    let pods = |p: &netfence::model::NamespacedPods| json!({"namespaceSelector": p.namespace_selector, "podSelector": p.pod_selector});
    let subject = match &policy.subject {
        ClusterSubject::Namespaces(s) => json!({"namespaces": s}),
        ClusterSubject::Pods(p) => json!({"pods": pods(p)}),
        ClusterSubject::Invalid => json!({}),
    };
    let port = |number: i32| json!({"number": number});
    let rules = |rules: &[ClusterRule], key: &str| -> Vec<Value> {
        rules
            .iter()
            .map(|r| {
                let action = match r.action {
                    Some(TierAction::Allow) => "Accept",
                    Some(TierAction::Deny) => "Deny",
                    Some(TierAction::Pass) => "Pass",
                    None => "Unknown",
                };
                let peers: Vec<Value> = r
                    .peers
                    .iter()
                    .map(|p| match p {
                        ClusterPeer::Namespaces(s) => json!({"namespaces": s}),
                        ClusterPeer::Pods(p) => json!({"pods": pods(p)}),
                        ClusterPeer::Nodes(s) => json!({"nodes": s}),
                        ClusterPeer::Networks(n) => json!({"networks": n}),
                        ClusterPeer::DomainNames(d) => json!({"domainNames": d}),
                        ClusterPeer::Invalid => json!({}),
                    })
                    .collect();
                let mut rule = json!({"action": action, key: peers});
                if let Some(name) = &r.name {
                    rule["name"] = json!(name);
                }
                if let Some(ports) = &r.ports {
                    let protocols: Vec<Value> = ports
                        .iter()
                        .map(|p| match p {
                            ClusterPort::Number { protocol, port: n } => {
                                json!({protocol.to_lowercase(): {"destinationPort": port(*n)}})
                            }
                            ClusterPort::Range { protocol, start, end } => {
                                json!({protocol.to_lowercase(): {"destinationPort": {"range": {"start": start, "end": end}}}})
                            }
                            ClusterPort::Protocol(protocol) => json!({protocol.to_lowercase(): {}}),
                            ClusterPort::Named(name) => json!({"destinationNamedPort": name}),
                        })
                        .collect();
                    rule["protocols"] = json!(protocols);
                }
                rule
            })
            .collect()
    };
    let tier = match policy.tier {
        Some(Tier::Admin) => "Admin",
        Some(Tier::Baseline) => "Baseline",
        None => "Unknown",
    };
    json!({
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": format!("{}-{}", tier.to_lowercase(), policy.name)},
        "spec": {
            "tier": tier,
            "priority": policy.priority.unwrap_or(0),
            "subject": subject,
            "ingress": rules(&policy.ingress, "from"),
            "egress": rules(&policy.egress, "to"),
        }
    })
}

/// The scenario with its v1alpha1 policies replaced by v1alpha2 ClusterNetworkPolicies.
fn converted(resources: &ResourceSet) -> ResourceSet {
    let mut out = resources.clone();
    let policies = std::mem::take(&mut out.cluster_policies);
    for (i, resource) in policies.iter().enumerate() {
        assert_ne!(resource.policy.kind, "ClusterNetworkPolicy", "the corpus has v1alpha1 policies only");
        let text = serde_json::to_string_pretty(&as_v1alpha2(&resource.policy)).unwrap();
        out.add_text(&text, &format!("converted-{i}.json"), &ParseOptions::default()).unwrap();
    }
    assert_eq!(out.cluster_policies.len(), policies.len());
    assert!(out.cluster_policies.iter().all(|p| p.policy.kind == "ClusterNetworkPolicy"));
    out
}

/// Whether a cluster-scoped policy of the scenario names an IPv6 network (which
/// netpol-analyzer does not evaluate).
fn names_ipv6_network(resources: &ResourceSet) -> bool {
    resources.cluster_policies.iter().any(|r| {
        r.policy.egress.iter().any(|rule| {
            rule.peers.iter().any(|p| matches!(p, ClusterPeer::Networks(n) if n.iter().any(|c| c.contains(':'))))
        })
    })
}

fn is_ipv6_record(r: &ConnectionRecord) -> bool {
    r.src.contains(':') || r.dst.contains(':')
}

/// Runs one case; `Err` holds a short reason, `Ok` how many IPv6 records were left out.
fn run_case(case: &Value) -> Result<usize, String> {
    let root = corpus();
    let scenario = case["scenario"].as_str().unwrap_or_default();
    let expected_text = fs::read_to_string(root.join(case["canonical"].as_str().unwrap_or_default()))
        .map_err(|e| format!("cannot read expected output: {e}"))?;
    let expected: Vec<ConnectionRecord> =
        serde_json::from_str(&expected_text).map_err(|e| format!("cannot parse expected output: {e}"))?;
    let resources = load_scenario(scenario);
    let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
    let mut actual = cluster.all_pairs(&filter_of(case));
    if !resources.cluster_policies.is_empty() {
        let v2 = CompiledCluster::compile(&converted(&resources), &EngineOptions::default());
        let v2_actual = v2.all_pairs(&filter_of(case));
        if v2_actual != actual {
            return Err(format!(
                "written as v1alpha2 ClusterNetworkPolicy, the connectivity differs ({} records, {} as v1alpha1)",
                v2_actual.len(),
                actual.len()
            ));
        }
    }
    let mut left_out = 0;
    if case["tier"] == "admin" && names_ipv6_network(&resources) && !expected.iter().any(is_ipv6_record) {
        let before = actual.len();
        actual.retain(|r| !is_ipv6_record(r));
        left_out = before - actual.len();
    }
    if actual == expected {
        return Ok(left_out);
    }
    let want: BTreeSet<&ConnectionRecord> = expected.iter().collect();
    let got: BTreeSet<&ConnectionRecord> = actual.iter().collect();
    let missing: BTreeSet<&ConnectionRecord> = want.difference(&got).copied().collect();
    let extra: BTreeSet<&ConnectionRecord> = got.difference(&want).copied().collect();
    Err(format!(
        "{} expected records missing, {} unexpected (of {} expected; {} input errors)\n  missing:\n{}\n  unexpected:\n{}",
        missing.len(),
        extra.len(),
        expected.len(),
        resources.errors.len(),
        describe(&missing),
        describe(&extra)
    ))
}

/// Reads an allowlist: one case id a line, `#` comments.
fn read_allowlist(path: &Path) -> BTreeSet<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Prints failures, newly passing cases and `N of M`, and fails on a regression: an
/// allowlisted case that no longer passes.
fn report(label: &str, allowlist: &Path, passed: &[String], failed: &[(String, String, String)]) {
    let listed = read_allowlist(allowlist);
    for (id, tier, reason) in failed {
        eprintln!("FAIL [{tier}] {id}: {reason}");
    }
    let newly: Vec<&String> = passed.iter().filter(|id| !listed.contains(*id)).collect();
    if !newly.is_empty() {
        eprintln!("newly passing (add to {}):", allowlist.display());
        for id in &newly {
            eprintln!("{id}");
        }
    }
    let regressions: Vec<&String> =
        failed.iter().filter(|(id, _, _)| listed.contains(id)).map(|(id, _, _)| id).collect();
    eprintln!(
        "netpol-analyzer {label}: {} of {} cases pass ({} allowlisted)",
        passed.len(),
        passed.len() + failed.len(),
        listed.len()
    );
    assert!(regressions.is_empty(), "allowlisted {label} cases regressed: {regressions:?}");
}

#[test]
fn netpol_analyzer_conformance() {
    let root = corpus();
    let Ok(cases_text) = fs::read_to_string(root.join("cases.json")) else {
        eprintln!("conformance corpus not found at {}: skipped", root.display());
        return;
    };
    let cases: Vec<Value> = serde_json::from_str(&cases_text).expect("cases.json is a JSON array");
    let tiers: Vec<String> = std::env::var("NETFENCE_CONFORMANCE_TIERS")
        .map(|t| t.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_else(|_| vec!["core".to_owned(), "admin".to_owned()]);
    let scenarios: Vec<Value> = fs::read_to_string(root.join("scenarios.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let unmodelled = |scenario: &str| {
        scenarios.iter().any(|s| {
            s["scenario"] == scenario
                && ["UserDefinedNetwork", "ClusterUserDefinedNetwork", "VirtualMachine"]
                    .iter()
                    .any(|k| s["kinds"].get(k).is_some())
        })
    };
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut per_tier: std::collections::BTreeMap<String, (usize, usize)> = std::collections::BTreeMap::new();
    let mut ipv6_cases = 0;
    for case in &cases {
        let tier = case["tier"].as_str().unwrap_or_default();
        let scenario = case["scenario"].as_str().unwrap_or_default();
        if !tiers.iter().any(|t| t == tier) || case["canonical"].as_str().is_none() || unmodelled(scenario) {
            continue;
        }
        let id = case_id(case);
        let counts = per_tier.entry(tier.to_owned()).or_default();
        counts.1 += 1;
        match run_case(case) {
            Ok(left_out) => {
                counts.0 += 1;
                ipv6_cases += usize::from(left_out > 0);
                passed.push(id);
            }
            Err(reason) => failed.push((id, tier.to_owned(), reason)),
        }
    }
    for (tier, (pass, of)) in &per_tier {
        eprintln!("netpol-analyzer conformance, tier {tier}: {pass}/{of}");
    }
    eprintln!("admin cases compared without IPv6 records (netpol-analyzer leaves IPv6 networks out): {ipv6_cases}");
    report("conformance", &allowlist_path(), &passed, &failed);
}

/// Kinds whose scenarios the exposure runner leaves out: netfence does not model them
/// (user-defined networks, network attachments, virtual machines, multi-network policies).
const OUT_OF_SCOPE_KINDS: [&str; 5] = [
    "UserDefinedNetwork",
    "ClusterUserDefinedNetwork",
    "NetworkAttachmentDefinition",
    "VirtualMachine",
    "MultiNetworkPolicy",
];

/// `cases.json` and `scenarios.json` of the corpus (`None`, said on stderr, without it).
fn cases_and_scenarios() -> Option<(Vec<Value>, Vec<Value>)> {
    let root = corpus();
    let (Ok(cases), Ok(scenarios)) =
        (fs::read_to_string(root.join("cases.json")), fs::read_to_string(root.join("scenarios.json")))
    else {
        eprintln!("conformance corpus not found at {}: skipped", root.display());
        return None;
    };
    Some((
        serde_json::from_str(&cases).expect("cases.json is a JSON array"),
        serde_json::from_str(&scenarios).expect("scenarios.json is a JSON array"),
    ))
}

/// The kinds of a scenario's manifests, `None` when it needs one of [`OUT_OF_SCOPE_KINDS`]
/// (or is unknown).
fn in_scope_kinds<'a>(scenarios: &'a [Value], scenario: &str) -> Option<Vec<&'a str>> {
    let entry = scenarios.iter().find(|s| s["scenario"] == scenario)?;
    let kinds: Vec<&str> =
        entry["kinds"].as_object().map(|k| k.keys().map(String::as_str).collect()).unwrap_or_default();
    (!OUT_OF_SCOPE_KINDS.iter().any(|k| kinds.contains(k))).then_some(kinds)
}

fn exposure_allowlist_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/netpol-analyzer-exposure.passing")
}

/// The one normalisation of the exposure comparison: both texts end with exactly one newline
/// (netpol-analyzer's expected files sometimes lack the final newline). Everything else — the
/// connlist, the section headers, the column padding, the order of lines — is compared as is.
fn normalise(text: &str) -> String {
    format!("{}\n", text.trim_end_matches('\n'))
}

/// The documented deviations of the exposure comparison
/// (`tests/conformance/netpol-analyzer-exposure.deviations.json`): per case, the lines netfence
/// prints that netpol-analyzer does not (`extraLines`), those netpol-analyzer prints and
/// netfence does not (`missingLines`, optional), and why. Such a case passes when its text
/// without exactly the extra lines equals the expected text without exactly the missing ones —
/// any other difference still fails it.
fn exposure_deviations() -> Vec<Value> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/netpol-analyzer-exposure.deviations.json");
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let deviations: Vec<Value> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for d in &deviations {
        assert!(
            d["case"].is_string() && d["reason"].as_str().is_some_and(|r| !r.is_empty()) && d["extraLines"].is_array(),
            "{}: every deviation has a case, a reason and extraLines",
            path.display()
        );
    }
    deviations
}

/// `got` without each of `extra` (each once, all present): what netpol-analyzer would print.
fn without_lines(got: &str, extra: &[&str]) -> Option<String> {
    let mut lines: Vec<&str> = got.lines().collect();
    for line in extra {
        let at = lines.iter().position(|l| l == line)?;
        lines.remove(at);
    }
    Some(lines.iter().map(|l| format!("{l}\n")).collect())
}

/// Runs one exposure case: the connlist and the exposure section as `analyze --exposure`
/// prints them, against the expected text, allowing only the case's documented deviation
/// (`extra` lines netfence adds, `missing` lines it leaves out). `Err` holds a short diff.
fn run_exposure_case(case: &Value, extra: &[&str], missing: &[&str]) -> Result<(), String> {
    let root = corpus();
    let expected = fs::read_to_string(root.join(case["expected"].as_str().unwrap_or_default()))
        .map_err(|e| format!("cannot read expected output: {e}"))?;
    let resources = load_scenario(case["scenario"].as_str().unwrap_or_default());
    let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
    let filter = filter_of(case);
    let exposure = cluster.exposure(&resources, &filter);
    let actual = netfence::report::exposure_txt_on(&cluster.connectivity(&filter), &exposure, filter.focus_connection);
    let (want, got) = (normalise(&expected), normalise(&actual));
    if want == got && extra.is_empty() && missing.is_empty() {
        return Ok(());
    }
    if !extra.is_empty() || !missing.is_empty() {
        let Some(want) = without_lines(&want, missing).map(|w| normalise(&w)) else {
            return Err("the expected output no longer has the lines of its documented deviation".to_owned());
        };
        return match without_lines(&got, extra) {
            Some(rest) if normalise(&rest) == want => Ok(()),
            Some(_) => Err("differs beyond its documented deviation".to_owned()),
            None => Err("no longer prints the lines of its documented deviation (remove it)".to_owned()),
        };
    }
    let want_lines: BTreeSet<&str> = want.lines().collect();
    let got_lines: BTreeSet<&str> = got.lines().collect();
    let missing: Vec<&&str> = want_lines.difference(&got_lines).take(6).collect();
    let extra: Vec<&&str> = got_lines.difference(&want_lines).take(6).collect();
    Err(format!("text differs\n  missing: {missing:#?}\n  unexpected: {extra:#?}"))
}

/// netpol-analyzer's exposure cases (`exposureAnalysis`) whose scenarios need no kind of
/// [`OUT_OF_SCOPE_KINDS`], compared exactly after [`normalise`]. Reports N of M; the
/// allowlist `tests/conformance/netpol-analyzer-exposure.passing` holds the passing ones and a
/// listed case that fails is a regression.
#[test]
fn netpol_analyzer_exposure_conformance() {
    let Some((cases, scenarios)) = cases_and_scenarios() else { return };
    let in_scope = |scenario: &str| in_scope_kinds(&scenarios, scenario).is_some();
    let deviations = exposure_deviations();
    let mut deviating = 0;
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for case in &cases {
        let Some(expected) = case["expected"].as_str() else { continue };
        if case["exposureAnalysis"] != Value::Bool(true)
            || case["multipleNetworksEnabled"] == Value::Bool(true)
            || !in_scope(case["scenario"].as_str().unwrap_or_default())
        {
            continue;
        }
        let id = Path::new(expected)
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .trim_end_matches("_exposure_output")
            .to_owned();
        let lines = |key: &str| -> Vec<&str> {
            deviations
                .iter()
                .find(|d| d["case"].as_str() == Some(id.as_str()))
                .and_then(|d| d[key].as_array())
                .map(|lines| lines.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        };
        let (extra, missing) = (lines("extraLines"), lines("missingLines"));
        deviating += usize::from(!extra.is_empty() || !missing.is_empty());
        match run_exposure_case(case, &extra, &missing) {
            Ok(()) => passed.push(id),
            Err(reason) => failed.push((id, case["tier"].as_str().unwrap_or_default().to_owned(), reason)),
        }
    }
    println!("exposure cases passing with a documented deviation: {deviating}");
    report("exposure conformance", &exposure_allowlist_path(), &passed, &failed);
}

/// The connlist cases of scenarios with Ingress or Route objects (and no kind of
/// [`OUT_OF_SCOPE_KINDS`]), whatever their tier: the `{ingress-controller}` connections
/// compared as canonical records, like the core cases. Allowlist:
/// `tests/conformance/netpol-analyzer-ingress.passing`.
#[test]
fn netpol_analyzer_ingress_conformance() {
    let Some((cases, scenarios)) = cases_and_scenarios() else { return };
    let routed = |scenario: &str| {
        in_scope_kinds(&scenarios, scenario).is_some_and(|kinds| kinds.contains(&"Ingress") || kinds.contains(&"Route"))
    };
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for case in &cases {
        if case["canonical"].as_str().is_none()
            || case["multipleNetworksEnabled"] == Value::Bool(true)
            || !routed(case["scenario"].as_str().unwrap_or_default())
        {
            continue;
        }
        let id = case_id(case);
        match run_case(case) {
            Ok(_) => passed.push(id),
            Err(reason) => failed.push((id, case["tier"].as_str().unwrap_or_default().to_owned(), reason)),
        }
    }
    report(
        "ingress conformance",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/netpol-analyzer-ingress.passing"),
        &passed,
        &failed,
    );
}
