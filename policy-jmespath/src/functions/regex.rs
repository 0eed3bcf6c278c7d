//! Pattern and regex functions (CV-16 "Pattern / regex") over `policy_gotypes::regex`.

use policy_gotypes::regex::{compile_regex, go_regex_replace};
use serde_json::Value;

use super::*;

pub(super) fn f_regex_match(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "regex_match";
    let pattern = arg_str(f, args, 0)?;
    let value = num_text(f, args.get(1).unwrap_or(&Value::Null), 2)?;
    Ok(Value::Bool(
        compile_regex(pattern)
            .map_err(|e| err(f, e))?
            .is_match(&value),
    ))
}

fn regex_replace(f: &str, args: &[Value], literal: bool) -> Result<Value, String> {
    let pattern = arg_str(f, args, 0)?;
    let src = num_text(f, args.get(1).unwrap_or(&Value::Null), 2)?;
    let repl = num_text(f, args.get(2).unwrap_or(&Value::Null), 3)?;
    let re = compile_regex(pattern).map_err(|e| err(f, e))?;
    let out = go_regex_replace(&re, &src, &repl, literal).map_err(|e| err(f, e))?;
    Ok(Value::String(out))
}

pub(super) fn f_regex_replace_all(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    regex_replace("regex_replace_all", args, false)
}

pub(super) fn f_regex_replace_all_literal(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    regex_replace("regex_replace_all_literal", args, true)
}

pub(super) fn f_pattern_match(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_label_match(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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
