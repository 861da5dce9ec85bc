//! Live cluster reading: `--context` on the commands that read manifests, paginated LIST,
//! slimming, `netfence snapshot`.

use std::path::Path;

use serde_json::{Value, json};

use crate::common::{Ctx, TEST_CONTEXT, expect_code, stderr, stdout};

const PODS: usize = 10_000;
const WORKLOADS: usize = 50;
const NAMESPACES: usize = 10;
const TIERS: [&str; 3] = ["web", "api", "db"];

/// What the server holds beyond what netfence keeps: managed fields, images, env, volumes,
/// probes, a large annotation.
fn bulky_pod(i: usize) -> Value {
    let workload = i % WORKLOADS;
    let namespace = format!("live-{}", workload % NAMESPACES);
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("w{workload}-{i}"), "namespace": namespace,
            "labels": {"app": format!("w{workload}"), "tier": TIERS[workload % 3], "pod-template-hash": "5d8f7c9b6"},
            "annotations": {"example.com/build": "x".repeat(400)},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("w{workload}-5d8f7c9b6"),
                "uid": format!("00000000-0000-0000-0000-{workload:012}"), "controller": true}]
        },
        "spec": {
            "containers": [{
                "name": "main", "image": format!("registry.example/w{workload}:1.{i}"),
                "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}],
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "three"}],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}
            }],
            "volumes": [{"name": "data", "emptyDir": {}}]
        }
    })
}

fn replica_set(workload: usize) -> Value {
    let namespace = format!("live-{}", workload % NAMESPACES);
    let labels = json!({"app": format!("w{workload}"), "tier": TIERS[workload % 3], "pod-template-hash": "5d8f7c9b6"});
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": format!("w{workload}-5d8f7c9b6"), "namespace": namespace, "labels": labels},
        "spec": {"replicas": 0, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "main", "image": "x",
                "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}]}]}}}
    })
}

/// Per namespace: default deny, web open to everyone on `http`, api from web, db from api on
/// 5432 and metrics from `live-0`; an egress rule to an address block.
fn policies(namespace: usize) -> Vec<Value> {
    let ns = format!("live-{namespace}");
    let policy = |name: &str, spec: Value| json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns}, "spec": spec});
    vec![
        policy("default-deny", json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})),
        policy(
            "web",
            json!({"podSelector": {"matchLabels": {"tier": "web"}}, "ingress": [{"ports": [{"port": "http"}]}]}),
        ),
        policy(
            "api",
            json!({"podSelector": {"matchLabels": {"tier": "api"}},
            "ingress": [{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"tier": "web"}}}], "ports": [{"port": 8080}]}]}),
        ),
        policy(
            "metrics",
            json!({"podSelector": {},
            "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "live-0"}}}], "ports": [{"port": "metrics"}]}]}),
        ),
        policy(
            "egress",
            json!({"podSelector": {"matchLabels": {"tier": "web"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"tier": "api"}}}, {"ipBlock": {"cidr": "192.0.2.0/24"}}],
                "ports": [{"port": 8080}, {"port": 443, "endPort": 450}]}]}),
        ),
    ]
}

fn collection(object: &Value) -> String {
    let ns = object["metadata"]["namespace"].as_str().unwrap_or("default");
    match object["kind"].as_str().unwrap_or_default() {
        "Pod" => format!("/api/v1/namespaces/{ns}/pods"),
        "ReplicaSet" => format!("/apis/apps/v1/namespaces/{ns}/replicasets"),
        "NetworkPolicy" => format!("/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies"),
        "Namespace" => "/api/v1/namespaces".to_owned(),
        other => panic!("no collection for {other}"),
    }
}

