//! Renderers of the flow-log operations: the traffic map as an aligned table, Graphviz dot and
//! mermaid; generated policies as YAML with a commented summary, or as text; impact, drops and
//! audit as text; what ingestion read, for a terminal. (Their JSON is the responses' serde form.)
//!
//! ```text
//! SOURCE                         DESTINATION            PORT      CONNS  FIRST SEEN            LAST SEEN             VERDICTS      POLICIES
//! shop/frontend[Deployment]   →  shop/api[Deployment]   TCP/8080  12     2024-05-01T10:00:27Z  2024-05-01T10:09:02Z  forwarded 12  allowed
//! ```

use crate::sorted::CompactSort;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::explain::{policy_text, rule_text, tier_rule_text};
use super::graph::{dot_string, mermaid_string};
use crate::engine::range_text;
use crate::engine::{ConnectionRecord, Direction};
use crate::flows::audit::Audit;
use crate::flows::drops::{DropCause, DroppedFlow};
use crate::flows::generate::{FlowKey, Generalise, Generated};
use crate::flows::impact::{DeniedSide, Impact, ImpactGroup};
use crate::flows::map::{FlowMap, FlowMapEntry};
use crate::flows::resolve::PeerKind;
use crate::flows::time::format_rfc3339;
use crate::flows::{FlowCounts, IngestReport, VerdictCounts};

