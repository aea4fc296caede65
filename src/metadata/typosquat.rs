//! Typosquat detection: does a project name imitate a much more popular one?
//!
//! Attackers publish names one slip away from a popular project (`reqeusts`, `urlib3`,
//! `python-dateutils`) and wait for a typo in a requirements file. This module holds a snapshot
//! of the most-downloaded project names with their download rank (`data/popular.tsv`, built by
//! `scripts/make-popular.py`, embedded at compile time and parsed once) and answers "which popular
//! name does this one look like, and how?". Look-alike techniques recognised:
//!
//! - separator change: `-`, `_`, `.` added or removed (`setup-tools`, `pythondateutil`);
//! - `py`/`python` added or removed as a prefix or suffix (`dateutil`, `requests-python`);
//! - homoglyphs: `l`/`1`/`I`, `o`/`0`, `rn`/`m`, `vv`/`w`, `cl`/`d` (`jeIlyfish`, `rnatplotlib`);
//! - one edit: a letter inserted, repeated, dropped, replaced, or two adjacent letters swapped
//!   (`colourama`, `urlib3`, `djanga`, `reqeusts`) -- only when both names are longer than four
//!   characters, since short names are naturally one edit apart from each other.
//!
//! The index is built on the first check of every process, so it is made cheap to build: a few
//! flat arrays filled in one pass over the embedded text, with no allocation per name (about
//! 2 ms for 15,000 names). One hash-chained table keyed by the homoglyph skeleton finds a name
//! itself and its separator and homoglyph variants, a small one finds `py`/`python` cores, and
//! the edit-distance test scans only the names of the query's length, plus or minus one, that
//! share its first or last byte, most popular first with an early exit (a few microseconds
//! per name). Derived forms are hashed as they stream and recomputed only for the few
//! candidates a hash finds; a test checks every answer against a brute-force reference.
//!
//! Deciding whether a look-alike is a finding (popularity floors and ratios) is policy and lives
//! in [`grade`] (and [`assess`], the name-only verdict); the matching itself is
//! [`Popular::lookalike`]. What the index says about who publishes the two projects can lower
//! the grade: that evidence is `related`'s [`Kinship`], applied by [`Assessment::into_finding`].

use std::borrow::Cow;
use std::hash::Hasher;
use std::path::Path;
use std::sync::OnceLock;

pub use super::related::Kinship;
use crate::error::InputError;
use crate::finding::{Confidence, Finding, RuleInfo, Severity};
use crate::package::normalize_name;
use rustc_hash::{FxHashMap as HashMap, FxHasher};

/// The rule this module reports.
pub static TYPOSQUAT: RuleInfo = RuleInfo {
    id: "typosquat",
    severity: Severity::High,
    summary:
        "Name looks like a much more popular project (typo, homoglyph, separator or python affix)",
    help:
        "The project name is one slip away from a popular project: one letter inserted, dropped, \
           repeated, replaced or swapped with its neighbour, a separator added or removed, `py`/\
           `python` added or removed, or a look-alike character (l/1/I, o/0, rn/m, vv/w, cl/d). \
           Typosquatting packages are a common way to get malware installed by a typo in a \
           requirements file. The finding names the imitated project and its download rank; it \
           is high when this name is not itself among the popular projects and imitates one of \
           the top 1000 (or any popular project by a homoglyph, swapped, repeated or omitted \
           letter), and medium when the imitated project is less popular or when this name \
           is popular too but ranked more than ten times lower than its look-alike (such as \
           `websocket` vs `websockets`: often a confusion worth a look). Names ranked in the top \
           1000 themselves are never reported. Who publishes the two projects can clear the \
           finding, but only as the index records it (its ownership data: the organisation and \
           the accounts that can upload), which an uploader cannot set alone: when the index \
           lists the same organisation or an account in common for both projects, the finding \
           is info and says so (a sibling project, not a squat); when it lists this project's \
           organisation or account as the publisher of another top-1000 project, it is low at \
           most (an established publisher's own project, still worth checking that it is the \
           one you meant). To see this, an audit looks up the imitated project (and the popular \
           project named like the organisation) through the index and its cache; offline and \
           uncached, the name alone decides. A project's own metadata never lowers the grade: \
           a repository URL, author or maintainer email is whatever the uploader wrote, and \
           typosquats copy their target's (in a real malware corpus, 57 of 65 typosquats whose \
           repository and target's repository are known name the target's owner), so such a \
           claim is only shown in the evidence. A false alarm is a legitimate project that happens to have a similar name: \
           check that the name you meant is the one in your lockfile, then suppress the finding \
           for that package.",
};

/// The embedded snapshot: `name<TAB>rank`, normalised names, sorted by rank.
const EMBEDDED: &str = include_str!("../../data/popular.tsv");

/// How a name imitates a popular one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Technique {
    /// Same letters, different `-`/`_`/`.` placement.
    Separator,
    /// `py`/`python` prefix or suffix added or removed.
    PythonAffix,
    /// Look-alike characters (l/1/I, o/0, rn/m, vv/w, cl/d).
    Homoglyph,
    /// Two adjacent letters swapped.
    Transposition,
    /// A letter doubled (`requestss`).
    RepeatedLetter,
    /// A doubled letter written once (`urlib3`).
    OmittedLetter,
    /// One extra letter.
    Insertion,
    /// One letter missing.
    Deletion,
    /// One letter replaced.
    Substitution,
}

impl Technique {
    pub fn describe(self) -> &'static str {
        match self {
            Technique::Separator => "separators added or removed",
            Technique::PythonAffix => "`py`/`python` prefix or suffix added or removed",
            Technique::Homoglyph => "look-alike characters",
            Technique::Transposition => "two adjacent letters swapped",
            Technique::RepeatedLetter => "a letter repeated",
            Technique::OmittedLetter => "a doubled letter written once",
            Technique::Insertion => "one letter added",
            Technique::Deletion => "one letter dropped",
            Technique::Substitution => "one letter replaced",
        }
    }

    /// How telling the technique is on its own: swaps and homoglyphs are rarely accidental in a
    /// real project's name; a separator or `python-` affix sometimes is.
    fn confidence(self) -> Confidence {
        match self {
            Technique::Homoglyph
            | Technique::Transposition
            | Technique::RepeatedLetter
            | Technique::OmittedLetter => Confidence::High,
            _ => Confidence::Medium,
        }
    }
}

/// A popular project that a name looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookAlike {
    /// The imitated project (normalised).
    pub imitated: String,
    /// Its download rank (1 = most downloaded).
    pub rank: u32,
    pub technique: Technique,
}

/// One snapshot name: its byte span in [`Popular::text`] and its download rank.
#[derive(Debug, Clone, Copy)]
struct Entry {
    start: u32,
    end: u32,
    rank: u32,
}