/// 10,000 pods (Pending: there are no kubelets) of 50 workloads in 10 namespaces, with policies:
/// `analyze --context test` gives the answer `analyze` gives for the same objects from a file,
/// and so does the snapshot, read in pages of any size.
pub fn analyze_of_10000_pods_equals_the_files(ctx: &Ctx) {
    let dir = ctx.dir("10000-pods");
    let mut objects: Vec<Value> = (0..NAMESPACES)
        .map(|n| json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": format!("live-{n}")}}))
        .collect();
    objects.extend((0..WORKLOADS).map(replica_set));
    objects.extend((0..NAMESPACES).flat_map(policies));
    let pods: Vec<Value> = (0..PODS).map(bulky_pod).collect();
    let file = json!({"apiVersion": "v1", "kind": "List", "items": objects.iter().chain(&pods).collect::<Vec<_>>()});
    std::fs::write(dir.join("objects.json"), serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let started = std::time::Instant::now();
    for object in &objects {
        ctx.create(&collection(object), object);
    }
    ctx.create_all(pods.iter().map(|p| (collection(p), p.clone())).collect());
    eprintln!("created {} objects in {:.1}s", objects.len() + pods.len(), started.elapsed().as_secs_f64());

    let limit = ["--max-input-bytes", "100000000"];
    let from_file =
        ctx.netfence_in(&dir, &[&["analyze", "objects.json", "-o", "canonical"][..], &limit].concat(), None);
    expect_code(&from_file, 0, "analyze objects.json");
    let live = ctx.netfence_in(&dir, &["analyze", "--context", TEST_CONTEXT, "-o", "canonical"], None);
    expect_code(&live, 0, "analyze --context test");
    let connections: Vec<Value> = serde_json::from_str(&stdout(&from_file)).unwrap();
    assert!(connections.len() > 20, "too few connections to compare: {}", connections.len());
    assert_eq!(stdout(&live), stdout(&from_file), "the live cluster and the file give different connections");
    assert!(stderr(&live).contains(&format!("pods {PODS}")), "{}", stderr(&live));

    // the snapshot: read in pages of 137 and of 5,000, the same file; the same answer again
    let small = ctx.netfence_in(
        &dir,
        &["snapshot", "--context", TEST_CONTEXT, "--page-size", "137", "--output", "small.yaml"],
        None,
    );
    expect_code(&small, 0, "snapshot --page-size 137");
    let large = ctx.netfence_in(
        &dir,
        &["snapshot", "--context", TEST_CONTEXT, "--page-size", "5000", "--output", "large.yaml"],
        None,
    );
    expect_code(&large, 0, "snapshot --page-size 5000");
    let snapshot = std::fs::read_to_string(dir.join("small.yaml")).unwrap();
    assert_eq!(snapshot, std::fs::read_to_string(dir.join("large.yaml")).unwrap(), "pages of 137 and 5,000 differ");
    let from_snapshot = ctx.netfence_in(&dir, &["analyze", "small.yaml", "-o", "canonical"], None);
    expect_code(&from_snapshot, 0, "analyze small.yaml");
    assert_eq!(stdout(&from_snapshot), stdout(&from_file), "the snapshot and the file give different connections");

    // what netfence keeps is slim: the snapshot is a fraction of what the server holds
    let full = ctx.get(&format!("/api/v1/namespaces/live-1/pods/w1-{}", WORKLOADS + 1)).unwrap();
    let full_size = serde_json::to_string(&full).unwrap().len();
    let per_pod = snapshot.len() / PODS;
    assert!(per_pod * 3 < full_size, "the snapshot keeps {per_pod} bytes per pod, the server holds {full_size}");
    assert!(
        !snapshot.contains("managedFields") && !snapshot.contains("registry.example") && !snapshot.contains("xxxx")
    );
    // memory follows what netfence keeps: reading the cluster peaks no higher than reading the
    // same objects from a file (which holds them whole), with GNU time where it is installed
    let peak = |args: &[&str]| -> Option<u64> {
        let time = Path::new("/usr/bin/time");
        if !time.exists() {
            return None;
        }
        let mut full = vec!["-f", "%M", env!("CARGO_BIN_EXE_netfence")];
        full.extend_from_slice(args);
        let output = std::process::Command::new(time)
            .args(&full)
            .current_dir(&dir)
            .env("KUBECONFIG", &ctx.kubeconfig)
            .output()
            .unwrap();
        stderr(&output).lines().last().and_then(|l| l.trim().parse().ok())
    };
    let file_args = [&["analyze", "objects.json", "-o", "canonical"][..], &limit].concat();
    if let (Some(file_kb), Some(live_kb)) =
        (peak(&file_args), peak(&["analyze", "--context", TEST_CONTEXT, "-o", "canonical"]))
    {
        eprintln!("peak RSS of analyze: {} MB from the file, {} MB from the cluster", file_kb / 1024, live_kb / 1024);
        assert!(live_kb <= file_kb + 20 * 1024, "reading the cluster peaks at {live_kb} kB, the file at {file_kb} kB");
    } else {
        eprintln!("no /usr/bin/time: peak memory not measured");
    }
    let documents = snapshot.matches("\"kind\":\"List\"").count();
    assert!(documents >= PODS / live_chunk(), "{documents} list documents for {PODS} pods");
}

/// Objects per list document of a snapshot (the CLI's `live::CHUNK`).
fn live_chunk() -> usize {
    5000
}

/// Every kind netfence reads, and the cluster-scoped policies, come back slim.
pub fn every_kind_is_read_and_slimmed(ctx: &Ctx) {
    ctx.namespaces(&["kinds"]);
    let template = json!({"metadata": {"labels": {"app": "k"}}, "spec": {"containers": [{"name": "c", "image": "secret-image",
        "env": [{"name": "TOKEN", "value": "do-not-keep"}], "ports": [{"name": "http", "containerPort": 80}]}]}});
    let selector = json!({"matchLabels": {"app": "k"}});
    let namespaced = [
        (
            "/apis/apps/v1/namespaces/kinds/deployments",
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": selector, "template": template}}),
        ),
        (
            "/apis/apps/v1/namespaces/kinds/statefulsets",
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"serviceName": "s", "selector": selector, "template": template}}),
        ),
        (
            "/apis/apps/v1/namespaces/kinds/daemonsets",
            json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"}, "spec": {"selector": selector, "template": template}}),
        ),
        (
            "/api/v1/namespaces/kinds/replicationcontrollers",
            json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {"selector": {"app": "k"}, "template": template}}),
        ),
        (
            "/apis/batch/v1/namespaces/kinds/jobs",
            json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"metadata": template["metadata"], "spec": {"restartPolicy": "Never", "containers": template["spec"]["containers"]}}}}),
        ),
        (
            "/apis/batch/v1/namespaces/kinds/cronjobs",
            json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"}, "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"metadata": template["metadata"], "spec": {"restartPolicy": "Never", "containers": template["spec"]["containers"]}}}}}}),
        ),
        (
            "/api/v1/namespaces/kinds/services",
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"selector": {"app": "k"}, "ports": [{"port": 80}]}}),
        ),
        (
            "/apis/networking.k8s.io/v1/namespaces/kinds/networkpolicies",
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "np", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"do-not-keep\": 1}", "team": "a"}}, "spec": {"podSelector": {}}}),
        ),
    ];
    for (collection, object) in &namespaced {
        ctx.create(collection, object);
    }
    ctx.create(
        "/api/v1/nodes",
        &json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-1", "labels": {"zone": "a"}}}),
    );
    // cluster-scoped objects outlive this test and apply to every namespace: their subjects
    // are this test's namespace only, so the other tests' clusters are left as they were
    let only_here = json!({"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "kinds"}}});
    ctx.create("/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies", &json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "AdminNetworkPolicy", "metadata": {"name": "anp"}, "spec": {"priority": 10, "subject": only_here, "ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}}));
    ctx.create("/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies", &json!({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy", "metadata": {"name": "default"}, "spec": {"subject": only_here}}));
    ctx.create("/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies", &json!({"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy", "metadata": {"name": "cnp"}, "spec": {"tier": "Admin", "priority": 5, "subject": only_here}}));

    let output = ctx.netfence(&["snapshot", "--context", TEST_CONTEXT]);
    expect_code(&output, 0, "snapshot");
    let snapshot = stdout(&output);
    assert!(snapshot.starts_with("# netfence snapshot: context `test`"), "{}", &snapshot[..200.min(snapshot.len())]);
    for kind in [
        "Namespace",
        "Node",
        "Pod",
        "Service",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "NetworkPolicy",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
    ] {
        if kind != "Pod" {
            assert!(snapshot.contains(&format!("\"kind\":\"{kind}\"")), "no {kind} in the snapshot");
        }
    }
    for secret in ["secret-image", "do-not-keep", "managedFields", "resourceVersion", "creationTimestamp"] {
        assert!(!snapshot.contains(secret), "the snapshot keeps `{secret}`");
    }
    assert!(snapshot.contains("\"team\":\"a\""), "a policy keeps its annotations");
    // every command reads the snapshot, and the cluster directly
    let dir = ctx.dir("kinds");
    std::fs::write(dir.join("snapshot.yaml"), &snapshot).unwrap();
    let parsed =
        ctx.netfence_in(&dir, &["parse", "snapshot.yaml", "-o", "json", "--max-input-bytes", "100000000"], None);
    expect_code(&parsed, 0, "parse snapshot.yaml");
    let live = ctx.netfence_in(&dir, &["--context", TEST_CONTEXT, "parse", "-o", "json"], None);
    expect_code(&live, 0, "parse --context test");
    let counts =
        |o: &std::process::Output| -> Value { serde_json::from_str::<Value>(&stdout(o)).unwrap()["counts"].clone() };
    assert_eq!(counts(&parsed), counts(&live));
    let workloads = counts(&live)["workloads"].as_u64().unwrap();
    assert!(workloads >= 6, "{}", counts(&live));
    // the cluster-scoped policies and the node are read and evaluated, none skipped
    assert_eq!(counts(&live)["clusterPolicies"], 3, "{}", counts(&live));
    assert_eq!(counts(&live)["nodes"], 1, "{}", counts(&live));
    let skipped = counts(&live)["skipped"].to_string();
    assert!(!skipped.contains("NetworkPolicy") && !skipped.contains("Node"), "{skipped}");
}

pub fn unknown_context_is_an_input_error(ctx: &Ctx) {
    let output = ctx.netfence(&["analyze", "--context", "nope"]);
    expect_code(&output, 2, "analyze --context nope");
    assert!(stderr(&output).contains("no context `nope`") && stderr(&output).contains("`test`"), "{}", stderr(&output));
    let output = ctx.netfence(&["validate"]);
    expect_code(&output, 2, "validate without paths or cluster");
    assert!(stderr(&output).contains("no manifests given"), "{}", stderr(&output));
    // a kubeconfig whose server is gone: an input error naming the context, not a hang or a panic
    let dir = ctx.dir("gone");
    let config = std::fs::read_to_string(&ctx.kubeconfig).unwrap();
    let port = config.split("127.0.0.1:").nth(1).unwrap().split('\n').next().unwrap().to_owned();
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    std::fs::write(dir.join("gone.yaml"), config.replace(&format!("127.0.0.1:{port}"), &format!("127.0.0.1:{unused}")))
        .unwrap();
    let output = ctx.netfence_in(&dir, &["snapshot", "--kubeconfig", "gone.yaml", "--context", TEST_CONTEXT], None);
    expect_code(&output, 2, "snapshot of a server that is gone");
    assert!(stderr(&output).contains("cannot list namespaces"), "{}", stderr(&output));
}
