//! `cargo xtask <command>`: the project's developer commands.
//!
//! - `ci`: everything CI checks — `tidy`, then `test`, then docs with warnings denied.
//! - `tidy`: `cargo fmt --check` and clippy with `-D warnings` on all targets.
//! - `test`: all tests of the workspace.
//! - `doc`: `cargo doc` with warnings denied.
//!
//! - `conformance [--corpus DIR] [--filter TEXT] [--bless]`: the corpus ratchet.
//! - `e2e`: the README's Quick start commands on a fresh clone (`e2e.rs`); part of `ci`.
//! - `bench [CRITERION ARGS]`: `cargo bench -p policy-eval --bench eval`, the engine against
//!   the hand-written floor (`policy-eval/benches/README.md`); arguments go to criterion,
//!   e.g. `--warm-up-time 1 --measurement-time 3`.
//!
//! `fuzz` arrives with its issue; asking for it now says so and fails rather than pretending
//! to succeed.

// xtask is a developer tool: it reads the environment and runs processes.
#![allow(clippy::disallowed_methods)]

mod conformance;
mod e2e;

use std::process::Command;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        bail!("usage: cargo xtask <ci|tidy|test|doc|conformance|bench>");
    };
    match cmd.as_str() {
        "ci" => ci(),
        "tidy" => tidy(),
        "test" => test().map(|_| ()),
        "doc" => doc(),
        "conformance" => conformance_cmd(&args[1..]),
        "e2e" => e2e::run(),
        "bench" => bench(&args[1..]),
        "fuzz" => fuzz(&args[1..]),
        other => {
            bail!("unknown command `{other}`; try ci, tidy, test, doc, conformance, bench or fuzz")
        }
    }
}

const FUZZ_TARGETS: [&str; 3] = ["load", "validate", "evaluate"];

/// `cargo xtask fuzz [TARGET] [--seconds N]`: runs one or all cargo-fuzz targets, installing
/// cargo-fuzz when missing. The stable toolchain accepts cargo-fuzz's nightly flags with
/// `RUSTC_BOOTSTRAP=1`. Seeds are copied from the conformance corpus at run time into the
/// git-ignored `fuzz/corpus/`.
fn fuzz(args: &[String]) -> anyhow::Result<()> {
    let mut seconds = 60u64;
    let mut targets: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds needs a number")?
            }
            t if FUZZ_TARGETS.contains(&t) => targets.push(t.to_owned()),
            other => bail!(
                "unknown fuzz target or option `{other}`; targets: {}",
                FUZZ_TARGETS.join(", ")
            ),
        }
    }
    if targets.is_empty() {
        targets = FUZZ_TARGETS.iter().map(|t| (*t).to_owned()).collect();
    }
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let have_fuzz = Command::new(&cargo_bin)
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_fuzz {
        cargo(&["install", "cargo-fuzz", "--locked"])?;
    }
    let root = conformance::workspace_root();
    let fuzz_dir = root.join("fuzz");
    let corpus = conformance::default_corpus();
    for target in &targets {
        let seeds = fuzz_dir.join("corpus").join(target);
        std::fs::create_dir_all(&seeds)?;
        if seeds.read_dir()?.next().is_none() {
            copy_seeds(&corpus, &seeds, 400)?;
        }
        eprintln!("$ RUSTC_BOOTSTRAP=1 cargo fuzz run {target} ({seconds}s)");
        let status = Command::new(&cargo_bin)
            .current_dir(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", target.as_str()])
            .arg(&seeds)
            .args([
                "--",
                "-dict=kyverno.dict",
                &format!("-max_total_time={seconds}"),
            ])
            .status()
            .context("running cargo fuzz")?;
        if !status.success() {
            bail!(
                "fuzz target `{target}` failed ({status}); the crash input is under fuzz/artifacts/{target}/ — turn it into a regression test"
            );
        }
    }
    Ok(())
}

fn copy_seeds(from: &std::path::Path, to: &std::path::Path, limit: usize) -> anyhow::Result<()> {
    let mut stack = vec![from.to_path_buf()];
    let mut n = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "yaml") && n < limit {
                std::fs::copy(&p, to.join(format!("seed-{n}.yaml")))?;
                n += 1;
            }
        }
    }
    Ok(())
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
    if e2e::nested() {
        eprintln!("xtask ci: inside the e2e clone; not cloning again");
    } else {
        e2e::run()?;
    }
    eprintln!("xtask ci: all checks passed");
    // The plain closing line CI reads.
    println!("{passed} passed, {failed} failed");
    Ok(())
}
