//! Recorded journals (`tests/journals/*.json`): `{ "definition", "journal", "status" }`.
//! Each must still deserialise, fold to the recorded run status, and serialise back to
//! the same JSON (the event format is stable).

use hookflow_engine::{Event, RunState};
use serde_json::Value;
use std::path::Path;

#[test]
fn recorded_journals_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/journals");
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("journals dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read journal");
        let doc: Value = serde_json::from_str(&text).expect("journal JSON");
        let journal: Vec<Event> = serde_json::from_value(doc["journal"].clone())
            .unwrap_or_else(|e| panic!("{}: events no longer deserialise: {e}", path.display()));
        for (event, recorded) in journal
            .iter()
            .zip(doc["journal"].as_array().into_iter().flatten())
        {
            assert_eq!(recorded["type"], event.kind(), "{}", path.display());
        }
        let state = RunState::replay(&journal);
        let status = state.status().map(|s| s.to_string());
        assert_eq!(
            status.as_deref(),
            doc["status"].as_str(),
            "{}",
            path.display()
        );
        assert_eq!(
            serde_json::to_value(&journal).expect("serialise"),
            doc["journal"],
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 3, "expected recorded journals in {}", dir.display());
}
