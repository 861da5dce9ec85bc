//! `netfence apply PLAN_DIR --context NAME`: the deploy step of a plan `netfence plan` wrote.
//!
//! 1. Every object of every step is read from the cluster first (what was there before).
//! 2. Every step is sent as a server-side dry run (`dryRun=All`, field validation `Strict`):
//!    when the server rejects any object nothing is changed.
//! 3. The steps are applied in order with server-side apply (field manager `netfence`) or
//!    deleted. When the server rejects an object, the rollout stops and every object touched so
//!    far is restored to what it was before, in the safe order `netfence plan` gives (the plan
//!    from the cluster as it is now back to the objects read in 1), so no partial rollout is
//!    left behind.
//! 4. With `--watch-flows`, a Hubble JSON stream is read for `--window`: dropped flows the
//!    change explains (allowed by the cluster before, denied after: the `impact` logic) are
//!    counted, and over `--max-drops` the rollout is restored the same way.
//!
//! `--rollback` applies the plan's `rollback/` steps the same way.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, ValidationDirective};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use netfence::api::{self, ImpactRequest, PlanRequest, Source};
use netfence::flows::{FlowFormat, FlowIngester, IngestOptions};
use netfence::plan::StepAction;
use netfence::source::ParseOptions;
use netfence::{Error, ErrorCode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::live::{self, Cluster, ClusterArgs};

/// The field manager of every change `apply` makes.
pub const FIELD_MANAGER: &str = "netfence";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ApplyFormat {
    Text,
    Json,
}

/// `netfence apply`.
#[derive(Args)]
#[command(after_help = "Examples:
  netfence apply plan/ --context prod
  netfence apply plan/ --context prod --dry-run
  hubble observe --follow -o json | netfence apply plan/ --context prod --watch-flows - --window 10m
  netfence apply plan/ --context prod --rollback

Objects are applied with server-side apply, field manager `netfence`; deletions ignore objects already gone.
A rollout that fails part-way, or whose watched flows show more than --max-drops dropped connections the change
explains, is restored to what the cluster had before.

Exit codes: 0 applied (and the watch found nothing over the threshold); 1 nothing applied (the dry run was \
rejected) or the rollout was restored (a step failed, or the watch rolled it back); 2 usage or input error, the \
cluster cannot be reached, or a restore failed.")]
pub struct ApplyArgs {
    /// The plan directory `netfence plan --out` wrote.
    plan: PathBuf,
    /// Apply the plan's rollback (`PLAN/rollback/`) instead of its steps.
    #[arg(long)]
    rollback: bool,
    /// Only the server-side dry run of every step: nothing changes.
    #[arg(long)]
    dry_run: bool,
    /// Take over fields another field manager owns (server-side apply's force).
    #[arg(long)]
    force_conflicts: bool,
    /// After the rollout, read a Hubble JSON flow stream (`hubble observe --follow -o json`, a
    /// file or `-` for stdin) and roll back when it shows dropped flows the change explains.
    #[arg(long, value_name = "FLOWS")]
    watch_flows: Option<PathBuf>,
    /// How long to watch the flows: `90s`, `5m`, `1h` or seconds.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    window: Duration,
    /// Roll back when the change explains more than N dropped connections in the window.
    #[arg(long, value_name = "N", default_value_t = 0)]
    max_drops: u64,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
    format: ApplyFormat,
}

/// `90s`, `5m`, `1h`, `2h30m` or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(format!("`{text}` is not a duration: use e.g. `90s`, `5m` or `1h`")),
        };
        let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration: a number must precede `{c}`"))?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() || text.is_empty() {
        return Err(format!("`{text}` is not a duration: end it with `s`, `m` or `h`"));
    }
    Ok(Duration::from_secs(total))
}

/// One object of a step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectRef {
    api_version: String,
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// A step of the plan directory.
struct Step {
    file: String,
    action: StepAction,
    objects: Vec<(ObjectRef, Value)>,
}

fn input_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Io, message.into())
}

