//! The resource model: namespaces, pods, workloads, policies and services read from manifests,
//! each with its source location. Unknown kinds are counted and skipped, never an error.

use crate::sorted::CompactSort;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use k8s_openapi::api::core::v1::ContainerPort;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::model::{Completeness, Warning, WarningCode};
use crate::source::{Document, ParseOptions, parse_text_with};
use crate::source::{Key, Location, Node, SourceDoc, Value};

#[cfg_attr(not(feature = "routes"), allow(dead_code))]
mod ingress;
pub(crate) mod prune;

/// For the fuzz targets (cargo feature `fuzzing`, not a public API): the items of a list
/// document as the reader hands them over, with what it skips of each pruned from the text
/// first (`source::yaml_prune`); `None` when the splitter declines.
#[cfg(all(feature = "fuzzing", not(target_arch = "wasm32")))]
#[must_use]
pub fn fuzz_pruned_items(text: &str, options: &ParseOptions) -> Option<Vec<crate::source::Node>> {
    crate::source::fuzzing::pruned_items(text, options, &prune::keep)
}
mod read;
mod stream;

pub use ingress::{Backend, BackendPort, RouteKind, RouteResource, ServicePortSpec, ServiceRouting};
mod cluster;

pub use cluster::{ClusterPolicyResource, NodeResource};

/// One resource that was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    /// Kind, e.g. `NetworkPolicy`.
    pub kind: String,
    /// Namespace (`default` when the manifest has none; empty for a Namespace).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Where it starts.
    pub location: Location,
}

/// The label every namespace carries (set by the API server since Kubernetes 1.22).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Kinds of workload whose pod template makes an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum WorkloadKind {
    /// apps/v1 Deployment
    Deployment,
    /// apps/v1 StatefulSet
    StatefulSet,
    /// apps/v1 DaemonSet
    DaemonSet,
    /// apps/v1 ReplicaSet
    ReplicaSet,
    /// v1 ReplicationController
    ReplicationController,
    /// batch/v1 Job
    Job,
    /// batch/v1 CronJob
    CronJob,
}

impl WorkloadKind {
    /// The Kubernetes kind name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::ReplicaSet => "ReplicaSet",
            Self::ReplicationController => "ReplicationController",
            Self::Job => "Job",
            Self::CronJob => "CronJob",
        }
    }

    /// Parses a kind name.
    #[must_use]
    pub fn from_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "Deployment" => Self::Deployment,
            "StatefulSet" => Self::StatefulSet,
            "DaemonSet" => Self::DaemonSet,
            "ReplicaSet" => Self::ReplicaSet,
            "ReplicationController" => Self::ReplicationController,
            "Job" => Self::Job,
            "CronJob" => Self::CronJob,
            _ => return None,
        })
    }
}

/// A namespace from the input.
#[derive(Clone, Debug)]
pub struct NamespaceResource {
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Where it came from.
    pub source: SourceDoc,
}

/// What netfence reads of a pod spec (the rest is not read; see `inventory/read.rs`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PodSpecSummary {
    /// `hostNetwork`.
    pub host_network: bool,
    /// `containers`, in order (init containers are not read).
    pub containers: Vec<ContainerSummary>,
}

/// A container's name and ports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContainerSummary {
    /// `name`.
    pub name: String,
    /// `ports`.
    pub ports: Vec<ContainerPort>,
}

