//! The tree-walking interpreter over `&serde_json::Value`.
//!
//! Results are `Cow`s: field and index access borrow from the input (or from the
//! expression's literals), only computed values are owned.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::JmesError;
use super::ast::{Call, Cmp, Node};
use super::builtins::{Builtin, Param, compare_sortable};
use super::json::{cmp_numbers, is_truthy, json_eq};
use super::types::{ArgType, FnEnv, KyvernoFunction};

/// Deepest evaluation recursion before giving up with an error (never a stack overflow).
const MAX_DEPTH: usize = 128;

static NULL: Value = Value::Null;

type Res<'a> = Result<Cow<'a, Value>, JmesError>;

fn null<'a>() -> Cow<'a, Value> {
    Cow::Borrowed(&NULL)
}

/// One evaluation: the function environment and the dialect.
pub(crate) struct Interp<'e> {
    /// Passed to Kyverno functions.
    pub env: &'e FnEnv,
    /// Kyverno's dialect (CV-12 not-found, Kyverno functions, Kyverno `sum`) when true;
    /// standard JMESPath when false.
    pub kyverno: bool,
    /// JSON nodes built by multiselects so far: `[@, @] | [@, @] | …` doubles its input at
    /// every stage, so the total is bounded by [`MAX_BUILT_NODES`].
    pub built: std::cell::Cell<usize>,
}

/// The most JSON nodes one evaluation may build through multiselect lists and hashes.
pub(crate) const MAX_BUILT_NODES: usize = 1_000_000;

