//! `{{ }}` variable substitution (CV-10): scanning, escaping, typed vs text insertion,
//! nested rescans, shallow `{{- }}`, object keys and errors.
//!
//! Evaluating an expression is the caller's business (a [`Resolver`]): the engine loads
//! context entries lazily and caches compiled expressions; the tests use a plain
//! `ValueResolver` over a JSON context.
//!
//! The scanner is hand-written and follows Kyverno's regex
//! `(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})` under Go's leftmost-first, non-overlapping
//! `FindAllString` semantics exactly — including its quirk that a variable directly after
//! another (`{{a}}{{b}}`) is only found by the next rescan, because the first match consumed
//! the character the second would need as its prefix.

use std::cell::Cell;

use serde_json::{Map, Value};

use policy_jmespath::render;
#[cfg(test)]
use policy_jmespath::{Expression, FnEnv, JmesError};

/// Most rescans of one string before giving up (CV-10.6 rescans forever on a value that
/// re-introduces its own variable).
const MAX_PASSES: usize = 100;

/// Longest text a string may grow to while being substituted (a value that contains its own
/// variable twice doubles the text on every pass).
const MAX_TEXT_LEN: usize = 1 << 20;

/// Most variables evaluated for one string, over all passes (same runaway, in time).
const MAX_EVALUATIONS: usize = 10_000;

/// A substitution error (CV-10.9, CV-10.8).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum VarError {
    /// CV-12.1: the expression selected a missing key; carries the key.
    #[error("Unknown key \"{0}\" in path")]
    NotFound(String),
    /// Any other evaluation error. [`substitute_str`] / [`substitute_value`] fill in `expr`
    /// (the evaluated text, after `@` and DELETE rewrites) and `path` (JSON pointer of the
    /// string, `""` for the root) whatever a [`Resolver`] put there.
    #[error("failed to resolve {expr} at path {path}: {cause}")]
    Failed {
        /// The expression text.
        expr: String,
        /// JSON pointer of the string being substituted.
        path: String,
        /// The evaluation error.
        cause: String,
    },
    /// CV-10.8: a substituted object key did not produce a string. Carries the key as written.
    #[error("expected string after substituting variables in key \"{0}\"")]
    KeyNotString(String),
    /// Substitution did not terminate (too many rescans, or runaway growth).
    #[error("variable substitution at path {path} did not terminate: {reason}")]
    Runaway {
        /// JSON pointer of the string being substituted.
        path: String,
        /// What limit was hit.
        reason: String,
    },
}

impl VarError {
    /// Maps a JMESPath error for `expr`: not-found stays not-found, anything else is
    /// [`VarError::Failed`] (path filled in later by the substitution).
    #[cfg(test)]
    pub(crate) fn from_jmes(expr: &str, err: JmesError) -> VarError {
        match err {
            JmesError::NotFound(key) => VarError::NotFound(key),
            other => VarError::Failed {
                expr: expr.to_owned(),
                path: String::new(),
                cause: other.to_string(),
            },
        }
    }
}

/// Evaluates expressions for the substitution.
pub(crate) trait Resolver {
    /// Evaluates one expression text (already stripped of braces, trimmed, `-` removed)
    /// against the JSON context.
    fn resolve(&self, expr: &str) -> Result<Value, VarError>;

    /// Whether the request is a DELETE, in which case `request.object` in expressions reads
    /// `request.oldObject` (CV-10.4). Asked at most once per substitution call, and only if
    /// a variable is found. Default: `request.operation == "DELETE"`.
    fn is_delete(&self) -> bool {
        matches!(self.resolve("request.operation"), Ok(Value::String(op)) if op == "DELETE")
    }

    /// What `{{@}}` paths start from (CV-11.10): `target` when the context has one (mutate
    /// existing), else `request.object`.
    fn at_prefix(&self) -> &'static str {
        if self.resolve("target").is_ok() {
            "target"
        } else {
            "request.object"
        }
    }
}

