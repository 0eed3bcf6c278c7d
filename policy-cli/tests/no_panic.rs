//! Every `policyctl` subcommand over a corpus of broken inputs (issue 9): each run exits 1
//! (problems found) or 2 (usage or load error) with a message on stderr or stdout, never 101
//! (a panic), never a signal (a stack overflow aborts) and never a hang (30 s per run).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

/// Runs `policyctl args` with a timeout; returns (exit code, stdout + stderr).
fn run(dir: &Path, args: &[String]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > TIMEOUT {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("`policyctl {}` hung (> {TIMEOUT:?})", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

/// The broken corpus, in `dir`.
fn corpus(dir: &Path) -> Vec<&'static str> {
    let files: [(&str, &[u8]); 12] = [
        ("empty.yaml", b""),
        (
            "truncated.yaml",
            b"apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod",
        ),
        ("garbage.yaml", b"\x00\x01\x02\xff\xfe\x89PNG\r\n\x1a\n\x00\x00"),
        ("binary.bin", &[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0x80]),
        ("wrongkind.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n"),
        ("scalar.yaml", b"just a string\n"),
        ("list.yaml", b"- 1\n- 2\n"),
        ("dup.yaml", b"apiVersion: v1\napiVersion: v2\nkind: Pod\n"),
        (
            "badpolicy.yaml",
            b"apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules: nope\n",
        ),
        (
            "deep.yaml",
            b"a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ),
        (
            "kyverno-test.yaml",
            b"apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [missing.yaml]\nresources: [garbage.yaml]\nresults: oops\n",
        ),
        ("policyctl.yaml", b"environments: [[[\n"),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    // Directories where files are expected, and a chart / overlay that are broken.
    std::fs::create_dir_all(dir.join("adir.yaml")).unwrap();
    std::fs::create_dir_all(dir.join("chart/templates")).unwrap();
    std::fs::write(dir.join("chart/Chart.yaml"), b"name: [\n").unwrap();
    std::fs::write(dir.join("chart/templates/x.yaml"), b"[% for %]").unwrap();
    std::fs::create_dir_all(dir.join("overlay")).unwrap();
    std::fs::write(
        dir.join("overlay/overlay.yaml"),
        b"bases: [.]\npatches: 7\n",
    )
    .unwrap();
    vec![
        "empty.yaml",
        "truncated.yaml",
        "garbage.yaml",
        "binary.bin",
        "wrongkind.yaml",
        "scalar.yaml",
        "list.yaml",
        "dup.yaml",
        "badpolicy.yaml",
        "deep.yaml",
        "missing.yaml",
        "adir.yaml",
        "no/such/dir",
    ]
}

fn check(dir: &Path, args: &[&str], failures: &mut Vec<String>) {
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let (code, text) = run(dir, &args);
    let shown = format!("policyctl {}", args.join(" "));
    match code {
        Some(1 | 2) if !text.trim().is_empty() => {}
        Some(1 | 2) => failures.push(format!("{shown}: exit {code:?} without a message")),
        _ => failures.push(format!(
            "{shown}: exit {code:?}: {}",
            text.chars().take(300).collect::<String>()
        )),
    }
}

#[test]
fn every_subcommand_fails_cleanly_on_broken_input() {
    let tmp = std::env::temp_dir().join(format!("policyctl-no-panic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();
    let inputs = corpus(&tmp);
    let good = "wrongkind.yaml";
    let mut failures = Vec::new();

    for input in &inputs {
        // Inputs that carry no problem at all may legitimately succeed for some commands,
        // so only exits other than 0, 1 and 2 (or silence on 1/2) are failures for them.
        let runs: Vec<Vec<&str>> = vec![
            vec!["validate", input],
            vec!["test", input],
            vec!["apply", input, "--resource", good],
            vec!["apply", "badpolicy.yaml", "--resource", input],
            vec!["apply", "badpolicy.yaml", "--resource", good, "-f", input],
            vec!["apply", "badpolicy.yaml", "--resource", good, "-e", input],
            vec!["apply", "badpolicy.yaml", "--resource", good, "-u", input],
            vec![
                "apply",
                "badpolicy.yaml",
                "--resource",
                good,
                "--context",
                input,
            ],
            vec!["report", input],
            vec!["rollout", "--policies", input, input],
            vec!["render", input],
            vec!["build", input],
            vec!["exceptions", "check", input],
            vec!["exceptions", "list", input],
            vec!["exceptions", "check", "--config", input, good],
            vec!["diff", "--base", input, "--head", good, "--resources", good],
            vec!["diff", "--base", good, "--head", input, "--resources", good],
            vec!["diff", "--base", good, "--head", good, "--resources", input],
        ];
        for args in runs {
            let owned: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            let (code, text) = run(&tmp, &owned);
            let shown = format!("policyctl {}", args.join(" "));
            match code {
                Some(0) => {}
                Some(1 | 2) if !text.trim().is_empty() => {}
                _ => failures.push(format!(
                    "{shown}: exit {code:?}: {}",
                    text.chars().take(300).collect::<String>()
                )),
            }
        }
    }

    // Broken inputs that must fail (1 or 2) with a message.
    let must_fail: Vec<Vec<&str>> = vec![
        vec!["validate", "truncated.yaml"],
        vec!["validate", "garbage.yaml"],
        vec!["validate", "missing.yaml"],
        vec!["validate", "deep.yaml"],
        vec!["test", "missing-dir"],
        vec!["test", "."],
        vec!["apply", "missing.yaml", "--resource", good],
        vec!["apply", "truncated.yaml", "--resource", good],
        vec!["report", "missing.yaml"],
        vec!["report", "garbage.yaml"],
        vec!["rollout", "--policies", "missing.yaml", "missing.yaml"],
        vec!["render", "chart"],
        vec!["render", "missing"],
        vec!["render", "empty.yaml"],
        vec!["build", "overlay"],
        vec!["build", "missing"],
        vec!["build", "garbage.yaml"],
        vec!["check"],
        vec!["check", "-C", "missing"],
        vec!["exceptions", "check", "missing.yaml"],
        vec!["exceptions", "list", "missing.yaml"],
        // Bad flag values, one per flag family.
        vec!["test", ".", "--now", "yesterday"],
        vec!["test", ".", "-o", "klingon"],
        vec!["apply", good, "--resource", good, "--operation", "EXPLODE"],
        vec!["apply", good, "--resource", good, "--now", "not-a-time"],
        vec!["apply", good, "--resource", good, "-o", "nope"],
        vec!["apply", good, "--resource", good, "--fail-on", "nope"],
        vec![
            "apply",
            good,
            "--resource",
            good,
            "--namespace-labels",
            "garbage.yaml",
        ],
        vec!["report", good, "-o", "nope"],
        vec!["report", good, "--pod-counting", "nope"],
        vec![
            "rollout",
            "--policies",
            good,
            good,
            "--min-audit-days",
            "-3",
        ],
        vec![
            "rollout",
            "--policies",
            good,
            good,
            "--max-violation-rate",
            "NaN%",
        ],
        vec!["rollout", "--policies", good, good, "--now", "99999-99-99"],
        vec!["render", "chart", "--set", "a[99999999999]=1"],
        vec!["render", "chart", "--set-json", "a={{{"],
        vec!["render", "chart", "-f", "garbage.yaml"],
        vec!["render", "chart", "-o", "empty.yaml"],
        vec!["build", "overlay", "-o", "empty.yaml"],
        vec!["check", "--now", "never"],
        vec!["exceptions", "list", good, "--expiring-within", "forever"],
        vec!["exceptions", "check", good, "--now", "tomorrow"],
        vec!["exceptions", "nope"],
        vec!["diff"],
        vec!["diff", "--base", good, "--head", good],
        vec![
            "diff",
            "--base",
            "missing",
            "--head",
            good,
            "--resources",
            good,
        ],
        vec![
            "diff",
            "--base",
            good,
            "--head",
            good,
            "--resources",
            "missing",
        ],
        vec![
            "diff",
            "--base",
            good,
            "--head",
            good,
            "--resources",
            good,
            "--env",
            "prod",
        ],
        vec![
            "diff",
            "--base",
            good,
            "--head",
            good,
            "--resources",
            good,
            "--now",
            "never",
        ],
        vec![
            "diff",
            "--base",
            good,
            "--head",
            good,
            "--resources",
            good,
            "-o",
            "nope",
        ],
        vec![
            "diff",
            "--base",
            "overlay",
            "--head",
            "chart",
            "--resources",
            good,
        ],
        vec!["nope"],
        vec![],
    ];
    for args in must_fail {
        check(&tmp, &args, &mut failures);
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
