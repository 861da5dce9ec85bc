//! Queries on a compiled cluster: endpoints, all-pairs connectivity in the canonical form,
//! and the connection between two endpoints.

use crate::sorted::CompactSort;
use std::borrow::Cow;
use std::collections::HashMap;

use super::bitset::ClassSet;
use super::compile::{CompiledCluster, EMPTY, RuleEntry, Runs, SetId, Side, group_by};
use super::ipset::IpRange;
use super::ports::{PortRanges, PortSet};
use super::types::{
    Connection, ConnectionFilter, ConnectionRecord, Connectivity, Direction, Endpoint, EndpointName, ExternalRange,
};
use crate::error::{Error, ErrorCode};
use crate::model::Protocol;

/// An endpoint named in a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// An in-cluster endpoint (index into the sorted endpoints).
    Cluster(usize),
    /// An external address range (every cut range it overlaps is consulted).
    External(IpRange),
}

/// Which endpoints a filter focuses on.
pub(super) struct Focus<'a> {
    filter: &'a ConnectionFilter,
    workloads: Vec<bool>,
    peers: Vec<bool>,
}

pub(crate) fn name_matches(pattern: &str, endpoint: &Endpoint) -> bool {
    pattern == endpoint.name
        || pattern == endpoint.workload
        || pattern.split_once('/').is_some_and(|(ns, name)| ns == endpoint.namespace && name == endpoint.workload)
}

impl<'a> Focus<'a> {
    pub(super) fn new(filter: &'a ConnectionFilter, cluster: &CompiledCluster) -> Self {
        let mark = |patterns: &[String]| -> Vec<bool> {
            cluster
                .endpoints
                .iter()
                .map(|e| patterns.is_empty() || patterns.iter().any(|p| name_matches(p, &e.public)))
                .collect()
        };
        Self { filter, workloads: mark(&filter.focus_workloads), peers: mark(&filter.focus_workload_peers) }
    }

    pub(super) fn is_focus(&self, endpoint: Option<usize>) -> bool {
        endpoint.is_some_and(|i| self.workloads.get(i).copied().unwrap_or(false))
    }

    pub(super) fn is_peer(&self, endpoint: Option<usize>) -> bool {
        match endpoint {
            Some(i) => self.peers.get(i).copied().unwrap_or(false),
            // external endpoints are peers unless specific peers are asked for
            None => self.filter.focus_workload_peers.is_empty(),
        }
    }

    /// Whether the connection `src → dst` is reported (`None`: external).
    pub(super) fn keeps(&self, src: Option<usize>, dst: Option<usize>) -> bool {
        let as_egress = self.is_focus(src) && self.is_peer(dst);
        let as_ingress = self.is_focus(dst) && self.is_peer(src);
        match self.filter.focus_direction {
            None => as_egress || as_ingress,
            Some(Direction::Egress) => as_egress,
            Some(Direction::Ingress) => as_ingress,
        }
    }

    pub(super) fn restrict<'s>(&self, set: &'s PortSet) -> Cow<'s, PortSet> {
        match self.filter.focus_connection {
            None => Cow::Borrowed(set),
            Some(pp) => Cow::Owned(set.intersection(&PortSet::of(pp.protocol, PortRanges::range(pp.port, pp.port)))),
        }
    }
}

/// Two lists in canonical order as one (`extra` is sorted here; it is short).
fn merge_canonical(sorted: Vec<ConnectionRecord>, mut extra: Vec<ConnectionRecord>) -> Vec<ConnectionRecord> {
    super::types::sort_canonical(&mut extra);
    fn key(r: &ConnectionRecord) -> (&str, &str, &str) {
        (r.src.as_str(), r.dst.as_str(), r.protocol.as_str())
    }
    let mut out = Vec::with_capacity(sorted.len() + extra.len());
    let mut extra = extra.into_iter().peekable();
    for record in sorted {
        while let Some(next) = extra.next_if(|e| key(e) < key(&record)) {
            out.push(next);
        }
        out.push(record);
    }
    out.extend(extra);
    out
}

/// How many records [`push_records`] makes of `set`: one per protocol with ports.
fn record_count(set: &PortSet) -> usize {
    Protocol::ALL.iter().filter(|&&protocol| !set.get(protocol).is_empty()).count()
}

