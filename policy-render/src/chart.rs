//! Charts: `Chart.yaml`, `values.yaml`, `templates/`, optional `values.schema.json`.

use std::path::Path;

use minijinja::value::Serde;
use serde_json::{Map, Value};

use crate::error::{RenderError, RenderErrorKind};
use crate::fsio::Root;
use crate::template::{DEFAULT_FUEL, Engine, TemplateSyntax};
use crate::values::{coalesce_values, user_values};

/// `Chart.yaml`'s standard fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChartMetadata {
    /// `apiVersion` (`v2`).
    pub api_version: String,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: String,
    /// `description`, when given.
    pub description: Option<String>,
    /// `appVersion`, when given.
    pub app_version: Option<String>,
}

/// A values file given with `-f`: its name (for messages) and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValuesFile {
    /// The name shown in errors (the path as given).
    pub name: String,
    /// The YAML text.
    pub text: String,
}

/// Everything a render takes besides the chart. Values layer in Helm's order:
/// `values.yaml`, `values_files` left to right, then all `set_json`, all `set`, all
/// `set_string`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RenderOptions {
    /// `-f` files, left to right.
    pub values_files: Vec<ValuesFile>,
    /// `--set-json` arguments.
    pub set_json: Vec<String>,
    /// `--set` arguments.
    pub set: Vec<String>,
    /// `--set-string` arguments.
    pub set_string: Vec<String>,
    /// `Release.Name`; default: the chart's name.
    pub release_name: Option<String>,
    /// `Release.Namespace`; default `default`.
    pub namespace: Option<String>,
    /// `Env`, the environment name; default empty.
    pub env: Option<String>,
    /// Fuel per template; default [`crate::DEFAULT_FUEL`].
    pub fuel: Option<u64>,
}

/// One rendered document and the template it came from.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RenderedDocument {
    /// The template's path inside the chart (`templates/network.yaml`).
    pub template: String,
    /// The document.
    pub value: Value,
}

/// The result of rendering a chart.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Rendered {
    /// The chart's name.
    pub chart: String,
    /// Documents in template order (templates sorted by path, documents in file order);
    /// empty documents are dropped, as Helm does.
    pub documents: Vec<RenderedDocument>,
    /// The coalesced values the templates saw.
    pub values: Map<String, Value>,
}

impl Rendered {
    /// The documents' values.
    #[must_use]
    pub fn values_list(&self) -> Vec<Value> {
        self.documents.iter().map(|d| d.value.clone()).collect()
    }

    /// A multi-document YAML stream like `helm template`'s: each document preceded by
    /// `# Source: <chart>/<template>`.
    pub fn to_yaml(&self) -> Result<String, RenderError> {
        let mut out = String::new();
        for d in &self.documents {
            out.push_str("---\n# Source: ");
            out.push_str(&self.chart);
            out.push('/');
            out.push_str(&d.template);
            out.push('\n');
            out.push_str(&crate::output::yaml_value(&d.value)?);
        }
        Ok(out)
    }
}

/// A loaded chart, ready to render any number of times.
#[derive(Clone, Debug)]
pub struct Chart {
    metadata: ChartMetadata,
    chart_yaml: Map<String, Value>,
    values: Map<String, Value>,
    /// (name relative to `templates/`, source), sorted by name.
    templates: Vec<(String, String)>,
    schema: Option<Value>,
    syntax: TemplateSyntax,
    /// How the chart directory is named in messages (with a trailing `/`).
    label: String,
}

/// Parses a YAML file expected to hold one mapping (or nothing).
pub(crate) fn parse_map(name: &str, text: &str) -> Result<Map<String, Value>, RenderError> {
    let docs = policy_model::split_documents(text);
    let Some(doc) = docs.first() else {
        return Ok(Map::new());
    };
    match doc
        .parse(name)
        .map_err(|e| RenderError::from_load(RenderErrorKind::Syntax, &e))?
    {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(
            RenderError::new(RenderErrorKind::Invalid, "expected a mapping")
                .with_file(name)
                .with_line(Some(doc.line_offset + 1)),
        ),
    }
}