/// A [`Resolver`] over a plain JSON context, compiling each expression on the fly (tests).
#[cfg(test)]
pub(crate) struct ValueResolver<'a> {
    /// The JSON context (`request`, `element`, context entries ...).
    pub context: &'a Value,
    /// Function environment.
    pub env: FnEnv,
}

#[cfg(test)]
impl Resolver for ValueResolver<'_> {
    fn resolve(&self, expr: &str) -> Result<Value, VarError> {
        Expression::compile(expr)
            .and_then(|e| e.search(self.context, &self.env))
            .map_err(|e| VarError::from_jmes(expr, e))
    }
}

/// Substitutes one string leaf. A string that is exactly one variable yields the value with
/// its JSON type (CV-10.5); otherwise a string.
pub(crate) fn substitute_str(s: &str, r: &dyn Resolver) -> Result<Value, VarError> {
    Walker::new(r).string(s, &[])
}

/// Walks a document substituting every string leaf and object key (CV-10.1); other leaves
/// are kept as they are.
///
/// `{{@}}` (CV-11.10) expands from the JSON path of its string inside `v`, like Kyverno does
/// with the whole rule: past the first `foreach` element, then two more elements are skipped
/// (`mutate.patchStrategicMerge`), so callers pass the rule-level document.
pub(crate) fn substitute_value(v: &Value, r: &dyn Resolver) -> Result<Value, VarError> {
    let walker = Walker::new(r);
    let mut path = Vec::new();
    walker.value(v, &mut path)
}

/// Whether `s` contains at least one (unescaped) variable.
///
/// Note: a string without variables can still change under substitution (`\{{` loses its
/// backslash, CV-10.3); [`may_change`] is the cheap test for "substitution is a no-op".
#[cfg(test)]
pub(crate) fn has_variables(s: &str) -> bool {
    !scan(s).is_empty()
}

/// Whether substituting `s` could give anything but `s` itself: only text containing `{{`
/// (a variable or an escaped one) can change.
pub(crate) fn may_change(s: &str) -> bool {
    s.contains("{{")
}

/// The expression texts `s` contains on a first scan (CV-10.4 text: braces removed, trimmed,
/// shallow `-` removed), for precompiling. Variables produced by nesting (CV-10.6) and the
/// `@` / DELETE rewrites are only known at substitution time.
pub(crate) fn expressions(s: &str) -> Vec<String> {
    scan(s)
        .into_iter()
        .map(|occ| expression_text(occ).0.to_owned())
        .collect()
}

/// Finds the variable occurrences (`{{...}}` text, without the prefix character the regex
/// also consumes) in the order Go's `FindAllString` reports them.
fn scan(s: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut pos = 0;
    'search: while pos < s.len() {
        let Some(rest) = s.get(pos..) else { break };
        for (offset, c) in rest.char_indices() {
            let i = pos + offset;
            // alternative 1: `^` — only at the very start of the text
            if i == 0
                && let Some(end) = variable_at(s, 0)
            {
                found.push(s.get(0..end).unwrap_or_default());
                pos = end;
                continue 'search;
            }
            // alternative 2: one character that is not a backslash, then the variable
            if c != '\\' {
                let start = i + c.len_utf8();
                if let Some(end) = variable_at(s, start) {
                    found.push(s.get(start..end).unwrap_or_default());
                    pos = end;
                    continue 'search;
                }
            }
        }
        break;
    }
    found
}

/// If `\{\{(?:\{[^{}]*\}|[^{}])*\}\}` matches at byte `start`, its end.
///
/// why no backtracking is needed: the body can only stop at a `}` or at a `{` that does
/// not open a closed one-level group, and giving back a group leaves a `{` that cannot
/// start `}}`; so the greedy scan is the only candidate.
fn variable_at(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    if b.get(start) != Some(&b'{') || b.get(start + 1) != Some(&b'{') {
        return None;
    }
    let mut i = start + 2;
    loop {
        match b.get(i)? {
            b'}' => {
                return (b.get(i + 1) == Some(&b'}')).then_some(i + 2);
            }
            b'{' => {
                // a group `{[^{}]*}`
                let mut j = i + 1;
                loop {
                    match b.get(j)? {
                        b'}' => break,
                        b'{' => return None,
                        _ => j += 1,
                    }
                }
                i = j + 1;
            }
            _ => i += 1,
        }
    }
}

