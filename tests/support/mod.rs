//! The one harness for pyvet's integration tests, included by each test file with
//! `mod support;`:
//! - [`sandbox`]: the only launcher of the `pyvet` binary ([`Sandbox::pyvet`]: a temporary
//!   working directory, home, config, cache and `TMPDIR`, and a cleared environment), and
//!   [`run_bounded`], which waits for a child under a hang guard;
//! - [`server`]: the loopback index and file server ([`TestServer`]) with fault injection;
//! - [`pages`]: PEP 691 / PEP 503 / metadata JSON pages for fixture projects;
//! - [`archives`]: writers for hostile and benign wheels, sdists, zips and tarballs;
//! - [`report`]: a hand-built report for the renderer and policy tests.
//!
//! Temporary directories come from the `tempfile` crate; no test changes its own process's
//! environment (what a child should see is set on the child).
#![allow(dead_code, unused_imports)]

pub mod archives;
pub mod pages;
pub mod report;
pub mod sandbox;
pub mod server;

pub use archives::*;
pub use pages::{metadata_json, simple_html, simple_json, FixtureFile};
pub use sandbox::{
    assert_cache_consistent, hermetic_pyvet, import_names, is_temporary, json_of, list_files,
    ok_json, run_bounded, tail, Run, Sandbox, HANG_GUARD,
};
pub use server::{Fault, LoggedRequest, Route, TestServer};

/// A fresh temporary directory (removed on drop).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("pyvet-test-")
        .tempdir()
        .expect("create temporary directory")
}

/// sha256 hex of bytes (for fixtures).
pub fn sha256(data: &[u8]) -> String {
    pyvet::hash::sha256_hex(data)
}

/// Deterministic pseudo-random bytes (xorshift): incompressible and reproducible, so tests
/// need no RNG crate.
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
