//! `kyverno test` semantics, pure: runs one suite's resources through the engine and matches
//! the expected rows (CLI-5.3 … CLI-6.10). Loading files is the caller's job.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::SystemTime;

use policy_model::exception::KyvernoException;
use policy_model::kinds::{Scope, autogen};
use policy_model::testfile::{Test, TestResult, UserInfoFile, ValuesSpec};
use policy_model::{KyvernoPolicy, ResourceRef, RuleStatus};
use serde_json::Value;

use crate::context::{EvalContext, ExternalData, Operation};
use crate::engine::{Engine, Evaluation};
use crate::matching::RequestUser;

/// Everything a suite needs, already loaded.
#[derive(Clone, Debug, Default)]
pub struct SuiteInput {
    /// The Test document.
    pub test: Test,
    /// Classic policies, in file order.
    pub policies: Vec<KyvernoPolicy>,
    /// Kinds of other policy documents found (CEL kinds, ...), which the engine cannot run.
    pub unsupported_policies: Vec<(String, String)>,
    /// Resources, in file order, normalized per CLI-5.1 (see [`normalize_resource`]).
    pub resources: Vec<Value>,
    /// The values (file or inline).
    pub values: Option<ValuesSpec>,
    /// The user info file.
    pub user: Option<UserInfoFile>,
    /// `kyverno.io/v2` exceptions.
    pub exceptions: Vec<KyvernoException>,
    /// Cluster data for context entries.
    pub external: ExternalData,
    /// "Now".
    pub now: Option<SystemTime>,
}

/// The outcome class of a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuiteStatus {
    /// Every expected row matched.
    Pass,
    /// Some row did not match.
    Fail,
    /// The suite could not run (a file did not load, an invalid value).
    Error,
    /// The suite needs a feature the engine does not have yet.
    Unsupported,
}

impl SuiteStatus {
    /// `pass`, `fail`, `error`, `unsupported`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::Error => "error",
            Self::Unsupported => "unsupported",
        }
    }
}

/// One checked row (CLI-6.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Policy as written in the test.
    pub policy: String,
    /// Rule name of the response (or the test's rule).
    pub rule: String,
    /// `apiVersion/kind/namespace/name`.
    pub resource: String,
    /// Informational kind from the test.
    pub kind: String,
    /// Expected result.
    pub expected: String,
    /// Actual result (lower case), or the reason's word (`excluded`, `not found`, ...).
    pub actual: String,
    /// Whether the row passed.
    pub passed: bool,
    /// Kyverno's reason: `Ok`, `Excluded`, `Not found`, `Invalid Policy`, `Want x, got y`.
    pub reason: String,
    /// The rule message.
    pub message: String,
    /// Counted as `Skip` in Kyverno's summary (CLI-6.10).
    pub skip_counter: bool,
}

/// The outcome of a suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuiteOutcome {
    /// Pass, fail, error or unsupported.
    pub status: SuiteStatus,
    /// Why (error or unsupported feature).
    pub reason: Option<String>,
    /// Rows in result-entry order.
    pub rows: Vec<Row>,
}

/// CLI-5.1: default namespace, `null` label-like maps → `{}`, numbers → floats.
pub fn normalize_resource(mut v: Value) -> Value {
    let kind = v
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    fix_nulls_and_numbers(&mut v);
    if !Scope::KyvernoCli.is_cluster_scoped("", &kind)
        && let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut)
    {
        let empty = meta
            .get("namespace")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty);
        if empty {
            meta.insert("namespace".into(), Value::from("default"));
        }
    }
    v
}

fn fix_nulls_and_numbers(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if x.is_null()
                    && matches!(
                        k.as_str(),
                        "annotations"
                            | "labels"
                            | "matchLabels"
                            | "nodeSelector"
                            | "data"
                            | "stringData"
                    )
                {
                    *x = Value::Object(serde_json::Map::new());
                } else {
                    fix_nulls_and_numbers(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fix_nulls_and_numbers),
        Value::Number(n) if !n.is_f64() => {
            if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                *n = f;
            }
        }
        _ => {}
    }
}

