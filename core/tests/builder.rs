//! The builder DSL and the intent format: snapshots, round trips, the online-shop example,
//! random builder programs, and errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use k8s_openapi::api::networking::v1::NetworkPolicy;
use netfence::ErrorCode;
use netfence::builder::{
    ClusterDns, Direction, IngressController, NamespaceBuilder, Peer, PolicyBuilder, Port, Selector, WorkloadBuilder,
    build_intent, build_intent_text, intent_schema, parse_intent,
};
use netfence::engine::{CompiledCluster, EngineOptions};
use netfence::inventory::ResourceSet;
use netfence::model::Protocol;
use netfence::model::Severity;
use netfence::source::ParseOptions;
use netfence::validate::validate_policy;
use proptest::prelude::*;

fn read_back(text: &str) -> Vec<NetworkPolicy> {
    let mut set = ResourceSet::default();
    set.add_text(text, "<test>", &ParseOptions { strict: true, ..ParseOptions::default() }).unwrap();
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    set.policies.into_iter().map(|p| p.object).collect()
}

fn shop() -> PolicyBuilder {
    PolicyBuilder::new()
        .label("app.kubernetes.io/part-of", "demo")
        .namespace(
            NamespaceBuilder::new("shop")
                .default_deny(Direction::Both)
                .allow_dns()
                .allow_same_namespace()
                .workload(
                    WorkloadBuilder::new("web")
                        .allow_from_ingress_controller(Port::named("http"))
                        .allow_from(
                            Peer::cidr("10.0.0.0/8").except("10.1.0.0/16").except("10.2.0.0/16"),
                            Port::tcp(443),
                        )
                        .allow_to(Peer::pods(Selector::with_label("app", "api")), [Port::tcp(8080), Port::tcp(8443)]),
                )
                .workload(
                    WorkloadBuilder::new("api")
                        .pods(
                            Selector::with_label("app", "api")
                                .is_in("tier", ["backend", "worker"])
                                .does_not_exist("canary"),
                        )
                        .allow_from(Peer::pods(Selector::with_label("app", "web")), Port::tcp(8080))
                        .allow_from(
                            Peer::namespaces(Selector::with_label("team", "ops"))
                                .into_iter()
                                .chain(Peer::namespace("monitoring")),
                            Port::named("metrics"),
                        )
                        .allow_to(
                            Peer::pods_in_namespace("data", Selector::with_label("app", "postgres")),
                            Port::named("postgres"),
                        )
                        .allow_to(
                            Peer::pods_in_namespaces(Selector::new().exists("env"), Selector::new()),
                            Port::udp(5000).end_port(5010),
                        )
                        .allow_to(Peer::cidr("2001:db8::/32"), [Port::sctp(9), Port::all(Protocol::Udp)]),
                ),
        )
        .namespace(
            NamespaceBuilder::new("data").default_deny(Direction::Ingress).workload(
                WorkloadBuilder::new("postgres")
                    .allow_from(Peer::pods_in_namespace("shop", Selector::with_label("app", "api")), Port::tcp(5432)),
            ),
        )
        .namespace(
            NamespaceBuilder::new("batch")
                .default_deny(Direction::Egress)
                .workload(WorkloadBuilder::new("job").allow_to(Peer::anywhere(), Port::ALL)),
        )
}

#[test]
fn builder_yaml_snapshot() {
    let out = shop().build().unwrap();
    insta::assert_snapshot!("shop_yaml", out.to_yaml());
}

#[test]
fn builder_json_snapshot() {
    let out = PolicyBuilder::new()
        .namespace(
            NamespaceBuilder::new("a")
                .default_deny(Direction::Ingress)
                .workload(WorkloadBuilder::new("x").allow_from(Peer::namespace("b"), Port::tcp(80))),
        )
        .build()
        .unwrap();
    insta::assert_snapshot!("small_json", out.to_json());
}

