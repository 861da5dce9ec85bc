//! Endpoint discovery: which workloads and pods of a [`ResourceSet`] are endpoints, and with
//! which labels, named ports and IPs.
//!
//! Naming follows netpol-analyzer, so outputs compare with its test corpus:
//! - a workload is `ns/name[Kind]`, built from its pod template; a workload whose controller
//!   (owner reference with `controller: true`) is present in the input folds into it, so a
//!   ReplicaSet owned by a Deployment in the input is part of `ns/deploy[Deployment]`;
//! - a pod whose controller is present folds into that workload's endpoint (also when the
//!   controller is an absent ReplicaSet `<deployment>-<pod-template-hash>` of a present
//!   Deployment, as in `kubectl get deploy,pods -o json`);
//! - a pod whose controller is absent is named after it, `ns/owner[OwnerKind]` (`[Pod]` when
//!   the reference has no kind); the pods sharing it form one endpoint (located at the pod
//!   with the smallest name, with every pod's IPs), unless they differ in labels or named
//!   ports that the policies tell apart (a selector that applies in their namespace matches
//!   some and not others; a named port a rule uses is defined differently): then each is its
//!   own endpoint `ns/pod[Pod]`, where netpol-analyzer stops with an error;
//! - the pods of a workload (present or absent) that address blocks tell apart — a cluster
//!   rule's `networks` (or an ipBlock in `PodIps` mode) holds the IPs of some and not of
//!   others — are each their own endpoint `ns/pod[Pod]`, with the pod's labels and IPs: the
//!   API matches these blocks pod by pod, so one endpoint for them would be wrong for some;
//!   a pod owned by a `Node` (static/mirror pod) is bare;
//! - a bare pod is `ns/name[Pod]`.

use crate::sorted::CompactSort;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::ipset::IpSet;
use super::selector::CompiledSelector;
use crate::inventory::{PodResource, PodSpecSummary, ResourceSet};
use crate::model::Protocol;
use crate::source::Location;

/// A container port with a name: what a named NetworkPolicy port resolves to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NamedPortEntry {
    pub(crate) name: String,
    pub(crate) protocol: Protocol,
    pub(crate) port: u16,
}

/// An in-cluster endpoint as discovered, before classes are formed.
#[derive(Clone, Debug)]
pub(crate) struct EndpointDraft {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) named_ports: Vec<NamedPortEntry>,
    pub(crate) ips: Vec<IpAddr>,
    pub(crate) pods: usize,
    pub(crate) location: Option<Location>,
}

impl EndpointDraft {
    /// `ns/name[Kind]`.
    pub(crate) fn full_name(&self) -> String {
        format!("{}/{}[{}]", self.namespace, self.name, self.kind)
    }
}

/// Named container ports of a pod spec: `(name, protocol)` → first port, sorted.
pub(crate) fn named_ports(spec: &PodSpecSummary) -> Vec<NamedPortEntry> {
    let mut out: Vec<NamedPortEntry> = Vec::new();
    for container in &spec.containers {
        for port in &container.ports {
            let Some(name) = port.name.as_ref().filter(|n| !n.is_empty()) else {
                continue;
            };
            let Some(protocol) = Protocol::parse(port.protocol.as_deref().unwrap_or("TCP")) else {
                continue;
            };
            let Ok(number) = u16::try_from(port.container_port) else {
                continue;
            };
            if number == 0 || out.iter().any(|e| e.name == *name && e.protocol == protocol) {
                continue;
            }
            out.push(NamedPortEntry { name: name.clone(), protocol, port: number });
        }
    }
    out.sort_compact();
    out
}

/// A pod's IPs as written (`status.podIPs`, `status.podIP`), parsed, sorted and each once.
pub(crate) fn pod_ips(written: &[String]) -> Vec<IpAddr> {
    let mut ips: Vec<IpAddr> = written.iter().filter_map(|ip| ip.trim().parse().ok()).collect();
    ips.sort_compact();
    ips.dedup();
    ips
}

fn controller(owners: &[OwnerReference]) -> Option<&OwnerReference> {
    owners.iter().find(|o| o.controller == Some(true))
}

