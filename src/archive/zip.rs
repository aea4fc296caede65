//! Our own zip reader for wheels and zip sdists, written for hostile input rather than
//! completeness. The central directory is the authority for what an installer reads (pip's
//! `zipfile` uses it): sizes, methods and offsets come from it, local headers are only used to
//! find where data starts. Tolerated: data before the archive (offsets shifted by the prefix,
//! as `zipfile` does), archive comments, zip64 records and extra fields, data descriptors,
//! counts that wrapped at 65535.
//!
//! But installers and extractors do not all read a zip the same way: Python's zipfile before
//! 3.12 ignores the Info-ZIP Unicode Path field (0x7075) that 3.12+ honours; a streaming
//! extractor (uv installs wheels while downloading them) reads local headers, never the
//! central directory; names without the UTF-8 flag are cp437 to Python and UTF-8 to others. So
//! every such differential is reported as `archive-ambiguous`, graded by what it lets an
//! attacker do (high when one of the readings is code: Python, a `.pth`, a script or a native
//! library), and each entry is inspected under every name an installer could give it:
//! - a Unicode Path field renaming an entry, a local header naming it differently, a name
//!   that decodes differently as cp437 and UTF-8;
//! - local/central disagreement on anything that changes the bytes (method, sizes, CRC,
//!   encryption) or the name (name, Unicode field, UTF-8 flag);
//! - entry data whose CRC-32 is not the recorded one (Python's zipfile refuses it, lax
//!   extractors install it), or whose inflated size is not the declared one;
//! - local headers the central directory does not list (streaming extractors install them,
//!   so they are inflated and inspected too);
//! - data before the first entry or after the end record;
//! - a local header found only without the prefix shift Python applies (no silent fallback).
//!
//! Entries are independent, so they are inflated in parallel (rayon) against a shared byte
//! budget; results are then applied in archive order so findings and entries are deterministic.
//! The ratio of an entry held whole for inspection is checked against the compressed bytes it
//! has consumed so far, so padding it with incompressible bytes does not buy a bomb more
//! memory; other entries (kept as a 4 KiB prefix, costing no memory) are bounded by the
//! per-file size and the whole archive's ratio and total only.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use rayon::prelude::*;

use super::{
    ArchiveError, Collector, LinkKind, ReadOptions, Streamed, ARCHIVE_AMBIGUOUS, RATIO_MIN_SIZE,
};
use crate::finding::Severity;

const SIG_LOCAL: u32 = 0x0403_4b50;
const SIG_CENTRAL: u32 = 0x0201_4b50;
const SIG_ZIP64_EOCD: u32 = 0x0606_4b50;
const SIG_ZIP64_LOCATOR: u32 = 0x0706_4b50;

/// General purpose flags.
const FLAG_ENCRYPTED: u16 = 1;
const FLAG_DESCRIPTOR: u16 = 8;
const FLAG_UTF8: u16 = 0x800;

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

/// Where the central directory is, how much data precedes the archive proper, and where the
/// archive ends (end record plus its comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Directory {
    start: usize,
    end: usize,
    prefix: u64,
    /// Where the end records begin (zip64 end record, else the end record): bytes between
    /// `end` and here belong to no record.
    records: usize,
    archive_end: usize,
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
    crc: u32,
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
    let comment = usize::from(le16(b, pos + 20)?);
    let archive_end = (pos + 22 + comment).min(b.len());
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
            records: end,
            archive_end,
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
                records: end,
                archive_end,
            });
        }
    }
    // Junk between directory and end record (a duplicated end record): trust the offset.
    let start = usize::try_from(off).ok()?;
    if le32(b, start) == Some(SIG_CENTRAL) {
        let records = end;
        let end = start.checked_add(size_us)?.min(records);
        return Some(Directory {
            start,
            end,
            prefix: 0,
            records,
            archive_end,
        });
    }
    None
}

