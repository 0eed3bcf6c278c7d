//! Values layering with Helm's semantics.
//!
//! Helm builds the values a chart sees in two steps, reproduced here:
//!
//! 1. The *user* values: every `-f` file, left to right, deep-merged by [`merge_maps`]
//!    (maps merge recursively, anything else — lists included — is replaced, and a `null`
//!    is kept as a value); then every `--set-json`, every `--set` and every
//!    `--set-string`, in that order by flag kind and left to right within a kind, parsed by
//!    [`parse_set`] into the same map.
//! 2. The user values are *coalesced* with the chart's `values.yaml` by
//!    [`coalesce_values`]: user values win, maps merge recursively, and a user `null`
//!    deletes the key when the chart's values have a table at that level (a `null` for a
//!    top-level key the chart does not define stays `null`, as in Helm).
//!
//! `--set` syntax (Helm's `strvals`): `a.b=c` (dotted path), `a[0]=x` and `a[0].b=x`
//! (list indices, missing items are `null`), `name={a,b}` (a list), `\.`, `\,`, `\=`, `\[`
//! escape any character, several assignments separated by `,`. Values `true`, `false`,
//! `null` (any case) and plain base-10 integers without a leading zero are typed, `0` is
//! the integer zero, everything else (`1.5`, `0123`, `yes`) is a string; `--set-string`
//! never types; `--set-json` reads a JSON value after `=` (empty means `null`).

use serde_json::{Map, Value};

use crate::error::{RenderError, RenderErrorKind};

/// Helm's largest list index for `--set a[N]=...`.
pub const MAX_SET_INDEX: i64 = 65_536;
/// Helm's deepest dotted path for `--set`.
pub const MAX_SET_NESTING: usize = 30;

/// How the right-hand side of a `--set`-style assignment is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetMode {
    /// `--set`: `true`/`false`/`null` and plain integers typed, everything else a string.
    Typed,
    /// `--set-string`: always a string.
    String,
    /// `--set-json`: a JSON value.
    Json,
}

/// Deep-merges `b` over `a`, as Helm merges `-f` files: maps merge recursively, anything
/// else in `b` (a scalar, a list, `null`) replaces what `a` has.
#[must_use]
pub fn merge_maps(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut out = a.clone();
    merge_into(&mut out, b);
    out
}

fn merge_into(out: &mut Map<String, Value>, b: &Map<String, Value>) {
    for (k, v) in b {
        if let Value::Object(bm) = v
            && let Some(Value::Object(om)) = out.get_mut(k)
        {
            merge_into(om, bm);
            continue;
        }
        out.insert(k.clone(), v.clone());
    }
}

/// Coalesces the user values over the chart's values, as Helm's `CoalesceValues`: user
/// values win; where both sides have a table the tables coalesce recursively; a user
/// `null` deletes the key (at the top level only when the chart defines that key).
#[must_use]
pub fn coalesce_values(chart: &Map<String, Value>, user: Map<String, Value>) -> Map<String, Value> {
    let mut v = user;
    for (key, cval) in chart {
        match v.get_mut(key) {
            Some(Value::Null) => {
                v.shift_remove(key);
            }
            Some(Value::Object(dest)) => {
                if let Value::Object(src) = cval {
                    coalesce_tables(dest, src.clone());
                }
                // A chart scalar under a user table: the user's table wins (Helm warns).
            }
            Some(_) => {}
            None => {
                v.insert(key.clone(), cval.clone());
            }
        }
    }
    v
}

/// Helm's `coalesceTablesFullKey` with `merge = false`: `dst` has precedence.
fn coalesce_tables(dst: &mut Map<String, Value>, mut src: Map<String, Value>) {
    // A null in dst deletes the key even where src lacks it.
    for (key, val) in dst.iter() {
        if val.is_null() {
            src.insert(key.clone(), Value::Null);
        }
    }
    for (key, sval) in src {
        match dst.get_mut(&key) {
            Some(Value::Null) => {
                dst.shift_remove(&key);
            }
            None => {
                dst.insert(key, sval);
            }
            Some(Value::Object(dv)) => {
                if let Value::Object(sv) = sval {
                    coalesce_tables(dv, sv);
                }
            }
            Some(_) => {}
        }
    }
}