/// Which endpoint each workload and pod belongs to, by the naming rules of the module docs;
/// shared by discovery and by flow-log resolution (`flows::resolve`).
pub(crate) struct Ownership<'a> {
    resources: &'a ResourceSet,
    /// Workloads by (namespace, kind, name); the first definition wins.
    index: HashMap<(&'a str, &'a str, &'a str), usize>,
    /// Controllers (`ns/owner[Kind]`, sorted) whose pods the policies tell apart: each of
    /// their pods is its own endpoint.
    split: Vec<String>,
    /// Present workloads (sorted indices) whose pods address blocks tell apart: no endpoint of
    /// their own, each of their pods is one.
    split_roots: Vec<usize>,
    /// The root workload each pod of `resources.pods` folds into, by index (looked up once, on
    /// the available cores: 150,000 pods are three hash lookups of three strings each).
    pod_roots: Vec<Option<usize>>,
}

impl<'a> Ownership<'a> {
    /// The ownership of `resources`' pods; `blocks` are the address blocks matched pod by pod
    /// (cluster `networks`, and ipBlocks in `PodIps` mode): pods they tell apart are split.
    pub(crate) fn new(resources: &'a ResourceSet, blocks: &[&IpSet]) -> Self {
        let mut index = HashMap::new();
        for (i, w) in resources.workloads.iter().enumerate() {
            index.entry((w.namespace.as_str(), w.kind.as_str(), w.name.as_str())).or_insert(i);
        }
        let mut ownership =
            Self { resources, index, split: Vec::new(), split_roots: Vec::new(), pod_roots: Vec::new() };
        let roots = crate::parallel::map_ordered(&resources.pods, POD_CHUNK, &|_, pod| {
            ownership.pod_workload(pod).map(|w| ownership.root_of(w))
        });
        ownership.pod_roots = roots;
        if !blocks.is_empty() {
            ownership.split_by_blocks(blocks);
        }
        // the pods of each absent controller, by its endpoint name (sorted, so `split` is)
        let mut owned: Vec<(String, usize)> = resources
            .pods
            .iter()
            .enumerate()
            .filter(|(i, _)| ownership.pod_root(*i).is_none())
            .filter_map(|(i, pod)| Self::pod_owner(pod).map(|o| (Self::owner_endpoint(&pod.namespace, o), i)))
            .collect();
        owned.sort_compact();
        for group in owned.chunk_by(|a, b| a.0 == b.0) {
            let pods: Vec<&PodResource> = group.iter().filter_map(|(_, i)| resources.pods.get(*i)).collect();
            let alike = pods.split_first().is_none_or(|(first, rest)| {
                rest.iter().all(|p| p.labels == first.labels && named_ports(&p.spec) == named_ports(&first.spec))
            });
            if let Some((key, _)) = group.first()
                && ((!alike && policies_tell_apart(resources, &pods)) || blocks_tell_apart(blocks, &pods))
            {
                ownership.split.push(key.clone());
            }
        }
        ownership.split.sort_compact();
        ownership.split.dedup();
        ownership
    }

    /// Splits the present workloads whose pods `blocks` tell apart: their pods fold into no
    /// workload, and each pod's controller is marked split (so the pod is named after itself).
    fn split_by_blocks(&mut self, blocks: &[&IpSet]) {
        let mut by_root: Vec<(usize, usize)> =
            self.pod_roots.iter().enumerate().filter_map(|(pod, root)| Some(((*root)?, pod))).collect();
        by_root.sort_compact();
        for group in by_root.chunk_by(|a, b| a.0 == b.0) {
            let pods: Vec<&PodResource> = group.iter().filter_map(|(_, i)| self.resources.pods.get(*i)).collect();
            let Some(&(root, _)) = group.first() else { continue };
            if !blocks_tell_apart(blocks, &pods) {
                continue;
            }
            self.split_roots.push(root);
            for &(_, i) in group {
                if let Some(slot) = self.pod_roots.get_mut(i) {
                    *slot = None;
                }
            }
            for pod in pods {
                if let Some(owner) = Self::pod_owner(pod) {
                    self.split.push(Self::owner_endpoint(&pod.namespace, owner));
                }
            }
        }
    }

    /// Whether present workload `i` is split into its pods.
    fn is_split_root(&self, i: usize) -> bool {
        self.split_roots.binary_search(&i).is_ok()
    }

    /// `ns/owner[OwnerKind]` (`[Pod]` when the reference has no kind).
    fn owner_endpoint(namespace: &str, owner: &OwnerReference) -> String {
        format!("{namespace}/{}[{}]", owner.name, if owner.kind.is_empty() { "Pod" } else { owner.kind.as_str() })
    }

