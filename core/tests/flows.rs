//! Flow logs: ingestion (Hubble, generic JSONL/CSV, malformed and truncated input, folding),
//! and the operations over the online-shop example and crafted clusters with known answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;

use netfence::api::{FlowMapRequest, FlowSource, GenerateRequest, Source, flow_map, generate};
use netfence::engine::{CompiledCluster, Direction, EngineOptions};
use netfence::flows::audit::{AuditOptions, audit_policies};
use netfence::flows::drops::{DropCause, DropsOptions, explain_drops};
use netfence::flows::generate::{Generalise, GenerateOptions, generate_policies};
use netfence::flows::impact::measure_impact;
use netfence::flows::map::{MapOptions, build_map};
use netfence::flows::resolve::{FlowResolver, PeerKind};
use netfence::flows::synth::{FlowSynthConfig, generate_hubble};
use netfence::flows::{FlowFormat, FlowIngester, FlowLog, IngestOptions, ingest_reader, ingest_str};
use netfence::inventory::ResourceSet;
use netfence::model::Protocol;
use netfence::source::ParseOptions;

const MANIFESTS: &[&str] = &["namespaces", "shop", "payments", "data", "ingress-nginx", "kube-system"];

fn example(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/online-shop");
    std::fs::read_to_string(root.join(path)).unwrap()
}

fn resources(texts: &[&str]) -> ResourceSet {
    let mut set = ResourceSet::default();
    for (i, t) in texts.iter().enumerate() {
        set.add_text(t, &format!("input-{i}.yaml"), &ParseOptions::default()).unwrap();
    }
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    set
}

fn shop(with_policies: bool) -> ResourceSet {
    let mut texts: Vec<String> = MANIFESTS.iter().map(|f| example(&format!("manifests/{f}.yaml"))).collect();
    if with_policies {
        texts.push(example("policies/generated.yaml"));
    }
    resources(&texts.iter().map(String::as_str).collect::<Vec<_>>())
}

fn compile(set: &ResourceSet) -> CompiledCluster {
    CompiledCluster::compile(set, &EngineOptions::default())
}

fn shop_flows() -> FlowLog {
    ingest_str(&example("flows/hubble.jsonl"), FlowFormat::Auto, &IngestOptions::default())
}

// ---------------------------------------------------------------------------------------------
// ingestion

#[test]
fn online_shop_sample_ingests_cleanly() {
    let log = shop_flows();
    let r = log.report();
    assert_eq!((r.lines, r.records, r.malformed), (100, 98, 0));
    // replies dropped, the second observation of a connection and a duplicated line folded
    assert_eq!((r.replies, r.duplicates, r.connections), (23, 22, 53));
    // a lost-events line and an ICMP record are skipped, not malformed
    assert_eq!((r.skipped.not_a_flow, r.skipped.no_port), (1, 1));
    assert_eq!(r.tuples, 16);
    assert_eq!(netfence::flows::time::format_rfc3339(r.first_seen.unwrap()), "2024-05-01T10:00:27.782706499Z");
}

#[test]
fn the_sample_maps_onto_the_example_workloads() {
    let set = shop(false);
    let cluster = compile(&set);
    let resolver = FlowResolver::new(&set, &cluster);
    let map = build_map(&resolver, &shop_flows(), &MapOptions::default());
    assert!(map.unresolved.is_empty());
    let lines: Vec<String> = map
        .entries
        .iter()
        .map(|e| format!("{} -> {} {}/{} x{}", e.src, e.dst, e.protocol, e.port, e.counts.connections))
        .collect();
    insta::assert_snapshot!("online_shop_map", lines.join("\n"));
    // the record without `workloads` maps by its pod name (`api-…` → api)
    let api_db = map.entries.iter().find(|e| e.src == "shop/api[Deployment]" && e.port == 5432).unwrap();
    assert_eq!(api_db.counts.connections, 7);
    // with an aggregation prefix, the clients fold into one CIDR
    let aggregated =
        build_map(&resolver, &shop_flows(), &MapOptions { external_prefix_v4: Some(8), ..MapOptions::default() });
    let sources: Vec<&str> =
        aggregated.entries.iter().filter(|e| e.src_kind == PeerKind::External).map(|e| e.src.as_str()).collect();
    assert_eq!(sources, ["192.0.0.0/8", "198.0.0.0/8", "198.0.0.0/8"]);
}

