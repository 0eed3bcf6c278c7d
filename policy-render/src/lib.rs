//! Helm-like policy charts and Kustomize-like overlays, rendered without Helm or Kustomize.
//!
//! A chart is a directory with `Chart.yaml`, `values.yaml` and `templates/`; values layer
//! with Helm's exact semantics (chart values, then `-f` files, then `--set-json`, `--set`,
//! `--set-string`; see [`values`]); templates are minijinja with delimiters that leave
//! Kyverno's own `{{ … }}` untouched (`[[ expr ]]`, `[% stmt %]`, `[# comment #]`; see
//! [`template`]). Overlays ([`overlay`]) combine charts, YAML directories and other
//! overlays, and patch them with RFC 6902 JSON Patches and RFC 7396 Merge Patches instead
//! of Kustomize's strategic merge.
//!
//! ```
//! use policy_render::{Chart, RenderOptions};
//!
//! let chart = Chart::from_files("security", [
//!     ("Chart.yaml".to_owned(), "apiVersion: v2\nname: security\nversion: 1.0.0\n".to_owned()),
//!     ("values.yaml".to_owned(), "action: Audit\n".to_owned()),
//!     ("templates/p.yaml".to_owned(), concat!(
//!         "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\n",
//!         "spec:\n  validationFailureAction: [[ Values.action ]]\n",
//!         "  rules:\n  - name: r\n    validate:\n",
//!         "      message: \"{{ request.object.metadata.name }} needs a team\"\n",
//!     ).to_owned()),
//! ]).unwrap();
//! let mut options = RenderOptions::default();
//! options.set.push("action=Enforce".to_owned());
//! let out = chart.render(&options).unwrap();
//! let yaml = policy_render::to_yaml_stream(&out.values_list()).unwrap();
//! assert!(yaml.contains("validationFailureAction: Enforce"));
//! assert!(yaml.contains("message: \"{{ request.object.metadata.name }} needs a team\""));
//! ```
//!
//! Library code reads files only below the chart or overlay directory it was given
//! (module `fsio`); it never reads the clock or the environment.

#![deny(missing_docs)]

mod chart;
mod error;
mod fsio;
pub mod output;
pub mod overlay;
mod schema;
pub mod template;
pub mod values;

pub use chart::{Chart, ChartMetadata, RenderOptions, Rendered, RenderedDocument, ValuesFile};
pub use error::{RenderError, RenderErrorKind};
pub use output::{file_names, to_yaml_stream};
pub use overlay::build_overlay;
pub use template::{DEFAULT_FUEL, TemplateSyntax};
pub use values::{SetMode, coalesce_values, merge_maps, parse_set, user_values};
