//! SARIF 2.1.0: one run of the `policyctl` driver; a reporting descriptor per policy rule
//! (`policy/rule`) with a failing or warning result; a result per failing (level `error`)
//! or warning (level `warning`) entry, located at the resource's file and line when known
//! and always by a logical location `namespace/Kind/name`.

use std::collections::BTreeMap;

use policy_model::RuleStatus;
use serde_json::{Map, Value, json};

use super::{Prepared, location_key, resource_text};

/// The SARIF schema URI written in `$schema`.
pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(crate) fn render(p: &Prepared<'_>) -> Value {
    let problems: Vec<_> = p
        .problems()
        .into_iter()
        .filter(|e| matches!(e.status, RuleStatus::Fail | RuleStatus::Warn))
        .collect();
    // Rule descriptors, sorted by id; the index of each for `ruleIndex`.
    let mut rules: BTreeMap<String, (&str, &str, &str, &str)> = BTreeMap::new();
    for e in &problems {
        rules
            .entry(format!("{}/{}", e.policy, e.rule))
            .or_insert((e.policy, e.rule, e.category, e.severity));
    }
    let index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|(id, (policy, rule, category, severity))| {
            let mut props = Map::new();
            if !category.is_empty() {
                props.insert("category".into(), Value::from(*category));
                props.insert("tags".into(), json!([category]));
            }
            if !severity.is_empty() {
                props.insert("severity".into(), Value::from(*severity));
            }
            let mut d = json!({
                "id": id,
                "name": rule,
                "shortDescription": {"text": format!("Kyverno policy {policy}, rule {rule}")},
            });
            if let (Some(obj), false) = (d.as_object_mut(), props.is_empty()) {
                obj.insert("properties".into(), Value::Object(props));
            }
            d
        })
        .collect();
    let results: Vec<Value> = problems
        .iter()
        .map(|e| {
            let id = format!("{}/{}", e.policy, e.rule);
            let mut location = Map::new();
            if let Some(loc) = p
                .view
                .locations
                .get(&location_key(e.api_version, e.kind, e.namespace, e.name))
            {
                location.insert(
                    "physicalLocation".into(),
                    json!({"artifactLocation": {"uri": loc.file}, "region": {"startLine": loc.line.max(1)}}),
                );
            }
            location.insert(
                "logicalLocations".into(),
                json!([{"fullyQualifiedName": resource_text(e), "kind": "resource"}]),
            );
            let message = if e.message.is_empty() { "validation failed" } else { e.message };
            json!({
                "ruleId": id,
                "ruleIndex": index.get(id.as_str()).copied().unwrap_or(0),
                "level": if e.status == RuleStatus::Fail { "error" } else { "warning" },
                "message": {"text": message},
                "locations": [Value::Object(location)],
                "properties": {
                    "policy": e.policy,
                    "rule": e.rule,
                    "result": e.status.as_str(),
                    "apiVersion": e.api_version,
                    "kind": e.kind,
                    "namespace": e.namespace,
                    "name": e.name,
                },
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "policyctl",
                "informationUri": "https://example.invalid/policyctl",
                "rules": descriptors,
            }},
            "results": results,
        }],
    })
}
