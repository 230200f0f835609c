//! One module per subcommand. Each returns `Err(message)` for the binary to print to stderr
//! and exit 1 with.

pub mod api_client;
pub mod cluster;
pub mod expr;
pub mod resources;
pub mod serve;
pub mod standin;
pub mod validate;

use std::path::Path;

/// Reads a JSON file, with messages that say which file and where it is not JSON.
fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("error: {} is not valid JSON: {e}", path.display()))
}
