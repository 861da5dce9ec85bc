//! `NF205 allow-all-rule`: a rule with no peers and no ports, which allows everything.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::engine::Direction;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF205",
    name: "allow-all-rule",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a rule without peers and ports allows all traffic in its direction",
};

const DOCS: &str = r#"
## What it flags
An ingress or egress rule with neither peers (`from` / `to` absent or empty) nor `ports`,
in a direction the policy isolates.

## Why it matters
Such a rule matches every pod of every namespace and every external address, on every port
of every protocol: the policy isolates nothing in that direction. It is often an `- {}` left
over from a template, or a misplaced dash that split peers and ports into separate rules.

## Example
```yaml
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - {}
```

## How to fix
Name the peers and ports the workload needs. If allowing everything is really intended,
suppress the finding with the annotation `netfence.dev/ignore: "NF205"` so the intent is
recorded.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        for rule in ctx.rules(policy) {
            if !rule.rule.peers.is_empty() || !rule.rule.ports.is_empty() {
                continue;
            }
            let message = match rule.direction {
                Direction::Ingress => "ingress rule allows traffic from every source on every port",
                Direction::Egress => "egress rule allows traffic to every destination on every port",
            };
            let draft = META.finding(
                policy.source.locate(&rule.rule.pointer),
                message,
                format!("list the `{}` peers and the `ports` that are needed", rule.rule.peers_key),
            );
            out.push(draft.in_policy(i, policy));
        }
    }
}
