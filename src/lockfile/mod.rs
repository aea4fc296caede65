//! Lockfile readers. Each format has its own module that parses into wire types and validates
//! them into the shared model of `package.rs`; this module detects formats and dispatches.
//!
//! Readers never touch the network: they report what the file says, and flag what cannot be
//! vetted (unpinned, unhashed, VCS/local/editable sources) as `Problem`s on the package. Every
//! malformed input is an `Error::Input` naming the file and (1-based) line; no input panics.

pub mod deps;
mod poetry_lock;
pub mod poetry_spec;
mod pylock;
mod pyproject;
mod requirements_txt;
mod uv_lock;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, InputError};
use crate::finding::{RuleInfo, Severity};
use crate::hash::{Digest, HashAlgorithm, Hashes};
use crate::package::{Artifact, LockedPackage, Problem};

pub use pyproject::{static_dependencies, StaticDependencies};

/// The lockfile formats pyvet reads.
/// Serialised with the same names as `--kind` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum LockKind {
    /// pip requirements file (as written by pip-compile, uv export, uv pip compile, pip freeze).
    #[value(name = "requirements")]
    #[serde(rename = "requirements")]
    RequirementsTxt,
    /// poetry.lock (lock versions 1.1, 2.0, 2.1).
    #[value(name = "poetry")]
    #[serde(rename = "poetry")]
    PoetryLock,
    /// uv.lock (version 1, any revision).
    #[value(name = "uv")]
    #[serde(rename = "uv")]
    UvLock,
    /// PEP 751 pylock.toml / pylock.*.toml.
    #[value(name = "pylock")]
    #[serde(rename = "pylock")]
    Pylock,
    /// pyproject.toml: the `[project]` dependencies, which pin nothing (resolved with uv
    /// before they are vetted).
    #[value(name = "pyproject")]
    #[serde(rename = "pyproject")]
    Pyproject,
}

impl LockKind {
    /// The name used on the command line and in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            LockKind::RequirementsTxt => "requirements",
            LockKind::PoetryLock => "poetry",
            LockKind::UvLock => "uv",
            LockKind::Pylock => "pylock",
            LockKind::Pyproject => "pyproject",
        }
    }
}

/// A parsed lockfile.
#[derive(Debug, Clone, Serialize)]
pub struct Lockfile {
    pub path: PathBuf,
    pub kind: LockKind,
    pub packages: Vec<LockedPackage>,
    /// Index URLs the lockfile itself names (`--index-url`/`--extra-index-url` in requirements,
    /// `[[package.source]]` registries, uv's registry sources, ...), in the order given.
    pub index_urls: Vec<String>,
    /// `--find-links` locations (requirements.txt).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub find_links: Vec<String>,
    /// `--no-index` was given (requirements.txt).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_index: bool,
    /// Every file read: `path` first, then requirements files pulled in with `-r`/`-c`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PathBuf>,
    /// `declared_in[i]` indexes `files` for the file that declares `packages[i]` (its `line` is
    /// a line of that file). Only requirements includes make it differ from `path`; use
    /// [`Lockfile::file_of`] rather than indexing.
    #[serde(skip)]
    pub declared_in: Vec<usize>,
    /// Read from a pipe (process substitution), not from a file in a project directory.
    #[serde(skip)]
    pub streamed: bool,
    /// How an installer picks what to install from this lockfile (for the install set).
    #[serde(skip)]
    pub install: deps::InstallModel,
}

impl Lockfile {
    fn new(path: &Path, kind: LockKind) -> Self {
        Self {
            path: path.to_path_buf(),
            kind,
            packages: Vec::new(),
            index_urls: Vec::new(),
            find_links: Vec::new(),
            no_index: false,
            files: vec![path.to_path_buf()],
            declared_in: Vec::new(),
            streamed: false,
            install: deps::InstallModel::Unknown,
        }
    }

