//! `pyvet lock show`: print what a lockfile pins (packages, versions, sources, artifacts and the
//! problems that make a package hard to vet), as a table or as JSON. It reads the file only:
//! no network, no cache. URLs are redacted so credentials in index URLs never reach output.

use std::path::PathBuf;
use std::process::ExitCode;

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

use crate::cli::{GlobalArgs, LockCommand, LockShowArgs};
use crate::error::Error;
use crate::lockfile::{self, Lockfile};
use crate::package::{Artifact, LockedPackage, Problem, Source};
use crate::redact::redact_url;
use crate::report::Format;

pub fn run(g: &GlobalArgs, cmd: LockCommand) -> Result<ExitCode, Error> {
    match cmd {
        LockCommand::Show(args) => show(g, &args),
    }
}

fn show(g: &GlobalArgs, args: &LockShowArgs) -> Result<ExitCode, Error> {
    if !matches!(g.format, Format::Table | Format::Json) {
        return Err(Error::Usage(format!(
            "`pyvet lock show` supports --format table or json, not {}",
            format_name(g.format)
        )));
    }
    let lock = super::session::load_lockfile(args.lockfile.as_deref(), args.kind)?;
    let install = if args.target == crate::cli::TargetArgs::default() {
        None
    } else {
        let config = super::session::load_config(g, lock.project_dir())?;
        let target = super::session::target_of(&lock, &args.target, &config)?;
        Some(install_view(&lock, &target, &args.target)?)
    };
    let out = match g.format {
        Format::Json => render_json(&lock, install.as_ref()),
        _ => render_table(
            &lock,
            install.as_ref(),
            crate::report::table::terminal_width().unwrap_or(crate::report::table::DEFAULT_WIDTH),
        ),
    };
    super::emit(g, &out)?;
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Table => "table",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Markdown => "markdown",
    }
}

/// The JSON shape of `lock show` (stable: names are plain strings, URLs redacted).
#[derive(Serialize)]
struct LockView {
    lockfile: PathBuf,
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    index_urls: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    find_links: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_index: bool,
    /// With a target flag: what an install on the target selects.
    #[serde(skip_serializing_if = "Option::is_none")]
    install_set: Option<InstallSummary>,
    packages: Vec<PackageView>,
}

/// What an install on one target selects from the lockfile (see `crate::installset`): the
/// packages an audit vets and the artifacts it fetches for them.
#[derive(Serialize)]
struct InstallSummary {
    target: String,
    packages: usize,
    installed: usize,
    not_installed: usize,
    /// Artifacts selected for the installed packages (one per package, or every file with
    /// `--all-artifacts`; packages whose files only the index lists have none here).
    selected_artifacts: usize,
    /// Sum of the selected artifacts' sizes the lockfile records.
    selected_bytes: u64,
    /// Selected artifacts whose size the lockfile does not record.
    #[serde(skip_serializing_if = "is_zero")]
    selected_unsized: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notes: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Per package, with a target flag: installed or why not, and the files selected.
#[derive(Serialize, Clone)]
struct PackageInstall {
    installed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    selected: Vec<String>,
}

struct InstallView {
    summary: InstallSummary,
    per_package: Vec<PackageInstall>,
}

fn install_view(
    lock: &Lockfile,
    target: &crate::select::Target,
    args: &crate::cli::TargetArgs,
) -> Result<InstallView, Error> {
    let set = crate::installset::compute(lock, target, &args.install_request())?;
    let mut reasons: Vec<Option<String>> = vec![None; lock.packages.len()];
    for k in &set.skipped {
        if let Some(r) = reasons.get_mut(k.index) {
            *r = Some(k.reason.clone());
        }
    }
    let mut summary = InstallSummary {
        target: target.to_string(),
        packages: lock.packages.len(),
        installed: 0,
        not_installed: set.skipped.len(),
        selected_artifacts: 0,
        selected_bytes: 0,
        selected_unsized: 0,
        notes: set.notes.clone(),
    };
    let mut per_package = Vec::with_capacity(lock.packages.len());
    for (i, p) in lock.packages.iter().enumerate() {
        let installed = set.is_installed(i);
        let mut selected = Vec::new();
        if installed {
            summary.installed += 1;
            let choices = crate::select::select(p, &p.artifacts, target, args.all_artifacts);
            for (a, c) in p.artifacts.iter().zip(choices) {
                if c == crate::select::Choice::Selected {
                    summary.selected_artifacts += 1;
                    match a.size {
                        Some(n) => summary.selected_bytes += n,
                        None => summary.selected_unsized += 1,
                    }
                    selected.push(a.filename.clone());
                }
            }
        }
        per_package.push(PackageInstall {
            installed,
            reason: reasons[i].take(),
            selected,
        });
    }
    Ok(InstallView {
        summary,
        per_package,
    })
}

#[derive(Serialize)]
struct PackageView {
    name: String,
    normalized_name: String,
    version: Option<String>,
    source: Source,
    markers: Option<String>,
    artifacts: Vec<Artifact>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    requirement_hashes: Vec<String>,
    problems: Vec<ProblemView>,
    /// File that declares the package (differs from `lockfile` for requirements includes).
    file: PathBuf,
    line: Option<u32>,
    /// With a target flag: whether an install on the target selects it.
    #[serde(skip_serializing_if = "Option::is_none")]
    install: Option<PackageInstall>,
}

/// A problem with the rule it becomes and a sentence for people, e.g.
/// `{"kind": "unpinned", "specifier": ">=2", "rule": "unpinned", "message": "..."}`.
#[derive(Serialize)]
struct ProblemView {
    #[serde(flatten)]
    problem: Problem,
    rule: &'static str,
    message: String,
}

fn redact_source(s: &Source) -> Source {
    match s {
        Source::Registry { url } => Source::Registry {
            url: url.as_deref().map(redact_url),
        },
        Source::Url { url } => Source::Url {
            url: redact_url(url),
        },
        Source::Vcs { url, reference } => Source::Vcs {
            url: redact_url(url),
            reference: reference.clone(),
        },
        other => other.clone(),
    }
}

fn view(lock: &Lockfile, i: usize, p: &LockedPackage) -> PackageView {
    PackageView {
        name: p.name.display.clone(),
        normalized_name: p.name.normalized.clone(),
        version: p.version.clone(),
        source: redact_source(&p.source),
        markers: p.markers.clone(),
        artifacts: p
            .artifacts
            .iter()
            .map(|a| {
                let mut a = a.clone();
                a.url = a.url.as_deref().map(redact_url);
                a
            })
            .collect(),
        requirement_hashes: p
            .requirement_hashes
            .iter()
            .map(ToString::to_string)
            .collect(),
        problems: p
            .problems
            .iter()
            .map(|pr| ProblemView {
                problem: pr.clone(),
                rule: lockfile::problem_rule(pr).id,
                message: pr.describe(),
            })
            .collect(),
        file: lock.file_of(i).to_path_buf(),
        line: p.line,
        install: None,
    }
}

fn render_json(lock: &Lockfile, install: Option<&InstallView>) -> String {
    let mut v = LockView {
        lockfile: lock.path.clone(),
        kind: lock.kind.as_str(),
        index_urls: lock.index_urls.iter().map(|u| redact_url(u)).collect(),
        find_links: lock.find_links.iter().map(|u| redact_url(u)).collect(),
        no_index: lock.no_index,
        install_set: None,
        packages: lock
            .packages
            .iter()
            .enumerate()
            .map(|(i, p)| view(lock, i, p))
            .collect(),
    };
    if let Some(iv) = install {
        v.install_set = Some(InstallSummary {
            notes: iv
                .summary
                .notes
                .iter()
                .map(|n| crate::redact::redact_text(n))
                .collect(),
            target: iv.summary.target.clone(),
            ..iv.summary
        });
        for (p, i) in v.packages.iter_mut().zip(&iv.per_package) {
            p.install = Some(i.clone());
        }
    }
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into()) + "\n"
}

