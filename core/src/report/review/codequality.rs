//! The review as a GitLab code quality report: the JSON a job names under
//! `artifacts:reports:codequality`, which GitLab shows in the merge request (new and resolved
//! issues against the target branch's report) and beside the changed lines.
//!
//! One issue per finding of the head, per failing requirement (at the requirement, in the
//! requirements file) and per document that cannot be read, each with the fields GitLab reads:
//! `description` (id and message), `check_name` (the rule or check id), `fingerprint`,
//! `severity` and `location` (`path`, `lines.begin`). A finding's fingerprint is the SARIF one
//! (rule id, resource, JSON pointer: lines may move), so GitLab's comparison with the target
//! branch's report sees what the change introduces; repeated identities get an occurrence
//! number, as GitLab drops issues whose fingerprint is not unique. Severities: `error` →
//! `major`, `warning` → `minor`, `info` → `info`; a failing requirement is `critical` and an
//! unreadable document `blocker` (both fail the review whatever the thresholds say).

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::model::Severity;
use crate::review::Review;
use crate::source::Location;

/// The review as a GitLab code quality report (a JSON array of issues); an issue without a
/// location points at `fallback` (the first file of the head).
#[must_use]
pub fn code_quality(response: &Review, fallback: &str) -> Value {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut unique = |key: String| {
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        if *n == 1 { key } else { format!("{key}-{n}") }
    };
    let mut issues = Vec::new();
    for f in &response.findings {
        let finding = &f.finding;
        let severity = match finding.severity {
            Severity::Error => "major",
            Severity::Warning => "minor",
            Severity::Info => "info",
        };
        let new = if f.new == Some(true) { " (new)" } else { "" };
        issues.push(issue(
            &format!("{}: {}{new}", finding.id, finding.message),
            &finding.id,
            unique(super::sarif::fingerprint(f)),
            severity,
            finding.location.as_ref(),
            fallback,
        ));
    }
    for r in response.requirements.iter().filter(|r| !r.passed) {
        let key = hash(&format!("requirement\u{0}{}", r.name));
        issues.push(issue(
            &format!("requirement `{}` fails: {}", r.name, r.message),
            "requirement",
            unique(key),
            "critical",
            Some(&r.location),
            fallback,
        ));
    }
    for e in &response.errors {
        let at = e.location.as_ref();
        let key = hash(&format!("{}\u{0}{}\u{0}{}", e.code.as_str(), at.map_or("", |l| l.file.as_str()), e.message));
        let description = format!("{}: {}", e.code.as_str(), e.message);
        issues.push(issue(&description, e.code.as_str(), unique(key), "blocker", at, fallback));
    }
    Value::Array(issues)
}

fn issue(
    description: &str,
    check: &str,
    fingerprint: String,
    severity: &str,
    location: Option<&Location>,
    fallback: &str,
) -> Value {
    let path = location.map_or(fallback, |l| l.file.as_str());
    let path = path.strip_prefix("./").unwrap_or(path).replace('\\', "/");
    let line = location.map_or(1, |l| l.line.max(1));
    json!({
        "description": description,
        "check_name": check,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line}},
    })
}

fn hash(key: &str) -> String {
    super::record::hex(&Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use crate::api::{ReviewRequest, Source, review};

    #[test]
    fn issues_carry_what_gitlab_reads() {
        let head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
                    metadata: {name: a, namespace: shop}\n\
                    spec: {podSelector: {}, ingress: [{ports: [{protocol: HTTP}]}, {ports: [{protocol: FTP}]}]}\n\
                    ---\nkind: [\n";
        let request = ReviewRequest::new(vec![Source::named("./dir/head.yaml", head)], None);
        let response = review(&request).unwrap();
        let issues = super::code_quality(&response.review, "./dir/head.yaml");
        let issues = issues.as_array().unwrap();
        let protocol: Vec<_> = issues.iter().filter(|i| i["check_name"] == "NF017").collect();
        assert_eq!(protocol.len(), 2, "{issues:#?}");
        assert_eq!(protocol[0]["severity"], "major");
        assert_eq!(protocol[0]["location"]["path"], "dir/head.yaml");
        assert_eq!(protocol[0]["location"]["lines"]["begin"], 4);
        assert!(protocol[0]["description"].as_str().unwrap().starts_with("NF017: "));
        let unreadable = issues.iter().find(|i| i["severity"] == "blocker").unwrap();
        assert_eq!(unreadable["location"]["lines"]["begin"], 6);
        let mut fingerprints: Vec<_> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
        fingerprints.sort_unstable();
        fingerprints.dedup();
        assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");
    }
}
