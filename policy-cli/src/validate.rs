//! `policyctl validate PATH...`.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceCode,
};
use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::validate::{
    Problem, ProblemSeverity, validate_cel_policy, validate_exception, validate_policy,
};
use policy_model::{Document, FieldPath, LoadError, Position, load_str, split_stream};

/// Arguments of `policyctl validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Files or directories (searched recursively for .yaml, .yml and .json).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Also descend into hidden directories (such as `.kyverno-test/`).
    #[arg(long)]
    hidden: bool,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

/// One diagnostic, rendered by miette with the source line.
#[derive(Debug)]
struct Report {
    severity: Severity,
    code: Option<String>,
    headline: String,
    label: String,
    source: Arc<NamedSource<String>>,
    offset: Option<usize>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.offset.map(|_| self.source.as_ref() as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let offset = self.offset?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.label.clone()),
            offset,
            1,
        ))))
    }
}

fn location(pos: Option<Position>) -> String {
    pos.map(|p| format!(":{}:{}", p.line, p.column))
        .unwrap_or_default()
}

struct Printer {
    handler: GraphicalReportHandler,
    errors: usize,
    warnings: usize,
}

impl Printer {
    fn emit(&mut self, report: &Report) {
        match report.severity {
            Severity::Error => self.errors += 1,
            _ => self.warnings += 1,
        }
        let mut out = String::new();
        if self.handler.render_report(&mut out, report).is_err() {
            out = report.headline.clone();
        }
        eprintln!("{out}");
    }

    fn load_error(&mut self, e: &LoadError, source: &Arc<NamedSource<String>>) {
        let path = e
            .path
            .as_ref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        self.emit(&Report {
            severity: Severity::Error,
            code: Some(format!("load::{:?}", e.kind).to_lowercase()),
            headline: e.to_string(),
            label: format!("{path}{}", e.message),
            source: Arc::clone(source),
            offset: e.position.map(|p| p.offset),
        });
    }

    fn problem(
        &mut self,
        file: &str,
        p: &Problem,
        pos: Option<Position>,
        source: &Arc<NamedSource<String>>,
        strict: bool,
    ) {
        let severity = match p.severity {
            ProblemSeverity::Error => Severity::Error,
            ProblemSeverity::Warning if strict => Severity::Error,
            ProblemSeverity::Warning => Severity::Warning,
        };
        self.emit(&Report {
            severity,
            code: Some(format!("validate::{}", p.code)),
            headline: format!("{file}{}: {}: {}", location(pos), p.path, p.message),
            label: p.message.clone(),
            source: Arc::clone(source),
            offset: pos.map(|p| p.offset),
        });
    }
}

pub(crate) fn run(args: &Args, color: bool) -> anyhow::Result<ExitCode> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut printer = Printer {
        handler: GraphicalReportHandler::new_themed(theme).with_context_lines(2),
        errors: 0,
        warnings: 0,
    };
    let options = WalkOptions {
        include_hidden: args.hidden,
        ..WalkOptions::default()
    };
    let mut files = Vec::new();
    for path in &args.paths {
        files.extend(discover(path, &options).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    // Chart templates are not YAML until rendered (`policyctl render`, `policyctl check`).
    files.retain(|f| !is_chart_template(f));
    let mut documents = 0usize;
    for file in &files {
        let name = file.display().to_string();
        let text = match read_text(file) {
            Ok(t) => t,
            Err(e) => {
                let source = Arc::new(NamedSource::new(name.clone(), String::new()));
                printer.load_error(&e, &source);
                continue;
            }
        };
        let source = Arc::new(NamedSource::new(name.clone(), text.clone()).with_language("yaml"));
        let outcome = load_str(&name, &text);
        for e in &outcome.errors {
            printer.load_error(e, &source);
        }
        let slices = split_stream(&text);
        for loaded in &outcome.documents {
            documents += 1;
            let problems = match &loaded.document {
                Document::Policy(p) => validate_policy(p),
                Document::CelPolicy(p) => validate_cel_policy(p),
                Document::Exception(e) => validate_exception(e),
                _ => Vec::new(),
            };
            let slice = slices.iter().find(|s| s.index == loaded.origin.document);
            for p in &problems {
                let full = match loaded.origin.item {
                    Some(i) => {
                        let mut prefixed = FieldPath::root().key("items").index(i);
                        for seg in p.path.segments() {
                            match seg {
                                policy_model::PathSegment::Key(k) => prefixed.push_key(k.clone()),
                                policy_model::PathSegment::Index(n) => prefixed.push_index(*n),
                            }
                        }
                        prefixed
                    }
                    None => p.path.clone(),
                };
                let pos = slice.and_then(|s| s.locate(&full, p.at_key));
                printer.problem(&name, p, pos, &source, args.strict);
            }
        }
    }
    eprintln!(
        "{} document{} in {} file{}: {} error{}, {} warning{}",
        documents,
        plural(documents),
        files.len(),
        plural(files.len()),
        printer.errors,
        plural(printer.errors),
        printer.warnings,
        plural(printer.warnings),
    );
    Ok(if printer.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A file below the `templates/` directory of a chart (a directory with a `Chart.yaml`).
fn is_chart_template(file: &std::path::Path) -> bool {
    file.ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir
                .parent()
                .is_some_and(|chart| chart.join("Chart.yaml").is_file())
    })
}
