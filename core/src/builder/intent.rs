//! The declarative intent format (`apiVersion: netfence.dev/v1alpha1`, `kind: Intent`): the
//! same model as the builder, as a YAML or JSON document.
//!
//! ```yaml
//! apiVersion: netfence.dev/v1alpha1
//! kind: Intent
//! namespaces:
//!   - name: shop
//!     defaultDeny: Both
//!     allowDns: true
//!     workloads:
//!       - name: api
//!         ingress:
//!           - from: [{pods: {matchLabels: {app: frontend}}}]
//!             ports: [{port: 8080}]
//!         egress:
//!           - to: [{podsInNamespace: {namespace: data, podSelector: {matchLabels: {app: postgres}}}}]
//!             ports: [{port: postgres}]
//! ```

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::compile::check_options;
use super::syntax::{check_label_key, check_label_value, check_namespace_name, check_target_name};
use super::{
    BuildOutput, ClusterDns, Direction, Expression, IngressController, NamespaceBuilder, Peer, PolicyBuilder, Port,
    Selector, WorkloadBuilder,
};
use crate::error::{Error, ErrorCode};
use crate::inventory::NAMESPACE_NAME_LABEL;
use crate::model::{IntentPort, IntentPortValue, IntentSelector, PeerSelector};
use crate::source::document::{API_VERSION, DocumentFormat, ShapeError, at_pointer, parse_netfence_document};
use crate::source::{Location, Node, escape_pointer};

/// The intent format's `apiVersion`.
pub const INTENT_API_VERSION: &str = API_VERSION;
/// The intent format's `kind`.
pub const INTENT_KIND: &str = "Intent";

/// The intent format's version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum IntentApiVersion {
    /// `netfence.dev/v1alpha1`
    #[default]
    #[serde(rename = "netfence.dev/v1alpha1")]
    V1alpha1,
}

/// The intent format's kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum IntentKind {
    /// `Intent`
    #[default]
    Intent,
}

/// What NetworkPolicies a set of namespaces should have: default deny plus allowances.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Intent {
    /// Always `netfence.dev/v1alpha1`.
    pub api_version: IntentApiVersion,
    /// Always `Intent`.
    pub kind: IntentKind,
    /// Labels added to every generated policy (besides `app.kubernetes.io/managed-by: netfence`),
    /// e.g. to select them for `kubectl apply --prune`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Where cluster DNS runs, for `allowDns`. Default: pods `k8s-app=kube-dns` in namespace
    /// `kube-system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<IntentDns>,
    /// Where the ingress controller runs, for `ingressController` peers. Default: pods
    /// `app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller` in namespace
    /// `ingress-nginx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_controller: Option<IntentIngressController>,
    /// The namespaces to make policies for, each listed once.
    #[serde(default)]
    pub namespaces: Vec<IntentNamespace>,
    /// Cluster guardrails: cluster-scoped policies (ClusterNetworkPolicy, or AdminNetworkPolicy
    /// and BaselineAdminNetworkPolicy) above and below the namespaces' policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_guardrails: Option<super::IntentGuardrails>,
}

/// Where cluster DNS runs. Fields left out keep their defaults.
pub type IntentDns = PeerSelector;

/// Where an ingress controller runs. Fields left out keep their defaults (ingress-nginx).
pub type IntentIngressController = PeerSelector;

/// The policies of one namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentNamespace {
    /// The namespace's name.
    pub name: String,
    /// Deny `Ingress`, `Egress` or `Both` for every pod unless allowed. Left out: no default
    /// deny.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_deny: Option<Direction>,
    /// Allow every pod egress to cluster DNS on UDP and TCP 53 (needs `defaultDeny` with
    /// egress).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_dns: bool,
    /// Allow traffic between the namespace's pods in the directions denied by default (needs
    /// `defaultDeny`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_same_namespace: bool,
    /// Allowances per workload, each workload listed once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workloads: Vec<IntentWorkload>,
}

/// The allowances of one workload (a set of pods).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentWorkload {
    /// The workload's name: names its policies `<name>-ingress` and `<name>-egress`.
    pub name: String,
    /// The workload's pods. Default: `matchLabels: {app: <name>}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<IntentSelector>,
    /// Traffic allowed to the workload, one rule per entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<IntentIngress>,
    /// Traffic allowed from the workload, one rule per entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<IntentEgress>,
}

