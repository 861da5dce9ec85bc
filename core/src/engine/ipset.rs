//! IP sets: sorted disjoint intervals over `u32` (IPv4) and `u128` (IPv6).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::intervals::Intervals;

/// An IP family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum IpFamily {
    /// IPv4.
    #[serde(rename = "IPv4")]
    V4,
    /// IPv6.
    #[serde(rename = "IPv6")]
    V6,
}

/// A set of IPv4 and IPv6 addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IpSet {
    /// IPv4 addresses.
    pub v4: Intervals<u32>,
    /// IPv6 addresses.
    pub v6: Intervals<u128>,
}

impl IpSet {
    /// No address.
    #[must_use]
    pub fn empty() -> Self {
        Self::default()
    }

    /// One address.
    #[must_use]
    pub fn address(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(a) => {
                let v = u32::from(a);
                Self { v4: Intervals::range(v, v), v6: Intervals::empty() }
            }
            IpAddr::V6(a) => {
                let v = u128::from(a);
                Self { v4: Intervals::empty(), v6: Intervals::range(v, v) }
            }
        }
    }

    /// Parses `a.b.c.d/n` or an IPv6 CIDR; host bits are ignored (masked). `None` when invalid.
    #[must_use]
    pub fn parse_cidr(text: &str) -> Option<Self> {
        let (addr, len) = text.trim().split_once('/')?;
        let len: u32 = len.parse().ok()?;
        match addr.parse::<IpAddr>().ok()? {
            IpAddr::V4(a) => {
                if len > 32 {
                    return None;
                }
                let host = u32::MAX.checked_shr(len).unwrap_or(0);
                let base = u32::from(a) & !host;
                Some(Self { v4: Intervals::range(base, base | host), v6: Intervals::empty() })
            }
            IpAddr::V6(a) => {
                if len > 128 {
                    return None;
                }
                let host = u128::MAX.checked_shr(len).unwrap_or(0);
                let base = u128::from(a) & !host;
                Some(Self { v4: Intervals::empty(), v6: Intervals::range(base, base | host) })
            }
        }
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// Whether `ip` is in the set.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(a) => self.v4.contains(u32::from(a)),
            IpAddr::V6(a) => self.v6.contains(u128::from(a)),
        }
    }

    /// Union.
    #[must_use]
    pub fn union(&self, other: &Self) -> Self {
        Self { v4: self.v4.union(&other.v4), v6: self.v6.union(&other.v6) }
    }

    /// Intersection.
    #[must_use]
    pub fn intersection(&self, other: &Self) -> Self {
        Self { v4: self.v4.intersection(&other.v4), v6: self.v6.intersection(&other.v6) }
    }

    /// Difference.
    #[must_use]
    pub fn difference(&self, other: &Self) -> Self {
        Self { v4: self.v4.difference(&other.v4), v6: self.v6.difference(&other.v6) }
    }
}

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IpRange {
    /// IPv4 `[first, last]`.
    V4(u32, u32),
    /// IPv6 `[first, last]`.
    V6(u128, u128),
}

impl IpRange {
    /// The family.
    #[must_use]
    pub fn family(self) -> IpFamily {
        match self {
            Self::V4(..) => IpFamily::V4,
            Self::V6(..) => IpFamily::V6,
        }
    }

    /// First address.
    #[must_use]
    pub fn first(self) -> IpAddr {
        match self {
            Self::V4(a, _) => IpAddr::V4(Ipv4Addr::from(a)),
            Self::V6(a, _) => IpAddr::V6(Ipv6Addr::from(a)),
        }
    }

    /// Last address.
    #[must_use]
    pub fn last(self) -> IpAddr {
        match self {
            Self::V4(_, b) => IpAddr::V4(Ipv4Addr::from(b)),
            Self::V6(_, b) => IpAddr::V6(Ipv6Addr::from(b)),
        }
    }

    /// Whether `ip` is in the range.
    #[must_use]
    pub fn contains(self, ip: IpAddr) -> bool {
        match (self, ip) {
            (Self::V4(a, b), IpAddr::V4(x)) => (a..=b).contains(&u32::from(x)),
            (Self::V6(a, b), IpAddr::V6(x)) => (a..=b).contains(&u128::from(x)),
            _ => false,
        }
    }

