//! The on-disk cache: artifacts stored by sha256, index responses stored with their fetch time.
//! Writes go to a temporary file in the cache, are fsynced and renamed into place, so a crash
//! or a second pyvet process never leaves a half-written entry. Reads re-verify the hash and
//! evict a corrupt file.
//!
//! Layout under the root:
//! ```text
//! artifacts/sha256/ab/cdef...   artifact bytes, named by their sha256 (first two hex digits
//!                               as a directory, the other 62 as the file name)
//! index/<sha256 of url>.json    one index response: url, final url, status, fetch time, body
//! names/<sha256 of url>.json    which sha256 a download URL produced (offline lookups when the
//!                               lockfile gives no hash)
//! tmp/                          temporary files, renamed into place when complete
//! ```
//! Temporary files are created with `O_EXCL` (the `tempfile` crate) under a random name and
//! hold an advisory lock while they are written. A process killed mid-download leaves its temp
//! file behind unlocked: the next [`Cache::open`] removes every such file (one that another
//! live pyvet is writing is locked, and kept).
//! `export` / `import` carry exactly this layout in a tar file; `import` accepts nothing else.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::hash::{HashAlgorithm, Hashes, MultiHasher};

/// Largest index entry accepted on import (index pages of huge projects run to tens of MB).
const MAX_INDEX_ENTRY: u64 = 256 * 1024 * 1024;
/// Largest artifact accepted on import.
const MAX_ARTIFACT_ENTRY: u64 = 16 * 1024 * 1024 * 1024;

pub struct Cache {
    root: PathBuf,
}

/// One cached index response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedResponse {
    /// The requested URL, without credentials.
    pub url: String,
    /// The URL after redirects, without credentials.
    pub final_url: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    pub fetched_at: jiff::Timestamp,
    /// The body, base64.
    #[serde(with = "b64")]
    pub body: Vec<u8>,
    /// sha256 of `body`, set when stored and checked when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

mod b64 {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct NameEntry {
    key: String,
    sha256: String,
}

/// What `pyvet cache info` shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheInfo {
    pub location: PathBuf,
    pub artifacts: u64,
    pub artifact_bytes: u64,
    pub index_entries: u64,
    pub index_bytes: u64,
    pub name_entries: u64,
    pub total_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneStats {
    pub removed_files: u64,
    pub removed_bytes: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TransferStats {
    pub artifacts: u64,
    pub index_entries: u64,
    pub name_entries: u64,
    pub bytes: u64,
}

/// A verified artifact in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedArtifact {
    pub path: PathBuf,
    pub size: u64,
    /// sha256 plus every algorithm asked for.
    pub hashes: Hashes,
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("{what} {}", path.display()), e)
}

/// A temporary file in the cache's `tmp/`: created exclusively, locked while written, removed
/// when dropped unless committed.
pub struct TempFile {
    inner: tempfile::NamedTempFile,
}

impl TempFile {
    pub fn path(&self) -> &Path {
        self.inner.path()
    }

    pub fn file(&mut self) -> &mut File {
        self.inner.as_file_mut()
    }
}

/// Temporary files younger than this are never swept: between its exclusive creation and its
/// lock, another process's file is briefly unlocked.
const TEMP_GRACE: Duration = Duration::from_secs(60);

impl Cache {
    /// Open (creating if needed) the cache at `root`, and clear temporary files that killed
    /// runs left behind.
    pub fn open(root: &Path) -> Result<Cache, Error> {
        for sub in ["artifacts/sha256", "index", "names", "tmp"] {
            let d = root.join(sub);
            std::fs::create_dir_all(&d).map_err(|e| io_err("creating cache directory", &d, e))?;
        }
        let cache = Cache {
            root: root.to_path_buf(),
        };
        cache.sweep_temp_files(TEMP_GRACE);
        Ok(cache)
    }

