//! `cargo xtask fuzz [--seconds N] [TARGET...]`: every fuzz target of `fuzz/` (cargo-fuzz on
//! the nightly toolchain) for N seconds each (default 30), starting from the committed seed
//! corpus `fuzz/corpus/<target>/` and the inputs that once failed, `fuzz/regressions/<target>/`.
//! Fails on any crash, on an input slower than its limit or on
//! memory over its limit; what libFuzzer found is under `fuzz/artifacts/<target>/`.
//!
//! `cargo xtask fuzz --seed-corpus` rewrites the seed corpora from the repository's fixtures,
//! examples and test vectors, minimised with `cargo fuzz cmin`.
//!
//! New inputs a run finds go to `target/fuzz-corpus/<target>/`, never into the committed corpus;
//! docs/reliability.md tells how to run long and fold what a long run found back in.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use crate::bindings::{output, run_in};
use crate::run;

/// The targets, each with the largest input libFuzzer makes (`-max_len`).
pub const TARGETS: &[(&str, usize)] = &[
    ("source", 8192),
    ("list_split", 8192),
    ("resources", 8192),
    ("api", 16384),
    ("intent", 8192),
    ("requirements", 8192),
    ("flows", 8192),
    ("flows_gzip", 8192),
    ("yaml_write", 8192),
];

/// The cargo-fuzz release `cargo xtask fuzz` installs.
const CARGO_FUZZ: &str = "0.13.2";

/// Slowest single input accepted, in seconds (`-timeout`; an input over it is a failure).
const TIMEOUT_SECONDS: u32 = 20;

/// Most memory a target may use, in MB (`-rss_limit_mb`, `-malloc_limit_mb`).
const RSS_LIMIT_MB: u32 = 2048;

pub fn command(root: &Path, args: &[String]) -> Result<(), String> {
    let mut seconds = 30u64;
    let mut targets: Vec<&str> = Vec::new();
    let mut seed = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds =
                    iter.next().and_then(|s| s.parse().ok()).ok_or_else(|| "`--seconds` takes a number".to_owned())?;
            }
            "--seed-corpus" => seed = true,
            name => match TARGETS.iter().find(|(t, _)| *t == name) {
                Some((t, _)) => targets.push(t),
                None => {
                    let names: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
                    return Err(format!("unknown fuzz target `{name}` (targets: {})", names.join(", ")));
                }
            },
        }
    }
    if targets.is_empty() {
        targets = TARGETS.iter().map(|(t, _)| *t).collect();
    }
    ensure_tools()?;
    build(root)?;
    if seed {
        return seed_corpus(root, &targets);
    }
    run_targets(root, &targets, seconds)
}

/// The nightly toolchain (through rustup) and cargo-fuzz (from crates.io).
fn ensure_tools() -> Result<(), String> {
    let toolchains = output("rustup", &["toolchain", "list"]).unwrap_or_default();
    if !toolchains.lines().any(|l| l.starts_with("nightly")) {
        run("rustup", &["toolchain", "install", "nightly", "--profile", "minimal"])?;
    }
    let version = output("cargo", &["fuzz", "--version"]).unwrap_or_default();
    if version.split_whitespace().nth(1) != Some(CARGO_FUZZ) {
        run("cargo", &["install", "cargo-fuzz", "--version", CARGO_FUZZ, "--locked"])?;
    }
    Ok(())
}

fn build(root: &Path) -> Result<(), String> {
    run_in(root, "cargo", &["+nightly", "fuzz", "build"], &[])
}

