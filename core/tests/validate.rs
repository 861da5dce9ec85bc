//! API validation (`NF0xx`): for every rule a failing case with its exact location and a
//! passing case, a rich valid policy without findings, and the fixture corpus in
//! `tests/fixtures/validate/` (`<ID>/flag.yaml` and `<ID>/clean.yaml` per rule, valid manifests
//! in `valid/`), and the documentation of every rule with its example.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::Path;

use netfence::inventory::ResourceSet;
use netfence::model::{Finding, Severity};
use netfence::source::ParseOptions;
use netfence::validate::{RULE_DOCS, RULES, validate_resources};
use proptest::prelude::*;

fn load(yaml: &str) -> ResourceSet {
    let mut set = ResourceSet::default();
    set.add_text(yaml, "test.yaml", &ParseOptions::default()).unwrap();
    assert!(set.errors.is_empty(), "{:?}", set.errors);
    set
}

fn findings(yaml: &str) -> Vec<Finding> {
    let set = load(yaml);
    assert_eq!(set.policies.len() + set.cluster_policies.len(), 1, "expected one policy");
    validate_resources(&set)
}

/// A policy `web` in `shop`; `body` continues `spec` after `podSelector: {}` (line 8 on).
fn spec(body: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  podSelector: {{}}\n{body}"
    )
}

/// The one finding of `yaml`.
fn one(yaml: &str) -> Finding {
    let all = findings(yaml);
    assert_eq!(all.len(), 1, "expected one finding, got {all:#?}");
    all.into_iter().next().unwrap()
}

/// The finding with `id` (there must be exactly one).
fn find(yaml: &str, id: &str) -> Finding {
    let all: Vec<Finding> = findings(yaml).into_iter().filter(|f| f.id == id).collect();
    assert_eq!(all.len(), 1, "expected one {id}, got {all:#?}");
    all.into_iter().next().unwrap()
}

fn ids(yaml: &str) -> Vec<String> {
    findings(yaml).into_iter().map(|f| f.id).collect()
}

fn clean(yaml: &str) {
    let all = findings(yaml);
    assert!(all.is_empty(), "expected no findings, got {all:#?}");
}

/// Checks id, message fragment, exact location and the shared shape of every finding.
#[track_caller]
fn check(f: &Finding, id: &str, fragment: &str, line: u32, column: u32, pointer: &str) {
    assert_eq!(f.id, id, "{f:#?}");
    assert!(f.message.contains(fragment), "message {:?} lacks {fragment:?}", f.message);
    let l = f.location.as_ref().expect("location");
    assert_eq!((l.file.as_str(), l.line, l.column, l.pointer.as_str()), ("test.yaml", line, column, pointer), "{f:#?}");
    let rule = RULES.iter().find(|r| r.id == id).expect("rule is registered");
    assert_eq!((f.name.as_str(), f.severity), (rule.name, rule.severity));
    assert!(f.help.as_deref().is_some_and(|h| !h.is_empty()), "no help: {f:#?}");
    assert!(!f.message.ends_with('.'), "message ends with a period: {:?}", f.message);
    assert!(!f.message.starts_with(|c: char| c.is_ascii_uppercase()), "message is not lowercase: {:?}", f.message);
    assert!(f.resource.as_deref().is_some_and(|r| r.starts_with("NetworkPolicy ")), "{f:#?}");
}

fn help(f: &Finding) -> &str {
    f.help.as_deref().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// A rich valid policy

const RICH: &str = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: shop.web-allow
  namespace: shop-prod
  labels:
    app.kubernetes.io/name: web
    tier: frontend
    empty: ""
  annotations:
    example.com/owner: "team-web"
    Description: anything goes in values
spec:
  podSelector:
    matchLabels: {app: web}
    matchExpressions:
    - {key: tier, operator: In, values: [frontend, edge]}
    - {key: canary, operator: DoesNotExist}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}
      podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [debug]}]}
    - podSelector: {}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16, 10.2.3.4/32]}
    - ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}
    ports:
    - {protocol: TCP, port: 8080}
    - {protocol: TCP, port: 30000, endPort: 32767}
    - {protocol: UDP, port: http-alt}
    - {protocol: SCTP}
    - port: 443
  - {}
  egress:
  - to:
    - namespaceSelector: {matchExpressions: [{key: team, operator: Exists}]}
    - ipBlock: {cidr: 0.0.0.0/0}
    ports:
    - {protocol: UDP, port: 53}
    - {port: 53, endPort: 53}
"#;

#[test]
fn rich_valid_policy_has_no_findings() {
    clean(RICH);
}

#[test]
fn kubectl_output_with_server_fields_has_no_findings() {
    clean(
        r#"{"apiVersion": "networking.k8s.io/v1", "kind": "List", "items": [
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "web", "namespace": "shop", "uid": "0b8c6a1e-1111-2222-3333-444455556666",
     "resourceVersion": "12345", "generation": 3, "creationTimestamp": "2024-05-01T10:00:00Z",
     "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
     "managedFields": [{"manager": "kubectl", "operation": "Apply", "apiVersion": "networking.k8s.io/v1",
       "time": "2024-05-01T10:00:00Z", "fieldsType": "FieldsV1",
       "fieldsV1": {"f:spec": {"f:podSelector": {}, "f:anything-goes": {}}}}]},
   "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": null}}
], "metadata": {"resourceVersion": ""}}"#,
    );
}

