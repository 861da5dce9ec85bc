//! The one rule registry: every rule a finding may come from — API validation (`NF0xx`, in
//! `crate::validate`), review checks (`NF1xx`–`NF3xx`, `crate::checks`) and change checks
//! (`NF4xx`, `crate::checks::change`) — with the same metadata ([`RuleMeta`]) and the same
//! documentation sections, one generated page each (`docs/rules/<ID>.md`), one index, and the
//! table of renamed codes ([`RENAMED`]).
//!
//! ```
//! let rule = netfence::rules::find("invalid-protocol").unwrap();
//! assert_eq!(rule.meta.id, "NF017");
//! assert!(netfence::rules::all().iter().any(|r| r.meta.id == "NF201"));
//! ```

use crate::model::{Category, Rule};
pub use crate::model::{RENAMED, Renamed};

/// Every rule, in id order: validation rules, checks, change checks.
#[must_use]
pub fn all() -> Vec<Rule> {
    let docs = |id: &str| crate::validate::RULE_DOCS.iter().find(|(rule, _)| *rule == id).map_or("", |(_, d)| *d);
    let validation = crate::validate::RULES.iter().map(|m| Rule { meta: *m, docs: docs(m.id) });
    let checks = crate::checks::CHECKS.iter().map(|c| Rule { meta: c.meta, docs: c.docs });
    let change = crate::checks::change::CHANGE_CHECKS.iter().map(|c| Rule { meta: c.meta, docs: c.docs });
    validation.chain(checks).chain(change).collect()
}

/// The rule a code names: its id (any case), its name, or a code it was renamed from.
#[must_use]
pub fn find(code: &str) -> Option<Rule> {
    let code = crate::model::canonical_code(code);
    all().into_iter().find(|r| r.meta.id.eq_ignore_ascii_case(code) || r.meta.name == code)
}

/// Where a rule's page is, relative to the repository root.
#[must_use]
pub fn page(id: &str) -> String {
    format!("docs/rules/{id}.md")
}

/// The documentation pages of every rule: `(file name, markdown)`, one `<ID>.md` per rule
/// then `README.md` with the index. `cargo xtask codegen` writes them to `docs/rules/`.
#[must_use]
pub fn pages() -> Vec<(String, String)> {
    let rules = all();
    let mut pages = Vec::with_capacity(rules.len() + 1);
    let mut index = String::from(
        "# Rules\n\n\
         Generated from `core/src/validate/` and `core/src/checks/` by `netfence::rules::pages()`: do not edit.\n\n\
         Every finding comes from one of these rules. Ids are permanent: `NF0xx` API validation (what the API\n\
         server rejects or warns about), `NF1xx` hygiene, `NF2xx` exposure, `NF3xx` dead or ineffective,\n\
         `NF4xx` change review (run by `netfence review` with a base). A renamed code keeps working: the\n\
         table at the end maps it to its rule.\n\
         Suppress a check for one policy with the annotation `netfence.dev/ignore: \"NF201,NF305\"`;\n\
         change severities, thresholds or disable checks with the `checks` configuration (validation rules\n\
         follow the API server and cannot be disabled, only re-rated with `severities`).\n",
    );
    let mut category = None;
    for rule in &rules {
        let m = &rule.meta;
        if category != Some(m.category) {
            category = Some(m.category);
            index.push_str(&format!(
                "\n## {}\n\n| id | name | severity | summary |\n|---|---|---|---|\n",
                heading(m.category)
            ));
        }
        index.push_str(&format!("| [{id}]({id}.md) | `{}` | {} | {} |\n", m.name, m.severity, m.summary, id = m.id));
        let page = format!(
            "# {} `{}`\n\n{}\n\n| severity | category | since |\n|---|---|---|\n| {} | {} | {} |\n\n{}\n",
            m.id,
            m.name,
            m.summary,
            m.severity,
            m.category.as_str(),
            m.since,
            rule.docs.trim()
        );
        pages.push((format!("{}.md", m.id), page));
    }
    index.push_str("\n## Renamed codes\n\n");
    if RENAMED.is_empty() {
        index.push_str("No code has been renamed yet.\n");
    } else {
        index.push_str("| code | now | since |\n|---|---|---|\n");
        for r in RENAMED {
            index.push_str(&format!("| `{}` | [{to}]({to}.md) | {} |\n", r.from, r.since, to = r.to));
        }
    }
    pages.push(("README.md".to_owned(), index));
    pages
}

fn heading(category: Category) -> &'static str {
    match category {
        Category::Validation => "API validation (`NF0xx`)",
        Category::Hygiene => "Hygiene (`NF1xx`)",
        Category::Exposure => "Exposure (`NF2xx`)",
        Category::Ineffective => "Dead or ineffective (`NF3xx`)",
        Category::Change => "Change review (`NF4xx`)",
    }
}
