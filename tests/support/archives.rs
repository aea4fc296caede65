//! Writers for hostile (and benign) test archives: a deliberately minimal zip writer that writes
//! exactly the bytes a test asks for (raw names, lying sizes, shared local headers), which no
//! real zip library would do, plus wheel, sdist and tar helpers built on it and the tar crate.

use std::io::Write;

// ---------------------------------------------------------------------------------------------
// Test-only zip writer.

/// CRC-32 (IEEE) of `data`.
pub fn crc32(data: &[u8]) -> u32 {
    !crc32_update(!0, data)
}

/// Feed `data` into a running (pre-inverted) CRC-32.
fn crc32_update(mut crc: u32, data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    for &b in data {
        crc = table[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Stored,
    Deflate,
}

/// One entry as it will be written. `data` is the uncompressed content.
#[derive(Debug, Clone)]
pub struct ZipEntry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub method: Method,
    /// Unix mode (file type bits included) stored in the external attributes.
    pub unix_mode: Option<u32>,
    /// Set general-purpose flag bit 11 (name is UTF-8).
    pub utf8: bool,
    /// Lie about the uncompressed size in both headers.
    pub declared_size: Option<u32>,
}

impl ZipEntry {
    pub fn file(name: &str, data: &[u8]) -> ZipEntry {
        ZipEntry {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            method: Method::Deflate,
            unix_mode: Some(0o100644),
            utf8: false,
            declared_size: None,
        }
    }
    pub fn stored(mut self) -> ZipEntry {
        self.method = Method::Stored;
        self
    }
}

/// Raw deflate of `data` (what zip method 8 stores).
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("deflate");
    enc.finish().expect("deflate")
}

/// Raw deflate of `n` zero bytes, streamed so the zeros are never all in memory. (The default
/// level: zlib-rs at level 1 only reaches a ratio of about 100 on zeros.)
pub fn deflate_zeros(n: u64) -> Vec<u8> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let chunk = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        enc.write_all(&chunk[..k]).expect("deflate");
        left -= k as u64;
    }
    enc.finish().expect("deflate")
}

/// CRC-32 of `n` zero bytes.
pub fn crc32_zeros(n: u64) -> u32 {
    let chunk = vec![0u8; 1 << 20];
    let mut crc = !0u32;
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        crc = crc32_update(crc, &chunk[..k]);
        left -= k as u64;
    }
    !crc
}

/// Where one entry's local header was written, for central records that point at it again.
#[derive(Debug, Clone, Copy)]
pub struct LocalRef {
    pub offset: u64,
    pub crc: u32,
    pub compressed: u64,
    pub uncompressed: u64,
    pub method: Method,
}

#[derive(Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    count: u64,
}

fn put16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_le_bytes());
}
fn put64(v: &mut Vec<u8>, x: u64) {
    v.extend_from_slice(&x.to_le_bytes());
}

impl ZipWriter {
    pub fn new() -> ZipWriter {
        ZipWriter::default()
    }

    /// Write the entry (local header + data) and its central record.
    pub fn add(&mut self, e: &ZipEntry) -> LocalRef {
        let payload = match e.method {
            Method::Stored => e.data.clone(),
            Method::Deflate => deflate(&e.data),
        };
        let r = self.add_raw(
            &e.name,
            &payload,
            crc32(&e.data),
            e.declared_size.map_or(e.data.len() as u64, u64::from),
            e.method,
            e.utf8,
        );
        self.central_record(&e.name, r, e.unix_mode, e.utf8);
        r
    }

    /// Write a local header and already-compressed `payload` without a central record.
    pub fn add_raw(
        &mut self,
        name: &[u8],
        payload: &[u8],
        crc: u32,
        uncompressed: u64,
        method: Method,
        utf8: bool,
    ) -> LocalRef {
        let offset = self.out.len() as u64;
        let o = &mut self.out;
        put32(o, 0x0403_4b50);
        put16(o, 20);
        put16(o, if utf8 { 1 << 11 } else { 0 });
        put16(o, method_code(method));
        put16(o, 0); // time
        put16(o, 0x21); // date: 1980-01-01
        put32(o, crc);
        put32(o, payload.len() as u32);
        put32(o, uncompressed as u32);
        put16(o, name.len() as u16);
        put16(o, 0);
        o.extend_from_slice(name);
        o.extend_from_slice(payload);
        LocalRef {
            offset,
            crc,
            compressed: payload.len() as u64,
            uncompressed,
            method,
        }
    }

    /// A central directory record for `name` pointing at a local header written earlier
    /// (several records may point at the same one: the overlapping-entry bomb).
    pub fn central_record(&mut self, name: &[u8], r: LocalRef, unix_mode: Option<u32>, utf8: bool) {
        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        put16(
            c,
            if unix_mode.is_some() {
                (3 << 8) | 20
            } else {
                20
            },
        );
        put16(c, 20);
        put16(c, if utf8 { 1 << 11 } else { 0 });
        put16(c, method_code(r.method));
        put16(c, 0);
        put16(c, 0x21);
        put32(c, r.crc);
        put32(c, r.compressed as u32);
        put32(c, r.uncompressed as u32);
        put16(c, name.len() as u16);
        put16(c, 0); // extra
        put16(c, 0); // comment
        put16(c, 0); // disk
        put16(c, 0); // internal attributes
        put32(c, unix_mode.map_or(0, |m| m << 16));
        put32(c, r.offset as u32);
        c.extend_from_slice(name);
        self.count += 1;
    }

