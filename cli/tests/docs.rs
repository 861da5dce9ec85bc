#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]
//! The documentation is executed: every runnable snippet of `docs/guide.md` and `docs/cli.md`
//! runs against the `netfence` binary of this build, with the exit code and output the docs show.
//!
//! Conventions (also written in `docs/README.md`):
//!
//! - A ` ```sh ` block is runnable; ` ```sh norun ` is not (kubectl, CI settings). Each command
//!   of a runnable block (lines joined at a trailing `\`) starts with `netfence`, `cat`, `ls` or `printf`
//!   and runs with `sh -c` in a scratch directory of its document that links `examples/` and
//!   `cli/` of the repository, with this build's `netfence` first on `PATH` and `NO_COLOR=1`.
//!   Blocks of one document share the directory, so a later block can read what an earlier one
//!   wrote. A trailing comment `# exit N` is the exit code the command must end with (default 0).
//! - A ` ```text ` block right after a runnable block is the output of its last command: each of
//!   its lines (trailing spaces aside) must be a line of the real standard output followed by
//!   standard error, in that order; a line `...` stands for lines left out. A ` ```text ` block
//!   anywhere else is an error, so no output in these docs is made up.
//! - A ` ```rust ` or ` ```yaml ` block is an excerpt: its first line is a comment naming a file
//!   of the repository (`// core/examples/guide_builder.rs`, `# examples/online-shop/intent.yaml`)
//!   and its other lines must appear in that file in order (`// ...` or `# ...` leave lines out).
//!   Other languages are not allowed; the bindings' quick starts in `docs/api.md` are run by
//!   their own test suites.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

// The Rust builder of the guide's "Design" step, run here and compared with `netfence build`.
#[allow(dead_code)]
#[path = "../../core/examples/guide_builder.rs"]
mod guide_builder;

/// The documents whose snippets run.
const DOCS: &[&str] = &["docs/guide.md", "docs/cli.md"];
/// Options every subcommand takes; `docs/cli.md` documents them once, under "Global options".
const GLOBAL_OPTIONS: &[&str] = &[
    "--output",
    "--strict",
    "--max-input-bytes",
    "--max-documents",
    "--max-nodes",
    "--max-string-bytes",
    "--cluster",
    "--context",
    "--kubeconfig",
    "--page-size",
    "--help",
    "--version",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// One fenced code block.
struct Block {
    /// The info string after the opening fence (`sh`, `sh norun`, `text`, ...).
    info: String,
    /// 1-based line of the opening fence.
    line: usize,
    /// The lines inside the fences.
    body: Vec<String>,
    /// Whether only blank lines separate this block from the previous one.
    follows_previous: bool,
}

impl Block {
    fn lang(&self) -> &str {
        self.info.split_whitespace().next().unwrap_or("")
    }

    fn runnable(&self) -> bool {
        self.lang() == "sh" && !self.info.split_whitespace().any(|w| w == "norun")
    }
}

fn blocks(doc: &str, name: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    let mut blank_since_last = true;
    let mut after_block = false;
    for (i, line) in doc.lines().enumerate() {
        match current.take() {
            Some(mut block) => {
                if line.trim() == "```" {
                    out.push(block);
                    after_block = true;
                    blank_since_last = true;
                } else {
                    block.body.push(line.to_owned());
                    current = Some(block);
                }
            }
            None => {
                if let Some(info) = line.trim_start().strip_prefix("```") {
                    current = Some(Block {
                        info: info.trim().to_owned(),
                        line: i + 1,
                        body: Vec::new(),
                        follows_previous: after_block && blank_since_last,
                    });
                } else if !line.trim().is_empty() {
                    blank_since_last = false;
                }
            }
        }
    }
    assert!(current.is_none(), "{name}: a code block is not closed");
    out
}

/// One shell command of a runnable block.
struct Snippet {
    text: String,
    line: usize,
    exit: i32,
}

fn snippets(block: &Block, name: &str) -> Vec<Snippet> {
    let mut out = Vec::new();
    let mut pending: Option<(String, usize)> = None;
    for (i, line) in block.body.iter().enumerate() {
        let number = block.line + 1 + i;
        let (mut text, start) = match pending.take() {
            Some((text, start)) => (text + "\n" + line, start),
            None => {
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                (line.clone(), number)
            }
        };
        if line.trim_end().ends_with('\\') {
            pending = Some((text, start));
            continue;
        }
        let exit = match line.rfind("# exit ") {
            Some(at) => line[at + "# exit ".len()..]
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}:{number}: `# exit N` needs a number")),
            None => 0,
        };
        let first = text.split_whitespace().next().unwrap_or("");
        assert!(
            ["netfence", "cat", "ls", "printf"].contains(&first),
            "{name}:{start}: runnable commands start with `netfence`, `cat`, `ls` or `printf`; mark other blocks ```sh norun"
        );
        text.push('\n');
        out.push(Snippet { text, line: start, exit });
    }
    assert!(pending.is_none(), "{name}:{}: a command ends with `\\`", block.line);
    out
}

