//! Loading documents from text, bytes and readers: split → parse → dispatch by
//! apiVersion/kind → typed conversion with the failing field located in the source.

use std::io::BufRead;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::document::{DocClass, Document, classify};
use crate::error::{LoadError, LoadErrorKind, Position, humanize_serde_message};
use crate::exception::PolicyException;
use crate::path::FieldPath;
use crate::resource::Resource;
use crate::strict::CaseInsensitive;
use crate::yaml::{DocSlice, Format, JsonSplitter, split_stream};

/// Where a loaded document came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The source name (file path as given, `<stdin>`, ...).
    pub source: Arc<str>,
    /// 0-based index of the document in the stream.
    pub document: usize,
    /// For an item unwrapped from a `List`, its index in `items`.
    pub item: Option<usize>,
    /// Where the document starts.
    pub position: Position,
}

/// A document and its origin.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    /// The document.
    pub document: Document,
    /// Where it came from.
    pub origin: Origin,
}

/// Everything loaded from one source: good documents and per-document errors. One broken
/// document does not hide the others.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadOutcome {
    /// Documents in stream order (List items in place of their List).
    pub documents: Vec<Loaded>,
    /// Errors, in stream order.
    pub errors: Vec<LoadError>,
}

impl LoadOutcome {
    /// Appends another outcome.
    pub fn extend(&mut self, other: LoadOutcome) {
        self.documents.extend(other.documents);
        self.errors.extend(other.errors);
    }
}

/// A document type that can be loaded on its own (see [`load_typed`]).
pub trait TypedDocument: DeserializeOwned {
    /// Decode like Go's `encoding/json` with unknown fields rejected (Kyverno's CLI files).
    const STRICT: bool;
}

macro_rules! typed_document {
    ($($t:ty => $strict:expr),* $(,)?) => {
        $(impl TypedDocument for $t { const STRICT: bool = $strict; })*
    };
}

typed_document! {
    crate::policy::KyvernoPolicy => false,
    crate::cel::CelPolicy => false,
    crate::cel::AdmissionPolicy => false,
    crate::exception::KyvernoException => false,
    crate::exception::CelException => false,
    crate::report::PolicyReport => false,
    crate::testfile::Test => true,
    crate::testfile::Values => true,
    crate::testfile::UserInfoFile => true,
    crate::testfile::ContextFile => true,
}

/// Converts a parsed value into `T`, naming the failing field and its line.
pub fn from_value<T: DeserializeOwned>(
    value: Value,
    strict: bool,
    source_name: &str,
    slice: &DocSlice<'_>,
    prefix: &FieldPath,
) -> Result<T, LoadError> {
    let result = if strict {
        serde_path_to_error::deserialize(CaseInsensitive(value))
    } else {
        serde_path_to_error::deserialize(value)
    };
    result.map_err(|e| {
        let mut path = prefix.clone();
        for seg in FieldPath::from_serde(e.path()).segments() {
            match seg {
                crate::path::PathSegment::Key(k) => path.push_key(k.clone()),
                crate::path::PathSegment::Index(i) => path.push_index(*i),
            }
        }
        let (kind, message) = humanize_serde_message(&e.inner().to_string());
        let position = slice.locate(&path, kind == LoadErrorKind::UnknownField);
        LoadError::new(source_name, kind, message)
            .with_document(slice.index)
            .with_position(position)
            .with_path(path)
    })
}

fn str_field<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or("")
}

/// True for a `List` (or `FooList`) wrapper whose items should be loaded one by one.
fn is_list(value: &Value) -> bool {
    let kind = str_field(value, "kind");
    kind.ends_with("List")
        && value.get("items").is_some_and(Value::is_array)
        && value.get("metadata").and_then(|m| m.get("name")).is_none()
}

