//! `kyverno.io/v1` (and `v2beta1`) `ClusterPolicy` and `Policy`.
//!
//! Every struct keeps the fields it does not model in `extra`, so load → save loses nothing.
//! Patterns, mutate patches and other free-form payloads stay `serde_json::Value`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::meta::{LabelSelector, NamedExpression, ObjectMeta, null_default};

/// Whether a policy is cluster-wide or namespaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyScope {
    /// `ClusterPolicy`.
    Cluster,
    /// `Policy` (applies only in its own namespace, MR-1.1).
    Namespaced,
}

/// A Kyverno `ClusterPolicy` or `Policy`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct KyvernoPolicy {
    /// `kyverno.io/v1` or `kyverno.io/v2beta1`.
    pub api_version: String,
    /// `ClusterPolicy` or `Policy`.
    pub kind: String,
    /// Object metadata.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
    /// The policy spec.
    #[serde(default, deserialize_with = "null_default")]
    pub spec: PolicySpec,
    /// Other top-level fields (`status`), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl KyvernoPolicy {
    /// Cluster-wide or namespaced.
    pub fn scope(&self) -> PolicyScope {
        if self.kind == "Policy" {
            PolicyScope::Namespaced
        } else {
            PolicyScope::Cluster
        }
    }

    /// The policy name (`""` when absent).
    pub fn name(&self) -> &str {
        self.metadata.name_or_empty()
    }

    /// The name Kyverno reports: `<namespace>/<name>` for a namespaced `Policy`, else the name.
    pub fn qualified_name(&self) -> String {
        match (self.scope(), self.metadata.namespace.as_deref()) {
            (PolicyScope::Namespaced, Some(ns)) if !ns.is_empty() => {
                format!("{ns}/{}", self.name())
            }
            _ => self.name().to_owned(),
        }
    }

    /// Typed access to the `policies.kyverno.io/*` annotations.
    pub fn annotations(&self) -> PolicyAnnotations<'_> {
        PolicyAnnotations {
            map: &self.metadata.annotations,
        }
    }

    /// The spec-level failure action, Audit when absent (MR-1.6, MR-7.2.2).
    pub fn validation_failure_action(&self) -> FailureAction {
        self.spec
            .validation_failure_action
            .as_deref()
            .map_or(FailureAction::Audit, FailureAction::from_kyverno)
    }

    /// `spec.background`, true when absent (MR-1.6).
    pub fn background(&self) -> bool {
        self.spec.background.unwrap_or(true)
    }

    /// `spec.admission`, true when absent (MR-1.6).
    pub fn admission(&self) -> bool {
        self.spec.admission.unwrap_or(true)
    }
}

/// Audit or Enforce.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum FailureAction {
    /// Report violations, admit the resource.
    #[default]
    Audit,
    /// Block violating resources.
    Enforce,
}

impl FailureAction {
    /// Kyverno's reading (MR-7.2.2): `Enforce` and `enforce` enforce; anything else, the
    /// empty string included, audits.
    pub fn from_kyverno(s: &str) -> Self {
        if s == "Enforce" || s == "enforce" {
            Self::Enforce
        } else {
            Self::Audit
        }
    }

    /// A case-insensitive reading for user input (`--set`, values files, CLI flags).
    pub fn parse_any_case(s: &str) -> Option<Self> {
        if s.eq_ignore_ascii_case("enforce") {
            Some(Self::Enforce)
        } else if s.eq_ignore_ascii_case("audit") {
            Some(Self::Audit)
        } else {
            None
        }
    }

    /// `Audit` or `Enforce`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audit => "Audit",
            Self::Enforce => "Enforce",
        }
    }
}

