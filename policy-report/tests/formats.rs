//! Golden tests for every output format, on one small fixture. The expectations are
//! written by hand from each format's rules (column layout, JUnit, SARIF 2.1.0, the
//! Prometheus text format, GitHub-flavoured Markdown tables), not copied from the output.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use common::{fixture_reports, fixture_results};
use policy_report::{Format, SourceLocation, View, ingest_str, location_key, render};
use serde_json::{Value, json};

fn no_locations() -> BTreeMap<String, SourceLocation> {
    BTreeMap::new()
}

#[test]
fn table_golden() {
    let reports = fixture_reports();
    let locations = no_locations();
    let got = render(Format::Table, &View::new(&reports, &locations)).unwrap();
    let want = "\
By namespace
NAMESPACE  PASS  FAIL  WARN  ERROR  SKIP  VIOLATION RATE
(cluster)  0     0     0     0      1     -
shop       1     1     1     0      0     50%

By policy
POLICY          PASS  FAIL  WARN  ERROR  SKIP  VIOLATION RATE
require-limits  1     1     0     0      0     50%
require-team    0     0     1     0      1     -

By check
POLICY          RULE    PASS  FAIL  COMPLIANCE
require-limits  limits  1     1     50%
require-team    team    0     0     -

Failures, warnings and errors
POLICY          RULE    RESOURCE      RESULT  MESSAGE
require-limits  limits  shop/Pod/api  fail    limits required
require-team    team    shop/Pod/api  warn    label team is missing

Results: pass: 1, fail: 1, warn: 1, error: 0, skip: 1
";
    assert_eq!(got, want);
}

#[test]
fn yaml_golden_and_round_trip() {
    let reports = fixture_reports();
    let locations = no_locations();
    let got = render(Format::Yaml, &View::new(&reports, &locations)).unwrap();
    let want = "\
apiVersion: wgpolicyk8s.io/v1alpha2
kind: ClusterPolicyReport
metadata:
  name: clusterpolicyreport
  labels:
    app.kubernetes.io/managed-by: policyctl
summary:
  pass: 0
  fail: 0
  warn: 0
  error: 0
  skip: 1
results:
- source: kyverno
  policy: require-team
  rule: team
  timestamp:
    seconds: 1700000000
  result: skip
  scored: true
  message: rule is skipped due to policy exceptions
  resources:
  - apiVersion: v1
    kind: Namespace
    name: shop
  properties:
    exceptions: shop/allow-legacy
---
apiVersion: wgpolicyk8s.io/v1alpha2
kind: PolicyReport
metadata:
  name: polr-ns-shop
  namespace: shop
  labels:
    app.kubernetes.io/managed-by: policyctl
summary:
  pass: 1
  fail: 1
  warn: 1
  error: 0
  skip: 0
results:
- source: kyverno
  policy: require-limits
  rule: limits
  category: Best Practices
  severity: medium
  timestamp:
    seconds: 1700000000
  result: fail
  scored: true
  message: limits required
  resources:
  - apiVersion: v1
    kind: Pod
    name: api
    namespace: shop
    uid: 0b4d-api
- source: kyverno
  policy: require-limits
  rule: limits
  category: Best Practices
  severity: medium
  timestamp:
    seconds: 1700000000
  result: pass
  scored: true
  resources:
  - apiVersion: v1
    kind: Pod
    name: web
    namespace: shop
- source: kyverno
  policy: require-team
  rule: team
  timestamp:
    seconds: 1700000000
  result: warn
  scored: false
  message: label team is missing
  resources:
  - apiVersion: v1
    kind: Pod
    name: api
    namespace: shop
    uid: 0b4d-api
";
    assert_eq!(got, want);
    // kubectl-applyable: every document reads back as the same report.
    let back = ingest_str("reports.yaml", &got);
    assert!(back.errors.is_empty(), "{:?}", back.errors);
    assert_eq!(back.reports, reports);
}

