//! The `netfence` binary; the command line lives in the library so `kubectl-netfence` shares it.

fn main() -> std::process::ExitCode {
    netfence_cli::main()
}
