//! Download artifacts into the cache in parallel, verifying every expected hash while the bytes
//! stream past. A mismatch is a `hash-mismatch` and the bytes are not cached. The rules for what
//! can go wrong are declared here; the pipeline (`audit`) turns each [`FetchStatus`] into them.
//!
//! For each job: when a sha256 is known (from the lockfile, the index, or a previous download of
//! the same URL) and that file is in the cache, it is re-hashed and used without the network
//! (so offline runs work). Otherwise it is downloaded by one of at most `parallel` worker threads
//! sharing a queue: the body streams into a temporary file in the cache while every algorithm
//! the job names is computed, a short body (truncation, connection reset) is retried, and only
//! bytes that match every expected digest are renamed into the cache.
//!
//! Every download is bounded: by the size the lockfile or index states (a `Content-Length`
//! that disagrees stops it before a byte is read, a body that runs past it stops at the first
//! byte over: a hashed 5 GiB substitute costs one buffer, not 5 GiB of disk), by
//! `NetworkOptions::max_artifact_size`, and by a total deadline across every attempt.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::cache::Cache;
use crate::finding::{RuleInfo, Severity};
use crate::hash::{Digest, HashAlgorithm, Hashes, MultiHasher};
use crate::network::Network;
use crate::redact::{redact_text, redact_url};

pub static HASH_MISMATCH: RuleInfo = RuleInfo {
    id: "hash-mismatch",
    severity: Severity::Critical,
    summary: "Downloaded bytes do not match the hash the lockfile or index states",
    help: "The file served for this artifact does not hash to the digest pinned in the \
           lockfile (or published by the index), or is not the size they state (the download \
           is then stopped at the first byte too many). Either the file was replaced on the index or \
           a mirror, the download was tampered with in transit, or the lockfile was edited by \
           hand. pyvet discards the bytes and never caches them. Re-lock from a trusted \
           index and compare; a false alarm is only possible when the lockfile itself is \
           wrong.",
};

pub static ARTIFACT_NOT_FOUND: RuleInfo = RuleInfo {
    id: "artifact-not-found",
    severity: Severity::High,
    summary: "The index no longer serves a file the lockfile pins",
    help: "Fetching the artifact returned 404 or 410, or the index lists no file matching \
           the pinned version and hashes. The file may have been deleted by its maintainers \
           or the index (often after a malicious upload was removed), or the lockfile points \
           at an index that is not configured. Nothing was vetted, so this blocks (pip \
           would refuse the pin too); find out why the file disappeared. One of the \
           `unvetted` rules: lower them together with `unvetted = \"medium\"`.",
};

pub static ARTIFACT_UNVERIFIED: RuleInfo = RuleInfo {
    id: "artifact-unverified",
    severity: Severity::Low,
    summary: "No hash is known for an artifact, so its bytes cannot be verified",
    help: "Neither the lockfile nor the index states a digest for this file, so pyvet can \
           only record the sha256 of what it downloaded. An attacker who can change the file \
           on the index or in transit would go unnoticed. Lock with hashes (pip-compile \
           --generate-hashes, uv, poetry) to pin the exact bytes.",
};

pub static FETCH_FAILED: RuleInfo = RuleInfo {
    id: "fetch-failed",
    severity: Severity::High,
    summary: "An artifact could not be downloaded, so it was not inspected",
    help: "The download failed after retries (network error, server error, reset, \
           truncated or stalled body, deadline), so the file's contents were not vetted. \
           What pyvet could not vet never passes: this blocks. A hostile index can break \
           downloads for pyvet alone and serve the installer the file. Re-run when the \
           index is reachable, or carry a warm cache (`pyvet cache export`/`import`) to this \
           machine; timeouts and retries are set with `--connect-timeout`, `--read-timeout`, \
           `--download-deadline` and `--retries` (or `[network]` in pyvet.toml). One of the \
           `unvetted` rules.",
};

pub static ARTIFACT_TOO_LARGE: RuleInfo = RuleInfo {
    id: "artifact-too-large",
    severity: Severity::High,
    summary: "An artifact is larger than the configured maximum, so it was not vetted",
    help: "The download was stopped (or the cached file not read) because the file is \
           larger than `max-artifact-size` (2 GiB by default). Real wheels rarely come near \
           it; a huge file is a way to exhaust disk or memory, or to hide from a scanner \
           with a limit. Raise the limit (`--max-artifact-size`, `[network] \
           max-artifact-size`) if the file is expected. One of the `unvetted` rules.",
};

