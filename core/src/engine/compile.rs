//! Compiling a [`ResourceSet`] into a [`CompiledCluster`]: endpoints grouped into
//! equivalence classes, selectors evaluated once per class, rules with their matched peers,
//! and the connectivity of every class pair and every class/external-range pair, interned.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::bitset::BitSet;
use super::endpoints::{EndpointDraft, NamedPortEntry, discover};
use super::ipset::IpRange;
use super::policy::{PortSpec, effective_types, ip_block_bounds, ip_block_set};
use super::ports::PortSet;
use super::selector::{SelectorId, SelectorTable};
use super::types::{Direction, Endpoint, EngineOptions, IpBlockMode, NamedPort};
use crate::inventory::ResourceSet;
use crate::source::Location;

/// Id of an interned port set; [`EMPTY`] and [`ALL`] are fixed.
pub(crate) type SetId = u32;
/// Nothing allowed.
pub(crate) const EMPTY: SetId = 0;
/// Everything allowed.
pub(crate) const ALL: SetId = 1;

/// An in-cluster endpoint and its class.
#[derive(Clone, Debug)]
pub(crate) struct EndpointEntry {
    pub(crate) public: Endpoint,
    pub(crate) class: usize,
}

/// Endpoints that no policy can tell apart: same namespace, pod labels, named ports (and pod
/// IPs in [`IpBlockMode::PodIps`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ClassKey {
    pub(crate) namespace: usize,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) named_ports: Vec<NamedPortEntry>,
    pub(crate) ips: Vec<IpAddr>,
}

/// A policy, with the classes it selects.
#[derive(Clone, Debug)]
pub(crate) struct PolicyEntry {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) location: Option<Location>,
}

/// One peer of a rule and what it matches.
#[derive(Clone, Debug)]
pub(crate) struct PeerEntry {
    pub(crate) classes: BitSet,
    pub(crate) externals: BitSet,
}

/// One ingress or egress rule of an isolating direction of a policy.
#[derive(Clone, Debug)]
pub(crate) struct RuleEntry {
    pub(crate) policy: usize,
    pub(crate) direction: Direction,
    pub(crate) index: usize,
    pub(crate) location: Option<Location>,
    /// Classes some peer matches (all when the rule has no peers list).
    pub(crate) classes: BitSet,
    /// External ranges some peer matches.
    pub(crate) externals: BitSet,
    pub(crate) ports: PortSpec,
}

/// One direction of a class: the policies isolating it and their rules.
#[derive(Clone, Debug, Default)]
pub(crate) struct Side {
    pub(crate) policies: Vec<usize>,
    pub(crate) rules: Vec<usize>,
}

impl Side {
    pub(crate) fn isolated(&self) -> bool {
        !self.policies.is_empty()
    }
}

/// Interned port sets.
#[derive(Clone, Debug)]
pub(crate) struct Interner {
    ids: HashMap<PortSet, SetId>,
    sets: Vec<PortSet>,
}

impl Interner {
    fn new() -> Self {
        let mut interner = Self { ids: HashMap::new(), sets: Vec::new() };
        interner.intern(PortSet::empty());
        interner.intern(PortSet::all());
        interner
    }

    fn intern(&mut self, set: PortSet) -> SetId {
        if let Some(id) = self.ids.get(&set) {
            return *id;
        }
        let id = SetId::try_from(self.sets.len()).unwrap_or(SetId::MAX);
        self.sets.push(set.clone());
        self.ids.insert(set, id);
        id
    }
}

/// A row over the external ranges, run-length encoded: `(first range, set)` per run.
#[derive(Clone, Debug, Default)]
pub(crate) struct Runs {
    runs: Vec<(u32, SetId)>,
}

impl Runs {
    fn new(ids: &[SetId], len: usize) -> Self {
        let mut runs: Vec<(u32, SetId)> = Vec::new();
        for (i, &id) in ids.iter().enumerate().take(len) {
            if runs.last().is_none_or(|(_, last)| *last != id) {
                runs.push((u32::try_from(i).unwrap_or(u32::MAX), id));
            }
        }
        Self { runs }
    }

    /// The set of external range `atom`.
    pub(crate) fn get(&self, atom: usize) -> SetId {
        let i = self.runs.partition_point(|(start, _)| (*start as usize) <= atom);
        i.checked_sub(1).and_then(|i| self.runs.get(i)).map_or(EMPTY, |(_, id)| *id)
    }

