//! Hostile policies and resources through the public API (`Engine` built from policy YAML,
//! `evaluate` on a resource), one test per attack with the limit it relies on (issue 9).
//! Evaluation never panics and never runs unbounded: trouble is a rule result `error`.
//!
//! Timing bounds are generous for a debug build on a shared 2-core box: they catch
//! exponential behaviour, not a slow machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    clippy::print_stderr
)]

use std::time::{Duration, Instant, SystemTime};

use policy_eval::{Engine, EvalContext};
use policy_model::{Document, KyvernoPolicy, RuleResult, RuleStatus, load_str};
use serde_json::{Value, json};

fn policy(yaml: &str) -> KyvernoPolicy {
    let out = load_str("p.yaml", yaml);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    match out.documents.into_iter().next().unwrap().document {
        Document::Policy(p) => *p,
        other => panic!("{other:?}"),
    }
}

/// A ClusterPolicy with one validate rule on ConfigMaps; `validate` is the rule's
/// `validate:` body, indented by 6.
fn rule_policy(validate: &str) -> KyvernoPolicy {
    policy(&format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: hostile}}\nspec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [ConfigMap]}}}}]}}\n    validate:\n{validate}"
    ))
}

/// A deny rule whose single condition is `key` `operator` `value` (YAML flow scalars).
fn deny_policy(key: &str, operator: &str, value: &str) -> KyvernoPolicy {
    rule_policy(&format!(
        "      message: \"denied\"\n      deny:\n        conditions:\n          any:\n          - key: {key}\n            operator: {operator}\n            value: {value}\n"
    ))
}

fn config_map(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ns"}, "data": data})
}

/// Builds the engine and evaluates once within `limit`; returns the single rule result.
fn run(what: &str, p: KyvernoPolicy, resource: &Value, limit: Duration) -> RuleResult {
    run_ctx(what, p, resource, &EvalContext::default(), limit)
}

fn run_ctx(
    what: &str,
    p: KyvernoPolicy,
    resource: &Value,
    ctx: &EvalContext,
    limit: Duration,
) -> RuleResult {
    let start = Instant::now();
    let engine = Engine::builder().policies([p]).build().unwrap();
    assert!(
        engine.skipped().is_empty(),
        "{what}: {:?}",
        engine.skipped()
    );
    let eval = engine.evaluate(resource, ctx);
    let took = start.elapsed();
    assert!(took < limit, "{what}: took {took:?}, limit {limit:?}");
    eprintln!("{what}: {took:?}");
    let results: Vec<_> = eval.results().cloned().collect();
    assert_eq!(results.len(), 1, "{what}: {results:?}");
    results.into_iter().next().unwrap()
}

/// Regexes that backtrack catastrophically in PCRE-style engines (`(a+)+$` on `aaaa…!`
/// needs 2^n steps there). Ours is the `regex` crate (finite automata, linear in the input);
/// limit: `REGEX_SIZE_LIMIT` on the compiled program. Each finishes in well under a second.
#[test]
fn catastrophic_backtracking_regexes_stay_linear() {
    let text = format!("{}!", "a".repeat(50_000));
    let patterns = [
        "^(a+)+$",
        "^(a|a)*$",
        "^(a|aa)+$",
        "^(a*)*b$",
        "^(.*a){20}$",
        "^(\\\\w+\\\\s?)*$",
        "(x+x+)+y",
    ];
    for pat in patterns {
        let p = deny_policy(
            &format!("\"{{{{ regex_match('{pat}', request.object.data.text) }}}}\""),
            "Equals",
            "true",
        );
        let r = run(
            pat,
            p,
            &config_map(json!({"text": text})),
            Duration::from_secs(5),
        );
        // None of them matches `aaaa…!`: the deny condition is false, the rule passes.
        assert_eq!(r.status, RuleStatus::Pass, "{pat}: {}", r.message);
    }
    // Backreferences are not Go (RE2) syntax: an error result, not a hang.
    let p = deny_policy(
        "\"{{ regex_match('^(a+)\\\\1$', request.object.data.text) }}\"",
        "Equals",
        "true",
    );
    let r = run(
        "backreference",
        p,
        &config_map(json!({"text": "aa"})),
        Duration::from_secs(5),
    );
    assert_eq!(r.status, RuleStatus::Error, "{}", r.message);
    // A huge counted repetition is beyond the compiled-size limit: an error, fast.
    let p = deny_policy(
        "\"{{ regex_match('(((a{100}){100}){100}){100}', request.object.data.text) }}\"",
        "Equals",
        "true",
    );
    let r = run(
        "huge repetition",
        p,
        &config_map(json!({"text": "a"})),
        Duration::from_secs(5),
    );
    assert_eq!(r.status, RuleStatus::Error, "{}", r.message);
}

