//! Property tests: our merge patch equals json-patch's RFC 7396 implementation, and JSON
//! patches are atomic and agree with json-patch.

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
    fn merge_patch_equals_json_patch_crate(target in json(), patch in json()) {
        let mut ours = target.clone();
        policy_patch::apply_merge_patch(&mut ours, &patch);
        let mut theirs = target;
        json_patch::merge(&mut theirs, &patch);
        prop_assert_eq!(ours, theirs);
    }

    #[test]
    fn json_patch_is_atomic_and_agrees_with_json_patch((doc, patch) in doc_and_patch()) {
        let mut ours = doc.clone();
        let result = policy_patch::apply_json_patch(&mut ours, &patch);
        let ops: json_patch::Patch = serde_json::from_value(patch.clone()).unwrap();
        // The reference: json-patch without its undo path (which can panic, see lib.rs).
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
}
