//! Flow logs: the requirements step (learn what talks to what), the deploy step (what a change
//! does to real traffic, why flows are dropped) and the iterate step (audit) of the cycle.
//!
//! ## Formats
//! - **Hubble JSON**, as `hubble observe -o json` writes it: one `{"flow": {...}}` per line (bare
//!   flow objects too). Fields used: `time`, `verdict`, `IP.source`/`IP.destination`,
//!   `l4.TCP|UDP|SCTP.source_port`/`destination_port` (and TCP `flags`), `source`/`destination`
//!   `{namespace, pod_name, labels: ["k8s:app=web", …], workloads: [{name, kind}]}`,
//!   `is_reply`, `drop_reason_desc`, `Type` (L7 records are skipped: their L3/L4 record is
//!   counted). Lines without a flow (lost events, node status) are skipped, not malformed.
//! - **Generic JSON Lines or CSV** with a header row: `time, srcNamespace, srcPod, srcIp,
//!   dstNamespace, dstPod, dstIp, protocol, dstPort, verdict` and optionally `srcLabels`,
//!   `dstLabels` (`k=v;k=v`), `srcWorkload`, `dstWorkload` (`Kind/name`), `srcPort`, `isReply`,
//!   `dropReason`, `count`. See the table in the `generic` module source; [`FlowFormat::Auto`]
//!   tells the three apart by the first line of each source.
//!
//! ## Ingestion
//! [`FlowIngester`] (or [`ingest_reader`] / [`ingest_str`]) streams any `BufRead` line by line.
//! Replies (`is_reply`, or a TCP SYN-ACK) are dropped; records of one connection (the same
//! 5-tuple and verdict within the last [`IngestOptions::fold_window`] records: a packet seen at
//! the source's egress and at the destination's ingress, duplicate lines) count once. Memory
//! grows with distinct endpoints and `(source, destination, protocol, port)` tuples only.
//! Malformed lines (bad JSON, truncated lines, missing ports, bad IPs, overlong lines) are
//! counted and the first [`IngestOptions::max_reported_malformed`] reported with their line
//! number; they are never fatal.
//!
//! ## Mapping to endpoints
//! Each side maps through the inventory ([`resolve::FlowResolver`]): Hubble's workload
//! (`ns/name[Kind]`), else the pod by name (its owner workload, as the engine names it), else
//! a pod name that extends a workload's name (`api-7d4b9c-x2k4p` → `api`), else the IP through
//! pods' `status.podIP(s)`; an address no pod has is external. In-cluster endpoints the
//! inventory does not know are reported as unresolved.
//!
//! ## Operations
//! Each works on a compiled cluster and a [`FlowLog`]; their request forms (sources and flows
//! as text, `XxxRequest` → `XxxResponse`) are in [`crate::api`]:
//! - [`map::build_map`] (`flow_map`) — per (source, destination, protocol, port): counts,
//!   first/last seen, verdicts, and whether the policies allow it.
//! - [`generate::generate_policies`] (`generate`) — least-privilege policies for the observed
//!   forwarded flows, verified with the engine, with the over-permission of each way to
//!   generalise.
//! - [`impact::measure_impact`] (`impact`) — what a change (base → head) does to the observed
//!   flows.
//! - [`drops::explain_drops`] (`drops`) — why each dropped flow was denied and the smallest
//!   allowance for it.
//! - [`audit::audit_policies`] (`audit`) — rule hit counts, unused rules, rules much broader
//!   than their use, policies selecting nothing.

pub mod audit;
pub mod drops;
pub mod generate;
mod generic;
mod hubble;
pub mod impact;
mod ingest;
mod json;
pub mod map;
mod record;
pub mod resolve;
pub mod synth;
pub mod time;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use ingest::{FlowIngester, ingest_reader, ingest_str};

use crate::model::Protocol;

/// The format of a flow source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FlowFormat {
    /// Decided per source from its first line: a JSON object with generic field names is
    /// `jsonl`, any other JSON object `hubble`, anything else a CSV header.
    #[default]
    Auto,
    /// `hubble observe -o json`.
    Hubble,
    /// The generic format as JSON Lines.
    Jsonl,
    /// The generic format as CSV with a header row.
    Csv,
}

