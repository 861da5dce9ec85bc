//! The splitter of large list documents (`kubectl get -o yaml|json`; `core/src/parse_list.rs`):
//! when it takes a document, its tree (and the items it hands over one by one) equal the whole
//! parse; whatever it is unsure about it declines. Items read with the inventory's pruning
//! (`yaml_prune`) are the same items with values left out, each kept value where it was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::source::fuzzing::{list_split, only_removes};
use netfence::source::ParseOptions;
use netfence::source::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // one document, as `parse_text` hands documents over: no document markers
    if text.lines().any(|l| l.starts_with("---") || l.starts_with("...") || l.starts_with('%')) || text.contains('\0') {
        return;
    }
    let out = list_split(text, &ParseOptions::default());
    let Some(split) = &out.split else {
        assert!(out.items.is_none(), "items handed over for a document the splitter declines");
        return;
    };
    let whole = match &out.whole {
        Ok(roots) if roots.len() == 1 => &roots[0],
        other => panic!("the splitter took a document the whole parse reads as {other:?}"),
    };
    // Debug text: a `.nan` scalar is not equal to itself
    assert_eq!(format!("{split:?}"), format!("{whole:?}"), "split parse differs from the whole parse");
    let items = out.items.as_ref().expect("the splitter took the document but handed over no items");
    let whole_items = match whole.get("items").map(|n| &n.value) {
        Some(Value::Seq(items)) => items,
        other => panic!("the whole parse has no items sequence: {other:?}"),
    };
    assert_eq!(format!("{items:?}"), format!("{whole_items:?}"), "items handed over differ from the whole parse's");
    // pruning leaves values out, never moves or changes one; it may decline where the whole
    // items were taken (then the caller parses whole)
    if let Some(pruned) = &netfence::inventory::fuzz_pruned_items(text, &ParseOptions::default()) {
        assert_eq!(pruned.len(), items.len(), "pruned items");
        for (p, full) in pruned.iter().zip(items) {
            assert!(only_removes(p, full), "a pruned item is not the item with values left out:\n{p:?}\n{full:?}");
        }
    }
});