/// Dispatches one parsed document (unwrapping Lists) into typed documents.
pub fn documents_from_value(
    value: Value,
    source: &Arc<str>,
    slice: &DocSlice<'_>,
) -> (Vec<Loaded>, Vec<LoadError>) {
    let start = slice.stream_position(1, 1);
    let origin = |item| Origin {
        source: Arc::clone(source),
        document: slice.index,
        item,
        position: start,
    };
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    if is_list(&value) {
        let items = match value {
            Value::Object(mut m) => match m.remove("items") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        for (i, item) in items.into_iter().enumerate() {
            let prefix = FieldPath::root().key("items").index(i);
            match document_from_value(item, source, slice, &prefix) {
                Ok(d) => docs.push(Loaded {
                    document: d,
                    origin: origin(Some(i)),
                }),
                Err(e) => errors.push(e),
            }
        }
    } else {
        match document_from_value(value, source, slice, &FieldPath::root()) {
            Ok(d) => docs.push(Loaded {
                document: d,
                origin: origin(None),
            }),
            Err(e) => errors.push(e),
        }
    }
    (docs, errors)
}

fn document_from_value(
    value: Value,
    source: &str,
    slice: &DocSlice<'_>,
    prefix: &FieldPath,
) -> Result<Document, LoadError> {
    if !value.is_object() {
        let found = match &value {
            Value::Array(_) => "a list",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
            Value::Object(_) => "a mapping",
        };
        return Err(LoadError::new(
            source,
            LoadErrorKind::Schema,
            format!("expected a mapping (a Kubernetes object), found {found}"),
        )
        .with_document(slice.index)
        .with_position(slice.locate(prefix, false))
        .with_path(prefix.clone()));
    }
    let class = classify(str_field(&value, "apiVersion"), str_field(&value, "kind"));
    let doc = match class {
        DocClass::Policy => {
            Document::Policy(Box::new(from_value(value, false, source, slice, prefix)?))
        }
        DocClass::CelPolicy => {
            Document::CelPolicy(Box::new(from_value(value, false, source, slice, prefix)?))
        }
        DocClass::AdmissionPolicy => {
            Document::AdmissionPolicy(Box::new(from_value(value, false, source, slice, prefix)?))
        }
        DocClass::KyvernoException => Document::Exception(PolicyException::Kyverno(Box::new(
            from_value(value, false, source, slice, prefix)?,
        ))),
        DocClass::CelException => Document::Exception(PolicyException::Cel(Box::new(from_value(
            value, false, source, slice, prefix,
        )?))),
        DocClass::Report => {
            Document::Report(Box::new(from_value(value, false, source, slice, prefix)?))
        }
        DocClass::Test => Document::Test(Box::new(from_value(value, true, source, slice, prefix)?)),
        DocClass::Values => {
            Document::Values(Box::new(from_value(value, true, source, slice, prefix)?))
        }
        DocClass::UserInfo => {
            Document::UserInfo(Box::new(from_value(value, true, source, slice, prefix)?))
        }
        DocClass::Context => {
            Document::Context(Box::new(from_value(value, true, source, slice, prefix)?))
        }
        DocClass::Resource => Document::Resource(Resource::new(value)),
    };
    Ok(doc)
}

/// Loads every document of a YAML or JSON text (JSON when the first character is `{` or `[`).
///
/// ```
/// let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules: []\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: x}\n";
/// let out = policy_model::load_str("inline.yaml", text);
/// assert!(out.errors.is_empty());
/// assert_eq!(out.documents.len(), 2);
/// assert!(matches!(out.documents[0].document, policy_model::Document::Policy(_)));
/// ```
pub fn load_str(source_name: &str, text: &str) -> LoadOutcome {
    let source: Arc<str> = Arc::from(source_name);
    let mut out = LoadOutcome::default();
    for slice in split_stream(text) {
        match slice.parse(source_name) {
            Ok(value) => {
                let (docs, errors) = documents_from_value(value, &source, &slice);
                out.documents.extend(docs);
                out.errors.extend(errors);
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// Checks that bytes are UTF-8 (a leading BOM is dropped), naming the line of the first
/// invalid byte otherwise.
pub fn text_from_bytes<'b>(source_name: &str, bytes: &'b [u8]) -> Result<&'b str, LoadError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|b| *b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(valid.get(line_start..).unwrap_or_default())
            .chars()
            .count()
            + 1;
        LoadError::new(
            source_name,
            LoadErrorKind::Encoding,
            "invalid UTF-8: the input is not text",
        )
        .with_position(Some(Position {
            line,
            column,
            offset: e.valid_up_to(),
        }))
    })
}

/// Loads every document of a byte buffer (UTF-8 checked first).
pub fn load_bytes(source_name: &str, bytes: &[u8]) -> LoadOutcome {
    match text_from_bytes(source_name, bytes) {
        Ok(text) => load_str(source_name, text),
        Err(e) => LoadOutcome {
            documents: Vec::new(),
            errors: vec![e],
        },
    }
}

/// Loads every document of a reader, streaming: documents are split and parsed one at a
/// time (see [`DocumentReader`]); only the typed results are kept.
pub fn load_reader<R: BufRead>(source_name: &str, reader: R) -> LoadOutcome {
    let source: Arc<str> = Arc::from(source_name);
    let mut out = LoadOutcome::default();
    for doc in DocumentReader::new(source_name, reader) {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let slice = doc.slice();
        match slice.parse(source_name) {
            Ok(value) => {
                let (docs, errors) = documents_from_value(value, &source, &slice);
                out.documents.extend(docs);
                out.errors.extend(errors);
            }
            Err(e) => out.errors.push(e),
        }
    }
    out
}

/// Loads the documents of a text that must all be of type `T` (a Test file, a Values
/// file, ...), without dispatching on apiVersion/kind.
pub fn load_typed<T: TypedDocument>(
    source_name: &str,
    text: &str,
) -> Result<Vec<(T, Origin)>, LoadError> {
    let source: Arc<str> = Arc::from(source_name);
    let mut out = Vec::new();
    for slice in split_stream(text) {
        let value = slice.parse(source_name)?;
        let doc = from_value::<T>(value, T::STRICT, source_name, &slice, &FieldPath::root())?;
        let origin = Origin {
            source: Arc::clone(&source),
            document: slice.index,
            item: None,
            position: slice.stream_position(1, 1),
        };
        out.push((doc, origin));
    }
    Ok(out)
}

/// One document's text read from a stream, owned (see [`DocumentReader`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedDoc {
    /// The document's text.
    pub text: String,
    /// 0-based index in the stream.
    pub index: usize,
    /// 0-based line of the first line in the stream.
    pub line_offset: usize,
    /// Byte offset in the stream.
    pub byte_offset: usize,
    /// YAML or JSON.
    pub format: Format,
}

