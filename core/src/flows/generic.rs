//! The generic flow format, for flow logs from other sources (VPC flow logs, Calico, a
//! conntrack dump, a spreadsheet): JSON Lines with camelCase fields, or CSV with a header row
//! naming the same fields (in any order, any case).
//!
//! | field | required | meaning |
//! |---|---|---|
//! | `time` | no | RFC 3339, or Unix seconds |
//! | `srcNamespace`, `srcPod` | no | the source pod, when it is in the cluster |
//! | `srcIp` | one of pod or IP | source address |
//! | `dstNamespace`, `dstPod`, `dstIp` | likewise | the destination |
//! | `protocol` | no (TCP) | `TCP`, `UDP`, `SCTP` (any case) or 6, 17, 132 |
//! | `dstPort` | yes | destination port, 1–65535 |
//! | `verdict` | no (forwarded) | `forwarded`/`allowed`, `dropped`/`denied`, `audit`, `error` |
//! | `srcLabels`, `dstLabels` | no | `key=value;key=value` (JSON: also an object or a list) |
//! | `srcWorkload`, `dstWorkload` | no | `Kind/name` (e.g. `Deployment/api`) or `name` |
//! | `srcPort`, `isReply`, `dropReason`, `count` | no | source port (folds duplicates), reply flag, drop reason, connections the row stands for |

use std::borrow::Cow;

use super::FlowVerdict;
use super::json::{Json, Number};
use super::record::{Parsed, Record, Side, parse_protocol, read_time, split_labels, split_workload};
use crate::model::Protocol;

fn nonempty(v: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    v.filter(|s| !s.trim().is_empty())
}

struct SideFields<'a> {
    namespace: Option<Cow<'a, str>>,
    pod: Option<Cow<'a, str>>,
    ip: Option<Cow<'a, str>>,
    labels: Vec<Cow<'a, str>>,
    workload: Option<Cow<'a, str>>,
}

fn side(f: SideFields<'_>) -> Result<Side<'_>, &'static str> {
    let (workload_kind, workload_name) = nonempty(f.workload).map_or((None, None), split_workload);
    let s = Side {
        namespace: nonempty(f.namespace),
        pod: nonempty(f.pod),
        ip: nonempty(f.ip),
        workload_kind,
        workload_name,
        labels: f.labels,
    };
    if s.ip.is_none() && s.pod.is_none() && s.workload_name.is_none() {
        return Err("names neither a pod, a workload nor an IP");
    }
    Ok(s)
}

fn record<'a>(
    time: Option<i64>,
    fields: (SideFields<'a>, SideFields<'a>),
    protocol: Option<&str>,
    dst_port: u16,
    src_port: Option<u16>,
    verdict: Option<&str>,
    extra: (Option<bool>, Option<Cow<'a, str>>, Option<u64>),
) -> Result<Parsed<'a>, String> {
    let protocol = match protocol.map(str::trim).filter(|p| !p.is_empty()) {
        None => Protocol::Tcp,
        Some(p) => parse_protocol(p).ok_or_else(|| format!("unknown protocol `{p}` (TCP, UDP or SCTP)"))?,
    };
    if dst_port == 0 {
        return Err("`dstPort` must be 1-65535".to_owned());
    }
    let src = side(fields.0).map_err(|e| format!("the source {e}"))?;
    let dst = side(fields.1).map_err(|e| format!("the destination {e}"))?;
    let (is_reply, drop_reason, count) = extra;
    Ok(Parsed::Flow(Box::new(Record {
        time,
        verdict: verdict.map_or(FlowVerdict::Forwarded, FlowVerdict::parse),
        protocol,
        src_port,
        dst_port,
        src,
        dst,
        is_reply: is_reply.unwrap_or(false),
        drop_reason: nonempty(drop_reason),
        count: count.unwrap_or(1),
    })))
}

