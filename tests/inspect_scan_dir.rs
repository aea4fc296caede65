//! Manual precision harness (ignored by default): inspect every unpacked artifact directory
//! under `$PYVET_SCAN_DIR` (one sub-directory per artifact, named like the artifact file) and
//! print the findings at or above `$PYVET_SCAN_MIN` (default `low`).
//!
//! `PYVET_SCAN_DIR=/tmp/unpacked cargo test --test inspect_scan_dir -- --ignored --nocapture`

use std::path::Path;
use std::time::Instant;

use pyvet::archive::{ArchiveContents, ArchiveEntry};
use pyvet::finding::Severity;
use pyvet::package::ArtifactKind;

fn read_tree(root: &Path, dir: &Path, out: &mut Vec<ArchiveEntry>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            read_tree(root, &p, out);
        } else if ft.is_file() {
            if let Ok(data) = std::fs::read(&p) {
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(ArchiveEntry {
                    path: rel,
                    data: data.into(),
                });
            }
        }
    }
}

#[test]
#[ignore = "manual: needs PYVET_SCAN_DIR with unpacked artifacts"]
fn scan_dir() {
    let Ok(dir) = std::env::var("PYVET_SCAN_DIR") else {
        eprintln!("PYVET_SCAN_DIR not set");
        return;
    };
    let min: Severity = std::env::var("PYVET_SCAN_MIN")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(Severity::Low);
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs.into_iter().filter(|d| d.is_dir()) {
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        let mut entries = Vec::new();
        read_tree(&d, &d, &mut entries);
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let bytes: usize = entries.iter().map(|e| e.data.len()).sum();
        let contents = ArchiveContents {
            kind: ArtifactKind::from_filename(&name),
            filename: name.clone(),
            entries,
            findings: Vec::new(),
            metadata: None,
        };
        let t = Instant::now();
        let findings = pyvet::inspect::inspect(&contents, &Default::default());
        let el = t.elapsed();
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        println!(
            "== {name}: {} files, {:.1} MB, {:.0} ms | critical {} high {} medium {} low {} info {}",
            contents.entries.len(),
            bytes as f64 / 1e6,
            el.as_secs_f64() * 1e3,
            count(Severity::Critical),
            count(Severity::High),
            count(Severity::Medium),
            count(Severity::Low),
            count(Severity::Info)
        );
        for f in findings.iter().filter(|f| f.severity >= min) {
            println!(
                "  {:8} {:28} {}:{} {}\n           {}",
                f.severity.as_str(),
                f.rule,
                f.location.path.as_deref().unwrap_or(""),
                f.location.line.unwrap_or(0),
                f.message,
                f.evidence
                    .as_deref()
                    .unwrap_or("")
                    .replace('\n', "\n           ")
            );
        }
    }
}
