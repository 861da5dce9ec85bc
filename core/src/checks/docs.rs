//! `docs/checks/`: one page per check from its `DOCS`, and an index table.

use super::CHECKS;

/// The documentation pages of every check: `(file name, markdown)`, one `<ID>.md` per check
/// then `README.md` with the index table. `cargo xtask codegen` writes them to `docs/checks/`.
#[must_use]
pub fn check_docs() -> Vec<(String, String)> {
    let mut pages = Vec::with_capacity(CHECKS.len() + 1);
    let mut index = String::from(
        "# Review checks\n\n\
         Generated from `core/src/checks/` by `check_docs()`: do not edit.\n\n\
         Ids are permanent: `NF1xx` hygiene, `NF2xx` exposure, `NF3xx` dead or ineffective.\n\
         Suppress a check for one policy with the annotation `netfence.dev/ignore: \"NF201,NF305\"`;\n\
         change severities, thresholds or disable checks with the `checks` configuration.\n\n\
         | id | name | severity | category | summary |\n|---|---|---|---|---|\n",
    );
    for check in CHECKS {
        let m = &check.meta;
        index.push_str(&format!(
            "| [{id}]({id}.md) | `{}` | {} | {} | {} |\n",
            m.name,
            m.severity,
            m.category.as_str(),
            m.summary,
            id = m.id
        ));
        let page = format!(
            "# {} `{}`\n\n{}\n\n| severity | category | since |\n|---|---|---|\n| {} | {} | {} |\n\n{}\n",
            m.id,
            m.name,
            m.summary,
            m.severity,
            m.category.as_str(),
            m.since,
            check.docs.trim()
        );
        pages.push((format!("{}.md", m.id), page));
    }
    pages.push(("README.md".to_owned(), index));
    pages
}
