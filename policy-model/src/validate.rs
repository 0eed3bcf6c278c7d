//! Structural validation of policies and exceptions, like `kyverno validate` but with field
//! paths (turned into lines by [`crate::DocSlice::locate`]).
//!
//! Checks on `ClusterPolicy` / `Policy` (rule ids from `../shared/docs/kyverno`):
//!
//! | code | check |
//! | --- | --- |
//! | `name-missing` | `metadata.name` is set |
//! | `cluster-policy-namespace` | a `ClusterPolicy` has no `metadata.namespace` (MR-12) |
//! | `no-rules` | (warning) the policy has at least one rule |
//! | `failure-action` | `validationFailureAction` is `Audit`/`Enforce`/`audit`/`enforce`; rule-level `failureAction` is exactly `Audit`/`Enforce`; override actions likewise (MR-7.2, MR-12) |
//! | `admission-background` | `admission` and `background` are not both false (MR-12) |
//! | `apply-rules` | `applyRules` is `All` or `One` |
//! | `failure-policy` | `failurePolicy` is `Fail` or `Ignore` |
//! | `autogen-all` | the autogen-controllers annotation is not `all` (MR-12) |
//! | `rule-name` | rule names are non-empty, ≤ 63 characters and unique (MR-1.3) |
//! | `rule-type` | a rule has exactly one of validate / mutate / generate / verifyImages (MR-1.3) |
//! | `match-empty` | `match` selects something: a filter with resources or user info (MR-3.2.3) |
//! | `match-any-all` | `any` and `all` are not both set (MR-3.1) |
//! | `match-kinds` | every match filter with resource criteria lists `kinds` (MR-12) |
//! | `kinds-wildcard` | `kinds: ["*"]` is alone and not used with `background: true` (MR-12) |
//! | `empty-selector` | a `selector`/`namespaceSelector` has requirements (MR-12) |
//! | `background-userinfo` | with `background: true`, no user-info variables and no subjects/roles/clusterRoles in match/exclude (MR-1.5, MR-12) |
//! | `validate-kind` | a `validate` block has exactly one of pattern / anyPattern / deny / foreach / podSecurity / cel / manifests / assert (MR-7.1) |
//! | `any-pattern-list` | `anyPattern` is a list |
//! | `pattern-anchor` | anchor keys in patterns are well formed: `(k)`, `^(k)`, `=(k)`, `X(k)`, `<(k)`, `+(k)` (P) |
//! | `pattern-metadata` | values under `metadata.labels` / `metadata.annotations` in a pattern are strings (MR-12) |
//! | `variable-syntax` | `{{` and `}}` balance and enclose a syntactically valid JMESPath expression (CV, MR-12) |
//! | `element-outside-foreach` | `element` / `elementIndex` are used only inside `foreach` (MR-12) |
//! | `condition-operator` | condition operators are known (CV-5.1); a differently-cased numeric or duration operator is a warning, since it always evaluates false (CV-5.2) |
//! | `pod-security` | `podSecurity.level` is privileged/baseline/restricted; `version` is `latest` or `v1.N` (MR-8) |
//! | `json-patch-path` | `patchesJson6902` operations have paths starting with `/` (MR-12) |
//!
//! CEL expressions are checked by `policy-eval` when it compiles a policy (this crate has no
//! CEL parser).
//!
//! CEL policies: `spec` carries the fields its kind requires (`validations`, `mutations`,
//! `generate`, `schedule`), expressions are non-empty, variable and match-condition names are
//! unique. PolicyExceptions (`kyverno.io/v2`): at least one `exceptions` entry with a
//! `policyName`, and a `match` with `any`/`all`.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use crate::cel::CelPolicy;
use crate::exception::{KyvernoException, PolicyException};
use crate::meta::LabelSelector;
use crate::path::FieldPath;
use crate::policy::{
    Conditions, ForEachValidation, KyvernoPolicy, MatchResources, ResourceDescription, Rule,
    annotation,
};

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProblemSeverity {
    /// The policy is invalid: Kyverno would reject or skip it.
    Error,
    /// Suspicious but accepted.
    Warning,
}

