//! Identifiers. Each is a newtype so a run id cannot be passed where a timer id is meant;
//! the string forms are what the API shows and the database stores.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Accepts any non-empty string of at most 256 characters.
            pub fn new(value: impl Into<String>) -> Result<Self> {
                let value = value.into();
                if value.is_empty() || value.chars().count() > 256 {
                    return Err(Error::invalid($what, "must be 1 to 256 characters"));
                }
                Ok(Self(value))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// A trigger's name in a definition.
    TriggerName,
    "trigger name"
);
string_id!(
    /// A durable timer's id, chosen by the runtime and unique within its run.
    TimerId,
    "timer id"
);
string_id!(
    /// A webhook ledger entry's id, chosen by the runtime (deterministic from what it
    /// records, so a replayed request finds its earlier entry instead of adding one).
    LedgerId,
    "ledger id"
);
string_id!(
    /// A trigger history's name: the run id for histories that fired a run.
    HistoryId,
    "history id"
);
string_id!(
    /// The node (process) that holds leases, e.g. `host:pid:start`.
    LeaseOwner,
    "lease owner"
);

impl From<RunId> for HistoryId {
    fn from(run: RunId) -> Self {
        HistoryId(run.0)
    }
}

/// A workflow's name: 1 to 80 letters, digits, `-`, `_`, `.`, `(` or `)` (as Logic Apps).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkflowName(String);

impl WorkflowName {
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.()".contains(c);
        if value.is_empty() || value.len() > 80 || !value.chars().all(allowed) {
            return Err(Error::invalid(
                "workflow name",
                format!("'{value}' must be 1 to 80 letters, digits, '-', '_', '.', '(' or ')'"),
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkflowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A saved version of a workflow. Numbered 1, 2, 3… per workflow by the store, so versions
/// order by number; the API shows the number as an opaque string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionId(pub u64);

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:020}", self.0)
    }
}

impl VersionId {
    pub fn parse(value: &str) -> Result<Self> {
        value
            .parse::<u64>()
            .map(VersionId)
            .map_err(|_| Error::invalid("version id", format!("'{value}' is not a version")))
    }
}

/// A callback inbox item's id, assigned by the store on acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallbackId(pub u64);

impl fmt::Display for CallbackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A run's id: 26 characters, ULID layout (48-bit milliseconds then 80 random bits in
/// Crockford base32), so ids sort by creation time and reveal nothing else. Ids from
/// elsewhere (tests, imports) are accepted if they are 1 to 64 ASCII letters or digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunId(String);

impl RunId {
    /// A fresh id for a run started at `at`; randomness from the OS.
    pub fn generate(at: DateTime<Utc>) -> Self {
        let entropy = uuid::Uuid::new_v4().as_u128();
        let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
        Self::from_parts(millis, entropy)
    }

    /// The id for these parts; the same parts always give the same id.
    pub fn from_parts(millis: u64, entropy: u128) -> Self {
        let value: u128 =
            (u128::from(millis & 0xFFFF_FFFF_FFFF) << 80) | (entropy & ((1u128 << 80) - 1));
        let mut out = String::with_capacity(26);
        for i in (0..26).rev() {
            let digit = ((value >> (i * 5)) & 0x1F) as usize;
            out.push(char::from(CROCKFORD[digit]));
        }
        RunId(out)
    }

    pub fn parse(value: &str) -> Result<Self> {
        if value.is_empty() || value.len() > 64 || !value.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(Error::invalid(
                "run id",
                format!("'{value}' must be 1 to 64 ASCII letters or digits"),
            ));
        }
        Ok(RunId(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One iteration path of the loops around an action: `[3, 1]` is the second iteration of
/// an inner loop within the fourth of an outer one. Empty outside loops.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Repetition(pub Vec<u32>);

impl Repetition {
    /// The Logic Apps repetition name, `000003-000001`; empty outside loops. Zero-padded
    /// so names sort as the indexes do (loops are limited to 100 000 iterations).
    pub fn name(&self) -> String {
        self.0
            .iter()
            .map(|i| format!("{i:06}"))
            .collect::<Vec<_>>()
            .join("-")
    }

    pub fn parse(name: &str) -> Result<Self> {
        if name.is_empty() {
            return Ok(Repetition::default());
        }
        name.split('-')
            .map(|part| part.parse::<u32>())
            .collect::<Result<Vec<_>, _>>()
            .map(Repetition)
            .map_err(|_| Error::invalid("repetition", format!("'{name}' is not a repetition")))
    }
}

/// An action instance: its name (unique in a definition) and the loop iteration it ran in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionKey {
    pub name: String,
    pub repetition: Repetition,
}

impl ActionKey {
    pub fn new(name: impl Into<String>) -> Self {
        ActionKey {
            name: name.into(),
            repetition: Repetition::default(),
        }
    }

    pub fn in_repetition(name: impl Into<String>, repetition: Vec<u32>) -> Self {
        ActionKey {
            name: name.into(),
            repetition: Repetition(repetition),
        }
    }
}

impl fmt::Display for ActionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.repetition.0.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}@{}", self.name, self.repetition.name())
        }
    }
}
