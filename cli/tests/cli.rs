#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! The `netfence` binary: exit codes, formats, stdin, directories and errors.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn netfence(args: &[&str], stdin: Option<&str>) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_netfence"))
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    // a command that reads no standard input may exit before the write: a broken pipe then
    if let Err(e) = pipe.write_all(stdin.unwrap_or("").as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing standard input: {e}");
    }
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn validate_reports_findings_with_location_and_exit_1() {
    let out = netfence(&["validate", "cli/tests/fixtures/bad-policy.yaml"], None);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.contains("cli/tests/fixtures/bad-policy.yaml:15:21"), "{text}");
    assert!(text.contains("`tcp`"), "{text}");

    let json = netfence(&["validate", "cli/tests/fixtures/bad-policy.yaml", "-o", "json"], None);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["valid"], false);
    let finding = &value["findings"][0];
    assert_eq!(finding["location"]["line"], 15);
    assert_eq!(finding["location"]["pointer"], "/spec/ingress/0/ports/0/protocol");
}

#[test]
fn validate_reads_stdin_and_passes_clean_input() {
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n";
    let out = netfence(&["validate", "-"], Some(policy));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("1 network policies checked: 0 findings"), "{}", stdout(&out));
}

#[test]
fn lint_exits_1_on_an_error_finding_and_follows_the_configuration() {
    let out = netfence(&["lint", "cli/tests/fixtures/bad-policy.yaml"], None);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout(&out).contains("error[NF017]"), "{}", stdout(&out));

    let dir = std::env::temp_dir().join(format!("netfence-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("netfence.yaml");
    std::fs::write(&config, "apiVersion: netfence.dev/v1alpha1\nkind: Config\nseverities: {NF017: warning}\n").unwrap();
    let out = netfence(
        &["lint", "cli/tests/fixtures/bad-policy.yaml", "--config", config.to_str().unwrap(), "-o", "json"],
        None,
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nf017 = value["findings"].as_array().unwrap().iter().find(|f| f["id"] == "NF017").unwrap();
    assert_eq!(nf017["severity"], "warning");
    assert_eq!(value["counts"]["policies"], 1);
}

#[test]
fn parse_lists_a_directory_recursively() {
    let out = netfence(&["parse", "examples/online-shop/manifests", "-o", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value["counts"]["workloads"].as_u64().unwrap() >= 5, "{value}");
    assert!(value["counts"]["namespaces"].as_u64().unwrap() >= 5, "{value}");
}

#[test]
fn input_errors_exit_2_with_code() {
    let out = netfence(&["validate", "does/not/exist.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error[NF-E020]: cannot read `does/not/exist.yaml`"), "{err}");

    let out = netfence(&["validate", "-", "--max-input-bytes", "10"], Some("apiVersion: v1\nkind: Namespace\n"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NF-E001"));

    let out = netfence(&["validate", "--bogus"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_documents_are_reported_not_fatal() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n: [\n";
    let out = netfence(&["parse", "-"], Some(text));
    assert_eq!(out.status.code(), Some(1));
    let t = stdout(&out);
    assert!(t.contains("Namespace"), "{t}");
    assert!(t.contains("error[NF-E002]"), "{t}");
    let strict = netfence(&["parse", "-", "--strict"], Some(text));
    assert_eq!(strict.status.code(), Some(2));
}

#[test]
fn build_compiles_the_example_intent() {
    let out = netfence(&["build", "examples/online-shop/intent.yaml"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let yaml = stdout(&out);
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/online-shop/policies/generated.yaml"),
    )
    .unwrap();
    assert!(committed.ends_with(&yaml), "CLI output differs from the committed example policies");
    // The built policies validate cleanly when read back.
    let check = netfence(&["validate", "-"], Some(&yaml));
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));

    let json = netfence(&["build", "examples/online-shop/intent.yaml", "-o", "json"], None);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["kind"], "List");
    assert!(value["items"].as_array().unwrap().len() >= 5);
}

#[test]
fn build_api_version_chooses_the_guardrails_api() {
    let intent = "apiVersion: netfence.dev/v1alpha1\nkind: Intent\nclusterGuardrails:\n  allowDns: true\n  \
                  tenantLabel: tenant\n  tenants: [shop, blog]\n  baselineDefaultDeny: true\nnamespaces: []\n";
    let build = |args: &[&str], text: &str| {
        let out = netfence(args, Some(text));
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        stdout(&out)
    };
    // the intent's default: v1alpha2 ClusterNetworkPolicies
    let yaml = build(&["build", "-"], intent);
    assert!(
        yaml.contains("apiVersion: policy.networking.k8s.io/v1alpha2") && yaml.contains("kind: ClusterNetworkPolicy"),
        "{yaml}"
    );
    assert!(!yaml.contains("AdminNetworkPolicy"), "{yaml}");
    // --api-version v1alpha1: AdminNetworkPolicies and the BaselineAdminNetworkPolicy `default`
    let yaml = build(&["build", "-", "--api-version", "v1alpha1"], intent);
    assert!(yaml.contains("kind: AdminNetworkPolicy") && yaml.contains("kind: BaselineAdminNetworkPolicy"), "{yaml}");
    assert!(!yaml.contains("ClusterNetworkPolicy"), "{yaml}");
    // and the flag overrides what the intent says
    let v1 = intent.replace("clusterGuardrails:\n", "clusterGuardrails:\n  apiVersion: v1alpha1\n");
    let yaml = build(&["build", "-", "--api-version", "v1alpha2"], &v1);
    assert!(yaml.contains("kind: ClusterNetworkPolicy") && !yaml.contains("AdminNetworkPolicy"), "{yaml}");
    let bad = netfence(&["build", "-", "--api-version", "v1"], Some(intent));
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn build_reports_intent_errors_with_location() {
    let intent =
        "apiVersion: netfence.dev/v1alpha1\nkind: Intent\nnamespaces:\n  - name: shop\n    defaultDenny: Both\n";
    let out = netfence(&["build", "-"], Some(intent));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error[NF-E010]"), "{err}");
    assert!(err.contains("<stdin>:5:"), "{err}");
}

#[test]
fn schema_prints_the_intent_schema() {
    let out = netfence(&["schema", "intent"], None);
    assert_eq!(out.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(value["properties"]["namespaces"].is_object(), "{value}");
    let bad = netfence(&["schema", "nope"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NF-E011"));
}

#[test]
fn analyze_canonical_lists_allowed_connections() {
    let out = netfence(&["analyze", "examples/online-shop", "-o", "canonical"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let has = |src: &str, dst: &str, proto: &str| {
        list.iter().any(|r| r["src"] == src && r["dst"] == dst && r["protocol"] == proto)
    };
    assert!(has("shop/frontend[Deployment]", "shop/api[Deployment]", "TCP"));
    assert!(!has("shop/frontend[Deployment]", "data/postgres[StatefulSet]", "TCP"), "frontend must not reach the db");
    assert!(has("payments/payments[Deployment]", "203.0.113.0-203.0.113.255", "TCP"));
}

#[test]
fn explain_names_the_allowing_rule() {
    let out = netfence(
        &["explain", "examples/online-shop", "--from", "shop/frontend", "--to", "shop/api", "-o", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let allowed: Vec<&serde_json::Value> =
        value["ranges"].as_array().unwrap().iter().filter(|r| r["allowed"] == true).collect();
    assert_eq!(allowed.len(), 1, "{value}");
    assert_eq!(allowed[0]["ingress"]["rules"][0]["policy"], "api-ingress");
    assert_eq!(allowed[0]["egress"]["rules"][0]["policy"], "frontend-egress");

    let bad = netfence(&["explain", "examples/online-shop", "--from", "nope", "--to", "shop/api"], None);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn diff_shows_what_the_policies_close() {
    let out = netfence(
        &["diff", "--base", "examples/online-shop/manifests", "--head", "examples/online-shop", "-o", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = value["diff"]["connections"].as_array().unwrap();
    let removed =
        |src: &str, dst: &str| changes.iter().any(|c| c["src"] == src && c["dst"] == dst && c["change"] == "removed");
    assert!(removed("shop/frontend[Deployment]", "data/postgres[StatefulSet]"), "{value}");
    assert!(!changes.iter().any(|c| c["change"] == "added"), "adding deny-by-default policies opens nothing");
}

#[test]
fn check_passes_the_example_requirements_and_fails_without_policies() {
    let args = ["check", "examples/online-shop", "-r", "examples/online-shop/requirements.yaml"];
    let out = netfence(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("9 of 9 requirements pass"), "{}", stdout(&out));
    let out =
        netfence(&["check", "examples/online-shop/manifests", "-r", "examples/online-shop/requirements.yaml"], None);
    assert_eq!(out.status.code(), Some(1), "without policies the deny statements fail");
    assert!(stdout(&out).contains("FAIL"), "{}", stdout(&out));
}

#[test]
fn completions_man_page_and_kubectl_plugin() {
    let bash = netfence(&["completions", "bash"], None);
    assert_eq!(bash.status.code(), Some(0));
    assert!(stdout(&bash).contains("_netfence()"), "{}", stdout(&bash));
    assert!(stdout(&bash).contains("analyze"));
    let man = netfence(&["man"], None);
    assert!(stdout(&man).contains(".TH netfence 1"), "{}", stdout(&man));
    let plugin = Command::new(env!("CARGO_BIN_EXE_kubectl-netfence")).arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&plugin.stdout).trim(), format!("netfence {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_of_every_subcommand() {
    let top = netfence(&["--help"], None);
    let mut all = stdout(&top);
    let commands = [
        "parse",
        "validate",
        "lint",
        "build",
        "analyze",
        "explain",
        "diff",
        "check",
        "review",
        "plan",
        "generate",
        "impact",
        "drops",
        "audit",
        "snapshot",
        "apply",
        "schema",
        "completions",
        "man",
    ];
    for command in commands {
        let out = Command::new(env!("CARGO_BIN_EXE_netfence"))
            .args([command, "--help"])
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{command}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Example"), "`netfence {command} --help` shows an example");
        all.push_str(&format!("\n===== netfence {command} --help =====\n{text}"));
    }
    insta::assert_snapshot!(all);
}

#[test]
fn analyze_exposure_names_namespaces_that_do_not_exist_yet() {
    let out = netfence(&["analyze", "examples/exposure", "--exposure", "--focus-workload", "data/db"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(
        text.contains("data/db[Deployment] \t<= \t[namespace with {team=payments}]/[all pods] : TCP 5432"),
        "{text}"
    );
    assert!(!text.contains("shop/web[Deployment] \t<="), "only the focus workload: {text}");

    let json = netfence(&["analyze", "examples/exposure", "--exposure", "-o", "json"], None);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let web = value["endpoints"].as_array().unwrap().iter().find(|e| e["endpoint"] == "shop/web[Deployment]").unwrap();
    assert_eq!(web["ingress"]["peers"][0]["peer"]["entireCluster"], true, "{web}");
    assert_eq!(web["ingress"]["peers"][0]["rules"][0]["policy"], "web", "{web}");
    let through_ingress = value["connectivity"]["connections"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["src"] == "{ingress-controller}" && c["dst"] == "shop/web[Deployment]");
    assert!(through_ingress, "{value}");

    let bad = netfence(&["analyze", "examples/exposure", "--exposure", "-o", "csv"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("NF-E011"));
}

/// `--focus-conn tcp-5432`: only that port, in netpol-analyzer's focused text (a header, pairs
/// without connections) and in the exposure (the namespace label that admits the database).
#[test]
fn focus_conn_reports_one_port_as_netpol_analyzer_prints_it() {
    let out = netfence(&["analyze", "examples/exposure", "--focus-conn", "tcp-5432"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.first(), Some(&"Permitted connections on TCP 5432:"), "{text}");
    assert!(lines.contains(&"payments/billing[Deployment] => data/db[Deployment]"), "{text}");
    // TCP 8080 only, not on 5432
    assert!(!text.contains("{ingress-controller}"), "{text}");
    assert!(!text.contains(" : "), "no connections column: {text}");

    let exposure = netfence(&["analyze", "examples/exposure", "--exposure", "--focus-conn", "TCP-5432"], None);
    let text = stdout(&exposure);
    assert!(text.contains("Exposure Analysis Result On TCP 5432:\n"), "{text}");
    assert!(
        text.contains("data/db[Deployment]          \t<= \t[namespace with {team=payments}]/[all pods]\n"),
        "{text}"
    );
    assert!(!text.contains("not protected"), "{text}");
    let on_8080 = netfence(&["analyze", "examples/exposure", "--exposure", "--focus-conn", "tcp-8080"], None);
    assert!(!stdout(&on_8080).contains("data/db[Deployment]          \t<="), "{}", stdout(&on_8080));

    for bad in ["tcp", "icmp-1", "udp-0", "udp-65536", "tcp-80-90"] {
        let out = netfence(&["analyze", "examples/exposure", "--focus-conn", bad], None);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--focus-conn"), "{bad}");
    }
}

/// `kubectl get -A -o json` on standard input is streamed item by item: an item over a
/// per-object budget is an error of its own, the others are read, and the answer says it is
/// partial (its JSON, the top of its text, stderr, exit 1); identical errors are summarised.
#[test]
fn streamed_lists_answer_partially_and_loudly() {
    let pod = |i: usize, labels: &str| {
        format!(
            r#"{{"apiVersion": "v1", "kind": "Pod", "metadata": {{"name": "p{i}", "namespace": "a", "labels": {labels}}}, "status": {{"podIP": "10.0.0.{i}"}}}}"#
        )
    };
    let mut items: Vec<String> = (0..3).map(|i| pod(i, r#"{"app": "x"}"#)).collect();
    items.extend((3..30).map(|i| pod(i, &format!("{{\"app\": \"{}\"}}", "y".repeat(40)))));
    let list = format!("{{\"apiVersion\": \"v1\", \"items\": [\n{}\n], \"kind\": \"List\"}}\n", items.join(",\n"));
    // just under the string budget: every pod is read
    let out = netfence(&["analyze", "-", "-o", "json", "--max-string-bytes", "40"], Some(&list));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["partial"], false);
    // just over it: 27 pods cannot be read, 10 errors listed, the answer partial everywhere
    let out = netfence(&["analyze", "-", "-o", "json", "--max-string-bytes", "39"], Some(&list));
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["partial"], true);
    assert_eq!(value["errors"].as_array().unwrap().len(), 10);
    let warning = &value["warnings"][0];
    assert_eq!(warning["code"], "NF-W002");
    assert!(warning["message"].as_str().unwrap().starts_with("27 documents could not be read"), "{warning}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("NF-E003") && err.contains("item 4 of `items`") && err.contains("--max-string-bytes"),
        "{err}"
    );
    let md = netfence(&["analyze", "-", "-o", "md", "--max-string-bytes", "39"], Some(&list));
    assert!(stdout(&md).starts_with("> warning[NF-W002]"), "{}", stdout(&md));
    // netpol-analyzer's connlist has no place for it: stderr says it
    let txt = netfence(&["analyze", "-", "-o", "txt", "--max-string-bytes", "39"], Some(&list));
    assert!(String::from_utf8_lossy(&txt.stderr).contains("warning[NF-W002]"));
    // no whole-input limit by default; one when asked for
    let out = netfence(&["analyze", "-", "--max-input-bytes", "100"], Some(&list));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NF-E001"));
}

/// Hostile JSON on standard input: deep nesting and a huge string stop with a coded error.
#[test]
fn hostile_json_is_refused_with_a_code() {
    let deep = format!(
        "{{\"apiVersion\": \"v1\", \"items\": [{}1{}], \"kind\": \"List\"}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let out = netfence(&["analyze", "-", "-o", "json"], Some(&deep));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("maxDepth")
            || String::from_utf8_lossy(&out.stderr).contains("--max-depth")
    );
    let long = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"{}\"}}}}",
        "x".repeat(5 << 20)
    );
    let out = netfence(&["analyze", "-", "-o", "json"], Some(&long));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NF-E003"));
}
