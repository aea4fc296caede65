//! Tarball sdists (.tar.gz, .tar.bz2, .tar.xz, .tar) read with the `tar` crate over a bounded
//! reader: the decompressed stream is counted as it comes out and cut off at the total-size and
//! overall-ratio limits, so a tar bomb (or a header declaring a huge size) costs at most the
//! limit in work and nothing in memory beyond the kept files. xz is decoded by `lzma-rs`, which
//! only writes to a sink, so it runs on a scoped thread feeding a small bounded channel; when
//! the reader stops, the channel closes and the decoder stops too.

use std::cell::Cell;
use std::io::{self, BufWriter, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;

use ::tar::EntryType;

use super::{ArchiveError, Collector, LinkKind, ARCHIVE_BOMB, RATIO_MIN_SIZE};
use crate::finding::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Gzip,
    Bzip2,
    Xz,
}

impl Compression {
    fn name(self) -> &'static str {
        match self {
            Compression::None => "tar",
            Compression::Gzip => "tar.gz",
            Compression::Bzip2 => "tar.bz2",
            Compression::Xz => "tar.xz",
        }
    }
}

/// Which limit cut the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tripped {
    No,
    Total,
    Ratio,
    /// Too much read between two entries: a huge long-name or pax header.
    Metadata,
}

/// What the tar crate may read between two entries besides skipping the previous entry's
/// unread data: headers, GNU long names, pax extensions. It reads long names and pax records
/// into memory whole, so this bounds that allocation.
const METADATA_ALLOWANCE: u64 = 1 << 20;

/// Counts bytes out of the decompressor and fails once past `cap`.
struct Bounded<'f, R> {
    inner: R,
    out: u64,
    cap: u64,
    cap_kind: Tripped,
    tripped: &'f Cell<Tripped>,
    out_seen: &'f Cell<u64>,
    /// Bytes that may still be read in the current between-entries phase (`u64::MAX` while an
    /// entry's own data is being read).
    window: &'f Cell<u64>,
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out >= self.cap {
            self.tripped.set(self.cap_kind);
            return Err(io::Error::other("archive size limit reached"));
        }
        let room = usize::try_from(self.cap - self.out).unwrap_or(usize::MAX);
        let want = buf.len().min(room.max(1));
        let n = self.inner.read(&mut buf[..want])?;
        self.out += n as u64;
        self.out_seen.set(self.out);
        let window = self.window.get();
        if window != u64::MAX {
            if n as u64 > window {
                self.tripped.set(Tripped::Metadata);
                return Err(io::Error::other("tar metadata too large"));
            }
            self.window.set(window - n as u64);
        }
        Ok(n)
    }
}

/// Reader end of the xz decoding thread.
struct ChanReader {
    rx: mpsc::Receiver<Result<Vec<u8>, String>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChanReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.cur = chunk;
                    self.pos = 0;
                }
                Ok(Err(msg)) => return Err(io::Error::new(io::ErrorKind::InvalidData, msg)),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

struct ChanWriter {
    tx: mpsc::SyncSender<Result<Vec<u8>, String>>,
}

impl Write for ChanWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tx
            .send(Ok(buf.to_vec()))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "reader stopped"))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Counts compressed bytes handed to the decompressor (for the measured ratio).
struct Counting<'a> {
    inner: &'a [u8],
    count: &'a AtomicU64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Small reads keep the decoders' read-ahead small, so the count stays close to what
        // was actually decoded.
        let want = buf.len().min(2048);
        let n = self.inner.read(&mut buf[..want])?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

