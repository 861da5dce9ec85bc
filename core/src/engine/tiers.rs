//! The tiered verdict of cluster-scoped policies (`DESIGN.md`, "Cluster-scoped policies").
//!
//! One direction of a connection (egress at the source, ingress at the destination) is decided,
//! per port, by the first of:
//! 1. the admin tier: the rules of the admin policies that select the pod, by priority (lower
//!    first; equal priorities by name, then input order), each policy's rules in order; the
//!    first rule whose peers and ports match decides: Allow → allowed, Deny → denied, Pass →
//!    step 2;
//! 2. NetworkPolicies, when they isolate the pod in this direction (no fall-through);
//! 3. the baseline tier, as step 1 with Allow and Deny; no match → allowed.
//!
//! Subjects and peers are selectors like any other: their pod selectors are interned before
//! classes are formed, so class compression holds. `nodes` peers are the addresses of the
//! input's `Node` objects (external ranges); `networks` peers are CIDRs: the external ranges in
//! them, and the pods whose IPs in the input (`status.podIPs`) fall in them — the API checks
//! pod-to-pod traffic against `networks` too (each CIDR splits classes by pod IPs, as ipBlocks
//! do in `PodIps` mode; endpoints without IPs are not matched, and `NF-W005` names them); `domainNames`
//! cannot be resolved offline: such a rule matches no address, and every answer carries an
//! `NF-W004` warning naming it (see [`crate::inventory::ResourceSet::warnings`]).

use super::bitset::{ClassSet, IndexRanges};
use super::compile::{Builder, CompiledCluster, EMPTY, Interner, Runs, SetId, Side, group_by};
use super::ipset::IpSet;
use super::policy::PortSpec;
use super::ports::PortSet;
use super::tier_rules::{TierPeer, TierPolicyEntry, TierRuleEntry, Tiers, node_addresses, port_spec};
use super::types::{Direction, TierPolicyRef, TierRuleRef};
use crate::inventory::ResourceSet;
use crate::model::{ClusterPeer, ClusterRule, ClusterSubject, Protocol, Tier, TierAction};
use crate::sorted::CompactSort;
use crate::source::Location;

