//! Governed PolicyExceptions from another Rust program: load the exceptions and the
//! governance file of `examples/platform`, assess each at an instant, and compute the set
//! in force — what `policyctl exceptions check` and `policyctl check` do.
//!
//! Run with `cargo run -p policy-exceptions --example governance`.
#![allow(clippy::print_stdout)]

use std::path::Path;

use policy_exceptions::{
    ExceptionRecord, Governance, GovernanceConfig, KnownPolicies, Reason, Status, Timestamp,
    assess_exception, in_force, reference_problems,
};
use policy_model::fs::{WalkOptions, load_path, read_text};
use policy_model::{Document, PolicyException};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The repository's example policy repository, next to this crate.
    let platform = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the crate lies inside the workspace")?
        .join("examples/platform");

    // 1. The governance file (docs/exceptions.md): strict YAML, unknown fields rejected with
    //    file:line:column. `Governance::new` checks it (e.g. the ticket pattern compiles).
    let gov_file = platform.join("exception-governance.yaml");
    let config =
        GovernanceConfig::from_yaml(&gov_file.display().to_string(), &read_text(&gov_file)?)?;
    let gov = Governance::new(config)?;

    // 2. The exceptions: any YAML/JSON under the directory; other documents are ignored.
    let loaded = load_path(&platform.join("exceptions"), &WalkOptions::default());
    if let Some(e) = loaded.errors.first() {
        return Err(e.clone().into());
    }
    let exceptions: Vec<PolicyException> = loaded
        .documents
        .into_iter()
        .filter_map(|l| match l.document {
            Document::Exception(e) => Some(e),
            _ => None,
        })
        .collect();

    // 3. Time is a parameter, never the clock.
    let now: Timestamp = "2027-03-20T00:00:00Z".parse()?;
    println!("{} exceptions at {now}:", exceptions.len());
    for e in &exceptions {
        let a = assess_exception(e, now, &gov);
        let expires = a.record.expires.map(|t| t.to_string()).unwrap_or_default();
        println!(
            "  {:<34} {:<14} expires {:<22} owner {:<15} ticket {}",
            a.record.key,
            a.status.as_str(),
            expires,
            a.record.owner.as_deref().unwrap_or("-"),
            a.record.ticket.as_deref().unwrap_or("-"),
        );
        for p in &a.problems {
            println!(
                "      {} {}: {}",
                p.severity.as_str(),
                p.kind.as_str(),
                p.message
            );
        }
        if let Status::ExpiringSoon { days_left, .. } = a.status {
            println!("      ({days_left} whole days left)");
        }
    }

    // 4. The set in force: what may exempt anything. Under the team's governance an
    //    exception without a ticket is invalid; `Governance::expiry_only()` (what
    //    `policyctl apply` and `test` use) only looks at dates.
    for (name, g) in [
        ("governance", &gov),
        ("expiry only", &Governance::expiry_only()),
    ] {
        let set = in_force(exceptions.iter().cloned(), now, g);
        let keys: Vec<String> = set
            .in_force
            .iter()
            .map(|e| ExceptionRecord::read(e).key)
            .collect();
        println!("\nin force ({name}): {}", keys.join(", "));
        for n in &set.not_in_force {
            let why = match &n.reason {
                Reason::Expired { at } => format!("expired at {at}"),
                Reason::Invalid { problems } => {
                    let kinds: Vec<&str> = problems.iter().map(|p| p.kind.as_str()).collect();
                    format!("invalid: {}", kinds.join(", "))
                }
            };
            println!("  not in force: {} ({why})", n.key);
        }
        // What the engine takes: `EngineBuilder::exceptions(set.kyverno())` and
        // `.exceptions_not_in_force(set.kyverno_not_in_force())` (see policy-eval).
        println!(
            "  for the engine: {} in force, {} named on results they would have exempted",
            set.kyverno().len(),
            set.kyverno_not_in_force().len()
        );
    }

    // 5. The set in force only shrinks as time moves on (only expiry depends on the instant).
    let later: Timestamp = "2027-04-01T00:00:00Z".parse()?;
    let set = in_force(exceptions.iter().cloned(), later, &gov);
    println!("\nat {later}: {} in force", set.in_force.len());

    // 6. Names checked against the policies that exist (`exceptions check --policies`): a
    //    typo in `policyName` or `ruleNames` is an error, autogen rule names count. Only
    //    disallow-latest-tag is declared here, so the exception for
    //    restrict-image-registries is reported.
    let mut known = KnownPolicies::new();
    known.insert(
        "disallow-latest-tag",
        ["validate-image-tag", "autogen-validate-image-tag"].map(String::from),
    );
    for e in &exceptions {
        let a = assess_exception(e, now, &gov);
        for p in reference_problems(&a.record, &known) {
            println!(
                "{}: {} {}: {}",
                a.record.key,
                p.severity.as_str(),
                p.kind.as_str(),
                p.message
            );
        }
    }
    Ok(())
}
