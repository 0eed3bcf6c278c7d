//! Pattern matching (P-*): an arbitrary pattern × an arbitrary resource, through the engine
//! (the matcher is crate-private). Deterministic, and `anyPattern: [p]` agrees with
//! `pattern: p` (pass ⇔ pass, skip ⇔ skip, fail/error ⇔ fail/error).
//! Input: pattern YAML, a `#----` separator line, resource YAML (default: a small Pod).

use crate::{default_pod, engine, match_any_kind, parse_first, policy, split2, status, text};
use policy_eval::EvalContext;
use policy_model::RuleStatus;
use serde_json::json;

fn class(s: Option<RuleStatus>) -> Option<u8> {
    s.map(|s| match s {
        RuleStatus::Pass => 0,
        RuleStatus::Skip => 1,
        RuleStatus::Fail | RuleStatus::Error => 2,
        _ => 3,
    })
}

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (pattern, resource) = split2(text);
    let Some(pattern) = parse_first(pattern) else {
        return;
    };
    let resource = parse_first(resource).unwrap_or_else(default_pod);
    let m = match_any_kind();
    let Some(engine) = engine([
        policy(
            "p",
            vec![
                json!({"name": "r", "match": m, "validate": {"message": "m", "pattern": pattern}}),
            ],
        ),
        policy(
            "a",
            vec![
                json!({"name": "r", "match": m, "validate": {"message": "m", "anyPattern": [pattern]}}),
            ],
        ),
    ]) else {
        return;
    };
    let ctx = EvalContext::default();
    let ev = engine.evaluate(&resource, &ctx);
    assert_eq!(ev, engine.evaluate(&resource, &ctx));
    let (p, a) = (status(&ev, "p", "r"), status(&ev, "a", "r"));
    if p.is_some() && a.is_some() {
        assert_eq!(
            class(p),
            class(a),
            "pattern: {p:?}, anyPattern: {a:?}\n{ev:#?}"
        );
    }
}
