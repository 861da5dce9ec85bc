//! The deploy step against the real API server: `netfence apply` of a plan `netfence plan`
//! wrote (dry run, server-side apply, idempotent re-apply, rollback), a dry run the server
//! rejects, a step the server rejects mid-rollout (restored), and a rollout the watched flows
//! roll back.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::common::{Ctx, TEST_CONTEXT, expect_code, stderr, stdout};

/// The base: a default deny, an allowance the head changes and one it deletes.
fn base(ns: &str) -> Vec<Value> {
    vec![
        policy(ns, "default-deny", json!({"podSelector": {}, "policyTypes": ["Ingress"]})),
        policy(
            ns,
            "api",
            json!({"podSelector": {"matchLabels": {"app": "api"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}]}]}),
        ),
        policy(
            ns,
            "web-old",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"ports": [{"port": 80}]}]}),
        ),
    ]
}

/// The head: `api` changed, `web-new` and the isolation `deny-egress` added, `web-old` gone.
fn head(ns: &str) -> Vec<Value> {
    vec![
        policy(ns, "default-deny", json!({"podSelector": {}, "policyTypes": ["Ingress"]})),
        policy(
            ns,
            "api",
            json!({"podSelector": {"matchLabels": {"app": "api"}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "web"}}}], "ports": [{"port": 8080}, {"port": 9090}]}]}),
        ),
        policy(
            ns,
            "web-new",
            json!({"podSelector": {"matchLabels": {"app": "web"}}, "ingress": [{"ports": [{"port": 443}]}]}),
        ),
        policy(ns, "deny-egress", json!({"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Egress"]})),
    ]
}

fn policy(ns: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec})
}

fn collection(ns: &str) -> String {
    format!("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies")
}

fn write_list(path: &Path, objects: &[Value]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": objects})).unwrap(),
    )
    .unwrap();
}

/// The policies of `ns` on the server: name → spec.
fn policies(ctx: &Ctx, ns: &str) -> BTreeMap<String, Value> {
    let list = ctx.get(&collection(ns)).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["metadata"]["name"].as_str().unwrap().to_owned(), p["spec"].clone()))
        .collect()
}

fn names(state: &BTreeMap<String, Value>) -> Vec<&str> {
    state.keys().map(String::as_str).collect()
}

