//! A naive reference evaluator, written straight from the rules of `DESIGN.md`: per endpoint
//! pair, per protocol, per port (one probe per stretch of ports no rule distinguishes), and per
//! external address (one probe per stretch no ipBlock distinguishes). It shares nothing with
//! the engine except the parsed input (`ResourceSet`) and the standard library.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::collapsible_if,
    clippy::type_complexity,
    dead_code
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use netfence::inventory::{PodSpecSummary, ResourceSet};

pub const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

/// One record of the canonical list: (src, dst, protocol, port ranges).
pub type Record = (String, String, String, Vec<[u16; 2]>);

#[derive(Clone, Debug)]
pub struct RefEndpoint {
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// (name, protocol, number) of container ports.
    pub ports: Vec<(String, String, i32)>,
    pub ips: Vec<IpAddr>,
}

/// A peer of a connection: an endpoint or an external address.
#[derive(Clone, Copy, Debug)]
pub enum Peer<'a> {
    Pod(&'a RefEndpoint),
    Ip(IpAddr),
}

pub struct Reference<'a> {
    pub resources: &'a ResourceSet,
    pub pod_ips_mode: bool,
    pub endpoints: Vec<RefEndpoint>,
}

fn container_ports(spec: &PodSpecSummary) -> Vec<(String, String, i32)> {
    let mut out = Vec::new();
    for c in &spec.containers {
        for p in &c.ports {
            out.push((
                p.name.clone().unwrap_or_default(),
                p.protocol.clone().unwrap_or_else(|| "TCP".to_owned()),
                p.container_port,
            ));
        }
    }
    out
}

// ---------- endpoints ----------

pub fn endpoints(resources: &ResourceSet) -> Vec<RefEndpoint> {
    let controller_of = |owners: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference]| {
        owners.iter().find(|o| o.controller == Some(true)).cloned()
    };
    let find = |ns: &str, kind: &str, name: &str| {
        resources.workloads.iter().position(|w| w.namespace == ns && w.kind.as_str() == kind && w.name == name)
    };
    // top-most present controller of a workload
    let top = |mut i: usize| {
        for _ in 0..8 {
            let w = &resources.workloads[i];
            match controller_of(&w.owners).and_then(|o| find(&w.namespace, &o.kind, &o.name)) {
                Some(j) if j != i => i = j,
                _ => break,
            }
        }
        i
    };
    let mut by_name: BTreeMap<String, RefEndpoint> = BTreeMap::new();
    for (i, w) in resources.workloads.iter().enumerate() {
        if find(&w.namespace, w.kind.as_str(), &w.name) != Some(i) || top(i) != i {
            continue;
        }
        let name = format!("{}/{}[{}]", w.namespace, w.name, w.kind.as_str());
        by_name.entry(name.clone()).or_insert(RefEndpoint {
            name,
            namespace: w.namespace.clone(),
            labels: w.template_labels.clone(),
            ports: container_ports(&w.spec),
            ips: vec![],
        });
    }
    for pod in &resources.pods {
        let owner = controller_of(&pod.owners);
        let owner = owner.filter(|o| o.kind != "Node");
        let mut ips: Vec<IpAddr> = vec![];
        for ip in &pod.ips {
            ips.extend(ip.parse::<IpAddr>().ok());
        }
        // a pod of a present workload: its IPs are the workload's
        if let Some(i) = owner.as_ref().and_then(|o| find(&pod.namespace, &o.kind, &o.name)) {
            let w = &resources.workloads[top(i)];
            if let Some(endpoint) = by_name.get_mut(&format!("{}/{}[{}]", w.namespace, w.name, w.kind.as_str())) {
                endpoint.ips.extend(ips);
            }
            continue;
        }
        let name = match &owner {
            Some(o) => format!("{}/{}[{}]", pod.namespace, o.name, if o.kind.is_empty() { "Pod" } else { &o.kind }),
            None => format!("{}/{}[Pod]", pod.namespace, pod.name),
        };
        // the first pod of an endpoint gives its labels and ports; every pod its IPs
        by_name
            .entry(name.clone())
            .or_insert(RefEndpoint {
                name,
                namespace: pod.namespace.clone(),
                labels: pod.labels.clone(),
                ports: container_ports(&pod.spec),
                ips: vec![],
            })
            .ips
            .extend(ips);
    }
    by_name.into_values().collect()
}