/// What happened to a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum FlowVerdict {
    /// Delivered (`FORWARDED`; generic `forwarded`, `allowed`, `accept`).
    Forwarded,
    /// Dropped (`DROPPED`; generic `dropped`, `denied`, `deny`, `reject`).
    Dropped,
    /// Would have been dropped; delivered in policy audit mode (`AUDIT`).
    Audit,
    /// `ERROR`.
    Error,
    /// Anything else (`TRACED`, `TRANSLATED`, `REDIRECTED`, unknown).
    Other,
}

impl FlowVerdict {
    /// Reads a verdict in any case.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "forwarded" | "forward" | "allowed" | "allow" | "accept" | "accepted" | "ok" => Self::Forwarded,
            "dropped" | "drop" | "denied" | "deny" | "reject" | "rejected" | "blocked" => Self::Dropped,
            "audit" | "audited" => Self::Audit,
            "error" => Self::Error,
            _ => Self::Other,
        }
    }
}

/// Ingestion limits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct IngestOptions {
    /// Longer lines are malformed (and never held in memory whole).
    pub max_line_bytes: usize,
    /// How many malformed lines are reported with their line number (all are counted).
    pub max_reported_malformed: usize,
    /// How many recent connection fingerprints are remembered to fold repeated records of one
    /// connection; 0 turns folding off.
    pub fold_window: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self { max_line_bytes: 1 << 20, max_reported_malformed: 20, fold_window: 65_536 }
    }
}

/// A line that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MalformedLine {
    /// The source (file name) it is in.
    pub source: String,
    /// 1-based line number.
    pub line: u64,
    /// What is wrong, lowercase.
    pub message: String,
}

/// Well-formed lines that hold no usable flow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SkippedCounts {
    /// Not a flow (lost events, node status).
    pub not_a_flow: u64,
    /// No TCP, UDP or SCTP destination port (ICMP, L3 only).
    pub no_port: u64,
    /// L7 records.
    pub l7: u64,
}

/// What ingestion read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngestReport {
    /// Sources read.
    pub sources: u64,
    /// Lines read (blank and comment lines included).
    pub lines: u64,
    /// Flow records read (replies included).
    pub records: u64,
    /// Connections counted after folding (a generic row with `count` adds that many).
    pub connections: u64,
    /// Reply records dropped.
    pub replies: u64,
    /// Records folded into a connection already counted.
    pub duplicates: u64,
    /// Well-formed lines without a usable flow.
    pub skipped: SkippedCounts,
    /// Malformed lines, all counted.
    pub malformed: u64,
    /// The first malformed lines, with line numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub malformed_lines: Vec<MalformedLine>,
    /// Distinct `(source, destination, protocol, port)` tuples.
    pub tuples: usize,
    /// Distinct endpoints (workloads, pods, addresses) as the records name them.
    pub endpoints: usize,
    /// Earliest record time (nanoseconds since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    #[schemars(with = "Option<String>")]
    pub first_seen: Option<i64>,
    /// Latest record time.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    #[schemars(with = "Option<String>")]
    pub last_seen: Option<i64>,
}

/// Serde for optional timestamps as RFC 3339 text.
pub(crate) mod opt_time {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => s.serialize_str(&super::time::format_rfc3339(*t)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => super::time::parse_time(&t)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("invalid time `{t}`"))),
        }
    }
}

/// An endpoint as flow records name it, before it is mapped to the inventory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowEndpoint {
    /// Namespace, for an in-cluster endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Pod name (absent when the record names the workload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// Workload name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// Workload kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_kind: Option<String>,
    /// IP address (of the first record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Pod labels from the record (`k8s:` prefix and Cilium's own labels removed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Cilium reserved identities (`world`, `host`, `kube-apiserver`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reserved: Vec<String>,
}

impl FlowEndpoint {
    /// A short description: `ns/pod`, `ns/Kind/name` or the IP.
    #[must_use]
    pub fn describe(&self) -> String {
        match (&self.namespace, &self.workload, &self.pod, &self.ip) {
            (Some(ns), Some(w), _, _) => match &self.workload_kind {
                Some(k) => format!("{ns}/{w}[{k}]"),
                None => format!("{ns}/{w}"),
            },
            (Some(ns), None, Some(p), _) => format!("{ns}/{p}"),
            (_, _, _, Some(ip)) => ip.clone(),
            _ => "<unknown>".to_owned(),
        }
    }
}