/// The Unicode Path extra field (0x7075) of `extra`, when it is version 1, matches `name`'s
/// CRC and is UTF-8 (otherwise Python ignores or rejects it).
fn unicode_path(extra: &[u8], name: &[u8]) -> Option<Vec<u8>> {
    let mut e = 0;
    while e + 4 <= extra.len() {
        let id = le16(extra, e)?;
        let len = usize::from(le16(extra, e + 2)?);
        let body = extra.get(e + 4..e + 4 + len).unwrap_or(&[]);
        if id == 0x7075 && body.len() > 5 && body[0] == 1 {
            let mut crc = flate2::Crc::new();
            crc.update(name);
            if le32(body, 1) == Some(crc.sum()) && std::str::from_utf8(&body[5..]).is_ok() {
                return Some(body[5..].to_vec());
            }
        }
        e += 4 + len;
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
        let (Some(crc), Some(comp32), Some(uncomp32)) =
            (le32(b, p + 16), le32(b, p + 20), le32(b, p + 24))
        else {
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
            }
            e += 4 + len;
        }
        out.push(CdEntry {
            name: name.to_vec(),
            unicode_name: unicode_path(extra, name),
            made_by,
            flags,
            method,
            crc,
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

/// A local file header.
#[derive(Debug)]
struct Local<'a> {
    flags: u16,
    method: u16,
    crc: u32,
    /// Sizes as the header states them (zip64 extra field applied); meaningless with a data
    /// descriptor.
    compressed: u64,
    size: u64,
    name: &'a [u8],
    unicode_name: Option<Vec<u8>>,
    data_start: usize,
}

fn parse_local(b: &[u8], at: usize) -> Option<Local<'_>> {
    if le32(b, at)? != SIG_LOCAL {
        return None;
    }
    let flags = le16(b, at + 6)?;
    let method = le16(b, at + 8)?;
    let crc = le32(b, at + 14)?;
    let comp32 = le32(b, at + 18)?;
    let size32 = le32(b, at + 22)?;
    let n = usize::from(le16(b, at + 26)?);
    let m = usize::from(le16(b, at + 28)?);
    let name = b.get(at + 30..at + 30 + n)?;
    let extra = b.get(at + 30 + n..at + 30 + n + m)?;
    let (mut compressed, mut size) = (u64::from(comp32), u64::from(size32));
    if comp32 == u32::MAX || size32 == u32::MAX {
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = le16(extra, e)?;
            let len = usize::from(le16(extra, e + 2)?);
            if id == 0x0001 {
                let body = extra.get(e + 4..e + 4 + len).unwrap_or(&[]);
                size = le64(body, 0).unwrap_or(size);
                compressed = le64(body, 8).unwrap_or(compressed);
            }
            e += 4 + len;
        }
    }
    Some(Local {
        flags,
        method,
        crc,
        compressed,
        size,
        name,
        unicode_name: unicode_path(extra, name),
        data_start: at + 30 + n + m,
    })
}

/// The local header of `e`: where Python's zipfile looks (the directory's offset shifted by
/// the data before the archive). A header found only at the unshifted offset is used, but
/// said (`Err` when there is none at either).
fn local_header(b: &[u8], e: &CdEntry, prefix: u64) -> Result<(usize, Option<String>), String> {
    let at = |o: u64| {
        usize::try_from(o)
            .ok()
            .filter(|&o| le32(b, o) == Some(SIG_LOCAL))
    };
    if let Some(o) = e.local_offset.checked_add(prefix).and_then(at) {
        return Ok((o, None));
    }
    if prefix != 0 {
        if let Some(o) = at(e.local_offset) {
            return Ok((
                o,
                Some(format!(
                    "the local header is found only at offset {o}, without the {prefix} bytes \
                     of data before the archive that Python's zipfile adds (it rejects the \
                     entry; other readers take this one)"
                )),
            ));
        }
    }
    Err("local header not found where the central directory says".into())
}

/// Compressed bytes of one entry, from its local header and the directory's size.
fn entry_data<'a>(b: &'a [u8], local: &Local<'_>, compressed: u64) -> Result<&'a [u8], String> {
    let start = local.data_start;
    let len = usize::try_from(compressed).map_err(|_| "entry size overflows")?;
    start
        .checked_add(len)
        .and_then(|end| b.get(start..end))
        .ok_or_else(|| "entry data runs past the end of the file (truncated?)".into())
}

