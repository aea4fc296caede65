//! Safe, in-memory reading of distribution files: wheels, sdists (.tar.gz, .tgz, .tar.bz2,
//! .tar.xz, .tar, .zip) and unpacked directories. Nothing is ever extracted to disk and no
//! link is ever followed. Hostile archives are normal input: limits on inflated size, ratio,
//! entry count, path length and file size are enforced while bytes come out of the
//! decompressor (declared sizes are never trusted) and turn into findings (`archive-bomb`,
//! `path-traversal`, `archive-link`, ...) rather than crashes, hangs or huge allocations.
//!
//! Formats: `zip.rs` is our own zip reader (central directory, zip64, data descriptors, prefix
//! data, comments, duplicated end records); `tar.rs` reads tarballs through a bounded reader;
//! `dir.rs` walks an unpacked tree. All three feed one [`Collector`] that applies path safety,
//! duplicate detection, the keep policy and the totals, so every format behaves alike. Wheels
//! then have their `RECORD` checked against what was actually read (`record.rs`), and core
//! metadata is parsed from `METADATA` / `PKG-INFO` (`metadata.rs`).
//!
//! Memory: only regular files are kept, as [`ArchiveEntry`]. With [`ReadOptions::keep`] a
//! caller chooses which files are kept whole; every other file is kept whole only while it is
//! smaller than [`ReadOptions::keep_small`] (1 MiB), otherwise only its first
//! [`ReadOptions::keep_prefix`] bytes (4 KiB) are kept, which is enough to recognise a bundled
//! executable or archive by its magic number. Every file is still streamed through SHA-256 so
//! wheel `RECORD` checks cover all of them.

mod dir;
mod metadata;
mod record;
mod tar;
mod zip;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use sha2::Digest as _;

use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::ArtifactKind;

pub use metadata::parse_metadata;
pub use record::{parse_record, RecordRow};

/// Limits applied while reading one archive.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total bytes of all inflated entries (for tarballs: of the decompressed tar stream).
    pub max_total_size: u64,
    /// Bytes of one inflated file; larger files are skipped with an `archive-bomb` finding.
    pub max_file_size: u64,
    /// Number of entries (directories included); reading stops past it.
    pub max_entries: usize,
    /// Inflated/compressed ratio for the whole archive, and for each zip entry held whole for
    /// inspection (against the compressed bytes it has consumed so far). Only checked once
    /// at least [`RATIO_MIN_SIZE`] bytes have come out, so tiny highly compressible files
    /// (empty `__init__.py`, license texts) never trip it.
    pub max_ratio: u64,
    /// Bytes of one entry path.
    pub max_path_len: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_total_size: 2 << 30,
            max_file_size: 512 << 20,
            max_entries: 200_000,
            max_ratio: 200,
            max_path_len: 1024,
        }
    }
}

/// Compression ratios are only meaningful once this many bytes have been inflated.
pub const RATIO_MIN_SIZE: u64 = 1 << 20;

/// One regular file from an archive.
#[derive(Debug, Clone)]
pub struct ArchiveEntry {
    /// Path inside the artifact, `/`-separated, as stored (after safety checks).
    pub path: String,
    /// The file's bytes, or only its first bytes when the keep policy said so (see
    /// [`ReadOptions`]; [`ReadOutcome::partial`] lists such files with their full size).
    /// Shared, so that an observer (see [`read_artifact_observed`]) can work on a file while
    /// the rest of the archive is still being read.
    pub data: Arc<Vec<u8>>,
}

/// Called with each regular file as soon as a reader has it whole. The entry's `data` is the
/// same allocation (`Arc::ptr_eq`) as in [`ArchiveContents::entries`] if the file is kept
/// there; a file a later limit drops may have been observed and not be in the result.
pub type Observer<'a> = &'a (dyn Fn(&ArchiveEntry) + Sync);

/// Core metadata read from the artifact itself (wheel METADATA or sdist PKG-INFO).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DistMetadata {
    pub name: Option<String>,
    pub version: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer_email: Option<String>,
    pub home_page: Option<String>,
    pub project_urls: Vec<(String, String)>,
    pub requires_dist: Vec<String>,
}