pub(crate) fn read(
    bytes: &[u8],
    compression: Compression,
    c: &mut Collector<'_>,
) -> Result<(), ArchiveError> {
    let consumed = AtomicU64::new(0);
    let input = Counting {
        inner: bytes,
        count: &consumed,
    };
    let magic: &[u8] = match compression {
        Compression::None => b"",
        Compression::Gzip => b"\x1f\x8b",
        Compression::Bzip2 => b"BZh",
        Compression::Xz => b"\xfd7zXZ\x00",
    };
    if !bytes.starts_with(magic) {
        let msg = format!("not {} data", compression.name());
        return Err(malformed(c, compression, msg));
    }
    match compression {
        Compression::None => read_stream(input, compression, c, bytes, &consumed),
        Compression::Gzip => {
            let r = flate2::read::MultiGzDecoder::new(input);
            read_stream(r, compression, c, bytes, &consumed)
        }
        Compression::Bzip2 => {
            let r = bzip2::read::MultiBzDecoder::new(input);
            read_stream(r, compression, c, bytes, &consumed)
        }
        Compression::Xz => std::thread::scope(|s| {
            let (tx, rx) = mpsc::sync_channel(8);
            let producer = s.spawn(move || {
                let err_tx = tx.clone();
                let mut w = BufWriter::with_capacity(1 << 16, ChanWriter { tx });
                let mut input = io::BufReader::with_capacity(1 << 16, input);
                let res = lzma_rs::xz_decompress(&mut input, &mut w)
                    .map_err(|e| e.to_string())
                    .and_then(|()| w.flush().map_err(|e| e.to_string()));
                drop(w);
                if let Err(msg) = res {
                    // The reader may have gone already; then nobody needs the message.
                    let _ = err_tx.send(Err(msg));
                }
            });
            let reader = ChanReader {
                rx,
                cur: Vec::new(),
                pos: 0,
            };
            // `reader` is dropped inside read_stream, closing the channel so the decoder stops.
            let out = read_stream(reader, compression, c, bytes, &consumed);
            let _ = producer.join();
            out
        }),
    }
}

fn malformed(c: &Collector<'_>, compression: Compression, message: String) -> ArchiveError {
    ArchiveError::Malformed {
        filename: c.filename.clone(),
        format: compression.name(),
        message,
    }
}

