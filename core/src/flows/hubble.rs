//! Hubble JSON, as `hubble observe -o json` writes it: one `{"flow": {...}}` object per line
//! (bare flow objects are read too). Only the fields netfence uses are read (with
//! `super::json`); the rest is checked and skipped without being stored.

use std::borrow::Cow;

use super::FlowVerdict;
use super::json::Json;
use super::record::{Parsed, Record, Side, Skip, read_time};
use crate::model::Protocol;

/// An optional pair of strings: source and destination address, or a workload's kind and name.
type Pair<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>);

/// The fields of a flow object that netfence reads.
#[derive(Default)]
struct Flow<'a> {
    inner: Option<Box<Flow<'a>>>,
    time: Option<i64>,
    verdict: Option<Cow<'a, str>>,
    ip: Option<Pair<'a>>,
    l4: Option<L4>,
    source: Option<Endpoint<'a>>,
    destination: Option<Endpoint<'a>>,
    kind: Option<Cow<'a, str>>,
    is_reply: Option<bool>,
    drop_reason: Option<Cow<'a, str>>,
}

#[derive(Default)]
struct L4 {
    tcp: Option<Transport>,
    udp: Option<Transport>,
    sctp: Option<Transport>,
}

#[derive(Default)]
struct Transport {
    source_port: Option<u16>,
    destination_port: Option<u16>,
    /// SYN and ACK both set.
    syn_ack: Option<bool>,
}

#[derive(Default)]
struct Endpoint<'a> {
    namespace: Option<Cow<'a, str>>,
    pod_name: Option<Cow<'a, str>>,
    labels: Vec<Cow<'a, str>>,
    /// The first workload's kind and name.
    workload: Option<Pair<'a>>,
}

/// Reads a flow object (also the `{"flow": {...}}` wrapper, whose `flow` is one).
fn flow<'a>(json: &mut Json<'a>, labels: bool) -> Result<Flow<'a>, String> {
    const NAMES: [&str; 10] =
        ["flow", "time", "verdict", "IP", "l4", "source", "destination", "Type", "is_reply", "drop_reason_desc"];
    let mut f = Flow::default();
    json.fields("flow", &NAMES, |json, index, key| {
        // the fields that hold objects: `null` is none
        if matches!(index, 0 | 3..=6) && json.null()? {
            return Ok(());
        }
        match index {
            0 => f.inner = Some(Box::new(flow(json, labels)?)),
            1 => f.time = read_time(json)?,
            2 => f.verdict = json.opt_str(key)?,
            3 => f.ip = Some(pair(json, key, ["source", "destination"])?),
            4 => f.l4 = Some(l4(json)?),
            5 => f.source = Some(endpoint(json, key, labels)?),
            6 => f.destination = Some(endpoint(json, key, labels)?),
            7 => f.kind = json.opt_str(key)?,
            8 => f.is_reply = json.opt_bool(key)?,
            _ => f.drop_reason = json.opt_str(key)?,
        }
        Ok(())
    })?;
    Ok(f)
}

/// An object of two optional strings (an `IP`'s source and destination, a workload's kind and
/// name).
fn pair<'a>(json: &mut Json<'a>, field: &str, names: [&str; 2]) -> Result<Pair<'a>, String> {
    let (mut first, mut second) = (None, None);
    json.fields(field, &names, |json, index, key| {
        let value = json.opt_str(key)?;
        if index == 0 {
            first = value
        } else {
            second = value
        }
        Ok(())
    })?;
    Ok((first, second))
}

fn l4(json: &mut Json<'_>) -> Result<L4, String> {
    let mut l4 = L4::default();
    json.fields("l4", &["TCP", "UDP", "SCTP"], |json, index, key| {
        let slot = match index {
            0 => &mut l4.tcp,
            1 => &mut l4.udp,
            _ => &mut l4.sctp,
        };
        *slot = if json.null()? { None } else { Some(transport(json, key)?) };
        Ok(())
    })?;
    Ok(l4)
}

fn transport(json: &mut Json<'_>, field: &str) -> Result<Transport, String> {
    let mut t = Transport::default();
    json.fields(field, &["source_port", "destination_port", "flags"], |json, index, key| {
        match index {
            0 => t.source_port = json.opt_port(key)?,
            1 => t.destination_port = json.opt_port(key)?,
            _ => t.syn_ack = if json.null()? { None } else { Some(flags(json)?) },
        }
        Ok(())
    })?;
    Ok(t)
}

