//! The lifecycle of an exception at an instant, and the set in force.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use jiff::Timestamp;
use policy_model::PolicyException;
use policy_model::exception::KyvernoException;
use policy_model::wildcard;

use crate::config::Governance;
use crate::record::{ANNOTATION_PREFIX, ExceptionRecord, Family, keys};
use crate::time::{format_duration, whole_days};

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; the exception stays in force.
    Warning,
    /// The exception is not in force (or, for reference checks, the file is wrong).
    Error,
}

impl Severity {
    /// `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// What is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// No ticket while one is required.
    MissingTicket,
    /// The ticket does not match the configured pattern.
    MalformedTicket,
    /// No owner while one is required.
    MissingOwner,
    /// No expiry while one is required.
    MissingExpiry,
    /// A date could not be read.
    MalformedDate,
    /// The `cleanup.kyverno.io/ttl` label could not be read or placed in time.
    MalformedTtl,
    /// The expiry has passed.
    Expired,
    /// The expiry is near.
    ExpiringSoon,
    /// Creation to expiry is longer than allowed.
    LifetimeTooLong,
    /// No creation date: lifetime and review schedule cannot be checked.
    NoCreationDate,
    /// The review date has passed.
    ReviewOverdue,
    /// The exception lives in a namespace where exceptions are not allowed.
    NamespaceNotAllowed,
    /// A policy or rule name uses wildcards while they are not allowed.
    WildcardName,
    /// The exception names a policy that does not exist.
    UnknownPolicy,
    /// The exception names a rule that does not exist.
    UnknownRule,
    /// The exception exempts no resource.
    MatchesNothing,
}

impl ProblemKind {
    /// A stable identifier (`missing-ticket`, ...), for JSON and SARIF.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingTicket => "missing-ticket",
            Self::MalformedTicket => "malformed-ticket",
            Self::MissingOwner => "missing-owner",
            Self::MissingExpiry => "missing-expiry",
            Self::MalformedDate => "malformed-date",
            Self::MalformedTtl => "malformed-ttl",
            Self::Expired => "expired",
            Self::ExpiringSoon => "expiring-soon",
            Self::LifetimeTooLong => "lifetime-too-long",
            Self::NoCreationDate => "no-creation-date",
            Self::ReviewOverdue => "review-overdue",
            Self::NamespaceNotAllowed => "namespace-not-allowed",
            Self::WildcardName => "wildcard-name",
            Self::UnknownPolicy => "unknown-policy",
            Self::UnknownRule => "unknown-rule",
            Self::MatchesNothing => "matches-nothing",
        }
    }
}

/// One problem of one exception.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    /// What.
    pub kind: ProblemKind,
    /// How serious.
    pub severity: Severity,
    /// For people: lower case, values in backticks.
    pub message: String,
}

impl Problem {
    /// An error.
    pub fn error(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A warning.
    pub fn warning(kind: ProblemKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.severity.as_str(), self.message)
    }
}

/// The status of an exception at an instant (the most pressing one; every problem is in
/// [`Assessment::problems`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// In force, nothing due.
    Active,
    /// In force, expiring within the warning period.
    ExpiringSoon {
        /// The expiry.
        expires: Timestamp,
        /// Whole days left (rounded down; `0` on the last day).
        days_left: i64,
    },
    /// Not in force: the expiry has passed (an expiry exactly at "now" has passed).
    Expired {
        /// The expiry.
        since: Timestamp,
    },
    /// In force, but its review date has passed.
    ReviewOverdue {
        /// The review date.
        since: Timestamp,
    },
    /// Not in force: governance errors.
    Invalid {
        /// The errors.
        problems: Vec<Problem>,
    },
}

