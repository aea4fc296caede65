//! `pyvet diff OLD NEW`: the package-level change between two lockfiles (added, removed,
//! upgraded, downgraded, source or hashes changed), without fetching anything. OLD may be a
//! file, a pipe (process substitution) or a git revision (then NEW's path is read at that
//! revision); NEW a file or a pipe.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode};

use crate::cli::{DiffArgs, GlobalArgs};
use crate::diff::{self, Change};
use crate::error::Error;
use crate::lockfile::{self, LockKind, Lockfile};
use crate::report::Format;

pub fn run(g: &GlobalArgs, args: &DiffArgs) -> Result<ExitCode, Error> {
    let head = lockfile::load_named(&args.new, None)?;
    let base = load_base(&args.old, &head.path, None)?;
    let rows = diff::diff(&base, &head);
    let out =
        match g.format {
            Format::Json => {
                let v = serde_json::json!({
                    "base": base.path.display().to_string(),
                    "head": head.path.display().to_string(),
                    "packages": rows,
                });
                serde_json::to_string_pretty(&v).expect("serialisable") + "\n"
            }
            Format::Table | Format::Markdown => {
                let md = g.format == Format::Markdown;
                let mut s = String::new();
                if md {
                    s.push_str("| package | version | change |\n|---|---|---|\n");
                }
                let changed: Vec<_> = rows
                    .iter()
                    .filter(|r| r.change != Change::Unchanged)
                    .collect();
                for r in &changed {
                    let v = r.version.as_deref().unwrap_or("-");
                    if md {
                        let _ = writeln!(s, "| {} | {} | {} |", r.name, v, r.change.label());
                    } else {
                        let _ = writeln!(s, "{:<30} {:<16} {}", r.name, v, r.change.label());
                    }
                    for f in &r.findings {
                        let _ = writeln!(
                            s,
                            "{}  {} ({}): {}",
                            if md { ">" } else { "   " },
                            f.rule,
                            f.severity,
                            f.message
                        );
                    }
                }
                let unchanged = rows.len() - changed.len();
                let _ = writeln!(s, "\n{} changed, {unchanged} unchanged", changed.len());
                s
            }
            Format::Sarif => return Err(Error::Usage(
                "`pyvet diff` prints table, json or markdown; use `pyvet audit --base` for SARIF"
                    .into(),
            )),
        };
    super::emit(g, &out)?;
    let blocked = rows
        .iter()
        .flat_map(|r| &r.findings)
        .any(|f| f.severity >= crate::finding::Severity::High);
    Ok(ExitCode::from(if blocked {
        crate::policy::EXIT_BLOCKED
    } else {
        crate::policy::EXIT_OK
    }))
}

/// A revision as the user may name one (`main`, `origin/main`, `HEAD~2`, `v1.0^`, a commit id,
/// `@{u}`): no leading `-` (git would read an option), no whitespace or control characters, not
/// empty, and short.
fn check_revision(spec: &str) -> Result<(), Error> {
    let ok = !spec.is_empty()
        && spec.len() <= 256
        && !spec.starts_with('-')
        && !spec.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "`{}` is neither a file nor a valid git revision",
            spec.escape_debug()
        )))
    }
}

/// Load the base lockfile: `spec` is a file path (or a pipe: `<(git show main:uv.lock)`), or a
/// git revision at which `head_path` is read.
pub fn load_base(spec: &str, head_path: &Path, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    let as_path = Path::new(spec);
    if as_path.is_file() || crate::fsutil::is_pipe(as_path) {
        return lockfile::load_named(as_path, kind);
    }
    let dir = head_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = head_path
        .file_name()
        .ok_or_else(|| Error::Usage(format!("{}: not a file", head_path.display())))?;
    check_revision(spec)?;
    // The revision is resolved to a commit id first, and every argument after
    // `--end-of-options` is data: `--base=--output=FILE` can never become a git option.
    let resolved = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
        .arg(format!("{spec}^{{commit}}"))
        .output()
        .map_err(|e| Error::io("running git (needed to read the base revision)", e))?;
    let commit = String::from_utf8_lossy(&resolved.stdout).trim().to_string();
    if !resolved.status.success()
        || !commit.bytes().all(|b| b.is_ascii_hexdigit())
        || commit.is_empty()
    {
        return Err(Error::Usage(format!(
            "`{spec}` is neither a file nor a git revision (in {})",
            dir.display()
        )));
    }
    let object = format!("{commit}:./{}", name.to_string_lossy());
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["show", "--end-of-options", &object])
        .output()
        .map_err(|e| Error::io("running git (needed to read the base revision)", e))?;
    if !output.status.success() {
        return Err(Error::Usage(format!(
            "the git revision `{spec}` holds no {}: {}",
            head_path.display(),
            crate::redact::redact_text(String::from_utf8_lossy(&output.stderr).trim())
        )));
    }
    let text = String::from_utf8(output.stdout).map_err(|_| {
        Error::Usage(format!(
            "{object}: the lockfile at that revision is not UTF-8"
        ))
    })?;
    // Parse with the head's path so format detection by name and relative includes work; name
    // the revision in messages.
    let shown = head_path.with_file_name(format!("{}@{spec}", name.to_string_lossy()));
    let mut lock = lockfile::load_str(head_path, &text, kind)?;
    lock.path = shown;
    Ok(lock)
}
