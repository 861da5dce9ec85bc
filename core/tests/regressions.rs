//! Regression tests for what fuzzing (`fuzz/`) and the differential against netpol-analyzer
//! (`cargo xtask differential`) found; docs/reliability.md lists them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use netfence::api::{AnalyzeRequest, AnalyzeResponse, Source, analyze};

fn run(sources: &[(&str, &str)]) -> AnalyzeResponse {
    let sources = sources.iter().map(|(name, text)| Source::named(*name, *text)).collect();
    analyze(&AnalyzeRequest { sources, ..AnalyzeRequest::default() }).unwrap()
}

fn lines(r: &AnalyzeResponse) -> Vec<String> {
    r.connectivity
        .connections
        .iter()
        .map(|c| format!("{} => {} {} {:?}", c.src, c.dst, c.protocol.as_str(), c.ports))
        .collect()
}

fn owned_pod(name: &str, labels: &str, ip: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop\n  labels: {labels}\n  ownerReferences: [{{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c, uid: u1, controller: true}}]\nspec: {{containers: [{{name: c, image: x}}]}}\nstatus: {{podIP: {ip}, podIPs: [{{ip: {ip}}}]}}\n"
    )
}

const DB: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: shop, labels: {app: db}}\nspec: {containers: [{name: c, image: x}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{from: [{podSelector: {matchLabels: {tier: b}}}]}]\n";

/// The differential (netpol-analyzer crashes or refuses here): two pods of one absent
/// ReplicaSet differ in a label a policy selects by. They were one endpoint with the first
/// pod's labels, so the answer depended on input order and was wrong for the other pod; now
/// each is its own endpoint.
#[test]
fn pods_of_one_owner_with_different_labels_are_separate_endpoints() {
    let a = owned_pod("web-7d4b9c-x2k4p", "{app: web, pod-template-hash: 7d4b9c}", "10.0.0.1");
    let b = owned_pod("web-7d4b9c-abcde", "{app: web, pod-template-hash: 7d4b9c, tier: b}", "10.0.0.2");
    for order in [[&a, &b], [&b, &a]] {
        let r = run(&[("a.yaml", order[0]), ("b.yaml", order[1]), ("db.yaml", DB)]);
        let names: Vec<&str> = r.connectivity.endpoints.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["shop/db[Pod]", "shop/web-7d4b9c-abcde[Pod]", "shop/web-7d4b9c-x2k4p[Pod]"]);
        let lines = lines(&r);
        assert!(
            lines.contains(&"shop/web-7d4b9c-abcde[Pod] => shop/db[Pod] TCP [[1, 65535]]".to_owned()),
            "{lines:#?}"
        );
        assert!(!lines.iter().any(|l| l.starts_with("shop/web-7d4b9c-x2k4p[Pod] => shop/db[Pod]")), "{lines:#?}");
    }
}

/// Pods of one absent owner that policies cannot tell apart stay one endpoint, the same in
/// any input order: located at the pod with the smallest name, with every pod's IPs.
#[test]
fn pods_of_one_owner_alike_are_one_endpoint_whatever_the_order() {
    let a = owned_pod("web-7d4b9c-x2k4p", "{app: web}", "10.0.0.1");
    let b = owned_pod("web-7d4b9c-abcde", "{app: web}", "10.0.0.2");
    let first = run(&[("a.yaml", &a), ("b.yaml", &b), ("db.yaml", DB)]);
    let second = run(&[("b.yaml", &b), ("db.yaml", DB), ("a.yaml", &a)]);
    assert_eq!(first.connectivity.endpoints, second.connectivity.endpoints);
    assert_eq!(first.connectivity.connections, second.connectivity.connections);
    let web = first.connectivity.endpoints.iter().find(|e| e.name == "shop/web-7d4b9c[ReplicaSet]").unwrap();
    assert_eq!((web.pods, web.ips.as_slice()), (2, &["10.0.0.1".to_owned(), "10.0.0.2".to_owned()][..]));
    assert_eq!(web.location.as_ref().unwrap().file, "b.yaml");
}