impl Status {
    /// `active`, `expiring-soon`, `expired`, `review-overdue` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::ExpiringSoon { .. } => "expiring-soon",
            Self::Expired { .. } => "expired",
            Self::ReviewOverdue { .. } => "review-overdue",
            Self::Invalid { .. } => "invalid",
        }
    }

    /// Whether the exception exempts anything.
    pub fn in_force(&self) -> bool {
        !matches!(self, Self::Expired { .. } | Self::Invalid { .. })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Active => f.write_str("active"),
            Self::ExpiringSoon { expires, days_left } => {
                write!(
                    f,
                    "expiring soon: {days_left} day(s) left, expires at {expires}"
                )
            }
            Self::Expired { since } => write!(f, "expired at {since}"),
            Self::ReviewOverdue { since } => write!(f, "review overdue since {since}"),
            Self::Invalid { problems } => {
                let msgs: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
                write!(f, "invalid: {}", msgs.join("; "))
            }
        }
    }
}

/// An exception's record, status and problems at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The governance data read.
    pub record: ExceptionRecord,
    /// The headline status.
    pub status: Status,
    /// Every problem, errors first.
    pub problems: Vec<Problem>,
    /// When the next review is due (explicit `review-by`, else `last-reviewed` or
    /// `created` plus the review interval).
    pub review_due: Option<Timestamp>,
}

fn where_key(family: Family, key: &str) -> String {
    match family {
        Family::Kyverno => format!("annotation `{ANNOTATION_PREFIX}{key}`"),
        Family::Cel => format!("`spec.properties.{key}`"),
    }
}

/// Problems that do not depend on the instant (reading, ticket, owner, lifetime,
/// namespace, wildcards).
fn static_problems(r: &ExceptionRecord, gov: &Governance) -> Vec<Problem> {
    let c = &gov.config;
    let mut out = r.problems.clone();
    match (&r.ticket, &gov.ticket) {
        (None, _) if c.ticket.required => out.push(Problem::error(
            ProblemKind::MissingTicket,
            format!("no ticket: set {}", where_key(r.family, keys::TICKET)),
        )),
        (Some(t), Some(re)) if !re.is_match(t) => out.push(Problem::error(
            ProblemKind::MalformedTicket,
            format!("ticket `{t}` does not match `{}`", c.ticket.pattern),
        )),
        _ => {}
    }
    if c.owner.required && r.owner.is_none() {
        out.push(Problem::error(
            ProblemKind::MissingOwner,
            format!("no owner: set {}", where_key(r.family, keys::OWNER)),
        ));
    }
    let expiry_malformed = r.problems.iter().any(|p| {
        matches!(
            p.kind,
            ProblemKind::MalformedDate | ProblemKind::MalformedTtl
        )
    });
    if c.expiry.required && r.expires.is_none() && !expiry_malformed {
        let hint = match r.family {
            Family::Kyverno => format!(
                "set {} or the `cleanup.kyverno.io/ttl` label",
                where_key(r.family, keys::EXPIRES)
            ),
            Family::Cel => "set `spec.expiresAt`".to_owned(),
        };
        out.push(Problem::error(
            ProblemKind::MissingExpiry,
            format!("no expiry: {hint}"),
        ));
    }
    if let (Some(max), Some(created), Some(expires)) = (c.expiry.max_lifetime, r.created, r.expires)
    {
        let lifetime = expires.duration_since(created);
        if lifetime > max.0 {
            out.push(Problem::error(
                ProblemKind::LifetimeTooLong,
                format!(
                    "lifetime `{}` (created `{created}`, expires `{expires}`) is over the maximum `{max}`",
                    format_duration(lifetime)
                ),
            ));
        }
    }
    let needs_created = (c.expiry.max_lifetime.is_some() && r.expires.is_some())
        || (c.review.every.is_some() && r.review_by.is_none() && r.last_reviewed.is_none());
    if r.created.is_none() && needs_created {
        out.push(Problem::warning(
            ProblemKind::NoCreationDate,
            format!(
                "no creation date ({} or `metadata.creationTimestamp`): lifetime and review cannot be checked",
                where_key(r.family, keys::CREATED)
            ),
        ));
    }
    if !c.namespaces.is_empty() && !c.namespaces.contains(&r.namespace) {
        out.push(Problem::error(
            ProblemKind::NamespaceNotAllowed,
            format!(
                "namespace `{}` is not one where exceptions may live (`{}`)",
                r.namespace,
                c.namespaces.join("`, `")
            ),
        ));
    }
    if !c.allow_wildcards {
        for t in &r.targets {
            for name in std::iter::once(&t.policy).chain(&t.rules) {
                if wildcard::has_wildcard(name) {
                    out.push(Problem::error(
                        ProblemKind::WildcardName,
                        format!("name `{name}` uses wildcards, which are not allowed"),
                    ));
                }
            }
        }
    }
    out
}

