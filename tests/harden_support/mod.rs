//! Shared helpers for the hardening tests (hostile inputs, cache robustness, regressions):
//! temporary directories that clean up after themselves, a sandbox that runs the `pyvet` binary
//! with its cache, home and working directory inside one temp dir, a watchdog that bounds how
//! long a child may run, and small writers for hostile zip and tar archives.
//!
//! The zip writer is deliberately minimal and test-only: it writes exactly the bytes a test asks
//! for (raw names, lying sizes, shared local headers), which no real zip library would do.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A directory under the system temp dir, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("pyvet-{label}-{}-{n}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// What a bounded child run produced.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }
}

/// Run `cmd` to completion, killing it (and failing the test) if it takes longer than `limit`.
/// A bound against hangs, not a speed goal: limits are generous.
pub fn run_bounded(mut cmd: Command, limit: Duration) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn child");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = t_err.join().unwrap_or_default();
            panic!(
                "child ran longer than {limit:?} and was killed: {cmd:?}\nstderr:\n{}",
                tail(&String::from_utf8_lossy(&stderr), 4000)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    Run {
        status,
        stdout,
        stderr,
        elapsed,
    }
}

/// The last `n` bytes of `s` (on a char boundary), for readable failure messages.
pub fn tail(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut i = s.len() - n;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    &s[i..]
}

/// A temp root holding the inputs (`in/`), the child's working directory (`cwd/`), its home
/// (`home/`) and its cache (`cache/`), so a test can check pyvet wrote nowhere else.
pub struct Sandbox {
    pub root: TempDir,
}

impl Sandbox {
    pub fn new(label: &str) -> Sandbox {
        let root = TempDir::new(label);
        for d in ["in", "cwd", "home", "cache"] {
            std::fs::create_dir_all(root.path().join(d)).expect("create sandbox dir");
        }
        Sandbox { root }
    }

    pub fn input_dir(&self) -> PathBuf {
        self.root.path().join("in")
    }
    pub fn cwd(&self) -> PathBuf {
        self.root.path().join("cwd")
    }
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }
    pub fn cache(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    /// Write an input file and return its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.input_dir().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("create input parent");
        }
        std::fs::write(&p, bytes).expect("write input");
        p
    }

    /// A `pyvet` command confined to the sandbox: its cache, home, config and working
    /// directory are here, no index or offline setting leaks in from the environment.
    pub fn pyvet(&self) -> Command {
        let cmd = Command::new(env!("CARGO_BIN_EXE_pyvet"));
        self.confine(cmd)
    }

    /// [`Sandbox::pyvet`] with its address space capped at `kib` KiB (`ulimit -v`), for inputs
    /// that could make a buggy pyvet allocate without bound on a shared machine.
    pub fn pyvet_capped(&self, kib: u64) -> Command {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -v {kib} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_pyvet"));
        self.confine(cmd)
    }

    fn confine(&self, mut cmd: Command) -> Command {
        cmd.current_dir(self.cwd())
            .arg("--cache-dir")
            .arg(self.cache())
            .arg("--color")
            .arg("never")
            .env("HOME", self.home())
            .env("XDG_CACHE_HOME", self.home().join(".cache"))
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            .env("XDG_DATA_HOME", self.home().join(".local/share"))
            .env("PIP_CONFIG_FILE", "/dev/null")
            .env("NO_COLOR", "1")
            .env("NO_PROXY", "127.0.0.1,localhost");
        for var in [
            "PYVET_CACHE_DIR",
            "PYVET_INDEX_URL",
            "PYVET_OFFLINE",
            "PYVET_OSV_URL",
            "PIP_INDEX_URL",
            "PIP_EXTRA_INDEX_URL",
            "UV_INDEX_URL",
            "UV_DEFAULT_INDEX",
            "UV_INDEX",
            "UV_EXTRA_INDEX_URL",
            "RAYON_NUM_THREADS",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// Assert pyvet wrote nothing outside the cache: the working directory and home are still
    /// empty, and the cache holds no half-written (temporary) file.
    pub fn assert_clean(&self) {
        let cwd = list_files(&self.cwd());
        assert!(
            cwd.is_empty(),
            "pyvet wrote into its working directory: {cwd:?}"
        );
        let home = list_files(&self.home());
        assert!(home.is_empty(), "pyvet wrote into HOME: {home:?}");
        let half: Vec<PathBuf> = list_files(&self.cache())
            .into_iter()
            .filter(|p| is_temporary(p))
            .collect();
        assert!(
            half.is_empty(),
            "half-written files left in the cache: {half:?}"
        );
    }
}

/// Whether a cache file name looks like a write in progress (see `fsutil::temp_path`).
pub fn is_temporary(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(".tmp") || name.ends_with(".part") || name.ends_with(".partial")
}

/// Every file (not directory) under `dir`, recursively; symlinks are listed, not followed.
pub fn list_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                _ => out.push(p),
            }
        }
    }
    out.sort();
    out
}

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

