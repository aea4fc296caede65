//! Unpinned input, resolved with uv before it is vetted.
//!
//! A requirements file with ranges (`pytest>=2.8`, a bare `trustme`), a requirements.in, a
//! pyproject.toml's `[project] dependencies`, or `-e .[extra]` (a local project, whose
//! dependencies pyvet reads from its pyproject.toml, never from a build) does not say what will
//! be installed: an installer picks versions at install time. pyvet does not guess. When uv is
//! available (`PYVET_UV`, else `uv` on PATH) it runs
//!
//! ```text
//! uv pip compile IN -o OUT --generate-hashes --no-build --no-config --python-version X.Y
//!     --python-platform P [--offline] [--no-index] [--find-links F]   (+ pyvet's indexes)
//! ```
//!
//! through `std::process::Command` (never a shell), where IN is the input rewritten as plain
//! requirements (each registry requirement with its extras and markers, each local project
//! replaced by its static dependencies) and OUT the pinned, hashed result; both are kept in the
//! cache under `resolve/`, so the report can name them. `--no-build` means no setup.py or build
//! backend runs: a package that only has an sdist for the target cannot be resolved, and says
//! so. The indexes are pyvet's own configuration (the lockfile's, then `--index-url` and the
//! pip/uv settings), handed to uv in `UV_DEFAULT_INDEX` / `UV_INDEX` so that credentials never
//! appear on a command line; uv's own configuration files are ignored (`--no-config`).
//! Then exactly OUT is audited, and the report says that it was resolved and shows the command.
//!
//! Without uv, with `--no-resolve`, or when uv fails, nothing is guessed either: every
//! requirement that pins no exact version gets an `unresolved` finding (high: it blocks by
//! default) naming the command that locks it. Entries that are not from an index (VCS, direct
//! URLs, other local paths) are vetted as they are; their own dependencies are not resolved.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Error;
use crate::finding::{RuleInfo, Severity};
use crate::index::IndexSettings;
use crate::lockfile::{self, LockKind, Lockfile};
use crate::package::{LockedPackage, Problem, Source};
use crate::select::{Arch, Libc, Os, Target};

/// Unpinned input that was not resolved, so nothing was vetted for it.
pub static UNRESOLVED: RuleInfo = RuleInfo {
    id: "unresolved",
    severity: Severity::High,
    summary: "A requirement pins no version and was not resolved, so nothing was vetted for it",
    help: "The input gives a range or a bare name (a requirements.in, a requirements file with \
ranges, pyproject.toml dependencies, or the dependencies of `-e .`), so the installer will choose \
the version, and pyvet vets only what it can name exactly. pyvet resolves such input with uv \
(`uv pip compile --generate-hashes --no-build`, no package code runs) when uv is on PATH or in \
PYVET_UV; this finding means it did not: uv was not found, `--no-resolve` was given, the \
dependencies of a local project are computed by its build (`dynamic`), or uv could not resolve \
(for example a package with no wheel for the target, which would have to be built). Lock the \
input with the command in the message and audit the lock, or make uv available.",
};

/// The rules this stage reports.
pub static RULES: &[&RuleInfo] = &[&UNRESOLVED];

/// Oldest uv whose `pip compile` has every flag used here (`--default-index`, `--no-config`,
/// `--python-platform`, `--no-build`).
const MIN_UV: (u64, u64) = (0, 5);

/// Environment variables through which uv would take indexes or configuration other than the
/// ones pyvet passes.
const UV_INDEX_ENV: &[&str] = &[
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
    "UV_CONFIG_FILE",
    "UV_INDEX_STRATEGY",
];

/// A uv executable that answered `--version`.
#[derive(Debug, Clone)]
pub struct Uv {
    pub path: PathBuf,
    pub version: String,
}

