//! Queries on a compiled cluster: endpoints, all-pairs connectivity in the canonical form,
//! and the connection between two endpoints.

use std::borrow::Cow;

use super::compile::{CompiledCluster, EMPTY, SetId};
use super::ipset::IpRange;
use super::ports::{PortRanges, PortSet, Protocol};
use super::types::{Connection, ConnectionFilter, ConnectionRecord, Direction, Endpoint, ExternalRange};
use crate::error::{Error, ErrorCode};

/// An endpoint named in a query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// An in-cluster endpoint (index into the sorted endpoints).
    Cluster(usize),
    /// An external address range (every cut range it overlaps is consulted).
    External(IpRange),
}

/// Which endpoints a filter focuses on.
struct Focus<'a> {
    filter: &'a ConnectionFilter,
    workloads: Vec<bool>,
    peers: Vec<bool>,
}

fn name_matches(pattern: &str, endpoint: &Endpoint) -> bool {
    pattern == endpoint.name
        || pattern == endpoint.workload
        || pattern.split_once('/').is_some_and(|(ns, name)| ns == endpoint.namespace && name == endpoint.workload)
}

impl<'a> Focus<'a> {
    fn new(filter: &'a ConnectionFilter, cluster: &CompiledCluster) -> Self {
        let mark = |patterns: &[String]| -> Vec<bool> {
            cluster
                .endpoints
                .iter()
                .map(|e| patterns.is_empty() || patterns.iter().any(|p| name_matches(p, &e.public)))
                .collect()
        };
        Self { filter, workloads: mark(&filter.focus_workloads), peers: mark(&filter.focus_workload_peers) }
    }

    fn is_focus(&self, endpoint: Option<usize>) -> bool {
        endpoint.is_some_and(|i| self.workloads.get(i).copied().unwrap_or(false))
    }

    fn is_peer(&self, endpoint: Option<usize>) -> bool {
        match endpoint {
            Some(i) => self.peers.get(i).copied().unwrap_or(false),
            // external endpoints are peers unless specific peers are asked for
            None => self.filter.focus_workload_peers.is_empty(),
        }
    }

    /// Whether the connection `src → dst` is reported (`None`: external).
    fn keeps(&self, src: Option<usize>, dst: Option<usize>) -> bool {
        let as_egress = self.is_focus(src) && self.is_peer(dst);
        let as_ingress = self.is_focus(dst) && self.is_peer(src);
        match self.filter.focus_direction {
            None => as_egress || as_ingress,
            Some(Direction::Egress) => as_egress,
            Some(Direction::Ingress) => as_ingress,
        }
    }

    fn restrict<'s>(&self, set: &'s PortSet) -> Cow<'s, PortSet> {
        match self.filter.focus_connection {
            None => Cow::Borrowed(set),
            Some(pp) => Cow::Owned(set.intersection(&PortSet::of(pp.protocol, PortRanges::range(pp.port, pp.port)))),
        }
    }
}

fn push_records(out: &mut Vec<ConnectionRecord>, src: &str, dst: &str, set: &PortSet) {
    for protocol in Protocol::ALL {
        let ranges = set.get(protocol);
        if !ranges.is_empty() {
            out.push(ConnectionRecord {
                src: src.to_owned(),
                dst: dst.to_owned(),
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

    pub(crate) fn pair_set(&self, src_class: usize, dst_class: usize) -> &PortSet {
        let id = self
            .pair_row_of
            .get(src_class)
            .and_then(|r| self.pair_rows.get(*r))
            .and_then(|row| self.pair_column_of.get(dst_class).and_then(|c| row.get(*c)))
            .copied()
            .unwrap_or(EMPTY);
        self.set(id)
    }

    fn external_id(&self, class: usize, atom: usize, outbound: bool) -> SetId {
        let table = if outbound { &self.to_external } else { &self.from_external };
        table.get(class).map_or(EMPTY, |runs| runs.get(atom))
    }

    /// The canonical connectivity list: every allowed connection between endpoints, sorted by
    /// source, destination, protocol. External endpoints are maximal runs of adjacent cut
    /// ranges with identical connectivity (per in-cluster endpoint and direction); ranges and
    /// pairs with no connection are omitted; self pairs only with `includeSelf`.
    #[must_use]
    pub fn all_pairs(&self, filter: &ConnectionFilter) -> Vec<ConnectionRecord> {
        let focus = Focus::new(filter, self);
        let mut out = Vec::new();
        for (i, src) in self.endpoints.iter().enumerate() {
            for (j, dst) in self.endpoints.iter().enumerate() {
                if (i == j && !filter.include_self) || !focus.keeps(Some(i), Some(j)) {
                    continue;
                }
                let set = focus.restrict(self.pair_set(src.class, dst.class));
                push_records(&mut out, &src.public.name, &dst.public.name, &set);
            }
        }
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            for outbound in [true, false] {
                let keep = if outbound { focus.keeps(Some(i), None) } else { focus.keeps(None, Some(i)) };
                if !keep {
                    continue;
                }
                for (range, set) in self.external_runs(endpoint.class, outbound, &focus) {
                    let name = range.to_string();
                    if outbound {
                        push_records(&mut out, &endpoint.public.name, &name, &set);
                    } else {
                        push_records(&mut out, &name, &endpoint.public.name, &set);
                    }
                }
            }
        }
        out.sort_by(|x, y| {
            (x.src.as_str(), x.dst.as_str(), x.protocol.as_str()).cmp(&(y.src.as_str(), y.dst.as_str(), y.protocol.as_str()))
        });
        out
    }

    /// Maximal runs of adjacent external ranges with identical, non-empty connectivity.
    fn external_runs(&self, class: usize, outbound: bool, focus: &Focus<'_>) -> Vec<(IpRange, PortSet)> {
        let mut runs: Vec<(IpRange, PortSet)> = Vec::new();
        let table = if outbound { &self.to_external } else { &self.from_external };
        let Some(row) = table.get(class) else { return runs };
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
                let (Some(first), Some(last)) = (self.externals.get(lo), hi.checked_sub(1).and_then(|h| self.externals.get(h)))
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
        let matches: Vec<usize> = self
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| name_matches(name, &e.public))
            .map(|(i, _)| i)
            .collect();
        match matches.as_slice() {
            [one] => Ok(Resolved::Cluster(*one)),
            [] => {
                let suggestion = self
                    .endpoints
                    .iter()
                    .map(|e| e.public.name.as_str())
                    .min_by_key(|candidate| edit_distance(name, candidate))
                    .map(|c| format!("did you mean `{c}`?"))
                    .unwrap_or_else(|| "the input defines no workloads or pods".to_owned());
                Err(Error::new(ErrorCode::InvalidRequest, format!("unknown endpoint `{name}`")).with_help(suggestion))
            }
            many => {
                let names: Vec<String> =
                    many.iter().filter_map(|i| self.endpoints.get(*i)).map(|e| format!("`{}`", e.public.name)).collect();
                Err(Error::new(ErrorCode::InvalidRequest, format!("endpoint `{name}` is ambiguous"))
                    .with_help(format!("name one of {}", names.join(", "))))
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
            (Resolved::Cluster(s), Resolved::Cluster(d)) => {
                Ok(self.pair_set(self.class_of(s), self.class_of(d)).clone())
            }
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
