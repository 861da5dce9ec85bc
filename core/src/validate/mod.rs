//! API validation: every rule the Kubernetes API server enforces on a networking.k8s.io/v1
//! NetworkPolicy, reported as findings (`NF0xx`) with locations.
//!
//! One rule family per file; each file declares its rules' [`RuleMeta`] and a `check`
//! function. [`RULES`] is the one registry list. Errors are what the server would reject;
//! warnings are what it accepts but warns about (or what older servers and clients reject).
//!
//! ```
//! use netfence::inventory::ResourceSet;
//! use netfence::source::ParseOptions;
//! use netfence::validate::validate_resources;
//!
//! let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
//!             metadata: {name: web, namespace: shop}\n\
//!             spec: {podSelector: {}, ingress: [{ports: [{protocol: tcp, port: 80}]}]}\n";
//! let mut set = ResourceSet::default();
//! set.add_text(yaml, "web.yaml", &ParseOptions::default()).unwrap();
//! let findings = validate_resources(&set);
//! assert_eq!(findings[0].id, "NF017");
//! assert_eq!(findings[0].fix.as_deref(), Some("TCP"));
//! ```

mod api_version;
mod cluster_policy;
mod fields;
mod ip_block;
mod known_fields;
mod labels;
mod names;
mod peers;
mod ports;
mod selectors;
mod spec;
pub(crate) mod syntax;

#[cfg(not(target_arch = "wasm32"))]
pub use fields::known_fields_source;

use crate::sorted::CompactSort;

use crate::inventory::{PolicyResource, ResourceSet};
use crate::model::{Draft, Finding, RuleMeta};
use crate::source::Location;

/// What rules read and where they report.
pub(crate) struct Ctx<'a> {
    pub(crate) policy: &'a PolicyResource,
    resource: String,
    findings: Vec<Finding>,
}

impl<'a> Ctx<'a> {
    fn new(policy: &'a PolicyResource) -> Self {
        Self { policy, resource: format!("NetworkPolicy {}/{}", policy.namespace, policy.name), findings: Vec::new() }
    }

    /// The location of the value at `pointer` (relative to the resource).
    pub(crate) fn at(&self, pointer: &str) -> Location {
        self.policy.source.locate(pointer)
    }

    /// The location of key `key` in the mapping at `pointer`.
    pub(crate) fn at_key(&self, pointer: &str, key: &str) -> Location {
        self.policy.source.locate_key(pointer, key)
    }

    /// Reports a finding.
    pub(crate) fn report(&mut self, draft: Draft) {
        let mut finding = draft.finding;
        finding.resource = Some(self.resource.clone());
        self.findings.push(finding);
    }
}

/// Every API-validation rule, in id order.
pub static RULES: &[RuleMeta] = &[
    fields::UNKNOWN_FIELD,
    api_version::REMOVED_API_VERSION,
    api_version::UNKNOWN_API_VERSION,
    names::MISSING_NAME,
    names::INVALID_NAME,
    names::INVALID_NAMESPACE,
    labels::INVALID_LABEL_KEY,
    labels::INVALID_LABEL_VALUE,
    labels::INVALID_ANNOTATION_KEY,
    labels::ANNOTATIONS_TOO_LARGE,
    selectors::INVALID_SELECTOR_OPERATOR,
    selectors::MISSING_SELECTOR_VALUES,
    selectors::FORBIDDEN_SELECTOR_VALUES,
    spec::MISSING_POD_SELECTOR,
    spec::INVALID_POLICY_TYPE,
    spec::TOO_MANY_POLICY_TYPES,
    ports::INVALID_PROTOCOL,
    ports::INVALID_PORT_NUMBER,
    ports::INVALID_PORT_NAME,
    ports::END_PORT_WITHOUT_NUMERIC_PORT,
    ports::END_PORT_BELOW_PORT,
    peers::EMPTY_PEER,
    peers::IP_BLOCK_WITH_SELECTOR,
    ip_block::MISSING_CIDR,
    ip_block::INVALID_CIDR,
    ip_block::EXCEPT_OUTSIDE_CIDR,
    ip_block::CIDR_HOST_BITS_SET,
    ip_block::NON_STANDARD_CIDR,
    cluster_policy::INVALID_CLUSTER_POLICY_PRIORITY,
    cluster_policy::INVALID_CLUSTER_POLICY_LIST_LENGTH,
    cluster_policy::BASELINE_POLICY_NOT_DEFAULT,
    cluster_policy::INVALID_CLUSTER_POLICY_ACTION,
    cluster_policy::INVALID_CLUSTER_POLICY_PEER,
    cluster_policy::INVALID_CLUSTER_POLICY_CIDR,
    cluster_policy::INVALID_CLUSTER_POLICY_PORT,
    cluster_policy::INVALID_DOMAIN_NAME,
    cluster_policy::INVALID_CLUSTER_POLICY_TIER,
    cluster_policy::UNKNOWN_CLUSTER_POLICY_FIELD,
    cluster_policy::CLUSTER_POLICY_RULE_NAME_TOO_LONG,
];