/// Every field in which the local header contradicts the central directory and that changes
/// the bytes or the name a reader of local headers gets. (A name a local Unicode Path field
/// gives is one of the entry's candidate names, reported with them.)
fn local_disagreement(local: &Local<'_>, e: &CdEntry) -> Vec<String> {
    let mut out = Vec::new();
    if local.name != e.name.as_slice() {
        out.push(format!(
            "local header names `{}`",
            String::from_utf8_lossy(local.name)
        ));
    }
    if (local.flags ^ e.flags) & FLAG_UTF8 != 0 && !e.name.is_ascii() {
        out.push("the UTF-8 name flag differs (the name decodes differently)".into());
    }
    if (local.flags ^ e.flags) & FLAG_ENCRYPTED != 0 {
        out.push("the encryption flag differs".into());
    }
    if local.method != e.method {
        out.push(format!(
            "local header says compression method {}, central directory {}",
            local.method, e.method
        ));
    }
    // With a data descriptor the local CRC and sizes are zero and the descriptor holds them.
    if local.flags & FLAG_DESCRIPTOR == 0 {
        if local.crc != e.crc {
            out.push(format!(
                "local header says CRC-32 {:08x}, central directory {:08x}",
                local.crc, e.crc
            ));
        }
        if local.compressed != e.compressed {
            out.push(format!(
                "local header says {} compressed bytes, central directory {}",
                local.compressed, e.compressed
            ));
        }
        if local.size != e.size {
            out.push(format!(
                "local header says {} bytes inflated, central directory {}",
                local.size, e.size
            ));
        }
    }
    out
}

/// Whether a file under this name runs or is loaded as code: Python, `.pth`, scripts, native
/// libraries and executables. A differential that can move bytes into or out of such a name
/// hides code from whoever reads the archive the other way.
fn runs_as_code(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    super::is_python_like(path)
        || lower.ends_with("setup.py")
        || [
            ".so", ".pyd", ".dll", ".dylib", ".exe", ".sh", ".bat", ".cmd", ".ps1", ".js",
        ]
        .iter()
        .any(|e| lower.ends_with(e))
        || lower.contains(".so.")
}

/// An entry's path and its alternative names.
fn all_names<'a>(path: &'a str, alternatives: &'a [String]) -> impl Iterator<Item = &'a str> {
    std::iter::once(path).chain(alternatives.iter().map(String::as_str))
}

/// Severity of a differential between readers that see `names`: high when any reading is
/// code, else `otherwise`.
fn grade<'n>(names: impl IntoIterator<Item = &'n str>, otherwise: Severity) -> Severity {
    if names.into_iter().any(runs_as_code) {
        Severity::High
    } else {
        otherwise
    }
}

/// cp437, the encoding Python's zipfile gives names without the UTF-8 flag.
fn cp437(raw: &[u8]) -> String {
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    raw.iter()
        .map(|&b| {
            if b < 0x80 {
                b as char
            } else {
                HIGH.chars()
                    .nth(usize::from(b - 0x80))
                    .unwrap_or('\u{fffd}')
            }
        })
        .collect()
}

