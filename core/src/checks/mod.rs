//! Review checks: what a set of valid NetworkPolicies really does to the workloads of the
//! inventory, reported as findings — `NF1xx` hygiene, `NF2xx` exposure, `NF3xx` dead or
//! ineffective, `NF4xx` change review (in [`change`], run on a base and a head).
//!
//! One check per file: its documentation in fixed sections (`DOCS`), its [`RuleMeta`](crate::model::RuleMeta) and a
//! check function. [`CHECKS`] is the one registry list; [`run_checks`] runs them in a
//! deterministic order; [`check_docs`] renders `docs/rules/`. Checks are backed by the
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

mod admin_deny_blocks_dns;
mod all_namespaces_peer;
mod allow_all_rule;
mod baseline_allow_all;
mod broad_cidr;
mod cluster_policy_selects_nothing;
mod dns_blocked;
mod duplicate_policy;
mod equal_admin_priority;
mod host_network_workload;
mod ignored_rules;
mod implicit_policy_types;
mod ip_block_any_address;
mod ip_block_covers_cluster;
mod missing_default_deny_egress;
mod missing_default_deny_ingress;
mod pass_without_network_policy;
mod peer_selects_nothing;
mod pod_selector_other_namespace;
mod policy_selects_nothing;
mod policy_without_namespace;
mod recent_api_feature;
mod redundant_rule;
mod shadowed_cluster_rule;
mod shadowed_rule;
mod split_peer;
mod unevaluated_policy;
mod unknown_named_port;
mod workload_not_isolated_egress;
mod workload_not_isolated_ingress;

use crate::sorted::CompactSort;

pub use config::CheckConfig;
pub(crate) use context::CheckContext;

use crate::engine::CompiledCluster;
use crate::inventory::{PolicyResource, ResourceSet};
pub use crate::model::Category;
pub(crate) use crate::model::Draft;
use crate::model::{Finding, RuleMeta};

/// The annotation that suppresses check ids (or names) for findings located in a policy,
/// e.g. `netfence.dev/ignore: "NF201,NF305"`.
pub const IGNORE_ANNOTATION: &str = "netfence.dev/ignore";

/// A registered check: metadata, documentation (markdown, fixed sections) and the function.
#[derive(Clone, Copy)]
pub struct Check {
    /// Metadata.
    pub meta: RuleMeta,
    /// Documentation: `## What it flags`, `## Why it matters`, `## Example`, `## How to fix`.
    pub docs: &'static str,
    run: fn(&CheckContext<'_>, &mut Vec<Draft>),
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check").field("meta", &self.meta).finish_non_exhaustive()
    }
}

/// Places a finding in a policy of the resource set (for the suppression annotation).
pub(crate) trait InPolicy {
    /// Places the finding in policy `index`, `policy`.
    #[must_use]
    fn in_policy(self, index: usize, policy: &PolicyResource) -> Self;
}

impl InPolicy for Draft {
    fn in_policy(self, index: usize, policy: &PolicyResource) -> Self {
        self.placed(index, format!("NetworkPolicy {}/{}", policy.namespace, policy.name))
    }
}

/// Every check, in id order. Registering a check is one line here.
pub static CHECKS: &[Check] = &[
    policy_without_namespace::CHECK,
    implicit_policy_types::CHECK,
    recent_api_feature::CHECK,
    split_peer::CHECK,
    duplicate_policy::CHECK,
    unevaluated_policy::CHECK,
    equal_admin_priority::CHECK,
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
    cluster_policy_selects_nothing::CHECK,
    pass_without_network_policy::CHECK,
    admin_deny_blocks_dns::CHECK,
    shadowed_cluster_rule::CHECK,
    baseline_allow_all::CHECK,
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
fn suppresses(policy: &PolicyResource, meta: &RuleMeta) -> bool {
    let Some(list) = policy.object.metadata.annotations.as_ref().and_then(|a| a.get(IGNORE_ANNOTATION)) else {
        return false;
    };
    list.split(|c: char| c == ',' || c.is_ascii_whitespace())
        .map(str::trim)
        .any(|item| !item.is_empty() && meta.is_named(item))
}
