//! The two workflows of the policy-render issue, as an embedder runs them: a chart rendered
//! per environment, and a base with environment overlays. Expected outputs in
//! `fixtures/expected/` were written by hand from Helm's and Kustomize's documented
//! behaviour; they are compared as parsed documents, and the Kyverno `{{ }}` expressions
//! are checked byte for byte in the rendered text.
// Tests read their fixtures from disk; helpers outside #[test] functions may unwrap.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use policy_render::{
    Chart, RenderErrorKind, RenderOptions, ValuesFile, build_overlay, to_yaml_stream,
};
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn parse_stream(name: &str, text: &str) -> Vec<Value> {
    policy_model::split_stream(text)
        .iter()
        .map(|d| d.parse(name).unwrap())
        .filter(|v| !v.is_null())
        .collect()
}

fn expected(name: &str) -> Vec<Value> {
    let path = fixture(&format!("expected/{name}"));
    parse_stream(name, &std::fs::read_to_string(path).unwrap())
}

fn values_file(rel: &str) -> ValuesFile {
    let path = fixture(rel);
    ValuesFile {
        name: path.display().to_string(),
        text: std::fs::read_to_string(path).unwrap(),
    }
}

/// Output must load with policy-model as the same documents, without errors.
fn assert_loads(text: &str, count: usize) {
    let out = policy_model::load_str("<rendered>", text);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.documents.len(), count);
}

#[test]
fn chart_dev_audits() {
    let chart = Chart::load(&fixture("security-chart")).unwrap();
    let mut opts = RenderOptions::default();
    opts.values_files
        .push(values_file("security-chart/values-dev.yaml"));
    opts.env = Some("development".into());
    let out = chart.render(&opts).unwrap();
    assert_eq!(out.values_list(), expected("chart-dev.yaml"));
    let text = to_yaml_stream(&out.values_list()).unwrap();
    assert!(
        text.contains("message: \"{{ request.object.metadata.name }} must have the label team\"\n"),
        "{text}"
    );
    assert_loads(&text, 1);
    let helm_style = out.to_yaml().unwrap();
    assert!(helm_style.starts_with(
        "---\n# Source: security-policies/templates/require-team-label.yaml\napiVersion: kyverno.io/v1\n"
    ));
    assert_loads(&helm_style, 1);
}

#[test]
fn chart_prod_enforces() {
    let chart = Chart::load(&fixture("security-chart")).unwrap();
    let mut opts = RenderOptions::default();
    opts.values_files
        .push(values_file("security-chart/values-prod.yaml"));
    opts.set.push("team.labelKey=owner".into());
    opts.env = Some("production".into());
    let out = chart.render(&opts).unwrap();
    assert_eq!(out.values_list(), expected("chart-prod.yaml"));
    let text = to_yaml_stream(&out.values_list()).unwrap();
    for exact in [
        "message: \"{{ request.object.metadata.name }} must have the label owner\"\n",
        // not starting with `{`, so plain (unquoted) is valid YAML; the text is intact
        "message: image {{ images.containers.*.tag }} of {{ request.object.metadata.name }} uses a mutable tag\n",
    ] {
        assert!(text.contains(exact), "{exact} not in {text}");
    }
    assert_loads(&text, 2);
}

#[test]
fn chart_values_schema_rejects_bad_action() {
    let chart = Chart::load(&fixture("security-chart")).unwrap();
    let mut opts = RenderOptions::default();
    opts.set
        .push("policies.requireTeamLabel.validationFailureAction=Deny".into());
    let e = chart.render(&opts).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Schema);
    assert_eq!(
        e.values_path.as_deref(),
        Some("policies.requireTeamLabel.validationFailureAction")
    );
    assert!(e.to_string().contains("values.schema.json"), "{e}");
}

#[test]
fn chart_set_null_deletes_and_set_string_never_types() {
    let chart = Chart::load(&fixture("security-chart")).unwrap();
    let mut opts = RenderOptions::default();
    opts.set.push("policies.disallowLatestTag=null".into());
    opts.set_string.push("background=true".into());
    // background is a string now: the schema says boolean.
    let e = chart.render(&opts).unwrap_err();
    assert_eq!(e.values_path.as_deref(), Some("background"));
    opts.set_string.clear();
    let values = chart.values(&opts).unwrap();
    assert!(values["policies"].get("disallowLatestTag").is_none());
    assert!(values["policies"].get("requireTeamLabel").is_some());
}

