//! The HTTP layer against the loopback index: redirects, credentials (URL userinfo and netrc)
//! sent only to their origin, never leaked into errors, timeouts and offline mode.

mod support;

use std::io::Read;
use std::time::Duration;

use pyvet::network::{NetrcSource, Network, NetworkOptions};
use support::{Fault, TestServer};

fn basic(user: &str, pass: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

fn net_with(opts: NetworkOptions) -> Network {
    Network::acquire(false, &opts).unwrap().unwrap()
}

fn body(r: pyvet::network::Response) -> Vec<u8> {
    let mut out = Vec::new();
    let mut b = r.body;
    b.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn offline_has_no_network() {
    assert!(Network::acquire(true, &NetworkOptions::default())
        .unwrap()
        .is_none());
}

#[test]
fn not_found_is_a_response_not_an_error() {
    let server = TestServer::start();
    let net = net_with(NetworkOptions::for_tests());
    let r = net.get(&server.url("/nothing/here"), None).unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(server.hits("/nothing/here"), 1);
}

#[test]
fn accept_header_is_sent() {
    let server = TestServer::start();
    server.add("/simple/a/", "{}", "application/vnd.pypi.simple.v1+json");
    let net = net_with(NetworkOptions::for_tests());
    let r = net
        .get(
            &server.url("/simple/a/"),
            Some("application/vnd.pypi.simple.v1+json"),
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/vnd.pypi.simple.v1+json")
    );
    assert_eq!(
        server.requests_for("/simple/a/")[0].header("accept"),
        Some("application/vnd.pypi.simple.v1+json")
    );
}

#[test]
fn same_host_redirect_is_followed_with_credentials() {
    let server = TestServer::start();
    server.add(
        "/new/file.tar.gz",
        b"payload".to_vec(),
        "application/octet-stream",
    );
    server.add_with_fault(
        "/old/file.tar.gz",
        b"".to_vec(),
        Fault::Redirect("/new/file.tar.gz".into()),
    );
    let net = net_with(NetworkOptions::for_tests());
    let r = net
        .get(
            &server.url_with_userinfo("alice:s3cret", "/old/file.tar.gz"),
            None,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.final_url, server.url("/new/file.tar.gz"));
    assert_eq!(body(r), b"payload");
    let auth = basic("alice", "s3cret");
    assert_eq!(
        server.requests_for("/old/file.tar.gz")[0].header("authorization"),
        Some(auth.as_str())
    );
    assert_eq!(
        server.requests_for("/new/file.tar.gz")[0].header("authorization"),
        Some(auth.as_str())
    );
}

#[test]
fn userinfo_credentials_do_not_follow_a_redirect_to_another_host() {
    let index = TestServer::start();
    let other = TestServer::start();
    other.add(
        "/file.tar.gz",
        b"elsewhere".to_vec(),
        "application/octet-stream",
    );
    index.add_with_fault(
        "/file.tar.gz",
        b"".to_vec(),
        Fault::Redirect(other.url("/file.tar.gz")),
    );
    let net = net_with(NetworkOptions::for_tests());
    let r = net
        .get(
            &index.url_with_userinfo("alice:s3cret", "/file.tar.gz"),
            None,
        )
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(r), b"elsewhere");
    assert_eq!(
        index.requests_for("/file.tar.gz")[0].header("authorization"),
        Some(basic("alice", "s3cret").as_str())
    );
    let leaked = other.requests_for("/file.tar.gz");
    assert_eq!(leaked.len(), 1);
    assert_eq!(
        leaked[0].header("authorization"),
        None,
        "credentials followed the redirect"
    );
}

#[test]
fn netrc_credentials_go_to_their_host_only() {
    let index = TestServer::start();
    let other = TestServer::start();
    let dir = support::tempdir();
    let netrc = dir.path().join("netrc");
    std::fs::write(
        &netrc,
        "machine 127.0.0.1\n  login bob\n  password hunter2\n",
    )
    .unwrap();
    index.add_with_fault(
        "/simple/p/",
        b"ok".to_vec(),
        Fault::RequireAuth(basic("bob", "hunter2")),
    );
    index.add_with_fault(
        "/jump",
        b"".to_vec(),
        Fault::Redirect(other.url("/landing")),
    );
    other.add("/landing", b"landed".to_vec(), "text/plain");
    let mut opts = NetworkOptions::for_tests();
    opts.netrc = NetrcSource::Path(netrc);
    let net = net_with(opts);
    let r = net.get(&index.url("/simple/p/"), None).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(r), b"ok");
    // Another origin (same address, another port): the credentials stay behind.
    let r = net.get(&index.url("/jump"), None).unwrap();
    assert_eq!(body(r), b"landed");
    assert_eq!(
        other.requests_for("/landing")[0].header("authorization"),
        None
    );
}

#[test]
fn netrc_default_entry_is_sent_only_when_opted_in() {
    let index = TestServer::start();
    let dir = support::tempdir();
    let netrc = dir.path().join("netrc");
    // An entry for another host, and a default with a quoted password holding a space.
    std::fs::write(
        &netrc,
        "machine other.invalid login x password y\ndefault login anon password \"s3 cret\"\n",
    )
    .unwrap();
    index.add_with_fault(
        "/simple/p/",
        b"ok".to_vec(),
        Fault::RequireAuth(basic("anon", "s3 cret")),
    );
    let mut opts = NetworkOptions::for_tests();
    opts.netrc = NetrcSource::Path(netrc);
    let net = net_with(opts.clone());
    let r = net.get(&index.url("/simple/p/"), None).unwrap();
    assert_eq!(r.status, 401, "the default entry is not sent unasked");
    assert_eq!(
        index.requests_for("/simple/p/")[0].header("authorization"),
        None
    );
    opts.netrc_default = true;
    let net = net_with(opts);
    let r = net.get(&index.url("/simple/p/"), None).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(r), b"ok");
}

