//! The whole `policyctl check` pipeline from the crates: render the prod overlay
//! (policy-render), take the exceptions in force under the team's governance
//! (policy-exceptions), evaluate the 207-manifest snapshot on all cores (policy-eval), and turn
//! the results into PolicyReports, a summary, metrics, SARIF, JUnit and Prometheus text
//! (policy-report). Prints the figures of
//! `policyctl check -C examples/platform --env prod --now 2027-03-20T00:00:00Z`.
//!
//! policy-report never depends on policy-eval: the results are policy-model types, so this
//! program (not the library) joins the two.
//!
//! Run with `cargo run -p policy-eval --example report`.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use policy_eval::kyverno_test::normalize_resource;
use policy_eval::{Engine, EvalContext};
use policy_exceptions::{Governance, GovernanceConfig, Timestamp, in_force};
use policy_model::fs::{WalkOptions, load_path, read_text};
use policy_model::{Document, FailureAction, KyvernoPolicy, PolicyException, RuleStatus, load_str};
use policy_report::{
    BuildOptions, Format, Metrics, MetricsOptions, Process, Summary, View, build_reports, entries,
    render,
};

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    // The repository's example policy repository, next to this crate.
    let platform = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the crate lies inside the workspace")?
        .join("examples/platform");
    let now: Timestamp = "2027-03-20T00:00:00Z".parse()?;

    // 1. Render: the prod overlay, read back as typed documents (policies, and any
    //    PolicyExceptions the chart renders).
    let rendered = policy_render::build_overlay(&platform.join("overlays/prod"))?;
    let stream = policy_render::to_yaml_stream(&rendered)?;
    let mut policies: Vec<KyvernoPolicy> = Vec::new();
    let mut exceptions: Vec<PolicyException> = Vec::new();
    for l in load_str("overlays/prod", &stream).documents {
        match l.document {
            Document::Policy(p) => policies.push(*p),
            Document::Exception(e) => exceptions.push(e),
            _ => {}
        }
    }

    // 2. Exceptions in force at `now` under the governance file: expired ones and those
    //    with governance errors (here: a missing ticket) exempt nothing.
    let gov_file = platform.join("exception-governance.yaml");
    let gov = Governance::new(GovernanceConfig::from_yaml(
        &gov_file.display().to_string(),
        &read_text(&gov_file)?,
    )?)?;
    for l in load_all(&platform.join("exceptions"))? {
        if let Document::Exception(e) = l {
            exceptions.push(e);
        }
    }
    let set = in_force(exceptions, now, &gov);

    // 3. Build the engine once; evaluate every manifest of resources/ and snapshot/.
    let engine = Engine::builder()
        .policies(policies.iter().cloned())
        .exceptions(set.kyverno())
        .exceptions_not_in_force(set.kyverno_not_in_force())
        .build()?;
    let mut resources = Vec::new();
    for dir in ["resources", "snapshot"] {
        for doc in load_all(&platform.join(dir))? {
            // Kyverno's CLI reading: numbers as floats, namespaced kinds default to `default`.
            resources.push(normalize_resource(doc.to_value()?));
        }
    }
    let ctx = EvalContext {
        now: SystemTime::try_from(now)?, // time is a parameter; nothing reads the clock
        ..EvalContext::default()
    };
    let results: Vec<_> = engine
        .evaluate_batch(&resources, &ctx) // all cores, results in input order
        .iter()
        .flat_map(|e| e.results().cloned().collect::<Vec<_>>())
        .collect();

    let enforce = policies
        .iter()
        .filter(|p| p.validation_failure_action() == FailureAction::Enforce)
        .count();
    let count =
        |f: &dyn Fn(&policy_model::RuleResult) -> bool| results.iter().filter(|r| f(r)).count();
    println!(
        "prod at {now}: {} policies ({enforce} Enforce), {} resources, {} exceptions in force",
        policies.len(),
        resources.len(),
        set.in_force.len()
    );
    println!(
        "pass: {}, fail: {} (enforce: {}, audit: {}), skip: {}",
        count(&|r| r.status == RuleStatus::Pass),
        count(&|r| r.status == RuleStatus::Fail),
        count(&|r| r.status == RuleStatus::Fail && r.mode == FailureAction::Enforce),
        count(&|r| r.status == RuleStatus::Fail && r.mode != FailureAction::Enforce),
        count(&|r| r.status == RuleStatus::Skip),
    );

    // 4. PolicyReports: one per namespace plus a ClusterPolicyReport, stamped with `now`.
    let opts = BuildOptions {
        now: policy_model::report::Timestamp {
            seconds: now.as_second(),
            nanos: 0,
        },
        process: Some(Process::BackgroundScan),
        ..BuildOptions::default()
    };
    let reports = build_reports(&results, &opts);
    let names: Vec<&str> = reports
        .iter()
        .filter_map(|r| r.metadata.name.as_deref())
        .collect();
    println!("\n{} reports: {}", reports.len(), names.join(", "));

    // 5. Summary (mergeable counts) and metrics (controller-owned Pods counted once).
    let summary = Summary::from_reports(&reports);
    println!("\nviolation rate by policy:");
    for (policy, c) in &summary.by_policy {
        println!(
            "  {policy:<26} {:>3} fail / {:>3} pass  {:>6.2}%",
            c.fail,
            c.pass,
            100.0 * c.violation_rate().unwrap_or(0.0)
        );
    }
    let metrics = Metrics::compute(&entries(&reports), MetricsOptions::default());
    let worst = metrics
        .check_rows()
        .filter_map(|(p, r, c)| c.compliance_percent().map(|pct| (pct, p, r)))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((pct, policy, rule)) = worst {
        println!("least compliant check: {policy}/{rule} at {pct:.2}%");
    }

    // 6. Output formats: the same renderers as `policyctl report -o …`.
    let locations = BTreeMap::new(); // resource -> file:line, for SARIF locations
    let mut view = View::new(&reports, &locations);
    view.title = "prod";
    let sarif: serde_json::Value = serde_json::from_str(&render(Format::Sarif, &view)?)?;
    let results = sarif
        .pointer("/runs/0/results")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len);
    println!("\nSARIF 2.1.0: {results} results (one per failure) for code scanning");
    let junit = render(Format::Junit, &view)?;
    for line in junit.lines().filter(|l| l.contains("<testsuites")) {
        println!("JUnit: {}", line.trim());
    }
    let prometheus = render(Format::Prometheus, &view)?;
    println!("Prometheus:");
    for line in prometheus
        .lines()
        .filter(|l| l.starts_with("policyctl_policy_violation_ratio{"))
        .take(3)
    {
        println!("  {line}");
    }
    Ok(())
}

/// Every document under a file or directory (YAML/JSON, sorted walk); a load error stops.
fn load_all(path: &Path) -> Result<Vec<Document>, Error> {
    let loaded = load_path(path, &WalkOptions::default());
    if let Some(e) = loaded.errors.into_iter().next() {
        return Err(e.into());
    }
    Ok(loaded.documents.into_iter().map(|l| l.document).collect())
}
