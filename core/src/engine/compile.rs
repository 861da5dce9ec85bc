//! Compiling a [`ResourceSet`] into a [`CompiledCluster`].
//!
//! - Endpoints are grouped into equivalence classes by what the policies can observe of them:
//!   their namespace, which of the pod selectors used anywhere match them, the named ports some
//!   rule references (by name and protocol), and in [`IpBlockMode::PodIps`] which ipBlocks
//!   contain one of their IPs. Endpoints no policy can tell apart are one class, however their
//!   raw labels differ.
//! - Selectors are interned and evaluated once, through an inverted label index, on the
//!   endpoints their most selective requirement admits.
//! - Each rule keeps its peers as a sparse class set (sorted ids or a bit set) and the external
//!   ranges as index ranges; each class keeps the policies and rules of each isolated side.
//! - Class-to-external connectivity is run-length encoded per distinct side; class-pair
//!   connectivity is computed on demand, only for pairs some rule connects (see `query`).

use crate::sorted::CompactSort;
use std::collections::{BTreeMap, HashMap};

use k8s_openapi::api::networking::v1::NetworkPolicyPeer;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::bitset::{ClassSet, IndexRanges};
use super::endpoints::{EndpointDraft, NamedPortEntry, discover};
use super::ipset::{IpRange, IpSet};
use super::policy::{PortSpec, effective_types, ip_block_bounds, ip_block_set};
use super::ports::PortSet;
use super::selector::{Anchor, CompiledSelector, SelectorId, SelectorTable};
use super::types::{Direction, Endpoint, EngineOptions, IpBlockMode, NamedPort};
use crate::inventory::ResourceSet;
use crate::model::Protocol;
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

/// What the policies can observe of an endpoint. Endpoints with equal keys are one class.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ClassKey {
    /// Index into the sorted namespace names (classes are ordered by namespace first, so the
    /// classes of a namespace are a contiguous range).
    pub(crate) namespace: usize,
    /// Ids of the pod selectors that match, ascending (selectors that match every endpoint are
    /// left out: they tell nothing apart).
    pub(crate) selectors: Vec<u32>,
    /// The endpoint's named ports that some rule references (same name and protocol).
    pub(crate) named_ports: Vec<NamedPortEntry>,
    /// In [`IpBlockMode::PodIps`]: ids of the ipBlocks that contain one of the pod IPs.
    pub(crate) blocks: Vec<u32>,
}

/// A policy, with the classes it selects.
#[derive(Clone, Debug)]
pub(crate) struct PolicyEntry {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) location: Option<Location>,
    /// Classes the policy selects (for every direction it isolates).
    pub(crate) selected: ClassSet,
}

/// One ingress or egress rule of an isolating direction of a policy.
#[derive(Clone, Debug)]
pub(crate) struct RuleEntry {
    pub(crate) policy: usize,
    pub(crate) direction: Direction,
    pub(crate) index: usize,
    pub(crate) location: Option<Location>,
    /// Classes some peer matches (all when the rule has no peers list).
    pub(crate) classes: ClassSet,
    /// External ranges some peer matches.
    pub(crate) externals: IndexRanges,
    /// Whether the rule has no peers list: it matches every peer, in-cluster or external.
    pub(crate) all_peers: bool,
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
    /// The set `id` (empty when unknown).
    pub(super) fn get(&self, id: SetId) -> &PortSet {
        static EMPTY_SET: std::sync::OnceLock<PortSet> = std::sync::OnceLock::new();
        self.sets.get(id as usize).unwrap_or_else(|| EMPTY_SET.get_or_init(PortSet::empty))
    }

    fn new() -> Self {
        let mut interner = Self { ids: HashMap::new(), sets: Vec::new() };
        interner.intern(PortSet::empty());
        interner.intern(PortSet::all());
        interner
    }

    pub(super) fn intern(&mut self, set: PortSet) -> SetId {
        if let Some(id) = self.ids.get(&set) {
            return *id;
        }
        let id = SetId::try_from(self.sets.len()).unwrap_or(SetId::MAX);
        self.sets.push(set.clone());
        self.ids.insert(set, id);
        id
    }
}