/// CV-10.4: remove every `{{` and `}}`, trim; a leading `-` marks a shallow variable.
fn expression_text(occurrence: &str) -> (String, bool) {
    let text = occurrence.replace("{{", "").replace("}}", "");
    let text = text.trim();
    match text.strip_prefix('-') {
        Some(rest) => (rest.trim().to_owned(), true),
        None => (text.to_owned(), false),
    }
}

/// One substitution call: the resolver and the lazily computed DELETE flag.
struct Walker<'r> {
    resolver: &'r dyn Resolver,
    delete: Cell<Option<bool>>,
}

impl<'r> Walker<'r> {
    fn new(resolver: &'r dyn Resolver) -> Self {
        Walker {
            resolver,
            delete: Cell::new(None),
        }
    }

    fn is_delete(&self) -> bool {
        if let Some(d) = self.delete.get() {
            return d;
        }
        let d = self.resolver.is_delete();
        self.delete.set(Some(d));
        d
    }

    fn value(&self, v: &Value, path: &mut Vec<String>) -> Result<Value, VarError> {
        match v {
            Value::String(s) if !may_change(s) => Ok(Value::String(s.clone())),
            Value::String(s) => self.string(s, path),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    let r = self.value(item, path);
                    path.pop();
                    out.push(r?);
                }
                Ok(Value::Array(out))
            }
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, item) in map {
                    path.push(k.clone());
                    let key = self.key(k, path);
                    let r = key.and_then(|key| Ok((key, self.value(item, path)?)));
                    path.pop();
                    let (key, val) = r?;
                    out.insert(key, val);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// CV-10.8: a key must substitute to a string.
    fn key(&self, k: &str, path: &[String]) -> Result<String, VarError> {
        if !may_change(k) {
            return Ok(k.to_owned());
        }
        match self.string(k, path)? {
            Value::String(s) => Ok(s),
            _ => Err(VarError::KeyNotString(k.to_owned())),
        }
    }

    /// CV-10.2..CV-10.7 for one string at `path`.
    fn string(&self, s: &str, path: &[String]) -> Result<Value, VarError> {
        let mut value = s.to_owned();
        let (mut passes, mut evaluations) = (0, 0);
        loop {
            let original = value.clone();
            let vars: Vec<String> = scan(&original).into_iter().map(str::to_owned).collect();
            if vars.is_empty() {
                break;
            }
            passes += 1;
            if passes > MAX_PASSES {
                return Err(VarError::Runaway {
                    path: pointer(path),
                    reason: format!("still finding variables after {MAX_PASSES} passes"),
                });
            }
            let mut last_shallow = false;
            for occurrence in &vars {
                evaluations += 1;
                if evaluations > MAX_EVALUATIONS {
                    return Err(VarError::Runaway {
                        path: pointer(path),
                        reason: format!("more than {MAX_EVALUATIONS} variables evaluated"),
                    });
                }
                let (mut expr, shallow) = expression_text(occurrence);
                last_shallow = shallow;
                if expr == "@" {
                    expr = at_path(self.resolver.at_prefix(), path);
                }
                if self.is_delete() {
                    expr = expr.replace("request.object", "request.oldObject");
                }
                let result = self
                    .resolver
                    .resolve(&expr)
                    .map_err(|e| fill(e, &expr, path))?;
                // CV-10.5: the whole string is the variable → typed value, done
                if original == *occurrence {
                    return Ok(result);
                }
                let text = match result {
                    // CV-10.7: a shallow value's braces must survive the rescan
                    Value::String(t) if shallow => t.replace("{{", "\\{{"),
                    Value::String(t) => t,
                    other => render(&other),
                };
                // CV-10.5: the first occurrence of that exact text (Go `strings.Replace(.., 1)`)
                value = value.replacen(occurrence.as_str(), &text, 1);
                if value.len() > MAX_TEXT_LEN {
                    return Err(VarError::Runaway {
                        path: pointer(path),
                        reason: format!("text grew beyond {MAX_TEXT_LEN} bytes"),
                    });
                }
            }
            // CV-10.7: a shallow last variable stops the rescanning
            if last_shallow {
                break;
            }
        }
        // CV-10.3: unescape
        Ok(Value::String(value.replace("\\{{", "{{")))
    }
}

