//! `plan`: the order in which to apply a change to NetworkPolicies (allowances before new
//! isolation, deletions of allowances last) and the rollback that restores the base, as
//! numbered YAML files (see [`crate::plan`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Source, load};
use crate::error::{Error, ErrorPayload};
use crate::plan::PlanStep;
use crate::source::ParseOptions;

/// Request of [`plan`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlanRequest {
    /// The policies in the cluster now.
    pub base: Vec<Source>,
    /// The policies wanted.
    pub head: Vec<Source>,
    /// Limits and strict mode, for both sides.
    #[serde(default)]
    pub options: ParseOptions,
}

impl PlanRequest {
    /// A request with default options.
    #[must_use]
    pub fn new(base: Vec<Source>, head: Vec<Source>) -> Self {
        Self { base, head, options: ParseOptions::default() }
    }
}

/// Response of [`plan`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanResponse {
    /// The steps from base to head, in order (empty: nothing to do).
    pub steps: Vec<PlanStep>,
    /// The steps that restore the base, in order.
    pub rollback: Vec<PlanStep>,
    /// Policies identical on both sides.
    pub unchanged: usize,
    /// Documents of the base that could not be read (the plan ignores them).
    pub base_errors: Vec<ErrorPayload>,
    /// Documents of the head that could not be read (the plan ignores them).
    pub head_errors: Vec<ErrorPayload>,
}

/// Plans the rollout from base to head.
///
/// # Errors
/// Input-level failures of either side, or any bad document in strict mode.
pub fn plan(request: &PlanRequest) -> Result<PlanResponse, Error> {
    let base = load(&request.base, &request.options)?;
    let head = load(&request.head, &request.options)?;
    let plan = crate::plan::plan(&base, &head)?;
    Ok(PlanResponse {
        steps: plan.steps,
        rollback: plan.rollback,
        unchanged: plan.unchanged,
        base_errors: base.errors.iter().map(Error::payload).collect(),
        head_errors: head.errors.iter().map(Error::payload).collect(),
    })
}
