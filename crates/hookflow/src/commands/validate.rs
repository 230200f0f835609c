//! `hookflow validate`: validates a definition file and prints `valid` or every error.

use std::path::Path;

pub fn run(file: &Path) -> Result<(), String> {
    let doc = super::read_json(file)?;
    match hookflow_definition::validate_document(&doc) {
        Ok(_) => {
            println!("valid");
            Ok(())
        }
        Err(errors) => {
            for error in &errors {
                println!("{error}");
            }
            Err(format!(
                "error: {} is invalid: {} error(s)",
                file.display(),
                errors.len()
            ))
        }
    }
}
