//! Checks of names, labels, CIDRs and ports the builder is given, so invalid input is an
//! [`Error`] with code `NF-E012` before any policy is made. The rules themselves are the API
//! validation's ([`crate::validate::syntax`], [`crate::validate::cidr`]); these wrappers turn
//! what is wrong into a builder error.

use crate::error::{Error, ErrorCode};
pub(crate) use crate::model::cidr::Cidr;
use crate::model::cidr::CidrError;
use crate::validate::syntax::{
    dns_repair, dns1123_label_problem, label_value_problem, port_name_problem, qualified_name_problem,
};

fn invalid(message: String, help: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidBuild, message).with_help(help)
}

/// `Ok` when there is no `problem`; otherwise `message`, with help `{subject} {problem}` and,
/// for a DNS label, the repaired name when there is one.
fn report(
    problem: Option<String>,
    message: impl FnOnce() -> String,
    subject: &str,
    repair: Option<&str>,
) -> Result<(), Error> {
    let Some(problem) = problem else { return Ok(()) };
    let help = match repair.and_then(|text| dns_repair(text, false)) {
        Some(fixed) => format!("{subject} {problem}; did you mean `{fixed}`?"),
        None => format!("{subject} {problem}"),
    };
    Err(invalid(message(), help))
}

pub(crate) fn check_namespace_name(name: &str) -> Result<(), Error> {
    let message = || format!("`{name}` is not a valid namespace name");
    report(dns1123_label_problem(name), message, "a namespace name", Some(name))
}

pub(crate) fn check_target_name(name: &str) -> Result<(), Error> {
    let message = || format!("`{name}` is not a valid workload name");
    report(dns1123_label_problem(name), message, "the workload name becomes part of policy names, so it", Some(name))
}

pub(crate) fn check_label_key(key: &str) -> Result<(), Error> {
    report(qualified_name_problem(key), || format!("`{key}` is not a valid label key"), "a label key", None)
}

pub(crate) fn check_label_value(key: &str, value: &str) -> Result<(), Error> {
    let message = || format!("`{value}` is not a valid value for label `{key}`");
    report(label_value_problem(value), message, "a label value", None)
}

/// An IANA service name, as a named container port.
pub(crate) fn check_port_name(name: &str) -> Result<(), Error> {
    report(port_name_problem(name), || format!("`{name}` is not a valid port name"), "a port name", None)
}

/// A CIDR the server accepts without a warning about its form: no host bits set and no
/// leading zeros.
pub(crate) fn parse_cidr(text: &str) -> Result<Cidr, Error> {
    let help = "write a CIDR as an address and a prefix length, e.g. `203.0.113.0/24` or `2001:db8::/32`";
    let cidr = Cidr::read(text).map_err(|e| match e {
        CidrError::Malformed => invalid(format!("`{text}` is not a valid CIDR"), help),
        CidrError::PrefixTooLong { width } => {
            invalid(format!("`{text}` has a prefix length longer than {width} bits"), help)
        }
    })?;
    let canonical = || format!("did you mean `{}`?", cidr.network_text());
    if cidr.has_host_bits() {
        return Err(invalid(format!("`{text}` has host bits set"), canonical()));
    }
    if cidr.leading_zeros {
        return Err(invalid(format!("`{text}` has leading zeros"), canonical()));
    }
    Ok(cidr)
}

pub(crate) fn check_except(cidr_text: &str, cidr: &Cidr, except_text: &str) -> Result<(), Error> {
    let except = parse_cidr(except_text)?;
    if !cidr.strictly_contains(&except) {
        return Err(invalid(
            format!("except `{except_text}` is not a strict subset of `{cidr_text}`"),
            "each `except` entry must be a smaller range inside the CIDR, of the same IP family",
        ));
    }
    Ok(())
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
        assert!(parse_cidr("10.0.0.0/33").unwrap_err().message.contains("longer than 32 bits"));
        assert!(parse_cidr("10.0.0.0").unwrap_err().message.contains("not a valid CIDR"));
        assert!(parse_cidr("10.0.0.0/+8").is_err());
        assert!(parse_cidr("010.0.0.0/08").unwrap_err().help.unwrap().contains("`10.0.0.0/8`"));
        let c = parse_cidr("10.0.0.0/8").unwrap();
        assert!(check_except("10.0.0.0/8", &c, "10.1.0.0/16").is_ok());
        assert!(check_except("10.0.0.0/8", &c, "10.0.0.0/8").is_err());
        assert!(check_except("10.0.0.0/8", &c, "11.0.0.0/16").is_err());
        assert!(check_except("10.0.0.0/8", &c, "::/64").is_err());
    }

    #[test]
    fn names() {
        assert!(check_label_key("app.kubernetes.io/name").is_ok());
        assert!(check_label_key("netfence.dev/intent").is_ok());
        assert!(check_label_key("/x").is_err());
        assert!(check_label_key("a/b/c").is_err());
        assert!(check_port_name("http").is_ok());
        assert!(check_port_name("dns-tcp").is_ok());
        assert!(check_port_name("8080").is_err());
        assert!(check_port_name("a--b").is_err());
        let e = check_target_name("Bad_Name").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidBuild);
        assert!(e.help.unwrap().ends_with("did you mean `bad-name`?"));
        assert!(check_namespace_name("shop").is_ok());
        assert!(check_label_value("app", "").is_ok());
        assert!(check_label_value("app", "x-").is_err());
    }
}
