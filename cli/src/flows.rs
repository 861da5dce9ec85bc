//! The flow-log subcommands: `flows map`, `generate`, `impact`, `drops` and `audit`.
//!
//! Every one takes manifests as positional paths (files, directories, `-` for stdin; `impact`
//! takes `--base`/`--head` like `diff`) and flow logs with `--flows`, repeatable: Hubble JSON
//! (`hubble observe -o json`), the generic JSONL or CSV format, plain or gzip-compressed, `-` for
//! stdin. Flow logs are streamed (memory grows with distinct flows, not records) and handed to
//! the core's `*_with_log` operations; malformed lines are counted and listed on stderr.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use netfence::api::{self, AuditRequest, DropsRequest, FlowMapFormat, FlowMapRequest, GenerateRequest, ImpactRequest};
use netfence::flows::audit::AuditOptions;
use netfence::flows::drops::DropsOptions;
use netfence::flows::generate::{Generalise, GenerateOptions};
use netfence::flows::map::MapOptions;
use netfence::flows::{FlowFormat, FlowIngester, FlowLog, IngestOptions};
use netfence::report::flows as render;
use netfence::source::ParseOptions;
use netfence::{Error, ErrorCode, ErrorPayload};

use crate::input::Needed;
use crate::live::ClusterArgs;
use crate::{engine_options, input, rendered_or_json, text_format, warn_if_incomplete};

const FLOW_INPUTS: &str = "Flow logs (--flows, repeatable): Hubble JSON as `hubble observe -o json` writes it, or the generic \
format as JSON Lines or CSV with a header (time, srcNamespace, srcPod, srcIp, dstNamespace, dstPod, dstIp, protocol, \
dstPort, verdict). Files ending in .gz (or starting with the gzip magic) are decompressed; `-` reads standard input. The \
format is detected per file from its extension and first line unless --flow-format is given. Malformed lines are counted \
and the first ones listed on stderr with their line numbers; they never stop the command.";

/// The format of the flow logs.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowFormatArg {
    /// per file: `.csv` is CSV, otherwise the first line tells Hubble JSON from generic JSONL
    Auto,
    /// `hubble observe -o json`
    Hubble,
    /// the generic format as JSON Lines
    Jsonl,
    /// the generic format as CSV with a header row
    Csv,
}

/// The flow logs and how to read them.
#[derive(Args)]
pub struct FlowInputs {
    /// A flow log file (plain or .gz) or `-` for standard input; repeatable.
    #[arg(long = "flows", value_name = "FLOWS", required = true, long_help = FLOW_INPUTS)]
    flows: Vec<PathBuf>,
    /// The format of the flow logs.
    #[arg(long, value_enum, default_value = "auto")]
    flow_format: FlowFormatArg,
    /// How many malformed lines to list on stderr (all are counted).
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_malformed: usize,
    /// ipBlocks also match pod IPs from the inventory (CNIs such as Calico do this).
    #[arg(long)]
    ip_blocks_match_pods: bool,
}

impl FlowInputs {
    /// Flow logs given by path, in any format (`netfence review --flows`).
    #[must_use]
    pub fn paths(flows: Vec<PathBuf>) -> Self {
        Self { flows, flow_format: FlowFormatArg::Auto, max_malformed: 20, ip_blocks_match_pods: false }
    }
}

/// `netfence flows …`.
#[derive(Subcommand)]
pub enum FlowsCommand {
    /// The traffic map: per source, destination, protocol and port, the connections observed,
    /// first and last seen, verdicts, and whether the policies allow them.
    #[command(after_help = MAP_HELP)]
    Map(MapArgs),
}

const MAP_HELP: &str = "Examples:\n  netfence flows map --flows examples/online-shop/flows/hubble.jsonl examples/online-shop/manifests\n  \
hubble observe -o json --last 10000 | netfence flows map --flows - manifests/ -o mermaid\n  \
netfence flows map --flows day1.jsonl.gz --flows day2.jsonl.gz manifests/ --prefix 24 -o dot | dot -Tsvg > map.svg\n\n\
Manifests map pods and IPs to workloads; without them every in-cluster endpoint is unresolved.\n\n\
Exit codes: 0 ok, 1 some manifest documents could not be read, 2 usage or input error.";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MapFormat {
    /// an aligned table
    Text,
    Json,
    /// a Graphviz digraph
    Dot,
    /// a mermaid flowchart
    Mermaid,
}

