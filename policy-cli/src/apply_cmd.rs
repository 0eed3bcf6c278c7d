//! `policyctl apply POLICY... --resource PATH...`: Kyverno CLI `apply` parity (CLI-9).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use policy_eval::kyverno_test::normalize_resource;
use policy_eval::{Engine, EvalContext, Operation, RequestUser};
use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::{
    Document, FailureAction, KyvernoPolicy, OwnedDoc, PolicyException, RuleResult, RuleStatus,
    UserInfoFile, Values, documents_from_value, load_str, load_typed,
};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

/// Output formats of `policyctl apply`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Kyverno-like text: failures with messages, then the counters.
    Table,
    /// One JSON object with every result and the counters.
    Json,
    /// The same as YAML.
    Yaml,
    /// JUnit XML: one test case per rule result.
    Junit,
    /// SARIF 2.1.0 for code-scanning tools: one result per failure or warning.
    Sarif,
}

/// What makes `apply` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FailOn {
    /// Failures of Enforce rules (and rule errors).
    Enforce,
    /// Any failure, Audit included.
    Audit,
}

/// Arguments of `policyctl apply`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policy files or directories.
    #[arg(required = true)]
    policies: Vec<PathBuf>,
    /// Resource files or directories, or `-` for standard input (repeatable).
    #[arg(short = 'r', long = "resource", alias = "resources", required = true, num_args = 1..)]
    resources: Vec<PathBuf>,
    /// A Values file (CLI-3).
    #[arg(short = 'f', long)]
    values_file: Option<PathBuf>,
    /// Variable overrides `key=value` (comma-separated or repeated); values are strings.
    #[arg(short = 's', long = "set", value_delimiter = ',')]
    set: Vec<String>,
    /// PolicyException files or directories.
    #[arg(short = 'e', long = "exception", alias = "exceptions", num_args = 1..)]
    exceptions: Vec<PathBuf>,
    /// A UserInfo file (CLI-4).
    #[arg(short = 'u', long)]
    userinfo: Option<PathBuf>,
    /// A CEL Context file (offline data for CEL libraries; checked, used once CEL policies
    /// are evaluated).
    #[arg(long)]
    context: Option<PathBuf>,
    /// Labels of a namespace, `namespace=key=value` (repeatable).
    #[arg(long = "namespace-labels")]
    namespace_labels: Vec<String>,
    /// The simulated admission operation.
    #[arg(long, value_parser = ["CREATE", "UPDATE", "DELETE"])]
    operation: Option<String>,
    /// Report failures of Audit policies as warnings.
    #[arg(long)]
    audit_warn: bool,
    /// "Now" for time functions and exception expiry, RFC 3339 (default: the current time).
    #[arg(long)]
    now: Option<String>,
    /// Print PolicyReports instead of results (CLI-9.6; `-o yaml` or `json`).
    #[arg(short = 'p', long)]
    policy_report: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    output: Format,
    /// Which failures make the command exit 1.
    #[arg(long, value_enum, default_value_t = FailOn::Enforce)]
    fail_on: FailOn,
    /// Print messages for passing results too (table output).
    #[arg(long)]
    detailed_results: bool,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::anyhow!(msg.into())
}

fn load_policy_docs(paths: &[PathBuf]) -> anyhow::Result<Vec<Document>> {
    let mut docs = Vec::new();
    for p in paths {
        for file in discover(p, &WalkOptions::default()).map_err(|e| usage(e.to_string()))? {
            let text = read_text(&file).map_err(|e| usage(e.to_string()))?;
            let out = load_str(&file.display().to_string(), &text);
            if let Some(e) = out.errors.first() {
                return Err(usage(e.to_string()));
            }
            docs.extend(out.documents.into_iter().map(|l| l.document));
        }
    }
    Ok(docs)
}

/// `--set`: entries with exactly one `=`; keys containing `request.object.`, empty keys or
/// values and repeated keys are ignored (CLI-9.2).
fn parse_set(entries: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    for e in entries {
        let mut parts = e.split('=');
        let (Some(k), Some(v), None) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || v.is_empty() || k.contains("request.object.") || out.contains_key(k) {
            continue;
        }
        out.insert(k.to_owned(), Value::from(v));
    }
    out
}

