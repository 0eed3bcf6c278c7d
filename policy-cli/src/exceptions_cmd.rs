//! `policyctl exceptions check|list`: governed PolicyExceptions (see docs/exceptions.md).
//! Every decision lives in `policy-exceptions`; this module loads files, prints and picks
//! the exit code.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use policy_eval::kyverno_test::normalize_resource;
use policy_eval::{Engine, EvalContext};
use policy_exceptions::{
    Assessment, Governance, GovernanceConfig, KnownPolicies, Problem, ProblemKind, Severity,
    SignedDuration, Status, Timestamp, assess_exception, reference_problems,
};
use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::kinds::autogen;
use policy_model::{Document, PolicyException, load_str};
use serde_json::{Value, json};

/// `policyctl exceptions`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Check exceptions against the governance rules: tickets, owners, expiry, lifetime,
    /// reviews, namespaces, wildcards; with `--policies`, that the policies and rules they
    /// name exist; with `--resource` as well, that each exempts something.
    ///
    /// Exit 0 when there are no errors (warnings allowed unless `--strict`), 1 when there
    /// are, 2 on usage or load errors.
    Check(CheckArgs),
    /// List exceptions sorted by expiry, with owners, tickets and review dates.
    List(ListArgs),
}

/// Output formats of `exceptions check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum CheckFormat {
    /// One row per problem (or per exception without problems).
    Table,
    /// Every exception with its status and problems.
    Json,
    /// SARIF 2.1.0: one result per problem.
    Sarif,
}

/// Output formats of `exceptions list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    /// One row per exception.
    Table,
    /// Every exception with its dates.
    Json,
    /// An iCalendar file with expiry and review dates, for a team calendar.
    Ics,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// PolicyException files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The instant to judge at, RFC 3339 (default: the current time).
    #[arg(long)]
    now: Option<String>,
    /// A governance file (YAML; see docs/exceptions.md). Default: the documented defaults.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    common: Common,
    /// Policy files or directories: check that named policies and rules exist.
    #[arg(long = "policies", alias = "policy")]
    policies: Vec<PathBuf>,
    /// Resource files or directories (needs `--policies`): warn about exceptions that
    /// exempt no resource.
    #[arg(short = 'r', long = "resource", alias = "resources", num_args = 1..)]
    resources: Vec<PathBuf>,
    /// Exit 1 on warnings too.
    #[arg(long)]
    strict: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = CheckFormat::Table)]
    output: CheckFormat,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    #[command(flatten)]
    common: Common,
    /// Only exceptions whose expiry is within this long from now (`30d`, `2w`, `72h`);
    /// already expired ones included.
    #[arg(long)]
    expiring_within: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = ListFormat::Table)]
    output: ListFormat,
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Sub::Check(a) => check(a),
        Sub::List(a) => list(a),
    }
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::anyhow!(msg.into())
}

/// `--now`, or the clock, read once here.
pub(crate) fn parse_now(now: Option<&str>) -> anyhow::Result<Timestamp> {
    match now {
        Some(s) => {
            policy_exceptions::time::parse_instant(s).map_err(|e| usage(format!("--now: {e}")))
        }
        // Whole seconds: output stays readable and RFC 3339 round-trips.
        None => Timestamp::try_from(std::time::SystemTime::now())
            .and_then(|t| Timestamp::from_second(t.as_second()))
            .map_err(|e| usage(format!("the system clock is out of range: {e}"))),
    }
}

fn governance(path: Option<&PathBuf>) -> anyhow::Result<Governance> {
    let Some(path) = path else {
        return Ok(Governance::strict());
    };
    let text = read_text(path).map_err(|e| usage(e.to_string()))?;
    let config = GovernanceConfig::from_yaml(&path.display().to_string(), &text)
        .map_err(|e| usage(e.to_string()))?;
    Governance::new(config).map_err(|e| usage(format!("{}: {e}", path.display())))
}

/// An exception with where it was read.
struct Found {
    exception: PolicyException,
    file: String,
    line: usize,
}

fn load(paths: &[PathBuf]) -> anyhow::Result<Vec<Document>> {
    Ok(load_located(paths)?
        .into_iter()
        .map(|(d, _, _)| d)
        .collect())
}

