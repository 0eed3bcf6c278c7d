//! Building PolicyReports from rule results.

use std::collections::BTreeMap;

use policy_model::meta::ObjectMeta;
use policy_model::report::{PolicyReport, ReportApi, ReportResult, ReportSummary, Timestamp};
use policy_model::{RuleResult, RuleStatus};
use serde_json::{Map, Value};

/// The `source` of every result this crate writes, as Kyverno writes it.
pub const SOURCE: &str = "kyverno";

/// The name of the ClusterPolicyReport holding cluster-scoped resources
/// ([`Layout::PerNamespace`]).
pub const CLUSTER_REPORT_NAME: &str = "clusterpolicyreport";

/// The prefix of a namespace's PolicyReport name ([`Layout::PerNamespace`]):
/// `polr-ns-<namespace>`, the name Kyverno gave its per-namespace reports.
pub const NAMESPACE_REPORT_PREFIX: &str = "polr-ns-";

/// The label every built report carries.
pub const MANAGED_BY_LABEL: (&str, &str) = ("app.kubernetes.io/managed-by", "policyctl");

/// How results are split into reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// One PolicyReport per resource namespace (`polr-ns-<namespace>`) plus one
    /// ClusterPolicyReport (`clusterpolicyreport`) for cluster-scoped resources.
    #[default]
    PerNamespace,
    /// `kyverno apply --policy-report` (CLI-9.6): one cluster report named `merged` holding
    /// every result of cluster-wide policies, then one namespaced report per namespaced
    /// `Policy`, named after the policy, in the policy's namespace.
    KyvernoApply,
}

/// Where a result was produced (`properties.process`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// `background scan`.
    BackgroundScan,
    /// `admission review`.
    AdmissionReview,
}

impl Process {
    /// The property value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BackgroundScan => "background scan",
            Self::AdmissionReview => "admission review",
        }
    }
}

/// Options of [`build_reports`]. Time is a parameter: nothing here reads the clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildOptions {
    /// API group of the reports (wgpolicyk8s.io/v1alpha2 by default).
    pub api: ReportApi,
    /// How results are split into reports.
    pub layout: Layout,
    /// The timestamp written on every result.
    pub now: Timestamp,
    /// `properties.process`, when set.
    pub process: Option<Process>,
}

/// The report status of a result: a failure of an unscored policy is a warning (CLI-9.4).
pub fn report_status(r: &RuleResult) -> RuleStatus {
    if r.status == RuleStatus::Fail && !r.scored {
        RuleStatus::Warn
    } else {
        r.status
    }
}

/// One report result for one rule result: `source: kyverno`, policy, rule, category,
/// severity, timestamp, result, scored, message, the resource, properties (exceptions
/// included).
pub fn report_result(r: &RuleResult, opts: &BuildOptions) -> ReportResult {
    let mut resource = Map::new();
    resource.insert(
        "apiVersion".into(),
        Value::from(r.resource.api_version.as_str()),
    );
    resource.insert("kind".into(), Value::from(r.resource.kind.as_str()));
    resource.insert("name".into(), Value::from(r.resource.name.as_str()));
    if !r.resource.namespace.is_empty() {
        resource.insert(
            "namespace".into(),
            Value::from(r.resource.namespace.as_str()),
        );
    }
    if let Some(uid) = &r.resource.uid {
        resource.insert("uid".into(), Value::from(uid.as_str()));
    }
    let mut properties = r.properties.clone();
    if !r.exceptions.is_empty() && !properties.contains_key("exceptions") {
        properties.insert("exceptions".into(), r.exceptions.join(","));
    }
    if let Some(p) = opts.process {
        properties.insert("process".into(), p.as_str().to_owned());
    }
    ReportResult {
        source: Some(SOURCE.to_owned()),
        policy: r.policy.to_string(),
        rule: Some(r.rule.to_string()),
        category: r
            .category
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        severity: r
            .severity
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        timestamp: Some(opts.now),
        result: report_status(r),
        scored: Some(r.scored),
        message: Some(r.message.to_string()).filter(|m| !m.is_empty()),
        resources: vec![Value::Object(resource)],
        resource_selector: None,
        properties,
        extra: Map::new(),
    }
}

