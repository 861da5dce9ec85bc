//! CIDR values as the API server reads them (`ParseCIDRSloppy`): IPv4 octets and the prefix
//! length may carry leading zeros, and the address may have bits set past the prefix. Those
//! forms are accepted with a warning, so they are recorded here rather than rejected.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A parsed CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    /// The address as written (host bits included).
    pub(crate) addr: IpAddr,
    /// Prefix length.
    pub(crate) prefix: u8,
    /// Whether an IPv4 octet or the prefix length had leading zeros.
    pub(crate) leading_zeros: bool,
}

/// Parses decimal digits (leading zeros allowed) up to `max`.
fn decimal(text: &str, max: u32) -> Option<(u32, bool)> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = text.bytes().try_fold(0u32, |acc, b| acc.checked_mul(10)?.checked_add(u32::from(b - b'0')))?;
    (value <= max).then_some((value, text.len() > 1 && text.starts_with('0')))
}

fn parse_v4(text: &str) -> Option<(Ipv4Addr, bool)> {
    let mut octets = [0u8; 4];
    let mut parts = text.split('.');
    let mut leading_zeros = false;
    for octet in &mut octets {
        let (value, zeros) = decimal(parts.next()?, 255)?;
        *octet = u8::try_from(value).ok()?;
        leading_zeros |= zeros;
    }
    if parts.next().is_some() {
        return None;
    }
    Some((Ipv4Addr::from(octets), leading_zeros))
}

/// Why the API server would reject a CIDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CidrError {
    /// Not an address, `/` and a decimal prefix length.
    Malformed,
    /// The prefix length is longer than the address (`width` is 32 or 128).
    PrefixTooLong { width: u32 },
}

impl Cidr {
    /// Parses `a.b.c.d/n` or `v6/n` the way the API server does; `None` when it would reject it.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::read(text).ok()
    }

    /// Like [`Cidr::parse`], saying why a CIDR is rejected.
    pub(crate) fn read(text: &str) -> Result<Self, CidrError> {
        let (ip, length) = text.split_once('/').ok_or(CidrError::Malformed)?;
        let (addr, width, ip_zeros) = if ip.contains(':') {
            (IpAddr::V6(ip.parse::<Ipv6Addr>().map_err(|_| CidrError::Malformed)?), 128, false)
        } else {
            let (v4, zeros) = parse_v4(ip).ok_or(CidrError::Malformed)?;
            (IpAddr::V4(v4), 32, zeros)
        };
        let (prefix, prefix_zeros) = decimal(length, u32::MAX).ok_or(CidrError::Malformed)?;
        if prefix > width {
            return Err(CidrError::PrefixTooLong { width });
        }
        let prefix = u8::try_from(prefix).map_err(|_| CidrError::Malformed)?;
        Ok(Self { addr, prefix, leading_zeros: ip_zeros || prefix_zeros })
    }

    /// Bits in the address: 32 or 128.
    fn width(&self) -> u32 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    fn bits(&self) -> u128 {
        match self.addr {
            IpAddr::V4(a) => u128::from(u32::from(a)),
            IpAddr::V6(a) => u128::from(a),
        }
    }

    /// `bits` with everything after `prefix` cleared.
    fn masked(&self, bits: u128, prefix: u8) -> u128 {
        let host = self.width().saturating_sub(u32::from(prefix));
        let host_mask = if host >= 128 { u128::MAX } else { (1u128 << host) - 1 };
        bits & !host_mask
    }

    fn address(&self, bits: u128) -> IpAddr {
        match self.addr {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::from(u32::try_from(bits).unwrap_or(0))),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::from(bits)),
        }
    }

    /// Whether the address has bits set after the prefix (`10.0.0.1/24`).
    pub(crate) fn has_host_bits(&self) -> bool {
        self.masked(self.bits(), self.prefix) != self.bits()
    }

    /// Whether this is an IPv4-mapped IPv6 address (`::ffff:10.0.0.0/104`).
    pub(crate) fn is_v4_mapped(&self) -> bool {
        matches!(self.addr, IpAddr::V6(a) if a.to_ipv4_mapped().is_some())
    }

    /// The network in canonical form, e.g. `10.0.0.0/24` or `fd00::/8`; an IPv4-mapped
    /// network is written as plain IPv4, as the server suggests.
    pub(crate) fn network_text(&self) -> String {
        let network = self.address(self.masked(self.bits(), self.prefix));
        if let IpAddr::V6(v6) = network
            && let (Some(v4), Some(prefix)) = (v6.to_ipv4_mapped(), self.prefix.checked_sub(96))
        {
            return format!("{v4}/{prefix}");
        }
        format!("{network}/{}", self.prefix)
    }

    /// The written address as a single-address CIDR, e.g. `10.0.0.1/32`.
    pub(crate) fn single_address_text(&self) -> String {
        format!("{}/{}", self.addr, self.width())
    }

    /// Whether `other` is the same address family and a strictly smaller range inside this one.
    pub(crate) fn strictly_contains(&self, other: &Cidr) -> bool {
        self.addr.is_ipv4() == other.addr.is_ipv4()
            && self.prefix < other.prefix
            && self.masked(other.bits(), self.prefix) == self.masked(self.bits(), self.prefix)
    }

    /// `IPv4` or `IPv6`.
    pub(crate) fn family(&self) -> &'static str {
        if self.addr.is_ipv4() { "IPv4" } else { "IPv6" }
    }
}