/// A snapshot of popular project names and their download ranks, indexed for look-alike search.
///
/// Built once per process on the first typosquat check, so the index is a handful of flat
/// arrays filled in one pass without allocating per name: derived forms (separator-free form,
/// homoglyph skeleton, affix-free core) are hashed while their characters stream by, and only
/// the few candidates a look-up finds under a hash are compared with the query, by recomputing
/// their derived form.
#[derive(Debug, Clone, Default)]
pub struct Popular {
    /// Every name's text: the embedded snapshot itself (names are spans of its lines), or the
    /// names of a loaded snapshot concatenated.
    text: Cow<'static, str>,
    /// Sorted by (rank, name): a lower index is a more popular project.
    entries: Vec<Entry>,
    /// Entries by homoglyph skeleton. The skeleton is a function of the separator-free form,
    /// which is a function of the name, so this one table finds a name itself, its separator
    /// variants and its homoglyph variants.
    by_skeleton: Chains,
    /// Entries with a `py`/`python` affix, by the core that removing it leaves.
    by_core: Chains,
    /// Entries longer than [`SHORT_NAME_LEN`] by (length, first byte) and by (length, last
    /// byte): one edit keeps the first or the last byte of names over two bytes.
    by_len_first: Buckets,
    by_len_last: Buckets,
}

impl Popular {
    /// Build from `(name, rank)` pairs; names are normalised, duplicates keep the best rank.
    /// (Names past 4 GiB of text in all are dropped, least popular first.)
    pub fn from_pairs<I, S>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (S, u32)>,
        S: AsRef<str>,
    {
        let mut best: HashMap<String, u32> = HashMap::default();
        for (name, rank) in pairs {
            let name = normalize_name(name.as_ref());
            if name.is_empty() {
                continue;
            }
            let slot = best.entry(name).or_insert(rank);
            *slot = (*slot).min(rank);
        }
        let mut pairs: Vec<(String, u32)> = best.into_iter().collect();
        pairs.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut text = String::with_capacity(pairs.iter().map(|(n, _)| n.len()).sum());
        let mut entries = Vec::with_capacity(pairs.len());
        for (name, rank) in pairs {
            let start = text.len();
            let Some(end) = start
                .checked_add(name.len())
                .filter(|e| u32::try_from(*e).is_ok())
            else {
                break;
            };
            text.push_str(&name);
            entries.push(Entry {
                start: start as u32,
                end: end as u32,
                rank,
            });
        }
        Self::index(Cow::Owned(text), entries)
    }

    /// Index entries that are already normalised, unique and sorted by (rank, name), and whose
    /// spans lie in `text`.
    fn index(text: Cow<'static, str>, entries: Vec<Entry>) -> Self {
        let mut by_skeleton = Chains::with_capacity(entries.len(), false);
        let mut cores: Vec<(u64, u32)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let name = span(&text, e);
            by_skeleton.insert(skeleton_hash(name), i as u32);
            if may_have_affix(name) {
                for core in affix_cores(name).as_slice() {
                    cores.push((hash_bytes(core.bytes()), i as u32));
                }
            }
        }
        let mut by_core = Chains::with_capacity(cores.len(), true);
        for (hash, i) in cores {
            by_core.insert(hash, i);
        }
        let by_len_first = Buckets::new(&text, &entries, |name| name.first().copied());
        let by_len_last = Buckets::new(&text, &entries, |name| name.last().copied());
        Popular {
            text,
            entries,
            by_skeleton,
            by_core,
            by_len_first,
            by_len_last,
        }
    }

    /// Parse the embedded snapshot, which `scripts/make-popular.py` writes normalised, unique
    /// and sorted by (rank, name) (a test checks that this equals the general [`Self::parse`]):
    /// names are spans of the text, not normalised, de-duplicated or sorted again. `None` if a
    /// line is malformed.
    fn parse_clean(text: &'static str) -> Option<Self> {
        u32::try_from(text.len()).ok()?;
        let bytes = text.as_bytes();
        // About 20 bytes a line; a guess too small only costs a reallocation.
        let mut entries = Vec::with_capacity(bytes.len() / 16);
        let mut pos = 0;
        while pos < bytes.len() {
            let rest = &bytes[pos..];
            match rest {
                [b'#', ..] => {
                    pos += rest
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(rest.len(), |n| n + 1);
                    continue;
                }
                [b'\n', ..] => {
                    pos += 1;
                    continue;
                }
                [b'\r', b'\n', ..] => {
                    pos += 2;
                    continue;
                }
                _ => {}
            }
            // `name<TAB>rank`, the rank in plain digits and the line ending after it: anything
            // else is for `parse`.
            let tab = rest.iter().position(|&b| b == b'\t' || b == b'\n')?;
            if tab == 0 || rest[tab] != b'\t' {
                return None;
            }
            let digits = rest[tab + 1..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(rest.len() - tab - 1);
            let after = tab + 1 + digits;
            let line_len = match &rest[after..] {
                [] => after,
                [b'\n', ..] => after + 1,
                [b'\r', b'\n', ..] => after + 2,
                _ => return None,
            };
            if digits == 0 || digits > 9 {
                return None;
            }
            let rank = rest[tab + 1..after]
                .iter()
                .fold(0u32, |r, d| r * 10 + u32::from(d - b'0'));
            if rank == 0 {
                return None;
            }
            entries.push(Entry {
                start: pos as u32,
                end: (pos + tab) as u32,
                rank,
            });
            pos += line_len;
        }
        Some(Self::index(Cow::Borrowed(text), entries))
    }

    /// Parse the `name<TAB>rank` format. Blank lines and `#` comments are skipped; any other
    /// malformed line is an error naming `origin` and the line.
    pub fn parse(text: &str, origin: &Path) -> Result<Self, InputError> {
        let mut pairs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(name), Some(rank)) = (cols.next(), cols.next()) else {
                return Err(InputError::new(
                    origin,
                    Some(i + 1),
                    "expected `name<TAB>rank`",
                ));
            };
            let rank: u32 = rank.trim().parse().map_err(|_| {
                InputError::new(
                    origin,
                    Some(i + 1),
                    format!("rank `{}` is not a positive integer", rank.trim()),
                )
            })?;
            if rank == 0 || normalize_name(name).is_empty() {
                return Err(InputError::new(
                    origin,
                    Some(i + 1),
                    "empty name or zero rank",
                ));
            }
            pairs.push((name.to_string(), rank));
        }
        Ok(Self::from_pairs(pairs))
    }

    /// Number of projects in the snapshot.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Download rank of a project (any spelling; normalised first).
    pub fn rank(&self, name: &str) -> Option<u32> {
        let i = self.find(&normalize_name(name))?;
        Some(self.entries[i as usize].rank)
    }

    /// Names in rank order (most downloaded first).
    pub fn names(&self) -> impl Iterator<Item = (&str, u32)> {
        self.entries.iter().map(|e| (span(&self.text, e), e.rank))
    }

    fn name(&self, i: u32) -> &str {
        span(&self.text, &self.entries[i as usize])
    }

    /// The entry named exactly `name` (normalised).
    fn find(&self, name: &str) -> Option<u32> {
        self.by_skeleton
            .get(skeleton_hash(name))
            .find(|&i| self.name(i) == name)
    }

    /// The entries that have `core` as one of their [`affix_cores`].
    fn with_core<'a>(&'a self, core: &'a str) -> impl Iterator<Item = u32> + 'a {
        self.by_core
            .get(hash_bytes(core.bytes()))
            .filter(move |&i| affix_cores(self.name(i)).as_slice().contains(&core))
    }

    /// The most popular project (lowest rank) that `name` imitates, other than itself.
    pub fn lookalike(&self, name: &str) -> Option<LookAlike> {
        let name = normalize_name(name);
        if name.is_empty() {
            return None;
        }
        let mut best: Option<(u32, Technique)> = None;
        let consider = |idx: u32, technique: Technique, best: &mut Option<(u32, Technique)>| {
            if self.name(idx) == name {
                return;
            }
            // Entries are sorted by rank, so a lower index is a more popular project.
            if best.is_none_or(|(b, _)| idx < b) {
                *best = Some((idx, technique));
            }
        };

        // Same skeleton: a separator variant when the separator-free forms are equal too, else
        // a homoglyph. (Each entry is one or the other, so the order they are met in does not
        // matter.)
        for i in self.by_skeleton.get(skeleton_hash(&name)) {
            let target = self.name(i);
            if !skeleton_bytes(target).eq(skeleton_bytes(&name)) {
                continue; // a hash collision
            }
            let technique = if strip_bytes(target).eq(strip_bytes(&name)) {
                Technique::Separator
            } else {
                Technique::Homoglyph
            };
            consider(i, technique, &mut best);
        }
        // `python-foo` / `foo-py` / `pyfoo` against `foo`; `foo` against `python-foo`; and two
        // different affixes around the same core (`py-yaml` vs `python-yaml`).
        let cores = affix_cores(&name);
        for &core in cores.as_slice() {
            if let Some(i) = self.find(core) {
                consider(i, Technique::PythonAffix, &mut best);
            }
            for i in self.with_core(core) {
                consider(i, Technique::PythonAffix, &mut best);
            }
        }
        if name.len() >= MIN_CORE_LEN {
            for i in self.with_core(&name) {
                consider(i, Technique::PythonAffix, &mut best);
            }
        }
        // One edit away; both names longer than the short-name limit. Candidates share the
        // query's first byte, or its last byte (and not its first, already seen).
        let q = name.as_bytes();
        if let (true, Some(&first), Some(&last)) = (q.len() > SHORT_NAME_LEN, q.first(), q.last()) {
            let mut seen = None;
            for len in [q.len() - 1, q.len(), q.len() + 1] {
                if len <= SHORT_NAME_LEN {
                    continue;
                }
                // Long lengths share a bucket: scan it once.
                let keys = (bucket_key(len, first), bucket_key(len, last));
                if seen.replace(keys) == Some(keys) {
                    continue;
                }
                let same_first = self.by_len_first.get(keys.0);
                let same_last = self.by_len_last.get(keys.1);
                for (bucket, by_last) in [(same_first, false), (same_last, true)] {
                    for &i in bucket {
                        // Buckets ascend by rank: only a more popular candidate than the best so
                        // far can change the answer.
                        if best.is_some_and(|(b, _)| i >= b) {
                            break;
                        }
                        let target = self.name(i);
                        let t = target.as_bytes();
                        // A bucket holds neighbouring lengths and bytes too (see `bucket_key`).
                        let wanted = if by_last {
                            t.last() == Some(&last) && t.first() != Some(&first)
                        } else {
                            t.first() == Some(&first)
                        };
                        if !wanted || t.len().abs_diff(q.len()) > 1 {
                            continue;
                        }
                        if let Some(t) = one_edit(&name, target) {
                            consider(i, t, &mut best);
                        }
                    }
                }
            }
        }
        best.map(|(i, technique)| {
            let e = &self.entries[i as usize];
            LookAlike {
                imitated: self.name(i).to_string(),
                rank: e.rank,
                technique,
            }
        })
    }
}

