//! `cargo xtask dist`: the release artefacts a user installs, in `target/dist/`:
//!
//! - `netfence-<version>-cp39-abi3-<platform>.whl` and `netfence-<version>.tar.gz`: the Python
//!   package, an abi3 wheel (Python ≥ 3.9) and the sdist (maturin; release, stripped);
//! - `netfence-<version>.tgz`: the npm package `netfence` with the napi-rs module for this
//!   platform (release, stripped), packed from a staging folder without the install script a
//!   checkout needs;
//! - `netfence-wasm-<version>.tgz`: the npm package `netfence-wasm` (both builds, for the web
//!   and Node; `npm pack`);
//! - `netfence-<version>-<target>.tar.gz`: the CLI, `netfence` and `kubectl-netfence` (release,
//!   stripped);
//! - `SHA256SUMS`.
//!
//! [`smoke`] installs them as a user would, outside the repository — the wheel into a fresh
//! venv, the tarballs into a fresh npm folder, the CLI unpacked — and runs the smoke suites
//! (`bindings-python/smoke/smoke.py`, `bindings-node/smoke/smoke.mjs`) there.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bindings::{self, output, run_in};
use crate::{cargo, run};

/// What `dist` built.
pub struct Artefacts {
    pub wheel: PathBuf,
    pub sdist: PathBuf,
    pub node: PathBuf,
    pub wasm: PathBuf,
    pub cli: PathBuf,
    /// The size-budget lines of the WASM builds over their budget (reported after the tests).
    pub over_budget: Vec<String>,
}

impl Artefacts {
    fn files(&self) -> [&Path; 5] {
        [&self.wheel, &self.sdist, &self.node, &self.wasm, &self.cli]
    }
}

fn dist_dir(root: &Path) -> PathBuf {
    root.join("target/dist")
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// `cargo xtask dist [--smoke]`: builds every artefact and lists them; `--smoke`: then installs
/// them outside the repository and runs the smoke suites.
pub fn command(root: &Path, args: &[String]) -> Result<(), String> {
    let artefacts = build(root)?;
    if args.iter().any(|a| a == "--smoke") {
        smoke(root, &artefacts, true)?;
    }
    if !artefacts.over_budget.is_empty() {
        return Err(format!("bindings-wasm: over the size budget: {}", artefacts.over_budget.join("; ")));
    }
    eprintln!("target/dist/:");
    for file in artefacts.files() {
        let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or_default();
        eprintln!("  {:<56} {:>7.1} MB", name(file), size as f64 / 1e6);
    }
    eprintln!("  SHA256SUMS");
    Ok(())
}

fn name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Builds every artefact into `target/dist/` (emptied first) and writes `SHA256SUMS`.
pub fn build(root: &Path) -> Result<Artefacts, String> {
    let dir = dist_dir(root);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let over_budget = bindings::wasm_packages(root)?;
    let wasm = npm_pack(root, &root.join("bindings-wasm"))?;
    let wheel = wheel(root)?;
    let sdist = sdist(root)?;
    let (module, cli_dir) = native(root)?;
    let node = node_package(root, &module)?;
    let cli = cli_archive(root, &cli_dir)?;
    let stage = dir.join("stage");
    std::fs::remove_dir_all(&stage).map_err(|e| format!("cannot remove {}: {e}", stage.display()))?;
    let artefacts = Artefacts { wheel, sdist, node, wasm, cli, over_budget };
    let names: Vec<String> = artefacts.files().iter().map(|f| name(f)).collect();
    let mut args = vec!["sha256sum"];
    args.extend(names.iter().map(String::as_str));
    let sums = std::process::Command::new(args[0])
        .args(&args[1..])
        .current_dir(&dir)
        .output()
        .map_err(|e| format!("cannot run sha256sum: {e}"))?;
    if !sums.status.success() {
        return Err("sha256sum failed".to_owned());
    }
    write(&dir.join("SHA256SUMS"), &sums.stdout)?;
    Ok(artefacts)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

/// The one file of `dir` whose name starts with `prefix` and ends with `suffix`.
fn find(dir: &Path, prefix: &str, suffix: &str) -> Result<PathBuf, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = name(p);
            n.starts_with(prefix) && n.ends_with(suffix)
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("expected one {prefix}…{suffix} in {}, found {}", dir.display(), found.len())),
    }
}