/// One validation problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: ProblemSeverity,
    /// A stable code (see the module docs).
    pub code: &'static str,
    /// Where, inside the document.
    pub path: FieldPath,
    /// What is wrong.
    pub message: String,
    /// The problem is the mapping key itself (point at the key, not its value).
    pub at_key: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.code)
    }
}

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn error(&mut self, code: &'static str, path: FieldPath, message: impl Into<String>) {
        self.0.push(Problem {
            severity: ProblemSeverity::Error,
            code,
            path,
            message: message.into(),
            at_key: false,
        });
    }
    fn warning(&mut self, code: &'static str, path: FieldPath, message: impl Into<String>) {
        self.0.push(Problem {
            severity: ProblemSeverity::Warning,
            code,
            path,
            message: message.into(),
            at_key: false,
        });
    }
}

const KNOWN_OPERATORS: [&str; 18] = [
    "Equals",
    "Equal",
    "NotEquals",
    "NotEqual",
    "In",
    "NotIn",
    "AnyIn",
    "AllIn",
    "AnyNotIn",
    "AllNotIn",
    "GreaterThan",
    "GreaterThanOrEquals",
    "LessThan",
    "LessThanOrEquals",
    "DurationGreaterThan",
    "DurationGreaterThanOrEquals",
    "DurationLessThan",
    "DurationLessThanOrEquals",
];

/// Validates a ClusterPolicy or Policy. Problems are in document order.
pub fn validate_policy(policy: &KyvernoPolicy) -> Vec<Problem> {
    let mut p = Problems::default();
    let root = FieldPath::root();
    let meta = root.key("metadata");
    if policy.metadata.name.as_deref().is_none_or(str::is_empty) {
        p.error("name-missing", meta.key("name"), "the policy has no name");
    }
    if policy.kind == "ClusterPolicy"
        && policy
            .metadata
            .namespace
            .as_deref()
            .is_some_and(|n| !n.is_empty())
    {
        p.error(
            "cluster-policy-namespace",
            meta.key("namespace"),
            "a ClusterPolicy cannot have a namespace",
        );
    }
    if policy.annotations().autogen_controllers() == Some("all") {
        p.error(
            "autogen-all",
            meta.key("annotations").key(annotation::AUTOGEN_CONTROLLERS),
            "the value `all` is not supported; list the controllers or use `none`",
        );
    }
    let spec = &policy.spec;
    let sp = root.key("spec");
    if let Some(a) = &spec.validation_failure_action
        && !matches!(a.as_str(), "Audit" | "Enforce" | "audit" | "enforce")
    {
        p.error(
            "failure-action",
            sp.key("validationFailureAction"),
            format!("`{a}` is not a failure action; use `Audit` or `Enforce`"),
        );
    }
    if let Some(overrides) = &spec.validation_failure_action_overrides {
        for (i, o) in overrides.iter().enumerate() {
            if !matches!(o.action.as_str(), "Audit" | "Enforce" | "audit" | "enforce") {
                p.error(
                    "failure-action",
                    sp.key("validationFailureActionOverrides")
                        .index(i)
                        .key("action"),
                    format!(
                        "`{}` is not a failure action; use `Audit` or `Enforce`",
                        o.action
                    ),
                );
            }
        }
    }
    if spec.admission == Some(false) && spec.background == Some(false) {
        p.error(
            "admission-background",
            sp.key("admission"),
            "`admission` and `background` cannot both be false",
        );
    }
    if let Some(a) = &spec.apply_rules
        && a != "All"
        && a != "One"
    {
        p.error(
            "apply-rules",
            sp.key("applyRules"),
            format!("`{a}` is not `All` or `One`"),
        );
    }
    if let Some(f) = &spec.failure_policy
        && f != "Fail"
        && f != "Ignore"
    {
        p.error(
            "failure-policy",
            sp.key("failurePolicy"),
            format!("`{f}` is not `Fail` or `Ignore`"),
        );
    }
    if spec.rules.is_empty() {
        p.warning("no-rules", sp.key("rules"), "the policy has no rules");
    }
    let background = policy.background();
    let mut names = BTreeSet::new();
    for (i, rule) in spec.rules.iter().enumerate() {
        let rp = sp.key("rules").index(i);
        check_rule(&mut p, rule, &rp, background);
        if !rule.name.is_empty() && !names.insert(rule.name.as_str()) {
            p.error(
                "rule-name",
                rp.key("name"),
                format!("duplicate rule name `{}`", rule.name),
            );
        }
    }
    p.0
}

