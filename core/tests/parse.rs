#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
//! Parsing: documents, lists, locations, and hostile input.

use netfence::ErrorCode;
use netfence::inventory::ResourceSet;
use netfence::source::{ParseOptions, parse_text};

fn load(text: &str) -> ResourceSet {
    let mut set = ResourceSet::default();
    set.add_text(text, "in.yaml", &ParseOptions::default()).unwrap();
    set
}

const MULTI: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: web}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
    - ports:
        - port: 8080
          protocol: TCP
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: nginx
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
";

#[test]
fn multi_document_kinds_and_counts() {
    let set = load(MULTI);
    assert_eq!(set.namespaces.len(), 1);
    assert_eq!(set.policies.len(), 1);
    assert_eq!(set.workloads.len(), 1);
    assert_eq!(set.skipped.get("v1/ConfigMap"), Some(&1));
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let w = &set.workloads[0];
    assert_eq!((w.namespace.as_str(), w.name.as_str()), ("shop", "web"));
    assert_eq!(w.template_labels["app"], "web");
}

#[test]
fn locations_are_file_line_column_and_pointer() {
    let set = load(MULTI);
    let p = &set.policies[0];
    let port = p.source.locate("/spec/ingress/0/ports/0/port");
    assert_eq!((port.file.as_str(), port.line, port.column), ("in.yaml", 18, 17));
    assert_eq!(port.pointer, "/spec/ingress/0/ports/0/port");
    let key = p.source.locate_key("/spec/podSelector/matchLabels", "app");
    assert_eq!((key.line, key.column), (15, 7));
    // A pointer that does not resolve points at its deepest existing parent.
    let missing = p.source.locate("/spec/egress/0");
    assert_eq!((missing.line, missing.column), (13, 3));
    let ns = &set.namespaces[0];
    assert_eq!(ns.source.locate("/metadata/labels/team").line, 5);
}

#[test]
fn json_lists_and_kubectl_output_keep_locations() {
    let json = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}, "spec": {"containers": []}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
     "metadata": {"name": "p", "namespace": "x"}, "spec": {"podSelector": {}}}
  ]
}"#;
    let set = load(json);
    assert_eq!(set.pods.len(), 1);
    assert_eq!(set.policies.len(), 1);
    let loc = set.policies[0].source.locate("/spec/podSelector");
    assert_eq!(loc.line, 7);
    // a JSON list's items are read one by one: each is its own tree (pointers are the item's)
    assert_eq!(set.policies[0].source.base, "");

    // `kubectl get networkpolicies -o json`: typed list whose items may omit kind.
    let typed = r#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicyList",
      "items": [{"metadata": {"name": "q", "namespace": "y"}, "spec": {"podSelector": {}}}]}"#;
    let set = load(typed);
    assert_eq!(set.policies.len(), 1);
    assert_eq!(set.policies[0].namespace, "y");
}

#[test]
fn a_bad_document_is_reported_and_the_others_load() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n";
    let set = load(text);
    assert_eq!(set.namespaces.len(), 2);
    assert_eq!(set.errors.len(), 1);
    let e = &set.errors[0];
    assert_eq!(e.code, ErrorCode::Syntax);
    assert!(e.message.starts_with("document 2 of `in.yaml` cannot be read"), "{}", e.message);
    let loc = e.location.as_ref().unwrap();
    assert!(loc.line >= 5 && loc.line <= 6, "line {}", loc.line);

    let strict = ParseOptions { strict: true, ..ParseOptions::default() };
    let err = ResourceSet::default().add_text(text, "in.yaml", &strict).unwrap_err();
    assert_eq!(err.code, ErrorCode::Syntax);
}

#[test]
fn wrong_field_type_points_at_the_field() {
    let text = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n  ingress:\n    - ports: 80\n";
    let set = load(text);
    assert!(set.policies.is_empty());
    let e = &set.errors[0];
    assert_eq!(e.code, ErrorCode::ResourceShape);
    let loc = e.location.as_ref().unwrap();
    assert_eq!(loc.pointer, "/spec/ingress/0/ports");
    assert_eq!((loc.line, loc.column), (7, 14));
}

#[test]
fn documents_without_kind_are_errors_not_panics() {
    let set = load("just: a map\n---\n- a\n- list\n---\n42\n");
    assert_eq!(set.errors.len(), 3);
    assert!(set.errors.iter().all(|e| e.code == ErrorCode::NotAResource));
}

#[test]
fn deprecated_api_version_is_recognised() {
    let set =
        load("apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: old}\nspec: {podSelector: {}}\n");
    assert_eq!(set.policies.len(), 1);
    assert_eq!(set.policies[0].api_version, "extensions/v1beta1");
    assert!(!set.policies[0].namespace_given);
    assert_eq!(set.policies[0].namespace, "default");
}

// ---- hostile input ----

#[test]
fn alias_bomb_is_stopped() {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\ni: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    let parsed = parse_text(bomb, "bomb.yaml", &ParseOptions::default()).unwrap();
    assert!(parsed.documents.is_empty());
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].code, ErrorCode::BudgetExceeded, "{:?}", parsed.errors[0]);
}