    /// The name and kind of the endpoint of a pod that folds into no present workload.
    fn pod_own_endpoint(&self, pod: &PodResource) -> (String, String) {
        match Self::pod_owner(pod) {
            Some(o) if self.split.binary_search(&Self::owner_endpoint(&pod.namespace, o)).is_err() => {
                (o.name.clone(), if o.kind.is_empty() { "Pod".to_owned() } else { o.kind.clone() })
            }
            _ => (pod.name.clone(), "Pod".to_owned()),
        }
    }

    fn find(&self, namespace: &str, kind: &str, name: &str) -> Option<usize> {
        self.index.get(&(namespace, kind, name)).copied()
    }

    /// Whether workload `i` is the first definition of its namespace, kind and name.
    fn is_first(&self, i: usize) -> bool {
        self.resources.workloads.get(i).is_some_and(|w| self.find(&w.namespace, w.kind.as_str(), &w.name) == Some(i))
    }

    /// The workload an endpoint is made of: follow present controllers (bounded, cycle-safe).
    pub(crate) fn root_of(&self, start: usize) -> usize {
        let mut current = start;
        for _ in 0..8 {
            let Some(w) = self.resources.workloads.get(current) else { break };
            let Some(owner) = controller(&w.owners) else { break };
            match self.find(&w.namespace, &owner.kind, &owner.name) {
                Some(next) if next != current => current = next,
                _ => break,
            }
        }
        current
    }

    /// The pod's controller, unless it is a `Node` (a static or mirror pod is bare).
    fn pod_owner(pod: &PodResource) -> Option<&OwnerReference> {
        controller(&pod.owners).filter(|o| o.kind != "Node")
    }

    /// The present workload a pod folds into (before following its controllers): its
    /// controller, or the Deployment behind an absent ReplicaSet `<deployment>-<hash>`.
    fn pod_workload(&self, pod: &PodResource) -> Option<usize> {
        let owner = Self::pod_owner(pod)?;
        let ns = pod.namespace.as_str();
        self.find(ns, &owner.kind, &owner.name).or_else(|| {
            let hash = pod.labels.get("pod-template-hash")?;
            let deployment = owner.name.strip_suffix(hash.as_str())?.strip_suffix('-')?;
            (owner.kind == "ReplicaSet").then(|| self.find(ns, "Deployment", deployment)).flatten()
        })
    }

    /// The root workload pod `i` (of `resources.pods`) folds into.
    fn pod_root(&self, i: usize) -> Option<usize> {
        self.pod_roots.get(i).copied().flatten()
    }

    /// The name of the endpoint pod `i` (of `resources.pods`) belongs to, `ns/name[Kind]`.
    pub(crate) fn pod_endpoint_name(&self, i: usize) -> Option<String> {
        let pod = self.resources.pods.get(i)?;
        let ns = &pod.namespace;
        if let Some(w) = self.pod_root(i).and_then(|w| self.resources.workloads.get(w)) {
            return Some(format!("{ns}/{}[{}]", w.name, w.kind.as_str()));
        }
        let (name, kind) = self.pod_own_endpoint(pod);
        Some(format!("{ns}/{name}[{kind}]"))
    }
}

/// Pods looked up on the available cores at a time.
const POD_CHUNK: usize = 4096;

/// Whether some block holds an IP of some of `pods` and none of others: the API matches
/// `networks` (and ipBlocks, in `PodIps` mode) pod by pod.
fn blocks_tell_apart(blocks: &[&IpSet], pods: &[&PodResource]) -> bool {
    if blocks.is_empty() || pods.len() < 2 {
        return false;
    }
    let inside = |pod: &PodResource| -> Vec<bool> {
        let ips = pod_ips(&pod.ips);
        blocks.iter().map(|b| ips.iter().any(|ip| b.contains(*ip))).collect()
    };
    let mut views = pods.iter().map(|p| inside(p));
    let first = views.next();
    views.any(|v| Some(&v) != first.as_ref())
}

