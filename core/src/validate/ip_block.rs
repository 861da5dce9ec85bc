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

/// `NF025`: a `cidr` or `except` value that is not a CIDR.
pub(crate) const INVALID_CIDR: RuleMeta = RuleMeta {
    id: "NF025",
    name: "invalid-cidr",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`cidr` and `except` values are CIDRs such as `10.0.0.0/8` or `2001:db8::/32`",
};

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
