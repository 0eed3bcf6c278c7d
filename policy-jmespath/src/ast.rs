//! Our own expression tree, converted once from the `jmespath` crate's parse tree.
//!
//! why: the crate's `Ast` holds literals as `Rc<Variable>` (neither `Send` nor `Sync`) and
//! does not tell a pipe `a | b` from a sub-expression `a.b`, which CV-12.2 treats
//! differently. Literals become `serde_json::Value`s and functions are resolved here.

use jmespath::Variable;
use jmespath::ast::{Ast, Comparator};
use serde_json::{Map, Value};

use super::builtins::Builtin;
use super::types::KyvernoFunction;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A function call with its callee resolved at compile time.
#[derive(Clone)]
pub(crate) struct Call {
    /// The name as written.
    pub name: String,
    /// Argument expressions.
    pub args: Vec<Node>,
    /// The standard built-in of that name, if any.
    pub builtin: Option<Builtin>,
    /// The Kyverno function of that name, if any.
    pub kyverno: Option<&'static KyvernoFunction>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // why: `KyvernoFunction` holds a fn pointer and has no Debug; its name suffices
        f.debug_struct("Call")
            .field("name", &self.name)
            .field("args", &self.args)
            .field("builtin", &self.builtin)
            .field("kyverno", &self.kyverno.map(|k| k.name))
            .finish()
    }
}

/// A compiled expression node.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// `@`
    Identity,
    /// `name`
    Field(String),
    /// `[n]`
    Index(i64),
    /// `[start:stop:step]` (always the lhs of a projection)
    Slice {
        /// Start, if given.
        start: Option<i64>,
        /// Stop, if given.
        stop: Option<i64>,
        /// Step (parser default 1).
        step: i64,
    },
    /// A literal JSON value or raw string.
    Literal(Value),
    /// `a.b`, `a[0]`: not-found propagates (CV-12.2).
    Subexpr(Box<Node>, Box<Node>),
    /// `a | b`: each stage swallows not-found (CV-12.2).
    Pipe(Box<Node>, Box<Node>),
    /// `a || b`
    Or(Box<Node>, Box<Node>),
    /// `a && b`
    And(Box<Node>, Box<Node>),
    /// `!a`
    Not(Box<Node>),
    /// `a == b` etc.
    Compare(Cmp, Box<Node>, Box<Node>),
    /// The filter part of `[?predicate]`: `then` when the predicate is truthy, else null.
    Condition(Box<Node>, Box<Node>),
    /// Evaluate lhs; if an array, map rhs over it dropping nulls.
    Projection(Box<Node>, Box<Node>),
    /// `[]` flattening one level.
    Flatten(Box<Node>),
    /// `*` object values.
    ObjectValues(Box<Node>),
    /// `[a, b]`
    MultiList(Vec<Node>),
    /// `{k: a}`
    MultiHash(Vec<(String, Node)>),
    /// `f(args)`
    Function(Box<Call>),
    /// `&expr` (only meaningful as a function argument).
    Expref(Box<Node>),
}

/// Deepest tree we convert; deeper trees are rejected rather than risking the stack.
const MAX_CONVERT_DEPTH: usize = 512;

/// Converts the crate's tree. `src` is the source text, used to tell pipes from dots by
/// the byte at the node's offset. `kyverno_lookup` resolves non-standard function names.
pub(crate) fn convert(
    ast: &Ast,
    src: &str,
    kyverno_lookup: fn(&str) -> Option<&'static KyvernoFunction>,
) -> Result<Node, String> {
    Converter {
        src,
        kyverno_lookup,
    }
    .node(ast, 0)
}

struct Converter<'s> {
    src: &'s str,
    kyverno_lookup: fn(&str) -> Option<&'static KyvernoFunction>,
}

