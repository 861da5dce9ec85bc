//! All-pairs connectivity grouped: endpoints the engine cannot tell apart (one equivalence
//! class, and alike for the filter) form one group, and each connection joins two groups, so
//! a cluster whose canonical list has millions of records answers in thousands. The
//! `{ingress-controller}` is a group of its own, and endpoints it reaches differently are never
//! in one group.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compile::CompiledCluster;
use super::query::Focus;
use super::types::{ConnectionFilter, ConnectionRecord};
use crate::model::Protocol;
use crate::sorted::CompactSort;

/// The connectivity of [`CompiledCluster::grouped`]: every member of a connection's `src`
/// group reaches every member of its `dst` group on `ports` of `protocol` — except an
/// endpoint itself, which is a pair only when the filter includes self pairs. Expanded, it is
/// exactly the canonical list ([`GroupedConnectivity::expand`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupedConnectivity {
    /// Groups of endpoints with the same connectivity: in-cluster endpoint names
    /// (`ns/name[Kind]`, sorted), or one external address range.
    pub groups: Vec<EndpointGroup>,
    /// Allowed connections between groups, by index into `groups`; sorted.
    pub connections: Vec<GroupConnection>,
    /// Whether a pair of an endpoint with itself is included (`filter.includeSelf`).
    pub include_self: bool,
}

/// Endpoints the answer does not tell apart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointGroup {
    /// `true` for an external address range (then `members` is that one range).
    pub external: bool,
    /// The endpoints, sorted by name.
    pub members: Vec<String>,
}

/// One allowed connection between two groups.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupConnection {
    /// Index of the source group.
    pub src: u32,
    /// Index of the destination group.
    pub dst: u32,
    /// Protocol.
    pub protocol: Protocol,
    /// Inclusive port ranges `[from, to]`, sorted and disjoint.
    pub ports: Vec<[u16; 2]>,
}

impl GroupedConnectivity {
    /// The canonical list this answer stands for (sorted as [`CompiledCluster::all_pairs`]).
    #[must_use]
    pub fn expand(&self) -> Vec<ConnectionRecord> {
        let none: Vec<String> = Vec::new();
        let members = |g: u32| self.groups.get(g as usize).map_or(&none, |g| &g.members);
        let mut out = Vec::new();
        for c in &self.connections {
            for src in members(c.src) {
                for dst in members(c.dst) {
                    if src == dst && !self.include_self {
                        continue;
                    }
                    out.push(ConnectionRecord {
                        src: src.as_str().into(),
                        dst: dst.as_str().into(),
                        protocol: c.protocol,
                        ports: c.ports.clone(),
                    });
                }
            }
        }
        super::types::sort_canonical(&mut out);
        out
    }

    /// How many records the canonical list has, without building it.
    #[must_use]
    pub fn expanded_len(&self) -> usize {
        let size = |g: u32| self.groups.get(g as usize).map_or(0, |g| g.members.len());
        self.connections
            .iter()
            .map(|c| {
                let pairs = size(c.src).saturating_mul(size(c.dst));
                if c.src == c.dst && !self.include_self { pairs.saturating_sub(size(c.src)) } else { pairs }
            })
            .sum()
    }
}

/// The `{ingress-controller}` connections of an endpoint, by protocol.
type Signature = Vec<(Protocol, Vec<[u16; 2]>)>;

fn push(out: &mut Vec<GroupConnection>, src: u32, dst: u32, set: &super::ports::PortSet) {
    for protocol in Protocol::ALL {
        let ranges = set.get(protocol);
        if !ranges.is_empty() {
            let ports = ranges.ranges().iter().map(|&(a, b)| [a, b]).collect();
            out.push(GroupConnection { src, dst, protocol, ports });
        }
    }
}

