//! `docs/checks/`: one page per check from its `DOCS`, and an index table.

use super::CHECKS;
use super::change::CHANGE_CHECKS;

/// The documentation pages of every check: `(file name, markdown)`, one `<ID>.md` per check
/// then `README.md` with the index table. `cargo xtask codegen` writes them to `docs/checks/`.
#[must_use]
pub fn check_docs() -> Vec<(String, String)> {
    let mut pages = Vec::with_capacity(CHECKS.len() + CHANGE_CHECKS.len() + 1);
    let mut index = String::from(
        "# Review checks\n\n\
         Generated from `core/src/checks/` by `check_docs()`: do not edit.\n\n\
         Ids are permanent: `NF1xx` hygiene, `NF2xx` exposure, `NF3xx` dead or ineffective, `NF4xx`\n\
         change review (run by `netfence review` with a base).\n\
         Suppress a check for one policy with the annotation `netfence.dev/ignore: \"NF201,NF305\"`;\n\
         change severities, thresholds or disable checks with the `checks` configuration.\n\n\
         | id | name | severity | category | summary |\n|---|---|---|---|---|\n",
    );
    let all = CHECKS.iter().map(|c| (&c.meta, c.docs)).chain(CHANGE_CHECKS.iter().map(|c| (&c.meta, c.docs)));
    for (m, docs) in all {
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
            docs.trim()
        );
        pages.push((format!("{}.md", m.id), page));
    }
    pages.push(("README.md".to_owned(), index));
    pages
}
