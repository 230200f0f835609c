//! Required inputs per action and trigger type, outbound HTTP requests (authentication,
//! retry policy), and the variable actions.

use super::{is_expression, json_type, Owner, Site, SiteKind, Validator, Variable, VariableUse};
use crate::error::{ErrorCode, Pointer};
use crate::model::inputs::VariableType;
use crate::model::{ActionType, AuthenticationType, RetryPolicyType, TriggerType};
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

    fn check_webhook_inputs(&mut self, o: &'a Map<String, Value>, at: &Pointer, name: &'a str) {
        for (side, required) in [("subscribe", true), ("unsubscribe", false)] {
            let p = at.key(side);
            match o.get(side) {
                None if required => self.error(
                    &p,
                    Some(name),
                    ErrorCode::MissingInput,
                    "an HttpWebhook needs inputs.subscribe with 'method' and 'uri'",
                ),
                None => {}
                Some(v) if is_expression(v) => {}
                Some(Value::Object(request)) => {
                    self.check_http_request(request, &p, name, !required)
                }
                Some(other) => self.error(
                    &p,
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!(
                        "'{side}' must be an object describing an HTTP request, not {}",
                        json_type(other)
                    ),
                ),
            }
        }
        if let Some(kind) = o.get("accessKeyType") {
            let ok = kind.as_str().is_some_and(|k| {
                k.eq_ignore_ascii_case("Primary") || k.eq_ignore_ascii_case("Secondary")
            });
            if !ok && !is_expression(kind) {
                self.error(
                    &at.key("accessKeyType"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'accessKeyType' must be Primary or Secondary",
                );
            }
        }
    }

    /// An outbound request: `method` and `uri` (`url` is accepted for unsubscribe),
    /// headers, queries, authentication, retry policy.
    fn check_http_request(
        &mut self,
        o: &'a Map<String, Value>,
        at: &Pointer,
        name: &'a str,
        allow_url: bool,
    ) {
        let has_uri = o.contains_key("uri") || (allow_url && o.contains_key("url"));
        if !has_uri {
            self.error(
                &at.key("uri"),
                Some(name),
                ErrorCode::MissingInput,
                "the request needs a 'uri'",
            );
        }
        match o.get("method") {
            None => self.error(
                &at.key("method"),
                Some(name),
                ErrorCode::MissingInput,
                "the request needs a 'method'",
            ),
            Some(v) if is_expression(v) => {}
            Some(Value::String(m)) => {
                // Custom verbs are allowed, but they must look like a verb.
                let valid = !m.is_empty() && m.chars().all(|c| c.is_ascii_alphabetic());
                if !valid {
                    self.error(
                        &at.key("method"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!("'{m}' is not an HTTP method"),
                    );
                }
            }
            Some(other) => self.error(
                &at.key("method"),
                Some(name),
                ErrorCode::InvalidInput,
                format!("'method' must be a string, not {}", json_type(other)),
            ),
        }
        for key in ["uri", "url"] {
            if let Some(uri) = o.get(key) {
                if !uri.is_string() {
                    self.error(
                        &at.key(key),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!("'{key}' must be a string"),
                    );
                }
            }
        }
        self.check_object_or_expression(o, "headers", at, name);
        self.check_object_or_expression(o, "queries", at, name);
        if let Some(auth) = o.get("authentication") {
            self.check_authentication(auth, &at.key("authentication"), name);
        }
        if let Some(policy) = o.get("retryPolicy") {
            self.check_retry_policy(policy, &at.key("retryPolicy"), name);
        }
    }

    fn check_object_or_expression(
        &mut self,
        o: &Map<String, Value>,
        key: &str,
        at: &Pointer,
        name: &str,
    ) {
        if let Some(v) = o.get(key) {
            if !v.is_object() && !is_expression(v) {
                self.error(
                    &at.key(key),
                    Some(name),
                    ErrorCode::InvalidInput,
                    format!("'{key}' must be an object, not {}", json_type(v)),
                );
            }
        }
    }

    fn check_authentication(&mut self, auth: &Value, at: &Pointer, name: &str) {
        if is_expression(auth) {
            return;
        }
        let Some(obj) = auth.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'authentication' must be an object with a 'type'",
            );
            return;
        };
        if obj.is_empty() {
            // The designer writes `"authentication": {}` for "none".
            return;
        }
        let Some(type_value) = obj.get("type") else {
            self.error(
                &at.key("type"),
                Some(name),
                ErrorCode::MissingInput,
                "'authentication' needs a 'type'",
            );
            return;
        };
        if is_expression(type_value) {
            return;
        }
        let Some(t) = type_value.as_str().and_then(AuthenticationType::parse) else {
            self.error(
                &at.key("type"),
                Some(name),
                ErrorCode::UnsupportedAuthentication,
                format!(
                    "authentication type {type_value} is not supported; use Basic, Raw, ClientCertificate or ActiveDirectoryOAuth"
                ),
            );
            return;
        };
        let has = |k: &str| obj.get(k).is_some_and(|v| !v.is_null());
        let require = |this: &mut Self, keys: &[&str]| {
            for key in keys {
                if !has(key) {
                    this.error(
                        &at.key(key),
                        Some(name),
                        ErrorCode::MissingInput,
                        format!("{t} authentication needs '{key}'"),
                    );
                }
            }
        };
        match t {
            AuthenticationType::ManagedServiceIdentity => self.error(
                &at.key("type"),
                Some(name),
                ErrorCode::UnsupportedAuthentication,
                "ManagedServiceIdentity authentication is not supported by hookflow (there is no Azure identity endpoint); use ActiveDirectoryOAuth with a client secret or certificate",
            ),
            AuthenticationType::Basic => require(self, &["username", "password"]),
            AuthenticationType::Raw => require(self, &["value"]),
            AuthenticationType::ClientCertificate => {
                let pem = has("certificate") && has("privateKey");
                if !has("pfx") && !pem {
                    self.error(
                        &at.key("pfx"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "ClientCertificate authentication needs 'pfx' (base64, with 'password') or PEM 'certificate' and 'privateKey'",
                    );
                }
            }
            AuthenticationType::ActiveDirectoryOAuth => {
                require(self, &["tenant", "audience", "clientId"]);
                if !has("secret") && !has("pfx") {
                    self.error(
                        &at.key("secret"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "ActiveDirectoryOAuth authentication needs a 'secret' or a 'pfx' certificate",
                    );
                }
            }
        }
    }

    fn check_retry_policy(&mut self, policy: &Value, at: &Pointer, name: &str) {
        if is_expression(policy) {
            return;
        }
        let Some(obj) = policy.as_object() else {
            self.error(
                at,
                Some(name),
                ErrorCode::InvalidInput,
                "'retryPolicy' must be an object with a 'type'",
            );
            return;
        };
        let t = match obj.get("type") {
            None => {
                self.error(
                    &at.key("type"),
                    Some(name),
                    ErrorCode::MissingInput,
                    "'retryPolicy' needs a 'type'",
                );
                return;
            }
            Some(v) => {
                match v.as_str().and_then(RetryPolicyType::parse) {
                    Some(t) => t,
                    None => {
                        self.error(
                        &at.key("type"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!("retry policy type {v} is not one of default, none, fixed, exponential"),
                    );
                        return;
                    }
                }
            }
        };
        let counted = matches!(t, RetryPolicyType::Fixed | RetryPolicyType::Exponential);
        match obj.get("count") {
            None if counted => self.error(
                &at.key("count"),
                Some(name),
                ErrorCode::MissingInput,
                format!("a {t} retry policy needs a 'count'"),
            ),
            None => {}
            Some(c) => match c.as_u64() {
                Some(n) if (1..=90).contains(&n) => {}
                Some(n) => self.error(
                    &at.key("count"),
                    Some(name),
                    ErrorCode::LimitExceeded,
                    format!("a retry count must be between 1 and 90, not {n}"),
                ),
                None => self.error(
                    &at.key("count"),
                    Some(name),
                    ErrorCode::InvalidInput,
                    "'count' must be an integer between 1 and 90",
                ),
            },
        }
        match obj.get("interval") {
            None if counted => self.error(
                &at.key("interval"),
                Some(name),
                ErrorCode::MissingInput,
                format!("a {t} retry policy needs an 'interval' (ISO 8601, PT5S..P1D)"),
            ),
            None => {}
            Some(v) => {
                self.check_duration(v, &at.key("interval"), name, Some(("PT5S", "P1D")));
            }
        }
        for key in ["minimumInterval", "maximumInterval"] {
            if let Some(v) = obj.get(key) {
                self.check_duration(v, &at.key(key), name, Some(("PT5S", "P1D")));
            }
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

    fn check_initialize_variable(
        &mut self,
        index: usize,
        o: &'a Map<String, Value>,
        at: &Pointer,
        name: &'a str,
    ) {
        let top_level = self.actions.get(index).is_some_and(|n| n.parent.is_none());
        if !top_level {
            let pointer = self
                .actions
                .get(index)
                .map(|n| n.pointer.clone())
                .unwrap_or_default();
            self.error(
                &pointer,
                Some(name),
                ErrorCode::InvalidInput,
                "InitializeVariable is only allowed at the top level of the workflow, not inside a scope, condition or loop",
            );
        }
        let p = at.key("variables");
        let Some(variables) = o.get("variables") else {
            return;
        };
        let Some(items) = variables.as_array() else {
            self.error(
                &p,
                Some(name),
                ErrorCode::InvalidInput,
                "'variables' must be an array with one variable",
            );
            return;
        };
        if items.len() != 1 {
            self.error(
                &p,
                Some(name),
                ErrorCode::InvalidInput,
                format!(
                    "an InitializeVariable action declares exactly one variable, not {}",
                    items.len()
                ),
            );
        }
        for (i, item) in items.iter().enumerate() {
            let vp = p.index(i);
            let Some(var) = item.as_object() else {
                self.error(
                    &vp,
                    Some(name),
                    ErrorCode::InvalidInput,
                    "a variable must be an object with 'name' and 'type'",
                );
                continue;
            };
            let var_name = match var.get("name") {
                Some(Value::String(n)) if !n.is_empty() => Some(n.as_str()),
                Some(_) => {
                    self.error(
                        &vp.key("name"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "a variable's 'name' must be a non-empty string",
                    );
                    None
                }
                None => {
                    self.error(
                        &vp.key("name"),
                        Some(name),
                        ErrorCode::MissingInput,
                        "a variable needs a 'name'",
                    );
                    None
                }
            };
            let var_type = match var.get("type") {
                Some(Value::String(t)) => {
                    let parsed = VariableType::parse(t);
                    if parsed.is_none() {
                        self.error(
                            &vp.key("type"),
                            Some(name),
                            ErrorCode::InvalidInput,
                            format!("variable type '{t}' is not one of Integer, Float, Boolean, String, Array, Object"),
                        );
                    }
                    parsed
                }
                Some(_) => {
                    self.error(
                        &vp.key("type"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        "a variable's 'type' must be a string",
                    );
                    None
                }
                None => {
                    self.error(
                        &vp.key("type"),
                        Some(name),
                        ErrorCode::MissingType,
                        "a variable needs a 'type'",
                    );
                    None
                }
            };
            if let (Some(t), Some(value)) = (var_type, var.get("value")) {
                if !value.is_null() && !is_expression(value) && !t.accepts(value) {
                    self.error(
                        &vp.key("value"),
                        Some(name),
                        ErrorCode::InvalidInput,
                        format!(
                            "the initial value is {}, which is not a {t}",
                            json_type(value)
                        ),
                    );
                }
            }
            if let Some(var_name) = var_name {
                let previous = self.variables.insert(
                    var_name.to_lowercase(),
                    Variable {
                        name: var_name,
                        variable_type: var_type,
                    },
                );
                if let Some(previous) = previous {
                    self.error(
                        &vp.key("name"),
                        Some(name),
                        ErrorCode::DuplicateName,
                        format!("variable '{}' is already initialized by another action (names ignore case)", previous.name),
                    );
                }
            }
        }
    }

    /// Variable actions must name a declared variable of a fitting type.
    pub(super) fn check_variable_uses(&mut self) {
        let uses = std::mem::take(&mut self.variable_uses);
        for usage in &uses {
            let action = self.actions.get(usage.action).map(|n| n.name);
            let declared = self
                .variables
                .get(&usage.name.to_lowercase())
                .map(|v| v.variable_type);
            let Some(declared) = declared else {
                self.error(
                    &usage.pointer,
                    action,
                    ErrorCode::UnknownVariable,
                    format!(
                        "no InitializeVariable action declares a variable named '{}'",
                        usage.name
                    ),
                );
                continue;
            };
            let fits = match (usage.action_type, declared) {
                (_, None) => true,
                (ActionType::IncrementVariable | ActionType::DecrementVariable, Some(t)) => {
                    matches!(t, VariableType::Integer | VariableType::Float)
                }
                (ActionType::AppendToArrayVariable, Some(t)) => t == VariableType::Array,
                (ActionType::AppendToStringVariable, Some(t)) => t == VariableType::String,
                _ => true,
            };
            if !fits {
                self.error(
                    &usage.pointer,
                    action,
                    ErrorCode::InvalidInput,
                    format!(
                        "a {} action cannot change variable '{}' of type {}",
                        usage.action_type,
                        usage.name,
                        declared.map_or("unknown", |t| t.as_str())
                    ),
                );
            }
        }
        self.variable_uses = uses;
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