/// The abi3 wheel: `maturin build --release` (stripped: `[tool.maturin] strip` in pyproject.toml).
pub fn wheel(root: &Path) -> Result<PathBuf, String> {
    bindings::ensure_venv(root)?;
    let dir = dist_dir(root);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for old in std::fs::read_dir(&dir).into_iter().flatten().filter_map(Result::ok) {
        if name(&old.path()).ends_with(".whl") {
            std::fs::remove_file(old.path()).map_err(|e| format!("cannot remove {}: {e}", old.path().display()))?;
        }
    }
    let out = dir.to_string_lossy();
    maturin(root, &["build", "--release", "--locked", "--out", &out])?;
    find(&dir, &format!("netfence-{}-", version()), ".whl")
}

fn sdist(root: &Path) -> Result<PathBuf, String> {
    let dir = dist_dir(root);
    maturin(root, &["sdist", "--out", &dir.to_string_lossy()])?;
    find(&dir, &format!("netfence-{}", version()), ".tar.gz")
}

fn maturin(root: &Path, args: &[&str]) -> Result<(), String> {
    let venv = root.join(".venv");
    let path = format!("{}/bin:{}", venv.display(), std::env::var("PATH").unwrap_or_default());
    let env = [("VIRTUAL_ENV", venv.to_string_lossy().into_owned()), ("PATH", path)];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run_in(&root.join("bindings-python"), &venv.join("bin/maturin").to_string_lossy(), args, &env)
}

/// `process.platform-process.arch` of this machine's Node, the name part of the native module.
fn node_platform() -> Result<String, String> {
    output("node", &["-p", "process.platform + '-' + process.arch"])
        .map(|s| s.trim().to_owned())
        .ok_or_else(|| "cannot run `node`".to_owned())
}

/// Builds the Node module and the CLI in one release build (they then share one build of the
/// core), strips the module into `bindings-node/netfence.<platform>-<arch>.node` (which
/// `native.js` loads) and returns it with the folder of the CLI binaries.
pub fn native(root: &Path) -> Result<(PathBuf, PathBuf), String> {
    run(&cargo(), &["build", "--release", "--locked", "-p", "netfence-node", "-p", "netfence-cli"])?;
    let release = root.join("target/release");
    let library = ["libnetfence_node.so", "libnetfence_node.dylib", "netfence_node.dll"]
        .iter()
        .map(|n| release.join(n))
        .find(|p| p.exists())
        .ok_or("cargo built no netfence_node library in target/release")?;
    let module = root.join("bindings-node").join(format!("netfence.{}.node", node_platform()?));
    copy(&library, &module)?;
    strip(&module)?;
    Ok((module, release))
}

fn strip(file: &Path) -> Result<(), String> {
    if cfg!(windows) {
        return Ok(());
    }
    let args = if cfg!(target_os = "macos") { vec!["-x"] } else { vec!["--strip-unneeded"] };
    let mut command = std::process::Command::new("strip");
    let status = command.args(args).arg(file).status().map_err(|e| format!("cannot run strip: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("strip {} failed", file.display())) }
}

/// `npm pack` of `dir` into `target/dist/`; returns the tarball.
fn npm_pack(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let out = dist_dir(root);
    eprintln!("==> (in {}) npm pack", dir.strip_prefix(root).unwrap_or(dir).display());
    let done = std::process::Command::new("npm")
        .args(["pack", "--pack-destination", &out.to_string_lossy(), "--json"])
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run npm pack: {e}"))?;
    if !done.status.success() {
        return Err(format!("npm pack in {} failed: {}", dir.display(), String::from_utf8_lossy(&done.stderr)));
    }
    let packed: Value = serde_json::from_slice(&done.stdout).map_err(|e| format!("npm pack --json: {e}"))?;
    let packed = packed.get(0).ok_or("npm pack --json printed no package")?;
    let file = packed.get("filename").and_then(Value::as_str).ok_or("npm pack --json printed no file name")?;
    let number = |key: &str| packed.get(key).and_then(Value::as_f64).unwrap_or_default();
    eprintln!(
        "    {file}: {:.1} MB, {:.1} MB unpacked, {} files",
        number("size") / 1e6,
        number("unpackedSize") / 1e6,
        number("entryCount")
    );
    Ok(out.join(file))
}

/// The npm package `netfence`, packed from a staging folder with the module and without the
/// install script (which builds from a checkout, and which npm would warn about).
fn node_package(root: &Path, module: &Path) -> Result<PathBuf, String> {
    let source = root.join("bindings-node");
    let stage = dist_dir(root).join("stage/netfence");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).map_err(|e| format!("cannot empty {}: {e}", stage.display()))?;
    }
    std::fs::create_dir_all(&stage).map_err(|e| format!("cannot create {}: {e}", stage.display()))?;
    let text =
        std::fs::read_to_string(source.join("package.json")).map_err(|e| format!("cannot read package.json: {e}"))?;
    let mut package: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let object = package.as_object_mut().ok_or("bindings-node/package.json is not an object")?;
    object.remove("scripts");
    object.remove("devDependencies");
    let files = ["index.js", "index.mjs", "index.d.ts", "native.js", "README.md"];
    let mut listed: Vec<Value> = files.iter().map(|f| Value::from(*f)).collect();
    listed.push(Value::from(name(module)));
    object.insert("files".to_owned(), Value::Array(listed));
    write(
        &stage.join("package.json"),
        (serde_json::to_string_pretty(&package).map_err(|e| e.to_string())? + "\n").as_bytes(),
    )?;
    for file in files {
        copy(&source.join(file), &stage.join(file))?;
    }
    copy(module, &stage.join(name(module)))?;
    npm_pack(root, &stage)
}

