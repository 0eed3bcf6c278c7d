//! Writes seed inputs for every fuzz target from YAML trees (the conformance corpus and
//! `examples/`): `seeds OUT_DIR LIMIT ROOT...` replaces `OUT_DIR/<target>/` with at most
//! LIMIT files `seed-NNNN` per target, spread evenly over what the roots offer.
//! Deterministic: walks are sorted, the output depends only on the roots' contents.
//!
//! | target | seeds |
//! | --- | --- |
//! | `load`, `validate` | whole YAML files (those holding a policy or exception, for `validate`) |
//! | `evaluate` | each policy with up to three resources of its suite directory |
//! | `pattern` | each `pattern` / `anyPattern` item (also in `foreach`) with resources of the rule's kinds |
//! | `conditions` | each `preconditions` / `deny.conditions` block (also in `foreach`) with such resources |
//! | `jmespath` | each `{{ }}` expression, `jmesPath:` and `foreach.list`, over `{request: {object: R}}` |
//! | `template` | chart templates with their chart's `values.yaml` and `_helpers.j2`; policy files as plain text |
//! | `patch` | mutate rules' `patchStrategicMerge` / `patchesJson6902` with resources; JSON patches over policies |
//! | `set` | `--set` arguments flattened from values files and resource labels, and `--set-json` forms |
//! | `report` | PolicyReports (four API shapes) built from `kyverno test` files' expected results |

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use policyctl_fuzz::SEP;
use serde_json::{Map, Value, json};

/// Files larger than this are left out (slow inputs make slow fuzzing).
const MAX_FILE: usize = 24 * 1024;

struct File {
    path: PathBuf,
    text: String,
    docs: Vec<Value>,
    /// The suite directory: the parent, without trailing hidden directories
    /// (`.kyverno-test`, `.chainsaw-test`).
    group: PathBuf,
}

#[derive(Default)]
struct Seeds {
    items: Vec<String>,
    seen: HashSet<String>,
}

impl Seeds {
    fn push(&mut self, s: String) {
        if !s.trim().is_empty() && s.len() <= 4 * MAX_FILE && self.seen.insert(s.clone()) {
            self.items.push(s);
        }
    }

