//! Requirement assertions (`apiVersion: netfence.dev/v1alpha1`, `kind: Requirements`): traffic
//! that must be allowed and traffic that must be denied, checked against the connectivity the
//! engine computes — the integration test of a set of policies.
//!
//! ```yaml
//! apiVersion: netfence.dev/v1alpha1
//! kind: Requirements
//! requirements:
//!   - name: frontend reaches the api on http
//!     from: shop/frontend[Deployment]
//!     to: {namespace: shop, podSelector: {matchLabels: {app: api}}}
//!     ports: [{port: http}]
//!     expect: allow
//!   - name: nothing outside the cluster reaches postgres
//!     from: 0.0.0.0/0
//!     to: data/postgres
//!     expect: deny
//! ```
//!
//! `from` and `to` are a workload or pod (`ns/name[Kind]`, `ns/name`, or a name unique in the
//! inputs), an IP address, range or CIDR, or a selector `{namespace | namespaceSelector,
//! podSelector}`. `ports` entries are `{protocol, port, endPort}` as in a NetworkPolicy (a named
//! port resolves on each destination); without `ports`, every port of every protocol.
//!
//! An `allow` requirement passes when every matched (source, destination) pair allows every
//! listed port; a `deny` requirement passes when no pair allows any of them. A side that
//! matches nothing fails the requirement (it would otherwise pass vacuously), and so does a
//! named port a destination lacks. Traffic of an endpoint to itself is not checked. Each
//! failure carries a counterexample with the engine's explanation.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::engine::{CompiledCluster, Endpoint, Explanation, IpRange, PortRanges, PortSet, Ports};
use crate::error::{Error, ErrorCode};
use crate::inventory::ResourceSet;
use crate::model::{IntentPort, IntentPortValue, IntentSelector, Operator, PeerSelector, Protocol};
use crate::source::document::{API_VERSION, DocumentFormat, ShapeError, at_pointer, locate, parse_netfence_document};
use crate::source::{Location, Node};

/// The requirements format's `apiVersion`.
pub const REQUIREMENTS_API_VERSION: &str = API_VERSION;
/// The requirements format's `kind`.
pub const REQUIREMENTS_KIND: &str = "Requirements";

/// The requirements format's version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RequirementsApiVersion {
    /// `netfence.dev/v1alpha1`
    #[default]
    #[serde(rename = "netfence.dev/v1alpha1")]
    V1alpha1,
}

/// The requirements format's kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum RequirementsKind {
    /// `Requirements`
    #[default]
    Requirements,
}

/// A list of traffic that must be allowed or denied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Requirements {
    /// Always `netfence.dev/v1alpha1`.
    pub api_version: RequirementsApiVersion,
    /// Always `Requirements`.
    pub kind: RequirementsKind,
    /// The requirements, checked in order.
    pub requirements: Vec<Requirement>,
}

/// One statement: traffic from `from` to `to` on `ports` must be allowed, or must be denied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Requirement {
    /// What the requirement says, shown in results; unique in the file.
    pub name: String,
    /// The sources.
    pub from: RequirementPeer,
    /// The destinations.
    pub to: RequirementPeer,
    /// The ports (any protocol: `{protocol: UDP}`; a range: `{port: 8000, endPort: 8100}`; a
    /// destination's named port: `{port: http}`). Left out or empty: every port of every
    /// protocol.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<IntentPort>,
    /// `allow`: every pair allows every port; `deny`: no pair allows any of them.
    pub expect: Expectation,
}

/// What a requirement expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Expectation {
    /// The traffic must be allowed.
    Allow,
    /// The traffic must be denied.
    Deny,
}

impl Expectation {
    /// `allow` or `deny`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
        }
    }
}

/// One side of a requirement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RequirementPeer {
    /// A workload or pod (`ns/name[Kind]`, `ns/name`, or a unique `name`), or external
    /// addresses (an IP address, a range `A-B`, or a CIDR).
    Name(String),
    /// Pods by namespace and labels.
    Selector(PeerSelector),
}

