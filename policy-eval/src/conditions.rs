//! Condition blocks and operators (`conditions-and-variables.md` Part A, CV-1..CV-9):
//! preconditions, deny conditions and foreach preconditions.
//!
//! `{{ }}` substitution belongs to the variables module; [`evaluate_block`] receives it as a
//! callback so that conditions skipped by short-circuiting are never substituted (CV-2.1).

use std::cmp::Ordering;

use policy_model::policy::{AnyAllConditions, Condition, Conditions};
use policy_model::{RuleStatus, SmolStr};
use serde_json::{Number, Value};

use crate::label::RuleLabel;
use crate::pattern;
use policy_gotypes::duration::parse_go_duration;
use policy_gotypes::gofmt;
use policy_gotypes::quantity::Quantity;
use policy_model::wildcard;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

// ------------------------------------------------------------------------------------------
// Blocks (CV-1, CV-2)
// ------------------------------------------------------------------------------------------

/// Result of evaluating a condition block (CV-2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlockOutcome {
    /// Whether the block holds.
    pub passed: bool,
    /// The non-empty `message` fields that explain the result (CV-2.5), unsubstituted.
    pub messages: Vec<String>,
    /// Whether the block was written in the legacy list form (messages join with `;`).
    pub legacy: bool,
}

impl BlockOutcome {
    /// The messages joined as Kyverno joins them (CV-2.5): `"; "`, or `";"` for the legacy
    /// list form.
    pub(crate) fn joined_messages(&self) -> String {
        self.messages.join(if self.legacy { ";" } else { "; " })
    }
}

/// CV-4.1: prepares a condition key or value. Strings, arrays and objects go through the
/// caller's `{{ }}` substitution; non-string scalars are normalized through a JSON round trip,
/// so every number becomes a float (P-0.1).
pub(crate) fn prepare(
    raw: &Value,
    substitute: &mut dyn FnMut(&Value) -> Result<Value, String>,
) -> Result<Value, String> {
    match raw {
        Value::Number(n) => Ok(n.as_f64().map_or(Value::Null, Value::from)),
        Value::Bool(_) | Value::Null => Ok(raw.clone()),
        Value::String(_) | Value::Array(_) | Value::Object(_) => substitute(raw),
    }
}

/// Evaluates one condition: key, then value, then the operator (CV-2.4, CV-14.7).
fn evaluate_condition(
    cond: &Condition,
    substitute: &mut dyn FnMut(&Value) -> Result<Value, String>,
) -> Result<bool, String> {
    let key = prepare(&cond.key, substitute)?;
    let value = prepare(cond.value.as_ref().unwrap_or(&Value::Null), substitute)?;
    evaluate_operator(&cond.operator, &key, &value)
}

fn push_message(messages: &mut Vec<String>, cond: &Condition) {
    if let Some(m) = cond.message.as_deref().filter(|m| !m.is_empty()) {
        messages.push(m.to_owned());
    }
}

/// Evaluates a condition block (CV-2.1..CV-2.5). An `Err` is the whole block failing to
/// evaluate (substitution error or unknown operator, CV-2.4).
pub(crate) fn evaluate_block(
    conditions: &Conditions,
    substitute: &mut dyn FnMut(&Value) -> Result<Value, String>,
) -> Result<BlockOutcome, String> {
    match conditions {
        Conditions::AnyAll(block) => {
            let mut true_msgs = Vec::new();
            let mut false_msgs = Vec::new();
            // CV-2.1 step 1: absent `any` is true; present (even empty) needs one true.
            let any_result = match &block.any {
                None => true,
                Some(conds) => {
                    let mut found = false;
                    for c in conds {
                        if evaluate_condition(c, substitute)? {
                            push_message(&mut true_msgs, c);
                            found = true;
                            break;
                        }
                        push_message(&mut false_msgs, c);
                    }
                    found
                }
            };
            // CV-2.1 step 2: `all` is evaluated even when `any` already failed.
            let mut all_result = true;
            for c in block.all.iter().flatten() {
                if evaluate_condition(c, substitute)? {
                    push_message(&mut true_msgs, c);
                } else {
                    push_message(&mut false_msgs, c);
                    all_result = false;
                    break;
                }
            }
            let passed = any_result && all_result;
            // CV-2.5: true → messages of true conditions; false → of the false ones.
            let messages = if passed { true_msgs } else { false_msgs };
            Ok(BlockOutcome {
                passed,
                messages,
                legacy: false,
            })
        }
        Conditions::List(conds) => {
            // CV-2.3: like `all`; CV-2.5: only the first false message on failure.
            let mut true_msgs = Vec::new();
            for c in conds {
                if !evaluate_condition(c, substitute)? {
                    let mut messages = Vec::new();
                    push_message(&mut messages, c);
                    return Ok(BlockOutcome {
                        passed: false,
                        messages,
                        legacy: true,
                    });
                }
                push_message(&mut true_msgs, c);
            }
            Ok(BlockOutcome {
                passed: true,
                messages: true_msgs,
                legacy: true,
            })
        }
    }
}

/// CV-1.4 / CV-2.2: a missing block is an empty any/all block, which holds.
pub(crate) fn evaluate_optional_block(
    conditions: Option<&Conditions>,
    substitute: &mut dyn FnMut(&Value) -> Result<Value, String>,
) -> Result<BlockOutcome, String> {
    match conditions {
        Some(c) => evaluate_block(c, substitute),
        None => Ok(BlockOutcome {
            passed: true,
            messages: Vec::new(),
            legacy: false,
        }),
    }
}

/// CV-2.6: PolicyException `conditions`: `all` first (first false → false), then `any` (first
/// true → true); an `any` without conditions holds, otherwise the result is false. Errors
/// are returned; the caller makes the exception not apply.
pub(crate) fn evaluate_exception_block(
    block: &AnyAllConditions,
    substitute: &mut dyn FnMut(&Value) -> Result<Value, String>,
) -> Result<bool, String> {
    for c in block.all.iter().flatten() {
        if !evaluate_condition(c, substitute)? {
            return Ok(false);
        }
    }
    let any = block.any.as_deref().unwrap_or(&[]);
    if any.is_empty() {
        return Ok(true);
    }
    for c in any {
        if evaluate_condition(c, substitute)? {
            return Ok(true);
        }
    }
    Ok(false)
}

// ------------------------------------------------------------------------------------------
// What a block does to the rule (CV-3)
// ------------------------------------------------------------------------------------------

/// CV-3.1: `None` when the rule continues; otherwise the rule's `skip` or `error` response.
pub(crate) fn preconditions_response(
    result: &Result<BlockOutcome, String>,
) -> Option<(RuleStatus, SmolStr)> {
    match result {
        Ok(o) if o.passed => None,
        Ok(o) => {
            let mut msg = "preconditions not met".to_owned();
            if !o.messages.is_empty() {
                msg.push_str("; ");
                msg.push_str(&o.joined_messages());
            }
            Some((RuleStatus::Skip, msg.into()))
        }
        Err(e) => Some((
            RuleStatus::Error,
            format!("failed to evaluate preconditions: {e}").into(),
        )),
    }
}

