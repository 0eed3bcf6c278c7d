//! Properties of exceptions over time, through the real engine: an exception never turns a
//! pass into a fail; an exception expired at `now` changes no result (and names itself on
//! the results it would have exempted); the set in force only shrinks as time moves on.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;

use policy_eval::{Engine, EvalContext};
use policy_exceptions::{Governance, SignedDuration, Timestamp, in_force};
use policy_model::exception::KyvernoException;
use policy_model::{Document, KyvernoPolicy, PolicyException, RuleResult, RuleStatus, load_str};
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
  - name: app-label
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "label 'app' is required"
      pattern: {metadata: {labels: {app: "?*"}}}
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: disallow-latest
spec:
  rules:
  - name: no-latest
    match: {any: [{resources: {kinds: [Pod]}}]}
    validate:
      message: "no latest"
      pattern: {spec: {containers: [{image: "!*:latest"}]}}
"#;

fn policies() -> Vec<KyvernoPolicy> {
    load_str("p.yaml", POLICIES)
        .documents
        .into_iter()
        .filter_map(|l| match l.document {
            Document::Policy(p) => Some(*p),
            _ => None,
        })
        .collect()
}

fn now() -> Timestamp {
    "2025-06-15T12:00:00Z".parse().unwrap()
}

fn ctx() -> EvalContext {
    EvalContext {
        now: std::time::SystemTime::try_from(now()).unwrap(),
        ..EvalContext::default()
    }
}

fn pod() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["a", "b", "c"]),
        prop::sample::select(vec!["web", "db", "job"]),
        prop::option::of(prop::sample::select(vec!["red", "blue", ""])),
        prop::option::of(prop::sample::select(vec!["web", "db"])),
        prop::sample::select(vec!["nginx:1.25", "nginx:latest", "redis"]),
    )
        .prop_map(|(ns, name, team, app, image)| {
            let mut labels = serde_json::Map::new();
            if let Some(t) = team {
                labels.insert("team".into(), json!(t));
            }
            if let Some(a) = app {
                labels.insert("app".into(), json!(a));
            }
            json!({
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": ns, "labels": labels},
                "spec": {"containers": [{"name": "c", "image": image}]},
            })
        })
}

/// An exception without governance data (the expiry is added by the tests).
#[derive(Clone, Debug)]
struct Spec {
    name: String,
    policy: &'static str,
    rules: Vec<&'static str>,
    namespaces: Vec<&'static str>,
    names: Vec<&'static str>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0u8..8,
        prop::sample::select(vec!["require-team", "disallow-latest", "*", "require-*"]),
        prop::collection::vec(
            prop::sample::select(vec!["team-label", "app-label", "no-latest", "*", "*-label"]),
            1..3,
        ),
        prop::collection::vec(prop::sample::select(vec!["a", "b", "*"]), 0..2),
        prop::collection::vec(prop::sample::select(vec!["web", "d*"]), 0..2),
    )
        .prop_map(|(i, policy, rules, namespaces, names)| Spec {
            name: format!("ex-{i}"),
            policy,
            rules,
            namespaces,
            names,
        })
}

fn yaml_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", quoted.join(", "))
}

fn exception(s: &Spec, annotations: &str) -> PolicyException {
    let mut resources = "kinds: [Pod]".to_owned();
    if !s.namespaces.is_empty() {
        resources.push_str(&format!(", namespaces: {}", yaml_list(&s.namespaces)));
    }
    if !s.names.is_empty() {
        resources.push_str(&format!(", names: {}", yaml_list(&s.names)));
    }
    let yaml = format!(
        "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: {}\n  namespace: exceptions\n  annotations: {{{annotations}}}\nspec:\n  exceptions:\n  - policyName: '{}'\n    ruleNames: {}\n  match:\n    any:\n    - resources: {{{resources}}}\n",
        s.name,
        s.policy,
        yaml_list(&s.rules)
    );
    let out = load_str("e.yaml", &yaml);
    assert!(out.errors.is_empty(), "{yaml}\n{:?}", out.errors);
    match out.documents.into_iter().next().unwrap().document {
        Document::Exception(e) => e,
        other => panic!("{other:?}"),
    }
}

