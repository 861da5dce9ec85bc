//! `NF106 unevaluated-policy`: a resource that may carry policy but that netfence does not
//! evaluate (a CNI's own policy kind, `MultiNetworkPolicy`, an unknown kind or version of
//! `policy.networking.k8s.io`): every answer about connectivity may be wrong where it applies.

use super::{Category, Check, CheckContext, Draft};
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF106",
    name: "unevaluated-policy",
    severity: Severity::Warning,
    category: Category::Hygiene,
    since: "0.1.0",
    summary: "a resource that may carry policy is not evaluated: connectivity answers may differ from the cluster",
};

const DOCS: &str = r#"
## What it flags
Each resource in the inputs that may allow or deny traffic but that netfence does not evaluate:
Cilium's `CiliumNetworkPolicy` and `CiliumClusterwideNetworkPolicy`, Calico's `NetworkPolicy` and
`GlobalNetworkPolicy` (`projectcalico.org`, `crd.projectcalico.org`), Antrea's `NetworkPolicy`
and `ClusterNetworkPolicy` (`crd.antrea.io`), OVN-Kubernetes' `EgressFirewall`,
`MultiNetworkPolicy` (`k8s.cni.cncf.io`), and any kind or version of
`policy.networking.k8s.io` netfence does not know. Every answer about connectivity (analyze,
explain, check, diff, review, impact, drops, audit) also carries it as the warning `NF-W001`.

## Why it matters
netfence computes connectivity from Kubernetes NetworkPolicies. Where the cluster's network plugin
enforces one of these resources too, traffic netfence reports as allowed may be denied (a Cilium
`ingressDeny`, a Calico `Deny` in an earlier tier), or the other way round. A review that passes
on NetworkPolicies alone says nothing about them.

## Example
```yaml
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: lockdown, namespace: shop}
spec:
  endpointSelector: {}
  ingressDeny:
  - fromEntities: [all]
```

## How to fix
Review these resources with the network plugin's own tools, or express the rule as a Kubernetes
NetworkPolicy so that netfence can evaluate it. To acknowledge the finding, disable the check or
lower its severity in the configuration (`checks.disable: [NF106]`).
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for resource in &ctx.resources.unevaluated {
        let draft = META
            .finding(
                resource.source.locate(""),
                format!("`{}` ({}) is not evaluated: {}", resource.resource(), resource.api_version, resource.reason),
                "check it with the network plugin's own tools: connectivity answers come from NetworkPolicies alone",
            )
            .resource(resource.resource());
        out.push(draft);
    }
}