/// The name an entry spans (empty if the span is not in the text, which `index` rules out).
fn span<'a>(text: &'a str, e: &Entry) -> &'a str {
    text.get(e.start as usize..e.end as usize)
        .unwrap_or_default()
}

/// No key / end of a chain.
const NIL: u32 = u32::MAX;

/// A hash multimap from a derived form of a name to entry indices, in three flat arrays:
/// `heads[slot]` is the first key whose hash falls in that slot, `next[key]` the key after it,
/// `values[key]` the entry it stands for. Keys keep no text: a caller recomputes each
/// candidate's derived form to drop the other names that share its slot.
#[derive(Debug, Clone, Default)]
struct Chains {
    /// `heads.len() - 1`: a slot is the low bits of a hash (where Fx hashes mix best).
    mask: usize,
    heads: Vec<u32>,
    next: Vec<u32>,
    /// The entry each key stands for, when `keyed`; otherwise key `i` is entry `i`.
    values: Vec<u32>,
    keyed: bool,
}

impl Chains {
    /// Room for `keys` keys; `values: false` when key `i` will stand for entry `i`.
    fn with_capacity(keys: usize, values: bool) -> Self {
        let slots = keys.next_power_of_two().max(2);
        Chains {
            mask: slots - 1,
            heads: vec![NIL; slots],
            next: Vec::with_capacity(keys),
            values: Vec::with_capacity(if values { keys } else { 0 }),
            keyed: values,
        }
    }

    /// Add the next key, with its hash and the entry it stands for (ignored, being the key's
    /// own number, in a table made with `values: false`).
    fn insert(&mut self, hash: u64, value: u32) {
        let slot = hash as usize & self.mask;
        let key = self.next.len() as u32;
        self.next.push(self.heads[slot]);
        if self.keyed {
            self.values.push(value);
        }
        self.heads[slot] = key;
    }

    /// Every value whose key hashes to the slot of `hash` (a superset of those with `hash`).
    fn get(&self, hash: u64) -> impl Iterator<Item = u32> + '_ {
        let mut key = match self.heads.len() {
            0 => NIL,
            _ => self.heads[hash as usize & self.mask],
        };
        std::iter::from_fn(move || {
            let k = key as usize;
            key = *self.next.get(k)?;
            match self.keyed {
                true => self.values.get(k).copied(),
                false => Some(k as u32),
            }
        })
    }
}

/// Lengths from this one up share a length bucket.
const LEN_CAP: usize = 63;
/// Byte classes of a length bucket: `a`-`z`, `0`-`9`, `-`, anything else.
const BYTE_CLASSES: usize = 38;

