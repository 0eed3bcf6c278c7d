//! `validate.pattern` / `validate.anyPattern` matching (`patterns.md`, rules P-0..P-15).
//!
//! A pattern is compiled once ([`CompiledPattern::compile`]): keys are partitioned and ordered
//! (P-4.2..P-4.4), string patterns are split into alternatives and terms with their operands
//! pre-parsed as durations and quantities (P-5.2..P-5.4). Matching a resource
//! ([`CompiledPattern::matches`]) then walks the compiled tree with a fresh anchor map (P-8) and
//! classifies the outcome (P-9). Only `metadata.labels` / `metadata.annotations` objects with
//! wildcard keys (P-4.1) are rebuilt per resource, because their keys depend on the resource.
//!
//! Recursion follows the pattern, whose depth is bounded at compile time ([`MAX_DEPTH`]), so a
//! hostile resource cannot drive the matcher deeper than the pattern.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use policy_model::{RuleStatus, SmolStr};
use serde_json::{Map, Number, Value};

use crate::label::RuleLabel;
use policy_gotypes::duration::parse_go_duration;
use policy_gotypes::gofmt;
use policy_gotypes::quantity::Quantity;
use policy_model::wildcard;

/// Deepest pattern nesting accepted; deeper patterns are an `ERROR` outcome.
pub(crate) const MAX_DEPTH: usize = 256;

/// Stand-in for a missing resource value (P-0.2: a missing key reads as `null`).
static NULL: Value = Value::Null;

// ------------------------------------------------------------------------------------------
// Outcomes
// ------------------------------------------------------------------------------------------

/// Outcome of matching one pattern against one resource (P-0.3, P-9.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum PatternOutcome {
    /// The resource satisfies the pattern.
    Pass,
    /// The resource violates the pattern at `path` (P-0.4 path syntax, trailing slash).
    Fail {
        /// Path of the failing node.
        path: String,
        /// Matcher message (informational, P-9.5).
        message: String,
    },
    /// A conditional or global anchor decided that the pattern does not apply.
    Skip {
        /// Path where the skip was decided.
        path: String,
        /// The skip error text (becomes the rule message, P-9.3.2).
        message: String,
    },
    /// The pattern could not be applied (P-9.2 cases 4-5, P-9.4).
    Error {
        /// The error text.
        message: String,
    },
}

// ------------------------------------------------------------------------------------------
// Anchors (P-4.2.1)
// ------------------------------------------------------------------------------------------

/// Anchor types of P-4.2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnchorKind {
    /// `(k)`, P-7.1.
    Conditional,
    /// `<(k)`, P-7.2.
    Global,
    /// `=(k)`, P-7.3.
    Equality,
    /// `X(k)`, P-7.4.
    Negation,
    /// `^(k)`, P-7.5.
    Existence,
    /// `+(k)`, P-7.6 (mutate only).
    AddIfNotPresent,
}

/// Parses an anchored key: `^([+<=X^])?\((.+)\)$` after trimming surrounding whitespace
/// (P-4.2.1). Returns the anchor type and the bare key.
pub(crate) fn parse_anchor(key: &str) -> Option<(AnchorKind, &str)> {
    let t = key.trim();
    let (kind, rest) = match t.as_bytes().first()? {
        b'(' => (AnchorKind::Conditional, t),
        b'<' => (AnchorKind::Global, t.get(1..)?),
        b'=' => (AnchorKind::Equality, t.get(1..)?),
        b'X' => (AnchorKind::Negation, t.get(1..)?),
        b'^' => (AnchorKind::Existence, t.get(1..)?),
        b'+' => (AnchorKind::AddIfNotPresent, t.get(1..)?),
        _ => return None,
    };
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    // `.+` in Go's regexp: at least one character, no newline.
    if inner.is_empty() || inner.contains('\n') {
        return None;
    }
    Some((kind, inner))
}

/// Renders an anchor back to key text (P-4.1.2 keeps the anchor on an expanded key).
fn anchor_text(kind: AnchorKind, bare: &str) -> String {
    let modifier = match kind {
        AnchorKind::Conditional => "",
        AnchorKind::Global => "<",
        AnchorKind::Equality => "=",
        AnchorKind::Negation => "X",
        AnchorKind::Existence => "^",
        AnchorKind::AddIfNotPresent => "+",
    };
    format!("{modifier}({bare})")
}

/// "Contains nested anchors" of P-4.4.2: an object with a conditional, existence, equality,
/// negation or global key, or any object value / array element containing one.
fn has_nested_anchors(v: &Value) -> bool {
    match v {
        Value::Object(map) => {
            map.keys().any(|k| {
                matches!(
                    parse_anchor(k),
                    Some((
                        AnchorKind::Conditional
                            | AnchorKind::Existence
                            | AnchorKind::Equality
                            | AnchorKind::Negation
                            | AnchorKind::Global,
                        _
                    ))
                )
            }) || map.values().any(has_nested_anchors)
        }
        Value::Array(items) => items.iter().any(has_nested_anchors),
        _ => false,
    }
}

/// Nesting depth of a value, counting stops past `limit` (so this is bounded itself).
fn depth_exceeds(v: &Value, limit: usize) -> bool {
    if limit == 0 {
        return matches!(v, Value::Object(_) | Value::Array(_));
    }
    match v {
        Value::Object(map) => map.values().any(|c| depth_exceeds(c, limit - 1)),
        Value::Array(items) => items.iter().any(|c| depth_exceeds(c, limit - 1)),
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------
// Matcher errors (P-9.1)
// ------------------------------------------------------------------------------------------

/// Error classes of P-9.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrKind {
    /// Value/structure mismatch, existence failure, `*` missing, ...
    Plain,
    /// P-7.4.
    Negation,
    /// Anchor-level skip from a conditional anchor (P-7.1).
    Conditional,
    /// Anchor-level skip from a global anchor (P-7.2).
    Global,
    /// A skip gathered by an object (P-4.3.4) or array (P-6.3/P-6.4).
    AggregatedSkip,
}

/// An error inside the matcher, with the path Kyverno reports for it.
#[derive(Clone, Debug)]
struct MatchError {
    kind: ErrKind,
    path: String,
    msg: String,
}

impl MatchError {
    fn plain(path: &PathRef<'_>, msg: String) -> Self {
        Self {
            kind: ErrKind::Plain,
            path: path.to_string(),
            msg,
        }
    }

    /// Skip-class (P-9.1): conditional, global, or aggregated skip.
    fn is_skip(&self) -> bool {
        matches!(
            self.kind,
            ErrKind::Conditional | ErrKind::Global | ErrKind::AggregatedSkip
        )
    }

    /// Anchor-level skip (P-9.1): produced by a conditional or global handler.
    fn is_anchor_skip(&self) -> bool {
        matches!(self.kind, ErrKind::Conditional | ErrKind::Global)
    }

    /// Aggregated skip at `path` (P-4.3.4, P-6.3): Kyverno joins the gathered messages.
    fn aggregated(path: &PathRef<'_>, skips: &[MatchError]) -> Self {
        let msg = skips
            .iter()
            .map(|e| e.msg.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            kind: ErrKind::AggregatedSkip,
            path: path.to_string(),
            msg,
        }
    }
}

type MatchResult = Result<(), MatchError>;

// ------------------------------------------------------------------------------------------
// Compiled form
// ------------------------------------------------------------------------------------------

/// A pattern compiled for repeated matching (build once, match many).
#[derive(Clone, Debug)]
pub(crate) struct CompiledPattern {
    root: Node,
}

#[derive(Clone, Debug)]
enum Node {
    Object(Box<ObjectNode>),
    Array(Box<ArrayNode>),
    Scalar(ScalarNode),
}

/// How a key of an object pattern is handled (P-4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyKind {
    /// Plain key, and `+(k)` looked up literally (P-4.5, P-4.5.3).
    Plain,
    Conditional,
    Global,
    Equality,
    Negation,
    Existence,
}

#[derive(Clone, Debug)]
struct Entry {
    kind: KeyKind,
    /// Resource key looked up and path segment: the bare key for anchors, the full text for
    /// plain and `+(k)` keys (P-0.4).
    key: String,
    value: EntryValue,
}

#[derive(Clone, Debug)]
enum EntryValue {
    /// A compiled sub-pattern; `star` marks the plain-key `"*"` special case (P-4.5.1).
    Node { node: Node, star: bool },
    /// Negation never examines its value (P-7.4).
    Ignored,
    /// Existence anchor value (P-7.5).
    Existence(ExistenceValue),
}

#[derive(Clone, Debug)]
enum ExistenceValue {
    /// The pattern value is not a list.
    NotList,
    /// Items in order; `None` for a non-object item (an error when reached).
    Items(Vec<Option<Node>>),
}

/// An anchor key recorded in the anchor map (P-8.2).
#[derive(Clone, Debug)]
struct Recorded {
    text: Arc<str>,
    bare: String,
    /// Conditional or existence (negation entries are ignored by P-8.3).
    counts: bool,
}

#[derive(Clone, Debug)]
struct ObjectNode {
    /// Phase 1 keys in ascending key-text order (P-4.3).
    phase1: Vec<Entry>,
    /// Phase 2 keys in P-4.4.1 order.
    phase2: Vec<Entry>,
    /// Keys that go into the anchor map (P-8.2).
    recorded: Vec<Recorded>,
    /// `metadata.labels` / `metadata.annotations` that must be rebuilt against the resource
    /// (P-4.1): the original entries, kept to expand per resource.
    expand: Option<Map<String, Value>>,
}

#[derive(Clone, Debug)]
enum ArrayNode {
    /// P-6.1.
    Empty,
    /// P-6.2.1 / P-6.3: only the first element is used.
    Objects(Node),
    /// P-6.2.2: every resource element must match the first element.
    Scalar(ScalarNode),
    /// P-6.2.3 / P-6.4.
    Positional(Vec<Node>),
}

#[derive(Clone, Debug)]
struct ScalarNode {
    pattern: ScalarPattern,
    /// Go `%v` of the pattern, for messages (P-3.3).
    display: String,
}

#[derive(Clone, Debug)]
enum ScalarPattern {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(StrPattern),
}

/// A string pattern split per P-5.2 with classified terms (P-5.3).
#[derive(Clone, Debug)]
struct StrPattern {
    raw: String,
    alternatives: Vec<Vec<Term>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Equal,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
}

impl Op {
    /// Applies the operator to `value.cmp(operand)`.
    fn holds(self, ord: Ordering) -> bool {
        match self {
            Op::Equal => ord == Ordering::Equal,
            Op::NotEqual => ord != Ordering::Equal,
            Op::Greater => ord == Ordering::Greater,
            Op::Less => ord == Ordering::Less,
            Op::GreaterEqual => ord != Ordering::Less,
            Op::LessEqual => ord != Ordering::Greater,
        }
    }
}

#[derive(Clone, Debug)]
struct Operand {
    text: String,
    duration: Option<i128>,
    quantity: Option<Quantity>,
}

impl Operand {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            duration: parse_go_duration(text),
            quantity: Quantity::parse(text),
        }
    }
}

#[derive(Clone, Debug)]
enum Term {
    Cmp(Op, Operand),
    InRange(Operand, Operand),
    NotInRange(Operand, Operand),
}

impl CompiledPattern {
    /// Compiles a (variable-substituted) pattern. Fails only on nesting deeper than
    /// [`MAX_DEPTH`].
    pub(crate) fn compile(pattern: &Value) -> Result<Self, String> {
        if depth_exceeds(pattern, MAX_DEPTH) {
            return Err(format!("pattern is nested deeper than {MAX_DEPTH} levels"));
        }
        Ok(Self {
            root: compile_node(pattern, Role::Normal),
        })
    }

    /// Matches a resource (P-2.1): fresh anchor map, walk, classify (P-9.2).
    pub(crate) fn matches(&self, resource: &Value) -> PatternOutcome {
        let mut ctx = AnchorMap::default();
        match validate_element(&self.root, resource, &PathRef::Root("/"), &mut ctx) {
            Ok(()) => PatternOutcome::Pass,
            Err(e) => classify(e, &ctx),
        }
    }
}