/// Metadata fields netfence does not keep are still checked against the schema.
#[test]
fn unknown_fields_under_metadata_netfence_does_not_keep() {
    let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  uid: u\n  \
                managedFields:\n  - {manager: kubectl, mangaer: x}\n  finalizer: [a]\nspec:\n  podSelector: {}\n";
    let all = findings(yaml);
    let got: Vec<(&str, &str)> =
        all.iter().map(|f| (f.id.as_str(), f.location.as_ref().unwrap().pointer.as_str())).collect();
    assert_eq!(got, [("NF001", "/metadata/managedFields/0/mangaer"), ("NF001", "/metadata/finalizer")]);
    assert_eq!(help(&all[1]), "did you mean `finalizers`?");
}

// ---------------------------------------------------------------------------------------------
// NF001 unknown-field

#[test]
fn nf001_unknown_field_in_spec() {
    let f = one(&spec("  ingres:\n  - {}\n"));
    check(&f, "NF001", "unknown field `ingres` in `spec`", 8, 3, "/spec/ingres");
    assert_eq!(help(&f), "did you mean `ingress`?");
    assert_eq!(f.fix.as_deref(), Some("ingress"));
}

#[test]
fn nf001_unknown_field_in_peer_and_metadata() {
    let yaml = spec("  ingress:\n  - from:\n    - namespaceSelecter: {}\n      podSelector: {}\n");
    let f = one(&yaml);
    check(
        &f,
        "NF001",
        "unknown field `namespaceSelecter` in `spec.ingress[0].from[0]`",
        10,
        7,
        "/spec/ingress/0/from/0/namespaceSelecter",
    );
    assert_eq!(help(&f), "did you mean `namespaceSelector`?");
    assert_eq!(f.fix.as_deref(), Some("namespaceSelector"));

    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  lables: {app: web}\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF001", "unknown field `lables` in `metadata`", 5, 3, "/metadata/lables");
    assert_eq!(f.fix.as_deref(), Some("labels"));
}

#[test]
fn nf001_no_suggestion_lists_known_fields_and_no_fix_when_name_is_taken() {
    let f = one(&spec("  policyTypes: [Ingress]\n  foo: 1\n"));
    check(&f, "NF001", "unknown field `foo`", 9, 3, "/spec/foo");
    assert!(help(&f).contains("`podSelector`"), "{}", help(&f));
    assert_eq!(f.fix, None);
    let f = one(&spec("  ingress: []\n  ingres: []\n"));
    check(&f, "NF001", "unknown field `ingres`", 9, 3, "/spec/ingres");
    assert_eq!(f.fix, None, "renaming would duplicate `ingress`");
}

#[test]
fn nf001_typo_also_leaves_an_empty_peer() {
    let yaml = spec("  ingress:\n  - from:\n    - namespaceSelecter: {}\n");
    let f = find(&yaml, "NF001");
    check(&f, "NF001", "`namespaceSelecter`", 10, 7, "/spec/ingress/0/from/0/namespaceSelecter");
    let f = find(&yaml, "NF022");
    check(&f, "NF022", "peer has no", 10, 7, "/spec/ingress/0/from/0");
}

#[test]
fn nf001_passes_null_values_of_known_fields() {
    clean(&spec("  ingress: null\n  egress: ~\n"));
    clean(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, creationTimestamp: null}\nspec: {podSelector: {}}\n",
    );
}

/// The API server's strict decoding rejects an unknown key whatever its value, and `status`,
/// which NetworkPolicy lost in Kubernetes 1.27 (old `kubectl get` output has `status: {}`).
#[test]
fn nf001_flags_null_unknown_fields_and_status() {
    let f = one(&spec("  egres: null\n"));
    check(&f, "NF001", "`egres`", 8, 3, "/spec/egres");
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec: {podSelector: {}}\nstatus: {}\n",
    );
    check(&f, "NF001", "`status`", 5, 1, "/status");
}

/// A `null` label value or selector value is the empty string, as the API server decodes it:
/// `matchLabels: {app: }` selects `app=""`, and the server accepts it.
#[test]
fn null_string_values_read_as_empty_strings() {
    let yaml = spec(
        "  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {app: }\n        matchExpressions: [{key: tier, operator: In, values: [null, web]}]\n",
    );
    clean(&yaml);
    let set = load(&yaml);
    let selector = set.policies[0].object.spec.as_ref().unwrap().ingress.as_ref().unwrap()[0].from.as_ref().unwrap()[0]
        .pod_selector
        .clone()
        .unwrap();
    assert_eq!(selector.match_labels.unwrap().get("app").map(String::as_str), Some(""));
    assert_eq!(selector.match_expressions.unwrap()[0].values.as_deref(), Some(&["".to_owned(), "web".to_owned()][..]));
    // a wrong type is still reported
    let mut set = ResourceSet::default();
    set.add_text(&spec("  policyTypes: [Ingress, [x]]\n"), "test.yaml", &ParseOptions::default()).unwrap();
    assert_eq!(set.errors.len(), 1, "{:?}", set.errors);
}