fn str_field(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn pair(v: &Value) -> Option<(String, String)> {
    match v.as_array().map(Vec::as_slice) {
        Some([Value::String(a), Value::String(b)]) => Some((a.clone(), b.clone())),
        _ => None,
    }
}

fn parse_syntax(v: Option<&Value>, file: &str) -> Result<TemplateSyntax, RenderError> {
    let mut syntax = TemplateSyntax::default();
    let Some(v) = v else { return Ok(syntax) };
    let invalid = |what: &str| {
        RenderError::new(
            RenderErrorKind::Invalid,
            format!("`templateSyntax.{what}` must be a list of two strings"),
        )
        .with_file(file)
    };
    let Value::Object(m) = v else {
        return Err(RenderError::new(
            RenderErrorKind::Invalid,
            "`templateSyntax` must be a mapping",
        )
        .with_file(file));
    };
    for (key, val) in m {
        match key.as_str() {
            "variable" => syntax.variable = pair(val).ok_or_else(|| invalid("variable"))?,
            "block" => syntax.block = pair(val).ok_or_else(|| invalid("block"))?,
            "comment" => syntax.comment = pair(val).ok_or_else(|| invalid("comment"))?,
            "trimBlocks" => syntax.trim_blocks = val.as_bool().unwrap_or(syntax.trim_blocks),
            "lstripBlocks" => syntax.lstrip_blocks = val.as_bool().unwrap_or(syntax.lstrip_blocks),
            other => {
                return Err(RenderError::new(
                    RenderErrorKind::Invalid,
                    format!("unknown field `templateSyntax.{other}`"),
                )
                .with_file(file));
            }
        }
    }
    Ok(syntax)
}

fn is_template(name: &str) -> bool {
    let file = name.rsplit('/').next().unwrap_or(name);
    !file.starts_with('_') && (file.ends_with(".yaml") || file.ends_with(".yml"))
}

impl Chart {
    /// Loads a chart directory. Reads only below `dir`.
    pub fn load(dir: &Path) -> Result<Self, RenderError> {
        let root = Root::open(dir)?;
        let mut files = Vec::new();
        for name in ["Chart.yaml", "values.yaml", "values.schema.json"] {
            if name == "Chart.yaml" || root.exists(Path::new(name)) {
                files.push((name.to_owned(), root.read(Path::new(name))?));
            }
        }
        if root.is_dir(Path::new("templates")) {
            for rel in root.files(Path::new("templates"), &|_| true)? {
                let text = root.read(&rel)?;
                let name = rel.to_string_lossy().replace('\\', "/");
                files.push((name, text));
            }
        }
        let label = root.shown().display().to_string();
        Self::from_files(&label, files)
    }

    /// Builds a chart from in-memory files: paths relative to the chart directory
    /// (`Chart.yaml`, `values.yaml`, `templates/x.yaml`, `templates/_helpers.j2`,
    /// `values.schema.json`). `label` names the chart directory in messages.
    pub fn from_files(
        label: &str,
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, RenderError> {
        let label = if label.is_empty() || label.ends_with('/') {
            label.to_owned()
        } else {
            format!("{label}/")
        };
        let mut chart_yaml = None;
        let mut values = Map::new();
        let mut schema = None;
        let mut templates = Vec::new();
        for (path, text) in files {
            let shown = format!("{label}{path}");
            match path.as_str() {
                "Chart.yaml" => chart_yaml = Some(parse_map(&shown, &text)?),
                "values.yaml" => values = parse_map(&shown, &text)?,
                "values.schema.json" => {
                    let v: Value = serde_json::from_str(&text).map_err(|e| {
                        RenderError::new(RenderErrorKind::Syntax, format!("invalid JSON: {e}"))
                            .with_file(shown.clone())
                            .with_line(Some(e.line()))
                    })?;
                    schema = Some(v);
                }
                p => {
                    if let Some(name) = p.strip_prefix("templates/") {
                        templates.push((name.to_owned(), text));
                    }
                }
            }
        }
        let chart_file = format!("{label}Chart.yaml");
        let Some(chart_yaml) = chart_yaml else {
            return Err(
                RenderError::new(RenderErrorKind::Io, "missing chart file `Chart.yaml`")
                    .with_file(chart_file),
            );
        };
        let required = |key: &str| {
            str_field(&chart_yaml, key).ok_or_else(|| {
                RenderError::new(
                    RenderErrorKind::Invalid,
                    format!("missing required field `{key}`"),
                )
                .with_file(chart_file.clone())
            })
        };
        let metadata = ChartMetadata {
            api_version: required("apiVersion")?,
            name: required("name")?,
            version: required("version")?,
            description: str_field(&chart_yaml, "description"),
            app_version: str_field(&chart_yaml, "appVersion"),
        };
        let syntax = parse_syntax(chart_yaml.get("templateSyntax"), &chart_file)?;
        templates.sort();
        Ok(Self {
            metadata,
            chart_yaml,
            values,
            templates,
            schema,
            syntax,
            label,
        })
    }

    /// The chart's metadata.
    #[must_use]
    pub fn metadata(&self) -> &ChartMetadata {
        &self.metadata
    }

    /// The chart's own `values.yaml`.
    #[must_use]
    pub fn default_values(&self) -> &Map<String, Value> {
        &self.values
    }

    /// The template delimiters in force.
    #[must_use]
    pub fn syntax(&self) -> &TemplateSyntax {
        &self.syntax
    }

    /// The final values for `options` (layered, coalesced, schema-checked), as templates
    /// see them under `Values`.
    pub fn values(&self, options: &RenderOptions) -> Result<Map<String, Value>, RenderError> {
        let mut files = Vec::with_capacity(options.values_files.len());
        for f in &options.values_files {
            files.push(parse_map(&f.name, &f.text)?);
        }
        let user = user_values(&files, &options.set_json, &options.set, &options.set_string)?;
        let values = coalesce_values(&self.values, user);
        if let Some(schema) = &self.schema {
            let problems = crate::schema::validate(schema, &Value::Object(values.clone()));
            if let Some((path, _)) = problems.first() {
                let list: Vec<String> = problems
                    .iter()
                    .map(|(p, m)| format!("`{p}`: {m}"))
                    .collect();
                return Err(RenderError::new(
                    RenderErrorKind::Schema,
                    format!("values do not satisfy the schema: {}", list.join("; ")),
                )
                .with_file(format!("{}values.schema.json", self.label))
                .with_values_path(path.clone()));
            }
        }
        Ok(values)
    }

    fn context(&self, options: &RenderOptions, values: &Map<String, Value>) -> Value {
        let release = options
            .release_name
            .clone()
            .unwrap_or_else(|| self.metadata.name.clone());
        let namespace = options
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_owned());
        let mut chart = self.chart_yaml.clone();
        chart.remove("templateSyntax");
        for (alias, key) in [
            ("Name", "name"),
            ("Version", "version"),
            ("Description", "description"),
            ("AppVersion", "appVersion"),
            ("APIVersion", "apiVersion"),
        ] {
            if let Some(v) = self.chart_yaml.get(key) {
                chart.insert(alias.to_owned(), v.clone());
            }
        }
        let ctx = serde_json::json!({
            "Values": values,
            "Release": {
                "Name": release, "Namespace": namespace, "Service": "policyctl",
                "name": release, "namespace": namespace,
            },
            "Chart": chart,
            "Env": options.env.clone().unwrap_or_default(),
        });
        ctx
    }

    /// Renders every template (`templates/**/*.yaml` not starting with `_`) and parses
    /// the output into documents.
    pub fn render(&self, options: &RenderOptions) -> Result<Rendered, RenderError> {
        let values = self.values(options)?;
        let ctx = minijinja::Value::from(Serde(self.context(options, &values)));
        let engine = Engine::new(
            &self.syntax,
            &self.templates,
            &format!("{}templates/", self.label),
            options.fuel.unwrap_or(DEFAULT_FUEL),
        )?;
        let mut documents = Vec::new();
        for (name, _) in &self.templates {
            if !is_template(name) {
                continue;
            }
            let text = engine.render(name, &ctx)?;
            let shown = format!("{}templates/{name}", self.label);
            for slice in policy_model::split_stream(&text) {
                let value = slice.parse(&shown).map_err(|e| {
                    let mut err = RenderError::from_load(RenderErrorKind::RenderedYaml, &e);
                    err.message = format!(
                        "rendered output is not valid YAML: {} (line {} of the rendered output)",
                        err.message,
                        err.line.unwrap_or(0)
                    );
                    err.line = None;
                    err.column = None;
                    err
                })?;
                if value.is_null() {
                    continue;
                }
                documents.push(RenderedDocument {
                    template: format!("templates/{name}"),
                    value,
                });
            }
        }
        Ok(Rendered {
            chart: self.metadata.name.clone(),
            documents,
            values,
        })
    }
}