#[test]
fn json_golden() {
    let reports = fixture_reports();
    let locations = no_locations();
    let got: Value =
        serde_json::from_str(&render(Format::Json, &View::new(&reports, &locations)).unwrap())
            .unwrap();
    let c = |pass: u64, fail: u64, warn: u64, error: u64, skip: u64| json!({"pass": pass, "fail": fail, "warn": warn, "error": error, "skip": skip});
    let want = json!({
        "summary": {
            "total": c(1, 1, 1, 0, 1),
            "byNamespace": {"": c(0, 0, 0, 0, 1), "shop": c(1, 1, 1, 0, 0)},
            "byPolicy": {"require-limits": c(1, 1, 0, 0, 0), "require-team": c(0, 0, 1, 0, 1)},
            "byRule": {
                "require-limits": {"limits": c(1, 1, 0, 0, 0)},
                "require-team": {"team": c(0, 0, 1, 0, 1)},
            },
            "byCategory": {"": c(0, 0, 1, 0, 1), "Best Practices": c(1, 1, 0, 0, 0)},
            "bySeverity": {"": c(0, 0, 1, 0, 1), "medium": c(1, 1, 0, 0, 0)},
            "byKind": {"Namespace": c(0, 0, 0, 0, 1), "Pod": c(1, 1, 1, 0, 0)},
        },
        "metrics": {
            "podCounting": "byController",
            "total": c(1, 1, 1, 0, 1),
            "namespaces": [
                {"namespace": "", "pass": 0, "fail": 0, "warn": 0, "error": 0, "skip": 1, "violationRate": null},
                {"namespace": "shop", "pass": 1, "fail": 1, "warn": 1, "error": 0, "skip": 0, "violationRate": 0.5},
            ],
            "policies": [
                {"policy": "require-limits", "pass": 1, "fail": 1, "warn": 0, "error": 0, "skip": 0, "violationRate": 0.5},
                {"policy": "require-team", "pass": 0, "fail": 0, "warn": 1, "error": 0, "skip": 1, "violationRate": null},
            ],
            "checks": [
                {"policy": "require-limits", "rule": "limits", "pass": 1, "fail": 1, "warn": 0, "error": 0, "skip": 0, "compliancePercent": 50.0},
                {"policy": "require-team", "rule": "team", "pass": 0, "fail": 0, "warn": 1, "error": 0, "skip": 1, "compliancePercent": null},
            ],
        },
        "readiness": [],
        "trend": [],
    });
    assert_eq!(got, want);
}

#[test]
fn junit_golden_and_parses() {
    let reports = fixture_reports();
    let locations = no_locations();
    let got = render(Format::Junit, &View::new(&reports, &locations)).unwrap();
    let want = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="policyctl" tests="4" failures="1" errors="0" skipped="1">
  <testsuite name="require-limits" tests="2" failures="1" errors="0" skipped="0">
    <testcase name="limits shop/Pod/api" classname="require-limits"><failure message="limits required" type="fail"/></testcase>
    <testcase name="limits shop/Pod/web" classname="require-limits"/>
  </testsuite>
  <testsuite name="require-team" tests="2" failures="0" errors="0" skipped="1">
    <testcase name="team Namespace/shop" classname="require-team"><skipped message="rule is skipped due to policy exceptions"/></testcase>
    <testcase name="team shop/Pod/api" classname="require-team"><system-out>warn: label team is missing</system-out></testcase>
  </testsuite>
</testsuites>
"#;
    assert_eq!(got, want);
    let parsed = common::parse_junit(&got);
    assert_eq!(
        parsed.suites,
        vec![
            ("require-limits".to_owned(), 2, 1),
            ("require-team".to_owned(), 2, 0)
        ]
    );
    assert_eq!(parsed.cases, 4);
}

#[test]
fn junit_escapes_awkward_text() {
    let mut results = fixture_results();
    results[1].message = "a <b> & \"c\" 'd'\nline\u{1}".into();
    results[1].policy = "p&<>".into();
    let reports = policy_report::build_reports(&results, &common::options());
    let locations = no_locations();
    let got = render(Format::Junit, &View::new(&reports, &locations)).unwrap();
    let parsed = common::parse_junit(&got);
    assert!(
        parsed
            .failure_messages
            .contains(&"a <b> & \"c\" 'd'\nline\u{fffd}".to_owned()),
        "{:?}",
        parsed.failure_messages
    );
    assert!(parsed.suites.iter().any(|(n, _, _)| n == "p&<>"));
}

