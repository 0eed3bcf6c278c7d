//! Kyverno's custom JMESPath functions (conditions CV-16), as a static table; one file per
//! domain of CV-16 (strings, regex, arithmetic, data, time, semver, images, misc). The Go and
//! Kubernetes semantics they rely on (time layouts, quantities, durations, regexes, semver,
//! image references, x509, random) live in `policy-gotypes`; these files read arguments,
//! call it and shape results and errors as Kyverno does.
//!
//! Every function is pure: "now" and the `random` seed come from [`FnEnv`], nothing reads the
//! clock, the network or a global generator. The interpreter checks argument types against
//! each [`Signature`] before calling (CV-15.4), but bodies still read arguments with `get`,
//! never by indexing.
//!
//! Deliberate differences from Kyverno (also listed in the final report / COMPATIBILITY):
//! - `time_now` renders "now" in UTC: the local zone of an offline run is UTC.
//! - `is_external_url` only decides IP literals (and `localhost`); other host names would need
//!   DNS and are an error.
//! - `random` generates from the parsed regex itself (literals, classes, repetition,
//!   alternation, groups); unbounded repetitions (`*`, `+`, `{n,}`) add at most 10 extra
//!   items, `.` draws printable ASCII, and the output is capped at 4096 characters.
//! - `x509_decode` renders Go's `x509.Certificate` / `CertificateRequest` JSON (Go ≥ 1.24
//!   field set) from `x509-parser` plus Go's own rules (see `x509.rs`); inputs over 1 MiB,
//!   non-RSA keys and bad PEM/DER are errors.
//! - Regexes are Go RE2 syntax run by the `regex` crate: `\d`, `\w`, `\s`, `\b` are rewritten
//!   to Go's ASCII meanings; `\Q…\E` and octal escapes are not supported.

mod arithmetic;
mod data;
mod images;
mod misc;
mod regex;
mod semver;
mod strings;
mod time;

use serde_json::{Number, Value};

use self::arithmetic::*;
use self::data::*;
use self::images::*;
use self::misc::*;
use self::regex::*;
use self::semver::*;
use self::strings::*;
use self::time::*;
use crate::types::{ArgType, FnEnv, KyvernoFunction, Signature};

/// Largest string a function may build (replace, regex replace, split results …), so hostile
/// inputs cannot exhaust memory.
const MAX_OUTPUT: usize = 1 << 24;

// ---------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------

const fn sig(args: &'static [ArgType]) -> Signature {
    Signature {
        args,
        variadic: None,
    }
}

const fn entry(
    name: &'static str,
    args: &'static [ArgType],
    call: fn(&[Value], &FnEnv) -> Result<Value, String>,
) -> KyvernoFunction {
    KyvernoFunction {
        name,
        signature: sig(args),
        call,
    }
}

use ArgType::{Any, Array, Number as Num, Object, ObjectOrArray, String as Str, StringOrNumber};

/// Every Kyverno function of CV-16, sorted by name.
pub(crate) static FUNCTIONS: &[KyvernoFunction] = &[
    entry("add", &[Any, Any], f_add),
    entry("base64_decode", &[Str], f_base64_decode),
    entry("base64_encode", &[Str], f_base64_encode),
    entry("compare", &[Str, Str], f_compare),
    entry("divide", &[Any, Any], f_divide),
    entry("equal_fold", &[Str, Str], f_equal_fold),
    entry("image_normalize", &[Str], f_image_normalize),
    entry("is_external_url", &[Str], f_is_external_url),
    entry("items", &[ObjectOrArray, Str, Str], f_items),
    entry("label_match", &[Object, Object], f_label_match),
    entry("lookup", &[ObjectOrArray, StringOrNumber], f_lookup),
    entry("md5", &[Str], f_md5),
    entry("modulo", &[Any, Any], f_modulo),
    entry("multiply", &[Any, Any], f_multiply),
    entry("object_from_lists", &[Array, Array], f_object_from_lists),
    entry("parse_json", &[Str], f_parse_json),
    entry("parse_yaml", &[Str], f_parse_yaml),
    entry("path_canonicalize", &[Str], f_path_canonicalize),
    entry("pattern_match", &[Str, StringOrNumber], f_pattern_match),
    entry("random", &[Str], f_random),
    entry("regex_match", &[Str, StringOrNumber], f_regex_match),
    entry(
        "regex_replace_all",
        &[Str, StringOrNumber, StringOrNumber],
        f_regex_replace_all,
    ),
    entry(
        "regex_replace_all_literal",
        &[Str, StringOrNumber, StringOrNumber],
        f_regex_replace_all_literal,
    ),
    entry("replace", &[Str, Str, Str, Num], f_replace),
    entry("replace_all", &[Str, Str, Str], f_replace_all),
    entry("round", &[Num, Num], f_round),
    entry("semver_compare", &[Str, Str], f_semver_compare),
    entry("sha1", &[Str], f_sha1),
    entry("sha256", &[Str], f_sha256),
    entry("split", &[Str, Str], f_split),
    entry("subtract", &[Any, Any], f_subtract),
    entry("sum", &[Array], f_sum),
    entry("time_add", &[Str, Str], f_time_add),
    entry("time_after", &[Str, Str], f_time_after),
    entry("time_before", &[Str, Str], f_time_before),
    entry("time_between", &[Str, Str, Str], f_time_between),
    entry("time_diff", &[Str, Str], f_time_diff),
    entry("time_now", &[], f_time_now),
    entry("time_now_utc", &[], f_time_now_utc),
    entry("time_parse", &[Str, Str], f_time_parse),
    entry("time_since", &[Str, Str, Str], f_time_since),
    entry("time_to_cron", &[Str], f_time_to_cron),
    entry("time_truncate", &[Str, Str], f_time_truncate),
    entry("time_utc", &[Str], f_time_utc),
    entry("to_boolean", &[Str], f_to_boolean),
    entry("to_lower", &[Str], f_to_lower),
    entry("to_upper", &[Str], f_to_upper),
    entry("trim", &[Str, Str], f_trim),
    entry("trim_prefix", &[Str, Str], f_trim_prefix),
    entry("truncate", &[Str, Num], f_truncate),
    entry("x509_decode", &[Str], f_x509_decode),
];

