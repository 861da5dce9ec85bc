//! Spec-level rules: `spec.podSelector` presence and `spec.policyTypes` values.

use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::source::yaml_write::yaml_string;
use crate::suggest::closest;

/// The values `policyTypes` accepts.
const POLICY_TYPES: [&str; 2] = ["Ingress", "Egress"];

/// `NF014`: the policy has no `spec.podSelector` (or no `spec`).
///
/// The server accepts this and treats the selector as `{}` (every pod in the namespace);
/// the v1 OpenAPI schema of older releases marked the field required, so older clients
/// and schema validators (kubeconform, `kubectl --validate` against older servers) reject it.
pub(crate) const MISSING_POD_SELECTOR: RuleMeta = RuleMeta {
    id: "NF014",
    name: "missing-pod-selector",
    severity: Severity::Warning,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`spec.podSelector` is missing: it means every pod, and older schemas require it",
};

pub(crate) const MISSING_POD_SELECTOR_DOCS: &str = r#"
## What it flags
A NetworkPolicy without `spec.podSelector` (absent or `null`), or without `spec` at all.

## Why it matters
The API server accepts it and reads the missing selector as `{}`: the policy applies to every pod
of its namespace. Without `spec`, the policy also has no rules and the implicit
`policyTypes: [Ingress]`, so it denies all incoming traffic to every pod of the namespace. The
OpenAPI schema of Kubernetes up to 1.33 marks `podSelector` as required, so tools that validate
manifests against it reject the policy (`missing required field "podSelector"`). Either way,
a reader cannot tell whether every pod was meant or a selector was lost.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  policyTypes: [Ingress]        # no podSelector: every pod of `shop`
  ingress:
  - from: [{podSelector: {matchLabels: {app: gateway}}}]
```

## How to fix
Select every pod explicitly, or the pods meant:
```yaml
spec:
  podSelector: {}               # or {matchLabels: {app: web}}
```
"#;

/// `NF015`: a `policyTypes` entry other than `Ingress` or `Egress` (case-sensitive).
pub(crate) const INVALID_POLICY_TYPE: RuleMeta = RuleMeta {
    id: "NF015",
    name: "invalid-policy-type",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`policyTypes` entries are `Ingress` or `Egress`",
};

pub(crate) const INVALID_POLICY_TYPE_DOCS: &str = r#"
## What it flags
A `spec.policyTypes` entry other than `Ingress` or `Egress`. Values are case-sensitive:
`ingress` is flagged, with `Ingress` as the fix. Not reported when the list has more than two
entries (that is `NF016`).

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `spec.policyTypes[0]:
Unsupported value: "ingress": supported values: "Ingress", "Egress"`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [ingress, egress]
```

## How to fix
```yaml
  policyTypes: [Ingress, Egress]
```
"#;

/// `NF016`: more than two `policyTypes` entries.
pub(crate) const TOO_MANY_POLICY_TYPES: RuleMeta = RuleMeta {
    id: "NF016",
    name: "too-many-policy-types",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`policyTypes` has at most two entries",
};

pub(crate) const TOO_MANY_POLICY_TYPES_DOCS: &str = r#"
## What it flags
A `spec.policyTypes` list with more than two entries, whatever they are. A duplicate within two
entries (`[Ingress, Ingress]`) is accepted by the server and not flagged. When the entries come
down to valid, distinct types, the fix is that list (`[Ingress, Egress]`).

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `spec.policyTypes: Invalid
value: ...: may not specify more than two policyTypes`. It checks nothing else of the list then,
so its entries are not reported one by one (`NF015`). A third entry is usually a duplicate left
by merging two policies.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress, Ingress]
```

## How to fix
List each type once:
```yaml
  policyTypes: [Ingress, Egress]
```
"#;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    check_pod_selector(ctx);
    let Some(types) = ctx.policy.object.spec.as_ref().and_then(|s| s.policy_types.as_ref()) else {
        return;
    };
    if types.len() > POLICY_TYPES.len() {
        let mut unique: Vec<&str> = Vec::new();
        for t in types {
            let fixed = closest(t, POLICY_TYPES).unwrap_or(t);
            if !unique.contains(&fixed) {
                unique.push(fixed);
            }
        }
        let fix = (unique.len() <= POLICY_TYPES.len() && unique.iter().all(|t| POLICY_TYPES.contains(t)))
            .then(|| format!("[{}]", unique.join(", ")));
        let draft = TOO_MANY_POLICY_TYPES.finding(
            ctx.at("/spec/policyTypes"),
            format!("`policyTypes` has {} entries, more than two", types.len()),
            "list each of `Ingress` and `Egress` at most once",
        );
        ctx.report(draft.fix(fix));
        // The server stops here too.
        return;
    }
    for (i, t) in types.iter().enumerate() {
        if POLICY_TYPES.contains(&t.as_str()) {
            continue;
        }
        let suggestion = closest(t, POLICY_TYPES);
        let help =
            suggestion.map_or_else(|| "use `Ingress` or `Egress`".to_owned(), |s| format!("did you mean `{s}`?"));
        let draft = INVALID_POLICY_TYPE.finding(
            ctx.at(&format!("/spec/policyTypes/{i}")),
            format!("policy type `{t}` is not supported"),
            help,
        );
        ctx.report(draft.fix(suggestion.map(yaml_string)));
    }
}

fn check_pod_selector(ctx: &mut Ctx<'_>) {
    let node = ctx.policy.source.node();
    let spec = node.get("spec").filter(|s| !matches!(s.value, crate::source::Value::Null));
    let present =
        spec.and_then(|s| s.get("podSelector")).is_some_and(|p| !matches!(p.value, crate::source::Value::Null));
    if present {
        return;
    }
    let (location, message) = if spec.is_some() {
        (ctx.at("/spec"), "policy has no `spec.podSelector`: it applies to every pod in its namespace")
    } else {
        (ctx.at(""), "policy has no `spec`: it isolates every pod in its namespace for ingress")
    };
    let draft = MISSING_POD_SELECTOR.finding(
        location,
        message,
        "write `podSelector: {}` to select every pod explicitly (older API schemas require the field), or a selector for the pods you mean",
    );
    ctx.report(draft);
}
