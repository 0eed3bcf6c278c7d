//! The standard JMESPath built-in functions (CV-15.3). The ones taking expression
//! references (`map`, `sort_by`, `max_by`, `min_by`) are evaluated by the interpreter;
//! their signatures live here with the others.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::json::{as_f64, cmp_numbers, json_eq, number, render};

/// A standard built-in function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Abs,
    Avg,
    Ceil,
    Contains,
    EndsWith,
    Floor,
    Join,
    Keys,
    Length,
    Map,
    Max,
    MaxBy,
    Merge,
    Min,
    MinBy,
    NotNull,
    Reverse,
    Sort,
    SortBy,
    StartsWith,
    Sum,
    ToArray,
    ToNumber,
    ToString,
    Type,
    Values,
}

/// What a built-in accepts in one argument position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    /// Anything.
    Any,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// An array of numbers.
    ArrayNumber,
    /// An array of strings.
    ArrayString,
    /// An array of numbers or an array of strings.
    ArrayNumberOrString,
    /// A string or an array.
    StringOrArray,
    /// A string, an array or an object.
    StringArrayObject,
    /// An expression reference `&expr`.
    Expref,
}

impl Param {
    /// The type text used in error messages.
    pub(crate) fn text(self) -> &'static str {
        match self {
            Param::Any => "any",
            Param::Number => "number",
            Param::String => "string",
            Param::Array => "array",
            Param::Object => "object",
            Param::ArrayNumber => "array[number]",
            Param::ArrayString => "array[string]",
            Param::ArrayNumberOrString => "array[number]|array[string]",
            Param::StringOrArray => "string|array",
            Param::StringArrayObject => "string|array|object",
            Param::Expref => "expref",
        }
    }

    /// Whether a (non-expref) value fits.
    pub(crate) fn accepts(self, v: &Value) -> bool {
        match self {
            Param::Any => true,
            Param::Number => v.is_number(),
            Param::String => v.is_string(),
            Param::Array => v.is_array(),
            Param::Object => v.is_object(),
            Param::ArrayNumber => all_items(v, Value::is_number),
            Param::ArrayString => all_items(v, Value::is_string),
            Param::ArrayNumberOrString => {
                all_items(v, Value::is_number) || all_items(v, Value::is_string)
            }
            Param::StringOrArray => v.is_string() || v.is_array(),
            Param::StringArrayObject => v.is_string() || v.is_array() || v.is_object(),
            Param::Expref => false,
        }
    }
}

fn all_items(v: &Value, f: fn(&Value) -> bool) -> bool {
    v.as_array().is_some_and(|items| items.iter().all(f))
}

/// Fixed parameters, then the type of variadic extras if any.
pub(crate) struct BuiltinSig {
    /// Fixed parameters.
    pub params: &'static [Param],
    /// Variadic extra parameters.
    pub variadic: Option<Param>,
}

impl Builtin {
    /// The built-in called `name`, if it is one.
    pub(crate) fn from_name(name: &str) -> Option<Builtin> {
        use Builtin::*;
        Some(match name {
            "abs" => Abs,
            "avg" => Avg,
            "ceil" => Ceil,
            "contains" => Contains,
            "ends_with" => EndsWith,
            "floor" => Floor,
            "join" => Join,
            "keys" => Keys,
            "length" => Length,
            "map" => Map,
            "max" => Max,
            "max_by" => MaxBy,
            "merge" => Merge,
            "min" => Min,
            "min_by" => MinBy,
            "not_null" => NotNull,
            "reverse" => Reverse,
            "sort" => Sort,
            "sort_by" => SortBy,
            "starts_with" => StartsWith,
            "sum" => Sum,
            "to_array" => ToArray,
            "to_number" => ToNumber,
            "to_string" => ToString,
            "type" => Type,
            "values" => Values,
            _ => return None,
        })
    }

    /// The argument signature.
    pub(crate) fn signature(self) -> BuiltinSig {
        use Builtin::*;
        use Param as P;
        let (params, variadic): (&'static [Param], Option<Param>) = match self {
            Abs | Ceil | Floor => (&[P::Number], None),
            Avg | Sum => (&[P::ArrayNumber], None),
            Contains => (&[P::StringOrArray, P::Any], None),
            EndsWith | StartsWith => (&[P::String, P::String], None),
            Join => (&[P::String, P::ArrayString], None),
            Keys | Values => (&[P::Object], None),
            Length => (&[P::StringArrayObject], None),
            Map => (&[P::Expref, P::Array], None),
            Max | Min | Sort => (&[P::ArrayNumberOrString], None),
            MaxBy | MinBy | SortBy => (&[P::Array, P::Expref], None),
            Merge => (&[P::Object], Some(P::Object)),
            NotNull => (&[P::Any], Some(P::Any)),
            Reverse => (&[P::StringOrArray], None),
            ToArray | ToNumber | ToString | Type => (&[P::Any], None),
        };
        BuiltinSig { params, variadic }
    }

