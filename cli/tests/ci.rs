#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]
#![cfg(unix)]
//! The CI integrations of `docs/ci.md`, run as their CI would run them, on a temporary git
//! repository laid out like the example (manifests, policies, requirements, configuration) with a
//! base commit and a head commit (the pull request of `examples/online-shop-change/`):
//!
//! - the GitHub Action: each step of `action.yml` whose `if:` holds runs with its `env:` and the
//!   `${{ }}` expressions resolved (`ci/netfence-review.sh` does the review); the `uses:` steps
//!   are checked for what they would receive;
//! - the GitLab job template (`ci/gitlab/netfence-review.gitlab-ci.yml`): its script with the
//!   merge request's variables, and the code quality report it names as an artifact;
//! - the pre-commit hook (`.pre-commit-hooks.yaml`): its entry on the repository's files, and
//!   (ignored unless `NETFENCE_PRE_COMMIT` names a `pre-commit`; `cargo xtask test` installs it)
//!   real `pre-commit try-repo`;
//! - the README's first command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn netfence() -> &'static str {
    env!("CARGO_BIN_EXE_netfence")
}

/// `PATH` with this build's `netfence` first.
fn path_with_netfence() -> String {
    let dir = Path::new(netfence()).parent().unwrap().display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

/// A YAML file of the repository as JSON (read with netfence's own parser).
fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let parsed = netfence::source::parse_text(&text, path, &netfence::source::ParseOptions::default()).unwrap();
    assert!(parsed.errors.is_empty(), "{path}: {:?}", parsed.errors);
    parsed.documents[0].root.to_json()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=netfence test", "-c", "user.email=test@netfence.invalid", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A repository with the example's layout: `manifests/`, `policies/policies.yaml`,
/// `requirements.yaml`, `netfence.yaml`; the base commit has the base policies, HEAD the pull
/// request's. Returns the directory and the base commit.
fn example_repo(name: &str) -> (PathBuf, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ci-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("manifests")).unwrap();
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let examples = root().join("examples");
    for entry in std::fs::read_dir(examples.join("online-shop/manifests")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("manifests").join(entry.file_name())).unwrap();
    }
    for file in ["requirements.yaml", "netfence.yaml"] {
        std::fs::copy(examples.join("online-shop").join(file), dir.join(file)).unwrap();
    }
    let policies = dir.join("policies/policies.yaml");
    std::fs::copy(examples.join("online-shop-change/base/policies.yaml"), &policies).unwrap();
    git(&dir, &["init", "--quiet", "--initial-branch=main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "--quiet", "-m", "base"]);
    let base = git(&dir, &["rev-parse", "HEAD"]);
    std::fs::copy(examples.join("online-shop-change/head/policies.yaml"), &policies).unwrap();
    git(&dir, &["commit", "--quiet", "-am", "the pull request"]);
    (dir, base)
}

/// `key=value` lines of a `$GITHUB_OUTPUT` file.
fn outputs(file: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect()
}

/// The GitHub Actions context an expression reads: `inputs.*`, `steps.<id>.outputs.*`,
/// `runner.temp`, `github.*`.
struct Context(BTreeMap<String, String>);

impl Context {
    fn value(&self, name: &str) -> String {
        let name = name.trim();
        if let Some(literal) = name.strip_prefix('\'').and_then(|n| n.strip_suffix('\'')) {
            return literal.to_owned();
        }
        // steps that did not run have no outputs; inputs and github fields must be known
        if name.starts_with("steps.") {
            return self.0.get(name).cloned().unwrap_or_default();
        }
        self.0.get(name).cloned().unwrap_or_else(|| panic!("the test does not know `{name}`"))
    }

    /// `${{ expr }}` in a string, where `expr` is a context value.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("closed expression") + start;
            out.push_str(&self.value(&rest[start + 3..end]));
            rest = &rest[end + 2..];
        }
        out + rest
    }

    /// An `if:` condition: clauses `a == b` / `a != b` joined by `&&` (what action.yml uses).
    fn holds(&self, condition: &str) -> bool {
        condition.split("&&").all(|clause| {
            if let Some((a, b)) = clause.split_once("!=") {
                self.value(a) != self.value(b)
            } else if let Some((a, b)) = clause.split_once("==") {
                self.value(a) == self.value(b)
            } else {
                panic!("the test cannot evaluate `{clause}`")
            }
        })
    }
}

