//! Our own zip reader for wheels and zip sdists, written for hostile input rather than
//! completeness. The central directory is the authority (it is what pip's `zipfile` uses):
//! sizes and offsets come from it, local headers are only used to find where data starts.
//! Tolerated mess: data before the archive (offsets are shifted by the prefix, as `zipfile`
//! does), archive comments, a duplicated end-of-central-directory record, zip64 records and
//! extra fields, data descriptors, counts that wrapped at 65535. Parser differentials are
//! reported as `archive-ambiguous`: a local header contradicting the central directory, or an
//! Info-ZIP Unicode Path field (honoured, as Python 3.12+ does) renaming an ASCII name.
//! Entries are independent, so they are inflated in parallel (rayon) against a shared byte
//! budget; results are then applied in archive order so findings and entries are deterministic.

use std::sync::atomic::{AtomicU64, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use rayon::prelude::*;

use super::{
    ArchiveError, Collector, LinkKind, ReadOptions, Sink, Streamed, ARCHIVE_AMBIGUOUS,
    RATIO_MIN_SIZE,
};
use crate::finding::Severity;

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_ZIP64_EOCD: u32 = 0x0606_4b50;
const SIG_ZIP64_LOCATOR: u32 = 0x0706_4b50;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at.checked_add(2)?)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at.checked_add(4)?)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at.checked_add(8)?)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")))
}

/// Where the central directory is, and how much data precedes the archive proper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Directory {
    start: usize,
    end: usize,
    prefix: u64,
}

/// One central directory record.
#[derive(Debug)]
struct CdEntry {
    name: Vec<u8>,
    /// Name from an Info-ZIP Unicode Path extra field (0x7075) that matches `name`'s CRC:
    /// Python's zipfile (3.12+) uses it instead of `name`.
    unicode_name: Option<Vec<u8>>,
    made_by: u16,
    flags: u16,
    method: u16,
    compressed: u64,
    /// Inflated size the directory declares: a hint for buffer sizes only, never trusted for
    /// limits (those count the bytes that actually come out).
    size: u64,
    local_offset: u64,
    external_attr: u32,
}

fn find_directory(b: &[u8]) -> Result<Directory, String> {
    if b.len() < 22 {
        return Err("file is too short to be a zip archive".into());
    }
    // The end record is in the last 22 + 65535 (comment) bytes; allow some slack for junk
    // appended after it (a duplicated end record, for one).
    let window_start = b.len().saturating_sub(22 + 65535 + 4096);
    let tail = &b[window_start..];
    let mut saw_eocd = false;
    for rel in memchr::memmem::rfind_iter(tail, b"PK\x05\x06") {
        saw_eocd = true;
        if let Some(d) = try_eocd(b, window_start + rel) {
            return Ok(d);
        }
    }
    if saw_eocd {
        Err("end of central directory record does not point at a central directory".into())
    } else if b.starts_with(b"PK\x03\x04") {
        Err("no end of central directory record (truncated?)".into())
    } else {
        Err("no end of central directory record: not a zip archive".into())
    }
}

fn try_eocd(b: &[u8], pos: usize) -> Option<Directory> {
    if pos.checked_add(22)? > b.len() {
        return None;
    }
    let entries16 = le16(b, pos + 10)?;
    let size32 = le32(b, pos + 12)?;
    let off32 = le32(b, pos + 16)?;
    let (mut entries, mut size, mut off, mut end) = (
        u64::from(entries16),
        u64::from(size32),
        u64::from(off32),
        pos,
    );
    if entries16 == 0xFFFF || size32 == 0xFFFF_FFFF || off32 == 0xFFFF_FFFF {
        if let Some(loc) = pos
            .checked_sub(20)
            .filter(|&l| le32(b, l) == Some(SIG_ZIP64_LOCATOR))
        {
            let stated = le64(b, loc + 8)?;
            let mut candidates = vec![loc.checked_sub(56)];
            candidates.push(usize::try_from(stated).ok());
            if let Some(r) = candidates
                .into_iter()
                .flatten()
                .find(|&r| le32(b, r) == Some(SIG_ZIP64_EOCD) && r + 56 <= loc)
            {
                entries = le64(b, r + 32)?;
                size = le64(b, r + 40)?;
                off = le64(b, r + 48)?;
                end = r;
            }
        }
    }
    let size_us = usize::try_from(size).ok()?;
    if entries == 0 && size == 0 {
        return Some(Directory {
            start: end,
            end,
            prefix: 0,
        });
    }
    // Where the directory sits if it ends right at the end record; the difference from the
    // stated offset is data prepended to the archive.
    if let Some(start) = end.checked_sub(size_us) {
        if (start as u64) >= off && le32(b, start) == Some(SIG_CENTRAL) {
            return Some(Directory {
                start,
                end,
                prefix: start as u64 - off,
            });
        }
    }
    // Junk between directory and end record (a duplicated end record): trust the offset.
    let start = usize::try_from(off).ok()?;
    if le32(b, start) == Some(SIG_CENTRAL) {
        let end = start.checked_add(size_us)?.min(b.len());
        return Some(Directory {
            start,
            end,
            prefix: 0,
        });
    }
    None
}