/// `NN-apply-….yaml` / `NN-delete-….yaml`: the action, or `None` for another file.
fn step_action(name: &str) -> Option<StepAction> {
    let rest = name.strip_suffix(".yaml")?;
    let (number, rest) = rest.split_once('-')?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if rest.starts_with("apply-") {
        Some(StepAction::Apply)
    } else if rest.starts_with("delete-") {
        Some(StepAction::Delete)
    } else {
        None
    }
}

/// Reads the numbered step files of `dir`, in order.
fn load_steps(dir: &Path, options: &ParseOptions) -> Result<Vec<Step>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        input_error(format!("cannot read the plan directory `{}`: {e}", dir.display()))
            .with_help("pass the directory `netfence plan --out DIR` wrote")
    })?;
    let mut files: Vec<(String, StepAction)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            step_action(&name).map(|action| (name, action))
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut steps = Vec::new();
    for (file, action) in files {
        let path = dir.join(&file);
        let source = crate::input::read_file(&path)?;
        let parsed = netfence::source::parse_text(&source.text, &source.name, options)?;
        if let Some(error) = parsed.errors.into_iter().next() {
            return Err(error);
        }
        let mut objects = Vec::new();
        for document in parsed.documents {
            let object = document.root.to_json();
            let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
            let (Some(api_version), Some(kind), Some(name)) =
                (text("/apiVersion"), text("/kind"), text("/metadata/name"))
            else {
                return Err(input_error(format!(
                    "document {} of `{}` has no apiVersion, kind or metadata.name",
                    document.index + 1,
                    path.display()
                )));
            };
            let reference = ObjectRef { api_version, kind, namespace: text("/metadata/namespace"), name };
            objects.push((reference, object));
        }
        steps.push(Step { file, action, objects });
    }
    Ok(steps)
}

/// What happened to one object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectResult {
    #[serde(flatten)]
    object: ObjectRef,
    /// `accepted` (dry run), `created`, `configured`, `unchanged`, `deleted`, `absent`,
    /// `rejected`.
    result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StepResult {
    file: String,
    action: StepAction,
    objects: Vec<ObjectResult>,
}

/// A dropped flow the change explains.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ExplainedDrop {
    src: String,
    dst: String,
    protocol: String,
    port: u16,
    dropped: u64,
    denied_by: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct WatchReport {
    window_seconds: u64,
    /// Flow records read.
    records: u64,
    /// Whether the stream ended before the window did.
    stream_ended: bool,
    /// Dropped connections the change explains.
    explained_drops: u64,
    max_drops: u64,
    drops: Vec<ExplainedDrop>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RestoreReport {
    /// Why: `step failed` or `dropped flows`.
    reason: String,
    /// The restore's steps (the plan from the cluster now back to before).
    steps: Vec<StepResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The report of `netfence apply`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplyReport {
    context: String,
    plan: String,
    rollback: bool,
    /// `applied`, `dry-run`, `rejected`, `restored`, `rolled-back`, `restore-failed`, `nothing-to-do`.
    outcome: String,
    dry_run: Vec<StepResult>,
    steps: Vec<StepResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    watch: Option<WatchReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    restore: Option<RestoreReport>,
}

/// The server's API for objects of one kind, found by discovery and cached.
struct Apis<'c> {
    cluster: &'c Cluster,
    resources: HashMap<(String, String), Result<(ApiResource, bool), String>>,
}

impl<'c> Apis<'c> {
    fn new(cluster: &'c Cluster) -> Self {
        Self { cluster, resources: HashMap::new() }
    }

    /// The API of `object`'s kind in its namespace (`Ok(Err(why))` when the server does not
    /// serve it); `Err` when the server cannot be reached.
    async fn api(&mut self, object: &ObjectRef) -> Result<Result<Api<DynamicObject>, String>, String> {
        let key = (object.api_version.clone(), object.kind.clone());
        if !self.resources.contains_key(&key) {
            let (group, version) = object.api_version.rsplit_once('/').unwrap_or(("", &object.api_version));
            let gvk = GroupVersionKind::gvk(group, version, &object.kind);
            let found = match kube::discovery::pinned_kind(self.cluster.client(), &gvk).await {
                Ok((resource, caps)) => Ok((resource, caps.scope == Scope::Namespaced)),
                Err(e @ (kube::Error::Api(_) | kube::Error::Discovery(_))) => {
                    Err(format!("the cluster does not serve {} {}: {}", object.api_version, object.kind, brief(&e)))
                }
                Err(e) => {
                    return Err(format!(
                        "cannot reach the cluster of context `{}`: {}",
                        self.cluster.context,
                        brief(&e)
                    ));
                }
            };
            self.resources.insert(key.clone(), found);
        }
        let client = self.cluster.client().clone();
        Ok(match self.resources.get(&key) {
            Some(Ok((resource, true))) => {
                Ok(Api::namespaced_with(client, object.namespace.as_deref().unwrap_or("default"), resource))
            }
            Some(Ok((resource, false))) => Ok(Api::all_with(client, resource)),
            Some(Err(e)) => Err(e.clone()),
            None => Err("discovery failed".to_owned()),
        })
    }
}

/// The server's message of an error, without the client's wrapping.
fn brief(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) => {
            let causes: Vec<String> = status
                .details
                .iter()
                .flat_map(|d| &d.causes)
                .filter(|c| !c.field.is_empty() && !status.message.contains(&c.field))
                .map(|c| format!("{}: {}", c.field, c.message))
                .collect();
            if causes.is_empty() {
                status.message.clone()
            } else {
                format!("{} ({})", status.message, causes.join("; "))
            }
        }
        other => crate::live::error_chain(other),
    }
}

