//! Exception records: the governance data of one PolicyException, read from where each
//! family keeps it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use policy_model::PolicyException;
use serde_json::Value;

use crate::lifecycle::{Problem, ProblemKind};
use crate::time::{Ttl, parse_date, parse_instant, parse_ttl};

/// The one annotation prefix under which `kyverno.io/v2` exceptions carry governance data
/// (`exceptions.policyctl.dev/ticket`, ...). `policies.kyverno.io` exceptions use the same
/// keys, unprefixed, in `spec.properties`.
pub const ANNOTATION_PREFIX: &str = "exceptions.policyctl.dev/";

/// Kyverno's cleanup label: the object is deleted at this time (or this long after
/// `metadata.creationTimestamp`), so the exception ends then.
pub const TTL_LABEL: &str = "cleanup.kyverno.io/ttl";

/// The governance keys, the same for annotations (after [`ANNOTATION_PREFIX`]) and
/// `spec.properties`.
pub mod keys {
    /// Who answers for the exception (a team or person).
    pub const OWNER: &str = "owner";
    /// The tracking ticket (`PLAT-1234`).
    pub const TICKET: &str = "ticket";
    /// Why the exception exists.
    pub const REASON: &str = "reason";
    /// When it was granted (date or RFC 3339); default `metadata.creationTimestamp`.
    pub const CREATED: &str = "created";
    /// When it ends (date or RFC 3339).
    pub const EXPIRES: &str = "expires";
    /// When it must next be reviewed (date or RFC 3339).
    pub const REVIEW_BY: &str = "review-by";
    /// When it was last reviewed (date or RFC 3339).
    pub const LAST_REVIEWED: &str = "last-reviewed";
    /// Every key, in documentation order.
    pub const ALL: [&str; 7] = [
        OWNER,
        TICKET,
        REASON,
        CREATED,
        EXPIRES,
        REVIEW_BY,
        LAST_REVIEWED,
    ];
}

/// The family of an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `kyverno.io/v2` (`v2beta1`): governance data in annotations.
    Kyverno,
    /// `policies.kyverno.io`: `spec.expiresAt` and `spec.properties`.
    Cel,
}

/// Where the effective expiry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExpirySource {
    /// `spec.expiresAt` (policies.kyverno.io).
    ExpiresAt,
    /// The `expires` key (annotation or property).
    ExpiresKey,
    /// The `cleanup.kyverno.io/ttl` label.
    TtlLabel,
}

impl ExpirySource {
    /// Where the value was written, as a user would look for it.
    pub fn as_str(self, family: Family) -> String {
        match (self, family) {
            (Self::ExpiresAt, _) => "spec.expiresAt".to_owned(),
            (Self::ExpiresKey, Family::Kyverno) => format!("{ANNOTATION_PREFIX}{}", keys::EXPIRES),
            (Self::ExpiresKey, Family::Cel) => format!("spec.properties.{}", keys::EXPIRES),
            (Self::TtlLabel, _) => TTL_LABEL.to_owned(),
        }
    }
}

/// The governance data of one exception. Malformed values are left out and reported in
/// [`ExceptionRecord::problems`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionRecord {
    /// `namespace/name` (or `name`), as Kyverno prints exception keys.
    pub key: String,
    /// The exception's family.
    pub family: Family,
    /// `metadata.namespace`, empty when unset.
    pub namespace: String,
    /// Owner.
    pub owner: Option<String>,
    /// Ticket, as written.
    pub ticket: Option<String>,
    /// Reason.
    pub reason: Option<String>,
    /// When it was granted: the `created` key, else `metadata.creationTimestamp`.
    pub created: Option<Timestamp>,
    /// The effective expiry: the earliest of every source present.
    pub expires: Option<Timestamp>,
    /// Which source gave [`Self::expires`].
    pub expiry_source: Option<ExpirySource>,
    /// The explicit `review-by` date.
    pub review_by: Option<Timestamp>,
    /// The `last-reviewed` date.
    pub last_reviewed: Option<Timestamp>,
    /// `(policy, rules)` the exception names (`policyRefs` have no rules).
    pub targets: Vec<Target>,
    /// Values that could not be read.
    pub problems: Vec<Problem>,
}

/// A policy (and its rules) an exception names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `policyName` / `policyRefs[].name`, as written (wildcards possible).
    pub policy: String,
    /// `ruleNames` (empty for policies.kyverno.io, which exempt whole policies).
    pub rules: Vec<String>,
}

