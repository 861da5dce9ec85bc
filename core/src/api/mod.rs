//! One API surface, one file per operation; what the CLI and every binding call.
//!
//! Each operation comes in two forms: a typed call (`validate(&ValidateRequest)`) and a JSON
//! call through [`call_json`] (`call_json("validate", request_json)`), which is all a binding
//! needs. Requests and responses are serde types in camelCase; errors are [`ErrorPayload`]s.

mod analyze;
mod audit;
mod build;
mod check;
mod diff;
mod drops;
mod exposure;
mod flow_map;
mod generate;
mod impact;
mod lint;
mod parse;
mod plan;
mod review;
mod schema;
mod validate;

#[cfg(not(target_arch = "wasm32"))]
pub use analyze::{AnalyzeArrow, analyze_arrow, analyze_arrow_json};
pub use analyze::{
    AnalyzeFormat, AnalyzeLayout, AnalyzeRequest, AnalyzeResponse, ExplainRequest, ExplainResponse, analyze,
    analyze_resources, explain,
};
pub use audit::{AuditRequest, AuditResponse, audit, audit_with_log};
pub use build::{BuildRequest, BuildResponse, build};
pub use check::{CheckRequest, CheckResponse, check};
pub use diff::{DiffFormat, DiffRequest, DiffResponse, diff};
pub use drops::{DropsRequest, DropsResponse, drops, drops_with_log};
pub use exposure::{ExposureFormat, ExposureRequest, ExposureResponse, exposure};
pub use flow_map::{FlowMapFormat, FlowMapRequest, FlowMapResponse, flow_map, flow_map_with_log};
pub use generate::{GenerateFormat, GenerateRequest, GenerateResponse, generate, generate_with_log};
pub use impact::{ImpactRequest, ImpactResponse, impact, impact_with_log};
pub use lint::{LintRequest, LintResponse, lint};
pub use parse::{ParseRequest, ParseResponse, parse};
pub use plan::{PlanRequest, PlanResponse, plan};
pub use review::{ReviewFormat, ReviewRequest, ReviewResponse, render as render_review, review, review_with_log};
pub use schema::{SchemaRequest, schema};
#[cfg(not(target_arch = "wasm32"))]
pub use schema::{schema_bundle, schemas};
pub use validate::{ValidateRequest, ValidateResponse, validate};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, ErrorPayload};
use crate::flows::{FlowFormat, FlowLog, IngestOptions};
use crate::inventory::ResourceSet;
use crate::source::ParseOptions;
use crate::source::{Node, Value};

/// The one text rendering of an operation whose answer has no other (`format: "text"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextFormat {
    /// Text for a terminal or a log.
    Text,
}

/// How an operation renders its answer in a requested format: `(format, request, response)`
/// → text. Each operation passes its renderer; the WebAssembly core build passes
/// [`unrendered`] instead, so that no renderer is linked into it.
pub(crate) type Render<Req, Resp, F> = fn(F, &Req, &Resp) -> Result<String, Error>;

/// The rendering of `response` in `format`, when a format was asked for.
fn render_in<Req, Resp, F>(
    format: Option<F>,
    request: &Req,
    response: &Resp,
    render: Render<Req, Resp, F>,
) -> Result<Option<String>, Error> {
    format.map(|format| render(format, request, response)).transpose()
}

/// The renderer of a build without renderers: a requested `format` is an error.
fn unrendered<Req, Resp, F>(_: F, _: &Req, _: &Resp) -> Result<String, Error> {
    Err(no_renderers())
}

#[inline(never)]
fn no_renderers() -> Error {
    Error::new(ErrorCode::InvalidRequest, "this build of netfence has no renderers: `format` cannot be answered")
        .with_help(
            "leave `format` out and render the JSON response, or use a build with renderers (`netfence-wasm/full`)",
        )
}

/// The texts of request sources by name, for renderers that quote them.
fn source_texts(sources: &[Source]) -> crate::report::SourceTexts<'_> {
    crate::report::SourceTexts::new(sources.iter().map(|s| (s.name.as_str(), s.text.as_str())))
}

/// One input: its name (a file path, or `<input>`) and its text (YAML or JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    /// Shown in locations: a file path or any label.
    #[serde(default = "default_source_name")]
    pub name: String,
    /// YAML (one or more documents) or JSON text.
    pub text: String,
}

fn default_source_name() -> String {
    "<input>".to_owned()
}

impl Source {
    /// A source named `<input>`.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self { name: default_source_name(), text: text.into() }
    }

    /// A named source.
    #[must_use]
    pub fn named(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self { name: name.into(), text: text.into() }
    }
}

