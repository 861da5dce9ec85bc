//! API validation: every rule the Kubernetes API server enforces on a NetworkPolicy, reported
//! as findings (`NF0xx`) with locations.

use crate::inventory::PolicyResource;
use crate::model::Finding;

/// Validates one NetworkPolicy as the API server would.
#[must_use]
pub fn validate_policy(policy: &PolicyResource) -> Vec<Finding> {
    let _ = policy;
    Vec::new()
}
