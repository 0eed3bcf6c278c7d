//! The engine: compiled policies, the per-rule pipeline (MR-2), validate handlers (MR-7),
//! foreach (MR-7.4), exceptions (MR-11) and the UPDATE re-evaluation (MR-7.3).

use std::borrow::Cow;
use std::cell::Cell;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use policy_model::exception::KyvernoException;
use policy_model::policy::{
    Conditions, ContextEntry, FailureActionOverride, ForEachValidation, PodSecurityExclude, Rule,
    Validation,
};
use policy_model::validate::{ProblemSeverity, validate_policy};
use policy_model::{
    FailureAction, KyvernoPolicy, ResourceId, ResourceRef, RuleResult, RuleStatus, SmolStr,
};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

use crate::autogen::{self, ExpandedRules};
use crate::conditions;
use crate::context::{EvalContext, Operation, apply_values, images};
use crate::label::RuleLabel;
use crate::matching::{self, MatchSubject, RequestUser};
use crate::pattern;
use crate::variables::{self, Resolver, VarError};
use policy_jmespath::FnEnv;
use policy_jmespath::{Expression, JmesError};
use policy_model::wildcard;

/// A policy the engine will not evaluate, with the reason (Kyverno's "skipped policies",
/// CLI-5.2, CLI-6.9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedPolicy {
    /// The policy name as reported.
    pub policy: String,
    /// Why it is invalid.
    pub reason: String,
}

/// The engine could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Two policies share a name.
    #[error("duplicate policy `{0}`")]
    DuplicatePolicy(String),
}

struct CompiledPolicy {
    policy: KyvernoPolicy,
    /// The names and annotations every result of the policy carries, shared (O(1) clones).
    qualified: SmolStr,
    name: SmolStr,
    category: Option<SmolStr>,
    severity: Option<SmolStr>,
    scored: bool,
    rules: ExpandedRules,
    /// Per expanded rule: its name and pass messages.
    labels: Vec<RuleLabel>,
    /// Per expanded rule: its patterns compiled once, when they hold no variables.
    patterns: Vec<Option<RulePatterns>>,
    /// Per expanded rule: the kinds its `match` can select, when known statically (the
    /// by-kind index: other kinds skip the rule without matching).
    kinds: Vec<Option<BTreeSet<String>>>,
    /// The policy mentions `images` (CV-11.8): only then is the variable built.
    uses_images: bool,
    has_validate: bool,
    has_mutate: bool,
    has_generate: bool,
    has_verify_images: bool,
}

/// A rule's precompiled `pattern` / `anyPattern`.
struct RulePatterns {
    pattern: Option<pattern::CompiledPattern>,
    any: Option<Vec<pattern::CompiledPattern>>,
}

fn compile_patterns(rule: &Rule) -> Option<RulePatterns> {
    let v = rule.validate.as_ref()?;
    let static_value = |p: &Value| !value_has_variables(p) && !value_has_references(p);
    let pattern = v
        .pattern
        .as_ref()
        .filter(|p| static_value(p))
        .and_then(|p| pattern::CompiledPattern::compile(p).ok());
    let any = match &v.any_pattern {
        Some(Value::Array(items)) if items.iter().all(static_value) => items
            .iter()
            .map(|p| pattern::CompiledPattern::compile(p).ok())
            .collect::<Option<Vec<_>>>(),
        _ => None,
    };
    (pattern.is_some() || any.is_some()).then_some(RulePatterns { pattern, any })
}

/// The kinds a rule's `match` can select, when every filter names plain kinds.
fn kind_index(rule: &Rule) -> Option<BTreeSet<String>> {
    let filters = rule.match_.filters();
    if filters.is_empty() {
        return None;
    }
    let mut out = BTreeSet::new();
    for (_, _, f) in filters {
        let rd = f.resources?;
        if rd.kinds.is_empty() {
            return None;
        }
        for k in &rd.kinds {
            let sel = crate::matching::KindSelector::parse(k);
            if wildcard::has_wildcard(&sel.kind) {
                return None;
            }
            out.insert(sel.kind);
        }
    }
    Some(out)
}

/// Per policy (in policy order), the indices of the expanded rules to visit.
type Plan = Vec<Vec<usize>>;

struct Inner {
    policies: Vec<CompiledPolicy>,
    /// The rule index by kind, built once: for each kind some rule names, per policy, the
    /// expanded rules (indices into `rules.rules`) that can apply to a resource of that kind
    /// (its `match` kinds and its autogen variant decided at build time).
    by_kind: HashMap<String, Plan>,
    /// For any other kind: per policy, the rules whose kinds are not known statically
    /// (wildcards); their variant is still checked per resource.
    other_kinds: Plan,
    exceptions: Vec<KyvernoException>,
    /// Exceptions not in force (expired, invalid), with the reason: they exempt nothing,
    /// they only annotate the results they would have exempted.
    not_in_force: Vec<(KyvernoException, String)>,
    skipped: Vec<SkippedPolicy>,
    expressions: HashMap<String, Expression>,
}

/// The policy engine: immutable, `Send + Sync`, cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policies", &self.inner.policies.len())
            .field("skipped", &self.inner.skipped)
            .finish()
    }
}

/// Builds an [`Engine`].
#[derive(Clone, Debug, Default)]
pub struct EngineBuilder {
    policies: Vec<KyvernoPolicy>,
    exceptions: Vec<KyvernoException>,
    not_in_force: Vec<(KyvernoException, String)>,
}

impl EngineBuilder {
    /// Adds policies (evaluated in the order given).
    #[must_use]
    pub fn policies(mut self, policies: impl IntoIterator<Item = KyvernoPolicy>) -> Self {
        self.policies.extend(policies);
        self
    }

    /// Adds `kyverno.io/v2` PolicyExceptions (all are in force; policy-exceptions decides
    /// which to pass).
    #[must_use]
    pub fn exceptions(mut self, exceptions: impl IntoIterator<Item = KyvernoException>) -> Self {
        self.exceptions.extend(exceptions);
        self
    }

    /// Adds `kyverno.io/v2` PolicyExceptions that are *not* in force (expired or invalid,
    /// see `policy_exceptions::in_force`), each with its reason (`expired at <time>`). They
    /// exempt nothing: a rule result they would have exempted keeps its status and gets the
    /// property `expiredExceptions: "<ns/name> <reason>"` (`; `-separated).
    #[must_use]
    pub fn exceptions_not_in_force(
        mut self,
        exceptions: impl IntoIterator<Item = (KyvernoException, String)>,
    ) -> Self {
        self.not_in_force.extend(exceptions);
        self
    }

    /// Validates and compiles everything once.
    pub fn build(self) -> Result<Engine, BuildError> {
        let mut policies = Vec::new();
        let mut skipped = Vec::new();
        let mut expressions = HashMap::new();
        for policy in self.policies {
            let qualified = policy.qualified_name();
            let problems: Vec<_> = validate_policy(&policy)
                .into_iter()
                .filter(|p| p.severity == ProblemSeverity::Error)
                .collect();
            if let Some(p) = problems.first() {
                skipped.push(SkippedPolicy {
                    policy: qualified,
                    reason: format!("{}: {}", p.path, p.message),
                });
                continue;
            }
            // Precompile every `{{ }}` expression of the policy (MR-12: invalid JMESPath makes
            // the policy invalid).
            let text = serde_json::to_string(&policy.spec).unwrap_or_default();
            let mut bad = None;
            collect_expressions(
                &serde_json::to_value(&policy.spec).unwrap_or(Value::Null),
                &mut |e| {
                    if expressions.contains_key(e) {
                        return;
                    }
                    match Expression::compile(e) {
                        Ok(c) => {
                            expressions.insert(e.to_owned(), c);
                        }
                        Err(err) => {
                            if bad.is_none() {
                                bad = Some(format!("invalid JMESPath `{e}`: {err}"));
                            }
                        }
                    }
                },
            );
            if let Some(reason) = bad {
                skipped.push(SkippedPolicy {
                    policy: qualified,
                    reason,
                });
                continue;
            }
            let rules = autogen::expand(&policy);
            let spec_rules = &policy.spec.rules;
            let patterns = rules
                .rules
                .iter()
                .map(|(r, _)| compile_patterns(r))
                .collect();
            let kinds = rules.rules.iter().map(|(r, _)| kind_index(r)).collect();
            let labels = rules
                .rules
                .iter()
                .map(|(r, _)| {
                    let any = r.validate.as_ref().and_then(|v| v.any_pattern.as_ref());
                    RuleLabel::new(&r.name, any.and_then(Value::as_array).map_or(0, Vec::len))
                })
                .collect();
            let uses_images = text.contains("images");
            let ann = policy.annotations();
            policies.push(CompiledPolicy {
                name: SmolStr::new(policy.name()),
                category: ann.category().map(SmolStr::new),
                severity: ann.severity_raw().map(SmolStr::new),
                scored: ann.scored(),
                labels,
                patterns,
                kinds,
                uses_images,
                has_validate: spec_rules.iter().any(|r| r.validate.is_some()),
                has_mutate: spec_rules.iter().any(|r| r.mutate.is_some()),
                has_generate: spec_rules.iter().any(|r| r.generate.is_some()),
                has_verify_images: spec_rules.iter().any(|r| r.verify_images.is_some()),
                qualified: qualified.into(),
                rules,
                policy,
            });
        }
        let (by_kind, other_kinds) = kind_plan(&policies);
        Ok(Engine {
            inner: Arc::new(Inner {
                by_kind,
                other_kinds,
                policies,
                exceptions: self.exceptions,
                not_in_force: self.not_in_force,
                skipped,
                expressions,
            }),
        })
    }
}

