//! The SARIF output validates against the official OASIS SARIF 2.1.0 JSON schema (Errata 01),
//! shipped unmodified in `tests/data` (provenance in `tests/data/README.md`), with the
//! `jsonschema` crate: draft 7 with format assertions (`uri`, `uri-reference`, `date-time`),
//! and the draft the file declares (4). Broken documents must fail, so the check is not
//! vacuous.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use jsonschema::{Draft, Validator};
use policy_model::RuleStatus;
use policy_report::{Format, SourceLocation, View, build_reports, location_key, render};
use serde_json::{Value, json};

const SCHEMA: &str = include_str!("data/sarif-schema-2.1.0.json");
const OFFICIAL_ID: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn schema() -> Value {
    serde_json::from_str(SCHEMA).unwrap()
}

fn validator(draft: Draft) -> Validator {
    jsonschema::options()
        .with_draft(draft)
        .should_validate_formats(true)
        .build(&schema())
        .unwrap()
}

/// Every error of `doc` under draft 7 with formats asserted, as `pointer: message`.
fn errors_of(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn sarif(view: &View<'_>) -> Value {
    serde_json::from_str(&render(Format::Sarif, view).unwrap()).unwrap()
}

fn assert_valid(doc: &Value) {
    for draft in [Draft::Draft7, Draft::Draft4] {
        let errors = errors_of(&validator(draft), doc);
        assert!(errors.is_empty(), "{draft:?}: {errors:#?}\n{doc:#}");
    }
}

#[test]
fn shipped_schema_is_the_complete_official_file() {
    let s = schema();
    assert_eq!(SCHEMA.len(), 112_768);
    assert_eq!(
        s["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    assert_eq!(s["id"], OFFICIAL_ID);
    assert_eq!(s["required"], json!(["version", "runs"]));
    let defs = s["definitions"].as_object().unwrap();
    assert_eq!(defs.len(), 52);
    for d in [
        "run",
        "result",
        "location",
        "physicalLocation",
        "region",
        "reportingDescriptor",
        "toolComponent",
        "webResponse",
    ] {
        assert!(defs.contains_key(d), "{d}");
    }
    // An Errata 01 correction, absent from the 2020 OASIS Standard text.
    assert_eq!(
        s["definitions"]["run"]["properties"]["language"]["pattern"],
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$"
    );
}

#[test]
fn empty_output_validates() {
    let locations = BTreeMap::new();
    let doc = sarif(&View::new(&[], &locations));
    assert_eq!(doc["runs"][0]["results"], json!([]));
    assert_valid(&doc);
}

#[test]
fn fixture_output_with_error_and_warning_levels_validates() {
    let reports = common::fixture_reports();
    let locations = BTreeMap::new();
    let doc = sarif(&View::new(&reports, &locations));
    let levels: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "warning"]);
    assert!(doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"].is_null());
    assert_valid(&doc);
}

#[test]
fn output_with_file_and_line_locations_validates() {
    let reports = common::fixture_reports();
    let mut locations = BTreeMap::new();
    locations.insert(
        location_key("v1", "Pod", "shop", "api"),
        SourceLocation {
            file: "manifests/api.yaml".into(),
            line: 3,
        },
    );
    let doc = sarif(&View::new(&reports, &locations));
    let physical = &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "manifests/api.yaml");
    assert_eq!(physical["region"]["startLine"], 3);
    assert_valid(&doc);
}

/// Many policies, namespaces and statuses (error and skip results are left out of SARIF),
/// awkward messages, a line 0 (clamped to 1), and file names that are not URI references as
/// they stand: a space, `#`, `%`, non-ASCII, an absolute path, and a `file:` URI.
#[test]
fn larger_output_with_awkward_text_and_paths_validates() {
    let statuses = [
        RuleStatus::Fail,
        RuleStatus::Warn,
        RuleStatus::Error,
        RuleStatus::Skip,
        RuleStatus::Pass,
    ];
    let files = [
        "deploy/my app.yaml",
        "deploy/#1 100%.yaml",
        "déploiement/überall.yaml",
        "/srv/repo/manifests/x.yaml",
        "file:///srv/repo/manifests/y.yaml",
        "C:\\repo\\z.yaml",
    ];
    let mut results = Vec::new();
    let mut locations = BTreeMap::new();
    for i in 0..60 {
        let ns = format!("ns-{}", i % 4);
        let name = format!("pod-{i}");
        results.push(policy_model::RuleResult {
            policy: format!("policy-{}", i % 5).into(),
            rule: format!("rule-{}", i % 3).into(),
            resource: policy_model::ResourceId {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: ns.clone().into(),
                name: name.clone().into(),
                uid: None,
            },
            status: statuses[i % statuses.len()],
            message: match i % 3 {
                0 => Default::default(),
                1 => "quote \" backslash \\ newline\n tab\t <tag> & ünïcödé ✓".into(),
                _ => {
                    format!("validation error: rule {i} failed at path /spec/containers/0/").into()
                }
            },
            category: (i % 2 == 0).then(|| "Pod Security".into()),
            severity: (i % 3 == 0).then(|| "high".into()),
            scored: i % 7 != 0,
            ..policy_model::RuleResult::default()
        });
        locations.insert(
            location_key("v1", "Pod", &ns, &name),
            SourceLocation {
                file: files[i % files.len()].into(),
                line: i % 9,
            },
        );
    }
    let reports = build_reports(&results, &common::options());
    let doc = sarif(&View::new(&reports, &locations));
    let run = &doc["runs"][0];
    assert_eq!(run["results"].as_array().unwrap().len(), 24); // 12 fail + 12 warn
    // policy-0 (fail) and policy-1 (warn), three rules each
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 6);
    let uris: std::collections::BTreeSet<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(uris.len(), files.len(), "{uris:?}");
    assert_valid(&doc);
}

