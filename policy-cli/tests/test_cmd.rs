//! `policyctl test`: exit codes, output formats, and statuses on a hand-checked sample of
//! corpus suites.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::process::{Command, Output};

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

fn corpus() -> PathBuf {
    let dir = root().join("../shared/conformance/kyverno-policies");
    assert!(
        dir.is_dir(),
        "the conformance corpus is missing at {}",
        dir.display()
    );
    dir
}

#[test]
fn example_suite_passes_with_a_kyverno_summary() {
    let out = policyctl(&["test", "examples/platform"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Loading test  ( examples/platform/tests/kyverno-test.yaml ) ..."),
        "{stdout}"
    );
    assert!(stdout.contains("│ ID │ POLICY"), "{stdout}");
    assert!(
        stdout.contains("autogen-check-app-name"),
        "Deployments are checked by the autogen rule: {stdout}"
    );
    assert!(
        stdout.contains("Test Summary: 157 tests passed and 0 tests failed"),
        "{stdout}"
    );
}

/// Every policy of the example chart has a suite naming its template; 7 Pod policies × 20
/// rows (17 Pods, 2 Deployments, 1 CronJob) + 3 Namespace rows, each expectation worked out
/// by hand in `charts/security-policy/tests/resources.yaml`. With the 14 rows of the plain
/// suite, `examples/platform` has 157.
#[test]
#[allow(clippy::disallowed_methods)]
fn chart_suites_render_their_templates() {
    let out = policyctl(&["test", "examples/platform/charts/security-policy"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let templates =
        std::fs::read_dir(root().join("examples/platform/charts/security-policy/templates"))
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                !name.to_string_lossy().starts_with('_')
            })
            .count();
    assert_eq!(templates, 8);
    assert_eq!(
        stdout.matches("Loading test  (").count(),
        templates,
        "{stdout}"
    );
    assert!(
        stdout.contains("Test Summary: 143 tests passed and 0 tests failed"),
        "{stdout}"
    );
}

fn write_suite(dir: &std::path::Path, policies: &str, results: &str) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    #[allow(clippy::disallowed_methods)]
    std::fs::write(
        dir.join("kyverno-test.yaml"),
        format!("apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {{name: t}}\npolicies: [{policies}]\nresources: [r.yaml]\nresults:\n{results}"),
    )
    .unwrap();
    #[allow(clippy::disallowed_methods)]
    std::fs::write(
        dir.join("r.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec: {containers: [{name: c, image: 'docker.io/x:latest'}]}\n",
    )
    .unwrap();
}

/// A policy path naming an overlay directory is the overlay built: prod's eight policies.
#[test]
fn an_overlay_directory_is_built() {
    let dir = std::env::temp_dir().join(format!("policyctl-test-overlay-{}", std::process::id()));
    let overlay = root().join("examples/platform/overlays/prod");
    write_suite(
        &dir,
        &overlay.display().to_string(),
        "- {policy: disallow-latest-tag, rule: validate-image-tag, resources: [p], result: fail}\n- {policy: restrict-image-registries, rule: validate-registries, resources: [p], result: fail}\n- {policy: disallow-host-namespaces, rule: host-namespaces, resources: [p], result: pass}\n",
    );
    let out = policyctl(&["test", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 3 tests passed and 0 tests failed"),
        "{stdout}"
    );
}

/// A template the chart renders nothing from is an error, not an empty suite that passes.
#[test]
fn a_template_that_renders_nothing_is_an_error() {
    let dir = std::env::temp_dir().join(format!("policyctl-test-tpl-{}", std::process::id()));
    let template = root().join("examples/platform/charts/security-policy/templates/nope.yaml");
    write_suite(
        &dir,
        &template.display().to_string(),
        "- {policy: x, rule: r, resources: [p], result: pass}\n",
    );
    let out = policyctl(&["test", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("renders no document from `templates/nope.yaml`"),
        "{stdout}"
    );
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = policyctl(&["test", "examples/platform/tests", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let suite = &v["suites"][0];
    assert_eq!(suite["path"], "examples/platform/tests/kyverno-test.yaml");
    assert_eq!(suite["status"], "pass");
    let row = &suite["rows"][0];
    for key in [
        "policy", "rule", "kind", "resource", "expected", "actual", "message",
    ] {
        assert!(row.get(key).is_some(), "row lacks `{key}`: {row}");
    }
    let s = &v["summary"];
    assert_eq!(
        (
            s["suites"].as_u64(),
            s["passed"].as_u64(),
            s["rows"].as_u64()
        ),
        (Some(1), Some(1), Some(14))
    );
    assert_eq!(
        (
            s["failed"].as_u64(),
            s["errors"].as_u64(),
            s["unsupported"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert_eq!(
        (s["rows_passed"].as_u64(), s["rows_failed"].as_u64()),
        (Some(14), Some(0))
    );
}

#[test]
fn junit_output_is_well_formed_xml() {
    let out = policyctl(&["test", "examples/platform/tests", "-o", "junit"]);
    assert_eq!(out.status.code(), Some(0));
    let xml = String::from_utf8(out.stdout).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut suites) = (0, 0);
    loop {
        match reader.read_event().expect("valid XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"testsuite" => suites += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert_eq!((suites, cases), (1, 14));
}

#[test]
fn markdown_output_is_a_table() {
    let out = policyctl(&["test", "examples/platform/tests", "-o", "markdown"]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("| ID | POLICY | RULE | RESOURCE | RESULT | REASON |"),
        "{md}"
    );
    assert!(
        md.contains("| 1 | require-labels | check-app-name | v1/Pod/shop/good-pod | Pass | Ok |"),
        "{md}"
    );
}

#[test]
fn failing_expectation_exits_1_and_says_why() {
    let dir = std::env::temp_dir().join(format!("policyctl-test-fail-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let policy = root().join("examples/platform/policies/require-labels.yaml");
    #[allow(clippy::disallowed_methods)]
    std::fs::write(
        dir.join("kyverno-test.yaml"),
        format!(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {{name: t}}\npolicies: [{}]\nresources: [r.yaml]\nresults:\n- {{policy: require-labels, rule: check-app-name, resources: [p], result: pass}}\n",
            policy.display()
        ),
    )
    .unwrap();
    #[allow(clippy::disallowed_methods)]
    std::fs::write(dir.join("r.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x}]}\n").unwrap();
    let out = policyctl(&["test", dir.to_str().unwrap(), "--detailed-results"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Want pass, got fail"), "{stdout}");
    assert!(
        stdout.contains("Test Summary: 0 tests passed and 1 tests failed"),
        "{stdout}"
    );
}

#[test]
fn no_tests_found() {
    let dir = std::env::temp_dir().join(format!("policyctl-test-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = policyctl(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No test yamls available"));
    assert_eq!(
        policyctl(&["test", dir.to_str().unwrap(), "--require-tests"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(policyctl(&["test", "-o", "yamlish"]).status.code(), Some(2));
}

/// Suites whose status was checked by hand against their `kyverno-test.yaml` and
/// `suites.tsv` features: classic validate-only suites must pass (every row agrees with the
/// real Kyverno CLI's expectations); suites of kinds or features the engine does not have
/// yet must say `unsupported`, never pass or crash.
const SAMPLE: &[(&str, &str)] = &[
    ("argo/application-field-validation", "pass"),
    ("best-practices/require-probes", "pass"),
    ("best-practices/disallow-latest-tag", "pass"),
    ("istio/enforce-ambient-mode-namespace", "pass"),
    ("kasten/kasten-immutable-location-profile", "pass"),
    ("openshift/check-routes", "pass"),
    ("other/allowed-annotations", "pass"),
    ("other/deny-secret-service-account-token-type", "pass"),
    ("other/exclude-namespaces-dynamically", "pass"),
    ("other/prevent-bare-pods", "pass"),
    ("other/require-pod-priorityclassname", "pass"),
    ("other/restrict-loadbalancer", "pass"),
    ("other/restrict-service-port-range", "pass"),
    ("pod-security/baseline/disallow-host-ports", "pass"),
    ("best-practices-vpol/check-deprecated-apis", "unsupported"),
    ("best-practices-vpol/disallow-cri-sock-mount", "unsupported"),
    (
        "best-practices-vpol/disallow-default-namespace",
        "unsupported",
    ),
    ("best-practices-mpol/add-safe-to-evict", "unsupported"),
    ("castai-mpol/add-castai-removal-disabled", "unsupported"),
    ("argo-cel/application-field-validation", "unsupported"),
    (
        "argo-cel/application-prevent-default-project",
        "unsupported",
    ),
    ("best-practices-gpol/add-network-policy", "unsupported"),
    ("best-practices/add-safe-to-evict", "unsupported"),
    ("castai/add-castai-removal-disabled", "unsupported"),
];

#[test]
fn hand_checked_corpus_sample() {
    let corpus = corpus();
    let paths: Vec<String> = SAMPLE
        .iter()
        .map(|(s, _)| corpus.join(s).join(".kyverno-test").display().to_string())
        .collect();
    let mut args = vec!["test", "-o", "json"];
    args.extend(paths.iter().map(String::as_str));
    let out = policyctl(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let suites = v["suites"].as_array().unwrap();
    assert_eq!(suites.len(), SAMPLE.len());
    for (suite, expected) in SAMPLE {
        let found = suites
            .iter()
            .find(|s| s["path"].as_str().unwrap().contains(&format!("/{suite}/")))
            .unwrap_or_else(|| panic!("{suite} not run"));
        assert_eq!(found["status"], *expected, "{suite}: {found}");
        if *expected == "unsupported" {
            assert!(
                found["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("unsupported: "),
                "{found}"
            );
        }
    }
    assert_eq!(
        out.status.code(),
        Some(1),
        "unsupported suites make the run fail"
    );
}