#[test]
fn deep_nesting_is_stopped() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let text = format!("{}1{}", open.repeat(100), close.repeat(100));
        let parsed = parse_text(&text, "deep.yaml", &ParseOptions::default()).unwrap();
        assert_eq!(parsed.errors.len(), 1, "{open}");
        assert_eq!(parsed.errors[0].code, ErrorCode::BudgetExceeded, "{:?}", parsed.errors[0]);
    }
    let mut block = String::new();
    for depth in 0..100 {
        block.push_str(&"  ".repeat(depth));
        block.push_str("k:\n");
    }
    let parsed = parse_text(&block, "deep.yaml", &ParseOptions::default()).unwrap();
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].code, ErrorCode::BudgetExceeded, "{:?}", parsed.errors[0]);
}

#[test]
fn huge_input_is_refused_up_front() {
    let text = "a: b\n".repeat(10 * 1024 * 1024); // 50 MiB
    let err = parse_text(&text, "big.yaml", &ParseOptions::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InputTooLarge);
    let small = ParseOptions { max_input_bytes: 100, ..ParseOptions::default() };
    assert_eq!(parse_text(&"x".repeat(101), "s", &small).unwrap_err().code, ErrorCode::InputTooLarge);
}

#[test]
fn document_storm_is_refused() {
    let text = "---\na: 1\n".repeat(20_000);
    let err = parse_text(&text, "storm.yaml", &ParseOptions::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::BudgetExceeded);
}

#[test]
fn binary_garbage_is_an_error() {
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let err = netfence::source::text_from_bytes(&garbage, "bin").unwrap_err();
    assert_eq!(err.code, ErrorCode::NotText);
    let err = parse_text("a: 1\n\0\0", "nul", &ParseOptions::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotText);
    // Printable garbage parses to errors or skipped documents, never a panic.
    let noise: String = (0..2000u32).map(|i| char::from(b"{}[]:,-&*!|>'\"%@` \n\tab"[(i * 7 % 22) as usize])).collect();
    let mut set = ResourceSet::default();
    let _ = set.add_text(&noise, "noise", &ParseOptions::default());
}

#[test]
fn parse_response_snapshot_with_locations() {
    let text =
        format!("{MULTI}---\nkind: Orphan\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: [oops]\n");
    let response = netfence::api::parse(&netfence::api::ParseRequest {
        sources: vec![netfence::api::Source::named("multi.yaml", text)],
        options: ParseOptions::default(),
        format: None,
    })
    .unwrap();
    insta::assert_json_snapshot!(response);
}

/// A large input (parsed on several threads when the machine has them) reads exactly as the
/// documents read one at a time: same order, indices, line numbers, errors and resources.
#[test]
fn large_inputs_read_in_order_with_their_line_numbers() {
    let pod = |i: usize| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n  namespace: ns\n  labels: {{app: a{}}}\n\
             spec:\n  hostNetwork: true\n  containers:\n  - name: c\n    ports: [{{name: http, containerPort: 80}}]\n{}",
            i % 7,
            "  # padding to make the input large, cheaply: comments make no nodes\n".repeat(30)
        )
    };
    let count = 2_200;
    let bad = 1_234;
    let mut text = String::new();
    let mut first_lines = Vec::new();
    for i in 0..count {
        first_lines.push(text.matches('\n').count() as u32 + 2); // after the `---` line
        text.push_str("---\n");
        if i == bad {
            text.push_str("apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n");
        } else {
            text.push_str(&pod(i));
        }
    }
    assert!(text.len() > 4 << 20, "large enough for the parallel path: {} bytes", text.len());
    let options = ParseOptions { max_input_bytes: usize::MAX, max_documents: usize::MAX, ..ParseOptions::default() };
    let parsed = parse_text(&text, "big.yaml", &options).unwrap();
    assert_eq!(parsed.documents.len(), count - 1);
    assert_eq!(parsed.errors.len(), 1);
    assert!(parsed.errors[0].message.contains(&format!("document {} ", bad + 1)), "{}", parsed.errors[0].message);
    for doc in &parsed.documents {
        assert_eq!(doc.root.line, first_lines[doc.index], "document {}", doc.index);
    }
    assert!(parsed.documents.windows(2).all(|w| w[0].index < w[1].index));

    let mut set = ResourceSet::default();
    set.add_text(&text, "big.yaml", &options).unwrap();
    let names: Vec<String> = set.pods.iter().map(|p| p.name.clone()).collect();
    let expected: Vec<String> = (0..count).filter(|i| *i != bad).map(|i| format!("p{i}")).collect();
    assert_eq!(names, expected);
    assert_eq!(set.errors.len(), 1);
    let last = set.pods.last().unwrap();
    // a pod keeps its position and its `hostNetwork` key (all that findings point at in a pod)
    assert_eq!(last.source.locate("").line, first_lines[count - 1]);
    assert_eq!(last.source.locate_key("/spec", "hostNetwork").line, first_lines[count - 1] + 7);
    assert_eq!(last.labels.get("app").map(String::as_str), Some("a1"));
}

