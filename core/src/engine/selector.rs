//! Compiled label selectors, interned so each distinct selector is evaluated once per
//! equivalence class.
//!
//! Semantics (Kubernetes `metav1.LabelSelector`): `matchLabels` and every `matchExpressions`
//! requirement are ANDed; an empty selector matches everything. `NotIn` and `DoesNotExist`
//! match objects that lack the key. Requirements the API server would reject match nothing:
//! an unknown operator, and `In` with no values (`NotIn` with no values excludes nothing).

use crate::sorted::CompactSort;
use std::collections::{BTreeMap, HashMap};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// One `matchExpressions` requirement.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Requirement {
    /// The key is present with one of the values.
    In(String, Vec<String>),
    /// The key is absent or has none of the values.
    NotIn(String, Vec<String>),
    /// The key is present.
    Exists(String),
    /// The key is absent.
    DoesNotExist(String),
    /// An operator the API does not know: matches nothing.
    Invalid,
}

/// A selector in canonical form (sorted, deduplicated), so equal selectors intern together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct CompiledSelector {
    labels: Vec<(String, String)>,
    requirements: Vec<Requirement>,
}

impl CompiledSelector {
    /// Compiles a Kubernetes label selector.
    pub(crate) fn compile(selector: &LabelSelector) -> Self {
        let labels: Vec<(String, String)> =
            selector.match_labels.iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut requirements: Vec<Requirement> = selector
            .match_expressions
            .iter()
            .flatten()
            .map(|e| {
                let mut values = e.values.clone().unwrap_or_default();
                values.sort_compact();
                values.dedup();
                match e.operator.as_str() {
                    "In" => Requirement::In(e.key.clone(), values),
                    "NotIn" => Requirement::NotIn(e.key.clone(), values),
                    "Exists" => Requirement::Exists(e.key.clone()),
                    "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
                    _ => Requirement::Invalid,
                }
            })
            .collect();
        requirements.sort_compact();
        requirements.dedup();
        Self { labels, requirements }
    }

    /// Evaluates the selector on a label map.
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.requirements.iter().all(|r| match r {
                Requirement::In(k, vs) => labels.get(k).is_some_and(|v| vs.binary_search(v).is_ok()),
                Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|v| vs.binary_search(v).is_err()),
                Requirement::Exists(k) => labels.contains_key(k),
                Requirement::DoesNotExist(k) => !labels.contains_key(k),
                Requirement::Invalid => false,
            })
    }
}

/// A requirement that narrows a selector's candidates in a label index: only objects with
/// this label, with one of these values of a key, or with this key can match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Anchor<'a> {
    /// `key=value` (from `matchLabels`).
    Label(&'a str, &'a str),
    /// `key in (values)`.
    Values(&'a str, &'a [String]),
    /// `key` exists.
    Key(&'a str),
}

impl CompiledSelector {
    /// Every requirement that narrows the candidates (empty when only `NotIn`/`DoesNotExist`
    /// requirements, or none, constrain the selector).
    pub(crate) fn anchors(&self) -> Vec<Anchor<'_>> {
        let mut out: Vec<Anchor<'_>> = self.labels.iter().map(|(k, v)| Anchor::Label(k, v)).collect();
        for r in &self.requirements {
            match r {
                Requirement::In(k, vs) => out.push(Anchor::Values(k, vs)),
                Requirement::Exists(k) => out.push(Anchor::Key(k)),
                Requirement::NotIn(..) | Requirement::DoesNotExist(_) | Requirement::Invalid => {}
            }
        }
        out
    }

    /// Whether the selector matches every object (no label and no requirement).
    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.requirements.is_empty()
    }
}

/// Index of an interned selector.
pub(crate) type SelectorId = u32;

/// Interned selectors.
#[derive(Clone, Debug, Default)]
pub(crate) struct SelectorTable {
    ids: HashMap<CompiledSelector, SelectorId>,
    list: Vec<CompiledSelector>,
}