/// A row over the external ranges, run-length encoded: `(first range, set)` per run; ranges
/// before the first run are [`EMPTY`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Runs {
    runs: Vec<(u32, SetId)>,
}

impl Runs {
    /// From `(first range, set)` runs, ascending.
    pub(super) fn new(runs: Vec<(u32, SetId)>) -> Self {
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

/// Groups items by key: the group of each item, and the first item of each group.
pub(crate) fn group_by<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> (Vec<u32>, Vec<usize>) {
    let mut ids: HashMap<K, u32> = HashMap::new();
    let mut representatives = Vec::new();
    let of = keys
        .enumerate()
        .map(|(i, key)| {
            *ids.entry(key).or_insert_with(|| {
                representatives.push(i);
                u32::try_from(representatives.len() - 1).unwrap_or(u32::MAX)
            })
        })
        .collect();
    (of, representatives)
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
    /// Endpoints of each class, ascending.
    pub(crate) class_endpoints: Vec<Vec<u32>>,
    /// External address space cut at every ipBlock boundary, IPv4 first, sorted.
    pub(crate) externals: Vec<IpRange>,
    pub(crate) policies: Vec<PolicyEntry>,
    pub(crate) rules: Vec<RuleEntry>,
    pub(crate) ingress: Vec<Side>,
    pub(crate) egress: Vec<Side>,
    pub(crate) sets: Vec<PortSet>,
    /// Class `c` to each external range: `to_external[to_external_of[c]]`.
    pub(crate) to_external_of: Vec<u32>,
    pub(crate) to_external: Vec<Runs>,
    /// Each external range to class `c`: `from_external[from_external_of[c]]`.
    pub(crate) from_external_of: Vec<u32>,
    pub(crate) from_external: Vec<Runs>,
    /// Endpoints reachable through Ingress, Route and Gateway API routes, with their ports
    /// (see `ingress`).
    pub(crate) ingress_controller: Vec<(u32, PortSet)>,
    /// Cluster-scoped policies (AdminNetworkPolicy, ..., ClusterNetworkPolicy).
    pub(crate) tiers: super::tier_rules::Tiers,
    /// The address blocks matched against pod IPs (cluster `networks`, ipBlocks in `PodIps`
    /// mode): the endpoints were split by them (`endpoints::Ownership`), and flow resolution
    /// names pods by the same split.
    pod_blocks: Vec<IpSet>,
}

/// The endpoints with a label key, and with each of its values, ascending.
type KeyPostings<'a> = (Vec<u32>, HashMap<&'a str, Vec<u32>>);

/// Endpoints indexed by label, for evaluating selectors on candidates only.
struct LabelIndex<'a> {
    keys: HashMap<&'a str, KeyPostings<'a>>,
}

impl<'a> LabelIndex<'a> {
    fn new(drafts: &'a [EndpointDraft]) -> Self {
        let mut keys: HashMap<&'a str, KeyPostings<'a>> = HashMap::new();
        for (e, draft) in drafts.iter().enumerate() {
            let e = u32::try_from(e).unwrap_or(u32::MAX);
            for (k, v) in &draft.labels {
                let entry = keys.entry(k.as_str()).or_default();
                entry.0.push(e);
                entry.1.entry(v.as_str()).or_default().push(e);
            }
        }
        Self { keys }
    }

    fn label(&self, key: &str, value: &str) -> &[u32] {
        self.keys.get(key).and_then(|(_, values)| values.get(value)).map(Vec::as_slice).unwrap_or_default()
    }

    fn key(&self, key: &str) -> &[u32] {
        self.keys.get(key).map(|(all, _)| all.as_slice()).unwrap_or_default()
    }

    /// Endpoints that may match `anchor` (`None`: no narrowing), and how many.
    fn count(&self, anchor: Anchor<'_>) -> usize {
        match anchor {
            Anchor::Label(k, v) => self.label(k, v).len(),
            Anchor::Values(k, vs) => vs.iter().map(|v| self.label(k, v).len()).sum(),
            Anchor::Key(k) => self.key(k).len(),
        }
    }