/// Whether SYN and ACK are both set.
fn flags(json: &mut Json<'_>) -> Result<bool, String> {
    let mut set = [false; 2];
    json.fields("flags", &["SYN", "ACK"], |json, index, key| {
        if let Some(flag) = set.get_mut(index) {
            *flag = json.boolean(key)?;
        }
        Ok(())
    })?;
    Ok(set == [true; 2])
}

/// An endpoint; its labels are read only with `labels` (they are most of a record's bytes and
/// needed only the first time an endpoint is seen), otherwise checked and skipped.
fn endpoint<'a>(json: &mut Json<'a>, field: &str, labels: bool) -> Result<Endpoint<'a>, String> {
    let mut e = Endpoint::default();
    json.fields(field, &["namespace", "pod_name", "labels", "workloads"], |json, index, key| {
        match index {
            0 => e.namespace = json.opt_str(key)?,
            1 => e.pod_name = json.opt_str(key)?,
            2 if !labels => json.skip()?,
            2 => {
                if json.peek() != Some(b'[') {
                    return Err(json.mismatch(key, "an array of strings"));
                }
                json.array(|json| {
                    if json.peek() != Some(b'"') {
                        return Err(json.mismatch("labels", "a string"));
                    }
                    e.labels.push(json.string()?);
                    Ok(())
                })?;
            }
            _ => e.workload = workload(json)?,
        }
        Ok(())
    })?;
    Ok(e)
}

/// The first of an endpoint's workloads, as (kind, name); the others are checked and skipped.
fn workload<'a>(json: &mut Json<'a>) -> Result<Option<Pair<'a>>, String> {
    match json.peek() {
        Some(b'n') => json.null().map(|_| None),
        Some(b'[') => {
            let mut first = None;
            json.array(|json| {
                if first.is_some() {
                    return json.skip();
                }
                first = Some(pair(json, "workloads", ["kind", "name"])?);
                Ok(())
            })?;
            Ok(first)
        }
        _ => Err(json.mismatch("workloads", "a list of workloads")),
    }
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

fn side<'a>(endpoint: Option<Endpoint<'a>>, ip: Option<Cow<'a, str>>) -> Side<'a> {
    let Some(e) = endpoint else {
        return Side { ip, ..Side::default() };
    };
    let (workload_kind, workload_name) = e.workload.unwrap_or((None, None));
    Side {
        namespace: e.namespace.filter(|n| !n.is_empty()),
        pod: e.pod_name.filter(|n| !n.is_empty()),
        ip,
        workload_kind: workload_kind.filter(|k| !k.is_empty()),
        workload_name: workload_name.filter(|n| !n.is_empty()),
        labels: e.labels,
    }
}

/// Reads one line of Hubble JSON, with the endpoints' labels or (`labels` false) without.
pub(crate) fn parse_line(line: &[u8], labels: bool) -> Result<Parsed<'_>, String> {
    // one UTF-8 check of the whole line
    let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let mut json = Json::new(text);
    // the `{"flow": {...}}` wrapper, or a bare flow
    let outer = flow(&mut json, labels)?;
    json.finish()?;
    Ok(assemble(outer))
}

