//! A table of malformed inputs. Each case marks with `@@` the place a person would expect the
//! error to point at; the test checks file, line:column (from the marker), field path,
//! error kind and message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use policy_model::{LoadError, LoadErrorKind, load_bytes, load_str, load_typed};

struct Case {
    name: &'static str,
    text: &'static str,
    path: &'static str,
    kind: LoadErrorKind,
    message: &'static str,
}

/// Removes the `@@` marker and returns the text and the marker's 1-based line and column.
fn strip_marker(text: &str) -> (String, usize, usize) {
    let at = text.find("@@").expect("case has a marker");
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (text.replacen("@@", "", 1), line, col)
}

fn check(case: &Case, err: &LoadError, file: &str, line: usize, col: usize) {
    let pos = err
        .position
        .unwrap_or_else(|| panic!("{}: no position in `{err}`", case.name));
    assert_eq!(err.source_name, file, "{}", case.name);
    assert_eq!(
        (pos.line, pos.column),
        (line, col),
        "{}: `{err}`",
        case.name
    );
    let path = err
        .path
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert_eq!(path, case.path, "{}: `{err}`", case.name);
    assert_eq!(err.kind, case.kind, "{}: `{err}`", case.name);
    assert!(
        err.message.contains(case.message),
        "{}: `{}` lacks `{}`",
        case.name,
        err.message,
        case.message
    );
}

const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\n";

fn policy_cases() -> Vec<Case> {
    use LoadErrorKind::*;
    vec![
        Case { name: "validate is a string", text: "spec:\n  rules:\n  - name: r\n    validate: @@oops\n", path: "spec.rules[0].validate", kind: Schema, message: "expected a mapping, found a string" },
        Case { name: "rules is a string", text: "spec:\n  rules: @@none\n", path: "spec.rules", kind: Schema, message: "expected a list, found a string" },
        Case { name: "rule name is a list", text: "spec:\n  rules:\n  - name: @@[a, b]\n", path: "spec.rules[0].name", kind: Schema, message: "expected a string, found a list" },
        Case { name: "match.any is a mapping", text: "spec:\n  rules:\n  - name: r\n    match:\n      any:\n        @@resources: {kinds: [Pod]}\n", path: "spec.rules[0].match.any", kind: Schema, message: "expected a list, found a mapping" },
        Case { name: "kinds is a string", text: "spec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: @@Pod\n", path: "spec.rules[0].match.any[0].resources.kinds", kind: Schema, message: "expected a list" },
        Case { name: "background is text", text: "spec:\n  background: @@sometimes\n", path: "spec.background", kind: Schema, message: "expected a boolean" },
        Case { name: "preconditions scalar", text: "spec:\n  rules:\n  - name: r\n    preconditions: @@yes-please\n", path: "spec.rules[0].preconditions", kind: Schema, message: "any`/`all` or a list of conditions" },
        Case { name: "condition operator is a mapping", text: "spec:\n  rules:\n  - name: r\n    preconditions:\n      all:\n      - key: a\n        operator: @@{x: 1}\n", path: "spec.rules[0].preconditions.all[0].operator", kind: Schema, message: "expected a string, found a mapping" },
        Case { name: "context variable is a string", text: "spec:\n  rules:\n  - name: r\n    context:\n    - name: c\n      variable: @@x\n", path: "spec.rules[0].context[0].variable", kind: Schema, message: "expected a mapping" },
        Case { name: "podSecurity exclude not a list", text: "spec:\n  rules:\n  - name: r\n    validate:\n      podSecurity:\n        level: baseline\n        exclude: @@all\n", path: "spec.rules[0].validate.podSecurity.exclude", kind: Schema, message: "expected a list" },
        Case { name: "label value is a mapping", text: "spec: {}\n", path: "", kind: Schema, message: "" },
        Case { name: "foreach is a mapping", text: "spec:\n  rules:\n  - name: r\n    validate:\n      foreach:\n        @@list: a\n", path: "spec.rules[0].validate.foreach", kind: Schema, message: "expected a list, found a mapping" },
        Case { name: "nested foreach element", text: "spec:\n  rules:\n  - name: r\n    validate:\n      foreach:\n      - list: a\n        foreach:\n        - @@3\n", path: "spec.rules[0].validate.foreach[0].foreach[0]", kind: Schema, message: "expected a mapping, found the number" },
        Case { name: "duplicate key", text: "spec:\n  background: true\n  @@background: false\n", path: "", kind: DuplicateKey, message: "duplicate mapping key" },
        Case { name: "failure action overrides wrong shape", text: "spec:\n  validationFailureActionOverrides:\n    @@action: Enforce\n", path: "spec.validationFailureActionOverrides", kind: Schema, message: "expected a list, found a mapping" },
    ]
    .into_iter()
    .filter(|c| c.text.contains("@@"))
    .collect()
}

