//! The only HTTP code in pyvet. A `Network` exists only when the user is online: every caller
//! receives `Option<&Network>` and must handle `None` (offline) explicitly.
//!
//! What it does for every request, so callers never think about it:
//! - TLS against the platform trust store, or the PEM roots named by `SSL_CERT_FILE` /
//!   `SSL_CERT_DIR` when set (corporate interception proxies);
//! - `HTTP(S)_PROXY` / `ALL_PROXY` / `NO_PROXY` from the environment;
//! - timeouts a user can set (connect, each read, and a total deadline per download), and
//!   bounded retries with exponential backoff on 5xx, 429 and connection errors, none of which
//!   may run past a download's deadline: a stalled server costs seconds, not minutes;
//! - size caps: index responses are read up to [`NetworkOptions::max_index_size`] bytes after
//!   decoding (a gzip bomb stops there), artifacts up to [`NetworkOptions::max_artifact_size`];
//! - credentials from the URL's userinfo or from `~/.netrc` (`NETRC` overrides the path; read
//!   as pip reads it, see `crate::netrc`; its `default` entry only with `netrc_default`), sent
//!   as Basic auth only to the origin (scheme, host, port) they were given for. Redirects are
//!   followed here, by hand, so that credentials never follow a redirect to another origin;
//! - URLs are stripped of credentials before they are returned or put in an error, and every
//!   message goes through `crate::redact`.
//!
//! A non-2xx final status is returned as a `Response` (a 404 is an answer, not an error).

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;

use crate::error::Error;
pub use crate::netrc::{Credentials, Netrc};
use crate::redact::{redact_text, redact_url};

/// Where `.netrc` credentials come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NetrcSource {
    /// `NETRC` when set, else `~/.netrc` (missing file = no credentials).
    #[default]
    Auto,
    /// This file (tests, or an explicit setting).
    Path(PathBuf),
    /// Never read a netrc file.
    Disabled,
}

#[derive(Debug, Clone)]
pub struct NetworkOptions {
    /// Connection setup (TCP, TLS, proxy) must finish within this.
    pub connect_timeout: Duration,
    /// Waiting for the response headers, and each read of the body: a transfer that stalls for
    /// this long fails.
    pub read_timeout: Duration,
    /// Total time for one download, every attempt and backoff included.
    pub deadline: Duration,
    /// Largest artifact downloaded (bytes); a larger one is stopped and reported, never cached.
    pub max_artifact_size: u64,
    /// Largest index response read, after content decoding (bytes).
    pub max_index_size: u64,
    /// Extra attempts after the first for transient failures (5xx, 429, connection errors).
    pub retries: u32,
    /// Delay before the first retry; doubled for each further retry, capped at `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// Use `HTTP(S)_PROXY` / `ALL_PROXY` / `NO_PROXY` from the environment.
    pub env_proxy: bool,
    /// Use `SSL_CERT_FILE` / `SSL_CERT_DIR` from the environment as the trusted roots when set.
    pub env_ca_certs: bool,
    pub netrc: NetrcSource,
    /// Send netrc's `default` entry to hosts that have no `machine` entry (off unless the
    /// user opts in: it would reach every host a lockfile names).
    pub netrc_default: bool,
    /// Redirects followed before giving up.
    pub max_redirects: u32,
}

/// Defaults, in one place (documented in docs/configuration.md).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);
pub const DEFAULT_RETRIES: u32 = 2;
pub const DEFAULT_MAX_ARTIFACT_SIZE: u64 = 2 << 30;
pub const DEFAULT_MAX_INDEX_SIZE: u64 = 64 << 20;

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            max_artifact_size: DEFAULT_MAX_ARTIFACT_SIZE,
            max_index_size: DEFAULT_MAX_INDEX_SIZE,
            retries: DEFAULT_RETRIES,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            env_proxy: true,
            env_ca_certs: true,
            netrc: NetrcSource::Auto,
            netrc_default: false,
            max_redirects: 10,
        }
    }
}

impl NetworkOptions {
    /// Options for hermetic tests: no proxy from the environment, no netrc unless given,
    /// short timeouts and near-zero backoff.
    pub fn for_tests() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            deadline: Duration::from_secs(30),
            max_artifact_size: DEFAULT_MAX_ARTIFACT_SIZE,
            max_index_size: DEFAULT_MAX_INDEX_SIZE,
            retries: 3,
            backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(20),
            env_proxy: false,
            env_ca_certs: false,
            netrc: NetrcSource::Disabled,
            netrc_default: false,
            max_redirects: 10,
        }
    }
}