/// The rule index by kind (`Inner::by_kind`, `Inner::other_kinds`).
fn kind_plan(policies: &[CompiledPolicy]) -> (HashMap<String, Plan>, Plan) {
    let mut known: BTreeSet<&str> = BTreeSet::new();
    for p in policies {
        known.extend(p.kinds.iter().flatten().flatten().map(String::as_str));
        known.extend(p.rules.controllers.iter().map(String::as_str));
    }
    let plan = |kind: &str| -> Plan {
        policies
            .iter()
            .map(|p| {
                let rules = p.rules.rules.iter().zip(&p.kinds).enumerate();
                rules
                    .filter(|(_, ((_, variant), kinds))| {
                        kinds.as_ref().is_none_or(|k| k.contains(kind))
                            && p.rules.applies(*variant, kind)
                    })
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect()
    };
    let by_kind = known.iter().map(|k| ((*k).to_owned(), plan(k))).collect();
    let other = policies
        .iter()
        .map(|p| {
            let kinds = p.kinds.iter().enumerate();
            kinds.filter(|(_, k)| k.is_none()).map(|(i, _)| i).collect()
        })
        .collect();
    (by_kind, other)
}

fn collect_expressions(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => {
            for e in variables::expressions(s) {
                f(&e);
            }
        }
        Value::Array(items) => items.iter().for_each(|x| collect_expressions(x, f)),
        Value::Object(m) => {
            for (k, x) in m {
                for e in variables::expressions(k) {
                    f(&e);
                }
                collect_expressions(x, f);
            }
        }
        _ => {}
    }
}

/// The results of one policy on one resource (one "engine response").
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyResponse {
    /// The policy as reported (`<ns>/<name>` for a namespaced Policy).
    pub policy: SmolStr,
    /// The policy's plain name.
    pub name: SmolStr,
    /// Which stage produced it (validate, mutate, generate).
    pub stage: Stage,
    /// Rule results, in rule order. Rules that did not match have no result.
    pub results: Vec<RuleResult>,
}

/// The pipeline stage of a response (CLI-5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Mutate rules.
    Mutate,
    /// Validate rules.
    Validate,
    /// Generate rules.
    Generate,
    /// verifyImages rules.
    VerifyImages,
}

/// Everything the engine says about one resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The resource.
    pub resource: ResourceId,
    /// One response per policy and stage, in policy order.
    pub responses: Vec<PolicyResponse>,
}

impl Evaluation {
    /// Every rule result, in order.
    pub fn results(&self) -> impl Iterator<Item = &RuleResult> {
        self.responses.iter().flat_map(|r| r.results.iter())
    }
}

impl Engine {
    /// Starts a builder.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Policies that failed validation and are not evaluated.
    pub fn skipped(&self) -> &[SkippedPolicy] {
        &self.inner.skipped
    }

    /// The number of rules of the evaluated policies, autogen variants included (what
    /// `kyverno apply` announces, CLI-9.5).
    pub fn rule_count(&self) -> usize {
        self.inner
            .policies
            .iter()
            .map(|p| p.rules.rules.len())
            .sum()
    }

    /// Names of the evaluated policies, in order.
    pub fn policy_names(&self) -> impl Iterator<Item = &str> {
        self.inner.policies.iter().map(|p| p.qualified.as_str())
    }

    /// Evaluates every policy against one resource. Pure: everything comes from `ctx`.
    pub fn evaluate(&self, resource: &Value, ctx: &EvalContext) -> Evaluation {
        let mut responses = Vec::with_capacity(self.inner.policies.len());
        let mut run = Run::new(&self.inner, resource, ctx);
        for (index, p) in self.inner.policies.iter().enumerate() {
            if p.has_mutate {
                responses.push(run.policy_response(index, p, Stage::Mutate));
            }
            if p.has_verify_images {
                responses.push(run.policy_response(index, p, Stage::VerifyImages));
            }
            if p.has_validate {
                responses.push(run.policy_response(index, p, Stage::Validate));
            }
            if p.has_generate {
                let r = run.policy_response(index, p, Stage::Generate);
                // CLI-5.5: a generate policy responds only when a rule produced a result.
                if !r.results.is_empty() {
                    responses.push(r);
                }
            }
        }
        Evaluation {
            resource: run.id,
            responses,
        }
    }

    /// Evaluates many resources on all cores; results are in input order.
    pub fn evaluate_batch(&self, resources: &[Value], ctx: &EvalContext) -> Vec<Evaluation> {
        resources
            .par_iter()
            .map(|r| self.evaluate(r, ctx))
            .collect()
    }
}

/// One resource's evaluation state.
struct Run<'a> {
    inner: &'a Inner,
    resource: &'a Value,
    ctx: &'a EvalContext,
    env: FnEnv,
    namespace: &'a str,
    kind: &'a str,
    name: &'a str,
    /// The resource's identity, computed once.
    id: ResourceId,
    /// The operation for the current policy (values may set it per policy and resource).
    op: Operation,
    op_text: std::borrow::Cow<'a, str>,
    /// The resource's matching inputs, read once (the operation is set per policy).
    subject: MatchSubject<'a>,
    /// Per policy, the rules that can apply to the resource's kind (`Inner::by_kind`).
    plan: &'a [Vec<usize>],
    /// `plan` came from `by_kind`: the rules' variants are already checked for this kind.
    plan_exact: bool,
}

const UNSUPPORTED: &str = "unsupported: ";

fn fn_env(ctx: &EvalContext) -> FnEnv {
    let now = ctx
        .now
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| jiff::Timestamp::from_second(i64::try_from(d.as_secs()).unwrap_or(0)).ok())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    FnEnv {
        now,
        seed: ctx.seed,
    }
}

impl<'a> Run<'a> {
    fn new(inner: &'a Inner, resource: &'a Value, ctx: &'a EvalContext) -> Self {
        let r = ResourceRef::new(resource);
        let (plan, plan_exact) = match inner.by_kind.get(r.kind()) {
            Some(plan) => (plan.as_slice(), true),
            None => (inner.other_kinds.as_slice(), false),
        };
        let op_text = match &ctx.operation_text {
            Some(t) => std::borrow::Cow::Borrowed(t.as_str()),
            None => std::borrow::Cow::Borrowed(ctx.operation.as_str()),
        };
        Self {
            inner,
            resource,
            ctx,
            env: fn_env(ctx),
            namespace: r.namespace(),
            kind: r.kind(),
            name: r.name(),
            op: ctx.operation,
            op_text,
            id: r.id(),
            subject: MatchSubject::of(resource, "", None, ctx.user.as_ref()),
            plan,
            plan_exact,
        }
    }

