//! A read-only view of a Kubernetes resource held as `serde_json::Value`, so any Rust tool
//! can hand resources in without adopting our types (kube-rs `DynamicObject` style).

use serde_json::{Map, Value};
use smol_str::SmolStr;

use crate::result::ResourceId;

/// An owned Kubernetes resource (any kind).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    value: Value,
}

impl Resource {
    /// Wraps a value (not checked: any JSON value is a resource with possibly empty fields).
    pub fn new(value: Value) -> Self {
        Self { value }
    }

    /// The underlying value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Gives the value back.
    pub fn into_value(self) -> Value {
        self.value
    }

    /// A borrowed view with the accessors.
    pub fn view(&self) -> ResourceRef<'_> {
        ResourceRef::new(&self.value)
    }
}

impl From<Value> for Resource {
    fn from(value: Value) -> Self {
        Self::new(value)
    }
}

/// Looks `key` up in a JSON object.
///
/// Kubernetes objects are small (a handful of keys per level), and with `preserve_order`
/// serde_json's map is an `IndexMap` with SipHash: hashing the key costs more than scanning
/// a few entries, comparing lengths first. Larger maps use the hash index.
#[inline]
pub fn field<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() <= 16 {
        map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
    } else {
        map.get(key)
    }
}

/// [`field`] on a value that may not be an object.
#[inline]
pub fn value_field<'m>(value: &'m Value, key: &str) -> Option<&'m Value> {
    value.as_object().and_then(|m| field(m, key))
}

/// A borrowed view of a resource with typed accessors.
#[derive(Clone, Copy, Debug)]
pub struct ResourceRef<'a> {
    value: &'a Value,
}

impl<'a> ResourceRef<'a> {
    /// Views a value as a resource.
    pub fn new(value: &'a Value) -> Self {
        Self { value }
    }

    /// The underlying value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    fn str_at(&self, key: &str) -> &'a str {
        value_field(self.value, key)
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    fn metadata(&self) -> Option<&'a Map<String, Value>> {
        value_field(self.value, "metadata").and_then(Value::as_object)
    }

    fn meta_str(&self, key: &str) -> &'a str {
        self.metadata()
            .and_then(|m| field(m, key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `apiVersion` (`""` when absent).
    pub fn api_version(&self) -> &'a str {
        self.str_at("apiVersion")
    }

    /// The API group (`""` for the core group).
    pub fn group(&self) -> &'a str {
        self.api_version().rsplit_once('/').map_or("", |(g, _)| g)
    }

    /// The API version without the group.
    pub fn version(&self) -> &'a str {
        let av = self.api_version();
        av.rsplit_once('/').map_or(av, |(_, v)| v)
    }

    /// `kind`.
    pub fn kind(&self) -> &'a str {
        self.str_at("kind")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &'a str {
        self.meta_str("name")
    }

    /// `metadata.generateName`.
    pub fn generate_name(&self) -> &'a str {
        self.meta_str("generateName")
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> &'a str {
        self.meta_str("namespace")
    }

    /// `metadata.uid`.
    pub fn uid(&self) -> &'a str {
        self.meta_str("uid")
    }

    /// `metadata.labels`, when it is a mapping.
    pub fn labels(&self) -> Option<&'a Map<String, Value>> {
        self.metadata()
            .and_then(|m| field(m, "labels"))
            .and_then(Value::as_object)
    }

    /// One label's value, when it is a string.
    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.labels()
            .and_then(|l| field(l, key))
            .and_then(Value::as_str)
    }

    /// `metadata.annotations`, when it is a mapping.
    pub fn annotations(&self) -> Option<&'a Map<String, Value>> {
        self.metadata()
            .and_then(|m| field(m, "annotations"))
            .and_then(Value::as_object)
    }

    /// One annotation's value, when it is a string.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.annotations()
            .and_then(|l| field(l, key))
            .and_then(Value::as_str)
    }

    /// The identity used in results and reports.
    pub fn id(&self) -> ResourceId {
        let uid = self.uid();
        ResourceId {
            api_version: SmolStr::new(self.api_version()),
            kind: SmolStr::new(self.kind()),
            namespace: SmolStr::new(self.namespace()),
            name: SmolStr::new(self.name()),
            uid: (!uid.is_empty()).then(|| SmolStr::new(uid)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accessors() {
        let v = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod", "labels": {"app": "web", "n": 1},
                         "annotations": {"a": "b"}}
        });
        let r = ResourceRef::new(&v);
        assert_eq!(
            (r.group(), r.version(), r.kind()),
            ("apps", "v1", "Deployment")
        );
        assert_eq!((r.name(), r.namespace()), ("web", "prod"));
        assert_eq!(r.label("app"), Some("web"));
        assert_eq!(
            r.label("n"),
            None,
            "non-string label values are not strings"
        );
        assert_eq!(r.annotation("a"), Some("b"));
        assert_eq!(r.id().to_string(), "prod/Deployment/web");
    }

    #[test]
    fn core_group_and_missing_fields() {
        let v = json!({"apiVersion": "v1", "kind": "Pod"});
        let r = ResourceRef::new(&v);
        assert_eq!((r.group(), r.version()), ("", "v1"));
        assert_eq!(r.name(), "");
        assert!(r.labels().is_none());
        let weird = json!("not an object");
        assert_eq!(ResourceRef::new(&weird).kind(), "");
    }
}
