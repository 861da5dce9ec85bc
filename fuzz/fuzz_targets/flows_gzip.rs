//! Compressed flow logs as the CLI reads them (`cli/src/flows.rs`, `read_one`: a
//! `flate2::bufread::MultiGzDecoder` into `FlowIngester::read`): garbage, truncated or
//! concatenated gzip streams end in the ingester's error `NF-E020` or a log, never a panic; and
//! any log compressed reads as the plain log does.
#![no_main]

use std::io::{BufReader, Write};

use flate2::Compression;
use flate2::bufread::MultiGzDecoder;
use flate2::write::GzEncoder;
use libfuzzer_sys::fuzz_target;
use netfence::flows::{FlowFormat, FlowIngester, FlowLog, IngestOptions};
use netfence_fuzz::Chunked;

fn read_gzip(compressed: &[u8]) -> Result<FlowLog, netfence::Error> {
    let mut ingester = FlowIngester::new(&IngestOptions::default());
    let decoder = MultiGzDecoder::new(Chunked::new(compressed, 61));
    ingester.read(BufReader::with_capacity(64, decoder), FlowFormat::Auto, "flows.gz")?;
    Ok(ingester.finish())
}

fuzz_target!(|data: &[u8]| {
    // the input as a compressed stream
    if let Err(e) = read_gzip(data) {
        assert_eq!(e.code.as_str(), "NF-E020", "{e:?}");
    }
    // the input as a plain log, compressed
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(data).expect("writing to memory");
    let compressed = encoder.finish().expect("writing to memory");
    let mut plain = FlowIngester::new(&IngestOptions::default());
    plain.read(data, FlowFormat::Auto, "flows.gz").expect("a reader of memory cannot fail");
    assert_eq!(read_gzip(&compressed).expect("a whole gzip stream reads"), plain.finish());
});
