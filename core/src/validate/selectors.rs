//! Label selector expressions: the operator is one of `In`, `NotIn`, `Exists`,
//! `DoesNotExist`; `In` and `NotIn` need at least one value; `Exists` and `DoesNotExist`
//! take none. (Keys and values are checked in `labels`.)

use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::model::walk;
use crate::source::yaml_write::yaml_string;
use crate::suggest::closest;

/// Operators label selectors support.
const OPERATORS: [&str; 4] = ["In", "NotIn", "Exists", "DoesNotExist"];

/// `NF011`: an operator other than `In`, `NotIn`, `Exists`, `DoesNotExist` (case-sensitive).
pub(crate) const INVALID_SELECTOR_OPERATOR: RuleMeta = RuleMeta {
    id: "NF011",
    name: "invalid-selector-operator",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "selector operators are `In`, `NotIn`, `Exists` or `DoesNotExist`",
};

pub(crate) const INVALID_SELECTOR_OPERATOR_DOCS: &str = r#"
## What it flags
A `matchExpressions` entry whose `operator` is not `In`, `NotIn`, `Exists` or `DoesNotExist`, in
`spec.podSelector` or in a peer's `podSelector` or `namespaceSelector`. Operators are
case-sensitive: `in` and `exists` are flagged. The help and the fix name the operator meant,
also for names other selector languages use (`NotExists`, `Equals`, `!=`).

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
`spec.podSelector.matchExpressions[0].operator: Invalid value: "in": not a valid selector
operator`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: in, values: [web, api]}
  policyTypes: [Ingress]
```

## How to fix
```yaml
    - {key: app, operator: In, values: [web, api]}
```
"#;

/// `NF012`: `In` or `NotIn` without values.
pub(crate) const MISSING_SELECTOR_VALUES: RuleMeta = RuleMeta {
    id: "NF012",
    name: "missing-selector-values",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`In` and `NotIn` expressions need at least one value",
};

pub(crate) const MISSING_SELECTOR_VALUES_DOCS: &str = r#"
## What it flags
A `matchExpressions` entry with operator `In` or `NotIn` and no `values`, or `values: []`, in
`spec.podSelector` or in a peer's `podSelector` or `namespaceSelector`.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
``spec.podSelector.matchExpressions[0].values: Required value: must be specified when
`operator` is 'In' or 'NotIn'``. The values were usually forgotten, or the operator was meant
to be `Exists` (or `DoesNotExist`), which tests only whether the key is there.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: In}
  policyTypes: [Ingress]
```

## How to fix
List the values, or test only for the key:
```yaml
    - {key: app, operator: In, values: [web]}
    - {key: app, operator: Exists}
```
"#;

/// `NF013`: `Exists` or `DoesNotExist` with values.
pub(crate) const FORBIDDEN_SELECTOR_VALUES: RuleMeta = RuleMeta {
    id: "NF013",
    name: "forbidden-selector-values",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`Exists` and `DoesNotExist` expressions take no values",
};

pub(crate) const FORBIDDEN_SELECTOR_VALUES_DOCS: &str = r#"
## What it flags
A `matchExpressions` entry with operator `Exists` or `DoesNotExist` and a non-empty `values`
list, in `spec.podSelector` or in a peer's `podSelector` or `namespaceSelector`. (`values: []`
is accepted.)

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`:
``spec.podSelector.matchExpressions[0].values: Forbidden: may not be specified when `operator`
is 'Exists' or 'DoesNotExist'``. The expression reads like "`app` is `web`" but `Exists` would
match any value: the author most likely meant `In`.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: Exists, values: [web]}
  policyTypes: [Ingress]
```

## How to fix
Compare values with `In`, or remove `values` to test only for the key:
```yaml
    - {key: app, operator: In, values: [web]}
```
"#;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let spec = ctx.policy.object.spec.as_ref();
    for (pointer, selector) in walk::selectors(spec) {
        for (i, requirement) in selector.match_expressions.iter().flatten().enumerate() {
            let at = format!("{pointer}/matchExpressions/{i}");
            let values = requirement.values.as_deref().unwrap_or_default();
            let key = &requirement.key;
            match requirement.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => {
                    let op = &requirement.operator;
                    let location = if ctx.policy.source.node().resolve(&format!("{at}/values")).1 {
                        ctx.at(&format!("{at}/values"))
                    } else {
                        ctx.at(&at)
                    };
                    let draft = MISSING_SELECTOR_VALUES.finding(
                        location,
                        format!("`{op}` expression on `{key}` has no values"),
                        "list at least one value, or use `Exists` / `DoesNotExist` to test only for the key",
                    );
                    ctx.report(draft);
                }
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    let op = &requirement.operator;
                    let draft = FORBIDDEN_SELECTOR_VALUES.finding(
                        ctx.at(&format!("{at}/values")),
                        format!("`{op}` expression on `{key}` has values"),
                        format!(
                            "remove `values`, or use `In` / `NotIn` to compare values (`{op}` tests only for the key)"
                        ),
                    );
                    ctx.report(draft);
                }
                "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
                other => {
                    let suggestion = closest(other, OPERATORS).or_else(|| alias(other));
                    let help = suggestion.map_or_else(
                        || "use `In`, `NotIn`, `Exists` or `DoesNotExist`".to_owned(),
                        |s| format!("did you mean `{s}`?"),
                    );
                    let draft = INVALID_SELECTOR_OPERATOR.finding(
                        ctx.at(&format!("{at}/operator")),
                        format!("selector operator `{other}` is not supported"),
                        help,
                    );
                    ctx.report(draft.fix(suggestion.map(yaml_string)));
                }
            }
        }
    }
}

/// Operators other selector languages use, mapped to the Kubernetes name.
fn alias(op: &str) -> Option<&'static str> {
    match op.to_ascii_lowercase().replace(['_', '-', ' '], "").as_str() {
        "notexists" | "doesnotexists" | "notexist" | "absent" => Some("DoesNotExist"),
        "exist" | "present" | "has" => Some("Exists"),
        "equals" | "eq" | "=" | "==" | "oneof" => Some("In"),
        "notequals" | "ne" | "!=" | "notoneof" => Some("NotIn"),
        _ => None,
    }
}
