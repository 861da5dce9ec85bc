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

/// `NF023`: `ipBlock` in the same peer as a selector.
pub(crate) const IP_BLOCK_WITH_SELECTOR: RuleMeta = RuleMeta {
    id: "NF023",
    name: "ip-block-with-selector",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`ipBlock` cannot be combined with `podSelector` or `namespaceSelector` in one peer",
};

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