impl fmt::Display for FailureAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity from `policies.kyverno.io/severity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// `info`.
    Info,
    /// `low`.
    Low,
    /// `medium`.
    Medium,
    /// `high`.
    High,
    /// `critical`.
    Critical,
}

impl Severity {
    /// Parses the annotation value (case-insensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "info" => Some(Self::Info),
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            "critical" => Some(Self::Critical),
            _ => None,
        }
    }

    /// The lower-case spelling used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// Typed view of the `policies.kyverno.io/*` annotations of a policy.
#[derive(Clone, Copy, Debug)]
pub struct PolicyAnnotations<'a> {
    map: &'a BTreeMap<String, String>,
}

/// Annotation keys used by Kyverno and the policy library.
pub mod annotation {
    /// Human title.
    pub const TITLE: &str = "policies.kyverno.io/title";
    /// Report category.
    pub const CATEGORY: &str = "policies.kyverno.io/category";
    /// Report severity.
    pub const SEVERITY: &str = "policies.kyverno.io/severity";
    /// Kinds the policy is about.
    pub const SUBJECT: &str = "policies.kyverno.io/subject";
    /// Long description.
    pub const DESCRIPTION: &str = "policies.kyverno.io/description";
    /// Minimum Kyverno version.
    pub const MINVERSION: &str = "policies.kyverno.io/minversion";
    /// `"false"` turns failures into warnings.
    pub const SCORED: &str = "policies.kyverno.io/scored";
    /// Pod controllers to generate rules for (MR-6).
    pub const AUTOGEN_CONTROLLERS: &str = "pod-policies.kyverno.io/autogen-controllers";
}

impl<'a> PolicyAnnotations<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.map.get(key).map(String::as_str)
    }
    /// `policies.kyverno.io/title`.
    pub fn title(&self) -> Option<&'a str> {
        self.get(annotation::TITLE)
    }
    /// `policies.kyverno.io/category`.
    pub fn category(&self) -> Option<&'a str> {
        self.get(annotation::CATEGORY)
    }
    /// `policies.kyverno.io/severity`, raw.
    pub fn severity_raw(&self) -> Option<&'a str> {
        self.get(annotation::SEVERITY)
    }
    /// `policies.kyverno.io/severity`, parsed.
    pub fn severity(&self) -> Option<Severity> {
        self.severity_raw().and_then(Severity::parse)
    }
    /// `policies.kyverno.io/subject`.
    pub fn subject(&self) -> Option<&'a str> {
        self.get(annotation::SUBJECT)
    }
    /// `policies.kyverno.io/description`.
    pub fn description(&self) -> Option<&'a str> {
        self.get(annotation::DESCRIPTION)
    }
    /// `policies.kyverno.io/minversion`.
    pub fn minversion(&self) -> Option<&'a str> {
        self.get(annotation::MINVERSION)
    }
    /// `policies.kyverno.io/scored`: false only for the exact value `"false"`.
    pub fn scored(&self) -> bool {
        self.get(annotation::SCORED) != Some("false")
    }
    /// `pod-policies.kyverno.io/autogen-controllers`, raw.
    pub fn autogen_controllers(&self) -> Option<&'a str> {
        self.get(annotation::AUTOGEN_CONTROLLERS)
    }
}

/// `spec` of a policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct PolicySpec {
    /// The rules, in order.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rules: Vec<Rule>,
    /// `All` (default) or `One`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_rules: Option<String>,
    /// `Fail` or `Ignore` (webhook failure policy; no offline effect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<String>,
    /// Deprecated spec-level failure action, kept as written (`Audit`, `enforce`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_failure_action: Option<String>,
    /// Deprecated spec-level overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_failure_action_overrides: Option<Vec<FailureActionOverride>>,
    /// Evaluate on admission requests (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<bool>,
    /// Evaluate in background scans (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// Webhook configuration (`matchConditions`, `timeoutSeconds`), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<Value>,
    /// Other fields (`schemaValidation`, `webhookTimeoutSeconds`, `generateExisting`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `validationFailureActionOverrides` / `failureActionOverrides` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct FailureActionOverride {
    /// The action, as written.
    #[serde(default)]
    pub action: String,
    /// Namespaces (wildcards allowed).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespaces: Vec<String>,
    /// Namespace label selector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One rule of a policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Rule {
    /// Rule name (unique in the policy, ≤ 63 characters).
    #[serde(default)]
    pub name: String,
    /// Context entries, in order.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub context: Vec<ContextEntry>,
    /// Which resources the rule selects.
    #[serde(rename = "match", default, deserialize_with = "null_default")]
    pub match_: MatchResources,
    /// Which selected resources it leaves out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MatchResources>,
    /// Image extractors, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_extractors: Option<Value>,
    /// JMESPath preconditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<Conditions>,
    /// CEL preconditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel_preconditions: Option<Vec<NamedExpression>>,
    /// A mutate rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutate: Option<Mutation>,
    /// A validate rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validate: Option<Validation>,
    /// A generate rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Generation>,
    /// A verifyImages rule, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_images: Option<Vec<Value>>,
    /// Skip background requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_background_requests: Option<bool>,
    /// Extra properties copied into report results (MR-5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_properties: Option<BTreeMap<String, String>>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Which of the four rule types a rule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleType {
    /// `validate`.
    Validate,
    /// `mutate`.
    Mutate,
    /// `generate`.
    Generate,
    /// `verifyImages`.
    VerifyImages,
}

impl Rule {
    /// The rule types present (a valid rule has exactly one).
    pub fn rule_types(&self) -> Vec<RuleType> {
        let mut out = Vec::new();
        if self.validate.is_some() {
            out.push(RuleType::Validate);
        }
        if self.mutate.is_some() {
            out.push(RuleType::Mutate);
        }
        if self.generate.is_some() {
            out.push(RuleType::Generate);
        }
        if self.verify_images.is_some() {
            out.push(RuleType::VerifyImages);
        }
        out
    }
}

/// `match` / `exclude` (MR-3.1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct MatchResources {
    /// OR of filters.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub any: Vec<ResourceFilter>,
    /// AND of filters.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub all: Vec<ResourceFilter>,
    /// Legacy single filter: resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceDescription>,
    /// Legacy single filter: subjects.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subjects: Vec<Subject>,
    /// Legacy single filter: roles.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    /// Legacy single filter: cluster roles.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_roles: Vec<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MatchResources {
    /// True when nothing at all is set.
    pub fn is_empty(&self) -> bool {
        self.any.is_empty()
            && self.all.is_empty()
            && self.resources.is_none()
            && self.subjects.is_empty()
            && self.roles.is_empty()
            && self.cluster_roles.is_empty()
    }

    /// Every filter, legacy one included, with where it sits (`any`, `all` or `legacy`).
    pub fn filters(&self) -> Vec<(&'static str, usize, ResourceFilterRef<'_>)> {
        let mut out = Vec::new();
        for (i, f) in self.any.iter().enumerate() {
            out.push(("any", i, ResourceFilterRef::from(f)));
        }
        for (i, f) in self.all.iter().enumerate() {
            out.push(("all", i, ResourceFilterRef::from(f)));
        }
        if self.resources.is_some()
            || !self.subjects.is_empty()
            || !self.roles.is_empty()
            || !self.cluster_roles.is_empty()
        {
            out.push((
                "legacy",
                0,
                ResourceFilterRef {
                    resources: self.resources.as_ref(),
                    subjects: &self.subjects,
                    roles: &self.roles,
                    cluster_roles: &self.cluster_roles,
                },
            ));
        }
        out
    }
}

/// A borrowed view of one filter, whether from `any`/`all` or the legacy top level.
#[derive(Clone, Copy, Debug)]
pub struct ResourceFilterRef<'a> {
    /// Resource criteria.
    pub resources: Option<&'a ResourceDescription>,
    /// Subjects.
    pub subjects: &'a [Subject],
    /// Roles.
    pub roles: &'a [String],
    /// Cluster roles.
    pub cluster_roles: &'a [String],
}

impl<'a> From<&'a ResourceFilter> for ResourceFilterRef<'a> {
    fn from(f: &'a ResourceFilter) -> Self {
        Self {
            resources: f.resources.as_ref(),
            subjects: &f.subjects,
            roles: &f.roles,
            cluster_roles: &f.cluster_roles,
        }
    }
}

/// One `any`/`all` filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ResourceFilter {
    /// Resource criteria.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceDescription>,
    /// Subjects.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subjects: Vec<Subject>,
    /// Roles (`namespace:name`).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<String>,
    /// Cluster roles.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_roles: Vec<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Resource criteria of a filter (MR-3.3).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ResourceDescription {
    /// Kind selectors (MR-3.6).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub kinds: Vec<String>,
    /// Deprecated single name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Names (wildcards).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub names: Vec<String>,
    /// Namespaces (wildcards).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespaces: Vec<String>,
    /// Annotations (wildcards in keys and values).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    /// Label selector on the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Label selector on the resource's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Admission operations.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub operations: Vec<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An RBAC subject in a match filter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`.
    #[serde(default)]
    pub kind: String,
    /// Name (wildcards).
    #[serde(default)]
    pub name: String,
    /// Namespace (service accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// API group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A context entry (CV-14).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ContextEntry {
    /// Variable name.
    #[serde(default)]
    pub name: String,
    /// A computed variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variable: Option<ContextVariable>,
    /// A ConfigMap reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapReference>,
    /// An API call, kept as a mapping (`urlPath`, `method`, `data`, `jmesPath`, `service`, `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_call: Option<Map<String, Value>>,
    /// Image registry data, kept as a mapping (`reference`, `jmesPath`, `imageRegistryCredentials`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_registry: Option<Map<String, Value>>,
    /// A global context reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub global_reference: Option<GlobalReference>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `context[].variable`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ContextVariable {
    /// A literal value (may contain `{{ }}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// A JMESPath expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
    /// The default when the result is null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `context[].configMap`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ConfigMapReference {
    /// ConfigMap name.
    #[serde(default)]
    pub name: String,
    /// ConfigMap namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `context[].globalReference`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct GlobalReference {
    /// The global context entry's name.
    #[serde(default)]
    pub name: String,
    /// A JMESPath applied to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jmes_path: Option<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One JMESPath condition (CV-2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Condition {
    /// The key (often a `{{ }}` expression).
    #[serde(default)]
    pub key: Value,
    /// The operator, as written.
    #[serde(default)]
    pub operator: String,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// A message (reported for failing preconditions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{any: [...], all: [...]}` conditions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    expecting = "a mapping with `any` and/or `all`"
)]
pub struct AnyAllConditions {
    /// At least one must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<Condition>>,
    /// All must hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<Condition>>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Preconditions or deny conditions: the any/all form or the legacy list (all must hold).
#[derive(Clone, Debug, PartialEq)]
pub enum Conditions {
    /// `{any: [...], all: [...]}`.
    AnyAll(AnyAllConditions),
    /// Legacy `[...]`: every condition must hold.
    List(Vec<Condition>),
}

impl Serialize for Conditions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::AnyAll(c) => c.serialize(s),
            Self::List(l) => l.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Conditions {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Conditions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with `any`/`all` or a list of conditions")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Conditions, A::Error> {
                Vec::<Condition>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Conditions::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Conditions, A::Error> {
                AnyAllConditions::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(Conditions::AnyAll)
            }
        }
        d.deserialize_any(V)
    }
}

/// `validate`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Validation {
    /// Rule-level action (`Audit` | `Enforce`, exact spelling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<String>,
    /// Rule-level overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_action_overrides: Option<Vec<FailureActionOverride>>,
    /// Allow pre-existing violations on UPDATE (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_existing_violations: Option<bool>,
    /// The failure message (may contain `{{ }}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Manifest signature checks (out of scope), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifests: Option<Value>,
    /// Per-element checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<ForEachValidation>>,
    /// An overlay pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Value>,
    /// Alternative patterns (any one must match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_pattern: Option<Value>,
    /// Deny conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<Deny>,
    /// Pod Security Standards check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurity>,
    /// CEL validation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel: Option<CelValidation>,
    /// Kyverno JSON assertion tree, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assert: Option<Value>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Which kind of check a `validate` block holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValidationKind {
    /// `pattern`.
    Pattern,
    /// `anyPattern`.
    AnyPattern,
    /// `deny`.
    Deny,
    /// `foreach`.
    Foreach,
    /// `podSecurity`.
    PodSecurity,
    /// `cel`.
    Cel,
    /// `manifests`.
    Manifests,
    /// `assert`.
    Assert,
}

impl ValidationKind {
    /// The field name.
    pub fn field(self) -> &'static str {
        match self {
            Self::Pattern => "pattern",
            Self::AnyPattern => "anyPattern",
            Self::Deny => "deny",
            Self::Foreach => "foreach",
            Self::PodSecurity => "podSecurity",
            Self::Cel => "cel",
            Self::Manifests => "manifests",
            Self::Assert => "assert",
        }
    }
}

impl Validation {
    /// The sub-kinds present (a valid validate block has exactly one).
    pub fn kinds(&self) -> Vec<ValidationKind> {
        let mut out = Vec::new();
        let present = [
            (self.pattern.is_some(), ValidationKind::Pattern),
            (self.any_pattern.is_some(), ValidationKind::AnyPattern),
            (self.deny.is_some(), ValidationKind::Deny),
            (self.foreach.is_some(), ValidationKind::Foreach),
            (self.pod_security.is_some(), ValidationKind::PodSecurity),
            (self.cel.is_some(), ValidationKind::Cel),
            (self.manifests.is_some(), ValidationKind::Manifests),
            (self.assert.is_some(), ValidationKind::Assert),
        ];
        for (is, kind) in present {
            if is {
                out.push(kind);
            }
        }
        out
    }
}

/// `validate.deny`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Deny {
    /// The conditions; the resource is denied when they hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Conditions>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `validate.foreach[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ForEachValidation {
    /// JMESPath of the list to iterate.
    #[serde(default)]
    pub list: String,
    /// Whether patterns apply to the element (default: true when the element is an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_scope: Option<bool>,
    /// Context entries evaluated per element.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub context: Vec<ContextEntry>,
    /// Per-element preconditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preconditions: Option<Conditions>,
    /// Pattern applied to each element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Value>,
    /// Alternative patterns applied to each element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_pattern: Option<Value>,
    /// Deny conditions per element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deny: Option<Deny>,
    /// Nested iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<ForEachValidation>>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `validate.podSecurity` (MR-8).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct PodSecurity {
    /// `privileged`, `baseline` or `restricted`.
    #[serde(default)]
    pub level: String,
    /// `latest` or `v1.x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Exempted controls.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exclude: Vec<PodSecurityExclude>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `validate.podSecurity.exclude[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct PodSecurityExclude {
    /// The control name, e.g. `Capabilities`.
    #[serde(default)]
    pub control_name: String,
    /// Container images (wildcards) the exemption applies to.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images: Vec<String>,
    /// Restricted field path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted_field: Option<String>,
    /// Allowed values for the restricted field.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `validate.cel` (CEL-2).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelValidation {
    /// Validation expressions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub expressions: Vec<crate::cel::CelValidationRule>,
    /// Variables.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub variables: Vec<NamedExpression>,
    /// Parameter kind (VAP style), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param_kind: Option<Value>,
    /// Parameter reference (VAP style), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param_ref: Option<Value>,
    /// Audit annotations, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<Value>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `mutate` (evaluated by a later issue; the model keeps every field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Mutation {
    /// Strategic merge patch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_strategic_merge: Option<Value>,
    /// RFC 6902 patch, as a YAML/JSON string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patches_json6902: Option<String>,
    /// Per-element mutation, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<Value>>,
    /// Mutate-existing targets, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<Value>>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `generate` (evaluated by a later issue; the model keeps every field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct Generation {
    /// API version of the generated resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Kind of the generated resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the generated resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the generated resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Keep the generated resource in sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synchronize: Option<bool>,
    /// Inline data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// Clone source, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone: Option<Value>,
    /// Clone list, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_list: Option<Value>,
    /// Per-element generation, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Vec<Value>>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