impl Converter<'_> {
    fn boxed(&self, ast: &Ast, depth: usize) -> Result<Box<Node>, String> {
        self.node(ast, depth).map(Box::new)
    }

    fn node(&self, ast: &Ast, depth: usize) -> Result<Node, String> {
        if depth > MAX_CONVERT_DEPTH {
            return Err("expression is nested too deeply".to_owned());
        }
        let d = depth + 1;
        Ok(match ast {
            Ast::Identity { .. } => Node::Identity,
            Ast::Field { name, .. } => Node::Field(name.clone()),
            Ast::Index { idx, .. } => Node::Index(i64::from(*idx)),
            Ast::Slice {
                start, stop, step, ..
            } => Node::Slice {
                start: start.map(i64::from),
                stop: stop.map(i64::from),
                step: i64::from(*step),
            },
            Ast::Literal { value, .. } => Node::Literal(to_value(value, 0)?),
            Ast::Subexpr { offset, lhs, rhs } => {
                let (l, r) = (self.boxed(lhs, d)?, self.boxed(rhs, d)?);
                // why: the parser builds both `a.b` and `a | b` as Subexpr; the offset is
                // that of the operator token
                if self.src.as_bytes().get(*offset) == Some(&b'|') {
                    Node::Pipe(l, r)
                } else {
                    Node::Subexpr(l, r)
                }
            }
            Ast::Or { lhs, rhs, .. } => Node::Or(self.boxed(lhs, d)?, self.boxed(rhs, d)?),
            Ast::And { lhs, rhs, .. } => Node::And(self.boxed(lhs, d)?, self.boxed(rhs, d)?),
            Ast::Not { node, .. } => Node::Not(self.boxed(node, d)?),
            Ast::Comparison {
                comparator,
                lhs,
                rhs,
                ..
            } => {
                let op = match comparator {
                    Comparator::Equal => Cmp::Eq,
                    Comparator::NotEqual => Cmp::Ne,
                    Comparator::LessThan => Cmp::Lt,
                    Comparator::LessThanEqual => Cmp::Le,
                    Comparator::GreaterThan => Cmp::Gt,
                    Comparator::GreaterThanEqual => Cmp::Ge,
                };
                Node::Compare(op, self.boxed(lhs, d)?, self.boxed(rhs, d)?)
            }
            Ast::Condition {
                predicate, then, ..
            } => Node::Condition(self.boxed(predicate, d)?, self.boxed(then, d)?),
            Ast::Projection { lhs, rhs, .. } => {
                Node::Projection(self.boxed(lhs, d)?, self.boxed(rhs, d)?)
            }
            Ast::Flatten { node, .. } => Node::Flatten(self.boxed(node, d)?),
            Ast::ObjectValues { node, .. } => Node::ObjectValues(self.boxed(node, d)?),
            Ast::MultiList { elements, .. } => Node::MultiList(
                elements
                    .iter()
                    .map(|e| self.node(e, d))
                    .collect::<Result<_, _>>()?,
            ),
            Ast::MultiHash { elements, .. } => Node::MultiHash(
                elements
                    .iter()
                    .map(|kv| Ok((kv.key.clone(), self.node(&kv.value, d)?)))
                    .collect::<Result<_, String>>()?,
            ),
            Ast::Function { name, args, .. } => Node::Function(Box::new(Call {
                name: name.clone(),
                args: args
                    .iter()
                    .map(|a| self.node(a, d))
                    .collect::<Result<_, _>>()?,
                builtin: Builtin::from_name(name),
                kyverno: (self.kyverno_lookup)(name),
            })),
            Ast::Expref { ast, .. } => Node::Expref(self.boxed(ast, d)?),
        })
    }
}

/// Converts a parsed literal to JSON. Literal JSON is nesting-limited by serde_json's
/// parser (128 levels); the depth check is a second guard.
fn to_value(v: &Variable, depth: usize) -> Result<Value, String> {
    if depth > MAX_CONVERT_DEPTH {
        return Err("literal is nested too deeply".to_owned());
    }
    Ok(match v {
        Variable::Null => Value::Null,
        Variable::String(s) => Value::String(s.clone()),
        Variable::Bool(b) => Value::Bool(*b),
        Variable::Number(n) => Value::Number(n.clone()),
        Variable::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| to_value(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Variable::Object(map) => {
            let mut out = Map::new();
            for (k, val) in map {
                out.insert(k.clone(), to_value(val, depth + 1)?);
            }
            Value::Object(out)
        }
        Variable::Expref(_) => return Err("unexpected expression reference literal".to_owned()),
    })
}