impl Builder<'_> {
    /// The classes and external ranges the peers of a rule match.
    fn tier_peers(
        &mut self,
        rule: &ClusterRule,
        direction: Direction,
        resources: &ResourceSet,
    ) -> (ClassSet, IndexRanges) {
        let mut classes = Vec::new();
        let mut atoms = Vec::new();
        for peer in &rule.peers {
            match peer {
                ClusterPeer::Namespaces(namespaces) => classes.extend(self.pods_matching(namespaces, None)),
                ClusterPeer::Pods(pods) => {
                    classes.extend(self.pods_matching(&pods.namespace_selector, Some(&pods.pod_selector)));
                }
                // egress-only peers; domain names are not resolvable offline (NF-W004)
                ClusterPeer::Nodes(selector) if direction == Direction::Egress => {
                    self.atoms_of(&node_addresses(resources, selector), &mut atoms);
                }
                // external addresses, and pods whose IPs (in the input) fall in them
                ClusterPeer::Networks(cidrs) if direction == Direction::Egress => {
                    for cidr in cidrs {
                        if let Some(set) = IpSet::parse_cidr(cidr) {
                            self.atoms_of(&set, &mut atoms);
                            classes.extend(self.network_classes(cidr));
                        }
                    }
                }
                ClusterPeer::Nodes(_)
                | ClusterPeer::Networks(_)
                | ClusterPeer::DomainNames(_)
                | ClusterPeer::Invalid => {}
            }
        }
        let universe = self.class_count();
        (ClassSet::from_unsorted(classes, universe), IndexRanges::from_ranges(atoms))
    }

    /// Compiles the cluster-scoped policies of `resources`.
    pub(super) fn tiers(&mut self, resources: &ResourceSet) -> Tiers {
        let mut tiers = Tiers { lists: vec![Default::default(); self.class_count()], ..Tiers::default() };
        // evaluation order: tier, priority, name, input order
        let mut order: Vec<usize> = (0..resources.cluster_policies.len())
            .filter(|i| resources.cluster_policies.get(*i).is_some_and(|r| r.policy.tier.is_some()))
            .collect();
        order.sort_by_key(|&i| {
            let p = resources.cluster_policies.get(i).map(|r| &r.policy);
            (p.and_then(|p| p.tier), p.and_then(|p| p.priority).unwrap_or(0), p.map(|p| p.name.clone()), i)
        });
        for i in order {
            let Some(resource) = resources.cluster_policies.get(i) else { continue };
            let policy = &resource.policy;
            let Some(tier) = policy.tier else { continue };
            let selected = match &policy.subject {
                ClusterSubject::Namespaces(namespaces) => self.pods_matching(namespaces, None),
                ClusterSubject::Pods(pods) => self.pods_matching(&pods.namespace_selector, Some(&pods.pod_selector)),
                ClusterSubject::Invalid => Vec::new(),
            };
            let id = tiers.policies.len();
            let mut ids: [Vec<u32>; 2] = Default::default();
            for (direction, rules) in [(Direction::Ingress, &policy.ingress), (Direction::Egress, &policy.egress)] {
                for (index, rule) in rules.iter().enumerate() {
                    let Some(action) = rule.action else { continue };
                    // the baseline tier has no Pass (the API rejects it): such a rule matches nothing
                    if tier == Tier::Baseline && action == TierAction::Pass {
                        continue;
                    }
                    let (classes, externals) = self.tier_peers(rule, direction, resources);
                    let r = u32::try_from(tiers.rules.len()).unwrap_or(u32::MAX);
                    tiers.rules.push(TierRuleEntry {
                        policy: id,
                        direction,
                        index,
                        name: rule.name.clone(),
                        action,
                        location: Some(resource.source.locate(&rule.pointer)),
                        classes,
                        externals,
                        ports: port_spec(rule.ports.as_ref()),
                    });
                    if let Some(list) = ids.get_mut(usize::from(direction == Direction::Egress)) {
                        list.push(r);
                    }
                }
            }
            let base = if tier == Tier::Admin { 0 } else { 2 };
            for &c in &selected {
                if let Some(lists) = tiers.lists.get_mut(c as usize) {
                    for (offset, rules) in ids.iter().enumerate() {
                        if let Some(list) = lists.get_mut(base + offset) {
                            list.extend_from_slice(rules);
                        }
                    }
                }
            }
            let universe = self.class_count();
            tiers.policies.push(TierPolicyEntry {
                kind: policy.kind.clone(),
                name: policy.name.clone(),
                tier,
                priority: policy.priority,
                location: Some(resource.source.locate("")),
                selected: ClassSet::from_unsorted(selected, universe),
                source: i,
            });
        }
        tiers
    }
}

/// How one direction decided one port: the rule of a tier, NetworkPolicies, or the default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TierStep {
    /// A rule of a tier decided (Allow or Deny).
    Rule(usize),
    /// NetworkPolicies decide (isolated), after the admin tier did not.
    NetworkPolicy,
    /// Nothing matched and nothing isolates: allowed.
    Default,
}

impl CompiledCluster {
    /// The rules of `tier` of class `own` in `direction` that match `peer`, with the ports they
    /// match on the destination `dst` (`None`: external), in evaluation order.
    pub(crate) fn tier_matches(
        &self,
        own: usize,
        direction: Direction,
        tier: Tier,
        peer: TierPeer,
        dst: Option<usize>,
    ) -> Vec<(usize, PortSet)> {
        self.tier_matches_by(own, direction, tier, &|_, rule| rule.matches(peer), dst)
    }

    /// [`CompiledCluster::tier_matches`] with the rules `matches` accepts (given the rule's id).
    pub(crate) fn tier_matches_by(
        &self,
        own: usize,
        direction: Direction,
        tier: Tier,
        matches: &dyn Fn(usize, &TierRuleEntry) -> bool,
        dst: Option<usize>,
    ) -> Vec<(usize, PortSet)> {
        self.tiers
            .list(own, tier, direction)
            .iter()
            .filter_map(|r| self.tiers.rules.get(*r as usize).map(|rule| (*r as usize, rule)))
            .filter(|(r, rule)| matches(*r, rule))
            .map(|(r, rule)| (r, self.resolve_spec(&rule.ports, dst)))
            .filter(|(_, ports)| !ports.is_empty())
            .collect()
    }

    fn resolve_spec(&self, spec: &PortSpec, dst: Option<usize>) -> PortSet {
        if spec.named.is_empty() {
            return spec.numeric.clone();
        }
        let named = dst.and_then(|d| self.classes.get(d)).map_or(&[][..], |c| c.named_ports.as_slice());
        spec.resolve(named)
    }

    fn tier_action(&self, rule: usize) -> TierAction {
        self.tiers.rules.get(rule).map_or(TierAction::Deny, |r| r.action)
    }