// ---------------------------------------------------------------------------------------------
// NF002 removed-api-version, NF003 unknown-api-version

#[test]
fn nf002_extensions_v1beta1() {
    let f =
        one("apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec: {podSelector: {}}\n");
    check(&f, "NF002", "`extensions/v1beta1` NetworkPolicy was removed in Kubernetes 1.16", 1, 13, "/apiVersion");
    // the API server answers 404 for it (the apiserver differential, cli/tests/apiserver)
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.fix.as_deref(), Some("networking.k8s.io/v1"));
}

#[test]
fn nf003_unknown_api_version() {
    let f = one(
        "apiVersion: networking.k8s.io/v1beta1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF003", "apiVersion `networking.k8s.io/v1beta1` does not serve NetworkPolicy", 1, 13, "/apiVersion");
    assert_eq!(help(&f), "did you mean `networking.k8s.io/v1`?");
    assert_eq!(f.fix.as_deref(), Some("networking.k8s.io/v1"));
    clean("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec: {podSelector: {}}\n");
}

// ---------------------------------------------------------------------------------------------
// NF004 missing-name, NF005 invalid-name, NF006 invalid-namespace

#[test]
fn nf004_missing_name() {
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  namespace: shop\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF004", "no `metadata.name`", 4, 3, "/metadata");
    clean(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  generateName: web-\nspec: {podSelector: {}}\n",
    );
}

#[test]
fn nf005_invalid_name() {
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: Allow_Web\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF005", "name `Allow_Web` must consist of lowercase letters", 4, 9, "/metadata/name");
    assert_eq!(help(&f), "did you mean `allow-web`?");
    assert_eq!(f.fix.as_deref(), Some("allow-web"));
    let long = "a".repeat(254);
    let f = one(&format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {long}}}\nspec: {{podSelector: {{}}}}\n"
    ));
    check(&f, "NF005", "no more than 253 characters", 3, 18, "/metadata/name");
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {generateName: Web_}\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF005", "generateName `Web_`", 3, 26, "/metadata/generateName");
    clean(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a.b-c.9}\nspec: {podSelector: {}}\n",
    );
}

#[test]
fn nf006_invalid_namespace() {
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: Shop.Prod\nspec: {podSelector: {}}\n",
    );
    check(
        &f,
        "NF006",
        "namespace `Shop.Prod` must consist of lowercase letters, digits and `-`",
        5,
        14,
        "/metadata/namespace",
    );
    assert_eq!(f.fix.as_deref(), Some("shop-prod"));
    clean(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop-prod}\nspec: {podSelector: {}}\n",
    );
}

// ---------------------------------------------------------------------------------------------
// NF007 invalid-label-key, NF008 invalid-label-value, NF009 invalid-annotation-key,
// NF010 annotations-too-large

#[test]
fn nf007_invalid_label_key() {
    let meta = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  labels:\n    a/b/c: x\nspec: {podSelector: {}}\n";
    let f = one(meta);
    check(&f, "NF007", "label key `a/b/c` may contain at most one `/`", 6, 5, "/metadata/labels/a~1b~1c");
    let f = one(&spec("  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {Example.com/app: web}\n"));
    check(
        &f,
        "NF007",
        "prefix that is not a DNS subdomain",
        11,
        23,
        "/spec/ingress/0/from/0/podSelector/matchLabels/Example.com~1app",
    );
    let f = one(&spec(
        "  egress:\n  - to:\n    - namespaceSelector:\n        matchExpressions: [{key: -team, operator: Exists}]\n",
    ));
    check(&f, "NF007", "label key `-team`", 11, 34, "/spec/egress/0/to/0/namespaceSelector/matchExpressions/0/key");
    clean(&spec("  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {example.com/app_1.x: web, A: b}\n"));
}

#[test]
fn nf008_invalid_label_value() {
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  labels: {app: \"web \"}\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF008", "label value `web `", 5, 17, "/metadata/labels/app");
    assert_eq!(f.fix.as_deref(), Some("web"));
    let f = one(&spec(
        "  ingress:\n  - from:\n    - podSelector:\n        matchExpressions: [{key: app, operator: In, values: [ok, \"no way\"]}]\n",
    ));
    check(
        &f,
        "NF008",
        "label value `no way`",
        11,
        66,
        "/spec/ingress/0/from/0/podSelector/matchExpressions/0/values/1",
    );
    let long = "v".repeat(64);
    let f = one(&format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: web}}\nspec:\n  podSelector:\n    matchLabels:\n      app: {long}\n"
    ));
    check(&f, "NF008", "no more than 63 characters", 7, 12, "/spec/podSelector/matchLabels/app");
    clean(&spec("  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: \"\", v: 1.2_x-Y}}\n"));
}

#[test]
fn nf009_invalid_annotation_key() {
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  annotations:\n    owner team: web\nspec: {podSelector: {}}\n",
    );
    check(&f, "NF009", "annotation key `owner team`", 6, 5, "/metadata/annotations/owner team");
    clean(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  annotations: {Example.COM/Owner: \"any value: at all\"}\nspec: {podSelector: {}}\n",
    );
}

