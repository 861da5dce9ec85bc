//! etcd and kube-apiserver on free loopback ports with a temporary data directory, the
//! network-policy-api CRDs installed and a kubeconfig written; both processes stopped by PID and
//! the directory removed when the [`ApiServer`] is dropped (also when a test panics). Instances
//! left behind by a killed test run are found by their directory and stopped at the next start.

use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::build::{ensure_apiserver, etcd, openssl_present, say};

/// The context the kubeconfig names (`netfence analyze --context test`).
pub const CONTEXT: &str = "test";

/// The bearer token of the test user (group `system:masters`).
const TOKEN: &str = "netfence-test-token";

/// How long etcd and the API server may take to become ready.
const READY_WITHIN: Duration = Duration::from_secs(120);

/// A running etcd + kube-apiserver. Dropping it stops both and removes its directory.
pub struct ApiServer {
    dir: PathBuf,
    etcd: Option<Child>,
    apiserver: Option<Child>,
    /// The API server's HTTPS port on 127.0.0.1.
    pub port: u16,
    /// A kubeconfig whose context [`CONTEXT`] (the current one) reaches the server as an admin.
    pub kubeconfig: PathBuf,
}

/// The base directory of all instances: on tmpfs when there is one (etcd syncs a lot).
fn instances_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("NETFENCE_APISERVER_TMP").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() && std::fs::metadata(shm).is_ok_and(|m| !m.permissions().readonly()) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join("netfence-apiserver")
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot find a free port: {e}"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out =
        Command::new("openssl").args(args).current_dir(dir).output().map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("`openssl {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// A test CA, a serving certificate for 127.0.0.1 signed by it, and the service-account key
/// (all EC P-256: quick to make).
fn make_keys(dir: &Path) -> Result<(), String> {
    let key = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out"];
    for name in ["ca.key", "serving.key", "sa.key"] {
        let mut args = key.to_vec();
        args.push(name);
        openssl(dir, &args)?;
    }
    openssl(
        dir,
        &["req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=netfence-test-ca"],
    )?;
    openssl(dir, &["req", "-new", "-key", "serving.key", "-out", "serving.csr", "-subj", "/CN=kube-apiserver"])?;
    write(&dir.join("serving.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")?;
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "serving.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "serving.crt",
            "-days",
            "2",
            "-extfile",
            "serving.ext",
        ],
    )?;
    openssl(dir, &["pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub"])
}

fn kubeconfig(port: u16, ca: &[u8]) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: netfence-test\n  cluster:\n    server: https://127.0.0.1:{port}\n    \
         certificate-authority-data: {}\nusers:\n- name: admin\n  user:\n    token: {TOKEN}\ncontexts:\n- name: {CONTEXT}\n  \
         context:\n    cluster: netfence-test\n    user: admin\ncurrent-context: {CONTEXT}\n",
        base64::engine::general_purpose::STANDARD.encode(ca)
    )
}

