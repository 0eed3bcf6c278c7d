//! `validate.podSecurity` (MR-8): Kubernetes Pod Security Standards checks as Kyverno runs
//! them (its fork of `k8s.io/pod-security-admission` with field errors), the exclusion
//! mechanism built on those field errors, and the rule message and report properties.
//!
//! Everything works on `serde_json::Value` views of the pod: a field that is absent or `null`
//! counts as unset, as it would in the typed Go structs.

use std::collections::{BTreeMap, BTreeSet};

use policy_model::RuleStatus;
use policy_model::policy::{PodSecurity, PodSecurityExclude};
use serde_json::{Map, Value, json};

use policy_model::wildcard;

/// The verdict of one `podSecurity` rule.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PssOutcome {
    pub status: RuleStatus,
    pub message: String,
    /// Report properties (MR-8.4): `standard`, `version`, `controls`, `controlsJSON` on failure.
    pub properties: BTreeMap<String, String>,
}

/// MR-8: evaluate `validate.podSecurity` of rule `rule` on `resource` (the object as
/// validated). DELETE is the caller's business (no response).
pub(crate) fn evaluate(
    rule: &str,
    ps: &PodSecurity,
    extra_exclusions: &[PodSecurityExclude],
    resource: &Value,
) -> PssOutcome {
    let level = match Level::parse(&ps.level) {
        Some(l) => l,
        None => {
            return error(format!(
                "failed to parse pod security level: invalid level `{}`",
                ps.level
            ));
        }
    };
    let version_text = ps
        .version
        .as_deref()
        .filter(|v| !v.is_empty())
        .unwrap_or("latest");
    let version = match parse_version(version_text) {
        Some(v) => v,
        None => {
            return error(format!(
                "failed to parse pod security api version: invalid version `{version_text}`"
            ));
        }
    };
    let Some(pod) = extract_pod(resource) else {
        let kind = resource
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return error(format!(
            "Error while getting new resource: could not find podSpec in `{kind}`"
        ));
    };

    let mut results = run_checks(level, version, &pod);
    for exclude in ps.exclude.iter().chain(extra_exclusions) {
        apply_exclusion(level, version, &mut results, exclude, &pod);
    }

    if results.is_empty() {
        return PssOutcome {
            status: RuleStatus::Pass,
            message: format!("Validation rule '{rule}' passed."),
            properties: BTreeMap::new(),
        };
    }
    let message = format!(
        "Validation rule '{rule}' failed. It violates PodSecurity \"{}:{}\": {}",
        ps.level,
        version_text,
        format_checks(&results, pod.prefix)
    );
    PssOutcome {
        status: RuleStatus::Fail,
        message,
        properties: properties(&ps.level, version_text, &results, &pod),
    }
}

fn error(message: String) -> PssOutcome {
    PssOutcome {
        status: RuleStatus::Error,
        message,
        properties: BTreeMap::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Levels and versions (MR-8.2)

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Privileged,
    Baseline,
    Restricted,
}

impl Level {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "privileged" => Some(Self::Privileged),
            "baseline" => Some(Self::Baseline),
            "restricted" => Some(Self::Restricted),
            _ => None,
        }
    }
}

/// A `v1.<minor>` version; `latest` is the greatest.
type Version = u32;
const LATEST: Version = u32::MAX;

fn parse_version(s: &str) -> Option<Version> {
    if s == "latest" {
        return Some(LATEST);
    }
    let minor = s.strip_prefix("v1.")?;
    if minor.is_empty()
        || !minor.bytes().all(|b| b.is_ascii_digit())
        || (minor.len() > 1 && minor.starts_with('0'))
    {
        return None;
    }
    minor.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// Pod extraction (MR-8.1)

/// The pod-shaped view of a resource: metadata, spec and the prefix of field paths in messages.
#[derive(Clone, Debug)]
struct Pod {
    meta: Value,
    spec: Value,
    prefix: &'static str,
}

fn extract_pod(resource: &Value) -> Option<Pod> {
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let obj = |v: Option<&Value>| {
        v.filter(|v| v.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}))
    };
    let (meta, spec, prefix) = match kind {
        "Pod" => (obj(resource.get("metadata")), obj(resource.get("spec")), ""),
        "DaemonSet"
        | "Deployment"
        | "Job"
        | "StatefulSet"
        | "ReplicaSet"
        | "ReplicationController" => (
            obj(resource.pointer("/spec/template/metadata")),
            obj(resource.pointer("/spec/template/spec")),
            "spec.template.",
        ),
        // MR-8.1 quirk: the CronJob's metadata comes from the job template, not the pod template.
        "CronJob" => (
            obj(resource.pointer("/spec/jobTemplate/metadata")),
            obj(resource.pointer("/spec/jobTemplate/spec/template/spec")),
            "spec.jobTemplate.spec.template.",
        ),
        _ => return None,
    };
    Some(Pod { meta, spec, prefix })
}

// ---------------------------------------------------------------------------------------------
// Check results

#[derive(Clone, Debug, PartialEq)]
enum BadValue {
    None,
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<String>),
}

impl BadValue {
    /// The values an exclusion's `values` must cover (Kyverno's `extractBadValues`).
    fn values(&self) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::Str(s) if s.is_empty() => Vec::new(),
            Self::Str(s) => vec![s.clone()],
            Self::Bool(b) => vec![b.to_string()],
            Self::Int(i) => vec![i.to_string()],
            Self::List(l) => l.clone(),
        }
    }

    /// Go's `%+v`.
    fn display(&self) -> String {
        match self {
            Self::None => String::new(),
            Self::Str(s) => s.clone(),
            Self::Bool(b) => b.to_string(),
            Self::Int(i) => i.to_string(),
            Self::List(l) => format!("[{}]", l.join(" ")),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ErrKind {
    Forbidden,
    Required,
}

#[derive(Clone, Debug, PartialEq)]
struct FieldError {
    kind: ErrKind,
    field: String,
    bad: BadValue,
}

fn forbidden(field: impl Into<String>, bad: BadValue) -> FieldError {
    FieldError {
        kind: ErrKind::Forbidden,
        field: field.into(),
        bad,
    }
}

fn required(field: impl Into<String>) -> FieldError {
    FieldError {
        kind: ErrKind::Required,
        field: field.into(),
        bad: BadValue::None,
    }
}

/// A failed check.
#[derive(Clone, Debug, PartialEq)]
struct Violation {
    reason: String,
    detail: String,
    errors: Vec<FieldError>,
}

#[derive(Clone, Debug, PartialEq)]
struct CheckResult {
    id: &'static str,
    reason: String,
    detail: String,
    errors: Vec<FieldError>,
}

type CheckFn = fn(&Value, &Value) -> Option<Violation>;

struct CheckDef {
    id: &'static str,
    level: Level,
    /// `(minimum minor version, implementation)`, oldest first.
    versions: &'static [(Version, CheckFn)],
}

/// All checks, in the order the Go registry runs them (file name order).
const CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "allowPrivilegeEscalation",
        level: Level::Restricted,
        versions: &[
            (8, allow_privilege_escalation_1_8),
            (25, allow_privilege_escalation_1_25),
        ],
    },
    CheckDef {
        id: "appArmorProfile",
        level: Level::Baseline,
        versions: &[(0, app_armor_profile)],
    },
    CheckDef {
        id: "capabilities_baseline",
        level: Level::Baseline,
        versions: &[(0, capabilities_baseline)],
    },
    CheckDef {
        id: "capabilities_restricted",
        level: Level::Restricted,
        versions: &[
            (22, capabilities_restricted_1_22),
            (25, capabilities_restricted_1_25),
        ],
    },
    CheckDef {
        id: "hostNamespaces",
        level: Level::Baseline,
        versions: &[(0, host_namespaces)],
    },
    CheckDef {
        id: "hostPathVolumes",
        level: Level::Baseline,
        versions: &[(0, host_path_volumes)],
    },
    CheckDef {
        id: "hostPorts",
        level: Level::Baseline,
        versions: &[(0, host_ports)],
    },
    CheckDef {
        id: "hostProbesAndHostLifecycle",
        level: Level::Baseline,
        versions: &[(34, host_probes_and_lifecycle)],
    },
    CheckDef {
        id: "privileged",
        level: Level::Baseline,
        versions: &[(0, privileged)],
    },
    CheckDef {
        id: "procMount",
        level: Level::Baseline,
        versions: &[(0, proc_mount)],
    },
    CheckDef {
        id: "restrictedVolumes",
        level: Level::Restricted,
        versions: &[(0, restricted_volumes)],
    },
    CheckDef {
        id: "runAsNonRoot",
        level: Level::Restricted,
        versions: &[(0, run_as_non_root)],
    },
    CheckDef {
        id: "runAsUser",
        level: Level::Restricted,
        versions: &[(23, run_as_user)],
    },
    CheckDef {
        id: "seLinuxOptions",
        level: Level::Baseline,
        versions: &[(0, se_linux_options_1_0), (31, se_linux_options_1_31)],
    },
    CheckDef {
        id: "seccompProfile_baseline",
        level: Level::Baseline,
        versions: &[(0, seccomp_baseline_1_0), (19, seccomp_baseline_1_19)],
    },
    CheckDef {
        id: "seccompProfile_restricted",
        level: Level::Restricted,
        versions: &[(19, seccomp_restricted_1_19), (25, seccomp_restricted_1_25)],
    },
    CheckDef {
        id: "sysctls",
        level: Level::Baseline,
        versions: &[
            (0, sysctls_1_0),
            (27, sysctls_1_27),
            (29, sysctls_1_29),
            (32, sysctls_1_32),
        ],
    },
    CheckDef {
        id: "windowsHostProcess",
        level: Level::Baseline,
        versions: &[(0, windows_host_process)],
    },
];

