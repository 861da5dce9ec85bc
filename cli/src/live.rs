//! Live clusters: `--cluster` / `--context NAME` read a cluster through its API server (kube-rs)
//! as one more manifest input, and `netfence snapshot` writes what was read as one file.
//!
//! Every kind netfence reads (namespaces, pods, workloads, services, NetworkPolicies), nodes and
//! the cluster-scoped policy kinds of network-policy-api are listed with paginated LIST
//! (`limit` / `continue`), so a large cluster streams in pages. Each object is slimmed to what
//! netfence reads before it is kept (no `managedFields`, container images, env, volumes or
//! status beyond the pod's phase and IPs), and the kept objects are written as `kind: List`
//! JSON documents of at most [`CHUNK`] items: the text sources the core API takes. Native only:
//! nothing here is in the core crate or the WebAssembly build.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kube::config::{KubeConfigOptions, Kubeconfig};
use netfence::api::Source;
use netfence::{Error, ErrorCode};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Objects per `kind: List` document (and per source): keeps every document far below the
/// parser's node budget.
pub const CHUNK: usize = 5000;

/// The cluster to read (global options).
#[derive(Args, Clone, Default)]
pub struct ClusterArgs {
    /// Read the cluster of the kubeconfig's current context as manifests (with `--base`-only
    /// commands, as the base).
    #[arg(long, global = true)]
    pub cluster: bool,
    /// Read the cluster of this kubeconfig context (implies --cluster).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Objects per LIST request when reading a cluster.
    #[arg(long, global = true, value_name = "N", default_value_t = 500)]
    pub page_size: u32,
}

impl ClusterArgs {
    /// Whether a cluster is to be read.
    #[must_use]
    pub fn wanted(&self) -> bool {
        self.cluster || self.context.is_some()
    }
}

/// A kind read from the cluster.
struct Kind {
    api_version: &'static str,
    kind: &'static str,
    plural: &'static str,
    /// What a listed object keeps.
    slim: fn(Map<String, Value>) -> Map<String, Value>,
    /// Not every cluster serves it (or lets everyone list it): its absence is a note, not an
    /// error.
    optional: bool,
}

const fn kind(api_version: &'static str, kind: &'static str, plural: &'static str) -> Kind {
    Kind { api_version, kind, plural, slim: slim_workload, optional: false }
}

/// The kinds read, in this order.
const KINDS: &[Kind] = &[
    Kind { slim: slim_namespace, ..kind("v1", "Namespace", "namespaces") },
    Kind { slim: slim_node, optional: true, ..kind("v1", "Node", "nodes") },
    Kind { slim: slim_pod, ..kind("v1", "Pod", "pods") },
    Kind { slim: slim_service, ..kind("v1", "Service", "services") },
    kind("apps/v1", "Deployment", "deployments"),
    kind("apps/v1", "StatefulSet", "statefulsets"),
    kind("apps/v1", "DaemonSet", "daemonsets"),
    kind("apps/v1", "ReplicaSet", "replicasets"),
    kind("v1", "ReplicationController", "replicationcontrollers"),
    kind("batch/v1", "Job", "jobs"),
    kind("batch/v1", "CronJob", "cronjobs"),
    Kind { slim: slim_policy, ..kind("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies") },
    Kind {
        slim: slim_policy,
        optional: true,
        ..kind("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "adminnetworkpolicies")
    },
    Kind {
        slim: slim_policy,
        optional: true,
        ..kind("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies")
    },
    Kind {
        slim: slim_policy,
        optional: true,
        ..kind("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy", "clusternetworkpolicies")
    },
];

/// A connection to a cluster.
pub struct Cluster {
    runtime: tokio::runtime::Runtime,
    client: kube::Client,
    /// The kubeconfig context (`in-cluster` for a pod's service account).
    pub context: String,
}

fn cluster_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Io, message.into())
}

