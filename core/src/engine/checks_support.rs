//! Queries the review checks (`crate::checks`) ask of a compiled cluster: which endpoints a
//! policy selects, which policies isolate an endpoint, which rules add nothing to the others,
//! and the engine's own selector and ipBlock semantics for evaluating single peers.

use crate::sorted::CompactSort;
use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::compile::CompiledCluster;
use super::ipset::IpSet;
use super::policy::{effective_types, ip_block_set};
use super::ports::PortSet;
use super::selector::CompiledSelector;
use super::types::Direction;

/// A label selector compiled once and evaluated on many label maps, with the engine's
/// semantics (`NotIn` and `DoesNotExist` match objects that lack the key; invalid operators
/// match nothing).
#[derive(Clone, Debug)]
pub struct LabelMatcher(CompiledSelector);

impl LabelMatcher {
    /// Compiles `selector`.
    #[must_use]
    pub fn new(selector: &LabelSelector) -> Self {
        Self(CompiledSelector::compile(selector))
    }

    /// Whether the selector matches `labels`.
    #[must_use]
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.matches(labels)
    }
}

/// The addresses an ipBlock matches: `cidr` minus every `except` (empty when a CIDR is invalid).
#[must_use]
pub fn ip_block_addresses(block: &IPBlock) -> IpSet {
    ip_block_set(block)
}

/// The effective policy types `(ingress, egress)` of a policy spec, as the engine applies them
/// (`policyTypes` as written, else `Ingress` plus `Egress` when `egress` is non-empty).
#[must_use]
pub fn policy_types(spec: Option<&NetworkPolicySpec>) -> (bool, bool) {
    effective_types(spec)
}

/// A rule (by policy index in the resource set, direction and index in `spec.ingress` or
/// `spec.egress`).
pub type RuleId = (usize, Direction, usize);

/// A rule whose every allowance, on this inventory, other rules already make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoveredRule {
    /// The redundant rule.
    pub rule: RuleId,
    /// One rule that covers it alone, when there is one (the rule is shadowed).
    pub shadowed_by: Option<RuleId>,
    /// The rules whose allowances overlap it (the covering ones), in rule order.
    pub covered_by: Vec<RuleId>,
}

