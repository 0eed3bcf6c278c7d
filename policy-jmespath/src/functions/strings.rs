//! Strings (CV-16 "Strings").

use std::cmp::Ordering;

use base64::Engine as _;
use serde_json::Value;

use super::*;

pub(super) fn f_compare(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_equal_fold(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_replace(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "replace";
    let s = arg_str(f, args, 0)?;
    let old = arg_str(f, args, 1)?;
    let new = arg_str(f, args, 2)?;
    let n = go_f64_to_i64(arg_num(f, args, 3)?);
    Ok(Value::String(go_replace(f, s, old, new, n)?))
}

pub(super) fn f_replace_all(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_to_upper(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(map_simple(
        arg_str("to_upper", args, 0)?,
        true,
    )))
}

pub(super) fn f_to_lower(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(map_simple(
        arg_str("to_lower", args, 0)?,
        false,
    )))
}

pub(super) fn f_trim(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("trim", args, 0)?;
    let cutset = arg_str("trim", args, 1)?;
    Ok(Value::String(
        s.trim_matches(|c| cutset.contains(c)).to_string(),
    ))
}

pub(super) fn f_trim_prefix(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("trim_prefix", args, 0)?;
    let prefix = arg_str("trim_prefix", args, 1)?;
    Ok(Value::String(
        s.strip_prefix(prefix).unwrap_or(s).to_string(),
    ))
}

pub(super) fn f_split(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_truncate(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_base64_encode(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let s = arg_str("base64_encode", args, 0)?;
    Ok(Value::String(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

pub(super) fn f_base64_decode(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_path_canonicalize(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(clean_path(arg_str(
        "path_canonicalize",
        args,
        0,
    )?)))
}

pub(super) fn f_sha256(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use sha2::Digest as _;
    let s = arg_str("sha256", args, 0)?;
    Ok(Value::String(hex(&sha2::Sha256::digest(s.as_bytes()))))
}

pub(super) fn f_sha1(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use sha1::Digest as _;
    let s = arg_str("sha1", args, 0)?;
    Ok(Value::String(hex(&sha1::Sha1::digest(s.as_bytes()))))
}

pub(super) fn f_md5(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    use md5::Digest as _;
    let s = arg_str("md5", args, 0)?;
    Ok(Value::String(hex(&md5::Md5::digest(s.as_bytes()))))
}

pub(super) fn f_to_boolean(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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