/// Everything read from one artifact.
#[derive(Debug, Clone)]
pub struct ArchiveContents {
    /// Artifact filename (or directory name).
    pub filename: String,
    pub kind: ArtifactKind,
    /// Regular files, in archive order. Skipped entries (links, devices, unsafe paths, files
    /// over limits) are not here; each produced a finding instead.
    pub entries: Vec<ArchiveEntry>,
    /// Archive-level findings (bombs, traversal, links, RECORD mismatches).
    pub findings: Vec<Finding>,
    pub metadata: Option<DistMetadata>,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{filename}: not a readable {format} archive: {message}")]
    Malformed {
        filename: String,
        format: &'static str,
        message: String,
    },
    #[error("{filename}: unsupported archive format")]
    Unsupported { filename: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// How to read: limits plus which files to keep whole.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub limits: Limits,
    /// Files for which this returns `true` (given the path inside the artifact) are kept whole.
    /// `None` keeps every file whole. Core metadata (`METADATA`, `PKG-INFO`, `RECORD`,
    /// `WHEEL`, `entry_points.txt`) is always kept whole.
    pub keep: Option<fn(&str) -> bool>,
    /// Files not selected by `keep` are still kept whole below this size...
    pub keep_small: u64,
    /// ...and otherwise only their first `keep_prefix` bytes are kept.
    pub keep_prefix: usize,
    /// The budget kept bytes are reserved from; `None` is the process-wide
    /// [`MemoryBudget::global`], shared by every artifact being read at once.
    pub memory: Option<Arc<MemoryBudget>>,
}

/// Default [`MemoryBudget`]: inflated bytes held for inspection across every artifact read at
/// once. Sized for CI runners (7 GiB and up): real packages hold a few MiB each (numpy's
/// wheel: 8 MiB of Python), so only a decompression bomb comes near it.
pub const DEFAULT_MEMORY_BUDGET: u64 = 1 << 30;

/// Inflated bytes held in memory (kept for inspection, counted by buffer capacity) across all
/// artifacts being read at the same time, bounded by a cap, so that several bombs in flight at
/// once cannot exhaust the machine's memory while each stays inside its own limits.
///
/// A reservation never blocks: readers inflate on a rayon pool, where a worker that blocked
/// could be the one whose stack holds the memory it waits for. What does not fit is told apart:
///
/// - **alone**: the artifact's own bytes plus the request exceed the whole cap. It could not be
///   held even with nothing else in flight, so the file is kept as a prefix and reported
///   (`archive-bomb`, high): a property of the artifact, the same on every run.
/// - **contended**: it would fit but other artifacts hold the rest. The read is marked
///   contended; [`crate::inspect::read_and_inspect`] throws the attempt away (releasing all it
///   held) and reads the artifact again *exclusively*: it waits (a [`Condvar`], on the calling
///   thread, outside the pool) until no other attempt is under way, while new attempts wait
///   behind it. Alone, only an artifact that exceeds the cap by itself can be denied, so an
///   innocent large wheel read alongside others is never reported.
///
/// Progress is guaranteed: only threads outside the inspection pool and outside any read wait
/// (see [`never_wait_on_this_thread`]); an attempt under way never waits, so it ends and gives
/// its bytes back (at the end of the attempt, inside the pool). Exclusive attempts are served
/// first come, first served. Reads that do not go through the gate (the `read_*` functions of
/// this module called directly: `pyvet diff`, `db import`, directories in `pyvet scan`) keep
/// the old behaviour: a contended file is reported, with a message that says so.
#[derive(Debug)]
pub struct MemoryBudget {
    cap: AtomicU64,
    held: AtomicU64,
    /// Attempts whose read lost a reservation to other artifacts (for tests and benchmarks).
    contended: AtomicU64,
    gate: Mutex<Gate>,
    turn: Condvar,
}

/// Who may start a read attempt.
#[derive(Debug)]
struct Gate {
    /// Attempts under way, shared and exclusive.
    active: usize,
    /// An exclusive attempt is under way.
    exclusive: bool,
    /// Exclusive attempts are served by ticket: `next` is handed out, `serving` goes next.
    next: u64,
    serving: u64,
}

thread_local! {
    static NEVER_WAIT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Mark the current thread as one that must never block waiting for memory: a worker of the
/// pool reads and inspections run in (its stack may hold reads others wait for).
pub fn never_wait_on_this_thread() {
    NEVER_WAIT.with(|w| w.set(true));
}

/// Whether the current thread may block waiting for memory (see [`never_wait_on_this_thread`]).
pub fn may_wait_here() -> bool {
    !NEVER_WAIT.with(std::cell::Cell::get)
}

impl MemoryBudget {
    pub const fn new(cap: u64) -> Self {
        Self {
            cap: AtomicU64::new(cap),
            held: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            gate: Mutex::new(Gate {
                active: 0,
                exclusive: false,
                next: 0,
                serving: 0,
            }),
            turn: Condvar::new(),
        }
    }

    /// The process-wide budget (cap [`DEFAULT_MEMORY_BUDGET`] until [`MemoryBudget::set_cap`]).
    pub fn global() -> &'static Arc<MemoryBudget> {
        static GLOBAL: std::sync::LazyLock<Arc<MemoryBudget>> =
            std::sync::LazyLock::new(|| Arc::new(MemoryBudget::new(DEFAULT_MEMORY_BUDGET)));
        &GLOBAL
    }

    pub fn set_cap(&self, cap: u64) {
        self.cap.store(cap, Ordering::Relaxed);
    }

    pub fn cap(&self) -> u64 {
        self.cap.load(Ordering::Relaxed)
    }

    /// Bytes reserved right now.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }

    /// Read attempts that were contended (and, through the gate, read again exclusively).
    pub fn contended_attempts(&self) -> u64 {
        self.contended.load(Ordering::Relaxed)
    }

    /// Exclusive attempts waiting for their turn right now.
    pub fn waiting(&self) -> u64 {
        let g = self.lock();
        g.next - g.serving
    }

    fn try_reserve(&self, n: u64) -> bool {
        let before = self.held.fetch_add(n, Ordering::AcqRel);
        if before.saturating_add(n) > self.cap() {
            self.held.fetch_sub(n, Ordering::AcqRel);
            return false;
        }
        true
    }

    fn release(&self, n: u64) {
        self.held.fetch_sub(n, Ordering::AcqRel);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Permission to start a read attempt. A shared attempt waits only while an exclusive one
    /// is under way or waiting; an exclusive one waits until no other attempt is under way and
    /// earlier exclusive ones are done. On a thread that must not wait, a shared pass is given
    /// at once and an exclusive one not at all (`None`).
    pub fn enter(self: &Arc<Self>, exclusive: bool) -> Option<Pass> {
        let wait = may_wait_here();
        if exclusive && !wait {
            return None;
        }
        let mut g = self.lock();
        if exclusive {
            let ticket = g.next;
            g.next += 1;
            while g.serving != ticket || g.exclusive || g.active > 0 {
                g = self.turn.wait(g).unwrap_or_else(PoisonError::into_inner);
            }
            g.serving += 1;
            g.exclusive = true;
        } else if wait {
            while g.exclusive || g.next != g.serving {
                g = self.turn.wait(g).unwrap_or_else(PoisonError::into_inner);
            }
        }
        g.active += 1;
        drop(g);
        Some(Pass {
            budget: Arc::clone(self),
            exclusive,
        })
    }

    /// Hold `bytes` as an attempt under way would (a shared pass and a reservation), until the
    /// result is dropped; `None` when they do not fit. For tests that need another artifact
    /// "in flight" at a known moment.
    #[doc(hidden)]
    pub fn hold(self: &Arc<Self>, bytes: u64) -> Option<Hold> {
        let pass = self.enter(false)?;
        if !self.try_reserve(bytes) {
            return None;
        }
        let held = Held::new(Arc::clone(self));
        held.bytes.store(bytes, Ordering::Release);
        Some(Hold {
            _held: held,
            _pass: pass,
        })
    }
}

/// One read attempt's place at the [`MemoryBudget`] gate; dropping it lets others in.
#[derive(Debug)]
pub struct Pass {
    budget: Arc<MemoryBudget>,
    exclusive: bool,
}

impl Pass {
    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }
}

impl Drop for Pass {
    fn drop(&mut self) {
        let mut g = self.budget.lock();
        g.active -= 1;
        if self.exclusive {
            g.exclusive = false;
        }
        drop(g);
        self.budget.turn.notify_all();
    }
}

/// Bytes held as by an attempt under way (see [`MemoryBudget::hold`]).
#[derive(Debug)]
pub struct Hold {
    _held: Held,
    _pass: Pass,
}

/// Why a reservation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Denied {
    /// This artifact alone would hold more than the whole budget.
    Alone,
    /// It would fit, but other artifacts hold the rest.
    Contended,
}

/// What one artifact's read holds of a [`MemoryBudget`]; given back when the read's
/// [`ReadOutcome`] is dropped (its entries are the memory held), or earlier with
/// [`ReadOutcome::release_budget`].
#[derive(Debug)]
pub(crate) struct Held {
    budget: Arc<MemoryBudget>,
    bytes: AtomicU64,
    /// A reservation was refused because of other artifacts.
    contended: std::sync::atomic::AtomicBool,
}