#[test]
fn nf010_annotations_too_large() {
    let big = "x".repeat(300 * 1024);
    let f = one(&format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  annotations:\n    note: {big}\nspec: {{podSelector: {{}}}}\n"
    ));
    check(&f, "NF010", "more than the limit of 262144", 6, 5, "/metadata/annotations");
    let fits = "x".repeat(200 * 1024);
    clean(&format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  annotations:\n    note: {fits}\nspec: {{podSelector: {{}}}}\n"
    ));
}

// ---------------------------------------------------------------------------------------------
// NF011 invalid-selector-operator, NF012 missing-selector-values, NF013 forbidden-selector-values

#[test]
fn nf011_invalid_selector_operator() {
    let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec:\n  podSelector:\n    matchExpressions:\n    - key: app\n      operator: in\n      values: [web]\n";
    let f = one(yaml);
    check(
        &f,
        "NF011",
        "selector operator `in` is not supported",
        8,
        17,
        "/spec/podSelector/matchExpressions/0/operator",
    );
    assert_eq!(help(&f), "did you mean `In`?");
    assert_eq!(f.fix.as_deref(), Some("In"));
    let f =
        one(&spec("  ingress:\n  - from:\n    - podSelector: {matchExpressions: [{key: app, operator: NotExists}]}\n"));
    check(&f, "NF011", "`NotExists`", 10, 61, "/spec/ingress/0/from/0/podSelector/matchExpressions/0/operator");
    assert_eq!(f.fix.as_deref(), Some("DoesNotExist"));
    let f = one(&spec("  ingress:\n  - from:\n    - podSelector: {matchExpressions: [{key: app, operator: Like}]}\n"));
    assert_eq!((f.id.as_str(), f.fix.as_deref()), ("NF011", None));
}

#[test]
fn nf012_missing_selector_values() {
    let f = one(&spec(
        "  ingress:\n  - from:\n    - podSelector: {matchExpressions: [{key: app, operator: In, values: []}]}\n",
    ));
    check(
        &f,
        "NF012",
        "`In` expression on `app` has no values",
        10,
        73,
        "/spec/ingress/0/from/0/podSelector/matchExpressions/0/values",
    );
    let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec:\n  podSelector:\n    matchExpressions:\n    - key: app\n      operator: NotIn\n";
    let f = one(yaml);
    check(&f, "NF012", "`NotIn` expression on `app` has no values", 7, 7, "/spec/podSelector/matchExpressions/0");
    clean(&spec(
        "  ingress:\n  - from:\n    - podSelector: {matchExpressions: [{key: app, operator: NotIn, values: [a]}]}\n",
    ));
}

#[test]
fn nf013_forbidden_selector_values() {
    let f = one(&spec(
        "  egress:\n  - to:\n    - namespaceSelector: {matchExpressions: [{key: team, operator: Exists, values: [a]}]}\n",
    ));
    check(
        &f,
        "NF013",
        "`Exists` expression on `team` has values",
        10,
        84,
        "/spec/egress/0/to/0/namespaceSelector/matchExpressions/0/values",
    );
    clean(&spec(
        "  egress:\n  - to:\n    - namespaceSelector: {matchExpressions: [{key: team, operator: DoesNotExist, values: []}]}\n",
    ));
}

// ---------------------------------------------------------------------------------------------
// NF014 missing-pod-selector, NF015 invalid-policy-type, NF016 too-many-policy-types

#[test]
fn nf014_missing_pod_selector() {
    let f = one(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  policyTypes: [Ingress]\n",
    );
    check(&f, "NF014", "no `spec.podSelector`", 5, 3, "/spec");
    assert_eq!(f.severity, Severity::Warning);
    let f = one("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\n");
    check(&f, "NF014", "no `spec`", 1, 1, "");
    clean("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web}\nspec:\n  podSelector: {}\n");
}

#[test]
fn nf015_invalid_policy_type() {
    let f = one(&spec("  policyTypes: [Ingress, egress]\n"));
    check(&f, "NF015", "policy type `egress` is not supported", 8, 26, "/spec/policyTypes/1");
    assert_eq!(help(&f), "did you mean `Egress`?");
    assert_eq!(f.fix.as_deref(), Some("Egress"));
    let f = one(&spec("  policyTypes:\n  - Both\n"));
    check(&f, "NF015", "`Both`", 9, 5, "/spec/policyTypes/0");
    assert_eq!(f.fix, None);
    clean(&spec("  policyTypes: [Egress]\n"));
}

#[test]
fn nf016_too_many_policy_types() {
    let f = one(&spec("  policyTypes: [Ingress, Egress, ingress]\n"));
    check(&f, "NF016", "`policyTypes` has 3 entries", 8, 16, "/spec/policyTypes");
    assert_eq!(f.fix.as_deref(), Some("[Ingress, Egress]"));
    // Duplicates within the limit are accepted by the server.
    clean(&spec("  policyTypes: [Ingress, Ingress]\n"));
}

// ---------------------------------------------------------------------------------------------
// NF017 invalid-protocol, NF018 invalid-port-number, NF019 invalid-port-name,
// NF020 end-port-without-numeric-port, NF021 end-port-below-port

