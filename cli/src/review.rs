//! `netfence review` (the approval step for a change) and `netfence plan` (the rollout order
//! and its rollback, as numbered YAML files).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use netfence::api::ReviewFormat;
use netfence::api::{self, PlanRequest, PlanResponse, ReviewRequest};
use netfence::plan::PlanStep;
use netfence::review;
use netfence::source::ParseOptions;
use netfence::{Error, ErrorCode};

use crate::input::Needed;
use crate::live::ClusterArgs;
use crate::{engine_options, input};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReviewFormatArg {
    /// grouped by file, with source excerpts (coloured on a terminal unless NO_COLOR is set)
    Text,
    /// the review response
    Json,
    /// SARIF 2.1.0, for code scanning
    Sarif,
    /// a pull-request comment
    Md,
    /// a change record: content hashes of base and head, tool, verdict, findings, diff
    Record,
    /// a GitLab code quality report (`artifacts:reports:codequality`)
    Codequality,
}

/// Review manifests: API validation and checks, and with `--base` what the change opens and
/// closes, the findings it introduces and the change-review checks (NF4xx).
#[derive(Args)]
#[command(after_help = "Examples:
  netfence review manifests/ policies/
  netfence review manifests/ pr/ --base manifests/ main/ --requirements requirements.yaml -o md
  netfence review pr/ --base main/ --config netfence.yaml -o sarif --output netfence.sarif

The verdict is `fail` when a finding reaches `thresholds.failOn` (default: error), a requirement
fails or a document cannot be read; `warn` when one reaches `thresholds.warnOn` (default: warning).

Exit codes: 0 pass or warn, 1 fail, 2 usage or input error.")]
pub struct ReviewArgs {
    /// The proposed state: manifest files or directories; `-` reads standard input.
    paths: Vec<PathBuf>,
    /// The state before the change (e.g. the target branch's manifests).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    base: Vec<PathBuf>,
    /// A requirements file (`kind: Requirements`), checked against the proposed state.
    #[arg(long, short = 'r', value_name = "FILE")]
    requirements: Option<PathBuf>,
    /// The configuration (`kind: Config`: checks, severities, thresholds).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
    format: ReviewFormatArg,
    /// ipBlocks also match pod IPs from the inventory.
    #[arg(long)]
    ip_blocks_match_pods: bool,
    /// An observed flow log (Hubble JSON, JSONL or CSV; plain or .gz; `-` for stdin);
    /// repeatable. With --base: the observed flows the change newly denies or allows.
    #[arg(long = "flows", value_name = "FLOWS")]
    flows: Vec<PathBuf>,
}

/// Plan a rollout: the order to apply so nothing the head keeps is blocked on the way, and
/// the rollback to the base, as numbered YAML files.
#[derive(Args)]
#[command(after_help = "Example:
  netfence plan --base main/ --head pr/ --out plan/

Writes DIR/NN-<step>.yaml, DIR/rollback/NN-<step>.yaml and DIR/README.md with the commands.
Exit codes: 0 ok, 1 documents could not be read (the plan ignores them), 2 usage or input error.")]
pub struct PlanArgs {
    /// The policies in the cluster now: files or directories (with --cluster, added to the cluster's objects).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    base: Vec<PathBuf>,
    /// The policies wanted.
    #[arg(long, required = true, num_args = 1.., value_name = "PATH")]
    head: Vec<PathBuf>,
    /// The directory to write the steps to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Print the plan as JSON instead of a text summary.
    #[arg(long)]
    json: bool,
}

/// The configuration file (`kind: Config`) at `path`, or the default.
pub fn read_config(path: Option<&Path>) -> Result<review::Config, Error> {
    match path {
        Some(path) => {
            let source = input::read_file(path)?;
            review::parse_config(&source.text, &source.name)
        }
        None => Ok(review::Config::default()),
    }
}