/// One ingress allowance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentIngress {
    /// Who may connect (any of these); at least one. Use `anywhere: {}` for every peer.
    pub from: Vec<IntentPeer>,
    /// On which ports (any of these). Left out or empty: every port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<IntentPort>,
}

/// One egress allowance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentEgress {
    /// Whom the workload may reach (any of these); at least one. Use `anywhere: {}` for every
    /// peer.
    pub to: Vec<IntentPeer>,
    /// On which ports (any of these). Left out or empty: every port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<IntentPort>,
}

/// The other side of an allowance: exactly one of these keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum IntentPeer {
    /// Every peer: pods anywhere and every external address (`anywhere: {}`).
    Anywhere {},
    /// Pods of the workload's own namespace matching this selector.
    Pods(IntentSelector),
    /// All pods of the namespace with this name.
    Namespace(String),
    /// All pods of the namespaces matching this selector.
    NamespaceSelector(IntentSelector),
    /// Pods matching `podSelector` in a namespace given by name or selector.
    PodsInNamespace(IntentPodsInNamespace),
    /// Addresses in a CIDR, minus `except` ranges.
    IpBlock(IntentIpBlock),
    /// The ingress controller; `{}` means the one configured at the top level.
    IngressController(IntentIngressController),
}

/// Pods in a namespace given by name or by labels.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentPodsInNamespace {
    /// The namespace by name; give this or `namespaceSelector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The namespaces by labels; give this or `namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<IntentSelector>,
    /// The pods in those namespaces.
    pub pod_selector: IntentSelector,
}

/// A CIDR and the ranges inside it to leave out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntentIpBlock {
    /// The CIDR, e.g. `203.0.113.0/24`.
    pub cidr: String,
    /// Smaller CIDRs inside `cidr` that are not included.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

/// The JSON Schema of the intent format (JSON Schema 2020-12, from the Rust types).
#[must_use]
pub fn intent_schema() -> serde_json::Value {
    schemars::schema_for!(Intent).to_value()
}

/// The intent format in messages.
const INTENT_FORMAT: DocumentFormat = DocumentFormat {
    kind: INTENT_KIND,
    code: ErrorCode::InvalidIntent,
    noun: "intent",
    subject: "the intent",
    one_document: "an intent is one",
    one_document_help: "put all namespaces in one intent document",
    mapping_help: "an intent is a mapping",
};

/// Parses intent text (YAML or JSON, one document).
///
/// # Errors
/// `NF-E010` ([`ErrorCode::InvalidIntent`]) for a wrong `apiVersion` or `kind`, unknown or
/// missing fields and values of the wrong type, located at the field; the parser's codes
/// (`NF-E002` syntax, `NF-E003` budgets, ...) for text that is not YAML.
pub fn parse_intent(text: &str, file: &str) -> Result<Intent, Error> {
    parse_located(text, file).map(|(intent, _)| intent)
}

fn parse_located(text: &str, file: &str) -> Result<(Intent, Node), Error> {
    parse_netfence_document(text, file, &INTENT_FORMAT, shape_error)
}

fn shape_error(shape: ShapeError) -> Error {
    let Some(unknown) = &shape.unknown else {
        return INTENT_FORMAT.error(
            format!("invalid intent{}: {}", at_pointer(&shape.pointer), shape.message),
            "check the field against the intent schema (`netfence::builder::intent_schema`)",
            shape.location,
        );
    };
    let expected = backticked_after(&shape.message, "expected");
    let what = if shape.message.starts_with("unknown variant") { "peer kind" } else { "field" };
    let list = expected.iter().map(|x| format!("`{x}`")).collect::<Vec<_>>().join(", ");
    let help = match closest(&unknown.name, &expected) {
        Some(best) => format!("did you mean `{best}`?"),
        None if list.is_empty() => "remove it".to_owned(),
        None => format!("expected one of {list}"),
    };
    INTENT_FORMAT.error(
        format!("unknown intent {what} `{}`{}", unknown.name, at_pointer(&unknown.parent)),
        help,
        shape.location,
    )
}

