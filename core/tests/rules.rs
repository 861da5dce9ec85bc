//! The one rule registry (`netfence::rules`): every rule — API validation `NF0xx`, review
//! checks `NF1xx`–`NF3xx`, change checks `NF4xx` — has unique permanent metadata in its
//! category's hundred, documentation in the same four sections, a generated page under
//! `docs/rules/`; every validation rule has a flagging and a clean fixture
//! (`tests/fixtures/validate/<ID>/{flag,clean}.yaml`) with a snapshot of its findings (the
//! checks' fixtures are in `checks.rs`); and no snapshot under `tests/snapshots/` is orphaned.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use netfence::inventory::ResourceSet;
use netfence::model::{Category, RENAMED};
use netfence::source::ParseOptions;
use netfence::validate::validate_resources;
use serde_json::Value;

mod common;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_rule_has_unique_metadata_in_its_hundred_and_documentation_in_four_sections() {
    let rules = netfence::rules::all();
    assert!(rules.len() >= 28 + 23 + 4, "{} rules", rules.len());
    let ids: Vec<&str> = rules.iter().map(|r| r.meta.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "the registry is not in id order: {ids:?}");
    let names: BTreeSet<&str> = rules.iter().map(|r| r.meta.name).collect();
    assert_eq!(names.len(), rules.len(), "two rules share a name");
    for rule in &rules {
        let m = &rule.meta;
        assert!(m.id.len() == 5 && m.id.starts_with("NF") && m.id[2..].bytes().all(|b| b.is_ascii_digit()), "{}", m.id);
        assert_eq!(m.id.chars().nth(2), Some(m.category.hundred()), "{} is not in its category's hundred", m.id);
        assert!(m.name.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{}", m.name);
        assert_eq!(m.since, "0.1.0", "{}", m.id);
        assert!(!m.summary.is_empty() && !m.summary.ends_with('.') && !m.summary.contains('|'), "{}", m.id);
        let mut at = 0;
        for section in ["## What it flags", "## Why it matters", "## Example", "## How to fix"] {
            let found = rule.docs[at..]
                .find(section)
                .unwrap_or_else(|| panic!("{}: `{section}` missing or out of order", m.id));
            at += found + section.len();
        }
        assert!(rule.docs.contains("```"), "{}: the example has no code block", m.id);
        // the registry finds it by id, by name and in any case
        assert_eq!(netfence::rules::find(m.id).map(|r| r.meta.id), Some(m.id));
        assert_eq!(netfence::rules::find(m.name).map(|r| r.meta.id), Some(m.id));
        assert_eq!(netfence::rules::find(&m.id.to_ascii_lowercase()).map(|r| r.meta.id), Some(m.id));
    }
    let validation = rules.iter().filter(|r| r.meta.category == Category::Validation).count();
    assert_eq!(validation, netfence::validate::RULES.len());
}

#[test]
fn renamed_codes_name_registered_rules_and_reuse_no_current_code() {
    for renamed in RENAMED {
        assert!(netfence::rules::find(renamed.to).is_some(), "`{}` names no rule", renamed.to);
        let current = netfence::rules::all();
        assert!(
            !current.iter().any(|r| r.meta.id.eq_ignore_ascii_case(renamed.from) || r.meta.name == renamed.from),
            "`{}` is renamed but still a current code",
            renamed.from
        );
    }
}

#[test]
fn generated_pages_are_current_and_none_is_orphaned() {
    let dir = manifest_dir().join("../docs/rules");
    let pages = netfence::rules::pages();
    assert_eq!(pages.len(), netfence::rules::all().len() + 1);
    let bless = std::env::var_os("NETFENCE_BLESS").is_some();
    if bless {
        fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, text) in &pages {
        let path = dir.join(name);
        if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless {
                fs::write(&path, text).unwrap();
            } else {
                stale.push(name.clone());
            }
        }
    }
    let known: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !known.contains(&name.as_str()) {
            if bless {
                fs::remove_file(entry.path()).unwrap();
            } else {
                stale.push(format!("{name} (orphaned)"));
            }
        }
    }
    assert!(stale.is_empty(), "docs/rules is stale: {stale:?}; run `cargo xtask codegen`");
}

fn validation_fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/validate")
}

fn read_fixture(path: &Path) -> ResourceSet {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.strip_prefix(manifest_dir()).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let mut set = ResourceSet::default();
    set.add_text(&text, &name, &ParseOptions::default()).unwrap();
    assert!(set.errors.is_empty(), "{}: {:?}", path.display(), set.errors);
    set
}

#[test]
fn every_validation_rule_flags_its_fixture_and_not_its_clean_twin() {
    for rule in netfence::validate::RULES {
        let dir = validation_fixtures().join(rule.id);
        let flagged = validate_resources(&read_fixture(&dir.join("flag.yaml")));
        let mine: Vec<Value> = flagged.iter().filter(|f| f.id == rule.id).map(common::finding_json).collect();
        assert!(!mine.is_empty(), "{}: flag.yaml flags nothing of it: {flagged:#?}", rule.id);
        insta::assert_json_snapshot!(format!("{}_flag", rule.id), mine);
        let clean = validate_resources(&read_fixture(&dir.join("clean.yaml")));
        assert!(!clean.iter().any(|f| f.id == rule.id), "{}: clean.yaml is flagged: {clean:#?}", rule.id);
    }
}

/// Every snapshot belongs to a test that writes it: a named snapshot's name appears in its test
/// file (`"name"`), an unnamed one's test function exists, and the fixture snapshots of this
/// file and `checks.rs` belong to a registered rule with that fixture.
#[test]
fn no_snapshot_is_orphaned() {
    let snapshots = manifest_dir().join("tests/snapshots");
    let rule_ids: BTreeSet<&str> = netfence::rules::all().iter().map(|r| r.meta.id).collect();
    let mut orphans = Vec::new();
    let mut count = 0;
    for entry in fs::read_dir(&snapshots).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".snap") else {
            orphans.push(format!("{file} (not a snapshot)"));
            continue;
        };
        count += 1;
        let (binary, name) = stem.split_once("__").unwrap_or((stem, ""));
        let source = fs::read_to_string(manifest_dir().join(format!("tests/{binary}.rs"))).unwrap_or_default();
        let fixture_of_rule = |dir: &str| {
            name.split_once('_').is_some_and(|(id, stem)| {
                rule_ids.contains(id) && {
                    let base = manifest_dir().join("tests/fixtures").join(dir).join(id);
                    base.join(format!("{}.yaml", stem.replace('_', "-"))).is_file()
                }
            })
        };
        let written = match binary {
            "rules" => fixture_of_rule("validate"),
            "checks" => fixture_of_rule("checks") || source.contains(&format!("\"{name}\"")),
            _ => source.contains(&format!("\"{name}\"")) || source.contains(&format!("fn {name}(")),
        };
        if !written {
            orphans.push(file);
        }
    }
    assert!(count > 50, "{count} snapshots");
    assert!(orphans.is_empty(), "orphaned snapshots (delete them, or restore their test): {orphans:?}");
}
