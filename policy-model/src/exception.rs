//! PolicyExceptions: `kyverno.io/v2` / `v2beta1` (classic policies, MR-11) and
//! `policies.kyverno.io` (CEL kinds, CEL-9).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::meta::{NamedExpression, ObjectMeta, null_default};
use crate::policy::{AnyAllConditions, MatchResources, PodSecurityExclude};

/// A PolicyException of either family.
#[derive(Clone, Debug, PartialEq)]
pub enum PolicyException {
    /// `kyverno.io/v2` or `v2beta1`.
    Kyverno(Box<KyvernoException>),
    /// `policies.kyverno.io/v1alpha1|v1beta1|v1`.
    Cel(Box<CelException>),
}

impl PolicyException {
    /// The metadata.
    pub fn metadata(&self) -> &ObjectMeta {
        match self {
            Self::Kyverno(e) => &e.metadata,
            Self::Cel(e) => &e.metadata,
        }
    }

    /// `namespace/name`, or `name` without a namespace (as Kyverno prints exception keys).
    pub fn key(&self) -> String {
        let m = self.metadata();
        match m.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => format!("{ns}/{}", m.name_or_empty()),
            _ => m.name_or_empty().to_owned(),
        }
    }
}

/// A `kyverno.io/v2` PolicyException.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct KyvernoException {
    /// API version.
    pub api_version: String,
    /// `PolicyException`.
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
    pub spec: KyvernoExceptionSpec,
    /// Other top-level fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Spec of a `kyverno.io/v2` PolicyException.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct KyvernoExceptionSpec {
    /// Applies in background scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// Which policies and rules are exempted.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exceptions: Vec<ExceptionEntry>,
    /// Which resources are exempted (`any`/`all`).
    #[serde(rename = "match", default, deserialize_with = "null_default")]
    pub match_: MatchResources,
    /// Extra conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<AnyAllConditions>,
    /// Pod Security control exemptions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pod_security: Vec<PodSecurityExclude>,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `spec.exceptions[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ExceptionEntry {
    /// Policy name (`<ns>/<name>` for a namespaced Policy); wildcards allowed.
    #[serde(default)]
    pub policy_name: String,
    /// Rule names; wildcards allowed.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rule_names: Vec<String>,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `policies.kyverno.io` PolicyException.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelException {
    /// API version.
    pub api_version: String,
    /// `PolicyException`.
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
    pub spec: CelExceptionSpec,
    /// Other top-level fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Spec of a `policies.kyverno.io` PolicyException (CEL-9.1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct CelExceptionSpec {
    /// The policies exempted.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub policy_refs: Vec<PolicyRef>,
    /// All must hold for the exception to apply.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_conditions: Vec<NamedExpression>,
    /// Exposed as `exceptions.allowedImages`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images: Vec<String>,
    /// Exposed as `exceptions.allowedValues`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub allowed_values: Vec<String>,
    /// `skip` (default) or `pass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_result: Option<String>,
    /// RFC 3339 expiry, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Free-form properties (owner, ticket, ...).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    /// Other fields (`evaluationMode`, ...), kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `policyRefs[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct PolicyRef {
    /// Policy name.
    #[serde(default)]
    pub name: String,
    /// Policy kind (`ValidatingPolicy`, ...).
    #[serde(default)]
    pub kind: String,
    /// Other fields, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
