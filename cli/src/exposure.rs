//! `netfence analyze --exposure`: what each workload is open to beyond the input's
//! endpoints, in netpol-analyzer's `--exposure` text, markdown or JSON.

use std::io::Write;

use netfence::api::{self, ExposureFormat, ExposureRequest};
use netfence::engine::{ConnectionFilter, EngineOptions};
use netfence::source::ParseOptions;
use netfence::{Error, ErrorCode};

use crate::AnalyzeFormat;

/// Runs the exposure operation for `analyze --exposure`.
pub(crate) fn run(
    sources: Vec<api::Source>,
    options: ParseOptions,
    engine: EngineOptions,
    filter: ConnectionFilter,
    format: AnalyzeFormat,
) -> Result<(String, u8), Error> {
    let rendering = match format {
        AnalyzeFormat::Txt => Some(ExposureFormat::Txt),
        AnalyzeFormat::Md => Some(ExposureFormat::Md),
        AnalyzeFormat::Json => None,
        AnalyzeFormat::Canonical
        | AnalyzeFormat::Csv
        | AnalyzeFormat::Dot
        | AnalyzeFormat::Mermaid
        | AnalyzeFormat::Grouped
        | AnalyzeFormat::Arrow => {
            return Err(Error::new(ErrorCode::InvalidRequest, "`--exposure` is written as `txt`, `md` or `json`")
                .with_help("use `-o txt`, `-o md` or `-o json`"));
        }
    };
    let request = ExposureRequest { sources, options, engine, filter, format: rendering };
    let response = api::exposure(&request)?;
    for e in &response.errors {
        let _ = writeln!(std::io::stderr(), "{}", crate::render::error_text(&Error::from(e.clone())));
    }
    let text = crate::rendered_or_json(&response.rendered, &response)?;
    crate::warn_if_incomplete(&response.completeness, &text);
    Ok((text, u8::from(!response.errors.is_empty())))
}
