//! The evaluation context supplied by the caller, and the JSON context variables see
//! (CV-11, CV-13).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use policy_model::testfile::ValuesSpec;
use serde_json::{Map, Value};

use crate::matching::RequestUser;

/// The admission operation being simulated (MR-4).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A new object.
    #[default]
    Create,
    /// An update: `request.oldObject` is a copy of the object.
    Update,
    /// A deletion: only `request.oldObject` exists.
    Delete,
}

impl Operation {
    /// `CREATE`, `UPDATE` or `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }

    /// Parses the upper-case spelling; `CONNECT` and anything else simulate a CREATE (CLI-3).
    pub fn parse(s: &str) -> Self {
        match s {
            "UPDATE" => Self::Update,
            "DELETE" => Self::Delete,
            _ => Self::Create,
        }
    }
}

/// A mocked API call response (`kyverno test` `apiCallResponses`, CV-14.4).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiCallMock {
    /// `urlPath` or `url` to answer.
    pub url: String,
    /// `GET`/`POST`, or empty for any.
    pub method: String,
    /// HTTP status.
    pub status: u16,
    /// Response body.
    pub body: Value,
}

/// Data a real cluster would provide, supplied by the caller (CV-14).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExternalData {
    /// ConfigMaps by `namespace/name`.
    pub config_maps: BTreeMap<String, Value>,
    /// API call mocks.
    pub api_calls: Vec<ApiCallMock>,
    /// Global context entries by name.
    pub global_context: BTreeMap<String, Value>,
}

/// Everything an evaluation may know about the world besides the resource. Nothing is read
/// from the clock, files or the environment.
#[derive(Clone, Debug)]
pub struct EvalContext {
    /// "Now".
    pub now: SystemTime,
    /// The simulated operation.
    pub operation: Operation,
    /// The text of `request.operation` (defaults to the operation's name; `CONNECT` is kept
    /// as text while simulated as CREATE).
    pub operation_text: Option<String>,
    /// The requesting user; `None` = no user info (MR-3.2.4).
    pub user: Option<RequestUser>,
    /// Labels of namespaces by name (namespaceSelector matching).
    pub namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
    /// Values (`kyverno test` values file, `apply --values-file`).
    pub values: Option<Arc<ValuesSpec>>,
    /// Extra `--set k=v` values, applied after per-resource values (CV-13.2).
    pub set_values: Map<String, Value>,
    /// Cluster data for context entries.
    pub external: Arc<ExternalData>,
    /// Seed for `random()`.
    pub seed: u64,
}

impl Default for EvalContext {
    fn default() -> Self {
        Self {
            now: SystemTime::UNIX_EPOCH,
            operation: Operation::Create,
            operation_text: None,
            user: None,
            namespace_labels: BTreeMap::new(),
            values: None,
            set_values: Map::new(),
            external: Arc::new(ExternalData::default()),
            seed: 0,
        }
    }
}

/// Splits a values key into path segments: dots separate, a double-quoted segment may hold
/// dots (CV-13.1).
pub(crate) fn split_key(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in key.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Deep-merges `value` at `path` into `target` (objects merge, others replace; CV-13.1).
pub(crate) fn set_path(target: &mut Value, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        merge(target, value);
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(map) = target {
        let slot = map.entry(first.clone()).or_insert(Value::Null);
        set_path(slot, rest, value);
    }
}

/// Recursive merge: objects key by key, everything else replaces.
pub(crate) fn merge(target: &mut Value, value: Value) {
    match (target, value) {
        (Value::Object(t), Value::Object(v)) => {
            for (k, v) in v {
                match t.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        t.insert(k, v);
                    }
                }
            }
        }
        (t, v) => *t = v,
    }
}

/// Applies a values map (dotted keys) to the JSON context.
pub(crate) fn apply_values(ctx: &mut Value, values: &Map<String, Value>) {
    for (k, v) in values {
        set_path(ctx, &split_key(k), v.clone());
    }
}

