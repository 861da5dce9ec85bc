//! `parse`: read manifests and list what they hold.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Source, load};
use crate::error::{Error, ErrorPayload};
use crate::inventory::ResourceCounts;
use crate::source::Location;
use crate::source::ParseOptions;

/// Request of [`parse`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParseRequest {
    /// The inputs.
    pub sources: Vec<Source>,
    /// Limits and strict mode.
    #[serde(default)]
    pub options: ParseOptions,
}

/// One resource that was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    /// Kind, e.g. `NetworkPolicy`.
    pub kind: String,
    /// Namespace (`default` when the manifest has none; empty for a Namespace).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Where it starts.
    pub location: Location,
}

/// Response of [`parse`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParseResponse {
    /// Counts per modelled kind, and skipped kinds.
    pub counts: ResourceCounts,
    /// Every modelled resource, in input order per kind.
    pub resources: Vec<ResourceSummary>,
    /// Documents that could not be read (the others were).
    pub errors: Vec<ErrorPayload>,
}

/// Reads the sources and lists the resources found.
///
/// # Errors
/// Input-level failures, or any bad document in strict mode.
pub fn parse(request: &ParseRequest) -> Result<ParseResponse, Error> {
    let set = load(&request.sources, &request.options)?;
    let mut resources = Vec::new();
    let mut add = |kind: &str, namespace: &str, name: &str, location: Location| {
        resources.push(ResourceSummary {
            kind: kind.to_owned(),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            location,
        });
    };
    for n in &set.namespaces {
        add("Namespace", "", &n.name, n.source.locate(""));
    }
    for w in &set.workloads {
        add(w.kind.as_str(), &w.namespace, &w.name, w.source.locate(""));
    }
    for p in &set.pods {
        add("Pod", &p.namespace, &p.name, p.source.locate(""));
    }
    for s in &set.services {
        add("Service", &s.namespace, &s.name, s.source.locate(""));
    }
    for p in &set.policies {
        add("NetworkPolicy", &p.namespace, &p.name, p.source.locate(""));
    }
    Ok(ParseResponse { counts: set.counts(), resources, errors: set.errors.iter().map(Error::payload).collect() })
}
