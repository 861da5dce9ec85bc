//! Object names: `metadata.name` (or `generateName`) is required and a DNS-1123 subdomain;
//! `metadata.namespace`, when given, is a DNS-1123 label.

use super::syntax::{dns_repair, dns1123_label_problem, dns1123_subdomain_problem};
use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;

/// `NF004`: neither `metadata.name` nor `metadata.generateName` is set.
///
/// Why is this bad? The server rejects the object: "name or generateName is required".
pub(crate) const MISSING_NAME: RuleMeta = RuleMeta {
    id: "NF004",
    name: "missing-name",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`metadata.name` or `metadata.generateName` is required",
};

/// `NF005`: the name is not a DNS-1123 subdomain (lowercase letters, digits, `-`, `.`,
/// at most 253 characters, starting and ending with a letter or digit).
pub(crate) const INVALID_NAME: RuleMeta = RuleMeta {
    id: "NF005",
    name: "invalid-name",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`metadata.name` must be a DNS-1123 subdomain",
};

/// `NF006`: the namespace is not a DNS-1123 label (lowercase letters, digits, `-`, at most
/// 63 characters, starting and ending with a letter or digit).
pub(crate) const INVALID_NAMESPACE: RuleMeta = RuleMeta {
    id: "NF006",
    name: "invalid-namespace",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`metadata.namespace` must be a DNS-1123 label",
};

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let meta = &ctx.policy.object.metadata;
    let name = meta.name.as_deref().filter(|n| !n.is_empty());
    let generate_name = meta.generate_name.as_deref().filter(|n| !n.is_empty());
    if let Some(name) = name
        && let Some(problem) = dns1123_subdomain_problem(name)
    {
        let fix = dns_repair(name, true);
        let help = fix.as_deref().map_or_else(
            || "use lowercase letters, digits, `-` and `.`, e.g. `allow-web`".to_owned(),
            |f| format!("did you mean `{f}`?"),
        );
        let draft = INVALID_NAME.finding(ctx.at("/metadata/name"), format!("name `{name}` {problem}"), help);
        ctx.report(draft.fix(fix));
    }
    if let Some(prefix) = generate_name {
        // The server appends random characters, so a trailing `-` is fine.
        let masked = prefix.strip_suffix('-').map_or_else(|| prefix.to_owned(), |p| format!("{p}a"));
        if let Some(problem) = dns1123_subdomain_problem(&masked) {
            let draft = INVALID_NAME.finding(
                ctx.at("/metadata/generateName"),
                format!("generateName `{prefix}` {problem}"),
                "use lowercase letters, digits, `-` and `.`, e.g. `allow-web-`",
            );
            ctx.report(draft);
        }
    }
    if name.is_none() && generate_name.is_none() {
        let pointer = if ctx.policy.source.node().get("metadata").is_some() { "/metadata" } else { "" };
        let draft = MISSING_NAME.finding(
            ctx.at(pointer),
            "policy has no `metadata.name`",
            "add `metadata.name`, a DNS-1123 subdomain such as `allow-web`",
        );
        ctx.report(draft);
    }
    if let Some(namespace) = meta.namespace.as_deref().filter(|n| !n.is_empty())
        && let Some(problem) = dns1123_label_problem(namespace)
    {
        let fix = dns_repair(namespace, false);
        let help = fix.as_deref().map_or_else(
            || "use lowercase letters, digits and `-`, at most 63 characters".to_owned(),
            |f| format!("did you mean `{f}`?"),
        );
        let draft = INVALID_NAMESPACE.finding(
            ctx.at("/metadata/namespace"),
            format!("namespace `{namespace}` {problem}"),
            help,
        );
        ctx.report(draft.fix(fix));
    }
}
