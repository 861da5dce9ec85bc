//! `NF307 ignored-rules`: rules for a direction the policy's `policyTypes` leaves out.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF307",
    name: "ignored-rules",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "`ingress` or `egress` rules are ignored because `policyTypes` leaves their direction out",
};

const DOCS: &str = r#"
## What it flags
A policy with explicit `policyTypes` and a non-empty `ingress` list without `Ingress` in
`policyTypes` (or `egress` rules without `Egress`).

## Why it matters
Rules only count for the directions in `policyTypes`; the others are ignored entirely. The
author meant those rules to restrict (or allow) traffic, and they do nothing. Often
`policyTypes` was copied from another policy.

## Example
```yaml
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  egress:                       # ignored: Egress is not in policyTypes
  - to: [{podSelector: {matchLabels: {app: db}}}]
```

## How to fix
Add the direction to `policyTypes` — which also isolates it, so everything the rules do not
allow is then denied — or delete the rules.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        let Some(spec) = policy.object.spec.as_ref() else { continue };
        let Some(types) = spec.policy_types.as_ref().filter(|t| !t.is_empty()) else { continue };
        let lists = [
            ("ingress", "Ingress", spec.ingress.as_ref().map_or(0, Vec::len)),
            ("egress", "Egress", spec.egress.as_ref().map_or(0, Vec::len)),
        ];
        for (key, kind, count) in lists {
            if count == 0 || types.iter().any(|t| t == kind) {
                continue;
            }
            let draft = META
                .finding(
                    policy.source.locate_key("/spec", key),
                    format!("{count} {key} rule{} ignored: `policyTypes` does not include `{kind}`", if count == 1 { " is" } else { "s are" }),
                    format!("add `{kind}` to `policyTypes` (this also denies {key} the rules do not allow), or remove the rules"),
                )
                .related([policy.source.locate("/spec/policyTypes")]);
            out.push(draft.in_policy(i, policy));
        }
    }
}