fn is_not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 404)
}

fn resource_version(object: &Value) -> Option<&str> {
    object.pointer("/metadata/resourceVersion").and_then(Value::as_str)
}

/// Applies (server-side) or deletes one object; `before` is what the cluster had.
async fn change(
    apis: &mut Apis<'_>,
    action: StepAction,
    object: &ObjectRef,
    manifest: &Value,
    before: Option<&Value>,
    dry_run: bool,
    force: bool,
) -> ObjectResult {
    let result = |result: &str, message: Option<String>| ObjectResult {
        object: object.clone(),
        result: result.to_owned(),
        message,
    };
    let api = match apis.api(object).await {
        Ok(Ok(api)) => api,
        Ok(Err(e)) | Err(e) => return result("rejected", Some(e)),
    };
    match action {
        StepAction::Apply => {
            let params = PatchParams {
                dry_run,
                force,
                field_manager: Some(FIELD_MANAGER.to_owned()),
                field_validation: Some(ValidationDirective::Strict),
            };
            match api.patch(&object.name, &params, &Patch::Apply(manifest)).await {
                Ok(_) if dry_run => result("accepted", None),
                Ok(applied) => {
                    let after = serde_json::to_value(&applied).unwrap_or_default();
                    match before {
                        None => result("created", None),
                        Some(b) if resource_version(b) == resource_version(&after) => result("unchanged", None),
                        Some(_) => result("configured", None),
                    }
                }
                Err(e) => result("rejected", Some(brief(&e))),
            }
        }
        StepAction::Delete => {
            let params = DeleteParams { dry_run, ..DeleteParams::default() };
            match api.delete(&object.name, &params).await {
                Ok(_) if dry_run => result("accepted", None),
                Ok(_) => result("deleted", None),
                Err(e) if is_not_found(&e) => result("absent", None),
                Err(e) => result("rejected", Some(brief(&e))),
            }
        }
    }
}

/// Reads every object of the steps: what the cluster has (`None`: absent).
async fn capture(apis: &mut Apis<'_>, refs: &[ObjectRef]) -> Result<HashMap<ObjectRef, Option<Value>>, Error> {
    let mut out = HashMap::new();
    for object in refs {
        let current = match apis.api(object).await {
            Err(e) => return Err(input_error(e).with_help("check that the cluster is reachable with this context")),
            // a kind the server does not serve has no object; the dry run reports it
            Ok(Err(_)) => None,
            Ok(Ok(api)) => match api.get_opt(&object.name).await {
                Ok(found) => found.map(|o| serde_json::to_value(&o).unwrap_or_default()),
                Err(e) => return Err(input_error(format!("cannot read {object}: {}", brief(&e)))),
            },
        };
        out.insert(object.clone(), current);
    }
    Ok(out)
}

