//! hookflow-store-sqlite tests: the conformance suite on a temporary database file, and
//! what only a durable store has (reopen, migrations, crash safety).

mod conformance;
mod durability;
mod migration;
