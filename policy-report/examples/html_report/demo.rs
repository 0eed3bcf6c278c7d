//! Demo data for the example HTML report, shared by `examples/html_report` (which
//! `cargo xtask screenshot-report` renders for the docs) and `tests/html_chromium.rs`.
//!
//! Eight weekly scans of a cluster checked by the eight policies of `examples/platform`:
//! workloads in six namespaces plus the Namespace objects themselves, violations shrinking
//! week by week, a few errors, exceptions and unscored warnings. Deterministic: outcomes
//! come from a fixed hash, "now" is a constant.

use policy_model::report::{PolicyReport, Timestamp};
use policy_model::{KyvernoPolicy, ResourceId, RuleResult, RuleStatus, load_typed};
use policy_report::{
    BuildOptions, Readiness, Snapshot, Thresholds, TrendPoint, build_reports, readiness, trend,
};

/// 2027-03-20T00:00:00Z, the last scan and the readiness instant.
pub(crate) const NOW: i64 = 1_805_500_800;
const WEEK: i64 = 7 * 86_400;
/// Number of weekly scans.
pub(crate) const WEEKS: i64 = 8;

/// Namespaces and their workloads (Deployments).
const NAMESPACES: [(&str, &[&str]); 6] = [
    (
        "payments",
        &["api", "ledger", "fraud-check", "payouts", "batch-settle"],
    ),
    (
        "shop",
        &[
            "storefront",
            "cart",
            "checkout",
            "catalog",
            "search-ui",
            "reviews",
        ],
    ),
    ("search", &["indexer", "query", "suggest"]),
    (
        "analytics",
        &["ingest", "etl-daily", "dashboards", "notebook"],
    ),
    ("billing", &["invoices", "legacy-billing"]),
    ("platform-system", &["ingress", "cert-manager", "dns"]),
];

/// Policy, mode, Audit start, violations per thousand workloads in the first and last scan,
/// scored (unscored failures are warnings).
const POLICIES: [(&str, &str, &str, u64, u64, bool); 8] = [
    ("require-labels", "Enforce", "2026-11-02", 400, 0, true),
    (
        "require-requests-limits",
        "Enforce",
        "2026-12-01",
        550,
        60,
        true,
    ),
    (
        "restrict-image-registries",
        "Enforce",
        "2026-10-15",
        200,
        0,
        true,
    ),
    (
        "require-network-policy",
        "Audit",
        "2027-02-01",
        650,
        250,
        true,
    ),
    (
        "require-run-as-non-root",
        "Enforce",
        "2026-12-15",
        450,
        40,
        true,
    ),
    (
        "disallow-host-namespaces",
        "Enforce",
        "2026-09-01",
        120,
        0,
        true,
    ),
    ("disallow-latest-tag", "Audit", "2027-03-01", 500, 0, true),
    ("require-probes", "Audit", "2027-03-16", 700, 400, false),
];

/// Everything the example report shows.
pub(crate) struct Demo {
    /// The latest scan.
    pub(crate) reports: Vec<PolicyReport>,
    /// Overall counts of every scan, oldest first.
    pub(crate) trend: Vec<TrendPoint>,
    /// Readiness of each policy at [`NOW`].
    pub(crate) readiness: Vec<Readiness>,
}

/// A fixed 64-bit mix (splitmix64) of the inputs: the same workload keeps its "badness".
fn hash(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for p in parts {
        h ^= p.wrapping_add(0x9e37_79b9_7f4a_7c15);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
    }
    h
}