    fn operation_text(&self) -> std::borrow::Cow<'a, str> {
        self.op_text.clone()
    }

    /// CLI-3: the simulated operation comes from the merged values (global, the resource's,
    /// `--set`) unless the run forces one.
    fn set_policy_operation(&mut self, policy: &KyvernoPolicy) {
        if let Some(t) = &self.ctx.operation_text {
            self.op = Operation::parse(t);
            self.op_text = std::borrow::Cow::Borrowed(t.as_str());
            return;
        }
        let mut found: Option<&Value> = None;
        if let Some(values) = &self.ctx.values {
            found = values.global_values.get("request.operation").or(found);
            for pv in values.policies.iter().filter(|p| p.name == policy.name()) {
                for rv in pv.resources.iter().filter(|r| r.name == self.name) {
                    found = rv.values.get("request.operation").or(found);
                }
            }
        }
        found = self.ctx.set_values.get("request.operation").or(found);
        match found.and_then(Value::as_str) {
            Some(t) => {
                self.op = Operation::parse(t);
                self.op_text = std::borrow::Cow::Owned(t.to_owned());
            }
            None => {
                self.op = self.ctx.operation;
                self.op_text = std::borrow::Cow::Borrowed(self.ctx.operation.as_str());
            }
        }
    }

    /// The JSON context for one (policy, resource) pair (CV-11, CV-13.2).
    fn base_context(&self, compiled: &CompiledPolicy) -> Value {
        let policy = &compiled.policy;
        let mut request = Map::new();
        match self.op {
            Operation::Delete => {
                request.insert("oldObject".into(), self.resource.clone());
            }
            Operation::Update => {
                request.insert("object".into(), self.resource.clone());
                request.insert("oldObject".into(), self.resource.clone());
            }
            Operation::Create => {
                request.insert("object".into(), self.resource.clone());
            }
        }
        request.insert(
            "operation".into(),
            Value::from(self.operation_text().into_owned()),
        );
        request.insert("namespace".into(), Value::from(self.namespace));
        let mut root = Map::new();
        if let Some(user) = &self.ctx.user {
            request.insert(
                "userInfo".into(),
                json!({"username": user.username, "uid": user.uid, "groups": user.groups, "extra": user.extra}),
            );
            request.insert("roles".into(), json!(user.roles));
            request.insert("clusterRoles".into(), json!(user.cluster_roles));
            let (sa_ns, sa_name) = user
                .username
                .strip_prefix("system:serviceaccount:")
                .and_then(|r| r.split_once(':'))
                .unwrap_or(("", ""));
            root.insert("serviceAccountName".into(), Value::from(sa_name));
            root.insert("serviceAccountNamespace".into(), Value::from(sa_ns));
        }
        root.insert("request".into(), Value::Object(request));
        if compiled.uses_images
            && let Some(imgs) = images(self.resource)
        {
            root.insert("images".into(), imgs);
        }
        let mut ctx = Value::Object(root);
        if let Some(values) = &self.ctx.values {
            apply_values(&mut ctx, &values.global_values);
            for pv in values.policies.iter().filter(|p| p.name == policy.name()) {
                for rv in pv.resources.iter().filter(|r| r.name == self.name) {
                    apply_values(&mut ctx, &rv.values);
                }
            }
        }
        apply_values(&mut ctx, &self.ctx.set_values);
        ctx
    }

    fn rule_values(&self, policy: &KyvernoPolicy, rule: &str) -> Option<&'a Map<String, Value>> {
        let values = self.ctx.values.as_ref()?;
        let base = policy_model::kinds::autogen::base_rule(rule);
        values
            .policies
            .iter()
            .filter(|p| p.name == policy.name())
            .flat_map(|p| p.rules.iter())
            .find(|r| r.name == rule || r.name == base)
            .map(|r| &r.values)
    }

    fn foreach_values(&self, policy: &KyvernoPolicy, rule: &str) -> Map<String, Value> {
        let Some(values) = self.ctx.values.as_ref() else {
            return Map::new();
        };
        let base = policy_model::kinds::autogen::base_rule(rule);
        let mut out = Map::new();
        for r in values
            .policies
            .iter()
            .filter(|p| p.name == policy.name())
            .flat_map(|p| p.rules.iter())
        {
            if r.name == rule || r.name == base {
                for (k, v) in &r.foreach_values {
                    // CV-13.5: only the first item is ever used.
                    let first = match v {
                        Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                        other => other.clone(),
                    };
                    out.insert(k.clone(), first);
                }
            }
        }
        out
    }

    fn namespace_labels(&self) -> Option<&'a BTreeMap<String, String>> {
        let ns = if self.kind == "Namespace" {
            self.name
        } else {
            self.namespace
        };
        self.ctx.namespace_labels.get(ns)
    }

    fn policy_response(
        &mut self,
        policy_index: usize,
        p: &'a CompiledPolicy,
        stage: Stage,
    ) -> PolicyResponse {
        let mut results = Vec::new();
        let policy = &p.policy;
        self.set_policy_operation(policy);
        let response = |results| PolicyResponse {
            policy: p.qualified.clone(),
            name: p.name.clone(),
            stage,
            results,
        };
        // MR-1.1: a namespaced Policy sees only resources of its namespace.
        if policy.scope() == policy_model::policy::PolicyScope::Namespaced {
            let pns = policy
                .metadata
                .namespace
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or("default");
            if self.namespace.is_empty() || self.namespace != pns {
                return response(results);
            }
        }
        let op = self.operation_text();
        let subject = MatchSubject {
            operation: &op,
            namespace_labels: self.namespace_labels(),
            ..self.subject.clone()
        };
        // Rules indexed by kind: only the rules that can apply to this kind are visited.
        let candidates = self.plan.get(policy_index).map_or(&[][..], Vec::as_slice);
        for &index in candidates {
            let (Some((rule, variant)), Some(label)) =
                (p.rules.rules.get(index), p.labels.get(index))
            else {
                continue;
            };
            let in_stage = match stage {
                Stage::Validate => rule.validate.is_some(),
                Stage::Mutate => rule.mutate.is_some(),
                Stage::Generate => rule.generate.is_some(),
                Stage::VerifyImages => rule.verify_images.is_some(),
            };
            if !in_stage || (!self.plan_exact && !p.rules.applies(*variant, self.kind)) {
                continue;
            }
            if !matching::rule_applies(&rule.match_, rule.exclude.as_ref(), &subject) {
                continue;
            }
            let Some(result) = self.evaluate_rule(p, index, label, rule, stage) else {
                continue;
            };
            let stop = policy.spec.apply_rules.as_deref() == Some("One")
                && matches!(result.status, RuleStatus::Pass | RuleStatus::Fail);
            results.push(result);
            if stop {
                break;
            }
        }
        response(results)
    }

    fn result(
        &self,
        p: &CompiledPolicy,
        label: &RuleLabel,
        rule: &Rule,
        status: RuleStatus,
        message: SmolStr,
    ) -> RuleResult {
        // CLI-6.6 / CLI-9.4: an unscored policy's failures are warnings.
        let status = if status == RuleStatus::Fail && !p.scored {
            RuleStatus::Warn
        } else {
            status
        };
        RuleResult {
            policy: p.qualified.clone(),
            rule: label.name().clone(),
            resource: self.id.clone(),
            status,
            message,
            mode: self.effective_action(&p.policy, rule),
            path: None,
            exceptions: Vec::new(),
            properties: BTreeMap::new(),
            category: p.category.clone(),
            severity: p.severity.clone(),
            scored: p.scored,
        }
    }

    fn override_matches(&self, o: &FailureActionOverride) -> bool {
        let ns_ok = o.namespaces.is_empty()
            || o.namespaces
                .iter()
                .any(|n| wildcard::matches(n, self.namespace));
        let sel_ok = o.namespace_selector.as_ref().is_none_or(|sel| {
            let labels: BTreeMap<&str, &str> = self
                .ctx
                .namespace_labels
                .get(self.namespace)
                .map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
                .unwrap_or_default();
            matching::selector_matches(sel, &labels)
        });
        ns_ok && sel_ok && matches!(o.action.as_str(), "Audit" | "Enforce" | "audit" | "enforce")
    }

    /// MR-7.2.4: the effective action of one rule.
    fn effective_action(&self, policy: &KyvernoPolicy, rule: &Rule) -> FailureAction {
        if let Some(v) = &rule.validate {
            if let Some(o) = v
                .failure_action_overrides
                .iter()
                .flatten()
                .find(|o| self.override_matches(o))
            {
                return FailureAction::from_kyverno(&o.action);
            }
            if let Some(a) = &v.failure_action {
                return FailureAction::from_kyverno(a);
            }
        }
        if let Some(o) = policy
            .spec
            .validation_failure_action_overrides
            .iter()
            .flatten()
            .find(|o| self.override_matches(o))
        {
            return FailureAction::from_kyverno(&o.action);
        }
        policy.validation_failure_action()
    }

    fn evaluate_rule(
        &self,
        p: &CompiledPolicy,
        index: usize,
        label: &RuleLabel,
        rule: &Rule,
        stage: Stage,
    ) -> Option<RuleResult> {
        let unsupported = match stage {
            Stage::Mutate => Some("mutate"),
            Stage::Generate => Some("generate"),
            Stage::VerifyImages => Some("verifyImages"),
            Stage::Validate => None,
        };
        if let Some(feature) = unsupported {
            return Some(self.result(
                p,
                label,
                rule,
                RuleStatus::Error,
                format!("{UNSUPPORTED}{feature}").into(),
            ));
        }
        let first = self.evaluate_validate(p, index, label, rule, None)?;
        // MR-7.3: UPDATE with pre-existing violations.
        let is_pss = rule
            .validate
            .as_ref()
            .is_some_and(|v| v.pod_security.is_some());
        if self.op == Operation::Update && (first.status == RuleStatus::Fail || is_pss) {
            let action = rule
                .validate
                .as_ref()
                .and_then(|v| v.failure_action.as_deref())
                .map_or_else(
                    || p.policy.validation_failure_action(),
                    FailureAction::from_kyverno,
                );
            let allow = rule
                .validate
                .as_ref()
                .and_then(|v| v.allow_existing_violations)
                .unwrap_or(true);
            if action == FailureAction::Enforce && allow {
                let base_ctx = self.base_context(p);
                let old_status = self.evaluate_as_create_on_old(p, index, label, rule, &base_ctx);
                // MR-7.3.3: for PSS, equal statuses other than pass become skip; otherwise a
                // fail on both objects becomes skip.
                let pre_existing = if is_pss {
                    old_status == first.status && first.status != RuleStatus::Pass
                } else {
                    old_status == RuleStatus::Fail
                };
                if pre_existing {
                    return Some(self.result(
                        p,
                        label,
                        rule,
                        RuleStatus::Skip,
                        SmolStr::new_static(
                            "skipping the rule evaluation as pre-existing violations are allowed",
                        ),
                    ));
                }
            }
        }
        Some(first)
    }

    /// MR-7.3.1: the rule against the old object, as a CREATE.
    fn evaluate_as_create_on_old(
        &self,
        p: &CompiledPolicy,
        index: usize,
        label: &RuleLabel,
        rule: &Rule,
        base_ctx: &Value,
    ) -> RuleStatus {
        let old = base_ctx
            .pointer("/request/oldObject")
            .cloned()
            .unwrap_or(Value::Null);
        let dummy = RequestUser {
            username: "placeholder-user".into(),
            groups: vec!["placeholder-group".into()],
            roles: vec!["placeholder:role".into()],
            cluster_roles: vec!["placeholder-clusterrole".into()],
            ..RequestUser::default()
        };
        let subject = MatchSubject::of(&old, "CREATE", self.namespace_labels(), Some(&dummy));
        if !matching::rule_applies(&rule.match_, rule.exclude.as_ref(), &subject) {
            return RuleStatus::Skip;
        }
        let mut ctx = base_ctx.clone();
        if let Some(req) = ctx.get_mut("request").and_then(Value::as_object_mut) {
            req.insert("operation".into(), Value::from("CREATE"));
            req.insert("object".into(), old);
            req.insert("oldObject".into(), Value::Null);
        }
        self.evaluate_validate(p, index, label, rule, Some(ctx))
            .map_or(RuleStatus::Skip, |r| r.status)
    }

    /// `preset`: a ready context (the MR-7.3 re-evaluation); otherwise the context is built
    /// lazily, only if the rule reads it.
    fn evaluate_validate(
        &self,
        p: &CompiledPolicy,
        index: usize,
        label: &RuleLabel,
        rule: &Rule,
        preset: Option<Value>,
    ) -> Option<RuleResult> {
        let mut resolver = ContextResolver::new(self, p, preset);
        resolver.rule_values = self.rule_values(&p.policy, &rule.name);
        if resolver.preset
            && let Some(values) = resolver.rule_values
        {
            apply_values(&mut resolver.data.borrow_mut(), values);
        }
        resolver.foreach_values = self.foreach_values(&p.policy, &rule.name);
        resolver.load_entries(&rule.context);
        // Preconditions (CV-3.1).
        if let Some(pre) = &rule.preconditions
            && let Some((status, msg)) =
                conditions::preconditions_response(&evaluate_conditions(pre, &resolver))
        {
            return Some(self.result(p, label, rule, status, msg));
        }
        // Exceptions (MR-11).
        let matched = self.matching_exceptions(p, rule, &resolver, &self.inner.exceptions);
        // Exceptions not in force exempt nothing; the result names them.
        let not_in_force: Vec<String> = if self.inner.not_in_force.is_empty() {
            Vec::new()
        } else {
            let inactive = self.inner.not_in_force.iter().map(|(e, _)| e);
            self.matching_exceptions(p, rule, &resolver, inactive)
                .iter()
                .filter_map(|(key, e)| {
                    let (_, reason) = self
                        .inner
                        .not_in_force
                        .iter()
                        .find(|(x, _)| std::ptr::eq(x, *e))?;
                    Some(format!("{key} {reason}"))
                })
                .collect()
        };
        let note = |r: &mut RuleResult| {
            if !not_in_force.is_empty() {
                r.properties
                    .insert("expiredExceptions".into(), not_in_force.join("; "));
            }
        };
        if !matched.is_empty() {
            let keys: Vec<String> = matched.iter().map(|(k, _)| k.clone()).collect();
            let pss_exclusions: Vec<PodSecurityExclude> = matched
                .iter()
                .flat_map(|(_, e)| e.spec.pod_security.iter().cloned())
                .collect();
            let pss = rule.validate.as_ref().and_then(|v| v.pod_security.as_ref());
            // MR-8.5: an exception with podSecurity entries adds exclusions to a PSS rule.
            let (status, message, properties) = match pss {
                Some(ps) if !pss_exclusions.is_empty() => {
                    let out =
                        crate::pss::evaluate(&rule.name, ps, &pss_exclusions, &resolver.object());
                    if out.status == RuleStatus::Fail {
                        (RuleStatus::Fail, out.message.into(), out.properties)
                    } else {
                        let msg = format!(
                            "rule is skipped due to policy exceptions {}",
                            keys.join(",")
                        );
                        (RuleStatus::Skip, msg.into(), BTreeMap::new())
                    }
                }
                _ => (
                    RuleStatus::Skip,
                    format!("rule is skipped due to policy exceptions{}", keys.join(",")).into(),
                    BTreeMap::new(),
                ),
            };
            let mut r = self.result(p, label, rule, status, message);
            r.properties = properties;
            r.properties.insert("exceptions".into(), keys.join(","));
            r.exceptions = keys;
            note(&mut r);
            return Some(r);
        }
        let Some(v) = &rule.validate else {
            return Some(self.result(
                p,
                label,
                rule,
                RuleStatus::Error,
                SmolStr::new_static("rule has no validate block"),
            ));
        };
        let precompiled = p.patterns.get(index).and_then(Option::as_ref);
        let (status, message) = self.validate_body(label, rule, v, &resolver, precompiled);
        if message == NO_RESPONSE {
            return None;
        }
        let mut r = self.result(p, label, rule, status, message);
        let properties = resolver.properties.take();
        if !properties.is_empty() {
            r.properties.extend(properties);
        }
        note(&mut r);
        Some(r)
    }

    fn matching_exceptions(
        &self,
        p: &CompiledPolicy,
        rule: &Rule,
        resolver: &ContextResolver<'_>,
        exceptions: impl IntoIterator<Item = &'a KyvernoException>,
    ) -> Vec<(String, &'a KyvernoException)> {
        let mut out = Vec::new();
        let op = self.operation_text();
        let empty = RequestUser::default();
        let user = self.ctx.user.as_ref().unwrap_or(&empty);
        for ex in exceptions {
            let names_rule = ex.spec.exceptions.iter().any(|e| {
                wildcard::matches(&e.policy_name, &p.qualified)
                    && e.rule_names
                        .iter()
                        .any(|r| wildcard::matches(r, &rule.name))
            });
            if !names_rule {
                continue;
            }
            let m = &ex.spec.match_;
            if m.any.is_empty() && m.all.is_empty() {
                continue;
            }
            let subject = MatchSubject::of(self.resource, &op, self.namespace_labels(), Some(user));
            if !matching::matches(m, &subject) {
                continue;
            }
            if let Some(c) = &ex.spec.conditions {
                let held = conditions::evaluate_exception_block(c, &mut |v: &Value| {
                    substitute_if_needed(v, resolver).map_err(|e| e.to_string())
                });
                if held != Ok(true) {
                    continue;
                }
            }
            let meta = &ex.metadata;
            let key = match meta.namespace.as_deref().filter(|n| !n.is_empty()) {
                Some(ns) => format!("{ns}/{}", meta.name_or_empty()),
                None => meta.name_or_empty().to_owned(),
            };
            out.push((key, ex));
        }
        out
    }

    /// MR-7.1: the validate sub-rule, in precedence order.
    fn validate_body(
        &self,
        label: &RuleLabel,
        rule: &Rule,
        v: &Validation,
        resolver: &ContextResolver<'_>,
        precompiled: Option<&RulePatterns>,
    ) -> (RuleStatus, SmolStr) {
        if v.manifests.is_some() {
            return (
                RuleStatus::Error,
                format!("{UNSUPPORTED}validate.manifests").into(),
            );
        }
        if let Some(ps) = &v.pod_security {
            if self.op == Operation::Delete {
                // MR-8.1: on DELETE podSecurity rules produce no response.
                return (RuleStatus::Skip, SmolStr::new_static(NO_RESPONSE));
            }
            let out = crate::pss::evaluate(&rule.name, ps, &[], &resolver.object());
            *resolver.properties.borrow_mut() = out.properties;
            return (out.status, out.message.into());
        }
        if v.cel.is_some() {
            return (
                RuleStatus::Error,
                format!("{UNSUPPORTED}validate.cel").into(),
            );
        }
        if v.assert.is_some() {
            return (
                RuleStatus::Error,
                format!("{UNSUPPORTED}validate.assert").into(),
            );
        }
        if let Some(deny) = &v.deny {
            return self.deny(label, v, deny.conditions.as_ref(), resolver);
        }
        if v.pattern.is_some() || v.any_pattern.is_some() {
            if self.op == Operation::Delete {
                // MR-4: on DELETE pattern rules produce no response.
                return (RuleStatus::Skip, SmolStr::new_static(NO_RESPONSE));
            }
            let object = resolver.object();
            return self.patterns(
                label,
                v,
                v.pattern.as_ref(),
                v.any_pattern.as_ref(),
                &object,
                resolver,
                precompiled,
            );
        }
        if let Some(foreach) = &v.foreach {
            return self.foreach(label, v, foreach, resolver, 0);
        }
        (RuleStatus::Pass, label.passed())
    }

    /// `validate.message`, substituted; borrowed when it holds no variables.
    fn message<'v>(
        &self,
        v: &'v Validation,
        resolver: &ContextResolver<'_>,
    ) -> Option<Cow<'v, str>> {
        let m = v.message.as_deref()?;
        if !variables::may_change(m) {
            return Some(Cow::Borrowed(m));
        }
        match variables::substitute_str(m, resolver) {
            Ok(Value::String(s)) => Some(Cow::Owned(s)),
            Ok(other) => Some(Cow::Owned(other.to_string())),
            Err(_) => Some(Cow::Borrowed(m)),
        }
    }

    fn deny(
        &self,
        label: &RuleLabel,
        v: &Validation,
        conditions: Option<&Conditions>,
        resolver: &ContextResolver<'_>,
    ) -> (RuleStatus, SmolStr) {
        // An absent block holds (CV-1.4): `deny: {}` always denies.
        let outcome = conditions::evaluate_optional_block(conditions, &mut |v: &Value| {
            substitute_if_needed(v, resolver).map_err(|e| e.to_string())
        });
        conditions::deny_response(label, v.message.as_deref(), &outcome, &mut |m: &Value| {
            substitute_if_needed(m, resolver).map_err(|e| e.to_string())
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn patterns(
        &self,
        label: &RuleLabel,
        v: &Validation,
        pattern: Option<&Value>,
        any_pattern: Option<&Value>,
        target: &Value,
        resolver: &ContextResolver<'_>,
        precompiled: Option<&RulePatterns>,
    ) -> (RuleStatus, SmolStr) {
        let message = self.message(v, resolver);
        if let Some(cp) = precompiled.and_then(|c| c.pattern.as_ref()) {
            return pattern::pattern_outcome_response(
                label,
                message.as_deref(),
                cp.matches(target),
            );
        }
        if let Some(cps) = precompiled.and_then(|c| c.any.as_ref())
            && pattern.is_none()
        {
            return pattern::any_pattern_outcomes_response(
                label,
                message.as_deref(),
                cps.iter().map(|c| c.matches(target)),
            );
        }
        if let Some(p) = pattern {
            let p = match prepare_pattern(p, resolver) {
                Ok(p) => p,
                Err(e) => return pattern::substitution_error_response(&e),
            };
            return pattern::pattern_rule_response(label, message.as_deref(), target, &p);
        }
        if let Some(any) = any_pattern {
            let any = match prepare_pattern(any, resolver) {
                Ok(p) => p,
                Err(e) => return pattern::substitution_error_response(&e),
            };
            return pattern::any_pattern_value_response(label, message.as_deref(), target, &any);
        }
        (RuleStatus::Pass, label.passed())
    }

    /// MR-7.4.
    fn foreach(
        &self,
        label: &RuleLabel,
        v: &Validation,
        decls: &[ForEachValidation],
        resolver: &ContextResolver<'_>,
        depth: usize,
    ) -> (RuleStatus, SmolStr) {
        if depth > 16 {
            return (
                RuleStatus::Error,
                SmolStr::new_static("foreach nested too deeply"),
            );
        }
        let mut counted = 0usize;
        let mut list_error: Option<String> = None;
        let rule_foreach_values = resolver.foreach_values.clone();
        for decl in decls {
            let list = match resolver.search(&decl.list) {
                Ok(Value::Array(items)) => items,
                Ok(Value::Null) => Vec::new(),
                Ok(other) => vec![other],
                Err(VarError::NotFound(_)) => continue,
                Err(e) => {
                    list_error.get_or_insert(e.to_string());
                    continue;
                }
            };
            for (i, element) in list.into_iter().enumerate() {
                if element.is_null() {
                    continue;
                }
                resolver.ensure();
                let checkpoint = resolver.data.borrow().clone();
                resolver.set_element(depth, i, &element);
                apply_values(&mut resolver.data.borrow_mut(), &rule_foreach_values);
                if let Some(values) = resolver.rule_values {
                    apply_values(&mut resolver.data.borrow_mut(), values);
                }
                resolver.load_entries(&decl.context);
                let outcome = self.foreach_element(label, v, decl, &element, resolver, depth);
                *resolver.data.borrow_mut() = checkpoint;
                match outcome {
                    None | Some((RuleStatus::Skip, _)) => {}
                    Some((RuleStatus::Pass, _)) => counted += 1,
                    Some((status, msg)) => {
                        return (status, format!("validation failure: {msg}").into());
                    }
                }
            }
        }
        if counted == 0 {
            return match list_error {
                Some(e) => (
                    RuleStatus::Error,
                    format!("failed to evaluate list: {e}").into(),
                ),
                None => (RuleStatus::Skip, SmolStr::new_static(NO_RESPONSE)),
            };
        }
        (RuleStatus::Pass, SmolStr::new_static("rule passed"))
    }

    fn foreach_element(
        &self,
        label: &RuleLabel,
        v: &Validation,
        decl: &ForEachValidation,
        element: &Value,
        resolver: &ContextResolver<'_>,
        depth: usize,
    ) -> Option<(RuleStatus, SmolStr)> {
        if let Some(pre) = &decl.preconditions {
            match evaluate_conditions(pre, resolver) {
                Ok(o) if o.passed => {}
                // false or error → element skipped (CV-3.4)
                _ => return None,
            }
        }
        if let Some(deny) = &decl.deny {
            return Some(self.deny(label, v, deny.conditions.as_ref(), resolver));
        }
        if decl.pattern.is_some() || decl.any_pattern.is_some() {
            let target = match (decl.element_scope, element.is_object()) {
                (Some(false), _) | (None, false) => resolver.object(),
                (Some(true), false) => {
                    return Some((
                        RuleStatus::Error,
                        SmolStr::new_static(
                            "elementScope is true but the element is not an object",
                        ),
                    ));
                }
                (_, true) => Cow::Borrowed(element),
            };
            return Some(self.patterns(
                label,
                v,
                decl.pattern.as_ref(),
                decl.any_pattern.as_ref(),
                &target,
                resolver,
                None,
            ));
        }
        if let Some(nested) = &decl.foreach {
            let (status, msg) = self.foreach(label, v, nested, resolver, depth + 1);
            if msg == NO_RESPONSE {
                return None;
            }
            return Some((status, msg));
        }
        None
    }
}

/// Marker message for "no response" out of foreach (MR-7.4.4).
pub(crate) const NO_RESPONSE: &str = "\u{0}no response";

fn substitute_if_needed(v: &Value, r: &dyn Resolver) -> Result<Value, VarError> {
    if value_has_variables(v) {
        variables::substitute_value(v, r)
    } else {
        Ok(v.clone())
    }
}

/// Patterns: `$(...)` references first (CV-10.10, P-11), then `{{ }}` variables.
fn prepare_pattern(v: &Value, r: &dyn Resolver) -> Result<Value, String> {
    let resolved = if value_has_references(v) {
        pattern::resolve_references(v)?
    } else {
        v.clone()
    };
    substitute_if_needed(&resolved, r).map_err(|e| e.to_string())
}

fn value_has_references(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("$("),
        Value::Array(items) => items.iter().any(value_has_references),
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| k.contains("$(") || value_has_references(x)),
        _ => false,
    }
}

