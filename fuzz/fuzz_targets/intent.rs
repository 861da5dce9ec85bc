//! Intent files (`kind: Intent`) through the builder: an error or policies, the same twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::builder::build_intent_text;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let first = build_intent_text(text, "intent.yaml");
    assert_eq!(first, build_intent_text(text, "intent.yaml"), "the same intent built differently");
});
