//! Everything one rule allows, on the side it belongs to (the audit of rules against observed
//! traffic).

use super::compile::CompiledCluster;
use super::ipset::IpRange;
use super::ports::PortSet;
use super::types::Direction;

/// What one rule allows, on the side it belongs to: per endpoint it applies to (`target`) and
/// peer (an endpoint, or an external range), the ports. Indices are into
/// [`CompiledCluster::endpoints`].
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleScope {
    /// Endpoints the rule's policy selects (for the rule's direction).
    pub(crate) targets: Vec<usize>,
    /// `(peer endpoint, target, protocol, port)` tuples it allows in the cluster (a target
    /// is not its own peer).
    pub(crate) peer_tuples: u128,
    /// `(target, external range, ports)`.
    pub(crate) externals: Vec<(usize, IpRange, PortSet)>,
}

impl CompiledCluster {
    /// What rule `index` of `direction` of policy `namespace/name` allows; `None` when the
    /// policy has no such rule in a direction it isolates. `members`: [`Self::class_members`].
    pub(crate) fn rule_scope(
        &self,
        namespace: &str,
        name: &str,
        direction: Direction,
        index: usize,
        members: &[Vec<usize>],
    ) -> Option<RuleScope> {
        let ids: Vec<usize> = self.policy_indices(namespace, name).collect();
        let rule =
            self.rules.iter().find(|r| ids.contains(&r.policy) && r.direction == direction && r.index == index)?;
        let sides = match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        };
        let mut scope = RuleScope { targets: self.selecting(sides, &ids, members), ..RuleScope::default() };
        // counted class by class: named ports resolve on the destination (the target for
        // ingress, the peer for egress), and every endpoint of a class has the same ports
        let classes: Vec<usize> = rule.classes.iter().collect();
        let egress_ports: Vec<u128> = if direction == Direction::Egress {
            classes.iter().map(|&c| u128::from(self.rule_ports(rule, Some(c)).count())).collect()
        } else {
            Vec::new()
        };
        for &t in &scope.targets {
            let Some(target) = self.endpoints.get(t) else { continue };
            let ingress_ports = if direction == Direction::Ingress {
                u128::from(self.rule_ports(rule, Some(target.class)).count())
            } else {
                0
            };
            for (k, &c) in classes.iter().enumerate() {
                let peers = members.get(c).map_or(0, Vec::len).saturating_sub(usize::from(target.class == c));
                let ports = if direction == Direction::Ingress {
                    ingress_ports
                } else {
                    egress_ports.get(k).copied().unwrap_or(0)
                };
                scope.peer_tuples = scope.peer_tuples.saturating_add((peers as u128).saturating_mul(ports));
            }
            let ports = if direction == Direction::Ingress {
                self.rule_ports(rule, Some(target.class))
            } else {
                rule.ports.numeric.clone()
            };
            if ports.is_empty() {
                continue;
            }
            for a in rule.externals.iter() {
                if let Some(range) = self.externals.get(a) {
                    match scope.externals.last_mut() {
                        Some((lt, last, lp)) if *lt == t && last.touches(*range) && *lp == ports => {
                            *last = last.extend_to(*range);
                        }
                        _ => scope.externals.push((t, *range, ports.clone())),
                    }
                }
            }
        }
        Some(scope)
    }
}
