//! `policyctl check` on `examples/platform` at a fixed instant, with figures worked out by
//! hand from the snapshot (see the comments) rather than copied from the output.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The instant the example's exceptions are dated against (examples/platform/policyctl.yaml):
/// `payments-batch-latest` active, `legacy-billing-latest` expiring in 12 days,
/// `analytics-batch-latest` expired, `search-cache-dockerhub` without a ticket.
const NOW: &str = "2027-03-20T00:00:00Z";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn policyctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn check(env: &str) -> (Option<i32>, String) {
    let out = policyctl(&[
        "check",
        "-C",
        "examples/platform",
        "--env",
        env,
        "--now",
        NOW,
    ]);
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8_lossy(&out.stderr),
    )
}

// The snapshot (examples/platform/resources + snapshot): 8 namespaces (3 without the
// network-policy label: analytics, media, billing), each with the same 12 workloads, plus
// billing's invoice-api Pod and legacy-ledger Deployment: 98 workloads.
// Failures per namespace: labels 2 (legacy-batch, debug), limits 2 (scheduler, debug),
// registries 2 (cache, debug), runAsNonRoot 2 (queue, debug), host namespaces 1
// (metrics-agent), latest 2 (legacy-batch, debug), probes 3 (worker, search-indexer, debug).
// billing's extras: labels 2, limits 1, registries 1, runAsNonRoot 2, probes 2.
// Exceptions in force: payments' legacy-batch (1 latest failure -> skip) and billing's
// Pods and Deployments (10 latest results -> skip, 3 of them failures: legacy-batch,
// debug, legacy-ledger). The expired and the ticketless exception exempt nothing.
//   labels 18, limits 17, registries 17, runAsNonRoot 18, host 8, latest 16-3 = 13,
//   probes 26, network policy 3 => 120 failures, 11 skips.
// Results: 7 Pod policies x 98 workloads + 8 Namespaces = 694; pass = 694 - 120 - 11 = 563.

#[test]
fn dev_audits_everything_and_exits_0() {
    // dev disables require-probes: 694 - 98 results, 120 - 26 failures, all Audit.
    let (code, out) = check("dev");
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("7 policies (0 Enforce, 7 Audit), 207 resources, 4 exceptions (2 in force)"),
        "{out}"
    );
    assert!(
        out.contains("pass: 491, fail: 94 (enforce: 0, audit: 94), warn: 0, error: 0, skip: 11; governance errors: 2, warnings: 1"),
        "{out}"
    );
}

#[test]
fn staging_audits_every_policy_and_exits_0() {
    let (code, out) = check("staging");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("8 policies (0 Enforce, 8 Audit)"), "{out}");
    assert!(
        out.contains("pass: 563, fail: 120 (enforce: 0, audit: 120), warn: 0, error: 0, skip: 11"),
        "{out}"
    );
}

#[test]
fn prod_enforces_and_exits_1() {
    // Audit in prod: require-probes (26) and require-network-policy (3).
    let (code, out) = check("prod");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("8 policies (6 Enforce, 2 Audit)"), "{out}");
    assert!(
        out.contains("pass: 563, fail: 120 (enforce: 91, audit: 29), warn: 0, error: 0, skip: 11"),
        "{out}"
    );
    assert!(
        out.contains("error: exception analytics/analytics-batch-latest: expired"),
        "{out}"
    );
    assert!(
        out.contains("error: exception search/search-cache-dockerhub: missing-ticket"),
        "{out}"
    );
    assert!(
        out.contains("warning: exception billing/legacy-billing-latest: expiring-soon"),
        "{out}"
    );
}

#[test]
fn default_environment_is_prod() {
    let out = policyctl(&["check", "-C", "examples/platform", "--now", NOW]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("environment `prod`"));
}

