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

/// `NF012`: `In` or `NotIn` without values.
pub(crate) const MISSING_SELECTOR_VALUES: RuleMeta = RuleMeta {
    id: "NF012",
    name: "missing-selector-values",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`In` and `NotIn` expressions need at least one value",
};

/// `NF013`: `Exists` or `DoesNotExist` with values.
pub(crate) const FORBIDDEN_SELECTOR_VALUES: RuleMeta = RuleMeta {
    id: "NF013",
    name: "forbidden-selector-values",
    severity: Severity::Error,
    category: Category::Validation,
    since: "0.1.0",
    summary: "`Exists` and `DoesNotExist` expressions take no values",
};

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
