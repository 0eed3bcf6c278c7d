//! `policyctl diff --base DIR --head DIR --resources PATH...`: what a policy change does
//! before it merges — rules added, removed or changed, Audit→Enforce switches, scope changes,
//! and the resources that newly fail or newly pass on a snapshot.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use policy_eval::kyverno_test::normalize_resource;
use policy_eval::{Engine, EvalContext};
use policy_model::fs::{WalkOptions, discover, read_text};
use policy_model::kinds::autogen;
use policy_model::{Document, FailureAction, KyvernoPolicy, PolicyException, RuleStatus, load_str};
use serde_json::{Value, json};

/// Output formats of `policyctl diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Markdown for a pull-request comment.
    Markdown,
    /// JSON.
    Json,
}

/// Arguments of `policyctl diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Policies before the change: files or directories of policies, a chart, an overlay, or
    /// a project directory (with `policyctl.yaml`, rendered for `--env`).
    #[arg(long)]
    base: Vec<PathBuf>,
    /// Policies after the change, in the same forms as `--base`.
    #[arg(long)]
    head: Vec<PathBuf>,
    /// The environment to render project directories for (default: the project's default
    /// environment).
    #[arg(long)]
    env: Option<String>,
    /// "Now" (RFC 3339 or a date) for time functions and which exceptions are in force
    /// (default: the current time).
    #[arg(long)]
    now: Option<String>,
    /// The resource snapshot both are evaluated on (default: the head project's resources).
    #[arg(long = "resources", alias = "resource", num_args = 1..)]
    resources: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Markdown)]
    output: Format,
}

/// One side's policies and exceptions, and the resource paths of its project when it is one.
struct Side {
    policies: BTreeMap<String, KyvernoPolicy>,
    project_resources: Vec<PathBuf>,
    /// Exceptions in force at `--now` (a project's, under its governance; exception
    /// documents among plain policy files, by expiry only).
    exceptions: Vec<policy_model::exception::KyvernoException>,
}

fn add_exceptions(
    side: &mut Side,
    exceptions: Vec<PolicyException>,
    now: jiff::Timestamp,
    governance: &policy_exceptions::Governance,
) {
    let set = policy_exceptions::in_force(exceptions, now, governance);
    side.exceptions.extend(set.kyverno());
}