impl Held {
    fn new(budget: Arc<MemoryBudget>) -> Self {
        Self {
            budget,
            bytes: AtomicU64::new(0),
            contended: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn try_reserve(&self, n: u64) -> bool {
        let ok = self.budget.try_reserve(n);
        if ok {
            self.bytes.fetch_add(n, Ordering::AcqRel);
        }
        ok
    }

    /// Why `n` more bytes could not be reserved (recording a contended read).
    fn denied(&self, n: u64) -> Denied {
        if self.bytes.load(Ordering::Acquire).saturating_add(n) > self.budget.cap() {
            return Denied::Alone;
        }
        if !self.contended.swap(true, Ordering::AcqRel) {
            self.budget.contended.fetch_add(1, Ordering::Relaxed);
        }
        Denied::Contended
    }

    fn release(&self, n: u64) {
        // Never more than is held (after `release_all`, the sinks' own releases are no-ops).
        let mut current = self.bytes.load(Ordering::Acquire);
        loop {
            let give = n.min(current);
            match self.bytes.compare_exchange(
                current,
                current - give,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    self.budget.release(give);
                    return;
                }
                Err(now) => current = now,
            }
        }
    }

    fn release_all(&self) {
        let n = self.bytes.swap(0, Ordering::AcqRel);
        self.budget.release(n);
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.release(*self.bytes.get_mut());
    }
}

impl Default for ReadOptions {
    /// The inspector's policy: [`inspectable`] files whole, small files whole, a 4 KiB prefix
    /// of anything else.
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            keep: Some(inspectable),
            keep_small: 1 << 20,
            keep_prefix: 4096,
            memory: None,
        }
    }
}

impl ReadOptions {
    /// Keep every file whole (tests, `pyvet diff`).
    pub fn keep_all(limits: Limits) -> Self {
        Self {
            limits,
            keep: None,
            ..Self::default()
        }
    }

    /// The inspector's default policy with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }
}

/// The default keep predicate: source and scripts the inspector reads (Python, shell, batch,
/// PowerShell, JavaScript), configuration and text (`.cfg`, `.toml`, `.txt`, `.json`, `.ini`,
/// `.yaml`), and packaging metadata.
pub fn inspectable(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    const EXT: &[&str] = &[
        ".py", ".pyi", ".pyw", ".pth", ".pyx", ".pxd", ".pxi", ".sh", ".bash", ".bat", ".cmd",
        ".ps1", ".js", ".mjs", ".cjs", ".cfg", ".toml", ".txt", ".json", ".ini", ".yaml", ".yml",
        ".in", ".spec",
    ];
    EXT.iter().any(|e| lower.ends_with(e))
        || matches!(
            lower.as_str(),
            "metadata" | "record" | "wheel" | "pkg-info" | "setup.py" | "makefile"
        )
        || is_core_metadata(path)
}

fn is_core_metadata(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "METADATA" | "PKG-INFO" | "RECORD" | "WHEEL" | "entry_points.txt"
    )
}

/// A read with the details [`ArchiveContents`] does not carry.
#[derive(Debug, Clone)]
pub struct ReadOutcome {
    pub contents: ArchiveContents,
    /// Files kept only as a prefix: path -> full inflated size.
    pub partial: BTreeMap<String, u64>,
    /// Bytes inflated in total (regular files only).
    pub total_size: u64,
    /// This read's share of the memory budget, released when the outcome is dropped.
    held: Arc<Held>,
}

impl ReadOutcome {
    /// Whether a file could not be held because other artifacts held the budget (the read is
    /// worth doing again alone; see [`MemoryBudget`]).
    pub fn contended(&self) -> bool {
        self.held.contended.load(Ordering::Acquire)
    }

    /// Give this read's share of the memory budget back now, before the outcome is dropped
    /// (an attempt ends inside the pool; the caller drops the entries right after).
    pub fn release_budget(&self) {
        self.held.release_all();
    }
}

pub static ARCHIVE_UNREADABLE: RuleInfo = RuleInfo {
    id: "archive-unreadable",
    severity: Severity::High,
    summary: "An artifact could not be read as the archive its name claims",
    help: "The file is not a readable wheel or sdist: truncated, corrupt, or not an archive at \
           all. An installer would fail on it or, worse, a different tool would read it \
           differently. Nothing inside could be inspected, so the package cannot be vetted. \
           Re-download it and compare its hash with the lockfile; a persistent failure on an \
           index file is worth reporting to the index.",
};

pub static ARCHIVE_BOMB: RuleInfo = RuleInfo {
    id: "archive-bomb",
    severity: Severity::High,
    summary: "Archive exceeds a size, ratio, entry-count or path-length limit",
    help: "The artifact inflates to more data than the configured limits allow (total or \
           per-file size), compresses at an implausible ratio, holds too many entries, or \
           has an absurdly long path. Decompression bombs exhaust disk and memory of \
           installers and scanners; pyvet stops inflating at the limit, so the rest of the \
           artifact is not inspected. Critical when the ratio is far beyond anything real \
           code produces. Very large native wheels (CUDA builds) can exceed the per-file \
           limit legitimately: raise the limits in configuration if the file is expected.",
};

pub static PATH_TRAVERSAL: RuleInfo = RuleInfo {
    id: "path-traversal",
    severity: Severity::High,
    summary: "Archive entry path is absolute, climbs with `..`, or is otherwise unsafe",
    help: "An entry name that is absolute (`/etc/passwd`), contains `..` components, \
           backslashes, a drive letter (`C:\\x`), NUL bytes or bytes that are not UTF-8 \
           can make a naive extractor write outside the target directory, or show a \
           reviewer a different name than the one installed. The entry is skipped. \
           Legitimate packaging tools never produce such names, so there is no benign \
           reading of this finding beyond a broken build tool.",
};

pub static ARCHIVE_LINK: RuleInfo = RuleInfo {
    id: "archive-link",
    severity: Severity::Medium,
    summary: "Archive contains a symlink, hard link, device or FIFO entry",
    help: "Links let an extractor write or read through a path other than the one shown; \
           a link pointing outside the archive (absolute or climbing with `..`) is graded \
           high, as is a character or block device. Wheels cannot carry links at all and \
           installers skip or reject them; in an sdist they sometimes appear for shared \
           files (README symlinked into a subpackage), which is the usual false alarm. \
           The entry is skipped and never followed.",
};

pub static DUPLICATE_ENTRY: RuleInfo = RuleInfo {
    id: "duplicate-entry",
    severity: Severity::Medium,
    summary: "The same path appears twice in an archive with different content",
    help: "When an archive holds two entries with the same name, extractors keep the last \
           one while listings and many review tools show the first, so a reviewer can be \
           shown harmless code while something else is installed. Exact duplicates with \
           identical content are ignored. Both copies are inspected. Names that differ \
           only by letter case are reported at low severity: they collide on \
           case-insensitive file systems (Windows, macOS).",
};

pub static RECORD_MISMATCH: RuleInfo = RuleInfo {
    id: "record-mismatch",
    severity: Severity::High,
    summary: "Wheel content does not match its RECORD (hash, size, unlisted or missing file)",
    help: "A wheel's `.dist-info/RECORD` lists every file with its SHA-256 and size. A \
           file whose hash or size differs, a file not listed, or a listed file that is \
           absent means the wheel was modified after it was built (tampering, or a \
           careless repack). Installers do not check RECORD, so a tampered file is \
           installed silently. Graded high for Python code (`.py`, `.pth`, `.pyc`, \
           scripts) and medium for other files.",
};

