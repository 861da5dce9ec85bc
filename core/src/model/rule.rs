//! The vocabulary of the one rule registry: every finding comes from a rule with permanent
//! metadata, whether it is an API-validation rule (`NF0xx`), a review check (`NF1xx`–`NF3xx`)
//! or a change check (`NF4xx`). The registry itself (every rule, its documentation, renamed
//! codes) is `crate::rules`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Finding, Severity};
use crate::location::Location;

/// What a rule is about; each has its own hundred of ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Category {
    /// `NF0xx`: what the API server would reject (or warn about).
    Validation,
    /// `NF1xx`: how policies are written (namespaces, policy types, API features).
    Hygiene,
    /// `NF2xx`: traffic that is allowed more broadly than it likely should be.
    Exposure,
    /// `NF3xx`: policies, rules, selectors or ports that do nothing, or not what they seem to.
    Ineffective,
    /// `NF4xx`: what a change from a base to a head opens, removes or widens.
    Change,
}

impl Category {
    /// `validation`, `hygiene`, `exposure`, `ineffective` or `change`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::Hygiene => "hygiene",
            Self::Exposure => "exposure",
            Self::Ineffective => "ineffective",
            Self::Change => "change",
        }
    }

    /// The hundreds digit of the category's ids (`NF1xx`: `'1'`).
    #[must_use]
    pub fn hundred(self) -> char {
        match self {
            Self::Validation => '0',
            Self::Hygiene => '1',
            Self::Exposure => '2',
            Self::Ineffective => '3',
            Self::Change => '4',
        }
    }
}

/// A rule's metadata. Ids are permanent: a rule that is renamed keeps its id, a retired id is
/// never reused, and a code that users may have written under another id is redirected by the
/// registry's table of renamed codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleMeta {
    /// Stable id, e.g. `NF018` or `NF201`.
    pub id: &'static str,
    /// Kebab-case name, e.g. `invalid-port-number`.
    pub name: &'static str,
    /// Default severity of its findings (a check's may be configured).
    pub severity: Severity,
    /// Category (matches the id's hundred).
    pub category: Category,
    /// The netfence version that introduced it.
    pub since: &'static str,
    /// What it flags, in one line.
    pub summary: &'static str,
}

/// A rule as registered: its metadata and its documentation (markdown in fixed sections:
/// `## What it flags`, `## Why it matters`, `## Example`, `## How to fix`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Metadata.
    pub meta: RuleMeta,
    /// Documentation.
    pub docs: &'static str,
}

/// A code that was renamed: configuration, suppressions and lookups that name `from` mean the
/// rule `to`. Ids are permanent, so this is for codes that users may have written, never for
/// reusing an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Renamed {
    /// The old code (an id or a name).
    pub from: &'static str,
    /// The id of the rule it names now.
    pub to: &'static str,
    /// The netfence version that renamed it.
    pub since: &'static str,
}

/// Every renamed code. None so far: the table is where a rename goes, so that it never breaks
/// a configuration or a suppression.
pub static RENAMED: &[Renamed] = &[];

/// The current code of `code`: its new id when it was renamed, else itself.
#[must_use]
pub fn canonical_code(code: &str) -> &str {
    canonical_in(RENAMED, code)
}

/// Whether `code` (an id in any case, a name, or a renamed code) names the rule `id`/`name`.
#[must_use]
pub fn code_names(code: &str, id: &str, name: &str) -> bool {
    let code = canonical_code(code);
    code.eq_ignore_ascii_case(id) || code == name
}

/// [`canonical_code`] over a given table.
pub(crate) fn canonical_in<'a>(table: &[Renamed], code: &'a str) -> &'a str {
    match table.iter().find(|r| r.from.eq_ignore_ascii_case(code)) {
        Some(renamed) => renamed.to,
        None => code,
    }
}

impl RuleMeta {
    /// Whether `code` (an id in any case, a name, or a renamed code) names this rule.
    #[must_use]
    pub fn is_named(&self, code: &str) -> bool {
        code_names(code, self.id, self.name)
    }

    /// A finding of this rule at `location`, to be completed.
    pub(crate) fn finding(&self, location: Location, message: impl Into<String>, help: impl Into<String>) -> Draft {
        Draft { finding: Finding::new(self.id, self.name, self.severity, location, message, help), policy: None }
    }
}

/// A finding being put together by a rule, with the policy it is located in (for the
/// suppression annotation).
#[derive(Debug)]
pub(crate) struct Draft {
    pub(crate) finding: Finding,
    pub(crate) policy: Option<usize>,
}

impl Draft {
    /// Names the resource concerned (`Kind namespace/name`).
    #[must_use]
    pub(crate) fn resource(mut self, resource: impl Into<String>) -> Self {
        self.finding.resource = Some(resource.into());
        self
    }

    /// Places the finding in policy `index` of the resource set, named `resource`.
    #[must_use]
    pub(crate) fn placed(mut self, index: usize, resource: String) -> Self {
        self.finding.resource = Some(resource);
        self.policy = Some(index);
        self
    }

    /// The suggested replacement (YAML) for the value at the finding's location, if any.
    #[must_use]
    pub(crate) fn fix(mut self, yaml: Option<String>) -> Self {
        self.finding.fix = yaml;
        self
    }

    /// Adds related locations.
    #[must_use]
    pub(crate) fn related(mut self, locations: impl IntoIterator<Item = Location>) -> Self {
        self.finding.related.extend(locations);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{Renamed, canonical_in};

    #[test]
    fn a_renamed_code_names_its_rule_and_others_stay() {
        let table = [
            Renamed { from: "NF099", to: "NF018", since: "0.2.0" },
            Renamed { from: "old-name", to: "NF017", since: "0.2.0" },
        ];
        assert_eq!(canonical_in(&table, "NF099"), "NF018");
        assert_eq!(canonical_in(&table, "nf099"), "NF018");
        assert_eq!(canonical_in(&table, "old-name"), "NF017");
        assert_eq!(canonical_in(&table, "NF018"), "NF018");
        assert_eq!(canonical_in(&[], "NF099"), "NF099");
    }
}
