//! The text layer: splitting a stream into documents, parsing one document into a
//! `serde_json::Value` with Kubernetes' YAML 1.1 reading, and finding the line of a field path.
//!
//! Documents are split on `---` / `...` lines ourselves (YAML forbids those markers inside
//! scalars at column 0, so a line scan is exact). That gives each document its own index,
//! first line and byte offset, its own safety budget — a 100k-document cluster snapshot is
//! not one giant budget — and lets callers parse documents in parallel.

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::granit_parser::{Event, Parser};

use crate::error::{LoadError, LoadErrorKind, Position};
use crate::path::{FieldPath, PathSegment};

// Limits applied to every single document. A document beyond them is an error of kind
// `LoadErrorKind::Limit`; the stream's other documents are unaffected.

/// Maximum nesting depth of mappings and sequences in one document. The YAML reader recurses
/// per level (about 28 KiB of stack per level in debug builds), so deeper documents could
/// exhaust a 2 MiB thread stack; Kubernetes objects rarely nest beyond 20 levels.
pub const MAX_DEPTH: usize = 64;
/// Maximum number of nodes (scalars, mappings, sequences) in one document.
pub const MAX_NODES: usize = 4_000_000;
/// Maximum number of parser events in one document (alias replays included).
pub const MAX_EVENTS: usize = 16_000_000;
/// Maximum number of aliases (`*ref`) in one document (alias bombs).
pub const MAX_ALIASES: usize = 10_000;
/// Maximum number of events recorded for anchors or replayed through aliases in one
/// document: an alias bomb stops here, in milliseconds.
pub const MAX_ALIAS_EVENTS: usize = 10_000;
/// Maximum total bytes of scalar text in one document.
pub const MAX_SCALAR_BYTES: usize = 512 * 1024 * 1024;

/// One document of a stream, borrowed from the stream's text. Obtained from
/// [`split_documents`]; parse it with [`DocSlice::parse`] (documents are independent, so a
/// caller may parse them in parallel).
#[derive(Clone, Copy, Debug)]
pub struct DocSlice<'a> {
    /// The document's text (from its `---` line, if any, to the next marker).
    pub text: &'a str,
    /// 0-based index among the non-empty documents of the stream.
    pub index: usize,
    /// 0-based line of `text`'s first line in the stream.
    pub line_offset: usize,
    /// Byte offset of `text` in the stream.
    pub byte_offset: usize,
    /// YAML or JSON.
    pub format: Format,
}

/// The syntax of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// YAML (1.1 reading, as Kubernetes).
    Yaml,
    /// JSON (one value per document; a stream of values is a stream of documents).
    Json,
}

fn is_marker(line: &str, marker: &str) -> bool {
    let Some(rest) = line.strip_prefix(marker) else {
        return false;
    };
    rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])
}

/// True when a line carries no content: blank, a comment, a directive, or a bare marker.
fn is_blank_line(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---" || t == "..."
}

/// Splits a YAML stream into its non-empty documents (YAML only; see [`looks_like_json`]).
pub fn split_documents(text: &str) -> Vec<DocSlice<'_>> {
    let mut docs = Vec::new();
    let mut seg_start = 0usize;
    let mut seg_line = 0usize;
    let mut seg_has_content = false;
    let mut byte = 0usize;
    let mut close = |start: usize, end: usize, line: usize, has_content: bool| {
        if has_content && let Some(seg) = text.get(start..end) {
            let index = docs.len();
            docs.push(DocSlice {
                text: seg,
                index,
                line_offset: line,
                byte_offset: start,
                format: Format::Yaml,
            });
        }
    };
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        if is_marker(line, "---") {
            close(seg_start, byte, seg_line, seg_has_content);
            seg_start = byte;
            seg_line = line_no;
            // `--- {a: 1}` or `--- |` carry content on the marker line itself.
            seg_has_content = !is_blank_line(line);
        } else if is_marker(line, "...") {
            close(seg_start, byte, seg_line, seg_has_content);
            seg_start = byte + line.len();
            seg_line = line_no + 1;
            seg_has_content = false;
        } else if seg_start == byte && line.trim().is_empty() {
            // Leading blank lines are not part of a document: it starts at its first line
            // with text (the same rule as DocumentReader).
            seg_start = byte + line.len();
            seg_line = line_no + 1;
        } else if !seg_has_content && !is_blank_line(line) {
            seg_has_content = true;
        }
        byte += line.len();
    }
    close(seg_start, text.len(), seg_line, seg_has_content);
    docs
}

