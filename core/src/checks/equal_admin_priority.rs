//! `NF107 equal-cluster-policy-priority`: two cluster-scoped policies of the same tier and
//! priority whose subjects select a common pod: their order is undefined upstream.

use super::{Category, Check, CheckContext, Draft};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF107",
    name: "equal-cluster-policy-priority",
    severity: Severity::Warning,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "two cluster-scoped policies of one tier share a priority and select a common pod",
};

const DOCS: &str = r#"
## What it flags
Two AdminNetworkPolicies (or two ClusterNetworkPolicies of the same tier) with the same
`priority` whose subjects select at least one common pod of the input. netfence evaluates them
by name then input order, and says so here.

## Why it matters
The API leaves the order of equal priorities undefined: implementations may evaluate either
first, so when their rules disagree about some traffic (one `Deny`, the other `Allow` or `Pass`),
the cluster's behaviour is unspecified and may change when a controller restarts.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-sensitive}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {tier: sensitive}}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-monitoring}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {team: monitoring}}}]}]
```

## How to fix
Give each policy its own priority, lower for the one that must win:
```yaml
metadata: {name: allow-monitoring}
spec:
  priority: 5
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let policies = ctx.cluster.tier_policies();
    for (a, b) in ctx.cluster.tier_priority_overlaps() {
        let (Some(first), Some(second)) = (policies.get(a), policies.get(b)) else { continue };
        let Some(location) = second.location.cloned() else { continue };
        let priority = second.priority.unwrap_or(0);
        let draft = META
            .finding(
                location,
                format!(
                    "`{} {}` and `{} {}` have the same priority `{priority}` in the {} tier and select common pods: their order is undefined",
                    first.kind,
                    first.name,
                    second.kind,
                    second.name,
                    second.tier.as_str()
                ),
                format!("give one of them another priority; netfence evaluates `{}` first (by name)", first.name),
            )
            .related(first.location.cloned())
            .resource(format!("{} {}", second.kind, second.name));
        out.push(draft);
    }
}