/// `netfence review`. `to_file`: the output goes to a file (so never coloured).
pub fn review(
    args: &ReviewArgs,
    options: ParseOptions,
    to_file: bool,
    cluster: &ClusterArgs,
) -> Result<(String, u8), Error> {
    let sources = input::manifests(&args.paths, cluster, Needed::Manifests)?;
    let base = if args.base.is_empty() { None } else { Some(input::read_sources(&args.base)?) };
    let requirements = args.requirements.as_deref().map(input::read_file).transpose()?;
    let config = read_config(args.config.as_deref())?;
    let format = match args.format {
        ReviewFormatArg::Text => ReviewFormat::Text,
        ReviewFormatArg::Json => ReviewFormat::Json,
        ReviewFormatArg::Sarif => ReviewFormat::Sarif,
        ReviewFormatArg::Md => ReviewFormat::Markdown,
        ReviewFormatArg::Record => ReviewFormat::Record,
        ReviewFormatArg::Codequality => ReviewFormat::Codequality,
    };
    let color =
        !to_file && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let request = ReviewRequest {
        sources,
        base,
        requirements,
        config,
        options,
        engine: engine_options(args.ip_blocks_match_pods),
        format: Some(format),
        color,
        flows: Vec::new(),
    };
    let log = if args.flows.is_empty() {
        None
    } else {
        if args.flows.iter().any(|p| p.as_os_str() == "-")
            && args.paths.iter().chain(&args.base).any(|p| p.as_os_str() == "-")
        {
            return Err(Error::new(ErrorCode::InvalidRequest, "standard input (`-`) can be read only once")
                .with_help("pass `-` to either the manifests or `--flows`, not both"));
        }
        Some(crate::flows::read_flows(&crate::flows::FlowInputs::paths(args.flows.clone()))?)
    };
    let response = api::review_with_log(&request, log.as_ref())?;
    let text = response.rendered.clone().unwrap_or_default();
    crate::warn_if_incomplete(&response.review.completeness, &text);
    Ok((text, response.review.exit_code))
}

/// `netfence plan`: writes the step files, returns a summary.
pub fn plan(args: &PlanArgs, options: ParseOptions, cluster: &ClusterArgs) -> Result<(String, u8), Error> {
    let request = PlanRequest {
        base: input::manifests(&args.base, cluster, Needed::Base)?,
        head: input::read_sources(&args.head)?,
        options,
    };
    let response = api::plan(&request)?;
    write_steps(&args.out, &response.steps)?;
    write_steps(&args.out.join("rollback"), &response.rollback)?;
    write(&args.out.join("README.md"), &readme(&response))?;
    let code = u8::from(!response.base_errors.is_empty() || !response.head_errors.is_empty());
    let text = if args.json { crate::to_json(&response)? } else { summary(&args.out, &response) };
    Ok((text, code))
}

fn write_steps(dir: &Path, steps: &[PlanStep]) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(ErrorCode::Io, format!("cannot create `{}`: {e}", dir.display())))?;
    // stale step files of an earlier plan would be applied by a `0*.yaml` loop: remove them
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::new(ErrorCode::Io, format!("cannot read `{}`: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let numbered =
            name.len() > 3 && name.as_bytes().iter().take(2).all(u8::is_ascii_digit) && name.ends_with(".yaml");
        if numbered && !steps.iter().any(|s| s.file == name) {
            std::fs::remove_file(entry.path())
                .map_err(|e| Error::new(ErrorCode::Io, format!("cannot remove stale `{name}`: {e}")))?;
        }
    }
    for step in steps {
        write(&dir.join(&step.file), &step.yaml)?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::new(ErrorCode::Io, format!("cannot write `{}`: {e}", path.display())))
}

/// Policies named per step in the summary and the README; the step's file holds them all.
const NAMED_PER_STEP: usize = 10;

fn step_lines(steps: &[PlanStep]) -> String {
    let mut out = String::new();
    for step in steps {
        let mut names: Vec<String> =
            step.policies.iter().take(NAMED_PER_STEP).map(|p| format!("{}/{}", p.namespace, p.name)).collect();
        if step.policies.len() > NAMED_PER_STEP {
            names.push(format!("and {} more", step.policies.len() - NAMED_PER_STEP));
        }
        out.push_str(&format!("  {}. {}  ({})\n", step.number, step.command, names.join(", ")));
    }
    out
}

fn summary(out: &Path, r: &PlanResponse) -> String {
    let dir = out.display();
    let mut text = if r.steps.is_empty() {
        format!("nothing to do: base and head have the same policies ({} unchanged)\n", r.unchanged)
    } else {
        format!(
            "rollout ({} steps, {} policies unchanged), in {dir}:\n{}",
            r.steps.len(),
            r.unchanged,
            step_lines(&r.steps)
        )
    };
    if !r.rollback.is_empty() {
        text.push_str(&format!("rollback, in {dir}/rollback:\n{}", step_lines(&r.rollback)));
    }
    for e in r.base_errors.iter().chain(&r.head_errors) {
        text.push_str(&format!("error[{}]: {} (ignored)\n", e.code.as_str(), e.message));
    }
    text
}

fn readme(r: &PlanResponse) -> String {
    let mut text = String::from(
        "# Rollout plan\n\nGenerated by `netfence plan`. Run the steps in order from this directory; \
         allowances go first, new isolation next, deletions of allowances last, so the rollout \
         never blocks traffic the new policies keep.\n\n",
    );
    text.push_str(&step_lines(&r.steps));
    text.push_str("\n## Rollback\n\nFrom `rollback/`, in order, to restore the base:\n\n");
    text.push_str(&step_lines(&r.rollback));
    text
}
