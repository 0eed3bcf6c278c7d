//! Renders a chart of 200 policy templates with three values layers (`-f` file, `--set`,
//! `--set-string`). Target: under 100 ms per render in an optimized build.
//!
//! `cargo bench -p policy-render --bench render` (optimized) or, as a smoke run,
//! `cargo test -p policy-render --bench render`.
// A benchmark times itself and prints; that is its whole job.
#![allow(
    clippy::disallowed_methods,
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs
)]

use std::time::Instant;

use policy_render::{Chart, RenderOptions, ValuesFile};

const TEMPLATES: usize = 200;

fn chart() -> Chart {
    let mut files = vec![
        ("Chart.yaml".to_owned(), "apiVersion: v2\nname: bench\nversion: 1.0.0\n".to_owned()),
        (
            "templates/_helpers.j2".to_owned(),
            "[% macro labels(name) %]\napp.kubernetes.io/name: [[ name ]]\napp.kubernetes.io/part-of: [[ Chart.Name ]]\n[% endmacro %]\n".to_owned(),
        ),
    ];
    let mut values = String::from("background: true\npolicies:\n");
    for i in 0..TEMPLATES {
        values.push_str(&format!(
            "  p{i}:\n    action: Audit\n    kinds: [Pod, Deployment]\n    exclude: [kube-system]\n"
        ));
        files.push((
            format!("templates/p{i:03}.yaml"),
            format!(
                r#"[% import "_helpers.j2" as h %]
[% set p = Values.policies.p{i} %]
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: policy-{i}
  labels:[[ h.labels("policy-{i}") | trim | nindent(4) ]]
spec:
  validationFailureAction: [[ p.action ]]
  background: [[ Values.background ]]
  rules:
  - name: check-{i}
    match:
      any:
      - resources:
          kinds:[[ p.kinds | toYaml | nindent(10) ]]
    exclude:
      any:
      - resources:
          namespaces:[[ p.exclude | toYaml | nindent(10) ]]
    validate:
      message: "{{{{ request.object.metadata.name }}}} violates policy {i}"
      pattern:
        metadata:
          labels:
            team: "?*"
"#
            ),
        ));
    }
    files.push(("values.yaml".to_owned(), values));
    Chart::from_files("bench", files).unwrap()
}

fn main() {
    let chart = chart();
    let mut prod = String::from("policies:\n");
    for i in (0..TEMPLATES).step_by(2) {
        prod.push_str(&format!("  p{i}:\n    action: Enforce\n"));
    }
    let mut options = RenderOptions::default();
    options.values_files.push(ValuesFile {
        name: "values-prod.yaml".into(),
        text: prod,
    });
    options
        .set
        .push("background=false,policies.p1.exclude={kube-system,kyverno}".into());
    options.set_string.push("policies.p3.action=Enforce".into());

    let warm = chart.render(&options).unwrap();
    assert_eq!(warm.documents.len(), TEMPLATES);
    let runs = 10;
    let start = Instant::now();
    for _ in 0..runs {
        let out = chart.render(&options).unwrap();
        std::hint::black_box(policy_render::to_yaml_stream(&out.values_list()).unwrap());
    }
    let per = start.elapsed() / runs;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(chart.render(&options).unwrap());
    }
    println!(
        "of which rendering and parsing: {:?}",
        start.elapsed() / runs
    );
    println!(
        "render {TEMPLATES} templates, 3 values layers, to YAML: {per:?} per run (target < 100ms optimized)"
    );
}