/// The documentation of every API-validation rule, `(id, markdown)` in id order: the sections
/// `## What it flags`, `## Why it matters`, `## Example` and `## How to fix`.
pub static RULE_DOCS: &[(&str, &str)] = &[
    (fields::UNKNOWN_FIELD.id, fields::UNKNOWN_FIELD_DOCS),
    (api_version::REMOVED_API_VERSION.id, api_version::REMOVED_API_VERSION_DOCS),
    (api_version::UNKNOWN_API_VERSION.id, api_version::UNKNOWN_API_VERSION_DOCS),
    (names::MISSING_NAME.id, names::MISSING_NAME_DOCS),
    (names::INVALID_NAME.id, names::INVALID_NAME_DOCS),
    (names::INVALID_NAMESPACE.id, names::INVALID_NAMESPACE_DOCS),
    (labels::INVALID_LABEL_KEY.id, labels::INVALID_LABEL_KEY_DOCS),
    (labels::INVALID_LABEL_VALUE.id, labels::INVALID_LABEL_VALUE_DOCS),
    (labels::INVALID_ANNOTATION_KEY.id, labels::INVALID_ANNOTATION_KEY_DOCS),
    (labels::ANNOTATIONS_TOO_LARGE.id, labels::ANNOTATIONS_TOO_LARGE_DOCS),
    (selectors::INVALID_SELECTOR_OPERATOR.id, selectors::INVALID_SELECTOR_OPERATOR_DOCS),
    (selectors::MISSING_SELECTOR_VALUES.id, selectors::MISSING_SELECTOR_VALUES_DOCS),
    (selectors::FORBIDDEN_SELECTOR_VALUES.id, selectors::FORBIDDEN_SELECTOR_VALUES_DOCS),
    (spec::MISSING_POD_SELECTOR.id, spec::MISSING_POD_SELECTOR_DOCS),
    (spec::INVALID_POLICY_TYPE.id, spec::INVALID_POLICY_TYPE_DOCS),
    (spec::TOO_MANY_POLICY_TYPES.id, spec::TOO_MANY_POLICY_TYPES_DOCS),
    (ports::INVALID_PROTOCOL.id, ports::INVALID_PROTOCOL_DOCS),
    (ports::INVALID_PORT_NUMBER.id, ports::INVALID_PORT_NUMBER_DOCS),
    (ports::INVALID_PORT_NAME.id, ports::INVALID_PORT_NAME_DOCS),
    (ports::END_PORT_WITHOUT_NUMERIC_PORT.id, ports::END_PORT_WITHOUT_NUMERIC_PORT_DOCS),
    (ports::END_PORT_BELOW_PORT.id, ports::END_PORT_BELOW_PORT_DOCS),
    (peers::EMPTY_PEER.id, peers::EMPTY_PEER_DOCS),
    (peers::IP_BLOCK_WITH_SELECTOR.id, peers::IP_BLOCK_WITH_SELECTOR_DOCS),
    (ip_block::MISSING_CIDR.id, ip_block::MISSING_CIDR_DOCS),
    (ip_block::INVALID_CIDR.id, ip_block::INVALID_CIDR_DOCS),
    (ip_block::EXCEPT_OUTSIDE_CIDR.id, ip_block::EXCEPT_OUTSIDE_CIDR_DOCS),
    (ip_block::CIDR_HOST_BITS_SET.id, ip_block::CIDR_HOST_BITS_SET_DOCS),
    (ip_block::NON_STANDARD_CIDR.id, ip_block::NON_STANDARD_CIDR_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_PRIORITY.id, cluster_policy::INVALID_CLUSTER_POLICY_PRIORITY_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_LIST_LENGTH.id, cluster_policy::INVALID_CLUSTER_POLICY_LIST_LENGTH_DOCS),
    (cluster_policy::BASELINE_POLICY_NOT_DEFAULT.id, cluster_policy::BASELINE_POLICY_NOT_DEFAULT_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_ACTION.id, cluster_policy::INVALID_CLUSTER_POLICY_ACTION_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_PEER.id, cluster_policy::INVALID_CLUSTER_POLICY_PEER_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_CIDR.id, cluster_policy::INVALID_CLUSTER_POLICY_CIDR_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_PORT.id, cluster_policy::INVALID_CLUSTER_POLICY_PORT_DOCS),
    (cluster_policy::INVALID_DOMAIN_NAME.id, cluster_policy::INVALID_DOMAIN_NAME_DOCS),
    (cluster_policy::INVALID_CLUSTER_POLICY_TIER.id, cluster_policy::INVALID_CLUSTER_POLICY_TIER_DOCS),
    (cluster_policy::UNKNOWN_CLUSTER_POLICY_FIELD.id, cluster_policy::UNKNOWN_CLUSTER_POLICY_FIELD_DOCS),
    (cluster_policy::CLUSTER_POLICY_RULE_NAME_TOO_LONG.id, cluster_policy::CLUSTER_POLICY_RULE_NAME_TOO_LONG_DOCS),
];

/// Validates one NetworkPolicy as the API server would. Findings come in document order.
#[must_use]
pub fn validate_policy(policy: &PolicyResource) -> Vec<Finding> {
    let mut ctx = Ctx::new(policy);
    api_version::check(&mut ctx);
    fields::check(&mut ctx);
    names::check(&mut ctx);
    labels::check(&mut ctx);
    spec::check(&mut ctx);
    selectors::check(&mut ctx);
    ports::check(&mut ctx);
    peers::check(&mut ctx);
    ip_block::check(&mut ctx);
    let mut findings = ctx.findings;
    findings.sort_compact_by_key(|f| f.location.as_ref().map(|l| (l.line, l.column)));
    findings
}

/// Validates every NetworkPolicy of a resource set, in input order, then every cluster-scoped
/// policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy).
#[must_use]
pub fn validate_resources(set: &ResourceSet) -> Vec<Finding> {
    let mut findings: Vec<Finding> = set.policies.iter().flat_map(validate_policy).collect();
    findings.extend(cluster_policy::validate_cluster_policies(set));
    findings
}

#[cfg(test)]
mod tests {
    use super::RULES;

    #[test]
    fn ids_are_unique_sequential_and_named() {
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.id, format!("NF{:03}", i + 1), "{}", rule.name);
            assert!(rule.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", rule.name);
            assert!(!rule.summary.is_empty() && !rule.summary.ends_with('.'), "{}", rule.name);
        }
        let mut names: Vec<_> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
    }
}