#[test]
fn names_order_and_policy_types() {
    let out = shop().build().unwrap();
    let names: Vec<String> = out
        .policies()
        .iter()
        .map(|p| format!("{}/{}", p.metadata.namespace.as_deref().unwrap(), p.metadata.name.as_deref().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            "batch/job-egress",
            "data/postgres-ingress",
            "shop/allow-dns",
            "shop/allow-same-namespace",
            "shop/api-ingress",
            "shop/api-egress",
            "shop/web-ingress",
            "shop/web-egress",
            "batch/default-deny-egress",
            "data/default-deny-ingress",
            "shop/default-deny",
        ]
    );
    for p in out.policies() {
        let spec = p.spec.as_ref().unwrap();
        assert!(spec.policy_types.as_ref().is_some_and(|t| !t.is_empty()), "{:?}", p.metadata.name);
        let annotation = &p.metadata.annotations.as_ref().unwrap()["netfence.dev/intent"];
        let rules = spec.ingress.as_ref().map_or(0, Vec::len) + spec.egress.as_ref().map_or(0, Vec::len);
        assert_eq!(annotation.lines().count(), rules.max(1), "one annotation line per rule");
    }
    // Three allowances for api ingress+egress merge into one policy per direction, one rule each.
    let api_egress = out.policies().iter().find(|p| p.metadata.name.as_deref() == Some("api-egress")).unwrap();
    assert_eq!(api_egress.spec.as_ref().unwrap().egress.as_ref().unwrap().len(), 3);
}

#[test]
fn the_same_workload_twice_merges_and_dedupes() {
    let w = || WorkloadBuilder::new("x").allow_from(Peer::namespace("b"), Port::tcp(80));
    let out = PolicyBuilder::new()
        .namespace(NamespaceBuilder::new("a").workload(w()))
        .namespace(NamespaceBuilder::new("a").workload(w().allow_from(Peer::namespace("c"), Port::tcp(81))))
        .build()
        .unwrap();
    assert_eq!(out.policies().len(), 1);
    assert_eq!(out.policies()[0].spec.as_ref().unwrap().ingress.as_ref().unwrap().len(), 2);
}

#[test]
fn yaml_and_json_round_trip() {
    let out = shop().build().unwrap();
    assert_eq!(read_back(&out.to_yaml()), out.policies());
    assert_eq!(read_back(&out.to_json()), out.policies());
    let yaml = out.to_yaml();
    assert!(!yaml.contains("null"));
    assert!(yaml.contains("port: 8080\n"), "ports are integers");
    assert!(yaml.contains("endPort: 5010\n"));
    assert_eq!(yaml.matches("\n---\n").count(), out.policies().len() - 1);
}

#[test]
fn configurable_dns_and_ingress_controller() {
    let out = PolicyBuilder::new()
        .dns(ClusterDns::in_namespace("dns").pods(Selector::with_label("app", "coredns")))
        .ingress_controller(
            IngressController::in_namespace("traefik").pods(Selector::with_label("app.kubernetes.io/name", "traefik")),
        )
        .namespace(
            NamespaceBuilder::new("a")
                .default_deny(Direction::Both)
                .allow_dns()
                .workload(WorkloadBuilder::new("w").allow_from(Peer::ingress_controller(), Port::tcp(80))),
        )
        .build()
        .unwrap();
    let yaml = out.to_yaml();
    assert!(yaml.contains("kubernetes.io/metadata.name: dns"));
    assert!(yaml.contains("app: coredns"));
    assert!(yaml.contains("kubernetes.io/metadata.name: traefik"));
    assert!(!yaml.contains("ingress-nginx"));
}

// ---------------------------------------------------------------------------------------------
// The online-shop example

fn example_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/online-shop")
}

const GENERATED_HEADER: &str = "# Generated by netfence from ../intent.yaml: do not edit.\n\
# Regenerate with `NETFENCE_BLESS=1 cargo test -p netfence --test builder`.\n";

#[test]
fn example_generated_policies_are_current() {
    let dir = example_dir();
    let intent = std::fs::read_to_string(dir.join("intent.yaml")).unwrap();
    let out = build_intent_text(&intent, "intent.yaml").unwrap();
    let wanted = format!("{GENERATED_HEADER}{}", out.to_yaml());
    let path = dir.join("policies/generated.yaml");
    if std::env::var_os("NETFENCE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &wanted).unwrap();
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == wanted,
        "examples/online-shop/policies/generated.yaml is not the builder's output for intent.yaml; \
         regenerate it with `NETFENCE_BLESS=1 cargo test -p netfence --test builder`"
    );
    assert_eq!(read_back(&current), out.policies());
}

