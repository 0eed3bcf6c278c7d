//! Kyverno's JMESPath dialect (CV-15..CV-17): the `jmespath` crate parses, our own
//! interpreter evaluates directly over `&serde_json::Value`.
//!
//! why not the crate's `search`: it converts the whole document to its own value type on
//! every call (~27 µs per search on a Pod) and knows nothing of Kyverno's "not found"
//! error (CV-12.1) or functions (CV-16).
//!
//! Dialect summary:
//! - CV-12.1: selecting a key missing from an object is [`JmesError::NotFound`]; a field of
//!   a non-object or an out-of-range index is null;
//! - CV-12.2: not-found propagates through `a.b[0].c` chains and becomes null in comparison
//!   operands, function arguments, filters and projections (both the projected value and
//!   each element), multiselect lists/hashes, the left side of `||`/`&&`, `!`, and each
//!   stage of a pipe;
//! - CV-15.2: raw strings `'...'` keep backslashes except in `\'` (the crate's lexer does
//!   exactly this; see the tests);
//! - CV-15.3: standard built-ins, with Kyverno's `sum` replacing the standard one;
//! - CV-15.4: arguments are type-checked before any call.

mod ast;
mod builtins;
mod functions;
mod interp;
mod json;
mod types;

#[cfg(test)]
mod compliance_tests;

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::Value;

use self::ast::Node;
use self::interp::Interp;
pub use self::json::render;
pub use self::types::FnEnv;
use self::types::KyvernoFunction;

/// An evaluation or compile error.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum JmesError {
    /// The expression does not parse.
    #[error("{0}")]
    Syntax(String),
    /// CV-12.1: a key missing from an object (Kyverno dialect only). Carries the key.
    #[error("Unknown key \"{0}\" in path")]
    NotFound(String),
    /// Any other evaluation error (bad argument types, unknown function, function error).
    #[error("{0}")]
    Runtime(String),
}

/// A compiled expression: parse once, search many documents. Cheap to clone, `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Expression {
    src: Arc<str>,
    root: Arc<Node>,
}

/// Most bracket-like / prefix tokens (`[ ( { ! & *`) an expression may have, and most
/// chain operators (`.`, `|`). why: the crate's recursive-descent parser recurses once
/// per nesting level, so hostile input could overflow the stack before we see a tree.
const MAX_NESTING_TOKENS: usize = 256;
const MAX_CHAIN_TOKENS: usize = 1024;