    /// The directory of the project the lockfile belongs to, where configuration and
    /// `.python-version` are looked for: the lockfile's directory, or the current directory
    /// (the empty path) for a lockfile read from a pipe.
    pub fn project_dir(&self) -> &Path {
        match self.path.parent() {
            Some(d) if !self.streamed => d,
            _ => Path::new(""),
        }
    }

    /// The file that declares `packages[index]` (the lockfile itself unless it came from a
    /// requirements include).
    pub fn file_of(&self, index: usize) -> &Path {
        self.declared_in
            .get(index)
            .and_then(|&f| self.files.get(f))
            .map(PathBuf::as_path)
            .unwrap_or(&self.path)
    }

    fn push_index_url(&mut self, url: &str) {
        if !self.index_urls.iter().any(|u| u == url) {
            self.index_urls.push(url.to_string());
        }
    }

    /// Fill `declared_in` for packages pushed without it (single-file formats).
    fn finish(mut self) -> Self {
        self.declared_in.resize(self.packages.len(), 0);
        self
    }
}

pub static UNPINNED: RuleInfo = RuleInfo {
    id: "unpinned",
    severity: Severity::Medium,
    summary: "Requirement is not pinned to an exact version",
    help: "The lockfile gives a range (or nothing) instead of `==`/`===` an exact version, so \
the installer may pick a release nobody vetted, including one published after this audit. Pin \
every requirement (pip-compile, `uv pip compile` or `uv export` do this). A range is fine only in \
an input file that is compiled into a pinned lockfile before installing.",
};

pub static UNHASHED: RuleInfo = RuleInfo {
    id: "unhashed",
    severity: Severity::Low,
    summary: "Pinned package without a hash",
    help: "The version is pinned but no hash is recorded, so nothing ties the bytes that will \
be installed to the bytes that were vetted: a replaced file on the index or a compromised mirror \
goes unnoticed. Generate hashes (`pip-compile --generate-hashes`, `uv pip compile \
--generate-hashes`; uv.lock, poetry.lock and pylock.toml record them by default) and install with \
`--require-hashes`.",
};

pub static VCS_SOURCE: RuleInfo = RuleInfo {
    id: "vcs-source",
    severity: Severity::Medium,
    summary: "Package comes from a version-control checkout",
    help: "A git/hg/svn/bzr source is built from a checkout, so it has no artifact and no hash \
to verify, and a branch or tag can move. pyvet cannot fetch or inspect it. Prefer a released \
package from an index; otherwise pin the full commit id and review the repository yourself.",
};

pub static LOCAL_SOURCE: RuleInfo = RuleInfo {
    id: "local-source",
    severity: Severity::Medium,
    summary: "Package comes from a local file or directory",
    help: "A local path is installed from whatever is on disk when the install runs; it does \
not come from an index and is not covered by an index hash. This is expected for your own \
packages in a monorepo; for third-party code, install from an index with hashes instead.",
};

pub static EDITABLE_SOURCE: RuleInfo = RuleInfo {
    id: "editable-source",
    severity: Severity::Medium,
    summary: "Package is installed in editable (development) mode",
    help: "An editable install (`-e`, `develop = true`, uv `editable`) runs code from a local \
tree that can change after the audit, and its build hooks run at install time. Expected for your \
own project during development; not for dependencies in a deployment.",
};

pub static URL_WITHOUT_HASH: RuleInfo = RuleInfo {
    id: "url-without-hash",
    severity: Severity::Medium,
    summary: "Direct URL dependency without a hash",
    help: "The package is downloaded from a URL that the lockfile does not bind to a hash, so \
whoever controls that URL decides what is installed. Add a `#sha256=` fragment or a `--hash` \
option, or depend on a release from an index.",
};

pub static NO_ARTIFACTS: RuleInfo = RuleInfo {
    id: "no-artifacts",
    severity: Severity::Low,
    summary: "The lockfile lists no file for this package",
    help: "The entry names a package from an index but lists no sdist or wheel, so there is \
nothing to fetch, verify or inspect, and the installer will pick a file itself. Regenerate the \
lockfile with the tool that wrote it; a hand-edited or truncated lockfile often looks like this.",
};

