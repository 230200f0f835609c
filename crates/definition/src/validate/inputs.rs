//! Required inputs per action and trigger type, outbound HTTP requests (authentication,
//! retry policy), and the variable actions.

use super::{is_expression, json_type, Owner, Site, SiteKind, Validator, VariableUse};
use crate::error::{ErrorCode, Pointer};
use crate::model::{ActionType, TriggerType};
use serde_json::{Map, Value};

/// How an `inputs` value looks before any evaluation.
enum InputsShape<'a> {
    Missing,
    /// A whole expression (`"inputs": "@parameters('x')"`): only run time can tell.
    Dynamic,
    Object(&'a Map<String, Value>),
    Other(&'a Value),
}

fn shape(inputs: Option<&Value>) -> InputsShape<'_> {
    match inputs {
        None => InputsShape::Missing,
        Some(v) if is_expression(v) => InputsShape::Dynamic,
        Some(Value::Object(o)) => InputsShape::Object(o),
        Some(other) => InputsShape::Other(other),
    }
}

impl<'a> Validator<'a> {
    pub(super) fn check_action_inputs(
        &mut self,
        index: usize,
        t: ActionType,
        obj: &'a Map<String, Value>,
        at: &Pointer,
    ) {
        let name = self.actions.get(index).map_or("", |n| n.name);
        let owner = Owner::Action(index);
        let inputs_at = at.key("inputs");
        let inputs = obj.get("inputs");
        let required: &[&str] = match t {
            ActionType::Http => &["method", "uri"],
            ActionType::HttpWebhook => &["subscribe"],
            ActionType::Response => &["statusCode"],
            ActionType::Terminate => &["runStatus"],
            ActionType::InitializeVariable => &["variables"],
            ActionType::SetVariable
            | ActionType::AppendToArrayVariable
            | ActionType::AppendToStringVariable => &["name", "value"],
            ActionType::IncrementVariable | ActionType::DecrementVariable => &["name"],
            ActionType::ParseJson => &["content", "schema"],
            ActionType::Query => &["from", "where"],
            ActionType::Select => &["from", "select"],
            ActionType::Join => &["from", "joinWith"],
            ActionType::Table => &["from", "format"],
            ActionType::Wait => &[],
            ActionType::Compose
            | ActionType::If
            | ActionType::Switch
            | ActionType::Foreach
            | ActionType::Until
            | ActionType::Scope => &[],
        };
        let takes_inputs = !t.is_container();
        if t == ActionType::Compose && inputs.is_none() {
            self.error(
                &inputs_at,
                Some(name),
                ErrorCode::MissingInput,
                "a Compose action needs 'inputs'",
            );
        }
        if takes_inputs {
            match shape(inputs) {
                InputsShape::Missing if !required.is_empty() || t == ActionType::Wait => {
                    self.error(
                        &inputs_at,
                        Some(name),
                        ErrorCode::MissingInput,
                        format!("a {t} action needs 'inputs' with {}", describe(required, t)),
                    );
                }
                InputsShape::Other(v) if t != ActionType::Compose => {
                    self.error(
                        &inputs_at,
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!(
                            "the inputs of a {t} action must be an object, not {}",
                            json_type(v)
                        ),
                    );
                }
                InputsShape::Object(o) => {
                    // Http and HttpWebhook report their own missing request fields.
                    let own = matches!(t, ActionType::Http | ActionType::HttpWebhook);
                    for key in required.iter().filter(|_| !own) {
                        if !o.contains_key(*key) {
                            self.error(
                                &inputs_at.key(key),
                                Some(name),
                                ErrorCode::MissingInput,
                                format!("a {t} action needs inputs.{key}"),
                            );
                        }
                    }
                    self.check_typed_inputs(index, t, o, &inputs_at, name);
                }
                _ => {}
            }
            if let Some(value) = inputs {
                self.push_input_sites(owner, t, value, &inputs_at);
            }
        }
        // Control actions' own expressions.
        match t {
            ActionType::If | ActionType::Switch | ActionType::Until => {
                let kind = match t {
                    ActionType::If => SiteKind::IfCondition,
                    ActionType::Until => SiteKind::UntilCondition,
                    _ => SiteKind::Plain,
                };
                match obj.get("expression") {
                    Some(value) => {
                        if t != ActionType::If && value.is_object() {
                            self.error(
                                &at.key("expression"),
                                Some(name),
                                ErrorCode::InvalidInput,
                                format!("a {t} expression must be a string expression"),
                            );
                        }
                        self.sites.push(Site {
                            pointer: at.key("expression"),
                            value,
                            owner,
                            kind,
                        });
                    }
                    None => self.error(
                        &at.key("expression"),
                        Some(name),
                        ErrorCode::MissingInput,
                        format!("a {t} action needs an 'expression'"),
                    ),
                }
            }
            ActionType::Foreach => match obj.get("foreach") {
                Some(value) => {
                    if !is_expression(value) && !value.is_array() {
                        self.error(
                            &at.key("foreach"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'foreach' must be an array or an expression giving one",
                        );
                    }
                    self.sites.push(Site {
                        pointer: at.key("foreach"),
                        value,
                        owner,
                        kind: SiteKind::ForeachSource,
                    });
                }
                None => self.error(
                    &at.key("foreach"),
                    Some(name),
                    ErrorCode::MissingInput,
                    "a Foreach action needs a 'foreach' array",
                ),
            },
            _ => {}
        }
        if t == ActionType::Switch {
            self.check_switch_cases(obj, at, name);
        }
        if matches!(t, ActionType::Response | ActionType::Terminate) {
            let in_loop = self.ancestors(index).iter().any(|&a| {
                self.actions
                    .get(a)
                    .and_then(|n| n.action_type)
                    .is_some_and(|t| t.is_loop())
            });
            if in_loop {
                let (code, what) = if t == ActionType::Response {
                    (ErrorCode::ResponseInLoop, "a Response action")
                } else {
                    (ErrorCode::TerminateInLoop, "a Terminate action")
                };
                self.error(
                    at,
                    Some(name),
                    code,
                    format!("{what} is not allowed inside a Foreach or Until loop"),
                );
            }
        }
        if t == ActionType::Response {
            let has_request = self
                .triggers
                .iter()
                .any(|tr| tr.trigger_type == Some(TriggerType::Request));
            if !self.triggers.is_empty() && !has_request {
                self.error(
                    at,
                    Some(name),
                    ErrorCode::ResponseWithoutRequestTrigger,
                    "a Response action needs a Request trigger to answer",
                );
            }
        }
    }

    /// Records expression sites inside an action's inputs; some keys get their own kind.
    fn push_input_sites(&mut self, owner: Owner, t: ActionType, value: &'a Value, at: &Pointer) {
        let special = |key: &str| -> Option<SiteKind> {
            match (t, key) {
                (ActionType::HttpWebhook, "subscribe") => Some(SiteKind::Subscribe),
                (ActionType::HttpWebhook, "unsubscribe") => Some(SiteKind::Unsubscribe),
                (ActionType::Select, "select")
                | (ActionType::Query, "where")
                | (ActionType::Table, "columns") => Some(SiteKind::Iteration),
                _ => None,
            }
        };
        self.push_sites_split(owner, value, at, &special);
    }

    fn push_sites_split(
        &mut self,
        owner: Owner,
        value: &'a Value,
        at: &Pointer,
        special: &dyn Fn(&str) -> Option<SiteKind>,
    ) {
        match value {
            Value::Object(map) if map.keys().any(|k| special(k).is_some()) => {
                for (key, v) in map {
                    let kind = special(key).unwrap_or(SiteKind::Plain);
                    self.sites.push(Site {
                        pointer: at.key(key),
                        value: v,
                        owner,
                        kind,
                    });
                }
            }
            _ => self.sites.push(Site {
                pointer: at.clone(),
                value,
                owner,
                kind: SiteKind::Plain,
            }),
        }
    }

    fn check_typed_inputs(
        &mut self,
        index: usize,
        t: ActionType,
        o: &'a Map<String, Value>,
        at: &Pointer,
        name: &'a str,
    ) {
        match t {
            ActionType::Http => self.check_http_request(o, at, name, true),
            ActionType::HttpWebhook => self.check_webhook_inputs(o, at, name),
            ActionType::Response => {
                if let Some(code) = o.get("statusCode") {
                    if !is_expression(code) {
                        let valid = code
                            .as_u64()
                            .or_else(|| code.as_str().and_then(|s| s.parse().ok()))
                            .is_some_and(|c| (100..=599).contains(&c));
                        if !valid {
                            self.error(
                                &at.key("statusCode"),
                                Some(name),
                                ErrorCode::InvalidInput,
                                "'statusCode' must be an HTTP status code between 100 and 599",
                            );
                        }
                    }
                }
                self.check_object_or_expression(o, "headers", at, name);
            }
            ActionType::Terminate => {
                if let Some(status) = o.get("runStatus") {
                    let ok = is_expression(status)
                        || status.as_str().is_some_and(|s| {
                            ["Failed", "Cancelled", "Succeeded"]
                                .iter()
                                .any(|v| v.eq_ignore_ascii_case(s))
                        });
                    if !ok {
                        self.error(
                            &at.key("runStatus"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'runStatus' must be Failed, Cancelled or Succeeded",
                        );
                    }
                }
                self.check_object_or_expression(o, "runError", at, name);
            }
            ActionType::Wait => self.check_wait(o, at, name),
            ActionType::InitializeVariable => self.check_initialize_variable(index, o, at, name),
            ActionType::SetVariable
            | ActionType::IncrementVariable
            | ActionType::DecrementVariable
            | ActionType::AppendToArrayVariable
            | ActionType::AppendToStringVariable => match o.get("name") {
                Some(Value::String(var)) if !is_expression(&Value::String(var.clone())) => {
                    self.variable_uses.push(VariableUse {
                        action: index,
                        pointer: at.key("name"),
                        name: var,
                        action_type: t,
                    });
                }
                Some(Value::String(_)) | None => {}
                Some(other) => self.error(
                    &at.key("name"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!("a variable name must be a string, not {}", json_type(other)),
                ),
            },
            ActionType::Table => {
                if let Some(format) = o.get("format") {
                    let ok = is_expression(format)
                        || format.as_str().is_some_and(|f| {
                            f.eq_ignore_ascii_case("HTML") || f.eq_ignore_ascii_case("CSV")
                        });
                    if !ok {
                        self.error(
                            &at.key("format"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'format' must be HTML or CSV",
                        );
                    }
                }
                if let Some(columns) = o.get("columns") {
                    if !columns.is_array() && !is_expression(columns) {
                        self.error(
                            &at.key("columns"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'columns' must be an array of {\"header\", \"value\"}",
                        );
                    }
                }
            }
            ActionType::Join => {
                if let Some(with) = o.get("joinWith") {
                    if !with.is_string() {
                        self.error(
                            &at.key("joinWith"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'joinWith' must be a string",
                        );
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn check_trigger_inputs(
        &mut self,
        t: TriggerType,
        obj: &'a Map<String, Value>,
        at: &Pointer,
        owner: Owner,
        name: &'a str,
    ) {
        let inputs_at = at.key("inputs");
        let inputs = obj.get("inputs");
        match (t, shape(inputs)) {
            (TriggerType::Http | TriggerType::HttpWebhook, InputsShape::Missing) => self.error(
                &inputs_at,
                Some(name),
                ErrorCode::MissingInput,
                format!(
                    "a {t} trigger needs 'inputs' with {}",
                    if t == TriggerType::Http {
                        "'method' and 'uri'"
                    } else {
                        "'subscribe'"
                    }
                ),
            ),
            (_, InputsShape::Other(v)) => self.error(
                &inputs_at,
                Some(name),
                ErrorCode::InvalidInput,
                format!(
                    "the inputs of a {t} trigger must be an object, not {}",
                    json_type(v)
                ),
            ),
            (TriggerType::Http, InputsShape::Object(o)) => {
                self.check_http_request(o, &inputs_at, name, true)
            }
            (TriggerType::HttpWebhook, InputsShape::Object(o)) => {
                self.check_webhook_inputs(o, &inputs_at, name)
            }
            (TriggerType::Request, InputsShape::Object(o)) => {
                if let Some(method) = o.get("method") {
                    if !method.is_string() {
                        self.error(
                            &inputs_at.key("method"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'method' must be a string",
                        );
                    }
                }
                self.check_string_property(o, "relativePath", &inputs_at, name);
                if let Some(schema) = o.get("schema") {
                    if !schema.is_object() && !schema.is_boolean() {
                        self.error(
                            &inputs_at.key("schema"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "'schema' must be a JSON Schema object",
                        );
                    }
                }
            }
            _ => {}
        }
        if let Some(value) = inputs {
            let special = |key: &str| -> Option<SiteKind> {
                match (t, key) {
                    (TriggerType::HttpWebhook, "subscribe") => Some(SiteKind::Subscribe),
                    (TriggerType::HttpWebhook, "unsubscribe") => Some(SiteKind::Unsubscribe),
                    _ => None,
                }
            };
            self.push_sites_split(owner, value, &inputs_at, &special);
        }
    }

    fn check_wait(&mut self, o: &Map<String, Value>, at: &Pointer, name: &str) {
        match (o.get("interval"), o.get("until")) {
            (Some(_), Some(_)) => self.error(
                &at.key("until"),
                Some(name),
                ErrorCode::InvalidInput,
                "a Wait action takes either 'interval' or 'until', not both",
            ),
            (None, None) => self.error(
                &at.key("interval"),
                Some(name),
                ErrorCode::MissingInput,
                "a Wait action needs 'interval' {count, unit} or 'until' {timestamp}",
            ),
            (Some(interval), None) => {
                let p = at.key("interval");
                if is_expression(interval) {
                    return;
                }
                let Some(i) = interval.as_object() else {
                    self.error(
                        &p,
                        Some(name),
                        ErrorCode::InvalidInput,
                        "'interval' must be {\"count\", \"unit\"}",
                    );
                    return;
                };
                match i.get("count") {
                    None => self.error(
                        &p.key("count"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "'interval' needs a 'count'",
                    ),
                    Some(c) if is_expression(c) || c.as_u64().is_some() => {}
                    Some(_) => self.error(
                        &p.key("count"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "'count' must be a non-negative integer",
                    ),
                }
                match i.get("unit") {
                    None => self.error(
                        &p.key("unit"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "'interval' needs a 'unit'",
                    ),
                    Some(u) if is_expression(u) => {}
                    Some(u) => {
                        let ok = u
                            .as_str()
                            .and_then(crate::model::RecurrenceFrequency::parse)
                            .is_some();
                        if !ok {
                            self.error(
                                &p.key("unit"),
                                Some(name),
                                ErrorCode::InvalidInput,
                                "'unit' must be Second, Minute, Hour, Day, Week or Month",
                            );
                        }
                    }
                }
            }
            (None, Some(until)) => {
                let p = at.key("until");
                if is_expression(until) {
                    return;
                }
                match until.as_object().and_then(|u| u.get("timestamp")) {
                    Some(Value::String(_)) => {}
                    Some(_) => self.error(
                        &p.key("timestamp"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "'timestamp' must be a string",
                    ),
                    None => self.error(
                        &p.key("timestamp"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "'until' needs a 'timestamp'",
                    ),
                }
            }
        }
    }

    fn check_switch_cases(&mut self, obj: &Map<String, Value>, at: &Pointer, name: &str) {
        let Some(cases) = obj.get("cases").and_then(Value::as_object) else {
            return;
        };
        let mut seen: Vec<&Value> = Vec::new();
        for (case_name, case) in cases {
            let p = at.key("cases").key(case_name);
            let Some(c) = case.as_object() else { continue };
            match c.get("case") {
                None => self.error(
                    &p.key("case"),
                    Some(name),
                    ErrorCode::MissingInput,
                    format!("switch case '{case_name}' needs a 'case' value"),
                ),
                Some(v) => {
                    if !(v.is_string() || v.is_number()) {
                        self.error(
                            &p.key("case"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "a case value must be a string or a number",
                        );
                    } else if is_expression(v) {
                        self.error(
                            &p.key("case"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            "a case value must be a constant, not an expression",
                        );
                    }
                    if seen.contains(&v) {
                        self.error(
                            &p.key("case"),
                            Some(name),
                            ErrorCode::DuplicateName,
                            format!("another case already matches {v}"),
                        );
                    }
                    seen.push(v);
                }
            }
        }
    }
}

fn describe(required: &[&str], t: ActionType) -> String {
    if t == ActionType::Wait {
        return "'interval' or 'until'".to_string();
    }
    required
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