/// `netfence-<version>-<target>.tar.gz` with the stripped CLI binaries.
fn cli_archive(root: &Path, release: &Path) -> Result<PathBuf, String> {
    let host = output("rustc", &["-vV"])
        .and_then(|v| v.lines().find_map(|l| l.strip_prefix("host: ").map(str::to_owned)))
        .ok_or("cannot read the host target from `rustc -vV`")?;
    let folder = format!("netfence-{}-{host}", version());
    let stage = dist_dir(root).join("stage").join(&folder);
    std::fs::create_dir_all(&stage).map_err(|e| format!("cannot create {}: {e}", stage.display()))?;
    let exe = std::env::consts::EXE_SUFFIX;
    for binary in ["netfence", "kubectl-netfence"] {
        let to = stage.join(format!("{binary}{exe}"));
        copy(&release.join(format!("{binary}{exe}")), &to)?;
        strip(&to)?;
    }
    let archive = dist_dir(root).join(format!("{folder}.tar.gz"));
    let parent = stage.parent().ok_or("no staging folder")?;
    run_in(parent, "tar", &["-czf", &archive.to_string_lossy(), &folder], &[])?;
    Ok(archive)
}

// ---------------------------------------------------------------------------------------------
// Smoke tests of the installed artefacts
// ---------------------------------------------------------------------------------------------

