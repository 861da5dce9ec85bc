//! `NF404 widens-selector`: an edited policy whose selector, peers or ports now match
//! strictly more than before.

use crate::sorted::CompactSort;
use std::collections::BTreeSet;

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{ChangeCheck, ChangeContext};
use crate::checks::InPolicy;
use crate::checks::{Category, Draft};
use crate::engine::IpSet;
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::model::walk::{Rule, rules};

const META: RuleMeta = RuleMeta {
    id: "NF404",
    name: "widens-selector",
    severity: Severity::Info,
    category: Category::Change,
    since: "0.1.0",
    summary: "an edited policy's selector, peer, CIDR or ports now match strictly more than before",
};

const DOCS: &str = r#"
## What it flags
A policy present in base and head (same namespace and name) where, at the same place, the
head matches strictly more than the base. Unchanged rules and peers are matched up first; each
changed one is compared with the changed base rule or peer it shares the most constraints with,
so adding, removing or reordering rules or peers does not shift the comparison:
- `podSelector` or a peer's `namespaceSelector`/`podSelector` dropped some of its
  `matchLabels` or `matchExpressions` (and kept the others);
- a peer's `podSelector` was removed next to a `namespaceSelector` (every pod of the
  namespaces);
- an `ipBlock` CIDR now contains the old one, or lost `except` entries;
- a rule lost its `from`/`to` (every peer) or its `ports` (every port).

## Why it matters
A selector with fewer constraints matches every pod the old one matched and more, now and for
pods created later. The diff of the YAML shows a deleted line; this names what it means.

## Example
```yaml
# base
podSelector: {matchLabels: {app: frontend, tier: web}}
# head
podSelector: {matchLabels: {app: frontend}}
```

## How to fix
Make sure the wider match is intended, or restore the constraint.
"#;

pub(super) const CHECK: ChangeCheck = ChangeCheck { meta: META, docs: DOCS, run };

fn run(ctx: &ChangeContext<'_>, out: &mut Vec<Draft>) {
    for (index, head) in ctx.input.head.policies.iter().enumerate() {
        let Some((_, base)) = ctx.base_policy(&head.namespace, &head.name) else { continue };
        let mut report = |pointer: String, message: String| {
            let draft = META.finding(head.source.locate(&pointer), message, "make sure the wider match is intended");
            out.push(draft.in_policy(index, head));
        };
        let (b, h) = (base.object.spec.as_ref(), head.object.spec.as_ref());
        if let (Some(b), Some(h)) = (b.and_then(|s| s.pod_selector.as_ref()), h.and_then(|s| s.pod_selector.as_ref()))
            && wider(b, h)
        {
            report(
                "/spec/podSelector".to_owned(),
                "`podSelector` now selects more pods: it lost some of its constraints".to_owned(),
            );
        }
        let (base_rules, head_rules) = (rules(b), rules(h));
        for key in ["from", "to"] {
            let old: Vec<&Rule<'_>> = base_rules.iter().filter(|r| r.peers_key == key).collect();
            let new: Vec<&Rule<'_>> = head_rules.iter().filter(|r| r.peers_key == key).collect();
            let same = |a: &&Rule<'_>, b: &&Rule<'_>| a.peers == b.peers && a.ports == b.ports;
            for (o, n) in changed_pairs(&old, &new, same, rule_keys) {
                if let (Some(o), Some(n)) = (old.get(o), new.get(n)) {
                    compare_rule(o, n, &mut report);
                }
            }
        }
    }
}

/// The items of `old` and `new` to compare. An item of `new` equal to one of `old` (each old
/// item used once) is unchanged and left out. Each remaining item of `new`, in order, pairs
/// with a remaining item of `old` it shares constraints with (`keys`), the pairs sharing the
/// most taken first (the earliest on a tie); the items left then pair in order. So a rule or
/// peer added, removed or moved does not shift the comparison of the others.
fn changed_pairs<T>(
    old: &[T],
    new: &[T],
    same: impl Fn(&T, &T) -> bool,
    keys: impl Fn(&T) -> BTreeSet<String>,
) -> Vec<(usize, usize)> {
    let mut old_used = vec![false; old.len()];
    let mut new_left = Vec::new();
    for (j, n) in new.iter().enumerate() {
        let unchanged = old.iter().enumerate().position(|(i, o)| old_used.get(i) == Some(&false) && same(o, n));
        match unchanged.and_then(|i| old_used.get_mut(i)) {
            Some(used) => *used = true,
            None => new_left.push(j),
        }
    }
    // the changed items, paired best first: most shared constraints, then earliest
    let old_left: Vec<(usize, BTreeSet<String>)> =
        old.iter().enumerate().filter(|(i, _)| old_used.get(*i) == Some(&false)).map(|(i, o)| (i, keys(o))).collect();
    let mut candidates: Vec<(usize, usize, usize)> = Vec::new();
    for &j in &new_left {
        let Some(n) = new.get(j) else { continue };
        let new_keys = keys(n);
        for (i, old_keys) in &old_left {
            let shared = old_keys.intersection(&new_keys).count();
            if shared > 0 {
                candidates.push((shared, j, *i));
            }
        }
    }
    candidates.sort_compact_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut new_done: BTreeSet<usize> = BTreeSet::new();
    let mut pairs = Vec::new();
    for (_, j, i) in candidates {
        if new_done.contains(&j) || old_used.get(i) != Some(&false) {
            continue;
        }
        if let Some(used) = old_used.get_mut(i) {
            *used = true;
        }
        new_done.insert(j);
        pairs.push((i, j));
    }
    // what is left (e.g. a selector emptied to `{}`) pairs in order
    let old_rest = old_left.iter().map(|(i, _)| *i).filter(|i| old_used.get(*i) == Some(&false));
    pairs.extend(old_rest.zip(new_left.into_iter().filter(|j| !new_done.contains(j))));
    pairs
}