impl SelectorTable {
    /// Interns a selector and returns its id.
    pub(crate) fn intern(&mut self, selector: &LabelSelector) -> SelectorId {
        self.intern_compiled(CompiledSelector::compile(selector))
    }

    /// The id of `selector` when it is interned.
    pub(crate) fn lookup(&self, selector: &LabelSelector) -> Option<SelectorId> {
        self.ids.get(&CompiledSelector::compile(selector)).copied()
    }

    /// Interns an already compiled selector.
    pub(crate) fn intern_compiled(&mut self, compiled: CompiledSelector) -> SelectorId {
        if let Some(id) = self.ids.get(&compiled) {
            return *id;
        }
        let id = SelectorId::try_from(self.list.len()).unwrap_or(SelectorId::MAX);
        self.list.push(compiled.clone());
        self.ids.insert(compiled, id);
        id
    }

    /// The interned selectors, by id.
    pub(crate) fn selectors(&self) -> &[CompiledSelector] {
        &self.list
    }
}

/// A label selector compiled once and evaluated on many label maps, with the engine's
/// semantics (`NotIn` and `DoesNotExist` match objects that lack the key; invalid operators
/// match nothing).
#[derive(Clone, Debug)]
pub struct LabelMatcher(CompiledSelector);

impl LabelMatcher {
    /// Compiles `selector`.
    #[must_use]
    pub fn new(selector: &LabelSelector) -> Self {
        Self(CompiledSelector::compile(selector))
    }

    /// Whether the selector matches `labels`.
    #[must_use]
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.matches(labels)
    }
}

/// Whether `selector` has no requirement at all (`{}`, or empty lists): it matches everything.
pub(crate) fn is_empty_selector(selector: &LabelSelector) -> bool {
    selector.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && selector.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.to_owned(),
            operator: op.to_owned(),
            values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
        }
    }

    fn sel(ml: &[(&str, &str)], exprs: Vec<LabelSelectorRequirement>) -> CompiledSelector {
        CompiledSelector::compile(&LabelSelector { match_labels: Some(labels(ml)), match_expressions: Some(exprs) })
    }

    #[test]
    fn operators() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        assert!(sel(&[], vec![]).matches(&l));
        assert!(sel(&[("app", "web")], vec![]).matches(&l));
        assert!(!sel(&[("app", "db")], vec![]).matches(&l));
        assert!(sel(&[], vec![expr("app", "In", &["db", "web"])]).matches(&l));
        assert!(!sel(&[], vec![expr("app", "In", &[])]).matches(&l));
        assert!(!sel(&[], vec![expr("app", "NotIn", &["web"])]).matches(&l));
        assert!(sel(&[], vec![expr("missing", "NotIn", &["x"])]).matches(&l));
        assert!(sel(&[], vec![expr("app", "Exists", &[])]).matches(&l));
        assert!(sel(&[], vec![expr("missing", "DoesNotExist", &[])]).matches(&l));
        assert!(!sel(&[], vec![expr("app", "DoesNotExist", &[])]).matches(&l));
        assert!(!sel(&[], vec![expr("app", "Bogus", &[])]).matches(&l));
        assert!(!sel(&[("app", "web")], vec![expr("tier", "NotIn", &["front"])]).matches(&l));
    }

    #[test]
    fn interning_is_order_insensitive() {
        let mut t = SelectorTable::default();
        let a = LabelSelector {
            match_labels: None,
            match_expressions: Some(vec![expr("a", "In", &["x", "y"]), expr("b", "Exists", &[])]),
        };
        let b = LabelSelector {
            match_labels: Some(BTreeMap::new()),
            match_expressions: Some(vec![expr("b", "Exists", &[]), expr("a", "In", &["y", "x"])]),
        };
        assert_eq!(t.intern(&a), t.intern(&b));
        assert_eq!(t.selectors().len(), 1);
    }
}