    /// `(first, end, set)` of each run, `end` exclusive, given the number of ranges.
    pub(crate) fn iter(&self, len: usize) -> impl Iterator<Item = (usize, usize, SetId)> + '_ {
        self.runs.iter().enumerate().map(move |(i, &(start, id))| {
            let end = self.runs.get(i + 1).map_or(len, |(next, _)| *next as usize);
            (start as usize, end, id)
        })
    }
}

/// A row of port sets deduplicated locally (built in parallel, interned globally after).
struct LocalRow {
    ids: Vec<SetId>,
    table: Vec<PortSet>,
}

impl LocalRow {
    /// Every cell the same set.
    fn uniform(width: usize, set: PortSet) -> Self {
        Self { ids: vec![0; width], table: vec![set] }
    }
}

/// For each cell of a row, the set of the side's rules that match it, as interned states:
/// rules are applied in order, so a state plus a later rule is a new state, found in O(1).
struct RuleStates {
    cells: Vec<u32>,
    /// Rule indices of each state (state 0: no rule).
    lists: Vec<Vec<u32>>,
    /// For each state, the last rule applied to it and the state that produced.
    step: Vec<(u32, u32)>,
}

impl RuleStates {
    fn new(width: usize) -> Self {
        Self { cells: vec![0; width], lists: vec![Vec::new()], step: vec![(u32::MAX, 0)] }
    }

    fn apply(&mut self, rule: usize, cells: impl Iterator<Item = usize>) {
        let rule = u32::try_from(rule).unwrap_or(u32::MAX);
        for c in cells {
            let Some(state) = self.cells.get(c).copied() else { continue };
            let next = match self.step.get(state as usize) {
                Some(&(r, next)) if r == rule => next,
                _ => {
                    let mut list = self.lists.get(state as usize).cloned().unwrap_or_default();
                    list.push(rule);
                    self.lists.push(list);
                    self.step.push((u32::MAX, 0));
                    let next = u32::try_from(self.lists.len() - 1).unwrap_or(u32::MAX);
                    if let Some(slot) = self.step.get_mut(state as usize) {
                        *slot = (rule, next);
                    }
                    next
                }
            };
            if let Some(cell) = self.cells.get_mut(c) {
                *cell = next;
            }
        }
    }

    /// Builds the row: `ports(rules, cell)` gives a cell's set; it is called once per distinct
    /// `(state, key(cell))` (the key tells cells apart whose sets differ for the same rules,
    /// e.g. destinations with different named ports).
    fn into_row(self, key: impl Fn(usize) -> u32, ports: impl Fn(&[u32], usize) -> PortSet) -> LocalRow {
        let mut seen: HashMap<PortSet, SetId> = HashMap::new();
        let mut table: Vec<PortSet> = Vec::new();
        let mut by_state: HashMap<(u32, u32), SetId> = HashMap::new();
        let ids = self
            .cells
            .iter()
            .enumerate()
            .map(|(cell, &state)| {
                let state = (state, key(cell));
                if let Some(id) = by_state.get(&state) {
                    return *id;
                }
                let (state, _) = state;
                let list = self.lists.get(state as usize).map(Vec::as_slice).unwrap_or_default();
                let set = ports(list, cell);
                let id = *seen.entry(set).or_insert_with_key(|s| {
                    table.push(s.clone());
                    SetId::try_from(table.len() - 1).unwrap_or(SetId::MAX)
                });
                by_state.insert((state, key(cell)), id);
                id
            })
            .collect();
        LocalRow { ids, table }
    }
}

fn intern_rows(rows: Vec<LocalRow>, interner: &mut Interner) -> Vec<Vec<SetId>> {
    rows.into_iter()
        .map(|row| {
            let map: Vec<SetId> = row.table.into_iter().map(|s| interner.intern(s)).collect();
            row.ids.into_iter().map(|i| map.get(i as usize).copied().unwrap_or(EMPTY)).collect()
        })
        .collect()
}

/// Maps `f` over `0..n`, in parallel on native targets, in order.
#[cfg(not(target_arch = "wasm32"))]
fn par_map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    use rayon::prelude::*;
    (0..n).into_par_iter().map(f).collect()
}

/// Maps `f` over `0..n` (serial in WASM).
#[cfg(target_arch = "wasm32")]
fn par_map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    (0..n).map(f).collect()
}

