//! The lifecycle of PolicyExceptions: owner, ticket, expiry and review dates read from
//! `spec.expiresAt` / `spec.properties` (policies.kyverno.io) or annotations under
//! [`ANNOTATION_PREFIX`] (kyverno.io/v2), the `cleanup.kyverno.io/ttl` label, a governance
//! configuration, the status of an exception at an instant, and the set in force at an
//! instant.
//!
//! Time is always a parameter: nothing here reads the clock. Kyverno's own CLI honours
//! expired exceptions; `policyctl` hands the engine only those [`in_force`] at `--now` and
//! names the others on the results they would have exempted.
//!
//! ```
//! use policy_exceptions::{Governance, Status, Timestamp, in_force};
//! use policy_model::{Document, load_str};
//!
//! let yaml = r#"
//! apiVersion: kyverno.io/v2
//! kind: PolicyException
//! metadata:
//!   name: legacy-billing
//!   namespace: billing
//!   annotations:
//!     exceptions.policyctl.dev/ticket: PLAT-1234
//!     exceptions.policyctl.dev/created: "2025-01-01T00:00:00Z"
//!     exceptions.policyctl.dev/expires: "2025-03-31"
//! spec:
//!   exceptions:
//!     - policyName: disallow-latest-tag
//!       ruleNames: [validate-image-tag]
//!   match:
//!     any:
//!       - resources: {kinds: [Pod], namespaces: [billing]}
//! "#;
//! let exceptions: Vec<_> = load_str("e.yaml", yaml)
//!     .documents
//!     .into_iter()
//!     .filter_map(|l| match l.document {
//!         Document::Exception(e) => Some(e),
//!         _ => None,
//!     })
//!     .collect();
//! let gov = Governance::strict();
//!
//! // `2025-03-31` is the end of that day, UTC.
//! let before: Timestamp = "2025-03-31T23:59:59Z".parse()?;
//! let status = policy_exceptions::assess_exception(&exceptions[0], before, &gov).status;
//! assert!(matches!(status, Status::ExpiringSoon { days_left: 0, .. }));
//! assert_eq!(in_force(exceptions.clone(), before, &gov).in_force.len(), 1);
//!
//! let after: Timestamp = "2025-04-01T00:00:00Z".parse()?;
//! let set = in_force(exceptions, after, &gov);
//! assert!(set.in_force.is_empty());
//! assert_eq!(set.not_in_force[0].reason.to_string(), "expired at 2025-04-01T00:00:00Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

mod config;
mod lifecycle;
mod record;
pub mod time;

pub use config::{
    CONFIG_API_VERSION, CONFIG_KIND, DEFAULT_TICKET_PATTERN, ExpiryRules, Governance,
    GovernanceConfig, OwnerRules, ReviewRules, TicketRules,
};
/// The time vocabulary of this crate (jiff's instant and signed duration).
pub use jiff::{SignedDuration, Timestamp};
pub use lifecycle::{
    Assessment, InForce, KnownPolicies, NotInForce, Problem, ProblemKind, Reason, Severity, Status,
    assess, assess_exception, in_force, reference_problems,
};
pub use record::{
    ANNOTATION_PREFIX, ExceptionRecord, ExpirySource, Family, TTL_LABEL, Target, keys,
};
pub use time::Period;

/// Something went wrong reading or checking a governance configuration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be parsed (with its position and field path).
    #[error(transparent)]
    Load(policy_model::LoadError),
    /// The configuration is inconsistent.
    #[error("{0}")]
    Config(String),
}
