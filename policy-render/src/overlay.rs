//! Overlays: Kustomize-style composition without strategic merge.
//!
//! An overlay is a directory with an `overlay.yaml`:
//!
//! ```yaml
//! bases:                       # built first, in order; each is a directory
//!   - ../../base               # a chart (has Chart.yaml), an overlay (has overlay.yaml)
//!                              # or a directory of YAML files (read recursively, sorted)
//!   - path: ../../charts/security
//!     values: [values-prod.yaml]   # chart only: -f files, relative to this overlay
//!     set: ["policies.pods.action=Enforce"]   # chart only: --set (also setString, setJson)
//!     releaseName: security    # chart only: Release.Name (default: the chart's name)
//!     namespace: kyverno       # chart only: Release.Namespace (default: `default`)
//!     env: production          # chart only: Env
//! resources:                   # files or directories below this overlay, added after bases
//!   - exceptions/
//! patches:                     # applied in order, after bases and resources
//!   - target:                  # every field optional; all given fields must match
//!       group: kyverno.io      # apiVersion's group (`""` for core), wildcards `*` and `?`
//!       version: v1
//!       kind: ClusterPolicy
//!       name: "require-*"
//!       namespace: "*"
//!       labelSelector: "tier=security,env in (prod,staging)"
//!       annotationSelector: "owner"
//!     patch: |                 # inline: a YAML/JSON string, or the structure itself
//!       - op: replace
//!         path: /spec/rules/[name=check-team]/validate/message
//!         value: "..."
//!     # path: patches/enforce.yaml   # or from a file below this overlay
//!     # type: json6902 | merge       # default: a list is a JSON Patch, a mapping a merge patch
//! namespace: kyverno           # set on namespaced kinds only
//! commonLabels: {env: production}
//! commonAnnotations: {owner: platform}
//! namePrefix: prod-            # not applied to Namespace and CustomResourceDefinition
//! nameSuffix: ""
//! ```
//!
//! Order, as `kustomize build`: bases (each fully built), then `resources`; two documents
//! with the same group, kind, namespace and name are an error; then `patches` (targets
//! see the names before prefix/suffix), then `namespace`, `namePrefix`/`nameSuffix`,
//! `commonLabels`, `commonAnnotations` (metadata only; selectors are never touched).
//! Output keeps that order: base documents first, then additions.
//!
//! A patch whose target selects nothing is an error; a patch that fails on any selected
//! document fails the build and names the overlay file, the line of the patch entry, the
//! patch index, the document and the pointer. Bases that lead back to an overlay being
//! built are an error (`cyclic bases`). `resources`, patch files and values files must lie
//! below the overlay directory; bases may be anywhere (each is its own root).

use std::path::{Path, PathBuf};

use policy_model::kinds::Scope;
use policy_model::{DocSlice, FieldPath, wildcard};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::chart::{Chart, RenderOptions, ValuesFile};
use crate::error::{RenderError, RenderErrorKind};
use crate::fsio::{Root, canonical};
use policy_patch::{apply_json_patch, apply_merge_patch};

/// The overlay file name.
pub const OVERLAY_FILE: &str = "overlay.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OverlayFile {
    /// Accepted and ignored (any value), so files can carry a version tag.
    #[serde(default, rename = "apiVersion")]
    _api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    bases: Vec<BaseSpec>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    patches: Vec<PatchSpec>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    common_labels: Map<String, Value>,
    #[serde(default)]
    common_annotations: Map<String, Value>,
    #[serde(default)]
    name_prefix: Option<String>,
    #[serde(default)]
    name_suffix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum BaseSpec {
    Path(String),
    Full(BaseFull),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct BaseFull {
    path: String,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default)]
    set_string: Vec<String>,
    #[serde(default)]
    set_json: Vec<String>,
    #[serde(default)]
    release_name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PatchSpec {
    #[serde(default)]
    target: Option<TargetSpec>,
    #[serde(default)]
    patch: Option<Value>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default, rename = "type")]
    patch_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TargetSpec {
    #[serde(default)]
    group: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    label_selector: Option<String>,
    #[serde(default)]
    annotation_selector: Option<String>,
}

/// Builds the overlay in `dir` (like `kustomize build DIR`): the documents in output order.
pub fn build_overlay(dir: &Path) -> Result<Vec<Value>, RenderError> {
    let mut stack = Vec::new();
    build(dir, &mut stack)
}

