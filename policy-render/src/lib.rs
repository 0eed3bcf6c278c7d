//! Helm-like policy charts, rendered without Helm or Kustomize.
//!
//! A chart is a directory with `Chart.yaml`, `values.yaml` and `templates/`; values layer
//! with Helm's exact semantics (chart values, then `-f` files, then `--set-json`, `--set`,
//! `--set-string`); templates are minijinja with delimiters that leave Kyverno's own
//! `{{ … }}` untouched; overlays are RFC 6902 JSON Patches and RFC 7396 Merge Patches
//! instead of Kustomize's strategic merge.
//!
//! Status: not implemented yet — this crate is filled by the policy-render issue. It
//! exports nothing so far, so nothing can be mistaken for a working renderer.

#![deny(missing_docs)]