/// Pods of one absent owner that differ only in a label no applicable selector uses stay one
/// endpoint, as netpol-analyzer shows them (its corpus: `pods_w_same_owner_and_labels_gap_*`).
#[test]
fn pods_of_one_owner_differing_where_no_policy_looks_are_one_endpoint() {
    let a = owned_pod("web-7d4b9c-x2k4p", "{app: web, pod-template-hash: 7d4b9c}", "10.0.0.1");
    let b = owned_pod("web-7d4b9c-abcde", "{app: web, pod-template-hash: 7d4b9c, color: blue}", "10.0.0.2");
    // selectors on `color` in another namespace do not reach `shop`
    let other = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: other}\nspec:\n  podSelector: {matchLabels: {color: blue}}\n  ingress: [{from: [{podSelector: {matchLabels: {color: blue}}}]}]\n";
    let r = run(&[("a.yaml", &a), ("b.yaml", &b), ("other.yaml", other)]);
    let names: Vec<&str> = r.connectivity.endpoints.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["shop/web-7d4b9c[ReplicaSet]"]);
}

/// Fuzzing (`list_split`): a lone carriage return breaks a YAML line, so the lines of later
/// documents count it (they were one short, in locations and findings).
#[test]
fn a_lone_carriage_return_counts_as_a_line_break() {
    let text = "apiVersion: v1\rkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: [b}\n";
    let request = netfence::api::ParseRequest { sources: vec![Source::text(text)], ..Default::default() };
    let parsed = netfence::api::parse(&request).unwrap();
    let location = parsed.errors[0].location.as_ref().unwrap();
    assert_eq!((location.line, location.column), (7, 18), "{:?}", parsed.errors);
}

/// Hostile input with raised limits: the trees are walked recursively, so a `maxDepth` raised
/// to 10,000,000 let a 100,000-deep document overflow the stack (an abort of the host process,
/// or of the WebAssembly module). `maxDepth` is at most 1,000 (an `NF-E011` above), and the
/// deepest document it admits is read by every operation.
#[test]
fn max_depth_is_bounded_and_the_deepest_admitted_document_is_read() {
    let deep = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let request = |text: &str, max_depth: usize| {
        serde_json::json!({"sources": [{"text": text}], "options": {"maxDepth": max_depth}}).to_string()
    };
    let error = netfence::api::call_json("parse", &request(&deep(100_000), 10_000_000)).unwrap_err();
    assert_eq!(error.code.as_str(), "NF-E011");
    assert_eq!(error.message, "`maxDepth` is 10000000, more than netfence supports (1000)");
    // a document as deep as the most admitted, through every operation that reads manifests
    let mapping = |depth: usize| format!("{}1{}", "{\"a\": ".repeat(depth), "}".repeat(depth));
    for text in [deep(999), mapping(999)] {
        for operation in ["parse", "validate", "lint", "analyze"] {
            let response = netfence::api::call_json(operation, &request(&text, netfence::source::MAX_DEPTH)).unwrap();
            assert!(response.contains("NF-E006"), "{operation}: {}", &response[..200.min(response.len())]);
        }
    }
}

/// The hostile-input tests (Node, WASM): `JSON.stringify` leaves DEL, the C1 controls, U+FFFE
/// and U+FFFF unescaped in strings, as JSON allows, but the request reader (YAML 1.2) refused
/// them: a valid JSON request was an `NF-E011` "unexpected character".
#[test]
fn json_requests_with_characters_yaml_does_not_print_are_read() {
    for c in ['\u{7f}', '\u{80}', '\u{85}', '\u{91}', '\u{9f}', '\u{fffe}', '\u{ffff}'] {
        let request = format!(
            "{{\"sources\": [{{\"name\": \"a{c}b\", \"text\": \"apiVersion: v1\\nkind: Namespace\\nmetadata: {{name: x}}\\n\"}}]}}"
        );
        let response =
            netfence::api::call_json("parse", &request).unwrap_or_else(|e| panic!("U+{:04X}: {e:?}", u32::from(c)));
        let response: serde_json::Value = serde_json::from_str(&response).unwrap();
        assert_eq!(response["resources"][0]["location"]["file"], format!("a{c}b"), "U+{:04X}", u32::from(c));
    }
    // outside a string it is not JSON either way
    assert_eq!(netfence::api::call_json("parse", "{\"sources\": []\u{91}}").unwrap_err().code.as_str(), "NF-E011");
}

