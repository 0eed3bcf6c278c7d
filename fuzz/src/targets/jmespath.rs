//! JMESPath with Kyverno's dialect and functions (CV-12, CV-15, CV-16), through the engine
//! (the interpreter is crate-private): the expression as a context variable's `jmesPath`
//! over arbitrary data, and inside `{{ }}` over the request context. Deterministic;
//! `Equals` is reflexive except on null (Kyverno: a null key equals nothing), so the block
//! `any: [{{ e }} Equals {{ e }}, {{ type(e) }} Equals null]` is never "not met": it holds or
//! it errors. The model's syntax check (`jmespath_syntax`) never panics.
//! Input: expression, a `#----` separator line, data YAML (also the resource when it is a
//! mapping; otherwise a small Pod).

use crate::{default_pod, engine, match_any_kind, parse_first, policy, split2, status, text};
use policy_eval::EvalContext;
use policy_model::RuleStatus;
use serde_json::{Value, json};

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (expr, data) = split2(text);
    let _ = policy_model::validate::jmespath_syntax(expr);
    let data = parse_first(data).unwrap_or(Value::Null);
    let resource = if data.is_object() {
        data.clone()
    } else {
        default_pod()
    };
    let m = match_any_kind();
    let over_data = policy(
        "data",
        vec![json!({
            "name": "r",
            "match": m,
            "context": [{"name": "result", "variable": {"value": data, "jmesPath": expr}}],
            "validate": {"message": "{{ result }}", "deny": {}},
        })],
    );
    // Inside `{{ }}` only when the text cannot close or nest the braces itself.
    let inline = !expr.contains("{{") && !expr.contains("}}") && !expr.trim().is_empty();
    let reflexive = inline.then(|| {
        let v = format!("{{{{ {expr} }}}}");
        let t = format!("{{{{ type({expr}) }}}}");
        policy(
            "reflexive",
            vec![json!({
                "name": "r",
                "match": m,
                "preconditions": {"any": [
                    {"key": v, "operator": "Equals", "value": v},
                    {"key": t, "operator": "Equals", "value": "null"},
                ]},
                "validate": {"deny": {}},
            })],
        )
    });
    let Some(engine) = engine([over_data, reflexive.flatten()]) else {
        return;
    };
    let ctx = EvalContext::default();
    let ev = engine.evaluate(&resource, &ctx);
    assert_eq!(ev, engine.evaluate(&resource, &ctx));
    if let Some(s) = status(&ev, "reflexive", "r") {
        assert_ne!(
            s,
            RuleStatus::Skip,
            "`{expr}` is not null yet not Equals itself\n{ev:#?}"
        );
    }
}
