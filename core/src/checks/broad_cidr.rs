//! `NF208 broad-cidr`: an ipBlock CIDR broader than the configured prefix length.

use super::{Category, Check, CheckContext, Draft};
use crate::checks::InPolicy;
use crate::model::RuleMeta;
use crate::model::Severity;
use crate::model::cidr::Cidr;

const META: RuleMeta = RuleMeta {
    id: "NF208",
    name: "broad-cidr",
    severity: Severity::Warning,
    category: Category::Exposure,
    since: "0.1.0",
    summary: "an ipBlock CIDR is broader than the configured threshold (default /8 for IPv4)",
};

const DOCS: &str = r#"
## What it flags
An `ipBlock` `cidr` with a prefix shorter than `broadCidrPrefixV4` (default 8) for IPv4 or
`broadCidrPrefixV6` (default 32) for IPv6 — but not `/0`, which `NF207` reports.

## Why it matters
A `/4` or `/6` spans hundreds of millions of addresses across many owners. Such ranges are
usually a typo in the prefix length (`/4` for `/24`) or a shortcut for "the internet" that
hides how much is allowed.

## Example
```yaml
- ipBlock:
    cidr: 64.0.0.0/2
```

## How to fix
Allow the specific ranges needed. If the range is right, raise or lower the threshold in the
checks configuration, or suppress with `netfence.dev/ignore: "NF208"`.
"#;

pub(super) const CHECK: Check = Check { meta: META, docs: DOCS, run };

fn run(ctx: &CheckContext<'_>, out: &mut Vec<Draft>) {
    for at in ctx.peers() {
        let Some(block) = &at.peer.ip_block else { continue };
        let Some(cidr) = Cidr::parse(&block.cidr) else { continue };
        let threshold =
            if cidr.addr.is_ipv4() { ctx.config.broad_cidr_prefix_v4 } else { ctx.config.broad_cidr_prefix_v6 };
        if cidr.prefix == 0 || cidr.prefix >= threshold {
            continue;
        }
        let draft = META.finding(
            at.policy.source.locate(&format!("{}/ipBlock/cidr", at.pointer)),
            format!(
                "ipBlock `{}` is a /{} {} range, broader than /{threshold}",
                block.cidr,
                cidr.prefix,
                cidr.family()
            ),
            "check the prefix length and allow only the ranges needed",
        );
        out.push(draft.in_policy(at.index, at.policy));
    }
}
