//! The resource model: namespaces, pods, workloads, policies and services read from manifests,
//! each with its source location. Unknown kinds are counted and skipped, never an error.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Pod, PodTemplateSpec, ReplicationController, Service};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::parse::{ParseOptions, parse_text};
use crate::source::{Location, Node, SourceDoc, Value, escape_pointer};

/// The label every namespace carries (set by the API server since Kubernetes 1.22).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// Kinds of workload whose pod template makes an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum WorkloadKind {
    /// apps/v1 Deployment
    Deployment,
    /// apps/v1 StatefulSet
    StatefulSet,
    /// apps/v1 DaemonSet
    DaemonSet,
    /// apps/v1 ReplicaSet
    ReplicaSet,
    /// v1 ReplicationController
    ReplicationController,
    /// batch/v1 Job
    Job,
    /// batch/v1 CronJob
    CronJob,
}

impl WorkloadKind {
    /// The Kubernetes kind name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deployment => "Deployment",
            Self::StatefulSet => "StatefulSet",
            Self::DaemonSet => "DaemonSet",
            Self::ReplicaSet => "ReplicaSet",
            Self::ReplicationController => "ReplicationController",
            Self::Job => "Job",
            Self::CronJob => "CronJob",
        }
    }

    /// Parses a kind name.
    #[must_use]
    pub fn from_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "Deployment" => Self::Deployment,
            "StatefulSet" => Self::StatefulSet,
            "DaemonSet" => Self::DaemonSet,
            "ReplicaSet" => Self::ReplicaSet,
            "ReplicationController" => Self::ReplicationController,
            "Job" => Self::Job,
            "CronJob" => Self::CronJob,
            _ => return None,
        })
    }
}

/// A namespace from the input.
#[derive(Clone, Debug)]
pub struct NamespaceResource {
    /// The object.
    pub object: Namespace,
    /// Its name.
    pub name: String,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A pod from the input.
#[derive(Clone, Debug)]
pub struct PodResource {
    /// The object.
    pub object: Pod,
    /// Namespace (`default` when the manifest has none).
    pub namespace: String,
    /// Name (`generateName` when there is no name).
    pub name: String,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A workload (Deployment, StatefulSet, ...) from the input.
#[derive(Clone, Debug)]
pub struct WorkloadResource {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Namespace (`default` when the manifest has none).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The workload's own labels.
    pub labels: BTreeMap<String, String>,
    /// Owner references of the workload itself (a ReplicaSet owned by a Deployment).
    pub owners: Vec<OwnerReference>,
    /// The pod template (for a CronJob, the template of its job template).
    pub template: PodTemplateSpec,
    /// JSON pointer of the template inside the resource.
    pub template_pointer: &'static str,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A NetworkPolicy from the input.
#[derive(Clone, Debug)]
pub struct PolicyResource {
    /// The object (apiVersion normalised to networking.k8s.io/v1).
    pub object: NetworkPolicy,
    /// Namespace (`default` when the manifest has none; see `namespace_given`).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Whether the manifest set `metadata.namespace`.
    pub namespace_given: bool,
    /// The apiVersion as written (e.g. the deprecated `extensions/v1beta1`).
    pub api_version: String,
    /// Where it came from.
    pub source: SourceDoc,
}

/// A Service from the input (kept for later use by checks).
#[derive(Clone, Debug)]
pub struct ServiceResource {
    /// The object.
    pub object: Service,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Where it came from.
    pub source: SourceDoc,
}

/// Everything read from a set of inputs.
#[derive(Clone, Debug, Default)]
pub struct ResourceSet {
    /// Namespaces, in input order.
    pub namespaces: Vec<NamespaceResource>,
    /// Pods, in input order.
    pub pods: Vec<PodResource>,
    /// Workloads, in input order.
    pub workloads: Vec<WorkloadResource>,
    /// NetworkPolicies, in input order.
    pub policies: Vec<PolicyResource>,
    /// Services, in input order.
    pub services: Vec<ServiceResource>,
    /// Kinds skipped (not modelled), with counts, keyed `apiVersion/kind`.
    pub skipped: BTreeMap<String, usize>,
    /// Documents or resources that could not be read (non-strict mode).
    pub errors: Vec<Error>,
}

/// Counts of what a [`ResourceSet`] holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceCounts {
    /// Namespaces defined.
    pub namespaces: usize,
    /// Pods.
    pub pods: usize,
    /// Workloads.
    pub workloads: usize,
    /// NetworkPolicies.
    pub policies: usize,
    /// Services.
    pub services: usize,
    /// Skipped kinds, keyed `apiVersion/kind`.
    pub skipped: BTreeMap<String, usize>,
}

impl ResourceSet {
    /// Reads one input (YAML or JSON, one or more documents, `kind: List` or `items`).
    ///
    /// # Errors
    /// Only input-level failures (too large, not text, or strict mode and a bad document);
    /// otherwise bad documents are recorded in [`ResourceSet::errors`].
    pub fn add_text(&mut self, text: &str, file: &str, options: &ParseOptions) -> Result<(), Error> {
        let parsed = parse_text(text, file, options)?;
        let file: Arc<str> = Arc::from(file);
        self.errors.extend(parsed.errors);
        for doc in parsed.documents {
            let root = Arc::new(doc.root);
            let source = SourceDoc { file: file.clone(), root: root.clone(), base: String::new(), document: doc.index };
            if let Err(e) = self.add_document(source, None, options.strict) {
                if options.strict {
                    return Err(e);
                }
                self.errors.push(e);
            }
        }
        Ok(())
    }