/// A pod from the input.
#[derive(Clone, Debug)]
pub struct PodResource {
    /// Namespace (`default` when the manifest has none).
    pub namespace: String,
    /// Name (`generateName` when there is no name).
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Owner references.
    pub owners: Vec<OwnerReference>,
    /// The spec's `hostNetwork` and container ports.
    pub spec: PodSpecSummary,
    /// `status.podIPs` (then `status.podIP`), as written.
    pub ips: Vec<String>,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A workload (Deployment, StatefulSet, ...) from the input.
#[derive(Clone, Debug)]
pub struct WorkloadResource {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Namespace (`default` when the manifest has none).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The workload's own labels.
    pub labels: BTreeMap<String, String>,
    /// Owner references of the workload itself (a ReplicaSet owned by a Deployment).
    pub owners: Vec<OwnerReference>,
    /// Labels of the pod template (for a CronJob, of its job template's pod template).
    pub template_labels: BTreeMap<String, String>,
    /// The pod template's `hostNetwork` and container ports.
    pub spec: PodSpecSummary,
    /// JSON pointer of the template inside the resource.
    pub template_pointer: &'static str,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A NetworkPolicy from the input.
#[derive(Clone, Debug)]
pub struct PolicyResource {
    /// The object (apiVersion normalised to networking.k8s.io/v1).
    pub object: NetworkPolicy,
    /// Namespace (`default` when the manifest has none; see `namespace_given`).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Whether the manifest set `metadata.namespace`.
    pub namespace_given: bool,
    /// The apiVersion as written (e.g. the deprecated `extensions/v1beta1`).
    pub api_version: String,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A resource that may carry policy but that netfence does not evaluate: a CNI's own policy
/// kind (Cilium, Calico, Antrea, OVN-Kubernetes), `MultiNetworkPolicy`, or a version or kind of
/// `policy.networking.k8s.io` netfence does not know. Every connectivity answer names it in a
/// warning (`NF-W001`).
#[derive(Clone, Debug)]
pub struct UnevaluatedPolicy {
    /// `apiVersion` as written.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// Namespace, when the resource has one (cluster-wide kinds have none).
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Why it is not evaluated.
    pub reason: &'static str,
    /// Where it came from.
    pub source: SourceDoc,
}

impl UnevaluatedPolicy {
    /// `Kind namespace/name` (or `Kind name` for a cluster-wide one).
    #[must_use]
    pub fn resource(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {ns}/{}", self.kind, self.name),
            None => format!("{} {}", self.kind, self.name),
        }
    }
}

/// Whether a kind may carry policy that netfence does not evaluate, and why: `(group, kind)`.
/// The group a build without `routes` gives Ingress, Route, HTTPRoute and GRPCRoute objects.
#[cfg(not(feature = "routes"))]
const ROUTES_NOT_EVALUATED: &str = "routes.netfence.dev";

fn unevaluated_reason(group: &str, version: &str, kind: &str) -> Option<&'static str> {
    Some(match (group, kind) {
        #[cfg(not(feature = "routes"))]
        (ROUTES_NOT_EVALUATED, _) => {
            "an Ingress or route, which this build (the WebAssembly core build) does not resolve to `{ingress-controller}` connections; `netfence-wasm/full` does"
        }
        ("cilium.io", "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy") => {
            "a Cilium policy kind (L3–L7 rules, deny rules, entities)"
        }
        ("projectcalico.org" | "crd.projectcalico.org", "NetworkPolicy" | "GlobalNetworkPolicy") => {
            "a Calico policy kind (ordered tiers, deny and log actions)"
        }
        ("crd.antrea.io", "NetworkPolicy" | "ClusterNetworkPolicy") => {
            "an Antrea policy kind (tiers, priorities, drop and reject actions)"
        }
        ("k8s.ovn.org", "EgressFirewall") => "an OVN-Kubernetes EgressFirewall (egress allow and deny rules)",
        ("k8s.cni.cncf.io", "MultiNetworkPolicy") => "policy for secondary networks (Multus), which are not modelled",
        ("policy.networking.k8s.io", _) => match (version, kind) {
            _ if kind.ends_with("List") => return None,
            _ => "a kind or version of policy.networking.k8s.io netfence does not know",
        },
        _ => return None,
    })
}

/// A Service from the input.
#[derive(Clone, Debug)]
pub struct ServiceResource {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.clusterIPs` and `spec.clusterIP`, as written, each once.
    pub cluster_ips: Vec<String>,
    /// `spec.selector` and `spec.ports`: where the Service sends traffic.
    pub routing: ServiceRouting,
    /// Where it came from.
    pub source: SourceDoc,
}

/// Everything read from a set of inputs.
#[derive(Clone, Debug, Default)]
pub struct ResourceSet {
    /// Namespaces, in input order.
    pub namespaces: Vec<NamespaceResource>,
    /// Pods, in input order.
    pub pods: Vec<PodResource>,
    /// Workloads, in input order.
    pub workloads: Vec<WorkloadResource>,
    /// NetworkPolicies, in input order.
    pub policies: Vec<PolicyResource>,
    /// Services, in input order.
    pub services: Vec<ServiceResource>,
    /// Ingresses, Routes, HTTPRoutes and GRPCRoutes, in input order.
    pub routes: Vec<RouteResource>,
    /// Cluster-scoped policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    /// ClusterNetworkPolicy), in input order.
    pub cluster_policies: Vec<ClusterPolicyResource>,
    /// Nodes, in input order.
    pub nodes: Vec<NodeResource>,
    /// Kinds skipped (not modelled), with counts, keyed `apiVersion/kind`.
    pub skipped: BTreeMap<String, usize>,
    /// Resources that may carry policy but that netfence does not evaluate, in input order.
    pub unevaluated: Vec<UnevaluatedPolicy>,
    /// Documents or resources that could not be read (non-strict mode): of identical errors
    /// (same code and reason, other documents) the first [`SAME_ERRORS_LISTED`].
    pub errors: Vec<Error>,
    /// Errors counted but not listed in `errors`: identical to ones listed.
    pub errors_omitted: usize,
    /// Errors seen, by code and reason.
    same_errors: HashMap<String, usize>,
}

/// How many identical errors (same code and reason) [`ResourceSet::errors`] lists; the others
/// are counted in [`ResourceSet::errors_omitted`].
pub const SAME_ERRORS_LISTED: usize = 10;

/// Counts of what a [`ResourceSet`] holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceCounts {
    /// Namespaces defined.
    pub namespaces: usize,
    /// Pods.
    pub pods: usize,
    /// Workloads.
    pub workloads: usize,
    /// NetworkPolicies.
    pub policies: usize,
    /// Services.
    pub services: usize,
    /// Cluster-scoped policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    /// ClusterNetworkPolicy).
    #[serde(default)]
    pub cluster_policies: usize,
    /// Nodes.
    #[serde(default)]
    pub nodes: usize,
    /// Skipped kinds, keyed `apiVersion/kind`.
    pub skipped: BTreeMap<String, usize>,
    /// Resources that may carry policy but are not evaluated (see `NF-W001`).
    pub unevaluated: usize,
}

impl ResourceSet {
    /// Reads one input (YAML or JSON, one or more documents, `kind: List` or `items`).
    ///
    /// # Errors
    /// Only input-level failures (too large, not text, or strict mode and a bad document);
    /// otherwise bad documents are recorded in [`ResourceSet::errors`].
    pub fn add_text(&mut self, text: &str, file: &str, options: &ParseOptions) -> Result<(), Error> {
        self.add_text_with(text, file, options, true)
    }

    /// [`ResourceSet::add_text`]; `by_item`: a large list's items are read one by one.
    fn add_text_with(&mut self, text: &str, file: &str, options: &ParseOptions, by_item: bool) -> Result<(), Error> {
        let shared: Arc<str> = Arc::from(file);
        let strict = options.strict;
        // Each document is decoded and slimmed by the thread that parsed it, as soon as it is
        // parsed, so its full tree is freed right away (and by the thread that allocated it).
        let read = |doc: Document| -> Vec<Result<Item, Error>> {
            let source =
                SourceDoc { file: shared.clone(), root: Arc::new(doc.root), base: String::new(), document: doc.index };
            read_document(source, None, strict)
        };
        // So is each item of a large list (`kubectl get -o yaml` of a cluster), natively: the
        // item is its resource's tree (locations and pointers are the same as in the list's).
        #[cfg(not(target_arch = "wasm32"))]
        let read_item = |document: usize, list: &Node, _: usize, item: Node| -> Vec<Result<Item, Error>> {
            let Some((api_version, item_kind)) = list_header(list) else { return Vec::new() };
            let source = SourceDoc { file: shared.clone(), root: Arc::new(item), base: String::new(), document };
            read_document(source, item_kind.as_deref().map(|k| (api_version.as_str(), k)), strict)
        };
        #[cfg(not(target_arch = "wasm32"))]
        let items = crate::source::ListItems { wants: &|list| list_header(list).is_some(), each: &read_item };
        #[cfg(not(target_arch = "wasm32"))]
        let list_items = by_item.then_some(&items);
        #[cfg(target_arch = "wasm32")]
        let list_items = by_item.then_some(()).and(None);
        let parsed = parse_text_with(text, file, options, &read, list_items, Some(&prune::keep))?;
        for e in parsed.errors {
            self.record_error(e);
        }
        for items in parsed.documents {
            for item in items {
                match item {
                    Ok(item) => self.push(item),
                    Err(e) if strict => return Err(e),
                    Err(e) => self.record_error(e),
                }
            }
        }
        Ok(())
    }

    /// Lists an error, or counts it when [`SAME_ERRORS_LISTED`] identical ones (same code and
    /// reason, other documents or items) are listed: a dump whose 150,000 pods all fail the
    /// same way lists ten, and says how many more.
    fn record_error(&mut self, e: Error) {
        let reason = e.message.split_once("cannot be read: ").map_or(e.message.as_str(), |(_, reason)| reason);
        let seen = self.same_errors.entry(format!("{} {reason}", e.code.as_str())).or_insert(0);
        *seen += 1;
        if *seen > SAME_ERRORS_LISTED {
            self.errors_omitted += 1;
        } else {
            self.errors.push(e);
        }
    }

    fn push(&mut self, item: Item) {
        match item {
            Item::Namespace(r) => self.namespaces.push(*r),
            Item::Pod(r) => self.pods.push(*r),
            Item::Workload(r) => self.workloads.push(*r),
            Item::Policy(r) => self.policies.push(*r),
            Item::Service(r) => self.services.push(*r),
            Item::Route(r) => self.routes.push(*r),
            Item::ClusterPolicy(r) => self.cluster_policies.push(*r),
            Item::Node(r) => self.nodes.push(*r),
            Item::Skipped(key) => *self.skipped.entry(key).or_insert(0) += 1,
            Item::Unevaluated(r) => self.unevaluated.push(*r),
        }
    }

    /// Every modelled resource with where it starts: namespaces, workloads, pods, services,
    /// routes (Ingress, Route, HTTPRoute, GRPCRoute), then policies, each in input order.
    #[must_use]
    pub fn summaries(&self) -> Vec<ResourceSummary> {
        let mut resources = Vec::new();
        let mut add = |kind: &str, namespace: &str, name: &str, location: Location| {
            resources.push(ResourceSummary {
                kind: kind.to_owned(),
                namespace: namespace.to_owned(),
                name: name.to_owned(),
                location,
            });
        };
        for n in &self.namespaces {
            add("Namespace", "", &n.name, n.source.locate(""));
        }
        for w in &self.workloads {
            add(w.kind.as_str(), &w.namespace, &w.name, w.source.locate(""));
        }
        for p in &self.pods {
            add("Pod", &p.namespace, &p.name, p.source.locate(""));
        }
        for s in &self.services {
            add("Service", &s.namespace, &s.name, s.source.locate(""));
        }
        for r in &self.routes {
            add(r.kind.as_str(), &r.namespace, &r.name, r.source.locate(""));
        }
        for p in &self.policies {
            add("NetworkPolicy", &p.namespace, &p.name, p.source.locate(""));
        }
        for p in &self.cluster_policies {
            add(&p.policy.kind, "", &p.policy.name, p.source.locate(""));
        }
        resources
    }

    /// Counts.
    #[must_use]
    pub fn counts(&self) -> ResourceCounts {
        ResourceCounts {
            namespaces: self.namespaces.len(),
            pods: self.pods.len(),
            workloads: self.workloads.len(),
            policies: self.policies.len(),
            services: self.services.len(),
            cluster_policies: self.cluster_policies.len(),
            nodes: self.nodes.len(),
            skipped: self.skipped.clone(),
            unevaluated: self.unevaluated.len(),
        }
    }

    /// What every connectivity answer over these resources must say about itself: partial
    /// when documents could not be read; one `NF-W001` per resource that may carry policy but is
    /// not evaluated, and `NF-W002` when documents could not be read.
    #[must_use]
    pub fn completeness(&self) -> Completeness {
        Completeness { partial: !self.errors.is_empty(), warnings: self.warnings() }
    }

    /// The warnings of [`ResourceSet::completeness`].
    #[must_use]
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out: Vec<Warning> = self
            .unevaluated
            .iter()
            .map(|u| Warning {
                code: WarningCode::UnevaluatedPolicy,
                message: format!("`{}` ({}) is not evaluated: {}", u.resource(), u.api_version, u.reason),
                help: Some(
                    "connectivity is computed from Kubernetes NetworkPolicies alone; where this resource applies, real traffic may be allowed or denied differently"
                        .to_owned(),
                ),
                resource: Some(u.resource()),
                location: Some(u.source.locate("")),
            })
            .collect();
        #[cfg(feature = "routes")]
        out.extend(ingress::unresolved_backends(self));
        // the peers of one variant a rule names, each in backticks
        let named = |rule: &crate::model::ClusterRule, pick: fn(&crate::model::ClusterPeer) -> Option<&Vec<String>>| {
            let names: Vec<String> = rule.peers.iter().filter_map(pick).flatten().map(|n| format!("`{n}`")).collect();
            let rule_name = rule.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default();
            (names, rule_name)
        };
        for resource in &self.cluster_policies {
            for rule in &resource.policy.egress {
                let (names, rule_name) = named(rule, |p| match p {
                    crate::model::ClusterPeer::DomainNames(names) => Some(names),
                    _ => None,
                });
                if names.is_empty() {
                    continue;
                }
                out.push(Warning {
                    code: WarningCode::UnresolvedDomainNames,
                    message: format!(
                        "rule{rule_name} of `{}` names domain names ({}) that cannot be resolved offline: it is evaluated as matching no address",
                        resource.policy.resource(),
                        names.join(", ")
                    ),
                    help: Some(
                        "egress of the pods it selects to external addresses may be allowed or denied differently; write the addresses as `networks` to evaluate them"
                            .to_owned(),
                    ),
                    resource: Some(resource.policy.resource()),
                    location: Some(resource.source.locate(&rule.pointer)),
                });
            }
        }
        // `networks` apply to pods by their IPs: NF-W005 where the input has none (the engine
        // splits a workload whose pods they tell apart, so there is no approximation to warn of)
        let names_networks = |rule: &crate::model::ClusterRule| {
            rule.peers.iter().any(|p| matches!(p, crate::model::ClusterPeer::Networks(_)))
        };
        let any_networks =
            self.cluster_policies.iter().any(|r| r.policy.ingress.iter().chain(&r.policy.egress).any(names_networks));
        let without_ips = if any_networks { self.endpoints_without_ips() } else { Vec::new() };
        for resource in &self.cluster_policies {
            for rule in resource.policy.ingress.iter().chain(&resource.policy.egress) {
                let (cidrs, rule_name) = named(rule, |p| match p {
                    crate::model::ClusterPeer::Networks(cidrs) => Some(cidrs),
                    _ => None,
                });
                if cidrs.is_empty() {
                    continue;
                }
                let mut warn = |code, message: String, help: &str| {
                    out.push(Warning {
                        code,
                        message: format!(
                            "rule{rule_name} of `{}` names networks ({}){message}",
                            resource.policy.resource(),
                            cidrs.join(", ")
                        ),
                        help: Some(help.to_owned()),
                        resource: Some(resource.policy.resource()),
                        location: Some(resource.source.locate(&rule.pointer)),
                    });
                };
                if !without_ips.is_empty() {
                    let one = without_ips.len() == 1;
                    warn(
                        WarningCode::NetworksNotAppliedToPods,
                        format!(
                            ", which the API applies to traffic between pods too; {} of the input {} no pod IPs (`status.podIPs`), so whether the rule matches {} is unknown: it is evaluated as not matching {}",
                            Self::some_of(&without_ips, 3),
                            if one { "has" } else { "have" },
                            if one { "it" } else { "them" },
                            if one { "it" } else { "them" },
                        ),
                        "egress of the pods it selects to those pods may be allowed or denied differently; give the input the pods as the cluster runs them (`kubectl get pods -A -o json`), or decide or Pass pod traffic in a rule before it (as the API suggests)",
                    );
                }
            }
        }
        if !self.errors.is_empty() {
            let n = self.errors.len() + self.errors_omitted;
            let documents = if n == 1 { "document" } else { "documents" };
            let help = if self.errors_omitted == 0 {
                "see `errors` for each document; fix them to get a complete answer".to_owned()
            } else {
                format!(
                    "see `errors`: it lists the first {SAME_ERRORS_LISTED} of identical errors, {} more are counted, not listed; fix them to get a complete answer",
                    self.errors_omitted
                )
            };
            out.push(Warning {
                code: WarningCode::PartialInput,
                message: format!("{n} {documents} could not be read: the answer covers only the others"),
                help: Some(help),
                resource: None,
                location: self.errors.first().and_then(|e| e.location.clone()),
            });
        }
        out
    }

    /// `a`, `b` and `c` (each in backticks), at most `limit`, then `and N more`.
    fn some_of(items: &[String], limit: usize) -> String {
        let shown: Vec<String> = items.iter().take(limit).map(|i| format!("`{i}`")).collect();
        match items.len().saturating_sub(limit) {
            0 => shown.join(", "),
            rest => format!("{} and {rest} more", shown.join(", ")),
        }
    }

    /// In-cluster endpoints whose pod IPs are not in the input, as `ns/name[Kind]`: bare pods
    /// without `status.podIPs`, and workloads (those no other workload of the input owns) none of
    /// whose pods in the input has them. Cluster `networks` match pods by these IPs.
    #[must_use]
    pub fn endpoints_without_ips(&self) -> Vec<String> {
        let folding = Folding::new(self);
        // workloads reached from a pod with IPs, through the controllers present (by their
        // place in `folding`)
        let mut with_ips = vec![false; folding.present.len()];
        let mut frontier: Vec<usize> = self
            .pods
            .iter()
            .filter(|p| !p.ips.is_empty())
            .filter_map(|p| folding.controller_of(&p.namespace, &p.owners))
            .collect();
        while let Some(next) = frontier.pop() {
            let Some(seen) = with_ips.get_mut(next).filter(|seen| !**seen) else { continue };
            *seen = true;
            if let Some(w) = folding.workload(next) {
                frontier.extend(folding.controller_of(&w.namespace, &w.owners));
            }
        }
        let pods = self
            .pods
            .iter()
            .filter(|p| p.ips.is_empty() && folding.controller_of(&p.namespace, &p.owners).is_none())
            .map(|p| format!("{}/{}[Pod]", p.namespace, p.name));
        let workloads = folding
            .present
            .iter()
            .zip(&with_ips)
            .filter(|((_, w), reached)| !**reached && folding.controller_of(&w.namespace, &w.owners).is_none())
            .map(|((_, w), _)| format!("{}/{}[{}]", w.namespace, w.name, w.kind.as_str()));
        let mut out: Vec<String> = pods.chain(workloads).collect();
        out.sort_compact();
        out
    }

    /// Namespace names used or defined, sorted.
    #[must_use]
    pub fn namespace_names(&self) -> Vec<String> {
        // borrowed, each distinct name copied once: 150,000 pods name a few thousand namespaces
        let mut names: Vec<&str> = Vec::new();
        let mut last: Option<&str> = None;
        let all = self.namespaces.iter().map(|n| n.name.as_str());
        let all = all.chain(self.pods.iter().map(|p| p.namespace.as_str()));
        let all = all.chain(self.workloads.iter().map(|w| w.namespace.as_str()));
        for name in all.chain(self.policies.iter().map(|p| p.namespace.as_str())) {
            // runs of one namespace (a dump lists pods by namespace) are skipped at once
            if last != Some(name) {
                names.push(name);
                last = Some(name);
            }
        }
        names.sort_compact();
        names.dedup();
        names.into_iter().map(str::to_owned).collect()
    }

    /// Labels of namespace `name`: its defined labels plus `kubernetes.io/metadata.name`.
    #[must_use]
    pub fn namespace_labels(&self, name: &str) -> BTreeMap<String, String> {
        let mut labels = self.namespaces.iter().find(|n| n.name == name).map(|n| n.labels.clone()).unwrap_or_default();
        labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.to_owned());
        labels
    }
}

/// A workload as `(namespace, kind, name)`.
type EndpointKey<'a> = (&'a str, &'a str, &'a str);

/// How pods fold into in-cluster endpoints, as the engine folds them: a pod into the top of
/// the chain of its controllers present in the input (a ReplicaSet absent from the input
/// stands for its Deployment, `<deployment>-<hash>`); a pod without one is its own endpoint.
/// Workloads are found by their place in `present` (sorted by key).
struct Folding<'a> {
    present: Vec<(EndpointKey<'a>, &'a WorkloadResource)>,
}

impl<'a> Folding<'a> {
    fn new(set: &'a ResourceSet) -> Self {
        let mut present: Vec<(EndpointKey<'a>, &'a WorkloadResource)> =
            set.workloads.iter().map(|w| ((w.namespace.as_str(), w.kind.as_str(), w.name.as_str()), w)).collect();
        present.sort_compact_by(|a, b| a.0.cmp(&b.0));
        // a workload written twice is one endpoint
        present.dedup_by(|a, b| a.0 == b.0);
        Self { present }
    }

    fn find(&self, key: EndpointKey<'_>) -> Option<usize> {
        self.present.binary_search_by(|(k, _)| k.cmp(&key)).ok()
    }

    fn workload(&self, at: usize) -> Option<&'a WorkloadResource> {
        self.present.get(at).map(|(_, w)| *w)
    }

    /// The present workload a controller reference stands for: itself, or for an absent
    /// ReplicaSet, its Deployment.
    fn controller_of(&self, namespace: &str, owners: &[OwnerReference]) -> Option<usize> {
        let owner = owners.iter().find(|o| o.controller == Some(true))?;
        if let Some(at) = self.find((namespace, owner.kind.as_str(), owner.name.as_str())) {
            return Some(at);
        }
        let (deployment, _) = owner.name.rsplit_once('-').filter(|_| owner.kind == "ReplicaSet")?;
        self.find((namespace, "Deployment", deployment))
    }
}

/// One resource read from a document (or a skipped kind).
enum Item {
    Namespace(Box<NamespaceResource>),
    Pod(Box<PodResource>),
    Workload(Box<WorkloadResource>),
    Policy(Box<PolicyResource>),
    Service(Box<ServiceResource>),
    Route(Box<RouteResource>),
    ClusterPolicy(Box<ClusterPolicyResource>),
    Node(Box<NodeResource>),
    Skipped(String),
    Unevaluated(Box<UnevaluatedPolicy>),
}

/// Lists with at least this many items are read, slimmed and freed on the available cores.
const PARALLEL_ITEMS: usize = 4096;

#[cfg_attr(target_arch = "wasm32", allow(dead_code))] // lists are read item by item natively
/// The `apiVersion` and the items' kind (from `PodList`; none for `List`) of a list document
/// whose items can be read one by one: a mapping with `apiVersion`, a `kind` ending in `List`,
/// and `items`, as `read_resource` reads a list.
fn list_header(list: &Node) -> Option<(String, Option<String>)> {
    let api_version = list.get("apiVersion").and_then(Node::as_str)?;
    let kind = list.get("kind").and_then(Node::as_str)?;
    if !(kind == "List" || kind.ends_with("List")) || list.get("items").is_none() {
        return None;
    }
    Some((api_version.to_owned(), kind.strip_suffix("List").filter(|k| !k.is_empty()).map(str::to_owned)))
}

/// Reads the resources of one document (or one item of a list, with the `apiVersion` and
/// kind its list gives), in order, then slims its tree (see [`slim_tree`]). In strict mode
/// reading stops at the first error.
fn read_document(source: SourceDoc, inherited: Option<(&str, &str)>, strict: bool) -> Vec<Result<Item, Error>> {
    let mut items = Vec::new();
    let root = source.root.clone();
    read_node(source, inherited, strict, &mut items);
    let slim = items.iter().any(|i| matches!(i, Ok(Item::Pod(_) | Item::Workload(_))));
    if !slim {
        return items;
    }
    // every resource of the document shares the tree: swap in the slim one
    let full = root;
    let root = Arc::new(slim_tree(&full, inherited.map(|(_, kind)| kind)));
    let sources: Vec<&mut SourceDoc> = items
        .iter_mut()
        .filter_map(|i| match i {
            Ok(Item::Namespace(r)) => Some(&mut r.source),
            Ok(Item::Pod(r)) => Some(&mut r.source),
            Ok(Item::Workload(r)) => Some(&mut r.source),
            Ok(Item::Policy(r)) => Some(&mut r.source),
            Ok(Item::Service(r)) => Some(&mut r.source),
            Ok(Item::Route(r)) => Some(&mut r.source),
            Ok(Item::ClusterPolicy(r)) => Some(&mut r.source),
            Ok(Item::Node(r)) => Some(&mut r.source),
            Ok(Item::Unevaluated(r)) => Some(&mut r.source),
            Ok(Item::Skipped(_)) | Err(_) => None,
        })
        .collect();
    for source in sources {
        source.root = root.clone();
    }
    // the last reference to the full tree: a large list's items are freed on all cores
    if let Ok(full) = Arc::try_unwrap(full) {
        crate::source::drop_tree(full);
    }
    items
}

fn read_node(source: SourceDoc, inherited: Option<(&str, &str)>, strict: bool, out: &mut Vec<Result<Item, Error>>) {
    if let Err(e) = read_resource(source, inherited, strict, out) {
        out.push(Err(e));
    }
}

fn read_resource(
    source: SourceDoc,
    inherited: Option<(&str, &str)>,
    strict: bool,
    out: &mut Vec<Result<Item, Error>>,
) -> Result<(), Error> {
    let node = source.node();
    if !matches!(node.value, Value::Map(_)) {
        return Err(Error::new(ErrorCode::NotAResource, "document is not a mapping with `apiVersion` and `kind`")
            .with_help("each document must be a Kubernetes object, a `kind: List`, or `kubectl get -o json` output")
            .at(source.locate("")));
    }
    let api_version = node.get("apiVersion").and_then(Node::as_str).map(str::to_owned);
    let kind = node.get("kind").and_then(Node::as_str).map(str::to_owned);
    let (api_version, kind) = match (api_version, kind, inherited) {
        (Some(a), Some(k), _) => (a, k),
        (a, None, Some((la, lk))) => (a.unwrap_or_else(|| la.to_owned()), lk.to_owned()),
        (None, Some(k), Some((la, _))) => (la.to_owned(), k),
        (a, k, None) => {
            let missing = if k.is_none() { "kind" } else { "apiVersion" };
            let _ = a;
            return Err(Error::new(ErrorCode::NotAResource, format!("document has no `{missing}`"))
                .with_help("every Kubernetes object needs `apiVersion` and `kind`")
                .at(source.locate("")));
        }
    };
    if let Some(items) = node.get("items")
        && (kind == "List" || kind.ends_with("List"))
    {
        let Value::Seq(list) = &items.value else {
            return Err(Error::new(ErrorCode::ResourceShape, format!("`items` of a `{kind}` must be a list"))
                .at(source.locate("/items")));
        };
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty()).map(str::to_owned);
        let inherit = item_kind.as_deref().map(|k| (api_version.as_str(), k));
        // the items of a large list (`kubectl get -o yaml`) on the available cores, in order
        let read_item = |i: usize, _: &Node| -> Vec<Result<Item, Error>> {
            let item = SourceDoc {
                file: source.file.clone(),
                root: source.root.clone(),
                base: format!("{}/items/{i}", source.base),
                document: source.document,
            };
            let mut one = Vec::new();
            read_node(item, inherit, strict, &mut one);
            one
        };
        for results in crate::parallel::map_ordered(list, PARALLEL_ITEMS, &read_item) {
            out.extend(results);
            if strict && out.last().is_some_and(Result::is_err) {
                return Ok(());
            }
        }
        return Ok(());
    }
    out.push(read_object(&api_version, &kind, source));
    Ok(())
}

fn read_object(api_version: &str, kind: &str, source: SourceDoc) -> Result<Item, Error> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    // a build without `routes` (the WebAssembly core build) does not resolve them: they are
    // resources it does not evaluate
    #[cfg(not(feature = "routes"))]
    let group = if ingress::route_kind(group, kind).is_some() { ROUTES_NOT_EVALUATED } else { group };
    let fields = read::Fields::new(&source, kind);
    let node = fields.root();
    Ok(match (group, kind) {
        ("", "Namespace") => {
            let meta = fields.meta(node, "")?;
            let name = meta.name.unwrap_or_default();
            let labels = meta.labels.unwrap_or_default();
            Item::Namespace(Box::new(NamespaceResource { name, labels, source }))
        }
        ("", "Pod") => {
            let meta = fields.meta(node, "")?;
            let spec = fields.pod_spec(node, "spec", "")?;
            let ips = fields.pod_ips(node)?;
            let (namespace, name) = meta.names();
            let (labels, owners) = (meta.labels.unwrap_or_default(), meta.owners.unwrap_or_default());
            Item::Pod(Box::new(PodResource { namespace, name, labels, owners, spec, ips, source }))
        }
        ("", "Service") => {
            let meta = fields.meta(node, "")?;
            let mut cluster_ips = Vec::new();
            if let Some(spec) = fields.map(node, "spec", "")? {
                let listed: Option<Vec<String>> = fields.typed(spec, "clusterIPs", "/spec")?;
                let single: Option<String> = fields.typed(spec, "clusterIP", "/spec")?;
                for ip in listed.into_iter().flatten().chain(single) {
                    if !cluster_ips.contains(&ip) {
                        cluster_ips.push(ip);
                    }
                }
            }
            #[cfg(feature = "routes")]
            let routing = ingress::read_service_routing(&fields)?;
            #[cfg(not(feature = "routes"))]
            let routing = ServiceRouting::default();
            let (namespace, name) = meta.names();
            Item::Service(Box::new(ServiceResource { namespace, name, cluster_ips, routing, source }))
        }
        ("networking.k8s.io" | "extensions", "NetworkPolicy") => {
            let object = fields.network_policy()?;
            let namespace_given = object.metadata.namespace.is_some();
            let meta = &object.metadata;
            let (namespace, name) =
                namespace_and_name(meta.namespace.as_deref(), meta.name.as_deref(), meta.generate_name.as_deref());
            Item::Policy(Box::new(PolicyResource {
                object,
                namespace,
                name,
                namespace_given,
                api_version: api_version.to_owned(),
                source,
            }))
        }
        #[cfg(feature = "routes")]
        (group, _) if let Some(route) = ingress::route_kind(group, kind) => {
            ingress::read_route(route, &fields, &source)?
        }
        ("", "Node") => Item::Node(Box::new(cluster::read_node(&fields, source.clone())?)),
        (group, _) if cluster::is_evaluated(group, api_version.rsplit('/').next().unwrap_or(""), kind) => {
            Item::ClusterPolicy(Box::new(cluster::read_cluster_policy(&fields, api_version, kind, source.clone())?))
        }
        ("" | "apps" | "extensions" | "batch", _) => match WorkloadKind::from_kind(kind) {
            Some(wk) => read_workload(wk, &fields, &source)?,
            None => Item::Skipped(format!("{api_version}/{kind}")),
        },
        (group, _) => match unevaluated_reason(group, api_version.rsplit('/').next().unwrap_or(""), kind) {
            Some(reason) => {
                let meta = fields.meta(fields.root(), "")?;
                let given = meta.namespace.as_deref().is_some_and(|n| !n.is_empty());
                let (namespace, name) = meta.names();
                let namespace = given.then_some(namespace);
                Item::Unevaluated(Box::new(UnevaluatedPolicy {
                    api_version: api_version.to_owned(),
                    kind: kind.to_owned(),
                    namespace,
                    name,
                    reason,
                    source,
                }))
            }
            None => Item::Skipped(format!("{api_version}/{kind}")),
        },
    })
}

/// A workload: its own metadata, and its pod template's labels and spec.
fn read_workload(kind: WorkloadKind, fields: &read::Fields<'_>, source: &SourceDoc) -> Result<Item, Error> {
    let node = fields.root();
    let meta = fields.meta(node, "")?;
    let (steps, pointer): (&[&str], &'static str) = match kind {
        WorkloadKind::CronJob => (&["spec", "jobTemplate", "spec", "template"], "/spec/jobTemplate/spec/template"),
        _ => (&["spec", "template"], "/spec/template"),
    };
    let mut at = Some(node);
    let mut path = String::new();
    for step in steps {
        at = match at {
            Some(n) => fields.map(n, step, &path)?,
            None => None,
        };
        path.push('/');
        path.push_str(step);
    }
    let (template_labels, spec) = match at {
        Some(template) => {
            (fields.meta(template, pointer)?.labels.unwrap_or_default(), fields.pod_spec(template, "spec", pointer)?)
        }
        None => (BTreeMap::new(), PodSpecSummary::default()),
    };
    let (namespace, name) = meta.names();
    Ok(Item::Workload(Box::new(WorkloadResource {
        kind,
        namespace,
        name,
        labels: meta.labels.unwrap_or_default(),
        owners: meta.owners.unwrap_or_default(),
        template_labels,
        spec,
        template_pointer: pointer,
        source: source.clone(),
    })))
}

/// The namespace an object is in (`default` when unset or empty) and its name (`generateName`
/// when it has none).
pub(crate) fn namespace_and_name(
    namespace: Option<&str>,
    name: Option<&str>,
    generate_name: Option<&str>,
) -> (String, String) {
    let namespace = namespace.filter(|n| !n.is_empty()).unwrap_or("default");
    (namespace.to_owned(), name.or(generate_name).unwrap_or_default().to_owned())
}

/// A slim copy of a document tree, made once its resources are decoded: a pod keeps its
/// position and its `hostNetwork` key ([`slim_pod`]); a workload keeps what findings and
/// endpoints point at (`apiVersion`, `kind`, `metadata` without `managedFields`, and of its pod
/// template the `metadata` and of the pod spec `hostNetwork` and each container's `name` and
/// `ports`). Other kinds
/// keep their whole tree. A pointer into a dropped part locates its deepest kept parent. The
/// copy is freshly allocated so the whole original can be freed.
fn slim_tree(node: &Node, inherited_kind: Option<&str>) -> Node {
    let kind = node.get("kind").and_then(Node::as_str).or(inherited_kind);
    let Some(kind) = kind else { return node.clone() };
    if kind == "List" || kind.ends_with("List") {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        return map_entries(node, |key, value| {
            Some(match &value.value {
                Value::Seq(items) if key == "items" => Node {
                    value: Value::Seq(crate::parallel::map_ordered(items, PARALLEL_ITEMS, &|_, item| {
                        slim_tree(item, item_kind)
                    })),
                    line: value.line,
                    column: value.column,
                },
                _ => value.clone(),
            })
        });
    }
    let template_path: &'static [&'static str] = match WorkloadKind::from_kind(kind) {
        Some(WorkloadKind::CronJob) => &["jobTemplate", "spec", "template"],
        Some(_) => &["template"],
        None if kind == "Pod" => return slim_pod(node),
        None => return node.clone(),
    };
    map_entries(node, |key, value| match key {
        "apiVersion" | "kind" => Some(value.clone()),
        "metadata" => Some(slim_metadata(value)),
        "spec" if template_path.is_empty() => Some(slim_pod_spec(value)),
        "spec" => Some(slim_to_template(value, template_path)),
        _ => None,
    })
}

/// A pod keeps its position and, when its spec says `hostNetwork`, that key: all that findings
/// point at in a pod (its resource location, `NF105`). A cluster's pods are most of what a
/// large input holds, so the others keep no node at all (a pointer into one locates the pod).
fn slim_pod(node: &Node) -> Node {
    let host_network = node.get("spec").and_then(|spec| spec.key("hostNetwork").map(|key| (spec, key)));
    match host_network {
        Some((spec, key)) => {
            let value = spec.get("hostNetwork").cloned().unwrap_or_else(|| Node::synthetic(Value::Null));
            let spec = Node { value: Value::Map(vec![(key.clone(), value)]), line: spec.line, column: spec.column };
            let spec_key =
                node.key("spec").cloned().unwrap_or_else(|| Key { name: "spec".to_owned(), line: 0, column: 0 });
            Node { value: Value::Map(vec![(spec_key, spec)]), line: node.line, column: node.column }
        }
        None => Node { value: Value::Null, line: node.line, column: node.column },
    }
}

/// Down `path` (keeping only it) to a pod template: its `metadata` and slim pod spec.
fn slim_to_template(node: &Node, path: &[&str]) -> Node {
    match path.split_first() {
        Some((first, rest)) => map_entries(node, |key, value| (key == *first).then(|| slim_to_template(value, rest))),
        None => map_entries(node, |key, value| match key {
            "metadata" => Some(slim_metadata(value)),
            "spec" => Some(slim_pod_spec(value)),
            _ => None,
        }),
    }
}

fn slim_pod_spec(node: &Node) -> Node {
    map_entries(node, |key, value| match (key, &value.value) {
        ("hostNetwork", _) => Some(value.clone()),
        ("containers" | "initContainers", Value::Seq(containers)) => Some(Node {
            value: Value::Seq(
                containers
                    .iter()
                    .map(|c| map_entries(c, |key, value| matches!(key, "name" | "ports").then(|| value.clone())))
                    .collect(),
            ),
            line: value.line,
            column: value.column,
        }),
        _ => None,
    })
}

fn slim_metadata(node: &Node) -> Node {
    map_entries(node, |key, value| {
        matches!(key, "name" | "generateName" | "namespace" | "labels").then(|| value.clone())
    })
}

/// A copy of a mapping with the entries `keep` returns (a non-mapping is copied whole).
fn map_entries(node: &Node, mut keep: impl FnMut(&str, &Node) -> Option<Node>) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            value: Value::Map(entries.iter().filter_map(|(k, v)| keep(&k.name, v).map(|v| (k.clone(), v))).collect()),
            line: node.line,
            column: node.column,
        },
        _ => node.clone(),
    }
}

/// Rewrites serde's message so it names YAML shapes, not Rust types: `invalid type: sequence,
/// expected PodSpec` becomes `expected a mapping, found a sequence`.
fn plain_serde_message(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return message.to_owned();
    };
    let is_type_name = |s: &str| {
        let s = s.strip_prefix("struct ").unwrap_or(s);
        s.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
    };
    let expected = if is_type_name(expected) {
        "a mapping".to_owned()
    } else if expected.starts_with("a sequence") || expected == "a vector" {
        "a list".to_owned()
    } else {
        expected.to_owned()
    };
    let found = if found == "sequence" {
        "a list".to_owned()
    } else if found == "map" {
        "a mapping".to_owned()
    } else {
        found.to_owned()
    };
    format!("expected {expected}, found {found}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod",
   "metadata": {"name": "a", "namespace": "x", "labels": {"app": "a"},
                "managedFields": [{"manager": "kubectl"}]},
   "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx",
            "ports": [{"name": "http", "containerPort": 80}], "env": [{"name": "A", "value": "1"}]}]},
   "status": {"podIP": "10.0.0.1"}},
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "p", "namespace": "x"},
   "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}
]}"#;

    const CRONJOB: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: x}
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: c}}
        spec:
          hostNetwork: true
          containers: [{name: c, image: busybox, ports: [{name: http, containerPort: 80}]}]
