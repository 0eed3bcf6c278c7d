//! Compliance metrics: the violation rate `fail / (pass + fail)` per namespace and policy,
//! and the compliance percentage per check.
//!
//! # Counting controller-owned Pods once
//!
//! Kyverno's autogen makes a Pod rule check Deployments, StatefulSets, DaemonSets, Jobs and
//! CronJobs too, and the Pods (and ReplicaSets, Jobs) those controllers create are checked
//! again: one bad Deployment with three replicas shows up as five failures. Reports only
//! carry object references, not `ownerReferences`, so with [`PodCounting::ByController`]
//! (the default) ownership is inferred from the names controllers give what they create:
//! a `Pod`, `ReplicaSet` or `Job` is left out of the metrics when a controller (`Deployment`,
//! `ReplicaSet`, `StatefulSet`, `DaemonSet`, `Job`, `CronJob`, `ReplicationController`) of
//! the same namespace has results for the same policy and its name followed by `-` starts
//! the object's name (`web` → `web-7d9f8c6b5` → `web-7d9f8c6b5-x2x4z`, `db` → `db-0`,
//! `nightly` → `nightly-28911` → `nightly-28911-abcde`). The workload is then counted once,
//! through its controller. Standalone Pods and Pods whose controller has no results keep
//! counting. The price of working from names alone: a standalone Pod named like
//! `<controller>-<suffix>` next to that controller is left out as well. Policy Reporter
//! makes the same choice ("process uncontrolled resources only") with owner references.
//! [`PodCounting::Each`] counts every result.
//!
//! A check is a policy rule: the results of its `autogen-` and `autogen-cronjob-` rules
//! count for the rule they were generated from.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use policy_model::kinds::autogen;

use crate::fx::{FxHashMap, FxHashSet, merge_counts};
use crate::ingest::Entry;
use crate::summary::{Counts, Grouped, PARALLEL_MIN, add_counts};

/// How controller-owned objects are counted (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PodCounting {
    /// Every result counts.
    Each,
    /// Pods, ReplicaSets and Jobs made by a controller that has results count through it.
    #[default]
    ByController,
}

/// Options of [`Metrics::compute`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetricsOptions {
    /// How controller-owned objects are counted.
    pub pod_counting: PodCounting,
}

/// Kinds that create other objects: the pod controllers.
pub const CONTROLLER_KINDS: [&str; 7] = policy_model::kinds::POD_CONTROLLERS;

/// Kinds that controllers create.
pub const OWNED_KINDS: [&str; 3] = ["Pod", "ReplicaSet", "Job"];

/// Which entries count under `counting`, as a mask parallel to `entries`.
pub fn counted_mask<'a>(entries: &[Entry<'a>], counting: PodCounting) -> Vec<bool> {
    if counting == PodCounting::Each {
        return vec![true; entries.len()];
    }
    let controller = |e: &Entry<'a>| -> Option<(&'a str, &'a str, &'a str)> {
        CONTROLLER_KINDS
            .contains(&e.kind)
            .then_some((e.namespace, e.policy, e.name))
    };
    let controllers: FxHashSet<(&str, &str, &str)> = if entries.len() < PARALLEL_MIN {
        entries.iter().filter_map(controller).collect()
    } else {
        entries.par_iter().filter_map(controller).collect()
    };
    let counted = |e: &Entry<'_>| {
        if !OWNED_KINDS.contains(&e.kind) {
            return true;
        }
        // Every `-` in the name ends a candidate controller name.
        !e.name.match_indices('-').any(|(i, _)| {
            e.name
                .get(..i)
                .is_some_and(|prefix| controllers.contains(&(e.namespace, e.policy, prefix)))
        })
    };
    if entries.len() < PARALLEL_MIN {
        entries.iter().map(counted).collect()
    } else {
        entries.par_iter().map(counted).collect()
    }
}

/// Violation rates and compliance, over the counted entries.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// How controller-owned objects were counted.
    pub pod_counting: PodCounting,
    /// Every counted result.
    pub total: Counts,
    /// By resource namespace (`""`: cluster-scoped).
    pub namespaces: Grouped,
    /// By policy.
    pub policies: Grouped,
    /// By check: policy, then rule (autogen rules folded into their rule).
    pub checks: BTreeMap<String, Grouped>,
}

