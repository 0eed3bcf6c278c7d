//! Kyverno's custom JMESPath functions (conditions CV-16), as a static table.
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

use std::cmp::Ordering;

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use super::types::{ArgType, FnEnv, KyvernoFunction, Signature};
use crate::duration::{format_go_duration, parse_go_duration};
use crate::quantity::{Quantity, QuantityError};

/// Largest string a function may build (replace, regex replace, split results …), so hostile
/// inputs cannot exhaust memory.
const MAX_OUTPUT: usize = 1 << 24;

/// Compiled-program size limit for regexes (bounds hostile patterns).
const REGEX_SIZE_LIMIT: usize = 1 << 22;

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
    crate::gofmt::num_text32(v)
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

// ---------------------------------------------------------------------------------------
// Strings (CV-16 "Strings")
// ---------------------------------------------------------------------------------------

fn f_compare(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let a = arg_str("compare", args, 0)?;
    let b = arg_str("compare", args, 1)?;
    // Go strings.Compare: byte-wise.
    let r = match a.as_bytes().cmp(b.as_bytes()) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    };
    Ok(Value::from(r))
}

/// Go's simple case folding of one character, approximated by mapping through upper then
/// lower case when both mappings are single characters.
fn fold(c: char) -> char {
    let mut up = c.to_uppercase();
    let u = match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    };
    let mut low = u.to_lowercase();
    match (low.next(), low.next()) {
        (Some(l), None) => l,
        _ => u,
    }
}

fn f_equal_fold(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let a = arg_str("equal_fold", args, 0)?;
    let b = arg_str("equal_fold", args, 1)?;
    let eq = a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| fold(x) == fold(y));
    Ok(Value::Bool(eq))
}

/// Go `strings.Replace(s, old, new, n)`; `n < 0` replaces all.
fn go_replace(f: &str, s: &str, old: &str, new: &str, n: i64) -> Result<String, String> {
    let count = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    let count = if n < 0 {
        count
    } else {
        count.min(usize::try_from(n).unwrap_or(usize::MAX))
    };
    check_len(f, s.len().saturating_add(count.saturating_mul(new.len())))?;
    Ok(if n < 0 {
        s.replace(old, new)
    } else {
        s.replacen(old, new, count)
    })
}

fn f_replace(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "replace";
    let s = arg_str(f, args, 0)?;
    let old = arg_str(f, args, 1)?;
    let new = arg_str(f, args, 2)?;
    let n = go_f64_to_i64(arg_num(f, args, 3)?);
    Ok(Value::String(go_replace(f, s, old, new, n)?))
}

fn f_replace_all(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "replace_all";
    let s = arg_str(f, args, 0)?;
    let old = arg_str(f, args, 1)?;
    let new = arg_str(f, args, 2)?;
    Ok(Value::String(go_replace(f, s, old, new, -1)?))
}

/// Go `unicode.ToUpper`/`ToLower` per rune: one character in, one out (`ß` stays `ß`).
fn map_simple(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            if !upper && c == '\u{130}' {
                return 'i'; // Go's simple lower case of `İ`
            }
            let mut it: Box<dyn Iterator<Item = char>> = if upper {
                Box::new(c.to_uppercase())
            } else {
                Box::new(c.to_lowercase())
            };
            match (it.next(), it.next()) {
                (Some(m), None) => m,
                _ => c,
            }
        })
        .collect()
}

fn f_to_upper(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(map_simple(
        arg_str("to_upper", args, 0)?,
        true,
    )))
}

fn f_to_lower(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(map_simple(
        arg_str("to_lower", args, 0)?,
        false,
    )))
}

fn f_trim(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("trim", args, 0)?;
    let cutset = arg_str("trim", args, 1)?;
    Ok(Value::String(
        s.trim_matches(|c| cutset.contains(c)).to_string(),
    ))
}

fn f_trim_prefix(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("trim_prefix", args, 0)?;
    let prefix = arg_str("trim_prefix", args, 1)?;
    Ok(Value::String(
        s.strip_prefix(prefix).unwrap_or(s).to_string(),
    ))
}

fn f_split(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("split", args, 0)?;
    let sep = arg_str("split", args, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        // Go explodes into UTF-8 sequences; "" gives no items.
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep).map(|p| Value::String(p.to_string())).collect()
    };
    Ok(Value::Array(parts))
}

fn f_truncate(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("truncate", args, 0)?;
    let len = arg_num("truncate", args, 1)?;
    let n = if len < 0.0 {
        0
    } else {
        go_f64_to_i64(len).max(0)
    };
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    Ok(Value::String(s.chars().take(n).collect()))
}

fn f_base64_encode(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("base64_encode", args, 0)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

fn f_base64_decode(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    let f = "base64_decode";
    let s = arg_str(f, args, 0)?;
    // Go's StdEncoding: padding required, non-zero trailing bits tolerated, and `\r`/`\n`
    // skipped anywhere.
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let cleaned: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    match engine.decode(cleaned.as_bytes()) {
        Ok(bytes) => Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) => {
            let at = match e {
                base64::DecodeError::InvalidByte(i, _)
                | base64::DecodeError::InvalidLastSymbol { offset: i, .. } => i,
                _ => cleaned.len(),
            };
            Err(err(f, format!("illegal base64 data at input byte {at}")))
        }
    }
}

/// Go `path.Clean` (Kyverno uses `filepath.Join(s)`, which is `""` for `""`).
fn clean_path(p: &str) -> String {
    if p.is_empty() {
        return String::new();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

fn f_path_canonicalize(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(clean_path(arg_str(
        "path_canonicalize",
        args,
        0,
    )?)))
}

fn f_sha256(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use sha2::Digest as _;
    let s = arg_str("sha256", args, 0)?;
    Ok(Value::String(hex(&sha2::Sha256::digest(s.as_bytes()))))
}

fn f_sha1(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use sha1::Digest as _;
    let s = arg_str("sha1", args, 0)?;
    Ok(Value::String(hex(&sha1::Sha1::digest(s.as_bytes()))))
}

fn f_md5(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use md5::Digest as _;
    let s = arg_str("md5", args, 0)?;
    Ok(Value::String(hex(&md5::Md5::digest(s.as_bytes()))))
}

fn f_to_boolean(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("to_boolean", args, 0)?;
    match s.to_lowercase().as_str() {
        "true" => Ok(Value::Bool(true)),
        "false" => Ok(Value::Bool(false)),
        _ => Err(err(
            "to_boolean",
            format!("lowercase argument must be 'true' or 'false' (provided: '{s}')"),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Pattern / regex (CV-16 "Pattern / regex")
// ---------------------------------------------------------------------------------------

/// Rewrites Go RE2 syntax where the `regex` crate differs: Go's `\d \w \s \b` are ASCII-only,
/// and inside a class Go takes `[`, `&`, `~` and `--` literally (Rust gives them meaning).
fn go_regex_to_rust(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    let mut in_class = false;
    let mut class_start = false; // just after `[` or `[^`
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    out.push('\\');
                    break;
                };
                let rep = match n {
                    'd' => Some("[0-9]"),
                    'D' => Some("[^0-9]"),
                    'w' => Some("[0-9A-Za-z_]"),
                    'W' => Some("[^0-9A-Za-z_]"),
                    's' => Some("[\\t\\n\\f\\r ]"),
                    'S' => Some("[^\\t\\n\\f\\r ]"),
                    'b' if !in_class => Some("(?-u:\\b)"),
                    'B' if !in_class => Some("(?-u:\\B)"),
                    _ => None,
                };
                match rep {
                    Some(r) => out.push_str(r),
                    None => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                i += 2;
                class_start = false;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                i += 1;
                continue;
            }
            '[' => {
                // A POSIX class `[:name:]` is kept; any other `[` is a literal in Go.
                let rest: String = chars.get(i..).unwrap_or_default().iter().collect();
                if let Some(end) = rest.strip_prefix("[:").and_then(|r| r.find(":]")) {
                    let token: String = rest.chars().take(end + 4).collect();
                    i += token.chars().count();
                    out.push_str(&token);
                } else {
                    out.push_str("\\[");
                    i += 1;
                }
                class_start = false;
                continue;
            }
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' if in_class => {
                out.push('\\');
                out.push(c);
            }
            '-' if in_class && chars.get(i + 1) == Some(&'-') => {
                out.push('\\');
                out.push('-');
            }
            _ => out.push(c),
        }
        class_start = false;
        i += 1;
    }
    out
}

/// Compiles a Go regex with a size limit; errors read like Go's `error parsing regexp: …`.
fn compile_regex(f: &str, pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(&go_regex_to_rust(pattern))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let reason = match &e {
                regex::Error::Syntax(s) => s
                    .lines()
                    .find_map(|l| l.strip_prefix("error: "))
                    .unwrap_or("invalid syntax")
                    .to_string(),
                regex::Error::CompiledTooBig(limit) => {
                    format!("expression too large (limit {limit} bytes)")
                }
                _ => "invalid expression".to_string(),
            };
            err(f, format!("error parsing regexp: {reason}: `{pattern}`"))
        })
}

