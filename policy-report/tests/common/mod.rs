//! Shared fixture and small parsers for the integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use policy_model::report::{PolicyReport, Timestamp};
use policy_model::{ResourceId, RuleResult, RuleStatus};
use policy_report::{BuildOptions, build_reports};

pub const NOW: i64 = 1_700_000_000;

pub fn options() -> BuildOptions {
    BuildOptions {
        now: Timestamp {
            seconds: NOW,
            nanos: 0,
        },
        ..BuildOptions::default()
    }
}

fn pod(name: &str, uid: Option<&str>) -> ResourceId {
    ResourceId {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: "shop".into(),
        name: name.into(),
        uid: uid.map(Into::into),
    }
}

/// Four results: a pass and a fail of a categorized policy, an unscored failure (a warning),
/// and a skip by an exception on a cluster-scoped Namespace. Deliberately out of order.
pub fn fixture_results() -> Vec<RuleResult> {
    let limits = |name: &str, uid, status, message: &str| RuleResult {
        policy: "require-limits".into(),
        rule: "limits".into(),
        resource: pod(name, uid),
        status,
        message: message.into(),
        category: Some("Best Practices".into()),
        severity: Some("medium".into()),
        scored: true,
        ..RuleResult::default()
    };
    vec![
        RuleResult {
            policy: "require-team".into(),
            rule: "team".into(),
            resource: pod("api", Some("0b4d-api")),
            status: RuleStatus::Fail,
            message: "label team is missing".into(),
            scored: false,
            ..RuleResult::default()
        },
        limits("api", Some("0b4d-api"), RuleStatus::Fail, "limits required"),
        RuleResult {
            policy: "require-team".into(),
            rule: "team".into(),
            resource: ResourceId {
                api_version: "v1".into(),
                kind: "Namespace".into(),
                namespace: Default::default(),
                name: "shop".into(),
                uid: None,
            },
            status: RuleStatus::Skip,
            message: "rule is skipped due to policy exceptions".into(),
            exceptions: vec!["shop/allow-legacy".into()],
            scored: true,
            ..RuleResult::default()
        },
        limits("web", None, RuleStatus::Pass, ""),
    ]
}

pub fn fixture_reports() -> Vec<PolicyReport> {
    build_reports(&fixture_results(), &options())
}

/// What a JUnit document holds: suites (name, tests, failures) and test-case count.
#[derive(Debug, Default)]
pub struct Junit {
    pub suites: Vec<(String, usize, usize)>,
    pub cases: usize,
    pub failure_messages: Vec<String>,
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .map(|a| a.unwrap())
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| {
            #[allow(deprecated)]
            let v = a.unescape_value().unwrap();
            v.into_owned()
        })
}

/// Parses JUnit XML with an XML parser, checking the declared counts against the cases.
/// The document must also be well-formed for roxmltree's strict XML 1.0 parser.
pub fn parse_junit(xml: &str) -> Junit {
    use quick_xml::events::Event;
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(doc.root_element().tag_name().name(), "testsuites");
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Junit::default();
    let mut current: Option<(String, usize, usize, usize)> = None; // name, tests, failures, seen
    let mut depth = 0usize;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testsuite" => {
                let tests: usize = attr(&e, "tests").unwrap().parse().unwrap();
                let failures: usize = attr(&e, "failures").unwrap().parse().unwrap();
                current = Some((attr(&e, "name").unwrap(), tests, failures, 0));
                depth += 1;
            }
            Event::End(e) if e.name().as_ref() == b"testsuite" => {
                let (name, tests, failures, seen) = current.take().unwrap();
                assert_eq!(tests, seen, "suite {name}: tests attribute");
                out.suites.push((name, tests, failures));
                depth -= 1;
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                assert!(attr(&e, "name").is_some() && attr(&e, "classname").is_some());
                current.as_mut().unwrap().3 += 1;
                out.cases += 1;
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"failure" => {
                out.failure_messages.push(attr(&e, "message").unwrap());
            }
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    out
}

/// Parses a whole XML fragment, failing on any syntax error (roxmltree's strict XML 1.0
/// parser first, then quick-xml's reader with end names checked); the number of events.
pub fn parse_xml(xml: &str) -> Result<usize, String> {
    use quick_xml::events::Event;
    roxmltree::Document::parse(xml).map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut events = 0;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Eof => return Ok(events),
            _ => events += 1,
        }
    }
}

/// One sample of the Prometheus text format.
#[derive(Debug, PartialEq, PartialOrd)]
pub struct Sample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

fn valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with("__")
}