/// A response whose body has not been read yet.
pub struct Response {
    pub status: u16,
    /// URL after redirects (used to resolve relative links). Never carries credentials.
    pub final_url: String,
    pub content_type: Option<String>,
    /// `Content-Length` of the (decoded) body, when the server stated it and the body is not
    /// transfer-decoded by us (gzip).
    pub content_length: Option<u64>,
    /// The `ETag` header, for a later conditional request.
    pub etag: Option<String>,
    pub body: Box<dyn Read + Send>,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Read the whole body, refusing more than `limit` bytes.
    pub fn read_body(self, limit: u64) -> Result<Vec<u8>, Error> {
        let url = redact_url(&self.final_url);
        let mut out = Vec::new();
        let mut reader = self.body.take(limit.saturating_add(1));
        reader.read_to_end(&mut out).map_err(|e| Error::Network {
            url: url.clone(),
            message: format!(
                "reading the response failed: {}",
                redact_text(&e.to_string())
            ),
        })?;
        if out.len() as u64 > limit {
            return Err(Error::Network {
                url,
                message: format!("response larger than {limit} bytes"),
            });
        }
        Ok(out)
    }
}

impl Credentials {
    fn header_value(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

/// `(scheme, host, port)`: credentials are bound to exactly one origin.
type Origin = (String, String, u16);

fn origin_of(url: &url::Url) -> Option<Origin> {
    Some((
        url.scheme().to_string(),
        url.host_str()?.to_ascii_lowercase(),
        url.port_or_known_default()?,
    ))
}

/// Split the userinfo off a URL: the clean URL and the credentials it carried.
pub fn strip_credentials(url: &str) -> Result<(url::Url, Option<Credentials>), String> {
    let mut parsed = url::Url::parse(url).map_err(|e| format!("invalid URL: {e}"))?;
    let creds = if !parsed.username().is_empty() || parsed.password().is_some() {
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        Some(Credentials {
            username: decode(parsed.username()),
            password: decode(parsed.password().unwrap_or("")),
        })
    } else {
        None
    };
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    Ok((parsed, creds))
}

/// A URL without its userinfo, as a string (for cache keys and messages). Invalid URLs are
/// returned redacted.
pub fn clean_url(url: &str) -> String {
    match strip_credentials(url) {
        Ok((u, _)) => u.to_string(),
        Err(_) => redact_url(url),
    }
}

pub struct Network {
    agent: ureq::Agent,
    opts: NetworkOptions,
    netrc: Netrc,
    /// Credentials learnt from URLs, per origin (so a file URL on an index's host gets the
    /// index's credentials, as pip does).
    creds: Mutex<HashMap<Origin, Credentials>>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("opts", &self.opts).finish()
    }
}

impl Network {
    /// `None` when offline.
    pub fn acquire(offline: bool, opts: &NetworkOptions) -> Result<Option<Network>, Error> {
        if offline {
            return Ok(None);
        }
        let roots = if opts.env_ca_certs {
            env_roots()?
        } else {
            None
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(roots.unwrap_or(ureq::tls::RootCerts::PlatformVerifier))
            .build();
        let proxy = if opts.env_proxy {
            ureq::Proxy::try_from_env()
        } else {
            None
        };
        let config = ureq::Agent::config_builder()
            .tls_config(tls)
            .proxy(proxy)
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("pyvet/", env!("CARGO_PKG_VERSION")))
            .timeout_connect(Some(opts.connect_timeout))
            .timeout_recv_response(Some(opts.read_timeout))
            .timeout_per_read(Some(opts.read_timeout))
            .max_idle_connections_per_host(8)
            .build();
        let netrc = match &opts.netrc {
            NetrcSource::Disabled => Netrc::default(),
            NetrcSource::Path(p) => Netrc::load(p)?,
            NetrcSource::Auto => match netrc_path() {
                Some(p) => Netrc::load(&p)?,
                None => Netrc::default(),
            },
        };
        Ok(Some(Network {
            agent: ureq::Agent::new_with_config(config),
            opts: opts.clone(),
            netrc,
            creds: Mutex::new(HashMap::new()),
        }))
    }

