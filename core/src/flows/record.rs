//! One flow record as every input format reads it, borrowing from the input line.

use std::borrow::Cow;

use super::FlowVerdict;
use super::json::{Json, Number};
use crate::model::Protocol;

/// One side (source or destination) of a record.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Side<'a> {
    pub(crate) namespace: Option<Cow<'a, str>>,
    pub(crate) pod: Option<Cow<'a, str>>,
    pub(crate) ip: Option<Cow<'a, str>>,
    pub(crate) workload_kind: Option<Cow<'a, str>>,
    pub(crate) workload_name: Option<Cow<'a, str>>,
    /// `key=value` (Hubble's `k8s:` prefix kept; normalised when stored).
    pub(crate) labels: Vec<Cow<'a, str>>,
}

/// A flow record.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Record<'a> {
    pub(crate) time: Option<i64>,
    pub(crate) verdict: FlowVerdict,
    pub(crate) protocol: Protocol,
    pub(crate) src_port: Option<u16>,
    pub(crate) dst_port: u16,
    pub(crate) src: Side<'a>,
    pub(crate) dst: Side<'a>,
    pub(crate) is_reply: bool,
    pub(crate) drop_reason: Option<Cow<'a, str>>,
    /// Connections this record stands for (the generic format's `count`; 1 otherwise).
    pub(crate) count: u64,
}

/// Why a well-formed line holds no flow netfence can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Skip {
    /// Not a flow (Hubble's lost-events and node-status lines).
    NotAFlow,
    /// No TCP, UDP or SCTP destination port (ICMP, or an L3-only record).
    NoPort,
    /// An L7 record (the L3/L4 record of the same connection is counted).
    L7,
}

/// What a line holds.
#[derive(Debug, PartialEq)]
pub(crate) enum Parsed<'a> {
    Flow(Box<Record<'a>>),
    Skip(Skip),
}

/// A record's timestamp, in nanoseconds: RFC 3339 text (empty: none) or Unix seconds, as
/// every JSON flow format gives it.
pub(crate) fn read_time(json: &mut Json<'_>) -> Result<Option<i64>, String> {
    match json.peek() {
        Some(b'n') => json.null().map(|_| None),
        Some(b'"') => {
            let at = json.error("");
            let text = json.string()?;
            if text.is_empty() {
                return Ok(None);
            }
            super::time::parse_time(&text).map(Some).ok_or_else(|| format!("invalid time `{text}`{at}"))
        }
        Some(b'-' | b'0'..=b'9') => {
            let seconds = match json.number()? {
                Number::Unsigned(v) => i64::try_from(v).ok().and_then(|s| s.checked_mul(1_000_000_000)),
                Number::Negative(v) => v.checked_mul(1_000_000_000),
                Number::Float(v) => super::time::from_unix_float(v),
            };
            seconds.map(Some).ok_or_else(|| json.error("time out of range"))
        }
        _ => Err(json.mismatch("time", "an RFC 3339 timestamp or Unix seconds")),
    }
}

/// Splits `key=value;key=value` (also `,`-separated when no `;` is present).
pub(crate) fn split_labels(text: &str) -> impl Iterator<Item = &str> {
    let separator = if text.contains(';') { ';' } else { ',' };
    text.split(separator).map(str::trim).filter(|s| !s.is_empty())
}

/// Parses a protocol name in any case (`tcp`, `TCP`, `6`, `17`, `132`).
pub(crate) fn parse_protocol(text: &str) -> Option<Protocol> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("tcp") || t == "6" => Some(Protocol::Tcp),
        t if t.eq_ignore_ascii_case("udp") || t == "17" => Some(Protocol::Udp),
        t if t.eq_ignore_ascii_case("sctp") || t == "132" => Some(Protocol::Sctp),
        _ => None,
    }
}

/// The workload of a `Kind/name` or bare `name` text.
pub(crate) fn split_workload(text: Cow<'_, str>) -> (Option<Cow<'_, str>>, Option<Cow<'_, str>>) {
    if text.is_empty() {
        return (None, None);
    }
    match text {
        Cow::Borrowed(t) => match t.split_once('/') {
            Some((k, n)) => (Some(Cow::Borrowed(k)), Some(Cow::Borrowed(n))),
            None => (None, Some(Cow::Borrowed(t))),
        },
        Cow::Owned(t) => match t.split_once('/') {
            Some((k, n)) => (Some(Cow::Owned(k.to_owned())), Some(Cow::Owned(n.to_owned()))),
            None => (None, Some(Cow::Owned(t))),
        },
    }
}

/// Random JSON text for the tests of the flow-line readers: mostly what the formats hold,
/// sometimes a value of the wrong type.
#[cfg(test)]
#[allow(clippy::indexing_slicing)]
pub(crate) mod strategies {
    use proptest::prelude::*;

    /// A value for a string field: usually a string (escapes included), sometimes not.
    pub(crate) fn text() -> BoxedStrategy<String> {
        prop_oneof![
            60 => r#""([a-z0-9/=:;.-]|\\n|\\u00e9|é){0,8}""#,
            3 => Just("null".to_owned()),
            1 => Just("7".to_owned()),
            1 => Just("true".to_owned()),
        ]
        .boxed()
    }

