//! `NF313 admin-deny-blocks-dns`: a `Deny` rule of a cluster-scoped policy that blocks pods
//! from the cluster DNS on port 53.

use std::collections::BTreeMap;

use super::{Category, Check, CheckContext, Draft};
use crate::engine::{SideVerdict, TierRuleRef};
use crate::model::{Protocol, RuleMeta, Severity};

const META: RuleMeta = RuleMeta {
    id: "NF313",
    name: "admin-deny-blocks-dns",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a cluster-scoped `Deny` blocks pods from the cluster DNS on port 53",
};

const DOCS: &str = r#"
## What it flags
A `Deny` rule of an AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy that
decides UDP or TCP port 53 from workloads of the input to the cluster DNS (the pods with the
`dnsLabels` of the configuration, `k8s-app: kube-dns` by default). One finding per rule, with
the number of workloads it cuts off.

## Why it matters
A cluster guardrail such as "deny all egress to kube-system" or "deny egress to everything but
the internet" silently takes name resolution with it: every lookup times out, and namespace
owners cannot fix it with a NetworkPolicy, because the admin tier is evaluated first.

## Example
```yaml
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: isolate-kube-system}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {kind: tenant}}}
  egress:
  - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]}
```

## How to fix
Allow DNS in an earlier rule (or a policy with a lower priority number):
```yaml
  egress:
  - action: Allow
    to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}}]
    ports: [{portNumber: {protocol: UDP, port: 53}}, {portNumber: {protocol: TCP, port: 53}}]
  - {action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let dns_labels = &ctx.config.dns_labels;
    if dns_labels.is_empty() || ctx.cluster.tier_policies().is_empty() {
        return;
    }
    let is_dns = |labels: &BTreeMap<String, String>| dns_labels.iter().all(|(k, v)| labels.get(k) == Some(v));
    let dns: Vec<&str> = ctx.endpoints().iter().filter(|e| is_dns(&e.labels)).map(|e| e.name.as_str()).collect();
    // rule (policy, direction, index) -> (the rule, workloads cut off)
    let mut rules: BTreeMap<(String, String, usize), (TierRuleRef, Vec<&str>)> = BTreeMap::new();
    for endpoint in ctx.endpoints().iter().filter(|e| !is_dns(&e.labels)) {
        for &d in &dns {
            for protocol in [Protocol::Udp, Protocol::Tcp] {
                let Ok(why) = ctx.cluster.explain(&endpoint.name, d, Some(53), Some(protocol)) else { continue };
                let Some(range) = why.ranges.first().filter(|r| !r.allowed) else { continue };
                let denied = [&range.egress, &range.ingress].into_iter().find_map(|v| match v {
                    SideVerdict::TierDenied { rule } => Some(rule.clone()),
                    _ => None,
                });
                let Some(rule) = denied else { continue };
                let key = (rule.policy.clone(), rule.direction.as_str().to_owned(), rule.index);
                let entry = rules.entry(key).or_insert_with(|| (rule, Vec::new()));
                if !entry.1.contains(&endpoint.name.as_str()) {
                    entry.1.push(&endpoint.name);
                }
            }
        }
    }
    for (rule, workloads) in rules.into_values() {
        let Some(location) = rule.location.clone() else { continue };
        let n = workloads.len();
        let noun = if n == 1 { "workload" } else { "workloads" };
        let first = workloads.first().copied().unwrap_or_default();
        let draft = META
            .finding(
                location,
                format!(
                    "`Deny` rule {}[{}] of `{} {}` blocks {n} {noun} from the cluster DNS on port 53 (e.g. `{first}`)",
                    rule.direction.as_str().to_ascii_lowercase(),
                    rule.index,
                    rule.kind,
                    rule.policy
                ),
                "allow UDP and TCP 53 to the DNS pods in an earlier rule or a policy with a lower priority number",
            )
            .resource(format!("{} {}", rule.kind, rule.policy));
        out.push(draft);
    }
}