impl Cluster {
    /// Connects with the kubeconfig and context `args` name (or the in-cluster service
    /// account when `--cluster` is given and there is no kubeconfig).
    ///
    /// # Errors
    /// `NF-E020` when the kubeconfig cannot be read, has no such context, or its credentials
    /// cannot be loaded.
    pub fn connect(args: &ClusterArgs) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| cluster_error(format!("cannot start the client runtime: {e}")))?;
        let kubeconfig = match &args.kubeconfig {
            Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| {
                cluster_error(format!("cannot read the kubeconfig `{}`: {e}", path.display()))
                    .with_help("check the path given to `--kubeconfig`")
            })?),
            None => Kubeconfig::read().ok(),
        };
        let (config, context) = match kubeconfig {
            Some(kubeconfig) => {
                let context = args.context.clone().or_else(|| kubeconfig.current_context.clone()).ok_or_else(|| {
                    cluster_error("the kubeconfig has no current context").with_help("name one with `--context NAME`")
                })?;
                if !kubeconfig.contexts.iter().any(|c| c.name == context) {
                    let known: Vec<String> = kubeconfig.contexts.iter().map(|c| format!("`{}`", c.name)).collect();
                    return Err(cluster_error(format!("the kubeconfig has no context `{context}`")).with_help(
                        if known.is_empty() {
                            "the kubeconfig defines no context".to_owned()
                        } else {
                            format!("its contexts: {}", known.join(", "))
                        },
                    ));
                }
                let options = KubeConfigOptions { context: Some(context.clone()), ..KubeConfigOptions::default() };
                let config = runtime
                    .block_on(kube::Config::from_custom_kubeconfig(kubeconfig, &options))
                    .map_err(|e| cluster_error(format!("cannot use the context `{context}`: {e}")))?;
                (config, context)
            }
            None if args.context.is_some() => {
                return Err(cluster_error("no kubeconfig found ($KUBECONFIG, ~/.kube/config)")
                    .with_help("pass `--kubeconfig FILE`"));
            }
            None => {
                let config = kube::Config::incluster().map_err(|e| {
                    cluster_error(format!("no kubeconfig found and not in a pod: {e}"))
                        .with_help("pass `--kubeconfig FILE` or set $KUBECONFIG")
                })?;
                (config, "in-cluster".to_owned())
            }
        };
        let client = {
            let _entered = runtime.enter();
            kube::Client::try_from(config)
                .map_err(|e| cluster_error(format!("cannot make a client for `{context}`: {e}")))?
        };
        Ok(Self { runtime, client, context })
    }

    /// Runs a future of this cluster's client to completion.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The client (use it inside [`Cluster::block_on`]).
    #[must_use]
    pub fn client(&self) -> &kube::Client {
        &self.client
    }
}

/// What was read from a cluster.
pub struct ClusterRead {
    /// The context read.
    pub context: String,
    /// The `kind: List` documents, each at most [`CHUNK`] objects.
    pub documents: Vec<String>,
    /// Objects read per kind, in [`KINDS`] order (kinds with none left out).
    pub counts: Vec<(&'static str, usize)>,
    /// Kinds that could not be read and are optional (not served, forbidden).
    pub notes: Vec<String>,
}

impl ClusterRead {
    /// The documents as sources: `cluster:CONTEXT`, then `cluster:CONTEXT#2`, ...
    #[must_use]
    pub fn sources(&self) -> Vec<Source> {
        self.documents
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let name = if i == 0 {
                    format!("cluster:{}", self.context)
                } else {
                    format!("cluster:{}#{}", self.context, i + 1)
                };
                Source::named(name, text.clone())
            })
            .collect()
    }

    /// One line: what was read.
    #[must_use]
    pub fn summary(&self) -> String {
        let counts: Vec<String> = self.counts.iter().map(|(kind, n)| format!("{kind} {n}")).collect();
        format!(
            "read context `{}`: {}",
            self.context,
            if counts.is_empty() { "no objects".to_owned() } else { counts.join(", ") }
        )
    }

    /// The snapshot file: a comment naming the context and counts, then the documents as a
    /// YAML stream (each document is JSON; one document is a plain JSON file after the comment).
    #[must_use]
    pub fn snapshot(&self) -> String {
        let mut out = format!("# netfence snapshot: {}\n", self.summary().trim_start_matches("read "));
        for note in &self.notes {
            out.push_str(&format!("# note: {note}\n"));
        }
        for (i, document) in self.documents.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str(document);
        }
        out
    }
}

