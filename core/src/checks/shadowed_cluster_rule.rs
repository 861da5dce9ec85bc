//! `NF314 shadowed-cluster-policy-rule`: a rule of a cluster-scoped policy that never decides
//! anything, because earlier rules (of its policy, or of policies evaluated before it) decide
//! every port it matches.

use super::{Category, Check, CheckContext, Draft};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF314",
    name: "shadowed-cluster-policy-rule",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a cluster-scoped rule never decides: earlier rules or policies decide all it matches",
};

const DOCS: &str = r#"
## What it flags
A rule of an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy that, for
every pod its policy selects and every peer it matches, comes after rules that already decide
every port it names: earlier rules of the same policy, or rules of policies of the same tier
with a lower priority number. The first match wins, so the rule is dead. The finding names up
to three of the rules that decide instead.

## Why it matters
A dead rule usually means the author expected it to win: a `Deny` for a sensitive port placed
after a broad `Allow`, or a whole policy given a priority behind one that covers the same pods.
Cluster-wide, that is a guardrail that protects nothing.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: db-access}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {tier: data}}}
  ingress:
  - {name: allow-apps, action: Allow, from: [{namespaces: {}}]}
  - {name: deny-postgres-from-web, action: Deny, from: [{namespaces: {matchLabels: {tier: web}}}], ports: [{portNumber: {protocol: TCP, port: 5432}}]}
```

## How to fix
Put the narrower rule first (or give its policy a lower priority number), or delete it if the
earlier rules say what is meant:
```yaml
  ingress:
  - {name: deny-postgres-from-web, action: Deny, from: [{namespaces: {matchLabels: {tier: web}}}], ports: [{portNumber: {protocol: TCP, port: 5432}}]}
  - {name: allow-apps, action: Allow, from: [{namespaces: {}}]}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for shadowed in ctx.cluster.shadowed_tier_rules() {
        let rule = &shadowed.rule;
        let Some(location) = rule.location.clone().or_else(|| shadowed.policy_location.cloned()) else { continue };
        let by: Vec<String> = shadowed
            .by
            .iter()
            .map(|b| {
                let name = b.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default();
                format!("{} {} {}[{}]{name}", b.kind, b.policy, b.direction.as_str().to_ascii_lowercase(), b.index)
            })
            .collect();
        let name = rule.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default();
        let draft = META
            .finding(
                location,
                format!(
                    "rule {}[{}]{name} of `{} {}` never decides: {} {} everything it matches first",
                    rule.direction.as_str().to_ascii_lowercase(),
                    rule.index,
                    rule.kind,
                    rule.policy,
                    by.join(", "),
                    if by.len() == 1 { "decides" } else { "decide" }
                ),
                "move the rule before the rules that decide first (or give its policy a lower priority number), or delete it",
            )
            .related(shadowed.by.iter().filter_map(|b| b.location.clone()))
            .resource(format!("{} {}", rule.kind, rule.policy));
        out.push(draft);
    }
}