/// A namespace holding the base (created as `kubectl create` would: another field manager),
/// and the plan from the base to the head in `dir/plan`; the server's policies before.
fn scenario(ctx: &Ctx, ns: &str) -> (std::path::PathBuf, BTreeMap<String, Value>) {
    ctx.namespaces(&[ns]);
    for object in base(ns) {
        ctx.create(&collection(ns), &object);
    }
    let dir = ctx.dir(ns);
    write_list(&dir.join("base/policies.json"), &base(ns));
    write_list(&dir.join("head/policies.json"), &head(ns));
    let plan = ctx.netfence_in(&dir, &["plan", "--base", "base", "--head", "head", "--out", "plan"], None);
    expect_code(&plan, 0, "netfence plan");
    let steps: Vec<String> = std::fs::read_dir(dir.join("plan"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    assert_eq!(steps.len(), 3, "{steps:?}");
    (dir, policies(ctx, ns))
}

fn apply(ctx: &Ctx, dir: &Path, extra: &[&str]) -> (std::process::Output, Value) {
    let args = [&["apply", "plan", "--context", TEST_CONTEXT, "-o", "json"][..], extra].concat();
    let output = ctx.netfence_in(dir, &args, None);
    let report = serde_json::from_str(&stdout(&output)).unwrap_or(Value::Null);
    (output, report)
}

fn results(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|step| step["objects"].as_array().cloned().unwrap_or_default())
        .map(|o| o["result"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub fn rollout_then_rollback(ctx: &Ctx) {
    let ns = "apply-1";
    let (dir, before) = scenario(ctx, ns);
    // a dry run changes nothing
    let (output, report) = apply(ctx, &dir, &["--dry-run", "--force-conflicts"]);
    expect_code(&output, 0, "apply --dry-run");
    assert_eq!(report["outcome"], "dry-run");
    assert_eq!(policies(ctx, ns), before);
    // the rollout: step by step, with server-side apply
    let (output, report) = apply(ctx, &dir, &["--force-conflicts"]);
    expect_code(&output, 0, "apply");
    assert_eq!(report["outcome"], "applied", "{report}");
    assert_eq!(results(&report, "steps"), ["configured", "created", "created", "deleted"], "{report}");
    let after = policies(ctx, ns);
    assert_eq!(names(&after), ["api", "default-deny", "deny-egress", "web-new"]);
    assert_eq!(after["api"]["ingress"][0]["ports"][1]["port"], 9090);
    let web_new = ctx.get(&format!("{}/web-new", collection(ns))).unwrap();
    let managers: Vec<&str> =
        web_new["metadata"]["managedFields"].as_array().unwrap().iter().filter_map(|m| m["manager"].as_str()).collect();
    assert_eq!(managers, ["netfence"]);
    // applying again changes nothing
    let (output, report) = apply(ctx, &dir, &[]);
    expect_code(&output, 0, "apply again");
    assert_eq!(results(&report, "steps"), ["unchanged", "unchanged", "unchanged", "absent"], "{report}");
    assert_eq!(policies(ctx, ns), after);
    // the rollback bundle restores the base
    let (output, report) = apply(ctx, &dir, &["--rollback"]);
    expect_code(&output, 0, "apply --rollback");
    assert_eq!(report["rollback"], true);
    assert_eq!(policies(ctx, ns), before, "{report}");
    // text output
    let output =
        ctx.netfence_in(&dir, &["apply", "plan", "--context", TEST_CONTEXT, "--dry-run", "--force-conflicts"], None);
    expect_code(&output, 0, "apply --dry-run, text");
    assert!(stdout(&output).contains("dry run: the server accepts all 3 steps (4 objects)"), "{}", stdout(&output));
    // apply needs a cluster named explicitly
    let output = ctx.netfence_in(&dir, &["apply", "plan"], None);
    expect_code(&output, 2, "apply without --context");
    assert!(stderr(&output).contains("`apply` needs a cluster"), "{}", stderr(&output));
}

pub fn dry_run_rejection_changes_nothing(ctx: &Ctx) {
    let ns = "apply-2";
    let (dir, before) = scenario(ctx, ns);
    // `api` belongs to another field manager: without --force-conflicts the server refuses
    let (output, report) = apply(ctx, &dir, &[]);
    expect_code(&output, 1, "apply with a conflict");
    assert_eq!(report["outcome"], "rejected", "{report}");
    assert!(report["steps"].as_array().unwrap().is_empty());
    let message = report["dryRun"][0]["objects"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("conflict"), "{report}");
    assert_eq!(policies(ctx, ns), before);
    // an object the server finds invalid, in the last step: nothing of the first is applied
    let invalid =
        policy(ns, "deny-egress", json!({"podSelector": {"matchLabels": {"app": "-bad-"}}, "policyTypes": ["Egress"]}));
    std::fs::write(dir.join("plan/02-apply-isolation.yaml"), invalid.to_string()).unwrap();
    let (output, report) = apply(ctx, &dir, &["--force-conflicts"]);
    expect_code(&output, 1, "apply of an invalid object");
    assert_eq!(report["outcome"], "rejected", "{report}");
    assert_eq!(results(&report, "dryRun"), ["accepted", "accepted", "rejected", "accepted"], "{report}");
    assert_eq!(policies(ctx, ns), before);
    let text = ctx.netfence_in(&dir, &["apply", "plan", "--context", TEST_CONTEXT, "--force-conflicts"], None);
    expect_code(&text, 1, "apply of an invalid object, text");
    assert!(stdout(&text).contains("the server rejects the plan; nothing was changed"), "{}", stdout(&text));
}

pub fn failing_step_is_restored(ctx: &Ctx) {
    let ns = "apply-3";
    let (dir, before) = scenario(ctx, ns);
    // a quota of one more policy: each dry run fits, the second creation of the rollout does not
    let quota = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "policies", "namespace": ns},
        "spec": {"hard": {"count/networkpolicies.networking.k8s.io": "4"}}});
    ctx.create(&format!("/api/v1/namespaces/{ns}/resourcequotas"), &quota);
    let mut with_status = quota.clone();
    with_status["status"] = json!({"hard": {"count/networkpolicies.networking.k8s.io": "4"},
        "used": {"count/networkpolicies.networking.k8s.io": "3"}});
    let put = http::Request::put(format!("/api/v1/namespaces/{ns}/resourcequotas/policies/status"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&with_status).unwrap())
        .unwrap();
    ctx.send(put.clone()).unwrap();
    let (output, report) = apply(ctx, &dir, &["--force-conflicts"]);
    expect_code(&output, 1, "apply with a failing step");
    assert_eq!(report["outcome"], "restored", "{report}");
    assert_eq!(results(&report, "dryRun"), ["accepted", "accepted", "accepted", "accepted"], "{report}");
    assert_eq!(results(&report, "steps"), ["configured", "created", "rejected"], "{report}");
    let message = report["steps"][1]["objects"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("exceeded quota"), "{report}");
    // what step 1 did is undone: `api` is the base's again, `web-new` is gone
    assert_eq!(policies(ctx, ns), before, "{report}");
    assert!(report["restore"]["error"].is_null(), "{report}");
    // no controller recounts the quota here: set it back to one free policy
    ctx.send(put).unwrap();
    let text = ctx.netfence_in(&dir, &["apply", "plan", "--context", TEST_CONTEXT, "--force-conflicts"], None);
    expect_code(&text, 1, "apply with a failing step, text");
    assert!(stdout(&text).contains("a step failed: restored every object the rollout touched"), "{}", stdout(&text));
    assert_eq!(policies(ctx, ns), before);
}

/// A Hubble flow from `src` to `dst` (pods of `ns`) on TCP `port`.
fn flow(ns: &str, src: &str, dst: &str, port: u16, verdict: &str, second: u32) -> String {
    let endpoint = |pod: &str| {
        json!({"namespace": ns, "pod_name": pod, "labels": [format!("k8s:app={}", pod.trim_end_matches("-1")),
            format!("k8s:io.kubernetes.pod.namespace={ns}")]})
    };
    json!({"flow": {"time": format!("2026-01-01T10:00:{second:02}Z"), "verdict": verdict,
        "drop_reason_desc": if verdict == "DROPPED" { "POLICY_DENIED" } else { "" },
        "IP": {"source": "10.0.0.1", "destination": "10.0.0.2", "ipVersion": "IPv4"},
        "l4": {"TCP": {"source_port": 40000 + second, "destination_port": port, "flags": {"SYN": true}}},
        "source": endpoint(src), "destination": endpoint(dst), "Type": "L3_L4",
        "traffic_direction": "INGRESS", "is_reply": false}})
    .to_string()
}

pub fn watched_drops_roll_back(ctx: &Ctx) {
    let ns = "apply-4";
    ctx.namespaces(&[ns]);
    for (name, app) in [("web-1", "web"), ("api-1", "api")] {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
            "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}]}});
        ctx.create(&format!("/api/v1/namespaces/{ns}/pods"), &pod);
    }
    let dir = ctx.dir(ns);
    write_list(&dir.join("base/policies.json"), &[]);
    let deny_api =
        policy(ns, "deny-api", json!({"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"]}));
    write_list(&dir.join("head/policies.json"), &[deny_api]);
    // an empty base file: the plan only creates
    let plan = ctx.netfence_in(&dir, &["plan", "--base", "base", "--head", "head", "--out", "plan"], None);
    expect_code(&plan, 0, "netfence plan");

    // flows the change does not explain (api → web is still allowed, dropped for another reason)
    let unexplained: String = (0..3).map(|i| flow(ns, "api-1", "web-1", 8080, "DROPPED", i) + "\n").collect();
    std::fs::write(dir.join("unexplained.jsonl"), &unexplained).unwrap();
    let (output, report) = apply(ctx, &dir, &["--watch-flows", "unexplained.jsonl", "--window", "20s"]);
    expect_code(&output, 0, "apply --watch-flows, nothing explained");
    assert_eq!(report["outcome"], "applied", "{report}");
    assert_eq!(report["watch"]["records"], 3, "{report}");
    assert_eq!(report["watch"]["explainedDrops"], 0, "{report}");
    assert!(report["watch"]["streamEnded"].as_bool().unwrap());
    assert_eq!(names(&policies(ctx, ns)), ["deny-api"]);

    // take it back, then roll out again watching flows it explains: web → api is now dropped
    let (output, _) = apply(ctx, &dir, &["--rollback"]);
    expect_code(&output, 0, "apply --rollback");
    assert!(policies(ctx, ns).is_empty());
    let explained: String = (0..2).map(|i| flow(ns, "web-1", "api-1", 8080, "DROPPED", i) + "\n").collect();
    let args = ["apply", "plan", "--context", TEST_CONTEXT, "-o", "json", "--watch-flows", "-", "--window", "20s"];
    let output = ctx.netfence_in(&dir, &args, Some(explained.as_bytes()));
    expect_code(&output, 1, "apply --watch-flows -, explained drops");
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["outcome"], "rolled-back", "{report}");
    assert_eq!(report["watch"]["explainedDrops"], 2, "{report}");
    let drop = &report["watch"]["drops"][0];
    assert_eq!(
        (drop["src"].as_str(), drop["dst"].as_str(), drop["port"].as_u64()),
        (Some("apply-4/web-1[Pod]"), Some("apply-4/api-1[Pod]"), Some(8080)),
        "{report}"
    );
    assert!(policies(ctx, ns).is_empty(), "the rollout was not rolled back");
}
