//! PolicyReports from evaluation results (model types only: this crate never depends on
//! `policy-eval`), report ingest, mergeable summaries, violation rates, Audit→Enforce
//! rollout readiness and the output formats people and tools read.
//!
//! - [`build_reports`]: rule results → PolicyReports (one per namespace plus a
//!   ClusterPolicyReport, `wgpolicyk8s.io/v1alpha2` or `openreports.io/v1alpha1`), shaped as
//!   Kyverno writes them; timestamps come from [`BuildOptions::now`], never the clock.
//! - [`ingest_str`]: report files and `kubectl get policyreport -A -o yaml` Lists → reports;
//!   [`entries`] flattens them.
//! - [`Summary`]: counts by namespace, policy, rule, category, severity and kind, with an
//!   associative and commutative [`Summary::merge`].
//! - [`Metrics`]: violation rates per namespace and policy, compliance per check, with
//!   controller-owned Pods counted once (see [`metrics`]).
//! - [`readiness`]: rollout readiness per policy (see [`rollout`]).
//! - [`render`]: table, JSON, YAML, JUnit, SARIF, Prometheus, Markdown, HTML.
//!
//! ```
//! use std::collections::BTreeMap;
//! use policy_model::{ResourceId, RuleResult, RuleStatus};
//! use policy_report::{BuildOptions, Format, Summary, View, build_reports, render};
//!
//! let pod = |name: &str, status| RuleResult {
//!     policy: "require-limits".into(),
//!     rule: "limits".into(),
//!     resource: ResourceId { api_version: "v1".into(), kind: "Pod".into(),
//!                            namespace: "shop".into(), name: name.into(), uid: None },
//!     status,
//!     scored: true,
//!     ..RuleResult::default()
//! };
//! let reports = build_reports(&[pod("a", RuleStatus::Pass), pod("b", RuleStatus::Fail)],
//!                             &BuildOptions::default());
//! let summary = Summary::from_reports(&reports);
//! assert_eq!(summary.by_namespace["shop"].violation_rate(), Some(0.5));
//! let markdown = render(Format::Markdown, &View::new(&reports, &BTreeMap::new())).unwrap();
//! assert!(markdown.contains("| shop | 1 | 1 | 0 | 0 | 0 | 50% |"));
//! ```

#![deny(missing_docs)]

mod build;
mod error;
mod fx;
mod ingest;
pub mod metrics;
mod output;
pub mod rollout;
mod summary;
mod time;

pub use build::{
    BuildOptions, CLUSTER_REPORT_NAME, Layout, MANAGED_BY_LABEL, NAMESPACE_REPORT_PREFIX, Process,
    SOURCE, build_reports, make_report, report_result, report_status, sort_results, summarize,
};
pub use error::Error;
pub use ingest::{Entry, Ingested, entries, for_each_entry, ingest_str, report_api, report_time};
pub use metrics::{Metrics, MetricsOptions, PodCounting};
pub use output::{Format, SourceLocation, View, artifact_uri, location_key, render, yaml_reports};
pub use rollout::{
    AUDIT_START_ANNOTATION, PolicyMode, Readiness, Snapshot, Thresholds, TrendPoint, Verdict,
    readiness, trend,
};
pub use summary::{Counts, Grouped, Summary};
pub use time::{format_date, format_time, parse_time};
