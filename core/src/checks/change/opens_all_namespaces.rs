//! `NF402 opens-all-namespaces`: the change opens connections through a rule whose peer
//! selects every namespace (`namespaceSelector: {}`).

use super::{ByRule, ChangeCheck, ChangeContext, at_rule, examples, rule_key};
use crate::checks::context::is_empty_selector;
use crate::checks::{Category, Draft};
use crate::diff::external_range;
use crate::engine::{Direction, RuleRef};
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::model::walk::rules;

const META: RuleMeta = RuleMeta {
    id: "NF402",
    name: "opens-all-namespaces",
    severity: Severity::Warning,
    category: Category::Change,
    since: "0.1.0",
    summary: "the change opens connections through a peer that selects every namespace",
};

const DOCS: &str = r#"
## What it flags
A change after which in-cluster connections are allowed that the base did not allow, where
the rule that allows them has a peer with an empty `namespaceSelector` (`{}`): every
namespace, including those created later. One finding per such rule, with examples of the
opened connections.

## Why it matters
`namespaceSelector: {}` reads like a small edit but opens the workload to (or lets it reach)
every team's pods. `NF206` flags the pattern in any state; this check flags the change that
actually opens connections through it, so the reviewer sees what it opens.

## Example
The head turns a namespace-scoped peer into an all-namespaces one:
```yaml
ingress:
- from:
  - namespaceSelector: {}
    podSelector: {matchLabels: {app: frontend}}
```

## How to fix
Select the namespaces that need access by name
(`namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: shop}}`), or suppress the
finding with `netfence.dev/ignore: "NF402"` when every namespace really needs it.
"#;

pub(super) const CHECK: ChangeCheck = ChangeCheck { meta: META, docs: DOCS, run };

fn run(ctx: &ChangeContext<'_>, out: &mut Vec<Draft>) {
    let mut groups: ByRule<'_, '_> = ByRule::new();
    for opened in ctx.opened() {
        let c = opened.change;
        if external_range(&c.src).is_some() || external_range(&c.dst).is_some() {
            continue;
        }
        for (endpoint, rule) in [(&c.dst, opened.ingress.first()), (&c.src, opened.egress.first())] {
            if let Some(rule) = rule.filter(|r| all_namespaces(ctx, r)) {
                groups.entry((endpoint.clone(), Some(rule_key(rule)))).or_default().push(opened);
            }
        }
    }
    for ((endpoint, key), opened) in groups {
        let Some((_, _, direction, _)) = key else { continue };
        let rule = opened.iter().find_map(|o| {
            let side = if direction == Direction::Ingress { &o.ingress } else { &o.egress };
            side.first().filter(|r| all_namespaces(ctx, r))
        });
        let message = match direction {
            Direction::Ingress => format!(
                "this rule allows pods of every namespace and newly lets them reach `{endpoint}`: {}",
                examples(&opened)
            ),
            Direction::Egress => format!(
                "this rule allows pods of every namespace and newly lets `{endpoint}` reach them: {}",
                examples(&opened)
            ),
        };
        let help = "select the namespaces that need access by name (`kubernetes.io/metadata.name`)";
        if let Some(draft) = at_rule(ctx, &META, rule, None, &endpoint, message, help) {
            out.push(draft);
        }
    }
}

/// Whether the head rule has a peer with an empty `namespaceSelector`.
fn all_namespaces(ctx: &ChangeContext<'_>, rule: &RuleRef) -> bool {
    let Some((_, policy)) = ctx.head_policy(&rule.namespace, &rule.policy) else { return false };
    let prefix = match rule.direction {
        Direction::Ingress => "/spec/ingress/",
        Direction::Egress => "/spec/egress/",
    };
    let pointer = format!("{prefix}{}", rule.index);
    rules(policy.object.spec.as_ref())
        .into_iter()
        .filter(|r| r.pointer == pointer)
        .flat_map(|r| r.peers.iter())
        .any(|peer| peer.namespace_selector.as_ref().is_some_and(is_empty_selector))
}