/// Parses one `--set`-style argument (`a.b=1,c[0]=x`) into `into`, overwriting what is
/// there, exactly as Helm's `strvals.ParseInto` / `ParseIntoString` / `ParseJSON`.
pub fn parse_set(
    line: &str,
    into: &mut Map<String, Value>,
    mode: SetMode,
) -> Result<(), RenderError> {
    let mut p = Parser {
        chars: line.chars().collect(),
        pos: 0,
        mode,
    };
    loop {
        match p.key(into, 0) {
            Ok(()) => {}
            Err(PErr::Eof) => return Ok(()),
            Err(PErr::NotList) => return Err(set_error(line, "not a list")),
            Err(PErr::Msg(m)) => return Err(set_error(line, &m)),
        }
    }
}

fn set_error(line: &str, message: &str) -> RenderError {
    RenderError::new(
        RenderErrorKind::SetSyntax,
        format!("cannot parse `{line}`: {message}"),
    )
}

/// The user values from already-parsed `-f` maps and `--set*` arguments, in Helm's order.
pub fn user_values(
    files: &[Map<String, Value>],
    set_json: &[String],
    set: &[String],
    set_string: &[String],
) -> Result<Map<String, Value>, RenderError> {
    let mut base = Map::new();
    for f in files {
        merge_into(&mut base, f);
    }
    for s in set_json {
        parse_set(s, &mut base, SetMode::Json)?;
    }
    for s in set {
        parse_set(s, &mut base, SetMode::Typed)?;
    }
    for s in set_string {
        parse_set(s, &mut base, SetMode::String)?;
    }
    Ok(base)
}

enum PErr {
    /// End of input: ends parsing without error (as Go's `io.EOF`).
    Eof,
    /// The value does not start with `{`.
    NotList,
    Msg(String),
}

fn msg(s: impl Into<String>) -> PErr {
    PErr::Msg(s.into())
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    mode: SetMode,
}

fn set_key(data: &mut Map<String, Value>, key: &str, val: Value) {
    if !key.is_empty() {
        data.insert(key.to_owned(), val);
    }
}