    /// Append the central directory and end records (zip64 ones when there are more than
    /// 65,535 entries).
    pub fn finish(mut self) -> Vec<u8> {
        let cd_offset = self.out.len() as u64;
        let cd_size = self.central.len() as u64;
        self.out.extend_from_slice(&self.central);
        let o = &mut self.out;
        let zip64 = self.count > 0xfffe;
        if zip64 {
            let eocd64 = o.len() as u64;
            put32(o, 0x0606_4b50);
            put64(o, 44);
            put16(o, 45);
            put16(o, 45);
            put32(o, 0);
            put32(o, 0);
            put64(o, self.count);
            put64(o, self.count);
            put64(o, cd_size);
            put64(o, cd_offset);
            put32(o, 0x0706_4b50);
            put32(o, 0);
            put64(o, eocd64);
            put32(o, 1);
        }
        put32(o, 0x0605_4b50);
        put16(o, 0);
        put16(o, 0);
        let n = if zip64 { 0xffff } else { self.count as u16 };
        put16(o, n);
        put16(o, n);
        put32(o, cd_size as u32);
        put32(o, cd_offset as u32);
        put16(o, 0);
        self.out
    }
}

fn method_code(m: Method) -> u16 {
    match m {
        Method::Stored => 0,
        Method::Deflate => 8,
    }
}

/// A zip of the given files.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new();
    for (name, data) in files {
        w.add(&ZipEntry::file(name, data));
    }
    w.finish()
}

/// `name,sha256=<urlsafe b64>,size` RECORD line for `data`.
pub fn record_line(name: &str, data: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(data);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    format!("{name},sha256={b64},{}\n", data.len())
}

/// A small, well-formed, benign pure-Python wheel: files plus METADATA, WHEEL and a correct
/// RECORD. `extra` files are added as given (and recorded).
pub fn wheel(name: &str, version: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    wheel_with_metadata(name, version, "", extra)
}

/// [`wheel`] whose METADATA carries these extra header lines (`Requires-Dist: x\n`, ...).
pub fn wheel_with_metadata(
    name: &str,
    version: &str,
    headers: &str,
    extra: &[(&str, &[u8])],
) -> Vec<u8> {
    let dist = format!("{name}-{version}.dist-info");
    let metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{headers}\n");
    let wheel_file =
        "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n";
    let mut files: Vec<(String, Vec<u8>)> =
        vec![(format!("{name}/__init__.py"), b"VERSION = '1'\n".to_vec())];
    for (p, d) in extra {
        files.push((p.to_string(), d.to_vec()));
    }
    files.push((format!("{dist}/METADATA"), metadata.into_bytes()));
    files.push((format!("{dist}/WHEEL"), wheel_file.as_bytes().to_vec()));
    let mut record = String::new();
    for (p, d) in &files {
        record.push_str(&record_line(p, d));
    }
    record.push_str(&format!("{dist}/RECORD,,\n"));
    files.push((format!("{dist}/RECORD"), record.into_bytes()));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    zip_of(&refs)
}

// ---------------------------------------------------------------------------------------------
// Tar helpers (the `tar` crate's Builder, with raw headers where it would refuse a name).

/// A GNU header for a regular file whose name is written byte for byte (no `..` or absolute
/// path checks: hostile names are the point).
pub fn raw_header(name: &[u8], size: u64, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        let n = name.len().min(old.name.len());
        old.name[..n].copy_from_slice(&name[..n]);
    }
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(0);
    h.set_entry_type(kind);
    h.set_cksum();
    h
}

/// Set the link target of a header byte for byte, and refresh the checksum.
pub fn set_raw_link(h: &mut tar::Header, target: &[u8]) {
    let old = h.as_old_mut();
    let n = target.len().min(old.linkname.len());
    old.linkname[..n].copy_from_slice(&target[..n]);
    h.set_cksum();
}

/// A gzip-compressed tarball built by `f`.
pub fn tar_gz(f: impl FnOnce(&mut tar::Builder<flate2::write::GzEncoder<Vec<u8>>>)) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(enc);
    f(&mut b);
    b.into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
}

/// Append a regular file with a normal (safe) name.
pub fn tar_file<W: Write>(b: &mut tar::Builder<W>, name: &str, data: &[u8]) {
    let h = raw_header(name.as_bytes(), data.len() as u64, tar::EntryType::Regular);
    b.append(&h, data).expect("append tar entry");
}

/// A minimal sdist (`name-version/PKG-INFO`, `setup.py`, plus `extra` under the top folder).
pub fn sdist(name: &str, version: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let top = format!("{name}-{version}");
    tar_gz(|b| {
        let pkg_info = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n");
        tar_file(b, &format!("{top}/PKG-INFO"), pkg_info.as_bytes());
        tar_file(
            b,
            &format!("{top}/setup.py"),
            format!("from setuptools import setup\nsetup(name='{name}', version='{version}')\n")
                .as_bytes(),
        );
        for (p, d) in extra {
            tar_file(b, &format!("{top}/{p}"), d);
        }
    })
}