/// The record a line's flow object stands for, or why there is none.
fn assemble(mut outer: Flow<'_>) -> Parsed<'_> {
    let time = outer.time;
    let mut flow = match outer.inner.take() {
        Some(inner) => *inner,
        None => outer,
    };
    if flow.time.is_none() {
        flow.time = time;
    }
    if flow.verdict.is_none() && flow.ip.is_none() && flow.source.is_none() && flow.l4.is_none() {
        return Parsed::Skip(Skip::NotAFlow);
    }
    if flow.kind.as_deref() == Some("L7") {
        return Parsed::Skip(Skip::L7);
    }
    let Some(l4) = flow.l4 else { return Parsed::Skip(Skip::NoPort) };
    let (protocol, transport) = match (l4.tcp, l4.udp, l4.sctp) {
        (Some(t), _, _) => (Protocol::Tcp, t),
        (None, Some(u), _) => (Protocol::Udp, u),
        (None, None, Some(s)) => (Protocol::Sctp, s),
        (None, None, None) => return Parsed::Skip(Skip::NoPort),
    };
    let Some(dst_port) = transport.destination_port.filter(|p| *p != 0) else {
        return Parsed::Skip(Skip::NoPort);
    };
    // a SYN-ACK is the reply of a connection even where `is_reply` is missing
    let syn_ack = transport.syn_ack.unwrap_or(false);
    let (src_ip, dst_ip) = flow.ip.unwrap_or((None, None));
    Parsed::Flow(Box::new(Record {
        time: flow.time,
        verdict: verdict(flow.verdict.as_deref()),
        protocol,
        src_port: transport.source_port,
        dst_port,
        src: side(flow.source, src_ip),
        dst: side(flow.destination, dst_ip),
        is_reply: flow.is_reply.unwrap_or(syn_ack),
        drop_reason: flow.drop_reason.filter(|d| !d.is_empty()),
        count: 1,
    }))
}

/// The serde-derived reader this one replaced, kept as the reference the tests compare with.
#[cfg(test)]
mod reference {

    use std::borrow::Cow;

    use serde::Deserialize;

    use super::super::record::Parsed;
    use super::super::record::serde_reading::TimeValue;

    /// Labels as read: all of them, or skipped (the fast path: labels are only needed the first
    /// time an endpoint is seen, and they are most of the bytes of a record).
    trait Labels<'a>: Default {
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

    /// Reads one line of Hubble JSON, with the endpoints' labels or (`labels` false) without.
    pub(super) fn parse_line(line: &[u8], labels: bool) -> Result<Parsed<'_>, String> {
        if labels { parse::<Vec<Cow<'_, str>>>(line) } else { parse::<serde::de::IgnoredAny>(line) }
    }

    fn parse<'a, L: Labels<'a> + Deserialize<'a>>(line: &'a [u8]) -> Result<Parsed<'a>, String> {
        let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
        let outer: Flow<'a, L> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Ok(super::assemble(outer.into_read()))
    }

    impl<'a, L: Labels<'a>> Flow<'a, L> {
        /// As the new reader reads it.
        fn into_read(self) -> super::Flow<'a> {
            let transport = |t: Transport| super::Transport {
                source_port: t.source_port,
                destination_port: t.destination_port,
                syn_ack: t.flags.map(|f| f.syn && f.ack),
            };
            let endpoint = |e: Endpoint<'a, L>| super::Endpoint {
                namespace: e.namespace,
                pod_name: e.pod_name,
                labels: e.labels.into_vec(),
                workload: e.workloads.0.map(|w| (w.kind, w.name)),
            };
            super::Flow {
                inner: self.flow.map(|inner| Box::new(inner.into_read())),
                time: self.time.0,
                verdict: self.verdict,
                ip: self.ip.map(|ip| (ip.source, ip.destination)),
                l4: self.l4.map(|l4| super::L4 {
                    tcp: l4.tcp.map(transport),
                    udp: l4.udp.map(transport),
                    sctp: l4.sctp.map(transport),
                }),
                source: self.source.map(endpoint),
                destination: self.destination.map(endpoint),
                kind: self.kind,
                is_reply: self.is_reply,
                drop_reason: self.drop_reason_desc,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::record::strategies::{object, port, text};
    use super::*;
    use proptest::prelude::*;

    fn or_null(value: BoxedStrategy<String>) -> BoxedStrategy<String> {
        prop_oneof![40 => value, 2 => Just("null".to_owned()), 1 => Just("3".to_owned())].boxed()
    }

    fn flow() -> BoxedStrategy<String> {
        let strings = || text().boxed();
        let boolean = || {
            prop_oneof![20 => Just("true".to_owned()), 20 => Just("false".to_owned()), 2 => Just("null".to_owned()), 1 => Just("1".to_owned())]
                .boxed()
        };
        let flags = object(vec![("SYN", boolean()), ("ACK", boolean())]);
        let transport = object(vec![
            ("source_port", port().boxed()),
            ("destination_port", port().boxed()),
            ("flags", or_null(flags)),
        ]);
        let l4 = object(vec![
            ("TCP", or_null(transport.clone())),
            ("UDP", or_null(transport.clone())),
            ("SCTP", or_null(transport)),
        ]);
        let labels = prop_oneof![
            40 => prop::collection::vec("\"[a-z:=]{1,8}\"", 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
            1 => prop::collection::vec(text(), 1..3).prop_map(|v| format!("[{}]", v.join(", "))),
            1 => Just("null".to_owned()),
            1 => Just("\"app=x\"".to_owned()),
        ]
        .boxed();
        let workload = object(vec![("name", strings()), ("kind", strings())]);
        let workloads = prop_oneof![
            40 => prop::collection::vec(prop_oneof![40 => workload, 1 => Just("null".to_owned()), 1 => Just("[1]".to_owned())], 0..3)
                .prop_map(|v| format!("[{}]", v.join(", "))),
            2 => Just("null".to_owned()),
            1 => Just("{}".to_owned()),
        ]
        .boxed();
        let endpoint = object(vec![
            ("namespace", strings()),
            ("pod_name", strings()),
            ("labels", labels),
            ("workloads", workloads),
        ]);
        let ip = object(vec![("source", strings()), ("destination", strings())]);
        let time = prop_oneof![
            20 => Just("\"2024-05-01T10:00:00Z\"".to_owned()),
            2 => Just("\"\"".to_owned()),
            1 => Just("\"yesterday\"".to_owned()),
            5 => Just("1714557600".to_owned()),
            5 => Just("1714557600.5".to_owned()),
            2 => Just("-5".to_owned()),
            2 => Just("null".to_owned()),
            1 => Just("[]".to_owned()),
        ]
        .boxed();
        let verdict = prop_oneof![
            10 => Just("\"FORWARDED\"".to_owned()),
            10 => Just("\"DROPPED\"".to_owned()),
            2 => Just("\"allowed\"".to_owned()),
            2 => text(),
        ]
        .boxed();
        object(vec![
            ("time", time),
            ("verdict", verdict),
            ("IP", or_null(ip)),
            ("l4", or_null(l4)),
            ("source", or_null(endpoint.clone())),
            ("destination", or_null(endpoint)),
            (
                "Type",
                prop_oneof![10 => Just("\"L3_L4\"".to_owned()), 2 => Just("\"L7\"".to_owned()), 1 => text()].boxed(),
            ),
            ("is_reply", boolean()),
            ("drop_reason_desc", strings()),
        ])
    }

    fn lines() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => flow().prop_flat_map(|inner| {
                prop_oneof![
                    Just(format!("{{\"flow\": {inner}, \"node_name\": \"n1\", \"time\": \"2024-05-01T09:00:00Z\"}}")),
                    Just(format!("{{\"flow\": {inner}}}")),
                    Just("{\"flow\": null, \"time\": 5}".to_owned()),
                ]
            }),
            4 => flow(),
            1 => flow().prop_map(|f| format!("{f} x")),
            1 => Just("{\"flow\": {\"l4\": {\"UDP\": {\"destination_port\": 53}}}, \"flow\": null}".to_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The reader reads every line as the serde-derived reader it replaced did: the same
        /// record, skip or failure (messages differ).
        #[test]
        fn reads_what_the_serde_reader_read(line in lines(), labels in any::<bool>()) {
            let ours = parse_line(line.as_bytes(), labels);
            let theirs = reference::parse_line(line.as_bytes(), labels);
            super::super::record::same_outcome(&line, &ours, &theirs)?;
        }
    }

    /// The generated lines cover records, skips and failures alike (else the comparison above
    /// would prove little).
    #[test]
    fn generated_lines_cover_every_outcome() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut flows, mut skips, mut errors) = (0, 0, 0);
        for _ in 0..2000 {
            let line = proptest::strategy::ValueTree::current(&lines().new_tree(&mut runner).unwrap());
            match parse_line(line.as_bytes(), true) {
                Ok(Parsed::Flow(_)) => flows += 1,
                Ok(Parsed::Skip(_)) => skips += 1,
                Err(_) => errors += 1,
            }
        }
        assert!(flows > 100 && skips > 100 && errors > 100, "{flows} flows, {skips} skips, {errors} errors");
    }

    #[test]
    fn a_hubble_line_is_read() {
        let line = r#"{"flow":{"time":"2024-05-01T10:00:00.5Z","verdict":"DROPPED","IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":41000,"destination_port":8080,"flags":{"SYN":true}}},"source":{"namespace":"shop","pod_name":"web-1","labels":["k8s:app=web"],"workloads":[{"name":"web","kind":"Deployment"},{"name":"x"}]},"destination":{"namespace":"shop","pod_name":"api-1"},"Type":"L3_L4","drop_reason_desc":"POLICY_DENIED"},"node_name":"n1"}"#;
        let Ok(Parsed::Flow(r)) = parse_line(line.as_bytes(), true) else { panic!("not a flow") };
        assert_eq!(
            (r.protocol, r.src_port, r.dst_port, r.verdict),
            (Protocol::Tcp, Some(41000), 8080, FlowVerdict::Dropped)
        );
        assert_eq!(r.src.labels, ["k8s:app=web"]);
        assert_eq!((r.src.workload_kind.as_deref(), r.src.workload_name.as_deref()), (Some("Deployment"), Some("web")));
        assert_eq!(r.drop_reason.as_deref(), Some("POLICY_DENIED"));
        assert!(!r.is_reply);
        let e = parse_line(br#"{"flow":{"l4":{"TCP":{"destination_port":"80"}}}}"#, false).unwrap_err();
        assert_eq!(e, "`destination_port`: expected a port number, found a string at column 42");
    }
}