fn check_rule(p: &mut Problems, rule: &Rule, rp: &FieldPath, background: bool) {
    if rule.name.is_empty() {
        p.error("rule-name", rp.key("name"), "the rule has no name");
    } else if rule.name.chars().count() > 63 {
        p.error(
            "rule-name",
            rp.key("name"),
            format!(
                "rule name is {} characters long; the limit is 63",
                rule.name.chars().count()
            ),
        );
    }
    let types = rule.rule_types();
    if types.len() != 1 {
        let msg = if types.is_empty() {
            "a rule needs one of `validate`, `mutate`, `generate` or `verifyImages`".to_owned()
        } else {
            "a rule can have only one of `validate`, `mutate`, `generate` or `verifyImages`"
                .to_owned()
        };
        p.error("rule-type", rp.clone(), msg);
    }
    check_match(p, &rule.match_, &rp.key("match"), true, background);
    if let Some(ex) = &rule.exclude {
        check_match(p, ex, &rp.key("exclude"), false, background);
    }
    if let Some(c) = &rule.preconditions {
        check_conditions(p, c, &rp.key("preconditions"));
    }
    if let Some(v) = &rule.validate {
        let vp = rp.key("validate");
        let kinds = v.kinds();
        if kinds.len() != 1 {
            let msg = if kinds.is_empty() {
                "a validate rule needs one of `pattern`, `anyPattern`, `deny`, `foreach`, `podSecurity`, `cel`, `manifests` or `assert`".to_owned()
            } else {
                let list: Vec<_> = kinds.iter().map(|k| format!("`{}`", k.field())).collect();
                format!("a validate rule can have only one of {}", list.join(", "))
            };
            p.error("validate-kind", vp.clone(), msg);
        }
        if let Some(a) = &v.failure_action
            && a != "Audit"
            && a != "Enforce"
        {
            p.error(
                "failure-action",
                vp.key("failureAction"),
                format!("`{a}` is not a failure action; use exactly `Audit` or `Enforce`"),
            );
        }
        if let Some(overrides) = &v.failure_action_overrides {
            for (i, o) in overrides.iter().enumerate() {
                if o.action != "Audit" && o.action != "Enforce" {
                    p.error(
                        "failure-action",
                        vp.key("failureActionOverrides").index(i).key("action"),
                        format!(
                            "`{}` is not a failure action; use exactly `Audit` or `Enforce`",
                            o.action
                        ),
                    );
                }
            }
        }
        if let Some(pat) = &v.pattern {
            check_pattern(p, pat, &vp.key("pattern"), false);
        }
        if let Some(any) = &v.any_pattern {
            match any {
                Value::Array(items) => {
                    for (i, pat) in items.iter().enumerate() {
                        check_pattern(p, pat, &vp.key("anyPattern").index(i), false);
                    }
                }
                _ => p.error(
                    "any-pattern-list",
                    vp.key("anyPattern"),
                    "`anyPattern` must be a list of patterns",
                ),
            }
        }
        if let Some(c) = v.deny.as_ref().and_then(|d| d.conditions.as_ref()) {
            check_conditions(p, c, &vp.key("deny").key("conditions"));
        }
        if let Some(fe) = &v.foreach {
            for (i, f) in fe.iter().enumerate() {
                check_foreach(p, f, &vp.key("foreach").index(i));
            }
        }
        if let Some(ps) = &v.pod_security {
            let pp = vp.key("podSecurity");
            if !matches!(ps.level.as_str(), "privileged" | "baseline" | "restricted") {
                p.error(
                    "pod-security",
                    pp.key("level"),
                    format!(
                        "`{}` is not a Pod Security level (privileged, baseline, restricted)",
                        ps.level
                    ),
                );
            }
            if let Some(ver) = &ps.version {
                let ok = ver == "latest"
                    || ver
                        .strip_prefix("v1.")
                        .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    p.error(
                        "pod-security",
                        pp.key("version"),
                        format!("`{ver}` is not `latest` or `v1.N`"),
                    );
                }
            }
        }
    }
    if let Some(m) = &rule.mutate
        && let Some(patch) = &m.patches_json6902
    {
        check_json_patch(p, patch, &rp.key("mutate").key("patchesJson6902"));
    }
    // Variables: syntax, element outside foreach, user info under background.
    let rule_value = serde_json::to_value(rule).unwrap_or(Value::Null);
    walk_strings(&rule_value, rp, &mut |s, path| {
        check_variable_syntax(p, s, path);
        let in_foreach = path
            .segments()
            .iter()
            .any(|seg| matches!(seg, crate::path::PathSegment::Key(k) if k == "foreach"));
        if !in_foreach && uses_variable(s, &["element", "elementIndex"]) {
            p.error(
                "element-outside-foreach",
                path.clone(),
                "`element` is only defined inside `foreach`",
            );
        }
        if background
            && uses_variable(
                s,
                &[
                    "request.userInfo",
                    "request.roles",
                    "request.clusterRoles",
                    "serviceAccountName",
                    "serviceAccountNamespace",
                ],
            )
        {
            p.error(
                "background-userinfo",
                path.clone(),
                "user information is not available in background scans; set `spec.background: false` to use it",
            );
        }
    });
}