/// A scratch directory for one document: `examples/` and `cli/` link to the repository.
fn scratch(name: &str) -> PathBuf {
    let stem = Path::new(name).file_stem().unwrap().to_str().unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("docs-{stem}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for link in ["examples", "cli"] {
        std::os::unix::fs::symlink(root().join(link), dir.join(link)).unwrap();
    }
    dir
}

fn run_shell(dir: &Path, command: &str) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_netfence")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Whether every line of `expected` (but the elision markers) is a line of `actual`, in order;
/// `Err` names the first that is not.
fn contains_in_order(actual: &str, expected: &[String], elisions: &[&str]) -> Result<(), String> {
    let mut lines = actual.lines().map(str::trim_end);
    for want in expected.iter().map(|l| l.trim_end()) {
        if want.is_empty() || elisions.contains(&want.trim()) {
            continue;
        }
        if !lines.any(|l| l == want) {
            return Err(want.to_owned());
        }
    }
    Ok(())
}

/// Runs every runnable snippet of `name` and checks exit codes, outputs and excerpts; returns
/// the commands that ran.
fn run_doc(name: &str) -> Vec<String> {
    let doc = read(name);
    let dir = scratch(name);
    let all = blocks(&doc, name);
    let mut ran = Vec::new();
    let mut last: Option<(Snippet, Output)> = None;
    for block in &all {
        match block.lang() {
            "sh" if block.runnable() => {
                last = None;
                for snippet in snippets(block, name) {
                    let out = run_shell(&dir, &snippet.text);
                    let code = out.status.code().unwrap_or(-1);
                    assert_eq!(
                        code,
                        snippet.exit,
                        "{name}:{}: `{}` exited with {code}, the docs say {}\n--- stdout\n{}\n--- stderr\n{}",
                        snippet.line,
                        snippet.text.trim(),
                        snippet.exit,
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr),
                    );
                    ran.push(snippet.text.clone());
                    last = Some((snippet, out));
                }
            }
            "sh" | "" => last = None,
            "text" => {
                let Some((snippet, out)) = last.take().filter(|_| block.follows_previous) else {
                    panic!("{name}:{}: a ```text block must directly follow a runnable ```sh block", block.line);
                };
                let actual =
                    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
                if let Err(missing) = contains_in_order(&actual, &block.body, &["..."]) {
                    panic!(
                        "{name}:{}: the output of `{}` (line {}) has no line\n  {missing}\nafter the lines before it; the real output:\n{actual}",
                        block.line,
                        snippet.text.trim(),
                        snippet.line
                    );
                }
            }
            "rust" | "yaml" => {
                last = None;
                check_excerpt(block, name);
            }
            other => panic!(
                "{name}:{}: ```{other} blocks are not run by any test; link to the quick starts of docs/api.md instead",
                block.line
            ),
        }
    }
    assert!(!ran.is_empty(), "{name} has no runnable snippet");
    let _ = std::fs::remove_dir_all(&dir);
    ran
}

