//! The crate's error type: every load error names the source, the document, the line and
//! column, and the field path.

use std::fmt;

use crate::path::FieldPath;

/// A position in a source text. Line and column are 1-based; `offset` is the byte offset
/// from the start of the source (for snippet rendering).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte offset from the start of the source.
    pub offset: usize,
}

/// What went wrong while loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The text is not well-formed YAML or JSON.
    Syntax,
    /// The same key appears twice in one mapping.
    DuplicateKey,
    /// A document exceeds a safety limit (nesting depth, aliases, size).
    Limit,
    /// A value has the wrong shape for its field.
    Schema,
    /// A field the document kind does not know (only for strictly decoded kinds).
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// The input is not UTF-8.
    Encoding,
    /// Reading the input failed.
    Io,
}

/// An error found while loading a document, with everything needed to point at it.
///
/// Displayed as `file:line:column: path: message`, e.g.
/// `policies/require-labels.yaml:14:9: spec.rules[0].validate: expected a mapping, found a string`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    /// The source name: a file path as given, or `<stdin>`, or a caller-chosen label.
    pub source_name: String,
    /// 0-based index of the document in its stream, when known.
    pub document: Option<usize>,
    /// Where in the source, when known.
    pub position: Option<Position>,
    /// The field path inside the document, when known.
    pub path: Option<FieldPath>,
    /// The class of error.
    pub kind: LoadErrorKind,
    /// The message, lower-case, without position information.
    pub message: String,
}

impl LoadError {
    pub(crate) fn new(source_name: &str, kind: LoadErrorKind, message: impl Into<String>) -> Self {
        Self {
            source_name: source_name.to_owned(),
            document: None,
            position: None,
            path: None,
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn with_document(mut self, document: usize) -> Self {
        self.document = Some(document);
        self
    }

    pub(crate) fn with_position(mut self, position: Option<Position>) -> Self {
        self.position = position;
        self
    }

    pub(crate) fn with_path(mut self, path: FieldPath) -> Self {
        self.path = (!path.is_root()).then_some(path);
        self
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source_name)?;
        match self.position {
            Some(p) => write!(f, ":{}:{}", p.line, p.column)?,
            None => {
                if let Some(d) = self.document {
                    write!(f, ": document {}", d + 1)?;
                }
            }
        }
        if let Some(path) = &self.path
            && !path.is_root()
        {
            write!(f, ": {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Rewrites serde's wording (`invalid type: string "x", expected struct Rule`) into ours
/// (`expected a mapping, found a string`).
pub(crate) fn humanize_serde_message(msg: &str) -> (LoadErrorKind, String) {
    if let Some(rest) = msg.strip_prefix("invalid type: ")
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        return (
            LoadErrorKind::Schema,
            format!(
                "expected {}, found {}",
                expected_phrase(expected),
                found_phrase(found)
            ),
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ")
        && let Some((found, expected)) = rest.rsplit_once(", expected ")
    {
        return (
            LoadErrorKind::Schema,
            format!(
                "expected {}, found {}",
                expected_phrase(expected),
                found_phrase(found)
            ),
        );
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return (
            LoadErrorKind::MissingField,
            format!("missing required field {rest}"),
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let field = rest.split(", expected").next().unwrap_or(rest);
        return (
            LoadErrorKind::UnknownField,
            format!("unknown field {field}"),
        );
    }
    (LoadErrorKind::Schema, msg.to_owned())
}

fn found_phrase(found: &str) -> String {
    if found.starts_with("string ") {
        "a string".to_owned()
    } else if found == "map" {
        "a mapping".to_owned()
    } else if found == "sequence" {
        "a list".to_owned()
    } else if found.starts_with("integer ") || found.starts_with("floating point ") {
        format!(
            "the number {}",
            found.split_once(' ').map_or(found, |(_, n)| n)
        )
    } else if found.starts_with("boolean ") {
        format!(
            "the boolean {}",
            found.split_once(' ').map_or(found, |(_, n)| n)
        )
    } else if found == "unit value" || found == "null" {
        "null".to_owned()
    } else {
        found.to_owned()
    }
}

fn expected_phrase(expected: &str) -> String {
    match expected {
        "a string" | "a mapping" | "a list" | "a boolean" => expected.to_owned(),
        "a sequence" => "a list".to_owned(),
        "a map" => "a mapping".to_owned(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a borrowed string" => "a string".to_owned(),
        other if other.starts_with("struct ") => "a mapping".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_position_and_path() {
        let e = LoadError::new(
            "p.yaml",
            LoadErrorKind::Schema,
            "expected a mapping, found a string",
        )
        .with_document(0)
        .with_position(Some(Position {
            line: 14,
            column: 9,
            offset: 0,
        }))
        .with_path(
            FieldPath::root()
                .key("spec")
                .key("rules")
                .index(0)
                .key("validate"),
        );
        assert_eq!(
            e.to_string(),
            "p.yaml:14:9: spec.rules[0].validate: expected a mapping, found a string"
        );
    }

    #[test]
    fn display_without_position_names_document() {
        let e = LoadError::new("-", LoadErrorKind::Syntax, "boom").with_document(2);
        assert_eq!(e.to_string(), "-: document 3: boom");
    }

    #[test]
    fn humanize_serde_wording() {
        let cases = [
            (
                "invalid type: string \"x\", expected a mapping",
                "expected a mapping, found a string",
            ),
            (
                "invalid type: map, expected a sequence",
                "expected a list, found a mapping",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "expected a string, found the number `5`",
            ),
            (
                "invalid type: sequence, expected struct Rule",
                "expected a mapping, found a list",
            ),
            ("missing field `name`", "missing required field `name`"),
            (
                "unknown field `resource`, expected one of `a`, `b`",
                "unknown field `resource`",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(humanize_serde_message(input).1, want, "{input}");
        }
    }
}