/// The bucket of a name of `len` bytes whose first (or last) byte is `byte`. Long names share
/// buckets, and so do unusual bytes: a scan checks the exact length and byte.
fn bucket_key(len: usize, byte: u8) -> usize {
    let class = match byte {
        b'a'..=b'z' => usize::from(byte - b'a'),
        b'0'..=b'9' => 26 + usize::from(byte - b'0'),
        b'-' => 36,
        _ => 37,
    };
    len.min(LEN_CAP) * BYTE_CLASSES + class
}

/// Entry indices grouped by [`bucket_key`] with a counting sort (two passes, no per-group
/// allocation), ascending within a group so the most popular come first.
#[derive(Debug, Clone, Default)]
struct Buckets {
    /// `order[starts[k]..starts[k + 1]]` is group `k`.
    starts: Vec<u32>,
    order: Vec<u32>,
}

impl Buckets {
    /// Group the entries longer than [`SHORT_NAME_LEN`] by their length and the byte `pick`
    /// chooses.
    fn new(text: &str, entries: &[Entry], pick: impl Fn(&[u8]) -> Option<u8>) -> Self {
        let key = |e: &Entry| {
            let name = span(text, e).as_bytes();
            (name.len() > SHORT_NAME_LEN)
                .then(|| pick(name))
                .flatten()
                .map(|b| bucket_key(name.len(), b))
        };
        let mut starts = vec![0u32; (LEN_CAP + 1) * BYTE_CLASSES + 1];
        for k in entries.iter().filter_map(key) {
            starts[k + 1] += 1;
        }
        for k in 1..starts.len() {
            starts[k] += starts[k - 1];
        }
        let total = starts.last().copied().unwrap_or(0) as usize;
        let mut fill = starts.clone();
        let mut order = vec![0u32; total];
        for (i, e) in entries.iter().enumerate() {
            if let Some(k) = key(e) {
                order[fill[k] as usize] = i as u32;
                fill[k] += 1;
            }
        }
        Buckets { starts, order }
    }

    fn get(&self, key: usize) -> &[u32] {
        match (self.starts.get(key), self.starts.get(key + 1)) {
            (Some(&a), Some(&b)) => self.order.get(a as usize..b as usize).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// Names this short are only compared by separator and homoglyph, never by one edit.
const SHORT_NAME_LEN: usize = 4;
/// A `py`/`python` affix must leave at least this much of a name.
const MIN_CORE_LEN: usize = 4;

/// The embedded snapshot, parsed once.
pub fn embedded() -> &'static Popular {
    static POPULAR: OnceLock<Popular> = OnceLock::new();
    POPULAR.get_or_init(|| {
        // The embedded file is ours and tested to parse; should it ever not, fall back to an
        // empty snapshot (no typosquat findings) rather than panicking.
        Popular::parse_clean(EMBEDDED)
            .or_else(|| Popular::parse(EMBEDDED, Path::new("data/popular.tsv")).ok())
            .unwrap_or_default()
    })
}

/// Load a replacement snapshot (same `name<TAB>rank` format), e.g. one refreshed by
/// `pyvet db update` into the cache directory.
pub fn load_popular_override(path: &Path) -> Result<Popular, crate::error::Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::error::Error::io(format!("reading {}", path.display()), e))?;
    let popular = Popular::parse(&text, path)?;
    if popular.is_empty() {
        return Err(InputError::new(path, None, "no `name<TAB>rank` lines").into());
    }
    Ok(popular)
}

/// When a look-alike becomes a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// A name ranked this well or better is never reported: it is popular in its own right.
    pub protected_rank: u32,
    /// A popular name ranked worse than this many times its look-alike's rank is still reported
    /// (medium), e.g. rank 9000 imitating rank 100.
    pub rank_ratio: u32,
    /// An unpopular name imitating a project ranked this well or better is high severity;
    /// imitating a less popular one is medium (one edit from a rank-12000 name is often chance),
    /// unless the technique is a telling one (homoglyph, swapped, repeated or omitted letter).
    pub high_rank: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            protected_rank: 1000,
            rank_ratio: 10,
            high_rank: 1000,
        }
    }
}

/// A look-alike that the policy makes a finding, before any evidence of shared ownership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The name checked, normalised.
    pub name: String,
    pub hit: LookAlike,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Why this name's own popularity does not protect it.
    own: String,
}

/// Whether `name` is a typosquat by name alone: the look-alike and the grade the policy gives it.
pub fn grade(name: &str, popular: &Popular, policy: &Policy) -> Option<Assessment> {
    let normalized = normalize_name(name);
    let hit = popular.lookalike(&normalized)?;
    let own = popular.rank(&normalized);
    let (severity, own_text) = match own {
        Some(r) if r <= policy.protected_rank => return None,
        Some(r) if u64::from(r) <= u64::from(hit.rank) * u64::from(policy.rank_ratio) => {
            return None
        }
        Some(r) => (
            Severity::Medium,
            format!("`{normalized}` is itself only rank {r}"),
        ),
        None => (
            if hit.rank <= policy.high_rank || hit.technique.confidence() == Confidence::High {
                Severity::High
            } else {
                Severity::Medium
            },
            format!(
                "`{normalized}` is not among the {} most-downloaded projects",
                popular.len()
            ),
        ),
    };
    let confidence = match own {
        Some(_) => Confidence::Low,
        None => hit.technique.confidence(),
    };
    Some(Assessment {
        name: normalized,
        hit,
        severity,
        confidence,
        own: own_text,
    })
}

impl Assessment {
    /// The finding, graded by what `kinship` shows of who publishes the two projects.
    pub fn into_finding(self, version: Option<&str>, kinship: &Kinship) -> Finding {
        let hit = &self.hit;
        let mut message = format!(
            "`{}` looks like `{}` (rank {}): {}",
            self.name,
            hit.imitated,
            hit.rank,
            hit.technique.describe()
        );
        let mut evidence = format!(
            "{}; `{}` is rank {} (technique: {})",
            self.own,
            hit.imitated,
            hit.rank,
            hit.technique.describe()
        );
        if let Some(why) = kinship.message(&self.name, &hit.imitated) {
            message.push_str("; ");
            message.push_str(&why);
        }
        if let Some(detail) = kinship.evidence() {
            evidence.push_str("; ");
            evidence.push_str(&detail);
        }
        TYPOSQUAT
            .finding(message)
            .with_severity(kinship.grade(self.severity))
            .with_confidence(self.confidence)
            .for_package(&self.name, version)
            .with_evidence(evidence)
    }
}

/// The typosquat finding for `name` judged by its name alone, if any.
pub fn assess(
    name: &str,
    version: Option<&str>,
    popular: &Popular,
    policy: &Policy,
) -> Option<Finding> {
    grade(name, popular, policy).map(|a| a.into_finding(version, &Kinship::Unknown))
}