    fn candidates(&self, anchor: Anchor<'_>) -> Vec<u32> {
        match anchor {
            Anchor::Label(k, v) => self.label(k, v).to_vec(),
            Anchor::Values(k, vs) => {
                let mut out: Vec<u32> = vs.iter().flat_map(|v| self.label(k, v).iter().copied()).collect();
                out.sort_compact();
                out.dedup();
                out
            }
            Anchor::Key(k) => self.key(k).to_vec(),
        }
    }

    /// The endpoints `selector` matches, ascending.
    fn matching(&self, selector: &CompiledSelector, drafts: &[EndpointDraft]) -> Vec<u32> {
        let best = selector.anchors().into_iter().min_by_key(|a| self.count(*a));
        let candidates: Vec<u32> = match best {
            Some(anchor) => self.candidates(anchor),
            None => (0..u32::try_from(drafts.len()).unwrap_or(u32::MAX)).collect(),
        };
        candidates
            .into_iter()
            .filter(|&e| drafts.get(e as usize).is_some_and(|d| selector.matches(&d.labels)))
            .collect()
    }
}

/// Which classes a pod selector matches.
#[derive(Clone, Debug)]
enum Selection {
    /// Every endpoint.
    All,
    /// These classes, ascending.
    Classes(Vec<u32>),
}

/// The classes of `list` (ascending) inside the contiguous range `[lo, hi)`.
fn within(list: &[u32], (lo, hi): (u32, u32)) -> &[u32] {
    let start = list.partition_point(|c| *c < lo);
    let end = list.partition_point(|c| *c < hi);
    list.get(start..end).unwrap_or_default()
}

/// The pod selectors and ipBlocks of every policy, interned before classes are formed.
struct Observed {
    selectors: SelectorTable,
    /// Named ports some rule references.
    named: Vec<(Protocol, String)>,
    /// Distinct ipBlocks (`cidr` minus `except`) by their text, and the `networks` CIDRs of
    /// cluster-scoped rules (as blocks without `except`).
    blocks: HashMap<(String, Vec<String>), u32>,
    block_sets: Vec<IpSet>,
    /// Per block: whether a cluster-scoped rule names it in `networks` — such a block splits
    /// classes by pod IPs in every mode (the API checks pod traffic against `networks`).
    tier_block: Vec<bool>,
}

impl Observed {
    fn collect(resources: &ResourceSet, with_blocks: bool) -> Self {
        let mut observed = Self {
            selectors: SelectorTable::default(),
            named: Vec::new(),
            blocks: HashMap::new(),
            block_sets: Vec::new(),
            tier_block: Vec::new(),
        };
        for policy in &resources.policies {
            let Some(spec) = policy.object.spec.as_ref() else { continue };
            if let Some(selector) = &spec.pod_selector {
                observed.selectors.intern(selector);
            }
            let ingress = spec.ingress.iter().flatten().map(|r| (r.from.as_ref(), r.ports.as_ref()));
            let egress = spec.egress.iter().flatten().map(|r| (r.to.as_ref(), r.ports.as_ref()));
            for (peers, ports) in ingress.chain(egress) {
                for port in ports.into_iter().flatten() {
                    if let Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(name)) = &port.port
                        && let Some(protocol) = port.protocol.as_deref().map_or(Some(Protocol::Tcp), Protocol::parse)
                        && !observed.named.iter().any(|(p, n)| *p == protocol && n == name)
                    {
                        observed.named.push((protocol, name.clone()));
                    }
                }
                for peer in peers.into_iter().flatten() {
                    if let Some(block) = &peer.ip_block {
                        if with_blocks {
                            let key = (block.cidr.clone(), block.except.clone().unwrap_or_default());
                            let next = u32::try_from(observed.block_sets.len()).unwrap_or(u32::MAX);
                            if let std::collections::hash_map::Entry::Vacant(slot) = observed.blocks.entry(key) {
                                slot.insert(next);
                                observed.block_sets.push(ip_block_set(block));
                                observed.tier_block.push(false);
                            }
                        }
                    } else if let Some(selector) = &peer.pod_selector {
                        observed.selectors.intern(selector);
                    }
                }
            }
        }
        super::tier_rules::observe(resources, &mut observed.selectors, &mut observed.named);
        for cidr in super::tier_rules::networks(resources) {
            let Some(set) = IpSet::parse_cidr(cidr) else { continue };
            let next = u32::try_from(observed.block_sets.len()).unwrap_or(u32::MAX);
            let id = *observed.blocks.entry((cidr.to_owned(), Vec::new())).or_insert(next);
            if id == next {
                observed.block_sets.push(set);
                observed.tier_block.push(true);
            } else if let Some(flag) = observed.tier_block.get_mut(id as usize) {
                *flag = true;
            }
        }
        observed
    }

    /// The blocks matched against pod IPs: cluster `networks` always, ipBlocks in `PodIps` mode.
    fn pod_blocks(&self, pod_ips: bool) -> Vec<&IpSet> {
        self.block_sets.iter().zip(&self.tier_block).filter(|(_, tier)| pod_ips || **tier).map(|(set, _)| set).collect()
    }

    /// The block id of a cluster-scoped rule's `networks` CIDR.
    fn network_block(&self, cidr: &str) -> Option<u32> {
        self.blocks.get(&(cidr.to_owned(), Vec::new())).copied()
    }
}

