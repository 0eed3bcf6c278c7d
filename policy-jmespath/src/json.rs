//! JSON value helpers with JMESPath's (and Go's) view of values: truthiness, numeric
//! equality, type names and Go `json.Marshal` text rendering.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// JMESPath truthiness: `null`, `false`, `""`, `[]` and `{}` are false; everything else,
/// including the number 0, is true.
pub(crate) fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(_) => true,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The JMESPath type name of a value, as used in error messages and by `type()`.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A number as `f64`. Kyverno (Go) decodes every JSON number to `float64`, so this is the
/// view all comparisons and arithmetic use.
pub(crate) fn as_f64(n: &Number) -> f64 {
    // why: `as_f64` only returns None for arbitrary-precision numbers, a feature not enabled
    // here; NaN then makes any comparison false instead of panicking.
    n.as_f64().unwrap_or(f64::NAN)
}

/// Deep equality where numbers compare by value (`1 == 1.0`), as in Go after JSON decoding.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            // why: compare integers exactly when both are integers (no f64 rounding)
            (Some(i), Some(j)) => i == j,
            _ => as_f64(x) == as_f64(y),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Orders two numbers by value; `None` when either is NaN.
pub(crate) fn cmp_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (a.as_i64(), b.as_i64()) {
        (Some(i), Some(j)) => Some(i.cmp(&j)),
        _ => as_f64(a).partial_cmp(&as_f64(b)),
    }
}

/// A computed number as a JSON value: integral results within the exact `f64` integer range
/// stay integers (so they render and compare like the integers of the input), others are
/// floats; NaN and infinities (which JSON cannot hold) become `null`.
pub(crate) fn number(f: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if f.fract() == 0.0 && f.abs() <= EXACT {
        // INVARIANT: |f| <= 2^53 and integral, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        return Value::from(f as i64);
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Renders a value as Go's `json.Marshal` does: compact, object keys sorted bytewise,
/// floats in Go's shortest form (`2`, `1.5`, `1e+21`, `1e-7`), and `<`, `>`, `&`,
/// U+2028, U+2029 escaped as `\u003c` etc. Used by `to_string` and by text insertion of
/// non-string variable values (CV-10.5).
pub fn render(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

fn write_object(out: &mut String, map: &Map<String, Value>) {
    // why: Go marshals maps with keys sorted; our maps keep document order
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    out.push('{');
    for (i, (k, val)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, k);
        out.push(':');
        write_value(out, val);
    }
    out.push('}');
}

/// Go's `float64` JSON encoding (`encoding/json` `floatEncoder`).
pub(crate) fn write_number(out: &mut String, n: &Number) {
    if n.is_i64() || n.is_u64() {
        out.push_str(&n.to_string());
        return;
    }
    out.push_str(&go_float(as_f64(n)));
}

/// Go's `json.Marshal` text of a `float64`: `'f'` format for `1e-6 <= |x| < 1e21`,
/// otherwise `'e'` format with at least two exponent digits, except that a negative
/// single-digit exponent loses its leading zero (`1e-07` → `1e-7`).
pub(crate) fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs == 0.0 || (1e-6..1e21).contains(&abs) {
        // why: Rust's Display is the shortest round-trip digits without exponent, like Go's 'f', -1
        let s = format!("{f}");
        return if s == "-0" { "-0".to_owned() } else { s };
    }
    let s = format!("{f:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    match exp.strip_prefix('-') {
        Some(digits) => format!("{mantissa}e-{digits}"),
        None if exp.len() < 2 => format!("{mantissa}e+0{exp}"),
        None => format!("{mantissa}e+{exp}"),
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            // why: Go escapes HTML-significant characters and the JS line separators
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_render(input: Value, expect: &str) {
        assert_eq!(render(&input), expect, "render({input})");
    }

    #[test]
    fn render_is_go_json_marshal() {
        // CV-10.5: compact, keys sorted; CV-5.3-style Go float text
        check_render(
            json!({"b": 1, "a": [true, null]}),
            r#"{"a":[true,null],"b":1}"#,
        );
        check_render(json!(1.5), "1.5");
        check_render(json!(2.0), "2");
        check_render(json!(1e21), "1e+21");
        check_render(json!(1e-7), "1e-7");
        check_render(json!(1.5e-10), "1.5e-10");
        check_render(json!(0.000001), "0.000001");
        check_render(json!(123456789.0), "123456789");
        check_render(
            json!("a<b>&\"\n\u{1}"),
            r#""a\u003cb\u003e\u0026\"\n\u0001""#,
        );
    }

    #[test]
    fn equality_is_numeric() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!({"a": [1]}), &json!({"a": [1.0]})));
        assert!(!json_eq(&json!(1), &json!("1")));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn computed_numbers_keep_integers() {
        assert_eq!(number(3.0), json!(3));
        assert_eq!(number(2.5), json!(2.5));
        assert_eq!(number(f64::NAN), Value::Null);
    }
}