/// The process's hash seed: chains hold different names in every run.
static SEED: std::sync::LazyLock<usize> = std::sync::LazyLock::new(|| {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64) as usize
});

/// A process-seeded hash of a byte sequence, fed as it streams (no string is built): eight
/// bytes to a word, one multiply per word.
struct StreamHasher {
    hasher: FxHasher,
    word: u64,
    len: u64,
}

impl StreamHasher {
    fn new() -> Self {
        StreamHasher {
            hasher: FxHasher::with_seed(*SEED),
            word: 0,
            len: 0,
        }
    }

    #[inline]
    fn push(&mut self, b: u8) {
        self.word |= u64::from(b) << (8 * (self.len % 8));
        self.len += 1;
        if self.len.is_multiple_of(8) {
            self.hasher.write_u64(self.word);
            self.word = 0;
        }
    }

    fn finish(mut self) -> u64 {
        self.hasher.write_u64(self.word);
        self.hasher.write_u64(self.len);
        self.hasher.finish()
    }
}

fn hash_bytes(bytes: impl Iterator<Item = u8>) -> u64 {
    let mut h = StreamHasher::new();
    bytes.for_each(|b| h.push(b));
    h.finish()
}

/// What [`skeleton_bytes`] makes of a byte on its own: separators dropped, single look-alike
/// characters folded; `r`, `v` and `c` may still start a pair.
const SKIP: u8 = 0xff; // never a UTF-8 byte
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i as u8;
        i += 1;
    }
    t[b'-' as usize] = SKIP;
    t[b'_' as usize] = SKIP;
    t[b'.' as usize] = SKIP;
    t[b'1' as usize] = b'l';
    t[b'i' as usize] = b'l';
    t[b'|' as usize] = b'l';
    t[b'0' as usize] = b'o';
    t
};

/// `hash_bytes(skeleton_bytes(name))` in one tight loop: computed for every snapshot name when
/// the index is built (a test checks the two agree).
fn skeleton_hash(name: &str) -> u64 {
    let mut h = StreamHasher::new();
    // An `r`, `v` or `c` waiting to see whether the next byte completes its pair.
    let mut pending: Option<u8> = None;
    for &b in name.as_bytes() {
        let folded = FOLD[usize::from(b)];
        if folded == SKIP {
            continue;
        }
        if let Some(p) = pending.take() {
            match (p, b) {
                (b'r', b'n') => h.push(b'm'),
                (b'v', b'v') => h.push(b'w'),
                (b'c', b'l') => h.push(b'd'),
                _ => {
                    h.push(p);
                    pending = matches!(b, b'r' | b'v' | b'c').then_some(b);
                    if pending.is_none() {
                        h.push(folded);
                    }
                }
            }
            continue;
        }
        if matches!(b, b'r' | b'v' | b'c') {
            pending = Some(b);
        } else {
            h.push(folded);
        }
    }
    if let Some(p) = pending {
        h.push(p);
    }
    h.finish()
}

// The derived forms work on UTF-8 bytes: every character they drop or fold is ASCII, and UTF-8
// never uses an ASCII byte inside a multi-byte character, so this is the same as working on
// characters (a test checks the results against the plain string definitions).

/// The name without `-`, `_` and `.`.
fn strip_bytes(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().filter(|b| !matches!(b, b'-' | b'_' | b'.'))
}

/// The homoglyph skeleton: look-alike characters folded, `rn`->`m`, `vv`->`w`, `cl`->`d`,
/// `1`/`i`/`|`->`l`, `0`->`o`. Separators are dropped first, so `jeIly-fish` and `jellyfish`
/// share a skeleton. (The pairs share no letter, so one left-to-right pass folds exactly what
/// replacing each pair in turn over the whole name would; `c1` stays `cl`, as the pairs are
/// folded before the single characters.)
fn skeleton_bytes(name: &str) -> impl Iterator<Item = u8> + '_ {
    let mut bytes = strip_bytes(name).peekable();
    std::iter::from_fn(move || {
        let c = bytes.next()?;
        let mut pair = |second: u8, folded: u8| match bytes.next_if_eq(&second) {
            Some(_) => folded,
            None => c,
        };
        Some(match c {
            b'r' => pair(b'n', b'm'),
            b'v' => pair(b'v', b'w'),
            b'c' => pair(b'l', b'd'),
            b'1' | b'i' | b'|' => b'l',
            b'0' => b'o',
            other => other,
        })
    })
}

const PREFIXES: &[&str] = &["python3-", "python-", "python", "py3-", "py-", "py"];
const SUFFIXES: &[&str] = &["-python3", "-python", "python", "-py3", "-py", "py"];

/// The distinct cores of a name: what removing one `py`/`python` prefix or suffix leaves.
struct Cores<'a> {
    items: [&'a str; PREFIXES.len() + SUFFIXES.len()],
    len: usize,
}

impl<'a> Cores<'a> {
    fn as_slice(&self) -> &[&'a str] {
        &self.items[..self.len]
    }

    fn push(&mut self, core: &'a str) {
        if core.len() >= MIN_CORE_LEN && !self.as_slice().contains(&core) {
            self.items[self.len] = core;
            self.len += 1;
        }
    }
}

/// A quick test that [`affix_cores`] may find something: every prefix starts with `py`, and
/// every suffix ends with `py`, `py3` or `python` (`python3`).
fn may_have_affix(name: &str) -> bool {
    name.starts_with("py")
        || name.ends_with("py")
        || name.ends_with("py3")
        || name.ends_with("python")
        || name.ends_with("python3")
}

/// The name with one `py`/`python` prefix or suffix removed (every way that applies).
fn affix_cores(name: &str) -> Cores<'_> {
    let mut out = Cores {
        items: [""; PREFIXES.len() + SUFFIXES.len()],
        len: 0,
    };
    for p in PREFIXES {
        if let Some(rest) = name.strip_prefix(p) {
            out.push(rest.trim_start_matches('-'));
        }
    }
    for s in SUFFIXES {
        if let Some(rest) = name.strip_suffix(s) {
            out.push(rest.trim_end_matches('-'));
        }
    }
    out
}

