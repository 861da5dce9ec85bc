//! Synthetic Hubble flow files and the ingestion benchmark.
//!
//! `cargo run --release -p netfence --example flowgen -- --out flows.jsonl --records 1000000`
//! writes a deterministic Hubble JSON file for the endpoints of a synthetic cluster
//! ([`netfence::synth::generate`], `--pods`, `--namespaces`); `--bench` then reads it back with
//! [`netfence::flows::ingest_reader`] on one thread and prints records/s, MB/s and peak memory as
//! JSON. Without `--out` the file is generated in memory and only benchmarked; `--input PATH`
//! benchmarks reading an existing file (plain text) alone. `--generate` (with `--bench` or
//! without `--out`) then also times least-privilege generation
//! ([`netfence::flows::generate::generate_policies`], with its engine verification and
//! over-permission count) for the distinct flow tuples read (`--conversations` sets how many);
//! `--no-compare` skips measuring the four alternative generalisations.

#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use netfence::engine::{CompiledCluster, EngineOptions};
use netfence::flows::generate::{GenerateOptions, generate_policies};
use netfence::flows::synth::{FlowSynthConfig, write_hubble};
use netfence::flows::{FlowFormat, IngestOptions, ingest_reader};
use netfence::inventory::ResourceSet;
use netfence::source::ParseOptions;
use netfence::synth::{SynthConfig, generate};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn num(name: &str, default: usize) -> usize {
    arg(name).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

fn bench_file(path: &str) {
    let bytes = std::fs::metadata(path).unwrap().len();
    let started = Instant::now();
    let file = BufReader::with_capacity(1 << 20, std::fs::File::open(path).unwrap());
    let log = ingest_reader(file, FlowFormat::Auto, &IngestOptions::default()).unwrap();
    print_report(&log, bytes, started.elapsed().as_secs_f64());
}

fn print_report(log: &netfence::flows::FlowLog, bytes: u64, seconds: f64) {
    let report = log.report();
    println!(
        "{{\"records\": {}, \"bytes\": {bytes}, \"tuples\": {}, \"malformed\": {}, \"ingestSeconds\": {seconds:.3}, \"recordsPerSecond\": {:.0}, \"mbPerSecond\": {:.1}, \"peakRssMiB\": {:.1}}}",
        report.records,
        report.tuples,
        report.malformed,
        report.records as f64 / seconds,
        bytes as f64 / seconds / 1e6,
        peak_rss_mib()
    );
}

fn main() {
    if let Some(path) = arg("--input") {
        bench_file(&path);
        return;
    }
    let cluster_config = SynthConfig {
        pods: num("--pods", 2_000),
        namespaces: num("--namespaces", 20),
        policies: num("--policies", 0),
        ..SynthConfig::default()
    };
    let mut resources = ResourceSet::default();
    // large clusters (`--pods 150000`) are one large input
    let options = ParseOptions {
        max_input_bytes: usize::MAX,
        max_documents: usize::MAX,
        max_nodes: usize::MAX,
        ..ParseOptions::default()
    };
    resources.add_text(&generate(&cluster_config), "synth.yaml", &options).unwrap();
    let cluster = CompiledCluster::compile(&resources, &EngineOptions::default());
    let config = FlowSynthConfig {
        seed: num("--seed", 1) as u64,
        records: num("--records", 1_000_000),
        conversations: num("--conversations", 10_000),
        ..FlowSynthConfig::default()
    };
    let bench = std::env::args().any(|a| a == "--bench");
    let started = Instant::now();
    let (bytes, data) = match arg("--out") {
        Some(path) => {
            let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
            write_hubble(&cluster, &config, &mut out).unwrap();
            out.flush().unwrap();
            (std::fs::metadata(&path).unwrap().len(), None)
        }
        None => {
            let mut data = Vec::new();
            write_hubble(&cluster, &config, &mut data).unwrap();
            (data.len() as u64, Some(data))
        }
    };
    let generated = started.elapsed().as_secs_f64();
    if !bench && data.is_none() {
        println!("{{\"records\": {}, \"bytes\": {bytes}, \"seconds\": {generated:.2}}}", config.records);
        return;
    }
    let started = Instant::now();
    let log = match (&data, arg("--out")) {
        (Some(d), _) => ingest_reader(&d[..], FlowFormat::Auto, &IngestOptions::default()).unwrap(),
        (None, Some(path)) => {
            let file = BufReader::with_capacity(1 << 20, std::fs::File::open(path).unwrap());
            ingest_reader(file, FlowFormat::Auto, &IngestOptions::default()).unwrap()
        }
        (None, None) => unreachable!(),
    };
    print_report(&log, bytes, started.elapsed().as_secs_f64());
    // `--audit` (with `--policies N`): the policies' rules against the flows (used, unused,
    // broader than the traffic), the drops explained, and the impact of removing a tenth of
    // the policies
    if std::env::args().any(|a| a == "--audit") {
        let started = Instant::now();
        let audit = netfence::flows::audit::audit_policies(&resources, &cluster, &log, &Default::default()).unwrap();
        let audit_s = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let drops = netfence::flows::drops::explain_drops(&resources, &cluster, &log, &Default::default()).unwrap();
        let drops_s = started.elapsed().as_secs_f64();
        let mut head = resources.clone();
        let keep = head.policies.len() - head.policies.len() / 10;
        head.policies.truncate(keep);
        let head_cluster = CompiledCluster::compile(&head, &EngineOptions::default());
        let started = Instant::now();
        let impact = netfence::flows::impact::measure_impact(&resources, &cluster, &head_cluster, &log);
        let impact_s = started.elapsed().as_secs_f64();
        println!(
            "{{\"policies\": {}, \"tuples\": {}, \"auditSeconds\": {audit_s:.3}, \"auditRules\": {}, \"dropsSeconds\": {drops_s:.3}, \"dropped\": {}, \"impactSeconds\": {impact_s:.3}, \"newlyDenied\": {}, \"peakRssMiB\": {:.1}}}",
            resources.policies.len(),
            log.tuples().len(),
            audit.rules.len(),
            drops.len(),
            impact.newly_denied.len(),
            peak_rss_mib()
        );
    }
    if std::env::args().any(|a| a == "--generate") {
        // `--no-compare`: only the chosen generalisation, not the four alternatives measured
        let options =
            GenerateOptions { compare: !std::env::args().any(|a| a == "--no-compare"), ..GenerateOptions::default() };
        let started = Instant::now();
        let generated = generate_policies(&resources, &cluster, &log, &options).unwrap();
        println!(
            "{{\"tuples\": {}, \"policies\": {}, \"rules\": {}, \"verified\": {}, \"verifiedAllowed\": {}, \"overPermissionUnobserved\": {}, \"generateSeconds\": {:.3}, \"peakRssMiB\": {:.1}}}",
            log.tuples().len(),
            generated.policies.len(),
            generated.rules.len(),
            generated.verification.checked,
            generated.verification.allowed,
            generated.over_permission.unobserved,
            started.elapsed().as_secs_f64(),
            peak_rss_mib()
        );
    }
}
