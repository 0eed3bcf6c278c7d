//! The pure policy engine: `Engine::builder().policies(..).exceptions(..).build()?` compiles
//! patterns, wildcards, JMESPath and CEL once and indexes rules by kind;
//! `engine.evaluate(&resource, &ctx)` is `&self`, pure (time, operation, user info and
//! external data come in `ctx`) and gives Kyverno's verdicts as
//! [`policy_model::RuleResult`]s.
//!
//! Status: not implemented yet — this crate is filled by the policy-eval issue. It exports
//! nothing so far, so nothing can be mistaken for a working engine.

#![deny(missing_docs)]