/// Reported by the pipeline when the index lookup (done for this download) finds no such
/// project or version.
pub static NOT_ON_INDEX: RuleInfo = RuleInfo {
    id: "not-on-index",
    severity: Severity::Critical,
    summary: "The pinned project or version does not exist on the configured index",
    help: "The index answered that it does not know this project, or lists no release of the \
           pinned version. An installer cannot get it from there, so the lockfile was written \
           against another index (dependency confusion: the same name may mean different code \
           elsewhere) or the name is a typo or was removed, and anyone may register it and \
           upload code under exactly this pin. Check where the package really comes from and \
           configure that index (`--index-url`, pip or uv configuration); a private package \
           must never be resolved from a public index.",
};

pub static RULES: &[&RuleInfo] = &[
    &NOT_ON_INDEX,
    &HASH_MISMATCH,
    &ARTIFACT_NOT_FOUND,
    &ARTIFACT_UNVERIFIED,
    &FETCH_FAILED,
    &ARTIFACT_TOO_LARGE,
];

/// One file to fetch.
#[derive(Debug, Clone)]
pub struct FetchJob {
    pub filename: String,
    pub url: String,
    /// The size the lockfile or index states: the body must be exactly this long.
    pub size: Option<u64>,
    /// Every digest the bytes must match (lockfile per-file hashes and the index's hash).
    pub expected: Vec<Digest>,
    /// Alternatives: when non-empty, the bytes must match at least one of these (pip's
    /// requirement-level `--hash` list).
    pub any_of: Vec<Digest>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchStatus {
    /// In the cache, every expected hash checked.
    Verified {
        sha256: String,
        size: u64,
    },
    HashMismatch {
        expected: Digest,
        actual: String,
    },
    NotFound {
        url: String,
    },
    /// The body is not the size the lockfile or index states (`actual` bytes seen: with
    /// `more`, the transfer was stopped there).
    SizeMismatch {
        expected: u64,
        actual: u64,
        more: bool,
    },
    /// Larger than the configured maximum (`declared`: the Content-Length, when stated).
    TooLarge {
        limit: u64,
        declared: Option<u64>,
    },
    /// Offline and not in the cache.
    MissingOffline,
    Failed {
        message: String,
    },
}

impl FetchStatus {
    /// One sentence for the size statuses (report detail and finding message).
    pub fn describe(&self) -> String {
        match self {
            FetchStatus::SizeMismatch {
                expected,
                actual,
                more: true,
            } => format!(
                "the server sent more than the {expected} bytes the lockfile or index states \
                 (stopped at {actual}): not the pinned file"
            ),
            FetchStatus::SizeMismatch {
                expected, actual, ..
            } => format!(
                "the file is {actual} bytes, not the {expected} bytes the lockfile or index \
                 states: not the pinned file"
            ),
            FetchStatus::TooLarge {
                limit,
                declared: Some(d),
            } => format!(
                "the file is {d} bytes, larger than max-artifact-size ({limit} bytes): not \
                 downloaded, not vetted"
            ),
            FetchStatus::TooLarge { limit, .. } => format!(
                "the file is larger than max-artifact-size ({limit} bytes): download stopped, \
                 not vetted"
            ),
            other => format!("{other:?}"),
        }
    }
}

/// Progress events for the caller's progress bar.
#[derive(Debug, Clone)]
pub enum FetchEvent {
    Started { filename: String, size: Option<u64> },
    Bytes(u64),
    Finished { filename: String },
}

impl FetchJob {
    fn algorithms(&self) -> Vec<HashAlgorithm> {
        let mut algs: Vec<HashAlgorithm> = self
            .expected
            .iter()
            .chain(&self.any_of)
            .map(|d| d.algorithm)
            .collect();
        algs.sort();
        algs.dedup();
        algs
    }

    /// sha256 values under which the file may already be cached.
    fn candidate_sha256(&self, cache: &Cache) -> Vec<String> {
        let mut out: Vec<String> = self
            .expected
            .iter()
            .chain(&self.any_of)
            .filter(|d| d.algorithm == HashAlgorithm::Sha256)
            .map(|d| d.hex.clone())
            .collect();
        if out.is_empty() {
            if let Some(s) = cache.lookup_name(&self.url) {
                out.push(s);
            }
        }
        out.dedup();
        out
    }

