//! `exposure`: what each endpoint is open to beyond the endpoints of the input — the entire
//! cluster, namespaces and pods by label that may not exist yet — with the connectivity it is
//! computed on.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Render, Source, load_sources, render_in};
use crate::engine::{
    CompiledCluster, ConnectionFilter, Connectivity, EngineOptions, Exposure, names_every_potential_pod,
    potential_pod_families,
};
use crate::error::{Error, ErrorPayload};
use crate::inventory::ResourceSet;
use crate::model::{ClusterPeer, Completeness, Warning, WarningCode};
use crate::source::ParseOptions;

/// The renderings of an exposure analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExposureFormat {
    /// netpol-analyzer's `--exposure` text: the connlist, then `Exposure Analysis Result:`.
    Txt,
    /// Markdown: the exposure of each endpoint as a table.
    Md,
}

/// Request of [`exposure`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExposureRequest {
    /// The inputs: workloads, pods, namespaces, policies, Services and routes.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
    /// Engine semantics (ipBlock mode).
    #[serde(default)]
    pub engine: EngineOptions,
    /// Which endpoints and directions (`focusWorkloads`, `focusDirection`), and which
    /// connections of the connectivity list.
    #[serde(default)]
    pub filter: ConnectionFilter,
    /// Also render the answer into `rendered` in this format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<ExposureFormat>,
}

/// Response of [`exposure`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExposureResponse {
    /// The exposure of each endpoint the filter focuses on.
    #[serde(flatten)]
    pub exposure: Exposure,
    /// The allowed connections among the endpoints of the input (and from outside).
    pub connectivity: Connectivity,
    /// Documents that could not be read (the others were analyzed).
    pub errors: Vec<ErrorPayload>,
    /// The answer in the requested `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// Whether the answer is partial, and what may change it that was not evaluated.
    #[serde(flatten)]
    pub completeness: Completeness,
}

/// Computes who could reach each endpoint, and whom it could reach, including pods and
/// namespaces that do not exist yet.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn exposure(request: &ExposureRequest) -> Result<ExposureResponse, Error> {
    exposure_with(request, render_exposure)
}

/// [`exposure`] with `format` answered by `render`.
pub(super) fn exposure_with(
    request: &ExposureRequest,
    render: Render<ExposureRequest, ExposureResponse, ExposureFormat>,
) -> Result<ExposureResponse, Error> {
    let set = load_sources(&request.sources, &request.options)?;
    let cluster = CompiledCluster::compile(&set, &request.engine);
    let mut response = ExposureResponse {
        exposure: cluster.exposure(&set, &request.filter),
        connectivity: cluster.connectivity(&request.filter),
        errors: set.errors.iter().map(Error::payload).collect(),
        completeness: set.completeness(),
        rendered: None,
    };
    response.completeness.warnings.extend(potential_peer_networks(&set));
    response.rendered = render_in(request.format, request, &response, render)?;
    Ok(response)
}

/// `NF-W007` for each rule of a cluster-scoped policy with `networks` that exposure cannot match
/// against potential peers (such a pod has no IP yet): the rule does not match every pod
/// whatever its IP, as the engine decides it (`names_every_potential_pod`).
fn potential_peer_networks(set: &ResourceSet) -> Vec<Warning> {
    let families = potential_pod_families(set);
    let mut out = Vec::new();
    for resource in &set.cluster_policies {
        let policy = &resource.policy;
        for rule in policy.ingress.iter().chain(&policy.egress) {
            let narrow: Vec<&str> = rule
                .peers
                .iter()
                .filter_map(|p| match p {
                    ClusterPeer::Networks(cidrs) => Some(cidrs),
                    _ => None,
                })
                .flatten()
                .map(|c| c.trim())
                .collect();
            if narrow.is_empty() || names_every_potential_pod(&rule.peers, families) {
                continue;
            }
            let name = rule.name.as_ref().map(|n| format!(" `{n}`")).unwrap_or_default();
            out.push(Warning {
                code: WarningCode::NetworksNotAppliedToPotentialPeers,
                message: format!(
                    "rule{name} of `{}` names networks ({}), which the API applies to pods by their IPs: pods that do not exist yet have none, so the rule is evaluated as not matching the potential peers and their exposure may differ",
                    policy.resource(),
                    narrow.join(", ")
                ),
                help: Some(
                    "future pods whose IPs fall in these CIDRs may be allowed or denied differently; decide pod traffic with `namespaces` or `pods` peers in an earlier rule to make the exposure exact"
                        .to_owned(),
                ),
                resource: Some(policy.resource()),
                location: Some(resource.source.locate(&rule.pointer)),
            });
        }
    }
    out
}

fn render_exposure(format: ExposureFormat, request: &ExposureRequest, r: &ExposureResponse) -> Result<String, Error> {
    Ok(match format {
        ExposureFormat::Txt => {
            crate::report::exposure_txt_on(&r.connectivity, &r.exposure, request.filter.focus_connection)
        }
        ExposureFormat::Md => crate::report::findings::with_warnings(
            crate::report::exposure_markdown(&r.exposure),
            &r.completeness.warnings,
            "> ",
        ),
    })
}
