//! Explanations: per port range, which policies isolate each side and which rules allow the
//! traffic. Only the rules of the two endpoints' classes are consulted, so a query costs
//! microseconds after compile.

use super::compile::{CompiledCluster, RuleEntry, Side};
use super::ports::{MAX_PORT, MIN_PORT, PortSet};
use super::query::Resolved;
use super::tier_rules::TierPeer;
use super::tiers::TierStep;
use super::types::{Direction, ExplainedRange, Explanation, Isolation, PolicyRef, RuleRef, SideVerdict};
use crate::error::Error;
use crate::model::Protocol;
use crate::sorted::CompactSort;

/// One side's rules that match the peer, with the ports they allow on the destination.
struct SideRules {
    applies: bool,
    isolated: bool,
    rules: Vec<(RuleRef, PortSet)>,
}

impl SideRules {
    fn verdict(&self, protocol: Protocol, port: u16) -> SideVerdict {
        if !self.applies {
            return SideVerdict::NotApplicable;
        }
        if !self.isolated {
            return SideVerdict::NotIsolated;
        }
        let rules: Vec<RuleRef> =
            self.rules.iter().filter(|(_, set)| set.contains(protocol, port)).map(|(r, _)| r.clone()).collect();
        if rules.is_empty() { SideVerdict::Denied } else { SideVerdict::Allowed { rules } }
    }
}

impl CompiledCluster {
    pub(crate) fn rule_ref(&self, rule: &RuleEntry) -> RuleRef {
        let policy = self.policies.get(rule.policy);
        RuleRef {
            namespace: policy.map(|p| p.namespace.clone()).unwrap_or_default(),
            policy: policy.map(|p| p.name.clone()).unwrap_or_default(),
            direction: rule.direction,
            index: rule.index,
            location: rule.location.clone(),
        }
    }

