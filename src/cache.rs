//! The on-disk cache: artifacts stored by sha256, index responses stored with their fetch time.
//! Writes go to a temporary file in the cache, are fsynced and renamed into place, so a crash
//! or a second pyvet process never leaves a half-written entry. Reads re-verify the hash and
//! evict a corrupt file.

use std::path::{Path, PathBuf};

use crate::error::Error;

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// Open (creating if needed) the cache at `root`.
    pub fn open(root: &Path) -> Result<Cache, Error> {
        Ok(Cache {
            root: root.to_path_buf(),
        })
    }

    /// The default location: PYVET_CACHE_DIR, else the platform cache dir + `pyvet`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("PYVET_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("pyvet")))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The verified bytes of an artifact, or `None` when absent (or evicted as corrupt).
    pub fn artifact(&self, sha256: &str) -> Result<Option<Vec<u8>>, Error> {
        let _ = sha256;
        Err(Error::NotYet("cache"))
    }
}
