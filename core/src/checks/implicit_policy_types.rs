//! `NF102 implicit-policy-types`: `policyTypes` left out where the defaulting surprises.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF102",
    name: "implicit-policy-types",
    severity: Severity::Warning,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "`policyTypes` is left out where the implicit types do not do what the rules suggest",
};

const DOCS: &str = r#"
## What it flags
A policy without `policyTypes` (or with `policyTypes: []`) where the API server's defaulting
gives a surprising result:
- it has `egress` rules but no `ingress` rules: the implicit types are `[Ingress, Egress]`, so
  the selected pods also lose **all incoming traffic**;
- it has `egress: []`, meant as "deny all egress": an empty list does not count, the implicit
  types are `[Ingress]` only, and egress stays open.

## Why it matters
Policy types decide which directions a policy isolates. An egress-only policy that silently
isolates ingress cuts traffic nobody meant to cut; an `egress: []` that does not isolate egress
leaves open what the author believed closed.

## Example
```yaml
spec:
  podSelector: {matchLabels: {app: api}}
  egress:                      # no policyTypes: ingress to `api` is now denied too
  - to: [{podSelector: {matchLabels: {app: db}}}]
```

## How to fix
Always write `policyTypes`. For an egress-only policy: `policyTypes: [Egress]`. To deny all
egress: `policyTypes: [Ingress, Egress]` (or `[Egress]`) with `egress: []` or no `egress`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        let Some(spec) = policy.object.spec.as_ref() else { continue };
        if spec.policy_types.as_ref().is_some_and(|t| !t.is_empty()) {
            continue;
        }
        let ingress_rules = spec.ingress.as_ref().is_some_and(|r| !r.is_empty());
        let draft = match spec.egress.as_deref() {
            Some([]) => META
                .finding(
                    policy.source.locate("/spec/policyTypes"),
                    "`egress: []` without `policyTypes` does not isolate egress: the implicit types are only `Ingress`",
                    "to deny all egress, say so with `policyTypes`; the fix keeps ingress isolated as it is now",
                )
                .fix(Some("[Ingress, Egress]".to_owned()))
                .related([policy.source.locate_key("/spec", "egress")]),
            Some(_) if !ingress_rules => META.finding(
                policy.source.locate_key("/spec", "egress"),
                "without `policyTypes` this egress policy also isolates ingress: the selected pods accept no incoming traffic",
                "set `policyTypes: [Egress]` if only egress was meant, or `[Ingress, Egress]` to keep denying ingress",
            ),
            _ => continue,
        };
        out.push(draft.in_policy(i, policy));
    }
}