/// `netfence flows map`.
#[derive(Args)]
pub struct MapArgs {
    /// Manifests (namespaces, workloads, pods, policies): files, directories, `-` for stdin.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    inputs: FlowInputs,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
    format: MapFormat,
    /// Aggregate external IPv4 addresses to this prefix length (e.g. 24).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=32))]
    prefix: Option<u8>,
    /// Aggregate external IPv6 addresses to this prefix length (e.g. 64).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=128))]
    prefix_v6: Option<u8>,
    /// Leave out flows with an endpoint the inventory does not know.
    #[arg(long)]
    skip_unresolved: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GenerateFormat {
    /// the policies as multi-document YAML, the summary as comments
    Yaml,
    /// the full result: policies, rules with provenance, verification, over-permission
    Json,
    /// the summary and every rule with its provenance
    Text,
}

/// `netfence generate`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  netfence generate --flows examples/online-shop/flows/hubble.jsonl examples/online-shop/manifests > policies.yaml\n  \
netfence generate --flows flows.jsonl.gz manifests/ --compare -o text\n  \
netfence generate --flows flows.csv manifests/ --prefix 24 --by-namespace -o json\n\n\
The policies: default deny per namespace, DNS egress, one policy per workload and direction allowing exactly the \
observed delivered flows, each rule annotated (netfence.dev/flows) with its flow count and first/last seen. The \
policies already in the manifests are ignored. The engine then checks that every observed flow is allowed and counts \
the allowed tuples never observed (the over-permission).\n\n\
Exit codes: 0 ok, 1 verification failed (an observed flow is denied) or manifest documents could not be read, \
2 usage or input error."
)]
pub struct GenerateArgs {
    /// Manifests (namespaces, workloads, pods): files, directories, `-` for stdin.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    inputs: FlowInputs,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "yaml")]
    format: GenerateFormat,
    /// External IPv4 peers as this prefix length (e.g. 24) instead of one /32 per address.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=32))]
    prefix: Option<u8>,
    /// External IPv6 peers as this prefix length instead of /128.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=128))]
    prefix_v6: Option<u8>,
    /// Peers are whole namespaces instead of workloads.
    #[arg(long)]
    by_namespace: bool,
    /// Ports of one rule fewer than N apart become one range (endPort).
    #[arg(long, value_name = "N")]
    port_range_gap: Option<u16>,
    /// Also build and measure every other generalisation (by namespace, port ranges).
    #[arg(long)]
    compare: bool,
    /// No allow-dns policy (DNS flows then get rules of their own).
    #[arg(long)]
    no_dns: bool,
    /// A namespace that gets no policies; repeatable (default: kube-system).
    #[arg(long = "exclude-namespace", value_name = "NS")]
    exclude_namespaces: Vec<String>,
    /// A label key to leave out of selectors, besides pod-template-hash and the like; repeatable.
    #[arg(long = "volatile-label", value_name = "KEY")]
    volatile_labels: Vec<String>,
    /// Also allow flows that were only dropped.
    #[arg(long)]
    include_dropped: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

/// `netfence impact`.
#[derive(Args)]
#[command(after_help = "Examples:\n  netfence impact --base main/ --head pr/ --flows flows.jsonl\n  \
kubectl get netpol,deploy,pod,ns -A -o yaml > live.yaml; netfence impact --base live.yaml --head pr/ --flows flows.jsonl.gz -o json\n\n\
Flows are mapped to workloads through the base manifests.\n\n\
Exit codes: 0 no observed flow is newly denied, 1 some are (the blast radius) or manifest documents could not be read, \
2 usage or input error.")]
pub struct ImpactArgs {
    /// The manifests before the change: files or directories (with --cluster, added to the cluster's objects).
    #[arg(long, num_args = 1..)]
    base: Vec<PathBuf>,
    /// The manifests after the change.
    #[arg(long, required = true, num_args = 1..)]
    head: Vec<PathBuf>,
    #[command(flatten)]
    inputs: FlowInputs,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
    format: ReportFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DropsFormat {
    /// each dropped flow with its cause and allowance
    Text,
    Json,
    /// only the allowances, as multi-document YAML
    Yaml,
}

/// `netfence drops`.
#[derive(Args)]
#[command(
    after_help = "Examples:\n  hubble observe -o json --verdict DROPPED | netfence drops --flows - manifests/\n  \
netfence drops --flows flows.jsonl manifests/ -o yaml > allowances.yaml\n\n\
Exit codes: 0 no dropped flow, 1 dropped flows found or manifest documents could not be read, 2 usage or input error."
)]
pub struct DropsArgs {
    /// The manifests as deployed (workloads, pods, policies): files, directories, `-` for stdin.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    inputs: FlowInputs,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
    format: DropsFormat,
    /// Also explain flows in policy audit mode (verdict AUDIT: they would be dropped).
    #[arg(long)]
    include_audit: bool,
    /// A label key to leave out of selectors, besides pod-template-hash and the like; repeatable.
    #[arg(long = "volatile-label", value_name = "KEY")]
    volatile_labels: Vec<String>,
}

