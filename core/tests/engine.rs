//! The optimized engine equals the naive reference evaluator (`tests/reference/`) on random
//! small clusters with random policies covering every construct of `DESIGN.md`: isolation per
//! direction, effective policyTypes (omitted, `[]`, given), empty vs absent rule lists, peers
//! (podSelector, namespaceSelector, both, ipBlock with except, IPv6, invalid), selector
//! operators (In, NotIn, Exists, DoesNotExist, unknown), ports (absent, protocol only,
//! numeric, endPort ranges, named ports per protocol), defined and undefined namespaces,
//! workloads, owned and bare pods, and both ipBlock modes.
//!
//! `PROPTEST_CASES` changes the number of random clusters (default 2000).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod reference;

use std::collections::HashMap;

use netfence::engine::{CompiledCluster, ConnectionFilter, EngineOptions, IpBlockMode, SideVerdict};
use netfence::inventory::ResourceSet;
use netfence::model::Protocol;
use netfence::source::ParseOptions;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

const KEYS: [&str; 3] = ["app", "tier", "env"];
const VALUES: [&str; 3] = ["a", "b", "c"];
const NAMESPACES: [&str; 3] = ["ns-a", "ns-b", "default"];
const PORT_NAMES: [&str; 3] = ["http", "dns", "metrics"];
const PORTS: [i64; 6] = [1, 53, 80, 443, 8080, 65535];
const CIDRS: [&str; 9] = [
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.0.0.0/24",
    "10.0.0.128/25",
    "192.168.1.0/24",
    "10.0.0.7/32",
    "2001:db8::/32",
    "::/0",
    "10.0.0.0/40",
];

fn labels() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(prop::sample::select(&KEYS[..]), prop::sample::select(&VALUES[..]), 0..3)
        .prop_map(|m| json!(m))
}

fn selector() -> impl Strategy<Value = Value> {
    let expr = (
        prop::sample::select(&KEYS[..]),
        prop::sample::select(&["In", "NotIn", "Exists", "DoesNotExist", "In", "NotIn", "Bogus"][..]),
        prop::collection::vec(prop::sample::select(&VALUES[..]), 0..3),
    )
        .prop_map(|(k, op, vs)| {
            if op == "Exists" || op == "DoesNotExist" {
                json!({"key": k, "operator": op})
            } else {
                json!({"key": k, "operator": op, "values": vs})
            }
        });
    (prop::option::of(labels()), prop::option::of(prop::collection::vec(expr, 0..3))).prop_map(|(ml, me)| {
        let mut s = serde_json::Map::new();
        if let Some(ml) = ml {
            s.insert("matchLabels".into(), ml);
        }
        if let Some(me) = me {
            s.insert("matchExpressions".into(), json!(me));
        }
        Value::Object(s)
    })
}

fn namespace_selector() -> impl Strategy<Value = Value> {
    prop_oneof![
        selector(),
        prop::sample::select(&NAMESPACES[..]).prop_map(|n| json!({"matchLabels": {"kubernetes.io/metadata.name": n}})),
    ]
}

fn ip_block() -> impl Strategy<Value = Value> {
    (prop::sample::select(&CIDRS[..]), prop::collection::vec(prop::sample::select(&CIDRS[..]), 0..3)).prop_map(
        |(cidr, except)| {
            if except.is_empty() { json!({"cidr": cidr}) } else { json!({"cidr": cidr, "except": except}) }
        },
    )
}

fn peer() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => selector().prop_map(|s| json!({"podSelector": s})),
        2 => namespace_selector().prop_map(|s| json!({"namespaceSelector": s})),
        2 => (selector(), namespace_selector()).prop_map(|(p, n)| json!({"podSelector": p, "namespaceSelector": n})),
        3 => ip_block().prop_map(|b| json!({"ipBlock": b})),
        1 => Just(json!({})),
    ]
}

