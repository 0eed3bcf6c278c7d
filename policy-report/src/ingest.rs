//! Reading existing reports, and the flat view of their results that aggregation and the
//! output formats work on.

use policy_model::report::{PolicyReport, ReportApi, ReportResult, Timestamp};
use policy_model::{Document, LoadError, RuleStatus, load_str};
use serde_json::Value;

/// Reports read from one text, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ingested {
    /// The reports, in stream order (items of a `List` in place of the list).
    pub reports: Vec<PolicyReport>,
    /// Documents that failed to load.
    pub errors: Vec<LoadError>,
    /// Documents that loaded but are not reports (`kind`s), skipped.
    pub skipped: Vec<String>,
}

/// Reads PolicyReports, ClusterPolicyReports, Reports and ClusterReports of both API groups
/// from YAML or JSON text: single documents, `---` streams, and the `List` that
/// `kubectl get policyreport -A -o yaml` prints.
///
/// ```
/// let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: wgpolicyk8s.io/v1alpha2\n  kind: PolicyReport\n  metadata: {name: r, namespace: a}\n  results:\n  - {policy: p, rule: x, result: fail}\n";
/// let got = policy_report::ingest_str("reports.yaml", text);
/// assert!(got.errors.is_empty());
/// assert_eq!(got.reports.len(), 1);
/// assert_eq!(got.reports[0].results[0].policy, "p");
/// ```
pub fn ingest_str(source: &str, text: &str) -> Ingested {
    let out = load_str(source, text);
    let mut got = Ingested {
        errors: out.errors,
        ..Ingested::default()
    };
    for loaded in out.documents {
        match loaded.document {
            Document::Report(r) => got.reports.push(*r),
            other => got.skipped.push(other.kind().to_owned()),
        }
    }
    got
}

/// The API group and scope of a report, when its apiVersion/kind are a report's.
pub fn report_api(report: &PolicyReport) -> Option<(ReportApi, bool)> {
    ReportApi::recognize(&report.api_version, &report.kind)
}

/// One (result, resource) pair of a report, flattened: what summaries, metrics and outputs
/// count. A result about several resources gives one entry per resource; a result about
/// none (a `resourceSelector`, or nothing) gives one entry without a resource.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry<'a> {
    /// The report holding the result.
    pub report: &'a PolicyReport,
    /// The result.
    pub result: &'a ReportResult,
    /// `source` (`""` when absent).
    pub source: &'a str,
    /// Policy.
    pub policy: &'a str,
    /// Rule (`""` when absent).
    pub rule: &'a str,
    /// Status.
    pub status: RuleStatus,
    /// Category (`""` when absent).
    pub category: &'a str,
    /// Severity (`""` when absent).
    pub severity: &'a str,
    /// Resource apiVersion (`""` when unknown).
    pub api_version: &'a str,
    /// Resource kind (`""` when unknown).
    pub kind: &'a str,
    /// Resource namespace: the resource's own, else the report's (`""`: cluster-scoped).
    pub namespace: &'a str,
    /// Resource name (`""` when unknown).
    pub name: &'a str,
    /// Message (`""` when absent).
    pub message: &'a str,
    /// When the result was produced.
    pub timestamp: Option<Timestamp>,
}

impl Entry<'_> {
    /// The report's name (`""` when absent).
    pub fn report_name(&self) -> &str {
        self.report.metadata.name_or_empty()
    }

    /// True when the report is cluster-wide.
    pub fn cluster_report(&self) -> bool {
        report_api(self.report).is_some_and(|(_, cluster)| cluster)
            || self.report.metadata.namespace.is_none()
    }

    /// `namespace/Kind/name` (`Kind/name` for cluster-scoped resources).
    pub fn resource_text(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.namespace, self.kind, self.name)
        }
    }
}