fn parse_directory(b: &[u8], dir: Directory, max_entries: usize) -> Vec<CdEntry> {
    let mut out = Vec::new();
    let mut p = dir.start;
    // One more than the limit, so the collector sees that it was exceeded.
    while p < dir.end && out.len() <= max_entries {
        if le32(b, p) != Some(SIG_CENTRAL) {
            break;
        }
        let (Some(made_by), Some(flags), Some(method)) =
            (le16(b, p + 4), le16(b, p + 8), le16(b, p + 10))
        else {
            break;
        };
        let (Some(comp32), Some(uncomp32)) = (le32(b, p + 20), le32(b, p + 24)) else {
            break;
        };
        let (Some(n), Some(m), Some(k)) = (le16(b, p + 28), le16(b, p + 30), le16(b, p + 32))
        else {
            break;
        };
        let (Some(ext), Some(off32)) = (le32(b, p + 38), le32(b, p + 42)) else {
            break;
        };
        let name_start = p + 46;
        let extra_start = name_start + usize::from(n);
        let next = extra_start + usize::from(m) + usize::from(k);
        let (Some(name), Some(extra)) = (
            b.get(name_start..extra_start),
            b.get(extra_start..extra_start + usize::from(m)),
        ) else {
            break;
        };
        let mut compressed = u64::from(comp32);
        let mut size = u64::from(uncomp32);
        let mut local_offset = u64::from(off32);
        let mut unicode_name = None;
        // zip64 extended information: present fields follow the order uncompressed,
        // compressed, offset, each only when the 32-bit field is saturated.
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = le16(extra, e).unwrap_or(0);
            let len = usize::from(le16(extra, e + 2).unwrap_or(0));
            let body = extra.get(e + 4..e + 4 + len).unwrap_or(&[]);
            if id == 0x0001 {
                let mut q = 0;
                if uncomp32 == 0xFFFF_FFFF {
                    if let Some(v) = le64(body, q) {
                        size = v;
                    }
                    q += 8;
                }
                if comp32 == 0xFFFF_FFFF {
                    if let Some(v) = le64(body, q) {
                        compressed = v;
                    }
                    q += 8;
                }
                if off32 == 0xFFFF_FFFF {
                    if let Some(v) = le64(body, q) {
                        local_offset = v;
                    }
                }
            } else if id == 0x7075 && body.len() > 5 && body[0] == 1 {
                let mut crc = flate2::Crc::new();
                crc.update(name);
                if le32(body, 1) == Some(crc.sum()) && std::str::from_utf8(&body[5..]).is_ok() {
                    unicode_name = Some(body[5..].to_vec());
                }
            }
            e += 4 + len;
        }
        out.push(CdEntry {
            name: name.to_vec(),
            unicode_name,
            made_by,
            flags,
            method,
            compressed,
            size,
            local_offset,
            external_attr: ext,
        });
        p = next;
    }
    out
}

fn method_name(m: u16) -> &'static str {
    match m {
        1..=6 => "legacy shrink/reduce/implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "lzma",
        93 => "zstd",
        95 => "xz",
        98 => "ppmd",
        _ => "unknown",
    }
}

