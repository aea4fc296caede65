//! A minimal zip reader for OSV database exports (a zip of one JSON file per record).
//!
//! The database is fetched from a configured host, so it is treated as semi-trusted input: the
//! reader walks the central directory (with zip64 support, since exports can be large), inflates
//! stored and deflated entries in memory, checks each entry's CRC-32, and bounds entry count,
//! per-entry size and total inflated size. Anything it does not understand (encryption, other
//! compression methods, split archives) is an error, never a panic.

use flate2::read::DeflateDecoder;
use std::io::Read;

/// Bounds applied while reading.
#[derive(Debug, Clone)]
pub struct ZipLimits {
    pub max_entries: usize,
    pub max_entry_size: u64,
    pub max_total_size: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        Self {
            max_entries: 2_000_000,
            max_entry_size: 32 << 20,
            max_total_size: 8 << 30,
        }
    }
}

/// One entry of the central directory.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    pub name: String,
    method: u16,
    flags: u16,
    crc32: u32,
    compressed_size: u64,
    size: u64,
    local_offset: u64,
}

impl ZipEntry {
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

pub struct ZipReader<'a> {
    data: &'a [u8],
    entries: Vec<ZipEntry>,
    limits: ZipLimits,
    total: u64,
}

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;

fn u16_at(d: &[u8], at: usize) -> Result<u16, String> {
    at.checked_add(2)
        .and_then(|end| d.get(at..end))
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn u32_at(d: &[u8], at: usize) -> Result<u32, String> {
    at.checked_add(4)
        .and_then(|end| d.get(at..end))
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn u64_at(d: &[u8], at: usize) -> Result<u64, String> {
    at.checked_add(8)
        .and_then(|end| d.get(at..end))
        .map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        })
        .ok_or_else(|| format!("truncated at byte {at}"))
}

fn to_usize(v: u64, what: &str) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("{what} out of range"))
}

