//! `policyctl check [--env ENV] [--now T] [-C DIR] [-o FORMAT]`: the whole workflow of a
//! policy repository described by its project manifest (`policyctl.yaml`, docs/project.md):
//! render the environment's chart or overlay, validate the rendered policies, evaluate every
//! resource on all cores, let the exceptions in force at `--now` (under the project's
//! governance) exempt, and report.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime};

use policy_eval::{Engine, EvalContext};
use policy_exceptions::{
    ExceptionRecord, Family, Governance, GovernanceConfig, KnownPolicies, Severity, Timestamp,
    assess_exception, reference_problems,
};
use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::kinds::autogen;
use policy_model::validate::{ProblemSeverity, validate_policy};
use policy_model::{
    Document, FailureAction, KyvernoPolicy, OwnedDoc, PolicyException, RuleResult, RuleStatus,
    TypedDocument, load_str, load_typed,
};
use policy_render::{Chart, RenderOptions, ValuesFile, build_overlay, to_yaml_stream};
use serde::Deserialize;
use serde_json::Value;

use crate::apply_cmd::{CHUNK, Progress, evaluate_chunk};
use crate::exceptions_cmd::parse_now;
use crate::report_cmd::{OutFormat, parse_rate};

/// The project manifest's file name, looked up in `-C DIR`.
pub(crate) const PROJECT_FILE: &str = "policyctl.yaml";
/// The only `apiVersion` a project manifest may have.
pub(crate) const PROJECT_API_VERSION: &str = "policyctl.dev/v1alpha1";
/// The only `kind` a project manifest may have.
pub(crate) const PROJECT_KIND: &str = "Project";

/// Arguments of `policyctl check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The environment (a key of `environments`; default: `defaultEnvironment`, or the only
    /// one).
    #[arg(long)]
    env: Option<String>,
    /// "Now" for exception expiry and time functions, RFC 3339 or YYYY-MM-DD (default: the
    /// current time).
    #[arg(long)]
    now: Option<String>,
    /// The project directory, holding `policyctl.yaml`.
    #[arg(short = 'C', long = "directory", default_value = ".")]
    dir: PathBuf,
    /// Output format: a summary and tables by default, or any `policyctl report` format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutFormat::Table)]
    output: OutFormat,
}

/// `policyctl.yaml` (docs/project.md). Unknown keys are errors, with their line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Project {
    api_version: String,
    kind: String,
    #[serde(default)]
    metadata: Option<ProjectMetadata>,
    /// The chart environments render when they name no overlay.
    #[serde(default)]
    chart: Option<String>,
    #[serde(default)]
    default_environment: Option<String>,
    environments: BTreeMap<String, Environment>,
    #[serde(default)]
    resources: Vec<String>,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    governance: Option<GovernanceRef>,
    #[serde(default)]
    rollout: Option<RolloutThresholds>,
}

impl TypedDocument for Project {
    // Field names are matched exactly (serde), not Go-style case-insensitively.
    const STRICT: bool = false;
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectMetadata {
    name: String,
}

/// One environment: an overlay, or the project's chart with values files and `--set`s.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Environment {
    #[serde(default)]
    overlay: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default)]
    set: Vec<String>,
    #[serde(default = "yes")]
    fail_on_governance_errors: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GovernanceRef {
    config: Option<String>,
}

/// Audit→Enforce thresholds for `policyctl rollout` (read by [`project_rollout`]; flags
/// override them); rates are ratios (`0.05`) or percentages (`5%`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RolloutThresholds {
    #[serde(default)]
    min_audit_days: Option<u32>,
    #[serde(default)]
    max_violation_rate: Option<String>,
    #[serde(default)]
    target_violation_rate: Option<String>,
}

/// A project's `rollout:` thresholds, parsed (rates as ratios); absent ones are `None`.
#[derive(Debug, Default)]
pub(crate) struct ProjectRollout {
    pub(crate) min_audit_days: Option<u32>,
    pub(crate) max_violation_rate: Option<f64>,
    pub(crate) target_violation_rate: Option<f64>,
}