/// A cluster compiled for queries: every query (all pairs, one connection, an explanation)
/// runs against this form.
#[derive(Clone, Debug)]
pub struct CompiledCluster {
    pub(crate) options: EngineOptions,
    /// In-cluster endpoints, sorted by name.
    pub(crate) endpoints: Vec<EndpointEntry>,
    pub(crate) by_name: HashMap<String, usize>,
    pub(crate) classes: Vec<ClassKey>,
    /// External address space cut at every ipBlock boundary, IPv4 first, sorted.
    pub(crate) externals: Vec<IpRange>,
    pub(crate) policies: Vec<PolicyEntry>,
    pub(crate) rules: Vec<RuleEntry>,
    pub(crate) ingress: Vec<Side>,
    pub(crate) egress: Vec<Side>,
    pub(crate) sets: Vec<PortSet>,
    /// Class-pair connectivity per distinct source and destination profile: class `s` to
    /// class `d` is `pair_rows[pair_row_of[s]][pair_column_of[d]]`.
    pub(crate) pair_rows: Vec<Vec<SetId>>,
    pub(crate) pair_row_of: Vec<usize>,
    pub(crate) pair_column_of: Vec<usize>,
    /// Interned named-port map of each class (0: none).
    pub(crate) named_ids: Vec<u32>,
    /// `to_external[c]`: class `c` to each external range, run-length encoded.
    pub(crate) to_external: Vec<Runs>,
    /// `from_external[c]`: each external range to class `c`, run-length encoded.
    pub(crate) from_external: Vec<Runs>,
}

struct Builder<'a> {
    resources: &'a ResourceSet,
    options: &'a EngineOptions,
    namespaces: Vec<String>,
    namespace_labels: Vec<BTreeMap<String, String>>,
    classes: Vec<ClassKey>,
    /// Classes of each namespace.
    namespace_classes: Vec<BitSet>,
    externals: Vec<IpRange>,
    selectors: SelectorTable,
    pod_selections: HashMap<SelectorId, BitSet>,
    namespace_selections: HashMap<SelectorId, BitSet>,
}

impl Builder<'_> {
    fn namespace_index(&self, name: &str) -> Option<usize> {
        self.namespaces.binary_search_by(|n| n.as_str().cmp(name)).ok()
    }

    /// Classes in `namespace` whose pod labels match `selector`.
    fn pods_matching(&mut self, selector: &LabelSelector) -> BitSet {
        let id = self.selectors.intern(selector);
        if let Some(bits) = self.pod_selections.get(&id) {
            return bits.clone();
        }
        let mut bits = BitSet::new(self.classes.len());
        if let Some(compiled) = self.selectors.selectors().get(id as usize) {
            for (i, class) in self.classes.iter().enumerate() {
                if compiled.matches(&class.labels) {
                    bits.insert(i);
                }
            }
        }
        self.pod_selections.insert(id, bits.clone());
        bits
    }

    /// Classes whose namespace's labels match `selector`.
    fn namespaces_matching(&mut self, selector: &LabelSelector) -> BitSet {
        let id = self.selectors.intern(selector);
        if let Some(bits) = self.namespace_selections.get(&id) {
            return bits.clone();
        }
        let mut bits = BitSet::new(self.classes.len());
        if let Some(compiled) = self.selectors.selectors().get(id as usize) {
            for (labels, classes) in self.namespace_labels.iter().zip(&self.namespace_classes) {
                if compiled.matches(labels) {
                    bits.union_with(classes);
                }
            }
        }
        self.namespace_selections.insert(id, bits.clone());
        bits
    }

    fn in_namespace(&self, namespace: Option<usize>) -> BitSet {
        namespace
            .and_then(|n| self.namespace_classes.get(n).cloned())
            .unwrap_or_else(|| BitSet::new(self.classes.len()))
    }

    fn peer(&mut self, peer: &NetworkPolicyPeer, namespace: Option<usize>) -> PeerEntry {
        let mut classes = BitSet::new(self.classes.len());
        let mut externals = BitSet::new(self.externals.len());
        if let Some(block) = &peer.ip_block {
            let set = ip_block_set(block);
            for (i, range) in self.externals.iter().enumerate() {
                if set.contains(range.first()) {
                    externals.insert(i);
                }
            }
            if self.options.ip_block_mode == IpBlockMode::PodIps {
                for (i, class) in self.classes.iter().enumerate() {
                    if class.ips.iter().any(|ip| set.contains(*ip)) {
                        classes.insert(i);
                    }
                }
            }
            return PeerEntry { classes, externals };
        }
        match (&peer.pod_selector, &peer.namespace_selector) {
            (None, None) => {}
            (Some(pods), None) => {
                classes = self.pods_matching(pods);
                classes.intersect_with(&self.in_namespace(namespace));
            }
            (None, Some(namespaces)) => classes = self.namespaces_matching(namespaces),
            (Some(pods), Some(namespaces)) => {
                classes = self.pods_matching(pods);
                classes.intersect_with(&self.namespaces_matching(namespaces));
            }
        }
        PeerEntry { classes, externals }
    }
}

