//! Renderers of a [`ConnectivityDiff`]: text for a terminal, markdown for a pull-request
//! comment, and netpol-analyzer's diff text for drop-in comparison.
//!
//! Connections are written as netpol-analyzer writes them: `All Connections`, `No
//! Connections`, or `PROTO ports` per protocol in name order (`TCP 80,8080-8090,UDP 53`).
//!
//! ```text
//! connectivity diff: 1 endpoint added, 0 removed; 2 connections added, 0 removed, 1 changed
//!
//! endpoints added:
//!   + shop/cache[Deployment]
//!
//! connections added:
//!   + shop/api[Deployment] => shop/cache[Deployment] : TCP 6379
//!   + shop/cache[Deployment] => 0.0.0.0-255.255.255.255 : All Connections
//!
//! connections changed:
//!   ~ shop/frontend[Deployment] => shop/api[Deployment] : TCP 8080 -> TCP 8080,9090
//!       added: TCP 9090
//! ```

use crate::sorted::CompactSort;
use std::fmt::Write as _;

use crate::diff::{ChangeKind, ConnectionChange, ConnectivityDiff};
use crate::engine::{PortSet, Ports};
use crate::report::{endpoint_label, markdown_cell, one_line};

/// The diff as text for a terminal: a summary line, endpoints added and removed, then the
/// connections added, removed and changed (with the ports added and removed).
#[must_use]
pub fn text(diff: &ConnectivityDiff) -> String {
    let mut out = format!("connectivity diff: {}\n", summary(diff));
    if diff.is_empty() {
        out.push_str("\nno change: both sides have the same endpoints and connections\n");
        return out;
    }
    for (title, mark, endpoints) in
        [("endpoints added", '+', &diff.endpoints_added), ("endpoints removed", '-', &diff.endpoints_removed)]
    {
        if !endpoints.is_empty() {
            let _ = writeln!(out, "\n{title}:");
            for endpoint in endpoints {
                let _ = writeln!(out, "  {mark} {}", one_line(&endpoint.name));
            }
        }
    }
    for (kind, mark) in [(ChangeKind::Added, '+'), (ChangeKind::Removed, '-'), (ChangeKind::Changed, '~')] {
        let changes: Vec<&ConnectionChange> = diff.connections.iter().filter(|c| c.change == kind).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\nconnections {}:", kind.as_str());
        for c in changes {
            let (src, dst) = (one_line(&c.src), one_line(&c.dst));
            match kind {
                ChangeKind::Added => {
                    let _ = writeln!(out, "  {mark} {src} => {dst} : {}", connections_text(&c.head));
                }
                ChangeKind::Removed => {
                    let _ = writeln!(out, "  {mark} {src} => {dst} : {}", connections_text(&c.base));
                }
                ChangeKind::Changed => {
                    let _ = writeln!(
                        out,
                        "  {mark} {src} => {dst} : {} -> {}",
                        connections_text(&c.base),
                        connections_text(&c.head)
                    );
                    for (word, ports) in [("added", &c.added), ("removed", &c.removed)] {
                        if !is_empty(ports) {
                            let _ = writeln!(out, "      {word}: {}", connections_text(ports));
                        }
                    }
                }
            }
        }
    }
    out
}

/// The diff as markdown: a summary, endpoints added and removed as lists, and one table row
/// per changed pair with the connections before and after.
#[must_use]
pub fn markdown(diff: &ConnectivityDiff) -> String {
    let mut out = format!("## Connectivity diff\n\n{}\n", summary(diff));
    if diff.is_empty() {
        out.push_str("\nNo change: both sides have the same endpoints and connections.\n");
        return out;
    }
    for (title, endpoints) in
        [("Endpoints added", &diff.endpoints_added), ("Endpoints removed", &diff.endpoints_removed)]
    {
        if !endpoints.is_empty() {
            let _ = writeln!(out, "\n### {title}\n");
            for endpoint in endpoints {
                let _ = writeln!(out, "- {}", markdown_text(&endpoint.name));
            }
        }
    }
    if !diff.connections.is_empty() {
        out.push_str(
            "\n### Connections\n\n| change | source | destination | before | after |\n|---|---|---|---|---|\n",
        );
        for c in &diff.connections {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                c.change.as_str(),
                markdown_text(&endpoint_label(&c.src)),
                markdown_text(&endpoint_label(&c.dst)),
                markdown_text(&connections_text(&c.base)),
                markdown_text(&connections_text(&c.head))
            );
        }
    }
    out
}

/// netpol-analyzer's diff text: `Connectivity diff:` and one line per changed pair,
/// `diff-type: added, source: S, destination: D, ref1: BASE, ref2: HEAD`, with
/// `workloads-diff-info` when an endpoint of the pair was added or removed; lines sorted,
/// external ranges suffixed `[External]`; nothing at all when nothing changed.
///
/// External ranges are the maximal ranges with the same change, so where netpol-analyzer cuts
/// the address space at more boundaries it prints several lines where this prints one.
#[must_use]
pub fn netpol_analyzer(diff: &ConnectivityDiff) -> String {
    if diff.connections.is_empty() {
        return String::new();
    }
    let mut lines: Vec<String> = diff
        .connections
        .iter()
        .map(|c| {
            let mut line = format!(
                "diff-type: {}, source: {}, destination: {}, ref1: {}, ref2: {}",
                c.change.as_str(),
                one_line(&endpoint_label(&c.src)),
                one_line(&endpoint_label(&c.dst)),
                connections_text(&c.base),
                connections_text(&c.head)
            );
            let changed: Vec<(&str, ChangeKind)> =
                [&c.src, &c.dst].into_iter().filter_map(|n| diff.endpoint_change(n).map(|k| (n.as_str(), k))).collect();
            match changed.as_slice() {
                [(one, kind)] => {
                    let _ = write!(line, ", workloads-diff-info: workload {} {}", one_line(one), kind.as_str());
                }
                [(a, kind), (b, _)] => {
                    let _ = write!(
                        line,
                        ", workloads-diff-info: workload {} and {} {}",
                        one_line(a),
                        one_line(b),
                        kind.as_str()
                    );
                }
                _ => {}
            }
            line
        })
        .collect();
    lines.sort_compact();
    let mut out = String::from("Connectivity diff:\n");
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn summary(diff: &ConnectivityDiff) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    format!(
        "{} added, {} removed; {} added, {} removed, {} changed",
        plural(diff.endpoints_added.len(), "endpoint"),
        diff.endpoints_removed.len(),
        plural(diff.count(ChangeKind::Added), "connection"),
        diff.count(ChangeKind::Removed),
        diff.count(ChangeKind::Changed)
    )
}

fn is_empty(ports: &Ports) -> bool {
    ports.tcp.is_empty() && ports.udp.is_empty() && ports.sctp.is_empty()
}

/// `All Connections`, `No Connections`, or `PROTO ports` per protocol joined by `,`.
pub(crate) fn connections_text(ports: &Ports) -> String {
    PortSet::from_ports(ports).to_string()
}

/// Text shown literally in markdown (also inside a table cell), on one line.
pub(crate) fn markdown_text(text: &str) -> String {
    markdown_cell(&one_line(text))
}