/// Counts the nodes of `v`, stopping once `limit` is passed.
fn weight(v: &Value, limit: usize) -> usize {
    let mut n = 0usize;
    let mut stack = vec![v];
    while let Some(x) = stack.pop() {
        n += 1;
        if n > limit {
            break;
        }
        match x {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    n
}

impl Interp<'_> {
    /// Accounts for a value a multiselect builds; an error past [`MAX_BUILT_NODES`].
    fn charge(&self, v: &Value) -> Result<(), JmesError> {
        let left = MAX_BUILT_NODES.saturating_sub(self.built.get());
        let w = weight(v, left);
        if w > left {
            return Err(JmesError::Runtime(format!(
                "expression builds more than {MAX_BUILT_NODES} values"
            )));
        }
        self.built.set(self.built.get() + w);
        Ok(())
    }

    /// CV-12.2: the places where a not-found error becomes null.
    fn swallow<'a>(&self, r: Res<'a>) -> Res<'a> {
        match r {
            Err(JmesError::NotFound(_)) => Ok(null()),
            other => other,
        }
    }

    /// Evaluates `node` on a value that may be owned (a computed intermediate result).
    fn eval_cow<'a>(&self, node: &'a Node, input: Cow<'a, Value>, depth: usize) -> Res<'a> {
        match input {
            Cow::Borrowed(v) => self.eval(node, v, depth),
            Cow::Owned(v) => Ok(Cow::Owned(self.eval(node, &v, depth)?.into_owned())),
        }
    }

    /// Evaluates `node` against `data`.
    ///
    /// why the many small `#[inline(never)]` helpers: recursion goes through this
    /// dispatcher, so its stack frame must stay small (one big `match` with every arm's
    /// locals made debug-build frames ~10 KiB, overflowing test threads at depth ~200).
    pub(crate) fn eval<'a>(&self, node: &'a Node, data: &'a Value, depth: usize) -> Res<'a> {
        if depth > MAX_DEPTH {
            return Err(JmesError::Runtime(
                "expression evaluation is nested too deeply".to_owned(),
            ));
        }
        let d = depth + 1;
        match node {
            Node::Identity => Ok(Cow::Borrowed(data)),
            Node::Literal(v) => Ok(Cow::Borrowed(v)),
            Node::Field(name) => self.field(name, data),
            Node::Index(i) => Ok(match data {
                Value::Array(items) => index(items, *i).map_or_else(null, Cow::Borrowed),
                _ => null(),
            }),
            Node::Slice { start, stop, step } => slice_node(data, *start, *stop, *step),
            Node::Subexpr(lhs, rhs) => self.subexpr(lhs, rhs, data, d),
            Node::Pipe(lhs, rhs) => self.pipe(lhs, rhs, data, d),
            Node::Or(lhs, rhs) => self.or(lhs, rhs, data, d),
            Node::And(lhs, rhs) => self.and(lhs, rhs, data, d),
            Node::Not(inner) => self.not(inner, data, d),
            Node::Compare(op, lhs, rhs) => self.compare(*op, lhs, rhs, data, d),
            Node::Condition(predicate, then) => self.condition(predicate, then, data, d),
            Node::Projection(lhs, rhs) => self.projection(lhs, rhs, data, d),
            Node::Flatten(inner) => self.flatten(inner, data, d),
            Node::ObjectValues(inner) => self.object_values(inner, data, d),
            Node::MultiList(elements) => self.multi_list(elements, data, d),
            Node::MultiHash(elements) => self.multi_hash(elements, data, d),
            Node::Function(call) => self.call(call, data, d),
            Node::Expref(_) => Err(JmesError::Runtime(
                "an expression reference `&...` is only allowed as a function argument".to_owned(),
            )),
        }
    }

    #[inline(never)]
    fn field<'a>(&self, name: &str, data: &'a Value) -> Res<'a> {
        match data {
            Value::Object(map) => match map.get(name) {
                Some(v) => Ok(Cow::Borrowed(v)),
                // CV-12.1: a missing key on an object is "not found" in Kyverno's dialect
                None if self.kyverno => Err(JmesError::NotFound(name.to_owned())),
                None => Ok(null()),
            },
            // CV-12.1: a field of a non-object is null without error
            _ => Ok(null()),
        }
    }

    #[inline(never)]
    fn subexpr<'a>(&self, lhs: &'a Node, rhs: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let left = self.eval(lhs, data, d)?;
        self.eval_cow(rhs, left, d)
    }

    #[inline(never)]
    fn pipe<'a>(&self, lhs: &'a Node, rhs: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let left = self.swallow(self.eval(lhs, data, d))?;
        let right = self.eval_cow(rhs, left, d);
        self.swallow(right)
    }

    #[inline(never)]
    fn or<'a>(&self, lhs: &'a Node, rhs: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let left = self.swallow(self.eval(lhs, data, d))?;
        if is_truthy(&left) {
            Ok(left)
        } else {
            self.eval(rhs, data, d)
        }
    }

    #[inline(never)]
    fn and<'a>(&self, lhs: &'a Node, rhs: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let left = self.swallow(self.eval(lhs, data, d))?;
        if is_truthy(&left) {
            self.eval(rhs, data, d)
        } else {
            Ok(left)
        }
    }

    #[inline(never)]
    fn not<'a>(&self, inner: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let v = self.swallow(self.eval(inner, data, d))?;
        Ok(Cow::Owned(Value::Bool(!is_truthy(&v))))
    }

    #[inline(never)]
    fn compare<'a>(
        &self,
        op: Cmp,
        lhs: &'a Node,
        rhs: &'a Node,
        data: &'a Value,
        d: usize,
    ) -> Res<'a> {
        let left = self.swallow(self.eval(lhs, data, d))?;
        let right = self.swallow(self.eval(rhs, data, d))?;
        Ok(Cow::Owned(compare(op, &left, &right)))
    }

    #[inline(never)]
    fn condition<'a>(
        &self,
        predicate: &'a Node,
        then: &'a Node,
        data: &'a Value,
        d: usize,
    ) -> Res<'a> {
        let p = self.swallow(self.eval(predicate, data, d))?;
        if is_truthy(&p) {
            self.eval(then, data, d)
        } else {
            Ok(null())
        }
    }

    #[inline(never)]
    fn projection<'a>(&self, lhs: &'a Node, rhs: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let mut out = Vec::new();
        let mut project = |item: &Value| -> Result<(), JmesError> {
            let v = self.swallow(self.eval(rhs, item, d))?;
            if !v.is_null() {
                out.push(v.into_owned());
            }
            Ok(())
        };
        // why the special cases: `a[]` and `a.*` always parse as the lhs of a projection;
        // iterating their source in place avoids copying every element into a temporary array
        match lhs {
            Node::Flatten(inner) => {
                let base = self.swallow(self.eval(inner, data, d))?;
                let Some(items) = base.as_array() else {
                    return Ok(null());
                };
                for item in items {
                    match item {
                        Value::Array(sub) => sub.iter().try_for_each(&mut project)?,
                        other => project(other)?,
                    }
                }
            }
            Node::ObjectValues(inner) => {
                let base = self.swallow(self.eval(inner, data, d))?;
                let Some(map) = base.as_object() else {
                    return Ok(null());
                };
                map.values().try_for_each(&mut project)?;
            }
            _ => {
                let base = self.swallow(self.eval(lhs, data, d))?;
                let Some(items) = base.as_array() else {
                    return Ok(null());
                };
                items.iter().try_for_each(&mut project)?;
            }
        }
        Ok(Cow::Owned(Value::Array(out)))
    }

    #[inline(never)]
    fn flatten<'a>(&self, inner: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let v = self.swallow(self.eval(inner, data, d))?;
        let Some(items) = v.as_array() else {
            return Ok(null());
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Array(sub) => out.extend(sub.iter().cloned()),
                other => out.push(other.clone()),
            }
        }
        Ok(Cow::Owned(Value::Array(out)))
    }

    #[inline(never)]
    fn object_values<'a>(&self, inner: &'a Node, data: &'a Value, d: usize) -> Res<'a> {
        let v = self.swallow(self.eval(inner, data, d))?;
        Ok(match v.as_ref() {
            Value::Object(map) => Cow::Owned(Value::Array(map.values().cloned().collect())),
            _ => null(),
        })
    }

    #[inline(never)]
    fn multi_list<'a>(&self, elements: &'a [Node], data: &'a Value, d: usize) -> Res<'a> {
        if data.is_null() {
            return Ok(null());
        }
        let mut out = Vec::with_capacity(elements.len());
        for e in elements {
            let v = self.swallow(self.eval(e, data, d))?;
            self.charge(&v)?;
            out.push(v.into_owned());
        }
        Ok(Cow::Owned(Value::Array(out)))
    }

    #[inline(never)]
    fn multi_hash<'a>(&self, elements: &'a [(String, Node)], data: &'a Value, d: usize) -> Res<'a> {
        if data.is_null() {
            return Ok(null());
        }
        let mut out = Map::new();
        for (k, e) in elements {
            let v = self.swallow(self.eval(e, data, d))?;
            self.charge(&v)?;
            out.insert(k.clone(), v.into_owned());
        }
        Ok(Cow::Owned(Value::Object(out)))
    }

    /// Evaluates a function call: arguments (not-found → null, CV-12.2), type check
    /// (CV-15.4), then the call.
    #[inline(never)]
    fn call<'a>(&self, call: &'a Call, data: &'a Value, depth: usize) -> Res<'a> {
        let name = call.name.as_str();
        // why: Kyverno's `sum` replaces the standard one (CV-15.3); in standard mode only
        // the standard built-ins exist
        let builtin = match (call.builtin, call.kyverno) {
            (Some(Builtin::Sum), Some(_)) if self.kyverno => None,
            (b, _) => b,
        };
        if let Some(b) = builtin {
            return self.call_builtin(b, call, data, depth);
        }
        match call.kyverno {
            Some(f) if self.kyverno => self.call_kyverno(f, call, data, depth),
            _ => Err(JmesError::Runtime(format!("unknown function: {name}"))),
        }
    }

    fn call_kyverno<'a>(
        &self,
        f: &'static KyvernoFunction,
        call: &'a Call,
        data: &'a Value,
        depth: usize,
    ) -> Res<'a> {
        let sig = &f.signature;
        check_arity(
            &call.name,
            sig.args.len(),
            sig.variadic.is_some(),
            call.args.len(),
        )?;
        let mut args = Vec::with_capacity(call.args.len());
        for (i, a) in call.args.iter().enumerate() {
            let ty = sig
                .args
                .get(i)
                .copied()
                .or(sig.variadic)
                .unwrap_or(ArgType::Any);
            if matches!(a, Node::Expref(_)) {
                return Err(type_error(&call.name, i + 1, arg_type_text(ty)));
            }
            let v = self.swallow(self.eval(a, data, depth))?;
            if !arg_type_accepts(ty, &v) {
                return Err(type_error(&call.name, i + 1, arg_type_text(ty)));
            }
            args.push(v.into_owned());
        }
        (f.call)(&args, self.env)
            .map(Cow::Owned)
            .map_err(JmesError::Runtime)
    }

    fn call_builtin<'a>(
        &self,
        b: Builtin,
        call: &'a Call,
        data: &'a Value,
        depth: usize,
    ) -> Res<'a> {
        let name = call.name.as_str();
        let sig = b.signature();
        check_arity(
            name,
            sig.params.len(),
            sig.variadic.is_some(),
            call.args.len(),
        )?;
        // Check every argument's kind first: expression references only where expected.
        let mut exprefs: Vec<&'a Node> = Vec::new();
        let mut values: Vec<Cow<'a, Value>> = Vec::new();
        for (i, a) in call.args.iter().enumerate() {
            let p = sig
                .params
                .get(i)
                .copied()
                .or(sig.variadic)
                .unwrap_or(Param::Any);
            match (p, a) {
                (Param::Expref, Node::Expref(inner)) => exprefs.push(inner),
                (Param::Expref, _) | (_, Node::Expref(_)) => {
                    return Err(type_error(name, i + 1, p.text()));
                }
                _ => {
                    let v = self.swallow(self.eval(a, data, depth))?;
                    if !p.accepts(&v) {
                        return Err(type_error(name, i + 1, p.text()));
                    }
                    values.push(v);
                }
            }
        }
        match b {
            Builtin::Map => {
                let (Some(expr), Some(items)) = (exprefs.first(), values.first()) else {
                    return Err(type_error(name, 1, "expref"));
                };
                let items = items.as_ref().as_array().cloned().unwrap_or_default();
                let mut out = Vec::with_capacity(items.len());
                for item in &items {
                    // why: map keeps nulls, unlike projections
                    out.push(self.swallow(self.eval(expr, item, depth))?.into_owned());
                }
                Ok(Cow::Owned(Value::Array(out)))
            }
            Builtin::SortBy | Builtin::MaxBy | Builtin::MinBy => {
                let (Some(expr), Some(items)) = (exprefs.first(), values.first()) else {
                    return Err(type_error(name, 2, "expref"));
                };
                self.by_key(b, name, expr, items.as_ref(), depth)
            }
            _ => b
                .call(name, &values)
                .map(Cow::Owned)
                .map_err(JmesError::Runtime),
        }
    }

    /// `sort_by`, `max_by`, `min_by`: keys must be all numbers or all strings.
    fn by_key<'a>(
        &self,
        b: Builtin,
        name: &str,
        expr: &Node,
        items: &Value,
        depth: usize,
    ) -> Res<'a> {
        let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut keyed: Vec<(Value, &Value)> = Vec::with_capacity(items.len());
        for item in items {
            let key = self.swallow(self.eval(expr, item, depth))?.into_owned();
            keyed.push((key, item));
        }
        let first_is_number = keyed.first().is_some_and(|(k, _)| k.is_number());
        for (k, _) in &keyed {
            let ok = if first_is_number {
                k.is_number()
            } else {
                k.is_string()
            };
            if !ok {
                return Err(JmesError::Runtime(format!(
                    "JMESPath function '{name}': expression must evaluate to all numbers or all strings, got {}",
                    super::json::type_name(k)
                )));
            }
        }
        let order = |a: &Value, b: &Value| compare_sortable(a, b).unwrap_or(Ordering::Equal);
        Ok(Cow::Owned(match b {
            Builtin::SortBy => {
                // why: `sort_by` is stable, as the JMESPath spec requires
                keyed.sort_by(|a, b| order(&a.0, &b.0));
                Value::Array(keyed.into_iter().map(|(_, v)| v.clone()).collect())
            }
            _ => {
                let want = if b == Builtin::MaxBy {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
                let mut best: Option<&(Value, &Value)> = None;
                for kv in &keyed {
                    best = match best {
                        Some(cur) if order(&kv.0, &cur.0) != want => Some(cur),
                        _ => Some(kv),
                    };
                }
                best.map_or(Value::Null, |(_, v)| (*v).clone())
            }
        }))
    }
}

