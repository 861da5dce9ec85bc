//! Builder → NetworkPolicy objects.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::peer::PeerKind;
use super::syntax::{check_label_key, check_label_value, check_namespace_name, check_target_name};
use super::{
    Allowance, Direction, INTENT_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, NamespaceBuilder, Peer, PolicyBuilder, Port,
    Selector, WorkloadBuilder,
};
use crate::error::{Error, ErrorCode};

/// Adds where an error happened to its message.
pub(crate) fn within(mut error: Error, context: &str) -> Error {
    error.message = format!("{}, in {context}", error.message);
    error
}

fn build_error(message: String, help: &str) -> Error {
    Error::new(ErrorCode::InvalidBuild, message).with_help(help)
}

/// A namespace with everything given for it merged.
struct MergedNamespace {
    name: String,
    default_deny: Option<Direction>,
    allow_dns: bool,
    allow_same_namespace: bool,
    workloads: BTreeMap<String, MergedWorkload>,
}

struct MergedWorkload {
    pods: Selector,
    ingress: Vec<Allowance>,
    egress: Vec<Allowance>,
}

fn merge(builder: &PolicyBuilder) -> Result<BTreeMap<String, MergedNamespace>, Error> {
    let mut out: BTreeMap<String, MergedNamespace> = BTreeMap::new();
    for ns in &builder.namespaces {
        check_namespace_name(&ns.name)?;
        let merged = out.entry(ns.name.clone()).or_insert_with(|| MergedNamespace {
            name: ns.name.clone(),
            default_deny: None,
            allow_dns: false,
            allow_same_namespace: false,
            workloads: BTreeMap::new(),
        });
        merge_namespace(merged, ns)?;
    }
    Ok(out)
}

fn merge_namespace(merged: &mut MergedNamespace, ns: &NamespaceBuilder) -> Result<(), Error> {
    if let Some(d) = ns.default_deny {
        merged.default_deny = Some(Direction::union(merged.default_deny, d));
    }
    merged.allow_dns |= ns.allow_dns;
    merged.allow_same_namespace |= ns.allow_same_namespace;
    for w in &ns.workloads {
        merge_workload(merged, w)?;
    }
    Ok(())
}

fn merge_workload(merged: &mut MergedNamespace, w: &WorkloadBuilder) -> Result<(), Error> {
    let context = format!("workload `{}/{}`", merged.name, w.name);
    check_target_name(&w.name).map_err(|e| within(e, &format!("namespace `{}`", merged.name)))?;
    let pods = w.selector();
    pods.check().map_err(|e| within(e, &format!("the pod selector of {context}")))?;
    for (direction, list) in [("ingress", &w.ingress), ("egress", &w.egress)] {
        for (i, a) in list.iter().enumerate() {
            check_allowance(a).map_err(|e| within(e, &format!("{direction} allowance {} of {context}", i + 1)))?;
        }
    }
    let entry = merged.workloads.entry(w.name.clone()).or_insert_with(|| MergedWorkload {
        pods: pods.clone(),
        ingress: Vec::new(),
        egress: Vec::new(),
    });
    if entry.pods != pods {
        return Err(build_error(
            format!("{context} is given twice with different pod selectors `{}` and `{pods}`", entry.pods),
            "give each workload one pod selector, or use different workload names",
        ));
    }
    for a in &w.ingress {
        if !entry.ingress.contains(a) {
            entry.ingress.push(a.clone());
        }
    }
    for a in &w.egress {
        if !entry.egress.contains(a) {
            entry.egress.push(a.clone());
        }
    }
    Ok(())
}

/// Checks one allowance: at least one peer, and every peer and port valid.
pub(crate) fn check_allowance(a: &Allowance) -> Result<(), Error> {
    if a.peers.is_empty() {
        return Err(build_error(
            "an allowance has no peers".to_owned(),
            "name at least one peer; to allow every peer use `Peer::anywhere()`",
        ));
    }
    for p in &a.peers {
        p.check()?;
    }
    for p in &a.ports {
        p.check()?;
    }
    Ok(())
}