fn parse_now(now: Option<&str>) -> anyhow::Result<SystemTime> {
    match now {
        None => Ok(SystemTime::now()),
        Some(s) => {
            let ts: jiff::Timestamp = s
                .parse()
                .map_err(|e| usage(format!("--now `{s}` is not an RFC 3339 time: {e}")))?;
            let secs = u64::try_from(ts.as_second())
                .map_err(|_| usage(format!("--now `{s}` is before 1970")))?;
            Ok(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        }
    }
}

/// Counters of CLI-9.4.
#[derive(Clone, Copy, Debug, Default)]
struct Counters {
    pass: usize,
    fail: usize,
    warn: usize,
    error: usize,
    skip: usize,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.values_file.is_some() && !args.set.is_empty() {
        return Err(usage(
            "pass the values either using set flag or values_file flag",
        ));
    }
    let now = parse_now(args.now.as_deref())?;
    let mut policies: Vec<KyvernoPolicy> = Vec::new();
    let mut not_run = Vec::new();
    for doc in load_policy_docs(&args.policies)? {
        match doc {
            Document::Policy(p) => policies.push(*p),
            Document::CelPolicy(p) => not_run.push(format!("{} {}", p.kind, p.name())),
            _ => {}
        }
    }
    let mut all_exceptions = Vec::new();
    for doc in load_policy_docs(&args.exceptions)? {
        if let Document::Exception(e @ PolicyException::Kyverno(_)) = doc {
            all_exceptions.push(e);
        }
    }
    // Only exceptions in force at `--now` exempt (docs/exceptions.md); the others are named
    // on the results they would have exempted.
    let instant = jiff::Timestamp::try_from(now).map_err(|e| usage(e.to_string()))?;
    let set = policy_exceptions::in_force(
        all_exceptions,
        instant,
        &policy_exceptions::Governance::expiry_only(),
    );
    for n in &set.not_in_force {
        eprintln!("warning: exception {} is not in force: {}", n.key, n.reason);
    }
    let exceptions = set.kyverno();
    let engine = Engine::builder()
        .policies(policies)
        .exceptions(exceptions.clone())
        .exceptions_not_in_force(set.kyverno_not_in_force())
        .build()
        .map_err(|e| usage(e.to_string()))?;
    for name in &not_run {
        eprintln!("warning: {name}: CEL policy kinds are not evaluated yet");
    }

    let mut ctx = EvalContext {
        now,
        seed: 0,
        ..EvalContext::default()
    };
    if let Some(op) = &args.operation {
        ctx.operation = Operation::parse(op);
        ctx.operation_text = Some(op.clone());
    }
    if let Some(file) = &args.values_file {
        let text = read_text(file).map_err(|e| usage(e.to_string()))?;
        let values = load_typed::<Values>(&file.display().to_string(), &text)
            .map_err(|e| usage(e.to_string()))?;
        if let Some((v, _)) = values.into_iter().next() {
            let spec = v.into_spec();
            for ns in &spec.namespace_selector {
                ctx.namespace_labels
                    .insert(ns.name.clone(), ns.labels.clone());
            }
            ctx.values = Some(Arc::new(spec));
        }
    }
    ctx.set_values = parse_set(&args.set);
    for entry in &args.namespace_labels {
        let mut parts = entry.splitn(2, '=');
        let (Some(ns), Some(kv)) = (parts.next(), parts.next()) else {
            return Err(usage(format!(
                "--namespace-labels `{entry}`: expected namespace=key=value"
            )));
        };
        let Some((k, v)) = kv.split_once('=') else {
            return Err(usage(format!(
                "--namespace-labels `{entry}`: expected namespace=key=value"
            )));
        };
        ctx.namespace_labels
            .entry(ns.to_owned())
            .or_default()
            .insert(k.to_owned(), v.to_owned());
    }
    if let Some(file) = &args.userinfo {
        let text = read_text(file).map_err(|e| usage(e.to_string()))?;
        let users = load_typed::<UserInfoFile>(&file.display().to_string(), &text)
            .map_err(|e| usage(e.to_string()))?;
        if let Some((u, _)) = users.into_iter().next() {
            ctx.user = Some(RequestUser {
                username: u.user_info.username,
                groups: u.user_info.groups,
                roles: u.roles,
                cluster_roles: u.cluster_roles,
                uid: u.user_info.uid,
                extra: u.user_info.extra,
            });
        }
    }

    // Stream resources: documents are read one at a time and evaluated in parallel chunks,
    // so a 100k-resource snapshot never sits in memory as one tree.
    let started = Instant::now();
    let progress = Progress::new();
    let mut results: Vec<RuleResult> = Vec::new();
    let mut resource_count = 0usize;
    let mut load_errors = Vec::new();
    for source in &args.resources {
        let files = if source.as_os_str() == "-" {
            vec![PathBuf::from("-")]
        } else {
            discover(source, &WalkOptions::default()).map_err(|e| usage(e.to_string()))?
        };
        for file in files {
            let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
                Box::new(BufReader::new(std::io::stdin()))
            } else {
                let f = std::fs::File::open(&file)
                    .map_err(|e| usage(format!("{}: cannot read: {e}", file.display())))?;
                Box::new(BufReader::new(f))
            };
            let name = if file.as_os_str() == "-" {
                "<stdin>".to_owned()
            } else {
                file.display().to_string()
            };
            let mut chunk: Vec<OwnedDoc> = Vec::with_capacity(CHUNK);
            for doc in policy_model::DocumentReader::new(&name, reader) {
                match doc {
                    Ok(d) => chunk.push(d),
                    Err(e) => load_errors.push(e.to_string()),
                }
                if chunk.len() == CHUNK {
                    resource_count += evaluate_chunk(
                        &engine,
                        &ctx,
                        &name,
                        &mut chunk,
                        &mut results,
                        &mut load_errors,
                    );
                    progress.update(resource_count, started);
                }
            }
            resource_count += evaluate_chunk(
                &engine,
                &ctx,
                &name,
                &mut chunk,
                &mut results,
                &mut load_errors,
            );
            progress.update(resource_count, started);
        }
    }
    progress.finish();
    if !load_errors.is_empty() {
        for e in &load_errors {
            eprintln!("error: {e}");
        }
        return Ok(ExitCode::from(2));
    }
    for s in engine.skipped() {
        eprintln!(
            "warning: policy {} is invalid and was skipped: {}",
            s.policy, s.reason
        );
    }

    // CLI-9.4 counters, with --audit-warn.
    let mut counters = Counters::default();
    for r in &mut results {
        if args.audit_warn && r.status == RuleStatus::Fail && r.mode == FailureAction::Audit {
            r.status = RuleStatus::Warn;
        }
        match r.status {
            RuleStatus::Pass => counters.pass += 1,
            RuleStatus::Fail => counters.fail += 1,
            RuleStatus::Warn => counters.warn += 1,
            RuleStatus::Error => counters.error += 1,
            RuleStatus::Skip => counters.skip += 1,
        }
    }
    let rule_count = engine.rule_count();
    let out = match args.output {
        _ if args.policy_report => policy_reports(&results, now, args.output)?,
        Format::Table => text(
            &results,
            &counters,
            rule_count,
            resource_count,
            exceptions.len(),
            args,
        ),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&json_doc(&results, &counters)).unwrap_or_default()
        ),
        Format::Yaml => policy_model::to_yaml(&json_doc(&results, &counters)).unwrap_or_default(),
        Format::Junit => junit(&results),
        Format::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&sarif(&results)).unwrap_or_default()
        ),
    };
    print!("{out}");
    let enforce_failed = results
        .iter()
        .any(|r| r.status == RuleStatus::Fail && r.mode == FailureAction::Enforce);
    let any_failed = counters.fail > 0;
    let failed = match args.fail_on {
        FailOn::Enforce => enforce_failed || counters.error > 0,
        FailOn::Audit => any_failed || counters.error > 0,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) const CHUNK: usize = 512;