fn check_arity(name: &str, fixed: usize, variadic: bool, got: usize) -> Result<(), JmesError> {
    let ok = if variadic { got >= fixed } else { got == fixed };
    if ok {
        return Ok(());
    }
    let expected = if variadic {
        format!("at least {fixed}")
    } else {
        fixed.to_string()
    };
    Err(JmesError::Runtime(format!(
        "JMESPath function '{name}': expected {expected} arguments, got {got}"
    )))
}

/// CV-15.4's message.
fn type_error(name: &str, position: usize, ty: &str) -> JmesError {
    JmesError::Runtime(format!(
        "JMESPath function '{name}': argument #{position} is not of type {ty}"
    ))
}

fn arg_type_text(t: ArgType) -> &'static str {
    match t {
        ArgType::Any => "any",
        ArgType::String => "string",
        ArgType::Number => "number",
        ArgType::Object => "object",
        ArgType::Array => "array",
        ArgType::StringOrNumber => "string|number",
        ArgType::ObjectOrArray => "object|array",
    }
}

fn arg_type_accepts(t: ArgType, v: &Value) -> bool {
    match t {
        ArgType::Any => true,
        ArgType::String => v.is_string(),
        ArgType::Number => v.is_number(),
        ArgType::Object => v.is_object(),
        ArgType::Array => v.is_array(),
        ArgType::StringOrNumber => v.is_string() || v.is_number(),
        ArgType::ObjectOrArray => v.is_object() || v.is_array(),
    }
}

