//! Aligned text tables.

use std::fmt::Write as _;

use policy_model::RuleStatus;

use super::{Prepared, resource_text};
use crate::metrics::{PodCounting, percent};
use crate::summary::{Counts, Grouped};

/// Renders rows as columns separated by two spaces, the last column unpadded.
pub(crate) fn columns(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(x) => *x = (*x).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let w = widths.get(i).copied().unwrap_or(0);
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn counts_cells(c: &Counts) -> Vec<String> {
    RuleStatus::ALL
        .iter()
        .map(|s| c.get(*s).to_string())
        .collect()
}

fn grouped_table(title: &str, label: &str, empty: &str, g: &Grouped) -> String {
    let mut rows = vec![
        [
            label,
            "PASS",
            "FAIL",
            "WARN",
            "ERROR",
            "SKIP",
            "VIOLATION RATE",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect::<Vec<_>>(),
    ];
    for (k, c) in g {
        let mut row = vec![if k.is_empty() {
            empty.to_owned()
        } else {
            k.clone()
        }];
        row.extend(counts_cells(c));
        row.push(percent(c.violation_rate()));
        rows.push(row);
    }
    format!("{title}\n{}", columns(&rows))
}

pub(crate) fn render(p: &Prepared<'_>) -> String {
    let m = &p.metrics;
    let mut out = String::new();
    out.push_str(&grouped_table(
        "By namespace",
        "NAMESPACE",
        "(cluster)",
        &m.namespaces,
    ));
    out.push('\n');
    out.push_str(&grouped_table("By policy", "POLICY", "-", &m.policies));
    out.push('\n');
    let mut rows = vec![
        ["POLICY", "RULE", "PASS", "FAIL", "COMPLIANCE"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>(),
    ];
    for (policy, rule, c) in m.check_rows() {
        rows.push(vec![
            policy.to_owned(),
            rule.to_owned(),
            c.pass.to_string(),
            c.fail.to_string(),
            percent(c.compliance_percent().map(|x| x / 100.0)),
        ]);
    }
    out.push_str("By check\n");
    out.push_str(&columns(&rows));
    let problems = p.problems();
    if !problems.is_empty() {
        out.push_str("\nFailures, warnings and errors\n");
        let mut rows = vec![
            ["POLICY", "RULE", "RESOURCE", "RESULT", "MESSAGE"]
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>(),
        ];
        for e in problems {
            rows.push(vec![
                e.policy.to_owned(),
                e.rule.to_owned(),
                resource_text(e),
                e.status.as_str().to_owned(),
                e.message.replace('\n', " "),
            ]);
        }
        out.push_str(&columns(&rows));
    }
    if !p.view.readiness.is_empty() {
        out.push_str("\nRollout readiness\n");
        let mut rows = vec![
            [
                "POLICY",
                "MODE",
                "DAYS IN AUDIT",
                "VIOLATION RATE",
                "VERDICT",
                "REASONS",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>(),
        ];
        for r in p.view.readiness {
            rows.push(vec![
                r.policy.clone(),
                r.mode.as_str().to_owned(),
                r.days_in_audit
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
                percent(r.violation_rate),
                r.verdict.as_str().to_owned(),
                if r.reasons.is_empty() {
                    "-".to_owned()
                } else {
                    r.reasons.join("; ")
                },
            ]);
        }
        out.push_str(&columns(&rows));
    }
    let t = &p.summary.total;
    let _ = writeln!(
        out,
        "\nResults: pass: {}, fail: {}, warn: {}, error: {}, skip: {}",
        t.pass, t.fail, t.warn, t.error, t.skip
    );
    if m.pod_counting == PodCounting::ByController && m.total != *t {
        out.push_str(
            "Rates and compliance count controller-owned Pods, ReplicaSets and Jobs once, through their controller.\n",
        );
    }
    out
}