    /// Whether `other` starts right after this range ends (same family).
    #[must_use]
    pub fn touches(self, other: IpRange) -> bool {
        match (self, other) {
            (Self::V4(_, b), Self::V4(c, _)) => b.checked_add(1) == Some(c),
            (Self::V6(_, b), Self::V6(c, _)) => b.checked_add(1) == Some(c),
            _ => false,
        }
    }

    /// The range from this one's start to `other`'s end.
    #[must_use]
    pub fn extend_to(self, other: IpRange) -> IpRange {
        match (self, other) {
            (Self::V4(a, _), Self::V4(_, d)) => Self::V4(a, d),
            (Self::V6(a, _), Self::V6(_, d)) => Self::V6(a, d),
            _ => self,
        }
    }

    /// Parses `first-last`, a single address, or a CIDR.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().trim_end_matches("[External]");
        if text.contains('/') {
            let set = IpSet::parse_cidr(text)?;
            return set
                .v4
                .ranges()
                .first()
                .map(|&(a, b)| Self::V4(a, b))
                .or_else(|| set.v6.ranges().first().map(|&(a, b)| Self::V6(a, b)));
        }
        let (a, b) = text.split_once('-').unwrap_or((text, text));
        match (a.trim().parse::<IpAddr>().ok()?, b.trim().parse::<IpAddr>().ok()?) {
            (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => Some(Self::V4(a.into(), b.into())),
            (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => Some(Self::V6(a.into(), b.into())),
            _ => None,
        }
    }
}

impl std::fmt::Display for IpRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.first(), self.last())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn cidr_parsing() {
        let s = IpSet::parse_cidr("10.0.0.0/8").unwrap();
        assert_eq!(s.v4.ranges(), &[(0x0a00_0000, 0x0aff_ffff)]);
        let all = IpSet::parse_cidr("0.0.0.0/0").unwrap();
        assert_eq!(all.v4.ranges(), &[(0, u32::MAX)]);
        let host = IpSet::parse_cidr("10.1.2.3/32").unwrap();
        assert_eq!(host.v4.ranges(), &[(0x0a01_0203, 0x0a01_0203)]);
        let masked = IpSet::parse_cidr("10.1.2.3/24").unwrap();
        assert_eq!(masked.v4.ranges(), &[(0x0a01_0200, 0x0a01_02ff)]);
        let v6 = IpSet::parse_cidr("::/0").unwrap();
        assert_eq!(v6.v6.ranges(), &[(0, u128::MAX)]);
        assert!(IpSet::parse_cidr("10.0.0.0/33").is_none());
        assert!(IpSet::parse_cidr("10.0.0.0").is_none());
        assert!(IpSet::parse_cidr("nonsense/8").is_none());
    }

    #[test]
    fn cidr_minus_except() {
        let s = IpSet::parse_cidr("0.0.0.0/0").unwrap().difference(&IpSet::parse_cidr("10.0.0.0/8").unwrap());
        assert_eq!(s.v4.ranges(), &[(0, 0x09ff_ffff), (0x0b00_0000, u32::MAX)]);
        assert!(!s.contains("10.2.3.4".parse().unwrap()));
        assert!(s.contains("11.0.0.0".parse().unwrap()));
    }

    #[test]
    fn range_display_and_parse() {
        let r = IpRange::V4(0, 0x09ff_ffff);
        assert_eq!(r.to_string(), "0.0.0.0-9.255.255.255");
        assert_eq!(IpRange::parse("0.0.0.0-9.255.255.255"), Some(r));
        assert_eq!(IpRange::parse("10.0.0.0/8"), Some(IpRange::V4(0x0a00_0000, 0x0aff_ffff)));
        assert_eq!(IpRange::parse("1.2.3.4"), Some(IpRange::V4(0x0102_0304, 0x0102_0304)));
        assert_eq!(IpRange::V6(0, u128::MAX).to_string(), "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        assert!(IpRange::V4(0, 5).touches(IpRange::V4(6, 9)));
        assert!(!IpRange::V4(0, 5).touches(IpRange::V6(6, 9)));
    }
}
