//! Output renderers: connectivity as netpol-analyzer connlist text, CSV, markdown, Graphviz dot
//! and mermaid; explanations as text.
//!
//! Every renderer is a pure function of its input and deterministic: the same analysis gives
//! the same bytes. The connectivity renderers share one notion of a connection: the ports
//! allowed from one endpoint to another, written as netpol-analyzer writes them
//! (`All Connections`, or `SCTP 1-65535,TCP 80,UDP 53-54`).

use std::collections::BTreeMap;

use crate::diff::external_range;
use crate::engine::{ConnectionRecord, Connectivity, Explanation, PortRanges, PortSet, ProtocolPort};

#[cfg(not(target_arch = "wasm32"))]
pub mod arrow;
mod connlist;
pub mod diff;
mod explain;
mod exposure;
pub mod findings;
pub mod flows;
mod graph;
pub mod requirements;
pub mod resources;
pub mod review;
mod table;

pub use exposure::{exposure_markdown, exposure_txt, exposure_txt_on};
pub(crate) use table::{endpoint_label, markdown_cell};

/// netpol-analyzer's connlist text: `SRC => DST : CONNS` lines, sorted as netpol-analyzer
/// sorts them (byte order of the whole line), external ranges suffixed `[External]`.
///
/// External ranges are cut at every boundary that any range on the same side (source or
/// destination) has, which reproduces netpol-analyzer's partition of the address space except
/// for boundaries that distinguish no endpoint at all (see `connlist.rs`). With a
/// `focusConnection` filter netpol-analyzer prints a `Permitted connections on PROTO PORT:`
/// header and no `: CONNS`: [`connlist_txt_on`] writes that form.
#[must_use]
pub fn connlist_txt(analysis: &Connectivity) -> String {
    connlist::render(analysis, None)
}

/// [`connlist_txt`] of an analysis made with the filter's `focusConnection` `focus`: with one,
/// netpol-analyzer's focused form (`Permitted connections on UDP 52:`, then `SRC => DST`).
#[must_use]
pub fn connlist_txt_on(analysis: &Connectivity, focus: Option<ProtocolPort>) -> String {
    connlist::render(analysis, focus)
}

/// The canonical list as `serde_json::to_writer_pretty` writes it (byte for byte), written
/// through `out` in chunks of about a megabyte: a record's fixed parts are copied, each name is
/// escaped once for a run of records that share it, and nothing of the whole text is held.
///
/// # Errors
/// What `out` returns.
pub fn canonical_json_to(records: &[ConnectionRecord], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    canonical_json_indented(records, "", out)
}

