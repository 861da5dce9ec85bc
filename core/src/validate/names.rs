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

pub(crate) const MISSING_NAME_DOCS: &str = r#"
## What it flags
A NetworkPolicy with neither `metadata.name` nor `metadata.generateName` (both absent or
empty).

## Why it matters
The API server rejects it with `422 Unprocessable Entity`: `metadata.name: Required value: name
or generateName is required`. `kubectl apply` stops before that, with `resource name may not be
empty`. A `generateName` satisfies the server, but only `kubectl create` accepts it: `kubectl
apply` refuses generated names, since it finds the object again by its name.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  namespace: shop             # no name
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
```

## How to fix
Name the policy, with a DNS-1123 subdomain that is unique among the policies of its namespace:
```yaml
metadata:
  name: web-ingress
  namespace: shop
```
"#;

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

pub(crate) const INVALID_NAME_DOCS: &str = r#"
## What it flags
A `metadata.name` that is not a DNS-1123 subdomain: longer than 253 characters, or with
characters other than lowercase letters, digits, `-` and `.`, or with a dot-separated part that
does not start and end with a letter or digit (`Allow_Web`, `web.`, `-web`). Also a
`metadata.generateName` that would fail the same test, except that it may end with `-` (the
server appends random characters). The fix lowercases the name and turns other characters into
`-`, when that gives a valid name.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `metadata.name: Invalid
value: "Allow_Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric
characters, '-' or '.', and must start and end with an alphanumeric character`, and the policy
is not created. Such names usually come from a title or a file name.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: Allow_Web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
```

## How to fix
Use lowercase letters, digits, `-` and `.`:
```yaml
metadata: {name: allow-web, namespace: shop}
```
"#;

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

pub(crate) const INVALID_NAMESPACE_DOCS: &str = r#"
## What it flags
A `metadata.namespace` that is not a DNS-1123 label: longer than 63 characters, or with
characters other than lowercase letters, digits and `-` (dots are not allowed, unlike in
names), or not starting and ending with a letter or digit (`Shop`, `shop.prod`, `shop_prod`).
The fix lowercases the namespace and turns other characters into `-`, when that gives a valid
label.

## Why it matters
Namespace names are DNS-1123 labels, so no namespace of that name can exist and the policy
cannot be created: the API server refuses the request (the namespace is not found, or
`metadata.namespace` is invalid). The policy was most likely meant for a namespace whose name
differs only in case or punctuation.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: Shop.Prod}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
```

## How to fix
Write the namespace as it exists in the cluster (`kubectl get namespaces`):
```yaml
metadata: {name: web, namespace: shop-prod}
```
"#;

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