fn port_entry() -> impl Strategy<Value = Value> {
    let protocol = prop::option::of(prop::sample::select(&["TCP", "UDP", "SCTP"][..]));
    let port = prop_oneof![
        1 => Just(Value::Null),
        3 => prop::sample::select(&PORTS[..]).prop_map(|p| json!(p)),
        2 => prop::sample::select(&["http", "dns", "metrics", "nope"][..]).prop_map(|p| json!(p)),
    ];
    let end = prop::option::of(prop_oneof![Just(-1i64), Just(0), Just(1), Just(100), Just(70000)]);
    (protocol, port, end).prop_map(|(protocol, port, end)| {
        let mut e = serde_json::Map::new();
        if let Some(p) = protocol {
            e.insert("protocol".into(), json!(p));
        }
        if let Some(n) = port.as_i64() {
            e.insert("port".into(), json!(n));
            if let Some(d) = end {
                e.insert("endPort".into(), json!((n + d).min(65535)));
            }
        } else if !port.is_null() {
            e.insert("port".into(), port);
        }
        Value::Object(e)
    })
}

fn rule(peer_key: &'static str) -> impl Strategy<Value = Value> {
    (prop::option::of(prop::collection::vec(peer(), 0..3)), prop::option::of(prop::collection::vec(port_entry(), 0..3)))
        .prop_map(move |(peers, ports)| {
            let mut r = serde_json::Map::new();
            if let Some(p) = peers {
                r.insert(peer_key.into(), json!(p));
            }
            if let Some(p) = ports {
                r.insert("ports".into(), json!(p));
            }
            Value::Object(r)
        })
}

fn policy(index: usize) -> impl Strategy<Value = Value> {
    let types = prop_oneof![
        2 => Just(None),
        1 => Just(Some(json!([]))),
        1 => Just(Some(json!(["Ingress"]))),
        1 => Just(Some(json!(["Egress"]))),
        2 => Just(Some(json!(["Ingress", "Egress"]))),
    ];
    (
        prop::sample::select(&NAMESPACES[..]),
        prop::option::of(selector()),
        types,
        prop::option::of(prop::collection::vec(rule("from"), 0..3)),
        prop::option::of(prop::collection::vec(rule("to"), 0..3)),
    )
        .prop_map(move |(ns, pod_selector, types, ingress, egress)| {
            let mut spec = serde_json::Map::new();
            spec.insert("podSelector".into(), pod_selector.unwrap_or_else(|| json!({})));
            if let Some(t) = types {
                spec.insert("policyTypes".into(), t);
            }
            if let Some(i) = ingress {
                spec.insert("ingress".into(), json!(i));
            }
            if let Some(e) = egress {
                spec.insert("egress".into(), json!(e));
            }
            json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": format!("np-{index}"), "namespace": ns},
                "spec": spec,
            })
        })
}

fn containers() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (
            prop::option::of(prop::sample::select(&PORT_NAMES[..])),
            prop::sample::select(&PORTS[..]),
            prop::option::of(prop::sample::select(&["TCP", "UDP", "SCTP"][..])),
        ),
        0..3,
    )
    .prop_map(|ports| {
        let mut seen = std::collections::HashSet::new();
        let ports: Vec<Value> = ports
            .into_iter()
            .filter(|(name, _, _)| name.is_none_or(|n| seen.insert(n)))
            .map(|(name, port, protocol)| {
                let mut p = serde_json::Map::new();
                p.insert("containerPort".into(), json!(port));
                if let Some(n) = name {
                    p.insert("name".into(), json!(n));
                }
                if let Some(pr) = protocol {
                    p.insert("protocol".into(), json!(pr));
                }
                Value::Object(p)
            })
            .collect();
        json!([{"name": "c", "image": "img", "ports": ports}])
    })
}

