//! `NF310 dns-blocked`: egress isolation that leaves no way to the cluster DNS on port 53
//! (UDP and TCP).

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::NetworkPolicyPort;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::context::{is_empty_selector, list};
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::engine::Direction;
use crate::model::Protocol;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF310",
    name: "dns-blocked",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "egress isolation blocks DNS: no allowance to the cluster DNS on UDP and TCP port 53",
};

const DOCS: &str = r#"
## What it flags
Workloads whose egress is isolated, that some egress rule allows to connect somewhere, and
that cannot reach the cluster DNS on port 53 over both UDP and TCP. (A workload without any
egress allowance is locked down on purpose and is not reported.) When the input has the DNS pods (labels `dnsLabels`, default
`k8s-app: kube-dns`), the engine decides whether each workload can connect to them; without
them, any egress rule of the isolating policies that allows port 53 (to any peer) counts. One
finding per isolating policy lists the workloads concerned.

## Why it matters
With egress default deny, name resolution is the first thing to break: every connection by
name fails, usually with timeouts that look like network faults. Allowing only UDP breaks
large responses, which fall back to TCP.

## Example
```yaml
metadata: {name: default-deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]       # and no rule allows DNS
```

## How to fix
Allow DNS next to the default deny:
```yaml
egress:
- to:
  - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
    podSelector: {matchLabels: {k8s-app: kube-dns}}
  ports:
  - {protocol: UDP, port: 53}
  - {protocol: TCP, port: 53}
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

const PROTOCOLS: [Protocol; 2] = [Protocol::Udp, Protocol::Tcp];

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let dns_labels = &ctx.config.dns_labels;
    let is_dns = |labels: &BTreeMap<String, String>| {
        !dns_labels.is_empty() && dns_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
    };
    let dns: Vec<&str> = ctx.endpoints().iter().filter(|e| is_dns(&e.labels)).map(|e| e.name.as_str()).collect();
    // (reporting policy, missing protocols) -> endpoints
    let mut groups: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    for (i, endpoint) in ctx.endpoints().iter().enumerate() {
        if is_dns(&endpoint.labels) {
            continue;
        }
        let isolating = ctx.cluster.isolating_policies(i, Direction::Egress);
        let Some(&first) = isolating.first() else { continue };
        // a workload without any egress allowance is locked down on purpose: DNS is moot
        let has_rules = isolating
            .iter()
            .filter_map(|p| ctx.policy(*p))
            .any(|p| p.object.spec.as_ref().and_then(|s| s.egress.as_ref()).is_some_and(|e| !e.is_empty()));
        if !has_rules {
            continue;
        }
        let reporter = isolating
            .iter()
            .copied()
            .find(|p| {
                ctx.policy(*p)
                    .and_then(|p| p.object.spec.as_ref())
                    .and_then(|s| s.pod_selector.as_ref())
                    .is_none_or(is_empty_selector)
            })
            .unwrap_or(first);
        let missing: Vec<&str> = PROTOCOLS
            .iter()
            .filter(|protocol| {
                let allowed = if dns.is_empty() {
                    isolating.iter().filter_map(|p| ctx.policy(*p)).any(|p| {
                        p.object
                            .spec
                            .as_ref()
                            .and_then(|s| s.egress.as_ref())
                            .into_iter()
                            .flatten()
                            .any(|rule| allows_53(rule.ports.as_deref(), **protocol))
                    })
                } else {
                    dns.iter().any(|d| {
                        ctx.cluster.connection(&endpoint.name, d).is_ok_and(|c| {
                            let ranges = match protocol {
                                Protocol::Udp => &c.allowed.udp,
                                Protocol::Tcp => &c.allowed.tcp,
                                Protocol::Sctp => &c.allowed.sctp,
                            };
                            ranges.iter().any(|[lo, hi]| *lo <= 53 && 53 <= *hi)
                        })
                    })
                };
                !allowed
            })
            .map(|p| p.as_str())
            .collect();
        if missing.is_empty() {
            continue;
        }
        groups.entry((reporter, missing.join(" and "))).or_default().push(endpoint.name.clone());
    }
    let target = if dns.is_empty() {
        "any destination".to_owned()
    } else {
        list(&dns.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>(), 2)
    };
    for ((policy_index, missing), endpoints) in groups {
        let Some(policy) = ctx.policy(policy_index) else { continue };
        let draft = META.finding(
            policy.source.locate_key("/spec", "policyTypes"),
            format!(
                "egress isolation blocks DNS for {}: nothing allows {missing} port 53 to {target}",
                list(&endpoints, 3)
            ),
            "allow egress to the cluster DNS pods on UDP and TCP port 53 (`namespaceSelector` for `kube-system` with `podSelector` `k8s-app: kube-dns`)",
        );
        out.push(draft.in_policy(policy_index, policy));
    }
}

/// Whether a rule's ports may include port 53 of `protocol` (named ports count: they may
/// resolve to 53 on the DNS pods).
fn allows_53(ports: Option<&[NetworkPolicyPort]>, protocol: Protocol) -> bool {
    let Some(ports) = ports.filter(|p| !p.is_empty()) else { return true };
    ports.iter().any(|p| {
        let same = p.protocol.as_deref().map_or(Some(Protocol::Tcp), Protocol::parse) == Some(protocol);
        same && match &p.port {
            None | Some(IntOrString::String(_)) => true,
            Some(IntOrString::Int(port)) => *port <= 53 && 53 <= p.end_port.unwrap_or(*port),
        }
    })
}