fn run_targets(root: &Path, targets: &[&str], seconds: u64) -> Result<(), String> {
    let started = Instant::now();
    let mut failed = Vec::new();
    for target in targets {
        let max_len = TARGETS.iter().find(|(t, _)| t == target).map_or(8192, |(_, m)| *m);
        let found = root.join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&found).map_err(|e| format!("cannot create {}: {e}", found.display()))?;
        let seeds = root.join("fuzz/corpus").join(target);
        let artifacts = format!("-artifact_prefix={}/", root.join("fuzz/artifacts").join(target).display());
        std::fs::create_dir_all(root.join("fuzz/artifacts").join(target)).map_err(|e| e.to_string())?;
        let mut args = vec![
            "+nightly".to_owned(),
            "fuzz".to_owned(),
            "run".to_owned(),
            (*target).to_owned(),
            found.to_string_lossy().into_owned(),
            seeds.to_string_lossy().into_owned(),
        ];
        // inputs that once failed (docs/reliability.md), run first with the seeds
        let regressions = root.join("fuzz/regressions").join(target);
        if regressions.is_dir() {
            args.push(regressions.to_string_lossy().into_owned());
        }
        args.extend([
            "--".to_owned(),
            format!("-max_total_time={seconds}"),
            format!("-max_len={max_len}"),
            format!("-timeout={TIMEOUT_SECONDS}"),
            format!("-rss_limit_mb={RSS_LIMIT_MB}"),
            format!("-malloc_limit_mb={RSS_LIMIT_MB}"),
            artifacts,
            "-print_final_stats=1".to_owned(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if let Err(e) = run_in(root, "cargo", &args, &[]) {
            failed.push(format!("{target}: {e}"));
        }
    }
    eprintln!("fuzz: {} target(s), {seconds}s each, in {:.0}s", targets.len(), started.elapsed().as_secs_f64());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "fuzz targets failed (inputs under fuzz/artifacts/; reproduce with `cargo +nightly fuzz run TARGET FILE`):\n  {}",
            failed.join("\n  ")
        ))
    }
}

/// What `cargo xtask test` runs: every target for a short budget.
pub fn test(root: &Path, seconds: u64) -> Result<(), String> {
    ensure_tools()?;
    build(root)?;
    let targets: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
    run_targets(root, &targets, seconds)
}

// ---------------------------------------------------------------------------------------------
// Seed corpora
// ---------------------------------------------------------------------------------------------

fn files_under(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, extensions, out);
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e)) {
            out.push(path);
        }
    }
}

/// Every request of the shared test vectors: (operation, request).
fn vectors(root: &Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut files = Vec::new();
    files_under(&root.join("tests/vectors"), &["json"], &mut files);
    for file in files.into_iter().filter(|f| f.file_name().is_some_and(|n| n == "request.json")) {
        let operation = file
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(request) = std::fs::read_to_string(&file).ok().and_then(|t| serde_json::from_str(&t).ok()) {
            out.push((operation, request));
        }
    }
    out
}

/// Strings at `key` anywhere in `value` (the `text` of sources, flows, requirements).
fn texts<'a>(value: &'a Value, key: &str, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match v {
                    Value::String(s) if k == key => out.push(s),
                    other => texts(other, key, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| texts(v, key, out)),
        _ => {}
    }
}

