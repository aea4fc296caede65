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

#[cfg(test)]
mod tests {
    use std::process::ExitCode;

    use clap::Parser;

    use super::*;
    use crate::config::Check;

    /// Parse and run one command line, with its output written to `out`.
    fn pyvet(args: &[&str], out: &std::path::Path) -> Result<ExitCode, Error> {
        let mut argv = vec!["pyvet", "-o", out.to_str().unwrap()];
        argv.extend_from_slice(args);
        run(Cli::try_parse_from(argv).expect("valid command line"))
    }

    fn json(path: &std::path::Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn rules_lists_the_catalogue_and_explains_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("rules.json");
        let code = pyvet(&["rules", "--format", "json"], &out).unwrap();
        assert_eq!(code, ExitCode::from(crate::policy::EXIT_OK));
        let ids: Vec<String> = json(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        let catalogue: Vec<&str> = crate::catalog::all().iter().map(|r| r.id).collect();
        assert_eq!(ids, catalogue);
        pyvet(&["rules", "hash-mismatch"], &out).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.starts_with("hash-mismatch (critical)"), "{text}");
        assert!(matches!(
            pyvet(&["rules", "no-such-rule"], &out),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn scan_blocks_an_unreadable_artifact_and_reports_no_hash_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = dir.path().join("demo-1.0-py3-none-any.whl");
        std::fs::write(&wheel, b"not a zip").unwrap();
        let out = dir.path().join("report.json");
        let cache = dir.path().join("cache");
        let code = pyvet(
            &[
                "--cache-dir",
                cache.to_str().unwrap(),
                "--format",
                "json",
                "scan",
                wheel.to_str().unwrap(),
            ],
            &out,
        )
        .unwrap();
        assert_eq!(code, ExitCode::from(crate::policy::EXIT_BLOCKED));
        let report = json(&out);
        let pkg = &report["packages"][0];
        assert_eq!(pkg["name"], "demo");
        assert_eq!(pkg["findings"][0]["rule"], "archive-unreadable");
        assert!(pkg["artifacts"][0].get("sha256").is_none());
        assert_eq!(report["command"], "scan");
    }

    #[test]
    fn lock_show_and_lockfile_detection() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("lock.json");
        assert!(matches!(
            session::load_lockfile(Some(dir.path()), None),
            Err(Error::Usage(m)) if m.contains("no lockfile found in")
        ));
        let req = dir.path().join("requirements.txt");
        std::fs::write(&req, "six==1.16.0\n").unwrap();
        let lock = session::load_lockfile(Some(dir.path()), None).unwrap();
        assert_eq!(lock.path, req);
        let code = pyvet(
            &["--format", "json", "lock", "show", req.to_str().unwrap()],
            &out,
        )
        .unwrap();
        assert_eq!(code, ExitCode::from(crate::policy::EXIT_OK));
        assert_eq!(json(&out)["kind"], "requirements");
    }

    #[test]
    fn checks_default_to_all_and_follow_the_list() {
        assert_eq!(session::checks_from(&[]), crate::audit::Checks::ALL);
        let only = session::checks_from(&[Check::Vulns, Check::Hashes]);
        assert!(only.vulns && only.hashes && !only.code && !only.metadata);
        assert!(only.needs_artifacts());
        assert!(!session::checks_from(&[Check::Metadata]).needs_artifacts());
    }
}
