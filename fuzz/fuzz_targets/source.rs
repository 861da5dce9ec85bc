//! The YAML/JSON source reader (`netfence::parse`): any bytes are either refused as not text
//! or read into documents and per-document errors; the same input reads the same twice; strict
//! mode fails exactly when the lenient read has an error, and otherwise reads the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::source::{ParseOptions, parse_text, text_from_bytes};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = text_from_bytes(data, "in.yaml") else { return };
    let options = ParseOptions::default();
    let lenient = parse_text(text, "in.yaml", &options);
    let again = parse_text(text, "in.yaml", &options);
    assert_eq!(format!("{lenient:?}"), format!("{again:?}"), "the same input read differently");
    let strict = parse_text(text, "in.yaml", &ParseOptions { strict: true, ..options });
    match (&lenient, &strict) {
        (Ok(lenient), Ok(strict)) => {
            assert!(lenient.errors.is_empty(), "strict mode accepted what lenient mode reports: {:?}", lenient.errors);
            assert_eq!(format!("{:?}", lenient.documents), format!("{:?}", strict.documents));
        }
        (Ok(lenient), Err(e)) => {
            let first = lenient.errors.first().expect("strict mode failed where lenient mode had no error");
            assert_eq!((first.code, &first.location), (e.code, &e.location));
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "input-level errors differ between modes"),
        (Err(e), Ok(_)) => panic!("lenient mode failed where strict mode read: {e:?}"),
    }
});
