//! The JSON API entry point every binding calls (`netfence::api::call_json`): input is an
//! operation name, a newline and the request text; any of them gives a response or a coded
//! error payload, the same both times.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::api::call_json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (operation, request) = text.split_once('\n').unwrap_or((text, ""));
    let first = call_json(operation, request);
    if let Err(e) = &first {
        assert!(e.code.as_str().starts_with("NF-E"), "uncoded error {e:?}");
    }
    assert_eq!(first, call_json(operation, request), "the same request answered differently");
});