fn selector_matches(selector: &netfence::model::IntentSelector, labels: &BTreeMap<String, String>) -> bool {
    assert!(selector.match_expressions.is_empty(), "the example uses matchLabels only");
    selector.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[test]
fn example_intent_matches_the_manifests() {
    let dir = example_dir();
    let mut set = ResourceSet::default();
    let mut files: Vec<_> = std::fs::read_dir(dir.join("manifests")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for f in &files {
        set.add_text(&std::fs::read_to_string(f).unwrap(), &f.display().to_string(), &ParseOptions::default()).unwrap();
    }
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    for ns in ["shop", "payments", "data", "ingress-nginx", "kube-system"] {
        assert!(set.namespaces.iter().any(|n| n.name == ns), "namespace {ns}");
    }
    let postgres = set.workloads.iter().find(|w| w.name == "postgres").unwrap();
    let port = &postgres.spec.containers[0].ports[0];
    assert_eq!((port.name.as_deref(), port.container_port), (Some("postgres"), 5432));

    let intent = parse_intent(&std::fs::read_to_string(dir.join("intent.yaml")).unwrap(), "intent.yaml").unwrap();
    for ns in &intent.namespaces {
        for w in &ns.workloads {
            let default = netfence::model::IntentSelector {
                match_labels: BTreeMap::from([("app".to_owned(), w.name.clone())]),
                ..Default::default()
            };
            let selector = w.pod_selector.as_ref().unwrap_or(&default);
            let hits = set
                .workloads
                .iter()
                .filter(|m| m.namespace == ns.name)
                .filter(|m| selector_matches(selector, &m.template_labels))
                .count();
            assert_eq!(hits, 1, "workload {}/{} selects one manifest workload", ns.name, w.name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The intent format

#[test]
fn intent_builds_like_the_builder() {
    let text = r#"
apiVersion: netfence.dev/v1alpha1
kind: Intent
namespaces:
  - name: data
    defaultDeny: Ingress
    workloads:
      - name: postgres
        ingress:
          - from: [{podsInNamespace: {namespace: shop, podSelector: {matchLabels: {app: api}}}}]
            ports: [{port: 5432}]
"#;
    let from_intent = build_intent_text(text, "t.yaml").unwrap();
    let from_builder = PolicyBuilder::new()
        .namespace(
            NamespaceBuilder::new("data").default_deny(Direction::Ingress).workload(
                WorkloadBuilder::new("postgres")
                    .allow_from(Peer::pods_in_namespace("shop", Selector::with_label("app", "api")), Port::tcp(5432)),
            ),
        )
        .build()
        .unwrap();
    assert_eq!(from_intent, from_builder);
    // JSON intents read the same.
    let intent = parse_intent(text, "t.yaml").unwrap();
    let json = serde_json::to_string(&intent).unwrap();
    assert_eq!(parse_intent(&json, "t.json").unwrap(), intent);
    assert_eq!(build_intent(&intent).unwrap(), from_builder);
}

#[test]
fn intent_schema_describes_every_field() {
    let schema = intent_schema();
    insta::assert_json_snapshot!("intent_schema", schema);
    fn walk(v: &serde_json::Value, path: &str) {
        if let Some(props) = v.get("properties").and_then(|p| p.as_object()) {
            // A one-key object with a description is an enum variant (`pods: {...}`).
            let variant = props.len() == 1 && v.get("description").is_some();
            for (name, prop) in props {
                assert!(variant || prop.get("description").is_some(), "no description for {path}/{name}");
            }
        }
        match v {
            serde_json::Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, &format!("{path}/{k}"))),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, path)),
            _ => {}
        }
    }
    walk(&schema, "");
}

// ---------------------------------------------------------------------------------------------
// Errors

fn build_err(w: WorkloadBuilder) -> netfence::Error {
    PolicyBuilder::new().namespace(NamespaceBuilder::new("a").workload(w)).build().unwrap_err()
}

#[test]
fn builder_errors() {
    let cases: Vec<(WorkloadBuilder, &str)> = vec![
        (WorkloadBuilder::new("w").allow_to(Peer::cidr("10.0.0.0/33"), Port::ALL), "`10.0.0.0/33`"),
        (WorkloadBuilder::new("w").allow_to(Peer::cidr("not-a-cidr"), Port::ALL), "`not-a-cidr` is not a valid CIDR"),
        (WorkloadBuilder::new("w").allow_to(Peer::cidr("10.0.0.1/8"), Port::ALL), "host bits"),
        (
            WorkloadBuilder::new("w").allow_to(Peer::cidr("10.0.0.0/8").except("11.0.0.0/16"), Port::ALL),
            "strict subset",
        ),
        (WorkloadBuilder::new("w").allow_to(Peer::namespace("x").except("10.0.0.0/8"), Port::ALL), "`except`"),
        (WorkloadBuilder::new("w").allow_to(Peer::anywhere(), Port::tcp(0)), "port `0` is out of range"),
        (WorkloadBuilder::new("w").allow_to(Peer::anywhere(), Port::tcp(70000)), "port `70000` is out of range"),
        (
            WorkloadBuilder::new("w").allow_to(Peer::anywhere(), Port::tcp(80).end_port(79)),
            "end port `79` is lower than port `80`",
        ),
        (
            WorkloadBuilder::new("w").allow_to(Peer::anywhere(), Port::tcp(80).end_port(70000)),
            "port `70000` is out of range",
        ),
        (WorkloadBuilder::new("w").allow_to(Peer::anywhere(), Port::named("http").end_port(90)), "named port `http`"),
        (WorkloadBuilder::new("w").allow_to(Peer::anywhere(), Port::named("no_underscores")), "not a valid port name"),
        (WorkloadBuilder::new("w").allow_to(Vec::new(), Port::ALL), "no peers"),
        (WorkloadBuilder::new("Bad_Name"), "not a valid workload name"),
        (WorkloadBuilder::new("w").pods(Selector::with_label("bad key", "x")), "`bad key` is not a valid label key"),
        (WorkloadBuilder::new("w").pods(Selector::new().is_in("k", Vec::<String>::new())), "has no values"),
    ];
    for (w, wanted) in cases {
        let e = build_err(w);
        assert_eq!(e.code, ErrorCode::InvalidBuild, "{e:?}");
        assert!(e.message.contains(wanted), "{:?} does not contain {wanted:?}", e.message);
        assert!(e.help.is_some());
    }
    let e = PolicyBuilder::new().namespace(NamespaceBuilder::new("a").allow_dns()).build().unwrap_err();
    assert!(e.message.contains("without default deny egress"), "{e}");
    let e = PolicyBuilder::new()
        .namespace(
            NamespaceBuilder::new("a")
                .default_deny(Direction::Ingress)
                .workload(WorkloadBuilder::new("default-deny").allow_from(Peer::anywhere(), Port::ALL)),
        )
        .build()
        .unwrap_err();
    assert!(e.message.contains("two policies named `default-deny-ingress`"), "{e}");
    let e = PolicyBuilder::new().namespace(NamespaceBuilder::new("Shop")).build().unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidBuild);
}

const INTENT_HEAD: &str = "apiVersion: netfence.dev/v1alpha1\nkind: Intent\n";

#[test]
fn intent_unknown_field_is_located() {
    let text = format!(
        "{INTENT_HEAD}namespaces:\n  - name: shop\n    workloads:\n      - name: api\n        podselector: {{}}\n"
    );
    let e = parse_intent(&text, "intent.yaml").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIntent);
    assert_eq!(e.message, "unknown intent field `podselector` at `/namespaces/0/workloads/0`");
    assert_eq!(e.help.as_deref(), Some("did you mean `podSelector`?"));
    let loc = e.location.unwrap();
    assert_eq!((loc.file.as_str(), loc.line, loc.column), ("intent.yaml", 7, 9));
    assert_eq!(loc.pointer, "/namespaces/0/workloads/0/podselector");
}