impl Uv {
    /// `PYVET_UV` when set (a path to uv), else `uv` on PATH. `Err` says why none is usable.
    pub fn find() -> Result<Uv, String> {
        let path = match std::env::var_os("PYVET_UV").filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => on_path("uv").ok_or_else(|| "uv is not on PATH".to_string())?,
        };
        let out = Command::new(&path)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{} could not be run: {e}", path.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = text.split_whitespace().nth(1).unwrap_or("").to_string();
        if !out.status.success() || !text.starts_with("uv ") {
            return Err(format!("{} does not answer like uv", path.display()));
        }
        let mut parts = version.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
        let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        if (major, minor) < MIN_UV {
            return Err(format!(
                "uv {version} is too old (pyvet needs {}.{} or newer)",
                MIN_UV.0, MIN_UV.1
            ));
        }
        Ok(Uv { path, version })
    }
}

/// An executable named `name` in a PATH directory.
fn on_path(name: &str) -> Option<PathBuf> {
    let exe = if cfg!(windows) {
        format!("{name}.exe")
    } else {
        name.to_string()
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(&exe))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// What the audit hands the resolver.
pub struct Context<'a> {
    /// The indexes to resolve against (pyvet's configuration, the lockfile's first).
    pub settings: &'a IndexSettings,
    pub target: &'a Target,
    pub offline: bool,
    /// `false` with `--no-resolve`.
    pub enabled: bool,
    /// Where the resolver's input and output are kept (the cache root).
    pub cache_root: &'a Path,
}

/// A requirement that stays unvetted, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Unresolved {
    /// Normalised name of the package row the finding goes to.
    pub package: String,
    pub message: String,
    pub evidence: Option<String>,
}

/// What resolution did, to show in the report (`commands::audit` adds it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub notes: Vec<String>,
    pub unresolved: Vec<Unresolved>,
}

/// One requirement for the resolver, and where it came from.
#[derive(Debug, Clone)]
struct Wanted {
    /// The requirement line written into the resolver's input.
    text: String,
    name: String,
    /// Index into `lock.packages` of the entry that asked for it.
    from: usize,
    /// Not pinned to one version (what makes resolution necessary).
    unpinned: bool,
}

/// The input as the resolver sees it.
#[derive(Debug, Default)]
struct Plan {
    wanted: Vec<Wanted>,
    /// Local projects whose dependencies cannot be read without a build: (entry, why).
    opaque_projects: Vec<(usize, String)>,
    /// Entries vetted as they are (VCS, URLs, local files, workspace members).
    kept: Vec<usize>,
    /// Local project entries (replaced by their dependencies, not vetted themselves).
    projects: Vec<usize>,
    unknown_extras: Vec<String>,
}

impl Plan {
    /// Whether anything in the input leaves the version to the installer.
    fn needs_resolution(&self) -> bool {
        self.wanted.iter().any(|w| w.unpinned)
    }
}

fn plan(lock: &Lockfile) -> Plan {
    let mut plan = Plan::default();
    let names: BTreeSet<String> = lock
        .packages
        .iter()
        .filter(|p| matches!(p.source, Source::Registry { .. }))
        .map(|p| p.name.normalized.clone())
        .collect();
    for (i, pkg) in lock.packages.iter().enumerate() {
        match &pkg.source {
            Source::Registry { .. } => plan.wanted.push(Wanted {
                text: requirement_line(pkg),
                name: pkg.name.normalized.clone(),
                from: i,
                unpinned: pkg.version.is_none(),
            }),
            Source::Path { path, .. } => {
                let dir = lock.file_of(i).parent().unwrap_or(Path::new("")).join(path);
                if !dir.is_dir() {
                    plan.kept.push(i);
                    continue;
                }
                plan.projects.push(i);
                match project_dependencies(&dir, &pkg.extras) {
                    Ok(deps) => {
                        plan.unknown_extras.extend(
                            deps.unknown_extras
                                .iter()
                                .map(|e| format!("{}[{e}]", pkg.name.display)),
                        );
                        for (req, _) in deps.requirements {
                            let Ok(entry) = lockfile::requirement_entry(&req) else {
                                plan.opaque_projects.push((
                                    i,
                                    format!(
                                        "its dependency `{}` is not a requirement pyvet can read",
                                        lockfile::clip(req.trim())
                                    ),
                                ));
                                continue;
                            };
                            // Listed in the file already (a compiled lockfile with `-e .`):
                            // nothing new to resolve.
                            let listed = names.contains(&entry.name.normalized);
                            plan.wanted.push(Wanted {
                                text: req.clone(),
                                name: entry.name.normalized.clone(),
                                from: i,
                                unpinned: !listed,
                            });
                        }
                    }
                    Err(why) => plan.opaque_projects.push((i, why)),
                }
            }
            Source::Url { .. } | Source::Vcs { .. } | Source::Virtual { .. } => plan.kept.push(i),
        }
    }
    plan
}

