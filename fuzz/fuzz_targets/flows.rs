//! The flow-log readers (Hubble JSON, generic JSON Lines and CSV, and the detection between
//! them): a stream read in pieces of any size (lines split anywhere) gives what the whole
//! text gives, with any line limit; never an error for a reader that cannot fail.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netfence::flows::{FlowFormat, FlowIngester, FlowLog, IngestOptions};
use netfence_fuzz::{Chunked, selector};

fn read(data: &[u8], format: FlowFormat, options: &IngestOptions, chunk: usize) -> FlowLog {
    let mut ingester = FlowIngester::new(options);
    ingester.read(Chunked::new(data, chunk), format, "flows").expect("a reader of memory cannot fail");
    ingester.finish()
}

fuzz_target!(|data: &[u8]| {
    let (choice, data) = selector(data);
    let format = [FlowFormat::Auto, FlowFormat::Hubble, FlowFormat::Jsonl, FlowFormat::Csv][usize::from(choice & 3)];
    // a small line limit (some inputs), so that overlong lines split across reads are read too
    let max_line_bytes = if choice & 4 == 0 { IngestOptions::default().max_line_bytes } else { 16 + usize::from(choice >> 3) * 8 };
    let options = IngestOptions { max_line_bytes, fold_window: 4, ..IngestOptions::default() };
    let whole = read(data, format, &options, data.len());
    assert_eq!(whole, read(data, format, &options, data.len()), "the same log read differently");
    for chunk in [1, 7, 64] {
        assert_eq!(whole, read(data, format, &options, chunk), "read {chunk} bytes at a time, the log differs");
    }
});
