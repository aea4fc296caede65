//! The only HTTP code in pyvet. A `Network` exists only when the user is online: every caller
//! receives `Option<&Network>` and must handle `None` (offline) explicitly.

use std::io::Read;
use std::time::Duration;

use crate::error::Error;

#[derive(Debug, Clone)]
pub struct NetworkOptions {
    pub timeout: Duration,
    pub retries: u32,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retries: 3,
        }
    }
}

/// A response whose body has not been read yet.
pub struct Response {
    pub status: u16,
    /// URL after redirects (used to resolve relative links).
    pub final_url: String,
    pub content_type: Option<String>,
    pub content_length: Option<u64>,
    pub body: Box<dyn Read + Send>,
}

pub struct Network {
    _private: (),
}

impl Network {
    /// `None` when offline.
    pub fn acquire(offline: bool, opts: &NetworkOptions) -> Result<Option<Network>, Error> {
        let _ = opts;
        if offline {
            return Ok(None);
        }
        Ok(Some(Network { _private: () }))
    }

    /// GET `url`, retrying transient failures. Non-2xx final statuses are returned, not errors.
    pub fn get(&self, url: &str, accept: Option<&str>) -> Result<Response, Error> {
        let _ = (url, accept);
        Err(Error::NotYet("network"))
    }
}
