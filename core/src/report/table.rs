//! Tabular renderers: CSV (one row per canonical record) and a markdown table (one row per
//! endpoint pair).

use crate::engine::Connectivity;
use std::fmt::Write as _;

use super::{connections_text, external_range, pairs};

pub(super) fn csv(analysis: &Connectivity) -> String {
    let mut out = String::with_capacity(analysis.connections.len().saturating_mul(64).saturating_add(32));
    out.push_str("src,dst,protocol,ports\n");
    // a name's field is made once for the run of records that share it
    let (mut src, mut src_field) = (None, String::new());
    let (mut dst, mut dst_field) = (None, String::new());
    for record in &analysis.connections {
        if src != Some(record.src.as_str()) {
            src = Some(record.src.as_str());
            src_field = csv_field(&record.src);
        }
        if dst != Some(record.dst.as_str()) {
            dst = Some(record.dst.as_str());
            dst_field = csv_field(&record.dst);
        }
        out.push_str(&src_field);
        out.push(',');
        out.push_str(&dst_field);
        out.push(',');
        // protocol names and port ranges hold nothing to quote
        out.push_str(record.protocol.as_str());
        out.push(',');
        for (i, [from, to]) in record.ports.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            let _ = if from == to { write!(out, "{from}") } else { write!(out, "{from}-{to}") };
        }
        out.push('\n');
    }
    out
}

/// A field quoted as RFC 4180 says: in double quotes, with quotes doubled, when it holds a
/// comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

pub(super) fn markdown(analysis: &Connectivity) -> String {
    let mut out = String::from("| source | destination | connections |\n|---|---|---|\n");
    for pair in pairs(analysis) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            markdown_cell(&endpoint_label(pair.src)),
            markdown_cell(&endpoint_label(pair.dst)),
            markdown_cell(&connections_text(&pair.ports))
        );
    }
    out
}

/// The endpoint as the connlist text names it: external ranges get `[External]`.
pub(crate) fn endpoint_label(name: &str) -> String {
    if external_range(name).is_some() { format!("{name}[External]") } else { name.to_owned() }
}

/// Text that stays inside its table cell and is shown literally: markdown punctuation that
/// could close the cell or start markup is backslash-escaped, line breaks become spaces.
pub(crate) fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '`' | '*' | '_' | '<' | '>' | '&' | '(' | ')' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b c");
        assert_eq!(markdown_cell("<b>*x*</b>"), "\\<b\\>\\*x\\*\\</b\\>");
    }
}
