//! Judging one image under a policy: the facts of its trust report that the rules read, and
//! the findings each rule makes of them, most important first.

use super::{Rule, RuleAction, SharingPolicy};

/// What the rules read from a trust report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentFacts {
    /// Preinstalled SSH keys: the user each logs in as, and its `SHA256:` fingerprint.
    pub ssh_keys: Vec<(String, String)>,
    /// Users who can log in with a password (a usable or an empty one).
    pub password_users: Vec<String>,
    /// Accounts other than root with uid 0.
    pub extra_uid0: Vec<String>,
    /// Files with sudo rules that ask no password.
    pub nopasswd_sudo_files: Vec<String>,
    /// What could not be read, and why.
    pub not_inspected: Vec<String>,
}

/// What is known of an image's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// No trust report yet (the image has no data, or its report is being written).
    Missing,
    Report(ContentFacts),
}

/// One rule's finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub action: RuleAction,
    /// What was found, in a few words, e.g. "1 preinstalled SSH key not in the allow-list (root)".
    pub text: String,
}

/// The findings of a policy's rules on one image; no finding: the image passes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    pub findings: Vec<Finding>,
    /// The image has a trust report (a missing one keeps automatic acceptance waiting).
    pub inspected: bool,
}

impl Verdict {
    /// Inspected, and nothing flagged or refused.
    pub fn is_clean(&self) -> bool {
        self.inspected && self.findings.is_empty()
    }

    /// Some finding is refused.
    pub fn refuses(&self) -> bool {
        self.findings.iter().any(|f| f.action == RuleAction::Refuse)
    }

    /// The findings as one sentence, e.g. for a refusal's message.
    pub fn summary(&self) -> String {
        let texts: Vec<&str> = self.findings.iter().map(|f| f.text.as_str()).collect();
        texts.join("; ")
    }
}

impl SharingPolicy {
    /// The findings of this policy's rules on an image (whatever the mode).
    pub fn judge(&self, inspection: &Inspection) -> Verdict {
        let facts = match inspection {
            Inspection::Missing => return self.judge_missing(),
            Inspection::Report(facts) => facts,
        };
        let mut findings = Vec::new();
        let mut find = |rule: Rule, text: Option<String>| {
            let action = self.rules.action(rule);
            if let (Some(text), true) = (text, action != RuleAction::Allow) {
                findings.push(Finding { rule, action, text });
            }
        };
        find(
            Rule::ExtraUid0,
            listed(
                ("extra uid 0 account", "extra uid 0 accounts"),
                &facts.extra_uid0,
            ),
        );
        find(Rule::SshKeys, self.unlisted_keys(facts));
        find(
            Rule::PasswordLogin,
            listed(
                (
                    "user who can log in with a password",
                    "users who can log in with a password",
                ),
                &facts.password_users,
            ),
        );
        find(
            Rule::NopasswdSudo,
            listed(
                (
                    "file of sudo rules without password",
                    "files of sudo rules without password",
                ),
                &facts.nopasswd_sudo_files,
            ),
        );
        find(
            Rule::NotInspected,
            listed(
                ("part not inspected", "parts not inspected"),
                &facts.not_inspected,
            ),
        );
        // Refusals first, in rule order within each action.
        findings.sort_by_key(|f| std::cmp::Reverse(f.action));
        Verdict {
            findings,
            inspected: true,
        }
    }

    /// No report: a finding of the not-inspected rule, refused whenever any rule refuses
    /// (nothing can be judged acceptable unread).
    fn judge_missing(&self) -> Verdict {
        let action = if self.rules.any_refuses() {
            RuleAction::Refuse
        } else {
            self.rules.action(Rule::NotInspected)
        };
        let findings = if action == RuleAction::Allow {
            Vec::new()
        } else {
            vec![Finding {
                rule: Rule::NotInspected,
                action,
                text: "the image has no trust report yet".into(),
            }]
        };
        Verdict {
            findings,
            inspected: false,
        }
    }

    /// The keys not in the allow-list, as one finding naming their users once each.
    fn unlisted_keys(&self, facts: &ContentFacts) -> Option<String> {
        let mut users: Vec<&str> = Vec::new();
        let mut n = 0;
        for (user, fingerprint) in &facts.ssh_keys {
            if self.allowed_ssh_keys.iter().any(|k| k == fingerprint) {
                continue;
            }
            n += 1;
            if !users.contains(&user.as_str()) {
                users.push(user);
            }
        }
        let plural = if n == 1 { "" } else { "s" };
        let allowed = if self.allowed_ssh_keys.is_empty() {
            ""
        } else {
            " not in the allow-list"
        };
        (n > 0).then(|| {
            format!(
                "{n} preinstalled SSH key{plural}{allowed} ({})",
                users.join(", ")
            )
        })
    }
}

/// "2 extra uid 0 accounts (toor, admin)" (the singular or plural wording by count), or
/// nothing for an empty list.
fn listed((one, many): (&str, &str), names: &[String]) -> Option<String> {
    match names.len() {
        0 => None,
        1 => Some(format!("1 {one} ({})", names[0])),
        n => Some(format!("{n} {many} ({})", names.join(", "))),
    }
}

#[cfg(test)]
mod tests;
