//! `NF306 shadowed-rule`: a rule that one other, broader rule entirely covers.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF306",
    name: "shadowed-rule",
    severity: Severity::Info,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a rule is entirely covered by one broader rule",
};

const DOCS: &str = r#"
## What it flags
An ingress or egress rule whose every allowance one single other rule already makes, for
every pod it applies to — in the same policy or in another policy that selects the same pods.
The engine proves it on the input's workloads.

## Why it matters
The narrow rule reads like a restriction but restricts nothing: a broader rule (often an
allow-from-namespace or a rule without ports) already lets the same traffic through. Readers
of the narrow rule get the wrong picture of what is allowed.

## Example
```yaml
ingress:
- from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}}]
- from: [{podSelector: {matchLabels: {app: web}}}]    # web is in shop: covered by the rule above
  ports: [{port: 8080}]
```

## How to fix
Delete the shadowed rule, or narrow the broader one if the narrow rule states the intent.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for covered in ctx.covered_rules() {
        let Some(by) = covered.shadowed_by else { continue };
        let (index, _, _) = covered.rule;
        let Some(policy) = ctx.policy(index) else { continue };
        let draft = META
            .finding(
                policy.source.locate(&CheckContext::rule_pointer(covered.rule)),
                format!(
                    "{} is shadowed by {}, which allows everything it allows",
                    ctx.rule_text(covered.rule),
                    ctx.rule_text(by)
                ),
                "remove the narrower rule, or narrow the broader one",
            )
            .related(ctx.rule_location(by));
        out.push(draft.in_policy(index, policy));
    }
}