/// One page of a LIST.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Vec<Map<String, Value>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
    #[serde(default)]
    remaining_item_count: Option<u64>,
}

/// Builds the `kind: List` documents, one object per line (so the parser reads large lists on
/// several cores).
struct Writer {
    documents: Vec<String>,
    current: String,
    items: usize,
}

const LIST_START: &str = "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n";

impl Writer {
    fn new() -> Self {
        Self { documents: Vec::new(), current: String::from(LIST_START), items: 0 }
    }

    #[cfg(test)]
    fn push(&mut self, object: &Map<String, Value>) -> Result<(), Error> {
        self.push_line(&encode(object)?);
        Ok(())
    }

    /// Adds one object, already encoded as JSON on one line.
    fn push_line(&mut self, line: &str) {
        if self.items == CHUNK {
            self.close();
        }
        if self.items > 0 {
            self.current.push_str(",\n");
        }
        self.current.push_str(line);
        self.items += 1;
    }

    fn close(&mut self) {
        self.current.push_str("\n]}\n");
        self.documents.push(std::mem::replace(&mut self.current, String::from(LIST_START)));
        self.items = 0;
    }

    fn finish(mut self) -> Vec<String> {
        if self.items > 0 || self.documents.is_empty() {
            self.close();
        }
        self.documents
    }
}

fn encode(object: &Map<String, Value>) -> Result<String, Error> {
    serde_json::to_string(object)
        .map_err(|e| Error::new(ErrorCode::Output, format!("cannot encode a listed object: {e}")))
}

/// The collection path of a kind, across all namespaces.
fn collection(kind: &Kind) -> String {
    if kind.api_version.contains('/') {
        format!("/apis/{}/{}", kind.api_version, kind.plural)
    } else {
        format!("/api/{}/{}", kind.api_version, kind.plural)
    }
}

/// Why a LIST failed.
enum ListError {
    /// 404: the cluster does not serve the kind.
    NotServed,
    /// 403.
    Forbidden(String),
    /// 410: the continue token expired (the list changed too much while it was read).
    Expired,
    Other(String),
}

fn list_error(error: kube::Error) -> ListError {
    match error {
        kube::Error::Api(status) if status.code == 404 => ListError::NotServed,
        kube::Error::Api(status) if status.code == 403 => ListError::Forbidden(status.message),
        kube::Error::Api(status) if status.code == 410 => ListError::Expired,
        other => ListError::Other(error_chain(&other)),
    }
}

/// An error with its causes: `client error (Connect): tcp connect error: Connection refused`.
#[must_use]
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
        ProgressStyle::with_template("{spinner} reading {msg} {wide_bar} {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Lists one kind page by page: its slim objects, each encoded on one line.
async fn list_kind(
    client: &kube::Client,
    kind: &Kind,
    page_size: u32,
    bar: &ProgressBar,
) -> Result<Vec<String>, ListError> {
    let mut lines = Vec::new();
    let mut token: Option<String> = None;
    let mut count = 0usize;
    bar.set_message(kind.plural);
    bar.set_position(0);
    bar.set_length(0);
    loop {
        let mut params = kube::api::ListParams::default().limit(page_size.max(1));
        if let Some(token) = &token {
            params = params.continue_token(token);
        }
        let request =
            kube::core::Request::new(collection(kind)).list(&params).map_err(|e| ListError::Other(e.to_string()))?;
        let page: Page = client.request(request).await.map_err(list_error)?;
        let items = page.items.len();
        for item in page.items {
            let mut object = (kind.slim)(item);
            object.insert("apiVersion".to_owned(), Value::from(kind.api_version));
            object.insert("kind".to_owned(), Value::from(kind.kind));
            lines.push(encode(&sorted(object)).map_err(|e| ListError::Other(e.message.clone()))?);
        }
        count += items;
        let remaining = page.metadata.remaining_item_count.unwrap_or(0);
        bar.set_length(u64::try_from(count).unwrap_or(u64::MAX).saturating_add(remaining));
        bar.set_position(u64::try_from(count).unwrap_or(u64::MAX));
        match page.metadata.continue_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(lines),
        }
    }
}

