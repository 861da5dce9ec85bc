//! Review checks (`NF1xx`–`NF3xx`): the registry and its docs, a flagging and a clean fixture
//! per check (`tests/fixtures/checks/<ID>/{flag*,clean}.yaml`) with snapshots of the rendered
//! findings, the online-shop example, the netpol-analyzer corpus (counts per scenario and id),
//! suppressions, configuration, and robustness on invalid input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use netfence::checks::{CHECKS, CheckConfig, run_checks};
use netfence::engine::{CompiledCluster, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::model::{Finding, Severity};
use netfence::source::ParseOptions;
use serde_json::{Value, json};

mod common;
use common::manifest_files;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/checks")
}

/// Loads files, naming each relative to `base`.
fn load(files: &[PathBuf], base: &Path) -> ResourceSet {
    let mut set = ResourceSet::default();
    for file in files {
        let Ok(bytes) = fs::read(file) else { continue };
        let name = file.strip_prefix(base).unwrap_or(file).to_string_lossy().replace('\\', "/");
        let _ = set.add_text(&String::from_utf8_lossy(&bytes), &name, &ParseOptions::default());
    }
    set
}

fn check_set(set: &ResourceSet, config: &CheckConfig) -> Vec<Finding> {
    let cluster = CompiledCluster::compile(set, &EngineOptions::default());
    run_checks(set, &cluster, config)
}

fn check_text(yaml: &str, config: &CheckConfig) -> Vec<Finding> {
    let mut set = ResourceSet::default();
    set.add_text(yaml, "test.yaml", &ParseOptions::default()).unwrap();
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    check_set(&set, config)
}

/// The shape every finding must have.
#[track_caller]
fn assert_well_formed(f: &Finding) {
    let check = CHECKS.iter().find(|c| c.meta.id == f.id).unwrap_or_else(|| panic!("unregistered id {}", f.id));
    assert_eq!(f.name, check.meta.name);
    assert!(!f.message.is_empty() && !f.message.ends_with('.'), "{f:#?}");
    assert!(!f.message.starts_with(|c: char| c.is_ascii_uppercase()), "message is not lowercase: {f:#?}");
    assert!(f.help.as_deref().is_some_and(|h| !h.is_empty()), "no help: {f:#?}");
    assert!(f.resource.is_some(), "no resource: {f:#?}");
    let l = f.location.as_ref().expect("location");
    assert!(l.line > 0 && l.column > 0, "unknown position: {f:#?}");
}

// ---------------------------------------------------------------------------------------------
// Registry and docs

// ---------------------------------------------------------------------------------------------
// Fixtures: every check flags its `flag*.yaml` and stays quiet on `clean.yaml`