/// MR-8.3: control names (for `exclude`) to check ids.
fn control_check_ids(control: &str) -> &'static [&'static str] {
    match control {
        "Capabilities" => &["capabilities_baseline", "capabilities_restricted"],
        "Seccomp" => &["seccompProfile_baseline", "seccompProfile_restricted"],
        "Privileged Containers" => &["privileged"],
        "Host Ports" => &["hostPorts"],
        "/proc Mount Type" => &["procMount"],
        "HostProcess" => &["windowsHostProcess"],
        "SELinux" => &["seLinuxOptions"],
        "Host Namespaces" => &["hostNamespaces"],
        "HostPath Volumes" => &["hostPathVolumes"],
        "Sysctls" => &["sysctls"],
        "AppArmor" => &["appArmorProfile"],
        "Privilege Escalation" => &["allowPrivilegeEscalation"],
        "Running as Non-root" => &["runAsNonRoot"],
        "Running as Non-root user" => &["runAsUser"],
        "Volume Types" => &["restrictedVolumes"],
        _ => &[],
    }
}

/// MR-8.2: the implementation of a check for `version`: the newest whose minimum version is at
/// most `version`, else the oldest.
fn implementation(def: &CheckDef, version: Version) -> Option<CheckFn> {
    def.versions
        .iter()
        .rev()
        .find(|(min, _)| *min <= version)
        .or_else(|| def.versions.first())
        .map(|(_, f)| *f)
}

