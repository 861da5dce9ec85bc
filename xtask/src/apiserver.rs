//! `cargo xtask apiserver [build|start]` and the API-server step of `cargo xtask test`.
//!
//! The tests against a real Kubernetes API server (`cli/tests/apiserver/`) need kube-apiserver
//! (built from the Go module proxy by `tools/kube-apiserver/`, cached under
//! `~/.cache/netfence/` beside Go's build cache), Debian's etcd and openssl. `cargo xtask test`
//! installs etcd and openssl with apt-get when missing and builds the server first; where Go or
//! etcd cannot be had it stops, loudly, unless `NETFENCE_SKIP_APISERVER=1` is set (then the
//! tests say they skipped).

use crate::{bindings, cargo, run};

/// The build and cache of kube-apiserver, shared with the test support crate (std only, so
/// xtask does not compile the Kubernetes client to build the server).
#[path = "../../testkit/src/build.rs"]
#[allow(dead_code)]
mod build;

const SKIP: &str = "NETFENCE_SKIP_APISERVER";

/// `cargo xtask apiserver build|start`: the test-support binary of `testkit/`.
pub fn command(args: &[String]) -> Result<(), String> {
    let sub = args.first().map_or("start", String::as_str);
    if !matches!(sub, "build" | "start") {
        return Err(format!("unknown `apiserver {sub}`: use `build` or `start`"));
    }
    prerequisites()?;
    if sub == "build" {
        let binary = build::ensure_apiserver()?;
        println!("{}", binary.display());
        return Ok(());
    }
    run(&cargo(), &["run", "--quiet", "--locked", "-p", "netfence-testkit", "--bin", "netfence-apiserver", "--", sub])
}

fn skip_requested() -> bool {
    std::env::var(SKIP).is_ok_and(|v| v == "1")
}

/// etcd and openssl from Debian's packages, and Go.
fn prerequisites() -> Result<(), String> {
    bindings::ensure_debian_package("/usr/bin/etcd", "etcd-server")?;
    bindings::ensure_debian_package("/usr/bin/openssl", "openssl")?;
    if !crate::succeeds("go", &["version"]) {
        return Err("Go is not installed: kube-apiserver is built from the Go module proxy and needs Go 1.24 or newer"
            .to_owned());
    }
    Ok(())
}

/// Before `cargo test`: the server built and cached, etcd and openssl installed; or, with
/// `NETFENCE_SKIP_APISERVER=1`, a loud note that those tests will skip.
pub fn prepare_tests() -> Result<(), String> {
    if skip_requested() {
        eprintln!(
            "\n!!! {SKIP}=1: the tests against a real kube-apiserver (cli/tests/apiserver) will SKIP; the validation \
             differential, live reading and `netfence apply` are not tested in this run !!!\n"
        );
        return Ok(());
    }
    let ready = prerequisites().and_then(|()| command(&["build".to_owned()]));
    ready.map_err(|e| {
        format!(
            "\n!!! the tests against a real kube-apiserver cannot run: {e}\n!!! install Go and `apt-get install \
             etcd-server`, or set {SKIP}=1 to skip them on purpose\n"
        )
    })
}