/// Whether the policies can treat pods of one namespace differently: a pod selector that
/// applies in their namespace (a policy's own, or a peer's in a rule that reaches the
/// namespace) matches some of them and not others, or a named port some rule uses is defined
/// differently among them.
fn policies_tell_apart(resources: &ResourceSet, pods: &[&PodResource]) -> bool {
    let Some(first) = pods.first() else { return false };
    let namespace = first.namespace.as_str();
    let namespace_labels = resources.namespace_labels(namespace);
    let mut selectors = Vec::new();
    let mut port_names = Vec::new();
    for policy in &resources.policies {
        let Some(spec) = policy.object.spec.as_ref() else { continue };
        if policy.namespace == namespace {
            selectors.extend(spec.pod_selector.as_ref().map(CompiledSelector::compile));
        }
        let ingress = spec.ingress.iter().flatten().map(|r| (r.from.as_ref(), r.ports.as_ref()));
        let egress = spec.egress.iter().flatten().map(|r| (r.to.as_ref(), r.ports.as_ref()));
        for (peers, ports) in ingress.chain(egress) {
            for peer in peers.into_iter().flatten() {
                let Some(pod_selector) = &peer.pod_selector else { continue };
                let reaches = match &peer.namespace_selector {
                    None => policy.namespace == namespace,
                    Some(ns) => CompiledSelector::compile(ns).matches(&namespace_labels),
                };
                if reaches {
                    selectors.push(CompiledSelector::compile(pod_selector));
                }
            }
            for port in ports.into_iter().flatten() {
                if let Some(IntOrString::String(name)) = &port.port {
                    port_names.push(name.as_str());
                }
            }
        }
    }
    let view = |pod: &PodResource| -> (Vec<bool>, Vec<NamedPortEntry>) {
        let matched = selectors.iter().map(|s| s.matches(&pod.labels)).collect();
        let ports = named_ports(&pod.spec).into_iter().filter(|p| port_names.contains(&p.name.as_str())).collect();
        (matched, ports)
    };
    let first = view(first);
    pods.iter().skip(1).any(|pod| view(pod) != first)
}

/// Discovers the endpoints of a resource set, sorted by full name, names unique.
pub(crate) fn discover(resources: &ResourceSet, blocks: &[&IpSet]) -> Vec<EndpointDraft> {
    let ownership = Ownership::new(resources, blocks);
    let mut drafts: BTreeMap<String, EndpointDraft> = BTreeMap::new();
    let mut pod_counts: HashMap<usize, usize> = HashMap::new();
    for (i, w) in resources.workloads.iter().enumerate() {
        if !ownership.is_first(i) || ownership.root_of(i) != i || ownership.is_split_root(i) {
            continue;
        }
        let draft = EndpointDraft {
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            kind: w.kind.as_str().to_owned(),
            labels: w.template_labels.clone(),
            named_ports: named_ports(&w.spec),
            ips: Vec::new(),
            pods: 0,
            location: Some(w.source.locate(w.template_pointer)),
        };
        drafts.entry(draft.full_name()).or_insert(draft);
    }

    // pods in name order: an endpoint of several pods is located at the smallest name,
    // whatever the input order
    let mut own: Vec<&PodResource> = Vec::new();
    // the IPs of the pods that fold into each workload: the workload's, for ipBlocks in
    // `PodIps` mode and cluster `networks`
    let mut workload_ips: HashMap<usize, Vec<IpAddr>> = HashMap::new();
    for (i, pod) in resources.pods.iter().enumerate() {
        match ownership.pod_root(i) {
            Some(root) => {
                *pod_counts.entry(root).or_insert(0) += 1;
                if !pod.ips.is_empty() {
                    workload_ips.entry(root).or_default().extend(pod_ips(&pod.ips));
                }
            }
            None => own.push(pod),
        }
    }
    own.sort_compact_by(|a, b| a.name.cmp(&b.name));
    for pod in own {
        let (name, kind) = ownership.pod_own_endpoint(pod);
        let draft = EndpointDraft {
            namespace: pod.namespace.clone(),
            name,
            kind,
            labels: pod.labels.clone(),
            named_ports: named_ports(&pod.spec),
            ips: pod_ips(&pod.ips),
            pods: 0,
            location: Some(pod.source.locate("")),
        };
        let ips = draft.ips.clone();
        let entry = drafts.entry(draft.full_name()).or_insert(draft);
        entry.pods += 1;
        if entry.pods > 1 {
            entry.ips.extend(ips);
            entry.ips.sort_compact();
            entry.ips.dedup();
        }
    }
    for (w, count) in pod_counts {
        if let Some(wl) = resources.workloads.get(w) {
            let key = format!("{}/{}[{}]", wl.namespace, wl.name, wl.kind.as_str());
            if let Some(d) = drafts.get_mut(&key) {
                d.pods += count;
                if let Some(ips) = workload_ips.remove(&w) {
                    d.ips.extend(ips);
                    d.ips.sort_compact();
                    d.ips.dedup();
                }
            }
        }
    }
    drafts.into_values().collect()
}
