//! `runtimeConfiguration.secureData`: which inputs and outputs run history must hide, for
//! every trigger and action, decided once when the definition is checked (reference §9.5).
//!
//! - A trigger or action hides what its own `secureData.properties` names.
//! - Compose, Parse JSON and Response only offer secure inputs, which hide their outputs
//!   too (their outputs are their inputs, or made from them).
//! - An action whose expressions read outputs that are secured by their own setting (the
//!   trigger's, or an action's by name) hides its inputs as well; its own setting is not
//!   switched on, so nothing cascades further from it. `actions()` and `result()` return
//!   inputs as well as outputs, so reading an action with either secured, or a scope with
//!   such an action directly inside, counts too (hiding more than Logic Apps says, never
//!   less).

use crate::checked::{ActionTree, CheckedTrigger, ValueTemplate};
use crate::model::ActionType;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether run history hides a trigger's or an action's inputs and outputs (also what
/// the engine's action events carry, serialised only when something is hidden).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Secured {
    #[serde(default, skip_serializing_if = "is_false")]
    pub inputs: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub outputs: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Functions that read the trigger's outputs.
const TRIGGER_READS: &[&str] = &[
    "trigger",
    "triggerBody",
    "triggerOutputs",
    "triggerFormDataValue",
    "triggerFormDataMultiValues",
    "triggerMultipartBody",
];

/// Functions that read the outputs of the action their first argument names.
const OUTPUT_READS: &[&str] = &[
    "body",
    "outputs",
    "formDataValue",
    "formDataMultiValues",
    "multipartBody",
];

/// Reads the inputs and outputs of the action its first argument names.
const RECORD_READ: &str = "actions";

/// Reads the inputs and outputs of the actions directly inside the scope its first
/// argument names.
const SCOPE_READ: &str = "result";

impl Secured {
    /// Nothing hidden.
    pub fn is_plain(&self) -> bool {
        !self.inputs && !self.outputs
    }

    /// What `runtimeConfiguration.secureData.properties` names, as written (names ignore
    /// case; anything that is not a list of names hides nothing).
    pub(crate) fn declared(runtime_configuration: Option<&Value>) -> Secured {
        let names = runtime_configuration
            .and_then(|c| c.get("secureData"))
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_array);
        let has = |name: &str| {
            names
                .into_iter()
                .flatten()
                .any(|p| p.as_str().is_some_and(|p| p.eq_ignore_ascii_case(name)))
        };
        Secured {
            inputs: has("inputs"),
            outputs: has("outputs"),
        }
    }

    /// Secure inputs of an action whose outputs are its inputs hide those outputs too.
    fn with_outputs_of_inputs(self, action_type: ActionType) -> Secured {
        let echoes_inputs = matches!(
            action_type,
            ActionType::Compose | ActionType::ParseJson | ActionType::Response
        );
        Secured {
            outputs: self.outputs || (self.inputs && echoes_inputs),
            ..self
        }
    }
}

/// Completes every action's flags once all are declared: the implied outputs of secure
/// inputs, and inputs that read outputs secured by their own setting.
pub(crate) fn propagate(triggers: &[CheckedTrigger], tree: &mut ActionTree) {
    let trigger_secured = triggers.iter().any(|t| t.secure.outputs);
    let declared: Vec<Secured> = tree.iter().map(|a| a.secure).collect();
    let reads_secured = |template: &ValueTemplate| {
        let mut found = false;
        visit_calls(template, &mut |name, first_argument| {
            let named = first_argument.and_then(|n| tree.find(n));
            found |= (trigger_secured && TRIGGER_READS.contains(&name))
                || named.is_some_and(|a| match name {
                    RECORD_READ => !declared[a.id.0].is_plain(),
                    SCOPE_READ => a
                        .branches
                        .iter()
                        .flat_map(|(_, ids)| ids)
                        .any(|id| !declared[id.0].is_plain()),
                    _ => OUTPUT_READS.contains(&name) && declared[a.id.0].outputs,
                });
        });
        found
    };
    let reading: Vec<bool> = tree
        .iter()
        .map(|a| {
            [&a.inputs, &a.expression, &a.foreach]
                .into_iter()
                .flatten()
                .any(reads_secured)
        })
        .collect();
    for (action, reads) in tree.nodes_mut().zip(reading) {
        action.secure.inputs |= reads;
        action.secure = action.secure.with_outputs_of_inputs(action.action_type);
    }
}

/// Calls `visit` with each function call's name and literal first argument, if any.
fn visit_calls(template: &ValueTemplate, visit: &mut dyn FnMut(&str, Option<&str>)) {
    match template {
        ValueTemplate::Static(_) => {}
        ValueTemplate::Template(t) => t.visit_calls(&mut |call| {
            visit(
                call.name,
                call.args.first().and_then(|a| a.as_str_literal()),
            )
        }),
        ValueTemplate::Array(items) => items.iter().for_each(|i| visit_calls(i, visit)),
        ValueTemplate::Object(entries) => entries.iter().for_each(|(_, v)| visit_calls(v, visit)),
    }
}