pub static RECORD_MISSING: RuleInfo = RuleInfo {
    id: "record-missing",
    severity: Severity::Medium,
    summary: "Wheel has no .dist-info/RECORD",
    help: "Every wheel must carry `<name>.dist-info/RECORD` listing its files and their \
           hashes. Without it nothing ties the files to the build that produced them and \
           uninstall cannot remove them cleanly. Hand-made or repacked wheels are the \
           usual cause; a wheel from a mainstream build backend always has one.",
};

pub static ARCHIVE_AMBIGUOUS: RuleInfo = RuleInfo {
    id: "archive-ambiguous",
    severity: Severity::Medium,
    summary: "Installers and extractors would read this zip differently (names or bytes)",
    help: "A zip describes each entry twice (a local header before its data, a central \
           directory record at the end) and may name it three ways (the header name, decoded \
           as cp437 or UTF-8, and an Info-ZIP Unicode Path field). Python's zipfile (pip) \
           trusts the central directory and, from 3.12, the Unicode field; older Pythons \
           ignore that field; streaming extractors (uv installs wheels as they download) read \
           local headers only, including ones the directory does not list. Reported: names \
           that disagree, local headers contradicting the directory on anything that changes \
           bytes or names, unlisted local headers, a CRC-32 that does not match the data, a \
           declared size that is not the real one, a header found only at an unshifted \
           offset, and data before or after the archive. Each entry is inspected under every \
           name and every copy an installer could use. High when one of the readings is code \
           (Python, .pth, scripts, native libraries): that is a differential hiding code from \
           whoever reads the archive the other way. Mainstream build tools never produce any \
           of this; extra data around the archive (a self-extracting stub) is low.",
};

pub static ARCHIVE_UNSUPPORTED_ENTRY: RuleInfo = RuleInfo {
    id: "archive-unsupported-entry",
    severity: Severity::Info,
    summary: "Archive entry could not be read (encrypted or unsupported compression)",
    help: "The entry uses a compression method pyvet does not decode (bzip2, LZMA, zstd \
           inside a zip), is encrypted, or has a type pyvet does not read (sparse files), \
           so its content was not inspected. Installers generally cannot read such \
           entries either; encryption in a Python package is graded medium because it \
           can only serve to hide content from review.",
};

pub static RULES: &[&RuleInfo] = &[
    &ARCHIVE_UNREADABLE,
    &ARCHIVE_BOMB,
    &PATH_TRAVERSAL,
    &ARCHIVE_LINK,
    &DUPLICATE_ENTRY,
    &RECORD_MISMATCH,
    &RECORD_MISSING,
    &ARCHIVE_AMBIGUOUS,
    &ARCHIVE_UNSUPPORTED_ENTRY,
];

/// The `archive-unreadable` finding for an artifact whose read failed with `e`.
pub fn unreadable(e: &ArchiveError) -> Finding {
    ARCHIVE_UNREADABLE
        .finding(format!("cannot read the artifact: {e}"))
        .with_confidence(Confidence::Medium)
}

/// Read an artifact held in memory with the default [`ReadOptions`] (the inspector's keep
/// policy: code and text whole, other large files as a 4 KiB prefix). The format is chosen
/// from the filename (`.whl`, `.zip`, `.egg`, `.tar.gz`, `.tgz`, `.tar.bz2`, `.tbz2`,
/// `.tar.xz`, `.txz`, `.tar`).
pub fn read_artifact(
    filename: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<ArchiveContents, ArchiveError> {
    read_artifact_with(filename, bytes, &ReadOptions::with_limits(limits.clone()))
        .map(|o| o.contents)
}

/// Read a local artifact file or an unpacked directory with the default [`ReadOptions`].
pub fn read_path(path: &Path, limits: &Limits) -> Result<ArchiveContents, ArchiveError> {
    read_path_with(path, &ReadOptions::with_limits(limits.clone())).map(|o| o.contents)
}

/// Archive formats, from the filename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Zip,
    Tar(tar::Compression),
}

fn format_of(filename: &str, bytes: &[u8]) -> Option<Format> {
    let lower = filename.to_ascii_lowercase();
    let by_name = if lower.ends_with(".whl") || lower.ends_with(".zip") || lower.ends_with(".egg") {
        Some(Format::Zip)
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        Some(Format::Tar(tar::Compression::Gzip))
    } else if lower.ends_with(".tar.bz2") || lower.ends_with(".tbz2") || lower.ends_with(".tbz") {
        Some(Format::Tar(tar::Compression::Bzip2))
    } else if lower.ends_with(".tar.xz") || lower.ends_with(".txz") {
        Some(Format::Tar(tar::Compression::Xz))
    } else if lower.ends_with(".tar") {
        Some(Format::Tar(tar::Compression::None))
    } else {
        None
    };
    by_name.or_else(|| bytes.starts_with(b"PK\x03\x04").then_some(Format::Zip))
}

/// The archive format the first bytes say (zip local header, gzip/bzip2/xz magic).
fn format_by_magic(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") {
        Some(Format::Zip)
    } else if bytes.starts_with(&[0x1f, 0x8b]) {
        Some(Format::Tar(tar::Compression::Gzip))
    } else if bytes.starts_with(b"BZh") {
        Some(Format::Tar(tar::Compression::Bzip2))
    } else if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some(Format::Tar(tar::Compression::Xz))
    } else {
        None
    }
}