/// Whether `query` is exactly one edit away from `target`, and which kind (seen from the query:
/// `Insertion` means the query has an extra letter).
fn one_edit(query: &str, target: &str) -> Option<Technique> {
    let (q, t) = (query.as_bytes(), target.as_bytes());
    let first_diff = q.iter().zip(t).position(|(a, b)| a != b);
    match q.len() as isize - t.len() as isize {
        0 => {
            let i = first_diff?;
            if q[i + 1..] == t[i + 1..] {
                return Some(Technique::Substitution);
            }
            if i + 1 < q.len() && q[i] == t[i + 1] && q[i + 1] == t[i] && q[i + 2..] == t[i + 2..] {
                return Some(Technique::Transposition);
            }
            None
        }
        1 => {
            let i = first_diff.unwrap_or(t.len());
            (q[i + 1..] == t[i..]).then(|| {
                let extra = q[i];
                if (i > 0 && q[i - 1] == extra) || q.get(i + 1) == Some(&extra) {
                    Technique::RepeatedLetter
                } else {
                    Technique::Insertion
                }
            })
        }
        -1 => {
            let i = first_diff.unwrap_or(q.len());
            (q[i..] == t[i + 1..]).then(|| {
                let missing = t[i];
                if (i > 0 && t[i - 1] == missing) || t.get(i + 1) == Some(&missing) {
                    Technique::OmittedLetter
                } else {
                    Technique::Deletion
                }
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit_kinds() {
        assert_eq!(
            one_edit("reqeusts", "requests"),
            Some(Technique::Transposition)
        );
        assert_eq!(one_edit("djanga", "django"), Some(Technique::Substitution));
        assert_eq!(
            one_edit("urlib3", "urllib3"),
            Some(Technique::OmittedLetter)
        );
        assert_eq!(
            one_edit("requestss", "requests"),
            Some(Technique::RepeatedLetter)
        );
        assert_eq!(
            one_edit("colourama", "colorama"),
            Some(Technique::Insertion)
        );
        assert_eq!(one_edit("reqests", "requests"), Some(Technique::Deletion));
        assert_eq!(one_edit("requests", "requests"), None);
        assert_eq!(one_edit("abcdef", "abcfed"), None);
        assert_eq!(one_edit("abc", "abcde"), None);
        assert_eq!(one_edit("", "a"), Some(Technique::Deletion));
    }

    fn skeleton(name: &str) -> String {
        String::from_utf8(skeleton_bytes(name).collect()).unwrap()
    }

    #[test]
    fn skeleton_folds_homoglyphs() {
        assert_eq!(skeleton("rnatplotlib"), skeleton("matplotlib"));
        assert_eq!(skeleton("jeilyfish"), skeleton("jellyfish"));
        assert_eq!(skeleton("b0to3"), skeleton("boto3"));
        assert_eq!(skeleton("vvheel"), skeleton("wheel"));
        assert_ne!(skeleton("numpy"), skeleton("scipy"));
        assert_eq!(skeleton("c1-rrn.vvv_cl"), "clrmwvd");
    }

    #[test]
    fn affixes() {
        assert!(affix_cores("python-dateutil")
            .as_slice()
            .contains(&"dateutil"));
        assert!(affix_cores("requests-py").as_slice().contains(&"requests"));
        assert!(affix_cores("pytz").as_slice().is_empty(), "core too short");
        assert_eq!(
            affix_cores("py-pyyaml-py").as_slice(),
            ["pyyaml-py", "py-pyyaml"]
        );
    }

    /// The streaming forms equal the plain string definitions on every snapshot name and on
    /// names built to hit the folding rules.
    #[test]
    fn derived_forms_equal_their_definitions() {
        let odd = [
            "rnrn", "rrnn", "vvv", "vvvv", "ccll", "c-l", "r.n", "v_v", "c1", "cI", "é0rn", "rvc",
            "crvn", "r", "c", "cr", "v-", "a\u{0}b", "", "cIrn", "vvvv-v",
        ];
        for name in embedded().names().map(|(n, _)| n).chain(odd) {
            assert_eq!(skeleton(name), reference_skeleton(name), "{name}");
            assert_eq!(
                skeleton_hash(name),
                hash_bytes(skeleton_bytes(name)),
                "{name}"
            );
            assert_eq!(
                String::from_utf8(strip_bytes(name).collect()).unwrap(),
                reference_strip(name)
            );
            assert!(may_have_affix(name) || affix_cores(name).as_slice().is_empty());
            assert_eq!(
                affix_cores(name).as_slice(),
                reference_cores(name),
                "{name}"
            );
        }
    }

    #[test]
    fn parse_reports_line() {
        let err = Popular::parse("# c\nfoo\t1\nbar\tx\n", Path::new("p.tsv")).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.to_string().starts_with("p.tsv:3"));
        let ok = Popular::parse("Foo_Bar\t2\nfoo-bar\t1\n\n", Path::new("p.tsv")).unwrap();
        assert_eq!(ok.rank("foo.bar"), Some(1));
        assert_eq!(ok.len(), 1);
    }

    #[test]
    fn the_fast_parser_takes_only_clean_files() {
        let general = |text| Popular::parse(text, Path::new("p.tsv")).unwrap();
        for text in [
            "# c\nfoo\t1\nbar\t2\n",
            "foo\t1\r\n\r\n# c\r\nbar\t22",
            "\n\nfoo\t1\n#",
            "",
        ] {
            let clean = Popular::parse_clean(text).unwrap_or_else(|| panic!("{text:?}"));
            assert!(clean.names().eq(general(text).names()), "{text:?}");
        }
        for text in [
            "foo\t1x\n",
            "\t1\n",
            "foo\t0\n",
            "foo\n",
            "foo\t\n",
            "foo\t1\r\r\n",
            "foo\t 1\n",
            "foo\t1\tx\n",
            "foo\t99999999999\n",
            " \n",
        ] {
            assert!(Popular::parse_clean(text).is_none(), "{text:?}");
        }
    }

    #[test]
    fn embedded_snapshot_parses() {
        let p = embedded();
        assert!(p.len() > 10_000, "only {} names", p.len());
        assert!(
            Popular::parse_clean(EMBEDDED).is_some(),
            "the fast parser rejects the file; `embedded` falls back to the general one"
        );
        assert!(p.rank("requests").is_some_and(|r| r < 50));
        // The file itself is already normalised and sorted by rank, as the script writes it.
        let text_names = EMBEDDED
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .count();
        assert_eq!(
            text_names,
            p.len(),
            "duplicate or unnormalised names in the file"
        );
        // The fast path for the embedded file gives exactly what the general parser gives.
        let general = Popular::parse(EMBEDDED, Path::new("data/popular.tsv")).unwrap();
        assert!(p.names().eq(general.names()));
        let mut last = 0;
        for (name, rank) in p.names() {
            assert_eq!(normalize_name(name), name);
            assert!(rank >= last);
            last = rank;
        }
    }

    // --- Equivalence with a brute-force reference -------------------------------------------
    //
    // The reference is the plain definition of a look-alike, written with the simplest string
    // functions (allocating, no index): every entry is compared with the query in rank order and
    // the first one that matches by any technique wins, techniques tried in the documented order.

    fn reference_strip(name: &str) -> String {
        name.chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .collect()
    }

    fn reference_skeleton(name: &str) -> String {
        let s = reference_strip(name)
            .replace("rn", "m")
            .replace("vv", "w")
            .replace("cl", "d");
        s.chars()
            .map(|c| match c {
                '1' | 'i' | '|' => 'l',
                '0' => 'o',
                other => other,
            })
            .collect()
    }

    fn reference_cores(name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in PREFIXES {
            if let Some(rest) = name.strip_prefix(p) {
                let rest = rest.trim_start_matches('-');
                if rest.len() >= MIN_CORE_LEN && !out.iter().any(|c| c == rest) {
                    out.push(rest.to_string());
                }
            }
        }
        for s in SUFFIXES {
            if let Some(rest) = name.strip_suffix(s) {
                let rest = rest.trim_end_matches('-');
                if rest.len() >= MIN_CORE_LEN && !out.iter().any(|c| c == rest) {
                    out.push(rest.to_string());
                }
            }
        }
        out
    }

    struct Row {
        name: String,
        rank: u32,
        stripped: String,
        skeleton: String,
        cores: Vec<String>,
    }

    struct Reference(Vec<Row>);

    impl Reference {
        fn new(popular: &Popular) -> Self {
            Reference(
                popular
                    .names()
                    .map(|(n, rank)| Row {
                        name: n.to_string(),
                        rank,
                        stripped: reference_strip(n),
                        skeleton: reference_skeleton(n),
                        cores: reference_cores(n),
                    })
                    .collect(),
            )
        }

        fn rank(&self, name: &str) -> Option<u32> {
            let name = normalize_name(name);
            self.0.iter().find(|r| r.name == name).map(|r| r.rank)
        }

        fn lookalike(&self, name: &str) -> Option<LookAlike> {
            let q = normalize_name(name);
            if q.is_empty() {
                return None;
            }
            let (stripped, skel, cores) = (
                reference_strip(&q),
                reference_skeleton(&q),
                reference_cores(&q),
            );
            self.0.iter().find_map(|r| {
                if r.name == q {
                    return None;
                }
                let technique = if r.stripped == stripped {
                    Some(Technique::Separator)
                } else if r.skeleton == skel {
                    Some(Technique::Homoglyph)
                } else if cores.contains(&r.name)
                    || cores.iter().any(|c| r.cores.contains(c))
                    || (q.len() >= MIN_CORE_LEN && r.cores.contains(&q))
                {
                    Some(Technique::PythonAffix)
                } else if q.len() > SHORT_NAME_LEN && r.name.len() > SHORT_NAME_LEN {
                    one_edit(&q, &r.name)
                } else {
                    None
                };
                technique.map(|technique| LookAlike {
                    imitated: r.name.clone(),
                    rank: r.rank,
                    technique,
                })
            })
        }
    }

    /// xorshift64*: deterministic, so a failure names a reproducible query.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    const ALPHABET: &[char] = &[
        'a', 'b', 'c', 'd', 'e', 'i', 'l', 'm', 'n', 'o', 'r', 's', 't', 'u', 'v', 'w', 'y', 'z',
        '0', '1', '3', '-', '_', '.', 'é',
    ];

    /// One typo of `name`, of the kind `kind` selects.
    fn typo(name: &str, kind: usize, rng: &mut Rng) -> String {
        let mut c: Vec<char> = name.chars().collect();
        let n = c.len();
        let at = rng.below(n);
        let letter = ALPHABET[rng.below(ALPHABET.len())];
        match kind {
            0 if n > 0 => {
                c.remove(at);
            }
            1 => c.insert(rng.below(n + 1), letter),
            2 if n > 0 => c[at] = letter,
            3 if n > 1 => c.swap(at.min(n - 2), at.min(n - 2) + 1),
            4 if n > 0 => c.insert(at, c[at]),
            5 => {
                // Homoglyphs, both ways.
                let pairs = [
                    ("l", "1"),
                    ("l", "i"),
                    ("i", "l"),
                    ("o", "0"),
                    ("m", "rn"),
                    ("rn", "m"),
                    ("w", "vv"),
                    ("d", "cl"),
                    ("cl", "d"),
                    ("l", "|"),
                ];
                let (from, to) = pairs[rng.below(pairs.len())];
                return name.replacen(from, to, 1 + rng.below(2));
            }
            6 => {
                // Separators added, removed or changed.
                let seps = ['-', '_', '.'];
                match c.iter().position(|x| seps.contains(x)) {
                    Some(p) if rng.below(2) == 0 => {
                        c.remove(p);
                    }
                    Some(p) => c[p] = seps[rng.below(3)],
                    None => c.insert(rng.below(n + 1), seps[rng.below(3)]),
                }
            }
            7 => {
                // `py`/`python` affixes added, removed or swapped.
                let prefixes = ["python-", "python3-", "py-", "py", "python", "py3-"];
                let suffixes = ["-python", "-py", "py", "-python3", "python", "3"];
                let stripped = PREFIXES
                    .iter()
                    .find_map(|p| name.strip_prefix(p))
                    .or_else(|| SUFFIXES.iter().find_map(|s| name.strip_suffix(s)));
                return match (stripped, rng.below(3)) {
                    (Some(core), 0) => core.to_string(),
                    (Some(core), 1) => format!("{}{core}", rng.pick(&prefixes)),
                    (_, 2) => format!("{name}{}", rng.pick(&suffixes)),
                    _ => format!("{}{name}", rng.pick(&prefixes)),
                };
            }
            8 => return name.to_uppercase().replace('-', "_"),
            _ => {}
        }
        c.into_iter().collect()
    }

    /// Queries around `names`: the names themselves, one and two typos of every kind, and odd input.
    fn queries(names: &[&str], rng: &mut Rng) -> Vec<String> {
        let mut out: Vec<String> = [
            "",
            "-",
            "...",
            "é",
            "ñumpy",
            "numpý",
            "a\u{0}b",
            "🦀🦀🦀🦀🦀",
            "pypy",
            "python",
            "py-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for name in names {
            out.push(name.to_string());
            for kind in 0..9 {
                let once = typo(name, kind, rng);
                let kind2 = rng.below(9);
                out.push(typo(&once, kind2, rng));
                out.push(once);
            }
        }
        out
    }

    /// Compare `popular` with the reference on `queries`; returns how often each answer occurred.
    fn check_against_reference(
        popular: &Popular,
        queries: &[String],
    ) -> Vec<(Option<Technique>, usize)> {
        let reference = Reference::new(popular);
        let mut seen: Vec<(Option<Technique>, usize)> = Vec::new();
        for q in queries {
            let expected = reference.lookalike(q);
            assert_eq!(popular.lookalike(q), expected, "lookalike({q:?})");
            assert_eq!(popular.rank(q), reference.rank(q), "rank({q:?})");
            let key = expected.map(|e| e.technique);
            match seen.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => seen.push((key, 1)),
            }
        }
        seen
    }

    #[test]
    fn lookalike_equals_brute_force_on_the_embedded_snapshot() {
        let popular = embedded();
        let names: Vec<&str> = popular.names().map(|(n, _)| n).collect();
        // The most popular names (the usual targets) and an even sample of the rest.
        let mut base: Vec<&str> = names.iter().take(60).copied().collect();
        base.extend(names.iter().skip(60).step_by(names.len() / 90).copied());
        // Names with affixes, separators and homoglyph letters, so every technique is exercised.
        base.extend(
            names
                .iter()
                .filter(|n| n.starts_with("python-") || n.ends_with("-py") || n.contains("rn"))
                .step_by(15)
                .take(20),
        );
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let queries = queries(&base, &mut rng);
        assert!(queries.len() > 1000, "{} queries", queries.len());
        let seen = check_against_reference(popular, &queries);
        eprintln!("{} queries: {seen:?}", queries.len());
        // A snapshot loaded through the general parser (as `db import` does) answers the same.
        let general = Popular::parse(EMBEDDED, Path::new("data/popular.tsv")).unwrap();
        for q in &queries {
            assert_eq!(general.lookalike(q), popular.lookalike(q), "{q:?}");
        }
        for t in [
            None,
            Some(Technique::Separator),
            Some(Technique::PythonAffix),
            Some(Technique::Homoglyph),
            Some(Technique::Transposition),
            Some(Technique::RepeatedLetter),
            Some(Technique::OmittedLetter),
            Some(Technique::Insertion),
            Some(Technique::Deletion),
            Some(Technique::Substitution),
        ] {
            assert!(
                seen.iter().any(|(k, n)| *k == t && *n >= 3),
                "{t:?} is not exercised: {seen:?}"
            );
        }
    }

    #[test]
    fn lookalike_equals_brute_force_on_odd_snapshots() {
        // Long names (past the length buckets' cap), non-ASCII and odd first and last
        // characters, homoglyph and affix neighbours, ties in rank.
        let long = "a-very-long-project-name-that-goes-on-and-on-past-sixty-four-bytes";
        let pairs = [
            (long.to_string(), 7u32),
            (format!("{long}x"), 8),
            (format!("{long}-python"), 9),
            (format!("x{long}"), 10),
            (long.replace('o', "0"), 11),
            ("ñumpy".to_string(), 3),
            ("über-tool".to_string(), 4),
            ("numpy".to_string(), 1),
            ("py-numpy".to_string(), 12),
            ("python-numpy".to_string(), 13),
            ("numpy3".to_string(), 14),
            ("rnatplotlib".to_string(), 15),
            ("matplotlib".to_string(), 2),
            ("9lives".to_string(), 5),
            ("lives9".to_string(), 5),
            ("-lead".to_string(), 16),
            ("abcde".to_string(), 17),
            ("abcdf".to_string(), 17),
            ("abcd".to_string(), 18),
        ];
        let popular = Popular::from_pairs(pairs.iter().map(|(n, r)| (n.as_str(), *r)));
        let names: Vec<&str> = popular.names().map(|(n, _)| n).collect();
        let mut rng = Rng(42);
        let queries = queries(&names, &mut rng);
        let seen = check_against_reference(&popular, &queries);
        assert!(seen.len() >= 6, "{seen:?}");
        // An empty snapshot answers nothing.
        let empty = Popular::default();
        assert_eq!(
            check_against_reference(&empty, &queries),
            vec![(None, queries.len())]
        );
    }

    #[test]
    fn chains_return_every_key_of_a_slot() {
        // Two slots for many keys: every slot is shared, and a look-up must still return every
        // key with the hash asked for (and may return others, which callers verify).
        let mut keyed = Chains::with_capacity(1, true);
        let mut own = Chains::with_capacity(1, false);
        let hashes: Vec<u64> = (0..40u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        for (i, &h) in hashes.iter().enumerate() {
            keyed.insert(h, 1000 + i as u32);
            own.insert(h, i as u32);
        }
        for (i, &h) in hashes.iter().enumerate() {
            assert!(keyed.get(h).any(|v| v == 1000 + i as u32));
            assert!(own.get(h).any(|v| v == i as u32));
            let slot: Vec<u32> = own.get(h).collect();
            let expected = hashes.iter().filter(|&&o| o & 1 == h & 1).count();
            assert_eq!(slot.len(), expected);
        }
        assert_eq!(Chains::default().get(7).count(), 0);
    }

    /// An upper bound on the names one look-up compares with `name`: every key in the slots
    /// it reads, and every name in the length buckets it scans, ignoring the early exits.
    fn lookup_work(p: &Popular, name: &str) -> usize {
        let name = normalize_name(name);
        let mut work = p.by_skeleton.get(skeleton_hash(&name)).count();
        for &core in affix_cores(&name).as_slice() {
            work += p.by_skeleton.get(skeleton_hash(core)).count();
            work += p.with_core(core).count();
        }
        if name.len() >= MIN_CORE_LEN {
            work += p.with_core(&name).count();
        }
        let q = name.as_bytes();
        if let (true, Some(&first), Some(&last)) = (q.len() > SHORT_NAME_LEN, q.first(), q.last()) {
            let mut seen = Vec::new();
            for len in [q.len() - 1, q.len(), q.len() + 1] {
                let keys = (bucket_key(len, first), bucket_key(len, last));
                if len <= SHORT_NAME_LEN || seen.contains(&keys) {
                    continue;
                }
                seen.push(keys);
                work += p.by_len_first.get(keys.0).len() + p.by_len_last.get(keys.1).len();
            }
        }
        work
    }

    /// The look-up is cheap by construction, measured in work rather than time: no query
    /// compares with a tenth of the embedded snapshot's names (a brute-force scan compares
    /// with all of them), and the average query with under one in twenty-five (about 2%).
    #[test]
    fn a_lookup_compares_with_a_small_share_of_the_names() {
        let p = embedded();
        let names: Vec<String> = p
            .names()
            .step_by(15)
            .flat_map(|(n, _)| [format!("{n}x"), n.chars().rev().collect(), format!("py{n}")])
            .chain(["", "x", "requests", "python-dateutil"].map(String::from))
            .collect();
        let worst = names.iter().map(|n| (lookup_work(p, n), n)).max().unwrap();
        let mean = names.iter().map(|n| lookup_work(p, n)).sum::<usize>() / names.len();
        assert!(
            worst.0 * 10 < p.len(),
            "{} compares with {} of {} names",
            worst.1,
            worst.0,
            p.len()
        );
        assert!(mean * 25 < p.len(), "{mean} names per look-up on average");
    }

    /// `cargo test --release --lib metadata::typosquat::tests::index_build_time -- --ignored --nocapture`
    #[test]
    #[ignore = "timing, not a check"]
    fn index_build_time() {
        let mut times: Vec<std::time::Duration> = (0..30)
            .map(|_| {
                let start = std::time::Instant::now();
                let p = Popular::parse_clean(EMBEDDED).unwrap();
                let t = start.elapsed();
                assert!(p.len() > 10_000);
                t
            })
            .collect();
        times.sort();
        eprintln!("index build: median {:?}, min {:?}", times[15], times[0]);
    }
}
