//! The `policyctl` binary as a user runs it: exit codes and messages.
#![allow(
    clippy::unwrap_used,
    clippy::disallowed_methods,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn policyctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(args)
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap()
}

fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policyctl-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn validate_example_repository_is_clean() {
    let out = policyctl(&["validate", "examples/platform"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("0 errors"), "{stderr}");
}

#[test]
fn validate_points_at_the_broken_line() {
    let dir = scratch(
        "broken",
        &[(
            "p.yaml",
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    validate: oops\n",
        )],
    );
    let out = policyctl(&["--no-color", "validate", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("p.yaml:8:15: spec.rules[0].validate: expected a mapping, found a string"),
        "{stderr}"
    );
    assert!(
        stderr.contains("validate: oops"),
        "the source line is shown: {stderr}"
    );
}

#[test]
fn validate_reports_semantic_problems_with_lines() {
    let dir = scratch(
        "semantic",
        &[(
            "p.yaml",
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {}\n    validate:\n      deny: {}\n",
        )],
    );
    let out = policyctl(&["--no-color", "validate", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("p.yaml:8:12: spec.rules[0].match: `match` selects nothing"),
        "{stderr}"
    );
}

#[test]
fn usage_and_unreadable_paths_exit_2() {
    assert_eq!(policyctl(&["validate"]).status.code(), Some(2));
    assert_eq!(
        policyctl(&["validate", "does/not/exist"]).status.code(),
        Some(2)
    );
    assert_eq!(policyctl(&["no-such-command"]).status.code(), Some(2));
}

#[test]
fn help_documents_exit_codes() {
    let out = policyctl(&["--help"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Exit codes"), "{stdout}");
}
