//! Rendering a policy chart and building an overlay from another Rust program — what
//! `policyctl render` and `policyctl build` do — on the repository's `examples/platform`.
//!
//! Run with `cargo run -p policy-render --example render`.
#![allow(clippy::print_stdout)]

use std::path::Path;

use policy_render::{Chart, RenderErrorKind, RenderOptions, ValuesFile, build_overlay};
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The repository's example policy repository, next to this crate.
    let platform = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("the crate lies inside the workspace")?
        .join("examples/platform");

    // 1. Load the chart once (Chart.yaml, values.yaml, values.schema.json, templates/);
    //    render it as often as needed. Files are read only below the chart directory.
    let chart = Chart::load(&platform.join("charts/security-policy"))?;
    println!(
        "chart {} {}: {} default values",
        chart.metadata().name,
        chart.metadata().version,
        chart.default_values().len()
    );

    // 2. Values layer as in Helm: values.yaml, then `-f` files left to right, then every
    //    --set-json, --set, --set-string. Here: prod's values file (`-f`) and one --set.
    //    The caller reads the files: a values file is a name (for messages) and its text.
    let values = platform.join("overlays/prod/values.yaml");
    let mut options = RenderOptions::default();
    options.values_files.push(ValuesFile {
        name: values.display().to_string(),
        text: policy_model::fs::read_text(&values)?,
    });
    options
        .set
        .push("policies.requireProbes.action=Enforce".to_owned());
    options.env = Some("prod".to_owned()); // `Env` in templates
    let rendered = chart.render(&options)?;
    println!(
        "\nrendered with -f overlays/prod/values.yaml --set policies.requireProbes.action=Enforce:"
    );
    for doc in &rendered.documents {
        println!(
            "  {:<45} {} {:<26} {}",
            doc.template,
            str_at(&doc.value, "/kind"),
            str_at(&doc.value, "/metadata/name"),
            str_at(&doc.value, "/spec/validationFailureAction"),
        );
    }
    // Kyverno's own `{{ }}` expressions pass through the `[[ ]]` templates untouched.
    let network = rendered
        .documents
        .iter()
        .find(|d| str_at(&d.value, "/metadata/name") == "require-network-policy")
        .map(|d| str_at(&d.value, "/spec/rules/0/validate/message"))
        .unwrap_or_default();
    println!("  message: {network}");

    // 3. Errors are values: a value the schema rejects names the file and the values path.
    let mut bad = RenderOptions::default();
    bad.set
        .push("policies.requireProbes.action=Block".to_owned());
    match chart.render(&bad) {
        Err(e) if e.kind == RenderErrorKind::Schema => {
            println!("\nschema error, as expected:\n  {e}")
        }
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("`action=Block` should violate values.schema.json".into()),
    }

    // 4. An overlay (overlay.yaml: bases, resources, patches, commonLabels, ...) builds to
    //    plain documents, like `kustomize build`; prod's is the chart with prod's values.
    let prod = build_overlay(&platform.join("overlays/prod"))?;
    let enforced = prod
        .iter()
        .filter(|d| str_at(d, "/spec/validationFailureAction") == "Enforce")
        .count();
    let labelled = prod
        .iter()
        .filter(|d| str_at(d, "/metadata/labels/acme.io~1environment") == "prod")
        .count();
    println!(
        "\noverlays/prod: {} documents, {enforced} Enforce, {labelled} labelled acme.io/environment=prod",
        prod.len()
    );

    // 5. The documents as one YAML stream (read back under YAML 1.1 before it is returned),
    //    ready for policy_model::load_str, kubectl or a file.
    let stream = policy_render::to_yaml_stream(&prod)?;
    let loaded = policy_model::load_str("overlays/prod", &stream);
    println!(
        "as YAML: {} lines, {} typed documents, {} load errors",
        stream.lines().count(),
        loaded.documents.len(),
        loaded.errors.len()
    );
    Ok(())
}

/// The string at a JSON pointer, or "" (documents are plain `serde_json::Value`s).
fn str_at<'a>(doc: &'a Value, pointer: &str) -> &'a str {
    doc.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}
