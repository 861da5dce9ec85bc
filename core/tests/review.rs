//! Change review: the online-shop base/head pair (diff, new findings, NF4xx, requirements,
//! verdict), thresholds and configuration, every renderer (SARIF validated against the SARIF
//! 2.1.0 JSON Schema), and one fixture pair per change-review check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use netfence::api::ReviewFormat;
use netfence::api::{self, ReviewRequest, ReviewResponse, Source};
use netfence::checks::change::CHANGE_CHECKS;
use netfence::diff::ChangeKind;
use netfence::review::{self, Config, Level, Scope, Verdict};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Every manifest under `dir` (relative to the repository root), named by that relative path.
fn sources(dirs: &[&str]) -> Vec<Source> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut files = Vec::new();
        collect(&root().join(dir), &mut files);
        for file in files {
            let name = file.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/");
            out.push(Source::named(name, fs::read_to_string(&file).unwrap()));
        }
    }
    out
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let mut entries: Vec<PathBuf> = fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, out);
        } else if entry.extension().is_some_and(|e| e == "yaml" || e == "json") {
            out.push(entry);
        }
    }
}

fn shop_request() -> ReviewRequest {
    let mut request = ReviewRequest::new(
        sources(&["examples/online-shop/manifests", "examples/online-shop-change/head"]),
        Some(sources(&["examples/online-shop/manifests", "examples/online-shop-change/base"])),
    );
    request.requirements = sources(&["examples/online-shop/requirements.yaml"]).pop();
    let config = fs::read_to_string(root().join("examples/online-shop/netfence.yaml")).unwrap();
    request.config = review::parse_config(&config, "examples/online-shop/netfence.yaml").unwrap();
    request
}

fn ids(response: &ReviewResponse, new: bool) -> Vec<&str> {
    response.review.findings.iter().filter(|f| f.new == Some(new)).map(|f| f.finding.id.as_str()).collect()
}

#[test]
fn online_shop_change_opens_a_path_closes_one_and_fails() {
    let request = shop_request();
    let response = api::review(&request).unwrap();
    let diff = response.review.diff.as_ref().unwrap();
    let added: Vec<(&str, &str)> = diff
        .connections
        .iter()
        .filter(|c| c.change == ChangeKind::Added)
        .map(|c| (c.src.as_str(), c.dst.as_str()))
        .collect();
    let removed: Vec<(&str, &str)> = diff
        .connections
        .iter()
        .filter(|c| c.change == ChangeKind::Removed)
        .map(|c| (c.src.as_str(), c.dst.as_str()))
        .collect();
    assert!(added.iter().all(|(_, dst)| *dst == "shop/frontend[Deployment]"), "{added:?}");
    assert!(added.iter().any(|(src, _)| src.starts_with("0.0.0.0-")), "{added:?}");
    assert_eq!(removed, [("payments/payments[Deployment]", "data/postgres[StatefulSet]")]);

    let new = ids(&response, true);
    assert!(new.contains(&"NF401"), "{new:?}");
    assert!(new.contains(&"NF304"), "{new:?}");
    let nf401 = response.review.findings.iter().find(|f| f.finding.id == "NF401").unwrap();
    let location = nf401.finding.location.as_ref().unwrap();
    assert_eq!(location.file, "examples/online-shop-change/head/policies.yaml");
    assert_eq!(location.pointer, "/spec/ingress/0");
    assert_eq!(nf401.finding.resource.as_deref(), Some("NetworkPolicy shop/frontend-ingress"));
    assert_eq!(nf401.finding.severity, netfence::model::Severity::Error, "netfence.yaml raises it");

    let failed: Vec<&str> =
        response.review.requirements.iter().filter(|r| !r.passed).map(|r| r.name.as_str()).collect();
    assert_eq!(failed, ["api and payments reach postgres"]);
    // it held on the base: this change breaks it; passing requirements carry no mark
    let broken = response.review.requirements.iter().find(|r| !r.passed).unwrap();
    assert_eq!(broken.new, Some(true));
    assert!(response.review.requirements.iter().filter(|r| r.passed).all(|r| r.new.is_none()));
    assert_eq!(response.review.verdict, Verdict::Fail);
    assert_eq!(response.review.exit_code, 1);
    assert!(
        response.review.reasons.iter().any(|r| r.contains("api and payments reach postgres")),
        "{:?}",
        response.review.reasons
    );
    assert_eq!(response.review.summary.connections_removed, Some(1));
}