impl<'a> ZipReader<'a> {
    /// Read the central directory. Errors are plain messages; the caller adds the file name.
    pub fn new(data: &'a [u8], limits: ZipLimits) -> Result<Self, String> {
        if data.len() < 22 {
            return Err("too short to be a zip file".into());
        }
        // The end-of-central-directory record is in the last 22 + 65535 bytes.
        let search_from = data.len().saturating_sub(22 + 65_535);
        let eocd = (search_from..=data.len() - 22)
            .rev()
            .find(|&i| u32_at(data, i) == Ok(EOCD_SIG))
            .ok_or("no end-of-central-directory record: not a zip file")?;
        let mut count = u64::from(u16_at(data, eocd + 10)?);
        let mut cd_size = u64::from(u32_at(data, eocd + 12)?);
        let mut cd_offset = u64::from(u32_at(data, eocd + 16)?);
        if u16_at(data, eocd + 4)? != 0 || u16_at(data, eocd + 6)? != 0 {
            return Err("split (multi-disk) zip files are not supported".into());
        }
        if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            let loc = eocd
                .checked_sub(20)
                .filter(|&l| u32_at(data, l) == Ok(ZIP64_LOCATOR_SIG))
                .ok_or("zip64 values without a zip64 locator")?;
            let rec = to_usize(u64_at(data, loc + 8)?, "zip64 record offset")?;
            if u32_at(data, rec)? != ZIP64_EOCD_SIG {
                return Err("bad zip64 end-of-central-directory record".into());
            }
            count = u64_at(data, rec + 32)?;
            cd_size = u64_at(data, rec + 40)?;
            cd_offset = u64_at(data, rec + 48)?;
        }
        if count > limits.max_entries as u64 {
            return Err(format!(
                "{count} entries is more than the limit of {}",
                limits.max_entries
            ));
        }
        let start = to_usize(cd_offset, "central directory offset")?;
        let end = start
            .checked_add(to_usize(cd_size, "central directory size")?)
            .filter(|&e| e <= data.len())
            .ok_or("central directory lies outside the file")?;
        let cd = &data[start..end];
        let mut entries = Vec::with_capacity(count as usize);
        let mut at = 0usize;
        for n in 0..count {
            if u32_at(cd, at)? != CENTRAL_SIG {
                return Err(format!("central directory entry {n} has a bad signature"));
            }
            let flags = u16_at(cd, at + 8)?;
            let method = u16_at(cd, at + 10)?;
            let crc32 = u32_at(cd, at + 16)?;
            let mut compressed_size = u64::from(u32_at(cd, at + 20)?);
            let mut size = u64::from(u32_at(cd, at + 24)?);
            let name_len = usize::from(u16_at(cd, at + 28)?);
            let extra_len = usize::from(u16_at(cd, at + 30)?);
            let comment_len = usize::from(u16_at(cd, at + 32)?);
            let mut local_offset = u64::from(u32_at(cd, at + 42)?);
            let name_start = at + 46;
            let name = cd
                .get(name_start..name_start + name_len)
                .ok_or_else(|| format!("central directory entry {n} is truncated"))?;
            let name = String::from_utf8_lossy(name).into_owned();
            let extra = cd
                .get(name_start + name_len..name_start + name_len + extra_len)
                .ok_or_else(|| format!("central directory entry {n} is truncated"))?;
            // Zip64 extended information: the fields that overflowed, in this order.
            let mut e = 0usize;
            while e + 4 <= extra.len() {
                let id = u16_at(extra, e)?;
                let len = usize::from(u16_at(extra, e + 2)?);
                let body = extra
                    .get(e + 4..e + 4 + len)
                    .ok_or_else(|| format!("{name}: truncated extra field"))?;
                if id == 0x0001 {
                    let mut p = 0usize;
                    for field in [&mut size, &mut compressed_size, &mut local_offset] {
                        if *field == 0xFFFF_FFFF {
                            *field = u64_at(body, p)
                                .map_err(|_| format!("{name}: truncated zip64 field"))?;
                            p += 8;
                        }
                    }
                }
                e += 4 + len;
            }
            entries.push(ZipEntry {
                name,
                method,
                flags,
                crc32,
                compressed_size,
                size,
                local_offset,
            });
            at = name_start + name_len + extra_len + comment_len;
        }
        Ok(Self {
            data,
            entries,
            limits,
            total: 0,
        })
    }

    pub fn entries(&self) -> &[ZipEntry] {
        &self.entries
    }

    /// Inflate one entry, checking its size and CRC-32 against the central directory.
    pub fn read(&mut self, entry: &ZipEntry) -> Result<Vec<u8>, String> {
        let name = &entry.name;
        if entry.flags & 0x1 != 0 {
            return Err(format!("{name}: encrypted entries are not supported"));
        }
        if entry.size > self.limits.max_entry_size {
            return Err(format!(
                "{name}: {} bytes is over the per-entry limit of {}",
                entry.size, self.limits.max_entry_size
            ));
        }
        if self.total.saturating_add(entry.size) > self.limits.max_total_size {
            return Err(format!(
                "inflated size over the limit of {} bytes",
                self.limits.max_total_size
            ));
        }
        let lo = to_usize(entry.local_offset, "local header offset")?;
        if u32_at(self.data, lo)? != LOCAL_SIG {
            return Err(format!("{name}: bad local header"));
        }
        let data_start = lo
            .checked_add(30 + usize::from(u16_at(self.data, lo + 26)?))
            .and_then(|x| x.checked_add(usize::from(u16_at(self.data, lo + 28).ok()?)))
            .ok_or_else(|| format!("{name}: bad local header"))?;
        let data_end = data_start
            .checked_add(to_usize(entry.compressed_size, "compressed size")?)
            .filter(|&e| e <= self.data.len())
            .ok_or_else(|| format!("{name}: data lies outside the file"))?;
        let raw = &self.data[data_start..data_end];
        let out = match entry.method {
            0 => raw.to_vec(),
            8 => {
                let mut out = Vec::with_capacity(entry.size.min(1 << 24) as usize);
                DeflateDecoder::new(raw)
                    .take(entry.size + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("{name}: cannot inflate: {e}"))?;
                out
            }
            m => return Err(format!("{name}: unsupported compression method {m}")),
        };
        if out.len() as u64 != entry.size {
            return Err(format!(
                "{name}: inflated to {} bytes, the directory says {}",
                out.len(),
                entry.size
            ));
        }
        let mut crc = flate2::Crc::new();
        crc.update(&out);
        if crc.sum() != entry.crc32 {
            return Err(format!("{name}: CRC-32 mismatch"));
        }
        self.total += entry.size;
        Ok(out)
    }
}

