//! Property tests: values merging is associative, our merge patch equals json-patch's
//! RFC 7396 implementation, and patches are atomic.

// Strategies and helpers outside #[test] functions may unwrap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::{Map, Value};

fn key() -> impl Strategy<Value = String> {
    // A small alphabet so maps share keys and merges interact.
    prop::sample::select(vec!["a", "b", "c", "d"]).prop_map(str::to_owned)
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::from),
        "[a-z]{0,3}".prop_map(Value::String),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Values files whose shape agrees: keys `a` and `b` always hold tables, `c` and `d`
/// never do. Helm's deep merge is associative only then: when a non-table replaces a table
/// (`{b: {d: 1}}`, then `{b: []}`, then `{b: {}}`), folding left forgets `d` and folding
/// right keeps it (see `merge_is_not_associative_across_type_changes`). Helm folds `-f`
/// files left to right, and so do we.
fn shaped_map(depth: u32) -> BoxedStrategy<Map<String, Value>> {
    let leaf_val = prop_oneof![
        leaf(),
        prop::collection::vec(leaf(), 0..3).prop_map(Value::Array),
    ];
    let leaves = prop::collection::vec(
        (
            prop::sample::select(vec!["c", "d"]).prop_map(str::to_owned),
            leaf_val,
        ),
        0..3,
    );
    if depth == 0 {
        return leaves.prop_map(|kv| kv.into_iter().collect()).boxed();
    }
    let tables = prop::collection::vec(
        (
            prop::sample::select(vec!["a", "b"]).prop_map(str::to_owned),
            shaped_map(depth - 1).prop_map(Value::Object),
        ),
        0..3,
    );
    (leaves, tables)
        .prop_map(|(l, t)| l.into_iter().chain(t).collect())
        .boxed()
}

fn map() -> BoxedStrategy<Map<String, Value>> {
    shaped_map(3)
}

#[test]
fn merge_is_not_associative_across_type_changes() {
    use policy_render::merge_maps;
    let obj = |v: Value| v.as_object().cloned().unwrap();
    let a = obj(serde_json::json!({"b": {"d": null}}));
    let b = obj(serde_json::json!({"b": []}));
    let c = obj(serde_json::json!({"b": {}}));
    assert_eq!(
        Value::Object(merge_maps(&merge_maps(&a, &b), &c)),
        serde_json::json!({"b": {}})
    );
    assert_eq!(
        Value::Object(merge_maps(&a, &merge_maps(&b, &c))),
        serde_json::json!({"b": {"d": null}})
    );
}

fn pointer_into(doc: &Value) -> BoxedStrategy<String> {
    // Mostly real paths (so operations succeed sometimes), sometimes made-up ones.
    let mut paths = vec![String::new()];
    fn walk(v: &Value, at: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    let p = format!("{at}/{k}");
                    out.push(p.clone());
                    walk(c, &p, out);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    let p = format!("{at}/{i}");
                    out.push(p.clone());
                    walk(c, &p, out);
                }
                out.push(format!("{at}/-"));
            }
            _ => {}
        }
    }
    walk(doc, "", &mut paths);
    paths.push("/zz/top".to_owned());
    paths.push("/a/9".to_owned());
    prop::sample::select(paths).boxed()
}

fn op_for(doc: &Value) -> BoxedStrategy<Value> {
    let p = pointer_into(doc);
    let q = pointer_into(doc);
    (
        prop::sample::select(vec!["add", "remove", "replace", "move", "copy", "test"]),
        p,
        q,
        leaf(),
    )
        .prop_map(|(op, path, from, value)| {
            let mut m = Map::new();
            m.insert("op".into(), Value::from(op));
            m.insert("path".into(), Value::from(path));
            if matches!(op, "move" | "copy") {
                m.insert("from".into(), Value::from(from));
            }
            if matches!(op, "add" | "replace" | "test") {
                m.insert("value".into(), value);
            }
            Value::Object(m)
        })
        .boxed()
}

fn doc_and_patch() -> impl Strategy<Value = (Value, Value)> {
    json().prop_flat_map(|doc| {
        let ops = prop::collection::vec(op_for(&doc), 1..5).prop_map(Value::Array);
        (Just(doc), ops)
    })
}

proptest! {
    #[test]
    fn values_merge_is_associative(a in map(), b in map(), c in map()) {
        use policy_render::merge_maps;
        prop_assert_eq!(
            merge_maps(&merge_maps(&a, &b), &c),
            merge_maps(&a, &merge_maps(&b, &c))
        );
    }

    #[test]
    fn merge_patch_equals_json_patch_crate(target in json(), patch in json()) {
        let mut ours = target.clone();
        policy_render::patch::apply_merge_patch(&mut ours, &patch);
        let mut theirs = target;
        json_patch::merge(&mut theirs, &patch);
        prop_assert_eq!(ours, theirs);
    }

    #[test]
    fn json_patch_is_atomic_and_agrees_with_json_patch((doc, patch) in doc_and_patch()) {
        let mut ours = doc.clone();
        let result = policy_render::patch::apply_json_patch(&mut ours, &patch);
        let ops: json_patch::Patch = serde_json::from_value(patch.clone()).unwrap();
        // The reference: json-patch without its undo path (which can panic, see patch.rs).
        let mut theirs = doc.clone();
        let reference = json_patch::patch_unsafe(&mut theirs, &ops);
        match result {
            Err(_) => {
                prop_assert!(reference.is_err());
                // A failing patch leaves its input unchanged.
                prop_assert_eq!(&ours, &doc);
            }
            Ok(()) => {
                prop_assert!(reference.is_ok());
                prop_assert_eq!(ours, theirs);
            }
        }
    }

    #[test]
    fn set_parser_never_panics(line in "[a-z.\\[\\]0-9={},\\\\ -]{0,24}") {
        for mode in [policy_render::SetMode::Typed, policy_render::SetMode::String, policy_render::SetMode::Json] {
            let mut m = Map::new();
            let _ = policy_render::parse_set(&line, &mut m, mode);
        }
    }
}
