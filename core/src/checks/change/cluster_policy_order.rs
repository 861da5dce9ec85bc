//! `NF406 cluster-policy-order-changed`: a change moves a cluster-scoped policy to another tier
//! or priority, so it is evaluated before or after other policies than it was.

use super::{ChangeCheck, ChangeContext};
use crate::checks::{Category, Draft};
use crate::inventory::ClusterPolicyResource;
use crate::model::{RuleMeta, Severity, Tier};

const META: RuleMeta = RuleMeta {
    id: "NF406",
    name: "cluster-policy-order-changed",
    severity: Severity::Warning,
    category: Category::Change,
    since: "0.1.0",
    summary: "a change moves a cluster-scoped policy to another tier or past other policies' priorities",
};

const DOCS: &str = r#"
## What it flags
An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy present in base and
head (by kind and name) whose tier changes, or whose priority moves it past another policy of
its tier (it was evaluated after that policy and is now before it, or the other way round).
The finding names the policies whose order relative to it changed.

## Why it matters
Cluster-scoped rules are evaluated in order and the first match wins: moving a policy above a
`Deny` or below an `Allow` can open or close traffic across the whole cluster without a single
rule changing. A tier change is larger still: an admin policy moved to the baseline no longer
overrides NetworkPolicies. Such a change deserves a reviewer's eyes even when the connectivity
diff of the inputs at hand is empty.

## Example
The base has `allow-monitoring` at priority 20 and `deny-sensitive` at 10; the head gives
`allow-monitoring` priority 5:
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-monitoring}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress: [{action: Allow, from: [{namespaces: {matchLabels: {team: monitoring}}}]}]
```

## How to fix
Confirm that the new order is meant (the diff and `explain` show what it changes), or keep the
old priority.
"#;

pub(super) const CHECK: ChangeCheck = ChangeCheck { meta: META, docs: DOCS, run };

/// Where a policy is evaluated: tier, then priority (a BaselineAdminNetworkPolicy has none).
fn order(p: &ClusterPolicyResource) -> Option<(Tier, i32)> {
    Some((p.policy.tier?, p.policy.priority.unwrap_or(0)))
}

fn find<'a>(set: &'a [ClusterPolicyResource], like: &ClusterPolicyResource) -> Option<&'a ClusterPolicyResource> {
    set.iter().find(|p| p.policy.kind == like.policy.kind && p.policy.name == like.policy.name)
}

fn run(ctx: &ChangeContext<'_>, out: &mut Vec<Draft>) {
    let (base, head) = (&ctx.input.base.cluster_policies, &ctx.input.head.cluster_policies);
    for after in head {
        let Some(before) = find(base, after) else { continue };
        let (Some((tier_before, prio_before)), Some((tier_after, prio_after))) = (order(before), order(after)) else {
            continue;
        };
        if (tier_before, prio_before) == (tier_after, prio_after) {
            continue;
        }
        let name = after.policy.resource();
        let (pointer, message) = if tier_before == tier_after {
            // the policies of the tier it now passes (in both inputs, unchanged or not)
            let passed: Vec<String> = head
                .iter()
                .filter(|other| !std::ptr::eq(*other, after))
                .filter_map(|other| {
                    let (tier, now) = order(other)?;
                    let then = find(base, other).and_then(order).map_or(now, |(_, p)| p);
                    let was_before = (prio_before, before.policy.name.as_str()) < (then, other.policy.name.as_str());
                    let is_before = (prio_after, after.policy.name.as_str()) < (now, other.policy.name.as_str());
                    (tier == tier_after && was_before != is_before).then(|| format!("`{}`", other.policy.resource()))
                })
                .collect();
            if passed.is_empty() {
                continue;
            }
            (
                "/spec/priority",
                format!(
                    "`{name}` moves from priority {prio_before} to {prio_after}: it is now evaluated {} {}",
                    if prio_after < prio_before { "before" } else { "after" },
                    passed.join(", ")
                ),
            )
        } else {
            let pointer = if after.policy.kind == "ClusterNetworkPolicy" { "/spec/tier" } else { "" };
            (
                pointer,
                format!("`{name}` moves from the {} tier to the {} tier", tier_before.as_str(), tier_after.as_str()),
            )
        };
        let draft = META
            .finding(
                after.source.locate(pointer),
                message,
                "check with the diff and `explain` what the new order opens or closes; keep the old order if it is not meant",
            )
            .related([before.source.locate(pointer)])
            .resource(name);
        out.push(draft);
    }
}
