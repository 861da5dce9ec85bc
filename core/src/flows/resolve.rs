//! Mapping flow endpoints to the inventory: workloads as the engine names them
//! (`ns/name[Kind]`), external addresses, or unresolved in-cluster endpoints.

use crate::sorted::CompactSort;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FlowEndpoint, FlowLog, FlowStats};
use crate::engine::endpoints::Ownership;
use crate::engine::{CompiledCluster, Endpoint, PortSet};
use crate::inventory::ResourceSet;
use crate::model::Protocol;

/// What a flow endpoint maps to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerRef {
    /// An in-cluster endpoint: index into [`FlowResolver::endpoints`].
    Endpoint(usize),
    /// An address no pod of the inventory has.
    External(IpAddr),
    /// An in-cluster endpoint the inventory does not know, as the records describe it.
    Unresolved(String),
}

/// The kind of a peer, on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PeerKind {
    /// A workload or pod of the inventory (`ns/name[Kind]`).
    Workload,
    /// An external address or CIDR.
    External,
    /// In the cluster per the records, unknown to the inventory.
    Unresolved,
}

/// Maps flow endpoints to the inventory's endpoints.
pub struct FlowResolver<'a> {
    cluster: &'a CompiledCluster,
    endpoints: Vec<&'a Endpoint>,
    by_name: HashMap<&'a str, usize>,
    pods: HashMap<(&'a str, &'a str), usize>,
    ips: HashMap<IpAddr, usize>,
    /// In-cluster endpoints per namespace, longest workload name first (for pod-name prefixes).
    by_namespace: HashMap<&'a str, Vec<usize>>,
}

impl<'a> FlowResolver<'a> {
    /// Indexes the inventory: endpoints by name, pods by name and IP.
    #[must_use]
    pub fn new(resources: &'a ResourceSet, cluster: &'a CompiledCluster) -> Self {
        let endpoints: Vec<&Endpoint> = cluster.endpoints().collect();
        let by_name: HashMap<&str, usize> = endpoints.iter().enumerate().map(|(i, e)| (e.name.as_str(), i)).collect();
        let mut pods = HashMap::new();
        let mut ips = HashMap::new();
        let ownership = Ownership::new(resources, &cluster.pod_blocks());
        for (p, pod) in resources.pods.iter().enumerate() {
            let Some(&i) = ownership.pod_endpoint_name(p).and_then(|n| by_name.get(n.as_str())) else { continue };
            pods.entry((pod.namespace.as_str(), pod.name.as_str())).or_insert(i);
            for ip in crate::engine::endpoints::pod_ips(&pod.ips) {
                ips.entry(ip).or_insert(i);
            }
        }
        for (i, e) in endpoints.iter().enumerate() {
            for ip in e.ips.iter().filter_map(|ip| ip.parse::<IpAddr>().ok()) {
                ips.entry(ip).or_insert(i);
            }
        }
        let mut by_namespace: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in endpoints.iter().enumerate() {
            by_namespace.entry(e.namespace.as_str()).or_default().push(i);
        }
        for list in by_namespace.values_mut() {
            list.sort_compact_by_key(|i| std::cmp::Reverse(endpoints.get(*i).map_or(0, |e| e.workload.len())));
        }
        Self { cluster, endpoints, by_name, pods, ips, by_namespace }
    }

