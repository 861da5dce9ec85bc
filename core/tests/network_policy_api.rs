//! The upstream network-policy-api conformance suite (kubernetes-sigs/network-policy-api,
//! Apache-2.0; see `tests/network-policy-api/ATTRIBUTION.md`), ported as data by
//! `tests/network-policy-api/port.py`: for every subtest, the manifests as they stand when it
//! probes and one must-allow or must-deny requirement per probe. Every probe must pass, and
//! every ported subtest must be here (the count of probes is checked, so a lost file fails).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use netfence::engine::{CompiledCluster, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::requirements::{check, parse_requirements};
use netfence::source::ParseOptions;

/// Probes `port.py` wrote (it prints the count).
const PROBES: usize = 301;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/network-policy-api")
}

#[test]
fn every_upstream_probe_passes() {
    let root = root();
    let base = fs::read_to_string(root.join("base.yaml")).unwrap();
    let mut tests: Vec<PathBuf> =
        fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    tests.sort();
    let (mut probes, mut failures, mut subtests) = (0, Vec::new(), 0);
    for test in tests {
        let mut files: Vec<PathBuf> = fs::read_dir(&test)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".policies.yaml"))
            .collect();
        files.sort();
        for policies in files {
            subtests += 1;
            // a phase after a namespace patch has its own base (`NN-K.base.yaml`)
            let own_base = policies.to_string_lossy().replace(".policies.yaml", ".base.yaml");
            let base = fs::read_to_string(&own_base).unwrap_or_else(|_| base.clone());
            let mut resources = ResourceSet::default();
            resources.add_text(&base, "base.yaml", &ParseOptions::default()).unwrap();
            let text = fs::read_to_string(&policies).unwrap();
            resources.add_text(&text, &policies.to_string_lossy(), &ParseOptions::default()).unwrap();
            assert!(resources.errors.is_empty(), "{}: {:?}", policies.display(), resources.errors);
            assert!(resources.unevaluated.is_empty(), "{}: not evaluated", policies.display());
            // the live cluster's pods have their IPs: `networks` are evaluated for every pod
            assert!(resources.endpoints_without_ips().is_empty(), "{}", policies.display());
            assert!(!resources.cluster_policies.is_empty(), "{}", policies.display());
            let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
            let requirements = policies.to_string_lossy().replace(".policies.yaml", ".requirements.yaml");
            let file = parse_requirements(&fs::read_to_string(&requirements).unwrap(), &requirements).unwrap();
            for result in check(&cluster, &resources, &file) {
                probes += 1;
                if !result.passed {
                    failures.push(format!("{requirements}: {}: {}", result.name, result.message));
                }
            }
        }
    }
    eprintln!(
        "network-policy-api conformance: {} of {probes} probes pass in {subtests} subtests",
        probes - failures.len()
    );
    assert!(failures.is_empty(), "{} probes fail:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(probes, PROBES, "probes ported by port.py");
}
