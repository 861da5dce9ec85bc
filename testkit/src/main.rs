//! `netfence-apiserver build|start` (what `cargo xtask apiserver` runs).
//!
//! - `build`: makes sure kube-apiserver is built and cached, and etcd and openssl are there;
//!   prints the binary's path.
//! - `start`: starts etcd and the API server with the CRDs, prints the kubeconfig's path and
//!   serves until standard input closes or a line is entered; then stops both and cleans up.

use std::io::BufRead;
use std::process::ExitCode;

use netfence_testkit::{ApiServer, build};

fn main() -> ExitCode {
    let command = std::env::args().nth(1).unwrap_or_default();
    let result = match command.as_str() {
        "build" => build::ensure_apiserver().and_then(|path| {
            build::etcd()?;
            build::openssl_present()?;
            println!("{}", path.display());
            Ok(())
        }),
        "start" => ApiServer::start().map(|server| {
            println!("{}", server.kubeconfig.display());
            eprintln!(
                "kube-apiserver {} on https://127.0.0.1:{}; try `KUBECONFIG={} netfence snapshot --cluster`; \
                 press Enter (or close standard input) to stop it",
                build::KUBERNETES_VERSION,
                server.port,
                server.kubeconfig.display()
            );
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            drop(server);
        }),
        _ => Err("usage: netfence-apiserver build|start".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("netfence-apiserver: {e}");
            ExitCode::FAILURE
        }
    }
}
