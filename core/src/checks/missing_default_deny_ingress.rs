//! `NF201 missing-default-deny-ingress`: a namespace with workloads and no policy that
//! isolates the ingress of every pod.

use super::context::is_empty_selector;
use super::{Category, Check, CheckContext, Draft};
use crate::engine::Direction;
use crate::engine::policy_types;
use crate::model::Severity;
use crate::model::{ClusterPeer, ClusterSubject, RuleMeta, TierAction};

const META: RuleMeta = RuleMeta {
    id: "NF201",
    name: "missing-default-deny-ingress",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a namespace with workloads has no default-deny ingress policy",
};

const DOCS: &str = r#"
## What it flags
A namespace that has workloads in the input but no NetworkPolicy with an empty `podSelector`
and `Ingress` in its policy types — a policy that isolates the ingress of every pod of the
namespace, present and future. System namespaces (`excludeNamespaces`) are left out.

A cluster-scoped default deny counts as one: a policy of either tier (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy) whose subject is every pod of the namespace
and which has a `Deny` rule without ports from every pod of every namespace (`namespaces: {}`),
as the `baselineDefaultDeny` guardrail writes. Those APIs have no ingress peer for addresses
outside the cluster: such a deny leaves them to the NetworkPolicies (NF203 names workloads
that only cluster-scoped policies restrict).

## Why it matters
Pods that no policy selects accept traffic from everywhere. Allow-list policies written per
workload leave every new workload, and every workload someone forgot, wide open. A namespace
default deny makes "nothing unless allowed" the rule.

## Example
A namespace `shop` with Deployments `frontend` and `api` and only this policy:
```yaml
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]
```

## How to fix
Add a default-deny policy to the namespace, after the allowances it needs:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    missing_default_deny(ctx, out, &META, Direction::Ingress);
}

/// Reports namespaces with endpoints and no namespace-wide policy isolating `direction`.
pub(super) fn missing_default_deny(
    ctx: &CheckContext<'_>,
    out: &mut Vec<Draft>,
    meta: &RuleMeta,
    direction: Direction,
) {
    let mut namespaces: Vec<&str> = ctx.endpoints().iter().map(|e| e.namespace.as_str()).collect();
    namespaces.dedup();
    for namespace in namespaces {
        if ctx.config.excludes(namespace) {
            continue;
        }
        let covered = ctx.resources.policies.iter().any(|p| {
            let spec = p.object.spec.as_ref();
            let (ingress, egress) = policy_types(spec);
            let isolates = match direction {
                Direction::Ingress => ingress,
                Direction::Egress => egress,
            };
            p.namespace == namespace
                && isolates
                && spec.and_then(|s| s.pod_selector.as_ref()).is_none_or(is_empty_selector)
        });
        if covered || cluster_default_deny(ctx, namespace, direction) {
            continue;
        }
        let defined = ctx.resources.namespaces.iter().find(|n| n.name == namespace);
        let location = match defined {
            Some(n) => n.source.locate_key("/metadata", "name"),
            None => {
                ctx.endpoints_in(namespace).next().map(|(_, e)| CheckContext::endpoint_location(e)).unwrap_or_default()
            }
        };
        let workloads = ctx.endpoints_in(namespace).count();
        let kind = direction.as_str();
        let draft = meta
            .finding(
                location,
                format!(
                    "namespace `{namespace}` has {workloads} workload{} but no default-deny {} policy",
                    if workloads == 1 { "" } else { "s" },
                    kind.to_ascii_lowercase()
                ),
                format!(
                    "add a policy in `{namespace}` with `podSelector: {{}}` and `policyTypes: [{kind}]`, so pods no allowance names get no {} traffic",
                    if direction == Direction::Ingress { "incoming" } else { "outgoing" }
                ),
            )
            .resource(format!("Namespace {namespace}"));
        out.push(draft);
    }
}

/// Whether a cluster-scoped policy whose subject is every pod of `namespace` denies `direction`
/// in rules without ports: from (to) every pod of every namespace, and for egress to every
/// address of both families (`networks` `0.0.0.0/0` and `::/0`).
pub(super) fn cluster_default_deny(ctx: &CheckContext<'_>, namespace: &str, direction: Direction) -> bool {
    let labels = ctx.resources.namespace_labels(namespace);
    let selects = |selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector| {
        crate::engine::LabelMatcher::new(selector).matches(&labels)
    };
    ctx.resources.cluster_policies.iter().any(|resource| {
        let policy = &resource.policy;
        let whole = match &policy.subject {
            ClusterSubject::Namespaces(s) => selects(s),
            ClusterSubject::Pods(p) => selects(&p.namespace_selector) && is_empty_selector(&p.pod_selector),
            ClusterSubject::Invalid => false,
        };
        let rules = match direction {
            Direction::Ingress => &policy.ingress,
            Direction::Egress => &policy.egress,
        };
        let denied = rules.iter().filter(|r| r.action == Some(TierAction::Deny) && r.ports.is_none());
        let peers: Vec<&ClusterPeer> = denied.flat_map(|r| &r.peers).collect();
        let (v4, v6) = peers.iter().map(|p| p.every_address()).fold((false, false), |a, b| (a.0 || b.0, a.1 || b.1));
        whole
            && policy.tier.is_some()
            && peers.iter().any(|p| p.selects_every_pod())
            && (direction == Direction::Ingress || (v4 && v6))
    })
}
