//! `cargo xtask fuzz`: the fuzz targets of `fuzz/` (its own workspace; see `fuzz/README.md`).
//!
//! - `fuzz [TARGET...] [--seconds N]`: fuzzes one or all targets with cargo-fuzz (installed
//!   when missing), `N` seconds each (default 60). cargo-fuzz's flags are nightly-only;
//!   `RUSTC_BOOTSTRAP=1` lets the stable compiler take them. Each run reads
//!   `fuzz/corpus/<t>/` (where new inputs go), `fuzz/seeds/<t>/` and `fuzz/regressions/<t>/`.
//! - `fuzz --replay [TARGET...]`: part of `xtask ci`. Builds the targets with a plain
//!   `cargo build --release` (stable, no sanitizer, no coverage: libfuzzer-sys compiles
//!   libFuzzer with the system C++ compiler) and runs every binary with `-runs=0` over its
//!   seeds and regressions: any panic or failed assertion fails the step.
//!
//! Seeds are written at run time by the fuzz workspace's `seeds` example from the
//! conformance corpus and `examples/` into the git-ignored `fuzz/seeds/` (at most
//! [`SEED_LIMIT`] per target); they are never committed. `fuzz/regressions/` is.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::conformance::{default_corpus, workspace_root};

/// Every fuzz target (a `[[bin]]` of `fuzz/Cargo.toml`).
pub(crate) const TARGETS: [&str; 10] = [
    "load",
    "validate",
    "evaluate",
    "pattern",
    "conditions",
    "jmespath",
    "template",
    "patch",
    "set",
    "report",
];

/// Most seeds per target.
const SEED_LIMIT: usize = 200;

/// libFuzzer limits for every run: a slow input (10 s) or a large one (2 GiB) is a finding.
const LIMITS: [&str; 2] = ["-timeout=10", "-rss_limit_mb=2048"];

fn root() -> PathBuf {
    let root = workspace_root();
    root.canonicalize().unwrap_or(root)
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

/// The dictionary a target's mutations draw from (relative to `fuzz/`).
fn dictionary(target: &str) -> &'static str {
    match target {
        "jmespath" => "dict/jmespath.dict",
        "template" => "dict/template.dict",
        "set" => "dict/set.dict",
        "patch" => "dict/patch.dict",
        "report" => "dict/report.dict",
        _ => "kyverno.dict",
    }
}

/// The plain build's target directory: the fuzz workspace's own (`fuzz/target`), or
/// `$CARGO_TARGET_DIR/fuzz` when that is set (the e2e clone keeps its builds there, warm
/// between runs).
fn plain_target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("fuzz"),
        None => fuzz_dir().join("target"),
    }
}

fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// `cargo xtask fuzz [TARGET...] [--seconds N] [--replay]`.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let mut seconds = 60u64;
    let mut replay_mode = false;
    let mut targets: Vec<&str> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => {
                seconds = it
                    .next()
                    .context("--seconds needs a number")?
                    .parse()
                    .context("--seconds needs a number")?;
            }
            "--replay" => replay_mode = true,
            t => match TARGETS.iter().find(|x| **x == t) {
                Some(x) => targets.push(x),
                None => bail!(
                    "unknown fuzz target or option `{t}`; targets: {}",
                    TARGETS.join(", ")
                ),
            },
        }
    }
    if targets.is_empty() {
        targets = TARGETS.to_vec();
    }
    if replay_mode {
        replay(&targets)
    } else {
        fuzz(&targets, seconds)
    }
}