fn check_overlay(dir: &str, expect: &str, count: usize) {
    let docs = build_overlay(&fixture(dir)).unwrap();
    assert_eq!(docs, expected(expect), "{dir}");
    let text = to_yaml_stream(&docs).unwrap();
    assert_loads(&text, count);
    // Deterministic: building twice gives the same bytes.
    assert_eq!(
        to_yaml_stream(&build_overlay(&fixture(dir)).unwrap()).unwrap(),
        text
    );
}

#[test]
fn overlay_development() {
    check_overlay("overlays/development", "overlay-development.yaml", 3);
}

#[test]
fn overlay_staging() {
    check_overlay("overlays/staging", "overlay-staging.yaml", 3);
}

#[test]
fn overlay_production() {
    check_overlay("overlays/production", "overlay-production.yaml", 4);
    let text = to_yaml_stream(&build_overlay(&fixture("overlays/production")).unwrap()).unwrap();
    assert!(text.contains(
        "message: \"{{ request.object.metadata.name }} must carry a team label in production\"\n"
    ));
    assert!(text.contains("message: \"{{ request.object.metadata.name }} needs an owner\"\n"));
}

// ---- errors: each names the file and, where one exists, the line ----

#[test]
fn error_undefined_value() {
    let chart = Chart::load(&fixture("errors/undefined-chart")).unwrap();
    let e = chart.render(&RenderOptions::default()).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Undefined);
    assert!(
        e.file
            .as_deref()
            .unwrap()
            .ends_with("errors/undefined-chart/templates/network.yaml")
    );
    assert_eq!(e.line, Some(6));
    assert_eq!(
        e.values_path.as_deref(),
        Some("Values.policies.netwrk.action")
    );
    assert!(
        e.to_string()
            .ends_with("network.yaml:6: undefined value `Values.policies.netwrk.action`"),
        "{e}"
    );
}

#[test]
fn error_bad_template_syntax() {
    let chart = Chart::load(&fixture("errors/bad-syntax-chart")).unwrap();
    let e = chart.render(&RenderOptions::default()).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::TemplateSyntax, "{e}");
    assert!(
        e.file.as_deref().unwrap().ends_with("templates/p.yaml"),
        "{e}"
    );
    // `[% if Values.enabled %` is unterminated on line 3; the parser notices on line 4.
    assert_eq!(e.line, Some(4), "{e}");
}

#[test]
fn error_missing_chart_file() {
    let e = Chart::load(&fixture("errors/missing-chart")).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Io);
    assert!(
        e.file
            .as_deref()
            .unwrap()
            .ends_with("errors/missing-chart/Chart.yaml"),
        "{e}"
    );
    assert!(e.to_string().contains("no such file"), "{e}");
}

#[test]
fn error_target_not_found() {
    let e = build_overlay(&fixture("errors/target-not-found")).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::TargetNotFound);
    assert!(
        e.file
            .as_deref()
            .unwrap()
            .ends_with("errors/target-not-found/overlay.yaml")
    );
    assert_eq!(e.patch, Some(0));
    assert_eq!(e.line, Some(5), "{e}");
    assert!(
        e.to_string()
            .ends_with("overlay.yaml:5: patches[0]: target selects no document"),
        "{e}"
    );
}

#[test]
fn error_bad_pointer() {
    let e = build_overlay(&fixture("errors/bad-pointer")).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Patch);
    assert!(
        e.file
            .as_deref()
            .unwrap()
            .ends_with("errors/bad-pointer/overlay.yaml")
    );
    assert_eq!(e.patch, Some(1));
    assert_eq!(e.line, Some(11), "{e}");
    assert_eq!(
        e.target.as_deref(),
        Some("ClusterPolicy/require-team-label")
    );
    assert_eq!(
        e.pointer.as_deref(),
        Some("/spec/rules/[name=check-tem]/validate/message")
    );
    assert!(
        e.to_string().ends_with(
            "patches[1]: target `ClusterPolicy/require-team-label`: pointer `/spec/rules/[name=check-tem]/validate/message`: operation 0 (`replace`): no element of `/spec/rules` has `name` = `check-tem`"
        ),
        "{e}"
    );
}

#[test]
fn error_cyclic_bases() {
    let e = build_overlay(&fixture("errors/cycle-a")).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Cycle, "{e}");
    // Detected in cycle-b, whose second base leads back to cycle-a.
    assert!(
        e.file.as_deref().unwrap().ends_with("cycle-b/overlay.yaml"),
        "{e}"
    );
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.starts_with("cyclic bases: "), "{e}");
    assert!(e.message.contains("cycle-a`"), "{e}");
}