/// Splits a stream of JSON values (`{..}{..}`, JSON lines or one pretty-printed value) into
/// documents, without parsing them. Text that is not inside a value (stray scalars) becomes a
/// document of its own, so that parsing reports it.
pub fn split_json_documents(text: &str) -> Vec<DocSlice<'_>> {
    let mut docs = Vec::new();
    let mut splitter = JsonSplitter::default();
    let mut start: Option<usize> = None;
    let mut line = 0usize;
    let mut start_line = 0usize;
    for (i, c) in text.char_indices() {
        if start.is_none() && !c.is_whitespace() && c != '\u{feff}' {
            start = Some(i);
            start_line = line;
        }
        if c == '\n' {
            line += 1;
        }
        if start.is_some()
            && splitter.feed(c)
            && let Some(s) = start.take()
        {
            let end = i + c.len_utf8();
            if let Some(seg) = text.get(s..end) {
                let index = docs.len();
                docs.push(DocSlice {
                    text: seg,
                    index,
                    line_offset: start_line,
                    byte_offset: s,
                    format: Format::Json,
                });
            }
        }
    }
    if let Some(s) = start
        && let Some(seg) = text.get(s..)
    {
        let index = docs.len();
        docs.push(DocSlice {
            text: seg,
            index,
            line_offset: start_line,
            byte_offset: s,
            format: Format::Json,
        });
    }
    docs
}

/// Tracks JSON nesting character by character; `feed` returns true when a top-level
/// container closes.
#[derive(Debug, Default)]
pub(crate) struct JsonSplitter {
    depth: usize,
    in_string: bool,
    escaped: bool,
}

impl JsonSplitter {
    pub(crate) fn feed(&mut self, c: char) -> bool {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if c == '\\' {
                self.escaped = true;
            } else if c == '"' {
                self.in_string = false;
            }
            return false;
        }
        match c {
            '"' => self.in_string = true,
            '{' | '[' => self.depth += 1,
            '}' | ']' => {
                self.depth = self.depth.saturating_sub(1);
                return self.depth == 0;
            }
            _ => {}
        }
        false
    }
}

/// Splits a stream into documents, choosing JSON or YAML by its first character.
pub fn split_stream(text: &str) -> Vec<DocSlice<'_>> {
    if looks_like_json(text) {
        split_json_documents(text)
    } else {
        split_documents(text)
    }
}

/// True when the text looks like JSON rather than YAML (first non-blank char `{` or `[`).
pub fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .starts_with(['{', '['])
}

fn saphyr_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_reader_input_bytes: None,
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_events: MAX_EVENTS,
            max_aliases: MAX_ALIASES,
            max_total_scalar_bytes: MAX_SCALAR_BYTES,
            max_documents: 2,
            max_recorded_anchor_events: MAX_ALIAS_EVENTS,
        },
        alias_limits: serde_saphyr::alias_limits! { max_total_replayed_events: MAX_ALIAS_EVENTS },
        // Kubernetes reads YAML 1.1: `0755` is octal, `yes`/`on` are booleans.
        legacy_octal_numbers: true,
        with_snippet: false,
    }
}

/// Byte offset of a 1-based line/column inside `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let col_bytes: usize = l
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return offset + col_bytes;
        }
        offset += l.len();
    }
    offset
}