/// Reads sources into one resource set.
///
/// # Errors
/// Input-level failures (too large, not text), or any bad document in strict mode.
pub fn load(sources: &[Source], options: &ParseOptions) -> Result<ResourceSet, Error> {
    load_into(ResourceSet::default(), sources, options)
}

fn load_into(mut set: ResourceSet, sources: &[Source], options: &ParseOptions) -> Result<ResourceSet, Error> {
    for source in sources {
        set.add_text(&source.text, &source.name, options)?;
    }
    Ok(set)
}

std::thread_local! {
    /// What [`call_json_reading`] read for the call running on this thread.
    static READ_AHEAD: std::cell::RefCell<Option<ResourceSet>> = const { std::cell::RefCell::new(None) };
}

/// Reads a request's `sources` (the manifests of [`SOURCE_OPERATIONS`]), after what
/// [`call_json_reading`] read for this call, if anything.
pub(crate) fn load_sources(sources: &[Source], options: &ParseOptions) -> Result<ResourceSet, Error> {
    let read = READ_AHEAD.with(|r| r.borrow_mut().take());
    load_into(read.unwrap_or_default(), sources, options)
}

/// The operations whose request has one `sources` field of manifests, which
/// [`call_json_reading`] extends. `validate`, `lint` and `review` are not among them: their
/// text quotes the lines of the sources it has the text of.
pub const SOURCE_OPERATIONS: &[&str] =
    &["parse", "analyze", "explain", "exposure", "check", "flow_map", "flowMap", "generate", "drops", "audit"];

/// [`call_json`] for a native binding that reads some manifests itself — files streamed from
/// disk, bytes held by the host — so that no copy of their text crosses into the host
/// language or the JSON request. `read` adds them to the resource set, with the request's
/// parse options, and they come before the request's own `sources`.
///
/// Those options' `maxInputBytes` (a default suited to a browser tab) applies to what `read`
/// reads only when the request sets it: a file is read as the command line reads one, any size,
/// streamed item by item when it is a JSON list, every per-object budget applying.
///
/// # Errors
/// `NF-E011` for an operation not in [`SOURCE_OPERATIONS`] or options that do not decode;
/// `read`'s errors; otherwise as [`call_json`].
pub fn call_json_reading(
    operation: &str,
    request: &str,
    read: &mut dyn FnMut(&mut ResourceSet, &ParseOptions) -> Result<(), Error>,
) -> Result<String, ErrorPayload> {
    /// The request's `options`, whatever else it holds.
    #[derive(Deserialize)]
    struct OptionsOnly {
        #[serde(default)]
        options: Option<serde_json::Value>,
    }
    /// Clears what was read when the call ends, also by a panic a binding catches.
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            READ_AHEAD.with(|r| r.borrow_mut().take());
        }
    }
    if !SOURCE_OPERATIONS.contains(&operation) {
        return Err(Error::new(
            ErrorCode::InvalidRequest,
            format!("operation `{operation}` reads no manifests of its own"),
        )
        .with_help(format!("files and bytes are read for: {}", SOURCE_OPERATIONS.join(", ")))
        .payload());
    }
    let given = decode_request::<OptionsOnly>(request)
        .map_err(payload)?
        .options
        .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
    let capped = given.get("maxInputBytes").is_some();
    let mut options: ParseOptions = serde_json::from_value(given)
        .map_err(|e| invalid_request(format!("invalid request: `options`: {e}")).payload())?;
    if !capped {
        options.max_input_bytes = usize::MAX;
    }
    let mut set = ResourceSet::default();
    read(&mut set, &options).map_err(payload)?;
    let _clear = Clear;
    READ_AHEAD.with(|r| *r.borrow_mut() = Some(set));
    call_json(operation, request)
}

/// One flow source in a request: its name, text and format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowSource {
    /// Shown with malformed lines: a file path or any label.
    #[serde(default = "default_flow_name")]
    pub name: String,
    /// The flow records.
    pub text: String,
    /// Their format.
    #[serde(default)]
    pub format: FlowFormat,
}

fn default_flow_name() -> String {
    "<flows>".to_owned()
}

impl FlowSource {
    /// A source named `<flows>` in any format.
    #[must_use]
    pub fn text(text: impl Into<String>) -> Self {
        Self { name: default_flow_name(), text: text.into(), format: FlowFormat::Auto }
    }
}

/// Reads the flow sources of a request.
#[must_use]
pub fn read_flow_sources(sources: &[FlowSource], options: &IngestOptions) -> FlowLog {
    let mut ingester = crate::flows::FlowIngester::new(options);
    for s in sources {
        ingester.read_str(&s.text, s.format, &s.name);
    }
    ingester.finish()
}