/// Reads `DIR/policyctl.yaml` (checked as for `check`) and returns its `rollout:` block.
pub(crate) fn project_rollout(dir: &Path) -> anyhow::Result<ProjectRollout> {
    let project = load_project(dir)?;
    let Some(r) = &project.rollout else {
        return Ok(ProjectRollout::default());
    };
    let name = dir.join(PROJECT_FILE).display().to_string();
    let rate = |field: &str, v: &Option<String>| -> anyhow::Result<Option<f64>> {
        v.as_deref()
            .map(|v| parse_rate(v).map_err(|e| usage(format!("{name}: rollout.{field}: {e}"))))
            .transpose()
    };
    Ok(ProjectRollout {
        min_audit_days: r.min_audit_days,
        max_violation_rate: rate("maxViolationRate", &r.max_violation_rate)?,
        target_violation_rate: rate("targetViolationRate", &r.target_violation_rate)?,
    })
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::anyhow!(msg.into())
}

/// Reads and checks `DIR/policyctl.yaml`.
pub(crate) fn load_project(dir: &Path) -> anyhow::Result<Project> {
    let file = dir.join(PROJECT_FILE);
    let name = file.display().to_string();
    let text = read_text(&file).map_err(|e| usage(e.to_string()))?;
    let mut docs = load_typed::<Project>(&name, &text).map_err(|e| usage(e.to_string()))?;
    if docs.len() != 1 {
        return Err(usage(format!(
            "{name}: a project manifest holds one document"
        )));
    }
    let Some((project, _)) = docs.pop() else {
        return Err(usage(format!("{name}: empty")));
    };
    if project.api_version != PROJECT_API_VERSION {
        return Err(usage(format!(
            "{name}: apiVersion `{}` is not `{PROJECT_API_VERSION}`",
            project.api_version
        )));
    }
    if project.kind != PROJECT_KIND {
        return Err(usage(format!(
            "{name}: kind `{}` is not `{PROJECT_KIND}`",
            project.kind
        )));
    }
    if project.metadata.as_ref().is_some_and(|m| m.name.is_empty()) {
        return Err(usage(format!("{name}: metadata.name is empty")));
    }
    if project.environments.is_empty() {
        return Err(usage(format!(
            "{name}: environments: at least one is needed"
        )));
    }
    for (env_name, env) in &project.environments {
        match (&env.overlay, &project.chart) {
            (Some(_), _) if !env.values.is_empty() || !env.set.is_empty() => {
                return Err(usage(format!(
                    "{name}: environments.{env_name}: `values` and `set` belong in the overlay's \
                     base, not next to `overlay`"
                )));
            }
            (None, None) => {
                return Err(usage(format!(
                    "{name}: environments.{env_name}: no `overlay`, and the project has no `chart`"
                )));
            }
            _ => {}
        }
    }
    if let Some(r) = &project.rollout {
        for (field, v) in [
            ("maxViolationRate", &r.max_violation_rate),
            ("targetViolationRate", &r.target_violation_rate),
        ] {
            if let Some(v) = v {
                parse_rate(v).map_err(|e| usage(format!("{name}: rollout.{field}: {e}")))?;
            }
        }
    }
    if let Some(d) = &project.default_environment
        && !project.environments.contains_key(d)
    {
        return Err(usage(format!(
            "{name}: defaultEnvironment `{d}` is not one of the environments"
        )));
    }
    Ok(project)
}

