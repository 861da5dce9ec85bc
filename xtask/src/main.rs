//! `cargo xtask`: build, code generation and test orchestration for netfence.
//!
//! `cargo xtask test` installs what it needs from the package registries (skipping what is
//! already present) and runs every test; `.ci/run` calls exactly that.

mod apiserver;
mod bindings;
mod ci;
mod codegen;
mod differential;
mod dist;
mod fuzz;
mod playground;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("codegen") => codegen(args.iter().any(|a| a == "--check")),
        Some("lint") => lint(),
        Some("bench") => bench(&args[1..]),
        Some("bindings-codegen") => bindings_codegen(args.iter().any(|a| a == "--check")),
        Some("fuzz") => fuzz::command(&root(), &args[1..]),
        Some("differential") => differential::command(&root(), &args[1..]),
        Some("playground") => playground::command(&root(), &args[1..]),
        Some("dist") => dist::command(&root(), &args[1..]),
        Some("apiserver") => apiserver::command(&args[1..]),
        Some("bindings") => match args.get(1).map(String::as_str) {
            Some("wasm") => bindings::wasm(&root()),
            Some("python") => bindings::python(&root()),
            Some("node") => bindings::node(&root()),
            _ => bindings::test(&root()),
        },
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  test [--quick]     install tools and run every test (what CI runs); --quick: the Rust tests and vectors only\n  dist [--smoke]     release artefacts in target/dist/: wheel, sdist, npm tarballs, CLI, SHA256SUMS; --smoke: install them outside the repository and run the smoke suites\n  codegen [--check]  regenerate schemas and docs (--check: fail if anything changes)\n  lint               rustfmt --check and clippy -D warnings\n  bindings-codegen [--check]  regenerate the bindings' typings (.d.ts, .pyi, index.mjs)\n  bindings [wasm|python|node]  build and test the bindings (all by default)\n  playground [--out DIR] [--no-wasm-build] [--test]  build the browser playground (default target/playground/); --test: its e2e tests\n  apiserver [build|start]  build and cache kube-apiserver; start it with etcd and the CRDs (prints a kubeconfig)\n  bench [SIZE...]    benchmarks (docs/performance.md): 1k 10k 150k (default), kubectl-15k, kubectl-150k, pairs-500\n  fuzz [--seconds N] [TARGET...] [--seed-corpus]  run the fuzz targets (nightly, cargo-fuzz), N seconds each (default 30)\n  differential [--count N] [--seed S] [--keep] [--minimize SEED]  netfence against netpol-analyzer on N random clusters (default 300)"
            );
            Err("unknown command".to_owned())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs a command in the repository root, echoing it, failing on a non-zero exit.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {program} {}", args.join(" "));
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    eprintln!("    ({:.1}s)", started.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(format!("`{program} {}` failed ({status})", args.join(" "))) }
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).output().map(|o| o.status.success()).unwrap_or(false)
}

/// Installs rustup components when missing.
fn ensure_rust_components() -> Result<(), String> {
    for (component, probe) in [("clippy", "clippy"), ("rustfmt", "fmt")] {
        if !succeeds(&cargo(), &[probe, "--version"]) {
            run("rustup", &["component", "add", component])?;
        }
    }
    Ok(())
}

