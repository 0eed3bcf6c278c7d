//! Versions (CV-16 `semver_compare`, blang/semver v4) over `policy_gotypes::semver`.

use serde_json::Value;

use super::*;

pub(super) fn f_semver_compare(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "semver_compare";
    // An unparsable version silently becomes 0.0.0 (CV-16).
    let version = arg_str(f, args, 0)?;
    let range = arg_str(f, args, 1)?;
    let ok = policy_gotypes::semver::satisfies(version, range).map_err(|e| err(f, e))?;
    Ok(Value::Bool(ok))
}