fn kyverno(e: PolicyException) -> KyvernoException {
    match e {
        PolicyException::Kyverno(k) => *k,
        PolicyException::Cel(_) => unreachable!(),
    }
}

fn results(engine: &Engine, resource: &Value) -> Vec<RuleResult> {
    engine
        .evaluate(resource, &ctx())
        .results()
        .cloned()
        .collect()
}

fn key(r: &RuleResult) -> (String, String) {
    (r.policy.to_string(), r.rule.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// An exception in force can only turn a result into `skip`; never a pass into a fail.
    #[test]
    fn an_exception_never_turns_a_pass_into_a_fail(
        resource in pod(),
        specs in prop::collection::vec(spec(), 0..4),
    ) {
        let plain = Engine::builder().policies(policies()).build().unwrap();
        let exceptions: Vec<_> = specs.iter().map(|s| kyverno(exception(s, ""))).collect();
        let exempted = Engine::builder().policies(policies()).exceptions(exceptions).build().unwrap();
        let before = results(&plain, &resource);
        let after = results(&exempted, &resource);
        prop_assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            prop_assert_eq!(key(b), key(a));
            if b.status == RuleStatus::Pass {
                prop_assert_ne!(a.status, RuleStatus::Fail);
            }
            prop_assert!(a.status == b.status || a.status == RuleStatus::Skip, "{:?} -> {:?}", b.status, a.status);
        }
    }

    /// Exceptions that expired at or before `now` change no status or message; each result
    /// they would have exempted names them with their expiry.
    #[test]
    fn an_exception_expired_at_now_changes_no_result(
        resource in pod(),
        specs in prop::collection::vec((spec(), 0i64..100_000), 1..4),
        date_only in any::<bool>(),
    ) {
        let n = now();
        let mut expired = Vec::new();
        let mut active = Vec::new();
        for (s, secs_ago) in &specs {
            // the expiry is `secs_ago` seconds before now (0: exactly now); date-only forms
            // mean the end of the day, so use the day before today's date
            let expiry = if date_only {
                let day = n.checked_sub(SignedDuration::from_hours(24 * (1 + secs_ago % 3))).unwrap();
                day.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string()
            } else {
                n.checked_sub(SignedDuration::from_secs(*secs_ago)).unwrap().to_string()
            };
            expired.push(exception(s, &format!("exceptions.policyctl.dev/expires: '{expiry}'")));
            active.push(kyverno(exception(s, "")));
        }
        let set = in_force(expired, n, &Governance::expiry_only());
        prop_assert!(set.in_force.is_empty());
        let plain = Engine::builder().policies(policies()).build().unwrap();
        let with_expired = Engine::builder()
            .policies(policies())
            .exceptions(set.kyverno())
            .exceptions_not_in_force(set.kyverno_not_in_force())
            .build()
            .unwrap();
        let with_active = Engine::builder().policies(policies()).exceptions(active).build().unwrap();
        let before = results(&plain, &resource);
        let after = results(&with_expired, &resource);
        let if_active = results(&with_active, &resource);
        prop_assert_eq!(before.len(), after.len());
        for ((b, a), x) in before.iter().zip(&after).zip(&if_active) {
            prop_assert_eq!(key(b), key(a));
            prop_assert_eq!(b.status, a.status);
            prop_assert_eq!(&b.message, &a.message);
            prop_assert!(a.exceptions.is_empty());
            // named exactly where the same exceptions, in force, would have exempted
            let named = a.properties.get("expiredExceptions");
            prop_assert_eq!(named.is_some(), !x.exceptions.is_empty(), "{:?}", named);
            if let Some(text) = named {
                prop_assert!(text.contains("expired at "), "{}", text);
                for k in &x.exceptions {
                    prop_assert!(text.contains(k.as_str()), "{} lacks {}", text, k);
                }
            }
        }
    }

    /// Without review data, the set in force at a later instant is a subset of the set in
    /// force at an earlier one, under the strict defaults and under expiry-only rules.
    #[test]
    fn the_set_in_force_only_shrinks(
        items in prop::collection::vec((
            spec(),
            prop::option::of(0i64..400),                        // expires, days from base
            any::<bool>(),                                        // date-only expiry
            prop::option::of(0i64..200),                          // created, days from base
            prop::option::of(prop::sample::select(vec!["24h", "30d", "2025-03-01", "2025-03-01T120000Z", "bogus"])),
            prop::option::of(prop::sample::select(vec!["PLAT-1", "bad"])),
        ), 0..6),
        t1 in 0i64..(500 * 86_400),
        dt in 0i64..(200 * 86_400),
    ) {
        let base: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let at = |days: i64| base.checked_add(SignedDuration::from_hours(24 * days)).unwrap();
        let mut exceptions = Vec::new();
        for (i, (s, expires, date_only, created, ttl, ticket)) in items.iter().enumerate() {
            let mut ann = Vec::new();
            if let Some(d) = expires {
                let t = at(*d);
                let text = if *date_only {
                    t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string()
                } else {
                    t.to_string()
                };
                ann.push(format!("exceptions.policyctl.dev/expires: '{text}'"));
            }
            if let Some(d) = created {
                ann.push(format!("exceptions.policyctl.dev/created: '{}'", at(*d)));
            }
            if let Some(t) = ticket {
                ann.push(format!("exceptions.policyctl.dev/ticket: '{t}'"));
            }
            let mut s = s.clone();
            s.name = format!("ex-{i}");
            let mut e = exception(&s, &ann.join(", "));
            if let (Some(ttl), PolicyException::Kyverno(k)) = (ttl, &mut e) {
                k.metadata.labels.insert("cleanup.kyverno.io/ttl".into(), (*ttl).to_owned());
            }
            exceptions.push(e);
        }
        let t1 = base.checked_add(SignedDuration::from_secs(t1)).unwrap();
        let t2 = t1.checked_add(SignedDuration::from_secs(dt)).unwrap();
        for gov in [Governance::strict(), Governance::expiry_only()] {
            let keys = |t| -> BTreeSet<String> {
                in_force(exceptions.clone(), t, &gov).in_force.iter().map(PolicyException::key).collect()
            };
            let (early, late) = (keys(t1), keys(t2));
            prop_assert!(late.is_subset(&early), "{:?} at {} vs {:?} at {}", late, t2, early, t1);
        }
    }
}

