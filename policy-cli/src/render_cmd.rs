//! `policyctl render` (a chart, like `helm template`) and `policyctl build` (an overlay,
//! like `kustomize build`). Every decision lives in `policy_render`; this module reads the
//! `-f` files, prints or writes the output, and picks the exit code.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use policy_render::{RenderError, RenderErrorKind, RenderOptions, ValuesFile};
use serde_json::Value;

#[derive(Debug, clap::Args)]
pub(crate) struct RenderArgs {
    /// The chart directory (Chart.yaml, values.yaml, templates/).
    chart: PathBuf,
    /// A values file, layered over the chart's values.yaml; repeat to layer left to right.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// Set values (`a.b=1,c[0]=x`), typed like Helm's `--set`; applied after `--set-json`.
    #[arg(long = "set", value_name = "K=V")]
    set: Vec<String>,
    /// Set values as strings, never typed; applied last.
    #[arg(long = "set-string", value_name = "K=V")]
    set_string: Vec<String>,
    /// Set values to JSON (`a={"b":1}`); applied right after the `-f` files.
    #[arg(long = "set-json", value_name = "K=JSON")]
    set_json: Vec<String>,
    /// The environment name, `Env` in templates.
    #[arg(long, value_name = "NAME")]
    env: Option<String>,
    /// `Release.Name` (default: the chart's name).
    #[arg(long, value_name = "NAME")]
    release_name: Option<String>,
    /// `Release.Namespace` (default: `default`).
    #[arg(short = 'n', long, value_name = "NS")]
    namespace: Option<String>,
    /// Write one file per document into DIR instead of printing a stream.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct BuildArgs {
    /// The overlay directory (with overlay.yaml).
    overlay: PathBuf,
    /// Write one file per document into DIR instead of printing a stream.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    output_dir: Option<PathBuf>,
}

/// Exit 2 for unreadable input, 1 for everything else the chart or overlay got wrong.
fn failed(e: &RenderError) -> ExitCode {
    eprintln!("error: {e}");
    if e.kind == RenderErrorKind::Io {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

pub(crate) fn run_render(args: &RenderArgs) -> Result<ExitCode> {
    let mut options = RenderOptions::default();
    for f in &args.values {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read values file `{}`", f.display()))?;
        options.values_files.push(ValuesFile {
            name: f.display().to_string(),
            text,
        });
    }
    options.set.clone_from(&args.set);
    options.set_string.clone_from(&args.set_string);
    options.set_json.clone_from(&args.set_json);
    options.env.clone_from(&args.env);
    options.release_name.clone_from(&args.release_name);
    options.namespace.clone_from(&args.namespace);
    let chart = match policy_render::Chart::load(&args.chart) {
        Ok(c) => c,
        Err(e) => return Ok(failed(&e)),
    };
    let rendered = match chart.render(&options) {
        Ok(r) => r,
        Err(e) => return Ok(failed(&e)),
    };
    match &args.output_dir {
        Some(dir) => write_dir(dir, &rendered.values_list())?,
        None => match rendered.to_yaml() {
            Ok(text) => print_stream(&text)?,
            Err(e) => return Ok(failed(&e)),
        },
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_build(args: &BuildArgs) -> Result<ExitCode> {
    let docs = match policy_render::build_overlay(&args.overlay) {
        Ok(d) => d,
        Err(e) => return Ok(failed(&e)),
    };
    match &args.output_dir {
        Some(dir) => write_dir(dir, &docs)?,
        None => match policy_render::to_yaml_stream(&docs) {
            Ok(text) => print_stream(&text)?,
            Err(e) => return Ok(failed(&e)),
        },
    }
    Ok(ExitCode::SUCCESS)
}

fn print_stream(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("cannot write to stdout")?;
    out.flush().context("cannot write to stdout")
}

/// One file per document, each written atomically (a temporary file in the same
/// directory, then a rename), so a reader never sees half a document.
fn write_dir(dir: &Path, docs: &[Value]) -> Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create output directory `{}`", dir.display()))?;
    let names = policy_render::file_names(docs);
    for (doc, name) in docs.iter().zip(names) {
        let text = policy_render::output::yaml_value(doc).map_err(|e| anyhow::anyhow!("{e}"))?;
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text.as_bytes())
            .with_context(|| format!("cannot write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(())
}