fn check_match(
    p: &mut Problems,
    m: &MatchResources,
    mp: &FieldPath,
    is_match: bool,
    background: bool,
) {
    if !m.any.is_empty() && !m.all.is_empty() {
        p.error(
            "match-any-all",
            mp.clone(),
            "`any` and `all` cannot both be set",
        );
    }
    if is_match && m.is_empty() {
        p.error(
            "match-empty",
            mp.clone(),
            "`match` selects nothing; add `any` or `all` with resource kinds",
        );
        return;
    }
    let filters = m.filters();
    for (place, i, f) in filters {
        let fp = if place == "legacy" {
            mp.clone()
        } else {
            mp.key(place).index(i)
        };
        let has_user = !f.subjects.is_empty() || !f.roles.is_empty() || !f.cluster_roles.is_empty();
        if background && has_user {
            p.error(
                "background-userinfo",
                fp.clone(),
                "subjects, roles and clusterRoles are not available in background scans; set `spec.background: false`",
            );
        }
        match f.resources {
            Some(rd) => {
                check_resource_description(p, rd, &fp.key("resources"), is_match, background)
            }
            None if is_match && !has_user => p.error(
                "match-empty",
                fp.clone(),
                "this filter selects nothing; add `resources.kinds`",
            ),
            None => {}
        }
    }
}

fn check_resource_description(
    p: &mut Problems,
    rd: &ResourceDescription,
    path: &FieldPath,
    is_match: bool,
    background: bool,
) {
    if is_match && rd.kinds.is_empty() {
        p.error(
            "match-kinds",
            path.key("kinds"),
            "a match filter must list `kinds`",
        );
    }
    if rd.kinds.iter().any(|k| k == "*") {
        if rd.kinds.len() > 1 {
            p.error(
                "kinds-wildcard",
                path.key("kinds"),
                "`*` must be the only kind",
            );
        } else if background && is_match {
            p.error(
                "kinds-wildcard",
                path.key("kinds"),
                "`kinds: [\"*\"]` needs `spec.background: false`",
            );
        }
    }
    for (key, sel) in [
        ("selector", &rd.selector),
        ("namespaceSelector", &rd.namespace_selector),
    ] {
        if let Some(s) = sel {
            check_selector(p, s, &path.key(key));
        }
    }
}

fn check_selector(p: &mut Problems, s: &LabelSelector, path: &FieldPath) {
    if s.is_empty() {
        p.error(
            "empty-selector",
            path.clone(),
            "the selector has no requirements",
        );
    }
    for (i, e) in s.match_expressions.iter().enumerate() {
        if !matches!(
            e.operator.as_str(),
            "In" | "NotIn" | "Exists" | "DoesNotExist"
        ) {
            p.error(
                "empty-selector",
                path.key("matchExpressions").index(i).key("operator"),
                format!(
                    "`{}` is not a selector operator (In, NotIn, Exists, DoesNotExist)",
                    e.operator
                ),
            );
        }
    }
}

fn check_conditions(p: &mut Problems, c: &Conditions, path: &FieldPath) {
    let mut check = |list: &[crate::policy::Condition], base: FieldPath| {
        for (i, cond) in list.iter().enumerate() {
            let op = cond.operator.as_str();
            let op_path = base.index(i).key("operator");
            if KNOWN_OPERATORS.contains(&op) {
                continue;
            }
            match KNOWN_OPERATORS.iter().find(|k| k.eq_ignore_ascii_case(op)) {
                Some(k) if k.contains("Than") => p.warning(
                    "condition-operator",
                    op_path,
                    format!("`{op}` is accepted but always evaluates false (CV-5.2); write `{k}`"),
                ),
                Some(_) => {}
                None => p.error(
                    "condition-operator",
                    op_path,
                    format!("`{op}` is not a condition operator"),
                ),
            }
        }
    };
    match c {
        Conditions::List(list) => check(list, path.clone()),
        Conditions::AnyAll(aa) => {
            if let Some(any) = &aa.any {
                check(any, path.key("any"));
            }
            if let Some(all) = &aa.all {
                check(all, path.key("all"));
            }
        }
    }
}

