//! The on-disk vulnerability database: `<cache>/osv/db.jsonl`, written by `pyvet db import` /
//! `pyvet db update` and read by audits.
//!
//! Layout: the first line is a JSON header (format, import time, source, counts and an index
//! from normalised package name to the byte span of that package's advisories); every further
//! line is one package's advisories as a JSON array. Opening the database parses only the
//! header; checking a package seeks to its span and parses that one line, so an audit of 50
//! packages never parses the tens of thousands of other records. The whole file is replaced
//! atomically (`fsutil::write_atomic`), so a reader sees the old database or the new one.
//!
//! Beside it, `<cache>/osv/update.json` remembers what `pyvet db update` last fetched: the
//! redacted URL, the server's `ETag` and when the export was last checked. An update sends the
//! ETag back (`If-None-Match`), so an unchanged export costs one request and no import.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::osv::{self, Advisory, Format};
use crate::error::{Error, InputError};

/// Bumped when the layout changes; an older database asks to be re-imported.
pub const FORMAT: &str = "pyvet-osv-2";
/// Largest single record file read from a directory.
const MAX_RECORD_FILE: u64 = 32 << 20;
/// Largest zip read.
pub const MAX_ZIP: u64 = 2 << 30;
/// Largest header line accepted when opening.
const MAX_HEADER: u64 = 256 << 20;

/// What `pyvet db info` shows, stored in the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInfo {
    pub format: String,
    pub imported_at: jiff::Timestamp,
    /// Where the records came from: a path, or a URL with credentials redacted.
    pub source: String,
    /// Distinct record ids stored.
    pub records: usize,
    /// Of which known-malicious.
    pub malicious: usize,
    pub packages: usize,
    /// Withdrawn records skipped.
    pub withdrawn: usize,
    /// Newest `modified` time among the records (the data's own age).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    #[serde(flatten)]
    info: DbInfo,
    /// Package -> (offset from the start of the body, length) of its line.
    index: BTreeMap<String, (u64, u64)>,
}

/// What `pyvet db update` remembers between runs (`<cache>/osv/update.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateState {
    /// The URL fetched, credentials redacted (compared with [`DbInfo::source`]).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// The last time the server confirmed the export (a 200 that was imported, or a 304).
    pub checked_at: jiff::Timestamp,
}

/// The update state file inside a cache directory.
pub fn update_state_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("osv").join("update.json")
}

