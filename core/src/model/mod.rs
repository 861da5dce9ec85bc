//! The shared vocabulary every operation speaks: findings and severities, protocols, CIDRs,
//! the peer shape of rules, traversals of a typed NetworkPolicy, and how netfence writes one.
//!
//! The model knows no operation: it depends only on the input layer (`source`) and the crate's
//! foundation.

pub(crate) mod cidr;
mod cluster_policy;
mod finding;
pub(crate) mod manifest;
mod peer;
mod port;
mod protocol;
mod rule;
mod selector;
pub(crate) mod walk;
mod warning;

pub use cluster_policy::{
    ClusterPeer, ClusterPolicy, ClusterPort, ClusterRule, ClusterSubject, NamespacedPods, Tier, TierAction,
};
pub use finding::{Finding, Severity};
pub use peer::PeerSelector;
pub use port::{IntentPort, IntentPortValue};
pub use protocol::Protocol;
pub(crate) use rule::Draft;
pub use rule::{Category, RENAMED, Renamed, Rule, RuleMeta, canonical_code, code_names};
pub use selector::{IntentExpression, IntentOperator, IntentSelector, Operator};
pub use warning::{Completeness, Warning, WarningCode};
