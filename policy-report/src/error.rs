//! The crate's error type.

/// What can go wrong while rendering.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value could not be serialized.
    #[error("cannot serialize the report: {0}")]
    Serialize(String),
}
