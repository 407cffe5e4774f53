//! The Sharing policy page: the account's policy (mode, trusted producers, each rule's action,
//! the SSH key allow-list) in one form that managers save and everyone else reads, Remove
//! Policy, and below it what the policy blocks (enforce) or would block (audit, off). Saving
//! reads the form into the same request the API takes (`policy_from_body`) and calls
//! `ImageService::set_sharing_policy`, which decides who may; a refused form comes back with
//! the service's message and the values as they were typed.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use glint_app::JudgedShare;
use glint_core::Role;
use glint_core::image::MemberStatus;
use glint_core::sharing_policy::{PolicyMode, Rule, RuleAction, SharingPolicy, policy_from_body};
use serde_json::{Map, Value};

use super::format;
use super::policy_verdict::{FindingRow, action_words, mode_words, rule_words};
use super::reply::{Flash, PanelError, Reply, message_of, page};
use super::session::Session;
use super::views::Chrome;
use crate::error::status_of;
use crate::router::AppState;

const HERE: &str = "/sharing-policy";

/// A mode the form offers, with what it does.
#[derive(Debug, Clone)]
pub(crate) struct ModeChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub explanation: &'static str,
    pub checked: bool,
}

fn mode_explanation(mode: PolicyMode) -> &'static str {
    match mode {
        PolicyMode::Off => {
            "The policy does nothing: every share waits for a manager, and nothing is refused."
        }
        PolicyMode::Audit => {
            "Clean shares from trusted producers are accepted by themselves; what the rules refuse is only listed below."
        }
        PolicyMode::Enforce => {
            "As Audit, and what the rules refuse cannot be accepted without a manager's override, nor boot servers."
        }
    }
}

/// One choice of a rule's dropdown.
#[derive(Debug, Clone)]
pub(crate) struct ActionChoice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// A content rule as the form shows it.
#[derive(Debug, Clone)]
pub(crate) struct RuleRow {
    /// The form field, `rule_ssh_keys`.
    pub field: String,
    pub words: &'static str,
    pub actions: Vec<ActionChoice>,
}

/// The form's values: the stored policy, or what was just typed into it.
#[derive(Debug, Clone)]
pub(crate) struct PolicyForm {
    pub modes: Vec<ModeChoice>,
    pub trusted: Vec<String>,
    /// Account numbers typed into Add, kept when the form is refused.
    pub adding: String,
    pub rules: Vec<RuleRow>,
    /// The allow-list, one fingerprint a line.
    pub keys: String,
}

impl PolicyForm {
    fn of(policy: &SharingPolicy) -> PolicyForm {
        let actions = |rule: Rule| policy.rules.action(rule).as_str().to_owned();
        PolicyForm::new(
            policy.mode.as_str(),
            policy.trusted_producers.clone(),
            String::new(),
            actions,
            policy.allowed_ssh_keys.join("\n"),
        )
    }

    fn new(
        mode: &str,
        trusted: Vec<String>,
        adding: String,
        action_of: impl Fn(Rule) -> String,
        keys: String,
    ) -> PolicyForm {
        let modes = PolicyMode::ALL
            .iter()
            .map(|m| ModeChoice {
                value: m.as_str(),
                label: mode_words(*m),
                explanation: mode_explanation(*m),
                checked: m.as_str() == mode,
            })
            .collect();
        let rules = Rule::ALL
            .iter()
            .map(|rule| {
                let chosen = action_of(*rule);
                RuleRow {
                    field: format!("rule_{}", rule.as_str()),
                    words: rule_words(*rule),
                    actions: RuleAction::ALL
                        .iter()
                        .map(|a| ActionChoice {
                            value: a.as_str(),
                            label: action_words(*a),
                            selected: a.as_str() == chosen,
                        })
                        .collect(),
                }
            })
            .collect();
        PolicyForm {
            modes,
            trusted,
            adding,
            rules,
            keys,
        }
    }
}

/// A share the policy blocks or would block.
#[derive(Debug, Clone)]
pub(crate) struct BlockedRow {
    pub name: String,
    pub detail_url: String,
    pub producer: String,
    pub region: String,
    pub status: &'static str,
    pub tone: &'static str,
    pub findings: Vec<FindingRow>,
    /// "Accepting and booting", or "Booting".
    pub blocks: String,
    /// Where to decide a pending share (its dialog on Saved Images).
    pub review_url: Option<String>,
}

impl BlockedRow {
    fn new(share: &JudgedShare) -> BlockedRow {
        let pending = share.status == MemberStatus::Pending;
        BlockedRow {
            name: format::name(share.image_name.as_deref()),
            detail_url: format!("/images/{}/{}", share.region, share.image_id),
            producer: share.producer.clone(),
            region: share.region.clone(),
            status: format::member_status(share.status),
            tone: format::member_tone(share.status),
            findings: share.findings.iter().map(FindingRow::new).collect(),
            blocks: if share.blocks.contains(&"accept") {
                "Accepting and booting".into()
            } else {
                "Booting".into()
            },
            review_url: pending
                .then(|| format!("/images?region={}#pending-{}", share.region, share.image_id)),
        }
    }
}