";

    /// A large list read item by item (each item its resource's own tree, parsed, read and
    /// slimmed on its thread) gives the same resources, trees, locations and errors as the
    /// list read as one tree.
    #[test]
    fn list_items_read_one_by_one_as_in_the_whole_list() {
        let mut items = Vec::new();
        let mut bytes = 0;
        // over the size at which a list is parsed item by item
        for i in 0usize.. {
            if bytes >= (5 << 20) {
                break;
            }
            let (m, host) = (i % 7, i % 2 == 0);
            let (a, b, c) = (i / 65536 % 256, i / 256 % 256, i % 256);
            let item = match i % 9 {
                0 => format!(
                    r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{i}", "namespace": "ns{m}", "labels": {{"app": "a{m}"}}, "ownerReferences": [{{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs{m}", "uid": "u"}}], "managedFields": [{{"manager": "kubectl"}}]}}, "spec": {{"hostNetwork": {host}, "containers": [{{"name": "c", "image": "nginx:{i}", "ports": [{{"name": "http", "containerPort": 80}}]}}]}}, "status": {{"podIP": "10.{a}.{b}.{c}", "podIPs": [{{"ip": "10.{a}.{b}.{c}"}}, {{"ip": "fd00::{i:x}"}}]}}}}"#
                ),
                1 => format!(
                    r#"{{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {{"name": "d{i}", "namespace": "ns1"}}, "spec": {{"selector": {{"matchLabels": {{"app": "d"}}}}, "template": {{"metadata": {{"labels": {{"app": "d{i}"}}}}, "spec": {{"containers": [{{"name": "web", "ports": [{{"containerPort": 8080}}]}}]}}}}}}}}"#
                ),
                2 => format!(
                    r#"{{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {{"name": "cj{i}"}}, "spec": {{"jobTemplate": {{"spec": {{"template": {{"spec": {{"hostNetwork": true, "containers": [{{"name": "j"}}]}}}}}}}}}}}}"#
                ),
                // what the reader rejects is reported the same
                3 => format!(
                    r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "bad{i}", "labels": "app=x"}}}}"#
                ),
                4 => format!(r#"{{"apiVersion": "v1", "metadata": {{"name": "nokind{i}"}}}}"#),
                5 => format!(
                    r#"{{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {{"name": "s{i}"}}, "spec": {{"template": 7}}}}"#
                ),
                6 => format!(
                    r#"{{"apiVersion": "v1", "kind": "Namespace", "metadata": {{"name": "ns{i}", "labels": {{"team": "t"}}}}}}"#
                ),
                7 => format!(
                    r#"{{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {{"name": "np{i}", "namespace": "ns1"}}, "spec": {{"podSelector": {{}}, "ingress": [{{"ports": [{{"port": 80}}]}}]}}}}"#
                ),
                _ => format!(
                    r#"{{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": "cm{i}"}}, "data": {{"k": "{i}"}}}}"#
                ),
            };
            bytes += item.len() + 2;
            items.push(item);
        }
        let json = format!("{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{}\n]}}\n", items.join(",\n"));
        let options = ParseOptions { max_input_bytes: 64 << 20, max_nodes: 50_000_000, ..ParseOptions::default() };
        let read = |by_item: bool| {
            let mut set = ResourceSet::default();
            set.add_text_with(&json, "list.json", &options, by_item).unwrap();
            set
        };
        // what was read, each resource's tree and where its parts are
        let summary = |set: &ResourceSet| {
            let at = |s: &SourceDoc| {
                let (here, meta) = (s.locate(""), s.locate_key("/metadata", "name"));
                format!("{}#{} {:?} {here:?} {meta:?}", s.file, s.document, s.node())
            };
            let mut out = Vec::new();
            out.extend(set.namespaces.iter().map(|r| format!("{} {:?} {}", r.name, r.labels, at(&r.source))));
            out.extend(set.pods.iter().map(|r| {
                format!(
                    "{}/{} {:?} {:?} {:?} {:?} {}",
                    r.namespace,
                    r.name,
                    r.labels,
                    r.owners,
                    r.spec,
                    r.ips,
                    at(&r.source)
                )
            }));
            out.extend(set.workloads.iter().map(|r| {
                let (labels, template) = (&r.labels, &r.template_labels);
                let spec = r.source.locate(r.template_pointer);
                format!(
                    "{:?} {}/{} {labels:?} {template:?} {:?} {spec:?} {}",
                    r.kind,
                    r.namespace,
                    r.name,
                    r.spec,
                    at(&r.source)
                )
            }));
            out.extend(set.policies.iter().map(|r| format!("{:?} {}", r.object, at(&r.source))));
            out.extend(set.errors.iter().map(|e| format!("{e:?}")));
            out.push(format!("{:?}", set.skipped));
            out
        };
        let (by_item, whole) = (read(true), read(false));
        // identical errors: ten of each listed, the others counted
        let errors = by_item.errors.len() + by_item.errors_omitted;
        assert!(by_item.pods.len() > 1000 && errors > 100, "{} pods", by_item.pods.len());
        assert_eq!(by_item.errors.len(), 3 * SAME_ERRORS_LISTED);
        assert_eq!(summary(&by_item), summary(&whole));
        // read one by one (where the list is parsed item by item: more than one core)
        if crate::parallel::threads() > 1 {
            assert_eq!((by_item.pods[0].source.base.as_str(), whole.pods[0].source.base.as_str()), ("", "/items/0"));
        }
    }

    #[test]
    fn pod_and_workload_trees_are_slim_and_still_locate() {
        let mut set = ResourceSet::default();
        set.add_text(LIST, "in.json", &ParseOptions::default()).unwrap();
        let (pod, policy) = (&set.pods[0], &set.policies[0]);
        // what netfence reads of it
        assert_eq!(pod.ips, ["10.0.0.1"]);
        assert!(pod.spec.host_network);
        assert_eq!(pod.spec.containers[0].name, "c");
        assert_eq!(pod.spec.containers[0].ports[0].name.as_deref(), Some("http"));
        assert_eq!(pod.labels.get("app").map(String::as_str), Some("a"));
        // the tree keeps what findings point at: the pod and its `hostNetwork` key
        let node = pod.source.node();
        let keys: Vec<&str> = match &node.value {
            Value::Map(entries) => entries.iter().map(|(k, _)| k.name.as_str()).collect(),
            _ => Vec::new(),
        };
        assert_eq!(keys, ["spec"]);
        assert_eq!(node.get("spec").unwrap().get("hostNetwork").unwrap().value, Value::Bool(true));
        assert_eq!((pod.source.locate("").line, pod.source.locate("").column), (2, 3));
        assert_eq!(pod.source.locate_key("/spec", "hostNetwork").line, 5);
        // a dropped part locates its deepest kept parent
        assert_eq!(pod.source.locate("/status/podIP").line, 2);
        assert_eq!(pod.source.locate("/metadata/labels/app").line, 2);
        assert_eq!(pod.source.locate("/spec/containers/0/ports/0").line, 5);
        // a pod without `hostNetwork` keeps no node
        let mut set = ResourceSet::default();
        set.add_text(&LIST.replace("\"hostNetwork\": true, ", ""), "in.json", &ParseOptions::default()).unwrap();
        assert_eq!(set.pods[0].source.node().value, Value::Null);
        assert_eq!(set.pods[0].source.locate("/metadata/name").line, 2);
        // policies keep their whole tree; a JSON list's items are read one by one (each its tree)
        assert_eq!(policy.source.base, "");
        let port = policy.source.locate("/spec/ingress/0/ports/0/port");
        assert_eq!((port.line, port.pointer.as_str()), (10, "/spec/ingress/0/ports/0/port"));

        let mut set = ResourceSet::default();
        set.add_text(CRONJOB, "c.yaml", &ParseOptions::default()).unwrap();
        let w = &set.workloads[0];
        assert_eq!(w.template_pointer, "/spec/jobTemplate/spec/template");
        assert_eq!(w.source.locate(w.template_pointer).line, 9);
        assert_eq!(w.source.locate_key("/spec/jobTemplate/spec/template/spec", "hostNetwork").line, 11);
        assert!(w.source.node().get("spec").unwrap().get("schedule").is_none());
        assert_eq!((w.kind, w.namespace.as_str(), w.name.as_str()), (WorkloadKind::CronJob, "x", "c"));
        assert_eq!(w.spec.containers[0].ports[0].container_port, 80);
        assert!(w.spec.host_network);
        assert_eq!(w.template_labels.get("app").map(String::as_str), Some("c"));
    }
}
