//! The synthetic cluster as a real user feeds it: `kubectl get namespaces,pods,deployments,
//! networkpolicies -A -o json` (or `-o yaml`) of a live cluster, with every field the API
//! server returns — `managedFields`, `status` with conditions and container statuses, `env`,
//! probes, resources, volumes, tolerations — about 11 KB a pod as kubectl indents it.
//!
//! The objects and their labels, ports and policies are those of [`super::generate`] with the
//! same configuration, so both inputs give the same connectivity; only what netfence does not
//! read is added. Keys are sorted as kubectl prints them; JSON is indented with four spaces
//! (or compact), YAML as kubectl writes it. Written object by object: a 1.6 GB dump is never in
//! memory.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Rng, SynthConfig, generate};
use crate::source::{ParseOptions, parse_text};

/// How the dump is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpFormat {
    /// `kubectl get -o json`: four-space indentation.
    Json,
    /// The same List as compact JSON (one line).
    JsonCompact,
    /// `kubectl get -o yaml`.
    Yaml,
    /// A compact List of slim objects, as a script that keeps only what a policy tool reads
    /// writes it: pods with name, namespace, labels, owner references, containers' names and
    /// ports, `hostNetwork`, phase and pod IPs; namespaces with name and labels; the rest whole.
    SlimCompact,
}

/// Writes the cluster of `config` as one `kind: List`, in `format`.
///
/// # Errors
/// When writing fails.
pub fn kubectl_dump(config: &SynthConfig, format: DumpFormat, out: &mut dyn Write) -> io::Result<()> {
    let text = generate(config);
    let options = ParseOptions { max_input_bytes: usize::MAX, max_documents: usize::MAX, ..ParseOptions::default() };
    let parsed = parse_text(&text, "synth.yaml", &options).map_err(|e| io::Error::other(e.message))?;
    let mut rng = Rng(config.seed ^ 0x006b_7562_6563_746c);
    let items = parsed.documents.iter().enumerate().map(|(i, d)| realistic(sorted(d.root.to_json()), i, &mut rng));
    let slim = format == DumpFormat::SlimCompact;
    let items = items.map(|item| if slim { slim_object(item) } else { item });
    match format {
        DumpFormat::Json | DumpFormat::JsonCompact | DumpFormat::SlimCompact => {
            let pretty = format == DumpFormat::Json;
            let (nl, ind, sep) = if pretty { ("\n", "    ", ": ") } else { ("", "", ":") };
            write!(out, "{{{nl}{ind}\"apiVersion\"{sep}\"v1\",{nl}{ind}\"items\"{sep}[{nl}")?;
            let mut first = true;
            for item in items {
                if !first {
                    write!(out, ",{nl}")?;
                }
                first = false;
                if pretty {
                    write_indented(out, &item, 2)?;
                } else {
                    serde_json::to_writer(&mut *out, &item)?;
                }
            }
            let close = format!(
                "{nl}{ind}],{nl}{ind}\"kind\"{sep}\"List\",{nl}{ind}\"metadata\"{sep}{{{nl}{ind}{ind}\"resourceVersion\"{sep}\"\"{nl}{ind}}}{nl}}}{nl}"
            );
            out.write_all(close.as_bytes())
        }
        DumpFormat::Yaml => {
            out.write_all(b"apiVersion: v1\nitems:\n")?;
            for item in items {
                let yaml = crate::source::to_yaml(&item);
                for (i, line) in yaml.lines().enumerate() {
                    let prefix = if i == 0 { "- " } else { "  " };
                    writeln!(out, "{prefix}{line}")?;
                }
            }
            out.write_all(b"kind: List\nmetadata:\n  resourceVersion: \"\"\n")
        }
    }
}

/// What a slim List keeps of an object ([`DumpFormat::SlimCompact`]).
fn slim_object(object: Value) -> Value {
    let pick = |value: Option<&Value>, keys: &[&str]| -> Map<String, Value> {
        let mut out = Map::new();
        if let Some(Value::Object(map)) = value {
            for key in keys {
                if let Some(v) = map.get(*key) {
                    out.insert((*key).to_owned(), v.clone());
                }
            }
        }
        out
    };
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    match kind.as_str() {
        "Pod" => {
            let metadata = pick(object.get("metadata"), &["name", "namespace", "labels", "ownerReferences"]);
            let spec = object.get("spec");
            let containers: Vec<Value> = spec
                .and_then(|s| s.get("containers"))
                .and_then(Value::as_array)
                .map(|cs| cs.iter().map(|c| Value::Object(pick(Some(c), &["name", "ports"]))).collect())
                .unwrap_or_default();
            let mut spec_out = Map::new();
            spec_out.insert("containers".to_owned(), Value::Array(containers));
            if spec.and_then(|s| s.get("hostNetwork")) == Some(&Value::Bool(true)) {
                spec_out.insert("hostNetwork".to_owned(), Value::Bool(true));
            }
            let status = pick(object.get("status"), &["phase", "podIP", "podIPs"]);
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec_out, "status": status})
        }
        "Namespace" => {
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": pick(object.get("metadata"), &["name", "labels"])})
        }
        _ => object,
    }
}