#[test]
fn sarif_golden() {
    let reports = fixture_reports();
    let mut locations = no_locations();
    locations.insert(
        location_key("v1", "Pod", "shop", "api"),
        SourceLocation {
            file: "manifests/api.yaml".into(),
            line: 3,
        },
    );
    let got: Value =
        serde_json::from_str(&render(Format::Sarif, &View::new(&reports, &locations)).unwrap())
            .unwrap();
    let location = json!({
        "physicalLocation": {"artifactLocation": {"uri": "manifests/api.yaml"}, "region": {"startLine": 3}},
        "logicalLocations": [{"fullyQualifiedName": "shop/Pod/api", "kind": "resource"}],
    });
    let want = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "policyctl",
                "informationUri": "https://example.invalid/policyctl",
                "rules": [
                    {
                        "id": "require-limits/limits",
                        "name": "limits",
                        "shortDescription": {"text": "Kyverno policy require-limits, rule limits"},
                        "properties": {"category": "Best Practices", "tags": ["Best Practices"], "severity": "medium"},
                    },
                    {
                        "id": "require-team/team",
                        "name": "team",
                        "shortDescription": {"text": "Kyverno policy require-team, rule team"},
                    },
                ],
            }},
            "results": [
                {
                    "ruleId": "require-limits/limits",
                    "ruleIndex": 0,
                    "level": "error",
                    "message": {"text": "limits required"},
                    "locations": [location.clone()],
                    "properties": {"policy": "require-limits", "rule": "limits", "result": "fail",
                                   "apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "api"},
                },
                {
                    "ruleId": "require-team/team",
                    "ruleIndex": 1,
                    "level": "warning",
                    "message": {"text": "label team is missing"},
                    "locations": [location],
                    "properties": {"policy": "require-team", "rule": "team", "result": "warn",
                                   "apiVersion": "v1", "kind": "Pod", "namespace": "shop", "name": "api"},
                },
            ],
        }],
    });
    assert_eq!(got, want);
}

#[test]
fn prometheus_golden() {
    let reports = fixture_reports();
    let locations = no_locations();
    let got = render(Format::Prometheus, &View::new(&reports, &locations)).unwrap();
    let want = r#"# HELP policy_report_result List of all PolicyReport Results
# TYPE policy_report_result gauge
policy_report_result{namespace="shop",rule="limits",policy="require-limits",report="polr-ns-shop",kind="Pod",name="api",status="fail",severity="medium",category="Best Practices",source="kyverno"} 1
policy_report_result{namespace="shop",rule="limits",policy="require-limits",report="polr-ns-shop",kind="Pod",name="web",status="pass",severity="medium",category="Best Practices",source="kyverno"} 1
policy_report_result{namespace="shop",rule="team",policy="require-team",report="polr-ns-shop",kind="Pod",name="api",status="warn",severity="",category="",source="kyverno"} 1
# HELP cluster_policy_report_result List of all ClusterPolicyReport Results
# TYPE cluster_policy_report_result gauge
cluster_policy_report_result{rule="team",policy="require-team",report="clusterpolicyreport",kind="Namespace",name="shop",status="skip",severity="",category="",source="kyverno"} 1
# HELP policyctl_namespace_violation_ratio Violation rate fail/(pass+fail) per resource namespace (empty: cluster-scoped)
# TYPE policyctl_namespace_violation_ratio gauge
policyctl_namespace_violation_ratio{namespace="shop"} 0.5
# HELP policyctl_policy_violation_ratio Violation rate fail/(pass+fail) per policy
# TYPE policyctl_policy_violation_ratio gauge
policyctl_policy_violation_ratio{policy="require-limits"} 0.5
# HELP policyctl_check_compliance_percent Share of passing results per policy rule, in percent
# TYPE policyctl_check_compliance_percent gauge
policyctl_check_compliance_percent{policy="require-limits",rule="limits"} 50
"#;
    assert_eq!(got, want);
    let samples = common::parse_prometheus_twice(&got);
    assert_eq!(samples.len(), 7);
    assert!(
        samples
            .iter()
            .any(|s| s.name == "policyctl_check_compliance_percent"
                && s.value == 50.0
                && s.labels.get("rule").map(String::as_str) == Some("limits"))
    );
}

#[test]
fn prometheus_escapes_label_values_and_parses() {
    let mut results = fixture_results();
    results[1].policy = "we\"ird\\policy\nname".into();
    let reports = policy_report::build_reports(&results, &common::options());
    let locations = no_locations();
    let got = render(Format::Prometheus, &View::new(&reports, &locations)).unwrap();
    let samples = common::parse_prometheus_twice(&got);
    assert!(
        samples
            .iter()
            .any(|s| s.labels.get("policy").map(String::as_str) == Some("we\"ird\\policy\nname")),
        "{got}"
    );
}