fn check_excerpt(block: &Block, name: &str) {
    let first = block.body.first().map(|l| l.trim()).unwrap_or("");
    let file = first
        .strip_prefix("//")
        .or_else(|| first.strip_prefix('#'))
        .map(str::trim)
        .filter(|f| root().join(f).is_file())
        .unwrap_or_else(|| {
            panic!("{name}:{}: an excerpt starts with a comment naming its file (`// path` or `# path`)", block.line)
        });
    let text = read(file);
    if let Err(missing) = contains_in_order(&text, &block.body[1..], &["// ...", "# ..."]) {
        panic!(
            "{name}:{}: the excerpt of {file} has a line that is not in it (in this order):\n  {missing}",
            block.line
        );
    }
}

#[test]
fn guide_snippets_run() {
    let ran = run_doc("docs/guide.md");
    // the guide walks the whole cycle
    for step in [
        "flows map",
        "generate",
        "build",
        "validate",
        "analyze",
        "explain",
        "check",
        "review",
        "plan",
        "impact",
        "drops",
        "audit",
    ] {
        assert!(
            ran.iter().any(|c| c.contains(&format!("netfence {step} "))),
            "docs/guide.md runs no `netfence {step}`"
        );
    }
}

#[test]
fn cli_reference_snippets_run() {
    run_doc("docs/cli.md");
}

/// The subcommands of the binary, as word paths (`["flows", "map"]`), from `--help`.
fn subcommands(prefix: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<&str> = prefix.to_vec();
    args.push("--help");
    let out = Command::new(env!("CARGO_BIN_EXE_netfence")).args(&args).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let mut found = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line == "Commands:" {
            in_commands = true;
        } else if in_commands && !line.starts_with("  ") {
            break;
        } else if in_commands && !line.starts_with("   ") {
            let word = line.split_whitespace().next().unwrap();
            if word != "help" {
                let mut path: Vec<String> = prefix.iter().map(|s| (*s).to_owned()).collect();
                path.push(word.to_owned());
                let nested = subcommands(&path.iter().map(String::as_str).collect::<Vec<_>>());
                if nested.is_empty() {
                    found.push(path);
                } else {
                    found.extend(nested);
                }
            }
        }
    }
    found
}

fn help_of(path: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netfence")).args(path).arg("--help").output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// Long options of a help text, and the values of its `--format` option.
fn options_and_formats(help: &str) -> (Vec<String>, Vec<String>) {
    // each option with the lines of its description
    let mut entries: Vec<(String, Vec<&str>)> = Vec::new();
    let mut open = false;
    for line in help.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.starts_with('-') && !trimmed.starts_with("- ") && indent <= 6 {
            let long = trimmed.split([' ', ',', '=', '<']).find(|w| w.starts_with("--"));
            open = long.is_some();
            if let Some(long) = long {
                entries.push((long.to_owned(), vec![line]));
            }
        } else if !line.is_empty() && indent == 0 {
            open = false;
        } else if open && let Some((_, lines)) = entries.last_mut() {
            lines.push(line);
        }
    }
    let mut formats = Vec::new();
    for (_, lines) in entries.iter().filter(|(long, _)| long == "--format") {
        let joined = lines.iter().flat_map(|l| l.split_whitespace()).collect::<Vec<_>>().join(" ");
        if let Some(list) = joined.split("[possible values: ").nth(1).and_then(|l| l.split(']').next()) {
            formats.extend(list.split(", ").map(str::to_owned));
        }
        for line in lines {
            if let Some(value) = line.trim_start().strip_prefix("- ") {
                formats.push(value.split(':').next().unwrap().trim().to_owned());
            }
        }
    }
    (entries.into_iter().map(|(long, _)| long).collect(), formats)
}

