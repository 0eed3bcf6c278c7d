//! Summaries that merge: counts per status, grouped by namespace, policy, rule, category,
//! severity and kind. Merging adds counts key by key, so it is associative and commutative
//! and separate scans of a fleet's shards combine exactly.

use std::collections::BTreeMap;

use policy_model::RuleStatus;
use policy_model::report::{PolicyReport, ReportResult, ReportSummary};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fx::{FxHashMap, merge_counts};
use crate::ingest::{Entry, for_each_entry, ref_fields};

/// Below this many results, aggregation runs on the calling thread (splitting costs more
/// than it saves).
pub(crate) const PARALLEL_MIN: usize = 16 * 1024;

/// Counts per status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counts {
    /// Passed.
    pub pass: u64,
    /// Failed.
    pub fail: u64,
    /// Warned.
    pub warn: u64,
    /// Errored.
    pub error: u64,
    /// Skipped.
    pub skip: u64,
}

impl Counts {
    /// Adds one result.
    pub fn count(&mut self, status: RuleStatus) {
        let slot = match status {
            RuleStatus::Pass => &mut self.pass,
            RuleStatus::Fail => &mut self.fail,
            RuleStatus::Warn => &mut self.warn,
            RuleStatus::Error => &mut self.error,
            RuleStatus::Skip => &mut self.skip,
        };
        *slot = slot.saturating_add(1);
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, o: &Self) {
        self.pass = self.pass.saturating_add(o.pass);
        self.fail = self.fail.saturating_add(o.fail);
        self.warn = self.warn.saturating_add(o.warn);
        self.error = self.error.saturating_add(o.error);
        self.skip = self.skip.saturating_add(o.skip);
    }

    /// The count of one status.
    pub fn get(&self, status: RuleStatus) -> u64 {
        match status {
            RuleStatus::Pass => self.pass,
            RuleStatus::Fail => self.fail,
            RuleStatus::Warn => self.warn,
            RuleStatus::Error => self.error,
            RuleStatus::Skip => self.skip,
        }
    }

    /// All results.
    pub fn total(&self) -> u64 {
        self.pass
            .saturating_add(self.fail)
            .saturating_add(self.warn)
            .saturating_add(self.error)
            .saturating_add(self.skip)
    }

    /// The violation rate `fail / (pass + fail)`, `None` without scored results.
    pub fn violation_rate(&self) -> Option<f64> {
        let scored = self.pass.saturating_add(self.fail);
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        (scored > 0).then(|| self.fail as f64 / scored as f64)
    }

    /// The compliance percentage `100 * pass / (pass + fail)`, `None` without scored results.
    pub fn compliance_percent(&self) -> Option<f64> {
        let scored = self.pass.saturating_add(self.fail);
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        (scored > 0).then(|| 100.0 * self.pass as f64 / scored as f64)
    }
}

impl From<ReportSummary> for Counts {
    fn from(s: ReportSummary) -> Self {
        Self {
            pass: s.pass,
            fail: s.fail,
            warn: s.warn,
            error: s.error,
            skip: s.skip,
        }
    }
}

impl From<Counts> for ReportSummary {
    fn from(c: Counts) -> Self {
        Self {
            pass: c.pass,
            fail: c.fail,
            warn: c.warn,
            error: c.error,
            skip: c.skip,
        }
    }
}

/// Counts grouped by a string key, in key order.
pub type Grouped = BTreeMap<String, Counts>;

fn bump(map: &mut Grouped, key: &str, status: RuleStatus) {
    if let Some(c) = map.get_mut(key) {
        c.count(status);
    } else {
        let mut c = Counts::default();
        c.count(status);
        map.insert(key.to_owned(), c);
    }
}

pub(crate) fn add_counts(map: &mut Grouped, key: &str, c: &Counts) {
    if let Some(mine) = map.get_mut(key) {
        mine.merge(c);
    } else {
        map.insert(key.to_owned(), *c);
    }
}

/// The key with the resource's namespace (when it has one) and kind.
fn with_resource<'a>(mut key: Key<'a>, res: Option<&'a Value>) -> Key<'a> {
    if let Some(res) = res {
        let r = ref_fields(res);
        if !r.namespace.is_empty() {
            key.namespace = r.namespace;
        }
        key.kind = r.kind;
    }
    key
}

/// The grouping key of [`Summary::from_reports`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key<'a> {
    namespace: &'a str,
    policy: &'a str,
    rule: &'a str,
    category: &'a str,
    severity: &'a str,
    kind: &'a str,
}

/// Counts per distinct grouping key.
type KeyCounts<'a> = FxHashMap<Key<'a>, Counts>;

/// Counts the entries of one result.
fn count_result<'a>(keys: &mut KeyCounts<'a>, report: &'a PolicyReport, result: &'a ReportResult) {
    let key = Key {
        namespace: report.metadata.namespace.as_deref().unwrap_or(""),
        policy: &result.policy,
        rule: result.rule.as_deref().unwrap_or(""),
        category: result.category.as_deref().unwrap_or(""),
        severity: result.severity.as_deref().unwrap_or(""),
        kind: "",
    };
    if result.resources.is_empty() {
        let k = with_resource(key, report.scope.as_ref());
        keys.entry(k).or_default().count(result.result);
    } else {
        for res in &result.resources {
            let k = with_resource(key, Some(res));
            keys.entry(k).or_default().count(result.result);
        }
    }
}