/// The status and problems of one exception record at `now`.
pub fn assess(record: ExceptionRecord, now: Timestamp, gov: &Governance) -> Assessment {
    let c = &gov.config;
    let mut problems = static_problems(&record, gov);
    let errors: Vec<Problem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .cloned()
        .collect();
    let review_due = record.review_by.or_else(|| {
        let every = c.review.every?;
        record
            .last_reviewed
            .or(record.created)?
            .checked_add(every.0)
            .ok()
    });
    let mut status = None;
    if let Some(expires) = record.expires {
        if expires <= now {
            problems.push(Problem::error(
                ProblemKind::Expired,
                format!("expired at `{expires}` (now `{now}`)"),
            ));
            status = Some(Status::Expired { since: expires });
        } else {
            let left = expires.duration_since(now);
            if left <= c.expiry.warn_before.0 {
                let days_left = whole_days(left);
                problems.push(Problem::warning(
                    ProblemKind::ExpiringSoon,
                    format!("expires at `{expires}`, {days_left} day(s) from now (`{now}`)"),
                ));
                status.get_or_insert(Status::ExpiringSoon { expires, days_left });
            }
        }
    }
    let mut overdue = None;
    let expired = matches!(status, Some(Status::Expired { .. }));
    // An expired exception needs removing, not reviewing.
    if let Some(due) = review_due.filter(|d| *d <= now && !expired) {
        problems.push(Problem::warning(
            ProblemKind::ReviewOverdue,
            format!("review overdue since `{due}` (now `{now}`)"),
        ));
        overdue = Some(Status::ReviewOverdue { since: due });
    }
    let status = match status {
        Some(s @ Status::Expired { .. }) => s,
        _ if !errors.is_empty() => Status::Invalid { problems: errors },
        s => overdue.or(s).unwrap_or(Status::Active),
    };
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    Assessment {
        record,
        status,
        problems,
        review_due,
    }
}

/// [`assess`] on an exception document.
pub fn assess_exception(
    exception: &PolicyException,
    now: Timestamp,
    gov: &Governance,
) -> Assessment {
    assess(ExceptionRecord::read(exception), now, gov)
}

/// Why an exception is not in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Its expiry has passed.
    Expired {
        /// The expiry.
        at: Timestamp,
    },
    /// Governance errors.
    Invalid {
        /// The errors.
        problems: Vec<Problem>,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Expired { at } => write!(f, "expired at {at}"),
            Self::Invalid { problems } => {
                let msgs: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
                write!(f, "not in force: {}", msgs.join("; "))
            }
        }
    }
}

/// An exception that exempts nothing, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct NotInForce {
    /// The exception.
    pub exception: PolicyException,
    /// `namespace/name`.
    pub key: String,
    /// Why.
    pub reason: Reason,
}

/// The exceptions in force at an instant, and the others with their reasons. Both keep the
/// input order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InForce {
    /// Exceptions in force.
    pub in_force: Vec<PolicyException>,
    /// Exceptions expired or invalid.
    pub not_in_force: Vec<NotInForce>,
}

impl InForce {
    /// The `kyverno.io/v2` exceptions in force, for `EngineBuilder::exceptions`.
    pub fn kyverno(&self) -> Vec<KyvernoException> {
        self.in_force
            .iter()
            .filter_map(|e| match e {
                PolicyException::Kyverno(k) => Some((**k).clone()),
                PolicyException::Cel(_) => None,
            })
            .collect()
    }

