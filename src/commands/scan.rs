//! `pyvet scan PATH...`: inspect local wheels, sdists or unpacked directories with the same
//! engine `pyvet audit` uses, without a lockfile or a network.

use std::path::Path;
use std::process::ExitCode;

use rayon::prelude::*;

use crate::archive;
use crate::audit::{self, Inspected};
use crate::cli::{GlobalArgs, ScanArgs};
use crate::error::Error;
use crate::finding::Verdict;
use crate::inspect;
use crate::package::ArtifactKind;
use crate::report::{ArtifactReport, ArtifactStatus, PackageReport, Report, Summary, Tool};

pub fn run(g: &GlobalArgs, args: &ScanArgs) -> Result<ExitCode, Error> {
    for p in &args.paths {
        if !p.exists() {
            return Err(Error::Usage(format!(
                "{}: no such file or directory",
                p.display()
            )));
        }
    }
    // The project's configuration is where the user stands, not next to the artifact (which
    // may be in dist/, a download directory or a cache).
    let mut config = super::session::load_config(g, Path::new(""))?;
    if let Some(sev) = args.fail_on {
        config.fail_on = sev;
    }
    let limits = archive::Limits::default();
    let opts = inspect::InspectOptions::default();
    let mut mctx = crate::metadata::Context::new(super::now(g));
    mctx.thresholds = config.thresholds();
    // A few artifacts at a time: enough to keep both cores busy on small ones (the engine is
    // parallel over files inside each), few enough that memory stays bounded by the largest
    // artifacts rather than growing with the number of paths.
    let packages: Vec<PackageReport> = args
        .paths
        .chunks(inspect::ARTIFACTS_IN_FLIGHT)
        .flat_map(|chunk| {
            chunk
                .par_iter()
                .map(|p| scan_one(p, &limits, &opts, &mctx))
                .collect::<Vec<_>>()
        })
        .collect();
    let report = Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        command: "scan".into(),
        inputs: args.paths.iter().map(|p| p.display().to_string()).collect(),
        generated_at: super::now(g),
        fail_on: config.fail_on,
        summary: Summary {
            packages: packages.len(),
            artifacts_checked: packages.len(),
            ..Summary::default()
        },
        packages,
        notes: Vec::new(),
    };
    super::session::finish(g, report, &config)
}

/// Read and inspect one path into a package report.
fn scan_one(
    path: &Path,
    limits: &archive::Limits,
    opts: &inspect::InspectOptions,
    mctx: &crate::metadata::Context,
) -> PackageReport {
    let filename = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let kind = if path.is_dir() {
        ArtifactKind::Sdist
    } else {
        ArtifactKind::from_filename(&filename)
    };
    // A file is read once: the same bytes are hashed and inspected. A directory (or a link
    // the user named) is resolved first; links inside are never followed.
    let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (inspected, sha256) = if resolved.is_dir() {
        let read = archive::read_path(&resolved, limits).map(|c| {
            let code = inspect::inspect(&c, opts);
            (c, code)
        });
        (Inspected::from_read(&filename, read), None)
    } else {
        match crate::fsutil::read_regular(&resolved, limits.max_total_size) {
            // The hash is computed while the archive is read and inspected.
            Ok(bytes) => {
                let (sha, inspected) = rayon::join(
                    || crate::hash::sha256_hex(&bytes),
                    || audit::inspect_bytes(&filename, &bytes, limits, opts),
                );
                // A file that could not be read as an archive reports no hash.
                let sha = inspected.read.then_some(sha);
                (inspected, sha)
            }
            Err(source) => {
                let e = archive::ArchiveError::Io {
                    path: path.display().to_string(),
                    source,
                };
                (Inspected::from_read(&filename, Err(e)), None)
            }
        }
    };
    let Inspected {
        mut findings,
        metadata: meta,
        ..
    } = inspected;
    if let Some(meta) = &meta {
        findings.extend(crate::metadata::check_dist(meta, mctx));
    }
    let (name, version) = match &meta {
        Some(m) if m.name.is_some() => (m.name.clone().unwrap_or_default(), m.version.clone()),
        _ => name_version_from_filename(&filename),
    };
    let normalized = crate::package::normalize_name(&name);
    for f in &mut findings {
        f.package.get_or_insert_with(|| normalized.clone());
        if f.version.is_none() {
            f.version = version.clone();
        }
        f.artifact.get_or_insert_with(|| filename.clone());
    }
    crate::finding::sort(&mut findings);
    PackageReport {
        name,
        version,
        source: None,
        file: None,
        line: None,
        change: None,
        upgrade: None,
        artifacts: vec![ArtifactReport {
            filename: filename.clone(),
            url: None,
            kind,
            expected_hashes: Default::default(),
            sha256,
            status: ArtifactStatus::Local,
            detail: Some(path.display().to_string()),
        }],
        verdict: Verdict::from_worst(crate::finding::worst(&findings)),
        findings,
        metadata: None,
    }
}

/// `name-1.0-py3-none-any.whl` / `name-1.0.tar.gz` -> ("name", Some("1.0")).
pub fn name_version_from_filename(filename: &str) -> (String, Option<String>) {
    let stem = [
        ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip", ".tar",
    ]
    .iter()
    .find_map(|ext| filename.strip_suffix(ext))
    .unwrap_or(filename);
    if filename.ends_with(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next().unwrap_or(stem).to_string();
        return (name, parts.next().map(str::to_string));
    }
    // sdist: the version starts after the last '-' followed by a digit.
    match stem
        .rfind('-')
        .filter(|&i| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
    {
        Some(i) => (stem[..i].to_string(), Some(stem[i + 1..].to_string())),
        None => (stem.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_filenames() {
        assert_eq!(
            name_version_from_filename("requests-2.32.3-py3-none-any.whl"),
            ("requests".into(), Some("2.32.3".into()))
        );
        assert_eq!(
            name_version_from_filename("python-dateutil-2.9.0.tar.gz"),
            ("python-dateutil".into(), Some("2.9.0".into()))
        );
        assert_eq!(
            name_version_from_filename("somedir"),
            ("somedir".into(), None)
        );
    }
}