fn exception_documents(documents: &[Document]) -> Vec<PolicyException> {
    documents
        .iter()
        .filter_map(|d| match d {
            Document::Exception(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn add_policies(out: &mut BTreeMap<String, KyvernoPolicy>, documents: Vec<Document>) {
    for d in documents {
        if let Document::Policy(p) = d {
            out.insert(p.qualified_name(), *p);
        }
    }
}

fn load_side(
    paths: &[PathBuf],
    env: Option<&String>,
    now: jiff::Timestamp,
) -> anyhow::Result<Side> {
    let mut side = Side {
        policies: BTreeMap::new(),
        project_resources: Vec::new(),
        exceptions: Vec::new(),
    };
    let expiry_only = policy_exceptions::Governance::expiry_only();
    for p in paths {
        if crate::check_cmd::is_project(p) {
            let project = crate::check_cmd::project_environment(p, env)?;
            let stream = policy_render::to_yaml_stream(&project.documents)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = load_str(&format!("{}#{}", p.display(), project.env), &stream);
            if let Some(e) = loaded.errors.first() {
                anyhow::bail!("{e}");
            }
            let documents: Vec<Document> =
                loaded.documents.into_iter().map(|l| l.document).collect();
            let mut exceptions = exception_documents(&documents);
            exceptions.extend(project.exceptions);
            add_exceptions(&mut side, exceptions, now, &project.governance);
            add_policies(&mut side.policies, documents);
            side.project_resources.extend(project.resources);
            continue;
        }
        if env.is_some() {
            anyhow::bail!(
                "--env applies to project directories (with policyctl.yaml); {} is not one",
                p.display()
            );
        }
        if let Some(documents) =
            policy_cli::suite::rendered_policies(p).map_err(|e| anyhow::anyhow!("{e}"))?
        {
            add_exceptions(
                &mut side,
                exception_documents(&documents),
                now,
                &expiry_only,
            );
            add_policies(&mut side.policies, documents);
            continue;
        }
        for file in discover(p, &WalkOptions::default()).map_err(|e| anyhow::anyhow!("{e}"))? {
            let text = read_text(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = load_str(&file.display().to_string(), &text);
            if let Some(e) = loaded.errors.first() {
                anyhow::bail!("{e}");
            }
            let documents: Vec<Document> =
                loaded.documents.into_iter().map(|l| l.document).collect();
            add_exceptions(
                &mut side,
                exception_documents(&documents),
                now,
                &expiry_only,
            );
            add_policies(&mut side.policies, documents);
        }
    }
    Ok(side)
}

fn rule_action(p: &KyvernoPolicy, rule: &policy_model::Rule) -> FailureAction {
    rule.validate
        .as_ref()
        .and_then(|v| v.failure_action.as_deref())
        .map_or_else(
            || p.validation_failure_action(),
            FailureAction::from_kyverno,
        )
}

/// Policy-level changes, in a stable order.
fn policy_changes(
    base: &BTreeMap<String, KyvernoPolicy>,
    head: &BTreeMap<String, KyvernoPolicy>,
) -> Vec<String> {
    let mut out = Vec::new();
    for name in base.keys().filter(|n| !head.contains_key(*n)) {
        out.push(format!("policy `{name}` removed"));
    }
    for (name, h) in head {
        let Some(b) = base.get(name) else {
            out.push(format!("policy `{name}` added"));
            continue;
        };
        let b_rules: BTreeMap<&str, &policy_model::Rule> =
            b.spec.rules.iter().map(|r| (r.name.as_str(), r)).collect();
        let h_rules: BTreeMap<&str, &policy_model::Rule> =
            h.spec.rules.iter().map(|r| (r.name.as_str(), r)).collect();
        for r in b_rules.keys().filter(|r| !h_rules.contains_key(*r)) {
            out.push(format!("`{name}`: rule `{r}` removed"));
        }
        for (r, hr) in &h_rules {
            let Some(br) = b_rules.get(r) else {
                out.push(format!("`{name}`: rule `{r}` added"));
                continue;
            };
            let (ba, ha) = (rule_action(b, br), rule_action(h, hr));
            if ba != ha {
                out.push(format!("`{name}`: rule `{r}` switches {ba} → {ha}"));
            }
            if br.match_ != hr.match_ || br.exclude != hr.exclude {
                out.push(format!(
                    "`{name}`: rule `{r}` changes its scope (match/exclude)"
                ));
            }
            let strip = |v: Option<&policy_model::policy::Validation>| {
                v.cloned().map(|mut v| {
                    v.failure_action = None;
                    v
                })
            };
            if strip(br.validate.as_ref()) != strip(hr.validate.as_ref())
                || br.preconditions != hr.preconditions
                || br.context != hr.context
            {
                out.push(format!("`{name}`: rule `{r}` changes its check"));
            }
        }
    }
    out
}

type Key = (String, String, String);

fn evaluate(
    side: &Side,
    resources: &[Value],
    now: std::time::SystemTime,
) -> anyhow::Result<BTreeMap<Key, (RuleStatus, FailureAction, String)>> {
    let engine = Engine::builder()
        .policies(side.policies.values().cloned())
        .exceptions(side.exceptions.iter().cloned())
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = EvalContext {
        now,
        ..EvalContext::default()
    };
    let mut out = BTreeMap::new();
    for eval in engine.evaluate_batch(resources, &ctx) {
        for r in eval.results() {
            let base_rule = autogen::base_rule(&r.rule);
            out.insert(
                (
                    r.policy.to_string(),
                    base_rule.to_owned(),
                    r.resource.to_string(),
                ),
                (r.status, r.mode, r.message.to_string()),
            );
        }
    }
    Ok(out)
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.base.is_empty() || args.head.is_empty() {
        anyhow::bail!("--base and --head are required");
    }
    let now = crate::exceptions_cmd::parse_now(args.now.as_deref())?;
    let system_now = std::time::SystemTime::UNIX_EPOCH
        + std::time::Duration::from_secs(
            u64::try_from(now.as_second()).map_err(|_| anyhow::anyhow!("--now is before 1970"))?,
        );
    let base = load_side(&args.base, args.env.as_ref(), now)?;
    let head = load_side(&args.head, args.env.as_ref(), now)?;
    let resource_paths = if args.resources.is_empty() {
        head.project_resources.clone()
    } else {
        args.resources.clone()
    };
    if resource_paths.is_empty() {
        anyhow::bail!("--resources is required unless --head is a project directory");
    }

    let mut resources = Vec::new();
    for p in &resource_paths {
        for file in discover(p, &WalkOptions::default()).map_err(|e| anyhow::anyhow!("{e}"))? {
            let text = read_text(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = load_str(&file.display().to_string(), &text);
            if let Some(e) = loaded.errors.first() {
                anyhow::bail!("{e}");
            }
            for d in loaded.documents {
                if let Ok(v) = d.document.to_value() {
                    resources.push(normalize_resource(v));
                }
            }
        }
    }
    let changes = policy_changes(&base.policies, &head.policies);
    let before = evaluate(&base, &resources, system_now)?;
    let after = evaluate(&head, &resources, system_now)?;
    let fails = |s: RuleStatus| s == RuleStatus::Fail;
    let mut newly_failing = Vec::new();
    let mut newly_passing = Vec::new();
    for (key, (status, mode, message)) in &after {
        let was = before.get(key).map(|b| b.0);
        if fails(*status) && !was.is_some_and(fails) {
            newly_failing.push((key, *mode, message));
        }
    }
    // Failing before and after, but blocked only now: what an Audit → Enforce switch stops.
    let mut newly_enforced = Vec::new();
    for (key, (status, mode, message)) in &after {
        if fails(*status)
            && *mode == FailureAction::Enforce
            && before
                .get(key)
                .is_some_and(|b| fails(b.0) && b.1 != FailureAction::Enforce)
        {
            newly_enforced.push((key, *mode, message));
        }
    }
    for (key, (status, mode, message)) in &before {
        let now = after.get(key).map(|a| a.0);
        if fails(*status) && !now.is_some_and(fails) {
            newly_passing.push((key, *mode, message));
        }
    }
    let out = match args.output {
        Format::Json => {
            let rows = |v: &[(&Key, FailureAction, &String)]| -> Vec<Value> {
                v.iter()
                    .map(|((p, r, res), mode, msg)| json!({"policy": p, "rule": r, "resource": res, "mode": mode.as_str(), "message": msg}))
                    .collect()
            };
            let doc = json!({"changes": changes, "newlyFailing": rows(&newly_failing), "newlyEnforced": rows(&newly_enforced), "newlyPassing": rows(&newly_passing)});
            format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).unwrap_or_default()
            )
        }
        Format::Markdown => {
            let mut s = String::from("## Policy changes\n\n");
            if changes.is_empty() {
                s.push_str("No policy changes.\n");
            }
            for c in &changes {
                let _ = writeln!(s, "- {c}");
            }
            for (title, list) in [
                ("Newly failing", &newly_failing),
                (
                    "Failing before, blocked now (Audit → Enforce)",
                    &newly_enforced,
                ),
                ("Newly passing", &newly_passing),
            ] {
                let _ = writeln!(s, "\n## {title} ({})\n", list.len());
                if list.is_empty() {
                    s.push_str("None.\n");
                    continue;
                }
                s.push_str("| policy | rule | resource | mode |\n|---|---|---|---|\n");
                for ((p, r, res), mode, _) in list {
                    let _ = writeln!(s, "| {p} | {r} | {res} | {mode} |");
                }
            }
            s
        }
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