    /// What one direction of class `own` allows with `peer`: the admin tier, then
    /// NetworkPolicies (`np`: what they allow when they isolate this side, `None` when they do
    /// not), then the baseline tier.
    pub(crate) fn tiered_side(
        &self,
        own: usize,
        direction: Direction,
        peer: TierPeer,
        dst: Option<usize>,
        np: Option<&PortSet>,
    ) -> PortSet {
        self.tiered_side_by(own, direction, &|_, rule| rule.matches(peer), dst, np, None)
    }

    /// [`CompiledCluster::tiered_side`] for the peer that `matches` says each rule matches;
    /// `trace` receives each rule that decided ports, with those ports, in order.
    pub(crate) fn tiered_side_by(
        &self,
        own: usize,
        direction: Direction,
        matches: &dyn Fn(usize, &TierRuleEntry) -> bool,
        dst: Option<usize>,
        np: Option<&PortSet>,
        mut trace: Option<&mut Vec<(usize, PortSet)>>,
    ) -> PortSet {
        let mut undecided = PortSet::all();
        let mut allowed = PortSet::empty();
        let mut passed = PortSet::empty();
        for (rule, ports) in self.tier_matches_by(own, direction, Tier::Admin, matches, dst) {
            let hit = ports.intersection(&undecided);
            if hit.is_empty() {
                continue;
            }
            if let Some(trace) = trace.as_deref_mut() {
                trace.push((rule, hit.clone()));
            }
            match self.tier_action(rule) {
                TierAction::Allow => allowed.union_with(&hit),
                TierAction::Deny => {}
                TierAction::Pass => passed.union_with(&hit),
            }
            undecided = undecided.difference(&hit);
            if undecided.is_empty() {
                break;
            }
        }
        undecided.union_with(&passed);
        if undecided.is_empty() {
            return allowed;
        }
        if let Some(np) = np {
            allowed.union_with(&undecided.intersection(np));
            return allowed;
        }
        for (rule, ports) in self.tier_matches_by(own, direction, Tier::Baseline, matches, dst) {
            let hit = ports.intersection(&undecided);
            if hit.is_empty() {
                continue;
            }
            if let Some(trace) = trace.as_deref_mut() {
                trace.push((rule, hit.clone()));
            }
            if self.tier_action(rule) == TierAction::Allow {
                allowed.union_with(&hit);
            }
            undecided = undecided.difference(&hit);
        }
        allowed.union_with(&undecided);
        allowed
    }

    /// What the NetworkPolicies of `side` allow with class `peer` (`None`: not isolated).
    fn np_ports(&self, side: Option<&Side>, peer: usize, dst: usize) -> Option<PortSet> {
        side.filter(|s| s.isolated()).map(|s| self.side_ports(Some(s), peer, dst))
    }

    /// [`CompiledCluster::pair_set`] with cluster-scoped policies.
    pub(crate) fn tiered_pair_set(&self, s: usize, d: usize) -> PortSet {
        let np = self.np_ports(self.egress.get(s), d, d);
        let egress = self.tiered_side(s, Direction::Egress, TierPeer::Class(d), Some(d), np.as_ref());
        if egress.is_empty() {
            return egress;
        }
        let np = self.np_ports(self.ingress.get(d), s, d);
        let ingress = self.tiered_side(d, Direction::Ingress, TierPeer::Class(s), Some(d), np.as_ref());
        egress.intersection(&ingress)
    }

    /// What the rows of all-pairs depend on of a source class besides NetworkPolicies: its
    /// admin and baseline egress rules, and the tier ingress rules whose peers include it (all
    /// empty without cluster-scoped policies).
    pub(crate) fn tier_row_keys(&self) -> Vec<Vec<u32>> {
        if !self.tiers.is_active() {
            return Vec::new();
        }
        let k = self.classes.len();
        let mut keys: Vec<Vec<u32>> = (0..k)
            .map(|c| {
                let mut key = self.tiers.list(c, Tier::Admin, Direction::Egress).to_vec();
                key.push(u32::MAX);
                key.extend_from_slice(self.tiers.list(c, Tier::Baseline, Direction::Egress));
                key.push(u32::MAX);
                key
            })
            .collect();
        for (r, rule) in self.tiers.rules.iter().enumerate() {
            if rule.direction != Direction::Ingress {
                continue;
            }
            let r = u32::try_from(r).unwrap_or(u32::MAX);
            for c in rule.classes.iter() {
                if let Some(key) = keys.get_mut(c) {
                    key.push(r);
                }
            }
        }
        keys
    }

