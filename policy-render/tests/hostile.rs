//! Hostile charts and overlays (issue 9): templates that loop or recurse, huge expansions,
//! and an overlay that includes itself. Each must end with a clear error, in bounded time,
//! never a hang, a stack overflow or an allocation failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use policy_render::{Chart, RenderErrorKind, RenderOptions, build_overlay};

const CHART_YAML: &str = "apiVersion: v2\nname: hostile\nversion: 0.1.0\n";

fn render(template: &str) -> Result<usize, policy_render::RenderError> {
    let chart = Chart::from_files(
        "hostile",
        [
            ("Chart.yaml".to_owned(), CHART_YAML.to_owned()),
            ("templates/t.yaml".to_owned(), template.to_owned()),
        ],
    )?;
    chart
        .render(&RenderOptions::default())
        .map(|r| r.documents.len())
}

/// Endless and quadratic loops run out of fuel (`DEFAULT_FUEL` instructions per template).
#[test]
fn loops_run_out_of_fuel() {
    let e =
        render("[% for i in range(100000) %][% for j in range(100000) %]x[% endfor %][% endfor %]")
            .unwrap_err();
    assert!(e.message.contains("fuel"), "{e}");
    // A `while`-like loop via recursion of a loop over itself.
    let e = render("[% for i in range(1000000000) %][[ i ]][% endfor %]").unwrap_err();
    assert!(
        e.message.contains("fuel") || e.message.contains("range"),
        "{e}"
    );
}

/// A macro that calls itself forever hits minijinja's recursion limit: an error, not a
/// stack overflow.
#[test]
fn recursive_macros_hit_the_recursion_limit() {
    let e = render("[% macro f(n) %][[ f(n + 1) ]][% endmacro %][[ f(0) ]]").unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("recursion") || text.contains("fuel"),
        "expected a recursion or fuel error: {text}"
    );
}

/// Expansions that would allocate without bound are refused: `indent` with a huge width
/// (found by the `template` fuzz target) and string repetition.
#[test]
fn huge_expansions_are_errors() {
    let e = render("a: [[ 'x\\ny' | indent(18446744073709551615) ]]").unwrap_err();
    assert!(
        e.to_string().contains("too large") || e.to_string().contains("indent"),
        "{e}"
    );
    let e = render("a: [[ 'x' * 10000000000 ]]").unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Template, "{e}");
}

/// An overlay whose base is itself: a cycle error naming the file, not endless recursion.
#[test]
fn an_overlay_that_includes_itself_is_a_cycle() {
    let dir =
        std::env::temp_dir().join(format!("policyctl-hostile-overlay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("overlay.yaml"),
        "apiVersion: policyctl.dev/v1alpha1\nkind: Overlay\nbases:\n  - path: .\n",
    )
    .unwrap();
    let e = build_overlay(&dir).unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Cycle, "{e}");
    assert!(e.message.starts_with("cyclic bases: "), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}