pub(crate) fn evaluate_chunk(
    engine: &Engine,
    ctx: &EvalContext,
    source: &str,
    chunk: &mut Vec<OwnedDoc>,
    results: &mut Vec<RuleResult>,
    errors: &mut Vec<String>,
) -> usize {
    let source_arc: Arc<str> = Arc::from(source);
    let outcomes: Vec<(usize, Vec<RuleResult>, Vec<String>)> = chunk
        .par_iter()
        .map(|doc| {
            let slice = doc.slice();
            let value = match slice.parse(source) {
                Ok(v) => v,
                Err(e) => return (0, Vec::new(), vec![e.to_string()]),
            };
            let (docs, errs) = documents_from_value(value, &source_arc, &slice);
            let mut res = Vec::new();
            let mut count = 0;
            for d in docs {
                let Ok(v) = d.document.to_value() else {
                    continue;
                };
                let v = normalize_resource(v);
                count += 1;
                res.extend(engine.evaluate(&v, ctx).results().cloned());
            }
            (
                count,
                res,
                errs.into_iter().map(|e| e.to_string()).collect(),
            )
        })
        .collect();
    chunk.clear();
    let mut n = 0;
    for (count, res, errs) in outcomes {
        n += count;
        results.extend(res);
        errors.extend(errs);
    }
    n
}

