//! The scenario builder and the fake environment.

use chrono::{DateTime, Utc};
use hookflow_definition::{validate_document, CheckedDefinition};
use hookflow_engine::{
    decide_with_state, ActionKey, Decision, Effect, EngineConfig, Environment, Event, FailureKind,
    HttpOutcome, Input, RunState, Status, TimerId, TriggerRecord, WorkflowRef,
};
use serde_json::{json, Map, Value};
use std::cell::Cell;

/// A clock that moves only when told, GUIDs from a counter, `rand` = the lower bound.
#[derive(Debug)]
pub struct FakeEnv {
    pub now: Cell<DateTime<Utc>>,
    guid: Cell<u128>,
    pub config: EngineConfig,
}

impl FakeEnv {
    pub fn new() -> FakeEnv {
        FakeEnv {
            now: Cell::new(
                DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
                    .expect("timestamp")
                    .with_timezone(&Utc),
            ),
            guid: Cell::new(1),
            config: EngineConfig::default(),
        }
    }
}

impl Environment for FakeEnv {
    fn now(&self) -> DateTime<Utc> {
        self.now.get()
    }
    fn new_guid(&self) -> uuid::Uuid {
        let n = self.guid.get();
        self.guid.set(n + 1);
        uuid::Uuid::from_u128(n)
    }
    fn random_int(&self, min: i64, _max: i64) -> i64 {
        min
    }
    fn callback_url(&self, key: &ActionKey) -> String {
        format!("https://hookflow.test/runs/r1/actions/{key}/run?sig=x")
    }
    fn config(&self) -> EngineConfig {
        self.config.clone()
    }
}

/// A definition with a Request trigger named `manual` and these actions.
pub fn with_actions(actions: Value) -> Value {
    json!({
        "definition": {
            "$schema": "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#",
            "triggers": { "manual": { "type": "Request", "kind": "Http" } },
            "actions": actions
        }
    })
}

#[derive(Debug)]
pub struct Scenario {
    pub def: CheckedDefinition,
    pub env: FakeEnv,
    pub state: RunState,
    pub journal: Vec<Event>,
    pub last: Option<Decision>,
    pub all_effects: Vec<Effect>,
}

impl Scenario {
    pub fn new(document: Value) -> Scenario {
        let def = match validate_document(&document) {
            Ok(d) => d,
            Err(errors) => panic!("invalid test definition: {errors:#?}"),
        };
        Scenario {
            def,
            env: FakeEnv::new(),
            state: RunState::new(),
            journal: Vec::new(),
            last: None,
            all_effects: Vec::new(),
        }
    }

    pub fn actions(actions: Value) -> Scenario {
        Scenario::new(with_actions(actions))
    }

    pub fn try_input(&mut self, input: Input) -> Result<&Decision, hookflow_engine::EngineError> {
        let (decision, built) = decide_with_state(&self.state, &self.def, input, &self.env)?;
        for event in &decision.events {
            self.state.apply(event);
        }
        // Every scenario checks that the state the engine built while deciding is the fold
        // of the events it returned (what the driver keeps relies on it, and replay too).
        if let Some(built) = built {
            assert_eq!(
                built, self.state,
                "decided state differs from the folded events"
            );
        }
        self.journal.extend(decision.events.iter().cloned());
        self.all_effects.extend(decision.effects.iter().cloned());
        self.last = Some(decision);
        Ok(self.last.as_ref().expect("just set"))
    }

    pub fn input(&mut self, input: Input) -> &mut Scenario {
        if let Err(e) = self.try_input(input) {
            panic!("decide failed: {e}");
        }
        self
    }

    pub fn start(&mut self, body: Value) -> &mut Scenario {
        let trigger = TriggerRecord {
            name: "manual".into(),
            outputs: json!({ "headers": {}, "body": body }),
            at: self.env.now(),
        };
        let workflow = WorkflowRef {
            name: "wf".into(),
            id: "wf-id".into(),
            run_id: "r1".into(),
        };
        self.input(Input::Start { workflow, trigger })
    }

    pub fn http_response(
        &mut self,
        key: &str,
        attempt: u32,
        status: u16,
        headers: Value,
        body: Value,
    ) -> &mut Scenario {
        let headers: Map<String, Value> = headers.as_object().cloned().unwrap_or_default();
        self.input(Input::HttpResult {
            key: key.parse().expect("key"),
            attempt,
            outcome: HttpOutcome::Response {
                status,
                headers,
                body,
            },
        })
    }

