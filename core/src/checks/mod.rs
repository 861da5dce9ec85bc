//! Review checks: what a set of valid NetworkPolicies really does to the workloads of the
//! inventory, reported as findings — `NF1xx` hygiene, `NF2xx` exposure, `NF3xx` dead or
//! ineffective, `NF4xx` change review (in [`change`], run on a base and a head).
//!
//! One check per file: its documentation in fixed sections (`DOCS`), its [`CheckMeta`] and a
//! check function. [`CHECKS`] is the one registry list; [`run_checks`] runs them in a
//! deterministic order; [`check_docs`] renders `docs/checks/`. Checks are backed by the
//! engine, so "selects nothing" or "already allowed" means on this inventory.
//!
//! ```
//! use netfence::checks::{CheckConfig, run_checks};
//! use netfence::engine::{CompiledCluster, EngineOptions};
//! use netfence::inventory::ResourceSet;
//! use netfence::source::ParseOptions;
//!
//! let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
//!             metadata: {name: open, namespace: shop}\n\
//!             spec: {podSelector: {}, ingress: [{}]}\n";
//! let mut set = ResourceSet::default();
//! set.add_text(yaml, "open.yaml", &ParseOptions::default()).unwrap();
//! let cluster = CompiledCluster::compile(&set, &EngineOptions::default());
//! let findings = run_checks(&set, &cluster, &CheckConfig::default());
//! assert_eq!(findings[0].id, "NF205");
//! assert_eq!(findings[0].location.as_ref().unwrap().pointer, "/spec/ingress/0");
//! ```

pub mod change;
mod config;
mod context;
mod docs;

mod all_namespaces_peer;
mod allow_all_rule;
mod broad_cidr;
mod dns_blocked;
mod duplicate_policy;
mod host_network_workload;
mod ignored_rules;
mod implicit_policy_types;
mod ip_block_any_address;
mod ip_block_covers_cluster;
mod missing_default_deny_egress;
mod missing_default_deny_ingress;
mod peer_selects_nothing;
mod pod_selector_other_namespace;
mod policy_selects_nothing;
mod policy_without_namespace;
mod recent_api_feature;
mod redundant_rule;
mod shadowed_rule;
mod split_peer;
mod unknown_named_port;
mod workload_not_isolated_egress;
mod workload_not_isolated_ingress;

use crate::sorted::CompactSort;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use config::CheckConfig;
pub(crate) use context::CheckContext;
pub use docs::check_docs;

use crate::engine::CompiledCluster;
use crate::inventory::{PolicyResource, ResourceSet};
use crate::model::{Finding, Severity};
use crate::source::Location;

/// The annotation that suppresses check ids (or names) for findings located in a policy,
/// e.g. `netfence.dev/ignore: "NF201,NF305"`.
pub const IGNORE_ANNOTATION: &str = "netfence.dev/ignore";

/// What a check is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Category {
    /// `NF1xx`: how policies are written (namespaces, policy types, API features).
    Hygiene,
    /// `NF2xx`: traffic that is allowed more broadly than it likely should be.
    Exposure,
    /// `NF3xx`: policies, rules, selectors or ports that do nothing, or not what they seem to.
    Ineffective,
    /// `NF4xx`: what a change from a base to a head opens, removes or widens.
    Change,
}

impl Category {
    /// `hygiene`, `exposure`, `ineffective` or `change`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hygiene => "hygiene",
            Self::Exposure => "exposure",
            Self::Ineffective => "ineffective",
            Self::Change => "change",
        }
    }
}

/// A check's metadata. Ids are permanent and never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckMeta {
    /// Stable id, e.g. `NF201`.
    pub id: &'static str,
    /// Kebab-case name, e.g. `missing-default-deny-ingress`.
    pub name: &'static str,
    /// Default severity of its findings (a [`CheckConfig`] may override it).
    pub severity: Severity,
    /// Category (matches the id's hundred).
    pub category: Category,
    /// The netfence version that introduced it.
    pub since: &'static str,
    /// What it flags, in one line.
    pub summary: &'static str,
}

impl CheckMeta {
    /// A finding of this check at `location`.
    pub(crate) fn finding(&self, location: Location, message: impl Into<String>, help: impl Into<String>) -> Draft {
        Draft { finding: Finding::new(self.id, self.name, self.severity, location, message, help), policy: None }
    }
}

