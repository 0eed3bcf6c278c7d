//! `policyctl render` and `policyctl build` as a user runs them, on policy-render's fixtures.
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
        .current_dir(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policy-render/tests/fixtures"),
        )
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn render_layers_values_and_keeps_kyverno_variables() {
    let o = policyctl(&[
        "render",
        "security-chart",
        "-f",
        "security-chart/values-prod.yaml",
        "--set",
        "team.labelKey=owner",
        "--env",
        "production",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("---\n# Source: security-policies/templates/disallow-latest-tag.yaml\n"),
        "{out}"
    );
    assert_eq!(
        out.matches("validationFailureAction: Enforce").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("message: \"{{ request.object.metadata.name }} must have the label owner\"\n")
    );
    let loaded = policy_model::load_str("<stdout>", &out);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    assert_eq!(loaded.documents.len(), 2);
}

#[test]
fn render_set_string_is_last() {
    let o = policyctl(&[
        "render",
        "security-chart",
        "--set",
        "team.labelKey=x",
        "--set-string",
        "team.labelKey=0123",
        "--set-json",
        "team={\"labelKey\":\"json\"}",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // `0123` is a string; the output quotes it so YAML 1.1 does not read an octal number.
    assert!(stdout(&o).contains("\"0123\": ?*\n"), "{}", stdout(&o));
}

#[test]
fn render_error_names_file_and_line() {
    let o = policyctl(&["render", "errors/undefined-chart"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("errors/undefined-chart/templates/network.yaml:6: undefined value `Values.policies.netwrk.action`"),
        "{}",
        stderr(&o)
    );
    let o = policyctl(&["render", "no-such-chart"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn build_writes_one_file_per_document() {
    let dir = std::env::temp_dir().join(format!("policyctl-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = policyctl(&["build", "overlays/production", "-o", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "001-clusterpolicy-disallow-latest-tag.yaml",
            "002-clusterpolicy-require-requests.yaml",
            "003-clusterpolicy-require-team-label.yaml",
            "004-policyexception-allow-system-team.yaml",
        ]
    );
    let exception = std::fs::read_to_string(dir.join(&names[3])).unwrap();
    assert!(exception.contains("namespace: kyverno\n"), "{exception}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn build_failed_patch_exits_1_with_context() {
    let o = policyctl(&["build", "errors/bad-pointer"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(
        stderr(&o).contains("errors/bad-pointer/overlay.yaml:11: patches[1]: target `ClusterPolicy/require-team-label`: pointer `/spec/rules/[name=check-tem]/validate/message`"),
        "{}",
        stderr(&o)
    );
}

/// Nothing lost (issue 9): a build that fails leaves the output directory of the last good
/// build as it was, and a good build leaves no temporary files behind.
#[test]
fn a_failed_build_leaves_earlier_outputs_intact() {
    let dir = std::env::temp_dir().join(format!("policyctl-build-intact-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = policyctl(&["build", "overlays/production", "-o", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let snapshot = |dir: &std::path::Path| {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect();
        files.sort();
        files
    };
    let before = snapshot(&dir);
    assert_eq!(before.len(), 4);
    assert!(
        before.iter().all(|(name, _)| !name.ends_with(".tmp")),
        "{before:?}"
    );
    // A cyclic overlay fails before anything is written.
    let o = policyctl(&["build", "errors/cycle-a", "-o", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(snapshot(&dir), before);
    let _ = std::fs::remove_dir_all(&dir);
}