/// Runs the action's steps in `repo` with `inputs` (the rest take their defaults). Returns the
/// exit code of the last step that ran, the context (with every step's outputs) and the
/// `uses:` steps that ran with their resolved `with:`.
fn run_action(repo: &Path, inputs: &[(&str, &str)], name: &str) -> (i32, Context, Vec<(String, Value)>) {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let temp = repo.parent().unwrap().join(format!("{name}-runner-temp"));
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp).unwrap();
    let summary = temp.join("step-summary.md");
    let mut context = Context(BTreeMap::new());
    context.0.insert("runner.temp".into(), temp.display().to_string());
    context.0.insert("github.action_path".into(), root().display().to_string());
    context.0.insert("github.event.pull_request.base.sha".into(), String::new());
    for (input, spec) in action["inputs"].as_object().unwrap() {
        let default = spec["default"].as_str().unwrap_or("");
        context.0.insert(format!("inputs.{input}"), context.expand(default));
    }
    for (input, value) in inputs {
        assert!(context.0.contains_key(&format!("inputs.{input}")), "action.yml has no input `{input}`");
        context.0.insert(format!("inputs.{input}"), (*value).to_owned());
    }
    let mut used = Vec::new();
    let mut code = 0;
    for step in action["runs"]["steps"].as_array().unwrap() {
        if let Some(condition) = step["if"].as_str()
            && !context.holds(condition)
        {
            continue;
        }
        let id = step["id"].as_str().unwrap_or("");
        if let Some(uses) = step["uses"].as_str() {
            let with: serde_json::Map<String, Value> = step["with"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(context.expand(v.as_str().unwrap()))))
                .collect();
            if uses.starts_with("actions/cache@") {
                context.0.insert(format!("steps.{id}.outputs.cache-hit"), "false".into());
            }
            used.push((uses.to_owned(), Value::Object(with)));
            continue;
        }
        assert_eq!(step["shell"], "bash", "{step}");
        let output_file = temp.join(format!("output-{id}"));
        let _ = std::fs::remove_file(&output_file);
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"].as_str().unwrap()])
            .current_dir(repo)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("RUNNER_TEMP", &temp)
            .env("RUNNER_OS", "Linux");
        for (key, value) in step["env"].as_object().into_iter().flatten() {
            command.env(key, context.expand(value.as_str().unwrap()));
        }
        let out = command.output().unwrap();
        code = out.status.code().unwrap();
        println!("step `{}` exited {code}:\n{}", step["name"].as_str().unwrap_or(id), text(&out));
        for (key, value) in outputs(&output_file) {
            context.0.insert(format!("steps.{id}.outputs.{key}"), value);
        }
        if code != 0 {
            break;
        }
    }
    (code, context, used)
}

