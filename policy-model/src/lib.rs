//! Typed Kyverno and Kubernetes policy documents, lossless YAML/JSON loading with errors
//! that point at the broken line, structural validation, and the result vocabulary.
//!
//! This is the leaf crate of the workspace: no other workspace crate, no clock, no
//! network, no environment. The only file-system access lives in [`fs`] (feature `fs`, on
//! by default); everything else works on text, bytes and readers the caller supplies.
//!
//! # Documents
//!
//! [`Document`] covers `kyverno.io` ClusterPolicy/Policy ([`KyvernoPolicy`]), the
//! `policies.kyverno.io` CEL kinds ([`CelPolicy`]), Kubernetes admission policies
//! ([`AdmissionPolicy`]), both PolicyException families ([`PolicyException`]), reports of
//! both API groups ([`PolicyReport`]), the `kyverno test` files ([`Test`], [`Values`],
//! [`UserInfoFile`], [`ContextFile`]) and, for everything else, a plain [`Resource`].
//! Every typed struct keeps the fields it does not model in an `extra` map, so
//! load → save loses nothing.
//!
//! # Loading
//!
//! Streams are split into documents on `---`/`...` lines (or into JSON values), each
//! parsed on its own with Kubernetes' YAML 1.1 reading (`yes`/`on` booleans, `0755` octal),
//! duplicate keys rejected and per-document limits ([`MAX_DEPTH`], [`MAX_NODES`],
//! [`MAX_EVENTS`], [`MAX_ALIASES`], [`MAX_SCALAR_BYTES`]); there is no limit on the number of
//! documents. `List` wrappers are unwrapped. Errors name the source, line:column and
//! field path:
//!
//! ```
//! let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n  - name: r\n    validate: oops\n";
//! let out = policy_model::load_str("p.yaml", text);
//! assert_eq!(
//!     out.errors[0].to_string(),
//!     "p.yaml:7:15: spec.rules[0].validate: expected a mapping, found a string"
//! );
//! ```
//!
//! # Validation
//!
//! [`validate::validate_policy`] runs the checks listed in the [`validate`] module docs and
//! returns [`validate::Problem`]s with field paths, which [`DocSlice::locate`] turns into
//! lines.

#![deny(missing_docs)]

#[cfg(feature = "proptest")]
pub mod arbitrary;
pub mod cel;
mod document;
mod error;
pub mod exception;
#[cfg(feature = "fs")]
pub mod fs;
pub mod kinds;
mod load;
pub mod meta;
mod path;
pub mod policy;
pub mod report;
mod resource;
pub mod result;
mod strict;
pub mod testfile;
pub mod validate;
pub mod wildcard;
mod yaml;

pub use cel::{AdmissionPolicy, CelPolicy, CelPolicyKind};
pub use document::Document;
pub use error::{LoadError, LoadErrorKind, Position};
pub use exception::PolicyException;
pub use load::{
    DocumentReader, LoadOutcome, Loaded, Origin, OwnedDoc, TypedDocument, documents_from_value,
    from_value, load_bytes, load_reader, load_str, load_typed, text_from_bytes,
};
pub use path::{FieldPath, PathSegment};
pub use policy::{FailureAction, KyvernoPolicy, Rule};
pub use report::PolicyReport;
pub use resource::{Resource, ResourceRef, field, value_field};
pub use result::{ResourceId, RuleResult, RuleStatus};
/// The string type of result names and messages: inline up to 23 bytes, shared (O(1) clone)
/// above. Compares with `&str` and `String`, dereferences to `str`.
pub use smol_str::SmolStr;
pub use testfile::{ContextFile, Test, UserInfoFile, Values};
pub use yaml::{
    DocSlice, Format, MAX_ALIAS_EVENTS, MAX_ALIASES, MAX_DEPTH, MAX_EVENTS, MAX_NODES,
    MAX_SCALAR_BYTES, looks_like_json, split_documents, split_json_documents, split_stream,
};

/// Serialization failed (a value that YAML or JSON cannot represent).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot serialize: {0}")]
pub struct SerializeError(pub String);

/// Serializes a value as YAML (block style, Kubernetes-friendly).
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String, SerializeError> {
    serde_saphyr::to_string(value).map_err(|e| SerializeError(e.to_string()))
}

/// Serializes a value as pretty JSON.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, SerializeError> {
    serde_json::to_string_pretty(value).map_err(|e| SerializeError(e.to_string()))
}
