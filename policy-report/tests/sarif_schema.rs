//! The SARIF output validates against the SARIF 2.1.0 JSON schema (a faithful subset of the
//! OASIS schema shipped in `tests/data`: the full file is not available offline here), with a
//! small draft-07 validator covering every keyword that subset uses.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeMap;

use policy_report::{Format, SourceLocation, View, location_key, render};
use serde_json::{Value, json};

const SCHEMA: &str = include_str!("data/sarif-2.1.0-subset.schema.json");

fn resolve<'a>(root: &'a Value, reference: &str) -> &'a Value {
    let path = reference.strip_prefix("#/").unwrap();
    path.split('/').fold(root, |v, seg| &v[seg])
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "null" => v.is_null(),
        other => panic!("type {other} not supported"),
    }
}

/// Draft-07 validation for the keywords the schema uses; returns the errors found.
fn validate(root: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(s) = schema.as_object() else { return };
    for key in s.keys() {
        assert!(
            [
                "$comment",
                "$schema",
                "$ref",
                "type",
                "properties",
                "required",
                "additionalProperties",
                "items",
                "minItems",
                "uniqueItems",
                "default",
                "enum",
                "minimum",
                "maximum",
                "format",
                "pattern",
                "anyOf",
                "definitions",
            ]
            .contains(&key.as_str()),
            "keyword {key} not supported by this validator"
        );
    }
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        validate(root, resolve(root, r), v, at, errors);
    }
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        if !type_ok(t, v) {
            errors.push(format!("{at}: expected {t}, got {v}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(n) = v.as_f64() {
        if s.get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|m| n < m)
        {
            errors.push(format!("{at}: {n} below minimum"));
        }
        if s.get("maximum")
            .and_then(Value::as_f64)
            .is_some_and(|m| n > m)
        {
            errors.push(format!("{at}: {n} above maximum"));
        }
    }
    if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str()) {
        // The only pattern in the subset is the run language tag.
        assert_eq!(p, "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
        let ok = text.len() == 2 || (text.len() == 5 && text.as_bytes()[2] == b'-');
        if !ok {
            errors.push(format!("{at}: {text} does not match {p}"));
        }
    }
    if let (Some(f), Some(text)) = (s.get("format").and_then(Value::as_str), v.as_str()) {
        let ok = match f {
            "uri" => text.split_once(':').is_some_and(|(scheme, _)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            }),
            "uri-reference" => !text.contains(' '),
            _ => true,
        };
        if !ok {
            errors.push(format!("{at}: `{text}` is not a {f}"));
        }
    }
    if let Some(obj) = v.as_object() {
        for r in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{at}: missing required {r}"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, child) in obj {
            let path = format!("{at}/{k}");
            match props.and_then(|p| p.get(k)) {
                Some(ps) => validate(root, ps, child, &path, errors),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{at}: unexpected property {k}"))
                    }
                    Some(extra @ Value::Object(_)) => validate(root, extra, child, &path, errors),
                    _ => {}
                },
            }
        }
    }
    if let Some(arr) = v.as_array() {
        if s.get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|m| (arr.len() as u64) < m)
        {
            errors.push(format!("{at}: too few items"));
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in arr.iter().enumerate() {
                if arr[..i].contains(a) {
                    errors.push(format!("{at}/{i}: duplicate item"));
                }
            }
        }
        if let Some(items) = s.get("items") {
            for (i, item) in arr.iter().enumerate() {
                validate(root, items, item, &format!("{at}/{i}"), errors);
            }
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array) {
        let ok = any.iter().any(|alt| {
            let mut e = Vec::new();
            validate(root, alt, v, at, &mut e);
            e.is_empty()
        });
        if !ok {
            errors.push(format!("{at}: matches no anyOf alternative"));
        }
    }
}

fn errors_of(doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let mut errors = Vec::new();
    validate(&schema, &schema, doc, "", &mut errors);
    errors
}

#[test]
fn sarif_output_validates() {
    let reports = common::fixture_reports();
    let mut locations = BTreeMap::new();
    locations.insert(
        location_key("v1", "Pod", "shop", "api"),
        SourceLocation {
            file: "manifests/api.yaml".into(),
            line: 3,
        },
    );
    for locs in [BTreeMap::new(), locations] {
        let out = render(Format::Sarif, &View::new(&reports, &locs)).unwrap();
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(errors_of(&doc), Vec::<String>::new());
        assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 2);
    }
    let empty = render(Format::Sarif, &View::new(&[], &BTreeMap::new())).unwrap();
    assert_eq!(
        errors_of(&serde_json::from_str(&empty).unwrap()),
        Vec::<String>::new()
    );
}

#[test]
fn validator_catches_invalid_sarif() {
    let bad = [
        json!({"version": "2.0.0", "runs": []}),
        json!({"version": "2.1.0"}),
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}),
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "a"}]}]}),
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}),
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}]}),
        json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [{"id": "a"}, {"id": "a"}]}}}]}),
        json!({"version": "2.1.0", "runs": [], "extra": 1}),
    ];
    for doc in bad {
        assert!(!errors_of(&doc).is_empty(), "{doc}");
    }
}
