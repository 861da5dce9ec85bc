//! The apiVersion: `extensions/v1beta1` NetworkPolicies were removed in Kubernetes 1.16, and
//! `networking.k8s.io/v1` is the only version the API serves.

use super::{Ctx, RuleMeta};
use crate::model::Category;
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
    category: Category::Validation,
    since: "0.1.0",
    summary: "`extensions/v1beta1` NetworkPolicy was removed in Kubernetes 1.16",
};

pub(crate) const REMOVED_API_VERSION_DOCS: &str = r#"
## What it flags
A NetworkPolicy with `apiVersion: extensions/v1beta1`. netfence still reads and analyzes it as
`networking.k8s.io/v1`: the fields are the same.

## Why it matters
Kubernetes 1.16 stopped serving NetworkPolicy as `extensions/v1beta1`. kubectl cannot map the
kind to a resource and fails before sending anything: `no matches for kind "NetworkPolicy" in
version "extensions/v1beta1"`; Helm and other clients fail the same way. The manifest comes
from a template or a tool written for a cluster older than 1.16.

## Example
```yaml
apiVersion: extensions/v1beta1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
```

## How to fix
Change the apiVersion; nothing else needs to change:
```yaml
apiVersion: networking.k8s.io/v1
```
"#;

/// `NF003`: an apiVersion in the networking group that does not serve NetworkPolicy.
///
/// What it does: flags e.g. `networking.k8s.io/v1beta1` or `networking.k8s.io/v2`.
/// Why is this bad? The server answers "no matches for kind". Fix: `networking.k8s.io/v1`.
pub(crate) const UNKNOWN_API_VERSION: RuleMeta = RuleMeta {
    id: "NF003",
    name: "unknown-api-version",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "NetworkPolicy is only served as `networking.k8s.io/v1`",
};

pub(crate) const UNKNOWN_API_VERSION_DOCS: &str = r#"
## What it flags
A NetworkPolicy whose `apiVersion` is in the `networking.k8s.io` or `extensions` group but is
neither `networking.k8s.io/v1` nor `extensions/v1beta1` (that one is `NF002`): for example
`networking.k8s.io/v1beta1` or `networking.k8s.io/v2`. The fix is `networking.k8s.io/v1`.
(A `kind: NetworkPolicy` in another group, such as `apiVersion: v1`, is not read as a
NetworkPolicy at all.)

## Why it matters
NetworkPolicy is served as `networking.k8s.io/v1` only (since Kubernetes 1.7; before 1.16 also
as `extensions/v1beta1`). For any other version kubectl fails with `no matches for kind
"NetworkPolicy" in version "networking.k8s.io/v1beta1"` and the policy is not applied.
`networking.k8s.io/v1beta1` existed for Ingress, which is how it ends up in policy manifests
copied from one.

## Example
```yaml
apiVersion: networking.k8s.io/v1beta1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
```

## How to fix
```yaml
apiVersion: networking.k8s.io/v1
```
"#;

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
    ctx.report(draft.fix(Some(SERVED.to_owned())));
}