/// Renders the environment's policies (overlay, else chart + values) as JSON documents.
fn render(
    dir: &Path,
    project: &Project,
    env_name: &str,
    env: &Environment,
) -> anyhow::Result<Vec<Value>> {
    if let Some(overlay) = &env.overlay {
        return build_overlay(&dir.join(overlay)).map_err(|e| anyhow::anyhow!("{e}"));
    }
    let Some(chart_dir) = &project.chart else {
        return Err(usage(format!(
            "environment `{env_name}` has nothing to render"
        )));
    };
    let chart = Chart::load(&dir.join(chart_dir)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut options = RenderOptions::default();
    for f in &env.values {
        let path = dir.join(f);
        let text = read_text(&path).map_err(|e| usage(e.to_string()))?;
        options.values_files.push(ValuesFile {
            name: path.display().to_string(),
            text,
        });
    }
    options.set.clone_from(&env.set);
    options.env = Some(env_name.to_owned());
    let rendered = chart.render(&options).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(rendered.documents.into_iter().map(|d| d.value).collect())
}

/// Documents of files under `paths` (relative to `dir`), with file and line.
fn load_files(dir: &Path, paths: &[String]) -> anyhow::Result<Vec<(Document, String, usize)>> {
    let mut out = Vec::new();
    for p in paths {
        for file in
            discover(&dir.join(p), &WalkOptions::default()).map_err(|e| usage(e.to_string()))?
        {
            let text = read_text(&file).map_err(|e| usage(e.to_string()))?;
            let name = file.display().to_string();
            let loaded = load_str(&name, &text);
            if let Some(e) = loaded.errors.first() {
                return Err(usage(e.to_string()));
            }
            for l in loaded.documents {
                out.push((l.document, name.clone(), l.origin.position.line));
            }
        }
    }
    Ok(out)
}

/// One exception reached twice (an overlay that carries it and the project's `exceptions:`
/// path, or two files) counts once. Two different documents with one family, namespace and
/// name are an error: the cluster would keep only one of them. The first is kept.
fn dedupe_exceptions(
    exceptions: Vec<(PolicyException, String)>,
    findings: &mut Findings,
) -> Vec<(PolicyException, String)> {
    let mut out: Vec<(PolicyException, String)> = Vec::with_capacity(exceptions.len());
    let mut names: Vec<(Family, String)> = Vec::with_capacity(exceptions.len());
    for (e, source) in exceptions {
        let record = ExceptionRecord::read(&e);
        let name = (record.family, record.key);
        let same_name = names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| out.get(i));
        match same_name {
            None => {
                out.push((e, source));
                names.push(name);
            }
            Some((kept, _)) if *kept == e => {}
            Some((_, first)) => findings.governance.push(GovProblem {
                exception: name.1,
                severity: Severity::Error,
                kind: "duplicate".to_owned(),
                message: format!(
                    "defined twice with different content, in {first} and in {source}; \
                     the first is used"
                ),
            }),
        }
    }
    out
}

/// A governance problem of one exception, for printing.
struct GovProblem {
    exception: String,
    severity: Severity,
    kind: String,
    message: String,
}

/// What `check` found, apart from the rule results.
#[derive(Default)]
struct Findings {
    invalid_policies: Vec<String>,
    governance: Vec<GovProblem>,
    exceptions_total: usize,
    exceptions_in_force: usize,
    resources: usize,
}

/// The environment `--env` names, else the project's default, else its only one.
fn environment_name(project: &Project, env: Option<&String>) -> anyhow::Result<String> {
    Ok(match (env, &project.default_environment) {
        (Some(e), _) | (None, Some(e)) => e.clone(),
        (None, None) if project.environments.len() == 1 => project
            .environments
            .keys()
            .next()
            .cloned()
            .unwrap_or_default(),
        (None, None) => {
            return Err(usage(
                "--env is required: the project has several environments and no defaultEnvironment",
            ));
        }
    })
}

/// One environment of a project, rendered (for `policyctl diff`).
pub(crate) struct ProjectEnvironment {
    /// The environment's name.
    pub env: String,
    /// The rendered documents (policies, and exceptions an overlay carries).
    pub documents: Vec<Value>,
    /// The project's resource paths (joined to its directory).
    pub resources: Vec<PathBuf>,
    /// The exceptions of the project's `exceptions:` paths.
    pub exceptions: Vec<PolicyException>,
    /// The project's governance (`governance.config`, else strict).
    pub governance: Governance,
}

fn project_governance(dir: &Path, project: &Project) -> anyhow::Result<Governance> {
    Ok(
        match project.governance.as_ref().and_then(|g| g.config.as_ref()) {
            Some(path) => {
                let path = dir.join(path);
                let text = read_text(&path).map_err(|e| usage(e.to_string()))?;
                let config = GovernanceConfig::from_yaml(&path.display().to_string(), &text)
                    .map_err(|e| usage(e.to_string()))?;
                Governance::new(config).map_err(|e| usage(format!("{}: {e}", path.display())))?
            }
            None => Governance::strict(),
        },
    )
}

/// A project directory's policies for one environment, rendered, with what `diff` needs
/// besides: resources, exceptions and governance.
pub(crate) fn project_environment(
    dir: &Path,
    env: Option<&String>,
) -> anyhow::Result<ProjectEnvironment> {
    let project = load_project(dir)?;
    let env_name = environment_name(&project, env)?;
    let Some(environment) = project.environments.get(&env_name) else {
        let known: Vec<&str> = project.environments.keys().map(String::as_str).collect();
        return Err(usage(format!(
            "--env `{env_name}` is not an environment of {} ({})",
            dir.join(PROJECT_FILE).display(),
            known.join(", ")
        )));
    };
    let documents = render(dir, &project, &env_name, environment)?;
    let resources = project.resources.iter().map(|r| dir.join(r)).collect();
    let exceptions = load_files(dir, &project.exceptions)?
        .into_iter()
        .filter_map(|(doc, _, _)| match doc {
            Document::Exception(e) => Some(e),
            _ => None,
        })
        .collect();
    Ok(ProjectEnvironment {
        env: env_name,
        documents,
        resources,
        exceptions,
        governance: project_governance(dir, &project)?,
    })
}