/// The backticked words after `marker` in a serde message.
fn backticked_after(message: &str, marker: &str) -> Vec<String> {
    let Some((_, rest)) = message.split_once(marker) else {
        return Vec::new();
    };
    rest.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

fn closest(name: &str, candidates: &[String]) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = row.get(j).copied().unwrap_or(0) + 1;
            row.push(sub.min(del).min(ins));
        }
        prev = row;
    }
    prev.last().copied().unwrap_or(0)
}

/// Parses and builds intent text; errors found while building point at the intent's lines.
///
/// # Errors
/// As [`parse_intent`] and [`build_intent`].
pub fn build_intent_text(text: &str, file: &str) -> Result<BuildOutput, Error> {
    build_intent_text_as(text, file, None)
}

/// [`build_intent_text`], the cluster guardrails emitted in `api_version` when given (whatever
/// the intent's `clusterGuardrails.apiVersion` says).
///
/// # Errors
/// As [`parse_intent`] and [`build_intent`].
pub fn build_intent_text_as(
    text: &str,
    file: &str,
    api_version: Option<super::GuardrailApiVersion>,
) -> Result<BuildOutput, Error> {
    let (mut intent, root) = parse_located(text, file)?;
    if let (Some(version), Some(guardrails)) = (api_version, intent.cluster_guardrails.as_mut()) {
        guardrails.api_version = version;
    }
    build_intent(&intent).map_err(|mut e| {
        if let Some(loc) = &e.location
            && loc.file.is_empty()
        {
            let pointer = loc.pointer.clone();
            let (node, complete) = root.resolve(&pointer);
            let last = pointer.rsplit('/').next().unwrap_or("").replace("~1", "/").replace("~0", "~");
            let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
            let key = root.resolve(parent).0.key(&last).filter(|_| complete);
            let (line, column) = key.map_or((node.line, node.column), |k| (k.line, k.column));
            e.location = Some(Location { file: file.to_owned(), line, column, pointer });
        }
        e
    })
}

/// An error about the intent at `pointer` (file and line filled in by [`build_intent_text`]).
fn at(mut error: Error, pointer: &str) -> Error {
    if error.location.is_none() {
        error.code = ErrorCode::InvalidIntent;
        error.location = Some(Location { file: String::new(), line: 0, column: 0, pointer: pointer.to_owned() });
    }
    error
}

fn invalid(message: String, help: &str, pointer: &str) -> Error {
    at(Error::new(ErrorCode::InvalidIntent, message).with_help(help), pointer)
}

fn selector(s: &IntentSelector, pointer: &str) -> Result<Selector, Error> {
    let mut out = Selector::new();
    for (k, v) in &s.match_labels {
        out = out.label(k.clone(), v.clone());
    }
    for e in &s.match_expressions {
        out = out.expression(Expression { key: e.key.clone(), operator: e.operator, values: e.values.clone() });
    }
    out.check().map_err(|e| at(e, pointer))?;
    Ok(out)
}

/// A namespace given by name or by selector; `None` when neither is given.
fn namespace_selector(
    name: Option<&String>,
    labels: Option<&IntentSelector>,
    pointer: &str,
) -> Result<Option<Selector>, Error> {
    match (name, labels) {
        (Some(_), Some(_)) => Err(invalid(
            "both `namespace` and `namespaceSelector` are given".to_owned(),
            "give the namespace by name or by labels, not both",
            pointer,
        )),
        (Some(n), None) => {
            check_namespace_name(n).map_err(|e| at(e, &format!("{pointer}/namespace")))?;
            Ok(Some(Selector::with_label(NAMESPACE_NAME_LABEL, n.clone())))
        }
        (None, Some(s)) => selector(s, &format!("{pointer}/namespaceSelector")).map(Some),
        (None, None) => Ok(None),
    }
}

fn ingress_controller(c: &IntentIngressController, pointer: &str) -> Result<IngressController, Error> {
    let mut out = IngressController::default();
    if let Some(ns) = namespace_selector(c.namespace.as_ref(), c.namespace_selector.as_ref(), pointer)? {
        out = out.namespace_selector(ns);
    }
    if let Some(pods) = &c.pod_selector {
        out = out.pods(selector(pods, &format!("{pointer}/podSelector"))?);
    }
    Ok(out)
}