/// [`canonical_json_to`] as a value nested in pretty JSON: every line after the first starts
/// with `indent` (two spaces a level).
///
/// # Errors
/// What `out` returns.
pub fn canonical_json_indented(
    records: &[ConnectionRecord],
    indent: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    const CHUNK: usize = 1 << 20;
    fn quoted(buf: &mut Vec<u8>, text: &str) {
        // serde_json's escaping, on one string
        let _ = serde_json::to_writer(&mut *buf, text);
    }
    if records.is_empty() {
        return out.write_all(b"[]");
    }
    // the fixed parts, each newline followed by the indentation
    let piece = |text: &str| text.replace('\n', &format!("\n{indent}")).into_bytes();
    let first = piece("\n  {\n    \"src\": ");
    let next = piece(",\n  {\n    \"src\": ");
    let dst_key = piece(",\n    \"dst\": ");
    let protocol_key = piece(",\n    \"protocol\": \"");
    let ports_key = piece("\",\n    \"ports\": [");
    let first_range = piece("\n      [\n        ");
    let next_range = piece(",\n      [\n        ");
    let range_to = piece(",\n        ");
    let range_end = piece("\n      ]");
    let no_ports = piece("]\n  }");
    let ports_end = piece("\n    ]\n  }");
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let (mut src, mut src_json): (&str, Vec<u8>) = ("", Vec::new());
    let (mut dst, mut dst_json): (&str, Vec<u8>) = ("", Vec::new());
    let mut number = PortText([0; 5]);
    buf.push(b'[');
    for (i, record) in records.iter().enumerate() {
        if i == 0 || record.src.as_str() != src {
            src = &record.src;
            src_json.clear();
            quoted(&mut src_json, src);
        }
        if i == 0 || record.dst.as_str() != dst {
            dst = &record.dst;
            dst_json.clear();
            quoted(&mut dst_json, dst);
        }
        buf.extend_from_slice(if i == 0 { &first } else { &next });
        buf.extend_from_slice(&src_json);
        buf.extend_from_slice(&dst_key);
        buf.extend_from_slice(&dst_json);
        buf.extend_from_slice(&protocol_key);
        buf.extend_from_slice(record.protocol.as_str().as_bytes());
        buf.extend_from_slice(&ports_key);
        for (j, [from, to]) in record.ports.iter().enumerate() {
            buf.extend_from_slice(if j == 0 { &first_range } else { &next_range });
            buf.extend_from_slice(number.format(*from).as_bytes());
            buf.extend_from_slice(&range_to);
            buf.extend_from_slice(number.format(*to).as_bytes());
            buf.extend_from_slice(&range_end);
        }
        buf.extend_from_slice(if record.ports.is_empty() { &no_ports } else { &ports_end });
        if buf.len() >= CHUNK {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(&piece("\n]"));
    out.write_all(&buf)
}

/// Decimal text of a port without allocating.
struct PortText([u8; 5]);

impl PortText {
    fn format(&mut self, mut n: u16) -> &str {
        let mut at = self.0.len();
        loop {
            at -= 1;
            if let Some(slot) = self.0.get_mut(at) {
                // n % 10 < 10: a digit
                *slot = b'0' + u8::try_from(n % 10).unwrap_or(0);
            }
            n /= 10;
            if n == 0 || at == 0 {
                break;
            }
        }
        self.0.get(at..).and_then(|d| std::str::from_utf8(d).ok()).unwrap_or("0")
    }
}

/// CSV with a header row `src,dst,protocol,ports`: one row per record of the canonical list,
/// ports as `80;8000-9000`, fields quoted as RFC 4180 says (lines end with `\n`, not CRLF).
#[must_use]
pub fn csv(analysis: &Connectivity) -> String {
    table::csv(analysis)
}

/// A markdown table `| source | destination | connections |`, one row per endpoint pair.
#[must_use]
pub fn markdown(analysis: &Connectivity) -> String {
    table::markdown(analysis)
}

/// A Graphviz digraph: in-cluster endpoints in one `cluster_<ns>` subgraph per namespace,
/// external ranges as separate nodes, edges labelled with the allowed connections.
#[must_use]
pub fn dot(analysis: &Connectivity) -> String {
    graph::dot(analysis)
}

/// A mermaid flowchart (`flowchart LR`), one subgraph per namespace, edges labelled with the
/// allowed connections.
#[must_use]
pub fn mermaid(analysis: &Connectivity) -> String {
    graph::mermaid(analysis)
}

/// An explanation as text for a terminal: the isolation of both sides, then each port range
/// with its verdict and the rules responsible.
#[must_use]
pub fn explanation_text(explanation: &Explanation) -> String {
    explain::render(explanation)
}

/// The connectivity from one endpoint to another.
struct Pair<'a> {
    src: &'a str,
    dst: &'a str,
    ports: PortSet,
}

/// The canonical records grouped by `(src, dst)`, in that order.
fn pairs(analysis: &Connectivity) -> Vec<Pair<'_>> {
    let records = &analysis.connections;
    fn key(r: &ConnectionRecord) -> (&str, &str) {
        (r.src.as_str(), r.dst.as_str())
    }
    if records.windows(2).all(|w| w.first().map(key) <= w.get(1).map(key)) {
        // the canonical order (as every analysis gives it): a pair's records are adjacent
        let mut out: Vec<Pair<'_>> = Vec::new();
        for record in records {
            match out.last_mut() {
                Some(pair) if (pair.src, pair.dst) == key(record) => {
                    pair.ports.add(record.protocol, &port_ranges(&record.ports))
                }
                _ => {
                    let mut ports = PortSet::default();
                    ports.add(record.protocol, &port_ranges(&record.ports));
                    out.push(Pair { src: &record.src, dst: &record.dst, ports });
                }
            }
        }
        return out;
    }
    let mut grouped: BTreeMap<(&str, &str), PortSet> = BTreeMap::new();
    for record in &analysis.connections {
        grouped
            .entry((record.src.as_str(), record.dst.as_str()))
            .or_default()
            .add(record.protocol, &port_ranges(&record.ports));
    }
    grouped.into_iter().map(|((src, dst), ports)| Pair { src, dst, ports }).collect()
}

