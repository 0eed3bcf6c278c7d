//! Embedding the engine in another Rust program: load policies once, evaluate resources from
//! anywhere (here: inline JSON), read the verdicts.
//!
//! Run with `cargo run -p policy-eval --example embed`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use policy_eval::{Engine, EvalContext, Operation};
use policy_model::{Document, RuleStatus, load_str};
use serde_json::json;

const POLICY: &str = r#"
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  validationFailureAction: Enforce
  rules:
  - name: team-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label 'team' is required"
      pattern: {metadata: {labels: {team: "?*"}}}
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // 1. Load (errors carry file:line:column and the field path).
    let loaded = load_str("inline-policy.yaml", POLICY);
    for e in &loaded.errors {
        eprintln!("{e}");
    }
    let policies = loaded
        .documents
        .into_iter()
        .filter_map(|d| match d.document {
            Document::Policy(p) => Some(*p),
            _ => None,
        });

    // 2. Build once: validation, JMESPath compilation, autogen, pattern compilation.
    //    `Err` only when the engine cannot be built at all; an invalid policy is skipped
    //    and listed by `engine.skipped()`, as Kyverno's CLI skips it.
    let engine = Engine::builder().policies(policies).build()?;

    // 3. Evaluate many: resources are plain serde_json values; the context carries time,
    //    operation, user info, values and external data (nothing is read from the system).
    let ctx = EvalContext {
        operation: Operation::Create,
        ..EvalContext::default()
    };
    let resources = vec![
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok", "namespace": "a", "labels": {"team": "x"}},
               "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "a"},
               "spec": {"template": {"metadata": {"labels": {}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
    ];
    for evaluation in engine.evaluate_batch(&resources, &ctx) {
        for r in evaluation.results() {
            let verdict = if r.status == RuleStatus::Fail {
                "FAIL"
            } else {
                r.status.as_str()
            };
            println!(
                "{} {}/{} {}: {} ({})",
                verdict, r.policy, r.rule, r.resource, r.message, r.mode
            );
        }
    }
    Ok(())
}
