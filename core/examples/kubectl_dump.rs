//! Writes the synthetic cluster as `kubectl get -A -o json|yaml` of a real cluster returns it
//! (`netfence::synth::kubectl`): `cargo run --release -p netfence --example kubectl_dump --
//! --pods 150000 --policies 10000 --format json > dump.json` (formats: `json`, `json-compact`,
//! `yaml`, `slim-compact`). The same sizes give the same objects as the benchmark's multi-document YAML.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufWriter, Write};

use netfence::synth::SynthConfig;
use netfence::synth::kubectl::{DumpFormat, kubectl_dump};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let number = |name: &str, default: usize| arg(name).map_or(default, |v| v.parse().expect("a number"));
    let pods = number("--pods", 1_000);
    let config = SynthConfig {
        pods,
        policies: number("--policies", 100),
        namespaces: number("--namespaces", (pods / 500).clamp(5, 500)),
        replicas: number("--replicas", 5),
        ..SynthConfig::default()
    };
    let format = match arg("--format").as_deref() {
        None | Some("json") => DumpFormat::Json,
        Some("json-compact") => DumpFormat::JsonCompact,
        Some("yaml") => DumpFormat::Yaml,
        Some("slim-compact") => DumpFormat::SlimCompact,
        Some(other) => panic!("unknown format `{other}` (json, json-compact, yaml, slim-compact)"),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    kubectl_dump(&config, format, &mut out).expect("write the dump");
    out.flush().expect("flush");
}