// ---------------------------------------------------------------------------------------------
// A loopback file server that can drip a body slowly (to kill a client mid-download).

/// One served file: the bytes and how fast they go out.
#[derive(Clone)]
pub struct SlowFile {
    pub data: std::sync::Arc<Vec<u8>>,
    /// Bytes written per step...
    pub chunk: usize,
    /// ...and the pause after each step.
    pub delay: Duration,
}

/// A std-only HTTP/1.1 server on 127.0.0.1:0 serving fixed files, one thread per connection.
/// Every loop is bounded: accept polls a shutdown flag, reads time out, and a body is at most
/// `len / chunk` steps. Stops when dropped.
pub struct SlowServer {
    addr: std::net::SocketAddr,
    shutdown: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Body bytes written so far, all connections together.
    sent: std::sync::Arc<AtomicU64>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl SlowServer {
    pub fn start(files: Vec<(String, SlowFile)>) -> SlowServer {
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let shutdown = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let files: Arc<std::collections::HashMap<String, SlowFile>> =
            Arc::new(files.into_iter().collect());
        let (sd, st) = (shutdown.clone(), sent.clone());
        let accept = std::thread::spawn(move || {
            while !sd.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (files, sd, st) = (files.clone(), sd.clone(), st.clone());
                        std::thread::spawn(move || serve(stream, &files, &sd, &st));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SlowServer {
            addr,
            shutdown,
            sent,
            accept: Some(accept),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    mut stream: std::net::TcpStream,
    files: &std::collections::HashMap<String, SlowFile>,
    shutdown: &std::sync::atomic::AtomicBool,
    sent: &AtomicU64,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    // Read the request head (bounded).
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let Some(file) = files.get(&path) else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    let header = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        file.data.len()
    );
    if stream.write_all(header.as_bytes()).is_err() {
        return;
    }
    for piece in file.data.chunks(file.chunk.max(1)) {
        if shutdown.load(Ordering::SeqCst) || stream.write_all(piece).is_err() {
            return;
        }
        sent.fetch_add(piece.len() as u64, Ordering::SeqCst);
        std::thread::sleep(file.delay);
    }
    let _ = stream.flush();
}

/// Bytes from a fixed xorshift sequence: incompressible, reproducible.
pub fn pseudo_random(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 24) as u8
        })
        .collect()
}

/// sha256 hex of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(data))
}

/// Every artifact file in a cache must hash to its name (`artifacts/sha256/ab/cdef...`, or a
/// file named by its full sha256). Returns the number of artifacts checked.
pub fn assert_cache_consistent(cache: &Path) -> usize {
    let mut checked = 0;
    for p in list_files(cache) {
        let rel = p.strip_prefix(cache).unwrap_or(&p);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.first().is_none_or(|c| c != "artifacts") {
            continue;
        }
        let n = parts.len();
        let name = if n >= 2 && parts[n - 2].len() == 2 && parts[n - 1].len() == 62 {
            format!("{}{}", parts[n - 2], parts[n - 1])
        } else {
            parts[n - 1].clone()
        };
        assert!(
            name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit()),
            "unexpected file among cached artifacts: {}",
            p.display()
        );
        let data = std::fs::read(&p).expect("read cached artifact");
        assert_eq!(
            sha256_hex(&data),
            name.to_ascii_lowercase(),
            "corrupt cache entry {}",
            p.display()
        );
        checked += 1;
    }
    checked
}
