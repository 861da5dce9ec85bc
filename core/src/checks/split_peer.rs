//! `NF104 split-peer`: a `namespaceSelector` peer next to a `podSelector` peer — often one peer
//! split in two by a stray dash, which turns "these pods in those namespaces" into "all pods of
//! those namespaces, or these pods here".

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;

use super::context::{is_empty_selector, selector_text};
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF104",
    name: "split-peer",
    severity: Severity::Info,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "a `namespaceSelector` peer next to a `podSelector` peer may be one peer split by a dash",
};

const DOCS: &str = r#"
## What it flags
Two consecutive peers of one rule where one has only a (non-empty) `namespaceSelector` and the
other only a (non-empty) `podSelector`.

## Why it matters
In YAML a dash starts a new peer. Peers are ORed, selectors within one peer are ANDed:
```yaml
- namespaceSelector: {matchLabels: {team: ops}}
- podSelector: {matchLabels: {app: backup}}
```
allows *every* pod of the `team: ops` namespaces, plus `app: backup` pods of the policy's own
namespace — while the same lines without the second dash allow only `app: backup` pods in
`team: ops` namespaces. The split form is legitimate when both are meant, but it is also one
of the most common NetworkPolicy mistakes, and it silently allows far more.

## Example
```yaml
ingress:
- from:
  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
  - podSelector: {matchLabels: {app: prometheus}}
```

## How to fix
If one peer was meant, remove the second dash (the suggested fix is the corrected peer list). If both were meant, keep
them and suppress with `netfence.dev/ignore: "NF104"`, which records that the OR is intended.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

/// The peer's selector when it has only that one, non-empty.
fn only_namespaces(peer: &NetworkPolicyPeer) -> bool {
    peer.pod_selector.is_none()
        && peer.ip_block.is_none()
        && peer.namespace_selector.as_ref().is_some_and(|s| !is_empty_selector(s))
}

fn only_pods(peer: &NetworkPolicyPeer) -> bool {
    peer.namespace_selector.is_none()
        && peer.ip_block.is_none()
        && peer.pod_selector.as_ref().is_some_and(|s| !is_empty_selector(s))
}

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for (i, policy) in ctx.policies() {
        for rule in ctx.rules(policy) {
            let peers = rule.rule.peers;
            for (j, pair) in peers.windows(2).enumerate() {
                let [first, second] = pair else { continue };
                let (namespaces, pods) =
                    match (only_namespaces(first), only_pods(first), only_namespaces(second), only_pods(second)) {
                        (true, _, _, true) => (first, second),
                        (_, true, true, _) => (second, first),
                        _ => continue,
                    };
                let (Some(ns), Some(pod)) = (&namespaces.namespace_selector, &pods.pod_selector) else { continue };
                let merged = NetworkPolicyPeer {
                    namespace_selector: Some(ns.clone()),
                    pod_selector: Some(pod.clone()),
                    ip_block: None,
                };
                // the whole peer list with the pair merged into one peer
                let mut fixed: Vec<NetworkPolicyPeer> = peers.iter().take(j).cloned().collect();
                fixed.push(merged);
                fixed.extend(peers.iter().skip(j + 2).cloned());
                let base = format!("{}/{}", rule.rule.pointer, rule.rule.peers_key);
                let draft = META
                    .finding(
                        policy.source.locate(&base),
                        format!(
                            "peers `namespaceSelector` `{}` and `podSelector` `{}` are separate: every pod of those namespaces matches, not only `{}`",
                            selector_text(ns),
                            selector_text(pod),
                            selector_text(pod)
                        ),
                        "if one peer was meant, remove the dash before the second selector so both apply together",
                    )
                    .related([policy.source.locate(&format!("{base}/{j}")), policy.source.locate(&format!("{base}/{}", j + 1))])
                    .fix(crate::source::yaml_write::yaml_of(&fixed).ok());
                out.push(draft.in_policy(i, policy));
            }
        }
    }
}