/// An endpoint-producing resource (or two: a workload and a pod it owns).
fn workload(index: usize) -> impl Strategy<Value = Vec<Value>> {
    (prop::sample::select(&NAMESPACES[..]), labels(), containers(), 0..5u8, 1..250u8).prop_map(
        move |(ns, labels, containers, shape, ip)| {
            let name = format!("w{index}");
            let pod = |name: &str, owner: Option<Value>| {
                let mut meta = json!({"name": name, "namespace": ns, "labels": labels});
                if let Some(o) = owner {
                    meta["ownerReferences"] = json!([o]);
                }
                json!({
                    "apiVersion": "v1", "kind": "Pod", "metadata": meta,
                    "spec": {"containers": containers},
                    "status": {"podIP": format!("10.0.0.{ip}")},
                })
            };
            let deployment = |kind: &str| {
                json!({
                    "apiVersion": "apps/v1", "kind": kind,
                    "metadata": {"name": name, "namespace": ns},
                    "spec": {"selector": {"matchLabels": labels}, "template": {
                        "metadata": {"labels": labels}, "spec": {"containers": containers}}},
                })
            };
            match shape {
                0 => vec![pod(&name, None)],
                1 => vec![deployment("Deployment")],
                2 => vec![deployment("StatefulSet")],
                // a pod folded into its present owner
                3 => vec![
                    deployment("DaemonSet"),
                    pod(&format!("{name}-x1"), Some(json!({"kind": "DaemonSet", "name": name, "controller": true}))),
                ],
                // a pod named after its absent owner
                _ => vec![pod(
                    &format!("{name}-abc"),
                    Some(json!({"kind": "ReplicaSet", "name": format!("{name}-rs"), "controller": true})),
                )],
            }
        },
    )
}

fn cluster() -> impl Strategy<Value = (String, bool)> {
    let workloads = (1..5usize).prop_flat_map(|n| (0..n).map(workload).collect::<Vec<_>>());
    let policies = (0..5usize).prop_flat_map(|n| (0..n).map(policy).collect::<Vec<_>>());
    let namespaces = prop::collection::vec((prop::sample::select(&NAMESPACES[..]), labels()), 0..3);
    (workloads, policies, namespaces, any::<bool>()).prop_map(|(workloads, policies, namespaces, pod_ips)| {
        let mut items: Vec<Value> = namespaces
            .into_iter()
            .map(|(n, l)| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n, "labels": l}}))
            .collect();
        items.extend(workloads.into_iter().flatten());
        items.extend(policies);
        (serde_json::to_string(&json!({"apiVersion": "v1", "kind": "List", "items": items})).unwrap(), pod_ips)
    })
}

fn load(text: &str) -> ResourceSet {
    let mut resources = ResourceSet::default();
    resources.add_text(text, "random.json", &ParseOptions::default()).unwrap();
    assert!(resources.errors.is_empty(), "generator produced unreadable input: {:?}", resources.errors);
    resources
}

fn engine_records(cluster: &CompiledCluster) -> Vec<reference::Record> {
    let filter = ConnectionFilter { include_self: true, ..ConnectionFilter::default() };
    let mut out: Vec<reference::Record> = cluster
        .all_pairs(&filter)
        .into_iter()
        .map(|r| (r.src.to_string(), r.dst.to_string(), r.protocol.as_str().to_owned(), r.ports))
        .collect();
    out.sort();
    out
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000)
}