    /// At most `limit`, evenly spread.
    fn pick(&self, limit: usize) -> Vec<&str> {
        let n = self.items.len();
        if n <= limit {
            return self.items.iter().map(String::as_str).collect();
        }
        (0..limit)
            .filter_map(|i| self.items.get(i * n / limit).map(String::as_str))
            .collect()
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("seeds: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, limit, roots @ ..] = args.as_slice() else {
        return Err("usage: seeds OUT_DIR LIMIT ROOT...".to_owned());
    };
    let limit: usize = limit.parse().map_err(|e| format!("LIMIT: {e}"))?;
    let mut paths = Vec::new();
    for root in roots {
        walk(Path::new(root), &mut paths);
    }
    let files: Vec<File> = paths.iter().filter_map(|p| read(p)).collect();
    // Every target of the library, in its order.
    let mut seeds: Vec<(&str, Seeds)> = policyctl_fuzz::targets::ALL
        .iter()
        .map(|(t, _)| (*t, Seeds::default()))
        .collect();
    let get = |name: &str| -> usize { seeds.iter().position(|(t, _)| *t == name).unwrap_or(0) };
    let (load, validate, evaluate, pattern, conditions, jmespath, template, patch, set, report) = (
        get("load"),
        get("validate"),
        get("evaluate"),
        get("pattern"),
        get("conditions"),
        get("jmespath"),
        get("template"),
        get("patch"),
        get("set"),
        get("report"),
    );
    let mut report_index = 0usize;
    for f in &files {
        let is_yaml = f
            .path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml {
            seeds[load].1.push(f.text.clone());
            if f.docs
                .iter()
                .any(|d| is_policy(d) || kind_of(d).contains("Exception"))
            {
                seeds[validate].1.push(f.text.clone());
            }
        }
        let resources: Vec<&Value> = files
            .iter()
            .filter(|g| g.group == f.group)
            .flat_map(|g| g.docs.iter())
            .filter(|d| is_resource(d))
            .collect();
        for policy in f.docs.iter().filter(|d| is_policy(d)) {
            let mut s = yaml(policy);
            if !resources.is_empty() {
                s.push_str(SEP);
                let rs: Vec<String> = resources.iter().take(3).map(|r| yaml(r)).collect();
                s.push_str(&rs.join("---\n"));
            }
            seeds[evaluate].1.push(s);
            template_plain(&mut seeds[template].1, policy);
            json_patch_over(&mut seeds[patch].1, policy);
            for rule in rules(policy) {
                let kinds = rule_kinds(rule);
                let rs: Vec<&Value> = resources
                    .iter()
                    .copied()
                    .filter(|r| kinds.iter().any(|k| k == "*" || k.ends_with(kind_of(r))))
                    .take(2)
                    .collect();
                let with = |piece: &Value| -> Vec<String> {
                    let head = yaml(piece);
                    if rs.is_empty() {
                        return vec![head];
                    }
                    rs.iter()
                        .map(|r| format!("{head}{SEP}{}", yaml(r)))
                        .collect()
                };
                for p in rule_patterns(rule) {
                    with(p).into_iter().for_each(|s| seeds[pattern].1.push(s));
                }
                for c in rule_conditions(rule) {
                    with(c)
                        .into_iter()
                        .for_each(|s| seeds[conditions].1.push(s));
                }
                for p in rule_patches(rule) {
                    with(&p).into_iter().for_each(|s| {
                        // the patch target reads the document first
                        if let Some((patch_text, doc)) = s.split_once(SEP) {
                            seeds[patch].1.push(format!("{doc}{SEP}{patch_text}"));
                        }
                    });
                }
                let data = rs.first().map_or_else(
                    || json!({"request": {"operation": "CREATE"}}),
                    |r| json!({"request": {"object": r, "operation": "CREATE"}}),
                );
                let data = yaml(&data);
                let mut exprs = Vec::new();
                rule_expressions(rule, &mut exprs);
                for e in exprs {
                    seeds[jmespath].1.push(format!("{e}{SEP}{data}"));
                }
            }
        }
        for d in &f.docs {
            if is_test(d) {
                if let Some(r) = report_from_test(d, report_index) {
                    seeds[report].1.push(r);
                    report_index += 1;
                }
            }
            if is_values(&f.path, d) {
                set_args(&mut seeds[set].1, d);
            } else if is_resource(d) {
                if let Some(labels) = d.pointer("/metadata/labels") {
                    set_args(&mut seeds[set].1, &json!({"labels": labels}));
                }
            }
        }
        chart_template(&mut seeds[template].1, f);
    }
    let out = Path::new(out);
    for (target, s) in &seeds {
        let dir = out.join(target);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let picked = s.pick(limit);
        for (n, text) in picked.iter().enumerate() {
            let p = dir.join(format!("seed-{n:04}"));
            std::fs::write(&p, text).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        println!("{target}: {} seeds (of {})", picked.len(), s.items.len());
    }
    Ok(())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        if dir.is_file() {
            out.push(dir.to_path_buf());
        }
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "j2")
        {
            out.push(p);
        }
    }
}

fn read(path: &Path) -> Option<File> {
    let text = std::fs::read_to_string(path).ok()?;
    if text.len() > MAX_FILE {
        return None;
    }
    let docs = if path.extension().is_some_and(|e| e == "j2") {
        Vec::new()
    } else {
        policyctl_fuzz::parse_docs(&text)
    };
    let mut group = path.parent().unwrap_or(Path::new("")).to_path_buf();
    while group
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
    {
        group.pop();
    }
    Some(File {
        path: path.to_path_buf(),
        text,
        docs,
        group,
    })
}

fn yaml(v: &Value) -> String {
    policy_model::to_yaml(v).unwrap_or_else(|_| v.to_string())
}

fn str_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn kind_of(v: &Value) -> &str {
    str_at(v, "kind")
}

fn is_policy(v: &Value) -> bool {
    str_at(v, "apiVersion").starts_with("kyverno.io/")
        && matches!(kind_of(v), "ClusterPolicy" | "Policy")
}

fn is_test(v: &Value) -> bool {
    v.get("results").is_some_and(Value::is_array)
        && (kind_of(v) == "Test" || v.get("policies").is_some())
}

fn is_values(path: &Path, v: &Value) -> bool {
    path.file_name().is_some_and(|n| n == "values.yaml")
        || (kind_of(v) == "Values" && v.get("policies").is_some())
}

fn is_resource(v: &Value) -> bool {
    let api = str_at(v, "apiVersion");
    !api.is_empty()
        && !kind_of(v).is_empty()
        && !api.contains("kyverno.io")
        && !api.contains("policyctl.dev")
        && !api.contains("wgpolicyk8s.io")
        && !api.contains("openreports.io")
        && v.get("metadata").is_some()
}

fn rules(policy: &Value) -> impl Iterator<Item = &Value> {
    policy
        .pointer("/spec/rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn rule_kinds(rule: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(m) = rule.get("match") else {
        return out;
    };
    let mut filters: Vec<&Value> = vec![m];
    for key in ["any", "all"] {
        filters.extend(m.get(key).and_then(Value::as_array).into_iter().flatten());
    }
    for f in filters {
        for k in f
            .pointer("/resources/kinds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            out.push(k.to_owned());
        }
    }
    out
}

