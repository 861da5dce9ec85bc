//! Port sets: for each protocol (TCP, UDP, SCTP) a set of port intervals.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::intervals::Intervals;
use crate::model::Protocol;

/// Lowest port that carries traffic (`All Connections` is `1-65535` for each protocol).
pub const MIN_PORT: u16 = 1;
/// Highest port.
pub const MAX_PORT: u16 = u16::MAX;

/// Sorted disjoint port intervals of one protocol.
pub type PortRanges = Intervals<u16>;

/// Every port that carries traffic, `1-65535`.
#[must_use]
pub fn all_ports() -> PortRanges {
    PortRanges::range(MIN_PORT, MAX_PORT)
}

/// Ports per protocol.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet {
    tcp: PortRanges,
    udp: PortRanges,
    sctp: PortRanges,
}

/// netpol-analyzer's wording of a port set: `All Connections` when every port of every
/// protocol is in it, `No Connections` when none is, else `PROTO ranges` per protocol in name
/// order (`SCTP 1-65535,TCP 80,8000-8100,UDP 53-54`).
impl std::fmt::Display for PortSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_all() {
            return f.write_str("All Connections");
        }
        if self.is_empty() {
            return f.write_str("No Connections");
        }
        let mut first = true;
        for protocol in Protocol::ALL {
            let ranges = self.get(protocol);
            if !ranges.is_empty() {
                let comma = if first { "" } else { "," };
                write!(f, "{comma}{protocol} {}", ranges_text(ranges.ranges(), ","))?;
                first = false;
            }
        }
        Ok(())
    }
}

/// A port range as text: `80`, or `8000-9000`.
#[must_use]
pub fn range_text(from: u16, to: u16) -> String {
    if from == to { from.to_string() } else { format!("{from}-{to}") }
}

/// Port ranges as text (`80`, `8000-9000`) joined by `separator`.
#[must_use]
pub fn ranges_text(ranges: &[(u16, u16)], separator: &str) -> String {
    ranges.iter().map(|&(from, to)| range_text(from, to)).collect::<Vec<_>>().join(separator)
}

impl PortSet {
    /// No port of any protocol.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// Every port of every protocol.
    #[must_use]
    pub fn all() -> Self {
        Self { tcp: all_ports(), udp: all_ports(), sctp: all_ports() }
    }

    /// Every port of one protocol.
    #[must_use]
    pub fn all_of(protocol: Protocol) -> Self {
        Self::of(protocol, all_ports())
    }

    /// Some ports of one protocol.
    #[must_use]
    pub fn of(protocol: Protocol, ports: PortRanges) -> Self {
        let mut set = Self::empty();
        *set.get_mut(protocol) = ports;
        set
    }

    /// The ports of `protocol`.
    #[must_use]
    pub fn get(&self, protocol: Protocol) -> &PortRanges {
        match protocol {
            Protocol::Tcp => &self.tcp,
            Protocol::Udp => &self.udp,
            Protocol::Sctp => &self.sctp,
        }
    }

    fn get_mut(&mut self, protocol: Protocol) -> &mut PortRanges {
        match protocol {
            Protocol::Tcp => &mut self.tcp,
            Protocol::Udp => &mut self.udp,
            Protocol::Sctp => &mut self.sctp,
        }
    }