#[test]
fn engine_equals_reference_on_random_clusters() {
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    let coverage: std::cell::RefCell<HashMap<&'static str, usize>> = std::cell::RefCell::default();
    let result = runner.run(&cluster(), |(text, pod_ips)| {
        let resources = load(&text);
        for (k, v) in reference::constructs(&resources) {
            *coverage.borrow_mut().entry(k).or_insert(0) += v;
        }
        let mode = if pod_ips { IpBlockMode::PodIps } else { IpBlockMode::ExternalOnly };
        let compiled = CompiledCluster::compile(&resources, &EngineOptions { ip_block_mode: mode });
        let expected = reference::Reference::new(&resources, pod_ips).all_pairs(true);
        let actual = engine_records(&compiled);
        prop_assert_eq!(actual, expected, "input: {}", text);
        Ok(())
    });
    let mut seen: Vec<_> = coverage.into_inner().into_iter().collect();
    seen.sort();
    eprintln!("constructs exercised: {seen:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
    for construct in [
        "policyTypes omitted",
        "policyTypes []",
        "egress: []",
        "ingress: []",
        "rule without peers",
        "ipBlock with except",
        "pod+namespace selector",
        "podSelector",
        "namespaceSelector",
        "op In",
        "op NotIn",
        "op Exists",
        "op DoesNotExist",
        "endPort",
        "named port",
        "protocol only",
        "SCTP",
    ] {
        assert!(seen.iter().any(|(k, n)| *k == construct && *n > 0), "construct never generated: {construct}");
    }
}

#[test]
fn explain_agrees_with_connections_on_random_clusters() {
    let mut runner = TestRunner::new(Config { cases: cases() / 4 + 1, failure_persistence: None, ..Config::default() });
    let result = runner.run(&cluster(), |(text, _)| {
        let resources = load(&text);
        let compiled = CompiledCluster::compile(&resources, &EngineOptions::default());
        let names: Vec<String> = compiled.endpoints().map(|e| e.name.clone()).collect();
        for src in &names {
            for dst in names.iter().chain(std::iter::once(&"10.0.0.7".to_owned())) {
                let conn = compiled.connection(src, dst).unwrap();
                let allowed = netfence::engine::PortSet::from_ports(&conn.allowed);
                let why = compiled.explain(src, dst, None, None).unwrap();
                for range in &why.ranges {
                    for port in [range.ports[0], range.ports[1]] {
                        prop_assert_eq!(range.allowed, allowed.contains(range.protocol, port));
                    }
                    let isolated = |v: &SideVerdict| matches!(v, SideVerdict::Allowed { .. } | SideVerdict::Denied);
                    prop_assert_eq!(isolated(&range.egress), why.egress.isolated);
                }
                let covered: u32 = why.ranges.iter().map(|r| u32::from(r.ports[1]) - u32::from(r.ports[0]) + 1).sum();
                prop_assert_eq!(covered, 3 * 65535);
                let one = compiled.explain(src, dst, Some(80), Some(Protocol::Udp)).unwrap();
                prop_assert_eq!(one.ranges.len(), 1);
                prop_assert_eq!(one.ranges[0].allowed, allowed.contains(Protocol::Udp, 80));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn compile_yaml(yaml: &str, mode: IpBlockMode) -> CompiledCluster {
    let mut resources = ResourceSet::default();
    resources.add_text(yaml, "case.yaml", &ParseOptions::default()).unwrap();
    assert!(resources.errors.is_empty(), "{:?}", resources.errors);
    CompiledCluster::compile(&resources, &EngineOptions { ip_block_mode: mode })
}

#[test]
fn named_port_resolves_only_with_the_same_protocol() {
    let cluster = compile_yaml(
        r"
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: ns, labels: {app: server}}
spec: {containers: [{name: c, image: i, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: ns}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: ns}
spec:
  podSelector: {matchLabels: {app: server}}
  ingress: [{ports: [{port: dns}, {port: dns, protocol: UDP}]}]
",
        IpBlockMode::ExternalOnly,
    );
    let conn = cluster.connection("ns/client[Pod]", "ns/server[Pod]").unwrap();
    assert_eq!(conn.allowed.udp, vec![[53, 53]]);
    assert!(conn.allowed.tcp.is_empty() && conn.allowed.sctp.is_empty());
    let why = cluster.explain("client", "server", Some(53), Some(Protocol::Udp)).unwrap();
    assert!(why.ranges[0].allowed);
    match &why.ranges[0].ingress {
        SideVerdict::Allowed { rules } => assert_eq!((rules[0].policy.as_str(), rules[0].index), ("np", 0)),
        other => panic!("unexpected verdict {other:?}"),
    }
    let tcp = cluster.explain("client", "server", Some(53), None).unwrap();
    assert_eq!(tcp.ranges[0].ingress, SideVerdict::Denied);
}

#[test]
fn classes_are_what_policies_can_observe() {
    // five pods with distinct labels and named ports; policies look at `tier`, at the `http`
    // named port, and at `app: e`
    let pod = |name: &str, labels: &str, port: &str| {
        format!(
            "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: ns, labels: {labels}}}\n\
             spec: {{containers: [{{name: c, image: i, ports: [{port}]}}]}}\n"
        )
    };
    let mut yaml = String::new();
    yaml += &pod("a", "{app: a, tier: web, v: '1'}", "{name: http, containerPort: 80}");
    yaml += &pod("b", "{app: b, tier: web, v: '2'}", "{name: http, containerPort: 80}");
    yaml += &pod("c", "{app: c, tier: web}", "{name: metrics, containerPort: 9100}");
    yaml += &pod("d", "{app: d, tier: web}", "{name: http, containerPort: 8080}");
    yaml += &pod("e", "{app: e, tier: db}", "{name: http, containerPort: 80}");
    yaml += "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: ns}\n\
             spec:\n  podSelector: {matchLabels: {tier: web}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: e}}}], ports: [{port: http}]}]\n";
    let cluster = compile_yaml(&yaml, IpBlockMode::ExternalOnly);
    // a and b differ only in labels no selector reads: one class; c lacks `http`, d has it on
    // another port, e is selected differently: a class each
    assert_eq!(cluster.class_count(), 4);
    assert_eq!(cluster.connection("e", "a").unwrap().allowed.tcp, vec![[80, 80]]);
    assert_eq!(cluster.connection("e", "b").unwrap().allowed.tcp, vec![[80, 80]]);
    assert!(cluster.connection("e", "c").unwrap().allowed.tcp.is_empty());
    assert_eq!(cluster.connection("e", "d").unwrap().allowed.tcp, vec![[8080, 8080]]);
    assert!(cluster.connection("a", "b").unwrap().allowed.tcp.is_empty());
    assert_eq!(cluster.connection("a", "e").unwrap().allowed.tcp, vec![[1, 65535]]);
    // endpoints keep their own labels and ports
    let b = cluster.endpoints().find(|e| e.name == "ns/b[Pod]").unwrap();
    assert_eq!(b.labels.get("v").map(String::as_str), Some("2"));
    let records = cluster.all_pairs(&ConnectionFilter::default());
    let from_e: Vec<&str> = records
        .iter()
        .filter(|r| r.src == "ns/e[Pod]" && r.protocol == Protocol::Tcp)
        .map(|r| r.dst.as_str())
        .collect();
    assert_eq!(from_e, ["0.0.0.0-255.255.255.255", "ns/a[Pod]", "ns/b[Pod]", "ns/d[Pod]"]);
}

const TWO_PODS_WITH_IP_BLOCK: &str = r"
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.1.0.5}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-block, namespace: ns}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.128.0/17]}}]
    ports: [{port: 443}]
  - from: [{ipBlock: {cidr: '2001:db8::/64'}}]
    ports: [{port: 80, endPort: 90}]
