//! Arbitrary policies × arbitrary resources through the engine: never panics, deterministic.
//! Input: policy YAML, a `\n#----\n` separator line, resource YAML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_eval::{Engine, EvalContext};
use policy_model::Document;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (policies, resources) = text.split_once("\n#----\n").unwrap_or((text, ""));
    let policies: Vec<_> = policy_model::load_str("p", policies)
        .documents
        .into_iter()
        .filter_map(|d| match d.document {
            Document::Policy(p) => Some(*p),
            _ => None,
        })
        .collect();
    let Ok(engine) = Engine::builder().policies(policies).build() else { return };
    let ctx = EvalContext::default();
    for r in policy_model::load_str("r", resources).documents {
        let Ok(v) = r.document.to_value() else { continue };
        let a = engine.evaluate(&v, &ctx);
        let b = engine.evaluate(&v, &ctx);
        assert_eq!(a, b);
    }
});