#[test]
fn malformed_and_truncated_lines_are_reported_by_number_and_never_fatal() {
    let good = example("flows/hubble.jsonl").lines().next().unwrap().to_owned();
    let truncated = &good[..good.len() / 2];
    let bad_ip = good.replace("198.51.100.87", "not-an-ip");
    let text = format!("{good}\nthis is not json\n\n{bad_ip}\n{{\"flow\": 42}}\n{good}\n{truncated}");
    let log = ingest_str(&text, FlowFormat::Hubble, &IngestOptions { fold_window: 0, ..IngestOptions::default() });
    let r = log.report();
    assert_eq!(r.records, 2, "{r:?}");
    assert_eq!(r.malformed, 4);
    let lines: Vec<u64> = r.malformed_lines.iter().map(|m| m.line).collect();
    assert_eq!(lines, [2, 4, 5, 7]);
    assert!(r.malformed_lines[1].message.contains("`not-an-ip` is not an IP address"), "{:?}", r.malformed_lines[1]);
    assert!(r.malformed_lines[3].message.contains("ends early"), "{:?}", r.malformed_lines[3]);

    // only the first N are kept, all are counted; overlong lines are dropped unread
    let options = IngestOptions { max_reported_malformed: 1, max_line_bytes: 64, ..IngestOptions::default() };
    let log = ingest_reader(text.as_bytes(), FlowFormat::Hubble, &options).unwrap();
    assert_eq!(log.report().malformed, 6);
    assert_eq!(log.report().malformed_lines.len(), 1);
    assert!(log.report().malformed_lines[0].message.contains("longer than 64 bytes"));

    // binary garbage and invalid UTF-8
    let log = ingest_reader(
        &b"\xff\xfe\x00garbage\n{\"srcIp\": \"1.2.3.4\"\n"[..],
        FlowFormat::Auto,
        &IngestOptions::default(),
    )
    .unwrap();
    assert_eq!(log.report().malformed, 2);
    assert_eq!(log.tuples().len(), 0);
}

