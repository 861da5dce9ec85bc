//! Engine benchmark: `cargo xtask bench` (or `cargo run --release -p netfence --example bench --
//! --pods 10000 --policies 1000 --all-pairs`). Generates a deterministic synthetic cluster, then
//! reports wall time per phase and the process's memory as JSON.
//!
//! - `--cluster-policies N`: add N cluster-scoped policies (admin and baseline tiers).
//! - `--parse-only`: stop after parsing (parse time and memory alone).
//! - `--list`: the same objects as one `kind: List` document (as `kubectl get -o yaml` writes),
//!   instead of one document each.
//! - `--exposure`: also time the exposure analysis (`analyze --exposure`) after compiling.
//! - `--kubectl json|json-compact|yaml`: the same cluster as `kubectl get -A -o json|yaml` of
//!   a real cluster prints it (`netfence::synth::kubectl`: every field an API server returns,
//!   ~12 KB a pod indented), one `kind: List`.
//! - `--input FILE`: read FILE instead of generating (the read is `generateSeconds`); with
//!   `--stream`, FILE is streamed as the command line reads its inputs
//!   (`ResourceSet::add_reader`: a JSON list item by item, never whole in memory), and
//!   `parseSeconds` includes the read.
//! - `--diff`: also parse and compile a second cluster (the same input plus a tenth more
//!   policies) and time the connectivity diff of the two (`netfence::diff::diff`).

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used)]

use std::time::Instant;