impl CompiledCluster {
    /// For each of the first `policies` policies (by index in the resource set), the endpoints
    /// it selects for the directions it isolates (indices into [`CompiledCluster::endpoints`],
    /// ascending): [`CompiledCluster::selected_endpoints`] of every policy in one pass.
    #[must_use]
    pub fn selected_by_policy(&self, policies: usize) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); policies];
        for (i, e) in self.endpoints.iter().enumerate() {
            let ingress = self.ingress.get(e.class).map_or(&[][..], |s| s.policies.as_slice());
            let egress = self.egress.get(e.class).map_or(&[][..], |s| s.policies.as_slice());
            for &p in ingress.iter().chain(egress.iter().filter(|p| !ingress.contains(p))) {
                if let Some(list) = out.get_mut(p) {
                    list.push(i);
                }
            }
        }
        out
    }

    /// Indices (into [`CompiledCluster::endpoints`]) of the endpoints that policy `policy`
    /// (index in the resource set) selects, for the directions it isolates.
    #[must_use]
    pub fn selected_endpoints(&self, policy: usize) -> Vec<usize> {
        self.endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let has =
                    |sides: &[super::compile::Side]| sides.get(e.class).is_some_and(|s| s.policies.contains(&policy));
                has(&self.ingress) || has(&self.egress)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Indices (in the resource set) of the policies that isolate endpoint `endpoint` (index
    /// into [`CompiledCluster::endpoints`]) in `direction`; empty when it is not isolated.
    #[must_use]
    pub fn isolating_policies(&self, endpoint: usize, direction: Direction) -> Vec<usize> {
        let sides = match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        };
        self.endpoints.get(endpoint).and_then(|e| sides.get(e.class)).map(|s| s.policies.clone()).unwrap_or_default()
    }

    fn rule_id(&self, rule: usize) -> Option<RuleId> {
        self.rules.get(rule).map(|r| (r.policy, r.direction, r.index))
    }

    /// What rule `rule` allows between the isolated class `class` and the peer `peer` (a class,
    /// or `None` with an external range), seen from the side that `rule` belongs to.
    fn allowance(&self, rule: usize, class: usize, peer: Option<usize>, external: Option<usize>) -> PortSet {
        let Some(entry) = self.rules.get(rule) else { return PortSet::empty() };
        let matched = match (peer, external) {
            (Some(p), _) => entry.classes.contains(p),
            (None, Some(a)) => entry.externals.contains(a),
            (None, None) => false,
        };
        if !matched {
            return PortSet::empty();
        }
        // named ports resolve on the destination: the isolated class for ingress, the peer for egress
        let destination = match entry.direction {
            Direction::Ingress => Some(class),
            Direction::Egress => peer,
        };
        self.rule_ports(entry, destination)
    }

    /// Rules that allow nothing the other rules of the same sides do not already allow, proven
    /// on this inventory (every isolated class the rule applies to, every peer class and
    /// external range it matches). Rules that allow nothing at all are not reported. Rules are
    /// examined from last to first and a reported rule no longer covers others, so removing
    /// every reported rule together keeps connectivity unchanged. `budget` bounds the work
    /// (peer comparisons); past it the remaining rules are not examined.
    #[must_use]
    pub fn covered_rules(&self, budget: usize) -> Vec<CoveredRule> {
        let classes = self.classes.len();
        // the classes each rule applies to
        let mut applies: Vec<Vec<usize>> = vec![Vec::new(); self.rules.len()];
        for (sides, _) in [(&self.ingress, Direction::Ingress), (&self.egress, Direction::Egress)] {
            for (class, side) in sides.iter().enumerate() {
                for &rule in &side.rules {
                    if let Some(list) = applies.get_mut(rule) {
                        list.push(class);
                    }
                }
            }
        }
        let mut removed = vec![false; self.rules.len()];
        let mut out = Vec::new();
        let mut work = 0usize;
        for rule in (0..self.rules.len()).rev() {
            let (Some(entry), Some(on)) = (self.rules.get(rule), applies.get(rule)) else { continue };
            let sides = match entry.direction {
                Direction::Ingress => &self.ingress,
                Direction::Egress => &self.egress,
            };
            let mut allows_something = false;
            let mut covered = true;
            // candidates for shadowing: rules covering every point seen so far
            let mut single: Option<Vec<usize>> = None;
            let mut contributors: Vec<usize> = Vec::new();
            'classes: for &class in on {
                let others: Vec<usize> = sides
                    .get(class)
                    .map(|s| {
                        s.rules
                            .iter()
                            .copied()
                            .filter(|r| *r != rule && !removed.get(*r).copied().unwrap_or(true))
                            .collect()
                    })
                    .unwrap_or_default();
                let peers = entry.classes.iter().map(|p| (Some(p), None));
                let externals = entry.externals.iter().map(|a| (None, Some(a)));
                for (peer, external) in peers.chain(externals) {
                    if peer.is_some_and(|p| p >= classes) {
                        continue;
                    }
                    work = work.saturating_add(others.len().max(1));
                    if work > budget {
                        return out;
                    }
                    let mine = self.allowance(rule, class, peer, external);
                    if mine.is_empty() {
                        continue;
                    }
                    allows_something = true;
                    let mut union = PortSet::empty();
                    let mut alone = Vec::new();
                    for &other in &others {
                        let theirs = self.allowance(other, class, peer, external);
                        if theirs.is_empty() || theirs.intersection(&mine).is_empty() {
                            continue;
                        }
                        if mine.difference(&theirs).is_empty() {
                            alone.push(other);
                        }
                        if !contributors.contains(&other) {
                            contributors.push(other);
                        }
                        union.union_with(&theirs);
                    }
                    if !mine.difference(&union).is_empty() {
                        covered = false;
                        break 'classes;
                    }
                    single = Some(match single {
                        None => alone,
                        Some(previous) => previous.into_iter().filter(|r| alone.contains(r)).collect(),
                    });
                }
            }
            if !covered || !allows_something {
                continue;
            }
            if let Some(flag) = removed.get_mut(rule) {
                *flag = true;
            }
            contributors.sort_compact();
            let Some(id) = self.rule_id(rule) else { continue };
            let shadowed_by = single.and_then(|s| s.into_iter().min()).and_then(|r| self.rule_id(r));
            let covered_by = match shadowed_by {
                Some(s) => vec![s],
                None => contributors.into_iter().filter_map(|r| self.rule_id(r)).collect(),
            };
            out.push(CoveredRule { rule: id, shadowed_by, covered_by });
        }
        out.reverse();
        out
    }
}
