//! Loading a `kyverno-test.yaml` and everything it references into a
//! [`policy_eval::kyverno_test::SuiteInput`], then running it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use policy_eval::kyverno_test::{
    SuiteInput, SuiteOutcome, SuiteStatus, normalize_resource, run_suite,
};
use policy_eval::{ApiCallMock, ExternalData};
use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::{Document, PolicyException, Test, UserInfoFile, Values, load_str, load_typed};
use serde_json::Value;

/// One suite's result, with the path it came from.
#[derive(Clone, Debug)]
pub struct SuiteReport {
    /// The test file, as found.
    pub path: PathBuf,
    /// The test's `metadata.name`.
    pub name: String,
    /// The outcome.
    pub outcome: SuiteOutcome,
}

/// Finds test files named `file_name` under `paths` (recursively, hidden directories
/// included, as `kyverno test` does), sorted.
pub fn find_tests(paths: &[PathBuf], file_name: &str) -> Result<Vec<PathBuf>, String> {
    let options = WalkOptions {
        include_hidden: true,
        ..WalkOptions::default()
    };
    let mut out = BTreeSet::new();
    for p in paths {
        for f in discover(p, &options).map_err(|e| e.to_string())? {
            if f.file_name().and_then(|n| n.to_str()) == Some(file_name) {
                out.insert(f);
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn error(path: &Path, name: &str, reason: String) -> SuiteReport {
    SuiteReport {
        path: path.to_path_buf(),
        name: name.to_owned(),
        outcome: SuiteOutcome {
            status: SuiteStatus::Error,
            reason: Some(reason),
            rows: Vec::new(),
        },
    }
}

/// Loads and runs every Test document of one test file.
pub fn run_test_file(path: &Path, now: SystemTime) -> Vec<SuiteReport> {
    let text = match read_text(path) {
        Ok(t) => t,
        Err(e) => return vec![error(path, "", e.to_string())],
    };
    let name = path.display().to_string();
    let tests = match load_typed::<Test>(&name, &text) {
        Ok(t) => t,
        Err(e) => return vec![error(path, "", e.to_string())],
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    tests
        .into_iter()
        .map(|(test, _)| {
            let test_name = test.metadata.name_or_empty().to_owned();
            if test.api_version.is_empty() || test.kind.is_empty() {
                return error(
                    path,
                    &test_name,
                    "the test uses a deprecated schema (empty apiVersion or kind)".to_owned(),
                );
            }
            match load_suite(dir, test, now) {
                Ok(input) => SuiteReport {
                    path: path.to_path_buf(),
                    name: test_name,
                    outcome: run_suite(&input),
                },
                Err(e) => error(path, &test_name, e),
            }
        })
        .collect()
}

fn resolve(dir: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

fn load_documents(dir: &Path, paths: &[String], hidden: bool) -> Result<Vec<Document>, String> {
    let options = WalkOptions {
        include_hidden: hidden,
        extensions: vec!["yaml".into(), "yml".into(), "json".into()],
        ..WalkOptions::default()
    };
    let mut seen = BTreeSet::new();
    let mut docs = Vec::new();
    for p in paths {
        if !seen.insert(p.clone()) {
            continue; // CLI-1.4
        }
        let full = resolve(dir, p);
        if let Some(rendered) = rendered_policies(&full)? {
            docs.extend(rendered);
            continue;
        }
        for file in discover(&full, &options).map_err(|e| e.to_string())? {
            let text = read_text(&file).map_err(|e| e.to_string())?;
            let out = load_str(&file.display().to_string(), &text);
            if let Some(e) = out.errors.first() {
                return Err(e.to_string());
            }
            docs.extend(out.documents.into_iter().map(|l| l.document));
        }
    }
    Ok(docs)
}

/// Where a policy path points into a chart or an overlay, the policies it renders to; `None`
/// for a plain file or directory, read as `kyverno test` reads it.
///
/// A policy repository keeps its policies as a chart (`[[ ]]` templates) and overlays, so its
/// `kyverno test` suites name those instead of rendered copies:
/// - a directory with `overlay.yaml`: the overlay, built (`policyctl build DIR`);
/// - a chart directory (with `Chart.yaml`): the chart rendered with its default values;
/// - a file under a chart's `templates/`: the documents that template renders to, with the
///   chart's default values.
pub fn rendered_policies(path: &Path) -> Result<Option<Vec<Document>>, String> {
    let (values, origin) = if path.is_dir() && path.join("overlay.yaml").is_file() {
        let docs = policy_render::build_overlay(path).map_err(|e| e.to_string())?;
        (docs, path.display().to_string())
    } else if path.is_dir() && path.join("Chart.yaml").is_file() {
        let chart = policy_render::Chart::load(path).map_err(|e| e.to_string())?;
        let rendered = chart
            .render(&policy_render::RenderOptions::default())
            .map_err(|e| e.to_string())?;
        (rendered.values_list(), path.display().to_string())
    } else if let Some((chart_dir, template)) = chart_template(path) {
        let chart = policy_render::Chart::load(&chart_dir).map_err(|e| e.to_string())?;
        let rendered = chart
            .render(&policy_render::RenderOptions::default())
            .map_err(|e| e.to_string())?;
        let docs: Vec<Value> = rendered
            .documents
            .into_iter()
            .filter(|d| d.template == template || d.template.starts_with(&format!("{template}/")))
            .map(|d| d.value)
            .collect();
        if docs.is_empty() {
            return Err(format!(
                "{}: the chart in {} renders no document from `{template}` with its default values",
                path.display(),
                chart_dir.display()
            ));
        }
        (docs, path.display().to_string())
    } else {
        return Ok(None);
    };
    // Read the rendered stream back as `policyctl check` does, so a rendered document gets
    // the same typed decoding and errors as a file would.
    let stream = policy_render::to_yaml_stream(&values).map_err(|e| e.to_string())?;
    let out = load_str(&format!("{origin} (rendered)"), &stream);
    if let Some(e) = out.errors.first() {
        return Err(e.to_string());
    }
    Ok(Some(
        out.documents.into_iter().map(|l| l.document).collect(),
    ))
}

/// `(chart directory, template path inside the chart)` when `path` lies under the
/// `templates/` directory of a chart (a directory holding `Chart.yaml`).
fn chart_template(path: &Path) -> Option<(PathBuf, String)> {
    let mut parts = Vec::new();
    let mut current = path;
    while let Some(parent) = current.parent() {
        let name = current.file_name()?.to_str()?.to_owned();
        if name == "templates" && parent.join("Chart.yaml").is_file() {
            parts.push(name);
            parts.reverse();
            return Some((parent.to_path_buf(), parts.join("/")));
        }
        parts.push(name);
        current = parent;
    }
    None
}

/// Loads the files a Test references (CLI-2, CLI-5).
pub fn load_suite(dir: &Path, test: Test, now: SystemTime) -> Result<SuiteInput, String> {
    let mut input = SuiteInput {
        now: Some(now),
        ..SuiteInput::default()
    };
    for doc in load_documents(dir, &test.policies, false)? {
        match doc {
            Document::Policy(p) => input.policies.push(*p),
            Document::CelPolicy(p) => input
                .unsupported_policies
                .push((p.kind.clone(), p.name().to_owned())),
            Document::AdmissionPolicy(p) => input
                .unsupported_policies
                .push((p.kind.clone(), p.metadata.name_or_empty().to_owned())),
            _ => {}
        }
    }
    for doc in load_documents(dir, &test.resources, false)? {
        if let Ok(v) = doc.to_value() {
            input.resources.push(normalize_resource(v));
        }
    }
    if let Some(values) = &test.values {
        input.values = Some(values.clone());
    } else if let Some(file) = &test.variables {
        let path = resolve(dir, file);
        let text = read_text(&path).map_err(|e| e.to_string())?;
        let docs =
            load_typed::<Values>(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
        input.values = docs.into_iter().next().map(|(v, _)| v.into_spec());
    }
    if let Some(file) = &test.userinfo {
        let path = resolve(dir, file);
        let text = read_text(&path).map_err(|e| e.to_string())?;
        let docs = load_typed::<UserInfoFile>(&path.display().to_string(), &text)
            .map_err(|e| e.to_string())?;
        input.user = docs.into_iter().next().map(|(u, _)| u);
    }
    let mut exceptions = Vec::new();
    for doc in load_documents(dir, &test.exceptions, false)? {
        match doc {
            Document::Exception(e @ PolicyException::Kyverno(_)) => exceptions.push(e),
            Document::Exception(PolicyException::Cel(_)) => {}
            other => {
                return Err(format!(
                    "`{}` in the exceptions files is not a PolicyException",
                    other.kind()
                ));
            }
        }
    }
    // Only exceptions in force at `now` exempt (expired or malformed dates do not).
    let instant = jiff::Timestamp::try_from(now).map_err(|e| e.to_string())?;
    input.exceptions = policy_exceptions::in_force(
        exceptions,
        instant,
        &policy_exceptions::Governance::expiry_only(),
    )
    .kyverno();
    let mut external = ExternalData::default();
    for mock in &test.api_call_responses {
        let url = mock
            .get("urlPath")
            .or_else(|| mock.get("url"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let method = mock
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let response = mock.get("response").cloned().unwrap_or(Value::Null);
        let status = response
            .get("statusCode")
            .and_then(Value::as_u64)
            .map_or(200, |s| u16::try_from(s).unwrap_or(500));
        let body = response.get("body").cloned().unwrap_or(Value::Null);
        external.api_calls.push(ApiCallMock {
            url,
            method,
            status,
            body,
        });
    }
    for entry in &test.global_context_entries {
        if let (Some(name), Some(data)) =
            (entry.get("name").and_then(Value::as_str), entry.get("data"))
        {
            external
                .global_context
                .insert(name.to_owned(), data.clone());
        }
    }
    input.external = external;
    input.test = test;
    Ok(input)
}
