//! Entry points for the fuzz targets (`fuzz/`, cargo feature `fuzzing`) into code that is not
//! public but reads input: the splitter of large list documents (`parse_list`), which the
//! public API reaches only for inputs of 4 MiB and more on a machine with several cores.

use super::Node;
use super::ParseOptions;
use super::yaml::parse_documents;

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
    let limits = super::parse::limits(options);
    let split = super::list::parse_list(text, 0, limits);
    let items = super::list::parse_list_items(text, 0, limits, None, &|_| true, &|_, _, item| item);
    let whole = parse_documents(text, limits).map_err(|e| e.message);
    ListSplit { split, items, whole }
}

/// The list's items as the splitter hands them over with `rule` pruning them (`yaml_prune`);
/// `None` when it declines. The inventory's rule: `inventory::fuzz_pruned_items`.
pub(crate) fn pruned_items(text: &str, options: &ParseOptions, rule: super::json_read::Prune<'_>) -> Option<Vec<Node>> {
    let limits = super::parse::limits(options);
    super::list::parse_list_items(text, 0, limits, Some(rule), &|_| true, &|_, _, item| item)
}

/// Whether `pruned` is `full` with values left out: every value it has is where `full` has it
/// (same line and column) and equal, but for mappings and sequences, whose entries it may
/// lack, and values that are null in `pruned` (all of their content blanked).
#[must_use]
pub fn only_removes(pruned: &Node, full: &Node) -> bool {
    use super::Value;
    if matches!(pruned.value, Value::Null) {
        return true;
    }
    if (pruned.line, pruned.column) != (full.line, full.column) {
        return false;
    }
    match (&pruned.value, &full.value) {
        (Value::Map(kept), Value::Map(all)) => kept.iter().all(|(key, value)| {
            all.iter().any(|(k, v)| {
                k.name == key.name && k.line == key.line && k.column == key.column && only_removes(value, v)
            })
        }),
        (Value::Seq(kept), Value::Seq(all)) => {
            // entries keep their order; a blanked entry is null
            kept.len() == all.len() && kept.iter().zip(all).all(|(a, b)| only_removes(a, b))
        }
        (a, b) => format!("{a:?}") == format!("{b:?}"),
    }
}
