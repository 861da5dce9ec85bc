//! Streaming ingestion: lines in, distinct flow tuples out. Memory grows with the distinct
//! `(source, destination, protocol, port)` tuples and endpoints, never with the records.

use crate::sorted::CompactSort;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use crate::hashing::{FxBuild, FxHasher};
use std::io::{BufRead, ErrorKind};
use std::net::IpAddr;

use super::generic::{CsvHeader, parse_json_line};
use super::hubble;
use super::record::{Parsed, Record, Side, Skip};
use super::{
    FlowEndpoint, FlowFormat, FlowLog, FlowStats, FlowTuple, FlowVerdict, IngestOptions, IngestReport, MalformedLine,
};
use crate::error::{Error, ErrorCode};
use crate::model::Protocol;

type TupleKey = (u32, u32, Protocol, u16);

/// Recently seen connection fingerprints, to fold the records of one connection (its packets
/// observed at the source's egress and the destination's ingress, retransmissions, duplicate
/// lines) into one.
struct Recent {
    capacity: usize,
    set: HashSet<u64, FxBuild>,
    order: VecDeque<u64>,
}

impl Recent {
    fn new(capacity: usize) -> Self {
        Self { capacity, set: HashSet::default(), order: VecDeque::new() }
    }

    /// Whether `fingerprint` was seen within the window; remembers it.
    fn seen(&mut self, fingerprint: u64) -> bool {
        if self.capacity == 0 {
            return false;
        }
        if self.set.contains(&fingerprint) {
            return true;
        }
        if self.order.len() >= self.capacity
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        self.order.push_back(fingerprint);
        self.set.insert(fingerprint);
        false
    }
}

/// Reads flow logs, one or more sources, into a [`FlowLog`].
///
/// ```
/// use netfence::flows::{FlowFormat, FlowIngester, IngestOptions};
///
/// let mut ingester = FlowIngester::new(&IngestOptions::default());
/// let csv = "srcNamespace,srcPod,dstIp,dstPort,protocol,verdict\nshop,api-1,203.0.113.7,443,TCP,forwarded\n";
/// ingester.read(csv.as_bytes(), FlowFormat::Csv, "flows.csv").unwrap();
/// let log = ingester.finish();
/// assert_eq!(log.tuples().len(), 1);
/// assert_eq!(log.report().records, 1);
/// ```
pub struct FlowIngester {
    options: IngestOptions,
    endpoints: Vec<FlowEndpoint>,
    endpoint_ids: HashMap<Box<str>, u32, FxBuild>,
    tuples: HashMap<TupleKey, FlowStats, FxBuild>,
    recent: Recent,
    report: IngestReport,
    key: String,
}

/// What one source is, once its first line is read.
enum Reader {
    Hubble,
    Jsonl,
    Csv(Option<CsvHeader>),
}

/// The index of the first `\n`, eight bytes at a time.
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const NEWLINES: u64 = ONES * b'\n' as u64;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ NEWLINES;
        if (x.wrapping_sub(ONES) & !x & HIGHS) != 0 {
            return chunk.iter().position(|b| *b == b'\n').map(|i| offset + i);
        }
        offset += 8;
    }
    chunks.remainder().iter().position(|b| *b == b'\n').map(|i| offset + i)
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |i| i + 1);
    line.get(start..end).unwrap_or_default()
}

/// Picks the format of a source from its first non-blank line.
fn detect(line: &[u8]) -> FlowFormat {
    if !line.starts_with(b"{") {
        return FlowFormat::Csv;
    }
    let generic = [&b"\"dstPort\""[..], b"\"srcIp\"", b"\"dstIp\"", b"\"srcPod\""];
    let has = |needle: &[u8]| line.windows(needle.len()).any(|w| w == needle);
    if generic.iter().any(|n| has(n)) { FlowFormat::Jsonl } else { FlowFormat::Hubble }
}

/// Label sources Cilium prefixes labels with.
const LABEL_SOURCES: &[&str] = &["k8s", "reserved", "container", "cidr", "unspec", "any", "fqdn"];

/// Labels Cilium adds to pods that are not pod labels in Kubernetes.
fn internal_label(key: &str) -> bool {
    key.starts_with("io.kubernetes.pod.namespace")
        || key.starts_with("io.cilium.")
        || key == "io.kubernetes.pod.serviceaccount"
}