/// The Kyverno function called `name`, if any.
pub(crate) fn lookup(name: &str) -> Option<&'static KyvernoFunction> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `JMESPath function '<f>': <msg>` (Kyverno's `errorPrefix`).
fn err(f: &str, msg: impl std::fmt::Display) -> String {
    format!("JMESPath function '{f}': {msg}")
}

/// Kyverno's `invalidArgumentTypeError` (CV-15.4).
fn type_err(f: &str, n: usize, ty: &str) -> String {
    err(f, format!("argument #{n} is not of type {ty}"))
}

fn arg_str<'a>(f: &str, args: &'a [Value], i: usize) -> Result<&'a str, String> {
    args.get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| type_err(f, i + 1, "String"))
}

fn arg_num(f: &str, args: &[Value], i: usize) -> Result<f64, String> {
    args.get(i)
        .and_then(Value::as_f64)
        .ok_or_else(|| type_err(f, i + 1, "Number"))
}

/// A computed number as JSON: integral values within ±2^53 become integers (like the rest of
/// the interpreter does), others floats; non-finite values are an error (JSON cannot hold
/// them, and Go's encoder would fail on them too).
fn number(f: &str, x: f64) -> Result<Value, String> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if x.fract() == 0.0 && x.abs() <= EXACT {
        // INVARIANT: |x| <= 2^53 and integral, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        return Ok(Value::from(x as i64));
    }
    Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| err(f, "result is not a finite number"))
}

/// 2^63 as a float: the first value beyond Go's int64 range.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Go `int(x)` when it gives back exactly `x` (Kyverno's `intNumber`).
fn whole(x: f64) -> Option<i64> {
    if !x.is_finite() || x.fract() != 0.0 || !(-TWO_POW_63..TWO_POW_63).contains(&x) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    Some(x as i64)
}

/// Go's float64 → int64 conversion on amd64: truncation, and the "integer indefinite" value
/// `i64::MIN` when out of range or NaN.
fn go_f64_to_i64(x: f64) -> i64 {
    if !(-TWO_POW_63..TWO_POW_63).contains(&x) {
        return i64::MIN;
    }
    #[allow(clippy::cast_possible_truncation)]
    let r = x as i64;
    r
}

/// Kyverno's `ifaceToString` (`num_text` of CV-16), owned by `gofmt`.
fn num_text(f: &str, v: &Value, n: usize) -> Result<String, String> {
    policy_gotypes::gofmt::num_text32(v)
        .map_err(|_| err(f, format!("argument #{n} is not of type String or Real")))
}

fn check_len(f: &str, len: usize) -> Result<(), String> {
    if len > MAX_OUTPUT {
        return Err(err(f, format!("result exceeds {MAX_OUTPUT} bytes")));
    }
    Ok(())
}

