//! The browser playground (`docs/playground/`): a static page on the WASM package.
//!
//! `cargo xtask playground [--out DIR] [--no-wasm-build] [--test]` assembles a folder servable by any
//! static server (default `target/playground/`):
//! - `index.html`, `app.js`, `graph.js`, `intent.js`, `style.css` from `docs/playground/` (the
//!   page: ES modules, no bundler);
//! - `pkg/netfence_wasm.js` and `pkg/netfence_wasm_bg.wasm`: the core web build of `netfence-wasm`
//!   (the bindings step's `bindings-wasm/pkg/web`), which the page starts on; `pkg-full/`: the
//!   full web build (`pkg/web-full`), which it loads on first use of review or the flow-log
//!   operations (both rebuilt only when their module is newer);
//! - `example.json`: the example picker's four examples (the online shop with the policies built
//!   from its intent, the change review of `examples/online-shop-change/`, a flow log to
//!   policies) and the Hubble flow sample, read from `examples/` at build time.
//!
//! `--test` then runs the tests on it; `cargo xtask test` runs [`test`] after the bindings step:
//! `docs/playground/test/` — the layout and the intent edits in Node, then the end-to-end tests
//! in headless Chromium (Debian's `/usr/bin/chromium` through playwright-core), which compare
//! the graphs with the stored screenshots of `test/screenshots/`, save theirs into
//! `target/playground-screenshots/`, and review the policies built by clicking with the CLI
//! (`target/debug/netfence`).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::bindings::{WasmBuild, output, run_in};

const CHROMIUM: &str = "/usr/bin/chromium";

/// The page's own files, copied as they are.
const PAGE_FILES: &[&str] = &["index.html", "app.js", "graph.js", "intent.js", "style.css"];

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
    // the policies built by clicking are reviewed by the CLI: `cargo test` has built it in
    // `cargo xtask test`; built here otherwise
    let netfence = root.join("target/debug/netfence");
    if !netfence.exists() {
        run_in(root, &crate::cargo(), &["build", "--locked", "-p", "netfence-cli", "--bin", "netfence"], &[])?;
    }
    let shots = root.join("target/playground-screenshots");
    let (out, shots, netfence) = (
        out.to_string_lossy().into_owned(),
        shots.to_string_lossy().into_owned(),
        netfence.to_string_lossy().into_owned(),
    );
    run_in(
        &dir,
        "node",
        &["--test", "graph.test.mjs", "intent.test.mjs", "playground.test.mjs"],
        &[("PLAYGROUND_DIR", &out), ("SCREENSHOT_DIR", &shots), ("NETFENCE_BIN", &netfence)],
    )
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

/// The page's four examples (the picker's order), each an editor text and a base for the diff:
/// - `online-shop`: the manifests (namespaces first) and the policies the builder makes from
///   `intent.yaml`, as the graph editor's section (`docs/playground/intent.js`: the intent as a
///   JSON comment line, then the built policies), so clicks on the graph edit that intent;
/// - `change-review`: the pull request of `examples/online-shop-change/` (head policies in the
///   editor, base policies in the base), with its changes drawn on the graph;
/// - `flow-log`: the manifests without policies and the Hubble sample, for the Flows tab's
///   traffic map and generated policies (and for building policies on the graph from nothing);
/// - `cluster-guardrails`: `examples/cluster-guardrails/`, ClusterNetworkPolicies in both tiers
///   above a tenant's NetworkPolicy.
fn example(root: &Path) -> Result<Value, String> {
    let dir = root.join("examples/online-shop");
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(dir.join("manifests"))
        .map_err(|e| format!("cannot read examples/online-shop/manifests: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    manifests.sort_by_key(|p| (p.file_name().is_none_or(|n| n != "namespaces.yaml"), p.clone()));
    let workloads = concat(root, &manifests)?;
    let intent_text = read(&dir.join("intent.yaml"))?;
    let intent =
        netfence::builder::parse_intent(&intent_text, "examples/online-shop/intent.yaml").map_err(|e| e.to_string())?;
    let built = netfence::builder::build_intent(&intent).map_err(|e| e.to_string())?;
    let intent = serde_json::to_string(&intent).map_err(|e| e.to_string())?;
    let section = format!(
        "{SECTION_BEGIN}\n# intent: {intent}\n{}\n{SECTION_END}\n",
        built.to_yaml().trim_start_matches("---\n").trim_end()
    );
    let shop = format!("{workloads}---\n{section}");
    let change = root.join("examples/online-shop-change");
    let head = format!("{workloads}---\n{}", concat(root, &[change.join("head/policies.yaml")])?);
    let base = format!("{workloads}---\n{}", concat(root, &[change.join("base/policies.yaml")])?);
    let flows = json!({ "name": "hubble.jsonl", "text": read(&dir.join("flows/hubble.jsonl"))? });
    let cluster = root.join("examples/cluster-guardrails");
    let guardrails = concat(
        root,
        &[cluster.join("manifests.yaml"), cluster.join("guardrails.yaml"), cluster.join("policies.yaml")],
    )?;
    Ok(json!({
        "examples": [
            {
                "id": "online-shop",
                "title": "The online shop",
                "summary": "Five namespaces and the least-privilege policies built from their intent: edit them by clicking on the graph.",
                "yaml": shop,
                "base": shop,
                "tab": "connectivity",
            },
            {
                "id": "change-review",
                "title": "A change review",
                "summary": "A pull request against the shop's policies: what it opens and closes on the graph, and the review's findings.",
                "yaml": head,
                "base": base,
                "tab": "connectivity",
            },
            {
                "id": "flow-log",
                "title": "A flow log to policies",
                "summary": "The shop's workloads without policies and an observed Hubble flow log: the traffic map and the policies generated from it.",
                "yaml": workloads,
                "base": workloads,
                "flows": flows,
                "tab": "flows",
            },
            {
                "id": "cluster-guardrails",
                "title": "Cluster guardrails",
                "summary": "ClusterNetworkPolicies in the admin and baseline tiers above a tenant's NetworkPolicy: DNS always allowed, a sensitive namespace closed, tenants delegated with Pass, a baseline deny.",
                "yaml": guardrails,
                "base": guardrails,
                "tab": "connectivity",
            },
        ],
        "flows": flows,
    }))
}

/// The graph editor's section markers (`BEGIN` and `END` of `docs/playground/intent.js`).
const SECTION_BEGIN: &str = "# netfence playground: policies built from the graph's intent (edits below are replaced)";
const SECTION_END: &str = "# netfence playground: end of the graph's policies";

/// Files as one YAML text, each file's documents headed by its path.
fn concat(root: &Path, files: &[PathBuf]) -> Result<String, String> {
    let mut yaml = String::new();
    for path in files {
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
    Ok(yaml)
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