/// Whether `dir` holds a project manifest.
pub(crate) fn is_project(dir: &Path) -> bool {
    dir.join(PROJECT_FILE).is_file()
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let now = parse_now(args.now.as_deref())?;
    let project = load_project(&args.dir)?;
    let env_name = environment_name(&project, args.env.as_ref())?;
    let Some(env) = project.environments.get(&env_name) else {
        let known: Vec<&str> = project.environments.keys().map(String::as_str).collect();
        return Err(usage(format!(
            "--env `{env_name}` is not an environment of the project ({})",
            known.join(", ")
        )));
    };
    let mut findings = Findings::default();

    // Render, then read the rendered stream back as typed documents and validate them.
    let rendered = match render(&args.dir, &project, &env_name, env) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: environment `{env_name}`: {e:#}");
            return Ok(ExitCode::from(1));
        }
    };
    let stream = to_yaml_stream(&rendered).map_err(|e| anyhow::anyhow!("{e}"))?;
    let source = format!("{}#{env_name}", args.dir.join(PROJECT_FILE).display());
    let loaded = load_str(&source, &stream);
    for e in &loaded.errors {
        findings.invalid_policies.push(e.to_string());
    }
    let mut policies: Vec<KyvernoPolicy> = Vec::new();
    let mut exceptions: Vec<(PolicyException, String)> = Vec::new();
    for l in loaded.documents {
        match l.document {
            Document::Policy(p) => {
                for problem in validate_policy(&p) {
                    if problem.severity == ProblemSeverity::Error {
                        findings
                            .invalid_policies
                            .push(format!("policy {}: {problem}", p.qualified_name()));
                    }
                }
                policies.push(*p);
            }
            Document::Exception(e) => exceptions.push((e, source.clone())),
            _ => {}
        }
    }
    for (doc, file, line) in load_files(&args.dir, &project.exceptions)? {
        if let Document::Exception(e) = doc {
            exceptions.push((e, format!("{file}:{line}")));
        }
    }

    let exceptions = dedupe_exceptions(exceptions, &mut findings);

    // Governance: every problem is reported; only exceptions in force exempt.
    let gov = project_governance(&args.dir, &project)?;
    let mut known = KnownPolicies::new();
    for p in &policies {
        known.insert(
            p.qualified_name(),
            p.spec
                .rules
                .iter()
                .flat_map(|r| autogen::rule_names(&r.name)),
        );
    }
    for (e, _) in &exceptions {
        let a = assess_exception(e, now, &gov);
        let refs = reference_problems(&a.record, &known);
        for p in a.problems.iter().chain(&refs) {
            findings.governance.push(GovProblem {
                exception: a.record.key.clone(),
                severity: p.severity,
                kind: p.kind.as_str().to_owned(),
                message: p.message.clone(),
            });
        }
    }
    findings.exceptions_total = exceptions.len();
    let set = policy_exceptions::in_force(exceptions.into_iter().map(|(e, _)| e), now, &gov);
    let in_force = set.kyverno();
    findings.exceptions_in_force = in_force.len();
    let engine = Engine::builder()
        .policies(policies.iter().cloned())
        .exceptions(in_force)
        .exceptions_not_in_force(set.kyverno_not_in_force())
        .build()
        .map_err(|e| usage(e.to_string()))?;
    for s in engine.skipped() {
        findings.invalid_policies.push(format!(
            "policy {} is invalid and was skipped: {}",
            s.policy, s.reason
        ));
    }

    // Evaluate every resource, streamed in chunks evaluated on all cores.
    let system_now = SystemTime::UNIX_EPOCH
        + Duration::from_secs(
            u64::try_from(now.as_second()).map_err(|_| usage("--now is before 1970"))?,
        );
    let ctx = EvalContext {
        now: system_now,
        seed: 0,
        ..EvalContext::default()
    };
    let started = Instant::now();
    let progress = Progress::new();
    let mut results: Vec<RuleResult> = Vec::new();
    let mut load_errors = Vec::new();
    for p in &project.resources {
        for file in discover(&args.dir.join(p), &WalkOptions::default())
            .map_err(|e| usage(e.to_string()))?
        {
            let name = file.display().to_string();
            let f = std::fs::File::open(&file)
                .map_err(|e| usage(format!("{name}: cannot read: {e}")))?;
            let mut chunk: Vec<OwnedDoc> = Vec::with_capacity(CHUNK);
            for doc in policy_model::DocumentReader::new(&name, BufReader::new(f)) {
                match doc {
                    Ok(d) => chunk.push(d),
                    Err(e) => load_errors.push(e.to_string()),
                }
                if chunk.len() == CHUNK {
                    findings.resources += evaluate_chunk(
                        &engine,
                        &ctx,
                        &name,
                        &mut chunk,
                        &mut results,
                        &mut load_errors,
                    );
                    progress.update(findings.resources, started);
                }
            }
            findings.resources += evaluate_chunk(
                &engine,
                &ctx,
                &name,
                &mut chunk,
                &mut results,
                &mut load_errors,
            );
            progress.update(findings.resources, started);
        }
    }
    progress.finish();
    if !load_errors.is_empty() {
        for e in &load_errors {
            eprintln!("error: {e}");
        }
        return Ok(ExitCode::from(2));
    }

    // Report.
    let opts = policy_report::BuildOptions {
        now: policy_model::report::Timestamp {
            seconds: now.as_second(),
            nanos: 0,
        },
        process: Some(policy_report::Process::BackgroundScan),
        ..policy_report::BuildOptions::default()
    };
    let reports = policy_report::build_reports(&results, &opts);
    let locations = BTreeMap::new();
    let mut view = policy_report::View::new(&reports, &locations);
    let title = format!("policyctl check: {env_name}");
    view.title = &title;
    let rendered_report = policy_report::render(args.output.into(), &view)?;
    let counts = Counts::of(&results);
    let governance_errors = findings
        .governance
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let summary = summary_text(&env_name, now, &policies, &findings, &counts);
    if args.output == OutFormat::Table {
        print!("{summary}\n{rendered_report}");
    } else {
        eprint!("{summary}");
        print!("{rendered_report}");
    }
    let failed = counts.enforce_fail > 0
        || counts.error > 0
        || !findings.invalid_policies.is_empty()
        || (governance_errors > 0 && env.fail_on_governance_errors);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Rule results by status; failures split by the policy's action.