#[test]
fn an_expired_exception_names_itself_and_exempts_nothing() {
    let resource = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "a", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    });
    let s = Spec {
        name: "legacy".into(),
        policy: "require-team",
        rules: vec!["team-label"],
        namespaces: vec!["a"],
        names: vec![],
    };
    let e = exception(&s, "exceptions.policyctl.dev/expires: '2025-06-14'");
    let set = in_force([e], now(), &Governance::expiry_only());
    let engine = Engine::builder()
        .policies(policies())
        .exceptions(set.kyverno())
        .exceptions_not_in_force(set.kyverno_not_in_force())
        .build()
        .unwrap();
    let r = results(&engine, &resource);
    let team = r.iter().find(|r| r.rule == "team-label").unwrap();
    assert_eq!(team.status, RuleStatus::Fail);
    assert_eq!(
        team.properties.get("expiredExceptions").map(String::as_str),
        Some("exceptions/legacy expired at 2025-06-15T00:00:00Z")
    );
    let app = r.iter().find(|r| r.rule == "app-label").unwrap();
    assert_eq!(app.status, RuleStatus::Pass);
    assert!(!app.properties.contains_key("expiredExceptions"));

    // the day before, it is in force: skip, named in `exceptions`
    let before: Timestamp = "2025-06-14T23:59:59Z".parse().unwrap();
    let e = exception(&s, "exceptions.policyctl.dev/expires: '2025-06-14'");
    let set = in_force([e], before, &Governance::expiry_only());
    let engine = Engine::builder()
        .policies(policies())
        .exceptions(set.kyverno())
        .exceptions_not_in_force(set.kyverno_not_in_force())
        .build()
        .unwrap();
    let r = results(&engine, &resource);
    let team = r.iter().find(|r| r.rule == "team-label").unwrap();
    assert_eq!(team.status, RuleStatus::Skip);
    assert_eq!(team.exceptions, vec!["exceptions/legacy".to_owned()]);
}
