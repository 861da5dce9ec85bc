//! `NF309 host-network-workload`: a `hostNetwork` workload in a namespace that has policies;
//! NetworkPolicies do not apply to it.

use super::{Category, Check, CheckContext, Draft};
use crate::engine::LabelMatcher;
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::source::{Location, SourceDoc};

const META: RuleMeta = RuleMeta {
    id: "NF309",
    name: "host-network-workload",
    severity: Severity::Warning,
    category: Category::Ineffective,
    since: "0.1.0",
    summary: "a `hostNetwork` workload is not governed by the NetworkPolicies of its namespace",
};

const DOCS: &str = r#"
## What it flags
A workload or bare pod with `hostNetwork: true` in a namespace that has NetworkPolicies.

## Why it matters
Pods on the host network share the node's network namespace and IP. NetworkPolicies do not
apply to them on most network plugins: neither their ingress nor their egress is restricted,
whatever policy selects them, and as peers they appear as node IPs, not as pods, so pod
selectors do not match them either.

## Example
```yaml
kind: DaemonSet
metadata: {name: node-agent, namespace: monitoring}
spec:
  template:
    spec:
      hostNetwork: true
```

## How to fix
Run the workload without `hostNetwork` if it does not need it. Otherwise protect it with host
firewalling or the network plugin's host-endpoint policies, and allow it as a peer with an
`ipBlock` of the node addresses.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let workloads = ctx.resources.workloads.iter().map(|w| {
        let (labels, host) = (w.template_labels.clone(), w.spec.host_network);
        (
            format!("{} {}/{}", w.kind.as_str(), w.namespace, w.name),
            &w.namespace,
            labels,
            host,
            &w.source,
            format!("{}/spec", w.template_pointer),
        )
    });
    let pods = ctx.resources.pods.iter().filter(|p| p.owners.is_empty()).map(|p| {
        let (labels, host) = (p.labels.clone(), p.spec.host_network);
        (format!("Pod {}/{}", p.namespace, p.name), &p.namespace, labels, host, &p.source, "/spec".to_owned())
    });
    for (resource, namespace, labels, host, source, spec_pointer) in workloads.chain(pods) {
        if !host {
            continue;
        }
        let policies: Vec<(usize, bool)> = ctx
            .policies()
            .filter(|(_, p)| p.namespace == *namespace)
            .map(|(i, p)| {
                let selects = p
                    .object
                    .spec
                    .as_ref()
                    .and_then(|s| s.pod_selector.as_ref())
                    .is_none_or(|s| LabelMatcher::new(s).matches(&labels));
                (i, selects)
            })
            .collect();
        if policies.is_empty() {
            continue;
        }
        let selecting: Vec<String> = policies
            .iter()
            .filter(|(_, s)| *s)
            .filter_map(|(i, _)| ctx.policy(*i))
            .map(|p| format!("`{}`", p.name))
            .collect();
        let message = if selecting.is_empty() {
            format!("`{resource}` uses `hostNetwork`: the NetworkPolicies of `{namespace}` do not apply to it")
        } else {
            let (noun, verb) = if selecting.len() == 1 { ("policy", "selects") } else { ("policies", "select") };
            format!(
                "`{resource}` uses `hostNetwork`: {noun} {} {verb} it but {} not apply to it",
                selecting.join(", "),
                if selecting.len() == 1 { "does" } else { "do" }
            )
        };
        let related: Vec<Location> =
            policies.iter().filter(|(_, s)| *s).filter_map(|(i, _)| ctx.policy_location(*i)).collect();
        let draft = META
            .finding(
                locate(source, &spec_pointer),
                message,
                "drop `hostNetwork` if the workload does not need it; otherwise protect it with host firewalling",
            )
            .resource(resource)
            .related(related);
        out.push(draft);
    }
}

fn locate(source: &SourceDoc, spec_pointer: &str) -> Location {
    source.locate_key(spec_pointer, "hostNetwork")
}