fn peer(p: &IntentPeer, pointer: &str) -> Result<Peer, Error> {
    let out = match p {
        IntentPeer::Anywhere {} => Peer::anywhere(),
        IntentPeer::Pods(s) => Peer::pods(selector(s, &format!("{pointer}/pods"))?),
        IntentPeer::Namespace(n) => Peer::namespace(n.clone()),
        IntentPeer::NamespaceSelector(s) => Peer::namespaces(selector(s, &format!("{pointer}/namespaceSelector"))?),
        IntentPeer::PodsInNamespace(p) => {
            let here = format!("{pointer}/podsInNamespace");
            let pods = selector(&p.pod_selector, &format!("{here}/podSelector"))?;
            match (&p.namespace, namespace_selector(p.namespace.as_ref(), p.namespace_selector.as_ref(), &here)?) {
                (Some(name), _) => Peer::pods_in_namespace(name.clone(), pods),
                (None, Some(ns)) => Peer::pods_in_namespaces(ns, pods),
                (None, None) => {
                    return Err(invalid(
                        "`podsInNamespace` needs `namespace` or `namespaceSelector`".to_owned(),
                        "name the namespace, or select namespaces by labels; for pods of the same namespace use `pods`",
                        &here,
                    ));
                }
            }
        }
        IntentPeer::IpBlock(b) => {
            let here = format!("{pointer}/ipBlock");
            let mut peer = Peer::cidr(b.cidr.clone());
            peer.check().map_err(|e| at(e, &format!("{here}/cidr")))?;
            for (i, e) in b.except.iter().enumerate() {
                peer = peer.except(e.clone());
                peer.check().map_err(|err| at(err, &format!("{here}/except/{i}")))?;
            }
            peer
        }
        IntentPeer::IngressController(c) => {
            if *c == IntentIngressController::default() {
                Peer::ingress_controller()
            } else {
                Peer::ingress_controller_at(ingress_controller(c, &format!("{pointer}/ingressController"))?)
            }
        }
    };
    out.check().map_err(|e| at(e, pointer))?;
    Ok(out)
}

fn port(p: &IntentPort, pointer: &str) -> Result<Port, Error> {
    let protocol = p.protocol.unwrap_or_default();
    let mut out = match &p.port {
        Some(IntentPortValue::Number(n)) => Port::number(protocol, *n),
        Some(IntentPortValue::Name(name)) => Port::named(name.clone()).protocol(protocol),
        None => Port::all(protocol),
    };
    out.check().map_err(|e| at(e, &format!("{pointer}/port")))?;
    if let Some(end) = p.end_port {
        out = out.end_port(end);
        out.check().map_err(|e| at(e, &format!("{pointer}/endPort")))?;
    }
    Ok(out)
}