/// CV-11.8: the `images` variable of Pods and pod controllers.
pub(crate) fn images(resource: &Value) -> Option<Value> {
    let kind = resource.get("kind").and_then(Value::as_str)?;
    let spec_path = policy_model::kinds::pod_spec_path(kind)?;
    let mut spec = resource;
    for p in spec_path {
        spec = spec.get(*p)?;
    }
    let pointer_prefix: String = spec_path.iter().map(|p| format!("/{p}")).collect();
    let mut out = Map::new();
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(list) = spec.get(group).and_then(Value::as_array) else {
            continue;
        };
        let mut g = Map::new();
        for (i, c) in list.iter().enumerate() {
            let Some(image) = c
                .get("image")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            else {
                continue;
            };
            let name = c.get("name").and_then(Value::as_str).unwrap_or("");
            let mut info = parse_image(image)?;
            if let Value::Object(m) = &mut info {
                m.insert(
                    "jsonPointer".into(),
                    Value::from(format!("{pointer_prefix}/{group}/{i}/image")),
                );
            }
            g.insert(name.to_owned(), info);
        }
        if !g.is_empty() {
            out.insert(group.to_owned(), Value::Object(g));
        }
    }
    Some(Value::Object(out))
}

/// Parses an image reference with Docker's defaults (CV-11.8).
pub(crate) fn parse_image(image: &str) -> Option<Value> {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    // The tag is after the last ':' that follows the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name_part, tag) = match rest.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(i) => (rest.get(..last_slash + i)?, rest.get(last_slash + i + 1..)),
        None => (rest, None),
    };
    let (registry, path) = match name_part.split_once('/') {
        Some((first, remainder))
            if first.contains('.')
                || first.contains(':')
                || first == "localhost"
                || first.chars().any(|c| c.is_uppercase()) =>
        {
            (first.to_owned(), remainder.to_owned())
        }
        _ => ("docker.io".to_owned(), name_part.to_owned()),
    };
    if path.is_empty() {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
    let tag = match (tag, digest) {
        (Some(t), _) => t.to_owned(),
        (None, Some(_)) => String::new(),
        (None, None) => "latest".to_owned(),
    };
    let mut m = Map::new();
    m.insert("registry".into(), Value::from(registry.clone()));
    m.insert("path".into(), Value::from(path.clone()));
    m.insert("name".into(), Value::from(name));
    if !tag.is_empty() {
        m.insert("tag".into(), Value::from(tag.clone()));
    }
    if let Some(d) = digest {
        m.insert("digest".into(), Value::from(d));
        m.insert(
            "reference".into(),
            Value::from(format!("{registry}/{path}@{d}")),
        );
    } else {
        m.insert(
            "reference".into(),
            Value::from(format!("{registry}/{path}:{tag}")),
        );
    }
    if !tag.is_empty() {
        m.insert(
            "referenceWithTag".into(),
            Value::from(format!("{registry}/{path}:{tag}")),
        );
    }
    Some(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_keys_cv_13_1() {
        assert_eq!(split_key("a.b.c"), ["a", "b", "c"]);
        assert_eq!(
            split_key("request.object.metadata.labels.\"app.kubernetes.io/name\""),
            [
                "request",
                "object",
                "metadata",
                "labels",
                "app.kubernetes.io/name"
            ]
        );
        let mut ctx =
            json!({"request": {"object": {"metadata": {"name": "a", "labels": {"x": "1"}}}}});
        let mut values = Map::new();
        values.insert("request.object.metadata.labels.team".into(), json!("web"));
        values.insert("dictionary".into(), json!({"data": {"env": "test"}}));
        apply_values(&mut ctx, &values);
        assert_eq!(
            ctx["request"]["object"]["metadata"]["labels"],
            json!({"x": "1", "team": "web"})
        );
        assert_eq!(ctx["dictionary"]["data"]["env"], "test");
    }

    #[test]
    fn image_defaults_cv_11_8() {
        let i = parse_image("nginx").unwrap();
        assert_eq!(i["registry"], "docker.io");
        assert_eq!(i["path"], "nginx");
        assert_eq!(i["tag"], "latest");
        assert_eq!(i["reference"], "docker.io/nginx:latest");
        let i = parse_image("ghcr.io/acme/api:1.2@sha256:abc").unwrap();
        assert_eq!(i["registry"], "ghcr.io");
        assert_eq!(i["path"], "acme/api");
        assert_eq!(i["name"], "api");
        assert_eq!(i["digest"], "sha256:abc");
        assert_eq!(i["reference"], "ghcr.io/acme/api@sha256:abc");
        let i = parse_image("localhost:5000/app").unwrap();
        assert_eq!(i["registry"], "localhost:5000");
        assert_eq!(i["tag"], "latest");
        let pod =
            json!({"kind": "Pod", "spec": {"containers": [{"name": "c", "image": "busybox:1"}]}});
        let imgs = images(&pod).unwrap();
        assert_eq!(
            imgs["containers"]["c"]["jsonPointer"],
            "/spec/containers/0/image"
        );
    }
}
