//! JUnit XML: `<testsuites>` with a `<testsuite>` per policy and a `<testcase>` per
//! (rule, resource). `fail` is a `<failure>`, `error` an `<error>`, `skip` a `<skipped>`;
//! `warn` passes with the message in `<system-out>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use policy_model::RuleStatus;

use super::{Prepared, resource_text};
use crate::ingest::Entry;

/// Escapes text for XML attributes and content.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if c < ' ' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn count(rs: &[&Entry<'_>], s: RuleStatus) -> usize {
    rs.iter().filter(|e| e.status == s).count()
}

pub(crate) fn render(p: &Prepared<'_>) -> String {
    let mut by_policy: BTreeMap<&str, Vec<&Entry<'_>>> = BTreeMap::new();
    for e in &p.entries {
        by_policy.entry(e.policy).or_default().push(e);
    }
    let total = p.entries.len();
    let t = &p.summary.total;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"policyctl\" tests=\"{total}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        t.fail, t.error, t.skip
    );
    for (policy, mut rs) in by_policy {
        rs.sort_by(|a, b| {
            (a.rule, a.namespace, a.kind, a.name).cmp(&(b.rule, b.namespace, b.kind, b.name))
        });
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
            xml_escape(policy),
            rs.len(),
            count(&rs, RuleStatus::Fail),
            count(&rs, RuleStatus::Error),
            count(&rs, RuleStatus::Skip),
        );
        for e in rs {
            let name = xml_escape(&format!("{} {}", e.rule, resource_text(e)));
            let msg = xml_escape(e.message);
            let class = xml_escape(policy);
            let body = match e.status {
                RuleStatus::Pass => String::new(),
                RuleStatus::Fail => format!("<failure message=\"{msg}\" type=\"fail\"/>"),
                RuleStatus::Error => format!("<error message=\"{msg}\" type=\"error\"/>"),
                RuleStatus::Skip => format!("<skipped message=\"{msg}\"/>"),
                RuleStatus::Warn => format!("<system-out>warn: {msg}</system-out>"),
            };
            if body.is_empty() {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{class}\"/>");
            } else {
                let _ = writeln!(
                    out,
                    "    <testcase name=\"{name}\" classname=\"{class}\">{body}</testcase>"
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