fn endpoint_of(side: &Side<'_>, ip: Option<IpAddr>) -> FlowEndpoint {
    let mut labels = BTreeMap::new();
    let mut reserved = Vec::new();
    for label in &side.labels {
        let (source, rest) = match label.split_once(':') {
            Some((s, r)) if LABEL_SOURCES.contains(&s) => (s, r),
            _ => ("k8s", label.as_ref()),
        };
        match source {
            "k8s" => {
                let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
                if !internal_label(k) {
                    labels.insert(k.to_owned(), v.to_owned());
                }
            }
            "reserved" => reserved.push(rest.split_once('=').map_or(rest, |(k, _)| k).to_owned()),
            _ => {}
        }
    }
    let in_cluster = side.pod.is_some() || side.workload_name.is_some();
    FlowEndpoint {
        namespace: in_cluster.then(|| side.namespace.as_deref().unwrap_or("default").to_owned()),
        pod: side.pod.as_ref().map(|p| p.to_string()),
        workload: side.workload_name.as_ref().map(|n| n.to_string()),
        workload_kind: side.workload_kind.as_ref().map(|k| k.to_string()),
        ip: ip.map(|i| i.to_string()),
        labels,
        reserved,
    }
}

impl FlowIngester {
    /// A new ingester.
    #[must_use]
    pub fn new(options: &IngestOptions) -> Self {
        Self {
            options: options.clone(),
            endpoints: Vec::new(),
            endpoint_ids: HashMap::default(),
            tuples: HashMap::default(),
            recent: Recent::new(options.fold_window),
            report: IngestReport::default(),
            key: String::new(),
        }
    }

