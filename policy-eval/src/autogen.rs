//! Autogen for pod controllers (MR-6): rules written for Pods also check the pod templates of
//! Deployments, DaemonSets, Jobs, StatefulSets, ReplicaSets, ReplicationControllers and
//! CronJobs, under Kyverno's `autogen-…` / `autogen-cronjob-…` names.

use std::collections::BTreeSet;

use policy_model::KyvernoPolicy;
use policy_model::kinds::{self, autogen};
use policy_model::policy::{MatchResources, ResourceDescription, Rule};
use serde_json::{Value, json};

use crate::matching::KindSelector;

/// Generated match kinds for the non-CronJob variant, in Kyverno's order (MR-6.4).
const POD_CONTROLLER_KINDS: [(&str, &str); 6] = [
    ("DaemonSet", "apps/v1/DaemonSet"),
    ("Deployment", "apps/v1/Deployment"),
    ("Job", "batch/v1/Job"),
    ("ReplicaSet", "apps/v1/ReplicaSet"),
    ("ReplicationController", "v1/ReplicationController"),
    ("StatefulSet", "apps/v1/StatefulSet"),
];

/// Which variant a rule is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Variant {
    /// As written.
    Original,
    /// `autogen-<name>` for the non-CronJob controllers.
    PodControllers,
    /// `autogen-cronjob-<name>`.
    CronJob,
}

/// A policy's rules after autogen.
#[derive(Clone, Debug)]
pub(crate) struct ExpandedRules {
    /// The controllers autogen applies to (empty: no autogen).
    pub controllers: BTreeSet<String>,
    /// Every rule with its variant: the originals in spec order, then the generated variants
    /// (`autogen-`, `autogen-cronjob-`) of each, in spec order (MR-6.5).
    pub rules: Vec<(Rule, Variant)>,
}

fn descriptions(m: &MatchResources) -> Vec<&ResourceDescription> {
    let mut out: Vec<&ResourceDescription> = m
        .any
        .iter()
        .chain(m.all.iter())
        .filter_map(|f| f.resources.as_ref())
        .collect();
    if let Some(rd) = &m.resources {
        out.push(rd);
    }
    out
}

fn rule_descriptions(rule: &Rule) -> Vec<&ResourceDescription> {
    let mut out = descriptions(&rule.match_);
    if let Some(ex) = &rule.exclude {
        out.extend(descriptions(ex));
    }
    out
}

fn is_pod_kind(k: &str) -> bool {
    KindSelector::parse(k).is_pod()
}

/// MR-6.1 / MR-6.2: the controller set autogen uses for this policy (empty = none).
pub(crate) fn controllers(policy: &KyvernoPolicy) -> BTreeSet<String> {
    let rules = &policy.spec.rules;
    let mut eligible = true;
    let mut names_pod_or_controller = false;
    for rule in rules {
        if rule.generate.is_some() {
            eligible = false;
        }
        if let Some(m) = &rule.mutate {
            let foreach_patch = m
                .foreach
                .iter()
                .flatten()
                .any(|f| f.get("patchesJson6902").is_some());
            if m.patches_json6902.is_some() || foreach_patch {
                eligible = false;
            }
        }
        for rd in rule_descriptions(rule) {
            if rd.name.is_some()
                || !rd.names.is_empty()
                || rd.selector.is_some()
                || !rd.annotations.is_empty()
            {
                eligible = false;
            }
            if rd.kinds.len() > 1 && rd.kinds.iter().any(|k| is_pod_kind(k)) {
                eligible = false;
            }
            if rd
                .kinds
                .iter()
                .any(|k| k == "Pod" || kinds::is_pod_controller(k))
            {
                names_pod_or_controller = true;
            }
        }
    }
    if !eligible || !names_pod_or_controller {
        return BTreeSet::new();
    }
    match policy.annotations().autogen_controllers() {
        Some("none") => BTreeSet::new(),
        Some(list) => list
            .split(',')
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
            .collect(),
        // MR-6.1: the default controller set.
        None => kinds::POD_CONTROLLERS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    }
}

fn kinds_of(m: &MatchResources) -> Vec<&String> {
    descriptions(m)
        .into_iter()
        .flat_map(|rd| rd.kinds.iter())
        .collect()
}

