//! `NF101 policy-without-namespace`: a policy manifest without `metadata.namespace`.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF101",
    name: "policy-without-namespace",
    severity: Severity::Warning,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "a policy manifest has no `metadata.namespace`",
};

const DOCS: &str = r#"
## What it flags
A NetworkPolicy manifest without `metadata.namespace`.

## Why it matters
A NetworkPolicy only ever applies to pods of its own namespace. Without a namespace in the
manifest, `kubectl apply` puts it in the namespace of the current context (often `default`),
so the same file protects different pods depending on who applies it — or none at all.
netfence analyzes it as if it were in `default`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-ingress      # no namespace
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
```

## How to fix
Set `metadata.namespace` to the namespace of the pods the policy is meant for.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        if policy.namespace_given {
            continue;
        }
        let draft = META
            .finding(
                policy.source.locate_key("/metadata", "namespace"),
                format!("policy `{}` has no namespace: it applies in whatever namespace it is applied to", policy.name),
                format!("set `metadata.namespace`; netfence analyzes it as if it were in `{}`", policy.namespace),
            )
            .in_policy(i, policy);
        out.push(draft);
    }
}
