//! `policyctl apply`: exit codes, formats, streaming from stdin.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn policyctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn policyctl_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

const AUDIT_ONLY: &str = "examples/platform/policies/require-labels.yaml";
const ENFORCE: &str = "examples/platform/policies/disallow-latest-tag.yaml";
const BAD_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec: {containers: [{name: c, image: nginx:latest}]}\n";

#[test]
fn audit_failures_exit_0_enforce_failures_exit_1() {
    let out = policyctl_stdin(&["apply", AUDIT_ONLY, "-r", "-"], BAD_POD);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Applying 3 policy rule(s) to 1 resource(s)..."),
        "{stdout}"
    );
    assert!(
        stdout.contains("policy require-labels -> resource x/Pod/p failed:"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pass: 0, fail: 1, warn: 0, error: 0, skip: 0 \n"),
        "{stdout}"
    );

    let out = policyctl_stdin(
        &["apply", AUDIT_ONLY, "-r", "-", "--fail-on", "audit"],
        BAD_POD,
    );
    assert_eq!(out.status.code(), Some(1));

    let out = policyctl_stdin(&["apply", ENFORCE, "-r", "-"], BAD_POD);
    assert_eq!(out.status.code(), Some(1));

    // --audit-warn: Audit failures print and count as warnings.
    let out = policyctl_stdin(&["apply", AUDIT_ONLY, "-r", "-", "--audit-warn"], BAD_POD);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("failed as audit warning:"), "{stdout}");
    assert!(stdout.contains("pass: 0, fail: 0, warn: 1"), "{stdout}");
}

#[test]
fn json_output_shape_and_order() {
    let out = policyctl(&[
        "apply",
        "examples/platform/policies",
        "-r",
        "examples/platform/tests/resources.yaml",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v["results"][0];
    assert_eq!(
        first["resource"]["name"], "good-pod",
        "results follow input order"
    );
    for key in ["policy", "rule", "result", "message", "mode", "exceptions"] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["resource"]["apiVersion"], "v1");
    let s = &v["summary"];
    assert_eq!(
        s["pass"].as_u64().unwrap() + s["fail"].as_u64().unwrap(),
        v["results"].as_array().unwrap().len() as u64
    );
    // deterministic bytes
    let again = policyctl(&[
        "apply",
        "examples/platform/policies",
        "-r",
        "examples/platform/tests/resources.yaml",
        "-o",
        "json",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn exceptions_exempt() {
    let out = policyctl(&[
        "apply",
        ENFORCE,
        "-r",
        "examples/platform/resources",
        "--exception",
        "examples/platform/exceptions",
        // the example exception expires at the end of 2027-03-31
        "--now",
        "2027-02-01T00:00:00Z",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ledger = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"]["name"] == "legacy-ledger")
        .unwrap();
    assert_eq!(ledger["result"], "skip", "{ledger}");
    assert_eq!(ledger["exceptions"][0], "billing/legacy-billing-latest");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn sarif_and_junit_parse() {
    let out = policyctl_stdin(&["apply", ENFORCE, "-r", "-", "-o", "sarif"], BAD_POD);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"][0]["level"], "error");
    let out = policyctl_stdin(&["apply", ENFORCE, "-r", "-", "-o", "junit"], BAD_POD);
    let xml = String::from_utf8(out.stdout).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut failures = 0;
    loop {
        match reader.read_event().expect("valid XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"failure" => failures += 1,
            _ => {}
        }
    }
    assert_eq!(failures, 1);
}

#[test]
fn usage_and_load_errors_exit_2() {
    assert_eq!(
        policyctl(&["apply", AUDIT_ONLY]).status.code(),
        Some(2),
        "resources are required"
    );
    assert_eq!(
        policyctl(&["apply", AUDIT_ONLY, "-r", "nope.yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        policyctl(&[
            "apply",
            AUDIT_ONLY,
            "-r",
            "-",
            "--set",
            "a=b",
            "--values-file",
            "v.yaml"
        ])
        .status
        .code(),
        Some(2)
    );
    let out = policyctl_stdin(
        &["apply", AUDIT_ONLY, "-r", "-"],
        "apiVersion: v1\nkind: Pod\nmetadata: [unclosed\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("<stdin>:"),
        "errors name the source"
    );
    assert_eq!(
        policyctl(&["apply", AUDIT_ONLY, "-r", "-", "--now", "yesterday"])
            .status
            .code(),
        Some(2)
    );
}
