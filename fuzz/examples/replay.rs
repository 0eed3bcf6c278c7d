//! Replays inputs through the fuzz targets without libFuzzer (what `cargo xtask fuzz --replay`
//! runs in CI): `replay [--timeout SECS] TARGET DIR...` hands every file of the directories
//! (sorted by path) to `policyctl_fuzz::targets::<TARGET>::run`, one at a time, as libFuzzer's
//! `-runs=0` would. Each input that panics (a failed property) or runs longer than the timeout
//! (default 10 s, libFuzzer's `-timeout=10`) is named on stderr; the exit status is 1 when any
//! did, 2 on bad arguments. Built without the `libfuzzer` feature: no C++ compile, no
//! sanitizer, one binary for all targets.

// A program: it reads the files it is given and times each input.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The stack of the thread running the inputs: the size of a main thread's (libFuzzer runs
/// inputs on the main thread), not the 2 MiB of a spawned thread.
const STACK: usize = 8 * 1024 * 1024;

fn files(dirs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for dir in dirs {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `self-test`: a target that fails on purpose, so that the replay's failure detection is
/// itself tested (`cargo xtask fuzz --replay` runs it first and expects both failures named):
/// an input containing `PANIC` panics, one containing `SLEEP` outlasts a 1 s timeout.
fn self_test(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    assert!(!text.contains("PANIC"), "self-test: asked to panic");
    if text.contains("SLEEP") {
        std::thread::sleep(Duration::from_secs(3));
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("replay: {message}\nusage: replay [--timeout SECS] TARGET DIR...");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    let mut timeout = Duration::from_secs(10);
    if args.peek().map(String::as_str) == Some("--timeout") {
        args.next();
        match args.next().and_then(|s| s.parse::<u64>().ok()) {
            Some(s) => timeout = Duration::from_secs(s),
            None => return usage("--timeout needs a number of seconds"),
        }
    }
    let Some(name) = args.next() else {
        return usage("no target");
    };
    let found = match name.as_str() {
        "self-test" => Some(self_test as policyctl_fuzz::targets::Target),
        other => policyctl_fuzz::targets::find(other),
    };
    let Some(run) = found else {
        let names: Vec<&str> = policyctl_fuzz::targets::ALL
            .iter()
            .map(|(n, _)| *n)
            .collect();
        return usage(&format!(
            "unknown target `{name}` (targets: {})",
            names.join(", ")
        ));
    };
    let dirs: Vec<PathBuf> = args.map(PathBuf::from).filter(|d| d.is_dir()).collect();
    let inputs = match files(&dirs) {
        Ok(f) => f,
        Err(e) => return usage(&e),
    };
    let count = inputs.len();
    let paths = inputs.clone();
    // The worker runs the inputs in order and reports each outcome; the main thread waits
    // for each at most `timeout`.
    let (tx, rx) = mpsc::channel::<(PathBuf, Result<(), String>, Duration)>();
    let worker = std::thread::Builder::new()
        .name(format!("replay-{name}"))
        .stack_size(STACK)
        .spawn(move || {
            for path in inputs {
                let started = Instant::now();
                let outcome = match std::fs::read(&path) {
                    Ok(data) => std::panic::catch_unwind(|| run(&data))
                        .map_err(|_| "panicked (message above)".to_owned()),
                    Err(e) => Err(format!("unreadable: {e}")),
                };
                if tx.send((path, outcome, started.elapsed())).is_err() {
                    return;
                }
            }
        });
    if let Err(e) = worker {
        eprintln!("replay: cannot start the worker thread: {e}");
        return ExitCode::FAILURE;
    }
    let mut failed: Vec<String> = Vec::new();
    let mut slowest = (Duration::ZERO, PathBuf::new());
    for index in 0..count {
        match rx.recv_timeout(timeout) {
            Ok((path, outcome, took)) => {
                if took > slowest.0 {
                    slowest = (took, path.clone());
                }
                if let Err(why) = outcome {
                    failed.push(format!("{}: {why}", path.display()));
                } else if took > timeout {
                    failed.push(format!(
                        "{}: took {took:?} (limit {timeout:?})",
                        path.display()
                    ));
                }
            }
            Err(_) => {
                let path = paths.get(index).map_or_else(String::new, |p| display(p));
                failed.push(format!("{path}: still running after {timeout:?}"));
                break;
            }
        }
    }
    if failed.is_empty() {
        eprintln!(
            "{name}: {count} inputs ok (slowest {:.1} ms: {})",
            slowest.0.as_secs_f64() * 1000.0,
            display(&slowest.1)
        );
        // Exit without waiting for the worker (it has finished).
        ExitCode::SUCCESS
    } else {
        for f in &failed {
            eprintln!("{name}: FAILED {f}");
        }
        // A hung worker must not keep the process alive.
        std::process::exit(1);
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
