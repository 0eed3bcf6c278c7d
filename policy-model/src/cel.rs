//! The CEL policy kinds of `policies.kyverno.io` (`v1alpha1`, `v1beta1`, `v1`) and
//! Kubernetes `ValidatingAdmissionPolicy` / `MutatingAdmissionPolicy` with their bindings.
//!
//! Typed enough to load, validate structurally and round-trip; expressions stay strings.
//! Every version maps to one type (CEL-1.1); the version never changes behaviour.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::meta::{NamedExpression, ObjectMeta, null_default};

/// The kind of a `policies.kyverno.io` policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CelPolicyKind {
    /// `ValidatingPolicy`.
    ValidatingPolicy,
    /// `NamespacedValidatingPolicy`.
    NamespacedValidatingPolicy,
    /// `MutatingPolicy`.
    MutatingPolicy,
    /// `NamespacedMutatingPolicy`.
    NamespacedMutatingPolicy,
    /// `GeneratingPolicy`.
    GeneratingPolicy,
    /// `NamespacedGeneratingPolicy`.
    NamespacedGeneratingPolicy,
    /// `DeletingPolicy`.
    DeletingPolicy,
    /// `NamespacedDeletingPolicy`.
    NamespacedDeletingPolicy,
    /// `ImageValidatingPolicy`.
    ImageValidatingPolicy,
    /// `NamespacedImageValidatingPolicy`.
    NamespacedImageValidatingPolicy,
}

impl CelPolicyKind {
    /// All kinds.
    pub const ALL: [Self; 10] = [
        Self::ValidatingPolicy,
        Self::NamespacedValidatingPolicy,
        Self::MutatingPolicy,
        Self::NamespacedMutatingPolicy,
        Self::GeneratingPolicy,
        Self::NamespacedGeneratingPolicy,
        Self::DeletingPolicy,
        Self::NamespacedDeletingPolicy,
        Self::ImageValidatingPolicy,
        Self::NamespacedImageValidatingPolicy,
    ];

    /// The kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidatingPolicy => "ValidatingPolicy",
            Self::NamespacedValidatingPolicy => "NamespacedValidatingPolicy",
            Self::MutatingPolicy => "MutatingPolicy",
            Self::NamespacedMutatingPolicy => "NamespacedMutatingPolicy",
            Self::GeneratingPolicy => "GeneratingPolicy",
            Self::NamespacedGeneratingPolicy => "NamespacedGeneratingPolicy",
            Self::DeletingPolicy => "DeletingPolicy",
            Self::NamespacedDeletingPolicy => "NamespacedDeletingPolicy",
            Self::ImageValidatingPolicy => "ImageValidatingPolicy",
            Self::NamespacedImageValidatingPolicy => "NamespacedImageValidatingPolicy",
        }
    }

    /// Parses a kind name.
    pub fn parse(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// True for the `Namespaced*` variants.
    pub fn is_namespaced(self) -> bool {
        self.as_str().starts_with("Namespaced")
    }

    /// The spec fields that must be present for this kind.
    pub fn required_spec_fields(self) -> &'static [&'static str] {
        match self {
            Self::ValidatingPolicy | Self::NamespacedValidatingPolicy => &["validations"],
            Self::MutatingPolicy | Self::NamespacedMutatingPolicy => &["mutations"],
            Self::GeneratingPolicy | Self::NamespacedGeneratingPolicy => &["generate"],
            Self::DeletingPolicy | Self::NamespacedDeletingPolicy => &["schedule"],
            Self::ImageValidatingPolicy | Self::NamespacedImageValidatingPolicy => &[],
        }
    }
}

/// The `policies.kyverno.io` API versions.
pub const CEL_POLICY_VERSIONS: [&str; 3] = [
    "policies.kyverno.io/v1alpha1",
    "policies.kyverno.io/v1beta1",
    "policies.kyverno.io/v1",
];

/// A `policies.kyverno.io` policy of any kind.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelPolicy {
    /// API version.
    pub api_version: String,
    /// Kind (see [`CelPolicyKind`]).
    pub kind: String,
    /// Metadata.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
    /// Spec.
    #[serde(default, deserialize_with = "null_default")]
    pub spec: CelPolicySpec,
    /// Other top-level fields (`status`), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CelPolicy {
    /// The typed kind, if known.
    pub fn policy_kind(&self) -> Option<CelPolicyKind> {
        CelPolicyKind::parse(&self.kind)
    }

    /// The policy name.
    pub fn name(&self) -> &str {
        self.metadata.name_or_empty()
    }
}