fn rejected(step: &StepResult) -> bool {
    step.objects.iter().any(|o| o.result == "rejected")
}

/// One text source holding `objects` as a `kind: List`.
fn list_source(name: &str, objects: Vec<Value>) -> Source {
    let text = json!({"apiVersion": "v1", "kind": "List", "items": objects}).to_string();
    Source::named(name, text)
}

/// Restores `touched` to `before`: the plan from what the cluster has now back to `before`,
/// applied step by step with force (restoring takes back every field the rollout took).
async fn restore(
    apis: &mut Apis<'_>,
    touched: &[ObjectRef],
    before: &HashMap<ObjectRef, Option<Value>>,
    options: &ParseOptions,
    reason: &str,
) -> RestoreReport {
    let mut report = RestoreReport { reason: reason.to_owned(), steps: Vec::new(), error: None };
    let now = match capture(apis, touched).await {
        Ok(now) => now,
        Err(e) => {
            report.error = Some(e.message);
            return report;
        }
    };
    let is_policy = |o: &ObjectRef| o.kind == "NetworkPolicy" && o.api_version == "networking.k8s.io/v1";
    let mut base = Vec::new();
    let mut head = Vec::new();
    // other kinds than NetworkPolicy: put back directly, after the policies
    let mut others: Vec<(StepAction, ObjectRef, Value)> = Vec::new();
    for object in touched {
        let old = before.get(object).cloned().flatten();
        let current = now.get(object).cloned().flatten();
        if is_policy(object) {
            base.extend(current);
            head.extend(old);
        } else {
            match (old, current) {
                (Some(old), _) => others.push((StepAction::Apply, object.clone(), old)),
                (None, Some(current)) => others.push((StepAction::Delete, object.clone(), current)),
                (None, None) => {}
            }
        }
    }
    let request = PlanRequest {
        base: vec![list_source("cluster now", base)],
        head: vec![list_source("cluster before", head)],
        options: options.clone(),
    };
    let plan = match api::plan(&request) {
        Ok(plan) => plan,
        Err(e) => {
            report.error = Some(format!("cannot plan the restore: {}", e.message));
            return report;
        }
    };
    let mut steps: Vec<Step> = Vec::new();
    for step in &plan.steps {
        let parsed = match netfence::source::parse_text(&step.yaml, &step.file, options) {
            Ok(parsed) => parsed,
            Err(e) => {
                report.error = Some(format!("cannot read the restore step `{}`: {}", step.file, e.message));
                return report;
            }
        };
        let objects = parsed
            .documents
            .iter()
            .map(|d| d.root.to_json())
            .filter_map(|object| {
                let reference = touched.iter().find(|r| {
                    object.pointer("/metadata/name").and_then(Value::as_str) == Some(r.name.as_str())
                        && object.pointer("/metadata/namespace").and_then(Value::as_str) == r.namespace.as_deref()
                        && is_policy(r)
                })?;
                Some((reference.clone(), object))
            })
            .collect();
        steps.push(Step { file: step.file.clone(), action: step.action, objects });
    }
    if !others.is_empty() {
        let (applies, deletes): (Vec<_>, Vec<_>) = others.into_iter().partition(|(a, _, _)| *a == StepAction::Apply);
        let strip = |(_, r, v): (StepAction, ObjectRef, Value)| (r, manifest_of(&v));
        if !applies.is_empty() {
            let objects = applies.into_iter().map(strip).collect();
            steps.push(Step { file: "restore-other-kinds".to_owned(), action: StepAction::Apply, objects });
        }
        if !deletes.is_empty() {
            let objects = deletes.into_iter().map(strip).collect();
            steps.push(Step { file: "delete-other-kinds".to_owned(), action: StepAction::Delete, objects });
        }
    }
    for Step { file, action, objects } in steps {
        let mut result = StepResult { file, action, objects: Vec::new() };
        for (object, manifest) in &objects {
            let current = now.get(object).cloned().flatten();
            result.objects.push(change(apis, action, object, manifest, current.as_ref(), false, true).await);
        }
        let failed = rejected(&result);
        report.steps.push(result);
        if failed {
            report.error = Some("the server rejected a restore step".to_owned());
            return report;
        }
    }
    report
}