/// Hostile input within the default limits: 10,000 documents, each an alias bomb just under
/// the per-document budget, were 810 million replayed nodes of work (150 s natively, 230 s in
/// WebAssembly). In an input of many documents each gets a share of ten times the budget, so
/// the same documents are budget errors; one such document alone still reads.
#[test]
fn many_documents_share_the_alias_budget() {
    let mut document =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n".to_owned();
    document.push_str(&format!("  b: &b [{}]\n  c: &c [{}]\n", ["*a"; 10].join(","), ["*b"; 10].join(",")));
    for i in 0..8 {
        document.push_str(&format!("  e{i}: [{}]\n", ["*c"; 10].join(",")));
    }
    let options = netfence::source::ParseOptions::default();
    let one = netfence::source::parse_text(&document, "one.yaml", &options).unwrap();
    assert!(one.errors.is_empty(), "{:?}", one.errors);
    let many = format!("---\n{document}").repeat(10_000);
    let parsed = netfence::source::parse_text(&many, "many.yaml", &options).unwrap();
    assert_eq!((parsed.documents.len(), parsed.errors.len()), (0, 10_000));
    assert_eq!(parsed.errors[0].code.as_str(), "NF-E003");
    assert!(parsed.errors[0].message.contains("more than 1000"), "{}", parsed.errors[0].message);
}

/// Fuzzing (`yaml_write`): a mapping key longer than 1,024 characters was written as an
/// implicit key, which YAML does not allow, so the output did not read back. Such keys are
/// written explicitly (`? key` then `: value`).
#[test]
fn long_mapping_keys_are_written_explicitly_and_read_back() {
    for key in ["k".repeat(1500), format!("a: {}", "b".repeat(1200)), "x".repeat(1000), "y".repeat(1025)] {
        for value in [
            serde_json::json!("v"),
            serde_json::json!({"inner": 1, "more": [1, 2]}),
            serde_json::json!([1, {"a": "b"}, [2]]),
            serde_json::json!({}),
        ] {
            let document = serde_json::json!({"first": 1, key.clone(): value, "last": [true]});
            for wrapped in [
                document.clone(),
                serde_json::json!([document.clone()]),
                serde_json::json!({"outer": document.clone()}),
            ] {
                let yaml = netfence::to_yaml(&wrapped);
                let options = netfence::source::ParseOptions { strict: true, ..Default::default() };
                let parsed = netfence::source::parse_text(&yaml, "out.yaml", &options)
                    .unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
                assert_eq!(parsed.documents[0].root.to_json(), wrapped, "{yaml}");
            }
        }
    }
}

/// Fuzzing (`yaml_write`, the third 1-hour run): a key `---ڄs` at column 0 was taken for a
/// document marker — the character after `---` is two bytes, and a one-byte slice of it read
/// as the end of the line — so the text read back as two documents. `---` starts a document
/// only before white space or the line's end.
#[test]
fn three_dashes_before_a_character_are_not_a_document_marker() {
    let value = serde_json::json!({"w": [], "---ڄs": [], "ڄvp": "yp"});
    let yaml = netfence::to_yaml(&value);
    let options = netfence::source::ParseOptions { strict: true, ..Default::default() };
    let parsed = netfence::source::parse_text(&yaml, "out.yaml", &options).unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    assert_eq!(parsed.documents.len(), 1, "{yaml}");
    assert_eq!(parsed.documents[0].root.to_json(), value);
    for (text, documents) in
        [("a: 1\n---é: 2\n", 1), ("a: 1\n---x: 2\n", 1), ("a: 1\n--- \nb: 2\n", 2), ("a: 1\n---\nb: 2\n", 2)]
    {
        let parsed =
            netfence::source::parse_text(text, "in.yaml", &options).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        assert_eq!(parsed.documents.len(), documents, "{text}");
    }
}
