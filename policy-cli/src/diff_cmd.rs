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
use policy_model::{Document, FailureAction, KyvernoPolicy, RuleStatus, load_str};
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
    /// The resource snapshot both are evaluated on (default: the head project's resources).
    #[arg(long = "resources", alias = "resource", num_args = 1..)]
    resources: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Format::Markdown)]
    output: Format,
}

/// One side's policies, and the resource paths of its project when it is one.
struct Side {
    policies: BTreeMap<String, KyvernoPolicy>,
    project_resources: Vec<PathBuf>,
}

fn add_policies(out: &mut BTreeMap<String, KyvernoPolicy>, documents: Vec<Document>) {
    for d in documents {
        if let Document::Policy(p) = d {
            out.insert(p.qualified_name(), *p);
        }
    }
}

fn load_side(paths: &[PathBuf], env: Option<&String>) -> anyhow::Result<Side> {
    let mut side = Side {
        policies: BTreeMap::new(),
        project_resources: Vec::new(),
    };
    for p in paths {
        if crate::check_cmd::is_project(p) {
            let (env_name, values, resources) = crate::check_cmd::project_policies(p, env)?;
            let stream =
                policy_render::to_yaml_stream(&values).map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = load_str(&format!("{}#{env_name}", p.display()), &stream);
            if let Some(e) = loaded.errors.first() {
                anyhow::bail!("{e}");
            }
            add_policies(
                &mut side.policies,
                loaded.documents.into_iter().map(|l| l.document).collect(),
            );
            side.project_resources.extend(resources);
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
            add_policies(&mut side.policies, documents);
            continue;
        }
        for file in discover(p, &WalkOptions::default()).map_err(|e| anyhow::anyhow!("{e}"))? {
            let text = read_text(&file).map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = load_str(&file.display().to_string(), &text);
            if let Some(e) = loaded.errors.first() {
                anyhow::bail!("{e}");
            }
            add_policies(
                &mut side.policies,
                loaded.documents.into_iter().map(|l| l.document).collect(),
            );
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
    policies: &BTreeMap<String, KyvernoPolicy>,
    resources: &[Value],
) -> anyhow::Result<BTreeMap<Key, (RuleStatus, FailureAction, String)>> {
    let engine = Engine::builder()
        .policies(policies.values().cloned())
        .build()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = EvalContext::default();
    let mut out = BTreeMap::new();
    for eval in engine.evaluate_batch(resources, &ctx) {
        for r in eval.results() {
            let base_rule = r
                .rule
                .strip_prefix("autogen-cronjob-")
                .or_else(|| r.rule.strip_prefix("autogen-"))
                .unwrap_or(&r.rule);
            out.insert(
                (
                    r.policy.clone(),
                    base_rule.to_owned(),
                    r.resource.to_string(),
                ),
                (r.status, r.mode, r.message.clone()),
            );
        }
    }
    Ok(out)
}

pub(crate) fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if args.base.is_empty() || args.head.is_empty() {
        anyhow::bail!("--base and --head are required");
    }
    let base = load_side(&args.base, args.env.as_ref())?;
    let head = load_side(&args.head, args.env.as_ref())?;
    let resource_paths = if args.resources.is_empty() {
        head.project_resources.clone()
    } else {
        args.resources.clone()
    };
    if resource_paths.is_empty() {
        anyhow::bail!("--resources is required unless --head is a project directory");
    }
    let (base, head) = (base.policies, head.policies);
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
    let changes = policy_changes(&base, &head);
    let before = evaluate(&base, &resources)?;
    let after = evaluate(&head, &resources)?;
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