/// `value` as Go's `json.MarshalIndent(v, "", "    ")` writes it, starting `depth` levels in.
fn write_indented(out: &mut dyn Write, value: &Value, depth: usize) -> io::Result<()> {
    let pad = |d: usize| "    ".repeat(d);
    match value {
        Value::Object(map) if !map.is_empty() => {
            writeln!(out, "{}{{", pad(depth))?;
            let last = map.len() - 1;
            for (i, (k, v)) in map.iter().enumerate() {
                write!(out, "{}{}: ", pad(depth + 1), serde_json::to_string(k)?)?;
                write_value(out, v, depth + 1)?;
                out.write_all(if i == last { b"\n" } else { b",\n" })?;
            }
            write!(out, "{}}}", pad(depth))
        }
        other => {
            out.write_all(pad(depth).as_bytes())?;
            write_value(out, other, depth)
        }
    }
}

/// A value after its key (no leading indentation), nested levels indented from `depth`.
fn write_value(out: &mut dyn Write, value: &Value, depth: usize) -> io::Result<()> {
    let pad = |d: usize| "    ".repeat(d);
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.write_all(b"{\n")?;
            let last = map.len() - 1;
            for (i, (k, v)) in map.iter().enumerate() {
                write!(out, "{}{}: ", pad(depth + 1), serde_json::to_string(k)?)?;
                write_value(out, v, depth + 1)?;
                out.write_all(if i == last { b"\n" } else { b",\n" })?;
            }
            write!(out, "{}}}", pad(depth))
        }
        Value::Array(items) if !items.is_empty() => {
            out.write_all(b"[\n")?;
            let last = items.len() - 1;
            for (i, v) in items.iter().enumerate() {
                out.write_all(pad(depth + 1).as_bytes())?;
                write_value(out, v, depth + 1)?;
                out.write_all(if i == last { b"\n" } else { b",\n" })?;
            }
            write!(out, "{}]", pad(depth))
        }
        other => serde_json::to_writer(&mut *out, other).map_err(io::Error::from),
    }
}

/// Every mapping's keys in byte order, as kubectl prints them.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Inserts `key: value` keeping the keys sorted.
fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.insert(key.to_owned(), value);
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    map.extend(entries);
}