/// Cuts `[MIN, MAX]` at the start and end of every range.
fn cut_points<T: super::intervals::Point>(ranges: &[(T, T)]) -> Vec<(T, T)> {
    let mut starts: Vec<T> = vec![T::MIN];
    for &(lo, hi) in ranges {
        starts.push(lo);
        if let Some(next) = hi.succ() {
            starts.push(next);
        }
    }
    starts.sort_unstable();
    starts.dedup();
    let mut out = Vec::with_capacity(starts.len());
    for (i, &lo) in starts.iter().enumerate() {
        let hi = match starts.get(i + 1) {
            Some(next) => next.pred().unwrap_or(T::MIN),
            None => T::MAX,
        };
        out.push((lo, hi));
    }
    out
}

impl CompiledCluster {
    /// Compiles the resources: endpoints, classes, policies, and all-pairs connectivity.
    #[must_use]
    pub fn compile(resources: &ResourceSet, options: &EngineOptions) -> Self {
        let drafts = discover(resources);
        let namespaces = resources.namespace_names();
        let namespace_labels: Vec<BTreeMap<String, String>> =
            namespaces.iter().map(|n| resources.namespace_labels(n)).collect();

        // classes
        let mut class_ids: HashMap<ClassKey, usize> = HashMap::new();
        let mut classes: Vec<ClassKey> = Vec::new();
        let mut endpoints: Vec<EndpointEntry> = Vec::with_capacity(drafts.len());
        for draft in drafts {
            let namespace = namespaces.binary_search(&draft.namespace).unwrap_or(usize::MAX);
            let key = ClassKey {
                namespace,
                labels: draft.labels.clone(),
                named_ports: draft.named_ports.clone(),
                ips: if options.ip_block_mode == IpBlockMode::PodIps { draft.ips.clone() } else { Vec::new() },
            };
            let class = *class_ids.entry(key.clone()).or_insert_with(|| {
                classes.push(key);
                classes.len() - 1
            });
            endpoints.push(EndpointEntry { public: public_endpoint(&draft), class });
        }
        let mut namespace_classes = vec![BitSet::new(classes.len()); namespaces.len()];
        for (i, class) in classes.iter().enumerate() {
            if let Some(bits) = namespace_classes.get_mut(class.namespace) {
                bits.insert(i);
            }
        }

        // external address space
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for policy in &resources.policies {
            let spec = policy.object.spec.as_ref();
            let peers = spec
                .into_iter()
                .flat_map(|s| s.ingress.iter().flatten().flat_map(|r| r.from.iter().flatten()))
                .chain(spec.into_iter().flat_map(|s| s.egress.iter().flatten().flat_map(|r| r.to.iter().flatten())));
            for peer in peers {
                if let Some(block) = &peer.ip_block {
                    ip_block_bounds(block, &mut v4, &mut v6);
                }
            }
        }
        let mut externals: Vec<IpRange> = cut_points(&v4).into_iter().map(|(a, b)| IpRange::V4(a, b)).collect();
        if !v6.is_empty() {
            externals.extend(cut_points(&v6).into_iter().map(|(a, b)| IpRange::V6(a, b)));
        }

        let mut builder = Builder {
            resources,
            options,
            namespaces,
            namespace_labels,
            classes,
            namespace_classes,
            externals,
            selectors: SelectorTable::default(),
            pod_selections: HashMap::new(),
            namespace_selections: HashMap::new(),
        };

        // policies and rules
        let class_count = builder.classes.len();
        let external_count = builder.externals.len();
        let mut policies = Vec::with_capacity(resources.policies.len());
        let mut rules: Vec<RuleEntry> = Vec::new();
        let mut ingress = vec![Side::default(); class_count];
        let mut egress = vec![Side::default(); class_count];
        for resource in &builder.resources.policies {
            let spec = resource.object.spec.as_ref();
            let (is_ingress, is_egress) = effective_types(spec);
            let namespace = builder.namespace_index(&resource.namespace);
            let mut selected = match spec.and_then(|s| s.pod_selector.as_ref()) {
                Some(selector) => builder.pods_matching(selector),
                None => BitSet::full(class_count),
            };
            selected.intersect_with(&builder.in_namespace(namespace));
            let policy = policies.len();
            policies.push(PolicyEntry {
                namespace: resource.namespace.clone(),
                name: resource.name.clone(),
                location: Some(resource.source.locate("")),
            });
            let mut rule_ids = (Vec::new(), Vec::new());
            let directions = [(Direction::Ingress, is_ingress), (Direction::Egress, is_egress)];
            for (direction, applies) in directions {
                if !applies {
                    continue;
                }
                let list: Vec<(Option<&Vec<NetworkPolicyPeer>>, PortSpec)> = match direction {
                    Direction::Ingress => spec
                        .iter()
                        .flat_map(|s| s.ingress.iter().flatten())
                        .map(|r| (r.from.as_ref(), PortSpec::compile(r.ports.as_ref())))
                        .collect(),
                    Direction::Egress => spec
                        .iter()
                        .flat_map(|s| s.egress.iter().flatten())
                        .map(|r| (r.to.as_ref(), PortSpec::compile(r.ports.as_ref())))
                        .collect(),
                };
                for (index, (peers, ports)) in list.into_iter().enumerate() {
                    let (classes, externals) = match peers.filter(|p| !p.is_empty()) {
                        None => (BitSet::full(class_count), BitSet::full(external_count)),
                        Some(peers) => {
                            let mut classes = BitSet::new(class_count);
                            let mut externals = BitSet::new(external_count);
                            for peer in peers {
                                let entry = builder.peer(peer, namespace);
                                classes.union_with(&entry.classes);
                                externals.union_with(&entry.externals);
                            }
                            (classes, externals)
                        }
                    };
                    let key = match direction {
                        Direction::Ingress => "ingress",
                        Direction::Egress => "egress",
                    };
                    let id = rules.len();
                    rules.push(RuleEntry {
                        policy,
                        direction,
                        index,
                        location: Some(resource.source.locate(&format!("/spec/{key}/{index}"))),
                        classes,
                        externals,
                        ports,
                    });
                    match direction {
                        Direction::Ingress => rule_ids.0.push(id),
                        Direction::Egress => rule_ids.1.push(id),
                    }
                }
            }
            for class in selected.iter() {
                if is_ingress && let Some(side) = ingress.get_mut(class) {
                    side.policies.push(policy);
                    side.rules.extend_from_slice(&rule_ids.0);
                }
                if is_egress && let Some(side) = egress.get_mut(class) {
                    side.policies.push(policy);
                    side.rules.extend_from_slice(&rule_ids.1);
                }
            }
        }

        let classes = builder.classes;
        let externals = builder.externals;
        let mut named_maps: HashMap<&[NamedPortEntry], u32> = HashMap::new();
        named_maps.insert(&[], 0);
        let named_ids: Vec<u32> = classes
            .iter()
            .map(|c| {
                let next = u32::try_from(named_maps.len()).unwrap_or(u32::MAX);
                *named_maps.entry(c.named_ports.as_slice()).or_insert(next)
            })
            .collect();
        drop(named_maps);
        let mut cluster = Self {
            options: options.clone(),
            by_name: endpoints.iter().enumerate().map(|(i, e)| (e.public.name.clone(), i)).collect(),
            endpoints,
            classes,
            externals,
            policies,
            rules,
            ingress,
            egress,
            sets: Vec::new(),
            pair_rows: Vec::new(),
            pair_row_of: Vec::new(),
            pair_column_of: Vec::new(),
            named_ids,
            to_external: Vec::new(),
            from_external: Vec::new(),
        };
        cluster.connect();
        cluster
    }