";

#[test]
fn ip_blocks_match_external_ranges_and_pod_ips_only_in_pod_ip_mode() {
    let external = compile_yaml(TWO_PODS_WITH_IP_BLOCK, IpBlockMode::ExternalOnly);
    assert!(external.connection("a", "b").unwrap().allowed.tcp.is_empty());
    let calico = compile_yaml(TWO_PODS_WITH_IP_BLOCK, IpBlockMode::PodIps);
    assert_eq!(calico.connection("a", "b").unwrap().allowed.tcp, vec![[443, 443]]);

    let list = external.all_pairs(&ConnectionFilter::default());
    let into_b: Vec<(String, Vec<[u16; 2]>)> = list
        .iter()
        .filter(|r| r.dst == "ns/b[Pod]" && r.src != "ns/a[Pod]")
        .map(|r| (r.src.to_string(), r.ports.clone()))
        .collect();
    assert_eq!(
        into_b,
        vec![
            ("10.0.0.0-10.0.127.255".to_owned(), vec![[443, 443]]),
            ("2001:db8::-2001:db8::ffff:ffff:ffff:ffff".to_owned(), vec![[80, 90]]),
        ]
    );
    // IPv6 appears because an ipBlock is IPv6: the unisolated pod reaches all of it
    assert!(list.iter().any(|r| r.src == "ns/a[Pod]" && r.dst == "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    let conn = external.connection("10.0.0.9", "ns/b[Pod]").unwrap();
    assert_eq!(conn.allowed.tcp, vec![[443, 443]]);
    assert!(external.connection("10.0.200.9", "b").unwrap().allowed.tcp.is_empty());
    assert!(external.connection("10.0.0.9", "10.0.0.10").is_err());
    let err = external.connection("ns/c[Pod]", "b").unwrap_err();
    assert_eq!(err.message, "unknown endpoint `ns/c[Pod]`");
}

/// A workload's IPs are its pods' (as `kubectl get -o json` gives them: Deployment → ReplicaSet
/// → Pod): in `PodIps` mode an ipBlock matches the Deployment whose pod is in it.
#[test]
fn workloads_have_the_ips_of_their_pods() {
    let yaml = r"
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ns}
spec: {selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: api-5d8f, namespace: ns, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, uid: u1, controller: true}]}
spec: {selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c, image: i}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-5d8f-x1, namespace: ns, labels: {app: api}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-5d8f, uid: u2, controller: true}]}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.1.0.5}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-block, namespace: ns}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/24}}], ports: [{port: 443}]}]
";
    let calico = compile_yaml(yaml, IpBlockMode::PodIps);
    assert_eq!(calico.connection("ns/api[Deployment]", "b").unwrap().allowed.tcp, vec![[443, 443]]);
    let external = compile_yaml(yaml, IpBlockMode::ExternalOnly);
    assert!(external.connection("ns/api[Deployment]", "b").unwrap().allowed.tcp.is_empty());
}

