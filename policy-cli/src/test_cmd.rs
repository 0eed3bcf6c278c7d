//! `policyctl test`: Kyverno CLI `test` parity.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use policy_cli::suite::{SuiteReport, find_tests, run_test_file};
use policy_eval::kyverno_test::{SuiteStatus, counters};
use serde_json::json;

/// Output formats of `policyctl test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Kyverno-like tables and a summary.
    Table,
    /// One JSON object with every suite and row.
    Json,
    /// JUnit XML (one test case per row).
    Junit,
    /// A Markdown table per suite.
    Markdown,
}

/// Arguments of `policyctl test`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Directories or test files (default: the current directory).
    paths: Vec<PathBuf>,
    /// Name of the test files to look for.
    #[arg(short = 'f', long, default_value = "kyverno-test.yaml")]
    file_name: String,
    /// Show the rule message of every row.
    #[arg(long)]
    detailed_results: bool,
    /// Print only failing rows.
    #[arg(long)]
    fail_only: bool,
    /// Plain output without colors.
    #[arg(long)]
    remove_color: bool,
    /// Fail when no test file is found.
    #[arg(long)]
    require_tests: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Table)]
    output: Format,
    /// "Now" for time functions and exception expiry, RFC 3339 (default: the current time).
    #[arg(long)]
    now: Option<String>,
}

fn resource_column(r: &str) -> &str {
    r
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = find_tests(&paths, &args.file_name).map_err(|e| anyhow::anyhow!(e))?;
    if files.is_empty() {
        if args.require_tests {
            eprintln!("error: no tests found");
            return Ok(ExitCode::from(1));
        }
        println!("No test yamls available");
        return Ok(ExitCode::SUCCESS);
    }
    // Time is read here, once (unless `--now` gives it), and passed down.
    let now = crate::exceptions_cmd::parse_now(args.now.as_deref())
        .and_then(|t| std::time::SystemTime::try_from(t).map_err(anyhow::Error::from))?;
    let reports: Vec<SuiteReport> = files.iter().flat_map(|f| run_test_file(f, now)).collect();
    let out = match args.output {
        Format::Table => table(&reports, args),
        Format::Json => json_output(&reports),
        Format::Junit => junit(&reports),
        Format::Markdown => markdown(&reports, args),
    };
    print!("{out}");
    let failed = reports
        .iter()
        .any(|r| r.outcome.status != SuiteStatus::Pass);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn table(reports: &[SuiteReport], args: &Args) -> String {
    let mut out = String::new();
    let (mut pass, mut skip, mut fail) = (0, 0, 0);
    for r in reports {
        let _ = writeln!(out, "Loading test  ( {} ) ...", r.path.display());
        match r.outcome.status {
            SuiteStatus::Error | SuiteStatus::Unsupported => {
                let _ = writeln!(
                    out,
                    "  {}: {}",
                    r.outcome.status.as_str(),
                    r.outcome.reason.as_deref().unwrap_or("")
                );
                continue;
            }
            _ => {}
        }
        let (p, s, f) = counters(&r.outcome.rows);
        pass += p;
        skip += s;
        fail += f;
        let mut header = vec!["ID", "POLICY", "RULE", "RESOURCE", "RESULT", "REASON"];
        if args.detailed_results {
            header.push("MESSAGE");
        }
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (i, row) in r.outcome.rows.iter().enumerate() {
            if args.fail_only && row.passed {
                continue;
            }
            let result = if !row.passed {
                "Fail"
            } else if row.skip_counter {
                "Skip"
            } else {
                "Pass"
            };
            let mut cells = vec![
                (i + 1).to_string(),
                row.policy.clone(),
                row.rule.clone(),
                resource_column(&row.resource).to_owned(),
                result.to_owned(),
                row.reason.clone(),
            ];
            if args.detailed_results {
                cells.push(row.message.clone());
            }
            rows.push(cells);
        }
        if !rows.is_empty() {
            out.push_str(&render_table(&header, &rows));
        }
        out.push('\n');
    }
    if args.fail_only {
        let _ = writeln!(
            out,
            "Test Summary: {fail} out of {} tests failed",
            pass + skip + fail
        );
    } else {
        let _ = writeln!(
            out,
            "Test Summary: {} tests passed and {fail} tests failed",
            pass + skip
        );
    }
    let errors = reports
        .iter()
        .filter(|r| r.outcome.status == SuiteStatus::Error)
        .count();
    let unsupported = reports
        .iter()
        .filter(|r| r.outcome.status == SuiteStatus::Unsupported)
        .count();
    if errors + unsupported > 0 {
        let _ = writeln!(
            out,
            "Suites not run: {errors} with errors, {unsupported} unsupported"
        );
    }
    out
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
    let line = |cells: Vec<String>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        format!("│ {} │\n", parts.join(" │ "))
    };
    let rule: String = widths
        .iter()
        .map(|w| "─".repeat(w + 2))
        .collect::<Vec<_>>()
        .join("┼");
    let mut out = String::new();
    out.push_str(&line(header.iter().map(|h| (*h).to_owned()).collect()));
    out.push_str(&format!("├{rule}┤\n"));
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out
}

