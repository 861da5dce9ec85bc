//! `NF312 pass-without-network-policy`: an admin `Pass` rule whose subjects include pods no
//! NetworkPolicy isolates in the rule's direction: what it passes goes straight to the baseline.

use super::{Category, Check, CheckContext, Draft};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF312",
    name: "pass-without-network-policy",
    severity: Severity::Info,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "an admin `Pass` hands traffic to NetworkPolicies that do not isolate some of its pods",
};

const DOCS: &str = r#"
## What it flags
A `Pass` rule of an AdminNetworkPolicy (or an admin-tier ClusterNetworkPolicy) whose subject
selects pods that no NetworkPolicy isolates in the rule's direction (ingress or egress). For
those pods, what the rule passes is decided by the baseline tier, or allowed when no baseline
rule matches.

## Why it matters
`Pass` delegates a decision to namespace owners. Where they have written no NetworkPolicy,
nobody decides: the traffic falls through to the baseline (often an allow). That is sometimes
meant; often the delegation assumes a default-deny policy that is missing.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: delegate-to-tenants}
spec:
  priority: 20
  subject: {namespaces: {matchLabels: {kind: tenant}}}
  ingress:
  - {action: Pass, from: [{namespaces: {}}]}
```

## How to fix
Add a default-deny NetworkPolicy (and the allowances tenants need) in the namespaces, or a
baseline rule that decides for them:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: tenant-a}
spec: {podSelector: {}, policyTypes: [Ingress]}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let policies = ctx.cluster.tier_policies();
    for (policy, direction, index, location, open) in ctx.cluster.passes_without_network_policy() {
        let (Some(policy), Some(location)) = (policies.get(policy), location) else { continue };
        let groups = if open == 1 { "workload" } else { "workloads" };
        let draft = META
            .finding(
                location.clone(),
                format!(
                    "`Pass` rule {}[{index}] of `{} {}` hands traffic to NetworkPolicies, but none isolates {open} {groups} it selects: the baseline tier decides for them",
                    direction.as_str().to_ascii_lowercase(),
                    policy.kind,
                    policy.name
                ),
                "add a default-deny NetworkPolicy in those namespaces, or a baseline rule that decides for them",
            )
            .resource(format!("{} {}", policy.kind, policy.name));
        out.push(draft);
    }
}
