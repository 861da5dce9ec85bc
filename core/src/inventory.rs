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
use crate::source::{Location, Node, SourceDoc, Value};

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
        // One document at a time, so its full tree is slimmed (or freed) before the next is
        // decoded: decoding in parallel keeps more memory (allocator arenas) and is not faster.
        let strict = options.strict;
        for doc in parsed.documents {
            let source =
                SourceDoc { file: file.clone(), root: Arc::new(doc.root), base: String::new(), document: doc.index };
            let items = read_document(source, strict);
            for item in items {
                match item {
                    Ok(item) => self.push(item),
                    Err(e) if strict => return Err(e),
                    Err(e) => self.errors.push(e),
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, item: Item) {
        match item {
            Item::Namespace(r) => self.namespaces.push(*r),
            Item::Pod(r) => self.pods.push(*r),
            Item::Workload(r) => self.workloads.push(*r),
            Item::Policy(r) => self.policies.push(*r),
            Item::Service(r) => self.services.push(*r),
            Item::Skipped(key) => *self.skipped.entry(key).or_insert(0) += 1,
        }
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
}

/// One resource read from a document (or a skipped kind).
enum Item {
    Namespace(Box<NamespaceResource>),
    Pod(Box<PodResource>),
    Workload(Box<WorkloadResource>),
    Policy(Box<PolicyResource>),
    Service(Box<ServiceResource>),
    Skipped(String),
}

/// Reads the resources of one document, in order, then slims its tree (see [`slim_tree`]).
/// In strict mode reading stops at the first error.
fn read_document(source: SourceDoc, strict: bool) -> Vec<Result<Item, Error>> {
    let mut items = Vec::new();
    let root = source.root.clone();
    read_node(source, None, strict, &mut items);
    let slim = items.iter().any(|i| matches!(i, Ok(Item::Pod(_) | Item::Workload(_))));
    if !slim {
        return items;
    }
    // every resource of the document shares the tree: swap in the slim one
    let root = Arc::new(slim_tree(&root, None));
    let sources: Vec<&mut SourceDoc> = items
        .iter_mut()
        .filter_map(|i| match i {
            Ok(Item::Namespace(r)) => Some(&mut r.source),
            Ok(Item::Pod(r)) => Some(&mut r.source),
            Ok(Item::Workload(r)) => Some(&mut r.source),
            Ok(Item::Policy(r)) => Some(&mut r.source),
            Ok(Item::Service(r)) => Some(&mut r.source),
            Ok(Item::Skipped(_)) | Err(_) => None,
        })
        .collect();
    for source in sources {
        source.root = root.clone();
    }
    items
}

fn read_node(source: SourceDoc, inherited: Option<(&str, &str)>, strict: bool, out: &mut Vec<Result<Item, Error>>) {
    if let Err(e) = read_resource(source, inherited, strict, out) {
        out.push(Err(e));
    }
}

fn read_resource(
    source: SourceDoc,
    inherited: Option<(&str, &str)>,
    strict: bool,
    out: &mut Vec<Result<Item, Error>>,
) -> Result<(), Error> {
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
            read_node(item, inherit, strict, out);
            if strict && out.last().is_some_and(Result::is_err) {
                return Ok(());
            }
        }
        return Ok(());
    }
    out.push(read_object(&api_version, &kind, source));
    Ok(())
}

fn read_object(api_version: &str, kind: &str, source: SourceDoc) -> Result<Item, Error> {
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    Ok(match (group, kind) {
        ("", "Namespace") => {
            let object: Namespace = decode(&source, "v1", kind)?;
            let name = object.metadata.name.clone().unwrap_or_default();
            Item::Namespace(Box::new(NamespaceResource { object, name, source }))
        }
        ("", "Pod") => {
            let mut object: Pod = decode(&source, "v1", kind)?;
            object.metadata.managed_fields = None;
            let (namespace, name) = names(&object.metadata);
            Item::Pod(Box::new(PodResource { object, namespace, name, source }))
        }
        ("", "Service") => {
            let object: Service = decode(&source, "v1", kind)?;
            let (namespace, name) = names(&object.metadata);
            Item::Service(Box::new(ServiceResource { object, namespace, name, source }))
        }
        ("networking.k8s.io" | "extensions", "NetworkPolicy") => {
            let object: NetworkPolicy = decode(&source, "networking.k8s.io/v1", kind)?;
            let namespace_given = object.metadata.namespace.is_some();
            let (namespace, name) = names(&object.metadata);
            Item::Policy(Box::new(PolicyResource {
                object,
                namespace,
                name,
                namespace_given,
                api_version: api_version.to_owned(),
                source,
            }))
        }
        ("" | "apps" | "extensions" | "batch", _) if WorkloadKind::from_kind(kind).is_some() => {
            read_workload(kind, source)?
        }
        _ => Item::Skipped(format!("{api_version}/{kind}")),
    })
}

