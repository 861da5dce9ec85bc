//! What every case uses: the server's client, the `netfence` binary and a scratch directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use futures::StreamExt;
use netfence_testkit::{ApiServer, CONTEXT};
use serde_json::Value;

/// The server and the tools of the cases.
pub struct Ctx {
    pub kubeconfig: PathBuf,
    pub runtime: tokio::runtime::Runtime,
    pub client: kube::Client,
    pub scratch: PathBuf,
}

impl Ctx {
    pub fn new(server: &ApiServer) -> Self {
        let runtime = netfence_testkit::runtime().unwrap();
        let client = runtime.block_on(server.client()).unwrap();
        let scratch = std::env::temp_dir().join(format!("netfence-apiserver-cases-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        Self { kubeconfig: server.kubeconfig.clone(), runtime, client, scratch }
    }

    /// A fresh directory for one case.
    pub fn dir(&self, name: &str) -> PathBuf {
        let dir = self.scratch.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// `netfence ARGS` with the test kubeconfig, from `dir`, with `stdin`.
    pub fn netfence_in(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_netfence"));
        command.args(args).current_dir(dir).env("KUBECONFIG", &self.kubeconfig).env("NO_COLOR", "1");
        command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(input).unwrap();
        }
        child.wait_with_output().unwrap()
    }

    /// `netfence ARGS` from the scratch directory.
    pub fn netfence(&self, args: &[&str]) -> Output {
        self.netfence_in(&self.scratch, args, None)
    }

    /// A raw request; `Err((code, status))` for an API error.
    pub fn send(&self, request: http::Request<Vec<u8>>) -> Result<Value, (u16, Value)> {
        self.runtime.block_on(send(&self.client, request))
    }

    /// Creates `object` (JSON) at `collection`; an existing object is fine.
    pub fn create(&self, collection: &str, object: &Value) {
        match self.send(post(collection, object, "")) {
            Ok(_) => {}
            Err((409, _)) => {}
            Err((code, status)) => panic!("cannot create {object} at {collection}: {code} {status}"),
        }
    }

    /// Creates many objects, 32 requests at a time.
    pub fn create_all(&self, objects: Vec<(String, Value)>) {
        let client = self.client.clone();
        self.runtime.block_on(async move {
            let results: Vec<Result<Value, (u16, Value)>> = futures::stream::iter(objects)
                .map(|(collection, object)| {
                    let client = client.clone();
                    async move { send(&client, post(&collection, &object, "")).await }
                })
                .buffer_unordered(32)
                .collect()
                .await;
            for result in results {
                if let Err((code, status)) = result
                    && code != 409
                {
                    panic!("cannot create an object: {code} {status}");
                }
            }
        });
    }

    /// The namespaces `names`, created when missing.
    pub fn namespaces(&self, names: &[&str]) {
        for name in names {
            self.create(
                "/api/v1/namespaces",
                &serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
            );
        }
    }

    /// GET `path`, `None` when not found.
    pub fn get(&self, path: &str) -> Option<Value> {
        match self.send(netfence_testkit::get(path).unwrap()) {
            Ok(v) => Some(v),
            Err((404, _)) => None,
            Err((code, status)) => panic!("GET {path}: {code} {status}"),
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}

/// A POST of `object` to `collection` with a query (`dryRun=All&...`, or empty).
pub fn post(collection: &str, object: &Value, query: &str) -> http::Request<Vec<u8>> {
    let uri = if query.is_empty() { collection.to_owned() } else { format!("{collection}?{query}") };
    http::Request::post(uri)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(serde_json::to_vec(object).unwrap())
        .unwrap()
}

/// Sends a request: the response body, or the status code and the Status the server sent.
pub async fn send(client: &kube::Client, request: http::Request<Vec<u8>>) -> Result<Value, (u16, Value)> {
    match client.request_text(request).await {
        Ok(text) => Ok(serde_json::from_str(&text).unwrap_or(Value::String(text))),
        Err(kube::Error::Api(status)) => {
            let code = status.code;
            Err((code, serde_json::to_value(&*status).unwrap_or_default()))
        }
        Err(e) => Err((0, Value::String(e.to_string()))),
    }
}

/// The context the kubeconfig names.
pub const TEST_CONTEXT: &str = CONTEXT;

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Panics with both streams unless the exit code is `code`.
pub fn expect_code(output: &Output, code: i32, what: &str) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{what}: exit code {:?}, expected {code}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
}
