//! The I/O layer of `policyctl`: loading `kyverno test` suites from disk and rendering
//! results. Every decision about verdicts lives in `policy-eval`; this crate reads files and
//! prints. `xtask conformance` uses [`suite`] to run the corpus in process.
// The CLI crate is the one place that touches the file system and the clock.
#![allow(clippy::disallowed_methods)]

pub mod suite;