/// A scratch folder outside the repository, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(what: &str) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("netfence-{what}-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Installs the artefacts outside the repository, as a user would, and runs the smoke suites.
/// Every suite runs even when an earlier one fails; the failures are reported together.
/// With `sdist`, also builds a wheel from the sdist ([`smoke_sdist`]: minutes of release
/// compiling, so `cargo xtask dist --smoke` does it and `cargo xtask test` does not).
pub fn smoke(root: &Path, artefacts: &Artefacts, sdist: bool) -> Result<(), String> {
    let mut results = vec![smoke_python(root, artefacts), smoke_npm(root, artefacts), smoke_cli(root, artefacts)];
    if sdist {
        results.push(smoke_sdist(root, artefacts));
    } else {
        eprintln!("smoke: the sdist is not built here; `cargo xtask dist --smoke` builds a wheel from it");
    }
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

/// The wheel in a fresh venv (no index: the wheel needs nothing else), then `smoke.py`.
fn smoke_python(root: &Path, artefacts: &Artefacts) -> Result<(), String> {
    let scratch = Scratch::new("smoke-python")?;
    let python = if crate::succeeds("python3", &["--version"]) { "python3" } else { "python" };
    run_in(&scratch.0, python, &["-m", "venv", "venv"], &[])?;
    let bin = scratch.0.join("venv/bin");
    let pip = bin.join("pip").to_string_lossy().into_owned();
    let wheel = artefacts.wheel.to_string_lossy();
    run_in(&scratch.0, &pip, &["install", "--disable-pip-version-check", "--no-index", "-q", &wheel], &[])?;
    let script = scratch.0.join("smoke.py");
    copy(&root.join("bindings-python/smoke/smoke.py"), &script)?;
    let (python, root) = (bin.join("python").to_string_lossy().into_owned(), root.to_string_lossy());
    run_in(&scratch.0, &python, &[&script.to_string_lossy(), &root], &[])
}

/// The sdist builds a wheel (`pip wheel` with the tests' venv and its maturin, in the
/// repository's target folder so the registry crates are not compiled again) with the same
/// files as the release wheel.
fn smoke_sdist(root: &Path, artefacts: &Artefacts) -> Result<(), String> {
    let scratch = Scratch::new("smoke-sdist")?;
    let venv = root.join(".venv/bin");
    let out = scratch.0.to_string_lossy().into_owned();
    let args = ["wheel", "--disable-pip-version-check", "-q", "--no-deps", "--no-build-isolation", "-w", &out];
    let sdist = artefacts.sdist.to_string_lossy();
    let path = format!("{}:{}", venv.display(), std::env::var("PATH").unwrap_or_default());
    let target = root.join("target");
    let env = [("PATH", path.as_str()), ("CARGO_TARGET_DIR", &target.to_string_lossy())];
    run_in(&scratch.0, &venv.join("pip").to_string_lossy(), &[&args[..], &[sdist.as_ref()]].concat(), &env)?;
    let built = find(&scratch.0, &format!("netfence-{}-", version()), ".whl")?;
    let list = |wheel: &Path| {
        let code = "import sys, zipfile; print(sorted(zipfile.ZipFile(sys.argv[1]).namelist()))";
        output(&venv.join("python").to_string_lossy(), &["-c", code, &wheel.to_string_lossy()]).unwrap_or_default()
    };
    if list(&built) != list(&artefacts.wheel) || list(&built).is_empty() {
        return Err(format!("smoke (sdist): the wheel built from it holds other files: {}", list(&built)));
    }
    eprintln!("smoke (sdist): {} builds {}", name(&artefacts.sdist), name(&built));
    Ok(())
}

/// Both tarballs in a fresh npm folder (offline: they need nothing else), then `smoke.mjs`.
fn smoke_npm(root: &Path, artefacts: &Artefacts) -> Result<(), String> {
    let scratch = Scratch::new("smoke-npm")?;
    write(
        &scratch.0.join("package.json"),
        b"{\"name\": \"netfence-smoke\", \"private\": true, \"type\": \"module\"}\n",
    )?;
    let (node, wasm) = (artefacts.node.to_string_lossy(), artefacts.wasm.to_string_lossy());
    run_in(&scratch.0, "npm", &["install", "--offline", "--no-audit", "--no-fund", &node, &wasm], &[])?;
    let script = scratch.0.join("smoke.mjs");
    copy(&root.join("bindings-node/smoke/smoke.mjs"), &script)?;
    run_in(&scratch.0, "node", &[&script.to_string_lossy(), &root.to_string_lossy()], &[])
}

/// The CLI archive unpacked: `--version`, and the README's review of the example.
fn smoke_cli(root: &Path, artefacts: &Artefacts) -> Result<(), String> {
    let scratch = Scratch::new("smoke-cli")?;
    run_in(&scratch.0, "tar", &["-xzf", &artefacts.cli.to_string_lossy()], &[])?;
    let folder = name(&artefacts.cli).trim_end_matches(".tar.gz").to_owned();
    let netfence = scratch.0.join(&folder).join("netfence");
    let shown = output(&netfence.to_string_lossy(), &["--version"]).unwrap_or_default();
    if shown.trim() != format!("netfence {}", version()) {
        return Err(format!("smoke (cli): `netfence --version` printed `{}`", shown.trim()));
    }
    let args = ["review", "examples/online-shop/manifests", "examples/online-shop/policies"];
    run_in(root, &netfence.to_string_lossy(), &args, &[])?;
    let plugin = scratch.0.join(&folder).join("kubectl-netfence");
    run_in(root, &plugin.to_string_lossy(), &["validate", "examples/online-shop/policies"], &[])?;
    eprintln!("smoke (cli): {} ok", name(&artefacts.cli));
    Ok(())
}