    /// Whether no port is in the set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tcp.is_empty() && self.udp.is_empty() && self.sctp.is_empty()
    }

    /// How many `(protocol, port)` pairs the set holds (at most 3 × 65,535).
    #[must_use]
    pub fn count(&self) -> u64 {
        Protocol::ALL
            .iter()
            .flat_map(|p| self.get(*p).ranges().iter())
            .map(|&(a, b)| u64::from(b) - u64::from(a) + 1)
            .sum()
    }

    /// Whether every port of every protocol is in the set.
    #[must_use]
    pub fn is_all(&self) -> bool {
        *self == Self::all()
    }

    /// Whether `port` of `protocol` is in the set.
    #[must_use]
    pub fn contains(&self, protocol: Protocol, port: u16) -> bool {
        self.get(protocol).contains(port)
    }

    /// Union.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        Self { tcp: self.tcp.union(&other.tcp), udp: self.udp.union(&other.udp), sctp: self.sctp.union(&other.sctp) }
    }

    /// In-place union.
    pub fn union_with(&mut self, other: &Self) {
        self.tcp.union_with(&other.tcp);
        self.udp.union_with(&other.udp);
        self.sctp.union_with(&other.sctp);
    }

    /// Adds ports of one protocol.
    pub fn add(&mut self, protocol: Protocol, ports: &PortRanges) {
        self.get_mut(protocol).union_with(ports);
    }

    /// Intersection.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        Self {
            tcp: self.tcp.intersection(&other.tcp),
            udp: self.udp.intersection(&other.udp),
            sctp: self.sctp.intersection(&other.sctp),
        }
    }

    /// Difference.
    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        Self {
            tcp: self.tcp.difference(&other.tcp),
            udp: self.udp.difference(&other.udp),
            sctp: self.sctp.difference(&other.sctp),
        }
    }

    /// The wire form.
    #[must_use]
    pub fn to_ports(&self) -> Ports {
        let conv = |r: &PortRanges| r.ranges().iter().map(|&(a, b)| [a, b]).collect();
        Ports { tcp: conv(&self.tcp), udp: conv(&self.udp), sctp: conv(&self.sctp) }
    }

    /// From the wire form.
    #[must_use]
    pub fn from_ports(ports: &Ports) -> Self {
        let conv = |r: &[[u16; 2]]| PortRanges::from_ranges(r.iter().map(|&[a, b]| (a, b)));
        Self { tcp: conv(&ports.tcp), udp: conv(&ports.udp), sctp: conv(&ports.sctp) }
    }
}

/// Ports per protocol on the wire: `{"tcp": [[80, 80], [8000, 8100]], "udp": [[53, 53]]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ports {
    /// TCP port ranges `[from, to]`, inclusive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<[u16; 2]>,
    /// UDP port ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub udp: Vec<[u16; 2]>,
    /// SCTP port ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sctp: Vec<[u16; 2]>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn connection_text_orders_protocols_by_name() {
        let mut ports = PortSet::of(Protocol::Udp, PortRanges::range(53, 54));
        ports.add(Protocol::Tcp, &PortRanges::from_ranges([(80, 80), (8000, 8100)]));
        ports.add(Protocol::Sctp, &PortRanges::range(1, 65535));
        assert_eq!(ports.to_string(), "SCTP 1-65535,TCP 80,8000-8100,UDP 53-54");
        assert_eq!(PortSet::all().to_string(), "All Connections");
        assert_eq!(PortSet::default().to_string(), "No Connections");
    }

    #[test]
    fn all_and_empty() {
        assert!(PortSet::all().is_all());
        assert!(PortSet::empty().is_empty());
        assert_eq!(PortSet::all().get(Protocol::Udp).ranges(), &[(1, 65535)]);
        assert!(!PortSet::all().contains(Protocol::Tcp, 0));
    }

    #[test]
    fn per_protocol_operations() {
        let a = PortSet::of(Protocol::Tcp, PortRanges::range(80, 90));
        let b = PortSet::of(Protocol::Tcp, PortRanges::range(85, 100)).union(&PortSet::all_of(Protocol::Udp));
        let u = a.union(&b);
        assert_eq!(u.get(Protocol::Tcp).ranges(), &[(80, 100)]);
        assert_eq!(u.get(Protocol::Udp).ranges(), &[(1, 65535)]);
        assert!(u.get(Protocol::Sctp).is_empty());
        let i = a.intersection(&b);
        assert_eq!(i.get(Protocol::Tcp).ranges(), &[(85, 90)]);
        assert!(i.get(Protocol::Udp).is_empty());
        let d = b.difference(&a);
        assert_eq!(d.get(Protocol::Tcp).ranges(), &[(91, 100)]);
        assert!(PortSet::all().difference(&PortSet::all()).is_empty());
    }

    #[test]
    fn wire_round_trip() {
        let a = PortSet::of(Protocol::Sctp, PortRanges::from_ranges([(1, 2), (9, 9)]));
        let wire = a.to_ports();
        assert_eq!(wire.sctp, vec![[1, 2], [9, 9]]);
        assert_eq!(PortSet::from_ports(&wire), a);
        assert_eq!(serde_json::to_string(&wire).unwrap(), r#"{"sctp":[[1,2],[9,9]]}"#);
    }

    #[test]
    fn protocol_names() {
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.as_str()), Some(p));
        }
        assert_eq!(Protocol::parse("tcp"), None);
        assert_eq!(serde_json::to_string(&Protocol::Sctp).unwrap(), "\"SCTP\"");
    }
}
