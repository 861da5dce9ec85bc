//! The `netfence` command line: Kubernetes NetworkPolicy checks for CI. Every subcommand calls
//! `netfence::api`; this crate only reads inputs, picks renderers and sets exit codes.
//!
//! Exit codes: 0 ok; 1 findings or failures over the threshold; 2 usage or input error.

/// mimalloc for every binary of the command line: with glibc's allocator, freeing and
/// allocating the trees of a 1.9 GB `kubectl get -o json` dump on two threads took a quarter of
/// the CPU time (docs/performance.md, "Real cluster dumps"). Its version 2 (feature `v2`):
/// version 3 held 1.5× the memory on the same dumps, and on a VM the first touch of each page
/// (kernel zeroing) was a third of the time (docs/decisions.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tells the allocator to keep the memory the program frees instead of giving it back to the
/// system 10 ms later (mimalloc's `purge_delay`). Reading a large dump frees and allocates
/// batches all the time; each page given back is faulted in and zeroed again by the kernel
/// when it is reused, which on a VM was a third of the kernel time of reading a 150,000-pod
/// List and most of the spread between runs (docs/performance.md). A run is short and its
/// peak is the same either way. The environment (`MIMALLOC_PURGE_DELAY`) is read before
/// `main`, hence the call.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    unsafe extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // `mi_option_purge_delay` in `mi_option_e` of mimalloc 2 (libmimalloc-sys 0.1.49, feature
    // `v2`, as Cargo.lock pins it); -1: never purge
    const PURGE_DELAY: std::ffi::c_int = 15;
    // SAFETY: a setter of one integer option of the allocator linked into this binary (the
    // `mimalloc` crate builds it); every value is valid for it and it takes no pointer.
    unsafe { mi_option_set(PURGE_DELAY, -1) };
}

mod apply;
mod exposure;
mod flows;
mod input;
pub mod live;
mod render;
mod review;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use netfence::api::{
    self, AnalyzeRequest, BuildRequest, CheckRequest, DiffRequest, ExplainRequest, LintRequest, ParseRequest,
    SchemaRequest, TextFormat, ValidateRequest,
};
use netfence::engine::{ConnectionFilter, Direction, EngineOptions, IpBlockMode, ProtocolPort};
use netfence::model::Protocol;
use netfence::source::ParseOptions;
use netfence::{Error, ErrorCode};

use crate::input::Needed;

#[derive(Parser)]
#[command(name = "netfence", version, about = "Design, validate and review Kubernetes NetworkPolicies")]
#[command(after_help = "Exit codes: 0 ok, 1 findings over the threshold, 2 usage or input error.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write the output to FILE instead of standard output.
    #[arg(long, global = true, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Fail on the first document that cannot be read instead of reading the others.
    #[arg(long, global = true)]
    strict: bool,
    /// Largest input accepted, in bytes (default: no limit; budgets per object protect
    /// against hostile input).
    #[arg(long, global = true, value_name = "BYTES")]
    max_input_bytes: Option<usize>,
    /// Most YAML documents accepted in one input (default 10000).
    #[arg(long, global = true, value_name = "N")]
    max_documents: Option<usize>,
    /// Most nodes accepted in one object: a document, or one item of a `kubectl get -o
    /// json|yaml` list (default 5000000).
    #[arg(long, global = true, value_name = "N")]
    max_nodes: Option<usize>,
    /// Longest string accepted in JSON input, in bytes (default 4194304).
    #[arg(long, global = true, value_name = "BYTES")]
    max_string_bytes: Option<usize>,
    #[command(flatten)]
    cluster: live::ClusterArgs,
}