/// The overlay file's text and where its entries are.
struct Source {
    file: String,
    text: String,
}

impl Source {
    fn line(&self, path: &FieldPath) -> Option<usize> {
        let docs = policy_model::split_documents(&self.text);
        let doc: &DocSlice<'_> = docs.first()?;
        doc.locate(path, false).map(|p| p.line)
    }

    fn error(
        &self,
        kind: RenderErrorKind,
        message: impl Into<String>,
        at: &FieldPath,
    ) -> RenderError {
        RenderError::new(kind, message)
            .with_file(self.file.clone())
            .with_line(self.line(at))
    }
}

fn build(dir: &Path, stack: &mut Vec<PathBuf>) -> Result<Vec<Value>, RenderError> {
    let root = Root::open(dir)?;
    let src = Source {
        file: root.display(Path::new(OVERLAY_FILE)),
        text: root.read(Path::new(OVERLAY_FILE))?,
    };
    let spec = parse_overlay(&src)?;
    stack.push(root.real().to_path_buf());
    let out = build_spec(&root, &src, &spec, stack);
    stack.pop();
    out
}

fn parse_overlay(src: &Source) -> Result<OverlayFile, RenderError> {
    let docs = policy_model::split_documents(&src.text);
    let Some(doc) = docs.first() else {
        return Ok(empty_overlay());
    };
    let value = doc
        .parse(&src.file)
        .map_err(|e| RenderError::from_load(RenderErrorKind::Syntax, &e))?;
    if value.is_null() {
        return Ok(empty_overlay());
    }
    let spec: OverlayFile =
        policy_model::from_value(value, false, &src.file, doc, &FieldPath::root())
            .map_err(|e| RenderError::from_load(RenderErrorKind::Invalid, &e))?;
    if let Some(kind) = &spec.kind
        && kind != "Overlay"
    {
        return Err(src.error(
            RenderErrorKind::Invalid,
            format!("expected kind `Overlay`, found `{kind}`"),
            &FieldPath::root().key("kind"),
        ));
    }
    Ok(spec)
}

fn empty_overlay() -> OverlayFile {
    OverlayFile {
        _api_version: None,
        kind: None,
        bases: Vec::new(),
        resources: Vec::new(),
        patches: Vec::new(),
        namespace: None,
        common_labels: Map::new(),
        common_annotations: Map::new(),
        name_prefix: None,
        name_suffix: None,
    }
}

