//! `NF105 duplicate-policy`: the same NetworkPolicy (namespace and name) defined more than once
//! in the inputs.

use std::collections::HashMap;

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF105",
    name: "duplicate-policy",
    severity: Severity::Warning,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "the same NetworkPolicy (namespace and name) is defined more than once in the inputs",
};

const DOCS: &str = r#"
## What it flags
A second (third, ...) NetworkPolicy with the namespace and name of one defined earlier in the
inputs (policies with `generateName` and no name are left out: each gets a name of its own).

## Why it matters
A cluster holds one object per namespace and name: `kubectl apply` of both keeps whichever is
applied last, so the other one's rules are gone. netfence analyzes every definition it reads,
so its answers then describe rules the cluster would not have. It is often an old copy left next
to a new one, two overlays that both define the policy, or a base and a head of a change passed
together.

## Example
```yaml
# policies/web.yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{podSelector: {}}]}]}
---
# legacy/web.yaml: the same object again, with different rules
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, ingress: []}
```

## How to fix
Keep one definition, or rename one of them if both are meant to exist.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let mut first: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, policy) in ctx.policies() {
        if policy.object.metadata.name.as_deref().is_none_or(str::is_empty) {
            continue;
        }
        let key = (policy.namespace.as_str(), policy.name.as_str());
        let Some(&earlier) = first.get(&key) else {
            first.insert(key, i);
            continue;
        };
        let Some(original) = ctx.policy(earlier) else { continue };
        let at = original.source.locate("/metadata/name");
        let draft = META
            .finding(
                policy.source.locate("/metadata/name"),
                format!(
                    "policy `{}/{}` is also defined at {}:{}: a cluster keeps only the one applied last",
                    policy.namespace, policy.name, at.file, at.line
                ),
                "keep one definition (netfence analyzes both), or rename one if both are meant to exist",
            )
            .related([at])
            .in_policy(i, policy);
        out.push(draft);
    }
}
