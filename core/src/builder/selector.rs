//! Label selectors for pods and namespaces.

use std::collections::BTreeMap;
use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use super::syntax::{check_label_key, check_label_value};
use crate::error::{Error, ErrorCode};
use crate::model::Operator;

/// One `matchExpressions` entry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expression {
    /// The label key.
    pub key: String,
    /// The operator.
    pub operator: Operator,
    /// Values for `In` and `NotIn`; empty for `Exists` and `DoesNotExist`.
    pub values: Vec<String>,
}

/// A label selector: `matchLabels` and `matchExpressions`, ANDed. The empty selector matches
/// everything.
///
/// ```
/// use netfence::builder::Selector;
/// let web = Selector::new().label("app", "web").not_in("tier", ["canary"]);
/// assert_eq!(web.to_string(), "app=web,tier notin (canary)");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[must_use]
pub struct Selector {
    labels: BTreeMap<String, String>,
    expressions: Vec<Expression>,
}

impl Selector {
    /// The empty selector: matches everything.
    pub fn new() -> Self {
        Self::default()
    }

    /// A selector for one label, `key=value`.
    pub fn with_label(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new().label(key, value)
    }

    /// Requires label `key` to equal `value` (`matchLabels`).
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Adds a `matchExpressions` entry.
    pub fn expression(mut self, expression: Expression) -> Self {
        if !self.expressions.contains(&expression) {
            self.expressions.push(expression);
        }
        self
    }

    /// Requires label `key` to have one of `values`.
    pub fn is_in<I, S>(self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expr(key, Operator::In, values)
    }

    /// Requires label `key` to be missing or to have none of `values`.
    pub fn not_in<I, S>(self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expr(key, Operator::NotIn, values)
    }

    /// Requires label `key` to be present.
    pub fn exists(self, key: impl Into<String>) -> Self {
        self.expr(key, Operator::Exists, Vec::<String>::new())
    }

    /// Requires label `key` to be missing.
    pub fn does_not_exist(self, key: impl Into<String>) -> Self {
        self.expr(key, Operator::DoesNotExist, Vec::<String>::new())
    }

    fn expr<I, S>(self, key: impl Into<String>, operator: Operator, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.expression(Expression { key: key.into(), operator, values: values.into_iter().map(Into::into).collect() })
    }

    /// Whether this selector matches everything.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.expressions.is_empty()
    }

    /// The `matchLabels` part.
    #[must_use]
    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }

    /// The `matchExpressions` part.
    #[must_use]
    pub fn expressions(&self) -> &[Expression] {
        &self.expressions
    }

    /// Checks keys, values and operators.
    pub(crate) fn check(&self) -> Result<(), Error> {
        for (k, v) in &self.labels {
            check_label_key(k)?;
            check_label_value(k, v)?;
        }
        for e in &self.expressions {
            check_label_key(&e.key)?;
            match e.operator {
                Operator::In | Operator::NotIn => {
                    if e.values.is_empty() {
                        return Err(Error::new(
                            ErrorCode::InvalidBuild,
                            format!("expression `{} {}` has no values", e.key, e.operator.as_str()),
                        )
                        .with_help("`In` and `NotIn` need at least one value"));
                    }
                    for v in &e.values {
                        check_label_value(&e.key, v)?;
                    }
                }
                Operator::Exists | Operator::DoesNotExist => {
                    if !e.values.is_empty() {
                        return Err(Error::new(
                            ErrorCode::InvalidBuild,
                            format!("expression `{} {}` must not have values", e.key, e.operator.as_str()),
                        )
                        .with_help("`Exists` and `DoesNotExist` take no values"));
                    }
                }
            }
        }
        Ok(())
    }

    /// The Kubernetes form. The empty selector is `{}`.
    #[must_use]
    pub fn to_label_selector(&self) -> LabelSelector {
        LabelSelector {
            match_labels: (!self.labels.is_empty()).then(|| self.labels.clone()),
            match_expressions: (!self.expressions.is_empty()).then(|| {
                self.expressions
                    .iter()
                    .map(|e| LabelSelectorRequirement {
                        key: e.key.clone(),
                        operator: e.operator.as_str().to_owned(),
                        values: match e.operator {
                            Operator::In | Operator::NotIn => Some(e.values.clone()),
                            Operator::Exists | Operator::DoesNotExist => None,
                        },
                    })
                    .collect()
            }),
        }
    }
}

/// Renders as `kubectl -l` syntax, e.g. `app=web,tier in (a,b),!debug`.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = self.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for e in &self.expressions {
            parts.push(match e.operator {
                Operator::In => format!("{} in ({})", e.key, e.values.join(",")),
                Operator::NotIn => format!("{} notin ({})", e.key, e.values.join(",")),
                Operator::Exists => e.key.clone(),
                Operator::DoesNotExist => format!("!{}", e.key),
            });
        }
        if parts.is_empty() { f.write_str("all") } else { f.write_str(&parts.join(",")) }
    }
}