#[test]
fn replies_and_duplicates_fold() {
    let flow = |sport: u16, direction: &str, reply: Option<bool>, flags: &str, swap: bool| {
        let (a, b, ap, bp) =
            if swap { ("10.0.0.2", "10.0.0.1", 8080, sport) } else { ("10.0.0.1", "10.0.0.2", sport, 8080) };
        let (sa, sb) = (
            r#"{"namespace":"shop","pod_name":"web-1","workloads":[{"name":"web","kind":"Deployment"}]}"#,
            r#"{"namespace":"shop","pod_name":"api-1","workloads":[{"name":"api","kind":"Deployment"}]}"#,
        );
        let (s, d) = if swap { (sb, sa) } else { (sa, sb) };
        let reply = reply.map(|r| format!(",\"is_reply\":{r}")).unwrap_or_default();
        format!(
            r#"{{"flow":{{"time":"2024-05-01T10:00:00Z","verdict":"FORWARDED","IP":{{"source":"{a}","destination":"{b}"}},"l4":{{"TCP":{{"source_port":{ap},"destination_port":{bp},"flags":{flags}}}}},"source":{s},"destination":{d},"traffic_direction":"{direction}"{reply}}}}}"#
        )
    };
    let text = [
        flow(40000, "EGRESS", Some(false), r#"{"SYN":true}"#, false),
        // the same packet seen at the destination's ingress
        flow(40000, "INGRESS", Some(false), r#"{"SYN":true}"#, false),
        // the reply, flagged
        flow(40000, "INGRESS", Some(true), r#"{"SYN":true,"ACK":true}"#, true),
        // a SYN-ACK without `is_reply` is a reply too
        flow(40000, "INGRESS", None, r#"{"SYN":true,"ACK":true}"#, true),
        // a second connection
        flow(40001, "EGRESS", Some(false), r#"{"SYN":true}"#, false),
    ]
    .join("\n");
    let log = ingest_str(&text, FlowFormat::Auto, &IngestOptions::default());
    let r = log.report();
    assert_eq!((r.records, r.replies, r.duplicates, r.connections), (5, 2, 1, 2));
    assert_eq!(log.tuples().len(), 1);
    let t = &log.tuples()[0];
    assert_eq!((t.protocol, t.port, t.stats.connections, t.stats.records), (Protocol::Tcp, 8080, 2, 3));
    // without folding every non-reply record is a connection
    let log = ingest_str(&text, FlowFormat::Auto, &IngestOptions { fold_window: 0, ..IngestOptions::default() });
    assert_eq!(log.report().connections, 3);
}

const INVENTORY: &str = r"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, tier: backend}}
    spec: {containers: [{name: api, image: api, ports: [{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-7d4b9c-x2k4p
  namespace: shop
  labels: {app: api, tier: backend, pod-template-hash: 7d4b9c}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-7d4b9c, uid: u1, controller: true}]
spec: {containers: [{name: api, image: api}]}
status: {podIP: 10.1.0.7}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: data}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
";

#[test]
fn generic_csv_and_jsonl_map_through_the_inventory() {
    let csv = "\
# exported from a flow collector
Time,SRC_IP,dstIp,dst_port,Protocol,Verdict,srcNamespace,srcPod,dstNamespace,dstPod,dstLabels,count
2024-05-01T10:00:00Z,10.9.9.9,10.1.0.7,8080,tcp,allowed,shop,web-5f6d7-abcde,,,,3
1714557660,,,5432,TCP,denied,shop,web-5f6d7-abcde,data,db-0,\"app=db;tier=data\",
2024-05-01T10:02:00Z,10.1.0.7,203.0.113.9,443,6,forwarded,,,,,,1
2024-05-01T10:03:00Z,10.1.0.7,203.0.113.9,443,icmp,forwarded,,,,,,1
2024-05-01T10:03:00Z,10.1.0.7,,70000,tcp,forwarded,,,,,,1
2024-05-01T10:04:00Z,,,53,UDP,forwarded,shop,ghost-1,kube-system,coredns-1,,1
";
    let jsonl = r#"{"time":1714557600.5,"srcNamespace":"shop","srcWorkload":"Deployment/api","dstIp":"203.0.113.9","dstPort":443,"protocol":"TCP","verdict":"FORWARDED","srcLabels":{"app":"api"}}
{"time":"2024-05-01T10:00:00Z","srcIp":"10.1.0.7","dstIp":"10.1.0.8","protocol":"UDP"}
"#;
    let mut ingester = FlowIngester::new(&IngestOptions::default());
    ingester.read(csv.as_bytes(), FlowFormat::Auto, "flows.csv").unwrap();
    ingester.read(jsonl.as_bytes(), FlowFormat::Auto, "flows.jsonl").unwrap();
    let log = ingester.finish();
    let r = log.report();
    assert_eq!(r.sources, 2);
    assert_eq!(r.malformed, 3, "{:?}", r.malformed_lines);
    let bad: Vec<(&str, u64)> = r.malformed_lines.iter().map(|m| (m.source.as_str(), m.line)).collect();
    assert_eq!(bad, [("flows.csv", 6), ("flows.csv", 7), ("flows.jsonl", 2)]);
    assert!(r.malformed_lines[0].message.contains("unknown protocol `icmp`"));
    assert!(r.malformed_lines[1].message.contains("out of range"));
    assert!(r.malformed_lines[2].message.contains("dstPort"));

    let set = resources(&[INVENTORY]);
    let cluster = compile(&set);
    let resolver = FlowResolver::new(&set, &cluster);
    let map = build_map(&resolver, &log, &MapOptions::default());
    let lines: Vec<String> = map
        .entries
        .iter()
        .map(|e| {
            format!(
                "{} ({:?}) -> {} ({:?}) {}/{} x{}",
                e.src, e.src_kind, e.dst, e.dst_kind, e.protocol, e.port, e.counts.connections
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            // by IP (`10.1.0.7` is an api pod's podIP)
            "shop/api[Deployment] (Workload) -> 203.0.113.9 (External) TCP/443 x2",
            "shop/ghost-1 (Unresolved) -> kube-system/coredns-1 (Unresolved) UDP/53 x1",
            // by pod name: `web-5f6d7-abcde` extends `web`; `db-0` extends `db`
            "shop/web[Deployment] (Workload) -> data/db[StatefulSet] (Workload) TCP/5432 x1",
            // the pod name wins over the source IP; by IP for the destination; `count` 3
            "shop/web[Deployment] (Workload) -> shop/api[Deployment] (Workload) TCP/8080 x3",
        ]
    );
    assert_eq!(map.unresolved, ["kube-system/coredns-1", "shop/ghost-1"]);
    let denied = &map.entries[2];
    assert_eq!(denied.counts.verdicts.dropped, 1);
    assert_eq!(denied.allowed, Some(true));
}

// ---------------------------------------------------------------------------------------------
// generate: the round trip

#[test]
fn generated_policies_allow_exactly_the_observed_flows() {
    let set = shop(false);
    let cluster = compile(&set);
    let log = shop_flows();
    let generated = generate_policies(&set, &cluster, &log, &GenerateOptions::default()).unwrap();
    assert_eq!(generated.namespaces, ["data", "ingress-nginx", "payments", "shop"]);
    insta::assert_snapshot!("online_shop_generated", generated.yaml);

    // the engine's verification inside generate
    assert_eq!(generated.verification.checked, 14);
    assert_eq!(generated.verification.allowed, 14);
    assert!(generated.verification.denied.is_empty());
    // the only allowed in-cluster connections never observed: cluster DNS for the pods that
    // did not use it (allow-dns is per namespace)
    let over = &generated.over_permission;
    assert_eq!((over.allowed, over.observed, over.unobserved), (15, 9, 6));
    assert!(over.connections.iter().all(|c| c.dst == "kube-system/coredns[Deployment]" && c.ports == [[53, 53]]));
    assert_eq!((over.external_allowed, over.external_unobserved), (5, 0));
    // the dropped attempt (frontend → postgres) got no rule
    assert!(generated.skipped.iter().any(|s| s.flow.src == "shop/frontend[Deployment]" && s.flow.port == 5432));

    // analyze independently: the manifests plus the generated YAML, every observed delivered
    // flow allowed, the dropped one denied
    let mut with = set.clone();
    with.add_text(&generated.yaml, "generated.yaml", &ParseOptions::default()).unwrap();
    let analyzed = compile(&with);
    let resolver = FlowResolver::new(&with, &analyzed);
    let map = build_map(&resolver, &log, &MapOptions::default());
    for e in &map.entries {
        let delivered = e.counts.verdicts.forwarded > 0;
        assert_eq!(e.allowed, Some(delivered), "{} -> {} {}/{}", e.src, e.dst, e.protocol, e.port);
    }

    // every rule says where it came from
    for p in &generated.policies {
        let annotations = p.metadata.annotations.as_ref().unwrap();
        let name = p.metadata.name.as_deref().unwrap();
        assert_eq!(annotations.contains_key("netfence.dev/flows"), !name.starts_with("default-deny"), "{name}");
    }
    let api_db = generated.rules.iter().find(|r| r.policy == "api-egress" && r.index == 0).unwrap();
    assert_eq!(api_db.peer, "pods app=postgres in namespace data");
    assert_eq!(api_db.provenance.connections, 7);
    // volatile labels never reach a selector
    assert!(!generated.yaml.contains("pod-template-hash") && !generated.yaml.contains("controller-revision-hash"));
}

#[test]
fn generalisations_are_measured() {
    let set = shop(false);
    let cluster = compile(&set);
    let log = shop_flows();
    let generated = generate_policies(&set, &cluster, &log, &GenerateOptions::default()).unwrap();
    let table: Vec<(bool, Option<u16>, bool, u64)> = generated
        .alternatives
        .iter()
        .map(|a| (a.generalise.by_namespace, a.generalise.port_range_gap, a.verified, a.over_permission.unobserved))
        .collect();
    assert_eq!(
        table,
        [(false, None, true, 6), (true, None, true, 6), (false, Some(1024), true, 6), (true, Some(1024), true, 6)]
    );
    // the ingress controller's two ports from one client become one range with a gap of 1024
    let ranged = GenerateOptions {
        generalise: Generalise { by_namespace: false, port_range_gap: Some(1024) },
        compare: false,
        ..GenerateOptions::default()
    };
    let g = generate_policies(&set, &cluster, &log, &ranged).unwrap();
    let rule = g.rules.iter().find(|r| r.peer == "198.51.100.23/32").unwrap();
    assert_eq!(rule.ports, ["TCP/80-443"]);
    assert!(g.over_permission.external_unobserved > 0);

    // external peers aggregated to a prefix: verified, and the extra addresses counted
    let aggregated = GenerateOptions { external_prefix_v4: Some(24), compare: false, ..GenerateOptions::default() };
    let g = generate_policies(&set, &cluster, &log, &aggregated).unwrap();
    assert!(g.verification.denied.is_empty());
    assert!(g.yaml.contains("cidr: 203.0.113.0/24"));
    // 192.0.2.0/24 and 198.51.100.0/24 (TCP 80 and 443) in, 203.0.113.0/24 out
    assert_eq!(g.over_permission.external_allowed, 4 * 256);
    assert_eq!(g.over_permission.external_unobserved, 4 * 256 - 5);
}

#[test]
fn generate_request_round_trips_through_json() {
    let mut sources: Vec<Source> =
        MANIFESTS.iter().map(|f| Source::named(*f, example(&format!("manifests/{f}.yaml")))).collect();
    sources.push(Source::named("extra", "kind: Nonsense\n"));
    let request = GenerateRequest {
        sources,
        flows: vec![FlowSource::text(example("flows/hubble.jsonl"))],
        generate: GenerateOptions { compare: false, ..GenerateOptions::default() },
        ..GenerateRequest::default()
    };
    let json = serde_json::to_string(&request).unwrap();
    let decoded: GenerateRequest = netfence::api::decode_request(&json).unwrap();
    let response = generate(&decoded).unwrap();
    assert_eq!(response.ingest.records, 98);
    assert_eq!(response.errors.len(), 1);
    let out = serde_json::to_value(&response).unwrap();
    assert_eq!(out["verification"]["allowed"], 14);
    assert_eq!(out["overPermission"]["unobserved"], 6);

    let map = flow_map(&FlowMapRequest {
        sources: vec![Source::text(INVENTORY)],
        flows: vec![FlowSource {
            name: "f.csv".into(),
            text: "srcIp,dstIp,dstPort\n10.1.0.7,1.1.1.1,53\n".into(),
            format: FlowFormat::Csv,
        }],
        ..FlowMapRequest::default()
    })
    .unwrap();
    assert_eq!(map.map.entries.len(), 1);
    assert!(netfence::api::decode_request::<FlowMapRequest>(r#"{"sources": [], "flows": [], "bogus": 1}"#).is_err());
}

// ---------------------------------------------------------------------------------------------
// impact, drops, audit

const FLOWS: &str = "\
srcNamespace,srcPod,dstNamespace,dstPod,dstIp,protocol,dstPort,verdict
shop,web-5f6d7-abcde,shop,api-7d4b9c-x2k4p,,TCP,8080,forwarded
shop,web-5f6d7-abcde,shop,api-7d4b9c-x2k4p,,TCP,8080,forwarded
shop,api-7d4b9c-x2k4p,data,db-0,,TCP,5432,dropped
shop,api-7d4b9c-x2k4p,,,198.51.100.1,TCP,443,forwarded
";

const DENY_DATA: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: data}
spec: {podSelector: {}, policyTypes: [Ingress]}
";

const HEAD_POLICIES: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}, podSelector: {matchLabels: {app: api}}}], ports: [{port: 5432}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {}}], ports: [{port: 5432}]}]
";

#[test]
fn impact_groups_newly_denied_and_newly_allowed_flows() {
    let log = ingest_str(FLOWS, FlowFormat::Csv, &IngestOptions::default());
    let base_set = resources(&[INVENTORY, DENY_DATA]);
    let head_set = resources(&[INVENTORY, DENY_DATA, HEAD_POLICIES]);
    let impact = measure_impact(&base_set, &compile(&base_set), &compile(&head_set), &log);
    let denied: Vec<(String, String, u64, Vec<u16>)> = impact
        .newly_denied
        .iter()
        .map(|g| (g.src.clone(), g.dst.clone(), g.connections, g.flows.iter().map(|f| f.port).collect()))
        .collect();
    assert_eq!(
        denied,
        [
            ("shop/api[Deployment]".to_owned(), "198.51.100.1".to_owned(), 1, vec![443]),
            ("shop/web[Deployment]".to_owned(), "shop/api[Deployment]".to_owned(), 2, vec![8080]),
        ]
    );
    // web → api is cut on both sides: web's egress and api's ingress, by shop/default-deny
    let sides = &impact.newly_denied[1].flows[0].denied_by;
    assert_eq!(sides.len(), 2);
    assert_eq!(
        (sides[0].direction, sides[0].policies.clone()),
        (Direction::Egress, vec!["shop/default-deny".to_owned()])
    );
    assert_eq!(sides[1].direction, Direction::Ingress);
    // api → db (dropped today) would now be let through
    assert_eq!(impact.newly_allowed.len(), 1);
    assert_eq!(
        (impact.newly_allowed[0].src.as_str(), impact.newly_allowed[0].dst.as_str()),
        ("shop/api[Deployment]", "data/db[StatefulSet]")
    );
    assert_eq!((impact.unchanged_allowed, impact.unchanged_denied, impact.unchecked), (0, 0, 0));
}

#[test]
fn drops_name_the_isolation_and_the_smallest_allowance() {
    let set = shop(true);
    let cluster = compile(&set);
    let drops = explain_drops(&set, &cluster, &shop_flows(), &DropsOptions::default()).unwrap();
    assert_eq!(drops.len(), 1);
    let d = &drops[0];
    assert_eq!(
        (d.src.as_str(), d.dst.as_str(), d.port),
        ("shop/frontend[Deployment]", "data/postgres[StatefulSet]", 5432)
    );
    assert_eq!(d.cause, DropCause::Policy);
    assert_eq!(d.counts.drop_reasons.get("POLICY_DENIED"), Some(&2));
    let sides: Vec<(Direction, Vec<String>)> = d.denied_by.iter().map(|s| (s.direction, s.policies.clone())).collect();
    assert_eq!(
        sides,
        [
            (
                Direction::Egress,
                vec!["shop/allow-dns".to_owned(), "shop/frontend-egress".to_owned(), "shop/default-deny".to_owned()]
            ),
            (Direction::Ingress, vec!["data/postgres-ingress".to_owned(), "data/default-deny".to_owned()]),
        ]
    );
    let allowance = d.allowance.as_deref().unwrap();
    insta::assert_snapshot!("drop_allowance", allowance);

    // applying the allowance admits exactly that flow
    let mut fixed = set.clone();
    fixed.add_text(allowance, "allowance.yaml", &ParseOptions::default()).unwrap();
    let after = compile(&fixed);
    let conn = after.connection("shop/frontend[Deployment]", "data/postgres[StatefulSet]").unwrap();
    assert_eq!(conn.allowed.tcp, vec![[5432, 5432]]);
    assert!(
        explain_drops(&fixed, &after, &shop_flows(), &DropsOptions::default()).unwrap()[0].cause
            == DropCause::NotPolicy
    );

    // a drop the policies do not explain, and one with an endpoint unknown to the inventory
    let log = ingest_str(
        "srcNamespace,srcPod,dstNamespace,dstPod,dstPort,verdict,dropReason\nshop,web-1,shop,api-7d4b9c-x2k4p,8080,dropped,CT_MAP_INSERTION_FAILED\nshop,ghost,shop,api-7d4b9c-x2k4p,8080,dropped,\n",
        FlowFormat::Csv,
        &IngestOptions::default(),
    );
    let set = resources(&[INVENTORY]);
    let drops = explain_drops(&set, &compile(&set), &log, &DropsOptions::default()).unwrap();
    let causes: Vec<DropCause> = drops.iter().map(|d| d.cause).collect();
    assert_eq!(causes, [DropCause::NotPolicy, DropCause::Unresolved]);
    assert!(drops.iter().all(|d| d.allowance.is_none()));
}

const AUDITED: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from: [{podSelector: {}}]
  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: payments}}}]
    ports: [{port: metrics}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ghost, namespace: shop}
