//! Markdown for pull-request comments: totals, tables by namespace, policy and check, the
//! first failures, and rollout readiness.

use std::fmt::Write as _;

use super::{Prepared, resource_text};
use crate::metrics::percent;
use crate::summary::Grouped;

/// Failures listed at most (a PR comment has a size limit).
pub(crate) const MAX_ROWS: usize = 50;

/// Escapes a table cell: pipes, newlines, and HTML-significant characters.
pub(crate) fn cell(s: &str) -> String {
    let s = s
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ");
    if s.is_empty() { "-".to_owned() } else { s }
}

fn grouped(out: &mut String, title: &str, label: &str, empty: &str, g: &Grouped) {
    let _ = writeln!(out, "\n### {title}\n");
    let _ = writeln!(
        out,
        "| {label} | Pass | Fail | Warn | Error | Skip | Violation rate |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for (k, c) in g {
        let name = if k.is_empty() {
            empty.to_owned()
        } else {
            cell(k)
        };
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            c.pass,
            c.fail,
            c.warn,
            c.error,
            c.skip,
            percent(c.violation_rate())
        );
    }
}

pub(crate) fn render(p: &Prepared<'_>) -> String {
    let t = &p.summary.total;
    let m = &p.metrics;
    let mut out = format!("## {}\n\n", cell(p.view.title));
    let _ = writeln!(
        out,
        "**{} results**: {} pass, {} fail, {} warn, {} error, {} skip; violation rate {}.",
        t.total(),
        t.pass,
        t.fail,
        t.warn,
        t.error,
        t.skip,
        percent(m.total.violation_rate())
    );
    grouped(
        &mut out,
        "By namespace",
        "Namespace",
        "(cluster)",
        &m.namespaces,
    );
    grouped(&mut out, "By policy", "Policy", "-", &m.policies);
    let _ = writeln!(
        out,
        "\n### By check\n\n| Policy | Rule | Pass | Fail | Compliance |\n| --- | --- | ---: | ---: | ---: |"
    );
    for (policy, rule, c) in m.check_rows() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            cell(policy),
            cell(rule),
            c.pass,
            c.fail,
            percent(c.compliance_percent().map(|x| x / 100.0))
        );
    }
    let problems = p.problems();
    if !problems.is_empty() {
        let _ = writeln!(
            out,
            "\n### Failures, warnings and errors\n\n| Policy | Rule | Resource | Result | Message |\n| --- | --- | --- | --- | --- |"
        );
        for e in problems.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(e.policy),
                cell(e.rule),
                cell(&resource_text(e)),
                e.status,
                cell(e.message)
            );
        }
        if problems.len() > MAX_ROWS {
            let _ = writeln!(out, "\n… and {} more.", problems.len() - MAX_ROWS);
        }
    }
    if !p.view.readiness.is_empty() {
        let _ = writeln!(
            out,
            "\n### Rollout readiness\n\n| Policy | Mode | Days in Audit | Violation rate | Verdict | Reasons |\n| --- | --- | ---: | ---: | --- | --- |"
        );
        for r in p.view.readiness {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&r.policy),
                r.mode.as_str(),
                r.days_in_audit
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                percent(r.violation_rate),
                r.verdict.as_str(),
                cell(&r.reasons.join("; "))
            );
        }
    }
    out
}
