//! `pyvet db`: import, update and describe the offline OSV vulnerability database.
//!
//! The database lives in the cache directory (`<cache>/osv/db.jsonl`) so that audits can check
//! known vulnerabilities with no network. `import` reads local files or an export zip; `update`
//! downloads the OSV export zip for PyPI ([`vulns::DEFAULT_OSV_URL`] unless `--url` or
//! `PYVET_OSV_URL` names another; `file://` URLs read a local mirror) with a conditional GET, so
//! an unchanged export costs one request; `info` says what is loaded, how old its newest record
//! is and when it was last updated, and warns when it is stale.

use std::fmt::Write as _;
use std::io::Read;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::{DbCommand, DbImportArgs, DbUpdateArgs, GlobalArgs};
use crate::error::Error;
use crate::redact::redact_url;
use crate::report::Format;
use crate::vulns::{self, ImportSummary, VulnDb};

pub fn run(g: &GlobalArgs, args: DbCommand) -> Result<ExitCode, Error> {
    match args {
        DbCommand::Import(a) => import(g, &a),
        DbCommand::Update(a) => update(g, &a),
        DbCommand::Info => info(g),
    }
}

fn import(g: &GlobalArgs, args: &DbImportArgs) -> Result<ExitCode, Error> {
    let dir = super::cache_dir(g)?;
    if args.path.extension().is_some_and(|e| e == "tsv") {
        return import_popular(g, &dir, &args.path);
    }
    let summary = vulns::import_path(&dir, &args.path, super::now(g))?;
    report_import(g, &summary)
}

/// `pyvet db import names.tsv`: replace the typosquat check's popular-names snapshot with a
/// newer `name<TAB>rank` list (validated first; stored atomically in the cache).
fn import_popular(
    g: &GlobalArgs,
    cache_dir: &std::path::Path,
    path: &std::path::Path,
) -> Result<ExitCode, Error> {
    let popular = crate::metadata::load_popular_override(path)?;
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let dest = cache_dir.join("metadata").join("popular.tsv");
    crate::fsutil::write_atomic(&dest, &bytes)
        .map_err(|e| Error::io(format!("writing {}", dest.display()), e))?;
    if !g.quiet {
        eprintln!(
            "imported {} popular project names for the typosquat check into {}",
            popular.names().count(),
            dest.display()
        );
    }
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}

fn update(g: &GlobalArgs, args: &DbUpdateArgs) -> Result<ExitCode, Error> {
    let url = args
        .url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .unwrap_or(vulns::DEFAULT_OSV_URL);
    let shown = redact_url(url);
    let dir = super::cache_dir(g)?;
    // A mirrored export on disk or a network share: no network needed, even offline.
    if let Ok(parsed) = url::Url::parse(url) {
        if parsed.scheme() == "file" {
            let path = parsed
                .to_file_path()
                .map_err(|_| Error::Usage(format!("{shown}: not a usable file URL")))?;
            let summary = vulns::import_path(&dir, &path, super::now(g))?;
            return report_import(g, &summary);
        }
    }
    let net = crate::network::Network::acquire(g.offline, &super::session::network_options(g)?)?
        .ok_or_else(|| Error::Offline {
            missing: vec![format!("OSV database from {shown}")],
        })?;
    // Send the ETag back only when the database on disk came from this very URL.
    let previous = vulns::store::read_update_state(&dir).filter(|s| {
        s.source == shown
            && VulnDb::open(&dir)
                .ok()
                .flatten()
                .is_some_and(|db| db.info().source == shown)
    });
    let resp = net.get_if_changed(
        url,
        Some("application/zip"),
        previous.as_ref().and_then(|p| p.etag.as_deref()),
    )?;
    let now = super::now(g);
    if resp.status == 304 {
        let mut state = previous.unwrap_or(vulns::store::UpdateState {
            source: shown.clone(),
            etag: None,
            checked_at: now,
        });
        state.checked_at = now;
        vulns::store::write_update_state(&dir, &state)?;
        let out = if g.format == Format::Json {
            serde_json::to_string_pretty(&serde_json::json!({
                "source": shown,
                "unchanged": true,
                "checked_at": now,
            }))
            .expect("serialisable")
                + "\n"
        } else {
            format!("the OSV export at {shown} is unchanged; the database is up to date\n")
        };
        super::emit(g, &out)?;
        return Ok(ExitCode::from(crate::policy::EXIT_OK));
    }
    if !(200..300).contains(&resp.status) {
        return Err(Error::Network {
            url: shown,
            message: format!("HTTP status {}", resp.status),
        });
    }
    let etag = resp.etag.clone();
    let too_large = || Error::Network {
        url: shown.clone(),
        message: format!("the export is larger than {} bytes", vulns::store::MAX_ZIP),
    };
    if resp
        .content_length
        .is_some_and(|n| n > vulns::store::MAX_ZIP)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    resp.body
        .take(vulns::store::MAX_ZIP + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::Network {
            url: shown.clone(),
            message: crate::redact::redact_text(&e.to_string()),
        })?;
    if bytes.len() as u64 > vulns::store::MAX_ZIP {
        return Err(too_large());
    }
    let summary = vulns::import_zip_bytes(&dir, &bytes, &shown, now)?;
    vulns::store::write_update_state(
        &dir,
        &vulns::store::UpdateState {
            source: shown.clone(),
            etag,
            checked_at: now,
        },
    )?;
    report_import(g, &summary)
}