pub(crate) struct Progress {
    bar: std::cell::OnceCell<indicatif::ProgressBar>,
}

impl Progress {
    pub(crate) fn new() -> Self {
        Self {
            bar: std::cell::OnceCell::new(),
        }
    }

    /// Shows a spinner on stderr when it is a terminal and the work has taken more than a
    /// second.
    pub(crate) fn update(&self, done: usize, started: Instant) {
        if !std::io::stderr().is_terminal() || started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        bar.set_message(format!("{done} resources evaluated"));
    }

    pub(crate) fn finish(&self) {
        if let Some(b) = self.bar.get() {
            b.finish_and_clear();
        }
    }
}

fn resource_text(r: &RuleResult) -> String {
    format!(
        "{}/{}/{}",
        r.resource.namespace, r.resource.kind, r.resource.name
    )
}

/// CLI-9.5.
fn text(
    results: &[RuleResult],
    c: &Counters,
    policies: usize,
    resources: usize,
    exceptions: usize,
    args: &Args,
) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "Applying {policies} policy rule(s) to {resources} resource(s)"
    );
    if exceptions > 0 {
        let _ = write!(out, " with {exceptions} exception(s)");
    }
    out.push_str("...\n");
    // Group failures per (policy, resource) in order of appearance.
    let mut groups: Vec<((String, String), Vec<&RuleResult>)> = Vec::new();
    for r in results.iter().filter(|r| {
        matches!(r.status, RuleStatus::Fail | RuleStatus::Warn) || args.detailed_results
    }) {
        let key = (r.policy.to_string(), resource_text(r));
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    for ((policy, resource), rules) in &groups {
        let audit_warn = args.audit_warn && rules.iter().all(|r| r.status == RuleStatus::Warn);
        let verb = if audit_warn {
            "failed as audit warning"
        } else {
            "failed"
        };
        let _ = writeln!(out, "\npolicy {policy} -> resource {resource} {verb}:");
        for (i, r) in rules.iter().enumerate() {
            let msg = if r.message.is_empty() {
                "validation failed"
            } else {
                r.message.as_str()
            };
            let _ = writeln!(out, "{} - {} {}", i + 1, r.rule, msg);
        }
    }
    let _ = write!(
        out,
        "\npass: {}, fail: {}, warn: {}, error: {}, skip: {} \n",
        c.pass, c.fail, c.warn, c.error, c.skip
    );
    out
}

