//! A loopback HTTP/1.1 package index for hermetic tests (std only: a `TcpListener` on
//! 127.0.0.1:0 and one thread per connection), with fault injection and a request log, plus
//! helpers that render PEP 691 JSON, PEP 503 HTML and project-metadata JSON for fixture projects.
//!
//! Use it from a test file with `mod support;`. The server stops when dropped; every loop in it
//! is bounded (accept polling stops on shutdown, connections time out and close after one
//! response).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How a route misbehaves.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    /// Answer the first N requests with 500, then serve normally.
    FailFirst(u32),
    /// Always answer with this status and an empty body (404, 410, 403...).
    Status(u16),
    /// Redirect (302) to this absolute URL or path.
    Redirect(String),
    /// Declare the full Content-Length but send only this many bytes, then close. Applies to the
    /// first N requests (`u32::MAX` for always).
    Truncate {
        send: usize,
        times: u32,
    },
    /// Wait this long before sending the response headers.
    Slow(Duration),
    /// Require this exact Authorization header value; otherwise 401.
    RequireAuth(String),
    /// Write these raw bytes instead of an HTTP response, then close (protocol garbage).
    Raw(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct Route {
    pub body: Vec<u8>,
    pub content_type: String,
    pub fault: Fault,
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
}

impl LoggedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Route>>,
    hits: Mutex<HashMap<String, u32>>,
    log: Mutex<Vec<LoggedRequest>>,
}

pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State::default());
        let shutdown = Arc::new(AtomicBool::new(false));
        let (st, sd) = (state.clone(), shutdown.clone());
        let accept = std::thread::spawn(move || {
            while !sd.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let st = st.clone();
                        let sd = sd.clone();
                        std::thread::spawn(move || handle(stream, &st, &sd));
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        TestServer {
            addr,
            state,
            shutdown,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `base()` + `path` (path starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base(), path)
    }

    /// `http://user:pass@127.0.0.1:PORT` + path.
    pub fn url_with_userinfo(&self, userinfo: &str, path: &str) -> String {
        format!("http://{userinfo}@{}{}", self.addr, path)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn add(&self, path: &str, body: impl Into<Vec<u8>>, content_type: &str) {
        self.add_route(
            path,
            Route {
                body: body.into(),
                content_type: content_type.to_string(),
                fault: Fault::None,
            },
        );
    }

    pub fn add_with_fault(&self, path: &str, body: impl Into<Vec<u8>>, fault: Fault) {
        self.add_route(
            path,
            Route {
                body: body.into(),
                content_type: "application/octet-stream".into(),
                fault,
            },
        );
    }

    pub fn add_route(&self, path: &str, route: Route) {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(path.to_string(), route);
    }

    pub fn set_fault(&self, path: &str, fault: Fault) {
        if let Some(r) = self.state.routes.lock().unwrap().get_mut(path) {
            r.fault = fault;
        }
        self.state.hits.lock().unwrap().remove(path);
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state.log.lock().unwrap().clone()
    }

    /// Requests for `path`.
    pub fn requests_for(&self, path: &str) -> Vec<LoggedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn hits(&self, path: &str) -> u32 {
        self.requests_for(path).len() as u32
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn handle(stream: TcpStream, state: &State, shutdown: &AtomicBool) {
    // Accepted sockets inherit the listener's non-blocking mode on some platforms.
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    // Request line and headers, bounded.
    let mut lines = Vec::new();
    let mut total = 0usize;
    loop {
        let mut line = String::new();
        match (&mut reader).take(8192).read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(n) => total += n,
        }
        if total > 64 * 1024 || lines.len() > 200 {
            return;
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let Some(request_line) = lines.first() else {
        return;
    };
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let path = target.split('?').next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines[1..]
        .iter()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let logged = LoggedRequest {
        method,
        path: path.clone(),
        headers,
    };
    state.log.lock().unwrap().push(logged.clone());
    let hit = {
        let mut hits = state.hits.lock().unwrap();
        let h = hits.entry(path.clone()).or_insert(0);
        *h += 1;
        *h
    };
    let route = state.routes.lock().unwrap().get(&path).cloned();
    let Some(route) = route else {
        let _ = respond(&mut stream, 404, "text/plain", b"not found", &[], None);
        return;
    };
    match &route.fault {
        Fault::None => {}
        Fault::FailFirst(n) if hit <= *n => {
            let _ = respond(&mut stream, 500, "text/plain", b"boom", &[], None);
            return;
        }
        Fault::FailFirst(_) => {}
        Fault::Status(code) => {
            let _ = respond(&mut stream, *code, "text/plain", b"", &[], None);
            return;
        }
        Fault::Redirect(to) => {
            let _ = respond(
                &mut stream,
                302,
                "text/plain",
                b"",
                &[("Location", to)],
                None,
            );
            return;
        }
        Fault::Truncate { send, times } if hit <= *times => {
            let _ = respond(
                &mut stream,
                200,
                &route.content_type,
                &route.body,
                &[],
                Some(*send),
            );
            return;
        }
        Fault::Truncate { .. } => {}
        Fault::Slow(d) => {
            // Sleep in small steps so a dropped server does not wait the whole delay.
            let mut left = *d;
            while left > Duration::ZERO && !shutdown.load(Ordering::SeqCst) {
                let step = left.min(Duration::from_millis(10));
                std::thread::sleep(step);
                left -= step;
            }
        }
        Fault::Raw(bytes) => {
            let _ = stream.write_all(bytes);
            let _ = stream.flush();
            let _ = stream.shutdown(std::net::Shutdown::Both);
            return;
        }
        Fault::RequireAuth(expected) => {
            if logged.header("authorization") != Some(expected.as_str()) {
                let _ = respond(
                    &mut stream,
                    401,
                    "text/plain",
                    b"unauthorized",
                    &[("WWW-Authenticate", "Basic realm=\"test\"")],
                    None,
                );
                return;
            }
        }
    }
    let _ = respond(
        &mut stream,
        200,
        &route.content_type,
        &route.body,
        &[],
        None,
    );
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
    truncate_to: Option<usize>,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        401 => "Unauthorized",
        404 => "Not Found",
        410 => "Gone",
        500 => "Internal Server Error",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    let send = truncate_to.unwrap_or(body.len()).min(body.len());
    stream.write_all(&body[..send])?;
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(())
}

/// sha256 hex of bytes (for fixtures).
pub fn sha256(data: &[u8]) -> String {
    pyvet::hash::sha256_hex(data)
}

/// A file of a fixture project, rendered into the index pages below.
#[derive(Debug, Clone, Default)]
pub struct FixtureFile {
    pub filename: String,
    /// As written into the page (relative or absolute).
    pub href: String,
    pub sha256: Option<String>,
    /// `None`: not yanked; `Some(None)`: yanked without reason; `Some(Some(r))`: with reason.
    pub yanked: Option<Option<String>>,
    pub requires_python: Option<String>,
    pub upload_time: Option<String>,
    pub size: Option<u64>,
    /// `None`: key absent; `Some(None)`: `null`; `Some(Some(url))`.
    pub provenance: Option<Option<String>>,
}

impl FixtureFile {
    pub fn new(filename: &str, href: &str, data: &[u8]) -> Self {
        Self {
            filename: filename.into(),
            href: href.into(),
            sha256: Some(sha256(data)),
            size: Some(data.len() as u64),
            ..Self::default()
        }
    }
}

/// PEP 691 JSON page.
pub fn simple_json(name: &str, versions: &[&str], files: &[FixtureFile]) -> String {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let mut o = serde_json::Map::new();
            o.insert("filename".into(), f.filename.clone().into());
            o.insert("url".into(), f.href.clone().into());
            let mut hashes = serde_json::Map::new();
            if let Some(s) = &f.sha256 {
                hashes.insert("sha256".into(), s.clone().into());
            }
            o.insert("hashes".into(), hashes.into());
            if let Some(rp) = &f.requires_python {
                o.insert("requires-python".into(), rp.clone().into());
            }
            match &f.yanked {
                None => {
                    o.insert("yanked".into(), false.into());
                }
                Some(None) => {
                    o.insert("yanked".into(), true.into());
                }
                Some(Some(r)) => {
                    o.insert("yanked".into(), r.clone().into());
                }
            }
            if let Some(t) = &f.upload_time {
                o.insert("upload-time".into(), t.clone().into());
            }
            if let Some(s) = f.size {
                o.insert("size".into(), s.into());
            }
            match &f.provenance {
                None => {}
                Some(None) => {
                    o.insert("provenance".into(), serde_json::Value::Null);
                }
                Some(Some(u)) => {
                    o.insert("provenance".into(), u.clone().into());
                }
            }
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::json!({
        "meta": {"api-version": "1.1"},
        "name": name,
        "versions": versions,
        "files": files,
    })
    .to_string()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// PEP 503 HTML page (sha256 as a URL fragment, PEP 592 / 503 data attributes).
pub fn simple_html(name: &str, files: &[FixtureFile]) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"1.0\">\n    <title>Links for {name}</title>\n  </head>\n  <body>\n    <h1>Links for {name}</h1>\n"
    );
    for f in files {
        let mut href = f.href.clone();
        if let Some(s) = &f.sha256 {
            href.push_str(&format!("#sha256={s}"));
        }
        let mut attrs = format!("href=\"{}\"", html_escape(&href));
        if let Some(rp) = &f.requires_python {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", html_escape(rp)));
        }
        match &f.yanked {
            None => {}
            Some(None) => attrs.push_str(" data-yanked"),
            Some(Some(r)) => attrs.push_str(&format!(" data-yanked=\"{}\"", html_escape(r))),
        }
        out.push_str(&format!(
            "    <a {attrs}>{}</a><br/>\n",
            html_escape(&f.filename)
        ));
    }
    out.push_str("  </body>\n</html>\n");
    out
}

/// Project metadata JSON (`/pypi/<name>/json` style): info, ownership and releases.
pub fn metadata_json(
    name: &str,
    author: &str,
    project_urls: &[(&str, &str)],
    ownership: Option<(&str, &[(&str, &str)])>,
    releases: &[(&str, &[FixtureFile])],
) -> String {
    let urls: serde_json::Map<String, serde_json::Value> = project_urls
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    let rel: serde_json::Map<String, serde_json::Value> = releases
        .iter()
        .map(|(v, files)| {
            let files: Vec<serde_json::Value> = files
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "filename": f.filename,
                        "url": f.href,
                        "digests": {"sha256": f.sha256},
                        "upload_time_iso_8601": f.upload_time,
                        "yanked": f.yanked.is_some(),
                        "yanked_reason": f.yanked.clone().flatten(),
                        "size": f.size,
                        "requires_python": f.requires_python,
                    })
                })
                .collect();
            (v.to_string(), serde_json::Value::from(files))
        })
        .collect();
    let mut doc = serde_json::json!({
        "info": {
            "name": name,
            "author": author,
            "author_email": format!("{author}@example.invalid"),
            "home_page": "https://example.invalid/home",
            "project_urls": urls,
            "summary": "a fixture project",
        },
        "releases": rel,
    });
    if let Some((org, roles)) = ownership {
        let roles: Vec<serde_json::Value> = roles
            .iter()
            .map(|(u, r)| serde_json::json!({"user": u, "role": r}))
            .collect();
        doc["ownership"] = serde_json::json!({"organization": org, "roles": roles});
    }
    doc.to_string()
}

/// A fresh empty directory under the system temp dir (removed when the guard drops).
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::AtomicU64;
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "pyvet-test-{tag}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Deterministic pseudo-random bytes (xorshift), so tests need no RNG crate.
pub fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}
