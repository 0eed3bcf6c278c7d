//! The template engine: minijinja with policy-friendly delimiters, strict undefined, a fuel
//! limit, no auto-escaping, YAML-style value printing and Helm/Sprig filters.
//!
//! # Filters and functions
//!
//! Besides minijinja's built-in filters (`lower`, `upper`, `title`, `trim`, `replace`,
//! `join`, `length`, `first`, `last`, `sort`, `unique`, `map`, `select`, `items`,
//! `dictsort`, `int`, `float`, `string`, `list`, `round`, `min`, `max`, `sum`, `batch`,
//! `slice`, `reverse`, `split`, `lines`, `capitalize`, `abs`, `attr`, `bool`, `pprint`),
//! templates have these Helm/Sprig filters. Sprig passes the piped value as the *last*
//! argument (`.Values.x | default "y"`); as filters it is the first (`Values.x |
//! default("y")`), which reads the same.
//!
//! | filter | meaning |
//! | --- | --- |
//! | `toYaml` | block YAML, no trailing newline (Helm's `toYaml`); keys sorted |
//! | `toJson`, `toPrettyJson` | JSON, keys sorted, `<`, `>`, `&` escaped as Go does |
//! | `fromYaml`, `fromJson` | parse a string |
//! | `indent(n)` | prefix every line with `n` spaces (Sprig: blank lines too) |
//! | `nindent(n)` | a newline, then `indent(n)` |
//! | `quote`, `squote` | `"…"` (Go `%q` escaping) / `'…'` (no escaping); `none` gives `""` |
//! | `default(d)` | `d` when the value is undefined, `none`, `false`, `0`, `""` or empty (Sprig's "empty") |
//! | `required(msg)` | the value, or an error with `msg` when undefined, `none` or `""` |
//! | `empty` | Sprig's emptiness test as a boolean |
//! | `ternary(a, b)` | `a` when the value is true, else `b` |
//! | `b64enc`, `b64dec` | standard base64 with padding |
//! | `trunc(n)` | the first `n` characters (negative: the last `-n`) |
//! | `trimPrefix(p)`, `trimSuffix(s)`, `trimAll(chars)` | as Sprig |
//! | `contains(s)`, `hasPrefix(s)`, `hasSuffix(s)` | substring tests |
//! | `hasKey(k)` | a map has the key |
//! | `keys` | a map's keys, sorted |
//! | `sortAlpha`, `uniq` | sorted strings / duplicates removed, order kept |
//! | `splitList(sep)` | split a string into a list |
//! | `toString` | the value printed as in the output |
//!
//! Functions: `fail(msg)` aborts with `msg`; `coalesce(a, b, …)` returns the first
//! non-empty argument.

use std::fmt::Write as _;

use minijinja::value::{Rest, Serde, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior, Value};

use crate::error::{RenderError, RenderErrorKind};

/// Default fuel per template render: enough for thousands of loop iterations, bounded so
/// a runaway template stops.
pub const DEFAULT_FUEL: u64 = 5_000_000;

/// The template delimiters and whitespace handling of a chart (`templateSyntax` in
/// `Chart.yaml`). Defaults: `[[ expr ]]`, `[% stmt %]`, `[# comment #]`, trim_blocks and
/// lstrip_blocks on (a `[% if %]` line leaves no blank line behind).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateSyntax {
    /// Expression delimiters.
    pub variable: (String, String),
    /// Statement delimiters.
    pub block: (String, String),
    /// Comment delimiters.
    pub comment: (String, String),
    /// Remove the first newline after a block tag.
    pub trim_blocks: bool,
    /// Strip whitespace before a block tag at the start of a line.
    pub lstrip_blocks: bool,
}

impl Default for TemplateSyntax {
    fn default() -> Self {
        Self {
            variable: ("[[".into(), "]]".into()),
            block: ("[%".into(), "%]".into()),
            comment: ("[#".into(), "#]".into()),
            trim_blocks: true,
            lstrip_blocks: true,
        }
    }
}