/// The static dependencies of the project in `dir`, or why they cannot be known without a build.
fn project_dependencies(
    dir: &Path,
    extras: &[String],
) -> Result<lockfile::StaticDependencies, String> {
    let path = dir.join("pyproject.toml");
    let bytes = crate::fsutil::read_regular(&path, lockfile::MAX_LOCKFILE_SIZE).map_err(|_| {
        format!(
            "{} has no pyproject.toml: its dependencies are known only by running its setup.py, \
             which pyvet never does",
            dir.display()
        )
    })?;
    let text =
        String::from_utf8(bytes).map_err(|_| format!("{} is not valid UTF-8", path.display()))?;
    lockfile::static_dependencies(&path, &text, extras).map_err(|e| e.to_string())
}

/// A registry entry as a requirement line: `name[extras]SPEC ; markers`.
fn requirement_line(pkg: &LockedPackage) -> String {
    let mut s = pkg.name.display.clone();
    if !pkg.extras.is_empty() {
        s.push('[');
        s.push_str(&pkg.extras.join(","));
        s.push(']');
    }
    match &pkg.version {
        Some(v) => {
            let arbitrary = v.parse::<pep440_rs::Version>().is_err();
            s.push_str(if arbitrary { "===" } else { "==" });
            s.push_str(v);
        }
        None => {
            let spec = pkg.problems.iter().find_map(|p| match p {
                Problem::Unpinned { specifier } => Some(specifier.as_str()),
                _ => None,
            });
            s.push_str(spec.unwrap_or(""));
        }
    }
    if let Some(m) = &pkg.markers {
        s.push_str(" ; ");
        s.push_str(m);
    }
    s
}

/// uv's `--python-platform` for a target (uv knows fewer platforms than wheel tags name).
pub fn uv_platform(t: &Target) -> Result<String, String> {
    let platform = match (t.os, t.arch, t.libc) {
        (Os::Linux, Arch::X86_64 | Arch::Aarch64, Libc::Glibc(_, minor)) => {
            let arch = if t.arch == Arch::X86_64 {
                "x86_64"
            } else {
                "aarch64"
            };
            format!("{arch}-manylinux_2_{}", minor.clamp(17, 40))
        }
        (Os::Linux, Arch::X86_64, Libc::Musl(..)) => "x86_64-unknown-linux-musl".into(),
        (Os::Linux, Arch::Aarch64, Libc::Musl(..)) => "aarch64-unknown-linux-musl".into(),
        (Os::Linux, Arch::Riscv64, Libc::Glibc(..)) => "riscv64-unknown-linux".into(),
        (Os::Macos, Arch::X86_64, _) => "x86_64-apple-darwin".into(),
        (Os::Macos, Arch::Aarch64, _) => "aarch64-apple-darwin".into(),
        (Os::Windows, Arch::X86_64, _) => "x86_64-pc-windows-msvc".into(),
        (Os::Windows, Arch::Aarch64, _) => "aarch64-pc-windows-msvc".into(),
        (Os::Windows, Arch::X86, _) => "i686-pc-windows-msvc".into(),
        _ => return Err(format!("uv cannot resolve for {t}")),
    };
    Ok(platform)
}

/// Why the input stays unresolved.
enum NotResolved {
    Unavailable(String),
    Failed { message: String, evidence: String },
}