/// CV-3.2 / CV-3.3: the rule response of `validate.deny` for rule `rule` with optional
/// `validate.message` (unsubstituted); `substitute` resolves `{{ }}` in the joined message.
pub(crate) fn deny_response(
    rule: &RuleLabel,
    validate_message: Option<&str>,
    result: &Result<BlockOutcome, String>,
    substitute: &mut dyn FnMut(&Value) -> Result<Value, String>,
) -> (RuleStatus, SmolStr) {
    let outcome = match result {
        Err(e) => {
            return (
                RuleStatus::Error,
                format!("failed to check deny conditions: {e}").into(),
            );
        }
        Ok(o) if !o.passed => return (RuleStatus::Pass, rule.passed()),
        Ok(o) => o,
    };
    // CV-3.3: `validate.message` first, then the true-condition messages.
    let mut parts: Vec<&str> = Vec::new();
    if let Some(m) = validate_message.filter(|m| !m.is_empty()) {
        parts.push(m);
    }
    parts.extend(outcome.messages.iter().map(String::as_str));
    if parts.is_empty() {
        return (
            RuleStatus::Fail,
            format!("validation error: rule {rule} failed").into(),
        );
    }
    let joined = parts.join("; ");
    let msg = match substitute(&Value::String(joined)) {
        Ok(Value::String(s)) => s,
        Ok(_) => "the produced message didn't resolve to a string, check your policy definition."
            .to_owned(),
        Err(_) => outcome.messages.join("; "),
    };
    (RuleStatus::Fail, msg.into())
}

// ------------------------------------------------------------------------------------------
// Operator dispatch (CV-5)
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ordop {
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
}

impl Ordop {
    fn holds(self, ord: Ordering) -> bool {
        match self {
            Ordop::Greater => ord == Ordering::Greater,
            Ordop::GreaterEqual => ord != Ordering::Less,
            Ordop::Less => ord == Ordering::Less,
            Ordop::LessEqual => ord != Ordering::Greater,
        }
    }
}

/// Evaluates `operator` on a prepared key and value (CV-5..CV-9). `Err` only for an unknown
/// operator (CV-5.1).
pub(crate) fn evaluate_operator(
    operator: &str,
    key: &Value,
    value: &Value,
) -> Result<bool, String> {
    // CV-5.1: case-insensitive dispatch.
    let lower = operator.to_ascii_lowercase();
    // CV-5.2: numeric and duration handlers compare the original text with the exact
    // CamelCase name; any other spelling dispatches but evaluates to false.
    let exact = |camel: &str| operator == camel;
    Ok(match lower.as_str() {
        "equals" | "equal" => equals(key, value),
        "notequals" | "notequal" => not_equals(key, value),
        "in" => in_op(key, value),
        "notin" => not_in(key, value),
        "anyin" => any_in(key, value),
        "allin" => all_in(key, value),
        "anynotin" => any_not_in(key, value),
        "allnotin" => all_not_in(key, value),
        "greaterthan" => exact("GreaterThan") && ordering(key, value, Ordop::Greater),
        "greaterthanorequals" => {
            exact("GreaterThanOrEquals") && ordering(key, value, Ordop::GreaterEqual)
        }
        "lessthan" => exact("LessThan") && ordering(key, value, Ordop::Less),
        "lessthanorequals" => exact("LessThanOrEquals") && ordering(key, value, Ordop::LessEqual),
        "durationgreaterthan" => {
            exact("DurationGreaterThan") && duration_op(key, value, Ordop::Greater)
        }
        "durationgreaterthanorequals" => {
            exact("DurationGreaterThanOrEquals") && duration_op(key, value, Ordop::GreaterEqual)
        }
        "durationlessthan" => exact("DurationLessThan") && duration_op(key, value, Ordop::Less),
        "durationlessthanorequals" => {
            exact("DurationLessThanOrEquals") && duration_op(key, value, Ordop::LessEqual)
        }
        _ => return Err("failed to create handler for condition operator".to_owned()),
    })
}

// ------------------------------------------------------------------------------------------
// Shared coercions (CV-6)
// ------------------------------------------------------------------------------------------

/// A number with its flavour (P-0.1).
#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i64),
    Float(f64),
}

fn num(n: &Number) -> Num {
    match n.as_i64() {
        Some(i) if !n.is_f64() => Num::Int(i),
        _ => Num::Float(n.as_f64().unwrap_or(0.0)),
    }
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// A string that parses as a Go duration and is not the literal `"0"` (CV-6.1), in nanos.
fn duration_string(v: &Value) -> Option<i128> {
    match v {
        Value::String(s) if s != "0" => parse_go_duration(s),
        _ => None,
    }
}

/// A number read as whole seconds (a float truncated toward zero first), in nanos (CV-6.1).
fn number_seconds(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => Some(
            match num(n) {
                Num::Int(i) => i128::from(i),
                // Saturating float→int conversion; `trunc` is the documented truncation.
                Num::Float(f) => f.trunc() as i128,
            }
            .saturating_mul(NANOS_PER_SECOND),
        ),
        _ => None,
    }
}

/// Rule D (CV-6.1): both sides as nanoseconds when it applies.
fn rule_d(k: &Value, v: &Value) -> Option<(i128, i128)> {
    match (duration_string(k), duration_string(v)) {
        (Some(a), Some(b)) => Some((a, b)),
        (Some(a), None) => number_seconds(v).map(|b| (a, b)),
        (None, Some(b)) => number_seconds(k).map(|a| (a, b)),
        (None, None) => None,
    }
}

/// Rule Q (CV-6.2): both strings parse as quantities.
fn rule_q(k: &Value, v: &Value) -> Option<Ordering> {
    let (Value::String(a), Value::String(b)) = (k, v) else {
        return None;
    };
    Some(Quantity::parse(a)?.cmp_value(&Quantity::parse(b)?))
}

/// Integer vs float equality: only an integral float can equal an integer (CV-7).
fn int_float_eq(i: i64, f: f64) -> bool {
    f.fract() == 0.0 && f == i as f64
}

fn num_eq(a: Num, b: Num) -> bool {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => x == y,
        (Num::Int(i), Num::Float(f)) | (Num::Float(f), Num::Int(i)) => int_float_eq(i, f),
        (Num::Float(x), Num::Float(y)) => x == y,
    }
}

// ------------------------------------------------------------------------------------------
// Equals / NotEquals (CV-7)
// ------------------------------------------------------------------------------------------

/// `Equals` (CV-7 table).
fn equals(k: &Value, v: &Value) -> bool {
    match k {
        Value::Bool(a) => v.as_bool() == Some(*a),
        Value::Number(n) => match (num(n), v) {
            (kn, Value::Number(m)) => num_eq(kn, num(m)),
            (Num::Int(i), Value::String(s)) => gofmt::parse_int(s) == Some(i),
            (Num::Float(f), Value::String(s)) => gofmt::parse_float(s) == Some(f),
            _ => false,
        },
        Value::String(ks) => {
            if let Some((a, b)) = rule_d(k, v) {
                return a == b;
            }
            if let (Some(kq), Value::String(vs)) = (Quantity::parse(ks), v) {
                return Quantity::parse(vs).is_some_and(|vq| kq.cmp_value(&vq) == Ordering::Equal);
            }
            match v {
                // The wildcard is on the value side.
                Value::String(vs) => wildcard::matches(vs, ks),
                _ => false,
            }
        }
        // CV-7.1: deep equality is type-exact (serde_json keeps integer and float apart).
        Value::Object(_) => v.is_object() && k == v,
        Value::Array(_) => v.is_array() && k == v,
        Value::Null => false,
    }
}

/// `NotEquals` (CV-7 table) — not the plain negation of [`equals`].
fn not_equals(k: &Value, v: &Value) -> bool {
    match k {
        Value::Bool(a) => v.as_bool() != Some(*a),
        Value::Number(n) => match (num(n), v) {
            (kn, Value::Number(m)) => !num_eq(kn, num(m)),
            (Num::Int(i), Value::String(s)) => gofmt::parse_int(s) != Some(i),
            (Num::Float(f), Value::String(s)) => gofmt::parse_float(s) != Some(f),
            _ => true,
        },
        Value::String(ks) => {
            if let Some((a, b)) = rule_d(k, v) {
                return a != b;
            }
            if let (Some(kq), Value::String(vs)) = (Quantity::parse(ks), v) {
                return match Quantity::parse(vs) {
                    Some(vq) => kq.cmp_value(&vq) != Ordering::Equal,
                    // `""` and unparsable values are "not equal".
                    None => true,
                };
            }
            match v {
                Value::String(vs) => !wildcard::matches(vs, ks),
                _ => true,
            }
        }
        Value::Object(_) => !v.is_object() || k != v,
        Value::Array(_) => !v.is_array() || k != v,
        Value::Null => false,
    }
}