/// Read an artifact held in memory.
pub fn read_artifact_with(
    filename: &str,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<ReadOutcome, ArchiveError> {
    read_in_memory(filename, bytes, opts, None)
}

/// [`read_artifact_with`], telling `observer` about each file as soon as it is read whole, so
/// the caller can work on the first files while the rest are still being decompressed (a
/// tarball inflates sequentially, file after file; zip entries inflate in parallel, the
/// largest first). See [`Observer`] for how to match observed files with the result.
pub fn read_artifact_observed(
    filename: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    observer: Observer<'_>,
) -> Result<ReadOutcome, ArchiveError> {
    read_in_memory(filename, bytes, opts, Some(observer))
}

fn read_in_memory(
    filename: &str,
    bytes: &[u8],
    opts: &ReadOptions,
    observer: Option<Observer<'_>>,
) -> Result<ReadOutcome, ArchiveError> {
    let named = format_of(filename, bytes).ok_or_else(|| ArchiveError::Unsupported {
        filename: filename.to_string(),
    })?;
    // pip unpacks by content as well as by name (`zipfile.is_zipfile` first): a zip named
    // `.tar.gz` installs as a zip, so it is read as one and the disagreement reported.
    let format = match (named, format_by_magic(bytes)) {
        (Format::Tar(_), Some(m @ Format::Zip)) | (Format::Zip, Some(m @ Format::Tar(_))) => m,
        _ => named,
    };
    // Roles follow the content: a zip named as an sdist has no sdist root directory.
    let kind = if format == named {
        ArtifactKind::from_filename(filename)
    } else {
        ArtifactKind::Other
    };
    let mut c = Collector::new(filename, opts, bytes.len() as u64);
    if format != named {
        let (is, says) = match format {
            Format::Zip => ("a zip archive", "a tarball"),
            Format::Tar(_) => ("a tarball", "a zip archive"),
        };
        c.finding(
            &ARCHIVE_AMBIGUOUS,
            Severity::Medium,
            None,
            format!(
                "the file is {is} although its name says {says}; installers that unpack by \
                 content read it as {is}, and so was it here"
            ),
            None,
        );
    }
    match format {
        Format::Zip => zip::read(bytes, &mut c, observer)?,
        Format::Tar(compression) => {
            c.observer = observer;
            tar::read(bytes, compression, &mut c)?;
            c.observer = None;
        }
    }
    Ok(c.finish(kind))
}

/// Read a local artifact file or an unpacked directory (walked without following links).
pub fn read_path_with(path: &Path, opts: &ReadOptions) -> Result<ReadOutcome, ArchiveError> {
    let io_err = |source| ArchiveError::Io {
        path: path.display().to_string(),
        source,
    };
    let meta = std::fs::symlink_metadata(path).map_err(io_err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if meta.is_dir() {
        let mut c = Collector::new(&name, opts, 0);
        dir::read(path, &mut c)?;
        Ok(c.finish(ArtifactKind::Sdist))
    } else {
        // A regular file only: a device (`/dev/zero`) or a FIFO would never end.
        let bytes = crate::fsutil::read_regular(path, u64::MAX).map_err(io_err)?;
        read_artifact_with(&name, &bytes, opts)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared machinery for the format readers.

/// Truncate evidence to about 200 characters, on a character boundary.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 200;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Why an entry name was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsafePath {
    pub lossy: String,
    pub reason: &'static str,
}

/// Validate and normalise an entry name: `/`-separated, no `.` or empty components, no
/// trailing `/`. Returns `Ok(None)` for names that are only the archive root (`./`).
pub(crate) fn check_path(raw: &[u8]) -> Result<Option<String>, UnsafePath> {
    let lossy = || String::from_utf8_lossy(raw).into_owned();
    let bad = |reason| UnsafePath {
        lossy: lossy(),
        reason,
    };
    if raw.contains(&0) {
        return Err(bad("contains a NUL byte"));
    }
    let s = std::str::from_utf8(raw).map_err(|_| bad("is not valid UTF-8"))?;
    if s.contains('\\') {
        return Err(bad("contains a backslash"));
    }
    if s.starts_with('/') {
        return Err(bad("is absolute"));
    }
    let b = s.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return Err(bad("starts with a drive letter"));
    }
    let mut parts = Vec::new();
    for comp in s.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err(bad("contains a `..` component")),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some(parts.join("/")))
}

/// Whether a link target, relative to the link's own directory, stays inside the archive.
pub(crate) fn link_stays_inside(link_path: &str, target: &[u8]) -> bool {
    let Ok(t) = std::str::from_utf8(target) else {
        return false;
    };
    if t.is_empty() || t.starts_with('/') || t.contains('\\') || t.contains('\0') {
        return false;
    }
    let tb = t.as_bytes();
    if tb.len() >= 2 && tb[0].is_ascii_alphabetic() && tb[1] == b':' {
        return false;
    }
    let mut depth: Vec<&str> = link_path.split('/').collect();
    depth.pop(); // the link's own name
    for comp in t.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            c => depth.push(c),
        }
    }
    true
}

/// Whether a path is Python code (or a script) for grading RECORD and duplicate findings.
pub(crate) fn is_python_like(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".py", ".pyw", ".pyc", ".pyo", ".pth", ".pyi", ".pyx"]
        .iter()
        .any(|e| lower.ends_with(e))
        || lower.contains(".data/scripts/")
}

/// The kind of a non-regular entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkKind {
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// Facts about one regular file that was fully streamed (for RECORD and duplicates).
#[derive(Debug, Clone)]
pub(crate) struct FileFact {
    pub path: String,
    pub size: u64,
    pub sha256: [u8; 32],
}

/// A file as streamed out of a format reader: hashed in full, kept whole or as a prefix.
#[derive(Debug)]
pub(crate) struct Streamed {
    /// Shared from the start, so that an observer can have the file while the reader goes on.
    pub data: Arc<Vec<u8>>,
    pub size: u64,
    pub sha256: [u8; 32],
    /// CRC-32 of every byte (zip entries are checked against it).
    pub crc32: u32,
    /// Only a prefix of the data was kept.
    pub partial: bool,
    /// The file was to be kept whole but the memory budget could not hold it: only a prefix
    /// was kept, and the file is reported (why: see [`Denied`]).
    pub over_budget: Option<Denied>,
}

/// Most bytes reserved up front from a declared size (a hostile header can declare anything).
const MAX_RESERVE: u64 = 16 << 20;

/// Streams the bytes of one file: hashes everything, keeps what the policy says, within the
/// memory budget.
pub(crate) struct Sink<'o> {
    hasher: sha2::Sha256,
    crc: flate2::Crc,
    data: Vec<u8>,
    size: u64,
    keep_whole: bool,
    /// The declared size is past the policy's whole-file limit: keep only the prefix from the
    /// start instead of buffering up to the limit first.
    prefix_only: bool,
    partial: bool,
    over_budget: Option<Denied>,
    /// Capacity of `data` reserved from the budget.
    reserved: u64,
    held: Arc<Held>,
    opts: &'o ReadOptions,
}

impl<'o> Sink<'o> {
    pub fn new(path: &str, opts: &'o ReadOptions, held: &Arc<Held>) -> Self {
        let keep_whole = is_core_metadata(path) || opts.keep.is_none_or(|k| k(path));
        Self {
            hasher: sha2::Sha256::new(),
            crc: flate2::Crc::new(),
            data: Vec::new(),
            size: 0,
            keep_whole,
            prefix_only: false,
            partial: false,
            over_budget: None,
            reserved: 0,
            held: Arc::clone(held),
            opts,
        }
    }

    /// [`Self::new`] for a file whose format declares its size (zip directory, tar header,
    /// file system): the buffer is sized once, and a file the policy keeps only a prefix of
    /// is never buffered further than that prefix. The result is the same as without the
    /// hint whenever the declared size is true; a zip entry whose size is not is reported.
    pub fn with_size_hint(path: &str, opts: &'o ReadOptions, held: &Arc<Held>, hint: u64) -> Self {
        let mut s = Self::new(path, opts, held);
        if !s.keep_whole && hint >= opts.keep_small {
            s.prefix_only = true;
            // Without room even for the prefix, `push` keeps what it can and reports.
            let _ = s.grow_to(opts.keep_prefix as u64);
        } else {
            // Only a head start: `push` asks again for what it really needs.
            let _ = s.grow_to(hint.min(MAX_RESERVE));
        }
        s
    }

