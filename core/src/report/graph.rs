//! Graph renderers: Graphviz dot and mermaid flowcharts of the connectivity.
//!
//! Both draw the same graph: in-cluster endpoints grouped by namespace, external ranges (and
//! any name the analysis does not list as an endpoint) as loose nodes, one edge per endpoint
//! pair labelled with the allowed connections.

use crate::engine::Connectivity;
use crate::sorted::CompactSort;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use super::{connections_text, external_range, pairs};

/// One node of the graph.
struct Node<'a> {
    /// The endpoint name edges refer to.
    name: &'a str,
    /// What the node shows.
    label: String,
}

/// The nodes: per namespace (sorted), its endpoints (sorted by name); then the loose nodes,
/// external ranges in address order first.
struct Layout<'a> {
    namespaces: Vec<(&'a str, Vec<Node<'a>>)>,
    loose: Vec<Node<'a>>,
}

impl<'a> Layout<'a> {
    fn of(analysis: &'a Connectivity) -> Self {
        let mut namespaces: BTreeMap<&str, Vec<Node<'a>>> = BTreeMap::new();
        let mut known = BTreeSet::new();
        for endpoint in &analysis.endpoints {
            if known.insert(endpoint.name.as_str()) {
                let label = format!("{}[{}]", endpoint.workload, endpoint.kind);
                namespaces.entry(endpoint.namespace.as_str()).or_default().push(Node { name: &endpoint.name, label });
            }
        }
        let mut namespaces: Vec<(&str, Vec<Node<'a>>)> = namespaces.into_iter().collect();
        for (_, nodes) in &mut namespaces {
            nodes.sort_compact_by(|a, b| a.name.cmp(b.name));
        }
        let mut loose: Vec<&str> = crate::sorted::btree_set(
            analysis
                .connections
                .iter()
                .flat_map(|record| [record.src.as_str(), record.dst.as_str()])
                .filter(|name| !known.contains(name)),
        )
        .into_iter()
        .collect();
        loose.sort_compact_by_key(|name| (external_range(name).is_none(), external_range(name), *name));
        let loose = loose.into_iter().map(|name| Node { name, label: name.to_owned() }).collect();
        Self { namespaces, loose }
    }

    fn nodes(&self) -> impl Iterator<Item = &Node<'a>> {
        self.namespaces.iter().flat_map(|(_, nodes)| nodes).chain(&self.loose)
    }
}

pub(super) fn dot(analysis: &Connectivity) -> String {
    let layout = Layout::of(analysis);
    let mut out = String::from("digraph connectivity {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [shape=box, style=rounded];\n");
    out.push_str("  edge [fontsize=10];\n");
    for (namespace, nodes) in &layout.namespaces {
        let _ = writeln!(out, "  subgraph {} {{", dot_string(&format!("cluster_{namespace}")));
        let _ = writeln!(out, "    label={};", dot_string(namespace));
        for node in nodes {
            let _ = writeln!(out, "    {} [label={}];", dot_string(node.name), dot_string(&node.label));
        }
        out.push_str("  }\n");
    }
    for node in &layout.loose {
        let style = if external_range(node.name).is_some() { ", shape=ellipse, style=dashed" } else { "" };
        let _ = writeln!(out, "  {} [label={}{style}];", dot_string(node.name), dot_string(&node.label));
    }
    for pair in pairs(analysis) {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}];",
            dot_string(pair.src),
            dot_string(pair.dst),
            dot_string(&connections_text(&pair.ports))
        );
    }
    out.push_str("}\n");
    out
}

/// A dot double-quoted string: backslashes and quotes escaped, line breaks as `\n`.
pub(super) fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn mermaid(analysis: &Connectivity) -> String {
    let layout = Layout::of(analysis);
    let ids: HashMap<&str, String> =
        layout.nodes().enumerate().map(|(index, node)| (node.name, format!("n{index}"))).collect();
    let id = |name: &str| ids.get(name).cloned().unwrap_or_default();
    let mut out = String::from("flowchart LR\n");
    for (index, (namespace, nodes)) in layout.namespaces.iter().enumerate() {
        let _ = writeln!(out, "  subgraph ns{index}[{}]", mermaid_string(namespace));
        for node in nodes {
            let _ = writeln!(out, "    {}[{}]", id(node.name), mermaid_string(&node.label));
        }
        out.push_str("  end\n");
    }
    for node in &layout.loose {
        let _ = writeln!(out, "  {}[{}]", id(node.name), mermaid_string(&node.label));
    }
    for pair in pairs(analysis) {
        let _ = writeln!(
            out,
            "  {} -->|{}| {}",
            id(pair.src),
            mermaid_string(&connections_text(&pair.ports)),
            id(pair.dst)
        );
    }
    out
}

/// A mermaid quoted label: characters that could end the label or start markup are written as
/// entity codes (`#34;`), line breaks as spaces.
pub(super) fn mermaid_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '#' | '&' | '<' | '>' | '`' | '|' => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn dot_strings_are_escaped() {
        assert_eq!(dot_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(dot_string("x\ny"), r#""x\ny""#);
    }

    #[test]
    fn mermaid_strings_are_escaped() {
        assert_eq!(mermaid_string(r#"a"b"#), "\"a#34;b\"");
        assert_eq!(mermaid_string("#1;"), "\"#35;1;\"");
    }
}