/// Wildcards with thousands of `*` (P-1): the greedy two-pointer matcher is
/// O(len(pattern) × len(text)), no recursion, no regex; 5,000 stars against a 20,000-char
/// value that almost matches finishes in well under a second.
#[test]
fn wildcards_with_thousands_of_stars_stay_polynomial() {
    let stars = "*a".repeat(5_000);
    let text = "a".repeat(20_000);
    for (what, pattern, value, status) in [
        (
            "stars then b",
            format!("{stars}b"),
            text.clone(),
            RuleStatus::Fail,
        ),
        (
            "only stars",
            "*".repeat(10_000),
            text.clone(),
            RuleStatus::Pass,
        ),
        (
            "stars and ?",
            "*?".repeat(5_000),
            text.clone(),
            RuleStatus::Pass,
        ),
        (
            "stars, too short",
            format!("{stars}{}", "?".repeat(20_000)),
            text.clone(),
            RuleStatus::Fail,
        ),
    ] {
        let p = rule_policy(&format!(
            "      message: \"no\"\n      pattern:\n        data:\n          v: \"{pattern}\"\n"
        ));
        let r = run(
            what,
            p,
            &config_map(json!({"v": value})),
            Duration::from_secs(5),
        );
        assert_eq!(r.status, status, "{what}: {}", r.message);
    }
    // The same pattern as a `match` name and through the `pattern_match` function.
    let p = deny_policy(
        &format!("\"{{{{ pattern_match('{stars}b', request.object.data.v) }}}}\""),
        "Equals",
        "true",
    );
    let r = run(
        "pattern_match",
        p,
        &config_map(json!({"v": text})),
        Duration::from_secs(5),
    );
    assert_eq!(r.status, RuleStatus::Pass, "{}", r.message);
}

/// JMESPath that builds big values. Limits: `MAX_OUTPUT` (16 MiB) on string-building
/// functions, variables' `MAX_TEXT_LEN` (1 MiB) on substituted text, evaluation depth 128.
/// A doubling pipe `[@, @] | [@, @] | …` is bounded by the interpreter's budget of built
/// values (`MAX_BUILT_NODES`, 1,000,000): 2^16 copies are fine, 2^40 are an error, quickly.
#[test]
fn jmespath_that_builds_huge_values_is_bounded() {
    // Functions that multiply a string: capped.
    for (what, expr) in [
        (
            "regex_replace_all grows",
            "regex_replace_all('a', request.object.data.v, '$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0$0')",
        ),
        (
            "split into chars",
            "length(split(request.object.data.v, ''))",
        ),
    ] {
        let p = deny_policy(&format!("\"{{{{ {expr} }}}}\""), "Equals", "\"never\"");
        let r = run(
            what,
            p,
            &config_map(json!({"v": "a".repeat(2_000_000)})),
            Duration::from_secs(20),
        );
        assert!(
            matches!(r.status, RuleStatus::Pass | RuleStatus::Error),
            "{what}: {:?} {}",
            r.status,
            r.message
        );
    }
    // Doubling pipes, 16 of them: 65,536 copies of the input.
    let doubling = vec!["[@, @]"; 16].join(" | ");
    let p = deny_policy(
        &format!("\"{{{{ request.object.data | {doubling} | length(@) }}}}\""),
        "Equals",
        "0",
    );
    let r = run(
        "2^16 doubling",
        p,
        &config_map(json!({"v": "x"})),
        Duration::from_secs(10),
    );
    assert_eq!(r.status, RuleStatus::Pass, "{}", r.message);
    // 40 doublings would build 2^40 values: the budget stops it.
    let huge = vec!["[@, @]"; 40].join(" | ");
    let p = deny_policy(
        &format!("\"{{{{ request.object.data | {huge} | length(@) }}}}\""),
        "Equals",
        "0",
    );
    let r = run(
        "2^40 doubling",
        p,
        &config_map(json!({"v": "x"})),
        Duration::from_secs(10),
    );
    assert_eq!(r.status, RuleStatus::Error, "{}", r.message);
    assert!(r.message.contains("builds more than"), "{}", r.message);
    // The substituted text of a huge value is capped (MAX_TEXT_LEN): an error, not 1 GB.
    let p = deny_policy(
        &format!("\"{{{{ to_string(request.object.data | {doubling}) }}}}\""),
        "Equals",
        "\"never\"",
    );
    let r = run(
        "huge text",
        p,
        &config_map(json!({"v": "x".repeat(100)})),
        Duration::from_secs(20),
    );
    assert!(
        matches!(r.status, RuleStatus::Error | RuleStatus::Pass),
        "{:?} {}",
        r.status,
        r.message
    );
}

