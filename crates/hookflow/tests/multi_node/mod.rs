//! Issue 6: several `hookflow serve` processes on one PostgreSQL database, with the
//! stand-in service (`hookflow standin`) as the external webhook side. Each test gets a
//! fresh database, dropped afterwards.

mod recurrence;
mod sigkill;
mod webhook_action;
mod webhook_trigger;