impl CompiledCluster {
    /// All-pairs connectivity grouped by equivalence class (see [`GroupedConnectivity`]);
    /// the same answer as [`CompiledCluster::all_pairs`] with the same filter.
    #[must_use]
    pub fn grouped(&self, filter: &ConnectionFilter) -> GroupedConnectivity {
        let focus = Focus::new(filter, self);
        // the `{ingress-controller}` connections of each endpoint: part of a group's identity
        let mut from_controller: HashMap<String, Signature> = HashMap::new();
        for r in self.ingress_controller_records(filter) {
            from_controller.entry(r.dst.to_string()).or_default().push((r.protocol, r.ports));
        }
        let mut controller_of_group: Vec<Signature> = Vec::new();
        // in-cluster groups: the endpoints of a class that the filter treats alike (as focus
        // and as peer), each with a representative endpoint for the filter's questions
        let mut groups: Vec<EndpointGroup> = Vec::new();
        let mut representative: Vec<usize> = Vec::new();
        let mut groups_of_class: Vec<Vec<u32>> = vec![Vec::new(); self.class_endpoints.len()];
        let mut group_of_endpoint: Vec<u32> = vec![u32::MAX; self.endpoints.len()];
        for (class, members) in self.class_endpoints.iter().enumerate() {
            let mut by_flags: Vec<((bool, bool, Signature), u32)> = Vec::new();
            for &e in members {
                let i = e as usize;
                let controller = self
                    .endpoints
                    .get(i)
                    .and_then(|e| from_controller.get(&e.public.name))
                    .cloned()
                    .unwrap_or_default();
                let flags = (focus.is_focus(Some(i)), focus.is_peer(Some(i)), controller);
                let group = match by_flags.iter().find(|(f, _)| *f == flags) {
                    Some((_, g)) => *g,
                    None => {
                        let g = u32::try_from(groups.len()).unwrap_or(u32::MAX);
                        groups.push(EndpointGroup::default());
                        representative.push(i);
                        controller_of_group.push(flags.2.clone());
                        if let Some(list) = groups_of_class.get_mut(class) {
                            list.push(g);
                        }
                        by_flags.push((flags, g));
                        g
                    }
                };
                if let (Some(slot), Some(endpoint)) = (group_of_endpoint.get_mut(i), self.endpoints.get(i)) {
                    *slot = group;
                    if let Some(g) = groups.get_mut(group as usize) {
                        g.members.push(endpoint.public.name.clone());
                    }
                }
            }
        }
        let (row_of, rows) = self.pair_rows();
        let mut connections = Vec::new();
        let no_groups: Vec<u32> = Vec::new();
        for (class, src_groups) in groups_of_class.iter().enumerate() {
            let Some(row) = row_of.get(class).and_then(|r| rows.get(*r as usize)) else { continue };
            for (d, set) in row {
                let set = focus.restrict(set);
                if set.is_empty() {
                    continue;
                }
                for &g in src_groups {
                    for &h in groups_of_class.get(*d as usize).unwrap_or(&no_groups) {
                        let (Some(&i), Some(&j)) = (representative.get(g as usize), representative.get(h as usize))
                        else {
                            continue;
                        };
                        // the filter's answer for a pair depends only on the two endpoints'
                        // flags, which every member of a group shares
                        if focus.keeps(Some(i), Some(j)) {
                            push(&mut connections, g, h, &set);
                        }
                    }
                }
            }
        }
        // external ranges: one group per range, shared by every endpoint that reaches it
        let mut external: HashMap<String, u32> = HashMap::new();
        for (class, class_groups) in groups_of_class.iter().enumerate() {
            for outbound in [true, false] {
                let kept: Vec<u32> = class_groups
                    .iter()
                    .copied()
                    .filter(|&g| {
                        representative.get(g as usize).is_some_and(|&i| {
                            if outbound { focus.keeps(Some(i), None) } else { focus.keeps(None, Some(i)) }
                        })
                    })
                    .collect();
                if kept.is_empty() {
                    continue;
                }
                for (range, set) in self.external_runs(class, outbound, &focus) {
                    let name = range.to_string();
                    let next = u32::try_from(groups.len()).unwrap_or(u32::MAX);
                    let x = *external.entry(name.clone()).or_insert_with(|| {
                        groups.push(EndpointGroup { external: true, members: vec![name] });
                        next
                    });
                    for &g in &kept {
                        if outbound {
                            push(&mut connections, g, x, &set);
                        } else {
                            push(&mut connections, x, g, &set);
                        }
                    }
                }
            }
        }
        if !from_controller.is_empty() {
            let controller = u32::try_from(groups.len()).unwrap_or(u32::MAX);
            groups.push(EndpointGroup { external: false, members: vec![super::INGRESS_CONTROLLER.to_owned()] });
            for (g, signature) in controller_of_group.iter().enumerate() {
                let g = u32::try_from(g).unwrap_or(u32::MAX);
                for (protocol, ports) in signature {
                    connections.push(GroupConnection {
                        src: controller,
                        dst: g,
                        protocol: *protocol,
                        ports: ports.clone(),
                    });
                }
            }
        }
        for g in &mut groups {
            g.members.sort_compact();
        }
        connections.sort_compact();
        GroupedConnectivity { groups, connections, include_self: filter.include_self }
    }
}
