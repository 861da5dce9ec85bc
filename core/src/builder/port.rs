//! Ports and protocols of an allowance.

use std::fmt;

use k8s_openapi::api::networking::v1::NetworkPolicyPort;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::syntax::{check_port_name, check_port_number};
use crate::error::{Error, ErrorCode};
use crate::model::Protocol;

/// A port number or a named container port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortValue {
    /// A number (checked to be 1–65535 when the policy is built).
    Number(i64),
    /// A container port name, resolved on the destination pods.
    Name(String),
}

/// One `ports` entry: a protocol with a port, a port range, a named port, or every port.
///
/// ```
/// use netfence::builder::Port;
/// use netfence::model::Protocol;
/// let https = Port::tcp(443);
/// let range = Port::tcp(30000).end_port(32767);
/// let dns = Port::udp(53);
/// let every_udp_port = Port::all(Protocol::Udp);
/// let named = Port::named("http");
/// assert_eq!(range.to_string(), "TCP/30000-32767");
/// # let _ = (https, dns, every_udp_port, named);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[must_use]
pub struct Port {
    protocol: Protocol,
    port: Option<PortValue>,
    end_port: Option<i64>,
}

impl Port {
    /// No ports given: the allowance covers every port of every protocol. Pass it where ports are
    /// expected, e.g. `allow_from(peer, Port::ALL)`.
    pub const ALL: [Port; 0] = [];

    /// A TCP port number.
    pub fn tcp(port: i64) -> Self {
        Self::number(Protocol::Tcp, port)
    }

    /// A UDP port number.
    pub fn udp(port: i64) -> Self {
        Self::number(Protocol::Udp, port)
    }

    /// An SCTP port number.
    pub fn sctp(port: i64) -> Self {
        Self::number(Protocol::Sctp, port)
    }

    /// A port number of `protocol`.
    pub fn number(protocol: Protocol, port: i64) -> Self {
        Self { protocol, port: Some(PortValue::Number(port)), end_port: None }
    }

    /// A named TCP container port; change the protocol with [`Port::protocol`].
    pub fn named(name: impl Into<String>) -> Self {
        Self { protocol: Protocol::Tcp, port: Some(PortValue::Name(name.into())), end_port: None }
    }

    /// Every port of `protocol`.
    pub fn all(protocol: Protocol) -> Self {
        Self { protocol, port: None, end_port: None }
    }

    /// Sets the protocol.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Makes a range from the port number to `end` (inclusive), written as `endPort`.
    pub fn end_port(mut self, end: i64) -> Self {
        self.end_port = Some(end);
        self
    }

    /// The protocol.
    #[must_use]
    pub fn get_protocol(&self) -> Protocol {
        self.protocol
    }

    /// The port, if any.
    #[must_use]
    pub fn get_port(&self) -> Option<&PortValue> {
        self.port.as_ref()
    }

    /// The end of the range, if any.
    #[must_use]
    pub fn get_end_port(&self) -> Option<i64> {
        self.end_port
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        match &self.port {
            Some(PortValue::Number(n)) => check_port_number(*n)?,
            Some(PortValue::Name(name)) => check_port_name(name)?,
            None => {}
        }
        if let Some(end) = self.end_port {
            let err = |message: String, help: &str| Error::new(ErrorCode::InvalidBuild, message).with_help(help);
            match &self.port {
                Some(PortValue::Number(start)) => {
                    check_port_number(end)?;
                    if end < *start {
                        return Err(err(
                            format!("end port `{end}` is lower than port `{start}`"),
                            "`endPort` must be greater than or equal to `port`",
                        ));
                    }
                }
                Some(PortValue::Name(name)) => {
                    return Err(err(
                        format!("end port `{end}` cannot follow the named port `{name}`"),
                        "a range needs a numeric `port`; use a number, or drop `endPort`",
                    ));
                }
                None => {
                    return Err(err(
                        format!("end port `{end}` has no start port"),
                        "set `port` to the first port of the range",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The Kubernetes form. Assumes [`Port::check`] passed.
    pub(crate) fn to_policy_port(&self) -> NetworkPolicyPort {
        NetworkPolicyPort {
            protocol: Some(self.protocol.as_str().to_owned()),
            port: self.port.as_ref().map(|p| match p {
                PortValue::Number(n) => IntOrString::Int(i32::try_from(*n).unwrap_or(0)),
                PortValue::Name(s) => IntOrString::String(s.clone()),
            }),
            end_port: self.end_port.map(|e| i32::try_from(e).unwrap_or(0)),
        }
    }
}

impl IntoIterator for Port {
    type Item = Port;
    type IntoIter = std::iter::Once<Port>;
    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(self)
    }
}

/// Renders as `TCP/443`, `TCP/8000-8080`, `TCP/http` or `UDP/*`.
impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.protocol.as_str();
        match (&self.port, self.end_port) {
            (Some(PortValue::Number(n)), Some(e)) => write!(f, "{p}/{n}-{e}"),
            (Some(PortValue::Number(n)), None) => write!(f, "{p}/{n}"),
            (Some(PortValue::Name(s)), _) => write!(f, "{p}/{s}"),
            (None, _) => write!(f, "{p}/*"),
        }
    }
}
