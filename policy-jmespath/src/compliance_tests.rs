//! Runs the official JMESPath compliance suite (`tests/jmespath-compliance/*.json`, see the
//! NOTICE there) against [`Expression::search_standard`]. Every case runs; the ones that
//! deliberately differ are listed in [`EXPECTED_DIFFERENT`] with a reason, and a listed case
//! that starts passing fails the test (the list may only shrink).
//!
//! Case kinds:
//! - `result`: compile, search, compare (numbers by value);
//! - `error: syntax`: compile must fail with [`JmesError::Syntax`];
//! - `error: invalid-type | invalid-value | invalid-arity | unknown-function`: compile must
//!   succeed and search must fail with [`JmesError::Runtime`] (Go's jmespath, like ours,
//!   detects these at evaluation time);
//! - `bench`: no expected value upstream; run as a smoke test (must compile and evaluate
//!   without error).

use std::path::PathBuf;

use serde_json::Value;

use super::json::json_eq;
use super::types::FnEnv;
use super::{Expression, JmesError};

/// `(file, expression, reason)` of cases where we deliberately differ from the standard.
const EXPECTED_DIFFERENT: &[(&str, &str, &str)] = &[
    (
        "benchmarks.json",
        "sum(z, y, x, w, v, u, t, s, r, q, p, o, n, m, l, k, j, i, h, g, f, e, d, c, b, a)",
        "a parser benchmark: `sum` takes one array, so evaluating it is an arity error in every \
         implementation; upstream asserts nothing for benchmarks",
    ),
    (
        "benchmarks.json",
        "foo[bar > baz][qux > baz]",
        "a parser benchmark that is not valid JMESPath (a filter needs `[?`); the `jmespath` \
         crate's parser, which we reuse, rejects it; upstream asserts nothing for benchmarks",
    ),
];

fn env() -> FnEnv {
    FnEnv {
        now: jiff::Timestamp::UNIX_EPOCH,
        seed: 0,
    }
}

/// One case's outcome: `Ok` if it behaved as the suite says, else a description.
fn run_case(given: &Value, case: &Value) -> Result<(), String> {
    let expr = case
        .get("expression")
        .and_then(Value::as_str)
        .ok_or("case without expression")?;
    let compiled = Expression::compile(expr);
    if let Some(bench) = case.get("bench") {
        let e = compiled.map_err(|e| format!("bench {bench}: compile error {e}"))?;
        if bench != "parse" {
            e.search_standard(given, &env())
                .map_err(|e| format!("bench {bench}: search error {e}"))?;
        }
        return Ok(());
    }
    if let Some(kind) = case.get("error").and_then(Value::as_str) {
        return match (kind, compiled) {
            ("syntax", Err(JmesError::Syntax(_))) => Ok(()),
            ("syntax", Ok(_)) => Err("expected a syntax error, compiled fine".to_owned()),
            (_, Err(e)) => Err(format!("expected {kind} at runtime, compile failed: {e}")),
            (_, Ok(e)) => match e.search_standard(given, &env()) {
                Err(JmesError::Runtime(_)) => Ok(()),
                other => Err(format!("expected {kind}, got {other:?}")),
            },
        };
    }
    let expect = case
        .get("result")
        .ok_or("case without result, error or bench")?;
    let e = compiled.map_err(|e| format!("compile error: {e}"))?;
    match e.search_standard(given, &env()) {
        Ok(got) if json_eq(&got, expect) => Ok(()),
        other => Err(format!("expected {expect}, got {other:?}")),
    }
}

#[test]
fn jmespath_compliance_suite() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/jmespath-compliance");
    // why: tests may read their own data files; the disallowed-methods list targets library code
    #[allow(clippy::disallowed_methods)]
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 16, "compliance files in {}", dir.display());

    let (mut passed, mut benches, mut differ_as_listed) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in &files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        #[allow(clippy::disallowed_methods)]
        let text = std::fs::read_to_string(path).unwrap();
        let suites: Vec<Value> = serde_json::from_str(&text).unwrap();
        for suite in &suites {
            let given = &suite["given"];
            for case in suite["cases"].as_array().unwrap() {
                let expr = case["expression"].as_str().unwrap();
                let listed = EXPECTED_DIFFERENT
                    .iter()
                    .find(|(f, e, _)| *f == file && *e == expr);
                match (run_case(given, case), listed) {
                    (Ok(()), None) => {
                        if case.get("bench").is_some() {
                            benches += 1;
                        } else {
                            passed += 1;
                        }
                    }
                    (Err(_), Some(_)) => differ_as_listed += 1,
                    (Ok(()), Some((_, _, why))) => failures.push(format!(
                        "{file}: `{expr}` now passes; remove it from EXPECTED_DIFFERENT ({why})"
                    )),
                    (Err(msg), None) => failures.push(format!("{file}: `{expr}`: {msg}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} compliance failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The suite has 875 cases, 14 of them benchmarks (2 of those listed above).
    assert_eq!(passed + benches + differ_as_listed, 875);
    assert_eq!((passed, benches, differ_as_listed), (861, 12, 2));
}
