//! `NF203 workload-not-isolated-ingress`: a workload no policy isolates for ingress, in a
//! namespace where policies isolate other workloads.

use super::context::list;
use super::{Category, Check, CheckContext, Draft};
use crate::engine::Direction;
use crate::engine::policy_types;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF203",
    name: "workload-not-isolated-ingress",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a workload is left out of the ingress isolation of its namespace",
};

const DOCS: &str = r#"
## What it flags
A workload (or bare pod) that no policy selects for ingress, in a namespace where other
policies do isolate ingress. The namespace is clearly meant to be protected; this workload
was missed — typically a new Deployment or a label that changed.

## Why it matters
A pod that no ingress policy selects accepts connections from every pod in the cluster and
from outside, on every port, however strict the policies around it are.

## Example
Policies in `shop` select `app: api` and `app: frontend`; no policy selects `cart`:
```yaml
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  template:
    metadata: {labels: {app: cart}}
```

## How to fix
Add a namespace default deny (`podSelector: {}`, `policyTypes: [Ingress]`) so every pod is
isolated, and an allowance for what `cart` must accept; or extend a policy's `podSelector`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    not_isolated(ctx, out, &META, Direction::Ingress);
}

/// Reports endpoints not isolated in `direction` in namespaces where some policy isolates it.
pub(super) fn not_isolated(ctx: &CheckContext<'_>, out: &mut Vec<Draft>, meta: &RuleMeta, direction: Direction) {
    for (i, endpoint) in ctx.endpoints().iter().enumerate() {
        if ctx.config.excludes(&endpoint.namespace) || !ctx.cluster.isolating_policies(i, direction).is_empty() {
            continue;
        }
        let isolating: Vec<usize> = ctx
            .policies()
            .filter(|(_, p)| {
                let (ingress, egress) = policy_types(p.object.spec.as_ref());
                let applies = if direction == Direction::Ingress { ingress } else { egress };
                p.namespace == endpoint.namespace && applies
            })
            .map(|(i, _)| i)
            .collect();
        if isolating.is_empty() {
            continue;
        }
        let names: Vec<String> = isolating.iter().filter_map(|p| ctx.policy(*p)).map(|p| p.name.clone()).collect();
        let tiers = ctx.cluster.tier_policies_applying(i, direction);
        let what = match (direction, tiers.first()) {
            (_, Some(first)) => format!(
                "only cluster-scoped policies restrict it (`{first}`{})",
                if tiers.len() > 1 { format!(" and {} more", tiers.len() - 1) } else { String::new() }
            ),
            (Direction::Ingress, None) => "it accepts traffic from every source".to_owned(),
            (Direction::Egress, None) => "it may connect to every destination".to_owned(),
        };
        let draft = meta
            .finding(
                CheckContext::endpoint_location(endpoint),
                format!(
                    "`{}` is not isolated for {}: no {} selects it, so {what}",
                    endpoint.name,
                    direction.as_str().to_ascii_lowercase(),
                    if tiers.is_empty() { "policy" } else { "NetworkPolicy" }
                ),
                format!(
                    "{} {} other workloads of `{}`; add a default deny with `podSelector: {{}}` or select this workload",
                    if names.len() == 1 { "policy" } else { "policies" },
                    if names.len() == 1 { format!("{} isolates", list(&names, 3)) } else { format!("{} isolate", list(&names, 3)) },
                    endpoint.namespace
                ),
            )
            .resource(CheckContext::endpoint_resource(endpoint))
            .related(isolating.iter().filter_map(|p| ctx.policy_location(*p)));
        out.push(draft);
    }
}