/// `netfence audit`.
#[derive(Args)]
#[command(after_help = "Examples:\n  netfence audit --flows week.jsonl.gz examples/online-shop\n  \
netfence audit --flows flows.jsonl manifests/ --narrow-percent 10 -o json\n\n\
Exit codes: 0 nothing found, 1 unused or too-broad rules, policies selecting nothing, or manifest documents that \
could not be read; 2 usage or input error.")]
pub struct AuditArgs {
    /// The manifests as deployed (workloads, pods, policies): files, directories, `-` for stdin.
    paths: Vec<PathBuf>,
    #[command(flatten)]
    inputs: FlowInputs,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
    format: ReportFormat,
    /// A rule is too broad when the tuples it was used for are at most this percentage of those it allows.
    #[arg(long, value_name = "PERCENT", default_value_t = 25, value_parser = clap::value_parser!(u8).range(0..=100))]
    narrow_percent: u8,
    /// Connections listed per too-broad rule (all are counted).
    #[arg(long, value_name = "N", default_value_t = 50)]
    max_connections: usize,
}

/// A reader that advances the progress bar by the bytes it reads (compressed bytes for .gz).
struct Counted<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The format of one flow log: the option, else `.csv` (before any `.gz`) is CSV, else decided
/// from the first line.
fn format_of(path: &Path, option: FlowFormatArg) -> FlowFormat {
    match option {
        FlowFormatArg::Hubble => FlowFormat::Hubble,
        FlowFormatArg::Jsonl => FlowFormat::Jsonl,
        FlowFormatArg::Csv => FlowFormat::Csv,
        FlowFormatArg::Auto => {
            let name = path.to_string_lossy().to_ascii_lowercase();
            if name.trim_end_matches(".gz").ends_with(".csv") { FlowFormat::Csv } else { FlowFormat::Auto }
        }
    }
}

fn progress_bar(total: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template(
                "{spinner} reading flows {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} reading flows {bytes} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn io_error(name: &str, e: &std::io::Error) -> Error {
    Error::new(ErrorCode::Io, format!("cannot read `{name}`: {e}")).with_help("check the path and its permissions")
}

/// Streams one flow log (gzip detected by its magic bytes) into the ingester.
fn read_one(ingester: &mut FlowIngester, reader: impl Read, name: &str, format: FlowFormat) -> Result<(), Error> {
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    let gzip = buffered.fill_buf().map_err(|e| io_error(name, &e))?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        let decoder = flate2::bufread::MultiGzDecoder::new(buffered);
        ingester.read(BufReader::with_capacity(1 << 16, decoder), format, name)
    } else {
        ingester.read(buffered, format, name)
    }
}