/// Compiles the manifests of a request.
pub(crate) fn load_cluster(
    set: Result<ResourceSet, Error>,
    engine: &crate::engine::EngineOptions,
) -> Result<(ResourceSet, crate::engine::CompiledCluster), Error> {
    let set = set?;
    let cluster = crate::engine::CompiledCluster::compile(&set, engine);
    Ok((set, cluster))
}

/// The operations [`call_json`] knows, in the order of the cycle.
pub const OPERATIONS: &[&str] = &[
    "parse", "validate", "lint", "build", "analyze", "explain", "exposure", "diff", "check", "review", "plan",
    "flow_map", "generate", "impact", "drops", "audit", "schema",
];

/// Runs operation `operation` on a JSON request and returns the JSON response. This is the
/// whole surface a binding needs.
///
/// # Errors
/// `NF-E011` for an unknown operation or a request that does not decode; otherwise the
/// operation's own errors.
pub fn call_json(operation: &str, request: &str) -> Result<String, ErrorPayload> {
    let run = match operation {
        "parse" => json::parse,
        "validate" => json::validate,
        "lint" => json::lint,
        "build" => json::build,
        "analyze" => json::analyze,
        "explain" => json::explain,
        "exposure" => json::exposure,
        "diff" => json::diff,
        "check" => json::check,
        "review" => json::review,
        "plan" => json::plan,
        // `flowMap`: the name the JavaScript binding gives it
        "flow_map" | "flowMap" => json::flow_map,
        "generate" => json::generate,
        "impact" => json::impact,
        "drops" => json::drops,
        "audit" => json::audit,
        "schema" => json::schema,
        other => return Err(unknown_operation(other, OPERATIONS)),
    };
    run(request)
}

/// Runs `call` for a host that must not be unwound into (Python, Node): a panic in it — a bug —
/// becomes an `NF-E030` payload that says so, with the panic's message.
///
/// # Errors
/// `call`'s errors, and the payload for a panic.
pub fn without_panics<T>(call: impl FnOnce() -> Result<T, ErrorPayload>) -> Result<T, ErrorPayload> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).unwrap_or_else(|panic| {
        let what =
            panic.downcast_ref::<&str>().map(|s| (*s).to_owned()).or_else(|| panic.downcast_ref::<String>().cloned());
        Err(Error::new(ErrorCode::Output, format!("internal error: {}", what.unwrap_or_default()))
            .with_help("this is a bug in netfence; please report it with the input")
            .payload())
    })
}

/// The error for an operation name that is not among `known`.
#[must_use]
pub fn unknown_operation(name: &str, known: &[&str]) -> ErrorPayload {
    Error::new(ErrorCode::InvalidRequest, format!("unknown operation `{name}`"))
        .with_help(format!("operations are: {}", known.join(", ")))
        .payload()
}

/// One JSON entry point per operation, as [`call_json`] dispatches to them: JSON request text
/// in, JSON response text out.
///
/// For a binding that carries only some operations (the WASM binding's core build): calling
/// these by name, rather than through [`call_json`], leaves the other operations' code out of
/// the linked module.
pub mod json {
    use super::{ErrorPayload, run};

