//! Entry points for the fuzz targets (`fuzz/`, cargo feature `fuzzing`) into code that is not
//! public but reads input: the splitter of large list documents (`parse_list`), which the
//! public API reaches only for inputs of 4 MiB and more on a machine with several cores.

use super::Node;
use super::ParseOptions;
use super::yaml::{Limits, parse_documents};

/// What the list splitter makes of one document, next to the whole parse.
#[derive(Debug)]
pub struct ListSplit {
    /// The tree the splitter builds; `None` when it declines (then the caller parses whole).
    pub split: Option<Node>,
    /// The items it hands over one by one; `None` when it declines.
    pub items: Option<Vec<Node>>,
    /// The whole parse of the same text: its documents, or the error's message.
    pub whole: Result<Vec<Node>, String>,
}

/// Runs the list splitter and the whole parse on `text` (one YAML or JSON document) with the
/// limits of `options`.
#[must_use]
pub fn list_split(text: &str, options: &ParseOptions) -> ListSplit {
    let limits = Limits {
        max_depth: options.max_depth,
        max_nodes: options.max_nodes,
        max_aliases: options.max_aliases,
        max_alias_replay: options.max_alias_replay,
    };
    let split = super::list::parse_list(text, 0, limits);
    let items = super::list::parse_list_items(text, 0, limits, &|_| true, &|_, _, item| item);
    let whole = parse_documents(text, limits).map_err(|e| e.message);
    ListSplit { split, items, whole }
}
