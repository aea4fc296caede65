//! Whether a version falls inside an OSV `affected` entry, with PEP 440 ordering.
//!
//! The OSV schema describes affected versions as explicit `versions` lists and as ranges of
//! `introduced` / `fixed` / `last_affected` / `limit` events. Ranges are evaluated the way the
//! schema specifies: events are sorted by version (`introduced: "0"` sorts first and means "all
//! versions", `limit: "*"` sorts last), then walked in order; an `introduced` at or below the
//! version opens the range, a `fixed` at or below it (exclusive bound) or a `last_affected`
//! strictly below it (inclusive bound) closes it again. `limit` events are an exclusive upper
//! bound on the whole range. Pre-, post-, dev- and local versions are ordered by PEP 440.
//! GIT ranges never reach this module (they describe commits, not versions).

use std::cmp::Ordering;

use pep440_rs::Version;
use serde::{Deserialize, Serialize};

/// One range event, as the OSV schema spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    fn version_text(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
    /// Order among events at the same version: open before close, so `introduced X` followed
    /// by `fixed X` is an empty range.
    fn tie_rank(&self) -> u8 {
        match self {
            Event::Introduced(_) => 0,
            Event::LastAffected(_) => 1,
            Event::Fixed(_) => 2,
            Event::Limit(_) => 3,
        }
    }
}

/// Range types pyvet can evaluate against a version (GIT ranges are dropped on import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    Ecosystem,
    /// SemVer bounds, compared with PEP 440 (a SemVer version that is not valid PEP 440 makes
    /// the range unevaluable rather than silently unaffected).
    Semver,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

/// A bound after parsing: `0` and `*` are the ends of the line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Bound {
    Min,
    At(Version),
    Max,
}

/// The outcome of evaluating one range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeMatch {
    NotAffected,
    /// Affected; `fixed` is the first fixing version above the one checked, when the range
    /// has one, and `description` the interval that contains it (`>=1.0, <2.0`).
    Affected {
        fixed: Option<String>,
        description: String,
    },
    /// An event version is not valid PEP 440, so the answer is unknown.
    Unevaluable {
        bad_version: String,
    },
}

impl Range {
    /// Evaluate this range for `version`.
    pub fn check(&self, version: &Version) -> RangeMatch {
        let mut events: Vec<(Bound, &Event)> = Vec::with_capacity(self.events.len());
        for e in &self.events {
            let text = e.version_text().trim();
            let bound = match (e, text) {
                (Event::Introduced(_), "0") => Bound::Min,
                (Event::Limit(_), t) if t.contains('*') => Bound::Max,
                _ => match text.parse::<Version>() {
                    Ok(v) => Bound::At(v),
                    Err(_) => {
                        return RangeMatch::Unevaluable {
                            bad_version: text.to_string(),
                        }
                    }
                },
            };
            events.push((bound, e));
        }
        events.sort_by(|(a, ea), (b, eb)| a.cmp(b).then(ea.tie_rank().cmp(&eb.tie_rank())));

        let at = Bound::At(version.clone());
        let mut affected = false;
        let mut lower: Option<&Bound> = None;
        for (bound, event) in &events {
            match event {
                Event::Introduced(_) => {
                    if *bound <= at {
                        affected = true;
                        lower = Some(bound);
                    }
                }
                Event::Fixed(_) => {
                    if *bound <= at {
                        affected = false;
                    }
                }
                Event::LastAffected(_) => {
                    if *bound < at {
                        affected = false;
                    }
                }
                Event::Limit(_) => {}
            }
        }
        let limits: Vec<&Bound> = events
            .iter()
            .filter(|(_, e)| matches!(e, Event::Limit(_)))
            .map(|(b, _)| b)
            .collect();
        if !limits.is_empty() && !limits.iter().any(|l| at < **l) {
            affected = false;
        }
        if !affected {
            return RangeMatch::NotAffected;
        }

        // The closing event of the interval that contains the version: the first fixed above
        // it, or the first last_affected at or above it.
        let upper = events.iter().find(|(b, e)| match e {
            Event::Fixed(_) => *b > at,
            Event::LastAffected(_) => *b >= at,
            _ => false,
        });
        let mut parts = Vec::new();
        if let Some(Bound::At(v)) = lower {
            parts.push(format!(">={v}"));
        }
        let mut fixed = None;
        match upper {
            Some((Bound::At(v), Event::Fixed(raw))) => {
                parts.push(format!("<{v}"));
                fixed = Some(raw.trim().to_string());
            }
            Some((Bound::At(v), Event::LastAffected(_))) => parts.push(format!("<={v}")),
            _ => {}
        }
        if let Some(Bound::At(l)) = limits.iter().copied().max() {
            if upper.is_none() {
                parts.push(format!("<{l}"));
            }
        }
        let description = if parts.is_empty() {
            "all versions".to_string()
        } else {
            parts.join(", ")
        };
        RangeMatch::Affected { fixed, description }
    }
}