fn scan(week: i64) -> Vec<RuleResult> {
    let progress = u64::try_from(week).unwrap_or(0);
    let last = u64::try_from(WEEKS - 1).unwrap_or(1);
    let mut results = Vec::new();
    for (pi, (policy, _, _, first, final_rate, scored)) in POLICIES.iter().enumerate() {
        let rate = first - (first - final_rate) * progress / last;
        for (ni, (namespace, workloads)) in NAMESPACES.iter().enumerate() {
            for (wi, workload) in workloads.iter().enumerate() {
                let badness = hash(&[pi as u64, ni as u64, wi as u64]) % 1000;
                let mut status = if badness < rate {
                    RuleStatus::Fail
                } else {
                    RuleStatus::Pass
                };
                let mut message = String::new();
                let mut exceptions = Vec::new();
                if *policy == "disallow-latest-tag" && *workload == "legacy-billing" {
                    status = RuleStatus::Skip;
                    message = "rule is skipped due to policy exceptions".into();
                    exceptions.push("billing/legacy-billing-latest".into());
                } else if *policy == "restrict-image-registries" && *workload == "notebook" {
                    status = RuleStatus::Error;
                    message = "failed to resolve image reference: no tag or digest".into();
                } else if status == RuleStatus::Fail {
                    message = format!(
                        "validation error: {policy} failed for Deployment {namespace}/{workload}"
                    );
                }
                results.push(RuleResult {
                    policy: (*policy).into(),
                    rule: format!("autogen-{policy}").into(),
                    resource: ResourceId {
                        api_version: "apps/v1".into(),
                        kind: "Deployment".into(),
                        namespace: (*namespace).into(),
                        name: (*workload).into(),
                        uid: None,
                    },
                    status,
                    message: message.into(),
                    category: Some("Pod Security".into()),
                    severity: Some(if *scored { "high" } else { "medium" }.into()),
                    scored: *scored,
                    exceptions,
                    ..RuleResult::default()
                });
            }
        }
    }
    // The Namespace objects carry the team label once the platform team fixed them (week 3).
    for (namespace, _) in NAMESPACES {
        let late = namespace == "analytics" && week < 3;
        results.push(RuleResult {
            policy: "require-labels".into(),
            rule: "namespace-team".into(),
            resource: ResourceId {
                api_version: "v1".into(),
                kind: "Namespace".into(),
                namespace: Default::default(),
                name: namespace.into(),
                uid: None,
            },
            status: if late {
                RuleStatus::Fail
            } else {
                RuleStatus::Pass
            },
            message: if late {
                "label team is missing".into()
            } else {
                Default::default()
            },
            category: Some("Best Practices".into()),
            severity: Some("medium".into()),
            scored: true,
            ..RuleResult::default()
        });
    }
    results
}

fn policies() -> Vec<KyvernoPolicy> {
    let mut text = String::new();
    for (name, mode, start, ..) in POLICIES {
        text.push_str(&format!(
            "---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: {name}\n  annotations:\n    rollout.policyctl.dev/audit-start: \"{start}\"\nspec:\n  validationFailureAction: {mode}\n  rules:\n  - name: {name}\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate: {{pattern: {{metadata: {{name: '?*'}}}}}}\n"
        ));
    }
    load_typed::<KyvernoPolicy>("demo-policies.yaml", &text)
        .map(|docs| docs.into_iter().map(|(p, _)| p).collect())
        .unwrap_or_default()
}

/// The demo: the latest scan's reports, the trend over all scans, readiness at [`NOW`].
pub(crate) fn demo() -> Demo {
    let series: Vec<(i64, Vec<PolicyReport>)> = (0..WEEKS)
        .map(|week| {
            let at = NOW - (WEEKS - 1 - week) * WEEK;
            let options = BuildOptions {
                now: Timestamp {
                    seconds: at,
                    nanos: 0,
                },
                ..BuildOptions::default()
            };
            (at, build_reports(&scan(week), &options))
        })
        .collect();
    let snapshots: Vec<Snapshot<'_>> = series
        .iter()
        .map(|(at, reports)| Snapshot { at: *at, reports })
        .collect();
    let thresholds = Thresholds {
        max_violation_rate: 0.05,
        ..Thresholds::default()
    };
    let readiness = readiness(&policies(), &snapshots, NOW, &thresholds);
    let trend = trend(&snapshots);
    let reports = series
        .into_iter()
        .last()
        .map(|(_, reports)| reports)
        .unwrap_or_default();
    Demo {
        reports,
        trend,
        readiness,
    }
}