/// Checks the namespace-wide options against the default deny; on error also says which
/// option (`allowDns` or `allowSameNamespace`) is wrong.
pub(crate) fn check_options(
    namespace: &str,
    deny: Option<Direction>,
    allow_dns: bool,
    allow_same_namespace: bool,
) -> Result<(), Box<(Error, &'static str)>> {
    if allow_dns && !deny.is_some_and(Direction::egress) {
        return Err(Box::new((
            build_error(
                format!("`allow_dns` in namespace `{namespace}` without default deny egress"),
                "a DNS allowance would isolate every pod for egress; add `default_deny(Direction::Egress)` or `Both`",
            ),
            "allowDns",
        )));
    }
    if allow_same_namespace && deny.is_none() {
        return Err(Box::new((
            build_error(
                format!("`allow_same_namespace` in namespace `{namespace}` without a default deny"),
                "traffic inside the namespace is already allowed; add `default_deny` or drop `allow_same_namespace`",
            ),
            "allowSameNamespace",
        )));
    }
    Ok(())
}

struct Emitted {
    allowances: Vec<NetworkPolicy>,
    denies: Vec<NetworkPolicy>,
}

pub(crate) fn compile(builder: &PolicyBuilder) -> Result<Vec<NetworkPolicy>, Error> {
    for (k, v) in &builder.labels {
        check_label_key(k)?;
        check_label_value(k, v)?;
    }
    let namespaces = merge(builder)?;
    let mut emitted = Emitted { allowances: Vec::new(), denies: Vec::new() };
    for ns in namespaces.values() {
        compile_namespace(builder, ns, &mut emitted)?;
    }
    let mut out = emitted.allowances;
    out.extend(emitted.denies);
    Ok(out)
}

fn compile_namespace(builder: &PolicyBuilder, ns: &MergedNamespace, emitted: &mut Emitted) -> Result<(), Error> {
    let deny = ns.default_deny;
    let meta = |name: &str, lines: Vec<String>| metadata(builder, &ns.name, name, lines);
    let mut names: Vec<String> = Vec::new();
    let mut push = |list: &mut Vec<NetworkPolicy>, policy: NetworkPolicy| -> Result<(), Error> {
        let name = policy.metadata.name.clone().unwrap_or_default();
        if names.contains(&name) {
            return Err(build_error(
                format!("two policies named `{name}` in namespace `{}`", ns.name),
                "workload `default-deny` clashes with the default-deny policies; rename the workload",
            ));
        }
        names.push(name);
        list.push(policy);
        Ok(())
    };

    check_options(&ns.name, deny, ns.allow_dns, ns.allow_same_namespace).map_err(|b| b.0)?;
    if ns.allow_dns {
        builder.dns.check().map_err(|e| within(e, "the cluster DNS settings"))?;
        let line = format!(
            "all pods: allow to cluster DNS ({}) on UDP/53, TCP/53",
            Peer::pods_in_namespaces(builder.dns.namespace.clone(), builder.dns.pods.clone())
        );
        let rule = NetworkPolicyEgressRule {
            to: Some(vec![builder.dns.to_peer()]),
            ports: Some(vec![Port::udp(53).to_policy_port(), Port::tcp(53).to_policy_port()]),
        };
        let policy = policy(meta("allow-dns", vec![line]), LabelSelector::default(), Vec::new(), vec![rule]);
        push(&mut emitted.allowances, policy)?;
    }

    if ns.allow_same_namespace {
        let d = deny.unwrap_or(Direction::Both);
        let same = NetworkPolicyPeer {
            ip_block: None,
            namespace_selector: None,
            pod_selector: Some(LabelSelector::default()),
        };
        let mut lines = Vec::new();
        let mut ingress = Vec::new();
        let mut egress = Vec::new();
        if d.ingress() {
            lines.push("all pods: allow from pods in the same namespace".to_owned());
            ingress.push(NetworkPolicyIngressRule { from: Some(vec![same.clone()]), ports: None });
        }
        if d.egress() {
            lines.push("all pods: allow to pods in the same namespace".to_owned());
            egress.push(NetworkPolicyEgressRule { to: Some(vec![same]), ports: None });
        }
        let policy = policy(meta("allow-same-namespace", lines), LabelSelector::default(), ingress, egress);
        push(&mut emitted.allowances, policy)?;
    }

    for (name, w) in &ns.workloads {
        let selector = w.pods.to_label_selector();
        if !w.ingress.is_empty() {
            let lines = w.ingress.iter().map(|a| describe(name, "from", a)).collect();
            let rules = w
                .ingress
                .iter()
                .map(|a| {
                    let (from, ports) = rule_parts(builder, a);
                    NetworkPolicyIngressRule { from, ports }
                })
                .collect();
            let p = policy(meta(&format!("{name}-ingress"), lines), selector.clone(), rules, Vec::new());
            push(&mut emitted.allowances, p)?;
        }
        if !w.egress.is_empty() {
            let lines = w.egress.iter().map(|a| describe(name, "to", a)).collect();
            let rules = w
                .egress
                .iter()
                .map(|a| {
                    let (to, ports) = rule_parts(builder, a);
                    NetworkPolicyEgressRule { to, ports }
                })
                .collect();
            let p = policy(meta(&format!("{name}-egress"), lines), selector.clone(), Vec::new(), rules);
            push(&mut emitted.allowances, p)?;
        }
    }

    if let Some(d) = deny {
        let (name, line, ingress, egress) = match d {
            Direction::Ingress => ("default-deny-ingress", "all pods: deny ingress unless allowed", true, false),
            Direction::Egress => ("default-deny-egress", "all pods: deny egress unless allowed", false, true),
            Direction::Both => ("default-deny", "all pods: deny ingress and egress unless allowed", true, true),
        };
        let mut p = policy(meta(name, vec![line.to_owned()]), LabelSelector::default(), Vec::new(), Vec::new());
        if let Some(spec) = p.spec.as_mut() {
            spec.policy_types = Some(policy_types(ingress, egress));
        }
        push(&mut emitted.denies, p)?;
    }
    Ok(())
}

