//! The binaries: kube-apiserver built from the Go module proxy (`tools/kube-apiserver/`) and
//! cached by version, and Debian's etcd.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The Kubernetes version of the API server the tests run.
pub const KUBERNETES_VERSION: &str = "v1.34.4";

/// Set to `1` to skip the tests that need an API server (loudly) where Go or etcd cannot be had.
pub const SKIP_VARIABLE: &str = "NETFENCE_SKIP_APISERVER";

/// A prebuilt kube-apiserver to use instead of the cached build.
pub const BINARY_VARIABLE: &str = "NETFENCE_KUBE_APISERVER";

/// The repository root.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The scratch Go module that builds the server.
#[must_use]
pub fn module_dir() -> PathBuf {
    repo_root().join("tools/kube-apiserver")
}

/// The vendored network-policy-api CRDs the harness installs.
#[must_use]
pub fn crd_dir() -> PathBuf {
    repo_root().join("tests/crds/network-policy-api")
}

/// Where built binaries are kept between runs: `NETFENCE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/netfence`, else `~/.cache/netfence` (beside Go's own build cache, so a
/// machine that keeps one keeps both).
#[must_use]
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NETFENCE_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("netfence");
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache/netfence")
}

/// Linker flags: the version `/version` reports.
fn ldflags() -> String {
    let minor = KUBERNETES_VERSION.split('.').nth(1).unwrap_or("0");
    format!(
        "-X k8s.io/component-base/version.gitVersion={KUBERNETES_VERSION} \
         -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor={minor}"
    )
}

/// 64-bit FNV-1a, enough to tell builds of different module files apart.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325_u64;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The cached binary's path: keyed by the version and a hash of `go.mod`, `go.sum` and the
/// linker flags, so a change to any of them builds anew.
///
/// # Errors
/// When the module files cannot be read.
pub fn cached_apiserver() -> Result<PathBuf, String> {
    let dir = module_dir();
    let read = |name: &str| {
        std::fs::read(dir.join(name)).map_err(|e| format!("cannot read `{}`: {e}", dir.join(name).display()))
    };
    let (go_mod, go_sum) = (read("go.mod")?, read("go.sum")?);
    let key = fnv1a(&[&go_mod, &go_sum, ldflags().as_bytes()]);
    Ok(cache_dir().join(format!("kube-apiserver-{KUBERNETES_VERSION}-{key:016x}")).join("kube-apiserver"))
}

/// Writes straight to the process's standard error, past the test harness's capture, so a
/// long build is never silent.
pub fn say(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// The Go toolchain's version (`go1.26.8`), or why there is none.
///
/// # Errors
/// When `go` cannot be run.
pub fn go_version() -> Result<String, String> {
    let out = Command::new("go").arg("env").arg("GOVERSION").output().map_err(|e| {
        format!("Go is not installed (`go`: {e}); kube-apiserver {KUBERNETES_VERSION} is built from the Go module proxy and needs Go 1.24 or newer")
    })?;
    if !out.status.success() {
        return Err(format!("`go env GOVERSION` failed: {}", String::from_utf8_lossy(&out.stderr).trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The kube-apiserver binary: `NETFENCE_KUBE_APISERVER`, else the cached build, else built now
/// with Go (about 8 minutes on 2 cores the first time; Go's build cache makes a rebuild quick).
///
/// # Errors
/// When Go is missing or the build fails.
pub fn ensure_apiserver() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(BINARY_VARIABLE).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(format!("{BINARY_VARIABLE} names `{}`, which is not a file", path.display()))
        };
    }
    let binary = cached_apiserver()?;
    if binary.is_file() {
        return Ok(binary);
    }
    let go = go_version()?;
    let parent = binary.parent().map_or_else(cache_dir, Path::to_path_buf);
    std::fs::create_dir_all(&parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    say(&format!(
        "netfence-testkit: building kube-apiserver {KUBERNETES_VERSION} with {go} (about 8 minutes on 2 cores the \
         first time) into {}",
        binary.display()
    ));
    let started = std::time::Instant::now();
    // a build of its own name, renamed when complete: concurrent builds never see half a file
    let partial = parent.join(format!("kube-apiserver.partial-{}", std::process::id()));
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&partial)
        .arg(format!("-ldflags={}", ldflags()))
        .arg("k8s.io/kubernetes/cmd/kube-apiserver")
        .current_dir(module_dir())
        .env("GOFLAGS", "-mod=readonly")
        .status()
        .map_err(|e| format!("cannot run `go build`: {e}"))?;
    if !status.success() {
        let _ = std::fs::remove_file(&partial);
        return Err(format!(
            "`go build k8s.io/kubernetes/cmd/kube-apiserver` failed ({status}) in `{}`",
            module_dir().display()
        ));
    }
    std::fs::rename(&partial, &binary).map_err(|e| format!("cannot move the build to `{}`: {e}", binary.display()))?;
    say(&format!("netfence-testkit: built kube-apiserver in {:.0}s", started.elapsed().as_secs_f64()));
    Ok(binary)
}

/// Debian's etcd (`apt-get install etcd-server`).
///
/// # Errors
/// When it is not installed.
pub fn etcd() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("etcd"))
        .find(|p| p.is_file())
    {
        return Ok(path);
    }
    Err("etcd is not installed: `apt-get install etcd-server` (`cargo xtask test` does it)".to_owned())
}

/// `openssl`, which makes the test certificates and the service-account key.
///
/// # Errors
/// When it cannot be run.
pub fn openssl_present() -> Result<(), String> {
    match Command::new("openssl").arg("version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err("openssl is not installed: `apt-get install openssl`".to_owned()),
    }
}

/// Whether the tests that need an API server are to be skipped (`NETFENCE_SKIP_APISERVER=1`).
#[must_use]
pub fn skip_requested() -> bool {
    std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1")
}