/// Rules reported for lockfile-level problems (see `Problem`): one per variant.
pub static RULES: &[&RuleInfo] = &[
    &UNPINNED,
    &UNHASHED,
    &VCS_SOURCE,
    &LOCAL_SOURCE,
    &EDITABLE_SOURCE,
    &URL_WITHOUT_HASH,
    &NO_ARTIFACTS,
];

/// The rule a lockfile problem is reported under, so the audit pipeline can turn `Problem`s
/// into findings with a stable rule id and severity.
pub fn problem_rule(problem: &Problem) -> &'static RuleInfo {
    match problem {
        Problem::Unpinned { .. } => &UNPINNED,
        Problem::Unhashed => &UNHASHED,
        Problem::VcsSource => &VCS_SOURCE,
        Problem::LocalSource => &LOCAL_SOURCE,
        Problem::Editable => &EDITABLE_SOURCE,
        Problem::UrlWithoutHash => &URL_WITHOUT_HASH,
        Problem::NoArtifacts => &NO_ARTIFACTS,
    }
}

/// What [`detect`] found in a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    None,
    One(PathBuf),
    /// Several files of the same kind and none preferred: the user must say which.
    Several(Vec<PathBuf>),
}

impl Detected {
    /// The one lockfile, or a usage error that says what was looked for, or lists the
    /// candidates and how to name one. `where_` names the directory in the message (`in the
    /// current directory`, `in path/to/project`).
    pub fn require(self, where_: &str) -> Result<PathBuf, Error> {
        match self {
            Detected::One(p) => Ok(p),
            Detected::None => Err(Error::Usage(format!(
                "no lockfile found {where_} (looked for uv.lock, pylock.toml, pylock.*.toml, \
                 poetry.lock, requirements*.txt, requirements/*.txt and pyproject.toml); name \
                 one as an argument"
            ))),
            Detected::Several(list) => {
                let names: Vec<String> = list.iter().map(|p| p.display().to_string()).collect();
                Err(Error::Usage(format!(
                    "{} lockfiles found {where_}: {}; name the one to vet, e.g. `pyvet audit {}`",
                    names.len(),
                    names.join(", "),
                    names[0]
                )))
            }
        }
    }
}

/// Detect the lockfile to use in `dir` when none is named: `uv.lock`, then `pylock.toml` /
/// `pylock.<name>.toml`, then `poetry.lock`, then requirements files (`requirements*.txt`
/// and `requirements/*.txt`), then the project's own `pyproject.toml` (its `[project]`
/// dependencies, resolved before they are vetted). Within one of these groups, more than one file is
/// [`Detected::Several`]: which one is meant is the user's call. Found paths are `dir` joined
/// with the name, so an empty `dir` (the current directory) gives bare relative names.
pub fn detect(dir: &Path) -> Detected {
    let list_dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let names = |d: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        v.sort();
        v
    };
    let here = names(list_dir);
    let is_file = |rel: &str| list_dir.join(rel).is_file();
    let lower = |n: &str| n.to_ascii_lowercase();
    let groups: [Vec<String>; 5] = [
        here.iter()
            .filter(|n| n.as_str() == "uv.lock")
            .cloned()
            .collect(),
        here.iter()
            .filter(|n| {
                let l = lower(n);
                l == "pylock.toml" || (l.starts_with("pylock.") && l.ends_with(".toml"))
            })
            .cloned()
            .collect(),
        here.iter()
            .filter(|n| n.as_str() == "poetry.lock")
            .cloned()
            .collect(),
        {
            let mut reqs: Vec<String> = here
                .iter()
                .filter(|n| {
                    let l = lower(n);
                    l.starts_with("requirements") && l.ends_with(".txt")
                })
                .cloned()
                .collect();
            let sub = list_dir.join("requirements");
            if sub.is_dir() {
                reqs.extend(
                    names(&sub)
                        .into_iter()
                        .filter(|n| lower(n).ends_with(".txt"))
                        .map(|n| format!("requirements/{n}")),
                );
            }
            reqs
        },
        here.iter()
            .filter(|n| n.as_str() == "pyproject.toml")
            .cloned()
            .collect(),
    ];
    for group in groups {
        let found: Vec<PathBuf> = group
            .iter()
            .filter(|n| is_file(n))
            .map(|n| dir.join(n))
            .collect();
        match found.len() {
            0 => continue,
            1 => return Detected::One(found.into_iter().next().expect("one")),
            _ => return Detected::Several(found),
        }
    }
    Detected::None
}

