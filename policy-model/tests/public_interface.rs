//! The crate as an embedder uses it: load from text and readers, inspect typed documents,
//! view resources, validate, serialize.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use policy_model::policy::Severity;
use policy_model::validate::validate_policy;
use policy_model::{Document, FailureAction, LoadErrorKind, load_reader, load_str};

const REPO: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
  annotations:
    policies.kyverno.io/category: Multi-Tenancy
    policies.kyverno.io/severity: HIGH
    policies.kyverno.io/scored: "false"
spec:
  validationFailureAction: enforce
  rules:
  - name: team-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label 'team' is required"
      pattern: {metadata: {labels: {team: "?*"}}}
    x-custom: kept
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {team: a}}
spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 0755}]}]}
"#;

#[test]
fn load_inspect_validate_and_save() {
    let out = load_str("repo.yaml", REPO);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let Document::Policy(policy) = &out.documents[0].document else {
        panic!("policy expected")
    };
    assert_eq!(policy.name(), "require-team");
    assert_eq!(
        policy.validation_failure_action(),
        FailureAction::Enforce,
        "lower-case `enforce` enforces (MR-7.2.2)"
    );
    let ann = policy.annotations();
    assert_eq!(ann.category(), Some("Multi-Tenancy"));
    assert_eq!(ann.severity(), Some(Severity::High));
    assert!(!ann.scored());
    assert_eq!(policy.spec.rules[0].extra["x-custom"], "kept");
    assert!(validate_policy(policy).is_empty());

    let Document::Resource(pod) = &out.documents[1].document else {
        panic!("resource expected")
    };
    let view = pod.view();
    assert_eq!(
        (view.kind(), view.namespace(), view.name()),
        ("Pod", "prod", "web")
    );
    assert_eq!(view.label("team"), Some("a"));
    // YAML 1.1 octal, as Kubernetes reads it.
    assert_eq!(
        pod.value()["spec"]["containers"][0]["ports"][0]["containerPort"],
        493
    );
    assert_eq!(out.documents[1].origin.position.line, 19);

    // Saving keeps the unknown field.
    let yaml = out.documents[0].document.to_yaml().unwrap();
    assert!(yaml.contains("x-custom: kept"), "{yaml}");
}

#[test]
fn reader_and_string_loading_agree() {
    let a = load_str("s", REPO);
    let b = load_reader("s", REPO.as_bytes());
    assert_eq!(a, b);
}

#[test]
fn one_bad_document_does_not_hide_the_others() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkey: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n";
    let out = load_str("s.yaml", text);
    assert_eq!(out.documents.len(), 2);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].kind, LoadErrorKind::Syntax);
    assert_eq!(out.errors[0].document, Some(1));
}