/// An object as the cluster returned it, without what the server sets: what server-side apply
/// takes back.
fn manifest_of(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["resourceVersion", "uid", "managedFields", "creationTimestamp", "generation", "selfLink"] {
            meta.remove(key);
        }
    }
    object
}

/// `netfence apply`.
pub fn apply(args: &ApplyArgs, options: ParseOptions, cluster_args: &ClusterArgs) -> Result<(String, u8), Error> {
    if !cluster_args.wanted() {
        return Err(Error::new(ErrorCode::InvalidRequest, "`apply` needs a cluster")
            .with_help("name it with `--context NAME` (or `--cluster` for the kubeconfig's current context)"));
    }
    if args.watch_flows.is_some() && args.dry_run {
        return Err(Error::new(ErrorCode::InvalidRequest, "`--watch-flows` watches a rollout; `--dry-run` makes none")
            .with_help("leave out one of them"));
    }
    let dir = if args.rollback { args.plan.join("rollback") } else { args.plan.clone() };
    let steps = load_steps(&dir, &options)?;
    let cluster = Cluster::connect(cluster_args)?;
    let mut report = ApplyReport {
        context: cluster.context.clone(),
        plan: dir.display().to_string(),
        rollback: args.rollback,
        outcome: String::new(),
        dry_run: Vec::new(),
        steps: Vec::new(),
        watch: None,
        restore: None,
    };
    if steps.iter().all(|s| s.objects.is_empty()) {
        report.outcome = "nothing-to-do".to_owned();
        return finish(args, &report);
    }
    let base = if args.watch_flows.is_some() { Some(live::read(&cluster, cluster_args.page_size)?) } else { None };
    let refs: Vec<ObjectRef> = steps.iter().flat_map(|s| s.objects.iter().map(|(r, _)| r.clone())).collect();
    let mut apis = Apis::new(&cluster);
    let before = cluster.block_on(capture(&mut apis, &refs))?;
    // 1. the dry run of every step
    cluster.block_on(async {
        for step in &steps {
            let mut result = StepResult { file: step.file.clone(), action: step.action, objects: Vec::new() };
            for (object, manifest) in &step.objects {
                let was = before.get(object).cloned().flatten();
                result.objects.push(
                    change(&mut apis, step.action, object, manifest, was.as_ref(), true, args.force_conflicts).await,
                );
            }
            report.dry_run.push(result);
        }
    });
    if report.dry_run.iter().any(rejected) {
        report.outcome = "rejected".to_owned();
        return finish(args, &report);
    }
    if args.dry_run {
        report.outcome = "dry-run".to_owned();
        return finish(args, &report);
    }
    // 2. step by step; on a rejection, restore what was touched
    let mut touched: Vec<ObjectRef> = Vec::new();
    let failed = cluster.block_on(async {
        for step in &steps {
            let mut result = StepResult { file: step.file.clone(), action: step.action, objects: Vec::new() };
            for (object, manifest) in &step.objects {
                let was = before.get(object).cloned().flatten();
                touched.push(object.clone());
                let done =
                    change(&mut apis, step.action, object, manifest, was.as_ref(), false, args.force_conflicts).await;
                let stop = done.result == "rejected";
                result.objects.push(done);
                if stop {
                    report.steps.push(result);
                    return true;
                }
            }
            report.steps.push(result);
        }
        false
    });
    if failed {
        let restored = cluster.block_on(restore(&mut apis, &touched, &before, &options, "step failed"));
        report.outcome = if restored.error.is_some() { "restore-failed" } else { "restored" }.to_owned();
        report.restore = Some(restored);
        return finish(args, &report);
    }
    report.outcome = "applied".to_owned();
    // 3. the watch
    if let (Some(flows), Some(base)) = (&args.watch_flows, base) {
        let head = live::read(&cluster, cluster_args.page_size)?;
        let watch = watch(flows, args, &base.sources(), &head.sources(), &options)?;
        let over = watch.explained_drops > args.max_drops;
        report.watch = Some(watch);
        if over {
            let restored = cluster.block_on(restore(&mut apis, &touched, &before, &options, "dropped flows"));
            report.outcome = if restored.error.is_some() { "restore-failed" } else { "rolled-back" }.to_owned();
            report.restore = Some(restored);
        }
    }
    finish(args, &report)
}

