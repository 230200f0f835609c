//! A run's journal in SQLite: one row per write (migration 7), found by the run and the
//! position of its first entry, holding that write's entries as one JSON array of
//! `[kind, at, payload]` with each payload inline as the JSON it is.
//!
//! A write appends its entries together and they are read together (a run is loaded from
//! its first entry), so one row per write costs the hot writes one insert instead of one
//! per event, and the journal's B-tree a cell per write: fewer pages rewritten per commit.

use hookflow_store::{Error, JournalEntry, Result, RunId, StoredEntry};
use rusqlite::{params, Connection};
use serde_json::value::RawValue;
use std::fmt::Write;

use crate::codec::{micros, signed, time, unsigned, Sql};

/// One write's entries as the row's text, made on the caller's thread (the writer thread
/// only runs SQL).
pub(crate) struct Segment {
    text: String,
    count: u64,
}

impl Segment {
    /// The entries' row; their payloads are moved into it. `None` when there are none
    /// (a write of side tables only stores no row).
    pub(crate) fn of(entries: Vec<JournalEntry>) -> Result<Option<Segment>> {
        if entries.is_empty() {
            return Ok(None);
        }
        let size = entries.iter().map(|e| e.payload.len() + e.kind.len() + 32);
        let mut text = String::with_capacity(size.sum::<usize>() + 2);
        text.push('[');
        for (index, entry) in entries.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            let kind = serde_json::to_string(&entry.kind).map_err(|e| {
                Error::internal(format!("a journal entry's kind cannot be written: {e}"))
            })?;
            // The payload is JSON already (`JournalEntry::from_text`'s caller vouches).
            let _ = write!(text, "[{kind},{},{}]", micros(entry.at), entry.payload);
        }
        text.push(']');
        Ok(Some(Segment {
            text,
            count: entries.len() as u64,
        }))
    }

    pub(crate) fn count(segment: &Option<Segment>) -> u64 {
        segment.as_ref().map_or(0, |s| s.count)
    }
}

/// Stores a write's entries, the first at position `from`.
pub(crate) fn insert(conn: &Connection, run: &RunId, from: u64, segment: Segment) -> Result<()> {
    crate::codec::execute(
        conn,
        "INSERT INTO journal (run, position, entries) VALUES (?1, ?2, ?3)",
        params![run.as_str(), signed(from)?, segment.text],
    )?;
    Ok(())
}

/// The run's entries from position `from` on, in order: from the row holding `from` (the
/// last that starts at or before it) onwards, skipping that row's entries before it.
pub(crate) fn read(conn: &Connection, run: &RunId, from: u64) -> Result<Vec<StoredEntry>> {
    let from = i64::try_from(from).unwrap_or(i64::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT position, entries FROM journal WHERE run = ?1 AND position >= \
             (SELECT COALESCE(MAX(position), 0) FROM journal WHERE run = ?1 AND position <= ?2) \
             ORDER BY position",
        )
        .sql()?;
    let mut rows = stmt.query(params![run.as_str(), from]).sql()?;
    let mut entries = Vec::new();
    while let Some(row) = rows.next().sql()? {
        let first: i64 = row.get(0).sql()?;
        let text: String = row.get(1).sql()?;
        let written: Vec<(String, i64, &RawValue)> = serde_json::from_str(&text).map_err(|e| {
            Error::internal(format!(
                "run {run}: the journal row at {first} cannot be read: {e}"
            ))
        })?;
        for (offset, (kind, at, payload)) in written.into_iter().enumerate() {
            let position = first.saturating_add(offset as i64);
            if position < from {
                continue;
            }
            entries.push(StoredEntry {
                position: unsigned(position)?,
                entry: JournalEntry {
                    kind,
                    payload: payload.get().to_string(),
                    at: time(at)?,
                },
            });
        }
    }
    Ok(entries)
}
