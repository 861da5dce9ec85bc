//! `NF315 baseline-allow-all`: a baseline-tier `Allow` from every pod of every namespace on
//! every port, which decides nothing the default does not and ends the baseline for its pods.

use super::{Category, Check, CheckContext, Draft};
use crate::model::{ClusterPeer, RuleMeta, Severity, Tier, TierAction};

const META: RuleMeta = RuleMeta {
    id: "NF315",
    name: "baseline-allow-all",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a baseline `Allow` from every pod on every port ends the baseline: later baseline rules never apply",
};

const DOCS: &str = r#"
## What it flags
A rule of a BaselineAdminNetworkPolicy (or a baseline-tier ClusterNetworkPolicy) with action
`Allow`, a peer that selects every pod of every namespace (`namespaces: {}`, or `pods` with
both selectors empty) and no port list (every port).

## Why it matters
The baseline tier decides only where no NetworkPolicy isolates a pod, and there the default is
already to allow. Such a rule therefore allows nothing new; what it does is stop evaluation for
its pods: every later baseline rule for the same pods and direction (a baseline default deny,
say) is never reached, and neither is any baseline-tier policy after it. Namespaces that rely
on the baseline to deny what their owners have not allowed are left open. It is usually a
leftover of an "allow everything, then tighten" rollout, or rules written in the wrong order.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
  - {name: allow-all, action: Allow, from: [{namespaces: {}}]}
  - {name: deny-in-cluster, action: Deny, from: [{namespaces: {}}]}
```

## How to fix
Remove the rule, or narrow it to the traffic the baseline should allow (DNS, monitoring) and put
it before the deny:
```yaml
  ingress:
  - {name: allow-monitoring, action: Allow, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}
  - {name: deny-in-cluster, action: Deny, from: [{namespaces: {}}]}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for resource in &ctx.resources.cluster_policies {
        let policy = &resource.policy;
        if policy.tier != Some(Tier::Baseline) {
            continue;
        }
        for (direction, rules) in [("ingress", &policy.ingress), ("egress", &policy.egress)] {
            let count = rules.len();
            for (index, rule) in rules.iter().enumerate() {
                if rule.action != Some(TierAction::Allow)
                    || rule.ports.is_some()
                    || !rule.peers.iter().any(ClusterPeer::selects_every_pod)
                {
                    continue;
                }
                let later = count - index - 1;
                let after = match later {
                    0 => String::new(),
                    1 => ", and the 1 rule after it in this policy is never reached".to_owned(),
                    n => format!(", and the {n} rules after it in this policy are never reached"),
                };
                let name = rule.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default();
                let draft = META
                    .finding(
                        resource.source.locate(&rule.pointer),
                        format!(
                            "baseline `Allow` rule {direction}[{index}]{name} of `{}` admits every pod on every port: it allows nothing the default does not, but no later baseline rule applies to the pods it selects{after}",
                            policy.resource()
                        ),
                        "remove it, or narrow it to the traffic the baseline should allow and put it before the baseline's deny",
                    )
                    .resource(policy.resource());
                out.push(draft);
            }
        }
    }
}
