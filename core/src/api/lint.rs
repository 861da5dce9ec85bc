//! `lint`: the findings of one state as an editor shows them while policies are written — API
//! validation (`NF0xx`) and the review checks, with the configuration's severities, by file
//! and line. What [`super::review`] reports for the head without a base, minus the verdict,
//! requirements and renderings; in the WebAssembly core build, which has no `review`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, TextFormat, load_sources, render_in, source_texts};
use crate::engine::{CompiledCluster, EngineOptions};
use crate::error::{Error, ErrorPayload};
use crate::inventory::ResourceCounts;
use crate::model::Completeness;
use crate::model::Finding;
use crate::review::Config;
use crate::source::ParseOptions;

/// Request of [`lint`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LintRequest {
    /// The inputs: workloads, pods, namespaces and policies.
    pub sources: Vec<Source>,
    /// The configuration (`netfence.yaml`): which checks run, their severities, cluster facts,
    /// severities per finding. Its thresholds are for `review`'s verdict and not used here.
    #[serde(default)]
    pub config: Config,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode), for the checks that look at connectivity.
    #[serde(default)]
    pub engine: EngineOptions,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

/// Response of [`lint`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LintResponse {
    /// Findings of API validation and the review checks, by file, line and column.
    pub findings: Vec<Finding>,
    /// Documents that could not be read (the others were checked).
    pub errors: Vec<ErrorPayload>,
    /// What was read.
    pub counts: ResourceCounts,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// API validation and the review checks over the sources.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn lint(request: &LintRequest) -> Result<LintResponse, Error> {
    lint_with(request, render)
}

/// [`lint`] with `format` answered by `render`.
pub(super) fn lint_with(
    request: &LintRequest,
    render: Render<LintRequest, LintResponse, TextFormat>,
) -> Result<LintResponse, Error> {
    let set = load_sources(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    let findings = crate::review::lint(&set, &cluster, &request.config);
    let errors: Vec<ErrorPayload> = set.errors.iter().map(Error::payload).collect();
    let mut response =
        LintResponse { findings, errors, counts: set.counts(), completeness: set.completeness(), rendered: None };
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

fn render(_: TextFormat, request: &LintRequest, r: &LintResponse) -> Result<String, Error> {
    let sources = source_texts(&request.sources);
    let text = crate::report::findings::lint_text(&r.findings, &r.errors, &r.counts, &sources, false);
    Ok(crate::report::findings::with_warnings(text, &r.completeness.warnings, ""))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::api::{ReviewRequest, review};

    const INPUT: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
        apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n\
        spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}}\n---\n\
        apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: shop}\n\
        spec: {podSelector: {matchLabels: {app: web}}, ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 70000}]}]}\n---\n\
        apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ghost, namespace: shop}\n\
        spec: {podSelector: {matchLabels: {app: nothing}}}\n";

    #[test]
    fn lint_reports_what_review_reports_for_the_head_alone() {
        let sources = vec![Source::named("shop.yaml", INPUT)];
        let linted = lint(&LintRequest { sources: sources.clone(), ..LintRequest::default() }).unwrap();
        let reviewed = review(&ReviewRequest::new(sources, None)).unwrap();
        let reviewed: Vec<Finding> = reviewed.review.findings.into_iter().map(|f| f.finding).collect();
        assert_eq!(linted.findings, reviewed);
        // both kinds are there: API validation (the port) and review checks
        assert!(linted.findings.iter().any(|f| f.id.starts_with("NF0")), "{:?}", linted.findings);
        assert!(linted.findings.iter().any(|f| !f.id.starts_with("NF0")), "{:?}", linted.findings);
        assert_eq!(linted.counts.policies, 2);
    }

    #[test]
    fn the_configuration_disables_checks_and_sets_severities() {
        let sources = vec![Source::named("shop.yaml", INPUT)];
        let all = lint(&LintRequest { sources: sources.clone(), ..LintRequest::default() }).unwrap();
        let check = all.findings.iter().find(|f| !f.id.starts_with("NF0")).unwrap().clone();
        let config =
            format!("{{\"checks\": {{\"disable\": [\"{}\"]}}, \"severities\": {{\"NF018\": \"info\"}}}}", check.id);
        let config: Config = crate::api::decode_request(&config).unwrap();
        let some = lint(&LintRequest { sources, config, ..LintRequest::default() }).unwrap();
        assert!(!some.findings.iter().any(|f| f.id == check.id));
        assert!(some.findings.iter().filter(|f| f.id == "NF018").all(|f| f.severity == crate::model::Severity::Info));
        assert!(some.findings.iter().any(|f| f.id == "NF018"), "{:?}", some.findings);
    }
}
