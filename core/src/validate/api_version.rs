//! The apiVersion: `extensions/v1beta1` NetworkPolicies were removed in Kubernetes 1.16, and
//! `networking.k8s.io/v1` is the only version the API serves.

use super::{Ctx, RuleMeta};
use crate::model::Severity;

/// The one served version.
const SERVED: &str = "networking.k8s.io/v1";

/// `NF002`: the manifest uses `extensions/v1beta1`.
///
/// What it does: flags NetworkPolicies written for `extensions/v1beta1`.
/// Why is this bad? Kubernetes 1.16 stopped serving that version; `kubectl apply` fails with
/// "no matches for kind" (the API server answers 404), so it is an error like `NF003`. Fix: set
/// `apiVersion: networking.k8s.io/v1` (the fields are the same).
pub(crate) const REMOVED_API_VERSION: RuleMeta = RuleMeta {
    id: "NF002",
    name: "removed-api-version",
    severity: Severity::Error,
    summary: "`extensions/v1beta1` NetworkPolicy was removed in Kubernetes 1.16",
};

/// `NF003`: an apiVersion in the networking group that does not serve NetworkPolicy.
///
/// What it does: flags e.g. `networking.k8s.io/v1beta1` or `networking.k8s.io/v2`.
/// Why is this bad? The server answers "no matches for kind". Fix: `networking.k8s.io/v1`.
pub(crate) const UNKNOWN_API_VERSION: RuleMeta = RuleMeta {
    id: "NF003",
    name: "unknown-api-version",
    severity: Severity::Error,
    summary: "NetworkPolicy is only served as `networking.k8s.io/v1`",
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let written = ctx.policy.api_version.as_str();
    if written == SERVED {
        return;
    }
    let location = ctx.at("/apiVersion");
    let draft = if written == "extensions/v1beta1" {
        REMOVED_API_VERSION.finding(
            location,
            "`extensions/v1beta1` NetworkPolicy was removed in Kubernetes 1.16",
            format!("use `{SERVED}`; the fields are the same"),
        )
    } else {
        UNKNOWN_API_VERSION.finding(
            location,
            format!("apiVersion `{written}` does not serve NetworkPolicy"),
            format!("did you mean `{SERVED}`?"),
        )
    };
    ctx.report(draft.fix(SERVED));
}