/// Resolve `lock` when it leaves versions open; return the lockfile to audit and what happened.
/// A lockfile that pins everything comes back as it was.
pub fn prepare(
    lock: Lockfile,
    find_uv: impl FnOnce() -> Result<Uv, String>,
    ctx: &Context<'_>,
) -> Result<(Lockfile, Outcome), Error> {
    let plan = plan(&lock);
    if !plan.needs_resolution() {
        let mut outcome = Outcome::default();
        // Projects whose dependencies nobody can list still leave something unvetted only when
        // the input is not a lock (which it is here): nothing to add.
        outcome.notes.extend(extras_note(&plan));
        return Ok((lock, outcome));
    }
    let reason = if !ctx.enabled {
        NotResolved::Unavailable("resolution is off (--no-resolve)".into())
    } else {
        match find_uv() {
            Err(why) => NotResolved::Unavailable(format!(
                "{why} (pyvet resolves ranges with uv: install it, or set PYVET_UV)"
            )),
            Ok(uv) => match run_uv(&lock, &plan, &uv, ctx)? {
                Ok(resolved) => return Ok(resolved),
                Err(r) => r,
            },
        }
    };
    Ok(unresolved(lock, &plan, &reason))
}

fn extras_note(plan: &Plan) -> Option<String> {
    (!plan.unknown_extras.is_empty()).then(|| {
        format!(
            "extras that the project does not declare were ignored: {}",
            plan.unknown_extras.join(", ")
        )
    })
}

/// The command that locks the input, for messages.
fn lock_command(lock: &Lockfile) -> String {
    let path = lock.path.display().to_string();
    let out = match lock.kind {
        LockKind::Pyproject => "requirements.lock.txt".to_string(),
        _ => {
            let stem = lock
                .path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("requirements");
            format!("{stem}.lock.txt")
        }
    };
    format!("uv pip compile {path} --generate-hashes -o {out}")
}

/// The lockfile as given plus, for local projects, their dependencies as unpinned entries; and
/// an `unresolved` finding for everything that pins no version.
fn unresolved(mut lock: Lockfile, plan: &Plan, reason: &NotResolved) -> (Lockfile, Outcome) {
    let (why, evidence) = match reason {
        NotResolved::Unavailable(w) => (w.clone(), None),
        NotResolved::Failed { message, evidence } => (message.clone(), Some(evidence.clone())),
    };
    let fix = lock_command(&lock);
    let mut outcome = Outcome::default();
    let present: BTreeSet<String> = lock
        .packages
        .iter()
        .map(|p| p.name.normalized.clone())
        .collect();
    let mut added = BTreeSet::new();
    for w in plan.wanted.iter().filter(|w| w.unpinned) {
        let from = &lock.packages[w.from];
        let via_project = !matches!(from.source, Source::Registry { .. });
        let (from_line, from_name) = (from.line, from.name.display.clone());
        if via_project && !present.contains(&w.name) && added.insert(w.name.clone()) {
            // A dependency of `-e .`: give it a row of its own, as a requirement line would.
            if let Ok(mut entry) = lockfile::requirement_entry(&w.text) {
                entry.line = from_line;
                let file = lock.declared_in.get(w.from).copied().unwrap_or(0);
                lock.packages.push(entry);
                lock.declared_in.push(file);
            }
        }
        let via = if via_project {
            format!(" (a dependency of {from_name})")
        } else {
            String::new()
        };
        outcome.unresolved.push(Unresolved {
            package: w.name.clone(),
            message: format!(
                "not vetted: `{}`{via} pins no exact version and was not resolved: {why}. Lock \
                 it (`{fix}`) and audit the lock",
                w.text
            ),
            evidence: evidence.clone(),
        });
    }
    for (i, why) in &plan.opaque_projects {
        outcome
            .unresolved
            .push(opaque_finding(&lock.packages[*i], why));
    }
    outcome.notes.push(format!(
        "{} requirement(s) pin no exact version and were not resolved ({why}); they block until \
         locked: `{fix}`",
        plan.wanted.iter().filter(|w| w.unpinned).count()
    ));
    outcome.notes.extend(extras_note(plan));
    (lock, outcome)
}

fn opaque_finding(project: &LockedPackage, why: &str) -> Unresolved {
    Unresolved {
        package: project.name.normalized.clone(),
        message: format!(
            "the dependencies of the local project {} are not vetted: {why}",
            project.name.display
        ),
        evidence: None,
    }
}