/// The table, `width` columns wide at most (the terminal's, or 100 when piped): long markers
/// and sources wrap inside their cells.
fn render_table(lock: &Lockfile, install: Option<&InstallView>, width: u16) -> String {
    use crate::report::sanitize;
    use crate::report::table::MIN_WIDTH;
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_width(width.max(MIN_WIDTH))
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["package", "version", "source", "artifacts", "problems"]);
    for p in &lock.packages {
        let mut name = sanitize(&p.name.display, false);
        if let Some(m) = &p.markers {
            name.push_str(&format!("\n; {}", sanitize(m, false)));
        }
        let artifacts = if p.artifacts.is_empty() && !p.requirement_hashes.is_empty() {
            match p.requirement_hashes.len() {
                1 => "1 hash".to_string(),
                n => format!("{n} hashes"),
            }
        } else {
            p.artifacts.len().to_string()
        };
        let problems = p
            .problems
            .iter()
            .map(|pr| lockfile::problem_rule(pr).id)
            .collect::<Vec<_>>()
            .join(", ");
        t.add_row([
            name,
            sanitize(p.version.as_deref().unwrap_or("-"), false),
            sanitize(&redact_source(&p.source).label(), false),
            artifacts,
            problems,
        ]);
    }
    let with_problems = lock
        .packages
        .iter()
        .filter(|p| !p.problems.is_empty())
        .count();
    let path = sanitize(&lock.path.display().to_string(), false);
    let counts = format!(
        "({}): {} packages, {} with problems",
        lock.kind.as_str(),
        lock.packages.len(),
        with_problems
    );
    let width = usize::from(width.max(MIN_WIDTH));
    // A long path gets a line of its own (cut in the middle if need be).
    let head = if path.chars().count() + 1 + counts.len() <= width {
        format!("{path} {counts}")
    } else {
        format!("{}\n{counts}", crate::report::fit_middle(&path, width))
    };
    let mut out = format!("{head}\n{t}\n");
    if let Some(iv) = install {
        out.push_str(&install_lines(lock, iv));
    }
    out
}

/// The install set under the table: the counts, then each package left out with its reason.
fn install_lines(lock: &Lockfile, iv: &InstallView) -> String {
    use crate::report::sanitize;
    let s = &iv.summary;
    let mut out = format!(
        "On {}: {} of {} packages installed ({} not installed), {} artifacts selected, {}",
        sanitize(&s.target, false),
        s.installed,
        s.packages,
        s.not_installed,
        s.selected_artifacts,
        super::cache::human_bytes(s.selected_bytes)
    );
    if s.selected_unsized > 0 {
        out.push_str(&format!(" (+{} of unrecorded size)", s.selected_unsized));
    }
    out.push('\n');
    for (p, i) in lock.packages.iter().zip(&iv.per_package) {
        if let Some(r) = &i.reason {
            out.push_str(&format!(
                "  not installed: {} {}: {}\n",
                sanitize(&p.name.display, false),
                sanitize(p.version.as_deref().unwrap_or("-"), false),
                sanitize(&crate::redact::redact_text(r), false)
            ));
        }
    }
    for n in &s.notes {
        out.push_str(&format!(
            "  note: {}\n",
            sanitize(&crate::redact::redact_text(n), false)
        ));
    }
    out
}