#[test]
fn intent_wrong_api_version_or_kind() {
    let e = parse_intent("apiVersion: networking.k8s.io/v1\nkind: Intent\n", "i.yaml").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIntent);
    assert_eq!(e.message, "unsupported intent `apiVersion` `networking.k8s.io/v1`");
    assert_eq!(e.location.as_ref().map(|l| (l.line, l.column)), Some((1, 13)));
    let e = parse_intent("apiVersion: netfence.dev/v1alpha1\nkind: NetworkPolicy\n", "i.yaml").unwrap_err();
    assert_eq!(e.message, "unsupported intent `kind` `NetworkPolicy`");
    assert_eq!(e.location.as_ref().map(|l| l.line), Some(2));
    let e = parse_intent("kind: Intent\n", "i.yaml").unwrap_err();
    assert_eq!(e.message, "the intent has no `apiVersion`");
    let e = parse_intent("", "i.yaml").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIntent);
    let e = parse_intent(&format!("{INTENT_HEAD}---\n{INTENT_HEAD}"), "i.yaml").unwrap_err();
    assert!(e.message.contains("2 documents"), "{e}");
}

#[test]
fn intent_value_errors_are_located() {
    let cases = [
        (
            "          - to: [{ipBlock: {cidr: 10.0.0.0/33}}]\n",
            "/namespaces/0/workloads/0/egress/0/to/0/ipBlock/cidr",
            8,
        ),
        (
            "          - to: [{anywhere: {}}]\n            ports: [{port: 0}]\n",
            "/namespaces/0/workloads/0/egress/0/ports/0/port",
            9,
        ),
        (
            "          - to: [{anywhere: {}}]\n            ports: [{port: 80, endPort: 79}]\n",
            "/namespaces/0/workloads/0/egress/0/ports/0/endPort",
            9,
        ),
        (
            "          - to: [{anywhere: {}}]\n            ports: [{port: http, endPort: 90}]\n",
            "/namespaces/0/workloads/0/egress/0/ports/0/endPort",
            9,
        ),
        ("          - to: []\n", "/namespaces/0/workloads/0/egress/0/to", 8),
    ];
    for (egress, pointer, line) in cases {
        let text = format!(
            "{INTENT_HEAD}namespaces:\n  - name: shop\n    workloads:\n      - name: api\n        egress:\n{egress}"
        );
        let e = build_intent_text(&text, "i.yaml").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidIntent, "{e:?}");
        let loc = e.location.unwrap();
        assert_eq!((loc.pointer.as_str(), loc.line, loc.file.as_str()), (pointer, line, "i.yaml"), "{}", e.message);
    }
    // A type error names the field.
    let text = format!("{INTENT_HEAD}namespaces:\n  - name: shop\n    defaultDeny: Sideways\n");
    let e = parse_intent(&text, "i.yaml").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIntent);
    assert_eq!(
        e.location.as_ref().map(|l| (l.pointer.as_str(), l.line)),
        Some(("/namespaces/0/defaultDeny", 5)),
        "{e:?}"
    );
    // A port that is neither a number nor a name says what it takes.
    let text = format!(
        "{INTENT_HEAD}namespaces:\n  - name: shop\n    workloads:\n      - name: api\n        egress:\n          - to: [{{anywhere: {{}}}}]\n            ports: [{{port: 80.5}}]\n"
    );
    let e = parse_intent(&text, "i.yaml").unwrap_err();
    assert_eq!(
        e.location.as_ref().map(|l| (l.pointer.as_str(), l.line)),
        Some(("/namespaces/0/workloads/0/egress/0/ports/0/port", 9)),
        "{e:?}"
    );
    assert!(e.message.contains("expected a port number or a container port name"), "{}", e.message);
    // allowDns without default deny egress points at allowDns.
    let text = format!("{INTENT_HEAD}namespaces:\n  - name: shop\n    defaultDeny: Ingress\n    allowDns: true\n");
    let e = build_intent_text(&text, "i.yaml").unwrap_err();
    assert_eq!(e.location.as_ref().map(|l| (l.pointer.as_str(), l.line)), Some(("/namespaces/0/allowDns", 6)), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// Random builder programs

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z][a-z0-9]{0,5}",
        Just("true".to_owned()),
        Just("1.0".to_owned()),
        Just("null".to_owned())
    ]
}