fn foreach(rule: &Value, section: &str) -> Vec<Value> {
    rule.pointer(&format!("/{section}/foreach"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn rule_patterns(rule: &Value) -> Vec<&Value> {
    fn from<'a>(v: Option<&'a Value>, out: &mut Vec<&'a Value>) {
        let Some(v) = v else { return };
        if let Some(p) = v.get("pattern") {
            out.push(p);
        }
        if let Some(ps) = v.get("anyPattern").and_then(Value::as_array) {
            out.extend(ps);
        }
    }
    let mut out = Vec::new();
    from(rule.get("validate"), &mut out);
    if let Some(items) = rule.pointer("/validate/foreach").and_then(Value::as_array) {
        for i in items {
            from(Some(i), &mut out);
        }
    }
    out
}

fn rule_conditions(rule: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    out.extend(rule.get("preconditions"));
    out.extend(rule.pointer("/validate/deny/conditions"));
    for section in ["validate", "mutate"] {
        if let Some(items) = rule
            .pointer(&format!("/{section}/foreach"))
            .and_then(Value::as_array)
        {
            for i in items {
                out.extend(i.get("preconditions"));
                out.extend(i.pointer("/deny/conditions"));
            }
        }
    }
    out
}

fn rule_patches(rule: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut from = |v: &Value| {
        if let Some(p) = v.get("patchStrategicMerge") {
            out.push(p.clone());
        }
        if let Some(text) = v.get("patchesJson6902").and_then(Value::as_str) {
            if let Some(p) = policyctl_fuzz::parse_first(text) {
                out.push(p);
            }
        }
    };
    if let Some(m) = rule.get("mutate") {
        from(m);
    }
    for i in foreach(rule, "mutate") {
        from(&i);
    }
    out
}

/// Expressions of `{{ }}` (innermost text between `{{` and the next `}}`), `jmesPath` and
/// `foreach.list` fields anywhere in a rule.
fn rule_expressions(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("{{") {
                let after = rest.get(i + 2..).unwrap_or("");
                let Some(j) = after.find("}}") else { break };
                let e = after.get(..j).unwrap_or("").trim_start_matches('-').trim();
                if !e.is_empty() && !e.contains("{{") {
                    out.push(e.to_owned());
                }
                rest = after.get(j + 2..).unwrap_or("");
            }
        }
        Value::Array(items) => items.iter().for_each(|x| rule_expressions(x, out)),
        Value::Object(m) => {
            for (k, x) in m {
                if (k == "jmesPath" || k == "list") && x.is_string() {
                    if let Some(s) = x.as_str() {
                        if !s.contains("{{") {
                            out.push(s.to_owned());
                        }
                    }
                }
                rule_expressions(x, out);
            }
        }
        _ => {}
    }
}

/// Chart templates (`templates/*.yaml`) with the chart's `values.yaml` and `_helpers.j2`.
fn chart_template(seeds: &mut Seeds, f: &File) {
    let Some(dir) = f.path.parent() else { return };
    if dir.file_name().is_none_or(|n| n != "templates")
        || !f.path.extension().is_some_and(|e| e == "yaml")
    {
        return;
    }
    let Some(chart) = dir.parent() else { return };
    let values = std::fs::read_to_string(chart.join("values.yaml")).unwrap_or_default();
    let mut s = format!("{}{SEP}{values}", f.text);
    if let Ok(helpers) = std::fs::read_to_string(dir.join("_helpers.j2")) {
        s.push_str(SEP);
        s.push_str(&helpers);
    }
    seeds.push(s);
}

/// A policy as a template without template syntax (it must come out unchanged), and with
/// its action templated from values.
fn template_plain(seeds: &mut Seeds, policy: &Value) {
    let text = yaml(policy);
    if let Some(action) = policy
        .pointer("/spec/validationFailureAction")
        .and_then(Value::as_str)
    {
        let templated = text.replacen(
            &format!("validationFailureAction: {action}"),
            "validationFailureAction: [[ Values.action | default('Audit') ]]",
            1,
        );
        seeds.push(format!("{templated}{SEP}action: {action}\n"));
    } else {
        seeds.push(text);
    }
}

