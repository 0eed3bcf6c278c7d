//! The engine as an embedder uses it: build once, evaluate many, read the results.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use policy_eval::{Engine, EvalContext, Operation};
use policy_model::exception::KyvernoException;
use policy_model::{Document, FailureAction, KyvernoPolicy, PolicyException, RuleStatus, load_str};
use proptest::prelude::*;
use serde_json::{Value, json};

const POLICIES: &str = r#"
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
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-latest
  annotations:
    policies.kyverno.io/scored: "false"
spec:
  rules:
  - name: tag
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "no latest"
      foreach:
      - list: request.object.spec.containers
        pattern: {image: "!*:latest"}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: ns-team
spec:
  rules:
  - name: check
    match: {any: [{resources: {kinds: [Namespace]}}]}
    validate:
      message: "namespace {{ request.object.metadata.name }} needs a team"
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.labels.team || '' }}"
            operator: Equals
            value: ""
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: selects-nothing
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [NoSuchKind]}}]}
    validate:
      pattern: {a: b}
"#;

fn policies() -> Vec<KyvernoPolicy> {
    let out = load_str("policies.yaml", POLICIES);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.documents
        .into_iter()
        .filter_map(|d| match d.document {
            Document::Policy(p) => Some(*p),
            _ => None,
        })
        .collect()
}

fn exception(yaml: &str) -> KyvernoException {
    match load_str("e.yaml", yaml)
        .documents
        .into_iter()
        .next()
        .map(|d| d.document)
    {
        Some(Document::Exception(PolicyException::Kyverno(e))) => *e,
        other => panic!("{other:?}"),
    }
}

fn pod(name: &str, labels: Value, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "prod", "labels": labels},
           "spec": {"containers": [{"name": "c", "image": image}]}})
}

fn statuses(engine: &Engine, resource: &Value) -> Vec<(String, String, RuleStatus)> {
    engine
        .evaluate(resource, &EvalContext::default())
        .results()
        .map(|r| (r.policy.to_string(), r.rule.to_string(), r.status))
        .collect()
}

#[test]
fn verdicts_modes_and_messages() {
    let engine = Engine::builder().policies(policies()).build().unwrap();
    assert!(engine.skipped().is_empty());
    let bad = pod("web", json!({}), "nginx:latest");
    let eval = engine.evaluate(&bad, &EvalContext::default());
    let team = eval.results().find(|r| r.policy == "require-team").unwrap();
    assert_eq!(team.status, RuleStatus::Fail);
    assert_eq!(team.mode, FailureAction::Enforce);
    assert!(
        team.message.contains("label 'team' is required"),
        "{}",
        team.message
    );
    // scored: "false" turns fail into warn (CLI-6.6).
    let latest = eval.results().find(|r| r.policy == "no-latest").unwrap();
    assert_eq!(latest.status, RuleStatus::Warn);
    assert_eq!(latest.mode, FailureAction::Audit);

    let good = pod("web", json!({"team": "a"}), "nginx:1.25");
    assert_eq!(
        statuses(&engine, &good),
        [
            ("require-team".into(), "team-label".into(), RuleStatus::Pass),
            ("no-latest".into(), "tag".into(), RuleStatus::Pass)
        ]
    );

    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "scratch"}});
    let r = engine.evaluate(&ns, &EvalContext::default());
    let check = r.results().next().unwrap();
    assert_eq!(check.status, RuleStatus::Fail);
    assert_eq!(check.message, "namespace scratch needs a team");
}

#[test]
fn autogen_checks_pod_controllers() {
    let engine = Engine::builder().policies(policies()).build().unwrap();
    let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "prod"},
        "spec": {"template": {"metadata": {"labels": {}}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}}});
    let got = statuses(&engine, &deploy);
    assert!(
        got.contains(&(
            "require-team".into(),
            "autogen-team-label".into(),
            RuleStatus::Fail
        )),
        "{got:?}"
    );
    let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c", "namespace": "prod"},
        "spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"team": "t"}}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}}}}});
    let got = statuses(&engine, &cron);
    assert!(
        got.contains(&(
            "require-team".into(),
            "autogen-cronjob-team-label".into(),
            RuleStatus::Pass
        )),
        "{got:?}"
    );
}

