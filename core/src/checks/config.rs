//! Check configuration (the `checks` part of `netfence.yaml`): per-check severities, disabled
//! checks, thresholds and facts about the cluster the inventory cannot tell.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RuleMeta;
use crate::model::Severity;

/// How checks run. Every field is optional; the defaults suit a typical cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct CheckConfig {
    /// Checks to skip, by id (`NF305`) or name (`redundant-rule`).
    pub disable: Vec<String>,
    /// Severity per check id or name, replacing the check's default.
    pub severity: BTreeMap<String, Severity>,
    /// `broad-cidr` flags IPv4 CIDRs with a prefix shorter than this (default 8).
    pub broad_cidr_prefix_v4: u8,
    /// `broad-cidr` flags IPv6 CIDRs with a prefix shorter than this (default 32).
    pub broad_cidr_prefix_v6: u8,
    /// The cluster's pod CIDRs, e.g. `10.244.0.0/16` (pod IPs in the inventory are used too).
    pub pod_cidrs: Vec<String>,
    /// The cluster's service CIDRs, e.g. `10.96.0.0/12` (Service cluster IPs in the inventory
    /// are used too).
    pub service_cidrs: Vec<String>,
    /// Labels of the cluster DNS pods (default `k8s-app: kube-dns`).
    pub dns_labels: BTreeMap<String, String>,
    /// Namespaces the namespace-wide checks (default deny, isolation) leave out (default the
    /// system namespaces `kube-system`, `kube-public`, `kube-node-lease`).
    pub exclude_namespaces: Vec<String>,
    /// The oldest Kubernetes version (`1.29`) the policies must work on; `recent-api-feature`
    /// flags features newer than it. Unset: every such feature is flagged.
    pub kubernetes_version: Option<String>,
    /// The input is the whole cluster: a namespace selector or a policy that matches nothing
    /// is flagged even without a near miss. Off by default, as inputs are often partial.
    pub complete_inventory: bool,
}

impl Default for CheckConfig {
    fn default() -> Self {
        Self {
            disable: Vec::new(),
            severity: BTreeMap::new(),
            broad_cidr_prefix_v4: 8,
            broad_cidr_prefix_v6: 32,
            pod_cidrs: Vec::new(),
            service_cidrs: Vec::new(),
            dns_labels: BTreeMap::from([("k8s-app".to_owned(), "kube-dns".to_owned())]),
            exclude_namespaces: ["kube-system", "kube-public", "kube-node-lease"].map(str::to_owned).to_vec(),
            kubernetes_version: None,
            complete_inventory: false,
        }
    }
}

impl CheckConfig {
    /// Whether the check runs.
    #[must_use]
    pub fn enabled(&self, meta: &RuleMeta) -> bool {
        !self.disable.iter().any(|d| meta.is_named(d))
    }

    /// The severity of the check's findings.
    #[must_use]
    pub fn severity_of(&self, meta: &RuleMeta) -> Severity {
        self.severity.iter().find(|(k, _)| meta.is_named(k)).map_or(meta.severity, |(_, s)| *s)
    }

    /// Whether namespace-wide checks leave `namespace` out.
    pub(crate) fn excludes(&self, namespace: &str) -> bool {
        self.exclude_namespaces.iter().any(|n| n == namespace)
    }

    /// The configured minimum Kubernetes minor version (`1.29` → 29), when set and readable.
    pub(crate) fn minor_version(&self) -> Option<u32> {
        let text = self.kubernetes_version.as_deref()?.trim().trim_start_matches('v');
        let mut parts = text.split('.');
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        (major == 1).then_some(minor)
    }
}
