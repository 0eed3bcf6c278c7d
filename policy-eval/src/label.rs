//! A rule's name and the pass messages its results share, built once per compiled rule: a
//! passing rule's result then costs no formatting and no allocation (issue 3's profile).

use std::fmt;

use policy_model::SmolStr;

/// A rule's name with its ready-made pass messages. `Display` prints the name, so messages
/// are formatted with `{rule}` as before.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RuleLabel {
    name: SmolStr,
    /// `validation rule '<name>' passed.` (P-9.3.1, CV-3.2).
    passed: SmolStr,
    /// `validation rule '<name>' anyPattern[i] passed.` (P-10.2), for the rule's own
    /// `anyPattern` entries.
    any_passed: Vec<SmolStr>,
}

impl RuleLabel {
    /// The label of rule `name` whose `anyPattern` has `any_patterns` entries.
    pub(crate) fn new(name: &str, any_patterns: usize) -> Self {
        Self {
            name: SmolStr::new(name),
            passed: format!("validation rule '{name}' passed.").into(),
            any_passed: (0..any_patterns)
                .map(|i| format!("validation rule '{name}' anyPattern[{i}] passed.").into())
                .collect(),
        }
    }

    /// The rule name.
    pub(crate) fn name(&self) -> &SmolStr {
        &self.name
    }

    /// The pass message of a `pattern` or `deny` rule.
    pub(crate) fn passed(&self) -> SmolStr {
        self.passed.clone()
    }

    /// The pass message of `anyPattern[index]`.
    pub(crate) fn any_passed(&self, index: usize) -> SmolStr {
        match self.any_passed.get(index) {
            Some(m) => m.clone(),
            None => format!(
                "validation rule '{}' anyPattern[{index}] passed.",
                self.name
            )
            .into(),
        }
    }
}

impl fmt::Display for RuleLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_p_9_3_1_and_p_10_2() {
        let l = RuleLabel::new("check-labels", 2);
        assert_eq!(l.to_string(), "check-labels");
        assert_eq!(l.passed(), "validation rule 'check-labels' passed.");
        assert_eq!(
            l.any_passed(1),
            "validation rule 'check-labels' anyPattern[1] passed."
        );
        // Beyond the precomputed entries (a foreach's own anyPattern): formatted on demand.
        assert_eq!(
            l.any_passed(5),
            "validation rule 'check-labels' anyPattern[5] passed."
        );
    }
}