// ------------------------------------------------------------------------------------------
// Membership (CV-8)
// ------------------------------------------------------------------------------------------

/// Why a membership operand could not be interpreted; every operator turns it into `false`.
struct Invalid;

type Tri = Result<bool, Invalid>;

/// The text of a scalar key (CV-8): strings as is, numbers and booleans via `str()`.
fn scalar_key_text(k: &Value) -> Option<String> {
    match k {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(gofmt::sprint(k)),
        _ => None,
    }
}

/// A string as a JSON string array (Go `json.Unmarshal` into `[]string`): `Err` when it is not
/// JSON, `Ok(None)` when it is JSON but not a string array. JSON `null` decodes to an empty
/// array, as in Go.
fn json_string_array(s: &str) -> Result<Option<Vec<String>>, ()> {
    let parsed: Value = serde_json::from_str(s).map_err(|_| ())?;
    Ok(match parsed {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => None,
    })
}

/// Wildcards both ways (CV-8.1, CV-8.3).
fn wm_both(a: &str, b: &str) -> bool {
    wildcard::matches(a, b) || wildcard::matches(b, a)
}

/// Items of an array that must all be strings (In/NotIn, CV-8.1).
fn string_items(items: &[Value]) -> Result<Vec<&str>, Invalid> {
    items.iter().map(|i| i.as_str().ok_or(Invalid)).collect()
}

/// `In` (CV-8.1).
fn in_tri(k: &Value, v: &Value) -> Tri {
    if let Value::Array(keys) = k {
        let keys = string_items(keys)?;
        return match v {
            Value::Array(vals) => {
                let vals = string_items(vals)?;
                Ok(keys.iter().all(|k| vals.contains(k)))
            }
            Value::String(vs) => {
                if keys.len() == 1 && keys.first() == Some(&vs.as_str()) {
                    return Ok(true);
                }
                let vals = json_string_array(vs).ok().flatten().ok_or(Invalid)?;
                Ok(keys.iter().all(|k| vals.iter().any(|v| v == k)))
            }
            _ => Err(Invalid),
        };
    }
    let Some(kt) = scalar_key_text(k) else {
        return Ok(false);
    };
    match v {
        Value::Array(vals) => Ok(vals.iter().any(|e| wm_both(&gofmt::sprint(e), &kt))),
        Value::String(vs) => {
            if wildcard::matches(vs, &kt) {
                return Ok(true);
            }
            let vals = json_string_array(vs).ok().flatten().ok_or(Invalid)?;
            Ok(vals.contains(&kt))
        }
        _ => Err(Invalid),
    }
}

fn in_op(k: &Value, v: &Value) -> bool {
    in_tri(k, v).unwrap_or(false)
}

/// `NotIn` (CV-8.2).
fn not_in(k: &Value, v: &Value) -> bool {
    let Value::Array(keys) = k else {
        return match in_tri(k, v) {
            Ok(b) => scalar_key_text(k).is_some() && !b,
            Err(Invalid) => false,
        };
    };
    let Ok(keys) = string_items(keys) else {
        return false;
    };
    let vals: Vec<String> = match v {
        Value::Array(vals) => match string_items(vals) {
            Ok(vals) => vals.into_iter().map(str::to_owned).collect(),
            Err(Invalid) => return false,
        },
        Value::String(vs) => {
            // Same shortcut as `In`, so K = [V] is "not in" (Kyverno quirk).
            if keys.len() == 1 && keys.first() == Some(&vs.as_str()) {
                return true;
            }
            match json_string_array(vs) {
                Ok(Some(vals)) => vals,
                _ => return false,
            }
        }
        _ => return false,
    };
    keys.iter().any(|k| !vals.iter().any(|v| v == k))
}

/// The value side of AnyIn/AllIn/AnyNotIn/AllNotIn with an array key (CV-8.3..CV-8.6).
enum ArraySide {
    /// `K = [V]` shortcut.
    SameAsKey,
    /// An in-range expression `a-b`.
    Range(String),
    /// Items to match with wildcards both ways.
    Items(Vec<String>),
}

/// Interprets V for an array key. `numbers_as_item`: numbers/booleans become `[str(V)]`
/// (AnyIn, AnyNotIn) instead of being invalid (AllIn, AllNotIn).
fn array_side(keys: &[String], v: &Value, numbers_as_item: bool) -> Result<ArraySide, Invalid> {
    match v {
        Value::Array(vals) => Ok(ArraySide::Items(vals.iter().map(gofmt::sprint).collect())),
        Value::Number(_) | Value::Bool(_) if numbers_as_item => {
            Ok(ArraySide::Items(vec![gofmt::sprint(v)]))
        }
        Value::String(vs) => {
            if keys.len() == 1 && keys.first() == Some(vs) {
                return Ok(ArraySide::SameAsKey);
            }
            if pattern::is_in_range_expression(vs) {
                return Ok(ArraySide::Range(vs.clone()));
            }
            match json_string_array(vs) {
                Ok(Some(vals)) => Ok(ArraySide::Items(vals)),
                // Valid JSON that is not a string array.
                Ok(None) => Err(Invalid),
                // Not JSON: the one-item array `[V]`.
                Err(()) => Ok(ArraySide::Items(vec![vs.clone()])),
            }
        }
        _ => Err(Invalid),
    }
}

/// AnyIn with a scalar key (CV-8.3); also AllIn's scalar case (CV-8.4).
fn any_in_scalar(k: &Value, kt: &str, v: &Value) -> Tri {
    match v {
        Value::Array(vals) => Ok(vals.iter().any(|e| wm_both(&gofmt::sprint(e), kt))),
        Value::String(vs) => {
            // (a) wildcard in V.
            if wildcard::matches(vs, kt) {
                return Ok(true);
            }
            // (b) in-range expression applied as a pattern term.
            if pattern::is_in_range_expression(vs) {
                return Ok(pattern::term_matches(vs, k));
            }
            // (c) JSON must be a string array; (d) not JSON → false.
            match json_string_array(vs) {
                Ok(Some(vals)) => Ok(vals.iter().any(|v| v == kt)),
                Ok(None) => Err(Invalid),
                Err(()) => Ok(false),
            }
        }
        _ => Err(Invalid),
    }
}

/// Array key items, `str`-rendered, paired with the original items (for range terms).
fn key_items(keys: &[Value]) -> Vec<String> {
    keys.iter().map(gofmt::sprint).collect()
}

/// `AnyIn` (CV-8.3).
fn any_in(k: &Value, v: &Value) -> bool {
    match k {
        Value::Array(keys) => {
            let texts = key_items(keys);
            match array_side(&texts, v, true) {
                Ok(ArraySide::SameAsKey) => true,
                Ok(ArraySide::Range(r)) => keys.iter().any(|i| pattern::term_matches(&r, i)),
                Ok(ArraySide::Items(vals)) => {
                    texts.iter().any(|k| vals.iter().any(|v| wm_both(k, v)))
                }
                Err(Invalid) => false,
            }
        }
        _ => match scalar_key_text(k) {
            Some(kt) => any_in_scalar(k, &kt, v).unwrap_or(false),
            None => false,
        },
    }
}