/// A JSON patch over a policy: replace the action, add a label, address the first rule by
/// name, test the kind.
fn json_patch_over(seeds: &mut Seeds, policy: &Value) {
    let Some(rule) = rules(policy)
        .next()
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str)
    else {
        return;
    };
    let patch = json!([
        {"op": "test", "path": "/kind", "value": kind_of(policy)},
        {"op": "add", "path": "/spec/validationFailureAction", "value": "Enforce"},
        {"op": "add", "path": "/metadata/labels", "value": {"env": "prod"}},
        {"op": "replace", "path": format!("/spec/rules/[name={rule}]/name"), "value": "renamed"},
        {"op": "copy", "from": "/metadata/name", "path": "/metadata/labels/policy"},
    ]);
    seeds.push(format!("{}{SEP}{}", yaml(policy), yaml(&patch)));
}

fn escape_key(k: &str) -> String {
    let mut out = String::new();
    for c in k.chars() {
        if matches!(c, '.' | '=' | '[' | ',' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn escape_value(v: &str) -> String {
    v.replace('\\', "\\\\").replace(',', "\\,")
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    escape_key(k)
                } else {
                    format!("{prefix}.{}", escape_key(k))
                };
                flatten(&key, x, out);
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), x, out);
            }
        }
        Value::String(s) => out.push(format!("{prefix}={}", escape_value(s))),
        Value::Null => out.push(format!("{prefix}=null")),
        other => out.push(format!("{prefix}={other}")),
    }
}

/// `--set` arguments from a values document: per top-level key, its leaves as one
/// comma-separated argument, and the key's value as `--set-json` text.
fn set_args(seeds: &mut Seeds, values: &Value) {
    let Some(m) = values.as_object() else { return };
    for (k, v) in m {
        if matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
            continue;
        }
        let mut leaves = Vec::new();
        flatten(&escape_key(k), v, &mut leaves);
        seeds.push(leaves.join(","));
        seeds.push(format!("{}={v}", escape_key(k)));
    }
}

/// A report built from a `kyverno test` file's expected results; `i` picks the shape:
/// PolicyReport, ClusterPolicyReport, openreports Report, or a `List` of two reports.
fn report_from_test(test: &Value, i: usize) -> Option<String> {
    let rows = test.get("results")?.as_array()?;
    let mut results = Vec::new();
    let mut summary = Map::new();
    for (n, row) in rows.iter().enumerate() {
        let status = row
            .get("result")
            .or_else(|| row.get("status"))
            .and_then(Value::as_str)
            .unwrap_or("pass");
        let names: Vec<&str> = match row.get("resources").and_then(Value::as_array) {
            Some(a) => a.iter().filter_map(Value::as_str).collect(),
            None => row
                .get("resource")
                .and_then(Value::as_str)
                .into_iter()
                .collect(),
        };
        let kind = str_at(row, "kind");
        let namespace = match str_at(row, "namespace") {
            "" => "default",
            ns => ns,
        };
        let resources: Vec<Value> = names
            .iter()
            .map(|name| {
                json!({"apiVersion": "v1", "kind": kind, "name": name, "namespace": namespace,
                       "uid": format!("00000000-0000-0000-0000-{n:012}")})
            })
            .collect();
        let count = summary.entry(status.to_owned()).or_insert(json!(0));
        *count = json!(count.as_u64().unwrap_or(0) + names.len().max(1) as u64);
        let (category, severity) = [
            ("Best Practices", "medium"),
            ("Pod Security", "high"),
            ("", "low"),
        ]
        .get(n % 3)
        .copied()
        .unwrap_or_default();
        results.push(json!({
            "policy": str_at(row, "policy"),
            "rule": str_at(row, "rule"),
            "result": status,
            "scored": true,
            "source": "kyverno",
            "message": format!("validation rule '{}' {status}ed.", str_at(row, "rule")),
            "category": category,
            "severity": severity,
            "resources": resources,
            "timestamp": {"seconds": 1_700_000_000 + n as u64, "nanos": 0},
            "properties": {"process": "background scan"},
        }));
    }
    let report = |api: &str, kind: &str, ns: bool| {
        let mut metadata = json!({"name": if ns { "polr-ns-default" } else { "clusterpolicyreport" },
                                  "labels": {"app.kubernetes.io/managed-by": "kyverno"}});
        if ns {
            metadata["namespace"] = json!("default");
        }
        json!({"apiVersion": api, "kind": kind, "metadata": metadata,
               "summary": summary, "results": results})
    };
    let v = match i % 4 {
        0 => report("wgpolicyk8s.io/v1alpha2", "PolicyReport", true),
        1 => report("wgpolicyk8s.io/v1alpha2", "ClusterPolicyReport", false),
        2 => report("openreports.io/v1alpha1", "Report", true),
        _ => json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
                    "items": [report("wgpolicyk8s.io/v1alpha2", "PolicyReport", true),
                              report("openreports.io/v1alpha1", "ClusterReport", false)]}),
    };
    Some(yaml(&v))
}