/// Counts every result of some reports per distinct key, in parallel for large inputs:
/// the results are split into chunks, each chunk counted into its own map, and the maps
/// merged (addition, so the split does not change the counts).
fn count_keys(reports: &[PolicyReport]) -> KeyCounts<'_> {
    let total: usize = reports.iter().map(|r| r.results.len()).sum();
    if total < PARALLEL_MIN {
        let mut keys = KeyCounts::default();
        for report in reports {
            for result in &report.results {
                count_result(&mut keys, report, result);
            }
        }
        return keys;
    }
    reports
        .par_iter()
        .flat_map(|report| {
            report
                .results
                .par_iter()
                .with_min_len(1024)
                .map(move |result| (report, result))
        })
        .fold(KeyCounts::default, |mut keys, (report, result)| {
            count_result(&mut keys, report, result);
            keys
        })
        .reduce(KeyCounts::default, merge_counts)
}

fn merge_grouped(into: &mut Grouped, from: &Grouped) {
    for (k, c) in from {
        if let Some(mine) = into.get_mut(k) {
            mine.merge(c);
        } else {
            into.insert(k.clone(), *c);
        }
    }
}

/// A mergeable summary: totals and counts by namespace, policy, rule (per policy), category,
/// severity and resource kind. Keys missing in the results (no category, cluster-scoped
/// resources) are `""`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Every result.
    pub total: Counts,
    /// By resource namespace (`""`: cluster-scoped).
    pub by_namespace: Grouped,
    /// By policy.
    pub by_policy: Grouped,
    /// By policy, then rule.
    pub by_rule: BTreeMap<String, Grouped>,
    /// By category.
    pub by_category: Grouped,
    /// By severity.
    pub by_severity: Grouped,
    /// By resource kind.
    pub by_kind: Grouped,
}

impl Summary {
    /// Counts one entry.
    pub fn add(&mut self, e: &Entry<'_>) {
        self.total.count(e.status);
        bump(&mut self.by_namespace, e.namespace, e.status);
        bump(&mut self.by_policy, e.policy, e.status);
        if let Some(rules) = self.by_rule.get_mut(e.policy) {
            bump(rules, e.rule, e.status);
        } else {
            let mut rules = Grouped::new();
            bump(&mut rules, e.rule, e.status);
            self.by_rule.insert(e.policy.to_owned(), rules);
        }
        bump(&mut self.by_category, e.category, e.status);
        bump(&mut self.by_severity, e.severity, e.status);
        bump(&mut self.by_kind, e.kind, e.status);
    }