/// `AllIn` (CV-8.4).
fn all_in(k: &Value, v: &Value) -> bool {
    match k {
        Value::Array(keys) => {
            let texts = key_items(keys);
            match array_side(&texts, v, false) {
                Ok(ArraySide::SameAsKey) => true,
                Ok(ArraySide::Range(r)) => keys.iter().all(|i| pattern::term_matches(&r, i)),
                Ok(ArraySide::Items(vals)) => {
                    texts.iter().all(|k| vals.iter().any(|v| wm_both(k, v)))
                }
                Err(Invalid) => false,
            }
        }
        _ => match scalar_key_text(k) {
            Some(kt) => any_in_scalar(k, &kt, v).unwrap_or(false),
            None => false,
        },
    }
}

/// The not-in-range term for a range `a-b`: the first `-` replaced by `!-` (CV-8.5).
fn not_in_range_term(r: &str) -> String {
    r.replacen('-', "!-", 1)
}

/// `AnyNotIn` (CV-8.5).
fn any_not_in(k: &Value, v: &Value) -> bool {
    match k {
        Value::Array(keys) => {
            let texts = key_items(keys);
            match array_side(&texts, v, true) {
                Ok(ArraySide::SameAsKey) | Err(Invalid) => false,
                Ok(ArraySide::Range(r)) => {
                    let term = not_in_range_term(&r);
                    keys.iter().any(|i| pattern::term_matches(&term, i))
                }
                Ok(ArraySide::Items(vals)) => {
                    texts.iter().any(|k| !vals.iter().any(|v| wm_both(k, v)))
                }
            }
        }
        _ => match scalar_key_text(k) {
            Some(kt) => any_in_scalar(k, &kt, v).is_ok_and(|b| !b),
            None => false,
        },
    }
}

/// `AllNotIn` (CV-8.6).
fn all_not_in(k: &Value, v: &Value) -> bool {
    match k {
        Value::Array(keys) => {
            let texts = key_items(keys);
            match array_side(&texts, v, false) {
                Ok(ArraySide::SameAsKey) | Err(Invalid) => false,
                Ok(ArraySide::Range(r)) => !keys.iter().any(|i| pattern::term_matches(&r, i)),
                Ok(ArraySide::Items(vals)) => {
                    !texts.iter().any(|k| vals.iter().any(|v| wm_both(k, v)))
                }
            }
        }
        _ => match scalar_key_text(k) {
            Some(kt) => any_in_scalar(k, &kt, v).is_ok_and(|b| !b),
            None => false,
        },
    }
}

// ------------------------------------------------------------------------------------------
// Ordering (CV-9)
// ------------------------------------------------------------------------------------------

/// Numeric key against V (the "integer / float" row of CV-9.1).
fn ordering_number(kn: Num, k: &Value, v: &Value, op: Ordop) -> bool {
    let kf = kn.as_f64();
    let vf = match v {
        Value::Number(m) => num(m).as_f64(),
        Value::String(s) => {
            if let Some((a, b)) = rule_d(k, v) {
                return op.holds(a.cmp(&b));
            }
            match gofmt::parse_float(s).or_else(|| gofmt::parse_int(s).map(|i| i as f64)) {
                Some(f) => f,
                None => return false,
            }
        }
        _ => return false,
    };
    kf.partial_cmp(&vf).is_some_and(|o| op.holds(o))
}

/// GreaterThan / GreaterThanOrEquals / LessThan / LessThanOrEquals (CV-9.1).
fn ordering(k: &Value, v: &Value, op: Ordop) -> bool {
    match k {
        Value::Number(n) => ordering_number(num(n), k, v, op),
        Value::String(ks) => {
            if let Some((a, b)) = rule_d(k, v) {
                return op.holds(a.cmp(&b));
            }
            if let Some(o) = rule_q(k, v) {
                return op.holds(o);
            }
            if let Some(f) = gofmt::parse_float(ks) {
                return ordering_number(Num::Float(f), k, v, op);
            }
            if let Some(kv) = SemVer::parse(ks) {
                return match v {
                    Value::String(vs) => SemVer::parse(vs).is_some_and(|vv| op.holds(kv.cmp(&vv))),
                    _ => false,
                };
            }
            false
        }
        _ => false,
    }
}

/// One side of a Duration* operator (CV-9.3), in nanoseconds.
fn duration_side(v: &Value) -> Option<i128> {
    match v {
        Value::String(s) => parse_go_duration(s),
        _ => number_seconds(v),
    }
}

/// DurationGreaterThan / ... (CV-9.3).
fn duration_op(k: &Value, v: &Value, op: Ordop) -> bool {
    match (duration_side(k), duration_side(v)) {
        (Some(a), Some(b)) => op.holds(a.cmp(&b)),
        _ => false,
    }
}

/// A strict semantic version `MAJOR.MINOR.PATCH[-pre][+build]` (CV-9.1), compared by
/// semver 2.0 precedence (build metadata ignored).
#[derive(Debug, PartialEq, Eq)]
struct SemVer {
    core: [u64; 3],
    pre: Vec<PreId>,
}

#[derive(Debug, PartialEq, Eq)]
enum PreId {
    Num(u64),
    Alpha(String),
}