/// Reads one JSON line of the generic format.
pub(crate) fn parse_json_line(line: &[u8]) -> Result<Parsed<'_>, String> {
    // one UTF-8 check of the whole line
    let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let mut json = Json::new(text);
    let empty = || SideFields { namespace: None, pod: None, ip: None, labels: Vec::new(), workload: None };
    let (mut src, mut dst) = (empty(), empty());
    let (mut time, mut protocol, mut verdict, mut dst_port, mut src_port) = (None, None, None, None, None);
    let (mut is_reply, mut drop_reason, mut count) = (None, None, None);
    json.fields("flow", &FIELDS, |json, _, key| {
        match key {
            "time" => time = read_time(json)?,
            "srcNamespace" => src.namespace = json.opt_str(key)?,
            "srcPod" => src.pod = json.opt_str(key)?,
            "srcIp" => src.ip = json.opt_str(key)?,
            "srcPort" => src_port = json.opt_port(key)?,
            "srcLabels" => src.labels = labels(json, key)?,
            "srcWorkload" => src.workload = json.opt_str(key)?,
            "dstNamespace" => dst.namespace = json.opt_str(key)?,
            "dstPod" => dst.pod = json.opt_str(key)?,
            "dstIp" => dst.ip = json.opt_str(key)?,
            "dstPort" => dst_port = Some(json.port(key)?),
            "dstLabels" => dst.labels = labels(json, key)?,
            "dstWorkload" => dst.workload = json.opt_str(key)?,
            "protocol" => protocol = json.opt_str(key)?,
            "verdict" => verdict = json.opt_str(key)?,
            "isReply" => is_reply = json.opt_bool(key)?,
            "dropReason" => drop_reason = json.opt_str(key)?,
            _ => count = count_of(json, key)?,
        }
        Ok(())
    })?;
    json.finish()?;
    let dst_port = dst_port.ok_or("missing field `dstPort`")?;
    record(
        time,
        (src, dst),
        protocol.as_deref(),
        dst_port,
        src_port,
        verdict.as_deref(),
        (is_reply, drop_reason, count),
    )
}

/// The fields of a JSON line.
const FIELDS: [&str; 18] = [
    "time",
    "srcNamespace",
    "srcPod",
    "srcIp",
    "srcPort",
    "srcLabels",
    "srcWorkload",
    "dstNamespace",
    "dstPod",
    "dstIp",
    "dstPort",
    "dstLabels",
    "dstWorkload",
    "protocol",
    "verdict",
    "isReply",
    "dropReason",
    "count",
];

/// Labels: a list of `key=value`, a `key=value;…` string, an object, or `null`.
fn labels<'a>(json: &mut Json<'a>, field: &str) -> Result<Vec<Cow<'a, str>>, String> {
    let mut out = Vec::new();
    match json.peek() {
        Some(b'n') => {
            json.null()?;
        }
        Some(b'"') => match json.string()? {
            Cow::Borrowed(text) => out.extend(split_labels(text).map(Cow::Borrowed)),
            Cow::Owned(text) => out.extend(split_labels(&text).map(|s| Cow::Owned(s.to_owned()))),
        },
        Some(b'[') => json.array(|json| {
            if json.peek() != Some(b'"') {
                return Err(json.mismatch(field, "a list of `key=value` strings"));
            }
            out.push(json.string()?);
            Ok(())
        })?,
        Some(b'{') => json.object(|json, key| {
            if json.peek() != Some(b'"') {
                return Err(json.mismatch(key, "a label value (a string)"));
            }
            let value = json.string()?;
            out.push(Cow::Owned(format!("{key}={value}")));
            Ok(())
        })?,
        _ => return Err(json.mismatch(field, "labels (`key=value;…`, a list or an object)")),
    }
    Ok(out)
}

/// `count`: how many connections the row stands for (`null`: one).
fn count_of(json: &mut Json<'_>, field: &str) -> Result<Option<u64>, String> {
    if json.null()? {
        return Ok(None);
    }
    if !matches!(json.peek(), Some(b'0'..=b'9' | b'-')) {
        return Err(json.mismatch(field, "a count"));
    }
    match json.number()? {
        Number::Unsigned(v) => Ok(Some(v)),
        _ => Err(json.error(format!("`{field}`: expected a count (a whole number, 0 or more)"))),
    }
}

