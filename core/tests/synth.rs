#![allow(clippy::unwrap_used, clippy::indexing_slicing)]
//! The synthetic generator makes valid, deterministic manifests.

use netfence::inventory::ResourceSet;
use netfence::source::ParseOptions;
use netfence::synth::{SynthConfig, generate};

#[test]
fn synthetic_cluster_parses_and_validates_cleanly() {
    let config = SynthConfig { seed: 7, namespaces: 4, pods: 300, replicas: 3, bare_pod_every: 5, policies: 60 };
    let text = generate(&config);
    assert_eq!(text, generate(&config), "same seed, same text");
    assert_ne!(text, generate(&SynthConfig { seed: 8, ..config.clone() }));
    let mut set = ResourceSet::default();
    set.add_text(&text, "synth.yaml", &ParseOptions::default()).unwrap();
    assert!(set.errors.is_empty(), "{:?}", set.errors.first());
    assert_eq!(set.namespaces.len(), 4);
    assert_eq!(set.policies.len(), 60);
    let owned = set.pods.iter().filter(|p| !p.owners.is_empty()).count();
    assert_eq!(set.pods.len(), 300);
    assert!(owned > 0 && owned < 300, "both owned and bare pods: {owned}");
    let findings: Vec<_> = set.policies.iter().flat_map(netfence::validate::validate_policy).collect();
    assert!(findings.is_empty(), "{findings:#?}");
}
