//! Trigger-side decisions, before a run exists: `splitOn` (one run per array element)
//! and `conditions` (all must hold for a run to be created).

use crate::context::Environment;
use hookflow_definition::CheckedDefinition;
use hookflow_expr::EvalContext;
use serde_json::{json, Value};
use std::borrow::Cow;

/// Most items `splitOn` may produce (reference §1.2).
pub const MAX_SPLIT_ITEMS: usize = 100_000;

/// What a trigger event leads to.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TriggerDecision {
    /// Start one run per element, each with these trigger outputs.
    Fire(Vec<Value>),
    /// Start one run with the outputs as the caller gave them: there was nothing to
    /// evaluate (no `splitOn`, no `conditions`), so they are not copied into a `Fire`.
    FireAsCalled,
    /// Conditions not met (history: Skipped, `fired: false`).
    Skipped,
    /// `splitOn` or a condition could not be evaluated (history: Failed).
    Failed { code: String, message: String },
}

struct TriggerContext<'a> {
    trigger: Value,
    parameters: serde_json::Map<String, Value>,
    env: &'a dyn Environment,
    /// `listCallbackUrl()`: only while evaluating an HttpWebhook trigger's subscribe or
    /// unsubscribe.
    callback_url: Option<String>,
}

impl EvalContext for TriggerContext<'_> {
    fn trigger(&self) -> Option<Cow<'_, Value>> {
        Some(Cow::Borrowed(&self.trigger))
    }
    fn parameter(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.parameters.get(name).map(Cow::Borrowed)
    }
    fn now(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        Some(self.env.now())
    }
    fn callback_url(&self) -> Option<String> {
        self.callback_url.clone()
    }
    fn new_guid(&self) -> Option<uuid::Uuid> {
        Some(self.env.new_guid())
    }
    fn random_int(&self, min: i64, max: i64) -> Option<i64> {
        Some(self.env.random_int(min, max))
    }
}

/// Splits (when `splitOn` is set) and filters by `conditions`: each run's trigger outputs
/// are the original outputs with `body` replaced by its element. Conditions are checked
/// per element, so `triggerBody()` in a condition is the element a run would get.
pub fn evaluate_trigger(
    definition: &CheckedDefinition,
    trigger_name: &str,
    outputs: &Value,
    env: &dyn Environment,
) -> TriggerDecision {
    let Some(trigger) = definition.triggers.iter().find(|t| t.name == trigger_name) else {
        return TriggerDecision::Failed {
            code: "TriggerNotFound".into(),
            message: format!("the definition has no trigger '{trigger_name}'"),
        };
    };
    // Nothing to evaluate: the call fires one run as it came (most triggers).
    if trigger.split_on.is_none() && trigger.conditions.is_empty() {
        return TriggerDecision::FireAsCalled;
    }
    let parameters: serde_json::Map<String, Value> =
        definition.parameter_values().into_iter().collect();
    let ctx_for = |outputs: &Value| TriggerContext {
        trigger: json!({ "name": trigger_name, "outputs": outputs, "status": "Succeeded", "code": "OK" }),
        parameters: parameters.clone(),
        env,
        callback_url: None,
    };
    let candidates = match &trigger.split_on {
        None => vec![outputs.clone()],
        Some(split) => match split.evaluate(&ctx_for(outputs)) {
            Ok(Value::Array(items)) if items.len() <= MAX_SPLIT_ITEMS => items
                .into_iter()
                .map(|item| {
                    let mut each = outputs.clone();
                    if let Value::Object(map) = &mut each {
                        map.insert("body".into(), item);
                    }
                    each
                })
                .collect(),
            Ok(Value::Array(items)) => {
                return TriggerDecision::Failed {
                    code: "SplitOnTooManyItems".into(),
                    message: format!(
                        "splitOn produced {} items; the limit is {MAX_SPLIT_ITEMS}",
                        items.len()
                    ),
                }
            }
            Ok(other) => {
                return TriggerDecision::Failed {
                    code: "InvalidTemplate".into(),
                    message: format!("splitOn must evaluate to an array, not {other}"),
                }
            }
            Err(e) => {
                return TriggerDecision::Failed {
                    code: "InvalidTemplate".into(),
                    message: e.to_string(),
                }
            }
        },
    };
    let mut fire = Vec::new();
    for candidate in candidates {
        let ctx = ctx_for(&candidate);
        let mut all = true;
        for condition in &trigger.conditions {
            match condition.evaluate(&ctx) {
                Ok(Value::Bool(true)) => {}
                Ok(_) => {
                    all = false;
                    break;
                }
                Err(e) => {
                    return TriggerDecision::Failed {
                        code: "InvalidTemplate".into(),
                        message: e.to_string(),
                    }
                }
            }
        }
        if all {
            fire.push(candidate);
        }
    }
    if fire.is_empty() {
        TriggerDecision::Skipped
    } else {
        TriggerDecision::Fire(fire)
    }
}