#[test]
fn learnt_credentials_apply_to_files_on_the_index_origin() {
    let server = TestServer::start();
    server.add_with_fault(
        "/files/f.whl",
        b"wheel".to_vec(),
        Fault::RequireAuth(basic("u", "p")),
    );
    let net = net_with(NetworkOptions::for_tests());
    // Without credentials: 401.
    assert_eq!(
        net.get(&server.url("/files/f.whl"), None).unwrap().status,
        401
    );
    net.add_credentials_from_url(&server.url_with_userinfo("u:p", "/simple/"));
    let r = net.get(&server.url("/files/f.whl"), None).unwrap();
    assert_eq!(r.status, 200);
}

#[test]
fn credentials_never_appear_in_errors() {
    // A port that nothing listens on: bind, note the port, drop.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut opts = NetworkOptions::for_tests();
    opts.retries = 1;
    let net = net_with(opts);
    let url = format!("http://alice:topsecret@127.0.0.1:{port}/simple/x/");
    let err = net.get(&url, None).err().expect("connection refused");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("topsecret"), "{text}");
    assert!(!text.contains("alice"), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");

    // The final URL of a successful request carries no credentials either.
    let server = TestServer::start();
    server.add("/x", "x", "text/plain");
    let r = net
        .get(&server.url_with_userinfo("alice:topsecret", "/x"), None)
        .unwrap();
    assert!(!r.final_url.contains("topsecret"));
}

#[test]
fn redirect_loops_are_bounded() {
    let server = TestServer::start();
    server.add_with_fault("/a", b"".to_vec(), Fault::Redirect("/b".into()));
    server.add_with_fault("/b", b"".to_vec(), Fault::Redirect("/a".into()));
    let mut opts = NetworkOptions::for_tests();
    opts.max_redirects = 5;
    let net = net_with(opts);
    let err = net.get(&server.url("/a"), None).err().expect("loop");
    assert!(err.to_string().contains("redirects"), "{err}");
    assert_eq!(server.hits("/a") + server.hits("/b"), 6);
}

#[test]
fn a_stalled_server_times_out() {
    let server = TestServer::start();
    server.add_with_fault(
        "/slow",
        b"late".to_vec(),
        Fault::Slow(Duration::from_secs(600)),
    );
    let mut opts = NetworkOptions::for_tests();
    opts.read_timeout = Duration::from_millis(200);
    opts.retries = 0;
    let net = net_with(opts);
    // The server answers only after ten minutes (or when dropped): getting an error at all
    // shows the client gave up, and the error says why. No clock is read here.
    let err = net.get(&server.url("/slow"), None).err().expect("timeout");
    assert!(err.to_string().to_lowercase().contains("timeout"), "{err}");
    assert_eq!(server.hits("/slow"), 1, "one attempt, no retry");
}

#[test]
fn rate_limited_then_ok_is_retried() {
    let server = TestServer::start();
    server.add_with_fault("/x", b"fine".to_vec(), Fault::FailFirst(1));
    let net = net_with(NetworkOptions::for_tests());
    let r = net.get(&server.url("/x"), None).unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(server.hits("/x"), 2);
}

#[test]
fn non_http_urls_are_refused() {
    let net = net_with(NetworkOptions::for_tests());
    assert!(net.get("file:///etc/passwd", None).is_err());
    assert!(net.get("not a url", None).is_err());
}

#[test]
fn protocol_garbage_is_an_error_not_a_panic() {
    let server = TestServer::start();
    let cases: Vec<Vec<u8>> = vec![
        b"this is not HTTP at all\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\nbody".to_vec(),
        b"HTTP/1.1 999999 Weird\r\n\r\n".to_vec(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n".to_vec(),
        vec![0xff; 4096],
        Vec::new(),
    ];
    let mut opts = NetworkOptions::for_tests();
    opts.retries = 1;
    let net = net_with(opts);
    for (i, raw) in cases.into_iter().enumerate() {
        let path = format!("/raw{i}");
        server.add_with_fault(&path, b"".to_vec(), Fault::Raw(raw));
        match net.get(&server.url(&path), None) {
            Err(_) => {}
            Ok(r) => {
                // If the head parsed, the body must fail or be read without a panic.
                let mut b = r.body;
                let mut out = Vec::new();
                let _ = b.read_to_end(&mut out);
            }
        }
    }
}

#[test]
fn credentials_in_a_location_header_are_ignored() {
    let index = TestServer::start();
    let other = TestServer::start();
    other.add("/x", b"x".to_vec(), "text/plain");
    let location = other.url_with_userinfo("mallory:stolen", "/x");
    index.add_with_fault("/go", b"".to_vec(), Fault::Redirect(location));
    let net = net_with(NetworkOptions::for_tests());
    let r = net
        .get(&index.url_with_userinfo("alice:s3cret", "/go"), None)
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(!r.final_url.contains("stolen"), "{}", r.final_url);
    assert_eq!(other.requests_for("/x")[0].header("authorization"), None);
}