    /// Counts.
    #[must_use]
    pub fn counts(&self) -> ResourceCounts {
        ResourceCounts {
            namespaces: self.namespaces.len(),
            pods: self.pods.len(),
            workloads: self.workloads.len(),
            policies: self.policies.len(),
            services: self.services.len(),
            skipped: self.skipped.clone(),
        }
    }

    /// Namespace names used or defined, sorted.
    #[must_use]
    pub fn namespace_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .namespaces
            .iter()
            .map(|n| n.name.clone())
            .chain(self.pods.iter().map(|p| p.namespace.clone()))
            .chain(self.workloads.iter().map(|w| w.namespace.clone()))
            .chain(self.policies.iter().map(|p| p.namespace.clone()))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Labels of namespace `name`: its defined labels plus `kubernetes.io/metadata.name`.
    #[must_use]
    pub fn namespace_labels(&self, name: &str) -> BTreeMap<String, String> {
        let mut labels = self
            .namespaces
            .iter()
            .find(|n| n.name == name)
            .and_then(|n| n.object.metadata.labels.clone())
            .unwrap_or_default();
        labels.insert(NAMESPACE_NAME_LABEL.to_owned(), name.to_owned());
        labels
    }

    fn add_document(&mut self, source: SourceDoc, inherited: Option<(&str, &str)>, strict: bool) -> Result<(), Error> {
        let node = source.node();
        if !matches!(node.value, Value::Map(_)) {
            return Err(Error::new(ErrorCode::NotAResource, "document is not a mapping with `apiVersion` and `kind`")
                .with_help("each document must be a Kubernetes object, a `kind: List`, or `kubectl get -o json` output")
                .at(source.locate("")));
        }
        let api_version = node.get("apiVersion").and_then(Node::as_str).map(str::to_owned);
        let kind = node.get("kind").and_then(Node::as_str).map(str::to_owned);
        let (api_version, kind) = match (api_version, kind, inherited) {
            (Some(a), Some(k), _) => (a, k),
            (a, None, Some((la, lk))) => (a.unwrap_or_else(|| la.to_owned()), lk.to_owned()),
            (None, Some(k), Some((la, _))) => (la.to_owned(), k),
            (a, k, None) => {
                let missing = if k.is_none() { "kind" } else { "apiVersion" };
                let _ = a;
                return Err(Error::new(ErrorCode::NotAResource, format!("document has no `{missing}`"))
                    .with_help("every Kubernetes object needs `apiVersion` and `kind`")
                    .at(source.locate("")));
            }
        };
        if let Some(items) = node.get("items")
            && (kind == "List" || kind.ends_with("List"))
        {
            let Value::Seq(list) = &items.value else {
                return Err(Error::new(ErrorCode::ResourceShape, format!("`items` of a `{kind}` must be a list"))
                    .at(source.locate("/items")));
            };
            let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty()).map(str::to_owned);
            for i in 0..list.len() {
                let item = SourceDoc {
                    file: source.file.clone(),
                    root: source.root.clone(),
                    base: format!("{}/items/{i}", source.base),
                    document: source.document,
                };
                let inherit = item_kind.as_deref().map(|k| (api_version.as_str(), k));
                if let Err(e) = self.add_document(item, inherit, strict) {
                    if strict {
                        return Err(e);
                    }
                    self.errors.push(e);
                }
            }
            return Ok(());
        }
        self.add_object(&api_version, &kind, source)
    }

    fn add_object(&mut self, api_version: &str, kind: &str, source: SourceDoc) -> Result<(), Error> {
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        match (group, kind) {
            ("", "Namespace") => {
                let object: Namespace = decode(&source, "v1", kind)?;
                let name = object.metadata.name.clone().unwrap_or_default();
                self.namespaces.push(NamespaceResource { object, name, source });
            }
            ("", "Pod") => {
                let object: Pod = decode(&source, "v1", kind)?;
                let (namespace, name) = names(&object.metadata);
                self.pods.push(PodResource { object, namespace, name, source });
            }
            ("", "Service") => {
                let object: Service = decode(&source, "v1", kind)?;
                let (namespace, name) = names(&object.metadata);
                self.services.push(ServiceResource { object, namespace, name, source });
            }
            ("networking.k8s.io" | "extensions", "NetworkPolicy") => {
                let object: NetworkPolicy = decode(&source, "networking.k8s.io/v1", kind)?;
                let namespace_given = object.metadata.namespace.is_some();
                let (namespace, name) = names(&object.metadata);
                self.policies.push(PolicyResource {
                    object,
                    namespace,
                    name,
                    namespace_given,
                    api_version: api_version.to_owned(),
                    source,
                });
            }
            ("" | "apps" | "extensions" | "batch", _) if WorkloadKind::from_kind(kind).is_some() => {
                self.add_workload(api_version, kind, source)?;
            }
            _ => {
                *self.skipped.entry(format!("{api_version}/{kind}")).or_insert(0) += 1;
            }
        }
        Ok(())
    }