fn load_located(paths: &[PathBuf]) -> anyhow::Result<Vec<(Document, String, usize)>> {
    let mut out = Vec::new();
    for p in paths {
        for file in discover(p, &WalkOptions::default()).map_err(|e| usage(e.to_string()))? {
            let text = read_text(&file).map_err(|e| usage(e.to_string()))?;
            let name = file.display().to_string();
            let loaded = load_str(&name, &text);
            if let Some(e) = loaded.errors.first() {
                return Err(usage(e.to_string()));
            }
            for l in loaded.documents {
                out.push((l.document, name.clone(), l.origin.position.line));
            }
        }
    }
    Ok(out)
}

fn exceptions(paths: &[PathBuf]) -> anyhow::Result<Vec<Found>> {
    Ok(load_located(paths)?
        .into_iter()
        .filter_map(|(d, file, line)| match d {
            Document::Exception(exception) => Some(Found {
                exception,
                file,
                line,
            }),
            _ => None,
        })
        .collect())
}

struct Checked {
    found: Found,
    assessment: Assessment,
    /// Reference and usage problems (not part of the lifecycle).
    extra: Vec<Problem>,
}

impl Checked {
    fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.assessment.problems.iter().chain(&self.extra)
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let now = parse_now(args.common.now.as_deref())?;
    let gov = governance(args.common.config.as_ref())?;
    if !args.resources.is_empty() && args.policies.is_empty() {
        return Err(usage("--resource needs --policies"));
    }
    let found = exceptions(&args.common.paths)?;
    let mut checked: Vec<Checked> = found
        .into_iter()
        .map(|f| Checked {
            assessment: assess_exception(&f.exception, now, &gov),
            found: f,
            extra: Vec::new(),
        })
        .collect();
    if !args.policies.is_empty() {
        let mut known = KnownPolicies::new();
        let mut policies = Vec::new();
        for doc in load(&args.policies)? {
            match doc {
                Document::Policy(p) => {
                    let rules = p
                        .spec
                        .rules
                        .iter()
                        .flat_map(|r| autogen::rule_names(&r.name));
                    known.insert(p.qualified_name(), rules);
                    policies.push(*p);
                }
                Document::CelPolicy(p) => known.insert(p.name().to_owned(), []),
                _ => {}
            }
        }
        for c in &mut checked {
            c.extra = reference_problems(&c.assessment.record, &known);
        }
        if !args.resources.is_empty() {
            let used = exempting(&policies, &checked, &args.resources)?;
            for c in &mut checked {
                if matches!(c.found.exception, PolicyException::Kyverno(_))
                    && !used.contains(&c.assessment.record.key)
                {
                    c.extra.push(Problem::warning(
                        ProblemKind::MatchesNothing,
                        "exempts no rule result of the given policies and resources",
                    ));
                }
            }
        }
    }
    let errors = checked
        .iter()
        .flat_map(Checked::problems)
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = checked
        .iter()
        .flat_map(Checked::problems)
        .filter(|p| p.severity == Severity::Warning)
        .count();
    let out = match args.output {
        CheckFormat::Table => check_table(&checked, now, errors, warnings),
        CheckFormat::Json => pretty(&check_json(&checked, now, errors, warnings)),
        CheckFormat::Sarif => pretty(&check_sarif(&checked)),
    };
    print!("{out}");
    Ok(if errors > 0 || (args.strict && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Keys of the exceptions that exempt at least one rule result (every `kyverno.io/v2`
/// exception counted as in force: this asks what it *would* exempt).
fn exempting(
    policies: &[policy_model::KyvernoPolicy],
    checked: &[Checked],
    resources: &[PathBuf],
) -> anyhow::Result<BTreeSet<String>> {
    let exceptions = checked.iter().filter_map(|c| match &c.found.exception {
        PolicyException::Kyverno(k) => Some((**k).clone()),
        PolicyException::Cel(_) => None,
    });
    let engine = Engine::builder()
        .policies(policies.iter().cloned())
        .exceptions(exceptions)
        .build()
        .map_err(|e| usage(e.to_string()))?;
    let ctx = EvalContext::default();
    let mut used = BTreeSet::new();
    for doc in load(resources)? {
        let Ok(v) = doc.to_value() else { continue };
        for r in engine.evaluate(&normalize_resource(v), &ctx).results() {
            used.extend(r.exceptions.iter().cloned());
        }
    }
    Ok(used)
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn opt_time(t: Option<Timestamp>) -> String {
    t.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        format!("{}\n", parts.join("  ").trim_end())
    };
    let mut out = line(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

fn status_counts(statuses: &[&Status]) -> String {
    let n = |s: &str| statuses.iter().filter(|x| x.as_str() == s).count();
    format!(
        "{} active, {} expiring soon, {} review overdue, {} expired, {} invalid",
        n("active"),
        n("expiring-soon"),
        n("review-overdue"),
        n("expired"),
        n("invalid")
    )
}

fn check_table(checked: &[Checked], now: Timestamp, errors: usize, warnings: usize) -> String {
    let mut rows = Vec::new();
    for c in checked {
        let key = c.assessment.record.key.clone();
        let status = c.assessment.status.as_str().to_owned();
        let mut any = false;
        for p in c.problems() {
            any = true;
            rows.push(vec![
                key.clone(),
                status.clone(),
                p.severity.as_str().to_owned(),
                p.kind.as_str().to_owned(),
                p.message.clone(),
            ]);
        }
        if !any {
            rows.push(vec![
                key,
                status,
                "-".into(),
                "-".into(),
                format!("expires {}", opt_time(c.assessment.record.expires)),
            ]);
        }
    }
    let mut out = format!("Checking {} exception(s) at {now}\n", checked.len());
    if !rows.is_empty() {
        out.push_str(&render_table(
            &["EXCEPTION", "STATUS", "SEVERITY", "PROBLEM", "MESSAGE"],
            &rows,
        ));
    }
    let statuses: Vec<&Status> = checked.iter().map(|c| &c.assessment.status).collect();
    let _ = writeln!(
        out,
        "\n{}; {errors} error(s), {warnings} warning(s)",
        status_counts(&statuses)
    );
    out
}

fn problem_json(p: &Problem) -> Value {
    json!({"severity": p.severity.as_str(), "kind": p.kind.as_str(), "message": p.message})
}

fn record_json(a: &Assessment, file: &str, line: usize) -> Value {
    let r = &a.record;
    let t = |t: Option<Timestamp>| t.map(|t| t.to_string());
    let mut v = json!({
        "key": r.key,
        "file": file,
        "line": line,
        "status": a.status.as_str(),
        "inForce": a.status.in_force(),
        "owner": r.owner,
        "ticket": r.ticket,
        "reason": r.reason,
        "created": t(r.created),
        "expires": t(r.expires),
        "expirySource": r.expiry_source.map(|s| s.as_str(r.family)),
        "reviewDue": t(a.review_due),
        "lastReviewed": t(r.last_reviewed),
    });
    if let (Status::ExpiringSoon { days_left, .. }, Some(m)) = (&a.status, v.as_object_mut()) {
        m.insert("daysLeft".into(), json!(days_left));
    }
    v
}

fn check_json(checked: &[Checked], now: Timestamp, errors: usize, warnings: usize) -> Value {
    let items: Vec<Value> = checked
        .iter()
        .map(|c| {
            let mut v = record_json(&c.assessment, &c.found.file, c.found.line);
            if let Some(m) = v.as_object_mut() {
                m.insert(
                    "problems".into(),
                    Value::Array(c.problems().map(problem_json).collect()),
                );
            }
            v
        })
        .collect();
    json!({"now": now.to_string(), "exceptions": items, "summary": {"exceptions": checked.len(), "errors": errors, "warnings": warnings}})
}

fn check_sarif(checked: &[Checked]) -> Value {
    let mut kinds = BTreeSet::new();
    let mut results = Vec::new();
    for c in checked {
        for p in c.problems() {
            kinds.insert(p.kind.as_str());
            results.push(json!({
                "ruleId": p.kind.as_str(),
                "level": p.severity.as_str(),
                "message": {"text": format!("{}: {}", c.assessment.record.key, p.message)},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": policy_report::artifact_uri(&c.found.file)},
                        "region": {"startLine": c.found.line.max(1)},
                    },
                    "logicalLocations": [{"fullyQualifiedName": c.assessment.record.key, "kind": "PolicyException"}],
                }],
            }));
        }
    }
    let rules: Vec<Value> = kinds
        .into_iter()
        .map(|k| json!({"id": k, "name": k, "shortDescription": {"text": format!("PolicyException governance: {k}")}}))
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "policyctl", "informationUri": "https://example.invalid/policyctl", "rules": rules}}, "results": results}],
    })
}