use netfence::engine::{CompiledCluster, ConnectionFilter, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::source::ParseOptions;
use netfence::synth::{SynthConfig, generate};

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn peak_rss_mib() -> f64 {
    status_mib("VmHWM:")
}

fn rss_mib() -> f64 {
    status_mib("VmRSS:")
}

/// `n` cluster-scoped policies over the synthetic cluster's labels (`--cluster-policies N`): admin
/// AdminNetworkPolicies and ClusterNetworkPolicies by team, with Deny, Pass and Allow rules
/// towards namespaces, pods and networks, and baseline ClusterNetworkPolicies.
fn cluster_policies(n: usize) -> String {
    const TEAMS: [&str; 5] = ["payments", "growth", "platform", "identity", "catalog"];
    const APPS: [&str; 12] =
        ["web", "api", "cart", "checkout", "search", "auth", "billing", "queue", "cache", "db", "worker", "gateway"];
    const ENVS: [&str; 2] = ["prod", "staging"];
    let mut out = String::new();
    for i in 0..n {
        let (team, app, env) = (TEAMS[i % TEAMS.len()], APPS[i % APPS.len()], ENVS[i % ENVS.len()]);
        let (api, kind, tier, allow) = match i % 4 {
            0 | 1 => ("v1alpha1", "AdminNetworkPolicy", "", "Allow"),
            2 => ("v1alpha2", "ClusterNetworkPolicy", "  tier: Admin\n", "Accept"),
            _ => ("v1alpha2", "ClusterNetworkPolicy", "  tier: Baseline\n", "Accept"),
        };
        let ports = if api == "v1alpha1" {
            "ports: [{portNumber: {protocol: TCP, port: 8080}}]"
        } else {
            "protocols: [{tcp: {destinationPort: {number: 8080}}}]"
        };
        let pass = if i % 4 == 3 { "Deny" } else { "Pass" };
        out.push_str(&format!(
            "---\napiVersion: policy.networking.k8s.io/{api}\nkind: {kind}\nmetadata: {{name: guard-{i}}}\nspec:\n{tier}  priority: {}\n  subject: {{namespaces: {{matchLabels: {{team: {team}}}}}}}\n  ingress:\n  - {{name: deny-{env}, action: Deny, from: [{{namespaces: {{matchLabels: {{env: {env}}}}}}}], {ports}}}\n  - {{name: rest, action: {pass}, from: [{{namespaces: {{}}}}]}}\n  egress:\n  - {{name: to-{app}, action: {allow}, to: [{{pods: {{namespaceSelector: {{}}, podSelector: {{matchLabels: {{app: {app}}}}}}}}}], {ports}}}\n  - {{name: no-net, action: Deny, to: [{{networks: [10.{}.0.0/16]}}]}}\n",
            (i * 7) % 1000,
            i % 256
        ));
    }
    out
}

/// The documents of `text` as the items of one `kind: List` document, in kubectl's layout.
fn as_list(text: &str) -> String {
    let mut list = String::from("apiVersion: v1\nitems:\n");
    for doc in text.split("---\n").map(str::trim_end).filter(|d| !d.is_empty()) {
        for (i, line) in doc.lines().enumerate() {
            list.push_str(if i == 0 { "- " } else { "  " });
            list.push_str(line);
            list.push('\n');
        }
    }
    list.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    list
}

fn parse(text: &str) -> ResourceSet {
    let options = ParseOptions {
        max_input_bytes: usize::MAX,
        max_documents: usize::MAX,
        max_nodes: usize::MAX,
        ..ParseOptions::default()
    };
    let mut set = ResourceSet::default();
    if let Err(e) = set.add_text(text, "synth.yaml", &options) {
        eprintln!("parse failed: {e}");
        std::process::exit(1);
    }
    set
}

fn main() {
    let pods = arg("--pods", 1_000);
    let policies = arg("--policies", 100);
    let namespaces = arg("--namespaces", (pods / 500).clamp(5, 500));
    let replicas = arg("--replicas", 5);
    let pairs = std::env::args().any(|a| a == "--all-pairs");
    let parse_only = std::env::args().any(|a| a == "--parse-only");
    let diff = std::env::args().any(|a| a == "--diff");
    let checks = std::env::args().any(|a| a == "--checks");
    let exposure = std::env::args().any(|a| a == "--exposure");
    let config = SynthConfig { seed: 42, namespaces, pods, replicas, bare_pod_every: 20, policies };

    let t = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    let named = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let stream = named("--input").filter(|_| args.iter().any(|a| a == "--stream"));
    let text = if stream.is_some() {
        String::new()
    } else if let Some(path) = named("--input") {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        netfence::source::text_from_vec(bytes, &path).unwrap()
    } else if let Some(format) = named("--kubectl") {
        use netfence::synth::kubectl::{DumpFormat, kubectl_dump};
        let format = match format.as_str() {
            "json" => DumpFormat::Json,
            "json-compact" => DumpFormat::JsonCompact,
            "yaml" => DumpFormat::Yaml,
            other => panic!("unknown --kubectl format `{other}` (json, json-compact, yaml)"),
        };
        let mut out = Vec::new();
        kubectl_dump(&config, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    } else {
        let mut text = generate(&config);
        text.push_str(&cluster_policies(arg("--cluster-policies", 0)));
        if std::env::args().any(|a| a == "--list") { as_list(&text) } else { text }
    };
    let generate_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let (set, bytes) = match &stream {
        Some(path) => {
            let mut file = std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
            let bytes = file.metadata().map_or(0, |m| m.len() as usize);
            let mut set = ResourceSet::default();
            let options = ParseOptions { max_input_bytes: usize::MAX, ..ParseOptions::default() };
            if let Err(e) = set.add_reader(&mut file, path, &options) {
                eprintln!("parse failed: {e}");
                std::process::exit(1);
            }
            (set, bytes)
        }
        None => (parse(&text), text.len()),
    };
    let parse_s = t.elapsed().as_secs_f64();
    drop(text);
    let parsed_rss = rss_mib();
    if parse_only {
        println!(
            "{}",
            serde_json::json!({
                "pods": set.pods.len(),
                "policies": set.policies.len(),
                "inputBytes": bytes,
                "parseSeconds": parse_s,
                "rssAfterParseMiB": parsed_rss,
                "peakRssMiB": peak_rss_mib(),
            })
        );
        return;
    }

    let t = Instant::now();
    let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
    let compile_s = t.elapsed().as_secs_f64();
    let compiled_rss = rss_mib();

    let (pairs_s, records) = if pairs {
        let t = Instant::now();
        let records = cluster.all_pairs(&ConnectionFilter::default()).len();
        (Some(t.elapsed().as_secs_f64()), Some(records))
    } else {
        (None, None)
    };

    // Exposure (`analyze --exposure`): potential peers of every endpoint, after compiling
    let (exposure_s, exposure_peers) = if exposure {
        let t = Instant::now();
        let result = cluster.exposure(&set, &ConnectionFilter::default());
        let peers: usize = result
            .endpoints
            .iter()
            .flat_map(|e| [e.ingress.as_ref(), e.egress.as_ref()])
            .flatten()
            .map(|s| s.peers.len())
            .sum();
        (Some(t.elapsed().as_secs_f64()), Some(peers))
    } else {
        (None, None)
    };

    // Checks: API validation and the review checks (what `lint` and `review` report), after
    // compile.
    let checks_report = checks.then(|| {
        let t = Instant::now();
        let validation = netfence::validate::validate_resources(&set).len();
        let validate_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let findings = netfence::checks::run_checks(&set, &cluster, &netfence::checks::CheckConfig::default());
        let checks_s = t.elapsed().as_secs_f64();
        let mut by_id = std::collections::BTreeMap::new();
        for f in &findings {
            *by_id.entry(f.id.clone()).or_insert(0usize) += 1;
        }
        // each check alone (the others disabled): which one the time goes to
        let ids: Vec<String> = netfence::checks::CHECKS.iter().map(|c| c.meta.id.to_owned()).collect();
        let mut per_check = std::collections::BTreeMap::new();
        for id in &ids {
            let config = netfence::checks::CheckConfig {
                disable: ids.iter().filter(|other| *other != id).cloned().collect(),
                ..netfence::checks::CheckConfig::default()
            };
            let t = Instant::now();
            let _ = netfence::checks::run_checks(&set, &cluster, &config);
            per_check.insert(id.clone(), (t.elapsed().as_secs_f64() * 1000.0).round() / 1000.0);
        }
        serde_json::json!({
            "perCheckSeconds": per_check,
            "validateSeconds": validate_s,
            "validationFindings": validation,
            "checksSeconds": checks_s,
            "checkFindings": by_id,
        })
    });

    // Explain: the same query repeated, after compile.
    let endpoints: Vec<String> = cluster.endpoints().map(|e| e.name.clone()).collect();
    let mut explain_us = None;
    if endpoints.len() >= 2 {
        let n = 2_000usize;
        let t = Instant::now();
        let mut ok = 0usize;
        for i in 0..n {
            let src = &endpoints[(i * 7919) % endpoints.len()];
            let dst = &endpoints[(i * 104_729 + 1) % endpoints.len()];
            if cluster.explain(src, dst, Some(8080), None).is_ok() {
                ok += 1;
            }
        }
        explain_us = Some(t.elapsed().as_secs_f64() * 1e6 / n as f64);
        assert!(ok > 0);
    }

    // Diff: a second input with a tenth of the policies changed, parsed and compiled, then
    // the connectivity diff of the two compiled clusters.
    let diff_report = diff.then(|| {
        let changed = (policies / 10).max(1);
        let head_text = generate(&SynthConfig { policies: policies + changed, ..config.clone() });
        let t = Instant::now();
        let head = parse(&head_text);
        drop(head_text);
        let head_parse_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let head_cluster = CompiledCluster::compile(&head, &EngineOptions::default());
        let head_compile_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let d = netfence::diff::diff(&cluster, &head_cluster, &ConnectionFilter::default());
        let diff_s = t.elapsed().as_secs_f64();
        // with --checks: the change-review checks (NF4xx) of `review` with a base
        let change_checks = checks.then(|| {
            let input = netfence::checks::change::ChangeInput {
                base: &set,
                base_cluster: &cluster,
                head: &head,
                head_cluster: &head_cluster,
                diff: &d,
            };
            let t = Instant::now();
            let findings =
                netfence::checks::change::run_change_checks(&input, &netfence::checks::CheckConfig::default());
            serde_json::json!({"seconds": t.elapsed().as_secs_f64(), "findings": findings.len()})
        });
        serde_json::json!({
            "headPolicies": head.policies.len(),
            "headParseSeconds": head_parse_s,
            "headCompileSeconds": head_compile_s,
            "diffSeconds": diff_s,
            "connectionsChanged": d.connections.len(),
            "changeChecks": change_checks,
        })
    });

    println!(
        "{}",
        serde_json::json!({
            "pods": set.pods.len(),
            "clusterPolicies": set.cluster_policies.len(),
            "policies": set.policies.len(),
            "namespaces": namespaces,
            "endpoints": endpoints.len(),
            "classes": cluster.class_count(),
            "inputBytes": bytes,
            "generateSeconds": generate_s,
            "parseSeconds": parse_s,
            "compileSeconds": compile_s,
            "allPairsSeconds": pairs_s,
            "allPairsRecords": records,
            "exposureSeconds": exposure_s,
            "exposurePeers": exposure_peers,
            "explainMicros": explain_us,
            "rssAfterParseMiB": parsed_rss,
            "rssAfterCompileMiB": compiled_rss,
            "peakRssMiB": peak_rss_mib(),
            "diff": diff_report,
            "checks": checks_report,
        })
    );
}
