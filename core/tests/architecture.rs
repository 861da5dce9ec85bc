//! The architecture of `core/src` (docs/architecture.md), checked over its `use crate::` and
//! `super::` lines:
//! - every top-level module belongs to a layer, and imports only modules of its own layer or
//!   of the layers below it;
//! - no two top-level modules depend on each other, directly or through others;
//! - no two files of one folder import each other (`parse.rs` ↔ `list.rs`); a folder's
//!   `mod.rs` may be imported by its files and import them.
//!
//! Test code (`#[cfg(test)]` modules) and comments are not looked at.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The layers, lowest first, and their top-level modules. A new module must be placed here.
const LAYERS: &[(&str, &[&str])] = &[
    ("foundation", &["error", "hashing", "location", "parallel", "sorted", "suggest"]),
    ("source", &["source"]),
    ("model", &["model"]),
    ("inventory", &["inventory"]),
    ("engine", &["engine"]),
    (
        "operations",
        &["validate", "builder", "diff", "requirements", "checks", "rules", "plan", "flows", "review", "synth"],
    ),
    ("report", &["report"]),
    ("api", &["api"]),
];

/// The layer index of a top-level module.
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, modules)| modules.contains(&module))
}

/// The source without comments and without the `#[cfg(test)]` module (tests sit at the end of
/// a file and may import anything).
fn code_of(text: &str) -> String {
    let end = text.find("#[cfg(test)]\n#[allow").or_else(|| text.find("#[cfg(test)]\nmod ")).unwrap_or(text.len());
    text[..end]
        .lines()
        .map(|line| match line.find("//") {
            // a `//` inside a string literal (a URL) cuts the line short; that loses no import
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names: `crate::a::b` and each path of `use crate::{a::b, c}` (nested
/// groups flattened), as `a::b`; and `super::x` (as `super::x`).
fn referenced_paths(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for prefix in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            for path in expand(rest) {
                let path = if prefix == "super::" { format!("super::{path}") } else { path };
                out.insert(path);
            }
        }
    }
    out
}

/// The paths at the start of `text`: `a::b` or a group `{a::b, c::{d, e}}`.
fn expand(text: &str) -> Vec<String> {
    let ident: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
    let ident = ident.trim_end_matches(':');
    if !ident.is_empty() {
        let after = &text[ident.len()..];
        if let Some(group) = after.strip_prefix("::{") {
            return group_items(group)
                .into_iter()
                .flat_map(|item| expand(&item))
                .map(|p| format!("{ident}::{p}"))
                .collect();
        }
        return vec![ident.to_owned()];
    }
    match text.strip_prefix('{') {
        Some(group) => group_items(group).into_iter().flat_map(|item| expand(&item)).collect(),
        None => Vec::new(),
    }
}

/// The comma-separated items of a group whose `{` has been read, up to its `}`.
fn group_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    items.push(current.trim().to_owned());
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Everything wrong with the files `files` (path relative to `src/` → text).
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // (folder, file module) -> sibling modules it imports
    let mut siblings: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (path, text) in files {
        let (folder, file) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        let top = path.split('/').next().unwrap_or_default().trim_end_matches(".rs").to_owned();
        let file_module = file.trim_end_matches(".rs").to_owned();
        if top == "lib" {
            continue;
        }
        let Some(own) = layer_of(&top) else {
            problems.push(format!("`{top}` (src/{path}) is in no layer: place it in LAYERS and docs/architecture.md"));
            continue;
        };
        for reference in referenced_paths(&code_of(text)) {
            if let Some(sibling) = reference.strip_prefix("super::") {
                let sibling = sibling.split("::").next().unwrap_or_default();
                if file != "mod.rs" && !folder.is_empty() {
                    siblings.entry((folder.to_owned(), file_module.clone())).or_default().insert(sibling.to_owned());
                }
                continue;
            }
            let target = reference.split("::").next().unwrap_or_default().to_owned();
            // a file of a folder naming another file of the same folder through `crate::`
            let folder_prefix = folder.replace('/', "::");
            if !folder.is_empty()
                && file != "mod.rs"
                && let Some(rest) = reference.strip_prefix(&format!("{folder_prefix}::"))
            {
                let sibling = rest.split("::").next().unwrap_or_default();
                siblings.entry((folder.to_owned(), file_module.clone())).or_default().insert(sibling.to_owned());
            }
            if target == top || target.is_empty() {
                continue;
            }
            match layer_of(&target) {
                Some(layer) if layer > own => problems.push(format!(
                    "src/{path} imports `crate::{reference}`: `{top}` ({}) may not import `{target}` ({}), a layer above it",
                    LAYERS[own].0, LAYERS[layer].0
                )),
                Some(_) => {
                    modules.entry(top.clone()).or_default().insert(target);
                }
                None => {}
            }
        }
    }
    // cycles between top-level modules
    for (from, targets) in &modules {
        for to in targets {
            if reaches(&modules, to, from) {
                problems.push(format!("`{from}` and `{to}` depend on each other (a cycle through `{to}`)"));
            }
        }
    }
    // cycles between files of one folder
    let mut by_folder: BTreeMap<&str, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for ((folder, file), targets) in &siblings {
        let targets: BTreeSet<String> = targets.iter().filter(|t| *t != file).cloned().collect();
        by_folder.entry(folder.as_str()).or_default().insert(file.clone(), targets);
    }
    for (folder, graph) in &by_folder {
        for (from, targets) in graph {
            for to in targets {
                if reaches(graph, to, from) {
                    problems.push(format!("src/{folder}/{from}.rs and src/{folder}/{to}.rs import each other"));
                }
            }
        }
    }
    problems
}

/// Whether `to` is reachable from `from` in `graph`.
fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_owned()];
    while let Some(node) = todo.pop() {
        if node == to {
            return true;
        }
        if seen.insert(node.clone()) {
            todo.extend(graph.get(&node).into_iter().flatten().cloned());
        }
    }
    false
}