/// `==`/`!=` deep-compare (numbers by value); ordering operators need two numbers, else
/// null (go-jmespath).
fn compare(op: Cmp, left: &Value, right: &Value) -> Value {
    match op {
        Cmp::Eq => Value::Bool(json_eq(left, right)),
        Cmp::Ne => Value::Bool(!json_eq(left, right)),
        _ => {
            let (Value::Number(a), Value::Number(b)) = (left, right) else {
                return Value::Null;
            };
            let Some(ord) = cmp_numbers(a, b) else {
                return Value::Bool(false);
            };
            Value::Bool(match op {
                Cmp::Lt => ord == Ordering::Less,
                Cmp::Le => ord != Ordering::Greater,
                Cmp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            })
        }
    }
}

/// `[i]`, negative from the end; `None` when out of range.
fn index(items: &[Value], i: i64) -> Option<&Value> {
    let len = i64::try_from(items.len()).ok()?;
    let at = if i < 0 { len.checked_add(i)? } else { i };
    usize::try_from(at).ok().and_then(|at| items.get(at))
}

fn slice_node<'a>(data: &'a Value, start: Option<i64>, stop: Option<i64>, step: i64) -> Res<'a> {
    if step == 0 {
        return Err(JmesError::Runtime("slice step cannot be 0".to_owned()));
    }
    Ok(match data {
        Value::Array(items) => Cow::Owned(Value::Array(slice(items, start, stop, step))),
        _ => null(),
    })
}