/// MR-6.3: does this rule get generated variants?
fn rule_is_expandable(rule: &Rule) -> bool {
    if rule.name.starts_with(autogen::PREFIX) {
        return false;
    }
    if !kinds_of(&rule.match_).iter().any(|k| is_pod_kind(k)) {
        return false;
    }
    if let Some(ex) = &rule.exclude {
        let ex_kinds = kinds_of(ex);
        if !ex_kinds.is_empty() && !ex_kinds.iter().any(|k| is_pod_kind(k)) {
            return false;
        }
    }
    true
}

fn truncate_name(name: String) -> String {
    if name.chars().count() <= 63 {
        name
    } else {
        name.chars().take(63).collect()
    }
}

fn replace_kinds(m: &mut MatchResources, kinds: &[String], is_exclude: bool) {
    for f in m.any.iter_mut().chain(m.all.iter_mut()) {
        if let Some(rd) = &mut f.resources
            && rd.kinds.iter().any(|k| is_pod_kind(k))
        {
            rd.kinds = kinds.to_vec();
        }
    }
    if let Some(rd) = &mut m.resources
        && (!is_exclude || !rd.kinds.is_empty())
    {
        rd.kinds = kinds.to_vec();
    }
}

fn wrap(pattern: &Value, cronjob: bool) -> Value {
    let template = json!({"spec": {"template": pattern}});
    if cronjob {
        json!({"spec": {"jobTemplate": template}})
    } else {
        template
    }
}

fn generate_variant(rule: &Rule, variant: Variant, controllers: &BTreeSet<String>) -> Option<Rule> {
    let cronjob = variant == Variant::CronJob;
    let kinds: Vec<String> = if cronjob {
        if !controllers.contains("CronJob") {
            return None;
        }
        vec!["batch/v1/CronJob".to_owned()]
    } else {
        POD_CONTROLLER_KINDS
            .iter()
            .filter(|(k, _)| controllers.contains(*k))
            .map(|(_, full)| (*full).to_owned())
            .collect()
    };
    if kinds.is_empty() {
        return None;
    }
    let mut r = rule.clone();
    r.name = truncate_name(if cronjob {
        autogen::cronjob_rule(&rule.name)
    } else {
        autogen::pod_controllers_rule(&rule.name)
    });
    replace_kinds(&mut r.match_, &kinds, false);
    if let Some(ex) = &mut r.exclude {
        replace_kinds(ex, &kinds, true);
    }
    if let Some(v) = &mut r.validate {
        if let Some(p) = &v.pattern {
            v.pattern = Some(wrap(p, cronjob));
        }
        if let Some(Value::Array(items)) = &v.any_pattern {
            v.any_pattern = Some(Value::Array(
                items.iter().map(|p| wrap(p, cronjob)).collect(),
            ));
        }
    }
    if let Some(m) = &mut r.mutate {
        if let Some(p) = &m.patch_strategic_merge {
            m.patch_strategic_merge = Some(wrap(p, cronjob));
        }
        if let Some(entries) = &mut m.foreach {
            for e in entries.iter_mut() {
                if let Value::Object(obj) = e {
                    if let Some(p) = obj.get("patchStrategicMerge").cloned() {
                        obj.insert("patchStrategicMerge".to_owned(), wrap(&p, cronjob));
                    }
                    obj.remove("order");
                    obj.remove("foreach");
                }
            }
        }
    }
    // The textual replacements of MR-6.4, on the serialized rule.
    let (spec, meta) = if cronjob {
        (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        )
    } else {
        ("spec.template.spec", "spec.template.metadata")
    };
    let text = serde_json::to_string(&r).ok()?;
    let text = text
        .replace("request.object.spec", &format!("request.object.{spec}"))
        .replace(
            "request.oldObject.spec",
            &format!("request.oldObject.{spec}"),
        )
        .replace("request.object.metadata", &format!("request.object.{meta}"))
        .replace(
            "request.oldObject.metadata",
            &format!("request.oldObject.{meta}"),
        );
    serde_json::from_str(&text).ok()
}

/// MR-6: expands a policy's rules.
pub(crate) fn expand(policy: &KyvernoPolicy) -> ExpandedRules {
    let controllers = controllers(policy);
    let mut rules = Vec::new();
    let mut generated = Vec::new();
    let generating = !controllers.is_empty() && policy.spec.rules.iter().any(rule_is_expandable);
    for rule in &policy.spec.rules {
        if generating && rule.name.starts_with(autogen::PREFIX) {
            // Dropped when generated ones are added (MR-6.3).
            continue;
        }
        rules.push((rule.clone(), Variant::Original));
        if !controllers.is_empty() && rule_is_expandable(rule) {
            for variant in [Variant::PodControllers, Variant::CronJob] {
                if let Some(r) = generate_variant(rule, variant, &controllers) {
                    generated.push((r, variant));
                }
            }
        }
    }
    // MR-6.5: the generated rules come after all the policy's own, in spec order (Kyverno's
    // `computeRules` appends them), which decides result order and `applyRules: One`.
    rules.extend(generated);
    ExpandedRules { controllers, rules }
}

