//! The index client against loopback indexes: JSON and HTML simple pages (relative URLs
//! resolved against the final URL), the metadata JSON, extra indexes, and offline answers from
//! the cache.

mod support;

use pyvet::cache::Cache;
use pyvet::fetch::{fetch_all, FetchJob, FetchStatus};
use pyvet::hash::{Digest, HashAlgorithm};
use pyvet::index::{IndexClient, IndexSettings};
use pyvet::network::{Network, NetworkOptions};
use support::{metadata_json, simple_html, simple_json, FixtureFile, TestServer};

fn net() -> Network {
    Network::acquire(false, &NetworkOptions::for_tests())
        .unwrap()
        .unwrap()
}

fn settings(primary: &[String], extra: &[String]) -> IndexSettings {
    IndexSettings {
        index_urls: primary.to_vec(),
        extra_index_urls: extra.to_vec(),
    }
}

/// A JSON index with a metadata endpoint, serving `demo` 1.0 (sdist) and 2.0 (wheel).
fn json_index(server: &TestServer) -> (Vec<u8>, Vec<u8>) {
    let sdist = b"demo sdist bytes".to_vec();
    let wheel = b"demo wheel bytes".to_vec();
    let mut f1 = FixtureFile::new("demo-1.0.tar.gz", "../../files/demo-1.0.tar.gz", &sdist);
    f1.upload_time = Some("2024-03-01T10:00:00Z".into());
    f1.yanked = Some(Some("security".into()));
    f1.provenance = Some(None);
    let mut f2 = FixtureFile::new(
        "demo-2.0-py3-none-any.whl",
        "../../files/demo-2.0-py3-none-any.whl",
        &wheel,
    );
    f2.requires_python = Some(">=3.9".into());
    f2.provenance = Some(Some("../../prov/demo-2.0".into()));
    server.add(
        "/simple/demo/",
        simple_json("demo", &["1.0", "2.0"], &[f1.clone(), f2.clone()]),
        "application/vnd.pypi.simple.v1+json",
    );
    // The metadata JSON knows an older release the simple page no longer lists.
    let old = FixtureFile::new("demo-0.1.tar.gz", "/files/demo-0.1.tar.gz", b"old");
    let mut f2m = f2.clone();
    f2m.upload_time = Some("2024-06-01T00:00:00Z".into());
    f2m.href = "/files/demo-2.0-py3-none-any.whl".into();
    server.add(
        "/pypi/demo/json",
        metadata_json(
            "demo",
            "Ann Author",
            &[("Source", "https://example.invalid/demo")],
            Some(("acme", &[("ann", "Owner"), ("bo", "Maintainer")])),
            &[("0.1", &[old]), ("2.0", &[f2m])],
        ),
        "application/json",
    );
    server.add(
        "/files/demo-1.0.tar.gz",
        sdist.clone(),
        "application/octet-stream",
    );
    server.add(
        "/files/demo-2.0-py3-none-any.whl",
        wheel.clone(),
        "application/octet-stream",
    );
    (sdist, wheel)
}

