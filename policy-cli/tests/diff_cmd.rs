//! `policyctl diff`: switching one policy to Enforce and tightening one pattern shows exactly
//! those two changes and exactly the newly failing resources (worked out by hand below).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn enforce_switch_and_tightened_pattern() {
    let base = root().join("examples/platform/policies");
    let dir = std::env::temp_dir().join(format!("policyctl-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let head = dir.join("head");
    std::fs::create_dir_all(&head).unwrap();
    for entry in std::fs::read_dir(&base).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if name == "require-labels.yaml" {
            text = text.replace(
                "validationFailureAction: Audit",
                "validationFailureAction: Enforce",
            );
        }
        if name == "restrict-registries.yaml" {
            text = text.replace(
                "\"ghcr.io/acme/* | registry.acme.io/*\"",
                "\"ghcr.io/acme/*\"",
            );
        }
        std::fs::write(head.join(name), text).unwrap();
    }
    // The snapshot: good-pod (ghcr.io/acme, labelled, limits), bad-pod, bad-deployment, two
    // Namespaces — plus one Pod from registry.acme.io, allowed before and refused after.
    let resources = dir.join("resources.yaml");
    let mut snapshot =
        std::fs::read_to_string(root().join("examples/platform/tests/resources.yaml")).unwrap();
    snapshot.push_str("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: acme-pod\n  namespace: shop\n  labels: {app.kubernetes.io/name: acme}\nspec:\n  containers:\n  - name: c\n    image: registry.acme.io/tools/acme:1.0\n    resources: {limits: {cpu: 100m, memory: 64Mi}}\n");
    std::fs::write(&resources, snapshot).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args([
            "diff",
            "--base",
            base.to_str().unwrap(),
            "--head",
            head.to_str().unwrap(),
            "--resources",
            resources.to_str().unwrap(),
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["changes"],
        serde_json::json!([
            "`require-labels`: rule `check-app-name` switches Audit → Enforce",
            "`restrict-image-registries`: rule `validate-registries` changes its check",
        ])
    );
    let failing = v["newlyFailing"].as_array().unwrap();
    assert_eq!(failing.len(), 1, "{failing:?}");
    assert_eq!(failing[0]["policy"], "restrict-image-registries");
    assert_eq!(failing[0]["rule"], "validate-registries");
    assert_eq!(failing[0]["resource"], "shop/Pod/acme-pod");
    assert_eq!(v["newlyPassing"].as_array().unwrap().len(), 0);
    // require-labels fails bad-pod and bad-deployment before (Audit) and after (Enforce):
    // not newly failing, but newly blocked.
    let enforced: Vec<&str> = v["newlyEnforced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        enforced,
        ["shop/Deployment/bad-deployment", "shop/Pod/bad-pod"]
    );

    // Markdown for the PR comment.
    let md = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args([
            "diff",
            "--base",
            base.to_str().unwrap(),
            "--head",
            head.to_str().unwrap(),
            "--resources",
            resources.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("## Newly failing (1)"), "{md}");
    assert!(
        md.contains(
            "| restrict-image-registries | validate-registries | shop/Pod/acme-pod | Audit |"
        ),
        "{md}"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The pull-request review on the project itself: head switches prod's require-probes to
/// Enforce (overlays/prod/values.yaml) and drops `registry.acme.io/*` from the chart's
/// registry allow-list. `--base`/`--head` are project directories rendered for `--env prod`;
/// the snapshot is the head project's `resources:`.
///
/// Worked out by hand from the snapshot (see check_cmd.rs for its layout): every namespace
/// runs `db` and `queue` (StatefulSets), `metrics-agent` (DaemonSet) and `search-indexer`
/// (Deployment) from registry.acme.io only, all allowed before: 8 × 4 = 32 newly failing,
/// Enforce in prod. require-probes fails 26 results (worker, search-indexer and debug in each
/// of the 8 namespaces, plus billing's invoice-api Pod and legacy-ledger Deployment), failing
/// in Audit before and blocked now. Nothing newly passes.
#[test]
fn project_directories_rendered_for_an_environment() {
    let dir = std::env::temp_dir().join(format!("policyctl-diff-project-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let base = root().join("examples/platform");
    let head = dir.join("head");
    copy_dir(&base, &head);
    edit(
        &head.join("overlays/prod/values.yaml"),
        "requireProbes: {enabled: true, action: Audit}",
        "requireProbes: {enabled: true, action: Enforce}",
    );
    edit(
        &head.join("charts/security-policy/values.yaml"),
        "  - registry.acme.io/*\n",
        "",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args([
            "diff",
            "--env",
            "prod",
            "--now",
            "2027-03-20T00:00:00Z",
            "-o",
            "json",
            "--base",
        ])
        .arg(&base)
        .arg("--head")
        .arg(&head)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["changes"],
        serde_json::json!([
            "`require-probes`: rule `validate-probes` switches Audit → Enforce",
            "`restrict-image-registries`: rule `validate-registries` changes its check",
        ])
    );
    let namespaces = [
        "analytics",
        "billing",
        "identity",
        "media",
        "payments",
        "platform-tools",
        "search",
        "shop",
    ];
    let mut expected: Vec<String> = namespaces
        .iter()
        .flat_map(|ns| {
            [
                format!("{ns}/DaemonSet/metrics-agent"),
                format!("{ns}/Deployment/search-indexer"),
                format!("{ns}/StatefulSet/db"),
                format!("{ns}/StatefulSet/queue"),
            ]
        })
        .collect();
    expected.sort();
    let failing = v["newlyFailing"].as_array().unwrap();
    let mut got: Vec<String> = failing
        .iter()
        .map(|r| {
            assert_eq!(r["policy"], "restrict-image-registries");
            assert_eq!(r["rule"], "validate-registries");
            assert_eq!(r["mode"], "Enforce");
            r["resource"].as_str().unwrap().to_owned()
        })
        .collect();
    got.sort();
    assert_eq!(got, expected);

    let enforced = v["newlyEnforced"].as_array().unwrap();
    let mut got: Vec<String> = enforced
        .iter()
        .map(|r| {
            assert_eq!(r["policy"], "require-probes");
            assert_eq!(r["rule"], "validate-probes");
            assert_eq!(r["mode"], "Enforce");
            r["resource"].as_str().unwrap().to_owned()
        })
        .collect();
    got.sort();
    let mut expected: Vec<String> = namespaces
        .iter()
        .flat_map(|ns| {
            [
                format!("{ns}/Deployment/worker"),
                format!("{ns}/Deployment/search-indexer"),
                format!("{ns}/Pod/debug"),
            ]
        })
        .chain([
            "billing/Pod/invoice-api".to_owned(),
            "billing/Deployment/legacy-ledger".to_owned(),
        ])
        .collect();
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!(v["newlyPassing"].as_array().unwrap().len(), 0);

    // --env on something that is not a project is a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_policyctl"))
        .args(["diff", "--env", "prod", "--resources"])
        .arg(base.join("resources"))
        .arg("--base")
        .arg(base.join("policies"))
        .arg("--head")
        .arg(base.join("policies"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--env applies to project directories"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
