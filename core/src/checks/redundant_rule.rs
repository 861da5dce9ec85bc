//! `NF305 redundant-rule`: a rule whose every allowance other rules together already make,
//! proven by the engine on the inventory.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF305",
    name: "redundant-rule",
    severity: Severity::Info,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "everything a rule allows is already allowed by other rules together",
};

const DOCS: &str = r#"
## What it flags
An ingress or egress rule that adds nothing: for every pod it applies to, every peer it
matches and every port it opens, other rules of the policies isolating that pod (in the same
policy or others) already allow the same traffic. The engine proves it on the input's
workloads; a rule covered by one single other rule is reported as `NF306` instead. Rules that
allow nothing at all are left to `NF301`, `NF302` and `NF304`.

## Why it matters
Redundant rules make policies longer and reviews harder, and they hide intent: when the
broader rules are tightened later, the redundant one silently becomes the one that matters.

## Example
```yaml
ingress:
- from: [{podSelector: {matchLabels: {app: web}}}]
  ports: [{port: 8080}]
- from: [{podSelector: {matchLabels: {app: admin}}}]
  ports: [{port: 8080}]
- from: [{podSelector: {matchExpressions: [{key: app, operator: In, values: [web, admin]}]}}]
  ports: [{port: 8080}]        # the first two rules already allow exactly this
```

## How to fix
Delete the rule, or merge the rules into one. Removing every rule this check reports keeps
the connectivity of the input unchanged. Because the proof is on the input's workloads, a
rule that is meant for pods not deployed yet may be reported: suppress it with
`netfence.dev/ignore: "NF305"`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for covered in ctx.covered_rules() {
        if covered.shadowed_by.is_some() {
            continue;
        }
        let (index, _, _) = covered.rule;
        let Some(policy) = ctx.policy(index) else { continue };
        let by: Vec<String> = covered.covered_by.iter().map(|r| ctx.rule_text(*r)).collect();
        let draft = META
            .finding(
                policy.source.locate(&CheckContext::rule_pointer(covered.rule)),
                format!("{} is redundant: other rules already allow everything it allows", ctx.rule_text(covered.rule)),
                format!("covered together by {}; remove it or merge the rules", by.join(", ")),
            )
            .related(covered.covered_by.iter().filter_map(|r| ctx.rule_location(*r)));
        out.push(draft.in_policy(index, policy));
    }
}
