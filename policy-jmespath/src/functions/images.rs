//! Images (CV-16 `image_normalize`, CV-11.8) over `policy_gotypes::image`.

use policy_gotypes::image::{DEFAULT_REGISTRY, add_default_registry, parse_image};
use serde_json::Value;

use super::*;

pub(super) fn f_image_normalize(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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
