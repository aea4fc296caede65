//! pip requirements files, read the way pip reads them.
//!
//! Grammar (after pip's `req_file.py`), applied in this order:
//!
//! ```text
//! physical lines  -> a line ending in `\` joins the next (a comment line ends the join)
//! comments        -> `#` at the start of a line or after whitespace, to the end of the line
//! ${VAR}          -> replaced by the environment variable (only `[A-Z0-9_]+`, only when set)
//! logical line    := requirement [per-requirement options] | global options
//! requirement     := PEP 508 (`name[extras] specifiers ; markers`, `name @ url ; markers`)
//!                  | URL [`; ` markers]       (archive URL or VCS URL such as git+https://..@rev)
//!                  | local path [`;` markers] (contains `/` or starts with `.`)
//! per-requirement := --hash=ALG:HEX (repeatable) | --config-settings | --global-option
//! global options  := -r/-c FILE | -e PATH-OR-URL | -i/--index-url | --extra-index-url
//!                  | -f/--find-links | --no-index | --trusted-host | --pre | --only-binary
//!                  | --no-binary | --prefer-binary | --require-hashes | --use-feature
//! ```
//!
//! Includes (`-r`, `-c`) are read relative to the including file; a cycle is an error. Constraint
//! files add no packages: their pins and hashes apply only to requirements of the same name.
//! Unknown options, bad hashes, and requirements pip would reject are errors naming file:line.
//!
//! Hostile includes: an include (or constraint file) must resolve, after following links, to a
//! regular file inside the project (the nearest ancestor of the top-level file holding `.git`,
//! else that file's own directory), and never to a special filesystem (`/proc`, `/dev`,
//! `/sys`): `-r /proc/self/environ` is refused, not read. Errors about a line of an included
//! file never quote it, since whatever the file holds (a secret) would reach the terminal or a
//! CI log. Each file is read and parsed once however often it is included (an include diamond
//! is not an explosion), and constraints are matched by name in a map, so parsing is linear.
//! `${VAR}` values are registered as secrets (`crate::redact`) and never appear in output.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep508_rs::{MarkerTree, Pep508Url, Requirement, VersionOrUrl};

use super::{
    clip, input, name_version_from_filename, path_filename, split_vcs_url, url_filename, Lockfile,
};
use crate::error::Error;
use crate::hash::Digest;
use crate::package::{Artifact, LockedPackage, PackageName, Problem, Source};

/// Includes nested deeper than this are refused (a guard against pathological inputs).
const MAX_INCLUDE_DEPTH: usize = 64;

pub(super) fn parse(path: &Path, text: &str, lock: &mut Lockfile) -> Result<(), Error> {
    let top = identity(path);
    let mut ctx = Ctx {
        lock,
        root: project_root(path),
        stack: vec![(top.clone(), path.to_path_buf())],
        requirements: Vec::new(),
        constraints: Vec::new(),
        texts: HashMap::new(),
        visited: HashSet::from([(top, Mode::Requirements)]),
    };
    ctx.parse_file(path, text, 0, Mode::Requirements)?;
    let Ctx {
        lock,
        mut requirements,
        constraints,
        ..
    } = ctx;
    let mut by_name: HashMap<&str, Vec<&Pending>> = HashMap::new();
    for c in &constraints {
        by_name.entry(&c.pkg.name.normalized).or_default().push(c);
    }
    for req in &mut requirements {
        let name = req.pkg.name.normalized.clone();
        if let Some(cs) = by_name.get(name.as_str()) {
            apply_constraints(req, cs);
        }
        req.pkg.problems = problems_of(req);
    }
    for req in requirements {
        lock.packages.push(req.pkg);
        lock.declared_in.push(req.file);
    }
    // pip installs every line whose own marker holds.
    lock.install = super::deps::InstallModel::Markers;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mode {
    Requirements,
    Constraints,
}

/// A requirement before constraints are applied and problems computed.
#[derive(Debug, Clone)]
struct Pending {
    pkg: LockedPackage,
    /// Index into `Lockfile::files`.
    file: usize,
    /// The version specifier as written (for the `Unpinned` problem of index requirements).
    specifier: String,
    editable: bool,
    /// The name was guessed from a path or URL (no `name @`, no `#egg=`).
    unnamed: bool,
}

struct Ctx<'a> {
    lock: &'a mut Lockfile,
    /// Includes must resolve inside this directory (canonical).
    root: PathBuf,
    /// Files being read, outermost first (for cycle detection): (identity, path as reached).
    stack: Vec<(PathBuf, PathBuf)>,
    requirements: Vec<Pending>,
    constraints: Vec<Pending>,
    /// Every included file read so far: identity -> (index into `Lockfile::files`, text).
    texts: HashMap<PathBuf, (usize, std::rc::Rc<str>)>,
    /// (identity, mode) pairs already parsed: including a file again adds nothing new.
    visited: HashSet<(PathBuf, Mode)>,
}