    /// The isolation of `endpoint`'s `direction` side (`side`, none for an external range), with
    /// the cluster-scoped policies that apply to it.
    fn isolation(&self, endpoint: Resolved, side: Option<&Side>, direction: Direction) -> Isolation {
        let Some(side) = side else {
            return Isolation { applies: false, isolated: false, policies: Vec::new(), tier_policies: Vec::new() };
        };
        let tier_policies = match endpoint {
            Resolved::Cluster(e) if self.tiers.is_active() => {
                self.endpoints.get(e).map(|e| self.tier_policy_refs(e.class, direction)).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        Isolation {
            applies: true,
            isolated: side.isolated(),
            policies: side
                .policies
                .iter()
                .filter_map(|p| self.policies.get(*p))
                .map(|p| PolicyRef {
                    namespace: p.namespace.clone(),
                    name: p.name.clone(),
                    location: p.location.clone(),
                })
                .collect(),
            tier_policies,
        }
    }

    fn side_of<'s>(&'s self, endpoint: Resolved, sides: &'s [Side]) -> Option<&'s Side> {
        match endpoint {
            Resolved::Cluster(e) => self.endpoints.get(e).and_then(|e| sides.get(e.class)),
            Resolved::External(_) => None,
        }
    }

    /// Whether `rule` matches the peer `other` (for an external range: its first cut range).
    fn rule_matches(&self, rule: &RuleEntry, other: Resolved) -> bool {
        match other {
            Resolved::Cluster(e) => self.endpoints.get(e).is_some_and(|e| rule.classes.contains(e.class)),
            Resolved::External(range) => self.atoms_in(range).next().is_some_and(|a| rule.externals.contains(a)),
        }
    }

    /// Why traffic from `src` to `dst` is allowed or denied. With `port`, only that port (of
    /// `protocol`, TCP by default); with only `protocol`, every port of it; otherwise every
    /// port of every protocol. An external range is explained for its first address's cut range.
    ///
    /// # Errors
    /// `NF-E011` when a name is unknown or ambiguous, or both endpoints are external.
    pub fn explain(
        &self,
        src: &str,
        dst: &str,
        port: Option<u16>,
        protocol: Option<Protocol>,
    ) -> Result<Explanation, Error> {
        let (s, d) = (self.resolve(src)?, self.resolve(dst)?);
        if let (Resolved::External(_), Resolved::External(_)) = (s, d) {
            // the same error as for a connection
            self.connection_set(s, d)?;
        }
        let dst_class = match d {
            Resolved::Cluster(e) => self.endpoints.get(e).map(|e| e.class),
            Resolved::External(_) => None,
        };
        let collect = |side: Option<&Side>, other: Resolved| -> SideRules {
            let Some(side) = side else {
                return SideRules { applies: false, isolated: false, rules: Vec::new() };
            };
            let rules = side
                .rules
                .iter()
                .filter_map(|r| self.rules.get(*r))
                .filter(|r| self.rule_matches(r, other))
                .map(|r| (self.rule_ref(r), self.rule_ports(r, dst_class)))
                .filter(|(_, set)| !set.is_empty())
                .collect();
            SideRules { applies: true, isolated: side.isolated(), rules }
        };
        let egress_side = self.side_of(s, &self.egress);
        let ingress_side = self.side_of(d, &self.ingress);
        let egress = collect(egress_side, d);
        let ingress = collect(ingress_side, s);
        // cluster-scoped policies: the two directions as (own class, peer, destination)
        let class_of = |r: Resolved| match r {
            Resolved::Cluster(e) => self.endpoints.get(e).map(|e| e.class),
            Resolved::External(_) => None,
        };
        let peer_of = |r: Resolved| match r {
            Resolved::Cluster(e) => self.endpoints.get(e).map(|e| TierPeer::Class(e.class)),
            Resolved::External(range) => self.atoms_in(range).next().map(TierPeer::Atom),
        };
        let tiered = |own: Resolved, other: Resolved, direction: Direction| {
            if !self.tiers.is_active() {
                return None;
            }
            Some((class_of(own)?, peer_of(other)?, direction))
        };
        let tier_sides = [tiered(s, d, Direction::Egress), tiered(d, s, Direction::Ingress)];
        let tier_cuts: Vec<PortSet> = tier_sides
            .iter()
            .flatten()
            .flat_map(|&(own, peer, direction)| self.tier_cuts(own, direction, peer, dst_class))
            .collect();
        let decide = |side: usize, rules: &SideRules, protocol: Protocol, port: u16, passed: &mut Vec<_>| {
            let np = rules.verdict(protocol, port);
            let Some(Some((own, peer, direction))) = tier_sides.get(side).copied() else { return np };
            let (pass, step) = self.tier_decision(own, direction, peer, dst_class, rules.isolated, (protocol, port));
            if let Some(rule) = pass.and_then(|r| self.tier_rule_ref(r)) {
                passed.push(rule);
            }
            match step {
                TierStep::Rule(r) => match self.tier_rule_ref(r) {
                    Some(rule) if rule.action == crate::model::TierAction::Allow => SideVerdict::TierAllowed { rule },
                    Some(rule) => SideVerdict::TierDenied { rule },
                    None => np,
                },
                TierStep::NetworkPolicy | TierStep::Default => np,
            }
        };

        let protocols: Vec<Protocol> = match (port, protocol) {
            (_, Some(p)) => vec![p],
            (Some(_), None) => vec![Protocol::Tcp],
            (None, None) => Protocol::ALL.to_vec(),
        };
        let mut ranges = Vec::new();
        for protocol in protocols {
            // every port where some rule's allowance starts or stops
            let mut cuts: Vec<u16> = match port {
                Some(p) => vec![p],
                None => {
                    let mut cuts = vec![MIN_PORT];
                    for set in egress
                        .rules
                        .iter()
                        .map(|(_, s)| s)
                        .chain(ingress.rules.iter().map(|(_, s)| s))
                        .chain(&tier_cuts)
                    {
                        for &(lo, hi) in set.get(protocol).ranges() {
                            cuts.push(lo.max(MIN_PORT));
                            if let Some(next) = hi.checked_add(1) {
                                cuts.push(next);
                            }
                        }
                    }
                    cuts
                }
            };
            cuts.sort_compact();
            cuts.dedup();
            let last = port.unwrap_or(MAX_PORT);
            for (i, &lo) in cuts.iter().enumerate() {
                let hi = cuts.get(i + 1).map_or(last, |next| next.saturating_sub(1));
                let mut passed = Vec::new();
                let e = decide(0, &egress, protocol, lo, &mut passed);
                let g = decide(1, &ingress, protocol, lo, &mut passed);
                let range = ExplainedRange {
                    protocol,
                    ports: [lo, hi],
                    allowed: e.allows() && g.allows(),
                    egress: e,
                    ingress: g,
                    passed,
                };
                match ranges.last_mut() {
                    Some(ExplainedRange { protocol: p, ports, egress: pe, ingress: pg, passed: pp, .. })
                        if *p == protocol
                            && *pe == range.egress
                            && *pg == range.ingress
                            && *pp == range.passed
                            && ports[1].checked_add(1) == Some(lo) =>
                    {
                        ports[1] = hi;
                    }
                    _ => ranges.push(range),
                }
            }
        }
        Ok(Explanation {
            src: self.display_name(s),
            dst: self.display_name(d),
            egress: self.isolation(s, egress_side, Direction::Egress),
            ingress: self.isolation(d, ingress_side, Direction::Ingress),
            ranges,
        })
    }
}
