//! Throughput of the inspection engine (`harness = false`).
//!
//! Runs over a generated corpus of synthetic Python (about 20 MB, varied: imports, classes,
//! functions, calls, string constants, base64 blobs, decode calls) and, when `PYVET_BENCH_DIR`
//! points at a directory of unpacked artifacts (one sub-directory each), over those too.
//! Prints MB/s on one core (files inspected sequentially) and with the engine's parallel pool,
//! plus the mean and worst time per file. `PYVET_BENCH_MB` changes the corpus size. A smaller
//! corpus of folding-heavy (obfuscated, inert) code measures the partial evaluator.
//!
//! `cargo bench --bench inspect` (under `cargo test --benches` it runs a 1 MB smoke corpus).

/// The allocator the `pyvet` binary uses, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::Path;
use std::time::{Duration, Instant};

use pyvet::archive::{ArchiveContents, ArchiveEntry};
use pyvet::inspect::registry::{Rule, RULES};
use pyvet::inspect::{inspect_file, ArtifactCx};
use pyvet::package::ArtifactKind;

/// Small deterministic PRNG (xorshift) so the corpus is the same on every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn synthetic_module(rng: &mut Rng, target: usize) -> String {
    const IMPORTS: &[&str] = &[
        "import os",
        "import sys",
        "import re",
        "import json",
        "import base64",
        "import subprocess",
        "from collections import defaultdict",
        "import logging",
        "from typing import Any, Optional",
        "import urllib.request as ur",
        "import hashlib",
        "from pathlib import Path",
    ];
    const CALLS: &[&str] = &[
        "os.path.join(base, name)",
        "json.dumps(data, indent=2)",
        "re.compile(r'[a-z]+_\\d+')",
        "logging.getLogger(__name__).debug('value %s', value)",
        "subprocess.run(['git', 'status'], check=False)",
        "base64.b64encode(payload).decode('ascii')",
        "hashlib.sha256(data).hexdigest()",
        "Path(base).expanduser().resolve()",
        "sorted(items, key=lambda x: x[1])",
        "os.environ.get('HOME', '/tmp')",
        "''.join(parts)",
        "str(value).strip().lower()",
    ];
    let mut out = String::with_capacity(target + 4096);
    out.push_str("\"\"\"Synthetic benchmark module.\"\"\"\n");
    for _ in 0..6 {
        out.push_str(rng.pick(IMPORTS));
        out.push('\n');
    }
    out.push_str("BLOB = '");
    for _ in 0..(rng.next() % 8) {
        out.push_str("aGVsbG8gd29ybGQgdGhpcyBpcyBhIHRlc3Q=");
    }
    out.push_str("'\n\n");
    let mut n = 0;
    while out.len() < target {
        n += 1;
        out.push_str(&format!(
            "class Thing{n}(object):\n    \"\"\"Doc for {n}.\"\"\"\n\n    LIMIT = {}\n\n",
            rng.next() % 1000
        ));
        for m in 0..(3 + rng.next() % 5) {
            out.push_str(&format!("    def method_{m}(self, base, name, data=None, items=(), value=0, payload=b''):\n"));
            out.push_str("        parts = []\n");
            for _ in 0..(3 + rng.next() % 8) {
                let call = rng.pick(CALLS);
                match rng.next() % 4 {
                    0 => out.push_str(&format!("        result = {call}\n")),
                    1 => out.push_str(&format!("        if value > {}:\n            parts.append({call})\n", rng.next() % 50)),
                    2 => out.push_str(&format!("        for item in items:\n            value += len(str(item))  # {call}\n")),
                    _ => out.push_str(&format!("        message = f\"{{name}}: {}\"\n", rng.next())),
                }
            }
            out.push_str("        return parts\n\n");
        }
    }
    out
}

/// A module of folding-heavy code (what the partial evaluator exists for): `chr()` lists,
/// XOR comprehensions and loops, base64-of-zlib layers, escaped literals, reversed names and
/// computed builtins. Inert: every payload is `print('inert')`-like text.
fn obfuscated_module(rng: &mut Rng, target: usize) -> String {
    use std::io::Write as _;
    const WORDS: &[&str] = &[
        "print('inert')",
        "value = 1 + 2",
        "name = 'example'",
        "x = [1, 2, 3]",
    ];
    let mut out = String::with_capacity(target + 4096);
    out.push_str("import base64, zlib\nfrom itertools import cycle\n");
    let mut n = 0;
    while out.len() < target {
        n += 1;
        let word = rng.pick(WORDS).as_bytes();
        let codes = |k: u8| {
            word.iter()
                .map(|b| (b ^ k).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let escaped: String = word.iter().map(|b| format!("\\x{b:02x}")).collect();
        match rng.next() % 6 {
            0 => out.push_str(&format!("s{n} = ''.join(chr(c) for c in [{}])\n", codes(0))),
            1 => {
                let key = b"k3y";
                let ct: String = word
                    .iter()
                    .enumerate()
                    .map(|(i, b)| format!("\\x{:02x}", b ^ key[i % 3]))
                    .collect();
                out.push_str(&format!(
                    "s{n} = bytes(a ^ b for a, b in zip(b'{ct}', cycle(b'k3y')))\n"
                ));
            }
            2 => out.push_str(&format!(
                "s{n} = ''\nfor c in [{}]:\n    s{n} += chr(c ^ 42)\n",
                codes(42)
            )),
            3 => {
                let mut z =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                z.write_all(word).unwrap();
                let b64 = base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    z.finish().unwrap(),
                );
                out.push_str(&format!(
                    "s{n} = zlib.decompress(base64.b64decode('{b64}')).decode()\n"
                ));
            }
            4 => out.push_str(&format!("s{n} = \"{escaped}\"\n")),
            _ => out.push_str(&format!(
                "getattr(__builtins__, 'tnirp'[::-1])('{}'.replace('-', ''))\n",
                "a-b-c".repeat(1 + (rng.next() % 8) as usize)
            )),
        }
    }
    out
}

fn obfuscated_corpus(total_mb: usize) -> Vec<ArchiveEntry> {
    let mut rng = Rng(0x243f6a8885a308d3);
    let mut entries = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < total_mb << 20 {
        let text = obfuscated_module(&mut rng, [4_000, 20_000, 60_000][i % 3]);
        size += text.len();
        entries.push(ArchiveEntry {
            path: format!("obfuscated/mod_{i}.py"),
            data: text.into_bytes().into(),
        });
        i += 1;
    }
    entries
}

fn corpus(total_mb: usize) -> Vec<ArchiveEntry> {
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut entries = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < total_mb << 20 {
        let target = [2_000, 8_000, 30_000, 120_000][i % 4];
        let text = synthetic_module(&mut rng, target);
        size += text.len();
        entries.push(ArchiveEntry {
            path: format!("synthetic/mod_{i}.py"),
            data: text.into_bytes().into(),
        });
        i += 1;
    }
    entries
}

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<ArchiveEntry>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => read_tree(root, &p, out),
            Ok(t) if t.is_file() => {
                if let Ok(data) = std::fs::read(&p) {
                    let path = p
                        .strip_prefix(root)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .replace('\\', "/");
                    out.push(ArchiveEntry {
                        path,
                        data: data.into(),
                    });
                }
            }
            _ => {}
        }
    }
}