    /// The destinations of source class `s` whose connectivity may be non-empty with
    /// cluster-scoped policies: the NetworkPolicy candidates (a superset of what
    /// NetworkPolicies allow, which admin `Deny`, `Pass` and the baseline only narrow), plus
    /// what admin `Allow` rules open: the peers of `s`'s egress Allow rules, and the subjects
    /// of ingress Allow rules whose peers include `s`.
    pub(crate) fn with_tier_candidates(&self, s: usize, mut candidates: Vec<u32>) -> Vec<u32> {
        let allow = |r: &&TierRuleEntry| r.action == TierAction::Allow;
        for rule in self
            .tiers
            .list(s, Tier::Admin, Direction::Egress)
            .iter()
            .filter_map(|r| self.tiers.rules.get(*r as usize))
            .filter(allow)
        {
            candidates.extend(rule.classes.iter().map(|c| u32::try_from(c).unwrap_or(u32::MAX)));
        }
        for rule in self.tiers.rules.iter().filter(allow) {
            if rule.direction != Direction::Ingress || !rule.classes.contains(s) {
                continue;
            }
            let Some(policy) = self.tiers.policies.get(rule.policy).filter(|p| p.tier == Tier::Admin) else { continue };
            candidates.extend(policy.selected.iter().map(|c| u32::try_from(c).unwrap_or(u32::MAX)));
        }
        candidates.sort_compact();
        candidates.dedup();
        candidates
    }

    /// The rows of every class to the external ranges with cluster-scoped policies, given the
    /// NetworkPolicy rows (`of`, `rows`). Classes with the same NetworkPolicy row and the same
    /// tier egress rules share a row. (Rows from the external ranges need no change: ingress
    /// peers of cluster-scoped policies are pods only, so no tier rule matches an external
    /// range there, and what NetworkPolicies decide stands, or everything is allowed.)
    pub(super) fn tiered_external_rows(
        &self,
        of: &[u32],
        rows: &[Runs],
        interner: &mut Interner,
    ) -> (Vec<u32>, Vec<Runs>) {
        let n = self.externals.len();
        let key = |c: usize| {
            (
                of.get(c).copied(),
                self.egress.get(c).is_some_and(Side::isolated),
                self.tiers.list(c, Tier::Admin, Direction::Egress),
                self.tiers.list(c, Tier::Baseline, Direction::Egress),
            )
        };
        let (row_of, representatives) = group_by((0..self.classes.len()).map(key));
        let mut shared: Vec<Runs> = Vec::with_capacity(representatives.len());
        for &c in &representatives {
            let isolated = self.egress.get(c).is_some_and(Side::isolated);
            let np_row = of.get(c).and_then(|r| rows.get(*r as usize));
            let mut runs: Vec<(u32, SetId)> = Vec::new();
            for a in 0..n {
                let np = isolated.then(|| interner.get(np_row.map_or(EMPTY, |r| r.get(a))).clone());
                let set = self.tiered_side(c, Direction::Egress, TierPeer::Atom(a), None, np.as_ref());
                let id = interner.intern(set);
                if runs.last().map_or(EMPTY, |(_, last)| *last) != id {
                    runs.push((u32::try_from(a).unwrap_or(u32::MAX), id));
                }
            }
            shared.push(Runs::new(runs));
        }
        (row_of, shared)
    }

    /// Every rule of the evaluated cluster-scoped policies, in evaluation order (admin by
    /// priority, then baseline), as explanations name them.
    #[must_use]
    pub fn tier_rule_refs(&self) -> Vec<TierRuleRef> {
        (0..self.tiers.rules.len()).filter_map(|r| self.tier_rule_ref(r)).collect()
    }

    /// A reference to tier rule `rule`, for explanations.
    pub(crate) fn tier_rule_ref(&self, rule: usize) -> Option<TierRuleRef> {
        let entry = self.tiers.rules.get(rule)?;
        let policy = self.tiers.policies.get(entry.policy)?;
        Some(TierRuleRef {
            tier: policy.tier,
            kind: policy.kind.clone(),
            policy: policy.name.clone(),
            priority: policy.priority,
            direction: entry.direction,
            index: entry.index,
            name: entry.name.clone(),
            action: entry.action,
            location: entry.location.clone(),
        })
    }