/// Reads every flow log of `inputs`, with a progress bar on a terminal and the malformed lines
/// (and, on a terminal, what was read) on stderr.
pub fn read_flows(inputs: &FlowInputs) -> Result<FlowLog, Error> {
    let options = IngestOptions { max_reported_malformed: inputs.max_malformed, ..IngestOptions::default() };
    if inputs.flows.iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(Error::new(ErrorCode::InvalidRequest, "standard input (`-`) can be read only once")
            .with_help("pass `--flows -` at most once"));
    }
    let mut total = Some(0u64);
    for path in inputs.flows.iter().filter(|p| !is_stdin(p)) {
        let size = std::fs::metadata(path).map_err(|e| io_error(&path.display().to_string(), &e))?.len();
        total = total.map(|t| t + size);
    }
    if inputs.flows.iter().any(|p| is_stdin(p)) {
        total = None;
    }
    let bar = progress_bar(total);
    let mut ingester = FlowIngester::new(&options);
    for path in &inputs.flows {
        let format = format_of(path, inputs.flow_format);
        let result = if is_stdin(path) {
            read_one(&mut ingester, Counted { inner: std::io::stdin().lock(), bar: bar.clone() }, "<stdin>", format)
        } else {
            let name = path.display().to_string();
            let file = File::open(path).map_err(|e| io_error(&name, &e))?;
            read_one(&mut ingester, Counted { inner: file, bar: bar.clone() }, &name, format)
        };
        if let Err(e) = result {
            bar.finish_and_clear();
            return Err(e);
        }
    }
    bar.finish_and_clear();
    let log = ingester.finish();
    let report = log.report();
    if report.malformed > 0 || std::io::stderr().is_terminal() {
        let _ = std::io::stderr().write_all(render::ingest_text(report).as_bytes());
    }
    Ok(log)
}

/// Reads manifests, refusing stdin when a flow log already reads it.
fn manifests(
    paths: &[PathBuf],
    inputs: &FlowInputs,
    cluster: &ClusterArgs,
    needed: Needed,
) -> Result<Vec<api::Source>, Error> {
    if paths.iter().any(|p| is_stdin(p)) && inputs.flows.iter().any(|p| is_stdin(p)) {
        return Err(Error::new(ErrorCode::InvalidRequest, "standard input (`-`) can be read only once")
            .with_help("read either the manifests or the flow log from standard input, not both"));
    }
    input::manifests(paths, cluster, needed)
}

/// Prints manifest documents that could not be read; exit code 1 when there are some.
fn report_errors(errors: &[ErrorPayload]) -> u8 {
    for e in errors {
        let _ = writeln!(std::io::stderr(), "{}", crate::render::error_text(&Error::from(e.clone())));
    }
    u8::from(!errors.is_empty())
}

/// `netfence flows …`.
pub fn run_flows(command: &FlowsCommand, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    match command {
        FlowsCommand::Map(args) => map(args, options, cluster),
    }
}

fn map(args: &MapArgs, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    let sources = manifests(&args.paths, &args.inputs, cluster, Needed::Optional)?;
    let log = read_flows(&args.inputs)?;
    let request = FlowMapRequest {
        sources,
        flows: Vec::new(),
        options,
        engine: engine_options(args.inputs.ip_blocks_match_pods),
        ingest: IngestOptions::default(),
        map: MapOptions {
            external_prefix_v4: args.prefix,
            external_prefix_v6: args.prefix_v6,
            skip_unresolved: args.skip_unresolved,
        },
        format: match args.format {
            MapFormat::Text => Some(FlowMapFormat::Text),
            MapFormat::Json => None,
            MapFormat::Dot => Some(FlowMapFormat::Dot),
            MapFormat::Mermaid => Some(FlowMapFormat::Mermaid),
        },
    };
    let response = api::flow_map_with_log(&request, &log)?;
    let code = report_errors(&response.errors);
    let text = rendered_or_json(&response.rendered, &response)?;
    warn_if_incomplete(&response.completeness, &text);
    Ok((text, code))
}

