//! Byte-for-byte snapshots of `policyctl` on `examples/platform` (issue 14: moving code
//! between crates must not change behaviour).
//!
//! Each case runs one command at a fixed `--now` and compares exit code, stdout and stderr
//! with `tests/golden/<case>.txt`. The snapshots were written by the binary *before* the
//! layout change and are checked against the hand-worked figures of `check_cmd.rs`,
//! `apply_cmd.rs` and friends by those tests, not by this one: this test only says "nothing
//! moved". When a change is meant to alter output, regenerate with
//! `POLICYCTL_BLESS=1 cargo test -p policy-cli --test golden` and review the diff.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const NOW: &str = "2027-03-20T00:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// Runs `policyctl args` in the workspace root; returns the snapshot text.
fn run(args: &[&str], scratch: &Path) -> (String, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let scratch = scratch.to_string_lossy().into_owned();
    let text = format!(
        "$ policyctl {}\nexit: {:?}\n--- stdout\n{}\n--- stderr\n{}\n",
        args.join(" "),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
    .replace(&scratch, "$SCRATCH");
    (text, out.stdout)
}

fn compare(name: &str, actual: &str, failures: &mut Vec<String>) {
    let path = root()
        .join("policy-cli/tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("POLICYCTL_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        failures.push(format!(
            "{name}: output differs from {} at line {}\n expected: {:?}\n actual:   {:?}",
            path.display(),
            first + 1,
            expected.lines().nth(first),
            actual.lines().nth(first)
        ));
    }
}

#[test]
fn policyctl_output_on_examples_platform_is_unchanged() {
    let scratch = std::env::temp_dir().join(format!("policyctl-golden-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join("scans")).unwrap();
    let s = |p: &str| scratch.join(p).to_string_lossy().into_owned();
    let mut failures = Vec::new();

    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    let mut case = |name: &str, args: &[&str]| {
        cases.push((
            name.to_owned(),
            args.iter().map(|a| (*a).to_owned()).collect(),
        ));
    };
    for env in ["dev", "staging", "prod"] {
        for (fmt, suffix) in [("table", ""), ("json", "-json"), ("yaml", "-yaml")] {
            case(
                &format!("check-{env}{suffix}"),
                &[
                    "check",
                    "-C",
                    "examples/platform",
                    "--env",
                    env,
                    "--now",
                    NOW,
                    "-o",
                    fmt,
                ],
            );
        }
    }
    case(
        "check-prod-markdown",
        &[
            "check",
            "-C",
            "examples/platform",
            "--env",
            "prod",
            "--now",
            NOW,
            "-o",
            "markdown",
        ],
    );
    case("test", &["test", "examples/platform", "--now", NOW]);
    case(
        "test-json",
        &["test", "examples/platform", "--now", NOW, "-o", "json"],
    );
    case("validate", &["validate", "examples/platform"]);
    let prod_policies = s("prod-policies");
    let staging_policies = s("staging-policies");
    case(
        "render-prod",
        &[
            "render",
            "examples/platform/charts/security-policy",
            "-f",
            "examples/platform/overlays/prod/values.yaml",
        ],
    );
    case("build-prod", &["build", "examples/platform/overlays/prod"]);
    case(
        "build-prod-dir",
        &[
            "build",
            "examples/platform/overlays/prod",
            "-o",
            &prod_policies,
        ],
    );
    case(
        "build-staging-dir",
        &[
            "build",
            "examples/platform/overlays/staging",
            "-o",
            &staging_policies,
        ],
    );
    for (name, fmt) in [
        ("apply", "table"),
        ("apply-json", "json"),
        ("apply-sarif", "sarif"),
    ] {
        case(
            name,
            &[
                "apply",
                &prod_policies,
                "--resource",
                "examples/platform/snapshot",
                "--exception",
                "examples/platform/exceptions",
                "--now",
                NOW,
                "-o",
                fmt,
            ],
        );
    }
    case(
        "diff-staging-prod",
        &[
            "diff",
            "--base",
            "examples/platform/overlays/staging",
            "--head",
            "examples/platform/overlays/prod",
            "--resources",
            "examples/platform/snapshot",
        ],
    );
    case(
        "diff-env",
        &[
            "diff",
            "--base",
            "examples/platform",
            "--head",
            "examples/platform",
            "--env",
            "prod",
        ],
    );
    for verb in ["check", "list"] {
        case(
            &format!("exceptions-{verb}"),
            &[
                "exceptions",
                verb,
                "examples/platform/exceptions",
                "--config",
                "examples/platform/exception-governance.yaml",
                "--now",
                NOW,
            ],
        );
    }

    let mut reports = Vec::new();
    for (name, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (text, stdout) = run(&args, &scratch);
        compare(name, &text, &mut failures);
        if name == "check-staging-yaml" {
            reports.push(stdout);
        }
    }

    // report and rollout read saved scans: staging on two dates.
    std::fs::write(scratch.join("staging.yaml"), &reports[0]).unwrap();
    for date in ["2027-03-06", "2027-03-20"] {
        let (_, stdout) = run(
            &[
                "check",
                "-C",
                "examples/platform",
                "--env",
                "staging",
                "--now",
                &format!("{date}T00:00:00Z"),
                "-o",
                "yaml",
            ],
            &scratch,
        );
        std::fs::write(scratch.join(format!("scans/staging-{date}.yaml")), stdout).unwrap();
    }
    let staging = s("staging.yaml");
    for fmt in ["table", "json", "prometheus", "markdown", "junit", "sarif"] {
        let (text, _) = run(&["report", &staging, "-o", fmt], &scratch);
        compare(&format!("report-{fmt}"), &text, &mut failures);
    }
    let scans = s("scans");
    for fmt in ["table", "json"] {
        let (text, _) = run(
            &[
                "rollout",
                &scans,
                "--policies",
                &staging_policies,
                "--now",
                NOW,
                "-C",
                "examples/platform",
                "-o",
                fmt,
            ],
            &scratch,
        );
        compare(&format!("rollout-{fmt}"), &text, &mut failures);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