/// Which request of an HttpWebhook trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookSide {
    Subscribe,
    Unsubscribe,
}

impl WebhookSide {
    fn field(self) -> &'static str {
        match self {
            WebhookSide::Subscribe => "subscribe",
            WebhookSide::Unsubscribe => "unsubscribe",
        }
    }
}

/// An HttpWebhook trigger's request, evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookTriggerRequest {
    pub request: crate::effect::OutboundRequest,
    /// The evaluated `subscribe`/`unsubscribe` object (with `retryPolicy`).
    pub evaluated: Value,
}

/// Whether a trigger of the definition is an HttpWebhook trigger.
pub fn is_webhook_trigger(definition: &CheckedDefinition, trigger_name: &str) -> bool {
    definition.triggers.iter().any(|t| {
        t.name == trigger_name
            && t.trigger_type == hookflow_definition::model::TriggerType::HttpWebhook
    })
}

/// `inputs.accessKeyType` of an HttpWebhook trigger (`"Secondary"` or the default).
pub fn webhook_access_key_type(
    definition: &CheckedDefinition,
    trigger_name: &str,
) -> Option<String> {
    let trigger = definition
        .triggers
        .iter()
        .find(|t| t.name == trigger_name)?;
    trigger
        .trigger
        .inputs
        .as_ref()
        .and_then(|i| i.get("accessKeyType"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Evaluates `inputs.subscribe` or `inputs.unsubscribe` of an HttpWebhook trigger with
/// `listCallbackUrl()` = `callback_url` and `parameters()` of the definition. `Ok(None)`
/// when the side is not defined (an optional `unsubscribe`). `url` is read as `uri`.
pub fn evaluate_webhook_trigger(
    definition: &CheckedDefinition,
    trigger_name: &str,
    side: WebhookSide,
    callback_url: &str,
    env: &dyn Environment,
) -> Result<Option<WebhookTriggerRequest>, String> {
    use crate::template::Part;
    let trigger = definition
        .triggers
        .iter()
        .find(|t| t.name == trigger_name)
        .ok_or_else(|| format!("the definition has no trigger '{trigger_name}'"))?;
    let Some(part) = trigger
        .inputs
        .as_ref()
        .map(Part::of)
        .and_then(|p| p.field(side.field()))
    else {
        return match side {
            WebhookSide::Subscribe => Err("HttpWebhook needs 'subscribe'".into()),
            WebhookSide::Unsubscribe => Ok(None),
        };
    };
    let ctx = TriggerContext {
        trigger: json!({ "name": trigger_name }),
        parameters: definition.parameter_values().into_iter().collect(),
        env,
        callback_url: Some(callback_url.to_string()),
    };
    let evaluated = part.evaluate(&ctx).map_err(|e| e.to_string())?;
    if evaluated.is_null() && side == WebhookSide::Unsubscribe {
        return Ok(None);
    }
    let parsed: hookflow_definition::model::inputs::HttpRequestInputs =
        serde_json::from_value(evaluated.clone())
            .map_err(|e| format!("the {} inputs are not valid: {e}", side.field()))?;
    if parsed.uri.trim().is_empty() {
        return Err(format!("'{}' needs a 'uri'", side.field()));
    }
    let suppress = trigger
        .trigger
        .operation_options()
        .iter()
        .any(|o| o.eq_ignore_ascii_case("SuppressWorkflowHeaders"));
    let request = crate::effect::OutboundRequest {
        method: parsed.method.to_ascii_uppercase(),
        uri: parsed.uri,
        headers: parsed.headers.unwrap_or_default(),
        queries: parsed.queries.unwrap_or_default(),
        body: parsed.body,
        authentication: evaluated
            .get("authentication")
            .cloned()
            .filter(|a| !a.is_null() && a.as_object().is_none_or(|o| !o.is_empty())),
        timeout: None,
        suppress_workflow_headers: suppress,
    };
    Ok(Some(WebhookTriggerRequest { request, evaluated }))
}
