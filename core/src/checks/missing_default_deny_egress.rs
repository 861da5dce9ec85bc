//! `NF202 missing-default-deny-egress`: a namespace with workloads and no policy that
//! isolates the egress of every pod.

use super::missing_default_deny_ingress::missing_default_deny;
use super::{Category, Check, CheckContext, Draft};
use crate::engine::Direction;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF202",
    name: "missing-default-deny-egress",
    severity: Severity::Info,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a namespace with workloads has no default-deny egress policy",
};

const DOCS: &str = r#"
## What it flags
A namespace that has workloads in the input but no NetworkPolicy with an empty `podSelector`
and `Egress` in its policy types. System namespaces (`excludeNamespaces`) are left out.

A cluster-scoped default deny counts as one: a policy of either tier (AdminNetworkPolicy,
BaselineAdminNetworkPolicy, ClusterNetworkPolicy) whose subject is every pod of the namespace
and whose `Deny` rules without ports name every pod of every namespace (`namespaces: {}`) and
every address of both families (`networks: [0.0.0.0/0, ::/0]`).

## Why it matters
Without egress isolation a compromised pod can reach every service in the cluster and the
internet: exfiltration and lateral movement are not constrained. Egress default deny is less
common than ingress (it needs DNS and every dependency allowed), hence `info`.

## Example
A namespace `shop` whose only namespace-wide policy isolates ingress:
```yaml
metadata: {name: default-deny-ingress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
```

## How to fix
Add a default-deny egress policy together with the allowances the pods need, DNS first:
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny-egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
```
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    missing_default_deny(ctx, out, &META, Direction::Egress);
}