impl Expression {
    /// Parses `src` (surrounding whitespace is allowed).
    pub fn compile(src: &str) -> Result<Expression, JmesError> {
        check_size(src)?;
        let parsed = jmespath::parse(src).map_err(|e| {
            JmesError::Syntax(format!(
                "invalid JMESPath expression `{}`: {} at column {}",
                shorten(src),
                e.reason,
                e.column
            ))
        })?;
        let root = ast::convert(&parsed, src, kyverno_lookup).map_err(|m| {
            JmesError::Syntax(format!(
                "invalid JMESPath expression `{}`: {m}",
                shorten(src)
            ))
        })?;
        Ok(Expression {
            src: Arc::from(src),
            root: Arc::new(root),
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Kyverno's dialect: CV-12 not-found semantics, Kyverno functions.
    pub fn search(&self, data: &Value, env: &FnEnv) -> Result<Value, JmesError> {
        self.search_ref(data, env).map(Cow::into_owned)
    }

    /// Like [`Expression::search`] but borrows the result from `data` (or from the
    /// expression's literals) when it is a plain selection, avoiding a copy.
    pub fn search_ref<'a>(
        &'a self,
        data: &'a Value,
        env: &FnEnv,
    ) -> Result<Cow<'a, Value>, JmesError> {
        Interp {
            env,
            kyverno: true,
            built: std::cell::Cell::new(0),
        }
        .eval(&self.root, data, 0)
    }

    /// Standard JMESPath semantics (missing keys are null, standard functions only), for
    /// the compliance suite.
    pub fn search_standard(&self, data: &Value, env: &FnEnv) -> Result<Value, JmesError> {
        Interp {
            env,
            kyverno: false,
            built: std::cell::Cell::new(0),
        }
        .eval(&self.root, data, 0)
        .map(Cow::into_owned)
    }
}

/// Rejects expressions too large to parse safely (see [`MAX_NESTING_TOKENS`]). Characters
/// inside quoted identifiers, raw strings and JSON literals do not count.
fn check_size(src: &str) -> Result<(), JmesError> {
    let (mut nesting, mut chain) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut chars = src.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == '\\' {
                    // why: the lexer treats backslash + next char as one unit in all three quotes
                    chars.next();
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' | '`' => quote = Some(c),
                '[' | '(' | '{' | '!' | '&' | '*' => nesting += 1,
                '.' | '|' => chain += 1,
                _ => {}
            },
        }
    }
    if nesting > MAX_NESTING_TOKENS || chain > MAX_CHAIN_TOKENS {
        return Err(JmesError::Syntax(format!(
            "JMESPath expression is too complex ({nesting} brackets/operators, {chain} `.`/`|`; limits {MAX_NESTING_TOKENS} and {MAX_CHAIN_TOKENS})"
        )));
    }
    Ok(())
}

/// The expression text for an error message, cut after 120 characters.
fn shorten(src: &str) -> Cow<'_, str> {
    match src.char_indices().nth(120) {
        Some((at, _)) => Cow::Owned(format!("{}...", src.get(..at).unwrap_or(src))),
        None => Cow::Borrowed(src),
    }
}

/// Resolves a non-standard function name (CV-16).
fn kyverno_lookup(name: &str) -> Option<&'static KyvernoFunction> {
    functions::lookup(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env() -> FnEnv {
        FnEnv {
            now: jiff::Timestamp::UNIX_EPOCH,
            seed: 0,
        }
    }

    fn ctx() -> Value {
        json!({
            "request": {
                "operation": "CREATE",
                "object": {
                    "metadata": {"name": "web", "labels": {"team": "a"}},
                    "spec": {
                        "replicas": 3,
                        "containers": [
                            {"name": "c1", "image": "nginx", "ports": [{"containerPort": 80}]},
                            {"name": "c2", "image": "redis"}
                        ],
                        "nullish": null
                    }
                }
            }
        })
    }

    /// Runs `expr` in Kyverno's dialect against [`ctx`].
    fn check(expr: &str, expect: Result<Value, JmesError>) {
        let compiled = Expression::compile(expr).unwrap();
        assert_eq!(compiled.search(&ctx(), &env()), expect, "{expr}");
    }

    fn not_found(key: &str) -> Result<Value, JmesError> {
        Err(JmesError::NotFound(key.to_owned()))
    }

    #[test]
    fn cv_12_1_missing_key_is_not_found() {
        check("request.object.metadata.labels.app", not_found("app"));
        check("request.object.missing.deeper", not_found("missing"));
        check("missing", not_found("missing"));
        // chained index access propagates (CV-12.2)
        check("request.object.absent[0].name", not_found("absent"));
    }

    #[test]
    fn cv_12_1_non_object_and_out_of_range_are_null() {
        check("request.object.metadata.name.length", Ok(Value::Null));
        check("request.object.spec.replicas.x", Ok(Value::Null));
        check("request.object.spec.containers.name", Ok(Value::Null));
        check("request.object.spec.containers[5]", Ok(Value::Null));
        check("request.object.spec.containers[5].name", Ok(Value::Null));
        check("request.object.spec.nullish.x", Ok(Value::Null));
    }

    #[test]
    fn cv_12_4_existing_null_is_not_an_error() {
        check("request.object.spec.nullish", Ok(Value::Null));
    }

    #[test]
    fn cv_12_2_swallowing_points() {
        // left side of `||` / `&&`
        check("request.object.metadata.labels.app || ''", Ok(json!("")));
        check("request.object.metadata.labels.app && 'x'", Ok(Value::Null));
        // right side of `||` is not swallowed
        check(
            "`null` || request.object.metadata.labels.app",
            not_found("app"),
        );
        // function arguments
        check(
            "to_string(request.object.metadata.labels.app)",
            Ok(json!("null")),
        );
        check("length(request.object.spec.volumes || `[]`)", Ok(json!(0)));
        check("not_null(request.object.x, 'd')", Ok(json!("d")));
        // comparison operands
        check(
            "request.object.metadata.labels.app == `null`",
            Ok(json!(true)),
        );
        check("request.object.metadata.labels.app != 'x'", Ok(json!(true)));
        // `!` (it binds tighter than `.`, hence the parentheses)
        check("!(request.object.metadata.labels.app)", Ok(json!(true)));
        // filters and projections
        check(
            "request.object.spec.containers[?ports].name",
            Ok(json!(["c1"])),
        );
        check(
            "request.object.spec.containers[].ports[].containerPort",
            Ok(json!([80])),
        );
        check(
            "request.object.spec.containers[*].ports",
            Ok(json!([[{"containerPort": 80}]])),
        );
        check(
            "request.object.spec.containers[?missing == 'x']",
            Ok(json!([])),
        );
        check("request.object.metadata.*.app", Ok(json!([])));
        check("request.object.spec.missing[*].name", Ok(Value::Null));
        check("request.object.spec.missing[]", Ok(Value::Null));
        // multiselect list / hash
        check(
            "request.object.[missing, metadata.name]",
            Ok(json!([null, "web"])),
        );
        check("request.object.{a: missing}", Ok(json!({"a": null})));
        // each stage of a pipe
        check("request.object.missing | @", Ok(Value::Null));
        check("request.object | missing", Ok(Value::Null));
    }

    #[test]
    fn cv_15_2_raw_strings_keep_backslashes() {
        check(r"'\bjcmd\b'", Ok(json!(r"\bjcmd\b")));
        check(r"'a\.b'", Ok(json!(r"a\.b")));
        check(r"'it\'s'", Ok(json!("it's")));
        check(r"'\n'", Ok(json!(r"\n")));
        // `\\` keeps both backslashes (the fork snapshot's reading, CV-15.2)
        check(r"'a\\b'", Ok(json!(r"a\\b")));
        // a double-quoted name is a JSON-unescaped identifier, not a string
        check(r#"request.object.metadata."name""#, Ok(json!("web")));
    }

    #[test]
    fn cv_15_2_numbers() {
        check("`1` == `1.0`", Ok(json!(true)));
        check("request.object.spec.replicas == `3.0`", Ok(json!(true)));
        check("request.object.spec.replicas > `2.5`", Ok(json!(true)));
        check("`[1, 2]` == `[1.0, 2.0]`", Ok(json!(true)));
        check("'a' < 'b'", Ok(Value::Null));
        check("length('héllo')", Ok(json!(5)));
    }

    #[test]
    fn cv_15_4_argument_types_checked() {
        check(
            "length(`1`)",
            Err(JmesError::Runtime(
                "JMESPath function 'length': argument #1 is not of type string|array|object"
                    .to_owned(),
            )),
        );
        check(
            "starts_with('a')",
            Err(JmesError::Runtime(
                "JMESPath function 'starts_with': expected 2 arguments, got 1".to_owned(),
            )),
        );
        check(
            "no_such_function(`1`)",
            Err(JmesError::Runtime(
                "unknown function: no_such_function".to_owned(),
            )),
        );
    }

    #[test]
    fn cv_15_3_expref_functions() {
        check(
            "sort_by(request.object.spec.containers, &name)[].name",
            Ok(json!(["c1", "c2"])),
        );
        check(
            "map(&image, request.object.spec.containers)",
            Ok(json!(["nginx", "redis"])),
        );
        check(
            "max_by(request.object.spec.containers, &image).name",
            Ok(json!("c2")),
        );
        check(
            "min_by(request.object.spec.containers, &image).name",
            Ok(json!("c1")),
        );
        // a not-found inside an expref is null (function arguments swallow, CV-12.2)
        check(
            "map(&ports, request.object.spec.containers)",
            Ok(json!([[{"containerPort": 80}], null])),
        );
    }

    #[test]
    fn cv_16_kyverno_functions_are_reachable() {
        // the corpus idiom of CV-15.2: `\b` reaches the regex engine as a word boundary
        check(
            r"request.object.spec.containers[].image.regex_match('\bngin\w\b', @)",
            Ok(json!([true, false])),
        );
        check("to_upper(request.object.metadata.name)", Ok(json!("WEB")));
        // CV-15.3: Kyverno's `sum` replaces the standard one (empty array is an error)
        check("sum(`[1, 2]`)", Ok(json!(3)));
        assert!(matches!(
            Expression::compile("sum(`[]`)")
                .unwrap()
                .search(&ctx(), &env()),
            Err(JmesError::Runtime(_))
        ));
        let standard = Expression::compile("sum(`[]`)").unwrap();
        assert_eq!(standard.search_standard(&ctx(), &env()), Ok(json!(0)));
        // CV-15.4: checked before the call
        check(
            "to_upper(`1`)",
            Err(JmesError::Runtime(
                "JMESPath function 'to_upper': argument #1 is not of type string".to_owned(),
            )),
        );
        // CV-12.2: a not-found argument is null, so the type check reports it
        check(
            "to_upper(request.object.metadata.labels.app)",
            Err(JmesError::Runtime(
                "JMESPath function 'to_upper': argument #1 is not of type string".to_owned(),
            )),
        );
    }

    #[test]
    fn not_found_display_is_kyvernos() {
        assert_eq!(
            JmesError::NotFound("app".to_owned()).to_string(),
            "Unknown key \"app\" in path"
        );
    }

    #[test]
    fn standard_mode_has_no_not_found() {
        let e = Expression::compile("request.object.metadata.labels.app").unwrap();
        assert_eq!(e.search_standard(&ctx(), &env()), Ok(Value::Null));
    }

    #[test]
    fn hostile_input_is_an_error_not_a_crash() {
        for src in [
            "(".repeat(100_000),
            "!".repeat(100_000) + "a",
            "a[*]".repeat(10_000),
            "a.".repeat(100_000) + "b",
            "& ".repeat(10_000) + "a",
        ] {
            assert!(Expression::compile(&src).is_err(), "{}", &src[..10]);
        }
        // deep but accepted by the size check: evaluation is depth-bounded
        let data = json!({"a": [{"a": 1}]});
        for src in [
            "[".repeat(255) + "a" + &"]".repeat(255),
            "to_string(".repeat(255) + "a" + &")".repeat(255),
            "!".repeat(255) + "a",
            "a[].".repeat(255) + "a",
            "{a:".repeat(255) + "a" + &"}".repeat(255),
            vec!["a"; 500].join("."),
        ] {
            let e = Expression::compile(&src).unwrap();
            let got = e.search(&data, &env());
            assert!(
                matches!(&got, Err(JmesError::Runtime(m)) if m.contains("nested too deeply")),
                "{}: {got:?}",
                &src[..10]
            );
        }
    }

    #[test]
    fn expression_is_send_sync_clone() {
        fn assert_traits<T: Send + Sync + Clone>() {}
        assert_traits::<Expression>();
        let e = Expression::compile(" a.b ").unwrap();
        assert_eq!(e.source(), " a.b ");
    }
}