    /// The `kyverno.io/v2` exceptions not in force, each with its reason as text
    /// (`expired at 2025-04-01T00:00:00Z`), for `EngineBuilder::exceptions_not_in_force`.
    pub fn kyverno_not_in_force(&self) -> Vec<(KyvernoException, String)> {
        self.not_in_force
            .iter()
            .filter_map(|n| match &n.exception {
                PolicyException::Kyverno(k) => Some(((**k).clone(), n.reason.to_string())),
                PolicyException::Cel(_) => None,
            })
            .collect()
    }
}

/// Splits `exceptions` into those in force at `now` and the others (expired at or before
/// `now`, or invalid under `gov`). Review and expiring-soon warnings never take an
/// exception out of force.
pub fn in_force(
    exceptions: impl IntoIterator<Item = PolicyException>,
    now: Timestamp,
    gov: &Governance,
) -> InForce {
    let mut out = InForce::default();
    for exception in exceptions {
        let a = assess_exception(&exception, now, gov);
        let reason = match a.status {
            Status::Expired { since } => Reason::Expired { at: since },
            Status::Invalid { problems } => Reason::Invalid { problems },
            _ => {
                out.in_force.push(exception);
                continue;
            }
        };
        out.not_in_force.push(NotInForce {
            key: a.record.key,
            exception,
            reason,
        });
    }
    out
}

/// The policies and rules that exist, to check the names exceptions use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownPolicies {
    policies: BTreeMap<String, BTreeSet<String>>,
}

impl KnownPolicies {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a policy (its reported name: `<ns>/<name>` for a namespaced Policy) and its rule
    /// names (include autogen names such as `autogen-<rule>` when they apply).
    pub fn insert(&mut self, policy: impl Into<String>, rules: impl IntoIterator<Item = String>) {
        self.policies
            .entry(policy.into())
            .or_default()
            .extend(rules);
    }

    /// Whether no policy is known.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }
}

