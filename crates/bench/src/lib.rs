//! The benchmarks: a loopback HTTP/1.1 keep-alive load generator ([`loadgen`]),
//! its statistics ([`stats`]) and the two reference servers ([`reference`]) every
//! benchmark is measured against in the same run: one that answers 202 with no work (the
//! machine's ceiling) and one that appends each body to SQLite (WAL, `synchronous=FULL`,
//! group commit) before its 202 (the durable ceiling). `bench/run.sh` drives them against
//! the release `hookflow serve`; see `bench/README.md`.

pub mod loadgen;
pub mod reference;
pub mod stats;
