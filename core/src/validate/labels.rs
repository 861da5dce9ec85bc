//! Label and annotation syntax: keys are qualified names (optional DNS subdomain prefix and
//! `/`, then a name of at most 63 characters), label values at most 63 characters of letters,
//! digits, `-`, `_`, `.` (or empty). Applies to `metadata.labels`, `metadata.annotations`
//! (keys and total size) and every selector's `matchLabels` and `matchExpressions`.

use std::collections::BTreeMap;

use super::syntax::{label_value_problem, qualified_name_problem};
use super::{Ctx, RuleMeta};
use crate::model::Category;
use crate::model::Severity;
use crate::model::walk;
use crate::source::yaml_write::yaml_string;
use crate::source::{Location, escape_pointer};

/// `NF007`: a label key that is not a qualified name.
pub(crate) const INVALID_LABEL_KEY: RuleMeta = RuleMeta {
    id: "NF007",
    name: "invalid-label-key",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "label keys must be qualified names: `[prefix/]name`, name at most 63 characters",
};

pub(crate) const INVALID_LABEL_KEY_DOCS: &str = r#"
## What it flags
A label key that is not a qualified name, in `metadata.labels` or in a selector
(`spec.podSelector` and the peers' `podSelector` and `namespaceSelector`: the keys of
`matchLabels` and the `key` of `matchExpressions`). A qualified name is an optional prefix and
`/`, then a name: the prefix is a DNS-1123 subdomain (lowercase letters, digits, `-` and `.`, at
most 253 characters), the name at most 63 letters, digits, `-`, `_` and `.`, starting and ending
with a letter or digit. A key has at most one `/`.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`, for example
`spec.podSelector.matchLabels: Invalid value: "Example.com/app": prefix part a lowercase RFC
1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`. No pod or
namespace can carry such a label, so a selector on it could never match anything.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchLabels: {Example.com/app: web}
  policyTypes: [Ingress]
```

## How to fix
Write the key as the pods carry it (`kubectl get pods --show-labels`); prefixes are lowercase:
```yaml
  podSelector:
    matchLabels: {example.com/app: web}
```
"#;

/// `NF008`: a label value that is too long or has characters labels cannot hold.
pub(crate) const INVALID_LABEL_VALUE: RuleMeta = RuleMeta {
    id: "NF008",
    name: "invalid-label-value",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "label values must be at most 63 letters, digits, `-`, `_` or `.`, starting and ending alphanumeric",
};

pub(crate) const INVALID_LABEL_VALUE_DOCS: &str = r#"
## What it flags
A label value that is longer than 63 characters, or that has characters other than letters,
digits, `-`, `_` and `.`, or that does not start and end with a letter or digit: in
`metadata.labels`, in a selector's `matchLabels`, or in the `values` of a `matchExpressions`
entry. The empty value is valid. When the value only has spaces around it, the fix is the
trimmed value.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `Invalid value: "web server":
a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.',
and must start and end with an alphanumeric character`. No pod can carry such a value, so a
selector on it could never match.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector:
    matchLabels: {app: web server}
  policyTypes: [Ingress]
```

## How to fix
Write the value as the pods carry it:
```yaml
  podSelector:
    matchLabels: {app: web-server}
```
"#;

/// `NF009`: an annotation key that is not a qualified name.
pub(crate) const INVALID_ANNOTATION_KEY: RuleMeta = RuleMeta {
    id: "NF009",
    name: "invalid-annotation-key",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "annotation keys must be qualified names: `[prefix/]name`",
};

pub(crate) const INVALID_ANNOTATION_KEY_DOCS: &str = r#"
## What it flags
A key of `metadata.annotations` that is not a qualified name (the syntax of label keys, see
`NF007`), checked in lowercase as the server does: uppercase letters are allowed in annotation
keys, the prefix included. Annotation values are free text and are not checked.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `metadata.annotations:
Invalid value: "owner team": name part must consist of alphanumeric characters, '-', '_' or
'.'`. Keys with spaces, several `/` or punctuation usually come from a human-readable note
written as a key.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
  annotations:
    owner team: web
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
```

## How to fix
Use a key such as `owner-team` or `example.com/owner-team`, and put the text in the value:
```yaml
  annotations:
    example.com/owner-team: web
```
"#;