/// `netfence generate`.
pub fn generate(args: &GenerateArgs, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    let sources = manifests(&args.paths, &args.inputs, cluster, Needed::Manifests)?;
    let log = read_flows(&args.inputs)?;
    let defaults = GenerateOptions::default();
    let request = GenerateRequest {
        sources,
        flows: Vec::new(),
        options,
        engine: engine_options(args.inputs.ip_blocks_match_pods),
        ingest: IngestOptions::default(),
        generate: GenerateOptions {
            dns: !args.no_dns,
            exclude_namespaces: if args.exclude_namespaces.is_empty() {
                defaults.exclude_namespaces.clone()
            } else {
                args.exclude_namespaces.clone()
            },
            external_prefix_v4: args.prefix,
            external_prefix_v6: args.prefix_v6,
            volatile_labels: args.volatile_labels.clone(),
            include_dropped: args.include_dropped,
            generalise: Generalise { by_namespace: args.by_namespace, port_range_gap: args.port_range_gap },
            compare: args.compare,
            ..defaults
        },
        format: match args.format {
            GenerateFormat::Yaml => Some(api::GenerateFormat::Yaml),
            GenerateFormat::Json => None,
            GenerateFormat::Text => Some(api::GenerateFormat::Text),
        },
    };
    let response = api::generate_with_log(&request, &log)?;
    let failed = !response.generated.verification.denied.is_empty();
    let code = report_errors(&response.errors).max(u8::from(failed));
    let text = rendered_or_json(&response.rendered, &response)?;
    warn_if_incomplete(&response.completeness, &text);
    Ok((text, code))
}

/// `netfence impact`.
pub fn impact(args: &ImpactArgs, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    let base = manifests(&args.base, &args.inputs, cluster, Needed::Base)?;
    let head = manifests(&args.head, &args.inputs, &ClusterArgs::default(), Needed::Manifests)?;
    let log = read_flows(&args.inputs)?;
    let request = ImpactRequest {
        base,
        head,
        flows: Vec::new(),
        options,
        engine: engine_options(args.inputs.ip_blocks_match_pods),
        ingest: IngestOptions::default(),
        format: text_format(args.format == ReportFormat::Text),
    };
    let response = api::impact_with_log(&request, &log)?;
    let code = report_errors(&response.errors).max(u8::from(!response.impact.newly_denied.is_empty()));
    let text = rendered_or_json(&response.rendered, &response)?;
    warn_if_incomplete(&response.completeness, &text);
    Ok((text, code))
}

/// `netfence drops`.
pub fn drops(args: &DropsArgs, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    let sources = manifests(&args.paths, &args.inputs, cluster, Needed::Manifests)?;
    let log = read_flows(&args.inputs)?;
    let request = DropsRequest {
        sources,
        flows: Vec::new(),
        options,
        engine: engine_options(args.inputs.ip_blocks_match_pods),
        ingest: IngestOptions::default(),
        drops: DropsOptions { volatile_labels: args.volatile_labels.clone(), include_audit: args.include_audit },
        format: text_format(args.format == DropsFormat::Text),
    };
    let response = api::drops_with_log(&request, &log)?;
    let code = report_errors(&response.errors).max(u8::from(!response.drops.is_empty()));
    let text = match args.format {
        DropsFormat::Text | DropsFormat::Json => rendered_or_json(&response.rendered, &response)?,
        DropsFormat::Yaml => {
            let documents: Vec<&str> = response.drops.iter().filter_map(|d| d.allowance.as_deref()).collect();
            documents.iter().map(|d| if d.starts_with("---") { (*d).to_owned() } else { format!("---\n{d}") }).collect()
        }
    };
    warn_if_incomplete(&response.completeness, &text);
    Ok((text, code))
}

/// `netfence audit`.
pub fn audit(args: &AuditArgs, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    let sources = manifests(&args.paths, &args.inputs, cluster, Needed::Manifests)?;
    let log = read_flows(&args.inputs)?;
    let request = AuditRequest {
        sources,
        flows: Vec::new(),
        options,
        engine: engine_options(args.inputs.ip_blocks_match_pods),
        ingest: IngestOptions::default(),
        audit: AuditOptions {
            narrow_percent: args.narrow_percent,
            max_connections: args.max_connections,
            ..AuditOptions::default()
        },
        format: text_format(args.format == ReportFormat::Text),
    };
    let response = api::audit_with_log(&request, &log)?;
    let a = &response.audit;
    let found = !(a.unused.is_empty()
        && a.too_broad.is_empty()
        && a.selecting_nothing.is_empty()
        && a.unused_cluster_rules.is_empty());
    let code = report_errors(&response.errors).max(u8::from(found));
    let text = rendered_or_json(&response.rendered, &response)?;
    warn_if_incomplete(&response.completeness, &text);
    Ok((text, code))
}
