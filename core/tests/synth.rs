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

/// `all_pairs` builds its records in the canonical order from integer ranks of the names: the
/// answer is what sorting the records by their strings gives, with no pair twice — with and
/// without a focus, on clusters with ipBlocks (external ranges many rows share).
#[test]
fn all_pairs_is_in_canonical_order_without_repeats() {
    use netfence::engine::{CompiledCluster, ConnectionFilter, EngineOptions, ProtocolPort};
    use netfence::model::Protocol;
    for seed in [1, 2, 3] {
        let config = SynthConfig { seed, namespaces: 5, pods: 200, replicas: 2, bare_pod_every: 4, policies: 40 };
        let mut set = ResourceSet::default();
        set.add_text(&generate(&config), "synth.yaml", &ParseOptions::default()).unwrap();
        let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
        let focus = ConnectionFilter {
            focus_connection: Some(ProtocolPort { protocol: Protocol::Tcp, port: 8080 }),
            ..ConnectionFilter::default()
        };
        for filter in
            [ConnectionFilter::default(), ConnectionFilter { include_self: true, ..ConnectionFilter::default() }, focus]
        {
            let records = cluster.all_pairs(&filter);
            assert!(records.iter().any(|r| r.src.contains('.') || r.dst.contains('.')), "external ranges too");
            let mut sorted = records.clone();
            sorted.sort_by(|a, b| (&a.src, &a.dst, a.protocol.as_str()).cmp(&(&b.src, &b.dst, b.protocol.as_str())));
            sorted.dedup_by(|a, b| (&a.src, &a.dst, a.protocol) == (&b.src, &b.dst, b.protocol));
            assert_eq!(records, sorted, "seed {seed}, {filter:?}");
        }
    }
}