    /// How one direction of class `own` decides `protocol`/`port` with `peer`: the Pass rule
    /// where the admin tier handed over (if any), and the step that decided.
    pub(crate) fn tier_decision(
        &self,
        own: usize,
        direction: Direction,
        peer: TierPeer,
        dst: Option<usize>,
        np_isolated: bool,
        (protocol, port): (Protocol, u16),
    ) -> (Option<usize>, TierStep) {
        let mut pass = None;
        for (rule, ports) in self.tier_matches(own, direction, Tier::Admin, peer, dst) {
            if !ports.contains(protocol, port) {
                continue;
            }
            if self.tier_action(rule) == TierAction::Pass {
                pass = Some(rule);
                break;
            }
            return (None, TierStep::Rule(rule));
        }
        if np_isolated {
            return (pass, TierStep::NetworkPolicy);
        }
        for (rule, ports) in self.tier_matches(own, direction, Tier::Baseline, peer, dst) {
            if ports.contains(protocol, port) {
                return (pass, TierStep::Rule(rule));
            }
        }
        (pass, TierStep::Default)
    }

    /// Every port where the tier rules of class `own` in `direction` with `peer` start or stop
    /// matching, for explanations' cuts.
    pub(crate) fn tier_cuts(
        &self,
        own: usize,
        direction: Direction,
        peer: TierPeer,
        dst: Option<usize>,
    ) -> Vec<PortSet> {
        [Tier::Admin, Tier::Baseline]
            .into_iter()
            .flat_map(|tier| self.tier_matches(own, direction, tier, peer, dst).into_iter().map(|(_, p)| p))
            .collect()
    }
}

/// A cluster-scoped policy as review checks see it.
#[derive(Clone, Debug)]
pub(crate) struct TierPolicyInfo<'a> {
    pub(crate) kind: &'a str,
    pub(crate) name: &'a str,
    pub(crate) tier: Tier,
    pub(crate) priority: Option<i32>,
    pub(crate) location: Option<&'a Location>,
    /// Number of classes its subject selects.
    pub(crate) selected: usize,
}

impl CompiledCluster {
    /// The cluster-scoped policies, in evaluation order (tier, priority, name, input order).
    pub(crate) fn tier_policies(&self) -> Vec<TierPolicyInfo<'_>> {
        self.tiers
            .policies
            .iter()
            .map(|p| TierPolicyInfo {
                kind: &p.kind,
                name: &p.name,
                tier: p.tier,
                priority: p.priority,
                location: p.location.as_ref(),
                selected: p.selected.len(),
            })
            .collect()
    }

    /// Pairs of cluster-scoped policies (indices into [`CompiledCluster::tier_policies`]) of
    /// the same tier and priority whose subjects select a common pod.
    pub(crate) fn tier_priority_overlaps(&self) -> Vec<(usize, usize)> {
        let policies = &self.tiers.policies;
        let mut out = Vec::new();
        for (i, a) in policies.iter().enumerate() {
            for (j, b) in policies.iter().enumerate().skip(i + 1) {
                if a.tier == b.tier
                    && a.priority.unwrap_or(0) == b.priority.unwrap_or(0)
                    && a.selected.iter().any(|c| b.selected.contains(c))
                {
                    out.push((i, j));
                }
            }
        }
        out
    }

    /// The admin `Pass` rules (policy index, direction, rule index, location) whose subjects
    /// include pods no NetworkPolicy isolates in the rule's direction, and how many such
    /// endpoints: what they pass goes straight to the baseline tier.
    pub(crate) fn passes_without_network_policy(&self) -> Vec<(usize, Direction, usize, Option<&Location>, usize)> {
        let mut out = Vec::new();
        for rule in self.tiers.rules.iter().filter(|r| r.action == TierAction::Pass) {
            let Some(policy) = self.tiers.policies.get(rule.policy) else { continue };
            if policy.tier != Tier::Admin {
                continue;
            }
            let sides = match rule.direction {
                Direction::Ingress => &self.ingress,
                Direction::Egress => &self.egress,
            };
            let open: usize = policy
                .selected
                .iter()
                .filter(|c| !sides.get(*c).is_some_and(Side::isolated))
                .map(|c| self.class_endpoints.get(c).map_or(0, Vec::len))
                .sum();
            if open > 0 {
                out.push((rule.policy, rule.direction, rule.index, rule.location.as_ref(), open));
            }
        }
        out
    }
}

/// A cluster-scoped rule that never decides anything, and the rules before it that decide all it
/// matches.
#[derive(Clone, Debug)]
pub(crate) struct ShadowedTierRule<'a> {
    pub(crate) rule: TierRuleRef,
    pub(crate) policy_location: Option<&'a Location>,
    /// The earlier rules that decide what it matches (at most three are named).
    pub(crate) by: Vec<TierRuleRef>,
}