fn read_workload(kind: &str, source: SourceDoc) -> Result<Item, Error> {
    let Some(wk) = WorkloadKind::from_kind(kind) else {
        return Ok(Item::Skipped(kind.to_owned()));
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
    let (namespace, name) = names(&meta);
    let mut template = template.unwrap_or_default();
    if let Some(m) = template.metadata.as_mut() {
        m.managed_fields = None;
    }
    Ok(Item::Workload(Box::new(WorkloadResource {
        kind: wk,
        namespace,
        name,
        labels: meta.labels.unwrap_or_default(),
        owners: meta.owner_references.unwrap_or_default(),
        template,
        template_pointer: pointer,
        source,
    })))
}

/// A slim copy of a document tree, made once its resources are decoded: pods and workloads
/// keep only what findings and endpoints point at (`apiVersion`, `kind`, `metadata` without
/// `managedFields`, and of the pod spec `hostNetwork` and each container's `name` and `ports`;
/// for a workload, the pod template's `metadata` and that much of its `spec`). Other kinds
/// keep their whole tree. A pointer into a dropped part locates its deepest kept parent. The
/// copy is freshly allocated so the whole original can be freed.
fn slim_tree(node: &Node, inherited_kind: Option<&str>) -> Node {
    let kind = node.get("kind").and_then(Node::as_str).or(inherited_kind);
    let Some(kind) = kind else { return node.clone() };
    if kind == "List" || kind.ends_with("List") {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        return map_entries(node, |key, value| {
            Some(match &value.value {
                Value::Seq(items) if key == "items" => Node {
                    value: Value::Seq(items.iter().map(|item| slim_tree(item, item_kind)).collect()),
                    line: value.line,
                    column: value.column,
                },
                _ => value.clone(),
            })
        });
    }
    let template_path: &'static [&'static str] = match WorkloadKind::from_kind(kind) {
        Some(WorkloadKind::CronJob) => &["jobTemplate", "spec", "template"],
        Some(_) => &["template"],
        None if kind == "Pod" => &[],
        None => return node.clone(),
    };
    map_entries(node, |key, value| match key {
        "apiVersion" | "kind" => Some(value.clone()),
        "metadata" => Some(slim_metadata(value)),
        "spec" if template_path.is_empty() => Some(slim_pod_spec(value)),
        "spec" => Some(slim_to_template(value, template_path)),
        _ => None,
    })
}

/// Down `path` (keeping only it) to a pod template: its `metadata` and slim pod spec.
fn slim_to_template(node: &Node, path: &[&str]) -> Node {
    match path.split_first() {
        Some((first, rest)) => map_entries(node, |key, value| (key == *first).then(|| slim_to_template(value, rest))),
        None => map_entries(node, |key, value| match key {
            "metadata" => Some(slim_metadata(value)),
            "spec" => Some(slim_pod_spec(value)),
            _ => None,
        }),
    }
}

fn slim_pod_spec(node: &Node) -> Node {
    map_entries(node, |key, value| match (key, &value.value) {
        ("hostNetwork", _) => Some(value.clone()),
        ("containers" | "initContainers", Value::Seq(containers)) => Some(Node {
            value: Value::Seq(
                containers
                    .iter()
                    .map(|c| map_entries(c, |key, value| matches!(key, "name" | "ports").then(|| value.clone())))
                    .collect(),
            ),
            line: value.line,
            column: value.column,
        }),
        _ => None,
    })
}

fn slim_metadata(node: &Node) -> Node {
    map_entries(node, |key, value| {
        matches!(key, "name" | "generateName" | "namespace" | "labels").then(|| value.clone())
    })
}

