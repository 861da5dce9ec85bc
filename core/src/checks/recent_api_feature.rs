//! `NF103 recent-api-feature`: SCTP ports and `endPort` ranges, which older clusters and some
//! network plugins do not enforce.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::model::walk;

const META: RuleMeta = RuleMeta {
    id: "NF103",
    name: "recent-api-feature",
    severity: Severity::Info,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "a port uses SCTP or `endPort`, which need a recent cluster and network plugin",
};

const DOCS: &str = r#"
## What it flags
A port entry with `protocol: SCTP` (stable in Kubernetes 1.20) or with `endPort` (stable in
1.25), unless the configured `kubernetesVersion` is at least that version.

## Why it matters
On an older API server `endPort` is dropped silently, so the rule allows only `port` — a
narrower rule than written. Network plugins that do not implement SCTP or port ranges ignore
or reject such rules; the policy then does less (or other) than it says.

## Example
```yaml
ports:
- protocol: TCP
  port: 32000
  endPort: 32768
```

## How to fix
Make sure the cluster and its network plugin support the feature, then set
`kubernetesVersion` in the checks configuration (e.g. `"1.29"`) to silence this check; or list
the ports one by one.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

/// The minor version (1.x) each feature became stable in.
const SCTP_SINCE: u32 = 20;
const END_PORT_SINCE: u32 = 25;

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    let supported = |since: u32| ctx.config.minor_version().is_some_and(|v| v >= since);
    for (i, policy) in ctx.policies() {
        for (pointer, port) in walk::ports(policy.object.spec.as_ref()) {
            if port.protocol.as_deref() == Some("SCTP") && !supported(SCTP_SINCE) {
                let draft = META.finding(
                    policy.source.locate(&format!("{pointer}/protocol")),
                    "`SCTP` ports need Kubernetes 1.20 or later and a network plugin that supports SCTP",
                    "check that the cluster's network plugin enforces SCTP rules, then set `kubernetesVersion`",
                );
                out.push(draft.in_policy(i, policy));
            }
            if let (Some(end), Some(IntOrString::Int(start))) = (port.end_port, &port.port)
                && !supported(END_PORT_SINCE)
            {
                let draft = META.finding(
                    policy.source.locate(&format!("{pointer}/endPort")),
                    format!("port range `{start}-{end}` needs Kubernetes 1.25 or later; older servers drop `endPort` and allow only `{start}`"),
                    "check that the cluster and its network plugin support `endPort`, then set `kubernetesVersion`",
                );
                out.push(draft.in_policy(i, policy));
            }
        }
    }
}
