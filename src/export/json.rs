//! The postmortem as data, for incident tools. The shape is the JSON Schema in
//! `assets/export.schema.json` (version 2: several runs, one timeline), documented there
//! field by field and checked against real exports by `tests/export_schema.rs`; fields are
//! only ever added within a version. Every time is RFC 3339 with milliseconds, in the
//! export's zone; `record_hash` is the SHA-256 of a journal line, the value the next line's
//! `prev` holds. Keys and enum values are stable whatever the language; sentences (`summary`,
//! `verdict`, `detail`, warnings) are in the export's language.

use serde::Serialize;

use super::model::Postmortem;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    report: &'a Postmortem,
}

/// The version of the shape; `assets/export.schema.json` says the same.
pub const VERSION: u32 = 2;

pub fn render(p: &Postmortem) -> String {
    let doc = Document {
        format: "shisa-export",
        version: VERSION,
        report: p,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}