impl DocSlice<'_> {
    /// Converts a position relative to this document (1-based line/column) to the stream's.
    pub fn stream_position(&self, line: usize, column: usize) -> Position {
        Position {
            line: line + self.line_offset,
            column,
            offset: self.byte_offset + offset_of(self.text, line, column),
        }
    }

    /// Parses the document into a JSON value, with Kubernetes' YAML 1.1 reading (`yes` and
    /// `on` are booleans, `0755` is octal), duplicate keys rejected and the per-document
    /// limits of the crate docs applied. `source_name` names the source in errors.
    pub fn parse(&self, source_name: &str) -> Result<Value, LoadError> {
        match self.format {
            Format::Yaml => {
                serde_saphyr::from_str_with_options::<Value>(self.text, saphyr_options())
                    .map_err(|e| self.saphyr_error(source_name, &e))
            }
            Format::Json => self.parse_json(source_name),
        }
    }

    fn parse_json(&self, source_name: &str) -> Result<Value, LoadError> {
        let mut de = serde_json::Deserializer::from_str(self.text);
        // serde_json's own recursion limit (128) bounds nesting; duplicate keys are rejected
        // as in YAML.
        let value = NoDuplicates::deserialize(&mut de).and_then(|v| de.end().map(|()| v.0));
        value.map_err(|e| {
            let kind = match e.classify() {
                serde_json::error::Category::Io => LoadErrorKind::Io,
                _ if e.to_string().starts_with("duplicate mapping key") => {
                    LoadErrorKind::DuplicateKey
                }
                _ => LoadErrorKind::Syntax,
            };
            let full = e.to_string();
            let message = match full.rfind(" at line ") {
                Some(i) => full.get(..i).unwrap_or(&full).to_owned(),
                None => full.clone(),
            };
            let position =
                (e.line() > 0).then(|| self.stream_position(e.line(), e.column().max(1)));
            LoadError::new(source_name, kind, message)
                .with_document(self.index)
                .with_position(position)
        })
    }

    fn saphyr_error(&self, source_name: &str, e: &serde_saphyr::Error) -> LoadError {
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full.get(..i).unwrap_or(&full).to_owned(),
            None => full.clone(),
        };
        let lower = message.to_lowercase();
        let kind = if lower.contains("duplicate mapping key") {
            LoadErrorKind::DuplicateKey
        } else if lower.contains("budget")
            || lower.contains("limit")
            || lower.contains("depth")
            || lower.contains("exceeded")
        {
            LoadErrorKind::Limit
        } else if lower.contains("utf-8") || lower.contains("utf8") {
            LoadErrorKind::Encoding
        } else {
            LoadErrorKind::Syntax
        };
        let message = match kind {
            LoadErrorKind::DuplicateKey => message
                .split(", set DuplicateKeyPolicy")
                .next()
                .unwrap_or(&message)
                .to_owned(),
            _ => message,
        };
        let position = e
            .location()
            .filter(|l| l.line() > 0)
            .map(|l| self.stream_position(l.line() as usize, (l.column() as usize).max(1)));
        LoadError::new(source_name, kind, message)
            .with_document(self.index)
            .with_position(position)
    }

    /// The stream position of the node at `path` (the value; for a missing key, the closest
    /// existing ancestor). `key_position` asks for the key's position instead of the value's.
    pub fn locate(&self, path: &FieldPath, key_position: bool) -> Option<Position> {
        locate(self.text, path, key_position).map(|(line, col)| self.stream_position(line, col))
    }
}

