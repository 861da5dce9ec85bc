//! Which endpoints a policy selects, and which policies isolate an endpoint: asked by the
//! review checks and the flow operations of a compiled cluster.

use super::compile::{CompiledCluster, Side};
use super::types::Direction;
use crate::sorted::CompactSort;

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

    pub(super) fn policy_indices<'s>(&'s self, namespace: &'s str, name: &'s str) -> impl Iterator<Item = usize> + 's {
        self.policies
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.namespace == namespace && p.name == name)
            .map(|(i, _)| i)
    }

    /// The endpoints of each class (indices ascending): the audit asks per class, not per
    /// endpoint (a scan of every endpoint per rule and target made the audit of 10,000
    /// policies over 150,000 pods take minutes).
    pub(crate) fn class_members(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.classes.len()];
        for (i, e) in self.endpoints.iter().enumerate() {
            if let Some(members) = out.get_mut(e.class) {
                members.push(i);
            }
        }
        out
    }

    /// Endpoints (ascending) whose class's side has one of `policies`.
    pub(super) fn selecting(&self, sides: &[Side], policies: &[usize], members: &[Vec<usize>]) -> Vec<usize> {
        let mut out: Vec<usize> = sides
            .iter()
            .zip(members)
            .filter(|(side, _)| side.policies.iter().any(|p| policies.contains(p)))
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        out.sort_compact();
        out
    }

    /// Endpoints that policy `namespace/name` selects, in either direction it isolates.
    pub(crate) fn policy_selects(&self, namespace: &str, name: &str, members: &[Vec<usize>]) -> Vec<usize> {
        let ids: Vec<usize> = self.policy_indices(namespace, name).collect();
        let mut out = self.selecting(&self.ingress, &ids, members);
        out.extend(self.selecting(&self.egress, &ids, members));
        out.sort_compact();
        out.dedup();
        out
    }
}
