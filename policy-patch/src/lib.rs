//! Patches over `serde_json` documents, shared by everything that patches: overlays
//! (policy-render) today, classic mutate, MutatingPolicy and Kustomize patches next. A leaf:
//! no workspace crate below it, so render and eval can both depend on it.
//!
//! - [`apply_json_patch`]: RFC 6902 JSON Patch (operations applied by the `json-patch`
//!   crate), atomic, with `[key=value]` list addressing.
//! - [`apply_merge_patch`]: RFC 7396 JSON Merge Patch.
//!
//! The strategic merge (MR-9.3) arrives with classic mutate.
//!
//! # Addressing list items by a field
//!
//! A JSON Patch `path` or `from` may contain a segment `[key=value]` in place of a list
//! index: it selects the first element of that list whose `key` field equals `value`
//! (compared as text). `/spec/rules/[name=check-team]/validate/message` keeps working when
//! rules are reordered or added. The segment is resolved against the document as it is
//! when that operation runs (after the operations before it); an element that does not
//! exist is an error naming the list and the value.
//!
//! # Atomicity
//!
//! [`apply_json_patch`] works on a copy and replaces the document only when every
//! operation succeeded: a failing patch leaves its input unchanged.

use serde_json::{Map, Value};

/// A patch that could not be applied: the message (lower-case, values in backticks) and,
/// when known, the resolved JSON pointer of the operation that failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
#[non_exhaustive]
pub struct PatchError {
    /// What went wrong, naming the operation (`operation 2 (`replace`): ...`).
    pub message: String,
    /// The pointer that failed, after `[key=value]` segments were resolved.
    pub pointer: Option<String>,
}

impl PatchError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pointer: None,
        }
    }

    fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = Some(pointer.into());
        self
    }
}

fn unescape(seg: &str) -> String {
    seg.replace("~1", "/").replace("~0", "~")
}

fn escape(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// `[key=value]` → `(key, value)`.
fn selector(seg: &str) -> Option<(&str, &str)> {
    let inner = seg.strip_prefix('[')?.strip_suffix(']')?;
    let (k, v) = inner.split_once('=')?;
    (!k.is_empty()).then_some((k, v))
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn step<'a>(cur: &'a Value, seg: &str) -> Option<&'a Value> {
    match cur {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
}

/// Resolves every `[key=value]` segment of `pointer` against `doc` into a list index.
/// Pointers without such segments come back unchanged.
pub fn resolve_pointer(doc: &Value, pointer: &str) -> Result<String, PatchError> {
    if pointer.is_empty() {
        return Ok(String::new());
    }
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err(patch_error("a JSON pointer must start with `/`").with_pointer(pointer));
    };
    if !rest.contains('[') {
        return Ok(pointer.to_owned());
    }
    let mut cur = Some(doc);
    let mut out = String::new();
    for raw in rest.split('/') {
        let seg = unescape(raw);
        let resolved = match selector(&seg) {
            Some((k, v)) => match cur {
                Some(Value::Array(items)) => {
                    let i = items
                        .iter()
                        .position(|e| e.get(k).is_some_and(|x| as_text(x) == v))
                        .ok_or_else(|| {
                            patch_error(format!(
                                "no element of `{}` has `{k}` = `{v}`",
                                shown(&out)
                            ))
                            .with_pointer(pointer)
                        })?;
                    i.to_string()
                }
                Some(_) => {
                    return Err(patch_error(format!("`{}` is not a list", shown(&out)))
                        .with_pointer(pointer));
                }
                None => {
                    return Err(patch_error(format!("`{}` does not exist", shown(&out)))
                        .with_pointer(pointer));
                }
            },
            None => seg,
        };
        cur = cur.and_then(|c| step(c, &resolved));
        out.push('/');
        out.push_str(&escape(&resolved));
    }
    Ok(out)
}

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}

fn patch_error(message: impl Into<String>) -> PatchError {
    PatchError::new(message)
}

/// Why `pointer` does not reach a value in `doc`: the first segment that is missing.
fn diagnose(doc: &Value, pointer: &str) -> String {
    let mut cur = doc;
    let mut seen = String::new();
    for raw in pointer.strip_prefix('/').unwrap_or(pointer).split('/') {
        let seg = unescape(raw);
        match step(cur, &seg) {
            Some(next) => {
                cur = next;
                seen.push('/');
                seen.push_str(raw);
            }
            None => {
                return match cur {
                    Value::Array(a) => {
                        format!("`{}` has {} items, no index `{seg}`", shown(&seen), a.len())
                    }
                    Value::Object(_) => format!("`{}` has no field `{seg}`", shown(&seen)),
                    _ => format!("`{}` is a scalar, not a mapping or list", shown(&seen)),
                };
            }
        }
    }
    "path is invalid".to_owned()
}

