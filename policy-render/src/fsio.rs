//! File access for charts and overlays, confined to one root directory.
//!
//! A chart reads only below its own directory, an overlay only below its own (its bases
//! are separate roots). Paths are resolved through symlinks before the check, so neither
//! `../` nor a symlink can reach outside the root. Names in errors are the paths as given
//! by the caller (`charts/security/templates/x.yaml`), not canonical ones.
#![allow(clippy::disallowed_methods)] // INVARIANT: the crate's one I/O module; every read is checked against the root.

use std::path::{Component, Path, PathBuf};

use crate::error::{RenderError, RenderErrorKind};

/// Deepest directory nesting walked (guards against symlink loops as well).
const MAX_DEPTH: usize = 32;

/// A directory the renderer may read below.
#[derive(Clone, Debug)]
pub(crate) struct Root {
    /// As given, for messages.
    shown: PathBuf,
    /// Canonical, for containment checks.
    real: PathBuf,
}

fn io_error(path: &Path, e: &std::io::Error) -> RenderError {
    let what = match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        _ => e.to_string().to_lowercase(),
    };
    RenderError::new(RenderErrorKind::Io, format!("cannot read: {what}"))
        .with_file(path.display().to_string())
}

impl Root {
    /// Opens `dir` as a root; it must be a directory.
    pub(crate) fn open(dir: &Path) -> Result<Self, RenderError> {
        let real = std::fs::canonicalize(dir).map_err(|e| io_error(dir, &e))?;
        if !real.is_dir() {
            return Err(RenderError::new(RenderErrorKind::Io, "not a directory")
                .with_file(dir.display().to_string()));
        }
        Ok(Self {
            shown: dir.to_path_buf(),
            real,
        })
    }

    /// The canonical path (identity for cycle detection).
    pub(crate) fn real(&self) -> &Path {
        &self.real
    }

    /// The path as given by the caller.
    pub(crate) fn shown(&self) -> &Path {
        &self.shown
    }

    /// How to name `rel` in messages.
    pub(crate) fn display(&self, rel: &Path) -> String {
        self.shown.join(rel).display().to_string()
    }

    /// Resolves `rel` (relative to the root) and checks it stays inside.
    fn resolve(&self, rel: &Path) -> Result<PathBuf, RenderError> {
        if rel.is_absolute() || rel.components().any(|c| matches!(c, Component::Prefix(_))) {
            return Err(outside(&self.display(rel)));
        }
        let joined = self.real.join(rel);
        let real =
            std::fs::canonicalize(&joined).map_err(|e| io_error(&self.shown.join(rel), &e))?;
        if !real.starts_with(&self.real) {
            return Err(outside(&self.display(rel)));
        }
        Ok(real)
    }

    /// True when `rel` exists inside the root.
    pub(crate) fn exists(&self, rel: &Path) -> bool {
        self.resolve(rel).is_ok()
    }

    /// True when `rel` is a directory inside the root.
    pub(crate) fn is_dir(&self, rel: &Path) -> bool {
        self.resolve(rel).is_ok_and(|p| p.is_dir())
    }

    /// Reads a UTF-8 file inside the root.
    pub(crate) fn read(&self, rel: &Path) -> Result<String, RenderError> {
        let real = self.resolve(rel)?;
        let bytes = std::fs::read(&real).map_err(|e| io_error(&self.shown.join(rel), &e))?;
        String::from_utf8(bytes).map_err(|_| {
            RenderError::new(RenderErrorKind::Io, "not valid UTF-8").with_file(self.display(rel))
        })
    }

    /// Every file below `rel_dir` (recursively, sorted), as paths relative to the root,
    /// whose name satisfies `take`. Hidden files and directories are skipped.
    pub(crate) fn files(
        &self,
        rel_dir: &Path,
        take: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<PathBuf>, RenderError> {
        let mut out = Vec::new();
        self.walk(rel_dir, take, 0, &mut out)?;
        out.sort();
        Ok(out)
    }

    fn walk(
        &self,
        rel_dir: &Path,
        take: &dyn Fn(&str) -> bool,
        depth: usize,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), RenderError> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let real = self.resolve(rel_dir)?;
        let entries =
            std::fs::read_dir(&real).map_err(|e| io_error(&self.shown.join(rel_dir), &e))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        for name in names {
            if name.starts_with('.') {
                continue;
            }
            let rel = rel_dir.join(&name);
            let Ok(real) = self.resolve(&rel) else {
                // Dangling or escaping symlinks are not part of the tree.
                continue;
            };
            if real.is_dir() {
                self.walk(&rel, take, depth + 1, out)?;
            } else if take(&name) {
                out.push(rel);
            }
        }
        Ok(())
    }
}

fn outside(shown: &str) -> RenderError {
    RenderError::new(
        RenderErrorKind::Io,
        "path is outside the chart or overlay directory",
    )
    .with_file(shown)
}

/// Canonical form of a directory (for identifying overlay bases).
pub(crate) fn canonical(dir: &Path) -> Result<PathBuf, RenderError> {
    std::fs::canonicalize(dir).map_err(|e| io_error(dir, &e))
}