#[test]
fn json_page_and_metadata_are_parsed_merged_and_usable_for_fetching() {
    let server = TestServer::start();
    let (sdist, wheel) = json_index(&server);
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let net = net();
    let root = server.url("/simple/");
    let client = IndexClient::new(
        Some(&net),
        &cache,
        settings(std::slice::from_ref(&root), &[]),
    );
    let info = client.project("Demo").unwrap().expect("known project");
    assert_eq!(info.name, "demo");
    assert_eq!(info.index_url, root);
    assert!(info.fetched_at.is_some());
    assert_eq!(
        server.requests_for("/simple/demo/")[0].header("accept"),
        Some(pyvet::index::SIMPLE_ACCEPT)
    );
    let f1 = info
        .files
        .iter()
        .find(|f| f.filename == "demo-1.0.tar.gz")
        .unwrap();
    assert_eq!(f1.url, server.url("/files/demo-1.0.tar.gz"));
    assert!(f1.yanked);
    assert_eq!(f1.yanked_reason.as_deref(), Some("security"));
    assert_eq!(f1.has_provenance, Some(false));
    assert_eq!(f1.upload_time.unwrap().to_string(), "2024-03-01T10:00:00Z");
    assert_eq!(f1.version.as_deref(), Some("1.0"));
    let f2 = info
        .files
        .iter()
        .find(|f| f.filename == "demo-2.0-py3-none-any.whl")
        .unwrap();
    assert_eq!(
        f2.provenance_url.as_deref(),
        Some(server.url("/prov/demo-2.0").as_str())
    );
    assert_eq!(f2.requires_python.as_deref(), Some(">=3.9"));
    // The upload time came from the metadata JSON (the simple page had none).
    assert_eq!(f2.upload_time.unwrap().to_string(), "2024-06-01T00:00:00Z");
    let old = info
        .files
        .iter()
        .find(|f| f.filename == "demo-0.1.tar.gz")
        .unwrap();
    assert_eq!(old.url, server.url("/files/demo-0.1.tar.gz"));
    assert_eq!(old.version.as_deref(), Some("0.1"));
    for v in ["0.1", "1.0", "2.0"] {
        assert!(
            info.versions.iter().any(|x| x == v),
            "{v} in {:?}",
            info.versions
        );
    }
    assert_eq!(info.files_for_version("2.0").count(), 1);
    let details = info.info.as_ref().unwrap();
    assert_eq!(details.author.as_deref(), Some("Ann Author"));
    assert_eq!(
        details.project_urls.get("Source").map(String::as_str),
        Some("https://example.invalid/demo")
    );
    let own = info.ownership.as_ref().unwrap();
    assert_eq!(own.organization.as_deref(), Some("acme"));
    assert_eq!(own.roles.len(), 2);

    // The index's hashes drive a verified download.
    let jobs: Vec<FetchJob> = [f1, f2]
        .iter()
        .map(|f| FetchJob {
            size: None,
            filename: f.filename.clone(),
            url: f.url.clone(),
            expected: f.hashes.digests().collect(),
            any_of: vec![],
        })
        .collect();
    let out = fetch_all(&jobs, &cache, Some(&net), 2, &|_| {});
    assert_eq!(
        out,
        vec![
            FetchStatus::Verified {
                sha256: support::sha256(&sdist),
                size: sdist.len() as u64
            },
            FetchStatus::Verified {
                sha256: support::sha256(&wheel),
                size: wheel.len() as u64
            }
        ]
    );
}

#[test]
fn offline_answers_from_the_cache_only() {
    let server = TestServer::start();
    json_index(&server);
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let root = server.url("/simple/");
    let online = {
        let net = net();
        let client = IndexClient::new(
            Some(&net),
            &cache,
            settings(std::slice::from_ref(&root), &[]),
        );
        client.project("demo").unwrap().unwrap()
    };
    drop(server);
    let offline = IndexClient::new(None, &cache, settings(std::slice::from_ref(&root), &[]));
    let cached = offline.project("demo").unwrap().unwrap();
    assert_eq!(cached, online);
    // Never fetched: Ok(None), not an error.
    assert_eq!(offline.project("other").unwrap(), None);
    assert_eq!(offline.indexes_knowing("demo").unwrap(), vec![root]);
}

#[test]
fn html_page_with_relative_links_after_a_redirect() {
    let server = TestServer::start();
    let data = b"legacy sdist".to_vec();
    let mut f = FixtureFile::new(
        "Legacy.Pkg-0.3.tar.gz",
        "../../packages/Legacy.Pkg-0.3.tar.gz",
        &data,
    );
    f.requires_python = Some(">=3.6,<4".into());
    f.yanked = Some(None);
    let plain = FixtureFile::new(
        "legacy_pkg-0.4-py3-none-any.whl",
        "legacy_pkg-0.4-py3-none-any.whl",
        b"w",
    );
    // The index root redirects to where the pages really live: links resolve against the
    // final URL, not the requested one.
    server.add_with_fault(
        "/simple/legacy-pkg/",
        b"".to_vec(),
        support::Fault::Redirect("/real/simple/legacy-pkg/".into()),
    );
    server.add(
        "/real/simple/legacy-pkg/",
        simple_html("legacy-pkg", &[f, plain]),
        "text/html; charset=utf-8",
    );
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let net = net();
    let client = IndexClient::new(Some(&net), &cache, settings(&[server.url("/simple")], &[]));
    let info = client.project("Legacy_Pkg").unwrap().unwrap();
    assert_eq!(info.files.len(), 2);
    let a = &info.files[0];
    assert_eq!(a.url, server.url("/real/packages/Legacy.Pkg-0.3.tar.gz"));
    assert_eq!(a.version.as_deref(), Some("0.3"));
    assert_eq!(a.hashes.sha256(), Some(support::sha256(&data).as_str()));
    assert_eq!(a.requires_python.as_deref(), Some(">=3.6,<4"));
    assert!(a.yanked && a.yanked_reason.is_none());
    assert_eq!(
        info.files[1].url,
        server.url("/real/simple/legacy-pkg/legacy_pkg-0.4-py3-none-any.whl")
    );
    // No metadata endpoint on this index: the optional fields stay empty.
    assert_eq!(info.info, None);
    assert_eq!(info.ownership, None);
    assert_eq!(info.versions, vec!["0.3", "0.4"]);
}

