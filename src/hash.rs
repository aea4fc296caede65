//! Hash algorithms and digests as types, not strings, and a hasher that checks several
//! algorithms while the bytes stream past once.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The algorithms a lockfile may name. pip accepts sha256/384/512 in `--hash`; indexes also
/// publish md5 and blake2b_256, which we record but do not rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    /// Length of the hex digest.
    pub fn hex_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 64,
            HashAlgorithm::Sha384 => 96,
            HashAlgorithm::Sha512 => 128,
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    #[error("unsupported hash algorithm `{0}` (expected sha256, sha384 or sha512)")]
    UnknownAlgorithm(String),
    #[error("malformed {algorithm} digest `{digest}`: expected {expected} hex characters")]
    BadDigest {
        algorithm: HashAlgorithm,
        digest: String,
        expected: usize,
    },
    #[error("malformed hash `{0}`: expected ALGORITHM:HEX")]
    MissingSeparator(String),
}

impl FromStr for HashAlgorithm {
    type Err = HashParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "sha256" => Ok(HashAlgorithm::Sha256),
            "sha384" => Ok(HashAlgorithm::Sha384),
            "sha512" => Ok(HashAlgorithm::Sha512),
            other => Err(HashParseError::UnknownAlgorithm(other.to_string())),
        }
    }
}

/// A validated digest: an algorithm and lowercase hex of the right length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    pub algorithm: HashAlgorithm,
    pub hex: String,
}

impl Digest {
    pub fn new(algorithm: HashAlgorithm, hex: &str) -> Result<Self, HashParseError> {
        let hex = hex.trim().to_ascii_lowercase();
        if hex.len() != algorithm.hex_len() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(HashParseError::BadDigest {
                algorithm,
                digest: hex,
                expected: algorithm.hex_len(),
            });
        }
        Ok(Self { algorithm, hex })
    }

    /// Parse `sha256:abcd...` (also accepts `sha256=abcd...` as used in URL fragments).
    pub fn parse(s: &str) -> Result<Self, HashParseError> {
        let s = s.trim();
        let (alg, hex) = s
            .split_once([':', '='])
            .ok_or_else(|| HashParseError::MissingSeparator(s.to_string()))?;
        Digest::new(alg.parse()?, hex)
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// The hashes a lockfile states for one file: at most one per algorithm... except that pip lets
/// a requirement list several sha256 values (one per file it may pick). `Hashes` therefore keeps
/// a set of digests per algorithm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hashes(pub BTreeMap<HashAlgorithm, String>);

impl Hashes {
    pub fn from_digest(d: Digest) -> Self {
        let mut h = Hashes::default();
        h.insert(d);
        h
    }
    pub fn insert(&mut self, d: Digest) {
        self.0.insert(d.algorithm, d.hex);
    }
    pub fn get(&self, alg: HashAlgorithm) -> Option<&str> {
        self.0.get(&alg).map(String::as_str)
    }
    pub fn sha256(&self) -> Option<&str> {
        self.get(HashAlgorithm::Sha256)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn digests(&self) -> impl Iterator<Item = Digest> + '_ {
        self.0.iter().map(|(a, h)| Digest {
            algorithm: *a,
            hex: h.clone(),
        })
    }
}

/// Computes sha256 always, plus sha384/sha512 when asked, in one pass over the bytes.
pub struct MultiHasher {
    sha256: sha2::Sha256,
    sha384: Option<sha2::Sha384>,
    sha512: Option<sha2::Sha512>,
}

impl MultiHasher {
    /// `also` lists extra algorithms to compute (sha256 is always computed: it is the cache key).
    pub fn new(also: impl IntoIterator<Item = HashAlgorithm>) -> Self {
        let mut h = Self {
            sha256: sha2::Sha256::new(),
            sha384: None,
            sha512: None,
        };
        for a in also {
            match a {
                HashAlgorithm::Sha256 => {}
                HashAlgorithm::Sha384 => h.sha384 = Some(sha2::Sha384::new()),
                HashAlgorithm::Sha512 => h.sha512 = Some(sha2::Sha512::new()),
            }
        }
        h
    }

    pub fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        if let Some(h) = &mut self.sha384 {
            h.update(data);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(data);
        }
    }

    pub fn finish(self) -> Hashes {
        let mut out = Hashes::default();
        out.0
            .insert(HashAlgorithm::Sha256, hex::encode(self.sha256.finalize()));
        if let Some(h) = self.sha384 {
            out.0
                .insert(HashAlgorithm::Sha384, hex::encode(h.finalize()));
        }
        if let Some(h) = self.sha512 {
            out.0
                .insert(HashAlgorithm::Sha512, hex::encode(h.finalize()));
        }
        out
    }
}

/// sha256 of a byte slice, as lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(data))
}

/// Compare every expected digest with the computed ones. Returns the first mismatch as
/// `(expected, actual)`; an algorithm that was not computed counts as a mismatch only if the
/// caller forgot to ask for it, which is a bug, so it is reported with an empty `actual`.
pub fn first_mismatch(expected: &Hashes, actual: &Hashes) -> Option<(Digest, String)> {
    for d in expected.digests() {
        let got = actual.get(d.algorithm).unwrap_or("");
        if got != d.hex {
            return Some((d, got.to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_digests() {
        let d = Digest::parse(
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
        )
        .unwrap();
        assert_eq!(d.algorithm, HashAlgorithm::Sha256);
        assert!(d.hex.starts_with("e3b0"));
        assert!(Digest::parse("sha256:abc").is_err());
        assert!(Digest::parse("md4:abc").is_err());
        assert!(Digest::parse("nohash").is_err());
    }

    #[test]
    fn multihasher_matches_known_vectors() {
        let mut h = MultiHasher::new([HashAlgorithm::Sha512]);
        h.update(b"");
        let out = h.finish();
        assert_eq!(
            out.sha256().unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(out
            .get(HashAlgorithm::Sha512)
            .unwrap()
            .starts_with("cf83e135"));
        let expected =
            Hashes::from_digest(Digest::parse(&format!("sha256:{}", "0".repeat(64))).unwrap());
        assert!(first_mismatch(&expected, &out).is_some());
        assert!(first_mismatch(&out, &out).is_none());
    }
}
