//! `x509_decode` end to end (conditions CV-16): a deny condition reads the decoded
//! certificate of a ConfigMap. Certificates come from `policy-gotypes/tests/data/x509/gen.sh` (OpenSSL).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use policy_eval::{Engine, EvalContext};
use policy_model::{Document, RuleStatus, load_str};
use serde_json::{Value, json};

const POLICY: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: check-cert
spec:
  validationFailureAction: Enforce
  rules:
  - name: common-name
    match: {any: [{resources: {kinds: [ConfigMap]}}]}
    validate:
      message: "certificate CN is {{ x509_decode(request.object.data.cert).Subject.CommonName }}"
      deny:
        conditions:
          any:
          - key: "{{ x509_decode(request.object.data.cert).Subject.CommonName }}"
            operator: NotEquals
            value: web.example.com
          - key: "{{ x509_decode(request.object.data.cert).IsCA }}"
            operator: Equals
            value: true
"#;

fn engine() -> Engine {
    let loaded = load_str("p.yaml", POLICY);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let Document::Policy(p) = loaded.documents.into_iter().next().unwrap().document else {
        panic!("not a policy")
    };
    Engine::builder().policies([*p]).build().unwrap()
}

fn config_map(cert: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "tls", "namespace": "default"},
           "data": {"cert": cert}})
}

fn verdict(cert: &str) -> (RuleStatus, String) {
    let engine = engine();
    let eval = engine.evaluate(&config_map(cert), &EvalContext::default());
    let r = eval.results().next().unwrap();
    (r.status, r.message.to_string())
}

#[test]
fn deny_on_decoded_subject_cv16() {
    let (status, message) = verdict(include_str!(
        "../../policy-gotypes/tests/data/x509/leaf.pem"
    ));
    assert_eq!(status, RuleStatus::Pass, "{message}");

    let (status, message) = verdict(include_str!("../../policy-gotypes/tests/data/x509/ca.pem"));
    assert_eq!(status, RuleStatus::Fail);
    assert_eq!(message, "certificate CN is Example Test CA");
}

#[test]
fn undecodable_certificate_is_a_rule_error_cv16() {
    let (status, message) =
        verdict("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert_eq!(status, RuleStatus::Error, "{message}");
    assert!(message.contains("x509_decode"), "{message}");
}