fn sources(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let name = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
            out.insert(name, fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_import_points_down_a_layer_and_nothing_imports_in_a_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&src, &src, &mut files);
    assert!(files.len() > 100, "read {} files", files.len());
    let problems = violations(&files);
    assert!(problems.is_empty(), "architecture violations:\n{}", problems.join("\n"));
}

#[test]
fn every_module_of_lib_rs_has_a_layer() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_suffix(';'))
        .filter_map(|l| l.strip_prefix("pub mod ").or_else(|| l.strip_prefix("mod ")))
        .collect();
    assert!(declared.len() > 10, "{declared:?}");
    let unplaced: Vec<&&str> = declared.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(unplaced.is_empty(), "modules without a layer: {unplaced:?}");
}

/// The checker itself finds what it is for.
#[test]
fn the_checker_reports_upward_imports_and_cycles() {
    let files = |list: &[(&str, &str)]| -> BTreeMap<String, String> {
        list.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect()
    };
    // clean: engine imports the model and a sibling through its parent
    let clean = files(&[
        ("engine/mod.rs", "mod a;\nmod b;\nuse crate::model::Protocol;\n"),
        ("engine/a.rs", "use super::b::B;\nuse crate::{model::{Finding, Severity}, source::Node};\n"),
        (
            "engine/b.rs",
            "// use super::a::A; (a comment)\npub struct B;\n#[cfg(test)]\nmod tests {\n    use super::super::a::A;\n}\n",
        ),
        ("model/mod.rs", "use crate::source::Node;\n"),
        ("source/mod.rs", "use crate::error::Error;\n"),
    ]);
    assert_eq!(violations(&clean), Vec::<String>::new());
    // an upward import, hidden in a nested group
    let upward = files(&[("engine/a.rs", "use crate::{model::Protocol, report::{self, connlist}};\n")]);
    let problems = violations(&upward);
    // one per path named: `report::self` and `report::connlist`
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|p| p.contains("`engine` (engine) may not import `report` (report)")), "{problems:?}");
    // two sibling files importing each other, once through `super::`, once through `crate::`
    let siblings = files(&[
        ("source/parse.rs", "use super::list::split;\n"),
        ("source/list.rs", "use crate::source::parse::shift;\n"),
    ]);
    let problems = violations(&siblings);
    assert!(
        problems.iter().any(|p| p.contains("src/source/list.rs and src/source/parse.rs import each other")),
        "{problems:?}"
    );
    // two operations depending on each other
    let cycle =
        files(&[("checks/mod.rs", "use crate::diff::Diff;\n"), ("diff/mod.rs", "fn f() { crate::checks::run(); }\n")]);
    let problems = violations(&cycle);
    assert!(problems.iter().any(|p| p.contains("`checks` and `diff` depend on each other")), "{problems:?}");
    // a module in no layer
    let unplaced = files(&[("util.rs", "pub fn f() {}\n")]);
    assert!(violations(&unplaced)[0].contains("`util` (src/util.rs) is in no layer"));
}