/// Puts the evaluated expression and the string's path into a [`VarError::Failed`].
fn fill(err: VarError, expr: &str, path: &[String]) -> VarError {
    match err {
        VarError::Failed { cause, .. } => VarError::Failed {
            expr: expr.to_owned(),
            path: pointer(path),
            cause,
        },
        other => other,
    }
}

/// The JSON pointer of a path, with keys as written (Kyverno does not escape `~` or `/`).
fn pointer(path: &[String]) -> String {
    path.iter().map(|p| format!("/{p}")).collect()
}

/// CV-11.10: the JMESPath of the current string, Kyverno's
/// `ParsePath(path).SkipPast("foreach").SkipN(2).Prepend(prefix).JMESPath()`.
fn at_path(prefix: &str, path: &[String]) -> String {
    let after_foreach = path
        .iter()
        .position(|p| p == "foreach")
        .map_or(path, |i| path.get(i + 1..).unwrap_or_default());
    let rest = after_foreach.get(2..).unwrap_or_default();
    let mut out = prefix.to_owned();
    for element in rest {
        if !element.is_empty() && element.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(element);
            out.push(']');
        } else if is_identifier(element) {
            out.push('.');
            out.push_str(element);
        } else {
            out.push('.');
            out.push_str(&Value::String(element.clone()).to_string());
        }
    }
    out
}

