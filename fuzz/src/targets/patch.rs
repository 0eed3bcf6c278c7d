//! Overlay patches on arbitrary documents: RFC 6902 JSON Patch (with `[key=value]` list
//! addressing) is atomic (a failing patch leaves the document unchanged) and deterministic;
//! RFC 7396 merge patch is idempotent; patched documents write as YAML that reads back.
//! Input: document YAML, a `#----` separator line, patch YAML (a list: both kinds of patch;
//! anything else: merge patch).

use crate::{parse_first, read_back, split2, text};
use policy_patch::{apply_json_patch, apply_merge_patch};
use policy_render::to_yaml_stream;
use serde_json::Value;

fn round_trip(doc: &Value) {
    if let Ok(yaml) = to_yaml_stream(std::slice::from_ref(doc)) {
        let back: Vec<_> = read_back(&yaml)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        assert_eq!(back, std::slice::from_ref(doc), "{yaml}");
    }
}

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (doc, patch) = split2(text);
    let Some(doc) = parse_first(doc) else { return };
    let Some(patch) = parse_first(patch) else {
        return;
    };
    if patch.is_array() {
        let mut a = doc.clone();
        let ra = apply_json_patch(&mut a, &patch);
        let mut b = doc.clone();
        let rb = apply_json_patch(&mut b, &patch);
        assert_eq!(ra, rb);
        assert_eq!(a, b);
        match ra {
            Err(_) => assert_eq!(a, doc, "a failing patch changed the document"),
            Ok(()) => round_trip(&a),
        }
    }
    let mut once = doc.clone();
    apply_merge_patch(&mut once, &patch);
    let mut twice = once.clone();
    apply_merge_patch(&mut twice, &patch);
    assert_eq!(once, twice, "merge patch is not idempotent");
    round_trip(&once);
}
