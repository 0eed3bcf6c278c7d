//! Chart template rendering (minijinja, `[[ ]]`/`[% %]`, Helm/Sprig filters, fuel-bounded)
//! with arbitrary values: deterministic, and whatever renders is written as a YAML stream
//! that reads back as the same documents (`to_yaml_stream`'s promise).
//! Input: template, a `#----` separator line, `values.yaml`, optionally another separator
//! and `templates/_helpers.j2`.

use crate::{SEP, read_back, text};
use policy_render::{Chart, DEFAULT_FUEL, RenderOptions, to_yaml_stream};

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let mut parts = text.splitn(3, SEP);
    let template = parts.next().unwrap_or("");
    let values = parts.next().unwrap_or("");
    let mut files = vec![
        (
            "Chart.yaml".to_owned(),
            "apiVersion: v2\nname: fuzz\nversion: 0.1.0\n".to_owned(),
        ),
        ("values.yaml".to_owned(), values.to_owned()),
        ("templates/t.yaml".to_owned(), template.to_owned()),
    ];
    if let Some(helpers) = parts.next() {
        files.push(("templates/_helpers.j2".to_owned(), helpers.to_owned()));
    }
    let Ok(chart) = Chart::from_files("fuzz", files) else {
        return;
    };
    // A tenth of the default fuel: the same bound, but a fuel-exhausting loop stays well
    // under libFuzzer's 10 s timeout under AddressSanitizer (the default fuel takes 0.15 s
    // in a release build, over 5 s with ASAN's allocator).
    let mut options = RenderOptions::default();
    options.fuel = Some(DEFAULT_FUEL / 10);
    let rendered = chart.render(&options);
    assert_eq!(rendered, chart.render(&options));
    let Ok(rendered) = rendered else { return };
    let docs = rendered.values_list();
    let Ok(yaml) = to_yaml_stream(&docs) else {
        return;
    };
    let back: Vec<_> = read_back(&yaml)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    assert_eq!(back, docs, "{yaml}");
}
