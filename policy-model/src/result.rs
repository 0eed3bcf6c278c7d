//! The result vocabulary shared by the engine and the reports: statuses, resource identity,
//! rule results. It lives here so `policy-report` never depends on `policy-eval`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::policy::FailureAction;

/// The outcome of one rule on one resource (CLI-4c).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum RuleStatus {
    /// The resource satisfies the rule.
    Pass,
    /// The resource violates the rule.
    Fail,
    /// A violation that does not count (unscored policy, or audit-as-warn).
    Warn,
    /// The rule could not be evaluated.
    Error,
    /// The rule matched but was not applied (preconditions, exception, ...).
    #[default]
    Skip,
}

impl RuleStatus {
    /// All statuses, in report order.
    pub const ALL: [Self; 5] = [Self::Pass, Self::Fail, Self::Warn, Self::Error, Self::Skip];

    /// The lower-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Skip => "skip",
        }
    }

    /// Parses the lower-case spelling (CLI-2.3 compares exact lower-case strings).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

impl fmt::Display for RuleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identity of a resource as reports name it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceId {
    /// `apiVersion` (`v1`, `apps/v1`).
    pub api_version: SmolStr,
    /// Kind.
    pub kind: SmolStr,
    /// Namespace (`""` for cluster-scoped resources).
    #[serde(default, skip_serializing_if = "SmolStr::is_empty")]
    pub namespace: SmolStr,
    /// Name.
    pub name: SmolStr,
    /// UID, when the resource has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<SmolStr>,
}

impl fmt::Display for ResourceId {
    /// `namespace/Kind/name`, as `kyverno apply` prints resources (CLI-9.5).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.namespace, self.kind, self.name)
    }
}

/// The result of one rule of one policy on one resource.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleResult {
    /// The policy as Kyverno reports it (`<ns>/<name>` for a namespaced `Policy`).
    pub policy: SmolStr,
    /// The rule name (autogen rules carry their `autogen-` names).
    pub rule: SmolStr,
    /// The resource.
    pub resource: ResourceId,
    /// The outcome.
    pub status: RuleStatus,
    /// The message, as Kyverno prints it.
    #[serde(default, skip_serializing_if = "SmolStr::is_empty")]
    pub message: SmolStr,
    /// The effective failure action of the rule.
    #[serde(default)]
    pub mode: FailureAction,
    /// Where the resource failed the rule (JSON pointer), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Exceptions that exempted the resource (`namespace/name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    /// Extra report properties (PSS details, `reportProperties`, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
    /// `policies.kyverno.io/category`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<SmolStr>,
    /// `policies.kyverno.io/severity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<SmolStr>,
    /// False when the policy is annotated `policies.kyverno.io/scored: "false"`.
    #[serde(default = "default_true")]
    pub scored: bool,
}

fn default_true() -> bool {
    true
}
