//! The typed builder DSL and the declarative intent format: the "design" step of the cycle.
//!
//! Describe default deny plus allowances per namespace and workload; the builder turns them into
//! `networking.k8s.io/v1` NetworkPolicy objects, checks that every object it emits reads back as
//! the same object and passes [`crate::validate::validate_policy`], and renders YAML (what
//! `kubectl apply -f` takes) or JSON.
//!
//! ```
//! use netfence::builder::{Direction, NamespaceBuilder, Peer, PolicyBuilder, Port, Selector, WorkloadBuilder};
//!
//! let output = PolicyBuilder::new()
//!     .namespace(
//!         NamespaceBuilder::new("shop")
//!             .default_deny(Direction::Both)
//!             .allow_dns()
//!             .workload(
//!                 WorkloadBuilder::new("api")
//!                     .allow_from(Peer::pods(Selector::with_label("app", "frontend")), Port::tcp(8080))
//!                     .allow_to(Peer::pods_in_namespace("data", Selector::with_label("app", "postgres")), Port::named("postgres")),
//!             ),
//!     )
//!     .build()
//!     .unwrap();
//! let names: Vec<_> = output.policies().iter().filter_map(|p| p.metadata.name.as_deref()).collect();
//! assert_eq!(names, ["allow-dns", "api-ingress", "api-egress", "default-deny"]);
//! assert!(output.to_yaml().contains("kind: NetworkPolicy"));
//! ```
//!
//! Output order: every allowance of every namespace first (namespaces by name; within one,
//! `allow-dns`, `allow-same-namespace`, then workloads by name, ingress before egress), then the
//! default-deny policies, so `kubectl apply -f` installs the allowances before any deny.
//!
//! Note that any policy with `Egress` in its `policyTypes` isolates the pods it selects for
//! egress: an egress allowance for a workload in a namespace without default deny egress limits
//! that workload's egress to what its allowances (and `allow-dns`) permit.

mod compile;
mod guardrails;
mod intent;
pub(crate) mod output;
mod peer;
mod port;
mod selector;
mod syntax;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use guardrails::{GuardrailApiVersion, IntentGuardrails};
pub use intent::{
    INTENT_API_VERSION, INTENT_KIND, Intent, IntentApiVersion, IntentDns, IntentEgress, IntentIngress,
    IntentIngressController, IntentIpBlock, IntentKind, IntentNamespace, IntentPeer, IntentPodsInNamespace,
    IntentWorkload, build_intent, build_intent_text, build_intent_text_as, intent_schema, parse_intent,
};
pub use output::BuildOutput;
pub use peer::{ClusterDns, IngressController, Peer};
pub use port::{Port, PortValue};
pub use selector::{Expression, Selector};

use crate::error::Error;

/// Annotation holding, one line per rule, the intent each rule of a generated policy came from.
pub const INTENT_ANNOTATION: &str = "netfence.dev/intent";
/// Label on every generated policy.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Value of [`MANAGED_BY_LABEL`].
pub const MANAGED_BY: &str = "netfence";

/// Which traffic a default deny or an allowance concerns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Direction {
    /// Traffic to the selected pods.
    Ingress,
    /// Traffic from the selected pods.
    Egress,
    /// Both.
    Both,
}

impl Direction {
    /// Whether this includes ingress.
    #[must_use]
    pub fn ingress(self) -> bool {
        matches!(self, Self::Ingress | Self::Both)
    }

    /// Whether this includes egress.
    #[must_use]
    pub fn egress(self) -> bool {
        matches!(self, Self::Egress | Self::Both)
    }

    fn union(a: Option<Self>, b: Self) -> Self {
        match a {
            None => b,
            Some(a) if a == b => a,
            Some(_) => Self::Both,
        }
    }
}

/// One rule to be: peers (any of them) and ports (any of them; none = every port).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Allowance {
    pub(crate) peers: Vec<Peer>,
    pub(crate) ports: Vec<Port>,
}

/// The policies of one workload (a set of pods) in a namespace: allowances from and to peers.
///
/// The workload is selected by `app=<name>` unless [`WorkloadBuilder::pods`] says otherwise; its
/// name names the policies `<name>-ingress` and `<name>-egress`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct WorkloadBuilder {
    pub(crate) name: String,
    pub(crate) pods: Option<Selector>,
    pub(crate) ingress: Vec<Allowance>,
    pub(crate) egress: Vec<Allowance>,
}