    /// Ports `rule` allows towards a destination of class `dst` (`None`: external).
    pub(crate) fn rule_ports(&self, rule: &RuleEntry, dst: Option<usize>) -> PortSet {
        let named = dst.and_then(|d| self.classes.get(d)).map_or(&[][..], |c| c.named_ports.as_slice());
        rule.ports.resolve(named)
    }

    /// What class `d`'s ingress side allows from each class, then from each external range.
    fn ingress_row(&self, d: usize) -> LocalRow {
        let k = self.classes.len();
        let width = k + self.externals.len();
        let Some(side) = self.ingress.get(d).filter(|s| s.isolated()) else {
            return LocalRow::uniform(width, PortSet::all());
        };
        let rules: Vec<&RuleEntry> = side.rules.iter().filter_map(|r| self.rules.get(*r)).collect();
        let resolved: Vec<PortSet> = rules.iter().map(|r| self.rule_ports(r, Some(d))).collect();
        let mut states = RuleStates::new(width);
        for (ri, (rule, ports)) in rules.iter().zip(&resolved).enumerate() {
            if ports.is_empty() {
                continue;
            }
            states.apply(ri, rule.classes.iter().chain(rule.externals.iter().map(|e| k + e)));
        }
        states.into_row(|_| 0, |list, _| {
            let mut set = PortSet::empty();
            for ri in list {
                if let Some(ports) = resolved.get(*ri as usize) {
                    set.union_with(ports);
                }
            }
            set
        })
    }

