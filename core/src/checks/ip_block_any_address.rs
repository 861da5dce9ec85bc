//! `NF207 ip-block-any-address`: an ipBlock `0.0.0.0/0` or `::/0`.

use super::context::list;
use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::engine::Direction;
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::model::cidr::Cidr;

const META: RuleMeta = RuleMeta {
    id: "NF207",
    name: "ip-block-any-address",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "an ipBlock `0.0.0.0/0` or `::/0` matches every external address",
};

const DOCS: &str = r#"
## What it flags
An `ipBlock` whose `cidr` has prefix length 0 (`0.0.0.0/0`, `::/0`), with or without
`except` entries.

## Why it matters
As an ingress peer it exposes the workload to the whole internet (wherever a load balancer or
node port lets traffic in); as an egress peer it lets the workload connect anywhere outside
the cluster — the usual path for data exfiltration and command-and-control. `except` entries
carve out a few ranges but leave everything else open.

## Example
```yaml
egress:
- to:
  - ipBlock:
      cidr: 0.0.0.0/0
      except: [10.0.0.0/8]
```

## How to fix
Name the external ranges that are needed (a payment gateway `203.0.113.0/24`, a managed
database), or route egress through a proxy and allow only the proxy. If the workload really
is public, record it with `netfence.dev/ignore: "NF207"`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for at in ctx.peers() {
        let Some(block) = &at.peer.ip_block else { continue };
        if Cidr::parse(&block.cidr).is_none_or(|c| c.prefix != 0) {
            continue;
        }
        let cidr = &block.cidr;
        let mut message = match at.direction {
            Direction::Ingress => format!("ipBlock `{cidr}` allows traffic from every external address"),
            Direction::Egress => format!("ipBlock `{cidr}` allows traffic to every external address"),
        };
        let except: &[String] = block.except.as_deref().unwrap_or_default();
        if !except.is_empty() {
            message.push_str(&format!(" except {}", list(except, 3)));
        }
        let draft = META.finding(
            at.policy.source.locate(&format!("{}/ipBlock/cidr", at.pointer)),
            message,
            "allow only the external ranges the workload needs",
        );
        out.push(draft.in_policy(at.index, at.policy));
    }
}