fn local_header(b: &[u8], e: &CdEntry, prefix: u64) -> Result<usize, String> {
    [e.local_offset.checked_add(prefix), Some(e.local_offset)]
        .into_iter()
        .flatten()
        .filter_map(|o| usize::try_from(o).ok())
        .find(|&o| le32(b, o) == Some(SIG_LOCAL))
        .ok_or_else(|| "local header not found where the central directory says".into())
}

/// How the local header contradicts the central directory, if it does. Tools that stream
/// local headers (and some scanners) then see a different file than installers.
fn local_disagreement(b: &[u8], e: &CdEntry, prefix: u64) -> Option<String> {
    let local = local_header(b, e, prefix).ok()?;
    let flags = le16(b, local + 6)?;
    let method = le16(b, local + 8)?;
    let comp = le32(b, local + 18)?;
    let n = usize::from(le16(b, local + 26)?);
    let name = b.get(local + 30..local + 30 + n)?;
    if name != e.name.as_slice() {
        return Some(format!(
            "local header names `{}`",
            String::from_utf8_lossy(name)
        ));
    }
    if method != e.method {
        return Some(format!(
            "local header says compression method {method}, central directory {}",
            e.method
        ));
    }
    let sized = flags & 8 == 0 && comp != 0 && comp != u32::MAX;
    if sized && u64::from(comp) != e.compressed {
        return Some(format!(
            "local header says {comp} compressed bytes, central directory {}",
            e.compressed
        ));
    }
    None
}

/// Compressed bytes of one entry, found through its local header.
fn entry_data<'a>(b: &'a [u8], e: &CdEntry, prefix: u64) -> Result<&'a [u8], String> {
    let local = local_header(b, e, prefix)?;
    let n = usize::from(le16(b, local + 26).ok_or("truncated local header")?);
    let m = usize::from(le16(b, local + 28).ok_or("truncated local header")?);
    let start = local + 30 + n + m;
    let len = usize::try_from(e.compressed).map_err(|_| "entry size overflows")?;
    start
        .checked_add(len)
        .and_then(|end| b.get(start..end))
        .ok_or_else(|| "entry data runs past the end of the file (truncated?)".into())
}

/// Why inflating one entry stopped.
#[derive(Debug)]
enum Outcome {
    Done(Streamed),
    /// Over the per-file limit after this many bytes out, from this many bytes in.
    FileLimit(u64, u64),
    /// Over the per-entry ratio after this many bytes out, from this many bytes in.
    Ratio(u64, u64),
    /// The shared budget (total size or overall ratio) ran out.
    Budget,
    Corrupt(String),
}

struct Job<'a> {
    path: String,
    data: &'a [u8],
    method: u16,
    /// Declared inflated size (a hint).
    size: u64,
}

thread_local! {
    /// One inflate buffer per thread, reused across entries.
    static INFLATE_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 1 << 16]);
}

struct Budget {
    used: AtomicU64,
    cap: u64,
}

fn inflate(job: &Job<'_>, opts: &ReadOptions, budget: &Budget, buf: &mut [u8]) -> Outcome {
    let lim = &opts.limits;
    let comp = job.data.len() as u64;
    let ratio_cap = lim.max_ratio.saturating_mul(comp).max(RATIO_MIN_SIZE);
    let mut sink = Sink::with_size_hint(&job.path, opts, job.size);
    // Accept `chunk` or say why not.
    let take = |sink: &mut Sink<'_>, chunk: &[u8], consumed: u64| -> Option<Outcome> {
        let after = sink.size() + chunk.len() as u64;
        if after > lim.max_file_size {
            return Some(Outcome::FileLimit(after, consumed));
        }
        if after > ratio_cap {
            return Some(Outcome::Ratio(after, consumed));
        }
        let before = budget.used.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if before + chunk.len() as u64 > budget.cap {
            return Some(Outcome::Budget);
        }
        sink.push(chunk);
        None
    };
    // No data at all is an empty file whatever the method (Python's zipfile agrees).
    if job.method == 0 || job.data.is_empty() {
        for (i, chunk) in job.data.chunks(1 << 16).enumerate() {
            let consumed = ((i << 16) + chunk.len()) as u64;
            if let Some(o) = take(&mut sink, chunk, consumed) {
                return o;
            }
        }
        return Outcome::Done(sink.finish());
    }
    let mut d = Decompress::new(false);
    loop {
        let consumed = d.total_in() as usize;
        let before_out = d.total_out();
        let input = job.data.get(consumed..).unwrap_or(&[]);
        let status = match d.decompress(input, buf, FlushDecompress::None) {
            Ok(s) => s,
            Err(e) => return Outcome::Corrupt(format!("invalid deflate data: {e}")),
        };
        let produced = (d.total_out() - before_out) as usize;
        if produced > 0 {
            if let Some(o) = take(&mut sink, &buf[..produced], d.total_in()) {
                return o;
            }
        }
        match status {
            Status::StreamEnd => return Outcome::Done(sink.finish()),
            Status::Ok | Status::BufError => {
                if produced == 0 && d.total_in() as usize == consumed {
                    return Outcome::Corrupt("deflate data ends early (truncated?)".into());
                }
            }
        }
    }
}