/// Rows as columns padded to their widest cell, the last column unpadded.
fn table(header: &[&str], rows: &[Vec<String>], indent: &str) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = indent.to_owned();
        for (cell, w) in row.iter().zip(&widths) {
            let _ = write!(line, "{cell:<w$}  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// RFC 3339 to the second, `-` when unknown.
fn time(t: Option<i64>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| format_rfc3339(t - t.rem_euclid(1_000_000_000)))
}

/// `forwarded 12, dropped 3`.
fn verdicts(v: &VerdictCounts) -> String {
    let parts: Vec<String> = [
        ("forwarded", v.forwarded),
        ("dropped", v.dropped),
        ("audit", v.audit),
        ("error", v.error),
        ("other", v.other),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(word, n)| format!("{word} {n}"))
    .collect();
    if parts.is_empty() { "-".to_owned() } else { parts.join(", ") }
}

/// `12 connections, first seen …, last seen …`.
fn counts_text(c: &FlowCounts) -> String {
    format!("{} connections, first seen {}, last seen {}", c.connections, time(c.first_seen), time(c.last_seen))
}

fn flow_key_text(f: &FlowKey) -> String {
    format!("{} → {} {}/{}", f.src, f.dst, f.protocol, f.port)
}

fn connection_text(r: &ConnectionRecord) -> String {
    let ports: Vec<String> = r.ports.iter().map(|&[a, b]| range_text(a, b)).collect();
    format!("{} → {} {} {}", r.src, r.dst, r.protocol, ports.join(","))
}

fn indented(text: &str, indent: &str) -> String {
    text.lines().map(|l| if l.is_empty() { "\n".to_owned() } else { format!("{indent}{l}\n") }).collect()
}

/// What ingestion read: one summary line, then the first malformed lines with their numbers.
#[must_use]
pub fn ingest_text(r: &IngestReport) -> String {
    let mut out = format!(
        "read {} records from {} sources: {} connections in {} flow tuples ({} replies, {} duplicates folded",
        r.records, r.sources, r.connections, r.tuples, r.replies, r.duplicates
    );
    let s = &r.skipped;
    let skipped: Vec<String> = [(s.not_a_flow, "not a flow"), (s.no_port, "without a port"), (s.l7, "L7")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !skipped.is_empty() {
        let _ = write!(out, "; lines skipped: {}", skipped.join(", "));
    }
    out.push(')');
    if r.first_seen.is_some() {
        let _ = write!(out, ", {} to {}", time(r.first_seen), time(r.last_seen));
    }
    out.push('\n');
    if r.malformed > 0 {
        let _ = writeln!(out, "{} malformed lines, never read:", r.malformed);
        for m in &r.malformed_lines {
            let _ = writeln!(out, "  {}:{}: {}", m.source, m.line, m.message);
        }
        let hidden = r.malformed.saturating_sub(r.malformed_lines.len() as u64);
        if hidden > 0 {
            let _ = writeln!(out, "  … and {hidden} more");
        }
    }
    out
}

/// The traffic map as an aligned table, then the endpoints the inventory does not know.
#[must_use]
pub fn flow_map_text(map: &FlowMap) -> String {
    let rows: Vec<Vec<String>> = map
        .entries
        .iter()
        .map(|e| {
            vec![
                e.src.clone(),
                "→".to_owned(),
                e.dst.clone(),
                format!("{}/{}", e.protocol, e.port),
                e.counts.connections.to_string(),
                time(e.counts.first_seen),
                time(e.counts.last_seen),
                verdicts(&e.counts.verdicts),
                match e.allowed {
                    Some(true) => "allowed".to_owned(),
                    Some(false) => "denied".to_owned(),
                    None => "-".to_owned(),
                },
            ]
        })
        .collect();
    let header = ["SOURCE", "", "DESTINATION", "PORT", "CONNS", "FIRST SEEN", "LAST SEEN", "VERDICTS", "POLICIES"];
    let mut out = table(&header, &rows, "");
    if !map.unresolved.is_empty() {
        let _ = writeln!(out, "\nnot in the inventory: {}", map.unresolved.join(", "));
    }
    let connections: u64 = map.entries.iter().map(|e| e.counts.connections).sum();
    let _ = writeln!(out, "\n{} flows, {connections} connections", map.entries.len());
    out
}

/// One edge of the map graph: every port observed between two endpoints.
struct Edge<'a> {
    src: &'a str,
    dst: &'a str,
    ports: Vec<String>,
    /// Nothing between them was delivered.
    dropped: bool,
}

/// The nodes of the map graph: workloads per namespace, then external and unresolved ones
/// (with whether they are unresolved); and the edges.
struct MapGraph<'a> {
    namespaces: BTreeMap<&'a str, Vec<(&'a str, &'a str)>>,
    loose: Vec<(&'a str, bool)>,
    edges: Vec<Edge<'a>>,
}

fn port_label(e: &FlowMapEntry) -> String {
    let mut label = format!("{} {} ×{}", e.protocol, e.port, e.counts.connections);
    if e.counts.verdicts.dropped > 0 {
        let _ = write!(label, " ({} dropped)", e.counts.verdicts.dropped);
    }
    label
}

impl<'a> MapGraph<'a> {
    fn of(map: &'a FlowMap) -> Self {
        let mut namespaces: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
        let mut loose: Vec<(&str, bool)> = Vec::new();
        let mut edges: BTreeMap<(&str, &str), Edge<'a>> = BTreeMap::new();
        for e in &map.entries {
            for (name, kind) in [(e.src.as_str(), e.src_kind), (e.dst.as_str(), e.dst_kind)] {
                match (kind, name.split_once('/')) {
                    (PeerKind::Workload, Some((ns, rest))) => {
                        let nodes = namespaces.entry(ns).or_default();
                        if !nodes.iter().any(|(n, _)| *n == name) {
                            nodes.push((name, rest));
                        }
                    }
                    _ => {
                        if !loose.iter().any(|(n, _)| *n == name) {
                            loose.push((name, kind == PeerKind::Unresolved));
                        }
                    }
                }
            }
            let edge = edges.entry((&e.src, &e.dst)).or_insert_with(|| Edge {
                src: &e.src,
                dst: &e.dst,
                ports: Vec::new(),
                dropped: true,
            });
            edge.ports.push(port_label(e));
            edge.dropped &= e.counts.verdicts.forwarded + e.counts.verdicts.audit == 0;
        }
        for nodes in namespaces.values_mut() {
            nodes.sort_compact();
        }
        loose.sort_compact();
        Self { namespaces, loose, edges: edges.into_values().collect() }
    }
}

/// The traffic map as a Graphviz digraph: workloads in one `cluster_<ns>` subgraph per
/// namespace, external addresses as dashed ellipses, endpoints unknown to the inventory as
/// dashed boxes, one edge per endpoint pair labelled with its ports and connection counts (red
/// when nothing was delivered).
#[must_use]
pub fn flow_map_dot(map: &FlowMap) -> String {
    let graph = MapGraph::of(map);
    let mut out =
        String::from("digraph traffic {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n  edge [fontsize=10];\n");
    for (ns, nodes) in &graph.namespaces {
        let _ = writeln!(out, "  subgraph {} {{\n    label={};", dot_string(&format!("cluster_{ns}")), dot_string(ns));
        for (name, label) in nodes {
            let _ = writeln!(out, "    {} [label={}];", dot_string(name), dot_string(label));
        }
        out.push_str("  }\n");
    }
    for (name, unresolved) in &graph.loose {
        let shape = if *unresolved { "box" } else { "ellipse" };
        let _ = writeln!(out, "  {} [shape={shape}, style=dashed];", dot_string(name));
    }
    for edge in &graph.edges {
        let colour = if edge.dropped { ", color=red, fontcolor=red" } else { "" };
        let label = dot_string(&edge.ports.join("\n"));
        let _ = writeln!(out, "  {} -> {} [label={label}{colour}];", dot_string(edge.src), dot_string(edge.dst));
    }
    out.push_str("}\n");
    out
}

/// The traffic map as a mermaid flowchart: one subgraph per namespace, dotted edges where
/// nothing was delivered.
#[must_use]
pub fn flow_map_mermaid(map: &FlowMap) -> String {
    let graph = MapGraph::of(map);
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut out = String::from("flowchart LR\n");
    for (index, (ns, nodes)) in graph.namespaces.iter().enumerate() {
        let _ = writeln!(out, "  subgraph ns{index}[{}]", mermaid_string(ns));
        for (name, label) in nodes {
            let id = format!("n{}", ids.len());
            let _ = writeln!(out, "    {id}[{}]", mermaid_string(label));
            ids.insert(name, id);
        }
        out.push_str("  end\n");
    }
    for (name, unresolved) in &graph.loose {
        let id = format!("n{}", ids.len());
        let _ = if *unresolved {
            writeln!(out, "  {id}[{}]", mermaid_string(&format!("{name} (unresolved)")))
        } else {
            writeln!(out, "  {id}([{}])", mermaid_string(name))
        };
        ids.insert(name, id);
    }
    let id = |name: &str| ids.get(name).cloned().unwrap_or_default();
    for edge in &graph.edges {
        let arrow = if edge.dropped { "-.->" } else { "-->" };
        let _ =
            writeln!(out, "  {} {arrow}|{}| {}", id(edge.src), mermaid_string(&edge.ports.join(", ")), id(edge.dst));
    }
    out
}

fn generalise_text(g: &Generalise) -> String {
    let peers = if g.by_namespace { "namespaces" } else { "workloads" };
    match g.port_range_gap {
        Some(gap) => format!("{peers}, port ranges (gap {gap})"),
        None => format!("{peers}, exact ports"),
    }
}

/// What generation made, whether the engine verified it and how much it over-permits; each
/// line a sentence (the YAML form comments it).
fn generate_summary(g: &Generated, ingest: &IngestReport) -> String {
    let mut out = format!(
        "{} policies in {} namespaces ({}), {} workload rules, from {} observed connections\n",
        g.policies.len(),
        g.namespaces.len(),
        g.namespaces.join(", "),
        g.rules.len(),
        ingest.connections
    );
    let v = &g.verification;
    if v.denied.is_empty() {
        let _ = writeln!(out, "verified: the policies allow all {} observed flows checked", v.checked);
    } else {
        let _ = writeln!(out, "VERIFICATION FAILED: {} of {} observed flows are denied:", v.denied.len(), v.checked);
        for f in &v.denied {
            let _ = writeln!(out, "  {}", flow_key_text(f));
        }
    }
    let o = &g.over_permission;
    let _ = writeln!(
        out,
        "over-permission: {} of {} allowed in-cluster (source, destination, protocol, port) tuples never observed; external: {} of {}",
        o.unobserved, o.allowed, o.external_unobserved, o.external_allowed
    );
    if !g.alternatives.is_empty() {
        out.push_str("generalisations:\n");
        let rows: Vec<Vec<String>> = g
            .alternatives
            .iter()
            .map(|a| {
                vec![
                    generalise_text(&a.generalise),
                    a.policies.to_string(),
                    a.rules.to_string(),
                    if a.verified { "yes" } else { "NO" }.to_owned(),
                    a.over_permission.unobserved.to_string(),
                    a.over_permission.external_unobserved.to_string(),
                ]
            })
            .collect();
        let header = ["PEERS, PORTS", "POLICIES", "RULES", "VERIFIED", "UNOBSERVED", "EXTERNAL UNOBSERVED"];
        out.push_str(&table(&header, &rows, "  "));
    }
    if !g.skipped.is_empty() {
        let _ = writeln!(out, "{} observed flows got no rule", g.skipped.len());
    }
    out
}

/// Generated policies as multi-document YAML (what `kubectl apply -f` takes), preceded by the
/// summary as comments.
#[must_use]
pub fn generate_yaml(g: &Generated, ingest: &IngestReport) -> String {
    let mut out: String =
        generate_summary(g, ingest).lines().map(|l| format!("# {l}").trim_end().to_owned() + "\n").collect();
    out.push_str(&g.yaml);
    out
}

/// Generated policies as text: the summary, every rule with its provenance, flows skipped.
#[must_use]
pub fn generate_text(g: &Generated, ingest: &IngestReport) -> String {
    let mut out = generate_summary(g, ingest);
    if !g.rules.is_empty() {
        out.push_str("\nrules:\n");
        let rows: Vec<Vec<String>> = g
            .rules
            .iter()
            .map(|rule| {
                vec![
                    format!("{}/{}", rule.namespace, rule.policy),
                    format!("{}[{}]", rule.direction.as_str().to_ascii_lowercase(), rule.index),
                    rule.peer.clone(),
                    rule.ports.join(","),
                    rule.provenance.connections.to_string(),
                    time(rule.provenance.first_seen),
                    time(rule.provenance.last_seen),
                ]
            })
            .collect();
        let header = ["POLICY", "RULE", "PEER", "PORTS", "CONNS", "FIRST SEEN", "LAST SEEN"];
        out.push_str(&table(&header, &rows, "  "));
    }
    if !g.skipped.is_empty() {
        out.push_str("\nflows without a rule:\n");
        for s in &g.skipped {
            let _ = writeln!(out, "  {}: {}", flow_key_text(&s.flow), s.reason);
        }
    }
    out
}

fn denied_side_text(d: &DeniedSide) -> String {
    let side = if d.direction == Direction::Ingress { "ingress" } else { "egress" };
    format!("{side} of {} ({})", d.endpoint, d.policies.join(", "))
}

fn impact_groups(out: &mut String, title: &str, groups: &[ImpactGroup]) {
    let connections: u64 = groups.iter().map(|g| g.connections).sum();
    let _ = writeln!(out, "{title}: {connections} connections between {} endpoint pairs", groups.len());
    for g in groups {
        let _ = writeln!(out, "  {} → {}: {} connections", g.src, g.dst, g.connections);
        for f in &g.flows {
            let _ = write!(out, "    {}/{}: {}", f.protocol, f.port, counts_text(&f.counts));
            if !f.denied_by.is_empty() {
                let sides: Vec<String> = f.denied_by.iter().map(denied_side_text).collect();
                let _ = write!(out, "; denied at {}", sides.join(" and "));
            }
            out.push('\n');
        }
    }
}

/// What a change does to the observed flows: newly denied (the blast radius), newly allowed,
/// unchanged (also the observed-traffic section of a review).
#[must_use]
pub fn impact_text(i: &Impact) -> String {
    let mut out = String::new();
    impact_groups(&mut out, "newly denied (blast radius)", &i.newly_denied);
    impact_groups(&mut out, "newly allowed", &i.newly_allowed);
    let _ = writeln!(
        out,
        "unchanged: {} flows allowed, {} denied; {} not checked (an endpoint unknown to the inventory)",
        i.unchanged_allowed, i.unchanged_denied, i.unchecked
    );
    out
}

/// Dropped flows: the cause per the engine, the isolating policies and the allowance as YAML.
#[must_use]
pub fn drops_text(drops: &[DroppedFlow]) -> String {
    let mut out = String::new();
    let mut causes = [0usize; 3];
    for d in drops {
        let reasons: Vec<String> = d.counts.drop_reasons.iter().map(|(reason, n)| format!("{reason} ×{n}")).collect();
        let _ = write!(out, "{} → {} {}/{}: {} dropped", d.src, d.dst, d.protocol, d.port, d.counts.verdicts.dropped);
        if !reasons.is_empty() {
            let _ = write!(out, " ({})", reasons.join(", "));
        }
        let _ = writeln!(out, ", last seen {}", time(d.counts.last_seen));
        let (slot, cause) = match d.cause {
            DropCause::Policy => (0, "denied by the policies"),
            DropCause::NotPolicy => {
                (1, "the policies allow it: dropped for another reason, or the manifests are not what runs")
            }
            DropCause::Unresolved => (2, "an endpoint is not in the inventory"),
        };
        if let Some(n) = causes.get_mut(slot) {
            *n += 1;
        }
        let _ = writeln!(out, "  cause: {cause}");
        for side in &d.denied_by {
            let _ = writeln!(out, "  denied at {}", denied_side_text(side));
        }
        if let Some(yaml) = &d.allowance {
            out.push_str("  smallest allowance:\n");
            out.push_str(&indented(yaml, "    "));
        }
    }
    let [policy, not_policy, unresolved] = causes;
    let _ = writeln!(
        out,
        "{} dropped flows: {policy} denied by the policies, {not_policy} not by the policies, {unresolved} with an unknown endpoint",
        drops.len()
    );
    out
}

/// The audit: hits per rule, unused rules, rules much broader than their use (with the
/// tightened rule and what it would stop allowing), policies selecting nothing.
#[must_use]
pub fn audit_text(a: &Audit, ingest: &IngestReport) -> String {
    let mut out = format!(
        "window: {} to {}, {} connections\n",
        time(ingest.first_seen),
        time(ingest.last_seen),
        ingest.connections
    );
    if !a.rules.is_empty() {
        out.push_str("\nhits per rule:\n");
        let rows: Vec<Vec<String>> = a
            .rules
            .iter()
            .map(|h| {
                vec![
                    rule_text(&h.rule),
                    h.hits.connections.to_string(),
                    h.used.to_string(),
                    h.allows.to_string(),
                    time(h.hits.last_seen),
                ]
            })
            .collect();
        out.push_str(&table(&["RULE", "CONNS", "TUPLES USED", "TUPLES ALLOWED", "LAST HIT"], &rows, "  "));
    }
    if !a.unused.is_empty() {
        out.push_str("\nunused rules (never hit):\n");
        for rule in &a.unused {
            let _ = writeln!(out, "  {}", rule_text(rule));
        }
    }
    if !a.cluster_rules.is_empty() {
        out.push_str("\nhits per cluster-scoped rule (flows it decided or passed):\n");
        let rows: Vec<Vec<String>> = a
            .cluster_rules
            .iter()
            .map(|h| {
                vec![
                    tier_rule_text(&h.rule),
                    h.hits.connections.to_string(),
                    h.used.to_string(),
                    time(h.hits.last_seen),
                ]
            })
            .collect();
        out.push_str(&table(&["RULE", "CONNS", "TUPLES", "LAST HIT"], &rows, "  "));
    }
    if !a.unused_cluster_rules.is_empty() {
        out.push_str("\nunused cluster-scoped rules (Allow or Pass, no flow reached them):\n");
        for rule in &a.unused_cluster_rules {
            let _ = writeln!(out, "  {}", tier_rule_text(rule));
        }
    }
    if !a.too_broad.is_empty() {
        out.push_str("\nrules much broader than their use:\n");
        for b in &a.too_broad {
            let stops = if b.stops_allowing_computed {
                format!("the tightened rule stops allowing {} tuples", b.stops_allowing_tuples)
            } else {
                "what the tightened rule stops allowing was not computed (the recompile budget is spent)".to_owned()
            };
            let _ = writeln!(out, "  {}: used {} of {} tuples; {stops}", rule_text(&b.rule), b.used, b.allows);
            out.push_str("    tightened rule:\n");
            out.push_str(&indented(&b.suggestion, "      "));
            for c in &b.stops_allowing {
                let _ = writeln!(out, "    stops allowing {}", connection_text(c));
            }
        }
    }
    if !a.selecting_nothing.is_empty() {
        out.push_str("\npolicies selecting no workload:\n");
        for p in &a.selecting_nothing {
            let _ = writeln!(out, "  {}", policy_text(p));
        }
    }
    let _ = writeln!(
        out,
        "\n{} rules: {} unused, {} too broad; {} policies select nothing; {} delivered flows not checked",
        a.rules.len(),
        a.unused.len(),
        a.too_broad.len(),
        a.selecting_nothing.len(),
        a.unchecked
    );
    if !a.cluster_rules.is_empty() {
        let _ =
            writeln!(out, "{} cluster-scoped rules: {} unused", a.cluster_rules.len(), a.unused_cluster_rules.len());
    }
    out
}
