//! Small filesystem helpers shared by the cache, the vulnerability database and `-o FILE`.

use std::io::Write;
use std::path::Path;

/// Write `data` to `path` atomically: a temporary file in the same directory, fsync, rename.
/// Readers see the old file or the new one, never a partial one.
pub fn write_atomic(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let tmp = temp_path(
        dir,
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
    );
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Write a report to `path`: atomically (temp file + rename) when it is, or will be, a regular
/// file; directly when it already exists as something else (`/dev/null`, `/dev/stdout`, a
/// FIFO), which a rename would replace.
pub fn write_output(path: &Path, data: &[u8]) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(path)?;
            f.write_all(data)?;
            f.flush()
        }
        _ => {
            // Follow a symlink to its target so the link itself survives.
            let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            write_atomic(&target, data)
        }
    }
}

/// A unique temporary path in `dir` (pid + counter + time), hidden with a leading dot.
pub fn temp_path(dir: &Path, stem: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    dir.join(format!(".{stem}.{}.{n}.{nanos}.tmp", std::process::id()))
}
