//! Fuzz the archive reader, through the path `scan` and `audit` take (files are inspected as
//! they come out of the archive): any bytes, under any distribution filename, must read into
//! contents (with findings for what is unsafe) or fail with an `ArchiveError`; never panic,
//! hang, or allocate past the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyvet::archive::{Limits, ReadOptions};
use pyvet::inspect::{read_and_inspect, InspectOptions};

/// The first input byte picks the filename, hence the format.
const NAMES: &[&str] = &[
    "fuzz-1.0-py3-none-any.whl",
    "fuzz-1.0.tar.gz",
    "fuzz-1.0.tar.bz2",
    "fuzz-1.0.tar.xz",
    "fuzz-1.0.zip",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let filename = NAMES[usize::from(first) % NAMES.len()];
    // Smaller than the defaults so a bomb that stays inside its limits does not trip
    // libFuzzer's memory limit; the logic under test is the same.
    let limits = Limits {
        max_total_size: 64 << 20,
        max_file_size: 16 << 20,
        max_entries: 10_000,
        ..Limits::default()
    };
    let opts = ReadOptions::with_limits(limits.clone());
    if let Ok((outcome, _)) = read_and_inspect(filename, bytes, &opts, &InspectOptions::default()) {
        let contents = outcome.contents;
        let total: usize = contents.entries.iter().map(|e| e.data.len()).sum();
        assert!(total as u64 <= limits.max_total_size, "kept {total} bytes");
        assert!(contents.entries.len() <= limits.max_entries);
        for e in &contents.entries {
            assert!(
                !e.path.starts_with('/') && !e.path.split('/').any(|c| c == ".."),
                "unsafe path kept: {:?}",
                e.path
            );
        }
    }
});
