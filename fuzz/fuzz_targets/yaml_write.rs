//! The YAML writer (`netfence::to_yaml`): any JSON value written as YAML reads back, through
//! netfence's own reader, as the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::source::{ParseOptions, parse_text};
use netfence::to_yaml;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let yaml = to_yaml(&value);
    let options = ParseOptions { strict: true, max_depth: 256, ..ParseOptions::default() };
    let read = parse_text(&yaml, "out.yaml", &options).unwrap_or_else(|e| panic!("{e:?} reading back\n{yaml}"));
    let back = match read.documents.as_slice() {
        [] => serde_json::Value::Null,
        [one] => one.root.to_json(),
        more => panic!("{} documents read back from\n{yaml}", more.len()),
    };
    assert_eq!(back, value, "written as\n{yaml}");
});
