//! The loopback package index and file server every network test uses (std only: a
//! `TcpListener` on 127.0.0.1:0 and one thread per connection), with fault injection, a request
//! log and a count of body bytes sent.
//!
//! The server stops when dropped; every loop in it is bounded (accept polling stops on shutdown,
//! connections time out and close after one response, a paused body resumes on shutdown).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
    /// Send the body `chunk` bytes at a time with a pause after each (a slow download).
    Throttle {
        chunk: usize,
        delay: Duration,
    },
    /// Send the first `bytes` of the body, then hold the connection until
    /// [`TestServer::resume`] (or shutdown): a download that is exactly part-way through.
    PauseAfter(usize),
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
    /// Body bytes written, all connections together.
    sent: AtomicU64,
    /// Connections currently held by [`Fault::PauseAfter`].
    paused: AtomicUsize,
    resume: AtomicBool,
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

    /// Body bytes sent so far, every connection together.
    pub fn bytes_sent(&self) -> u64 {
        self.state.sent.load(Ordering::SeqCst)
    }

    /// How many connections a [`Fault::PauseAfter`] route is holding right now.
    pub fn paused(&self) -> usize {
        self.state.paused.load(Ordering::SeqCst)
    }

    /// Let every paused body (and any later one) go on.
    pub fn resume(&self) {
        self.state.resume.store(true, Ordering::SeqCst);
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
    // A truncated body is the normal response cut short.
    let mut truncate_to = None;
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
        Fault::Truncate { send, times } if hit <= *times => truncate_to = Some(*send),
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
        Fault::Throttle { chunk, delay } => {
            let _ = respond_paced(&mut stream, &route, state, *chunk, |_| {
                std::thread::sleep(*delay);
                !shutdown.load(Ordering::SeqCst)
            });
            return;
        }
        Fault::PauseAfter(bytes) => {
            let held = &state.paused;
            let _ = respond_paced(&mut stream, &route, state, *bytes, |_| {
                held.fetch_add(1, Ordering::SeqCst);
                while !state.resume.load(Ordering::SeqCst) && !shutdown.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                held.fetch_sub(1, Ordering::SeqCst);
                !shutdown.load(Ordering::SeqCst)
            });
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
        truncate_to,
    );
    let sent = truncate_to
        .unwrap_or(route.body.len())
        .min(route.body.len());
    state.sent.fetch_add(sent as u64, Ordering::SeqCst);
}

/// A 200 response whose body goes out `chunk` bytes at a time, calling `between` after each
/// piece but the last; it returns false to stop sending.
fn respond_paced(
    stream: &mut TcpStream,
    route: &Route,
    state: &State,
    chunk: usize,
    mut between: impl FnMut(usize) -> bool,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        route.content_type,
        route.body.len()
    );
    stream.write_all(head.as_bytes())?;
    let pieces: Vec<&[u8]> = route.body.chunks(chunk.max(1)).collect();
    for (i, piece) in pieces.iter().enumerate() {
        stream.write_all(piece)?;
        stream.flush()?;
        state.sent.fetch_add(piece.len() as u64, Ordering::SeqCst);
        if i + 1 < pieces.len() && !between(i) {
            return Ok(());
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    Ok(())
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