    pub fn options(&self) -> &NetworkOptions {
        &self.opts
    }

    /// Remember the credentials in `url` (an index URL with `user:password@`) for its origin, so
    /// that later requests to file URLs on the same host carry them.
    pub fn add_credentials_from_url(&self, url: &str) {
        if let Ok((clean, Some(c))) = strip_credentials(url) {
            if let Some(o) = origin_of(&clean) {
                if let Ok(mut m) = self.creds.lock() {
                    m.insert(o, c);
                }
            }
        }
    }

    fn credentials_for(&self, origin: &Origin) -> Option<Credentials> {
        if let Some(c) = self.creds.lock().ok().and_then(|m| m.get(origin).cloned()) {
            return Some(c);
        }
        self.netrc.lookup(&origin.1, self.opts.netrc_default)
    }

    /// GET `url`, retrying transient failures. Non-2xx final statuses are returned, not errors.
    pub fn get(&self, url: &str, accept: Option<&str>) -> Result<Response, Error> {
        self.get_inner(url, accept, false, &[], None)
    }

    /// GET with `If-None-Match: etag`: a `304` status means the resource is unchanged.
    pub fn get_if_changed(
        &self,
        url: &str,
        accept: Option<&str>,
        etag: Option<&str>,
    ) -> Result<Response, Error> {
        match etag {
            Some(tag) => self.get_inner(url, accept, true, &[("If-None-Match", tag)], None),
            None => self.get_inner(url, accept, true, &[], None),
        }
    }

    /// GET an artifact: like [`Network::get`], but asks for the bytes as stored
    /// (`Accept-Encoding: identity`), since lockfile hashes are of the file itself, not of a
    /// decoded transfer (pip does the same). The whole exchange, body included, must end by
    /// `deadline`; retries that would start after it are not made.
    pub fn download(&self, url: &str, deadline: std::time::Instant) -> Result<Response, Error> {
        self.get_inner(url, None, true, &[], Some(deadline))
    }