#[test]
fn same_base_and_head_pass_with_nothing_new() {
    let mut request = shop_request();
    request.sources = request.base.clone().unwrap();
    let response = api::review(&request).unwrap();
    assert!(response.review.diff.as_ref().unwrap().is_empty());
    assert!(ids(&response, true).is_empty(), "{:?}", ids(&response, true));
    assert!(response.review.requirements.iter().all(|r| r.passed));
    // scope `new` in the example's configuration: old warnings do not count
    assert_eq!(response.review.verdict, Verdict::Pass, "{:?}", response.review.reasons);
    assert_eq!(response.review.exit_code, 0);
}

#[test]
fn thresholds_decide_the_verdict() {
    let mut request = shop_request();
    request.requirements = None;
    request.config = Config::default();
    let response = api::review(&request).unwrap();
    // default thresholds: NF401 is a warning, nothing is an error
    assert_eq!(response.review.verdict, Verdict::Warn, "{:?}", response.review.reasons);
    assert_eq!(response.review.exit_code, 0);

    request.config.thresholds.warn_on = Level::Never;
    assert_eq!(api::review(&request).unwrap().review.verdict, Verdict::Pass);
    request.config.thresholds.fail_on = Level::Warning;
    assert_eq!(api::review(&request).unwrap().review.verdict, Verdict::Fail);
    request.config.thresholds.scope = Scope::New;
    request.config.checks.disable = vec!["NF401".into(), "unknown-named-port".into()];
    request.config.severities.insert("NF207".into(), netfence::model::Severity::Info);
    let response = api::review(&request).unwrap();
    assert_eq!(response.review.verdict, Verdict::Pass, "{:?}", response.review.reasons);
}

#[test]
fn without_a_base_there_is_no_diff_and_no_new_marks() {
    let mut request = shop_request();
    request.base = None;
    let response = api::review(&request).unwrap();
    assert!(response.review.diff.is_none());
    assert!(response.review.findings.iter().all(|f| f.new.is_none()));
    assert!(!response.review.findings.iter().any(|f| f.finding.id.starts_with("NF4")));
    assert_eq!(response.review.verdict, Verdict::Fail, "the requirement still fails");
    assert!(response.review.requirements.iter().all(|r| r.new.is_none()));
}

/// A requirement that fails on the base too is marked so; with scope `new` it only warns.
#[test]
fn requirement_failing_on_both_sides_is_not_new() {
    let mut request = shop_request();
    // the head on both sides: the requirement fails on each
    request.base = Some(request.sources.clone());
    request.config = Config::default();
    request.config.thresholds.warn_on = Level::Never;
    let response = api::review(&request).unwrap();
    let failing: Vec<_> = response.review.requirements.iter().filter(|r| !r.passed).collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].new, Some(false));
    assert_eq!(response.review.verdict, Verdict::Fail, "scope `all`: every failing requirement fails the review");

    request.config.thresholds.scope = Scope::New;
    let response = api::review(&request).unwrap();
    assert_eq!(response.review.verdict, Verdict::Warn, "{:?}", response.review.reasons);
    assert!(
        response.review.reasons.iter().any(|r| r.contains("fails on the base too")),
        "{:?}",
        response.review.reasons
    );
    let text = netfence::api::render_review(ReviewFormat::Text, &request, &response.review, false).unwrap();
    assert!(text.contains("[fails on the base too]"), "{text}");
}

