//! Condition blocks and operators (CV-1..9): an arbitrary `conditions` block × an arbitrary
//! resource, through the engine. Deterministic, and the block decides `validate.deny` and
//! `preconditions` alike: deny fails ⇔ preconditions met, deny passes ⇔ preconditions not
//! met (skip), error ⇔ error.
//! Input: conditions YAML, a `#----` separator line, resource YAML (default: a small Pod).

use crate::{default_pod, engine, match_any_kind, parse_first, policy, split2, status, text};
use policy_eval::EvalContext;
use policy_model::RuleStatus;
use serde_json::json;

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (conditions, resource) = split2(text);
    let Some(conditions) = parse_first(conditions) else {
        return;
    };
    let resource = parse_first(resource).unwrap_or_else(default_pod);
    let m = match_any_kind();
    let Some(engine) = engine([
        policy(
            "deny",
            vec![
                json!({"name": "r", "match": m, "validate": {"deny": {"conditions": conditions}}}),
            ],
        ),
        // An empty `deny` always fails: the rule fails exactly when the preconditions hold.
        policy(
            "pre",
            vec![
                json!({"name": "r", "match": m, "preconditions": conditions, "validate": {"deny": {}}}),
            ],
        ),
    ]) else {
        return;
    };
    let ctx = EvalContext::default();
    let ev = engine.evaluate(&resource, &ctx);
    assert_eq!(ev, engine.evaluate(&resource, &ctx));
    let (d, p) = (status(&ev, "deny", "r"), status(&ev, "pre", "r"));
    if let (Some(d), Some(p)) = (d, p) {
        let expected = match d {
            RuleStatus::Fail => RuleStatus::Fail,
            RuleStatus::Pass => RuleStatus::Skip,
            other => other,
        };
        assert_eq!(p, expected, "deny: {d:?}, preconditions: {p:?}\n{ev:#?}");
    }
}
