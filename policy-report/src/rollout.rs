//! Audit → Enforce rollout readiness per policy.
//!
//! A policy in Audit is **ready** to be enforced when it has been in Audit at least
//! [`Thresholds::min_audit_days`] days and its violation rate in the latest snapshot is at
//! most [`Thresholds::max_violation_rate`] (and it has scored results at all). The Audit
//! start is the policy's [`AUDIT_START_ANNOTATION`] (RFC 3339 or `YYYY-MM-DD`), else the
//! time of the first snapshot with results of the policy. An enforced policy is judged
//! against [`Thresholds::target_after_enforcement`]: on target (ready) or above it (not
//! ready). A policy with both Audit and Enforce rules is judged as in Audit.

use std::collections::BTreeMap;

use policy_model::report::PolicyReport;
use policy_model::{FailureAction, KyvernoPolicy};
use serde::{Deserialize, Serialize};

use crate::ingest::{for_each_entry, report_time};
use crate::metrics::percent;
use crate::summary::Counts;
use crate::time::{format_date, parse_time};

/// The annotation naming when a policy went into Audit (RFC 3339 or `YYYY-MM-DD`).
pub const AUDIT_START_ANNOTATION: &str = "rollout.policyctl.dev/audit-start";

const DAY: i64 = 86_400;

/// Readiness thresholds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    /// Minimum days in Audit before promotion (default 7).
    pub min_audit_days: u32,
    /// Maximum violation rate (0..1) to promote (default 0).
    pub max_violation_rate: f64,
    /// Target violation rate (0..1) once enforced (default 0.01).
    pub target_after_enforcement: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_audit_days: 7,
            max_violation_rate: 0.0,
            target_after_enforcement: 0.01,
        }
    }
}

/// A dated set of reports (one scan).
#[derive(Clone, Copy, Debug)]
pub struct Snapshot<'a> {
    /// When the scan ran, seconds since the epoch.
    pub at: i64,
    /// Its reports.
    pub reports: &'a [PolicyReport],
}

impl<'a> Snapshot<'a> {
    /// A snapshot dated by its reports ([`report_time`]: newest result timestamp, else
    /// creation time), `None` when no report carries a time.
    pub fn dated(reports: &'a [PolicyReport]) -> Option<Self> {
        reports
            .iter()
            .filter_map(report_time)
            .max()
            .map(|at| Self { at, reports })
    }
}

/// The mode of a policy's validate rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PolicyMode {
    /// Every validate rule audits.
    Audit,
    /// Every validate rule enforces.
    Enforce,
    /// Some rules audit, some enforce.
    Mixed,
}

impl PolicyMode {
    /// `Audit`, `Enforce` or `Mixed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audit => "Audit",
            Self::Enforce => "Enforce",
            Self::Mixed => "Mixed",
        }
    }

    /// The mode of a policy: each validate rule's `failureAction`, else the spec's
    /// `validationFailureAction` (Audit when absent).
    pub fn of(policy: &KyvernoPolicy) -> Self {
        let spec = policy.validation_failure_action();
        let (mut audit, mut enforce) = (false, false);
        for rule in &policy.spec.rules {
            let Some(v) = &rule.validate else { continue };
            let action = v
                .failure_action
                .as_deref()
                .map_or(spec, FailureAction::from_kyverno);
            match action {
                FailureAction::Audit => audit = true,
                FailureAction::Enforce => enforce = true,
            }
        }
        match (audit, enforce) {
            (_, false) => Self::Audit,
            (false, true) => Self::Enforce,
            (true, true) => Self::Mixed,
        }
    }
}

/// Where the Audit start came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AuditStartSource {
    /// [`AUDIT_START_ANNOTATION`].
    Annotation,
    /// The first snapshot with results of the policy.
    FirstReport,
}

/// The verdict on a policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// In Audit and ready to enforce.
    Ready,
    /// In Audit, not ready yet.
    NotReady,
    /// Enforced, violation rate on target.
    OnTarget,
    /// Enforced, violation rate above target.
    AboveTarget,
}

impl Verdict {
    /// `ready`, `not ready`, `on target`, `above target`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::NotReady => "not ready",
            Self::OnTarget => "on target",
            Self::AboveTarget => "above target",
        }
    }

    /// True for `ready` and `on target`.
    pub fn ok(self) -> bool {
        matches!(self, Self::Ready | Self::OnTarget)
    }
}

/// Readiness of one policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// The policy as reports name it.
    pub policy: String,
    /// Its mode.
    pub mode: PolicyMode,
    /// When it went into Audit (seconds since the epoch), when known.
    pub audit_start: Option<i64>,
    /// Where [`Self::audit_start`] came from.
    pub audit_start_source: Option<AuditStartSource>,
    /// Whole days in Audit at `now`.
    pub days_in_audit: Option<i64>,
    /// Counts in the latest snapshot with results of the policy.
    pub latest: Counts,
    /// Violation rate in that snapshot.
    pub violation_rate: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why (empty when ready or on target).
    pub reasons: Vec<String>,
}