fn check_foreach(p: &mut Problems, f: &ForEachValidation, path: &FieldPath) {
    if let Some(pat) = &f.pattern {
        check_pattern(p, pat, &path.key("pattern"), false);
    }
    if let Some(c) = &f.preconditions {
        check_conditions(p, c, &path.key("preconditions"));
    }
    if let Some(c) = f.deny.as_ref().and_then(|d| d.conditions.as_ref()) {
        check_conditions(p, c, &path.key("deny").key("conditions"));
    }
    if let Some(nested) = &f.foreach {
        for (i, n) in nested.iter().enumerate() {
            check_foreach(p, n, &path.key("foreach").index(i));
        }
    }
}

/// Anchor keys: `(k)`, `^(k)`, `=(k)`, `X(k)`, `<(k)`, `+(k)` must be closed and name a key.
fn check_anchor_key(key: &str) -> Option<String> {
    let inner = ["^(", "=(", "X(", "<(", "+(", "("]
        .iter()
        .find_map(|pre| key.strip_prefix(pre));
    match inner {
        Some(rest) => match rest.strip_suffix(')') {
            Some("") => Some(format!("anchor `{key}` names no key")),
            Some(_) => None,
            None => Some(format!("anchor `{key}` is not closed with `)`")),
        },
        None => None,
    }
}

fn check_pattern(p: &mut Problems, pattern: &Value, path: &FieldPath, under_meta_map: bool) {
    match pattern {
        Value::Object(map) => {
            for (k, v) in map {
                let kp = path.key(k.clone());
                if let Some(msg) = check_anchor_key(k) {
                    p.error("pattern-anchor", kp.clone(), msg);
                    if let Some(last) = p.0.last_mut() {
                        last.at_key = true;
                    }
                }
                let is_meta_map = path.segments().last().is_some_and(|s| {
                    matches!(s, crate::path::PathSegment::Key(m) if strip_anchor(m) == "metadata")
                }) && matches!(strip_anchor(k), "labels" | "annotations");
                if under_meta_map && !(v.is_string()) {
                    p.error(
                        "pattern-metadata",
                        kp.clone(),
                        "label and annotation values in a pattern must be strings",
                    );
                }
                check_pattern(p, v, &kp, is_meta_map);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_pattern(p, v, &path.index(i), false);
            }
        }
        _ => {}
    }
}

fn strip_anchor(key: &str) -> &str {
    for pre in ["^(", "=(", "X(", "<(", "+(", "("] {
        if let Some(inner) = key.strip_prefix(pre).and_then(|r| r.strip_suffix(')')) {
            return inner;
        }
    }
    key
}

fn check_json_patch(p: &mut Problems, patch: &str, path: &FieldPath) {
    let Ok(ops) = serde_saphyr::from_str::<Value>(patch) else {
        p.error(
            "json-patch-path",
            path.clone(),
            "`patchesJson6902` is not a YAML or JSON list of operations",
        );
        return;
    };
    let Some(list) = ops.as_array() else {
        p.error(
            "json-patch-path",
            path.clone(),
            "`patchesJson6902` must be a list of operations",
        );
        return;
    };
    for (i, op) in list.iter().enumerate() {
        match op.get("path").and_then(Value::as_str) {
            Some(s) if s.starts_with('/') => {}
            Some(s) => p.error(
                "json-patch-path",
                path.clone(),
                format!("operation {i}: path `{s}` must start with `/`"),
            ),
            None => p.error(
                "json-patch-path",
                path.clone(),
                format!("operation {i} has no `path`"),
            ),
        }
    }
}

fn walk_strings(v: &Value, path: &FieldPath, f: &mut dyn FnMut(&str, &FieldPath)) {
    match v {
        Value::String(s) => f(s, path),
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                walk_strings(x, &path.index(i), f);
            }
        }
        Value::Object(map) => {
            for (k, x) in map {
                let kp = path.key(k.clone());
                f(k, &kp);
                walk_strings(x, &kp, f);
            }
        }
        _ => {}
    }
}