#[test]
fn json_output_is_the_policy_report_summary() {
    let out = policyctl(&[
        "check",
        "-C",
        "examples/platform",
        "--env",
        "prod",
        "--now",
        NOW,
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.is_object(), "{v}");
    let text = v.to_string();
    assert!(text.contains("require-probes"), "{text}");
}

#[test]
fn unknown_environment_is_a_usage_error() {
    let out = policyctl(&[
        "check",
        "-C",
        "examples/platform",
        "--env",
        "qa",
        "--now",
        NOW,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`qa` is not an environment"), "{err}");
}

#[test]
fn unknown_manifest_keys_are_errors_with_their_line() {
    let dir = std::env::temp_dir().join(format!("policyctl-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policyctl.yaml"),
        "apiVersion: policyctl.dev/v1alpha1\nkind: Project\nenvironments:\n  dev:\n    overlay: o\n    valuez: [x]\n",
    )
    .unwrap();
    let out = policyctl(&["check", "-C", dir.to_str().unwrap(), "--now", NOW]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("policyctl.yaml:6:"), "{err}");
    assert!(err.contains("valuez"), "{err}");
}

#[test]
fn an_exception_reached_twice_counts_once_and_a_conflicting_one_is_an_error() {
    // The overlay carries `exception.yaml`, and the project's `exceptions:` path holds the
    // same file: one exception, named once in the skipped result.
    let dir = std::env::temp_dir().join(format!("policyctl-check-dup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("overlay")).unwrap();
    std::fs::create_dir_all(dir.join("exceptions")).unwrap();
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    let policy = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: require-team}\nspec:\n  validationFailureAction: Enforce\n  background: true\n  rules:\n  - name: team\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {message: team label, pattern: {metadata: {labels: {team: \"?*\"}}}}\n";
    let exception = "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata:\n  name: legacy\n  namespace: shop\n  annotations:\n    exceptions.policyctl.dev/owner: team-shop\n    exceptions.policyctl.dev/ticket: SHOP-1\n    exceptions.policyctl.dev/created: \"2027-03-01\"\n    exceptions.policyctl.dev/expires: \"2027-05-01\"\nspec:\n  exceptions:\n  - {policyName: require-team, ruleNames: [team]}\n  match:\n    any:\n    - resources: {kinds: [Pod], namespaces: [shop], names: [legacy]}\n";
    std::fs::write(dir.join("overlay/policy.yaml"), policy).unwrap();
    std::fs::write(dir.join("overlay/exception.yaml"), exception).unwrap();
    std::fs::write(
        dir.join("overlay/overlay.yaml"),
        "apiVersion: policyctl.dev/v1alpha1\nkind: Overlay\nresources: [policy.yaml, exception.yaml]\n",
    )
    .unwrap();
    std::fs::write(dir.join("exceptions/exception.yaml"), exception).unwrap();
    std::fs::write(
        dir.join("resources/pods.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: legacy, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("policyctl.yaml"),
        "apiVersion: policyctl.dev/v1alpha1\nkind: Project\nenvironments:\n  prod: {overlay: overlay}\nresources: [resources]\nexceptions: [exceptions]\n",
    )
    .unwrap();
    let d = dir.to_str().unwrap();
    let run = || {
        let out = policyctl(&["check", "-C", d, "--now", NOW, "-o", "yaml"]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let (code, text) = run();
    // The only Pod fails the rule but is exempted: exit 0, one skip naming the exception once.
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("shop/legacy"), "{text}");
    assert!(!text.contains("shop/legacy,shop/legacy"), "{text}");
    assert!(!text.contains("duplicate"), "{text}");
    // The project's copy now differs (another ticket): a governance error names both places.
    std::fs::write(
        dir.join("exceptions/exception.yaml"),
        exception.replace("SHOP-1", "SHOP-2"),
    )
    .unwrap();
    let out = policyctl(&["check", "-C", d, "--now", NOW]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("duplicate"), "{text}");
    assert!(text.contains("exceptions/exception.yaml"), "{text}");
}