#[test]
fn policy_schema_errors_point_at_the_field() {
    let cases = policy_cases();
    assert!(cases.len() >= 14);
    for case in &cases {
        let full = format!("{POLICY}{}", case.text);
        let (text, line, col) = strip_marker(&full);
        let out = load_str("policies/p.yaml", &text);
        assert_eq!(out.errors.len(), 1, "{}: {:?}", case.name, out.errors);
        check(case, &out.errors[0], "policies/p.yaml", line, col);
    }
}

fn other_cases() -> Vec<Case> {
    use LoadErrorKind::*;
    vec![
        Case {
            name: "metadata label value is a mapping",
            text: "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\n  labels:\n    team: @@{a: b}\n",
            path: "metadata.labels.team",
            kind: Schema,
            message: "expected a string, found a mapping",
        },
        Case {
            name: "exception ruleNames is a string",
            text: "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: e}\nspec:\n  exceptions:\n  - policyName: p\n    ruleNames: @@r\n",
            path: "spec.exceptions[0].ruleNames",
            kind: Schema,
            message: "expected a list",
        },
        Case {
            name: "cel exception policyRefs mapping",
            text: "apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata: {name: e}\nspec:\n  policyRefs:\n    @@name: p\n",
            path: "spec.policyRefs",
            kind: Schema,
            message: "expected a list, found a mapping",
        },
        Case {
            name: "validating policy expression list",
            text: "apiVersion: policies.kyverno.io/v1alpha1\nkind: ValidatingPolicy\nmetadata: {name: v}\nspec:\n  validations:\n  - expression: @@[a]\n",
            path: "spec.validations[0].expression",
            kind: Schema,
            message: "expected a string, found a list",
        },
        Case {
            name: "mutating policy mutations scalar",
            text: "apiVersion: policies.kyverno.io/v1alpha1\nkind: MutatingPolicy\nmetadata: {name: m}\nspec:\n  mutations: @@none\n",
            path: "spec.mutations",
            kind: Schema,
            message: "expected a list",
        },
        Case {
            name: "report result unknown status",
            text: "apiVersion: wgpolicyk8s.io/v1alpha2\nkind: PolicyReport\nmetadata: {name: r}\nresults:\n- policy: p\n  result: @@bogus\n",
            path: "results[0].result",
            kind: Schema,
            message: "unknown variant `bogus`",
        },
        Case {
            name: "report summary negative",
            text: "apiVersion: openreports.io/v1alpha1\nkind: Report\nmetadata: {name: r}\nsummary:\n  pass: @@-1\n",
            path: "summary.pass",
            kind: Schema,
            message: "expected a non-negative integer",
        },
        Case {
            name: "report timestamp string",
            text: "apiVersion: wgpolicyk8s.io/v1alpha2\nkind: ClusterPolicyReport\nmetadata: {name: r}\nresults:\n- policy: p\n  result: pass\n  timestamp: @@\"2024-01-01\"\n",
            path: "results[0].timestamp",
            kind: Schema,
            message: "expected a mapping, found a string",
        },
        Case {
            name: "test legacy field",
            text: "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [p.yaml]\nresources: [r.yaml]\nresults:\n- policy: p\n  rule: r\n  @@resource: x\n  result: pass\n",
            path: "results[0].resource",
            kind: UnknownField,
            message: "unknown field `resource`",
        },
        Case {
            name: "test results mapping",
            text: "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nresults:\n  @@policy: p\n",
            path: "results",
            kind: Schema,
            message: "expected a list, found a mapping",
        },
        Case {
            name: "test top-level unknown field",
            text: "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\n@@name: legacy\n",
            path: "name",
            kind: UnknownField,
            message: "unknown field `name`",
        },
        Case {
            name: "values rule values list",
            text: "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\npolicies:\n- name: p\n  rules:\n  - name: r\n    values: @@[1]\n",
            path: "policies[0].rules[0].values",
            kind: Schema,
            message: "expected a mapping, found a list",
        },
        Case {
            name: "user info roles string",
            text: "apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nroles: @@admin\n",
            path: "roles",
            kind: Schema,
            message: "expected a list",
        },
        Case {
            name: "document is a list",
            text: "@@- a\n- b\n",
            path: "",
            kind: Schema,
            message: "expected a mapping (a Kubernetes object), found a list",
        },
        Case {
            name: "document is a scalar",
            text: "@@just text\n",
            path: "",
            kind: Schema,
            message: "found a string",
        },
        Case {
            name: "error in second document",
            text: "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules: @@7\n",
            path: "spec.rules",
            kind: Schema,
            message: "expected a list, found the number",
        },
        Case {
            name: "list item error",
            text: "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n- apiVersion: kyverno.io/v1\n  kind: ClusterPolicy\n  spec:\n    background: @@maybe\n",
            path: "items[1].spec.background",
            kind: Schema,
            message: "expected a boolean",
        },
        Case {
            name: "unclosed flow sequence",
            text: "apiVersion: v1\nkind: Pod\nspec:\n  containers: @@[a, b\n",
            path: "",
            kind: Syntax,
            message: "",
        },
        Case {
            name: "unclosed quote",
            text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: @@\"abc\n",
            path: "",
            kind: Syntax,
            message: "",
        },
        Case {
            name: "bad indentation",
            text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n @@labels: {}\n",
            path: "",
            kind: Syntax,
            message: "",
        },
        Case {
            name: "unknown alias",
            text: "apiVersion: v1\nkind: Pod\nspec: @@*nothing\n",
            path: "",
            kind: Syntax,
            message: "",
        },
        Case {
            name: "non-finite number",
            text: "apiVersion: v1\nkind: Pod\nspec:\n  replicas: @@.inf\n",
            path: "",
            kind: Syntax,
            message: "non-finite float",
        },
        Case {
            name: "json syntax",
            text: "{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\",\n \"spec\": @@tru}\n",
            path: "",
            kind: Syntax,
            message: "",
        },
        Case {
            name: "json typed error",
            text: "{\"apiVersion\": \"kyverno.io/v1\", \"kind\": \"ClusterPolicy\",\n \"spec\": {\"rules\": [{\"name\": \"r\", \"validate\": @@\"x\"}]}}\n",
            path: "spec.rules[0].validate",
            kind: Schema,
            message: "expected a mapping, found a string",
        },
    ]
}