/// Applies an RFC 6902 JSON Patch (a list of operations) to `doc`, atomically. Paths may
/// address list items by field (see the module docs). On error, `doc` is unchanged and
/// the error carries the failing operation's resolved pointer.
pub fn apply_json_patch(doc: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Array(ops) = patch else {
        return Err(patch_error("a JSON patch must be a list of operations"));
    };
    let mut work = doc.clone();
    for (j, op) in ops.iter().enumerate() {
        let mut op = op.clone();
        let name = op
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned();
        let mut path = String::new();
        for field in ["from", "path"] {
            if let Some(Value::String(p)) = op.get(field) {
                let resolved = resolve_pointer(&work, p).map_err(|e| {
                    let message = format!("operation {j} (`{name}`): {}", e.message);
                    PatchError { message, ..e }
                })?;
                if let Some(slot) = op.get_mut(field) {
                    *slot = Value::String(resolved.clone());
                }
                path = resolved;
            }
        }
        let parsed: json_patch::PatchOperation = serde_json::from_value(op)
            .map_err(|e| patch_error(format!("operation {j}: invalid operation: {e}")))?;
        let from = match &parsed {
            json_patch::PatchOperation::Move(m) => Some(m.from.to_string()),
            json_patch::PatchOperation::Copy(c) => Some(c.from.to_string()),
            _ => None,
        };
        // `patch_unsafe`: atomicity comes from working on a copy; json-patch 5.0's undo path
        // in `patch` can panic ("unable to undo applied patches", found by proptest).
        if let Err(e) = json_patch::patch_unsafe(&mut work, std::slice::from_ref(&parsed)) {
            let (pointer, why) = match e.kind {
                json_patch::PatchErrorKind::TestFailed => {
                    let actual = jsonptr_get(&work, &path)
                        .map_or_else(|| "nothing".to_owned(), |v| format!("`{v}`"));
                    (path.clone(), format!("test failed: the value is {actual}"))
                }
                json_patch::PatchErrorKind::InvalidFromPointer => {
                    let f = from.unwrap_or_default();
                    let why = diagnose(&work, &f);
                    (f, why)
                }
                json_patch::PatchErrorKind::CannotMoveInsideItself => {
                    (path.clone(), "cannot move a value inside itself".to_owned())
                }
                _ => (path.clone(), diagnose(&work, &path)),
            };
            return Err(
                patch_error(format!("operation {j} (`{name}`): {why}")).with_pointer(pointer)
            );
        }
    }
    *doc = work;
    Ok(())
}

fn jsonptr_get<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    doc.pointer(pointer)
}

/// Applies an RFC 7396 JSON Merge Patch: objects merge recursively, `null` removes a key,
/// anything else (lists included) replaces. Key order of the target is kept; new keys are
/// appended.
pub fn apply_merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.shift_remove(k);
            } else {
                apply_merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy() -> Value {
        json!({"spec": {"rules": [
            {"name": "check-team", "validate": {"message": "team"}},
            {"name": "check-owner", "validate": {"message": "owner"}},
        ]}})
    }

    #[test]
    fn rule_by_name() {
        let doc = policy();
        assert_eq!(
            resolve_pointer(&doc, "/spec/rules/[name=check-owner]/validate/message").unwrap(),
            "/spec/rules/1/validate/message"
        );
        assert_eq!(resolve_pointer(&doc, "/spec/x").unwrap(), "/spec/x");
        let e = resolve_pointer(&doc, "/spec/rules/[name=nope]/validate").unwrap_err();
        assert_eq!(e.message, "no element of `/spec/rules` has `name` = `nope`");
        let e = resolve_pointer(&doc, "/spec/[name=x]").unwrap_err();
        assert_eq!(e.message, "`/spec` is not a list");
    }

    #[test]
    fn json_patch_by_name_and_atomic() {
        let mut doc = policy();
        let ok = json!([
            {"op": "replace", "path": "/spec/rules/[name=check-owner]/validate/message", "value": "x"},
            {"op": "add", "path": "/spec/background", "value": false},
        ]);
        apply_json_patch(&mut doc, &ok).unwrap();
        assert_eq!(doc["spec"]["rules"][1]["validate"]["message"], "x");
        let before = doc.clone();
        let bad = json!([
            {"op": "replace", "path": "/spec/background", "value": true},
            {"op": "replace", "path": "/spec/missing/deeper", "value": 1},
        ]);
        let e = apply_json_patch(&mut doc, &bad).unwrap_err();
        assert_eq!(doc, before);
        assert_eq!(e.pointer.as_deref(), Some("/spec/missing/deeper"));
        assert_eq!(
            e.message,
            "operation 1 (`replace`): `/spec` has no field `missing`"
        );
        let e = apply_json_patch(
            &mut doc,
            &json!([{"op": "test", "path": "/spec/background", "value": true}]),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "operation 0 (`test`): test failed: the value is `false`"
        );
    }

    #[test]
    fn merge_patch_rfc7396_examples() {
        // RFC 7396 appendix A
        let cases = [
            (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
            (
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            (json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                json!({"a": "b", "b": "c"}),
                json!({"a": null}),
                json!({"b": "c"}),
            ),
            (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
            (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
            (
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (json!(["a", "b"]), json!(["c", "d"]), json!(["c", "d"])),
            (json!({"a": "b"}), json!(["c"]), json!(["c"])),
            (json!({"a": "foo"}), json!(null), json!(null)),
            (json!({"a": "foo"}), json!("bar"), json!("bar")),
            (
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                json!([1, 2]),
                json!({"a": "b", "c": null}),
                json!({"a": "b"}),
            ),
            (
                json!({}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (target, patch, expect) in cases {
            let mut t = target.clone();
            apply_merge_patch(&mut t, &patch);
            assert_eq!(t, expect, "{target} + {patch}");
        }
    }
}