fn f_regex_match(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "regex_match";
    let pattern = arg_str(f, args, 0)?;
    let value = num_text(f, args.get(1).unwrap_or(&Value::Null), 2)?;
    Ok(Value::Bool(compile_regex(f, pattern)?.is_match(&value)))
}

/// Go `Regexp.ReplaceAll` / `ReplaceAllLiteral`, including its handling of empty matches
/// (an empty match right after a previous match is not replaced).
fn go_regex_replace(
    f: &str,
    re: &regex::Regex,
    src: &str,
    repl: &str,
    literal: bool,
) -> Result<String, String> {
    let mut out = String::new();
    let mut last_end = 0;
    let mut search = 0;
    let end = src.len();
    while search <= end {
        let Some(caps) = re.captures_at(src, search) else {
            break;
        };
        let Some(m) = caps.get(0) else { break };
        out.push_str(src.get(last_end..m.start()).unwrap_or(""));
        if m.end() > last_end || m.start() == 0 {
            if literal {
                out.push_str(repl);
            } else {
                caps.expand(repl, &mut out);
            }
        }
        check_len(f, out.len())?;
        last_end = m.end();
        let width = src
            .get(search..)
            .and_then(|r| r.chars().next())
            .map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
        // why: never stop inside a UTF-8 sequence (`captures_at` would panic there).
        while search < end && !src.is_char_boundary(search) {
            search += 1;
        }
    }
    out.push_str(src.get(last_end..).unwrap_or(""));
    check_len(f, out.len())?;
    Ok(out)
}

fn regex_replace(f: &str, args: &[Value], literal: bool) -> Result<Value, String> {
    let pattern = arg_str(f, args, 0)?;
    let src = num_text(f, args.get(1).unwrap_or(&Value::Null), 2)?;
    let repl = num_text(f, args.get(2).unwrap_or(&Value::Null), 3)?;
    let re = compile_regex(f, pattern)?;
    Ok(Value::String(go_regex_replace(
        f, &re, &src, &repl, literal,
    )?))
}

fn f_regex_replace_all(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    regex_replace("regex_replace_all", args, false)
}

fn f_regex_replace_all_literal(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    regex_replace("regex_replace_all_literal", args, true)
}

fn f_pattern_match(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "pattern_match";
    let pattern = arg_str(f, args, 0)?;
    let value = num_text(f, args.get(1).unwrap_or(&Value::Null), 2)?;
    Ok(Value::Bool(policy_model::wildcard::matches(
        pattern, &value,
    )))
}

/// Go `==` on two decoded JSON values (`interface{}`): numbers by value; maps and slices are
/// not comparable in Go (a runtime panic), treated here as not equal.
fn go_iface_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        _ => a == b,
    }
}

fn f_label_match(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "label_match";
    let selector = args
        .first()
        .and_then(Value::as_object)
        .ok_or_else(|| type_err(f, 1, "Object"))?;
    let labels = args
        .get(1)
        .and_then(Value::as_object)
        .ok_or_else(|| type_err(f, 2, "Object"))?;
    let ok = selector
        .iter()
        .all(|(k, v)| labels.get(k).is_some_and(|w| go_iface_eq(v, w)));
    Ok(Value::Bool(ok))
}

// ---------------------------------------------------------------------------------------
// Arithmetic (CV-16 "Arithmetic", Kyverno arithmetic.go)
// ---------------------------------------------------------------------------------------

/// One classified operand.
#[derive(Clone, Copy, Debug)]
enum Operand {
    Scalar(f64),
    Quantity(Quantity),
    /// Nanoseconds (Go `time.Duration`, an int64).
    Duration(i64),
}

/// Number → scalar; string → quantity, else duration (in that order: `"5m"` is milli).
fn classify(v: &Value) -> Option<Operand> {
    match v {
        Value::Number(n) => n.as_f64().map(Operand::Scalar),
        Value::String(s) => {
            if let Some(q) = Quantity::parse(s) {
                Some(Operand::Quantity(q))
            } else {
                parse_go_duration(s)
                    .and_then(|d| i64::try_from(d).ok())
                    .map(Operand::Duration)
            }
        }
        _ => None,
    }
}

fn operands(f: &str, args: &[Value]) -> Result<(Operand, Operand), String> {
    match (
        args.first().and_then(classify),
        args.get(1).and_then(classify),
    ) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(err(f, "invalid operands")),
    }
}

fn mismatch(f: &str) -> String {
    err(f, "Types mismatch")
}

fn zero_divisor(f: &str) -> String {
    err(f, "Zero divisor passed")
}

fn quantity_err(f: &str, e: QuantityError) -> String {
    match e {
        QuantityError::ZeroDivisor => zero_divisor(f),
        QuantityError::NonInteger => err(f, "Non-integer argument(s) passed for modulo"),
        QuantityError::OutOfRange => err(f, "quantity out of range"),
    }
}

fn dur(nanos: i64) -> Value {
    Value::String(format_go_duration(i128::from(nanos)))
}

/// Go `Duration.Seconds()`.
fn seconds(d: i64) -> f64 {
    let sec = d / 1_000_000_000;
    let nsec = d % 1_000_000_000;
    #[allow(clippy::cast_precision_loss)]
    let r = sec as f64 + nsec as f64 / 1e9;
    r
}

/// `add`, also used by `sum` (which names itself in errors).
fn add_values(f: &str, a: &Value, b: &Value) -> Result<Value, String> {
    match operands(f, &[a.clone(), b.clone()])? {
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            let r = x
                .add(&y)
                .ok_or_else(|| quantity_err(f, QuantityError::OutOfRange))?;
            Ok(Value::String(r.format()))
        }
        // why: Go int64 addition wraps.
        (Operand::Duration(x), Operand::Duration(y)) => Ok(dur(x.wrapping_add(y))),
        (Operand::Scalar(x), Operand::Scalar(y)) => number(f, x + y),
        _ => Err(mismatch(f)),
    }
}

fn f_add(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    add_values(
        "add",
        args.first().unwrap_or(&Value::Null),
        args.get(1).unwrap_or(&Value::Null),
    )
}

fn f_sum(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "sum";
    let items = args
        .first()
        .and_then(Value::as_array)
        .ok_or_else(|| type_err(f, 1, "Array"))?;
    let Some((first, rest)) = items.split_first() else {
        return Err(err(f, "at least one element in the array is required"));
    };
    // Kyverno folds with add, re-reading each intermediate result (a single item is returned
    // as it is, unchecked).
    let mut acc = first.clone();
    for item in rest {
        acc = add_values(f, &acc, item)?;
    }
    Ok(acc)
}

fn f_subtract(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "subtract";
    match operands(f, args)? {
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            let r = x
                .sub(&y)
                .ok_or_else(|| quantity_err(f, QuantityError::OutOfRange))?;
            Ok(Value::String(r.format()))
        }
        (Operand::Duration(x), Operand::Duration(y)) => Ok(dur(x.wrapping_sub(y))),
        (Operand::Scalar(x), Operand::Scalar(y)) => number(f, x - y),
        _ => Err(mismatch(f)),
    }
}

fn f_multiply(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "multiply";
    match operands(f, args)? {
        (Operand::Scalar(x), Operand::Scalar(y)) => number(f, x * y),
        (Operand::Quantity(q), Operand::Scalar(s)) | (Operand::Scalar(s), Operand::Quantity(q)) => {
            Ok(Value::String(
                q.mul_scalar(s).map_err(|e| quantity_err(f, e))?.format(),
            ))
        }
        (Operand::Duration(d), Operand::Scalar(s)) | (Operand::Scalar(s), Operand::Duration(d)) => {
            Ok(dur(go_f64_to_i64(seconds(d) * s * 1e9)))
        }
        _ => Err(mismatch(f)),
    }
}

