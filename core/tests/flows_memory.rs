//! Flow-log ingestion streams: memory is bounded by the distinct tuples and endpoints, not by
//! the records or bytes read. Records are generated while they are read (never stored); each
//! measurement runs in a process of its own (this test binary, started again with
//! `NETFENCE_FLOWS_MEMORY` set) that reports its peak resident memory (`VmHWM`, Linux), and the
//! bounds are generous (megabytes against the hundreds of megabytes of the records), so
//! nothing depends on timing or on the machine's load.
//!
//! - 10,000,000 records over 1,000 distinct tuples peak where 1,000,000 records over the same
//!   tuples do, under 64 MiB (the records are ~600 MB of text);
//! - 1 GB of one record repeated peaks where its first 10 MB do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, Read};
use std::process::Command;

use netfence::flows::{FlowFormat, FlowIngester, IngestOptions};

/// Generic CSV flow records made as they are read: record `i` goes from pod `i % sources` to
/// port `8000 + (i / sources) % ports` of `db-0`, with a source port that changes every record
/// (so the fold window is always full) unless `same` (then every line is the first one).
struct Records {
    next: u64,
    end_bytes: u64,
    end_records: u64,
    bytes: u64,
    sources: u64,
    ports: u64,
    same: bool,
    buffer: Vec<u8>,
    at: usize,
}

const HEADER: &str = "srcNamespace,srcPod,srcPort,dstNamespace,dstPod,dstPort,protocol,verdict\n";

impl Records {
    fn new(records: u64, bytes: u64, sources: u64, ports: u64, same: bool) -> Self {
        Self {
            next: 0,
            end_bytes: bytes,
            end_records: records,
            bytes: 0,
            sources,
            ports,
            same,
            buffer: HEADER.as_bytes().to_vec(),
            at: 0,
        }
    }

    fn refill(&mut self) {
        use std::fmt::Write;
        self.buffer.clear();
        self.at = 0;
        let mut text = String::with_capacity(1 << 16);
        while text.len() < (1 << 16) - 128 && self.next < self.end_records && self.bytes < self.end_bytes {
            let i = if self.same { 0 } else { self.next };
            let (src, port, sport) = (i % self.sources, 8000 + (i / self.sources) % self.ports, 1024 + i % 60000);
            let before = text.len();
            let _ = writeln!(text, "shop,api-{src},{sport},data,db-0,{port},TCP,forwarded");
            self.bytes += (text.len() - before) as u64;
            self.next += 1;
        }
        self.buffer.extend_from_slice(text.as_bytes());
    }
}

impl Read for Records {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Records {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.at >= self.buffer.len() {
            self.refill();
        }
        Ok(&self.buffer[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at += amount;
    }
}

/// The full sizes need an optimised build (`cargo xtask test` runs this file with
/// `--release`); a debug build checks the same bounds on a hundredth of the records and bytes.
const SCALE: u64 = if cfg!(debug_assertions) { 100 } else { 1 };

/// The process's peak resident memory in KiB (Linux); `None` elsewhere.
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One measurement, run in this process when `NETFENCE_FLOWS_MEMORY` is
/// `records,bytes,sources,ports,same`: ingests and prints `records tuples peak-KiB`.
#[test]
fn measurement() {
    let Ok(spec) = std::env::var("NETFENCE_FLOWS_MEMORY") else { return };
    let n: Vec<u64> = spec.split(',').map(|x| x.parse().unwrap()).collect();
    let records = Records::new(n[0], n[1], n[2], n[3], n[4] == 1);
    let mut ingester = FlowIngester::new(&IngestOptions::default());
    ingester.read(records, FlowFormat::Csv, "generated.csv").unwrap();
    let log = ingester.finish();
    let report = log.report();
    assert_eq!(report.malformed, 0, "{:?}", report.malformed_lines);
    println!("measured {} {} {}", report.records, report.tuples, peak_kib().unwrap_or(0));
}

/// Ingests generated records in a fresh process: (records read, distinct tuples, peak RSS KiB).
fn ingest(records: u64, bytes: u64, sources: u64, ports: u64, same: bool) -> (u64, usize, u64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["measurement", "--exact", "--nocapture", "--test-threads=1"])
        .env("NETFENCE_FLOWS_MEMORY", format!("{records},{bytes},{sources},{ports},{}", u8::from(same)))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let line =
        stdout.lines().find_map(|l| l.split_once("measured ").map(|(_, r)| r)).unwrap_or_else(|| panic!("{stdout}"));
    let v: Vec<u64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
    (v[0], usize::try_from(v[1]).unwrap(), v[2])
}

#[test]
fn ten_million_records_peak_with_the_distinct_tuples_not_the_records() {
    if peak_kib().is_none() {
        eprintln!("no /proc/self/status: skipped");
        return;
    }
    // 1,000 tuples: 100 source pods x 10 ports
    let (read, tuples, million) = ingest(1_000_000 / SCALE, u64::MAX, 100, 10, false);
    assert_eq!((read, tuples), (1_000_000 / SCALE, 1_000));
    let (read, tuples, ten_million) = ingest(10_000_000 / SCALE, u64::MAX, 100, 10, false);
    assert_eq!((read, tuples), (10_000_000 / SCALE, 1_000));
    // ten times the records (~600 MB of text), the same tuples: the same peak within a few
    // MiB, and nothing like the records' size
    assert!(ten_million <= million + 4 * 1024, "{million} KiB for 1M records, {ten_million} KiB for 10M");
    assert!(ten_million < 64 * 1024, "{ten_million} KiB");
    eprintln!("peak RSS: 1M records / 1,000 tuples {million} KiB; 10M / 1,000 {ten_million} KiB");
}

#[test]
fn a_gigabyte_of_one_repeated_record_stays_flat() {
    if peak_kib().is_none() {
        eprintln!("no /proc/self/status: skipped");
        return;
    }
    let (read_first, tuples, first) = ingest(u64::MAX, (10 << 20) / SCALE, 1, 1, true);
    assert_eq!(tuples, 1);
    let (read, tuples, whole) = ingest(u64::MAX, (1 << 30) / SCALE, 1, 1, true);
    assert_eq!(tuples, 1);
    assert!(read > 100 * read_first - 100, "{read} records");
    assert!(whole <= first + 4 * 1024, "{first} KiB for 10 MB, {whole} KiB for 1 GB");
    eprintln!("peak RSS: 10 MB ({read_first} records) {first} KiB; 1 GB ({read} records) {whole} KiB");
}