spec:
  podSelector: {matchLabels: {app: ghost}}
  ingress: [{}]
";

#[test]
fn audit_counts_hits_and_finds_unused_broad_and_empty() {
    let set = resources(&[INVENTORY, AUDITED]);
    let cluster = compile(&set);
    let log = ingest_str(FLOWS, FlowFormat::Csv, &IngestOptions::default());
    let audit = audit_policies(&set, &cluster, &log, &AuditOptions::default()).unwrap();
    let hits: Vec<(String, usize, u64, u64, u64)> = audit
        .rules
        .iter()
        .map(|r| (r.rule.policy.clone(), r.rule.index, r.hits.connections, r.used, r.allows))
        .collect();
    // rule 0 allows web and api itself? no: self pairs are not peers; web → api on every port
    // of every protocol is 3 × 65535 tuples, of which one was used
    assert_eq!(
        hits,
        [
            ("api-ingress".to_owned(), 0, 2, 1, 3 * 65_535),
            ("api-ingress".to_owned(), 1, 0, 0, 0),
            ("ghost".to_owned(), 0, 0, 0, 0)
        ]
    );
    let unused: Vec<(String, usize)> = audit.unused.iter().map(|r| (r.policy.clone(), r.index)).collect();
    assert_eq!(unused, [("api-ingress".to_owned(), 1), ("ghost".to_owned(), 0)]);
    let names: Vec<&str> = audit.selecting_nothing.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["ghost"]);

    assert_eq!(audit.too_broad.len(), 1);
    let broad = &audit.too_broad[0];
    assert_eq!((broad.rule.policy.as_str(), broad.rule.index), ("api-ingress", 0));
    insta::assert_snapshot!("audit_suggestion", broad.suggestion);
    // the tightened rule stops web → api on everything but TCP 8080
    let stops: Vec<(String, String, Protocol, Vec<[u16; 2]>)> = broad
        .stops_allowing
        .iter()
        .map(|c| (c.src.to_string(), c.dst.to_string(), c.protocol, c.ports.clone()))
        .collect();
    assert_eq!(
        stops,
        [
            ("shop/web[Deployment]".to_owned(), "shop/api[Deployment]".to_owned(), Protocol::Sctp, vec![[1, 65535]]),
            (
                "shop/web[Deployment]".to_owned(),
                "shop/api[Deployment]".to_owned(),
                Protocol::Tcp,
                vec![[1, 8079], [8081, 65535]]
            ),
            ("shop/web[Deployment]".to_owned(), "shop/api[Deployment]".to_owned(), Protocol::Udp, vec![[1, 65535]]),
        ]
    );
    assert_eq!(broad.stops_allowing_tuples, 3 * 65_535 - 1);
    assert!(broad.stops_allowing_computed);
    // the recompiles for it restored every rule: the working copy is not the audited set, and
    // a second audit gives the same answer
    assert_eq!(audit_policies(&set, &cluster, &log, &AuditOptions::default()).unwrap(), audit);

    // without a recompile budget the rule and its suggestion are reported, the loss is not
    let unbudgeted = AuditOptions { recompile_budget: 0, ..AuditOptions::default() };
    let cheap = audit_policies(&set, &cluster, &log, &unbudgeted).unwrap();
    assert_eq!(cheap.too_broad.len(), 1);
    let b = &cheap.too_broad[0];
    assert_eq!(
        (b.rule.clone(), b.suggestion.clone(), b.used, b.allows),
        (broad.rule.clone(), broad.suggestion.clone(), broad.used, broad.allows)
    );
    assert!(!b.stops_allowing_computed && b.stops_allowing.is_empty() && b.stops_allowing_tuples == 0);
    let text = netfence::report::flows::audit_text(&cheap, log.report());
    assert!(text.contains("what the tightened rule stops allowing was not computed"), "{text}");
}