impl Metrics {
    /// Computes the metrics of some entries.
    pub fn compute<'a>(entries: &[Entry<'a>], opts: MetricsOptions) -> Self {
        let mask = counted_mask(entries, opts.pod_counting);
        // Counted per distinct (namespace, policy, rule) with borrowed keys, then folded
        // into the owned groupings: one allocation per distinct key, not per entry.
        type Keys<'e> = FxHashMap<(&'e str, &'e str, &'e str), Counts>;
        let add = |mut keys: Keys<'a>, (e, keep): (&Entry<'a>, &bool)| {
            if *keep {
                keys.entry((e.namespace, e.policy, e.rule))
                    .or_default()
                    .count(e.status);
            }
            keys
        };
        let keys: Keys<'a> = if entries.len() < PARALLEL_MIN {
            entries.iter().zip(&mask).fold(Keys::default(), add)
        } else {
            entries
                .par_iter()
                .zip(&mask)
                .with_min_len(4096)
                .fold(Keys::default, add)
                .reduce(Keys::default, merge_counts)
        };
        let mut sorted: Vec<_> = keys.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut m = Self {
            pod_counting: opts.pod_counting,
            ..Self::default()
        };
        for ((namespace, policy, rule), c) in sorted {
            m.total.merge(&c);
            add_counts(&mut m.namespaces, namespace, &c);
            add_counts(&mut m.policies, policy, &c);
            match m.checks.get_mut(policy) {
                Some(rules) => add_counts(rules, autogen::base_rule(rule), &c),
                None => {
                    let mut rules = Grouped::new();
                    add_counts(&mut rules, autogen::base_rule(rule), &c);
                    m.checks.insert(policy.to_owned(), rules);
                }
            }
        }
        m
    }

    /// The checks as `(policy, rule, counts)`, in order.
    pub fn check_rows(&self) -> impl Iterator<Item = (&str, &str, &Counts)> {
        self.checks
            .iter()
            .flat_map(|(p, rules)| rules.iter().map(move |(r, c)| (p.as_str(), r.as_str(), c)))
    }
}

/// Formats a ratio (0..1) as a percentage with up to two decimals (`12.5%`), `-` for none.
pub fn percent(ratio: Option<f64>) -> String {
    match ratio {
        None => "-".to_owned(),
        Some(r) => {
            let s = format!("{:.2}", r * 100.0);
            let s = s.trim_end_matches('0').trim_end_matches('.');
            format!("{s}%")
        }
    }
}

#[cfg(test)]
mod tests {
    use policy_model::RuleStatus;
    use policy_model::report::{PolicyReport, ReportResult};
    use serde_json::json;

    use super::*;
    use crate::ingest::entries;

    fn report(rows: &[(&str, &str, &str, &str, RuleStatus)]) -> PolicyReport {
        PolicyReport {
            api_version: "wgpolicyk8s.io/v1alpha2".into(),
            kind: "PolicyReport".into(),
            results: rows
                .iter()
                .map(|(policy, rule, kind, name, status)| ReportResult {
                    policy: (*policy).into(),
                    rule: Some((*rule).into()),
                    result: *status,
                    resources: vec![json!({"kind": kind, "name": name, "namespace": "ns"})],
                    ..ReportResult::default()
                })
                .collect(),
            ..PolicyReport::default()
        }
    }

    #[test]
    fn controller_owned_pods_count_once() {
        use RuleStatus::*;
        let r = report(&[
            ("limits", "check", "Pod", "web-7d9f8c6b5-x2x4z", Fail),
            ("limits", "check", "Pod", "web-7d9f8c6b5-abcde", Fail),
            (
                "limits",
                "autogen-check",
                "ReplicaSet",
                "web-7d9f8c6b5",
                Fail,
            ),
            ("limits", "autogen-check", "Deployment", "web", Fail),
            ("limits", "check", "Pod", "standalone", Pass),
            ("limits", "check", "Pod", "db-0", Pass),
            ("limits", "autogen-check", "StatefulSet", "db", Pass),
            // another policy has no controller result for `web`: its Pod counts
            ("other", "check", "Pod", "web-7d9f8c6b5-x2x4z", Fail),
        ]);
        let es = entries(std::slice::from_ref(&r));
        let m = Metrics::compute(&es, MetricsOptions::default());
        assert_eq!(
            m.policies["limits"],
            Counts {
                pass: 2,
                fail: 1,
                ..Counts::default()
            }
        );
        assert_eq!(m.policies["other"].fail, 1);
        assert_eq!(
            m.checks["limits"].len(),
            1,
            "autogen folded: {:?}",
            m.checks
        );
        assert_eq!(
            m.checks["limits"]["check"].compliance_percent(),
            Some(200.0 / 3.0)
        );
        let each = Metrics::compute(
            &es,
            MetricsOptions {
                pod_counting: PodCounting::Each,
            },
        );
        assert_eq!(
            each.policies["limits"],
            Counts {
                pass: 3,
                fail: 4,
                ..Counts::default()
            }
        );
        assert_eq!(each.namespaces["ns"].violation_rate(), Some(5.0 / 8.0));
    }

    #[test]
    fn percent_format() {
        assert_eq!(percent(Some(0.125)), "12.5%");
        assert_eq!(percent(Some(0.0)), "0%");
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(Some(2.0 / 3.0)), "66.67%");
        assert_eq!(percent(None), "-");
    }
}
