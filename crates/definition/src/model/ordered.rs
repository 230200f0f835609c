//! Key-order preservation for derived serde structs.

use serde::de::{DeserializeOwned, Error as _};
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::ops::{Deref, DerefMut};

/// A JSON object read into `T` that remembers the order of its keys, so that writing it
/// back puts the properties where they were. Keys that `T` adds (after an edit) go last.
/// Derefs to `T`.
#[derive(Debug, Clone, Default)]
pub struct Ordered<T> {
    value: T,
    keys: Vec<String>,
}

impl<T> Ordered<T> {
    /// Wraps a value built in code; its keys serialise in `T`'s own order.
    pub fn new(value: T) -> Self {
        Ordered {
            value,
            keys: Vec::new(),
        }
    }

    pub fn into_inner(self) -> T {
        self.value
    }

    /// The keys in the order the source document had them.
    pub fn source_keys(&self) -> &[String] {
        &self.keys
    }
}

/// Two values are equal when their contents are; key order is presentation.
impl<T: PartialEq> PartialEq for Ordered<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T> Deref for Ordered<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for Ordered<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T> From<T> for Ordered<T> {
    fn from(value: T) -> Self {
        Ordered::new(value)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Map::<String, Value>::deserialize(deserializer)?;
        let keys = map.keys().cloned().collect();
        let value = T::deserialize(Value::Object(map)).map_err(D::Error::custom)?;
        Ok(Ordered { value, keys })
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(&self.value).map_err(S::Error::custom)?;
        match value {
            Value::Object(mut map) if !self.keys.is_empty() => {
                let mut out = Map::with_capacity(map.len());
                for key in &self.keys {
                    if let Some((k, v)) = map.shift_remove_entry(key) {
                        out.insert(k, v);
                    }
                }
                out.extend(map);
                out.serialize(serializer)
            }
            other => other.serialize(serializer),
        }
    }
}