#[cfg(test)]
mod tests {
    use super::{Cidr, CidrError};

    #[test]
    fn parses_like_the_server() {
        assert!(Cidr::parse("10.0.0.0/8").is_some());
        assert!(Cidr::parse("0.0.0.0/0").is_some());
        assert!(Cidr::parse("::/0").is_some());
        assert!(Cidr::parse("2001:db8::/32").is_some());
        assert!(Cidr::parse("10.0.0.0").is_none());
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0/8").is_none());
        assert!(Cidr::parse("10.0.0.256/8").is_none());
        assert!(Cidr::parse("10.0.0.0/").is_none());
        assert!(Cidr::parse("10.0.0.0/-1").is_none());
        assert!(Cidr::parse("fd00::/129").is_none());
        assert!(Cidr::parse("fd00::%eth0/64").is_none());
        assert!(Cidr::parse("").is_none());
        assert_eq!(Cidr::read("10.0.0.0/33"), Err(CidrError::PrefixTooLong { width: 32 }));
        assert_eq!(Cidr::read("fd00::/129"), Err(CidrError::PrefixTooLong { width: 128 }));
        assert_eq!(Cidr::read("10.0.0.0/x"), Err(CidrError::Malformed));
        let sloppy = Cidr::parse("010.0.0.0/08");
        assert!(sloppy.is_some_and(|c| c.leading_zeros && c.network_text() == "10.0.0.0/8"));
    }

    #[test]
    fn networks_and_containment() {
        let outer = Cidr::parse("10.0.0.0/16");
        assert!(outer.is_some());
        let Some(outer) = outer else { return };
        let inner = |t: &str| Cidr::parse(t).is_some_and(|c| outer.strictly_contains(&c));
        assert!(inner("10.0.1.0/24"));
        assert!(inner("10.0.255.255/32"));
        assert!(!inner("10.0.0.0/16"));
        assert!(!inner("10.1.0.0/24"));
        assert!(!inner("10.0.0.0/8"));
        assert!(!inner("::/128"));
        assert!(Cidr::parse("10.0.0.1/24").is_some_and(|c| c.has_host_bits() && c.network_text() == "10.0.0.0/24"));
        assert!(Cidr::parse("10.0.0.1/24").is_some_and(|c| c.single_address_text() == "10.0.0.1/32"));
        assert!(Cidr::parse("FD00:0:0::1/8").is_some_and(|c| c.network_text() == "fd00::/8"));
        assert!(
            Cidr::parse("::ffff:10.0.0.0/104").is_some_and(|c| c.is_v4_mapped() && c.network_text() == "10.0.0.0/8")
        );
        assert!(Cidr::parse("0.0.0.0/0").is_some_and(|c| !c.has_host_bits()));
        assert!(Cidr::parse("::1/0").is_some_and(|c| c.has_host_bits() && c.network_text() == "::/0"));
    }
}
