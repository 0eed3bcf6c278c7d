//! Field paths inside a document: `spec.rules[0].validate`.

use std::fmt;

/// One step of a [`FieldPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index (0-based).
    Index(usize),
}

/// A path from the root of a document to one of its nodes.
///
/// Displayed the way people write it: `spec.rules[0].validate`, with keys that are not plain
/// identifiers quoted, e.g. `metadata.annotations["policies.kyverno.io/title"]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath(Vec<PathSegment>);

impl FieldPath {
    /// The empty path (the document root).
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// Builds a path from segments.
    pub fn from_segments(segments: Vec<PathSegment>) -> Self {
        Self(segments)
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// True for the document root.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut next = self.clone();
        next.0.push(PathSegment::Key(key.into()));
        next
    }

    /// This path extended by an index.
    #[must_use]
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(PathSegment::Index(index));
        next
    }

    /// Appends a key in place.
    pub fn push_key(&mut self, key: impl Into<String>) {
        self.0.push(PathSegment::Key(key.into()));
    }

    /// Appends an index in place.
    pub fn push_index(&mut self, index: usize) {
        self.0.push(PathSegment::Index(index));
    }

    /// Removes the last segment.
    pub fn pop(&mut self) -> Option<PathSegment> {
        self.0.pop()
    }

    /// The path without its last segment (the root stays the root).
    #[must_use]
    pub fn parent(&self) -> Self {
        let mut parent = self.clone();
        parent.0.pop();
        parent
    }

    /// The RFC 6901 JSON pointer of this path (`/spec/rules/0/validate`).
    pub fn to_json_pointer(&self) -> String {
        let mut out = String::new();
        for seg in &self.0 {
            out.push('/');
            match seg {
                PathSegment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
                PathSegment::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }

    /// Converts a `serde_path_to_error` path.
    pub(crate) fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        let mut out = Self::root();
        for seg in path.iter() {
            match seg {
                Segment::Seq { index } => out.push_index(*index),
                Segment::Map { key } => out.push_key(key.clone()),
                Segment::Enum { variant } => out.push_key(variant.clone()),
                Segment::Unknown => {}
            }
        }
        out
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document root)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSegment::Key(k) if is_plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                PathSegment::Key(k) => write!(f, "[{}]", serde_json::Value::from(k.as_str()))?,
                PathSegment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl FromIterator<PathSegment> for FieldPath {
    fn from_iter<T: IntoIterator<Item = PathSegment>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_plain_and_quoted_keys() {
        let p = FieldPath::root()
            .key("spec")
            .key("rules")
            .index(0)
            .key("validate");
        assert_eq!(p.to_string(), "spec.rules[0].validate");
        let q = FieldPath::root()
            .key("metadata")
            .key("annotations")
            .key("policies.kyverno.io/title");
        assert_eq!(
            q.to_string(),
            r#"metadata.annotations["policies.kyverno.io/title"]"#
        );
        assert_eq!(FieldPath::root().to_string(), "(document root)");
    }

    #[test]
    fn json_pointer_escapes() {
        let p = FieldPath::root().key("a/b").key("c~d").index(3);
        assert_eq!(p.to_json_pointer(), "/a~1b/c~0d/3");
    }
}
