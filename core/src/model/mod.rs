//! The shared vocabulary every operation speaks: findings and severities, protocols, CIDRs,
//! the peer shape of rules, traversals of a typed NetworkPolicy, and how netfence writes one.
//!
//! The model knows no operation: it depends only on the input layer (`source`) and the crate's
//! foundation.

pub(crate) mod cidr;
mod finding;
pub(crate) mod manifest;
pub(crate) mod walk;

pub use finding::{Finding, Severity};
