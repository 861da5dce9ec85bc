//! Requirements files (`kind: Requirements`), read and checked against the online-shop example
//! cluster: an error or results, the same twice.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use netfence::engine::{CompiledCluster, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::source::ParseOptions;
use netfence::requirements::{check, parse_requirements};

const MANIFESTS: &[&str] = &[
    include_str!("../../examples/online-shop/manifests/namespaces.yaml"),
    include_str!("../../examples/online-shop/manifests/shop.yaml"),
    include_str!("../../examples/online-shop/manifests/payments.yaml"),
    include_str!("../../examples/online-shop/manifests/data.yaml"),
    include_str!("../../examples/online-shop/policies/generated.yaml"),
];

fn cluster() -> &'static (ResourceSet, CompiledCluster) {
    static CLUSTER: OnceLock<(ResourceSet, CompiledCluster)> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let mut resources = ResourceSet::default();
        for (i, text) in MANIFESTS.iter().enumerate() {
            let _ = resources.add_text(text, &format!("m{i}.yaml"), &ParseOptions::default());
        }
        let compiled = CompiledCluster::compile(&resources, &EngineOptions::default());
        (resources, compiled)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let first = parse_requirements(text, "requirements.yaml");
    let again = parse_requirements(text, "requirements.yaml");
    assert_eq!(format!("{first:?}"), format!("{again:?}"), "the same requirements read differently");
    if let Ok(file) = first {
        let (resources, compiled) = cluster();
        let results = check(compiled, resources, &file);
        assert_eq!(results, check(compiled, resources, &file), "the same requirements checked differently");
    }
});