    /// What class `s`'s egress side allows to each class, then to each external range.
    fn egress_row(&self, s: usize) -> LocalRow {
        let k = self.classes.len();
        let width = k + self.externals.len();
        let Some(side) = self.egress.get(s).filter(|s| s.isolated()) else {
            return LocalRow::uniform(width, PortSet::all());
        };
        let rules: Vec<&RuleEntry> = side.rules.iter().filter_map(|r| self.rules.get(*r)).collect();
        let mut states = RuleStates::new(width);
        for (ri, rule) in rules.iter().enumerate() {
            states.apply(ri, rule.classes.iter().chain(rule.externals.iter().map(|e| k + e)));
        }
        // a cell's ports depend on its rules and, for named ports, on the destination class
        let any_named = rules.iter().any(|r| !r.ports.named.is_empty());
        let key = |cell: usize| match (any_named, cell < k) {
            (false, _) => 0,
            (true, true) => self.named_ids.get(cell).copied().unwrap_or(0),
            (true, false) => u32::MAX,
        };
        states.into_row(key, |list, cell| {
            let mut set = PortSet::empty();
            for ri in list {
                if let Some(rule) = rules.get(*ri as usize) {
                    if rule.ports.named.is_empty() || cell >= k {
                        set.union_with(&rule.ports.numeric);
                    } else {
                        set.union_with(&self.rule_ports(rule, Some(cell)));
                    }
                }
            }
            set
        })
    }

