//! Reopen, migrations, crash safety.
