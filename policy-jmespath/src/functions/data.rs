//! Data (CV-16 "Data"): parsing JSON/YAML, lookups, items, objects from lists.

use serde_json::{Map, Value};

use super::*;

pub(super) fn f_parse_json(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "parse_json";
    let s = arg_str(f, args, 0)?;
    serde_json::from_str::<Value>(s)
        .map(normalize_numbers)
        .map_err(|e| err(f, e))
}

pub(super) fn f_parse_yaml(args: &[Value], _: &FnEnv) -> Result<Value, String> {
    let f = "parse_yaml";
    let s = arg_str(f, args, 0)?;
    serde_saphyr::from_str::<Value>(s)
        .map(normalize_numbers)
        .map_err(|e| err(f, e))
}

pub(super) fn f_lookup(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_items(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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

pub(super) fn f_object_from_lists(args: &[Value], _: &FnEnv) -> Result<Value, String> {
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
        let key =
            policy_gotypes::gofmt::num_text32(k).map_err(|_| type_err(f, 1, "StringArray"))?;
        out.insert(key, values.get(i).cloned().unwrap_or(Value::Null));
    }
    Ok(Value::Object(out))
}