/// The format a file name implies, if any: `uv.lock`, `poetry.lock`, `pylock.toml`,
/// `pylock.<name>.toml`, `*.txt` / `*.in` (requirements).
pub fn kind_from_name(path: &Path) -> Option<LockKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    match name.as_str() {
        "uv.lock" => Some(LockKind::UvLock),
        "poetry.lock" => Some(LockKind::PoetryLock),
        "pylock.toml" => Some(LockKind::Pylock),
        "pyproject.toml" => Some(LockKind::Pyproject),
        _ if name.starts_with("pylock.") && name.ends_with(".toml") => Some(LockKind::Pylock),
        _ if name.ends_with(".txt") || name.ends_with(".in") => Some(LockKind::RequirementsTxt),
        _ => None,
    }
}

/// The format the content implies. TOML lockfiles are told apart by their top-level keys;
/// text that is not TOML is a requirements file. Falls back to line-based hints for TOML that
/// does not parse, so the right reader reports the syntax error.
pub fn kind_from_content(text: &str) -> LockKind {
    if let Ok(table) = toml::from_str::<toml::Table>(text) {
        if table.contains_key("packages") || table.contains_key("lock-version") {
            return LockKind::Pylock;
        }
        if table.contains_key("metadata") {
            return LockKind::PoetryLock;
        }
        if table.contains_key("package") {
            return if table.get("version").is_some_and(toml::Value::is_integer) {
                LockKind::UvLock
            } else {
                LockKind::PoetryLock
            };
        }
        if table.get("version").is_some_and(toml::Value::is_integer) {
            return LockKind::UvLock;
        }
        return LockKind::RequirementsTxt;
    }
    let mut has_package = false;
    for line in text.lines() {
        let line = line.trim();
        if line == "[[packages]]" || line.starts_with("lock-version") {
            return LockKind::Pylock;
        }
        if line == "[metadata]" || line.starts_with("[metadata.") {
            return LockKind::PoetryLock;
        }
        if line.starts_with("revision") || line.starts_with("requires-python") {
            return LockKind::UvLock;
        }
        if line == "[[package]]" {
            has_package = true;
        }
    }
    // uv.lock says `version = <integer>`; poetry's versions are strings
    let integer_version = |l: &str| {
        let Some((key, value)) = l.split_once('=') else {
            return false;
        };
        let value = value.trim();
        key.trim() == "version" && !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
    };
    match (has_package, text.lines().any(integer_version)) {
        (true, true) => LockKind::UvLock,
        (true, false) => LockKind::PoetryLock,
        _ => LockKind::RequirementsTxt,
    }
}

/// One PEP 508 requirement (or a requirements-file requirement such as a local path) as a
/// lockfile entry with its problems, as a requirements line without options would read.
pub fn requirement_entry(text: &str) -> Result<LockedPackage, String> {
    requirements_txt::requirement_entry(text)
}

/// Largest lockfile (or included requirements file) read: far above any real one, and a bound
/// on what a hostile `-r /dev/zero` or a huge file can make pyvet allocate.
pub const MAX_LOCKFILE_SIZE: u64 = 64 << 20;

/// Read and parse a lockfile. `kind` overrides detection by name and content.
pub fn load(path: &Path, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    let bytes = crate::fsutil::read_regular(path, MAX_LOCKFILE_SIZE)
        .map_err(|e| input(path, None, format!("cannot read: {e}")))?;
    let text = decode(path, &bytes)?;
    load_str(path, &text, kind)
}