impl ExceptionRecord {
    /// Reads the record of one exception.
    pub fn read(exception: &PolicyException) -> Self {
        let meta = exception.metadata();
        let (family, data, expires_at, targets): (_, BTreeMap<&str, &str>, _, _) = match exception {
            PolicyException::Kyverno(e) => (
                Family::Kyverno,
                keys::ALL
                    .iter()
                    .filter_map(|k| {
                        meta.annotations
                            .get(&format!("{ANNOTATION_PREFIX}{k}"))
                            .map(|v| (*k, v.as_str()))
                    })
                    .collect(),
                None,
                e.spec
                    .exceptions
                    .iter()
                    .map(|x| Target {
                        policy: x.policy_name.clone(),
                        rules: x.rule_names.clone(),
                    })
                    .collect(),
            ),
            PolicyException::Cel(e) => (
                Family::Cel,
                keys::ALL
                    .iter()
                    .filter_map(|k| e.spec.properties.get(*k).map(|v| (*k, v.as_str())))
                    .collect(),
                e.spec.expires_at.as_deref(),
                e.spec
                    .policy_refs
                    .iter()
                    .map(|r| Target {
                        policy: r.name.clone(),
                        rules: Vec::new(),
                    })
                    .collect(),
            ),
        };
        let where_ = |k: &str| match family {
            Family::Kyverno => format!("annotation `{ANNOTATION_PREFIX}{k}`"),
            Family::Cel => format!("`spec.properties.{k}`"),
        };
        let mut problems = Vec::new();
        let mut date = |k: &str| -> Option<Timestamp> {
            let text = data.get(k)?;
            match parse_date(text) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(Problem::error(
                        ProblemKind::MalformedDate,
                        format!("{}: {e}", where_(k)),
                    ));
                    None
                }
            }
        };
        let created_key = date(keys::CREATED);
        let expires_key = date(keys::EXPIRES);
        let review_by = date(keys::REVIEW_BY);
        let last_reviewed = date(keys::LAST_REVIEWED);
        let creation_timestamp = match meta.extra.get("creationTimestamp") {
            Some(Value::String(s)) if !s.trim().is_empty() => match parse_instant(s) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(Problem::error(
                        ProblemKind::MalformedDate,
                        format!("`metadata.creationTimestamp`: {e}"),
                    ));
                    None
                }
            },
            _ => None,
        };
        let created = created_key.or(creation_timestamp);
        let mut candidates: Vec<(Timestamp, ExpirySource)> = Vec::new();
        if let Some(text) = expires_at {
            match parse_date(text) {
                Ok(t) => candidates.push((t, ExpirySource::ExpiresAt)),
                Err(e) => problems.push(Problem::error(
                    ProblemKind::MalformedDate,
                    format!("`spec.expiresAt`: {e}"),
                )),
            }
        }
        if let Some(t) = expires_key {
            candidates.push((t, ExpirySource::ExpiresKey));
        }
        if let Some(text) = meta.labels.get(TTL_LABEL) {
            match parse_ttl(text) {
                Ok(Ttl::At(t)) => candidates.push((t, ExpirySource::TtlLabel)),
                Ok(Ttl::After(d)) => {
                    // INVARIANT: a relative TTL counts from the object's creation, as the
                    // cleanup controller counts it; the `created` key stands in only when
                    // the file has no creationTimestamp (files rarely do).
                    match creation_timestamp.or(created_key) {
                        Some(base) => match base.checked_add(d) {
                            Ok(t) => candidates.push((t, ExpirySource::TtlLabel)),
                            Err(_) => problems.push(Problem::error(
                                ProblemKind::MalformedTtl,
                                format!("label `{TTL_LABEL}`: `{text}` is out of range"),
                            )),
                        },
                        None => problems.push(Problem::error(
                            ProblemKind::MalformedTtl,
                            format!(
                                "label `{TTL_LABEL}` `{text}` counts from `metadata.creationTimestamp`, which is not set (nor {})",
                                where_(keys::CREATED)
                            ),
                        )),
                    }
                }
                Err(e) => problems.push(Problem::error(
                    ProblemKind::MalformedTtl,
                    format!("label `{TTL_LABEL}`: {e}"),
                )),
            }
        }
        let earliest = candidates.iter().min_by_key(|(t, _)| *t).copied();
        let text = |k: &str| {
            data.get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Self {
            key: exception.key(),
            family,
            namespace: meta.namespace.clone().unwrap_or_default(),
            owner: text(keys::OWNER),
            ticket: text(keys::TICKET),
            reason: text(keys::REASON),
            created,
            expires: earliest.map(|(t, _)| t),
            expiry_source: earliest.map(|(_, s)| s),
            review_by,
            last_reviewed,
            targets,
            problems,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_model::load_str;

    fn read(yaml: &str) -> ExceptionRecord {
        let out = load_str("t.yaml", yaml);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        match &out.documents[0].document {
            policy_model::Document::Exception(e) => ExceptionRecord::read(e),
            other => panic!("not an exception: {other:?}"),
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn v2(annotations: &str, labels: &str, extra_meta: &str) -> String {
        format!(
            "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: e\n  namespace: ns\n{extra_meta}  annotations: {annotations}\n  labels: {labels}\nspec:\n  exceptions:\n  - policyName: p\n    ruleNames: [r]\n  match:\n    any:\n    - resources:\n        kinds: [Pod]\n"
        )
    }

    #[test]
    fn kyverno_annotations() {
        let r = read(&v2(
            "{exceptions.policyctl.dev/owner: team-a, exceptions.policyctl.dev/ticket: PLAT-1, exceptions.policyctl.dev/reason: legacy, exceptions.policyctl.dev/created: '2025-01-01', exceptions.policyctl.dev/expires: '2025-03-31', exceptions.policyctl.dev/last-reviewed: '2025-02-01T10:00:00+01:00', policyctl.dev/ticket: IGNORED-1}",
            "{}",
            "",
        ));
        assert_eq!(r.key, "ns/e");
        assert_eq!(r.family, Family::Kyverno);
        assert_eq!(r.owner.as_deref(), Some("team-a"));
        assert_eq!(r.ticket.as_deref(), Some("PLAT-1"));
        assert_eq!(r.reason.as_deref(), Some("legacy"));
        assert_eq!(r.created, Some(ts("2025-01-02T00:00:00Z")));
        assert_eq!(r.expires, Some(ts("2025-04-01T00:00:00Z")));
        assert_eq!(r.expiry_source, Some(ExpirySource::ExpiresKey));
        assert_eq!(r.last_reviewed, Some(ts("2025-02-01T09:00:00Z")));
        assert_eq!(r.review_by, None);
        assert_eq!(
            r.targets,
            vec![Target {
                policy: "p".into(),
                rules: vec!["r".into()]
            }]
        );
        assert!(r.problems.is_empty());
    }

    #[test]
    fn ttl_label_forms() {
        // (labels, extra metadata, expected expiry, problem expected)
        let cases: &[(&str, &str, Option<&str>, bool)] = &[
            (
                "{cleanup.kyverno.io/ttl: 720h}",
                "  creationTimestamp: '2024-02-01T00:00:00Z'\n",
                Some("2024-03-02T00:00:00Z"), // 2024 is a leap year: 30 days after Feb 1
                false,
            ),
            (
                "{cleanup.kyverno.io/ttl: 30d}",
                "  creationTimestamp: '2023-02-01T00:00:00Z'\n",
                Some("2023-03-03T00:00:00Z"),
                false,
            ),
            (
                "{cleanup.kyverno.io/ttl: 2025-03-31T180000Z}",
                "",
                Some("2025-03-31T18:00:00Z"),
                false,
            ),
            (
                "{cleanup.kyverno.io/ttl: '2025-03-31'}",
                "",
                Some("2025-03-31T00:00:00Z"),
                false,
            ),
            // a relative TTL without creationTimestamp cannot be placed: a problem
            ("{cleanup.kyverno.io/ttl: 1h}", "", None, true),
            ("{cleanup.kyverno.io/ttl: soon}", "", None, true),
        ];
        for (labels, meta, expect, problem) in cases {
            let r = read(&v2("{}", labels, meta));
            assert_eq!(r.expires, expect.map(ts), "{labels} {meta}");
            assert_eq!(
                !r.problems.is_empty(),
                *problem,
                "{labels}: {:?}",
                r.problems
            );
            if expect.is_some() {
                assert_eq!(r.expiry_source, Some(ExpirySource::TtlLabel));
            }
        }
    }

    #[test]
    fn earliest_expiry_wins() {
        let r = read(&v2(
            "{exceptions.policyctl.dev/expires: '2025-06-30'}",
            "{cleanup.kyverno.io/ttl: 24h}",
            "  creationTimestamp: '2025-06-01T12:00:00Z'\n",
        ));
        assert_eq!(r.expires, Some(ts("2025-06-02T12:00:00Z")));
        assert_eq!(r.expiry_source, Some(ExpirySource::TtlLabel));
        assert_eq!(r.created, Some(ts("2025-06-01T12:00:00Z")));
    }

    #[test]
    fn malformed_values_are_problems() {
        let r = read(&v2(
            "{exceptions.policyctl.dev/expires: 'next friday', exceptions.policyctl.dev/review-by: '2023-02-29'}",
            "{}",
            "  creationTimestamp: 'yesterday'\n",
        ));
        assert_eq!(r.expires, None);
        assert_eq!(r.review_by, None);
        assert_eq!(r.problems.len(), 3, "{:?}", r.problems);
        assert!(
            r.problems
                .iter()
                .all(|p| p.kind == ProblemKind::MalformedDate)
        );
    }

    #[test]
    fn cel_properties() {
        let r = read(
            "apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata:\n  name: c\nspec:\n  policyRefs:\n  - name: vp\n    kind: ValidatingPolicy\n  expiresAt: '2025-05-01T00:00:00Z'\n  properties:\n    owner: team-b\n    ticket: SEC-42\n    expires: '2025-06-01'\n    review-by: '2025-04-15'\n",
        );
        assert_eq!(r.key, "c");
        assert_eq!(r.family, Family::Cel);
        assert_eq!(r.owner.as_deref(), Some("team-b"));
        assert_eq!(r.ticket.as_deref(), Some("SEC-42"));
        assert_eq!(r.expires, Some(ts("2025-05-01T00:00:00Z")));
        assert_eq!(r.expiry_source, Some(ExpirySource::ExpiresAt));
        assert_eq!(r.review_by, Some(ts("2025-04-16T00:00:00Z")));
        assert_eq!(r.targets[0].policy, "vp");
        assert!(r.targets[0].rules.is_empty());
    }
}