impl ExpandedRules {
    /// MR-6.5: which rules run for a resource of kind `kind`.
    pub(crate) fn applies(&self, variant: Variant, kind: &str) -> bool {
        match variant {
            Variant::Original => true,
            _ if !self.controllers.contains(kind) => false,
            Variant::CronJob => kind == "CronJob",
            Variant::PodControllers => kind != "CronJob",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml: &str) -> KyvernoPolicy {
        let out = policy_model::load_str("p.yaml", yaml);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        match out.documents.into_iter().next().map(|d| d.document) {
            Some(policy_model::Document::Policy(p)) => *p,
            _ => panic!("policy expected"),
        }
    }

    const POD_RULE: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n  - name: require-team-label\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      message: \"{{ request.object.metadata.name }}\"\n      pattern: {metadata: {labels: {team: \"?*\"}}}\n";

    #[test]
    fn generated_rules_mr_6_4_and_6_6() {
        let p = policy(POD_RULE);
        let ex = expand(&p);
        let names: Vec<_> = ex.rules.iter().map(|(r, _)| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "require-team-label",
                "autogen-require-team-label",
                "autogen-cronjob-require-team-label"
            ]
        );
        let (r, _) = &ex.rules[1];
        let kinds = &r.match_.any[0].resources.as_ref().unwrap().kinds;
        assert_eq!(
            kinds,
            &[
                "apps/v1/DaemonSet",
                "apps/v1/Deployment",
                "batch/v1/Job",
                "apps/v1/ReplicaSet",
                "v1/ReplicationController",
                "apps/v1/StatefulSet"
            ]
        );
        assert_eq!(
            r.validate.as_ref().unwrap().pattern,
            Some(json!({"spec": {"template": {"metadata": {"labels": {"team": "?*"}}}}}))
        );
        assert_eq!(
            r.validate.as_ref().unwrap().message.as_deref(),
            Some("{{ request.object.spec.template.metadata.name }}")
        );
        let (c, _) = &ex.rules[2];
        assert_eq!(
            c.validate.as_ref().unwrap().pattern,
            Some(
                json!({"spec": {"jobTemplate": {"spec": {"template": {"metadata": {"labels": {"team": "?*"}}}}}}})
            )
        );
        assert_eq!(
            c.validate.as_ref().unwrap().message.as_deref(),
            Some("{{ request.object.spec.jobTemplate.spec.template.metadata.name }}")
        );
    }

    #[test]
    fn which_rules_run_mr_6_5() {
        let ex = expand(&policy(POD_RULE));
        assert!(ex.applies(Variant::PodControllers, "Deployment"));
        assert!(!ex.applies(Variant::CronJob, "Deployment"));
        assert!(ex.applies(Variant::CronJob, "CronJob"));
        assert!(!ex.applies(Variant::PodControllers, "Pod"));
        assert!(!ex.applies(Variant::PodControllers, "Service"));
    }

    #[test]
    fn annotation_and_eligibility_mr_6_1_6_2() {
        let with = |ann: &str| {
            POD_RULE.replace("metadata: {name: p}", &format!("metadata: {{name: p, annotations: {{pod-policies.kyverno.io/autogen-controllers: \"{ann}\"}}}}"))
        };
        assert!(controllers(&policy(&with("none"))).is_empty());
        let only = controllers(&policy(&with("Deployment,CronJob")));
        assert_eq!(
            only.into_iter().collect::<Vec<_>>(),
            ["CronJob", "Deployment"]
        );
        // names in a resource description disable autogen
        let named = POD_RULE.replace("kinds: [Pod]", "kinds: [Pod], names: [a]");
        assert!(controllers(&policy(&named)).is_empty());
        // more than one kind including Pod disables autogen
        let multi = POD_RULE.replace("kinds: [Pod]", "kinds: [Pod, Service]");
        assert!(controllers(&policy(&multi)).is_empty());
        // quirk: only `v1/Pod` → no autogen
        let versioned = POD_RULE.replace("kinds: [Pod]", "kinds: [v1/Pod]");
        assert!(controllers(&policy(&versioned)).is_empty());
    }
}
