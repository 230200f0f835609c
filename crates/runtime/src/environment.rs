//! What the driver injects into every decision: randomness (GUIDs, run ids, access keys,
//! `rand()`) and the [`RunEnvironment`] the engine reads time, ids and callback URLs from.
//!
//! The clock is [`crate::clock::Clock`]; tests use [`crate::clock::ManualClock`], so timers
//! come due when a test says so. Everything the engine draws from here is journaled, so a
//! replay never asks again.

use crate::clock::Clock;
use crate::signing::{mint_action_url, AccessKey, ActionUrlParams};
use chrono::{DateTime, Utc};
use hookflow_engine::{ActionKey, EngineConfig, Environment};
use std::fmt;
use std::sync::Mutex;

/// Where the runtime draws random numbers.
pub trait Randomness: Send + Sync + fmt::Debug {
    /// 128 uniformly random bits.
    fn next_u128(&self) -> u128;
}

/// The operating system's secure random source.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandomness;

impl Randomness for OsRandomness {
    fn next_u128(&self) -> u128 {
        let mut bytes = [0u8; 16];
        // The OS source failing is unrecoverable for key generation anyway; fall back to
        // uuid's own source rather than panic in a run.
        if getrandom::fill(&mut bytes).is_err() {
            return uuid::Uuid::new_v4().as_u128();
        }
        u128::from_le_bytes(bytes)
    }
}

/// A reproducible sequence (splitmix64) for tests: the same seed gives the same ids.
#[derive(Debug)]
pub struct SeededRandomness {
    state: Mutex<u64>,
}

impl SeededRandomness {
    pub fn new(seed: u64) -> SeededRandomness {
        SeededRandomness {
            state: Mutex::new(seed),
        }
    }

    fn next_u64(&self) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Randomness for SeededRandomness {
    fn next_u128(&self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }
}

/// The clock's time as the engine and the store want it.
pub(crate) fn utc_now(clock: &dyn Clock) -> DateTime<Utc> {
    DateTime::<Utc>::from(clock.now())
}

/// The engine's view of the world for one decision about one run. `now` is read once per
/// decision, so every `utcNow()` in it agrees.
pub(crate) struct RunEnvironment<'a> {
    pub now: DateTime<Utc>,
    pub random: &'a dyn Randomness,
    pub public_base: &'a str,
    pub workflow: &'a str,
    pub run: &'a str,
    /// The primary access key; `None` only for trigger evaluation, which mints no URLs.
    pub key: Option<&'a AccessKey>,
    pub config: &'a EngineConfig,
}

impl Environment for RunEnvironment<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.now
    }

    fn new_guid(&self) -> uuid::Uuid {
        uuid::Builder::from_random_bytes(self.random.next_u128().to_le_bytes()).into_uuid()
    }

    fn random_int(&self, min: i64, max: i64) -> i64 {
        let span = max.abs_diff(min).max(1);
        let offset = (self.random.next_u128() % u128::from(span)) as u64;
        min.wrapping_add_unsigned(offset)
    }

    fn callback_url(&self, key: &ActionKey) -> String {
        let Some(access_key) = self.key else {
            return String::new();
        };
        let action = key.to_string();
        mint_action_url(&ActionUrlParams {
            public_base: self.public_base,
            workflow: self.workflow,
            run: self.run,
            action: &action,
            key: access_key,
        })
        .value
    }

    fn config(&self) -> EngineConfig {
        self.config.clone()
    }
}
