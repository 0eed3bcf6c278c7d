//! `cargo xtask <command>`: the project's developer commands.
//!
//! - `ci`: everything CI checks — `tidy`, `test`, `doc`, `conformance`, the fuzz replay
//!   (`fuzz --replay`) and `e2e`.
//! - `tidy`: `cargo fmt --check` and clippy with `-D warnings` on all targets.
//! - `test`: all tests of the workspace.
//! - `doc`: `cargo doc` with warnings denied.
//!
//! - `conformance [--corpus DIR] [--filter TEXT] [--bless]`: the corpus ratchet.
//! - `e2e`: the README's Quick start commands on a fresh clone (`e2e.rs`); part of `ci`.
//! - `bench [CRITERION ARGS]`: `cargo bench -p policy-eval --bench eval`, the engine against
//!   the hand-written floor (`policy-eval/benches/README.md`); arguments go to criterion,
//!   e.g. `--warm-up-time 1 --measurement-time 3`.
//! - `fuzz [TARGET...] [--seconds N] | --replay`: cargo-fuzz runs, or the CI replay of seeds
//!   and regressions (`fuzz.rs`, `fuzz/README.md`).
//! - `screenshot-report [--out PATH]`: a PNG of the example HTML report, via headless
//!   Chromium (`screenshot.rs`).

// xtask is a developer tool: it reads the environment and runs processes.
#![allow(clippy::disallowed_methods)]

mod conformance;
mod e2e;
mod fuzz;
mod screenshot;

use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        bail!("usage: cargo xtask <ci|tidy|test|doc|conformance|e2e|bench|fuzz|screenshot-report>");
    };
    match cmd.as_str() {
        "ci" => ci(),
        "tidy" => tidy(),
        "test" => test().map(|_| ()),
        "doc" => doc(),
        "conformance" => conformance_cmd(&args[1..]),
        "e2e" => e2e::run(),
        "bench" => bench(&args[1..]),
        "fuzz" => fuzz::run(&args[1..]),
        "screenshot-report" => screenshot::run(&args[1..]),
        other => {
            bail!(
                "unknown command `{other}`; try ci, tidy, test, doc, conformance, e2e, bench, fuzz or screenshot-report"
            )
        }
    }
}

fn bench(extra: &[String]) -> anyhow::Result<()> {
    let mut args = vec!["bench", "-p", "policy-eval", "--bench", "eval"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    cargo(&args)
}

fn cargo(args: &[&str]) -> anyhow::Result<()> {
    cargo_env(args, &[])
}

fn cargo_env(args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("$ cargo {}", args.join(" "));
    let mut command = Command::new(cargo);
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let status = command
        .status()
        .with_context(|| format!("running cargo {}", args.join(" ")))?;
    if !status.success() {
        bail!("cargo {} failed ({status})", args.join(" "));
    }
    Ok(())
}

fn tidy() -> anyhow::Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])
}

/// Runs the workspace tests, echoing their output, and closes with one plain
/// `tests: N passed, M failed` line summed over every test binary.
fn test() -> anyhow::Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let args = ["test", "--workspace", "--locked"];
    eprintln!("$ cargo {}", args.join(" "));
    let mut child = Command::new(cargo)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    let (mut passed, mut failed) = (0u64, 0u64);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                for part in rest.split(['.', ';']) {
                    let mut words = part.split_whitespace();
                    if let (Some(n), Some(what)) = (words.next(), words.next()) {
                        let n: u64 = n.parse().unwrap_or(0);
                        match what {
                            "passed" => passed += n,
                            "failed" => failed += n,
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    let status = child.wait()?;
    println!("tests: {passed} passed, {failed} failed");
    if !status.success() {
        bail!("cargo test failed ({status})");
    }
    Ok((passed, failed))
}

fn doc() -> anyhow::Result<()> {
    cargo_env(
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}

fn conformance_cmd(args: &[String]) -> anyhow::Result<()> {
    let mut opts = conformance::Options {
        corpus: conformance::default_corpus(),
        filter: None,
        bless: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--corpus" => opts.corpus = it.next().context("--corpus needs a directory")?.into(),
            "--filter" => opts.filter = Some(it.next().context("--filter needs a text")?.clone()),
            "--bless" => opts.bless = true,
            other => bail!("unknown conformance option `{other}`"),
        }
    }
    conformance::run(&opts)
}

fn ci() -> anyhow::Result<()> {
    tidy()?;
    let (passed, failed) = test()?;
    doc()?;
    conformance_cmd(&[])?;
    fuzz::replay(&fuzz::TARGETS)?;
    e2e::run()?;
    eprintln!("xtask ci: all checks passed");
    // The plain closing line CI reads.
    println!("{passed} passed, {failed} failed");
    Ok(())
}