fn f_divide(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "divide";
    match operands(f, args)? {
        (Operand::Quantity(x), Operand::Quantity(y)) => {
            number(f, x.div_quantity(&y).map_err(|e| quantity_err(f, e))?)
        }
        (Operand::Quantity(x), Operand::Scalar(s)) => Ok(Value::String(
            x.div_scalar(s).map_err(|e| quantity_err(f, e))?.format(),
        )),
        (Operand::Duration(x), Operand::Duration(y)) => {
            if seconds(y) == 0.0 {
                return Err(zero_divisor(f));
            }
            number(f, seconds(x) / seconds(y))
        }
        (Operand::Duration(x), Operand::Scalar(s)) => {
            if s == 0.0 {
                return Err(zero_divisor(f));
            }
            Ok(dur(go_f64_to_i64(seconds(x) / s * 1e9)))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            if y == 0.0 {
                return Err(zero_divisor(f));
            }
            number(f, x / y)
        }
        _ => Err(mismatch(f)),
    }
}

fn f_modulo(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "modulo";
    match operands(f, args)? {
        (Operand::Quantity(x), Operand::Quantity(y)) => Ok(Value::String(
            x.rem(&y).map_err(|e| quantity_err(f, e))?.format(),
        )),
        (Operand::Duration(x), Operand::Duration(y)) => {
            if y == 0 {
                return Err(zero_divisor(f));
            }
            Ok(dur(x.wrapping_rem(y)))
        }
        (Operand::Scalar(x), Operand::Scalar(y)) => {
            let (Some(a), Some(b)) = (whole(x), whole(y)) else {
                return Err(err(f, "Non-integer argument(s) passed for modulo"));
            };
            if b == 0 {
                return Err(zero_divisor(f));
            }
            #[allow(clippy::cast_precision_loss)]
            number(f, a.wrapping_rem(b) as f64)
        }
        _ => Err(mismatch(f)),
    }
}

fn f_round(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "round";
    let x = arg_num(f, args, 0)?;
    let digits = arg_num(f, args, 1)?;
    let Some(d) = whole(digits) else {
        return Err(err(f, "Non-integer argument(s) passed for round off"));
    };
    if d < 0 {
        return Err(err(
            f,
            "argument #2 is out of bounds (must not be negative)",
        ));
    }
    // Go: shift := math.Pow(10, d); math.Round(x*shift) / shift (half away from zero).
    let shift = 10f64.powi(i32::try_from(d).unwrap_or(i32::MAX));
    number(f, (x * shift).round() / shift)
}

// ---------------------------------------------------------------------------------------
// Data (CV-16 "Data")
// ---------------------------------------------------------------------------------------

fn f_parse_json(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "parse_json";
    let s = arg_str(f, args, 0)?;
    serde_json::from_str::<Value>(s)
        .map(normalize_numbers)
        .map_err(|e| err(f, e))
}

fn f_parse_yaml(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "parse_yaml";
    let s = arg_str(f, args, 0)?;
    serde_saphyr::from_str::<Value>(s)
        .map(normalize_numbers)
        .map_err(|e| err(f, e))
}

fn f_lookup(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "lookup";
    let key = args.get(1).unwrap_or(&Value::Null);
    match args.first() {
        Some(Value::Object(map)) => {
            let k = key.as_str().ok_or_else(|| type_err(f, 2, "String"))?;
            Ok(map.get(k).cloned().unwrap_or(Value::Null))
        }
        Some(Value::Array(items)) => {
            let n = key.as_f64().ok_or_else(|| type_err(f, 2, "Number"))?;
            let i = whole(n).ok_or_else(|| err(f, "argument #2: expected an integer number"))?;
            Ok(usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::Null))
        }
        _ => Err(type_err(f, 1, "Object or Array")),
    }
}

fn f_items(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "items";
    let key_name = arg_str(f, args, 1)?;
    let val_name = arg_str(f, args, 2)?;
    let pair = |k: Value, v: Value| {
        let mut m = Map::new();
        m.insert(key_name.to_string(), k);
        m.insert(val_name.to_string(), v);
        Value::Object(m)
    };
    match args.first() {
        Some(Value::Object(map)) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            Ok(Value::Array(
                entries
                    .into_iter()
                    .map(|(k, v)| pair(Value::String(k.clone()), v.clone()))
                    .collect(),
            ))
        }
        Some(Value::Array(items)) => Ok(Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| pair(Value::from(i), v.clone()))
                .collect(),
        )),
        _ => Err(type_err(f, 1, "Object or Array")),
    }
}

fn f_object_from_lists(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "object_from_lists";
    let keys = args
        .first()
        .and_then(Value::as_array)
        .ok_or_else(|| type_err(f, 1, "Array"))?;
    let values = args
        .get(1)
        .and_then(Value::as_array)
        .ok_or_else(|| type_err(f, 2, "Array"))?;
    let mut out = Map::new();
    for (i, k) in keys.iter().enumerate() {
        let key = crate::gofmt::num_text32(k).map_err(|_| type_err(f, 1, "StringArray"))?;
        out.insert(key, values.get(i).cloned().unwrap_or(Value::Null));
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------
// Time (CV-16 "Time", Kyverno time.go)
// ---------------------------------------------------------------------------------------

/// A Go `time.Time` reduced to what the functions need: an instant and its zone offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct GoTime {
    /// Seconds since the Unix epoch.
    secs: i64,
    /// Nanoseconds within the second (0..1e9).
    nanos: u32,
    /// Zone offset east of UTC, in seconds.
    offset: i32,
}

const RFC3339: &str = "2006-01-02T15:04:05Z07:00";
/// Seconds from Go's zero time (January 1, year 1, UTC) to the Unix epoch.
const ZERO_TO_UNIX: i64 = 62_135_596_800;

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in(month: u32, year: i64) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl GoTime {
    fn from_unix_nanos(n: i128, offset: i32) -> Option<GoTime> {
        let secs = i64::try_from(n.div_euclid(1_000_000_000)).ok()?;
        let nanos = u32::try_from(n.rem_euclid(1_000_000_000)).ok()?;
        Some(GoTime {
            secs,
            nanos,
            offset,
        })
    }

    fn unix_nanos(&self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// Local civil fields: (year, month, day, hour, minute, second, weekday 0=Sunday).
    fn civil(&self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let local = self.secs.saturating_add(i64::from(self.offset));
        let days = local.div_euclid(86_400);
        let sod = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let h = u32::try_from(sod / 3600).unwrap_or(0);
        let mi = u32::try_from(sod % 3600 / 60).unwrap_or(0);
        let s = u32::try_from(sod % 60).unwrap_or(0);
        // 1970-01-01 was a Thursday (4).
        let wd = u32::try_from((days + 4).rem_euclid(7)).unwrap_or(0);
        (y, m, d, h, mi, s, wd)
    }

    /// Go `t.Format(time.RFC3339)`.
    fn rfc3339(&self) -> String {
        let (y, m, d, h, mi, s, _) = self.civil();
        let year = if y < 0 {
            format!("-{:04}", y.unsigned_abs())
        } else {
            format!("{y:04}")
        };
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let z = self.offset.unsigned_abs() / 60;
            format!("{sign}{:02}:{:02}", z / 60, z % 60)
        };
        format!("{year}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}")
    }

    fn now(env: &FnEnv) -> GoTime {
        GoTime::from_unix_nanos(env.now.as_nanosecond(), 0).unwrap_or(GoTime {
            secs: 0,
            nanos: 0,
            offset: 0,
        })
    }
}

/// Go `t2.Sub(t1)`: saturates at the int64 bounds.
fn go_sub(t2: &GoTime, t1: &GoTime) -> i128 {
    (t2.unix_nanos() - t1.unix_nanos()).clamp(i128::from(i64::MIN), i128::from(i64::MAX))
}

/// One element of a Go layout (`nextStdChunk`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PmUpper,
    PmLower,
    Tz,
    Iso8601Tz,
    Iso8601SecondsTz,
    Iso8601ShortTz,
    Iso8601ColonTz,
    Iso8601ColonSecondsTz,
    NumTz,
    NumSecondsTz,
    NumShortTz,
    NumColonTz,
    NumColonSecondsTz,
    /// `.000…` with this many digits.
    FracSecond0(usize),
    /// `.999…`.
    FracSecond9,
}

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_lowercase)
}

fn at(s: &[u8], i: usize) -> Option<&[u8]> {
    s.get(i..)
}

