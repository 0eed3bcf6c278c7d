//! Kyverno's custom JMESPath functions (being written).
