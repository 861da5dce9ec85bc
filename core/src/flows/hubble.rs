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

/// A flow object, or the `{"flow": {...}}` wrapper around one (whose `flow` field holds it).
/// One type for both keeps one decoder in the WebAssembly module; a wrapper costs one box.
#[derive(Deserialize)]
#[serde(bound(deserialize = "L: Deserialize<'de> + Default"))]
struct Flow<'a, L> {
    #[serde(borrow, default)]
    flow: Option<Box<Flow<'a, L>>>,
    #[serde(default)]
    time: TimeValue,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    verdict: Option<Cow<'a, str>>,
    #[serde(rename = "IP", default)]
    ip: Option<Ip<'a>>,
    #[serde(default)]
    l4: Option<L4>,
    #[serde(borrow, default)]
    source: Option<Endpoint<'a, L>>,
    #[serde(borrow, default)]
    destination: Option<Endpoint<'a, L>>,
    #[serde(rename = "Type", borrow, default, deserialize_with = "opt_str")]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    is_reply: Option<bool>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    drop_reason_desc: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Ip<'a> {
    #[serde(borrow, default, deserialize_with = "opt_str")]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
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
    #[serde(borrow, default, deserialize_with = "opt_str")]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    pod_name: Option<Cow<'a, str>>,
    #[serde(default)]
    labels: L,
    #[serde(borrow, default)]
    workloads: FirstWorkload<'a>,
}

/// The first of an endpoint's workloads (the others are skipped, nothing is allocated).
#[derive(Default)]
struct FirstWorkload<'a>(Option<Workload<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstWorkload<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = FirstWorkload<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of workloads")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<FirstWorkload<'a>, E> {
                Ok(FirstWorkload(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<FirstWorkload<'a>, A::Error> {
                let first = seq.next_element::<Workload<'de>>()?;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(FirstWorkload(first))
            }
        }
        deserializer.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Workload<'a> {
    #[serde(borrow, default, deserialize_with = "opt_str")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, deserialize_with = "opt_str")]
    kind: Option<Cow<'a, str>>,
}

/// A string, borrowed from the line unless it holds escapes. (Serde's derive borrows a
/// `Cow<str>` field, but not one inside an `Option`: that one would be allocated.)
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V(std::marker::PhantomData))
    }
}

/// An optional string field, borrowed where it can be.
fn opt_str<'de: 'a, 'a, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(Option::<Str<'a>>::deserialize(deserializer)?.map(|s| s.0))
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
    let (workload_kind, workload_name) = e.workloads.0.map_or((None, None), |w| (w.kind, w.name));
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
///
/// The WebAssembly build always reads the labels: one decoder instead of two, for a smaller
/// module (its flow logs are what a browser holds, not a cluster's day of traffic).
pub(crate) fn parse_line(line: &[u8], labels: bool) -> Result<Parsed<'_>, String> {
    if labels || cfg!(target_arch = "wasm32") {
        parse::<Vec<Cow<'_, str>>>(line)
    } else {
        parse::<serde::de::IgnoredAny>(line)
    }
}

fn parse<'a, L: Labels<'a> + Deserialize<'a>>(line: &'a [u8]) -> Result<Parsed<'a>, String> {
    // one UTF-8 check of the whole line, instead of one per key and borrowed string
    let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
    // the `{"flow": {...}}` wrapper, or a bare flow
    let mut outer: Flow<'a, L> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let time = outer.time;
    let mut flow = match outer.flow.take() {
        Some(inner) => *inner,
        None => Flow {
            flow: None,
            time: outer.time,
            verdict: outer.verdict,
            ip: outer.ip,
            l4: outer.l4,
            source: outer.source,
            destination: outer.destination,
            kind: outer.kind,
            is_reply: outer.is_reply,
            drop_reason_desc: outer.drop_reason_desc,
        },
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
