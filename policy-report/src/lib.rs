//! PolicyReports from evaluation results (model types only: this crate never depends on
//! `policy-eval`), report ingest, mergeable summaries, violation rates, Audit→Enforce
//! rollout readiness and the output formats people and tools read.
//!
//! Status: not implemented yet — this crate is filled by the policy-report issue. It
//! exports nothing so far, so nothing can be mistaken for working reports.

#![deny(missing_docs)]