pub(super) fn push_records(out: &mut Vec<ConnectionRecord>, src: &EndpointName, dst: &EndpointName, set: &PortSet) {
    for protocol in Protocol::ALL {
        let ranges = set.get(protocol);
        if !ranges.is_empty() {
            out.push(ConnectionRecord {
                src: src.clone(),
                dst: dst.clone(),
                protocol,
                ports: ranges.ranges().iter().map(|&(a, b)| [a, b]).collect(),
            });
        }
    }
}

impl CompiledCluster {
    /// In-cluster endpoints, sorted by name.
    pub fn endpoints(&self) -> impl ExactSizeIterator<Item = &Endpoint> {
        self.endpoints.iter().map(|e| &e.public)
    }

    /// The external address space cut at every ipBlock boundary.
    #[must_use]
    pub fn external_ranges(&self) -> Vec<ExternalRange> {
        self.externals
            .iter()
            .map(|r| ExternalRange {
                name: r.to_string(),
                family: r.family(),
                first: r.first().to_string(),
                last: r.last().to_string(),
            })
            .collect()
    }

    /// Number of equivalence classes the endpoints fall into.
    #[must_use]
    pub fn class_count(&self) -> usize {
        self.classes.len()
    }

    fn set(&self, id: SetId) -> &PortSet {
        static EMPTY_SET: std::sync::OnceLock<PortSet> = std::sync::OnceLock::new();
        self.sets.get(id as usize).unwrap_or_else(|| EMPTY_SET.get_or_init(PortSet::empty))
    }

    fn class_of(&self, endpoint: usize) -> usize {
        self.endpoints.get(endpoint).map_or(usize::MAX, |e| e.class)
    }

    /// What `side` (of the class `own`) allows to or from the class `peer`, resolving named
    /// ports on the class `dst`: everything when the side is not isolated, else the union of
    /// the ports of its rules whose peers include `peer`.
    pub(super) fn side_ports(&self, side: Option<&Side>, peer: usize, dst: usize) -> PortSet {
        let Some(side) = side.filter(|s| s.isolated()) else { return PortSet::all() };
        let mut set = PortSet::empty();
        for rule in side.rules.iter().filter_map(|r| self.rules.get(*r)) {
            if !rule.classes.contains(peer) {
                continue;
            }
            if rule.ports.named.is_empty() {
                set.union_with(&rule.ports.numeric);
            } else {
                set.union_with(&self.rule_ports(rule, Some(dst)));
            }
        }
        set
    }

    /// What class `src_class` may send to class `dst_class`: the source's egress side and the
    /// destination's ingress side, intersected. Computed from the two sides' rules.
    pub(crate) fn pair_set(&self, src_class: usize, dst_class: usize) -> PortSet {
        if self.tiers.is_active() {
            return self.tiered_pair_set(src_class, dst_class);
        }
        let egress = self.side_ports(self.egress.get(src_class), dst_class, dst_class);
        if egress.is_empty() {
            return egress;
        }
        let ingress = self.side_ports(self.ingress.get(dst_class), src_class, dst_class);
        if ingress.is_all() {
            egress
        } else if egress.is_all() {
            ingress
        } else {
            egress.intersection(&ingress)
        }
    }

    fn external_runs_of(&self, class: usize, outbound: bool) -> Option<&Runs> {
        let (of, rows) = if outbound {
            (&self.to_external_of, &self.to_external)
        } else {
            (&self.from_external_of, &self.from_external)
        };
        of.get(class).and_then(|r| rows.get(*r as usize))
    }

    fn external_id(&self, class: usize, atom: usize, outbound: bool) -> SetId {
        self.external_runs_of(class, outbound).map_or(EMPTY, |runs| runs.get(atom))
    }

