//! The review as SARIF 2.1.0, the format GitHub code scanning and other viewers read.
//!
//! One run: `tool.driver.rules` lists every rule a finding may come from (validation rules,
//! checks, change-review checks) with its summary, help (the check's documentation) and
//! `helpUri` (its page under `docs/`); each result names its rule (`ruleId`, `ruleIndex`), its
//! level, message, location (file, line, column; the resource as a logical location), related
//! locations, and `partialFingerprints` made of the rule id, resource and JSON pointer, so a
//! finding keeps its identity when lines move. A finding's `fix` becomes a SARIF fix when it
//! is a one-line scalar replacement whose extent can be read from the source text; other
//! fixes stay in the result's `properties.fix`. A failing requirement is a result of the rule
//! `requirement`, located in the requirements file. Columns count Unicode code points.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::SourceTexts;
use crate::model::Severity;
use crate::review::{Review, ReviewFinding};
use crate::source::Location;

/// The SARIF schema this renderer follows.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the documentation pages live (`docs/...` is appended).
const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/");

/// The review as a SARIF 2.1.0 log.
#[must_use]
pub fn sarif(response: &Review, sources: &SourceTexts<'_>) -> Value {
    let rules = crate::rules::all();
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|rule| {
            let r = &rule.meta;
            let help = if rule.docs.trim().is_empty() { r.summary } else { rule.docs.trim() };
            let category = r.category.as_str();
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "help": {"text": help, "markdown": help},
                "helpUri": format!("{DOCS_BASE}{}", crate::rules::page(r.id)),
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"category": category, "tags": ["kubernetes", "networkpolicy", category]},
            })
        })
        .collect();
    let mut driver_rules = driver_rules;
    let mut results: Vec<Value> = response
        .findings
        .iter()
        .map(|f| result(f, rules.iter().position(|r| r.meta.id == f.finding.id), sources))
        .collect();
    if !response.requirements.is_empty() {
        let index = driver_rules.len();
        driver_rules.push(json!({
            "id": REQUIREMENT_RULE,
            "name": "requirement-fails",
            "shortDescription": {"text": REQUIREMENT_SUMMARY},
            "fullDescription": {"text": REQUIREMENT_SUMMARY},
            "help": {"text": REQUIREMENT_HELP, "markdown": REQUIREMENT_HELP},
            "helpUri": format!("{DOCS_BASE}docs/review.md"),
            "defaultConfiguration": {"level": "error"},
            "properties": {"category": "requirements", "tags": ["kubernetes", "networkpolicy", "requirements"]},
        }));
        results.extend(response.requirements.iter().filter(|r| !r.passed).map(|r| requirement_result(r, index)));
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": response.tool.name,
                "version": response.tool.version,
                "semanticVersion": response.tool.version,
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": driver_rules,
            }},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory netfence ran in"}}},
            "results": results,
            "properties": {"verdict": response.verdict.as_str(), "reasons": response.reasons},
        }],
    })
}

/// The rule of failing requirements (not a check: it has no `NFxxx` id).
const REQUIREMENT_RULE: &str = "requirement";
const REQUIREMENT_SUMMARY: &str = "a required or forbidden flow of the requirements file does not hold";
const REQUIREMENT_HELP: &str = "A requirement (`netfence check`, `review --requirements`) names flows that must be \
allowed or must be denied. This one does not hold on the reviewed policies; the message names the first pair that \
breaks it. Change the policies, or the requirement if the flow is meant to change.";

/// A failing requirement as a result at its place in the requirements file.
fn requirement_result(r: &crate::requirements::RequirementResult, rule_index: usize) -> Value {
    let mut message = format!("requirement `{}` fails: {}", r.name, r.message);
    if let Some(help) = &r.help {
        message = format!("{message}\nhelp: {help}");
    }
    let key = format!("{REQUIREMENT_RULE}\u{0}{}", r.name);
    let mut result = json!({
        "ruleId": REQUIREMENT_RULE,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": message},
        "locations": [physical(&r.location)],
        "partialFingerprints": {"netfenceFinding/v1": super::record::hex(&Sha256::digest(key.as_bytes()))},
    });
    let mut properties = serde_json::Map::new();
    properties.insert("failingPairs".to_owned(), json!(r.failing_pairs));
    properties.insert("pairs".to_owned(), json!(r.pairs));
    if let Some(new) = r.new {
        properties.insert("new".to_owned(), json!(new));
    }
    set(&mut result, "properties", Value::Object(properties));
    result
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(f: &ReviewFinding, rule_index: Option<usize>, sources: &SourceTexts<'_>) -> Value {
    let finding = &f.finding;
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message = format!("{message}\nhelp: {help}");
    }
    let mut result = json!({
        "ruleId": finding.id,
        "level": level(finding.severity),
        "message": {"text": message},
        "partialFingerprints": {"netfenceFinding/v1": fingerprint(f)},
    });
    let mut properties = serde_json::Map::new();
    if let Some(index) = rule_index {
        set(&mut result, "ruleIndex", json!(index));
    }
    if let Some(location) = &finding.location {
        let mut at = physical(location);
        if let Some(resource) = &finding.resource {
            set(&mut at, "logicalLocations", json!([{"fullyQualifiedName": resource, "kind": "resource"}]));
        }
        set(&mut result, "locations", json!([at]));
        if !location.pointer.is_empty() {
            properties.insert("pointer".to_owned(), json!(location.pointer));
        }
    }
    if !finding.related.is_empty() {
        let related: Vec<Value> = finding
            .related
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut at = physical(l);
                set(&mut at, "id", json!(i));
                set(
                    &mut at,
                    "message",
                    json!({"text": if l.pointer.is_empty() { "related".to_owned() } else { l.pointer.clone() }}),
                );
                at
            })
            .collect();
        set(&mut result, "relatedLocations", json!(related));
    }
    if let Some(fix) = &finding.fix {
        match finding.location.as_ref().and_then(|l| scalar_fix(l, fix, sources)) {
            Some(sarif_fix) => set(&mut result, "fixes", json!([sarif_fix])),
            None => {
                properties.insert("fix".to_owned(), json!(fix));
            }
        }
    }
    if let Some(new) = f.new {
        properties.insert("new".to_owned(), json!(new));
    }
    if !properties.is_empty() {
        set(&mut result, "properties", Value::Object(properties));
    }
    result
}

