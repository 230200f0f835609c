//! The embedded default store: SQLite (being built; see the next commits).
