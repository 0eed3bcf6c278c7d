//! The `kyverno test` files of `cli.kyverno.io/v1alpha1`: Test, Values, UserInfo, Context
//! (CLI-2, CLI-3, CLI-4).
//!
//! Decoding is strict, as in Kyverno: unknown fields are errors, field names match
//! case-insensitively (CLI-1.3). Removed legacy fields (`resource`, `namespace`, `status`,
//! `patchedResource`) are therefore errors too (CLI-2.2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::meta::{ObjectMeta, null_default};

/// The Test API version.
pub const CLI_API_VERSION: &str = "cli.kyverno.io/v1alpha1";

/// A `kyverno test` suite (one document of a `kyverno-test.yaml`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct Test {
    /// `cli.kyverno.io/v1alpha1`.
    #[serde(default)]
    pub api_version: String,
    /// `Test`.
    #[serde(default)]
    pub kind: String,
    /// Metadata (the name is informational).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
    /// Policy files or directories, relative to the test file.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub policies: Vec<String>,
    /// Resource files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<String>,
    /// Values file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<String>,
    /// Inline values (wins over `variables`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<ValuesSpec>,
    /// UserInfo file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo: Option<String>,
    /// PolicyException files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub exceptions: Vec<String>,
    /// Mutate-existing target files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub target_resources: Vec<String>,
    /// ClusterResource files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cluster_resources: Vec<String>,
    /// Offline API call responses, kept verbatim.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub api_call_responses: Vec<Value>,
    /// Offline global context entries, kept verbatim.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub global_context_entries: Vec<Value>,
    /// VAP/MAP params.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub param_resources: Vec<String>,
    /// CEL context file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// JSON payload files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub json_payloads: Vec<String>,
    /// HTTP payload files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub http_payloads: Vec<String>,
    /// Envoy payload files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub envoy_payloads: Vec<String>,
    /// Expected results.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub results: Vec<TestResult>,
    /// Kyverno-JSON style checks, kept verbatim.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub checks: Vec<Value>,
}

/// One expected result row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct TestResult {
    /// Policy name, or `<namespace>/<name>`.
    #[serde(default)]
    pub policy: String,
    /// Rule name (empty for ruleless CEL kinds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Resource names or `namespace/name`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<String>,
    /// Fully specified resources.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resource_specs: Vec<ResourceSpec>,
    /// Informational kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `pass`, `fail`, `skip`, `warn` or `error`.
    #[serde(default)]
    pub result: String,
    /// `CREATE`, `UPDATE` or `DELETE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Expected mutated resource file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patched_resources: Option<String>,
    /// Expected generated resource file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_resource: Option<String>,
    /// Any-of expected generated resource files.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub generated_resources: Vec<String>,
    /// Clone source for generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clone_source_resource: Option<String>,
    /// Fail when a named resource is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on_missing_resources: Option<bool>,
    /// The policy is a ValidatingPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_validating_policy: Option<bool>,
    /// The policy is a MutatingPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_mutating_policy: Option<bool>,
    /// The policy is a ValidatingAdmissionPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_validating_admission_policy: Option<bool>,
    /// The policy is a MutatingAdmissionPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_mutating_admission_policy: Option<bool>,
    /// The policy is an ImageValidatingPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_image_validating_policy: Option<bool>,
    /// The policy is a GeneratingPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_generating_policy: Option<bool>,
    /// The policy is a DeletingPolicy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deleting_policy: Option<bool>,
}

/// `resourceSpecs[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct ResourceSpec {
    /// API group (`""` for core).
    #[serde(default)]
    pub group: String,
    /// Version.
    #[serde(default)]
    pub version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Namespace.
    #[serde(default)]
    pub namespace: String,
    /// Name.
    #[serde(default)]
    pub name: String,
}

/// A Values file (`kind: Values`; any non-empty kind is accepted, CLI-3).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct Values {
    /// API version.
    #[serde(default)]
    pub api_version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Metadata.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
    /// Applied to every policy × resource.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub global_values: Map<String, Value>,
    /// Per-policy values.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub policies: Vec<PolicyValues>,
    /// Namespace labels for namespaceSelector matching.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespace_selector: Vec<NamespaceSelectorValues>,
    /// Full Namespace objects.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespaces: Vec<Value>,
    /// Subresource mappings, kept verbatim.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subresources: Vec<Value>,
}

impl Values {
    /// The values without the file's header, the shape a Test's inline `values` has.
    pub fn into_spec(self) -> ValuesSpec {
        ValuesSpec {
            global_values: self.global_values,
            policies: self.policies,
            namespace_selector: self.namespace_selector,
            namespaces: self.namespaces,
            subresources: self.subresources,
        }
    }
}

/// The body of a Values file, also inline in a Test as `values`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct ValuesSpec {
    /// Applied to every policy × resource.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub global_values: Map<String, Value>,
    /// Per-policy values.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub policies: Vec<PolicyValues>,
    /// Namespace labels for namespaceSelector matching.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespace_selector: Vec<NamespaceSelectorValues>,
    /// Full Namespace objects.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub namespaces: Vec<Value>,
    /// Subresource mappings, kept verbatim.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subresources: Vec<Value>,
}

/// `policies[]` of a Values file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct PolicyValues {
    /// Policy name.
    #[serde(default)]
    pub name: String,
    /// Per-resource values.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<ResourceValues>,
    /// Per-rule values.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub rules: Vec<RuleValues>,
}

/// `policies[].resources[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct ResourceValues {
    /// Resource name.
    #[serde(default)]
    pub name: String,
    /// Values (dotted keys or nested objects).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub values: Map<String, Value>,
}

/// `policies[].rules[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct RuleValues {
    /// Rule name.
    #[serde(default)]
    pub name: String,
    /// Values.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub values: Map<String, Value>,
    /// Per-foreach values (only the first item is ever used, CV-13.5).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub foreach_values: Map<String, Value>,
}

/// `namespaceSelector[]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct NamespaceSelectorValues {
    /// Namespace name.
    #[serde(default)]
    pub name: String,
    /// Its labels.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
}

/// A UserInfo file (CLI-4).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct UserInfoFile {
    /// API version.
    #[serde(default)]
    pub api_version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Metadata.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
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
    /// The authenticated user.
    #[serde(default)]
    pub user_info: UserInfo,
}

/// A Kubernetes `UserInfo`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct UserInfo {
    /// User name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// UID.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Groups.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
    /// Extra attributes.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub extra: BTreeMap<String, Vec<String>>,
}

/// A CEL Context file (CEL-14): offline data for the Kyverno CEL libraries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a mapping")]
pub struct ContextFile {
    /// API version.
    #[serde(default)]
    pub api_version: String,
    /// Kind.
    #[serde(default)]
    pub kind: String,
    /// Metadata.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "ObjectMeta::is_empty"
    )]
    pub metadata: ObjectMeta,
    /// The data.
    #[serde(default, deserialize_with = "null_default")]
    pub spec: ContextSpec,
}

/// `spec` of a Context file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a mapping")]
pub struct ContextSpec {
    /// Cluster resources visible to `resource.Get` / `resource.List`.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub resources: Vec<Value>,
    /// Image data for the `image` library.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images: Vec<Value>,
    /// Other data, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
