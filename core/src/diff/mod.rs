//! Semantic diff of two compiled clusters: which connections a change adds, removes or
//! changes, and which endpoints appear or disappear.
//!
//! The diff is computed on the canonical connectivity lists of both sides. In-cluster pairs
//! are compared by name. External ranges are first cut again, per in-cluster endpoint and
//! direction, at the union of both sides' range boundaries, so two sides that allow the same
//! addresses but cut the address space differently (because their policies name different
//! CIDRs) show no change; the changed pieces are then merged back into maximal ranges with
//! identical before and after connectivity.
//!
//! ```
//! use netfence::diff::{ChangeKind, diff};
//! use netfence::engine::{CompiledCluster, ConnectionFilter, EngineOptions};
//! use netfence::inventory::ResourceSet;
//! use netfence::source::ParseOptions;
//!
//! let pods = r#"
//! apiVersion: v1
//! kind: Pod
//! metadata: {name: web, namespace: shop, labels: {app: web}}
//! spec: {containers: [{name: web, image: nginx}]}
//! ---
//! apiVersion: v1
//! kind: Pod
//! metadata: {name: client, namespace: shop, labels: {app: client}}
//! spec: {containers: [{name: c, image: curl}]}
//! "#;
//! let deny = r#"
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata: {name: web-from-client, namespace: shop}
//! spec:
//!   podSelector: {matchLabels: {app: web}}
//!   ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 80}]}]
//! "#;
//! let compile = |texts: &[&str]| {
//!     let mut set = ResourceSet::default();
//!     for text in texts {
//!         set.add_text(text, "in.yaml", &ParseOptions::default()).unwrap();
//!     }
//!     CompiledCluster::compile(&set, &EngineOptions::default())
//! };
//! let result = diff(&compile(&[pods]), &compile(&[pods, deny]), &ConnectionFilter::default());
//! let change = result.connections.iter().find(|c| c.src == "shop/client[Pod]").unwrap();
//! assert_eq!(change.change, ChangeKind::Changed);
//! assert_eq!(change.head.tcp, vec![[80, 80]]);
//! ```

use crate::sorted::CompactSort;
use crate::sorted::btree_set;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::engine::intervals::Point;
use crate::engine::{
    CompiledCluster, ConnectionFilter, ConnectionRecord, Endpoint, IpRange, PortRanges, PortSet, Ports,
};

/// How the connectivity of one pair changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    /// Nothing was allowed before, something is now.
    Added,
    /// Something was allowed before, nothing is now.
    Removed,
    /// Something is allowed on both sides, but not the same.
    Changed,
}

impl ChangeKind {
    /// `added`, `removed` or `changed`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// The change of one pair: what the base allowed, what the head allows, and the difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectionChange {
    /// Source endpoint: `ns/name[Kind]` or an external range `A.B.C.D-E.F.G.H`.
    pub src: String,
    /// Destination endpoint.
    pub dst: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// What the base allows (empty: nothing).
    pub base: Ports,
    /// What the head allows (empty: nothing).
    pub head: Ports,
    /// Allowed in the head, not in the base.
    pub added: Ports,
    /// Allowed in the base, not in the head.
    pub removed: Ports,
}

/// The semantic difference between a base and a head.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConnectivityDiff {
    /// In-cluster endpoints of the head that the base lacks, sorted by name.
    pub endpoints_added: Vec<Endpoint>,
    /// In-cluster endpoints of the base that the head lacks, sorted by name.
    pub endpoints_removed: Vec<Endpoint>,
    /// Pairs whose connectivity differs, sorted by source and destination.
    pub connections: Vec<ConnectionChange>,
}

impl ConnectivityDiff {
    /// Whether base and head have the same endpoints and connectivity.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.endpoints_added.is_empty() && self.endpoints_removed.is_empty() && self.connections.is_empty()
    }

    /// How many connection changes are of `kind`.
    #[must_use]
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.connections.iter().filter(|c| c.change == kind).count()
    }

    /// Whether the endpoint named `name` exists only in the head (`Some(Added)`) or only in
    /// the base (`Some(Removed)`).
    #[must_use]
    pub fn endpoint_change(&self, name: &str) -> Option<ChangeKind> {
        if self.endpoints_added.iter().any(|e| e.name == name) {
            Some(ChangeKind::Added)
        } else if self.endpoints_removed.iter().any(|e| e.name == name) {
            Some(ChangeKind::Removed)
        } else {
            None
        }
    }
}

/// The diff from `base` to `head`, both queried with `filter`.
#[must_use]
pub fn diff(base: &CompiledCluster, head: &CompiledCluster, filter: &ConnectionFilter) -> ConnectivityDiff {
    let base_endpoints: Vec<Endpoint> = base.endpoints().cloned().collect();
    let head_endpoints: Vec<Endpoint> = head.endpoints().cloned().collect();
    diff_lists(&base.all_pairs(filter), &head.all_pairs(filter), &base_endpoints, &head_endpoints)
}