/// Reads the flow stream for the window (or until it ends), evaluating every couple of seconds
/// what the change explains; stops early once over the threshold.
fn watch(
    flows: &Path,
    args: &ApplyArgs,
    base: &[Source],
    head: &[Source],
    options: &ParseOptions,
) -> Result<WatchReport, Error> {
    let (sender, receiver) = mpsc::channel::<String>();
    let name = flows.display().to_string();
    let reader: Box<dyn BufRead + Send> = if flows.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(flows)
            .map_err(|e| input_error(format!("cannot read `{name}`: {e}")).with_help("check the path"))?;
        Box::new(std::io::BufReader::new(file))
    };
    // the reader blocks on a follow stream: it runs on its own thread, left behind at the end
    std::thread::spawn(move || {
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if sender.send(line).is_err() {
                return;
            }
        }
    });
    let mut report =
        WatchReport { window_seconds: args.window.as_secs(), max_drops: args.max_drops, ..WatchReport::default() };
    let deadline = Instant::now() + args.window;
    let mut batch = String::new();
    let mut last = Instant::now();
    let mut drops: HashMap<(String, String, String, u16), ExplainedDrop> = HashMap::new();
    loop {
        let now = Instant::now();
        let wait = deadline.saturating_duration_since(now).min(Duration::from_secs(2));
        let ended = match receiver.recv_timeout(wait) {
            Ok(line) => {
                batch.push_str(&line);
                batch.push('\n');
                false
            }
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            Err(mpsc::RecvTimeoutError::Disconnected) => true,
        };
        let over_time = Instant::now() >= deadline;
        if !batch.is_empty() && (ended || over_time || last.elapsed() >= Duration::from_secs(2)) {
            report.records += evaluate(&std::mem::take(&mut batch), &name, base, head, options, &mut drops)?;
            report.explained_drops = drops.values().map(|d| d.dropped).sum();
            last = Instant::now();
        }
        if ended {
            report.stream_ended = true;
        }
        if ended || over_time || report.explained_drops > args.max_drops {
            break;
        }
    }
    let mut list: Vec<ExplainedDrop> = drops.into_values().collect();
    list.sort_by(|a, b| (&a.src, &a.dst, a.port).cmp(&(&b.src, &b.dst, b.port)));
    report.drops = list;
    Ok(report)
}

/// The dropped flows of one batch of the stream that the change explains (the cluster before
/// allows them, after denies them), added to `drops`; returns the records read.
fn evaluate(
    text: &str,
    name: &str,
    base: &[Source],
    head: &[Source],
    options: &ParseOptions,
    drops: &mut HashMap<(String, String, String, u16), ExplainedDrop>,
) -> Result<u64, Error> {
    let mut ingester = FlowIngester::new(&IngestOptions::default());
    ingester.read_str(text, FlowFormat::Hubble, name);
    let log = ingester.finish();
    let records = log.report().records;
    let request = ImpactRequest {
        base: base.to_vec(),
        head: head.to_vec(),
        flows: Vec::new(),
        options: options.clone(),
        engine: netfence::engine::EngineOptions::default(),
        ingest: IngestOptions::default(),
        format: None,
    };
    let response = api::impact_with_log(&request, &log)?;
    for group in &response.impact.newly_denied {
        for flow in &group.flows {
            let dropped = flow.counts.verdicts.dropped;
            if dropped == 0 {
                continue;
            }
            let protocol = format!("{:?}", flow.protocol).to_uppercase();
            let key = (group.src.clone(), group.dst.clone(), protocol.clone(), flow.port);
            let entry = drops.entry(key).or_insert_with(|| ExplainedDrop {
                src: group.src.clone(),
                dst: group.dst.clone(),
                protocol,
                port: flow.port,
                dropped: 0,
                denied_by: flow.denied_by.iter().flat_map(|s| s.policies.iter().cloned()).collect(),
            });
            entry.dropped += dropped;
        }
    }
    Ok(records)
}