/// Read and parse a lockfile the user named on the command line: like [`load`], but a pipe is
/// accepted too, so process substitution works (`pyvet diff <(git show HEAD:uv.lock) uv.lock`
/// names `/dev/fd/63`). Such a lockfile has no directory of its own: see
/// [`Lockfile::project_dir`].
pub fn load_named(path: &Path, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    if !crate::fsutil::is_pipe(path) {
        return load(path, kind);
    }
    let bytes = crate::fsutil::read_pipe(path, MAX_LOCKFILE_SIZE)
        .map_err(|e| input(path, None, format!("cannot read: {e}")))?;
    let text = decode(path, &bytes)?;
    let mut lock = load_str(path, &text, kind)?;
    lock.streamed = true;
    Ok(lock)
}

/// Parse lockfile text that did not come from disk (e.g. `git show REV:path`). `path` is used
/// for messages and for resolving relative includes.
pub fn load_str(path: &Path, text: &str, kind: Option<LockKind>) -> Result<Lockfile, Error> {
    let kind = kind
        .or_else(|| kind_from_name(path))
        .unwrap_or_else(|| kind_from_content(text));
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lock = Lockfile::new(path, kind);
    match kind {
        LockKind::RequirementsTxt => requirements_txt::parse(path, text, &mut lock)?,
        LockKind::PoetryLock => poetry_lock::parse(path, text, &mut lock)?,
        LockKind::UvLock => uv_lock::parse(path, text, &mut lock)?,
        LockKind::Pylock => pylock::parse(path, text, &mut lock)?,
        LockKind::Pyproject => pyproject::parse(path, text, &mut lock)?,
    }
    Ok(lock.finish())
}

/// Lockfiles are UTF-8 (a BOM is tolerated); anything else is an input error, located at the
/// line of the first bad byte.
fn decode(path: &Path, bytes: &[u8]) -> Result<String, Error> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let line = line_of_bytes(bytes, e.valid_up_to());
            Err(input(path, Some(line), "file is not valid UTF-8"))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the readers.

pub(crate) fn input(path: &Path, line: Option<usize>, message: impl Into<String>) -> Error {
    Error::Input(InputError::new(path, line, message))
}

/// 1-based line of a byte offset (offsets past the end give the last line).
fn line_of_bytes(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    note_scanned(end);
    1 + memchr::memchr_iter(b'\n', &bytes[..end]).count()
}

/// 1-based line of a byte offset into `text`. Scans from the start: for one-off messages only;
/// a reader that locates many entries uses a [`LineIndex`].
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    line_of_bytes(text.as_bytes(), offset)
}

/// The byte offsets where lines start, built in one pass, so that finding the line of each of
/// 100,000 packages is a binary search, not a scan from the top of the file each time (which
/// made large lockfiles quadratic).
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        note_scanned(text.len());
        Self { starts }
    }

    /// 1-based line of a byte offset (offsets past the end give the last line).
    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