/// The diff of two canonical connectivity lists and their endpoints (as
/// [`CompiledCluster::all_pairs`] and [`CompiledCluster::endpoints`] give them).
#[must_use]
pub fn diff_lists(
    base: &[ConnectionRecord],
    head: &[ConnectionRecord],
    base_endpoints: &[Endpoint],
    head_endpoints: &[Endpoint],
) -> ConnectivityDiff {
    let base_names: BTreeSet<&str> = btree_set(base_endpoints.iter().map(|e| e.name.as_str()));
    let head_names: BTreeSet<&str> = btree_set(head_endpoints.iter().map(|e| e.name.as_str()));
    let mut endpoints_added: Vec<Endpoint> =
        head_endpoints.iter().filter(|e| !base_names.contains(e.name.as_str())).cloned().collect();
    let mut endpoints_removed: Vec<Endpoint> =
        base_endpoints.iter().filter(|e| !head_names.contains(e.name.as_str())).cloned().collect();
    endpoints_added.sort_compact_by(|a, b| a.name.cmp(&b.name));
    endpoints_removed.sort_compact_by(|a, b| a.name.cmp(&b.name));

    let (base, head) = (Side::of(base), Side::of(head));
    let mut connections = Vec::new();
    let empty = PortSet::empty();
    let pairs: BTreeSet<&(String, String)> = btree_set(base.internal.keys().chain(head.internal.keys()));
    for pair in pairs {
        let before = base.internal.get(pair).unwrap_or(&empty);
        let after = head.internal.get(pair).unwrap_or(&empty);
        if let Some(change) = change(&pair.0, &pair.1, before, after) {
            connections.push(change);
        }
    }
    let keys: BTreeSet<&(String, bool)> = btree_set(base.external.keys().chain(head.external.keys()));
    let none = Vec::new();
    for key in keys {
        let (endpoint, outbound) = (&key.0, key.1);
        let before = base.external.get(key).unwrap_or(&none);
        let after = head.external.get(key).unwrap_or(&none);
        for (range, before, after) in changed_pieces(before, after) {
            let range = range.to_string();
            let (src, dst) =
                if outbound { (endpoint.as_str(), range.as_str()) } else { (range.as_str(), endpoint.as_str()) };
            if let Some(change) = change(src, dst, &before, &after) {
                connections.push(change);
            }
        }
    }
    connections.sort_compact_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
    ConnectivityDiff { endpoints_added, endpoints_removed, connections }
}

fn change(src: &str, dst: &str, before: &PortSet, after: &PortSet) -> Option<ConnectionChange> {
    let kind = match (before.is_empty(), after.is_empty()) {
        _ if before == after => return None,
        (true, _) => ChangeKind::Added,
        (_, true) => ChangeKind::Removed,
        _ => ChangeKind::Changed,
    };
    Some(ConnectionChange {
        src: src.to_owned(),
        dst: dst.to_owned(),
        change: kind,
        base: before.to_ports(),
        head: after.to_ports(),
        added: after.difference(before).to_ports(),
        removed: before.difference(after).to_ports(),
    })
}

/// The external range an endpoint name stands for; `None` for an in-cluster endpoint
/// (`ns/name[Kind]` always holds a `/`, an external range `first-last` never does).
#[must_use]
pub fn external_range(name: &str) -> Option<IpRange> {
    if name.contains('/') { None } else { IpRange::parse(name) }
}

/// One side's canonical list, grouped: in-cluster pairs by name, external ranges by the
/// in-cluster endpoint and direction (`true`: outbound, the range is the destination).
#[derive(Default)]
struct Side {
    internal: BTreeMap<(String, String), PortSet>,
    external: BTreeMap<(String, bool), Vec<(IpRange, PortSet)>>,
}

impl Side {
    fn of(records: &[ConnectionRecord]) -> Self {
        let mut grouped: BTreeMap<(&str, &str), PortSet> = BTreeMap::new();
        for record in records {
            let ports = PortRanges::from_ranges(record.ports.iter().map(|&[from, to]| (from, to)));
            grouped.entry((record.src.as_str(), record.dst.as_str())).or_default().add(record.protocol, &ports);
        }
        let mut side = Self::default();
        for ((src, dst), ports) in grouped {
            match (external_range(src), external_range(dst)) {
                (Some(range), None) => side.external.entry((dst.to_owned(), false)).or_default().push((range, ports)),
                (None, Some(range)) => side.external.entry((src.to_owned(), true)).or_default().push((range, ports)),
                _ => {
                    side.internal.insert((src.to_owned(), dst.to_owned()), ports);
                }
            }
        }
        for ranges in side.external.values_mut() {
            ranges.sort_compact_by_key(|(range, _)| *range);
        }
        side
    }
}