/// The names under which readers may install a central directory entry, most authoritative
/// first (Python 3.12+, then older Pythons and lax UTF-8 readers, then streaming readers of
/// local headers). Names that cannot be decoded at all are left out (no reader can use them
/// except with replacement characters).
fn candidate_names(e: &CdEntry, local: Option<&Local<'_>>) -> Vec<Vec<u8>> {
    let decode = |raw: &[u8], flags: u16| -> Vec<Vec<u8>> {
        if raw.is_ascii() {
            return vec![raw.to_vec()];
        }
        let mut v = Vec::new();
        if std::str::from_utf8(raw).is_ok() {
            v.push(raw.to_vec());
        }
        if flags & FLAG_UTF8 == 0 {
            v.push(cp437(raw).into_bytes());
        }
        if v.is_empty() {
            // Undecodable even as the flag says: the name itself is reported as unsafe.
            v.push(raw.to_vec());
        }
        v
    };
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut add = |n: Vec<u8>| {
        if !out.contains(&n) {
            out.push(n);
        }
    };
    if let Some(u) = &e.unicode_name {
        add(u.clone());
    }
    for n in decode(&e.name, e.flags) {
        add(n);
    }
    if let Some(l) = local {
        if let Some(u) = &l.unicode_name {
            add(u.clone());
        }
        if l.name != e.name.as_slice() || (l.flags ^ e.flags) & FLAG_UTF8 != 0 {
            for n in decode(l.name, l.flags) {
                add(n);
            }
        }
    }
    out
}

/// Why inflating one entry stopped.
#[derive(Debug)]
enum Outcome {
    /// The file, and one copy of its bytes per alternative name (each its own allocation, so
    /// that streamed inspection can tell them apart).
    Done(Streamed, Vec<Arc<Vec<u8>>>),
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
    /// Other names readers may install it under.
    alternatives: Vec<String>,
    data: &'a [u8],
    method: u16,
    /// Declared inflated size (a hint) and CRC-32; `None` for a local header with a data
    /// descriptor (nothing declared up front).
    size: Option<u64>,
    crc: Option<u32>,
    /// Not in the central directory: only streaming readers see it.
    hidden: bool,
}

impl Job<'_> {
    /// The name that decides whether the file is kept whole: any name it may be installed
    /// under that the inspector reads.
    fn keep_name(&self, opts: &ReadOptions) -> &str {
        let keeps = |p: &str| super::is_core_metadata(p) || opts.keep.is_none_or(|k| k(p));
        std::iter::once(&self.path)
            .chain(&self.alternatives)
            .find(|p| keeps(p))
            .unwrap_or(&self.path)
    }
}

thread_local! {
    /// One inflate buffer per thread, reused across entries.
    static INFLATE_BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 1 << 16]);
}

struct Budget {
    used: AtomicU64,
    cap: u64,
}

fn inflate(
    job: &Job<'_>,
    c_held: &Arc<super::Held>,
    opts: &ReadOptions,
    budget: &Budget,
    buf: &mut [u8],
) -> Outcome {
    let lim = &opts.limits;
    let mut sink =
        super::Sink::with_size_hint(job.keep_name(opts), opts, c_held, job.size.unwrap_or(0));
    // Accept `chunk`, having read `consumed` compressed bytes, or say why not. A file held in
    // memory for inspection is held to the ratio of what it has produced to the input it took
    // so far, so padding an entry with incompressible bytes buys no more memory. A file kept
    // only as a prefix costs no memory: only the per-file size and the whole archive's ratio
    // and total bound it (native libraries have zero-filled sections far beyond 200:1).
    let take = |sink: &mut super::Sink<'_>, chunk: &[u8], consumed: u64| -> Option<Outcome> {
        let after = sink.size() + chunk.len() as u64;
        if after > lim.max_file_size {
            return Some(Outcome::FileLimit(after, consumed));
        }
        if sink.holds_whole() && after > lim.max_ratio.saturating_mul(consumed).max(RATIO_MIN_SIZE)
        {
            return Some(Outcome::Ratio(after, consumed));
        }
        let before = budget.used.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        if before + chunk.len() as u64 > budget.cap {
            return Some(Outcome::Budget);
        }
        sink.push(chunk);
        None
    };
    let done = |sink: super::Sink<'_>| {
        let s = sink.finish();
        let copies = job
            .alternatives
            .iter()
            .map(|_| Arc::new(s.data.as_ref().clone()))
            .collect();
        Outcome::Done(s, copies)
    };
    // No data at all is an empty file whatever the method (Python's zipfile agrees).
    if job.method == 0 || job.data.is_empty() {
        for (i, chunk) in job.data.chunks(1 << 16).enumerate() {
            let consumed = ((i << 16) + chunk.len()) as u64;
            if let Some(o) = take(&mut sink, chunk, consumed) {
                return o;
            }
        }
        return done(sink);
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
            Status::StreamEnd => return done(sink),
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

/// Validate candidate names: the first safe one is the entry's path, the other safe ones are
/// alternatives. Unsafe decodable names are reported (an extractor using them writes there).
fn resolve_names(c: &mut Collector<'_>, names: &[Vec<u8>]) -> Option<(String, Vec<String>)> {
    let mut safe: Vec<String> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        // An undecodable name among others is not a name anyone installs: leave it.
        if i > 0 && std::str::from_utf8(n).is_err() {
            continue;
        }
        if let Some(Some(p)) = c.entry_path(n) {
            if !safe.contains(&p) {
                safe.push(p);
            }
        }
    }
    let mut it = safe.into_iter();
    let first = it.next()?;
    Some((first, it.collect()))
}

