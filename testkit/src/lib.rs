//! Test support for netfence: a real Kubernetes API server for the tests that need one.
//!
//! [`ApiServer::start`] runs Debian's etcd and a kube-apiserver built from the Go module proxy
//! (`tools/kube-apiserver/`, cached by version under [`build::cache_dir`]) on free loopback
//! ports, installs the network-policy-api CRDs (`tests/crds/`) and writes a kubeconfig whose
//! context `test` is an admin. Dropping it stops both processes and removes the data directory.
//! `cargo xtask apiserver build|start` runs the same code from the command line.

pub mod build;
mod server;

pub use build::{KUBERNETES_VERSION, SKIP_VARIABLE, skip_requested};
pub use server::{ApiServer, CONTEXT, get};

/// A tokio runtime for the async client (the harness and the tests are synchronous).
///
/// # Errors
/// When the runtime cannot be built.
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("cannot start tokio: {e}"))
}