/// The columns of a CSV file, from its header row.
#[derive(Clone, Debug, Default)]
pub(crate) struct CsvHeader {
    columns: Vec<Option<Column>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Time,
    SrcNamespace,
    SrcPod,
    SrcIp,
    SrcPort,
    SrcLabels,
    SrcWorkload,
    DstNamespace,
    DstPod,
    DstIp,
    DstPort,
    DstLabels,
    DstWorkload,
    Protocol,
    Verdict,
    IsReply,
    DropReason,
    Count,
}

const COLUMNS: &[(&str, Column)] = &[
    ("time", Column::Time),
    ("srcnamespace", Column::SrcNamespace),
    ("srcpod", Column::SrcPod),
    ("srcip", Column::SrcIp),
    ("srcport", Column::SrcPort),
    ("srclabels", Column::SrcLabels),
    ("srcworkload", Column::SrcWorkload),
    ("dstnamespace", Column::DstNamespace),
    ("dstpod", Column::DstPod),
    ("dstip", Column::DstIp),
    ("dstport", Column::DstPort),
    ("dstlabels", Column::DstLabels),
    ("dstworkload", Column::DstWorkload),
    ("protocol", Column::Protocol),
    ("verdict", Column::Verdict),
    ("isreply", Column::IsReply),
    ("dropreason", Column::DropReason),
    ("count", Column::Count),
];

impl CsvHeader {
    /// Reads the header row: field names in any case, `_` and `-` ignored; unknown columns are
    /// skipped.
    pub(crate) fn parse(line: &str) -> Result<Self, String> {
        let mut columns = Vec::new();
        for name in split_csv(line) {
            let key: String =
                name.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).map(|c| c.to_ascii_lowercase()).collect();
            columns.push(COLUMNS.iter().find(|(n, _)| *n == key).map(|(_, c)| *c));
        }
        if !columns.contains(&Some(Column::DstPort)) {
            return Err("the CSV header has no `dstPort` column".to_owned());
        }
        Ok(Self { columns })
    }

    /// Reads one data row.
    pub(crate) fn parse_row<'a>(&self, line: &'a str) -> Result<Parsed<'a>, String> {
        let cells: Vec<Cow<'a, str>> = split_csv(line).collect();
        if cells.len() != self.columns.len() {
            return Err(format!("expected {} fields, found {}", self.columns.len(), cells.len()));
        }
        let empty = || SideFields { namespace: None, pod: None, ip: None, labels: Vec::new(), workload: None };
        let (mut src, mut dst) = (empty(), empty());
        let (mut time, mut dst_port, mut src_port, mut protocol, mut verdict) = (None, None, None, None, None);
        let (mut is_reply, mut drop_reason, mut count) = (None, None, None);
        let labels = |text: &Cow<'a, str>| -> Vec<Cow<'a, str>> {
            match text {
                Cow::Borrowed(t) => split_labels(t).map(Cow::Borrowed).collect(),
                Cow::Owned(t) => split_labels(t).map(|s| Cow::Owned(s.to_owned())).collect(),
            }
        };
        for (cell, column) in cells.into_iter().zip(&self.columns) {
            let Some(column) = column else { continue };
            let number = |what: &str| -> Result<Option<u64>, String> {
                let t = cell.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse::<u64>().map(Some).map_err(|_| format!("`{what}` is not a number: `{t}`"))
            };
            let port = |what: &str| -> Result<Option<u16>, String> {
                number(what)?
                    .map(|n| u16::try_from(n).map_err(|_| format!("`{what}` is out of range: `{n}`")))
                    .transpose()
            };
            match column {
                Column::Time => {
                    let t = cell.trim();
                    if !t.is_empty() {
                        time = Some(super::time::parse_time(t).ok_or_else(|| format!("invalid time `{t}`"))?);
                    }
                }
                Column::SrcNamespace => src.namespace = Some(cell),
                Column::SrcPod => src.pod = Some(cell),
                Column::SrcIp => src.ip = Some(cell),
                Column::SrcPort => src_port = port("srcPort")?,
                Column::SrcLabels => src.labels = labels(&cell),
                Column::SrcWorkload => src.workload = Some(cell),
                Column::DstNamespace => dst.namespace = Some(cell),
                Column::DstPod => dst.pod = Some(cell),
                Column::DstIp => dst.ip = Some(cell),
                Column::DstPort => dst_port = port("dstPort")?,
                Column::DstLabels => dst.labels = labels(&cell),
                Column::DstWorkload => dst.workload = Some(cell),
                Column::Protocol => protocol = Some(cell),
                Column::Verdict => verdict = Some(cell),
                Column::IsReply => {
                    is_reply = match cell.trim().to_ascii_lowercase().as_str() {
                        "" => None,
                        "true" | "1" | "yes" => Some(true),
                        "false" | "0" | "no" => Some(false),
                        other => return Err(format!("`isReply` is not a boolean: `{other}`")),
                    }
                }
                Column::DropReason => drop_reason = Some(cell),
                Column::Count => count = number("count")?,
            }
        }
        let dst_port = dst_port.ok_or("`dstPort` is empty")?;
        let verdict = verdict.filter(|v| !v.trim().is_empty());
        record(
            time,
            (src, dst),
            protocol.as_deref(),
            dst_port,
            src_port,
            verdict.as_deref().map(str::trim),
            (is_reply, drop_reason, count),
        )
    }
}

