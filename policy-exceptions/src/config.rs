//! The governance configuration: what an exception must carry and how long it may live.

use policy_model::{FieldPath, from_value, split_stream};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::time::Period;

/// `apiVersion` of a governance file.
pub const CONFIG_API_VERSION: &str = "policyctl.dev/v1alpha1";
/// `kind` of a governance file.
pub const CONFIG_KIND: &str = "ExceptionGovernance";

/// The default ticket pattern: a Jira-style key (`PLAT-1234`).
pub const DEFAULT_TICKET_PATTERN: &str = "^[A-Z][A-Z0-9]+-[0-9]+$";

/// The governance file, as written (YAML or JSON; unknown fields are errors). Every field
/// has a default, so an empty file means the defaults shown in `docs/exceptions.md`
/// (wildcards not allowed, any namespace).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GovernanceConfig {
    /// `policyctl.dev/v1alpha1` when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `ExceptionGovernance` when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Ticket rules.
    pub ticket: TicketRules,
    /// Owner rules.
    pub owner: OwnerRules,
    /// Expiry rules.
    pub expiry: ExpiryRules,
    /// Review rules.
    pub review: ReviewRules,
    /// Namespaces where exceptions may live; empty means any.
    pub namespaces: Vec<String>,
    /// Whether `policyName` / `ruleNames` may contain `*` or `?`.
    pub allow_wildcards: bool,
}

/// `ticket:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct TicketRules {
    /// A ticket is required (default `true`).
    pub required: bool,
    /// The ticket must match this regular expression (RE2 syntax).
    pub pattern: String,
}

impl Default for TicketRules {
    fn default() -> Self {
        Self {
            required: true,
            pattern: DEFAULT_TICKET_PATTERN.to_owned(),
        }
    }
}

/// `owner:`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct OwnerRules {
    /// An owner is required (default `false`).
    pub required: bool,
}

/// `expiry:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ExpiryRules {
    /// An expiry is required (default `true`).
    pub required: bool,
    /// The longest allowed time from creation to expiry (default `90d`; `null`: no limit).
    pub max_lifetime: Option<Period>,
    /// Warn this long before expiry (default `14d`).
    pub warn_before: Period,
}

impl Default for ExpiryRules {
    fn default() -> Self {
        Self {
            required: true,
            max_lifetime: Some(Period::days(90)),
            warn_before: Period::days(14),
        }
    }
}

/// `review:`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ReviewRules {
    /// Review interval, counted from `last-reviewed`, else `created` (default `90d`;
    /// `null`: no scheduled review; an explicit `review-by` always counts).
    pub every: Option<Period>,
}

impl Default for ReviewRules {
    fn default() -> Self {
        Self {
            every: Some(Period::days(90)),
        }
    }
}

impl GovernanceConfig {
    /// Only dates count: no ticket, owner or expiry required, no lifetime limit, no review
    /// schedule, any namespace, wildcards allowed. What `policyctl apply` and `test` use:
    /// an expired or malformed date takes an exception out of force, nothing else does.
    pub fn expiry_only() -> Self {
        Self {
            api_version: None,
            kind: None,
            ticket: TicketRules {
                required: false,
                pattern: String::new(),
            },
            owner: OwnerRules { required: false },
            expiry: ExpiryRules {
                required: false,
                max_lifetime: None,
                warn_before: Period::days(14),
            },
            review: ReviewRules { every: None },
            namespaces: Vec::new(),
            allow_wildcards: true,
        }
    }

    /// Reads a governance file (one YAML or JSON document, unknown fields rejected).
    pub fn from_yaml(source_name: &str, text: &str) -> Result<Self, Error> {
        let slices = split_stream(text);
        let mut config = None;
        for slice in &slices {
            let value = slice.parse(source_name).map_err(Error::Load)?;
            if value.is_null() {
                continue;
            }
            if config.is_some() {
                return Err(Error::Config(format!(
                    "{source_name}: a governance file holds one document"
                )));
            }
            config = Some(
                from_value::<Self>(value, false, source_name, slice, &FieldPath::root())
                    .map_err(Error::Load)?,
            );
        }
        let config = config.unwrap_or_default();
        if let Some(v) = config
            .api_version
            .as_deref()
            .filter(|v| *v != CONFIG_API_VERSION)
        {
            return Err(Error::Config(format!(
                "{source_name}: apiVersion `{v}` is not `{CONFIG_API_VERSION}`"
            )));
        }
        if let Some(k) = config.kind.as_deref().filter(|k| *k != CONFIG_KIND) {
            return Err(Error::Config(format!(
                "{source_name}: kind `{k}` is not `{CONFIG_KIND}`"
            )));
        }
        Ok(config)
    }
}

