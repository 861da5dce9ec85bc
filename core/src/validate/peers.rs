//! Peers: each `from`/`to` entry sets at least one of `podSelector`, `namespaceSelector`,
//! `ipBlock`, and `ipBlock` stands alone.

use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::model::walk;

/// `NF022`: a peer with none of `podSelector`, `namespaceSelector`, `ipBlock`.
///
/// An empty peer is not "everything": the server rejects it. To allow every source (or
/// destination), leave `from` (`to`) out of the rule.
pub(crate) const EMPTY_PEER: RuleMeta = RuleMeta {
    id: "NF022",
    name: "empty-peer",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "a peer sets `podSelector`, `namespaceSelector` or `ipBlock`",
};

pub(crate) const EMPTY_PEER_DOCS: &str = r#"
## What it flags
An entry of an ingress rule's `from` or an egress rule's `to` that sets none of `podSelector`,
`namespaceSelector` and `ipBlock`: `{}`, or only `null` values. When the only key of a peer is
misspelt, this finding comes with `NF001` for the unknown key.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `spec.ingress[0].from[0]:
Required value: must specify a peer`. An empty peer does not mean "everyone": leaving `from`
(or `to`) out of the rule does.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - {}
    ports:
    - {protocol: TCP, port: 8080}
```

## How to fix
To allow every source (or destination), leave `from` (or `to`) out; to allow every pod of every
namespace, use `namespaceSelector: {}`:
```yaml
  ingress:
  - ports:
    - {protocol: TCP, port: 8080}
```
"#;

/// `NF023`: `ipBlock` in the same peer as a selector.
pub(crate) const IP_BLOCK_WITH_SELECTOR: RuleMeta = RuleMeta {
    id: "NF023",
    name: "ip-block-with-selector",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`ipBlock` cannot be combined with `podSelector` or `namespaceSelector` in one peer",
};

pub(crate) const IP_BLOCK_WITH_SELECTOR_DOCS: &str = r#"
## What it flags
A peer that sets `ipBlock` together with `podSelector`, `namespaceSelector` or both. The
finding is at `ipBlock`, with the selectors as related locations.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `spec.egress[0].to[0]:
Forbidden: may not specify both ipBlock and another peer`. It is usually a missing `-`: the
author meant two peers, which are alternatives, and wrote one. (`podSelector` and
`namespaceSelector` in one peer are valid: pods matching the one in namespaces matching the
other.)

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to:
    - podSelector: {matchLabels: {app: db}}
      ipBlock: {cidr: 10.20.0.0/16}
```

## How to fix
Put `ipBlock` in a peer of its own:
```yaml
  - to:
    - podSelector: {matchLabels: {app: db}}
    - ipBlock: {cidr: 10.20.0.0/16}
```
"#;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let spec = ctx.policy.object.spec.as_ref();
    for (at, peer) in walk::peers(spec) {
        let selectors: Vec<&str> = [
            peer.pod_selector.as_ref().map(|_| "podSelector"),
            peer.namespace_selector.as_ref().map(|_| "namespaceSelector"),
        ]
        .into_iter()
        .flatten()
        .collect();
        match (&peer.ip_block, selectors.as_slice()) {
            (None, []) => {
                let list = if at.contains("/from/") { "from" } else { "to" };
                let draft = EMPTY_PEER.finding(
                    ctx.at(&at),
                    "peer has no `podSelector`, `namespaceSelector` or `ipBlock`",
                    format!("to match every peer, leave `{list}` out of the rule; to match every pod in every namespace, use `namespaceSelector: {{}}`"),
                );
                ctx.report(draft);
            }
            (Some(_), [_, ..]) => {
                let with = selectors.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(" and ");
                let mut draft = IP_BLOCK_WITH_SELECTOR.finding(
                    ctx.at_key(&at, "ipBlock"),
                    format!("peer combines `ipBlock` with {with}"),
                    "put `ipBlock` in a peer of its own; peers in one list are alternatives",
                );
                for s in &selectors {
                    draft = draft.related([ctx.at_key(&at, s)]);
                }
                ctx.report(draft);
            }
            _ => {}
        }
    }
}