/// A compiled set of templates (one chart's templates and partials).
pub(crate) struct Engine {
    env: Environment<'static>,
    /// (name, source), to quote the failing expression in errors.
    sources: Vec<(String, String)>,
    /// How to show a template name in messages (`chart/templates/<name>`).
    prefix: String,
}

fn tmpl_error(msg: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg)
}

impl Engine {
    /// Builds the environment and compiles every template. `prefix` is prepended to
    /// template names in errors.
    pub(crate) fn new(
        syntax: &TemplateSyntax,
        templates: &[(String, String)],
        prefix: &str,
        fuel: u64,
    ) -> Result<Self, RenderError> {
        let mut env = Environment::new();
        let config = minijinja::syntax::SyntaxConfig::builder()
            .variable_delimiters(syntax.variable.0.clone(), syntax.variable.1.clone())
            .block_delimiters(syntax.block.0.clone(), syntax.block.1.clone())
            .comment_delimiters(syntax.comment.0.clone(), syntax.comment.1.clone())
            .trim_blocks(syntax.trim_blocks)
            .lstrip_blocks(syntax.lstrip_blocks)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| {
                RenderError::new(
                    RenderErrorKind::Invalid,
                    format!("invalid template delimiters: {}", detail(&e)),
                )
            })?;
        env.set_syntax(config);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_fuel(Some(fuel));
        env.set_formatter(format_value);
        register_filters(&mut env);
        let mut engine = Self {
            env,
            sources: Vec::new(),
            prefix: prefix.to_owned(),
        };
        for (name, source) in templates {
            engine
                .env
                .add_template_owned(name.clone(), source.clone())
                .map_err(|e| engine.convert(&e, name))?;
            engine.sources.push((name.clone(), source.clone()));
        }
        Ok(engine)
    }

    /// Renders template `name` with `ctx`.
    pub(crate) fn render(&self, name: &str, ctx: &Value) -> Result<String, RenderError> {
        let tmpl = self
            .env
            .get_template(name)
            .map_err(|e| self.convert(&e, name))?;
        tmpl.render(ctx.clone()).map_err(|e| self.convert(&e, name))
    }

    /// A minijinja error as ours: file, line, kind and, for undefined values, the
    /// expression that was undefined.
    fn convert(&self, e: &Error, rendering: &str) -> RenderError {
        let name = e.name().unwrap_or(rendering).to_owned();
        let file = format!("{}{}", self.prefix, name);
        let source = self
            .sources
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.as_str());
        let snippet = e
            .range()
            .and_then(|r| source.and_then(|s| expression_at(s, r)));
        let (kind, message) = match e.kind() {
            ErrorKind::SyntaxError | ErrorKind::InvalidDelimiter | ErrorKind::BadEscape => (
                RenderErrorKind::TemplateSyntax,
                format!("template syntax error: {}", detail(e)),
            ),
            ErrorKind::UndefinedError => {
                let what = snippet
                    .as_deref()
                    .map(|s| format!(" `{s}`"))
                    .unwrap_or_default();
                (RenderErrorKind::Undefined, format!("undefined value{what}"))
            }
            ErrorKind::OutOfFuel => (
                RenderErrorKind::Template,
                "template ran out of fuel (an endless or very long loop?)".to_owned(),
            ),
            ErrorKind::TemplateNotFound => (
                RenderErrorKind::Template,
                format!("template not found: {}", detail(e)),
            ),
            _ => (RenderErrorKind::Template, detail(e)),
        };
        let mut out = RenderError::new(kind, message)
            .with_file(file)
            .with_line(e.line());
        if kind == RenderErrorKind::Undefined
            && let Some(s) = snippet
        {
            out = out.with_values_path(values_path(&s));
        }
        out
    }
}

/// The expression an error span points into, widened to the left over the attribute
/// chain it belongs to (minijinja's span of `Values.a.missing` starts at `.missing`).
fn expression_at(source: &str, range: std::ops::Range<usize>) -> Option<String> {
    let head = source.get(..range.start)?;
    let body = source.get(range)?;
    let is_path = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '"' | '\'');
    let start = head
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_path(c))
        .last()
        .map_or(head.len(), |(i, _)| i);
    let prefix = head.get(start..).unwrap_or("");
    Some(format!("{prefix}{body}").trim().to_owned())
}