/// A checked [`GovernanceConfig`], ready to assess exceptions.
#[derive(Clone, Debug)]
pub struct Governance {
    pub(crate) config: GovernanceConfig,
    pub(crate) ticket: Option<Regex>,
}

impl Governance {
    /// Checks the configuration (the ticket pattern compiles, periods are positive).
    pub fn new(config: GovernanceConfig) -> Result<Self, Error> {
        let ticket = if config.ticket.pattern.is_empty() {
            None
        } else {
            Some(Regex::new(&config.ticket.pattern).map_err(|e| {
                Error::Config(format!(
                    "ticket.pattern `{}` is not a regular expression: {e}",
                    config.ticket.pattern
                ))
            })?)
        };
        let periods = [
            ("expiry.maxLifetime", config.expiry.max_lifetime),
            ("review.every", config.review.every),
        ];
        for (name, p) in periods {
            if let Some(p) = p.filter(|p| p.0.is_zero()) {
                return Err(Error::Config(format!("{name} `{p}` must be positive")));
            }
        }
        Ok(Self { config, ticket })
    }

    /// The defaults (see [`GovernanceConfig::default`]).
    pub fn strict() -> Self {
        let config = GovernanceConfig::default();
        let ticket = Regex::new(DEFAULT_TICKET_PATTERN).ok();
        Self { config, ticket }
    }

    /// See [`GovernanceConfig::expiry_only`].
    pub fn expiry_only() -> Self {
        Self {
            config: GovernanceConfig::expiry_only(),
            ticket: None,
        }
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &GovernanceConfig {
        &self.config
    }
}

impl Default for Governance {
    fn default() -> Self {
        Self::strict()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_means_defaults() {
        assert_eq!(
            GovernanceConfig::from_yaml("g.yaml", "").unwrap(),
            GovernanceConfig::default()
        );
        assert_eq!(
            GovernanceConfig::from_yaml("g.yaml", "{}\n").unwrap(),
            GovernanceConfig::default()
        );
    }

    #[test]
    fn full_file() {
        let text = "apiVersion: policyctl.dev/v1alpha1\nkind: ExceptionGovernance\nticket:\n  required: true\n  pattern: '^SEC-[0-9]+$'\nowner:\n  required: true\nexpiry:\n  required: true\n  maxLifetime: 30d\n  warnBefore: 7d\nreview:\n  every: null\nnamespaces: [exceptions]\nallowWildcards: true\n";
        let c = GovernanceConfig::from_yaml("g.yaml", text).unwrap();
        assert_eq!(c.ticket.pattern, "^SEC-[0-9]+$");
        assert!(c.owner.required);
        assert_eq!(c.expiry.max_lifetime, Some(Period::days(30)));
        assert_eq!(c.expiry.warn_before, Period::days(7));
        assert_eq!(c.review.every, None);
        assert_eq!(c.namespaces, vec!["exceptions".to_owned()]);
        assert!(c.allow_wildcards);
        Governance::new(c).unwrap();
    }

    #[test]
    fn partial_sections_keep_defaults() {
        let c = GovernanceConfig::from_yaml("g.yaml", "expiry:\n  warnBefore: 30d\n").unwrap();
        assert_eq!(c.expiry.warn_before, Period::days(30));
        assert_eq!(c.expiry.max_lifetime, Some(Period::days(90)));
        assert!(c.expiry.required);
        assert_eq!(c.ticket, TicketRules::default());
    }

    #[test]
    fn strict_errors() {
        let cases = [
            ("tickets:\n  required: false\n", "tickets"),
            ("expiry:\n  maxLifetime: 3 months\n", "3 months"),
            ("apiVersion: v1\n", "apiVersion `v1`"),
            ("kind: Policy\n", "kind `Policy`"),
            ("allowWildcards: maybe\n", "allowWildcards"),
            ("owner: {}\n---\nreview: {}\n", "one document"),
        ];
        for (text, needle) in cases {
            let e = GovernanceConfig::from_yaml("g.yaml", text).unwrap_err();
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        let bad = GovernanceConfig {
            ticket: TicketRules {
                required: true,
                pattern: "(".into(),
            },
            ..GovernanceConfig::default()
        };
        assert!(Governance::new(bad).is_err());
        let zero = GovernanceConfig {
            review: ReviewRules {
                every: Some(Period::days(0)),
            },
            ..GovernanceConfig::default()
        };
        assert!(Governance::new(zero).is_err());
    }

    #[test]
    fn serialized_defaults_read_back() {
        let text = policy_model::to_yaml(&GovernanceConfig::default()).unwrap();
        assert_eq!(
            GovernanceConfig::from_yaml("g.yaml", &text).unwrap(),
            GovernanceConfig::default()
        );
    }
}