#[derive(Serialize)]
struct ImportReport<'a> {
    path: String,
    files: usize,
    other_ecosystem: usize,
    warnings: usize,
    #[serde(flatten)]
    info: &'a vulns::DbInfo,
}

fn report_import(g: &GlobalArgs, s: &ImportSummary) -> Result<ExitCode, Error> {
    if !g.quiet {
        for w in &s.warnings {
            eprintln!("warning: {w}");
        }
        if s.warning_count > s.warnings.len() {
            eprintln!(
                "warning: ... and {} more version warnings",
                s.warning_count - s.warnings.len()
            );
        }
    }
    let out = if g.format == Format::Json {
        let r = ImportReport {
            path: s.path.display().to_string(),
            files: s.files,
            other_ecosystem: s.other_ecosystem,
            warnings: s.warning_count,
            info: &s.info,
        };
        serde_json::to_string_pretty(&r).expect("serialisable") + "\n"
    } else {
        let mut out = format!(
            "imported {} records ({} known-malicious) for {} packages from {}\n",
            s.info.records, s.info.malicious, s.info.packages, s.info.source
        );
        let _ = writeln!(
            out,
            "  {} files read, {} withdrawn records skipped, {} records for other ecosystems skipped",
            s.files, s.info.withdrawn, s.other_ecosystem
        );
        let _ = writeln!(out, "  database: {}", s.path.display());
        out
    };
    super::emit(g, &out)?;
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}

#[derive(Serialize)]
struct InfoReport<'a> {
    path: String,
    imported: bool,
    /// Days since the last update (import, or an update that found the export unchanged).
    #[serde(skip_serializing_if = "Option::is_none")]
    age_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated_at: Option<jiff::Timestamp>,
    /// Days since the newest record was modified: how old the data itself is.
    #[serde(skip_serializing_if = "Option::is_none")]
    data_age_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stale: Option<bool>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    info: Option<&'a vulns::DbInfo>,
}

fn info(g: &GlobalArgs) -> Result<ExitCode, Error> {
    let dir = super::cache_dir(g)?;
    let path = vulns::db_path(&dir);
    let now = super::now(g);
    let db = VulnDb::open(&dir)?;
    let out = match (&db, g.format == Format::Json) {
        (db, true) => {
            let r = InfoReport {
                path: path.display().to_string(),
                imported: db.is_some(),
                age_days: db.as_ref().map(|d| d.age_days(now)),
                updated_at: db.as_ref().map(|d| d.updated_at()),
                data_age_days: db.as_ref().map(|d| d.data_age_days(now)),
                stale: db.as_ref().map(|d| d.is_stale(now)),
                info: db.as_ref().map(|d| d.info()),
            };
            serde_json::to_string_pretty(&r).expect("serialisable") + "\n"
        }
        (None, false) => format!(
            "location:  {}\nno vulnerability database imported: run `pyvet db import PATH` \
             (a directory of OSV records or an OSV export zip) or `pyvet db update` (the OSV \
             export for PyPI)\n",
            path.display()
        ),
        (Some(db), false) => {
            let i = db.info();
            let mut out = String::new();
            let _ = writeln!(out, "location:  {}", path.display());
            let _ = writeln!(out, "source:    {}", i.source);
            let _ = writeln!(out, "imported:  {}", i.imported_at);
            let _ = writeln!(
                out,
                "updated:   {} ({} days ago)",
                db.updated_at(),
                db.age_days(now)
            );
            let _ = writeln!(
                out,
                "records:   {} ({} known-malicious, {} withdrawn skipped)",
                i.records, i.malicious, i.withdrawn
            );
            let _ = writeln!(out, "packages:  {}", i.packages);
            match db.newest_record() {
                Some(t) => {
                    let _ = writeln!(
                        out,
                        "newest:    {t} (newest record, {} days old)",
                        db.data_age_days(now)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "newest:    unknown (the records carry no modification time)"
                    );
                }
            }
            out
        }
    };
    super::emit(g, &out)?;
    if let Some(why) = db.as_ref().and_then(|d| d.stale_note(now)) {
        eprintln!("warning: {why} (or `pyvet db import` a fresh export)");
    }
    Ok(ExitCode::from(crate::policy::EXIT_OK))
}