fn lint() -> Result<(), String> {
    ensure_rust_components()?;
    run(&cargo(), &["fmt", "--all", "--check"])?;
    run(&cargo(), &["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])?;
    // the WASM binding's full build (its extra functions are behind the feature)
    run(&cargo(), &["clippy", "-p", "netfence-wasm", "--features", "full", "--locked", "--", "-D", "warnings"])
}

fn codegen(check: bool) -> Result<(), String> {
    let stale = codegen::generate(&root(), check)?;
    if check && !stale.is_empty() {
        return Err(format!(
            "generated files are out of date: {}\n  run `cargo xtask codegen` and commit the result",
            stale.join(", ")
        ));
    }
    Ok(())
}

fn bindings_codegen(check: bool) -> Result<(), String> {
    if check { bindings::check(&root()) } else { bindings::generate(&root(), false).map(|_| ()) }
}

/// The all-pairs answer of a 500-pod cluster (`tests/bench/random_cluster.py`; 380 random
/// policies give ~279k connection records, the size of the answer issue #15 measured) written
/// by `netfence analyze` in each format: the whole command's wall time (best and median of
/// five) and the output's size and rate.
fn pairs_500() -> Result<(), String> {
    run(&cargo(), &["build", "--release", "--locked", "-p", "netfence-cli", "--bin", "netfence"])?;
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let input = dir.join("pairs-500.yaml");
    let file = std::fs::File::create(&input).map_err(|e| format!("cannot create {}: {e}", input.display()))?;
    let script = root().join("tests/bench/random_cluster.py");
    let status = std::process::Command::new("python3")
        .arg(&script)
        .args(["--pods", "500", "--policies", "380", "--seed", "1"])
        .stdout(file)
        .status()
        .map_err(|e| format!("cannot run python3 {}: {e}", script.display()))?;
    if !status.success() {
        return Err("random_cluster.py failed".to_owned());
    }
    let exe = root().join("target/release/netfence");
    for format in ["canonical", "json", "csv", "txt"] {
        let out = dir.join(format!("pairs-500.{format}"));
        let mut times = Vec::new();
        for _ in 0..5 {
            let start = std::time::Instant::now();
            let status = std::process::Command::new(&exe)
                .args(["analyze", &input.to_string_lossy(), "-o", format, "--output", &out.to_string_lossy()])
                .status()
                .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
            times.push(start.elapsed().as_secs_f64());
            if status.code() != Some(0) {
                return Err(format!("netfence analyze -o {format} failed: {status}"));
            }
        }
        times.sort_by(f64::total_cmp);
        let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        let best = times.first().copied().unwrap_or(0.0);
        let median = times.get(2).copied().unwrap_or(0.0);
        println!(
            "{{\"bench\":\"pairs-500\",\"format\":\"{format}\",\"bestSeconds\":{best:.3},\"medianSeconds\":{median:.3},\"outputBytes\":{bytes},\"mbPerSecondAtBest\":{:.0}}}",
            bytes as f64 / 1e6 / best.max(1e-9)
        );
        std::fs::remove_file(&out).map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
    }
    std::fs::remove_file(&input).map_err(|e| format!("cannot remove {}: {e}", input.display()))
}

/// Runs the engine benchmark once per size, each in its own process so peak memory is per size.
/// `kubectl-15k` and `kubectl-150k` write the realistic `kubectl get -A -o json|yaml` dump
/// (`netfence::synth::kubectl`, ~12 KB a pod indented) to `target/bench/` in four formats
/// (JSON indented, compact, a compact List of slim objects, YAML) and stream each as the command
/// line reads it (the 150k JSON is 1.9 GB: run it by hand). `pairs-500`: see [`pairs_500`].
fn bench(args: &[String]) -> Result<(), String> {
    let sizes: Vec<&str> =
        if args.is_empty() { vec!["1k", "10k", "150k"] } else { args.iter().map(String::as_str).collect() };
    run(
        &cargo(),
        &["build", "--release", "--locked", "-p", "netfence", "--example", "bench", "--example", "kubectl_dump"],
    )?;
    let exe = root().join("target/release/examples/bench").to_string_lossy().into_owned();
    for size in sizes {
        if size == "pairs-500" {
            pairs_500()?;
            continue;
        }
        let (pods, policies, namespaces) = match size {
            "1k" => ("1000", "100", None),
            "10k" => ("10000", "1000", None),
            "150k" => ("150000", "10000", None),
            "kubectl-15k" => ("15000", "1000", Some("100")),
            "kubectl-150k" => ("150000", "10000", Some("1000")),
            other => {
                return Err(format!("unknown size `{other}` (1k, 10k, 150k, kubectl-15k, kubectl-150k, pairs-500)"));
            }
        };
        let Some(namespaces) = namespaces else {
            run(&exe, &["--pods", pods, "--policies", policies, "--all-pairs", "--exposure"])?;
            continue;
        };
        let dir = root().join("target/bench");
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for format in ["json", "json-compact", "slim-compact", "yaml"] {
            let path = dir.join(format!("{size}.{format}"));
            let file = std::fs::File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let dump = root().join("target/release/examples/kubectl_dump");
            let args = ["--pods", pods, "--policies", policies, "--namespaces", namespaces, "--format", format];
            let status = std::process::Command::new(&dump)
                .args(args)
                .stdout(file)
                .status()
                .map_err(|e| format!("cannot run {}: {e}", dump.display()))?;
            if !status.success() {
                return Err(format!("kubectl_dump {} failed", args.join(" ")));
            }
            eprintln!("{size} {format}:");
            run(&exe, &["--input", &path.to_string_lossy(), "--stream", "--all-pairs"])?;
            std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Seconds each fuzz target runs in `cargo xtask test`.
const FUZZ_SECONDS_IN_CI: u64 = 20;

/// Random clusters the differential against netpol-analyzer compares in `cargo xtask test`.
const DIFFERENTIAL_CLUSTERS_IN_CI: usize = 300;

/// Bounded memory on flow-log streams at full size (10 million records, 1 GB) needs an
/// optimised build; without LTO, which costs more to build than it saves here.
fn flows_memory() -> Result<(), String> {
    run(
        &cargo(),
        &[
            "test",
            "--release",
            "--locked",
            "-p",
            "netfence",
            "--test",
            "flows_memory",
            "--config",
            "profile.release.lto=false",
            "--config",
            "profile.release.codegen-units=16",
        ],
    )
}

fn test(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let quick = args.iter().any(|a| a == "--quick");
    let corpus = root().join("../shared/conformance/netpol-analyzer");
    let missing_corpus = !corpus.is_dir();
    let notice = || {
        if missing_corpus {
            eprintln!(
                "xtask test: NOTICE: the conformance corpus is absent ({}): the netpol-analyzer conformance tests pass without running",
                corpus.display()
            );
        }
    };
    notice();
    type Step = (&'static str, fn() -> Result<(), String>);
    let rust_tests: Step = ("cargo test --workspace (Rust tests and the shared vectors)", || {
        run(&cargo(), &["test", "--workspace", "--locked"])
    });
    let steps: Vec<Step> = if quick {
        // without the API server: its tests say loudly that they skipped
        vec![("cargo test --workspace (Rust tests and the shared vectors; the API-server tests skip)", || {
            bindings::run_in(
                &root(),
                &cargo(),
                &["test", "--workspace", "--locked"],
                &[("NETFENCE_SKIP_APISERVER", "1")],
            )
        })]
    } else {
        vec![
            ("lint: rustfmt --check, clippy -D warnings", lint),
            (
                "apiserver: build or reuse kube-apiserver, install etcd (for the tests against a real API server)",
                || apiserver::prepare_tests(),
            ),
            rust_tests,
            ("ci integrations: the GitHub Action's steps, the GitLab template, the pre-commit hook", || {
                ci::test(&root())
            }),
            ("codegen --check: schemas and docs are fresh", || codegen(true)),
            ("bindings: dist artefacts, WASM/Python/Node tests, smoke tests of the installed artefacts", || {
                bindings::test(&root())
            }),
            ("playground: end-to-end tests in headless Chromium", || playground::test(&root())),
            ("flow-log memory at full size: 10 million records, 1 GB (release build)", flows_memory),
            ("fuzz: every fuzz target briefly (nightly, cargo-fuzz; docs/reliability.md)", || {
                fuzz::test(&root(), FUZZ_SECONDS_IN_CI)
            }),
            ("differential: random clusters against netpol-analyzer v1.4.2", || {
                differential::test(&root(), DIFFERENTIAL_CLUSTERS_IN_CI)
            }),
        ]
    };
    let names: Vec<&str> = steps.iter().map(|(name, _)| *name).collect();
    eprintln!("xtask test{}: {} steps: {}", if quick { " --quick" } else { "" }, steps.len(), names.join("; "));
    for (i, (name, step)) in steps.iter().enumerate() {
        eprintln!("xtask test [{}/{}] {name} ({:.0}s so far)", i + 1, steps.len(), started.elapsed().as_secs_f64());
        step()?;
    }
    eprintln!("xtask test: all {} steps passed in {:.0}s", steps.len(), started.elapsed().as_secs_f64());
    notice();
    Ok(())
}
