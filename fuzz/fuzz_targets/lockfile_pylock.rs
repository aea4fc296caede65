//! Fuzz the pylock.toml reader: any UTF-8 text must parse or fail with an error, never panic,
//! hang or allocate without bound.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pyvet::lockfile::{load_str, LockKind};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if !input_ok(text) {
        return;
    }
    let _ = load_str(Path::new("pylock.toml"), text, Some(LockKind::Pylock));
});

/// Includes (`-r FILE`) and local paths are read from disk relative to the lockfile: keep the
/// fuzzer away from device and process files, which are not what this target is about.
fn input_ok(text: &str) -> bool {
    !["/dev", "/proc", "/sys"].iter().any(|p| text.contains(p))
}
