//! `cargo xtask e2e`: the README's quick start on a fresh clone.
//!
//! Clones the repository's committed `HEAD` into a temporary directory, reads the commands of
//! the README's "Quick start" section, and runs them there as a user would, each with its
//! documented outcome: the first (`policyctl check` on `examples/platform` for prod) must
//! exit 1 with prod's enforce failures reported, the second (`cargo xtask ci`) must pass.
//!
//! The clone gets a `shared` link beside it (the conformance corpus `xtask ci` reads) and
//! its own target directory, `target/e2e/` of this checkout: on a clean CI machine that is
//! a build from nothing, as on a user's; locally it stays warm between runs. The nested
//! `cargo xtask ci` sees `POLICYCTL_E2E=nested` and does not recurse.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::conformance::workspace_root;

/// Set in the clone's environment; `xtask ci` skips this step when it is present.
pub const NESTED: &str = "POLICYCTL_E2E";

/// Whether this process runs inside an e2e clone.
pub fn nested() -> bool {
    std::env::var_os(NESTED).is_some()
}

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
    let result = run_in(&root, &scratch, check, ci);
    let _ = std::fs::remove_dir_all(&scratch);
    result?;
    eprintln!(
        "xtask e2e: both Quick start commands behaved as documented on a fresh clone ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn run_in(root: &Path, scratch: &Path, check: &str, ci: &str) -> anyhow::Result<()> {
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
    let target: PathBuf = root.join("target/e2e");

    // (1) `policyctl check --env prod`: prod enforces policies the snapshot violates.
    let out = shell(&clone, &target, check)?;
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

    // (2) `cargo xtask ci` in the clone passes.
    let out = shell(&clone, &target, ci)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: String = stderr
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        bail!(
            "`{ci}` failed in the clone ({})\nstdout tail:\n{}\nstderr tail:\n{tail}",
            out.status,
            stdout.lines().rev().take(10).collect::<Vec<_>>().join("\n")
        );
    }
    let last = stdout.lines().last().unwrap_or_default();
    if !last.ends_with(" 0 failed") {
        bail!("`{ci}` in the clone did not close with `N passed, 0 failed`: {last:?}");
    }
    eprintln!("xtask e2e: `{ci}` passed in the clone: {last}");
    Ok(())
}

fn shell(dir: &Path, target: &Path, command: &str) -> anyhow::Result<std::process::Output> {
    eprintln!("$ (cd {} && {command})", dir.display());
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env(NESTED, "nested")
        .env("CARGO_TARGET_DIR", target)
        // The outer cargo's variables would point the nested one at this checkout.
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PKG_NAME")
        .env_remove("CARGO")
        .env_remove("RUSTFLAGS")
        .output()
        .with_context(|| format!("running `{command}`"))?;
    eprintln!(
        "  ({:.0} s, {})",
        started.elapsed().as_secs_f64(),
        out.status
    );
    Ok(out)
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
