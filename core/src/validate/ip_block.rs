//! `ipBlock`: `cidr` is required and a valid CIDR; each `except` is a valid CIDR strictly
//! inside `cidr`. The server accepts CIDRs with host bits set, leading zeros or IPv4-mapped
//! IPv6 addresses, and answers with a warning; those are warnings here too.

use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::model::cidr::Cidr;
use crate::model::walk;

/// `NF024`: `ipBlock.cidr` is empty.
pub(crate) const MISSING_CIDR: RuleMeta = RuleMeta {
    id: "NF024",
    name: "missing-cidr",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`ipBlock.cidr` is required",
};

pub(crate) const MISSING_CIDR_DOCS: &str = r#"
## What it flags
An `ipBlock` whose `cidr` is missing or empty.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
`spec.egress[0].to[0].ipBlock.cidr: Required value`. An empty `cidr` is often a template
variable that was not filled in.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: ""}
```

## How to fix
Set `cidr` to the range meant; `0.0.0.0/0` is every IPv4 address and `::/0` every IPv6
address:
```yaml
    - ipBlock: {cidr: 203.0.113.0/24}
```
"#;

/// `NF025`: a `cidr` or `except` value that is not a CIDR.
pub(crate) const INVALID_CIDR: RuleMeta = RuleMeta {
    id: "NF025",
    name: "invalid-cidr",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`cidr` and `except` values are CIDRs such as `10.0.0.0/8` or `2001:db8::/32`",
};

pub(crate) const INVALID_CIDR_DOCS: &str = r#"
## What it flags
A `cidr` or `except` value of an `ipBlock` that is not an IP address, `/` and a prefix length
that fits the address (at most 32 for IPv4, 128 for IPv6). The fix trims spaces around the value
and adds `/32` (or `/128`) to a bare address, when that gives a valid CIDR. Leading zeros in
IPv4 octets are accepted, as the server accepts them, and reported by `NF028`. When `cidr` is
invalid, its `except` entries are not checked.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
`spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.1": must be a valid CIDR value,
(e.g. 10.9.8.0/24 or 2001:db8::/64)` (older releases: `not a valid CIDR`).

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from:
    - ipBlock: {cidr: 10.0.0.1}
    - ipBlock: {cidr: 10.0.0.0/33}
```

## How to fix
Write an address, `/` and a prefix length; `/32` (IPv4) or `/128` (IPv6) for one address:
```yaml
    - ipBlock: {cidr: 10.0.0.1/32}
    - ipBlock: {cidr: 10.0.0.0/8}
```
"#;

/// `NF026`: an `except` entry that is not a strictly smaller range inside `cidr` (or is of
/// the other address family).
pub(crate) const EXCEPT_OUTSIDE_CIDR: RuleMeta = RuleMeta {
    id: "NF026",
    name: "except-outside-cidr",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "each `except` entry must be a strict subset of `cidr`",
};

pub(crate) const EXCEPT_OUTSIDE_CIDR_DOCS: &str = r#"
## What it flags
An `except` entry of an `ipBlock` that is not a strictly smaller range inside its `cidr`: a
range outside it, the same range, a larger one, or a range of the other address family. Bits
after the prefix length are ignored on both sides, as the server ignores them (`10.0.0.7/24` is
`10.0.0.0/24`). The finding is at the `except` entry, with `cidr` as a related location.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
``spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset
of `cidr` ``. An exception outside the range would exclude nothing; it usually means a mistyped
octet, or an exception meant for another `ipBlock`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/16
        except: [10.1.0.0/24]
```

## How to fix
Write an exception inside the range, and put addresses of the other family in a peer of their
own:
```yaml
    - ipBlock:
        cidr: 10.0.0.0/16
        except: [10.0.1.0/24]
```
"#;

/// `NF027`: a CIDR with bits set after the prefix, like `10.0.0.1/24`. The server accepts it
/// (as `10.0.0.0/24`) with a warning that it is ambiguous.
pub(crate) const CIDR_HOST_BITS_SET: RuleMeta = RuleMeta {
    id: "NF027",
    name: "cidr-host-bits-set",
    severity: Severity::Warning,
    category: Category::Validation,
    since: "0.1.0",
    summary: "CIDR has bits set after the prefix length, so it is ambiguous",
};

pub(crate) const CIDR_HOST_BITS_SET_DOCS: &str = r#"
## What it flags
A `cidr` or `except` value of an `ipBlock` with bits set after the prefix length, such as
`192.168.1.10/24`. The fix is the network (`192.168.1.0/24`); the help also names the single
address (`192.168.1.10/32`).

## Why it matters
The API server accepts the value and uses the network: `192.168.1.10/24` means all of
`192.168.1.0/24`. Since Kubernetes 1.33 it answers with a warning, which kubectl prints:
`Warning: spec.egress[0].to[0].ipBlock.cidr: CIDR value "192.168.1.10/24" is ambiguous in this
context (should be "192.168.1.0/24" or "192.168.1.10/32"?)`. If one address was meant, the
policy allows (or excepts) 256 addresses instead of one.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 192.168.1.10/24}
```

## How to fix
Write the network, or the one address:
```yaml
    - ipBlock: {cidr: 192.168.1.0/24}     # the network
    - ipBlock: {cidr: 192.168.1.10/32}    # one address
```
"#;

/// `NF028`: a CIDR in a non-standard form: leading zeros, an IPv4-mapped IPv6 address, or
/// IPv6 not in RFC 5952 form. The server warns; leading zeros and IPv4-mapped addresses will
/// be rejected by a future release (feature gate `StrictIPCIDRValidation`).
pub(crate) const NON_STANDARD_CIDR: RuleMeta = RuleMeta {
    id: "NF028",
    name: "non-standard-cidr",
    severity: Severity::Warning,
    category: Category::Validation,
    since: "0.1.0",
    summary: "CIDR is not in canonical form",
};