fn spawn(program: &Path, args: &[String], log: &Path) -> Result<Child, String> {
    let out = File::create(log).map_err(|e| format!("cannot create `{}`: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| format!("cannot open `{}`: {e}", log.display()))?;
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", program.display()))
}

/// Stops processes of instances whose test process is gone, and removes their directories.
fn sweep_abandoned(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else { return };
    for entry in entries.flatten() {
        let dir = entry.path();
        let owner = std::fs::read_to_string(dir.join("owner")).ok().and_then(|s| s.trim().parse::<u32>().ok());
        if owner.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists()) {
            continue;
        }
        let pids = std::fs::read_to_string(dir.join("pids")).unwrap_or_default();
        for pid in pids.split_whitespace().filter_map(|p| p.parse::<u32>().ok()) {
            // only a process started for that directory (its command line names it)
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&*dir.to_string_lossy()) {
                let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

impl ApiServer {
    /// Starts etcd and the API server (building the server first if it is not cached), waits
    /// for `/readyz`, installs the network-policy-api CRDs and writes the kubeconfig.
    ///
    /// # Errors
    /// When a binary is missing or a process does not become ready; the error holds the end of
    /// its log.
    pub fn start() -> Result<Self, String> {
        let apiserver = ensure_apiserver()?;
        let etcd = etcd()?;
        openssl_present()?;
        let base = instances_dir();
        std::fs::create_dir_all(&base).map_err(|e| format!("cannot create `{}`: {e}", base.display()))?;
        sweep_abandoned(&base);
        let mut last = String::new();
        // a port found free may be taken before the server binds it: try again on new ports
        for _ in 0..3 {
            match Self::start_once(&apiserver, &etcd, &base) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn start_once(apiserver: &Path, etcd: &Path, base: &Path) -> Result<Self, String> {
        let started = Instant::now();
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        write(&dir.join("owner"), &std::process::id().to_string())?;
        // from here on, dropping `server` stops what was started and removes `dir`
        let mut server =
            Self { dir: dir.clone(), etcd: None, apiserver: None, port: 0, kubeconfig: dir.join("kubeconfig") };
        make_keys(&dir)?;
        write(&dir.join("tokens.csv"), &format!("{TOKEN},admin,admin-uid,\"system:masters\"\n"))?;
        let (client_port, peer_port, port) = (free_port()?, free_port()?, free_port()?);
        server.port = port;
        let data = dir.join("etcd");
        let etcd_args: Vec<String> = vec![
            "--name=netfence".into(),
            format!("--data-dir={}", data.display()),
            format!("--listen-client-urls=http://127.0.0.1:{client_port}"),
            format!("--advertise-client-urls=http://127.0.0.1:{client_port}"),
            format!("--listen-peer-urls=http://127.0.0.1:{peer_port}"),
            format!("--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}"),
            format!("--initial-cluster=netfence=http://127.0.0.1:{peer_port}"),
            "--log-level=warn".into(),
        ];
        server.etcd = Some(spawn(etcd, &etcd_args, &dir.join("etcd.log"))?);
        server.record_pids()?;
        server.wait_for_port(client_port, "etcd", "etcd.log")?;
        let path = |name: &str| dir.join(name).display().to_string();
        let args: Vec<String> = vec![
            format!("--etcd-servers=http://127.0.0.1:{client_port}"),
            format!("--secure-port={port}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            format!("--cert-dir={}", path("certs")),
            format!("--tls-cert-file={}", path("serving.crt")),
            format!("--tls-private-key-file={}", path("serving.key")),
            "--service-account-issuer=https://kubernetes.default.svc".into(),
            format!("--service-account-key-file={}", path("sa.pub")),
            format!("--service-account-signing-key-file={}", path("sa.key")),
            format!("--token-auth-file={}", path("tokens.csv")),
            "--authorization-mode=RBAC".into(),
            "--service-cluster-ip-range=10.96.0.0/16".into(),
            // no controller manager creates service accounts: pods are admitted without one
            "--disable-admission-plugins=ServiceAccount".into(),
            "--enable-priority-and-fairness=false".into(),
            "--profiling=false".into(),
            "--v=1".into(),
        ];
        server.apiserver = Some(spawn(apiserver, &args, &dir.join("apiserver.log"))?);
        server.record_pids()?;
        let ca = std::fs::read(dir.join("ca.crt")).map_err(|e| format!("cannot read the test CA: {e}"))?;
        write(&server.kubeconfig, &kubeconfig(port, &ca))?;
        let runtime = crate::runtime()?;
        runtime.block_on(server.wait_ready())?;
        runtime.block_on(server.install_crds())?;
        say(&format!(
            "netfence-testkit: kube-apiserver ready on https://127.0.0.1:{port} in {:.1}s (kubeconfig {})",
            started.elapsed().as_secs_f64(),
            server.kubeconfig.display()
        ));
        Ok(server)
    }

    fn record_pids(&self) -> Result<(), String> {
        let pids: Vec<String> = self.etcd.iter().chain(&self.apiserver).map(|c| c.id().to_string()).collect();
        write(&self.dir.join("pids"), &pids.join(" "))
    }

    /// The last lines of a process's log.
    #[must_use]
    pub fn log_tail(&self, name: &str) -> String {
        let text = std::fs::read_to_string(self.dir.join(name)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines.get(lines.len().saturating_sub(30)..).unwrap_or_default().join("\n")
    }

    /// Fails with the log when the process has exited.
    fn check_alive(&mut self, which: &str, log: &str) -> Result<(), String> {
        let child = if which == "etcd" { self.etcd.as_mut() } else { self.apiserver.as_mut() };
        if let Some(child) = child
            && let Ok(Some(status)) = child.try_wait()
        {
            return Err(format!("{which} exited ({status}); the end of its log:\n{}", self.log_tail(log)));
        }
        Ok(())
    }

    fn wait_for_port(&mut self, port: u16, which: &str, log: &str) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            self.check_alive(which, log)?;
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("{which} did not listen on port {port}; the end of its log:\n{}", self.log_tail(log)))
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + READY_WITHIN;
        let mut last = String::new();
        while Instant::now() < deadline {
            self.check_alive("kube-apiserver", "apiserver.log")?;
            match self.client().await {
                Ok(client) => match client.request_text(get("/readyz")?).await {
                    Ok(text) if text.trim() == "ok" => return Ok(()),
                    Ok(text) => last = text,
                    Err(e) => last = e.to_string(),
                },
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(format!(
            "kube-apiserver was not ready within {}s ({last}); the end of its log:\n{}",
            READY_WITHIN.as_secs(),
            self.log_tail("apiserver.log")
        ))
    }

    /// A client of the server (admin), on the current tokio runtime.
    ///
    /// # Errors
    /// When the kubeconfig cannot be read.
    pub async fn client(&self) -> Result<kube::Client, String> {
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).map_err(|e| e.to_string())?;
        let options = kube::config::KubeConfigOptions { context: Some(CONTEXT.to_owned()), ..Default::default() };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|e| e.to_string())?;
        kube::Client::try_from(config).map_err(|e| e.to_string())
    }

    /// Installs the vendored CRDs and waits until each is established.
    async fn install_crds(&self) -> Result<(), String> {
        let client = self.client().await?;
        let dir = crate::build::crd_dir();
        let mut names = Vec::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
            let crd: serde_json::Value =
                serde_saphyr::from_str(&text).map_err(|e| format!("cannot parse `{}`: {e}", file.display()))?;
            let name = crd.pointer("/metadata/name").and_then(|n| n.as_str()).unwrap_or_default().to_owned();
            let body = serde_json::to_vec(&crd).map_err(|e| e.to_string())?;
            let request = http::Request::post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
                .header("content-type", "application/json")
                .body(body)
                .map_err(|e| e.to_string())?;
            client.request_text(request).await.map_err(|e| format!("cannot install the CRD `{name}`: {e}"))?;
            names.push(name);
        }
        let deadline = Instant::now() + READY_WITHIN;
        for name in names {
            loop {
                let path = format!("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}");
                let crd: serde_json::Value =
                    client.request(get(&path)?).await.map_err(|e| format!("cannot read the CRD `{name}`: {e}"))?;
                let established = crd
                    .pointer("/status/conditions")
                    .and_then(|c| c.as_array())
                    .is_some_and(|c| c.iter().any(|c| c["type"] == "Established" && c["status"] == "True"));
                if established {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("the CRD `{name}` was not established"));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }
}

/// A GET request for `path`.
///
/// # Errors
/// When `path` is not a valid URI.
pub fn get(path: &str) -> Result<http::Request<Vec<u8>>, String> {
    http::Request::get(path).body(Vec::new()).map_err(|e| e.to_string())
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        // the API server first (it holds etcd connections), each by its PID, then reaped
        for child in [self.apiserver.take(), self.etcd.take()].into_iter().flatten() {
            let mut child = child;
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
