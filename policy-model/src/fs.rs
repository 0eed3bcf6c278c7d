//! Reading files and walking directories — the only module of this crate that touches the
//! file system (feature `fs`). Paths are reported as given, so errors read
//! `policies/require-labels.yaml:14:9: ...`.
#![allow(clippy::disallowed_methods)] // INVARIANT: the crate's one I/O module.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{LoadError, LoadErrorKind};
use crate::load::{LoadOutcome, load_str, text_from_bytes};

/// How to walk directories.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// File extensions to take (without the dot).
    pub extensions: Vec<String>,
    /// Descend into hidden directories and take hidden files (`.kyverno-test/`).
    pub include_hidden: bool,
    /// Maximum directory depth (guards against symlink cycles as well).
    pub max_depth: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            extensions: vec!["yaml".into(), "yml".into(), "json".into()],
            include_hidden: false,
            max_depth: 64,
        }
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::new(
        &path.display().to_string(),
        LoadErrorKind::Io,
        format!("cannot read: {e}"),
    )
}

/// The files under `path`: the path itself when it is a file, else every file with one of
/// the extensions below it, recursively, in sorted (deterministic) order.
pub fn discover(path: &Path, options: &WalkOptions) -> Result<Vec<PathBuf>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, &e))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    walk(path, options, 0, &mut out, &mut seen)?;
    Ok(out.into_iter().collect())
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn walk(
    dir: &Path,
    options: &WalkOptions,
    depth: usize,
    out: &mut BTreeSet<PathBuf>,
    seen: &mut BTreeSet<PathBuf>,
) -> Result<(), LoadError> {
    if depth > options.max_depth {
        return Ok(());
    }
    // Symlink cycles: never enter the same real directory twice.
    if let Ok(real) = std::fs::canonicalize(dir)
        && !seen.insert(real)
    {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, &e))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if !options.include_hidden && is_hidden(&p) {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, options, depth + 1, out, seen)?;
        } else if meta.is_file() {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if options.extensions.iter().any(|x| x == ext) {
                out.insert(p);
            }
        }
    }
    Ok(())
}

/// Reads a file as UTF-8 text (a leading BOM is dropped).
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    let name = path.display().to_string();
    text_from_bytes(&name, &bytes).map(str::to_owned)
}

/// Loads every document of every file under `path` (see [`discover`]).
pub fn load_path(path: &Path, options: &WalkOptions) -> LoadOutcome {
    let mut out = LoadOutcome::default();
    let files = match discover(path, options) {
        Ok(f) => f,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    for file in files {
        match read_text(&file) {
            Ok(text) => out.extend(load_str(&file.display().to_string(), &text)),
            Err(e) => out.errors.push(e),
        }
    }
    out
}