    fn add_workload(&mut self, api_version: &str, kind: &str, source: SourceDoc) -> Result<(), Error> {
        let Some(wk) = WorkloadKind::from_kind(kind) else {
            return Ok(());
        };
        let (meta, template, pointer) = match wk {
            WorkloadKind::Deployment => {
                let o: Deployment = decode(&source, "apps/v1", kind)?;
                (o.metadata, o.spec.map(|s| s.template), "/spec/template")
            }
            WorkloadKind::StatefulSet => {
                let o: StatefulSet = decode(&source, "apps/v1", kind)?;
                (o.metadata, o.spec.map(|s| s.template), "/spec/template")
            }
            WorkloadKind::DaemonSet => {
                let o: DaemonSet = decode(&source, "apps/v1", kind)?;
                (o.metadata, o.spec.map(|s| s.template), "/spec/template")
            }
            WorkloadKind::ReplicaSet => {
                let o: ReplicaSet = decode(&source, "apps/v1", kind)?;
                (o.metadata, o.spec.and_then(|s| s.template), "/spec/template")
            }
            WorkloadKind::ReplicationController => {
                let o: ReplicationController = decode(&source, "v1", kind)?;
                (o.metadata, o.spec.and_then(|s| s.template), "/spec/template")
            }
            WorkloadKind::Job => {
                let o: Job = decode(&source, "batch/v1", kind)?;
                (o.metadata, o.spec.map(|s| s.template), "/spec/template")
            }
            WorkloadKind::CronJob => {
                let o: CronJob = decode(&source, "batch/v1", kind)?;
                (
                    o.metadata,
                    o.spec.and_then(|s| s.job_template.spec).map(|s| s.template),
                    "/spec/jobTemplate/spec/template",
                )
            }
        };
        let _ = api_version;
        let (namespace, name) = names(&meta);
        self.workloads.push(WorkloadResource {
            kind: wk,
            namespace,
            name,
            labels: meta.labels.clone().unwrap_or_default(),
            owners: meta.owner_references.clone().unwrap_or_default(),
            template: template.unwrap_or_default(),
            template_pointer: pointer,
            source,
        });
        Ok(())
    }
}

fn names(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> (String, String) {
    let namespace = meta.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "default".to_owned());
    let name = meta.name.clone().or_else(|| meta.generate_name.clone()).unwrap_or_default();
    (namespace, name)
}

/// Decodes the resource as a k8s-openapi type, pointing a shape error at the offending field.
fn decode<T: serde::de::DeserializeOwned>(source: &SourceDoc, api_version: &str, kind: &str) -> Result<T, Error> {
    let mut json = source.node().to_json();
    if let Some(obj) = json.as_object_mut() {
        obj.insert("apiVersion".to_owned(), serde_json::Value::String(api_version.to_owned()));
        obj.insert("kind".to_owned(), serde_json::Value::String(kind.to_owned()));
    }
    serde_path_to_error::deserialize::<_, T>(json).map_err(|e| {
        let pointer = path_to_pointer(e.path());
        let inner = plain_serde_message(&e.into_inner().to_string());
        let location: Location = source.locate(&pointer);
        let at = if pointer.is_empty() { String::new() } else { format!(" at `{pointer}`") };
        Error::new(ErrorCode::ResourceShape, format!("`{kind}` has a field of the wrong type{at}: {inner}"))
            .with_help(format!("check this field against the Kubernetes API reference for `{kind}`"))
            .at(location)
    })
}

/// Rewrites serde's message so it names YAML shapes, not Rust types: `invalid type: sequence,
/// expected PodSpec` becomes `expected a mapping, found a sequence`.
fn plain_serde_message(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_owned();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return message.to_owned();
    };
    let is_type_name = |s: &str| {
        let s = s.strip_prefix("struct ").unwrap_or(s);
        s.chars().next().is_some_and(char::is_uppercase) && s.chars().all(char::is_alphanumeric)
    };
    let expected = if is_type_name(expected) {
        "a mapping".to_owned()
    } else if expected.starts_with("a sequence") || expected == "a vector" {
        "a list".to_owned()
    } else {
        expected.to_owned()
    };
    let found = if found == "sequence" { "a list".to_owned() } else if found == "map" { "a mapping".to_owned() } else { found.to_owned() };
    format!("expected {expected}, found {found}")
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => {
                out.push('/');
                out.push_str(&index.to_string());
            }
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&escape_pointer(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}
