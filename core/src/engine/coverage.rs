//! Rules that add nothing: on this inventory, every allowance of a covered rule is already made
//! by other rules (a shadowed rule is covered by one rule alone).

use super::compile::CompiledCluster;
use super::ports::PortSet;
use super::types::Direction;
use crate::sorted::CompactSort;

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
