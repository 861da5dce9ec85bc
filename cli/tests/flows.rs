#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
//! The flow-log subcommands on the online-shop Hubble sample: the traffic map, generation round
//! trip through `analyze` and `flows map`, gzip and stdin inputs, malformed lines, exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const FLOWS: &str = "examples/online-shop/flows/hubble.jsonl";
const MANIFESTS: &str = "examples/online-shop/manifests";
/// Manifests and the example's policies.
const DEPLOYED: &str = "examples/online-shop";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Runs `netfence` in the workspace root with `input` on stdin.
fn run(args: &[&str], input: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_netfence"));
    command.args(args).current_dir(root()).env("NO_COLOR", "1");
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh directory for one test's files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netfence-cli-flows-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entry<'a>(map: &'a Value, src: &str, dst: &str, protocol: &str, port: u64) -> Option<&'a Value> {
    map["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["src"] == src && e["dst"] == dst && e["protocol"] == protocol && e["port"] == port)
}

#[test]
fn map_lists_the_observed_pairs() {
    let out = run(&["flows", "map", "--flows", FLOWS, DEPLOYED, "-o", "json"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let map = json(&out);
    let web = entry(&map, "shop/frontend[Deployment]", "shop/api[Deployment]", "TCP", 8080).unwrap();
    assert_eq!(web["connections"], 6);
    assert_eq!(web["verdicts"]["forwarded"], 6);
    assert_eq!(web["allowed"], true);
    assert!(entry(&map, "shop/api[Deployment]", "data/postgres[StatefulSet]", "TCP", 5432).is_some());
    assert!(entry(&map, "payments/payments[Deployment]", "203.0.113.10", "TCP", 443).is_some());
    assert!(
        entry(&map, "ingress-nginx/ingress-nginx-controller[Deployment]", "shop/frontend[Deployment]", "TCP", 8080)
            .is_some()
    );
    let blocked = entry(&map, "shop/frontend[Deployment]", "data/postgres[StatefulSet]", "TCP", 5432).unwrap();
    assert_eq!(blocked["verdicts"]["dropped"], 2);
    assert_eq!(blocked["allowed"], false, "the example's policies deny frontend → postgres");
    assert_eq!(map["ingest"]["malformed"], 0);

    let text = run(&["flows", "map", "--flows", FLOWS, DEPLOYED], b"");
    let text = String::from_utf8(text.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("shop/frontend[Deployment]") && l.contains("TCP/8080")).unwrap();
    assert!(
        line.contains("→  shop/api[Deployment]") && line.contains("forwarded 6") && line.contains("allowed"),
        "{line}"
    );
    assert!(text.lines().next().unwrap().starts_with("SOURCE"), "{text}");

    let dot = run(&["flows", "map", "--flows", FLOWS, DEPLOYED, "-o", "dot"], b"");
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(
        dot.contains("\"shop/frontend[Deployment]\" -> \"shop/api[Deployment]\" [label=\"TCP 8080 ×6\"];"),
        "{dot}"
    );
    let mermaid = run(&["flows", "map", "--flows", FLOWS, DEPLOYED, "-o", "mermaid"], b"");
    let mermaid = String::from_utf8(mermaid.stdout).unwrap();
    assert!(
        mermaid.starts_with("flowchart LR\n") && mermaid.contains("-.->|\"TCP 5432 ×2 (2 dropped)\"|"),
        "{mermaid}"
    );
}

#[test]
fn generated_policies_analyze_cleanly_and_allow_every_observed_flow() {
    let dir = scratch("generate");
    let policies = dir.join("policies.yaml");
    let policies = policies.to_str().unwrap();
    let out = run(&["generate", "--flows", FLOWS, MANIFESTS, "--output", policies], b"");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = std::fs::read_to_string(policies).unwrap();
    assert!(yaml.starts_with("# ") && yaml.contains("# verified: the policies allow all"), "{yaml}");
    assert!(yaml.contains("netfence.dev/flows"), "rules carry their provenance");

    let report = json(&run(&["generate", "--flows", FLOWS, MANIFESTS, "-o", "json"], b""));
    assert_eq!(report["verification"]["denied"], Value::Null, "{}", report["verification"]);
    assert_eq!(report["verification"]["checked"], report["verification"]["allowed"]);
    assert!(report["verification"]["checked"].as_u64().unwrap() >= 14);

    let analyze = run(&["analyze", MANIFESTS, policies, "-o", "canonical"], b"");
    assert_eq!(analyze.status.code(), Some(0), "{}", stderr(&analyze));
    let validate = run(&["validate", policies], b"");
    assert_eq!(validate.status.code(), Some(0), "{}", String::from_utf8_lossy(&validate.stdout));

    // every delivered flow is allowed by the generated policies, the dropped one is not
    let map = json(&run(&["flows", "map", "--flows", FLOWS, MANIFESTS, policies, "-o", "json"], b""));
    let entries = map["entries"].as_array().unwrap();
    assert!(entries.len() >= 14);
    for e in entries {
        let delivered = e["verdicts"]["forwarded"].as_u64().unwrap_or(0) > 0;
        assert_eq!(e["allowed"], delivered, "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn gzip_and_stdin_read_like_the_plain_file() {
    let plain = run(&["flows", "map", "--flows", FLOWS, MANIFESTS, "-o", "json"], b"");
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let dir = scratch("gzip");
    let gz = dir.join("hubble.jsonl.gz");
    let sample = std::fs::read(root().join(FLOWS)).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&sample).unwrap();
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let zipped = run(&["flows", "map", "--flows", gz.to_str().unwrap(), MANIFESTS, "-o", "json"], b"");
    assert_eq!(zipped.status.code(), Some(0), "{}", stderr(&zipped));
    assert_eq!(json(&zipped), json(&plain));

    let piped = run(&["flows", "map", "--flows", "-", MANIFESTS, "-o", "json"], &sample);
    assert_eq!(piped.status.code(), Some(0), "{}", stderr(&piped));
    assert_eq!(json(&piped), json(&plain));
    assert!(stderr(&piped).is_empty(), "nothing on stderr without malformed lines: {}", stderr(&piped));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn malformed_lines_are_reported_with_line_numbers_and_never_fatal() {
    let sample = std::fs::read_to_string(root().join(FLOWS)).unwrap();
    let mut lines = sample.lines();
    let input = format!(
        "{}\n{{\"flow\": {{\"verdict\": \"FORWARDED\", \"IP\n{}\nnot json at all\n{}",
        lines.next().unwrap(),
        lines.next().unwrap(),
        &lines.next().unwrap()[..40]
    );
    let out = run(&["flows", "map", "--flows", "-", MANIFESTS, "-o", "json"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("3 malformed lines"), "{err}");
    for line in [2, 4, 5] {
        assert!(err.contains(&format!("<stdin>:{line}: ")), "line {line}: {err}");
    }
    let map = json(&out);
    assert_eq!(map["ingest"]["malformed"], 3);
    assert_eq!(map["ingest"]["malformedLines"][0]["line"], 2);

    let limited = run(&["flows", "map", "--flows", "-", "--max-malformed", "1", "-o", "json"], input.as_bytes());
    assert!(stderr(&limited).contains("… and 2 more"), "{}", stderr(&limited));
}

#[test]
fn generic_csv_from_stdin_with_an_explicit_format() {
    let csv = "time,srcNamespace,srcPod,srcIp,dstNamespace,dstPod,dstIp,protocol,dstPort,verdict\n\
               2024-05-01T10:00:00Z,shop,api-7d4b9c-x2k4p,10.244.1.20,data,postgres-0,10.244.2.30,TCP,5432,forwarded\n";
    let out = run(&["flows", "map", "--flows", "-", "--flow-format", "csv", MANIFESTS, "-o", "json"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let map = json(&out);
    assert!(entry(&map, "shop/api[Deployment]", "data/postgres[StatefulSet]", "TCP", 5432).is_some(), "{map}");
}

#[test]
fn drops_impact_and_audit_exit_1_on_findings() {
    let drops = run(&["drops", "--flows", FLOWS, DEPLOYED, "-o", "json"], b"");
    assert_eq!(drops.status.code(), Some(1), "{}", stderr(&drops));
    let value = json(&drops);
    assert_eq!(value["drops"][0]["src"], "shop/frontend[Deployment]");
    assert_eq!(value["drops"][0]["cause"], "policy");
    let allowances = run(&["drops", "--flows", FLOWS, DEPLOYED, "-o", "yaml"], b"");
    let yaml = String::from_utf8(allowances.stdout).unwrap();
    assert!(yaml.contains("kind: NetworkPolicy"), "{yaml}");
    assert_eq!(run(&["validate", "-"], yaml.as_bytes()).status.code(), Some(0));

    let impact = run(&["impact", "--base", MANIFESTS, "--head", DEPLOYED, "--flows", FLOWS, "-o", "json"], b"");
    assert_eq!(impact.status.code(), Some(1), "{}", stderr(&impact));
    let value = json(&impact);
    assert_eq!(value["newlyDenied"][0]["dst"], "data/postgres[StatefulSet]");
    assert_eq!(value["unchangedAllowed"], 14);
    let same = run(&["impact", "--base", DEPLOYED, "--head", DEPLOYED, "--flows", FLOWS], b"");
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));

    let audit = run(&["audit", "--flows", FLOWS, DEPLOYED, "-o", "json"], b"");
    assert_eq!(audit.status.code(), Some(1), "{}", stderr(&audit));
    let value = json(&audit);
    assert_eq!(value["tooBroad"][0]["rule"]["policy"], "payments-egress");
    let text = String::from_utf8(run(&["audit", "--flows", FLOWS, DEPLOYED], b"").stdout).unwrap();
    assert!(text.contains("rules much broader than their use"), "{text}");
}

#[test]
fn input_errors_exit_2() {
    let missing = run(&["flows", "map", "--flows", "does/not/exist.jsonl", MANIFESTS], b"");
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).starts_with("error[NF-E020]: cannot read `does/not/exist.jsonl`"), "{}", stderr(&missing));
    let twice = run(&["generate", "--flows", "-", "-"], b"");
    assert_eq!(twice.status.code(), Some(2), "{}", stderr(&twice));
    let no_flows = run(&["drops", MANIFESTS], b"");
    assert_eq!(no_flows.status.code(), Some(2));
    let dir = scratch("truncated");
    let gz = dir.join("broken.jsonl.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]).unwrap();
    let broken = run(&["flows", "map", "--flows", gz.to_str().unwrap()], b"");
    assert_eq!(broken.status.code(), Some(2), "{}", stderr(&broken));
    assert!(stderr(&broken).contains("NF-E020"), "{}", stderr(&broken));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_flow_subcommand_documents_examples() {
    for command in [&["flows", "map"][..], &["generate"], &["impact"], &["drops"], &["audit"]] {
        let mut args = command.to_vec();
        args.push("--help");
        let out = run(&args, b"");
        assert_eq!(out.status.code(), Some(0));
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Examples:") && help.contains("--flows <FLOWS>"), "{command:?}: {help}");
        assert!(help.contains("Exit codes:"), "{command:?}: {help}");
    }
}
