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
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    // Created with O_EXCL under a random name; removed if anything fails before the rename.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(data)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map(|_| ()).map_err(|e| e.error)
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

/// Read a file named by the user or by another input file (a lockfile, a `-r` include, an
/// artifact to scan) without trusting it: it must be a regular file — a device such as
/// `/dev/zero`, a FIFO or a socket would block or never end — and at most `max` bytes, checked
/// both before reading and while reading (the file may grow).
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let not_regular = || Error::new(ErrorKind::InvalidInput, "not a regular file");
    let too_big = || Error::new(ErrorKind::InvalidData, format!("larger than {max} bytes"));
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    if meta.len() > max {
        return Err(too_big());
    }
    let file = std::fs::File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1)).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(too_big());
    }
    Ok(data)
}

/// Whether `path` is a pipe (a FIFO, or what `/dev/fd/N` from process substitution names).
pub fn is_pipe(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// Read a pipe the user named on the command line (process substitution) to its end, at most
/// `max` bytes. Only for paths the user gave directly: a file named inside an input is read
/// with [`read_regular`], which refuses pipes.
pub fn read_pipe(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    if !is_pipe(path) {
        return Err(Error::new(ErrorKind::InvalidInput, "not a pipe"));
    }
    let file = std::fs::File::open(path)?;
    let mut data = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {max} bytes"),
        ));
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_regular_refuses_devices_and_oversized_files() {
        let e = read_regular(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(e.to_string(), "not a regular file");
        let dir = std::env::temp_dir().join(format!("pyvet-fsutil-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f");
        std::fs::write(&p, b"12345").unwrap();
        assert_eq!(read_regular(&p, 5).unwrap(), b"12345");
        assert!(read_regular(&p, 4).is_err());
        assert!(read_regular(&dir, 100).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn pipes_are_read_to_their_end_and_bounded() {
        let dir = std::env::temp_dir().join(format!("pyvet-fsutil-pipe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            std::fs::remove_dir_all(&dir).unwrap();
            return; // no mkfifo on this system: nothing to test with
        }
        assert!(is_pipe(&fifo));
        assert!(
            read_regular(&fifo, 100).is_err(),
            "read_regular refuses pipes"
        );
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(&fifo, b"six==1.16.0\n").unwrap())
        };
        assert_eq!(read_pipe(&fifo, 100).unwrap(), b"six==1.16.0\n");
        writer.join().unwrap();
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let _ = std::fs::write(&fifo, vec![b'x'; 1000]);
            })
        };
        assert!(read_pipe(&fifo, 10).is_err(), "bounded");
        writer.join().unwrap();
        assert!(!is_pipe(&dir));
        assert!(read_pipe(&dir, 10).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
