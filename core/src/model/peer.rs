//! The peer shape of netfence's own formats: pods in namespaces given by name or by labels.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::IntentSelector;

/// Pods matching `podSelector` in a namespace given by name or by labels: one side of a
/// requirement, and where the intent's cluster DNS (`dns`) and ingress controller
/// (`ingressController`) run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeerSelector {
    /// The namespace by name; give this or `namespaceSelector`. The intent's defaults:
    /// `kube-system` for `dns`, `ingress-nginx` for `ingressController`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The namespaces by labels (`{}`: every namespace); give this or `namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<IntentSelector>,
    /// The pods in those namespaces. Left out: every pod of a requirement's side; the intent's
    /// defaults are `k8s-app=kube-dns` for `dns` and
    /// `app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller` for
    /// `ingressController`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<IntentSelector>,
}