/// The union of the CEL kinds' spec fields (each kind uses its subset; the rest stays
/// absent). Fields not modelled are kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelPolicySpec {
    /// Resource rules, namespace and object selectors (CEL-4), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_constraints: Option<Value>,
    /// Match conditions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_conditions: Vec<NamedExpression>,
    /// Variables, in order.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub variables: Vec<NamedExpression>,
    /// ValidatingPolicy: validations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<CelValidationRule>>,
    /// Audit annotations.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub audit_annotations: Vec<AuditAnnotation>,
    /// ValidatingPolicy: `Deny` / `Audit` / `Warn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_actions: Option<Vec<String>>,
    /// `Fail` or `Ignore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_policy: Option<String>,
    /// Evaluation settings (`mode`, `admission`, `background`, ...), kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Value>,
    /// Autogen settings, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autogen: Option<Value>,
    /// MutatingPolicy: mutations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutations: Option<Vec<CelMutation>>,
    /// GeneratingPolicy: generate entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generate: Option<Vec<CelGenerate>>,
    /// DeletingPolicy: conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<NamedExpression>>,
    /// DeletingPolicy: cron schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// ImageValidatingPolicy: attestor and attestation settings, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestors: Option<Value>,
    /// Webhook configuration, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_configuration: Option<Value>,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One CEL validation (`validations[]`, `validate.cel.expressions[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelValidationRule {
    /// The boolean expression.
    #[serde(default)]
    pub expression: String,
    /// Static message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Message expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_expression: Option<String>,
    /// Reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One audit annotation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct AuditAnnotation {
    /// Annotation key.
    #[serde(default)]
    pub key: String,
    /// Value expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_expression: Option<String>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One MutatingPolicy / MutatingAdmissionPolicy mutation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelMutation {
    /// `ApplyConfiguration` or `JSONPatch`.
    #[serde(default)]
    pub patch_type: String,
    /// `applyConfiguration.expression`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_configuration: Option<ExpressionHolder>,
    /// `jsonPatch.expression`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_patch: Option<ExpressionHolder>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{expression: "..."}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ExpressionHolder {
    /// The CEL expression.
    #[serde(default)]
    pub expression: String,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One GeneratingPolicy `generate[]` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelGenerate {
    /// A boolean expression (normally `generator.Apply(...)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// A YAML template, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
    /// Unknown fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The kind of a Kubernetes admission policy document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AdmissionPolicyKind {
    /// `ValidatingAdmissionPolicy`.
    ValidatingAdmissionPolicy,
    /// `ValidatingAdmissionPolicyBinding`.
    ValidatingAdmissionPolicyBinding,
    /// `MutatingAdmissionPolicy`.
    MutatingAdmissionPolicy,
    /// `MutatingAdmissionPolicyBinding`.
    MutatingAdmissionPolicyBinding,
}

impl AdmissionPolicyKind {
    /// Parses a kind name.
    pub fn parse(kind: &str) -> Option<Self> {
        match kind {
            "ValidatingAdmissionPolicy" => Some(Self::ValidatingAdmissionPolicy),
            "ValidatingAdmissionPolicyBinding" => Some(Self::ValidatingAdmissionPolicyBinding),
            "MutatingAdmissionPolicy" => Some(Self::MutatingAdmissionPolicy),
            "MutatingAdmissionPolicyBinding" => Some(Self::MutatingAdmissionPolicyBinding),
            _ => None,
        }
    }
}

/// A `admissionregistration.k8s.io` ValidatingAdmissionPolicy, MutatingAdmissionPolicy or
/// one of their bindings. Out of scope for evaluation (CEL-1.3); loaded and kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct AdmissionPolicy {
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
    /// Spec (policies: `matchConstraints`, `validations`, `mutations`, ...; bindings:
    /// `policyName`, `paramRef`, `matchResources`, `validationActions`).
    #[serde(default, deserialize_with = "null_default")]
    pub spec: AdmissionPolicySpec,
    /// Other top-level fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Spec of an admission policy or binding.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct AdmissionPolicySpec {
    /// Bindings: the bound policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    /// Match conditions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_conditions: Vec<NamedExpression>,
    /// Variables.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub variables: Vec<NamedExpression>,
    /// Validations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validations: Option<Vec<CelValidationRule>>,
    /// Mutations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutations: Option<Vec<CelMutation>>,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