/// Go `nextStdChunk`: (prefix, element, suffix); element `None` when the layout has no more.
fn next_std_chunk(layout: &[u8]) -> (&[u8], Option<Std>, &[u8]) {
    let has = |i: usize, lit: &str| layout.get(i..i + lit.len()) == Some(lit.as_bytes());
    let cut = |i: usize, n: usize, std: Std| -> (&[u8], Option<Std>, &[u8]) {
        (
            layout.get(..i).unwrap_or_default(),
            Some(std),
            layout.get(i + n..).unwrap_or_default(),
        )
    };
    for (i, &c) in layout.iter().enumerate() {
        match c {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    return cut(i, 7, Std::LongMonth);
                }
                if !starts_with_lower(at(layout, i + 3).unwrap_or_default()) {
                    return cut(i, 3, Std::Month);
                }
            }
            b'M' => {
                if has(i, "Mon") {
                    if has(i, "Monday") {
                        return cut(i, 6, Std::LongWeekDay);
                    }
                    if !starts_with_lower(at(layout, i + 3).unwrap_or_default()) {
                        return cut(i, 3, Std::WeekDay);
                    }
                }
                if has(i, "MST") {
                    return cut(i, 3, Std::Tz);
                }
            }
            b'0' => {
                let std = match layout.get(i + 1) {
                    Some(b'1') => Some(Std::ZeroMonth),
                    Some(b'2') => Some(Std::ZeroDay),
                    Some(b'3') => Some(Std::ZeroHour12),
                    Some(b'4') => Some(Std::ZeroMinute),
                    Some(b'5') => Some(Std::ZeroSecond),
                    Some(b'6') => Some(Std::Year),
                    _ => None,
                };
                if let Some(std) = std {
                    return cut(i, 2, std);
                }
                if has(i, "002") {
                    return cut(i, 3, Std::ZeroYearDay);
                }
            }
            b'1' => {
                if layout.get(i + 1) == Some(&b'5') {
                    return cut(i, 2, Std::Hour);
                }
                return cut(i, 1, Std::NumMonth);
            }
            b'2' => {
                if has(i, "2006") {
                    return cut(i, 4, Std::LongYear);
                }
                return cut(i, 1, Std::Day);
            }
            b'_' => {
                if layout.get(i + 1) == Some(&b'2') {
                    // `_2006` is a literal `_` followed by the long year.
                    if has(i + 1, "2006") {
                        return (
                            layout.get(..=i).unwrap_or_default(),
                            Some(Std::LongYear),
                            layout.get(i + 5..).unwrap_or_default(),
                        );
                    }
                    return cut(i, 2, Std::UnderDay);
                }
                if has(i, "__2") {
                    return cut(i, 3, Std::UnderYearDay);
                }
            }
            b'3' => return cut(i, 1, Std::Hour12),
            b'4' => return cut(i, 1, Std::Minute),
            b'5' => return cut(i, 1, Std::Second),
            b'P' if layout.get(i + 1) == Some(&b'M') => return cut(i, 2, Std::PmUpper),
            b'p' if layout.get(i + 1) == Some(&b'm') => return cut(i, 2, Std::PmLower),
            b'-' => {
                if has(i, "-070000") {
                    return cut(i, 7, Std::NumSecondsTz);
                }
                if has(i, "-07:00:00") {
                    return cut(i, 9, Std::NumColonSecondsTz);
                }
                if has(i, "-0700") {
                    return cut(i, 5, Std::NumTz);
                }
                if has(i, "-07:00") {
                    return cut(i, 6, Std::NumColonTz);
                }
                if has(i, "-07") {
                    return cut(i, 3, Std::NumShortTz);
                }
            }
            b'Z' => {
                if has(i, "Z070000") {
                    return cut(i, 7, Std::Iso8601SecondsTz);
                }
                if has(i, "Z07:00:00") {
                    return cut(i, 9, Std::Iso8601ColonSecondsTz);
                }
                if has(i, "Z0700") {
                    return cut(i, 5, Std::Iso8601Tz);
                }
                if has(i, "Z07:00") {
                    return cut(i, 6, Std::Iso8601ColonTz);
                }
                if has(i, "Z07") {
                    return cut(i, 3, Std::Iso8601ShortTz);
                }
            }
            b'.' | b',' => {
                if let Some(&ch) = layout.get(i + 1).filter(|c| **c == b'0' || **c == b'9') {
                    let mut j = i + 1;
                    while layout.get(j) == Some(&ch) {
                        j += 1;
                    }
                    if !layout.get(j).is_some_and(u8::is_ascii_digit) {
                        let std = if ch == b'0' {
                            Std::FracSecond0(j - (i + 1))
                        } else {
                            Std::FracSecond9
                        };
                        return cut(i, j - i, std);
                    }
                }
            }
            _ => {}
        }
    }
    (layout, None, &[])
}

/// Why a Go time parse failed (Go `ParseError`).
struct ParseFail {
    value_elem: Vec<u8>,
    layout_elem: Vec<u8>,
    message: String,
}

fn go_quote(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

fn parse_error(layout: &str, value: &str, e: ParseFail) -> String {
    if e.message.is_empty() {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            go_quote(value.as_bytes()),
            go_quote(layout.as_bytes()),
            go_quote(&e.value_elem),
            go_quote(&e.layout_elem)
        )
    } else {
        format!("parsing time {}{}", go_quote(value.as_bytes()), e.message)
    }
}

/// Go `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d0 = s.first().filter(|c| c.is_ascii_digit())?;
    match s.get(1).filter(|c| c.is_ascii_digit()) {
        None if fixed => None,
        None => Some((i64::from(d0 - b'0'), at(s, 1).unwrap_or_default())),
        Some(d1) => Some((
            i64::from(d0 - b'0') * 10 + i64::from(d1 - b'0'),
            at(s, 2).unwrap_or_default(),
        )),
    }
}

/// Go `getnum3`: one to three digits (exactly three when `fixed`).
fn getnum3(s: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let mut n = 0;
    let mut i = 0;
    while i < 3 {
        match s.get(i) {
            Some(c) if c.is_ascii_digit() => {
                n = n * 10 + i64::from(c - b'0');
                i += 1;
            }
            _ => break,
        }
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, at(s, i).unwrap_or_default()))
}

/// Go `atoi` (optional sign, digits, no overflow past int64).
fn go_atoi(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, at(s, 1).unwrap_or_default()),
        Some(b'+') => (false, at(s, 1).unwrap_or_default()),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if neg { -v } else { v })
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Go `lookup`: ASCII case-insensitive prefix match against a name table.
fn lookup_name<'a>(tab: &[&str], val: &'a [u8]) -> Option<(usize, &'a [u8])> {
    tab.iter().enumerate().find_map(|(i, name)| {
        let head = val.get(..name.len())?;
        head.eq_ignore_ascii_case(name.as_bytes())
            .then(|| (i, at(val, name.len()).unwrap_or_default()))
    })
}

/// Go `skip`: consume the literal `prefix` (runs of spaces match any run of spaces).
fn skip<'a>(mut value: &'a [u8], mut prefix: &[u8]) -> Option<&'a [u8]> {
    let cutspace = |s: &'a [u8]| -> &'a [u8] {
        let n = s.iter().take_while(|c| **c == b' ').count();
        at(s, n).unwrap_or_default()
    };
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|c| *c != b' ') {
                return None;
            }
            prefix = {
                let n = prefix.iter().take_while(|c| **c == b' ').count();
                at(prefix, n).unwrap_or_default()
            };
            value = cutspace(value);
            continue;
        }
        if value.first() != Some(&p) {
            return None;
        }
        prefix = at(prefix, 1).unwrap_or_default();
        value = at(value, 1).unwrap_or_default();
    }
    Some(value)
}

/// Go `parseNanoseconds`: `value` starts with the separator; `nbytes` includes it.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Result<i64, &'static str> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return Err("");
    }
    let nbytes = nbytes.min(10);
    let ns = go_atoi(value.get(1..nbytes).unwrap_or_default()).ok_or("")?;
    if ns < 0 {
        return Err("fractional second");
    }
    let scale = 10_i64.pow(u32::try_from(10 - nbytes).unwrap_or(0));
    Ok(ns * scale)
}

/// Go `parseTimeZone`: length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &[u8]) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with(b"ChST") || value.starts_with(b"MeST") {
        return Some(4);
    }
    if value.starts_with(b"GMT") {
        return Some(3 + parse_signed_offset(at(value, 3).unwrap_or_default()));
    }
    if matches!(value.first(), Some(b'+' | b'-')) {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let n_upper = value
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match n_upper {
        3 => Some(3),
        4 if value.get(3) == Some(&b'T') || value.starts_with(b"WITA") => Some(4),
        5 if value.get(4) == Some(&b'T') => Some(5),
        _ => None,
    }
}

