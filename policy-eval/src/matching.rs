//! Rule selection: `match` / `exclude` (MR-3), kind selectors (MR-3.6), label selectors with
//! wildcards (MR-3.7), user-info criteria (MR-3.5) and namespaced-policy scoping (MR-1.1).

use std::collections::BTreeMap;

use policy_model::meta::LabelSelector;
use policy_model::policy::{MatchResources, ResourceDescription, ResourceFilterRef, Subject};
use serde_json::{Map, Value};

use policy_model::wildcard;

/// The user making the (simulated) request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestUser {
    /// User name (`system:serviceaccount:<ns>:<name>` for service accounts).
    pub username: String,
    /// Groups.
    pub groups: Vec<String>,
    /// Roles, as `namespace:name`.
    pub roles: Vec<String>,
    /// Cluster roles.
    pub cluster_roles: Vec<String>,
    /// UID.
    pub uid: String,
    /// Extra attributes.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// A parsed `kinds` entry (MR-3.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KindSelector {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub subresource: String,
}

fn is_version(s: &str) -> bool {
    if s == "*" {
        return true;
    }
    // ^v\d+((alpha|beta)\d+)?$
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let tail = rest.get(digits..).unwrap_or("");
    if tail.is_empty() {
        return true;
    }
    let after = tail
        .strip_prefix("alpha")
        .or_else(|| tail.strip_prefix("beta"));
    after.is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

impl KindSelector {
    /// Parses one `kinds` entry per MR-3.6.
    pub(crate) fn parse(entry: &str) -> Self {
        let mut parts: Vec<&str> = entry.split('/').collect();
        if let Some(last) = parts.pop() {
            parts.extend(last.split('.'));
        }
        let s = |x: &str| x.to_owned();
        match parts.as_slice() {
            [k] => Self {
                group: s("*"),
                version: s("*"),
                kind: s(k),
                subresource: String::new(),
            },
            ["*", "*"] => Self {
                group: s("*"),
                version: s("*"),
                kind: s("*"),
                subresource: s("*"),
            },
            ["*", sub] if sub.chars().all(|c| !c.is_uppercase()) => Self {
                group: s("*"),
                version: s("*"),
                kind: s("*"),
                subresource: s(sub),
            },
            [v, k] if is_version(v) => Self {
                group: s("*"),
                version: s(v),
                kind: s(k),
                subresource: String::new(),
            },
            [k, sub] => Self {
                group: s("*"),
                version: s("*"),
                kind: s(k),
                subresource: s(sub),
            },
            [v, k, sub] if is_version(v) => Self {
                group: s("*"),
                version: s(v),
                kind: s(k),
                subresource: s(sub),
            },
            [g, v, k] => Self {
                group: s(g),
                version: s(v),
                kind: s(k),
                subresource: String::new(),
            },
            [g, v, k, sub] => Self {
                group: s(g),
                version: s(v),
                kind: s(k),
                subresource: s(sub),
            },
            _ => {
                // More than four parts: treat the leading ones as a dotted group (`a.b.c/v1/K`
                // split oddly); keep the last three as version, kind, subresource.
                let n = parts.len();
                let get = |i: usize| parts.get(i).copied().unwrap_or("");
                Self {
                    group: parts
                        .get(..n.saturating_sub(3))
                        .map(|g| g.join("."))
                        .unwrap_or_default(),
                    version: s(get(n.saturating_sub(3))),
                    kind: s(get(n.saturating_sub(2))),
                    subresource: s(get(n.saturating_sub(1))),
                }
            }
        }
    }

    /// MR-3.6: every component wildcard-matches.
    pub(crate) fn matches(
        &self,
        group: &str,
        version: &str,
        kind: &str,
        subresource: &str,
    ) -> bool {
        let sub_ok = wildcard::matches(&self.subresource, subresource)
            // A Pod's ephemeralcontainers subresource is matched by entries for Pod.
            || (kind == "Pod" && subresource == "ephemeralcontainers" && self.subresource.is_empty());
        wildcard::matches(&self.group, group)
            && wildcard::matches(&self.version, version)
            && wildcard::matches(&self.kind, kind)
            && sub_ok
    }

    /// True when the entry names Pods (any form: `Pod`, `v1/Pod`, `Pod/...`).
    pub(crate) fn is_pod(&self) -> bool {
        self.kind == "Pod"
    }
}

/// MR-3.6 without allocating: the same shapes as [`KindSelector::parse`], on borrowed parts.
pub(crate) fn kind_entry_matches(
    entry: &str,
    group: &str,
    version: &str,
    kind: &str,
    sub: &str,
) -> bool {
    // The common shape, a plain kind (`Pod`): any group and version, no subresource.
    if !entry.contains(['/', '.', '*', '?']) {
        return entry == kind
            && (sub.is_empty() || (kind == "Pod" && sub == "ephemeralcontainers"));
    }
    let mut parts: [&str; 4] = [""; 4];
    let mut n = 0usize;
    let (head, last) = match entry.rsplit_once('/') {
        Some((h, l)) => (Some(h), l),
        None => (None, entry),
    };
    for p in head
        .into_iter()
        .flat_map(|h| h.split('/'))
        .chain(last.split('.'))
    {
        match parts.get_mut(n) {
            Some(slot) => *slot = p,
            // More than four parts: the rare odd shape; use the owned parser.
            None => return KindSelector::parse(entry).matches(group, version, kind, sub),
        }
        n += 1;
    }
    let (g, v, k, s) = match parts.get(..n).unwrap_or_default() {
        [k] => ("*", "*", *k, ""),
        ["*", "*"] => ("*", "*", "*", "*"),
        ["*", s] if s.chars().all(|c| !c.is_uppercase()) => ("*", "*", "*", *s),
        [v, k] if is_version(v) => ("*", *v, *k, ""),
        [k, s] => ("*", "*", *k, *s),
        [v, k, s] if is_version(v) => ("*", *v, *k, *s),
        [g, v, k] => (*g, *v, *k, ""),
        [g, v, k, s] => (*g, *v, *k, *s),
        _ => return false,
    };
    let sub_ok = wildcard::matches(s, sub)
        || (kind == "Pod" && sub == "ephemeralcontainers" && s.is_empty());
    wildcard::matches(g, group)
        && wildcard::matches(v, version)
        && wildcard::matches(k, kind)
        && sub_ok
}

/// What matching looks at, computed once per resource.
#[derive(Clone, Debug)]
pub(crate) struct MatchSubject<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    pub subresource: &'a str,
    pub name: &'a str,
    pub namespace: &'a str,
    pub labels: Option<&'a Map<String, Value>>,
    pub annotations: Option<&'a Map<String, Value>>,
    pub operation: &'a str,
    /// Labels of the resource's namespace (MR-3.3.7), when known.
    pub namespace_labels: Option<&'a BTreeMap<String, String>>,
    /// The request's user; `None` when no user info was supplied (MR-3.2.4).
    pub user: Option<&'a RequestUser>,
}