#[test]
fn exceptions_skip_and_are_named() {
    let ex = exception(
        "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: legacy, namespace: prod}\nspec:\n  exceptions:\n  - policyName: require-team\n    ruleNames: [team-label]\n  match:\n    any:\n    - resources: {kinds: [Pod], namespaces: [prod]}\n",
    );
    let engine = Engine::builder()
        .policies(policies())
        .exceptions([ex])
        .build()
        .unwrap();
    let eval = engine.evaluate(&pod("web", json!({}), "x:1"), &EvalContext::default());
    let team = eval.results().find(|r| r.policy == "require-team").unwrap();
    assert_eq!(team.status, RuleStatus::Skip);
    assert_eq!(team.exceptions, ["prod/legacy"]);
    assert_eq!(
        team.message,
        "rule is skipped due to policy exceptionsprod/legacy"
    );
}

#[test]
fn invalid_policies_are_skipped_with_a_reason() {
    let bad = load_str(
        "bad.yaml",
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: bad}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {message: \"{{ request.object.[ }}\", pattern: {a: b}}\n",
    );
    let Document::Policy(p) = bad.documents.into_iter().next().unwrap().document else {
        panic!()
    };
    let engine = Engine::builder().policies([*p]).build().unwrap();
    assert_eq!(engine.skipped().len(), 1);
    assert_eq!(engine.skipped()[0].policy, "bad");
}

#[test]
fn batch_matches_single_evaluation_in_order() {
    let engine = Engine::builder().policies(policies()).build().unwrap();
    let resources: Vec<Value> = (0..50)
        .map(|i| {
            pod(
                &format!("p{i}"),
                if i % 3 == 0 {
                    json!({})
                } else {
                    json!({"team": "t"})
                },
                "x:1",
            )
        })
        .collect();
    let ctx = EvalContext::default();
    let batch = engine.evaluate_batch(&resources, &ctx);
    let single: Vec<_> = resources.iter().map(|r| engine.evaluate(r, &ctx)).collect();
    assert_eq!(batch, single);
}

#[test]
fn delete_gives_pattern_rules_no_response() {
    let engine = Engine::builder().policies(policies()).build().unwrap();
    let ctx = EvalContext {
        operation: Operation::Delete,
        ..EvalContext::default()
    };
    let eval = engine.evaluate(&pod("web", json!({}), "x:latest"), &ctx);
    assert!(
        eval.results().all(|r| r.policy != "require-team"),
        "MR-4: DELETE → no pattern response"
    );
}

fn arb_pod() -> impl Strategy<Value = Value> {
    (
        "[a-z]{1,8}",
        proptest::option::of("[a-z]{0,4}"),
        prop_oneof![
            Just("nginx:latest"),
            Just("ghcr.io/acme/api:1"),
            Just("busybox")
        ],
        proptest::option::of("[a-z]{1,6}"),
    )
        .prop_map(|(name, team, image, ns)| {
            let labels = team.map_or_else(|| json!({}), |t| json!({"team": t}));
            let mut p = pod(&name, labels, image);
            if let Some(ns) = ns {
                p["metadata"]["namespace"] = Value::from(ns);
            }
            p
        })
}

