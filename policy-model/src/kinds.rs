//! What the workspace knows about Kubernetes kinds, in one place: which kinds are
//! cluster-scoped (as each consumer must see it), which are pod controllers and where their
//! pod template sits, and how autogen names the rules it generates for them.
//!
//! # Cluster scope: one table, one view per consumer
//!
//! Without a cluster there is no discovery API to ask, so every tool carries a list, and the
//! lists differ. Where our consumers must give *their* tool's answer, they use a named view of
//! [`CLUSTER_SCOPED`]:
//!
//! - [`Scope::KyvernoCli`]: the kinds `kyverno test`/`kyverno apply` treat as cluster-scoped
//!   when they default a resource's namespace (CLI-5.1): Kubernetes' built-in cluster-scoped
//!   kinds, Kyverno's own cluster-scoped kinds (any group) and the reports. Source: the
//!   Kyverno CLI's resource loading (`ClusterScopedKinds` of its test command), as specified
//!   in `kyverno/cli.md` CLI-5.1. 41 kinds.
//! - [`Scope::Overlay`]: the kinds `policyctl build` never puts a namespace on (overlay
//!   `namespace:`). Source: the Kubernetes built-in kinds that policy repositories hold and
//!   Kubernetes (and so kustomize's built-in schema) makes cluster-scoped, Kyverno's
//!   cluster-scoped kinds and reports, and cert-manager's `ClusterIssuer`; the
//!   `policies.kyverno.io` CEL kinds only in that group (their `Namespaced*` twins are
//!   namespaced). 29 kinds. The Kustomize issue replaces it with kustomize's own schema.
//!
//! The views answer differently on purpose (`ClusterIssuer` is namespaced for the Kyverno
//! CLI, which knows no CRDs; `TokenReview` never appears in an overlay); merging them would
//! change one tool's verdicts. A kind in neither view is namespaced.

/// A consumer's view of which kinds are cluster-scoped (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// The Kyverno CLI's list (CLI-5.1): namespace defaulting in `kyverno test`.
    KyvernoCli,
    /// `policyctl build`'s list (kustomize's schema): overlay namespaces.
    Overlay,
}

/// One cluster-scoped kind: its name, the API group it is restricted to (`None`: any group)
/// and the views that count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterScopedKind {
    /// The kind (`ClusterRole`).
    pub kind: &'static str,
    /// The API group the entry is restricted to, for views that check groups.
    pub group: Option<&'static str>,
    /// In [`Scope::KyvernoCli`].
    pub kyverno_cli: bool,
    /// In [`Scope::Overlay`].
    pub overlay: bool,
}

const fn both(kind: &'static str) -> ClusterScopedKind {
    ClusterScopedKind {
        kind,
        group: None,
        kyverno_cli: true,
        overlay: true,
    }
}

const fn cli(kind: &'static str) -> ClusterScopedKind {
    ClusterScopedKind {
        kind,
        group: None,
        kyverno_cli: true,
        overlay: false,
    }
}

const fn overlay(kind: &'static str) -> ClusterScopedKind {
    ClusterScopedKind {
        kind,
        group: None,
        kyverno_cli: false,
        overlay: true,
    }
}

/// Cluster-scoped in both views when the overlay's document is of `policies.kyverno.io`.
const fn kyverno_cel(kind: &'static str) -> ClusterScopedKind {
    ClusterScopedKind {
        kind,
        group: Some("policies.kyverno.io"),
        kyverno_cli: true,
        overlay: true,
    }
}

/// Every kind some view counts as cluster-scoped.
pub const CLUSTER_SCOPED: &[ClusterScopedKind] = &[
    both("APIService"),
    both("CertificateSigningRequest"),
    both("ClusterCleanupPolicy"),
    both("ClusterEphemeralReport"),
    overlay("ClusterIssuer"),
    both("ClusterPolicy"),
    both("ClusterPolicyReport"),
    cli("ClusterReport"),
    both("ClusterRole"),
    both("ClusterRoleBinding"),
    cli("ComponentStatus"),
    cli("CSIDriver"),
    cli("CSINode"),
    both("CustomResourceDefinition"),
    kyverno_cel("DeletingPolicy"),
    cli("FlowSchema"),
    kyverno_cel("GeneratingPolicy"),
    cli("GlobalContextEntry"),
    kyverno_cel("ImageValidatingPolicy"),
    both("IngressClass"),
    both("MutatingAdmissionPolicy"),
    both("MutatingAdmissionPolicyBinding"),
    kyverno_cel("MutatingPolicy"),
    both("MutatingWebhookConfiguration"),
    both("Namespace"),
    both("Node"),
    both("PersistentVolume"),
    both("PodSecurityPolicy"),
    both("PriorityClass"),
    cli("PriorityLevelConfiguration"),
    both("RuntimeClass"),
    cli("SelfSubjectAccessReview"),
    cli("SelfSubjectReview"),
    cli("SelfSubjectRulesReview"),
    both("StorageClass"),
    cli("SubjectAccessReview"),
    cli("TokenReview"),
    both("ValidatingAdmissionPolicy"),
    both("ValidatingAdmissionPolicyBinding"),
    kyverno_cel("ValidatingPolicy"),
    both("ValidatingWebhookConfiguration"),
    cli("VolumeAttachment"),
];

impl Scope {
    /// Whether `kind` (of API group `group`, `""` for the core group) is cluster-scoped in
    /// this view. [`Scope::KyvernoCli`] ignores the group, as the CLI does.
    pub fn is_cluster_scoped(self, group: &str, kind: &str) -> bool {
        CLUSTER_SCOPED.iter().any(|k| {
            k.kind == kind
                && match self {
                    Scope::KyvernoCli => k.kyverno_cli,
                    Scope::Overlay => k.overlay && k.group.is_none_or(|g| g == group),
                }
        })
    }
}