#[test]
fn audit_counts_cluster_scoped_rules_and_finds_unused_allows() {
    let guardrails = "
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard-data}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: data}}}
  ingress:
  - {name: no-shop, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}], ports: [{portNumber: {protocol: TCP, port: 5432}}]}
  - {name: monitoring, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: shop}
spec:
  tier: Admin
  priority: 20
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: shop}}}
  ingress: [{name: teams-decide, action: Pass, from: [{namespaces: {}}]}]
  egress: [{name: partner, action: Accept, to: [{networks: [198.51.100.0/24]}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress: [{name: deny-in-cluster, action: Deny, from: [{namespaces: {}}]}]
";
    let set = resources(&[INVENTORY, AUDITED, guardrails]);
    let cluster = compile(&set);
    let log = ingest_str(FLOWS, FlowFormat::Csv, &IngestOptions::default());
    let audit = audit_policies(&set, &cluster, &log, &AuditOptions::default()).unwrap();
    let hits: Vec<(String, usize, u64, u64)> =
        audit.cluster_rules.iter().map(|h| (h.rule.policy.clone(), h.rule.index, h.hits.connections, h.used)).collect();
    // in evaluation order: the admin Deny took the dropped flow to the database, the Pass
    // handed on web → api (twice, one tuple), the Accept let the partner call out; the
    // baseline's Deny was never reached (api's NetworkPolicy decided)
    assert_eq!(
        hits,
        [
            ("guard-data".to_owned(), 0, 1, 1),
            ("guard-data".to_owned(), 1, 0, 0),
            ("shop".to_owned(), 0, 2, 1),
            ("shop".to_owned(), 0, 1, 1),
            ("default".to_owned(), 0, 0, 0),
        ]
    );
    let directions: Vec<Direction> = audit.cluster_rules.iter().map(|h| h.rule.direction).collect();
    assert_eq!(directions[2..4], [Direction::Ingress, Direction::Egress]);
    // unused: the Allow no flow reached; a Deny nothing tried is not a stale rule
    let unused: Vec<(String, Option<String>)> =
        audit.unused_cluster_rules.iter().map(|r| (r.policy.clone(), r.name.clone())).collect();
    assert_eq!(unused, [("guard-data".to_owned(), Some("monitoring".to_owned()))]);
    // NetworkPolicy rules are audited as before
    assert_eq!(audit.rules.len(), 3);
    let text = netfence::report::flows::audit_text(&audit, log.report());
    for part in ["hits per cluster-scoped rule", "`monitoring`", "5 cluster-scoped rules: 1 unused"] {
        assert!(text.contains(part), "{part} not in {text}");
    }
    // without cluster-scoped policies the answer has no such fields
    let plain = resources(&[INVENTORY, AUDITED]);
    let audit = audit_policies(&plain, &compile(&plain), &log, &AuditOptions::default()).unwrap();
    assert!(audit.cluster_rules.is_empty() && audit.unused_cluster_rules.is_empty());
}

// ---------------------------------------------------------------------------------------------
// the synthetic generator

#[test]
fn synthetic_flows_are_deterministic_and_well_formed() {
    let set = resources(&[&netfence::synth::generate(&netfence::synth::SynthConfig {
        pods: 200,
        policies: 0,
        ..Default::default()
    })]);
    let cluster = compile(&set);
    let config = FlowSynthConfig { records: 2_000, conversations: 100, ..FlowSynthConfig::default() };
    let a = generate_hubble(&cluster, &config);
    assert_eq!(a, generate_hubble(&cluster, &config));
    assert_ne!(a, generate_hubble(&cluster, &FlowSynthConfig { seed: 2, ..config.clone() }));
    let log = ingest_str(&a, FlowFormat::Auto, &IngestOptions::default());
    let r = log.report();
    assert_eq!((r.lines, r.records, r.malformed), (2_000, 2_000, 0));
    assert!(r.replies > 0 && r.duplicates > 0);
    assert!(r.tuples <= 100);
    // every endpoint maps onto the synthetic cluster
    let resolver = FlowResolver::new(&set, &cluster);
    let map = build_map(&resolver, &log, &MapOptions::default());
    assert!(map.unresolved.is_empty());
    assert!(map.entries.iter().any(|e| e.dst_kind == PeerKind::External));
}

/// Strings with JSON escapes (which cannot be borrowed from the line) read like plain ones.
#[test]
fn hubble_strings_with_escapes_are_read() {
    let line = r#"{"flow":{"time":"2024-05-01T08:00:00Z","verdict":"FORWARDED","IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":40000,"destination_port":8080}},"source":{"namespace":"sh\u006fp","pod_name":"api-1","labels":["k8s:app=a\u0070i"],"workloads":[{"name":"a\u0070i","kind":"Deployment"},{"name":"other","kind":"ReplicaSet"}]},"destination":{"namespace":"shop","pod_name":"db-0","workloads":null},"Type":"L3_L4","is_reply":false}}"#;
    let log = netfence::flows::ingest_str(
        line,
        netfence::flows::FlowFormat::Auto,
        &netfence::flows::IngestOptions::default(),
    );
    assert_eq!(log.report().malformed, 0, "{:?}", log.report().malformed_lines);
    assert_eq!(log.tuples().len(), 1);
    let src = log.endpoint(log.tuples()[0].src).unwrap();
    assert_eq!(src.namespace.as_deref(), Some("shop"));
    assert_eq!(src.workload.as_deref(), Some("api"));
    assert_eq!(src.labels.get("app").map(String::as_str), Some("api"));
    let dst = log.endpoint(log.tuples()[0].dst).unwrap();
    assert_eq!(dst.pod.as_deref(), Some("db-0"));
}