impl OwnedDoc {
    /// A borrowed slice, to parse or locate.
    pub fn slice(&self) -> DocSlice<'_> {
        DocSlice {
            text: &self.text,
            index: self.index,
            line_offset: self.line_offset,
            byte_offset: self.byte_offset,
            format: self.format,
        }
    }
}

/// Streams documents out of a reader one at a time, so a 100k-document snapshot never has
/// to be in memory as one text. YAML is split on `---`/`...` lines; a stream whose first
/// character is `{` or `[` is read as a stream of JSON values.
///
/// Yields unparsed documents: parse them with [`OwnedDoc::slice`] and [`DocSlice::parse`],
/// possibly on several threads.
pub struct DocumentReader<R> {
    reader: R,
    source: String,
    format: Option<Format>,
    line: String,
    line_no: usize,
    byte: usize,
    index: usize,
    seg: String,
    seg_line: usize,
    seg_byte: usize,
    seg_has_content: bool,
    json: JsonSplitter,
    pending: std::collections::VecDeque<OwnedDoc>,
    done: bool,
}

impl<R: BufRead> DocumentReader<R> {
    /// Reads documents from `reader`; `source_name` names it in errors.
    pub fn new(source_name: &str, reader: R) -> Self {
        Self {
            reader,
            source: source_name.to_owned(),
            format: None,
            line: String::new(),
            line_no: 0,
            byte: 0,
            index: 0,
            seg: String::new(),
            seg_line: 0,
            seg_byte: 0,
            seg_has_content: false,
            json: JsonSplitter::default(),
            pending: std::collections::VecDeque::new(),
            done: false,
        }
    }