#[test]
fn extra_indexes_are_searched_in_order_and_listed() {
    let primary = TestServer::start();
    let extra = TestServer::start();
    let f = FixtureFile::new("internal-1.0.tar.gz", "/files/internal-1.0.tar.gz", b"i");
    extra.add(
        "/simple/internal/",
        simple_json("internal", &["1.0"], std::slice::from_ref(&f)),
        "application/vnd.pypi.simple.v1+json",
    );
    primary.add(
        "/simple/shared/",
        simple_json("shared", &["9.0"], &[]),
        "application/vnd.pypi.simple.v1+json",
    );
    extra.add(
        "/simple/shared/",
        simple_json("shared", &["1.0"], &[f]),
        "application/vnd.pypi.simple.v1+json",
    );
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let net = net();
    let s = settings(&[primary.url("/simple/")], &[extra.url("/simple/")]);
    let client = IndexClient::new(Some(&net), &cache, s);
    let internal = client.project("internal").unwrap().unwrap();
    assert_eq!(internal.index_url, extra.url("/simple/"));
    let shared = client.project("shared").unwrap().unwrap();
    assert_eq!(shared.index_url, primary.url("/simple/"));
    assert_eq!(
        client.indexes_knowing("shared").unwrap(),
        vec![primary.url("/simple/"), extra.url("/simple/")]
    );
    assert_eq!(
        client.indexes_knowing("nobody").unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(client.project("nobody").unwrap(), None);
    // No index configured at all: nothing known, no request made.
    let none = IndexClient::new(Some(&net), &cache, IndexSettings::default());
    assert_eq!(none.project("internal").unwrap(), None);
}

#[test]
fn index_credentials_reach_file_downloads_on_the_same_host() {
    use base64::Engine as _;
    let server = TestServer::start();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("u:pw")
    );
    let data = b"private".to_vec();
    let f = FixtureFile::new("priv-1.0.tar.gz", "/files/priv-1.0.tar.gz", &data);
    server.add_with_fault(
        "/simple/priv/",
        simple_json("priv", &["1.0"], &[f]).into_bytes(),
        support::Fault::RequireAuth(auth.clone()),
    );
    server.add_with_fault(
        "/files/priv-1.0.tar.gz",
        data.clone(),
        support::Fault::RequireAuth(auth),
    );
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let net = net();
    let root = server.url_with_userinfo("u:pw", "/simple/");
    let client = IndexClient::new(Some(&net), &cache, settings(&[root], &[]));
    let info = client.project("priv").unwrap().unwrap();
    assert!(!info.index_url.contains("pw"), "{}", info.index_url);
    assert!(!info.files[0].url.contains("pw"));
    let job = FetchJob {
        size: None,
        filename: info.files[0].filename.clone(),
        url: info.files[0].url.clone(),
        expected: vec![Digest::new(HashAlgorithm::Sha256, &support::sha256(&data)).unwrap()],
        any_of: vec![],
    };
    let out = fetch_all(&[job], &cache, Some(&net), 1, &|_| {});
    assert!(matches!(out[0], FetchStatus::Verified { .. }), "{out:?}");
    // Nothing in the cache carries the password.
    for sub in ["index", "names"] {
        for e in std::fs::read_dir(dir.path().join(sub)).unwrap() {
            let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
            assert!(!text.contains("u:pw@"), "{text}");
        }
    }
}

#[test]
fn server_errors_on_the_simple_page_are_errors_with_a_redacted_url() {
    let server = TestServer::start();
    server.add_with_fault("/simple/broken/", b"".to_vec(), support::Fault::Status(403));
    server.add(
        "/simple/garbage/",
        "{not json",
        "application/vnd.pypi.simple.v1+json",
    );
    let dir = support::tempdir();
    let cache = Cache::open(dir.path()).unwrap();
    let net = net();
    let client = IndexClient::new(
        Some(&net),
        &cache,
        settings(&[server.url_with_userinfo("me:secretpw", "/simple/")], &[]),
    );
    let e = client.project("broken").unwrap_err().to_string();
    assert!(e.contains("403") && !e.contains("secretpw"), "{e}");
    let e = client.project("garbage").unwrap_err().to_string();
    assert!(e.contains("malformed") && !e.contains("secretpw"), "{e}");
}
