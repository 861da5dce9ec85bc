//! Peers of an allowance: who may connect to the target (ingress) or whom the target may reach
//! (egress).

use std::fmt;

use k8s_openapi::api::networking::v1::{IPBlock, NetworkPolicyPeer};

use super::selector::Selector;
use super::syntax::{check_except, check_namespace_name, parse_cidr};
use crate::error::{Error, ErrorCode};
use crate::inventory::NAMESPACE_NAME_LABEL;

/// Where the ingress controller runs. Default: namespace `ingress-nginx`, pods
/// `app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller` (the labels of
/// the official ingress-nginx chart and manifests).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[must_use]
pub struct IngressController {
    pub(crate) namespace: Selector,
    pub(crate) pods: Selector,
}

impl Default for IngressController {
    fn default() -> Self {
        Self::in_namespace("ingress-nginx").pods(
            Selector::new()
                .label("app.kubernetes.io/name", "ingress-nginx")
                .label("app.kubernetes.io/component", "controller"),
        )
    }
}

impl IngressController {
    /// A controller in namespace `name`, selecting all its pods until [`IngressController::pods`]
    /// narrows them.
    pub fn in_namespace(name: impl Into<String>) -> Self {
        Self { namespace: Selector::with_label(NAMESPACE_NAME_LABEL, name), pods: Selector::new() }
    }

    /// Selects the controller's namespace by labels.
    pub fn namespace_selector(mut self, selector: Selector) -> Self {
        self.namespace = selector;
        self
    }

    /// Selects the controller's pods.
    pub fn pods(mut self, selector: Selector) -> Self {
        self.pods = selector;
        self
    }
}

/// Where cluster DNS runs. Default: namespace `kube-system`, pods `k8s-app=kube-dns` (the label
/// kube-dns and CoreDNS deployments share).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[must_use]
pub struct ClusterDns {
    pub(crate) namespace: Selector,
    pub(crate) pods: Selector,
}

impl Default for ClusterDns {
    fn default() -> Self {
        Self::in_namespace("kube-system").pods(Selector::with_label("k8s-app", "kube-dns"))
    }
}

impl ClusterDns {
    /// DNS in namespace `name`, all pods until [`ClusterDns::pods`] narrows them.
    pub fn in_namespace(name: impl Into<String>) -> Self {
        Self { namespace: Selector::with_label(NAMESPACE_NAME_LABEL, name), pods: Selector::new() }
    }

    /// Selects the DNS namespace by labels.
    pub fn namespace_selector(mut self, selector: Selector) -> Self {
        self.namespace = selector;
        self
    }

    /// Selects the DNS pods.
    pub fn pods(mut self, selector: Selector) -> Self {
        self.pods = selector;
        self
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        self.namespace.check()?;
        self.pods.check()
    }