    /// Make room for `want` bytes in all, reserving the growth from the budget. Nothing is
    /// reserved when the budget cannot hold it, and the error says why.
    fn grow_to(&mut self, want: u64) -> Result<(), Denied> {
        let cap = self.data.capacity() as u64;
        if want <= cap {
            return Ok(());
        }
        // Grow geometrically, as `Vec` would, but only by what the budget grants; when the
        // doubling does not fit, what is free may (at least what is needed: growing by the
        // bare need would copy the buffer once per chunk).
        let target = want.max(cap.saturating_mul(2)).max(4096);
        let free = self
            .held
            .budget
            .cap()
            .saturating_sub(self.held.budget.held());
        let fallback = (want - cap).max(free.min(target - cap));
        let extra = if self.held.try_reserve(target - cap) {
            target - cap
        } else if fallback < target - cap && self.held.try_reserve(fallback) {
            fallback
        } else {
            return Err(self.held.denied(want - cap));
        };
        let target = cap + extra;
        self.reserved += extra;
        let add = usize::try_from(target).unwrap_or(usize::MAX) - self.data.len();
        self.data.reserve_exact(add);
        // `reserve_exact` may round up; what is held is what was counted.
        Ok(())
    }

    /// Drop the buffer down to its first `keep_prefix` bytes and give back the rest.
    fn keep_prefix_only(&mut self) {
        self.data.truncate(self.opts.keep_prefix);
        self.data.shrink_to_fit();
        let now = self.data.capacity() as u64;
        if self.reserved > now {
            self.held.release(self.reserved - now);
            self.reserved = now;
        }
        self.partial = true;
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether every byte pushed so far is held in memory and more will be (the file is kept
    /// whole, or is still under the whole-file limit of the keep policy).
    pub fn holds_whole(&self) -> bool {
        !self.partial && !self.prefix_only
    }

    pub fn push(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.crc.update(chunk);
        self.size += chunk.len() as u64;
        if self.partial {
            return;
        }
        if self.prefix_only {
            let room = self.opts.keep_prefix.saturating_sub(self.data.len());
            self.data.extend_from_slice(&chunk[..room.min(chunk.len())]);
            self.partial = self.size > self.opts.keep_prefix as u64;
            return;
        }
        if !self.keep_whole && self.data.len() + chunk.len() >= self.opts.keep_small as usize {
            self.data.extend_from_slice(
                &chunk[..chunk
                    .len()
                    .min(self.opts.keep_prefix.saturating_sub(self.data.len()))],
            );
            self.keep_prefix_only();
            return;
        }
        if let Err(denied) = self.grow_to((self.data.len() + chunk.len()) as u64) {
            // The budget cannot hold the rest: keep the prefix (so the file's kind can still
            // be recognised) and report it.
            let room = self.opts.keep_prefix.saturating_sub(self.data.len());
            if self.grow_to(self.opts.keep_prefix as u64).is_ok() {
                self.data.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            self.over_budget = Some(denied);
            self.keep_prefix_only();
            return;
        }
        self.data.extend_from_slice(chunk);
    }

    pub fn finish(self) -> Streamed {
        Streamed {
            data: Arc::new(self.data),
            size: self.size,
            sha256: self.hasher.finalize().into(),
            crc32: self.crc.sum(),
            partial: self.partial,
            over_budget: self.over_budget,
        }
    }
}

/// Accumulates what the format readers find and applies the rules common to all formats.
pub(crate) struct Collector<'o> {
    pub filename: String,
    pub opts: &'o ReadOptions,
    /// Size of the compressed artifact (0 for directories): for the overall ratio.
    pub compressed_size: u64,
    pub findings: Vec<Finding>,
    pub entries: Vec<ArchiveEntry>,
    pub partial: BTreeMap<String, u64>,
    /// Every fully streamed regular file, in order (the last of duplicates wins for RECORD).
    pub facts: Vec<FileFact>,
    /// Regular files present but not read (unsupported, encrypted, over a limit).
    pub unread: Vec<String>,
    /// path -> index into `facts` of the first copy.
    seen: HashMap<String, usize>,
    /// lowercase path -> path as first seen.
    seen_folded: HashMap<String, String>,
    pub total_size: u64,
    pub entry_count: usize,
    /// Set once a limit stopped the read: readers must stop.
    pub stopped: bool,
    /// The overall ratio finding was already emitted.
    ratio_reported: bool,
    /// Findings per (rule, severity), to cap repetitive ones.
    per_kind: HashMap<(&'static RuleInfo, Severity), usize>,
    /// Told about each file as it is added (readers that produce files one after another).
    pub observer: Option<Observer<'o>>,
    /// This read's share of the memory budget.
    pub held: Arc<Held>,
}

/// At most this many findings of one rule and severity per artifact; the rest are counted in
/// one summary finding (an sdist of time-zone data can hold hundreds of hard links).
pub const MAX_SIMILAR_FINDINGS: usize = 20;

impl<'o> Collector<'o> {
    pub fn new(filename: &str, opts: &'o ReadOptions, compressed_size: u64) -> Self {
        Self {
            filename: filename.to_string(),
            opts,
            compressed_size,
            findings: Vec::new(),
            entries: Vec::new(),
            partial: BTreeMap::new(),
            facts: Vec::new(),
            unread: Vec::new(),
            seen: HashMap::new(),
            seen_folded: HashMap::new(),
            total_size: 0,
            entry_count: 0,
            stopped: false,
            ratio_reported: false,
            per_kind: HashMap::new(),
            observer: None,
            held: Arc::new(Held::new(
                opts.memory
                    .clone()
                    .unwrap_or_else(|| Arc::clone(MemoryBudget::global())),
            )),
        }
    }

    /// A sink for one file of this read (its kept bytes count against the memory budget).
    pub fn sink(&self, path: &str, declared: u64) -> Sink<'o> {
        Sink::with_size_hint(path, self.opts, &self.held, declared)
    }

    /// Another name under which an installer or extractor may install a file already read
    /// (`primary`), or a file only some readers see (a zip local header the central directory
    /// does not list): inspected like any entry, but not counted for RECORD or duplicates.
    pub fn add_alternative(&mut self, path: String, data: Arc<Vec<u8>>) {
        self.entries.push(ArchiveEntry { path, data });
        if let (Some(observe), Some(entry)) = (self.observer, self.entries.last()) {
            observe(entry);
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.opts.limits
    }

    pub fn finding(
        &mut self,
        rule: &'static RuleInfo,
        severity: Severity,
        path: Option<&str>,
        message: impl Into<String>,
        evidence: Option<String>,
    ) {
        let mut f = rule
            .finding(message)
            .with_severity(severity)
            .in_artifact(&self.filename);
        if let Some(p) = path {
            f = f.at(short(p), None);
        }
        if let Some(e) = evidence {
            f = f.with_evidence(short(&e));
        }
        let seen = self.per_kind.entry((rule, severity)).or_insert(0);
        *seen += 1;
        if *seen <= MAX_SIMILAR_FINDINGS {
            self.findings.push(f);
        }
    }

    /// One summary finding per (rule, severity) that went over [`MAX_SIMILAR_FINDINGS`].
    fn summarise_overflow(&mut self) {
        let mut over: Vec<_> = self
            .per_kind
            .iter()
            .filter(|(_, n)| **n > MAX_SIMILAR_FINDINGS)
            .map(|(&(rule, sev), n)| (rule, sev, n - MAX_SIMILAR_FINDINGS))
            .collect();
        over.sort_by_key(|&(rule, sev, more)| (rule.id, sev, more));
        for (rule, severity, more) in over {
            let f = rule
                .finding(format!("{more} more similar findings not listed"))
                .with_severity(severity)
                .in_artifact(&self.filename);
            self.findings.push(f);
        }
    }

    /// Count one entry (of any type). Returns false, after reporting once, when the entry
    /// limit is exceeded: the reader must stop.
    pub fn count_entry(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        self.entry_count += 1;
        if self.entry_count > self.opts.limits.max_entries {
            let max = self.opts.limits.max_entries;
            self.finding(
                &ARCHIVE_BOMB,
                Severity::High,
                None,
                format!("archive has more than {max} entries; the rest was not read"),
                None,
            );
            self.stopped = true;
            return false;
        }
        true
    }

    /// Validate an entry name. Reports and returns `None` when it is unsafe or too long;
    /// `Some(None)` for the archive root.
    pub fn entry_path(&mut self, raw: &[u8]) -> Option<Option<String>> {
        let max = self.opts.limits.max_path_len;
        if raw.len() > max {
            let lossy = String::from_utf8_lossy(raw).into_owned();
            self.finding(
                &ARCHIVE_BOMB,
                Severity::Medium,
                Some(&lossy),
                format!(
                    "entry path is {} bytes long (limit {max}); skipped",
                    raw.len()
                ),
                None,
            );
            return None;
        }
        match check_path(raw) {
            Ok(p) => Some(p),
            Err(u) => {
                self.unread.push(u.lossy.clone());
                self.finding(
                    &PATH_TRAVERSAL,
                    Severity::High,
                    Some(&u.lossy),
                    format!("entry name {}; skipped", u.reason),
                    Some(format!("{:?}", u.lossy)),
                );
                None
            }
        }
    }

    /// Report a link or special entry.
    pub fn link(&mut self, path: &str, kind: LinkKind, target: Option<&[u8]>) {
        let (what, severity) = match kind {
            LinkKind::Symlink | LinkKind::Hardlink => {
                // A symlink resolves from its own directory, a tar hard link from the root.
                let base = if kind == LinkKind::Symlink { path } else { "_" };
                let inside = target.is_some_and(|t| link_stays_inside(base, t));
                let name = if kind == LinkKind::Symlink {
                    "symlink"
                } else {
                    "hard link"
                };
                if inside {
                    (format!("{name} inside the archive"), Severity::Medium)
                } else {
                    (
                        format!("{name} pointing outside the archive"),
                        Severity::High,
                    )
                }
            }
            LinkKind::CharDevice => ("character device entry".to_string(), Severity::High),
            LinkKind::BlockDevice => ("block device entry".to_string(), Severity::High),
            LinkKind::Fifo => ("FIFO entry".to_string(), Severity::Medium),
            LinkKind::Socket => ("socket entry".to_string(), Severity::Medium),
        };
        self.unread.push(path.to_string());
        let evidence = target.map(|t| format!("{path} -> {}", String::from_utf8_lossy(t)));
        self.finding(
            &ARCHIVE_LINK,
            severity,
            Some(path),
            format!("{what}; skipped"),
            evidence,
        );
    }

    /// Report a regular file that exists but is not read, so RECORD does not call it missing.
    pub fn unsupported(&mut self, path: &str, severity: Severity, message: String) {
        self.unread.push(path.to_string());
        self.finding(
            &ARCHIVE_UNSUPPORTED_ENTRY,
            severity,
            Some(path),
            message,
            None,
        );
    }

    /// A file over the per-file size limit (the reader stopped inflating it).
    pub fn file_too_large(&mut self, path: &str, seen: u64, compressed: Option<u64>) {
        let max = self.opts.limits.max_file_size;
        let ratio = compressed.filter(|c| *c > 0).map(|c| seen / c);
        let severity = if ratio.is_some_and(|r| r > self.absurd_ratio()) {
            Severity::Critical
        } else {
            Severity::High
        };
        let evidence = ratio.map(|r| {
            format!(
                "inflated {seen} bytes from {} compressed (ratio {r}:1 so far)",
                compressed.unwrap_or(0)
            )
        });
        self.unread.push(path.to_string());
        self.finding(
            &ARCHIVE_BOMB,
            severity,
            Some(path),
            format!("file inflates past the per-file limit of {max} bytes; skipped"),
            evidence,
        );
    }

    /// A zip entry whose own ratio is implausible: `seen` bytes out of `compressed` in.
    pub fn entry_ratio(&mut self, path: &str, seen: u64, compressed: u64) {
        let ratio = seen / compressed.max(1);
        let severity = if ratio > self.absurd_ratio() {
            Severity::Critical
        } else {
            Severity::High
        };
        let max = self.opts.limits.max_ratio;
        self.unread.push(path.to_string());
        self.finding(
            &ARCHIVE_BOMB,
            severity,
            Some(path),
            format!("entry compression ratio exceeds {max}:1; skipped"),
            Some(format!(
                "inflated {seen} bytes from {compressed} compressed (ratio {ratio}:1 so far)"
            )),
        );
    }

    /// The whole archive exceeded the total size limit: report once and stop.
    pub fn total_exceeded(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let max = self.opts.limits.max_total_size;
        let ratio = self.total_size / self.compressed_size.max(1);
        let severity = if self.compressed_size > 0 && ratio > self.absurd_ratio() {
            Severity::Critical
        } else {
            Severity::High
        };
        self.finding(
            &ARCHIVE_BOMB,
            severity,
            None,
            format!("archive inflates past the total limit of {max} bytes; the rest was not read"),
            (self.compressed_size > 0).then(|| {
                format!(
                    "{} bytes inflated from a {}-byte artifact",
                    self.total_size, self.compressed_size
                )
            }),
        );
    }

    /// The whole archive's ratio is implausible (`inflated` bytes out of `consumed` compressed
    /// bytes read so far): report once and stop.
    pub fn overall_ratio_exceeded(&mut self, inflated: u64, consumed: u64) {
        if self.ratio_reported || self.stopped {
            return;
        }
        self.ratio_reported = true;
        self.stopped = true;
        let ratio = inflated / consumed.max(1);
        let severity = if ratio > self.absurd_ratio() {
            Severity::Critical
        } else {
            Severity::High
        };
        let max = self.opts.limits.max_ratio;
        self.finding(
            &ARCHIVE_BOMB,
            severity,
            None,
            format!("archive compression ratio exceeds {max}:1; the rest was not read"),
            Some(format!(
                "{inflated} bytes inflated from {consumed} compressed bytes (ratio {ratio}:1)"
            )),
        );
    }

    /// Ratios beyond this are graded critical: real code and data do not compress like that
    /// (source text is around 5:1, sparse data a few hundred; deflate tops out near 1032:1).
    fn absurd_ratio(&self) -> u64 {
        self.opts.limits.max_ratio.saturating_mul(4).max(500)
    }

    /// Whether `inflated` bytes from the whole artifact break the overall ratio limit.
    pub fn overall_ratio_broken(&self, inflated: u64) -> bool {
        self.compressed_size > 0
            && inflated >= RATIO_MIN_SIZE
            && inflated / self.compressed_size.max(1) > self.opts.limits.max_ratio
    }

    /// Add a fully streamed regular file.
    pub fn add_file(&mut self, path: String, s: Streamed) {
        if let Some(denied) = s.over_budget {
            let budget = self.held.budget.cap();
            let why = match denied {
                Denied::Alone => {
                    "this artifact alone needs more inflated data held for \
                                  inspection than the whole budget"
                }
                Denied::Contended => {
                    "other artifacts being read at the same time held the \
                                      rest, and this read could not wait for them"
                }
            };
            self.finding(
                &ARCHIVE_BOMB,
                Severity::High,
                Some(&path),
                format!(
                    "file could not be held for inspection within the memory budget of {budget} \
                     bytes ({why}); only its first {} bytes were inspected",
                    self.opts.keep_prefix
                ),
                Some(format!("{} bytes inflated", s.size)),
            );
        }
        self.total_size += s.size;
        if self.total_size > self.opts.limits.max_total_size {
            self.unread.push(path);
            self.total_exceeded();
            return;
        }
        if let Some(&first) = self.seen.get(&path) {
            let prev = &self.facts[first];
            if prev.sha256 != s.sha256 || prev.size != s.size {
                let severity = Severity::Medium;
                let evidence = format!(
                    "first sha256={} ({} bytes), later sha256={} ({} bytes)",
                    hex::encode(&prev.sha256[..8]),
                    prev.size,
                    hex::encode(&s.sha256[..8]),
                    s.size
                );
                self.finding(
                    &DUPLICATE_ENTRY,
                    severity,
                    Some(&path),
                    "entry appears more than once with different content; the later copy is \
                     what gets installed",
                    Some(evidence),
                );
            }
        } else {
            let folded = path.to_lowercase();
            if let Some(other) = self.seen_folded.get(&folded) {
                let other = other.clone();
                self.finding(
                    &DUPLICATE_ENTRY,
                    Severity::Low,
                    Some(&path),
                    "entry name differs only in letter case from another entry; they collide \
                     on case-insensitive file systems",
                    Some(format!("{other} / {path}")),
                );
            } else {
                self.seen_folded.insert(folded, path.clone());
            }
            self.seen.insert(path.clone(), self.facts.len());
        }
        self.facts.push(FileFact {
            path: path.clone(),
            size: s.size,
            sha256: s.sha256,
        });
        if s.partial {
            self.partial.insert(path.clone(), s.size);
        }
        self.entries.push(ArchiveEntry { path, data: s.data });
        if let (Some(observe), Some(entry)) = (self.observer, self.entries.last()) {
            observe(entry);
        }
    }

    fn finish(mut self, kind: ArtifactKind) -> ReadOutcome {
        if kind == ArtifactKind::Wheel {
            record::check_wheel(&mut self);
        }
        self.summarise_overflow();
        let metadata = match kind {
            ArtifactKind::Wheel => self
                .entries
                .iter()
                .find(|e| is_top_dist_info(&e.path, "METADATA"))
                .map(|e| parse_metadata(&e.data)),
            _ => self
                .entries
                .iter()
                .filter(|e| e.path == "PKG-INFO" || is_top_sdist_pkg_info(&e.path))
                .min_by_key(|e| e.path.len())
                .map(|e| parse_metadata(&e.data)),
        };
        ReadOutcome {
            contents: ArchiveContents {
                filename: self.filename,
                kind,
                entries: self.entries,
                findings: self.findings,
                metadata,
            },
            partial: self.partial,
            total_size: self.total_size,
            held: self.held,
        }
    }
}

/// `<x>.dist-info/<name>` at the top level.
pub(crate) fn is_top_dist_info(path: &str, name: &str) -> bool {
    match path.split_once('/') {
        Some((dir, rest)) => dir.ends_with(".dist-info") && rest == name,
        None => false,
    }
}

/// `<project-version>/PKG-INFO`.
fn is_top_sdist_pkg_info(path: &str) -> bool {
    matches!(path.split_once('/'), Some((_, "PKG-INFO")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_checks() {
        assert_eq!(check_path(b"a/b.py").unwrap().as_deref(), Some("a/b.py"));
        assert_eq!(check_path(b"./a//b/").unwrap().as_deref(), Some("a/b"));
        assert_eq!(check_path(b"./").unwrap(), None);
        for bad in [
            &b"../evil.py"[..],
            b"a/../../b",
            b"/etc/passwd",
            b"C:\\x",
            b"C:x",
            b"a\\b",
            b"a\0b",
            b"\xff\xfe.py",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check_path(b"\xffx").unwrap_err().lossy, "\u{fffd}x");
    }

    #[test]
    fn links_inside_and_outside() {
        assert!(link_stays_inside("pkg/a/link", b"../b.py"));
        assert!(link_stays_inside("pkg/link", b"./x"));
        assert!(!link_stays_inside("pkg/link", b"../../x"));
        assert!(!link_stays_inside("link", b"/etc/passwd"));
        assert!(!link_stays_inside("link", b"C:/x"));
        assert!(!link_stays_inside("link", b""));
    }

    #[test]
    fn keep_policy() {
        assert!(inspectable("pkg/mod.py"));
        assert!(inspectable("x.dist-info/RECORD"));
        assert!(inspectable("pkg/run.PS1"));
        assert!(!inspectable("pkg/lib.so"));
        assert!(!inspectable("pkg/data.npy"));
    }

    #[test]
    fn sink_keeps_prefix_of_large_unselected_files() {
        let opts = ReadOptions {
            keep_small: 100,
            keep_prefix: 10,
            ..ReadOptions::default()
        };
        let held = Arc::new(Held::new(Arc::new(MemoryBudget::new(1 << 30))));
        let mut s = Sink::new("big.bin", &opts, &held);
        for _ in 0..50 {
            s.push(&[7u8; 7]);
        }
        let out = s.finish();
        assert!(out.partial);
        assert_eq!(out.data.len(), 10);
        assert_eq!(out.size, 350);
        let mut s = Sink::new("big.py", &opts, &held);
        s.push(&[1u8; 500]);
        let out = s.finish();
        assert!(!out.partial);
        assert_eq!(out.data.len(), 500);
    }

    #[test]
    fn rules_cover_every_emitted_id() {
        for id in [
            "archive-bomb",
            "path-traversal",
            "archive-link",
            "duplicate-entry",
            "record-mismatch",
            "record-missing",
            "archive-unsupported-entry",
            "archive-ambiguous",
        ] {
            assert!(RULES.iter().any(|r| r.id == id), "{id}");
        }
    }

    #[test]
    fn evidence_is_truncated_on_char_boundary() {
        let s = "é".repeat(300);
        let t = short(&s);
        assert!(t.len() <= 204);
    }
}