/// A JSON value whose objects never repeat a key (serde_json alone keeps the last one).
struct NoDuplicates(Value);

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NoDuplicates;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::Bool(v)))
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::from(v)))
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::from(v)))
            }
            fn visit_f64<E: Error>(self, v: f64) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(
                    serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
                ))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::String(v.to_owned())))
            }
            fn visit_string<E: Error>(self, v: String) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::String(v)))
            }
            fn visit_unit<E: Error>(self) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::Null))
            }
            fn visit_none<E: Error>(self) -> Result<NoDuplicates, E> {
                Ok(NoDuplicates(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
                let mut out = Vec::new();
                while let Some(NoDuplicates(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(NoDuplicates(Value::Array(out)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.contains_key(&key) {
                        return Err(A::Error::custom(format!("duplicate mapping key: {key}")));
                    }
                    let NoDuplicates(v) = map.next_value()?;
                    out.insert(key, v);
                }
                Ok(NoDuplicates(Value::Object(out)))
            }
        }
        d.deserialize_any(V)
    }
}

enum Frame {
    Map {
        key: Option<String>,
        awaiting_key: bool,
    },
    Seq {
        next: usize,
    },
}

/// Walks the parser events of `text` and returns the 1-based (line, column) of the node at
/// `path`, or of its deepest existing ancestor.
pub(crate) fn locate(text: &str, path: &FieldPath, key_position: bool) -> Option<(usize, usize)> {
    let target = path.segments();
    let mut stack: Vec<Frame> = Vec::new();
    let mut current: Vec<PathSegment> = Vec::new();
    let mut best: Option<(usize, (usize, usize))> = None;
    let mut key_spans: Vec<Option<(usize, usize)>> = Vec::new();
    for item in Parser::new_from_str(text) {
        let Ok((event, span)) = item else { break };
        let here = (span.start.line(), span.start.col() + 1);
        let is_node = matches!(
            event,
            Event::Scalar(..)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::Alias(..)
        );
        if is_node {
            // Is this node a mapping key?
            if let Some(Frame::Map { key, awaiting_key }) = stack.last_mut()
                && *awaiting_key
            {
                *awaiting_key = false;
                let k = match &event {
                    Event::Scalar(s, ..) => s.to_string(),
                    _ => String::new(),
                };
                *key = Some(k);
                if let Some(last) = key_spans.last_mut() {
                    *last = Some(here);
                }
                if !matches!(event, Event::Scalar(..)) {
                    // complex key: skip its content by treating it as an opaque node
                    stack.push(Frame::Seq { next: 0 });
                    current.push(PathSegment::Index(usize::MAX));
                    key_spans.push(None);
                }
                continue;
            }
            // A value: compute its path.
            let seg = match stack.last_mut() {
                Some(Frame::Map { key, awaiting_key }) => {
                    *awaiting_key = true;
                    key.take().map(PathSegment::Key)
                }
                Some(Frame::Seq { next }) => {
                    let i = *next;
                    *next += 1;
                    Some(PathSegment::Index(i))
                }
                None => None,
            };
            if let Some(s) = &seg {
                current.push(s.clone());
            }
            let depth = current.len();
            if depth <= target.len() && current.as_slice() == target.get(..depth).unwrap_or(&[]) {
                let pos = if key_position && depth == target.len() {
                    key_spans.last().copied().flatten().unwrap_or(here)
                } else {
                    here
                };
                if best.is_none_or(|(d, _)| depth > d) {
                    best = Some((depth, pos));
                }
                if depth == target.len() {
                    return Some(pos);
                }
            }
            match event {
                Event::SequenceStart(..) => {
                    stack.push(Frame::Seq { next: 0 });
                    key_spans.push(None);
                }
                Event::MappingStart(..) => {
                    stack.push(Frame::Map {
                        key: None,
                        awaiting_key: true,
                    });
                    key_spans.push(None);
                }
                _ => {
                    if seg.is_some() {
                        current.pop();
                    }
                }
            }
        } else if matches!(event, Event::SequenceEnd | Event::MappingEnd) {
            stack.pop();
            key_spans.pop();
            current.pop();
        } else if matches!(event, Event::DocumentEnd) {
            break;
        }
    }
    best.map(|(_, pos)| pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_markers_and_skips_empty_documents() {
        let text = "# header\n---\na: 1\n---\n# only a comment\n---\nb: 2\n...\n--- {c: 3}\n";
        let docs = split_documents(text);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[0].line_offset, 1);
        assert_eq!(docs[1].line_offset, 5);
        assert_eq!(docs[2].line_offset, 8);
        assert_eq!(docs[2].text, "--- {c: 3}\n");
        assert_eq!(docs[1].index, 1);
    }

    #[test]
    fn document_without_marker() {
        let docs = split_documents("a: 1\nb: 2\n");
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].line_offset, 0);
        assert_eq!(
            docs[0].parse("x").unwrap(),
            serde_json::json!({"a": 1, "b": 2})
        );
    }

    #[test]
    fn marker_needs_column_zero_and_separator() {
        let docs = split_documents("a: |\n  ---\n  text\nb: ----\n");
        assert_eq!(docs.len(), 1);
    }

    #[test]
    fn json_stream_split() {
        let text = "{\"a\": \"}{\"}\n{\"b\": [1,\n 2]} {\"c\": 3}";
        let docs = split_json_documents(text);
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].line_offset, 1);
        assert_eq!(
            docs[1].parse("x").unwrap(),
            serde_json::json!({"b": [1, 2]})
        );
        assert_eq!(docs[0].parse("x").unwrap(), serde_json::json!({"a": "}{"}));
    }

    #[test]
    fn json_duplicate_keys_are_rejected() {
        let docs = split_json_documents("{\"a\": 1,\n \"a\": 2}");
        let err = docs[0].parse("d.json").unwrap_err();
        assert_eq!(err.kind, LoadErrorKind::DuplicateKey, "{err}");
        assert_eq!(err.position.map(|p| p.line), Some(2), "{err}");
        // nested objects too; different objects may share keys
        let docs = split_json_documents(
            "{\"x\": {\"a\": 1}, \"y\": {\"a\": 1, \"b\": {\"c\": 1, \"c\": 2}}}",
        );
        assert_eq!(
            docs[0].parse("d.json").unwrap_err().kind,
            LoadErrorKind::DuplicateKey
        );
        let ok =
            split_json_documents("{\"x\": {\"a\": 1}, \"y\": {\"a\": [1.5, null, true, \"s\"]}}");
        assert_eq!(
            ok[0].parse("d.json").unwrap(),
            serde_json::json!({"x": {"a": 1}, "y": {"a": [1.5, null, true, "s"]}})
        );
    }

    #[test]
    fn json_error_position() {
        let text = "{\"a\": 1}\n{\"b\": tru}";
        let docs = split_json_documents(text);
        let err = docs[1].parse("f.json").unwrap_err();
        assert_eq!(err.position.map(|p| p.line), Some(2), "{err}");
    }

    #[test]
    fn locate_value_and_key() {
        let text = "spec:\n  rules:\n  - name: a\n    validate: oops\n";
        let path = FieldPath::root()
            .key("spec")
            .key("rules")
            .index(0)
            .key("validate");
        assert_eq!(locate(text, &path, false), Some((4, 15)));
        assert_eq!(locate(text, &path, true), Some((4, 5)));
        // a missing child falls back to its deepest existing ancestor
        let missing = path.key("pattern");
        assert_eq!(locate(text, &missing, false), Some((4, 15)));
    }

    #[test]
    fn locate_in_flow_json() {
        let text = "{\"a\": [1, {\"b\": true}]}";
        let path = FieldPath::root().key("a").index(1).key("b");
        assert_eq!(locate(text, &path, false), Some((1, 17)));
    }

    #[test]
    fn positions_are_stream_relative() {
        let text = "a: 1\n---\nb:\n  c: [\n";
        let docs = split_documents(text);
        let err = docs[1].parse("s.yaml").unwrap_err();
        assert_eq!(err.document, Some(1));
        let pos = err.position.unwrap();
        assert!(pos.line >= 3, "{err}");
    }
}