fn value_has_variables(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{"),
        Value::Array(items) => items.iter().any(value_has_variables),
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| k.contains("{{") || value_has_variables(x)),
        _ => false,
    }
}

fn evaluate_conditions(
    c: &Conditions,
    resolver: &ContextResolver<'_>,
) -> Result<conditions::BlockOutcome, String> {
    conditions::evaluate_block(c, &mut |v: &Value| {
        substitute_if_needed(v, resolver).map_err(|e| e.to_string())
    })
}

/// The JSON context of one rule evaluation, with lazily failing context entries.
struct ContextResolver<'r> {
    run: &'r Run<'r>,
    compiled: &'r CompiledPolicy,
    /// The JSON context; built on first use (`ready`), since most pattern rules never read it.
    data: RefCell<Value>,
    ready: Cell<bool>,
    /// The context was given ready-made (the MR-7.3 re-evaluation) and is authoritative.
    preset: bool,
    failed: RefCell<BTreeMap<String, String>>,
    cache: RefCell<HashMap<String, Expression>>,
    rule_values: Option<&'r Map<String, Value>>,
    foreach_values: Map<String, Value>,
    /// Report properties produced by the handler (PSS, MR-8.4).
    properties: RefCell<BTreeMap<String, String>>,
}

impl<'r> ContextResolver<'r> {
    fn new(run: &'r Run<'r>, compiled: &'r CompiledPolicy, preset: Option<Value>) -> Self {
        let is_preset = preset.is_some();
        Self {
            run,
            compiled,
            ready: Cell::new(is_preset),
            preset: is_preset,
            data: RefCell::new(preset.unwrap_or(Value::Null)),
            failed: RefCell::new(BTreeMap::new()),
            cache: RefCell::new(HashMap::new()),
            rule_values: None,
            foreach_values: Map::new(),
            properties: RefCell::new(BTreeMap::new()),
        }
    }