fn resource_key(v: &Value) -> String {
    let r = ResourceRef::new(v);
    format!(
        "{}/{}/{}/{}",
        r.api_version(),
        r.kind(),
        r.namespace(),
        r.name()
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Runs a suite.
pub fn run_suite(input: &SuiteInput) -> SuiteOutcome {
    let test = &input.test;
    // CEL kinds and other policy kinds the engine lacks.
    let cel_rows = test.results.iter().find_map(|r| {
        let flags = [
            (r.is_validating_policy, "ValidatingPolicy"),
            (r.is_mutating_policy, "MutatingPolicy"),
            (r.is_generating_policy, "GeneratingPolicy"),
            (r.is_deleting_policy, "DeletingPolicy"),
            (r.is_image_validating_policy, "ImageValidatingPolicy"),
            (
                r.is_validating_admission_policy,
                "ValidatingAdmissionPolicy",
            ),
            (r.is_mutating_admission_policy, "MutatingAdmissionPolicy"),
        ];
        flags
            .into_iter()
            .find(|(f, _)| *f == Some(true))
            .map(|(_, k)| k)
    });
    if let Some(kind) = cel_rows {
        return unsupported(kind);
    }
    if let Some((kind, _)) = input.unsupported_policies.first()
        && input.policies.is_empty()
    {
        return unsupported(kind);
    }
    if test.results.iter().any(|r| r.patched_resources.is_some()) {
        return unsupported("mutate (patchedResources)");
    }
    if test
        .results
        .iter()
        .any(|r| r.generated_resource.is_some() || !r.generated_resources.is_empty())
    {
        return unsupported("generate (generatedResource)");
    }

    let engine = match Engine::builder()
        .policies(input.policies.iter().cloned())
        .exceptions(input.exceptions.iter().cloned())
        .build()
    {
        Ok(e) => e,
        Err(e) => {
            return SuiteOutcome {
                status: SuiteStatus::Error,
                reason: Some(e.to_string()),
                rows: Vec::new(),
            };
        }
    };
    let values = input.values.clone().map(Arc::new);
    let global_op = input
        .values
        .as_ref()
        .and_then(|v| v.global_values.get("request.operation"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(op) = &global_op
        && !matches!(op.as_str(), "CREATE" | "UPDATE" | "DELETE" | "CONNECT")
    {
        return SuiteOutcome {
            status: SuiteStatus::Error,
            reason: Some(format!("invalid request.operation `{op}` in values")),
            rows: Vec::new(),
        };
    }
    let mut namespace_labels: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    if let Some(v) = &input.values {
        for ns in &v.namespace_selector {
            namespace_labels.insert(ns.name.clone(), ns.labels.clone());
        }
        for ns in &v.namespaces {
            let r = ResourceRef::new(ns);
            let labels = r
                .labels()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            namespace_labels.insert(r.name().to_owned(), labels);
        }
    }
    let user = input.user.as_ref().map(|u| RequestUser {
        username: u.user_info.username.clone(),
        groups: u.user_info.groups.clone(),
        roles: u.roles.clone(),
        cluster_roles: u.cluster_roles.clone(),
        uid: u.user_info.uid.clone(),
        extra: u.user_info.extra.clone(),
    });
    let base_ctx = EvalContext {
        now: input.now.unwrap_or(SystemTime::UNIX_EPOCH),
        operation: global_op
            .as_deref()
            .map_or(Operation::Create, Operation::parse),
        operation_text: None,
        user,
        namespace_labels,
        values,
        set_values: serde_json::Map::new(),
        external: Arc::new(input.external.clone()),
        seed: 0,
    };
    // CLI-1.4: de-duplicated resources (first kept).
    let mut seen = BTreeSet::new();
    let resources: Vec<&Value> = input
        .resources
        .iter()
        .filter(|r| seen.insert(resource_key(r)))
        .collect();

    let run = |ctx: &EvalContext| -> Vec<(String, &Value, Evaluation)> {
        resources
            .iter()
            .map(|r| (resource_key(r), *r, engine.evaluate(r, ctx)))
            .collect()
    };
    let default_run = run(&base_ctx);
    let mut op_runs: BTreeMap<String, Vec<(String, &Value, Evaluation)>> = BTreeMap::new();
    for r in &test.results {
        if let Some(op) = &r.operation
            && !op_runs.contains_key(op)
        {
            let ctx = EvalContext {
                operation: Operation::parse(op),
                operation_text: Some(op.clone()),
                ..base_ctx.clone()
            };
            op_runs.insert(op.clone(), run(&ctx));
        }
    }

    let skipped: BTreeMap<&str, &str> = engine
        .skipped()
        .iter()
        .map(|s| (s.policy.as_str(), s.reason.as_str()))
        .collect();
    let mut rows = Vec::new();
    let mut unsupported_feature: Option<String> = None;
    for entry in &test.results {
        let run = entry
            .operation
            .as_ref()
            .and_then(|op| op_runs.get(op))
            .unwrap_or(&default_run);
        let selected = select_resources(entry, run);
        let policy_name = entry.policy.rsplit('/').next().unwrap_or(&entry.policy);
        let rule = entry.rule.as_deref().unwrap_or("");
        for (key, _res, eval) in selected {
            let responses: Vec<_> = eval
                .responses
                .iter()
                .filter(|r| r.name == policy_name)
                .collect();
            if responses.is_empty() {
                let qualified = entry.policy.as_str();
                let invalid = skipped.get(qualified).or_else(|| skipped.get(policy_name));
                rows.push(match invalid {
                    Some(reason) => row(
                        entry,
                        rule,
                        key,
                        "skip",
                        true,
                        "Invalid Policy",
                        reason,
                        true,
                    ),
                    None => row(entry, rule, key, "not found", false, "Not found", "", false),
                });
                continue;
            }
            for resp in responses {
                let mut produced = false;
                for result in resp
                    .results
                    .iter()
                    .filter(|r| rule.is_empty() || autogen::is_variant_of(&r.rule, rule))
                {
                    produced = true;
                    if let Some(feature) = result.message.strip_prefix("unsupported: ") {
                        unsupported_feature.get_or_insert_with(|| feature.to_owned());
                    }
                    let actual = result.status.as_str();
                    let passed = actual == entry.result;
                    let reason = if passed {
                        "Ok".to_owned()
                    } else {
                        format!("Want {}, got {actual}", entry.result)
                    };
                    let mut r = row(
                        entry,
                        &result.rule,
                        key,
                        actual,
                        passed,
                        &reason,
                        &result.message,
                        passed && entry.result == "skip",
                    );
                    r.rule = result.rule.to_string();
                    rows.push(r);
                }
                if !produced {
                    rows.push(row(
                        entry, rule, key, "excluded", true, "Excluded", "", true,
                    ));
                }
            }
        }
    }
    let status = if let Some(f) = &unsupported_feature {
        return SuiteOutcome {
            status: SuiteStatus::Unsupported,
            reason: Some(format!("unsupported: {f}")),
            rows,
        };
    } else if rows.iter().all(|r| r.passed) {
        SuiteStatus::Pass
    } else {
        SuiteStatus::Fail
    };
    SuiteOutcome {
        status,
        reason: None,
        rows,
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    entry: &TestResult,
    rule: &str,
    resource: &str,
    actual: &str,
    passed: bool,
    reason: &str,
    message: &str,
    skip_counter: bool,
) -> Row {
    Row {
        policy: entry.policy.clone(),
        rule: rule.to_owned(),
        resource: resource.to_owned(),
        kind: entry.kind.clone().unwrap_or_default(),
        expected: entry.result.clone(),
        actual: actual.to_owned(),
        passed,
        reason: capitalize(reason),
        message: message.to_owned(),
        skip_counter,
    }
}

fn unsupported(feature: &str) -> SuiteOutcome {
    SuiteOutcome {
        status: SuiteStatus::Unsupported,
        reason: Some(format!("unsupported: {feature}")),
        rows: Vec::new(),
    }
}

/// CLI-6.2.
fn select_resources<'r, 'v>(
    entry: &TestResult,
    run: &'r [(String, &'v Value, Evaluation)],
) -> Vec<(&'r str, &'v Value, &'r Evaluation)> {
    let mut picked: Vec<usize> = Vec::new();
    for name in &entry.resources {
        for (i, (_, v, _)) in run.iter().enumerate() {
            let r = ResourceRef::new(v);
            let hit = match name.split_once('/') {
                Some((ns, n)) => r.namespace() == ns && r.name() == n,
                None => r.name() == name,
            };
            if hit && !picked.contains(&i) {
                picked.push(i);
            }
        }
    }
    for spec in &entry.resource_specs {
        let gv = if spec.group.is_empty() {
            spec.version.clone()
        } else {
            format!("{}/{}", spec.group, spec.version)
        };
        for (i, (_, v, _)) in run.iter().enumerate() {
            let r = ResourceRef::new(v);
            let hit = r.api_version() == gv
                && r.kind() == spec.kind
                && r.namespace() == spec.namespace
                && r.name() == spec.name;
            if hit && !picked.contains(&i) {
                picked.push(i);
            }
        }
    }
    // CLI-6.2: nothing selected (no names, or none exists) → every resource of the run.
    if picked.is_empty() {
        picked = (0..run.len()).collect();
    }
    picked
        .into_iter()
        .filter_map(|i| run.get(i))
        .map(|(k, v, e)| (k.as_str(), *v, e))
        .collect()
}

/// Kyverno's summary counters (CLI-6.10): (pass, skip, fail).
pub fn counters(rows: &[Row]) -> (usize, usize, usize) {
    let pass = rows.iter().filter(|r| r.passed && !r.skip_counter).count();
    let skip = rows.iter().filter(|r| r.passed && r.skip_counter).count();
    let fail = rows.iter().filter(|r| !r.passed).count();
    (pass, skip, fail)
}

/// Whether a status string is one Kyverno accepts as an expected result.
pub fn is_known_result(s: &str) -> bool {
    RuleStatus::parse(s).is_some()
}