/// "Did you mean" compares a name written the way the user wrote it, and only suggests a near
/// miss.
#[test]
fn unknown_endpoint_suggestions() {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: frontend, namespace: shop}\n\
                spec: {template: {metadata: {labels: {app: f}}}}\n---\n\
                apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\n\
                spec: {template: {metadata: {labels: {app: a}}}}\n";
    let cluster = compile_yaml(yaml, IpBlockMode::ExternalOnly);
    let help = |name: &str| cluster.connection(name, "shop/api").unwrap_err().help.unwrap();
    for typo in ["shop/frontnd", "frontnd", "shop/frontend[Deploymnt]", "shp/frontend"] {
        assert_eq!(help(typo), "did you mean `shop/frontend[Deployment]`?", "{typo}");
    }
    assert_eq!(help("ap"), "did you mean `shop/api[Deployment]`?");
    // not a near miss of anything: no suggestion
    for far in ["shop/nope", "payments/ledger", "x"] {
        assert!(help(far).starts_with("name an endpoint as `analyze` lists it"), "{far}: {}", help(far));
    }
}

#[test]
fn focus_filters() {
    let cluster = compile_yaml(TWO_PODS_WITH_IP_BLOCK, IpBlockMode::ExternalOnly);
    let all = |filter: ConnectionFilter| cluster.all_pairs(&filter);
    let ingress_of_b = all(ConnectionFilter {
        focus_workloads: vec!["b".into()],
        focus_direction: Some(netfence::engine::Direction::Ingress),
        ..ConnectionFilter::default()
    });
    assert!(!ingress_of_b.is_empty() && ingress_of_b.iter().all(|r| r.dst == "ns/b[Pod]"));
    let pair = all(ConnectionFilter {
        focus_workloads: vec!["ns/b".into()],
        focus_workload_peers: vec!["a".into()],
        ..ConnectionFilter::default()
    });
    assert!(pair.iter().all(|r| r.src == "ns/b[Pod]" && r.dst == "ns/a[Pod]"));
    assert_eq!(pair.len(), 3);
    let one_port = all(ConnectionFilter {
        focus_connection: Some(netfence::engine::ProtocolPort { protocol: Protocol::Tcp, port: 85 }),
        ..ConnectionFilter::default()
    });
    assert!(one_port.iter().all(|r| r.protocol == Protocol::Tcp && r.ports == vec![[85, 85]]));
    assert!(one_port.iter().any(|r| r.dst == "ns/b[Pod]" && r.src.starts_with("2001:db8::")));
    let with_self = all(ConnectionFilter { include_self: true, ..ConnectionFilter::default() });
    assert!(with_self.iter().any(|r| r.src == "ns/a[Pod]" && r.dst == "ns/a[Pod]"));
    assert!(!all(ConnectionFilter::default()).iter().any(|r| r.src == r.dst));
}

#[test]
fn owned_pods_fold_into_present_workloads() {
    let cluster = compile_yaml(
        r"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ns}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d9c
  namespace: ns
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d9c}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d9c-abcde
  namespace: ns
  labels: {app: web, pod-template-hash: 5d9c}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, uid: u2, controller: true}]
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-7f8b-xyz
  namespace: ns
  labels: {app: api, pod-template-hash: 7f8b}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-7f8b, uid: u3, controller: true}]
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: etcd-node1
  namespace: kube-system
  ownerReferences: [{apiVersion: v1, kind: Node, name: node1, uid: u4, controller: true}]
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: bare, namespace: ns}
spec: {containers: [{name: c, image: i}]}
",
        IpBlockMode::ExternalOnly,
    );
    let names: Vec<(String, usize)> = cluster.endpoints().map(|e| (e.name.clone(), e.pods)).collect();
    assert_eq!(
        names,
        vec![
            ("kube-system/etcd-node1[Pod]".to_owned(), 1),
            ("ns/api-7f8b[ReplicaSet]".to_owned(), 1),
            ("ns/bare[Pod]".to_owned(), 1),
            ("ns/web[Deployment]".to_owned(), 1),
        ]
    );
}