#[test]
fn nf017_invalid_protocol() {
    let f = one(&spec("  ingress:\n  - ports:\n    - protocol: tcp\n      port: 80\n"));
    check(&f, "NF017", "protocol `tcp` is not supported", 10, 17, "/spec/ingress/0/ports/0/protocol");
    assert_eq!(help(&f), "did you mean `TCP`?");
    assert_eq!(f.fix.as_deref(), Some("TCP"));
    let f = one(&spec("  egress:\n  - ports:\n    - {port: 53}\n    - {protocol: ICMP}\n"));
    check(&f, "NF017", "`ICMP`", 11, 18, "/spec/egress/0/ports/1/protocol");
    assert_eq!(f.fix, None);
    clean(&spec("  egress:\n  - ports: [{protocol: TCP}, {protocol: UDP}, {protocol: SCTP}]\n"));
}

#[test]
fn nf018_invalid_port_number() {
    let f = one(&spec("  ingress:\n  - ports:\n    - port: 0\n"));
    check(&f, "NF018", "port `0` is not between 1 and 65535", 10, 13, "/spec/ingress/0/ports/0/port");
    let f = one(&spec("  ingress:\n  - ports:\n    - {port: 80, endPort: 70000}\n"));
    check(&f, "NF018", "end port `70000`", 10, 27, "/spec/ingress/0/ports/0/endPort");
    clean(&spec("  ingress:\n  - ports: [{port: 1}, {port: 65535}, {port: 1, endPort: 65535}]\n"));
}

#[test]
fn nf019_invalid_port_name() {
    let f = one(&spec("  ingress:\n  - ports:\n    - port: HTTP\n"));
    check(&f, "NF019", "port name `HTTP` must consist of lowercase letters", 10, 13, "/spec/ingress/0/ports/0/port");
    assert_eq!(f.fix.as_deref(), Some("http"));
    let f = one(&spec("  ingress:\n  - ports:\n    - port: \"8080\"\n"));
    check(&f, "NF019", "must contain at least one letter", 10, 13, "/spec/ingress/0/ports/0/port");
    assert_eq!(f.fix.as_deref(), Some("8080"));
    let f = one(&spec("  ingress:\n  - ports:\n    - port: metrics-port-extra\n"));
    check(&f, "NF019", "no more than 15 characters", 10, 13, "/spec/ingress/0/ports/0/port");
    assert_eq!(f.fix, None);
    clean(&spec("  ingress:\n  - ports: [{port: http}, {port: grpc-web}, {port: h2c}]\n"));
}

#[test]
fn nf020_end_port_without_numeric_port() {
    let f = one(&spec("  ingress:\n  - ports:\n    - {port: http, endPort: 90}\n"));
    check(&f, "NF020", "end port `90` follows the named port `http`", 10, 29, "/spec/ingress/0/ports/0/endPort");
    let f = one(&spec("  ingress:\n  - ports:\n    - protocol: UDP\n      endPort: 90\n"));
    check(&f, "NF020", "end port `90` has no `port`", 11, 16, "/spec/ingress/0/ports/0/endPort");
    clean(&spec("  ingress:\n  - ports: [{port: 80, endPort: 90}]\n"));
}

#[test]
fn nf021_end_port_below_port() {
    let f = one(&spec("  egress:\n  - ports:\n    - port: 9000\n      endPort: 8000\n"));
    check(&f, "NF021", "end port `8000` is below port `9000`", 11, 16, "/spec/egress/0/ports/0/endPort");
    assert!(help(&f).contains("did you mean `port: 8000` and `endPort: 9000`?"));
    clean(&spec("  egress:\n  - ports: [{port: 9000, endPort: 9000}]\n"));
}

// ---------------------------------------------------------------------------------------------
// NF022 empty-peer, NF023 ip-block-with-selector

#[test]
fn nf022_empty_peer() {
    let f = one(&spec("  ingress:\n  - from:\n    - {}\n"));
    check(&f, "NF022", "peer has no `podSelector`, `namespaceSelector` or `ipBlock`", 10, 7, "/spec/ingress/0/from/0");
    assert!(help(&f).contains("leave `from` out"));
    let f = one(&spec("  egress:\n  - to:\n    - podSelector: {}\n    - podSelector: null\n"));
    check(&f, "NF022", "peer has no", 11, 7, "/spec/egress/0/to/1");
    clean(&spec("  ingress:\n  - {}\n  egress:\n  - to: [{namespaceSelector: {}}]\n"));
}

#[test]
fn nf023_ip_block_with_selector() {
    let yaml = spec("  egress:\n  - to:\n    - podSelector: {}\n      ipBlock:\n        cidr: 10.0.0.0/8\n");
    let f = one(&yaml);
    check(&f, "NF023", "peer combines `ipBlock` with `podSelector`", 11, 7, "/spec/egress/0/to/0/ipBlock");
    assert_eq!(f.related.len(), 1);
    assert_eq!(
        (f.related[0].line, f.related[0].column, f.related[0].pointer.as_str()),
        (10, 7, "/spec/egress/0/to/0/podSelector")
    );
    let f =
        one(&spec("  egress:\n  - to:\n    - {namespaceSelector: {}, podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}\n"));
    check(&f, "NF023", "with `podSelector` and `namespaceSelector`", 10, 48, "/spec/egress/0/to/0/ipBlock");
    clean(&spec("  egress:\n  - to:\n    - podSelector: {}\n    - ipBlock: {cidr: 10.0.0.0/8}\n"));
}