/// Go `parseSignedOffset`: length of `[+-]N` with N ≤ 12, or 0.
fn parse_signed_offset(value: &[u8]) -> usize {
    if !matches!(value.first(), Some(b'+' | b'-')) {
        return 0;
    }
    let digits = value
        .iter()
        .skip(1)
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 {
        return 0;
    }
    match go_atoi(value.get(1..=digits).unwrap_or_default()) {
        Some(x) if x <= 12 => 1 + digits,
        _ => 0,
    }
}

/// Go `time.Parse(layout, value)` with UTC as the default and local location.
fn go_parse(layout_str: &str, value_str: &str) -> Result<GoTime, String> {
    let fail = |value_elem: &[u8], layout_elem: &[u8], message: String| {
        parse_error(
            layout_str,
            value_str,
            ParseFail {
                value_elem: value_elem.to_vec(),
                layout_elem: layout_elem.to_vec(),
                message,
            },
        )
    };
    let mut layout = layout_str.as_bytes();
    let mut value = value_str.as_bytes();
    let (mut am, mut pm) = (false, false);
    let (mut year, mut month, mut day, mut yday) = (0_i64, -1_i64, -1_i64, -1_i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0_i64, 0_i64, 0_i64, 0_i64);
    let mut utc_zone = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name: Option<Vec<u8>> = None;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let stdstr = layout
            .get(prefix.len()..layout.len() - suffix.len())
            .unwrap_or_default();
        value = skip(value, prefix).ok_or_else(|| fail(value, prefix, String::new()))?;
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(fail(
                    value,
                    b"",
                    format!(": extra text: {}", go_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err = "";
        let ok: Option<()> = (|| {
            match std {
                Std::Year => {
                    let p = value.get(..2)?;
                    value = at(value, 2)?;
                    year = go_atoi(p)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    if !value.first().is_some_and(u8::is_ascii_digit) {
                        return None;
                    }
                    let p = value.get(..4)?;
                    value = at(value, 4)?;
                    year = go_atoi(p)?;
                }
                Std::Month | Std::LongMonth => {
                    let tab: &[&str] = if std == Std::Month {
                        &SHORT_MONTHS
                    } else {
                        &LONG_MONTHS
                    };
                    let (i, rest) = lookup_name(tab, value)?;
                    month = i64::try_from(i).ok()? + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&month) {
                        range_err = "month";
                    }
                }
                Std::WeekDay | Std::LongWeekDay => {
                    let tab: &[&str] = if std == Std::WeekDay {
                        &SHORT_DAYS
                    } else {
                        &LONG_DAYS
                    };
                    value = lookup_name(tab, value)?.1;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.first() == Some(&b' ') {
                        value = at(value, 1)?;
                    }
                    let (d, rest) = getnum(value, std == Std::ZeroDay)?;
                    day = d;
                    value = rest;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.first() == Some(&b' ') {
                            value = at(value, 1)?;
                        }
                    }
                    let (d, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                    yday = d;
                    value = rest;
                }
                Std::Hour => {
                    let (h, rest) = getnum(value, false)?;
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    value = rest;
                    if !(0..=12).contains(&hour) {
                        range_err = "hour";
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    value = rest;
                    if !(0..60).contains(&min) {
                        range_err = "minute";
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, rest) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range_err = "second";
                        return Some(());
                    }
                    // A fractional second in the value but not in the layout is accepted.
                    if matches!(value.first(), Some(b'.' | b','))
                        && value.get(1).is_some_and(u8::is_ascii_digit)
                    {
                        let (_, next, _) = next_std_chunk(layout);
                        if matches!(next, Some(Std::FracSecond0(_) | Std::FracSecond9)) {
                            return Some(());
                        }
                        let n = 1 + value
                            .iter()
                            .skip(1)
                            .take_while(|c| c.is_ascii_digit())
                            .count();
                        match parse_nanoseconds(value, n) {
                            Ok(ns) => nsec = ns,
                            Err("") => return None,
                            Err(r) => range_err = r,
                        }
                        value = at(value, n)?;
                    }
                }
                Std::PmUpper | Std::PmLower => {
                    let p = value.get(..2)?;
                    value = at(value, 2)?;
                    let (pm_text, am_text): (&[u8], &[u8]) = if std == Std::PmUpper {
                        (b"PM", b"AM")
                    } else {
                        (b"pm", b"am")
                    };
                    if p == pm_text {
                        pm = true;
                    } else if p == am_text {
                        am = true;
                    } else {
                        return None;
                    }
                }
                Std::Iso8601Tz
                | Std::Iso8601ShortTz
                | Std::Iso8601ColonTz
                | Std::Iso8601SecondsTz
                | Std::Iso8601ColonSecondsTz
                | Std::NumTz
                | Std::NumShortTz
                | Std::NumColonTz
                | Std::NumSecondsTz
                | Std::NumColonSecondsTz => {
                    let iso = matches!(
                        std,
                        Std::Iso8601Tz
                            | Std::Iso8601ShortTz
                            | Std::Iso8601ColonTz
                            | Std::Iso8601SecondsTz
                            | Std::Iso8601ColonSecondsTz
                    );
                    if iso && value.first() == Some(&b'Z') {
                        value = at(value, 1)?;
                        utc_zone = true;
                        return Some(());
                    }
                    let (sign, hh, mm, ss, rest): (u8, &[u8], &[u8], &[u8], &[u8]) = match std {
                        Std::Iso8601ColonTz | Std::NumColonTz => {
                            if value.get(3) != Some(&b':') {
                                return None;
                            }
                            (
                                *value.first()?,
                                value.get(1..3)?,
                                value.get(4..6)?,
                                b"00",
                                at(value, 6)?,
                            )
                        }
                        Std::NumShortTz | Std::Iso8601ShortTz => (
                            *value.first()?,
                            value.get(1..3)?,
                            b"00",
                            b"00",
                            at(value, 3)?,
                        ),
                        Std::Iso8601ColonSecondsTz | Std::NumColonSecondsTz => {
                            if value.get(3) != Some(&b':') || value.get(6) != Some(&b':') {
                                return None;
                            }
                            (
                                *value.first()?,
                                value.get(1..3)?,
                                value.get(4..6)?,
                                value.get(7..9)?,
                                at(value, 9)?,
                            )
                        }
                        Std::Iso8601SecondsTz | Std::NumSecondsTz => (
                            *value.first()?,
                            value.get(1..3)?,
                            value.get(3..5)?,
                            value.get(5..7)?,
                            at(value, 7)?,
                        ),
                        _ => (
                            *value.first()?,
                            value.get(1..3)?,
                            value.get(3..5)?,
                            b"00",
                            at(value, 5)?,
                        ),
                    };
                    value = rest;
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = "time zone offset hour";
                    }
                    if mi > 60 {
                        range_err = "time zone offset minute";
                    }
                    if se > 60 {
                        range_err = "time zone offset second";
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        b'+' => off,
                        b'-' => -off,
                        _ => return None,
                    });
                }
                Std::Tz => {
                    if value.starts_with(b"UTC") {
                        utc_zone = true;
                        value = at(value, 3)?;
                        return Some(());
                    }
                    let n = parse_time_zone(value)?;
                    zone_name = Some(value.get(..n)?.to_vec());
                    value = at(value, n)?;
                }
                Std::FracSecond0(digits) => {
                    let n = 1 + digits;
                    if value.len() < n {
                        return None;
                    }
                    match parse_nanoseconds(value, n) {
                        Ok(ns) => nsec = ns,
                        Err("") => return None,
                        Err(r) => range_err = r,
                    }
                    value = at(value, n)?;
                }
                Std::FracSecond9 => {
                    if value.len() < 2
                        || !matches!(value.first(), Some(b'.' | b','))
                        || !value.get(1).is_some_and(u8::is_ascii_digit)
                    {
                        return Some(());
                    }
                    let n = 1 + value
                        .iter()
                        .skip(1)
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    match parse_nanoseconds(value, n) {
                        Ok(ns) => nsec = ns,
                        Err("") => return None,
                        Err(r) => range_err = r,
                    }
                    value = at(value, n)?;
                }
            }
            Some(())
        })();
        if !range_err.is_empty() {
            return Err(fail(value, stdstr, format!(": {range_err} out of range")));
        }
        if ok.is_none() {
            return Err(fail(hold, stdstr, String::new()));
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    if yday >= 0 {
        let mut m = 0;
        let mut d = 0;
        let mut yd = yday;
        if is_leap(year) {
            if yd == 31 + 29 {
                m = 2;
                d = 29;
            } else if yd > 31 + 29 {
                yd -= 1;
            }
        }
        if !(1..=365).contains(&yd) {
            return Err(fail(value, b"", ": day-of-year out of range".to_string()));
        }
        if m == 0 {
            const DAYS_BEFORE: [i64; 13] =
                [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
            m = (yd - 1) / 31 + 1;
            if DAYS_BEFORE
                .get(usize::try_from(m).unwrap_or(0))
                .is_some_and(|b| *b < yd)
            {
                m += 1;
            }
            d = yd
                - DAYS_BEFORE
                    .get(usize::try_from(m - 1).unwrap_or(0))
                    .copied()
                    .unwrap_or(0);
        }
        if month >= 0 && month != m {
            return Err(fail(
                value,
                b"",
                ": day-of-year does not match month".to_string(),
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(fail(
                value,
                b"",
                ": day-of-year does not match day".to_string(),
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    let month_u = u32::try_from(month).unwrap_or(1);
    if day < 1 || day > i64::from(days_in(month_u, year)) {
        return Err(fail(value, b"", ": day out of range".to_string()));
    }
    let days = days_from_civil(year, month_u, u32::try_from(day).unwrap_or(1));
    let local_secs = days * 86_400 + hour * 3600 + min * 60 + sec;
    let nanos = u32::try_from(nsec).unwrap_or(0);
    // Zone: `Z`/`UTC` → UTC; a numeric offset → fixed zone; an abbreviation → offset 0 (the
    // local zone of an offline run is UTC, which knows no other names) except `GMT±h`.
    let offset = if utc_zone {
        0
    } else if let Some(off) = zone_offset {
        off
    } else if let Some(name) = zone_name {
        match name.strip_prefix(b"GMT") {
            Some(rest) if !rest.is_empty() => go_atoi(rest).unwrap_or(0) * 3600,
            _ => 0,
        }
    } else {
        0
    };
    Ok(GoTime {
        secs: local_secs - offset,
        nanos,
        offset: i32::try_from(offset).unwrap_or(0),
    })
}

fn time_arg(f: &str, args: &[Value], i: usize) -> Result<GoTime, String> {
    go_parse(RFC3339, arg_str(f, args, i)?).map_err(|e| err(f, e))
}

fn duration_arg(f: &str, args: &[Value], i: usize) -> Result<i64, String> {
    let s = arg_str(f, args, i)?;
    parse_go_duration(s)
        .and_then(|d| i64::try_from(d).ok())
        .ok_or_else(|| {
            err(
                f,
                format!("time: invalid duration {}", go_quote(s.as_bytes())),
            )
        })
}

fn f_time_now(_: &[Value], env: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(GoTime::now(env).rfc3339()))
}

fn f_time_now_utc(_: &[Value], env: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(GoTime::now(env).rfc3339()))
}

fn f_time_since(args: &[Value], env: &FnEnv) -> Result<Value, String> {
    let f = "time_since";
    let layout = arg_str(f, args, 0)?;
    let layout = if layout.is_empty() { RFC3339 } else { layout };
    let start = go_parse(layout, arg_str(f, args, 1)?).map_err(|e| err(f, e))?;
    let end_s = arg_str(f, args, 2)?;
    let end = if end_s.is_empty() {
        GoTime::now(env)
    } else {
        go_parse(layout, end_s).map_err(|e| err(f, e))?
    };
    Ok(Value::String(format_go_duration(go_sub(&end, &start))))
}

fn f_time_diff(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t1 = time_arg("time_diff", args, 0)?;
    let t2 = time_arg("time_diff", args, 1)?;
    Ok(Value::String(format_go_duration(go_sub(&t2, &t1))))
}

fn f_time_add(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "time_add";
    let t = time_arg(f, args, 0)?;
    let d = duration_arg(f, args, 1)?;
    let r = GoTime::from_unix_nanos(t.unix_nanos() + i128::from(d), t.offset)
        .ok_or_else(|| err(f, "time out of range"))?;
    Ok(Value::String(r.rfc3339()))
}

fn f_time_parse(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "time_parse";
    let layout = arg_str(f, args, 0)?;
    let value = arg_str(f, args, 1)?;
    if crate::gofmt::parse_int(layout).is_some() {
        // An integer layout means "value is Unix epoch seconds".
        let epoch = crate::gofmt::parse_int(value).ok_or_else(|| {
            err(
                f,
                format!(
                    "strconv.ParseInt: parsing {}: invalid syntax",
                    go_quote(value.as_bytes())
                ),
            )
        })?;
        return Ok(Value::String(
            GoTime {
                secs: epoch,
                nanos: 0,
                offset: 0,
            }
            .rfc3339(),
        ));
    }
    let t = go_parse(layout, value).map_err(|e| err(f, e))?;
    Ok(Value::String(t.rfc3339()))
}

fn f_time_utc(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t = time_arg("time_utc", args, 0)?;
    Ok(Value::String(GoTime { offset: 0, ..t }.rfc3339()))
}

fn f_time_to_cron(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t = time_arg("time_to_cron", args, 0)?;
    let (_, m, d, h, mi, _, wd) = t.civil();
    Ok(Value::String(format!("{mi} {h} {d} {m} {wd}")))
}

fn f_time_before(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t1 = time_arg("time_before", args, 0)?;
    let t2 = time_arg("time_before", args, 1)?;
    Ok(Value::Bool(t1.unix_nanos() < t2.unix_nanos()))
}

fn f_time_after(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t1 = time_arg("time_after", args, 0)?;
    let t2 = time_arg("time_after", args, 1)?;
    Ok(Value::Bool(t1.unix_nanos() > t2.unix_nanos()))
}

fn f_time_between(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t = time_arg("time_between", args, 0)?.unix_nanos();
    let start = time_arg("time_between", args, 1)?.unix_nanos();
    let end = time_arg("time_between", args, 2)?.unix_nanos();
    Ok(Value::Bool(start < t && t < end))
}

fn f_time_truncate(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "time_truncate";
    let t = time_arg(f, args, 0)?;
    let d = duration_arg(f, args, 1)?;
    if d <= 0 {
        return Ok(Value::String(t.rfc3339()));
    }
    // Go: round down to a multiple of d since the zero time (January 1, year 1, UTC).
    let since_zero = t.unix_nanos() + i128::from(ZERO_TO_UNIX) * 1_000_000_000;
    let r = since_zero.rem_euclid(i128::from(d));
    let out = GoTime::from_unix_nanos(t.unix_nanos() - r, t.offset)
        .ok_or_else(|| err(f, "time out of range"))?;
    Ok(Value::String(out.rfc3339()))
}

// ---------------------------------------------------------------------------------------
// Versions (blang/semver v4)
// ---------------------------------------------------------------------------------------

/// A prerelease identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pre {
    Num(u64),
    Alpha(String),
}

/// A semantic version (build metadata is ignored by comparisons).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Semver {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Pre>,
}

fn only(s: &str, allowed: impl Fn(char) -> bool) -> bool {
    s.chars().all(allowed)
}

fn is_alnum_dash(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn parse_num_part(s: &str, what: &str) -> Result<u64, String> {
    if !only(s, |c| c.is_ascii_digit()) {
        return Err(format!("Invalid character(s) found in {what} number {s:?}"));
    }
    if s.len() > 1 && s.starts_with('0') {
        let mut w = what.to_string();
        if let Some(first) = w.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        return Err(format!("{w} number must not contain leading zeroes {s:?}"));
    }
    s.parse::<u64>()
        .map_err(|e| format!("strconv.ParseUint: parsing {s:?}: {e}"))
}

/// blang `semver.Parse` (strict: `MAJOR.MINOR.PATCH[-pre][+build]`).
fn parse_semver(s: &str) -> Result<Semver, String> {
    if s.is_empty() {
        return Err("Version string empty".to_string());
    }
    let mut parts = s.splitn(3, '.');
    let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("No Major.Minor.Patch elements found".to_string());
    };
    let major = parse_num_part(major, "major")?;
    let minor = parse_num_part(minor, "minor")?;
    let (rest, build) = match rest.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (rest, None),
    };
    let (patch, pre) = match rest.split_once('-') {
        Some((p, pr)) => (p, Some(pr)),
        None => (rest, None),
    };
    let patch = parse_num_part(patch, "patch")?;
    let mut v = Semver {
        major,
        minor,
        patch,
        pre: Vec::new(),
    };
    if let Some(pre) = pre {
        for p in pre.split('.') {
            if p.is_empty() {
                return Err("Prerelease is empty".to_string());
            }
            if only(p, |c| c.is_ascii_digit()) {
                if p.len() > 1 && p.starts_with('0') {
                    return Err(format!(
                        "Numeric PreRelease version must not contain leading zeroes {p:?}"
                    ));
                }
                v.pre
                    .push(Pre::Num(p.parse::<u64>().map_err(|e| e.to_string())?));
            } else if only(p, is_alnum_dash) {
                v.pre.push(Pre::Alpha(p.to_string()));
            } else {
                return Err(format!("Invalid character(s) found in prerelease {p:?}"));
            }
        }
    }
    if let Some(build) = build {
        for b in build.split('.') {
            if b.is_empty() {
                return Err("Build meta data is empty".to_string());
            }
            if !only(b, is_alnum_dash) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {b:?}"
                ));
            }
        }
    }
    Ok(v)
}

