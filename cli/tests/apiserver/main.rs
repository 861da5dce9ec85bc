//! Tests against a real Kubernetes API server (kube-apiserver v1.34.4 and etcd, started by
//! `netfence-testkit` on loopback): the validation differential, live cluster reading and the
//! deploy step (`netfence apply`).
//!
//! One server serves every case (starting one takes seconds), so this test binary has its own
//! small harness: each case runs in turn, a panic fails only that case, and the server is
//! stopped and its directory removed when the harness ends, whatever happened. Filter cases by
//! name as with libtest (`cargo test -p netfence-cli --test apiserver -- differential`).
//!
//! Where Go or etcd cannot be had the harness fails, naming what is missing, unless
//! `NETFENCE_SKIP_APISERVER=1` is set: then it says loudly that it skipped every case.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod apply;
mod common;
mod differential;
mod live;

use std::io::Write;
use std::panic::AssertUnwindSafe;
use std::process::ExitCode;
use std::time::Instant;

use common::Ctx;
use netfence_testkit::{ApiServer, SKIP_VARIABLE, skip_requested};

type Case = fn(&Ctx);

const CASES: &[(&str, Case)] = &[
    ("differential::netfence_agrees_with_the_apiserver", differential::netfence_agrees_with_the_apiserver),
    ("live::analyze_of_10000_pods_equals_the_files", live::analyze_of_10000_pods_equals_the_files),
    ("live::every_kind_is_read_and_slimmed", live::every_kind_is_read_and_slimmed),
    ("live::unknown_context_is_an_input_error", live::unknown_context_is_an_input_error),
    ("apply::rollout_then_rollback", apply::rollout_then_rollback),
    ("apply::dry_run_rejection_changes_nothing", apply::dry_run_rejection_changes_nothing),
    ("apply::failing_step_is_restored", apply::failing_step_is_restored),
    ("apply::watched_drops_roll_back", apply::watched_drops_roll_back),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let selected: Vec<&(&str, Case)> = CASES
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &selected {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    println!("\nrunning {} tests against a real kube-apiserver", selected.len());
    if skip_requested() {
        println!(
            "\n!!! SKIPPED: {SKIP_VARIABLE}=1 is set: the {} tests against a real kube-apiserver did not run !!!\n",
            selected.len()
        );
        println!("test result: ok. 0 passed; 0 failed; {} ignored; 0 measured; 0 filtered out", selected.len());
        return ExitCode::SUCCESS;
    }
    if selected.is_empty() {
        println!("test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; {} filtered out", CASES.len());
        return ExitCode::SUCCESS;
    }
    let server = match ApiServer::start() {
        Ok(server) => server,
        Err(e) => {
            println!(
                "\n!!! cannot start a kube-apiserver: {e}\n!!! the tests against a real API server need Go (to build it) and \
                 etcd (`apt-get install etcd-server`); set {SKIP_VARIABLE}=1 to skip them on purpose\n"
            );
            println!("test result: FAILED. 0 passed; {} failed; 0 ignored; 0 measured; 0 filtered out", selected.len());
            return ExitCode::FAILURE;
        }
    };
    let ctx = Ctx::new(&server);
    let mut failed = Vec::new();
    for (name, case) in &selected {
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| case(&ctx)));
        let status = if outcome.is_ok() { "ok" } else { "FAILED" };
        println!("test {name} ... {status} ({:.1}s)", started.elapsed().as_secs_f64());
        let _ = std::io::stdout().flush();
        if outcome.is_err() {
            failed.push(*name);
        }
    }
    drop(ctx);
    drop(server);
    let passed = selected.len() - failed.len();
    if failed.is_empty() {
        println!(
            "\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; {} filtered out",
            CASES.len() - selected.len()
        );
        ExitCode::SUCCESS
    } else {
        println!("\nfailures:\n    {}", failed.join("\n    "));
        println!(
            "\ntest result: FAILED. {passed} passed; {} failed; 0 ignored; 0 measured; {} filtered out",
            failed.len(),
            CASES.len() - selected.len()
        );
        ExitCode::FAILURE
    }
}
