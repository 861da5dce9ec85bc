//! `NF403 removes-default-deny`: the change deletes or weakens a namespace's default-deny
//! policy and nothing else denies that direction in the namespace.

use super::{ChangeCheck, ChangeContext};
use crate::checks::InPolicy;
use crate::checks::context::is_empty_selector;
use crate::checks::{Category, Draft, suppresses};
use crate::engine::Direction;
use crate::engine::policy_types;
use crate::inventory::PolicyResource;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF403",
    name: "removes-default-deny",
    severity: Severity::Warning,
    category: Category::Change,
    since: "0.1.0",
    summary: "the change deletes or weakens a namespace's default-deny policy",
};

const DOCS: &str = r#"
## What it flags
A policy of the base that denies a direction to every pod of its namespace (empty
`podSelector`, the direction in `policyTypes`, no rule for it) which the head deletes or
changes so it no longer does, when no other head policy denies that direction in the
namespace. A renamed default-deny is not flagged.

## Why it matters
The default deny is what makes every other policy of the namespace an allowlist: without it,
workloads no policy selects accept (or send) any traffic. Its removal rarely shows in a diff
as what it is — a deleted file, or an added rule in a policy named `default-deny`.

## Example
The base has this policy; the head deletes it:
```yaml
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
```

## How to fix
Keep the default-deny policy; add allowances in separate policies instead of editing it. If
the namespace really needs no isolation any more, say so in the review.
"#;

pub(super) const CHECK: ChangeCheck = ChangeCheck { meta: META, docs: DOCS, run };

fn run(ctx: &ChangeContext<'_>, out: &mut Vec<Draft>) {
    for base in &ctx.input.base.policies {
        for direction in [Direction::Ingress, Direction::Egress] {
            if !denies_all(base, direction) {
                continue;
            }
            let still_denied =
                ctx.input.head.policies.iter().any(|p| p.namespace == base.namespace && denies_all(p, direction));
            if still_denied {
                continue;
            }
            let what = format!("NetworkPolicy {}/{}", base.namespace, base.name);
            let dir = direction.as_str().to_ascii_lowercase();
            let help = "keep the default deny and add allowances in separate policies";
            let draft = match ctx.head_policy(&base.namespace, &base.name) {
                Some((index, head)) => META
                    .finding(
                        head.source.locate("/spec"),
                        format!("`{what}` no longer denies {dir} to every pod of namespace `{}`", base.namespace),
                        help,
                    )
                    .in_policy(index, head),
                None if suppresses(base, &META) => continue,
                None => META
                    .finding(
                        base.source.locate(""),
                        format!(
                            "the change deletes `{what}`, the default deny of {dir} in namespace `{}`",
                            base.namespace
                        ),
                        help,
                    )
                    .resource(what),
            };
            out.push(draft);
        }
    }
}

/// Whether the policy denies `direction` to every pod of its namespace.
fn denies_all(policy: &PolicyResource, direction: Direction) -> bool {
    let spec = policy.object.spec.as_ref();
    let selects_all = spec.and_then(|s| s.pod_selector.as_ref()).is_none_or(is_empty_selector);
    let (ingress, egress) = policy_types(spec);
    let (isolates, rules) = match direction {
        Direction::Ingress => (ingress, spec.and_then(|s| s.ingress.as_ref()).map_or(0, Vec::len)),
        Direction::Egress => (egress, spec.and_then(|s| s.egress.as_ref()).map_or(0, Vec::len)),
    };
    selects_all && isolates && rules == 0
}