#[derive(Template)]
#[template(path = "sharing_policy.html")]
pub(crate) struct SharingPolicyPage {
    chrome: Chrome,
    form: PolicyForm,
    /// "Last changed on … by …", for a policy that was set.
    updated: Option<String>,
    /// Display only: whether the user's role lets it change the policy.
    can_change: bool,
    enforced: bool,
    blocked: Vec<BlockedRow>,
}

/// Renders the page with `form`'s values and the account's blocked shares.
async fn render(
    state: &AppState,
    session: &Session,
    form: Option<PolicyForm>,
    flash: Option<Flash>,
) -> Result<Response, PanelError> {
    let (policy, blocked) = state.images.sharing_policy_blocks(&session.ctx).await?;
    let shown = flash.is_some();
    let view = SharingPolicyPage {
        chrome: Chrome::load(state, session, "Sharing policy", "policy", HERE.into())
            .await?
            .with_flash(flash),
        form: form.unwrap_or_else(|| PolicyForm::of(&policy)),
        updated: policy
            .updated
            .as_ref()
            .map(|(at, by)| format!("Last changed on {} by {by}.", format::time(*at))),
        can_change: session.ctx.role.implies(Role::Manager),
        enforced: policy.mode == PolicyMode::Enforce,
        blocked: blocked.iter().map(BlockedRow::new).collect(),
    };
    Ok(page(&view, shown))
}

/// `GET /sharing-policy`.
pub(crate) async fn sharing_policy_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
) -> Result<Response, PanelError> {
    render(&state, &session, None, Flash::read(&headers)).await
}

/// What the form sent, read from its fields (`trusted` repeats).
struct Submitted {
    mode: String,
    trusted: Vec<String>,
    adding: String,
    rules: Vec<(Rule, String)>,
    keys: String,
    /// The producer whose Remove button was pressed.
    removing: Option<String>,
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
}

impl Submitted {
    fn read(fields: &[(String, String)]) -> Submitted {
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let removing = Some(one("remove_producer")).filter(|r| !r.is_empty());
        let trusted = fields
            .iter()
            .filter(|(k, _)| k == "trusted")
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| Some(v) != removing.as_ref())
            .collect();
        Submitted {
            mode: one("mode"),
            trusted,
            adding: one("add_producer"),
            rules: Rule::ALL
                .iter()
                .map(|r| (*r, one(&format!("rule_{}", r.as_str()))))
                .collect(),
            keys: one("allowed_ssh_keys"),
            removing,
        }
    }

    /// The request the Sharing Policy API would get for this form.
    fn body(&self) -> Value {
        let mut trusted: Vec<Value> = self.trusted.iter().map(|t| t.as_str().into()).collect();
        trusted.extend(words(&self.adding).map(Value::from));
        let rules: Map<String, Value> = self
            .rules
            .iter()
            .filter(|(_, action)| !action.is_empty())
            .map(|(rule, action)| (rule.as_str().to_owned(), action.as_str().into()))
            .collect();
        let keys: Vec<Value> = words(&self.keys).map(Value::from).collect();
        let mut body = Map::new();
        body.insert("mode".into(), self.mode.as_str().into());
        body.insert("trusted_producers".into(), Value::Array(trusted));
        body.insert("rules".into(), Value::Object(rules));
        body.insert("allowed_ssh_keys".into(), Value::Array(keys));
        Value::Object(body)
    }

    /// The form again, as typed.
    fn form(self) -> PolicyForm {
        let rules = self.rules;
        PolicyForm::new(
            &self.mode,
            self.trusted,
            self.adding,
            |rule| {
                rules
                    .iter()
                    .find(|(r, _)| *r == rule)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default()
            },
            self.keys,
        )
    }

    fn saved_message(&self, policy: &SharingPolicy) -> String {
        let trusted = format::count(policy.trusted_producers.len() as u64, "trusted producer");
        let mode = mode_words(policy.mode);
        match &self.removing {
            Some(gone) => format!(
                "Account {gone} is no longer a trusted producer. The policy ({mode}) now has {trusted}."
            ),
            None => format!("The sharing policy was saved: {mode}, with {trusted}."),
        }
    }
}

/// `POST /sharing-policy`: saves the whole form (Remove beside a trusted producer saves it
/// without that producer).
pub(crate) async fn save_policy(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let submitted = Submitted::read(&fields);
    let saved = match policy_from_body(&submitted.body()) {
        Ok(new) => state.images.set_sharing_policy(&session.ctx, new).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(policy) => reply.done(HERE, Flash::ok(submitted.saved_message(&policy))),
        Err(e) if reply.is_script() => reply.failed(&e, HERE),
        Err(e) => {
            let flash = Flash::error(message_of(&e));
            match render(&state, &session, Some(submitted.form()), Some(flash)).await {
                Ok(mut page) => {
                    *page.status_mut() = status_of(&e);
                    page
                }
                Err(failure) => failure.into_response(),
            }
        }
    }
}

/// `POST /sharing-policy/delete`: the account is back to no policy.
pub(crate) async fn delete_policy(
    State(state): State<AppState>,
    session: Session,
    reply: Reply,
) -> Response {
    match state.images.delete_sharing_policy(&session.ctx).await {
        Ok(()) => reply.done(
            HERE,
            Flash::ok("The sharing policy was removed: every share waits for a manager again."),
        ),
        Err(e) => reply.failed(&e, HERE),
    }
}
