//! Arithmetic (CV-16 "Arithmetic", Kyverno `arithmetic.go`): numbers, quantities and
//! durations.

use policy_gotypes::duration::{format_go_duration, parse_go_duration};
use policy_gotypes::quantity::{Quantity, QuantityError};
use serde_json::Value;

use super::*;

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

pub(super) fn f_add(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    add_values(
        "add",
        args.first().unwrap_or(&Value::Null),
        args.get(1).unwrap_or(&Value::Null),
    )
}

pub(super) fn f_sum(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_subtract(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_multiply(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_divide(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_modulo(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_round(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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