/// Calls `f` on every entry of a report, in result order.
pub fn for_each_entry<'a>(report: &'a PolicyReport, mut f: impl FnMut(Entry<'a>)) {
    let report_ns = report.metadata.namespace.as_deref().unwrap_or("");
    for result in &report.results {
        let base = Entry {
            report,
            result,
            source: result.source.as_deref().unwrap_or(""),
            policy: &result.policy,
            rule: result.rule.as_deref().unwrap_or(""),
            status: result.result,
            category: result.category.as_deref().unwrap_or(""),
            severity: result.severity.as_deref().unwrap_or(""),
            api_version: "",
            kind: "",
            namespace: report_ns,
            name: "",
            message: result.message.as_deref().unwrap_or(""),
            timestamp: result.timestamp,
        };
        if result.resources.is_empty() {
            // A per-resource report (Kyverno ≥ 1.10) names its resource in `scope`.
            match &report.scope {
                Some(scope) => f(resource_entry(base, scope, report_ns)),
                None => f(base),
            }
        } else {
            for res in &result.resources {
                f(resource_entry(base, res, report_ns));
            }
        }
    }
}

fn resource_entry<'a>(base: Entry<'a>, res: &'a Value, report_ns: &'a str) -> Entry<'a> {
    let r = ref_fields(res);
    Entry {
        api_version: r.api_version,
        kind: r.kind,
        namespace: if r.namespace.is_empty() {
            report_ns
        } else {
            r.namespace
        },
        name: r.name,
        ..base
    }
}

/// The string fields of an object reference that entries use (`""` when absent or not a
/// string).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RefFields<'a> {
    pub(crate) api_version: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) namespace: &'a str,
    pub(crate) name: &'a str,
}

/// [`RefFields`] in one pass over the object (the same as four `v.get(key).and_then(Value::as_str)` look-ups, whose
/// SipHash of the key costs more than scanning the handful of fields of a reference).
pub(crate) fn ref_fields(v: &Value) -> RefFields<'_> {
    let mut f = RefFields::default();
    if let Value::Object(map) = v {
        for (k, val) in map {
            let Value::String(s) = val else { continue };
            match k.as_str() {
                "apiVersion" => f.api_version = s,
                "kind" => f.kind = s,
                "namespace" => f.namespace = s,
                "name" => f.name = s,
                _ => {}
            }
        }
    }
    f
}

/// Every entry of every report, in order.
pub fn entries(reports: &[PolicyReport]) -> Vec<Entry<'_>> {
    let mut out = Vec::with_capacity(reports.iter().map(|r| r.results.len()).sum());
    for r in reports {
        for_each_entry(r, |e| out.push(e));
    }
    out
}

/// The time of a report: its newest result timestamp, else `metadata.creationTimestamp`
/// (RFC 3339), in seconds since the epoch.
pub fn report_time(report: &PolicyReport) -> Option<i64> {
    report
        .results
        .iter()
        .filter_map(|r| r.timestamp.map(|t| t.seconds))
        .max()
        .or_else(|| {
            report
                .metadata
                .extra
                .get("creationTimestamp")
                .and_then(Value::as_str)
                .and_then(crate::time::parse_time)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingests_both_groups_lists_and_skips_others() {
        let text = r#"
apiVersion: v1
kind: List
items:
- apiVersion: wgpolicyk8s.io/v1alpha2
  kind: PolicyReport
  metadata: {name: polr-ns-a, namespace: a}
  results:
  - policy: p
    rule: r
    result: pass
    resources: [{apiVersion: v1, kind: Pod, name: x}]
- apiVersion: wgpolicyk8s.io/v1alpha2
  kind: ClusterPolicyReport
  metadata: {name: c}
---
apiVersion: openreports.io/v1alpha1
kind: Report
metadata: {name: uid-1, namespace: b}
scope: {apiVersion: apps/v1, kind: Deployment, name: web, namespace: b}
results:
- {policy: p, rule: autogen-r, result: fail, source: kyverno}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
"#;
        let got = ingest_str("r.yaml", text);
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        assert_eq!(got.reports.len(), 3);
        assert_eq!(got.skipped, vec!["ConfigMap".to_owned()]);
        let es = entries(&got.reports);
        assert_eq!(es.len(), 2);
        assert_eq!((es[0].namespace, es[0].kind, es[0].name), ("a", "Pod", "x"));
        assert_eq!(
            (es[1].namespace, es[1].kind, es[1].name),
            ("b", "Deployment", "web")
        );
        assert_eq!(es[1].status, RuleStatus::Fail);
        assert!(!es[1].cluster_report());
    }

    #[test]
    fn bad_document_is_an_error_not_a_panic() {
        let got = ingest_str(
            "r.yaml",
            "apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nresults: 3\n",
        );
        assert_eq!(got.reports.len(), 0);
        assert_eq!(got.errors.len(), 1);
    }
}
