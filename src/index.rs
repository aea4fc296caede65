//! Package index client: the simple repository API (PEP 691 JSON, falling back to PEP 503 HTML)
//! and the optional project metadata JSON, over `Network` when online and from the cache when
//! offline. Also decides which indexes to use: the lockfile's own URLs, `--index-url`, and the
//! user's pip/uv configuration. No index is built in.

use crate::cache::Cache;
use crate::error::Error;
use crate::network::Network;
use crate::project::ProjectInfo;

/// Where the index URLs come from, highest priority first.
#[derive(Debug, Clone, Default)]
pub struct IndexSettings {
    /// Primary index roots (simple API base URLs), in priority order.
    pub index_urls: Vec<String>,
    pub extra_index_urls: Vec<String>,
}

pub struct IndexClient<'a> {
    pub net: Option<&'a Network>,
    pub cache: &'a Cache,
    pub settings: IndexSettings,
}

impl IndexClient<'_> {
    /// Everything the index knows about `name`. Online: fetch (and cache); offline: cache only,
    /// `Ok(None)` when not cached. `Ok(None)` also when no configured index knows the project.
    pub fn project(&self, name: &str) -> Result<Option<ProjectInfo>, Error> {
        let _ = name;
        Err(Error::NotYet("index"))
    }
}
