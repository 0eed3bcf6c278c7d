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
