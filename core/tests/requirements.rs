//! The `check` operation: requirement files, their errors, and results against the online-shop
//! example.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use netfence::api::{self, CheckRequest, CheckResponse, Source};
use netfence::report::requirements as render;
use netfence::requirements::{Expectation, parse_requirements};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn source(relative: &str) -> Source {
    Source::named(relative, fs::read_to_string(root().join(relative)).unwrap())
}

/// The online shop's manifests, with its generated policies when `policies` is set.
fn shop(policies: bool) -> Vec<Source> {
    let mut names: Vec<String> = fs::read_dir(root().join("examples/online-shop/manifests"))
        .unwrap()
        .map(|e| format!("examples/online-shop/manifests/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    names.sort();
    if policies {
        names.push("examples/online-shop/policies/generated.yaml".to_owned());
    }
    names.iter().map(|n| source(n)).collect()
}

fn check(sources: Vec<Source>, requirements: Source) -> CheckResponse {
    let response = api::check(&CheckRequest::new(sources, requirements)).unwrap();
    assert!(response.errors.is_empty(), "{:?}", response.errors);
    response
}

#[test]
fn online_shop_meets_its_requirements() {
    let response = check(shop(true), source("examples/online-shop/requirements.yaml"));
    let failed: Vec<&str> = response.results.iter().filter(|r| !r.passed).map(|r| r.message.as_str()).collect();
    assert!(response.passed, "{failed:?}");
    assert_eq!(response.results.len(), 9);
    let postgres = response.results.iter().find(|r| r.name == "api and payments reach postgres").unwrap();
    assert_eq!(postgres.sources, ["payments/payments[Deployment]", "shop/api[Deployment]"]);
    assert_eq!(postgres.pairs, 2);
    let outside = response.results.iter().find(|r| r.name == "nothing outside the cluster reaches postgres").unwrap();
    assert_eq!(outside.expect, Expectation::Deny);
    assert!(outside.sources.iter().all(|s| !s.contains('/')), "{:?}", outside.sources);
    assert_eq!(outside.location.line, 47);
    insta::assert_snapshot!("online_shop_text", render::text(&response.results));
}

#[test]
fn without_policies_the_deny_requirements_fail() {
    let response = check(shop(false), source("examples/online-shop/requirements.yaml"));
    assert!(!response.passed);
    for result in &response.results {
        assert_eq!(result.passed, result.expect == Expectation::Allow, "{}: {}", result.name, result.message);
    }
    let postgres = response.results.iter().find(|r| r.name == "frontend never reaches postgres").unwrap();
    let example = postgres.counterexample.as_ref().unwrap();
    assert_eq!(
        (example.src.as_str(), example.dst.as_str()),
        ("shop/frontend[Deployment]", "data/postgres[StatefulSet]")
    );
    let explanation = example.explanation.as_ref().unwrap();
    assert!(explanation.ranges.iter().all(|r| r.allowed));
    assert!(!explanation.ingress.isolated);
}

#[test]
fn failures_say_why() {
    let response = check(shop(true), source("core/tests/fixtures/requirements/failing.yaml"));
    assert!(!response.passed);
    assert!(response.results.iter().all(|r| !r.passed));
    let by_name = |name: &str| response.results.iter().find(|r| r.name == name).unwrap();

    let allow = by_name("frontend reaches postgres directly");
    let example = allow.counterexample.as_ref().unwrap();
    assert_eq!(example.ports.tcp, vec![[5432, 5432]]);
    let why = example.explanation.as_ref().unwrap();
    assert_eq!(why.ranges.len(), 1);
    assert!(!why.ranges[0].allowed);

    let deny = by_name("api is closed to the frontend");
    assert_eq!(deny.counterexample.as_ref().unwrap().ports.tcp, vec![[8080, 8080]]);

    let nothing = by_name("a selector that matches nothing");
    assert!(nothing.message.contains("matches no workload or pod in namespace `shop`"), "{}", nothing.message);
    assert_eq!(nothing.location.pointer, "/requirements/2/from");
    assert_eq!(nothing.location.line, 17);

    let typo = by_name("a workload that does not exist");
    assert!(typo.message.contains("unknown endpoint `shop/frontnd`"), "{}", typo.message);
    assert!(typo.help.as_deref().unwrap().starts_with("did you mean"), "{:?}", typo.help);

    let port = by_name("a named port the destination lacks");
    assert!(port.message.contains("no TCP port named `grpc`"), "{}", port.message);
    assert_eq!(port.location.pointer, "/requirements/4/ports/0");

    insta::assert_snapshot!("failing_text", render::text(&response.results));
    insta::assert_json_snapshot!("failing_json", response.results);
}

#[test]
fn invalid_files_are_located_errors() {
    let head = "apiVersion: netfence.dev/v1alpha1\nkind: Requirements\nrequirements:\n";
    let cases = [
        ("wrong kind", "apiVersion: netfence.dev/v1alpha1\nkind: Intent\nrequirements: []\n".to_owned()),
        ("no apiVersion", "kind: Requirements\nrequirements: []\n".to_owned()),
        ("unknown field", format!("{head}  - name: a\n    from: a/b\n    to: c/d\n    expect: allow\n    port: 80\n")),
        ("bad expect", format!("{head}  - name: a\n    from: a/b\n    to: c/d\n    expect: maybe\n")),
        ("bad peer", format!("{head}  - name: a\n    from: [a/b]\n    to: c/d\n    expect: deny\n")),
        (
            "bad selector field",
            format!(
                "{head}  - name: a\n    from: {{namespace: shop, podSelector: {{matchLabels: {{app: [web]}}}}}}\n    to: c/d\n    expect: deny\n"
            ),
        ),
        (
            "both namespace forms",
            format!(
                "{head}  - name: a\n    from: {{namespace: a, namespaceSelector: {{}}}}\n    to: c/d\n    expect: deny\n"
            ),
        ),
        (
            "no namespace",
            format!("{head}  - name: a\n    from: {{podSelector: {{}}}}\n    to: c/d\n    expect: deny\n"),
        ),
        (
            "duplicate names",
            format!(
                "{head}  - {{name: a, from: a/b, to: c/d, expect: deny}}\n  - {{name: a, from: a/b, to: c/d, expect: allow}}\n"
            ),
        ),
        (
            "port out of range",
            format!("{head}  - {{name: a, from: a/b, to: c/d, expect: deny, ports: [{{port: 70000}}]}}\n"),
        ),
        (
            "endPort without port",
            format!("{head}  - {{name: a, from: a/b, to: c/d, expect: deny, ports: [{{endPort: 90}}]}}\n"),
        ),
        ("two documents", format!("{head}  []\n---\n{head}  []\n")),
    ];
    let mut rendered = String::new();
    for (what, text) in cases {
        let error = parse_requirements(&text, "req.yaml").map(|_| ()).expect_err(what);
        let location = error.location.as_ref().expect(what);
        assert_eq!(location.file, "req.yaml");
        assert!(location.line > 0, "{what}");
        assert!(!error.message.contains("RequirementPeer"), "{what}: {}", error.message);
        rendered.push_str(&format!(
            "{what}: {} [{}] at {location} {}\n  help: {}\n",
            error.message,
            error.code,
            location.pointer,
            error.help.as_deref().unwrap_or("-")
        ));
    }
    insta::assert_snapshot!("invalid_files", rendered);
}

#[test]
fn check_through_call_json_and_schema() {
    let request = serde_json::json!({
        "sources": shop(true),
        "requirements": source("examples/online-shop/requirements.yaml"),
    });
    let response: serde_json::Value =
        serde_json::from_str(&api::call_json("check", &request.to_string()).unwrap()).unwrap();
    assert_eq!(response["passed"], true);
    assert_eq!(response["results"][0]["location"]["line"], 7);
    assert!(api::OPERATIONS.contains(&"check"));
    let schema = api::schema(&api::SchemaRequest { name: "requirements".to_owned() }).unwrap();
    assert!(schema.to_string().contains("namespaceSelector"));
    let bad = api::check(&CheckRequest::new(shop(true), Source::text("kind: Requirements"))).unwrap_err();
    assert!(bad.message.contains("apiVersion"), "{}", bad.message);
}