    macro_rules! entries {
        ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {
            $(
                $(#[$doc])*
                ///
                /// # Errors
                /// `NF-E011` for a request that does not decode; otherwise the operation's own errors.
                pub fn $name(request: &str) -> Result<String, ErrorPayload> {
                    run(request, $op)
                }
            )*
        };
    }

    entries! {
        /// [`super::parse`] on JSON text.
        parse => super::parse;
        /// [`super::validate`] on JSON text.
        validate => super::validate;
        /// [`super::lint`] on JSON text.
        lint => super::lint;
        /// [`super::build`] on JSON text.
        build => super::build;
        /// [`super::analyze`] on JSON text.
        analyze => super::analyze;
        /// [`super::explain`] on JSON text.
        explain => super::explain;
        /// [`super::exposure`] on JSON text.
        exposure => super::exposure;
        /// [`super::diff`] on JSON text.
        diff => super::diff;
        /// [`super::check`] on JSON text.
        check => super::check;
        /// [`super::review`] on JSON text.
        review => super::review;
        /// [`super::plan`] on JSON text.
        plan => super::plan;
        /// [`super::flow_map`] on JSON text (the operation `flow_map`).
        flow_map => super::flow_map;
        /// [`super::generate`] on JSON text.
        generate => super::generate;
        /// [`super::impact`] on JSON text.
        impact => super::impact;
        /// [`super::drops`] on JSON text.
        drops => super::drops;
        /// [`super::audit`] on JSON text.
        audit => super::audit;
        /// [`super::schema`] on JSON text.
        schema => super::schema;
    }

    /// The JSON entry points of a build without renderers (the WebAssembly core build): the
    /// operations answer as in [`super::json`], except that a request with a `format` is an
    /// `NF-E011` error, and no renderer is linked.
    pub mod unrendered {
        use super::super as api;
        use super::{ErrorPayload, run};

        pub use super::{build, plan};

        macro_rules! unrendered_entries {
            ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {
                $(
                    $(#[$doc])*
                    ///
                    /// # Errors
                    /// `NF-E011` for a request that does not decode or asks for a `format`;
                    /// otherwise the operation's own errors.
                    pub fn $name(request: &str) -> Result<String, ErrorPayload> {
                        run(request, |r| $op(r, api::unrendered))
                    }
                )*
            };
        }

        unrendered_entries! {
            /// `parse` without renderers.
            parse => api::parse::parse_with;
            /// `validate` without renderers.
            validate => api::validate::validate_with;
            /// `lint` without renderers.
            lint => api::lint::lint_with;
            /// `analyze` without renderers.
            analyze => api::analyze::analyze_with;
            /// `explain` without renderers.
            explain => api::analyze::explain_with;
            /// `exposure` without renderers.
            exposure => api::exposure::exposure_with;
            /// `diff` without renderers.
            diff => api::diff::diff_with;
            /// `check` without renderers.
            check => api::check::check_with;
        }
    }
}

fn run<Req, Resp>(request: &str, op: fn(&Req) -> Result<Resp, Error>) -> Result<String, ErrorPayload>
where
    Req: serde::de::DeserializeOwned,
    Resp: Serialize,
{
    // the error paths in shared functions, not in each operation's instance
    let request: Req = decode_request(request).map_err(payload)?;
    let response = op(&request).map_err(payload)?;
    serde_json::to_string(&response).map_err(encode_error)
}

#[inline(never)]
fn payload(error: Error) -> ErrorPayload {
    error.payload()
}

#[inline(never)]
fn encode_error(error: serde_json::Error) -> ErrorPayload {
    Error::new(ErrorCode::Output, format!("cannot encode the response: {error}")).payload()
}

/// Decodes a JSON request, naming the field that is wrong and where it is.
///
/// The text is read by netfence's own parser (JSON is YAML 1.2) into a located tree and the
/// request type is read from that tree, so an error names the field's path and its line and
/// column: ``invalid request at `sources[0].name`: invalid type: ... at line 1 column 22``.
///
/// # Errors
/// `NF-E011` with the path of the offending field.
pub fn decode_request<Req: serde::de::DeserializeOwned>(request: &str) -> Result<Req, Error> {
    let root = request_tree(request)?;
    crate::source::de::from_node::<Req>(&root).map_err(|e| request_error(&e))
}

fn invalid_request(message: String) -> Error {
    Error::new(ErrorCode::InvalidRequest, message).with_help("see the operation's request type in docs/api.md")
}

/// The request text as a located tree (not generic: one copy for every request type).
fn request_tree(request: &str) -> Result<Node, Error> {
    let options = ParseOptions {
        // what serde_json allowed: any size, 128 levels of nesting
        max_input_bytes: usize::MAX,
        max_depth: 128,
        max_nodes: usize::MAX,
        strict: true,
        ..ParseOptions::default()
    };
    let text_error = |e: Error| {
        // "document 1 of `<request>` cannot be read: did not find expected ',' or '}'"
        let message = e.message.split_once(" cannot be read: ").map_or(e.message.as_str(), |(_, m)| m);
        let at = e.location.map(|l| format!(" at line {} column {}", l.line, l.column)).unwrap_or_default();
        invalid_request(format!("invalid request: {message}{at}"))
    };
    let request = escape_unprintable(request);
    let mut parsed = crate::source::parse_text(&request, "<request>", &options).map_err(text_error)?;
    if let Some(second) = parsed.documents.get(1) {
        let (line, column) = (second.root.line, second.root.column);
        return Err(invalid_request(format!("invalid request: a second value at line {line} column {column}")));
    }
    // empty text or `null`: the parser keeps no document; read as `null`
    Ok(parsed.documents.pop().map_or(Node { value: Value::Null, line: 1, column: 1 }, |d| d.root))
}

/// The request with the characters JSON allows unescaped in strings but YAML 1.2 does not
/// (DEL, the C1 controls, U+FFFE, U+FFFF) written as `\u` escapes, which read the same in a
/// string; elsewhere they are an error either way. `JSON.stringify` leaves them unescaped.
fn escape_unprintable(request: &str) -> std::borrow::Cow<'_, str> {
    let unprintable = |c: char| matches!(c, '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
    if !request.contains(unprintable) {
        return std::borrow::Cow::Borrowed(request);
    }
    let mut out = String::with_capacity(request.len() + 64);
    for c in request.chars() {
        if unprintable(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn request_error(e: &crate::source::de::Error) -> Error {
    let path = e.dotted();
    let at = if path.is_empty() { String::new() } else { format!(" at `{path}`") };
    invalid_request(format!("invalid request{at}: {} at line {} column {}", e.message(), e.line(), e.column()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::{OPERATIONS, call_json};

    #[test]
    fn every_operation_dispatches_and_unknown_names_say_what_there_is() {
        for op in OPERATIONS {
            // `{}` is not a valid request for every operation; what matters is that the name is known
            if let Err(e) = call_json(op, "{}") {
                assert!(!e.message.starts_with("unknown operation"), "{op}: {}", e.message);
            }
        }
        let e = call_json("frobnicate", "{}").unwrap_err();
        assert_eq!(e.message, "unknown operation `frobnicate`");
        assert_eq!(e.help.as_deref(), Some(format!("operations are: {}", OPERATIONS.join(", ")).as_str()));
        // the JS name of `flow_map` is accepted too
        assert_eq!(
            call_json("flowMap", "{\"flows\": 1}").unwrap_err().message,
            call_json("flow_map", "{\"flows\": 1}").unwrap_err().message
        );
    }

    const SHOP: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: api-1, namespace: shop, labels: {app: api}}\nstatus: {podIP: 10.0.0.5}\n";
    const CSV: &str = "srcIp,dstNamespace,dstPod,dstIp,protocol,dstPort,verdict\n203.0.113.7,shop,api-1,10.0.0.5,TCP,8080,forwarded\nbroken\n";

    #[test]
    fn flow_operations_run_through_call_json() {
        let request =
            serde_json::json!({"sources": [{"text": SHOP}], "flows": [{"name": "f.csv", "text": CSV}]}).to_string();
        for op in ["flow_map", "flowMap"] {
            let map: serde_json::Value = serde_json::from_str(&call_json(op, &request).unwrap()).unwrap();
            assert_eq!(map["entries"][0]["dst"], "shop/api-1[Pod]", "{map}");
            assert_eq!(map["ingest"]["malformedLines"][0]["line"], 3, "{map}");
        }
        let generated: serde_json::Value = serde_json::from_str(&call_json("generate", &request).unwrap()).unwrap();
        assert_eq!(generated["verification"]["allowed"], 1, "{generated}");
        for op in ["drops", "audit"] {
            assert!(call_json(op, &request).is_ok(), "{op}");
        }
        let impact = serde_json::json!({"base": [{"text": SHOP}], "head": [{"text": SHOP}], "flows": [{"text": CSV}]});
        let impact: serde_json::Value =
            serde_json::from_str(&call_json("impact", &impact.to_string()).unwrap()).unwrap();
        assert_eq!(impact["unchangedAllowed"], 1, "{impact}");
    }

    #[test]
    fn without_renderers_a_format_is_an_error_and_the_rest_is_the_same() {
        let request = serde_json::json!({"sources": [{"text": SHOP}]});
        let mut formatted = request.clone();
        formatted["format"] = serde_json::json!("txt");
        let (plain, formatted) = (request.to_string(), formatted.to_string());
        assert_eq!(super::json::unrendered::analyze(&plain).unwrap(), super::json::analyze(&plain).unwrap());
        let rendered: serde_json::Value = serde_json::from_str(&super::json::analyze(&formatted).unwrap()).unwrap();
        assert!(rendered["rendered"].as_str().is_some_and(|t| t.contains("shop/api-1[Pod] => ")), "{rendered}");
        let e = super::json::unrendered::analyze(&formatted).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::InvalidRequest);
        assert_eq!(e.message, "this build of netfence has no renderers: `format` cannot be answered");
        let text = serde_json::json!({"sources": [{"text": SHOP}], "format": "text"}).to_string();
        for entry in [super::json::unrendered::parse, super::json::unrendered::validate, super::json::unrendered::lint]
        {
            assert_eq!(entry(&text).unwrap_err().code, crate::ErrorCode::InvalidRequest);
        }
    }
}