fn list(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let now = parse_now(args.common.now.as_deref())?;
    let gov = governance(args.common.config.as_ref())?;
    let within = args
        .expiring_within
        .as_deref()
        .map(|w| {
            policy_exceptions::time::parse_duration(w)
                .map_err(|e| usage(format!("--expiring-within: {e}")))
        })
        .transpose()?;
    let horizon = match within {
        Some(d) => Some(
            now.checked_add(d)
                .map_err(|_| usage("--expiring-within is out of range"))?,
        ),
        None => None,
    };
    let mut items: Vec<(Found, Assessment)> = exceptions(&args.common.paths)?
        .into_iter()
        .map(|f| {
            let a = assess_exception(&f.exception, now, &gov);
            (f, a)
        })
        .filter(|(_, a)| match horizon {
            Some(h) => a.record.expires.is_some_and(|e| e <= h),
            None => true,
        })
        .collect();
    // Sorted by expiry (none last), then by key: deterministic.
    items.sort_by(|(_, a), (_, b)| {
        (a.record.expires.is_none(), a.record.expires, &a.record.key).cmp(&(
            b.record.expires.is_none(),
            b.record.expires,
            &b.record.key,
        ))
    });
    let out = match args.output {
        ListFormat::Table => list_table(&items),
        ListFormat::Json => pretty(&json!({
            "now": now.to_string(),
            "exceptions": items.iter().map(|(f, a)| record_json(a, &f.file, f.line)).collect::<Vec<_>>(),
        })),
        ListFormat::Ics => ics(&items, now),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn list_table(items: &[(Found, Assessment)]) -> String {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|(_, a)| {
            let r = &a.record;
            let status = match &a.status {
                Status::ExpiringSoon { days_left, .. } => format!("expiring-soon ({days_left}d)"),
                s => s.as_str().to_owned(),
            };
            vec![
                r.key.clone(),
                status,
                opt_time(r.expires),
                opt_time(a.review_due),
                r.owner.clone().unwrap_or_else(|| "-".into()),
                r.ticket.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    render_table(
        &[
            "EXCEPTION",
            "STATUS",
            "EXPIRES",
            "REVIEW DUE",
            "OWNER",
            "TICKET",
        ],
        &rows,
    )
}

/// iCalendar text escaping (RFC 5545 §3.3.11).
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), on character boundaries.
fn ics_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn ics_time(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

fn ics(items: &[(Found, Assessment)], now: Timestamp) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//policyctl//exceptions//EN",
        "CALSCALE:GREGORIAN",
    ] {
        ics_line(&mut out, l);
    }
    for (f, a) in items {
        let r = &a.record;
        let mut details = vec![format!("exception {} ({})", r.key, f.file)];
        if let Some(o) = &r.owner {
            details.push(format!("owner: {o}"));
        }
        if let Some(t) = &r.ticket {
            details.push(format!("ticket: {t}"));
        }
        if let Some(x) = &r.reason {
            details.push(format!("reason: {x}"));
        }
        let description = ics_text(&details.join("\n"));
        let events = [
            (r.expires, "expires", "expires"),
            (a.review_due, "review", "review due"),
        ];
        for (at, id, what) in events {
            let Some(at) = at else { continue };
            let end = at.checked_add(SignedDuration::from_mins(30)).unwrap_or(at);
            for l in [
                "BEGIN:VEVENT".to_owned(),
                format!("UID:{}-{id}@policyctl", ics_text(&r.key.replace('/', "."))),
                format!("DTSTAMP:{}", ics_time(now)),
                format!("DTSTART:{}", ics_time(at)),
                format!("DTEND:{}", ics_time(end)),
                format!(
                    "SUMMARY:{}",
                    ics_text(&format!("PolicyException {} {what}", r.key))
                ),
                format!("DESCRIPTION:{description}"),
                "END:VEVENT".to_owned(),
            ] {
                ics_line(&mut out, &l);
            }
        }
    }
    ics_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets() {
        let mut out = String::new();
        ics_line(&mut out, &"x".repeat(80));
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0].len(), 75);
        assert_eq!(lines[1], format!(" {}", "x".repeat(5)));
        let mut out = String::new();
        ics_line(&mut out, &"é".repeat(40));
        assert!(out.split("\r\n").all(|l| l.len() <= 75));
    }

    #[test]
    fn ics_escapes_text() {
        assert_eq!(ics_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
