//! `NF204 workload-not-isolated-egress`: a workload no policy isolates for egress, in a
//! namespace where policies isolate the egress of other workloads.

use super::workload_not_isolated_ingress::not_isolated;
use super::{Category, Check, CheckContext, Draft};
use crate::engine::Direction;
use crate::model::RuleMeta;
use crate::model::Severity;

const META: RuleMeta = RuleMeta {
    id: "NF204",
    name: "workload-not-isolated-egress",
    severity: Severity::Info,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "a workload is left out of the egress isolation of its namespace",
};

const DOCS: &str = r#"
## What it flags
A workload (or bare pod) that no policy selects for egress, in a namespace where other
policies isolate egress.

## Why it matters
The namespace restricts where its pods may connect, but this workload may connect anywhere:
the cluster, the cloud metadata endpoint, the internet. Usually it was simply missed.

## Example
Policies in `payments` with `policyTypes: [Egress]` select `app: payments`; none selects:
```yaml
kind: CronJob
metadata: {name: reconcile, namespace: payments}
spec:
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: reconcile}}
```

## How to fix
Add a namespace-wide egress default deny (`podSelector: {}`, `policyTypes: [Egress]`) with
the allowances each workload needs, or extend a policy's `podSelector`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    not_isolated(ctx, out, &META, Direction::Egress);
}