/// How many (subject class, peer) checks the shadowing analysis may make in all.
const SHADOW_BUDGET: usize = 2_000_000;

impl CompiledCluster {
    /// The rules of cluster-scoped policies that match some peer but never decide a port: for
    /// every pod their policy selects and every peer they match, the rules evaluated before
    /// them (earlier rules of the policy, rules of policies with a lower priority number, of the
    /// same tier) already decide every port they match. Rules whose subject times peers exceed
    /// the analysis budget are left out (no finding rather than a guess).
    pub(crate) fn shadowed_tier_rules(&self) -> Vec<ShadowedTierRule<'_>> {
        let mut out = Vec::new();
        let mut budget = SHADOW_BUDGET;
        for (r, rule) in self.tiers.rules.iter().enumerate() {
            let Some(policy) = self.tiers.policies.get(rule.policy) else { continue };
            let peers: Vec<TierPeer> =
                rule.classes.iter().map(TierPeer::Class).chain(rule.externals.iter().map(TierPeer::Atom)).collect();
            let work = policy.selected.len().saturating_mul(peers.len());
            if peers.is_empty() || policy.selected.is_empty() || work > budget {
                continue;
            }
            budget -= work;
            let mut shadowing: Vec<usize> = Vec::new();
            let mut effective = false;
            'classes: for own in policy.selected.iter() {
                let list = self.tiers.list(own, policy.tier, rule.direction);
                let before: Vec<usize> = list.iter().map(|x| *x as usize).take_while(|x| *x != r).collect();
                for &peer in &peers {
                    let dst = match (rule.direction, peer) {
                        (Direction::Ingress, _) => Some(own),
                        (Direction::Egress, TierPeer::Class(c)) => Some(c),
                        (Direction::Egress, TierPeer::Atom(_)) => None,
                    };
                    let mut open = self.resolve_spec(&rule.ports, dst);
                    for &e in &before {
                        let Some(earlier) = self.tiers.rules.get(e) else { continue };
                        if !earlier.matches(peer) {
                            continue;
                        }
                        let ports = self.resolve_spec(&earlier.ports, dst);
                        if !ports.intersection(&open).is_empty() {
                            open = open.difference(&ports);
                            if !shadowing.contains(&e) {
                                shadowing.push(e);
                            }
                        }
                        if open.is_empty() {
                            break;
                        }
                    }
                    if !open.is_empty() {
                        effective = true;
                        break 'classes;
                    }
                }
            }
            if effective || shadowing.is_empty() {
                continue;
            }
            let Some(rule_ref) = self.tier_rule_ref(r) else { continue };
            out.push(ShadowedTierRule {
                rule: rule_ref,
                policy_location: policy.location.as_ref(),
                by: shadowing.iter().take(3).filter_map(|e| self.tier_rule_ref(*e)).collect(),
            });
        }
        out
    }
}

impl CompiledCluster {
    /// The cluster-scoped policies (`Kind name`) with rules in `direction` that apply to
    /// endpoint `endpoint` (an index into the sorted endpoints), in evaluation order.
    pub(crate) fn tier_policies_applying(&self, endpoint: usize, direction: Direction) -> Vec<String> {
        let Some(class) = self.endpoints.get(endpoint).map(|e| e.class) else { return Vec::new() };
        self.tier_policy_refs(class, direction).into_iter().map(|p| format!("{} {}", p.kind, p.policy)).collect()
    }

    /// The cluster-scoped policies with rules in `direction` whose subject selects class
    /// `class`, in evaluation order (admin tier first).
    pub(crate) fn tier_policy_refs(&self, class: usize, direction: Direction) -> Vec<TierPolicyRef> {
        let mut seen: Vec<usize> = Vec::new();
        for tier in [Tier::Admin, Tier::Baseline] {
            for rule in self.tiers.list(class, tier, direction).iter().filter_map(|r| self.tiers.rules.get(*r as usize))
            {
                if !seen.contains(&rule.policy) {
                    seen.push(rule.policy);
                }
            }
        }
        seen.into_iter()
            .filter_map(|p| self.tiers.policies.get(p))
            .map(|p| TierPolicyRef {
                tier: p.tier,
                kind: p.kind.clone(),
                policy: p.name.clone(),
                priority: p.priority,
                location: p.location.clone(),
            })
            .collect()
    }
}