fn selector() -> impl Strategy<Value = Selector> {
    (
        prop::collection::btree_map(
            prop_oneof![Just("app"), Just("tier"), Just("app.kubernetes.io/name")],
            label_value(),
            0..3,
        ),
        prop::collection::vec(
            (prop_oneof![Just("env"), Just("team")], 0..4u8, prop::collection::vec("[a-z]{1,4}", 1..3)),
            0..2,
        ),
    )
        .prop_map(|(labels, exprs)| {
            let mut s = Selector::new();
            for (k, v) in labels {
                s = s.label(k, v);
            }
            for (k, op, values) in exprs {
                s = match op {
                    0 => s.is_in(k, values),
                    1 => s.not_in(k, values),
                    2 => s.exists(k),
                    _ => s.does_not_exist(k),
                };
            }
            s
        })
}

fn peer() -> impl Strategy<Value = Peer> {
    prop_oneof![
        Just(Peer::anywhere()),
        selector().prop_map(Peer::pods),
        "[a-z]{1,6}".prop_map(Peer::namespace),
        selector().prop_map(Peer::namespaces),
        ("[a-z]{1,6}", selector()).prop_map(|(n, s)| Peer::pods_in_namespace(n, s)),
        (selector(), selector()).prop_map(|(n, s)| Peer::pods_in_namespaces(n, s)),
        (0u8..=255, 8u32..=24, any::<bool>()).prop_map(|(a, prefix, except)| {
            let p = Peer::cidr(format!("{a}.0.0.0/8"));
            if except { p.except(format!("{a}.{}.0.0/16", prefix)) } else { p }
        }),
        Just(Peer::cidr("2001:db8::/32").except("2001:db8:1::/48")),
        Just(Peer::ingress_controller()),
    ]
}