/// Sets `key` of a JSON object.
fn set(object: &mut Value, key: &str, value: Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

fn physical(location: &Location) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri(&location.file), "uriBaseId": "%SRCROOT%"}});
    if location.line > 0 {
        set(&mut physical, "region", json!({"startLine": location.line, "startColumn": location.column.max(1)}));
    }
    json!({"physicalLocation": physical})
}

/// A SARIF fix replacing the scalar at `location` with `fix`, when `fix` is one line and the
/// source shows a plain or quoted scalar there (not a key, not a collection).
fn scalar_fix(location: &Location, fix: &str, sources: &SourceTexts<'_>) -> Option<Value> {
    if fix.contains('\n') || fix.trim().is_empty() || location.line == 0 || location.column == 0 {
        return None;
    }
    let line = sources.get(&location.file)?.lines().nth(location.line as usize - 1)?;
    let rest: String = line.chars().skip(location.column as usize - 1).collect();
    let length = scalar_length(&rest)?;
    Some(json!({
        "description": {"text": format!("replace with `{fix}`")},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri(&location.file), "uriBaseId": "%SRCROOT%"},
            "replacements": [{
                "deletedRegion": {
                    "startLine": location.line,
                    "startColumn": location.column,
                    "endLine": location.line,
                    "endColumn": location.column as usize + length,
                },
                "insertedContent": {"text": fix},
            }],
        }],
    }))
}

/// The length (in characters) of the scalar `text` starts with; `None` for a collection, a
/// mapping key or nothing.
fn scalar_length(text: &str) -> Option<usize> {
    let first = text.chars().next()?;
    if matches!(first, '{' | '[' | '-' | '#' | '&' | '*' | '!' | '|' | '>') {
        return None;
    }
    if first == '"' || first == '\'' {
        let mut escaped = false;
        for (i, c) in text.chars().enumerate().skip(1) {
            match c {
                '\\' if first == '"' && !escaped => escaped = true,
                c if c == first && !escaped => return Some(i + 1),
                _ => escaped = false,
            }
        }
        return None;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut end = chars.len();
    for (i, c) in chars.iter().enumerate() {
        let next_space = chars.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if matches!(c, ',' | '}' | ']')
            || (*c == '#' && i > 0 && chars.get(i - 1).is_some_and(|p| p.is_ascii_whitespace()))
        {
            end = i;
            break;
        }
        if *c == ':' && next_space {
            return None; // a mapping key
        }
    }
    let length = chars.iter().take(end).collect::<String>().trim_end().chars().count();
    (length > 0).then_some(length)
}

/// A relative URI reference for a file path: `/` separators, unreserved characters kept,
/// everything else percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable fingerprint of a finding: SHA-256 of its rule id, resource and JSON pointer.
pub(super) fn fingerprint(f: &ReviewFinding) -> String {
    let finding = &f.finding;
    let pointer = finding.location.as_ref().map_or("", |l| l.pointer.as_str());
    let key = format!("{}\u{0}{}\u{0}{pointer}", finding.id, finding.resource.as_deref().unwrap_or(&finding.message));
    super::record::hex(&Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn scalar_extents() {
        assert_eq!(scalar_length("tcp"), Some(3));
        assert_eq!(scalar_length("tcp, port: 80}"), Some(3));
        assert_eq!(scalar_length("tcp  # comment"), Some(3));
        assert_eq!(scalar_length("\"a\\\"b\" rest"), Some(6));
        assert_eq!(scalar_length("{a: b}"), None);
        assert_eq!(scalar_length("key: value"), None);
        assert_eq!(scalar_length("10.0.0.0/8"), Some(10));
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(uri("a b/c.yaml"), "a%20b/c.yaml");
        assert_eq!(uri("dir\\x.yaml"), "dir/x.yaml");
    }
}