/// The `{{ ... }}` expressions of a string, or an error when braces do not balance.
/// Escaped `\{{` is literal text (CV).
pub fn variable_expressions(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    let mut offset = 0usize;
    while let Some(i) = rest.find("{{") {
        if i > 0 && rest.as_bytes().get(i - 1) == Some(&b'\\') {
            offset += i + 2;
            rest = s.get(offset..).unwrap_or("");
            continue;
        }
        let after = rest.get(i + 2..).unwrap_or("");
        // Nested `{{` inside: find the matching close by depth.
        let mut depth = 1usize;
        let mut j = 0usize;
        let bytes = after.as_bytes();
        while j + 1 < bytes.len() + 1 && depth > 0 {
            if bytes.get(j..j + 2) == Some(b"{{") {
                depth += 1;
                j += 2;
            } else if bytes.get(j..j + 2) == Some(b"}}") {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                j += 2;
            } else {
                j += 1;
            }
        }
        if depth != 0 {
            return Err("`{{` is not closed by `}}`".to_owned());
        }
        let expr = after.get(..j).unwrap_or("").trim();
        if expr.is_empty() {
            return Err("`{{ }}` encloses no expression".to_owned());
        }
        out.push(expr);
        offset += i + 2 + j + 2;
        rest = s.get(offset..).unwrap_or("");
    }
    Ok(out)
}

fn check_variable_syntax(p: &mut Problems, s: &str, path: &FieldPath) {
    match variable_expressions(s) {
        Err(msg) => p.error("variable-syntax", path.clone(), msg),
        Ok(exprs) => {
            for e in exprs {
                if let Err(msg) = jmespath_syntax(e) {
                    p.error(
                        "variable-syntax",
                        path.clone(),
                        format!("`{{{{ {e} }}}}` is not valid JMESPath: {msg}"),
                    );
                }
            }
        }
    }
}

/// Checks the JMESPath syntax of one `{{ }}` expression (MR-12). Kyverno's custom functions
/// are ordinary function calls syntactically, so a standard parser decides.
pub fn jmespath_syntax(expr: &str) -> Result<(), String> {
    // Nested `{{ }}` is substituted first by Kyverno (CV); check the outer text with the
    // inner expressions replaced by a literal.
    let flattened;
    let expr = if expr.contains("{{") {
        flattened = replace_nested(expr);
        flattened.as_str()
    } else {
        expr
    };
    // The parser recurses; bound nesting so hostile input cannot exhaust the stack.
    let mut depth = 0usize;
    for c in expr.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 64 {
            return Err("expression nested more than 64 levels deep".to_owned());
        }
    }
    if expr.len() > 16 * 1024 {
        return Err("expression longer than 16 KiB".to_owned());
    }
    jmespath::parse(expr).map(|_| ()).map_err(|e| {
        let text = e.to_string();
        text.lines().next().unwrap_or(&text).to_owned()
    })
}