/// What identifies a file for cycle detection: its canonical path when it exists.
fn identity(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The directory includes must stay in: the nearest ancestor of the top-level file's directory
/// that holds `.git` (a monorepo's shared `-r ../base.txt` stays allowed), else that directory.
fn project_root(top: &Path) -> PathBuf {
    let dir = match top.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir)
        .or_else(|_| std::path::absolute(&dir))
        .unwrap_or(dir);
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// Filesystems whose "files" are the machine's state (environment, memory, devices).
fn is_special(canonical: &Path) -> bool {
    ["/proc", "/dev", "/sys"]
        .iter()
        .any(|p| canonical.starts_with(p))
}

/// The message for a malformed line of an included file: where, never what.
fn hidden_line_error(path: &Path, line_no: usize) -> Error {
    input(
        path,
        Some(line_no),
        "not a valid requirement or option (the text of an included file is never shown; \
         check that line of the file)",
    )
}

impl Ctx<'_> {
    fn parse_file(
        &mut self,
        path: &Path,
        text: &str,
        file: usize,
        mode: Mode,
    ) -> Result<(), Error> {
        let base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let included = file != 0;
        for (line_no, line) in logical_lines(text) {
            let err = |msg: String| {
                if included {
                    hidden_line_error(path, line_no)
                } else {
                    input(path, Some(line_no), msg)
                }
            };
            let (args, opts) = break_args_options(&line);
            let (opts, editable_marker) = split_editable_marker(&opts);
            let opts = shlex_split(opts).map_err(err)?;
            let mut parsed = parse_options(&opts).map_err(err)?;
            if let (Some(e), Some(m)) = (parsed.editable.as_mut(), editable_marker) {
                *e = format!("{e} ; {m}");
            }

            if !args.is_empty() && parsed.editable.is_some() {
                return Err(err(format!("unexpected `{}` before -e", clip(&args))));
            }
            for (opt, value) in &parsed.global {
                self.apply_global(path, line_no, file, &base_dir, mode, opt, value)?;
            }
            let requirement = match (&parsed.editable, args.is_empty()) {
                (Some(e), _) => Some((e.clone(), true)),
                (None, false) => Some((args.clone(), false)),
                (None, true) => None,
            };
            let Some((req_text, editable)) = requirement else {
                if !parsed.hashes.is_empty() {
                    return Err(err(
                        "--hash must follow a requirement on the same line".into()
                    ));
                }
                continue;
            };
            let mut pending = parse_requirement(&req_text, editable).map_err(err)?;
            pending.file = file;
            if pending.unnamed {
                if let Source::Path { path: p, .. } = &pending.pkg.source {
                    if let Some(n) = directory_project_name(&base_dir.join(p)) {
                        pending.pkg.name = PackageName::new(&n);
                    }
                }
            }
            pending.pkg.line = Some(u32::try_from(line_no).unwrap_or(u32::MAX));
            for h in &parsed.hashes {
                let d = Digest::parse(h).map_err(|e| err(format!("invalid --hash: {e}")))?;
                if !pending.pkg.requirement_hashes.contains(&d) {
                    pending.pkg.requirement_hashes.push(d);
                }
            }
            match mode {
                Mode::Requirements => self.requirements.push(pending),
                Mode::Constraints => self.constraints.push(pending),
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_global(
        &mut self,
        path: &Path,
        line_no: usize,
        file: usize,
        base_dir: &Path,
        mode: Mode,
        opt: &str,
        value: &str,
    ) -> Result<(), Error> {
        let _ = file;
        match opt {
            "requirement" | "constraint" => {
                let child_mode = if opt == "constraint" {
                    Mode::Constraints
                } else {
                    mode
                };
                self.include(path, line_no, base_dir, value, child_mode)
            }
            "index-url" => {
                // `-i` replaces the primary index; keep it first.
                self.lock.index_urls.retain(|u| u != value);
                self.lock.index_urls.insert(0, value.to_string());
                Ok(())
            }
            "extra-index-url" => {
                self.lock.push_index_url(value);
                Ok(())
            }
            "find-links" => {
                if !self.lock.find_links.iter().any(|f| f == value) {
                    self.lock.find_links.push(value.to_string());
                }
                Ok(())
            }
            "no-index" => {
                self.lock.no_index = true;
                Ok(())
            }
            // Accepted and irrelevant to what is vetted.
            _ => Ok(()),
        }
    }

    fn include(
        &mut self,
        from: &Path,
        line_no: usize,
        base_dir: &Path,
        target: &str,
        mode: Mode,
    ) -> Result<(), Error> {
        let err = |msg: String| input(from, Some(line_no), msg);
        let lower = target.to_ascii_lowercase();
        let target_path = if lower.starts_with("http://") || lower.starts_with("https://") {
            return Err(err(format!(
                "remote requirements file `{}` is not supported: pyvet reads local files only",
                crate::redact::redact_url(target)
            )));
        } else if lower.starts_with("file://") {
            PathBuf::from(percent_path(&target[7..]))
        } else if lower.starts_with("file:") {
            PathBuf::from(percent_path(&target[5..]))
        } else {
            PathBuf::from(target)
        };
        let child = if target_path.is_absolute() {
            target_path
        } else {
            base_dir.join(target_path)
        };
        let id = match std::fs::canonicalize(&child) {
            Ok(id) => id,
            Err(e) => {
                return Err(err(format!(
                    "cannot read included file {}: {e}",
                    child.display()
                )))
            }
        };
        if is_special(&id) {
            return Err(err(format!(
                "refusing to include {}: it is a special file ({}), not a regular file of the project",
                child.display(),
                id.display()
            )));
        }
        if !id.starts_with(&self.root) {
            return Err(err(format!(
                "refusing to include {}: it is outside the project directory {} (an include \
                 may only name files of the project)",
                child.display(),
                self.root.display()
            )));
        }
        if let Some(pos) = self.stack.iter().position(|(p, _)| *p == id) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(_, shown)| shown)
                .chain(std::iter::once(&child))
                .map(|p| p.display().to_string())
                .collect();
            return Err(err(format!("include cycle: {}", chain.join(" -> "))));
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(err(format!(
                "includes nested more than {MAX_INCLUDE_DEPTH} deep"
            )));
        }
        // Included before in this mode: everything it adds is already there.
        if !self.visited.insert((id.clone(), mode)) {
            return Ok(());
        }
        let (index, text) = match self.texts.get(&id) {
            Some((index, text)) => (*index, text.clone()),
            None => {
                let bytes =
                    crate::fsutil::read_regular(&id, super::MAX_LOCKFILE_SIZE).map_err(|e| {
                        err(format!(
                            "cannot read included file {}: {e}",
                            child.display()
                        ))
                    })?;
                let text = String::from_utf8(bytes).map_err(|e| {
                    let line = super::line_of_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
                    input(&child, Some(line), "file is not valid UTF-8")
                })?;
                let text: std::rc::Rc<str> = text.strip_prefix('\u{feff}').unwrap_or(&text).into();
                let index = self.lock.files.len();
                self.lock.files.push(child.clone());
                self.texts.insert(id.clone(), (index, text.clone()));
                (index, text)
            }
        };
        let shown = self.lock.files[index].clone();
        self.stack.push((id, shown.clone()));
        let r = self.parse_file(&shown, &text, index, mode);
        self.stack.pop();
        r
    }
}

/// Decode `%XX` in a `file:` URL path.
fn percent_path(s: &str) -> String {
    let s = s.strip_prefix("localhost").unwrap_or(s);
    super::percent_decode(s)
}

// ---------------------------------------------------------------------------------------------
// Lines.

/// pip's `join_lines` + `ignore_comments` + `expand_env_variables`: (first physical line number,
/// logical line) for every non-empty logical line.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut joined = String::new();
    let mut start: Option<usize> = None;
    let emit = |line_no: usize, line: &str, out: &mut Vec<(usize, String)>| {
        let stripped = strip_comment(line).trim().to_string();
        if !stripped.is_empty() {
            out.push((line_no, expand_env(&stripped)));
        }
    };
    // `str::lines` splits on \n and \r\n; pip's splitlines also splits on a lone \r.
    let physical = text.split('\n').flat_map(|l| {
        let l = l.strip_suffix('\r').unwrap_or(l);
        l.split('\r')
    });
    for (i, line) in physical.enumerate() {
        let line_no = i + 1;
        let is_comment = line.trim_start().starts_with('#');
        if !line.ends_with('\\') || is_comment {
            if let Some(first) = start.take() {
                joined.push_str(line);
                emit(first, &joined, &mut out);
                joined.clear();
            } else {
                emit(line_no, line, &mut out);
            }
        } else {
            if start.is_none() {
                start = Some(line_no);
            }
            joined.push_str(line.trim_matches('\\'));
        }
    }
    if let Some(first) = start {
        emit(first, &joined, &mut out);
    }
    out
}