/// Build a zip in memory (stored or deflated entries). For tests in this crate.
#[cfg(test)]
pub(crate) fn write_zip(files: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    use flate2::write::DeflateEncoder;
    use std::io::Write;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let (method, body) = if deflate {
            let mut enc = DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(data).unwrap();
            (8u16, enc.finish().unwrap())
        } else {
            (0u16, data.to_vec())
        };
        let offset = out.len() as u32;
        out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0]);
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&body);
        central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
        central.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
        central.extend_from_slice(&method.to_le_bytes());
        central.extend_from_slice(&[0; 4]);
        central.extend_from_slice(&crc.sum().to_le_bytes());
        central.extend_from_slice(&(body.len() as u32).to_le_bytes());
        central.extend_from_slice(&(data.len() as u32).to_le_bytes());
        central.extend_from_slice(&(name.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&EOCD_SIG.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(files.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_stored_and_deflated() {
        for deflate in [false, true] {
            let z = write_zip(
                &[
                    ("a.json", b"{\"id\":\"A\"}"),
                    ("dir/", b""),
                    ("b.txt", b"hello hello hello"),
                ],
                deflate,
            );
            let mut r = ZipReader::new(&z, ZipLimits::default()).unwrap();
            let entries = r.entries().to_vec();
            assert_eq!(entries.len(), 3);
            assert!(entries[1].is_dir());
            assert_eq!(r.read(&entries[0]).unwrap(), b"{\"id\":\"A\"}");
            assert_eq!(r.read(&entries[2]).unwrap(), b"hello hello hello");
        }
    }

    #[test]
    fn limits_and_corruption_are_errors() {
        let z = write_zip(&[("a.json", &[b'x'; 1000])], true);
        let mut r = ZipReader::new(
            &z,
            ZipLimits {
                max_entry_size: 100,
                ..ZipLimits::default()
            },
        )
        .unwrap();
        let e = r.entries()[0].clone();
        assert!(r.read(&e).unwrap_err().contains("limit"));

        let mut bad = write_zip(&[("a.json", b"0123456789")], false);
        bad[30 + 6] ^= 0xff; // flip a data byte
        let mut r = ZipReader::new(&bad, ZipLimits::default()).unwrap();
        let e = r.entries()[0].clone();
        assert!(r.read(&e).unwrap_err().contains("CRC"));

        let e = ZipReader::new(
            &z,
            ZipLimits {
                max_entries: 0,
                ..ZipLimits::default()
            },
        );
        assert!(e.is_err());
    }

    #[test]
    fn garbage_never_panics() {
        assert!(ZipReader::new(b"", ZipLimits::default()).is_err());
        assert!(ZipReader::new(&[0u8; 100], ZipLimits::default()).is_err());
        let good = write_zip(&[("a.json", b"{}"), ("b.json", b"[]")], true);
        // Truncate and corrupt at every position: errors are fine, panics are not.
        for cut in 0..good.len() {
            if let Ok(mut r) = ZipReader::new(&good[..cut], ZipLimits::default()) {
                for e in r.entries().to_vec() {
                    let _ = r.read(&e);
                }
            }
            let mut flipped = good.clone();
            flipped[cut] = flipped[cut].wrapping_add(0x5a);
            if let Ok(mut r) = ZipReader::new(&flipped, ZipLimits::default()) {
                for e in r.entries().to_vec() {
                    let _ = r.read(&e);
                }
            }
        }
    }
}
