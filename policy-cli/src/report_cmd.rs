//! `policyctl report PATH... -o FORMAT` and `policyctl rollout REPORTS... --policies DIR`:
//! reading PolicyReports and rendering them; every decision lives in `policy-report`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::report::PolicyReport;
use policy_model::{Document, KyvernoPolicy, load_str};
use policy_report::{
    Format, MetricsOptions, PodCounting, Snapshot, Thresholds, View, ingest_str, parse_time,
    readiness, render, trend,
};

/// Output formats of `report` and `rollout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutFormat {
    /// Aligned text tables.
    Table,
    /// Summary, metrics, readiness and trend as JSON.
    Json,
    /// The PolicyReports as YAML, ready for `kubectl apply -f -`.
    Yaml,
    /// JUnit XML.
    Junit,
    /// SARIF 2.1.0.
    Sarif,
    /// Prometheus text exposition.
    Prometheus,
    /// Markdown for pull-request comments.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

impl From<OutFormat> for Format {
    fn from(f: OutFormat) -> Self {
        match f {
            OutFormat::Table => Self::Table,
            OutFormat::Json => Self::Json,
            OutFormat::Yaml => Self::Yaml,
            OutFormat::Junit => Self::Junit,
            OutFormat::Sarif => Self::Sarif,
            OutFormat::Prometheus => Self::Prometheus,
            OutFormat::Markdown => Self::Markdown,
            OutFormat::Html => Self::Html,
        }
    }
}

/// How controller-owned Pods count in rates and compliance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PodCountingArg {
    /// Pods, ReplicaSets and Jobs made by a controller with results count through it.
    ByController,
    /// Every result counts.
    Each,
}

/// Arguments of `policyctl report`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReportArgs {
    /// Report files or directories (`-` for standard input): PolicyReports, ClusterPolicyReports, Reports,
    /// ClusterReports, or the List `kubectl get policyreport -A -o yaml` prints.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutFormat::Table)]
    output: OutFormat,
    /// How controller-owned Pods count in rates and compliance.
    #[arg(long, value_enum, default_value_t = PodCountingArg::ByController)]
    pod_counting: PodCountingArg,
    /// Title of the HTML and Markdown reports.
    #[arg(long, default_value = "Policy report")]
    title: String,
}

/// Arguments of `policyctl rollout`.
#[derive(Debug, clap::Args)]
pub(crate) struct RolloutArgs {
    /// Report files or directories; each file is one dated snapshot (its newest result
    /// timestamp, else its creation time).
    #[arg(required = true)]
    reports: Vec<PathBuf>,
    /// Policy files or directories.
    #[arg(long, required = true, num_args = 1..)]
    policies: Vec<PathBuf>,
    /// "Now", RFC 3339 or YYYY-MM-DD (default: the current time).
    #[arg(long)]
    now: Option<String>,
    /// The project whose `policyctl.yaml` `rollout:` block gives the thresholds (flags
    /// override it). Default: the current directory, when it holds a `policyctl.yaml`.
    #[arg(short = 'C', long = "directory")]
    dir: Option<PathBuf>,
    /// Minimum days in Audit before a policy may be enforced [default: the project's
    /// `rollout.minAuditDays`, else 7].
    #[arg(long)]
    min_audit_days: Option<u32>,
    /// Maximum violation rate to promote, a ratio (`0.05`) or a percentage (`5%`) [default:
    /// the project's `rollout.maxViolationRate`, else 0].
    #[arg(long, value_parser = parse_rate)]
    max_violation_rate: Option<f64>,
    /// Target violation rate after enforcement, a ratio or a percentage [default: the
    /// project's `rollout.targetViolationRate`, else 1%].
    #[arg(long, value_parser = parse_rate)]
    target_violation_rate: Option<f64>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutFormat::Table)]
    output: OutFormat,
    /// How controller-owned Pods count in rates and compliance.
    #[arg(long, value_enum, default_value_t = PodCountingArg::ByController)]
    pod_counting: PodCountingArg,
}

pub(crate) fn parse_rate(s: &str) -> Result<f64, String> {
    let (num, scale) = match s.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (s, 1.0),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a rate (0.05 or 5%)"))?;
    let v = v / scale;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("`{s}` is not between 0 and 1 (0% and 100%)"))
    }
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::anyhow!(msg.into())
}

fn files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(p.clone());
            continue;
        }
        out.extend(discover(p, &WalkOptions::default()).map_err(|e| usage(e.to_string()))?);
    }
    Ok(out)
}

