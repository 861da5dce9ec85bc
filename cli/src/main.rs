//! `netfence`: Kubernetes NetworkPolicy checks for CI.
//!
//! Exit codes: 0 ok; 1 findings or failures over the threshold; 2 usage or input error.

mod input;
mod render;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use netfence::api::{self, BuildRequest, ParseRequest, SchemaRequest, ValidateRequest};
use netfence::parse::ParseOptions;
use netfence::{Error, ErrorCode};

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
    /// Largest input accepted, in bytes.
    #[arg(long, global = true, value_name = "BYTES")]
    max_input_bytes: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Yaml,
}

#[derive(Subcommand)]
enum Command {
    /// List the resources in manifests (files, directories, `-` for stdin).
    #[command(after_help = "Example:\n  netfence parse examples/online-shop/manifests -o json")]
    Parse {
        /// Manifest files or directories; `-` reads standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
    },
    /// Report what the Kubernetes API server would reject in NetworkPolicies.
    #[command(after_help = "Examples:\n  netfence validate policies/\n  kubectl get netpol -A -o json | netfence validate - -o json")]
    Validate {
        /// Manifest files or directories; `-` reads standard input.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(short = 'o', long = "format", value_enum, default_value = "text")]
        format: Format,
    },
    /// Compile an intent file into default-deny-plus-allow NetworkPolicies.
    #[command(after_help = "Examples:\n  netfence build examples/online-shop/intent.yaml > policies.yaml\n  netfence build intent.yaml -o json")]
    Build {
        /// The intent file (`apiVersion: netfence.dev/v1alpha1`, `kind: Intent`); `-` reads stdin.
        intent: PathBuf,
        /// Output format: yaml (what `kubectl apply -f` takes) or json (a v1 List).
        #[arg(short = 'o', long = "format", value_enum, default_value = "yaml")]
        format: Format,
    },
    /// Print a JSON Schema: `intent`, `error`, or `<operation>-request`/`-response`.
    #[command(after_help = "Example:\n  netfence schema intent > intent.schema.json")]
    Schema {
        /// Which schema.
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut options = ParseOptions { strict: cli.strict, ..ParseOptions::default() };
    if let Some(max) = cli.max_input_bytes {
        options.max_input_bytes = max;
    }
    match run(&cli, options) {
        Ok((text, code)) => match write_output(cli.output.as_ref(), &text) {
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

fn write_output(path: Option<&PathBuf>, text: &str) -> Result<(), Error> {
    match path {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| Error::new(ErrorCode::Io, format!("cannot write `{}`: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            Ok(())
        }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| Error::new(ErrorCode::Output, format!("cannot encode output: {e}")))
}

fn run(cli: &Cli, options: ParseOptions) -> Result<(String, u8), Error> {
    match &cli.command {
        Command::Parse { paths, format } => {
            let sources = input::read_sources(paths)?;
            let response = api::parse(&ParseRequest { sources, options })?;
            let text = match format {
                Format::Json | Format::Yaml => to_json(&response)?,
                Format::Text => render::parse_text(&response),
            };
            Ok((text, u8::from(!response.errors.is_empty())))
        }
        Command::Validate { paths, format } => {
            let sources = input::read_sources(paths)?;
            let response = api::validate(&ValidateRequest { sources, options })?;
            let text = match format {
                Format::Json | Format::Yaml => to_json(&response)?,
                Format::Text => render::validate_text(&response),
            };
            Ok((text, u8::from(!response.valid)))
        }
        Command::Build { intent, format } => {
            let mut sources = input::read_sources(std::slice::from_ref(intent))?;
            let source = sources.pop().ok_or_else(|| Error::new(ErrorCode::Io, "no intent file given"))?;
            let response = api::build(&BuildRequest { source: Some(source), intent: None })?;
            let text = match format {
                Format::Json => {
                    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": response.policies});
                    to_json(&list)?
                }
                Format::Yaml | Format::Text => response.yaml,
            };
            Ok((text, 0))
        }
        Command::Schema { name } => {
            let schema = api::schema(&SchemaRequest { name: name.clone() })?;
            Ok((to_json(&schema)?, 0))
        }
    }
}