fn cmp_semver(a: &Semver, b: &Semver) -> Ordering {
    let core = (a.major, a.minor, a.patch).cmp(&(b.major, b.minor, b.patch));
    if core != Ordering::Equal {
        return core;
    }
    match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.pre.iter().zip(&b.pre) {
        let o = match (x, y) {
            (Pre::Num(p), Pre::Num(q)) => p.cmp(q),
            (Pre::Num(_), Pre::Alpha(_)) => Ordering::Less,
            (Pre::Alpha(_), Pre::Num(_)) => Ordering::Greater,
            (Pre::Alpha(p), Pre::Alpha(q)) => p.cmp(q),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.pre.len().cmp(&b.pre.len())
}

/// blang `splitAndTrim`: split on spaces, but a space after `>`, `<` or `=` does not split.
fn split_and_trim(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut last = 0;
    let mut last_char = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if c == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            // Go: `if last < i-1` — keep parts of at least two bytes.
            if last + 1 < i {
                out.push(s.get(last..i).unwrap_or_default().to_string());
            }
            last = i + 1;
        } else if c != b' ' {
            last_char = c;
        }
    }
    if last + 1 < b.len() {
        out.push(s.get(last..).unwrap_or_default().to_string());
    }
    out.into_iter().map(|p| p.replace(' ', "")).collect()
}