/// `apiVersion`, `kind`, `metadata` first, the rest in its order: what a reader expects.
fn sorted(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ["apiVersion", "kind", "metadata"] {
        if let Some(value) = object.remove(key) {
            out.insert(key.to_owned(), value);
        }
    }
    out.extend(object);
    out
}

/// Reads every kind of [`KINDS`] from the cluster.
///
/// # Errors
/// `NF-E020` when a kind netfence needs cannot be listed.
pub fn read(cluster: &Cluster, page_size: u32) -> Result<ClusterRead, Error> {
    let bar = progress_bar();
    let result = cluster.block_on(async {
        let mut writer = Writer::new();
        let mut counts = Vec::new();
        let mut notes = Vec::new();
        for kind in KINDS {
            // a list whose continue token expires is read again from the start, once
            let mut attempts = 0;
            let outcome = loop {
                attempts += 1;
                match list_kind(cluster.client(), kind, page_size, &bar).await {
                    Err(ListError::Expired) if attempts < 2 => {}
                    Ok(lines) => {
                        for line in &lines {
                            writer.push_line(line);
                        }
                        break Ok(lines.len());
                    }
                    Err(e) => break Err(e),
                }
            };
            let what = format!("{} ({})", kind.plural, kind.api_version);
            match outcome {
                Ok(0) => {}
                Ok(n) => counts.push((kind.plural, n)),
                Err(ListError::NotServed) if kind.optional => notes.push(format!("the cluster does not serve {what}")),
                Err(ListError::Forbidden(m)) if kind.optional => notes.push(format!("cannot list {what}: {m}")),
                Err(ListError::NotServed) => return Err(cluster_error(format!("the cluster does not serve {what}"))),
                Err(ListError::Forbidden(m)) => {
                    return Err(cluster_error(format!("cannot list {what} in context `{}`: {m}", cluster.context))
                        .with_help("netfence needs to list it; ask for `list` on it cluster-wide"));
                }
                Err(ListError::Expired) => {
                    return Err(cluster_error(format!("the list of {what} changed too much while it was read"))
                        .with_help("read it again, or with a larger `--page-size`"));
                }
                Err(ListError::Other(m)) => {
                    return Err(cluster_error(format!("cannot list {what} in context `{}`: {m}", cluster.context))
                        .with_help("check that the cluster is reachable with this context"));
                }
            }
        }
        Ok(ClusterRead { context: cluster.context.clone(), documents: writer.finish(), counts, notes })
    });
    bar.finish_and_clear();
    result
}

/// Reads the cluster `args` name: its sources, with what was read on standard error.
///
/// # Errors
/// See [`Cluster::connect`] and [`read`].
pub fn read_sources(args: &ClusterArgs) -> Result<Vec<Source>, Error> {
    let cluster = Cluster::connect(args)?;
    let read = read(&cluster, args.page_size)?;
    report(&read);
    Ok(read.sources())
}

/// Prints what was read, and the notes, on standard error.
pub fn report(read: &ClusterRead) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", read.summary());
    for note in &read.notes {
        let _ = writeln!(err, "note: {note}");
    }
}

/// Keeps the entries of `map` whose keys `keep` accepts.
fn keep(mut map: Map<String, Value>, keys: &[&str]) -> Map<String, Value> {
    map.retain(|k, _| keys.contains(&k.as_str()));
    map
}

