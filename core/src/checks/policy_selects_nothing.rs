//! `NF301 policy-selects-nothing`: a policy whose `podSelector` matches no pod of its
//! namespace in the inventory.

use super::context::selector_text;
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF301",
    name: "policy-selects-nothing",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a policy's `podSelector` matches no workload of its namespace",
};

const DOCS: &str = r#"
## What it flags
A policy whose `spec.podSelector` matches none of the workloads and pods of its namespace in
the input. It is judged only where the input has workloads in that namespace (or with
`completeInventory`). When a label key or value is close to one that exists, the finding
says which ("did you mean") and suggests the fix.

## Why it matters
A policy that selects nothing protects nothing: its rules are dead. Most often a label is
misspelt (`app: frontnd`), the policy is in the wrong namespace, or the workload it was
written for was renamed.

## Example
```yaml
metadata: {name: web-ingress, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: frontnd}   # the Deployment's pods have app: frontend
```

## How to fix
Correct the selector (the suggested fix), move the policy to the right namespace, or delete
it if its workload is gone.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        let Some(selector) = policy.object.spec.as_ref().and_then(|s| s.pod_selector.as_ref()) else { continue };
        let judged = ctx.has_endpoints(&policy.namespace) || ctx.config.complete_inventory;
        if !judged || !ctx.selected_endpoints(i).is_empty() {
            continue;
        }
        let candidates: Vec<_> = ctx.endpoints_in(&policy.namespace).map(|(_, e)| &e.labels).collect();
        let miss = ctx.near_miss(policy, "/spec/podSelector", selector, &candidates);
        let message = format!(
            "policy `{}` selects no pod: no workload in `{}` matches `{}`",
            policy.name,
            policy.namespace,
            selector_text(selector)
        );
        let draft = match miss {
            Some(miss) => META.finding(miss.location.clone(), message, miss.help()).fix(miss.fix()),
            None => META.finding(
                policy.source.locate("/spec/podSelector"),
                message,
                format!("check the labels of the pods in `{}` and the policy's namespace", policy.namespace),
            ),
        };
        out.push(draft.in_policy(i, policy));
    }
}
