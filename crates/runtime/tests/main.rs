//! Integration tests of the runtime: the driver over MemoryStore and SQLite, signed
//! callback URLs, retry-policy arithmetic, and
//! outbound requests against stand-in servers on `127.0.0.1:0` (plain HTTP, an OAuth
//! token endpoint, and a TLS server that requires a client certificate).

mod body;
mod driver;
mod oauth;
mod outbound;
mod retry;
mod signing;
mod support;
mod tls;