/// Reads the reports of one file; load errors are printed and counted.
fn read_reports(file: &Path, errors: &mut usize) -> anyhow::Result<Vec<PolicyReport>> {
    let (name, text) = if file.as_os_str() == "-" {
        // `kubectl get policyreport -A -o yaml | policyctl report -`
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
            .map_err(|e| usage(format!("reading standard input: {e}")))?;
        let text =
            String::from_utf8(bytes).map_err(|e| usage(format!("<stdin>: not UTF-8: {e}")))?;
        ("<stdin>".to_owned(), text)
    } else {
        let text = read_text(file).map_err(|e| usage(e.to_string()))?;
        (file.display().to_string(), text)
    };
    let got = ingest_str(&name, &text);
    for e in &got.errors {
        eprintln!("error: {e}");
    }
    *errors += got.errors.len();
    Ok(got.reports)
}

fn counting(arg: PodCountingArg) -> MetricsOptions {
    MetricsOptions {
        pod_counting: match arg {
            PodCountingArg::ByController => PodCounting::ByController,
            PodCountingArg::Each => PodCounting::Each,
        },
    }
}

pub(crate) fn run_report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let mut errors = 0;
    let mut reports = Vec::new();
    for file in files(&args.paths)? {
        reports.extend(read_reports(&file, &mut errors)?);
    }
    if errors > 0 {
        return Ok(ExitCode::from(2));
    }
    let locations = BTreeMap::new();
    let mut view = View::new(&reports, &locations);
    view.metrics = counting(args.pod_counting);
    view.title = &args.title;
    print!("{}", render(args.output.into(), &view)?);
    Ok(ExitCode::SUCCESS)
}

fn now_seconds(now: Option<&str>) -> anyhow::Result<i64> {
    match now {
        Some(s) => parse_time(s)
            .ok_or_else(|| usage(format!("--now `{s}` is not an RFC 3339 time or a date"))),
        None => {
            let d = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_err(|e| usage(format!("the clock is before 1970: {e}")))?;
            i64::try_from(d.as_secs()).map_err(|e| usage(e.to_string()))
        }
    }
}

/// The thresholds of a rollout run: each flag, else the project's `rollout:` block, else the
/// workflow's defaults (a week in Audit, zero violations to promote, 1% after enforcement).
fn rollout_thresholds(args: &RolloutArgs) -> anyhow::Result<Thresholds> {
    let project_dir = match &args.dir {
        Some(dir) => Some(dir.clone()),
        None => {
            Some(PathBuf::from(".")).filter(|d| d.join(crate::check_cmd::PROJECT_FILE).is_file())
        }
    };
    let project = match &project_dir {
        Some(dir) => crate::check_cmd::project_rollout(dir)?,
        None => crate::check_cmd::ProjectRollout::default(),
    };
    Ok(Thresholds {
        min_audit_days: args.min_audit_days.or(project.min_audit_days).unwrap_or(7),
        max_violation_rate: args
            .max_violation_rate
            .or(project.max_violation_rate)
            .unwrap_or(0.0),
        target_after_enforcement: args
            .target_violation_rate
            .or(project.target_violation_rate)
            .unwrap_or(0.01),
    })
}

pub(crate) fn run_rollout(args: &RolloutArgs) -> anyhow::Result<ExitCode> {
    let now = now_seconds(args.now.as_deref())?;
    let mut policies: Vec<KyvernoPolicy> = Vec::new();
    for file in files(&args.policies)? {
        let text = read_text(&file).map_err(|e| usage(e.to_string()))?;
        let out = load_str(&file.display().to_string(), &text);
        if let Some(e) = out.errors.first() {
            return Err(usage(e.to_string()));
        }
        for doc in out.documents {
            if let Document::Policy(p) = doc.document {
                policies.push(*p);
            }
        }
    }
    let mut errors = 0;
    let mut dated: Vec<(i64, Vec<PolicyReport>)> = Vec::new();
    for file in files(&args.reports)? {
        let reports = read_reports(&file, &mut errors)?;
        let at = match Snapshot::dated(&reports) {
            Some(s) => s.at,
            None => {
                eprintln!(
                    "warning: {}: no result timestamp or creationTimestamp; dated at --now",
                    file.display()
                );
                now
            }
        };
        dated.push((at, reports));
    }
    if errors > 0 {
        return Ok(ExitCode::from(2));
    }
    dated.sort_by_key(|(at, _)| *at);
    let series: Vec<Snapshot<'_>> = dated
        .iter()
        .map(|(at, reports)| Snapshot { at: *at, reports })
        .collect();
    let thresholds = rollout_thresholds(args)?;
    let verdicts = readiness(&policies, &series, now, &thresholds);
    let points = trend(&series);
    let latest: &[PolicyReport] = dated.last().map_or(&[], |(_, r)| r.as_slice());
    let locations = BTreeMap::new();
    let mut view = View::new(latest, &locations);
    view.readiness = &verdicts;
    view.trend = &points;
    view.metrics = counting(args.pod_counting);
    view.title = "Rollout readiness";
    print!("{}", render(args.output.into(), &view)?);
    Ok(if verdicts.iter().all(|r| r.verdict.ok()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