fn run_checks(level: Level, version: Version, pod: &Pod) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for def in CHECKS {
        // `baseline` runs the baseline checks; `restricted` and (quirk) `privileged` run all.
        if level == Level::Baseline && def.level != Level::Baseline {
            continue;
        }
        let Some(check) = implementation(def, version) else {
            continue;
        };
        if let Some(v) = check(&pod.meta, &pod.spec) {
            out.push(CheckResult {
                id: def.id,
                reason: v.reason,
                detail: v.detail,
                errors: v.errors,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Exclusions (MR-8.3)

fn apply_exclusion(
    level: Level,
    version: Version,
    results: &mut Vec<CheckResult>,
    exclude: &PodSecurityExclude,
    pod: &Pod,
) {
    let ids = control_check_ids(&exclude.control_name);
    if ids.is_empty() {
        return;
    }
    let container_level = !exclude.images.is_empty();
    let probe = if container_level {
        matching_pod(pod, &exclude.images)
    } else {
        bare_container_pod(pod)
    };
    let restricted = exclude.restricted_field.as_deref().unwrap_or_default();
    for ex in run_checks(level, version, &probe) {
        if !ids.contains(&ex.id) {
            continue;
        }
        for ex_err in &ex.errors {
            let ex_field = normalize_indices(&ex_err.field);
            if !restricted.is_empty() && ex_field != restricted {
                continue;
            }
            if !exclude.values.is_empty()
                && !ex_err
                    .bad
                    .values()
                    .iter()
                    .all(|v| exclude.values.iter().any(|p| wildcard::matches(p, v)))
            {
                continue;
            }
            let ex_container = if container_level {
                container_name(&probe.spec, &ex_err.field)
            } else {
                None
            };
            let Some(real) = results.iter_mut().find(|r| r.id == ex.id) else {
                continue;
            };
            let hit = real.errors.iter().position(|e| {
                normalize_indices(&e.field) == ex_field
                    && (ex_container.is_none()
                        || container_name(&pod.spec, &e.field) == ex_container)
            });
            if let Some(i) = hit {
                // Kyverno removes by swapping with the last element.
                real.errors.swap_remove(i);
            }
        }
        // A check whose errors are all removed disappears.
        results.retain(|r| r.id != ex.id || !r.errors.is_empty());
    }
}

/// The pod with its containers replaced by one bare container (exclusions without `images`).
fn bare_container_pod(pod: &Pod) -> Pod {
    let mut spec = pod.spec.clone();
    if let Some(m) = spec.as_object_mut() {
        m.insert("containers".into(), json!([{ "name": "fake" }]));
        m.remove("initContainers");
        m.remove("ephemeralContainers");
    }
    Pod {
        meta: pod.meta.clone(),
        spec,
        prefix: pod.prefix,
    }
}

/// A pod holding only the containers whose image matches one of `images`, without any
/// pod-level setting (exclusions with `images`).
fn matching_pod(pod: &Pod, images: &[String]) -> Pod {
    let mut meta = Map::new();
    for key in ["name", "namespace"] {
        if let Some(v) = pod.meta.get(key) {
            meta.insert(key.into(), v.clone());
        }
    }
    let mut spec = Map::new();
    for key in CONTAINER_LISTS {
        let matching: Vec<Value> = list(&pod.spec, key)
            .iter()
            .filter(|c| {
                let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
                images.iter().any(|p| wildcard::matches(p, image))
            })
            .cloned()
            .collect();
        if !matching.is_empty() {
            spec.insert(key.into(), Value::Array(matching));
        }
    }
    Pod {
        meta: Value::Object(meta),
        spec: Value::Object(spec),
        prefix: pod.prefix,
    }
}

/// Every bracketed numeric index becomes `[*]`.
fn normalize_indices(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut rest = field;
    while let Some(open) = rest.find('[') {
        let (head, tail) = rest.split_at(open);
        out.push_str(head);
        let inner = tail.get(1..).unwrap_or_default();
        match inner.find(']') {
            Some(close)
                if close > 0
                    && inner
                        .get(..close)
                        .is_some_and(|s| s.bytes().all(|b| b.is_ascii_digit())) =>
            {
                out.push_str("[*]");
                rest = inner.get(close + 1..).unwrap_or_default();
            }
            _ => {
                out.push('[');
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The name of the container a field error points into (`spec.<list>[<i>]...`), if any.
fn container_name(spec: &Value, field: &str) -> Option<String> {
    let rest = field.strip_prefix("spec.")?;
    let open = rest.find('[')?;
    let key = rest.get(..open)?;
    if !CONTAINER_LISTS.contains(&key) {
        return None;
    }
    let after = rest.get(open + 1..)?;
    let index: usize = after.get(..after.find(']')?)?.parse().ok()?;
    list(spec, key)
        .get(index)?
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Messages and properties (MR-8.4)

fn format_checks(results: &[CheckResult], prefix: &str) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str("(Forbidden reason: ");
        out.push_str(&r.reason);
        out.push_str(", field error list: [");
        let errors: Vec<String> = r.errors.iter().map(|e| format_error(e, prefix)).collect();
        out.push_str(&errors.join(", "));
        out.push_str("])");
    }
    out
}

fn format_error(e: &FieldError, prefix: &str) -> String {
    let field = format!("{prefix}{}", e.field);
    let has_value =
        !matches!(&e.bad, BadValue::None) && !matches!(&e.bad, BadValue::Str(s) if s.is_empty());
    match e.kind {
        ErrKind::Forbidden if has_value => {
            format!(
                "{field} is forbidden, forbidden values found: {}",
                e.bad.display()
            )
        }
        ErrKind::Forbidden => format!("{field}: Forbidden"),
        ErrKind::Required => format!("{field}: Required value"),
    }
}

fn properties(
    level: &str,
    version: &str,
    results: &[CheckResult],
    pod: &Pod,
) -> BTreeMap<String, String> {
    let mut controls: Vec<&str> = results.iter().map(|r| r.id).collect();
    controls.sort_unstable();
    let json: Vec<Value> = results
        .iter()
        .map(|r| {
            let images: BTreeSet<String> = r
                .errors
                .iter()
                .filter_map(|e| container_image(&pod.spec, &e.field))
                .collect();
            json!({ "ID": r.id, "Name": r.reason, "Images": images.into_iter().collect::<Vec<_>>() })
        })
        .collect();
    let mut props = BTreeMap::new();
    props.insert("standard".to_owned(), level.to_owned());
    props.insert("version".to_owned(), version.to_owned());
    props.insert("controls".to_owned(), controls.join(","));
    props.insert("controlsJSON".to_owned(), Value::Array(json).to_string());
    props
}

fn container_image(spec: &Value, field: &str) -> Option<String> {
    let name = container_name(spec, field)?;
    CONTAINER_LISTS
        .iter()
        .flat_map(|k| list(spec, k))
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name.as_str()))
        .and_then(|c| c.get("image").and_then(Value::as_str))
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Value helpers

/// The container lists, in the order the checks visit them.
const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `v.a.b.c`, with `null` treated as unset.
fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for key in path {
        cur = cur.get(*key)?;
    }
    (!cur.is_null()).then_some(cur)
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

fn bool_at(v: &Value, path: &[&str]) -> Option<bool> {
    at(v, path).and_then(Value::as_bool)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A container with its field path (`spec.containers[0]`) and name.
struct Container<'a> {
    path: String,
    name: String,
    value: &'a Value,
}

fn containers(spec: &Value) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    for key in CONTAINER_LISTS {
        for (i, c) in list(spec, key).iter().enumerate() {
            out.push(Container {
                path: format!("spec.{key}[{i}]"),
                name: c
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                value: c,
            });
        }
    }
    out
}

fn pluralize(singular: &str, plural: &str, n: usize) -> String {
    if n == 1 {
        singular.to_owned()
    } else {
        plural.to_owned()
    }
}

fn join_quote<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("{:?}", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `container "a"` / `containers "a", "b"`.
fn containers_phrase(names: &[String]) -> String {
    format!(
        "{} {}",
        pluralize("container", "containers", names.len()),
        join_quote(names)
    )
}

fn is_windows(spec: &Value) -> bool {
    str_at(spec, &["os", "name"]) == Some("windows")
}

// ---------------------------------------------------------------------------------------------
// Baseline checks

fn host_namespaces(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for key in ["hostNetwork", "hostPID", "hostIPC"] {
        if bool_at(spec, &[key]) == Some(true) {
            found.push(format!("{key}=true"));
            errors.push(forbidden(format!("spec.{key}"), BadValue::Bool(true)));
        }
    }
    (!found.is_empty()).then(|| Violation {
        reason: "host namespaces".into(),
        detail: found.join(", "),
        errors,
    })
}

fn privileged(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        if bool_at(c.value, &["securityContext", "privileged"]) == Some(true) {
            errors.push(forbidden(
                format!("{}.securityContext.privileged", c.path),
                BadValue::Bool(true),
            ));
            names.push(c.name);
        }
    }
    (!names.is_empty()).then(|| Violation {
        reason: "privileged".into(),
        detail: format!(
            "{} must not set securityContext.privileged=true",
            containers_phrase(&names)
        ),
        errors,
    })
}

const BASELINE_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

fn capabilities_baseline(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut bad_caps = BTreeSet::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        let added = strings(at(c.value, &["securityContext", "capabilities", "add"]));
        let bad: Vec<String> = added
            .into_iter()
            .filter(|a| !BASELINE_CAPABILITIES.contains(&a.as_str()))
            .collect();
        if !bad.is_empty() {
            bad_caps.extend(bad.iter().cloned());
            errors.push(forbidden(
                format!("{}.securityContext.capabilities.add", c.path),
                BadValue::List(bad),
            ));
            names.push(c.name);
        }
    }
    let caps: Vec<String> = bad_caps.into_iter().collect();
    (!names.is_empty()).then(|| Violation {
        reason: "non-default capabilities".into(),
        detail: format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&names),
            join_quote(&caps)
        ),
        errors,
    })
}

fn host_path_volumes(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    for (i, v) in list(spec, "volumes").iter().enumerate() {
        if let Some(hp) = at(v, &["hostPath"]) {
            let path = hp
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            errors.push(forbidden(
                format!("spec.volumes[{i}].hostPath"),
                BadValue::Str(path),
            ));
            names.push(
                v.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    (!names.is_empty()).then(|| Violation {
        reason: "hostPath volumes".into(),
        detail: format!(
            "{} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names)
        ),
        errors,
    })
}

fn host_ports(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut ports = BTreeSet::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        let mut bad = false;
        for (i, p) in list(c.value, "ports").iter().enumerate() {
            let port = p.get("hostPort").and_then(Value::as_i64).unwrap_or(0);
            if port != 0 {
                bad = true;
                ports.insert(port.to_string());
                errors.push(forbidden(
                    format!("{}.ports[{i}].hostPort", c.path),
                    BadValue::Int(port),
                ));
            }
        }
        if bad {
            names.push(c.name);
        }
    }
    let ports: Vec<String> = ports.into_iter().collect();
    (!names.is_empty()).then(|| Violation {
        reason: "hostPort".into(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize("hostPort", "hostPorts", ports.len()),
            ports.join(", ")
        ),
        errors,
    })
}

fn app_armor_profile(meta: &Value, spec: &Value) -> Option<Violation> {
    let allowed_type = |t: &str| t == "RuntimeDefault" || t == "Localhost";
    let mut setters = Vec::new();
    let mut errors = Vec::new();
    let mut bad_values = BTreeSet::new();
    if let Some(t) = at(spec, &["securityContext", "appArmorProfile"])
        .map(|p| str_at(p, &["type"]).unwrap_or_default())
        && !allowed_type(t)
    {
        setters.push("pod".to_owned());
        bad_values.insert(t.to_owned());
        errors.push(forbidden(
            "spec.securityContext.appArmorProfile.type",
            BadValue::Str(t.to_owned()),
        ));
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if let Some(p) = at(c.value, &["securityContext", "appArmorProfile"]) {
            let t = str_at(p, &["type"]).unwrap_or_default();
            if !allowed_type(t) {
                bad_values.insert(t.to_owned());
                errors.push(forbidden(
                    format!("{}.securityContext.appArmorProfile.type", c.path),
                    BadValue::Str(t.to_owned()),
                ));
                names.push(c.name);
            }
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let mut bad_list: Vec<String> = bad_values.into_iter().collect();
    let mut annotations = Vec::new();
    if let Some(ann) = at(meta, &["annotations"]).and_then(Value::as_object) {
        for (k, v) in ann {
            let v = v.as_str().unwrap_or_default();
            let allowed = v.is_empty() || v == "runtime/default" || v.starts_with("localhost/");
            if k.starts_with("container.apparmor.security.beta.kubernetes.io/") && !allowed {
                annotations.push(format!("{k}={v:?}"));
                errors.push(forbidden(
                    format!("metadata.annotations[{k}]"),
                    BadValue::Str(v.to_owned()),
                ));
            }
        }
    }
    if !annotations.is_empty() {
        annotations.sort();
        setters.push(pluralize("annotation", "annotations", annotations.len()));
        bad_list.extend(annotations);
    }
    (!setters.is_empty()).then(|| Violation {
        reason: pluralize(
            "forbidden AppArmor profile",
            "forbidden AppArmor profiles",
            bad_list.len(),
        ),
        detail: format!(
            "{} must not set AppArmor profile type to {}",
            setters.join(" and "),
            join_quote(&bad_list)
        ),
        errors,
    })
}

fn se_linux_options_1_0(meta: &Value, spec: &Value) -> Option<Violation> {
    se_linux_options(
        meta,
        spec,
        &["", "container_t", "container_init_t", "container_kvm_t"],
    )
}

fn se_linux_options_1_31(meta: &Value, spec: &Value) -> Option<Violation> {
    se_linux_options(
        meta,
        spec,
        &[
            "",
            "container_t",
            "container_init_t",
            "container_kvm_t",
            "container_engine_t",
        ],
    )
}

fn se_linux_options(_meta: &Value, spec: &Value, allowed: &[&str]) -> Option<Violation> {
    let mut bad_types = BTreeSet::new();
    let (mut set_user, mut set_role) = (false, false);
    let mut errors = Vec::new();
    let mut check = |opts: &Value, path: &str, errors: &mut Vec<FieldError>| -> bool {
        let mut valid = true;
        let t = str_at(opts, &["type"]).unwrap_or_default();
        if !allowed.contains(&t) {
            valid = false;
            bad_types.insert(t.to_owned());
            errors.push(forbidden(
                format!("{path}.seLinuxOptions.type"),
                BadValue::Str(t.to_owned()),
            ));
        }
        for (key, flag) in [("user", &mut set_user), ("role", &mut set_role)] {
            let v = str_at(opts, &[key]).unwrap_or_default();
            if !v.is_empty() {
                valid = false;
                *flag = true;
                errors.push(forbidden(
                    format!("{path}.seLinuxOptions.{key}"),
                    BadValue::Str(v.to_owned()),
                ));
            }
        }
        valid
    };
    let mut setters = Vec::new();
    if let Some(opts) = at(spec, &["securityContext", "seLinuxOptions"])
        && !check(opts, "spec.securityContext", &mut errors)
    {
        setters.push("pod".to_owned());
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if let Some(opts) = at(c.value, &["securityContext", "seLinuxOptions"])
            && !check(opts, &format!("{}.securityContext", c.path), &mut errors)
        {
            names.push(c.name);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    let mut data = Vec::new();
    if !bad_types.is_empty() {
        let types: Vec<String> = bad_types.into_iter().collect();
        data.push(format!(
            "{} {}",
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ));
    }
    if set_user {
        data.push("user may not be set".to_owned());
    }
    if set_role {
        data.push("role may not be set".to_owned());
    }
    Some(Violation {
        reason: "seLinuxOptions".into(),
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        errors,
    })
}

fn proc_mount(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut kinds = BTreeSet::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        if let Some(pm) = at(c.value, &["securityContext", "procMount"]) {
            let pm = pm.as_str().unwrap_or_default();
            if pm != "Default" {
                kinds.insert(pm.to_owned());
                errors.push(forbidden(
                    format!("{}.securityContext.procMount", c.path),
                    BadValue::Str(pm.to_owned()),
                ));
                names.push(c.name);
            }
        }
    }
    let kinds: Vec<String> = kinds.into_iter().collect();
    (!names.is_empty()).then(|| Violation {
        reason: "procMount".into(),
        detail: format!(
            "{} must not set securityContext.procMount to {}",
            containers_phrase(&names),
            join_quote(&kinds)
        ),
        errors,
    })
}

fn valid_seccomp(t: &str) -> bool {
    t == "RuntimeDefault" || t == "Localhost"
}

/// Before 1.19 seccomp lived in annotations.
fn seccomp_baseline_1_0(meta: &Value, spec: &Value) -> Option<Violation> {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let ann = at(meta, &["annotations"]);
    let mut check_key = |key: String| {
        if let Some(v) = ann.and_then(|a| a.get(&key)).and_then(Value::as_str)
            && v == "unconfined"
        {
            found.push(format!("{key}={v:?}"));
            errors.push(forbidden(
                format!("metadata.annotations[{key}]"),
                BadValue::Str(v.to_owned()),
            ));
        }
    };
    check_key("seccomp.security.alpha.kubernetes.io/pod".to_owned());
    for c in containers(spec) {
        check_key(format!(
            "container.seccomp.security.alpha.kubernetes.io/{}",
            c.name
        ));
    }
    (!found.is_empty()).then(|| Violation {
        reason: "seccompProfile".into(),
        detail: format!(
            "forbidden {} {}",
            pluralize("annotation", "annotations", found.len()),
            found.join(", ")
        ),
        errors,
    })
}

fn seccomp_baseline_1_19(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut bad_values = BTreeSet::new();
    let mut errors = Vec::new();
    if let Some(p) = at(spec, &["securityContext", "seccompProfile"]) {
        let t = str_at(p, &["type"]).unwrap_or_default();
        if !valid_seccomp(t) {
            setters.push("pod".to_owned());
            bad_values.insert(t.to_owned());
            errors.push(forbidden(
                "spec.securityContext.seccompProfile.type",
                BadValue::Str(t.to_owned()),
            ));
        }
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if let Some(p) = at(c.value, &["securityContext", "seccompProfile"]) {
            let t = str_at(p, &["type"]).unwrap_or_default();
            if !valid_seccomp(t) {
                bad_values.insert(t.to_owned());
                errors.push(forbidden(
                    format!("{}.securityContext.seccompProfile.type", c.path),
                    BadValue::Str(t.to_owned()),
                ));
                names.push(c.name);
            }
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    let values: Vec<String> = bad_values.into_iter().collect();
    (!setters.is_empty()).then(|| Violation {
        reason: "seccompProfile".into(),
        detail: format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&values)
        ),
        errors,
    })
}

const SYSCTLS_1_0: [&str; 5] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];
const SYSCTLS_1_27: [&str; 1] = ["net.ipv4.ip_local_reserved_ports"];
const SYSCTLS_1_29: [&str; 4] = [
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const SYSCTLS_1_32: [&str; 2] = ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"];

fn sysctls_1_0(meta: &Value, spec: &Value) -> Option<Violation> {
    sysctls(meta, spec, &[&SYSCTLS_1_0])
}

fn sysctls_1_27(meta: &Value, spec: &Value) -> Option<Violation> {
    sysctls(meta, spec, &[&SYSCTLS_1_0, &SYSCTLS_1_27])
}

fn sysctls_1_29(meta: &Value, spec: &Value) -> Option<Violation> {
    sysctls(meta, spec, &[&SYSCTLS_1_0, &SYSCTLS_1_27, &SYSCTLS_1_29])
}

fn sysctls_1_32(meta: &Value, spec: &Value) -> Option<Violation> {
    sysctls(
        meta,
        spec,
        &[&SYSCTLS_1_0, &SYSCTLS_1_27, &SYSCTLS_1_29, &SYSCTLS_1_32],
    )
}

fn sysctls(_meta: &Value, spec: &Value, allowed: &[&[&str]]) -> Option<Violation> {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    let list = at(spec, &["securityContext", "sysctls"])
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (i, s) in list.iter().enumerate() {
        let name = s.get("name").and_then(Value::as_str).unwrap_or_default();
        if !allowed.iter().any(|set| set.contains(&name)) {
            names.push(name.to_owned());
            errors.push(forbidden(
                format!("spec.securityContext.sysctls[{i}].name"),
                BadValue::Str(name.to_owned()),
            ));
        }
    }
    (!names.is_empty()).then(|| Violation {
        reason: "forbidden sysctls".into(),
        detail: names.join(", "),
        errors,
    })
}

fn windows_host_process(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut errors = Vec::new();
    if bool_at(spec, &["securityContext", "windowsOptions", "hostProcess"]) == Some(true) {
        setters.push("pod".to_owned());
        errors.push(forbidden(
            "spec.securityContext.windowsOptions.hostProcess",
            BadValue::Bool(true),
        ));
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if bool_at(
            c.value,
            &["securityContext", "windowsOptions", "hostProcess"],
        ) == Some(true)
        {
            errors.push(forbidden(
                format!("{}.securityContext.windowsOptions.hostProcess", c.path),
                BadValue::Bool(true),
            ));
            names.push(c.name);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    (!setters.is_empty()).then(|| Violation {
        reason: "hostProcess".into(),
        detail: format!(
            "{} must not set securityContext.windowsOptions.hostProcess=true",
            setters.join(" and ")
        ),
        errors,
    })
}

fn host_probes_and_lifecycle(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        let handlers = [
            vec!["livenessProbe"],
            vec!["readinessProbe"],
            vec!["startupProbe"],
            vec!["lifecycle", "postStart"],
            vec!["lifecycle", "preStop"],
        ];
        for handler in handlers {
            for kind in ["httpGet", "tcpSocket"] {
                let mut path = handler.clone();
                path.extend([kind, "host"]);
                let host = str_at(c.value, &path).unwrap_or_default();
                if !host.is_empty() {
                    names.insert(c.name.clone());
                    hosts.insert(host.to_owned());
                    errors.push(forbidden(
                        format!("{}.{}", c.path, path.join(".")),
                        BadValue::Str(host.to_owned()),
                    ));
                }
            }
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    let hosts: Vec<String> = hosts.into_iter().collect();
    (!names.is_empty()).then(|| Violation {
        reason: "probe or lifecycle host".into(),
        detail: format!(
            "{} {} {} {}",
            containers_phrase(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "probe or lifecycle host",
                "probe or lifecycle hosts",
                hosts.len()
            ),
            join_quote(&hosts)
        ),
        errors,
    })
}

// ---------------------------------------------------------------------------------------------
// Restricted checks

const ALLOWED_VOLUME_TYPES: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

const RESTRICTED_VOLUME_TYPES: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

fn restricted_volumes(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut types = BTreeSet::new();
    let mut errors = Vec::new();
    for (i, v) in list(spec, "volumes").iter().enumerate() {
        if ALLOWED_VOLUME_TYPES.iter().any(|t| at(v, &[t]).is_some()) {
            continue;
        }
        let t = RESTRICTED_VOLUME_TYPES
            .iter()
            .find(|t| at(v, &[t]).is_some())
            .copied()
            .unwrap_or("unknown");
        types.insert(t.to_owned());
        errors.push(forbidden(format!("spec.volumes[{i}].{t}"), BadValue::None));
        names.push(
            v.get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        );
    }
    let types: Vec<String> = types.into_iter().collect();
    (!names.is_empty()).then(|| Violation {
        reason: "restricted volume types".into(),
        detail: format!(
            "{} {} {} {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize(
                "restricted volume type",
                "restricted volume types",
                types.len()
            ),
            join_quote(&types)
        ),
        errors,
    })
}

fn allow_privilege_escalation_1_8(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut names = Vec::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        let value = bool_at(c.value, &["securityContext", "allowPrivilegeEscalation"]);
        if value != Some(false) {
            let bad = value.map_or_else(|| BadValue::Str("nil".into()), BadValue::Bool);
            errors.push(forbidden(
                format!("{}.securityContext.allowPrivilegeEscalation", c.path),
                bad,
            ));
            names.push(c.name);
        }
    }
    (!names.is_empty()).then(|| Violation {
        reason: "allowPrivilegeEscalation != false".into(),
        detail: format!(
            "{} must set securityContext.allowPrivilegeEscalation=false",
            containers_phrase(&names)
        ),
        errors,
    })
}

/// 1.25+: Windows pods are exempt.
fn allow_privilege_escalation_1_25(meta: &Value, spec: &Value) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    allow_privilege_escalation_1_8(meta, spec)
}

fn run_as_non_root(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut errors = Vec::new();
    let mut pod_non_root = false;
    match bool_at(spec, &["securityContext", "runAsNonRoot"]) {
        Some(false) => {
            setters.push("pod".to_owned());
            errors.push(forbidden(
                "spec.securityContext.runAsNonRoot",
                BadValue::Bool(false),
            ));
        }
        Some(true) => pod_non_root = true,
        None => {}
    }
    let mut explicit = Vec::new();
    let mut explicit_errs = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_errs = Vec::new();
    for c in containers(spec) {
        let field = format!("{}.securityContext.runAsNonRoot", c.path);
        match bool_at(c.value, &["securityContext", "runAsNonRoot"]) {
            Some(false) => {
                explicit_errs.push(forbidden(field, BadValue::Bool(false)));
                explicit.push(c.name);
            }
            Some(true) => {}
            None if !pod_non_root => {
                implicit_errs.push(required(field));
                implicit.push(c.name);
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
        errors.extend(explicit_errs);
    }
    let mut details = Vec::new();
    if !setters.is_empty() {
        details.push(format!(
            "{} must not set securityContext.runAsNonRoot=false",
            setters.join(" and ")
        ));
    }
    if !implicit.is_empty() {
        details.push(format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            containers_phrase(&implicit)
        ));
        errors.extend(implicit_errs);
    }
    (!details.is_empty()).then(|| Violation {
        reason: "runAsNonRoot != true".into(),
        detail: details.join("\n"),
        errors,
    })
}

fn run_as_user(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut errors = Vec::new();
    if at(spec, &["securityContext", "runAsUser"]).and_then(Value::as_i64) == Some(0) {
        setters.push("pod".to_owned());
        errors.push(forbidden(
            "spec.securityContext.runAsUser",
            BadValue::Int(0),
        ));
    }
    let mut names = Vec::new();
    for c in containers(spec) {
        if at(c.value, &["securityContext", "runAsUser"]).and_then(Value::as_i64) == Some(0) {
            errors.push(forbidden(
                format!("{}.securityContext.runAsUser", c.path),
                BadValue::Int(0),
            ));
            names.push(c.name);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    (!setters.is_empty()).then(|| Violation {
        reason: "runAsUser=0".into(),
        detail: format!("{} must not set runAsUser=0", setters.join(" and ")),
        errors,
    })
}

fn seccomp_restricted_1_19(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut setters = Vec::new();
    let mut bad_values = BTreeSet::new();
    let mut errors = Vec::new();
    let mut pod_set = false;
    if let Some(p) = at(spec, &["securityContext", "seccompProfile"]) {
        let t = str_at(p, &["type"]).unwrap_or_default();
        if valid_seccomp(t) {
            pod_set = true;
        } else {
            setters.push("pod".to_owned());
            bad_values.insert(t.to_owned());
            errors.push(forbidden(
                "spec.securityContext.seccompProfile.type",
                BadValue::Str(t.to_owned()),
            ));
        }
    }
    let mut explicit = Vec::new();
    let mut explicit_errs = Vec::new();
    let mut implicit = Vec::new();
    let mut implicit_errs = Vec::new();
    for c in containers(spec) {
        let field = format!("{}.securityContext.seccompProfile.type", c.path);
        match at(c.value, &["securityContext", "seccompProfile"]) {
            Some(p) => {
                let t = str_at(p, &["type"]).unwrap_or_default();
                if !valid_seccomp(t) {
                    bad_values.insert(t.to_owned());
                    explicit_errs.push(forbidden(field, BadValue::Str(t.to_owned())));
                    explicit.push(c.name);
                }
            }
            None if !pod_set => {
                implicit_errs.push(required(field));
                implicit.push(c.name);
            }
            None => {}
        }
    }
    if !explicit.is_empty() {
        setters.push(containers_phrase(&explicit));
        errors.extend(explicit_errs);
    }
    let mut details = Vec::new();
    if !setters.is_empty() {
        let values: Vec<String> = bad_values.into_iter().collect();
        details.push(format!(
            "{} must not set securityContext.seccompProfile.type to {}",
            setters.join(" and "),
            join_quote(&values)
        ));
    }
    if !implicit.is_empty() {
        details.push(format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            containers_phrase(&implicit)
        ));
        errors.extend(implicit_errs);
    }
    (!details.is_empty()).then(|| Violation {
        reason: "seccompProfile".into(),
        detail: details.join("; "),
        errors,
    })
}

/// 1.25+: Windows pods are exempt.
fn seccomp_restricted_1_25(meta: &Value, spec: &Value) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    seccomp_restricted_1_19(meta, spec)
}

fn capabilities_restricted_1_22(_meta: &Value, spec: &Value) -> Option<Violation> {
    let mut missing_drop = Vec::new();
    let mut bad_add = Vec::new();
    let mut bad_caps = BTreeSet::new();
    let mut errors = Vec::new();
    for c in containers(spec) {
        let caps = at(c.value, &["securityContext", "capabilities"]);
        let drop_field = at(caps.unwrap_or(&Value::Null), &["drop"]);
        let drop = strings(drop_field);
        if !drop.iter().any(|d| d == "ALL") {
            let field = format!("{}.securityContext.capabilities.drop", c.path);
            errors.push(if drop_field.is_some() {
                forbidden(field, BadValue::List(drop))
            } else {
                required(field)
            });
            missing_drop.push(c.name.clone());
        }
        let add = strings(at(caps.unwrap_or(&Value::Null), &["add"]));
        let bad: Vec<String> = add
            .into_iter()
            .filter(|a| a != "NET_BIND_SERVICE")
            .collect();
        if !bad.is_empty() {
            bad_caps.extend(bad.iter().cloned());
            errors.push(forbidden(
                format!("{}.securityContext.capabilities.add", c.path),
                BadValue::List(bad),
            ));
            bad_add.push(c.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop.is_empty() {
        details.push(format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            containers_phrase(&missing_drop)
        ));
    }
    if !bad_add.is_empty() {
        let caps: Vec<String> = bad_caps.into_iter().collect();
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&bad_add),
            join_quote(&caps)
        ));
    }
    (!details.is_empty()).then(|| Violation {
        reason: "unrestricted capabilities".into(),
        detail: details.join("; "),
        errors,
    })
}

/// 1.25+: Windows pods are exempt.
fn capabilities_restricted_1_25(meta: &Value, spec: &Value) -> Option<Violation> {
    if is_windows(spec) {
        return None;
    }
    capabilities_restricted_1_22(meta, spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ps(level: &str, version: &str, exclude: Vec<PodSecurityExclude>) -> PodSecurity {
        PodSecurity {
            level: level.into(),
            version: (!version.is_empty()).then(|| version.to_owned()),
            exclude,
            ..PodSecurity::default()
        }
    }

    fn excl(
        control: &str,
        images: &[&str],
        field: Option<&str>,
        values: &[&str],
    ) -> PodSecurityExclude {
        PodSecurityExclude {
            control_name: control.into(),
            images: images.iter().map(|s| (*s).to_owned()).collect(),
            restricted_field: field.map(str::to_owned),
            values: values.iter().map(|s| (*s).to_owned()).collect(),
            ..PodSecurityExclude::default()
        }
    }

    fn pod(spec: Value) -> Value {
        json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": "p" }, "spec": spec })
    }

    /// A pod compliant with `restricted:latest`, with `extra` merged into its first container.
    fn restricted_container(extra: Value) -> Value {
        let mut c = json!({
            "name": "c", "image": "nginx",
            "securityContext": {
                "allowPrivilegeEscalation": false, "runAsNonRoot": true,
                "seccompProfile": { "type": "RuntimeDefault" },
                "capabilities": { "drop": ["ALL"] }
            }
        });
        merge(&mut c, &extra);
        c
    }

    fn merge(a: &mut Value, b: &Value) {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in b {
                    merge(a.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
            (a, b) => *a = b.clone(),
        }
    }

    fn status(level: &str, version: &str, resource: &Value) -> RuleStatus {
        evaluate("r", &ps(level, version, vec![]), &[], resource).status
    }

    /// Failing check ids of an evaluation.
    fn controls(level: &str, version: &str, resource: &Value) -> String {
        let out = evaluate("r", &ps(level, version, vec![]), &[], resource);
        out.properties.get("controls").cloned().unwrap_or_default()
    }

    // MR-8.2: every check, a violating and a compliant pod each.
    #[test]
    fn mr_8_2_baseline_checks_table() {
        let c = |extra: Value| {
            let mut c = json!({ "name": "c", "image": "nginx" });
            merge(&mut c, &extra);
            c
        };
        // (expected failing control, violating spec, compliant spec)
        let table: Vec<(&str, Value, Value)> = vec![
            (
                "hostNamespaces",
                json!({"hostNetwork": true, "containers": [c(json!({}))]}),
                json!({"hostNetwork": false, "hostPID": false, "containers": [c(json!({}))]}),
            ),
            (
                "hostNamespaces",
                json!({"hostPID": true, "containers": [c(json!({}))]}),
                json!({"containers": [c(json!({}))]}),
            ),
            (
                "hostNamespaces",
                json!({"hostIPC": true, "containers": [c(json!({}))]}),
                json!({"hostIPC": false, "containers": [c(json!({}))]}),
            ),
            (
                "privileged",
                json!({"containers": [c(json!({"securityContext": {"privileged": true}}))]}),
                json!({"containers": [c(json!({"securityContext": {"privileged": false}}))]}),
            ),
            (
                "privileged",
                json!({"initContainers": [c(json!({"securityContext": {"privileged": true}}))], "containers": [c(json!({}))]}),
                json!({"initContainers": [c(json!({}))], "containers": [c(json!({}))]}),
            ),
            (
                "capabilities_baseline",
                json!({"containers": [c(json!({"securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}))]}),
                json!({"containers": [c(json!({"securityContext": {"capabilities": {"add": ["CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT"]}}}))]}),
            ),
            (
                "hostPathVolumes",
                json!({"containers": [c(json!({}))], "volumes": [{"name": "v", "hostPath": {"path": "/etc"}}]}),
                json!({"containers": [c(json!({}))], "volumes": [{"name": "v", "emptyDir": {}}]}),
            ),
            (
                "hostPorts",
                json!({"containers": [c(json!({"ports": [{"containerPort": 80, "hostPort": 8080}]}))]}),
                json!({"containers": [c(json!({"ports": [{"containerPort": 80, "hostPort": 0}]}))]}),
            ),
            (
                "hostPorts",
                json!({"ephemeralContainers": [c(json!({"ports": [{"hostPort": 1}]}))], "containers": [c(json!({}))]}),
                json!({"containers": [c(json!({"ports": [{"containerPort": 80}]}))]}),
            ),
            (
                "appArmorProfile",
                json!({"containers": [c(json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}}))]}),
                json!({"containers": [c(json!({"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "x"}}}))]}),
            ),
            (
                "appArmorProfile",
                json!({"securityContext": {"appArmorProfile": {"type": "Unconfined"}}, "containers": [c(json!({}))]}),
                json!({"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}, "containers": [c(json!({}))]}),
            ),
            (
                "seLinuxOptions",
                json!({"securityContext": {"seLinuxOptions": {"type": "spc_t"}}, "containers": [c(json!({}))]}),
                json!({"securityContext": {"seLinuxOptions": {"type": "container_t", "level": "s0:c123,c456"}}, "containers": [c(json!({}))]}),
            ),
            (
                "seLinuxOptions",
                json!({"containers": [c(json!({"securityContext": {"seLinuxOptions": {"user": "root"}}}))]}),
                json!({"containers": [c(json!({"securityContext": {"seLinuxOptions": {"type": "container_init_t"}}}))]}),
            ),
            (
                "seLinuxOptions",
                json!({"containers": [c(json!({"securityContext": {"seLinuxOptions": {"role": "sysadm_r"}}}))]}),
                json!({"containers": [c(json!({"securityContext": {"seLinuxOptions": {"type": ""}}}))]}),
            ),
            (
                "procMount",
                json!({"containers": [c(json!({"securityContext": {"procMount": "Unmasked"}}))]}),
                json!({"containers": [c(json!({"securityContext": {"procMount": "Default"}}))]}),
            ),
            (
                "seccompProfile_baseline",
                json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [c(json!({}))]}),
                json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [c(json!({}))]}),
            ),
            (
                "seccompProfile_baseline",
                json!({"containers": [c(json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}}))]}),
                json!({"containers": [c(json!({"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}}}))]}),
            ),
            (
                "sysctls",
                json!({"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}, "containers": [c(json!({}))]}),
                json!({"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}, "containers": [c(json!({}))]}),
            ),
            (
                "windowsHostProcess",
                json!({"securityContext": {"windowsOptions": {"hostProcess": true}}, "hostNetwork": false, "containers": [c(json!({}))]}),
                json!({"securityContext": {"windowsOptions": {"hostProcess": false}}, "containers": [c(json!({}))]}),
            ),
            (
                "windowsHostProcess",
                json!({"containers": [c(json!({"securityContext": {"windowsOptions": {"hostProcess": true}}}))]}),
                json!({"containers": [c(json!({"securityContext": {"windowsOptions": {"runAsUserName": "x"}}}))]}),
            ),
            (
                "hostProbesAndHostLifecycle",
                json!({"containers": [c(json!({"livenessProbe": {"httpGet": {"host": "1.2.3.4", "port": 80}}}))]}),
                json!({"containers": [c(json!({"livenessProbe": {"httpGet": {"host": "", "port": 80}}}))]}),
            ),
            (
                "hostProbesAndHostLifecycle",
                json!({"containers": [c(json!({"lifecycle": {"preStop": {"tcpSocket": {"host": "h", "port": 1}}}}))]}),
                json!({"containers": [c(json!({"lifecycle": {"preStop": {"tcpSocket": {"port": 1}}}}))]}),
            ),
        ];
        for (i, (id, bad, good)) in table.into_iter().enumerate() {
            assert_eq!(
                controls("baseline", "latest", &pod(bad)),
                id,
                "row {i}: violating pod"
            );
            assert_eq!(
                status("baseline", "latest", &pod(good)),
                RuleStatus::Pass,
                "row {i}: compliant pod"
            );
        }
    }

    #[test]
    fn mr_8_2_apparmor_annotations() {
        let mk = |v: &str| {
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "p", "annotations": {"container.apparmor.security.beta.kubernetes.io/c": v}},
                "spec": {"containers": [{"name": "c", "image": "i"}]}})
        };
        assert_eq!(
            controls("baseline", "latest", &mk("unconfined")),
            "appArmorProfile"
        );
        for ok in ["runtime/default", "localhost/prof", ""] {
            assert_eq!(
                status("baseline", "latest", &mk(ok)),
                RuleStatus::Pass,
                "{ok}"
            );
        }
    }

    #[test]
    fn mr_8_2_restricted_checks_table() {
        let rc = restricted_container;
        let table: Vec<(&str, Value, Value)> = vec![
            (
                "restrictedVolumes",
                json!({"containers": [rc(json!({}))], "volumes": [{"name": "v", "nfs": {"server": "s", "path": "/"}}]}),
                json!({"containers": [rc(json!({}))], "volumes": [{"name": "a", "configMap": {"name": "x"}}, {"name": "b", "secret": {"secretName": "s"}},
                    {"name": "c", "persistentVolumeClaim": {"claimName": "c"}}, {"name": "d", "projected": {"sources": []}}, {"name": "e", "csi": {"driver": "d"}}]}),
            ),
            (
                "allowPrivilegeEscalation",
                json!({"containers": [rc(json!({"securityContext": {"allowPrivilegeEscalation": true}}))]}),
                json!({"containers": [rc(json!({}))]}),
            ),
            (
                "runAsNonRoot",
                json!({"containers": [rc(json!({"securityContext": {"runAsNonRoot": false}}))]}),
                json!({"securityContext": {"runAsNonRoot": true}, "containers": [rc(json!({"securityContext": {"runAsNonRoot": null}}))]}),
            ),
            (
                "runAsNonRoot",
                json!({"securityContext": {"runAsNonRoot": false}, "containers": [rc(json!({}))]}),
                json!({"containers": [rc(json!({}))]}),
            ),
            (
                "runAsUser",
                json!({"containers": [rc(json!({"securityContext": {"runAsUser": 0}}))]}),
                json!({"containers": [rc(json!({"securityContext": {"runAsUser": 1000}}))]}),
            ),
            (
                "runAsUser",
                json!({"securityContext": {"runAsUser": 0}, "containers": [rc(json!({}))]}),
                json!({"securityContext": {"runAsUser": 1}, "containers": [rc(json!({}))]}),
            ),
            (
                "seccompProfile_restricted",
                json!({"containers": [rc(json!({"securityContext": {"seccompProfile": null}}))]}),
                json!({"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [rc(json!({"securityContext": {"seccompProfile": null}}))]}),
            ),
            (
                "capabilities_restricted",
                json!({"containers": [rc(json!({"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}))]}),
                json!({"containers": [rc(json!({"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}))]}),
            ),
            (
                "capabilities_baseline,capabilities_restricted",
                json!({"containers": [rc(json!({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}))]}),
                json!({"containers": [rc(json!({}))]}),
            ),
            (
                "capabilities_restricted",
                json!({"containers": [rc(json!({"securityContext": {"capabilities": {"add": ["CHOWN"]}}}))]}),
                json!({"containers": [rc(json!({}))]}),
            ),
        ];
        for (i, (id, bad, good)) in table.into_iter().enumerate() {
            assert_eq!(
                controls("restricted", "latest", &pod(bad)),
                id,
                "row {i}: violating pod"
            );
            assert_eq!(
                status("restricted", "latest", &pod(good)),
                RuleStatus::Pass,
                "row {i}: compliant pod"
            );
        }
    }

    #[test]
    fn mr_8_2_restricted_includes_baseline_and_baseline_excludes_restricted() {
        let bare = pod(json!({"containers": [{"name": "c", "image": "nginx"}]}));
        assert_eq!(status("baseline", "latest", &bare), RuleStatus::Pass);
        assert_eq!(
            controls("restricted", "latest", &bare),
            "allowPrivilegeEscalation,capabilities_restricted,runAsNonRoot,seccompProfile_restricted"
        );
        let host = pod(json!({"hostPID": true, "containers": [restricted_container(json!({}))]}));
        assert_eq!(controls("restricted", "latest", &host), "hostNamespaces");
    }

    #[test]
    fn mr_8_2_privileged_level_runs_all_checks() {
        // Quirk: `privileged` does not mean "everything allowed".
        let bare = pod(json!({"containers": [{"name": "c", "image": "nginx"}]}));
        assert_eq!(status("privileged", "latest", &bare), RuleStatus::Fail);
        assert_eq!(
            status(
                "privileged",
                "latest",
                &pod(json!({"containers": [restricted_container(json!({}))]}))
            ),
            RuleStatus::Pass
        );
    }

    #[test]
    fn mr_8_2_versions() {
        let sysctl = |name: &str| {
            pod(
                json!({"securityContext": {"sysctls": [{"name": name, "value": "1"}]}, "containers": [{"name": "c", "image": "i"}]}),
            )
        };
        // (sysctl, version, passes)
        let table = [
            ("net.ipv4.ip_local_reserved_ports", "v1.26", false),
            ("net.ipv4.ip_local_reserved_ports", "v1.27", true),
            ("net.ipv4.tcp_keepalive_time", "v1.28", false),
            ("net.ipv4.tcp_keepalive_time", "v1.29", true),
            ("net.ipv4.tcp_rmem", "v1.31", false),
            ("net.ipv4.tcp_rmem", "v1.32", true),
            ("net.ipv4.tcp_wmem", "latest", true),
            ("kernel.shm_rmid_forced", "v1.0", true),
        ];
        for (name, version, passes) in table {
            let want = if passes {
                RuleStatus::Pass
            } else {
                RuleStatus::Fail
            };
            assert_eq!(
                status("baseline", version, &sysctl(name)),
                want,
                "{name} at {version}"
            );
        }
        // seLinux `container_engine_t` from 1.31.
        let se = pod(
            json!({"securityContext": {"seLinuxOptions": {"type": "container_engine_t"}}, "containers": [{"name": "c", "image": "i"}]}),
        );
        assert_eq!(status("baseline", "v1.30", &se), RuleStatus::Fail);
        assert_eq!(status("baseline", "v1.31", &se), RuleStatus::Pass);
        // A check introduced after the requested version still runs (its oldest implementation).
        let probe = pod(
            json!({"containers": [{"name": "c", "image": "i", "readinessProbe": {"tcpSocket": {"host": "x", "port": 1}}}]}),
        );
        assert_eq!(
            controls("baseline", "v1.24", &probe),
            "hostProbesAndHostLifecycle"
        );
        let root = pod(
            json!({"securityContext": {"runAsUser": 0}, "containers": [restricted_container(json!({}))]}),
        );
        assert_eq!(controls("restricted", "v1.22", &root), "runAsUser");
        // Before 1.19 the baseline seccomp check reads annotations, not fields.
        let field = pod(
            json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [{"name": "c", "image": "i"}]}),
        );
        assert_eq!(status("baseline", "v1.18", &field), RuleStatus::Pass);
        assert_eq!(status("baseline", "v1.19", &field), RuleStatus::Fail);
        let ann = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "annotations": {"seccomp.security.alpha.kubernetes.io/pod": "unconfined"}},
            "spec": {"containers": [{"name": "c", "image": "i"}]}});
        assert_eq!(
            controls("baseline", "v1.18", &ann),
            "seccompProfile_baseline"
        );
        assert_eq!(status("baseline", "v1.19", &ann), RuleStatus::Pass);
        // 1.25+: Windows pods are exempt from the restricted container checks.
        let windows = pod(
            json!({"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true}, "containers": [{"name": "c", "image": "i"}]}),
        );
        assert_eq!(status("restricted", "v1.25", &windows), RuleStatus::Pass);
        assert_eq!(
            controls("restricted", "v1.24", &windows),
            "allowPrivilegeEscalation,capabilities_restricted,seccompProfile_restricted"
        );
    }

    #[test]
    fn mr_8_2_invalid_level_or_version_is_error() {
        let p = pod(json!({"containers": [{"name": "c", "image": "i"}]}));
        assert_eq!(status("strict", "latest", &p), RuleStatus::Error);
        assert_eq!(status("baseline", "1.25", &p), RuleStatus::Error);
        assert_eq!(status("baseline", "v2.1", &p), RuleStatus::Error);
        assert_eq!(
            status("baseline", "", &p),
            RuleStatus::Pass,
            "absent version means latest"
        );
    }

    #[test]
    fn mr_8_1_extraction() {
        let tmpl = json!({"metadata": {"labels": {"a": "b"}}, "spec": {"hostIPC": true, "containers": [{"name": "c", "image": "i"}]}});
        for kind in [
            "DaemonSet",
            "Deployment",
            "Job",
            "StatefulSet",
            "ReplicaSet",
            "ReplicationController",
        ] {
            let r = json!({"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "d"}, "spec": {"template": tmpl}});
            let out = evaluate("r", &ps("baseline", "latest", vec![]), &[], &r);
            assert_eq!(out.status, RuleStatus::Fail, "{kind}");
            assert!(
                out.message
                    .contains("spec.template.spec.hostIPC is forbidden"),
                "{kind}: {}",
                out.message
            );
        }
        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"},
            "spec": {"jobTemplate": {"metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}}}});
        let out = evaluate("r", &ps("baseline", "latest", vec![]), &[], &cron);
        assert_eq!(
            out.status,
            RuleStatus::Fail,
            "CronJob metadata comes from spec.jobTemplate.metadata"
        );
        assert_eq!(
            out.properties.get("controls").map(String::as_str),
            Some("appArmorProfile")
        );
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        assert_eq!(
            evaluate("r", &ps("baseline", "latest", vec![]), &[], &other).status,
            RuleStatus::Error
        );
    }

    #[test]
    fn mr_8_4_messages_and_properties() {
        let p = pod(
            json!({"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": true}}]}),
        );
        let out = evaluate("baseline", &ps("baseline", "latest", vec![]), &[], &p);
        assert_eq!(
            out.message,
            "Validation rule 'baseline' failed. It violates PodSecurity \"baseline:latest\": (Forbidden reason: privileged, \
             field error list: [spec.containers[0].securityContext.privileged is forbidden, forbidden values found: true])"
        );
        assert_eq!(
            out.properties.get("standard").map(String::as_str),
            Some("baseline")
        );
        assert_eq!(
            out.properties.get("version").map(String::as_str),
            Some("latest")
        );
        assert_eq!(
            out.properties.get("controls").map(String::as_str),
            Some("privileged")
        );
        let cj: Value = serde_json::from_str(out.properties.get("controlsJSON").unwrap()).unwrap();
        assert_eq!(cj[0]["ID"], "privileged");
        let good = pod(json!({"containers": [{"name": "c", "image": "nginx"}]}));
        let out = evaluate("baseline", &ps("baseline", "latest", vec![]), &[], &good);
        assert_eq!(out.status, RuleStatus::Pass);
        assert_eq!(out.message, "Validation rule 'baseline' passed.");
        // Required-value errors and value-less forbidden errors.
        let bare = pod(
            json!({"containers": [{"name": "c", "image": "nginx", "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}}}],
            "volumes": [{"name": "v", "gitRepo": {"repository": "r"}}]}),
        );
        let out = evaluate("r", &ps("restricted", "v1.30", vec![]), &[], &bare);
        assert!(out.message.contains("(Forbidden reason: unrestricted capabilities, field error list: [spec.containers[0].securityContext.capabilities.drop: Required value])"), "{}", out.message);
        assert!(out.message.contains("(Forbidden reason: restricted volume types, field error list: [spec.volumes[0].gitRepo: Forbidden])"), "{}", out.message);
        assert!(out.message.contains("\"restricted:v1.30\""));
    }

    #[test]
    fn mr_8_3_exclusion_without_images() {
        // Pod-level seccomp Unconfined and a container without its own profile.
        let p = pod(
            json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}},
            "containers": [restricted_container(json!({"securityContext": {"seccompProfile": null}}))]}),
        );
        let run = |ex: Vec<PodSecurityExclude>| {
            evaluate("r", &ps("restricted", "latest", ex), &[], &p).status
        };
        assert_eq!(run(vec![]), RuleStatus::Fail);
        assert_eq!(run(vec![excl("Seccomp", &[], None, &[])]), RuleStatus::Pass);
        // restrictedField limits what is removed: the container-level requirement stays.
        assert_eq!(
            run(vec![excl(
                "Seccomp",
                &[],
                Some("spec.securityContext.seccompProfile.type"),
                &[]
            )]),
            RuleStatus::Fail
        );
        assert_eq!(
            run(vec![
                excl(
                    "Seccomp",
                    &[],
                    Some("spec.securityContext.seccompProfile.type"),
                    &[]
                ),
                excl(
                    "Seccomp",
                    &[],
                    Some("spec.containers[*].securityContext.seccompProfile.type"),
                    &[]
                ),
            ]),
            RuleStatus::Pass
        );
        // values must cover every bad value.
        assert_eq!(
            run(vec![
                excl(
                    "Seccomp",
                    &[],
                    Some("spec.securityContext.seccompProfile.type"),
                    &["Runtime*"]
                ),
                excl(
                    "Seccomp",
                    &[],
                    Some("spec.containers[*].securityContext.seccompProfile.type"),
                    &[]
                ),
            ]),
            RuleStatus::Fail
        );
        assert_eq!(
            run(vec![
                excl(
                    "Seccomp",
                    &[],
                    Some("spec.securityContext.seccompProfile.type"),
                    &["Unconf*"]
                ),
                excl(
                    "Seccomp",
                    &[],
                    Some("spec.containers[*].securityContext.seccompProfile.type"),
                    &[]
                ),
            ]),
            RuleStatus::Pass
        );
        // Another control does not help; an unknown control name does nothing.
        assert_eq!(
            run(vec![excl("Capabilities", &[], None, &[])]),
            RuleStatus::Fail
        );
        assert_eq!(run(vec![excl("seccomp", &[], None, &[])]), RuleStatus::Fail);
        // Pod-level controls.
        let sys = pod(
            json!({"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}, {"name": "vm.swappiness", "value": "1"}]},
            "containers": [{"name": "c", "image": "i"}]}),
        );
        let run_sys = |ex: Vec<PodSecurityExclude>| {
            evaluate("r", &ps("baseline", "latest", ex), &[], &sys).status
        };
        assert_eq!(
            run_sys(vec![excl("Sysctls", &[], None, &[])]),
            RuleStatus::Pass
        );
        assert_eq!(
            run_sys(vec![excl(
                "Sysctls",
                &[],
                Some("spec.securityContext.sysctls[*].name"),
                &["kernel.*"]
            )]),
            RuleStatus::Fail
        );
        assert_eq!(
            run_sys(vec![excl(
                "Sysctls",
                &[],
                Some("spec.securityContext.sysctls[*].name"),
                &["kernel.*", "vm.*"]
            )]),
            RuleStatus::Pass
        );
    }

    #[test]
    fn mr_8_3_exclusion_with_images() {
        let p = pod(json!({"containers": [
            {"name": "a", "image": "ghcr.io/acme/tool:1", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}},
            {"name": "b", "image": "docker.io/other:1", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}
        ]}));
        let run =
            |ex: Vec<PodSecurityExclude>| evaluate("r", &ps("baseline", "latest", ex), &[], &p);
        assert_eq!(
            run(vec![excl("Capabilities", &["ghcr.io/acme/*"], None, &[])]).status,
            RuleStatus::Fail,
            "container b remains"
        );
        let out = run(vec![excl("Capabilities", &["ghcr.io/acme/*"], None, &[])]);
        assert!(
            out.message
                .contains("spec.containers[1].securityContext.capabilities.add"),
            "{}",
            out.message
        );
        assert!(
            !out.message.contains("spec.containers[0]."),
            "{}",
            out.message
        );
        assert_eq!(
            run(vec![excl(
                "Capabilities",
                &["ghcr.io/acme/*", "docker.io/*"],
                None,
                &[]
            )])
            .status,
            RuleStatus::Pass
        );
        let field = "spec.containers[*].securityContext.capabilities.add";
        assert_eq!(
            run(vec![excl(
                "Capabilities",
                &["*"],
                Some(field),
                &["NET_ADMIN"]
            )])
            .status,
            RuleStatus::Pass
        );
        assert_eq!(
            run(vec![excl(
                "Capabilities",
                &["*"],
                Some(field),
                &["SYS_TIME"]
            )])
            .status,
            RuleStatus::Fail
        );
        assert_eq!(
            run(vec![excl(
                "Capabilities",
                &["*"],
                Some("spec.initContainers[*].securityContext.capabilities.add"),
                &[]
            )])
            .status,
            RuleStatus::Fail
        );
        // Image exclusions carry no pod-level settings: a pod-level violation stays.
        let host = pod(json!({"hostNetwork": true, "containers": [{"name": "a", "image": "x"}]}));
        assert_eq!(
            evaluate(
                "r",
                &ps(
                    "baseline",
                    "latest",
                    vec![excl("Host Namespaces", &["*"], None, &[])]
                ),
                &[],
                &host
            )
            .status,
            RuleStatus::Fail
        );
        assert_eq!(
            evaluate(
                "r",
                &ps(
                    "baseline",
                    "latest",
                    vec![excl("Host Namespaces", &[], None, &[])]
                ),
                &[],
                &host
            )
            .status,
            RuleStatus::Pass
        );
        // Extra exclusions (PolicyException `podSecurity`) act like the rule's own.
        let extra = [excl("Capabilities", &["*"], None, &[])];
        assert_eq!(
            evaluate("r", &ps("baseline", "latest", vec![]), &extra, &p).status,
            RuleStatus::Pass
        );
    }

    #[test]
    fn mr_8_3_index_normalization() {
        assert_eq!(
            normalize_indices("spec.containers[12].ports[0].hostPort"),
            "spec.containers[*].ports[*].hostPort"
        );
        assert_eq!(
            normalize_indices("metadata.annotations[a/b1]"),
            "metadata.annotations[a/b1]"
        );
        assert_eq!(normalize_indices("spec.hostPID"), "spec.hostPID");
    }
}