    /// Reads one source to its end. Malformed lines are counted and reported by line number,
    /// never an error.
    ///
    /// # Errors
    /// `NF-E020` only when the reader itself fails.
    pub fn read<R: BufRead>(&mut self, mut reader: R, format: FlowFormat, source: &str) -> Result<(), Error> {
        // a line split across reads is assembled in `pending`; others are parsed in place
        let mut pending: Vec<u8> = Vec::new();
        let mut overlong = false;
        let mut line_number: u64 = 0;
        let mut state: Option<Reader> = None;
        let limit = self.options.max_line_bytes;
        self.report.sources += 1;
        loop {
            let available = match reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(Error::new(
                        ErrorCode::Io,
                        format!("cannot read `{source}` after line {line_number}: {e}"),
                    )
                    .with_help("check that the file is readable and, if compressed, complete"));
                }
            };
            if available.is_empty() {
                if overlong || !pending.is_empty() {
                    line_number += 1;
                    self.finish_line(&mut state, format, &pending, overlong, source, line_number);
                }
                return Ok(());
            }
            let mut rest = available;
            while let Some(i) = find_newline(rest) {
                let (raw, after) = rest.split_at(i);
                rest = after.get(1..).unwrap_or_default();
                line_number += 1;
                if pending.is_empty() && !overlong {
                    let too_long = raw.len() > limit;
                    self.finish_line(&mut state, format, raw, too_long, source, line_number);
                } else {
                    overlong |= pending.len() + raw.len() > limit;
                    if !overlong {
                        pending.extend_from_slice(raw);
                    }
                    self.finish_line(&mut state, format, &pending, overlong, source, line_number);
                    pending.clear();
                    overlong = false;
                }
            }
            // the start of a line continued in the next read
            overlong |= pending.len() + rest.len() > limit;
            if overlong {
                pending.clear();
            } else {
                pending.extend_from_slice(rest);
            }
            let used = available.len();
            reader.consume(used);
        }
    }

    /// Reads one line (`overlong`: longer than the limit, not kept).
    fn finish_line(
        &mut self,
        state: &mut Option<Reader>,
        format: FlowFormat,
        raw: &[u8],
        overlong: bool,
        source: &str,
        line_number: u64,
    ) {
        self.report.lines += 1;
        if overlong {
            let limit = self.options.max_line_bytes;
            self.malformed(source, line_number, format!("line longer than {limit} bytes"));
            return;
        }
        let line = trim(raw);
        if line.is_empty() || line.starts_with(b"#") {
            return;
        }
        let reader_state = state.get_or_insert_with(|| match format {
            FlowFormat::Auto => match detect(line) {
                FlowFormat::Jsonl => Reader::Jsonl,
                FlowFormat::Csv => Reader::Csv(None),
                _ => Reader::Hubble,
            },
            FlowFormat::Hubble => Reader::Hubble,
            FlowFormat::Jsonl => Reader::Jsonl,
            FlowFormat::Csv => Reader::Csv(None),
        });
        // the endpoint ids of a record whose endpoints were both seen before
        let mut ids = None;
        let parsed = match reader_state {
            Reader::Hubble => match hubble::parse_line(line, false) {
                Ok(Parsed::Flow(r)) if r.is_reply => Ok(Parsed::Flow(r)),
                // labels are read only for endpoints not seen before
                Ok(Parsed::Flow(r)) => match (self.known(&r.src), self.known(&r.dst)) {
                    (Some(src), Some(dst)) => {
                        ids = Some((src, dst));
                        Ok(Parsed::Flow(r))
                    }
                    _ => hubble::parse_line(line, true),
                },
                other => other,
            },
            Reader::Jsonl => parse_json_line(line),
            Reader::Csv(header) => match std::str::from_utf8(line) {
                Err(_) => Err("not UTF-8 text".to_owned()),
                Ok(text) => match header {
                    Some(h) => h.parse_row(text),
                    None => {
                        match CsvHeader::parse(text) {
                            Ok(h) => *header = Some(h),
                            Err(e) => self.malformed(source, line_number, e),
                        }
                        return;
                    }
                },
            },
        };
        match parsed {
            Ok(Parsed::Flow(record)) => {
                if let Err(e) = self.add(&record, ids) {
                    self.malformed(source, line_number, e);
                }
            }
            Ok(Parsed::Skip(skip)) => match skip {
                Skip::NotAFlow => self.report.skipped.not_a_flow += 1,
                Skip::NoPort => self.report.skipped.no_port += 1,
                Skip::L7 => self.report.skipped.l7 += 1,
            },
            Err(e) => self.malformed(source, line_number, e),
        }
    }

    /// Reads one source held in memory.
    pub fn read_str(&mut self, text: &str, format: FlowFormat, source: &str) {
        // reading from a slice cannot fail
        let _ = self.read(text.as_bytes(), format, source);
    }

    fn malformed(&mut self, source: &str, line: u64, message: String) {
        self.report.malformed += 1;
        if self.report.malformed_lines.len() < self.options.max_reported_malformed {
            self.report.malformed_lines.push(MalformedLine { source: source.to_owned(), line, message });
        }
    }

    /// The id of an endpoint seen before.
    fn known(&mut self, side: &Side<'_>) -> Option<u32> {
        if !self.make_key(side) {
            return None;
        }
        self.endpoint_ids.get(self.key.as_str()).copied()
    }

    /// Writes the identity of an endpoint into `self.key`; false when it has none.
    fn make_key(&mut self, side: &Side<'_>) -> bool {
        let key = &mut self.key;
        key.clear();
        let namespace = side.namespace.as_deref().unwrap_or("default");
        if let Some(name) = &side.workload_name {
            key.push_str("w\u{1f}");
            key.push_str(namespace);
            key.push('\u{1f}');
            key.push_str(side.workload_kind.as_deref().unwrap_or(""));
            key.push('\u{1f}');
            key.push_str(name);
        } else if let Some(pod) = &side.pod {
            key.push_str("p\u{1f}");
            key.push_str(namespace);
            key.push('\u{1f}');
            key.push_str(pod);
        } else if let Some(ip) = &side.ip {
            key.push_str("i\u{1f}");
            key.push_str(ip);
        } else {
            return false;
        }
        true
    }

    /// The id of an endpoint, interning it on first sight.
    fn intern(&mut self, side: &Side<'_>) -> Result<u32, String> {
        if !self.make_key(side) {
            return Err("a side names neither a pod, a workload nor an IP".to_owned());
        }
        let key = &self.key;
        if let Some(id) = self.endpoint_ids.get(key.as_str()) {
            return Ok(*id);
        }
        let ip = match side.ip.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse::<IpAddr>().map_err(|_| format!("`{text}` is not an IP address"))?),
        };
        let id = u32::try_from(self.endpoints.len()).map_err(|_| "too many distinct endpoints".to_owned())?;
        self.endpoints.push(endpoint_of(side, ip));
        self.endpoint_ids.insert(Box::from(key.as_str()), id);
        Ok(id)
    }

    /// Adds a record; `ids`: the ids of its endpoints when already known.
    fn add(&mut self, r: &Record<'_>, ids: Option<(u32, u32)>) -> Result<(), String> {
        if r.is_reply {
            self.report.records += 1;
            self.report.replies += 1;
            return Ok(());
        }
        let (src, dst) = match ids {
            Some(known) => known,
            None => (
                self.intern(&r.src).map_err(|e| format!("source: {e}"))?,
                self.intern(&r.dst).map_err(|e| format!("destination: {e}"))?,
            ),
        };
        self.report.records += 1;
        let mut h = FxHasher::default();
        (src, dst, r.protocol, r.dst_port, r.verdict).hash(&mut h);
        match r.src_port {
            // one connection: the same 5-tuple and verdict
            Some(port) => (1u8, port, r.src.ip.as_deref(), r.dst.ip.as_deref()).hash(&mut h),
            // without a source port only an identical record is a duplicate
            None => (2u8, r.time, r.count).hash(&mut h),
        }
        let duplicate = (r.src_port.is_some() || r.time.is_some()) && self.recent.seen(h.finish());
        let stats = self.tuples.entry((src, dst, r.protocol, r.dst_port)).or_default();
        stats.records += 1;
        if let Some(t) = r.time {
            stats.first_seen = Some(stats.first_seen.map_or(t, |f| f.min(t)));
            stats.last_seen = Some(stats.last_seen.map_or(t, |l| l.max(t)));
            self.report.first_seen = Some(self.report.first_seen.map_or(t, |f| f.min(t)));
            self.report.last_seen = Some(self.report.last_seen.map_or(t, |l| l.max(t)));
        }
        if duplicate {
            self.report.duplicates += 1;
            return Ok(());
        }
        stats.connections += r.count;
        self.report.connections += r.count;
        match r.verdict {
            FlowVerdict::Forwarded => stats.forwarded += r.count,
            FlowVerdict::Dropped => stats.dropped += r.count,
            FlowVerdict::Audit => stats.audit += r.count,
            FlowVerdict::Error => stats.error += r.count,
            FlowVerdict::Other => stats.other += r.count,
        }
        if let Some(reason) = &r.drop_reason
            && (stats.drop_reasons.len() < 8 || stats.drop_reasons.contains_key(reason.as_ref()))
        {
            *stats.drop_reasons.entry(reason.to_string()).or_insert(0) += r.count;
        }
        Ok(())
    }

    /// The flows read so far, tuples sorted by source, destination, protocol and port.
    #[must_use]
    pub fn finish(self) -> FlowLog {
        let mut tuples: Vec<FlowTuple> = self
            .tuples
            .into_iter()
            .map(|((src, dst, protocol, port), stats)| FlowTuple { src, dst, protocol, port, stats })
            .collect();
        tuples.sort_compact_by_key(|t| (t.src, t.dst, t.protocol, t.port));
        let mut report = self.report;
        report.tuples = tuples.len();
        report.endpoints = self.endpoints.len();
        FlowLog { endpoints: self.endpoints, tuples, report }
    }
}

/// Reads one flow source (Hubble JSON, generic JSONL or CSV) from any buffered reader: a file,
/// a decompressing reader, stdin.
///
/// # Errors
/// `NF-E020` only when the reader fails; malformed lines are reported in
/// [`FlowLog::report`].
pub fn ingest_reader<R: BufRead>(reader: R, format: FlowFormat, options: &IngestOptions) -> Result<FlowLog, Error> {
    let mut ingester = FlowIngester::new(options);
    ingester.read(reader, format, "<flows>")?;
    Ok(ingester.finish())
}

/// Reads flows held in memory.
#[must_use]
pub fn ingest_str(text: &str, format: FlowFormat, options: &IngestOptions) -> FlowLog {
    let mut ingester = FlowIngester::new(options);
    ingester.read_str(text, format, "<flows>");
    ingester.finish()
}
