//! `NF206 all-namespaces-peer`: a peer `namespaceSelector: {}` without a pod selector.

use super::context::is_empty_selector;
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::engine::Direction;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF206",
    name: "all-namespaces-peer",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a peer `namespaceSelector: {}` matches every pod of every namespace",
};

const DOCS: &str = r#"
## What it flags
A peer with an empty `namespaceSelector` (`{}`) and no `podSelector` (or an empty one).

## Why it matters
It matches every pod in every namespace — including namespaces created later and those of
other teams. As an ingress peer, the workload is exposed to the whole cluster; as an egress
peer, the workload may reach every pod. Paired with a non-empty `podSelector` (for instance
the cluster DNS pods) it is a deliberate, narrower pattern and is not flagged.

## Example
```yaml
ingress:
- from:
  - namespaceSelector: {}
```

## How to fix
Select the namespaces that need access, by name:
```yaml
- namespaceSelector:
    matchLabels: {kubernetes.io/metadata.name: monitoring}
```
or add a `podSelector` to the same peer to name the pods.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for at in ctx.peers() {
        let (Some(namespaces), pods) = (&at.peer.namespace_selector, &at.peer.pod_selector) else { continue };
        if !is_empty_selector(namespaces) || !pods.as_ref().is_none_or(is_empty_selector) {
            continue;
        }
        let message = match at.direction {
            Direction::Ingress => "peer `namespaceSelector: {}` allows traffic from every pod in every namespace",
            Direction::Egress => "peer `namespaceSelector: {}` allows traffic to every pod in every namespace",
        };
        let draft = META.finding(
            at.policy.source.locate(&format!("{}/namespaceSelector", at.pointer)),
            message,
            "select the namespaces by name (`kubernetes.io/metadata.name`) or add a `podSelector` to this peer",
        );
        out.push(draft.in_policy(at.index, at.policy));
    }
}