/// blang `splitComparatorVersion`.
fn split_comparator(s: &str) -> Result<(String, String), String> {
    let i = s
        .find(|c: char| c.is_numeric())
        .ok_or_else(|| format!("Could not get version from string: {s:?}"))?;
    Ok((
        s.get(..i).unwrap_or_default().trim().to_string(),
        s.get(i..).unwrap_or_default().to_string(),
    ))
}

/// blang `expandWildcardVersion` for one AND-part.
fn expand_wildcards(parts: Vec<String>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for ap in parts {
        if !ap.contains('x') {
            out.push(ap);
            continue;
        }
        let (op, v) = split_comparator(&ap)?;
        let nparts = v.split('.').count();
        let wildcard = if v.split('.').next_back() == Some("x") {
            nparts
        } else {
            0
        };
        let flat = {
            let v2 = v.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
            if v2.split('.').count() == 2 {
                format!("{v2}.0")
            } else {
                v2
            }
        };
        let bump = |idx: usize| -> String {
            let mut ps: Vec<String> = flat.split('.').map(str::to_string).collect();
            if let Some(p) = ps.get_mut(idx)
                && let Ok(n) = p.parse::<i64>()
            {
                *p = (n + 1).to_string();
            }
            ps.join(".")
        };
        let (result_op, increment) = match op.as_str() {
            ">" => (">=", true),
            ">=" => (">=", false),
            "<" => ("<", false),
            "<=" => ("<", true),
            "" | "=" | "==" => {
                out.push(format!(">={flat}"));
                ("<", true)
            }
            "!=" | "!" => {
                out.push(format!("<{flat}"));
                (">=", true)
            }
            _ => ("", false),
        };
        let version = if increment {
            match wildcard {
                3 => bump(1),
                2 => bump(0),
                _ => String::new(),
            }
        } else {
            flat.clone()
        };
        out.push(format!("{result_op}{version}"));
    }
    Ok(out)
}

/// One comparator of a range.
type Comparator = (fn(Ordering) -> bool, Semver);

/// blang `ParseRange`: OR of AND-lists of comparators.
fn parse_range(s: &str) -> Result<Vec<Vec<Comparator>>, String> {
    let parts = split_and_trim(s);
    let mut or_parts: Vec<Vec<String>> = Vec::new();
    let mut current = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if p == "||" {
            if i == 0 {
                return Err("First element in range is '||'".to_string());
            }
            or_parts.push(std::mem::take(&mut current));
        } else {
            current.push(p.clone());
        }
    }
    if current.is_empty() {
        return Err("Last element in range is '||'".to_string());
    }
    or_parts.push(current);
    let mut out = Vec::new();
    for part in or_parts {
        let mut ands = Vec::new();
        for ap in expand_wildcards(part)? {
            let (op, v) = split_comparator(&ap)?;
            let test: fn(Ordering) -> bool = match op.as_str() {
                "" | "=" | "==" => |o| o == Ordering::Equal,
                ">" => |o| o == Ordering::Greater,
                ">=" => |o| o != Ordering::Less,
                "<" => |o| o == Ordering::Less,
                "<=" => |o| o != Ordering::Greater,
                "!" | "!=" => |o| o != Ordering::Equal,
                _ => {
                    return Err(format!(
                        "Could not parse Range {ap:?}: Could not parse comparator {op:?} in {ap:?}"
                    ));
                }
            };
            let version = parse_semver(&v).map_err(|e| {
                format!(
                    "Could not parse Range {ap:?}: Could not parse version {v:?} in {ap:?}: {e}"
                )
            })?;
            ands.push((test, version));
        }
        out.push(ands);
    }
    Ok(out)
}

fn f_semver_compare(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "semver_compare";
    // An unparsable version silently becomes 0.0.0 (CV-16).
    let version = parse_semver(arg_str(f, args, 0)?).unwrap_or_default();
    let range = parse_range(arg_str(f, args, 1)?).map_err(|e| err(f, e))?;
    let ok = range
        .iter()
        .any(|ands| ands.iter().all(|(test, v)| test(cmp_semver(&version, v))));
    Ok(Value::Bool(ok))
}

// ---------------------------------------------------------------------------------------
// Images (CV-11.8, distribution/reference)
// ---------------------------------------------------------------------------------------

const DEFAULT_REGISTRY: &str = "docker.io";

/// Kyverno `addDefaultRegistry`.
fn add_default_registry(name: &str) -> String {
    match name.find('/') {
        Some(i) => {
            let first = name.get(..i).unwrap_or_default();
            if !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
            {
                format!("{DEFAULT_REGISTRY}/{name}")
            } else {
                name.to_string()
            }
        }
        None => format!("{DEFAULT_REGISTRY}/{name}"),
    }
}

/// distribution/reference grammar pieces.
const PATH_COMPONENT: &str = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_AND_PORT: &str = r"(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[(?:[a-fA-F0-9:]+)\])(?::[0-9]+)?";
const TAG: &str = r"[\w][\w.-]{0,127}";
const DIGEST: &str = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";

/// Parsed image reference: (registry, path, tag, digest).
fn parse_image(reference: &str) -> Result<(String, String, String, String), String> {
    let name_pat = format!("(?:{DOMAIN_AND_PORT}/)?{PATH_COMPONENT}(?:/{PATH_COMPONENT})*");
    let full = format!("^({name_pat})(?::({TAG}))?(?:@({DIGEST}))?$");
    let re = regex::Regex::new(&full).map_err(|e| e.to_string())?;
    let Some(caps) = re.captures(reference) else {
        if reference.is_empty() {
            return Err("repository name must have at least one component".to_string());
        }
        if re.is_match(&reference.to_lowercase()) {
            return Err("repository name must be lowercase".to_string());
        }
        return Err("invalid reference format".to_string());
    };
    let name = caps.get(1).map_or("", |m| m.as_str());
    if name.len() > 255 {
        return Err("repository name must not be more than 255 characters".to_string());
    }
    let split = regex::Regex::new(&format!(
        "^(?:({DOMAIN_AND_PORT})/)?({PATH_COMPONENT}(?:/{PATH_COMPONENT})*)$"
    ))
    .map_err(|e| e.to_string())?;
    let parts = split.captures(name).ok_or("invalid reference format")?;
    let domain = parts.get(1).map_or("", |m| m.as_str()).to_string();
    let path = parts.get(2).map_or("", |m| m.as_str()).to_string();
    let tag = caps.get(2).map_or("", |m| m.as_str()).to_string();
    let digest = caps.get(3).map_or("", |m| m.as_str()).to_string();
    if !digest.is_empty() {
        let (alg, enc) = digest.split_once(':').unwrap_or(("", ""));
        let want = match alg {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => return Err("unsupported digest algorithm".to_string()),
        };
        if enc.len() != want {
            return Err("invalid checksum digest length".to_string());
        }
        if !enc
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        {
            return Err("invalid checksum digest format".to_string());
        }
    }
    Ok((domain, path, tag, digest))
}