/// The text of `docs/cli.md` under the heading `## netfence <path>`, up to the next `## `.
fn section<'a>(doc: &'a str, path: &[String]) -> Option<&'a str> {
    let heading = format!("\n## `netfence {}`\n", path.join(" "));
    let start = doc.find(&heading)? + heading.len();
    let end = doc[start..].find("\n## ").map_or(doc.len(), |e| start + e);
    Some(&doc[start..end])
}

#[test]
fn cli_reference_covers_every_subcommand_option_and_format() {
    let doc = read("docs/cli.md");
    let commands = subcommands(&[]);
    assert!(commands.len() >= 15, "{commands:?}");
    let (globals, _) = options_and_formats(&help_of(&[]));
    let global_section =
        doc.split("\n## ").find(|s| s.starts_with("Global options")).expect("a `## Global options` section");
    for option in &globals {
        assert!(GLOBAL_OPTIONS.contains(&option.as_str()), "new global option {option}: add it to GLOBAL_OPTIONS");
        assert!(
            global_section.contains(&format!("`{option}")),
            "docs/cli.md, Global options: `{option}` is not described"
        );
    }
    let mut problems = Vec::new();
    for path in &commands {
        let name = path.join(" ");
        let Some(text) = section(&doc, path) else {
            problems.push(format!("no section `## \\`netfence {name}\\``"));
            continue;
        };
        let (options, formats) = options_and_formats(&help_of(path));
        for option in options.iter().filter(|o| !GLOBAL_OPTIONS.contains(&o.as_str())) {
            if !text.contains(&format!("`{option}")) {
                problems.push(format!("netfence {name}: option `{option}` is not described"));
            }
        }
        for format in &formats {
            if !text.contains(&format!("`{format}`")) {
                problems.push(format!("netfence {name}: format `{format}` is not described"));
            }
        }
        if !text.contains("Exit codes") {
            problems.push(format!("netfence {name}: no exit codes"));
        }
        let runs = blocks(text, &name)
            .iter()
            .filter(|b| b.runnable())
            .any(|b| b.body.iter().any(|l| l.trim_start().starts_with(&format!("netfence {name} "))));
        if !runs {
            problems.push(format!("netfence {name}: no runnable example"));
        }
    }
    assert!(problems.is_empty(), "docs/cli.md is out of date:\n  {}", problems.join("\n  "));
}

#[test]
fn guide_builder_example_builds_what_the_intent_builds() {
    let rust = guide_builder::build().unwrap().to_yaml();
    let out = Command::new(env!("CARGO_BIN_EXE_netfence"))
        .args(["build", "examples/online-shop/intent.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(rust, String::from_utf8(out.stdout).unwrap(), "core/examples/guide_builder.rs and intent.yaml differ");
}

/// Relative links `](target)` of a markdown text, without anchors.
fn links(doc: &str) -> Vec<String> {
    doc.split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter(|t| !t.contains("://") && !t.starts_with('#') && !t.starts_with("mailto:"))
        .map(|t| t.split('#').next().unwrap().to_owned())
        .collect()
}

#[test]
fn docs_index_lists_every_document_and_links_resolve() {
    let index = read("docs/README.md");
    let mut names: Vec<String> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    names.sort();
    for name in &names {
        assert!(index.contains(&format!("]({name}")), "docs/README.md does not link {name}");
    }
    for doc in std::iter::once(&"docs/README.md").chain(DOCS) {
        for target in links(&read(doc)) {
            let path = root().join("docs").join(&target);
            assert!(path.exists(), "{doc}: the link `{target}` leads nowhere");
        }
    }
}

#[test]
fn guide_says_which_operations_the_bindings_have() {
    let api = read("docs/api.md");
    let in_table = |op: &str| api.lines().any(|l| l.starts_with(&format!("| `{op}` |")));
    let says_missing = read("docs/guide.md").contains("not yet in the bindings' operations table");
    assert_eq!(
        says_missing,
        !(in_table("review") && in_table("plan")),
        "docs/guide.md (section 3, \"Operations\") no longer matches the operations table of docs/api.md"
    );
}
