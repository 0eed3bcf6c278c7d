//! SARIF 2.1.0: one run of the `policyctl` driver; a reporting descriptor per policy rule
//! (`policy/rule`) with a failing or warning result; a result per failing (level `error`)
//! or warning (level `warning`) entry, located at the resource's file and line when known
//! and always by a logical location `namespace/Kind/name`. File names become URI references
//! ([`artifact_uri`]), as the schema's `uri-reference` format requires.

use std::collections::BTreeMap;
use std::fmt::Write as _;

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
                    json!({"artifactLocation": {"uri": artifact_uri(&loc.file)}, "region": {"startLine": loc.line.max(1)}}),
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

/// A source location's file as an RFC 3986 URI reference: a URI (a scheme of two or more
/// letters before `:`) keeps its delimiters; a path gets `%`, `?` and `#` encoded too; a
/// Windows drive path (`C:\x\y.yaml`) becomes `file:///C:/x/y.yaml`. Every other byte
/// outside the unreserved and sub-delimiter characters, `:`, `@` and `/` (spaces, non-ASCII,
/// backslashes) is percent-encoded as UTF-8.
pub fn artifact_uri(file: &str) -> String {
    let bytes = file.as_bytes();
    let drive = matches!(bytes, [d, b':', b'\\' | b'/', ..] if d.is_ascii_alphabetic());
    let scheme = !drive
        && file.split_once(':').is_some_and(|(s, _)| {
            s.len() >= 2
                && s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
    let mut out = String::with_capacity(file.len());
    if drive {
        out.push_str("file:///");
    }
    for &b in bytes {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~!$&'()*+,;=:@/".contains(&b)
            || (scheme && b"%?#[]".contains(&b));
        if keep {
            out.push(char::from(b));
        } else if drive && b == b'\\' {
            out.push('/');
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::artifact_uri;

    #[test]
    fn file_names_become_uri_references() {
        for (file, uri) in [
            ("manifests/api.yaml", "manifests/api.yaml"),
            ("/srv/repo/x.yaml", "/srv/repo/x.yaml"),
            ("deploy/my app.yaml", "deploy/my%20app.yaml"),
            ("deploy/#1 100%.yaml", "deploy/%231%20100%25.yaml"),
            ("déploiement/ü.yaml", "d%C3%A9ploiement/%C3%BC.yaml"),
            ("a?b.yaml", "a%3Fb.yaml"),
            ("C:\\repo\\z.yaml", "file:///C:/repo/z.yaml"),
            ("file:///srv/a%20b.yaml#L3", "file:///srv/a%20b.yaml#L3"),
            ("https://example.com/x y", "https://example.com/x%20y"),
        ] {
            assert_eq!(artifact_uri(file), uri, "{file}");
        }
    }
}
