//! Go and Kubernetes value semantics, exactly as Kyverno's Go code has them, shared by the
//! JMESPath functions (`policy-jmespath`), the pattern and condition operators
//! (`policy-eval`) and, next, CEL's Kubernetes and Kyverno libraries (CEL-12/13).
//!
//! A leaf: no workspace crate, no clock, no I/O. Each module names the Go package it
//! reproduces:
//!
//! - [`quantity`]: `k8s.io/apimachinery` resource quantities, exact decimals;
//! - [`duration`]: `time.ParseDuration` / `Duration.String`;
//! - [`time`]: `time.Parse` layouts, RFC 3339, the civil calendar;
//! - [`gofmt`]: `fmt.Sprint` and `strconv.FormatFloat` renderings;
//! - [`regex`]: Go RE2 syntax over the `regex` crate, `ReplaceAll`;
//! - [`semver`]: `blang/semver` v4 versions and ranges;
//! - [`image`]: `distribution/reference` image references;
//! - [`x509`]: `crypto/x509` certificates and requests as Go's JSON renders them;
//! - [`random`]: strings drawn from a regex with a caller-supplied seed.

#![deny(missing_docs)]

pub mod duration;
pub mod gofmt;
pub mod image;
pub mod quantity;
pub mod random;
pub mod regex;
pub mod semver;
pub mod time;
pub mod x509;
