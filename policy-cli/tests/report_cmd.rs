//! `policyctl report`, `policyctl rollout` and `policyctl apply --policy-report` as a user
//! runs them.
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
    let dir = std::env::temp_dir().join(format!("policyctl-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

/// What `kubectl get policyreport -A -o yaml` prints: a List of PolicyReports.
const KUBECTL_LIST: &str = r#"apiVersion: v1
kind: List
items:
- apiVersion: wgpolicyk8s.io/v1alpha2
  kind: PolicyReport
  metadata: {name: polr-ns-shop, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z"}
  summary: {pass: 2, fail: 1}
  results:
  - {policy: require-limits, rule: limits, result: pass, source: kyverno, resources: [{apiVersion: v1, kind: Pod, name: a, namespace: shop}]}
  - {policy: require-limits, rule: limits, result: fail, source: kyverno, resources: [{apiVersion: v1, kind: Pod, name: b, namespace: shop}]}
  - {policy: require-team, rule: team, result: pass, source: kyverno, resources: [{apiVersion: v1, kind: Pod, name: a, namespace: shop}]}
metadata:
  resourceVersion: ""
"#;

#[test]
fn report_reads_a_kubectl_list() {
    let dir = scratch("list", &[("reports.yaml", KUBECTL_LIST)]);
    let out = policyctl(&["report", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("shop       2     1     0     0      0     33.33%"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Results: pass: 2, fail: 1, warn: 0, error: 0, skip: 0"),
        "{stdout}"
    );

    let out = policyctl(&["report", dir.to_str().unwrap(), "-o", "prometheus"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("policyctl_policy_violation_ratio{policy=\"require-limits\"} 0.5\n"),
        "{stdout}"
    );

    let out = policyctl(&["report", dir.to_str().unwrap(), "-o", "html"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<!DOCTYPE html>"));
}

/// `kubectl get policyreport -A -o yaml | policyctl report -`: the same table from stdin.
#[test]
fn report_reads_standard_input() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(["report", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(KUBECTL_LIST.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("shop       2     1     0     0      0     33.33%"),
        "{stdout}"
    );
}

/// `policyctl … | head`: a reader that closes the pipe early is not a crash (no panic
/// message, no status 101).
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args([
            "apply",
            "examples/platform/policies",
            "--resource",
            "examples/platform/snapshot",
            "-o",
            "json",
        ])
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(101), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn report_load_error_exits_2() {
    let dir = scratch(
        "bad",
        &[(
            "r.yaml",
            "apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nresults: 3\n",
        )],
    );
    let out = policyctl(&["report", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("r.yaml:3"));
}

const POLICIES: &str = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: require-limits}
spec:
  validationFailureAction: Audit
  rules:
  - name: limits
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate: {pattern: {spec: {containers: [{resources: {limits: {memory: "?*"}}}]}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
  annotations: {rollout.policyctl.dev/audit-start: "2024-01-01"}
spec:
  validationFailureAction: Audit
  rules:
  - name: team
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate: {pattern: {metadata: {labels: {team: "?*"}}}}
"#;

/// A scan of 2024-01-05: require-limits fails on its one Pod, require-team passes.
const LATER: &str = r#"apiVersion: wgpolicyk8s.io/v1alpha2
kind: PolicyReport
metadata: {name: polr-ns-shop, namespace: shop}
results:
- {policy: require-limits, rule: limits, result: fail, timestamp: {seconds: 1704412800}, resources: [{kind: Pod, name: b, namespace: shop}]}
- {policy: require-team, rule: team, result: pass, timestamp: {seconds: 1704412800}, resources: [{kind: Pod, name: a, namespace: shop}]}
"#;

#[test]
fn rollout_judges_each_policy() {
    let dir = scratch(
        "rollout",
        &[
            ("policies.yaml", POLICIES),
            ("r1.yaml", KUBECTL_LIST),
            ("r2.yaml", LATER),
        ],
    );
    let d = dir.to_str().unwrap();
    let out = policyctl(&[
        "rollout",
        &format!("{d}/r1.yaml"),
        &format!("{d}/r2.yaml"),
        "--policies",
        &format!("{d}/policies.yaml"),
        "--now",
        "2024-01-09T00:00:00Z",
        "-o",
        "markdown",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // require-limits: first seen 2024-01-01 (r1's creationTimestamp), 8 days; latest 1 of 1 fails.
    assert!(
        stdout.contains("| require-limits | Audit | 8 | 100% | not ready | violation rate 100% (1 of 1 scored results fail) is above the 0% allowed to promote |"),
        "{stdout}"
    );
    // require-team: annotated 2024-01-01, 8 days, clean.
    assert!(
        stdout.contains("| require-team | Audit | 8 | 0% | ready | - |"),
        "{stdout}"
    );

    let out = policyctl(&[
        "rollout",
        &format!("{d}/r2.yaml"),
        "--policies",
        &format!("{d}/policies.yaml"),
        "--now",
        "2024-01-09",
        "--max-violation-rate",
        "100%",
    ]);
    // require-limits first seen on 2024-01-05 (r2 only): 4 days, too few.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("in Audit for 4 day(s) since 2024-01-05, fewer than 7"),
        "{stdout}"
    );
    let out = policyctl(&[
        "rollout",
        &format!("{d}/r2.yaml"),
        "--policies",
        &format!("{d}/policies.yaml"),
        "--max-violation-rate",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rollout_reads_the_projects_thresholds() {
    // The same r2-only scan as above: require-limits is 4 days in Audit with 1 of 1 failing.
    let project = "apiVersion: policyctl.dev/v1alpha1\nkind: Project\nchart: charts/x\nenvironments:\n  dev: {}\nrollout:\n  minAuditDays: 3\n  maxViolationRate: 100%\n  targetViolationRate: 50%\n";
    let dir = scratch(
        "rollout-project",
        &[
            ("policies.yaml", POLICIES),
            ("r2.yaml", LATER),
            ("policyctl.yaml", project),
        ],
    );
    let d = dir.to_str().unwrap();
    let run = |extra: &[&str]| {
        let r2 = format!("{d}/r2.yaml");
        let policies = format!("{d}/policies.yaml");
        let mut args = vec![
            "rollout",
            &r2,
            "--policies",
            &policies,
            "--now",
            "2024-01-09",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", "markdown"]);
        let out = policyctl(&args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        (out.status.code(), stdout)
    };
    // Project thresholds: 4 days >= 3, 100% <= 100%: ready.
    let (code, stdout) = run(&["-C", d]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("| require-limits | Audit | 4 | 100% | ready | - |"),
        "{stdout}"
    );
    // A flag overrides the project: 7 days needed again.
    let (code, stdout) = run(&["-C", d, "--min-audit-days", "7"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("fewer than 7"), "{stdout}");
    // Without the project, the defaults (7 days, 0%).
    let (code, stdout) = run(&[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("above the 0% allowed"), "{stdout}");
    // A bad threshold in the project is a usage error naming the field.
    std::fs::write(
        dir.join("policyctl.yaml"),
        project.replace("maxViolationRate: 100%", "maxViolationRate: 2"),
    )
    .unwrap();
    let out = policyctl(&[
        "rollout",
        &format!("{d}/r2.yaml"),
        "--policies",
        &format!("{d}/policies.yaml"),
        "-C",
        d,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("rollout.maxViolationRate"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn apply_prints_policy_reports() {
    let out = policyctl(&[
        "apply",
        "examples/platform/policies",
        "-r",
        "examples/platform/resources",
        "--now",
        "2025-01-01T00:00:00Z",
        "--policy-report",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs = policy_model::load_str("out.yaml", &stdout);
    assert!(docs.errors.is_empty(), "{:?}", docs.errors);
    let Some(policy_model::Document::Report(first)) = docs.documents.first().map(|d| &d.document)
    else {
        panic!("{stdout}");
    };
    assert_eq!(first.api_version, "openreports.io/v1alpha1");
    assert_eq!(first.kind, "ClusterReport");
    assert_eq!(first.metadata.name.as_deref(), Some("merged"));
    assert!(!first.results.is_empty());
    let mut counted = policy_model::report::ReportSummary::default();
    for r in &first.results {
        assert_eq!(r.source.as_deref(), Some("kyverno"));
        assert_eq!(r.timestamp.map(|t| t.seconds), Some(1_735_689_600));
        counted.count(r.result);
    }
    assert_eq!(first.summary, counted);

    let json = policyctl(&[
        "apply",
        "examples/platform/policies",
        "-r",
        "examples/platform/resources",
        "--now",
        "2025-01-01T00:00:00Z",
        "--policy-report",
        "-o",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"][0]["kind"], "ClusterReport");
}
