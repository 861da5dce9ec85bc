//! The CI integrations' step of `cargo xtask test` (`docs/ci.md`): `cargo test --workspace` has
//! already run `cli/tests/ci.rs` (the GitHub Action's steps, the GitLab template, the
//! pre-commit hook's entry); this step installs pre-commit from PyPI into its own virtual
//! environment (`target/tools/pre-commit`, kept between runs) and runs the test that needs it:
//! real `pre-commit try-repo` with the repository's `.pre-commit-hooks.yaml`.

use std::path::Path;

use crate::bindings::run_in;

/// The pre-commit release the test runs.
const PRE_COMMIT: &str = "pre-commit==4.7.0";

pub fn test(root: &Path) -> Result<(), String> {
    let venv = root.join("target/tools/pre-commit");
    let pre_commit = venv.join("bin/pre-commit");
    if !pre_commit.exists() {
        let venv_arg = venv.to_string_lossy().into_owned();
        run_in(root, "python3", &["-m", "venv", &venv_arg], &[])?;
        let pip = venv.join("bin/pip").to_string_lossy().into_owned();
        run_in(root, &pip, &["install", "--disable-pip-version-check", "-q", PRE_COMMIT], &[])?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let pre_commit = pre_commit.to_string_lossy().into_owned();
    run_in(
        root,
        &cargo,
        // `--workspace`: the same feature set as the workspace's test run, so nothing rebuilds
        &["test", "--locked", "--workspace", "--test", "ci", "--", "--ignored", "pre_commit_runs_the_hook"],
        &[("NETFENCE_PRE_COMMIT", &pre_commit)],
    )
}
