//! Action instance keys: an action's name plus the iteration indexes of the loops around it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// One instance of an action: `Inner` at the top level or in a Scope/If/Switch,
/// `Inner[3]` in iteration 3 of its loop, `Inner[3,0]` in iteration 0 of an inner loop
/// that runs in iteration 3 of an outer one.
///
/// Serialised as that string, so journals and callback URLs can carry it as is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionKey {
    name: String,
    indexes: Vec<usize>,
}

impl ActionKey {
    pub fn new(name: impl Into<String>, indexes: &[usize]) -> ActionKey {
        ActionKey {
            name: name.into(),
            indexes: indexes.to_vec(),
        }
    }

    /// The action's name as written in the definition.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The iteration index of each enclosing loop, outermost first.
    pub fn indexes(&self) -> &[usize] {
        &self.indexes
    }
}

impl fmt::Display for ActionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.indexes.is_empty() {
            let parts: Vec<String> = self.indexes.iter().map(usize::to_string).collect();
            write!(f, "[{}]", parts.join(","))?;
        }
        Ok(())
    }
}

/// A string that is not `Name` or `Name[i,j,…]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an action key (expected Name or Name[1,2])")]
pub struct ParseKeyError(String);

impl FromStr for ActionKey {
    type Err = ParseKeyError;

    fn from_str(s: &str) -> Result<ActionKey, ParseKeyError> {
        let err = || ParseKeyError(s.chars().take(200).collect());
        // Action names may contain '[' themselves; only a trailing `[digits,…]` is indexes.
        if let Some(body) = s.strip_suffix(']') {
            if let Some(open) = body.rfind('[') {
                let list = &body[open + 1..];
                let parsed: Result<Vec<usize>, _> = list.split(',').map(str::parse).collect();
                if let Ok(indexes) = parsed {
                    if open == 0 {
                        return Err(err());
                    }
                    return Ok(ActionKey {
                        name: body[..open].to_string(),
                        indexes,
                    });
                }
            }
        }
        if s.is_empty() {
            return Err(err());
        }
        Ok(ActionKey::new(s, &[]))
    }
}

impl Serialize for ActionKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ActionKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A durable timer's id, chosen by the engine so that a duplicate `TimerFired` is
/// recognisable: `retry:Http[2]:3`, `timeout:Webhook`, `run-timeout`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimerId(pub String);

impl fmt::Display for TimerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