/// Errors for policy and rule names an exception uses that match nothing in `known`
/// (wildcards as Kyverno matches them: `*` any run, `?` one character).
pub fn reference_problems(record: &ExceptionRecord, known: &KnownPolicies) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in &record.targets {
        let matching: Vec<&BTreeSet<String>> = known
            .policies
            .iter()
            .filter(|(name, _)| wildcard::matches(&t.policy, name))
            .map(|(_, rules)| rules)
            .collect();
        if matching.is_empty() {
            out.push(Problem::error(
                ProblemKind::UnknownPolicy,
                format!("policy `{}` does not exist", t.policy),
            ));
            continue;
        }
        for rule in &t.rules {
            if !matching
                .iter()
                .any(|rules| rules.iter().any(|r| wildcard::matches(rule, r)))
            {
                out.push(Problem::error(
                    ProblemKind::UnknownRule,
                    format!("rule `{rule}` does not exist in policy `{}`", t.policy),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::GovernanceConfig;
    use policy_model::load_str;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn exception(annotations: &[(&str, &str)], meta: &str) -> PolicyException {
        let ann: Vec<String> = annotations
            .iter()
            .map(|(k, v)| format!("    {ANNOTATION_PREFIX}{k}: '{v}'\n"))
            .collect();
        let ann = if ann.is_empty() {
            "  annotations: {}\n".to_owned()
        } else {
            format!("  annotations:\n{}", ann.concat())
        };
        let yaml = format!(
            "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: e\n  namespace: ns\n{meta}{ann}spec:\n  exceptions:\n  - policyName: p\n    ruleNames: [r]\n  match:\n    any:\n    - resources:\n        kinds: [Pod]\n"
        );
        let out = load_str("e.yaml", &yaml);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        match out.documents.into_iter().next().unwrap().document {
            policy_model::Document::Exception(e) => e,
            other => panic!("{other:?}"),
        }
    }

    fn status(annotations: &[(&str, &str)], now: &str, gov: &Governance) -> Status {
        assess_exception(&exception(annotations, ""), ts(now), gov).status
    }

    const GOOD: [(&str, &str); 3] = [
        ("ticket", "PLAT-1234"),
        ("created", "2025-01-01T00:00:00Z"),
        ("expires", "2025-03-31"),
    ];

    #[test]
    fn expiry_boundaries() {
        let gov = Governance::strict();
        // `expires: 2025-03-31` means the end of that day: the next midnight UTC.
        let end = ts("2025-04-01T00:00:00Z");
        let cases: &[(&str, Status)] = &[
            ("2025-01-02T00:00:00Z", Status::Active),
            // 14 days ahead exactly: expiring soon
            (
                "2025-03-18T00:00:00Z",
                Status::ExpiringSoon {
                    expires: end,
                    days_left: 14,
                },
            ),
            // one second before the warning window
            ("2025-03-17T23:59:59Z", Status::Active),
            (
                "2025-03-31T23:59:59Z",
                Status::ExpiringSoon {
                    expires: end,
                    days_left: 0,
                },
            ),
            // the same instant in another zone
            (
                "2025-03-31T19:59:59-04:00",
                Status::ExpiringSoon {
                    expires: end,
                    days_left: 0,
                },
            ),
            // expiry exactly at now: expired
            ("2025-04-01T00:00:00Z", Status::Expired { since: end }),
            ("2025-04-01T02:00:00+02:00", Status::Expired { since: end }),
            ("2025-03-31T20:00:00-04:00", Status::Expired { since: end }),
            ("2026-01-01T00:00:00Z", Status::Expired { since: end }),
        ];
        for (now, expect) in cases {
            assert_eq!(&status(&GOOD, now, &gov), expect, "now = {now}");
        }
    }

    #[test]
    fn rfc3339_expiry_in_a_zone() {
        let gov = Governance::expiry_only();
        let a = [("expires", "2025-03-31T18:00:00+02:00")];
        assert!(status(&a, "2025-03-31T15:59:59Z", &gov).in_force());
        assert_eq!(
            status(&a, "2025-03-31T16:00:00Z", &gov),
            Status::Expired {
                since: ts("2025-03-31T16:00:00Z")
            }
        );
    }

    #[test]
    fn leap_days() {
        let gov = Governance::strict();
        // created on a leap day, 90 days allowed: 2024-02-29 + 90d = 2024-05-29
        let ok = [
            ("ticket", "PLAT-1"),
            ("created", "2024-02-29T00:00:00Z"),
            ("expires", "2024-05-28"), // ends 2024-05-29T00:00Z: exactly 90 days
        ];
        assert_eq!(status(&ok, "2024-03-01T00:00:00Z", &gov), Status::Active);
        let long = [
            ("ticket", "PLAT-1"),
            ("created", "2024-02-29T00:00:00Z"),
            ("expires", "2024-05-29"),
        ];
        match status(&long, "2024-03-01T00:00:00Z", &gov) {
            Status::Invalid { problems } => {
                assert_eq!(problems.len(), 1);
                assert_eq!(problems[0].kind, ProblemKind::LifetimeTooLong);
            }
            s => panic!("{s:?}"),
        }
        // expiring on a leap day
        let leap = [("expires", "2028-02-29")];
        let e = Governance::expiry_only();
        assert!(status(&leap, "2028-02-29T23:59:59Z", &e).in_force());
        assert!(!status(&leap, "2028-03-01T00:00:00Z", &e).in_force());
        // a leap day that does not exist is malformed, hence invalid even with expiry_only
        let bad = [("expires", "2027-02-29")];
        match status(&bad, "2020-01-01T00:00:00Z", &e) {
            Status::Invalid { problems } => {
                assert_eq!(problems[0].kind, ProblemKind::MalformedDate)
            }
            s => panic!("{s:?}"),
        }
    }

    #[test]
    fn ttl_label_expiry() {
        let gov = Governance::expiry_only();
        let ex = |labels: &str, created: &str| {
            exception(
                &[],
                &format!("  creationTimestamp: '{created}'\n  labels: {labels}\n"),
            )
        };
        let cases: &[(&str, &str, &str, bool)] = &[
            // (labels, creationTimestamp, now, in force)
            (
                "{cleanup.kyverno.io/ttl: 24h}",
                "2025-01-01T00:00:00Z",
                "2025-01-01T23:59:59Z",
                true,
            ),
            (
                "{cleanup.kyverno.io/ttl: 24h}",
                "2025-01-01T00:00:00Z",
                "2025-01-02T00:00:00Z",
                false,
            ),
            (
                "{cleanup.kyverno.io/ttl: 1d}",
                "2024-02-28T12:00:00Z",
                "2024-02-29T11:59:59Z",
                true,
            ),
            (
                "{cleanup.kyverno.io/ttl: 1d}",
                "2024-02-28T12:00:00Z",
                "2024-02-29T12:00:00Z",
                false,
            ),
            (
                "{cleanup.kyverno.io/ttl: 2025-06-01T120000Z}",
                "2025-01-01T00:00:00Z",
                "2025-06-01T11:59:59Z",
                true,
            ),
            (
                "{cleanup.kyverno.io/ttl: 2025-06-01T120000Z}",
                "2025-01-01T00:00:00Z",
                "2025-06-01T12:00:00Z",
                false,
            ),
            // a date TTL is the start of the day (when Kyverno deletes the object)
            (
                "{cleanup.kyverno.io/ttl: '2025-06-01'}",
                "2025-01-01T00:00:00Z",
                "2025-05-31T23:59:59Z",
                true,
            ),
            (
                "{cleanup.kyverno.io/ttl: '2025-06-01'}",
                "2025-01-01T00:00:00Z",
                "2025-06-01T00:00:00Z",
                false,
            ),
            // unreadable: invalid at any time
            (
                "{cleanup.kyverno.io/ttl: forever}",
                "2025-01-01T00:00:00Z",
                "2025-01-01T00:00:00Z",
                false,
            ),
        ];
        for (labels, created, now, expect) in cases {
            let a = assess_exception(&ex(labels, created), ts(now), &gov);
            assert_eq!(
                a.status.in_force(),
                *expect,
                "{labels} {now}: {:?}",
                a.status
            );
        }
    }

    #[test]
    fn governance_problems() {
        let gov = Governance::strict();
        let now = "2025-02-01T00:00:00Z";
        let kinds = |a: &[(&str, &str)]| -> Vec<ProblemKind> {
            assess_exception(&exception(a, ""), ts(now), &gov)
                .problems
                .iter()
                .map(|p| p.kind)
                .collect()
        };
        assert_eq!(kinds(&GOOD), vec![]);
        assert_eq!(
            kinds(&[("created", "2025-01-01"), ("expires", "2025-03-01")]),
            vec![ProblemKind::MissingTicket]
        );
        assert_eq!(
            kinds(&[
                ("ticket", "plat-1"),
                ("created", "2025-01-01"),
                ("expires", "2025-03-01")
            ]),
            vec![ProblemKind::MalformedTicket]
        );
        assert_eq!(
            kinds(&[("ticket", "PLAT-1"), ("created", "2025-01-01")]),
            vec![ProblemKind::MissingExpiry]
        );
        // no created: lifetime and review cannot be checked (a warning)
        assert_eq!(
            kinds(&[("ticket", "PLAT-1"), ("expires", "2025-03-01")]),
            vec![ProblemKind::NoCreationDate]
        );
        // review overdue: created + 90 days, or last-reviewed + 90 days, or review-by
        let gov_long = Governance::new(GovernanceConfig {
            expiry: crate::config::ExpiryRules {
                max_lifetime: None,
                ..Default::default()
            },
            ..GovernanceConfig::default()
        })
        .unwrap();
        let a = assess_exception(
            &exception(
                &[
                    ("ticket", "PLAT-1"),
                    ("created", "2024-01-01T00:00:00Z"),
                    ("expires", "2026-01-01"),
                ],
                "",
            ),
            ts(now),
            &gov_long,
        );
        assert_eq!(
            a.status,
            Status::ReviewOverdue {
                since: ts("2024-03-31T00:00:00Z")
            }
        );
        assert!(a.status.in_force());
        let a = assess_exception(
            &exception(
                &[
                    ("ticket", "PLAT-1"),
                    ("created", "2024-01-01T00:00:00Z"),
                    ("last-reviewed", "2025-01-15T00:00:00Z"),
                    ("expires", "2026-01-01"),
                ],
                "",
            ),
            ts(now),
            &gov_long,
        );
        assert_eq!(a.status, Status::Active);
        assert_eq!(a.review_due, Some(ts("2025-04-15T00:00:00Z")));
        let a = assess_exception(
            &exception(
                &[
                    ("ticket", "PLAT-1"),
                    ("review-by", "2025-01-31"),
                    ("expires", "2026-01-01"),
                ],
                "",
            ),
            ts(now),
            &gov_long,
        );
        // review-by 2025-01-31 ends at 2025-02-01T00:00Z, exactly now: overdue
        assert_eq!(
            a.status,
            Status::ReviewOverdue {
                since: ts("2025-02-01T00:00:00Z")
            }
        );
        // an expired exception is not also reported as overdue for review
        let a = assess_exception(
            &exception(
                &[
                    ("ticket", "PLAT-1"),
                    ("review-by", "2025-01-01"),
                    ("expires", "2025-01-15"),
                ],
                "",
            ),
            ts(now),
            &gov_long,
        );
        let kinds: Vec<_> = a.problems.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, vec![ProblemKind::Expired]);
    }

    #[test]
    fn namespaces_and_wildcards() {
        let gov = Governance::new(GovernanceConfig {
            namespaces: vec!["exceptions".into()],
            ..GovernanceConfig::default()
        })
        .unwrap();
        let a = assess_exception(&exception(&GOOD, ""), ts("2025-02-01T00:00:00Z"), &gov);
        assert_eq!(a.problems[0].kind, ProblemKind::NamespaceNotAllowed);
        assert!(!a.status.in_force());

        let yaml = "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: w, namespace: ns}\nspec:\n  exceptions:\n  - policyName: '*'\n    ruleNames: [autogen-*, r]\n  match: {any: [{resources: {kinds: [Pod]}}]}\n";
        let out = load_str("w.yaml", yaml);
        let policy_model::Document::Exception(e) = &out.documents[0].document else {
            panic!()
        };
        let strict = Governance::expiry_only();
        assert!(
            assess_exception(e, ts("2025-01-01T00:00:00Z"), &strict)
                .problems
                .is_empty()
        );
        let no_wild = Governance::new(GovernanceConfig {
            allow_wildcards: false,
            ..GovernanceConfig::expiry_only()
        })
        .unwrap();
        let a = assess_exception(e, ts("2025-01-01T00:00:00Z"), &no_wild);
        let kinds: Vec<_> = a.problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![ProblemKind::WildcardName, ProblemKind::WildcardName]
        );
    }

    #[test]
    fn in_force_splits_and_explains() {
        let gov = Governance::expiry_only();
        let active = exception(&[("expires", "2025-12-31")], "");
        let expired = exception(&[("expires", "2025-01-31")], "");
        let none = exception(&[], "");
        let set = in_force(
            vec![active.clone(), expired.clone(), none.clone()],
            ts("2025-02-01T00:00:00Z"),
            &gov,
        );
        assert_eq!(set.in_force, vec![active, none]);
        assert_eq!(set.not_in_force.len(), 1);
        assert_eq!(set.not_in_force[0].key, "ns/e");
        assert_eq!(
            set.not_in_force[0].reason.to_string(),
            "expired at 2025-02-01T00:00:00Z"
        );
        let pairs = set.kyverno_not_in_force();
        assert_eq!(pairs[0].1, "expired at 2025-02-01T00:00:00Z");
        assert_eq!(set.kyverno().len(), 2);
    }

    #[test]
    fn references() {
        let mut known = KnownPolicies::new();
        known.insert("p", ["r".to_owned(), "autogen-r".to_owned()]);
        known.insert("other", []);
        let r = ExceptionRecord::read(&exception(&[], ""));
        assert!(reference_problems(&r, &known).is_empty());
        let mut missing = KnownPolicies::new();
        missing.insert("p", ["x".to_owned()]);
        let p = reference_problems(&r, &missing);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, ProblemKind::UnknownRule);
        let p = reference_problems(&r, &KnownPolicies::new());
        assert_eq!(p[0].kind, ProblemKind::UnknownPolicy);
    }
}
