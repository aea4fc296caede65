//! The static inspection engine: parse every Python file of an artifact once, run every rule
//! over that one parse, and grade what the rules see by where the code runs (install time,
//! import time, function body, tests). Nothing is ever executed.

pub mod registry;
pub mod rules;

use crate::archive::ArchiveContents;
use crate::finding::Finding;

/// Options for one inspection run.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Rule ids to skip.
    pub disabled: Vec<String>,
}

/// Inspect one artifact's contents and return code findings (archive-level findings already in
/// `contents.findings` are not repeated). The caller fills in package/version.
pub fn inspect(contents: &ArchiveContents, opts: &InspectOptions) -> Vec<Finding> {
    let _ = (contents, opts);
    Vec::new()
}
