//! Prometheus text exposition (format 0.0.4).
//!
//! Policy Reporter's detailed metrics: `policy_report_result` (labels `namespace`, `rule`,
//! `policy`, `report`, `kind`, `name`, `status`, `severity`, `category`, `source`) and
//! `cluster_policy_report_result` (the same without `namespace`), value 1 per result
//! (identical label sets add up). Ours: `policyctl_namespace_violation_ratio{namespace}`,
//! `policyctl_policy_violation_ratio{policy}` (fail / (pass + fail), 0..1) and
//! `policyctl_check_compliance_percent{policy,rule}` (0..100); series without scored
//! results are left out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Prepared;

/// Escapes a label value: backslash, double quote and newline.
pub(crate) fn escape_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(pairs: &[(&str, &str)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}

fn family(out: &mut String, name: &str, help: &str, series: &BTreeMap<String, String>) {
    if series.is_empty() {
        return;
    }
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in series {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

pub(crate) fn render(p: &Prepared<'_>) -> String {
    let mut ns_results: BTreeMap<String, u64> = BTreeMap::new();
    let mut cluster_results: BTreeMap<String, u64> = BTreeMap::new();
    for e in &p.entries {
        let report = e.report_name();
        let status = e.status.as_str();
        if e.cluster_report() {
            let l = labels(&[
                ("rule", e.rule),
                ("policy", e.policy),
                ("report", report),
                ("kind", e.kind),
                ("name", e.name),
                ("status", status),
                ("severity", e.severity),
                ("category", e.category),
                ("source", e.source),
            ]);
            *cluster_results.entry(l).or_default() += 1;
        } else {
            let l = labels(&[
                ("namespace", e.namespace),
                ("rule", e.rule),
                ("policy", e.policy),
                ("report", report),
                ("kind", e.kind),
                ("name", e.name),
                ("status", status),
                ("severity", e.severity),
                ("category", e.category),
                ("source", e.source),
            ]);
            *ns_results.entry(l).or_default() += 1;
        }
    }
    let as_text = |m: BTreeMap<String, u64>| -> BTreeMap<String, String> {
        m.into_iter().map(|(k, v)| (k, v.to_string())).collect()
    };
    let mut out = String::new();
    family(
        &mut out,
        "policy_report_result",
        "List of all PolicyReport Results",
        &as_text(ns_results),
    );
    family(
        &mut out,
        "cluster_policy_report_result",
        "List of all ClusterPolicyReport Results",
        &as_text(cluster_results),
    );
    let m = &p.metrics;
    let ns: BTreeMap<String, String> = m
        .namespaces
        .iter()
        .filter_map(|(k, c)| Some((labels(&[("namespace", k)]), c.violation_rate()?.to_string())))
        .collect();
    family(
        &mut out,
        "policyctl_namespace_violation_ratio",
        "Violation rate fail/(pass+fail) per resource namespace (empty: cluster-scoped)",
        &ns,
    );
    let pol: BTreeMap<String, String> = m
        .policies
        .iter()
        .filter_map(|(k, c)| Some((labels(&[("policy", k)]), c.violation_rate()?.to_string())))
        .collect();
    family(
        &mut out,
        "policyctl_policy_violation_ratio",
        "Violation rate fail/(pass+fail) per policy",
        &pol,
    );
    let checks: BTreeMap<String, String> = m
        .check_rows()
        .filter_map(|(policy, rule, c)| {
            Some((
                labels(&[("policy", policy), ("rule", rule)]),
                c.compliance_percent()?.to_string(),
            ))
        })
        .collect();
    family(
        &mut out,
        "policyctl_check_compliance_percent",
        "Share of passing results per policy rule, in percent",
        &checks,
    );
    out
}