fn set_index(mut list: Vec<Value>, index: i64, val: Value) -> (Vec<Value>, Result<(), PErr>) {
    if index < 0 {
        return (
            list,
            Err(msg(format!("negative {index} index not allowed"))),
        );
    }
    if index > MAX_SET_INDEX {
        return (
            list,
            Err(msg(format!(
                "index of {index} is greater than maximum supported index of {MAX_SET_INDEX}"
            ))),
        );
    }
    let Ok(i) = usize::try_from(index) else {
        return (list, Err(msg("index out of range")));
    };
    if list.len() <= i {
        list.resize(i + 1, Value::Null);
    }
    if let Some(slot) = list.get_mut(i) {
        *slot = val;
    }
    (list, Ok(()))
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, 64-bit range.
fn atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Helm's `typedVal`.
fn typed_val(v: &str, as_string: bool) -> Value {
    if as_string {
        return Value::String(v.to_owned());
    }
    if v.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if v.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    if v.eq_ignore_ascii_case("null") {
        return Value::Null;
    }
    if v == "0" {
        return Value::from(0i64);
    }
    if !v.is_empty()
        && !v.starts_with('0')
        && let Some(i) = atoi(v)
    {
        return Value::from(i);
    }
    Value::String(v.to_owned())
}

impl Parser {
    fn read(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// Reads up to (and consuming) a stop character; `\x` yields `x`. `Err(Eof)` carries
    /// what was read so far.
    fn until(&mut self, stop: &[char]) -> Result<(String, char), (String, PErr)> {
        let mut v = String::new();
        loop {
            match self.read() {
                None => return Err((v, PErr::Eof)),
                Some(c) if stop.contains(&c) => return Ok((v, c)),
                Some('\\') => match self.read() {
                    None => return Err((v, PErr::Eof)),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn reader(&self, rs: &str) -> Value {
        typed_val(rs, self.mode == SetMode::String)
    }

    fn key(&mut self, data: &mut Map<String, Value>, level: usize) -> Result<(), PErr> {
        let (k, last) = match self.until(&['=', '[', ',', '.']) {
            Ok(x) => x,
            Err((k, e)) => {
                if k.is_empty() {
                    return Err(e);
                }
                return Err(msg(format!("key `{k}` has no value")));
            }
        };
        match last {
            '[' => {
                let i = self.key_index()?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    Some(_) => return Err(msg(format!("key `{k}` is not a list"))),
                };
                let (list, err) = self.list_item(list, i, level);
                set_key(data, &k, Value::Array(list));
                err
            }
            '=' => {
                if self.mode == SetMode::Json {
                    if self.empty_val() {
                        set_key(data, &k, Value::Null);
                        return Ok(());
                    }
                    let v = self.json_value()?;
                    set_key(data, &k, v);
                    self.empty_val();
                    return Ok(());
                }
                match self.val_list() {
                    Ok(vl) => {
                        set_key(data, &k, Value::Array(vl));
                        Ok(())
                    }
                    Err(PErr::Eof) => {
                        set_key(data, &k, Value::String(String::new()));
                        Err(PErr::Eof)
                    }
                    Err(PErr::NotList) => {
                        let rs = self.val();
                        let v = self.reader(&rs);
                        set_key(data, &k, v);
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
            ',' => {
                set_key(data, &k, Value::String(String::new()));
                Err(msg(format!("key `{k}` has no value (cannot end with ,)")))
            }
            _ => {
                // '.'
                let level = level + 1;
                if level > MAX_SET_NESTING {
                    return Err(msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_SET_NESTING}"
                    )));
                }
                let mut inner = match data.get(&k) {
                    None => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => return Err(msg(format!("key `{k}` is not a map"))),
                };
                let e = self.key(&mut inner, level);
                if e.is_ok() && inner.is_empty() {
                    return Err(msg(format!("key map `{k}` has no value")));
                }
                if !inner.is_empty() {
                    set_key(data, &k, Value::Object(inner));
                }
                e
            }
        }
    }

    fn key_index(&mut self) -> Result<i64, PErr> {
        let (v, _) = self.until(&[']']).map_err(|(_, e)| e)?;
        atoi(&v).ok_or_else(|| msg(format!("error parsing index: `{v}` is not an integer")))
    }

    /// Consumes blanks up to a `,` or the end (an empty value: true) or stops before any
    /// other character (false).
    fn empty_val(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    /// Decodes one JSON value at the cursor and consumes exactly its characters.
    fn json_value(&mut self) -> Result<Value, PErr> {
        let rest: String = self
            .chars
            .get(self.pos..)
            .unwrap_or_default()
            .iter()
            .collect();
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
        let v = match stream.next() {
            Some(Ok(v)) => v,
            Some(Err(e)) => return Err(msg(e.to_string())),
            None => return Err(msg("unexpected end of JSON input")),
        };
        let consumed = rest
            .get(..stream.byte_offset())
            .unwrap_or("")
            .chars()
            .count();
        self.pos += consumed;
        Ok(v)
    }

    fn val(&mut self) -> String {
        match self.until(&[',']) {
            Ok((v, _)) | Err((v, _)) => v,
        }
    }

    fn val_list(&mut self) -> Result<Vec<Value>, PErr> {
        match self.read() {
            None => return Err(PErr::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Err(PErr::NotList);
            }
        }
        let mut list = Vec::new();
        loop {
            match self.until(&[',', '}']) {
                Err(_) => return Err(msg("list must terminate with '}'")),
                Ok((rs, '}')) => {
                    if let Some(c) = self.read()
                        && c != ','
                    {
                        self.unread();
                    }
                    list.push(self.reader(&rs));
                    return Ok(list);
                }
                Ok((rs, _)) => list.push(self.reader(&rs)),
            }
        }
    }

    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, Result<(), PErr>) {
        if i < 0 {
            return (list, Err(msg(format!("negative {i} index not allowed"))));
        }
        let (k, last) = match self.until(&['[', '.', '=']) {
            Ok(x) => x,
            Err((k, e)) => {
                if !k.is_empty() {
                    return (
                        list,
                        Err(msg(format!("unexpected data at end of array index: `{k}`"))),
                    );
                }
                return (list, Err(e));
            }
        };
        if !k.is_empty() {
            return (
                list,
                Err(msg(format!("unexpected data at end of array index: `{k}`"))),
            );
        }
        let idx = usize::try_from(i).unwrap_or(usize::MAX);
        match last {
            '=' => {
                if self.mode == SetMode::Json {
                    if self.empty_val() {
                        return set_index(list, i, Value::Null);
                    }
                    let v = match self.json_value() {
                        Ok(v) => v,
                        Err(e) => return (list, Err(e)),
                    };
                    let (list, r) = set_index(list, i, v);
                    if r.is_err() {
                        return (list, r);
                    }
                    self.empty_val();
                    return (list, Ok(()));
                }
                match self.val_list() {
                    Ok(vl) => set_index(list, i, Value::Array(vl)),
                    Err(PErr::Eof) => set_index(list, i, Value::String(String::new())),
                    Err(PErr::NotList) => {
                        let rs = self.val();
                        let v = self.reader(&rs);
                        set_index(list, i, v)
                    }
                    Err(e) => (list, Err(e)),
                }
            }
            '[' => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e)),
                };
                let current = match list.get(idx) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(a)) => a.clone(),
                    Some(_) => return (list, Err(msg(format!("index {i} is not a list")))),
                };
                let (inner, err) = self.list_item(current, next, level);
                if err.is_err() {
                    return (list, err);
                }
                set_index(list, i, Value::Array(inner))
            }
            _ => {
                // '.': a map inside the list item (replacing a non-map item, as Helm).
                let existed = idx < list.len();
                let mut inner = match list.get(idx) {
                    Some(Value::Object(m)) => m.clone(),
                    _ => Map::new(),
                };
                let e = self.key(&mut inner, level);
                if let Err(e) = e {
                    if existed && let Some(slot) = list.get_mut(idx) {
                        *slot = Value::Object(inner);
                    }
                    return (list, Err(e));
                }
                set_index(list, i, Value::Object(inner))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    /// One `--set`-style argument parsed into an empty map.
    fn check(mode: SetMode, input: &str, expect: Value) {
        let mut m = Map::new();
        parse_set(input, &mut m, mode).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(Value::Object(m), expect, "input: {input}");
    }

    fn check_err(mode: SetMode, input: &str, contains: &str) {
        let mut m = Map::new();
        let e = parse_set(input, &mut m, mode).expect_err(input);
        assert_eq!(e.kind, RenderErrorKind::SetSyntax);
        assert!(e.to_string().contains(contains), "{input}: {e}");
    }

    #[test]
    fn set_typed_table() {
        use SetMode::Typed as T;
        let cases: &[(&str, Value)] = &[
            ("name=value", json!({"name": "value"})),
            (
                "long_int_string=1234567890",
                json!({"long_int_string": 1_234_567_890}),
            ),
            ("boolean=true", json!({"boolean": true})),
            ("boolean=TRUE", json!({"boolean": true})),
            ("boolean=False", json!({"boolean": false})),
            ("is_null=null", json!({"is_null": null})),
            ("is_null=NULL", json!({"is_null": null})),
            ("zero=0", json!({"zero": 0})),
            ("leading_zeros=00009", json!({"leading_zeros": "00009"})),
            ("octal=0123", json!({"octal": "0123"})),
            ("negative=-5", json!({"negative": -5})),
            ("plus=+5", json!({"plus": 5})),
            ("float=1.5", json!({"float": "1.5"})),
            ("exp=1e3", json!({"exp": "1e3"})),
            ("yes=yes", json!({"yes": "yes"})),
            ("on=on", json!({"on": "on"})),
            (
                "big=99999999999999999999",
                json!({"big": "99999999999999999999"}),
            ),
            (
                "name1=value1,name2=value2",
                json!({"name1": "value1", "name2": "value2"}),
            ),
            (
                "name1=value1,name2=value2,",
                json!({"name1": "value1", "name2": "value2"}),
            ),
            (
                "empty_then_more=,b=1",
                json!({"empty_then_more": "", "b": 1}),
            ),
            ("empty=", json!({"empty": ""})),
            ("outer.inner=value", json!({"outer": {"inner": "value"}})),
            (
                "outer.middle.inner=value",
                json!({"outer": {"middle": {"inner": "value"}}}),
            ),
            (
                "outer.inner1=value,outer.inner2=value2",
                json!({"outer": {"inner1": "value", "inner2": "value2"}}),
            ),
            (
                "name1.name2=value1,name1.name3=value2",
                json!({"name1": {"name2": "value1", "name3": "value2"}}),
            ),
            ("list={a,b,c}", json!({"list": ["a", "b", "c"]})),
            (
                "list={1,true,null,x}",
                json!({"list": [1, true, null, "x"]}),
            ),
            ("list={}", json!({"list": [""]})),
            ("list={a},x=1", json!({"list": ["a"], "x": 1})),
            ("list[0]=foo", json!({"list": ["foo"]})),
            ("list[1]=foo", json!({"list": [null, "foo"]})),
            ("list[0]=foo,list[1]=bar", json!({"list": ["foo", "bar"]})),
            ("list[0]=foo,list[0]=bar", json!({"list": ["bar"]})),
            ("list[0].foo=bar", json!({"list": [{"foo": "bar"}]})),
            (
                "list[0].foo=bar,list[0].hello=world",
                json!({"list": [{"foo": "bar", "hello": "world"}]}),
            ),
            ("list[0][0]=x", json!({"list": [["x"]]})),
            ("list[1][1]=x", json!({"list": [null, [null, "x"]]})),
            ("list[0]={a,b}", json!({"list": [["a", "b"]]})),
            ("a\\.b=c", json!({"a.b": "c"})),
            ("a=b\\,c", json!({"a": "b,c"})),
            ("a=b\\=c", json!({"a": "b=c"})),
            ("a=b=c", json!({"a": "b=c"})),
            ("a={b\\,c,d}", json!({"a": ["b,c", "d"]})),
            (
                "nodeSelector.kubernetes\\.io/role=master",
                json!({"nodeSelector": {"kubernetes.io/role": "master"}}),
            ),
            (
                "policies.require-labels.validationFailureAction=Enforce",
                json!({"policies": {"require-labels": {"validationFailureAction": "Enforce"}}}),
            ),
            (
                "msg=\\{{ request.object.metadata.name }}",
                json!({"msg": "{{ request.object.metadata.name }}"}),
            ),
            ("a=with spaces", json!({"a": "with spaces"})),
            ("a[0]", json!({"a": []})),
            ("", json!({})),
        ];
        for (input, expect) in cases {
            check(T, input, expect.clone());
        }
    }

    #[test]
    fn set_string_table() {
        use SetMode::String as S;
        let cases: &[(&str, Value)] = &[
            ("a=true", json!({"a": "true"})),
            ("a=null", json!({"a": "null"})),
            ("a=0", json!({"a": "0"})),
            ("a=123", json!({"a": "123"})),
            ("a={1,true}", json!({"a": ["1", "true"]})),
            ("a[0]=1", json!({"a": ["1"]})),
            ("a.b=0123", json!({"a": {"b": "0123"}})),
        ];
        for (input, expect) in cases {
            check(S, input, expect.clone());
        }
    }

    #[test]
    fn set_json_table() {
        use SetMode::Json as J;
        let cases: &[(&str, Value)] = &[
            ("a=1", json!({"a": 1})),
            ("a=\"x\"", json!({"a": "x"})),
            ("a=", json!({"a": null})),
            ("a=  ,b=2", json!({"a": null, "b": 2})),
            (
                "a={\"b\":[1,2]},c=true",
                json!({"a": {"b": [1, 2]}, "c": true}),
            ),
            ("a.b=[1,\"x\",null]", json!({"a": {"b": [1, "x", null]}})),
            ("a[1]={\"x\":1}", json!({"a": [null, {"x": 1}]})),
            ("a=null", json!({"a": null})),
        ];
        for (input, expect) in cases {
            check(J, input, expect.clone());
        }
    }

    #[test]
    fn set_errors() {
        use SetMode::Typed as T;
        check_err(T, "name", "key `name` has no value");
        check_err(T, "name1,name2=", "cannot end with ,");
        check_err(T, "a=1,a.b=2", "not a map");
        check_err(T, "a=1,a[0]=2", "not a list");
        check_err(T, "list[x]=1", "error parsing index");
        check_err(T, "list[-1]=1", "negative -1 index");
        check_err(T, "list[65537]=1", "greater than maximum");
        check_err(T, "list[0]x=1", "unexpected data at end of array index");
        check_err(T, "a={b,c", "list must terminate");
        check_err(T, "a.=1", "key map `a` has no value");
        // an unescaped `{` starts a list: Kyverno variables need `\{`
        check_err(T, "msg={{ x }}", "key `}` has no value");
        check_err(SetMode::Json, "a={bad", "cannot parse");
        let deep = format!("{}=1", vec!["a"; 32].join("."));
        check_err(T, &deep, "nested level");
    }

    #[test]
    fn set_overwrites_existing() {
        let mut m = obj(json!({"a": {"b": 1, "c": 2}, "l": [1, 2, 3]}));
        parse_set("a.b=x,l[1]=y", &mut m, SetMode::Typed).unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"a": {"b": "x", "c": 2}, "l": [1, "y", 3]})
        );
    }

    /// Chart values, user values, expected coalesced values.
    fn check_coalesce(chart: Value, user: Value, expect: Value) {
        let out = coalesce_values(&obj(chart), obj(user.clone()));
        assert_eq!(Value::Object(out), expect, "user: {user}");
    }

    #[test]
    fn coalesce_table() {
        let cases = [
            // user scalar wins
            (json!({"a": 1}), json!({"a": 2}), json!({"a": 2})),
            // chart key kept
            (
                json!({"a": 1, "b": 2}),
                json!({"a": 3}),
                json!({"a": 3, "b": 2}),
            ),
            // tables deep-merge
            (
                json!({"a": {"x": 1, "y": 2}}),
                json!({"a": {"y": 3}}),
                json!({"a": {"x": 1, "y": 3}}),
            ),
            // lists replace
            (
                json!({"l": [1, 2, 3]}),
                json!({"l": [4]}),
                json!({"l": [4]}),
            ),
            // null deletes a top-level key the chart defines
            (json!({"a": 1, "b": 2}), json!({"a": null}), json!({"b": 2})),
            // null for an unknown top-level key stays
            (
                json!({"b": 2}),
                json!({"a": null}),
                json!({"a": null, "b": 2}),
            ),
            // null deletes nested keys
            (
                json!({"a": {"x": 1, "y": 2}}),
                json!({"a": {"x": null}}),
                json!({"a": {"y": 2}}),
            ),
            // nested null deletes even when the chart lacks the key
            (
                json!({"a": {"y": 2}}),
                json!({"a": {"x": null}}),
                json!({"a": {"y": 2}}),
            ),
            // null deletes a whole table
            (
                json!({"a": {"x": 1}, "b": 1}),
                json!({"a": null}),
                json!({"b": 1}),
            ),
            // user scalar over chart table wins
            (
                json!({"a": {"x": 1}}),
                json!({"a": "flat"}),
                json!({"a": "flat"}),
            ),
            // user table over chart scalar wins
            (
                json!({"a": "flat"}),
                json!({"a": {"x": 1}}),
                json!({"a": {"x": 1}}),
            ),
            // chart nulls stay when the user says nothing
            (
                json!({"a": null, "b": {"c": null}}),
                json!({}),
                json!({"a": null, "b": {"c": null}}),
            ),
            // deep merge three levels
            (
                json!({"p": {"net": {"action": "Audit", "bg": true}, "pods": {"action": "Audit"}}}),
                json!({"p": {"net": {"action": "Enforce"}}}),
                json!({"p": {"net": {"action": "Enforce", "bg": true}, "pods": {"action": "Audit"}}}),
            ),
            // user tables under keys the chart does not have keep their nulls
            (
                json!({}),
                json!({"n": {"x": null}}),
                json!({"n": {"x": null}}),
            ),
        ];
        for (chart, user, expect) in cases {
            check_coalesce(chart, user, expect);
        }
    }

    #[test]
    fn layering_order_files_then_json_then_set_then_string() {
        let f1 = obj(json!({"a": {"b": 1, "c": [1, 2]}, "x": "f1"}));
        let f2 = obj(json!({"a": {"c": [3]}, "x": "f2", "gone": {"k": 1}}));
        let f3 = obj(json!({"gone": null}));
        let user = user_values(
            &[f1, f2, f3],
            &["x=\"json\"".into(), "j={\"k\":1}".into()],
            &["x=set,n=5".into()],
            &["n=5".into()],
        )
        .unwrap();
        assert_eq!(
            Value::Object(user),
            json!({"a": {"b": 1, "c": [3]}, "x": "set", "gone": null, "j": {"k": 1}, "n": "5"})
        );
    }

    #[test]
    fn merge_maps_replaces_lists_and_keeps_nulls() {
        let a = obj(json!({"a": {"b": 1}, "l": [1], "k": {"z": 1}}));
        let b = obj(json!({"a": {"c": 2}, "l": [2, 3], "k": null}));
        assert_eq!(
            Value::Object(merge_maps(&a, &b)),
            json!({"a": {"b": 1, "c": 2}, "l": [2, 3], "k": null})
        );
    }
}