    fn take_segment(&mut self, format: Format) -> Option<OwnedDoc> {
        let text = std::mem::take(&mut self.seg);
        let had = std::mem::replace(&mut self.seg_has_content, false);
        if !had {
            return None;
        }
        let doc = OwnedDoc {
            text,
            index: self.index,
            line_offset: self.seg_line,
            byte_offset: self.seg_byte,
            format,
        };
        self.index += 1;
        Some(doc)
    }
}

impl<R: BufRead> Iterator for DocumentReader<R> {
    type Item = Result<OwnedDoc, LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(doc) = self.pending.pop_front() {
                return Some(Ok(doc));
            }
            if self.done {
                return None;
            }
            self.line.clear();
            let read = match self.reader.read_line(&mut self.line) {
                Ok(n) => n,
                Err(e) => {
                    self.done = true;
                    let kind = if e.kind() == std::io::ErrorKind::InvalidData {
                        LoadErrorKind::Encoding
                    } else {
                        LoadErrorKind::Io
                    };
                    let msg = if kind == LoadErrorKind::Encoding {
                        "invalid UTF-8: the input is not text".to_owned()
                    } else {
                        format!("read failed: {e}")
                    };
                    return Some(Err(LoadError::new(&self.source, kind, msg).with_position(
                        Some(Position {
                            line: self.line_no + 1,
                            column: 1,
                            offset: self.byte,
                        }),
                    )));
                }
            };
            if read == 0 {
                self.done = true;
                let format = self.format.unwrap_or(Format::Yaml);
                return self.take_segment(format).map(Ok);
            }
            let mut read = read;
            if self.line_no == 0 && self.line.starts_with('\u{feff}') {
                self.line.drain(..'\u{feff}'.len_utf8());
                // Offsets count from after the BOM, as in `load_bytes`, which drops it first.
                read = read.saturating_sub('\u{feff}'.len_utf8());
            }
            let format = match self.format {
                Some(f) => f,
                None => {
                    let t = self.line.trim();
                    if t.is_empty() {
                        self.byte += read;
                        self.line_no += 1;
                        continue;
                    }
                    let f = if t.starts_with(['{', '[']) {
                        Format::Json
                    } else {
                        Format::Yaml
                    };
                    self.format = Some(f);
                    f
                }
            };
            let line = std::mem::take(&mut self.line);
            match format {
                Format::Yaml => {
                    if let Some(doc) = self.feed_yaml_line(&line) {
                        self.pending.push_back(doc);
                    }
                }
                Format::Json => self.feed_json_line(&line),
            }
            self.byte += read;
            self.line_no += 1;
            self.line = line;
        }
    }
}

