//! The JSON renderer: the `Report` struct itself, pretty-printed, with `schema_version` first.
//! Machines read this format, so its shape is a contract documented in docs/report-schema.md;
//! any breaking change bumps `report::SCHEMA_VERSION`.

use super::Report;

/// Pretty JSON followed by a newline.
pub fn render(report: &Report) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(s) => s + "\n",
        // Serialising plain data with string keys cannot fail; keep the output valid JSON anyway.
        Err(e) => {
            serde_json::json!({ "schema_version": report.schema_version, "error": e.to_string() })
                .to_string()
                + "\n"
        }
    }
}