#[test]
fn github_action_reviews_the_pull_request() {
    let (repo, base) = example_repo("github");
    let inputs = [
        ("paths", "manifests policies"),
        ("base-ref", base.as_str()),
        ("requirements", "requirements.yaml"),
        ("config", "netfence.yaml"),
        ("netfence", netfence()),
    ];
    let (code, context, used) = run_action(&repo, &inputs, "github");
    // the verdict step fails the job after the upload
    assert_eq!(code, 1);
    let out = |key: &str| context.value(&format!("steps.review.outputs.{key}"));
    assert_eq!(out("verdict"), "fail");
    assert_eq!(out("exit-code"), "1");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(out("sarif")).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let nf401 = results.iter().find(|r| r["ruleId"] == "NF401").expect("the opened external path");
    assert_eq!(nf401["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "policies/policies.yaml");
    assert_eq!(nf401["properties"]["new"], true);
    assert!(results.iter().any(|r| r["ruleId"] == "requirement"), "the failing requirement");
    // the upload receives that file (with the permission the docs name)
    let (uses, with) = used.iter().find(|(u, _)| u.starts_with("github/codeql-action/upload-sarif@")).unwrap();
    assert!(uses.ends_with("@v4"), "the current major (v3 is deprecated in December 2026)");
    assert_eq!(with["sarif_file"], out("sarif"));
    assert!(used.iter().all(|(u, _)| !u.starts_with("actions/cache@")), "no build with a given binary");
    // the markdown review is the job summary
    let summary = std::fs::read_to_string(repo.parent().unwrap().join("github-runner-temp/step-summary.md")).unwrap();
    assert!(summary.starts_with("## netfence review: ❌ fail"), "{summary}");
    assert!(summary.contains("api and payments reach postgres"), "{summary}");
    assert_eq!(summary, std::fs::read_to_string(out("markdown")).unwrap());

    // the head against itself: nothing is new and the failing requirement fails on the base
    // too, so the verdict is `warn` and the verdict step does not fail the job
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let mut inputs = inputs.to_vec();
    inputs[1] = ("base-ref", head.as_str());
    let (code, context, _) = run_action(&repo, &inputs, "github-same");
    assert_eq!(code, 0);
    assert_eq!(context.value("steps.review.outputs.verdict"), "warn");
    assert_eq!(context.value("steps.review.outputs.exit-code"), "0");
}

#[test]
fn github_action_builds_netfence_when_none_is_given() {
    // without `netfence`, the action restores or builds the CLI from its own source: the setup
    // step names the cache key and the binary, the cache step runs, and the build step would
    // run `cargo install` on a miss (not run here: the test's binary is that build)
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let build = steps.iter().find(|s| s["run"].as_str().is_some_and(|r| r.starts_with("cargo install"))).unwrap();
    assert_eq!(build["if"], "inputs.netfence == '' && steps.cache.outputs.cache-hit != 'true'");
    assert!(build["run"].as_str().unwrap().contains("--path \"$GITHUB_ACTION_PATH/cli\""));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ci-setup");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let setup = &steps[0];
    assert_eq!(setup["id"], "setup");
    let out = Command::new("bash")
        .args(["-eo", "pipefail", "-c", setup["run"].as_str().unwrap()])
        .env("INPUT_NETFENCE", "")
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_OUTPUT", dir.join("output"))
        .env("RUNNER_TEMP", &dir)
        .env("RUNNER_OS", "Linux")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let outputs = outputs(&dir.join("output"));
    assert!(outputs["key"].starts_with("netfence-cli-Linux-") && outputs["key"].len() == 39, "{outputs:?}");
    assert_eq!(outputs["bin"], format!("{}/netfence-cli/bin/netfence", dir.display()));
}

#[test]
fn gitlab_template_writes_a_code_quality_report() {
    let (repo, base) = example_repo("gitlab");
    let template = yaml("ci/gitlab/netfence-review.gitlab-ci.yml");
    let job = &template[".netfence-review"];
    assert_eq!(job["artifacts"]["when"], "always");
    let report = job["artifacts"]["reports"]["codequality"].as_str().unwrap();
    assert!(job["rules"][0]["if"].as_str().unwrap().contains("merge_request_event"));
    let script: Vec<&str> = job["script"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    let mut command = Command::new("sh");
    command.args(["-c", &script.join("\n")]).current_dir(&repo);
    for (key, value) in job["variables"].as_object().unwrap() {
        command.env(key, value.as_str().unwrap());
    }
    let out = command
        .env("NETFENCE", netfence())
        .env("NETFENCE_PATHS", "manifests policies")
        .env("NETFENCE_REQUIREMENTS", "requirements.yaml")
        .env("NETFENCE_CONFIG", "netfence.yaml")
        .env("CI_PIPELINE_SOURCE", "merge_request_event")
        .env("CI_MERGE_REQUEST_DIFF_BASE_SHA", &base)
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(log.contains("connections removed:") && log.contains("verdict: fail"), "{log}");
    let issues: Value = serde_json::from_str(&std::fs::read_to_string(repo.join(report)).unwrap()).unwrap();
    let issues = issues.as_array().unwrap();
    let mut fingerprints = Vec::new();
    for issue in issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[field].as_str().is_some_and(|v| !v.is_empty()), "{field} of {issue}");
        }
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&issue["severity"].as_str().unwrap()));
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(repo.join(path).is_file(), "a repository path: {path}");
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        fingerprints.push(issue["fingerprint"].as_str().unwrap());
    }
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "GitLab needs unique fingerprints");
    let nf401 = issues.iter().find(|i| i["check_name"] == "NF401").unwrap();
    assert_eq!(nf401["location"]["path"], "policies/policies.yaml");
    assert_eq!(nf401["severity"], "major");
    let requirement = issues.iter().find(|i| i["check_name"] == "requirement").unwrap();
    assert_eq!(requirement["severity"], "critical");
    assert_eq!(requirement["location"]["path"], "requirements.yaml");
    let md = std::fs::read_to_string(repo.join("netfence-review.md")).unwrap();
    assert!(md.starts_with("## netfence review: ❌ fail"));
    assert_eq!(job["artifacts"]["paths"][0], "netfence-review.md");
}

