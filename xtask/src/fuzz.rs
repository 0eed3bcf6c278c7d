//! `cargo xtask fuzz`: the fuzz targets of `fuzz/` (its own workspace; see `fuzz/README.md`).
//!
//! - `fuzz [TARGET...] [--seconds N]`: fuzzes one or all targets with cargo-fuzz (installed
//!   when missing), `N` seconds each (default 60). cargo-fuzz's flags are nightly-only;
//!   `RUSTC_BOOTSTRAP=1` lets the stable compiler take them. Each run reads
//!   `fuzz/corpus/<t>/` (where new inputs go), `fuzz/seeds/<t>/` and `fuzz/regressions/<t>/`.
//! - `fuzz --replay [TARGET...]`: part of `xtask ci`. Builds the fuzz workspace's `replay`
//!   example (every target's `run` without libFuzzer: plain stable Rust, no C++; profile
//!   `replay` = debug assertions and overflow checks, unoptimized: it builds from nothing in
//!   about a minute) and runs each target over its seeds and regressions: a panic, a failed
//!   property or an input slower than 10 s fails the step.
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

/// The replay's limit per input (seconds), libFuzzer's `-timeout`.
const REPLAY_TIMEOUT_SECS: &str = "10";

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
/// `$CARGO_TARGET_DIR/fuzz` when that is set.
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

/// Builds the examples `examples` of the fuzz workspace, without libFuzzer, with plain stable
/// `cargo build --profile PROFILE`.
fn plain_build(profile: &str, examples: &[&str]) -> anyhow::Result<()> {
    let manifest = fuzz_dir().join("Cargo.toml");
    let target_dir = plain_target_dir();
    let mut args = vec!["--profile", profile, "--no-default-features"];
    for e in examples {
        args.extend(["--example", e]);
    }
    let mut command = Command::new(cargo_bin());
    command
        .args(["build", "--locked", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .args(&args)
        // Whatever the caller's environment says, this build is plain stable Rust.
        .env_remove("RUSTC_BOOTSTRAP")
        .env_remove("RUSTFLAGS");
    eprintln!(
        "$ cargo build --locked --manifest-path fuzz/Cargo.toml --target-dir {} {}",
        target_dir.display(),
        args.join(" ")
    );
    let status = command.status().context("running cargo build")?;
    if !status.success() {
        bail!(
            "building the fuzz workspace failed ({status}); if a crate gained a dependency, \
             run `cargo build --release --manifest-path fuzz/Cargo.toml` once and commit \
             fuzz/Cargo.lock"
        );
    }
    Ok(())
}

/// Writes `fuzz/seeds/<target>/` for every target with the seeds example (already built
/// with `profile`).
fn write_seeds(profile: &str) -> anyhow::Result<()> {
    let seeds_bin = plain_target_dir().join(profile).join("examples/seeds");
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

/// The libFuzzer entry points are one line each and are compiled only by cargo-fuzz (which
/// needs nightly flags), so the replay checks them as text: one file per target in
/// `fuzz_targets/`, each handing its input to `policyctl_fuzz::targets::<t>::run`, and every
/// target listed in `src/targets/mod.rs`.
fn check_entry_points() -> anyhow::Result<()> {
    let fuzz = fuzz_dir();
    let mut found: Vec<String> = std::fs::read_dir(fuzz.join("fuzz_targets"))?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .collect();
    found.sort();
    let mut expected: Vec<String> = TARGETS.iter().map(|t| (*t).to_owned()).collect();
    expected.sort();
    if found != expected {
        bail!("fuzz/fuzz_targets/ holds {found:?}, xtask knows {expected:?}");
    }
    let index = std::fs::read_to_string(fuzz.join("src/targets/mod.rs"))?;
    for t in TARGETS {
        let shim = std::fs::read_to_string(fuzz.join(format!("fuzz_targets/{t}.rs")))?;
        let call = format!("policyctl_fuzz::targets::{t}::run(data)");
        if !shim.contains(&call) {
            bail!("fuzz/fuzz_targets/{t}.rs must hand its input to `{call}`");
        }
        if !index.contains(&format!("(\"{t}\", {t}::run)")) {
            bail!("fuzz/src/targets/mod.rs does not list target `{t}` in ALL");
        }
    }
    Ok(())
}

/// The replay must catch what libFuzzer would: a panicking input and a hanging one, each
/// named. Its `self-test` target fails on purpose on two such inputs.
fn self_test(replay_bin: &Path) -> anyhow::Result<()> {
    let dir =
        std::env::temp_dir().join(format!("policyctl-replay-self-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("a-fine"), "nothing to see")?;
    std::fs::write(dir.join("b-panics"), "PANIC")?;
    std::fs::write(dir.join("c-hangs"), "SLEEP")?;
    let out = Command::new(replay_bin)
        .args(["--timeout", "1", "self-test"])
        .arg(&dir)
        .output()
        .with_context(|| format!("running {}", replay_bin.display()))?;
    let _ = std::fs::remove_dir_all(&dir);
    let log = String::from_utf8_lossy(&out.stderr);
    let caught = |name: &str| {
        log.lines()
            .any(|l| l.contains("FAILED") && l.contains(name))
    };
    if out.status.code() != Some(1) || !caught("b-panics") || !caught("c-hangs") || caught("a-fine")
    {
        bail!(
            "the fuzz replay does not detect failures: `replay self-test` exited {} with:\n{log}",
            out.status
        );
    }
    Ok(())
}

/// `cargo xtask fuzz --replay`: every target over its seeds and regressions, once.
pub(crate) fn replay(targets: &[&str]) -> anyhow::Result<()> {
    check_entry_points()?;
    let build_started = Instant::now();
    plain_build("replay", &["seeds", "replay"])?;
    let build = build_started.elapsed();
    let started = Instant::now();
    write_seeds("replay")?;
    let fuzz = fuzz_dir();
    let replay_bin = plain_target_dir().join("replay/examples/replay");
    self_test(&replay_bin)?;
    let mut total = 0usize;
    let mut failed = Vec::new();
    for target in targets {
        let t0 = Instant::now();
        let seeds = fuzz.join("seeds").join(target);
        let regressions = fuzz.join("regressions").join(target);
        total += count_files(&seeds) + count_files(&regressions);
        let out = Command::new(&replay_bin)
            .args(["--timeout", REPLAY_TIMEOUT_SECS, target])
            .arg(&seeds)
            .arg(&regressions)
            .output()
            .with_context(|| format!("running {}", replay_bin.display()))?;
        let secs = t0.elapsed().as_secs_f64();
        let log = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            eprintln!("fuzz replay {} ({secs:.1} s)", log.trim_end());
        } else {
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
            "fuzz replay failed for {}: each failing input is named above; turn it into a \
             regression (fuzz/README.md)",
            failed.join(", ")
        );
    }
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
    plain_build("release", &["seeds"])?;
    write_seeds("release")?;
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
