//! `cargo xtask e2e`: the README's quick start on a fresh clone.
//!
//! Clones the repository's committed `HEAD` into a temporary directory, reads the commands of
//! the README's "Quick start" section, and runs the first there as a user would: `policyctl
//! check` on `examples/platform` for prod must exit 1 with prod's enforce failures reported.
//! What a fresh clone can break is the committed files (an example, a value file or a
//! manifest left untracked), so the command runs in the clone with the `policyctl` this CI
//! run already built (`cargo build -p policy-cli`, a no-op after `xtask test`) in place of
//! its `cargo run --release -p policy-cli --` prefix: CI builds the workspace once.
//!
//! The second command is the README's test command, `cargo xtask ci`: that is the command
//! running this step (`.ci/run` calls it), so it is checked to be exactly that and not run
//! again — running the whole CI inside CI built and tested everything twice (issue 14).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::conformance::workspace_root;

/// How the Quick start runs `policyctl` from source.
const CARGO_RUN: &str = "cargo run --release -p policy-cli -- ";

/// The shell commands of the README's "Quick start" section, in order.
pub fn quick_start_commands(readme: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut in_section = false;
    let mut in_block = false;
    for line in readme.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            in_section = heading.trim() == "Quick start";
            continue;
        }
        if !in_section {
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block && !trimmed.is_empty() && !trimmed.starts_with('#') {
            commands.push(trimmed.to_owned());
        }
    }
    commands
}

pub fn run() -> anyhow::Result<()> {
    let started = Instant::now();
    let root = workspace_root();
    let root = root.canonicalize().unwrap_or(root);
    let readme = std::fs::read_to_string(root.join("README.md")).context("reading README.md")?;
    let commands = quick_start_commands(&readme);
    let [check, ci] = commands.as_slice() else {
        bail!(
            "the README's Quick start should hold exactly two commands (check, then ci); found {commands:?}"
        );
    };
    if !check.contains(" check ") || !ci.contains("xtask ci") {
        bail!("unexpected Quick start commands: {check:?}, {ci:?}");
    }

    let scratch = std::env::temp_dir().join(format!("policyctl-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    check_ci_command(&root, ci)?;
    let result = run_in(&root, &scratch, check);
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    eprintln!(
        "xtask e2e: the Quick start behaved as documented on a fresh clone ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_in(root: &Path, scratch: &Path, check: &str) -> anyhow::Result<()> {
    let clone = scratch.join("main");
    let status = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root)
        .arg(&clone)
        .status()
        .context("running git clone (is git installed?)")?;
    if !status.success() {
        bail!("git clone {} failed ({status})", root.display());
    }
    let shared = root.join("../shared");
    if shared.is_dir() {
        let shared = shared.canonicalize()?;
        std::os::unix::fs::symlink(&shared, scratch.join("shared"))
            .context("linking ../shared beside the clone")?;
    }
    let Some(args) = check.strip_prefix(CARGO_RUN) else {
        bail!("the Quick start's first command should start with `{CARGO_RUN}`: {check:?}");
    };
    crate::cargo(&[
        "build",
        "--locked",
        "-p",
        "policy-cli",
        "--bin",
        "policyctl",
    ])?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    let policyctl = target.join("debug/policyctl");

    // `policyctl check --env prod`: prod enforces policies the snapshot violates.
    eprintln!("$ (cd {} && policyctl {args})", clone.display());
    let out = Command::new(&policyctl)
        .args(args.split_whitespace())
        .current_dir(&clone)
        .output()
        .with_context(|| format!("running {}", policyctl.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1) {
        bail!(
            "`{check}` should exit 1 (prod enforces violated policies), got {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        );
    }
    let report = format!("{stdout}{stderr}");
    for expected in ["disallow-latest-tag", "Enforce"] {
        if !report.contains(expected) {
            bail!("`{check}` output lacks `{expected}`:\n{report}");
        }
    }
    eprintln!("xtask e2e: `{check}` exited 1 with prod's enforce failures, as documented");

    Ok(())
}

/// The README's second Quick start command is the one CI runs: `.ci/run` must call it.
fn check_ci_command(root: &Path, ci: &str) -> anyhow::Result<()> {
    if ci != "cargo xtask ci" {
        bail!("the README's test command should be `cargo xtask ci`, found `{ci}`");
    }
    let script = std::fs::read_to_string(root.join(".ci/run")).context("reading .ci/run")?;
    if !script.lines().any(|l| l.trim() == ci) {
        bail!("`.ci/run` does not call the README's test command `{ci}`");
    }
    eprintln!("xtask e2e: `{ci}` is the command .ci/run calls (running now; not nested)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_quick_start_commands_only() {
        let readme = "# x\n\n```sh\nnot this\n```\n\n## Quick start\n\ntext\n\n```sh\ncargo run -p a -- check x\n```\n\nmore\n\n```sh\n# a comment\ncargo xtask ci\n```\n\n## Documentation\n\n```sh\nnor this\n```\n";
        assert_eq!(
            quick_start_commands(readme),
            ["cargo run -p a -- check x", "cargo xtask ci"]
        );
    }

    #[test]
    fn the_readme_has_the_two_commands() {
        let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
        let commands = quick_start_commands(&readme);
        assert_eq!(commands.len(), 2, "{commands:?}");
        assert!(commands[0].contains("check -C examples/platform --env prod"));
        assert_eq!(commands[1], "cargo xtask ci");
    }
}