/// `Values.a.b | default(1)` → `Values.a.b`: the dotted path at the start of an expression.
fn values_path(expr: &str) -> String {
    expr.chars()
        .take_while(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']' | '"' | '\'')
        })
        .collect()
}

/// The error's message without minijinja's location suffix.
fn detail(e: &Error) -> String {
    let d = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_owned);
    let d = d.trim_end_matches('.').to_owned();
    match e.kind() {
        ErrorKind::InvalidOperation | ErrorKind::UndefinedError => d,
        _ => {
            let k = e.kind().to_string();
            if e.detail().is_some() {
                format!("{k}: {d}")
            } else {
                k
            }
        }
    }
}

/// Prints values as YAML reads them: `null`, `true`, maps and lists as JSON flow.
fn format_value(
    out: &mut minijinja::Output,
    _state: &mut State,
    value: &Value,
) -> Result<(), Error> {
    let write_failed = |_| Error::new(ErrorKind::WriteFailure, "cannot write output");
    match value.kind() {
        ValueKind::Undefined => Err(Error::new(ErrorKind::UndefinedError, "undefined value")),
        ValueKind::None => out.write_str("null").map_err(write_failed),
        ValueKind::Bool => out
            .write_str(if value.is_true() { "true" } else { "false" })
            .map_err(write_failed),
        ValueKind::Map | ValueKind::Seq | ValueKind::Iterable => {
            let json = to_json(value, false)?;
            out.write_str(&json).map_err(write_failed)
        }
        _ => write!(out, "{value}").map_err(write_failed),
    }
}

fn to_serde(value: &Value) -> Result<serde_json::Value, Error> {
    if value.is_undefined() {
        return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
    }
    serde_json::to_value(value).map_err(|e| tmpl_error(format!("cannot convert value: {e}")))
}

/// Go's `json.Marshal`: compact, keys sorted (minijinja maps are ordered), HTML-escaped.
fn to_json(value: &Value, pretty: bool) -> Result<String, Error> {
    let v = to_serde(value)?;
    let s = if pretty {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    }
    .map_err(|e| tmpl_error(format!("cannot serialize: {e}")))?;
    Ok(s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

/// Sprig's "empty": undefined, none, false, 0, "", empty list or map.
fn is_empty(v: &Value) -> bool {
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => true,
        ValueKind::Bool => !v.is_true(),
        ValueKind::Number => !v.is_true(),
        ValueKind::String => v.as_str().is_some_and(str::is_empty),
        ValueKind::Seq | ValueKind::Map => v.len() == Some(0),
        _ => false,
    }
}

fn string_of(v: &Value) -> String {
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => String::new(),
        _ => v.as_str().map_or_else(|| v.to_string(), str::to_owned),
    }
}

/// Longest text `indent`/`nindent` may produce (minijinja's own limit for `*`): a huge
/// width is a template error, not an allocation failure (found by `fuzz/` target `template`).
const MAX_INDENTED_LEN: usize = 100_000_000;

fn indent_str(s: &str, n: usize) -> Result<String, Error> {
    let lines = s.matches('\n').count() + 1;
    let len = lines
        .checked_mul(n)
        .and_then(|pad| pad.checked_add(s.len()));
    if len.is_none_or(|len| len > MAX_INDENTED_LEN) {
        return Err(tmpl_error(format!(
            "indent({n}): the indented text would be too large"
        )));
    }
    let pad = " ".repeat(n);
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

/// Go's `%q` for a string.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn b64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sym = |shift: u32| {
            char::from(
                B64.get(((n >> shift) & 63) as usize)
                    .copied()
                    .unwrap_or(b'='),
            )
        };
        out.push(sym(18));
        out.push(sym(12));
        out.push(if chunk.len() > 1 { sym(6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(0) } else { '=' });
    }
    out
}

pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn register_filters(env: &mut Environment<'static>) {
    env.add_filter("toYaml", |v: &Value| -> Result<String, Error> {
        let json = to_serde(v)?;
        let text = crate::output::yaml_value(&json).map_err(|e| tmpl_error(e.message))?;
        Ok(text.trim_end_matches('\n').to_owned())
    });
    env.add_filter("toJson", |v: &Value| to_json(v, false));
    env.add_filter("toPrettyJson", |v: &Value| to_json(v, true));
    env.add_filter("fromJson", |s: &str| -> Result<Value, Error> {
        let v: serde_json::Value =
            serde_json::from_str(s).map_err(|e| tmpl_error(format!("fromJson: {e}")))?;
        Ok(Value::from(Serde(v)))
    });
    env.add_filter("fromYaml", |s: &str| -> Result<Value, Error> {
        let docs = policy_model::split_documents(s);
        let Some(doc) = docs.first() else {
            return Ok(Value::from(()));
        };
        let v = doc
            .parse("fromYaml")
            .map_err(|e| tmpl_error(format!("fromYaml: {}", e.message)))?;
        Ok(Value::from(Serde(v)))
    });
    env.add_filter("indent", |v: &Value, n: usize| indent_str(&string_of(v), n));
    env.add_filter("nindent", |v: &Value, n: usize| {
        indent_str(&string_of(v), n).map(|s| format!("\n{s}"))
    });
    env.add_filter("quote", |v: &Value| -> Result<String, Error> {
        if v.is_undefined() {
            return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
        }
        Ok(if v.is_none() {
            "\"\"".to_owned()
        } else {
            go_quote(&string_of(v))
        })
    });
    env.add_filter("squote", |v: &Value| -> Result<String, Error> {
        if v.is_undefined() {
            return Err(Error::new(ErrorKind::UndefinedError, "undefined value"));
        }
        Ok(format!("'{}'", string_of(v)))
    });
    env.add_filter(
        "default",
        |v: &Value, d: Value| {
            if is_empty(v) { d } else { v.clone() }
        },
    );
    env.add_filter(
        "required",
        |v: &Value, msg: Option<&str>| -> Result<Value, Error> {
            let missing = v.is_undefined() || v.is_none() || v.as_str() == Some("");
            if missing {
                return Err(tmpl_error(
                    msg.unwrap_or("a required value is missing").to_owned(),
                ));
            }
            Ok(v.clone())
        },
    );
    env.add_filter("empty", |v: &Value| is_empty(v));
    env.add_filter(
        "ternary",
        |v: &Value, a: Value, b: Value| {
            if v.is_true() { a } else { b }
        },
    );
    env.add_filter("b64enc", |v: &Value| b64_encode(string_of(v).as_bytes()));
    env.add_filter("b64dec", |s: &str| -> Result<String, Error> {
        let bytes = b64_decode(s).ok_or_else(|| tmpl_error("b64dec: invalid base64"))?;
        String::from_utf8(bytes).map_err(|_| tmpl_error("b64dec: not UTF-8 text"))
    });
    env.add_filter("trunc", |v: &Value, n: i64| {
        let s = string_of(v);
        let len = s.chars().count();
        let n_abs = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
        if n >= 0 {
            s.chars().take(n_abs).collect::<String>()
        } else {
            s.chars().skip(len.saturating_sub(n_abs)).collect()
        }
    });
    env.add_filter("trimPrefix", |s: &str, p: &str| {
        s.strip_prefix(p).unwrap_or(s).to_owned()
    });
    env.add_filter("trimSuffix", |s: &str, p: &str| {
        s.strip_suffix(p).unwrap_or(s).to_owned()
    });
    env.add_filter("trimAll", |s: &str, chars: &str| {
        s.trim_matches(|c| chars.contains(c)).to_owned()
    });
    env.add_filter("contains", |v: &Value, sub: &str| {
        string_of(v).contains(sub)
    });
    env.add_filter("hasPrefix", |v: &Value, p: &str| {
        string_of(v).starts_with(p)
    });
    env.add_filter("hasSuffix", |v: &Value, p: &str| string_of(v).ends_with(p));
    env.add_filter("hasKey", |v: &Value, key: &str| -> Result<bool, Error> {
        if v.kind() != ValueKind::Map {
            return Err(tmpl_error("hasKey: not a map"));
        }
        Ok(v.get_attr(key).is_ok_and(|x| !x.is_undefined()))
    });
    env.add_filter("keys", |v: &Value| -> Result<Value, Error> {
        if v.kind() != ValueKind::Map {
            return Err(tmpl_error("keys: not a map"));
        }
        let mut keys: Vec<String> = v.try_iter()?.map(|k| string_of(&k)).collect();
        keys.sort();
        Ok(Value::from(keys))
    });
    env.add_filter("sortAlpha", |v: &Value| -> Result<Value, Error> {
        let mut items: Vec<String> = v.try_iter()?.map(|k| string_of(&k)).collect();
        items.sort();
        Ok(Value::from(items))
    });
    env.add_filter("uniq", |v: &Value| -> Result<Value, Error> {
        let mut out: Vec<Value> = Vec::new();
        for item in v.try_iter()? {
            if !out.contains(&item) {
                out.push(item);
            }
        }
        Ok(Value::from(out))
    });
    env.add_filter("splitList", |s: &str, sep: &str| {
        Value::from(s.split(sep).map(str::to_owned).collect::<Vec<_>>())
    });
    env.add_filter("toString", |v: &Value| -> Result<String, Error> {
        match v.kind() {
            ValueKind::Undefined => Err(Error::new(ErrorKind::UndefinedError, "undefined value")),
            ValueKind::None => Ok("null".to_owned()),
            ValueKind::Map | ValueKind::Seq => to_json(v, false),
            _ => Ok(string_of(v)),
        }
    });
    env.add_function("fail", |msg: &str| -> Result<Value, Error> {
        Err(tmpl_error(msg.to_owned()))
    });
    env.add_function("coalesce", |args: Rest<Value>| {
        args.iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or_else(|| Value::from(()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(src: &str, ctx: serde_json::Value) -> Result<String, RenderError> {
        let engine = Engine::new(
            &TemplateSyntax::default(),
            &[("t.yaml".to_owned(), src.to_owned())],
            "chart/templates/",
            DEFAULT_FUEL,
        )?;
        engine.render("t.yaml", &Value::from(Serde(ctx)))
    }

    fn check(src: &str, expect: &str) {
        let ctx = serde_json::json!({
            "Values": {"s": "abc", "n": 3, "t": true, "none": null, "empty": "",
                       "m": {"b": 2, "a": [1, "x"]}, "l": ["b", "a", "b"]},
        });
        assert_eq!(
            render(src, ctx).unwrap_or_else(|e| panic!("{src}: {e}")),
            expect,
            "{src}"
        );
    }

    #[test]
    fn filters_table() {
        let cases = [
            ("[[ Values.s ]]", "abc"),
            ("[[ Values.none ]]", "null"),
            ("[[ Values.t ]]", "true"),
            ("[[ Values.m ]]", r#"{"a":[1,"x"],"b":2}"#),
            (
                "{{ request.object.metadata.name }}",
                "{{ request.object.metadata.name }}",
            ),
            ("[[ Values.m | toYaml ]]", "a:\n- 1\n- x\nb: 2"),
            ("[[ Values.m | toJson ]]", r#"{"a":[1,"x"],"b":2}"#),
            ("[[ '<&>' | toJson ]]", r#""\u003c\u0026\u003e""#),
            ("[[ 'a\nb' | indent(2) ]]", "  a\n  b"),
            ("x:[[ 'a\nb' | nindent(2) ]]", "x:\n  a\n  b"),
            ("[[ Values.s | quote ]]", "\"abc\""),
            ("[[ 'say \"hi\"' | quote ]]", r#""say \"hi\"""#),
            ("[[ Values.n | quote ]]", "\"3\""),
            ("[[ Values.s | squote ]]", "'abc'"),
            ("[[ Values.missing | default('d') ]]", "d"),
            ("[[ Values.empty | default('d') ]]", "d"),
            ("[[ Values.none | default('d') ]]", "d"),
            ("[[ Values.s | default('d') ]]", "abc"),
            ("[[ Values.s | required('need s') ]]", "abc"),
            ("[[ 'hello' | b64enc ]]", "aGVsbG8="),
            ("[[ 'aGVsbG8=' | b64dec ]]", "hello"),
            ("[[ 'ab' | b64enc ]]", "YWI="),
            ("[[ 'ABC' | lower ]]-[[ 'abc' | upper ]]", "abc-ABC"),
            ("[[ '  x  ' | trim ]]", "x"),
            ("[[ 'abcdef' | trunc(3) ]]", "abc"),
            ("[[ 'abcdef' | trunc(-2) ]]", "ef"),
            ("[[ 'a-b' | replace('-', '_') ]]", "a_b"),
            ("[[ Values.s | contains('bc') ]]", "true"),
            (
                "[[ Values.m | hasKey('a') ]]/[[ Values.m | hasKey('z') ]]",
                "true/false",
            ),
            ("[[ Values.m | keys | join(',') ]]", "a,b"),
            ("[[ Values.l | join(', ') ]]", "b, a, b"),
            ("[[ Values.l | uniq | sortAlpha | join(',') ]]", "a,b"),
            ("[[ Values.t | ternary('yes', 'no') ]]", "yes"),
            ("[[ 'v1.2' | trimPrefix('v') ]]", "1.2"),
            ("[[ coalesce(Values.empty, Values.none, 'c') ]]", "c"),
            ("[[ 'a,b' | splitList(',') | length ]]", "2"),
            ("[% if Values.t %]on[% endif %]", "on"),
            ("[# comment #]x", "x"),
            ("[[ '{\"a\":1}' | fromJson | toYaml ]]", "a: 1"),
        ];
        for (src, expect) in cases {
            check(src, expect);
        }
    }

    #[test]
    fn undefined_names_template_line_and_path() {
        let e = render(
            "a: 1\nb: [[ Values.policies.netwrk.action ]]\n",
            serde_json::json!({"Values": {"policies": {}}}),
        )
        .unwrap_err();
        assert_eq!(e.kind, RenderErrorKind::Undefined);
        assert_eq!(e.file.as_deref(), Some("chart/templates/t.yaml"));
        assert_eq!(e.line, Some(2));
        assert_eq!(
            e.values_path.as_deref(),
            Some("Values.policies.netwrk.action")
        );
        assert!(
            e.to_string()
                .contains("undefined value `Values.policies.netwrk.action`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let e = render("a: 1\n[% if x %]\nb\n", serde_json::json!({})).unwrap_err();
        assert_eq!(e.kind, RenderErrorKind::TemplateSyntax, "{e}");
        assert_eq!(e.file.as_deref(), Some("chart/templates/t.yaml"));
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn indent_width_is_bounded() {
        // fuzz/regressions/template/indent-huge.yaml: aborted on a failed allocation.
        for src in [
            "[[ 'x' | indent(100000000000) ]]",
            "[[ 'x' | nindent(18446744073709551615) ]]",
        ] {
            let e = render(src, serde_json::json!({})).unwrap_err();
            assert!(e.message.contains("too large"), "{e}");
        }
    }

    #[test]
    fn required_and_fail_are_errors() {
        let e = render(
            "[[ Values.x | required('x is required') ]]",
            serde_json::json!({"Values": {}}),
        )
        .unwrap_err();
        assert!(e.message.contains("x is required"), "{e}");
        let e = render("\n[[ fail('stop here') ]]", serde_json::json!({})).unwrap_err();
        assert!(e.message.contains("stop here"), "{e}");
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn fuel_stops_endless_loops() {
        let e = render(
            "[% for i in range(100000) %][% for j in range(100000) %][% endfor %][% endfor %]",
            serde_json::json!({}),
        )
        .unwrap_err();
        assert!(e.message.contains("fuel"), "{e}");
    }

    #[test]
    fn base64_round_trip() {
        for s in ["", "a", "ab", "abc", "abcd", "hello world", "ünï"] {
            let enc = b64_encode(s.as_bytes());
            assert_eq!(b64_decode(&enc).unwrap(), s.as_bytes(), "{s}");
        }
        assert_eq!(b64_encode(b"hello world"), "aGVsbG8gd29ybGQ=");
    }
}
