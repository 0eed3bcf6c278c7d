//! Output formats: table, JSON, YAML PolicyReports, JUnit XML, SARIF 2.1.0, Prometheus text
//! exposition, Markdown and a self-contained HTML page.

use std::collections::BTreeMap;

use policy_model::RuleStatus;
use policy_model::report::PolicyReport;
use serde_json::{Value, json};

use crate::error::Error;
use crate::ingest::{Entry, entries};
use crate::metrics::{Metrics, MetricsOptions};
use crate::rollout::{Readiness, TrendPoint};
use crate::summary::{Counts, Summary};

mod html;
mod junit;
mod markdown;
mod prometheus;
mod sarif;

pub use sarif::artifact_uri;
mod table;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Aligned text tables for a terminal.
    Table,
    /// The summary, metrics, readiness and trend as one JSON object.
    Json,
    /// The PolicyReports as a YAML stream, ready for `kubectl apply -f -`.
    Yaml,
    /// JUnit XML: a test suite per policy, a test case per (rule, resource).
    Junit,
    /// SARIF 2.1.0: a result per failing (or warning) result.
    Sarif,
    /// Prometheus text exposition: Policy Reporter's `policy_report_result` and
    /// `cluster_policy_report_result`, plus violation-rate and compliance gauges.
    Prometheus,
    /// Markdown for pull-request comments.
    Markdown,
    /// One self-contained HTML page with inline SVG charts.
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Self; 8] = [
        Self::Table,
        Self::Json,
        Self::Yaml,
        Self::Junit,
        Self::Sarif,
        Self::Prometheus,
        Self::Markdown,
        Self::Html,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::Yaml => "yaml",
            Self::Junit => "junit",
            Self::Sarif => "sarif",
            Self::Prometheus => "prometheus",
            Self::Markdown => "markdown",
            Self::Html => "html",
        }
    }

    /// Parses a command-line name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// Where a resource was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLocation {
    /// The file, as a relative or absolute path or URI.
    pub file: String,
    /// 1-based line of the document.
    pub line: usize,
}

/// The key of [`View::locations`]: `apiVersion/kind/namespace/name`.
pub fn location_key(api_version: &str, kind: &str, namespace: &str, name: &str) -> String {
    format!("{api_version}/{kind}/{namespace}/{name}")
}

/// What the formats render.
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The reports.
    pub reports: &'a [PolicyReport],
    /// Rollout readiness, when computed.
    pub readiness: &'a [Readiness],
    /// A compliance trend, when given a series.
    pub trend: &'a [TrendPoint],
    /// Resource source locations, by [`location_key`] (SARIF uses them).
    pub locations: &'a BTreeMap<String, SourceLocation>,
    /// Metric options.
    pub metrics: MetricsOptions,
    /// A title (HTML and Markdown).
    pub title: &'a str,
}

impl<'a> View<'a> {
    /// A view of reports alone.
    pub fn new(
        reports: &'a [PolicyReport],
        locations: &'a BTreeMap<String, SourceLocation>,
    ) -> Self {
        Self {
            reports,
            readiness: &[],
            trend: &[],
            locations,
            metrics: MetricsOptions::default(),
            title: "Policy report",
        }
    }
}

/// Entries and their summaries, computed once per rendering.
pub(crate) struct Prepared<'a> {
    pub(crate) view: View<'a>,
    pub(crate) entries: Vec<Entry<'a>>,
    pub(crate) summary: Summary,
    pub(crate) metrics: Metrics,
}

impl<'a> Prepared<'a> {
    fn new(view: View<'a>) -> Self {
        let entries = entries(view.reports);
        let summary = Summary::from_entries(&entries);
        let metrics = Metrics::compute(&entries, view.metrics);
        Self {
            view,
            entries,
            summary,
            metrics,
        }
    }

