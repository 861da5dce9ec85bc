//! `NF302 peer-selects-nothing`: a peer selector that matches no pod or namespace of the
//! inventory, with "did you mean" suggestions from the labels that exist.

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::context::selector_text;
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::inventory::{NAMESPACE_NAME_LABEL, PolicyResource};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF302",
    name: "peer-selects-nothing",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a peer's selectors match no pod (or no namespace) of the inventory",
};

const DOCS: &str = r#"
## What it flags
A `from` / `to` peer whose selectors match nothing in the input:
- a `podSelector` alone that matches no pod of the policy's namespace, judged where the input
  has workloads in that namespace;
- a `podSelector` with a `namespaceSelector` that matches no pod of the selected namespaces,
  judged when the namespace selector names its namespaces (`kubernetes.io/metadata.name`)
  and the input has workloads in each, or when a label is a near miss (a namespace selector
  such as `{}` may match namespaces the input does not have);
- a `namespaceSelector` that matches no namespace — reported when a label is a near miss of
  one that exists (a typo), or always with `completeInventory`.

A peer whose `podSelector` alone matches pods of *other* namespaces is reported as `NF303`.

## Why it matters
A peer that matches nothing allows nothing: the traffic the rule was written for is denied.
The usual causes are a misspelt label key or value, a label that exists on the Deployment but
not on its pod template, or a namespace selected by a label namespaces do not carry.

## Example
```yaml
ingress:
- from:
  - podSelector:
      matchLabels: {app: fronted}    # pods are labelled app: frontend
```

## How to fix
Correct the selector (the suggested fix names the label that exists). To select a namespace
by name, use the label every namespace has: `kubernetes.io/metadata.name: <name>`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for at in ctx.peers() {
        if let Some(draft) = check_peer(ctx, at.policy, &at.pointer, at.peer) {
            out.push(draft.in_policy(at.index, at.policy));
        }
    }
}

fn check_peer(
    ctx: &CheckContext<'_>,
    policy: &PolicyResource,
    pointer: &str,
    peer: &NetworkPolicyPeer,
) -> Option<Draft> {
    if peer.ip_block.is_some() {
        return None;
    }
    let complete = ctx.config.complete_inventory;
    match (&peer.pod_selector, &peer.namespace_selector) {
        (None, None) => None,
        (Some(pods), None) => {
            let namespace = policy.namespace.as_str();
            if !(ctx.has_endpoints(namespace) || complete) || ctx.peer_matches_any(namespace, peer) {
                return None;
            }
            // pods in other namespaces match: the forgotten namespaceSelector (NF303)
            if ctx.pods_match_any(pods, None) {
                return None;
            }
            let message = format!("peer `podSelector` `{}` matches no pod in `{namespace}`", selector_text(pods));
            Some(pods_finding(ctx, policy, pointer, pods, &[namespace], message))
        }
        (pods, Some(namespaces)) => {
            let matched = ctx.namespaces_matching(namespaces);
            if matched.is_empty() {
                let at = format!("{pointer}/namespaceSelector");
                let candidates = ctx.namespace_labels();
                let miss = ctx.near_miss(policy, &at, namespaces, &candidates);
                if miss.is_none() && !complete {
                    return None;
                }
                let message = format!("peer `namespaceSelector` `{}` matches no namespace", selector_text(namespaces));
                return Some(match miss {
                    Some(miss) => META.finding(miss.location.clone(), message, miss.help()).fix(miss.fix()),
                    None => META.finding(
                        policy.source.locate(&at),
                        message,
                        "select namespaces by a label they carry, e.g. `kubernetes.io/metadata.name: <name>`",
                    ),
                });
            }
            let pods = pods.as_ref()?;
            if ctx.peer_matches_any(&policy.namespace, peer) {
                return None;
            }
            // the namespace selector may match namespaces the input does not have; judge only
            // when it names its namespaces and the input has workloads in each of them
            let pinned = pinned_namespaces(namespaces).is_some_and(|names| names.iter().all(|n| ctx.has_endpoints(n)));
            let near = || {
                let candidates = ctx.labels_in(&matched);
                ctx.near_miss(policy, &format!("{pointer}/podSelector"), pods, &candidates).is_some()
            };
            if !(complete || pinned || (matched.iter().any(|n| ctx.has_endpoints(n)) && near())) {
                return None;
            }
            let names: Vec<String> = matched.iter().map(|n| (*n).to_owned()).collect();
            let message = format!(
                "peer `podSelector` `{}` matches no pod in the selected namespaces {}",
                selector_text(pods),
                super::context::list(&names, 3)
            );
            Some(pods_finding(ctx, policy, pointer, pods, &matched, message))
        }
    }
}

/// The namespace names a selector pins with `kubernetes.io/metadata.name` (`matchLabels` or
/// an `In` expression), if it does.
fn pinned_namespaces(selector: &LabelSelector) -> Option<Vec<String>> {
    if let Some(name) = selector.match_labels.as_ref().and_then(|l| l.get(NAMESPACE_NAME_LABEL)) {
        return Some(vec![name.clone()]);
    }
    selector
        .match_expressions
        .iter()
        .flatten()
        .find(|e| e.key == NAMESPACE_NAME_LABEL && e.operator == "In")
        .map(|e| e.values.clone().unwrap_or_default())
}

/// A finding for a pod selector that matches nothing in `namespaces`, with a near miss when
/// one exists.
fn pods_finding(
    ctx: &CheckContext<'_>,
    policy: &PolicyResource,
    pointer: &str,
    pods: &LabelSelector,
    namespaces: &[&str],
    message: String,
) -> Draft {
    let at = format!("{pointer}/podSelector");
    let candidates = ctx.labels_in(namespaces);
    match ctx.near_miss(policy, &at, pods, &candidates) {
        Some(miss) => META.finding(miss.location.clone(), message, miss.help()).fix(miss.fix()),
        None => META.finding(
            policy.source.locate(&at),
            message,
            "check the pod template labels of the workloads this peer is meant for",
        ),
    }
}
