//! Audit→Enforce rollout readiness from PolicyReports, as `policyctl rollout` judges it: scan
//! the staging policy set (everything in Audit) a week apart, store the PolicyReports as
//! YAML, read them back as a dated series and ask which policies may be enforced. Then fix
//! the violations of one policy and scan again. docs/guide.md walks through the same steps
//! with `policyctl check -o yaml` and `policyctl rollout`.
//!
//! Run with `cargo run -p policy-eval --example rollout`.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::SystemTime;

use policy_eval::kyverno_test::normalize_resource;
use policy_eval::{Engine, EvalContext};
use policy_exceptions::{Governance, GovernanceConfig, Timestamp, in_force};
use policy_model::fs::{WalkOptions, load_path, read_text};
use policy_model::{Document, KyvernoPolicy, PolicyException, PolicyReport, load_str};
use policy_report::{
    BuildOptions, Snapshot, Thresholds, build_reports, ingest_str, readiness, yaml_reports,
};
use serde_json::Value;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    // The repository's example policy repository, next to this crate.
    let platform = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the crate lies inside the workspace")?
        .join("examples/platform");

    // The staging policy set: the chart with every policy in Audit.
    let rendered = policy_render::build_overlay(&platform.join("overlays/staging"))?;
    let policies: Vec<KyvernoPolicy> = load_str(
        "overlays/staging",
        &policy_render::to_yaml_stream(&rendered)?,
    )
    .documents
    .into_iter()
    .filter_map(|l| match l.document {
        Document::Policy(p) => Some(*p),
        _ => None,
    })
    .collect();

    let gov_file = platform.join("exception-governance.yaml");
    let gov = Governance::new(GovernanceConfig::from_yaml(
        &gov_file.display().to_string(),
        &read_text(&gov_file)?,
    )?)?;
    let exceptions: Vec<PolicyException> = load_all(&platform.join("exceptions"))?
        .into_iter()
        .filter_map(|d| match d {
            Document::Exception(e) => Some(e),
            _ => None,
        })
        .collect();
    let mut resources = Vec::new();
    for dir in ["resources", "snapshot"] {
        for doc in load_all(&platform.join(dir))? {
            resources.push(normalize_resource(doc.to_value()?));
        }
    }

    // One scan: evaluate at an instant, write PolicyReports stamped with it, as YAML (what
    // a nightly CI job would store, or `kubectl get policyreport -A -o yaml` would give).
    let scan = |at: &str, resources: &[Value]| -> Result<String, Error> {
        let now: Timestamp = at.parse()?;
        let set = in_force(exceptions.iter().cloned(), now, &gov);
        let engine = Engine::builder()
            .policies(policies.iter().cloned())
            .exceptions(set.kyverno())
            .exceptions_not_in_force(set.kyverno_not_in_force())
            .build()?;
        let ctx = EvalContext {
            now: SystemTime::try_from(now)?,
            ..EvalContext::default()
        };
        let results: Vec<_> = engine
            .evaluate_batch(resources, &ctx)
            .iter()
            .flat_map(|e| e.results().cloned().collect::<Vec<_>>())
            .collect();
        let opts = BuildOptions {
            now: policy_model::report::Timestamp {
                seconds: now.as_second(),
                nanos: 0,
            },
            ..BuildOptions::default()
        };
        Ok(yaml_reports(&build_reports(&results, &opts))?)
    };

    // A week in Audit: scans on 2027-03-13 and 2027-03-20. The defaults of `Thresholds` are
    // `policyctl rollout`'s: at least 7 days in Audit and no violation at all.
    let mut stored = vec![
        scan("2027-03-13T00:00:00Z", &resources)?,
        scan("2027-03-20T00:00:00Z", &resources)?,
    ];
    judge(&policies, &stored, "2027-03-20T00:00:00Z")?;

    // The teams label the three namespaces require-network-policy found without the
    // `acme.io/network-policy` label; scan again the next day.
    for r in &mut resources {
        let is_namespace = r.get("kind").and_then(Value::as_str) == Some("Namespace");
        let name = r.pointer("/metadata/name").and_then(Value::as_str);
        if is_namespace
            && matches!(name, Some("analytics" | "billing" | "media"))
            && let Some(labels) = r
                .pointer_mut("/metadata/labels")
                .and_then(Value::as_object_mut)
        {
            labels.insert("acme.io/network-policy".into(), "default-deny".into());
        }
    }
    stored.push(scan("2027-03-21T00:00:00Z", &resources)?);
    judge(&policies, &stored, "2027-03-21T00:00:00Z")?;
    Ok(())
}

/// Reads the stored reports back, one dated snapshot per scan, and prints the verdicts.
fn judge(policies: &[KyvernoPolicy], stored: &[String], at: &str) -> Result<(), Error> {
    let mut scans: Vec<Vec<PolicyReport>> = Vec::new();
    for (i, text) in stored.iter().enumerate() {
        let ingested = ingest_str(&format!("scan-{i}.yaml"), text);
        if let Some(e) = ingested.errors.into_iter().next() {
            return Err(e.into());
        }
        scans.push(ingested.reports);
    }
    // A snapshot is dated by its newest result timestamp (else its creation time).
    let series: Vec<Snapshot<'_>> = scans.iter().filter_map(|r| Snapshot::dated(r)).collect();
    let now: Timestamp = at.parse()?;
    println!("\nreadiness at {now} from {} scans:", series.len());
    for r in readiness(policies, &series, now.as_second(), &Thresholds::default()) {
        let line = format!(
            "  {:<26} {:<6} {:>2} days  {:>7}  {:<10} {}",
            r.policy,
            r.mode.as_str(),
            r.days_in_audit.unwrap_or(0),
            r.violation_rate
                .map(|v| format!("{:.2}%", 100.0 * v))
                .unwrap_or_default(),
            r.verdict.as_str(),
            r.reasons.join("; "),
        );
        println!("{}", line.trim_end());
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
