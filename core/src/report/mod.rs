//! Output renderers: connectivity as netpol-analyzer connlist text, CSV, markdown, Graphviz dot
//! and mermaid; explanations as text.

use crate::api::AnalyzeResponse;
use crate::engine::Explanation;

/// netpol-analyzer's connlist text: `SRC => DST : CONNS` lines.
#[must_use]
pub fn connlist_txt(analysis: &AnalyzeResponse) -> String {
    let _ = analysis;
    String::new()
}

/// CSV with a header row.
#[must_use]
pub fn csv(analysis: &AnalyzeResponse) -> String {
    let _ = analysis;
    String::new()
}

/// A markdown table.
#[must_use]
pub fn markdown(analysis: &AnalyzeResponse) -> String {
    let _ = analysis;
    String::new()
}

/// A Graphviz digraph.
#[must_use]
pub fn dot(analysis: &AnalyzeResponse) -> String {
    let _ = analysis;
    String::new()
}

/// A mermaid flowchart.
#[must_use]
pub fn mermaid(analysis: &AnalyzeResponse) -> String {
    let _ = analysis;
    String::new()
}

/// An explanation as text for a terminal.
#[must_use]
pub fn explanation_text(explanation: &Explanation) -> String {
    let _ = explanation;
    String::new()
}