fn build_spec(
    root: &Root,
    src: &Source,
    spec: &OverlayFile,
    stack: &mut Vec<PathBuf>,
) -> Result<Vec<Value>, RenderError> {
    let mut docs: Vec<Value> = Vec::new();
    for (i, base) in spec.bases.iter().enumerate() {
        let at = FieldPath::root().key("bases").index(i);
        let full;
        let base = match base {
            BaseSpec::Path(p) => {
                full = BaseFull {
                    path: p.clone(),
                    ..BaseFull::default()
                };
                &full
            }
            BaseSpec::Full(f) => f,
        };
        let dir = root.shown().join(&base.path);
        let real = canonical(&dir).map_err(|e| {
            src.error(
                RenderErrorKind::Io,
                format!("base `{}`: {}", base.path, e.message),
                &at,
            )
        })?;
        if real.join("Chart.yaml").is_file() {
            docs.extend(build_chart_base(root, src, base, &dir, &at)?);
        } else if real.join(OVERLAY_FILE).is_file() {
            if let Some(pos) = stack.iter().position(|p| *p == real) {
                let mut chain: Vec<String> = stack
                    .get(pos..)
                    .unwrap_or_default()
                    .iter()
                    .map(|p| format!("`{}`", p.display()))
                    .collect();
                chain.push(format!("`{}`", real.display()));
                return Err(src.error(
                    RenderErrorKind::Cycle,
                    format!("cyclic bases: {}", chain.join(" → ")),
                    &at,
                ));
            }
            docs.extend(build(&dir, stack)?);
        } else if real.is_dir() {
            let base_root = Root::open(&dir)?;
            docs.extend(load_yaml_tree(&base_root, Path::new(""))?);
        } else {
            return Err(src.error(
                RenderErrorKind::Invalid,
                format!("base `{}` is not a directory", base.path),
                &at,
            ));
        }
    }
    for (i, res) in spec.resources.iter().enumerate() {
        let at = FieldPath::root().key("resources").index(i);
        let rel = Path::new(res);
        let loaded = load_yaml_tree(root, rel).map_err(|e| {
            if e.kind == RenderErrorKind::Io {
                src.error(
                    RenderErrorKind::Io,
                    format!("resource `{res}`: {}", e.message),
                    &at,
                )
            } else {
                e
            }
        })?;
        docs.extend(loaded);
    }
    check_duplicates(&docs, src)?;
    for (i, p) in spec.patches.iter().enumerate() {
        apply_patch_spec(root, src, i, p, &mut docs)?;
    }
    if let Some(ns) = &spec.namespace {
        for d in &mut docs {
            if !is_cluster_scoped(d)
                && let Some(m) = meta_mut(d)
            {
                m.insert("namespace".to_owned(), Value::String(ns.clone()));
            }
        }
    }
    let prefix = spec.name_prefix.as_deref().unwrap_or("");
    let suffix = spec.name_suffix.as_deref().unwrap_or("");
    if !prefix.is_empty() || !suffix.is_empty() {
        for d in &mut docs {
            if matches!(kind_of(d), "Namespace" | "CustomResourceDefinition") {
                continue;
            }
            let Some(m) = meta_mut(d) else { continue };
            if let Some(Value::String(name)) = m.get("name") {
                let renamed = format!("{prefix}{name}{suffix}");
                m.insert("name".to_owned(), Value::String(renamed));
            }
        }
    }
    for (field, map, label) in [
        ("labels", &spec.common_labels, "commonLabels"),
        ("annotations", &spec.common_annotations, "commonAnnotations"),
    ] {
        if map.is_empty() {
            continue;
        }
        for (k, v) in map {
            if !v.is_string() {
                return Err(src.error(
                    RenderErrorKind::Invalid,
                    format!("`{label}.{k}` must be a string"),
                    &FieldPath::root().key(label).key(k.clone()),
                ));
            }
        }
        for d in &mut docs {
            let Some(m) = meta_mut(d) else { continue };
            let entry = m
                .entry(field.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(target) = entry {
                for (k, v) in map {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Ok(docs)
}

fn build_chart_base(
    root: &Root,
    src: &Source,
    base: &BaseFull,
    dir: &Path,
    at: &FieldPath,
) -> Result<Vec<Value>, RenderError> {
    let chart = Chart::load(dir)?;
    let mut options = RenderOptions::default();
    for (j, v) in base.values.iter().enumerate() {
        let rel = Path::new(v);
        let text = root.read(rel).map_err(|e| {
            src.error(
                e.kind,
                format!("values file `{v}`: {}", e.message),
                &at.key("values").index(j),
            )
        })?;
        options.values_files.push(ValuesFile {
            name: root.display(rel),
            text,
        });
    }
    options.set.clone_from(&base.set);
    options.set_string.clone_from(&base.set_string);
    options.set_json.clone_from(&base.set_json);
    options.release_name.clone_from(&base.release_name);
    options.namespace.clone_from(&base.namespace);
    options.env.clone_from(&base.env);
    let rendered = chart.render(&options)?;
    Ok(rendered.values_list())
}

/// Every document of a YAML/JSON file, or of every `*.yaml`/`*.yml`/`*.json` file below a
/// directory (sorted); `List` kinds are unwrapped; empty documents dropped.
fn load_yaml_tree(root: &Root, rel: &Path) -> Result<Vec<Value>, RenderError> {
    let files = if rel.as_os_str().is_empty() || root.is_dir(rel) {
        root.files(rel, &|n| {
            n.ends_with(".yaml") || n.ends_with(".yml") || n.ends_with(".json")
        })?
    } else {
        vec![rel.to_path_buf()]
    };
    let mut out = Vec::new();
    for f in files {
        if f.file_name().and_then(|n| n.to_str()) == Some(OVERLAY_FILE) {
            continue;
        }
        let shown = root.display(&f);
        let text = root.read(&f)?;
        for slice in policy_model::split_stream(&text) {
            let v = slice
                .parse(&shown)
                .map_err(|e| RenderError::from_load(RenderErrorKind::Syntax, &e))?;
            match v {
                Value::Null => {}
                Value::Object(ref m)
                    if kind_of(&v).ends_with("List")
                        && m.get("items").is_some_and(Value::is_array) =>
                {
                    if let Some(Value::Array(items)) = m.get("items") {
                        out.extend(items.iter().cloned());
                    }
                }
                other => out.push(other),
            }
        }
    }
    Ok(out)
}

fn kind_of(d: &Value) -> &str {
    d.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn api_version(d: &Value) -> &str {
    d.get("apiVersion").and_then(Value::as_str).unwrap_or("")
}

fn group_version(d: &Value) -> (&str, &str) {
    match api_version(d).split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version(d)),
    }
}

fn meta_str<'a>(d: &'a Value, key: &str) -> Option<&'a str> {
    d.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
}

fn meta_map<'a>(d: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    d.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_object)
}

/// The document's `metadata` map, created if missing; `None` for a non-mapping document.
fn meta_mut(d: &mut Value) -> Option<&mut Map<String, Value>> {
    let m = d.as_object_mut()?;
    let meta = m
        .entry("metadata".to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    meta.as_object_mut()
}

/// `Kind/name` or `Kind/namespace/name`, for messages.
fn doc_id(d: &Value) -> String {
    let name = meta_str(d, "name").unwrap_or("<unnamed>");
    match meta_str(d, "namespace") {
        Some(ns) => format!("{}/{ns}/{name}", kind_of(d)),
        None => format!("{}/{name}", kind_of(d)),
    }
}

fn is_cluster_scoped(d: &Value) -> bool {
    Scope::Overlay.is_cluster_scoped(group_version(d).0, kind_of(d))
}

fn check_duplicates(docs: &[Value], src: &Source) -> Result<(), RenderError> {
    let mut seen = std::collections::BTreeSet::new();
    for d in docs {
        let key = (
            group_version(d).0.to_owned(),
            kind_of(d).to_owned(),
            meta_str(d, "namespace").unwrap_or("").to_owned(),
            meta_str(d, "name").unwrap_or("").to_owned(),
        );
        if !seen.insert(key) {
            return Err(RenderError::new(
                RenderErrorKind::Duplicate,
                format!(
                    "document `{}` appears twice (in bases or resources)",
                    doc_id(d)
                ),
            )
            .with_file(src.file.clone()));
        }
    }
    Ok(())
}

/// Kubernetes label-selector syntax: `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a)`,
/// `k`, `!k`, comma-separated (all must hold).
pub(crate) fn selector_matches(
    selector: &str,
    labels: Option<&Map<String, Value>>,
) -> Result<bool, String> {
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    for req in split_requirements(selector) {
        let req = req.trim();
        if req.is_empty() {
            continue;
        }
        let ok = if let Some(k) = req.strip_prefix('!') {
            get(k.trim()).is_none()
        } else if let Some((k, v)) = req.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, set, negate)) = set_requirement(req) {
            let v = get(k);
            let inside = v.is_some_and(|v| set.contains(&v));
            if negate { !inside } else { inside }
        } else if req
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./".contains(c))
        {
            get(req).is_some()
        } else {
            return Err(format!("invalid selector requirement `{req}`"));
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn split_requirements(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s.get(start..).unwrap_or(""));
    out
}

fn set_requirement(req: &str) -> Option<(&str, Vec<&str>, bool)> {
    let (head, rest) = req.split_once('(')?;
    let list = rest.strip_suffix(')')?;
    let mut words = head.split_whitespace();
    let key = words.next()?;
    let negate = match words.next()? {
        "in" => false,
        "notin" => true,
        _ => return None,
    };
    Some((key, list.split(',').map(str::trim).collect(), negate))
}

fn target_matches(t: &TargetSpec, d: &Value) -> Result<bool, String> {
    let (group, version) = group_version(d);
    let field = |pat: &Option<String>, have: &str| {
        pat.as_deref().is_none_or(|p| wildcard::matches(p, have))
    };
    if !(field(&t.group, group)
        && field(&t.version, version)
        && field(&t.kind, kind_of(d))
        && field(&t.name, meta_str(d, "name").unwrap_or(""))
        && field(&t.namespace, meta_str(d, "namespace").unwrap_or("")))
    {
        return Ok(false);
    }
    if let Some(sel) = &t.label_selector
        && !selector_matches(sel, meta_map(d, "labels"))?
    {
        return Ok(false);
    }
    if let Some(sel) = &t.annotation_selector
        && !selector_matches(sel, meta_map(d, "annotations"))?
    {
        return Ok(false);
    }
    Ok(true)
}

fn apply_patch_spec(
    root: &Root,
    src: &Source,
    i: usize,
    p: &PatchSpec,
    docs: &mut [Value],
) -> Result<(), RenderError> {
    let at = FieldPath::root().key("patches").index(i);
    let err = |kind, message: String, at: &FieldPath| src.error(kind, message, at).with_patch(i);
    let patch = match (&p.patch, &p.path) {
        (Some(_), Some(_)) => {
            return Err(err(
                RenderErrorKind::Invalid,
                "give either `patch` or `path`, not both".into(),
                &at,
            ));
        }
        (None, None) => {
            return Err(err(
                RenderErrorKind::Invalid,
                "a patch needs `patch` or `path`".into(),
                &at,
            ));
        }
        (Some(Value::String(text)), None) => parse_patch_text(&src.file, text)
            .map_err(|m| err(RenderErrorKind::Syntax, m, &at.key("patch")))?,
        (Some(v), None) => v.clone(),
        (None, Some(path)) => {
            let rel = Path::new(path);
            let text = root.read(rel).map_err(|e| {
                err(
                    e.kind,
                    format!("patch file `{path}`: {}", e.message),
                    &at.key("path"),
                )
            })?;
            parse_patch_text(&root.display(rel), &text)
                .map_err(|m| err(RenderErrorKind::Syntax, m, &at.key("path")))?
        }
    };
    let is_json = match p.patch_type.as_deref() {
        None => patch.is_array(),
        Some("json6902" | "json" | "jsonpatch") => true,
        Some("merge" | "mergepatch") => false,
        Some(other) => {
            return Err(err(
                RenderErrorKind::Invalid,
                format!("unknown patch type `{other}` (expected `json6902` or `merge`)"),
                &at.key("type"),
            ));
        }
    };
    let Some(target) = &p.target else {
        return Err(err(
            RenderErrorKind::Invalid,
            "a patch needs a `target`".into(),
            &at,
        ));
    };
    let mut hits = 0usize;
    for d in docs.iter_mut() {
        let matched = target_matches(target, d)
            .map_err(|m| err(RenderErrorKind::Invalid, m, &at.key("target")))?;
        if !matched {
            continue;
        }
        hits += 1;
        if is_json {
            apply_json_patch(d, &patch).map_err(|e| {
                let mut out = src
                    .error(RenderErrorKind::Patch, e.message.clone(), &at)
                    .with_patch(i)
                    .with_target(doc_id(d));
                out.pointer = e.pointer;
                out
            })?;
        } else {
            apply_merge_patch(d, &patch);
        }
    }
    if hits == 0 {
        return Err(err(
            RenderErrorKind::TargetNotFound,
            "target selects no document".into(),
            &at.key("target"),
        ));
    }
    Ok(())
}

fn parse_patch_text(file: &str, text: &str) -> Result<Value, String> {
    let docs = policy_model::split_stream(text);
    let Some(doc) = docs.first() else {
        return Err("the patch is empty".to_owned());
    };
    doc.parse(file)
        .map_err(|e| format!("the patch is not valid YAML: {}", e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let labels = json!({"tier": "security", "env": "prod", "owner": "x"});
        let l = labels.as_object();
        let cases = [
            ("tier=security", true),
            ("tier==security", true),
            ("tier!=security", false),
            ("tier=security,env=prod", true),
            ("tier=security,env=dev", false),
            ("env in (prod,staging)", true),
            ("env notin (prod,staging)", false),
            ("env in (dev), tier", false),
            ("owner", true),
            ("!owner", false),
            ("!missing", true),
            ("missing!=x", true),
        ];
        for (sel, expect) in cases {
            assert_eq!(selector_matches(sel, l).unwrap(), expect, "{sel}");
        }
        assert!(selector_matches("a b c", l).is_err());
    }

    #[test]
    fn cluster_scope() {
        assert!(is_cluster_scoped(
            &json!({"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy"})
        ));
        assert!(!is_cluster_scoped(
            &json!({"apiVersion": "kyverno.io/v1", "kind": "Policy"})
        ));
        assert!(!is_cluster_scoped(
            &json!({"apiVersion": "kyverno.io/v2", "kind": "PolicyException"})
        ));
        assert!(is_cluster_scoped(
            &json!({"apiVersion": "policies.kyverno.io/v1", "kind": "ValidatingPolicy"})
        ));
        assert!(!is_cluster_scoped(
            &json!({"apiVersion": "policies.kyverno.io/v1", "kind": "NamespacedValidatingPolicy"})
        ));
    }
}
