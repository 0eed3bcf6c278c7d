//! Aggregating 1M report results (the budget: under 1 s): the mergeable summary, the
//! metrics with controller-owned Pods counted once, and a two-shard merge.
#![allow(missing_docs, clippy::unwrap_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use policy_model::{ResourceId, RuleResult, RuleStatus};
use policy_report::{BuildOptions, Metrics, MetricsOptions, Summary, build_reports, entries};

const N: usize = 1_000_000;

fn results() -> Vec<RuleResult> {
    let kinds = ["Pod", "Deployment", "ReplicaSet", "StatefulSet", "Service"];
    (0..N)
        .map(|i| RuleResult {
            policy: format!("policy-{}", i % 40).into(),
            rule: format!("rule-{}", i % 3).into(),
            resource: ResourceId {
                api_version: "v1".into(),
                kind: kinds[i % kinds.len()].into(),
                namespace: format!("ns-{}", i % 200).into(),
                name: format!("app-{}-{}", i % 997, i % 13).into(),
                uid: None,
            },
            status: RuleStatus::ALL[i % 7 % 5],
            category: Some(["Security", "Best Practices", "Multi-Tenancy"][i % 3].into()),
            severity: Some(["low", "medium", "high"][i % 3].into()),
            scored: true,
            ..RuleResult::default()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let reports = build_reports(&results(), &BuildOptions::default());
    let mut g = c.benchmark_group("aggregate-1M");
    g.sample_size(10);
    g.bench_function("summary", |b| {
        b.iter(|| black_box(Summary::from_reports(&reports)))
    });
    g.bench_function("entries+metrics", |b| {
        b.iter(|| {
            let es = entries(&reports);
            black_box(Metrics::compute(&es, MetricsOptions::default()))
        })
    });
    let (left, right) = reports.split_at(reports.len() / 2);
    g.bench_function("two shards merged", |b| {
        b.iter(|| black_box(Summary::from_reports(left).merged(&Summary::from_reports(right))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
