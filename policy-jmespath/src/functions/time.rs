//! Time (CV-16 "Time", Kyverno `time.go`) over `policy_gotypes::time`; "now" comes from
//! [`FnEnv`].

use policy_gotypes::duration::{format_go_duration, parse_go_duration};
use policy_gotypes::time::{GoTime, RFC3339, ZERO_TO_UNIX, go_parse, go_quote, go_sub};
use serde_json::Value;

use super::*;

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

pub(super) fn f_time_now(_: &[Value], env: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(GoTime::now(env.now).rfc3339()))
}

pub(super) fn f_time_now_utc(_: &[Value], env: &FnEnv) -> Result<Value, String> {
    Ok(Value::String(GoTime::now(env.now).rfc3339()))
}

pub(super) fn f_time_since(args: &[Value], env: &FnEnv) -> Result<Value, String> {
    let f = "time_since";
    let layout = arg_str(f, args, 0)?;
    let layout = if layout.is_empty() { RFC3339 } else { layout };
    let start = go_parse(layout, arg_str(f, args, 1)?).map_err(|e| err(f, e))?;
    let end_s = arg_str(f, args, 2)?;
    let end = if end_s.is_empty() {
        GoTime::now(env.now)
    } else {
        go_parse(layout, end_s).map_err(|e| err(f, e))?
    };
    Ok(Value::String(format_go_duration(go_sub(&end, &start))))
}

pub(super) fn f_time_diff(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t1 = time_arg("time_diff", args, 0)?;
    let t2 = time_arg("time_diff", args, 1)?;
    Ok(Value::String(format_go_duration(go_sub(&t2, &t1))))
}

pub(super) fn f_time_add(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "time_add";
    let t = time_arg(f, args, 0)?;
    let d = duration_arg(f, args, 1)?;
    let r = GoTime::from_unix_nanos(t.unix_nanos() + i128::from(d), t.offset)
        .ok_or_else(|| err(f, "time out of range"))?;
    Ok(Value::String(r.rfc3339()))
}

pub(super) fn f_time_parse(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "time_parse";
    let layout = arg_str(f, args, 0)?;
    let value = arg_str(f, args, 1)?;
    if policy_gotypes::gofmt::parse_int(layout).is_some() {
        // An integer layout means "value is Unix epoch seconds".
        let epoch = policy_gotypes::gofmt::parse_int(value).ok_or_else(|| {
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

pub(super) fn f_time_utc(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t = time_arg("time_utc", args, 0)?;
    Ok(Value::String(GoTime { offset: 0, ..t }.rfc3339()))
}

pub(super) fn f_time_to_cron(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t = time_arg("time_to_cron", args, 0)?;
    let (_, m, d, h, mi, _, wd) = t.civil();
    Ok(Value::String(format!("{mi} {h} {d} {m} {wd}")))
}

pub(super) fn f_time_before(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t1 = time_arg("time_before", args, 0)?;
    let t2 = time_arg("time_before", args, 1)?;
    Ok(Value::Bool(t1.unix_nanos() < t2.unix_nanos()))
}

pub(super) fn f_time_after(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t1 = time_arg("time_after", args, 0)?;
    let t2 = time_arg("time_after", args, 1)?;
    Ok(Value::Bool(t1.unix_nanos() > t2.unix_nanos()))
}

pub(super) fn f_time_between(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let t = time_arg("time_between", args, 0)?.unix_nanos();
    let start = time_arg("time_between", args, 1)?.unix_nanos();
    let end = time_arg("time_between", args, 2)?.unix_nanos();
    Ok(Value::Bool(start < t && t < end))
}

pub(super) fn f_time_truncate(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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
