//! `NF303 pod-selector-other-namespace`: a peer `podSelector` alone whose pods exist only in
//! other namespaces — the forgotten `namespaceSelector`.

use std::collections::BTreeSet;

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::context::{list, selector_text};
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::inventory::NAMESPACE_NAME_LABEL;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF303",
    name: "pod-selector-other-namespace",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a peer `podSelector` without `namespaceSelector` matches pods only in other namespaces",
};

const DOCS: &str = r#"
## What it flags
A peer with a `podSelector` and no `namespaceSelector` that matches no pod of the policy's
own namespace, while pods of other namespaces do match.

## Why it matters
A `podSelector` alone only ever selects pods in the policy's namespace. Writing
`podSelector: {matchLabels: {app: prometheus}}` to admit Prometheus from `monitoring` matches
nothing: the traffic is denied. This is the most common NetworkPolicy mistake.

## Example
```yaml
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: prometheus}}   # prometheus runs in `monitoring`
```

## How to fix
Add a `namespaceSelector` to the same peer (no dash before it, so both apply together):
```yaml
    - namespaceSelector:
        matchLabels: {kubernetes.io/metadata.name: monitoring}
      podSelector:
        matchLabels: {app: prometheus}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for at in ctx.peers() {
        let namespace = at.policy.namespace.as_str();
        let (Some(pods), None, None) = (&at.peer.pod_selector, &at.peer.namespace_selector, &at.peer.ip_block) else {
            continue;
        };
        let judged = ctx.has_endpoints(namespace) || ctx.config.complete_inventory;
        if !judged || ctx.peer_matches_any(namespace, at.peer) {
            continue;
        }
        let found = ctx.pods_matching(pods, None);
        let elsewhere: BTreeSet<&str> = crate::sorted::btree_set(
            found.iter().filter_map(|e| ctx.endpoints().get(*e)).map(|e| e.namespace.as_str()),
        );
        if elsewhere.is_empty() {
            continue;
        }
        let names: Vec<String> = elsewhere.iter().map(|n| (*n).to_owned()).collect();
        let fix = match names.as_slice() {
            [only] => peer_fix(pods, only),
            _ => None,
        };
        let draft = META
            .finding(
                at.policy.source.locate(&at.pointer),
                format!(
                    "peer `podSelector` `{}` only selects pods in `{namespace}`, but the matching pods are in {}",
                    selector_text(pods),
                    list(&names, 3)
                ),
                "a `podSelector` alone never leaves the policy's namespace; add a `namespaceSelector` to the same peer",
            )
            .fix(fix)
            .related(
                found
                    .iter()
                    .filter_map(|e| ctx.endpoints().get(*e))
                    .take(3)
                    .map(|e| CheckContext::endpoint_location(e)),
            );
        out.push(draft.in_policy(at.index, at.policy));
    }
}

/// The peer with a `namespaceSelector` for `namespace` added, as YAML.
fn peer_fix(pods: &LabelSelector, namespace: &str) -> Option<String> {
    let peer = NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector {
            match_labels: Some([(NAMESPACE_NAME_LABEL.to_owned(), namespace.to_owned())].into()),
            match_expressions: None,
        }),
        pod_selector: Some(pods.clone()),
        ip_block: None,
    };
    crate::source::yaml_write::yaml_of(&peer).ok()
}