fn replace_nested(expr: &str) -> String {
    let mut out = String::new();
    let mut rest = expr;
    while let Some(i) = rest.find("{{") {
        out.push_str(rest.get(..i).unwrap_or(""));
        match rest.get(i..).and_then(|r| r.find("}}")) {
            Some(j) => {
                out.push('x');
                rest = rest.get(i + j + 2..).unwrap_or("");
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn uses_variable(s: &str, names: &[&str]) -> bool {
    let Ok(exprs) = variable_expressions(s) else {
        return false;
    };
    exprs.iter().any(|e| {
        names.iter().any(|n| {
            let mut from = 0;
            while let Some(i) = e.get(from..).and_then(|r| r.find(n)) {
                let at = from + i;
                let before = e.get(..at).and_then(|b| b.chars().last());
                let after = e.get(at + n.len()..).and_then(|a| a.chars().next());
                let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
                let before_ok = before.is_none_or(|c| !ident(c) && c != '.' && c != '$');
                let after_ok = after.is_none_or(|c| !ident(c));
                if before_ok && after_ok {
                    return true;
                }
                from = at + n.len();
            }
            false
        })
    })
}

/// Validates a CEL policy structurally.
pub fn validate_cel_policy(policy: &CelPolicy) -> Vec<Problem> {
    let mut p = Problems::default();
    let sp = FieldPath::root().key("spec");
    if policy.metadata.name.as_deref().is_none_or(str::is_empty) {
        p.error(
            "name-missing",
            FieldPath::root().key("metadata").key("name"),
            "the policy has no name",
        );
    }
    let Some(kind) = policy.policy_kind() else {
        p.error(
            "kind",
            FieldPath::root().key("kind"),
            format!("`{}` is not a policies.kyverno.io kind", policy.kind),
        );
        return p.0;
    };
    let spec_value = serde_json::to_value(&policy.spec).unwrap_or(Value::Null);
    for field in kind.required_spec_fields() {
        if spec_value.get(field).is_none() {
            p.error(
                "required-field",
                sp.key(*field),
                format!("a {} needs `spec.{field}`", kind.as_str()),
            );
        }
    }
    let mut names = BTreeSet::new();
    for (i, v) in policy.spec.variables.iter().enumerate() {
        let vp = sp.key("variables").index(i);
        if v.name.is_empty() || !names.insert(v.name.as_str()) {
            p.error(
                "variable-name",
                vp.key("name"),
                format!("variable name `{}` is empty or repeated", v.name),
            );
        }
        if v.expression.trim().is_empty() {
            p.error(
                "empty-expression",
                vp.key("expression"),
                "the expression is empty",
            );
        }
    }
    let mut names = BTreeSet::new();
    for (i, c) in policy.spec.match_conditions.iter().enumerate() {
        let cp = sp.key("matchConditions").index(i);
        if c.name.is_empty() || !names.insert(c.name.as_str()) {
            p.error(
                "condition-name",
                cp.key("name"),
                format!("match condition name `{}` is empty or repeated", c.name),
            );
        }
        if c.expression.trim().is_empty() {
            p.error(
                "empty-expression",
                cp.key("expression"),
                "the expression is empty",
            );
        }
    }
    for (i, v) in policy.spec.validations.iter().flatten().enumerate() {
        if v.expression.trim().is_empty() {
            p.error(
                "empty-expression",
                sp.key("validations").index(i).key("expression"),
                "the expression is empty",
            );
        }
    }
    p.0
}

/// Validates a PolicyException.
pub fn validate_exception(exception: &PolicyException) -> Vec<Problem> {
    let mut p = Problems::default();
    match exception {
        PolicyException::Kyverno(e) => check_kyverno_exception(&mut p, e),
        PolicyException::Cel(e) => {
            let sp = FieldPath::root().key("spec");
            if e.spec.policy_refs.is_empty() {
                p.error(
                    "exception-policies",
                    sp.key("policyRefs"),
                    "the exception names no policy",
                );
            }
            for (i, r) in e.spec.policy_refs.iter().enumerate() {
                if r.name.is_empty() {
                    p.error(
                        "exception-policies",
                        sp.key("policyRefs").index(i).key("name"),
                        "the policy reference has no name",
                    );
                }
            }
        }
    }
    p.0
}

fn check_kyverno_exception(p: &mut Problems, e: &KyvernoException) {
    let sp = FieldPath::root().key("spec");
    if e.spec.exceptions.is_empty() {
        p.error(
            "exception-policies",
            sp.key("exceptions"),
            "the exception names no policy",
        );
    }
    for (i, x) in e.spec.exceptions.iter().enumerate() {
        if x.policy_name.is_empty() {
            p.error(
                "exception-policies",
                sp.key("exceptions").index(i).key("policyName"),
                "`policyName` is empty",
            );
        }
        if x.rule_names.is_empty() {
            p.error(
                "exception-policies",
                sp.key("exceptions").index(i).key("ruleNames"),
                "`ruleNames` is empty",
            );
        }
    }
    if e.spec.match_.any.is_empty() && e.spec.match_.all.is_empty() {
        p.error(
            "match-empty",
            sp.key("match"),
            "an exception's `match` needs `any` or `all`",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml: &str) -> KyvernoPolicy {
        let out = crate::load_str("t.yaml", yaml);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        match out.documents.into_iter().next().map(|d| d.document) {
            Some(crate::Document::Policy(p)) => *p,
            other => panic!("not a policy: {other:?}"),
        }
    }

    fn codes(yaml: &str) -> Vec<(&'static str, String)> {
        validate_policy(&policy(yaml))
            .into_iter()
            .map(|p| (p.code, p.path.to_string()))
            .collect()
    }

    const HEAD: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\n";

    #[test]
    fn valid_policy_has_no_problems() {
        let y = format!(
            "{HEAD}spec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      message: m\n      pattern: {{metadata: {{labels: {{app: \"?*\"}}}}}}\n"
        );
        assert_eq!(codes(&y), vec![]);
    }

    #[test]
    fn rule_checks() {
        let long = "x".repeat(64);
        let y = format!(
            "{HEAD}spec:\n  validationFailureAction: Block\n  rules:\n  - name: {long}\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate: {{pattern: {{a: 1}}, deny: {{}}}}\n  - name: b\n    match: {{}}\n    mutate: {{patchesJson6902: '[{{op: add, path: spec, value: 1}}]'}}\n    validate: {{deny: {{conditions: {{any: [{{key: a, operator: Bogus, value: b}}]}}}}}}\n"
        );
        let got = codes(&y);
        let want = [
            ("failure-action", "spec.validationFailureAction"),
            ("rule-name", "spec.rules[0].name"),
            ("validate-kind", "spec.rules[0].validate"),
            ("rule-type", "spec.rules[1]"),
            ("match-empty", "spec.rules[1].match"),
            (
                "condition-operator",
                "spec.rules[1].validate.deny.conditions.any[0].operator",
            ),
            ("json-patch-path", "spec.rules[1].mutate.patchesJson6902"),
        ];
        for (code, path) in want {
            assert!(
                got.iter().any(|(c, p)| *c == code && p == path),
                "missing {code} at {path}: {got:?}"
            );
        }
    }

    #[test]
    fn background_user_info_and_element() {
        let y = format!(
            "{HEAD}spec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}, subjects: [{{kind: User, name: a}}]}}]}}\n    validate:\n      message: \"{{{{ request.userInfo.username }}}} {{{{ element.name }}}}\"\n      deny: {{}}\n"
        );
        let got = codes(&y);
        assert!(
            got.iter().any(|(c, _)| *c == "background-userinfo"),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(c, p)| *c == "element-outside-foreach"
                    && p == "spec.rules[0].validate.message"),
            "{got:?}"
        );
    }

    #[test]
    fn pattern_checks() {
        let y = format!(
            "{HEAD}spec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      pattern:\n        metadata:\n          labels:\n            team: 5\n        spec:\n          =(hostPID: false\n"
        );
        let got = codes(&y);
        assert!(
            got.iter().any(|(c, p)| *c == "pattern-metadata"
                && p == "spec.rules[0].validate.pattern.metadata.labels.team"),
            "{got:?}"
        );
        assert!(got.iter().any(|(c, _)| *c == "pattern-anchor"), "{got:?}");
    }

    #[test]
    fn variable_syntax() {
        assert_eq!(
            variable_expressions("a {{ b }} c {{c}}").unwrap(),
            vec!["b", "c"]
        );
        assert_eq!(
            variable_expressions("{{ a || '{{x}}' }}").unwrap(),
            vec!["a || '{{x}}'"]
        );
        assert!(variable_expressions("{{ a ").is_err());
        assert!(variable_expressions("{{ }}").is_err());
        assert!(variable_expressions("\\{{ literal").is_ok());
        assert!(jmespath_syntax("request.object.spec.containers[].image").is_ok());
        assert!(jmespath_syntax("to_upper(request.object.metadata.name)").is_ok());
        assert!(
            jmespath_syntax("request.object.metadata.labels.\"app.kubernetes.io/name\" || ''")
                .is_ok()
        );
        assert!(jmespath_syntax("request.object.[").is_err());
        assert!(jmespath_syntax("a ||").is_err());
        assert!(uses_variable("{{ element.name }}", &["element"]));
        assert!(!uses_variable("{{ request.object.element }}", &["element"]));
        assert!(!uses_variable("{{ elements }}", &["element"]));
    }

    #[test]
    fn differently_cased_numeric_operator_warns() {
        let y = format!(
            "{HEAD}spec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    preconditions: {{all: [{{key: 1, operator: greaterthan, value: 0}}, {{key: 1, operator: equals, value: 1}}]}}\n    validate: {{deny: {{}}}}\n"
        );
        let probs = validate_policy(&policy(&y));
        let op: Vec<_> = probs
            .iter()
            .filter(|p| p.code == "condition-operator")
            .collect();
        assert_eq!(op.len(), 1, "{probs:?}");
        assert_eq!(op[0].severity, ProblemSeverity::Warning);
    }
}
