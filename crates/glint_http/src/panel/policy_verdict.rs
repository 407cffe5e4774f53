//! What the account's sharing policy says of a shared image, as the panel shows it: the rules
//! and actions in words, the verdict in the pending-share dialog (passes, or each finding
//! flagged or refused, and whether enforce blocks accepting it), the consumer's policy section
//! of Image Detail (with an override or an acceptance the policy made by itself), and the
//! shared images Create Server may not offer. Every judgement is `ImageService`'s.

use std::collections::HashMap;

use glint_core::event::{EventKind, FeedRequest};
use glint_core::image::{Image, ImageId, MemberStatus};
use glint_core::sharing_policy::{Finding, PolicyMode, Rule, RuleAction, SharingPolicy, Verdict};
use glint_core::{AuthContext, Result};

use super::format;
use crate::router::AppState;

/// A rule in words, as the Sharing policy page and the verdicts name it.
pub(crate) fn rule_words(rule: Rule) -> &'static str {
    match rule {
        Rule::SshKeys => "Preinstalled SSH keys",
        Rule::PasswordLogin => "Users who can log in with a password",
        Rule::ExtraUid0 => "Extra accounts with uid 0",
        Rule::NopasswdSudo => "sudo without a password",
        Rule::NotInspected => "Parts that could not be inspected",
    }
}

/// An action's label.
pub(crate) fn action_words(action: RuleAction) -> &'static str {
    match action {
        RuleAction::Allow => "Allow",
        RuleAction::Flag => "Flag",
        RuleAction::Refuse => "Refuse",
    }
}

/// A mode's label.
pub(crate) fn mode_words(mode: PolicyMode) -> &'static str {
    match mode {
        PolicyMode::Off => "Off",
        PolicyMode::Audit => "Audit",
        PolicyMode::Enforce => "Enforce",
    }
}

/// One finding, marked Flagged or Refused.
#[derive(Debug, Clone)]
pub(crate) struct FindingRow {
    /// "Flagged" or "Refused".
    pub mark: &'static str,
    /// `warn` or `bad`, for the badge.
    pub tone: &'static str,
    pub rule: &'static str,
    pub text: String,
}

impl FindingRow {
    pub fn new(finding: &Finding) -> FindingRow {
        let refused = finding.action == RuleAction::Refuse;
        FindingRow {
            mark: if refused { "Refused" } else { "Flagged" },
            tone: if refused { "bad" } else { "warn" },
            rule: rule_words(finding.rule),
            text: finding.text.clone(),
        }
    }
}

/// The policy's verdict on one shared image.
#[derive(Debug, Clone)]
pub(crate) struct VerdictView {
    /// "Audit" or "Enforce".
    pub mode: &'static str,
    pub passes: bool,
    pub findings: Vec<FindingRow>,
    /// Enforce refuses it: accepting needs a manager's override, and it boots no servers.
    pub blocked: bool,
    /// Audit would refuse it in enforce.
    pub would_block: bool,
    /// A manager accepted it against the refusal: it is used as any share.
    pub overridden: bool,
}

impl VerdictView {
    /// The verdict of an active policy; `None` when the policy is off (it judges nothing).
    pub fn new(policy: &SharingPolicy, verdict: &Verdict) -> Option<VerdictView> {
        if policy.mode == PolicyMode::Off {
            return None;
        }
        Some(VerdictView {
            mode: mode_words(policy.mode),
            passes: verdict.findings.is_empty(),
            findings: verdict.findings.iter().map(FindingRow::new).collect(),
            blocked: policy.blocks(verdict),
            would_block: policy.mode != PolicyMode::Enforce && policy.would_block(verdict),
            overridden: false,
        })
    }
}

/// The account's policy's verdict on a shared image (none without an active policy).
pub(crate) async fn verdict_of(
    state: &AppState,
    ctx: &AuthContext,
    image: &Image,
) -> Result<Option<VerdictView>> {
    let judged = state.images.share_verdict(ctx, image).await?;
    Ok(judged.and_then(|(policy, verdict)| VerdictView::new(&policy, &verdict)))
}

/// Image Detail's policy section for a consumer with a live share.
#[derive(Debug, Clone)]
pub(crate) struct ConsumerPolicy {
    pub verdict: Option<VerdictView>,
    /// "A manager accepted it against your sharing policy on …".
    pub overridden: Option<String>,
    /// The share was accepted by the policy itself (a trusted producer's clean image).
    pub accepted_by_policy: bool,
}

impl ConsumerPolicy {
    /// The section for the caller's share of `image` in `status`; `None` when there is
    /// nothing to say.
    pub async fn load(
        state: &AppState,
        ctx: &AuthContext,
        image: &Image,
        status: Option<MemberStatus>,
    ) -> Result<Option<ConsumerPolicy>> {
        let Some(status) = status else {
            return Ok(None);
        };
        let mut verdict = verdict_of(state, ctx, image).await?;
        let overridden = state.images.override_of(ctx, &image.id).await?.map(|at| {
            format!(
                "A manager of your account accepted it against your sharing policy on {}.",
                format::time(at)
            )
        });
        let accepted_by_policy = status == MemberStatus::Accepted
            && overridden.is_none()
            && accepted_by_policy(state, ctx, &image.id).await?;
        if let Some(v) = verdict.as_mut() {
            v.overridden = overridden.is_some();
        }
        if verdict.is_none() && overridden.is_none() && !accepted_by_policy {
            return Ok(None);
        }
        Ok(Some(ConsumerPolicy {
            verdict,
            overridden,
            accepted_by_policy,
        }))
    }
}

/// Whether the newest acceptance of `image` in the account's feed was the policy's own.
async fn accepted_by_policy(state: &AppState, ctx: &AuthContext, image: &ImageId) -> Result<bool> {
    let request = FeedRequest {
        kinds: vec![EventKind::Accepted],
        image: Some(image.clone()),
        limit: Some(1),
        ..FeedRequest::default()
    };
    let page = state.events.feed(ctx, &request).await?;
    Ok(page.events.first().is_some_and(|e| {
        e.event.consumer == ctx.account_id.as_str()
            && e.event.detail.get("automatic") == Some(&serde_json::Value::Bool(true))
    }))
}

/// The shared images the account's enforced policy keeps from booting, each with the reason
/// Create Server shows; empty unless the policy is enforced.
pub(crate) async fn refused_boots(
    state: &AppState,
    ctx: &AuthContext,
) -> Result<HashMap<ImageId, String>> {
    let (policy, judged) = state.images.sharing_policy_blocks(ctx).await?;
    if policy.mode != PolicyMode::Enforce {
        return Ok(HashMap::new());
    }
    Ok(judged
        .into_iter()
        .filter(|j| j.blocks.contains(&"boot"))
        .map(|j| {
            let texts: Vec<String> = j
                .findings
                .iter()
                .filter(|f| f.action == RuleAction::Refuse)
                .map(|f| f.text.clone())
                .collect();
            let reason = format!(
                "Refused by your sharing policy: {}. A manager can accept it with an override.",
                texts.join("; ")
            );
            (j.image_id, reason)
        })
        .collect())
}