    fn get_inner(
        &self,
        url: &str,
        accept: Option<&str>,
        identity: bool,
        extra: &[(&str, &str)],
        deadline: Option<std::time::Instant>,
    ) -> Result<Response, Error> {
        // Every request ends within the deadline, index pages included.
        let deadline =
            Some(deadline.unwrap_or_else(|| std::time::Instant::now() + self.opts.deadline));
        let (mut current, url_creds) = strip_credentials(url).map_err(|m| Error::Network {
            url: redact_url(url),
            message: m,
        })?;
        let start_origin = origin_of(&current).ok_or_else(|| Error::Network {
            url: current.to_string(),
            message: "URL has no host".into(),
        })?;
        if !matches!(current.scheme(), "http" | "https") {
            return Err(Error::Network {
                url: current.to_string(),
                message: "only http and https URLs can be fetched".into(),
            });
        }
        if let Some(c) = &url_creds {
            if let Ok(mut m) = self.creds.lock() {
                m.insert(start_origin.clone(), c.clone());
            }
        }
        let creds = url_creds.or_else(|| self.credentials_for(&start_origin));
        let mut redirects = 0u32;
        loop {
            let same_origin = origin_of(&current).as_ref() == Some(&start_origin);
            let auth = if same_origin { creds.as_ref() } else { None };
            let res = self.get_with_retries(&current, accept, auth, identity, extra, deadline)?;
            let status = res.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = res
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let Some(location) = location else {
                    return Err(Error::Network {
                        url: current.to_string(),
                        message: format!("redirect ({status}) without a Location header"),
                    });
                };
                redirects += 1;
                if redirects > self.opts.max_redirects {
                    return Err(Error::Network {
                        url: current.to_string(),
                        message: format!("more than {} redirects", self.opts.max_redirects),
                    });
                }
                let next = current.join(&location).map_err(|e| Error::Network {
                    url: current.to_string(),
                    message: format!("bad redirect location `{}`: {e}", redact_url(&location)),
                })?;
                // Credentials in a Location header are never used (nor printed).
                let (next, _) = strip_credentials(next.as_str()).map_err(|m| Error::Network {
                    url: current.to_string(),
                    message: m,
                })?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(Error::Network {
                        url: current.to_string(),
                        message: format!(
                            "redirect to a non-HTTP URL `{}`",
                            redact_url(next.as_str())
                        ),
                    });
                }
                if current.scheme() == "https" && next.scheme() == "http" {
                    return Err(Error::Network {
                        url: current.to_string(),
                        message: "refusing a redirect from https to http".into(),
                    });
                }
                current = next;
                continue;
            }
            let headers = res.headers();
            let content_type = headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let encoded = headers
                .get("content-encoding")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| !v.trim().eq_ignore_ascii_case("identity"));
            let content_length = if encoded {
                None
            } else {
                headers
                    .get("content-length")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            let etag = headers
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty() && v.len() <= 512);
            let body = res.into_body().into_reader();
            return Ok(Response {
                status,
                final_url: current.to_string(),
                content_type,
                content_length,
                etag,
                body: Box::new(body),
            });
        }
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .opts
            .backoff
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX));
        let d = exp.min(self.opts.max_backoff);
        match retry_after {
            Some(r) => r.min(self.opts.max_backoff).max(d),
            None => d,
        }
    }

    /// One hop (no redirect following), with retries on transient failures.
    fn get_with_retries(
        &self,
        url: &url::Url,
        accept: Option<&str>,
        auth: Option<&Credentials>,
        identity: bool,
        extra: &[(&str, &str)],
        deadline: Option<std::time::Instant>,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let mut attempt = 0u32;
        let past_deadline = || Error::Network {
            url: url.to_string(),
            message: format!(
                "no answer within the download deadline of {} s",
                self.opts.deadline.as_secs_f64()
            ),
        };
        // Whether sleeping `d` before another attempt still leaves time for it.
        let time_for = |d: Duration| deadline.is_none_or(|end| std::time::Instant::now() + d < end);
        loop {
            let mut req = self.agent.get(url.as_str());
            if let Some(end) = deadline {
                let left = end.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(past_deadline());
                }
                req = req.config().timeout_global(Some(left)).build();
            }
            for (k, v) in extra {
                req = req.header(*k, *v);
            }
            if let Some(a) = accept {
                req = req.header("Accept", a);
            }
            if let Some(c) = auth {
                req = req.header("Authorization", c.header_value());
            }
            if identity {
                req = req.header("Accept-Encoding", "identity");
            }
            match req.call() {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let transient = status == 429 || (500..600).contains(&status);
                    let retry_after = res
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    let wait = self.backoff(attempt, retry_after);
                    if transient && attempt < self.opts.retries && time_for(wait) {
                        drop(res);
                        std::thread::sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    return Ok(res);
                }
                Err(e) => {
                    let wait = self.backoff(attempt, None);
                    if is_transient(&e) && attempt < self.opts.retries && time_for(wait) {
                        std::thread::sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    let tries = if attempt > 0 {
                        format!(" (after {} attempts)", attempt + 1)
                    } else {
                        String::new()
                    };
                    return Err(Error::Network {
                        url: url.to_string(),
                        message: format!("{}{tries}", redact_text(&describe(&e))),
                    });
                }
            }
        }
    }
}

fn is_transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
    )
}

fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Tls(m) => format!("TLS error: {m}"),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::ConnectionFailed => "connection failed".into(),
        other => other.to_string(),
    }
}

/// Roots from `SSL_CERT_FILE` / `SSL_CERT_DIR`, when either is set.
fn env_roots() -> Result<Option<ureq::tls::RootCerts>, Error> {
    let file = std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty());
    let dir = std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty());
    roots_from(file.map(PathBuf::from), dir.as_deref())
}

/// PEM certificates from a file (must be readable) and a path-list of directories (files that
/// are not certificates are skipped). `None` when neither is given; an error when they hold no
/// certificate at all (silently trusting nothing would make every request fail obscurely).
fn roots_from(
    file: Option<PathBuf>,
    dirs: Option<&std::ffi::OsStr>,
) -> Result<Option<ureq::tls::RootCerts>, Error> {
    if file.is_none() && dirs.is_none() {
        return Ok(None);
    }
    let mut certs = Vec::new();
    let mut looked_at: Vec<String> = Vec::new();
    if let Some(f) = file {
        let data = std::fs::read(&f)
            .map_err(|e| Error::io(format!("reading SSL_CERT_FILE {}", f.display()), e))?;
        certs.extend(pem_certificates(&data));
        looked_at.push(f.display().to_string());
    }
    if let Some(dirs) = dirs {
        for d in std::env::split_paths(dirs) {
            let entries = std::fs::read_dir(&d)
                .map_err(|e| Error::io(format!("reading SSL_CERT_DIR {}", d.display()), e))?;
            let mut files: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            files.sort();
            for p in files.iter().filter(|p| p.is_file()) {
                if let Ok(data) = std::fs::read(p) {
                    certs.extend(pem_certificates(&data));
                }
            }
            looked_at.push(d.display().to_string());
        }
    }
    if certs.is_empty() {
        return Err(Error::Other(format!(
            "SSL_CERT_FILE / SSL_CERT_DIR hold no PEM certificate ({})",
            looked_at.join(", ")
        )));
    }
    Ok(Some(ureq::tls::RootCerts::new_with_certs(&certs)))
}