thread_local! {
    static SCANNED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn note_scanned(bytes: usize) {
    SCANNED.with(|c| c.set(c.get().saturating_add(bytes as u64)));
}

/// Bytes this thread has scanned to compute line numbers since the last call (then reset).
/// A work counter for tests that keep parsing linear without timing it: a well-behaved reader
/// scans each file once.
#[doc(hidden)]
pub fn take_line_bytes_scanned() -> u64 {
    SCANNED.with(|c| c.replace(0))
}

/// A TOML error as an input error at the line its span starts on. Syntax errors read "invalid
/// TOML"; valid TOML of the wrong shape reads "not a valid `what`" (checked only on this error
/// path, by parsing again without a schema).
pub(crate) fn toml_error(path: &Path, text: &str, err: &toml::de::Error, what: &str) -> Error {
    let line = err.span().map(|s| line_of(text, s.start));
    let message = err.message().trim().to_string();
    if toml::from_str::<toml::Table>(text).is_ok() {
        input(path, line, format!("not a valid {what}: {message}"))
    } else {
        input(path, line, format!("invalid TOML: {message}"))
    }
}

/// Parse a `ALG:HEX` hash. Algorithms pyvet does not model (md5, blake2b, ...) are skipped
/// (`Ok(None)`): indexes publish them and lockfiles copy them, but they add no assurance here.
pub(crate) fn parse_hash(s: &str) -> Result<Option<Digest>, String> {
    let s = s.trim();
    let Some((alg, hex)) = s.split_once([':', '=']) else {
        return Err(format!(
            "malformed hash `{}`: expected ALGORITHM:HEX",
            clip(s)
        ));
    };
    match alg.parse::<HashAlgorithm>() {
        Ok(alg) => Digest::new(alg, hex).map(Some).map_err(|e| e.to_string()),
        Err(_) if is_known_weak_algorithm(alg) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// A `{ alg = hex }` table (pylock) into `Hashes`; unknown-but-real algorithms are skipped.
pub(crate) fn hashes_from_table<'a>(
    entries: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Result<Hashes, String> {
    let mut out = Hashes::default();
    for (alg, hex) in entries {
        match alg.parse::<HashAlgorithm>() {
            Ok(a) => out.insert(Digest::new(a, hex).map_err(|e| e.to_string())?),
            Err(_) if is_known_weak_algorithm(alg) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(out)
}

fn is_known_weak_algorithm(alg: &str) -> bool {
    let a = alg.trim().to_ascii_lowercase().replace('-', "_");
    matches!(
        a.as_str(),
        "md5"
            | "sha1"
            | "sha224"
            | "blake2b"
            | "blake2s"
            | "blake2b_256"
            | "sha3_256"
            | "sha3_384"
            | "sha3_512"
            | "sha3_224"
    )
}

/// Shorten untrusted text quoted in a message (on a char boundary).
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// The file name at the end of a URL's path, percent-decoded; query and fragment ignored.
pub(crate) fn url_filename(url: &str) -> String {
    let no_frag = url.split(['#', '?']).next().unwrap_or(url);
    let last = no_frag.rsplit('/').next().unwrap_or(no_frag);
    percent_decode(last)
}

/// The file name at the end of a local path (either separator).
pub(crate) fn path_filename(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hi = (bytes[i + 1] as char).to_digit(16);
            let lo = (bytes[i + 2] as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse an upload time (RFC 3339; a missing offset is taken as UTC, as PEP 751 requires UTC).
pub(crate) fn parse_timestamp(s: &str) -> Result<jiff::Timestamp, String> {
    let s = s.trim();
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    let with_z = format!("{}Z", s.replace(' ', "T"));
    with_z
        .parse::<jiff::Timestamp>()
        .map_err(|_| format!("invalid upload time `{}`", clip(s)))
}

/// Best-effort (name, version) from a distribution filename: wheels are `name-ver-...whl`,
/// sdists `name-ver.tar.gz`.
pub(crate) fn name_version_from_filename(filename: &str) -> Option<(String, String)> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".whl") {
        let mut parts = filename.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        if name.is_empty() || version.is_empty() {
            return None;
        }
        return Some((name.to_string(), version.to_string()));
    }
    let stem_len = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"]
        .iter()
        .find(|ext| lower.ends_with(*ext))
        .map(|ext| filename.len() - ext.len())?;
    let stem = filename.get(..stem_len)?;
    let (name, version) = stem.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() {
        return None;
    }
    Some((name.to_string(), version.to_string()))
}

/// Problems of a package whose source is an index, from its artifacts: none listed, or some
/// without a hash.
pub(crate) fn registry_problems(artifacts: &[Artifact]) -> Vec<Problem> {
    if artifacts.is_empty() {
        vec![Problem::NoArtifacts]
    } else if artifacts.iter().any(|a| a.hashes.is_empty()) {
        vec![Problem::Unhashed]
    } else {
        Vec::new()
    }
}

/// Problems of a direct-URL package: a URL without any hash cannot be verified.
pub(crate) fn url_problems(artifacts: &[Artifact], requirement_hashes: &[Digest]) -> Vec<Problem> {
    let hashed = !requirement_hashes.is_empty()
        || (!artifacts.is_empty() && artifacts.iter().all(|a| !a.hashes.is_empty()));
    if hashed {
        Vec::new()
    } else {
        vec![Problem::UrlWithoutHash]
    }
}

/// Whether a local path names the lockfile's own directory (`.`): the project itself, which
/// lockfile exporters list (`-e .`, `directory = { path = "." }`) but which is not a dependency.
pub(crate) fn is_project_root(path: &str) -> bool {
    matches!(path.trim_end_matches(['/', '\\']), "." | "")
}

/// Split `git+https://host/repo@rev#frag` style VCS URLs into (url, reference).
pub(crate) fn split_vcs_url(url: &str) -> (String, Option<String>) {
    let base = url.split('#').next().unwrap_or(url);
    // the revision is an `@` after the last `/` of the path (userinfo `@` comes before the path)
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    match base[path_start..].rfind('@') {
        Some(at) => {
            let at = path_start + at;
            let rev = &base[at + 1..];
            let rev = (!rev.is_empty()).then(|| rev.to_string());
            (base[..at].to_string(), rev)
        }
        None => (base.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_per_problem_with_the_ids_the_pipeline_expects() {
        let problems = [
            (
                Problem::Unpinned {
                    specifier: ">=1".into(),
                },
                "unpinned",
            ),
            (Problem::Unhashed, "unhashed"),
            (Problem::VcsSource, "vcs-source"),
            (Problem::LocalSource, "local-source"),
            (Problem::Editable, "editable-source"),
            (Problem::UrlWithoutHash, "url-without-hash"),
            (Problem::NoArtifacts, "no-artifacts"),
        ];
        assert_eq!(problems.len(), RULES.len());
        for (p, id) in problems {
            assert_eq!(problem_rule(&p).id, id);
        }
        assert_eq!(problem_rule(&Problem::Unhashed).severity, Severity::Low);
        assert_eq!(problem_rule(&Problem::VcsSource).severity, Severity::Medium);
    }

    #[test]
    fn detect_prefers_lockfiles_and_asks_between_requirements_files() {
        let dir = std::env::temp_dir().join(format!("pyvet-detect-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("requirements")).unwrap();
        let touch = |n: &str| std::fs::write(dir.join(n), "six==1.16.0\n").unwrap();
        assert_eq!(detect(&dir), Detected::None);
        let e = detect(&dir).require("in here").unwrap_err().to_string();
        assert!(
            e.contains("requirements*.txt, requirements/*.txt and pyproject.toml"),
            "{e}"
        );
        // The project's own pyproject.toml when there is nothing else, and only then.
        std::fs::write(dir.join("pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
        assert_eq!(detect(&dir), Detected::One(dir.join("pyproject.toml")));

        touch("requirements-dev.txt");
        assert_eq!(
            detect(&dir),
            Detected::One(dir.join("requirements-dev.txt"))
        );
        touch("requirements/prod.txt");
        touch("requirements/notes.md");
        assert_eq!(
            detect(&dir),
            Detected::Several(vec![
                dir.join("requirements-dev.txt"),
                dir.join("requirements/prod.txt")
            ])
        );
        let e = detect(&dir).require("in here").unwrap_err().to_string();
        assert!(
            e.contains("2 lockfiles found in here:") && e.contains("requirements/prod.txt"),
            "{e}"
        );
        // A lockfile proper wins over requirements files, uv.lock over the rest.
        touch("poetry.lock");
        assert_eq!(detect(&dir), Detected::One(dir.join("poetry.lock")));
        touch("pylock.toml");
        touch("pylock.dev.toml");
        assert!(matches!(detect(&dir), Detected::Several(v) if v.len() == 2));
        touch("uv.lock");
        assert_eq!(detect(&dir), Detected::One(dir.join("uv.lock")));
        // A directory named like a lockfile is not one.
        std::fs::remove_file(dir.join("uv.lock")).unwrap();
        std::fs::create_dir(dir.join("uv.lock")).unwrap();
        assert!(matches!(detect(&dir), Detected::Several(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kind_names_agree_between_cli_and_json() {
        use clap::ValueEnum;
        for k in LockKind::value_variants() {
            let cli = k.to_possible_value().unwrap().get_name().to_string();
            assert_eq!(cli, k.as_str());
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(cli));
        }
    }

    #[test]
    fn kinds_from_names() {
        let k = |n: &str| kind_from_name(Path::new(n));
        assert_eq!(k("a/uv.lock"), Some(LockKind::UvLock));
        assert_eq!(k("poetry.lock"), Some(LockKind::PoetryLock));
        assert_eq!(k("pylock.toml"), Some(LockKind::Pylock));
        assert_eq!(k("pylock.dev.toml"), Some(LockKind::Pylock));
        assert_eq!(k("requirements-dev.txt"), Some(LockKind::RequirementsTxt));
        assert_eq!(k("requirements.in"), Some(LockKind::RequirementsTxt));
        assert_eq!(k("lock"), None);
        assert_eq!(k("pyproject.toml"), Some(LockKind::Pyproject));
    }

    #[test]
    fn kinds_from_content() {
        assert_eq!(
            kind_from_content("version = 1\nrevision = 3\n[[package]]\nname='a'\n"),
            LockKind::UvLock
        );
        assert_eq!(
            kind_from_content("lock-version = '1.0'\n[[packages]]\nname='a'\n"),
            LockKind::Pylock
        );
        assert_eq!(
            kind_from_content(
                "[[package]]\nname='a'\nversion='1'\n[metadata]\nlock-version='2.1'\n"
            ),
            LockKind::PoetryLock
        );
        assert_eq!(
            kind_from_content("six==1.16.0\n"),
            LockKind::RequirementsTxt
        );
        assert_eq!(
            kind_from_content("version = 1\n[[package]]\nname = 'a\n"),
            LockKind::UvLock
        );
        assert_eq!(
            kind_from_content("[[packages]]\nname = 'a\n"),
            LockKind::Pylock
        );
        assert_eq!(
            kind_from_content("[[package]]\nname = 'a\nversion = \"1\"\n"),
            LockKind::PoetryLock
        );
        assert_eq!(kind_from_content(""), LockKind::RequirementsTxt);
    }

    #[test]
    fn helpers() {
        assert_eq!(
            url_filename("https://e.invalid/p/a%2Bb-1.0.tar.gz#sha256=00"),
            "a+b-1.0.tar.gz"
        );
        assert_eq!(url_filename("%"), "%");
        assert_eq!(url_filename("%4"), "%4");
        assert_eq!(
            name_version_from_filename("six-1.16.0-py2.py3-none-any.whl"),
            Some(("six".into(), "1.16.0".into()))
        );
        assert_eq!(
            name_version_from_filename("typing_extensions-4.16.0.tar.gz"),
            Some(("typing_extensions".into(), "4.16.0".into()))
        );
        assert_eq!(name_version_from_filename("x.tar.gz"), None);
        assert_eq!(
            split_vcs_url("git+https://u@e.invalid/o/r.git@v1.0#egg=r"),
            (
                "git+https://u@e.invalid/o/r.git".into(),
                Some("v1.0".into())
            )
        );
        assert_eq!(
            split_vcs_url("git+https://u@e.invalid/o/r"),
            ("git+https://u@e.invalid/o/r".into(), None)
        );
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 99), 3);
        let idx = LineIndex::new("a\nb\nc");
        for off in 0..8 {
            assert_eq!(idx.line(off), line_of("a\nb\nc", off), "{off}");
        }
        assert_eq!(LineIndex::new("").line(0), 1);
        assert!(parse_hash("md5:abc").unwrap().is_none());
        assert!(parse_hash("sha256:abc").is_err());
        assert!(parse_hash("foo:abc").is_err());
        assert!(clip(&"é".repeat(100)).ends_with("..."));
        assert!(parse_timestamp("2024-01-02T03:04:05").is_ok());
        assert!(parse_timestamp("2024-01-02T03:04:05.1Z").is_ok());
        assert!(parse_timestamp("yesterday").is_err());
    }
}
