//! One self-contained HTML page: inline CSS, inline SVG charts (per namespace, per policy,
//! the compliance trend when given a series), tables and the readiness table. No script,
//! no network asset.

use std::fmt::Write as _;

use policy_model::RuleStatus;

use super::junit::xml_escape as esc;
use super::{Prepared, resource_text};
use crate::metrics::percent;
use crate::rollout::TrendPoint;
use crate::summary::{Counts, Grouped};
use crate::time::format_date;

/// Rows shown at most per chart and in the failure table.
const MAX_ROWS: usize = 40;

const COLORS: [(RuleStatus, &str); 5] = [
    (RuleStatus::Pass, "#2e7d32"),
    (RuleStatus::Fail, "#c62828"),
    (RuleStatus::Warn, "#f9a825"),
    (RuleStatus::Error, "#6a1b9a"),
    (RuleStatus::Skip, "#9e9e9e"),
];

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
td.n{text-align:right}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em}\
.legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:middle}\
.ready{color:#2e7d32}.not{color:#c62828}";

/// A horizontal stacked bar chart, one bar per key.
fn bars(id: &str, title: &str, empty: &str, g: &Grouped) -> String {
    let rows: Vec<(&String, &Counts)> = g.iter().take(MAX_ROWS).collect();
    let max = rows
        .iter()
        .map(|(_, c)| c.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (220u64, 440u64, 22u64);
    let height = row_h * rows.len() as u64 + 10;
    let width = label_w + bar_w + 60;
    let mut s = format!(
        "<svg id=\"{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\"><title>{}</title>",
        esc(title),
        esc(title)
    );
    for (i, (key, c)) in rows.iter().enumerate() {
        let y = row_h * i as u64 + 5;
        let label = if key.is_empty() { empty } else { key.as_str() };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            label_w - 6,
            y + 14,
            esc(label)
        );
        let mut x = label_w;
        for (status, color) in COLORS {
            let n = c.get(status);
            if n == 0 {
                continue;
            }
            let w = (n * bar_w).div_ceil(max).max(1);
            let _ = write!(
                s,
                "<rect class=\"bar {status}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{}\" fill=\"{color}\"><title>{} {status}: {n}</title></rect>",
                row_h - 6,
                esc(label)
            );
            x += w;
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
            x + 4,
            y + 14,
            esc(&percent(c.violation_rate()))
        );
    }
    s.push_str("</svg>");
    s
}

/// A line chart of overall compliance per snapshot.
fn trend_chart(points: &[TrendPoint]) -> String {
    let (w, h, pad) = (640i64, 220i64, 40i64);
    let pts: Vec<(i64, f64)> = points
        .iter()
        .filter_map(|p| Some((p.at, p.counts.compliance_percent()?)))
        .collect();
    let mut s = format!(
        "<svg id=\"trend\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Compliance trend\"><title>Compliance trend</title>\
<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"#999\"/>\
<text x=\"4\" y=\"{}\" font-size=\"11\">100%</text><text x=\"12\" y=\"{}\" font-size=\"11\">0%</text>",
        h - pad,
        w - pad,
        h - pad,
        h - pad,
        pad + 4,
        h - pad
    );
    let (first, last) = match (pts.first(), pts.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => (0, 0),
    };
    let span = (last - first).max(1);
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
    let coords: Vec<(i64, i64, &(i64, f64))> = pts
        .iter()
        .map(|p| {
            let x = if pts.len() == 1 {
                w / 2
            } else {
                pad + (p.0 - first) * (w - 2 * pad) / span
            };
            let y = (h - pad) as f64 - p.1 / 100.0 * (h - 2 * pad) as f64;
            (x, y.round() as i64, p)
        })
        .collect();
    if coords.len() > 1 {
        let path: Vec<String> = coords.iter().map(|(x, y, _)| format!("{x},{y}")).collect();
        let _ = write!(
            s,
            "<polyline fill=\"none\" stroke=\"#1565c0\" stroke-width=\"2\" points=\"{}\"/>",
            path.join(" ")
        );
    }
    for (x, y, p) in &coords {
        let _ = write!(
            s,
            "<circle class=\"point\" cx=\"{x}\" cy=\"{y}\" r=\"4\" fill=\"#1565c0\"><title>{}: {}</title></circle>\
<text x=\"{x}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            format_date(p.0),
            esc(&percent(Some(p.1 / 100.0))),
            h - pad + 14,
            format_date(p.0)
        );
    }
    s.push_str("</svg>");
    s
}

fn counts_table(out: &mut String, label: &str, empty: &str, g: &Grouped) {
    let _ = write!(
        out,
        "<table><tr><th>{label}</th><th>Pass</th><th>Fail</th><th>Warn</th><th>Error</th><th>Skip</th><th>Violation rate</th></tr>"
    );
    for (k, c) in g {
        let name = if k.is_empty() { empty } else { k.as_str() };
        let _ = write!(
            out,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(name),
            c.pass,
            c.fail,
            c.warn,
            c.error,
            c.skip,
            percent(c.violation_rate())
        );
    }
    out.push_str("</table>\n");
}

pub(crate) fn render(p: &Prepared<'_>) -> String {
    let m = &p.metrics;
    let t = &p.summary.total;
    let title = esc(p.view.title);
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n"
    );
    let _ = writeln!(
        out,
        "<p id=\"totals\">{} results: {} pass, {} fail, {} warn, {} error, {} skip; violation rate {}.</p>",
        t.total(),
        t.pass,
        t.fail,
        t.warn,
        t.error,
        t.skip,
        percent(m.total.violation_rate())
    );
    out.push_str("<p class=\"legend\">");
    for (status, color) in COLORS {
        let _ = write!(
            out,
            "<span><i style=\"background:{color}\"></i>{status}</span>"
        );
    }
    out.push_str("</p>\n<h2>By namespace</h2>\n");
    out.push_str(&bars(
        "namespaces",
        "Results by namespace",
        "(cluster)",
        &m.namespaces,
    ));
    counts_table(&mut out, "Namespace", "(cluster)", &m.namespaces);
    out.push_str("<h2>By policy</h2>\n");
    out.push_str(&bars("policies", "Results by policy", "-", &m.policies));
    counts_table(&mut out, "Policy", "-", &m.policies);
    if !p.view.trend.is_empty() {
        out.push_str("<h2>Compliance trend</h2>\n");
        out.push_str(&trend_chart(p.view.trend));
        out.push('\n');
    }
    out.push_str("<h2>By check</h2>\n<table><tr><th>Policy</th><th>Rule</th><th>Pass</th><th>Fail</th><th>Compliance</th></tr>");
    for (policy, rule, c) in m.check_rows() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(policy),
            esc(rule),
            c.pass,
            c.fail,
            percent(c.compliance_percent().map(|x| x / 100.0))
        );
    }
    out.push_str("</table>\n");
    if !p.view.readiness.is_empty() {
        out.push_str("<h2>Rollout readiness</h2>\n<table id=\"readiness\"><tr><th>Policy</th><th>Mode</th><th>Days in Audit</th><th>Violation rate</th><th>Verdict</th><th>Reasons</th></tr>");
        for r in p.view.readiness {
            let class = if r.verdict.ok() { "ready" } else { "not" };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
                esc(&r.policy),
                r.mode.as_str(),
                r.days_in_audit
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                percent(r.violation_rate),
                r.verdict.as_str(),
                esc(&r.reasons.join("; "))
            );
        }
        out.push_str("</table>\n");
    }
    let problems = p.problems();
    if !problems.is_empty() {
        out.push_str("<h2>Failures, warnings and errors</h2>\n<table><tr><th>Policy</th><th>Rule</th><th>Resource</th><th>Result</th><th>Message</th></tr>");
        for e in problems.iter().take(MAX_ROWS) {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(e.policy),
                esc(e.rule),
                esc(&resource_text(e)),
                e.status,
                esc(e.message)
            );
        }
        out.push_str("</table>\n");
        if problems.len() > MAX_ROWS {
            let _ = writeln!(out, "<p>… and {} more.</p>", problems.len() - MAX_ROWS);
        }
    }
    out.push_str("</body></html>\n");
    out
}
