//! A consumer account's sharing policy: which producers it trusts to have their shares
//! accepted without a person, which findings of an image's trust report it flags or refuses,
//! and whether the refusals are only listed (`audit`) or enforced. What a policy may say and
//! how a request to set one is read; the judgement of one image is [`judge`].

mod judge;
mod request;

use std::fmt;
use std::str::FromStr;

pub use judge::{ContentFacts, Finding, Inspection, Verdict};
pub use request::policy_from_body;

use crate::{Error, Result, Timestamp};

/// Most trusted producers one policy may name.
pub const MAX_TRUSTED_PRODUCERS: usize = 100;
/// Most SSH key fingerprints one allow-list may hold.
pub const MAX_ALLOWED_KEYS: usize = 100;

/// What the policy does with its refusals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PolicyMode {
    /// The policy does nothing: no automatic acceptance, no refusals.
    #[default]
    Off,
    /// Trusted producers' clean shares are accepted automatically; refusals are only listed.
    Audit,
    /// As `audit`, and refusals are enforced: accepting needs a manager's override, booting
    /// is refused.
    Enforce,
}

impl PolicyMode {
    pub const ALL: [PolicyMode; 3] = [PolicyMode::Off, PolicyMode::Audit, PolicyMode::Enforce];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::Off => "off",
            PolicyMode::Audit => "audit",
            PolicyMode::Enforce => "enforce",
        }
    }
}

impl FromStr for PolicyMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        PolicyMode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "Invalid sharing policy mode '{}': expected off, audit or enforce.",
                    s.escape_debug()
                ))
            })
    }
}

impl fmt::Display for PolicyMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a content rule does with what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleAction {
    /// Not looked at.
    Allow,
    /// Shown, and keeps the share from being accepted automatically; never blocks a person.
    Flag,
    /// As `flag`, and in `enforce` mode blocks accepting (without an override) and booting.
    Refuse,
}

impl RuleAction {
    pub const ALL: [RuleAction; 3] = [RuleAction::Allow, RuleAction::Flag, RuleAction::Refuse];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleAction::Allow => "allow",
            RuleAction::Flag => "flag",
            RuleAction::Refuse => "refuse",
        }
    }

    fn parse(rule: Rule, s: &str) -> Result<Self> {
        RuleAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "Invalid action '{}' for rule {}: expected allow, flag or refuse.",
                    s.escape_debug(),
                    rule.as_str()
                ))
            })
    }
}

/// The content rules, each read from the image's trust report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Preinstalled SSH keys (except those in the allow-list).
    SshKeys,
    /// Users who can log in with a password (a usable or an empty one).
    PasswordLogin,
    /// Accounts other than root with uid 0.
    ExtraUid0,
    /// sudo rules that ask no password.
    NopasswdSudo,
    /// Parts of the image the report could not read, or no report at all yet.
    NotInspected,
}

impl Rule {
    pub const ALL: [Rule; 5] = [
        Rule::SshKeys,
        Rule::PasswordLogin,
        Rule::ExtraUid0,
        Rule::NopasswdSudo,
        Rule::NotInspected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SshKeys => "ssh_keys",
            Rule::PasswordLogin => "password_login",
            Rule::ExtraUid0 => "extra_uid0",
            Rule::NopasswdSudo => "nopasswd_sudo",
            Rule::NotInspected => "not_inspected",
        }
    }

    /// What a new policy does for this rule unless told otherwise.
    pub fn default_action(self) -> RuleAction {
        match self {
            Rule::SshKeys | Rule::PasswordLogin | Rule::ExtraUid0 => RuleAction::Refuse,
            Rule::NopasswdSudo | Rule::NotInspected => RuleAction::Flag,
        }
    }
}

/// The action of every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentRules([RuleAction; 5]);

impl Default for ContentRules {
    fn default() -> Self {
        ContentRules(Rule::ALL.map(Rule::default_action))
    }
}

impl ContentRules {
    pub fn action(&self, rule: Rule) -> RuleAction {
        self.0[rule as usize]
    }

    pub fn set(&mut self, rule: Rule, action: RuleAction) {
        self.0[rule as usize] = action;
    }

    /// Some rule refuses: an image must have a report before it can be judged acceptable.
    pub fn any_refuses(&self) -> bool {
        self.0.contains(&RuleAction::Refuse)
    }

    /// The rules as a JSON object of names to actions (how the store keeps them, too).
    pub fn to_json(&self) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = Rule::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), self.action(*r).as_str().into()))
            .collect();
        serde_json::Value::Object(map)
    }

    /// Reads rules from a JSON object; rules it does not name keep their defaults.
    pub fn from_json(value: &serde_json::Value) -> Result<Self> {
        let serde_json::Value::Object(map) = value else {
            return Err(Error::InvalidInput(
                "'rules' must be an object of rule names to allow, flag or refuse.".into(),
            ));
        };
        let mut rules = ContentRules::default();
        for (name, action) in map {
            let rule = Rule::ALL
                .into_iter()
                .find(|r| r.as_str() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
                    Error::InvalidInput(format!(
                        "Unknown rule '{}': expected one of {}.",
                        name.escape_debug(),
                        names.join(", ")
                    ))
                })?;
            let Some(action) = action.as_str() else {
                return Err(Error::InvalidInput(format!(
                    "The action of rule {name} must be allow, flag or refuse."
                )));
            };
            rules.set(rule, RuleAction::parse(rule, action)?);
        }
        Ok(rules)
    }
}

/// A consumer account's policy.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharingPolicy {
    pub mode: PolicyMode,
    /// Account numbers whose shares are accepted automatically once their report passes.
    pub trusted_producers: Vec<String>,
    pub rules: ContentRules,
    /// Fingerprints (`SHA256:…`, as `ssh-keygen -l` prints) of keys the SSH key rule lets by.
    pub allowed_ssh_keys: Vec<String>,
    /// When it was last set, and by whom (user name); `None` for the policy of an account
    /// that never set one.
    pub updated: Option<(Timestamp, String)>,
}

impl SharingPolicy {
    /// Whether a share from `producer` is to be accepted without a person, given its verdict.
    pub fn accepts_automatically(&self, producer: &str, verdict: &Verdict) -> bool {
        self.mode != PolicyMode::Off
            && self.trusted_producers.iter().any(|p| p == producer)
            && verdict.is_clean()
    }

    /// Whether the verdict blocks accepting and booting now (`enforce` and a refusal).
    pub fn blocks(&self, verdict: &Verdict) -> bool {
        self.mode == PolicyMode::Enforce && verdict.refuses()
    }

    /// Whether the verdict would block in `enforce` mode, whatever the mode is now (what
    /// `audit` lists).
    pub fn would_block(&self, verdict: &Verdict) -> bool {
        verdict.refuses()
    }
}
