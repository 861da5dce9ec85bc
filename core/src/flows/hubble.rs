//! Hubble JSON, as `hubble observe -o json` writes it: one `{"flow": {...}}` object per line
//! (bare flow objects are read too). Only the fields netfence uses are decoded; the rest is
//! skipped without being stored.

use std::borrow::Cow;

use serde::Deserialize;

use super::FlowVerdict;
use super::record::{Parsed, Record, Side, Skip, TimeValue};
use crate::engine::Protocol;

/// Labels as read: all of them, or skipped (the fast path: labels are only needed the first
/// time an endpoint is seen, and they are most of the bytes of a record).
pub(crate) trait Labels<'a>: Default {
    fn into_vec(self) -> Vec<Cow<'a, str>>;
}

impl<'a> Labels<'a> for Vec<Cow<'a, str>> {
    fn into_vec(self) -> Vec<Cow<'a, str>> {
        self
    }
}

impl<'a> Labels<'a> for serde::de::IgnoredAny {
    fn into_vec(self) -> Vec<Cow<'a, str>> {
        Vec::new()
    }
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de> + Default"))]
struct Flow<'a, L> {
    #[serde(borrow, default)]
    flow: Option<Box<Flow<'a, L>>>,
    #[serde(default)]
    time: TimeValue,
    #[serde(borrow, default)]
    verdict: Option<Cow<'a, str>>,
    #[serde(rename = "IP", default)]
    ip: Option<Ip<'a>>,
    #[serde(default)]
    l4: Option<L4>,
    #[serde(borrow, default)]
    source: Option<Endpoint<'a, L>>,
    #[serde(borrow, default)]
    destination: Option<Endpoint<'a, L>>,
    #[serde(rename = "Type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    is_reply: Option<bool>,
    #[serde(borrow, default)]
    drop_reason_desc: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Ip<'a> {
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    destination: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct L4 {
    #[serde(rename = "TCP", default)]
    tcp: Option<Transport>,
    #[serde(rename = "UDP", default)]
    udp: Option<Transport>,
    #[serde(rename = "SCTP", default)]
    sctp: Option<Transport>,
}

#[derive(Deserialize)]
struct Transport {
    #[serde(default)]
    source_port: Option<u16>,
    #[serde(default)]
    destination_port: Option<u16>,
    #[serde(default)]
    flags: Option<TcpFlags>,
}

#[derive(Deserialize)]
struct TcpFlags {
    #[serde(rename = "SYN", default)]
    syn: bool,
    #[serde(rename = "ACK", default)]
    ack: bool,
}

#[derive(Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de> + Default"))]
struct Endpoint<'a, L> {
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pod_name: Option<Cow<'a, str>>,
    #[serde(default)]
    labels: L,
    #[serde(borrow, default)]
    workloads: Vec<Workload<'a>>,
}

#[derive(Deserialize)]
struct Workload<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
}

fn verdict(text: Option<&str>) -> FlowVerdict {
    match text {
        Some("FORWARDED") => FlowVerdict::Forwarded,
        Some("DROPPED") => FlowVerdict::Dropped,
        Some("AUDIT") => FlowVerdict::Audit,
        Some("ERROR") => FlowVerdict::Error,
        Some(other) => FlowVerdict::parse(other),
        None => FlowVerdict::Other,
    }
}

fn side<'a, L: Labels<'a>>(endpoint: Option<Endpoint<'a, L>>, ip: Option<Cow<'a, str>>) -> Side<'a> {
    let Some(e) = endpoint else {
        return Side { ip, ..Side::default() };
    };
    let (workload_kind, workload_name) = e.workloads.into_iter().next().map_or((None, None), |w| (w.kind, w.name));
    Side {
        namespace: e.namespace.filter(|n| !n.is_empty()),
        pod: e.pod_name.filter(|n| !n.is_empty()),
        ip,
        workload_kind: workload_kind.filter(|k| !k.is_empty()),
        workload_name: workload_name.filter(|n| !n.is_empty()),
        labels: e.labels.into_vec(),
    }
}

/// Reads one line of Hubble JSON, with the endpoints' labels or (`labels` false) without.
pub(crate) fn parse_line(line: &[u8], labels: bool) -> Result<Parsed<'_>, String> {
    if labels { parse::<Vec<Cow<'_, str>>>(line) } else { parse::<serde::de::IgnoredAny>(line) }
}

fn parse<'a, L: Labels<'a> + Deserialize<'a>>(line: &'a [u8]) -> Result<Parsed<'a>, String> {
    let outer: Flow<'a, L> = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let time = outer.time;
    let mut flow = match outer.flow {
        Some(inner) => *inner,
        None => outer,
    };
    if flow.time.0.is_none() {
        flow.time = time;
    }
    if flow.verdict.is_none() && flow.ip.is_none() && flow.source.is_none() && flow.l4.is_none() {
        return Ok(Parsed::Skip(Skip::NotAFlow));
    }
    if flow.kind.as_deref() == Some("L7") {
        return Ok(Parsed::Skip(Skip::L7));
    }
    let Some(l4) = flow.l4 else { return Ok(Parsed::Skip(Skip::NoPort)) };
    let (protocol, transport) = match (l4.tcp, l4.udp, l4.sctp) {
        (Some(t), _, _) => (Protocol::Tcp, t),
        (None, Some(u), _) => (Protocol::Udp, u),
        (None, None, Some(s)) => (Protocol::Sctp, s),
        (None, None, None) => return Ok(Parsed::Skip(Skip::NoPort)),
    };
    let Some(dst_port) = transport.destination_port.filter(|p| *p != 0) else {
        return Ok(Parsed::Skip(Skip::NoPort));
    };
    // a SYN-ACK is the reply of a connection even where `is_reply` is missing
    let syn_ack = transport.flags.as_ref().is_some_and(|f| f.syn && f.ack);
    let (src_ip, dst_ip) = flow.ip.map_or((None, None), |ip| (ip.source, ip.destination));
    Ok(Parsed::Flow(Box::new(Record {
        time: flow.time.0,
        verdict: verdict(flow.verdict.as_deref()),
        protocol,
        src_port: transport.source_port,
        dst_port,
        src: side(flow.source, src_ip),
        dst: side(flow.destination, dst_ip),
        is_reply: flow.is_reply.unwrap_or(syn_ack),
        drop_reason: flow.drop_reason_desc.filter(|d| !d.is_empty()),
        count: 1,
    })))
}