impl WorkloadBuilder {
    /// A workload named `name`, selecting pods labelled `app=<name>`.
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into(), pods: None, ingress: Vec::new(), egress: Vec::new() }
    }

    /// Selects the workload's pods (default `app=<name>`).
    pub fn pods(mut self, selector: Selector) -> Self {
        self.pods = Some(selector);
        self
    }

    /// Allows traffic from `peers` to the workload on `ports` ([`Port::ALL`] for every port).
    /// Each call becomes one ingress rule.
    pub fn allow_from(mut self, peers: impl IntoIterator<Item = Peer>, ports: impl IntoIterator<Item = Port>) -> Self {
        self.ingress.push(Allowance { peers: peers.into_iter().collect(), ports: ports.into_iter().collect() });
        self
    }

    /// Allows traffic from the workload to `peers` on `ports` ([`Port::ALL`] for every port).
    /// Each call becomes one egress rule.
    pub fn allow_to(mut self, peers: impl IntoIterator<Item = Peer>, ports: impl IntoIterator<Item = Port>) -> Self {
        self.egress.push(Allowance { peers: peers.into_iter().collect(), ports: ports.into_iter().collect() });
        self
    }

    /// Allows traffic from the ingress controller configured on the [`PolicyBuilder`].
    pub fn allow_from_ingress_controller(self, ports: impl IntoIterator<Item = Port>) -> Self {
        self.allow_from(Peer::ingress_controller(), ports)
    }

    /// The selector of the workload's pods.
    pub fn selector(&self) -> Selector {
        self.pods.clone().unwrap_or_else(|| Selector::with_label("app", self.name.clone()))
    }
}

/// The policies of one namespace: default deny, DNS, same-namespace traffic and workloads.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct NamespaceBuilder {
    pub(crate) name: String,
    pub(crate) default_deny: Option<Direction>,
    pub(crate) allow_dns: bool,
    pub(crate) allow_same_namespace: bool,
    pub(crate) workloads: Vec<WorkloadBuilder>,
}

impl NamespaceBuilder {
    /// The namespace `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            default_deny: None,
            allow_dns: false,
            allow_same_namespace: false,
            workloads: Vec::new(),
        }
    }

    /// Denies traffic of every pod in `direction` unless a policy allows it. Calls add up:
    /// `Ingress` then `Egress` is `Both`.
    pub fn default_deny(mut self, direction: Direction) -> Self {
        self.default_deny = Some(Direction::union(self.default_deny, direction));
        self
    }

    /// Allows every pod egress to cluster DNS (UDP and TCP 53), as configured on the
    /// [`PolicyBuilder`]. Needs default deny egress: on its own it would isolate every pod.
    pub fn allow_dns(mut self) -> Self {
        self.allow_dns = true;
        self
    }

    /// Allows traffic between the namespace's pods, in each direction the namespace denies by
    /// default. Needs a default deny.
    pub fn allow_same_namespace(mut self) -> Self {
        self.allow_same_namespace = true;
        self
    }

    /// Adds a workload's allowances. A workload given twice (same name) adds up.
    pub fn workload(mut self, workload: WorkloadBuilder) -> Self {
        self.workloads.push(workload);
        self
    }
}

/// Builds NetworkPolicies for a set of namespaces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use]
pub struct PolicyBuilder {
    pub(crate) namespaces: Vec<NamespaceBuilder>,
    pub(crate) dns: ClusterDns,
    pub(crate) ingress_controller: IngressController,
    pub(crate) labels: BTreeMap<String, String>,
}

impl PolicyBuilder {
    /// An empty builder with default DNS (`kube-system`, `k8s-app=kube-dns`) and ingress
    /// controller (ingress-nginx).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a namespace. A namespace given twice adds up.
    pub fn namespace(mut self, namespace: NamespaceBuilder) -> Self {
        self.namespaces.push(namespace);
        self
    }

    /// Where cluster DNS runs, for [`NamespaceBuilder::allow_dns`].
    pub fn dns(mut self, dns: ClusterDns) -> Self {
        self.dns = dns;
        self
    }

    /// Which ingress controller [`Peer::ingress_controller`] means.
    pub fn ingress_controller(mut self, controller: IngressController) -> Self {
        self.ingress_controller = controller;
        self
    }

    /// Adds a label to every generated policy (besides `app.kubernetes.io/managed-by: netfence`).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Builds, checks and renders the policies.
    ///
    /// # Errors
    /// `NF-E012` ([`crate::ErrorCode::InvalidBuild`]) for input that cannot be expressed
    /// (invalid names, labels, CIDRs or ports; an allowance without peers; `allow_dns` without
    /// default deny egress; two policies with one name), or when an emitted policy does not read
    /// back identically or has an error-severity validation finding.
    pub fn build(&self) -> Result<BuildOutput, Error> {
        let policies = compile::compile(self)?;
        BuildOutput::new(policies)
    }

    /// The policies, neither rendered nor read back: for a caller that changes them further
    /// and renders (and so checks) the final ones with [`BuildOutput`], or only measures them.
    ///
    /// # Errors
    /// As [`Self::build`], except the read-back and validation of the emitted policies.
    pub(crate) fn compile_policies(&self) -> Result<Vec<k8s_openapi::api::networking::v1::NetworkPolicy>, Error> {
        compile::compile(self)
    }
}
