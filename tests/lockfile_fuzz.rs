//! No input makes a lockfile reader panic. A deterministic mutation loop (xorshift PRNG, fixed
//! seeds) truncates, flips, inserts, deletes and duplicates bytes of every shipped fixture
//! thousands of times and feeds the result to `lockfile::load_str` under every format; the only
//! assertion is that the call returns (`Ok` or `Err`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use pyvet::lockfile::{self, LockKind};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that matter to the grammars (and a few that break UTF-8 or char boundaries).
const INTERESTING: &[&[u8]] = &[
    b"[",
    b"]",
    b"[[",
    b"]]",
    b"{",
    b"}",
    b"\"",
    b"'",
    b"=",
    b"\n",
    b"\r\n",
    b"\\",
    b"#",
    b"@",
    b";",
    b",",
    b" ",
    b"\t",
    b"-",
    b"-r ",
    b"-e ",
    b"--hash=",
    b"sha256:",
    b"${",
    b"}",
    b"://",
    b"git+",
    b"file:",
    b"===",
    b"==",
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\x00",
    b"%",
    b"%4",
    b".",
    b"/",
    b"0",
    b"9999999999999999999999",
    b"-1",
    b"true",
    b"1979-05-27T07:32:00Z",
    b"version = 2",
    b"lock-version = \"9\"",
];

fn mutate(rng: &mut XorShift, base: &[u8]) -> Vec<u8> {
    let mut data = base.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let len = data.len();
        match rng.below(6) {
            0 => data.truncate(rng.below(len + 1)),
            1 if len > 0 => {
                let i = rng.below(len);
                data[i] ^= 1 << rng.below(8);
            }
            2 => {
                let i = rng.below(len + 1);
                let ins = INTERESTING[rng.below(INTERESTING.len())];
                data.splice(i..i, ins.iter().copied());
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(64)).min(len);
                data.drain(i..j);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let j = (i + 1 + rng.below(200)).min(len);
                let chunk: Vec<u8> = data[i..j].to_vec();
                let at = rng.below(data.len() + 1);
                data.splice(at..at, chunk);
            }
            _ => {
                let i = rng.below(len + 1);
                data.insert(i, rng.next() as u8);
            }
        }
    }
    data
}

fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_none_or(|e| e != "md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/lockfiles"),
        &mut out,
    );
    out
}

const KINDS: [Option<LockKind>; 5] = [
    None,
    Some(LockKind::RequirementsTxt),
    Some(LockKind::PoetryLock),
    Some(LockKind::UvLock),
    Some(LockKind::Pylock),
];

/// Panics seen by the hook, including any a reader caught itself (so a caught panic in a
/// dependency still fails this test).
static PANICS: AtomicUsize = AtomicUsize::new(0);

fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
}

#[test]
fn mutated_fixtures_never_panic() {
    count_panics();
    let files = fixtures();
    assert!(files.len() >= 15, "fixtures missing: {files:?}");
    // ~14,000 mutated inputs in all: a few seconds in a debug build.
    // PYVET_FUZZ_ITERATIONS raises it for a deeper run by hand.
    let iterations = std::env::var("PYVET_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(700usize);
    let mut total = 0usize;
    let mut oks = 0usize;
    for (n, path) in files.iter().enumerate() {
        let base = std::fs::read(path).unwrap();
        let seed = std::env::var("PYVET_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0x9E37_79B9_7F4A_7C15u64);
        let mut rng = XorShift(seed ^ (n as u64 + 1).wrapping_mul(0x2545_F491));
        for i in 0..iterations {
            let bytes = mutate(&mut rng, &base);
            let text = String::from_utf8_lossy(&bytes);
            // the file's own format most of the time, the others now and then
            let kind = if i % 4 == 0 {
                KINDS[rng.below(KINDS.len())]
            } else {
                None
            };
            let result = catch_unwind(AssertUnwindSafe(|| lockfile::load_str(path, &text, kind)));
            match result {
                Ok(r) => {
                    total += 1;
                    oks += usize::from(r.is_ok());
                }
                Err(_) => panic!(
                    "load_str panicked on a mutation of {} (kind {kind:?}):\n{text}",
                    path.display()
                ),
            }
        }
    }
    assert_eq!(
        PANICS.load(Ordering::SeqCst),
        0,
        "a panic was caught inside load_str"
    );
    // The loop exercised both outcomes (so it is not trivially erroring out early).
    assert_eq!(total, files.len() * iterations);
    assert!(oks > 0 && oks < total, "ok {oks} of {total}");
}

#[test]
fn pathological_inputs_return() {
    let path = Path::new("fuzz/requirements.txt");
    let long_line = "a".repeat(100_000);
    let deep = "[".repeat(10_000);
    let continuation = "\\\n".repeat(10_000);
    let cases: Vec<String> = vec![
        String::new(),
        "\u{feff}".into(),
        long_line,
        deep.clone(),
        continuation,
        "é\\".into(),
        "${".into(),
        "-".into(),
        "--".into(),
        "-r".into(),
        "--hash".into(),
        "x @".into(),
        "@ x".into(),
        "git+".into(),
        "file:".into(),
        "file://".into(),
        "https://".into(),
        "https://#sha256=".into(),
        "a===".into(),
        "===a".into(),
        ";".into(),
        "-e".into(),
        "-e ''".into(),
    ];
    for text in &cases {
        for kind in KINDS {
            let _ = lockfile::load_str(path, text, kind);
        }
    }
    for name in ["uv.lock", "poetry.lock", "pylock.toml"] {
        let _ = lockfile::load_str(Path::new(name), &deep, None);
        let _ = lockfile::load_str(Path::new(name), "version = 1\n[[package]]\n", None);
    }
}
