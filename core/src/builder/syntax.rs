//! Checks of names, labels, CIDRs and ports the builder is given, so invalid input is an
//! [`Error`] with code `NF-E012` before any policy is made.

use std::net::IpAddr;

use crate::error::{Error, ErrorCode};

fn invalid(message: String, help: &str) -> Error {
    Error::new(ErrorCode::InvalidBuild, message).with_help(help)
}

/// A DNS-1123 label: 1–63 lowercase letters, digits and `-`, starting and ending alphanumeric.
pub(crate) fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// The name part of a qualified name: 1–63 characters, alphanumeric at both ends, `-_.` inside.
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// A label or annotation key: optional `prefix/` (a DNS subdomain) and a name part.
pub(crate) fn is_qualified_name(s: &str) -> bool {
    match s.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_qualified_name_part(name),
        None => is_qualified_name_part(s),
    }
}

/// A label value: empty, or a qualified name part.
pub(crate) fn is_label_value(s: &str) -> bool {
    s.is_empty() || is_qualified_name_part(s)
}

pub(crate) fn check_namespace_name(name: &str) -> Result<(), Error> {
    if is_dns_label(name) {
        Ok(())
    } else {
        Err(invalid(
            format!("`{name}` is not a valid namespace name"),
            "a namespace name has 1 to 63 lowercase letters, digits or `-`, and starts and ends with a letter or digit",
        ))
    }
}

pub(crate) fn check_target_name(name: &str) -> Result<(), Error> {
    if is_dns_label(name) {
        Ok(())
    } else {
        Err(invalid(
            format!("`{name}` is not a valid workload name"),
            "the workload name becomes part of policy names: use 1 to 63 lowercase letters, digits or `-`, starting and ending with a letter or digit",
        ))
    }
}

pub(crate) fn check_label_key(key: &str) -> Result<(), Error> {
    if is_qualified_name(key) {
        Ok(())
    } else {
        Err(invalid(
            format!("`{key}` is not a valid label key"),
            "a label key is an optional DNS subdomain prefix and `/`, then 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
        ))
    }
}

pub(crate) fn check_label_value(key: &str, value: &str) -> Result<(), Error> {
    if is_label_value(value) {
        Ok(())
    } else {
        Err(invalid(
            format!("`{value}` is not a valid value for label `{key}`"),
            "a label value is empty or 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit",
        ))
    }
}

/// A parsed CIDR: network address bits, prefix length, and family width (32 or 128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub(crate) bits: u128,
    pub(crate) prefix: u32,
    pub(crate) width: u32,
}

impl Cidr {
    fn mask(prefix: u32, width: u32) -> u128 {
        if prefix == 0 {
            0
        } else {
            let all = if width == 32 { u128::from(u32::MAX) } else { u128::MAX };
            all & !(all >> prefix)
        }
    }

    fn contains(&self, other: &Cidr) -> bool {
        self.width == other.width
            && other.prefix >= self.prefix
            && (other.bits & Self::mask(self.prefix, self.width)) == self.bits
    }

    fn render(bits: u128, prefix: u32, width: u32) -> String {
        let addr = if width == 32 {
            IpAddr::from(u32::try_from(bits).unwrap_or(0).to_be_bytes())
        } else {
            IpAddr::from(bits.to_be_bytes())
        };
        format!("{addr}/{prefix}")
    }
}

pub(crate) fn parse_cidr(text: &str) -> Result<Cidr, Error> {
    let help = "write a CIDR as an address and a prefix length, e.g. `203.0.113.0/24` or `2001:db8::/32`";
    let bad = || invalid(format!("`{text}` is not a valid CIDR"), help);
    let (addr, prefix) = text.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) || prefix.len() > 3 {
        return Err(bad());
    }
    let prefix: u32 = prefix.parse().map_err(|_| bad())?;
    let (bits, width) = match addr {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    if prefix > width {
        return Err(invalid(format!("`{text}` has a prefix length longer than {width} bits"), help));
    }
    let network = bits & Cidr::mask(prefix, width);
    if network != bits {
        let canonical = Cidr::render(network, prefix, width);
        return Err(invalid(format!("`{text}` has host bits set"), &format!("did you mean `{canonical}`?")));
    }
    Ok(Cidr { bits, prefix, width })
}

pub(crate) fn check_except(cidr_text: &str, cidr: &Cidr, except_text: &str) -> Result<(), Error> {
    let except = parse_cidr(except_text)?;
    if !cidr.contains(&except) || except.prefix == cidr.prefix {
        return Err(invalid(
            format!("except `{except_text}` is not a strict subset of `{cidr_text}`"),
            "each `except` entry must be a smaller range inside the CIDR, of the same IP family",
        ));
    }
    Ok(())
}

/// An IANA service name, as a named container port: 1–15 lowercase letters, digits and `-`,
/// at least one letter, no `-` at either end and no `--`.
pub(crate) fn check_port_name(name: &str) -> Result<(), Error> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 15
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(u8::is_ascii_lowercase)
        && b.first() != Some(&b'-')
        && b.last() != Some(&b'-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(invalid(
            format!("`{name}` is not a valid port name"),
            "a port name has 1 to 15 lowercase letters, digits or `-`, at least one letter, and no `-` at either end or twice in a row",
        ))
    }
}

pub(crate) fn check_port_number(port: i64) -> Result<(), Error> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(invalid(format!("port `{port}` is out of range"), "ports are numbers from 1 to 65535"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cidrs() {
        assert!(parse_cidr("10.0.0.0/8").is_ok());
        assert!(parse_cidr("0.0.0.0/0").is_ok());
        assert!(parse_cidr("2001:db8::/32").is_ok());
        assert!(parse_cidr("10.0.0.1/8").unwrap_err().help.unwrap().contains("10.0.0.0/8"));
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("10.0.0.0").is_err());
        assert!(parse_cidr("10.0.0.0/+8").is_err());
        let c = parse_cidr("10.0.0.0/8").unwrap();
        assert!(check_except("10.0.0.0/8", &c, "10.1.0.0/16").is_ok());
        assert!(check_except("10.0.0.0/8", &c, "10.0.0.0/8").is_err());
        assert!(check_except("10.0.0.0/8", &c, "11.0.0.0/16").is_err());
        assert!(check_except("10.0.0.0/8", &c, "::/64").is_err());
    }

    #[test]
    fn names() {
        assert!(is_qualified_name("app.kubernetes.io/name"));
        assert!(is_qualified_name("netfence.dev/intent"));
        assert!(!is_qualified_name("/x"));
        assert!(!is_qualified_name("a/b/c"));
        assert!(check_port_name("http").is_ok());
        assert!(check_port_name("dns-tcp").is_ok());
        assert!(check_port_name("8080").is_err());
        assert!(check_port_name("a--b").is_err());
    }
}