    /// Remove temporary files in `tmp/` that no live process holds (not locked) and that are
    /// older than `grace`. Returns how many were removed. Best effort.
    pub fn sweep_temp_files(&self, grace: Duration) -> usize {
        let now = SystemTime::now();
        let mut removed = 0;
        let Ok(rd) = std::fs::read_dir(self.root.join("tmp")) else {
            return 0;
        };
        for e in rd.flatten() {
            let path = e.path();
            let Ok(md) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let young = md
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_none_or(|age| age < grace);
            if !md.is_file() || young {
                continue;
            }
            let Ok(f) = File::options().read(true).write(true).open(&path) else {
                continue;
            };
            if f.try_lock().is_ok() && std::fs::remove_file(&path).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    /// A new temporary file in `tmp/` (same filesystem as the entries, so the final rename is
    /// atomic), created with `O_EXCL` and locked against [`Cache::sweep_temp_files`].
    pub fn temp_file(&self, stem: &str) -> Result<TempFile, Error> {
        let dir = self.root.join("tmp");
        let _ = std::fs::create_dir_all(&dir);
        let inner = tempfile::Builder::new()
            .prefix(&format!(".{stem}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| io_err("creating a temporary file in", &dir, e))?;
        // Advisory: a failure to lock only means a sweep could race this write.
        let _ = inner.as_file().try_lock();
        Ok(TempFile { inner })
    }

    /// The default location: PYVET_CACHE_DIR, else the platform cache dir + `pyvet`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("PYVET_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("pyvet")))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where an artifact with this sha256 lives (whether or not it exists). `None` for a
    /// string that is not 64 lowercase hex digits.
    pub fn artifact_path(&self, sha256: &str) -> Option<PathBuf> {
        let sha256 = sha256.to_ascii_lowercase();
        if !is_hex(&sha256, 64) {
            return None;
        }
        Some(
            self.root
                .join("artifacts/sha256")
                .join(&sha256[..2])
                .join(&sha256[2..]),
        )
    }

    /// The verified bytes of an artifact, or `None` when absent (or evicted as corrupt).
    pub fn artifact(&self, sha256: &str) -> Result<Option<Vec<u8>>, Error> {
        let Some(path) = self.artifact_path(sha256) else {
            return Ok(None);
        };
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("reading cached artifact", &path, e)),
        };
        if crate::hash::sha256_hex(&data) != sha256.to_ascii_lowercase() {
            self.evict(&path);
            return Ok(None);
        }
        touch(&path);
        Ok(Some(data))
    }

    /// Stream the cached artifact through a hasher (sha256 plus `also`) without loading it.
    /// `None` when absent or evicted as corrupt.
    pub fn verify_artifact(
        &self,
        sha256: &str,
        also: &[HashAlgorithm],
    ) -> Result<Option<VerifiedArtifact>, Error> {
        let Some(path) = self.artifact_path(sha256) else {
            return Ok(None);
        };
        let mut f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("opening cached artifact", &path, e)),
        };
        let mut hasher = MultiHasher::new(also.iter().copied());
        let mut buf = vec![0u8; 256 * 1024];
        let mut size = 0u64;
        loop {
            let n = match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io_err("reading cached artifact", &path, e)),
            };
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        drop(f);
        let hashes = hasher.finish();
        if hashes.sha256() != Some(sha256.to_ascii_lowercase().as_str()) {
            self.evict(&path);
            return Ok(None);
        }
        touch(&path);
        Ok(Some(VerifiedArtifact { path, size, hashes }))
    }

    fn evict(&self, path: &Path) {
        let _ = std::fs::remove_file(path);
    }

    /// Store bytes; returns their sha256.
    pub fn put_artifact(&self, data: &[u8]) -> Result<String, Error> {
        let sha = crate::hash::sha256_hex(data);
        let mut tmp = self.temp_file("artifact")?;
        let res = tmp
            .file()
            .write_all(data)
            .and_then(|_| tmp.file().sync_all());
        if let Err(e) = res {
            return Err(io_err("writing", tmp.path(), e));
        }
        self.commit_artifact(tmp, &sha)?;
        Ok(sha)
    }

    /// Move a complete, fsynced temporary file whose sha256 the caller has computed into
    /// place. Safe when another process commits the same entry.
    pub fn commit_artifact(&self, tmp: TempFile, sha256: &str) -> Result<PathBuf, Error> {
        let Some(dest) = self.artifact_path(sha256) else {
            return Err(Error::Other(format!("not a sha256 digest: `{sha256}`")));
        };
        self.commit_to(tmp, &dest)?;
        Ok(dest)
    }

    /// Rename a temporary file to `dest` (creating its directory).
    fn commit_to(&self, tmp: TempFile, dest: &Path) -> Result<(), Error> {
        if let Some(dir) = dest.parent() {
            std::fs::create_dir_all(dir).map_err(|e| io_err("creating", dir, e))?;
        }
        match tmp.inner.persist(dest) {
            Ok(_) => Ok(()),
            // Windows refuses to rename over an existing file: the other writer won, and its
            // bytes have the same hash. (The temp file is removed when `e` drops.)
            Err(_) if dest.is_file() => Ok(()),
            Err(e) => Err(io_err("moving into the cache", dest, e.error)),
        }
    }

    /// Write a small entry (index response, name record) atomically through `tmp/`.
    fn write_entry(&self, dest: &Path, data: &[u8]) -> Result<(), Error> {
        let mut tmp = self.temp_file("entry")?;
        tmp.file()
            .write_all(data)
            .and_then(|_| tmp.file().sync_all())
            .map_err(|e| io_err("writing", tmp.path(), e))?;
        self.commit_to(tmp, dest)
    }

    fn key_path(&self, dir: &str, key: &str) -> PathBuf {
        self.root
            .join(dir)
            .join(format!("{}.json", crate::hash::sha256_hex(key.as_bytes())))
    }

    /// The cache key for a URL: no credentials, no fragment.
    pub fn url_key(url: &str) -> String {
        let clean = crate::network::clean_url(url);
        match clean.split_once('#') {
            Some((a, _)) => a.to_string(),
            None => clean,
        }
    }

    /// A cached index response for `url`, if any (a corrupt entry is removed and ignored).
    pub fn index_get(&self, url: &str) -> Result<Option<CachedResponse>, Error> {
        let key = Cache::url_key(url);
        let path = self.key_path("index", &key);
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("reading cached index response", &path, e)),
        };
        match serde_json::from_slice::<CachedResponse>(&data) {
            // The body must still hash to what was stored: an edited entry is evicted, never
            // believed.
            Ok(r)
                if r.url == key
                    && r.sha256
                        .as_deref()
                        .is_some_and(|h| h == crate::hash::sha256_hex(&r.body)) =>
            {
                Ok(Some(r))
            }
            _ => {
                self.evict(&path);
                Ok(None)
            }
        }
    }

    /// Store an index response (its `url` is normalised to the cache key).
    pub fn index_put(&self, response: &CachedResponse) -> Result<(), Error> {
        let mut r = response.clone();
        r.url = Cache::url_key(&r.url);
        r.final_url = crate::network::clean_url(&r.final_url);
        r.sha256 = Some(crate::hash::sha256_hex(&r.body));
        let path = self.key_path("index", &r.url);
        let data = serde_json::to_vec(&r).map_err(|e| Error::Other(e.to_string()))?;
        self.write_entry(&path, &data)
    }

    /// Remember that `url` (or any key, e.g. a filename) produced the artifact `sha256`.
    pub fn record_name(&self, key: &str, sha256: &str) -> Result<(), Error> {
        let key = Cache::url_key(key);
        let entry = NameEntry {
            key: key.clone(),
            sha256: sha256.to_ascii_lowercase(),
        };
        let path = self.key_path("names", &key);
        let data = serde_json::to_vec(&entry).map_err(|e| Error::Other(e.to_string()))?;
        self.write_entry(&path, &data)
    }

    /// The sha256 a URL (or key) produced last time, if recorded.
    pub fn lookup_name(&self, key: &str) -> Option<String> {
        let key = Cache::url_key(key);
        let data = std::fs::read(self.key_path("names", &key)).ok()?;
        let entry: NameEntry = serde_json::from_slice(&data).ok()?;
        (entry.key == key && is_hex(&entry.sha256, 64)).then_some(entry.sha256)
    }

    /// Every regular file under the known directories, with its relative path.
    fn entries(&self) -> Vec<(String, PathBuf, std::fs::Metadata)> {
        let mut out = Vec::new();
        for top in ["artifacts", "index", "names"] {
            let mut stack = vec![self.root.join(top)];
            while let Some(dir) = stack.pop() {
                let Ok(rd) = std::fs::read_dir(&dir) else {
                    continue;
                };
                for e in rd.flatten() {
                    let path = e.path();
                    let Ok(md) = std::fs::symlink_metadata(&path) else {
                        continue;
                    };
                    if md.is_dir() {
                        stack.push(path);
                    } else if md.is_file() {
                        if let Ok(rel) = path.strip_prefix(&self.root) {
                            let rel = rel
                                .components()
                                .filter_map(|c| c.as_os_str().to_str())
                                .collect::<Vec<_>>()
                                .join("/");
                            out.push((rel, path, md));
                        }
                    }
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    pub fn info(&self) -> Result<CacheInfo, Error> {
        let mut info = CacheInfo {
            location: self.root.clone(),
            ..CacheInfo::default()
        };
        for (rel, _, md) in self.entries() {
            let len = md.len();
            if rel.starts_with("artifacts/") {
                info.artifacts += 1;
                info.artifact_bytes += len;
            } else if rel.starts_with("index/") {
                info.index_entries += 1;
                info.index_bytes += len;
            } else if rel.starts_with("names/") {
                info.name_entries += 1;
            }
            info.total_bytes += len;
        }
        Ok(info)
    }

    /// Remove entries not used (modified or verified) for `older_than`; everything when `None`.
    /// Also clears stale temporary files.
    pub fn prune(&self, older_than: Option<Duration>) -> Result<PruneStats, Error> {
        let now = SystemTime::now();
        let mut stats = PruneStats::default();
        let old = |md: &std::fs::Metadata| match older_than {
            None => true,
            Some(age) => md
                .modified()
                .ok()
                .and_then(|m| now.duration_since(m).ok())
                .is_some_and(|d| d >= age),
        };
        for (_, path, md) in self.entries() {
            if old(&md) && std::fs::remove_file(&path).is_ok() {
                stats.removed_files += 1;
                stats.removed_bytes += md.len();
            }
        }
        // Temporary files older than a day are leftovers of a crash (or everything on a full
        // prune, as long as no other pyvet is writing).
        if let Ok(rd) = std::fs::read_dir(self.root.join("tmp")) {
            for e in rd.flatten() {
                let Ok(md) = e.metadata() else { continue };
                let stale = md
                    .modified()
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .is_some_and(|d| d >= Duration::from_secs(86_400));
                if (older_than.is_none() || stale) && md.is_file() {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        // Remove emptied fan-out directories.
        if let Ok(rd) = std::fs::read_dir(self.root.join("artifacts/sha256")) {
            for e in rd.flatten() {
                let _ = std::fs::remove_dir(e.path());
            }
        }
        Ok(stats)
    }

    /// Write every entry to a tar file at `file`.
    pub fn export(&self, file: &Path) -> Result<TransferStats, Error> {
        let tmp = match file.parent() {
            Some(d) if !d.as_os_str().is_empty() => crate::fsutil::temp_path(d, "export"),
            _ => crate::fsutil::temp_path(Path::new("."), "export"),
        };
        let result = (|| -> Result<TransferStats, Error> {
            let out = File::create(&tmp).map_err(|e| io_err("creating", &tmp, e))?;
            let mut builder = tar::Builder::new(std::io::BufWriter::new(out));
            builder.mode(tar::HeaderMode::Deterministic);
            let mut stats = TransferStats::default();
            for (rel, path, _) in self.entries() {
                let mut f = match File::open(&path) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(io_err("reading", &path, e)),
                };
                let len = f.metadata().map_err(|e| io_err("reading", &path, e))?.len();
                let mut header = tar::Header::new_gnu();
                header.set_size(len);
                header.set_mode(0o644);
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mtime(0);
                builder
                    .append_data(&mut header, &rel, &mut f)
                    .map_err(|e| io_err("writing", file, e))?;
                stats.bytes += len;
                match rel.split('/').next() {
                    Some("artifacts") => stats.artifacts += 1,
                    Some("index") => stats.index_entries += 1,
                    _ => stats.name_entries += 1,
                }
            }
            let mut w = builder
                .into_inner()
                .map_err(|e| io_err("writing", file, e))?;
            w.flush().map_err(|e| io_err("writing", file, e))?;
            let f = w
                .into_inner()
                .map_err(|e| io_err("writing", file, e.into_error()))?;
            f.sync_all().map_err(|e| io_err("writing", file, e))?;
            std::fs::rename(&tmp, file).map_err(|e| io_err("writing", file, e))?;
            Ok(stats)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Load a tar written by [`Cache::export`]. Every entry must be a plain file under the
    /// cache layout; artifact bytes must hash to their name and index entries must parse.
    /// Nothing is added unless the whole file is acceptable.
    pub fn import(&self, file: &Path) -> Result<TransferStats, Error> {
        let f = File::open(file).map_err(|e| io_err("opening", file, e))?;
        let mut archive = tar::Archive::new(std::io::BufReader::new(f));
        let bad = |what: String| Error::Other(format!("{}: {what}", file.display()));
        let mut staged: Vec<(TempFile, PathBuf)> = Vec::new();
        let mut stats = TransferStats::default();
        let result = (|| -> Result<(), Error> {
            let entries = archive
                .entries()
                .map_err(|e| bad(format!("not a tar file: {e}")))?;
            for (n, entry) in entries.enumerate() {
                let mut entry = entry.map_err(|e| bad(format!("entry {}: {e}", n + 1)))?;
                let raw_path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                let kind = entry.header().entry_type();
                let shown = raw_path.escape_debug().to_string();
                if kind.is_dir() {
                    if expected_dir(&raw_path) {
                        continue;
                    }
                    return Err(bad(format!("unexpected directory `{shown}`")));
                }
                if !(kind.is_file() || kind == tar::EntryType::Continuous) {
                    return Err(bad(format!(
                        "`{shown}` is not a plain file (links and devices are refused)"
                    )));
                }
                let Some(slot) = classify(&raw_path) else {
                    return Err(bad(format!(
                        "`{shown}` is not a pyvet cache entry (expected artifacts/sha256/XX/..., index/....json or names/....json)"
                    )));
                };
                let size = entry.header().size().unwrap_or(u64::MAX);
                let limit = match slot {
                    Slot::Artifact(_) => MAX_ARTIFACT_ENTRY,
                    _ => MAX_INDEX_ENTRY,
                };
                if size > limit {
                    return Err(bad(format!("`{shown}` is too large ({size} bytes)")));
                }
                let mut tmp = self.temp_file("import")?;
                let tmp_path = tmp.path().to_path_buf();
                let mut hasher = MultiHasher::new([]);
                let mut buf = vec![0u8; 256 * 1024];
                let mut small = Vec::new();
                let mut written = 0u64;
                loop {
                    let k = entry
                        .read(&mut buf)
                        .map_err(|e| bad(format!("reading `{shown}`: {e}")))?;
                    if k == 0 {
                        break;
                    }
                    written += k as u64;
                    if written > limit {
                        return Err(bad(format!("`{shown}` is too large")));
                    }
                    hasher.update(&buf[..k]);
                    if !matches!(slot, Slot::Artifact(_)) {
                        small.extend_from_slice(&buf[..k]);
                    }
                    tmp.file()
                        .write_all(&buf[..k])
                        .map_err(|e| io_err("writing", &tmp_path, e))?;
                }
                tmp.file()
                    .sync_all()
                    .map_err(|e| io_err("writing", &tmp_path, e))?;
                let dest = match &slot {
                    Slot::Artifact(sha) => {
                        let got = hasher.finish();
                        if got.sha256() != Some(sha.as_str()) {
                            return Err(bad(format!(
                                "`{shown}`: contents do not match the sha256 in its name"
                            )));
                        }
                        stats.artifacts += 1;
                        self.artifact_path(sha)
                            .ok_or_else(|| bad(format!("`{shown}`")))?
                    }
                    Slot::Index(name) => {
                        let mut r: CachedResponse = serde_json::from_slice(&small)
                            .map_err(|e| bad(format!("`{shown}` is not an index entry: {e}")))?;
                        // An entry exported before bodies were hashed: hash it now, as stored.
                        if r.sha256.is_none() {
                            r.sha256 = Some(crate::hash::sha256_hex(&r.body));
                            let data =
                                serde_json::to_vec(&r).map_err(|e| Error::Other(e.to_string()))?;
                            tmp = self.temp_file("import")?;
                            tmp.file()
                                .write_all(&data)
                                .and_then(|_| tmp.file().sync_all())
                                .map_err(|e| io_err("writing", tmp.path(), e))?;
                        }
                        if self
                            .key_path("index", &r.url)
                            .file_name()
                            .and_then(|s| s.to_str())
                            != Some(name.as_str())
                        {
                            return Err(bad(format!("`{shown}`: name does not match its URL")));
                        }
                        stats.index_entries += 1;
                        self.root.join("index").join(name)
                    }
                    Slot::Name(name) => {
                        let r: NameEntry = serde_json::from_slice(&small)
                            .map_err(|e| bad(format!("`{shown}` is not a name entry: {e}")))?;
                        if !is_hex(&r.sha256, 64)
                            || self
                                .key_path("names", &r.key)
                                .file_name()
                                .and_then(|s| s.to_str())
                                != Some(name.as_str())
                        {
                            return Err(bad(format!("`{shown}`: name does not match its key")));
                        }
                        stats.name_entries += 1;
                        self.root.join("names").join(name)
                    }
                };
                stats.bytes += written;
                staged.push((tmp, dest));
            }
            Ok(())
        })();
        // On error, dropping the staged temporary files removes them.
        result?;
        for (tmp, dest) in staged {
            self.commit_to(tmp, &dest)?;
        }
        Ok(stats)
    }
}

enum Slot {
    Artifact(String),
    Index(String),
    Name(String),
}

/// Split a tar path into normal components, refusing `..`, absolute paths and the like.
fn normal_components(path: &str) -> Option<Vec<&str>> {
    if path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return None;
    }
    let mut out = Vec::new();
    for c in Path::new(path).components() {
        match c {
            Component::Normal(s) => out.push(s.to_str()?),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn expected_dir(path: &str) -> bool {
    match normal_components(path).as_deref() {
        Some(["artifacts"] | ["artifacts", "sha256"] | ["index"] | ["names"]) => true,
        Some(["artifacts", "sha256", fan]) => is_hex(fan, 2),
        _ => false,
    }
}

fn classify(path: &str) -> Option<Slot> {
    match normal_components(path)?.as_slice() {
        ["artifacts", "sha256", fan, rest] if is_hex(fan, 2) && is_hex(rest, 62) => {
            Some(Slot::Artifact(format!("{fan}{rest}")))
        }
        ["index", name] if json_name(name) => Some(Slot::Index(name.to_string())),
        ["names", name] if json_name(name) => Some(Slot::Name(name.to_string())),
        _ => None,
    }
}

fn json_name(name: &str) -> bool {
    name.strip_suffix(".json").is_some_and(|h| is_hex(h, 64))
}

/// Mark an entry as used now (for `prune --older-than`); best effort.
fn touch(path: &Path) {
    if let Ok(f) = File::options().append(true).open(path) {
        let _ = f.set_modified(SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "pyvet-cache-unit-{name}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn layout_and_classification() {
        let sha = "ab".to_string() + &"c".repeat(62);
        assert!(
            matches!(classify(&format!("artifacts/sha256/ab/{}", &sha[2..])), Some(Slot::Artifact(s)) if s == sha)
        );
        assert!(classify("artifacts/sha256/ab/../../x").is_none());
        assert!(classify("/etc/passwd").is_none());
        assert!(classify(&format!("index/{}.json", "0".repeat(64))).is_some());
        assert!(classify(&format!("index/{}.JSON", "0".repeat(64))).is_none());
        assert!(classify("names/x.json").is_none());
        assert!(classify("../index/x").is_none());
        assert!(expected_dir("artifacts/sha256/0f/"));
        assert!(!expected_dir("artifacts/sha256/zz"));
        assert!(!expected_dir("../artifacts"));
    }

    #[test]
    fn sweep_removes_orphaned_temp_files_only() {
        let root = tmpdir("sweep");
        let cache = Cache::open(&root).unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        // A killed writer's file: unlocked and old.
        let orphan = root.join("tmp/.download.orphan.tmp");
        File::create(&orphan).unwrap().set_modified(old).unwrap();
        // A live writer's file: locked (and made old so only the lock protects it).
        let mut live = cache.temp_file("download").unwrap();
        live.file().set_modified(old).unwrap();
        // A fresh unlocked file: within the grace period.
        let fresh = root.join("tmp/.download.fresh.tmp");
        File::create(&fresh).unwrap();
        assert_eq!(cache.sweep_temp_files(TEMP_GRACE), 1);
        assert!(!orphan.exists());
        assert!(live.path().exists(), "a file another writer holds is kept");
        assert!(fresh.exists());
        // Reopening the cache sweeps too; a dropped temp file is gone already.
        let path = live.path().to_path_buf();
        drop(live);
        assert!(!path.exists());
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn tampered_index_entry_is_evicted() {
        let root = tmpdir("tamper");
        let cache = Cache::open(&root).unwrap();
        let r = CachedResponse {
            sha256: None,
            url: "https://example.invalid/simple/a/".into(),
            final_url: "https://example.invalid/simple/a/".into(),
            status: 200,
            content_type: None,
            fetched_at: jiff::Timestamp::UNIX_EPOCH,
            body: b"original".to_vec(),
        };
        cache.index_put(&r).unwrap();
        assert!(cache.index_get(&r.url).unwrap().is_some());
        let path = cache.key_path("index", &Cache::url_key(&r.url));
        let text = std::fs::read_to_string(&path).unwrap();
        use base64::Engine as _;
        let edited = text.replace(
            &base64::engine::general_purpose::STANDARD.encode(b"original"),
            &base64::engine::general_purpose::STANDARD.encode(b"modified"),
        );
        assert_ne!(text, edited);
        std::fs::write(&path, edited).unwrap();
        assert!(cache.index_get(&r.url).unwrap().is_none());
        assert!(!path.exists(), "evicted");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn put_get_evict_and_names() {
        let root = tmpdir("pge");
        let cache = Cache::open(&root).unwrap();
        let sha = cache.put_artifact(b"hello").unwrap();
        assert_eq!(
            cache.artifact(&sha).unwrap().as_deref(),
            Some(&b"hello"[..])
        );
        let v = cache
            .verify_artifact(&sha, &[HashAlgorithm::Sha512])
            .unwrap()
            .unwrap();
        assert_eq!(v.size, 5);
        assert!(v.hashes.get(HashAlgorithm::Sha512).is_some());
        std::fs::write(cache.artifact_path(&sha).unwrap(), b"hellO").unwrap();
        assert_eq!(cache.artifact(&sha).unwrap(), None);
        assert!(
            !cache.artifact_path(&sha).unwrap().exists(),
            "corrupt file evicted"
        );
        assert_eq!(cache.artifact("not-a-hash").unwrap(), None);

        cache
            .record_name("https://u:p@example.invalid/f.whl#sha256=00", &sha)
            .unwrap();
        assert_eq!(
            cache.lookup_name("https://example.invalid/f.whl"),
            Some(sha.clone())
        );
        assert_eq!(cache.lookup_name("https://example.invalid/g.whl"), None);

        let r = CachedResponse {
            sha256: None,
            url: "https://user:pw@example.invalid/simple/a/".into(),
            final_url: "https://user:pw@example.invalid/simple/a/".into(),
            status: 200,
            content_type: Some("text/html".into()),
            fetched_at: jiff::Timestamp::UNIX_EPOCH,
            body: vec![0, 1, 2, 255],
        };
        cache.index_put(&r).unwrap();
        let got = cache
            .index_get("https://example.invalid/simple/a/")
            .unwrap()
            .unwrap();
        assert_eq!(got.body, vec![0, 1, 2, 255]);
        assert!(!got.final_url.contains("pw"));
        let info = cache.info().unwrap();
        assert_eq!(
            (info.artifacts, info.index_entries, info.name_entries),
            (0, 1, 1)
        );
        let files = std::fs::read_dir(root.join("index")).unwrap();
        for f in files {
            let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
            assert!(
                !text.contains("pw"),
                "credentials written to the cache: {text}"
            );
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}