#[test]
fn every_check_has_flagging_and_clean_fixtures() {
    for check in CHECKS {
        let id = check.meta.id;
        let dir = fixtures().join(id);
        let mut files = Vec::new();
        manifest_files(&dir, &mut files);
        let flags: Vec<&PathBuf> =
            files.iter().filter(|f| f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("flag"))).collect();
        assert!(!flags.is_empty(), "{id}: no flag*.yaml fixture");
        assert!(dir.join("clean.yaml").is_file(), "{id}: no clean.yaml fixture");
        for flag in flags {
            let set = load(std::slice::from_ref(flag), &dir);
            assert!(set.errors.is_empty(), "{id}: {:?}", set.errors);
            let all = check_set(&set, &CheckConfig::default());
            all.iter().for_each(assert_well_formed);
            let mine: Vec<Value> = all.iter().filter(|f| f.id == id).map(common::finding_json).collect();
            assert!(!mine.is_empty(), "{id}: {} flags nothing; findings: {all:#?}", flag.display());
            let stem = flag.file_stem().unwrap().to_string_lossy().replace('-', "_");
            insta::assert_json_snapshot!(format!("{id}_{stem}"), mine);
        }
        let set = load(&[dir.join("clean.yaml")], &dir);
        assert!(set.errors.is_empty(), "{id}: {:?}", set.errors);
        let all = check_set(&set, &CheckConfig::default());
        all.iter().for_each(assert_well_formed);
        let mine: Vec<&Finding> = all.iter().filter(|f| f.id == id).collect();
        assert!(mine.is_empty(), "{id}: clean.yaml is flagged: {mine:#?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Examples and corpus

#[test]
fn online_shop_example() {
    let base = manifest_dir().join("../examples/online-shop");
    let mut files = Vec::new();
    manifest_files(&base.join("manifests"), &mut files);
    manifest_files(&base.join("policies"), &mut files);
    let set = load(&files, &base);
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let findings = check_set(&set, &CheckConfig::default());
    findings.iter().for_each(assert_well_formed);
    insta::assert_json_snapshot!("online_shop", findings.iter().map(common::finding_json).collect::<Vec<_>>());
}

#[test]
fn netpol_analyzer_core_scenarios() {
    let root = common::corpus();
    let Ok(text) = fs::read_to_string(root.join("scenarios.json")) else {
        eprintln!("netpol-analyzer corpus not found; skipped");
        return;
    };
    let scenarios: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut counts: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for scenario in scenarios.iter().filter(|s| s["tier"] == "core") {
        let name = scenario["scenario"].as_str().unwrap();
        let dir = root.join("tests").join(name);
        let mut files = Vec::new();
        manifest_files(&dir, &mut files);
        let set = load(&files, &dir);
        let findings = check_set(&set, &CheckConfig::default());
        findings.iter().for_each(assert_well_formed);
        let per_id = counts.entry(name.to_owned()).or_default();
        for f in &findings {
            *per_id.entry(f.id.clone()).or_insert(0) += 1;
        }
    }
    insta::assert_json_snapshot!("netpol_analyzer_core_counts", counts);
}

// ---------------------------------------------------------------------------------------------
// Suppression and configuration

const OPEN: &str = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: open
  namespace: shop
  annotations:
    netfence.dev/ignore: "NF207, allow-all-rule"
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
  ingress:
  - {}
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]
  - to: [{ipBlock: {cidr: 1.0.0.0/4}}]
"#;

fn ids(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn ignore_annotation_suppresses_by_id_and_name() {
    let findings = check_text(OPEN, &CheckConfig::default());
    assert_eq!(ids(&findings), ["NF208"], "{findings:#?}");
    let unannotated = OPEN.replace("netfence.dev/ignore", "example.com/note");
    assert_eq!(ids(&check_text(&unannotated, &CheckConfig::default())), ["NF205", "NF207", "NF208"]);
}

#[test]
fn config_disables_overrides_severity_and_sets_thresholds() {
    let unannotated = OPEN.replace("netfence.dev/ignore", "example.com/note");
    let config: CheckConfig = serde_json::from_value(json!({
        "disable": ["NF205"],
        "severity": {"ip-block-any-address": "error", "NF208": "info"},
        "broadCidrPrefixV4": 2,
    }))
    .unwrap();
    let findings = check_text(&unannotated, &config);
    assert_eq!(ids(&findings), ["NF207"], "a /4 is not broader than /2");
    assert_eq!(findings[0].severity, Severity::Error);
    let config: CheckConfig = serde_json::from_value(json!({"severity": {"NF208": "info"}})).unwrap();
    let findings = check_text(&unannotated, &config);
    assert_eq!(findings.iter().find(|f| f.id == "NF208").map(|f| f.severity), Some(Severity::Info));
    assert!(serde_json::from_value::<CheckConfig>(json!({"unknown": 1})).is_err());
}

#[test]
fn kubernetes_version_silences_recent_features() {
    let yaml = fs::read_to_string(fixtures().join("NF103/flag.yaml")).unwrap();
    let count = |v: Option<&str>| {
        let config = CheckConfig { kubernetes_version: v.map(str::to_owned), ..CheckConfig::default() };
        check_text(&yaml, &config).iter().filter(|f| f.id == "NF103").count()
    };
    assert_eq!((count(None), count(Some("1.22")), count(Some("v1.30.2"))), (2, 1, 0));
}

#[test]
fn complete_inventory_judges_selectors_without_near_misses() {
    let yaml = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: observability}}}]
"#;
    let partial = check_text(yaml, &CheckConfig::default());
    assert!(!ids(&partial).contains(&"NF302"), "{partial:#?}");
    let config = CheckConfig { complete_inventory: true, ..CheckConfig::default() };
    let complete = check_text(yaml, &config);
    assert!(ids(&complete).contains(&"NF302"), "{complete:#?}");
}

// ---------------------------------------------------------------------------------------------
// Robustness: invalid policies (the validation corpus) never make a check panic