/// Run uv; `Ok(Err(_))` when uv ran and could not resolve (that blocks, it is not a tool error).
fn run_uv(
    lock: &Lockfile,
    plan: &Plan,
    uv: &Uv,
    ctx: &Context<'_>,
) -> Result<Result<(Lockfile, Outcome), NotResolved>, Error> {
    let indexes = ctx.settings.all();
    if indexes.is_empty() && !lock.no_index && lock.find_links.is_empty() {
        // pyvet has no built-in index, and neither may uv's default stand in for one.
        return Ok(Err(NotResolved::Unavailable(
            "no package index is configured to resolve against (`--index-url`, \
             PYVET_INDEX_URL, PIP_INDEX_URL, pip.conf, UV_DEFAULT_INDEX or uv.toml)"
                .into(),
        )));
    }
    let platform = match uv_platform(ctx.target) {
        Ok(p) => p,
        Err(e) => return Ok(Err(NotResolved::Unavailable(e))),
    };
    // uv takes no free-threaded version here (`3.13t`): it resolves for 3.13's markers, and
    // artifact selection afterwards picks the free-threaded files.
    let python = format!("{}.{}", ctx.target.python.0, ctx.target.python.1);
    let base_dir = lock.path.parent().unwrap_or(Path::new("")).to_path_buf();

    let mut input = String::from("# written by pyvet from ");
    input.push_str(&lock.path.display().to_string());
    input.push('\n');
    for w in &plan.wanted {
        input.push_str(&w.text);
        input.push('\n');
    }
    let mut args: Vec<String> = vec![
        "--generate-hashes".into(),
        "--no-build".into(),
        "--no-config".into(),
        "--no-header".into(),
        "--no-annotate".into(),
        "--python-version".into(),
        python.clone(),
        "--python-platform".into(),
        platform.clone(),
    ];
    if ctx.offline {
        args.push("--offline".into());
    }
    if lock.no_index {
        args.push("--no-index".into());
    }
    for f in &lock.find_links {
        args.push("--find-links".into());
        args.push(if f.contains("://") || Path::new(f).is_absolute() {
            f.clone()
        } else {
            base_dir.join(f).display().to_string()
        });
    }
    // Priority order as pyvet asks them: uv prefers every `--index` over `--default-index`, and
    // earlier `--index` entries over later ones.
    let (default_index, extra): (Option<&String>, &[String]) = match indexes.split_last() {
        Some((last, rest)) if !lock.no_index => (Some(last), rest),
        _ => (None, &[]),
    };

    let key = {
        let mut k = input.clone();
        k.push_str(&args.join(" "));
        for u in &indexes {
            k.push_str(&crate::redact::redact_url(u));
        }
        crate::hash::sha256_hex(k.as_bytes())
    };
    let dir = ctx.cache_root.join("resolve").join(&key[..16]);
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let in_path = dir.join("requirements.in");
    let out_path = dir.join("requirements.txt");
    crate::fsutil::write_atomic(&in_path, input.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", in_path.display()), e))?;
    let _ = std::fs::remove_file(&out_path);

    let mut cmd = Command::new(&uv.path);
    cmd.args(["pip", "compile"])
        .arg(&in_path)
        .arg("--output-file")
        .arg(&out_path)
        .args(&args)
        .args([
            "--no-progress",
            "--no-python-downloads",
            "--color",
            "never",
            "--quiet",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for v in UV_INDEX_ENV {
        cmd.env_remove(v);
    }
    if let Some(d) = default_index {
        cmd.env("UV_DEFAULT_INDEX", d);
    }
    if !extra.is_empty() {
        cmd.env("UV_INDEX", extra.join(" "));
    }
    if ctx.target.os == Os::Macos {
        let (major, minor) = ctx.target.macos;
        cmd.env("MACOSX_DEPLOYMENT_TARGET", format!("{major}.{minor}"));
    }
    let mut shown = format!(
        "uv pip compile {} -o {} {}",
        in_path.display(),
        out_path.display(),
        args.join(" ")
    );
    for u in extra {
        shown.push_str(&format!(" --index {}", crate::redact::redact_url(u)));
    }
    if let Some(d) = default_index {
        shown.push_str(&format!(
            " --default-index {}",
            crate::redact::redact_url(d)
        ));
    }

    let out = cmd
        .output()
        .map_err(|e| Error::io(format!("running {}", uv.path.display()), e))?;
    if !out.status.success() {
        let stderr = crate::redact::redact_text(&String::from_utf8_lossy(&out.stderr));
        let stderr = lockfile_tail(&stderr, 4000);
        let first = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("no message")
            .trim_start_matches("error: ")
            .to_string();
        let status = out
            .status
            .code()
            .map_or("a signal".to_string(), |c| format!("exit code {c}"));
        return Ok(Err(NotResolved::Failed {
            message: format!(
                "uv {} could not resolve the input ({status}): {}",
                uv.version,
                lockfile::clip(&first)
            ),
            evidence: format!("{shown}\n{stderr}"),
        }));
    }
    let mut resolved = lockfile::load(&out_path, Some(LockKind::RequirementsTxt))?;
    let count = resolved.packages.len();
    let opaque: Vec<Unresolved> = plan
        .opaque_projects
        .iter()
        .map(|(i, why)| opaque_finding(&lock.packages[*i], why))
        .collect();
    let lock_path = lock.path.display().to_string();
    merge(lock, &mut resolved, plan);
    let mut outcome = Outcome::default();
    outcome.notes.push(format!(
        "resolved: {} pins no exact version, so uv {} resolved {} requirement(s) for {} with \
         builds disabled (no package code ran): `{shown}`; audited exactly the {count} pinned \
         package(s) it chose ({})",
        lock_path,
        uv.version,
        plan.wanted.len(),
        ctx.target,
        out_path.display()
    ));
    if !plan.kept.is_empty() {
        outcome.notes.push(format!(
            "{} entr(ies) not from an index (VCS, direct URL, local path) are vetted as they are; \
             their own dependencies were not resolved",
            plan.kept.len()
        ));
    }
    outcome.unresolved.extend(opaque);
    outcome.notes.extend(extras_note(plan));
    Ok(Ok((resolved, outcome)))
}

fn lockfile_tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("...{}", &s[start..])
}

/// Turn uv's output into the lockfile to audit: its pins (with the user's own hashes where the
/// input pinned a version with hashes), located at the input line that asked for each direct
/// requirement, followed by the input's entries that were not resolved (kept as they are) and
/// its local projects.
fn merge(original: &Lockfile, resolved: &mut Lockfile, plan: &Plan) {
    let line_of = |name: &str| {
        plan.wanted.iter().find(|w| w.name == name).map(|w| {
            (
                original.packages[w.from].line,
                original.declared_in.get(w.from).copied(),
            )
        })
    };
    let mut packages = Vec::with_capacity(resolved.packages.len() + plan.kept.len());
    let mut declared_in = Vec::with_capacity(packages.capacity());
    for mut pkg in std::mem::take(&mut resolved.packages) {
        let (line, file) = line_of(&pkg.name.normalized).unwrap_or((None, Some(0)));
        pkg.line = line;
        if let Some(user) = original.packages.iter().find(|p| {
            p.name.normalized == pkg.name.normalized
                && p.version.is_some()
                && p.version == pkg.version
                && !p.requirement_hashes.is_empty()
        }) {
            pkg.requirement_hashes = user.requirement_hashes.clone();
        }
        packages.push(pkg);
        declared_in.push(file.unwrap_or(0));
    }
    for &i in plan.kept.iter().chain(&plan.projects) {
        packages.push(original.packages[i].clone());
        declared_in.push(original.declared_in.get(i).copied().unwrap_or(0));
    }
    resolved.packages = packages;
    resolved.declared_in = declared_in;
    resolved.path = original.path.clone();
    resolved.kind = original.kind;
    resolved.files = original.files.clone();
    resolved.index_urls = original.index_urls.clone();
    resolved.find_links = original.find_links.clone();
    resolved.no_index = original.no_index;
}
