//! The lifecycle of PolicyExceptions: owner, ticket, expiry and review dates read from
//! `spec.expiresAt` / `spec.properties` (policies.kyverno.io) or annotations (kyverno.io/v2),
//! a governance configuration, the status of an exception at an instant, and the set in
//! force at an instant. Time is always a parameter.
//!
//! Status: not implemented yet — this crate is filled by the policy-exceptions issue. It
//! exports nothing so far, so nothing can be mistaken for working governance.

#![deny(missing_docs)]
