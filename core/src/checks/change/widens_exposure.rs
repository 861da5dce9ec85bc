//! `NF405 widens-exposure`: the change widens what an existing endpoint is exposed to beyond
//! the endpoints of the input — the entire cluster, or namespaces and pods by label that may
//! not exist yet (see `engine::exposure`).

use super::{ChangeCheck, ChangeContext, at_rule};
use crate::checks::{Category, Draft};
use crate::engine::{ConnectionFilter, ExposedTo, PortSet, SideExposure, exposure_ports_text};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF405",
    name: "widens-exposure",
    severity: Severity::Warning,
    category: Category::Change,
    since: "0.1.0",
    summary: "the change exposes an endpoint to more of the cluster than the base, including pods that do not exist yet",
};

const DOCS: &str = r#"
## What it flags
An endpoint of both versions whose exposure grows: after the change, a rule of an isolating
policy admits a potential peer the base did not — the entire cluster, the pods of namespaces
with some label, pods with some label in any namespace — or more ports towards one. Potential
peers are what the selectors admit, whether or not such pods exist today (`netfence analyze
--exposure` lists them). One finding per endpoint, direction and potential peer, at the rule
that admits it.

## Why it matters
The connectivity diff compares the pods in the input. A rule `from: [{namespaceSelector:
{matchLabels: {team: payments}}}]` opens the database to every namespace labelled
`team: payments` that anyone creates later; the diff shows nothing if no such namespace exists
yet. This check shows the reviewer what the change makes possible, not only what it allows
today.

## Example
The head admits namespaces by label where the base named one namespace:
```yaml
ingress:
- from:
  - namespaceSelector: {matchLabels: {team: payments}}
  ports: [{port: 5432}]
```

## How to fix
Name the namespaces that need access (`kubernetes.io/metadata.name`) and the pods
(`podSelector`), or suppress the finding with `netfence.dev/ignore: "NF405"` when the label is
the intended contract.
"#;

pub(super) const CHECK: ChangeCheck = ChangeCheck { meta: META, docs: DOCS, run };

/// What `peer` adds over the base side: its ports beyond those the base admits for the same
/// potential peer and for the entire cluster (`None`: nothing new).
fn widening(base: &SideExposure, peer: &ExposedTo) -> Option<PortSet> {
    let mut covered = PortSet::empty();
    let mut names: Vec<&String> = Vec::new();
    for old in base.peers.iter().filter(|p| p.peer.entire_cluster || p.peer.name == peer.peer.name) {
        covered.union_with(&PortSet::from_ports(&old.ports));
        names.extend(&old.named_ports);
    }
    let added = PortSet::from_ports(&peer.ports).difference(&covered);
    let new_names = peer.named_ports.iter().any(|n| !names.contains(&n));
    (!added.is_empty() || new_names).then_some(added)
}

fn run(ctx: &ChangeContext<'_>, out: &mut Vec<Draft>) {
    let input = ctx.input;
    let filter = ConnectionFilter::default();
    let base = input.base_cluster.exposure(input.base, &filter);
    let head = input.head_cluster.exposure(input.head, &filter);
    for endpoint in &head.endpoints {
        let Some(before) = base.endpoints.iter().find(|e| e.endpoint == endpoint.endpoint) else { continue };
        let sides = [(true, &endpoint.ingress, &before.ingress), (false, &endpoint.egress, &before.egress)];
        for (ingress, now, then) in sides {
            let (Some(now), Some(then)) = (now, then) else { continue };
            // an unprotected base side was open to everything already
            if !now.protected || !then.protected {
                continue;
            }
            for peer in &now.peers {
                if widening(then, peer).is_none() {
                    continue;
                }
                let who = if peer.peer.entire_cluster {
                    "any pod of the entire cluster".to_owned()
                } else {
                    format!("`{}` (pods and namespaces that may not exist yet)", peer.peer.name)
                };
                let (src, dst) = if ingress {
                    (who, format!("`{}`", endpoint.endpoint))
                } else {
                    (format!("`{}`", endpoint.endpoint), who)
                };
                let before = then
                    .peers
                    .iter()
                    .find(|p| p.peer.name == peer.peer.name)
                    .map_or_else(|| "nothing".to_owned(), exposure_ports_text);
                let message = format!(
                    "after the change {src} could reach {dst} on {} (before: {before})",
                    exposure_ports_text(peer)
                );
                let help = "name the namespaces and pods that need access instead of matching labels anyone can set";
                // a cluster-scoped Allow, when no NetworkPolicy rule admits the peer
                let tier_allow = peer
                    .tier_rules
                    .iter()
                    .find(|r| r.action == crate::model::TierAction::Allow)
                    .and_then(|r| r.location.clone());
                if let Some(draft) =
                    at_rule(ctx, &META, peer.rules.first(), tier_allow, &endpoint.endpoint, message, help)
                {
                    out.push(draft);
                }
            }
        }
    }
}