fn pem_certificates(data: &[u8]) -> Vec<ureq::tls::Certificate<'static>> {
    ureq::tls::parse_pem(data)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect()
}

/// `NETRC`, else `~/.netrc` (`~/_netrc` on Windows when that is what exists).
fn netrc_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETRC").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = dirs::home_dir()?;
    let unix = home.join(".netrc");
    if cfg!(windows) && !unix.exists() {
        return Some(home.join("_netrc"));
    }
    Some(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_decodes_userinfo() {
        let (u, c) =
            strip_credentials("https://us%40er:p%3Aw+d@example.invalid:8443/simple/").unwrap();
        assert_eq!(u.as_str(), "https://example.invalid:8443/simple/");
        let c = c.unwrap();
        assert_eq!(c.username, "us@er");
        assert_eq!(c.password, "p:w+d");
        assert!(!format!("{c:?}").contains("p:w"));
        let (_, none) = strip_credentials("https://example.invalid/").unwrap();
        assert!(none.is_none());
        assert!(strip_credentials("not a url").is_err());
        assert_eq!(
            clean_url("https://a:b@example.invalid/x"),
            "https://example.invalid/x"
        );
    }

    #[test]
    fn ca_roots_from_files_and_directories() {
        use base64::Engine as _;
        let dir = std::env::temp_dir().join(format!("pyvet-roots-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("certs")).unwrap();
        let b64 =
            base64::engine::general_purpose::STANDARD.encode([0x30u8, 0x03, 0x02, 0x01, 0x01]);
        let pem = format!("-----BEGIN CERTIFICATE-----\n{b64}\n-----END CERTIFICATE-----\n");
        std::fs::write(dir.join("ca.pem"), &pem).unwrap();
        std::fs::write(dir.join("empty.pem"), "no certificate here").unwrap();
        std::fs::write(dir.join("certs/a.pem"), &pem).unwrap();
        std::fs::write(dir.join("certs/readme"), "not a cert").unwrap();
        assert!(roots_from(None, None).unwrap().is_none());
        match roots_from(Some(dir.join("ca.pem")), None).unwrap() {
            Some(ureq::tls::RootCerts::Specific(c)) => assert_eq!(c.len(), 1),
            other => panic!("{other:?}"),
        }
        let certs_dir = dir.join("certs");
        match roots_from(None, Some(certs_dir.as_os_str())).unwrap() {
            Some(ureq::tls::RootCerts::Specific(c)) => assert_eq!(c.len(), 1),
            other => panic!("{other:?}"),
        }
        let e = roots_from(Some(dir.join("empty.pem")), None).unwrap_err();
        assert!(e.to_string().contains("empty.pem"), "{e}");
        assert!(roots_from(Some(dir.join("missing.pem")), None).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let opts = NetworkOptions {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            env_proxy: false,
            env_ca_certs: false,
            netrc: NetrcSource::Disabled,
            ..NetworkOptions::default()
        };
        let net = Network::acquire(false, &opts).unwrap().unwrap();
        assert_eq!(net.backoff(0, None), Duration::from_millis(100));
        assert_eq!(net.backoff(1, None), Duration::from_millis(200));
        assert_eq!(net.backoff(2, None), Duration::from_millis(350));
        assert_eq!(net.backoff(40, None), Duration::from_millis(350));
        assert_eq!(
            net.backoff(0, Some(Duration::from_secs(60))),
            Duration::from_millis(350)
        );
        assert!(Network::acquire(true, &opts).unwrap().is_none());
    }
}