/// `build --api-version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ApiVersionArg {
    /// `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy.
    #[value(name = "v1alpha2")]
    V1alpha2,
    /// `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy and BaselineAdminNetworkPolicy.
    #[value(name = "v1alpha1")]
    V1alpha1,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Yaml,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AnalyzeFormat {
    /// netpol-analyzer's connlist text
    Txt,
    /// the sorted canonical JSON list of {src, dst, protocol, ports}
    Canonical,
    /// the full response: connections, endpoints, errors
    Json,
    Csv,
    Md,
    Dot,
    Mermaid,
    /// the full response with the connections grouped (layout `grouped`): endpoints the answer
    /// does not tell apart form groups
    Grouped,
    /// an Apache Arrow IPC stream, one row per allowed port range (binary: use --output FILE or a pipe)
    Arrow,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    Text,
    Json,
    Md,
    /// netpol-analyzer's diff text
    Txt,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DirectionArg {
    Ingress,
    Egress,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
enum ProtocolArg {
    Tcp,
    Udp,
    Sctp,
}

fn engine_options(ip_blocks_match_pods: bool) -> EngineOptions {
    EngineOptions { ip_block_mode: if ip_blocks_match_pods { IpBlockMode::PodIps } else { IpBlockMode::ExternalOnly } }
}

#[derive(Subcommand)]
enum Command {
    /// List the resources in manifests (files, directories, `-` for stdin).
    #[command(after_help = "Example:\n  netfence parse examples/online-shop/manifests -o json")]
    Parse {
        /// Manifest files or directories; `-` reads standard input.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
    },
    /// Report what the Kubernetes API server would reject in NetworkPolicies.
    #[command(
        after_help = "Examples:\n  netfence validate policies/\n  kubectl get netpol -A -o json | netfence validate - -o json"
    )]
    Validate {
        /// Manifest files or directories; `-` reads standard input.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
    },
    /// API validation and the review checks: the findings `review` reports without a base.
    #[command(
        after_help = "Examples:\n  netfence lint examples/online-shop\n  netfence lint policies/ --config netfence.yaml -o json"
    )]
    Lint {
        /// Manifest files or directories; `-` reads standard input.
        paths: Vec<PathBuf>,
        /// The configuration (`kind: Config`): disabled checks, severities, cluster facts. Its
        /// thresholds are `review`'s.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
    },
    /// Compile an intent file into default-deny-plus-allow NetworkPolicies.
    #[command(
        after_help = "Examples:\n  netfence build examples/online-shop/intent.yaml > policies.yaml\n  netfence build intent.yaml -o json"
    )]
    Build {
        /// The intent file (`apiVersion: netfence.dev/v1alpha1`, `kind: Intent`); `-` reads stdin.
        intent: PathBuf,
        /// Output format: yaml (what `kubectl apply -f` takes) or json (a v1 List).
        #[arg(short = 'o', long = "format", value_enum, default_value = "yaml")]
        format: Format,
        /// The API of the cluster guardrails: v1alpha2 ClusterNetworkPolicy, or v1alpha1
        /// AdminNetworkPolicy and BaselineAdminNetworkPolicy (overrides the intent's
        /// `clusterGuardrails.apiVersion`).
        #[arg(long = "api-version", value_enum)]
        api_version: Option<ApiVersionArg>,
    },
    /// All-pairs connectivity: who can reach whom, on which ports.
    #[command(
        after_help = "Examples:\n  netfence analyze examples/online-shop\n  netfence analyze manifests/ --format canonical\n  netfence analyze manifests/ --focus-workload shop/api --focus-direction ingress -o md\n  netfence analyze manifests/ --exposure --focus-workload shop/db"
    )]
    Analyze {
        /// Manifest files or directories; `-` reads standard input.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "txt")]
        format: AnalyzeFormat,
        /// Also report self connections (an endpoint to itself).
        #[arg(long)]
        include_self: bool,
        /// Only connections of this workload (`name`, `ns/name` or `ns/name[Kind]`); repeatable.
        #[arg(long = "focus-workload", value_name = "WORKLOAD")]
        focus_workloads: Vec<String>,
        /// With --focus-workload: only connections with this peer; repeatable.
        #[arg(long = "focus-peer", value_name = "WORKLOAD")]
        focus_peers: Vec<String>,
        /// With --focus-workload: only traffic into (ingress) or out of (egress) it.
        #[arg(long, value_enum)]
        focus_direction: Option<DirectionArg>,
        /// Only this protocol and port, `PROTOCOL-PORT` (`tcp-8080`, `udp-53`): the text lists
        /// the pairs (and the exposure) on it, as netpol-analyzer's `--focusconn` does.
        #[arg(long = "focus-conn", value_name = "PROTOCOL-PORT", value_parser = parse_focus_conn)]
        focus_conn: Option<ProtocolPort>,
        /// ipBlocks also match pod IPs from the inventory (CNIs such as Calico do this).
        #[arg(long)]
        ip_blocks_match_pods: bool,
        /// Also what each workload is open to beyond the input: the entire cluster, namespaces
        /// and pods by label that may not exist yet (`txt`, `md` or `json`).
        #[arg(long)]
        exposure: bool,
    },
    /// Explain why traffic between two endpoints is allowed or denied, rule by rule.
    #[command(
        after_help = "Examples:\n  netfence explain examples/online-shop --from shop/frontend --to shop/api\n  netfence explain manifests/ --from web --to 203.0.113.7 --port 443 --protocol TCP -o json"
    )]
    Explain {
        /// Manifest files or directories; `-` reads standard input.
        paths: Vec<PathBuf>,
        /// Source: `ns/name[Kind]`, `ns/name`, `name`, or an IP address.
        #[arg(long)]
        from: String,
        /// Destination, in the same forms.
        #[arg(long)]
        to: String,
        /// Only this port.
        #[arg(long)]
        port: Option<u16>,
        /// Only this protocol.
        #[arg(long, value_enum)]
        protocol: Option<ProtocolArg>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
        /// ipBlocks also match pod IPs from the inventory.
        #[arg(long)]
        ip_blocks_match_pods: bool,
    },
    /// Semantic diff of connectivity between two versions: what a change opens and closes.
    #[command(
        after_help = "Examples:\n  netfence diff --base main/ --head pr/\n  netfence diff --base old.yaml --head new.yaml -o md"
    )]
    Diff {
        /// The current state: manifest files or directories (with --cluster, added to the cluster's objects).
        #[arg(long, num_args = 1..)]
        base: Vec<PathBuf>,
        /// The proposed state.
        #[arg(long, required = true, num_args = 1..)]
        head: Vec<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: DiffFormat,
        /// ipBlocks also match pod IPs from the inventory.
        #[arg(long)]
        ip_blocks_match_pods: bool,
    },
    /// Assert required and forbidden flows (a `kind: Requirements` file) against manifests.
    #[command(
        after_help = "Example:\n  netfence check examples/online-shop --requirements examples/online-shop/requirements.yaml\n\nExit code 1 when any requirement fails."
    )]
    Check {
        /// Manifest files or directories; `-` reads standard input.
        paths: Vec<PathBuf>,
        /// The requirements file.
        #[arg(long, short = 'r')]
        requirements: PathBuf,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
        /// ipBlocks also match pod IPs from the inventory.
        #[arg(long)]
        ip_blocks_match_pods: bool,
    },
    /// Flow logs: `flows map`, the traffic map of who talks to whom.
    Flows {
        #[command(subcommand)]
        command: flows::FlowsCommand,
    },
    /// Least-privilege NetworkPolicies from observed flows, verified by the engine.
    Generate(flows::GenerateArgs),
    /// The observed flows a change (base → head) would newly deny or newly allow.
    Impact(flows::ImpactArgs),
    /// Why dropped flows were denied, and the smallest allowance that admits each.
    Drops(flows::DropsArgs),
    /// Hits per policy rule over observed flows: unused and too-broad rules, empty policies.
    Audit(flows::AuditArgs),
    /// Review a change: findings, connectivity diff, requirements and a verdict for CI.
    Review(review::ReviewArgs),
    /// Rollout order (allowances first, deletions last) and rollback, as numbered YAML files.
    Plan(review::PlanArgs),
    /// Read a live cluster (`--cluster` or `--context NAME`) into one file every command reads.
    #[command(
        after_help = "Examples:\n  netfence snapshot --context prod --output prod.yaml\n  netfence analyze prod.yaml\n\n\
Lists namespaces, nodes, pods, workloads, services, NetworkPolicies and the cluster-scoped policies of \
network-policy-api page by page, each object slimmed to what netfence reads, and writes them as `kind: List` \
JSON documents (5,000 objects each) in one YAML stream.\n\nExit codes: 0 ok, 2 the cluster cannot be read \
or usage error."
    )]
    Snapshot,
    /// Deploy a plan: server-side dry run of every step, then server-side apply step by step.
    Apply(apply::ApplyArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  netfence completions bash > /etc/bash_completion.d/netfence\n  netfence completions zsh > \"${fpath[1]}/_netfence\""
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  netfence man > /usr/local/share/man/man1/netfence.1")]
    Man,
    /// Print a JSON Schema: `intent`, `error`, or `<operation>-request`/`-response`.
    #[command(after_help = "Example:\n  netfence schema intent > intent.schema.json")]
    Schema {
        /// Which schema.
        name: String,
    },
}