    pub fn http_result(
        &mut self,
        key: &str,
        attempt: u32,
        status: u16,
        body: Value,
    ) -> &mut Scenario {
        self.http_response(key, attempt, status, json!({}), body)
    }

    pub fn http_failure(&mut self, key: &str, attempt: u32, kind: FailureKind) -> &mut Scenario {
        self.input(Input::HttpResult {
            key: key.parse().expect("key"),
            attempt,
            outcome: HttpOutcome::Failure {
                kind,
                message: "boom".into(),
            },
        })
    }

    pub fn subscribe_result(
        &mut self,
        key: &str,
        attempt: u32,
        status: u16,
        body: Value,
    ) -> &mut Scenario {
        self.input(Input::SubscribeResult {
            key: key.parse().expect("key"),
            attempt,
            outcome: HttpOutcome::Response {
                status,
                headers: Map::new(),
                body,
            },
        })
    }

    pub fn unsubscribe_result(&mut self, key: &str, status: u16) -> &mut Scenario {
        self.input(Input::UnsubscribeResult {
            key: key.parse().expect("key"),
            outcome: HttpOutcome::Response {
                status,
                headers: Map::new(),
                body: Value::Null,
            },
        })
    }

    pub fn callback(&mut self, key: &str, body: Value) -> &mut Scenario {
        let at = self.env.now();
        self.input(Input::Callback {
            key: key.parse().expect("key"),
            headers: json!({ "content-type": "application/json" }),
            body,
            at,
        })
    }

    /// With `HOOKFLOW_RECORD_JOURNALS=1`, writes this scenario's journal to
    /// `tests/journals/NAME.json` (then replayed by `journals::recorded_journals_replay`).
    pub fn save_journal(&self, name: &str) {
        if std::env::var_os("HOOKFLOW_RECORD_JOURNALS").is_none() {
            return;
        }
        let doc = json!({
            "definition": serde_json::to_value(&self.def.definition).expect("definition"),
            "journal": self.journal,
            "status": self.run_status().map(|s| s.to_string()),
        });
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/journals")
            .join(format!("{name}.json"));
        let text = serde_json::to_string_pretty(&doc).expect("journal JSON");
        std::fs::write(path, text + "\n").expect("write journal");
    }

    /// Moves the clock to the timer's due time and fires it.
    pub fn fire_timer(&mut self, id: &str) -> &mut Scenario {
        let id = TimerId(id.to_string());
        if let Some(timer) = self.state.timers().get(&id) {
            if timer.due > self.env.now() {
                self.env.now.set(timer.due);
            }
        }
        self.input(Input::TimerFired { id })
    }

    pub fn cancel(&mut self) -> &mut Scenario {
        self.input(Input::Cancel)
    }

    pub fn status(&self, key: &str) -> Option<Status> {
        let key: ActionKey = key.parse().expect("key");
        self.state.action(&key).map(|r| r.status)
    }

    pub fn outputs(&self, key: &str) -> Value {
        let key: ActionKey = key.parse().expect("key");
        self.state
            .action(&key)
            .map(|r| r.outputs.clone())
            .unwrap_or(Value::Null)
    }

    pub fn record(&self, key: &str) -> &hookflow_engine::ActionRecord {
        let key: ActionKey = key.parse().expect("key");
        self.state.action(&key).expect("action has a record")
    }

    pub fn run_status(&self) -> Option<Status> {
        self.state.status()
    }

    pub fn last(&self) -> &Decision {
        self.last.as_ref().expect("a decision")
    }

    pub fn effects(&self) -> &[Effect] {
        &self.last().effects
    }

    pub fn timer_ids(&self) -> Vec<String> {
        self.state.timers().keys().map(|t| t.0.clone()).collect()
    }
}

/// Every scenario's journal must replay to the same state, and survive a JSON round trip.
impl Drop for Scenario {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let replayed = RunState::replay(&self.journal);
        assert_eq!(
            replayed, self.state,
            "replaying the journal gives another state"
        );
        for event in &self.journal {
            assert_eq!(
                serde_json::to_value(event).expect("event")["type"],
                event.kind(),
                "an event's kind is its type tag"
            );
        }
        let text = serde_json::to_string(&self.journal).expect("events serialise");
        let back: Vec<Event> = serde_json::from_str(&text).expect("events deserialise");
        assert_eq!(back, self.journal, "events survive a JSON round trip");
        assert_eq!(RunState::replay(&back), self.state);
    }
}

/// The event type names of a decision, for compact assertions.
pub fn event_names(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| e.kind().to_string()).collect()
}
