//! `NF404 widens-selector`: an edited policy whose selector, peers or ports now match
//! strictly more than before.

use crate::util::CompactSort;
use std::collections::BTreeSet;

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{ChangeCheck, ChangeContext};
use crate::checks::{Category, CheckMeta, Draft};
use crate::engine::IpSet;
use crate::model::Severity;
use crate::validate::walk::{Rule, rules};

const META: CheckMeta = CheckMeta {
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
head matches strictly more than the base:
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
        let base_rules = rules(b);
        for rule in rules(h) {
            let Some(old) = base_rules.iter().find(|r| r.pointer == rule.pointer) else { continue };
            compare_rule(old, &rule, &mut report);
        }
    }
}

fn compare_rule(old: &Rule<'_>, new: &Rule<'_>, report: &mut impl FnMut(String, String)) {
    let key = new.peers_key;
    if !old.peers.is_empty() && new.peers.is_empty() {
        report(new.pointer.clone(), format!("the rule lost its `{key}` peers and now allows every peer"));
    }
    if !old.ports.is_empty() && new.ports.is_empty() {
        report(new.pointer.clone(), "the rule lost its `ports` and now allows every port".to_owned());
    }
    for (i, (o, n)) in old.peers.iter().zip(new.peers).enumerate() {
        let at = format!("{}/{key}/{i}", new.pointer);
        compare_peer(o, n, &at, report);
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
            (o.except.iter().flatten().collect(), n.except.iter().flatten().collect());
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
    let mut out: BTreeSet<String> = selector.match_labels.iter().flatten().map(|(k, v)| format!("{k}={v}")).collect();
    for e in selector.match_expressions.iter().flatten() {
        let mut values: Vec<&String> = e.values.iter().flatten().collect();
        values.sort_compact();
        out.insert(format!("{} {} {values:?}", e.key, e.operator));
    }
    out
}
