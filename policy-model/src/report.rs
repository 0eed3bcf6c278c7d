//! PolicyReports: `wgpolicyk8s.io/v1alpha2` PolicyReport / ClusterPolicyReport and
//! `openreports.io/v1alpha1` Report / ClusterReport. Both groups share one shape.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::meta::{ObjectMeta, null_default};
use crate::result::RuleStatus;

/// The API group and version of a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReportApi {
    /// `wgpolicyk8s.io/v1alpha2`: PolicyReport / ClusterPolicyReport.
    #[default]
    Wgpolicy,
    /// `openreports.io/v1alpha1`: Report / ClusterReport.
    OpenReports,
}

impl ReportApi {
    /// The apiVersion.
    pub fn api_version(self) -> &'static str {
        match self {
            Self::Wgpolicy => "wgpolicyk8s.io/v1alpha2",
            Self::OpenReports => "openreports.io/v1alpha1",
        }
    }

    /// The kind for a namespaced (false) or cluster (true) report.
    pub fn kind(self, cluster: bool) -> &'static str {
        match (self, cluster) {
            (Self::Wgpolicy, false) => "PolicyReport",
            (Self::Wgpolicy, true) => "ClusterPolicyReport",
            (Self::OpenReports, false) => "Report",
            (Self::OpenReports, true) => "ClusterReport",
        }
    }

    /// Recognizes an apiVersion/kind pair; returns the API and whether it is cluster-wide.
    pub fn recognize(api_version: &str, kind: &str) -> Option<(Self, bool)> {
        [Self::Wgpolicy, Self::OpenReports]
            .into_iter()
            .find_map(|api| {
                if api.api_version() != api_version {
                    return None;
                }
                if kind == api.kind(false) {
                    Some((api, false))
                } else if kind == api.kind(true) {
                    Some((api, true))
                } else {
                    None
                }
            })
    }
}

/// A PolicyReport, ClusterPolicyReport, Report or ClusterReport.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct PolicyReport {
    /// API version.
    pub api_version: String,
    /// Kind.
    pub kind: String,
    /// Metadata.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
    /// The object the report is about, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Value>,
    /// Selector of the objects the report is about, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_selector: Option<Value>,
    /// Counts per status.
    #[serde(default)]
    pub summary: ReportSummary,
    /// The results.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub results: Vec<ReportResult>,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `summary`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ReportSummary {
    /// Passed.
    #[serde(default)]
    pub pass: u64,
    /// Failed.
    #[serde(default)]
    pub fail: u64,
    /// Warned.
    #[serde(default)]
    pub warn: u64,
    /// Errored.
    #[serde(default)]
    pub error: u64,
    /// Skipped.
    #[serde(default)]
    pub skip: u64,
}

impl ReportSummary {
    /// Adds one result.
    pub fn count(&mut self, status: RuleStatus) {
        match status {
            RuleStatus::Pass => self.pass += 1,
            RuleStatus::Fail => self.fail += 1,
            RuleStatus::Warn => self.warn += 1,
            RuleStatus::Error => self.error += 1,
            RuleStatus::Skip => self.skip += 1,
        }
    }
}

/// A `{seconds, nanos}` timestamp.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Timestamp {
    /// Seconds since the Unix epoch.
    #[serde(default)]
    pub seconds: i64,
    /// Nanoseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub nanos: i32,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// One report result.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ReportResult {
    /// `kyverno`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Policy.
    #[serde(default)]
    pub policy: String,
    /// Rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Outcome.
    pub result: RuleStatus,
    /// Scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored: Option<bool>,
    /// Message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The resources concerned (ObjectReferences), kept verbatim.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Value>,
    /// Resource selector, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_selector: Option<Value>,
    /// Properties.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