fn seed_inputs(root: &Path, target: &str) -> Vec<Vec<u8>> {
    let read = |p: &Path| std::fs::read(p).unwrap_or_default();
    let vectors = vectors(root);
    let mut manifests = Vec::new();
    files_under(&root.join("examples"), &["yaml", "yml", "json"], &mut manifests);
    files_under(&root.join("core/tests/fixtures"), &["yaml", "yml"], &mut manifests);
    let manifest_texts: Vec<Vec<u8>> = manifests.iter().map(|p| read(p)).collect();
    let mut source_texts: Vec<Vec<u8>> = manifest_texts.clone();
    for (_, request) in &vectors {
        let mut found = Vec::new();
        texts(request, "text", &mut found);
        source_texts.extend(found.into_iter().map(|s| s.as_bytes().to_vec()));
    }
    let flow_texts = || -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let hubble = String::from_utf8(read(&root.join("examples/online-shop/flows/hubble.jsonl"))).unwrap_or_default();
        out.push(hubble.lines().take(6).collect::<Vec<_>>().join("\n").into_bytes());
        for (operation, request) in &vectors {
            if ["flow_map", "generate", "impact", "drops", "audit"].contains(&operation.as_str())
                && let Some(flows) = request.get("flows")
            {
                let mut found = Vec::new();
                texts(flows, "text", &mut found);
                out.extend(found.into_iter().map(|s| s.as_bytes().to_vec()));
            }
        }
        out.push(
            b"srcNamespace,srcPod,dstIp,dstPort,protocol,verdict\nshop,api-1,203.0.113.7,443,TCP,forwarded\n".to_vec(),
        );
        out.push(
            b"{\"srcNamespace\":\"shop\",\"srcPod\":\"web-1\",\"dstNamespace\":\"shop\",\"dstPod\":\"api-2\",\"dstPort\":8080,\"protocol\":\"TCP\",\"verdict\":\"dropped\"}\n"
                .to_vec(),
        );
        out
    };
    match target {
        "source" | "resources" => source_texts,
        "list_split" => {
            // the example manifests as `kubectl get -o json` and `-o yaml` lists
            let mut out = Vec::new();
            for text in &manifest_texts {
                let text = String::from_utf8_lossy(text);
                let Ok(parsed) =
                    netfence::source::parse_text(&text, "m.yaml", &netfence::source::ParseOptions::default())
                else {
                    continue;
                };
                let items: Vec<Value> = parsed.documents.iter().map(|d| d.root.to_json()).collect();
                if items.len() < 2 {
                    continue;
                }
                let list = serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}});
                out.push(serde_json::to_string_pretty(&list).unwrap_or_default().into_bytes());
                out.push(netfence::to_yaml(&list).into_bytes());
            }
            out
        }
        "api" => vectors
            .iter()
            .map(|(operation, request)| format!("{operation}\n{request}").into_bytes())
            .chain([b"frobnicate\n{}".to_vec(), b"parse\n[]".to_vec()])
            .collect(),
        "intent" => {
            let mut out = vec![read(&root.join("examples/online-shop/intent.yaml"))];
            for (operation, request) in &vectors {
                if operation == "build" {
                    let mut found = Vec::new();
                    texts(request, "text", &mut found);
                    out.extend(found.into_iter().map(|s| s.as_bytes().to_vec()));
                }
            }
            out
        }
        "requirements" => {
            let mut out = vec![read(&root.join("examples/online-shop/requirements.yaml"))];
            let mut files = Vec::new();
            files_under(&root.join("core/tests/fixtures/requirements"), &["yaml"], &mut files);
            out.extend(files.iter().map(|p| read(p)));
            for (operation, request) in &vectors {
                if operation == "check"
                    && let Some(Value::String(text)) = request.pointer("/requirements/text")
                {
                    out.push(text.as_bytes().to_vec());
                }
            }
            out
        }
        "flows" => {
            flow_texts().into_iter().flat_map(|t| (0u8..4).map(move |s| [vec![s], t.clone()].concat())).collect()
        }
        "flows_gzip" => flow_texts().into_iter().flat_map(|t| [stored_gzip(&t), t]).collect(),
        "yaml_write" => {
            let mut out: Vec<Vec<u8>> = vectors.iter().map(|(_, r)| r.to_string().into_bytes()).collect();
            out.push(br#"{"a": "yes", "b": "0x1F", "c": "-", "d": "line\nbreak", "e": [1.5, -0, 1e300, null, true], "f": {"": "~"}}"#.to_vec());
            out
        }
        _ => Vec::new(),
    }
}

/// `data` in a gzip member with stored (uncompressed) blocks: a valid stream without a
/// compression library in xtask.
fn stored_gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let chunks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(65535).collect() };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend(crc32(data).to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// Writes the seeds of each target into a scratch folder and minimises them into
/// `fuzz/corpus/<target>/` (`cargo fuzz cmin`).
fn seed_corpus(root: &Path, targets: &[&str]) -> Result<(), String> {
    for target in targets {
        let scratch = root.join("target/fuzz-seeds").join(target);
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
        let max_len = TARGETS.iter().find(|(t, _)| t == target).map_or(8192, |(_, m)| *m);
        let mut seen = BTreeSet::new();
        for (i, input) in seed_inputs(root, target).into_iter().enumerate() {
            if input.len() > max_len || !seen.insert(input.clone()) {
                continue;
            }
            let mut file = std::fs::File::create(scratch.join(format!("seed-{i:04}"))).map_err(|e| e.to_string())?;
            file.write_all(&input).map_err(|e| e.to_string())?;
        }
        let corpus = root.join("fuzz/corpus").join(target);
        let _ = std::fs::remove_dir_all(&corpus);
        std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
        // cmin minimises the first folder in place: copy the seeds there first
        for entry in std::fs::read_dir(&scratch).map_err(|e| e.to_string())?.flatten() {
            std::fs::copy(entry.path(), corpus.join(entry.file_name())).map_err(|e| e.to_string())?;
        }
        let corpus_arg = corpus.to_string_lossy().into_owned();
        run_in(root, "cargo", &["+nightly", "fuzz", "cmin", target, &corpus_arg], &[])?;
        let kept = std::fs::read_dir(&corpus).map(Iterator::count).unwrap_or(0);
        eprintln!("    {target}: {} seeds, {kept} kept", seen.len());
    }
    Ok(())
}