/// Inflate a small entry (a symlink target), at most `cap` bytes.
fn small(data: &[u8], method: u16, cap: usize) -> Option<Vec<u8>> {
    match method {
        0 => Some(data[..data.len().min(cap)].to_vec()),
        8 => {
            let mut out = Vec::with_capacity(cap);
            Decompress::new(false)
                .decompress_vec(data, &mut out, FlushDecompress::Finish)
                .ok()?;
            Some(out)
        }
        _ => None,
    }
}

pub(crate) fn read(
    b: &[u8],
    c: &mut Collector<'_>,
    observer: Option<super::Observer<'_>>,
) -> Result<(), ArchiveError> {
    let malformed = |c: &Collector<'_>, message: String| ArchiveError::Malformed {
        filename: c.filename.clone(),
        format: "zip",
        message,
    };
    let dir = find_directory(b).map_err(|m| malformed(c, m))?;
    let cd = parse_directory(b, dir, c.limits().max_entries);
    if cd.is_empty() && dir.end > dir.start {
        return Err(malformed(c, "central directory is unreadable".into()));
    }
    let mut jobs: Vec<Job<'_>> = Vec::with_capacity(cd.len());
    for e in &cd {
        if !c.count_entry() {
            break;
        }
        let mut effective = e.unicode_name.as_deref().unwrap_or(&e.name);
        let path = match c.entry_path(effective) {
            Some(p) => p,
            // The Unicode name is unsafe (reported); Python before 3.12 ignores it and
            // installs the header name, so read the content under that name if it is safe.
            None if effective != e.name.as_slice() => match super::check_path(&e.name) {
                Ok(p) => {
                    effective = &e.name;
                    p
                }
                Err(_) => continue,
            },
            None => continue,
        };
        let Some(path) = path else {
            continue;
        };
        if effective != e.name.as_slice() && e.name.is_ascii() {
            // An ASCII name needs no Unicode alias: tools that ignore the extra field see
            // another file.
            c.finding(
                &ARCHIVE_AMBIGUOUS,
                Severity::Medium,
                Some(&path),
                "Unicode path extra field renames the entry; tools that ignore it see a \
                 different name",
                Some(format!(
                    "header name `{}`",
                    String::from_utf8_lossy(&e.name)
                )),
            );
        }
        // Unix file type, when the archive was made on a Unix-like host.
        let host = e.made_by >> 8;
        let mode = if host == 3 || host == 19 {
            e.external_attr >> 16
        } else {
            0
        };
        let kind = match mode & 0o170_000 {
            0o120_000 => Some(LinkKind::Symlink),
            0o020_000 => Some(LinkKind::CharDevice),
            0o060_000 => Some(LinkKind::BlockDevice),
            0o010_000 => Some(LinkKind::Fifo),
            0o140_000 => Some(LinkKind::Socket),
            _ => None,
        };
        let is_dir = e.name.ends_with(b"/") || mode & 0o170_000 == 0o040_000;
        if is_dir && kind.is_none() {
            continue;
        }
        if let Some(kind) = kind {
            let target = entry_data(b, e, dir.prefix)
                .ok()
                .and_then(|d| small(d, e.method, 4096));
            c.link(&path, kind, target.as_deref());
            continue;
        }
        if e.flags & 1 != 0 {
            c.unsupported(&path, Severity::Medium, "encrypted entry; not read".into());
            continue;
        }
        if e.method != 0 && e.method != 8 {
            c.unsupported(
                &path,
                Severity::Info,
                format!(
                    "compression method {} ({}) is not supported; not read",
                    e.method,
                    method_name(e.method)
                ),
            );
            continue;
        }
        let data =
            entry_data(b, e, dir.prefix).map_err(|m| malformed(c, format!("{path}: {m}")))?;
        if let Some(how) = local_disagreement(b, e, dir.prefix) {
            c.finding(
                &ARCHIVE_AMBIGUOUS,
                Severity::Medium,
                Some(&path),
                "local file header disagrees with the central directory; tools that read \
                 local headers see a different file",
                Some(how),
            );
        }
        jobs.push(Job {
            path,
            data,
            method: e.method,
            size: e.size,
        });
    }

    let lim = &c.opts.limits;
    let ratio_cap = lim
        .max_ratio
        .saturating_mul(c.compressed_size)
        .max(RATIO_MIN_SIZE);
    let budget = Budget {
        used: AtomicU64::new(0),
        cap: lim.max_total_size.min(ratio_cap),
    };
    let total_is_tighter = lim.max_total_size <= ratio_cap;
    let opts = c.opts;
    // Largest first (by the bytes really there, not the declared size), so that one big
    // native library does not start last and keep a core busy alone at the end; each file
    // goes to the observer as soon as it is inflated.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].data.len()));
    let mut done: Vec<(usize, Outcome)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            let job = &jobs[i];
            let outcome = INFLATE_BUF.with_borrow_mut(|buf| inflate(job, opts, &budget, buf));
            if let (Some(observe), Outcome::Done(s)) = (observer, &outcome) {
                observe(&super::ArchiveEntry {
                    path: job.path.clone(),
                    data: s.data.clone(),
                });
            }
            (i, outcome)
        })
        .collect();
    done.sort_unstable_by_key(|(i, _)| *i);
    let results = done.into_iter().map(|(_, o)| o);

    // The entry limit may have stopped the listing; the entries before it are still applied.
    let listing_stopped = std::mem::replace(&mut c.stopped, false);
    for (job, outcome) in jobs.into_iter().zip(results) {
        if c.stopped {
            break;
        }
        match outcome {
            Outcome::Done(s) => {
                let after = c.total_size + s.size;
                if c.overall_ratio_broken(after) {
                    c.overall_ratio_exceeded(after, c.compressed_size);
                    break;
                }
                if s.size != job.size {
                    // Python's zipfile stops at the declared size and then checks the CRC, so
                    // what gets installed (if anything) is not what a full inflate shows.
                    c.finding(
                        &ARCHIVE_AMBIGUOUS,
                        Severity::Medium,
                        Some(&job.path),
                        "entry inflates to a different size than the central directory \
                         declares; installers stop at the declared size or reject the entry",
                        Some(format!("declared {} bytes, inflated {}", job.size, s.size)),
                    );
                }
                c.add_file(job.path, s);
            }
            Outcome::FileLimit(seen, consumed) => c.file_too_large(&job.path, seen, Some(consumed)),
            Outcome::Ratio(seen, consumed) => c.entry_ratio(&job.path, seen, consumed),
            Outcome::Budget => {
                if total_is_tighter {
                    c.total_size = c.total_size.max(budget.used.load(Ordering::Relaxed));
                    c.total_exceeded();
                } else {
                    c.overall_ratio_exceeded(
                        budget.used.load(Ordering::Relaxed),
                        c.compressed_size,
                    );
                }
            }
            Outcome::Corrupt(m) => return Err(malformed(c, format!("{}: {m}", job.path))),
        }
    }
    c.stopped |= listing_stopped;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_inputs_are_errors_not_panics() {
        assert!(find_directory(b"").is_err());
        assert!(find_directory(b"PK\x05\x06").is_err());
        let mut eocd = b"PK\x05\x06".to_vec();
        eocd.extend_from_slice(&[0u8; 18]);
        assert_eq!(
            find_directory(&eocd).unwrap(),
            Directory {
                start: 0,
                end: 0,
                prefix: 0
            }
        );
        // Claims 0xFFFF entries at an absurd offset.
        let mut bad = b"PK\x05\x06".to_vec();
        bad.extend_from_slice(&[0xFF; 18]);
        assert!(find_directory(&bad).is_err());
    }
}