/// Builds what `args` name in the fuzz workspace with plain `cargo build --release`.
fn plain_build(args: &[&str]) -> anyhow::Result<()> {
    let manifest = fuzz_dir().join("Cargo.toml");
    let target_dir = plain_target_dir();
    let mut command = Command::new(cargo_bin());
    command
        .args(["build", "--release", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .args(args)
        // Whatever the caller's environment says, this build is plain stable Rust.
        .env_remove("RUSTC_BOOTSTRAP")
        .env_remove("RUSTFLAGS");
    eprintln!(
        "$ cargo build --release --locked --manifest-path fuzz/Cargo.toml --target-dir {} {}",
        target_dir.display(),
        args.join(" ")
    );
    let status = command.status().context("running cargo build")?;
    if !status.success() {
        bail!(
            "building the fuzz targets failed ({status}); if a crate gained a dependency, \
             run `cargo build --release --manifest-path fuzz/Cargo.toml` once and commit \
             fuzz/Cargo.lock"
        );
    }
    Ok(())
}

/// Writes `fuzz/seeds/<target>/` for every target with the (already built) seeds example.
fn write_seeds() -> anyhow::Result<()> {
    let seeds_bin = plain_target_dir().join("release/examples/seeds");
    let mut roots = vec![root().join("examples")];
    let corpus = default_corpus();
    if corpus.is_dir() {
        roots.push(corpus);
    } else {
        eprintln!(
            "warning: {} is missing; seeds come from examples/ only",
            corpus.display()
        );
    }
    let out = Command::new(&seeds_bin)
        .arg(fuzz_dir().join("seeds"))
        .arg(SEED_LIMIT.to_string())
        .args(&roots)
        .output()
        .with_context(|| format!("running {}", seeds_bin.display()))?;
    if !out.status.success() {
        bail!(
            "writing seeds failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .count()
    })
}

/// `cargo xtask fuzz --replay`: every target over its seeds and regressions, once.
pub(crate) fn replay(targets: &[&str]) -> anyhow::Result<()> {
    let build_started = Instant::now();
    plain_build(&["--bins", "--example", "seeds"])?;
    let build = build_started.elapsed();
    let started = Instant::now();
    write_seeds()?;
    let fuzz = fuzz_dir();
    let bin_dir = plain_target_dir().join("release");
    let artifacts =
        std::env::temp_dir().join(format!("policyctl-fuzz-replay-{}", std::process::id()));
    std::fs::create_dir_all(&artifacts)?;
    let mut total = 0usize;
    let mut failed = Vec::new();
    for target in targets {
        let t0 = Instant::now();
        let seeds = fuzz.join("seeds").join(target);
        let regressions = fuzz.join("regressions").join(target);
        let n = count_files(&seeds) + count_files(&regressions);
        total += n;
        let mut command = Command::new(bin_dir.join(target));
        command.arg("-runs=0").args(LIMITS).arg(format!(
            "-artifact_prefix={}/{target}-",
            artifacts.display()
        ));
        command.arg(&seeds);
        if regressions.is_dir() {
            command.arg(&regressions);
        }
        let out = command
            .output()
            .with_context(|| format!("running fuzz target {target}"))?;
        let secs = t0.elapsed().as_secs_f64();
        if out.status.success() {
            eprintln!("fuzz replay {target}: {n} inputs, ok ({secs:.1} s)");
        } else {
            let log = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!(
                "fuzz replay {target}: FAILED ({}) after {secs:.1} s:\n{}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
            failed.push(*target);
        }
    }
    eprintln!(
        "fuzz replay: {total} inputs over {} targets in {:.1} s (build {:.1} s)",
        targets.len(),
        started.elapsed().as_secs_f64(),
        build.as_secs_f64()
    );
    if !failed.is_empty() {
        bail!(
            "fuzz replay failed for {}; the crashing inputs are in {} — turn each into a \
             regression (fuzz/README.md)",
            failed.join(", "),
            artifacts.display()
        );
    }
    let _ = std::fs::remove_dir_all(&artifacts);
    Ok(())
}

/// `cargo xtask fuzz [TARGET...] [--seconds N]`: cargo-fuzz runs, one target at a time.
fn fuzz(targets: &[&str], seconds: u64) -> anyhow::Result<()> {
    let have_fuzz = Command::new(cargo_bin())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_fuzz {
        crate::cargo(&["install", "cargo-fuzz", "--locked"])?;
    }
    plain_build(&["--example", "seeds"])?;
    write_seeds()?;
    let fuzz = fuzz_dir();
    for target in targets {
        let corpus = Path::new("corpus").join(target);
        std::fs::create_dir_all(fuzz.join(&corpus))?;
        let seeds = Path::new("seeds").join(target);
        let regressions = Path::new("regressions").join(target);
        eprintln!("$ RUSTC_BOOTSTRAP=1 cargo fuzz run {target} ({seconds} s)");
        let mut command = Command::new(cargo_bin());
        command
            .current_dir(&fuzz)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", target])
            .arg(&corpus)
            .arg(&seeds);
        if fuzz.join(&regressions).is_dir() {
            command.arg(&regressions);
        }
        let status = command
            .arg("--")
            .arg(format!("-dict={}", dictionary(target)))
            .arg(format!("-max_total_time={seconds}"))
            .args(LIMITS)
            .arg("-print_final_stats=1")
            .status()
            .context("running cargo fuzz")?;
        if !status.success() {
            bail!(
                "fuzz target `{target}` failed ({status}); the input is under \
                 fuzz/artifacts/{target}/ — turn it into a regression (fuzz/README.md)"
            );
        }
    }
    Ok(())
}
