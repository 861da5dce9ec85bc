//! The browser playground (`docs/playground/`): a static page on the WASM package.
//!
//! `cargo xtask playground [--out DIR] [--no-wasm-build] [--test]` assembles a folder servable by any
//! static server (default `target/playground/`):
//! - `index.html`, `app.js`, `style.css` from `docs/playground/` (the page, no bundler);
//! - `pkg/netfence_wasm.js` and `pkg/netfence_wasm_bg.wasm`: the core web build of `netfence-wasm`
//!   (the bindings step's `bindings-wasm/pkg/web`), which the page starts on; `pkg-full/`: the
//!   full web build (`pkg/web-full`), which it loads on first use of review or the flow-log
//!   operations (both rebuilt only when their module is newer);
//! - `example.json`: the online-shop example (manifests and generated policies as one YAML
//!   text, the intent, the Hubble flow sample), read from `examples/online-shop/` at build time.
//!
//! `--test` then runs the end-to-end tests on it; `cargo xtask test` runs [`test`] after the bindings step: the end-to-end tests of
//! `docs/playground/test/` in headless Chromium (Debian's `/usr/bin/chromium` through
//! playwright-core), which save screenshots into `target/playground-screenshots/`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::bindings::{WasmBuild, output, run_in};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The page's own files, copied as they are.
const PAGE_FILES: &[&str] = &["index.html", "app.js", "style.css"];

/// `cargo xtask playground [--out DIR] [--no-wasm-build] [--test]`.
pub fn command(root: &Path, args: &[String]) -> Result<(), String> {
    let mut out = root.join("target/playground");
    let mut build_wasm = true;
    let mut test = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => {
                let dir = args.next().ok_or("--out needs a directory")?;
                out = std::env::current_dir().map_err(|e| e.to_string())?.join(dir);
            }
            "--no-wasm-build" => build_wasm = false,
            "--test" => test = true,
            other => {
                return Err(format!("playground: unknown argument `{other}` (--out DIR, --no-wasm-build, --test)"));
            }
        }
    }
    if build_wasm {
        wasm_web(root)?;
    }
    assemble(root, &out)?;
    if test {
        return e2e(root, &out);
    }
    eprintln!(
        "playground: {} (serve it with any static server, e.g. `python3 -m http.server -d {}`)",
        out.display(),
        out.display()
    );
    Ok(())
}

/// The end-to-end step of `cargo xtask test`: assembles `target/playground/` from the web build
/// the bindings step made and runs `docs/playground/test/` in headless Chromium.
pub fn test(root: &Path) -> Result<(), String> {
    wasm_web(root)?;
    let out = root.join("target/playground");
    assemble(root, &out)?;
    e2e(root, &out)
}

/// Runs `docs/playground/test/` on the folder `out` in headless Chromium.
fn e2e(root: &Path, out: &Path) -> Result<(), String> {
    if !Path::new(CHROMIUM).exists() {
        return Err(format!("playground: {CHROMIUM} is missing (the bindings step installs Debian's chromium)"));
    }
    let dir = root.join("docs/playground/test");
    if !dir.join("node_modules").exists() {
        run_in(&dir, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
    }
    let shots = root.join("target/playground-screenshots");
    let (out, shots) = (out.to_string_lossy().into_owned(), shots.to_string_lossy().into_owned());
    run_in(&dir, "node", &["--test", "playground.test.mjs"], &[("PLAYGROUND_DIR", &out), ("SCREENSHOT_DIR", &shots)])
}

/// Makes sure `bindings-wasm/pkg/web` and `pkg/web-full` hold the web builds of the current
/// sources.
///
/// Without the wasm tools, runs the whole bindings step (`cargo xtask bindings wasm`: installs
/// them, builds, tests). Otherwise `cargo build` of each `release-wasm` module (a no-op when it
/// is fresh) and its web build (`bindings::package_wasm`) only when the module is newer than the package.
fn wasm_web(root: &Path) -> Result<(), String> {
    let has_target = output("rustup", &["target", "list", "--installed"])
        .is_some_and(|t| t.lines().any(|l| l.trim() == "wasm32-unknown-unknown"));
    if !has_target || output("wasm-bindgen", &["--version"]).is_none() {
        return crate::bindings::wasm(root);
    }
    let dir = root.join("bindings-wasm");
    for build in WasmBuild::ALL {
        let module = crate::bindings::build_wasm_module(root, build)?;
        let web = dir.join(build.out_dir("web"));
        let built = web.join("netfence_wasm_bg.wasm");
        if modified(&built).is_some() && modified(&built) >= modified(&module) && web.join("netfence_wasm.js").exists()
        {
            eprintln!("    bindings-wasm/{} is up to date", build.out_dir("web"));
            continue;
        }
        crate::bindings::ensure_npm(&dir)?;
        crate::bindings::package_wasm(&dir, &module, build, "web")?;
    }
    Ok(())
}

/// Writes the playground folder: the page, the web build and the bundled example.
fn assemble(root: &Path, out: &Path) -> Result<(), String> {
    let page = root.join("docs/playground");
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for file in PAGE_FILES {
        copy(&page.join(file), &out.join(file))?;
    }
    for (build, folder) in [(WasmBuild::Core, "pkg"), (WasmBuild::Full, "pkg-full")] {
        let pkg = out.join(folder);
        std::fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
        let web = root.join("bindings-wasm").join(build.out_dir("web"));
        for file in ["netfence_wasm.js", "netfence_wasm_bg.wasm"] {
            copy(&web.join(file), &pkg.join(file))?;
        }
    }
    let example = example(root)?;
    let text = serde_json::to_string(&example).map_err(|e| e.to_string())?;
    std::fs::write(out.join("example.json"), text + "\n").map_err(|e| format!("cannot write example.json: {e}"))
}

/// The online-shop example as the page loads it: one YAML text of the manifests (namespaces
/// first) and the generated policies, each document group headed by its file's path.
fn example(root: &Path) -> Result<Value, String> {
    let dir = root.join("examples/online-shop");
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(dir.join("manifests"))
        .map_err(|e| format!("cannot read examples/online-shop/manifests: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    manifests.sort_by_key(|p| (p.file_name().is_none_or(|n| n != "namespaces.yaml"), p.clone()));
    manifests.push(dir.join("policies/generated.yaml"));
    let mut yaml = String::new();
    for path in &manifests {
        let text = read(path)?;
        let name = path.strip_prefix(root).unwrap_or(path).display().to_string();
        if !yaml.is_empty() {
            yaml.push_str("---\n");
        }
        yaml.push_str(&format!("# {name}\n"));
        let body = text.strip_prefix("---\n").unwrap_or(&text);
        yaml.push_str(body);
        if !body.ends_with('\n') {
            yaml.push('\n');
        }
    }
    Ok(json!({
        "name": "examples/online-shop",
        "yaml": yaml,
        "intent": read(&dir.join("intent.yaml"))?,
        "flows": { "name": "hubble.jsonl", "text": read(&dir.join("flows/hubble.jsonl"))? },
    }))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