/// `NF010`: annotations larger than the server's 256 KiB limit.
pub(crate) const ANNOTATIONS_TOO_LARGE: RuleMeta = RuleMeta {
    id: "NF010",
    name: "annotations-too-large",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "all annotations together must be at most 256 KiB",
};

pub(crate) const ANNOTATIONS_TOO_LARGE_DOCS: &str = r#"
## What it flags
`metadata.annotations` whose keys and values together take more than 262144 bytes (256 KiB),
counted as the API server counts: the bytes of every key plus every value.

## Why it matters
The API server rejects the policy with `422 Unprocessable Entity`: `metadata.annotations: Too
long: must have at most 262144 bytes`. Client-side `kubectl apply` also copies the whole
manifest into the annotation `kubectl.kubernetes.io/last-applied-configuration`, so with it the
limit is reached with about half as much; this rule counts only the annotations the manifest
has.

## Example
```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
  annotations:
    example.com/notes: |
      ... 300 KiB of text ...
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
```

## How to fix
Keep annotations short: put large data in a ConfigMap (or a document outside the cluster) and
refer to it from a short annotation:
```yaml
  annotations:
    example.com/notes: configmap/web-notes
```
"#;

/// The server's limit on keys plus values of all annotations.
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    let meta = &ctx.policy.object.metadata;
    if let Some(labels) = &meta.labels {
        check_label_map(ctx, "/metadata/labels", labels);
    }
    if let Some(annotations) = &meta.annotations {
        for key in annotations.keys() {
            if let Some(problem) = qualified_name_problem(&key.to_ascii_lowercase()) {
                let draft = INVALID_ANNOTATION_KEY.finding(
                    ctx.at_key("/metadata/annotations", key),
                    format!("annotation key `{key}` {problem}"),
                    "annotation keys look like `example.com/some-name` or `some-name`",
                );
                ctx.report(draft);
            }
        }
        let size: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
        if size > ANNOTATIONS_MAX_BYTES {
            let draft = ANNOTATIONS_TOO_LARGE.finding(
                ctx.at("/metadata/annotations"),
                format!("annotations take {size} bytes, more than the limit of {ANNOTATIONS_MAX_BYTES}"),
                "move large data out of annotations, e.g. into a ConfigMap",
            );
            ctx.report(draft);
        }
    }
    let spec = ctx.policy.object.spec.as_ref();
    for (pointer, selector) in walk::selectors(spec) {
        if let Some(labels) = &selector.match_labels {
            check_label_map(ctx, &format!("{pointer}/matchLabels"), labels);
        }
        for (i, requirement) in selector.match_expressions.iter().flatten().enumerate() {
            let at = format!("{pointer}/matchExpressions/{i}");
            check_key(ctx, ctx.at(&format!("{at}/key")), &requirement.key);
            for (j, value) in requirement.values.iter().flatten().enumerate() {
                check_value(ctx, &format!("{at}/values/{j}"), value);
            }
        }
    }
}

fn check_label_map(ctx: &mut Ctx<'_>, pointer: &str, labels: &BTreeMap<String, String>) {
    for (key, value) in labels {
        check_key(ctx, ctx.at_key(pointer, key), key);
        check_value(ctx, &format!("{pointer}/{}", escape_pointer(key)), value);
    }
}

fn check_key(ctx: &mut Ctx<'_>, location: Location, key: &str) {
    if let Some(problem) = qualified_name_problem(key) {
        let draft = INVALID_LABEL_KEY.finding(
            location,
            format!("label key `{key}` {problem}"),
            "label keys look like `app`, `app.kubernetes.io/name` or `example.com/tier`",
        );
        ctx.report(draft);
    }
}

fn check_value(ctx: &mut Ctx<'_>, pointer: &str, value: &str) {
    if let Some(problem) = label_value_problem(value) {
        let trimmed = value.trim();
        let suggestion = (trimmed != value && label_value_problem(trimmed).is_none()).then_some(trimmed);
        let fix = suggestion.map(yaml_string);
        let help = suggestion.map_or_else(
            || "label values are at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit".to_owned(),
            |f| format!("did you mean `{f}`?"),
        );
        let draft = INVALID_LABEL_VALUE.finding(ctx.at(pointer), format!("label value `{value}` {problem}"), help);
        ctx.report(draft.fix(fix));
    }
}