fn take_map(map: &mut Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
    match map.remove(key) {
        Some(Value::Object(inner)) => Some(inner),
        _ => None,
    }
}

/// `metadata` with the given keys (annotations, when kept, without kubectl's copy of the
/// last applied manifest).
fn slim_meta(object: &mut Map<String, Value>, keys: &[&str]) -> Option<Value> {
    let mut meta = keep(take_map(object, "metadata")?, keys);
    if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
        annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        if annotations.is_empty() {
            meta.remove("annotations");
        }
    }
    Some(Value::Object(meta))
}

const OBJECT_META: &[&str] = &["name", "namespace", "labels", "ownerReferences"];

fn slim_namespace(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(meta) = slim_meta(&mut object, &["name", "labels"]) {
        out.insert("metadata".to_owned(), meta);
    }
    out
}

fn slim_node(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = slim_namespace(object.clone());
    if let Some(addresses) = take_map(&mut object, "status").and_then(|mut s| s.remove("addresses")) {
        out.insert("status".to_owned(), Value::Object(Map::from_iter([("addresses".to_owned(), addresses)])));
    }
    out
}

/// `hostNetwork` and each container's `name` and `ports`.
fn slim_pod_spec(spec: Map<String, Value>) -> Map<String, Value> {
    let mut spec = keep(spec, &["hostNetwork", "containers", "initContainers"]);
    for key in ["containers", "initContainers"] {
        if let Some(Value::Array(containers)) = spec.get_mut(key) {
            for container in containers.iter_mut() {
                if let Value::Object(c) = container {
                    c.retain(|k, _| k == "name" || k == "ports");
                }
            }
        }
    }
    spec
}

fn slim_pod(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(meta) = slim_meta(&mut object, OBJECT_META) {
        out.insert("metadata".to_owned(), meta);
    }
    if let Some(spec) = take_map(&mut object, "spec") {
        out.insert("spec".to_owned(), Value::Object(slim_pod_spec(spec)));
    }
    if let Some(status) = take_map(&mut object, "status") {
        let status = keep(status, &["phase", "podIP", "podIPs"]);
        if !status.is_empty() {
            out.insert("status".to_owned(), Value::Object(status));
        }
    }
    out
}

fn slim_service(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(meta) = slim_meta(&mut object, &["name", "namespace", "labels"]) {
        out.insert("metadata".to_owned(), meta);
    }
    if let Some(spec) = take_map(&mut object, "spec") {
        let spec = keep(spec, &["type", "selector", "clusterIP", "clusterIPs", "ports"]);
        out.insert("spec".to_owned(), Value::Object(spec));
    }
    out
}

/// A pod template: its labels and slim pod spec.
fn slim_template(mut template: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(meta) = slim_meta(&mut template, &["labels"]) {
        out.insert("metadata".to_owned(), meta);
    }
    if let Some(spec) = take_map(&mut template, "spec") {
        out.insert("spec".to_owned(), Value::Object(slim_pod_spec(spec)));
    }
    out
}

/// A workload: metadata, `spec.selector` and the pod template (a CronJob's under
/// `spec.jobTemplate.spec`).
fn slim_workload(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(meta) = slim_meta(&mut object, OBJECT_META) {
        out.insert("metadata".to_owned(), meta);
    }
    let Some(mut spec) = take_map(&mut object, "spec") else { return out };
    let mut slim = Map::new();
    if let Some(selector) = spec.remove("selector") {
        slim.insert("selector".to_owned(), selector);
    }
    if let Some(template) = take_map(&mut spec, "template") {
        slim.insert("template".to_owned(), Value::Object(slim_template(template)));
    }
    if let Some(mut job) = take_map(&mut spec, "jobTemplate")
        && let Some(mut job_spec) = take_map(&mut job, "spec")
        && let Some(template) = take_map(&mut job_spec, "template")
    {
        let job_spec = Map::from_iter([("template".to_owned(), Value::Object(slim_template(template)))]);
        slim.insert(
            "jobTemplate".to_owned(),
            Value::Object(Map::from_iter([("spec".to_owned(), Value::Object(job_spec))])),
        );
    }
    out.insert("spec".to_owned(), Value::Object(slim));
    out
}