/// A registered check: metadata, documentation (markdown, fixed sections) and the function.
#[derive(Clone, Copy)]
pub struct Check {
    /// Metadata.
    pub meta: CheckMeta,
    /// Documentation: `## What it flags`, `## Why it matters`, `## Example`, `## How to fix`.
    pub docs: &'static str,
    run: fn(&CheckContext<'_>, &mut Vec<Draft>),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("meta", &self.meta).finish_non_exhaustive()
    }
}

/// A finding being put together by a check, with the policy it is located in (for the
/// suppression annotation).
pub(crate) struct Draft {
    finding: Finding,
    policy: Option<usize>,
}

impl Draft {
    /// Places the finding in policy `index` of the resource set.
    #[must_use]
    pub(crate) fn in_policy(mut self, index: usize, policy: &PolicyResource) -> Self {
        self.finding.resource = Some(format!("NetworkPolicy {}/{}", policy.namespace, policy.name));
        self.policy = Some(index);
        self
    }

    /// Names the resource concerned (`Kind namespace/name`).
    #[must_use]
    pub(crate) fn resource(mut self, resource: impl Into<String>) -> Self {
        self.finding.resource = Some(resource.into());
        self
    }

    /// The suggested replacement (YAML) for the value at the finding's location.
    #[must_use]
    pub(crate) fn fix(mut self, yaml: Option<String>) -> Self {
        self.finding.fix = yaml;
        self
    }

    /// Adds related locations.
    #[must_use]
    pub(crate) fn related(mut self, locations: impl IntoIterator<Item = Location>) -> Self {
        self.finding.related.extend(locations);
        self
    }
}

/// Every check, in id order. Registering a check is one line here.
pub static CHECKS: &[Check] = &[
    policy_without_namespace::CHECK,
    implicit_policy_types::CHECK,
    recent_api_feature::CHECK,
    split_peer::CHECK,
    duplicate_policy::CHECK,
    missing_default_deny_ingress::CHECK,
    missing_default_deny_egress::CHECK,
    workload_not_isolated_ingress::CHECK,
    workload_not_isolated_egress::CHECK,
    allow_all_rule::CHECK,
    all_namespaces_peer::CHECK,
    ip_block_any_address::CHECK,
    broad_cidr::CHECK,
    policy_selects_nothing::CHECK,
    peer_selects_nothing::CHECK,
    pod_selector_other_namespace::CHECK,
    unknown_named_port::CHECK,
    redundant_rule::CHECK,
    shadowed_rule::CHECK,
    ignored_rules::CHECK,
    ip_block_covers_cluster::CHECK,
    host_network_workload::CHECK,
    dns_blocked::CHECK,
];

/// Runs every enabled check over the resources and their compiled cluster. Findings are
/// sorted by file, line, column, id and message; severities follow `config`; findings located
/// in a policy whose `netfence.dev/ignore` annotation names the check are dropped.
#[must_use]
pub fn run_checks(resources: &ResourceSet, cluster: &CompiledCluster, config: &CheckConfig) -> Vec<Finding> {
    let ctx = CheckContext::new(resources, cluster, config);
    let mut findings = Vec::new();
    for check in CHECKS {
        if !config.enabled(&check.meta) {
            continue;
        }
        let mut drafts = Vec::new();
        (check.run)(&ctx, &mut drafts);
        let severity = config.severity_of(&check.meta);
        for draft in drafts {
            let suppressed =
                draft.policy.and_then(|i| resources.policies.get(i)).is_some_and(|p| suppresses(p, &check.meta));
            if suppressed {
                continue;
            }
            let mut finding = draft.finding;
            finding.severity = severity;
            findings.push(finding);
        }
    }
    sort_findings(&mut findings);
    findings
}

/// Sorts findings by file, line, column, id and message.
pub(crate) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_compact_by(|a, b| {
        let key = |f: &Finding| {
            let l = f.location.as_ref();
            (l.map(|l| l.file.clone()), l.map(|l| (l.line, l.column)), f.id.clone(), f.message.clone())
        };
        key(a).cmp(&key(b))
    });
}

/// Whether the policy's `netfence.dev/ignore` annotation names the check (by id or name).
fn suppresses(policy: &PolicyResource, meta: &CheckMeta) -> bool {
    let Some(list) = policy.object.metadata.annotations.as_ref().and_then(|a| a.get(IGNORE_ANNOTATION)) else {
        return false;
    };
    list.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .map(str::trim)
        .any(|item| item.eq_ignore_ascii_case(meta.id) || item == meta.name)
}
