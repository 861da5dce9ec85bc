//! Deploy plan: the order in which to apply a change to NetworkPolicies so a rollout never
//! blocks traffic it means to keep, and the rollback that restores the base.
//!
//! Policies are matched by namespace and name. A policy is an *isolation* policy when it
//! denies a direction outright (the direction is in its effective `policyTypes` and it has no
//! rule for it, like a default deny), else an *allowance*. The steps, each one YAML file:
//!
//! 1. `apply-allowances`: added and changed allowances, so what the head allows is in place
//!    before anything new isolates;
//! 2. `apply-isolation`: added and changed isolation policies;
//! 3. `delete-isolation`: isolation policies the head removes;
//! 4. `delete-allowances`: allowances the head removes, last, once nothing needs them.
//!
//! Empty steps are left out and the rest numbered from 1. The rollback is the plan from head
//! back to base, in the same order: base versions of changed and deleted policies are
//! re-applied (allowances first), added policies deleted (allowances last).
//!
//! Applied manifests are the documents as written, without server-set metadata
//! (`resourceVersion`, `uid`, `managedFields`, ...) and `status`, with the namespace set.
//!
//! ```
//! use netfence::api::{PlanRequest, Source, plan};
//!
//! let deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
//!             metadata: {name: deny, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
//! let allow = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
//!              metadata: {name: web, namespace: shop}\n\
//!              spec: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: 80}]}]}\n";
//! let request = PlanRequest::new(vec![], vec![Source::text(format!("{deny}---\n{allow}"))]);
//! let plan = plan(&request).unwrap();
//! let files: Vec<&str> = plan.steps.iter().map(|s| s.file.as_str()).collect();
//! assert_eq!(files, ["01-apply-allowances.yaml", "02-apply-isolation.yaml"]);
//! assert_eq!(plan.rollback[0].file, "01-delete-isolation.yaml");
//! ```

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::engine::policy_types;
use crate::error::Error;
use crate::inventory::{PolicyResource, ResourceSet};
use crate::source::Location;

/// How a policy changes from base to head.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PolicyChange {
    /// Only in the head.
    Added,
    /// In both, with a different manifest.
    Changed,
    /// Only in the base.
    Deleted,
}

/// What a policy does to rollout safety.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PolicyRole {
    /// Has a rule for every direction it isolates: it allows traffic (and isolates the pods it
    /// selects).
    Allowance,
    /// Denies a direction outright (no rule for a direction in its `policyTypes`).
    Isolation,
}

/// What a step does with its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum StepAction {
    /// `kubectl apply -f FILE`.
    Apply,
    /// `kubectl delete --ignore-not-found -f FILE`.
    Delete,
}

/// A policy in a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlannedPolicy {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Added, changed or deleted.
    pub change: PolicyChange,
    /// Allowance or isolation (of the version the step applies or deletes).
    pub role: PolicyRole,
    /// Where the version the step uses is defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// One step of a plan: a file and what to do with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanStep {
    /// 1-based position.
    pub number: usize,
    /// `apply-allowances`, `apply-isolation`, `delete-isolation` or `delete-allowances`.
    pub kind: String,
    /// Apply or delete.
    pub action: StepAction,
    /// The file name, e.g. `01-apply-allowances.yaml`.
    pub file: String,
    /// The command that runs the step.
    pub command: String,
    /// The policies, by namespace and name.
    pub policies: Vec<PlannedPolicy>,
    /// The file's content: multi-document YAML.
    pub yaml: String,
}

/// A deploy plan and its rollback.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// The steps that take the cluster from base to head, in order.
    pub steps: Vec<PlanStep>,
    /// The steps that restore the base after a full or partial rollout, in order.
    pub rollback: Vec<PlanStep>,
    /// Policies identical on both sides (nothing to do).
    pub unchanged: usize,
}

/// The plan from `base` to `head` and its rollback.
///
/// # Errors
/// `NF-E030` when a manifest cannot be rendered as YAML.
pub fn plan(base: &ResourceSet, head: &ResourceSet) -> Result<Plan, Error> {
    let unchanged = head.policies.iter().filter(|h| find(base, h).is_some_and(|b| manifest(b) == manifest(h))).count();
    Ok(Plan { steps: steps(base, head)?, rollback: steps(head, base)?, unchanged })
}