/// Counts and times of one tuple.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowStats {
    /// Connections (folded records).
    pub connections: u64,
    /// Records (before folding, replies excluded).
    pub records: u64,
    /// Earliest record, nanoseconds since the epoch.
    pub first_seen: Option<i64>,
    /// Latest record.
    pub last_seen: Option<i64>,
    /// Connections forwarded.
    pub forwarded: u64,
    /// Connections dropped.
    pub dropped: u64,
    /// Connections in policy audit mode.
    pub audit: u64,
    /// Connections with verdict `ERROR`.
    pub error: u64,
    /// Connections with another verdict.
    pub other: u64,
    /// Drop reasons (up to 8 distinct) with counts.
    pub drop_reasons: BTreeMap<String, u64>,
}

impl FlowStats {
    /// Adds another tuple's counts.
    pub fn merge(&mut self, other: &Self) {
        self.connections += other.connections;
        self.records += other.records;
        self.first_seen = match (self.first_seen, other.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_seen = match (self.last_seen, other.last_seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.forwarded += other.forwarded;
        self.dropped += other.dropped;
        self.audit += other.audit;
        self.error += other.error;
        self.other += other.other;
        for (reason, n) in &other.drop_reasons {
            *self.drop_reasons.entry(reason.clone()).or_insert(0) += n;
        }
    }

    /// Whether some connection was delivered (`FORWARDED`, or `AUDIT`: delivered in audit mode).
    #[must_use]
    pub fn delivered(&self) -> bool {
        self.forwarded + self.audit > 0
    }

    /// The wire form.
    #[must_use]
    pub fn counts(&self) -> FlowCounts {
        FlowCounts {
            connections: self.connections,
            records: self.records,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            verdicts: VerdictCounts {
                forwarded: self.forwarded,
                dropped: self.dropped,
                audit: self.audit,
                error: self.error,
                other: self.other,
            },
            drop_reasons: self.drop_reasons.clone(),
        }
    }
}

/// Connections per verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerdictCounts {
    /// Forwarded.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forwarded: u64,
    /// Dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropped: u64,
    /// Audit mode.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub audit: u64,
    /// Error.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub error: u64,
    /// Other verdicts.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other: u64,
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Counts, times and verdicts of observed flows: the provenance of a map entry or a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowCounts {
    /// Connections (records of one connection folded).
    pub connections: u64,
    /// Records (replies excluded).
    pub records: u64,
    /// First seen (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    #[schemars(with = "Option<String>")]
    pub first_seen: Option<i64>,
    /// Last seen (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none", with = "opt_time")]
    #[schemars(with = "Option<String>")]
    pub last_seen: Option<i64>,
    /// Connections per verdict.
    pub verdicts: VerdictCounts,
    /// Drop reasons with counts.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub drop_reasons: BTreeMap<String, u64>,
}

/// One distinct `(source, destination, protocol, port)` tuple of a [`FlowLog`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowTuple {
    /// Index of the source in [`FlowLog::endpoints`].
    pub src: u32,
    /// Index of the destination.
    pub dst: u32,
    /// Protocol.
    pub protocol: Protocol,
    /// Destination port.
    pub port: u16,
    /// Counts and times.
    pub stats: FlowStats,
}

/// Flows read from one or more sources: distinct endpoints and tuples, and what was read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowLog {
    endpoints: Vec<FlowEndpoint>,
    tuples: Vec<FlowTuple>,
    report: IngestReport,
}

impl FlowLog {
    /// Endpoints as the records name them, in first-seen order.
    #[must_use]
    pub fn endpoints(&self) -> &[FlowEndpoint] {
        &self.endpoints
    }

    /// Distinct tuples, sorted by source, destination, protocol, port.
    #[must_use]
    pub fn tuples(&self) -> &[FlowTuple] {
        &self.tuples
    }

    /// What ingestion read.
    #[must_use]
    pub fn report(&self) -> &IngestReport {
        &self.report
    }

    /// The endpoint of an index in a tuple.
    #[must_use]
    pub fn endpoint(&self, id: u32) -> Option<&FlowEndpoint> {
        self.endpoints.get(id as usize)
    }
}