/// Where an object pattern sits, for the metadata wildcard-key expansion of P-4.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Normal,
    /// The value of a (possibly anchored) `metadata` key of an object pattern.
    Metadata,
    /// The value of a (possibly anchored) `labels`/`annotations` key of a metadata object.
    Labels,
}

fn compile_node(v: &Value, role: Role) -> Node {
    match v {
        Value::Object(map) => Node::Object(Box::new(compile_object(map, role))),
        Value::Array(items) => Node::Array(Box::new(compile_array(items))),
        _ => Node::Scalar(compile_scalar(v)),
    }
}

fn compile_object(map: &Map<String, Value>, role: Role) -> ObjectNode {
    // P-4.1: a labels/annotations object needs per-resource rebuilding when it has wildcard
    // keys or non-string values (P-4.1.1 drops those); otherwise rebuilding is the identity.
    let expand = (role == Role::Labels
        && map
            .iter()
            .any(|(k, v)| wildcard::has_wildcard(k) || !v.is_string()))
    .then(|| map.clone());

    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    let mut phase1 = Vec::new();
    let mut recorded = Vec::new();
    let mut phase2: VecDeque<Entry> = VecDeque::new();
    for k in keys {
        let Some(v) = map.get(k) else { continue };
        let anchor = parse_anchor(k);
        if let Some((kind, bare)) = anchor
            && matches!(
                kind,
                AnchorKind::Conditional | AnchorKind::Existence | AnchorKind::Negation
            )
        {
            recorded.push(Recorded {
                text: Arc::from(k.as_str()),
                bare: bare.to_owned(),
                counts: kind != AnchorKind::Negation,
            });
        }
        // The role of the child for P-4.1 expansion.
        let bare_name = anchor.map_or(k.as_str(), |(_, b)| b);
        let child_role = match role {
            Role::Metadata if bare_name == "labels" || bare_name == "annotations" => Role::Labels,
            _ if bare_name == "metadata" => Role::Metadata,
            _ => Role::Normal,
        };
        let entry = match anchor {
            Some((AnchorKind::Negation, bare)) => Entry {
                kind: KeyKind::Negation,
                key: bare.to_owned(),
                value: EntryValue::Ignored,
            },
            Some((AnchorKind::Existence, bare)) => Entry {
                kind: KeyKind::Existence,
                key: bare.to_owned(),
                value: EntryValue::Existence(compile_existence(v)),
            },
            Some((
                kind @ (AnchorKind::Conditional | AnchorKind::Equality | AnchorKind::Global),
                bare,
            )) => {
                let kind = match kind {
                    AnchorKind::Conditional => KeyKind::Conditional,
                    AnchorKind::Equality => KeyKind::Equality,
                    _ => KeyKind::Global,
                };
                Entry {
                    kind,
                    key: bare.to_owned(),
                    value: EntryValue::Node {
                        node: compile_node(v, child_role),
                        star: false,
                    },
                }
            }
            // Plain keys and `+(k)` (P-4.5.3: looked up under the literal key text).
            Some((AnchorKind::AddIfNotPresent, _)) | None => Entry {
                kind: KeyKind::Plain,
                key: k.clone(),
                value: EntryValue::Node {
                    node: compile_node(v, child_role),
                    star: v.as_str() == Some("*"),
                },
            },
        };
        match entry.kind {
            KeyKind::Plain => {
                // P-4.4.1: nested-anchor keys to the front (ending up descending), others back.
                if has_nested_anchors(v) {
                    phase2.push_front(entry);
                } else {
                    phase2.push_back(entry);
                }
            }
            KeyKind::Global => phase2.push_front(entry),
            _ => phase1.push(entry),
        }
    }
    ObjectNode {
        phase1,
        phase2: phase2.into(),
        recorded,
        expand,
    }
}

fn compile_existence(v: &Value) -> ExistenceValue {
    match v {
        Value::Array(items) => ExistenceValue::Items(
            items
                .iter()
                .map(|item| item.is_object().then(|| compile_node(item, Role::Normal)))
                .collect(),
        ),
        _ => ExistenceValue::NotList,
    }
}

fn compile_array(items: &[Value]) -> ArrayNode {
    match items.first() {
        None => ArrayNode::Empty,
        Some(first @ Value::Object(_)) => ArrayNode::Objects(compile_node(first, Role::Normal)),
        Some(Value::Array(_)) => ArrayNode::Positional(
            items
                .iter()
                .map(|i| compile_node(i, Role::Normal))
                .collect(),
        ),
        Some(scalar) => ArrayNode::Scalar(compile_scalar(scalar)),
    }
}

fn compile_scalar(v: &Value) -> ScalarNode {
    let pattern = match v {
        Value::Bool(b) => ScalarPattern::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) if !n.is_f64() => ScalarPattern::Int(i),
            // Integers beyond int64 decode as float64 in Kubernetes' util/json (P-0.1).
            _ => ScalarPattern::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => ScalarPattern::Str(compile_str(s)),
        // Null (objects/arrays never reach here: compile_node dispatches them).
        _ => ScalarPattern::Null,
    };
    ScalarNode {
        pattern,
        display: gofmt::sprint(v),
    }
}

/// P-5.2: split on `|`, then `&`, trim, classify each term (P-5.3).
fn compile_str(s: &str) -> StrPattern {
    let alternatives = s
        .split('|')
        .map(|alt| alt.split('&').map(|t| compile_term(t.trim())).collect())
        .collect();
    StrPattern {
        raw: s.to_owned(),
        alternatives,
    }
}

/// P-5.3 term classification.
fn compile_term(t: &str) -> Term {
    // P-5.3.1: a one-byte term is a literal (`!`, `>` alone).
    if t.len() < 2 {
        return Term::Cmp(Op::Equal, Operand::new(t));
    }
    // P-5.3.2: prefixes in this order.
    for (prefix, op) in [
        (">=", Op::GreaterEqual),
        ("<=", Op::LessEqual),
        (">", Op::Greater),
        ("<", Op::Less),
        ("!", Op::NotEqual),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return Term::Cmp(op, Operand::new(rest.trim()));
        }
    }
    // P-5.3.3 then P-5.3.4.
    if let Some((l, r)) = split_range(t, "!-") {
        return Term::NotInRange(Operand::new(l), Operand::new(r));
    }
    if let Some((l, r)) = split_range(t, "-") {
        return Term::InRange(Operand::new(l), Operand::new(r));
    }
    Term::Cmp(Op::Equal, Operand::new(t))
}

/// Matches `^(B)<sep>(B)$` with `B = [-|+]?\d+(?:\.\d+)?[A-Za-z]*` (P-5.3.3/P-5.3.4).
///
/// A bound contains `-` only as its first character and never `!`, so the separator is the
/// first occurrence after the first character: the split is unique and no backtracking is
/// needed.
fn split_range<'a>(t: &'a str, sep: &str) -> Option<(&'a str, &'a str)> {
    let first = sep.chars().next()?;
    let idx = t.get(1..)?.find(first)? + 1;
    let left = t.get(..idx)?;
    let right = t.get(idx..)?.strip_prefix(sep)?;
    (is_range_bound(left) && is_range_bound(right)).then_some((left, right))
}

/// `[-|+]?\d+(?:\.\d+)?[A-Za-z]*` as a whole-string match.
fn is_range_bound(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'|' | b'+')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    while b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        i += 1;
    }
    i == b.len()
}

// ------------------------------------------------------------------------------------------
// Matching
// ------------------------------------------------------------------------------------------

/// The anchor map of P-8: anchor key text → found in some visited resource object.
#[derive(Default)]
struct AnchorMap {
    entries: Vec<(Arc<str>, bool, bool)>,
}

impl AnchorMap {
    /// P-8.2.
    fn record(&mut self, recorded: &[Recorded], res: &Map<String, Value>) {
        for r in recorded {
            let present = res.contains_key(&r.bare);
            match self.entries.iter_mut().find(|(t, _, _)| **t == *r.text) {
                Some((_, _, found)) => *found |= present,
                None => self.entries.push((r.text.clone(), r.counts, present)),
            }
        }
    }

    /// P-8.3.
    fn keys_are_missing(&self) -> bool {
        self.entries
            .iter()
            .any(|(_, counts, found)| *counts && !*found)
    }
}

/// P-9.2 steps 2-5.
fn classify(e: MatchError, ctx: &AnchorMap) -> PatternOutcome {
    if e.is_skip() {
        PatternOutcome::Skip {
            path: e.path,
            message: e.msg,
        }
    } else if e.kind == ErrKind::Negation {
        PatternOutcome::Fail {
            path: e.path,
            message: e.msg,
        }
    } else if ctx.keys_are_missing() || e.path.is_empty() {
        PatternOutcome::Error { message: e.msg }
    } else {
        PatternOutcome::Fail {
            path: e.path,
            message: e.msg,
        }
    }
}

/// Go's `%T` of a decoded JSON value, for messages that Kyverno prints with `%T`.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// P-3: `validate_element(res, pat, path)`.
fn validate_element(
    node: &Node,
    res: &Value,
    path: &PathRef<'_>,
    ctx: &mut AnchorMap,
) -> MatchResult {
    match node {
        Node::Object(obj) => match res {
            Value::Object(map) => validate_object(obj, map, path, ctx),
            // P-3.1.
            _ => Err(MatchError::plain(
                path,
                format!(
                    "pattern and resource have different structures. Path: {path}. Expected \
                     map[string]interface {{}}, found {}",
                    go_type(res)
                ),
            )),
        },
        Node::Array(arr) => match res {
            Value::Array(items) => validate_array(arr, items, path, ctx),
            // P-3.2.
            _ => Err(MatchError::plain(
                path,
                format!(
                    "validation rule failed at path {path}, resource does not satisfy the \
                     expected overlay pattern"
                ),
            )),
        },
        Node::Scalar(sc) => validate_scalar(sc, res, path),
    }
}

/// P-3.3: scalar pattern against a value, or against every element of an array.
fn validate_scalar(sc: &ScalarNode, res: &Value, path: &PathRef<'_>) -> MatchResult {
    let ok = match res {
        Value::Array(items) => items.iter().all(|e| scalar_match(e, &sc.pattern)),
        _ => scalar_match(res, &sc.pattern),
    };
    if ok {
        Ok(())
    } else {
        Err(scalar_mismatch(sc, &gofmt::sprint(res), path))
    }
}

/// P-3.3 via P-6.2.2: every element of `items` must match (no copy of the array).
fn validate_scalar_items(sc: &ScalarNode, items: &[Value], path: &PathRef<'_>) -> MatchResult {
    if items.iter().all(|e| scalar_match(e, &sc.pattern)) {
        Ok(())
    } else {
        // Cold path: render the whole array as Go's `%v` does.
        Err(scalar_mismatch(
            sc,
            &gofmt::sprint(&Value::Array(items.to_vec())),
            path,
        ))
    }
}

fn scalar_mismatch(sc: &ScalarNode, rendered: &str, path: &PathRef<'_>) -> MatchError {
    // The path is rendered once, for the error and its message.
    let path = path.to_string();
    let msg = format!(
        "resource value '{rendered}' does not match '{}' at path {path}",
        sc.display
    );
    MatchError {
        kind: ErrKind::Plain,
        path,
        msg,
    }
}

/// P-4: `validate_map(res, pat, path)`, including P-4.1 expansion and P-8.2 recording.
fn validate_object(
    obj: &ObjectNode,
    res: &Map<String, Value>,
    path: &PathRef<'_>,
    ctx: &mut AnchorMap,
) -> MatchResult {
    if let Some(source) = &obj.expand {
        let expanded = compile_object(&expand_label_keys(source, res), Role::Normal);
        return validate_object_compiled(&expanded, res, path, ctx);
    }
    validate_object_compiled(obj, res, path, ctx)
}