/// The steps from `from` to `to`.
fn steps(from: &ResourceSet, to: &ResourceSet) -> Result<Vec<PlanStep>, Error> {
    let mut applied: Vec<Planned<'_>> = Vec::new();
    for policy in &to.policies {
        match find(from, policy) {
            None => applied.push((policy, PolicyChange::Added)),
            Some(old) if manifest(old) != manifest(policy) => applied.push((policy, PolicyChange::Changed)),
            Some(_) => {}
        }
    }
    let deleted: Vec<&PolicyResource> = from.policies.iter().filter(|p| find(to, p).is_none()).collect();
    // In a rollback (`to` is the base), "added" means re-added and "deleted" means the head's
    // additions go away; the kinds stay relative to this direction.
    let mut out = Vec::new();
    let groups: [(&str, StepAction, Vec<Planned<'_>>); 4] = [
        ("apply-allowances", StepAction::Apply, pick(&applied, PolicyRole::Allowance)),
        ("apply-isolation", StepAction::Apply, pick(&applied, PolicyRole::Isolation)),
        ("delete-isolation", StepAction::Delete, deleted_with(&deleted, PolicyRole::Isolation)),
        ("delete-allowances", StepAction::Delete, deleted_with(&deleted, PolicyRole::Allowance)),
    ];
    for (kind, action, policies) in groups {
        if policies.is_empty() {
            continue;
        }
        let number = out.len() + 1;
        let file = format!("{number:02}-{kind}.yaml");
        let documents: Vec<Value> = policies
            .iter()
            .map(|(p, _)| match action {
                StepAction::Apply => manifest(p),
                StepAction::Delete => reference(p),
            })
            .collect();
        let command = match action {
            StepAction::Apply => format!("kubectl apply -f {file}"),
            StepAction::Delete => format!("kubectl delete --ignore-not-found -f {file}"),
        };
        out.push(PlanStep {
            number,
            kind: kind.to_owned(),
            action,
            file,
            command,
            policies: policies
                .iter()
                .map(|(p, change)| PlannedPolicy {
                    namespace: p.namespace.clone(),
                    name: p.name.clone(),
                    change: *change,
                    role: role(p),
                    location: Some(p.source.locate("")),
                })
                .collect(),
            yaml: crate::builder::output::render_yaml(&documents)?,
        });
    }
    Ok(out)
}

/// A policy and how it changes.
type Planned<'a> = (&'a PolicyResource, PolicyChange);

fn pick<'a>(policies: &[Planned<'a>], wanted: PolicyRole) -> Vec<Planned<'a>> {
    policies.iter().filter(|(p, _)| role(p) == wanted).copied().collect()
}

fn deleted_with<'a>(policies: &[&'a PolicyResource], wanted: PolicyRole) -> Vec<Planned<'a>> {
    policies.iter().filter(|p| role(p) == wanted).map(|p| (*p, PolicyChange::Deleted)).collect()
}

fn find<'a>(set: &'a ResourceSet, policy: &PolicyResource) -> Option<&'a PolicyResource> {
    set.policies.iter().find(|p| p.namespace == policy.namespace && p.name == policy.name)
}

/// Whether the policy denies a direction outright.
#[must_use]
pub fn role(policy: &PolicyResource) -> PolicyRole {
    let spec = policy.object.spec.as_ref();
    let (ingress, egress) = policy_types(spec);
    let no_ingress = spec.and_then(|s| s.ingress.as_ref()).is_none_or(Vec::is_empty);
    let no_egress = spec.and_then(|s| s.egress.as_ref()).is_none_or(Vec::is_empty);
    if (ingress && no_ingress) || (egress && no_egress) { PolicyRole::Isolation } else { PolicyRole::Allowance }
}

/// Server-set metadata left out of applied manifests.
const SERVER_FIELDS: &[&str] =
    &["resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "selfLink", "deletionTimestamp"];
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The manifest to apply: the document as written, without server-set fields, namespace set.
fn manifest(policy: &PolicyResource) -> Value {
    let mut value = policy.source.node().to_json();
    if let Some(object) = value.as_object_mut() {
        object.remove("status");
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            for field in SERVER_FIELDS {
                metadata.remove(*field);
            }
            metadata.insert("namespace".to_owned(), json!(policy.namespace));
            if let Some(annotations) = metadata.get_mut("annotations").and_then(Value::as_object_mut) {
                annotations.remove(LAST_APPLIED);
                if annotations.is_empty() {
                    metadata.remove("annotations");
                }
            }
        }
        if policy.api_version != "networking.k8s.io/v1" {
            object.insert("apiVersion".to_owned(), json!("networking.k8s.io/v1"));
        }
    }
    value
}

/// What `kubectl delete -f` needs: kind, name and namespace.
fn reference(policy: &PolicyResource) -> Value {
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": policy.name, "namespace": policy.namespace},
    })
}
