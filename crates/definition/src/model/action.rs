//! Actions: the common shape, the control-flow parts (If, Switch, Foreach, Until, Scope)
//! and the `runAfter` statuses.

use super::settings::{Limit, RuntimeConfiguration};
use super::Ordered;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A map of actions by name, in document order.
pub type Actions = IndexMap<String, Ordered<Action>>;

/// One action. Which properties matter depends on [`Action::action_type`]: control actions
/// use `expression`, `actions`, `else`, `cases`, `default`, `foreach`; the others `inputs`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Value>,
    /// Predecessor name → accepted statuses, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_after: Option<IndexMap<String, Vec<String>>>,
    /// If / Switch / Until: the condition or switch value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<Value>,
    /// If (true branch), Foreach, Until, Scope: the nested actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Actions>,
    /// If: the false branch.
    #[serde(rename = "else", default, skip_serializing_if = "Option::is_none")]
    pub else_branch: Option<Ordered<Branch>>,
    /// Switch: the cases by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cases: Option<IndexMap<String, Ordered<SwitchCase>>>,
    /// Switch: the default branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Ordered<Branch>>,
    /// Foreach: the array to iterate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreach: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Ordered<Limit>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_configuration: Option<Ordered<RuntimeConfiguration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_options: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracked_properties: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Action {
    pub fn action_type(&self) -> Option<ActionType> {
        ActionType::parse(&self.type_name)
    }

    /// The comma-separated `operationOptions`, trimmed.
    pub fn operation_options(&self) -> Vec<&str> {
        split_options(self.operation_options.as_deref())
    }

    /// The `runAfter` entries with their statuses read (unknown spellings dropped; the
    /// validator reports them).
    pub fn run_after_statuses(&self) -> Vec<(&str, Vec<RunAfterStatus>)> {
        self.run_after
            .iter()
            .flatten()
            .map(|(name, statuses)| {
                let statuses = statuses
                    .iter()
                    .filter_map(|s| RunAfterStatus::parse(s))
                    .collect();
                (name.as_str(), statuses)
            })
            .collect()
    }
}

pub(crate) fn split_options(options: Option<&str>) -> Vec<&str> {
    options
        .map(|o| {
            o.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// An If `else` or a Switch `default`: `{ "actions": { … } }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Branch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Actions>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A Switch case: `{ "case": <value>, "actions": { … } }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SwitchCase {
    #[serde(default)]
    pub case: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Actions>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

macro_rules! names_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),* }

        impl $name {
            /// Every value, in catalogue order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// Reads a name, ignoring ASCII case.
            pub fn parse(name: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(name))
            }

            /// The canonical spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use names_enum;

names_enum! {
    /// The action types hookflow runs.
    ActionType {
        Compose = "Compose",
        Http = "Http",
        HttpWebhook = "HttpWebhook",
        Response = "Response",
        If = "If",
        Switch = "Switch",
        Foreach = "Foreach",
        Until = "Until",
        Scope = "Scope",
        Terminate = "Terminate",
        Wait = "Wait",
        InitializeVariable = "InitializeVariable",
        SetVariable = "SetVariable",
        IncrementVariable = "IncrementVariable",
        DecrementVariable = "DecrementVariable",
        AppendToArrayVariable = "AppendToArrayVariable",
        AppendToStringVariable = "AppendToStringVariable",
        ParseJson = "ParseJson",
        Query = "Query",
        Select = "Select",
        Join = "Join",
        Table = "Table",
    }
}

impl ActionType {
    /// Actions that hold other actions.
    pub fn is_container(self) -> bool {
        matches!(
            self,
            ActionType::If
                | ActionType::Switch
                | ActionType::Foreach
                | ActionType::Until
                | ActionType::Scope
        )
    }

    /// Loops: `Response` and `Terminate` may not be inside one.
    pub fn is_loop(self) -> bool {
        matches!(self, ActionType::Foreach | ActionType::Until)
    }
}

names_enum! {
    /// The predecessor statuses `runAfter` may wait for.
    RunAfterStatus {
        Succeeded = "Succeeded",
        Failed = "Failed",
        Skipped = "Skipped",
        TimedOut = "TimedOut",
    }
}
