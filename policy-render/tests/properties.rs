//! Property tests: values merging is associative, `--set` parsing never panics.

// Strategies and helpers outside #[test] functions may unwrap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use serde_json::{Map, Value};

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::from),
        "[a-z]{0,3}".prop_map(Value::String),
    ]
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
    fn set_parser_never_panics(line in "[a-z.\\[\\]0-9={},\\\\ -]{0,24}") {
        for mode in [policy_render::SetMode::Typed, policy_render::SetMode::String, policy_render::SetMode::Json] {
            let mut m = Map::new();
            let _ = policy_render::parse_set(&line, &mut m, mode);
        }
    }
}
