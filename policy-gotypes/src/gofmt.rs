//! Go formatting helpers that Kyverno's output depends on:
//!
//! - [`sprint`]: `fmt.Sprint` of a decoded JSON value (`conditions-and-variables.md` CV-5.3);
//! - [`format_float_e`]: `strconv.FormatFloat(v, 'E', -1, 64)` (`patterns.md` P-5.4.3);
//! - [`format_float_f6`]: `fmt.Sprintf("%f", v)` (P-5.5, P-11.2);
//! - [`num_text32`]: Kyverno's `ifaceToString`, `FormatFloat(x, 'f', -1, 32)` (CV-16 `num_text`).
//!
//! All float renderings start from the shortest round-trip digits, which Rust's `{:e}` gives us
//! (the same digits Go's `strconv` picks with precision `-1`).

use serde_json::Value;

/// Shortest round-trip decimal digits of a finite `f64`: (negative, digits, decimal exponent of
/// the first digit). `0.0` gives `("0", 0)`.
fn shortest_digits(f: f64) -> (bool, String, i32) {
    // `{:e}` prints e.g. `-1.234567e6`, `8e1`, `5e-1`, `0e0`.
    let text = format!("{f:e}");
    let (neg, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp = exp.parse::<i32>().unwrap_or(0);
    (neg, digits, exp)
}

/// Go's non-finite spellings (never produced from JSON input, kept for completeness).
fn non_finite(f: f64) -> Option<String> {
    if f.is_nan() {
        Some("NaN".to_owned())
    } else if f.is_infinite() {
        Some(if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned())
    } else {
        None
    }
}

/// Go exponent suffix: `e+06`, `E-01` — sign always, at least two digits.
fn exp_suffix(letter: char, exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{letter}{sign}{:02}", exp.unsigned_abs())
}

/// Go `%e`-style rendering of shortest digits: `d[.ddd]e±XX`.
fn render_exp(neg: bool, digits: &str, exp: i32, letter: char) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let mut chars = digits.chars();
    out.push(chars.next().unwrap_or('0'));
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    out.push_str(&exp_suffix(letter, exp));
    out
}

/// Go `%f`-style rendering of shortest digits with exactly the digits needed.
fn render_fixed(neg: bool, digits: &str, exp: i32) -> String {
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    // Number of digits before the decimal point.
    let point = exp + 1;
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..(-point) {
            out.push('0');
        }
        out.push_str(digits);
    } else if point >= len {
        out.push_str(digits);
        for _ in 0..(point - len) {
            out.push('0');
        }
    } else {
        let split = usize::try_from(point).unwrap_or(0);
        let (int, frac) = digits.split_at(split.min(digits.len()));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// `fmt.Sprint` of a float64 (`%v` = shortest `%g`): exponent form when the decimal exponent
/// is < −4 or ≥ 6 (CV-5.3: `1000000` → `1e+06`, `0.00001` → `1e-05`).
pub fn sprint_float(f: f64) -> String {
    if let Some(s) = non_finite(f) {
        return s;
    }
    let (neg, digits, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) {
        render_exp(neg, &digits, exp, 'e')
    } else {
        render_fixed(neg, &digits, exp)
    }
}

/// `strconv.FormatFloat(f, 'E', -1, 64)`: `80` → `8E+01`, `0.5` → `5E-01` (P-5.4.3).
pub fn format_float_e(f: f64) -> String {
    if let Some(s) = non_finite(f) {
        return s;
    }
    let (neg, digits, exp) = shortest_digits(f);
    render_exp(neg, &digits, exp, 'E')
}

/// `fmt.Sprintf("%f", f)`: six decimals (`80` → `80.000000`, P-5.5).
pub fn format_float_f6(f: f64) -> String {
    if let Some(s) = non_finite(f) {
        return s;
    }
    format!("{f:.6}")
}

/// `fmt.Sprint` of a decoded JSON value (CV-5.3): strings as is, integers in decimal, floats as
/// [`sprint_float`], booleans, `map[k:v ...]` with sorted keys (Go's fmt sorts map keys),
/// `[a b]` for arrays, `<nil>` for null.
pub fn sprint(v: &Value) -> String {
    let mut out = String::new();
    sprint_into(v, &mut out, 0);
    out
}

/// Depth guard for hostile nested values: deeper levels are elided rather than recursing.
const MAX_SPRINT_DEPTH: usize = 256;

fn sprint_into(v: &Value, out: &mut String, depth: usize) {
    if depth > MAX_SPRINT_DEPTH {
        out.push_str("...");
        return;
    }
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_text(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                sprint_into(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                if let Some(item) = map.get(k) {
                    sprint_into(item, out, depth + 1);
                }
            }
            out.push(']');
        }
    }
}

/// `fmt.Sprint` of a number: integer flavour in decimal, float flavour as `%v` (P-0.1).
fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        sprint_float(n.as_f64().unwrap_or(0.0))
    }
}