#[test]
fn invalid_policies_do_not_panic() {
    let dir = manifest_dir().join("tests/fixtures/validate");
    let mut files = Vec::new();
    manifest_files(&dir, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let set = load(std::slice::from_ref(&file), &dir);
        for config in [CheckConfig::default(), CheckConfig { complete_inventory: true, ..CheckConfig::default() }] {
            let _ = check_set(&set, &config);
        }
    }
}

/// A synthetic cluster (`SYNTH_PODS` pods, default 2000): every finding well formed; prints
/// timings (50,000 pods: about 2 s of checks in release).
#[test]
fn synthetic_cluster() {
    use netfence::synth::{SynthConfig, generate};
    let pods: usize = std::env::var("SYNTH_PODS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let config = SynthConfig { seed: 7, namespaces: 10, pods, replicas: 5, bare_pod_every: 20, policies: pods / 10 };
    let mut set = ResourceSet::default();
    let options = ParseOptions { max_input_bytes: usize::MAX, max_documents: usize::MAX, ..ParseOptions::default() };
    set.add_text(&generate(&config), "synth.yaml", &options).unwrap();
    let t = std::time::Instant::now();
    let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
    let compiled = t.elapsed();
    let findings = run_checks(&set, &cluster, &CheckConfig::default());
    findings.iter().for_each(assert_well_formed);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        *counts.entry(f.id.as_str()).or_insert(0) += 1;
    }
    eprintln!("compile {compiled:?}, checks {:?}: {counts:?}", t.elapsed() - compiled);
}

#[test]
fn a_cluster_scoped_default_deny_counts_for_nf201_and_nf202() {
    let workloads = "apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {tenant: a}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w, image: w}]}}}
---
";
    let missing = |policies: &str| {
        let findings = check_text(&format!("{workloads}{policies}"), &CheckConfig::default());
        let mut out: Vec<String> =
            findings.into_iter().map(|f| f.id).filter(|id| id == "NF201" || id == "NF202").collect();
        out.sort_unstable();
        out
    };
    let banp = |subject: &str, ingress: &str, egress: &str| {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {{name: default}}
spec:
  subject: {subject}
  ingress: [{ingress}]
  egress: [{egress}]
"
        )
    };
    let deny_in = "{name: deny, action: Deny, from: [{namespaces: {}}]}";
    let deny_out = "{name: deny, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}";
    let allow_dns =
        "{name: dns, action: Allow, to: [{namespaces: {}}], ports: [{portNumber: {protocol: UDP, port: 53}}]}";
    assert_eq!(missing(""), ["NF201", "NF202"]);
    // the baseline default deny of the guardrails: ingress covered, egress not
    assert_eq!(missing(&banp("{namespaces: {}}", deny_in, allow_dns)), ["NF202"]);
    // egress covered by every pod and every address of both families, allowances first
    assert!(
        missing(&banp("{namespaces: {matchLabels: {tenant: a}}}", deny_in, &format!("{allow_dns}, {deny_out}")))
            .is_empty()
    );
    let v4_only = "{name: deny, action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0]}]}";
    assert_eq!(missing(&banp("{namespaces: {}}", deny_in, v4_only)), ["NF202"]);
    // not the whole namespace, a deny on some ports, or a Pass: not a default deny
    assert_eq!(missing(&banp("{namespaces: {matchLabels: {tenant: b}}}", deny_in, deny_out)), ["NF201", "NF202"]);
    let some_pods = "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}";
    assert_eq!(missing(&banp(some_pods, deny_in, deny_out)), ["NF201", "NF202"]);
    let on_a_port =
        "{name: deny, action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 80}}]}";
    assert_eq!(missing(&banp("{namespaces: {}}", on_a_port, deny_out)), ["NF201"]);
    // v1alpha2 of either tier
    let cnp = "apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: tenant-a}
spec:
  tier: Admin
  priority: 10
  subject: {pods: {namespaceSelector: {matchLabels: {tenant: a}}, podSelector: {}}}
  ingress: [{name: deny, action: Deny, from: [{namespaces: {}}]}]
  egress: [{name: pass, action: Pass, to: [{namespaces: {}}, {networks: [0.0.0.0/0, '::/0']}]}]
";
    assert_eq!(missing(cnp), ["NF202"]);
}
