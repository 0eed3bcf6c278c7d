//! proptest strategies for model values (feature `proptest`), for this crate's property
//! tests and for downstream property suites.

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::meta::ObjectMeta;
use crate::policy::{
    AnyAllConditions, Condition, Conditions, Deny, KyvernoPolicy, MatchResources, PolicySpec,
    ResourceDescription, ResourceFilter, Rule, Validation,
};

/// Short identifiers such as Kubernetes names.
pub fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,15}"
}

/// Arbitrary JSON scalars, including awkward strings (anchors, wildcards, `{{ }}`, YAML
/// 1.1 words that must stay strings when quoted).
pub fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1.0e9f64..1.0e9).prop_map(Value::from),
        prop_oneof![
            Just("?*".to_owned()),
            Just("!*:latest".to_owned()),
            Just("yes".to_owned()),
            Just("0755".to_owned()),
            Just("{{ request.object.metadata.name }}".to_owned()),
            Just(">=1 & <10".to_owned()),
            Just("".to_owned()),
            "[ -~]{0,20}",
            "\\PC{0,10}",
        ]
        .prop_map(Value::String),
    ]
}

/// Arbitrary JSON trees up to a small depth (patterns, free-form payloads).
pub fn json_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map("[a-zA-Z(^=X<+)]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn condition() -> impl Strategy<Value = Condition> {
    (
        json_value(),
        prop_oneof![Just("Equals"), Just("AnyIn"), Just("GreaterThan")],
        option::of(json_value()),
    )
        .prop_map(|(key, op, value)| Condition {
            key,
            operator: op.to_owned(),
            // `null` and absent mean the same; the model keeps absent.
            value: value.filter(|v| !v.is_null()),
            ..Condition::default()
        })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        name(),
        vec(name(), 1..3),
        option::of(json_value()),
        option::of(vec(condition(), 0..3)),
        option::of("[ -~]{0,30}"),
    )
        .prop_map(|(name, kinds, pattern, deny, message)| {
            let pattern = pattern.filter(|v| !v.is_null());
            Rule {
                name,
                match_: MatchResources {
                    any: vec![ResourceFilter {
                        resources: Some(ResourceDescription {
                            kinds,
                            ..ResourceDescription::default()
                        }),
                        ..ResourceFilter::default()
                    }],
                    ..MatchResources::default()
                },
                validate: Some(Validation {
                    message,
                    deny: if pattern.is_none() {
                        deny.map(|all| Deny {
                            conditions: Some(Conditions::AnyAll(AnyAllConditions {
                                all: Some(all),
                                ..AnyAllConditions::default()
                            })),
                            ..Deny::default()
                        })
                    } else {
                        None
                    },
                    pattern,
                    ..Validation::default()
                }),
                ..Rule::default()
            }
        })
}

/// Arbitrary ClusterPolicies with validate rules.
pub fn cluster_policy() -> impl Strategy<Value = KyvernoPolicy> {
    (
        name(),
        btree_map("[a-z./]{1,20}", "[ -~]{0,20}", 0..3),
        option::of(prop_oneof![Just("Audit"), Just("Enforce"), Just("enforce")]),
        option::of(any::<bool>()),
        vec(rule(), 0..4),
    )
        .prop_map(
            |(name, annotations, action, background, rules)| KyvernoPolicy {
                api_version: "kyverno.io/v1".to_owned(),
                kind: "ClusterPolicy".to_owned(),
                metadata: ObjectMeta {
                    name: Some(name),
                    annotations,
                    ..ObjectMeta::default()
                },
                spec: PolicySpec {
                    rules,
                    validation_failure_action: action.map(str::to_owned),
                    background,
                    ..PolicySpec::default()
                },
                extra: Map::new(),
            },
        )
}