/// Splits a CSV line: `,`-separated, fields optionally in `"…"` with `""` for a quote.
fn split_csv(line: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let mut rest = Some(line.trim_end_matches(['\r', '\n']));
    std::iter::from_fn(move || {
        let text = rest?;
        let trimmed = text.trim_start();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if quoted.get(i + 1..).is_some_and(|s| s.starts_with('"')) {
                        value.push('"');
                        chars.next();
                    } else {
                        end = i + 1;
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            let after = quoted.get(end..).unwrap_or("");
            rest = after.split_once(',').map(|(_, r)| r);
            return Some(Cow::Owned(value));
        }
        match text.split_once(',') {
            Some((field, r)) => {
                rest = Some(r);
                Some(Cow::Borrowed(field.trim()))
            }
            None => {
                rest = None;
                Some(Cow::Borrowed(text.trim()))
            }
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::super::record::strategies::{object, port, text};
    use super::*;
    use proptest::prelude::*;

    fn labels() -> BoxedStrategy<String> {
        prop_oneof![
            5 => Just("\"app=web;tier=front\"".to_owned()),
            5 => Just("\"app=web, tier=front\"".to_owned()),
            5 => Just("[\"app=api\", \"x=\\u00e9\"]".to_owned()),
            5 => Just("{\"app\": \"db\", \"k\\n\": \"v\"}".to_owned()),
            1 => Just("{\"app\": 1}".to_owned()),
            1 => Just("[1]".to_owned()),
            2 => Just("null".to_owned()),
            1 => Just("true".to_owned()),
        ]
        .boxed()
    }

    /// A JSON line of the generic format.
    fn lines() -> impl Strategy<Value = String> {
        let fields: Vec<(&'static str, BoxedStrategy<String>)> = vec![
            ("time", prop_oneof![Just("\"2024-05-01T10:00:00Z\"".to_owned()), Just("1714557600".to_owned()), Just("\"x\"".to_owned()), Just("null".to_owned())].boxed()),
            ("srcNamespace", text()),
            ("srcPod", text()),
            ("srcIp", text()),
            ("srcPort", port()),
            ("srcLabels", labels()),
            ("srcWorkload", text()),
            ("dstNamespace", text()),
            ("dstPod", text()),
            ("dstIp", text()),
            ("dstPort", prop_oneof![20 => (1u32..66_000).prop_map(|p| p.to_string()), 1 => port()].boxed()),
            ("dstLabels", labels()),
            ("dstWorkload", text()),
            ("protocol", prop_oneof![5 => Just("\"tcp\"".to_owned()), 5 => Just("\"17\"".to_owned()), 1 => text()].boxed()),
            ("verdict", prop_oneof![5 => Just("\"denied\"".to_owned()), 1 => text()].boxed()),
            ("isReply", prop_oneof![Just("true".to_owned()), Just("false".to_owned()), Just("null".to_owned()), Just("0".to_owned())].boxed()),
            ("dropReason", text()),
            ("count", prop_oneof![10 => (0u64..5).prop_map(|c| c.to_string()), 1 => Just("-1".to_owned()), 1 => Just("1.5".to_owned()), 1 => Just("null".to_owned())].boxed()),
        ];
        // sometimes a trailing comma after the object
        (object(fields), 0u8..40).prop_map(|(line, junk)| if junk == 0 { format!("{line},") } else { line })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// JSON lines are read as the serde-derived reader they replaced read them: the same
        /// record, or both fail (messages differ).
        #[test]
        fn reads_what_the_serde_reader_read(line in lines()) {
            let ours = parse_json_line(line.as_bytes());
            let theirs = reference::parse_json_line(line.as_bytes());
            super::super::record::same_outcome(&line, &ours, &theirs)?;
        }
    }

    #[test]
    fn generated_lines_give_records_and_failures() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut records, mut errors) = (0, 0);
        for _ in 0..1000 {
            let line = proptest::strategy::ValueTree::current(&lines().new_tree(&mut runner).unwrap());
            if parse_json_line(line.as_bytes()).is_ok() { records += 1 } else { errors += 1 }
        }
        assert!(records > 100 && errors > 100, "{records} records, {errors} errors");
    }

    #[test]
    fn csv_fields() {
        let cells: Vec<_> = split_csv(r#"a, "b,c" ,"d""e",,f"#).collect();
        assert_eq!(cells, ["a", "b,c", "d\"e", "", "f"]);
        assert_eq!(split_csv("").count(), 1);
    }
}

/// The serde-derived reader of JSON lines this one replaced, kept as the reference the tests
/// compare with.
#[cfg(test)]
mod reference {
    use std::borrow::Cow;

    use serde::Deserialize;

    use super::super::record::Parsed;
    use super::super::record::serde_reading::{LabelList, TimeValue};
    use super::{SideFields, record};

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct GenericFlow<'a> {
        #[serde(default)]
        time: TimeValue,
        #[serde(borrow, default)]
        src_namespace: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        src_pod: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        src_ip: Option<Cow<'a, str>>,
        #[serde(default)]
        src_port: Option<u16>,
        #[serde(borrow, default)]
        src_labels: LabelList<'a>,
        #[serde(borrow, default)]
        src_workload: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        dst_namespace: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        dst_pod: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        dst_ip: Option<Cow<'a, str>>,
        dst_port: u16,
        #[serde(borrow, default)]
        dst_labels: LabelList<'a>,
        #[serde(borrow, default)]
        dst_workload: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        protocol: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        verdict: Option<Cow<'a, str>>,
        #[serde(default)]
        is_reply: Option<bool>,
        #[serde(borrow, default)]
        drop_reason: Option<Cow<'a, str>>,
        #[serde(default)]
        count: Option<u64>,
    }

    /// Reads one JSON line of the generic format.
    pub(super) fn parse_json_line(line: &[u8]) -> Result<Parsed<'_>, String> {
        // as Hubble lines are read (one UTF-8 check, and one JSON reader type for both formats)
        let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8 text: {e}"))?;
        let f: GenericFlow<'_> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let src = SideFields {
            namespace: f.src_namespace,
            pod: f.src_pod,
            ip: f.src_ip,
            labels: f.src_labels.0,
            workload: f.src_workload,
        };
        let dst = SideFields {
            namespace: f.dst_namespace,
            pod: f.dst_pod,
            ip: f.dst_ip,
            labels: f.dst_labels.0,
            workload: f.dst_workload,
        };
        record(
            f.time.0,
            (src, dst),
            f.protocol.as_deref(),
            f.dst_port,
            f.src_port,
            f.verdict.as_deref(),
            (f.is_reply, f.drop_reason, f.count),
        )
    }
}