fn finish(args: &ApplyArgs, report: &ApplyReport) -> Result<(String, u8), Error> {
    let code = match report.outcome.as_str() {
        "applied" | "dry-run" | "nothing-to-do" => 0,
        "restore-failed" => 2,
        _ => 1,
    };
    let text = match args.format {
        ApplyFormat::Json => crate::to_json(report)?,
        ApplyFormat::Text => text(report),
    };
    Ok((text, code))
}

fn counts(step: &StepResult) -> String {
    let mut by: Vec<(String, usize)> = Vec::new();
    for o in &step.objects {
        match by.iter_mut().find(|(r, _)| *r == o.result) {
            Some((_, n)) => *n += 1,
            None => by.push((o.result.clone(), 1)),
        }
    }
    by.iter().map(|(r, n)| format!("{n} {r}")).collect::<Vec<_>>().join(", ")
}

fn step_lines(out: &mut String, steps: &[StepResult], indent: &str) {
    for step in steps {
        let _ = writeln!(out, "{indent}{}: {}", step.file, counts(step));
        for o in step.objects.iter().filter(|o| o.message.is_some()) {
            let _ = writeln!(out, "{indent}  {} {}: {}", o.result, o.object, o.message.as_deref().unwrap_or(""));
        }
    }
}

fn text(report: &ApplyReport) -> String {
    let mut out = String::new();
    let what = if report.rollback { "rollback of" } else { "plan" };
    let _ = writeln!(out, "context `{}`, {what} `{}`", report.context, report.plan);
    if report.outcome == "nothing-to-do" {
        out.push_str("nothing to apply: the plan has no step\n");
        return out;
    }
    if report.dry_run.iter().any(rejected) {
        out.push_str("dry run: the server rejects the plan; nothing was changed\n");
        step_lines(&mut out, &report.dry_run, "  ");
        return out;
    }
    let objects: usize = report.dry_run.iter().map(|s| s.objects.len()).sum();
    let _ = writeln!(out, "dry run: the server accepts all {} steps ({objects} objects)", report.dry_run.len());
    if report.outcome == "dry-run" {
        out.push_str("nothing was changed (--dry-run)\n");
        return out;
    }
    step_lines(&mut out, &report.steps, "");
    if let Some(watch) = &report.watch {
        let _ = writeln!(
            out,
            "watched {} flow records for {}{}: {} dropped connections the change explains (--max-drops {})",
            watch.records,
            if watch.stream_ended { "until the stream ended, at most " } else { "" },
            human(watch.window_seconds),
            watch.explained_drops,
            watch.max_drops
        );
        for d in &watch.drops {
            let _ = writeln!(
                out,
                "  {} -> {} {} {}: {} dropped (denied by {})",
                d.src,
                d.dst,
                d.protocol,
                d.port,
                d.dropped,
                if d.denied_by.is_empty() { "default deny".to_owned() } else { d.denied_by.join(", ") }
            );
        }
    }
    if let Some(restore) = &report.restore {
        let why = if restore.reason == "step failed" {
            "a step failed"
        } else {
            "the change explains dropped flows over the threshold"
        };
        match &restore.error {
            None => {
                let _ =
                    writeln!(out, "{why}: restored every object the rollout touched to what the cluster had before");
            }
            Some(e) => {
                let _ = writeln!(
                    out,
                    "{why}, and the restore failed: {e}\nthe cluster may hold part of the rollout: check it, then run \
                     `netfence apply {} --rollback`",
                    report.plan
                );
            }
        }
        step_lines(&mut out, &restore.steps, "  restore ");
    } else {
        let _ = writeln!(out, "applied {} steps", report.steps.len());
    }
    out
}

fn human(seconds: u64) -> String {
    if seconds >= 60 && seconds.is_multiple_of(60) { format!("{}m", seconds / 60) } else { format!("{seconds}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5m3").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn step_files() {
        assert_eq!(step_action("01-apply-allowances.yaml"), Some(StepAction::Apply));
        assert_eq!(step_action("04-delete-allowances.yaml"), Some(StepAction::Delete));
        assert_eq!(step_action("README.md"), None);
        assert_eq!(step_action("x1-apply-a.yaml"), None);
        assert_eq!(step_action("01-patch-a.yaml"), None);
    }
}