    pub(crate) fn to_peer(&self) -> NetworkPolicyPeer {
        NetworkPolicyPeer {
            ip_block: None,
            namespace_selector: Some(self.namespace.to_label_selector()),
            pod_selector: Some(self.pods.to_label_selector()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PeerKind {
    Anywhere,
    Pods(Selector),
    Namespace(String),
    Namespaces(Selector),
    PodsInNamespace { namespace: String, pods: Selector },
    PodsInNamespaces { namespaces: Selector, pods: Selector },
    Cidr { cidr: String, except: Vec<String> },
    IngressController(Option<IngressController>),
}

/// The other side of an allowance.
///
/// ```
/// use netfence::builder::{Peer, Selector};
/// let api = Peer::pods(Selector::with_label("app", "api"));
/// let db = Peer::pods_in_namespace("data", Selector::with_label("app", "postgres"));
/// let gateway = Peer::cidr("203.0.113.0/24").except("203.0.113.128/25");
/// assert_eq!(gateway.to_string(), "203.0.113.0/24 except 203.0.113.128/25");
/// # let _ = (api, db);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[must_use]
pub struct Peer {
    pub(crate) kind: PeerKind,
    /// `except` given to a peer that is not a CIDR; reported when the policy is built.
    misplaced_except: Vec<String>,
}

impl Peer {
    fn of(kind: PeerKind) -> Self {
        Self { kind, misplaced_except: Vec::new() }
    }

    /// Every peer: pods of every namespace and every external address (a rule without
    /// `from`/`to`).
    pub fn anywhere() -> Self {
        Self::of(PeerKind::Anywhere)
    }

    /// Pods of the target's own namespace matching `selector`.
    pub fn pods(selector: Selector) -> Self {
        Self::of(PeerKind::Pods(selector))
    }

    /// All pods of namespace `name` (selected by `kubernetes.io/metadata.name`).
    pub fn namespace(name: impl Into<String>) -> Self {
        Self::of(PeerKind::Namespace(name.into()))
    }

    /// All pods of the namespaces matching `selector`.
    pub fn namespaces(selector: Selector) -> Self {
        Self::of(PeerKind::Namespaces(selector))
    }

    /// Pods matching `pods` in namespace `namespace`.
    pub fn pods_in_namespace(namespace: impl Into<String>, pods: Selector) -> Self {
        Self::of(PeerKind::PodsInNamespace { namespace: namespace.into(), pods })
    }

    /// Pods matching `pods` in the namespaces matching `namespaces`.
    pub fn pods_in_namespaces(namespaces: Selector, pods: Selector) -> Self {
        Self::of(PeerKind::PodsInNamespaces { namespaces, pods })
    }

    /// Addresses in `cidr` (outside the cluster, in the default ipBlock semantics).
    pub fn cidr(cidr: impl Into<String>) -> Self {
        Self::of(PeerKind::Cidr { cidr: cidr.into(), except: Vec::new() })
    }

    /// Removes `cidr` from a [`Peer::cidr`] peer. On any other peer it is an error when built.
    pub fn except(mut self, cidr: impl Into<String>) -> Self {
        match &mut self.kind {
            PeerKind::Cidr { except, .. } => except.push(cidr.into()),
            _ => self.misplaced_except.push(cidr.into()),
        }
        self
    }

    /// The ingress controller configured on the [`super::PolicyBuilder`] (ingress-nginx by
    /// default).
    pub fn ingress_controller() -> Self {
        Self::of(PeerKind::IngressController(None))
    }

    /// A specific ingress controller.
    pub fn ingress_controller_at(controller: IngressController) -> Self {
        Self::of(PeerKind::IngressController(Some(controller)))
    }

    pub(crate) fn check(&self) -> Result<(), Error> {
        if let Some(e) = self.misplaced_except.first() {
            return Err(Error::new(ErrorCode::InvalidBuild, format!("`except` `{e}` given to the peer {self}"))
                .with_help("`except` only narrows a CIDR peer"));
        }
        match &self.kind {
            PeerKind::Anywhere => Ok(()),
            PeerKind::Pods(s) | PeerKind::Namespaces(s) => s.check(),
            PeerKind::Namespace(n) => check_namespace_name(n),
            PeerKind::PodsInNamespace { namespace, pods } => {
                check_namespace_name(namespace)?;
                pods.check()
            }
            PeerKind::PodsInNamespaces { namespaces, pods } => {
                namespaces.check()?;
                pods.check()
            }
            PeerKind::Cidr { cidr, except } => {
                let parsed = parse_cidr(cidr)?;
                for e in except {
                    check_except(cidr, &parsed, e)?;
                }
                Ok(())
            }
            PeerKind::IngressController(c) => match c {
                Some(c) => {
                    c.namespace.check()?;
                    c.pods.check()
                }
                None => Ok(()),
            },
        }
    }

    /// The Kubernetes form; `None` for [`Peer::anywhere`].
    pub(crate) fn to_policy_peer(&self, controller: &IngressController) -> Option<NetworkPolicyPeer> {
        let selectors = |ns: Option<&Selector>, pods: Option<&Selector>| NetworkPolicyPeer {
            ip_block: None,
            namespace_selector: ns.map(Selector::to_label_selector),
            pod_selector: pods.map(Selector::to_label_selector),
        };
        Some(match &self.kind {
            PeerKind::Anywhere => return None,
            PeerKind::Pods(s) => selectors(None, Some(s)),
            PeerKind::Namespace(n) => selectors(Some(&Selector::with_label(NAMESPACE_NAME_LABEL, n.clone())), None),
            PeerKind::Namespaces(s) => selectors(Some(s), None),
            PeerKind::PodsInNamespace { namespace, pods } => {
                selectors(Some(&Selector::with_label(NAMESPACE_NAME_LABEL, namespace.clone())), Some(pods))
            }
            PeerKind::PodsInNamespaces { namespaces, pods } => selectors(Some(namespaces), Some(pods)),
            PeerKind::Cidr { cidr, except } => NetworkPolicyPeer {
                ip_block: Some(IPBlock { cidr: cidr.clone(), except: (!except.is_empty()).then(|| except.clone()) }),
                namespace_selector: None,
                pod_selector: None,
            },
            PeerKind::IngressController(c) => {
                let c = c.as_ref().unwrap_or(controller);
                selectors(Some(&c.namespace), Some(&c.pods))
            }
        })
    }
}

impl IntoIterator for Peer {
    type Item = Peer;
    type IntoIter = std::iter::Once<Peer>;
    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(self)
    }
}

fn pods_phrase(s: &Selector) -> String {
    if s.is_empty() { "all pods".to_owned() } else { format!("pods {s}") }
}

fn namespaces_phrase(s: &Selector) -> String {
    if s.is_empty() {
        return "all namespaces".to_owned();
    }
    match s.labels().get(NAMESPACE_NAME_LABEL) {
        Some(name) if s.labels().len() == 1 && s.expressions().is_empty() => format!("namespace {name}"),
        _ => format!("namespaces {s}"),
    }
}

/// A short description for annotations and messages, e.g. `pods app=api in namespace shop`.
impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PeerKind::Anywhere => f.write_str("anywhere"),
            PeerKind::Pods(s) => write!(f, "{}", pods_phrase(s)),
            PeerKind::Namespace(n) => write!(f, "namespace {n}"),
            PeerKind::Namespaces(s) => write!(f, "{}", namespaces_phrase(s)),
            PeerKind::PodsInNamespace { namespace, pods } => {
                write!(f, "{} in namespace {namespace}", pods_phrase(pods))
            }
            PeerKind::PodsInNamespaces { namespaces, pods } => {
                write!(f, "{} in {}", pods_phrase(pods), namespaces_phrase(namespaces))
            }
            PeerKind::Cidr { cidr, except } if except.is_empty() => f.write_str(cidr),
            PeerKind::Cidr { cidr, except } => write!(f, "{cidr} except {}", except.join(",")),
            PeerKind::IngressController(_) => f.write_str("the ingress controller"),
        }
    }
}