#[test]
fn other_errors_point_at_the_field_or_syntax() {
    let cases = other_cases();
    for case in &cases {
        let (text, line, col) = strip_marker(case.text);
        let out = load_str("in/f.yaml", &text);
        assert_eq!(out.errors.len(), 1, "{}: {:?}", case.name, out.errors);
        let err = &out.errors[0];
        if case.kind == LoadErrorKind::Syntax && case.message.is_empty() {
            // Syntax errors: the parser reports where it noticed the problem; it must be
            // on the marked line (the line a person would look at).
            let pos = err
                .position
                .unwrap_or_else(|| panic!("{}: no position: {err}", case.name));
            assert_eq!(pos.line, line, "{}: `{err}`", case.name);
            assert_eq!(err.kind, LoadErrorKind::Syntax, "{}: `{err}`", case.name);
            assert!(err.path.is_none(), "{}", case.name);
            let _ = col;
        } else {
            check(case, err, "in/f.yaml", line, col);
        }
    }
}

#[test]
fn limits_and_encoding() {
    // 10,000-deep nesting: a limit error, not a stack overflow.
    let deep = format!("a: {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let out = load_str("deep.yaml", &deep);
    assert_eq!(out.errors.len(), 1);
    assert!(
        matches!(
            out.errors[0].kind,
            LoadErrorKind::Limit | LoadErrorKind::Syntax
        ),
        "{}",
        out.errors[0]
    );
    let deep_json = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let out = load_str("deep.json", &deep_json);
    assert_eq!(out.errors.len(), 1, "deep JSON is rejected");

    // Alias bomb ("billion laughs"): bounded.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let out = load_str("bomb.yaml", &bomb);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(
        out.errors[0].kind,
        LoadErrorKind::Limit,
        "{}",
        out.errors[0]
    );

    // Invalid UTF-8: the line of the first bad byte.
    let out = load_bytes("bin.yaml", b"a: 1\nb: 2\nc: \xc3\x28\n");
    assert_eq!(out.errors[0].kind, LoadErrorKind::Encoding);
    assert_eq!(out.errors[0].position.unwrap().line, 3);

    // Huge integers stay numbers (as floats), never panic.
    let out = load_str(
        "n.yaml",
        "apiVersion: v1\nkind: X\nn: 123456789012345678901234567890\n",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn typed_loading_of_test_files() {
    let (text, line, col) = strip_marker(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nresults:\n- policy: p\n  @@status: pass\n",
    );
    let err = load_typed::<policy_model::Test>("t/kyverno-test.yaml", &text).unwrap_err();
    let case = Case {
        name: "legacy status",
        text: "",
        path: "results[0].status",
        kind: LoadErrorKind::UnknownField,
        message: "unknown field `status`",
    };
    check(&case, &err, "t/kyverno-test.yaml", line, col);
    // Go's case-insensitive field matching (CLI-1.3).
    let ok = load_typed::<policy_model::Test>(
        "t.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nresults:\n- policy: p\n  isMUtatingPolicy: true\n  result: pass\n",
    )
    .unwrap();
    assert_eq!(ok[0].0.results[0].is_mutating_policy, Some(true));
}

#[test]
fn error_display_matches_the_documented_shape() {
    let (text, _, _) = strip_marker(&format!(
        "{POLICY}spec:\n  rules:\n  - name: r\n    validate: @@oops\n"
    ));
    let out = load_str("policies/require-labels.yaml", &text);
    assert_eq!(
        out.errors[0].to_string(),
        "policies/require-labels.yaml:8:15: spec.rules[0].validate: expected a mapping, found a string"
    );
}