/// A synthetic cluster for a quick scale check (not a benchmark: `cargo test --release --
/// --ignored scale_smoke --nocapture`, size from `NETFENCE_SCALE_WORKLOADS`).
fn synthetic(workloads: usize, policies_per_namespace: usize) -> ResourceSet {
    use netfence::source::{Node, SourceDoc, Value as NodeValue};
    use std::sync::Arc;
    let source = SourceDoc {
        file: Arc::from("synthetic"),
        root: Arc::new(Node::synthetic(NodeValue::Null)),
        base: String::new(),
        document: 0,
    };
    let mut resources = ResourceSet::default();
    let namespaces = workloads.div_ceil(50).max(1);
    let tiers = ["web", "api", "db", "cache", "batch"];
    for i in 0..workloads {
        let ns = format!("ns-{}", i % namespaces);
        let tier = tiers[i % tiers.len()];
        let template_labels =
            [("app", format!("app-{}", i % 40)), ("tier", tier.to_owned()), ("team", format!("t{}", i % 7))];
        let port = k8s_openapi::api::core::v1::ContainerPort {
            name: Some("http".to_owned()),
            container_port: 8080 + (i % 3) as i32,
            ..Default::default()
        };
        let container = netfence::inventory::ContainerSummary { name: "c".to_owned(), ports: vec![port] };
        resources.workloads.push(netfence::inventory::WorkloadResource {
            kind: netfence::inventory::WorkloadKind::Deployment,
            namespace: ns,
            name: format!("w{i}"),
            labels: Default::default(),
            owners: vec![],
            template_labels: template_labels.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            spec: netfence::inventory::PodSpecSummary { host_network: false, containers: vec![container] },
            template_pointer: "/spec/template",
            source: source.clone(),
        });
    }
    for n in 0..namespaces {
        for p in 0..policies_per_namespace {
            let tier = tiers[p % tiers.len()];
            let from = tiers[(p + 1) % tiers.len()];
            let object = serde_json::from_value(json!({
                "metadata": {"name": format!("np-{p}"), "namespace": format!("ns-{n}")},
                "spec": {
                    "podSelector": {"matchLabels": {"tier": tier}},
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [
                        {"from": [{"podSelector": {"matchLabels": {"tier": from}}}], "ports": [{"port": "http"}, {"port": 9000 + p as i64, "endPort": 9100 + p as i64}]},
                        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": format!("ns-{}", (n + 1) % namespaces)}}, "podSelector": {"matchExpressions": [{"key": "team", "operator": "In", "values": ["t1", "t2"]}]}}]},
                        {"from": [{"ipBlock": {"cidr": format!("10.{}.0.0/16", (n * 7 + p) % 250), "except": [format!("10.{}.1.0/24", (n * 7 + p) % 250)]}}], "ports": [{"port": 443}]},
                    ],
                    "egress": [
                        {"to": [{"namespaceSelector": {}}], "ports": [{"port": 53, "protocol": "UDP"}]},
                        {"to": [{"podSelector": {"matchLabels": {"tier": from}}}]},
                    ],
                },
            }))
            .unwrap();
            resources.policies.push(netfence::inventory::PolicyResource {
                object,
                namespace: format!("ns-{n}"),
                name: format!("np-{p}"),
                namespace_given: true,
                api_version: "networking.k8s.io/v1".into(),
                source: source.clone(),
            });
        }
    }
    resources
}

