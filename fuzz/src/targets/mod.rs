//! The fuzz targets' bodies: each `run(data)` checks its properties on one input and panics
//! on a violation. `fuzz_targets/<name>.rs` hands libFuzzer's inputs to `run`; the replay
//! (`cargo xtask fuzz --replay`, `src/bin/replay.rs`) hands it the seeds and regressions.

pub mod conditions;
pub mod evaluate;
pub mod jmespath;
pub mod load;
pub mod patch;
pub mod pattern;
pub mod report;
pub mod set;
pub mod template;
pub mod validate;

/// A target: checks its properties on one input, panics on a violation.
pub type Target = fn(&[u8]);

/// Every target by name, in `fuzz/Cargo.toml`'s order.
pub const ALL: [(&str, Target); 10] = [
    ("load", load::run),
    ("validate", validate::run),
    ("evaluate", evaluate::run),
    ("pattern", pattern::run),
    ("conditions", conditions::run),
    ("jmespath", jmespath::run),
    ("template", template::run),
    ("patch", patch::run),
    ("set", set::run),
    ("report", report::run),
];

/// The target named `name`.
pub fn find(name: &str) -> Option<Target> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}