fn time(rng: &mut Rng) -> String {
    format!(
        "2026-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        1 + rng.below(11),
        1 + rng.below(27),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

fn uid(rng: &mut Rng) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The object with what the API server adds to it; `index` makes resource versions distinct.
fn realistic(mut object: Value, index: usize, rng: &mut Rng) -> Value {
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default().to_owned();
    let created = time(rng);
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        put(meta, "creationTimestamp", json!(created));
        put(meta, "resourceVersion", json!(format!("{}", 100_000 + index)));
        put(meta, "uid", json!(uid(rng)));
        if kind == "Namespace" {
            let name = meta.get("name").cloned().unwrap_or(Value::Null);
            let labels = meta.entry("labels").or_insert_with(|| json!({}));
            if let Some(labels) = labels.as_object_mut() {
                put(labels, "kubernetes.io/metadata.name", name);
            }
        }
    }
    if kind == "Pod" {
        pod(&mut object, &created, rng);
        return object;
    }
    let Some(map) = object.as_object_mut() else { return object };
    match kind.as_str() {
        "Namespace" => {
            put(map, "spec", json!({"finalizers": ["kubernetes"]}));
            put(map, "status", json!({"phase": "Active"}));
        }
        "Deployment" => {
            if let Some(spec) = map.get_mut("spec").and_then(Value::as_object_mut) {
                put(spec, "progressDeadlineSeconds", json!(600));
                put(spec, "revisionHistoryLimit", json!(10));
                put(
                    spec,
                    "strategy",
                    json!({"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"}),
                );
            }
            put(
                map,
                "status",
                json!({"availableReplicas": 5, "observedGeneration": 3, "readyReplicas": 5, "replicas": 5, "updatedReplicas": 5, "conditions": [{"lastTransitionTime": created, "lastUpdateTime": created, "message": "Deployment has minimum availability.", "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"}]}),
            );
        }
        _ => {}
    }
    object
}

fn pod(object: &mut Value, created: &str, rng: &mut Rng) {
    let node = format!("node-{}", rng.below(5_000));
    let host_ip = format!("172.16.{}.{}", rng.below(256), rng.below(256));
    let pod_ip = object
        .pointer("/status/podIP")
        .cloned()
        .unwrap_or_else(|| json!(format!("10.200.{}.{}", rng.below(256), rng.below(256))));
    let name = object.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("pod").to_owned();
    let image = object.pointer("/spec/containers/0/image").and_then(Value::as_str).unwrap_or("example/app").to_owned();
    let ports = object.pointer("/spec/containers/0/ports").cloned().unwrap_or_else(|| json!([]));
    let owned = object.pointer("/metadata/ownerReferences").is_some();
    let Some(map) = object.as_object_mut() else { return };
    if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
        put(
            meta,
            "annotations",
            json!({"kubectl.kubernetes.io/restartedAt": created, "prometheus.io/port": "9100", "prometheus.io/scrape": "true"}),
        );
        if owned {
            if let Some(prefix) = name.rsplit_once('-').map(|(p, _)| format!("{p}-")) {
                put(meta, "generateName", json!(prefix));
            }
            if let Some(Value::Array(owners)) = meta.get_mut("ownerReferences") {
                for owner in owners.iter_mut().filter_map(Value::as_object_mut) {
                    put(owner, "blockOwnerDeletion", json!(true));
                }
            }
        }
        put(meta, "managedFields", managed_fields(created));
    }
    let container = json!({
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
            {"name": "LOG_LEVEL", "value": "info"}
        ],
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "livenessProbe": {"failureThreshold": 3, "httpGet": {"path": "/healthz", "port": 8081, "scheme": "HTTP"}, "initialDelaySeconds": 10, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1},
        "name": "main",
        "ports": ports,
        "readinessProbe": {"failureThreshold": 3, "httpGet": {"path": "/ready", "port": 8081, "scheme": "HTTP"}, "periodSeconds": 5, "successThreshold": 1, "timeoutSeconds": 1},
        "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "securityContext": {"runAsNonRoot": true},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [
            {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-x7k2p", "readOnly": true}
        ]
    });
    let spec = json!({
        "containers": [container],
        "dnsPolicy": "ClusterFirst",
        "enableServiceLinks": true,
        "nodeName": node,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 0,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "securityContext": {"fsGroup": 2000, "runAsUser": 1000},
        "serviceAccount": "default",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "tolerations": [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300}
        ],
        "volumes": [
            {"name": "kube-api-access-x7k2p", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}}
            ]}}
        ]
    });
    put(map, "spec", spec);
    let condition =
        |kind: &str| json!({"lastProbeTime": null, "lastTransitionTime": created, "status": "True", "type": kind});
    let status = json!({
        "conditions": [condition("Initialized"), condition("Ready"), condition("PodScheduled")],
        "containerStatuses": [{
            "containerID": format!("containerd://{:016x}{:016x}{:016x}{:016x}", rng.next(), rng.next(), rng.next(), rng.next()),
            "image": format!("docker.io/{image}:1.4.2"),
            "imageID": format!("docker.io/{image}@sha256:{:016x}{:016x}{:016x}{:016x}", rng.next(), rng.next(), rng.next(), rng.next()),
            "lastState": {},
            "name": "main",
            "ready": true,
            "restartCount": rng.below(3),
            "started": true,
            "state": {"running": {"startedAt": created}}
        }],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "phase": "Running",
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "qosClass": "Burstable",
        "startTime": created
    });
    put(map, "status", status);
}

/// What the controller manager and the kubelet record as theirs (`managedFields`), the top
/// levels of each: a real pod's entries are longer, the dump's pods are ~11 KB as the issue's
/// measured ones (issue 15).
fn managed_fields(time: &str) -> Value {
    json!([
        {
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {"f:generateName": {}, "f:labels": {".": {}, "f:app": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"00000000-0000-0000-0000-000000000000\"}": {}}},
                "f:spec": {"f:containers": {"k:{\"name\":\"main\"}": {".": {}, "f:env": {}, "f:image": {}, "f:name": {}, "f:ports": {}, "f:resources": {}}}, "f:dnsPolicy": {}, "f:volumes": {}}
            },
            "manager": "kube-controller-manager",
            "operation": "Update",
            "time": time
        },
        {
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}},
            "manager": "kubelet",
            "operation": "Update",
            "subresource": "status",
            "time": time
        }
    ])
}