    /// The non-empty connectivity of each class pair, as rows per source class: the row of
    /// class `s` is `rows[row_of[s]]`, `(destination class, ports)` ascending by destination.
    ///
    /// Only pairs some rule connects are visited: for a source, the candidate destinations are
    /// the classes whose ingress is not isolated or has a rule matching the source, narrowed
    /// (when the source's egress is isolated) to the peers of its egress rules. Sources with
    /// the same egress rules and the same membership in ingress rules share a row.
    pub(crate) fn pair_rows(&self) -> (Vec<u32>, Vec<Vec<(u32, PortSet)>>) {
        let k = self.classes.len();
        // The ingress rules matching each class, inverted from the rules' sparse peer lists;
        // rules matching many classes (bit sets, and rules without peers) are tested per
        // source instead, so this index stays within rules × classes / 32.
        let mut in_rules: Vec<Vec<u32>> = vec![Vec::new(); k];
        let mut dense: Vec<u32> = Vec::new();
        for (r, rule) in self.rules.iter().enumerate() {
            if rule.direction != Direction::Ingress
                || self.policies.get(rule.policy).is_none_or(|p| p.selected.is_empty())
            {
                continue;
            }
            let r = u32::try_from(r).unwrap_or(u32::MAX);
            match &rule.classes {
                ClassSet::List(list) if !rule.all_peers => {
                    for &c in list {
                        if let Some(rules) = in_rules.get_mut(c as usize) {
                            rules.push(r);
                        }
                    }
                }
                _ => dense.push(r),
            }
        }
        let open: Vec<u32> = (0..k)
            .filter(|c| !self.ingress.get(*c).is_some_and(Side::isolated))
            .map(|c| u32::try_from(c).unwrap_or(u32::MAX))
            .collect();
        // membership in the dense rules, as a bit row per class (when there are few enough for
        // sharing rows to pay; otherwise every class has its own row)
        let words = dense.len().div_ceil(64);
        let share = words <= 64;
        // with cluster-scoped policies, sources also share a row only with the same tier rules
        // (see `tiers.rs`)
        let tier_keys = self.tier_row_keys();
        let mut members: Vec<u64> = vec![0; if share { k * words } else { 0 }];
        if share {
            for (i, r) in dense.iter().enumerate() {
                for c in self.rules.get(*r as usize).into_iter().flat_map(|rule| rule.classes.iter()) {
                    if let Some(w) = members.get_mut(c * words + i / 64) {
                        *w |= 1u64 << (i % 64);
                    }
                }
            }
        }
        let (row_of, representatives) = group_by((0..k).map(|c| {
            let side = self.egress.get(c);
            let member = if share { members.get(c * words..(c + 1) * words).unwrap_or_default() } else { &[] };
            let own = if share { usize::MAX } else { c };
            (
                side.is_some_and(Side::isolated),
                side.map(|s| s.rules.as_slice()),
                in_rules.get(c).map(Vec::as_slice),
                member,
                own,
                tier_keys.get(c).map(Vec::as_slice),
            )
        }));
        let rows = crate::parallel::map_indices(representatives.len(), |i| {
            let s = representatives.get(i).copied().unwrap_or(0);
            self.pair_row(s, in_rules.get(s).map(Vec::as_slice).unwrap_or_default(), &dense, &open)
        });
        (row_of, rows)
    }

    /// The row of source class `s` (see [`CompiledCluster::pair_rows`]): `in_rules` are the
    /// ingress rules known to match `s`, `dense` the ones to test.
    fn pair_row(&self, s: usize, in_rules: &[u32], dense: &[u32], open: &[u32]) -> Vec<(u32, PortSet)> {
        let empty = Side::default();
        let side = self.egress.get(s).unwrap_or(&empty);
        let tiered = self.tiers.is_active();
        if side.isolated() && side.rules.is_empty() && !tiered {
            return Vec::new();
        }
        // isolated destinations with an ingress rule matching `s`
        let matching =
            dense.iter().filter(|r| self.rules.get(**r as usize).is_some_and(|rule| rule.classes.contains(s)));
        let mut reach: Vec<u32> = in_rules
            .iter()
            .chain(matching)
            .filter_map(|r| self.rules.get(*r as usize))
            .filter_map(|r| self.policies.get(r.policy))
            .flat_map(|p| p.selected.iter().map(|c| u32::try_from(c).unwrap_or(u32::MAX)))
            .collect();
        reach.sort_compact();
        reach.dedup();
        let egress_rules: Vec<&RuleEntry> = side.rules.iter().filter_map(|r| self.rules.get(*r)).collect();
        let everything = !side.isolated() || egress_rules.iter().any(|r| r.all_peers);
        let candidates: Vec<u32> = if everything {
            let mut all = reach;
            all.extend_from_slice(open);
            all.sort_compact();
            all
        } else {
            let through_egress: usize = egress_rules.iter().map(|r| r.classes.len()).sum();
            let through_ingress = (reach.len() + open.len()).saturating_mul(egress_rules.len());
            if through_egress <= through_ingress {
                let mut all: Vec<u32> = egress_rules
                    .iter()
                    .flat_map(|r| r.classes.iter().map(|c| u32::try_from(c).unwrap_or(u32::MAX)))
                    .collect();
                all.sort_compact();
                all.dedup();
                all.retain(|d| {
                    !self.ingress.get(*d as usize).is_some_and(Side::isolated) || reach.binary_search(d).is_ok()
                });
                all
            } else {
                let mut all = reach;
                all.extend_from_slice(open);
                all.sort_compact();
                all.retain(|d| egress_rules.iter().any(|r| r.classes.contains(*d as usize)));
                all
            }
        };
        let candidates = if tiered { self.with_tier_candidates(s, candidates) } else { candidates };
        candidates
            .into_iter()
            .filter_map(|d| {
                let set = self.pair_set(s, d as usize);
                (!set.is_empty()).then_some((d, set))
            })
            .collect()
    }

