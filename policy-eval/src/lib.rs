//! The pure policy engine: `Engine::builder().policies(..).exceptions(..).build()?` compiles
//! patterns, wildcards and JMESPath once and indexes rules by kind;
//! `engine.evaluate(&resource, &ctx)` is `&self`, pure (time, operation, user info and
//! external data come in `ctx`) and gives Kyverno's verdicts as
//! [`policy_model::RuleResult`]s.
//!
//! `kyverno test` semantics live in [`kyverno_test`] (pure; the CLI loads the files).

#![deny(missing_docs)]

mod autogen;
mod conditions;
mod context;
mod engine;
pub mod kyverno_test;
mod label;
mod matching;
mod pattern;
mod pss;
mod variables;

pub use context::{ApiCallMock, EvalContext, ExternalData, Operation};
pub use engine::{
    BuildError, Engine, EngineBuilder, Evaluation, PolicyResponse, SkippedPolicy, Stage,
};
pub use matching::RequestUser;