    /// Check computed hashes against the job: `None` when acceptable.
    fn mismatch(&self, got: &Hashes) -> Option<(Digest, String)> {
        for d in &self.expected {
            let actual = got.get(d.algorithm).unwrap_or("");
            if actual != d.hex {
                return Some((d.clone(), actual.to_string()));
            }
        }
        if !self.any_of.is_empty()
            && !self
                .any_of
                .iter()
                .any(|d| got.get(d.algorithm) == Some(d.hex.as_str()))
        {
            let d = self.any_of[0].clone();
            let actual = got.get(d.algorithm).unwrap_or("").to_string();
            return Some((d, actual));
        }
        None
    }
}

/// Fetch every job with at most `parallel` downloads at once. Results are in job order.
pub fn fetch_all(
    jobs: &[FetchJob],
    cache: &Cache,
    net: Option<&Network>,
    parallel: usize,
    progress: &(dyn Fn(FetchEvent) + Sync),
) -> Vec<FetchStatus> {
    let results: Mutex<Vec<Option<FetchStatus>>> = Mutex::new(vec![None; jobs.len()]);
    let next = AtomicUsize::new(0);
    let workers = parallel.clamp(1, 64).min(jobs.len().max(1));
    let work = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some(job) = jobs.get(i) else { break };
        let status = fetch_one(job, cache, net, progress);
        if let Ok(mut r) = results.lock() {
            r[i] = Some(status);
        }
    };
    if workers <= 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(work);
            }
        });
    }
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .map(|r| {
            r.unwrap_or(FetchStatus::Failed {
                message: "internal error: the download worker stopped".into(),
            })
        })
        .collect()
}

/// Fetch (or verify from the cache) one job.
pub fn fetch_one(
    job: &FetchJob,
    cache: &Cache,
    net: Option<&Network>,
    progress: &(dyn Fn(FetchEvent) + Sync),
) -> FetchStatus {
    let algs = job.algorithms();
    for sha in job.candidate_sha256(cache) {
        match cache.verify_artifact(&sha, &algs) {
            Ok(Some(v)) => {
                progress(FetchEvent::Started {
                    filename: job.filename.clone(),
                    size: Some(v.size),
                });
                progress(FetchEvent::Finished {
                    filename: job.filename.clone(),
                });
                if let Some((expected, actual)) = job.mismatch(&v.hashes) {
                    // The cached bytes are what this sha256 names, so the job's digests
                    // disagree with each other: the lockfile or index is inconsistent.
                    return FetchStatus::HashMismatch { expected, actual };
                }
                let _ = cache.record_name(&job.url, &sha);
                return FetchStatus::Verified {
                    sha256: sha,
                    size: v.size,
                };
            }
            Ok(None) => {}
            Err(e) => {
                return FetchStatus::Failed {
                    message: redact_text(&e.to_string()),
                }
            }
        }
    }
    let Some(net) = net else {
        return FetchStatus::MissingOffline;
    };
    let opts = net.options();
    let deadline = std::time::Instant::now() + opts.deadline;
    let attempts = opts.retries.saturating_add(1);
    let mut last_error = String::new();
    let mut made = 0;
    for attempt in 0..attempts {
        if attempt > 0 {
            let wait = opts
                .backoff
                .saturating_mul(1u32 << attempt.min(10))
                .min(opts.max_backoff);
            if std::time::Instant::now() + wait >= deadline {
                last_error = format!(
                    "{last_error}; no time left within the download deadline of {} s",
                    opts.deadline.as_secs_f64()
                );
                break;
            }
            std::thread::sleep(wait);
        }
        made += 1;
        match download(job, &algs, cache, net, progress, deadline) {
            Ok(status) => return status,
            Err(Attempt::Retry(msg)) => last_error = msg,
            Err(Attempt::Fatal(msg)) => return FetchStatus::Failed { message: msg },
        }
    }
    FetchStatus::Failed {
        message: format!("{last_error} (after {made} attempts)"),
    }
}

enum Attempt {
    Retry(String),
    Fatal(String),
}

