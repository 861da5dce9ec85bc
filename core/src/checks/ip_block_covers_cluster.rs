//! `NF308 ip-block-covers-cluster`: an ipBlock that covers pod or Service addresses, which
//! ipBlocks do not match.

use std::net::IpAddr;

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::engine::ip_block_addresses;
use crate::engine::{IpBlockMode, IpSet};
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::model::cidr::Cidr;

const META: RuleMeta = RuleMeta {
    id: "NF308",
    name: "ip-block-covers-cluster",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "an ipBlock covers pod or Service addresses, which ipBlocks do not reliably match",
};

const DOCS: &str = r#"
## What it flags
An `ipBlock` (other than `/0`, see `NF207`) whose addresses include pod IPs or Service cluster
IPs: the configured `podCidrs` and `serviceCidrs`, the `status.podIPs` of pods in the input,
and the `clusterIP`s of Services in the input. Pod addresses are not flagged when the engine
runs in the `podIps` ipBlock mode.

## Why it matters
The API reference says ipBlocks are meant for cluster-external addresses: most network plugins
match pod traffic by pod identity, not by IP, and Service IPs are translated to pod IPs before
policies apply. An ipBlock meant to allow (or, with `except`, to block) pods or Services
therefore does not do it, or does it only on some plugins.

## Example
```yaml
egress:
- to:
  - ipBlock: {cidr: 10.96.0.0/12}    # the Service CIDR: never matches after DNAT
```

## How to fix
Select pods with `podSelector` / `namespaceSelector`. Keep ipBlocks for external ranges, and
if a broad range must stay, add the cluster ranges to its `except` list.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

/// A named set of cluster addresses.
struct ClusterRange {
    what: String,
    set: IpSet,
}

fn cluster_ranges(ctx: &CheckContext<'_>) -> Vec<ClusterRange> {
    let mut out = Vec::new();
    let cidr = |text: &str| IpSet::parse_cidr(text);
    let pod_ips = ctx.cluster.options().ip_block_mode != IpBlockMode::PodIps;
    if pod_ips {
        out.extend(
            ctx.config
                .pod_cidrs
                .iter()
                .filter_map(|c| Some(ClusterRange { what: format!("the pod CIDR `{c}`"), set: cidr(c)? })),
        );
        for endpoint in ctx.endpoints() {
            for ip in endpoint.ips.iter().filter_map(|ip| ip.parse::<IpAddr>().ok()) {
                out.push(ClusterRange {
                    what: format!("the pod IP `{ip}` of `{}`", endpoint.name),
                    set: IpSet::address(ip),
                });
            }
        }
    }
    out.extend(
        ctx.config
            .service_cidrs
            .iter()
            .filter_map(|c| Some(ClusterRange { what: format!("the Service CIDR `{c}`"), set: cidr(c)? })),
    );
    for service in &ctx.resources.services {
        let ips = service.cluster_ips.iter();
        let mut seen: Vec<IpAddr> = Vec::new();
        for ip in ips.filter_map(|ip| ip.parse::<IpAddr>().ok()) {
            if seen.contains(&ip) {
                continue;
            }
            seen.push(ip);
            out.push(ClusterRange {
                what: format!("the cluster IP `{ip}` of Service `{}/{}`", service.namespace, service.name),
                set: IpSet::address(ip),
            });
        }
    }
    out
}

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let ranges = cluster_ranges(ctx);
    if ranges.is_empty() {
        return;
    }
    for at in ctx.peers() {
        let Some(block) = &at.peer.ip_block else { continue };
        if Cidr::parse(&block.cidr).is_none_or(|c| c.prefix == 0) {
            continue;
        }
        let addresses = ip_block_addresses(block);
        let hits: Vec<&ClusterRange> = ranges.iter().filter(|r| !addresses.intersection(&r.set).is_empty()).collect();
        let Some(first) = hits.first() else { continue };
        let more = match hits.len() {
            1 => String::new(),
            2 => " (and 1 more cluster address)".to_owned(),
            n => format!(" (and {} more cluster addresses)", n - 1),
        };
        let draft = META.finding(
            at.policy.source.locate(&format!("{}/ipBlock/cidr", at.pointer)),
            format!("ipBlock `{}` includes {}{more}, but ipBlocks do not match pods or Services", block.cidr, first.what),
            "select in-cluster peers with `podSelector` / `namespaceSelector`, and keep ipBlocks for external addresses",
        );
        out.push(draft.in_policy(at.index, at.policy));
    }
}