/// The pod controllers of autogen's default set, in Kyverno's order (MR-6.1): the kinds
/// that carry a pod template.
pub const POD_CONTROLLERS: [&str; 7] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];

/// Whether `kind` is one of [`POD_CONTROLLERS`].
pub fn is_pod_controller(kind: &str) -> bool {
    POD_CONTROLLERS.contains(&kind)
}

/// Where a Pod's or pod controller's pod spec sits (`["spec"]` for a Pod,
/// `["spec", "template", "spec"]` for a Deployment, the job template's for a CronJob);
/// `None` for any other kind.
pub fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "Pod" => Some(&["spec"]),
        "CronJob" => Some(&["spec", "jobTemplate", "spec", "template", "spec"]),
        k if is_pod_controller(k) => Some(&["spec", "template", "spec"]),
        _ => None,
    }
}

/// Autogen's rule names (MR-6.3): a rule `r` written for Pods is also evaluated as
/// `autogen-r` (the non-CronJob controllers) and `autogen-cronjob-r` (CronJobs).
pub mod autogen {
    /// The prefix of rules generated for the non-CronJob pod controllers.
    pub const PREFIX: &str = "autogen-";
    /// The prefix of rules generated for CronJobs.
    pub const CRONJOB_PREFIX: &str = "autogen-cronjob-";

    /// The rule an autogen rule was generated from (`autogen-cronjob-x` and `autogen-x` →
    /// `x`); any other name is its own base.
    pub fn base_rule(rule: &str) -> &str {
        rule.strip_prefix(CRONJOB_PREFIX)
            .or_else(|| rule.strip_prefix(PREFIX))
            .unwrap_or(rule)
    }

    /// `autogen-<rule>`.
    pub fn pod_controllers_rule(rule: &str) -> String {
        format!("{PREFIX}{rule}")
    }

    /// `autogen-cronjob-<rule>`.
    pub fn cronjob_rule(rule: &str) -> String {
        format!("{CRONJOB_PREFIX}{rule}")
    }

    /// A rule's name and the names autogen may give its variants: `[r, autogen-r,
    /// autogen-cronjob-r]`.
    pub fn rule_names(rule: &str) -> [String; 3] {
        [
            rule.to_owned(),
            pod_controllers_rule(rule),
            cronjob_rule(rule),
        ]
    }

    /// Whether `result_rule` is `rule` or one of its autogen variants.
    pub fn is_variant_of(result_rule: &str, rule: &str) -> bool {
        result_rule == rule
            || result_rule
                .strip_prefix(PREFIX)
                .is_some_and(|r| r == rule || r.strip_prefix("cronjob-") == Some(rule))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_sizes_match_the_docs() {
        let count =
            |f: fn(&ClusterScopedKind) -> bool| CLUSTER_SCOPED.iter().filter(|k| f(k)).count();
        assert_eq!(count(|k| k.kyverno_cli), 41);
        assert_eq!(count(|k| k.overlay), 29);
    }

    #[test]
    fn views_differ_where_their_tools_do() {
        // CLI-5.1: the Kyverno CLI knows TokenReview, not cert-manager's ClusterIssuer.
        assert!(Scope::KyvernoCli.is_cluster_scoped("authentication.k8s.io", "TokenReview"));
        assert!(!Scope::Overlay.is_cluster_scoped("authentication.k8s.io", "TokenReview"));
        assert!(Scope::Overlay.is_cluster_scoped("cert-manager.io", "ClusterIssuer"));
        assert!(!Scope::KyvernoCli.is_cluster_scoped("cert-manager.io", "ClusterIssuer"));
        // The CEL policy kinds: cluster-scoped for overlays only in their own group.
        assert!(Scope::Overlay.is_cluster_scoped("policies.kyverno.io", "ValidatingPolicy"));
        assert!(!Scope::Overlay.is_cluster_scoped("example.com", "ValidatingPolicy"));
        assert!(Scope::KyvernoCli.is_cluster_scoped("example.com", "ValidatingPolicy"));
        for scope in [Scope::KyvernoCli, Scope::Overlay] {
            assert!(scope.is_cluster_scoped("", "Namespace"));
            assert!(!scope.is_cluster_scoped("", "Pod"));
            assert!(!scope.is_cluster_scoped("policies.kyverno.io", "NamespacedValidatingPolicy"));
        }
    }

    #[test]
    fn pod_spec_paths() {
        assert_eq!(pod_spec_path("Pod"), Some(&["spec"][..]));
        assert_eq!(
            pod_spec_path("Deployment"),
            Some(&["spec", "template", "spec"][..])
        );
        assert_eq!(
            pod_spec_path("CronJob"),
            Some(&["spec", "jobTemplate", "spec", "template", "spec"][..])
        );
        assert_eq!(pod_spec_path("Service"), None);
    }

    #[test]
    fn autogen_names() {
        assert_eq!(autogen::base_rule("autogen-cronjob-x"), "x");
        assert_eq!(autogen::base_rule("autogen-x"), "x");
        assert_eq!(autogen::base_rule("x"), "x");
        assert_eq!(
            autogen::rule_names("x"),
            ["x", "autogen-x", "autogen-cronjob-x"]
        );
        assert!(autogen::is_variant_of("autogen-cronjob-x", "x"));
        assert!(autogen::is_variant_of("autogen-x", "x"));
        assert!(autogen::is_variant_of("x", "x"));
        assert!(!autogen::is_variant_of("autogen-y", "x"));
        assert!(!autogen::is_variant_of("autogen-cronjob-", "x"));
    }
}
