//! A deterministic generator of realistic Kubernetes manifests for the benchmark.
//!
//! Resource `i` is a pure function of `i` (its own PRNG stream), so a smaller set is a
//! prefix of a larger one and every run sees the same data. Kinds come in roughly the
//! proportions of the performance anchors' generator (`shared/bench/anchors`), restricted to
//! the kinds the six policies look at: Pod 29 %, Deployment 29 %, Service 24 %, CronJob 11 %,
//! Namespace 7 %. Every pod-bearing resource breaks each of checks (a)–(e) with p = 0.10,
//! independently; every Namespace breaks check (f) with p = 0.10. The benchmark does not trust
//! these rates: the floor computes the truth and the engine is checked against it.

use serde_json::{Map, Value, json};

/// splitmix64: tiny, seedable, good enough for test data.
struct Rng(u64);

impl Rng {
    fn for_index(i: u64) -> Self {
        let mut r = Self(0x5EED_B0A7_u64 ^ i.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent / 100`.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap())
            .collect()
    }
}

const WORDS: &[&str] = &[
    "api",
    "web",
    "worker",
    "billing",
    "checkout",
    "search",
    "auth",
    "gateway",
    "cache",
    "queue",
    "ingest",
    "report",
    "notify",
    "payments",
    "catalog",
    "orders",
    "users",
    "metrics",
    "audit",
    "frontend",
    "backend",
    "ledger",
    "inventory",
    "shipping",
    "pricing",
    "session",
    "media",
];
const TEAMS: &[&str] = &[
    "platform", "payments", "growth", "data", "security", "sre", "mobile", "core",
];
const ALLOWED_REGISTRIES: &[&str] = &[
    "ghcr.io/acme/",
    "registry.acme.io/",
    "registry.acme.io/base/",
];
const FOREIGN_IMAGES: &[&str] = &[
    "nginx:1.27.1",
    "docker.io/library/postgres:16.4",
    "quay.io/jetstack/cert-manager-controller:v1.15.3",
    "ghcr.io/acme-evil/tool:1.0",
    "registry.acme.io.example.com/app:2.3",
    "alpine",
];
const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public"];

/// Which of the checks (a)–(f) resource should break; index 0 = (a).
type Breaks = [bool; 6];

/// The first `n` resources.
pub(crate) fn resources(n: usize) -> Vec<Value> {
    (0..n as u64).map(resource).collect()
}

/// Resource `i`.
pub(crate) fn resource(i: u64) -> Value {
    let mut r = Rng::for_index(i);
    let roll = r.below(100);
    let mut breaks: Breaks = [false; 6];
    for b in &mut breaks {
        *b = r.chance(10);
    }
    let app = format!("{}-{}", r.pick(WORDS), r.pick(WORDS));
    let team = r.pick(TEAMS);
    let namespace = if r.chance(5) {
        r.pick(SYSTEM_NAMESPACES).to_owned()
    } else {
        format!("{team}-{}", r.pick(&["prod", "staging", "dev"]))
    };
    let name = format!("{app}-{}", r.hex(5));
    match roll {
        0..=28 => {
            let labels = pod_labels(&mut r, &app, team, breaks[0]);
            let spec = pod_spec(&mut r, &app, &breaks, false);
            json!({
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": metadata(&mut r, &name, Some(&namespace), labels),
                "spec": spec,
            })
        }
        29..=57 => {
            let labels = object_labels(&mut r, &app, team);
            let template_labels = pod_labels(&mut r, &app, team, breaks[0]);
            let spec = pod_spec(&mut r, &app, &breaks, false);
            json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": metadata(&mut r, &name, Some(&namespace), labels),
                "spec": {
                    "replicas": r.between(1, 6),
                    "revisionHistoryLimit": 5,
                    "selector": {"matchLabels": {"app": app}},
                    "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                    "template": {
                        "metadata": {"labels": template_labels, "annotations": {"checksum/config": r.hex(64)}},
                        "spec": spec,
                    },
                },
            })
        }
        58..=68 => {
            let labels = object_labels(&mut r, &app, team);
            let template_labels = pod_labels(&mut r, &app, team, breaks[0]);
            let spec = pod_spec(&mut r, &app, &breaks, true);
            json!({
                "apiVersion": "batch/v1",
                "kind": "CronJob",
                "metadata": metadata(&mut r, &name, Some(&namespace), labels),
                "spec": {
                    "schedule": format!("{} {} * * *", r.below(60), r.below(24)),
                    "concurrencyPolicy": "Forbid",
                    "successfulJobsHistoryLimit": 3,
                    "jobTemplate": {"spec": {
                        "backoffLimit": 2,
                        "template": {"metadata": {"labels": template_labels}, "spec": spec},
                    }},
                },
            })
        }
        69..=92 => {
            let labels = object_labels(&mut r, &app, team);
            let mut ports =
                vec![json!({"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"})];
            if r.chance(40) {
                ports.push(
                    json!({"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "TCP"}),
                );
            }
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": metadata(&mut r, &format!("{app}-svc"), Some(&namespace), labels),
                "spec": {"type": r.pick(&["ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"]), "selector": {"app": app}, "ports": ports},
            })
        }
        _ => {
            let ns_name = if r.chance(8) {
                r.pick(SYSTEM_NAMESPACES).to_owned()
            } else {
                format!("{team}-{}", r.hex(4))
            };
            let mut labels = Map::new();
            labels.insert("kubernetes.io/metadata.name".into(), json!(ns_name));
            if !breaks[5] {
                labels.insert("team".into(), json!(team));
            } else if r.chance(30) {
                // present but empty breaks the check as well
                labels.insert("team".into(), json!(""));
            }
            if r.chance(50) {
                labels.insert(
                    "pod-security.kubernetes.io/enforce".into(),
                    json!(r.pick(&["restricted", "baseline"])),
                );
            }
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": metadata(&mut r, &ns_name, None, labels)})
        }
    }
}

fn object_labels(r: &mut Rng, app: &str, team: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("app".into(), json!(app));
    m.insert("team".into(), json!(team));
    m.insert(
        "env".into(),
        json!(r.pick(&["prod", "staging", "dev", "qa"])),
    );
    m.insert(
        "app.kubernetes.io/part-of".into(),
        json!(format!("{}-suite", r.pick(WORDS))),
    );
    m.insert(
        "app.kubernetes.io/managed-by".into(),
        json!(r.pick(&["Helm", "kustomize", "argocd"])),
    );
    m
}

/// Labels of a Pod or pod template; check (a) wants `app.kubernetes.io/name` non-empty.
fn pod_labels(r: &mut Rng, app: &str, team: &str, break_a: bool) -> Map<String, Value> {
    let mut m = object_labels(r, app, team);
    if !break_a {
        m.insert("app.kubernetes.io/name".into(), json!(app));
    } else if r.chance(50) {
        m.insert("app.kubernetes.io/name".into(), json!(""));
    }
    m
}

fn metadata(r: &mut Rng, name: &str, namespace: Option<&str>, labels: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        m.insert("namespace".into(), json!(ns));
    }
    m.insert("labels".into(), Value::Object(labels));
    if r.chance(60) {
        let mut a = Map::new();
        a.insert(
            "owner".into(),
            json!(format!("{}@acme.example", r.pick(WORDS))),
        );
        if r.chance(50) {
            a.insert("prometheus.io/scrape".into(), json!("true"));
            a.insert(
                "prometheus.io/port".into(),
                json!(format!("{}", 8000 + r.below(1000))),
            );
        }
        m.insert("annotations".into(), Value::Object(a));
    }
    Value::Object(m)
}

/// One container. `nonroot`: the container-level `runAsNonRoot`, if any.
fn container(
    r: &mut Rng,
    name: &str,
    bad_image: bool,
    bad_limits: bool,
    nonroot: Option<bool>,
    init: bool,
) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    let image = if bad_image {
        r.pick(FOREIGN_IMAGES).to_owned()
    } else if r.chance(20) {
        format!("{}{name}@sha256:{}", r.pick(ALLOWED_REGISTRIES), r.hex(64))
    } else {
        format!(
            "{}{name}:{}.{}.{}",
            r.pick(ALLOWED_REGISTRIES),
            r.below(4),
            r.below(30),
            r.below(15)
        )
    };
    c.insert("image".into(), json!(image));
    if r.chance(30) {
        c.insert(
            "imagePullPolicy".into(),
            json!(r.pick(&["IfNotPresent", "Always"])),
        );
    }
    if init {
        c.insert(
            "command".into(),
            json!([
                "/bin/sh",
                "-c",
                format!("until nc -z {}-db 5432; do sleep 1; done", r.pick(WORDS))
            ]),
        );
    } else {
        c.insert(
            "args".into(),
            json!([
                format!("--port={}", 8000 + r.below(100)),
                "--log-format=json"
            ]),
        );
        c.insert(
            "ports".into(),
            json!([{"name": "http", "containerPort": 8080, "protocol": "TCP"}]),
        );
    }
    let env: Vec<Value> = (0..r.between(0, 6))
        .map(|k| {
            let var = format!("{}_{k}", r.pick(WORDS).to_uppercase());
            if r.chance(25) {
                json!({"name": var, "valueFrom": {"secretKeyRef": {"name": format!("{}-secrets", r.pick(WORDS)), "key": "token"}}})
            } else {
                json!({"name": var, "value": format!("{}-{}", r.pick(WORDS), r.below(1000))})
            }
        })
        .collect();
    if !env.is_empty() {
        c.insert("env".into(), Value::Array(env));
    }
    let requests = json!({"cpu": format!("{}m", 50 * r.between(1, 20)), "memory": format!("{}Mi", 64 * r.between(1, 16))});
    let resources = if bad_limits {
        match r.below(4) {
            0 => None,
            1 => Some(json!({"requests": requests})),
            2 => Some(json!({"requests": requests, "limits": {"memory": "512Mi"}})),
            _ => Some(json!({"requests": requests, "limits": {"cpu": "500m", "memory": ""}})),
        }
    } else {
        // People write whole cores as YAML integers too.
        let cpu = if r.chance(15) {
            json!(r.between(1, 4))
        } else {
            json!(format!("{}m", 100 * r.between(1, 40)))
        };
        Some(
            json!({"requests": requests, "limits": {"cpu": cpu, "memory": format!("{}Mi", 128 * r.between(1, 32))}}),
        )
    };
    if let Some(res) = resources {
        c.insert("resources".into(), res);
    }
    if !init && r.chance(70) {
        c.insert(
            "readinessProbe".into(),
            json!({"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}),
        );
        c.insert(
            "livenessProbe".into(),
            json!({"httpGet": {"path": "/livez", "port": 8080}, "failureThreshold": 3}),
        );
    }
    let mut sc = Map::new();
    if let Some(b) = nonroot {
        sc.insert("runAsNonRoot".into(), json!(b));
    }
    if r.chance(60) {
        sc.insert("allowPrivilegeEscalation".into(), json!(false));
        sc.insert("readOnlyRootFilesystem".into(), json!(true));
        sc.insert("capabilities".into(), json!({"drop": ["ALL"]}));
    }
    if !sc.is_empty() {
        c.insert("securityContext".into(), Value::Object(sc));
    }
    if r.chance(50) {
        c.insert("volumeMounts".into(), json!([{"name": "config", "mountPath": format!("/etc/{name}"), "readOnly": true}, {"name": "tmp", "mountPath": "/tmp"}]));
    }
    Value::Object(c)
}

/// A pod spec breaking the checks (b)–(e) flagged in `breaks`.
fn pod_spec(r: &mut Rng, app: &str, breaks: &Breaks, job: bool) -> Value {
    let main = r.between(1, 3) as usize;
    let total = main + usize::from(r.chance(15));
    // Each container-level break lands on one container.
    let bad_image_at = r.below(total as u64) as usize;
    let bad_limits_at = r.below(total as u64) as usize;
    let bad_nonroot_at = r.below(total as u64) as usize;

    // runAsNonRoot: compliant = pod level true (containers unset or true), or every container
    // true; breaking = one container false under a true pod level, one container unset with
    // nothing at pod level, or pod level false with containers unset.
    let mut pod_nonroot = None;
    let mut per_container = vec![None; total];
    if !breaks[3] {
        if r.chance(60) {
            pod_nonroot = Some(true);
            per_container
                .iter_mut()
                .for_each(|c| *c = r.chance(30).then_some(true));
        } else {
            pod_nonroot = r.chance(30).then_some(false);
            per_container.iter_mut().for_each(|c| *c = Some(true));
        }
    } else {
        match r.below(3) {
            0 => {
                pod_nonroot = Some(true);
                per_container[bad_nonroot_at] = Some(false);
            }
            1 => {
                for (k, c) in per_container.iter_mut().enumerate() {
                    *c = (k != bad_nonroot_at).then_some(true);
                }
            }
            _ => pod_nonroot = Some(false),
        }
    }

    let mut containers = Vec::new();
    let mut init_containers = Vec::new();
    for (k, nonroot) in per_container.into_iter().enumerate() {
        let init = k >= main;
        let name = if k == 0 {
            app.to_owned()
        } else {
            format!(
                "{}-{k}",
                r.pick(&["sidecar", "proxy", "exporter", "migrate"])
            )
        };
        let c = container(
            r,
            &name,
            breaks[2] && k == bad_image_at,
            breaks[1] && k == bad_limits_at,
            nonroot,
            init,
        );
        if init {
            init_containers.push(c)
        } else {
            containers.push(c)
        }
    }
    let mut spec = Map::new();
    if !init_containers.is_empty() {
        spec.insert("initContainers".into(), Value::Array(init_containers));
    }
    spec.insert("containers".into(), Value::Array(containers));
    let mut psc = Map::new();
    if let Some(b) = pod_nonroot {
        psc.insert("runAsNonRoot".into(), json!(b));
    }
    if r.chance(50) {
        psc.insert("runAsUser".into(), json!(1000 + r.below(1000)));
        psc.insert("fsGroup".into(), json!(2000));
    }
    if r.chance(40) {
        psc.insert("seccompProfile".into(), json!({"type": "RuntimeDefault"}));
    }
    if !psc.is_empty() {
        spec.insert("securityContext".into(), Value::Object(psc));
    }
    if breaks[4] {
        let field = if r.chance(50) {
            "hostNetwork"
        } else {
            "hostPID"
        };
        spec.insert(field.into(), json!(true));
    } else if r.chance(10) {
        spec.insert("hostNetwork".into(), json!(false));
    }
    spec.insert("serviceAccountName".into(), json!(format!("{app}-sa")));
    if job {
        spec.insert("restartPolicy".into(), json!("OnFailure"));
    }
    if r.chance(30) {
        spec.insert("nodeSelector".into(), json!({"kubernetes.io/os": "linux", "node.acme.io/pool": r.pick(&["general", "highmem", "spot"])}));
    }
    if r.chance(20) {
        spec.insert("tolerations".into(), json!([{"key": "dedicated", "operator": "Equal", "value": r.pick(WORDS), "effect": "NoSchedule"}]));
    }
    spec.insert("volumes".into(), json!([{"name": "config", "configMap": {"name": format!("{app}-config")}}, {"name": "tmp", "emptyDir": {}}]));
    Value::Object(spec)
}