// ---------------------------------------------------------------------------------------------
// NF024 missing-cidr, NF025 invalid-cidr, NF026 except-outside-cidr, NF027 cidr-host-bits-set,
// NF028 non-standard-cidr

#[test]
fn nf024_missing_cidr() {
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock:\n        cidr: \"\"\n"));
    check(&f, "NF024", "`ipBlock` has an empty `cidr`", 11, 15, "/spec/ingress/0/from/0/ipBlock/cidr");
    clean(&spec("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 192.168.0.0/16\n"));
}

#[test]
fn nf025_invalid_cidr() {
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.1\n"));
    check(&f, "NF025", "`10.0.0.1` is not a valid CIDR", 11, 15, "/spec/ingress/0/from/0/ipBlock/cidr");
    assert_eq!(help(&f), "did you mean `10.0.0.1/32`?");
    assert_eq!(f.fix.as_deref(), Some("10.0.0.1/32"));
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.300.0.0/16]}\n"));
    check(&f, "NF025", "`10.300.0.0/16`", 10, 44, "/spec/ingress/0/from/0/ipBlock/except/0");
    assert_eq!(f.fix, None);
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: \"fd00::/129\"}\n"));
    check(&f, "NF025", "`fd00::/129`", 10, 23, "/spec/ingress/0/from/0/ipBlock/cidr");
    clean(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: \"::/0\"}\n    - ipBlock: {cidr: 0.0.0.0/0}\n"));
}

#[test]
fn nf025_whole_message() {
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: nope}\n"));
    assert_eq!(f.message, "`nope` is not a valid CIDR");
    assert_eq!(help(&f), "write an address, `/` and a prefix length, e.g. `10.0.0.0/8` or `2001:db8::/32`");
}

#[test]
fn nf026_except_outside_cidr() {
    let f = one(&spec(
        "  ingress:\n  - from:\n    - ipBlock:\n        cidr: 10.0.0.0/16\n        except:\n        - 10.0.1.0/24\n        - 10.1.0.0/24\n",
    ));
    check(
        &f,
        "NF026",
        "except `10.1.0.0/24` is not inside cidr `10.0.0.0/16`",
        14,
        11,
        "/spec/ingress/0/from/0/ipBlock/except/1",
    );
    assert_eq!((f.related[0].line, f.related[0].column), (11, 15));
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}\n"));
    check(&f, "NF026", "is the whole of cidr", 10, 45, "/spec/ingress/0/from/0/ipBlock/except/0");
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/16, except: [\"fd00::/64\"]}\n"));
    check(
        &f,
        "NF026",
        "except `fd00::/64` is IPv6 but cidr `10.0.0.0/16` is IPv4",
        10,
        45,
        "/spec/ingress/0/from/0/ipBlock/except/0",
    );
    let f = one(&spec("  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/8]}\n"));
    check(&f, "NF026", "not inside", 10, 45, "/spec/ingress/0/from/0/ipBlock/except/0");
    clean(&spec(
        "  ingress:\n  - from:\n    - ipBlock: {cidr: \"2001:db8::/32\", except: [\"2001:db8::/33\", \"2001:db8:ffff::1/128\"]}\n",
    ));
}

#[test]
fn nf027_cidr_host_bits_set() {
    let f = one(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: 192.168.1.10/24}\n"));
    check(
        &f,
        "NF027",
        "`192.168.1.10/24` has bits set after the prefix length; it means `192.168.1.0/24`",
        10,
        23,
        "/spec/egress/0/to/0/ipBlock/cidr",
    );
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(help(&f), "did you mean `192.168.1.0/24` (the network) or `192.168.1.10/32` (one address)?");
    assert_eq!(f.fix.as_deref(), Some("192.168.1.0/24"));
    // The server accepts it and compares the masked network: this except is inside.
    let f = one(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.0.0.7/24]}\n"));
    check(&f, "NF027", "it means `10.0.0.0/24`", 10, 44, "/spec/egress/0/to/0/ipBlock/except/0");
    clean(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: 192.168.1.10/32}\n"));
}

#[test]
fn nf028_non_standard_cidr() {
    let f = one(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: 010.0.0.0/8}\n"));
    check(
        &f,
        "NF028",
        "non-standard CIDR `010.0.0.0/8` will be considered invalid",
        10,
        23,
        "/spec/egress/0/to/0/ipBlock/cidr",
    );
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.fix.as_deref(), Some("10.0.0.0/8"));
    let f = one(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: \"2001:DB8:0:0::/64\"}\n"));
    check(&f, "NF028", "is not in RFC 5952 canonical form", 10, 23, "/spec/egress/0/to/0/ipBlock/cidr");
    assert_eq!(f.fix.as_deref(), Some("2001:db8::/64"));
    let f = one(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: \"::ffff:10.0.0.0/104\"}\n"));
    assert_eq!((f.id.as_str(), f.fix.as_deref()), ("NF028", Some("10.0.0.0/8")));
    clean(&spec("  egress:\n  - to:\n    - ipBlock: {cidr: \"2001:db8::/64\"}\n"));
}

// ---------------------------------------------------------------------------------------------
// Whole-policy behaviour