/// The fields netfence reads of pods, workloads, namespaces and Services are type-checked: a
/// wrong shape is an `NF-E005` error at the field, with a plain message; the rest of an object
/// is not read.
#[test]
fn summaries_check_the_fields_they_read() {
    let cases: &[(&str, &str, &str)] = &[
        ("kind: Pod\nmetadata: []\n", "/metadata", "expected a mapping, found a list"),
        ("kind: Pod\nmetadata: {name: 7}\n", "/metadata/name", "expected a string"),
        ("kind: Pod\nmetadata: {labels: {app: [x]}}\n", "/metadata/labels/app", "expected a string"),
        ("kind: Pod\nspec: {containers: {a: 1}}\n", "/spec/containers", "expected a list, found a mapping"),
        ("kind: Pod\nspec: {containers: [null]}\n", "/spec/containers/0", "expected a mapping, found null"),
        ("kind: Pod\nspec: {containers: [{ports: x}]}\n", "/spec/containers/0/ports", "expected a list"),
        (
            "kind: Pod\nspec: {containers: [{ports: [{containerPort: http}]}]}\n",
            "/spec/containers/0/ports/0/containerPort",
            "expected i32",
        ),
        ("kind: Pod\nspec: {hostNetwork: 'yes'}\n", "/spec/hostNetwork", "expected a boolean"),
        ("kind: Pod\nstatus: {podIPs: [{ip: 1}]}\n", "/status/podIPs/0/ip", "expected a string"),
        ("kind: Pod\nstatus: 3\n", "/status", "expected a mapping, found integer `3`"),
        (
            "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {hostNetwork: 1}}}\n",
            "/spec/template/spec/hostNetwork",
            "expected a boolean",
        ),
        (
            "apiVersion: batch/v1\nkind: CronJob\nspec: {jobTemplate: {spec: [1]}}\n",
            "/spec/jobTemplate/spec",
            "expected a mapping, found a list",
        ),
        ("kind: Service\nspec: {clusterIPs: 10.0.0.1}\n", "/spec/clusterIPs", "expected a list"),
        ("kind: Namespace\nmetadata: {labels: [a]}\n", "/metadata/labels", "expected a map"),
    ];
    for (yaml, pointer, fragment) in cases {
        let yaml = if yaml.starts_with("apiVersion") { (*yaml).to_owned() } else { format!("apiVersion: v1\n{yaml}") };
        let set = load(&yaml);
        assert_eq!(set.errors.len(), 1, "{yaml}");
        let e = &set.errors[0];
        assert_eq!(e.code, ErrorCode::ResourceShape, "{yaml}");
        assert_eq!(e.location.as_ref().unwrap().pointer, *pointer, "{yaml}: {}", e.message);
        assert!(e.message.contains(fragment), "{yaml}: {}", e.message);
    }
    // what is not read is not checked
    let set = load(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n\
         spec: {replicas: many, template: {spec: {containers: [{name: c, image: [1], livenessProbe: 7}]}}}\n",
    );
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    assert_eq!(set.workloads.len(), 1);
}

/// One large `kind: List` document (as `kubectl get -o yaml` writes it), whose items are parsed
/// on several threads when the machine has them: the same resources, in order, with their lines.
#[test]
fn a_large_list_document_reads_in_order_with_its_line_numbers() {
    let count = 2_000;
    let mut text = String::from("apiVersion: v1\nitems:\n");
    let mut item_lines = Vec::new();
    for i in 0..count {
        item_lines.push(text.matches('\n').count() as u32 + 1);
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p{i}\n    namespace: ns\n    labels: {{app: a{}}}\n\
             \x20 spec:\n    hostNetwork: true\n    containers:\n    - name: c\n      ports: [{{name: http, containerPort: 80}}]\n{}",
            i % 7,
            "    # padding to make the input large, cheaply: comments make no nodes\n".repeat(30)
        ));
    }
    text.push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
    assert!(text.len() > 4 << 20, "large enough for the parallel path: {} bytes", text.len());
    let options = ParseOptions { max_input_bytes: usize::MAX, ..ParseOptions::default() };
    let mut set = ResourceSet::default();
    set.add_text(&text, "list.yaml", &options).unwrap();
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    let names: Vec<String> = set.pods.iter().map(|p| p.name.clone()).collect();
    assert_eq!(names, (0..count).map(|i| format!("p{i}")).collect::<Vec<_>>());
    let last = set.pods.last().unwrap();
    // the resource's tree: the item (read on its own) or the list with `base` pointing at it;
    // a pod keeps its position and its `hostNetwork` key
    let at = last.source.locate("");
    assert_eq!((at.line, at.column), (item_lines[count - 1], 3));
    let key = last.source.locate_key("/spec", "hostNetwork");
    assert_eq!((key.line, key.pointer.as_str()), (item_lines[count - 1] + 7, "/spec/hostNetwork"));
    assert_eq!(last.labels.get("app").map(String::as_str), Some("a4")); // 1999 % 7
}