fn policy_types(ingress: bool, egress: bool) -> Vec<String> {
    let mut types = Vec::new();
    if ingress {
        types.push("Ingress".to_owned());
    }
    if egress {
        types.push("Egress".to_owned());
    }
    types
}

fn metadata(builder: &PolicyBuilder, namespace: &str, name: &str, lines: Vec<String>) -> ObjectMeta {
    let mut labels = builder.labels.clone();
    labels.insert(MANAGED_BY_LABEL.to_owned(), MANAGED_BY.to_owned());
    let annotations = BTreeMap::from([(INTENT_ANNOTATION.to_owned(), lines.join("\n"))]);
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
        labels: Some(labels),
        annotations: Some(annotations),
        ..ObjectMeta::default()
    }
}

/// A policy whose policyTypes follow its rules; default-deny callers set them afterwards.
fn policy(
    metadata: ObjectMeta,
    pod_selector: LabelSelector,
    ingress: Vec<NetworkPolicyIngressRule>,
    egress: Vec<NetworkPolicyEgressRule>,
) -> NetworkPolicy {
    let types = policy_types(!ingress.is_empty(), !egress.is_empty());
    NetworkPolicy {
        metadata,
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod_selector),
            policy_types: Some(types),
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: (!egress.is_empty()).then_some(egress),
        }),
    }
}

/// The peers (`None` when any peer is allowed) and ports (`None` for every port) of a rule.
fn rule_parts(
    builder: &PolicyBuilder,
    a: &Allowance,
) -> (Option<Vec<NetworkPolicyPeer>>, Option<Vec<NetworkPolicyPort>>) {
    let anywhere = a.peers.iter().any(|p| matches!(p.kind, PeerKind::Anywhere));
    let peers = if anywhere {
        None
    } else {
        let mut peers: Vec<NetworkPolicyPeer> = Vec::new();
        for p in &a.peers {
            if let Some(peer) = p.to_policy_peer(&builder.ingress_controller)
                && !peers.contains(&peer)
            {
                peers.push(peer);
            }
        }
        Some(peers)
    };
    let ports = if a.ports.is_empty() {
        None
    } else {
        let mut ports: Vec<NetworkPolicyPort> = Vec::new();
        for p in &a.ports {
            let port = p.to_policy_port();
            if !ports.contains(&port) {
                ports.push(port);
            }
        }
        Some(ports)
    };
    (peers, ports)
}

/// One annotation line, e.g. `api: allow from pods app=frontend on TCP/8080`.
fn describe(target: &str, preposition: &str, a: &Allowance) -> String {
    let peers: Vec<String> = a.peers.iter().map(ToString::to_string).collect();
    let ports = if a.ports.is_empty() {
        "all ports".to_owned()
    } else {
        a.ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    };
    format!("{target}: allow {preposition} {} on {ports}", peers.join(" or "))
}