#[test]
fn findings_come_in_document_order_and_name_the_resource() {
    let yaml = "apiVersion: extensions/v1beta1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [ingress]\n  ingress:\n  - ports: [{protocol: udp, port: 0}]\n";
    let all = findings(yaml);
    let got: Vec<(&str, u32)> = all.iter().map(|f| (f.id.as_str(), f.location.as_ref().unwrap().line)).collect();
    assert_eq!(got, [("NF002", 1), ("NF015", 6), ("NF017", 8), ("NF018", 8)]);
    assert!(all.iter().all(|f| f.resource.as_deref() == Some("NetworkPolicy shop/web")));
}

#[test]
fn list_items_are_located_inside_the_list() {
    let yaml = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: a}\n  spec: {podSelector: {}}\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: b}\n  spec:\n    podSelector: {}\n    policyTypes: [Ingres]\n";
    let set = load(yaml);
    let all = validate_resources(&set);
    assert_eq!(all.len(), 1, "{all:#?}");
    check(&all[0], "NF015", "`Ingres`", 13, 19, "/spec/policyTypes/0");
    assert_eq!(all[0].resource.as_deref(), Some("NetworkPolicy default/b"));
    assert_eq!(all[0].fix.as_deref(), Some("Ingress"));
}

#[test]
fn every_finding_of_every_rule_is_well_formed() {
    for rule in RULES {
        assert!(rule.id.starts_with("NF0"), "{}", rule.id);
        let expected = if matches!(rule.name, "missing-pod-selector" | "cidr-host-bits-set" | "non-standard-cidr") {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(rule.severity, expected, "{}", rule.name);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixture corpus: for every rule `<ID>/flag.yaml` (flagged) and `<ID>/clean.yaml` (the same
// manifest fixed), and valid manifests in `valid/`

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

/// The files of a rule's fixture folder whose name starts with `flag`, in name order.
fn flag_fixtures(id: &str) -> Vec<std::path::PathBuf> {
    let dir = fixtures().join(id);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut flags: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("flag")))
        .collect();
    flags.sort();
    flags
}

#[test]
fn every_rule_has_a_failing_fixture() {
    for rule in RULES {
        let flags = flag_fixtures(rule.id);
        assert!(!flags.is_empty(), "{}: no flag*.yaml fixture", rule.id);
        for path in flags {
            let text = std::fs::read_to_string(&path).unwrap();
            let got = ids(&text);
            assert!(got.iter().any(|id| id == rule.id), "{}: got {got:?}", path.display());
            assert!(got.iter().all(|id| id == rule.id), "{}: flags other rules too: {got:?}", path.display());
        }
    }
}

#[test]
fn every_rule_has_a_clean_fixture() {
    for rule in RULES {
        let path = fixtures().join(rule.id).join("clean.yaml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let all = findings(&text);
        assert!(all.iter().all(|f| f.id != rule.id), "{}: still flagged: {all:#?}", path.display());
        assert!(all.is_empty(), "{}: {all:#?}", path.display());
    }
}

#[test]
fn valid_fixtures_have_no_findings() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixtures().join("valid")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let set = load(&text);
        assert!(!set.policies.is_empty(), "{}", path.display());
        let all = validate_resources(&set);
        assert!(all.is_empty(), "{}: {all:#?}", path.display());
        count += 1;
    }
    assert!(count > 0);
}

/// Every entry of the fixture folder is `valid/` or the folder of a rule, holding only
/// `flag*.yaml` and `clean.yaml`.
#[test]
fn no_orphan_fixtures() {
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "valid" && path.is_dir() {
            continue;
        }
        assert!(path.is_dir() && RULES.iter().any(|r| r.id == name), "orphan fixture {name}");
        for file in std::fs::read_dir(&path).unwrap() {
            let file = file.unwrap().file_name().to_string_lossy().into_owned();
            let known = file == "clean.yaml" || (file.starts_with("flag") && file.ends_with(".yaml"));
            assert!(known, "orphan fixture {name}/{file}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Documentation: the sections of every rule, and its example

const SECTIONS: [&str; 4] = ["## What it flags", "## Why it matters", "## Example", "## How to fix"];

/// The text of section `heading` of `docs`, up to the next section.
fn section<'a>(docs: &'a str, heading: &str) -> &'a str {
    let start = docs.find(heading).unwrap_or_else(|| panic!("no `{heading}`")) + heading.len();
    let rest = &docs[start..];
    rest.find("\n## ").map_or(rest, |end| &rest[..end])
}

#[test]
fn every_rule_is_documented_in_the_four_sections() {
    let documented: Vec<&str> = RULE_DOCS.iter().map(|(id, _)| *id).collect();
    let registered: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(documented, registered, "RULE_DOCS and RULES differ");
    for (id, docs) in RULE_DOCS {
        let mut in_code = false;
        let headings: Vec<&str> = docs
            .lines()
            .filter(|l| {
                in_code ^= l.starts_with("```");
                !in_code && l.starts_with('#')
            })
            .collect();
        assert_eq!(headings, SECTIONS, "{id}: sections missing, out of order or extra");
        for heading in SECTIONS {
            let text = section(docs, heading);
            assert!(text.split_whitespace().count() >= 3, "{id}: `{heading}` is (nearly) empty");
        }
        assert!(section(docs, "## Example").contains("```yaml\n"), "{id}: the example has no yaml block");
        assert_eq!(docs.matches("```").count() % 2, 0, "{id}: a code block is not closed");
    }
}

/// The example of a rule's docs is a whole manifest that the rule flags, and only that rule.
/// (`NF010`'s example stands for 256 KiB of annotations it cannot show.)
#[test]
fn every_rule_example_is_flagged_by_its_rule() {
    for (id, docs) in RULE_DOCS.iter().filter(|(id, _)| *id != "NF010") {
        let example = section(docs, "## Example");
        let start = example.find("```yaml\n").unwrap_or_else(|| panic!("{id}: no yaml block")) + "```yaml\n".len();
        let end = example[start..].find("```").unwrap_or_else(|| panic!("{id}: unclosed yaml block"));
        let got = ids(&example[start..start + end]);
        assert!(!got.is_empty() && got.iter().all(|g| g == id), "{id}: the example gives {got:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// No panics on hostile values

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn never_panics_on_odd_values(
        name in "\\PC{0,20}",
        key in "\\PC{0,20}",
        value in "\\PC{0,20}",
        op in "\\PC{0,12}",
        protocol in "\\PC{0,6}",
        port in prop_oneof![any::<i32>().prop_map(|n| n.to_string()), "\\PC{0,20}".prop_map(|s| format!("{s:?}"))],
        end in any::<i32>(),
        cidr in "[0-9a-fA-F:./%]{0,24}",
        except in "[0-9a-fA-F:./]{0,24}",
    ) {
        let yaml = format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name:?}, labels: {{{key:?}: {value:?}}}}}\nspec:\n  podSelector: {{matchExpressions: [{{key: {key:?}, operator: {op:?}, values: [{value:?}]}}]}}\n  policyTypes: [{op:?}]\n  ingress:\n  - from: [{{ipBlock: {{cidr: {cidr:?}, except: [{except:?}]}}}}, {{}}]\n    ports: [{{protocol: {protocol:?}, port: {port}, endPort: {end}}}]\n"
        );
        let mut set = ResourceSet::default();
        if set.add_text(&yaml, "fuzz.yaml", &ParseOptions::default()).is_ok() {
            for f in validate_resources(&set) {
                prop_assert!(f.id.starts_with("NF0"));
                prop_assert!(f.location.is_some());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cluster-scoped policies (the fixtures hold one case each; these are the others)

#[test]
fn cluster_scoped_policies_are_validated_as_their_crds() {
    let anp = |spec: &str| {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {{name: a}}\nspec:\n{spec}"
        )
    };
    let banp = |spec: &str| {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {{name: default}}\nspec:\n{spec}"
        )
    };
    let cnp = |spec: &str| {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {{name: c}}\nspec:\n{spec}"
        )
    };
    let cases: Vec<(String, Vec<&str>)> = vec![
        // no priority
        (cnp("  tier: Admin\n  subject: {namespaces: {}}\n"), vec!["NF029"]),
        // the baseline has no Pass
        (banp("  subject: {namespaces: {}}\n  ingress: [{action: Pass, from: [{namespaces: {}}]}]\n"), vec!["NF032"]),
        // v1alpha1 port 0, and a named port towards networks
        (
            anp(
                "  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {protocol: TCP, port: 0}}]}]\n",
            ),
            vec!["NF035"],
        ),
        (
            cnp(
                "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], protocols: [{destinationNamedPort: http}]}]\n",
            ),
            vec!["NF035"],
        ),
        // a v1alpha2 range of one port, an egress peer in ingress, a subject with both fields
        (
            cnp(
                "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]}]\n",
            ),
            vec!["NF035"],
        ),
        (
            cnp(
                "  tier: Admin\n  priority: 1\n  subject: {namespaces: {}}\n  ingress: [{action: Deny, from: [{nodes: {}}]}]\n",
            ),
            vec!["NF033"],
        ),
        (
            anp("  priority: 1\n  subject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}\n"),
            vec!["NF033"],
        ),
        // valid ones of each kind
        (
            anp(
                "  priority: 0\n  subject: {pods: {namespaceSelector: {}, podSelector: {}}}\n  egress: [{action: Pass, to: [{nodes: {}}, {domainNames: [example.com]}]}]\n",
            ),
            vec![],
        ),
        (
            banp(
                "  subject: {namespaces: {}}\n  egress: [{action: Allow, to: [{networks: ['::/0']}], ports: [{namedPort: http}, {portRange: {start: 1, end: 1}}]}]\n",
            ),
            vec!["NF035"],
        ),
        (
            cnp(
                "  tier: Baseline\n  priority: 1000\n  subject: {pods: {podSelector: {}}}\n  ingress: [{action: Accept, from: [{pods: {podSelector: {}}}], protocols: [{sctp: {}}]}]\n",
            ),
            vec!["NF035"],
        ),
        (
            cnp(
                "  tier: Baseline\n  priority: 1000\n  subject: {pods: {podSelector: {}}}\n  ingress: [{action: Accept, from: [{pods: {podSelector: {}}}], protocols: [{sctp: {destinationPort: {number: 9}}}]}]\n",
            ),
            vec![],
        ),
    ];
    for (yaml, expected) in cases {
        let got = ids(&yaml);
        assert_eq!(got, expected, "{yaml}");
    }
}
