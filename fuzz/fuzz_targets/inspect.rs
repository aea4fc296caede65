//! Fuzz the inspection engine: one file of arbitrary content (usually Python source that does
//! not parse) in a wheel must inspect without panicking, hanging or overflowing the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyvet::archive::{ArchiveContents, ArchiveEntry};
use pyvet::inspect::{inspect, InspectOptions};
use pyvet::package::ArtifactKind;

/// The first input byte picks where the file sits, since rules grade by location.
const PATHS: &[(&str, &str, ArtifactKind)] = &[
    ("fuzz-1.0-py3-none-any.whl", "fuzz/__init__.py", ArtifactKind::Wheel),
    ("fuzz-1.0.tar.gz", "fuzz-1.0/setup.py", ArtifactKind::Sdist),
    ("fuzz-1.0-py3-none-any.whl", "fuzz.pth", ArtifactKind::Wheel),
    ("fuzz-1.0-py3-none-any.whl", "fuzz/tests/test_x.py", ArtifactKind::Wheel),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, source)) = data.split_first() else {
        return;
    };
    let (filename, path, kind) = PATHS[usize::from(first) % PATHS.len()];
    let contents = ArchiveContents {
        filename: filename.to_string(),
        kind,
        entries: vec![ArchiveEntry {
            path: path.to_string(),
            data: source.to_vec().into(),
        }],
        findings: Vec::new(),
        metadata: None,
    };
    for f in inspect(&contents, &InspectOptions::default()) {
        assert!(!f.rule.is_empty());
    }
});