// ---------- selectors ----------

pub fn selector_matches(sel: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    for (k, v) in sel.match_labels.iter().flatten() {
        if labels.get(k) != Some(v) {
            return false;
        }
    }
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default();
        let have = labels.get(&e.key);
        let ok = match e.operator.as_str() {
            "In" => have.is_some_and(|v| values.contains(v)),
            "NotIn" => have.is_none_or(|v| !values.contains(v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

// ---------- IP blocks ----------

/// (family is v6, first, last) of a CIDR, host bits masked.
pub fn cidr_range(text: &str) -> Option<(bool, u128, u128)> {
    let (addr, len) = text.split_once('/')?;
    let len: u32 = len.parse().ok()?;
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) if len <= 32 => {
            let v = u128::from(u32::from(a));
            let size: u128 = 1u128 << (32 - len);
            let first = v - v % size;
            Some((false, first, first + size - 1))
        }
        IpAddr::V6(a) if len <= 128 => {
            let v = u128::from(a);
            let first = if len == 0 { 0 } else { v & !(u128::MAX >> len) };
            let last = if len == 0 { u128::MAX } else { first | (u128::MAX >> len) };
            Some((true, first, last))
        }
        _ => None,
    }
}

fn ip_value(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn in_cidr(text: &str, ip: IpAddr) -> Option<bool> {
    let (v6, first, last) = cidr_range(text)?;
    let (ipv6, v) = ip_value(ip);
    Some(v6 == ipv6 && first <= v && v <= last)
}

pub fn ip_block_contains(block: &IPBlock, ip: IpAddr) -> bool {
    let Some(inside) = in_cidr(&block.cidr, ip) else { return false };
    let mut excluded = false;
    for e in block.except.iter().flatten() {
        match in_cidr(e, ip) {
            None => return false,
            Some(true) => excluded = true,
            Some(false) => {}
        }
    }
    inside && !excluded
}

// ---------- policies ----------

fn policy_types(np: &NetworkPolicy) -> (bool, bool) {
    let Some(spec) = &np.spec else { return (true, false) };
    match &spec.policy_types {
        Some(t) if !t.is_empty() => (t.iter().any(|x| x == "Ingress"), t.iter().any(|x| x == "Egress")),
        _ => (true, spec.egress.as_ref().is_some_and(|e| !e.is_empty())),
    }
}

impl<'a> Reference<'a> {
    pub fn new(resources: &'a ResourceSet, pod_ips_mode: bool) -> Self {
        Self { resources, pod_ips_mode, endpoints: endpoints(resources) }
    }

    fn namespace_labels(&self, ns: &str) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::new();
        for n in &self.resources.namespaces {
            if n.name == ns {
                labels = n.labels.clone();
                break;
            }
        }
        labels.insert("kubernetes.io/metadata.name".to_owned(), ns.to_owned());
        labels
    }

    fn selects(&self, policy_ns: &str, np: &NetworkPolicy, e: &RefEndpoint) -> bool {
        if e.namespace != policy_ns {
            return false;
        }
        match np.spec.as_ref().and_then(|s| s.pod_selector.as_ref()) {
            None => true,
            Some(sel) => selector_matches(sel, &e.labels),
        }
    }

    fn peer_matches(&self, policy_ns: &str, peer: &NetworkPolicyPeer, other: Peer<'_>) -> bool {
        if let Some(block) = &peer.ip_block {
            return match other {
                Peer::Ip(ip) => ip_block_contains(block, ip),
                Peer::Pod(e) => self.pod_ips_mode && e.ips.iter().any(|ip| ip_block_contains(block, *ip)),
            };
        }
        let Peer::Pod(e) = other else { return false };
        match (&peer.pod_selector, &peer.namespace_selector) {
            (None, None) => false,
            (Some(ps), None) => e.namespace == policy_ns && selector_matches(ps, &e.labels),
            (None, Some(ns)) => selector_matches(ns, &self.namespace_labels(&e.namespace)),
            (Some(ps), Some(ns)) => {
                selector_matches(ns, &self.namespace_labels(&e.namespace)) && selector_matches(ps, &e.labels)
            }
        }
    }

    /// Whether a rule's `ports` admit `protocol`/`port` on destination `dst`.
    fn port_matches(ports: Option<&Vec<NetworkPolicyPort>>, dst: Peer<'_>, protocol: &str, port: u16) -> bool {
        let Some(ports) = ports else { return true };
        if ports.is_empty() {
            return true;
        }
        for p in ports {
            let proto = p.protocol.clone().unwrap_or_else(|| "TCP".to_owned());
            if proto != protocol {
                continue;
            }
            match &p.port {
                None => return true,
                Some(IntOrString::Int(n)) => {
                    let end = p.end_port.unwrap_or(*n);
                    if end >= *n && *n <= i32::from(port) && i32::from(port) <= end {
                        return true;
                    }
                }
                Some(IntOrString::String(name)) => {
                    if let Peer::Pod(d) = dst {
                        if d.ports.iter().any(|(pn, pp, num)| pn == name && *pp == proto && *num == i32::from(port)) {
                            return true;
                        }
                    }
                }
            }
        }
        false
    }

    /// The `egress` (true) or `ingress` side of `subject`, towards `other`.
    fn side_allows(&self, subject: &RefEndpoint, egress: bool, other: Peer<'_>, protocol: &str, port: u16) -> bool {
        let dst = if egress { other } else { Peer::Pod(subject) };
        let mut isolated = false;
        for np in &self.resources.policies {
            if !self.selects(&np.namespace, &np.object, subject) {
                continue;
            }
            let (ing, eg) = policy_types(&np.object);
            if (egress && !eg) || (!egress && !ing) {
                continue;
            }
            isolated = true;
            let spec = np.object.spec.as_ref();
            let rules: Vec<(Option<&Vec<NetworkPolicyPeer>>, Option<&Vec<NetworkPolicyPort>>)> = if egress {
                spec.into_iter()
                    .flat_map(|s| s.egress.iter().flatten())
                    .map(|r| (r.to.as_ref(), r.ports.as_ref()))
                    .collect()
            } else {
                spec.into_iter()
                    .flat_map(|s| s.ingress.iter().flatten())
                    .map(|r| (r.from.as_ref(), r.ports.as_ref()))
                    .collect()
            };
            for (peers, ports) in rules {
                let peer_ok = match peers {
                    None => true,
                    Some(list) if list.is_empty() => true,
                    Some(list) => list.iter().any(|p| self.peer_matches(&np.namespace, p, other)),
                };
                if peer_ok && Self::port_matches(ports, dst, protocol, port) {
                    return true;
                }
            }
        }
        !isolated
    }

    pub fn allowed(&self, src: Peer<'_>, dst: Peer<'_>, protocol: &str, port: u16) -> bool {
        let egress_ok = match src {
            Peer::Pod(s) => self.side_allows(s, true, dst, protocol, port),
            Peer::Ip(_) => true,
        };
        let ingress_ok = match dst {
            Peer::Pod(d) => self.side_allows(d, false, src, protocol, port),
            Peer::Ip(_) => true,
        };
        egress_ok && ingress_ok
    }

    /// Ports where the verdict may change: 1, every numeric port/endPort edge and every
    /// container port edge.
    fn port_probes(&self) -> Vec<u16> {
        let mut cuts: BTreeSet<u32> = BTreeSet::from([1]);
        for np in &self.resources.policies {
            let spec = np.object.spec.as_ref();
            let ports = spec
                .into_iter()
                .flat_map(|s| s.ingress.iter().flatten().flat_map(|r| r.ports.iter().flatten()))
                .chain(spec.into_iter().flat_map(|s| s.egress.iter().flatten().flat_map(|r| r.ports.iter().flatten())));
            for p in ports {
                if let Some(IntOrString::Int(n)) = &p.port {
                    let end = p.end_port.unwrap_or(*n);
                    for v in [i64::from(*n), i64::from(end) + 1] {
                        if (1..=65535).contains(&v) {
                            cuts.insert(v as u32);
                        }
                    }
                }
            }
        }
        for e in &self.endpoints {
            for (_, _, n) in &e.ports {
                for v in [i64::from(*n), i64::from(*n) + 1] {
                    if (1..=65535).contains(&v) {
                        cuts.insert(v as u32);
                    }
                }
            }
        }
        cuts.into_iter().map(|c| c as u16).collect()
    }

    /// Allowed ports per protocol, probing once per stretch.
    fn connection(&self, src: Peer<'_>, dst: Peer<'_>, probes: &[u16]) -> BTreeMap<&'static str, Vec<[u16; 2]>> {
        let mut out = BTreeMap::new();
        for protocol in PROTOCOLS {
            let mut ranges: Vec<[u16; 2]> = vec![];
            for (i, &lo) in probes.iter().enumerate() {
                let hi = probes.get(i + 1).map_or(65535, |n| n - 1);
                if self.allowed(src, dst, protocol, lo) {
                    match ranges.last_mut() {
                        Some(last) if last[1] + 1 == lo => last[1] = hi,
                        _ => ranges.push([lo, hi]),
                    }
                }
            }
            if !ranges.is_empty() {
                out.insert(protocol, ranges);
            }
        }
        out
    }

    /// External stretches: `(is_v6, first, last)` cut at every ipBlock edge.
    fn external_stretches(&self) -> Vec<(bool, u128, u128)> {
        let mut v4: BTreeSet<u128> = BTreeSet::from([0]);
        let mut v6: BTreeSet<u128> = BTreeSet::from([0]);
        let mut any_v6 = false;
        for np in &self.resources.policies {
            let spec = np.object.spec.as_ref();
            let peers = spec
                .into_iter()
                .flat_map(|s| s.ingress.iter().flatten().flat_map(|r| r.from.iter().flatten()))
                .chain(spec.into_iter().flat_map(|s| s.egress.iter().flatten().flat_map(|r| r.to.iter().flatten())));
            for peer in peers {
                let Some(block) = &peer.ip_block else { continue };
                for c in std::iter::once(&block.cidr).chain(block.except.iter().flatten()) {
                    if let Some((is6, first, last)) = cidr_range(c) {
                        let set = if is6 { &mut v6 } else { &mut v4 };
                        any_v6 |= is6;
                        set.insert(first);
                        if let Some(n) = last.checked_add(1) {
                            if is6 || n <= u128::from(u32::MAX) {
                                set.insert(n);
                            }
                        }
                    }
                }
            }
        }
        let mut out = vec![];
        let v4: Vec<u128> = v4.into_iter().collect();
        for (i, &lo) in v4.iter().enumerate() {
            out.push((false, lo, v4.get(i + 1).map_or(u128::from(u32::MAX), |n| n - 1)));
        }
        if any_v6 {
            let v6: Vec<u128> = v6.into_iter().collect();
            for (i, &lo) in v6.iter().enumerate() {
                out.push((true, lo, v6.get(i + 1).map_or(u128::MAX, |n| n - 1)));
            }
        }
        out
    }

    /// The whole canonical list.
    pub fn all_pairs(&self, include_self: bool) -> Vec<Record> {
        let probes = self.port_probes();
        let mut records: Vec<Record> = vec![];
        let mut emit = |src: &str, dst: &str, conn: &BTreeMap<&'static str, Vec<[u16; 2]>>| {
            for (p, ranges) in conn {
                records.push((src.to_owned(), dst.to_owned(), (*p).to_owned(), ranges.clone()));
            }
        };
        for a in &self.endpoints {
            for b in &self.endpoints {
                if a.name == b.name && !include_self {
                    continue;
                }
                emit(&a.name, &b.name, &self.connection(Peer::Pod(a), Peer::Pod(b), &probes));
            }
        }
        let stretches = self.external_stretches();
        let addr =
            |is6: bool, v: u128| -> IpAddr { if is6 { IpAddr::V6(v.into()) } else { IpAddr::V4((v as u32).into()) } };
        for e in &self.endpoints {
            for outbound in [true, false] {
                let mut runs: Vec<(bool, u128, u128, BTreeMap<&'static str, Vec<[u16; 2]>>)> = vec![];
                for &(is6, lo, hi) in &stretches {
                    let ip = Peer::Ip(addr(is6, lo));
                    let conn = if outbound {
                        self.connection(Peer::Pod(e), ip, &probes)
                    } else {
                        self.connection(ip, Peer::Pod(e), &probes)
                    };
                    if conn.is_empty() {
                        continue;
                    }
                    match runs.last_mut() {
                        Some(last) if last.0 == is6 && last.2 + 1 == lo && last.3 == conn => last.2 = hi,
                        _ => runs.push((is6, lo, hi, conn)),
                    }
                }
                for (is6, lo, hi, conn) in runs {
                    let range = format!("{}-{}", addr(is6, lo), addr(is6, hi));
                    if outbound {
                        emit(&e.name, &range, &conn);
                    } else {
                        emit(&range, &e.name, &conn);
                    }
                }
            }
        }
        records.sort();
        records
    }
}

/// Counts how often each construct appears, to report coverage.
pub fn constructs(resources: &ResourceSet) -> HashMap<&'static str, usize> {
    let mut seen: HashMap<&'static str, usize> = HashMap::new();
    let mut hit = |k: &'static str| *seen.entry(k).or_insert(0) += 1;
    for np in &resources.policies {
        let Some(spec) = &np.object.spec else { continue };
        match &spec.policy_types {
            None => hit("policyTypes omitted"),
            Some(t) if t.is_empty() => hit("policyTypes []"),
            Some(_) => hit("policyTypes given"),
        }
        if spec.egress.as_ref().is_some_and(Vec::is_empty) {
            hit("egress: []");
        }
        if spec.ingress.as_ref().is_some_and(Vec::is_empty) {
            hit("ingress: []");
        }
        let rules = spec
            .ingress
            .iter()
            .flatten()
            .map(|r| (r.from.as_ref(), r.ports.as_ref()))
            .chain(spec.egress.iter().flatten().map(|r| (r.to.as_ref(), r.ports.as_ref())));
        for (peers, ports) in rules {
            if peers.is_none_or(Vec::is_empty) {
                hit("rule without peers");
            }
            for p in peers.into_iter().flatten() {
                match (&p.pod_selector, &p.namespace_selector, &p.ip_block) {
                    (_, _, Some(b)) if b.except.as_ref().is_some_and(|e| !e.is_empty()) => hit("ipBlock with except"),
                    (_, _, Some(_)) => hit("ipBlock"),
                    (Some(_), Some(_), _) => hit("pod+namespace selector"),
                    (Some(_), None, _) => hit("podSelector"),
                    (None, Some(_), _) => hit("namespaceSelector"),
                    (None, None, None) => hit("empty peer"),
                }
                for sel in p.pod_selector.iter().chain(&p.namespace_selector) {
                    for e in sel.match_expressions.iter().flatten() {
                        hit(match e.operator.as_str() {
                            "In" => "op In",
                            "NotIn" => "op NotIn",
                            "Exists" => "op Exists",
                            "DoesNotExist" => "op DoesNotExist",
                            _ => "op invalid",
                        });
                    }
                }
            }
            if ports.is_none_or(Vec::is_empty) {
                hit("rule without ports");
            }
            for p in ports.into_iter().flatten() {
                match (&p.port, p.end_port) {
                    (None, _) => hit("protocol only"),
                    (Some(IntOrString::Int(_)), Some(_)) => hit("endPort"),
                    (Some(IntOrString::Int(_)), None) => hit("numeric port"),
                    (Some(IntOrString::String(_)), _) => hit("named port"),
                }
                match p.protocol.as_deref() {
                    None => hit("default protocol"),
                    Some("SCTP") => hit("SCTP"),
                    Some("UDP") => hit("UDP"),
                    _ => {}
                }
            }
        }
    }
    seen
}