#[test]
fn markdown_golden() {
    let reports = fixture_reports();
    let locations = no_locations();
    let got = render(Format::Markdown, &View::new(&reports, &locations)).unwrap();
    let want = "\
## Policy report

**4 results**: 1 pass, 1 fail, 1 warn, 0 error, 1 skip; violation rate 50%.

### By namespace

| Namespace | Pass | Fail | Warn | Error | Skip | Violation rate |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| (cluster) | 0 | 0 | 0 | 0 | 1 | - |
| shop | 1 | 1 | 1 | 0 | 0 | 50% |

### By policy

| Policy | Pass | Fail | Warn | Error | Skip | Violation rate |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| require-limits | 1 | 1 | 0 | 0 | 0 | 50% |
| require-team | 0 | 0 | 1 | 0 | 1 | - |

### By check

| Policy | Rule | Pass | Fail | Compliance |
| --- | --- | ---: | ---: | ---: |
| require-limits | limits | 1 | 1 | 50% |
| require-team | team | 0 | 0 | - |

### Failures, warnings and errors

| Policy | Rule | Resource | Result | Message |
| --- | --- | --- | --- | --- |
| require-limits | limits | shop/Pod/api | fail | limits required |
| require-team | team | shop/Pod/api | warn | label team is missing |
";
    assert_eq!(got, want);
}

#[test]
fn markdown_escapes_cells() {
    let mut results = fixture_results();
    results[1].message = "a | b\n<script>".into();
    let reports = policy_report::build_reports(&results, &common::options());
    let locations = no_locations();
    let got = render(Format::Markdown, &View::new(&reports, &locations)).unwrap();
    assert!(got.contains("| fail | a \\| b &lt;script&gt; |"), "{got}");
}

#[test]
fn html_is_self_contained_with_charts() {
    let reports = fixture_reports();
    let locations = no_locations();
    let points = [
        policy_report::TrendPoint {
            at: 1_699_000_000,
            counts: policy_report::Counts {
                pass: 1,
                fail: 3,
                ..Default::default()
            },
        },
        policy_report::TrendPoint {
            at: 1_700_000_000,
            counts: policy_report::Counts {
                pass: 1,
                fail: 1,
                ..Default::default()
            },
        },
    ];
    let mut view = View::new(&reports, &locations);
    view.trend = &points;
    view.title = "Shop <compliance>";
    let got = render(Format::Html, &view).unwrap();
    assert!(got.starts_with("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Shop &lt;compliance&gt;</title>"));
    assert!(got.ends_with("</body></html>\n"));
    for banned in ["<script", "<link", "src=", "href=", "url(", "@import"] {
        assert!(!got.contains(banned), "{banned} in {got}");
    }
    // The only URI is the SVG namespace name, which is never fetched.
    assert_eq!(
        got.matches("http").count(),
        got.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    for id in ["namespaces", "policies", "trend"] {
        assert!(
            got.contains(&format!("<svg id=\"{id}\" class=\"chart\"")),
            "{id}"
        );
    }
    // namespaces: (cluster) skip; shop pass, fail, warn. policies: 2 + 2.
    assert_eq!(got.matches("<rect class=\"bar ").count(), 8);
    // trend: 25% then 50% compliance, two points and a line
    assert_eq!(got.matches("<circle class=\"point\"").count(), 2);
    assert!(got.contains("<polyline"));
    assert!(got.contains("<title>2023-11-14: 50%</title>"), "{got}");
    // Every SVG chart is well-formed XML.
    for svg in got.split("<svg ").skip(1) {
        let end = svg.find("</svg>").unwrap();
        common::parse_xml(&format!("<svg {}</svg>", &svg[..end])).unwrap();
    }
}

#[test]
fn every_format_renders_empty_input() {
    let locations = no_locations();
    for f in Format::ALL {
        let out = render(f, &View::new(&[], &locations)).unwrap();
        if f != Format::Yaml && f != Format::Prometheus {
            assert!(!out.is_empty(), "{f:?}");
        }
        assert_eq!(Format::parse(f.name()), Some(f));
    }
}

#[test]
fn prometheus_parser_rejects_broken_text() {
    let ok = "# TYPE a gauge\na{x=\"1\"} 2\n";
    assert_eq!(common::parse_prometheus(ok).unwrap().len(), 1);
    for bad in [
        "a 1\n",                                        // no TYPE
        "# TYPE a gauge\na{x=1} 2\n",                   // unquoted
        "# TYPE a gauge\na{x=\"1\"} 2\na{x=\"1\"} 3\n", // repeated series
        "# TYPE a gauge\na{x=\"\\t\"} 2\n",             // bad escape
        "# TYPE a gauge\na{x=\"1\"} two\n",             // bad value
        "# TYPE a gauge\n# TYPE b gauge\na 1\n",        // sample outside its family
        "# TYPE 1a gauge\n",                            // bad name
    ] {
        assert!(common::parse_prometheus(bad).is_err(), "{bad}");
    }
}

#[test]
fn exposition_parser_rejects_broken_text() {
    let ok = "# HELP a Help with \\ and \\n.\n# TYPE a gauge\na{x=\"q\\\"\\n\\\\\"} 2\n";
    let samples = common::parse_exposition(ok).unwrap();
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].labels["x"], "q\"\n\\");
    for bad in [
        "# TYPE a gauge\na{x=1} 2\n",                   // unquoted label value
        "# TYPE a gauge\na{x=\"1\",x=\"2\"} 2\n",       // repeated label
        "# TYPE a gauge\na{x=\"1\"} 2\na{x=\"1\"} 3\n", // repeated series
        "# TYPE a gauge\na{x=\"1\"} two\n",             // bad value
        "# TYPE a gauge\na{x=\"1\"\n",                  // unterminated labels
        "# TYPE a gauge\na{x=\"a\nb\"} 1\n",            // raw newline in a label value
        "# TYPE a gauge\na{1x=\"1\"} 2\n",              // bad label name
        "# TYPE a histogrammm\na 1\n",                  // unknown type
    ] {
        assert!(common::parse_exposition(bad).is_err(), "{bad}");
    }
}