    /// The compiled cluster.
    #[must_use]
    pub fn cluster(&self) -> &'a CompiledCluster {
        self.cluster
    }

    /// The in-cluster endpoints, sorted by name.
    #[must_use]
    pub fn endpoints(&self) -> &[&'a Endpoint] {
        &self.endpoints
    }

    /// The endpoint of a [`PeerRef::Endpoint`] index.
    #[must_use]
    pub fn endpoint(&self, i: usize) -> Option<&'a Endpoint> {
        self.endpoints.get(i).copied()
    }

    /// The index of an endpoint by its full name.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The endpoint of a workload name or pod name that extends one (`api-7d4b9c-x2k4p`).
    fn by_prefix(&self, namespace: &str, name: &str) -> Option<usize> {
        let list = self.by_namespace.get(namespace)?;
        list.iter().copied().find(|&i| {
            self.endpoints.get(i).is_some_and(|e| {
                e.kind != "Pod"
                    && name.len() > e.workload.len()
                    && name.starts_with(e.workload.as_str())
                    && name.as_bytes().get(e.workload.len()) == Some(&b'-')
            })
        })
    }

    /// Maps one flow endpoint.
    #[must_use]
    pub fn resolve(&self, e: &FlowEndpoint) -> PeerRef {
        if let Some(ns) = e.namespace.as_deref() {
            if let Some(name) = e.workload.as_deref() {
                if let Some(kind) = e.workload_kind.as_deref()
                    && let Some(i) = self.index_of(&format!("{ns}/{name}[{kind}]"))
                {
                    return PeerRef::Endpoint(i);
                }
                let same: Vec<usize> = self
                    .by_namespace
                    .get(ns)
                    .into_iter()
                    .flatten()
                    .copied()
                    .filter(|i| self.endpoints.get(*i).is_some_and(|x| x.workload == name))
                    .collect();
                if let [one] = same.as_slice() {
                    return PeerRef::Endpoint(*one);
                }
            }
            if let Some(pod) = e.pod.as_deref() {
                if let Some(i) = self.pods.get(&(ns, pod)) {
                    return PeerRef::Endpoint(*i);
                }
                if let Some(i) = self.index_of(&format!("{ns}/{pod}[Pod]")) {
                    return PeerRef::Endpoint(i);
                }
            }
            if let Some(i) = e.pod.as_deref().or(e.workload.as_deref()).and_then(|n| self.by_prefix(ns, n)) {
                return PeerRef::Endpoint(i);
            }
        }
        let ip = e.ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok());
        if let Some(i) = ip.and_then(|ip| self.ips.get(&ip)) {
            return PeerRef::Endpoint(*i);
        }
        match (e.namespace.is_some(), ip) {
            (false, Some(ip)) => PeerRef::External(ip),
            _ => PeerRef::Unresolved(e.describe()),
        }
    }

    /// The display name of a peer: `ns/name[Kind]`, an address, or the records' description.
    #[must_use]
    pub fn name(&self, peer: &PeerRef) -> String {
        match peer {
            PeerRef::Endpoint(i) => self.endpoint(*i).map(|e| e.name.clone()).unwrap_or_default(),
            PeerRef::External(ip) => ip.to_string(),
            PeerRef::Unresolved(d) => d.clone(),
        }
    }

    /// Maps every tuple of `log`, merging the tuples that land on the same peers (pods of one
    /// workload), sorted by source, destination, protocol and port.
    #[must_use]
    pub fn resolve_log(&self, log: &FlowLog) -> Vec<ResolvedFlow> {
        let peers: Vec<PeerRef> = log.endpoints().iter().map(|e| self.resolve(e)).collect();
        let mut merged: BTreeMap<(PeerRef, PeerRef, Protocol, u16), FlowStats> = BTreeMap::new();
        for t in log.tuples() {
            let (Some(src), Some(dst)) = (peers.get(t.src as usize), peers.get(t.dst as usize)) else { continue };
            merged.entry((src.clone(), dst.clone(), t.protocol, t.port)).or_default().merge(&t.stats);
        }
        merged
            .into_iter()
            .map(|((src, dst, protocol, port), stats)| ResolvedFlow { src, dst, protocol, port, stats })
            .collect()
    }
}

/// A flow tuple mapped to the inventory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedFlow {
    /// Source.
    pub src: PeerRef,
    /// Destination.
    pub dst: PeerRef,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: u16,
    /// Counts and times.
    pub stats: FlowStats,
}

impl PeerRef {
    /// The kind of peer.
    #[must_use]
    pub fn kind(&self) -> PeerKind {
        match self {
            Self::Endpoint(_) => PeerKind::Workload,
            Self::External(_) => PeerKind::External,
            Self::Unresolved(_) => PeerKind::Unresolved,
        }
    }
}

/// Whether a cluster allows flows, with the allowed ports of each endpoint pair cached.
pub struct Allowed<'r, 'a> {
    resolver: &'r FlowResolver<'a>,
    cluster: &'r CompiledCluster,
    cache: HashMap<(PeerRef, PeerRef), Option<PortSet>>,
}

impl<'r, 'a> Allowed<'r, 'a> {
    /// Checks flows resolved by `resolver` against `cluster` (the resolver's own cluster, or
    /// another compiled from the same inventory with other policies).
    #[must_use]
    pub fn new(resolver: &'r FlowResolver<'a>, cluster: &'r CompiledCluster) -> Self {
        Self { resolver, cluster, cache: HashMap::new() }
    }

    /// Whether the cluster allows `src → dst` on `protocol`/`port`; `None` when a side is
    /// unresolved, unknown to the cluster, or both are external.
    pub fn allows(&mut self, src: &PeerRef, dst: &PeerRef, protocol: Protocol, port: u16) -> Option<bool> {
        let key = (src.clone(), dst.clone());
        if !self.cache.contains_key(&key) {
            let set = match (src, dst) {
                (PeerRef::Unresolved(_), _) | (_, PeerRef::Unresolved(_)) => None,
                _ => self
                    .cluster
                    .connection(&self.resolver.name(src), &self.resolver.name(dst))
                    .ok()
                    .map(|c| PortSet::from_ports(&c.allowed)),
            };
            self.cache.insert(key.clone(), set);
        }
        self.cache.get(&key).and_then(|s| s.as_ref()).map(|s| s.contains(protocol, port))
    }
}
