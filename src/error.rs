//! Errors: the tool failing (exit code 2), as opposed to findings about packages.
//!
//! Every variant carries the context a user needs to act: the file and line of bad input, the
//! URL (redacted) of a failed request, the cache path that could not be written.

use std::path::PathBuf;

/// A problem in an input file, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct InputError {
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<PathBuf>, line: Option<usize>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A lockfile, config file or other input is malformed.
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{context}: {}", .source)]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A request failed for good (after retries). `url` is already redacted.
    #[error("{url}: {message}")]
    Network { url: String, message: String },
    /// Offline mode and something needed is not in the cache.
    #[error("offline and not in the cache:\n{}", .missing.iter().map(|m| format!("  - {m}")).collect::<Vec<_>>().join("\n"))]
    Offline { missing: Vec<String> },
    /// Bad command-line usage that clap cannot express.
    #[error("{0}")]
    Usage(String),
    /// A command or option that is not built yet.
    #[error("`{0}` is not implemented yet")]
    NotYet(&'static str),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
