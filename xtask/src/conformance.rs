//! `cargo xtask conformance`: runs the public Kyverno policy corpus in process, prints
//! suites and rows passed per class, writes a scoreboard, and enforces the ratchet
//! (`conformance/passing.txt` may only grow).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use policy_cli::suite::run_test_file;
use policy_eval::kyverno_test::SuiteStatus;
use serde_json::json;

pub(crate) struct Options {
    pub corpus: PathBuf,
    pub filter: Option<String>,
    pub bless: bool,
}

pub(crate) fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub(crate) fn default_corpus() -> PathBuf {
    workspace_root().join("../shared/conformance/kyverno-policies")
}

fn read_passing(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

pub(crate) fn run(opts: &Options) -> anyhow::Result<()> {
    let tsv_path = opts.corpus.join("suites.tsv");
    let tsv = std::fs::read_to_string(&tsv_path).with_context(|| {
        format!(
            "reading {} (is ../shared beside the checkout?)",
            tsv_path.display()
        )
    })?;
    let mut suites: Vec<(String, String)> = Vec::new();
    for line in tsv.lines().skip(1) {
        let mut cols = line.split('\t');
        if let (Some(suite), Some(_dir), Some(class)) = (cols.next(), cols.next(), cols.next())
            && opts
                .filter
                .as_ref()
                .is_none_or(|f| suite.contains(f.as_str()))
        {
            suites.push((suite.to_owned(), class.to_owned()));
        }
    }
    let now = std::time::SystemTime::now();
    let started = Instant::now();
    let mut per_class: BTreeMap<String, [usize; 6]> = BTreeMap::new(); // suites, passed, rows, rows passed, unsupported, errors
    let mut statuses = Vec::new();
    let mut passing_now = BTreeSet::new();
    for (suite, class) in &suites {
        let reports = run_test_file(&opts.corpus.join(suite), now);
        let status = reports
            .iter()
            .map(|r| r.outcome.status)
            .max()
            .unwrap_or(SuiteStatus::Error);
        let reason = reports.iter().find_map(|r| r.outcome.reason.clone());
        let rows: usize = reports.iter().map(|r| r.outcome.rows.len()).sum();
        let rows_passed: usize = reports
            .iter()
            .map(|r| r.outcome.rows.iter().filter(|x| x.passed).count())
            .sum();
        let c = per_class.entry(class.clone()).or_default();
        c[0] += 1;
        c[2] += rows;
        c[3] += rows_passed;
        match status {
            SuiteStatus::Pass => {
                c[1] += 1;
                passing_now.insert(suite.clone());
            }
            SuiteStatus::Unsupported => c[4] += 1,
            SuiteStatus::Error => c[5] += 1,
            SuiteStatus::Fail => {}
        }
        let failing_rows: Vec<_> = reports
            .iter()
            .flat_map(|r| r.outcome.rows.iter())
            .filter(|r| !r.passed)
            .map(|r| json!({"policy": r.policy, "rule": r.rule, "resource": r.resource, "expected": r.expected, "actual": r.actual, "message": r.message}))
            .collect();
        statuses.push(
            json!({"suite": suite, "class": class, "status": status.as_str(), "reason": reason,
            "rows": rows, "rows_passed": rows_passed, "failing_rows": failing_rows}),
        );
    }
    let elapsed = started.elapsed();
    println!(
        "{:<20} {:>14} {:>16} {:>12} {:>8}",
        "class", "suites passed", "rows passed", "unsupported", "errors"
    );
    let mut totals = [0usize; 6];
    for (class, c) in &per_class {
        println!(
            "{:<20} {:>8}/{:<5} {:>10}/{:<5} {:>12} {:>8}",
            class, c[1], c[0], c[3], c[2], c[4], c[5]
        );
        for (t, v) in totals.iter_mut().zip(c.iter()) {
            *t += v;
        }
    }
    println!(
        "{:<20} {:>8}/{:<5} {:>10}/{:<5} {:>12} {:>8}",
        "total", totals[1], totals[0], totals[3], totals[2], totals[4], totals[5]
    );
    println!("ran {} suites in {:.2?}", suites.len(), elapsed);

    let out_dir = workspace_root().join("target/conformance");
    std::fs::create_dir_all(&out_dir)?;
    let scoreboard = json!({"classes": per_class.iter().map(|(k, c)| (k.clone(), json!({
        "suites": c[0], "passed": c[1], "rows": c[2], "rows_passed": c[3], "unsupported": c[4], "errors": c[5]}))).collect::<serde_json::Map<_, _>>(),
        "suites": statuses});
    std::fs::write(
        out_dir.join("scoreboard.json"),
        serde_json::to_string_pretty(&scoreboard)?,
    )?;
    println!("scoreboard: {}", out_dir.join("scoreboard.json").display());

    let passing_path = workspace_root().join("conformance/passing.txt");
    let committed = read_passing(&passing_path);
    let considered: BTreeSet<&String> = suites.iter().map(|(s, _)| s).collect();
    let regressions: Vec<&String> = committed
        .iter()
        .filter(|s| considered.contains(s) && !passing_now.contains(*s))
        .collect();
    let new: Vec<&String> = passing_now
        .iter()
        .filter(|s| !committed.contains(*s))
        .collect();
    if opts.bless {
        let mut all = committed.clone();
        all.extend(passing_now.iter().cloned());
        let mut text = String::from(
            "# Conformance ratchet: suites of ../shared/conformance/kyverno-policies that pass.\n# Maintained by `cargo xtask conformance --bless`; a listed suite that fails fails CI.\n",
        );
        for s in &all {
            text.push_str(s);
            text.push('\n');
        }
        std::fs::write(&passing_path, text)?;
        println!(
            "blessed: {} suites on the list ({} new)",
            all.len(),
            new.len()
        );
    } else if !new.is_empty() {
        println!(
            "{} suites pass that are not on the list yet; run with --bless to add them",
            new.len()
        );
    }
    if !regressions.is_empty() {
        for r in &regressions {
            eprintln!("regression: {r}");
        }
        bail!(
            "{} suites on conformance/passing.txt no longer pass",
            regressions.len()
        );
    }
    Ok(())
}