/// A range of one family with its allowed ports.
type Piece<'a, T> = (T, T, &'a PortSet);

/// The pieces of the address space where `before` and `after` differ, each with both sides'
/// ports; adjacent pieces with the same ports on both sides are merged.
fn changed_pieces(before: &[(IpRange, PortSet)], after: &[(IpRange, PortSet)]) -> Vec<(IpRange, PortSet, PortSet)> {
    let mut out: Vec<(IpRange, PortSet, PortSet)> =
        recut(&v4(before), &v4(after)).into_iter().map(|(a, b, x, y)| (IpRange::V4(a, b), x, y)).collect();
    out.extend(recut(&v6(before), &v6(after)).into_iter().map(|(a, b, x, y)| (IpRange::V6(a, b), x, y)));
    out
}

fn v4(list: &[(IpRange, PortSet)]) -> Vec<Piece<'_, u32>> {
    list.iter().filter_map(|(r, p)| if let IpRange::V4(a, b) = r { Some((*a, *b, p)) } else { None }).collect()
}

fn v6(list: &[(IpRange, PortSet)]) -> Vec<Piece<'_, u128>> {
    list.iter().filter_map(|(r, p)| if let IpRange::V6(a, b) = r { Some((*a, *b, p)) } else { None }).collect()
}

/// `before` and `after` (sorted, disjoint ranges) cut at the union of their boundaries; the
/// pieces whose ports differ, merged where adjacent pieces have the same ports on both sides.
fn recut<T: Point>(before: &[Piece<'_, T>], after: &[Piece<'_, T>]) -> Vec<(T, T, PortSet, PortSet)> {
    let mut starts: BTreeSet<T> = BTreeSet::new();
    for (first, last, _) in before.iter().chain(after) {
        starts.insert(*first);
        if let Some(next) = last.succ() {
            starts.insert(next);
        }
    }
    let empty = PortSet::empty();
    let lookup = |list: &[Piece<'_, T>], at: T| -> PortSet {
        let i = list.partition_point(|(_, last, _)| *last < at);
        list.get(i).filter(|(first, _, _)| *first <= at).map_or_else(|| empty.clone(), |(_, _, p)| (*p).clone())
    };
    let mut out: Vec<(T, T, PortSet, PortSet)> = Vec::new();
    for &start in &starts {
        let end =
            starts.range((Bound::Excluded(start), Bound::Unbounded)).next().and_then(|n| n.pred()).unwrap_or(T::MAX);
        let (x, y) = (lookup(before, start), lookup(after, start));
        if x == y {
            continue;
        }
        if let Some(last) = out.last_mut()
            && last.1.succ() == Some(start)
            && last.2 == x
            && last.3 == y
        {
            last.1 = end;
            continue;
        }
        out.push((start, end, x, y));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::Protocol;

    fn tcp(lo: u16, hi: u16) -> PortSet {
        PortSet::of(Protocol::Tcp, PortRanges::range(lo, hi))
    }

    #[test]
    fn recut_ignores_how_ranges_were_cut() {
        let all = PortSet::all();
        let before = [(0u32, 99u32, &all)];
        let after = [(0u32, 49u32, &all), (50, 99, &all)];
        assert!(recut(&before, &after).is_empty());
    }

    #[test]
    fn recut_reports_and_merges_changed_pieces() {
        let (a, b) = (tcp(80, 80), tcp(443, 443));
        let before = [(0u32, 99u32, &a)];
        let after = [(0u32, 9u32, &a), (10, 19, &b), (20, 29, &b), (30, 99, &a), (200, 300, &a)];
        let got = recut(&before, &after);
        assert_eq!(got, vec![(10, 29, a.clone(), b.clone()), (200, 300, PortSet::empty(), a.clone())]);
    }

    #[test]
    fn recut_reaches_the_top_of_the_address_space() {
        let a = PortSet::all();
        let after = [(5u32, u32::MAX, &a)];
        assert_eq!(recut(&[], &after), vec![(5, u32::MAX, PortSet::empty(), a.clone())]);
    }

    #[test]
    fn change_kinds() {
        assert_eq!(change("a", "b", &PortSet::empty(), &tcp(1, 2)).unwrap().change, ChangeKind::Added);
        assert_eq!(change("a", "b", &tcp(1, 2), &PortSet::empty()).unwrap().change, ChangeKind::Removed);
        let c = change("a", "b", &tcp(1, 2), &tcp(2, 3)).unwrap();
        assert_eq!(
            (c.change, c.added.tcp.clone(), c.removed.tcp.clone()),
            (ChangeKind::Changed, vec![[3, 3]], vec![[1, 1]])
        );
        assert!(change("a", "b", &tcp(1, 2), &tcp(1, 2)).is_none());
    }
}
