//! `NF201 missing-default-deny-ingress`: a namespace with workloads and no policy that
//! isolates the ingress of every pod.

use super::context::is_empty_selector;
use super::{Category, Check, CheckContext, Draft};
use crate::engine::Direction;
use crate::engine::policy_types;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF201",
    name: "missing-default-deny-ingress",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a namespace with workloads has no default-deny ingress policy",
};

const DOCS: &str = r#"
## What it flags
A namespace that has workloads in the input but no NetworkPolicy with an empty `podSelector`
and `Ingress` in its policy types — a policy that isolates the ingress of every pod of the
namespace, present and future. System namespaces (`excludeNamespaces`) are left out.

## Why it matters
Pods that no policy selects accept traffic from everywhere. Allow-list policies written per
workload leave every new workload, and every workload someone forgot, wide open. A namespace
default deny makes "nothing unless allowed" the rule.

## Example
A namespace `shop` with Deployments `frontend` and `api` and only this policy:
```yaml
metadata: {name: api-ingress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]
```

## How to fix
Add a default-deny policy to the namespace, after the allowances it needs:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-ingress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    missing_default_deny(ctx, out, &META, Direction::Ingress);
}

/// Reports namespaces with endpoints and no namespace-wide policy isolating `direction`.
pub(super) fn missing_default_deny(
    ctx: &CheckContext<'_>,
    out: &mut Vec<Draft>,
    meta: &RuleMeta,
    direction: Direction,
) {
    let mut namespaces: Vec<&str> = ctx.endpoints().iter().map(|e| e.namespace.as_str()).collect();
    namespaces.dedup();
    for namespace in namespaces {
        if ctx.config.excludes(namespace) {
            continue;
        }
        let covered = ctx.resources.policies.iter().any(|p| {
            let spec = p.object.spec.as_ref();
            let (ingress, egress) = policy_types(spec);
            let isolates = match direction {
                Direction::Ingress => ingress,
                Direction::Egress => egress,
            };
            p.namespace == namespace
                && isolates
                && spec.and_then(|s| s.pod_selector.as_ref()).is_none_or(is_empty_selector)
        });
        if covered {
            continue;
        }
        let defined = ctx.resources.namespaces.iter().find(|n| n.name == namespace);
        let location = match defined {
            Some(n) => n.source.locate_key("/metadata", "name"),
            None => {
                ctx.endpoints_in(namespace).next().map(|(_, e)| CheckContext::endpoint_location(e)).unwrap_or_default()
            }
        };
        let workloads = ctx.endpoints_in(namespace).count();
        let kind = direction.as_str();
        let draft = meta
            .finding(
                location,
                format!(
                    "namespace `{namespace}` has {workloads} workload{} but no default-deny {} policy",
                    if workloads == 1 { "" } else { "s" },
                    kind.to_ascii_lowercase()
                ),
                format!(
                    "add a policy in `{namespace}` with `podSelector: {{}}` and `policyTypes: [{kind}]`, so pods no allowance names get no {} traffic",
                    if direction == Direction::Ingress { "incoming" } else { "outgoing" }
                ),
            )
            .resource(format!("Namespace {namespace}"));
        out.push(draft);
    }
}