fn port() -> impl Strategy<Value = Port> {
    let protocol = prop_oneof![Just(Protocol::Tcp), Just(Protocol::Udp), Just(Protocol::Sctp)];
    (protocol, 0u8..4, 1i64..=65535, 0i64..100, "[a-z]{1,8}").prop_map(|(proto, kind, n, span, name)| match kind {
        0 => Port::number(proto, n),
        1 => Port::number(proto, n.min(65535 - span)).end_port(n.min(65535 - span) + span),
        2 => Port::named(name).protocol(proto),
        _ => Port::all(proto),
    })
}

fn workload() -> impl Strategy<Value = WorkloadBuilder> {
    let allowance = || (prop::collection::vec(peer(), 1..3), prop::collection::vec(port(), 0..3));
    (
        "[a-z]{1,6}",
        prop::option::of(selector()),
        prop::collection::vec(allowance(), 0..3),
        prop::collection::vec(allowance(), 0..3),
    )
        .prop_map(|(name, pods, ingress, egress)| {
            let mut w = WorkloadBuilder::new(name);
            if let Some(p) = pods {
                w = w.pods(p);
            }
            for (peers, ports) in ingress {
                w = w.allow_from(peers, ports);
            }
            for (peers, ports) in egress {
                w = w.allow_to(peers, ports);
            }
            w
        })
}

fn program() -> impl Strategy<Value = PolicyBuilder> {
    let deny = prop::option::of(prop_oneof![Just(Direction::Ingress), Just(Direction::Egress), Just(Direction::Both)]);
    let namespace = ("[a-z]{1,6}", deny, any::<bool>(), any::<bool>(), prop::collection::vec(workload(), 0..3))
        .prop_map(|(name, deny, dns, same, workloads)| {
            let mut ns = NamespaceBuilder::new(name);
            if let Some(d) = deny {
                ns = ns.default_deny(d);
                if dns && d.egress() {
                    ns = ns.allow_dns();
                }
                if same {
                    ns = ns.allow_same_namespace();
                }
            }
            for w in workloads {
                ns = ns.workload(w);
            }
            ns
        });
    prop::collection::vec(namespace, 1..4)
        .prop_map(|namespaces| namespaces.into_iter().fold(PolicyBuilder::new(), PolicyBuilder::namespace))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_programs_build_valid_policies_that_round_trip(program in program()) {
        let out = match program.build() {
            Ok(out) => out,
            Err(e) => {
                // The only input the strategies can make invalid: a merged workload whose pod
                // selectors differ.
                prop_assert!(e.message.contains("different pod selectors"), "{e:?}");
                return Ok(());
            }
        };
        let yaml = out.to_yaml();
        prop_assert_eq!(read_back(&yaml), out.policies());
        prop_assert_eq!(read_back(&out.to_json()), out.policies());
        let mut set = ResourceSet::default();
        set.add_text(&yaml, "<p>", &ParseOptions::default()).unwrap();
        for policy in &set.policies {
            let errors: Vec<_> = validate_policy(policy).into_iter().filter(|f| f.severity == Severity::Error).collect();
            prop_assert!(errors.is_empty(), "{:?}\n{}", errors, yaml);
        }
    }
}