fn f_image_normalize(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "image_normalize";
    let image = arg_str(f, args, 0)?;
    let full = add_default_registry(image);
    let (registry, path, tag, digest) = parse_image(&full).map_err(|e| {
        err(f, format!("bad image: {full}, defaultRegistry: {DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: {e}"))
    })?;
    let base = if registry.is_empty() {
        path
    } else {
        format!("{registry}/{path}")
    };
    let out = if !digest.is_empty() {
        format!("{base}@{digest}")
    } else {
        let tag = if tag.is_empty() {
            "latest".to_string()
        } else {
            tag
        };
        format!("{base}:{tag}")
    };
    Ok(Value::String(out))
}

// ---------------------------------------------------------------------------------------
// Misc: is_external_url, random, x509_decode
// ---------------------------------------------------------------------------------------

/// The host of a URL (Go `url.Parse(..).Hostname()`), `None` when there is no authority.
fn url_host(u: &str) -> Option<String> {
    let rest = match u.find("://") {
        Some(i)
            if u.get(..i).is_some_and(|s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            }) =>
        {
            u.get(i + 3..)?
        }
        _ => u.strip_prefix("//")?,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(inner) = hostport.strip_prefix('[') {
        return inner.split_once(']').map(|(h, _)| h.to_string());
    }
    let host = match hostport.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => hostport,
    };
    Some(host.to_string())
}

fn f_is_external_url(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "is_external_url";
    let u = arg_str(f, args, 0)?;
    let host = url_host(u)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| err(f, format!("no host in url `{u}`")))?;
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(Value::Bool(false));
    }
    let Ok(ip) = host.parse::<std::net::IpAddr>() else {
        return Err(err(f, "host names need DNS, not available offline"));
    };
    // Go net.IP IsLoopback / IsPrivate (IPv4-mapped IPv6 addresses count as IPv4).
    let internal = match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.is_loopback() || v4.is_private(),
            None => {
                v6.is_loopback() || (v6.segments().first().copied().unwrap_or(0) & 0xfe00) == 0xfc00
            }
        },
    };
    Ok(Value::Bool(!internal))
}

/// A small deterministic generator (SplitMix64), seeded from [`FnEnv::seed`].
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// Longest string `random` produces.
const RANDOM_MAX_LEN: usize = 4096;
/// Extra items an unbounded repetition may add.
const RANDOM_EXTRA: u32 = 10;

/// Most generation steps `random` may take (bounds nested repetitions of empty groups).
const RANDOM_MAX_STEPS: u32 = 100_000;

fn gen_hir(
    h: &regex_syntax::hir::Hir,
    rng: &mut SplitMix,
    out: &mut String,
    steps: &mut u32,
) -> Result<(), String> {
    use regex_syntax::hir::{Class, HirKind};
    if out.len() > RANDOM_MAX_LEN {
        return Err(format!("generated string exceeds {RANDOM_MAX_LEN} bytes"));
    }
    *steps += 1;
    if *steps > RANDOM_MAX_STEPS {
        return Err("pattern needs too many generation steps".to_string());
    }
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Class(Class::Unicode(cls)) => {
            let ranges = cls.ranges();
            // why: `.` (everything but newline) would draw from all of Unicode; printable
            // ASCII keeps results readable and still matches.
            let total: u64 = ranges
                .iter()
                .map(|r| u64::from(r.end()) - u64::from(r.start()) + 1)
                .sum();
            if total > 0x10_0000 {
                let c = char::from(b' ' + u8::try_from(rng.below(95)).unwrap_or(0));
                out.push(c);
                return Ok(());
            }
            let mut pick = rng.below(total);
            for r in ranges {
                let size = u64::from(r.end()) - u64::from(r.start()) + 1;
                if pick < size {
                    let cp = u32::from(r.start()) + u32::try_from(pick).unwrap_or(0);
                    out.push(char::from_u32(cp).unwrap_or(r.start()));
                    return Ok(());
                }
                pick -= size;
            }
            return Err("empty character class".to_string());
        }
        HirKind::Class(Class::Bytes(_)) => return Err("byte classes are not supported".to_string()),
        HirKind::Repetition(rep) => {
            let max = rep
                .max
                .unwrap_or_else(|| rep.min.saturating_add(RANDOM_EXTRA));
            let max = max.min(rep.min.saturating_add(4096));
            if usize::try_from(rep.min).unwrap_or(usize::MAX) > RANDOM_MAX_LEN {
                return Err(format!("repetition count {} is too large", rep.min));
            }
            let span = u64::from(max.saturating_sub(rep.min)) + 1;
            let n = rep.min + u32::try_from(rng.below(span)).unwrap_or(0);
            for _ in 0..n {
                gen_hir(&rep.sub, rng, out, steps)?;
            }
        }
        HirKind::Capture(cap) => gen_hir(&cap.sub, rng, out, steps)?,
        HirKind::Concat(items) => {
            for item in items {
                gen_hir(item, rng, out, steps)?;
            }
        }
        HirKind::Alternation(alts) => {
            let i = usize::try_from(rng.below(u64::try_from(alts.len()).unwrap_or(1))).unwrap_or(0);
            if let Some(alt) = alts.get(i) {
                gen_hir(alt, rng, out, steps)?;
            }
        }
    }
    Ok(())
}

fn f_random(args: &[Value], env: &FnEnv) -> Result<Value, String> {
    let f = "random";
    let pattern = arg_str(f, args, 0)?;
    if pattern.is_empty() {
        return Err(err(f, "no pattern provided"));
    }
    let hir = regex_syntax::ParserBuilder::new()
        .nest_limit(64)
        .build()
        .parse(&go_regex_to_rust(pattern))
        .map_err(|e| err(f, format!("error parsing regexp: `{pattern}`: {e}")))?;
    let mut rng = SplitMix(env.seed);
    let mut out = String::new();
    gen_hir(&hir, &mut rng, &mut out, &mut 0).map_err(|e| err(f, e))?;
    if out.len() > RANDOM_MAX_LEN {
        return Err(err(
            f,
            format!("generated string exceeds {RANDOM_MAX_LEN} bytes"),
        ));
    }
    Ok(Value::String(out))
}

fn f_x509_decode(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "x509_decode";
    let pem = arg_str(f, args, 0)?;
    super::x509::decode(pem).map_err(|e| err(f, e))
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn regex_rewrites() {
        let check_rw = |go: &str, rust: &str| assert_eq!(go_regex_to_rust(go), rust, "{go}");
        check_rw("\\d+", "[0-9]+");
        check_rw("[\\d_]", "[[0-9]_]");
        check_rw("\\bx\\b", "(?-u:\\b)x(?-u:\\b)");
        check_rw("[[:alpha:]]", "[[:alpha:]]");
        check_rw("[a&&b]", "[a\\&\\&b]");
        check_rw("[]a]", "[]a]");
        check_rw("\\.", "\\.");
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
    fn civil_round_trip() {
        for days in [-719_468_i64, -1, 0, 1, 11_016, 19_783, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
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
            regex::Regex::new("^[a-z]{5}-[0-9]{3}$")
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
            regex::Regex::new("^(ab|cd)+x?[0-9]*$")
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

    proptest::proptest! {
        #[test]
        fn go_parse_never_panics(layout in "[-0-9A-Za-z_:. ,]{0,24}", value in "[-+0-9A-Za-z_:. ,]{0,24}") {
            let _ = go_parse(&layout, &value);
        }

        #[test]
        fn rfc3339_round_trips(secs in -62_135_596_800_i64..253_402_300_799, off in -1439_i32..1439) {
            let t = GoTime { secs, nanos: 0, offset: off * 60 };
            let text = t.rfc3339();
            let back = go_parse(RFC3339, &text).unwrap_or_else(|e| panic!("{text}: {e}"));
            proptest::prop_assert_eq!(back, t);
        }
    }
}