impl<'de> Deserialize<'de> for RequirementPeer {
    /// A string or a mapping, read directly: an error inside the selector is placed at its
    /// field (a derived untagged enum would also take a sequence as a selector, field by field,
    /// and could only say that nothing matched).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RequirementPeer;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a workload, an address or a selector")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RequirementPeer, E> {
                Ok(RequirementPeer::Name(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RequirementPeer, A::Error> {
                PeerSelector::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RequirementPeer::Selector)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, _: A) -> Result<RequirementPeer, A::Error> {
                Err(A::Error::custom(PEER_SHAPE))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<RequirementPeer, E> {
                Err(E::custom(PEER_SHAPE))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<RequirementPeer, E> {
                Err(E::custom(PEER_SHAPE))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<RequirementPeer, E> {
                Err(E::custom(PEER_SHAPE))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<RequirementPeer, E> {
                Err(E::custom(PEER_SHAPE))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<RequirementPeer, E> {
                Err(E::custom(PEER_SHAPE))
            }
        }
        deserializer.deserialize_any(V)
    }
}

const PEER_SHAPE: &str = "expected a workload (`ns/name[Kind]` or `ns/name`), an IP address or CIDR, or a \
                          selector `{namespace | namespaceSelector, podSelector}`";

/// The JSON Schema of the requirements format.
#[must_use]
pub fn requirements_schema() -> serde_json::Value {
    schemars::schema_for!(Requirements).to_value()
}

/// Requirements read from a file, with the tree that locates each statement.
#[derive(Clone, Debug)]
pub struct RequirementsFile {
    /// The requirements.
    pub requirements: Requirements,
    file: String,
    root: Node,
}

impl RequirementsFile {
    /// Where `pointer` (e.g. `/requirements/0/from`) is in the file.
    #[must_use]
    pub fn locate(&self, pointer: &str) -> Location {
        locate(&self.file, &self.root, pointer)
    }
}

/// The requirements format in messages.
const REQUIREMENTS_FORMAT: DocumentFormat = DocumentFormat {
    kind: REQUIREMENTS_KIND,
    code: ErrorCode::InvalidRequirements,
    noun: "requirements",
    subject: "the requirements document",
    one_document: "requirements are one",
    one_document_help: "put every requirement in one `requirements` list",
    mapping_help: "start the document",
};

fn invalid(message: String, help: impl Into<String>, location: Location) -> Error {
    REQUIREMENTS_FORMAT.error(message, help, location)
}

/// Parses a requirements file (YAML or JSON, one document) and checks what the schema cannot:
/// unique names, one of `namespace` and `namespaceSelector`, port numbers and ranges.
///
/// # Errors
/// `NF-E013` ([`ErrorCode::InvalidRequirements`]) for a wrong `apiVersion` or `kind`, unknown or
/// missing fields, values of the wrong type and invalid statements, located at the field; the
/// parser's codes for text that is not YAML.
pub fn parse_requirements(text: &str, file: &str) -> Result<RequirementsFile, Error> {
    let (requirements, root) = parse_netfence_document(text, file, &REQUIREMENTS_FORMAT, shape_error)?;
    let located = RequirementsFile { requirements, file: file.to_owned(), root };
    check_statements(&located)?;
    Ok(located)
}

fn shape_error(shape: ShapeError) -> Error {
    let place = at_pointer(&shape.pointer);
    let (message, help) = if shape.message.starts_with(PEER_SHAPE) {
        (format!("invalid requirement peer{place}"), PEER_SHAPE.replacen("expected", "give", 1))
    } else {
        (
            format!("invalid requirements{place}: {}", shape.message),
            "check the field against the requirements schema".to_owned(),
        )
    };
    invalid(message, help, shape.location)
}

fn check_statements(file: &RequirementsFile) -> Result<(), Error> {
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, requirement) in file.requirements.requirements.iter().enumerate() {
        let at = |field: &str| file.locate(&format!("/requirements/{i}{field}"));
        if requirement.name.trim().is_empty() {
            return Err(invalid(
                "a requirement has an empty `name`".to_owned(),
                "say what the requirement is",
                at("/name"),
            ));
        }
        if let Some(first) = names.insert(&requirement.name, i) {
            return Err(invalid(
                format!("requirement name `{}` is used twice", requirement.name),
                format!("first used by requirement {first}; give each requirement its own name"),
                at("/name"),
            ));
        }
        for (field, peer) in [("from", &requirement.from), ("to", &requirement.to)] {
            if let RequirementPeer::Selector(selector) = peer
                && selector.namespace.is_some() == selector.namespace_selector.is_some()
            {
                return Err(invalid(
                    format!("`{field}` needs exactly one of `namespace` and `namespaceSelector`"),
                    "name the namespace, or select namespaces by labels (`namespaceSelector: {}` for all)",
                    at(&format!("/{field}")),
                ));
            }
        }
        for (j, port) in requirement.ports.iter().enumerate() {
            let at = at(&format!("/ports/{j}"));
            let in_range = |n: i64| (1..=65535).contains(&n);
            match (&port.port, port.end_port) {
                (Some(IntentPortValue::Number(n)), _) if !in_range(*n) => {
                    return Err(invalid(
                        format!("port `{n}` is out of range"),
                        "ports are numbers from 1 to 65535",
                        at,
                    ));
                }
                (Some(IntentPortValue::Number(n)), Some(end)) if !in_range(end) || end < *n => {
                    return Err(invalid(
                        format!("`endPort` `{end}` is not a port from `{n}` to 65535"),
                        "`endPort` ends a range that starts at `port`",
                        at,
                    ));
                }
                (Some(IntentPortValue::Name(_)) | None, Some(_)) => {
                    return Err(invalid(
                        "`endPort` needs a numeric `port`".to_owned(),
                        "give the first port of the range as a number",
                        at,
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A (source, destination) pair that breaks a requirement, with the ports that break it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Counterexample {
    /// Source endpoint or external range.
    pub src: String,
    /// Destination endpoint or external range.
    pub dst: String,
    /// For `allow`: the listed ports that are denied; for `deny`: the listed ports that are
    /// allowed.
    pub ports: Ports,
    /// Why the first of those ports is allowed or denied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
}

/// The result of one requirement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequirementResult {
    /// The requirement's name.
    pub name: String,
    /// What it expects.
    pub expect: Expectation,
    /// Whether it holds.
    pub passed: bool,
    /// What was found, in one line.
    pub message: String,
    /// What to do about a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Where the requirement is (or the field a failure is about).
    pub location: Location,
    /// The sources `from` matched.
    pub sources: Vec<String>,
    /// The destinations `to` matched.
    pub destinations: Vec<String>,
    /// How many (source, destination) pairs were checked.
    pub pairs: usize,
    /// How many of them break the requirement.
    pub failing_pairs: usize,
    /// The first pair that breaks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<Counterexample>,
    /// In a review with a base, for a failing requirement: `true` when it holds on the base
    /// (the change breaks it), `false` when it fails there too. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<bool>,
}

/// Something a requirement side resolved to.
#[derive(Clone, Debug)]
enum Target<'a> {
    Cluster(&'a Endpoint),
    External(IpRange),
}

impl Target<'_> {
    fn name(&self) -> String {
        match self {
            Self::Cluster(e) => e.name.clone(),
            Self::External(r) => r.to_string(),
        }
    }
}

/// A failure found before any pair is checked.
struct Problem {
    message: String,
    help: Option<String>,
    pointer: String,
}

/// Checks every requirement against a compiled cluster. `resources` are the inputs the cluster
/// was compiled from (for namespace labels).
#[must_use]
pub fn check(cluster: &CompiledCluster, resources: &ResourceSet, file: &RequirementsFile) -> Vec<RequirementResult> {
    let externals: Vec<IpRange> = cluster.external_ranges().iter().filter_map(|r| IpRange::parse(&r.name)).collect();
    let context = Context { cluster, resources, externals };
    file.requirements
        .requirements
        .iter()
        .enumerate()
        .map(|(i, requirement)| {
            let pointer = format!("/requirements/{i}");
            context
                .evaluate(requirement)
                .unwrap_or_else(|problem| RequirementResult {
                    name: requirement.name.clone(),
                    expect: requirement.expect,
                    passed: false,
                    message: problem.message,
                    help: problem.help,
                    location: file.locate(&format!("{pointer}{}", problem.pointer)),
                    sources: Vec::new(),
                    destinations: Vec::new(),
                    pairs: 0,
                    failing_pairs: 0,
                    counterexample: None,
                    new: None,
                })
                .located(file.locate(&pointer))
        })
        .collect()
}

impl RequirementResult {
    /// Fills in the requirement's location unless a failure already points at a field.
    fn located(mut self, location: Location) -> Self {
        if self.location.file.is_empty() {
            self.location = location;
        }
        self
    }
}

struct Context<'a> {
    cluster: &'a CompiledCluster,
    resources: &'a ResourceSet,
    /// The external address space cut at every ipBlock boundary.
    externals: Vec<IpRange>,
}

impl<'a> Context<'a> {
    fn evaluate(&self, requirement: &Requirement) -> Result<RequirementResult, Problem> {
        let sources = self.targets(&requirement.from, "/from")?;
        let destinations = self.targets(&requirement.to, "/to")?;
        let mut pairs = 0;
        let mut failing = 0;
        let mut counterexample: Option<(String, String, PortSet)> = None;
        for src in &sources {
            for dst in &destinations {
                let (src_name, dst_name) = (src.name(), dst.name());
                if src_name == dst_name {
                    continue;
                }
                if matches!((src, dst), (Target::External(_), Target::External(_))) {
                    return Err(Problem {
                        message: format!("`{src_name}` and `{dst_name}` are both external: policies only govern pods"),
                        help: Some("name a workload, pod or selector on one side".to_owned()),
                        pointer: String::new(),
                    });
                }
                let wanted = wanted_ports(&requirement.ports, dst)?;
                let allowed = self
                    .cluster
                    .connection(&src_name, &dst_name)
                    .map(|c| PortSet::from_ports(&c.allowed))
                    .map_err(|e| Problem { message: e.message, help: e.help, pointer: String::new() })?;
                let offending = match requirement.expect {
                    Expectation::Allow => wanted.difference(&allowed),
                    Expectation::Deny => wanted.intersection(&allowed),
                };
                pairs += 1;
                if !offending.is_empty() {
                    failing += 1;
                    if counterexample.is_none() {
                        counterexample = Some((src_name, dst_name, offending));
                    }
                }
            }
        }
        let source_names: Vec<String> = sources.iter().map(Target::name).collect();
        let destination_names: Vec<String> = destinations.iter().map(Target::name).collect();
        if pairs == 0 {
            return Err(Problem {
                message: "no pair to check: `from` and `to` match only the same endpoint".to_owned(),
                help: Some("traffic of an endpoint to itself is not checked; name two different sides".to_owned()),
                pointer: String::new(),
            });
        }
        let ports = ports_text(&requirement.ports);
        let (message, help) = match (&counterexample, requirement.expect) {
            (None, Expectation::Allow) => (format!("{}, all allow {ports}", pairs_text(pairs)), None),
            (None, Expectation::Deny) => (format!("{}, none allows {ports}", pairs_text(pairs)), None),
            (Some((src, dst, bad)), Expectation::Allow) => (
                format!("`{src}` cannot reach `{dst}` on {} ({failing} of {pairs} pairs fail)", bad),
                Some("add an allowance on both sides: egress of the source and ingress of the destination".to_owned()),
            ),
            (Some((src, dst, bad)), Expectation::Deny) => (
                format!("`{src}` can reach `{dst}` on {bad} ({failing} of {pairs} pairs fail)"),
                Some(
                    "see the explanation for the rules that allow it; isolate the destination or narrow them"
                        .to_owned(),
                ),
            ),
        };
        let counterexample = counterexample.map(|(src, dst, bad)| {
            let explanation = first_port(&bad)
                .and_then(|(protocol, port)| self.cluster.explain(&src, &dst, Some(port), Some(protocol)).ok());
            Counterexample { src, dst, ports: bad.to_ports(), explanation }
        });
        Ok(RequirementResult {
            name: requirement.name.clone(),
            expect: requirement.expect,
            passed: counterexample.is_none(),
            message,
            help,
            location: Location::default(),
            sources: source_names,
            destinations: destination_names,
            pairs,
            failing_pairs: failing,
            counterexample,
            new: None,
        })
    }

    /// What one side matches: endpoints, or the cut external ranges inside an address range.
    fn targets(&self, peer: &RequirementPeer, field: &str) -> Result<Vec<Target<'a>>, Problem> {
        let side = if field == "/from" { "source" } else { "destination" };
        match peer {
            RequirementPeer::Name(name) => {
                if let Some(range) = IpRange::parse(name) {
                    let pieces: Vec<Target<'a>> =
                        self.externals.iter().filter_map(|atom| clip(*atom, range)).map(Target::External).collect();
                    if pieces.is_empty() {
                        return Err(Problem {
                            message: format!("the {side} `{name}` is outside the analyzed address space"),
                            help: Some(
                                "IPv6 addresses are analyzed only when some ipBlock in the inputs is IPv6".to_owned(),
                            ),
                            pointer: field.to_owned(),
                        });
                    }
                    return Ok(pieces);
                }
                // names resolve as `explain` resolves them (with its "did you mean" help)
                let resolved = self.cluster.connection(name, "0.0.0.0").map_err(|e| Problem {
                    message: e.message,
                    help: e.help,
                    pointer: field.to_owned(),
                })?;
                let endpoint = self.cluster.endpoints().find(|e| e.name == resolved.src).ok_or_else(|| Problem {
                    message: format!("the {side} `{name}` is not a workload or pod"),
                    help: None,
                    pointer: field.to_owned(),
                })?;
                Ok(vec![Target::Cluster(endpoint)])
            }
            RequirementPeer::Selector(selector) => {
                let namespaces: Vec<String> = match (&selector.namespace, &selector.namespace_selector) {
                    (Some(name), _) => vec![name.clone()],
                    (None, Some(s)) => self
                        .resources
                        .namespace_names()
                        .into_iter()
                        .filter(|n| selector_matches(s, &self.resources.namespace_labels(n)))
                        .collect(),
                    (None, None) => Vec::new(),
                };
                let matched: Vec<Target<'a>> = self
                    .cluster
                    .endpoints()
                    .filter(|e| namespaces.contains(&e.namespace))
                    .filter(|e| selector.pod_selector.as_ref().is_none_or(|s| selector_matches(s, &e.labels)))
                    .map(Target::Cluster)
                    .collect();
                if matched.is_empty() {
                    let place = match (&selector.namespace, namespaces.len()) {
                        (Some(name), _) => format!("in namespace `{name}`"),
                        (None, 0) => "because `namespaceSelector` matches no namespace".to_owned(),
                        (None, n) => format!("in the {n} namespaces `namespaceSelector` matches"),
                    };
                    return Err(Problem {
                        message: format!("the {side} selector matches no workload or pod {place}"),
                        help: Some(
                            "check the labels against the inputs; a requirement on nothing would pass vacuously"
                                .to_owned(),
                        ),
                        pointer: field.to_owned(),
                    });
                }
                Ok(matched)
            }
        }
    }
}

/// `atom ∩ range`, when they overlap.
fn clip(atom: IpRange, range: IpRange) -> Option<IpRange> {
    match (atom, range) {
        (IpRange::V4(a, b), IpRange::V4(c, d)) if a <= d && c <= b => Some(IpRange::V4(a.max(c), b.min(d))),
        (IpRange::V6(a, b), IpRange::V6(c, d)) if a <= d && c <= b => Some(IpRange::V6(a.max(c), b.min(d))),
        _ => None,
    }
}

/// Whether a label selector matches `labels`: `matchLabels` and `matchExpressions` ANDed;
/// `NotIn` and `DoesNotExist` match objects that lack the key.
fn selector_matches(selector: &IntentSelector, labels: &BTreeMap<String, String>) -> bool {
    selector.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
        && selector.match_expressions.iter().all(|e| {
            let value = labels.get(&e.key);
            match e.operator {
                Operator::In => value.is_some_and(|v| e.values.contains(v)),
                Operator::NotIn => value.is_none_or(|v| !e.values.contains(v)),
                Operator::Exists => value.is_some(),
                Operator::DoesNotExist => value.is_none(),
            }
        })
}

fn protocol_of(port: &IntentPort) -> Protocol {
    port.protocol.unwrap_or_default()
}

/// The ports a requirement names, resolved on the destination (named ports).
fn wanted_ports(ports: &[IntentPort], dst: &Target<'_>) -> Result<PortSet, Problem> {
    if ports.is_empty() {
        return Ok(PortSet::all());
    }
    let mut set = PortSet::empty();
    for (j, port) in ports.iter().enumerate() {
        let protocol = protocol_of(port);
        let ranges = match &port.port {
            None => PortRanges::range(1, u16::MAX),
            Some(IntentPortValue::Number(n)) => {
                let from = u16::try_from(*n).unwrap_or(u16::MAX);
                let to = port.end_port.map_or(from, |e| u16::try_from(e).unwrap_or(u16::MAX));
                PortRanges::range(from, to)
            }
            Some(IntentPortValue::Name(name)) => {
                let number = match dst {
                    Target::Cluster(e) => {
                        e.named_ports.iter().find(|p| p.name == *name && p.protocol == protocol).map(|p| p.port)
                    }
                    Target::External(_) => None,
                };
                let Some(number) = number else {
                    return Err(Problem {
                        message: format!("the destination `{}` has no {protocol} port named `{name}`", dst.name()),
                        help: Some("use a port number, or a name the destination's containers declare".to_owned()),
                        pointer: format!("/ports/{j}"),
                    });
                };
                PortRanges::range(number, number)
            }
        };
        set.add(protocol, &ranges);
    }
    Ok(set)
}

/// The first port of a set, by protocol name and port.
fn first_port(set: &PortSet) -> Option<(Protocol, u16)> {
    Protocol::ALL.into_iter().find_map(|p| set.get(p).ranges().first().map(|&(from, _)| (p, from)))
}

fn pairs_text(pairs: usize) -> String {
    if pairs == 1 { "1 pair checked".to_owned() } else { format!("{pairs} pairs checked") }
}

/// The ports as written in the requirement (`TCP http, UDP 53`), or `every port`.
fn ports_text(ports: &[IntentPort]) -> String {
    if ports.is_empty() {
        return "every port".to_owned();
    }
    ports
        .iter()
        .map(|p| {
            let protocol = protocol_of(p);
            match (&p.port, p.end_port) {
                (None, _) => format!("every {protocol} port"),
                (Some(IntentPortValue::Number(n)), Some(e)) => format!("{protocol} {n}-{e}"),
                (Some(IntentPortValue::Number(n)), None) => format!("{protocol} {n}"),
                (Some(IntentPortValue::Name(name)), _) => format!("{protocol} {name}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::IntentExpression;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn expression(key: &str, operator: Operator, values: &[&str]) -> IntentSelector {
        IntentSelector {
            match_labels: BTreeMap::new(),
            match_expressions: vec![IntentExpression {
                key: key.to_owned(),
                operator,
                values: values.iter().map(|v| (*v).to_owned()).collect(),
            }],
        }
    }

    #[test]
    fn selectors_follow_kubernetes_semantics() {
        let web = labels(&[("app", "web"), ("tier", "front")]);
        let bare = labels(&[]);
        assert!(selector_matches(&IntentSelector::default(), &bare));
        let by_label = IntentSelector { match_labels: labels(&[("app", "web")]), ..IntentSelector::default() };
        assert!(selector_matches(&by_label, &web) && !selector_matches(&by_label, &bare));
        assert!(selector_matches(&expression("app", Operator::In, &["web", "api"]), &web));
        assert!(!selector_matches(&expression("app", Operator::In, &["api"]), &web));
        // NotIn and DoesNotExist match objects that lack the key
        assert!(selector_matches(&expression("app", Operator::NotIn, &["api"]), &bare));
        assert!(!selector_matches(&expression("app", Operator::NotIn, &["web"]), &web));
        assert!(selector_matches(&expression("tier", Operator::Exists, &[]), &web));
        assert!(selector_matches(&expression("tier", Operator::DoesNotExist, &[]), &bare));
        assert!(!selector_matches(&expression("tier", Operator::DoesNotExist, &[]), &web));
    }

    #[test]
    fn clipping_external_ranges() {
        assert_eq!(clip(IpRange::V4(0, 99), IpRange::V4(50, 200)), Some(IpRange::V4(50, 99)));
        assert_eq!(clip(IpRange::V4(0, 9), IpRange::V4(10, 20)), None);
        assert_eq!(clip(IpRange::V4(0, 9), IpRange::V6(0, 20)), None);
    }

    #[test]
    fn requested_ports() {
        let port = |protocol, port: Option<IntentPortValue>, end_port| IntentPort { protocol, port, end_port };
        let external = Target::External(IpRange::V4(0, 0));
        assert!(wanted_ports(&[], &external).ok().unwrap().is_all());
        let set = wanted_ports(
            &[
                port(None, Some(IntentPortValue::Number(8000)), Some(8100)),
                port(Some(crate::model::Protocol::Udp), None, None),
            ],
            &external,
        )
        .ok()
        .unwrap();
        assert_eq!(set.get(Protocol::Tcp).ranges(), &[(8000, 8100)]);
        assert!(set.get(Protocol::Udp).contains(53));
        let named = [port(None, Some(IntentPortValue::Name("http".to_owned())), None)];
        assert!(wanted_ports(&named, &external).is_err());
        assert_eq!(ports_text(&named), "TCP http");
    }
}
