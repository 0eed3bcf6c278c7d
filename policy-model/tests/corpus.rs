//! Loads every file of the public Kyverno policy corpus (`../shared/conformance`) and checks
//! that load → serialize → load is the identity. Fails loudly when the corpus is missing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::PathBuf;

use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::{Document, load_str};

fn corpus_dir() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/kyverno-policies");
    assert!(
        dir.is_dir(),
        "the conformance corpus is missing at {}: this test needs ../shared beside the checkout",
        dir.display()
    );
    dir
}

fn corpus_files() -> Vec<PathBuf> {
    let options = WalkOptions {
        include_hidden: true,
        ..WalkOptions::default()
    };
    discover(&corpus_dir(), &options).unwrap()
}

#[test]
fn every_corpus_file_loads_and_round_trips() {
    let files = corpus_files();
    // NOTICE.md: 1520 YAML files.
    assert_eq!(files.len(), 1520, "corpus file count changed");
    let mut documents = 0usize;
    let mut failures = Vec::new();
    for file in &files {
        let text = read_text(file).unwrap();
        let name = file.display().to_string();
        let first = load_str(&name, &text);
        if !first.errors.is_empty() {
            failures.push(format!("{}", first.errors[0]));
            continue;
        }
        for loaded in &first.documents {
            documents += 1;
            let yaml = loaded.document.to_yaml().unwrap();
            let again = load_str("round-trip", &yaml);
            assert!(
                again.errors.is_empty(),
                "{name}: reload failed: {:?}\n{yaml}",
                again.errors
            );
            assert_eq!(again.documents.len(), 1, "{name}: one document in, one out");
            assert_eq!(
                again.documents[0].document, loaded.document,
                "{name}: round trip changed the document"
            );
            // And the JSON rendering of the typed document equals the original value where
            // the document is typed: nothing is lost.
        }
    }
    assert!(
        failures.is_empty(),
        "{} files failed to load:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(documents > 4000, "only {documents} documents loaded");
}

#[test]
fn typed_documents_lose_nothing() {
    // load → to_value must equal the raw parsed value (modulo explicit nulls and empty
    // collections, which carry no meaning), for every typed document in the corpus.
    for file in corpus_files() {
        let text = read_text(&file).unwrap();
        for slice in policy_model::split_stream(&text) {
            let raw = slice.parse("x").unwrap();
            let out = policy_model::documents_from_value(raw.clone(), &"x".into(), &slice);
            for loaded in out.0 {
                if matches!(loaded.document, Document::Resource(_)) {
                    continue;
                }
                let back = loaded.document.to_value().unwrap();
                assert_eq!(
                    normalize(back),
                    normalize(raw.clone()),
                    "{}: typed document differs from its source",
                    file.display()
                );
            }
        }
    }
}

/// Drops nulls and empty maps/lists (absent and empty mean the same to Kyverno) and folds
/// key case for `kyverno test` row fields (CLI-1.3 reads them case-insensitively).
fn normalize(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m {
                let v = normalize(v);
                let empty = matches!(&v, Value::Null)
                    || matches!(&v, Value::Object(x) if x.is_empty())
                    || matches!(&v, Value::Array(x) if x.is_empty());
                if !empty {
                    out.insert(k.to_ascii_lowercase(), v);
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        other => other,
    }
}

#[test]
fn corpus_policies_pass_validation() {
    // Every policy in the corpus is accepted by the real Kyverno CLI, so none may have a
    // validation error here (warnings are allowed).
    let mut problems = Vec::new();
    let mut policies = 0;
    for file in corpus_files() {
        let text = read_text(&file).unwrap();
        for loaded in load_str(&file.display().to_string(), &text).documents {
            let found = match &loaded.document {
                Document::Policy(p) => {
                    policies += 1;
                    policy_model::validate::validate_policy(p)
                }
                Document::CelPolicy(p) => policy_model::validate::validate_cel_policy(p),
                Document::Exception(e) => policy_model::validate::validate_exception(e),
                _ => continue,
            };
            for p in found {
                if p.severity == policy_model::validate::ProblemSeverity::Error {
                    problems.push(format!("{}: {p}", file.display()));
                }
            }
        }
    }
    assert!(policies > 250, "only {policies} policies");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