fn measure(name: &str, filename: &str, entries: Vec<ArchiveEntry>) {
    let bytes: usize = entries.iter().map(|e| e.data.len()).sum();
    let py_bytes: usize = entries
        .iter()
        .filter(|e| e.path.ends_with(".py"))
        .map(|e| e.data.len())
        .sum();
    let kind = ArtifactKind::from_filename(filename);
    let artifact = ArtifactCx {
        filename: filename.to_string(),
        kind,
        pure_wheel: filename.ends_with("-none-any.whl"),
    };
    let rules: Vec<&Rule> = RULES.iter().collect();
    let backend = Default::default();
    // One core: files one after another on this thread.
    let start = Instant::now();
    let mut worst = (Duration::ZERO, String::new());
    let mut findings = 0;
    for e in &entries {
        let t = Instant::now();
        findings += inspect_file(&e.path, &e.data, &artifact, &backend, &rules).len();
        let el = t.elapsed();
        if el > worst.0 {
            worst = (el, e.path.clone());
        }
    }
    let single = start.elapsed();
    // The floor: parsing alone.
    let start = Instant::now();
    for e in entries.iter().filter(|e| e.path.ends_with(".py")) {
        if let Ok(text) = std::str::from_utf8(&e.data) {
            let parsed = ruff_python_parser::parse_unchecked_source(
                text,
                ruff_python_ast::PySourceType::Python,
            );
            std::hint::black_box(parsed.syntax().body.len());
        }
    }
    let parse_only = start.elapsed();
    // The engine as callers use it: parallel over files.
    let contents = ArchiveContents {
        filename: filename.to_string(),
        kind,
        entries,
        findings: Vec::new(),
        metadata: None,
    };
    let start = Instant::now();
    let par_findings = pyvet::inspect::inspect(&contents, &Default::default()).len();
    let parallel = start.elapsed();
    let mb = bytes as f64 / 1e6;
    println!(
        "{name}: {} files, {mb:.1} MB ({:.1} MB .py), {findings}/{par_findings} findings\n  parse only: {:.0} ms; one core: {:.0} ms = {:.1} MB/s; parallel ({} threads): {:.0} ms = {:.1} MB/s\n  per file: mean {:.2} ms, worst {:.1} ms ({})",
        contents.entries.len(),
        py_bytes as f64 / 1e6,
        parse_only.as_secs_f64() * 1e3,
        single.as_secs_f64() * 1e3,
        mb / single.as_secs_f64(),
        rayon::current_num_threads(),
        parallel.as_secs_f64() * 1e3,
        mb / parallel.as_secs_f64(),
        single.as_secs_f64() * 1e3 / contents.entries.len().max(1) as f64,
        worst.0.as_secs_f64() * 1e3,
        worst.1,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; under `cargo test --benches` run a small smoke corpus.
    let benching = std::env::args().any(|a| a == "--bench");
    let mb = std::env::var("PYVET_BENCH_MB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benching { 20 } else { 1 });
    measure(
        &format!("synthetic corpus ({mb} MB)"),
        "synthetic-1.0-py3-none-any.whl",
        corpus(mb),
    );
    // Folding-heavy code: the evaluator's cost where it does the most work.
    let obf_mb = mb.div_ceil(10).max(1);
    measure(
        &format!("obfuscated corpus ({obf_mb} MB)"),
        "obfuscated-1.0-py3-none-any.whl",
        obfuscated_corpus(obf_mb),
    );
    if let Ok(dir) = std::env::var("PYVET_BENCH_DIR") {
        let mut dirs: Vec<_> = std::fs::read_dir(&dir)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        dirs.sort();
        for d in dirs.into_iter().filter(|d| d.is_dir()) {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let mut entries = Vec::new();
            read_tree(&d, &d, &mut entries);
            entries.sort_by(|a, b| a.path.cmp(&b.path));
            measure(&name, &name, entries);
        }
    }
}