/// P-4.1.1 / P-4.1.2: rebuild a labels/annotations pattern against the resource's object.
fn expand_label_keys(source: &Map<String, Value>, res: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in source {
        // P-4.1.1: only string-valued entries survive.
        if !v.is_string() {
            continue;
        }
        let key = if wildcard::has_wildcard(k) {
            let (anchor, bare) = match parse_anchor(k) {
                Some((kind, bare)) => (Some(kind), bare),
                None => (None, k.as_str()),
            };
            // P-4.1.3: deterministic choice — the smallest matching resource key.
            let found = res.keys().filter(|rk| wildcard::matches(bare, rk)).min();
            match (found, anchor) {
                (Some(rk), Some(kind)) => anchor_text(kind, rk),
                (Some(rk), None) => rk.clone(),
                (None, _) => k.clone(),
            }
        } else {
            k.clone()
        };
        out.insert(key, v.clone());
    }
    out
}

fn validate_object_compiled(
    obj: &ObjectNode,
    res: &Map<String, Value>,
    path: &PathRef<'_>,
    ctx: &mut AnchorMap,
) -> MatchResult {
    ctx.record(&obj.recorded, res);

    // Phase 1 (P-4.3).
    let mut skips: Vec<MatchError> = Vec::new();
    let mut applied = 0usize;
    for entry in &obj.phase1 {
        match run_entry(entry, res, path, ctx) {
            Ok(()) => applied += 1,
            Err(e) if e.is_skip() => skips.push(e),
            Err(e) => {
                // P-4.3.3: a failing conditional anchor masks other anchor failures.
                if skips.iter().any(MatchError::is_anchor_skip) {
                    continue;
                }
                return Err(e);
            }
        }
    }
    if !skips.is_empty() && (applied == 0 || skips.iter().any(MatchError::is_anchor_skip)) {
        // P-4.3.4.
        return Err(MatchError::aggregated(path, &skips));
    }

    // Phase 2 (P-4.4): first error of any class wins.
    for entry in &obj.phase2 {
        run_entry(entry, res, path, ctx)?;
    }
    Ok(())
}

/// A position in the resource, as Kyverno prints it (`/spec/containers/0/image/`), built
/// lazily: matching descends through every key of every matched object (P-0.4), but the
/// text is only needed when a mismatch is reported, so it is rendered then.
#[derive(Clone, Copy, Debug)]
enum PathRef<'p> {
    /// The starting text.
    Root(&'p str),
    /// `parent` + `key` + `/`.
    Key(&'p PathRef<'p>, &'p str),
    /// `parent` + the decimal index + `/`.
    Index(&'p PathRef<'p>, usize),
}

impl fmt::Display for PathRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Root(s) => f.write_str(s),
            Self::Key(parent, key) => {
                parent.fmt(f)?;
                f.write_str(key)?;
                f.write_str("/")
            }
            Self::Index(parent, i) => {
                parent.fmt(f)?;
                write!(f, "{i}/")
            }
        }
    }
}

/// Runs the handler of one key (P-4.5, P-7).
fn run_entry(
    entry: &Entry,
    res: &Map<String, Value>,
    path: &PathRef<'_>,
    ctx: &mut AnchorMap,
) -> MatchResult {
    let key = entry.key.as_str();
    let kpath = PathRef::Key(path, key);
    let present = policy_model::field(res, key);
    match (&entry.value, entry.kind) {
        (EntryValue::Node { star: true, .. }, KeyKind::Plain) => match present {
            // P-4.5.1.
            Some(v) if !v.is_null() => Ok(()),
            _ => Err(MatchError::plain(path, format!("{path}/{key} not found"))),
        },
        (EntryValue::Node { node, .. }, KeyKind::Plain) => {
            // P-4.5.2.
            validate_element(node, present.unwrap_or(&NULL), &kpath, ctx)
        }
        (EntryValue::Node { node, .. }, KeyKind::Conditional) => match present {
            // P-7.1.
            Some(v) => validate_element(node, v, &kpath, ctx).map_err(|e| MatchError {
                kind: ErrKind::Conditional,
                path: e.path,
                msg: format!("conditional anchor mismatch: {}", e.msg),
            }),
            None => Err(MatchError {
                kind: ErrKind::Conditional,
                path: kpath.to_string(),
                msg: "conditional anchor mismatch: conditional anchor key doesn't exist in the \
                      resource"
                    .to_owned(),
            }),
        },
        (EntryValue::Node { node, .. }, KeyKind::Global) => match present {
            // P-7.2: a missing key is fine.
            Some(v) => validate_element(node, v, &kpath, ctx).map_err(|e| MatchError {
                kind: ErrKind::Global,
                path: e.path,
                msg: format!("global anchor mismatch: {}", e.msg),
            }),
            None => Ok(()),
        },
        (EntryValue::Node { node, .. }, KeyKind::Equality) => match present {
            // P-7.3: errors propagate unchanged.
            Some(v) => validate_element(node, v, &kpath, ctx),
            None => Ok(()),
        },
        (_, KeyKind::Negation) => match present {
            // P-7.4: present, even as null.
            Some(_) => Err(MatchError {
                kind: ErrKind::Negation,
                msg: format!("negation anchor matched in resource: {kpath} is not allowed"),
                path: kpath.to_string(),
            }),
            None => Ok(()),
        },
        (EntryValue::Existence(ex), KeyKind::Existence) => match present {
            None => Ok(()),
            Some(v) => validate_existence(ex, v, &kpath, ctx),
        },
        // Entries are built consistently by compile_object; nothing else can occur.
        _ => Ok(()),
    }
}

/// P-7.5 existence anchor with the key present.
fn validate_existence(
    ex: &ExistenceValue,
    res: &Value,
    kpath: &PathRef<'_>,
    ctx: &mut AnchorMap,
) -> MatchResult {
    let Value::Array(items) = res else {
        return Err(MatchError::plain(
            kpath,
            format!(
                "invalid resource type {}: Existence ^ () anchor can be used only on list/array \
                 type resource",
                go_type(res)
            ),
        ));
    };
    let ExistenceValue::Items(patterns) = ex else {
        return Err(MatchError::plain(
            kpath,
            "invalid pattern: Pattern has to be of list to compare against resource".to_owned(),
        ));
    };
    for p in patterns {
        let Some(p) = p else {
            return Err(MatchError::plain(
                kpath,
                "invalid pattern type []interface {}: Pattern has to be of type map to compare \
                 against items in resource"
                    .to_owned(),
            ));
        };
        // At least one resource element must match this pattern element (skips do not count).
        let mut found = false;
        for (i, e) in items.iter().enumerate() {
            if validate_element(p, e, &PathRef::Index(kpath, i), ctx).is_ok() {
                found = true;
                break;
            }
        }
        if !found {
            return Err(MatchError::plain(
                kpath,
                format!("existence anchor validation failed at path {kpath}"),
            ));
        }
    }
    Ok(())
}

/// P-6: `validate_array(res, pat, path)`.
fn validate_array(
    arr: &ArrayNode,
    res: &[Value],
    path: &PathRef<'_>,
    ctx: &mut AnchorMap,
) -> MatchResult {
    match arr {
        ArrayNode::Empty => Err(MatchError::plain(path, "pattern Array empty".to_owned())),
        ArrayNode::Objects(p) => {
            let mut skips = Vec::new();
            let mut applied = 0usize;
            for (i, e) in res.iter().enumerate() {
                match validate_element(p, e, &PathRef::Index(path, i), ctx) {
                    Ok(()) => applied += 1,
                    Err(err) if err.is_skip() => skips.push(err),
                    Err(err) => return Err(err),
                }
            }
            aggregate(path, applied, &skips)
        }
        // P-6.2.2 = P-3.3 on the whole array.
        ArrayNode::Scalar(sc) => validate_scalar_items(sc, res, path),
        ArrayNode::Positional(pats) => {
            if res.len() < pats.len() {
                // P-6.4: empty path → ERROR (P-9.2 step 5).
                return Err(MatchError::plain(
                    &PathRef::Root(""),
                    format!(
                        "validate Array failed, array length mismatch, resource Array len is {} \
                         and pattern Array len is {}",
                        res.len(),
                        pats.len()
                    ),
                ));
            }
            let mut skips = Vec::new();
            let mut applied = 0usize;
            for (i, (p, e)) in pats.iter().zip(res).enumerate() {
                match validate_element(p, e, &PathRef::Index(path, i), ctx) {
                    Ok(()) => applied += 1,
                    Err(err) if err.is_skip() => skips.push(err),
                    Err(err) => return Err(err),
                }
            }
            aggregate(path, applied, &skips)
        }
    }
}

/// Array skip bookkeeping (P-6.3): nothing applied and something skipped → aggregated skip.
fn aggregate(path: &PathRef<'_>, applied: usize, skips: &[MatchError]) -> MatchResult {
    if applied == 0 && !skips.is_empty() {
        Err(MatchError::aggregated(path, skips))
    } else {
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// Scalars (P-5)
// ------------------------------------------------------------------------------------------

/// Integer flavour of a number (P-0.1): `Some` for integers, `None` for floats.
fn as_integer(n: &Number) -> Option<i128> {
    if n.is_f64() {
        None
    } else {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
}

/// `scalar_match(value, pattern)` (P-5.1, P-5.2).
fn scalar_match(value: &Value, pattern: &ScalarPattern) -> bool {
    match pattern {
        // P-5.1.1.
        ScalarPattern::Bool(p) => value.as_bool() == Some(*p),
        // P-5.1.2.
        ScalarPattern::Int(p) => match value {
            Value::Number(n) => match as_integer(n) {
                Some(i) => i == i128::from(*p),
                None => n
                    .as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f == *p as f64),
            },
            Value::String(s) => gofmt::parse_int(s) == Some(*p),
            _ => false,
        },
        // P-5.1.3.
        ScalarPattern::Float(p) => match value {
            Value::Number(n) => match as_integer(n) {
                Some(i) => p.fract() == 0.0 && *p == i as f64,
                None => n.as_f64() == Some(*p),
            },
            Value::String(s) => gofmt::parse_float(s) == Some(*p),
            _ => false,
        },
        // P-5.1.4.
        ScalarPattern::Null => match value {
            Value::Null => true,
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::String(s) => s.is_empty(),
            Value::Bool(b) => !b,
            _ => false,
        },
        ScalarPattern::Str(sp) => str_match(value, sp),
    }
}

/// P-5.2: the string-pattern expression.
fn str_match(value: &Value, sp: &StrPattern) -> bool {
    // P-5.2.1: identical text shortcut.
    if value.as_str() == Some(sp.raw.as_str()) {
        return true;
    }
    let view = ValueView::new(value);
    sp.alternatives
        .iter()
        .any(|alt| alt.iter().all(|t| eval_term(t, &view)))
}

/// The value side of P-5.4, converted lazily and at most once per scalar match.
struct ValueView<'a> {
    value: &'a Value,
    num: OnceCell<Option<Cow<'a, str>>>,
    duration: OnceCell<Option<i128>>,
    quantity: OnceCell<Option<Quantity>>,
    text: OnceCell<Option<Cow<'a, str>>>,
}

impl<'a> ValueView<'a> {
    fn new(value: &'a Value) -> Self {
        Self {
            value,
            num: OnceCell::new(),
            duration: OnceCell::new(),
            quantity: OnceCell::new(),
            text: OnceCell::new(),
        }
    }

    /// `num_to_string` of P-5.5.
    fn num(&self) -> Option<&str> {
        self.num
            .get_or_init(|| match self.value {
                Value::Null => Some(Cow::Borrowed("0")),
                Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                Value::Number(n) => Some(Cow::Owned(match as_integer(n) {
                    Some(i) => i.to_string(),
                    None => gofmt::format_float_f6(n.as_f64().unwrap_or(0.0)),
                })),
                _ => None,
            })
            .as_deref()
    }

    fn duration(&self) -> Option<i128> {
        *self
            .duration
            .get_or_init(|| self.num().and_then(parse_go_duration))
    }

    fn quantity(&self) -> Option<&Quantity> {
        self.quantity
            .get_or_init(|| self.num().and_then(Quantity::parse))
            .as_ref()
    }

    /// Text for the string comparison of P-5.4.3.
    fn text(&self) -> Option<&str> {
        self.text
            .get_or_init(|| match self.value {
                Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                Value::Number(n) => Some(Cow::Owned(match as_integer(n) {
                    Some(i) => i.to_string(),
                    None => gofmt::format_float_e(n.as_f64().unwrap_or(0.0)),
                })),
                Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
                _ => None,
            })
            .as_deref()
    }
}

fn eval_term(t: &Term, v: &ValueView<'_>) -> bool {
    match t {
        Term::Cmp(op, operand) => eval_cmp(*op, operand, v),
        // P-5.3.6.
        Term::InRange(l, r) => eval_cmp(Op::GreaterEqual, l, v) && eval_cmp(Op::LessEqual, r, v),
        Term::NotInRange(l, r) => eval_cmp(Op::Less, l, v) || eval_cmp(Op::Greater, r, v),
    }
}

/// P-5.4: duration, then quantity, then string comparison.
fn eval_cmp(op: Op, operand: &Operand, v: &ValueView<'_>) -> bool {
    if let Some(d) = operand.duration
        && let Some(vd) = v.duration()
    {
        return op.holds(vd.cmp(&d));
    }
    if let Some(q) = &operand.quantity
        && let Some(vq) = v.quantity()
    {
        return op.holds(vq.cmp_value(q));
    }
    match op {
        Op::Equal => v
            .text()
            .is_some_and(|t| wildcard::matches(&operand.text, t)),
        Op::NotEqual => v
            .text()
            .is_some_and(|t| !wildcard::matches(&operand.text, t)),
        // P-5.4.3: ordering does not apply to non-numeric strings.
        _ => false,
    }
}

/// Whether `s` is an in-range expression `a-b` (P-5.3.4), used by the membership operators
/// (`conditions-and-variables.md` CV-8.3).
pub(crate) fn is_in_range_expression(s: &str) -> bool {
    split_range(s, "-").is_some()
}

/// One pattern term (P-5.3 classification, P-5.4 evaluation) applied to `value`, used by the
/// membership operators for range strings (CV-8.3, CV-8.5).
pub(crate) fn term_matches(term: &str, value: &Value) -> bool {
    eval_term(&compile_term(term.trim()), &ValueView::new(value))
}

// ------------------------------------------------------------------------------------------
// Entry points and rule responses (P-2, P-9.3, P-10)
// ------------------------------------------------------------------------------------------

/// `match_pattern(resource, pattern)` (P-2.1..P-9.2); the pattern is already substituted.
pub(crate) fn match_pattern(resource: &Value, pattern: &Value) -> PatternOutcome {
    match CompiledPattern::compile(pattern) {
        Ok(p) => p.matches(resource),
        Err(message) => PatternOutcome::Error { message },
    }
}

/// `M` with a final `.` (P-9.3.3).
fn with_dot(m: &str) -> Cow<'_, str> {
    if m.ends_with('.') {
        Cow::Borrowed(m)
    } else {
        Cow::Owned(format!("{m}."))
    }
}