/// `random()` and the time functions depend only on the `EvalContext`: the same `now` and
/// `seed` give the same output, every time; no clock is read.
#[test]
fn random_and_time_are_deterministic_under_a_fixed_context() {
    let p = rule_policy(
        "      message: \"{{ random('[a-z0-9]{24}') }} {{ time_now_utc() }} {{ time_now() }}\"\n      deny:\n        conditions:\n          any:\n          - key: a\n            operator: Equals\n            value: a\n",
    );
    let engine = Engine::builder().policies([p]).build().unwrap();
    let cm = config_map(json!({}));
    let ctx = |secs: u64, seed: u64| EvalContext {
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
        seed,
        ..EvalContext::default()
    };
    let message = |c: &EvalContext| {
        let eval = engine.evaluate(&cm, c);
        let r = eval.results().next().unwrap();
        assert_eq!(r.status, RuleStatus::Fail, "{}", r.message);
        r.message.clone()
    };
    let first = message(&ctx(1_710_073_845, 7));
    for _ in 0..5 {
        assert_eq!(message(&ctx(1_710_073_845, 7)), first);
    }
    // Batches (on all cores) agree with single evaluations.
    let batch = engine.evaluate_batch(&vec![cm.clone(); 16], &ctx(1_710_073_845, 7));
    for e in &batch {
        assert_eq!(e.results().next().unwrap().message, first);
    }
    let parts: Vec<&str> = first.split(' ').collect();
    assert_eq!(parts.len(), 3, "{first}");
    assert_eq!(parts[0].len(), 24, "{first}");
    assert!(
        parts[0]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        parts[1], "2024-03-10T12:30:45Z",
        "now comes from the context"
    );
    assert_eq!(parts[2], "2024-03-10T12:30:45Z", "time_now is UTC offline");
    // Another instant changes the time, not the random text; another seed changes it.
    let later = message(&ctx(1_710_073_846, 7));
    assert!(later.starts_with(parts[0]), "{later}");
    assert!(later.ends_with("12:30:46Z"), "{later}");
    let reseeded = message(&ctx(1_710_073_845, 8));
    assert_ne!(reseeded.split(' ').next(), Some(parts[0]), "{reseeded}");

    // A hostile random pattern: bounded by RANDOM_MAX_LEN (4,096 bytes), an error.
    let p = deny_policy("\"{{ random('[a-z]{100000}') }}\"", "Equals", "\"never\"");
    let r = run(
        "huge random",
        p,
        &config_map(json!({})),
        Duration::from_secs(5),
    );
    assert_eq!(r.status, RuleStatus::Error, "{}", r.message);
}

/// Huge numbers, NaN and infinity in conditions and arithmetic: a verdict or an error
/// result, never a panic.
#[test]
fn huge_numbers_and_non_finite_arithmetic_never_panic() {
    let huge = json!({"big": 1e308, "neg": -1e308, "int": u64::MAX, "tiny": 5e-324, "s": "1e400"});
    for (key, op, value) in [
        (
            "\"{{ multiply(request.object.data.big, `10`) }}\"",
            "GreaterThan",
            "0",
        ),
        ("\"{{ divide(`1`, `0`) }}\"", "Equals", "0"),
        ("\"{{ modulo(`1`, `0`) }}\"", "Equals", "0"),
        (
            "\"{{ divide(request.object.data.tiny, request.object.data.tiny) }}\"",
            "Equals",
            "1",
        ),
        (
            "\"{{ add(request.object.data.int, `1`) }}\"",
            "GreaterThan",
            "0",
        ),
        (
            "\"{{ subtract(request.object.data.neg, request.object.data.big) }}\"",
            "LessThan",
            "0",
        ),
        ("\"{{ to_number(request.object.data.s) }}\"", "Equals", "0"),
        (
            "\"{{ round(request.object.data.big, `400`) }}\"",
            "GreaterThan",
            "0",
        ),
        (
            "\"{{ sum([request.object.data.big, request.object.data.big]) }}\"",
            "GreaterThan",
            "0",
        ),
        (
            "\"99999999999999999999999999999999999999999Ei\"",
            "GreaterThan",
            "\"1Ki\"",
        ),
        ("\"1e400\"", "GreaterThan", "\"1\""),
        (
            "\"999999999999999999999h\"",
            "DurationGreaterThan",
            "\"1h\"",
        ),
        ("\"NaN\"", "GreaterThan", "\"NaN\""),
        ("\"-Inf\"", "LessThan", "\"+Inf\""),
    ] {
        let what = format!("{key} {op} {value}");
        let r = run(
            &what,
            deny_policy(key, op, value),
            &config_map(huge.clone()),
            Duration::from_secs(5),
        );
        assert!(
            matches!(
                r.status,
                RuleStatus::Pass | RuleStatus::Fail | RuleStatus::Error
            ),
            "{what}: {:?}",
            r.status
        );
    }
}
