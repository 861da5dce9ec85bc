//! Warnings in an answer: something that may change it and that netfence could not evaluate.
//! An answer never leaves these out: a policy kind netfence does not understand, documents it
//! could not read. Findings say what is wrong *in* the input; warnings say where the answer
//! itself may be incomplete.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::location::Location;

/// Stable warning codes. Codes are permanent: a retired code is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum WarningCode {
    /// A resource that may carry policy but that netfence does not evaluate (a CNI's own policy
    /// kind, an unknown version of a policy API): the real connectivity may differ.
    #[serde(rename = "NF-W001")]
    UnevaluatedPolicy,
    /// Documents could not be read: the answer covers the others only.
    #[serde(rename = "NF-W002")]
    PartialInput,
    /// A backend of an Ingress, Route or Gateway API route whose Service is not in the input or
    /// has no selector: where it sends traffic is not known, so no connection through it is shown.
    #[serde(rename = "NF-W003")]
    UnresolvedBackend,
    /// A rule of a cluster-scoped policy names domain names, which cannot be resolved offline:
    /// the rule is evaluated as matching no address, so egress to external addresses of the
    /// pods it selects may differ.
    #[serde(rename = "NF-W004")]
    UnresolvedDomainNames,
    /// A rule of a cluster-scoped policy names `networks`, which the API applies to pod-to-pod
    /// traffic too (pods whose IPs fall in the CIDRs), and some in-cluster endpoints have no pod
    /// IPs in the input: the rule is evaluated as not matching them, so traffic to them may differ.
    #[serde(rename = "NF-W005")]
    NetworksNotAppliedToPods,
    /// Retired, never emitted: a cluster rule's `networks` holding the IPs of some pods of a
    /// workload but not of others. The engine now makes each such pod its own endpoint, so
    /// the answer is exact; the code stays so that stored answers still read.
    #[serde(rename = "NF-W006")]
    NetworksSplitWorkload,
    /// Exposure only: a rule of a cluster-scoped policy names `networks` narrower than every
    /// address, which the API applies to pods by their IPs; a potential peer (a pod that does
    /// not exist yet) has no IP, so the rule is evaluated as not matching it and the exposure
    /// towards potential peers may differ.
    #[serde(rename = "NF-W007")]
    NetworksNotAppliedToPotentialPeers,
}

impl WarningCode {
    /// Every code, in order.
    pub const ALL: [Self; 7] = [
        Self::UnevaluatedPolicy,
        Self::PartialInput,
        Self::UnresolvedBackend,
        Self::UnresolvedDomainNames,
        Self::NetworksNotAppliedToPods,
        Self::NetworksSplitWorkload,
        Self::NetworksNotAppliedToPotentialPeers,
    ];

    /// The code as text, e.g. `NF-W001`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnevaluatedPolicy => "NF-W001",
            Self::PartialInput => "NF-W002",
            Self::UnresolvedBackend => "NF-W003",
            Self::UnresolvedDomainNames => "NF-W004",
            Self::NetworksNotAppliedToPods => "NF-W005",
            Self::NetworksSplitWorkload => "NF-W006",
            Self::NetworksNotAppliedToPotentialPeers => "NF-W007",
        }
    }

    /// One line on what the code means, for the reference.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Self::UnevaluatedPolicy => {
                "a resource that may carry policy is not evaluated (a CNI's own policy kind, an unknown version of a policy API): real connectivity may differ from the answer"
            }
            Self::PartialInput => "documents could not be read: the answer covers only the others",
            Self::UnresolvedBackend => {
                "a backend of an Ingress, Route, HTTPRoute or GRPCRoute names a Service that is not in the input or has no selector: connections through it are not shown"
            }
            Self::UnresolvedDomainNames => {
                "a rule of a cluster-scoped policy names domain names, which cannot be resolved offline: it is evaluated as matching no address, so egress to external addresses may differ from the answer"
            }
            Self::NetworksNotAppliedToPods => {
                "a rule of a cluster-scoped policy names networks, which the API applies to pod-to-pod traffic too, and some pods or workloads have no pod IPs in the input: the rule is evaluated as not matching them, so traffic to them may differ from the answer"
            }
            Self::NetworksSplitWorkload => {
                "retired, never emitted: networks that hold the IPs of some pods of a workload and not of others make each of its pods an endpoint `ns/pod[Pod]`, so the answer is exact"
            }
            Self::NetworksNotAppliedToPotentialPeers => {
                "exposure only: a rule of a cluster-scoped policy names networks narrower than every address; pods that do not exist yet have no IP, so the rule is evaluated as not matching them and the exposure towards potential peers may differ"
            }
        }
    }
}

/// A warning attached to an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable code, e.g. `NF-W001`.
    pub code: WarningCode,
    /// Lowercase message, user input in backticks.
    pub message: String,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The resource concerned, as `Kind namespace/name` (`apiVersion` for an unknown version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Where it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// What a connectivity answer says about itself: whether it is partial (documents could not be
/// be read) and what may change it that was not evaluated. Every such answer carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Completeness {
    /// Whether the answer is partial: some documents could not be read (see `errors`), so it
    /// covers only the others.
    pub partial: bool,
    /// What may change the answer and was not evaluated: policy kinds netfence does not
    /// evaluate (`NF-W001`), unreadable documents (`NF-W002`), route backends whose Services
    /// cannot be resolved (`NF-W003`), domain names of cluster-scoped policies (`NF-W004`), their
    /// `networks` where pods lack IPs in the input (`NF-W005`), and in exposure answers their
    /// `networks` that potential peers cannot be matched against (`NF-W007`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

impl Completeness {
    /// The completeness of answers over several inputs (base and head): partial when any is,
    /// every warning once.
    #[must_use]
    pub fn merged(parts: impl IntoIterator<Item = Self>) -> Self {
        let mut out = Self::default();
        for part in parts {
            out.partial |= part.partial;
            for w in part.warnings {
                if !out.warnings.contains(&w) {
                    out.warnings.push(w);
                }
            }
        }
        out
    }
}
