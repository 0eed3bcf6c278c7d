//! `--set` / `--set-string` / `--set-json` parsing (Helm's strvals): never panics, bounded
//! (index and nesting limits), deterministic, and idempotent: parsing the same argument
//! again over its own result changes nothing, or fails (Helm: `a.b=1,a=x` parses, but a
//! second `a.b=1` over `a: x` is "not a map").
//! Input: one argument (`a.b=1,c[0]=x`).

use crate::text;
use policy_render::{SetMode, parse_set};
use serde_json::Map;

/// One input (the fuzz target and the replay call this).
pub fn run(data: &[u8]) {
    let Some(line) = text(data) else { return };
    for mode in [SetMode::Typed, SetMode::String, SetMode::Json] {
        let mut a = Map::new();
        let ra = parse_set(line, &mut a, mode);
        let mut b = Map::new();
        let rb = parse_set(line, &mut b, mode);
        assert_eq!(ra, rb);
        assert_eq!(a, b);
        if ra.is_ok() {
            let mut again = a.clone();
            if parse_set(line, &mut again, mode).is_ok() {
                assert_eq!(again, a, "{mode:?}: not idempotent");
            }
        }
    }
}