#[test]
fn config_errors_are_located() {
    let err = review::parse_config(
        "apiVersion: netfence.dev/v1alpha1\nkind: Config\nthresholds: {failOn: sometimes}\n",
        "n.yaml",
    )
    .unwrap_err()
    .payload();
    let at = err.location.unwrap();
    assert_eq!((at.line, at.pointer.as_str()), (3, "/thresholds/failOn"), "{}", err.message);
    let err =
        review::parse_config("apiVersion: netfence.dev/v1alpha1\nkind: Config\nthreshold: {}\n", "n.yaml").unwrap_err();
    assert!(err.payload().message.contains("threshold"), "{}", err.payload().message);
    let err = review::parse_config("apiVersion: v1\nkind: Config\n", "n.yaml").unwrap_err().payload();
    assert_eq!(err.location.unwrap().pointer, "/apiVersion");
    let ok = review::parse_config("apiVersion: netfence.dev/v1alpha1\nkind: Config\n", "n.yaml").unwrap();
    assert_eq!(ok, Config::default());
}

// ---------------------------------------------------------------------------------------------
// Renderers

fn render(format: ReviewFormat) -> String {
    let mut request = shop_request();
    request.format = Some(format);
    api::review(&request).unwrap().rendered.unwrap()
}

#[test]
fn text_groups_by_file_with_excerpts() {
    let text = render(ReviewFormat::Text);
    assert!(text.starts_with("netfence review: fail\n"), "{text}");
    assert!(text.contains("\nexamples/online-shop-change/head/policies.yaml\n\n"), "{text}");
    assert!(text.contains("      port: postgresql\n"), "{text}");
    assert!(text.contains("connectivity diff:"), "{text}");
    assert!(text.contains("FAIL api and payments reach postgres"), "{text}");
    assert!(text.trim_end().ends_with("verdict: fail (exit 1)"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour unless asked");
    // the caret stands under the column of the location
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.ends_with("port: postgresql")).unwrap();
    let caret = lines[at + 1];
    assert_eq!(caret.find('^').unwrap(), lines[at].find("postgresql").unwrap(), "{caret}\n{}", lines[at]);

    let mut request = shop_request();
    request.format = Some(ReviewFormat::Text);
    request.color = true;
    assert!(api::review(&request).unwrap().rendered.unwrap().contains("\u{1b}[1;31mfail\u{1b}[0m"));
}

#[test]
fn json_round_trips() {
    let json = render(ReviewFormat::Json);
    let back: ReviewResponse = serde_json::from_str(&json).unwrap();
    assert_eq!(back.review.verdict, Verdict::Fail);
    let value: Value = serde_json::from_str(&json).unwrap();
    let finding = value["findings"].as_array().unwrap().iter().find(|f| f["id"] == "NF401").unwrap();
    assert_eq!(finding["new"], true);
    assert_eq!(value["exitCode"], 1);
}

fn sarif_validator() -> jsonschema::Validator {
    let text = fs::read_to_string(root().join("core/tests/fixtures/sarif/sarif-2.1.0-rtm.5.json")).unwrap();
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // The schema's `language` pattern (of `run` and `toolComponent`) `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$` has a stray
    // `]`, which ECMA-262 (the schema's regex dialect) reads as a literal but the crate's
    // mandatory meta-schema check rejects as an invalid `regex`. Escape it — the same language,
    // written so both accept it — in memory; the vendored file stays as published.
    for definition in ["run", "toolComponent"] {
        let pattern = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(pattern, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "the vendored schema changed");
        *pattern = Value::from(r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$");
    }
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap()
}

fn assert_valid_sarif(log: &Value) {
    let validator = sarif_validator();
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF is invalid:\n{}", errors.join("\n"));
}

#[test]
fn sarif_is_valid_and_complete() {
    let log: Value = serde_json::from_str(&render(ReviewFormat::Sarif)).unwrap();
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let nf401 = rules.iter().position(|r| r["id"] == "NF401").unwrap();
    assert!(rules[nf401]["helpUri"].as_str().unwrap().ends_with("docs/rules/NF401.md"));
    assert!(rules[nf401]["help"]["text"].as_str().unwrap().contains("## How to fix"));
    let result = run["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "NF401").unwrap();
    assert_eq!(result["ruleIndex"], nf401);
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert!(region["startLine"].as_u64().unwrap() > 0 && region["startColumn"].as_u64().unwrap() > 0);
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "examples/online-shop-change/head/policies.yaml"
    );
    assert_eq!(result["partialFingerprints"]["netfenceFinding/v1"].as_str().unwrap().len(), 64);
    assert_eq!(result["properties"]["new"], true);
    // the failing requirement, at its place in the requirements file
    let requirement = rules.iter().position(|r| r["id"] == "requirement").unwrap();
    let failing: Vec<&Value> =
        run["results"].as_array().unwrap().iter().filter(|r| r["ruleId"] == "requirement").collect();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0]["ruleIndex"], requirement);
    assert!(
        failing[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("requirement `api and payments reach postgres` fails")
    );
    let at = &failing[0]["locations"][0]["physicalLocation"];
    assert_eq!(at["artifactLocation"]["uri"], "examples/online-shop/requirements.yaml");
    assert_eq!(at["region"]["startLine"], 30);
    assert_eq!(failing[0]["properties"]["new"], true);
}

#[test]
fn sarif_fixes_replace_the_scalar() {
    let bad = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\n\
               spec:\n  podSelector: {}\n  ingress:\n  - ports:\n    - protocol: tcp\n      port: 80\n";
    let mut request = ReviewRequest::new(vec![Source::named("bad.yaml", bad)], None);
    request.format = Some(ReviewFormat::Sarif);
    let response = api::review(&request).unwrap();
    let log: Value = serde_json::from_str(response.rendered.as_deref().unwrap()).unwrap();
    assert_valid_sarif(&log);
    let result = log["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "NF017").unwrap();
    let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "TCP");
    assert_eq!(replacement["deletedRegion"]["startLine"], 8);
    assert_eq!(replacement["deletedRegion"]["startColumn"], 17);
    assert_eq!(replacement["deletedRegion"]["endColumn"], 20);
    assert_eq!(response.review.verdict, Verdict::Fail, "an API validation error fails");
}

#[test]
fn markdown_is_a_pr_comment() {
    let md = render(ReviewFormat::Markdown);
    assert!(md.starts_with("## netfence review: ❌ fail\n"), "{md}");
    assert!(
        md.contains("| errors | warnings | infos | new | resolved | opened | closed | changed | requirements |"),
        "{md}"
    );
    assert!(md.contains("### Findings"), "{md}");
    assert!(md.contains("| **new** | error | `NF401` |"), "{md}");
    assert!(md.contains("## Connectivity diff"), "{md}");
    assert!(md.contains("| ❌ fail (new) | api and payments reach postgres |"), "{md}");
}

#[test]
fn change_record_hashes_both_sides() {
    let record: Value = serde_json::from_str(&render(ReviewFormat::Record)).unwrap();
    assert_eq!(record["kind"], "ChangeRecord");
    assert_eq!(record["review"]["tool"]["name"], "netfence");
    assert_eq!(record["review"]["verdict"], "fail");
    let head = record["head"]["sources"].as_array().unwrap();
    let policies = head.iter().find(|s| s["name"] == "examples/online-shop-change/head/policies.yaml").unwrap();
    let text = fs::read(root().join("examples/online-shop-change/head/policies.yaml")).unwrap();
    assert_eq!(policies["sha256"], netfence::report::review::sha256(&text));
    assert_ne!(record["base"]["digest"], record["head"]["digest"]);
    assert_eq!(record["requirementsFile"]["name"], "examples/online-shop/requirements.yaml");
    assert!(record["review"]["diff"]["connections"].as_array().is_some_and(|c| !c.is_empty()));
    // deterministic
    assert_eq!(render(ReviewFormat::Record), render(ReviewFormat::Record));
}

#[test]
fn review_goes_through_call_json() {
    let request = serde_json::json!({
        "sources": [{"name": "head.yaml", "text": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: b}\nspec: {podSelector: {}, ingress: [{}]}\n"}],
        "base": [],
        "config": {"thresholds": {"failOn": "warning"}},
        "format": "markdown"
    });
    let out: Value = serde_json::from_str(&api::call_json("review", &request.to_string()).unwrap()).unwrap();
    assert_eq!(out["verdict"], "fail");
    assert!(out["rendered"].as_str().unwrap().starts_with("## netfence review"));
    let bad = api::call_json("review", r#"{"sources": [], "config": {"thresholds": {"nope": 1}}}"#).unwrap_err();
    assert!(bad.message.contains("nope"), "{}", bad.message);
}

// ---------------------------------------------------------------------------------------------
// Change-review checks: fixtures/review/<ID>/{base,head}.yaml flag; a clean pair does not

fn fixture_findings(id: &str, case: &str) -> Vec<netfence::model::Finding> {
    let dir = root().join("core/tests/fixtures/review").join(id).join(case);
    let read = |side: &str| {
        let name = format!("core/tests/fixtures/review/{id}/{case}/{side}.yaml");
        vec![Source::named(name, fs::read_to_string(dir.join(format!("{side}.yaml"))).unwrap())]
    };
    let response = api::review(&ReviewRequest::new(read("head"), Some(read("base")))).unwrap();
    response.review.findings.into_iter().map(|f| f.finding).filter(|f| f.id.starts_with("NF4")).collect()
}

#[test]
fn every_change_check_flags_its_fixture_and_not_the_clean_one() {
    let mut rendered = String::new();
    for check in CHANGE_CHECKS {
        let id = check.meta.id;
        let flagged = fixture_findings(id, "flag");
        assert!(flagged.iter().any(|f| f.id == id), "{id} does not flag its fixture: {flagged:#?}");
        let clean = fixture_findings(id, "clean");
        assert!(!clean.iter().any(|f| f.id == id), "{id} flags its clean fixture: {clean:#?}");
        for f in flagged.iter().filter(|f| f.id == id) {
            let l = f.location.as_ref().unwrap();
            rendered.push_str(&format!(
                "{}[{}] {}\n  --> {}:{}:{} ({})\n  in: {}\n  help: {}\n\n",
                f.severity,
                f.id,
                f.message,
                l.file,
                l.line,
                l.column,
                l.pointer,
                f.resource.as_deref().unwrap_or("-"),
                f.help.as_deref().unwrap_or("-")
            ));
        }
    }
    insta::assert_snapshot!("change_checks", rendered);
}

/// NF404 compares the rules and peers that changed, not those at the same index: a rule
/// inserted before the widened one, and a peer inserted before the widened peer, do not hide
/// the widening or report unrelated pairs.
#[test]
fn nf404_matches_unchanged_rules_and_peers_first() {
    let policy = |ingress: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: web}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: web}}}}\n  policyTypes: [Ingress]\n  ingress:\n{ingress}"
        )
    };
    let base = policy(
        "  - from: [{podSelector: {matchLabels: {app: client, tier: x}}}]\n\
         \x20 - from: [{podSelector: {matchLabels: {app: db}}}, {podSelector: {matchLabels: {app: q, env: prod}}}]\n",
    );
    let head = policy(
        "  - from: [{podSelector: {matchLabels: {app: new}}}]\n\
         \x20 - from: [{podSelector: {matchLabels: {app: client}}}]\n\
         \x20 - from: [{podSelector: {matchLabels: {app: other}}}, {podSelector: {matchLabels: {app: db}}}, \
         {podSelector: {matchLabels: {app: q}}}]\n",
    );
    let review = |base: &str, head: &str| {
        let request = ReviewRequest::new(
            vec![Source::named("head.yaml", head.to_owned())],
            Some(vec![Source::named("base.yaml", base.to_owned())]),
        );
        let response = api::review(&request).unwrap();
        let mut found: Vec<String> = response
            .review
            .findings
            .into_iter()
            .filter(|f| f.finding.id == "NF404")
            .map(|f| f.finding.location.unwrap().pointer)
            .collect();
        found.sort();
        found
    };
    assert_eq!(
        review(&base, &head),
        ["/spec/ingress/1/from/0/podSelector", "/spec/ingress/2/from/2/podSelector"],
        "the widened rule and the widened peer, at their new places"
    );
    // reordering alone changes nothing
    let reordered = policy(
        "  - from: [{podSelector: {matchLabels: {app: db}}}, {podSelector: {matchLabels: {app: q, env: prod}}}]\n\
         \x20 - from: [{podSelector: {matchLabels: {app: client, tier: x}}}]\n",
    );
    assert!(review(&base, &reordered).is_empty());
}

