//! Command implementations. Each returns the process exit code (`policy::EXIT_OK` or
//! `EXIT_BLOCKED`), or an `Error` that the binary prints and turns into `EXIT_ERROR`. What the
//! commands share (lockfile and configuration loading, the run's environment, progress and
//! [`session::finish`]) lives in [`session`]; this module holds the output helpers.

pub mod audit;
pub mod cache;
pub mod db;
pub mod demo;
pub mod diff;
pub mod generate;
pub mod lock;
pub mod rules;
pub mod scan;
pub mod session;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::cli::{Cli, ColorChoice, Command, GlobalArgs};
use crate::error::Error;

pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    let g = &cli.global;
    if let Some(cap) = g.memory_budget {
        crate::archive::MemoryBudget::global().set_cap(cap);
    }
    match cli.command {
        Command::Audit(a) => audit::run(g, &a),
        Command::Scan(a) => scan::run(g, &a),
        Command::Lock(c) => lock::run(g, c),
        Command::Diff(a) => diff::run(g, &a),
        Command::Cache(c) => cache::run(g, c),
        Command::Db(c) => db::run(g, c),
        Command::Rules(a) => rules::run(g, &a),
        Command::Demo => demo::run(g),
        Command::Completions(a) => generate::completions(g, &a),
        Command::Man(a) => generate::man(g, &a),
    }
}

/// Whether to colour output written to stdout.
pub fn use_color(g: &GlobalArgs) -> bool {
    match g.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && g.output.is_none()
                && std::io::stdout().is_terminal()
        }
    }
}

/// Write command output to `-o FILE` or stdout.
pub fn emit(g: &GlobalArgs, text: &str) -> Result<(), Error> {
    // Values expanded from `${VAR}` never leave the process.
    let text = crate::redact::scrub(text);
    let text = text.as_ref();
    match &g.output {
        Some(path) if path.as_os_str() != "-" => crate::fsutil::write_output(path, text.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e)),
        _ => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`pyvet ... | head`) is not an error worth a message.
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| Error::io("writing to standard output", e)),
            }
        }
    }
}

/// `--cache-dir`, PYVET_CACHE_DIR, or the platform cache directory.
pub fn cache_dir(g: &GlobalArgs) -> Result<std::path::PathBuf, Error> {
    g.cache_dir
        .clone()
        .or_else(crate::cache::Cache::default_dir)
        .ok_or_else(|| {
            Error::Usage("no cache directory: pass --cache-dir DIR or set PYVET_CACHE_DIR".into())
        })
}

/// The current time, or `--now`.
pub fn now(g: &GlobalArgs) -> jiff::Timestamp {
    g.now.unwrap_or_else(jiff::Timestamp::now)
}