#[derive(Debug, Default)]
struct Counts {
    pass: usize,
    enforce_fail: usize,
    audit_fail: usize,
    warn: usize,
    error: usize,
    skip: usize,
}

impl Counts {
    fn of(results: &[RuleResult]) -> Self {
        let mut c = Self::default();
        for r in results {
            match (r.status, r.mode) {
                (RuleStatus::Pass, _) => c.pass += 1,
                (RuleStatus::Fail, FailureAction::Enforce) => c.enforce_fail += 1,
                (RuleStatus::Fail, _) => c.audit_fail += 1,
                (RuleStatus::Warn, _) => c.warn += 1,
                (RuleStatus::Error, _) => c.error += 1,
                (RuleStatus::Skip, _) => c.skip += 1,
            }
        }
        c
    }
}

fn summary_text(
    env: &str,
    now: Timestamp,
    policies: &[KyvernoPolicy],
    f: &Findings,
    c: &Counts,
) -> String {
    let enforce = policies
        .iter()
        .filter(|p| p.validation_failure_action() == FailureAction::Enforce)
        .count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Checking environment `{env}` at {now}: {} policies ({enforce} Enforce, {} Audit), \
         {} resources, {} exceptions ({} in force)",
        policies.len(),
        policies.len() - enforce,
        f.resources,
        f.exceptions_total,
        f.exceptions_in_force,
    );
    for p in &f.invalid_policies {
        let _ = writeln!(out, "error: {p}");
    }
    for p in &f.governance {
        let _ = writeln!(
            out,
            "{}: exception {}: {}: {}",
            p.severity.as_str(),
            p.exception,
            p.kind,
            p.message
        );
    }
    let gov_errors = f
        .governance
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let _ = writeln!(
        out,
        "pass: {}, fail: {} (enforce: {}, audit: {}), warn: {}, error: {}, skip: {}; \
         governance errors: {gov_errors}, warnings: {}; invalid policies: {}",
        c.pass,
        c.enforce_fail + c.audit_fail,
        c.enforce_fail,
        c.audit_fail,
        c.warn,
        c.error,
        c.skip,
        f.governance.len() - gov_errors,
        f.invalid_policies.len(),
    );
    out
}