/// Runs the command line with the process's arguments.
#[must_use]
pub fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    // no whole-input cap: a real cluster dump is any size; per-object budgets stop hostile input
    let mut options = ParseOptions { strict: cli.strict, max_input_bytes: usize::MAX, ..ParseOptions::default() };
    if let Some(max) = cli.max_input_bytes {
        options.max_input_bytes = max;
    }
    if let Some(max) = cli.max_documents {
        options.max_documents = max;
    }
    if let Some(max) = cli.max_nodes {
        options.max_nodes = max;
    }
    if let Some(max) = cli.max_string_bytes {
        options.max_string_bytes = max;
    }
    if let Some(outcome) = streamed_output(&cli, &options) {
        return match outcome {
            Ok(code) => ExitCode::from(code),
            Err(e) => report_error(&e),
        };
    }
    let outcome = match binary_output(&cli, &options) {
        Some(outcome) => outcome,
        None => run(&cli, options).map(|(text, code)| (text.into_bytes(), code)),
    };
    match outcome {
        Ok((bytes, code)) => match write_output(cli.output.as_ref(), &bytes) {
            Ok(()) => ExitCode::from(code),
            Err(e) => report_error(&e),
        },
        Err(e) => report_error(&e),
    }
}

fn report_error(e: &Error) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "{}", render::error_text(e));
    ExitCode::from(2)
}

