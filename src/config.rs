//! User configuration: `pyvet.toml` or `[tool.pyvet]` in pyproject.toml, found from the
//! lockfile's directory upwards. Unknown keys are errors naming the file and key; every default
//! lives here.

use crate::finding::Severity;

#[derive(Debug, Clone)]
pub struct Config {
    pub fail_on: Severity,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            fail_on: Severity::High,
        }
    }
}
