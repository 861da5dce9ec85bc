//! `NF401 opens-external-path`: the change allows traffic from or to addresses outside the
//! cluster that the base did not allow.

use super::{ByRule, ChangeCheck, ChangeContext, at_rule, examples, rule_key};
use crate::checks::{Category, Draft};
use crate::diff::external_range;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF401",
    name: "opens-external-path",
    severity: Severity::Warning,
    category: Category::Change,
    since: "0.1.0",
    summary: "the change allows traffic from or to addresses outside the cluster that the base did not",
};

const DOCS: &str = r#"
## What it flags
A change (head compared with base) after which an address range outside the cluster can
reach an in-cluster workload, or a workload can reach outside addresses, on a port the base
did not allow. One finding per rule that opens the path (or per workload, when the path opens
because the workload is no longer isolated), with examples of the opened connections.

## Why it matters
Paths to and from outside the cluster are the ones an attacker uses first: an ingress path
exposes the workload, an egress path lets it send data out. A change that opens one deserves a
reviewer's explicit look, even when each line of the diff looks harmless (a widened CIDR, a
removed `from`, a deleted policy).

## Example
The head adds this rule to `shop/api`'s ingress policy:
```yaml
ingress:
- from:
  - ipBlock: {cidr: 0.0.0.0/0}
  ports: [{port: 8080}]
```

## How to fix
If the exposure is intended, note it in the review (or suppress the finding with
`netfence.dev/ignore: "NF401"` on the policy). Otherwise narrow the `ipBlock` to the addresses
that need access, or route outside traffic through the ingress controller.
"#;

pub(super) const CHECK: ChangeCheck = ChangeCheck { meta: META, docs: DOCS, run };

fn run(ctx: &ChangeContext<'_>, out: &mut Vec<Draft>) {
    let mut inbound: ByRule<'_, '_> = ByRule::new();
    let mut outbound: ByRule<'_, '_> = ByRule::new();
    for opened in ctx.opened() {
        let c = opened.change;
        if external_range(&c.src).is_some() {
            let rule = opened.ingress.first().map(rule_key);
            inbound.entry((c.dst.clone(), rule)).or_default().push(opened);
        } else if external_range(&c.dst).is_some() {
            let rule = opened.egress.first().map(rule_key);
            outbound.entry((c.src.clone(), rule)).or_default().push(opened);
        }
    }
    for (inbound, groups) in [(true, inbound), (false, outbound)] {
        for ((endpoint, _), opened) in groups {
            let Some(first) = opened.first() else { continue };
            let rule = if inbound { first.ingress.first() } else { first.egress.first() };
            let fallback =
                ctx.input.head_cluster.endpoints().find(|e| e.name == endpoint).and_then(|e| e.location.clone());
            let n = opened.len();
            let message = match (inbound, rule.is_some()) {
                (true, true) => format!(
                    "this rule newly lets addresses outside the cluster reach `{endpoint}`: {}",
                    examples(&opened)
                ),
                (true, false) => format!(
                    "`{endpoint}` is no longer isolated for ingress: addresses outside the cluster can newly reach it: {}",
                    examples(&opened)
                ),
                (false, true) => format!(
                    "this rule newly lets `{endpoint}` reach addresses outside the cluster: {}",
                    examples(&opened)
                ),
                (false, false) => format!(
                    "`{endpoint}` is no longer isolated for egress: it can newly reach addresses outside the cluster: {}",
                    examples(&opened)
                ),
            };
            let help = if n == 1 {
                "make sure the path is intended; otherwise narrow the ipBlock to the addresses that need it"
            } else {
                "make sure these paths are intended; otherwise narrow the ipBlock to the addresses that need them"
            };
            if let Some(draft) = at_rule(ctx, &META, rule, fallback, &endpoint, message, help) {
                out.push(draft);
            }
        }
    }
}
