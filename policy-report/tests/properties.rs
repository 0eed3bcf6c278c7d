//! Properties: summary merge is associative and commutative with the empty summary as
//! identity and agrees with summarizing the concatenation; a summary equals counting its
//! results; building reports loses and invents no result.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use policy_model::report::Timestamp;
use policy_model::{ResourceId, RuleResult, RuleStatus};
use policy_report::{BuildOptions, Counts, Summary, build_reports, entries, report_status};
use proptest::prelude::*;

fn status() -> impl Strategy<Value = RuleStatus> {
    prop::sample::select(RuleStatus::ALL.to_vec())
}

fn result() -> impl Strategy<Value = RuleResult> {
    (
        prop::sample::select(vec!["p1", "p2", "team/p3"]),
        prop::sample::select(vec!["r1", "autogen-r1", "r2"]),
        prop::sample::select(vec!["", "a", "b"]),
        prop::sample::select(vec!["Pod", "Deployment", "Namespace"]),
        "[a-c]{1,2}",
        status(),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec!["Security", "Best Practices"])),
        prop::option::of(prop::sample::select(vec!["low", "high"])),
    )
        .prop_map(
            |(policy, rule, ns, kind, name, status, scored, category, severity)| RuleResult {
                policy: policy.into(),
                rule: rule.into(),
                resource: ResourceId {
                    api_version: "v1".into(),
                    kind: kind.into(),
                    namespace: ns.into(),
                    name: name.into(),
                    uid: None,
                },
                status,
                scored,
                category: category.map(Into::into),
                severity: severity.map(Into::into),
                ..RuleResult::default()
            },
        )
}

fn summary_of(results: &[RuleResult]) -> Summary {
    Summary::from_reports(&build_reports(results, &BuildOptions::default()))
}

fn summary() -> impl Strategy<Value = Summary> {
    prop::collection::vec(result(), 0..30).prop_map(|rs| summary_of(&rs))
}

proptest! {
    #[test]
    fn merge_is_associative(a in summary(), b in summary(), c in summary()) {
        let left = a.clone().merged(&b).merged(&c);
        let right = a.merged(&b.merged(&c));
        prop_assert_eq!(left, right);
    }

    #[test]
    fn merge_is_commutative_with_identity(a in summary(), b in summary()) {
        prop_assert_eq!(a.clone().merged(&b), b.clone().merged(&a));
        prop_assert_eq!(a.clone().merged(&Summary::default()), a);
    }

    #[test]
    fn merging_shards_equals_scanning_everything(
        xs in prop::collection::vec(result(), 0..30),
        ys in prop::collection::vec(result(), 0..30),
    ) {
        let mut all = xs.clone();
        all.extend(ys.iter().cloned());
        prop_assert_eq!(summary_of(&xs).merged(&summary_of(&ys)), summary_of(&all));
    }

    #[test]
    fn summary_equals_counting_results(results in prop::collection::vec(result(), 0..60)) {
        let opts = BuildOptions { now: Timestamp { seconds: 42, nanos: 0 }, ..BuildOptions::default() };
        let reports = build_reports(&results, &opts);
        // Each report's summary counts its own results.
        for r in &reports {
            let mut c = Counts::default();
            for x in &r.results {
                c.count(x.result);
            }
            prop_assert_eq!(Counts::from(r.summary), c);
            prop_assert!(r.results.iter().all(|x| x.timestamp == Some(opts.now)));
        }
        // Nothing lost or invented: the totals equal counting the inputs by report status.
        let mut want = Counts::default();
        for r in &results {
            want.count(report_status(r));
        }
        let s = Summary::from_reports(&reports);
        prop_assert_eq!(&s, &Summary::from_reports_by_entry(&reports));
        prop_assert_eq!(s.total, want);
        prop_assert_eq!(entries(&reports).len(), results.len());
        // Every grouping partitions the total.
        for g in [&s.by_namespace, &s.by_policy, &s.by_category, &s.by_severity, &s.by_kind] {
            let mut sum = Counts::default();
            for c in g.values() {
                sum.merge(c);
            }
            prop_assert_eq!(sum, s.total);
        }
        // Deterministic: the same results in another order give the same bytes.
        let mut reversed = results.clone();
        reversed.reverse();
        let again = build_reports(&reversed, &opts);
        prop_assert_eq!(
            policy_report::yaml_reports(&again).unwrap(),
            policy_report::yaml_reports(&reports).unwrap()
        );
    }
}

#[test]
fn unscored_failures_count_as_warnings() {
    let r = RuleResult {
        status: RuleStatus::Fail,
        scored: false,
        ..RuleResult::default()
    };
    assert_eq!(report_status(&r), RuleStatus::Warn);
}