/// The summary of a list of results: one count per result status.
pub fn summarize(results: &[ReportResult]) -> ReportSummary {
    let mut s = ReportSummary::default();
    for r in results {
        s.count(r.result);
    }
    s
}

/// A report of `api` with a name, namespace (`None`: cluster report) and results; the
/// results are sorted ([`sort_results`]) and counted.
pub fn make_report(
    api: ReportApi,
    name: &str,
    namespace: Option<&str>,
    mut results: Vec<ReportResult>,
) -> PolicyReport {
    sort_results(&mut results);
    let mut labels = BTreeMap::new();
    labels.insert(MANAGED_BY_LABEL.0.to_owned(), MANAGED_BY_LABEL.1.to_owned());
    PolicyReport {
        api_version: api.api_version().to_owned(),
        kind: api.kind(namespace.is_none()).to_owned(),
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: namespace.map(str::to_owned),
            labels,
            ..ObjectMeta::default()
        },
        summary: summarize(&results),
        results,
        ..PolicyReport::default()
    }
}

fn resource_field<'a>(r: &'a ReportResult, field: &str) -> &'a str {
    r.resources
        .first()
        .and_then(|v| v.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Sorts results by policy, rule, resource (kind, namespace, name, apiVersion) and status,
/// then by every other field, so the same results in any order give the same bytes.
pub fn sort_results(results: &mut [ReportResult]) {
    results.sort_by(|a, b| {
        (
            a.policy.as_str(),
            a.rule.as_deref().unwrap_or(""),
            resource_field(a, "kind"),
            resource_field(a, "namespace"),
            resource_field(a, "name"),
            resource_field(a, "apiVersion"),
            a.result,
        )
            .cmp(&(
                b.policy.as_str(),
                b.rule.as_deref().unwrap_or(""),
                resource_field(b, "kind"),
                resource_field(b, "namespace"),
                resource_field(b, "name"),
                resource_field(b, "apiVersion"),
                b.result,
            ))
            // Ties broken on every other field, so the input order never shows.
            .then_with(|| {
                (
                    resource_field(a, "uid"),
                    &a.message,
                    &a.category,
                    &a.severity,
                    a.scored,
                    &a.source,
                    a.timestamp,
                    &a.properties,
                )
                    .cmp(&(
                        resource_field(b, "uid"),
                        &b.message,
                        &b.category,
                        &b.severity,
                        b.scored,
                        &b.source,
                        b.timestamp,
                        &b.properties,
                    ))
            })
    });
}

/// Builds the reports for a set of rule results: one result per (policy, rule, resource),
/// split by [`BuildOptions::layout`]. Order and names are deterministic: the cluster report
/// first, then namespaced reports by namespace (and name).
///
/// ```
/// use policy_model::{ResourceId, RuleResult, RuleStatus};
/// use policy_report::{BuildOptions, build_reports};
///
/// let result = RuleResult {
///     policy: "require-team".into(),
///     rule: "team-label".into(),
///     resource: ResourceId {
///         api_version: "v1".into(),
///         kind: "Pod".into(),
///         namespace: "shop".into(),
///         name: "web".into(),
///         uid: None,
///     },
///     status: RuleStatus::Fail,
///     scored: true,
///     ..RuleResult::default()
/// };
/// let reports = build_reports(&[result], &BuildOptions::default());
/// assert_eq!(reports.len(), 1);
/// assert_eq!(reports[0].kind, "PolicyReport");
/// assert_eq!(reports[0].metadata.name.as_deref(), Some("polr-ns-shop"));
/// assert_eq!(reports[0].summary.fail, 1);
/// ```
pub fn build_reports(results: &[RuleResult], opts: &BuildOptions) -> Vec<PolicyReport> {
    match opts.layout {
        Layout::PerNamespace => {
            let mut cluster = Vec::new();
            let mut by_ns: BTreeMap<&str, Vec<ReportResult>> = BTreeMap::new();
            for r in results {
                let rr = report_result(r, opts);
                if r.resource.namespace.is_empty() {
                    cluster.push(rr);
                } else {
                    by_ns
                        .entry(r.resource.namespace.as_str())
                        .or_default()
                        .push(rr);
                }
            }
            let mut out = Vec::with_capacity(by_ns.len() + 1);
            if !cluster.is_empty() {
                out.push(make_report(opts.api, CLUSTER_REPORT_NAME, None, cluster));
            }
            for (ns, rs) in by_ns {
                let name = format!("{NAMESPACE_REPORT_PREFIX}{ns}");
                out.push(make_report(opts.api, &name, Some(ns), rs));
            }
            out
        }
        Layout::KyvernoApply => {
            let mut cluster = Vec::new();
            let mut by_policy: BTreeMap<(&str, &str), Vec<ReportResult>> = BTreeMap::new();
            for r in results {
                let rr = report_result(r, opts);
                match r.policy.split_once('/') {
                    Some((ns, name)) => by_policy.entry((ns, name)).or_default().push(rr),
                    None => cluster.push(rr),
                }
            }
            let mut out = Vec::with_capacity(by_policy.len() + 1);
            out.push(make_report(opts.api, "merged", None, cluster));
            for ((ns, name), rs) in by_policy {
                out.push(make_report(opts.api, name, Some(ns), rs));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use policy_model::ResourceId;

    use super::*;

    fn rr(policy: &str, rule: &str, ns: &str, name: &str, status: RuleStatus) -> RuleResult {
        RuleResult {
            policy: policy.into(),
            rule: rule.into(),
            resource: ResourceId {
                api_version: "v1".into(),
                kind: if ns.is_empty() { "Namespace" } else { "Pod" }.into(),
                namespace: ns.into(),
                name: name.into(),
                uid: None,
            },
            status,
            scored: true,
            ..RuleResult::default()
        }
    }

    #[test]
    fn per_namespace_split_names_and_order() {
        let results = vec![
            rr("p", "r", "b", "x", RuleStatus::Pass),
            rr("p", "r", "", "ns1", RuleStatus::Fail),
            rr("p", "r", "a", "y", RuleStatus::Fail),
            rr("a", "r", "a", "z", RuleStatus::Pass),
        ];
        let reports = build_reports(&results, &BuildOptions::default());
        let names: Vec<_> = reports
            .iter()
            .map(|r| {
                (
                    r.kind.as_str(),
                    r.metadata.name.clone().unwrap(),
                    r.metadata.namespace.clone(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                (
                    "ClusterPolicyReport",
                    "clusterpolicyreport".to_owned(),
                    None
                ),
                ("PolicyReport", "polr-ns-a".to_owned(), Some("a".to_owned())),
                ("PolicyReport", "polr-ns-b".to_owned(), Some("b".to_owned())),
            ]
        );
        // sorted by policy within the report
        assert_eq!(reports[1].results[0].policy, "a");
        assert_eq!(
            reports[1].summary,
            ReportSummary {
                pass: 1,
                fail: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn unscored_failure_is_warn_and_exceptions_are_properties() {
        let mut r = rr("p", "r", "a", "x", RuleStatus::Fail);
        r.scored = false;
        let mut s = rr("p", "r", "a", "y", RuleStatus::Skip);
        s.exceptions = vec!["ns/e1".into(), "ns/e2".into()];
        let opts = BuildOptions {
            process: Some(Process::BackgroundScan),
            ..Default::default()
        };
        let reports = build_reports(&[r, s], &opts);
        let res = &reports[0].results;
        assert_eq!(res[0].result, RuleStatus::Warn);
        assert_eq!(res[0].scored, Some(false));
        assert_eq!(res[1].properties["exceptions"], "ns/e1,ns/e2");
        assert_eq!(res[1].properties["process"], "background scan");
        assert_eq!(reports[0].summary.warn, 1);
        assert_eq!(reports[0].summary.skip, 1);
    }

    #[test]
    fn kyverno_apply_layout() {
        let results = vec![
            rr("team/local", "r", "team", "x", RuleStatus::Pass),
            rr("global", "r", "team", "x", RuleStatus::Fail),
        ];
        let opts = BuildOptions {
            api: ReportApi::OpenReports,
            layout: Layout::KyvernoApply,
            ..Default::default()
        };
        let reports = build_reports(&results, &opts);
        assert_eq!(reports[0].kind, "ClusterReport");
        assert_eq!(reports[0].metadata.name.as_deref(), Some("merged"));
        assert_eq!(reports[0].results.len(), 1);
        assert_eq!(reports[1].kind, "Report");
        assert_eq!(reports[1].metadata.name.as_deref(), Some("local"));
        assert_eq!(reports[1].metadata.namespace.as_deref(), Some("team"));
    }
}
