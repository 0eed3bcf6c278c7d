//! Output: deterministic YAML streams that `policy_model` (and Kubernetes' YAML 1.1
//! readers) read back as the same values.
//!
//! Documents are emitted with serde-saphyr (as `policy_model::to_yaml`), which quotes
//! strings a YAML 1.1 reader would take for something else (`"yes"`, `"on"`, `"0123"`,
//! `"1e3"`, `"12:30"`, `"~"`). Unlike `to_yaml`, long one-line strings are never folded
//! (`>-` across several lines): a Kyverno message such as
//! `"{{ request.object.metadata.name }} …"` stays on one line, byte for byte. Every emitted document is read back with policy-model's YAML 1.1
//! reader; should the two ever differ, the document is emitted as JSON instead (valid
//! YAML, never ambiguous), so output is always faithful.

use serde_json::Value;

use crate::error::{RenderError, RenderErrorKind};

/// Longer than any string we emit: single-line strings are never folded.
const NEVER_FOLD: usize = 1 << 40;

fn output_error(e: impl std::fmt::Display) -> RenderError {
    RenderError::new(RenderErrorKind::Output, e.to_string())
}

/// One value as a YAML document (block style, ends with a newline), verified to read back
/// as the same value under YAML 1.1.
pub fn yaml_value(value: &Value) -> Result<String, RenderError> {
    let options = serde_saphyr::ser_options! { folded_wrap_chars: NEVER_FOLD };
    let text = serde_saphyr::to_string_with_options(value, options).map_err(output_error)?;
    if reads_back(&text, value) {
        return Ok(text);
    }
    let mut json = serde_json::to_string_pretty(value).map_err(output_error)?;
    json.push('\n');
    Ok(json)
}

fn reads_back(text: &str, value: &Value) -> bool {
    let docs = policy_model::split_documents(text);
    match docs.as_slice() {
        [] => value.is_null(),
        [doc] => doc.parse("<output>").is_ok_and(|v| v == *value),
        _ => false,
    }
}

/// Documents as one multi-document YAML stream, `---` between documents.
pub fn to_yaml_stream(documents: &[Value]) -> Result<String, RenderError> {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&yaml_value(doc)?);
    }
    Ok(out)
}

fn slug(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    out.truncate(100);
    if out.is_empty() {
        "unnamed".to_owned()
    } else {
        out
    }
}

/// File names for writing documents one per file: `NNN-kind-name.yaml` (index first, so a
/// directory listing keeps stream order and names never collide).
#[must_use]
pub fn file_names(documents: &[Value]) -> Vec<String> {
    let width = documents.len().to_string().len().max(3);
    documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let kind = d.get("kind").and_then(Value::as_str).unwrap_or("document");
            let name = d
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("unnamed");
            format!("{:0width$}-{}-{}.yaml", i + 1, slug(kind), slug(name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml11_ambiguous_strings_are_quoted_and_read_back() {
        let tricky = [
            "yes",
            "no",
            "on",
            "off",
            "y",
            "n",
            "Y",
            "N",
            "YES",
            "On",
            "OFF",
            "true",
            "False",
            "null",
            "Null",
            "~",
            "",
            "0123",
            "0755",
            "0x1F",
            "0o17",
            "1_000",
            "12:30",
            "190:20:30",
            "1e3",
            "1.",
            ".5",
            "+1",
            "-0",
            ".inf",
            "-.Inf",
            ".nan",
            "0b101",
            "2001-12-14",
            "=",
            "<<",
            "- x",
            "#x",
            "a: b",
            "@x",
            "`x",
            "*x",
            "&x",
            "!x",
            "%x",
            "{{ request.object.metadata.name }}",
            "line\nbreak\n",
        ];
        for s in tricky {
            let v = json!({"k": s});
            let text = yaml_value(&v).unwrap();
            assert!(reads_back(&text, &v), "{s:?} emitted as {text}");
            assert!(
                !text.trim_start().starts_with('{'),
                "{s:?} fell back to JSON: {text}"
            );
        }
        let text = yaml_value(&json!({"a": "yes", "b": "0123", "c": "on"})).unwrap();
        assert_eq!(text, "a: \"yes\"\nb: \"0123\"\nc: \"on\"\n");
    }

    #[test]
    fn stream_and_file_names() {
        let docs = vec![
            json!({"kind": "ClusterPolicy", "metadata": {"name": "require-labels"}}),
            json!({"kind": "PolicyException", "metadata": {"name": "Allow/All"}}),
        ];
        assert_eq!(
            to_yaml_stream(&docs).unwrap(),
            "kind: ClusterPolicy\nmetadata:\n  name: require-labels\n---\nkind: PolicyException\nmetadata:\n  name: Allow/All\n"
        );
        assert_eq!(
            file_names(&docs),
            [
                "001-clusterpolicy-require-labels.yaml",
                "002-policyexception-allow-all.yaml"
            ]
        );
    }
}
