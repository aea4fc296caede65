//! Fuzz configuration loading (`pyvet.toml` and `[tool.pyvet]` in pyproject.toml): any text
//! must give a config or an error naming the file; never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use pyvet::config::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let known = |id: &str| id.starts_with("known-");
    if let Err(e) = Config::from_toml(Path::new("pyvet.toml"), text, &known) {
        assert!(e.to_string().contains("pyvet.toml"), "{e}");
    }
    if let Err(e) = Config::from_pyproject(Path::new("pyproject.toml"), text, &known) {
        assert!(e.to_string().contains("pyproject.toml"), "{e}");
    }
});