    /// Calls a built-in that takes no expression reference. `args` were type-checked
    /// against [`Builtin::signature`]; a mismatch here is reported, never a panic.
    pub(crate) fn call(self, name: &str, args: &[Cow<'_, Value>]) -> Result<Value, String> {
        use Builtin::*;
        let arg = |i: usize| -> Result<&Value, String> {
            args.get(i)
                .map(|a| a.as_ref())
                .ok_or_else(|| format!("JMESPath function '{name}': missing argument #{}", i + 1))
        };
        let bad = || format!("JMESPath function '{name}': invalid arguments");
        Ok(match self {
            Abs => match arg(0)? {
                Value::Number(n) if n.is_i64() => {
                    // why: |i64::MIN| does not fit; fall back to float
                    n.as_i64()
                        .and_then(i64::checked_abs)
                        .map_or_else(|| number(as_f64(n).abs()), Value::from)
                }
                Value::Number(n) => number(as_f64(n).abs()),
                _ => return Err(bad()),
            },
            Ceil => number(num_arg(arg(0)?).ok_or_else(bad)?.ceil()),
            Floor => number(num_arg(arg(0)?).ok_or_else(bad)?.floor()),
            Avg => {
                let items = arr(arg(0)?).ok_or_else(bad)?;
                if items.is_empty() {
                    Value::Null
                } else {
                    let total: f64 = items.iter().filter_map(num_arg).sum();
                    // INVARIANT: len >= 1; precision loss only beyond 2^53 items
                    #[allow(clippy::cast_precision_loss)]
                    number(total / items.len() as f64)
                }
            }
            Sum => sum_standard(arr(arg(0)?).ok_or_else(bad)?),
            Contains => match arg(0)? {
                Value::String(s) => match arg(1)? {
                    Value::String(needle) => Value::Bool(s.contains(needle.as_str())),
                    // why: a non-string search term is never a substring (go-jmespath)
                    _ => Value::Bool(false),
                },
                Value::Array(items) => {
                    let needle = arg(1)?;
                    Value::Bool(items.iter().any(|i| json_eq(i, needle)))
                }
                _ => return Err(bad()),
            },
            EndsWith => {
                let (s, suffix) = (string(arg(0)?), string(arg(1)?));
                Value::Bool(s.ok_or_else(bad)?.ends_with(suffix.ok_or_else(bad)?))
            }
            StartsWith => {
                let (s, prefix) = (string(arg(0)?), string(arg(1)?));
                Value::Bool(s.ok_or_else(bad)?.starts_with(prefix.ok_or_else(bad)?))
            }
            Join => {
                let glue = string(arg(0)?).ok_or_else(bad)?;
                let parts: Vec<&str> = arr(arg(1)?)
                    .ok_or_else(bad)?
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                Value::String(parts.join(glue))
            }
            Keys => Value::Array(
                obj(arg(0)?)
                    .ok_or_else(bad)?
                    .keys()
                    .map(|k| Value::String(k.clone()))
                    .collect(),
            ),
            Values => Value::Array(obj(arg(0)?).ok_or_else(bad)?.values().cloned().collect()),
            Length => match arg(0)? {
                Value::String(s) => Value::from(s.chars().count()),
                Value::Array(a) => Value::from(a.len()),
                Value::Object(o) => Value::from(o.len()),
                _ => return Err(bad()),
            },
            Max | Min => {
                let items = arr(arg(0)?).ok_or_else(bad)?;
                let want = if self == Max {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
                let mut best: Option<&Value> = None;
                for item in items {
                    best = match best {
                        Some(b) if compare_sortable(item, b) != Some(want) => Some(b),
                        _ => Some(item),
                    };
                }
                best.cloned().unwrap_or(Value::Null)
            }
            Sort => {
                let mut items = arr(arg(0)?).ok_or_else(bad)?.clone();
                // why: the signature guarantees all numbers or all strings
                items.sort_by(|a, b| compare_sortable(a, b).unwrap_or(Ordering::Equal));
                Value::Array(items)
            }
            Merge => {
                let mut out = serde_json::Map::new();
                for a in args {
                    for (k, v) in obj(a.as_ref()).ok_or_else(bad)? {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(out)
            }
            NotNull => args
                .iter()
                .map(|a| a.as_ref())
                .find(|a| !a.is_null())
                .cloned()
                .unwrap_or(Value::Null),
            Reverse => match arg(0)? {
                Value::String(s) => Value::String(s.chars().rev().collect()),
                Value::Array(a) => Value::Array(a.iter().rev().cloned().collect()),
                _ => return Err(bad()),
            },
            ToArray => match arg(0)? {
                Value::Array(a) => Value::Array(a.clone()),
                other => Value::Array(vec![other.clone()]),
            },
            ToNumber => match arg(0)? {
                Value::Number(n) => Value::Number(n.clone()),
                Value::String(s) => parse_number(s),
                _ => Value::Null,
            },
            ToString => match arg(0)? {
                Value::String(s) => Value::String(s.clone()),
                other => Value::String(render(other)),
            },
            Type => Value::String(super::json::type_name(arg(0)?).to_owned()),
            Map | MaxBy | MinBy | SortBy => {
                return Err(format!(
                    "JMESPath function '{name}': needs an expression reference"
                ));
            }
        })
    }
}

/// The standard `sum`: 0 for an empty array (Kyverno's replaces it, CV-16).
fn sum_standard(items: &[Value]) -> Value {
    let mut int_total: Option<i64> = Some(0);
    let mut total = 0.0;
    for n in items.iter().filter_map(Value::as_number) {
        int_total = int_total.and_then(|t| n.as_i64().and_then(|i| t.checked_add(i)));
        total += as_f64(n);
    }
    int_total.map_or_else(|| number(total), Value::from)
}

/// Go `strconv.ParseFloat`-like parsing for `to_number`: invalid text gives null.
fn parse_number(s: &str) -> Value {
    if let Ok(i) = s.parse::<i64>() {
        return Value::from(i);
    }
    // why: Rust accepts "inf"/"nan" which are not JSON numbers; `number` maps them to null
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => number(f),
        _ => Value::Null,
    }
}

/// Orders two numbers or two strings; `None` for anything else (mixed types).
pub(crate) fn compare_sortable(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => cmp_numbers(x, y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn num_arg(v: &Value) -> Option<f64> {
    v.as_number().map(as_f64)
}

fn string(v: &Value) -> Option<&str> {
    v.as_str()
}

fn arr(v: &Value) -> Option<&Vec<Value>> {
    v.as_array()
}

fn obj(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}