/// Normalises every number of a decoded document to the interpreter's convention (Go decodes
/// JSON numbers as float64; integral ones are kept as integers).
fn normalize_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(x) if n.as_i64().is_none() || x.abs() > 9_007_199_254_740_992.0 => {
                number("", x).unwrap_or(Value::Number(n))
            }
            _ => Value::Number(n),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(
            DIGITS.get(usize::from(b >> 4)).copied().unwrap_or(b'0'),
        ));
        out.push(char::from(
            DIGITS.get(usize::from(b & 0xf)).copied().unwrap_or(b'0'),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use serde_json::json;

    fn env() -> FnEnv {
        FnEnv {
            now: "2024-03-10T12:30:45Z".parse().unwrap(),
            seed: 42,
        }
    }

    /// Calls function `name` with `args` (a JSON array).
    fn call(name: &str, args: Value) -> Result<Value, String> {
        let f = lookup(name).unwrap_or_else(|| panic!("no function {name}"));
        let args = args.as_array().cloned().unwrap();
        (f.call)(&args, &env())
    }

    /// Table helper: `Ok(expected)` compares values, `Err(fragment)` expects an error
    /// containing the fragment.
    fn check(name: &str, args: Value, expect: Result<Value, &str>) {
        let got = call(name, args.clone());
        match (&got, &expect) {
            (Ok(g), Ok(e)) => assert_eq!(g, e, "{name}({args})"),
            (Err(g), Err(e)) => assert!(g.contains(e), "{name}({args}): error {g:?} lacks {e:?}"),
            _ => panic!("{name}({args}): got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn table_is_sorted_complete_and_unique() {
        // CV-16 lists these names.
        let names: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for n in [
            "compare",
            "equal_fold",
            "replace",
            "replace_all",
            "to_upper",
            "to_lower",
            "trim",
            "trim_prefix",
            "split",
            "truncate",
            "base64_encode",
            "base64_decode",
            "path_canonicalize",
            "sha256",
            "sha1",
            "md5",
            "to_boolean",
            "regex_match",
            "regex_replace_all",
            "regex_replace_all_literal",
            "pattern_match",
            "label_match",
            "add",
            "subtract",
            "multiply",
            "divide",
            "modulo",
            "sum",
            "round",
            "parse_json",
            "parse_yaml",
            "lookup",
            "items",
            "object_from_lists",
            "time_now",
            "time_now_utc",
            "time_since",
            "time_diff",
            "time_add",
            "time_parse",
            "time_utc",
            "time_to_cron",
            "time_before",
            "time_after",
            "time_between",
            "time_truncate",
            "semver_compare",
            "image_normalize",
            "is_external_url",
            "random",
            "x509_decode",
        ] {
            assert!(lookup(n).is_some(), "{n} missing");
        }
        assert_eq!(FUNCTIONS.len(), 51);
        assert!(lookup("abs").is_none());
    }

    #[test]
    fn strings() {
        // CV-16 "Strings".
        check("compare", json!(["a", "b"]), Ok(json!(-1)));
        check("compare", json!(["b", "a"]), Ok(json!(1)));
        check("compare", json!(["a", "a"]), Ok(json!(0)));
        check("equal_fold", json!(["Go", "GO"]), Ok(json!(true)));
        check("equal_fold", json!(["Straße", "STRASSE"]), Ok(json!(false)));
        check("equal_fold", json!(["a", "b"]), Ok(json!(false)));
        check(
            "replace",
            json!(["oink oink oink", "k", "ky", 2]),
            Ok(json!("oinky oinky oink")),
        );
        check(
            "replace",
            json!(["oink oink oink", "oink", "moo", -1]),
            Ok(json!("moo moo moo")),
        );
        check("replace", json!(["abc", "", "-", -1]), Ok(json!("-a-b-c-")));
        check("replace", json!(["abc", "b", "x", 0]), Ok(json!("abc")));
        check(
            "replace_all",
            json!(["a.b.c", ".", "/"]),
            Ok(json!("a/b/c")),
        );
        check("to_upper", json!(["abc-ß"]), Ok(json!("ABC-ß")));
        check("to_lower", json!(["ABC"]), Ok(json!("abc")));
        check("trim", json!(["  hi  ", " "]), Ok(json!("hi")));
        check("trim", json!(["xxhixyx", "xy"]), Ok(json!("hi")));
        check("trim", json!(["hi", ""]), Ok(json!("hi")));
        check(
            "trim_prefix",
            json!(["registry/nginx", "registry/"]),
            Ok(json!("nginx")),
        );
        check(
            "trim_prefix",
            json!(["nginx", "registry/"]),
            Ok(json!("nginx")),
        );
        check("split", json!(["a,b,c", ","]), Ok(json!(["a", "b", "c"])));
        check("split", json!(["", ","]), Ok(json!([""])));
        check("split", json!(["abc", ""]), Ok(json!(["a", "b", "c"])));
        check("truncate", json!(["kyverno", 3]), Ok(json!("kyv")));
        check("truncate", json!(["kyverno", -1]), Ok(json!("")));
        check("truncate", json!(["kyverno", 3.9]), Ok(json!("kyv")));
        check("truncate", json!(["ky", 10]), Ok(json!("ky")));
        check("base64_encode", json!(["hello"]), Ok(json!("aGVsbG8=")));
        check("base64_decode", json!(["aGVsbG8="]), Ok(json!("hello")));
        check("base64_decode", json!(["aGVs\nbG8="]), Ok(json!("hello")));
        check(
            "base64_decode",
            json!(["aGVsbG8"]),
            Err("JMESPath function 'base64_decode': illegal base64 data"),
        );
        check(
            "base64_decode",
            json!(["!!!!"]),
            Err("illegal base64 data at input byte 0"),
        );
        check(
            "path_canonicalize",
            json!(["/a//b/./c/../d/"]),
            Ok(json!("/a/b/d")),
        );
        check("path_canonicalize", json!([""]), Ok(json!("")));
        check("path_canonicalize", json!(["a/../.."]), Ok(json!("..")));
        check("path_canonicalize", json!(["/../x"]), Ok(json!("/x")));
        check("path_canonicalize", json!(["./"]), Ok(json!(".")));
        check(
            "sha256",
            json!(["abc"]),
            Ok(json!(
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            )),
        );
        check(
            "sha1",
            json!(["abc"]),
            Ok(json!("a9993e364706816aba3e25717850c26c9cd0d89d")),
        );
        check(
            "md5",
            json!(["abc"]),
            Ok(json!("900150983cd24fb0d6963f7d28e17f72")),
        );
        check("to_boolean", json!(["TruE"]), Ok(json!(true)));
        check("to_boolean", json!(["false"]), Ok(json!(false)));
        check(
            "to_boolean",
            json!(["yes"]),
            Err("lowercase argument must be 'true' or 'false' (provided: 'yes')"),
        );
    }

    #[test]
    fn regex_and_patterns() {
        // CV-16 "Pattern / regex", CV-15.2 (raw strings keep `\b`).
        check(
            "regex_match",
            json!(["^nginx", "nginx:1.2"]),
            Ok(json!(true)),
        );
        check("regex_match", json!(["1.2", "nginx:1.2"]), Ok(json!(true))); // unanchored search
        check("regex_match", json!(["^[0-9]+$", 123]), Ok(json!(true)));
        check(
            "regex_match",
            json!(["^123456790$", 123_456_789]),
            Ok(json!(true)),
        ); // num_text is 32-bit
        check(
            "regex_match",
            json!(["\\bjcmd\\b", "run jcmd now"]),
            Ok(json!(true)),
        );
        check("regex_match", json!(["\\d", "٣"]), Ok(json!(false))); // Go's \d is ASCII
        check(
            "regex_match",
            json!(["(", "x"]),
            Err("JMESPath function 'regex_match': error parsing regexp"),
        );
        check("regex_match", json!(["[[]", "["]), Ok(json!(true))); // `[` literal inside a class
        check(
            "regex_replace_all",
            json!(["([a-z]+)-([0-9]+)", "abc-123", "$2-$1"]),
            Ok(json!("123-abc")),
        );
        check(
            "regex_replace_all",
            json!(["(?P<n>[0-9]+)", "a1b22", "<${n}>"]),
            Ok(json!("a<1>b<22>")),
        );
        check(
            "regex_replace_all",
            json!(["a*", "baaac", "X"]),
            Ok(json!("XbXcX")),
        ); // Go empty-match rule
        check(
            "regex_replace_all",
            json!(["^docker.io/", "docker.io/nginx", "mirror.local/"]),
            Ok(json!("mirror.local/nginx")),
        );
        check("regex_replace_all", json!(["x", 1.5, 2]), Ok(json!("1.5")));
        check(
            "regex_replace_all",
            json!(["(", "a", "b"]),
            Err("error parsing regexp"),
        );
        check(
            "regex_replace_all_literal",
            json!(["([a-z]+)", "abc", "$1"]),
            Ok(json!("$1")),
        );
        check(
            "regex_replace_all_literal",
            json!(["[", "a", "b"]),
            Err("error parsing regexp"),
        );
        check(
            "pattern_match",
            json!(["nginx:*", "nginx:1.2"]),
            Ok(json!(true)),
        );
        check("pattern_match", json!(["1?3", 123]), Ok(json!(true)));
        check(
            "pattern_match",
            json!(["nginx:*", "redis"]),
            Ok(json!(false)),
        );
        check(
            "label_match",
            json!([{"app": "web"}, {"app": "web", "tier": "fe"}]),
            Ok(json!(true)),
        );
        check(
            "label_match",
            json!([{"app": "web", "x": "y"}, {"app": "web"}]),
            Ok(json!(false)),
        );
        check("label_match", json!([{}, {"a": "b"}]), Ok(json!(true)));
        check(
            "label_match",
            json!([{"n": 1}, {"n": 1.0}]),
            Ok(json!(true)),
        );
    }

    #[test]
    fn arithmetic() {
        // CV-16 "Arithmetic" and its rendering rules.
        check("add", json!([1, 2]), Ok(json!(3)));
        check("add", json!([1.5, 2]), Ok(json!(3.5)));
        check("add", json!(["1Gi", "512Mi"]), Ok(json!("1536Mi")));
        check("add", json!(["1", "500m"]), Ok(json!("1500m")));
        check("add", json!(["1h", "30m0s"]), Ok(json!("1h30m0s")));
        check("add", json!(["90s", "90s"]), Ok(json!("3m0s")));
        check("add", json!(["5m", "5m"]), Ok(json!("10m"))); // quantities (milli), not minutes
        check(
            "add",
            json!(["1Gi", 1]),
            Err("JMESPath function 'add': Types mismatch"),
        );
        check("add", json!(["1h", "1Gi"]), Err("Types mismatch"));
        check(
            "add",
            json!(["abc", 1]),
            Err("JMESPath function 'add': invalid operands"),
        );
        check("add", json!([true, 1]), Err("invalid operands"));
        check("subtract", json!([5, 7]), Ok(json!(-2)));
        check("subtract", json!(["2Gi", "512Mi"]), Ok(json!("1536Mi")));
        check("subtract", json!(["1h", "90m0s"]), Ok(json!("-30m0s")));
        check("subtract", json!(["1h", "90m"]), Err("Types mismatch")); // "90m" is a quantity
        check("subtract", json!(["1h", 1]), Err("Types mismatch"));
        check("multiply", json!([3, 4]), Ok(json!(12)));
        check("multiply", json!(["1Gi", 2]), Ok(json!("2Gi")));
        check("multiply", json!([2, "100m"]), Ok(json!("200m")));
        check("multiply", json!(["1h", 1.5]), Ok(json!("1h30m0s")));
        check("multiply", json!([2, "30s"]), Ok(json!("1m0s")));
        check("multiply", json!(["1Gi", "1Gi"]), Err("Types mismatch"));
        check("divide", json!([10, 4]), Ok(json!(2.5)));
        check("divide", json!(["1Gi", "512Mi"]), Ok(json!(2)));
        check("divide", json!(["1Gi", 2]), Ok(json!("512Mi")));
        check("divide", json!(["1h", "30m0s"]), Ok(json!(2)));
        check("divide", json!(["1h", 4]), Ok(json!("15m0s")));
        check(
            "divide",
            json!([1, 0]),
            Err("JMESPath function 'divide': Zero divisor passed"),
        );
        check("divide", json!(["1Gi", "0"]), Err("Zero divisor passed"));
        check("divide", json!(["1h", "0s"]), Err("Zero divisor passed"));
        check("divide", json!([1, "1Gi"]), Err("Types mismatch"));
        check("divide", json!(["1Gi", "1h"]), Err("Types mismatch"));
        check("modulo", json!([7, 3]), Ok(json!(1)));
        check("modulo", json!([-7, 3]), Ok(json!(-1)));
        check("modulo", json!(["10", "3"]), Ok(json!("1")));
        check("modulo", json!(["3Gi", "2Gi"]), Ok(json!("1Gi")));
        check("modulo", json!(["1h", "25m0s"]), Ok(json!("10m0s")));
        check(
            "modulo",
            json!([7.5, 2]),
            Err("Non-integer argument(s) passed for modulo"),
        );
        check("modulo", json!([7, 0]), Err("Zero divisor passed"));
        check(
            "modulo",
            json!(["1500m", "1"]),
            Err("Non-integer argument(s) passed for modulo"),
        );
        check("modulo", json!(["1h", "0s"]), Err("Zero divisor passed"));
        check("sum", json!([[1, 2, 3]]), Ok(json!(6)));
        check("sum", json!([["1Gi", "512Mi", "512Mi"]]), Ok(json!("2Gi")));
        check("sum", json!([["1h", "30m0s"]]), Ok(json!("1h30m0s")));
        check("sum", json!([["x"]]), Ok(json!("x"))); // single item returned as is
        check(
            "sum",
            json!([[]]),
            Err("JMESPath function 'sum': at least one element in the array is required"),
        );
        check(
            "sum",
            json!([[1, "1Gi"]]),
            Err("JMESPath function 'sum': Types mismatch"),
        );
        check("round", json!([1.23456, 2]), Ok(json!(1.23)));
        check("round", json!([1.005, 1]), Ok(json!(1)));
        check("round", json!([2.5, 0]), Ok(json!(3)));
        check("round", json!([-2.5, 0]), Ok(json!(-3)));
        check(
            "round",
            json!([1.5, 1.5]),
            Err("Non-integer argument(s) passed for round off"),
        );
        check("round", json!([1.5, -1]), Err("out of bounds"));
    }

    #[test]
    fn data() {
        // CV-16 "Data".
        check(
            "parse_json",
            json!(["{\"a\": [1, 2.5, \"x\"]}"]),
            Ok(json!({"a": [1, 2.5, "x"]})),
        );
        check("parse_json", json!(["\"s\""]), Ok(json!("s")));
        check(
            "parse_json",
            json!(["{"]),
            Err("JMESPath function 'parse_json'"),
        );
        check(
            "parse_yaml",
            json!(["a: 1\nb: [x, z]\n"]),
            Ok(json!({"a": 1, "b": ["x", "z"]})),
        );
        // sigs.k8s.io/yaml decodes with YAML 1.1 rules (go-yaml v2): `y`/`on` are booleans.
        check(
            "parse_yaml",
            json!(["[y, on, 'y']"]),
            Ok(json!([true, true, "y"])),
        );
        check(
            "parse_yaml",
            json!(["a: [\n"]),
            Err("JMESPath function 'parse_yaml'"),
        );
        check("lookup", json!([{"a": 1}, "a"]), Ok(json!(1)));
        check("lookup", json!([{"a": 1}, "b"]), Ok(Value::Null));
        check("lookup", json!([["x", "y"], 1]), Ok(json!("y")));
        check("lookup", json!([["x", "y"], 5]), Ok(Value::Null));
        check("lookup", json!([["x", "y"], -1]), Ok(Value::Null));
        check(
            "lookup",
            json!([["x", "y"], 0.5]),
            Err("JMESPath function 'lookup': argument #2: expected an integer number"),
        );
        check(
            "lookup",
            json!([{"a": 1}, 1]),
            Err("argument #2 is not of type String"),
        );
        check(
            "lookup",
            json!([["x"], "0"]),
            Err("argument #2 is not of type Number"),
        );
        check(
            "items",
            json!([{"b": 2, "a": 1}, "key", "value"]),
            Ok(json!([{"key": "a", "value": 1}, {"key": "b", "value": 2}])),
        );
        check(
            "items",
            json!([["x", "y"], "i", "v"]),
            Ok(json!([{"i": 0, "v": "x"}, {"i": 1, "v": "y"}])),
        );
        check(
            "items",
            json!(["s", "k", "v"]),
            Err("argument #1 is not of type Object or Array"),
        );
        check(
            "object_from_lists",
            json!([["a", "b"], [1]]),
            Ok(json!({"a": 1, "b": null})),
        );
        check(
            "object_from_lists",
            json!([[1, true], ["x", "y"]]),
            Ok(json!({"1": "x", "true": "y"})),
        );
        check(
            "object_from_lists",
            json!([[null], [1]]),
            Err("argument #1 is not of type StringArray"),
        );
    }

    #[test]
    fn time() {
        // CV-16 "Time": RFC 3339 in and out, Go layouts, "now" from FnEnv only.
        check("time_now", json!([]), Ok(json!("2024-03-10T12:30:45Z")));
        check("time_now_utc", json!([]), Ok(json!("2024-03-10T12:30:45Z")));
        check(
            "time_since",
            json!(["", "2024-03-10T11:00:00Z", "2024-03-10T12:30:00Z"]),
            Ok(json!("1h30m0s")),
        );
        check(
            "time_since",
            json!(["", "2024-03-10T12:30:00Z", ""]),
            Ok(json!("45s")),
        );
        check(
            "time_since",
            json!(["2006-01-02", "2024-01-01", "2024-01-31"]),
            Ok(json!("720h0m0s")),
        );
        check(
            "time_since",
            json!(["", "bad", ""]),
            Err("JMESPath function 'time_since': parsing time \"bad\""),
        );
        check(
            "time_diff",
            json!(["2024-01-01T00:00:00Z", "2024-01-01T00:00:01.5Z"]),
            Ok(json!("1.5s")),
        );
        check(
            "time_diff",
            json!(["2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00Z"]),
            Ok(json!("0s")),
        );
        check(
            "time_diff",
            json!(["2024-01-01", "2024-01-02T00:00:00Z"]),
            Err("JMESPath function 'time_diff': parsing time"),
        );
        check(
            "time_add",
            json!(["2024-01-01T23:30:00+02:00", "1h"]),
            Ok(json!("2024-01-02T00:30:00+02:00")),
        );
        check(
            "time_add",
            json!(["2024-01-01T00:00:00Z", "-24h"]),
            Ok(json!("2023-12-31T00:00:00Z")),
        );
        check(
            "time_add",
            json!(["2024-01-01T00:00:00Z", "1d"]),
            Err("time: invalid duration \"1d\""),
        );
        check(
            "time_parse",
            json!(["2006-01-02T15:04:05Z07:00", "2021-01-02T15:04:05-07:00"]),
            Ok(json!("2021-01-02T15:04:05-07:00")),
        );
        check(
            "time_parse",
            json!(["Mon Jan _2 15:04:05 2006", "Sat Jan  2 15:04:05 2021"]),
            Ok(json!("2021-01-02T15:04:05Z")),
        );
        check(
            "time_parse",
            json!(["02 Jan 06 15:04 MST", "02 Jan 21 15:04 UTC"]),
            Ok(json!("2021-01-02T15:04:00Z")),
        );
        check(
            "time_parse",
            json!(["January 2, 2006 3:04 PM", "March 5, 2023 7:08 pm"]),
            Err("cannot parse"),
        );
        check(
            "time_parse",
            json!(["January 2, 2006 3:04 PM", "March 5, 2023 7:08 PM"]),
            Ok(json!("2023-03-05T19:08:00Z")),
        );
        check(
            "time_parse",
            json!(["2006-01-02 15:04:05.000", "2023-03-05 07:08:09.123"]),
            Ok(json!("2023-03-05T07:08:09Z")),
        );
        check(
            "time_parse",
            json!(["2006-01-02T15:04:05-0700", "2023-03-05T07:08:09+0530"]),
            Ok(json!("2023-03-05T07:08:09+05:30")),
        );
        check(
            "time_parse",
            json!(["1", "1609459200"]),
            Ok(json!("2021-01-01T00:00:00Z")),
        );
        check(
            "time_parse",
            json!(["0", "abc"]),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax"),
        );
        check(
            "time_parse",
            json!(["2006-01-02", "2023-02-30"]),
            Err("parsing time \"2023-02-30\": day out of range"),
        );
        check(
            "time_parse",
            json!(["2006-01-02", "2023-13-01"]),
            Err("month out of range"),
        );
        check(
            "time_parse",
            json!(["2006-01-02", "2023-01-01x"]),
            Err("extra text"),
        );
        check(
            "time_utc",
            json!(["2021-01-02T15:04:05-07:00"]),
            Ok(json!("2021-01-02T22:04:05Z")),
        );
        check(
            "time_utc",
            json!(["nope"]),
            Err("JMESPath function 'time_utc': parsing time"),
        );
        check(
            "time_to_cron",
            json!(["2023-03-05T07:08:09Z"]),
            Ok(json!("8 7 5 3 0")),
        ); // a Sunday
        check(
            "time_to_cron",
            json!(["2024-02-29T23:59:00+01:00"]),
            Ok(json!("59 23 29 2 4")),
        );
        check("time_to_cron", json!(["x"]), Err("parsing time"));
        check(
            "time_before",
            json!(["2023-01-01T00:00:00Z", "2023-01-02T00:00:00Z"]),
            Ok(json!(true)),
        );
        check(
            "time_before",
            json!(["2023-01-01T00:00:00Z", "2023-01-01T00:00:00Z"]),
            Ok(json!(false)),
        );
        check(
            "time_before",
            json!(["x", "2023-01-01T00:00:00Z"]),
            Err("parsing time"),
        );
        check(
            "time_after",
            json!(["2023-01-02T00:00:00Z", "2023-01-01T00:00:00Z"]),
            Ok(json!(true)),
        );
        check(
            "time_after",
            json!(["2023-01-01T00:00:00Z", "2023-01-02T00:00:00Z"]),
            Ok(json!(false)),
        );
        check(
            "time_after",
            json!(["2023-01-01T00:00:00Z", "y"]),
            Err("parsing time"),
        );
        check(
            "time_between",
            json!([
                "2023-01-02T00:00:00Z",
                "2023-01-01T00:00:00Z",
                "2023-01-03T00:00:00Z"
            ]),
            Ok(json!(true)),
        );
        check(
            "time_between",
            json!([
                "2023-01-01T00:00:00Z",
                "2023-01-01T00:00:00Z",
                "2023-01-03T00:00:00Z"
            ]),
            Ok(json!(false)),
        );
        check(
            "time_between",
            json!(["2023-01-01T00:00:00Z", "z", "2023-01-03T00:00:00Z"]),
            Err("parsing time"),
        );
        check(
            "time_truncate",
            json!(["2023-03-05T07:08:09Z", "1h"]),
            Ok(json!("2023-03-05T07:00:00Z")),
        );
        check(
            "time_truncate",
            json!(["2023-03-05T07:08:09+05:30", "24h"]),
            Ok(json!("2023-03-05T05:30:00+05:30")),
        );
        check(
            "time_truncate",
            json!(["2023-03-05T07:08:09Z", "0s"]),
            Ok(json!("2023-03-05T07:08:09Z")),
        );
        check(
            "time_truncate",
            json!(["2023-03-05T07:08:09Z", "x"]),
            Err("time: invalid duration"),
        );
    }

    #[test]
    fn semver() {
        // CV-16 semver_compare, blang/semver range syntax.
        check(
            "semver_compare",
            json!(["1.10.0", ">1.0.0"]),
            Ok(json!(true)),
        );
        check(
            "semver_compare",
            json!(["1.10.0", ">=1.0.0 <2.0.0"]),
            Ok(json!(true)),
        );
        check(
            "semver_compare",
            json!(["2.0.0", ">=1.0.0 <2.0.0"]),
            Ok(json!(false)),
        );
        check(
            "semver_compare",
            json!(["3.1.0", "<2.0.0 || >=3.0.0"]),
            Ok(json!(true)),
        );
        check(
            "semver_compare",
            json!(["1.2.3", "!=1.2.3"]),
            Ok(json!(false)),
        );
        check("semver_compare", json!(["1.2.3", "1.2.3"]), Ok(json!(true)));
        check(
            "semver_compare",
            json!(["1.2.3", ">= 1.2.0"]),
            Ok(json!(true)),
        );
        check("semver_compare", json!(["1.2.5", "1.2.x"]), Ok(json!(true)));
        check(
            "semver_compare",
            json!(["1.3.0", "1.2.x"]),
            Ok(json!(false)),
        );
        check("semver_compare", json!(["1.9.0", "<=1.x"]), Ok(json!(true)));
        check(
            "semver_compare",
            json!(["1.0.0-alpha", "<1.0.0"]),
            Ok(json!(true)),
        );
        check(
            "semver_compare",
            json!(["1.0.0-alpha.1", ">1.0.0-alpha"]),
            Ok(json!(true)),
        );
        check(
            "semver_compare",
            json!(["1.0.0-beta", ">1.0.0-alpha.1"]),
            Ok(json!(true)),
        );
        check(
            "semver_compare",
            json!(["v1.2.3", "0.0.0"]),
            Ok(json!(true)),
        ); // unparsable → 0.0.0
        check(
            "semver_compare",
            json!(["1.2.3", ">=1.2"]),
            Err("JMESPath function 'semver_compare': Could not parse Range"),
        );
        check(
            "semver_compare",
            json!(["1.2.3", "|| 1.0.0"]),
            Err("First element in range is '||'"),
        );
        check(
            "semver_compare",
            json!(["1.2.3", "1.0.0 ||"]),
            Err("Last element in range is '||'"),
        );
        check(
            "semver_compare",
            json!(["1.2.3", "abc"]),
            Err("Could not get version from string"),
        );
        check(
            "semver_compare",
            json!(["1.2.3", "~1.2.3"]),
            Err("Could not parse comparator"),
        );
    }

    #[test]
    fn images() {
        // CV-16 image_normalize with CV-11.8 defaults.
        check(
            "image_normalize",
            json!(["nginx"]),
            Ok(json!("docker.io/nginx:latest")),
        );
        check(
            "image_normalize",
            json!(["library/nginx:1.2"]),
            Ok(json!("docker.io/library/nginx:1.2")),
        );
        check(
            "image_normalize",
            json!(["ghcr.io/org/app:v1"]),
            Ok(json!("ghcr.io/org/app:v1")),
        );
        check(
            "image_normalize",
            json!(["localhost/app"]),
            Ok(json!("localhost/app:latest")),
        );
        check(
            "image_normalize",
            json!(["registry:5000/app"]),
            Ok(json!("registry:5000/app:latest")),
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        check(
            "image_normalize",
            json!([format!("nginx:1.2@{digest}")]),
            Ok(json!(format!("docker.io/nginx@{digest}"))),
        );
        check(
            "image_normalize",
            json!(["Nginx"]),
            Err("repository name must be lowercase"),
        );
        check(
            "image_normalize",
            json!(["nginx::1"]),
            Err("JMESPath function 'image_normalize': bad image: docker.io/nginx::1"),
        );
        check(
            "image_normalize",
            json!(["nginx@sha256:abc"]),
            Err("invalid reference format"),
        );
    }

    #[test]
    fn misc() {
        // CV-16 is_external_url (IP literals only offline), random (seeded), x509_decode.
        check(
            "is_external_url",
            json!(["https://8.8.8.8/path"]),
            Ok(json!(true)),
        );
        check(
            "is_external_url",
            json!(["http://10.0.0.1:8080"]),
            Ok(json!(false)),
        );
        check(
            "is_external_url",
            json!(["http://192.168.1.1"]),
            Ok(json!(false)),
        );
        check(
            "is_external_url",
            json!(["http://127.0.0.1"]),
            Ok(json!(false)),
        );
        check(
            "is_external_url",
            json!(["http://[::1]:80/"]),
            Ok(json!(false)),
        );
        check(
            "is_external_url",
            json!(["http://[fd00::1]/"]),
            Ok(json!(false)),
        );
        check(
            "is_external_url",
            json!(["http://[2001:db8::1]/"]),
            Ok(json!(true)),
        );
        check(
            "is_external_url",
            json!(["http://localhost:8080"]),
            Ok(json!(false)),
        );
        check(
            "is_external_url",
            json!(["https://example.com"]),
            Err("JMESPath function 'is_external_url': host names need DNS, not available offline"),
        );
        check("is_external_url", json!(["not a url"]), Err("no host"));
        let r = call("random", json!(["[a-z]{5}-[0-9]{3}"])).unwrap();
        let s = r.as_str().unwrap();
        assert!(
            ::regex::Regex::new("^[a-z]{5}-[0-9]{3}$")
                .unwrap()
                .is_match(s),
            "{s}"
        );
        assert_eq!(
            call("random", json!(["[a-z]{5}-[0-9]{3}"])).unwrap(),
            r,
            "same seed, same string"
        );
        let r = call("random", json!(["(ab|cd)+x?\\d*"])).unwrap();
        assert!(
            ::regex::Regex::new("^(ab|cd)+x?[0-9]*$")
                .unwrap()
                .is_match(r.as_str().unwrap())
        );
        check(
            "random",
            json!([""]),
            Err("JMESPath function 'random': no pattern provided"),
        );
        check("random", json!(["a{5000}"]), Err("too large"));
        check(
            "random",
            json!(["((a|){1000}){1000}"]),
            Err("JMESPath function 'random'"),
        );
        check("random", json!(["("]), Err("error parsing regexp"));
        // x509_decode: full tables in `x509.rs`; here the error path through the table.
        check(
            "x509_decode",
            json!(["-----BEGIN CERTIFICATE-----"]),
            Err("JMESPath function 'x509_decode': failed to decode PEM block"),
        );
    }

    #[test]
    fn x509_through_expressions_cv16() {
        // Kyverno policies pass the PEM directly or base64-encoded through base64_decode.
        let pem = include_str!("../../../policy-gotypes/tests/data/x509/leaf.pem");
        let direct = policy_gotypes::x509::decode(pem).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(pem);
        let data = json!({"cert": pem, "b64": b64});
        let search = |expr: &str| {
            crate::Expression::compile(expr)
                .unwrap()
                .search(&data, &env())
        };
        assert_eq!(search("x509_decode(cert)"), Ok(direct.clone()));
        assert_eq!(search("x509_decode(base64_decode(b64))"), Ok(direct));
        assert_eq!(
            search("x509_decode(cert).Subject.CommonName"),
            Ok(json!("web.example.com"))
        );
        assert_eq!(
            search("x509_decode(cert).Subject.Organization"),
            Ok(json!(["Example Org", "Second Org"]))
        );
    }
}