/// Whether `version` equals one of the explicitly listed versions: PEP 440 equality when both
/// parse (`1.0` == `1.0.0`), otherwise case-insensitive text equality.
pub fn in_versions(versions: &[String], raw: &str, parsed: Option<&Version>) -> bool {
    versions.iter().any(|listed| {
        let listed = listed.trim();
        match (parsed, listed.parse::<Version>()) {
            (Some(v), Ok(l)) => v.cmp(&l) == Ordering::Equal,
            _ => listed.eq_ignore_ascii_case(raw.trim()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(events: &[(&str, &str)]) -> Range {
        Range {
            kind: RangeKind::Ecosystem,
            events: events
                .iter()
                .map(|(k, v)| match *k {
                    "introduced" => Event::Introduced(v.to_string()),
                    "fixed" => Event::Fixed(v.to_string()),
                    "last_affected" => Event::LastAffected(v.to_string()),
                    "limit" => Event::Limit(v.to_string()),
                    _ => unreachable!(),
                })
                .collect(),
        }
    }

    fn hit(r: &Range, v: &str) -> bool {
        match r.check(&v.parse().unwrap()) {
            RangeMatch::Affected { .. } => true,
            RangeMatch::NotAffected => false,
            RangeMatch::Unevaluable { bad_version } => panic!("unevaluable: {bad_version}"),
        }
    }

    #[test]
    fn introduced_inclusive_fixed_exclusive() {
        let r = range(&[("introduced", "1.0"), ("fixed", "2.0")]);
        assert!(!hit(&r, "0.9"));
        assert!(hit(&r, "1.0"));
        assert!(hit(&r, "1.5"));
        assert!(
            hit(&r, "2.0rc1"),
            "a pre-release of the fix is still affected"
        );
        assert!(!hit(&r, "2.0"));
        assert!(!hit(&r, "2.0.post1"));
        assert!(!hit(&r, "3"));
        assert!(
            !hit(&r, "1.0rc1"),
            "pre-release of the introducing version is before it"
        );
        assert!(hit(&r, "1.0.post1"));
    }

    #[test]
    fn introduced_zero_is_everything_below_fix() {
        let r = range(&[("introduced", "0"), ("fixed", "1.0")]);
        assert!(hit(&r, "0"));
        assert!(hit(&r, "0.0.dev0"));
        assert!(hit(&r, "0.9.9"));
        assert!(!hit(&r, "1.0"));
        let open = range(&[("introduced", "0")]);
        assert!(hit(&open, "999"));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let r = range(&[("introduced", "1.0"), ("last_affected", "1.4")]);
        assert!(hit(&r, "1.4"));
        assert!(hit(&r, "1.4.0"));
        assert!(!hit(&r, "1.4.post1"));
        assert!(!hit(&r, "1.4.1"));
    }

    #[test]
    fn limit_is_exclusive_upper_bound() {
        let r = range(&[("introduced", "0"), ("limit", "3.0")]);
        assert!(hit(&r, "2.9"));
        assert!(!hit(&r, "3.0"));
        let star = range(&[("introduced", "1.0"), ("limit", "*")]);
        assert!(hit(&star, "50"));
    }

    #[test]
    fn several_pairs_in_any_order() {
        let r = range(&[
            ("fixed", "2.5"),
            ("introduced", "2.0"),
            ("fixed", "1.5"),
            ("introduced", "1.0"),
        ]);
        assert!(!hit(&r, "0.5"));
        assert!(hit(&r, "1.2"));
        assert!(!hit(&r, "1.7"));
        assert!(hit(&r, "2.0"));
        assert!(!hit(&r, "2.5"));
    }

    #[test]
    fn reports_the_next_fix_and_interval() {
        let r = range(&[
            ("introduced", "1.0"),
            ("fixed", "1.5"),
            ("introduced", "2.0"),
            ("fixed", "2.5"),
        ]);
        let m = r.check(&"2.1".parse().unwrap());
        assert_eq!(
            m,
            RangeMatch::Affected {
                fixed: Some("2.5".into()),
                description: ">=2.0, <2.5".into()
            }
        );
        let all = range(&[("introduced", "0")]).check(&"1".parse().unwrap());
        assert_eq!(
            all,
            RangeMatch::Affected {
                fixed: None,
                description: "all versions".into()
            }
        );
    }

    #[test]
    fn bad_event_version_is_unevaluable_not_clean() {
        let r = range(&[("introduced", "0"), ("fixed", "not a version!")]);
        assert!(matches!(
            r.check(&"1.0".parse().unwrap()),
            RangeMatch::Unevaluable { .. }
        ));
    }

    #[test]
    fn explicit_versions_use_pep440_equality() {
        let listed = vec![
            "1.0".to_string(),
            "2.0b1".to_string(),
            "weird-ver".to_string(),
        ];
        let v: Version = "1.0.0".parse().unwrap();
        assert!(in_versions(&listed, "1.0.0", Some(&v)));
        let b: Version = "2.0.0b1".parse().unwrap();
        assert!(in_versions(&listed, "2.0.0b1", Some(&b)));
        let no: Version = "1.0.post1".parse().unwrap();
        assert!(!in_versions(&listed, "1.0.post1", Some(&no)));
        assert!(in_versions(&listed, "WEIRD-VER", None));
    }
}