fn download(
    job: &FetchJob,
    algs: &[HashAlgorithm],
    cache: &Cache,
    net: &Network,
    progress: &(dyn Fn(FetchEvent) + Sync),
    deadline: std::time::Instant,
) -> Result<FetchStatus, Attempt> {
    let shown = redact_url(&job.url);
    let url = match job.url.split_once('#') {
        Some((u, _)) => u,
        None => job.url.as_str(),
    };
    let res = net
        .download(url, deadline)
        .map_err(|e| Attempt::Fatal(redact_text(&e.to_string())))?;
    if res.status == 404 || res.status == 410 {
        return Ok(FetchStatus::NotFound {
            url: crate::network::clean_url(url),
        });
    }
    if !res.is_success() {
        // The network layer has already retried 5xx and 429.
        return Err(Attempt::Fatal(format!("{shown}: HTTP {}", res.status)));
    }
    let max = net.options().max_artifact_size;
    let declared = res.content_length;
    // Stop before reading a byte when the stated length already says "not this file".
    if let (Some(expected), Some(d)) = (job.size, declared) {
        if d != expected {
            return Ok(FetchStatus::SizeMismatch {
                expected,
                actual: d,
                more: false,
            });
        }
    }
    if declared.is_some_and(|d| d > max) {
        return Ok(FetchStatus::TooLarge {
            limit: max,
            declared,
        });
    }
    let limit = job.size.unwrap_or(u64::MAX).min(max);
    progress(FetchEvent::Started {
        filename: job.filename.clone(),
        size: declared.or(job.size),
    });
    let mut tmp = cache
        .temp_file("download")
        .map_err(|e| Attempt::Fatal(redact_text(&e.to_string())))?;
    let mut hasher = MultiHasher::new(algs.iter().copied());
    let mut body = res.body;
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let why = format!(
                    "{shown}: download interrupted after {size} bytes: {}",
                    redact_text(&e.to_string())
                );
                // Past the deadline there is no point in another attempt.
                return Err(if std::time::Instant::now() >= deadline {
                    Attempt::Fatal(format!(
                        "{why} (download deadline of {} s reached)",
                        net.options().deadline.as_secs_f64()
                    ))
                } else {
                    Attempt::Retry(why)
                });
            }
        };
        if size + n as u64 > limit {
            // The temporary file is removed when `tmp` drops.
            return Ok(match job.size {
                Some(expected) if size + n as u64 > expected => FetchStatus::SizeMismatch {
                    expected,
                    actual: size + n as u64,
                    more: true,
                },
                _ => FetchStatus::TooLarge {
                    limit: max,
                    declared,
                },
            });
        }
        hasher.update(&buf[..n]);
        tmp.file()
            .write_all(&buf[..n])
            .map_err(|e| Attempt::Fatal(format!("writing {}: {e}", tmp.path().display())))?;
        size += n as u64;
        progress(FetchEvent::Bytes(n as u64));
    }
    if let Some(len) = declared {
        if size != len {
            return Err(Attempt::Retry(format!(
                "{shown}: truncated download ({size} of {len} bytes)"
            )));
        }
    }
    if let Some(expected) = job.size {
        if size != expected {
            return Ok(FetchStatus::SizeMismatch {
                expected,
                actual: size,
                more: false,
            });
        }
    }
    tmp.file()
        .sync_all()
        .map_err(|e| Attempt::Fatal(format!("writing {}: {e}", tmp.path().display())))?;
    progress(FetchEvent::Finished {
        filename: job.filename.clone(),
    });
    let got = hasher.finish();
    if let Some((expected, actual)) = job.mismatch(&got) {
        return Ok(FetchStatus::HashMismatch { expected, actual });
    }
    let sha = got.sha256().unwrap_or_default().to_string();
    cache
        .commit_artifact(tmp, &sha)
        .map_err(|e| Attempt::Fatal(redact_text(&e.to_string())))?;
    let _ = cache.record_name(url, &sha);
    Ok(FetchStatus::Verified { sha256: sha, size })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(alg: HashAlgorithm, c: char) -> Digest {
        Digest::new(alg, &c.to_string().repeat(alg.hex_len())).unwrap()
    }

    fn job(expected: Vec<Digest>, any_of: Vec<Digest>) -> FetchJob {
        FetchJob {
            filename: "x-1.0.tar.gz".into(),
            url: "https://example.invalid/x-1.0.tar.gz".into(),
            size: None,
            expected,
            any_of,
        }
    }

    #[test]
    fn every_expected_digest_must_match_and_one_alternative() {
        let (a256, b512) = (d(HashAlgorithm::Sha256, 'a'), d(HashAlgorithm::Sha512, 'b'));
        let mut got = Hashes::default();
        got.insert(a256.clone());
        got.insert(b512.clone());
        let both = job(vec![a256.clone(), b512.clone()], vec![]);
        assert_eq!(
            both.algorithms(),
            vec![HashAlgorithm::Sha256, HashAlgorithm::Sha512]
        );
        assert!(both.mismatch(&got).is_none());
        // The lockfile and the index disagreeing is a mismatch whatever the bytes.
        let conflicting = job(vec![a256.clone(), d(HashAlgorithm::Sha256, 'c')], vec![]);
        let (expected, actual) = conflicting.mismatch(&got).unwrap();
        assert_eq!(
            (expected.hex.as_str(), actual),
            ("c".repeat(64).as_str(), "a".repeat(64))
        );
        // pip's requirement-level `--hash` list: any one of them is enough, none is a mismatch.
        let alternatives = job(vec![], vec![d(HashAlgorithm::Sha256, 'e'), a256.clone()]);
        assert!(alternatives.mismatch(&got).is_none());
        let none_match = job(vec![], vec![d(HashAlgorithm::Sha256, 'e')]);
        assert!(none_match.mismatch(&got).is_some());
        assert!(job(vec![], vec![]).mismatch(&got).is_none());
    }
}
