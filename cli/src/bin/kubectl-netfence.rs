//! `kubectl netfence ...`: the same command line, installed as a kubectl plugin (kubectl runs any
//! `kubectl-<name>` executable on the PATH as `kubectl <name>`).

fn main() -> std::process::ExitCode {
    netfence_cli::main()
}
