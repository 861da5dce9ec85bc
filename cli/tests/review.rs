#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! `netfence review` and `netfence plan`: exit codes, every format, the online-shop change pair.

use std::path::Path;
use std::process::{Command, Output};

fn netfence(args: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    Command::new(env!("CARGO_BIN_EXE_netfence")).args(args).current_dir(root).env("NO_COLOR", "1").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

const SHOP: &[&str] = &[
    "review",
    "examples/online-shop/manifests",
    "examples/online-shop-change/head",
    "--base",
    "examples/online-shop/manifests",
    "examples/online-shop-change/base",
    "--requirements",
    "examples/online-shop/requirements.yaml",
    "--config",
    "examples/online-shop/netfence.yaml",
];

fn shop(extra: &[&str]) -> Output {
    let mut args = SHOP.to_vec();
    args.extend_from_slice(extra);
    netfence(&args)
}

#[test]
fn example_change_fails_with_the_diff() {
    let out = shop(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert!(text.starts_with("netfence review: fail\n"), "{text}");
    assert!(text.contains("+ 0.0.0.0-255.255.255.255 => shop/frontend[Deployment] : TCP 8080"), "{text}");
    assert!(text.contains("- payments/payments[Deployment] => data/postgres[StatefulSet] : TCP 5432"), "{text}");
    assert!(text.contains("error[NF401]"), "{text}");
    assert!(text.contains(" 121 |       port: postgresql"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
}

#[test]
fn unchanged_state_passes_and_warnings_exit_0() {
    let out = netfence(&[
        "review",
        "examples/online-shop/manifests",
        "examples/online-shop-change/base",
        "--base",
        "examples/online-shop/manifests",
        "examples/online-shop-change/base",
        "--config",
        "examples/online-shop/netfence.yaml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("netfence review: pass\n"), "{}", stdout(&out));
    // without a config, old warnings count: warn, still exit 0
    let out = netfence(&["review", "examples/online-shop/manifests", "examples/online-shop-change/base"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("netfence review: warn\n"), "{}", stdout(&out));
}

#[test]
fn every_format() {
    let json: serde_json::Value = serde_json::from_slice(&shop(&["-o", "json"]).stdout).unwrap();
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["exitCode"], 1);
    assert!(json.get("rendered").is_none());

    let sarif: serde_json::Value = serde_json::from_slice(&shop(&["-o", "sarif"]).stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "NF401"));

    let md = stdout(&shop(&["-o", "md"]));
    assert!(md.starts_with("## netfence review: ❌ fail"), "{md}");
    assert!(md.contains("## Connectivity diff"), "{md}");

    let record: serde_json::Value = serde_json::from_slice(&shop(&["-o", "record"]).stdout).unwrap();
    assert_eq!(record["kind"], "ChangeRecord");
    assert_eq!(record["head"]["sources"].as_array().unwrap().len(), 7);
    assert_eq!(record["review"]["verdict"], "fail");
}

#[test]
fn output_file_and_errors() {
    let dir = std::env::temp_dir().join(format!("netfence-review-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("review.sarif");
    let out = shop(&["-o", "sarif", "--output", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"2.1.0\""));

    let bad = dir.join("netfence.yaml");
    std::fs::write(&bad, "apiVersion: netfence.dev/v1alpha1\nkind: Config\nthresholds: {failOn: sometimes}\n").unwrap();
    let out = netfence(&["review", "examples/online-shop/manifests", "--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("NF-E011") && err.contains(":3:"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `netfence plan --base BASE --head HEAD --out OUT`, which must succeed.
fn plan(base: &Path, head: &Path, out: &Path) -> Output {
    let args = ["--base", base.to_str().unwrap(), "--head", head.to_str().unwrap(), "--out", out.to_str().unwrap()];
    let out = netfence(&[&["plan"][..], &args].concat());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn plan_writes_numbered_steps_and_rollback() {
    let dir = std::env::temp_dir().join(format!("netfence-plan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let base = dir.join("base.yaml");
    let head = dir.join("head.yaml");
    std::fs::create_dir_all(&dir).unwrap();
    let allow = |name: &str, port: u16| {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\n\
             spec: {{podSelector: {{matchLabels: {{app: web}}}}, ingress: [{{ports: [{{port: {port}}}]}}]}}\n"
        )
    };
    let deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n\
                spec: {podSelector: {}, policyTypes: [Ingress]}\n";
    std::fs::write(&base, format!("{}---\n{}", allow("old", 80), allow("kept", 443))).unwrap();
    std::fs::write(&head, format!("{}---\n{}---\n{deny}", allow("new", 8080), allow("kept", 8443))).unwrap();
    let out_dir = dir.join("plan");
    let out = plan(&base, &head, &out_dir);
    let mut files: Vec<String> =
        std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(
        files,
        ["01-apply-allowances.yaml", "02-apply-isolation.yaml", "03-delete-allowances.yaml", "README.md", "rollback"]
    );
    let first = std::fs::read_to_string(out_dir.join("01-apply-allowances.yaml")).unwrap();
    assert!(first.contains("name: new") && first.contains("name: kept") && first.contains("8443"), "{first}");
    let last = std::fs::read_to_string(out_dir.join("03-delete-allowances.yaml")).unwrap();
    assert!(last.contains("name: old") && !last.contains("spec"), "{last}");
    let mut rollback: Vec<String> = std::fs::read_dir(out_dir.join("rollback"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    rollback.sort();
    assert_eq!(rollback, ["01-apply-allowances.yaml", "02-delete-isolation.yaml", "03-delete-allowances.yaml"]);
    let restore = std::fs::read_to_string(out_dir.join("rollback/01-apply-allowances.yaml")).unwrap();
    assert!(restore.contains("name: old") && restore.contains("port: 443"), "{restore}");
    assert!(stdout(&out).contains("kubectl apply -f 01-apply-allowances.yaml"), "{}", stdout(&out));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_plan_summary_names_ten_policies_per_step() {
    let dir = std::env::temp_dir().join(format!("netfence-plan-many-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (base, head) = (dir.join("base.yaml"), dir.join("head.yaml"));
    std::fs::write(&base, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n").unwrap();
    let policies: Vec<String> = (0..12)
        .map(|i| {
            format!(
                "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p{i:02}, namespace: shop}}\n\
                 spec: {{podSelector: {{}}, ingress: [{{ports: [{{port: {}}}]}}]}}\n",
                8000 + i
            )
        })
        .collect();
    std::fs::write(&head, policies.join("---\n")).unwrap();
    let out_dir = dir.join("plan");
    let out = plan(&base, &head, &out_dir);
    let text = stdout(&out);
    assert!(text.contains("shop/p09, and 2 more)"), "{text}");
    assert!(!text.contains("shop/p10"), "{text}");
    // the step's file has them all
    let step = std::fs::read_to_string(out_dir.join("01-apply-allowances.yaml")).unwrap();
    assert_eq!(step.matches("kind: NetworkPolicy").count(), 12);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn plan_of_the_example_change() {
    let dir = std::env::temp_dir().join(format!("netfence-plan-shop-{}", std::process::id()));
    let out = netfence(&[
        "plan",
        "--base",
        "examples/online-shop-change/base",
        "--head",
        "examples/online-shop-change/head",
        "--out",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = plan["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1, "{plan}");
    let names: Vec<&str> =
        steps[0]["policies"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["payments-egress", "frontend-ingress"]);
    assert_eq!(plan["unchanged"], 10);
    std::fs::remove_dir_all(&dir).unwrap();
}