/// A parser of the Prometheus text exposition format 0.0.4 (the parts we emit and the rules
/// around them): `# HELP` / `# TYPE` lines, a TYPE before its samples, families contiguous,
/// metric and label names valid, label values quoted with `\\`, `\"`, `\n` escapes only,
/// values Go floats, no repeated series.
pub fn parse_prometheus(text: &str) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    let mut finished: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    let mut seen = std::collections::BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        let err = |m: &str| format!("line {}: {m}: {line}", n + 1);
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# ") {
            let mut parts = rest.splitn(3, ' ');
            let (kw, name, tail) = (parts.next(), parts.next(), parts.next());
            let name = name.ok_or_else(|| err("comment without a metric name"))?;
            if !valid_metric_name(name) {
                return Err(err("bad metric name"));
            }
            match kw {
                Some("HELP") => {}
                Some("TYPE") => {
                    let t = tail.ok_or_else(|| err("TYPE without a type"))?;
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&t) {
                        return Err(err("unknown type"));
                    }
                    if typed.insert(name.to_owned(), t.to_owned()).is_some() {
                        return Err(err("second TYPE line"));
                    }
                }
                _ => {}
            }
            if current.as_deref() != Some(name) {
                if finished.iter().any(|f| f == name) {
                    return Err(err("family not contiguous"));
                }
                if let Some(c) = current.take() {
                    finished.push(c);
                }
                current = Some(name.to_owned());
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        // name{labels} value
        let name_end = line.find(['{', ' ']).ok_or_else(|| err("no value"))?;
        let name = &line[..name_end];
        if !valid_metric_name(name) {
            return Err(err("bad metric name"));
        }
        if current.as_deref() != Some(name) || !typed.contains_key(name) {
            return Err(err("sample outside its family or before its TYPE"));
        }
        let mut rest = &line[name_end..];
        let mut labels = BTreeMap::new();
        if let Some(r) = rest.strip_prefix('{') {
            let mut chars = r.char_indices().peekable();
            let end: usize;
            loop {
                // label name
                let start = match chars.peek() {
                    Some((_, '}')) => {
                        end = chars.next().unwrap().0;
                        break;
                    }
                    Some((i, _)) => *i,
                    None => return Err(err("unterminated labels")),
                };
                let eq = r[start..].find('=').ok_or_else(|| err("label without ="))? + start;
                let lname = &r[start..eq];
                if !valid_label_name(lname) {
                    return Err(err("bad label name"));
                }
                while chars.peek().is_some_and(|(i, _)| *i <= eq) {
                    chars.next();
                }
                if chars.next().map(|(_, c)| c) != Some('"') {
                    return Err(err("label value not quoted"));
                }
                let mut value = String::new();
                loop {
                    match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, '\\')) => value.push('\\'),
                            Some((_, '"')) => value.push('"'),
                            Some((_, 'n')) => value.push('\n'),
                            _ => return Err(err("bad escape")),
                        },
                        Some((_, '"')) => break,
                        Some((_, '\n')) | None => return Err(err("unterminated label value")),
                        Some((_, c)) => value.push(c),
                    }
                }
                if labels.insert(lname.to_owned(), value).is_some() {
                    return Err(err("repeated label"));
                }
                match chars.peek() {
                    Some((_, ',')) => {
                        chars.next();
                    }
                    Some((_, '}')) => {}
                    _ => return Err(err("expected , or }")),
                }
            }
            rest = &r[end + 1..];
        }
        let value_text = rest
            .strip_prefix(' ')
            .ok_or_else(|| err("no space before value"))?;
        let value_text = value_text.split(' ').next().unwrap_or("");
        let value: f64 = match value_text {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            "NaN" => f64::NAN,
            v => v.parse().map_err(|_| err("bad value"))?,
        };
        if !seen.insert((name.to_owned(), format!("{labels:?}"))) {
            return Err(err("repeated series"));
        }
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    Ok(samples)
}

/// Parses the Prometheus text exposition format with the `openmetrics-parser` crate (a pest
/// grammar of the format: HELP/TYPE lines, label escapes, unique label names and series per
/// family), samples sorted by name then labels.
pub fn parse_exposition(text: &str) -> Result<Vec<Sample>, String> {
    use openmetrics_parser::{MetricNumber, PrometheusValue};
    let exposition =
        openmetrics_parser::prometheus::parse_prometheus(text).map_err(|e| format!("{e:?}"))?;
    let mut samples = Vec::new();
    for family in exposition.families.values() {
        for sample in family.iter_samples() {
            let labels = sample
                .get_labelset()
                .map_err(|e| format!("{e:?}"))?
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let number = match &sample.value {
                PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => n,
                PrometheusValue::Counter(c) => &c.value,
                other => return Err(format!("unexpected value {other:?}")),
            };
            let value = match number {
                MetricNumber::Float(f) => *f,
                MetricNumber::Int(i) => *i as f64,
            };
            samples.push(Sample {
                name: family.family_name.clone(),
                labels,
                value,
            });
        }
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Ok(samples)
}

/// Both readers of the exposition format, which must agree; the samples sorted.
pub fn parse_prometheus_twice(text: &str) -> Vec<Sample> {
    let by_grammar = parse_exposition(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut by_hand = parse_prometheus(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    by_hand.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(by_grammar, by_hand, "{text}");
    by_grammar
}
