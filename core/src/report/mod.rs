//! Output renderers: connectivity as netpol-analyzer connlist text, CSV, markdown, Graphviz dot
//! and mermaid; explanations as text.
//!
//! Every renderer is a pure function of its input and deterministic: the same analysis gives
//! the same bytes. The connectivity renderers share one notion of a connection: the ports
//! allowed from one endpoint to another, written as netpol-analyzer writes them
//! (`All Connections`, or `SCTP 1-65535,TCP 80,UDP 53-54`).

use std::collections::BTreeMap;

use crate::diff::external_range;
use crate::engine::{Connectivity, Explanation, PortRanges, PortSet, ProtocolPort};

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
    let mut grouped: BTreeMap<(&str, &str), PortSet> = BTreeMap::new();
    for record in &analysis.connections {
        grouped
            .entry((record.src.as_str(), record.dst.as_str()))
            .or_default()
            .add(record.protocol, &port_ranges(&record.ports));
    }
    grouped.into_iter().map(|((src, dst), ports)| Pair { src, dst, ports }).collect()
}

fn port_ranges(ports: &[[u16; 2]]) -> PortRanges {
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
pub(crate) fn one_line(name: &str) -> String {
    name.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn external_names() {
        assert!(external_range("0.0.0.0-9.255.255.255").is_some());
        assert!(external_range("::-ffff::").is_some());
        assert!(external_range("ns/name[Pod]").is_none());
        assert!(external_range("10.0.0.0/8").is_none());
    }
}