fn json_output(reports: &[SuiteReport]) -> String {
    let suites: Vec<_> = reports
        .iter()
        .map(|r| {
            let rows: Vec<_> = r
                .outcome
                .rows
                .iter()
                .map(|row| {
                    json!({
                        "policy": row.policy, "rule": row.rule, "kind": row.kind, "resource": row.resource,
                        "expected": row.expected, "actual": row.actual, "passed": row.passed,
                        "reason": row.reason, "message": row.message,
                    })
                })
                .collect();
            json!({
                "path": r.path.display().to_string(),
                "status": r.outcome.status.as_str(),
                "reason": r.outcome.reason,
                "rows": rows,
            })
        })
        .collect();
    let count = |s: SuiteStatus| reports.iter().filter(|r| r.outcome.status == s).count();
    let rows: Vec<_> = reports.iter().flat_map(|r| r.outcome.rows.iter()).collect();
    let summary = json!({
        "suites": reports.len(),
        "passed": count(SuiteStatus::Pass),
        "failed": count(SuiteStatus::Fail),
        "errors": count(SuiteStatus::Error),
        "unsupported": count(SuiteStatus::Unsupported),
        "rows": rows.len(),
        "rows_passed": rows.iter().filter(|r| r.passed).count(),
        "rows_failed": rows.iter().filter(|r| !r.passed).count(),
    });
    let mut s = serde_json::to_string_pretty(&json!({"suites": suites, "summary": summary}))
        .unwrap_or_default();
    s.push('\n');
    s
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

fn junit(reports: &[SuiteReport]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for r in reports {
        let fails = r.outcome.rows.iter().filter(|x| !x.passed).count();
        let errors = usize::from(r.outcome.status == SuiteStatus::Error);
        let skipped = usize::from(r.outcome.status == SuiteStatus::Unsupported);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"{errors}\" skipped=\"{skipped}\">",
            xml_escape(&r.path.display().to_string()),
            r.outcome.rows.len().max(1),
        );
        match r.outcome.status {
            SuiteStatus::Error | SuiteStatus::Unsupported => {
                let tag = if r.outcome.status == SuiteStatus::Error {
                    "error"
                } else {
                    "skipped"
                };
                let _ = writeln!(
                    out,
                    "    <testcase name=\"{}\" classname=\"suite\"><{tag} message=\"{}\"/></testcase>",
                    xml_escape(&r.name),
                    xml_escape(r.outcome.reason.as_deref().unwrap_or(""))
                );
            }
            _ => {
                for row in &r.outcome.rows {
                    let name = format!("{}/{} {}", row.policy, row.rule, row.resource);
                    if row.passed {
                        let _ = writeln!(
                            out,
                            "    <testcase name=\"{}\" classname=\"{}\"/>",
                            xml_escape(&name),
                            xml_escape(&row.policy)
                        );
                    } else {
                        let _ = writeln!(
                            out,
                            "    <testcase name=\"{}\" classname=\"{}\"><failure message=\"{}\">{}</failure></testcase>",
                            xml_escape(&name),
                            xml_escape(&row.policy),
                            xml_escape(&row.reason),
                            xml_escape(&row.message)
                        );
                    }
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

fn markdown(reports: &[SuiteReport], args: &Args) -> String {
    let mut out = String::new();
    for r in reports {
        let _ = writeln!(out, "## {}\n", r.path.display());
        if let Some(reason) = &r.outcome.reason {
            let _ = writeln!(out, "**{}**: {}\n", r.outcome.status.as_str(), reason);
            continue;
        }
        out.push_str(
            "| ID | POLICY | RULE | RESOURCE | RESULT | REASON |\n|---|---|---|---|---|---|\n",
        );
        for (i, row) in r.outcome.rows.iter().enumerate() {
            if args.fail_only && row.passed {
                continue;
            }
            let result = if !row.passed {
                "Fail"
            } else if row.skip_counter {
                "Skip"
            } else {
                "Pass"
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                i + 1,
                row.policy,
                row.rule,
                row.resource,
                result,
                row.reason
            );
        }
        out.push('\n');
    }
    let rows: Vec<_> = reports
        .iter()
        .flat_map(|r| r.outcome.rows.clone())
        .collect();
    let (p, s, f) = counters(&rows);
    let _ = writeln!(
        out,
        "Test Summary: {} tests passed and {f} tests failed",
        p + s
    );
    out
}