/// Rule status and message for a `validate.pattern` outcome (P-9.3).
pub(crate) fn pattern_outcome_response(
    rule: &RuleLabel,
    message: Option<&str>,
    outcome: PatternOutcome,
) -> (RuleStatus, SmolStr) {
    match outcome {
        PatternOutcome::Pass => (RuleStatus::Pass, rule.passed()),
        PatternOutcome::Skip { message: m, .. } => (RuleStatus::Skip, m.into()),
        PatternOutcome::Fail { path, .. } => (
            RuleStatus::Fail,
            match message {
                None => format!("validation error: rule {rule} failed at path {path}"),
                Some(m) => {
                    format!(
                        "validation error: {} rule {rule} failed at path {path}",
                        with_dot(m)
                    )
                }
            }
            .into(),
        ),
        PatternOutcome::Error { message: err } => (
            RuleStatus::Error,
            match message {
                None => format!("validation error: rule {rule} execution error: {err}"),
                Some(m) => {
                    format!(
                        "validation error: {} rule {rule} execution error: {err}",
                        with_dot(m)
                    )
                }
            }
            .into(),
        ),
    }
}

/// P-9.3: the rule's status and message for a validate rule named `rule` with optional
/// `validate.message` (already substituted).
pub(crate) fn pattern_rule_response(
    rule: &RuleLabel,
    message: Option<&str>,
    resource: &Value,
    pattern: &Value,
) -> (RuleStatus, SmolStr) {
    pattern_outcome_response(rule, message, match_pattern(resource, pattern))
}

/// P-9.6: the rule response when substituting the pattern failed.
pub(crate) fn substitution_error_response(err: &str) -> (RuleStatus, SmolStr) {
    (
        RuleStatus::Error,
        format!("variable substitution failed: {err}").into(),
    )
}

/// P-10: `anyPattern` from already computed per-pattern outcomes, in order (compiled use).
pub(crate) fn any_pattern_outcomes_response(
    rule: &RuleLabel,
    message: Option<&str>,
    outcomes: impl IntoIterator<Item = PatternOutcome>,
) -> (RuleStatus, SmolStr) {
    let mut failed: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut any = false;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        any = true;
        match outcome {
            // P-10.2.
            PatternOutcome::Pass => {
                return (RuleStatus::Pass, rule.any_passed(i));
            }
            // P-10.3.
            PatternOutcome::Skip { message: m, .. } => {
                skipped.push(format!("rule {rule}[{i}] skipped: {m}"));
            }
            PatternOutcome::Fail { path, .. } => {
                failed.push(format!("rule {rule}[{i}] failed at path {path}"));
            }
            PatternOutcome::Error { message: m } => {
                failed.push(format!("rule {rule}[{i}] failed: {m}"))
            }
        }
    }
    if !any {
        // P-10.5.
        return (
            RuleStatus::Pass,
            message.map(SmolStr::new).unwrap_or_default(),
        );
    }
    // P-10.4.
    if failed.is_empty() {
        return (RuleStatus::Skip, skipped.join(" ").into());
    }
    let joined = failed.join(" ");
    let text = match message {
        None => format!("validation error: {joined}"),
        Some(m) => format!("validation error: {} {joined}", with_dot(m)),
    };
    (RuleStatus::Fail, text.into())
}

/// P-10: the rule's status and message for `validate.anyPattern`.
pub(crate) fn any_pattern_rule_response(
    rule: &RuleLabel,
    message: Option<&str>,
    resource: &Value,
    patterns: &[Value],
) -> (RuleStatus, SmolStr) {
    // Lazily: patterns after the first pass are never matched.
    any_pattern_outcomes_response(
        rule,
        message,
        patterns.iter().map(|p| match_pattern(resource, p)),
    )
}

/// P-10.1: `anyPattern` as written; anything but an array is an `ERROR`.
pub(crate) fn any_pattern_value_response(
    rule: &RuleLabel,
    message: Option<&str>,
    resource: &Value,
    patterns: &Value,
) -> (RuleStatus, SmolStr) {
    match patterns {
        Value::Array(items) => any_pattern_rule_response(rule, message, resource, items),
        _ => (
            RuleStatus::Error,
            SmolStr::new_static("failed to deserialize anyPattern, expected type array"),
        ),
    }
}

// ------------------------------------------------------------------------------------------
// `$( ... )` references (P-11)
// ------------------------------------------------------------------------------------------

/// Resolves `$(...)` references inside a pattern document (P-11). Errors are variable
/// substitution errors (P-11.3 → P-9.6).
pub(crate) fn resolve_references(document: &Value) -> Result<Value, String> {
    if depth_exceeds(document, MAX_DEPTH) {
        return Err(format!("pattern is nested deeper than {MAX_DEPTH} levels"));
    }
    resolve_refs_in(document, document, "")
}

fn resolve_refs_in(doc: &Value, node: &Value, path: &str) -> Result<Value, String> {
    match node {
        Value::String(s) => Ok(Value::String(resolve_refs_in_string(doc, s, path)?)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| resolve_refs_in(doc, item, &format!("{path}/{i}")))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let child = format!("{path}/{k}");
                let key = resolve_refs_in_string(doc, k, &child)?;
                out.insert(key, resolve_refs_in(doc, v, &child)?);
            }
            Ok(Value::Object(out))
        }
        _ => Ok(node.clone()),
    }
}

/// Finds Kyverno's reference matches `^\$\(.[^ ]*\)|[^\\]\$\(.[^ ]*\)` (leftmost, non
/// overlapping). Returns (match start incl. the preceding character, reference start, end).
fn find_references(s: &str) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < s.len() {
        let Some(rest) = s.get(pos..) else { break };
        // Candidate: `$(` at the very start, or after a character other than `\`.
        let mut found = None;
        let mut prev: Option<(usize, char)> = None;
        for (off, c) in rest.char_indices() {
            let at = pos + off;
            if s.get(at..).is_some_and(|t| t.starts_with("$(")) {
                let ok = match prev {
                    None => at == 0,
                    Some((_, p)) => p != '\\',
                };
                if ok && let Some(end) = reference_end(s, at) {
                    let start = prev.map_or(at, |(pi, _)| pi);
                    found = Some((start, at, end));
                    break;
                }
            }
            prev = Some((at, c));
        }
        match found {
            Some(m) => {
                out.push(m);
                pos = m.2;
            }
            None => break,
        }
    }
    out
}

/// End (exclusive) of `\$\(.[^ ]*\)` starting at `at`: one character, then the last `)` of the
/// following run of non-space characters.
fn reference_end(s: &str, at: usize) -> Option<usize> {
    let body = s.get(at + 2..)?;
    let mut chars = body.char_indices();
    let (_, first) = chars.next()?;
    if first == '\n' {
        return None;
    }
    let mut last_close = None;
    for (off, c) in chars {
        if c == ' ' {
            break;
        }
        if c == ')' {
            last_close = Some(off);
        }
    }
    last_close.map(|off| at + 2 + off + 1)
}

fn resolve_refs_in_string(doc: &Value, s: &str, path: &str) -> Result<String, String> {
    if !s.contains("$(") {
        return Ok(s.to_owned());
    }
    let mut value = s.to_owned();
    for (start, at, end) in find_references(s) {
        let (Some(old), Some(reference)) = (s.get(start..end), s.get(at..end)) else {
            continue;
        };
        let resolved = resolve_reference(doc, reference, path)?;
        let prefix = s.get(start..at).unwrap_or("");
        value = value.replacen(old, &format!("{prefix}{resolved}"), 1);
    }
    // P-11.3: `\$(...)` loses its backslash.
    Ok(unescape_references(&value))
}

/// Replaces every `\$(...)` match (`\\\$\(.[^ ]*\)`) by itself without the backslash.
fn unescape_references(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pos = 0usize;
    while let Some(off) = s.get(pos..).and_then(|r| r.find("\\$(")) {
        let at = pos + off;
        match reference_end(s, at + 1) {
            Some(end) => {
                out.push_str(s.get(pos..at).unwrap_or(""));
                out.push_str(s.get(at + 1..end).unwrap_or(""));
                pos = end;
            }
            None => {
                out.push_str(s.get(pos..at + 1).unwrap_or(""));
                pos = at + 1;
            }
        }
    }
    out.push_str(s.get(pos..).unwrap_or(""));
    out
}

/// P-11.1/P-11.2: resolves one `$(...)` reference text to its replacement.
fn resolve_reference(doc: &Value, reference: &str, path: &str) -> Result<String, String> {
    let inner = reference.trim_matches(|c| c == '$' || c == '(' || c == ')');
    let op = [">=", "<=", ">", "<", "!"]
        .into_iter()
        .find(|p| inner.len() >= 2 && inner.starts_with(p))
        .unwrap_or("");
    let target = inner.get(op.len()..).unwrap_or("");
    if target.is_empty() {
        return Err(format!(
            "failed to resolve {reference} at path {path}: expected path, found empty reference"
        ));
    }
    let absolute = if target.starts_with('/') {
        target.to_owned()
    } else {
        join_clean(path, target)
    };
    let found = find_leaf(doc, "", &absolute);
    let not_resolved = || format!("reference {reference} not resolved at path {path}");
    match (op, found) {
        (_, None | Some(Value::Null)) => Err(format!(
            "got nil resolved variable {reference} at path {path}"
        )),
        ("", Some(Value::String(s))) => Ok(s.clone()),
        ("", Some(_)) => Err(not_resolved()),
        (op, Some(Value::String(s))) => Ok(format!("{op}{s}")),
        (op, Some(Value::Number(n))) => Ok(match as_integer(n) {
            Some(i) => format!("{op}{i}"),
            None => format!("{op}{}", gofmt::format_float_f6(n.as_f64().unwrap_or(0.0))),
        }),
        (_, Some(_)) => Err(format!(
            "failed to resolve {reference} at path {path}: reference {reference} not supported"
        )),
    }
}

