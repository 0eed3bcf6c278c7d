//! Arbitrary policies × arbitrary resources through the engine: never panics, deterministic,
//! and `evaluate_batch` agrees with one-by-one evaluation.
//! Input: policy YAML, a `#----` separator line, resource YAML.

use crate::{split2, text};
use policy_eval::{Engine, EvalContext};
use policy_model::Document;

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (policies, resources) = split2(text);
    let policies: Vec<_> = policy_model::load_str("p", policies)
        .documents
        .into_iter()
        .filter_map(|d| match d.document {
            Document::Policy(p) => Some(*p),
            _ => None,
        })
        .collect();
    let Ok(engine) = Engine::builder().policies(policies).build() else {
        return;
    };
    let ctx = EvalContext::default();
    let resources: Vec<_> = policy_model::load_str("r", resources)
        .documents
        .into_iter()
        .filter_map(|r| r.document.to_value().ok())
        .collect();
    let one_by_one: Vec<_> = resources.iter().map(|v| engine.evaluate(v, &ctx)).collect();
    for (v, a) in resources.iter().zip(&one_by_one) {
        assert_eq!(*a, engine.evaluate(v, &ctx));
    }
    assert_eq!(engine.evaluate_batch(&resources, &ctx), one_by_one);
}