/// Local headers that no central record references and that lie outside every referenced
/// entry's header and data: what a streaming extractor finds that the directory hides.
fn hidden_local_headers(b: &[u8], end: usize, covered: &mut [(usize, usize)]) -> Vec<usize> {
    covered.sort_unstable();
    let mut out = Vec::new();
    let mut ci = 0;
    for at in memchr::memmem::find_iter(&b[..end.min(b.len())], b"PK\x03\x04") {
        while ci < covered.len() && covered[ci].1 <= at {
            ci += 1;
        }
        // Inside a referenced entry (its header or data, e.g. a stored nested zip)?
        let inside = covered[ci..]
            .iter()
            .take_while(|(s, _)| *s <= at)
            .any(|(s, e)| *s <= at && at < *e);
        if inside {
            continue;
        }
        if let Some(l) = parse_local(b, at) {
            if !l.name.is_empty() && l.data_start <= end {
                out.push(at);
            }
        }
        if out.len() > 1000 {
            break;
        }
    }
    out
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
    // Byte ranges of referenced local headers and their data.
    let mut covered: Vec<(usize, usize)> = Vec::with_capacity(cd.len());
    let mut central_names: std::collections::HashSet<String> = Default::default();
    for e in &cd {
        if !c.count_entry() {
            break;
        }
        let located = local_header(b, e, dir.prefix);
        let local = located
            .as_ref()
            .ok()
            .and_then(|(at, _)| parse_local(b, *at));
        if let (Ok((at, _)), Some(l)) = (&located, &local) {
            let data_end = l
                .data_start
                .saturating_add(usize::try_from(e.compressed).unwrap_or(usize::MAX));
            covered.push((*at, data_end.min(b.len()).max(l.data_start)));
        }
        let names = candidate_names(e, local.as_ref());
        let Some((path, alternatives)) = resolve_names(c, &names) else {
            continue;
        };
        if !alternatives.is_empty() {
            // Only a decoding difference of a name that is not ASCII (cp437 vs UTF-8, how old
            // zip tools wrote names) is low unless it changes whether the file is code.
            let renamed = e.unicode_name.as_ref().is_some_and(|_| e.name.is_ascii())
                || local.as_ref().is_some_and(|l| l.name != e.name.as_slice());
            let all = || all_names(&path, &alternatives);
            let code_differs = all().any(runs_as_code) != all().all(runs_as_code);
            let severity = if code_differs || (renamed && all().any(runs_as_code)) {
                Severity::High
            } else if renamed {
                Severity::Medium
            } else {
                Severity::Low
            };
            c.finding(
                &ARCHIVE_AMBIGUOUS,
                severity,
                Some(&path),
                "entry names disagree (Unicode path field, local header or name encoding): \
                 installers and extractors install it under different names; inspected under \
                 each",
                Some(format!(
                    "names: {}",
                    all()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
        central_names.insert(path.clone());
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
            let target = local
                .as_ref()
                .and_then(|l| entry_data(b, l, e.compressed).ok())
                .and_then(|d| small(d, e.method, 4096));
            c.link(&path, kind, target.as_deref());
            continue;
        }
        if e.flags & FLAG_ENCRYPTED != 0 {
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
        let (fallback, local) = match (located, local) {
            (Ok((_, fallback)), Some(l)) => (fallback, l),
            (Err(m), _) => return Err(malformed(c, format!("{path}: {m}"))),
            (Ok(_), None) => return Err(malformed(c, format!("{path}: truncated local header"))),
        };
        let data = entry_data(b, &local, e.compressed)
            .map_err(|m| malformed(c, format!("{path}: {m}")))?;
        let entry_names = || all_names(&path, &alternatives);
        let mut how = local_disagreement(&local, e);
        how.extend(fallback);
        if !how.is_empty() {
            c.finding(
                &ARCHIVE_AMBIGUOUS,
                grade(entry_names(), Severity::Medium),
                Some(&path),
                "local file header disagrees with the central directory; tools that read \
                 local headers see a different file",
                Some(how.join("; ")),
            );
        }
        jobs.push(Job {
            path,
            alternatives,
            data,
            method: e.method,
            size: Some(e.size),
            crc: Some(e.crc),
            hidden: false,
        });
    }
    let listing_stopped = c.stopped;

    // What a streaming extractor sees that the directory does not list.
    if !c.stopped {
        for at in hidden_local_headers(b, dir.start, &mut covered) {
            let Some(l) = parse_local(b, at) else {
                continue;
            };
            let names = {
                let mut v = Vec::new();
                if let Some(u) = &l.unicode_name {
                    v.push(u.clone());
                }
                v.push(l.name.to_vec());
                v
            };
            let Some((path, alternatives)) = resolve_names(c, &names) else {
                continue;
            };
            let shadows = central_names.contains(&path);
            let severity = if shadows {
                Severity::High
            } else {
                grade(all_names(&path, &alternatives), Severity::Medium)
            };
            let what = if shadows {
                "a local file header the central directory does not list carries another copy \
                 of this entry: streaming extractors install that copy, installers reading the \
                 central directory the listed one; both are inspected"
            } else {
                "a local file header the central directory does not list: streaming extractors \
                 install this file, installers reading the central directory never see it; \
                 inspected"
            };
            c.finding(
                &ARCHIVE_AMBIGUOUS,
                severity,
                Some(&path),
                what,
                Some(format!("local header at offset {at}")),
            );
            if path.ends_with('/') || l.flags & FLAG_ENCRYPTED != 0 || !matches!(l.method, 0 | 8) {
                continue;
            }
            let descriptor = l.flags & FLAG_DESCRIPTOR != 0;
            let data = if descriptor && l.method == 8 {
                // The deflate stream ends itself; the inflater stops there.
                b.get(l.data_start..dir.start).unwrap_or(&[])
            } else if descriptor {
                continue; // stored with a descriptor: its length is unknowable from here
            } else {
                let end = l
                    .data_start
                    .saturating_add(usize::try_from(l.compressed).unwrap_or(usize::MAX));
                b.get(l.data_start..end.min(b.len())).unwrap_or(&[])
            };
            jobs.push(Job {
                path,
                alternatives,
                data,
                method: l.method,
                size: (!descriptor).then_some(l.size),
                crc: (!descriptor).then_some(l.crc),
                hidden: true,
            });
        }
        // Data before the first entry and after the end record: tolerated by Python, but a
        // reader that starts at the first byte or searches from the end may see another
        // archive there.
        let first = covered.iter().map(|(s, _)| *s).min().unwrap_or(dir.start);
        let before = &b[..first.min(b.len())];
        let after = b.get(dir.archive_end..).unwrap_or(&[]);
        let between = b.get(dir.end..dir.records).unwrap_or(&[]);
        for (what, bytes, at) in [
            ("before the first entry", before, 0),
            (
                "between the central directory and its end record",
                between,
                dir.end,
            ),
            ("after the end of the archive", after, dir.archive_end),
        ] {
            if bytes.is_empty() {
                continue;
            }
            let zip_like = [&b"PK\x03\x04"[..], b"PK\x01\x02", b"PK\x05\x06"]
                .iter()
                .any(|sig| memchr::memmem::find(bytes, sig).is_some());
            let severity = if zip_like {
                Severity::Medium
            } else {
                Severity::Low
            };
            c.finding(
                &ARCHIVE_AMBIGUOUS,
                severity,
                None,
                format!(
                    "{} bytes of data {what}{}",
                    bytes.len(),
                    if zip_like {
                        ", holding zip records: another reader may see another archive"
                    } else {
                        "; readers that expect a bare zip fail or read something else"
                    }
                ),
                Some(format!("at offset {at}")),
            );
        }
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
    let held = Arc::clone(&c.held);
    // Largest first (by the bytes really there, not the declared size), so that one big
    // native library does not start last and keep a core busy alone at the end; each file
    // goes to the observer as soon as it is inflated, under every name.
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].data.len()));
    let mut done: Vec<(usize, Outcome)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            let job = &jobs[i];
            let outcome =
                INFLATE_BUF.with_borrow_mut(|buf| inflate(job, &held, opts, &budget, buf));
            if let (Some(observe), Outcome::Done(s, copies)) = (observer, &outcome) {
                observe(&super::ArchiveEntry {
                    path: job.path.clone(),
                    data: s.data.clone(),
                });
                for (name, data) in job.alternatives.iter().zip(copies) {
                    observe(&super::ArchiveEntry {
                        path: name.clone(),
                        data: Arc::clone(data),
                    });
                }
            }
            (i, outcome)
        })
        .collect();
    done.sort_unstable_by_key(|(i, _)| *i);
    let results = done.into_iter().map(|(_, o)| o);

    // The entry limit may have stopped the listing; the entries before it are still applied.
    c.stopped = false;
    for (job, outcome) in jobs.into_iter().zip(results) {
        if c.stopped {
            break;
        }
        match outcome {
            Outcome::Done(s, copies) => {
                let after = c.total_size + s.size;
                if c.overall_ratio_broken(after) {
                    c.overall_ratio_exceeded(after, c.compressed_size);
                    break;
                }
                let names = || all_names(&job.path, &job.alternatives);
                if let Some(declared) = job.size.filter(|d| *d != s.size) {
                    // Python's zipfile stops at the declared size and then checks the CRC, so
                    // what gets installed (if anything) is not what a full inflate shows.
                    c.finding(
                        &ARCHIVE_AMBIGUOUS,
                        grade(names(), Severity::Medium),
                        Some(&job.path),
                        "entry inflates to a different size than the central directory \
                         declares; installers stop at the declared size or reject the entry",
                        Some(format!("declared {declared} bytes, inflated {}", s.size)),
                    );
                } else if let Some(crc) = job.crc.filter(|crc| *crc != s.crc32) {
                    c.finding(
                        &ARCHIVE_AMBIGUOUS,
                        grade(names(), Severity::Medium),
                        Some(&job.path),
                        "entry data does not match its CRC-32: Python's zipfile (pip) refuses \
                         it, extractors that do not check install these bytes",
                        Some(format!("recorded {crc:08x}, data {:08x}", s.crc32)),
                    );
                }
                let alternatives: Vec<_> = job.alternatives.into_iter().zip(copies).collect();
                if job.hidden {
                    c.total_size += s.size;
                    c.add_alternative(job.path, s.data);
                } else {
                    c.add_file(job.path, s);
                }
                for (name, data) in alternatives {
                    c.add_alternative(name, data);
                }
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
            Outcome::Corrupt(m) if job.hidden => c.finding(
                &ARCHIVE_AMBIGUOUS,
                Severity::Medium,
                Some(&job.path),
                "an unlisted local entry could not be inflated",
                Some(m),
            ),
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
                prefix: 0,
                records: 0,
                archive_end: 22,
            }
        );
        // Claims 0xFFFF entries at an absurd offset.
        let mut bad = b"PK\x05\x06".to_vec();
        bad.extend_from_slice(&[0xFF; 18]);
        assert!(find_directory(&bad).is_err());
    }
}
