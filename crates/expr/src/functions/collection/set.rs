//! `union` and `intersection` of arrays (items compared as `equals` compares them, without
//! duplicates, in order of first appearance) or of objects (by property; the last
//! collection's value wins, as the docs say).

use super::super::logical::values_equal;
use super::super::{Args, FnError};
use crate::value::type_name;
use serde_json::{Map, Value};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Distinct values in order of insertion. Small sets are scanned; from
/// `HASHED_FROM` items on, a hash index keeps membership tests constant-time, so large
/// arrays do not make `union` quadratic.
#[derive(Default)]
struct ValueSet<'a> {
    items: Vec<&'a Value>,
    by_hash: Option<HashMap<u64, Vec<usize>>>,
}

/// Below this size a linear scan beats hashing every value.
const HASHED_FROM: usize = 32;

/// A hash consistent with [`values_equal`]: values it calls equal hash alike, so sets of
/// values (`union`, `intersection`) are built in linear time.
fn hash_value<H: Hasher>(value: &Value, state: &mut H) {
    match value {
        Value::Null => 0u8.hash(state),
        Value::Bool(b) => (1u8, b).hash(state),
        Value::Number(n) => {
            // Integers and floats that are equal must hash alike: hash every number as a
            // double (with -0.0 as 0.0); integers that share a double merely collide.
            let f = n.as_f64().unwrap_or(0.0);
            let f = if f == 0.0 { 0.0 } else { f };
            (2u8, f.to_bits()).hash(state);
        }
        Value::String(s) => (3u8, s).hash(state),
        Value::Array(items) => {
            (4u8, items.len()).hash(state);
            for item in items {
                hash_value(item, state);
            }
        }
        Value::Object(map) => {
            // Property order does not matter for equality, so combine the properties'
            // hashes with an order-independent sum.
            let sum = map.iter().fold(0u64, |sum, (key, value)| {
                let mut h = DefaultHasher::new();
                key.hash(&mut h);
                hash_value(value, &mut h);
                sum.wrapping_add(h.finish())
            });
            (5u8, map.len(), sum).hash(state);
        }
    }
}

fn hash_of(value: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    hash_value(value, &mut h);
    h.finish()
}

impl<'a> ValueSet<'a> {
    fn from_items(items: &'a [Value]) -> Self {
        let mut set = ValueSet::default();
        for item in items {
            set.insert(item);
        }
        set
    }

    fn contains(&self, value: &Value) -> bool {
        match &self.by_hash {
            None => self.items.iter().any(|v| values_equal(v, value)),
            Some(_) => self.contains_hashed(value, hash_of(value)),
        }
    }

    fn contains_hashed(&self, value: &Value, hash: u64) -> bool {
        let slots = self.by_hash.as_ref().and_then(|index| index.get(&hash));
        slots.is_some_and(|slots| {
            slots
                .iter()
                .any(|&slot| self.items.get(slot).is_some_and(|v| values_equal(v, value)))
        })
    }

    fn insert(&mut self, value: &'a Value) {
        if self.by_hash.is_none() {
            if !self.items.iter().any(|v| values_equal(v, value)) {
                self.items.push(value);
                if self.items.len() >= HASHED_FROM {
                    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
                    for (slot, item) in self.items.iter().enumerate() {
                        index.entry(hash_of(item)).or_default().push(slot);
                    }
                    self.by_hash = Some(index);
                }
            }
            return;
        }
        let hash = hash_of(value);
        if self.contains_hashed(value, hash) {
            return;
        }
        let slot = self.items.len();
        if let Some(index) = &mut self.by_hash {
            index.entry(hash).or_default().push(slot);
        }
        self.items.push(value);
    }

    fn into_value(self) -> Value {
        Value::Array(self.items.into_iter().cloned().collect())
    }
}

/// The arguments, all arrays or all objects (the kind of the first decides).
enum Collections<'a> {
    Arrays(Vec<&'a [Value]>),
    Objects(Vec<&'a Map<String, Value>>),
}

fn collections<'a>(args: &'a Args<'_>) -> Result<Collections<'a>, FnError> {
    let mismatch = |i: usize, expected: &str| {
        FnError::arg(
            i,
            format!(
                "expected {expected} like the first argument but the value is of type '{}'",
                type_name(args.get(i))
            ),
        )
    };
    match args.get(0) {
        Value::Array(_) => args
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_array()
                    .map(Vec::as_slice)
                    .ok_or_else(|| mismatch(i, "an array"))
            })
            .collect::<Result<_, _>>()
            .map(Collections::Arrays),
        Value::Object(_) => args
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_object().ok_or_else(|| mismatch(i, "an object")))
            .collect::<Result<_, _>>()
            .map(Collections::Objects),
        other => Err(FnError::arg(
            0,
            format!(
                "expected an array or an object but the value is of type '{}'",
                type_name(other)
            ),
        )),
    }
}

pub(super) fn union(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(match collections(args)? {
        Collections::Arrays(arrays) => {
            let mut set = ValueSet::default();
            for item in arrays.into_iter().flatten() {
                set.insert(item);
            }
            set.into_value()
        }
        Collections::Objects(objects) => {
            let mut merged = Map::new();
            for (key, value) in objects.into_iter().flatten() {
                merged.insert(key.clone(), value.clone());
            }
            Value::Object(merged)
        }
    })
}

pub(super) fn intersection(args: &Args<'_>) -> Result<Value, FnError> {
    Ok(match collections(args)? {
        Collections::Arrays(arrays) => {
            let Some((first, others)) = arrays.split_first() else {
                return Ok(Value::Array(Vec::new()));
            };
            let mut common = ValueSet::from_items(first).items;
            for other in others {
                let other = ValueSet::from_items(other);
                common.retain(|item| other.contains(item));
            }
            Value::Array(common.into_iter().cloned().collect())
        }
        Collections::Objects(objects) => {
            let Some((first, others)) = objects.split_first() else {
                return Ok(Value::Object(Map::new()));
            };
            let mut common = Map::new();
            for (key, value) in first.iter() {
                let in_all = others
                    .iter()
                    .all(|o| o.get(key).is_some_and(|v| values_equal(v, value)));
                if in_all {
                    let last = others.last().and_then(|o| o.get(key)).unwrap_or(value);
                    common.insert(key.clone(), last.clone());
                }
            }
            Value::Object(common)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_hash_alike() {
        let pairs = [
            (json!(1), json!(1.0)),
            (json!(0), json!(-0.0)),
            (json!({"a": 1, "b": [2]}), json!({"b": [2.0], "a": 1})),
            (json!(u64::MAX), json!(u64::MAX)),
        ];
        for (a, b) in pairs {
            assert!(values_equal(&a, &b), "{a} = {b}");
            assert_eq!(hash_of(&a), hash_of(&b), "{a} and {b}");
        }
    }
}