/// Documents that break the schema in different ways, each rejected; several are mutations
/// of a real output, so the validator is known to look at the parts we emit.
#[test]
fn validator_rejects_broken_sarif() {
    let reports = common::fixture_reports();
    let mut locations = BTreeMap::new();
    locations.insert(
        location_key("v1", "Pod", "shop", "api"),
        SourceLocation {
            file: "manifests/api.yaml".into(),
            line: 3,
        },
    );
    let good = sarif(&View::new(&reports, &locations));
    let v7 = validator(Draft::Draft7);
    assert!(errors_of(&v7, &good).is_empty());

    type Mutation = fn(&mut Value);
    let mutations: [(&str, Mutation); 12] = [
        ("version 2.0.0", |d| d["version"] = json!("2.0.0")),
        ("no runs", |d| {
            d.as_object_mut().unwrap().remove("runs");
        }),
        ("unknown top-level property", |d| d["extra"] = json!(1)),
        ("driver without a name", |d| {
            d["runs"][0]["tool"]["driver"]
                .as_object_mut()
                .unwrap()
                .remove("name");
        }),
        ("result without a message", |d| {
            d["runs"][0]["results"][0]
                .as_object_mut()
                .unwrap()
                .remove("message");
        }),
        ("message with neither text nor id", |d| {
            d["runs"][0]["results"][0]["message"] = json!({"markdown": "m"})
        }),
        ("unknown level", |d| {
            d["runs"][0]["results"][0]["level"] = json!("fatal")
        }),
        ("startLine 0", |d| {
            d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                json!(0)
        }),
        ("ruleIndex below -1", |d| {
            d["runs"][0]["results"][0]["ruleIndex"] = json!(-2)
        }),
        ("duplicate rule descriptors", |d| {
            let rules = d["runs"][0]["tool"]["driver"]["rules"]
                .as_array_mut()
                .unwrap();
            let first = rules[0].clone();
            rules.push(first);
        }),
        ("informationUri not a URI", |d| {
            d["runs"][0]["tool"]["driver"]["informationUri"] = json!("not a uri")
        }),
        ("artifact uri not a URI reference", |d| {
            d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
                json!("manifests/my app.yaml")
        }),
    ];
    for (what, mutate) in mutations {
        let mut doc = good.clone();
        mutate(&mut doc);
        assert_ne!(doc, good, "{what}: mutation changed nothing");
        assert!(
            !errors_of(&v7, &doc).is_empty(),
            "{what}: accepted\n{doc:#}"
        );
    }
}
