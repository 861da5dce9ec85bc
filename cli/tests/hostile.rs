#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
//! Hostile inputs on the command line (the CLI row of the hostile-input matrix of
//! docs/reliability.md; the bindings have theirs in their own tests): alias bombs, deep nesting,
//! a 30 MB string, input over the size limit, binary garbage, invalid UTF-8, NUL bytes, huge
//! numbers, a document that is an array, garbage and broken gzip flow logs. Every command that
//! reads them ends with a coded error or an answer, exit code 0, 1 or 2 — never a panic, a
//! signal or a hang (the test would not end).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netfence"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // the child may stop reading early (an input over the limit)
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().unwrap()
}

fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netfence-cli-hostile-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Pseudo-random bytes (xorshift), the same on every run.
fn garbage(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The hostile manifests: (name, content, the error code the output must name, if one).
fn manifests() -> Vec<(&'static str, Vec<u8>, Option<&'static str>)> {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", ")));
    }
    let big = |n: usize| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: big\n  annotations:\n    text: \"{}\"\n",
            "x".repeat(n)
        )
        .into_bytes()
    };
    vec![
        ("alias-bomb.yaml", bomb.into_bytes(), Some("NF-E003")),
        ("deep-flow.yaml", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(), Some("NF-E003")),
        ("deep-json.json", format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000)).into_bytes(), Some("NF-E003")),
        (
            "deep-block.yaml",
            (0..200).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect::<String>().into_bytes(),
            Some("NF-E003"),
        ),
        ("string-30mb.yaml", big(30_000_000), None),
        ("over-limit.yaml", big(33 << 20), Some("NF-E001")),
        ("garbage.bin", garbage(100_000), Some("NF-E004")),
        ("invalid-utf8.yaml", b"apiVersion: v1\nkind: Namespace\nmetadata: {name: \"caf\xe9\"}\n".to_vec(), Some("NF-E004")),
        ("nul.yaml", b"apiVersion: v1\nkind: Namespace\x00\n".to_vec(), Some("NF-E004")),
        (
            "huge-numbers.yaml",
            b"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: n, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 99999999999999999999999999999999999999999, endPort: 1e999999}, {port: -170141183460469231731687303715884105729}]}]\n"
                .to_vec(),
            Some("NF-E005"),
        ),
        ("array.json", b"[1, 2, {\"kind\": [\"x\"]}]".to_vec(), Some("NF-E006")),
    ]
}

fn check(what: &str, out: &Output, code: Option<&str>) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let shown: String = text.chars().take(600).collect();
    assert!(matches!(out.status.code(), Some(0..=2)), "{what}: exit {:?} (a signal or a panic)\n{shown}", out.status);
    assert!(!text.contains("panicked"), "{what}: a panic\n{shown}");
    if let Some(code) = code {
        assert!(text.contains(code), "{what}: no {code}\n{shown}");
    }
}

#[test]
fn hostile_manifests_give_coded_errors_in_every_command_that_reads_them() {
    let dir = scratch("manifests");
    for (name, bytes, code) in manifests() {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let file = path.to_str().unwrap();
        // the command line reads inputs of any size by default (a real cluster dump is
        // gigabytes): the byte limit applies when it is set
        let limit: &[&str] = if name == "over-limit.yaml" { &["--max-input-bytes", "33554432"] } else { &[] };
        let run = |command: &[&str], stdin: &[u8]| run(&[limit, command].concat(), stdin);
        for command in [&["validate", file][..], &["parse", file], &["lint", file], &["analyze", file]] {
            check(&format!("netfence {} {name}", command[0]), &run(command, b""), code);
        }
        // standard input, in strict mode: the first bad document is the error
        let strict = run(&["--strict", "validate", "-"], &bytes);
        check(&format!("netfence --strict validate - < {name}"), &strict, code);
        if code.is_some() {
            assert_eq!(strict.status.code(), Some(2), "{name}: strict mode exits 2 on unreadable input");
        }
        // as an intent and as requirements: the same code for what cannot be read, the
        // intent's or the requirements' own for a wrong shape
        let reading = code.map(|c| if ["NF-E001", "NF-E003", "NF-E004"].contains(&c) { c } else { "NF-E0" });
        check(&format!("netfence build {name}"), &run(&["build", file], b""), reading);
        let requirements = run(&["check", "examples/online-shop/manifests", "--requirements", file], b"");
        check(&format!("netfence check --requirements {name}"), &requirements, reading);
        std::fs::remove_file(&path).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn hostile_flow_logs_are_counted_or_refused_with_a_code() {
    let dir = scratch("flows");
    let mut gzip_garbage = vec![0x1f, 0x8b, 8, 0];
    gzip_garbage.extend(garbage(10_000));
    let mut long_line = b"srcNamespace,srcPod,dstIp,dstPort,protocol,verdict\n".to_vec();
    long_line.extend(std::iter::repeat_n(b'a', 3 << 20));
    long_line.extend(b"\nshop,api-1,203.0.113.7,443,TCP,forwarded\n");
    let flows: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("garbage.jsonl", garbage(200_000), None),
        ("broken.gz", gzip_garbage, Some("NF-E020")),
        ("long-line.csv", long_line, None),
        ("deep.jsonl", format!("{}\n", "[".repeat(1_000_000)).into_bytes(), None),
        (
            "huge-numbers.jsonl",
            b"{\"srcPod\": \"a\", \"dstIp\": \"1.2.3.4\", \"dstPort\": 1e999999, \"count\": 99999999999999999999999}\n"
                .to_vec(),
            None,
        ),
    ];
    for (name, bytes, code) in flows {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let out = run(&["flows", "map", "--flows", path.to_str().unwrap(), "examples/online-shop/manifests"], b"");
        check(&format!("netfence flows map --flows {name}"), &out, code);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
