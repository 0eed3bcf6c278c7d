//! The fuzz targets ([`targets`]: one `run(data)` per target, driven by libFuzzer through
//! `fuzz_targets/` and by the replay binary `src/bin/replay.rs`), and the helpers they and the
//! seed writer (`examples/seeds.rs`) share: input splitting, YAML reading, and one-policy
//! engines built around an arbitrary piece (a pattern, a condition block, an expression).

pub mod targets;

use policy_eval::{Engine, Evaluation};
use policy_model::{KyvernoPolicy, RuleStatus};
use serde_json::{Value, json};

/// Separates the parts of a multi-part input (`pattern`, `conditions`, `jmespath`,
/// `template`, `patch`, `evaluate`): a line `#----` (a YAML comment, so each part stays
/// valid YAML on its own).
pub const SEP: &str = "\n#----\n";

/// The input as text; `None` for invalid UTF-8 (every target reads text).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The first part and the rest (empty when there is no separator).
pub fn split2(text: &str) -> (&str, &str) {
    text.split_once(SEP).unwrap_or((text, ""))
}

/// Every document of a YAML/JSON stream that parses, in order (the others are dropped).
pub fn parse_docs(text: &str) -> Vec<Value> {
    policy_model::split_stream(text)
        .iter()
        .filter_map(|d| d.parse("fuzz").ok())
        .collect()
}

/// The first document of a YAML/JSON stream, when it parses.
pub fn parse_first(text: &str) -> Option<Value> {
    policy_model::split_stream(text)
        .first()
        .and_then(|d| d.parse("fuzz").ok())
}

/// Reads a YAML stream written by [`policy_render::to_yaml_stream`] back, document by document.
pub fn read_back(yaml: &str) -> Vec<Result<Value, String>> {
    policy_model::split_stream(yaml)
        .iter()
        .map(|d| d.parse("back").map_err(|e| e.to_string()))
        .collect()
}

/// `match` selecting every kind (needs `background: false`, which [`policy`] sets).
pub fn match_any_kind() -> Value {
    json!({"any": [{"resources": {"kinds": ["*"]}}]})
}

/// A Pod, for targets whose input carries no resource.
pub fn default_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "fuzz", "namespace": "default", "labels": {"app": "fuzz"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    })
}

/// A ClusterPolicy `name` (Audit, `background: false`) with these rules, when it
/// deserializes.
pub fn policy(name: &str, rules: Vec<Value>) -> Option<KyvernoPolicy> {
    serde_json::from_value(json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {"name": name},
        "spec": {"validationFailureAction": "Audit", "background": false, "rules": rules},
    }))
    .ok()
}

/// An engine over the policies that deserialize (invalid ones are skipped by the engine,
/// as Kyverno does).
pub fn engine(policies: impl IntoIterator<Item = Option<KyvernoPolicy>>) -> Option<Engine> {
    Engine::builder()
        .policies(policies.into_iter().flatten())
        .build()
        .ok()
}

/// The status of rule `rule` of policy `policy` (`None`: the rule gave no result).
pub fn status(ev: &Evaluation, policy: &str, rule: &str) -> Option<RuleStatus> {
    ev.results()
        .find(|r| r.policy == policy && r.rule == rule)
        .map(|r| r.status)
}