/// A copy of a mapping with the entries `keep` returns (a non-mapping is copied whole).
fn map_entries(node: &Node, mut keep: impl FnMut(&str, &Node) -> Option<Node>) -> Node {
    match &node.value {
        Value::Map(entries) => Node {
            value: Value::Map(entries.iter().filter_map(|(k, v)| keep(&k.name, v).map(|v| (k.clone(), v))).collect()),
            line: node.line,
            column: node.column,
        },
        _ => node.clone(),
    }
}

fn names(meta: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta) -> (String, String) {
    let namespace = meta.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| "default".to_owned());
    let name = meta.name.clone().or_else(|| meta.generate_name.clone()).unwrap_or_default();
    (namespace, name)
}

/// Decodes the resource as a k8s-openapi type, pointing a shape error at the offending field.
fn decode<T: serde::de::DeserializeOwned>(source: &SourceDoc, api_version: &str, kind: &str) -> Result<T, Error> {
    crate::source_de::from_resource::<T>(source.node(), api_version, kind).map_err(|e| {
        let pointer = e.pointer();
        let inner = plain_serde_message(e.message());
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
    let found = if found == "sequence" {
        "a list".to_owned()
    } else if found == "map" {
        "a mapping".to_owned()
    } else {
        found.to_owned()
    };
    format!("expected {expected}, found {found}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod",
   "metadata": {"name": "a", "namespace": "x", "labels": {"app": "a"},
                "managedFields": [{"manager": "kubectl"}]},
   "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "nginx",
            "ports": [{"name": "http", "containerPort": 80}], "env": [{"name": "A", "value": "1"}]}]},
   "status": {"podIP": "10.0.0.1"}},
  {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
   "metadata": {"name": "p", "namespace": "x"},
   "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}
]}"#;

    const CRONJOB: &str = "\
apiVersion: batch/v1
kind: CronJob
metadata: {name: c, namespace: x}
spec:
  schedule: '* * * * *'
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: c}}
        spec:
          hostNetwork: true
          containers: [{name: c, image: busybox, ports: [{name: http, containerPort: 80}]}]
";

    #[test]
    fn pod_and_workload_trees_are_slim_and_still_locate() {
        let mut set = ResourceSet::default();
        set.add_text(LIST, "in.json", &ParseOptions::default()).unwrap();
        let (pod, policy) = (&set.pods[0], &set.policies[0]);
        // decoded in full
        assert_eq!(pod.object.status.as_ref().unwrap().pod_ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(pod.object.spec.as_ref().unwrap().containers[0].image.as_deref(), Some("nginx"));
        assert!(pod.object.metadata.managed_fields.is_none());
        // the tree keeps what findings point at
        let node = pod.source.node();
        assert!(node.get("status").is_none());
        assert!(node.get("metadata").unwrap().get("managedFields").is_none());
        let container = node.resolve("/spec/containers/0").0;
        assert!(container.get("image").is_none() && container.get("env").is_none());
        assert_eq!(pod.source.locate("/metadata/labels/app").line, 3);
        assert_eq!(pod.source.locate_key("/spec", "hostNetwork").line, 5);
        assert_eq!(pod.source.locate("/spec/containers/0/ports/0").line, 6);
        // a dropped part locates its deepest kept parent
        assert_eq!(pod.source.locate("/status/podIP").line, pod.source.locate("").line);
        // policies of the same document keep their whole tree
        assert_eq!(policy.source.base, "/items/1");
        let port = policy.source.locate("/spec/ingress/0/ports/0/port");
        assert_eq!((port.line, port.pointer.as_str()), (10, "/spec/ingress/0/ports/0/port"));
        assert!(std::sync::Arc::ptr_eq(&pod.source.root, &policy.source.root));

        let mut set = ResourceSet::default();
        set.add_text(CRONJOB, "c.yaml", &ParseOptions::default()).unwrap();
        let w = &set.workloads[0];
        assert_eq!(w.template_pointer, "/spec/jobTemplate/spec/template");
        assert_eq!(w.source.locate(w.template_pointer).line, 9);
        assert_eq!(w.source.locate_key("/spec/jobTemplate/spec/template/spec", "hostNetwork").line, 11);
        assert!(w.source.node().get("spec").unwrap().get("schedule").is_none());
        assert_eq!(w.template.spec.as_ref().unwrap().containers[0].image.as_deref(), Some("busybox"));
    }
}
