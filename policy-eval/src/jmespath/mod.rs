//! Kyverno's JMESPath dialect (being written).

pub(crate) mod kyverno;
pub(crate) mod types;
