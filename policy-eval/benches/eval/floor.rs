//! The floor: the six checks written by hand directly on `serde_json::Value`, with the same
//! semantics as the six ClusterPolicies (autogen included). Nothing is allocated.

use serde_json::Value;

/// Bit of check (a) … (f) in the floor's result; the policies are loaded in the same order.
pub(crate) const CHECKS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

const ALLOWED: [&str; 2] = ["ghcr.io/acme/", "registry.acme.io/"];
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

fn at<'a>(v: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    v.and_then(|v| v.get(key))
}

/// `"?*"`: present, not null and not the empty string (numbers and booleans count).
fn non_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

/// The violated checks of one resource, bit `i` = `CHECKS[i]`.
pub(crate) fn check(r: &Value) -> u8 {
    let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
    let meta = r.get("metadata");
    let (pod_meta, spec) = match kind {
        "Pod" => (meta, r.get("spec")),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => {
            let t = at(r.get("spec"), "template");
            (at(t, "metadata"), at(t, "spec"))
        }
        "CronJob" => {
            let t = at(at(at(r.get("spec"), "jobTemplate"), "spec"), "template");
            (at(t, "metadata"), at(t, "spec"))
        }
        "Namespace" => {
            let name = at(meta, "name").and_then(Value::as_str).unwrap_or("");
            let system = matches!(name, "kube-system" | "kube-public");
            return if !system && !non_empty(at(at(meta, "labels"), "team")) {
                1 << 5
            } else {
                0
            };
        }
        _ => return 0,
    };
    let mut out = 0u8;
    // (a)
    if !non_empty(at(at(pod_meta, "labels"), "app.kubernetes.io/name")) {
        out |= 1;
    }
    let pod_nonroot = at(at(spec, "securityContext"), "runAsNonRoot");
    for list in CONTAINER_LISTS {
        let Some(Value::Array(containers)) = at(spec, list) else {
            continue;
        };
        for c in containers {
            // (b) the library's pattern asks for limits on containers and init containers
            if list != "ephemeralContainers" {
                let limits = at(c.get("resources"), "limits");
                if !(non_empty(at(limits, "cpu")) && non_empty(at(limits, "memory"))) {
                    out |= 1 << 1;
                }
            }
            // (c)
            match c.get("image").and_then(Value::as_str) {
                Some(image) if ALLOWED.iter().any(|p| image.starts_with(p)) => {}
                _ => out |= 1 << 2,
            }
            // (d) the container's own setting wins over the pod's
            let effective = match at(c.get("securityContext"), "runAsNonRoot") {
                None | Some(Value::Null) => pod_nonroot,
                own => own,
            };
            if effective != Some(&Value::Bool(true)) {
                out |= 1 << 3;
            }
        }
    }
    // (e)
    let yes = Some(&Value::Bool(true));
    if at(spec, "hostNetwork") == yes || at(spec, "hostPID") == yes {
        out |= 1 << 4;
    }
    out
}