/// The remembered update state; `None` when absent or unreadable (then the next update is a
/// plain GET).
pub fn read_update_state(cache_dir: &Path) -> Option<UpdateState> {
    let bytes = std::fs::read(update_state_path(cache_dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Remember the update state (atomically).
pub fn write_update_state(cache_dir: &Path, state: &UpdateState) -> Result<(), Error> {
    let path = update_state_path(cache_dir);
    let bytes = serde_json::to_vec_pretty(state)
        .map_err(|e| Error::Other(format!("serialising the update state: {e}")))?;
    crate::fsutil::write_atomic(&path, &bytes)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// An opened database: the header in memory, the body read on demand.
pub struct Store {
    pub path: PathBuf,
    pub info: DbInfo,
    /// What the last `db update` recorded, if any.
    pub update: Option<UpdateState>,
    index: BTreeMap<String, (u64, u64)>,
    body_start: u64,
    file: Mutex<std::fs::File>,
}

/// The database file inside a cache directory.
pub fn db_path(cache_dir: &Path) -> PathBuf {
    cache_dir.join("osv").join("db.jsonl")
}

impl Store {
    /// `None` when no database has been imported.
    pub fn open(cache_dir: &Path) -> Result<Option<Store>, Error> {
        let path = db_path(cache_dir);
        let file = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("opening {}", path.display()), e)),
        };
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        (&mut reader)
            .take(MAX_HEADER)
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        let corrupt = |msg: String| {
            Error::from(InputError::new(
                &path,
                Some(1),
                format!("{msg}; re-import the database (`pyvet db import` or `pyvet db update`)"),
            ))
        };
        if line.last() != Some(&b'\n') {
            return Err(corrupt("truncated vulnerability database header".into()));
        }
        let header: Header = serde_json::from_slice(&line)
            .map_err(|e| corrupt(format!("unreadable vulnerability database header: {e}")))?;
        if header.info.format != FORMAT {
            return Err(corrupt(format!(
                "vulnerability database format `{}` is not `{FORMAT}`",
                header.info.format
            )));
        }
        Ok(Some(Store {
            update: read_update_state(cache_dir),
            path,
            info: header.info,
            index: header.index,
            body_start: line.len() as u64,
            file: Mutex::new(reader.into_inner()),
        }))
    }

    pub fn has_package(&self, normalized: &str) -> bool {
        self.index.contains_key(normalized)
    }

    /// The advisories stored for one (normalised) package.
    pub fn advisories(&self, normalized: &str) -> Result<Vec<Advisory>, Error> {
        let Some(&(offset, len)) = self.index.get(normalized) else {
            return Ok(Vec::new());
        };
        let ctx = || format!("reading {}", self.path.display());
        let mut buf = vec![0u8; usize::try_from(len).map_err(|_| Error::Other(ctx()))?];
        {
            let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
            f.seek(SeekFrom::Start(self.body_start + offset))
                .map_err(|e| Error::io(ctx(), e))?;
            f.read_exact(&mut buf).map_err(|e| Error::io(ctx(), e))?;
        }
        serde_json::from_slice(&buf).map_err(|e| {
            Error::from(InputError::new(
                &self.path,
                None,
                format!("corrupt entry for `{normalized}` ({e}); re-import the database"),
            ))
        })
    }
}

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportSummary {
    pub path: PathBuf,
    pub info: DbInfo,
    /// Record files read.
    pub files: usize,
    /// Records that name no PyPI package.
    pub other_ecosystem: usize,
    /// Data-quality notes (e.g. versions that are not PEP 440), at most 20.
    pub warnings: Vec<String>,
    pub warning_count: usize,
}

struct Kept {
    modified: Option<String>,
    withdrawn: bool,
    /// One per package (empty when withdrawn).
    advisories: Vec<Advisory>,
}

/// Collects validated records before writing.
#[derive(Default)]
struct Collector {
    /// id -> the newest copy of that record seen.
    by_id: BTreeMap<String, Kept>,
    other_ecosystem: usize,
    files: usize,
    warnings: Vec<String>,
    warning_count: usize,
}

impl Collector {
    fn add_file(&mut self, path: &Path, bytes: &[u8], format: Format) -> Result<(), Error> {
        let text = std::str::from_utf8(bytes)
            .map_err(|e| InputError::new(path, None, format!("not UTF-8: {e}")))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        self.files += 1;
        for parsed in osv::parse_file(path, text, format)? {
            self.warning_count += parsed.warnings.len();
            for w in parsed.warnings {
                if self.warnings.len() < 20 {
                    self.warnings.push(format!("{}: {w}", path.display()));
                }
            }
            if parsed.other_ecosystem {
                self.other_ecosystem += 1;
            }
            if parsed.advisories.is_empty() && !parsed.withdrawn {
                continue;
            }
            // The same id twice (a directory holding two copies): keep the newer one, which
            // may be a withdrawal. On a tie the first one read stays.
            let replace = match self.by_id.get(&parsed.id) {
                Some(old) => newer(old.modified.as_deref(), parsed.modified.as_deref()),
                None => true,
            };
            if replace {
                self.by_id.insert(
                    parsed.id,
                    Kept {
                        modified: parsed.modified,
                        withdrawn: parsed.withdrawn,
                        advisories: parsed.advisories,
                    },
                );
            }
        }
        Ok(())
    }

    fn add_dir(&mut self, dir: &Path) -> Result<(), Error> {
        let mut files = Vec::new();
        walk(dir, &mut files)?;
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, format) in files {
            let meta = std::fs::metadata(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            if meta.len() > MAX_RECORD_FILE {
                return Err(InputError::new(
                    &path,
                    None,
                    format!("{} bytes is too large for an OSV record", meta.len()),
                )
                .into());
            }
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            self.add_file(&path, &bytes, format)?;
        }
        Ok(())
    }

    fn add_zip(&mut self, label: &Path, bytes: &[u8]) -> Result<(), Error> {
        let bad =
            |msg: String| Error::from(InputError::new(label, None, format!("bad OSV zip: {msg}")));
        let opts = crate::archive::ReadOptions::keep_all(crate::archive::Limits::default());
        let name = label
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let name = if name.to_ascii_lowercase().ends_with(".zip") {
            name
        } else {
            format!("{name}.zip")
        };
        let outcome = crate::archive::read_artifact_with(&name, bytes, &opts)
            .map_err(|e| bad(e.to_string()))?;
        if let Some(f) = outcome
            .contents
            .findings
            .iter()
            .find(|f| f.rule == crate::archive::ARCHIVE_BOMB.id)
        {
            return Err(bad(f.message.clone()));
        }
        for entry in &outcome.contents.entries {
            // Hidden members (`repo-main/.github/workflows/ci.yml` in a repository archive)
            // are not records, as in a directory import.
            if entry.path.split(['/', '\\']).any(|c| c.starts_with('.')) {
                continue;
            }
            let Some(format) = Format::from_path(&entry.path) else {
                continue;
            };
            // Errors inside name the archive and the member: `db.zip!PYSEC-1.json:3`.
            let member = PathBuf::from(format!("{}!{}", label.display(), entry.path));
            self.add_file(&member, &entry.data, format)?;
        }
        Ok(())
    }

    fn finish(
        self,
        cache_dir: &Path,
        source: &str,
        now: jiff::Timestamp,
    ) -> Result<ImportSummary, Error> {
        let mut by_package: BTreeMap<String, Vec<Advisory>> = BTreeMap::new();
        let mut malicious = 0;
        let mut newest: Option<String> = None;
        let mut records = 0;
        let mut withdrawn = 0;
        for kept in self.by_id.values() {
            if kept.withdrawn {
                withdrawn += 1;
                continue;
            }
            records += 1;
            let advisories = &kept.advisories;
            if advisories.iter().any(|a| a.malicious) {
                malicious += 1;
            }
            for a in advisories {
                if let Some(m) = &a.modified {
                    if newest.as_deref().is_none_or(|n| newer(Some(n), Some(m))) {
                        newest = Some(m.clone());
                    }
                }
                by_package
                    .entry(a.package.clone())
                    .or_default()
                    .push(a.clone());
            }
        }
        let mut body = Vec::new();
        let mut index = BTreeMap::new();
        for (name, advisories) in &by_package {
            let start = body.len() as u64;
            serde_json::to_writer(&mut body, advisories)
                .map_err(|e| Error::Other(format!("serialising advisories: {e}")))?;
            index.insert(name.clone(), (start, body.len() as u64 - start));
            body.push(b'\n');
        }
        let info = DbInfo {
            format: FORMAT.into(),
            // Whole seconds: nobody needs the nanoseconds in `db info`.
            imported_at: jiff::Timestamp::from_second(now.as_second()).unwrap_or(now),
            source: source.to_string(),
            records,
            malicious,
            packages: by_package.len(),
            withdrawn,
            newest_modified: newest,
        };
        let header = Header {
            info: info.clone(),
            index,
        };
        let mut out = serde_json::to_vec(&header)
            .map_err(|e| Error::Other(format!("serialising the database header: {e}")))?;
        out.push(b'\n');
        out.extend_from_slice(&body);
        let path = db_path(cache_dir);
        crate::fsutil::write_atomic(&path, &out)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        Ok(ImportSummary {
            path,
            info,
            files: self.files,
            other_ecosystem: self.other_ecosystem,
            warnings: self.warnings,
            warning_count: self.warning_count,
        })
    }
}

/// Whether timestamp `b` is strictly newer than `a` (RFC 3339; unparseable sorts oldest).
fn newer(a: Option<&str>, b: Option<&str>) -> bool {
    let parse = |s: Option<&str>| s.and_then(|s| s.trim().parse::<jiff::Timestamp>().ok());
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => b > a,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// Record files under `dir`, skipping hidden entries and never following directory symlinks.
fn walk(dir: &Path, out: &mut Vec<(PathBuf, Format)>) -> Result<(), Error> {
    let rd =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(format!("reading {}", dir.display()), e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let ft = entry
            .file_type()
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if ft.is_dir() {
            walk(&path, out)?;
        } else if let Some(format) = Format::from_path(&name) {
            if ft.is_file() || (ft.is_symlink() && path.is_file()) {
                out.push((path, format));
            }
        }
    }
    Ok(())
}

/// Import from a directory tree of `.json`/`.yaml`/`.yml` records, a single record file, or
/// an OSV export `.zip`. Replaces the database in `cache_dir` only when everything parsed.
pub fn import_path(
    cache_dir: &Path,
    source: &Path,
    now: jiff::Timestamp,
) -> Result<ImportSummary, Error> {
    let meta = std::fs::metadata(source)
        .map_err(|e| Error::io(format!("reading {}", source.display()), e))?;
    let mut c = Collector::default();
    if meta.is_dir() {
        c.add_dir(source)?;
    } else {
        let is_zip = source
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        let limit = if is_zip { MAX_ZIP } else { MAX_RECORD_FILE };
        if meta.len() > limit {
            return Err(InputError::new(
                source,
                None,
                format!("{} bytes is over the limit of {limit}", meta.len()),
            )
            .into());
        }
        let bytes = std::fs::read(source)
            .map_err(|e| Error::io(format!("reading {}", source.display()), e))?;
        if is_zip || bytes.starts_with(b"PK\x03\x04") {
            c.add_zip(source, &bytes)?;
        } else {
            let format = Format::from_path(&source.to_string_lossy()).unwrap_or(Format::Json);
            c.add_file(source, &bytes, format)?;
        }
    }
    if c.files == 0 {
        return Err(InputError::new(
            source,
            None,
            "no OSV records found (.json, .yaml or .yml files)",
        )
        .into());
    }
    let label = std::fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
    c.finish(cache_dir, &label.display().to_string(), now)
}

/// Import an OSV export zip held in memory (from `pyvet db update`). `source` is shown in
/// `db info` and errors, so it must already be redacted.
pub fn import_zip_bytes(
    cache_dir: &Path,
    bytes: &[u8],
    source: &str,
    now: jiff::Timestamp,
) -> Result<ImportSummary, Error> {
    let mut c = Collector::default();
    c.add_zip(Path::new(source), bytes)?;
    if c.files == 0 {
        return Err(Error::Other(format!(
            "{source}: the zip holds no OSV records"
        )));
    }
    c.finish(cache_dir, source, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vulns::zip::write_zip;

    struct Tmp(PathBuf);
    impl Drop for Tmp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    fn tmp(tag: &str) -> Tmp {
        let p = std::env::temp_dir().join(format!("pyvet-store-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Tmp(p)
    }

    fn rec(id: &str, modified: &str, fixed: &str) -> String {
        format!(
            r#"{{"id":"{id}","modified":"{modified}","affected":[{{"package":{{"ecosystem":"PyPI","name":"pkg"}},"ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}},{{"fixed":"{fixed}"}}]}}]}}]}}"#
        )
    }

    #[test]
    fn repository_archive_layout_with_hidden_members() {
        let dir = tmp("repo");
        let yaml = "id: PYSEC-0000-0100\naffected:\n- package: {name: pkg, ecosystem: PyPI}\n  versions: [\"1.0\"]\n";
        let zip = write_zip(
            &[
                ("db-main/.github/workflows/ci.yml", b"on: push\njobs: {}\n"),
                ("db-main/vulns/pkg/PYSEC-0000-0100.yaml", yaml.as_bytes()),
                ("db-main/README.md", b"# not a record"),
            ],
            true,
        );
        let now = jiff::Timestamp::UNIX_EPOCH;
        let s = import_zip_bytes(&dir.0, &zip, "https://***@example.invalid/db.zip", now).unwrap();
        assert_eq!((s.files, s.info.records, s.info.packages), (1, 1, 1));
        let store = Store::open(&dir.0).unwrap().unwrap();
        assert_eq!(store.info.source, "https://***@example.invalid/db.zip");
        assert!(store.has_package("pkg"));
        assert_eq!(store.advisories("pkg").unwrap()[0].id, "PYSEC-0000-0100");
        assert!(store.advisories("other").unwrap().is_empty());
    }

    #[test]
    fn duplicate_ids_keep_the_newest_record() {
        let dir = tmp("dups");
        let new = rec("PYSEC-0000-0200", "2025-02-01T00:00:00Z", "2.0");
        let old = rec("PYSEC-0000-0200", "2024-01-01T00:00:00Z", "1.0");
        for order in [[&new, &old], [&old, &new]] {
            let zip = write_zip(
                &[
                    ("a.json", order[0].as_bytes()),
                    ("b.json", order[1].as_bytes()),
                ],
                false,
            );
            let s = import_zip_bytes(&dir.0, &zip, "t", jiff::Timestamp::UNIX_EPOCH).unwrap();
            assert_eq!(s.info.records, 1);
            let store = Store::open(&dir.0).unwrap().unwrap();
            let advs = store.advisories("pkg").unwrap();
            assert_eq!(advs.len(), 1);
            assert_eq!(advs[0].modified.as_deref(), Some("2025-02-01T00:00:00Z"));
        }
    }

    #[test]
    fn a_newer_withdrawal_removes_the_record() {
        let dir = tmp("withdrawn");
        let live = rec("PYSEC-0000-0250", "2025-01-01T00:00:00Z", "2.0");
        let gone = r#"{"id":"PYSEC-0000-0250","modified":"2025-03-01T00:00:00Z","withdrawn":"2025-03-01T00:00:00Z"}"#;
        for order in [[live.as_str(), gone], [gone, live.as_str()]] {
            let zip = write_zip(
                &[
                    ("a.json", order[0].as_bytes()),
                    ("b.json", order[1].as_bytes()),
                ],
                false,
            );
            let s = import_zip_bytes(&dir.0, &zip, "t", jiff::Timestamp::UNIX_EPOCH).unwrap();
            assert_eq!(
                (s.info.records, s.info.withdrawn, s.info.packages),
                (0, 1, 0)
            );
            let store = Store::open(&dir.0).unwrap().unwrap();
            assert!(store.advisories("pkg").unwrap().is_empty());
        }
    }

    #[test]
    fn a_zip_without_records_is_an_error() {
        let dir = tmp("norec");
        let zip = write_zip(&[("README.md", b"hi")], false);
        let e = import_zip_bytes(&dir.0, &zip, "src.zip", jiff::Timestamp::UNIX_EPOCH).unwrap_err();
        assert!(e.to_string().contains("no OSV records"), "{e}");
        assert!(Store::open(&dir.0).unwrap().is_none());
    }

    #[test]
    fn json_array_file_and_wrong_format_version() {
        let dir = tmp("array");
        let src = tmp("array-src");
        std::fs::create_dir_all(&src.0).unwrap();
        let file = src.0.join("batch.json");
        let a = rec("PYSEC-0000-0300", "2025-01-01T00:00:00Z", "1.0");
        let b = rec("PYSEC-0000-0301", "2025-01-01T00:00:00Z", "1.1");
        std::fs::write(&file, format!("[{a},\n{b}]")).unwrap();
        let s = import_path(&dir.0, &file, jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(s.info.records, 2);

        let path = db_path(&dir.0);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replacen(FORMAT, "pyvet-osv-0", 1)).unwrap();
        let e = Store::open(&dir.0).err().expect("old format rejected");
        assert!(e.to_string().contains("re-import"), "{e}");
    }
}