    /// The summary of a list of entries.
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = &'a Entry<'a>>) -> Self {
        let mut s = Self::default();
        for e in entries {
            s.add(e);
        }
        s
    }

    /// The summary of every result of some reports (the same as adding every
    /// [`Entry`](crate::Entry), faster: results are first counted per distinct
    /// (namespace, policy, rule, category, severity, kind), on all cores for large inputs,
    /// then the few distinct keys are folded into the groupings).
    pub fn from_reports(reports: &[PolicyReport]) -> Self {
        let keys = count_keys(reports);
        let mut s = Self::default();
        let mut sorted: Vec<(Key<'_>, Counts)> = keys.into_iter().collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (k, c) in sorted {
            s.total.merge(&c);
            add_counts(&mut s.by_namespace, k.namespace, &c);
            add_counts(&mut s.by_policy, k.policy, &c);
            match s.by_rule.get_mut(k.policy) {
                Some(rules) => add_counts(rules, k.rule, &c),
                None => {
                    let mut rules = Grouped::new();
                    add_counts(&mut rules, k.rule, &c);
                    s.by_rule.insert(k.policy.to_owned(), rules);
                }
            }
            add_counts(&mut s.by_category, k.category, &c);
            add_counts(&mut s.by_severity, k.severity, &c);
            add_counts(&mut s.by_kind, k.kind, &c);
        }
        s
    }

    /// The summary of every result of some reports, one [`Entry`](crate::Entry) at a time
    /// (the reference [`Self::from_reports`] is checked against).
    pub fn from_reports_by_entry(reports: &[PolicyReport]) -> Self {
        let mut s = Self::default();
        for r in reports {
            for_each_entry(r, |e| s.add(&e));
        }
        s
    }

    /// Adds another summary: counts add up key by key (associative and commutative, with
    /// the empty summary as identity).
    pub fn merge(&mut self, other: &Self) {
        self.total.merge(&other.total);
        merge_grouped(&mut self.by_namespace, &other.by_namespace);
        merge_grouped(&mut self.by_policy, &other.by_policy);
        for (policy, rules) in &other.by_rule {
            if let Some(mine) = self.by_rule.get_mut(policy) {
                merge_grouped(mine, rules);
            } else {
                self.by_rule.insert(policy.clone(), rules.clone());
            }
        }
        merge_grouped(&mut self.by_category, &other.by_category);
        merge_grouped(&mut self.by_severity, &other.by_severity);
        merge_grouped(&mut self.by_kind, &other.by_kind);
    }

    /// `self` merged with `other`.
    #[must_use]
    pub fn merged(mut self, other: &Self) -> Self {
        self.merge(other);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        let c = Counts {
            pass: 3,
            fail: 1,
            warn: 7,
            ..Counts::default()
        };
        assert_eq!(c.violation_rate(), Some(0.25));
        assert_eq!(c.compliance_percent(), Some(75.0));
        assert_eq!(
            Counts {
                warn: 2,
                ..Counts::default()
            }
            .violation_rate(),
            None
        );
        assert_eq!(c.total(), 11);
    }

    #[test]
    fn merge_adds_key_by_key() {
        let mut a = Summary::default();
        a.total.pass = 1;
        a.by_namespace.insert(
            "x".into(),
            Counts {
                pass: 1,
                ..Counts::default()
            },
        );
        let mut b = Summary::default();
        b.total.fail = 2;
        b.by_namespace.insert(
            "x".into(),
            Counts {
                fail: 2,
                ..Counts::default()
            },
        );
        b.by_namespace.insert(
            "y".into(),
            Counts {
                skip: 1,
                ..Counts::default()
            },
        );
        let m = a.merged(&b);
        assert_eq!(
            m.total,
            Counts {
                pass: 1,
                fail: 2,
                ..Counts::default()
            }
        );
        assert_eq!(
            m.by_namespace["x"],
            Counts {
                pass: 1,
                fail: 2,
                ..Counts::default()
            }
        );
        assert_eq!(m.by_namespace["y"].skip, 1);
    }

    #[test]
    fn fast_path_equals_entry_by_entry() {
        let text = r#"
apiVersion: openreports.io/v1alpha1
kind: Report
metadata: {name: uid-1, namespace: b}
scope: {apiVersion: apps/v1, kind: Deployment, name: web, namespace: b}
results:
- {policy: p, rule: r, result: fail, category: c}
---
apiVersion: wgpolicyk8s.io/v1alpha2
kind: ClusterPolicyReport
metadata: {name: c}
results:
- {policy: p, rule: r, result: pass, resources: [{kind: Namespace, name: x}, {kind: Pod, name: y, namespace: z}]}
- {policy: q, result: skip}
"#;
        let reports = crate::ingest_str("r.yaml", text).reports;
        let fast = Summary::from_reports(&reports);
        assert_eq!(fast, Summary::from_reports_by_entry(&reports));
        assert_eq!(fast.total.total(), 4);
        assert_eq!(fast.by_namespace["z"].pass, 1);
        assert_eq!(fast.by_kind["Deployment"].fail, 1);
    }

    /// Large enough for the parallel paths: the same as counting entry by entry.
    #[test]
    fn parallel_paths_equal_sequential_counting() {
        use policy_model::{ResourceId, RuleResult};

        use crate::metrics::{Metrics, MetricsOptions, counted_mask};
        use policy_model::kinds::autogen::base_rule;

        let kinds = ["Pod", "Deployment", "ReplicaSet", "Namespace"];
        let results: Vec<RuleResult> = (0..3 * PARALLEL_MIN)
            .map(|i| RuleResult {
                policy: format!("p{}", i % 7).into(),
                rule: ["r", "autogen-r", "s"][i % 3].into(),
                resource: ResourceId {
                    api_version: "v1".into(),
                    kind: kinds[i % 4].into(),
                    namespace: if i % 4 == 3 {
                        Default::default()
                    } else {
                        format!("ns{}", i % 5).into()
                    },
                    name: ["web", "web-1", "web-1-a", "db-0"][i % 11 % 4].into(),
                    uid: None,
                },
                status: RuleStatus::ALL[i % 13 % 5],
                category: (i % 2 == 0).then(|| "c".into()),
                ..RuleResult::default()
            })
            .collect();
        let reports = crate::build_reports(&results, &crate::BuildOptions::default());
        let fast = Summary::from_reports(&reports);
        assert_eq!(fast, Summary::from_reports_by_entry(&reports));
        assert_eq!(fast.total.total(), 3 * PARALLEL_MIN as u64);

        let es = crate::entries(&reports);
        let m = Metrics::compute(&es, MetricsOptions::default());
        let mut want = Metrics::default();
        for (e, keep) in es.iter().zip(counted_mask(&es, m.pod_counting)) {
            if keep {
                want.total.count(e.status);
                let ns = want.namespaces.entry(e.namespace.into()).or_default();
                ns.count(e.status);
                want.policies
                    .entry(e.policy.into())
                    .or_default()
                    .count(e.status);
                let rules = want.checks.entry(e.policy.into()).or_default();
                rules
                    .entry(base_rule(e.rule).into())
                    .or_default()
                    .count(e.status);
            }
        }
        assert_eq!(m, want);
        assert!(
            m.total.total() < fast.total.total(),
            "some Pods count through controllers"
        );
    }
}