    /// Failing and warning entries, sorted by policy, rule, resource.
    pub(crate) fn problems(&self) -> Vec<&Entry<'a>> {
        let mut v: Vec<&Entry<'a>> = self
            .entries
            .iter()
            .filter(|e| {
                matches!(
                    e.status,
                    RuleStatus::Fail | RuleStatus::Warn | RuleStatus::Error
                )
            })
            .collect();
        v.sort_by(|a, b| {
            (a.policy, a.rule, a.namespace, a.kind, a.name, a.status).cmp(&(
                b.policy,
                b.rule,
                b.namespace,
                b.kind,
                b.name,
                b.status,
            ))
        });
        v
    }
}

/// Renders a view in a format.
///
/// ```
/// use std::collections::BTreeMap;
/// use policy_report::{Format, View, render};
///
/// let reports = policy_report::ingest_str(
///     "r.yaml",
///     "apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nmetadata: {name: r, namespace: a}\nresults:\n- {policy: p, rule: x, result: fail, resources: [{kind: Pod, name: web}]}\n",
/// )
/// .reports;
/// let locations = BTreeMap::new();
/// let text = render(Format::Prometheus, &View::new(&reports, &locations)).unwrap();
/// assert!(text.contains(r#"policy_report_result{namespace="a",rule="x",policy="p",report="r",kind="Pod",name="web",status="fail",severity="",category="",source=""} 1"#));
/// ```
pub fn render(format: Format, view: &View<'_>) -> Result<String, Error> {
    let p = Prepared::new(*view);
    Ok(match format {
        Format::Table => table::render(&p),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json_doc(&p))
                .map_err(|e| Error::Serialize(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Yaml => yaml_reports(view.reports)?,
        Format::Junit => junit::render(&p),
        Format::Sarif => {
            let mut s = serde_json::to_string_pretty(&sarif::render(&p))
                .map_err(|e| Error::Serialize(e.to_string()))?;
            s.push('\n');
            s
        }
        Format::Prometheus => prometheus::render(&p),
        Format::Markdown => markdown::render(&p),
        Format::Html => html::render(&p),
    })
}

/// The reports as a YAML stream (`---` between documents), ready for `kubectl apply`.
pub fn yaml_reports(reports: &[PolicyReport]) -> Result<String, Error> {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&policy_model::to_yaml(r).map_err(|e| Error::Serialize(e.0))?);
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

fn counts_json(c: &Counts) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    for s in RuleStatus::ALL {
        m.insert(s.as_str().to_owned(), Value::from(c.get(s)));
    }
    m
}

fn json_doc(p: &Prepared<'_>) -> Value {
    let m = &p.metrics;
    let rows = |key: &str, map: &BTreeMap<String, Counts>| -> Vec<Value> {
        map.iter()
            .map(|(k, c)| {
                let mut o = counts_json(c);
                o.insert(key.to_owned(), Value::from(k.as_str()));
                o.insert("violationRate".into(), json!(c.violation_rate()));
                Value::Object(o)
            })
            .collect()
    };
    let checks: Vec<Value> = m
        .check_rows()
        .map(|(policy, rule, c)| {
            let mut o = counts_json(c);
            o.insert("policy".into(), Value::from(policy));
            o.insert("rule".into(), Value::from(rule));
            o.insert("compliancePercent".into(), json!(c.compliance_percent()));
            Value::Object(o)
        })
        .collect();
    json!({
        "summary": p.summary,
        "metrics": {
            "podCounting": m.pod_counting,
            "total": counts_json(&m.total),
            "namespaces": rows("namespace", &m.namespaces),
            "policies": rows("policy", &m.policies),
            "checks": checks,
        },
        "readiness": p.view.readiness,
        "trend": p.view.trend,
    })
}

/// `namespace/Kind/name`, or `Kind/name` for cluster-scoped resources, or `-`.
pub(crate) fn resource_text(e: &Entry<'_>) -> String {
    if e.kind.is_empty() && e.name.is_empty() {
        return "-".to_owned();
    }
    e.resource_text()
}