    /// The connections `filter` keeps and every in-cluster endpoint.
    #[must_use]
    pub fn connectivity(&self, filter: &ConnectionFilter) -> Connectivity {
        Connectivity { connections: self.all_pairs(filter), endpoints: self.endpoints().cloned().collect() }
    }

    /// The canonical connectivity list: every allowed connection between endpoints, sorted by
    /// source, destination, protocol. External endpoints are maximal runs of adjacent cut
    /// ranges with identical connectivity (per in-cluster endpoint and direction); ranges and
    /// pairs with no connection are omitted; self pairs only with `includeSelf`.
    #[must_use]
    pub fn all_pairs(&self, filter: &ConnectionFilter) -> Vec<ConnectionRecord> {
        let focus = Focus::new(filter, self);
        let (row_of, rows) = self.pair_rows();
        let n = self.endpoints.len();
        // Each pair is kept as (source name, destination name, port set) by index: names
        // `0..n` are the endpoints, `n..` the external ranges; the sets of a row entry are
        // shared by every endpoint of its class. The pairs are sorted by the names' ranks in
        // the canonical (byte) order — integers, not strings — and only then become records.
        let mut sets: Vec<Cow<'_, PortSet>> = Vec::new();
        let mut pairs: Vec<(u32, u32, u32)> = Vec::new();
        let as_u32 = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let no_endpoints: Vec<u32> = Vec::new();
        for (i, src) in self.endpoints.iter().enumerate() {
            let Some(row) = row_of.get(src.class).and_then(|r| rows.get(*r as usize)) else { continue };
            for (d, set) in row {
                let set = focus.restrict(set);
                if set.is_empty() {
                    continue;
                }
                let id = as_u32(sets.len());
                let mut used = false;
                for &j in self.class_endpoints.get(*d as usize).unwrap_or(&no_endpoints) {
                    let j = j as usize;
                    if (i == j && !filter.include_self) || !focus.keeps(Some(i), Some(j)) {
                        continue;
                    }
                    pairs.push((as_u32(i), as_u32(j), id));
                    used = true;
                }
                if used {
                    sets.push(set);
                }
            }
        }
        // external runs, named once per row: (name ids, set ids) of each run; a range that
        // several rows have is one name (its records sort as one source or destination)
        let mut external_names: Vec<String> = Vec::new();
        let mut external_ids: HashMap<String, u32> = HashMap::new();
        let mut cache: HashMap<(bool, u32), Vec<(u32, u32)>> = HashMap::new();
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            for outbound in [true, false] {
                let keep = if outbound { focus.keeps(Some(i), None) } else { focus.keeps(None, Some(i)) };
                if !keep {
                    continue;
                }
                let of = if outbound { &self.to_external_of } else { &self.from_external_of };
                let Some(&row) = of.get(endpoint.class) else { continue };
                let runs = cache.entry((outbound, row)).or_insert_with(|| {
                    self.external_runs(endpoint.class, outbound, &focus)
                        .into_iter()
                        .map(|(range, set)| {
                            let name = *external_ids.entry(range.to_string()).or_insert_with_key(|text| {
                                external_names.push(text.clone());
                                as_u32(n + external_names.len() - 1)
                            });
                            sets.push(Cow::Owned(set));
                            (name, as_u32(sets.len() - 1))
                        })
                        .collect()
                });
                for &(name, set) in runs.iter() {
                    pairs.push(if outbound { (as_u32(i), name, set) } else { (name, as_u32(i), set) });
                }
            }
        }
        let name = |id: u32| -> &str {
            let id = id as usize;
            match self.endpoints.get(id) {
                Some(e) => e.public.name.as_str(),
                None => id.checked_sub(n).and_then(|x| external_names.get(x)).map_or("", String::as_str),
            }
        };
        let mut by_name: Vec<u32> = (0..as_u32(n + external_names.len())).collect();
        by_name.sort_compact_by(|a, b| name(*a).cmp(name(*b)));
        let mut rank = vec![0u32; by_name.len()];
        for (r, id) in by_name.iter().enumerate() {
            if let Some(slot) = rank.get_mut(*id as usize) {
                *slot = as_u32(r);
            }
        }
        let rank_of = |id: u32| rank.get(id as usize).copied().unwrap_or(u32::MAX);
        pairs.sort_compact_by_key(|&(a, b, _)| (u64::from(rank_of(a)) << 32) | u64::from(rank_of(b)));
        // each name made once, shared by its records
        let shared: Vec<EndpointName> = (0..as_u32(n + external_names.len())).map(|id| name(id).into()).collect();
        let empty = EndpointName::from("");
        let shared_name = |id: u32| shared.get(id as usize).unwrap_or(&empty);
        // the exact number of records, so the list is made in one allocation: growing a list
        // of this size copies it into fresh pages (a fifth of a 500-pod answer's time)
        let protocols: Vec<usize> = sets.iter().map(|set| record_count(set)).collect();
        let count = pairs.iter().map(|&(_, _, set)| protocols.get(set as usize).copied().unwrap_or(0)).sum();
        let mut out = Vec::with_capacity(count);
        for (a, b, set) in pairs {
            if let Some(set) = sets.get(set as usize) {
                push_records(&mut out, shared_name(a), shared_name(b), set);
            }
        }
        let controller = self.ingress_controller_records(filter);
        if controller.is_empty() { out } else { merge_canonical(out, controller) }
    }

    /// Maximal runs of adjacent external ranges with identical, non-empty connectivity.
    pub(super) fn external_runs(&self, class: usize, outbound: bool, focus: &Focus<'_>) -> Vec<(IpRange, PortSet)> {
        let mut runs: Vec<(IpRange, PortSet)> = Vec::new();
        let Some(row) = self.external_runs_of(class, outbound) else { return runs };
        let a = self.externals.len();
        // the first IPv6 range: runs never cross families
        let v6 = self.externals.iter().position(|r| matches!(r, IpRange::V6(..))).unwrap_or(a);
        for (start, end, id) in row.iter(a) {
            let set = focus.restrict(self.set(id));
            if set.is_empty() {
                continue;
            }
            let pieces = if start < v6 && v6 < end { [(start, v6), (v6, end)] } else { [(start, end), (end, end)] };
            for (lo, hi) in pieces {
                let (Some(first), Some(last)) =
                    (self.externals.get(lo), hi.checked_sub(1).and_then(|h| self.externals.get(h)))
                else {
                    continue;
                };
                if lo >= hi {
                    continue;
                }
                let range = first.extend_to(*last);
                if let Some((previous, previous_set)) = runs.last_mut()
                    && previous.touches(range)
                    && *previous_set == *set
                {
                    *previous = previous.extend_to(range);
                    continue;
                }
                runs.push((range, set.clone().into_owned()));
            }
        }
        runs
    }

    /// Resolves an endpoint name: `ns/name[Kind]`, `ns/name`, a unique `name`, an IP address,
    /// an address range `A-B` or a CIDR.
    pub(crate) fn resolve(&self, name: &str) -> Result<Resolved, Error> {
        let name = name.trim();
        if let Some(&i) = self.by_name.get(name) {
            return Ok(Resolved::Cluster(i));
        }
        if let Some(range) = IpRange::parse(name) {
            return Ok(Resolved::External(range));
        }
        let matches: Vec<usize> =
            self.endpoints.iter().enumerate().filter(|(_, e)| name_matches(name, &e.public)).map(|(i, _)| i).collect();
        match matches.as_slice() {
            [one] => Ok(Resolved::Cluster(*one)),
            [] => {
                let suggestion = self.suggest(name);
                Err(Error::new(ErrorCode::InvalidRequest, format!("unknown endpoint `{name}`")).with_help(suggestion))
            }
            many => {
                let names: Vec<String> = many
                    .iter()
                    .filter_map(|i| self.endpoints.get(*i))
                    .map(|e| format!("`{}`", e.public.name))
                    .collect();
                Err(Error::new(ErrorCode::InvalidRequest, format!("endpoint `{name}` is ambiguous"))
                    .with_help(format!("name one of {}", names.join(", "))))
            }
        }
    }

    /// "Did you mean" help for an unknown endpoint name: the endpoint whose name, written the
    /// way `name` is written (`ns/name[Kind]`, `ns/name` or `name`), is nearest, when it is near
    /// enough to be a typo (the edits are at most a third of the workload part's length).
    fn suggest(&self, name: &str) -> String {
        if self.endpoints.is_empty() {
            return "the input defines no workloads or pods".to_owned();
        }
        let form = |e: &Endpoint| -> String {
            if name.ends_with(']') {
                e.name.clone()
            } else if name.contains('/') {
                format!("{}/{}", e.namespace, e.workload)
            } else {
                e.workload.clone()
            }
        };
        let best = self
            .endpoints
            .iter()
            .map(|e| (edit_distance(name, &form(&e.public)), e.public.name.as_str()))
            .min_by_key(|(distance, _)| *distance);
        match best {
            Some((distance, full)) if distance * 3 <= workload_part(name).chars().count().max(3) => {
                format!("did you mean `{full}`?")
            }
            _ => {
                "name an endpoint as `analyze` lists it (`ns/name[Kind]`), as `ns/name`, or by a unique name".to_owned()
            }
        }
    }

    /// The cut external ranges that overlap `range`.
    pub(crate) fn atoms_in(&self, range: IpRange) -> impl Iterator<Item = usize> + '_ {
        self.externals.iter().enumerate().filter_map(move |(i, atom)| {
            let overlaps = match (*atom, range) {
                (IpRange::V4(a, b), IpRange::V4(c, d)) => a <= d && c <= b,
                (IpRange::V6(a, b), IpRange::V6(c, d)) => a <= d && c <= b,
                _ => false,
            };
            overlaps.then_some(i)
        })
    }

    pub(crate) fn display_name(&self, resolved: Resolved) -> String {
        match resolved {
            Resolved::Cluster(i) => self.endpoints.get(i).map(|e| e.public.name.clone()).unwrap_or_default(),
            Resolved::External(range) => range.to_string(),
        }
    }

    /// What `src` may send to `dst`. Endpoints are named as in [`CompiledCluster::all_pairs`]
    /// (or `ns/name`, a unique workload name, an IP, a range or a CIDR); for an external range
    /// the result holds for every address of it.
    ///
    /// # Errors
    /// `NF-E011` when a name is unknown or ambiguous, or both endpoints are external.
    pub fn connection(&self, src: &str, dst: &str) -> Result<Connection, Error> {
        let (s, d) = (self.resolve(src)?, self.resolve(dst)?);
        let set = self.connection_set(s, d)?;
        Ok(Connection { src: self.display_name(s), dst: self.display_name(d), allowed: set.to_ports() })
    }

    pub(crate) fn connection_set(&self, src: Resolved, dst: Resolved) -> Result<PortSet, Error> {
        let over_atoms = |class: usize, range: IpRange, outbound: bool| -> PortSet {
            let mut acc: Option<PortSet> = None;
            for atom in self.atoms_in(range) {
                let set = self.set(self.external_id(class, atom, outbound));
                acc = Some(match acc {
                    None => set.clone(),
                    Some(a) => a.intersection(set),
                });
            }
            acc.unwrap_or_default()
        };
        match (src, dst) {
            (Resolved::Cluster(s), Resolved::Cluster(d)) => Ok(self.pair_set(self.class_of(s), self.class_of(d))),
            (Resolved::Cluster(s), Resolved::External(r)) => Ok(over_atoms(self.class_of(s), r, true)),
            (Resolved::External(r), Resolved::Cluster(d)) => Ok(over_atoms(self.class_of(d), r, false)),
            (Resolved::External(_), Resolved::External(_)) => Err(Error::new(
                ErrorCode::InvalidRequest,
                "both endpoints are external: policies only govern traffic of pods",
            )
            .with_help("name a workload or pod as the source or the destination")),
        }
    }
}

/// `name` of `ns/name[Kind]`.
fn workload_part(name: &str) -> &str {
    let name = name.rsplit_once('/').map_or(name, |(_, n)| n);
    name.split_once('[').map_or(name, |(n, _)| n)
}

/// Levenshtein distance, for "did you mean" help.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