pub(crate) const NON_STANDARD_CIDR_DOCS: &str = r#"
## What it flags
A `cidr` or `except` value of an `ipBlock` that is valid but not in the form the server
prefers: IPv4 with leading zeros (`010.0.0.0/8`, also in the prefix length: `/08`), an
IPv4-mapped IPv6 address (`::ffff:10.0.0.0/104`), or, when nothing else is wrong with it, IPv6
not in RFC 5952 canonical form (uppercase hex digits, zeros not compressed:
`2001:DB8:0:0::/64`). The fix is the canonical form, IPv4 for an IPv4-mapped address.

## Why it matters
The API server accepts the value and, since Kubernetes 1.33, answers with a warning:
`non-standard CIDR value "010.0.0.0/8" will be considered invalid in a future Kubernetes
release: use "10.0.0.0/8"`, or `IPv6 CIDR value "2001:DB8:0:0::/64" should be in RFC 5952
canonical format ("2001:db8::/64")`. Leading zeros are ambiguous: the API server reads `010` as
decimal 10, while tools built on the C library read it as octal 8 (CVE-2021-29923). With the
feature gate `StrictIPCIDRValidation` (alpha in 1.33) the server rejects leading zeros and
IPv4-mapped addresses; non-canonical IPv6 stays a warning.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 010.0.0.0/8}
    - ipBlock: {cidr: "2001:DB8:0:0::/64"}
```

## How to fix
Write the canonical form:
```yaml
    - ipBlock: {cidr: 10.0.0.0/8}
    - ipBlock: {cidr: "2001:db8::/64"}
```
"#;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let spec = ctx.policy.object.spec.as_ref();
    for (peer, peer_value) in walk::peers(spec) {
        let Some(block) = &peer_value.ip_block else { continue };
        let at = format!("{peer}/ipBlock");
        let cidr_at = format!("{at}/cidr");
        if block.cidr.is_empty() {
            let draft = MISSING_CIDR.finding(
                ctx.at(&cidr_at),
                "`ipBlock` has an empty `cidr`",
                "set `cidr` to a range such as `10.0.0.0/8`; `0.0.0.0/0` means every IPv4 address",
            );
            ctx.report(draft);
            continue;
        }
        let Some(cidr) = parse(ctx, &cidr_at, &block.cidr) else { continue };
        for (j, text) in block.except.iter().flatten().enumerate() {
            let except_at = format!("{at}/except/{j}");
            let Some(except) = parse(ctx, &except_at, text) else { continue };
            if cidr.strictly_contains(&except) {
                continue;
            }
            let outer = &block.cidr;
            let (message, help) = if except.family() != cidr.family() {
                (
                    format!("except `{text}` is {} but cidr `{outer}` is {}", except.family(), cidr.family()),
                    "an `except` entry must be in the same address family as `cidr`; use a separate peer for the other family".to_owned(),
                )
            } else if except.prefix == cidr.prefix && except.network_text() == cidr.network_text() {
                (
                    format!("except `{text}` is the whole of cidr `{outer}`"),
                    "an `except` entry must be smaller than `cidr`; to match nothing, remove the peer".to_owned(),
                )
            } else {
                (
                    format!("except `{text}` is not inside cidr `{outer}`"),
                    format!("an `except` entry must be a smaller range inside `{}`", cidr.network_text()),
                )
            };
            let draft = EXCEPT_OUTSIDE_CIDR.finding(ctx.at(&except_at), message, help).related([ctx.at(&cidr_at)]);
            ctx.report(draft);
        }
    }
}

/// Parses a CIDR, reporting it when invalid and warning when non-canonical.
fn parse(ctx: &mut Ctx<'_>, pointer: &str, text: &str) -> Option<Cidr> {
    let Some(cidr) = Cidr::parse(text) else {
        let trimmed = text.trim();
        let suggestion = Cidr::parse(trimmed).map(|_| trimmed.to_owned()).or_else(|| {
            let width = if trimmed.contains(':') { 128 } else { 32 };
            let single = format!("{trimmed}/{width}");
            Cidr::parse(&single).map(|_| single)
        });
        let help = suggestion.as_deref().map_or_else(
            || "write an address, `/` and a prefix length, e.g. `10.0.0.0/8` or `2001:db8::/32`".to_owned(),
            |s| format!("did you mean `{s}`?"),
        );
        let draft = INVALID_CIDR.finding(ctx.at(pointer), format!("`{text}` is not a valid CIDR"), help);
        ctx.report(draft.fix(suggestion));
        return None;
    };
    if cidr.has_host_bits() {
        let network = cidr.network_text();
        let draft = CIDR_HOST_BITS_SET.finding(
            ctx.at(pointer),
            format!("`{text}` has bits set after the prefix length; it means `{network}`"),
            format!("did you mean `{network}` (the network) or `{}` (one address)?", cidr.single_address_text()),
        );
        ctx.report(draft.fix(Some(network.to_owned())));
    }
    let canonical = cidr.network_text();
    let non_standard = if cidr.leading_zeros || cidr.is_v4_mapped() {
        Some("will be considered invalid by a future Kubernetes release")
    } else if !cidr.has_host_bits() && !cidr.addr.is_ipv4() && canonical != text {
        Some("is not in RFC 5952 canonical form")
    } else {
        None
    };
    if let Some(why) = non_standard {
        let draft = NON_STANDARD_CIDR.finding(
            ctx.at(pointer),
            format!("non-standard CIDR `{text}` {why}"),
            format!("did you mean `{canonical}`?"),
        );
        ctx.report(draft.fix(Some(canonical.to_owned())));
    }
    Some(cidr)
}