/// Finds the leaf whose path with anchors stripped equals `target` (P-11.2).
fn find_leaf<'a>(node: &'a Value, path: &str, target: &str) -> Option<&'a Value> {
    match node {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let seg = parse_anchor(k).map_or(k.as_str(), |(_, b)| b);
            let child = format!("{path}/{seg}");
            target
                .starts_with(&child)
                .then(|| find_leaf(v, &child, target))
                .flatten()
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let child = format!("{path}/{i}");
            target
                .starts_with(&child)
                .then(|| find_leaf(v, &child, target))
                .flatten()
        }),
        _ => (path == target).then_some(node),
    }
}

/// Go `path.Join(base, rel)`: join and clean (`.`/`..`/empty segments) a slash path.
fn join_clean(base: &str, rel: &str) -> String {
    let joined = if base.is_empty() {
        rel.to_owned()
    } else {
        format!("{base}/{rel}")
    };
    let rooted = joined.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    if rooted {
        format!("/{body}")
    } else if body.is_empty() {
        ".".to_owned()
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str) -> RuleLabel {
        RuleLabel::new(name, 0)
    }
    use serde_json::json;

    /// Expected outcome kinds; paths are checked where the spec gives them.
    #[derive(Debug)]
    enum E {
        Pass,
        Fail(&'static str),
        FailAny,
        Skip,
        Error,
    }

    fn check(pattern: Value, resource: Value, expect: E) {
        let got = match_pattern(&resource, &pattern);
        let ok = match (&expect, &got) {
            (E::Pass, PatternOutcome::Pass) => true,
            (E::Fail(p), PatternOutcome::Fail { path, .. }) => path == p,
            (E::FailAny, PatternOutcome::Fail { .. }) => true,
            (E::Skip, PatternOutcome::Skip { .. }) => true,
            (E::Error, PatternOutcome::Error { .. }) => true,
            _ => false,
        };
        assert!(
            ok,
            "pattern {pattern}\nresource {resource}\nexpected {expect:?}\ngot {got:?}"
        );
    }

    /// Scalar check through a one-key object (`{v: pattern}` against `{v: value}`), or a
    /// missing key when `value` is `None`.
    fn scalar(pattern: Value, value: Option<Value>, expect: bool) {
        let res = match value {
            Some(v) => json!({ "v": v }),
            None => json!({}),
        };
        let got = match_pattern(&res, &json!({ "v": pattern }));
        assert_eq!(
            got == PatternOutcome::Pass,
            expect,
            "pattern {pattern} vs {res}: {got:?}"
        );
    }

    // ---- P-13 worked examples ----

    fn img_pattern() -> Value {
        json!({"spec": {"containers": [{"image": "!*:latest"}]}})
    }

    fn cond_image_pattern() -> Value {
        json!({"spec": {"containers": [{"(image)": "*:latest", "imagePullPolicy": "Always"}]}})
    }

    fn global_pattern() -> Value {
        json!({"spec": {
            "containers": [{"name": "*", "<(image)": "nginx"}],
            "imagePullSecrets": [{"name": "regcred"}]
        }})
    }

    #[test]
    fn p_13_worked_examples() {
        // P-13 #1..#4
        check(
            img_pattern(),
            json!({"spec": {"containers": [{"image": "nginx:1.25"}]}}),
            E::Pass,
        );
        check(
            img_pattern(),
            json!({"spec": {"containers": [{"image": "nginx:latest"}]}}),
            E::Fail("/spec/containers/0/image/"),
        );
        check(img_pattern(), json!({"spec": {"containers": []}}), E::Pass);
        check(
            img_pattern(),
            json!({"spec": {"containers": [{"name": "x"}]}}),
            E::Fail("/spec/containers/0/image/"),
        );
        // P-13 #5
        check(
            json!({"spec": {"replicas": "<10"}}),
            json!({"spec": {}}),
            E::Pass,
        );
        // P-13 #6, #7
        check(
            json!({"metadata": {"labels": {"team": "?*"}}}),
            json!({"metadata": {"labels": {}}}),
            E::Fail("/metadata/labels/team/"),
        );
        check(
            json!({"metadata": {"labels": {"team": "*"}}}),
            json!({"metadata": {"labels": {}}}),
            E::Fail("/metadata/labels/"),
        );
        // P-13 #8, #9, #10
        check(
            cond_image_pattern(),
            json!({"spec": {"containers": [{"image": "nginx:1.2", "imagePullPolicy": "Never"}]}}),
            E::Skip,
        );
        check(
            cond_image_pattern(),
            json!({"spec": {"containers": [
                {"image": "nginx:latest", "imagePullPolicy": "IfNotPresent"},
                {"image": "redis:7", "imagePullPolicy": "Never"}
            ]}}),
            E::Fail("/spec/containers/0/imagePullPolicy/"),
        );
        check(
            cond_image_pattern(),
            json!({"spec": {"containers": [
                {"image": "nginx:latest", "imagePullPolicy": "Always"},
                {"image": "redis:7", "imagePullPolicy": "Never"}
            ]}}),
            E::Pass,
        );
        // P-13 #11, #12
        check(
            json!({"spec": {"X(hostNetwork)": null}}),
            json!({"spec": {"hostNetwork": false}}),
            E::Fail("/spec/hostNetwork/"),
        );
        check(
            json!({"spec": {"=(hostNetwork)": false}}),
            json!({"spec": {}}),
            E::Pass,
        );
        // P-13 #13, #14
        check(
            global_pattern(),
            json!({"spec": {"containers": [{"name": "a", "image": "busybox"}]}}),
            E::Skip,
        );
        check(
            global_pattern(),
            json!({"spec": {
                "containers": [{"name": "a", "image": "nginx"}],
                "imagePullSecrets": [{"name": "other"}]
            }}),
            E::Fail("/spec/imagePullSecrets/0/name/"),
        );
        // P-13 #15
        check(
            json!({"spec": {"^(tolerations)": [{"key": "gpu"}]}}),
            json!({"spec": {"tolerations": [{"key": "a"}, {"key": "gpu"}]}}),
            E::Pass,
        );
        // P-13 #16
        check(
            json!({"spec": {"containers": [{"resources": {"limits": {"memory": "<=1Gi"}}}]}}),
            json!({"spec": {"containers": [{"resources": {"limits": {"memory": "512Mi"}}}]}}),
            E::Pass,
        );
        // P-13 #17 (resource numbers are floats, P-0.1)
        check(
            json!({"spec": {"terminationGracePeriodSeconds": ">=30"}}),
            json!({"spec": {"terminationGracePeriodSeconds": 30.0}}),
            E::Pass,
        );
        // P-13 #18
        check(
            json!({"spec": {"activeDeadlineSeconds": "1-300"}}),
            json!({"spec": {"activeDeadlineSeconds": 600.0}}),
            E::Fail("/spec/activeDeadlineSeconds/"),
        );
        // P-13 #19
        check(
            json!({"spec": {"(serviceAccountName)": "!default", "automountServiceAccountToken": false}}),
            json!({"spec": {"serviceAccountName": "default", "automountServiceAccountToken": true}}),
            E::Skip,
        );
    }

    // ---- P-0 data model ----

    #[test]
    fn p_0_4_child_paths() {
        let spec = PathRef::Root("/spec/");
        let containers = PathRef::Key(&spec, "containers");
        assert_eq!(containers.to_string(), "/spec/containers/");
        assert_eq!(
            PathRef::Index(&containers, 0).to_string(),
            "/spec/containers/0/"
        );
        assert_eq!(
            PathRef::Index(&PathRef::Root("/"), 1234567).to_string(),
            "/1234567/"
        );
        assert_eq!(
            PathRef::Index(&PathRef::Root(""), usize::MAX).to_string(),
            format!("{}/", usize::MAX)
        );
    }

    #[test]
    fn p_0_1_number_flavours() {
        // P-0.1 / P-5.1.2: an integer pattern equals an integral float from a resource.
        scalar(json!(3), Some(json!(3.0)), true);
        scalar(json!(3), Some(json!(3.5)), false);
    }

    #[test]
    fn p_0_2_present_null_is_present() {
        // P-0.2: a present null key is "present" for anchors.
        check(json!({"=(a)": "x"}), json!({"a": null}), E::Fail("/a/"));
        check(json!({"=(a)": "x"}), json!({}), E::Pass);
    }

    #[test]
    fn p_0_4_paths_have_trailing_slash_and_bare_keys() {
        // P-0.4: anchored keys contribute their bare key to the path.
        check(
            json!({"=(spec)": {"a": "x"}}),
            json!({"spec": {"a": "y"}}),
            E::Fail("/spec/a/"),
        );
    }

    // ---- P-2 / P-3 ----

    #[test]
    fn p_2_1_fresh_anchor_map_per_call() {
        // P-2.1: a missing anchor key from an earlier call does not leak into the next one.
        let pattern = json!({"^(a)": [{"x": "1"}], "b": "2"});
        check(pattern.clone(), json!({"b": "3"}), E::Error);
        check(
            pattern,
            json!({"a": [{"x": "1"}], "b": "3"}),
            E::Fail("/b/"),
        );
    }

    #[test]
    fn p_3_1_object_pattern_structure_mismatch() {
        // P-3.1: object pattern vs non-object (incl. missing) → plain error at path.
        check(json!({"spec": {}}), json!({"spec": "x"}), E::Fail("/spec/"));
        check(json!({"spec": {}}), json!({}), E::Fail("/spec/"));
        check(json!({"spec": {}}), json!({"spec": {"a": 1.0}}), E::Pass);
    }

    #[test]
    fn p_3_2_array_pattern_structure_mismatch() {
        // P-3.2: array pattern vs non-array → plain error at path.
        check(
            json!({"l": [{"a": "1"}]}),
            json!({"l": {"a": "1"}}),
            E::Fail("/l/"),
        );
        check(json!({"l": [{"a": "1"}]}), json!({}), E::Fail("/l/"));
    }

    #[test]
    fn p_3_3_scalar_pattern_against_array() {
        // P-3.3: every element must match; the failure path is the array's own path.
        check(json!({"l": "a*"}), json!({"l": ["ab", "ac"]}), E::Pass);
        check(
            json!({"l": "a*"}),
            json!({"l": ["ab", "b"]}),
            E::Fail("/l/"),
        );
        check(json!({"l": "a*"}), json!({"l": []}), E::Pass);
        let got = match_pattern(&json!({"l": "x"}), &json!({"l": "y"}));
        assert_eq!(
            got,
            PatternOutcome::Fail {
                path: "/l/".into(),
                message: "resource value 'x' does not match 'y' at path /l/".into()
            }
        );
    }

    // ---- P-4 objects ----

    #[test]
    fn p_4_1_1_non_string_label_values_dropped() {
        // P-4.1.1: entries with non-string values are not checked.
        check(
            json!({"metadata": {"labels": {"app": "web", "tier": {"x": 1}}}}),
            json!({"metadata": {"labels": {"app": "web"}}}),
            E::Pass,
        );
        // Without a resource labels object there is no rebuilding.
        check(
            json!({"metadata": {"labels": {"tier": {"x": 1}}}}),
            json!({"metadata": {"name": "a"}}),
            E::Fail("/metadata/labels/"),
        );
    }

    #[test]
    fn p_4_1_2_wildcard_label_keys_expanded() {
        // P-4.1.2: a wildcard key is replaced by the matching resource key; anchors kept.
        let p = json!({"metadata": {"labels": {"app.kubernetes.io/*": "?*"}}});
        check(
            p.clone(),
            json!({"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}),
            E::Pass,
        );
        check(
            p.clone(),
            json!({"metadata": {"labels": {"app.kubernetes.io/name": ""}}}),
            E::Fail("/metadata/labels/app.kubernetes.io/name/"),
        );
        // No match: the key is kept and looked up literally (missing).
        check(
            p,
            json!({"metadata": {"labels": {"other": "x"}}}),
            E::FailAny,
        );
        let eq = json!({"metadata": {"annotations": {"=(app.kubernetes.io/*)": "x"}}});
        check(
            eq.clone(),
            json!({"metadata": {"annotations": {"app.kubernetes.io/name": "y"}}}),
            E::Fail("/metadata/annotations/app.kubernetes.io/name/"),
        );
        check(
            eq,
            json!({"metadata": {"annotations": {"other": "y"}}}),
            E::Pass,
        );
        // Anchored metadata/labels keys also expand.
        check(
            json!({"=(metadata)": {"=(labels)": {"team-*": "a*"}}}),
            json!({"metadata": {"labels": {"team-x": "b"}}}),
            E::Fail("/metadata/labels/team-x/"),
        );
    }

    #[test]
    fn p_4_1_3_smallest_matching_key() {
        // P-4.1.3: deterministic choice of the lexicographically smallest matching key.
        check(
            json!({"metadata": {"labels": {"a*": "1"}}}),
            json!({"metadata": {"labels": {"ab": "2", "aa": "1"}}}),
            E::Pass,
        );
    }

    #[test]
    fn p_4_1_4_other_wildcard_keys_literal() {
        // P-4.1.4: wildcards in other keys are looked up literally.
        check(
            json!({"spec": {"rep*": 1}}),
            json!({"spec": {"replicas": 1.0}}),
            E::FailAny,
        );
    }

    #[test]
    fn p_4_2_1_anchor_syntax() {
        // P-4.2.1: `^([+<=X^])?\((.+)\)$` after trimming.
        use AnchorKind::*;
        for (key, expect) in [
            ("(k)", Some((Conditional, "k"))),
            ("<(k)", Some((Global, "k"))),
            ("=(k)", Some((Equality, "k"))),
            ("X(k)", Some((Negation, "k"))),
            ("^(k)", Some((Existence, "k"))),
            ("+(k)", Some((AddIfNotPresent, "k"))),
            (" =(k) ", Some((Equality, "k"))),
            ("((k))", Some((Conditional, "(k)"))),
            ("()", None),
            ("k", None),
            ("Y(k)", None),
            ("=(k", None),
            ("x(k)", None),
        ] {
            assert_eq!(parse_anchor(key), expect, "{key:?}");
        }
    }

    #[test]
    fn p_4_2_2_partition() {
        // P-4.2.2: anchor keys in phase 1; plain, global and `+(k)` keys in phase 2.
        let Node::Object(obj) = CompiledPattern::compile(&json!({
            "(a)": "1", "=(b)": "1", "X(c)": null, "^(d)": [], "<(e)": "1", "+(f)": "1", "g": "1"
        }))
        .unwrap()
        .root
        else {
            panic!("object expected")
        };
        let p1: Vec<&str> = obj.phase1.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(p1, ["a", "b", "c", "d"]);
        let mut p2: Vec<&str> = obj.phase2.iter().map(|e| e.key.as_str()).collect();
        p2.sort_unstable();
        assert_eq!(p2, ["+(f)", "e", "g"]);
    }

    #[test]
    fn p_4_3_phase1_order_and_masking() {
        // P-4.3 / P-4.3.3: `(a)` sorts before `=(b)`; the failing conditional masks the
        // equality failure → aggregated skip.
        check(
            json!({"(a)": "x", "=(b)": "y"}),
            json!({"a": "no", "b": "no"}),
            E::Skip,
        );
        // Without the conditional failing, the equality failure is returned.
        check(
            json!({"(a)": "x", "=(b)": "y"}),
            json!({"a": "x", "b": "no"}),
            E::Fail("/b/"),
        );
        // P-4.3.3: `X(c)` sorts after `(a)`, so its failure is masked as well.
        check(
            json!({"(a)": "x", "X(c)": null}),
            json!({"a": "no", "c": 1.0}),
            E::Skip,
        );
    }

    #[test]
    fn p_4_3_4_nested_skips_with_applied_anchor_continue() {
        // P-4.3.4: only an aggregated skip from a nested structure plus an applied anchor →
        // phase 2 runs.
        let pattern = json!({"(kind)": "Pod", "=(spec)": {"(x)": "1", "y": "2"}, "name": "good"});
        check(
            pattern.clone(),
            json!({"kind": "Pod", "spec": {"x": "0"}, "name": "bad"}),
            E::Fail("/name/"),
        );
        // No anchor applied → aggregated skip.
        check(
            pattern,
            json!({"kind": "Svc", "spec": {"x": "0"}, "name": "bad"}),
            E::Skip,
        );
        let only_nested = json!({"=(spec)": {"(x)": "1"}, "name": "good"});
        check(
            only_nested,
            json!({"spec": {"x": "0"}, "name": "bad"}),
            E::Skip,
        );
    }

    #[test]
    fn p_4_4_1_phase2_order() {
        // P-4.4.1: keys a, b (nested anchors), c, d → b, a, c, d.
        let Node::Object(obj) = CompiledPattern::compile(&json!({
            "a": {"=(x)": "1"}, "b": [{"(y)": "1"}], "c": "1", "d": {"e": "1"}
        }))
        .unwrap()
        .root
        else {
            panic!("object expected")
        };
        let order: Vec<&str> = obj.phase2.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(order, ["b", "a", "c", "d"]);
        // Observable: b's failure is reported before a's, c's and d's.
        check(
            json!({"a": {"=(x)": "1"}, "b": {"=(x)": "1"}, "c": "1", "d": "1"}),
            json!({"a": {"x": "0"}, "b": {"x": "0"}, "c": "0", "d": "0"}),
            E::Fail("/b/x/"),
        );
    }

    #[test]
    fn p_4_4_2_nested_anchor_detection() {
        // P-4.4.2: anchors found through object values and array elements; `+(k)` does not count.
        assert!(has_nested_anchors(&json!({"a": [{"b": {"X(c)": null}}]})));
        assert!(has_nested_anchors(&json!([{"<(c)": "1"}])));
        assert!(!has_nested_anchors(&json!({"+(c)": "1", "d": ["(x)"]})));
        assert!(!has_nested_anchors(&json!("(x)")));
    }

    #[test]
    fn p_4_4_3_first_error_wins_including_skips() {
        // P-4.4.3: a global mismatch (front of the list) is returned before a plain failure.
        check(
            json!({"<(g)": "1", "z": "1"}),
            json!({"g": "0", "z": "0"}),
            E::Skip,
        );
        // P-4.4.4: no error → pass.
        check(
            json!({"<(g)": "1", "z": "1"}),
            json!({"g": "1", "z": "1"}),
            E::Pass,
        );
    }

    #[test]
    fn p_4_5_1_star_value() {
        // P-4.5.1: `*` under an object key requires presence and non-null, any type.
        for v in [json!({}), json!([]), json!(""), json!(0.0), json!(false)] {
            check(json!({"k": "*"}), json!({ "k": v }), E::Pass);
        }
        check(
            json!({"s": {"k": "*"}}),
            json!({"s": {"k": null}}),
            E::Fail("/s/"),
        );
        let got = match_pattern(&json!({"s": {}}), &json!({"s": {"k": "*"}}));
        assert_eq!(
            got,
            PatternOutcome::Fail {
                path: "/s/".into(),
                message: "/s//k not found".into()
            }
        );
    }

    #[test]
    fn p_4_5_2_plain_key_recurses() {
        // P-4.5.2: plain keys validate their value at path + k + "/".
        check(
            json!({"a": {"b": "x"}}),
            json!({"a": {"b": "y"}}),
            E::Fail("/a/b/"),
        );
    }

    #[test]
    fn p_4_5_3_add_anchor_is_literal_in_validate() {
        // P-4.5.3 / P-7.6: `+(a)` is looked up under the literal key text.
        check(json!({"+(a)": "x"}), json!({"a": "x"}), E::Fail("/+(a)/"));
        check(json!({"+(a)": "x"}), json!({"+(a)": "x"}), E::Pass);
    }

    // ---- P-5 scalars ----

    #[test]
    fn p_5_1_1_boolean_pattern() {
        // P-5.1.1
        scalar(json!(true), Some(json!(true)), true);
        scalar(json!(true), Some(json!(false)), false);
        scalar(json!(true), Some(json!("true")), false);
        scalar(json!(false), None, false);
    }

    #[test]
    fn p_5_1_2_integer_pattern() {
        // P-5.1.2
        scalar(json!(3), Some(json!(3)), true);
        scalar(json!(3), Some(json!(3.0)), true);
        scalar(json!(3), Some(json!(3.5)), false);
        scalar(json!(3), Some(json!("3")), true);
        scalar(json!(3), Some(json!("+3")), true);
        scalar(json!(-3), Some(json!("-3")), true);
        scalar(json!(3), Some(json!("3.0")), false);
        scalar(json!(3), Some(json!(" 3")), false);
        scalar(json!(3), None, false);
        scalar(json!(1), Some(json!(true)), false);
        scalar(json!(1), Some(json!([1])), true); // P-3.3: every element
        scalar(json!(1), Some(json!({"a": 1})), false);
    }

    #[test]
    fn p_5_1_3_float_pattern() {
        // P-5.1.3
        scalar(json!(1.5), Some(json!(1.5)), true);
        scalar(json!(1.5), Some(json!(2)), false);
        scalar(json!(2.0), Some(json!(2)), true);
        scalar(json!(1.5), Some(json!("1.5")), true);
        scalar(json!(1000.0), Some(json!("1e3")), true);
        scalar(json!(0.5), Some(json!(".5")), true);
        scalar(json!(1.5), Some(json!("x")), false);
        scalar(json!(1.5), None, false);
    }

    #[test]
    fn p_5_1_4_null_pattern() {
        // P-5.1.4 / P-5.6
        for (v, e) in [
            (None, true),
            (Some(Value::Null), true),
            (Some(json!(0)), true),
            (Some(json!(0.0)), true),
            (Some(json!("")), true),
            (Some(json!(false)), true),
            (Some(json!(1.0)), false),
            (Some(json!("x")), false),
            (Some(json!(true)), false),
            (Some(json!({})), false),
        ] {
            scalar(Value::Null, v, e);
        }
    }

    #[test]
    fn p_5_1_5_and_p_5_1_6_structured_values() {
        // P-5.1.5 / P-5.1.6: object and array patterns dispatch structurally (P-3.1/P-3.2),
        // never through scalar comparison.
        check(json!({"v": {}}), json!({"v": {"x": 1.0}}), E::Pass);
        check(json!({"v": {}}), json!({"v": "x"}), E::FailAny);
        check(json!({"v": []}), json!({"v": []}), E::FailAny);
    }

    #[test]
    fn p_5_2_grammar() {
        // P-5.2.1: identical text shortcut.
        scalar(json!("a|b"), Some(json!("a|b")), true);
        scalar(json!(">5"), Some(json!(">5")), true);
        // P-5.2.2: any alternative.
        scalar(json!("a | b"), Some(json!("b")), true);
        scalar(json!("a | b"), Some(json!("c")), false);
        // P-5.2.3: all terms.
        scalar(json!("a* & *z"), Some(json!("abz")), true);
        scalar(json!("a* & *z"), Some(json!("abc")), false);
        // P-5.2.4
        let p = json!("!*:latest & !*:dev | registry.local/*");
        scalar(p.clone(), Some(json!("nginx:1.2")), true);
        scalar(p.clone(), Some(json!("nginx:dev")), false);
        scalar(p.clone(), Some(json!("nginx:latest")), false);
        scalar(p, Some(json!("registry.local/nginx:latest")), true);
    }

    #[test]
    fn p_5_3_1_short_terms_are_literals() {
        // P-5.3.1: `!` alone is a literal.
        scalar(json!("! | x"), Some(json!("!")), true);
        scalar(json!("! | x"), Some(json!("y")), false);
        scalar(json!("> | x"), Some(json!(">")), true);
    }

    #[test]
    fn p_5_3_2_prefix_order() {
        // P-5.3.2: `>=` is tested before `>`; operand trimmed.
        scalar(json!(">=5"), Some(json!(5.0)), true);
        scalar(json!(">= 5"), Some(json!(5.0)), true);
        scalar(json!(">5"), Some(json!(5.0)), false);
        scalar(json!("<=5"), Some(json!(5.0)), true);
        scalar(json!("<5"), Some(json!(4.0)), true);
        scalar(json!("!5"), Some(json!(4.0)), true);
        scalar(json!("!5"), Some(json!(5.0)), false);
    }

    #[test]
    fn p_5_3_3_and_p_5_3_4_ranges() {
        // P-5.3.3: not-in-range.
        scalar(json!("10!-20"), Some(json!(25.0)), true);
        scalar(json!("10!-20"), Some(json!(5.0)), true);
        scalar(json!("10!-20"), Some(json!(15.0)), false);
        // P-5.3.4: in-range, bounds inclusive, signed bounds, no spaces allowed.
        scalar(json!("1-10"), Some(json!(5.0)), true);
        scalar(json!("1-10"), Some(json!(10.0)), true);
        scalar(json!("1-10"), Some(json!(11.0)), false);
        scalar(json!("-5-5"), Some(json!(-3.0)), true);
        scalar(json!("1 - 10"), Some(json!(5.0)), false);
        assert!(split_range("1.5-2", "-").is_some());
        assert!(split_range("1.-2", "-").is_none());
        assert!(split_range("a-b", "-").is_none());
        assert!(split_range("1h-24h", "-").is_some());
    }

    #[test]
    fn p_5_3_5_else_equal() {
        // P-5.3.5: anything else is Equal with the whole term.
        scalar(json!("nginx-*"), Some(json!("nginx-1")), true);
    }

    #[test]
    fn p_5_3_6_range_examples() {
        // P-5.3.6: ranges over quantities and durations.
        scalar(json!("1Gi-4Gi"), Some(json!("2Gi")), true);
        scalar(json!("1Gi-4Gi"), Some(json!("8Gi")), false);
        scalar(json!("100m-2"), Some(json!("1")), true);
        scalar(json!("100m-2"), Some(json!("50m")), false);
        scalar(json!("1h-24h"), Some(json!("2h")), true);
        scalar(json!("1h-24h"), Some(json!("30m")), false);
    }

    #[test]
    fn p_5_4_1_durations() {
        // P-5.4.1: both sides durations → compare durations.
        scalar(json!(">1h"), Some(json!("90m")), true);
        scalar(json!("<30s"), Some(json!("1m")), false);
        scalar(json!("1h"), Some(json!("60m")), true);
        scalar(json!("!1h"), Some(json!("60m")), false);
    }

    #[test]
    fn p_5_4_2_quantities() {
        // P-5.4.2: exact quantity comparison.
        scalar(json!("<1Gi"), Some(json!("512Mi")), true);
        scalar(json!("<1"), Some(json!("500m")), true);
        scalar(json!("1000m"), Some(json!("1")), true);
        scalar(json!("2"), Some(json!(2.0)), true);
        scalar(json!(">2"), Some(json!(2.5)), true);
    }

    #[test]
    fn p_5_4_3_string_comparison() {
        // P-5.4.3: ordering on non-numeric strings is false.
        scalar(json!(">abc"), Some(json!("abd")), false);
        scalar(json!("<=abc"), Some(json!("abc")), false);
        // Floats render as FormatFloat 'E' (wildcards keep these from parsing as quantities;
        // a literal "5E-01" would be an in-range term, P-5.3.4).
        scalar(json!("8E+0?"), Some(json!(80.0)), true);
        scalar(json!("5E?01"), Some(json!(0.5)), true);
        scalar(json!("5E-01"), Some(json!(0.5)), false);
        // Integers in decimal, booleans as text.
        scalar(json!("8*"), Some(json!(80)), true);
        scalar(json!("tru?"), Some(json!(true)), true);
        scalar(json!("!fals?"), Some(json!(true)), true);
        // null / object / array → false for both Equal and `!`.
        scalar(json!("!foo"), Some(Value::Null), false);
        scalar(json!("*x*"), Some(json!({"x": "x"})), false);
        scalar(json!("!foo"), Some(json!({})), false);
    }

    #[test]
    fn p_5_4_4_missing_is_zero() {
        // P-5.4.4
        scalar(json!("<10"), None, true);
        scalar(json!("!0"), None, false);
        scalar(json!("?*"), None, false);
        scalar(json!("!foo"), None, false);
        scalar(json!("!*:latest"), None, false);
    }

    #[test]
    fn p_5_4_5_numeric_wildcards() {
        // P-5.4.5: `8*` matches 80 (8E+01), `*0` does not; "80" compares as a quantity.
        scalar(json!("8*"), Some(json!(80.0)), true);
        scalar(json!("*0"), Some(json!(80.0)), false);
        scalar(json!("80"), Some(json!(80.0)), true);
    }

    #[test]
    fn p_5_5_num_to_string() {
        // P-5.5: float → `%f` (so fractional values compare as quantities), null → "0".
        scalar(json!(">=30.5"), Some(json!(30.5)), true);
        scalar(json!("<30.5"), Some(json!(30.5)), false);
        scalar(json!("0"), Some(Value::Null), true);
        scalar(json!(">=1"), Some(json!(true)), false);
    }

    #[test]
    fn p_5_6_empty_and_null_summary() {
        // P-5.6 table.
        scalar(json!(""), Some(json!("")), true);
        scalar(json!(""), None, false);
        scalar(json!(""), Some(Value::Null), false);
        scalar(json!(""), Some(json!(0.0)), false);
        scalar(json!(""), Some(json!(false)), false);
        check(json!({"v": {}}), json!({"v": {}}), E::Pass);
        check(json!({"v": {}}), json!({}), E::FailAny);
        check(json!({"v": []}), json!({"v": [1.0]}), E::FailAny);
        // `*` elsewhere (array item): scalars match; null, object do not.
        check(json!({"v": ["*"]}), json!({"v": ["a", 1.0, true]}), E::Pass);
        check(json!({"v": ["*"]}), json!({"v": [null]}), E::FailAny);
        check(json!({"v": ["*"]}), json!({"v": [{}]}), E::FailAny);
        // `?*`: non-empty string, any number, any bool.
        scalar(json!("?*"), Some(json!("x")), true);
        scalar(json!("?*"), Some(json!(0.0)), true);
        scalar(json!("?*"), Some(json!(false)), true);
        scalar(json!("?*"), Some(json!("")), false);
        scalar(json!("?*"), Some(json!({})), false);
    }

    // ---- P-6 arrays ----

    #[test]
    fn p_6_1_empty_pattern_array() {
        // P-6.1
        let got = match_pattern(&json!({"l": [1.0]}), &json!({"l": []}));
        assert_eq!(
            got,
            PatternOutcome::Fail {
                path: "/l/".into(),
                message: "pattern Array empty".into()
            }
        );
    }

    #[test]
    fn p_6_2_first_element_decides() {
        // P-6.2.1: later object elements ignored.
        check(
            json!({"l": [{"a": "1"}, {"b": "2"}]}),
            json!({"l": [{"a": "1"}]}),
            E::Pass,
        );
        // P-6.2.2: a scalar first element applies to every resource element.
        check(
            json!({"l": ["a*", "zzz"]}),
            json!({"l": ["ab", "ac"]}),
            E::Pass,
        );
        check(
            json!({"l": ["a*", "b"]}),
            json!({"l": ["ab", "b"]}),
            E::Fail("/l/"),
        );
        // P-6.2.3: an array first element → positional.
        check(
            json!({"l": [["a"], ["b"]]}),
            json!({"l": [["a"], ["b"], ["c"]]}),
            E::Pass,
        );
        check(
            json!({"l": [["a"], ["b"]]}),
            json!({"l": [["a"], ["x"]]}),
            E::Fail("/l/1/"),
        );
    }

    #[test]
    fn p_6_3_array_of_objects() {
        // P-6.3: first failing element wins; non-object elements fail; empty passes.
        check(json!({"l": [{"a": "1"}]}), json!({"l": []}), E::Pass);
        check(
            json!({"l": [{"a": "1"}]}),
            json!({"l": ["x"]}),
            E::Fail("/l/0/"),
        );
        check(
            json!({"l": [{"a": "1"}]}),
            json!({"l": [{"a": "1"}, {"a": "2"}, {"a": "3"}]}),
            E::Fail("/l/1/a/"),
        );
        // All skipped → aggregated skip; some applied → pass.
        let p = json!({"l": [{"(k)": "y", "v": "1"}]});
        check(p.clone(), json!({"l": [{"k": "n"}, {"k": "m"}]}), E::Skip);
        check(p, json!({"l": [{"k": "n"}, {"k": "y", "v": "1"}]}), E::Pass);
    }

    #[test]
    fn p_6_4_positional() {
        // P-6.4: shorter resource → plain error with empty path → ERROR.
        check(
            json!({"l": [["a"], ["b"]]}),
            json!({"l": [["a"]]}),
            E::Error,
        );
        // Skip bookkeeping as P-6.3.
        check(
            json!({"l": [[{"(k)": "y"}]]}),
            json!({"l": [[{"k": "n"}]]}),
            E::Skip,
        );
    }

    // ---- P-7 anchors ----

    #[test]
    fn p_7_1_conditional() {
        // P-7.1: present and matching → continue; mismatch or missing → skip.
        let p = json!({"(k)": "y", "v": "1"});
        check(p.clone(), json!({"k": "y", "v": "2"}), E::Fail("/v/"));
        check(p.clone(), json!({"k": "n", "v": "2"}), E::Skip);
        let got = match_pattern(&json!({"v": "2"}), &p);
        assert_eq!(
            got,
            PatternOutcome::Skip {
                path: "/".into(),
                message: "conditional anchor mismatch: conditional anchor key doesn't exist in \
                          the resource"
                    .into()
            }
        );
    }

    #[test]
    fn p_7_2_global() {
        // P-7.2: missing key → OK; mismatch → skip of the whole rule.
        check(
            json!({"<(g)": "1", "v": "1"}),
            json!({"v": "2"}),
            E::Fail("/v/"),
        );
        let got = match_pattern(&json!({"g": "2"}), &json!({"<(g)": "1"}));
        assert!(
            matches!(&got, PatternOutcome::Skip { message, .. } if message.starts_with("global anchor mismatch: ")),
            "{got:?}"
        );
    }

    #[test]
    fn p_7_3_equality() {
        // P-7.3: present → must match; missing → OK; nested skip propagates unchanged.
        check(json!({"=(a)": "1"}), json!({"a": "2"}), E::Fail("/a/"));
        check(json!({"=(a)": "1"}), json!({"a": "1"}), E::Pass);
        check(json!({"=(a)": "1"}), json!({}), E::Pass);
        check(
            json!({"=(a)": {"(b)": "1"}}),
            json!({"a": {"b": "2"}}),
            E::Skip,
        );
    }

    #[test]
    fn p_7_4_negation() {
        // P-7.4: present (even null) → FAIL; the pattern value is never examined.
        let got = match_pattern(
            &json!({"spec": {"hostNetwork": null}}),
            &json!({"spec": {"X(hostNetwork)": "anything"}}),
        );
        assert_eq!(
            got,
            PatternOutcome::Fail {
                path: "/spec/hostNetwork/".into(),
                message: "negation anchor matched in resource: /spec/hostNetwork/ is not allowed"
                    .into()
            }
        );
        check(
            json!({"spec": {"X(hostNetwork)": "x"}}),
            json!({"spec": {}}),
            E::Pass,
        );
    }

    #[test]
    fn p_7_5_existence() {
        // P-7.5
        let p = json!({"^(l)": [{"k": "a"}, {"k": "b"}]});
        check(p.clone(), json!({}), E::Pass);
        check(p.clone(), json!({"l": [{"k": "b"}, {"k": "a"}]}), E::Pass);
        check(p.clone(), json!({"l": [{"k": "a"}]}), E::Fail("/l/"));
        check(p.clone(), json!({"l": []}), E::Fail("/l/"));
        check(p, json!({"l": {"k": "a"}}), E::Fail("/l/"));
        check(json!({"^(l)": []}), json!({"l": [{"k": "a"}]}), E::Pass);
        check(json!({"^(l)": ["a"]}), json!({"l": ["a"]}), E::Fail("/l/"));
        check(
            json!({"^(l)": {"k": "a"}}),
            json!({"l": [{"k": "a"}]}),
            E::Fail("/l/"),
        );
        // Skips do not count as OK.
        check(
            json!({"^(l)": [{"(k)": "a"}]}),
            json!({"l": [{"k": "b"}]}),
            E::Fail("/l/"),
        );
        let got = match_pattern(&json!({"l": [{"k": "c"}]}), &json!({"^(l)": [{"k": "a"}]}));
        assert_eq!(
            got,
            PatternOutcome::Fail {
                path: "/l/".into(),
                message: "existence anchor validation failed at path /l/".into()
            }
        );
    }

    #[test]
    fn p_7_6_add_anchor_literal() {
        // P-7.6: same as P-4.5.3.
        check(json!({"+(k)": "*"}), json!({"k": "v"}), E::Fail("/"));
    }

    #[test]
    fn p_7_7_nested_anchors_conditional_wraps_negation() {
        // P-7.7 / P-9.1: a conditional wrapper turns a nested negation failure into a skip.
        check(
            json!({"(spec)": {"X(hostNetwork)": null}, "v": "1"}),
            json!({"spec": {"hostNetwork": true}, "v": "2"}),
            E::Skip,
        );
        check(
            json!({"spec": {"(volumes)": [{"(hostPath)": {"path": "/var"}}], "v": "1"}}),
            json!({"spec": {"volumes": [{"hostPath": {"path": "/etc"}}], "v": "2"}}),
            E::Skip,
        );
    }

    // ---- P-8 / P-9 ----

    #[test]
    fn p_8_anchor_map_error_vs_fail() {
        // P-8.3 / P-9.2 case 4: a missing existence key plus an unrelated failure → ERROR.
        let p = json!({"spec": {"^(imagePullSecrets)": [{"name": "x"}], "containers": [{"image": "!*:latest"}]}});
        check(
            p.clone(),
            json!({"spec": {"containers": [{"image": "nginx:latest"}]}}),
            E::Error,
        );
        check(
            p,
            json!({"spec": {"imagePullSecrets": [{"name": "x"}], "containers": [{"image": "nginx:latest"}]}}),
            E::Fail("/spec/containers/0/image/"),
        );
        // P-8.3: negation entries are ignored.
        check(
            json!({"X(hostPath)": null, "image": "a"}),
            json!({"image": "b"}),
            E::Fail("/image/"),
        );
        // P-8.2: "found" anywhere counts — the key is found in the second element.
        check(
            json!({"l": [{"(k)": "y", "v": "1"}]}),
            json!({"l": [{"v": "0"}, {"k": "y", "v": "2"}]}),
            E::Fail("/l/1/v/"),
        );
    }

    #[test]
    fn p_9_2_classification() {
        // P-9.2: 1 pass, 2 skip, 3 negation fail, 5 fail / error on empty path.
        check(json!({"a": "1"}), json!({"a": "1"}), E::Pass);
        check(json!({"(a)": "1"}), json!({"a": "2"}), E::Skip);
        check(json!({"X(a)": null}), json!({"a": 1.0}), E::Fail("/a/"));
        check(json!({"a": "1"}), json!({"a": "2"}), E::Fail("/a/"));
        check(json!([["a"]]), json!([]), E::Error);
    }

    #[test]
    fn p_9_3_rule_response_messages() {
        // P-9.3.1
        assert_eq!(
            pattern_rule_response(&label("r"), None, &json!({"a": "1"}), &json!({"a": "1"})),
            (RuleStatus::Pass, "validation rule 'r' passed.".into())
        );
        // P-9.3.2
        let (st, msg) = pattern_rule_response(
            &label("r"),
            Some("m"),
            &json!({"a": "2"}),
            &json!({"(a)": "1"}),
        );
        assert_eq!(st, RuleStatus::Skip);
        assert!(msg.contains("conditional anchor mismatch"), "{msg}");
        // P-9.3.3
        assert_eq!(
            pattern_rule_response(&label("r"), None, &json!({"a": "2"}), &json!({"a": "1"})),
            (
                RuleStatus::Fail,
                "validation error: rule r failed at path /a/".into()
            )
        );
        assert_eq!(
            pattern_rule_response(
                &label("r"),
                Some("Image tag is required"),
                &json!({"a": "2"}),
                &json!({"a": "1"})
            ),
            (
                RuleStatus::Fail,
                "validation error: Image tag is required. rule r failed at path /a/".into()
            )
        );
        assert_eq!(
            pattern_rule_response(
                &label("r"),
                Some("done."),
                &json!({"a": "2"}),
                &json!({"a": "1"})
            )
            .1,
            "validation error: done. rule r failed at path /a/"
        );
        // P-9.3.4
        let (st, msg) = pattern_rule_response(&label("r"), Some("m"), &json!([]), &json!([["a"]]));
        assert_eq!(st, RuleStatus::Error);
        assert!(
            msg.starts_with("validation error: m. rule r execution error: validate Array failed"),
            "{msg}"
        );
        let (_, msg) = pattern_rule_response(&label("r"), None, &json!([]), &json!([["a"]]));
        assert!(
            msg.starts_with("validation error: rule r execution error: "),
            "{msg}"
        );
    }

    #[test]
    fn p_9_6_substitution_error() {
        // P-9.6
        assert_eq!(
            substitution_error_response("x"),
            (RuleStatus::Error, "variable substitution failed: x".into())
        );
    }

    #[test]
    fn p_9_4_deep_patterns_are_errors() {
        // P-9.4 (robustness): hostile nesting gives ERROR, not a stack overflow.
        let mut p = json!("x");
        for _ in 0..(MAX_DEPTH + 10) {
            p = json!({ "a": p });
        }
        check(p, json!({}), E::Error);
    }

    // ---- P-10 anyPattern ----

    #[test]
    fn p_10_any_pattern() {
        let res = json!({"a": "2", "b": "x"});
        // P-10.2: the first pass wins.
        assert_eq!(
            any_pattern_rule_response(
                &label("r"),
                None,
                &res,
                &[json!({"a": "1"}), json!({"a": "2"})]
            ),
            (
                RuleStatus::Pass,
                "validation rule 'r' anyPattern[1] passed.".into()
            )
        );
        // P-10.3 / P-10.4: all skipped → skip, texts joined by a space.
        let (st, msg) = any_pattern_rule_response(
            &label("r"),
            None,
            &res,
            &[json!({"(a)": "1"}), json!({"(b)": "y"})],
        );
        assert_eq!(st, RuleStatus::Skip);
        assert!(
            msg.starts_with("rule r[0] skipped: conditional anchor mismatch"),
            "{msg}"
        );
        assert!(msg.contains(" rule r[1] skipped: "), "{msg}");
        // Failures (an ERROR counts as a failure).
        assert_eq!(
            any_pattern_rule_response(
                &label("r"),
                None,
                &res,
                &[json!({"a": "1"}), json!({"(b)": "y"})]
            ),
            (
                RuleStatus::Fail,
                "validation error: rule r[0] failed at path /a/".into()
            )
        );
        let (st, msg) = any_pattern_rule_response(
            &label("r"),
            Some("m"),
            &json!([]),
            &[json!([["a"]]), json!([["b"]])],
        );
        assert_eq!(st, RuleStatus::Fail);
        assert!(
            msg.starts_with("validation error: m. rule r[0] failed: validate Array"),
            "{msg}"
        );
        assert!(msg.contains(" rule r[1] failed: "), "{msg}");
        assert_eq!(
            any_pattern_rule_response(&label("r"), Some("m."), &res, &[json!({"a": "1"})]).1,
            "validation error: m. rule r[0] failed at path /a/"
        );
        // P-10.5: empty list → pass with M.
        assert_eq!(
            any_pattern_rule_response(&label("r"), Some("msg"), &res, &[]),
            (RuleStatus::Pass, "msg".into())
        );
        assert_eq!(
            any_pattern_rule_response(&label("r"), None, &res, &[]),
            (RuleStatus::Pass, SmolStr::default())
        );
        // P-10.1: not an array → ERROR.
        assert_eq!(
            any_pattern_value_response(&label("r"), None, &res, &json!({"a": "1"})),
            (
                RuleStatus::Error,
                "failed to deserialize anyPattern, expected type array".into()
            )
        );
    }

    // ---- P-11 references ----

    #[test]
    fn p_11_references() {
        // P-11.4
        let doc = json!({"resources": {
            "requests": {"memory": "$(<=./../../limits/memory)"},
            "limits": {"memory": "2Gi"}
        }});
        let out = resolve_references(&doc).unwrap();
        assert_eq!(out["resources"]["requests"]["memory"], json!("<=2Gi"));
        // P-11.1 absolute path; P-11.2 anchors stripped when comparing paths.
        let doc = json!({"spec": {"=(a)": "x", "b": "$(/spec/a)"}});
        assert_eq!(resolve_references(&doc).unwrap()["spec"]["b"], json!("x"));
        // P-11.2: numbers with operators: integers decimal, floats six decimals.
        let doc = json!({"i": 3, "f": 2.5, "a": "$(>=./../i)", "b": "$(<=./../f)"});
        let out = resolve_references(&doc).unwrap();
        assert_eq!(out["a"], json!(">=3"));
        assert_eq!(out["b"], json!("<=2.500000"));
        // Without operator the value must be a string.
        assert!(resolve_references(&json!({"i": 3, "a": "$(./../i)"})).is_err());
        // P-11.3: unresolvable → error; `\$(...)` is kept literally without the backslash.
        assert!(resolve_references(&json!({"a": "$(/nope)"})).is_err());
        assert_eq!(
            resolve_references(&json!({"a": "\\$(/nope)"})).unwrap()["a"],
            json!("$(/nope)")
        );
        // Text around the reference is kept.
        let doc = json!({"n": "web", "a": "prefix-$(./../n)"});
        assert_eq!(resolve_references(&doc).unwrap()["a"], json!("prefix-web"));
    }

    #[test]
    fn p_11_path_join() {
        // P-11.1: POSIX join/clean.
        assert_eq!(join_clean("/a/b/c", "./../../d"), "/a/d");
        assert_eq!(join_clean("/a", "../../x"), "/x");
        assert_eq!(join_clean("/a/b", "c//d/."), "/a/b/c/d");
    }

    // ---- P-12 number-like grammars ----

    #[test]
    fn p_12_grammars_in_patterns() {
        // P-12.1: `1.5`, `1e3`, `.5` are quantities; `10 Gi` is not.
        scalar(json!(">1"), Some(json!("1.5")), true);
        scalar(json!("<2e3"), Some(json!("1e3")), true);
        scalar(json!(">=.5"), Some(json!(".5")), true);
        scalar(json!(">1"), Some(json!("10 Gi")), false);
        // P-12.2: a unit-less number other than "0" is not a duration.
        scalar(json!(">=10"), Some(json!("10s")), false);
        scalar(json!("0"), Some(json!("0s")), true);
        // P-12.3: "5m" is five minutes against a duration, 0.005 against a quantity.
        scalar(json!("<10m"), Some(json!("5m")), true);
        scalar(json!(">1m"), Some(json!("5m")), true);
        scalar(json!(">1"), Some(json!("5m")), false);
    }
}