/// A larger exposition (many namespaces, policies, statuses; awkward names) reads the same
/// with both parsers, and every result is one `policy_report_result` sample.
#[test]
fn larger_prometheus_output_parses() {
    let statuses = [
        policy_model::RuleStatus::Pass,
        policy_model::RuleStatus::Fail,
        policy_model::RuleStatus::Warn,
        policy_model::RuleStatus::Error,
        policy_model::RuleStatus::Skip,
    ];
    let results: Vec<policy_model::RuleResult> = (0..200)
        .map(|i| policy_model::RuleResult {
            policy: format!(
                "policy-{}{}",
                i % 7,
                if i % 11 == 0 { " \"x\"\\y" } else { "" }
            )
            .into(),
            rule: format!("rule-{}", i % 3).into(),
            resource: policy_model::ResourceId {
                api_version: "v1".into(),
                kind: if i % 13 == 0 { "Namespace" } else { "Pod" }.into(),
                namespace: if i % 13 == 0 {
                    Default::default()
                } else {
                    format!("ns-{}", i % 5).into()
                },
                name: format!("pod-{i}").into(),
                uid: None,
            },
            status: statuses[i % statuses.len()],
            message: "m".into(),
            category: (i % 2 == 0).then(|| "Multi\nLine".into()),
            scored: true,
            ..policy_model::RuleResult::default()
        })
        .collect();
    let reports = policy_report::build_reports(&results, &common::options());
    let locations = no_locations();
    let got = render(Format::Prometheus, &View::new(&reports, &locations)).unwrap();
    let samples = common::parse_prometheus_twice(&got);
    let per_result = samples
        .iter()
        .filter(|s| s.name.ends_with("policy_report_result"))
        .count();
    assert_eq!(per_result, 200);
}

#[test]
fn xml_check_rejects_malformed_xml() {
    assert!(common::parse_xml("<a b=\"1\">x &amp; &#x1F600;</a>").is_ok());
    for bad in [
        "<a><b></a>",           // mismatched end tag
        "<a b=\"1\" b=\"2\"/>", // repeated attribute
        "<a>x & y</a>",         // bare ampersand
        "<a>&nbsp;</a>",        // entity XML does not define
        "<a b=\"<\"/>",         // `<` in an attribute value
        "<a>\u{1}</a>",         // character XML 1.0 forbids
        "<a/><b/>",             // two roots
    ] {
        assert!(common::parse_xml(bad).is_err(), "{bad}");
    }
}