/// An unquoted JMESPath identifier: `[A-Za-z_][A-Za-z0-9_]*`.
fn is_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> Value {
        json!({
            "request": {
                "operation": "CREATE",
                "object": {
                    "metadata": {
                        "name": "web",
                        "labels": {"team": "a", "app": "shop"},
                        "annotations": {"nothing": null}
                    },
                    "spec": {
                        "replicas": 3,
                        "ratio": 1.5,
                        "containers": [{"image": "nginx", "name": "c"}]
                    }
                },
                "oldObject": {"metadata": {"name": "old-web"}}
            },
            "element": {"key": "app"},
            "loop": "{{ loop }}",
            "twice": "{{ twice }}{{ twice }}",
            "template": "a {{ request.operation }}",
            "keyname": "team",
            "num": 7
        })
    }

    fn resolver(ctx: &Value) -> ValueResolver<'_> {
        ValueResolver {
            context: ctx,
            env: FnEnv {
                now: jiff::Timestamp::UNIX_EPOCH,
                seed: 0,
            },
        }
    }

    fn check(input: &str, expect: Result<Value, VarError>) {
        let ctx = context();
        assert_eq!(substitute_str(input, &resolver(&ctx)), expect, "{input:?}");
    }

    fn text(s: &str) -> Result<Value, VarError> {
        Ok(Value::String(s.to_owned()))
    }

    #[test]
    fn cv_10_5_whole_string_keeps_type() {
        check("{{ request.object.spec.replicas }}", Ok(json!(3)));
        check("{{request.object.spec.ratio}}", Ok(json!(1.5)));
        check(
            "{{ request.object.metadata.labels }}",
            Ok(json!({"team": "a", "app": "shop"})),
        );
        check(
            "{{ request.object.spec.containers[].image }}",
            Ok(json!(["nginx"])),
        );
        // CV-10.2: one level of single braces (multiselect hash) inside
        check("{{ {op: request.operation} }}", Ok(json!({"op": "CREATE"})));
        // CV-12.4: an existing null is null, not an error
        check(
            "{{ request.object.metadata.annotations.nothing }}",
            Ok(Value::Null),
        );
    }

    #[test]
    fn cv_10_5_embedded_renders_text() {
        check("n={{ request.object.spec.replicas }}", text("n=3"));
        check(" {{ request.object.spec.replicas }}", text(" 3"));
        check("{{ request.object.spec.replicas }} ", text("3 "));
        check("r={{ request.object.spec.ratio }}", text("r=1.5"));
        // compact JSON, keys sorted
        check(
            "l={{ request.object.metadata.labels }}",
            text(r#"l={"app":"shop","team":"a"}"#),
        );
        check(
            "{{ request.operation }}/{{ request.object.metadata.name }}",
            text("CREATE/web"),
        );
        // CV-12.4: embedded null renders as `null`
        check(
            "x{{ request.object.metadata.annotations.nothing }}",
            text("xnull"),
        );
        check("b={{ `true` }}", text("b=true"));
        check("no variables at all", text("no variables at all"));
    }

    #[test]
    fn cv_10_2_adjacent_variables_resolve_through_the_rescan() {
        check(
            "{{ request.operation }}{{ request.object.metadata.name }}",
            text("CREATEweb"),
        );
    }

    #[test]
    fn cv_10_3_escaping() {
        check(r"\{{ request.operation }}", text("{{ request.operation }}"));
        check(
            r"a \{{ x }} b {{ request.operation }}",
            text("a {{ x }} b CREATE"),
        );
        assert!(!has_variables(r"\{{ request.operation }}"));
        assert!(may_change(r"\{{ request.operation }}"));
        assert!(!may_change("plain { text }"));
    }

    #[test]
    fn cv_10_4_expression_text() {
        assert_eq!(
            expressions("{{ a.b }} and {{- c }} and {{d}} but not \\{{ e }}"),
            vec!["a.b", "c", "d"]
        );
        assert_eq!(expressions("{{ {a: b} }}"), vec!["{a: b}"]);
        assert!(expressions("{{ a").is_empty());
        assert!(expressions("{{ {{ a }}").len() == 1);
        assert!(has_variables("x {{ y }}"));
    }

    #[test]
    fn cv_10_6_nested_variables_resolve_inner_first() {
        check(
            r#"{{ request.object.metadata.labels."{{ element.key }}" }}"#,
            Ok(json!("shop")),
        );
        check(
            "{{ starts_with('{{ request.object.metadata.name }}', 'w') }}",
            Ok(json!(true)),
        );
        // the corpus idiom (other/require-reasonable-pdbs): inner default, outer regex
        check(
            "{{ regex_match('^[0-9]+%$', '{{ request.object.spec.minAvailable || ''}}') }}",
            Ok(json!(false)),
        );
        check(
            "{{ regex_match('^[0-9]+%$', '{{ request.object.spec.ratio || ''}}') }}",
            Ok(json!(false)),
        );
        check(
            "{{ regex_match('^[0-9]+$', '{{ request.object.spec.replicas }}') }}",
            Ok(json!(true)),
        );
        // side effect: `{{` produced by a value is evaluated on the next pass
        check("t: {{ template }}", text("t: a CREATE"));
    }

    #[test]
    fn cv_10_7_shallow_variables_are_not_rescanned() {
        check("t: {{- template }}", text("t: a {{ request.operation }}"));
        // whole string: typed insertion ends processing before any rescan
        check("{{- template }}", Ok(json!("a {{ request.operation }}")));
    }

    #[test]
    fn cv_10_8_keys() {
        let ctx = context();
        let doc = json!({"{{ keyname }}": {"x-{{ element.key }}": "{{ num }}"}, "plain": 1});
        assert_eq!(
            substitute_value(&doc, &resolver(&ctx)),
            Ok(json!({"team": {"x-app": 7}, "plain": 1}))
        );
        let bad = json!({"{{ num }}": 1});
        assert_eq!(
            substitute_value(&bad, &resolver(&ctx)),
            Err(VarError::KeyNotString("{{ num }}".to_owned()))
        );
        assert_eq!(
            VarError::KeyNotString("{{ num }}".to_owned()).to_string(),
            "expected string after substituting variables in key \"{{ num }}\""
        );
    }

    #[test]
    fn cv_10_9_errors() {
        // CV-12.2 consequences through substitution
        check(
            "{{ request.object.metadata.labels.missing }}",
            Err(VarError::NotFound("missing".to_owned())),
        );
        check(
            "{{ request.object.metadata.labels.missing || '' }}",
            text(""),
        );
        check(
            "{{ to_string(request.object.metadata.labels.missing) }}",
            text("null"),
        );
        check(
            "{{ length(request.object.spec.volumes || `[]`) }}",
            Ok(json!(0)),
        );
        // any other error: `failed to resolve <expr> at path <pointer>: <cause>`
        let ctx = context();
        let doc = json!({"spec": {"items": ["ok", "{{ length(`1`) }}"]}});
        let err = substitute_value(&doc, &resolver(&ctx)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to resolve length(`1`) at path /spec/items/1: JMESPath function 'length': \
             argument #1 is not of type string|array|object"
        );
        assert_eq!(
            VarError::NotFound("app".to_owned()).to_string(),
            "Unknown key \"app\" in path"
        );
        // an error in a later document node stops the whole substitution
        let doc = json!({"a": "{{ request.operation }}", "b": "{{ nope }}"});
        assert_eq!(
            substitute_value(&doc, &resolver(&ctx)),
            Err(VarError::NotFound("nope".to_owned()))
        );
    }

    #[test]
    fn cv_10_4_at_expands_to_the_current_path() {
        let ctx = context();
        let rule = json!({"mutate": {"patchStrategicMerge": {"spec": {"containers": [
            {"image": "{{@}}", "name": "x-{{ @ }}"}
        ]}}}});
        assert_eq!(
            substitute_value(&rule, &resolver(&ctx)),
            Ok(
                json!({"mutate": {"patchStrategicMerge": {"spec": {"containers": [
                    {"image": "nginx", "name": "x-c"}
                ]}}}})
            )
        );
        assert_eq!(
            at_path(
                "request.object",
                &[
                    "mutate",
                    "foreach",
                    "0",
                    "patchStrategicMerge",
                    "metadata",
                    "labels",
                    "a.b"
                ]
                .map(String::from)
            ),
            r#"request.object.metadata.labels."a.b""#
        );
    }

    #[test]
    fn cv_10_4_delete_reads_old_object() {
        let mut ctx = context();
        ctx["request"]["operation"] = json!("DELETE");
        assert_eq!(
            substitute_str("{{ request.object.metadata.name }}", &resolver(&ctx)),
            Ok(json!("old-web"))
        );
    }

    #[test]
    fn substitution_terminates() {
        let ctx = context();
        let r = resolver(&ctx);
        assert!(matches!(
            substitute_str("{{ loop }}!", &r),
            Err(VarError::Runaway { .. })
        ));
        assert!(matches!(
            substitute_str("{{ twice }}!", &r),
            Err(VarError::Runaway { .. })
        ));
        // hostile texts never panic
        for s in [
            "{{",
            "}}",
            "{{}}",
            "{{{",
            "{{{}}}",
            "\\",
            "é{{é}}",
            "{{ '{{' }}",
            "{{ {{ }} }}",
        ] {
            let _ = substitute_str(s, &r);
            let _ = expressions(s);
        }
        assert!(matches!(
            substitute_str("{{}}", &r),
            Err(VarError::Failed { .. })
        ));
    }

    #[test]
    fn scan_follows_the_go_regex() {
        // (matches of group 2 of `(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})`, worked by hand)
        assert_eq!(scan("{{a}}{{b}}"), vec!["{{a}}"]);
        assert_eq!(scan("{{a}} {{b}}"), vec!["{{a}}", "{{b}}"]);
        assert_eq!(scan("x{{a}}"), vec!["{{a}}"]);
        assert_eq!(scan("\\{{a}}"), Vec::<&str>::new());
        assert_eq!(scan("{{{a}}}"), vec!["{{{a}}}"]);
        assert_eq!(scan("{{ {a: {b}} }}"), Vec::<&str>::new());
        assert_eq!(scan("{{ x {{ y }} }}"), vec!["{{ y }}"]);
        assert_eq!(scan("é{{a}}"), vec!["{{a}}"]);
    }
}
