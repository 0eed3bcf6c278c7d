//! Exceptions that expire: `policyctl apply` / `test` with `--now` before and after an
//! expiry, and `policyctl exceptions check` / `list`.
//!
//! Fixture (tests/fixtures/exceptions): the Enforce policy `require-team` (rule
//! `team-label`), three Pods — `shop/good` (labelled), `legacy/legacy` and `old/old` (not) —
//! and two exceptions: `legacy-team` (expires end of 2025-12-31, exempts namespace
//! `legacy`) and `old-team` (expires 2025-06-30T14:00:00+02:00 = 12:00:00Z, exempts
//! namespace `old`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

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

const DIR: &str = "policy-cli/tests/fixtures/exceptions";

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

/// `(resource name, result, exceptions, expiredExceptions)` rows of `apply -o json`.
fn apply_rows(now: &str) -> (Vec<(String, String, String, String)>, Output) {
    let out = policyctl(&[
        "apply",
        &fixture("policy.yaml"),
        "-r",
        &fixture("resources.yaml"),
        "-e",
        &fixture("exceptions.yaml"),
        "--now",
        now,
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let rows = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["policy"], "require-team");
            assert_eq!(r["rule"], "team-label");
            let ex: Vec<&str> = r["exceptions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap())
                .collect();
            (
                r["resource"]["name"].as_str().unwrap().to_owned(),
                r["result"].as_str().unwrap().to_owned(),
                ex.join(","),
                r["properties"]["expiredExceptions"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned(),
            )
        })
        .collect();
    (rows, out)
}

fn row(name: &str, result: &str, ex: &str, expired: &str) -> (String, String, String, String) {
    (name.into(), result.into(), ex.into(), expired.into())
}

#[test]
fn apply_before_the_expiry_exempts_both() {
    let (rows, out) = apply_rows("2025-06-30T11:59:59Z");
    assert_eq!(
        rows,
        vec![
            row("good", "pass", "", ""),
            row("legacy", "skip", "exceptions/legacy-team", ""),
            row("old", "skip", "exceptions/old-team", ""),
        ]
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn apply_at_and_after_the_expiry_fails_the_old_pod() {
    // exactly at the expiry (given in another zone) and a day later
    for now in ["2025-06-30T14:00:00+02:00", "2025-07-01T00:00:00Z"] {
        let (rows, out) = apply_rows(now);
        assert_eq!(
            rows,
            vec![
                row("good", "pass", "", ""),
                row("legacy", "skip", "exceptions/legacy-team", ""),
                row(
                    "old",
                    "fail",
                    "",
                    "exceptions/old-team expired at 2025-06-30T12:00:00Z"
                ),
            ],
            "now = {now}"
        );
        assert_eq!(out.status.code(), Some(1), "an Enforce rule fails");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "warning: exception exceptions/old-team is not in force: expired at 2025-06-30T12:00:00Z\n"
        );
    }
}

#[test]
fn apply_after_both_expiries_fails_both() {
    // `expires: "2025-12-31"` is the end of that day, UTC
    let (rows, _) = apply_rows("2025-12-31T23:59:59Z");
    assert_eq!(rows[1], row("legacy", "skip", "exceptions/legacy-team", ""));
    let (rows, _) = apply_rows("2026-01-01T00:00:00Z");
    assert_eq!(
        rows,
        vec![
            row("good", "pass", "", ""),
            row(
                "legacy",
                "fail",
                "",
                "exceptions/legacy-team expired at 2026-01-01T00:00:00Z"
            ),
            row(
                "old",
                "fail",
                "",
                "exceptions/old-team expired at 2025-06-30T12:00:00Z"
            ),
        ]
    );
}

fn test_rows(now: &str) -> (Vec<(String, String, bool)>, Output) {
    let out = policyctl(&[
        "test",
        DIR,
        "-f",
        "exceptions-test.yaml",
        "--now",
        now,
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["suites"][0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["resource"].as_str().unwrap().to_owned(),
                r["actual"].as_str().unwrap().to_owned(),
                r["passed"].as_bool().unwrap(),
            )
        })
        .collect();
    (rows, out)
}

#[test]
fn test_suite_honours_now() {
    let (rows, out) = test_rows("2025-06-30T11:59:59Z");
    assert_eq!(
        rows,
        vec![
            ("v1/Pod/shop/good".into(), "pass".into(), true),
            ("v1/Pod/legacy/legacy".into(), "skip".into(), true),
            ("v1/Pod/old/old".into(), "skip".into(), true),
        ]
    );
    assert_eq!(out.status.code(), Some(0));
    let (rows, out) = test_rows("2025-06-30T12:00:00Z");
    assert_eq!(
        rows,
        vec![
            ("v1/Pod/shop/good".into(), "pass".into(), true),
            ("v1/Pod/legacy/legacy".into(), "skip".into(), true),
            ("v1/Pod/old/old".into(), "fail".into(), false),
        ]
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        policyctl(&[
            "test",
            DIR,
            "-f",
            "exceptions-test.yaml",
            "--now",
            "yesterday"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn check_reports_expired_and_expiring_soon() {
    let out = policyctl(&[
        "exceptions",
        "check",
        &fixture("exceptions.yaml"),
        "--now",
        "2025-06-20T00:00:00Z",
        "--policies",
        &fixture("policy.yaml"),
        "--resource",
        &fixture("resources.yaml"),
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ex = v["exceptions"].as_array().unwrap();
    assert_eq!(ex[0]["key"], "exceptions/legacy-team");
    assert_eq!(ex[0]["status"], "active");
    assert_eq!(ex[0]["problems"], serde_json::json!([]));
    assert_eq!(ex[1]["key"], "exceptions/old-team");
    assert_eq!(ex[1]["status"], "expiring-soon");
    assert_eq!(ex[1]["daysLeft"], 10);
    assert_eq!(ex[1]["expires"], "2025-06-30T12:00:00Z");
    assert_eq!(ex[1]["problems"][0]["kind"], "expiring-soon");
    // warnings only: exit 0, unless --strict
    assert_eq!(out.status.code(), Some(0));
    let strict = policyctl(&[
        "exceptions",
        "check",
        &fixture("exceptions.yaml"),
        "--now",
        "2025-06-20T00:00:00Z",
        "--strict",
    ]);
    assert_eq!(strict.status.code(), Some(1));

    let out = policyctl(&[
        "exceptions",
        "check",
        &fixture("exceptions.yaml"),
        "--now",
        "2025-07-01T00:00:00Z",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("expired at `2025-06-30T12:00:00Z` (now `2025-07-01T00:00:00Z`)"),
        "{text}"
    );
    assert!(
        text.contains("1 active, 0 expiring soon, 0 review overdue, 1 expired, 0 invalid; 1 error(s), 0 warning(s)"),
        "{text}"
    );
}

#[test]
fn check_finds_unknown_names_and_unused_exceptions() {
    let file = fixture("stray.yaml");
    // `exceptions check FILE` against the fixture policy and resources, as SARIF.
    let sarif = |file: &str| {
        let out = policyctl(&[
            "exceptions",
            "check",
            file,
            "--now",
            "2025-06-02T00:00:00Z",
            "--policies",
            &fixture("policy.yaml"),
            "--resource",
            &fixture("resources.yaml"),
            "-o",
            "sarif",
        ]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out, v)
    };
    let (out, v) = sarif(&file);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec!["unknown-rule", "unknown-policy", "matches-nothing"]
    );
    assert_eq!(results[0]["level"], "error");
    assert_eq!(results[2]["level"], "warning");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    assert_eq!(out.status.code(), Some(1));
    // SARIF artifact URIs are RFC 3986 references: a space and `#` in the path are encoded.
    let odd = std::env::temp_dir().join(format!("policyctl exc #{}", std::process::id()));
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::copy(root().join(&file), odd.join("stray.yaml")).unwrap();
    let odd_file = odd.join("stray.yaml").display().to_string();
    let (_, v) = sarif(&odd_file);
    let uri =
        v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_owned();
    let _ = std::fs::remove_dir_all(&odd);
    assert!(
        uri.ends_with(&format!(
            "policyctl%20exc%20%23{}/stray.yaml",
            std::process::id()
        )),
        "{uri}"
    );
    assert_eq!(
        policyctl(&[
            "exceptions",
            "check",
            &file,
            "--resource",
            &fixture("resources.yaml")
        ])
        .status
        .code(),
        Some(2),
        "--resource needs --policies"
    );
}

#[test]
fn list_sorts_by_expiry_and_writes_a_calendar() {
    let out = policyctl(&[
        "exceptions",
        "list",
        &fixture("exceptions.yaml"),
        "--now",
        "2025-06-01T00:00:00Z",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v["exceptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["exceptions/old-team", "exceptions/legacy-team"]);
    assert_eq!(out.status.code(), Some(0));

    let out = policyctl(&[
        "exceptions",
        "list",
        &fixture("exceptions.yaml"),
        "--now",
        "2025-06-01T00:00:00Z",
        "--expiring-within",
        "30d",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("exceptions/old-team"), "{text}");
    assert!(!text.contains("legacy-team"), "{text}");

    let out = policyctl(&[
        "exceptions",
        "list",
        &fixture("exceptions.yaml"),
        "--now",
        "2025-06-01T00:00:00Z",
        "-o",
        "ics",
    ]);
    let ics = String::from_utf8(out.stdout).unwrap();
    assert!(
        ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{ics}"
    );
    assert!(ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 4, "{ics}");
    assert!(ics.contains("DTSTART:20250630T120000Z\r\n"), "{ics}");
    // review due: created (end of 2025-10-15) + 90 days
    assert!(ics.contains("DTSTART:20260114T000000Z\r\n"), "{ics}");
    assert!(ics.contains("DTSTAMP:20250601T000000Z\r\n"), "{ics}");
    assert!(ics.lines().all(|l| l.len() <= 76), "{ics}");
}