/// A policy: its metadata (with labels and annotations, which validation reads) and whole
/// `spec`; no `status`.
fn slim_policy(mut object: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(meta) = slim_meta(&mut object, &["name", "namespace", "labels", "annotations"]) {
        out.insert("metadata".to_owned(), meta);
    }
    if let Some(spec) = object.remove("spec") {
        out.insert("spec".to_owned(), spec);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(json: &str) -> Map<String, Value> {
        match serde_json::from_str(json) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_pod_keeps_what_netfence_reads() {
        let pod = object(
            r#"{"metadata": {"name": "p", "namespace": "ns", "uid": "u", "resourceVersion": "7",
                "labels": {"app": "a"}, "annotations": {"big": "x"}, "managedFields": [{"manager": "k"}],
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u"}]},
               "spec": {"hostNetwork": true, "volumes": [{"name": "v"}], "containers": [{"name": "c",
                "image": "nginx", "env": [{"name": "A"}], "ports": [{"name": "http", "containerPort": 80}]}]},
               "status": {"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}],
                "conditions": [{"type": "Ready"}], "containerStatuses": []}}"#,
        );
        let slim = Value::Object(slim_pod(pod));
        let expected = serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns", "labels": {"app": "a"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u"}]},
            "spec": {"hostNetwork": true, "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 80}]}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "podIPs": [{"ip": "10.0.0.1"}]}
        });
        assert_eq!(slim, expected);
    }

    #[test]
    fn a_cronjob_keeps_its_job_template() {
        let cronjob = object(
            r#"{"metadata": {"name": "c", "namespace": "ns"}, "spec": {"schedule": "* * * * *",
               "jobTemplate": {"metadata": {"labels": {"x": "y"}}, "spec": {"backoffLimit": 3,
               "template": {"metadata": {"labels": {"app": "j"}}, "spec": {"restartPolicy": "Never",
               "containers": [{"name": "j", "image": "busybox"}]}}}}}}"#,
        );
        let slim = Value::Object(slim_workload(cronjob));
        let expected = serde_json::json!({
            "metadata": {"name": "c", "namespace": "ns"},
            "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"app": "j"}},
                "spec": {"containers": [{"name": "j"}]}}}}}
        });
        assert_eq!(slim, expected);
    }

    #[test]
    fn a_policy_drops_server_metadata_and_the_last_applied_copy() {
        let policy = object(
            r#"{"metadata": {"name": "p", "namespace": "ns", "generation": 2, "annotations":
               {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"}},
               "spec": {"podSelector": {}}, "status": {}}"#,
        );
        let slim = Value::Object(slim_policy(policy));
        let expected = serde_json::json!({
            "metadata": {"name": "p", "namespace": "ns", "annotations": {"team": "a"}},
            "spec": {"podSelector": {}}
        });
        assert_eq!(slim, expected);
    }

    #[test]
    fn documents_hold_at_most_a_chunk_and_parse_as_lists() {
        let mut writer = Writer::new();
        for i in 0..CHUNK + 2 {
            let object =
                object(&format!(r#"{{"apiVersion": "v1", "kind": "Namespace", "metadata": {{"name": "n{i}"}}}}"#));
            assert!(writer.push(&object).is_ok());
        }
        let documents = writer.finish();
        assert_eq!(documents.len(), 2);
        let lengths: Vec<usize> = documents
            .iter()
            .map(|d| {
                serde_json::from_str::<Value>(d)
                    .ok()
                    .and_then(|v| v.get("items").and_then(Value::as_array).map(Vec::len))
                    .unwrap_or(0)
            })
            .collect();
        assert_eq!(lengths, [CHUNK, 2]);
    }
}
