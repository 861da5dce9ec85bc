//! Pieces of NetworkPolicies in the form the engine evaluates: effective policy types, port
//! specifications, and ipBlock address sets.

use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicyPort, NetworkPolicySpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::endpoints::NamedPortEntry;
use super::ipset::IpSet;
use super::ports::{MAX_PORT, MIN_PORT, PortRanges, PortSet, all_ports};
use crate::model::Protocol;

/// Effective policy types `(ingress, egress)`: as written, or when omitted (or `[]`) `Ingress`
/// plus `Egress` when the policy has a non-empty `egress` list (the API server's defaulting).
pub(crate) fn effective_types(spec: Option<&NetworkPolicySpec>) -> (bool, bool) {
    let Some(spec) = spec else {
        return (true, false);
    };
    match spec.policy_types.as_ref().filter(|t| !t.is_empty()) {
        Some(types) => (types.iter().any(|t| t == "Ingress"), types.iter().any(|t| t == "Egress")),
        None => (true, spec.egress.as_ref().is_some_and(|e| !e.is_empty())),
    }
}

/// The ports of one rule: numeric ranges, plus named ports resolved per destination.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PortSpec {
    /// Ports given by number or by protocol only.
    pub(crate) numeric: PortSet,
    /// Named ports `(protocol, name)`, resolved against the destination's container ports.
    pub(crate) named: Vec<(Protocol, String)>,
}

impl PortSpec {
    /// Compiles a rule's `ports`: absent or empty means every port of every protocol; an entry
    /// without `port` means every port of its protocol (TCP by default); `endPort` makes a range
    /// (an `endPort` below `port` matches nothing, as does an unknown protocol); ports are
    /// clipped to `1-65535`.
    pub(crate) fn compile(ports: Option<&Vec<NetworkPolicyPort>>) -> Self {
        let Some(ports) = ports.filter(|p| !p.is_empty()) else {
            return Self { numeric: PortSet::all(), named: Vec::new() };
        };
        let mut spec = Self::default();
        for entry in ports {
            let Some(protocol) = entry.protocol.as_deref().map_or(Some(Protocol::Tcp), Protocol::parse) else {
                continue;
            };
            match &entry.port {
                None => spec.numeric.add(protocol, &all_ports()),
                Some(IntOrString::Int(port)) => {
                    let end = entry.end_port.unwrap_or(*port);
                    if end < *port {
                        continue;
                    }
                    let lo = (*port).max(i32::from(MIN_PORT));
                    let hi = end.min(i32::from(MAX_PORT));
                    if let (Ok(lo), Ok(hi)) = (u16::try_from(lo), u16::try_from(hi)) {
                        spec.numeric.add(protocol, &PortRanges::range(lo, hi));
                    }
                }
                Some(IntOrString::String(name)) => {
                    if !spec.named.iter().any(|(p, n)| *p == protocol && n == name) {
                        spec.named.push((protocol, name.clone()));
                    }
                }
            }
        }
        spec
    }

    /// The ports on a destination with these named container ports (none for external
    /// destinations).
    pub(crate) fn resolve(&self, named_ports: &[NamedPortEntry]) -> PortSet {
        let mut set = self.numeric.clone();
        for (protocol, name) in &self.named {
            if let Some(entry) = named_ports.iter().find(|e| e.name == *name && e.protocol == *protocol) {
                set.add(*protocol, &PortRanges::range(entry.port, entry.port));
            }
        }
        set
    }
}

/// The addresses of an ipBlock: `cidr` minus every `except`. An ipBlock with an invalid CIDR
/// (in `cidr` or an `except`) matches nothing.
pub(crate) fn ip_block_set(block: &IPBlock) -> IpSet {
    let Some(mut set) = IpSet::parse_cidr(&block.cidr) else {
        return IpSet::empty();
    };
    for except in block.except.iter().flatten() {
        match IpSet::parse_cidr(except) {
            Some(e) => set = set.difference(&e),
            None => return IpSet::empty(),
        }
    }
    set
}

/// Every address where an ipBlock starts or ends (`cidr` and `except` entries), per family:
/// the cut points of the external address space.
pub(crate) fn ip_block_bounds(block: &IPBlock, v4: &mut Vec<(u32, u32)>, v6: &mut Vec<(u128, u128)>) {
    for cidr in std::iter::once(&block.cidr).chain(block.except.iter().flatten()) {
        if let Some(set) = IpSet::parse_cidr(cidr) {
            v4.extend_from_slice(set.v4.ranges());
            v6.extend_from_slice(set.v6.ranges());
        }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn port(p: Option<IntOrString>, end: Option<i32>, proto: Option<&str>) -> NetworkPolicyPort {
        NetworkPolicyPort { port: p, end_port: end, protocol: proto.map(str::to_owned) }
    }

    #[test]
    fn ports_compile_and_resolve() {
        assert!(PortSpec::compile(None).numeric.is_all());
        assert!(PortSpec::compile(Some(&vec![])).numeric.is_all());
        let spec = PortSpec::compile(Some(&vec![
            port(Some(IntOrString::Int(80)), None, None),
            port(Some(IntOrString::Int(8000)), Some(8100), Some("TCP")),
            port(None, None, Some("UDP")),
            port(Some(IntOrString::String("dns".into())), None, Some("SCTP")),
            port(Some(IntOrString::Int(90)), Some(85), None),
            port(Some(IntOrString::Int(1)), None, Some("ICMP")),
        ]));
        assert_eq!(spec.numeric.get(Protocol::Tcp).ranges(), &[(80, 80), (8000, 8100)]);
        assert_eq!(spec.numeric.get(Protocol::Udp).ranges(), &[(1, 65535)]);
        let named = [
            NamedPortEntry { name: "dns".into(), protocol: Protocol::Sctp, port: 53 },
            NamedPortEntry { name: "dns".into(), protocol: Protocol::Tcp, port: 54 },
        ];
        assert_eq!(spec.resolve(&named).get(Protocol::Sctp).ranges(), &[(53, 53)]);
        assert!(spec.resolve(&[]).get(Protocol::Sctp).is_empty());
    }

    #[test]
    fn policy_types() {
        let mut spec = NetworkPolicySpec::default();
        assert_eq!(effective_types(Some(&spec)), (true, false));
        spec.egress = Some(vec![]);
        assert_eq!(effective_types(Some(&spec)), (true, false));
        spec.egress = Some(vec![Default::default()]);
        assert_eq!(effective_types(Some(&spec)), (true, true));
        spec.policy_types = Some(vec![]);
        assert_eq!(effective_types(Some(&spec)), (true, true));
        spec.policy_types = Some(vec!["Egress".into()]);
        assert_eq!(effective_types(Some(&spec)), (false, true));
    }

    #[test]
    fn ip_blocks() {
        let block = IPBlock { cidr: "10.0.0.0/8".into(), except: Some(vec!["10.1.0.0/16".into()]) };
        let set = ip_block_set(&block);
        assert!(set.contains("10.2.0.1".parse().unwrap()));
        assert!(!set.contains("10.1.0.1".parse().unwrap()));
        let bad = IPBlock { cidr: "10.0.0.0/8".into(), except: Some(vec!["nope".into()]) };
        assert!(ip_block_set(&bad).is_empty());
    }
}