fn sorted(engine: &Engine, r: &Value) -> Vec<(String, String, RuleStatus, String)> {
    let mut v: Vec<_> = engine
        .evaluate(r, &EvalContext::default())
        .results()
        .map(|x| {
            (
                x.policy.to_string(),
                x.rule.to_string(),
                x.status,
                x.message.to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #[test]
    fn evaluation_is_deterministic(p in arb_pod()) {
        let engine = Engine::builder().policies(policies()).build().unwrap();
        let ctx = EvalContext::default();
        prop_assert_eq!(engine.evaluate(&p, &ctx), engine.evaluate(&p, &ctx));
    }

    #[test]
    fn independent_of_policy_order(p in arb_pod(), seed in any::<u64>()) {
        let mut shuffled = policies();
        let n = shuffled.len();
        shuffled.rotate_left((seed as usize) % n);
        if seed % 2 == 0 { shuffled.reverse(); }
        let a = Engine::builder().policies(policies()).build().unwrap();
        let b = Engine::builder().policies(shuffled).build().unwrap();
        prop_assert_eq!(sorted(&a, &p), sorted(&b, &p));
    }

    #[test]
    fn a_policy_that_selects_nothing_yields_no_results(p in arb_pod()) {
        let engine = Engine::builder().policies(policies()).build().unwrap();
        let eval = engine.evaluate(&p, &EvalContext::default());
        prop_assert!(eval.results().all(|r| r.policy != "selects-nothing"));
    }

    #[test]
    fn a_non_matching_exception_changes_nothing(p in arb_pod(), other in "[a-z]{3,8}") {
        let ex = exception(&format!(
            "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {{name: e}}\nspec:\n  exceptions:\n  - policyName: zz-{other}\n    ruleNames: ['*']\n  match:\n    any:\n    - resources: {{kinds: [Pod]}}\n"
        ));
        let plain = Engine::builder().policies(policies()).build().unwrap();
        let with = Engine::builder().policies(policies()).exceptions([ex]).build().unwrap();
        let ctx = EvalContext::default();
        prop_assert_eq!(plain.evaluate(&p, &ctx), with.evaluate(&p, &ctx));
    }
}

#[test]
fn update_with_pre_existing_violations_mr_7_3() {
    let engine = Engine::builder().policies(policies()).build().unwrap();
    let ctx = EvalContext {
        operation: Operation::Update,
        ..EvalContext::default()
    };
    let eval = engine.evaluate(&pod("web", json!({}), "x:1"), &ctx);
    let team = eval.results().find(|r| r.policy == "require-team").unwrap();
    // Enforce + UPDATE: the old object fails too, so the failure is pre-existing → skip.
    assert_eq!(team.status, RuleStatus::Skip, "{}", team.message);

    // MR-7.3.2: a rule that depends on the operation keeps its fail.
    let deny_updates = load_str(
        "d.yaml",
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: no-updates}\nspec:\n  validationFailureAction: Enforce\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      deny:\n        conditions:\n          any:\n          - {key: \"{{ request.operation }}\", operator: AnyIn, value: [UPDATE, DELETE]}\n",
    );
    let Document::Policy(p) = deny_updates.documents.into_iter().next().unwrap().document else {
        panic!()
    };
    let engine = Engine::builder().policies([*p]).build().unwrap();
    let eval = engine.evaluate(&pod("web", json!({}), "x:1"), &ctx);
    assert_eq!(eval.results().next().unwrap().status, RuleStatus::Fail);
}

#[test]
fn pod_security_exception_adds_exclusions_mr_8_5() {
    let pss = load_str(
        "pss.yaml",
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: psa}\nspec:\n  rules:\n  - name: baseline\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      podSecurity: {level: baseline, version: latest}\n",
    );
    let Document::Policy(p) = pss.documents.into_iter().next().unwrap().document else {
        panic!()
    };
    let privileged = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ops"},
        "spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x:1"}]}});
    let plain = Engine::builder().policies([(*p).clone()]).build().unwrap();
    assert_eq!(
        plain
            .evaluate(&privileged, &EvalContext::default())
            .results()
            .next()
            .unwrap()
            .status,
        RuleStatus::Fail
    );
    let ex = exception(
        "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: host-net, namespace: ops}\nspec:\n  exceptions:\n  - policyName: psa\n    ruleNames: [baseline]\n  match:\n    any:\n    - resources: {kinds: [Pod], namespaces: [ops]}\n  podSecurity:\n  - controlName: Host Namespaces\n",
    );
    let with = Engine::builder()
        .policies([*p])
        .exceptions([ex])
        .build()
        .unwrap();
    let r = with.evaluate(&privileged, &EvalContext::default());
    let result = r.results().next().unwrap();
    assert_eq!(result.status, RuleStatus::Skip, "{}", result.message);
    assert_eq!(result.exceptions, ["ops/host-net"]);
}
