//! Report ingest (PolicyReports, ClusterPolicyReports, openreports Reports, `List`s) and
//! what is computed from it: deterministic; the fast summary equals the entry-by-entry one
//! and the merge of per-report summaries; reports written as YAML ingest back unchanged;
//! every output format renders deterministically, JSON output parses.

use std::collections::BTreeMap;

use crate::text;
use policy_report::{Format, Summary, View, entries, ingest_str, render, yaml_reports};

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let got = ingest_str("fuzz", text);
    assert_eq!(got, ingest_str("fuzz", text));
    let reports = &got.reports;
    let summary = Summary::from_reports(reports);
    assert_eq!(summary, Summary::from_reports_by_entry(reports));
    let merged = reports.iter().fold(Summary::default(), |s, r| {
        s.merged(&Summary::from_reports(std::slice::from_ref(r)))
    });
    assert_eq!(merged, summary);
    let flat = entries(reports);
    assert_eq!(summary.total.total(), flat.len() as u64);
    if let Ok(yaml) = yaml_reports(reports) {
        let back = ingest_str("back", &yaml);
        assert!(back.errors.is_empty(), "{yaml}\n{:?}", back.errors);
        assert_eq!(back.reports, *reports, "{yaml}");
    }
    let locations = BTreeMap::new();
    let view = View::new(reports, &locations);
    for format in Format::ALL {
        let a = render(format, &view);
        assert_eq!(a, render(format, &view), "{format:?}");
        if let (Format::Json, Ok(json)) = (format, &a) {
            assert!(
                serde_json::from_str::<serde_json::Value>(json).is_ok(),
                "{json}"
            );
        }
    }
}