#[test]
#[ignore = "scale check, run explicitly"]
fn scale_smoke() {
    let workloads: usize =
        std::env::var("NETFENCE_SCALE_WORKLOADS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let policies: usize = std::env::var("NETFENCE_SCALE_POLICIES").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let resources = synthetic(workloads, policies);
    let start = std::time::Instant::now();
    let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
    let compiled = start.elapsed();
    let names: Vec<String> = cluster.endpoints().take(2).map(|e| e.name.clone()).collect();
    let start = std::time::Instant::now();
    let rounds = 1000;
    for _ in 0..rounds {
        let _ = cluster.explain(&names[0], &names[1], Some(8080), None).unwrap();
    }
    let explain = start.elapsed() / rounds;
    eprintln!(
        "{} workloads, {} policies, {} classes, {} external ranges: compile {:?}, explain {:?}",
        workloads,
        resources.policies.len(),
        cluster.class_count(),
        cluster.external_ranges().len(),
        compiled,
        explain
    );
}

/// The grouped answer expands to the canonical list, on random clusters and under every kind
/// of filter (self pairs, focus workloads and peers, direction, one connection).
#[test]
fn grouped_connectivity_expands_to_all_pairs() {
    let mut runner = TestRunner::new(Config { cases: cases() / 4, failure_persistence: None, ..Config::default() });
    let filter = (any::<bool>(), 0..4usize, 0..4usize, 0..3usize, any::<bool>());
    let grouped_smaller = std::cell::Cell::new(0usize);
    let result =
        runner.run(&(cluster(), filter), |((text, pod_ips), (include_self, workload, peer, direction, port))| {
            let resources = load(&text);
            let mode = if pod_ips { IpBlockMode::PodIps } else { IpBlockMode::ExternalOnly };
            let compiled = CompiledCluster::compile(&resources, &EngineOptions { ip_block_mode: mode });
            let names: Vec<String> = compiled.endpoints().map(|e| e.name.clone()).collect();
            let pick = |i: usize| names.get(i.wrapping_sub(1)).cloned().into_iter().collect::<Vec<_>>();
            let filter = ConnectionFilter {
                include_self,
                focus_workloads: pick(workload),
                focus_workload_peers: pick(peer),
                focus_direction: [
                    None,
                    Some(netfence::engine::Direction::Egress),
                    Some(netfence::engine::Direction::Ingress),
                ]
                .get(direction)
                .copied()
                .flatten(),
                focus_connection: port.then_some(netfence::engine::ProtocolPort { protocol: Protocol::Tcp, port: 80 }),
            };
            let grouped = compiled.grouped(&filter);
            let expected = compiled.all_pairs(&filter);
            prop_assert_eq!(grouped.expanded_len(), expected.len());
            if grouped.connections.len() < expected.len() {
                grouped_smaller.set(grouped_smaller.get() + 1);
            }
            prop_assert_eq!(grouped.expand(), expected, "input: {} filter: {:?}", text, filter);
            Ok(())
        });
    if let Err(e) = result {
        panic!("{e}");
    }
    // the grouping is not a relabelling: it folds pairs in some clusters
    assert!(grouped_smaller.get() > 0);
}

/// With Ingress objects the `{ingress-controller}` is a group of its own, and the grouped
/// answer still expands to the list, under focus filters too.
#[test]
fn grouped_connectivity_includes_the_ingress_controller() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/online-shop/manifests/shop.yaml"))
            .unwrap_or_default()
            + "\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\n\
           spec: {defaultBackend: {service: {name: frontend, port: {number: 80}}}}\n---\n\
           apiVersion: v1\nkind: Service\nmetadata: {name: frontend, namespace: shop}\n\
           spec: {selector: {app: frontend}, ports: [{port: 80, targetPort: 8080}]}\n";
    let mut resources = ResourceSet::default();
    resources.add_text(&text, "shop.yaml", &ParseOptions::default()).unwrap();
    let compiled = CompiledCluster::compile(&resources, &EngineOptions::default());
    for filter in [
        ConnectionFilter::default(),
        ConnectionFilter { include_self: true, ..ConnectionFilter::default() },
        ConnectionFilter { focus_workloads: vec!["shop/frontend".into()], ..ConnectionFilter::default() },
        ConnectionFilter { focus_workloads: vec!["ingress-controller".into()], ..ConnectionFilter::default() },
    ] {
        let expected = compiled.all_pairs(&filter);
        let grouped = compiled.grouped(&filter);
        assert_eq!(grouped.expand(), expected, "{filter:?}");
        if filter.focus_workloads.is_empty() {
            assert!(expected.iter().any(|r| r.src == netfence::engine::INGRESS_CONTROLLER), "{expected:?}");
        }
    }
}