/// One point of a compliance trend.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrendPoint {
    /// Snapshot time, seconds since the epoch.
    pub at: i64,
    /// Counts of the snapshot.
    pub counts: Counts,
}

/// The overall counts of each snapshot, oldest first.
pub fn trend(series: &[Snapshot<'_>]) -> Vec<TrendPoint> {
    let mut points: Vec<TrendPoint> = series
        .iter()
        .map(|s| {
            let mut counts = Counts::default();
            for r in s.reports {
                for_each_entry(r, |e| counts.count(e.status));
            }
            TrendPoint { at: s.at, counts }
        })
        .collect();
    points.sort_by_key(|p| p.at);
    points
}

/// Judges every policy against the thresholds at `now` (seconds since the epoch), in policy
/// order. `series` may be in any order.
pub fn readiness(
    policies: &[KyvernoPolicy],
    series: &[Snapshot<'_>],
    now: i64,
    th: &Thresholds,
) -> Vec<Readiness> {
    let mut ordered: Vec<&Snapshot<'_>> = series.iter().collect();
    ordered.sort_by_key(|s| s.at);
    // Per policy: (first snapshot time with results, latest counts).
    let mut seen: BTreeMap<String, (i64, i64, Counts)> = BTreeMap::new();
    for s in ordered {
        let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
        for r in s.reports {
            for_each_entry(r, |e| counts.entry(e.policy).or_default().count(e.status));
        }
        for (policy, c) in counts {
            match seen.get_mut(policy) {
                Some(slot) => {
                    slot.1 = s.at;
                    slot.2 = c;
                }
                None => {
                    seen.insert(policy.to_owned(), (s.at, s.at, c));
                }
            }
        }
    }
    policies
        .iter()
        .map(|p| judge(p, seen.get(&p.qualified_name()), now, th))
        .collect()
}

fn judge(
    policy: &KyvernoPolicy,
    seen: Option<&(i64, i64, Counts)>,
    now: i64,
    th: &Thresholds,
) -> Readiness {
    let name = policy.qualified_name();
    let mode = PolicyMode::of(policy);
    let annotated = policy
        .metadata
        .annotations
        .get(AUDIT_START_ANNOTATION)
        .map(|s| (s, parse_time(s)));
    let mut reasons = Vec::new();
    let (audit_start, source) = match (annotated, seen) {
        (Some((_, Some(t))), _) => (Some(t), Some(AuditStartSource::Annotation)),
        (Some((raw, None)), first) => {
            reasons.push(format!(
                "annotation `{AUDIT_START_ANNOTATION}` value `{raw}` is not a date"
            ));
            (
                first.map(|f| f.0),
                first.map(|_| AuditStartSource::FirstReport),
            )
        }
        (None, Some(f)) => (Some(f.0), Some(AuditStartSource::FirstReport)),
        (None, None) => (None, None),
    };
    let latest = seen.map(|s| s.2).unwrap_or_default();
    let rate = latest.violation_rate();
    let days = audit_start.map(|t| now.saturating_sub(t).div_euclid(DAY));
    let verdict = match mode {
        PolicyMode::Enforce => match rate {
            Some(r) if r > th.target_after_enforcement => {
                reasons.push(format!(
                    "violation rate {} is above the {} target after enforcement",
                    percent(Some(r)),
                    percent(Some(th.target_after_enforcement))
                ));
                Verdict::AboveTarget
            }
            Some(_) => Verdict::OnTarget,
            None => {
                reasons.push("no pass or fail results in the reports".to_owned());
                Verdict::AboveTarget
            }
        },
        PolicyMode::Audit | PolicyMode::Mixed => {
            match (days, audit_start) {
                (Some(d), Some(start)) if d < i64::from(th.min_audit_days) => {
                    reasons.push(format!(
                        "in Audit for {d} day(s) since {}, fewer than {}",
                        format_date(start),
                        th.min_audit_days
                    ))
                }
                (None, _) | (_, None) => {
                    reasons.push("Audit start unknown: no annotation and no reports".to_owned());
                }
                _ => {}
            }
            match rate {
                Some(r) if r > th.max_violation_rate => reasons.push(format!(
                    "violation rate {} ({} of {} scored results fail) is above the {} allowed to promote",
                    percent(Some(r)),
                    latest.fail,
                    latest.pass.saturating_add(latest.fail),
                    percent(Some(th.max_violation_rate))
                )),
                Some(_) => {}
                None => reasons.push("no pass or fail results in the reports".to_owned()),
            }
            if latest.error > 0 {
                reasons.push(format!("{} result(s) errored", latest.error));
            }
            if reasons.is_empty() {
                Verdict::Ready
            } else {
                Verdict::NotReady
            }
        }
    };
    Readiness {
        policy: name,
        mode,
        audit_start,
        audit_start_source: source,
        days_in_audit: days,
        latest,
        violation_rate: rate,
        verdict,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use policy_model::{Document, RuleStatus, load_str};

    use super::*;
    use crate::build::{BuildOptions, build_reports};

    fn policy(name: &str, action: &str, annotations: &str) -> KyvernoPolicy {
        let text = format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: {name}\n  annotations: {{{annotations}}}\nspec:\n  validationFailureAction: {action}\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate: {{pattern: {{metadata: {{name: '?*'}}}}}}\n"
        );
        let out = load_str("p.yaml", &text);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        match out.documents.into_iter().next().unwrap().document {
            Document::Policy(p) => *p,
            other => panic!("{other:?}"),
        }
    }

    fn reports(at: i64, rows: &[(&str, RuleStatus)]) -> Vec<PolicyReport> {
        let results: Vec<policy_model::RuleResult> = rows
            .iter()
            .enumerate()
            .map(|(i, (p, s))| policy_model::RuleResult {
                policy: (*p).into(),
                rule: "r".into(),
                resource: policy_model::ResourceId {
                    api_version: "v1".into(),
                    kind: "Pod".into(),
                    namespace: "ns".into(),
                    name: format!("pod{i}").into(),
                    uid: None,
                },
                status: *s,
                scored: true,
                ..Default::default()
            })
            .collect();
        let opts = BuildOptions {
            now: policy_model::report::Timestamp {
                seconds: at,
                nanos: 0,
            },
            ..Default::default()
        };
        build_reports(&results, &opts)
    }

    #[test]
    fn audit_policy_needs_days_and_zero_violations() {
        use RuleStatus::*;
        let day = DAY;
        let old = reports(0, &[("a", Pass), ("b", Fail), ("c", Pass)]);
        let new = reports(
            8 * day,
            &[
                ("a", Pass),
                ("b", Pass),
                ("c", Pass),
                ("d", Fail),
                ("e", Pass),
            ],
        );
        let series = [
            Snapshot::dated(&new).unwrap(),
            Snapshot::dated(&old).unwrap(),
        ];
        let policies = [
            policy("a", "Audit", ""),
            policy("b", "Audit", ""),
            policy(
                "c",
                "Audit",
                "rollout.policyctl.dev/audit-start: '1970-01-05'",
            ),
            policy("d", "Enforce", ""),
            policy("e", "Enforce", ""),
            policy("f", "Audit", ""),
        ];
        let got = readiness(&policies, &series, 8 * day + 100, &Thresholds::default());
        let verdicts: Vec<_> = got.iter().map(|r| (r.policy.as_str(), r.verdict)).collect();
        assert_eq!(
            verdicts,
            vec![
                ("a", Verdict::Ready),
                ("b", Verdict::Ready), // the latest snapshot is clean
                ("c", Verdict::NotReady),
                ("d", Verdict::AboveTarget),
                ("e", Verdict::OnTarget),
                ("f", Verdict::NotReady),
            ]
        );
        assert_eq!(got[0].days_in_audit, Some(8));
        assert_eq!(
            got[0].audit_start_source,
            Some(AuditStartSource::FirstReport)
        );
        assert_eq!(got[2].audit_start, Some(4 * day));
        assert_eq!(
            got[2].reasons,
            vec!["in Audit for 4 day(s) since 1970-01-05, fewer than 7".to_owned()]
        );
        assert_eq!(
            got[3].reasons,
            vec!["violation rate 100% is above the 1% target after enforcement".to_owned()]
        );
        assert_eq!(got[5].reasons.len(), 2, "{:?}", got[5].reasons);
    }

    #[test]
    fn violation_rate_threshold() {
        use RuleStatus::*;
        let rs = reports(0, &[("a", Pass), ("a", Fail), ("a", Pass), ("a", Pass)]);
        let series = [Snapshot::dated(&rs).unwrap()];
        let p = [policy("a", "Audit", "")];
        let strict = readiness(&p, &series, 10 * DAY, &Thresholds::default());
        assert_eq!(strict[0].verdict, Verdict::NotReady);
        assert_eq!(
            strict[0].reasons,
            vec!["violation rate 25% (1 of 4 scored results fail) is above the 0% allowed to promote".to_owned()]
        );
        let lax = Thresholds {
            max_violation_rate: 0.25,
            ..Thresholds::default()
        };
        assert_eq!(
            readiness(&p, &series, 10 * DAY, &lax)[0].verdict,
            Verdict::Ready
        );
        assert_eq!(trend(&series)[0].counts.pass, 3);
    }
}