/// Remove a comment: `#` at the start or after whitespace, with the whitespace before it.
fn strip_comment(line: &str) -> &str {
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_ws {
            return &line[..i];
        }
        prev_ws = c.is_whitespace();
    }
    line
}

/// Expand `${NAME}` (NAME of `A-Z`, `0-9`, `_`) from the environment; unset or empty variables
/// are left as written, as pip does.
fn expand_env(line: &str) -> String {
    expand_env_with(line, &|name| std::env::var(name).ok())
}

/// [`expand_env`] with the environment supplied (tests pass their own).
fn expand_env_with(line: &str, var: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        if name_len > 0 && after.as_bytes().get(name_len) == Some(&b'}') {
            let name = &after[..name_len];
            match var(name) {
                Some(v) if !v.is_empty() => {
                    crate::redact::register_secret(name, &v);
                    out.push_str(&v)
                }
                _ => out.push_str(&rest[start..start + 2 + name_len + 1]),
            }
            rest = &after[name_len + 1..];
        } else {
            out.push_str("${");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// pip's `break_args_options`: the requirement is every token before the first one that starts
/// with `-`; the rest are options.
fn break_args_options(line: &str) -> (String, String) {
    let tokens: Vec<&str> = line.split([' ', '\t']).collect();
    let split = tokens
        .iter()
        .position(|t| t.starts_with('-'))
        .unwrap_or(tokens.len());
    let args: Vec<&str> = tokens[..split]
        .iter()
        .copied()
        .filter(|t| !t.is_empty())
        .collect();
    (args.join(" "), tokens[split..].join(" "))
}

/// `-e ./pkg ; marker` (as uv writes editables with markers): split the marker off before the
/// options are shell-split, which would strip its quotes.
fn split_editable_marker(opts: &str) -> (&str, Option<&str>) {
    let t = opts.trim_start();
    if t.starts_with("-e") || t.starts_with("--editable") {
        if let Some((before, marker)) = opts.split_once(';') {
            return (before, Some(marker.trim()));
        }
    }
    (opts, None)
}

/// POSIX-shell-like word splitting (quotes and backslash escapes), as `shlex.split`.
fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unbalanced single quote in options".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => cur.push(c),
                            Some(c) => {
                                cur.push('\\');
                                cur.push(c);
                            }
                            None => return Err("unbalanced double quote in options".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unbalanced double quote in options".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    cur.push(c);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

#[derive(Debug, Default)]
struct ParsedOptions {
    /// (canonical long name, value) of global options, in order.
    global: Vec<(&'static str, String)>,
    editable: Option<String>,
    hashes: Vec<String>,
}

/// (short, long, takes a value). Canonical name is the long one.
const OPTIONS: &[(Option<char>, &str, bool)] = &[
    (Some('r'), "requirement", true),
    (Some('c'), "constraint", true),
    (Some('e'), "editable", true),
    (Some('i'), "index-url", true),
    (None, "extra-index-url", true),
    (Some('f'), "find-links", true),
    (None, "no-index", false),
    (None, "trusted-host", true),
    (None, "pre", false),
    (None, "only-binary", true),
    (None, "no-binary", true),
    (None, "prefer-binary", false),
    (None, "require-hashes", false),
    (None, "use-feature", true),
    (None, "hash", true),
    (None, "config-settings", true),
    (Some('C'), "config-settings", true),
    (None, "global-option", true),
];

fn parse_options(words: &[String]) -> Result<ParsedOptions, String> {
    let mut out = ParsedOptions::default();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        let (spec, inline): (&(Option<char>, &str, bool), Option<String>) =
            if let Some(long) = w.strip_prefix("--") {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                // pip's `--requirements` / `--constraints` spellings are aliases
                let name = match name {
                    "requirements" => "requirement",
                    "constraints" => "constraint",
                    n => n,
                };
                let spec = OPTIONS
                    .iter()
                    .find(|(_, l, _)| *l == name)
                    .ok_or_else(|| format!("unknown option `--{}`", clip(name)))?;
                (spec, inline)
            } else if let Some(short) = w.strip_prefix('-') {
                let mut cs = short.chars();
                let c = cs
                    .next()
                    .ok_or_else(|| "unexpected `-` (a lone dash is not an option)".to_string())?;
                let spec = OPTIONS
                    .iter()
                    .find(|(s, _, _)| *s == Some(c))
                    .ok_or_else(|| format!("unknown option `-{c}`"))?;
                let rest: String = cs.collect();
                let inline = if rest.is_empty() {
                    None
                } else {
                    Some(rest.strip_prefix('=').map(str::to_string).unwrap_or(rest))
                };
                (spec, inline)
            } else {
                return Err(format!(
                    "unexpected `{}` after options (a requirement must come first on its line)",
                    clip(w)
                ));
            };
        let (_, name, takes_value) = *spec;
        let value = if takes_value {
            match inline {
                Some(v) => v,
                None => {
                    let v = words
                        .get(i)
                        .ok_or_else(|| format!("option `--{name}` needs a value"))?
                        .clone();
                    i += 1;
                    v
                }
            }
        } else {
            if inline.is_some() {
                return Err(format!("option `--{name}` takes no value"));
            }
            String::new()
        };
        match name {
            "editable" => {
                if out.editable.is_some() {
                    return Err("more than one -e on a line".into());
                }
                out.editable = Some(value);
            }
            "hash" => out.hashes.push(value),
            "config-settings" | "global-option" => {}
            _ => out.global.push((name, value)),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Requirements.

/// A URL kept exactly as written: the reader classifies it itself and never resolves paths.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RawUrl(String);

impl std::fmt::Display for RawUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Pep508Url for RawUrl {
    type Err = std::convert::Infallible;
    fn parse_url(url: &str, _working_dir: Option<&Path>) -> Result<Self, Self::Err> {
        Ok(RawUrl(url.to_string()))
    }
}

const VCS_PREFIXES: &[&str] = &["git+", "hg+", "svn+", "bzr+"];

/// Whether pip would treat the text as a URL (`is_url`): a scheme pip knows.
fn is_url(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = s[..colon].to_ascii_lowercase();
    matches!(scheme.as_str(), "http" | "https" | "file" | "ftp" | "git")
        || VCS_PREFIXES.iter().any(|p| {
            scheme.starts_with(p)
                && !scheme[p.len()..].is_empty()
                && scheme[p.len()..].bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// pip's `_looks_like_path`.
fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.contains('\\') || s.starts_with('.')
}

fn is_archive_name(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    [
        ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".zip", ".tar",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

fn parse_requirement(text: &str, editable: bool) -> Result<Pending, String> {
    let url_form = is_url(text);
    // pip splits markers off URLs at "; " (a URL may contain ';') and off anything else at ';'.
    let marker_sep = if url_form { "; " } else { ";" };
    let (head, marker_text) = match text.split_once(marker_sep) {
        Some((h, m)) => (h.trim(), Some(m.trim())),
        None => (text.trim(), None),
    };
    if url_form {
        let markers = parse_markers(marker_text)?;
        return from_url(None, head, markers, editable);
    }
    let (path_part, extras) = strip_extras(head);
    let pep508_url_form = head
        .split_once('@')
        .is_some_and(|(before, _)| !looks_like_path(before));
    if !pep508_url_form && (looks_like_path(path_part) || is_archive_name(path_part)) {
        let markers = parse_markers(marker_text)?;
        let mut p = from_path(None, path_part, markers, editable);
        p.pkg.extras = extras.map(extra_list).unwrap_or_default();
        return Ok(p);
    }
    if editable {
        return Err(format!(
            "-e needs a local path or a VCS URL, not `{}`",
            clip(text)
        ));
    }
    if let Some(c) = non_ascii_outside_quotes(text) {
        return Err(format!(
            "invalid requirement `{}`: unexpected character `{c}`",
            clip(text)
        ));
    }
    check_name_and_extras(text)?;
    let parsed = crate::guard::contain(|| Requirement::<RawUrl>::from_str(text));
    let Some(parsed) = parsed else {
        return Err(format!("invalid requirement `{}`", clip(text)));
    };
    let req = match parsed {
        Ok(r) => r,
        Err(e) => {
            if let Some(p) = arbitrary_equality(text) {
                return p;
            }
            return Err(format!(
                "invalid requirement `{}`: {}",
                clip(text),
                e.message
            ));
        }
    };
    let name = req.name.to_string();
    let markers = req.marker.contents().map(|c| c.to_string());
    let extras: Vec<String> = req.extras.iter().map(|e| e.to_string()).collect();
    parsed_requirement(name, markers, req.version_or_url).map(|mut p| {
        p.pkg.extras = extras;
        p
    })
}

fn parsed_requirement(
    name: String,
    markers: Option<String>,
    version_or_url: Option<VersionOrUrl<RawUrl>>,
) -> Result<Pending, String> {
    match version_or_url {
        Some(VersionOrUrl::Url(url)) => {
            let url = url.0;
            if is_url(&url) {
                from_url(Some(&name), &url, markers, false)
            } else {
                Ok(from_path(Some(&name), &url, markers, false))
            }
        }
        Some(VersionOrUrl::VersionSpecifier(specs)) => {
            let specifier = specs.to_string();
            let pinned = match specs.iter().collect::<Vec<_>>().as_slice() {
                [one]
                    if matches!(
                        one.operator(),
                        pep440_rs::Operator::Equal | pep440_rs::Operator::ExactEqual
                    ) =>
                {
                    Some(one.version().to_string())
                }
                _ => None,
            };
            let mut pkg = LockedPackage::new(&name, pinned, Source::Registry { url: None });
            pkg.markers = markers;
            Ok(pending(pkg, specifier, false))
        }
        None => {
            let mut pkg = LockedPackage::new(&name, None, Source::Registry { url: None });
            pkg.markers = markers;
            Ok(pending(pkg, String::new(), false))
        }
    }
}

fn pending(pkg: LockedPackage, specifier: String, editable: bool) -> Pending {
    Pending {
        pkg,
        file: 0,
        specifier,
        editable,
        unnamed: false,
    }
}

/// `name===version` where the version is not PEP 440 (which `===` exists for).
fn arbitrary_equality(text: &str) -> Option<Result<Pending, String>> {
    let (head, marker) = match text.split_once(';') {
        Some((h, m)) => (h, Some(m.trim())),
        None => (text, None),
    };
    let (name_part, version) = head.split_once("===")?;
    let version = version.trim();
    let (name, _) = strip_extras(name_part.trim());
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if !valid_name || version.is_empty() || version.contains(char::is_whitespace) {
        return None;
    }
    Some(parse_markers(marker).map(|markers| {
        let mut pkg = LockedPackage::new(
            name,
            Some(version.to_string()),
            Source::Registry { url: None },
        );
        pkg.markers = markers;
        pending(pkg, format!("==={version}"), false)
    }))
}

/// PEP 508 names and extras: a letter or digit, then letters, digits, `.`, `-`, `_`, ending in
/// a letter or digit. pep508_rs 0.9 panics (an `expect`) on a name or extra that ends in a
/// separator and is followed by more text, so those are rejected here first.
fn check_name_and_extras(text: &str) -> Result<(), String> {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let bad_ident = |s: &str| {
        let s = s.trim();
        !s.is_empty()
            && (!s.starts_with(|c: char| c.is_ascii_alphanumeric())
                || !s.ends_with(|c: char| c.is_ascii_alphanumeric())
                || !s.chars().all(is_ident))
    };
    let trimmed = text.trim_start();
    let name_len = trimmed
        .find(|c: char| !is_ident(c))
        .unwrap_or(trimmed.len());
    let name = &trimmed[..name_len];
    if bad_ident(name) {
        return Err(format!(
            "invalid requirement `{}`: the name `{}` must start and end with a letter or digit",
            clip(text),
            clip(name)
        ));
    }
    let rest = trimmed[name_len..].trim_start();
    if let Some(inner) = rest.strip_prefix('[') {
        let inner = inner.split(']').next().unwrap_or(inner);
        if let Some(extra) = inner.split(',').find(|e| bad_ident(e)) {
            return Err(format!(
                "invalid requirement `{}`: invalid extra `{}`",
                clip(text),
                clip(extra.trim())
            ));
        }
    }
    Ok(())
}

/// The first non-ASCII character outside quoted strings and outside the URL after `@`.
/// PEP 508 allows none there, and pep508_rs 0.9 panics (slicing inside a character) when one
/// follows a complete marker expression, so such text is rejected before it reaches the parser.
fn non_ascii_outside_quotes(text: &str) -> Option<char> {
    let mut quote: Option<char> = None;
    // after `@`: skipping the blanks before the URL, then inside the URL until a blank
    let (mut before_url, mut in_url) = (false, false);
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if before_url && c.is_whitespace() => {}
            None if before_url || in_url => {
                before_url = false;
                in_url = !c.is_whitespace();
            }
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '@' => before_url = true,
            None if !c.is_ascii() => return Some(c),
            None => {}
        }
    }
    None
}

/// `[a, b]` -> `["a", "b"]`.
fn extra_list(bracketed: &str) -> Vec<String> {
    bracketed
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// `path[extra1,extra2]` -> (`path`, `[extra1,extra2]`).
fn strip_extras(s: &str) -> (&str, Option<&str>) {
    if s.ends_with(']') {
        if let Some(open) = s.rfind('[') {
            return (&s[..open], Some(&s[open..]));
        }
    }
    (s, None)
}

fn parse_markers(text: Option<&str>) -> Result<Option<String>, String> {
    let Some(t) = text.filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Some(c) = non_ascii_outside_quotes(t) {
        return Err(format!(
            "invalid environment marker `{}`: unexpected character `{c}`",
            clip(t)
        ));
    }
    let parsed = crate::guard::contain(|| MarkerTree::from_str(t))
        .ok_or_else(|| format!("invalid environment marker `{}`", clip(t)))?;
    let tree =
        parsed.map_err(|e| format!("invalid environment marker `{}`: {}", clip(t), e.message))?;
    Ok(tree.contents().map(|c| c.to_string()))
}

/// Value of `key=` in a URL fragment (`#egg=name&sha256=...`).
fn fragment_value<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    let (_, frag) = url.split_once('#')?;
    frag.split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn from_url(
    name: Option<&str>,
    url: &str,
    markers: Option<String>,
    editable: bool,
) -> Result<Pending, String> {
    let lower = url.to_ascii_lowercase();
    let egg = fragment_value(url, "egg").map(|e| strip_extras(e).0.to_string());
    let given_name = name.map(str::to_string).or(egg);
    if VCS_PREFIXES.iter().any(|p| lower.starts_with(p)) || lower.starts_with("git:") {
        let (base, reference) = split_vcs_url(url);
        let name = given_name.unwrap_or_else(|| repo_name(&base));
        let mut pkg = LockedPackage::new(
            &name,
            None,
            Source::Vcs {
                url: base,
                reference,
            },
        );
        pkg.markers = markers;
        return Ok(pending(pkg, String::new(), editable));
    }
    if lower.starts_with("file:") {
        let path = url.split('#').next().unwrap_or(url);
        let path = path.get(5..).unwrap_or("");
        let path = path.strip_prefix("//").unwrap_or(path);
        let path = percent_path(path);
        return Ok(from_path(given_name.as_deref(), &path, markers, editable));
    }
    if editable {
        return Err(format!(
            "-e needs a local path or a VCS URL, not `{}`",
            crate::redact::redact_url(&clip(url))
        ));
    }
    let bare = url.split('#').next().unwrap_or(url).to_string();
    let filename = url_filename(url);
    let mut artifact = Artifact::new(filename.clone());
    artifact.url = Some(bare.clone());
    if let Some(frag) = url.split_once('#').map(|(_, f)| f) {
        for kv in frag.split('&') {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            if k.eq_ignore_ascii_case("egg") || k.eq_ignore_ascii_case("subdirectory") {
                continue;
            }
            if let Some(d) = super::parse_hash(&format!("{k}:{v}"))
                .map_err(|e| format!("invalid hash in URL fragment: {e}"))?
            {
                artifact.hashes.insert(d);
            }
        }
    }
    let from_file = name_version_from_filename(&filename);
    let name = given_name
        .or_else(|| from_file.as_ref().map(|(n, _)| n.clone()))
        .unwrap_or_else(|| fallback_name(&filename, &bare));
    let version = from_file.map(|(_, v)| v);
    let mut pkg = LockedPackage::new(&name, version, Source::Url { url: bare });
    pkg.markers = markers;
    pkg.artifacts.push(artifact);
    Ok(pending(pkg, String::new(), false))
}

fn from_path(name: Option<&str>, path: &str, markers: Option<String>, editable: bool) -> Pending {
    let given = name;
    let filename = path_filename(path.trim_end_matches(['/', '\\']));
    let from_file = name_version_from_filename(&filename);
    let name = name
        .map(str::to_string)
        .or_else(|| from_file.as_ref().map(|(n, _)| n.clone()))
        .unwrap_or_else(|| fallback_name(&filename, path));
    let version = from_file.as_ref().map(|(_, v)| v.clone());
    let mut pkg = LockedPackage::new(
        &name,
        version,
        Source::Path {
            path: path.to_string(),
            editable,
        },
    );
    pkg.markers = markers;
    let mut p = pending(pkg, String::new(), editable);
    p.unnamed = given.is_none() && from_file.is_none();
    p
}

/// The project name declared in a local directory's pyproject.toml (`[project]` or
/// `[tool.poetry]`), else the directory's own name. Read only, never built.
fn directory_project_name(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let from_pyproject = std::fs::read_to_string(dir.join("pyproject.toml"))
        .ok()
        .and_then(|t| toml::from_str::<toml::Table>(&t).ok())
        .and_then(|t| {
            let project = t.get("project").and_then(|p| p.get("name"));
            let poetry = t
                .get("tool")
                .and_then(|t| t.get("poetry"))
                .and_then(|p| p.get("name"));
            project.or(poetry)?.as_str().map(str::to_string)
        })
        .filter(|n| !n.trim().is_empty());
    from_pyproject.or_else(|| {
        std::fs::canonicalize(dir)
            .ok()?
            .file_name()?
            .to_str()
            .map(str::to_string)
    })
}

/// Name a VCS requirement that has no `#egg=` after its repository.
fn repo_name(base: &str) -> String {
    let path = base.split(['?', '#']).next().unwrap_or(base);
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    let last = last.strip_suffix(".git").unwrap_or(last);
    if last.is_empty() || last.contains(':') {
        "unknown".to_string()
    } else {
        last.to_string()
    }
}

fn fallback_name(filename: &str, whole: &str) -> String {
    if !filename.is_empty() && filename != "." && filename != ".." {
        filename.to_string()
    } else {
        let n: String = PackageName::new(whole)
            .normalized
            .chars()
            .take(60)
            .collect();
        if n.is_empty() {
            "unknown".to_string()
        } else {
            n
        }
    }
}

/// Constraints pin and hash requirements of the same name (and compatible markers) only;
/// `constraints` are those of the requirement's name.
fn apply_constraints(req: &mut Pending, constraints: &[&Pending]) {
    if !matches!(req.pkg.source, Source::Registry { .. }) {
        return;
    }
    for c in constraints {
        if c.pkg.name.normalized != req.pkg.name.normalized
            || !matches!(c.pkg.source, Source::Registry { .. })
            || (c.pkg.markers.is_some() && c.pkg.markers != req.pkg.markers)
        {
            continue;
        }
        let Some(cv) = &c.pkg.version else { continue };
        match &req.pkg.version {
            None => {
                req.pkg.version = Some(cv.clone());
                req.specifier = c.specifier.clone();
            }
            Some(v)
                if crate::project::normalize_version(v)
                    == crate::project::normalize_version(cv) => {}
            Some(_) => continue,
        }
        if req.pkg.requirement_hashes.is_empty() {
            req.pkg.requirement_hashes = c.pkg.requirement_hashes.clone();
        }
        return;
    }
}

/// One requirement string as an entry with its problems (see `lockfile::requirement_entry`).
pub(super) fn requirement_entry(text: &str) -> Result<LockedPackage, String> {
    let mut p = parse_requirement(text.trim(), false)?;
    p.pkg.problems = problems_of(&p);
    Ok(p.pkg)
}

fn problems_of(req: &Pending) -> Vec<Problem> {
    let pkg = &req.pkg;
    let mut problems = match &pkg.source {
        Source::Registry { .. } => match pkg.version {
            None => vec![Problem::Unpinned {
                specifier: req.specifier.clone(),
            }],
            Some(_) if pkg.requirement_hashes.is_empty() => vec![Problem::Unhashed],
            Some(_) => Vec::new(),
        },
        Source::Url { .. } => super::url_problems(&pkg.artifacts, &pkg.requirement_hashes),
        Source::Vcs { .. } => vec![Problem::VcsSource],
        // `-e .`: the project the requirements file belongs to, not a dependency.
        Source::Path { path, .. } if super::is_project_root(path) => return Vec::new(),
        Source::Path { .. } => vec![Problem::LocalSource],
        Source::Virtual { .. } => Vec::new(),
    };
    if req.editable {
        problems.push(Problem::Editable);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_and_strips_comments() {
        let text = "a==1 \\\n    --hash=sha256:x \\\n  # comment ends the join\nb # c\n# only comment\nurl#frag\n";
        let lines = logical_lines(text);
        assert_eq!(
            lines,
            vec![
                (1, "a==1     --hash=sha256:x".to_string()),
                (4, "b".to_string()),
                (6, "url#frag".to_string()),
            ]
        );
    }

    #[test]
    fn expands_only_pip_style_variables() {
        let env = |name: &str| match name {
            "PYVET_TEST_TOKEN_1" => Some("s3cret".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        let expand = |s: &str| expand_env_with(s, &env);
        assert_eq!(expand("a ${PYVET_TEST_TOKEN_1} b"), "a s3cret b");
        assert_eq!(
            expand("${lower} $PYVET_TEST_TOKEN_1 ${UNSET_PYVET_X} ${EMPTY}"),
            "${lower} $PYVET_TEST_TOKEN_1 ${UNSET_PYVET_X} ${EMPTY}"
        );
        assert_eq!(expand("${"), "${");
        assert_eq!(expand("é${Ä}"), "é${Ä}");
    }

    #[test]
    fn shlex_and_options() {
        assert_eq!(
            shlex_split("-r 'a b.txt' \"c\\\"d\"").unwrap(),
            vec!["-r", "a b.txt", "c\"d"]
        );
        assert!(shlex_split("'open").is_err());
        let o = parse_options(
            &shlex_split("-rreq.txt --index-url=https://x --pre --hash sha256:1").unwrap(),
        )
        .unwrap();
        assert_eq!(
            o.global,
            vec![
                ("requirement", "req.txt".into()),
                ("index-url", "https://x".into()),
                ("pre", String::new())
            ]
        );
        assert_eq!(o.hashes, vec!["sha256:1".to_string()]);
        assert!(parse_options(&["--frobnicate".into()])
            .unwrap_err()
            .contains("--frobnicate"));
        assert!(parse_options(&["-r".into()])
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse_options(&["--pre=1".into()]).is_err());
        assert!(parse_options(&shlex_split("--pre stray").unwrap()).is_err());
        assert_eq!(
            split_editable_marker("-e ./pkg ; sys_platform == 'linux'"),
            ("-e ./pkg ", Some("sys_platform == 'linux'"))
        );
        assert_eq!(split_editable_marker("-r a;b"), ("-r a;b", None));
    }

    #[test]
    fn classifies_requirements() {
        let p = parse_requirement("Foo_Bar[x]==1.0 ; python_version >= '3.8'", false).unwrap();
        assert_eq!(p.pkg.name.normalized, "foo-bar");
        assert_eq!(p.pkg.version.as_deref(), Some("1.0"));
        assert!(p.pkg.markers.as_deref().unwrap().contains("3.8"));

        let p = parse_requirement("foo>=1,<2", false).unwrap();
        assert_eq!(p.pkg.version, None);
        assert_eq!(p.specifier, ">=1, <2");

        let p = parse_requirement("foo==1.*", false).unwrap();
        assert_eq!(p.pkg.version, None);

        let p = parse_requirement("foo===1.0-weird+local_thing", false).unwrap();
        assert_eq!(p.pkg.version.as_deref(), Some("1.0-weird+local_thing"));

        let p = parse_requirement("git+https://example.invalid/o/repo.git@v2#egg=thing", false)
            .unwrap();
        assert_eq!(p.pkg.name.normalized, "thing");
        assert_eq!(
            p.pkg.source,
            Source::Vcs {
                url: "git+https://example.invalid/o/repo.git".into(),
                reference: Some("v2".into())
            }
        );

        let p = parse_requirement("https://example.invalid/p/six-1.16.0-py2.py3-none-any.whl#sha256=8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254", false).unwrap();
        assert_eq!(p.pkg.name.normalized, "six");
        assert_eq!(p.pkg.version.as_deref(), Some("1.16.0"));
        assert_eq!(p.pkg.artifacts[0].hashes.sha256().unwrap().len(), 64);
        assert_eq!(
            p.pkg.artifacts[0].url.as_deref(),
            Some("https://example.invalid/p/six-1.16.0-py2.py3-none-any.whl")
        );

        let p = parse_requirement("./vendor/pkg[extra] ; sys_platform == 'linux'", false).unwrap();
        assert_eq!(
            p.pkg.source,
            Source::Path {
                path: "./vendor/pkg".into(),
                editable: false
            }
        );
        assert_eq!(p.pkg.name.display, "pkg");

        let p = parse_requirement("pkg @ file:///opt/pkg-1.0.tar.gz", false).unwrap();
        assert_eq!(
            p.pkg.source,
            Source::Path {
                path: "/opt/pkg-1.0.tar.gz".into(),
                editable: false
            }
        );

        let p = parse_requirement("pkg @ https://example.invalid/pkg.zip", false).unwrap();
        assert!(matches!(p.pkg.source, Source::Url { .. }));
        assert_eq!(p.pkg.name.display, "pkg");

        assert!(parse_requirement("foo ==", false).is_err());
        assert!(parse_requirement("requests", true).is_err());
        assert!(parse_requirement("foo ; python_version >>> '3'", false).is_err());
    }

    #[test]
    fn regression_non_ascii_after_marker_does_not_reach_pep508_panic() {
        for text in [
            "a ; python_version >= \"3.8\" \\\u{e9}",
            "a ; python_version >= '3' \u{e9} and",
            "a ; (python_version >= '3') \u{e9}",
        ] {
            assert!(parse_requirement(text, false).is_err(), "{text}");
        }
        // pep508_rs `expect`s on these names and extras
        for text in ["idna-=3.r0", "a_ (>1)", "a[b-]==1", "a[b.,c]"] {
            assert!(parse_requirement(text, false).is_err(), "{text}");
        }
        assert!(parse_requirement("a.b-c_d[x-y, z]==1", false).is_ok());
        // non-ASCII inside quotes or a URL is left to the parser
        assert!(parse_requirement("a ; python_version >= '\u{e9}'", false).is_ok());
        assert!(parse_requirement("a @ https://example.invalid/\u{e9}.whl", false).is_ok());
    }

    #[test]
    fn break_args_keeps_markers_whole() {
        let (a, o) = break_args_options("foo==1 ; python_version < '3.11' --hash=sha256:ab");
        assert_eq!(a, "foo==1 ; python_version < '3.11'");
        assert_eq!(o, "--hash=sha256:ab");
    }
}