/// The pre-commit hook `id` of `.pre-commit-hooks.yaml`.
fn hook(id: &str) -> Value {
    let hooks = yaml(".pre-commit-hooks.yaml");
    hooks.as_array().unwrap().iter().find(|h| h["id"] == id).cloned().unwrap()
}

#[test]
fn pre_commit_hook_entry_lints_the_files() {
    let (repo, _) = example_repo("pre-commit-entry");
    let hook = hook("netfence-lint");
    assert_eq!(hook["language"], "system");
    assert_eq!(hook["files"], r"\.(ya?ml|json)$");
    let entry: Vec<String> = hook["entry"].as_str().unwrap().split_whitespace().map(str::to_owned).collect();
    // what pre-commit passes: the matching files (all of them with --all-files)
    let files = git(&repo, &["ls-files", "*.yaml", "*.yml", "*.json"]);
    let run = || {
        Command::new(&entry[0])
            .args(&entry[1..])
            .args(files.lines().chain(["extra.yaml"]).filter(|f| repo.join(f).exists()))
            .current_dir(&repo)
            .env("PATH", path_with_netfence())
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = run();
    assert_eq!(out.status.code(), Some(0), "warnings do not fail the commit: {}", text(&out));
    assert!(text(&out).contains("warning[NF304]"), "{}", text(&out));
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\n\
                  spec: {podSelector: {}, ingress: [{ports: [{protocol: HTTP, port: 80}]}]}\n";
    std::fs::write(repo.join("extra.yaml"), policy).unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("error[NF017]"), "{}", text(&out));
}

#[test]
#[ignore = "needs pre-commit: NETFENCE_PRE_COMMIT=path (cargo xtask test installs it)"]
fn pre_commit_runs_the_hook() {
    let pre_commit = std::env::var("NETFENCE_PRE_COMMIT").expect("NETFENCE_PRE_COMMIT names a pre-commit executable");
    let (repo, _) = example_repo("pre-commit");
    let home = repo.parent().unwrap().join("pre-commit-home");
    let try_repo = || {
        Command::new(&pre_commit)
            .args(["try-repo", root().to_str().unwrap(), "netfence-lint", "--all-files", "--color", "never"])
            .current_dir(&repo)
            .env("PATH", path_with_netfence())
            .env("PRE_COMMIT_HOME", &home)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let out = try_repo();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("netfence lint") && text(&out).contains("Passed"), "{}", text(&out));
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: shop}\n\
                  spec: {podSelector: {}, ingress: [{ports: [{protocol: HTTP, port: 80}]}]}\n";
    std::fs::write(repo.join("policies/extra.yaml"), policy).unwrap();
    git(&repo, &["add", "policies/extra.yaml"]);
    let out = try_repo();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Failed") && text(&out).contains("error[NF017]"), "{}", text(&out));
}

#[test]
fn readme_first_command_reviews_the_example_change() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let command = block.replace("\\\n", " ");
    let args = command
        .trim()
        .strip_prefix("cargo run --release -p netfence-cli -- ")
        .expect("the README's first command runs the CLI through cargo");
    let out = Command::new(netfence())
        .args(args.split_whitespace())
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    // the connectivity diff, the failing requirement and the verdict
    assert!(
        log.contains("connections added:\n  + 0.0.0.0-255.255.255.255 => shop/frontend[Deployment] : TCP 8080"),
        "{log}"
    );
    assert!(
        log.contains("connections removed:\n  - payments/payments[Deployment] => data/postgres[StatefulSet]"),
        "{log}"
    );
    assert!(log.contains("FAIL api and payments reach postgres"), "{log}");
    assert!(log.ends_with("verdict: fail (exit 1)\n"), "{log}");
    // the README says what the first run shows and how the verdict is reached
    for words in ["`fail`, exit code 1", "thresholds.failOn", "warnOn", "api and payments reach postgres"] {
        assert!(readme.contains(words), "the README explains the first run: `{words}`");
    }
}