fn allowance(
    peers: &[IntentPeer],
    ports: &[IntentPort],
    pointer: &str,
    peers_field: &str,
) -> Result<(Vec<Peer>, Vec<Port>), Error> {
    if peers.is_empty() {
        return Err(invalid(
            format!("`{peers_field}` is empty"),
            "name at least one peer; to allow every peer use `anywhere: {}`",
            &format!("{pointer}/{peers_field}"),
        ));
    }
    let peers = peers
        .iter()
        .enumerate()
        .map(|(i, p)| peer(p, &format!("{pointer}/{peers_field}/{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let ports = ports
        .iter()
        .enumerate()
        .map(|(i, p)| port(p, &format!("{pointer}/ports/{i}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((peers, ports))
}

fn workload(w: &IntentWorkload, pointer: &str) -> Result<WorkloadBuilder, Error> {
    check_target_name(&w.name).map_err(|e| at(e, &format!("{pointer}/name")))?;
    let mut out = WorkloadBuilder::new(w.name.clone());
    if let Some(s) = &w.pod_selector {
        out = out.pods(selector(s, &format!("{pointer}/podSelector"))?);
    }
    for (i, a) in w.ingress.iter().enumerate() {
        let (peers, ports) = allowance(&a.from, &a.ports, &format!("{pointer}/ingress/{i}"), "from")?;
        out = out.allow_from(peers, ports);
    }
    for (i, a) in w.egress.iter().enumerate() {
        let (peers, ports) = allowance(&a.to, &a.ports, &format!("{pointer}/egress/{i}"), "to")?;
        out = out.allow_to(peers, ports);
    }
    Ok(out)
}

fn namespace(ns: &IntentNamespace, pointer: &str) -> Result<NamespaceBuilder, Error> {
    check_namespace_name(&ns.name).map_err(|e| at(e, &format!("{pointer}/name")))?;
    check_options(&ns.name, ns.default_deny, ns.allow_dns, ns.allow_same_namespace)
        .map_err(|b| at(b.0, &format!("{pointer}/{}", b.1)))?;
    let mut out = NamespaceBuilder::new(ns.name.clone());
    if let Some(d) = ns.default_deny {
        out = out.default_deny(d);
    }
    if ns.allow_dns {
        out = out.allow_dns();
    }
    if ns.allow_same_namespace {
        out = out.allow_same_namespace();
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, w) in ns.workloads.iter().enumerate() {
        let here = format!("{pointer}/workloads/{i}");
        if seen.contains(&w.name.as_str()) {
            return Err(invalid(
                format!("workload `{}` is listed twice in namespace `{}`", w.name, ns.name),
                "list each workload once, with all its allowances",
                &format!("{here}/name"),
            ));
        }
        seen.push(&w.name);
        out = out.workload(workload(w, &here)?);
    }
    Ok(out)
}

/// Compiles an intent with the builder.
///
/// # Errors
/// `NF-E010` ([`ErrorCode::InvalidIntent`]) for values the intent cannot hold (invalid names,
/// CIDRs, ports, a namespace or workload listed twice), with a JSON pointer into the intent;
/// `NF-E012` when the built policies fail the builder's own checks.
pub fn build_intent(intent: &Intent) -> Result<BuildOutput, Error> {
    let mut builder = PolicyBuilder::new();
    for (k, v) in &intent.labels {
        let here = format!("/labels/{}", escape_pointer(k));
        check_label_key(k).map_err(|e| at(e, &here))?;
        check_label_value(k, v).map_err(|e| at(e, &here))?;
        builder = builder.label(k.clone(), v.clone());
    }
    if let Some(d) = &intent.dns {
        let mut dns = ClusterDns::default();
        if let Some(ns) = namespace_selector(d.namespace.as_ref(), d.namespace_selector.as_ref(), "/dns")? {
            dns = dns.namespace_selector(ns);
        }
        if let Some(pods) = &d.pod_selector {
            dns = dns.pods(selector(pods, "/dns/podSelector")?);
        }
        builder = builder.dns(dns);
    }
    if let Some(c) = &intent.ingress_controller {
        builder = builder.ingress_controller(ingress_controller(c, "/ingressController")?);
    }
    let mut seen: Vec<&str> = Vec::new();
    for (i, ns) in intent.namespaces.iter().enumerate() {
        let here = format!("/namespaces/{i}");
        if seen.contains(&ns.name.as_str()) {
            return Err(invalid(
                format!("namespace `{}` is listed twice", ns.name),
                "list each namespace once, with all its workloads",
                &format!("{here}/name"),
            ));
        }
        seen.push(&ns.name);
        builder = builder.namespace(namespace(ns, &here)?);
    }
    let output = builder.build()?;
    let Some(g) = &intent.cluster_guardrails else { return Ok(output) };
    let mut dns_namespaces = Selector::with_label(NAMESPACE_NAME_LABEL, "kube-system");
    let mut dns_pods = Selector::with_label("k8s-app", "kube-dns");
    if let Some(d) = &intent.dns {
        if let Some(ns) = namespace_selector(d.namespace.as_ref(), d.namespace_selector.as_ref(), "/dns")? {
            dns_namespaces = ns;
        }
        if let Some(pods) = &d.pod_selector {
            dns_pods = selector(pods, "/dns/podSelector")?;
        }
    }
    let allow_from = match &g.allow_from {
        None => None,
        Some(p) => {
            let here = "/clusterGuardrails/allowFrom";
            let namespaces = namespace_selector(p.namespace.as_ref(), p.namespace_selector.as_ref(), here)?;
            let pods = p.pod_selector.as_ref().map(|s| selector(s, &format!("{here}/podSelector"))).transpose()?;
            Some((namespaces.unwrap_or_default(), pods.unwrap_or_default()))
        }
    };
    let guardrails = super::guardrails::guardrails(g, (&dns_namespaces, &dns_pods), allow_from)
        .map_err(|e| at(e, "/clusterGuardrails"))?;
    output.with_guardrails(guardrails)
}