/// Kyverno's `ifaceToString` (CV-16 `num_text`): strings as is, booleans `true`/`false`,
/// numbers with `FormatFloat(x, 'f', -1, 32)` — the shortest decimal that round-trips through a
/// 32-bit float (`123456789` → `123456790`); other types are an error.
pub fn num_text32(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => {
            // Narrowing to f32 is the point: Go formats with bitSize 32.
            #[allow(clippy::cast_possible_truncation)]
            let f = n.as_f64().unwrap_or(0.0) as f32;
            if f.is_nan() {
                Ok("NaN".to_owned())
            } else if f.is_infinite() {
                Ok(if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned())
            } else {
                // Rust's `Display` for f32 is the shortest round-trip digits in plain
                // positional form, exactly Go's 'f' with precision -1.
                Ok(f.to_string())
            }
        }
        Value::Null => Err("invalid type: null".to_owned()),
        Value::Array(_) => Err("invalid type: array".to_owned()),
        Value::Object(_) => Err("invalid type: object".to_owned()),
    }
}

/// Go `strconv.ParseFloat(s, 64)` (CV-6.3, P-5.1.3): decimal or exponent syntax (`1e3`, `.5`,
/// `+1`, `1.`), `inf`/`infinity`/`nan` in any case; no surrounding spaces; an overflow to
/// infinity is an error as in Go. Hexadecimal floats (`0x1p-2`) are not supported.
pub fn parse_float(s: &str) -> Option<f64> {
    let f: f64 = s.parse().ok()?;
    if f.is_infinite() {
        // Go reports ErrRange for `1e400`; only an explicit infinity literal is accepted.
        let unsigned = s.trim_start_matches(['+', '-']).to_ascii_lowercase();
        if unsigned != "inf" && unsigned != "infinity" {
            return None;
        }
    }
    Some(f)
}

/// Go `strconv.ParseInt(s, 10, 64)`: optional sign, ASCII digits only.
pub fn parse_int(s: &str) -> Option<i64> {
    // Rust's parser already accepts exactly `[+-]?[0-9]+` for base 10.
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(got: String, expect: &str) {
        assert_eq!(got, expect);
    }

    #[test]
    fn cv_5_3_sprint_floats() {
        // CV-5.3: shortest round-trip, exponent when the decimal exponent is < -4 or >= 6.
        for (f, e) in [
            (80.0, "80"),
            (999_999.0, "999999"),
            (1_000_000.0, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.5, "0.5"),
            (1.5, "1.5"),
            (0.0, "0"),
            (-2.25, "-2.25"),
            (123_456.7, "123456.7"),
            (1e21, "1e+21"),
        ] {
            check(sprint_float(f), e);
        }
    }

    #[test]
    fn cv_5_3_sprint_values() {
        // CV-5.3: strings as is, integers decimal, booleans, `map[k:v ...]`, `[a b]`, `<nil>`.
        check(sprint(&json!("nginx")), "nginx");
        check(sprint(&json!(42)), "42");
        check(sprint(&json!(80.0)), "80");
        check(sprint(&json!(1_000_000.0)), "1e+06");
        check(sprint(&json!(1_000_000)), "1000000"); // integer flavour stays decimal (P-0.1)
        check(sprint(&json!(true)), "true");
        check(sprint(&Value::Null), "<nil>");
        check(sprint(&json!(["a", "b"])), "[a b]");
        check(sprint(&json!({"b": 1, "a": "x"})), "map[a:x b:1]");
        check(sprint(&json!({})), "map[]");
        check(
            sprint(&json!([[1, 2], {"k": null}])),
            "[[1 2] map[k:<nil>]]",
        );
    }

    #[test]
    fn p_5_4_3_format_float_e() {
        // P-5.4.3: FormatFloat(v, 'E', -1, 64).
        for (f, e) in [
            (80.0, "8E+01"),
            (0.5, "5E-01"),
            (1.5, "1.5E+00"),
            (0.0, "0E+00"),
            (-80.0, "-8E+01"),
            (1234.5, "1.2345E+03"),
            (1e100, "1E+100"),
        ] {
            check(format_float_e(f), e);
        }
    }

    #[test]
    fn p_5_5_format_float_f6() {
        // P-5.5: Go `%f` has six decimals.
        check(format_float_f6(80.0), "80.000000");
        check(format_float_f6(2.5), "2.500000");
        check(format_float_f6(-0.25), "-0.250000");
    }

    #[test]
    fn cv_16_num_text32() {
        // CV-16 `num_text`: FormatFloat(x, 'f', -1, 32).
        check(num_text32(&json!(123_456_789)).unwrap(), "123456790");
        check(num_text32(&json!(0.1)).unwrap(), "0.1");
        check(num_text32(&json!(80.0)).unwrap(), "80");
        check(num_text32(&json!(1.5)).unwrap(), "1.5");
        check(num_text32(&json!("s")).unwrap(), "s");
        check(num_text32(&json!(false)).unwrap(), "false");
        assert!(num_text32(&Value::Null).is_err());
        assert!(num_text32(&json!([])).is_err());
        assert!(num_text32(&json!({})).is_err());
    }

    #[test]
    fn cv_6_3_parse_float_and_int() {
        // CV-6.3: ParseFloat syntax (`"1.5"`, `"1e3"`, `" 1"` invalid); ParseInt base 10.
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float("1e3"), Some(1000.0));
        assert_eq!(parse_float(".5"), Some(0.5));
        assert_eq!(parse_float("+2"), Some(2.0));
        assert_eq!(parse_float(" 1"), None);
        assert_eq!(parse_float(""), None);
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_int("+42"), Some(42));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("1.0"), None);
        assert_eq!(parse_int(" 1"), None);
    }
}
