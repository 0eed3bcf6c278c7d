//! The pure policy engine: `Engine::builder().policies(..).exceptions(..).build()?` compiles
//! patterns, wildcards, JMESPath and CEL once and indexes rules by kind;
//! `engine.evaluate(&resource, &ctx)` is `&self`, pure (time, operation, user info and
//! external data come in `ctx`) and gives Kyverno's verdicts as
//! [`policy_model::RuleResult`]s.
//!
//! Status: under construction (issue 3). The shared building blocks live in private
//! modules; the public engine API arrives with the rule pipeline.

#![deny(missing_docs)]
// Building blocks land before the pipeline that uses them.
#![allow(dead_code)]

mod conditions;
mod duration;
mod gofmt;
mod jmespath;
mod pattern;
mod quantity;
mod variables;
mod wildcard;