    /// A value for a port field.
    pub(crate) fn port() -> BoxedStrategy<String> {
        prop_oneof![
            60 => (0u32..70_000).prop_map(|p| p.to_string()),
            3 => Just("null".to_owned()),
            1 => Just("-1".to_owned()),
            1 => Just("80.5".to_owned()),
            1 => Just("\"80\"".to_owned()),
        ]
        .boxed()
    }

    /// An object of `fields` (name, value), each present with probability 0.8, in random order,
    /// sometimes with an unknown field or a repeated one.
    pub(crate) fn object(fields: Vec<(&'static str, BoxedStrategy<String>)>) -> BoxedStrategy<String> {
        let n = fields.len();
        let parts: Vec<BoxedStrategy<Option<String>>> = fields
            .into_iter()
            .map(|(name, value)| {
                prop::option::weighted(0.8, value.prop_map(move |v| format!("\"{name}\": {v}"))).boxed()
            })
            .collect();
        (parts, Just((0..n).collect::<Vec<_>>()).prop_shuffle(), 0u8..60)
            .prop_map(|(members, order, extra)| {
                let mut out: Vec<String> = order.iter().filter_map(|i| members.get(*i).cloned().flatten()).collect();
                if extra == 0 {
                    out.push("\"unknown\": {\"a\": [1, {\"b\": null}, 2.5e3]}".to_owned());
                }
                if extra == 1 && !out.is_empty() {
                    out.push(out[0].clone());
                }
                format!("{{{}}}", out.join(", "))
            })
            .boxed()
    }
}

/// For the tests that compare a reader with the serde-derived one it replaced: the same
/// record or skip, or both fail (their messages differ).
#[cfg(test)]
pub(crate) fn same_outcome(
    line: &str,
    ours: &Result<Parsed<'_>, String>,
    theirs: &Result<Parsed<'_>, String>,
) -> Result<(), proptest::test_runner::TestCaseError> {
    match (ours, theirs) {
        (Ok(a), Ok(b)) => proptest::prop_assert_eq!(a, b, "{}", line),
        (Err(_), Err(_)) => {}
        _ => proptest::prop_assert!(false, "{}\nours {:?}\ntheirs {:?}", line, ours, theirs),
    }
    Ok(())
}

/// The serde reading of times and labels, for the reference readers the tests compare with.
#[cfg(test)]
pub(crate) mod serde_reading {
    use std::borrow::Cow;

    use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

    use super::split_labels;

    /// A timestamp given as RFC 3339 text or Unix seconds.
    #[derive(Clone, Copy, Debug, Default)]
    pub(crate) struct TimeValue(pub(crate) Option<i64>);

    impl<'de> serde::Deserialize<'de> for TimeValue {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = TimeValue;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an RFC 3339 timestamp or Unix seconds")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<TimeValue, E> {
                    if v.is_empty() {
                        return Ok(TimeValue(None));
                    }
                    super::super::time::parse_time(v)
                        .map(|t| TimeValue(Some(t)))
                        .ok_or_else(|| E::custom(format!("invalid time `{v}`")))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<TimeValue, E> {
                    i64::try_from(v)
                        .ok()
                        .and_then(|s| s.checked_mul(1_000_000_000))
                        .map(|t| TimeValue(Some(t)))
                        .ok_or_else(|| E::custom("time out of range"))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<TimeValue, E> {
                    v.checked_mul(1_000_000_000)
                        .map(|t| TimeValue(Some(t)))
                        .ok_or_else(|| E::custom("time out of range"))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<TimeValue, E> {
                    super::super::time::from_unix_float(v)
                        .map(|t| TimeValue(Some(t)))
                        .ok_or_else(|| E::custom("time out of range"))
                }
                fn visit_unit<E: de::Error>(self) -> Result<TimeValue, E> {
                    Ok(TimeValue(None))
                }
            }
            deserializer.deserialize_any(V)
        }
    }

    /// Labels given as a list of `key=value`, a `key=value;key=value` string, or an object.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct LabelList<'a>(pub(crate) Vec<Cow<'a, str>>);

    impl<'de: 'a, 'a> serde::Deserialize<'de> for LabelList<'a> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V<'a>(std::marker::PhantomData<&'a ()>);
            impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
                type Value = LabelList<'a>;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("labels: a list of `key=value`, a `key=value;…` string or an object")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<LabelList<'a>, E> {
                    Ok(LabelList(split_labels(v).map(Cow::Borrowed).collect()))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<LabelList<'a>, E> {
                    Ok(LabelList(split_labels(v).map(|s| Cow::Owned(s.to_owned())).collect()))
                }
                fn visit_unit<E: de::Error>(self) -> Result<LabelList<'a>, E> {
                    Ok(LabelList::default())
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LabelList<'a>, A::Error> {
                    let mut out = Vec::new();
                    while let Some(item) = seq.next_element::<Cow<'de, str>>()? {
                        out.push(item);
                    }
                    Ok(LabelList(out))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LabelList<'a>, A::Error> {
                    let mut out = Vec::new();
                    while let Some((k, v)) = map.next_entry::<Cow<'de, str>, Cow<'de, str>>()? {
                        out.push(Cow::Owned(format!("{k}={v}")));
                    }
                    Ok(LabelList(out))
                }
            }
            deserializer.deserialize_any(V(std::marker::PhantomData))
        }
    }
}
