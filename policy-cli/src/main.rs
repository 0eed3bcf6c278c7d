//! `policyctl`: the command-line front end. Thin: every decision lives in a library crate;
//! this binary parses arguments, reads files, prints, and picks the exit code.
// The CLI is the one place that prints and touches the file system.
#![allow(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

mod apply_cmd;
mod check_cmd;
mod diff_cmd;
mod exceptions_cmd;
mod render_cmd;
mod report_cmd;
mod test_cmd;
mod validate;

use std::process::ExitCode;

/// See policy-cli/Cargo.toml: small allocations dominate evaluation.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Kubernetes policy-as-code, offline: Kyverno's verdicts in milliseconds.
#[derive(Debug, Parser)]
#[command(
    name = "policyctl",
    version,
    about,
    after_help = "Exit codes: 0 success; 1 the check found problems (invalid documents, failed tests, \
                  enforced violations); 2 usage or load errors (bad flags, unreadable files)."
)]
struct Cli {
    /// Disable colors and Unicode box drawing in diagnostics.
    #[arg(long, global = true)]
    no_color: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and validate policies, exceptions, tests and resources, like `kyverno validate`,
    /// pointing at the offending line.
    ///
    /// Exit 0 when every document is valid (warnings allowed), 1 when any document is invalid
    /// or fails to load, 2 on usage errors or unreadable paths.
    Validate(validate::Args),
    /// Run `kyverno test` suites (`kyverno-test.yaml`) with Kyverno's verdicts.
    ///
    /// Exit 0 when every expected row matches, 1 when a row fails or a suite cannot run
    /// (load error, unsupported feature), 2 on usage errors.
    Test(test_cmd::Args),
    /// Apply policies to resources, like `kyverno apply`.
    ///
    /// Exit 0 when no Enforce rule fails (Audit failures are reported), 1 when an Enforce
    /// rule fails or a rule errors (`--fail-on audit`: any failure), 2 on usage or load errors.
    Apply(apply_cmd::Args),
    /// Check and list governed PolicyExceptions: tickets, owners, expiry, reviews.
    ///
    /// `check` exits 0 when there are no errors (warnings allowed unless `--strict`), 1 when
    /// there are, 2 on usage or load errors.
    Exceptions(exceptions_cmd::Args),
    /// Summarize PolicyReports (files or `kubectl get policyreport -A -o yaml` output) as a
    /// table, JSON, YAML, JUnit, SARIF, Prometheus text, Markdown or HTML.
    ///
    /// Exit 0 when the reports were read, 2 on usage or load errors.
    Report(report_cmd::ReportArgs),
    /// Judge Audit→Enforce rollout readiness per policy from reports (one or a dated series).
    ///
    /// Exit 0 when every policy is ready (Audit) or on target (Enforce), 1 otherwise, 2 on
    /// usage or load errors.
    Rollout(report_cmd::RolloutArgs),
    /// Render a policy chart (Helm's values layering, `[[ ]]` templates), like `helm template`.
    ///
    /// Exit 0 on success, 1 when values, templates or the output are wrong, 2 on unreadable
    /// input.
    Render(render_cmd::RenderArgs),
    /// Build an overlay directory (bases, resources, JSON/merge patches), like `kustomize build`.
    ///
    /// Exit 0 on success, 1 when the overlay or a patch is wrong, 2 on unreadable input.
    Build(render_cmd::BuildArgs),
    /// Check a policy repository end to end from its `policyctl.yaml`: render the environment,
    /// validate, evaluate every resource, apply the exceptions in force, report.
    ///
    /// Exit 0 when no Enforce rule fails, 1 when one does, a rule errors, a rendered policy is
    /// invalid or (unless the environment says otherwise) an exception breaks governance, 2 on
    /// usage or load errors.
    Check(check_cmd::Args),
    /// What a policy change does before it merges: rules added, removed or changed,
    /// Audit→Enforce switches, scope changes, and the resources of a snapshot that newly fail
    /// or newly pass. Markdown for a pull-request comment by default.
    ///
    /// Exit 0 when the comparison ran, 2 on usage or load errors.
    Diff(diff_cmd::Args),
}

/// `policyctl report … | head`: when the reader closes the pipe, `print!` panics with
/// "failed printing to stdout: Broken pipe". That is the reader's choice, not a crash: leave
/// quietly, as `head`'s other writers do (status 141, 128 + SIGPIPE, like a shell reports a
/// process killed by the signal). Every other panic keeps the default report.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    let color = !cli.no_color && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args, color),
        Command::Test(args) => test_cmd::run(&args),
        Command::Apply(args) => apply_cmd::run(&args),
        Command::Exceptions(args) => exceptions_cmd::run(&args),
        Command::Report(args) => report_cmd::run_report(&args),
        Command::Rollout(args) => report_cmd::run_rollout(&args),
        Command::Render(args) => render_cmd::run_render(&args),
        Command::Build(args) => render_cmd::run_build(&args),
        Command::Check(args) => check_cmd::run(&args),
        Command::Diff(args) => diff_cmd::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
