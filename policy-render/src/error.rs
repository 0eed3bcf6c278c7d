//! The crate's error type: every error names what it can of file, line, template, values
//! path, overlay patch, target document and JSON pointer.

use std::fmt;

/// What went wrong while rendering or building.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RenderErrorKind {
    /// A file or directory could not be read, or lies outside its chart/overlay root.
    Io,
    /// A YAML or JSON input (Chart.yaml, values, overlay.yaml, a resource) is malformed.
    Syntax,
    /// `Chart.yaml` or `overlay.yaml` is missing a field or has one of the wrong shape.
    Invalid,
    /// A `--set`, `--set-string` or `--set-json` argument cannot be parsed.
    SetSyntax,
    /// The coalesced values do not satisfy `values.schema.json`.
    Schema,
    /// A template does not compile (bad syntax).
    TemplateSyntax,
    /// A template uses a value that is not defined (a mistyped values path).
    Undefined,
    /// A template failed while rendering (`required`, `fail`, a bad filter argument,
    /// fuel exhausted).
    Template,
    /// A rendered template is not valid YAML.
    RenderedYaml,
    /// Overlay bases reference each other in a cycle.
    Cycle,
    /// A patch target selects no document.
    TargetNotFound,
    /// A patch could not be applied (bad pointer, failed `test`, rule name not found).
    Patch,
    /// Two documents with the same identity (group, kind, namespace, name).
    Duplicate,
    /// The output could not be serialized.
    Output,
}

/// An error from rendering a chart or building an overlay.
///
/// Displayed as `file:line:column: context: message`, where context lists (when known)
/// the template, the values path, the patch index, the target document and the pointer:
///
/// ```text
/// overlays/production/overlay.yaml:12:5: patches[1]: target `ClusterPolicy/require-team`: pointer `/spec/rules/[name=nope]`: no element of `/spec/rules` has `name` = `nope`
/// charts/security/templates/network.yaml:7: undefined value `Values.policies.netwrk.action`
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub struct RenderError {
    /// The class of error.
    pub kind: RenderErrorKind,
    /// The file the error is in: a template, values file, `overlay.yaml`, a resource.
    pub file: Option<String>,
    /// 1-based line in `file`, when known.
    pub line: Option<usize>,
    /// 1-based column in `file`, when known.
    pub column: Option<usize>,
    /// The values path (`policies.network.action`) an undefined or invalid value sits at.
    pub values_path: Option<String>,
    /// For overlay errors, the 0-based index of the patch in `patches`.
    pub patch: Option<usize>,
    /// For overlay errors, the document the patch was applied to (`Kind/name`).
    pub target: Option<String>,
    /// The JSON pointer that failed.
    pub pointer: Option<String>,
    /// The message: lower-case, user values in backticks, no position.
    pub message: String,
}

impl RenderError {
    pub(crate) fn new(kind: RenderErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            file: None,
            line: None,
            column: None,
            values_path: None,
            patch: None,
            target: None,
            pointer: None,
            message: message.into(),
        }
    }

    pub(crate) fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub(crate) fn with_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub(crate) fn with_values_path(mut self, path: impl Into<String>) -> Self {
        self.values_path = Some(path.into());
        self
    }

    pub(crate) fn with_patch(mut self, index: usize) -> Self {
        self.patch = Some(index);
        self
    }

    pub(crate) fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Converts a model load error (from parsing YAML) into a render error of `kind`.
    pub(crate) fn from_load(kind: RenderErrorKind, e: &policy_model::LoadError) -> Self {
        let mut out = Self::new(kind, e.message.clone()).with_file(e.source_name.clone());
        if let Some(p) = e.position {
            out.line = Some(p.line);
            out.column = Some(p.column);
        }
        if let Some(path) = &e.path {
            out.values_path = Some(path.to_string());
        }
        out
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(file) = &self.file {
            f.write_str(file)?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            sep = ": ";
        }
        if let Some(i) = self.patch {
            write!(f, "{sep}patches[{i}]")?;
            sep = ": ";
        }
        if let Some(t) = &self.target {
            write!(f, "{sep}target `{t}`")?;
            sep = ": ";
        }
        if let Some(p) = &self.pointer {
            write!(f, "{sep}pointer `{p}`")?;
            sep = ": ";
        }
        write!(f, "{sep}{}", self.message)
    }
}
