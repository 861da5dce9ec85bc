//! `NF311 cluster-policy-selects-nothing`: a cluster-scoped policy whose subject selects no pod
//! of the input.

use super::{Category, Check, CheckContext, Draft};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF311",
    name: "cluster-policy-selects-nothing",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a cluster-scoped policy's `subject` selects no pod of the input",
};

const DOCS: &str = r#"
## What it flags
An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy whose `subject`
(`namespaces`, or `pods` by namespace and pod labels) matches none of the workloads and pods
of the input. It is judged only when the input has workloads (or with `completeInventory`).

## Why it matters
A cluster guardrail that selects nothing protects nothing: a namespace label that is not set
(`tier: sensitive` on no namespace), a misspelt key, or a subject written for namespaces that
do not exist yet.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: protect-sensitive}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {tier: sensitve}}}
  ingress: [{action: Deny, from: [{namespaces: {}}]}]
```

## How to fix
Correct the subject, or label the namespaces it is meant for:
```yaml
  subject: {namespaces: {matchLabels: {tier: sensitive}}}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    if ctx.endpoints().is_empty() && !ctx.config.complete_inventory {
        return;
    }
    for policy in ctx.cluster.tier_policies() {
        if policy.selected > 0 {
            continue;
        }
        let Some(location) = policy.location.cloned() else { continue };
        let draft = META
            .finding(
                location,
                format!(
                    "`{} {}` selects no pod: no workload of the input matches its `subject`",
                    policy.kind, policy.name
                ),
                "check the subject's namespace and pod labels against the namespaces and workloads of the input",
            )
            .resource(format!("{} {}", policy.kind, policy.name));
        out.push(draft);
    }
}