    /// Computes every class-pair and class/external connectivity. Rows are computed once per
    /// distinct profile: classes with the same ingress rules (and named ports) share an
    /// ingress row, the same egress rules an egress row, and the same egress rules plus the
    /// same membership in ingress rules a row of pair connectivity.
    fn connect(&mut self) {
        let k = self.classes.len();
        let mut interner = Interner::new();

        let group = |keys: Vec<Vec<u64>>| -> (Vec<usize>, Vec<usize>) {
            let mut ids: HashMap<Vec<u64>, usize> = HashMap::new();
            let mut representatives = Vec::new();
            let of = keys
                .into_iter()
                .enumerate()
                .map(|(c, key)| {
                    *ids.entry(key).or_insert_with(|| {
                        representatives.push(c);
                        representatives.len() - 1
                    })
                })
                .collect();
            (of, representatives)
        };
        let side_key = |side: Option<&Side>, extra: Option<u64>| -> Vec<u64> {
            let mut key = vec![u64::from(side.is_some_and(Side::isolated))];
            key.extend(extra);
            key.extend(side.into_iter().flat_map(|s| s.rules.iter().map(|r| *r as u64)));
            key
        };
        let (ingress_of, ingress_reps) =
            group((0..k).map(|c| side_key(self.ingress.get(c), Some(u64::from(self.named_ids.get(c).copied().unwrap_or(0))))).collect());
        let (egress_of, egress_reps) = group((0..k).map(|c| side_key(self.egress.get(c), None)).collect());
        // membership of each class in ingress rules
        let mut member_of: Vec<Vec<u64>> = (0..k).map(|c| vec![egress_of.get(c).copied().unwrap_or(0) as u64]).collect();
        for (r, rule) in self.rules.iter().enumerate() {
            if rule.direction == Direction::Ingress {
                for c in rule.classes.iter() {
                    if let Some(m) = member_of.get_mut(c) {
                        m.push(r as u64);
                    }
                }
            }
        }
        let (source_of, source_reps) = group(member_of);
        // destinations: same ingress row, named ports, and membership in egress rules
        let mut target_of: Vec<Vec<u64>> = (0..k)
            .map(|c| {
                vec![
                    ingress_of.get(c).copied().unwrap_or(0) as u64,
                    u64::from(self.named_ids.get(c).copied().unwrap_or(0)),
                ]
            })
            .collect();
        for (r, rule) in self.rules.iter().enumerate() {
            if rule.direction == Direction::Egress {
                for c in rule.classes.iter() {
                    if let Some(m) = target_of.get_mut(c) {
                        m.push(r as u64);
                    }
                }
            }
        }
        let (target_of, target_reps) = group(target_of);

        let this = &*self;
        let ingress_rows = par_map(ingress_reps.len(), |i| this.ingress_row(ingress_reps.get(i).copied().unwrap_or(0)));
        let egress_rows = par_map(egress_reps.len(), |i| this.egress_row(egress_reps.get(i).copied().unwrap_or(0)));
        let ingress_ids = intern_rows(ingress_rows, &mut interner);
        let egress_ids = intern_rows(egress_rows, &mut interner);
        let sets = &interner.sets;
        let cell = |rows: &[Vec<SetId>], of: &[usize], class: usize, column: usize| -> SetId {
            of.get(class).and_then(|r| rows.get(*r)).and_then(|row| row.get(column)).copied().unwrap_or(EMPTY)
        };
        let pair_rows = par_map(source_reps.len(), |i| {
            let s = source_reps.get(i).copied().unwrap_or(0);
            let mut cache: HashMap<(SetId, SetId), SetId> = HashMap::new();
            let mut table: Vec<PortSet> = Vec::new();
            let mut local: HashMap<SetId, SetId> = HashMap::new();
            let mut global = |id: SetId, table: &mut Vec<PortSet>| -> SetId {
                *local.entry(id).or_insert_with(|| {
                    table.push(sets.get(id as usize).cloned().unwrap_or_default());
                    SetId::try_from(table.len() - 1).unwrap_or(SetId::MAX)
                })
            };
            let ids = target_reps
                .iter()
                .map(|&d| {
                    let e = cell(&egress_ids, &egress_of, s, d);
                    let g = cell(&ingress_ids, &ingress_of, d, s);
                    match (e, g) {
                        (EMPTY, _) | (_, EMPTY) => global(EMPTY, &mut table),
                        (ALL, x) | (x, ALL) => global(x, &mut table),
                        (x, y) => {
                            if let Some(id) = cache.get(&(x, y)) {
                                return *id;
                            }
                            let both = match (sets.get(x as usize), sets.get(y as usize)) {
                                (Some(a), Some(b)) => a.intersection(b),
                                _ => PortSet::empty(),
                            };
                            table.push(both);
                            let id = SetId::try_from(table.len() - 1).unwrap_or(SetId::MAX);
                            cache.insert((x, y), id);
                            id
                        }
                    }
                })
                .collect();
            LocalRow { ids, table }
        });
        self.pair_rows = intern_rows(pair_rows, &mut interner);
        self.pair_row_of = source_of;
        self.pair_column_of = target_of;
        let runs = |rows: &[Vec<SetId>], of: &[usize]| -> Vec<Runs> {
            let width = self.externals.len();
            (0..k)
                .map(|c| {
                    let row = of.get(c).and_then(|r| rows.get(*r));
                    Runs::new(row.and_then(|r| r.get(k..)).unwrap_or_default(), width)
                })
                .collect()
        };
        self.to_external = runs(&egress_ids, &egress_of);
        self.from_external = runs(&ingress_ids, &ingress_of);
        self.sets = interner.sets;
    }

    /// The options the cluster was compiled with.
    #[must_use]
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }
}

fn public_endpoint(draft: &EndpointDraft) -> Endpoint {
    Endpoint {
        name: draft.full_name(),
        namespace: draft.namespace.clone(),
        workload: draft.name.clone(),
        kind: draft.kind.clone(),
        labels: draft.labels.clone(),
        named_ports: draft
            .named_ports
            .iter()
            .map(|p| NamedPort { name: p.name.clone(), protocol: p.protocol, port: p.port })
            .collect(),
        ips: draft.ips.iter().map(ToString::to_string).collect(),
        pods: draft.pods,
        location: draft.location.clone(),
    }
}
