//! Triggers: type, conditions, splitOn, recurrence and settings.

use super::{json_type, Owner, Site, SiteKind, TriggerNode, Validator};
use crate::error::{ErrorCode, Pointer};
use crate::model::{Recurrence, RecurrenceFrequency, TriggerType};
use crate::recurrence::RecurrencePlan;
use serde_json::Value;

impl<'a> Validator<'a> {
    pub(super) fn check_trigger(&mut self, name: &'a str, trigger: &'a Value, at: &Pointer) {
        let index = self.triggers.len();
        self.triggers.push(TriggerNode {
            name,
            pointer: at.clone(),
            trigger_type: None,
        });
        let Some(obj) = trigger.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidDocument,
                format!(
                    "trigger '{name}' must be an object, not {}",
                    json_type(trigger)
                ),
            );
            return;
        };
        let trigger_type = match obj.get("type") {
            None => {
                self.error(
                    &at.key("type"),
                    Some(name),
                    ErrorCode::MissingType,
                    format!("trigger '{name}' has no 'type'"),
                );
                None
            }
            Some(Value::String(t)) => {
                let parsed = TriggerType::parse(t);
                if parsed.is_none() {
                    self.error(
                        &at.key("type"),
                        Some(name),
                        ErrorCode::UnknownTriggerType,
                        format!(
                            "trigger type '{t}' is not supported; hookflow runs Request, HttpWebhook, Http and Recurrence triggers"
                        ),
                    );
                }
                parsed
            }
            Some(other) => {
                self.error(
                    &at.key("type"),
                    Some(name),
                    ErrorCode::MissingType,
                    format!(
                        "a trigger's 'type' must be a string, not {}",
                        json_type(other)
                    ),
                );
                None
            }
        };
        if let Some(node) = self.triggers.get_mut(index) {
            node.trigger_type = trigger_type;
        }
        let owner = Owner::Trigger(index);
        self.check_string_property(obj, "kind", at, name);
        self.check_string_property(obj, "operationOptions", at, name);
        if let Some(config) = obj.get("runtimeConfiguration") {
            self.check_runtime_configuration(config, &at.key("runtimeConfiguration"), name, true);
        }
        if let Some(limit) = obj.get("limit") {
            self.check_limit(limit, &at.key("limit"), name, false);
        }
        if let Some(conditions) = obj.get("conditions") {
            let p = at.key("conditions");
            match conditions {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        match item.as_object().and_then(|c| c.get("expression")) {
                            Some(expression) => self.sites.push(Site {
                                pointer: p.index(i).key("expression"),
                                value: expression,
                                owner,
                                kind: SiteKind::Plain,
                            }),
                            None => self.error(
                                &p.index(i),
                                Some(name),
                                ErrorCode::MissingInput,
                                "a trigger condition must be an object with an 'expression'",
                            ),
                        }
                    }
                }
                other => self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!("'conditions' must be an array, not {}", json_type(other)),
                ),
            }
        }
        if let Some(split_on) = obj.get("splitOn") {
            self.sites.push(Site {
                pointer: at.key("splitOn"),
                value: split_on,
                owner,
                kind: SiteKind::Plain,
            });
        }
        let needs_recurrence = matches!(
            trigger_type,
            Some(TriggerType::Http) | Some(TriggerType::Recurrence)
        );
        match obj.get("recurrence") {
            Some(recurrence) => self.check_recurrence(recurrence, &at.key("recurrence"), name),
            None if needs_recurrence => self.error(
                &at.key("recurrence"),
                Some(name),
                ErrorCode::MissingInput,
                format!(
                    "a {} trigger needs a 'recurrence'",
                    trigger_type.map(|t| t.as_str()).unwrap_or("polling")
                ),
            ),
            None => {}
        }
        if let Some(t) = trigger_type {
            self.check_trigger_inputs(t, obj, at, owner, name);
        }
    }

    pub(super) fn check_recurrence(&mut self, recurrence: &Value, at: &Pointer, name: &str) {
        let Some(obj) = recurrence.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'recurrence' must be an object with 'frequency' and 'interval'",
            );
            return;
        };
        let frequency = match obj.get("frequency") {
            Some(Value::String(f)) => {
                let parsed = RecurrenceFrequency::parse(f);
                if parsed.is_none() {
                    self.error(
                        &at.key("frequency"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!(
                            "frequency '{f}' is not one of Second, Minute, Hour, Day, Week, Month"
                        ),
                    );
                }
                parsed
            }
            Some(_) => {
                self.error(
                    &at.key("frequency"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'frequency' must be a string",
                );
                None
            }
            None => {
                self.error(
                    &at.key("frequency"),
                    Some(name),
                    ErrorCode::MissingInput,
                    "'recurrence' needs a 'frequency'",
                );
                None
            }
        };
        match obj.get("interval") {
            None => self.error(
                &at.key("interval"),
                Some(name),
                ErrorCode::MissingInput,
                "'recurrence' needs an 'interval'",
            ),
            Some(v) if super::is_expression(v) => {}
            Some(v) => match (v.as_u64(), frequency) {
                (Some(n), Some(f)) => {
                    let (min, max) = f.interval_range();
                    if n < min || n > max {
                        self.error(
                            &at.key("interval"),
                            Some(name),
                            ErrorCode::LimitExceeded,
                            format!("a {f} recurrence interval must be between {min} and {max}, not {n}"),
                        );
                    }
                }
                (Some(_), None) => {}
                (None, _) => self.error(
                    &at.key("interval"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'interval' must be a positive integer",
                ),
            },
        }
        // startTime, timeZone and schedule are checked by reading the plan the runtime will
        // schedule from; frequency and interval problems were reported above.
        if let Ok(model) = serde_json::from_value::<Recurrence>(recurrence.clone()) {
            if let Err(e) = RecurrencePlan::from_recurrence(&model) {
                if e.field != "frequency" && e.field != "interval" {
                    let pointer = e.field.split('/').fold(at.clone(), |p, s| p.key(s));
                    self.error(&pointer, Some(name), ErrorCode::InvalidInput, e.message);
                }
            }
        }
    }
}