    /// Builds the context on first use: base context (CV-11, values CV-13.2) then the
    /// rule's values (CV-13.4).
    fn ensure(&self) {
        if self.ready.get() {
            return;
        }
        let mut ctx = self.run.base_context(self.compiled);
        if let Some(values) = self.rule_values {
            apply_values(&mut ctx, values);
        }
        *self.data.borrow_mut() = ctx;
        self.ready.set(true);
    }

    /// The object patterns are matched against. Without values that could have patched it
    /// (CV-13.3) it is the resource itself, borrowed.
    fn object(&self) -> Cow<'r, Value> {
        let values_apply = self.run.ctx.values.is_some()
            || !self.run.ctx.set_values.is_empty()
            || self.rule_values.is_some();
        if !self.preset && !values_apply {
            return Cow::Borrowed(self.run.resource);
        }
        self.ensure();
        let data = self.data.borrow();
        let key = if self.run.op == Operation::Delete {
            "/request/oldObject"
        } else {
            "/request/object"
        };
        Cow::Owned(data.pointer(key).cloned().unwrap_or(Value::Null))
    }

    fn set_element(&self, depth: usize, index: usize, element: &Value) {
        self.ensure();
        if let Value::Object(m) = &mut *self.data.borrow_mut() {
            m.insert("element".into(), element.clone());
            m.insert(format!("element{depth}"), element.clone());
            m.insert("elementIndex".into(), Value::from(index));
            m.insert(format!("elementIndex{depth}"), Value::from(index));
        }
    }

    fn set(&self, name: &str, value: Value) {
        self.ensure();
        if let Value::Object(m) = &mut *self.data.borrow_mut() {
            m.insert(name.to_owned(), value);
        }
        self.failed.borrow_mut().remove(name);
    }

    fn fail(&self, name: &str, error: String) {
        self.failed.borrow_mut().insert(name.to_owned(), error);
    }

    /// CV-14: loads context entries in order (eagerly; a failing entry fails the
    /// expressions that mention it, as Kyverno's lazy loading does).
    fn load_entries(&self, entries: &[ContextEntry]) {
        for e in entries {
            if let Some(var) = &e.variable {
                match self.load_variable(var) {
                    Ok(v) => self.set(&e.name, v),
                    Err(err) => self.fail(&e.name, err),
                }
            } else if let Some(cm) = &e.config_map {
                let ns = cm.namespace.as_deref().unwrap_or("");
                let ns = match variables::substitute_str(ns, self) {
                    Ok(Value::String(s)) => s,
                    _ => ns.to_owned(),
                };
                if let Some(obj) = self
                    .run
                    .ctx
                    .external
                    .config_maps
                    .get(&format!("{ns}/{}", cm.name))
                {
                    self.set(&e.name, obj.clone());
                }
            } else if let Some(call) = &e.api_call {
                self.load_api_call(&e.name, call);
            } else if let Some(g) = &e.global_reference
                && let Some(data) = self.run.ctx.external.global_context.get(&g.name)
            {
                let value = match &g.jmes_path {
                    Some(path) => match Expression::compile(path)
                        .and_then(|x| x.search(data, &self.run.env))
                    {
                        Ok(v) => v,
                        Err(err) => {
                            self.fail(&e.name, err.to_string());
                            continue;
                        }
                    },
                    None => data.clone(),
                };
                self.set(&e.name, value);
            }
            // imageRegistry: needs a registry; not loaded offline (CV-14.5).
        }
    }

    fn load_api_call(&self, name: &str, call: &Map<String, Value>) {
        let url = call
            .get("urlPath")
            .or_else(|| call.get("service").and_then(|s| s.get("url")))
            .and_then(Value::as_str)
            .unwrap_or("");
        let url = match variables::substitute_str(url, self) {
            Ok(Value::String(s)) => s,
            _ => url.to_owned(),
        };
        let method = call.get("method").and_then(Value::as_str).unwrap_or("GET");
        let mock = self
            .run
            .ctx
            .external
            .api_calls
            .iter()
            .find(|m| m.url == url && (m.method.is_empty() || m.method == method));
        let Some(mock) = mock else { return };
        if !(200..300).contains(&mock.status) {
            self.fail(
                name,
                format!("failed to load context entry {name}: HTTP {}", mock.status),
            );
            return;
        }
        let value = match call.get("jmesPath").and_then(Value::as_str) {
            Some(path) if !path.is_empty() => {
                match Expression::compile(path).and_then(|x| x.search(&mock.body, &self.run.env)) {
                    Ok(v) => v,
                    Err(err) => {
                        self.fail(name, err.to_string());
                        return;
                    }
                }
            }
            _ => mock.body.clone(),
        };
        self.set(name, value);
    }

    /// CV-14.2.
    fn load_variable(&self, var: &policy_model::policy::ContextVariable) -> Result<Value, String> {
        let jmes = match &var.jmes_path {
            Some(j) => match variables::substitute_str(j, self).map_err(|e| e.to_string())? {
                Value::String(s) => Some(s),
                _ => return Err("jmesPath must be a string".to_owned()),
            },
            None => None,
        };
        let default = match &var.default {
            Some(d) => Some(substitute_if_needed(d, self).map_err(|e| e.to_string())?),
            None => None,
        };
        let outcome = if let Some(value) = &var.value {
            let value = substitute_if_needed(value, self).map_err(|e| e.to_string())?;
            match &jmes {
                Some(j) => {
                    match Expression::compile(j).and_then(|x| x.search(&value, &self.run.env)) {
                        Ok(v) => Some(v),
                        Err(e) => match &default {
                            Some(d) => Some(d.clone()),
                            None => return Err(e.to_string()),
                        },
                    }
                }
                None => Some(value),
            }
        } else if let Some(j) = &jmes {
            match self.search(j) {
                Ok(Value::Null) => default.clone(),
                Ok(v) => Some(v),
                Err(e) => match &default {
                    Some(d) => Some(d.clone()),
                    None => return Err(e.to_string()),
                },
            }
        } else {
            default.clone()
        };
        match outcome {
            Some(Value::Null) | None => {
                Err("failed to add context entry since it evaluated to nil".to_owned())
            }
            Some(v) => Ok(v),
        }
    }

    fn search(&self, expr: &str) -> Result<Value, VarError> {
        let owned;
        let expr = if self.run.op == Operation::Delete && expr.contains("request.object") {
            owned = expr.replace("request.object", "request.oldObject");
            owned.as_str()
        } else {
            expr
        };
        {
            let failed = self.failed.borrow();
            if let Some((name, err)) = failed.iter().find(|(name, _)| mentions(expr, name)) {
                return Err(VarError::Failed {
                    expr: expr.to_owned(),
                    path: String::new(),
                    cause: format!("{name}: {err}"),
                });
            }
        }
        self.ensure();
        let data = self.data.borrow();
        let result = if let Some(compiled) = self.run.inner.expressions.get(expr) {
            compiled.search(&data, &self.run.env)
        } else {
            let mut cache = self.cache.borrow_mut();
            if !cache.contains_key(expr) {
                let compiled = Expression::compile(expr).map_err(|e| VarError::Failed {
                    expr: expr.to_owned(),
                    path: String::new(),
                    cause: e.to_string(),
                })?;
                cache.insert(expr.to_owned(), compiled);
            }
            match cache.get(expr) {
                Some(c) => c.search(&data, &self.run.env),
                None => Err(JmesError::Runtime("expression cache".to_owned())),
            }
        };
        result.map_err(|e| match e {
            JmesError::NotFound(key) => VarError::NotFound(key),
            other => VarError::Failed {
                expr: expr.to_owned(),
                path: String::new(),
                cause: other.to_string(),
            },
        })
    }
}

