//! A small JSON Schema validator for `values.schema.json`.
//!
//! Supported keywords (the ones value schemas use): `type` (a name or a list), `required`,
//! `properties`, `additionalProperties` (boolean or schema), `items` (one schema),
//! `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (numbers),
//! `minLength`, `maxLength`, `minItems`, `maxItems`, `allOf`, `anyOf`, `oneOf`, `not`.
//! Other keywords (`$ref`, `pattern`, `format`, …) are ignored, never rejected. Every
//! violation is reported with its values path (`policies.network.action`).

use serde_json::Value;

/// Validates `value` against `schema`; returns violations as `(path, message)`.
pub(crate) fn validate(schema: &Value, value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    check(schema, value, "", &mut out);
    out
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(want: &str, v: &Value) -> bool {
    let have = type_name(v);
    have == want || (want == "number" && have == "integer")
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn show(path: &str) -> String {
    if path.is_empty() {
        "(root)".to_owned()
    } else {
        path.to_owned()
    }
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    let Value::Object(s) = schema else {
        if schema == &Value::Bool(false) {
            out.push((show(path), "no value is allowed here".to_owned()));
        }
        return;
    };
    if let Some(t) = s.get("type") {
        let names: Vec<&str> = match t {
            Value::String(n) => vec![n.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.is_empty() && !names.iter().any(|n| type_matches(n, value)) {
            out.push((
                show(path),
                format!(
                    "expected {}, found {}",
                    names.join(" or "),
                    type_name(value)
                ),
            ));
            return;
        }
    }
    if let Some(Value::Array(options)) = s.get("enum")
        && !options.contains(value)
    {
        let list: Vec<String> = options.iter().map(ToString::to_string).collect();
        out.push((show(path), format!("must be one of {}", list.join(", "))));
    }
    if let Some(c) = s.get("const")
        && c != value
    {
        out.push((show(path), format!("must be {c}")));
    }
    if let Some(x) = value.as_f64() {
        let bound = |k: &str| s.get(k).and_then(Value::as_f64);
        if let Some(m) = bound("minimum")
            && x < m
        {
            out.push((show(path), format!("must be at least {m}")));
        }
        if let Some(m) = bound("maximum")
            && x > m
        {
            out.push((show(path), format!("must be at most {m}")));
        }
        if let Some(m) = bound("exclusiveMinimum")
            && x <= m
        {
            out.push((show(path), format!("must be greater than {m}")));
        }
        if let Some(m) = bound("exclusiveMaximum")
            && x >= m
        {
            out.push((show(path), format!("must be less than {m}")));
        }
    }
    let limit = |k: &str| {
        s.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    if let Value::String(text) = value {
        let n = text.chars().count();
        if let Some(m) = limit("minLength")
            && n < m
        {
            out.push((show(path), format!("must be at least {m} characters long")));
        }
        if let Some(m) = limit("maxLength")
            && n > m
        {
            out.push((show(path), format!("must be at most {m} characters long")));
        }
    }
    if let Value::Array(items) = value {
        if let Some(m) = limit("minItems")
            && items.len() < m
        {
            out.push((show(path), format!("must have at least {m} items")));
        }
        if let Some(m) = limit("maxItems")
            && items.len() > m
        {
            out.push((show(path), format!("must have at most {m} items")));
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{path}[{i}]"), out);
            }
        }
    }
    if let Value::Object(map) = value {
        if let Some(Value::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !map.contains_key(r) {
                    out.push((show(path), format!("missing required property `{r}`")));
                }
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        for (k, v) in map {
            let sub = join(path, k);
            match props.and_then(|p| p.get(k)) {
                Some(ps) => check(ps, v, &sub, out),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        out.push((
                            show(path),
                            format!("additional property `{k}` is not allowed"),
                        ));
                    }
                    Some(ap @ Value::Object(_)) => check(ap, v, &sub, out),
                    _ => {}
                },
            }
        }
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        for sub in all {
            check(sub, value, path, out);
        }
    }
    let passes = |sub: &Value| {
        let mut tmp = Vec::new();
        check(sub, value, path, &mut tmp);
        tmp.is_empty()
    };
    if let Some(Value::Array(any)) = s.get("anyOf")
        && !any.iter().any(passes)
    {
        out.push((
            show(path),
            "must match at least one schema in anyOf".to_owned(),
        ));
    }
    if let Some(Value::Array(one)) = s.get("oneOf")
        && one.iter().filter(|sub| passes(sub)).count() != 1
    {
        out.push((
            show(path),
            "must match exactly one schema in oneOf".to_owned(),
        ));
    }
    if let Some(not) = s.get("not")
        && passes(not)
    {
        out.push((show(path), "must not match the schema in not".to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_checks() {
        let schema = json!({
            "type": "object",
            "required": ["policies"],
            "properties": {
                "policies": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "action": {"type": "string", "enum": ["Audit", "Enforce"]},
                            "background": {"type": "boolean"}
                        }
                    }
                },
                "replicas": {"type": "integer", "minimum": 1}
            }
        });
        assert!(validate(&schema, &json!({"policies": {"a": {"action": "Audit"}}})).is_empty());
        let errs = validate(
            &schema,
            &json!({"policies": {"a": {"action": "Deny", "background": "yes"}}, "replicas": 0}),
        );
        assert_eq!(
            errs,
            vec![
                (
                    "policies.a.action".to_owned(),
                    "must be one of \"Audit\", \"Enforce\"".to_owned()
                ),
                (
                    "policies.a.background".to_owned(),
                    "expected boolean, found string".to_owned()
                ),
                ("replicas".to_owned(), "must be at least 1".to_owned()),
            ]
        );
        let errs = validate(&schema, &json!({}));
        assert_eq!(
            errs,
            vec![(
                "(root)".to_owned(),
                "missing required property `policies`".to_owned()
            )]
        );
    }
}