pub(super) struct Builder<'a> {
    options: &'a EngineOptions,
    namespaces: Vec<String>,
    classes: Vec<ClassKey>,
    /// Classes of each namespace: `[lo, hi)`.
    namespace_ranges: Vec<(u32, u32)>,
    namespace_labels: Vec<BTreeMap<String, String>>,
    externals: Vec<IpRange>,
    /// First address of each IPv4 external range, then of each IPv6 one.
    v4_firsts: Vec<u32>,
    v6_firsts: Vec<u128>,
    observed: Observed,
    selections: Vec<Selection>,
    /// Classes whose pod IPs an ipBlock contains, per block id (PodIps mode).
    block_classes: Vec<Vec<u32>>,
    namespace_selectors: SelectorTable,
    namespace_selections: HashMap<SelectorId, Vec<bool>>,
}

impl Builder<'_> {
    /// Number of classes.
    pub(super) fn class_count(&self) -> usize {
        self.classes.len()
    }

    fn namespace_index(&self, name: &str) -> Option<usize> {
        self.namespaces.binary_search_by(|n| n.as_str().cmp(name)).ok()
    }

    fn range_of(&self, namespace: Option<usize>) -> (u32, u32) {
        namespace.and_then(|n| self.namespace_ranges.get(n)).copied().unwrap_or((0, 0))
    }

    /// The classes a pod selector matches (every selector was interned before classes were
    /// formed).
    fn selection(&self, selector: &LabelSelector) -> Option<&Selection> {
        let id = self.observed.selectors.lookup(selector)?;
        self.selections.get(id as usize)
    }

    /// Classes in `namespace` that `selector` (`None`: every pod) matches.
    fn pods_in(&self, selector: Option<&LabelSelector>, namespace: Option<usize>) -> Vec<u32> {
        let range = self.range_of(namespace);
        let selection = match selector {
            None => Some(&Selection::All),
            Some(s) => self.selection(s),
        };
        match selection {
            Some(Selection::All) => (range.0..range.1).collect(),
            Some(Selection::Classes(list)) => within(list, range).to_vec(),
            None => Vec::new(),
        }
    }

    /// Which namespaces `selector` matches.
    fn namespaces_matching(&mut self, selector: &LabelSelector) -> Vec<bool> {
        let id = self.namespace_selectors.intern(selector);
        if let Some(flags) = self.namespace_selections.get(&id) {
            return flags.clone();
        }
        let flags: Vec<bool> = match self.namespace_selectors.selectors().get(id as usize) {
            Some(compiled) => self.namespace_labels.iter().map(|labels| compiled.matches(labels)).collect(),
            None => vec![false; self.namespaces.len()],
        };
        self.namespace_selections.insert(id, flags.clone());
        flags
    }

    /// The classes and external ranges one peer matches.
    fn peer(&mut self, peer: &NetworkPolicyPeer, namespace: Option<usize>, atoms: &mut Vec<(u32, u32)>) -> Vec<u32> {
        if let Some(block) = &peer.ip_block {
            self.atoms_of(&ip_block_set(block), atoms);
            if self.options.ip_block_mode == IpBlockMode::PodIps {
                let key = (block.cidr.clone(), block.except.clone().unwrap_or_default());
                if let Some(&id) = self.observed.blocks.get(&key) {
                    return self.block_classes.get(id as usize).cloned().unwrap_or_default();
                }
            }
            return Vec::new();
        }
        match (&peer.pod_selector, &peer.namespace_selector) {
            (None, None) => Vec::new(),
            (Some(pods), None) => self.pods_in(Some(pods), namespace),
            (pods, Some(namespaces)) => self.pods_matching(namespaces, pods.as_ref()),
        }
    }

    /// Classes with a pod IP in the `networks` CIDR `cidr` of a cluster-scoped rule.
    pub(super) fn network_classes(&self, cidr: &str) -> Vec<u32> {
        self.observed
            .network_block(cidr)
            .and_then(|id| self.block_classes.get(id as usize))
            .cloned()
            .unwrap_or_default()
    }

    /// The external ranges (as index ranges `[lo, hi)`) that cover the addresses of `set`.
    pub(super) fn atoms_of(&self, set: &IpSet, atoms: &mut Vec<(u32, u32)>) {
        let v6_start = u32::try_from(self.v4_firsts.len()).unwrap_or(u32::MAX);
        for &(lo, hi) in set.v4.ranges() {
            let start = self.v4_firsts.partition_point(|f| *f < lo);
            let end = self.v4_firsts.partition_point(|f| *f <= hi);
            atoms.push((u32::try_from(start).unwrap_or(u32::MAX), u32::try_from(end).unwrap_or(u32::MAX)));
        }
        for &(lo, hi) in set.v6.ranges() {
            let start = u32::try_from(self.v6_firsts.partition_point(|f| *f < lo)).unwrap_or(u32::MAX);
            let end = u32::try_from(self.v6_firsts.partition_point(|f| *f <= hi)).unwrap_or(u32::MAX);
            atoms.push((v6_start.saturating_add(start), v6_start.saturating_add(end)));
        }
    }

    /// The classes of the pods `pods` (`None`: every pod) selects in the namespaces
    /// `namespaces` selects.
    pub(super) fn pods_matching(&mut self, namespaces: &LabelSelector, pods: Option<&LabelSelector>) -> Vec<u32> {
        let flags = self.namespaces_matching(namespaces);
        let selection = match pods {
            None => Some(&Selection::All),
            Some(p) => self.selection(p),
        };
        match selection {
            None => Vec::new(),
            Some(Selection::All) => flags
                .iter()
                .zip(&self.namespace_ranges)
                .filter(|(f, _)| **f)
                .flat_map(|(_, &(lo, hi))| lo..hi)
                .collect(),
            Some(Selection::Classes(list)) => list
                .iter()
                .copied()
                .filter(|c| {
                    self.classes.get(*c as usize).is_some_and(|k| flags.get(k.namespace).copied().unwrap_or(false))
                })
                .collect(),
        }
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
    starts.sort_compact();
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

/// The external address space cut at every ipBlock boundary of every policy.
fn external_ranges(resources: &ResourceSet) -> Vec<IpRange> {
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
    super::tier_rules::external_bounds(resources, &mut v4, &mut v6);
    let mut externals: Vec<IpRange> = cut_points(&v4).into_iter().map(|(a, b)| IpRange::V4(a, b)).collect();
    if !v6.is_empty() {
        externals.extend(cut_points(&v6).into_iter().map(|(a, b)| IpRange::V6(a, b)));
    }
    externals
}

impl CompiledCluster {
    /// The address blocks the endpoints were split by (see `endpoints::Ownership::new`).
    pub(crate) fn pod_blocks(&self) -> Vec<&IpSet> {
        self.pod_blocks.iter().collect()
    }

    /// Compiles the resources: endpoints, classes, policies and rules, and the connectivity
    /// of every class to the external ranges.
    #[must_use]
    pub fn compile(resources: &ResourceSet, options: &EngineOptions) -> Self {
        let pod_ips = options.ip_block_mode == IpBlockMode::PodIps;
        let mut observed = Observed::collect(resources, pod_ips);
        let pod_blocks: Vec<IpSet> = observed.pod_blocks(pod_ips).into_iter().cloned().collect();
        let drafts = discover(resources, &pod_blocks.iter().collect::<Vec<_>>());
        let namespaces = resources.namespace_names();
        let namespace_labels: Vec<BTreeMap<String, String>> =
            namespaces.iter().map(|n| resources.namespace_labels(n)).collect();

        // what each endpoint looks like to the policies
        let index = LabelIndex::new(&drafts);
        let matches: Vec<Vec<u32>> = crate::parallel::map_indices(observed.selectors.selectors().len(), |s| {
            match observed.selectors.selectors().get(s) {
                Some(selector) if !selector.is_empty() => index.matching(selector, &drafts),
                _ => Vec::new(),
            }
        });
        drop(index);
        let universal: Vec<bool> = observed
            .selectors
            .selectors()
            .iter()
            .zip(&matches)
            .map(|(s, m)| s.is_empty() || m.len() == drafts.len())
            .collect();
        let mut signatures: Vec<Vec<u32>> = vec![Vec::new(); drafts.len()];
        for (s, list) in matches.iter().enumerate() {
            if universal.get(s).copied().unwrap_or(true) {
                continue;
            }
            let s = u32::try_from(s).unwrap_or(u32::MAX);
            for &e in list {
                if let Some(sig) = signatures.get_mut(e as usize) {
                    sig.push(s);
                }
            }
        }
        drop(matches);
        observed.named.sort_compact();
        let keys: Vec<ClassKey> = drafts
            .iter()
            .zip(signatures)
            .map(|(draft, selectors)| ClassKey {
                namespace: namespaces.binary_search(&draft.namespace).unwrap_or(usize::MAX),
                selectors,
                named_ports: draft
                    .named_ports
                    .iter()
                    .filter(|p| observed.named.iter().any(|(proto, name)| *proto == p.protocol && *name == p.name))
                    .cloned()
                    .collect(),
                // ipBlocks in PodIps mode, cluster `networks` always
                blocks: observed
                    .block_sets
                    .iter()
                    .zip(&observed.tier_block)
                    .enumerate()
                    .filter(|(_, (set, tier))| (pod_ips || **tier) && draft.ips.iter().any(|ip| set.contains(*ip)))
                    .map(|(b, _)| u32::try_from(b).unwrap_or(u32::MAX))
                    .collect(),
            })
            .collect();
        // classes, ordered by key (namespace first)
        let mut classes: Vec<ClassKey> = keys.clone();
        classes.sort_compact();
        classes.dedup();
        let class_of: Vec<usize> = keys.iter().map(|k| classes.binary_search(k).unwrap_or(0)).collect();
        drop(keys);
        let mut class_endpoints: Vec<Vec<u32>> = vec![Vec::new(); classes.len()];
        for (e, &c) in class_of.iter().enumerate() {
            if let Some(list) = class_endpoints.get_mut(c) {
                list.push(u32::try_from(e).unwrap_or(u32::MAX));
            }
        }
        let namespace_ranges: Vec<(u32, u32)> = (0..namespaces.len())
            .map(|n| {
                let lo = classes.partition_point(|c| c.namespace < n);
                let hi = classes.partition_point(|c| c.namespace <= n);
                (u32::try_from(lo).unwrap_or(u32::MAX), u32::try_from(hi).unwrap_or(u32::MAX))
            })
            .collect();
        let mut selected_by: Vec<Vec<u32>> = vec![Vec::new(); observed.selectors.selectors().len()];
        let mut block_classes: Vec<Vec<u32>> = vec![Vec::new(); observed.block_sets.len()];
        for (c, key) in classes.iter().enumerate() {
            let c = u32::try_from(c).unwrap_or(u32::MAX);
            for &s in &key.selectors {
                if let Some(list) = selected_by.get_mut(s as usize) {
                    list.push(c);
                }
            }
            for &b in &key.blocks {
                if let Some(list) = block_classes.get_mut(b as usize) {
                    list.push(c);
                }
            }
        }
        let selections: Vec<Selection> = selected_by
            .into_iter()
            .zip(&universal)
            .map(|(list, all)| if *all { Selection::All } else { Selection::Classes(list) })
            .collect();
        let endpoints: Vec<EndpointEntry> = drafts
            .iter()
            .zip(&class_of)
            .map(|(d, &class)| EndpointEntry { public: public_endpoint(d), class })
            .collect();
        drop(drafts);

        let externals = external_ranges(resources);
        let v6_start = externals.iter().position(|r| matches!(r, IpRange::V6(..))).unwrap_or(externals.len());
        let v4_firsts: Vec<u32> =
            externals.iter().filter_map(|r| if let IpRange::V4(a, _) = r { Some(*a) } else { None }).collect();
        let v6_firsts: Vec<u128> =
            externals.iter().filter_map(|r| if let IpRange::V6(a, _) = r { Some(*a) } else { None }).collect();
        debug_assert_eq!(v4_firsts.len(), v6_start);

        let mut builder = Builder {
            options,
            namespaces,
            classes,
            namespace_ranges,
            namespace_labels,
            externals,
            v4_firsts,
            v6_firsts,
            observed,
            selections,
            block_classes,
            namespace_selectors: SelectorTable::default(),
            namespace_selections: HashMap::new(),
        };

        // policies and rules
        let class_count = builder.classes.len();
        let external_count = builder.externals.len();
        let mut policies = Vec::with_capacity(resources.policies.len());
        let mut rules: Vec<RuleEntry> = Vec::new();
        let mut ingress = vec![Side::default(); class_count];
        let mut egress = vec![Side::default(); class_count];
        for resource in &resources.policies {
            let spec = resource.object.spec.as_ref();
            let (is_ingress, is_egress) = effective_types(spec);
            let namespace = builder.namespace_index(&resource.namespace);
            let selected = builder.pods_in(spec.and_then(|s| s.pod_selector.as_ref()), namespace);
            let policy = policies.len();
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
                    let (classes, externals, all_peers) = match peers.filter(|p| !p.is_empty()) {
                        None => (ClassSet::full(class_count), IndexRanges::full(external_count), true),
                        Some(peers) => {
                            let mut classes = Vec::new();
                            let mut atoms = Vec::new();
                            for peer in peers {
                                classes.extend(builder.peer(peer, namespace, &mut atoms));
                            }
                            (ClassSet::from_unsorted(classes, class_count), IndexRanges::from_ranges(atoms), false)
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
                        all_peers,
                        ports,
                    });
                    match direction {
                        Direction::Ingress => rule_ids.0.push(id),
                        Direction::Egress => rule_ids.1.push(id),
                    }
                }
            }
            for &class in &selected {
                if is_ingress && let Some(side) = ingress.get_mut(class as usize) {
                    side.policies.push(policy);
                    side.rules.extend_from_slice(&rule_ids.0);
                }
                if is_egress && let Some(side) = egress.get_mut(class as usize) {
                    side.policies.push(policy);
                    side.rules.extend_from_slice(&rule_ids.1);
                }
            }
            policies.push(PolicyEntry {
                namespace: resource.namespace.clone(),
                name: resource.name.clone(),
                location: Some(resource.source.locate("")),
                selected: ClassSet::from_sorted(selected, class_count),
            });
        }

        let tiers = builder.tiers(resources);
        let mut cluster = Self {
            options: options.clone(),
            by_name: endpoints.iter().enumerate().map(|(i, e)| (e.public.name.clone(), i)).collect(),
            endpoints,
            classes: builder.classes,
            class_endpoints,
            externals: builder.externals,
            policies,
            rules,
            ingress,
            egress,
            sets: Vec::new(),
            to_external_of: Vec::new(),
            to_external: Vec::new(),
            from_external_of: Vec::new(),
            from_external: Vec::new(),
            ingress_controller: Vec::new(),
            tiers,
            pod_blocks,
        };
        cluster.connect_externals();
        #[cfg(feature = "routes")]
        {
            cluster.ingress_controller = cluster.connect_ingress_controller(resources);
        }
        cluster
    }

    /// Ports `rule` allows towards a destination of class `dst` (`None`: external).
    pub(crate) fn rule_ports(&self, rule: &RuleEntry, dst: Option<usize>) -> PortSet {
        let named = dst.and_then(|d| self.classes.get(d)).map_or(&[][..], |c| c.named_ports.as_slice());
        rule.ports.resolve(named)
    }

    /// The run-length encoded row of an isolated side over the external ranges: for each
    /// range, the union of the ports of the side's rules that match it, resolved on `dst`
    /// (the class itself for ingress; `None`, external, for egress). A sweep over the rules'
    /// range boundaries, so the cost follows the rules, not the number of ranges.
    fn external_row(&self, side: &Side, dst: Option<usize>, interner: &mut Interner) -> Runs {
        if !side.isolated() {
            return Runs { runs: vec![(0, ALL)] };
        }
        let resolved: Vec<(&RuleEntry, PortSet)> = side
            .rules
            .iter()
            .filter_map(|r| self.rules.get(*r))
            .map(|rule| (rule, self.rule_ports(rule, dst)))
            .filter(|(rule, ports)| !ports.is_empty() && !rule.externals.ranges().is_empty())
            .collect();
        let mut events: Vec<(u32, bool, usize)> = Vec::new();
        for (i, (rule, _)) in resolved.iter().enumerate() {
            for &(lo, hi) in rule.externals.ranges() {
                events.push((lo, true, i));
                events.push((hi, false, i));
            }
        }
        events.sort_compact();
        let width = u32::try_from(self.externals.len()).unwrap_or(u32::MAX);
        let mut active = vec![0u32; resolved.len()];
        let mut runs: Vec<(u32, SetId)> = Vec::new();
        let mut at = 0usize;
        while let Some(&(position, _, _)) = events.get(at) {
            while let Some(&(p, start, i)) = events.get(at) {
                if p != position {
                    break;
                }
                if let Some(count) = active.get_mut(i) {
                    *count = if start { count.saturating_add(1) } else { count.saturating_sub(1) };
                }
                at += 1;
            }
            if position >= width {
                break;
            }
            let mut set = PortSet::empty();
            for ((_, ports), count) in resolved.iter().zip(&active) {
                if *count > 0 {
                    set.union_with(ports);
                }
            }
            let id = interner.intern(set);
            if runs.last().map_or(EMPTY, |(_, last)| *last) != id {
                runs.push((position, id));
            }
        }
        Runs { runs }
    }

    /// Computes every class's connectivity to and from the external ranges, once per distinct
    /// side (classes with the same egress rules share a row; with the same ingress rules and
    /// referenced named ports, an ingress row).
    fn connect_externals(&mut self) {
        let mut interner = Interner::new();
        let any_named =
            |side: &Side| side.rules.iter().any(|r| self.rules.get(*r).is_some_and(|r| !r.ports.named.is_empty()));
        let (to_of, to_reps) = group_by(self.egress.iter().map(|s| (s.isolated(), s.rules.as_slice())));
        let (from_of, from_reps) = group_by(self.ingress.iter().enumerate().map(|(c, s)| {
            let named = if any_named(s) { self.classes.get(c).map(|k| k.named_ports.as_slice()) } else { None };
            (s.isolated(), s.rules.as_slice(), named)
        }));
        let empty = Side::default();
        let to: Vec<Runs> = to_reps
            .iter()
            .map(|&c| self.external_row(self.egress.get(c).unwrap_or(&empty), None, &mut interner))
            .collect();
        let from: Vec<Runs> = from_reps
            .iter()
            .map(|&c| self.external_row(self.ingress.get(c).unwrap_or(&empty), Some(c), &mut interner))
            .collect();
        let (to_of, to) =
            if self.tiers.is_active() { self.tiered_external_rows(&to_of, &to, &mut interner) } else { (to_of, to) };
        self.to_external_of = to_of;
        self.to_external = to;
        self.from_external_of = from_of;
        self.from_external = from;
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