fn read_stream<R: Read>(
    inner: R,
    compression: Compression,
    c: &mut Collector<'_>,
    compressed: &[u8],
    consumed: &AtomicU64,
) -> Result<(), ArchiveError> {
    let lim = c.limits().clone();
    // The tar stream holds headers and padding besides file data: allow for them on top of
    // the total, which `Collector::add_file` enforces on file data exactly.
    let total_cap = lim
        .max_total_size
        .saturating_add(lim.max_total_size / 4)
        .saturating_add(RATIO_MIN_SIZE);
    let ratio_cap = if compression == Compression::None {
        u64::MAX
    } else {
        lim.max_ratio
            .saturating_mul(compressed.len() as u64)
            .max(RATIO_MIN_SIZE)
    };
    let (cap, cap_kind) = if ratio_cap < total_cap {
        (ratio_cap, Tripped::Ratio)
    } else {
        (total_cap, Tripped::Total)
    };
    let tripped = Cell::new(Tripped::No);
    let out_seen = Cell::new(0u64);
    let window = Cell::new(u64::MAX);
    let bounded = Bounded {
        inner,
        out: 0,
        cap,
        cap_kind,
        tripped: &tripped,
        out_seen: &out_seen,
        window: &window,
    };
    let mut archive = ::tar::Archive::new(bounded);
    let mut limit_hit = false;
    // On a read error: a limit that cut the stream becomes a finding; anything else is a
    // broken archive, unless a limit was already reported (the rest is unread by design).
    let on_error = |c: &mut Collector<'_>, err: io::Error, limit_hit: bool| match tripped.get() {
        Tripped::Total => {
            c.total_size = c.total_size.max(out_seen.get());
            c.total_exceeded();
            Ok(())
        }
        Tripped::Ratio => {
            c.overall_ratio_exceeded(out_seen.get(), consumed.load(Ordering::Relaxed));
            Ok(())
        }
        Tripped::Metadata => {
            c.finding(
                &ARCHIVE_BOMB,
                Severity::High,
                None,
                format!(
                    "tar metadata (long name or pax header) larger than {METADATA_ALLOWANCE} \
                     bytes; the rest was not read"
                ),
                None,
            );
            c.stopped = true;
            Ok(())
        }
        Tripped::No if limit_hit || c.stopped => Ok(()),
        Tripped::No => Err(malformed(c, compression, err.to_string())),
    };
    let mut entries = match archive.entries() {
        Ok(e) => e,
        Err(err) => return on_error(c, err, false),
    };
    let mut buf = vec![0u8; 1 << 16];
    // Unread data of the previous entry, which the tar crate skips before the next header.
    let mut pending: u64 = 0;
    loop {
        window.set(pending.saturating_add(METADATA_ALLOWANCE));
        let next = entries.next();
        window.set(u64::MAX);
        let Some(entry) = next else {
            break;
        };
        let mut entry = match entry {
            Ok(e) => e,
            Err(err) => return on_error(c, err, limit_hit),
        };
        // Until we read it, all of this entry's data is skipped by the next `next()`.
        pending = entry.header().entry_size().unwrap_or(0).saturating_add(512);
        let etype = entry.header().entry_type();
        if matches!(
            etype,
            EntryType::XGlobalHeader
                | EntryType::XHeader
                | EntryType::GNULongName
                | EntryType::GNULongLink
        ) {
            continue;
        }
        if !c.count_entry() {
            break;
        }
        let raw = entry.path_bytes().into_owned();
        let Some(Some(path)) = c.entry_path(&raw) else {
            continue;
        };
        let link_kind = match etype {
            EntryType::Regular | EntryType::Continuous => None,
            EntryType::Directory => continue,
            EntryType::Symlink => Some(LinkKind::Symlink),
            EntryType::Link => Some(LinkKind::Hardlink),
            EntryType::Char => Some(LinkKind::CharDevice),
            EntryType::Block => Some(LinkKind::BlockDevice),
            EntryType::Fifo => Some(LinkKind::Fifo),
            other => {
                let what = if other == EntryType::GNUSparse {
                    "GNU sparse file".to_string()
                } else {
                    format!("entry of type {:?}", other.as_byte() as char)
                };
                c.unsupported(
                    &path,
                    Severity::Info,
                    format!("{what} is not supported; not read"),
                );
                continue;
            }
        };
        if let Some(kind) = link_kind {
            let target = entry.link_name_bytes().map(|t| t.into_owned());
            c.link(&path, kind, target.as_deref());
            continue;
        }
        let mut sink = c.sink(&path, entry.size());
        let mut too_large = None;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(err) => return on_error(c, err, limit_hit),
            };
            let after = sink.size() + n as u64;
            if after > lim.max_file_size {
                too_large = Some(after);
                break;
            }
            sink.push(&buf[..n]);
        }
        pending = pending.saturating_sub(sink.size());
        if let Some(seen) = too_large {
            limit_hit = true;
            c.file_too_large(&path, seen, None);
            continue;
        }
        c.add_file(path, sink.finish());
        if c.stopped {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::super::{read_artifact_with, ArchiveContents, Limits, ReadOptions};
    use super::*;

    /// A tar stream built by the tar crate: `files` as regular files, then `links` as symlinks.
    fn tarball(files: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
        let mut b = ::tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = ::tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        for (name, target) in links {
            let mut h = ::tar::Header::new_gnu();
            h.set_entry_type(EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, target).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn compress(tar: &[u8], c: Compression) -> Vec<u8> {
        match c {
            Compression::None => tar.to_vec(),
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), Default::default());
                e.write_all(tar).unwrap();
                e.finish().unwrap()
            }
            Compression::Bzip2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(tar).unwrap();
                e.finish().unwrap()
            }
            Compression::Xz => {
                let mut out = Vec::new();
                lzma_rs::xz_compress(&mut &tar[..], &mut out).unwrap();
                out
            }
        }
    }

    fn read_as(name: &str, bytes: &[u8], limits: Limits) -> Result<ArchiveContents, ArchiveError> {
        read_artifact_with(name, bytes, &ReadOptions::with_limits(limits)).map(|o| o.contents)
    }

    const ALL: [(Compression, &str); 4] = [
        (Compression::None, "demo-1.0.tar"),
        (Compression::Gzip, "demo-1.0.tar.gz"),
        (Compression::Bzip2, "demo-1.0.tar.bz2"),
        (Compression::Xz, "demo-1.0.tar.xz"),
    ];

    #[test]
    fn every_compression_reads_the_same_files() {
        let tar = tarball(
            &[
                ("demo-1.0/setup.py", b"setup()\n"),
                ("demo-1.0/a/b.py", b"x = 1\n"),
            ],
            &[],
        );
        for (c, name) in ALL {
            let got = read_as(name, &compress(&tar, c), Limits::default()).unwrap();
            let files: Vec<(&str, &[u8])> = got
                .entries
                .iter()
                .map(|e| (e.path.as_str(), e.data.as_slice()))
                .collect();
            assert_eq!(
                files,
                vec![
                    ("demo-1.0/setup.py", &b"setup()\n"[..]),
                    ("demo-1.0/a/b.py", &b"x = 1\n"[..])
                ],
                "{name}"
            );
            assert!(got.findings.is_empty(), "{name}: {:?}", got.findings);
        }
    }

    #[test]
    fn data_that_is_not_the_named_compression_is_malformed() {
        for (c, name) in ALL.into_iter().skip(1) {
            match read_as(name, b"plain text, not compressed", Limits::default()) {
                Err(ArchiveError::Malformed { format, .. }) => assert_eq!(format, c.name()),
                other => panic!("{name}: {other:?}"),
            }
        }
        // A truncated stream is an error too, never a partial success without a word.
        let gz = compress(
            &tarball(&[("d/x.py", &[b'x'; 4000])], &[]),
            Compression::Gzip,
        );
        assert!(read_as("d-1.0.tar.gz", &gz[..gz.len() / 2], Limits::default()).is_err());
    }

    #[test]
    fn links_are_reported_and_never_followed() {
        let tar = tarball(
            &[("demo-1.0/ok.py", b"ok")],
            &[
                ("demo-1.0/in.py", "ok.py"),
                ("demo-1.0/out", "../../etc/passwd"),
            ],
        );
        let got = read_as("demo-1.0.tar", &tar, Limits::default()).unwrap();
        assert_eq!(got.entries.len(), 1);
        let links: Vec<(Option<&str>, Severity)> = got
            .findings
            .iter()
            .filter(|f| f.rule == "archive-link")
            .map(|f| (f.location.path.as_deref(), f.severity))
            .collect();
        assert_eq!(
            links,
            vec![
                (Some("demo-1.0/in.py"), Severity::Medium),
                (Some("demo-1.0/out"), Severity::High)
            ]
        );
    }

    #[test]
    fn a_huge_pax_header_trips_the_metadata_allowance() {
        let mut b = ::tar::Builder::new(Vec::new());
        let big = vec![b'a'; (METADATA_ALLOWANCE as usize) * 2];
        let mut pax = Vec::new();
        pax.extend_from_slice(format!("{} comment=", big.len() + 20).as_bytes());
        pax.extend_from_slice(&big);
        pax.push(b'\n');
        let mut h = ::tar::Header::new_ustar();
        h.set_entry_type(EntryType::XHeader);
        h.set_size(pax.len() as u64);
        h.set_cksum();
        b.append_data(&mut h, "pax", &pax[..]).unwrap();
        let mut h = ::tar::Header::new_ustar();
        h.set_size(1);
        h.set_cksum();
        b.append_data(&mut h, "demo-1.0/x.py", &b"x"[..]).unwrap();
        // Uncompressed, so no ratio limit trips first.
        let bytes = b.into_inner().unwrap();
        let got = read_as("demo-1.0.tar", &bytes, Limits::default()).unwrap();
        let bomb = got
            .findings
            .iter()
            .find(|f| f.rule == ARCHIVE_BOMB.id)
            .expect("archive-bomb");
        assert!(bomb.message.contains("tar metadata"), "{}", bomb.message);
        assert!(got.entries.is_empty());
    }

    #[test]
    fn the_total_limit_stops_the_stream_for_every_compression() {
        let tar = tarball(
            &[("d/a.bin", &[7u8; 300_000]), ("d/b.py", b"after the limit")],
            &[],
        );
        let limits = Limits {
            max_total_size: 200_000,
            ..Limits::default()
        };
        for (c, name) in ALL {
            let got = read_as(name, &compress(&tar, c), limits.clone()).unwrap();
            assert!(
                got.findings.iter().any(|f| f.rule == ARCHIVE_BOMB.id),
                "{name}: {:?}",
                got.findings
            );
            assert!(
                got.entries.iter().all(|e| e.path != "d/b.py"),
                "{name}: read past the limit"
            );
        }
    }
}