pub(super) fn port_ranges(ports: &[[u16; 2]]) -> PortRanges {
    PortRanges::from_ranges(ports.iter().map(|&[from, to]| (from, to)))
}

/// netpol-analyzer's connection text of a pair's ports (see `PortSet`'s `Display`).
pub(crate) fn connections_text(ports: &PortSet) -> String {
    ports.to_string()
}

/// The texts of the inputs by name: what source excerpts (text) and fixes (SARIF) are cut from.
#[derive(Clone, Debug, Default)]
pub struct SourceTexts<'a>(BTreeMap<&'a str, &'a str>);

impl<'a> SourceTexts<'a> {
    /// The texts of `(name, text)` pairs; a name given twice keeps its last text.
    pub fn new(named: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(crate::sorted::btree_map(named))
    }

    /// The text of the input named `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0.get(name).copied()
    }
}

/// The name with control characters escaped (`\n`), so that one connection stays one line.
/// Names of valid resources have none, so this changes nothing netpol-analyzer would print.
pub(crate) fn one_line(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(name);
    }
    std::borrow::Cow::Owned(
        name.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_is_what_serde_json_writes() {
        use crate::model::Protocol;
        let record = |src: &str, dst: &str, protocol, ports: Vec<[u16; 2]>| ConnectionRecord {
            src: src.into(),
            dst: dst.into(),
            protocol,
            ports,
        };
        let lists = [
            vec![],
            vec![record("a/b[Pod]", "c/d[Deployment]", Protocol::Tcp, vec![[80, 80]])],
            vec![
                record("0.0.0.0-9.255.255.255", "a/\"q\"\\[Pod]", Protocol::Sctp, vec![[1, 65535]]),
                record(
                    "0.0.0.0-9.255.255.255",
                    "a/\"q\"\\[Pod]",
                    Protocol::Udp,
                    vec![[0, 9], [10, 99], [65535, 65535]],
                ),
                record("0.0.0.0-9.255.255.255", "tab\there\u{1}\u{7f}é\u{2028}", Protocol::Tcp, vec![]),
                record("x/y[Pod]", "tab\there\u{1}\u{7f}é\u{2028}", Protocol::Tcp, vec![[5, 1000]]),
            ],
        ];
        for records in lists {
            let mut ours = Vec::new();
            canonical_json_to(&records, &mut ours).unwrap();
            let theirs = serde_json::to_string_pretty(&records).unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), theirs);
            // nested one and two levels deep
            let mut ours = b"{\n  \"x\": {\n    \"connections\": ".to_vec();
            canonical_json_indented(&records, "    ", &mut ours).unwrap();
            ours.extend_from_slice(b"\n  }\n}");
            let theirs = serde_json::to_string_pretty(&serde_json::json!({"x": {"connections": records}})).unwrap();
            assert_eq!(String::from_utf8(ours).unwrap(), theirs);
        }
        let mut text = PortText([0; 5]);
        for n in [0u16, 7, 10, 99, 100, 65535] {
            assert_eq!(text.format(n), n.to_string());
        }
    }

    #[test]
    fn external_names() {
        assert!(external_range("0.0.0.0-9.255.255.255").is_some());
        assert!(external_range("::-ffff::").is_some());
        assert!(external_range("ns/name[Pod]").is_none());
        assert!(external_range("10.0.0.0/8").is_none());
    }
}
