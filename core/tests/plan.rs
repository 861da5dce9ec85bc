//! Deploy plans: step order (allowances, isolation, deletions of isolation, deletions of
//! allowances), the rollback, manifests without server-set fields, and the JSON API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use netfence::api::{self, PlanRequest, Source};
use netfence::plan::{PolicyChange, PolicyRole, StepAction};

fn policy(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\nspec: {spec}\n---\n"
    )
}

const ALLOW_80: &str = "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80}]}]}";
const ALLOW_443: &str = "{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 443}]}]}";
const DENY_IN: &str = "{podSelector: {}, policyTypes: [Ingress]}";
const DENY_OUT: &str = "{podSelector: {}, policyTypes: [Egress]}";

fn plan(base: &str, head: &str) -> api::PlanResponse {
    api::plan(&PlanRequest::new(vec![Source::named("base.yaml", base)], vec![Source::named("head.yaml", head)]))
        .unwrap()
}

#[test]
fn allowances_first_isolation_next_deletions_of_allowances_last() {
    let base = [policy("old-allow", ALLOW_80), policy("changed", ALLOW_80), policy("old-deny", DENY_OUT)].concat();
    let head = [policy("changed", ALLOW_443), policy("new-deny", DENY_IN), policy("new-allow", ALLOW_80)].concat();
    let response = plan(&base, &head);
    let steps: Vec<(&str, StepAction, Vec<&str>)> = response
        .steps
        .iter()
        .map(|s| (s.kind.as_str(), s.action, s.policies.iter().map(|p| p.name.as_str()).collect()))
        .collect();
    assert_eq!(
        steps,
        [
            ("apply-allowances", StepAction::Apply, vec!["changed", "new-allow"]),
            ("apply-isolation", StepAction::Apply, vec!["new-deny"]),
            ("delete-isolation", StepAction::Delete, vec!["old-deny"]),
            ("delete-allowances", StepAction::Delete, vec!["old-allow"]),
        ]
    );
    let files: Vec<&str> = response.steps.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(
        files,
        [
            "01-apply-allowances.yaml",
            "02-apply-isolation.yaml",
            "03-delete-isolation.yaml",
            "04-delete-allowances.yaml"
        ]
    );
    let changed = &response.steps[0].policies[0];
    assert_eq!((changed.change, changed.role), (PolicyChange::Changed, PolicyRole::Allowance));
    assert!(response.steps[0].yaml.contains("port: 443"), "{}", response.steps[0].yaml);
    assert_eq!(response.steps[3].command, "kubectl delete --ignore-not-found -f 04-delete-allowances.yaml");

    // rollback: base versions back (allowances first), the head's additions deleted
    let rollback: Vec<(&str, Vec<&str>)> = response
        .rollback
        .iter()
        .map(|s| (s.kind.as_str(), s.policies.iter().map(|p| p.name.as_str()).collect()))
        .collect();
    assert_eq!(
        rollback,
        [
            ("apply-allowances", vec!["old-allow", "changed"]),
            ("apply-isolation", vec!["old-deny"]),
            ("delete-isolation", vec!["new-deny"]),
            ("delete-allowances", vec!["new-allow"]),
        ]
    );
    assert!(response.rollback[0].yaml.contains("port: 80"));
    assert_eq!(response.unchanged, 0);
}

#[test]
fn identical_sides_need_nothing() {
    let both = [policy("a", ALLOW_80), policy("deny", DENY_IN)].concat();
    let response = plan(&both, &both);
    assert!(response.steps.is_empty() && response.rollback.is_empty());
    assert_eq!(response.unchanged, 2);
}

#[test]
fn applied_manifests_leave_out_server_fields() {
    let head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: a\n  resourceVersion: \"42\"\n  uid: x\n  \
                annotations: {kubectl.kubernetes.io/last-applied-configuration: \"{}\"}\nspec: {podSelector: {}, ingress: [{}]}\nstatus: {}\n";
    let response = plan("", head);
    let yaml = &response.steps[0].yaml;
    for gone in ["resourceVersion", "uid", "last-applied", "status", "annotations"] {
        assert!(!yaml.contains(gone), "{gone} in {yaml}");
    }
    assert!(yaml.contains("namespace: default"), "{yaml}");
}

#[test]
fn plan_goes_through_call_json() {
    let request = serde_json::json!({"base": [], "head": [{"text": policy("deny", DENY_IN)}]});
    let out: serde_json::Value = serde_json::from_str(&api::call_json("plan", &request.to_string()).unwrap()).unwrap();
    assert_eq!(out["steps"][0]["kind"], "apply-isolation");
    assert_eq!(out["rollback"][0]["kind"], "delete-isolation");
}