/// A peer's constraints, each as one comparable string.
fn peer_keys(peer: &NetworkPolicyPeer) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (field, selector) in [("ns", &peer.namespace_selector), ("pod", &peer.pod_selector)] {
        if let Some(selector) = selector {
            out.extend(constraints(selector).into_iter().map(|c| format!("{field}:{c}")));
        }
    }
    if let Some(block) = &peer.ip_block {
        out.insert(format!("cidr:{}", block.cidr));
        out.extend(block.except.iter().flatten().map(|e| format!("except:{e}")));
    }
    out
}

/// A rule's constraints: its peers' and its ports.
fn rule_keys(rule: &&Rule<'_>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = crate::sorted::btree_set(rule.peers.iter().flat_map(peer_keys));
    for port in rule.ports {
        let number = port.port.as_ref().map(|p| match p {
            IntOrString::Int(n) => n.to_string(),
            IntOrString::String(s) => s.clone(),
        });
        out.insert(format!("port:{:?}/{}/{:?}", port.protocol, number.unwrap_or_default(), port.end_port));
    }
    out
}

fn compare_rule(old: &Rule<'_>, new: &Rule<'_>, report: &mut impl FnMut(String, String)) {
    let key = new.peers_key;
    if !old.peers.is_empty() && new.peers.is_empty() {
        report(new.pointer.clone(), format!("the rule lost its `{key}` peers and now allows every peer"));
    }
    if !old.ports.is_empty() && new.ports.is_empty() {
        report(new.pointer.clone(), "the rule lost its `ports` and now allows every port".to_owned());
    }
    for (o, n) in changed_pairs(old.peers, new.peers, |a, b| a == b, peer_keys) {
        if let (Some(o), Some(p)) = (old.peers.get(o), new.peers.get(n)) {
            compare_peer(o, p, &format!("{}/{key}/{n}", new.pointer), report);
        }
    }
}

fn compare_peer(old: &NetworkPolicyPeer, new: &NetworkPolicyPeer, at: &str, report: &mut impl FnMut(String, String)) {
    for (field, o, n) in [
        ("namespaceSelector", &old.namespace_selector, &new.namespace_selector),
        ("podSelector", &old.pod_selector, &new.pod_selector),
    ] {
        if let (Some(o), Some(n)) = (o, n)
            && wider(o, n)
        {
            report(format!("{at}/{field}"), format!("`{field}` now matches more: it lost some of its constraints"));
        }
    }
    if old.pod_selector.as_ref().is_some_and(|s| !constraints(s).is_empty())
        && new.pod_selector.is_none()
        && new.namespace_selector.is_some()
        && old.namespace_selector.is_some()
    {
        report(at.to_owned(), "the peer lost its `podSelector` and now matches every pod of the namespaces".to_owned());
    }
    if let (Some(o), Some(n)) = (&old.ip_block, &new.ip_block) {
        let (oc, nc) = (IpSet::parse_cidr(&o.cidr), IpSet::parse_cidr(&n.cidr));
        if let (Some(oc), Some(nc)) = (oc, nc)
            && oc != nc
            && oc.difference(&nc).is_empty()
        {
            report(format!("{at}/ipBlock/cidr"), format!("the CIDR `{}` now contains the former `{}`", n.cidr, o.cidr));
        }
        let (oe, ne): (BTreeSet<&String>, BTreeSet<&String>) =
            (crate::sorted::btree_set(o.except.iter().flatten()), crate::sorted::btree_set(n.except.iter().flatten()));
        if o.cidr == n.cidr && ne.is_subset(&oe) && ne.len() < oe.len() {
            report(format!("{at}/ipBlock"), "the `ipBlock` lost some of its `except` entries".to_owned());
        }
    }
}

/// Whether `new` matches strictly more than `old`: its constraints are a strict subset.
fn wider(old: &LabelSelector, new: &LabelSelector) -> bool {
    let (o, n) = (constraints(old), constraints(new));
    n.len() < o.len() && n.is_subset(&o)
}

/// A selector's constraints, each as one comparable string.
fn constraints(selector: &LabelSelector) -> BTreeSet<String> {
    let mut out: BTreeSet<String> =
        crate::sorted::btree_set(selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")));
    for e in selector.match_expressions.iter().flatten() {
        let mut values: Vec<&String> = e.values.iter().flatten().collect();
        values.sort_compact();
        out.insert(format!("{} {} {values:?}", e.key, e.operator));
    }
    out
}