impl SemVer {
    fn parse(s: &str) -> Option<Self> {
        let (rest, build) = match s.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (s, None),
        };
        if let Some(b) = build
            && b.split('.')
                .any(|id| id.is_empty() || !id.bytes().all(is_ident_byte))
        {
            return None;
        }
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (rest, None),
        };
        let mut nums = core.split('.');
        let mut next = || nums.next().and_then(numeric_id);
        let core_nums = [next()?, next()?, next()?];
        if nums.next().is_some() {
            return None;
        }
        let pre = match pre {
            None => Vec::new(),
            Some(p) => p
                .split('.')
                .map(|id| {
                    if id.is_empty() || !id.bytes().all(is_ident_byte) {
                        None
                    } else if id.bytes().all(|b| b.is_ascii_digit()) {
                        numeric_id(id).map(PreId::Num)
                    } else {
                        Some(PreId::Alpha(id.to_owned()))
                    }
                })
                .collect::<Option<Vec<_>>>()?,
        };
        Some(Self {
            core: core_nums,
            pre,
        })
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// A numeric identifier: digits, no leading zero (except `0` itself).
fn numeric_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        self.core
            .cmp(&other.core)
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A pre-release sorts before the release.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let o = match (a, b) {
                            (PreId::Num(x), PreId::Num(y)) => x.cmp(y),
                            (PreId::Num(_), PreId::Alpha(_)) => Ordering::Less,
                            (PreId::Alpha(_), PreId::Num(_)) => Ordering::Greater,
                            (PreId::Alpha(x), PreId::Alpha(y)) => x.cmp(y),
                        };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str) -> RuleLabel {
        RuleLabel::new(name, 0)
    }
    use serde_json::json;

    /// One operator row: `key operator value → expect`.
    fn check(key: Value, op: &str, value: Value, expect: bool) {
        let got = evaluate_operator(op, &key, &value).unwrap();
        assert_eq!(got, expect, "{key} {op} {value}");
    }

    /// A fake substitution: `"{{name}}"` looks `name` up in `vars`, any `{{fail}}` errors, other
    /// values are returned unchanged. Counts calls.
    struct Fake {
        vars: Vec<(&'static str, Value)>,
        calls: usize,
    }

    impl Fake {
        fn new(vars: Vec<(&'static str, Value)>) -> Self {
            Self { vars, calls: 0 }
        }

        fn sub(&mut self, v: &Value) -> Result<Value, String> {
            self.calls += 1;
            let Some(s) = v.as_str() else {
                return Ok(v.clone());
            };
            if s.contains("{{fail}}") {
                return Err("boom".to_owned());
            }
            let Some(name) = s.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) else {
                return Ok(v.clone());
            };
            self.vars
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| format!("unknown {name}"))
        }
    }

    fn block(v: Value) -> Conditions {
        serde_json::from_value(v).unwrap()
    }

    fn eval(v: Value, fake: &mut Fake) -> Result<BlockOutcome, String> {
        evaluate_block(&block(v), &mut |x: &Value| fake.sub(x))
    }

    fn cond(key: Value, op: &str, value: Value, msg: &str) -> Value {
        json!({"key": key, "operator": op, "value": value, "message": msg})
    }

    // ---- CV-1 shapes ----

    #[test]
    fn cv_1_1_condition_fields() {
        // CV-1.1: key/value of any JSON type, optional message.
        let mut f = Fake::new(vec![]);
        let out = eval(
            json!([cond(json!({"a": 1}), "Equals", json!({"a": 1}), "m")]),
            &mut f,
        )
        .unwrap();
        assert!(out.passed);
        assert_eq!(out.messages, ["m"]);
        let out = eval(
            json!([{"key": "a", "operator": "Equals", "value": "a"}]),
            &mut f,
        )
        .unwrap();
        assert!(out.passed && out.messages.is_empty());
    }

    #[test]
    fn cv_1_2_both_forms() {
        // CV-1.2: any/all form and legacy list form.
        let mut f = Fake::new(vec![]);
        assert!(
            eval(
                json!({"all": [cond(json!("a"), "Equals", json!("a"), "")]}),
                &mut f
            )
            .unwrap()
            .passed
        );
        assert!(
            !eval(json!([cond(json!("a"), "Equals", json!("b"), "")]), &mut f)
                .unwrap()
                .passed
        );
    }

    #[test]
    fn cv_1_4_missing_block_is_true() {
        // CV-1.4 / CV-2.2: a missing block holds.
        let mut f = Fake::new(vec![]);
        let out = evaluate_optional_block(None, &mut |x: &Value| f.sub(x)).unwrap();
        assert!(out.passed);
    }

    // ---- CV-2 block evaluation ----

    #[test]
    fn cv_2_1_any_all_order_and_short_circuit() {
        let mut f = Fake::new(vec![]);
        // Step 1: stop at the first true `any`; the failing substitution after it is never run.
        let out = eval(
            json!({"any": [
                cond(json!("a"), "Equals", json!("a"), "first"),
                cond(json!("{{fail}}"), "Equals", json!("x"), "never")
            ]}),
            &mut f,
        )
        .unwrap();
        assert!(out.passed);
        // Empty `any` is false; absent `any` is true.
        assert!(!eval(json!({"any": []}), &mut f).unwrap().passed);
        assert!(eval(json!({"all": []}), &mut f).unwrap().passed);
        // Step 2: `all` is evaluated even when `any` is already false (its error surfaces).
        let err = eval(
            json!({"any": [cond(json!("a"), "Equals", json!("b"), "")],
                   "all": [cond(json!("{{fail}}"), "Equals", json!("x"), "")]}),
            &mut f,
        );
        assert_eq!(err, Err("boom".to_owned()));
        // `all` stops at the first false.
        let out = eval(
            json!({"all": [
                cond(json!("a"), "Equals", json!("b"), "stop"),
                cond(json!("{{fail}}"), "Equals", json!("x"), "never")
            ]}),
            &mut f,
        )
        .unwrap();
        assert!(!out.passed);
        // Step 3: both must hold.
        let out = eval(
            json!({"any": [cond(json!("a"), "Equals", json!("a"), "")],
                   "all": [cond(json!("a"), "Equals", json!("b"), "")]}),
            &mut f,
        )
        .unwrap();
        assert!(!out.passed);
    }

    #[test]
    fn cv_2_2_empty_block() {
        // CV-2.2
        let mut f = Fake::new(vec![]);
        assert!(eval(json!({}), &mut f).unwrap().passed);
    }

    #[test]
    fn cv_2_3_legacy_list() {
        // CV-2.3: like `all`, empty list true, stop at first false.
        let mut f = Fake::new(vec![]);
        assert!(eval(json!([]), &mut f).unwrap().passed);
        let out = eval(
            json!([
                cond(json!("a"), "Equals", json!("b"), ""),
                cond(json!("{{fail}}"), "Equals", json!(""), "")
            ]),
            &mut f,
        )
        .unwrap();
        assert!(!out.passed);
    }

    #[test]
    fn cv_2_4_errors() {
        // CV-2.4: substitution errors of key or value, and unknown operators, fail the block.
        let mut f = Fake::new(vec![]);
        assert!(
            eval(
                json!([cond(json!("{{fail}}"), "Equals", json!("a"), "")]),
                &mut f
            )
            .is_err()
        );
        assert!(
            eval(
                json!([cond(json!("a"), "Equals", json!("{{fail}}"), "")]),
                &mut f
            )
            .is_err()
        );
        assert_eq!(
            eval(json!([cond(json!("a"), "Bogus", json!("a"), "")]), &mut f),
            Err("failed to create handler for condition operator".to_owned())
        );
    }

    #[test]
    fn cv_2_5_messages() {
        let mut f = Fake::new(vec![]);
        // True: true-condition messages, only the first true `any`.
        let out = eval(
            json!({"any": [
                cond(json!("a"), "Equals", json!("b"), "f1"),
                cond(json!("a"), "Equals", json!("a"), "t1"),
                cond(json!("a"), "Equals", json!("a"), "t2")
            ], "all": [cond(json!("a"), "Equals", json!("a"), "t3"), cond(json!("a"), "Equals", json!("a"), "")]}),
            &mut f,
        )
        .unwrap();
        assert!(out.passed);
        assert_eq!(out.joined_messages(), "t1; t3");
        // False: false messages of evaluated conditions.
        let out = eval(
            json!({"any": [cond(json!("a"), "Equals", json!("b"), "f1"), cond(json!("a"), "Equals", json!("c"), "f2")],
                   "all": [cond(json!("a"), "Equals", json!("a"), "t"), cond(json!("a"), "Equals", json!("z"), "f3")]}),
            &mut f,
        )
        .unwrap();
        assert!(!out.passed);
        assert_eq!(out.joined_messages(), "f1; f2; f3");
        // Legacy list: true → all messages joined with ";"; false → only the first false.
        let out = eval(
            json!([
                cond(json!("a"), "Equals", json!("a"), "x"),
                cond(json!("b"), "Equals", json!("b"), "y")
            ]),
            &mut f,
        )
        .unwrap();
        assert_eq!(out.joined_messages(), "x;y");
        let out = eval(
            json!([
                cond(json!("a"), "Equals", json!("a"), "x"),
                cond(json!("b"), "Equals", json!("c"), "y")
            ]),
            &mut f,
        )
        .unwrap();
        assert_eq!(out.messages, ["y"]);
    }

    #[test]
    fn cv_2_6_exception_evaluator() {
        // CV-2.6: all first, then any; an `any` without conditions holds.
        let mut f = Fake::new(vec![]);
        let t = cond(json!("a"), "Equals", json!("a"), "");
        let fl = cond(json!("a"), "Equals", json!("b"), "");
        let run = |v: Value, f: &mut Fake| {
            let b: AnyAllConditions = serde_json::from_value(v).unwrap();
            evaluate_exception_block(&b, &mut |x: &Value| f.sub(x))
        };
        assert_eq!(run(json!({}), &mut f), Ok(true));
        assert_eq!(run(json!({"all": [t.clone()]}), &mut f), Ok(true));
        assert_eq!(
            run(json!({"all": [fl.clone()], "any": [t.clone()]}), &mut f),
            Ok(false)
        );
        assert_eq!(
            run(json!({"any": [fl.clone(), t.clone()]}), &mut f),
            Ok(true)
        );
        assert_eq!(run(json!({"any": [fl.clone()]}), &mut f), Ok(false));
        assert_eq!(run(json!({"any": []}), &mut f), Ok(true));
        assert!(
            run(
                json!({"all": [cond(json!("{{fail}}"), "Equals", json!(""), "")]}),
                &mut f
            )
            .is_err()
        );
    }

    // ---- CV-3 rule effects ----

    #[test]
    fn cv_3_1_preconditions() {
        assert_eq!(
            preconditions_response(&Ok(BlockOutcome {
                passed: true,
                messages: vec![],
                legacy: false
            })),
            None
        );
        assert_eq!(
            preconditions_response(&Ok(BlockOutcome {
                passed: false,
                messages: vec!["a".into(), "b".into()],
                legacy: false
            })),
            Some((RuleStatus::Skip, "preconditions not met; a; b".into()))
        );
        assert_eq!(
            preconditions_response(&Ok(BlockOutcome {
                passed: false,
                messages: vec![],
                legacy: true
            })),
            Some((RuleStatus::Skip, "preconditions not met".into()))
        );
        assert_eq!(
            preconditions_response(&Err("x".into())),
            Some((
                RuleStatus::Error,
                "failed to evaluate preconditions: x".into()
            ))
        );
    }

    #[test]
    fn cv_3_2_and_cv_3_3_deny() {
        let mut f = Fake::new(vec![("name", json!("web")), ("num", json!(1))]);
        let yes = |m: Vec<&str>| {
            Ok(BlockOutcome {
                passed: true,
                messages: m.into_iter().map(String::from).collect(),
                legacy: false,
            })
        };
        let mut sub = |x: &Value| -> Result<Value, String> {
            // Substitutes a whole-message variable only.
            f.sub(x)
        };
        // CV-3.2
        assert_eq!(
            deny_response(
                &label("r"),
                None,
                &Ok(BlockOutcome {
                    passed: false,
                    messages: vec![],
                    legacy: false
                }),
                &mut sub
            ),
            (RuleStatus::Pass, "validation rule 'r' passed.".into())
        );
        assert_eq!(
            deny_response(&label("r"), None, &Err("e".into()), &mut sub),
            (
                RuleStatus::Error,
                "failed to check deny conditions: e".into()
            )
        );
        // CV-3.3
        assert_eq!(
            deny_response(&label("r"), None, &yes(vec![]), &mut sub),
            (RuleStatus::Fail, "validation error: rule r failed".into())
        );
        assert_eq!(
            deny_response(&label("r"), Some("m"), &yes(vec!["c1"]), &mut sub),
            (RuleStatus::Fail, "m; c1".into())
        );
        assert_eq!(
            deny_response(&label("r"), Some("{{name}}"), &yes(vec![]), &mut sub),
            (RuleStatus::Fail, "web".into())
        );
        assert_eq!(
            deny_response(&label("r"), Some("{{num}}"), &yes(vec![]), &mut sub).1,
            "the produced message didn't resolve to a string, check your policy definition."
        );
        assert_eq!(
            deny_response(&label("r"), Some("{{fail}}"), &yes(vec!["c1"]), &mut sub).1,
            "c1"
        );
    }

    // ---- CV-4 preparation ----

    #[test]
    fn cv_4_prepare() {
        let mut f = Fake::new(vec![("obj", json!({"a": 1})), ("n", json!(3.0))]);
        let mut sub = |x: &Value| f.sub(x);
        // CV-4.1: non-string scalars through a JSON round trip: numbers become floats.
        let p = prepare(&json!(5), &mut sub).unwrap();
        assert!(p.as_number().unwrap().is_f64());
        assert_eq!(prepare(&json!(true), &mut sub).unwrap(), json!(true));
        assert_eq!(prepare(&Value::Null, &mut sub).unwrap(), Value::Null);
        // Arrays keep literal flavour (substitution walks them).
        let arr = prepare(&json!([1, "x"]), &mut sub).unwrap();
        assert!(!arr[0].as_number().unwrap().is_f64());
        // CV-4.2: a whole-string variable keeps its JSON type.
        assert_eq!(
            prepare(&json!("{{obj}}"), &mut sub).unwrap(),
            json!({"a": 1})
        );
        // CV-4.3: undefined references are errors.
        assert!(prepare(&json!("{{missing}}"), &mut sub).is_err());
    }

    // ---- CV-5 dispatch ----

    #[test]
    fn cv_5_1_case_insensitive_dispatch_and_aliases() {
        for op in ["Equals", "equals", "EQUALS", "Equal", "equal"] {
            check(json!("a"), op, json!("a"), true);
        }
        for op in ["NotEquals", "notequals", "NotEqual"] {
            check(json!("a"), op, json!("b"), true);
        }
        check(json!("a"), "anyin", json!(["a"]), true);
        check(json!("a"), "ALLIN", json!(["a"]), true);
        assert_eq!(
            evaluate_operator("Matches", &json!("a"), &json!("a")),
            Err("failed to create handler for condition operator".to_owned())
        );
    }

    #[test]
    fn cv_5_2_casing_quirk_for_numeric_and_duration() {
        // CV-5.2: a differently-cased numeric/duration operator is always false.
        check(json!(5.0), "GreaterThan", json!(3.0), true);
        check(json!(5.0), "greaterthan", json!(3.0), false);
        check(json!(5.0), "GREATERTHANOREQUALS", json!(3.0), false);
        check(json!(1.0), "lessThan", json!(3.0), false);
        check(json!(1.0), "lessthanorequals", json!(3.0), false);
        check(json!("2h"), "DurationGreaterThan", json!("1h"), true);
        check(json!("2h"), "durationgreaterthan", json!("1h"), false);
        check(
            json!("2h"),
            "Durationgreaterthanorequals",
            json!("1h"),
            false,
        );
        check(json!("1h"), "durationlessthan", json!("2h"), false);
        check(json!("1h"), "DURATIONLESSTHANOREQUALS", json!("2h"), false);
    }

    #[test]
    fn cv_5_3_str_rendering_in_membership() {
        // CV-5.3: str() is Go fmt.Sprint: 1000000.0 → "1e+06", 80.0 → "80".
        check(json!(1_000_000.0), "In", json!(["1e+06"]), true);
        check(json!(80.0), "AnyIn", json!(["80"]), true);
        check(json!(true), "AnyIn", json!(["true"]), true);
    }

    // ---- CV-6 coercions ----

    #[test]
    fn cv_6_1_rule_d() {
        check(json!("1h"), "Equals", json!(3600.0), true);
        check(json!(3600.0), "Equals", json!("1h"), false); // float row: ParseFloat("1h") fails
        check(json!("1s"), "Equals", json!(1.9), true); // truncated to whole seconds
        check(json!("1.5s"), "Equals", json!("1500ms"), true);
        // "0" is excluded from rule D.
        check(json!("0"), "Equals", json!(0.0), false);
        // Other side neither duration nor number: not applicable.
        check(json!("1h"), "Equals", json!(true), false);
    }

    #[test]
    fn cv_6_2_rule_q() {
        check(json!("2Gi"), "LessThan", json!("3000Mi"), true);
        check(json!("1Gi"), "Equals", json!("1024Mi"), true);
    }

    #[test]
    fn cv_6_3_numeric_strings() {
        check(json!(1.5), "Equals", json!("1.5"), true);
        check(json!(1000.0), "Equals", json!("1e3"), true);
        check(json!(1.0), "Equals", json!(" 1"), false);
    }

    // ---- CV-7 Equals / NotEquals ----

    #[test]
    fn cv_7_equals_table() {
        // boolean
        check(json!(true), "Equals", json!(true), true);
        check(json!(true), "Equals", json!("true"), false);
        // integer
        check(json!(5), "Equals", json!(5), true);
        check(json!(5), "Equals", json!(5.0), true);
        check(json!(5), "Equals", json!(5.5), false);
        check(json!(5), "Equals", json!("5"), true);
        check(json!(5), "Equals", json!("x"), false);
        check(json!(5), "Equals", json!(true), false);
        // float
        check(json!(5.0), "Equals", json!(5), true);
        check(json!(5.5), "Equals", json!(5), false);
        check(json!(5.5), "Equals", json!(5.5), true);
        check(json!(5.5), "Equals", json!("5.5"), true);
        check(json!(5.5), "Equals", json!("x"), false);
        check(json!(5.5), "Equals", Value::Null, false);
        // string
        check(json!("01"), "Equals", json!("1"), true);
        check(json!("1Gi"), "Equals", json!("abc"), false); // K quantity, V unparsable
        check(json!("nginx:1.2"), "Equals", json!("nginx:*"), true);
        check(json!("nginx:*"), "Equals", json!("nginx:1.2"), false);
        check(json!("5"), "Equals", json!(5.0), false);
        check(json!("a"), "Equals", json!(["a"]), false);
        // object / array
        check(json!({"a": "b"}), "Equals", json!({"a": "b"}), true);
        check(json!({"a": "b"}), "Equals", json!("x"), false);
        check(json!(["a"]), "Equals", json!(["a"]), true);
        check(json!(["a"]), "Equals", json!(["b"]), false);
        // null
        check(Value::Null, "Equals", Value::Null, false);
    }

    #[test]
    fn cv_7_not_equals_table() {
        // boolean
        check(json!(true), "NotEquals", json!(false), true);
        check(json!(true), "NotEquals", json!("true"), true);
        check(json!(true), "NotEquals", json!(true), false);
        // integer
        check(json!(5), "NotEquals", json!(5.0), false);
        check(json!(5), "NotEquals", json!(5.5), true);
        check(json!(5), "NotEquals", json!("x"), true);
        check(json!(5), "NotEquals", json!("5"), false);
        check(json!(5), "NotEquals", Value::Null, true);
        // float
        check(json!(5.5), "NotEquals", json!(5), true);
        check(json!(5.0), "NotEquals", json!(5), false);
        check(json!(5.0), "NotEquals", json!("x"), true);
        check(json!(5.0), "NotEquals", json!([]), true);
        // string
        check(json!("1h"), "NotEquals", json!(3600.0), false);
        check(json!("1Gi"), "NotEquals", json!(""), true);
        check(json!("1Gi"), "NotEquals", json!("abc"), true);
        check(json!("1Gi"), "NotEquals", json!("1024Mi"), false);
        check(json!("nginx:1.2"), "NotEquals", json!("nginx:*"), false);
        check(json!("a"), "NotEquals", json!(5.0), true);
        // object / array
        check(json!({"a": "b"}), "NotEquals", json!("x"), true);
        check(json!({"a": "b"}), "NotEquals", json!({"a": "b"}), false);
        check(json!(["a"]), "NotEquals", json!({}), true);
        // null: false, not the negation of Equals
        check(Value::Null, "NotEquals", json!("x"), false);
    }

    #[test]
    fn cv_7_1_type_exact_deep_equality() {
        check(json!({"a": 1}), "Equals", json!({"a": 1.0}), false);
        check(json!({"a": 1}), "NotEquals", json!({"a": 1.0}), true);
        check(json!([1.0]), "Equals", json!([1.0]), true);
        check(
            json!({"a": 1, "b": 2}),
            "Equals",
            json!({"b": 2, "a": 1}),
            true,
        );
    }

    #[test]
    fn cv_7_2_examples() {
        check(json!("1Gi"), "Equals", json!("1024Mi"), true);
        check(json!("01"), "Equals", json!("1"), true);
        check(json!("nginx:1.2"), "Equals", json!("nginx:*"), true);
        check(json!("nginx:*"), "Equals", json!("nginx:1.2"), false);
        check(json!("5"), "Equals", json!(5), false);
        check(json!(5), "Equals", json!("5"), true);
        check(json!("1h"), "Equals", json!(3600), true);
    }

    // ---- CV-8 membership ----

    #[test]
    fn cv_8_1_in() {
        check(json!("a"), "In", json!(["a", "b"]), true);
        check(json!("x"), "In", json!(["a"]), false);
        check(json!("abc"), "In", json!(["a*"]), true);
        check(json!("a*"), "In", json!(["abc"]), true);
        check(json!(5.0), "In", json!([5.0]), true);
        check(json!("a"), "In", json!("a*"), true);
        check(json!("b"), "In", json!("[\"a\",\"b\"]"), true);
        check(json!("b*"), "In", json!("[\"bc\"]"), false); // exact item equality
        check(json!("b"), "In", json!("xyz"), false); // not JSON → invalid
        check(json!("b"), "In", json!(5.0), false);
        check(Value::Null, "In", json!([null]), false);
        // array key
        check(json!(["a", "b"]), "In", json!(["a", "b", "c"]), true);
        check(json!(["a", "d"]), "In", json!(["a", "b"]), false);
        check(json!(["a"]), "In", json!("a"), true);
        check(json!(["a", "b"]), "In", json!("[\"a\",\"b\"]"), true);
        check(json!([1.0]), "In", json!(["1"]), false);
        check(json!(["a"]), "In", json!(["a", 1.0]), false);
    }

    #[test]
    fn cv_8_2_not_in() {
        check(json!("x"), "NotIn", json!(["a"]), true);
        check(json!("a"), "NotIn", json!(["a"]), false);
        check(json!("a"), "NotIn", json!(5.0), false);
        check(json!("b"), "NotIn", json!("xyz"), false);
        check(json!(["a", "d"]), "NotIn", json!(["a", "b"]), true);
        check(json!(["a"]), "NotIn", json!(["a"]), false);
        check(json!(["a"]), "NotIn", json!("a"), true); // quirk
        check(json!(["x"]), "NotIn", json!("[\"a\"]"), true);
        check(json!([1.0]), "NotIn", json!(["a"]), false);
    }

    #[test]
    fn cv_8_3_any_in() {
        // scalar key
        check(json!("CREATE"), "AnyIn", json!(["CREATE", "UPDATE"]), true);
        check(json!("DELETE"), "AnyIn", json!(["CREATE", "UPDATE"]), false);
        check(json!("abc"), "AnyIn", json!(["a*"]), true);
        check(json!("a*"), "AnyIn", json!(["abc"]), true);
        check(json!("abc"), "AnyIn", json!("a*"), true);
        check(json!("5"), "AnyIn", json!("1-10"), true);
        check(json!(5.0), "AnyIn", json!("1-10"), true);
        check(json!("15"), "AnyIn", json!("1-10"), false);
        check(json!("b"), "AnyIn", json!("[\"a\",\"b\"]"), true);
        check(json!("b"), "AnyIn", json!("abc"), false);
        check(json!("b"), "AnyIn", json!("5"), false);
        check(json!("b"), "AnyIn", json!(5.0), false);
        check(json!({}), "AnyIn", json!(["a"]), false);
        // array key
        check(
            json!(["team", "x"]),
            "AnyIn",
            json!(["team", "owner"]),
            true,
        );
        check(json!(["y", "x"]), "AnyIn", json!(["team", "owner"]), false);
        check(json!(["a*"]), "AnyIn", json!(["abc"]), true);
        check(json!([80.0, 443.0]), "AnyIn", json!(443.0), true);
        check(json!([true]), "AnyIn", json!(true), true);
        check(json!(["a"]), "AnyIn", json!("a"), true);
        check(json!([5.0, 20.0]), "AnyIn", json!("1-10"), true);
        check(json!([15.0, 20.0]), "AnyIn", json!("1-10"), false);
        check(json!(["x"]), "AnyIn", json!("[\"x\"]"), true);
        check(json!(["xy"]), "AnyIn", json!("x*"), true);
        check(json!(["x"]), "AnyIn", json!("5"), false);
        check(json!(["x"]), "AnyIn", json!({}), false);
    }

    #[test]
    fn cv_8_4_all_in() {
        check(json!("a"), "AllIn", json!(["a"]), true);
        check(json!("5"), "AllIn", json!("1-10"), true);
        check(json!(["a", "b"]), "AllIn", json!(["a", "b", "c"]), true);
        check(json!(["a", "d"]), "AllIn", json!(["a", "b"]), false);
        check(json!([]), "AllIn", json!(["a"]), true);
        check(json!(["a*"]), "AllIn", json!(["abc"]), true);
        check(json!(["a"]), "AllIn", json!("a"), true);
        check(json!([5.0, 20.0]), "AllIn", json!("1-10"), false);
        check(json!([5.0, 6.0]), "AllIn", json!("1-10"), true);
        check(json!(["a", "b"]), "AllIn", json!("[\"a\",\"b\"]"), true);
        check(json!(["a"]), "AllIn", json!("a*"), true);
        check(json!(["a"]), "AllIn", json!(5.0), false);
        check(json!(["a"]), "AllIn", json!(true), false);
    }

    #[test]
    fn cv_8_5_any_not_in() {
        check(json!("x"), "AnyNotIn", json!(["a"]), true);
        check(json!("a"), "AnyNotIn", json!(["a"]), false);
        check(json!("6"), "AnyNotIn", json!("abc"), true);
        check(json!("15"), "AnyNotIn", json!("1-10"), true);
        check(json!(80.0), "AnyNotIn", json!(5.0), false);
        check(json!(["a", "x"]), "AnyNotIn", json!(["a"]), true);
        check(json!(["a"]), "AnyNotIn", json!(["a*"]), false);
        check(json!(["a"]), "AnyNotIn", json!("a"), false);
        check(
            json!([80.0, 70000.0]),
            "AnyNotIn",
            json!("1024-65535"),
            true,
        );
        check(json!([2000.0]), "AnyNotIn", json!("1024-65535"), false);
        check(json!([1.0]), "AnyNotIn", json!(2.0), true);
        check(json!([2.0]), "AnyNotIn", json!(2.0), false);
        check(json!(["x"]), "AnyNotIn", json!("[\"x\"]"), false);
        check(json!(["x"]), "AnyNotIn", json!("5"), false);
    }

    #[test]
    fn cv_8_6_all_not_in() {
        check(json!("x"), "AllNotIn", json!(["a"]), true);
        check(json!("a"), "AllNotIn", json!(["a"]), false);
        check(json!(["x", "y"]), "AllNotIn", json!(["a", "b"]), true);
        check(json!(["x", "a"]), "AllNotIn", json!(["a", "b"]), false);
        check(json!(["a"]), "AllNotIn", json!("a"), false);
        check(json!([20.0, 30.0]), "AllNotIn", json!("1-10"), true);
        check(json!([5.0, 30.0]), "AllNotIn", json!("1-10"), false);
        check(json!(["a"]), "AllNotIn", json!(5.0), false);
        check(json!(["x"]), "AllNotIn", json!("y"), true);
    }

    #[test]
    fn cv_8_7_json_but_not_string_array() {
        // CV-8.7: valid JSON that is not a string array → false unless the wildcard matched.
        check(json!("6"), "AnyNotIn", json!("5"), false);
        check(json!("6"), "AllNotIn", json!("5"), false);
        check(json!("6"), "AnyIn", json!("true"), false);
        check(json!("6"), "AllIn", json!("{}"), false);
        check(json!("5"), "AnyIn", json!("5"), true);
    }

    #[test]
    fn cv_8_8_typical_uses() {
        check(
            json!(["team", "app"]),
            "AnyIn",
            json!(["team", "owner"]),
            true,
        );
        check(json!("UPDATE"), "AnyIn", json!(["CREATE", "UPDATE"]), true);
        check(json!([8080.0, 80.0]), "AnyNotIn", json!("1024-65535"), true);
        check(
            json!([8080.0, 9090.0]),
            "AnyNotIn",
            json!("1024-65535"),
            false,
        );
    }

    // ---- CV-9 ordering ----

    #[test]
    fn cv_9_1_ordering_numbers() {
        check(json!(5.0), "GreaterThan", json!(3.0), true);
        check(json!(5.0), "GreaterThan", json!(5), false);
        check(json!(5.0), "GreaterThanOrEquals", json!(5), true);
        check(json!(5.0), "GreaterThan", json!("3"), true);
        check(json!(5.0), "LessThan", json!("1e3"), true);
        check(json!(5.0), "GreaterThan", json!("abc"), false);
        check(json!(3600.0), "GreaterThanOrEquals", json!("1h"), true);
        check(json!(3599.0), "GreaterThanOrEquals", json!("1h"), false);
        check(json!(5.0), "GreaterThan", json!(true), false);
        check(json!(5.0), "LessThanOrEquals", Value::Null, false);
    }

    #[test]
    fn cv_9_1_ordering_strings() {
        check(json!("90m"), "GreaterThan", json!("1h"), true);
        check(json!("1h"), "LessThan", json!(7200.0), true);
        check(json!("2Gi"), "LessThan", json!("3000Mi"), true);
        check(json!("1Gi"), "LessThanOrEquals", json!("1024Mi"), true);
        check(json!("5"), "GreaterThan", json!(3.0), true);
        check(json!("1.2"), "LessThan", json!("1.10"), false); // quantities, not versions
        check(json!("abc"), "GreaterThan", json!("abd"), false);
        check(Value::Null, "GreaterThan", json!(1.0), false);
        check(json!(["a"]), "LessThan", json!(1.0), false);
    }

    #[test]
    fn cv_9_1_semver() {
        check(json!("1.20.3"), "LessThan", json!("1.21.0"), true);
        check(json!("1.0.0-alpha"), "LessThan", json!("1.0.0"), true);
        check(
            json!("1.0.0-alpha.1"),
            "LessThan",
            json!("1.0.0-alpha.beta"),
            true,
        );
        check(json!("1.0.0-2"), "LessThan", json!("1.0.0-10"), true);
        check(
            json!("1.0.0+build"),
            "GreaterThanOrEquals",
            json!("1.0.0"),
            true,
        );
        check(json!("v1.0.0"), "LessThan", json!("v2.0.0"), false);
        check(json!("01.0.0"), "LessThan", json!("2.0.0"), false);
        check(json!("1.0.0"), "LessThan", json!(2.0), false);
        check(json!("1.0.0"), "LessThan", json!("junk"), false);
    }

    #[test]
    fn cv_9_2_examples() {
        check(json!(5.0), "GreaterThan", json!(3), true);
        check(json!("2Gi"), "LessThan", json!("3000Mi"), true);
        check(json!("1.20.3"), "LessThan", json!("1.21.0"), true);
        check(json!("90m"), "GreaterThan", json!("1h"), true);
    }

    #[test]
    fn cv_9_3_duration_operators() {
        check(json!("1h"), "DurationGreaterThan", json!("30m"), true);
        check(
            json!(3600.0),
            "DurationGreaterThanOrEquals",
            json!("1h"),
            true,
        );
        check(json!("abc"), "DurationLessThan", json!("1h"), false);
        check(json!("0"), "DurationLessThan", json!("1s"), true);
        check(json!(90.9), "DurationLessThan", json!("91s"), true);
        check(json!("1m"), "DurationLessThanOrEquals", json!(60.0), true);
        check(json!(true), "DurationLessThan", json!("1h"), false);
        check(json!("1h"), "DurationLessThan", json!("10"), false);
    }
}