/// CV-14.1: does the expression mention the entry name (as a whole word, not after `.`)?
fn mentions(expr: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(i) = expr.get(from..).and_then(|r| r.find(name)) {
        let at = from + i;
        let before = expr.get(..at).and_then(|b| b.chars().last());
        let after = expr.get(at + name.len()..).and_then(|a| a.chars().next());
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if before.is_none_or(|c| !ident(c) && c != '.') && after.is_none_or(|c| !ident(c)) {
            return true;
        }
        from = at + name.len().max(1);
    }
    false
}

impl Resolver for ContextResolver<'_> {
    fn resolve(&self, expr: &str) -> Result<Value, VarError> {
        self.search(expr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ExternalData;
    use policy_model::testfile::ValuesSpec;
    use serde_json::json;

    fn policy(yaml: &str) -> KyvernoPolicy {
        let out = policy_model::load_str("p.yaml", yaml);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        match out.documents.into_iter().next().map(|d| d.document) {
            Some(policy_model::Document::Policy(p)) => *p,
            _ => panic!("policy expected"),
        }
    }

    fn values(yaml: &str) -> Arc<ValuesSpec> {
        let docs = policy_model::load_typed::<policy_model::Values>("v.yaml", yaml).unwrap();
        Arc::new(docs.into_iter().next().unwrap().0.into_spec())
    }

    fn run(
        p: &KyvernoPolicy,
        resource: &Value,
        ctx: &EvalContext,
    ) -> Vec<(String, RuleStatus, String)> {
        let engine = Engine::builder().policies([p.clone()]).build().unwrap();
        assert!(engine.skipped().is_empty(), "{:?}", engine.skipped());
        engine
            .evaluate(resource, ctx)
            .results()
            .map(|r| (r.rule.to_string(), r.status, r.message.to_string()))
            .collect()
    }

    fn pod(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"},
               "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}})
    }

    const DENY_ON: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  background: false\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n";

    fn deny_policy(context: &str, key: &str, value: &str) -> KyvernoPolicy {
        policy(&format!(
            "{DENY_ON}{context}    validate:\n      message: m\n      deny:\n        conditions:\n          any:\n          - key: \"{key}\"\n            operator: Equals\n            value: \"{value}\"\n"
        ))
    }

    #[test]
    fn values_order_cv_13_2() {
        // global values, then the resource's values (by name), then --set.
        let p = deny_policy("", "{{ team }}", "red");
        let v = values(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\nglobalValues: {team: blue}\npolicies:\n- name: p\n  resources:\n  - name: a\n    values: {team: red}\n",
        );
        let ctx = EvalContext {
            values: Some(v),
            ..EvalContext::default()
        };
        assert_eq!(
            run(&p, &pod("a"), &ctx)[0].1,
            RuleStatus::Fail,
            "resource values win over global values"
        );
        assert_eq!(
            run(&p, &pod("b"), &ctx)[0].1,
            RuleStatus::Pass,
            "other resources see the global value"
        );
        let mut set = Map::new();
        set.insert("team".into(), json!("green"));
        let ctx = EvalContext {
            set_values: set,
            ..ctx
        };
        assert_eq!(
            run(&p, &pod("a"), &ctx)[0].1,
            RuleStatus::Pass,
            "--set wins over everything"
        );
    }

    #[test]
    fn values_patch_the_request_cv_13_3() {
        let p = deny_policy(
            "",
            "{{ request.object.metadata.annotations.owner || '' }}",
            "ops",
        );
        let v = values(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\npolicies:\n- name: p\n  resources:\n  - name: a\n    values:\n      request.object.metadata.annotations.owner: ops\n",
        );
        let ctx = EvalContext {
            values: Some(v),
            ..EvalContext::default()
        };
        assert_eq!(run(&p, &pod("a"), &ctx)[0].1, RuleStatus::Fail);
    }

    #[test]
    fn rule_values_cv_13_4_and_autogen_names() {
        let p = deny_policy("", "{{ tier }}", "gold");
        let v = values(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\npolicies:\n- name: p\n  rules:\n  - name: r\n    values: {tier: gold}\n",
        );
        let ctx = EvalContext {
            values: Some(v),
            ..EvalContext::default()
        };
        assert_eq!(run(&p, &pod("a"), &ctx)[0].1, RuleStatus::Fail);
        let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "default"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}});
        let got = run(&p, &deploy, &ctx);
        assert_eq!(got[0].0, "autogen-r");
        assert_eq!(
            got[0].1,
            RuleStatus::Fail,
            "rule values apply to autogen-<rule> too"
        );
    }

    #[test]
    fn foreach_values_first_item_only_cv_13_5() {
        let p = policy(&format!(
            "{DENY_ON}    validate:\n      foreach:\n      - list: request.object.spec.containers\n        deny:\n          conditions:\n            any:\n            - key: \"{{{{ img }}}}\"\n              operator: Equals\n              value: second\n"
        ));
        let v = values(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\npolicies:\n- name: p\n  rules:\n  - name: r\n    foreachValues:\n      img: [first, second]\n",
        );
        let ctx = EvalContext {
            values: Some(v),
            ..EvalContext::default()
        };
        assert_eq!(
            run(&p, &pod("a"), &ctx)[0].1,
            RuleStatus::Pass,
            "only `first` is ever injected"
        );
    }

    #[test]
    fn variable_entries_cv_14_2() {
        // value + jmesPath against the value
        let p = deny_policy(
            "    context:\n    - name: size\n      variable:\n        value: {a: [1, 2, 3]}\n        jmesPath: length(a)\n",
            "{{ size }}",
            "3",
        );
        assert_eq!(
            run(&p, &pod("a"), &EvalContext::default())[0].1,
            RuleStatus::Fail
        );
        // jmesPath against the context, null → default
        let p = deny_policy(
            "    context:\n    - name: owner\n      variable:\n        jmesPath: request.object.metadata.labels.owner || `null`\n        default: nobody\n",
            "{{ owner }}",
            "nobody",
        );
        assert_eq!(
            run(&p, &pod("a"), &EvalContext::default())[0].1,
            RuleStatus::Fail
        );
        // no value, no default → an error, surfaced where the entry is used
        let p = deny_policy(
            "    context:\n    - name: nothing\n      variable:\n        jmesPath: request.object.metadata.labels.absent || `null`\n",
            "{{ nothing }}",
            "x",
        );
        let got = run(&p, &pod("a"), &EvalContext::default());
        assert_eq!(got[0].1, RuleStatus::Error, "{got:?}");
        assert!(
            got[0].2.starts_with("failed to check deny conditions"),
            "{got:?}"
        );
        // The same failing entry read only by `validate.message` (found by the jmespath fuzz
        // target): the load error surfaces in the message substitution (CV-14.1), which falls
        // back to the condition messages (CV-12.3, CV-3.3), none here. The rule still fails.
        let p = policy(&format!(
            "{DENY_ON}    context:\n    - name: result\n      variable:\n        value: {{a: 1}}\n        jmesPath: b\n    validate:\n      message: \"{{{{ result }}}}\"\n      deny: {{}}\n"
        ));
        let got = run(&p, &pod("a"), &EvalContext::default());
        assert_eq!(got, [("r".to_owned(), RuleStatus::Fail, String::new())]);
    }

    #[test]
    fn offline_entries_cv_14_3_to_14_6() {
        let p = deny_policy(
            "    context:\n    - name: cm\n      configMap: {name: settings, namespace: kyverno}\n    - name: api\n      apiCall:\n        urlPath: /api/v1/namespaces/default\n        jmesPath: metadata.labels.env\n    - name: regs\n      globalReference: {name: registries, jmesPath: 'allowed[0]'}\n",
            "{{ cm.data.mode }}-{{ api }}-{{ regs }}",
            "strict-prod-ghcr.io",
        );
        let external = ExternalData {
            config_maps: [(
                "kyverno/settings".to_owned(),
                json!({"data": {"mode": "strict"}}),
            )]
            .into_iter()
            .collect(),
            api_calls: vec![crate::ApiCallMock {
                url: "/api/v1/namespaces/default".into(),
                method: String::new(),
                status: 200,
                body: json!({"metadata": {"labels": {"env": "prod"}}}),
            }],
            global_context: [("registries".to_owned(), json!({"allowed": ["ghcr.io"]}))]
                .into_iter()
                .collect(),
        };
        let ctx = EvalContext {
            external: Arc::new(external),
            ..EvalContext::default()
        };
        assert_eq!(run(&p, &pod("a"), &ctx)[0].1, RuleStatus::Fail);
        // Without the data the entries are not loaded: references are not found → error.
        let got = run(&p, &pod("a"), &EvalContext::default());
        assert_eq!(got[0].1, RuleStatus::Error, "{got:?}");
    }

    #[test]
    fn entries_do_not_leak_between_rules_mr_2_2() {
        let p = policy(&format!(
            "{DENY_ON}    context:\n    - name: x\n      variable: {{value: one}}\n    validate:\n      deny:\n        conditions:\n          any:\n          - {{key: \"{{{{ x }}}}\", operator: Equals, value: one}}\n  - name: r2\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      deny:\n        conditions:\n          any:\n          - {{key: \"{{{{ x || 'unset' }}}}\", operator: Equals, value: unset}}\n"
        ));
        let got = run(&p, &pod("a"), &EvalContext::default());
        assert_eq!(
            got.iter().map(|g| g.1).collect::<Vec<_>>(),
            [RuleStatus::Fail, RuleStatus::Fail]
        );
    }

    #[test]
    fn preconditions_cv_3_1() {
        let p = policy(&format!(
            "{DENY_ON}    preconditions:\n      all:\n      - {{key: \"{{{{ request.object.metadata.name }}}}\", operator: Equals, value: b, message: not b}}\n    validate:\n      deny: {{}}\n"
        ));
        let got = run(&p, &pod("a"), &EvalContext::default());
        assert_eq!(got[0].1, RuleStatus::Skip);
        assert!(got[0].2.starts_with("preconditions not met"), "{got:?}");
        assert_eq!(
            run(&p, &pod("b"), &EvalContext::default())[0].1,
            RuleStatus::Fail,
            "`deny: {{}}` always denies"
        );
    }

    #[test]
    fn namespaced_policy_scope_mr_1_1() {
        let p = policy(
            "apiVersion: kyverno.io/v1\nkind: Policy\nmetadata: {name: p, namespace: team-a}\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {deny: {}}\n",
        );
        let mut in_ns = pod("a");
        in_ns["metadata"]["namespace"] = json!("team-a");
        assert_eq!(run(&p, &in_ns, &EvalContext::default()).len(), 1);
        assert!(run(&p, &pod("a"), &EvalContext::default()).is_empty());
        let engine = Engine::builder().policies([p]).build().unwrap();
        assert_eq!(
            engine.evaluate(&in_ns, &EvalContext::default()).responses[0].policy,
            "team-a/p"
        );
    }

    #[test]
    fn apply_rules_one_mr_2_3() {
        let p = policy(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  applyRules: One\n  rules:\n  - name: a\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {deny: {}}\n  - name: b\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {deny: {}}\n",
        );
        assert_eq!(run(&p, &pod("x"), &EvalContext::default()).len(), 1);
        // With autogen, the generated rules come after the policy's own (MR-6.5): for a
        // Deployment `b` runs before `autogen-a`, and `applyRules: One` stops at `b`.
        let p = policy(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  applyRules: One\n  rules:\n  - name: a\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {pattern: {metadata: {labels: {team: \"?*\"}}}}\n  - name: b\n    match: {any: [{resources: {kinds: [Deployment]}}]}\n    validate: {pattern: {metadata: {labels: {team: \"?*\"}}}}\n",
        );
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "default"},
            "spec": {"template": {"metadata": {}, "spec": {"containers": []}}}});
        let got = run(&p, &deployment, &EvalContext::default());
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "b");
    }

    #[test]
    fn rule_index_by_kind_mr_3_6_and_mr_6_5() {
        // The build-time index must visit exactly the rules Kyverno would match: a Pod rule
        // (with its autogen variants), a rule on every kind, and a rule on a kind named
        // nowhere else. Known kinds use the index, others the wildcard rules only.
        let p = policy(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  background: false\n  rules:\n  - name: pods\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {deny: {}}\n  - name: all\n    match: {any: [{resources: {kinds: ['*']}}]}\n    validate: {deny: {}}\n  - name: secrets\n    match: {any: [{resources: {kinds: [v1/Secret]}}]}\n    validate: {deny: {}}\n",
        );
        let rules = |resource: Value| -> Vec<String> {
            // In rule order: the policy's own rules, then the generated ones (MR-6.5).
            run(&p, &resource, &EvalContext::default())
                .into_iter()
                .map(|(rule, _, _)| rule)
                .collect::<Vec<String>>()
        };
        let of = |kind: &str, api: &str| {
            json!({"apiVersion": api, "kind": kind, "metadata": {"name": "x", "namespace": "default"},
                   "spec": {"template": {"spec": {"containers": []}},
                            "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}})
        };
        assert_eq!(rules(pod("x")), ["pods", "all"]);
        assert_eq!(rules(of("Deployment", "apps/v1")), ["all", "autogen-pods"]);
        assert_eq!(
            rules(of("CronJob", "batch/v1")),
            ["all", "autogen-cronjob-pods"]
        );
        assert_eq!(rules(of("Secret", "v1")), ["all", "secrets"]);
        assert_eq!(rules(of("ConfigMap", "v1")), ["all"]);
        assert_eq!(rules(json!({"metadata": {"name": "no-kind"}})), ["all"]);
    }
}