impl<'a> MatchSubject<'a> {
    /// Reads the matching inputs of a resource.
    pub(crate) fn of(
        resource: &'a Value,
        operation: &'a str,
        namespace_labels: Option<&'a BTreeMap<String, String>>,
        user: Option<&'a RequestUser>,
    ) -> Self {
        let r = policy_model::ResourceRef::new(resource);
        let name = if r.name().is_empty() {
            r.generate_name()
        } else {
            r.name()
        };
        Self {
            group: r.group(),
            version: r.version(),
            kind: r.kind(),
            subresource: "",
            name,
            namespace: r.namespace(),
            labels: r.labels(),
            annotations: r.annotations(),
            operation,
            namespace_labels,
            user,
        }
    }
}

fn label_map(labels: Option<&Map<String, Value>>) -> BTreeMap<&str, &str> {
    labels
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                .collect()
        })
        .unwrap_or_default()
}

/// MR-3.7: a label selector whose `matchLabels` may contain wildcards.
pub(crate) fn selector_matches(selector: &LabelSelector, labels: &BTreeMap<&str, &str>) -> bool {
    for (key, value) in &selector.match_labels {
        let (k, v): (String, String) =
            if wildcard::has_wildcard(key) || wildcard::has_wildcard(value) {
                // Replace by the first (sorted) matching label, else `*`/`?` → `0`.
                match labels
                    .iter()
                    .find(|(lk, lv)| wildcard::matches(key, lk) && wildcard::matches(value, lv))
                {
                    Some((lk, lv)) => ((*lk).to_owned(), (*lv).to_owned()),
                    None => (key.replace(['*', '?'], "0"), value.replace(['*', '?'], "0")),
                }
            } else {
                (key.clone(), value.clone())
            };
        if labels.get(k.as_str()) != Some(&v.as_str()) {
            return false;
        }
    }
    for req in &selector.match_expressions {
        let present = labels.get(req.key.as_str());
        let ok = match req.operator.as_str() {
            "In" => present.is_some_and(|v| req.values.iter().any(|x| x == v)),
            "NotIn" => present.is_none_or(|v| !req.values.iter().any(|x| x == v)),
            "Exists" => present.is_some(),
            "DoesNotExist" => present.is_none(),
            // An invalid selector is a non-match.
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

fn description_is_empty(rd: &ResourceDescription) -> bool {
    rd.kinds.is_empty()
        && rd.name.is_none()
        && rd.names.is_empty()
        && rd.namespaces.is_empty()
        && rd.annotations.is_empty()
        && rd.selector.is_none()
        && rd.namespace_selector.is_none()
        && rd.operations.is_empty()
}

/// MR-3.3: all populated resource criteria hold.
fn resource_matches(rd: &ResourceDescription, s: &MatchSubject<'_>) -> bool {
    if !rd.operations.is_empty() && !rd.operations.iter().any(|o| o == s.operation) {
        return false;
    }
    if !rd.kinds.is_empty()
        && !rd
            .kinds
            .iter()
            .any(|k| kind_entry_matches(k, s.group, s.version, s.kind, s.subresource))
    {
        return false;
    }
    if let Some(name) = &rd.name
        && !wildcard::matches(name, s.name)
    {
        return false;
    }
    if !rd.names.is_empty() && !rd.names.iter().any(|n| wildcard::matches(n, s.name)) {
        return false;
    }
    if !rd.namespaces.is_empty() {
        let ns = if s.kind == "Namespace" {
            s.name
        } else {
            s.namespace
        };
        if !rd.namespaces.iter().any(|n| wildcard::matches(n, ns)) {
            return false;
        }
    }
    if !rd.annotations.is_empty() {
        let annotations = label_map(s.annotations);
        let all = rd.annotations.iter().all(|(k, v)| {
            annotations
                .iter()
                .any(|(k1, v1)| wildcard::matches(k, k1) && wildcard::matches(v, v1))
        });
        if !all {
            return false;
        }
    }
    if let Some(sel) = &rd.selector
        && !selector_matches(sel, &label_map(s.labels))
    {
        return false;
    }
    if let Some(sel) = &rd.namespace_selector {
        if s.kind == "Namespace" {
            return false;
        }
        let empty = BTreeMap::new();
        let ns_labels: BTreeMap<&str, &str> = s
            .namespace_labels
            .unwrap_or(&empty)
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if !selector_matches(sel, &ns_labels) {
            return false;
        }
    }
    true
}

fn subject_matches(subject: &Subject, user: &RequestUser) -> bool {
    match subject.kind.as_str() {
        "ServiceAccount" => {
            let ns = subject.namespace.as_deref().unwrap_or("");
            let sa = format!("system:serviceaccount:{ns}:{}", subject.name);
            wildcard::matches(&sa, &user.username)
        }
        "Group" => user
            .groups
            .iter()
            .any(|g| wildcard::matches(&subject.name, g)),
        "User" => wildcard::matches(&subject.name, &user.username),
        _ => false,
    }
}

/// MR-3.5: user-info criteria of a filter against a user.
fn user_matches(f: &ResourceFilterRef<'_>, user: &RequestUser) -> bool {
    if !f.roles.is_empty() && !f.roles.iter().any(|r| user.roles.contains(r)) {
        return false;
    }
    if !f.cluster_roles.is_empty()
        && !f
            .cluster_roles
            .iter()
            .any(|r| user.cluster_roles.contains(r))
    {
        return false;
    }
    if !f.subjects.is_empty() && !f.subjects.iter().any(|s| subject_matches(s, user)) {
        return false;
    }
    true
}

fn has_user_criteria(f: &ResourceFilterRef<'_>) -> bool {
    !f.roles.is_empty() || !f.cluster_roles.is_empty() || !f.subjects.is_empty()
}

/// MR-3.2.3 / MR-3.2.4 / MR-3.5.4: one filter.
fn filter_matches(f: &ResourceFilterRef<'_>, s: &MatchSubject<'_>, exclude: bool) -> bool {
    let resources = f.resources.filter(|rd| !description_is_empty(rd));
    // Without user info, match filters drop their user part; exclude filters keep it and
    // evaluate it against an empty user.
    let empty_user = RequestUser::default();
    let (check_user, user) = match (s.user, exclude) {
        (Some(u), _) => (has_user_criteria(f), u),
        (None, false) => (false, &empty_user),
        (None, true) => (has_user_criteria(f), &empty_user),
    };
    if resources.is_none() && !check_user {
        return false;
    }
    if let Some(rd) = resources
        && !resource_matches(rd, s)
    {
        return false;
    }
    !check_user || user_matches(f, user)
}

/// MR-3.2: does `match` select the resource?
pub(crate) fn matches(m: &MatchResources, s: &MatchSubject<'_>) -> bool {
    if !m.any.is_empty() {
        return m.any.iter().any(|f| filter_matches(&f.into(), s, false));
    }
    if !m.all.is_empty() {
        return m.all.iter().all(|f| filter_matches(&f.into(), s, false));
    }
    m.filters()
        .into_iter()
        .find(|(place, _, _)| *place == "legacy")
        .is_some_and(|(_, _, f)| filter_matches(&f, s, false))
}

/// MR-3.4: does `exclude` leave the resource out?
pub(crate) fn excluded(m: &MatchResources, s: &MatchSubject<'_>) -> bool {
    if !m.any.is_empty() {
        return m.any.iter().any(|f| filter_matches(&f.into(), s, true));
    }
    if !m.all.is_empty() {
        return m.all.iter().all(|f| filter_matches(&f.into(), s, true));
    }
    m.filters()
        .into_iter()
        .find(|(place, _, _)| *place == "legacy")
        .is_some_and(|(_, _, f)| filter_matches(&f, s, true))
}

/// A rule applies when `match` selects the resource and `exclude` does not leave it out.
pub(crate) fn rule_applies(
    m: &MatchResources,
    exclude: Option<&MatchResources>,
    s: &MatchSubject<'_>,
) -> bool {
    matches(m, s) && !exclude.is_some_and(|e| excluded(e, s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(entry: &str) -> (String, String, String, String) {
        let k = KindSelector::parse(entry);
        (k.group, k.version, k.kind, k.subresource)
    }

    #[test]
    fn kind_selector_shapes_mr_3_6() {
        let t = |g: &str, v: &str, k: &str, s: &str| {
            (g.to_owned(), v.to_owned(), k.to_owned(), s.to_owned())
        };
        assert_eq!(sel("Pod"), t("*", "*", "Pod", ""));
        assert_eq!(sel("*/*"), t("*", "*", "*", "*"));
        assert_eq!(sel("*/status"), t("*", "*", "*", "status"));
        assert_eq!(sel("v1/Pod"), t("*", "v1", "Pod", ""));
        assert_eq!(
            sel("v2beta1/HorizontalPodAutoscaler"),
            t("*", "v2beta1", "HorizontalPodAutoscaler", "")
        );
        assert_eq!(sel("Pod/exec"), t("*", "*", "Pod", "exec"));
        assert_eq!(sel("Pod.exec"), t("*", "*", "Pod", "exec"));
        assert_eq!(sel("v1/Pod/exec"), t("*", "v1", "Pod", "exec"));
        assert_eq!(sel("apps/v1/Deployment"), t("apps", "v1", "Deployment", ""));
        assert_eq!(
            sel("networking.k8s.io/v1/Ingress"),
            t("networking.k8s.io", "v1", "Ingress", "")
        );
        assert_eq!(sel("apps/*/Deployment"), t("apps", "*", "Deployment", ""));
        assert_eq!(
            sel("apps/v1/Deployment/scale"),
            t("apps", "v1", "Deployment", "scale")
        );
    }

    #[test]
    fn borrowed_and_owned_kind_parsing_agree_mr_3_6() {
        let entries = [
            "Pod",
            "*/*",
            "*/status",
            "v1/Pod",
            "Pod/exec",
            "Pod.exec",
            "v1/Pod/exec",
            "apps/v1/Deployment",
            "networking.k8s.io/v1/Ingress",
            "apps/*/Deployment",
            "apps/v1/Deployment/scale",
            "*",
            "v1/*",
            "a/b/c/d/e",
        ];
        let gvks = [
            ("", "v1", "Pod", ""),
            ("apps", "v1", "Deployment", ""),
            ("apps", "v1", "Deployment", "scale"),
            ("networking.k8s.io", "v1", "Ingress", ""),
            ("", "v1", "Pod", "exec"),
            ("", "v1", "Pod", "ephemeralcontainers"),
        ];
        for e in entries {
            for (g, v, k, s) in gvks {
                assert_eq!(
                    kind_entry_matches(e, g, v, k, s),
                    KindSelector::parse(e).matches(g, v, k, s),
                    "{e} vs {g}/{v}/{k}/{s}"
                );
            }
        }
    }

    #[test]
    fn kind_matching_mr_3_6() {
        let pod = |e: &str| KindSelector::parse(e).matches("", "v1", "Pod", "");
        assert!(pod("Pod"));
        assert!(pod("v1/Pod"));
        assert!(pod("*"));
        assert!(!pod("Pod/status"), "a plain resource has no subresource");
        assert!(!pod("apps/v1/Pod"));
        assert!(KindSelector::parse("Pod").matches("", "v1", "Pod", "ephemeralcontainers"));
        assert!(
            !KindSelector::parse("batch/v1/CronJob").matches("batch", "v1beta1", "CronJob", "")
        );
    }

    fn subject(v: &Value) -> MatchSubject<'_> {
        MatchSubject::of(v, "CREATE", None, None)
    }

    fn rd(json: Value) -> MatchResources {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn names_namespaces_annotations_mr_3_3() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "prod",
            "annotations": {"team": "payments"}}});
        let s = subject(&pod);
        assert!(matches(
            &rd(json!({"any": [{"resources": {"kinds": ["Pod"], "names": ["web-*"]}}]})),
            &s
        ));
        assert!(!matches(
            &rd(json!({"any": [{"resources": {"kinds": ["Pod"], "names": ["db-*"]}}]})),
            &s
        ));
        assert!(matches(
            &rd(json!({"any": [{"resources": {"kinds": ["Pod"], "namespaces": ["pr?d"]}}]})),
            &s
        ));
        assert!(matches(
            &rd(json!({"any": [{"resources": {"annotations": {"te*": "pay*"}}}]})),
            &s
        ));
        assert!(!matches(
            &rd(json!({"any": [{"resources": {"annotations": {"team": "ops"}}}]})),
            &s
        ));
        // MR-3.3.4: a Namespace is matched by its own name.
        let ns =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}});
        assert!(matches(
            &rd(
                json!({"any": [{"resources": {"kinds": ["Namespace"], "namespaces": ["kube-*"]}}]})
            ),
            &subject(&ns)
        ));
        // MR-3.3.1: operations.
        assert!(!matches(
            &rd(json!({"any": [{"resources": {"kinds": ["Pod"], "operations": ["UPDATE"]}}]})),
            &s
        ));
    }

    #[test]
    fn empty_filters_never_match_mr_3_2_3() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
        let s = subject(&pod);
        assert!(!matches(&rd(json!({"any": [{"resources": {}}]})), &s));
        assert!(!matches(&rd(json!({})), &s));
        // MR-3.2.4: without user info a user-only match filter is empty.
        assert!(!matches(
            &rd(json!({"any": [{"subjects": [{"kind": "User", "name": "x"}]}]})),
            &s
        ));
        // ...but a resource+user filter matches on its resource part alone.
        assert!(matches(
            &rd(json!({"any": [{"resources": {"kinds": ["Pod"]}, "roles": ["ns:admin"]}]})),
            &s
        ));
        // MR-3.5.4: exclude with user criteria never applies without user info.
        assert!(!excluded(
            &rd(json!({"any": [{"resources": {"kinds": ["Pod"]}, "clusterRoles": ["admin"]}]})),
            &s
        ));
    }

    #[test]
    fn user_info_mr_3_5() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
        let user = RequestUser {
            username: "system:serviceaccount:ci:deployer".into(),
            groups: vec!["system:serviceaccounts".into()],
            roles: vec!["ci:editor".into()],
            cluster_roles: vec!["view".into()],
            ..RequestUser::default()
        };
        let s = MatchSubject::of(&pod, "CREATE", None, Some(&user));
        assert!(matches(
            &rd(
                json!({"any": [{"subjects": [{"kind": "ServiceAccount", "namespace": "ci", "name": "deploy*"}]}]})
            ),
            &s
        ));
        assert!(matches(
            &rd(json!({"any": [{"subjects": [{"kind": "Group", "name": "system:*"}]}]})),
            &s
        ));
        assert!(matches(&rd(json!({"any": [{"roles": ["ci:editor"]}]})), &s));
        assert!(!matches(
            &rd(json!({"any": [{"clusterRoles": ["admin"]}]})),
            &s
        ));
        assert!(excluded(
            &rd(json!({"any": [{"clusterRoles": ["view"]}]})),
            &s
        ));
    }

    #[test]
    fn any_all_legacy_mr_3_2_2() {
        let pod =
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}});
        let s = subject(&pod);
        let all = rd(
            json!({"all": [{"resources": {"kinds": ["Pod"]}}, {"resources": {"namespaces": ["y"]}}]}),
        );
        assert!(!matches(&all, &s));
        let legacy = rd(json!({"resources": {"kinds": ["Pod"]}}));
        assert!(matches(&legacy, &s));
        let ex_all = rd(
            json!({"all": [{"resources": {"kinds": ["Pod"]}}, {"resources": {"namespaces": ["x"]}}]}),
        );
        assert!(excluded(&ex_all, &s));
    }

    #[test]
    fn label_selectors_mr_3_7() {
        let labels: BTreeMap<&str, &str> =
            [("app", "web"), ("tier", "front")].into_iter().collect();
        let s = |j: Value| serde_json::from_value::<LabelSelector>(j).unwrap();
        assert!(selector_matches(
            &s(json!({"matchLabels": {"app": "web"}})),
            &labels
        ));
        assert!(selector_matches(
            &s(json!({"matchLabels": {"ti*": "fr?nt"}})),
            &labels
        ));
        assert!(!selector_matches(
            &s(json!({"matchLabels": {"x*": "*"}})),
            &labels
        ));
        assert!(selector_matches(
            &s(
                json!({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]})
            ),
            &labels
        ));
        assert!(selector_matches(
            &s(json!({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]})),
            &labels
        ));
        assert!(!selector_matches(
            &s(json!({"matchExpressions": [{"key": "app", "operator": "Bogus"}]})),
            &labels
        ));
        assert!(
            selector_matches(&s(json!({})), &labels),
            "an empty selector selects everything"
        );
    }

    #[test]
    fn namespace_selector_mr_3_3_7() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "prod"}});
        let ns_labels: BTreeMap<String, String> = [("env".to_owned(), "prod".to_owned())]
            .into_iter()
            .collect();
        let s = MatchSubject::of(&pod, "CREATE", Some(&ns_labels), None);
        assert!(matches(
            &rd(
                json!({"any": [{"resources": {"kinds": ["Pod"], "namespaceSelector": {"matchLabels": {"env": "prod"}}}}]})
            ),
            &s
        ));
        let unknown = MatchSubject::of(&pod, "CREATE", None, None);
        assert!(!matches(
            &rd(
                json!({"any": [{"resources": {"kinds": ["Pod"], "namespaceSelector": {"matchLabels": {"env": "prod"}}}}]})
            ),
            &unknown
        ));
    }
}