/// Cluster guardrails of the intent: both API versions, read back as cluster-scoped policies,
/// and what they guarantee holds in the engine.
#[test]
fn cluster_guardrails_are_built_in_both_versions_and_hold() {
    let intent = |version: &str| {
        format!(
            "apiVersion: netfence.dev/v1alpha1\nkind: Intent\nclusterGuardrails:\n  apiVersion: {version}\n  allowDns: true\n  \
             allowFrom: {{namespace: monitoring, podSelector: {{matchLabels: {{app: prometheus}}}}}}\n  tenantLabel: tenant\n  \
             tenants: [shop, blog]\n  baselineDefaultDeny: true\nnamespaces: []\n"
        )
    };
    let workloads = "\
apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {tenant: shop}}\n---\n\
apiVersion: v1\nkind: Namespace\nmetadata: {name: blog, labels: {tenant: blog}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: cart, namespace: shop, labels: {app: cart}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: blog, namespace: blog, labels: {app: blog}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: prometheus, namespace: monitoring, labels: {app: prometheus}}\n---\n\
apiVersion: v1\nkind: Pod\nmetadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}\n";
    for (version, kinds) in [
        ("v1alpha2", vec!["ClusterNetworkPolicy"; 6]),
        (
            "v1alpha1",
            vec![
                "AdminNetworkPolicy",
                "AdminNetworkPolicy",
                "AdminNetworkPolicy",
                "AdminNetworkPolicy",
                "AdminNetworkPolicy",
                "BaselineAdminNetworkPolicy",
            ],
        ),
    ] {
        let built = netfence::builder::build_intent_text(&intent(version), "intent.yaml").unwrap();
        let got: Vec<&str> = built.cluster_policies().iter().map(|p| p["kind"].as_str().unwrap()).collect();
        assert_eq!(got, kinds, "{version}");
        let mut set = ResourceSet::default();
        set.add_text(workloads, "workloads.yaml", &ParseOptions::default()).unwrap();
        set.add_text(&built.to_yaml(), "built.yaml", &ParseOptions::default()).unwrap();
        assert!(set.errors.is_empty() && set.unevaluated.is_empty(), "{version}: {:?}", set.errors);
        assert!(netfence::validate::validate_resources(&set).is_empty(), "{version}");
        let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
        let reaches = |a: &str, b: &str| {
            let p = cluster.connection(a, b).unwrap().allowed;
            !(p.tcp.is_empty() && p.udp.is_empty() && p.sctp.is_empty())
        };
        // within a tenant: passed to NetworkPolicies (none), then the baseline deny
        assert!(!reaches("shop/web", "shop/cart"), "{version}");
        // across tenants: denied
        assert!(!reaches("blog/blog", "shop/web"), "{version}");
        // platform traffic: always allowed
        assert!(reaches("monitoring/prometheus", "shop/web"), "{version}");
        let dns = cluster.connection("blog/blog", "kube-system/coredns").unwrap().allowed;
        assert_eq!((dns.udp, dns.tcp), (vec![[53, 53]], vec![[53, 53]]), "{version}");
    }
    // tenants without their label are an intent error
    let err = netfence::builder::build_intent_text(
        "apiVersion: netfence.dev/v1alpha1\nkind: Intent\nclusterGuardrails: {tenants: [a]}\n",
        "intent.yaml",
    )
    .unwrap_err();
    assert_eq!(err.code.as_str(), "NF-E010");
}