fn write_output(path: Option<&PathBuf>, bytes: &[u8]) -> Result<(), Error> {
    match path {
        Some(p) => std::fs::write(p, bytes)
            .map_err(|e| Error::new(ErrorCode::Io, format!("cannot write `{}`: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(bytes);
            Ok(())
        }
    }
}

/// `analyze` without `--exposure`: its paths, format, filter and engine options.
fn plain_analyze(cli: &Cli) -> Option<(&[PathBuf], AnalyzeFormat, ConnectionFilter, EngineOptions)> {
    let Command::Analyze {
        paths,
        format,
        include_self,
        focus_workloads,
        focus_peers,
        focus_direction,
        focus_conn,
        ip_blocks_match_pods,
        exposure: false,
    } = &cli.command
    else {
        return None;
    };
    let filter = analyze_filter(*include_self, focus_workloads, focus_peers, *focus_direction, *focus_conn);
    Some((paths, *format, filter, engine_options(*ip_blocks_match_pods)))
}

/// The commands whose output is not text: `analyze --format arrow`. `None` for the others.
fn binary_output(cli: &Cli, options: &ParseOptions) -> Option<Result<(Vec<u8>, u8), Error>> {
    let (paths, AnalyzeFormat::Arrow, filter, engine) = plain_analyze(cli)? else {
        return None;
    };
    Some((|| {
        use std::io::IsTerminal;
        if cli.output.is_none() && std::io::stdout().is_terminal() {
            return Err(Error::new(ErrorCode::Output, "`--format arrow` writes a binary stream")
                .with_help("write it to a file with `--output FILE`, or pipe it to a program that reads Arrow"));
        }
        let request = AnalyzeRequest {
            sources: input::manifests(paths, &cli.cluster, Needed::Manifests)?,
            options: options.clone(),
            engine,
            filter,
            ..AnalyzeRequest::default()
        };
        let response = api::analyze_arrow(&request)?;
        for e in &response.errors {
            let _ = writeln!(std::io::stderr(), "{}", render::error_text(&Error::from(e.clone())));
        }
        warn_if_incomplete(&response.completeness, "");
        Ok((response.stream, u8::from(!response.errors.is_empty())))
    })())
}

/// `--focus-conn`: `PROTOCOL-PORT`, the protocol in any case, the port 1–65535.
fn parse_focus_conn(text: &str) -> Result<ProtocolPort, String> {
    let (protocol, port) =
        text.split_once('-').ok_or_else(|| format!("`{text}` is not PROTOCOL-PORT (for example tcp-8080)"))?;
    let protocol = Protocol::parse(&protocol.to_ascii_uppercase())
        .ok_or_else(|| format!("`{protocol}` is not a protocol (tcp, udp or sctp)"))?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("`{port}` is not a port number (1-65535)"))?;
    Ok(ProtocolPort { protocol, port })
}

/// `analyze`'s answer for `paths` (streamed: a `kubectl get -A -o json` dump of any size, its
/// text never held whole), rendered in `format` when it is a text format; errors of documents
/// printed on standard error.
fn analyze_response(
    cli: &Cli,
    paths: &[PathBuf],
    format: AnalyzeFormat,
    filter: ConnectionFilter,
    engine: EngineOptions,
    options: ParseOptions,
) -> Result<api::AnalyzeResponse, Error> {
    let set = input::resources(paths, &cli.cluster, Needed::Manifests, &options)?;
    let rendering = match format {
        AnalyzeFormat::Txt => Some(api::AnalyzeFormat::Txt),
        AnalyzeFormat::Canonical | AnalyzeFormat::Json | AnalyzeFormat::Grouped | AnalyzeFormat::Arrow => None,
        AnalyzeFormat::Csv => Some(api::AnalyzeFormat::Csv),
        AnalyzeFormat::Md => Some(api::AnalyzeFormat::Md),
        AnalyzeFormat::Dot => Some(api::AnalyzeFormat::Dot),
        AnalyzeFormat::Mermaid => Some(api::AnalyzeFormat::Mermaid),
    };
    let layout = (format == AnalyzeFormat::Grouped).then_some(api::AnalyzeLayout::Grouped);
    let request = AnalyzeRequest { sources: Vec::new(), options, engine, filter, format: rendering, layout };
    let response = api::analyze_resources(&request, &set)?;
    // the process ends after the answer is written: freeing 150,000 pods one allocation at a
    // time would cost a tenth of a second for memory the system takes back at once
    std::mem::forget(set);
    for e in &response.errors {
        let _ = writeln!(std::io::stderr(), "{}", render::error_text(&Error::from(e.clone())));
    }
    Ok(response)
}

/// The commands whose JSON output is written as it is made, never held whole: `analyze -o
/// canonical|json` (a large cluster's answer is hundreds of megabytes, and building it as one
/// string first cost more than computing it). `None` for the others.
fn streamed_output(cli: &Cli, options: &ParseOptions) -> Option<Result<u8, Error>> {
    let (paths, format @ (AnalyzeFormat::Canonical | AnalyzeFormat::Json), filter, engine) = plain_analyze(cli)? else {
        return None;
    };
    Some((|| {
        let mut response = analyze_response(cli, paths, format, filter, engine, options.clone())?;
        let records = std::mem::take(&mut response.connectivity.connections);
        // `json`: the response without its records, whose first field they are, spliced around
        // them (`{"connections": [], ...`)
        let rest = match format {
            AnalyzeFormat::Canonical => None,
            _ => {
                let text = to_json(&response)?;
                let after = text.strip_prefix("{\n  \"connections\": []").map(str::to_owned).ok_or_else(|| {
                    Error::new(
                        ErrorCode::Output,
                        "cannot encode output: the response does not start with its connections",
                    )
                    .with_help("this is a bug in netfence; `-o canonical` writes the records alone")
                })?;
                Some(after)
            }
        };
        write_streamed(cli.output.as_ref(), |out| match &rest {
            Some(after) => {
                out.write_all(b"{\n  \"connections\": ")?;
                netfence::report::canonical_json_indented(&records, "  ", &mut *out)?;
                out.write_all(after.as_bytes())
            }
            None => {
                netfence::report::canonical_json_to(&records, &mut *out)?;
                out.write_all(b"\n")
            }
        })?;
        warn_if_incomplete(&response.completeness, "");
        Ok(u8::from(!response.errors.is_empty()))
    })())
}

/// Writes through a buffer to `path`, or to standard output (whose errors, a closed pipe, are
/// not the command's).
fn write_streamed(
    path: Option<&PathBuf>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    const BUFFER: usize = 1 << 20;
    match path {
        Some(p) => {
            let cannot = |e: std::io::Error| Error::new(ErrorCode::Io, format!("cannot write `{}`: {e}", p.display()));
            let mut out = std::io::BufWriter::with_capacity(BUFFER, std::fs::File::create(p).map_err(cannot)?);
            write(&mut out).and_then(|()| out.flush()).map_err(cannot)
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(BUFFER, std::io::stdout().lock());
            let _ = write(&mut out).and_then(|()| out.flush());
            Ok(())
        }
    }
}

fn analyze_filter(
    include_self: bool,
    focus_workloads: &[String],
    focus_peers: &[String],
    focus_direction: Option<DirectionArg>,
    focus_connection: Option<ProtocolPort>,
) -> ConnectionFilter {
    ConnectionFilter {
        include_self,
        focus_workloads: focus_workloads.to_vec(),
        focus_workload_peers: focus_peers.to_vec(),
        focus_direction: focus_direction.map(|d| match d {
            DirectionArg::Ingress => Direction::Ingress,
            DirectionArg::Egress => Direction::Egress,
        }),
        focus_connection,
    }
}

fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_value(value)
        .map(|value| netfence::to_yaml(&value))
        .map_err(|e| Error::new(ErrorCode::Output, format!("cannot encode output: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::new(ErrorCode::Output, format!("cannot encode output: {e}")))
}

/// `Some(text)` when the command's output is the API's text rendering.
pub(crate) fn text_format(text: bool) -> Option<TextFormat> {
    text.then_some(TextFormat::Text)
}

/// Says on stderr what may make an answer incomplete (policy kinds not evaluated, unreadable
/// documents), unless `output` already shows it at its top.
pub(crate) fn warn_if_incomplete(completeness: &netfence::model::Completeness, output: &str) {
    if completeness.warnings.is_empty() || output.contains("warning[NF-W") {
        return;
    }
    let text = netfence::report::findings::warnings_text(&completeness.warnings);
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// The API's rendering when one was asked for, else the response as JSON.
pub(crate) fn rendered_or_json<T: serde::Serialize>(rendered: &Option<String>, response: &T) -> Result<String, Error> {
    match rendered {
        Some(text) => Ok(text.clone()),
        None => to_json(response),
    }
}

/// The output of a command whose formats are text, JSON and YAML.
fn structured<T: serde::Serialize>(format: Format, rendered: &Option<String>, response: &T) -> Result<String, Error> {
    match format {
        Format::Json => to_json(response),
        Format::Yaml => to_yaml(response),
        Format::Text => rendered_or_json(rendered, response),
    }
}

fn run(cli: &Cli, options: ParseOptions) -> Result<(String, u8), Error> {
    match &cli.command {
        Command::Parse { paths, format } => {
            let sources = input::manifests(paths, &cli.cluster, Needed::Manifests)?;
            let response =
                api::parse(&ParseRequest { sources, options, format: text_format(*format == Format::Text) })?;
            let text = structured(*format, &response.rendered, &response)?;
            Ok((text, u8::from(!response.errors.is_empty())))
        }
        Command::Validate { paths, format } => {
            let sources = input::manifests(paths, &cli.cluster, Needed::Manifests)?;
            let format_text = text_format(*format == Format::Text);
            let response = api::validate(&ValidateRequest { sources, options, format: format_text })?;
            let text = structured(*format, &response.rendered, &response)?;
            Ok((text, u8::from(!response.valid)))
        }
        Command::Lint { paths, config, format } => {
            let sources = input::manifests(paths, &cli.cluster, Needed::Manifests)?;
            let config = review::read_config(config.as_deref())?;
            let format_text = text_format(*format == Format::Text);
            let response =
                api::lint(&LintRequest { sources, config, options, format: format_text, ..LintRequest::default() })?;
            let text = structured(*format, &response.rendered, &response)?;
            warn_if_incomplete(&response.completeness, &text);
            let failed = !response.errors.is_empty()
                || response.findings.iter().any(|f| f.severity == netfence::model::Severity::Error);
            Ok((text, u8::from(failed)))
        }
        Command::Build { intent, format, api_version } => {
            let mut sources = input::read_sources(std::slice::from_ref(intent))?;
            let source = sources.pop().ok_or_else(|| Error::new(ErrorCode::Io, "no intent file given"))?;
            let api_version = api_version.map(|v| match v {
                ApiVersionArg::V1alpha2 => netfence::builder::GuardrailApiVersion::V1alpha2,
                ApiVersionArg::V1alpha1 => netfence::builder::GuardrailApiVersion::V1alpha1,
            });
            let response = api::build(&BuildRequest { source: Some(source), intent: None, api_version })?;
            let text = match format {
                Format::Json => {
                    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": response.policies});
                    to_json(&list)?
                }
                Format::Yaml | Format::Text => response.yaml,
            };
            Ok((text, 0))
        }
        Command::Analyze {
            paths,
            format,
            include_self,
            focus_workloads,
            focus_peers,
            focus_direction,
            focus_conn,
            ip_blocks_match_pods,
            exposure,
        } => {
            let filter = analyze_filter(*include_self, focus_workloads, focus_peers, *focus_direction, *focus_conn);
            if *exposure {
                let sources = input::manifests(paths, &cli.cluster, Needed::Manifests)?;
                return exposure::run(sources, options, engine_options(*ip_blocks_match_pods), filter, *format);
            }
            let mut response =
                analyze_response(cli, paths, *format, filter, engine_options(*ip_blocks_match_pods), options)?;
            // (`canonical` and `json` are written as they are made: `streamed_output`)
            let text = match (response.rendered.take(), format) {
                (Some(text), _) => text,
                (None, AnalyzeFormat::Canonical) => to_json(&response.connectivity.connections)?,
                (None, _) => to_json(&response)?,
            };
            warn_if_incomplete(&response.completeness, &text);
            Ok((text, u8::from(!response.errors.is_empty())))
        }
        Command::Explain { paths, from, to, port, protocol, format, ip_blocks_match_pods } => {
            let sources = input::manifests(paths, &cli.cluster, Needed::Manifests)?;
            let request = ExplainRequest {
                sources,
                options,
                engine: engine_options(*ip_blocks_match_pods),
                from: from.clone(),
                to: to.clone(),
                port: *port,
                protocol: protocol.map(|p| match p {
                    ProtocolArg::Tcp => Protocol::Tcp,
                    ProtocolArg::Udp => Protocol::Udp,
                    ProtocolArg::Sctp => Protocol::Sctp,
                }),
                format: text_format(*format == Format::Text),
            };
            let explanation = api::explain(&request)?;
            let text = structured(*format, &explanation.rendered, &explanation)?;
            warn_if_incomplete(&explanation.completeness, &text);
            Ok((text, 0))
        }
        Command::Diff { base, head, format, ip_blocks_match_pods } => {
            let request = DiffRequest {
                base: input::manifests(base, &cli.cluster, Needed::Base)?,
                head: input::read_sources(head)?,
                options,
                engine: engine_options(*ip_blocks_match_pods),
                filter: ConnectionFilter::default(),
                format: match format {
                    DiffFormat::Text => Some(api::DiffFormat::Text),
                    DiffFormat::Md => Some(api::DiffFormat::Md),
                    DiffFormat::Txt => Some(api::DiffFormat::Txt),
                    DiffFormat::Json => None,
                },
            };
            let response = api::diff(&request)?;
            for e in response.base_errors.iter().chain(&response.head_errors) {
                let _ = writeln!(std::io::stderr(), "{}", render::error_text(&Error::from(e.clone())));
            }
            let text = rendered_or_json(&response.rendered, &response)?;
            warn_if_incomplete(&response.completeness, &text);
            Ok((text, u8::from(!response.base_errors.is_empty() || !response.head_errors.is_empty())))
        }
        Command::Check { paths, requirements, format, ip_blocks_match_pods } => {
            let sources = input::manifests(paths, &cli.cluster, Needed::Manifests)?;
            let requirements = input::read_file(requirements)?;
            let mut request = CheckRequest::new(sources, requirements);
            request.options = options;
            request.engine = engine_options(*ip_blocks_match_pods);
            request.format = text_format(*format == Format::Text);
            let response = api::check(&request)?;
            let text = structured(*format, &response.rendered, &response)?;
            warn_if_incomplete(&response.completeness, &text);
            Ok((text, u8::from(!response.passed)))
        }
        Command::Flows { command } => flows::run_flows(command, options, &cli.cluster),
        Command::Generate(args) => flows::generate(args, options, &cli.cluster),
        Command::Impact(args) => flows::impact(args, options, &cli.cluster),
        Command::Drops(args) => flows::drops(args, options, &cli.cluster),
        Command::Audit(args) => flows::audit(args, options, &cli.cluster),
        Command::Review(args) => review::review(args, options, cli.output.is_some(), &cli.cluster),
        Command::Plan(args) => review::plan(args, options, &cli.cluster),
        Command::Snapshot => {
            let cluster = live::Cluster::connect(&cli.cluster)?;
            let read = live::read(&cluster, cli.cluster.page_size)?;
            live::report(&read);
            Ok((read.snapshot(), 0))
        }
        Command::Apply(args) => apply::apply(args, options, &cli.cluster),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "netfence", &mut out);
            Ok((String::from_utf8_lossy(&out).into_owned(), 0))
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| Error::new(ErrorCode::Output, format!("cannot render the man page: {e}")))?;
            Ok((String::from_utf8_lossy(&out).into_owned(), 0))
        }
        Command::Schema { name } => {
            let schema = api::schema(&SchemaRequest { name: name.clone() })?;
            Ok((to_json(&schema)?, 0))
        }
    }
}