impl<R: BufRead> DocumentReader<R> {
    fn feed_yaml_line(&mut self, line: &str) -> Option<OwnedDoc> {
        let is_marker = |m: &str| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        };
        let blank = {
            let t = line.trim();
            t.is_empty() || t.starts_with('#') || t.starts_with('%') || t == "---" || t == "..."
        };
        if is_marker("---") {
            let out = self.take_segment(Format::Yaml);
            self.seg.clear();
            self.seg.push_str(line);
            self.seg_line = self.line_no;
            self.seg_byte = self.byte;
            self.seg_has_content = !blank;
            out
        } else if is_marker("...") {
            let out = self.take_segment(Format::Yaml);
            self.seg.clear();
            self.seg_line = self.line_no + 1;
            self.seg_byte = self.byte + line.len();
            out
        } else {
            if self.seg.is_empty() {
                if line.trim().is_empty() {
                    // Leading blank lines are not part of a document (as split_documents).
                    return None;
                }
                self.seg_line = self.line_no;
                self.seg_byte = self.byte;
            }
            self.seg.push_str(line);
            if !blank {
                self.seg_has_content = true;
            }
            None
        }
    }

    fn feed_json_line(&mut self, line: &str) {
        // Several values may close on one line (`{..}{..}`): each becomes a document.
        let mut from = 0usize;
        for (i, c) in line.char_indices() {
            if !self.seg_has_content {
                if c.is_whitespace() || c == '\u{feff}' {
                    continue;
                }
                self.seg_has_content = true;
                self.seg_line = self.line_no;
                self.seg_byte = self.byte + i;
                from = i;
                self.seg.clear();
            }
            if self.json.feed(c) {
                let end = i + c.len_utf8();
                self.seg.push_str(line.get(from..end).unwrap_or(""));
                if let Some(doc) = self.take_segment(Format::Json) {
                    self.pending.push_back(doc);
                }
                from = end;
            }
        }
        if self.seg_has_content {
            self.seg.push_str(line.get(from..).unwrap_or(""));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str) -> Vec<OwnedDoc> {
        DocumentReader::new("s", text.as_bytes())
            .map(|d| d.unwrap())
            .collect()
    }

    #[test]
    fn reader_matches_in_memory_split_for_yaml() {
        let text = "# c\na: 1\n---\nb: 2\n---\n---\nc: |\n  x\n...\nd: 4\n";
        let streamed = read_all(text);
        let split = crate::yaml::split_documents(text);
        assert_eq!(streamed.len(), split.len());
        for (s, m) in streamed.iter().zip(split.iter()) {
            assert_eq!(s.index, m.index);
            assert_eq!(s.line_offset, m.line_offset, "{:?} vs {:?}", s.text, m.text);
            assert_eq!(
                s.slice().parse("s").unwrap(),
                m.parse("s").unwrap(),
                "document {}",
                s.index
            );
        }
    }

    #[test]
    fn reader_offsets_after_a_bom_match_load_bytes() {
        // fuzz/regressions/load/bom-second-document.yaml: the reader counted the BOM's three
        // bytes, `load_bytes` (BOM dropped first) did not.
        for bytes in [
            &b"\xef\xbb\xbfa: 1\n---\nb: 2\n"[..],
            b"\xef\xbb\xbf\n{\"a\": 1}\n{\"b\": 2}\n",
        ] {
            let in_memory = load_bytes("s", bytes);
            let streamed = load_reader("s", bytes);
            assert_eq!(in_memory.documents.len(), 2);
            assert_eq!(in_memory.documents, streamed.documents);
        }
    }

    #[test]
    fn reader_json_lines() {
        let text = "{\"a\": 1}\n{\"b\":\n [2]}\n";
        let docs = read_all(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].line_offset, 1);
        assert_eq!(
            docs[1].slice().parse("s").unwrap(),
            serde_json::json!({"b": [2]})
        );
    }

    #[test]
    fn reader_invalid_utf8_is_an_error() {
        let bytes: &[u8] = b"a: 1\nb: \xff\n";
        let mut r = DocumentReader::new("s", bytes);
        let err = r.find_map(Result::err).unwrap();
        assert_eq!(err.kind, LoadErrorKind::Encoding);
        assert_eq!(err.position.map(|p| p.line), Some(2));
    }

    #[test]
    fn list_items_are_unwrapped() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n";
        let out = load_str("l.yaml", text);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let names: Vec<_> = out
            .documents
            .iter()
            .map(|d| d.document.name().to_owned())
            .collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(out.documents[1].origin.item, Some(1));
    }

    #[test]
    fn typed_error_points_at_line_and_path() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    validate: oops\n";
        let out = load_str("p.yaml", text);
        let err = &out.errors[0];
        assert_eq!(
            err.to_string(),
            "p.yaml:8:15: spec.rules[0].validate: expected a mapping, found a string"
        );
    }
}