/// Python-style slicing as the JMESPath spec defines it.
fn slice(items: &[Value], start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<Value> {
    let Ok(len) = i64::try_from(items.len()) else {
        return Vec::new();
    };
    let adjust = |end: i64| -> i64 {
        if end < 0 {
            let e = end + len;
            if e >= 0 {
                e
            } else if step < 0 {
                -1
            } else {
                0
            }
        } else if end < len {
            end
        } else if step < 0 {
            len - 1
        } else {
            len
        }
    };
    let a = start.map_or(if step < 0 { len - 1 } else { 0 }, adjust);
    let b = stop.map_or(if step < 0 { -1 } else { len }, adjust);
    let mut out = Vec::new();
    let mut i = a;
    while (step > 0 && i < b) || (step < 0 && i > b) {
        if let Some(v) = usize::try_from(i).ok().and_then(|u| items.get(u)) {
            out.push(v.clone());
        }
        i += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Signature;
    use serde_json::json;

    fn fake_sum(args: &[Value], _: &FnEnv) -> Result<Value, String> {
        Ok(json!(format!("kyverno sum of {}", args.len())))
    }

    fn fake_fail(_: &[Value], _: &FnEnv) -> Result<Value, String> {
        Err("JMESPath function 'fail': invalid input".to_owned())
    }

    static SUM: KyvernoFunction = KyvernoFunction {
        name: "sum",
        signature: Signature {
            args: &[ArgType::Array],
            variadic: None,
        },
        call: fake_sum,
    };

    static FAIL: KyvernoFunction = KyvernoFunction {
        name: "fail",
        signature: Signature {
            args: &[ArgType::String, ArgType::Number],
            variadic: Some(ArgType::Number),
        },
        call: fake_fail,
    };

    fn call(name: &str, kyverno: &'static KyvernoFunction, args: Vec<Node>) -> Node {
        Node::Function(Box::new(Call {
            name: name.to_owned(),
            args,
            builtin: Builtin::from_name(name),
            kyverno: Some(kyverno),
        }))
    }

    fn lit(v: Value) -> Node {
        Node::Literal(v)
    }

    /// Evaluates `node` against `{"a": 1}` in the given dialect.
    fn check(node: &Node, kyverno: bool, expect: Result<Value, JmesError>) {
        let env = FnEnv {
            now: jiff::Timestamp::UNIX_EPOCH,
            seed: 0,
        };
        let data = json!({"a": 1});
        let got = Interp {
            env: &env,
            kyverno,
            built: std::cell::Cell::new(0),
        }
        .eval(node, &data, 0)
        .map(Cow::into_owned);
        assert_eq!(got, expect, "{node:?}");
    }

    fn runtime(msg: &str) -> Result<Value, JmesError> {
        Err(JmesError::Runtime(msg.to_owned()))
    }

    #[test]
    fn cv_15_3_kyverno_sum_replaces_the_standard_one() {
        let node = call("sum", &SUM, vec![lit(json!([1, 2]))]);
        check(&node, true, Ok(json!("kyverno sum of 1")));
        check(&node, false, Ok(json!(3)));
    }

    #[test]
    fn cv_15_4_kyverno_arguments_checked_before_the_call() {
        let good = || vec![lit(json!("s")), lit(json!(1))];
        check(
            &call("fail", &FAIL, good()),
            true,
            runtime("JMESPath function 'fail': invalid input"),
        );
        // standard mode knows no Kyverno function
        check(
            &call("fail", &FAIL, good()),
            false,
            runtime("unknown function: fail"),
        );
        check(
            &call("fail", &FAIL, vec![lit(json!(1)), lit(json!(1))]),
            true,
            runtime("JMESPath function 'fail': argument #1 is not of type string"),
        );
        // variadic extras are checked against the variadic type
        check(
            &call(
                "fail",
                &FAIL,
                vec![lit(json!("s")), lit(json!(1)), lit(json!("x"))],
            ),
            true,
            runtime("JMESPath function 'fail': argument #3 is not of type number"),
        );
        check(
            &call("fail", &FAIL, vec![lit(json!("s"))]),
            true,
            runtime("JMESPath function 'fail': expected at least 2 arguments, got 1"),
        );
        // CV-12.2: a not-found argument is null (then fails the type check, not not-found)
        check(
            &call(
                "fail",
                &FAIL,
                vec![Node::Field("missing".to_owned()), lit(json!(1))],
            ),
            true,
            runtime("JMESPath function 'fail': argument #1 is not of type string"),
        );
    }
}