#[test]
fn ignore_annotation_suppresses_change_findings() {
    let dir = root().join("core/tests/fixtures/review/NF401/flag");
    let base = fs::read_to_string(dir.join("base.yaml")).unwrap();
    let head = fs::read_to_string(dir.join("head.yaml"))
        .unwrap()
        .replace("name: web-ingress\n", "name: web-ingress\n  annotations: {netfence.dev/ignore: \"NF401,NF203\"}\n");
    let request =
        ReviewRequest::new(vec![Source::named("head.yaml", head)], Some(vec![Source::named("base.yaml", base)]));
    let response = api::review(&request).unwrap();
    assert!(!response.review.findings.iter().any(|f| f.finding.id == "NF401"), "{:#?}", response.review.findings);
}

#[test]
fn schemas_are_published() {
    let names: Vec<&str> = api::schemas().into_iter().map(|(n, _)| n).collect();
    for name in ["config", "review-request", "review-response", "change-record"] {
        assert!(names.contains(&name), "{name}");
    }
}

/// The online-shop change with the example's Hubble flows: the change denies the observed
/// payments → postgres traffic (TCP 5432), which makes the verdict at least `warn`, and
/// `failOnNewlyDenied` makes it fail.
#[test]
fn observed_flows_newly_denied_by_the_change_warn_or_fail() {
    let flows = fs::read_to_string(root().join("examples/online-shop/flows/hubble.jsonl")).unwrap();
    let flow_source = netfence::api::FlowSource {
        name: "examples/online-shop/flows/hubble.jsonl".to_owned(),
        text: flows,
        format: netfence::flows::FlowFormat::Auto,
    };
    let mut request = ReviewRequest::new(
        sources(&["examples/online-shop/manifests", "examples/online-shop-change/head"]),
        Some(sources(&["examples/online-shop/manifests", "examples/online-shop-change/base"])),
    );
    request.flows = vec![flow_source];
    // only the flows can move the verdict
    request.config.thresholds.warn_on = Level::Never;
    request.config.thresholds.fail_on = Level::Never;
    let response = api::review(&request).unwrap();
    let observed = response.review.flows.as_ref().expect("an observed-traffic section");
    assert_eq!(observed.ingest.malformed, 0);
    assert!(observed.ingest.records > 0);
    let denied: Vec<(&str, &str, u16)> = observed
        .impact
        .newly_denied
        .iter()
        .flat_map(|g| g.flows.iter().map(move |f| (g.src.as_str(), g.dst.as_str(), f.port)))
        .collect();
    assert_eq!(denied, [("payments/payments[Deployment]", "data/postgres[StatefulSet]", 5432)]);
    assert!(observed.impact.newly_allowed.is_empty());
    assert_eq!(observed.impact.unchecked, 0);
    assert_eq!(response.review.verdict, Verdict::Warn);
    assert!(
        response.review.reasons.iter().any(|r| r.contains("1 observed flow newly denied")),
        "{:?}",
        response.review.reasons
    );

    // the renderers show the section
    for format in [ReviewFormat::Text, ReviewFormat::Markdown] {
        request.format = Some(format);
        let rendered = api::review(&request).unwrap().rendered.unwrap();
        assert!(rendered.to_lowercase().contains("observed traffic"), "{rendered}");
        assert!(rendered.contains("data/postgres[StatefulSet]"), "{rendered}");
    }
    request.format = None;

    request.config.thresholds.fail_on_newly_denied = true;
    let response = api::review(&request).unwrap();
    assert_eq!(response.review.verdict, Verdict::Fail);
    assert_eq!(response.review.exit_code, 1);
    assert!(response.review.reasons.iter().any(|r| r.contains("failOnNewlyDenied")));

    // without a base the flows are not compared
    request.base = None;
    let response = api::review(&request).unwrap();
    assert!(response.review.flows.is_none());
    assert_eq!(response.review.verdict, Verdict::Pass);

    // the request field is optional and round-trips
    let json = serde_json::to_value(ReviewRequest::default()).unwrap();
    assert!(json.get("flows").is_none());
}