fn json_doc(results: &[RuleResult], c: &Counters) -> Value {
    let rows: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "policy": r.policy,
                "rule": r.rule,
                "resource": {"apiVersion": r.resource.api_version, "kind": r.resource.kind, "namespace": r.resource.namespace, "name": r.resource.name},
                "result": r.status.as_str(),
                "message": r.message,
                "mode": r.mode.as_str(),
                "exceptions": r.exceptions,
                "properties": r.properties,
            })
        })
        .collect();
    json!({"results": rows, "summary": {"pass": c.pass, "fail": c.fail, "warn": c.warn, "error": c.error, "skip": c.skip}})
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn junit(results: &[RuleResult]) -> String {
    let mut by_policy: BTreeMap<&str, Vec<&RuleResult>> = BTreeMap::new();
    for r in results {
        by_policy.entry(r.policy.as_str()).or_default().push(r);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (policy, rs) in by_policy {
        let failures = rs.iter().filter(|r| r.status == RuleStatus::Fail).count();
        let errors = rs.iter().filter(|r| r.status == RuleStatus::Error).count();
        let skipped = rs.iter().filter(|r| r.status == RuleStatus::Skip).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
            xml_escape(policy),
            rs.len()
        );
        for r in rs {
            let name = xml_escape(&format!("{} {}", r.rule, resource_text(r)));
            let body = match r.status {
                RuleStatus::Fail => format!("<failure message=\"{}\"/>", xml_escape(&r.message)),
                RuleStatus::Error => format!("<error message=\"{}\"/>", xml_escape(&r.message)),
                RuleStatus::Skip => format!("<skipped message=\"{}\"/>", xml_escape(&r.message)),
                RuleStatus::Warn => format!(
                    "<system-out>warning: {}</system-out>",
                    xml_escape(&r.message)
                ),
                RuleStatus::Pass => String::new(),
            };
            let _ = writeln!(
                out,
                "    <testcase name=\"{name}\" classname=\"{}\">{body}</testcase>",
                xml_escape(policy)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn sarif(results: &[RuleResult]) -> Value {
    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    let mut items = Vec::new();
    for r in results.iter().filter(|r| {
        matches!(
            r.status,
            RuleStatus::Fail | RuleStatus::Warn | RuleStatus::Error
        )
    }) {
        let id = format!("{}/{}", r.policy, r.rule);
        rules.entry(id.clone()).or_insert_with(|| {
            json!({"id": id, "name": r.rule, "shortDescription": {"text": format!("Kyverno policy {} rule {}", r.policy, r.rule)},
                   "properties": {"category": r.category, "severity": r.severity}})
        });
        let level = match (r.status, r.mode) {
            (RuleStatus::Fail, FailureAction::Enforce) | (RuleStatus::Error, _) => "error",
            _ => "warning",
        };
        items.push(json!({
            "ruleId": id,
            "level": level,
            "message": {"text": if r.message.is_empty() { "validation failed" } else { r.message.as_str() }},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": format!("{}/{}/{}/{}", r.resource.api_version, r.resource.kind, r.resource.namespace, r.resource.name), "kind": "resource"}]}],
        }));
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "policyctl", "informationUri": "https://example.invalid/policyctl", "rules": rules.into_values().collect::<Vec<_>>()}}, "results": items}],
    })
}

/// `--policy-report` (CLI-9.6): a merged `ClusterReport` for cluster-wide policies, then a
/// `Report` per namespaced `Policy`, `openreports.io/v1alpha1`, as YAML (`-o table|yaml`), a
/// JSON `List` (`-o json`), or the reports rendered as JUnit or SARIF.
fn policy_reports(
    results: &[RuleResult],
    now: SystemTime,
    output: Format,
) -> anyhow::Result<String> {
    let seconds = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let opts = policy_report::BuildOptions {
        api: policy_model::report::ReportApi::OpenReports,
        layout: policy_report::Layout::KyvernoApply,
        now: policy_model::report::Timestamp { seconds, nanos: 0 },
        process: Some(policy_report::Process::BackgroundScan),
    };
    let reports = policy_report::build_reports(results, &opts);
    let locations = BTreeMap::new();
    let view = policy_report::View::new(&reports, &locations);
    Ok(match output {
        Format::Table | Format::Yaml => policy_report::yaml_reports(&reports)?,
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(
                &json!({"apiVersion": "v1", "kind": "List", "items": reports})
            )?
        ),
        Format::Junit => policy_report::render(policy_report::Format::Junit, &view)?,
        Format::Sarif => policy_report::render(policy_report::Format::Sarif, &view)?,
    })
}
