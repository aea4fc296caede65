//! PEP 508 marker evaluation for the install set, failing closed: a marker pyvet cannot read
//! (malformed, non-ASCII, too long or deeply nested, or naming a variable pep508_rs does not
//! know) is [`Truth::Unknown`], and whatever it guards is kept.
//!
//! Extras are either known (an install requested exactly these) or unknown, in which case a
//! marker holds when *some* choice of extras makes it hold (`extra == 'x'` on an edge whose
//! extras nobody can know must not drop the edge). PEP 751's list variables (`'x' in extras`,
//! `'g' in dependency_groups`), which pep508_rs 0.9 does not parse, are rewritten into `extra`
//! tests first ([`pylock_marker`]).

use std::collections::HashMap;
use std::str::FromStr;

use pep508_rs::{ExtraName, MarkerEnvironment, MarkerTree, MarkerTreeKind, MarkerValueExtra};

/// Longest marker evaluated (the longest real ones, uv's fork markers, are a few hundred bytes).
pub const MAX_MARKER_LEN: usize = 8 << 10;
/// Deepest parenthesis nesting evaluated (the parser recurses on parentheses).
pub const MAX_MARKER_DEPTH: usize = 32;

/// What a marker says on the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    /// Could not be evaluated: treated as true by every caller.
    Unknown,
}

/// Evaluates markers against one environment, parsing each distinct marker text once.
pub struct Evaluator {
    env: MarkerEnvironment,
    parsed: HashMap<String, Option<MarkerTree>>,
    /// Markers that could not be evaluated (distinct texts).
    pub unknown: usize,
}

impl Evaluator {
    pub fn new(env: MarkerEnvironment) -> Self {
        Self {
            env,
            parsed: HashMap::new(),
            unknown: 0,
        }
    }

    /// `marker` on the target. `extras`: `Some` when exactly these extras are active, `None`
    /// when nobody can know (then any choice of extras that makes the marker hold counts).
    pub fn eval(&mut self, marker: Option<&str>, extras: Option<&[ExtraName]>) -> Truth {
        let Some(text) = marker.map(str::trim).filter(|m| !m.is_empty()) else {
            return Truth::True;
        };
        if !self.parsed.contains_key(text) {
            let tree = parse(text);
            if tree.is_none() {
                self.unknown += 1;
            }
            self.parsed.insert(text.to_string(), tree);
        }
        match &self.parsed[text] {
            None => Truth::Unknown,
            Some(tree) => {
                if holds(tree, &self.env, extras) {
                    Truth::True
                } else {
                    Truth::False
                }
            }
        }
    }
}

/// Parse a marker within the bounds, containing pep508_rs's panics on hostile text.
fn parse(text: &str) -> Option<MarkerTree> {
    // pep508_rs 0.9 panics on some non-ASCII marker text (its lookahead slices inside a
    // character); no real marker is non-ASCII.
    if text.len() > MAX_MARKER_LEN || !text.is_ascii() || paren_depth(text) > MAX_MARKER_DEPTH {
        return None;
    }
    match crate::guard::contain(|| MarkerTree::from_str(text)) {
        Some(Ok(tree)) => Some(tree),
        _ => None,
    }
}

fn paren_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Evaluate a marker's decision diagram. Each variable is tested at most once on a path, so
/// the recursion is as deep as the marker has distinct variables (bounded by its length).
fn holds(tree: &MarkerTree, env: &MarkerEnvironment, extras: Option<&[ExtraName]>) -> bool {
    match tree.kind() {
        MarkerTreeKind::True => true,
        MarkerTreeKind::False => false,
        MarkerTreeKind::Version(m) => {
            let have = env.get_version(m.key());
            m.edges()
                .find(|(range, _)| range.contains(have))
                .is_some_and(|(_, sub)| holds(&sub, env, extras))
        }
        MarkerTreeKind::String(m) => {
            let have = env.get_string(m.key()).to_string();
            m.children()
                .find(|(range, _)| range.contains(&have))
                .is_some_and(|(_, sub)| holds(&sub, env, extras))
        }
        MarkerTreeKind::In(m) => {
            let edge = m.value().contains(env.get_string(m.key()));
            holds(&m.edge(edge), env, extras)
        }
        MarkerTreeKind::Contains(m) => {
            let edge = env.get_string(m.key()).contains(m.value());
            holds(&m.edge(edge), env, extras)
        }
        MarkerTreeKind::Extra(m) => match extras {
            Some(active) => {
                let on = match m.name() {
                    MarkerValueExtra::Extra(name) => active.contains(name),
                    MarkerValueExtra::Arbitrary(_) => false,
                };
                holds(&m.edge(on), env, extras)
            }
            None => m.children().any(|(_, sub)| holds(&sub, env, extras)),
        },
    }
}

/// The extra name a dependency group is tested under once a pylock marker is rewritten.
pub fn group_extra(group: &str) -> String {
    format!(
        "pyvet-dependency-group-{}",
        crate::package::normalize_name(group)
    )
}

/// Extra names as pep508_rs spells them; a name it rejects cannot appear in a parsed marker.
pub fn extra_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<ExtraName> {
    names
        .into_iter()
        .filter_map(|n| ExtraName::from_str(n).ok())
        .collect()
}

/// A PEP 751 marker with `'x' in extras` / `'x' not in extras` rewritten to `extra == 'x'` /
/// `extra != 'x'`, and the same for `dependency_groups` through [`group_extra`], so pep508_rs
/// can evaluate it with the requested extras and groups as "extras". Quoted strings are kept
/// as written; anything else is left for the parser to judge.
pub fn pylock_marker(marker: &str) -> String {
    #[derive(Debug)]
    enum Tok<'a> {
        Str(char, &'a str),
        Word(&'a str),
        Other(&'a str),
    }
    let mut toks: Vec<Tok<'_>> = Vec::new();
    let bytes = marker.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\'' || c == b'"' {
            match marker[i + 1..].find(c as char) {
                Some(end) => {
                    toks.push(Tok::Str(c as char, &marker[i + 1..i + 1 + end]));
                    i += end + 2;
                }
                None => {
                    toks.push(Tok::Other(&marker[i..]));
                    i = bytes.len();
                }
            }
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            toks.push(Tok::Word(&marker[start..i]));
        } else {
            // one character (or a run of non-ASCII bytes, kept whole)
            let start = i;
            i += 1;
            while i < bytes.len() && !marker.is_char_boundary(i) {
                i += 1;
            }
            toks.push(Tok::Other(&marker[start..i]));
        }
    }
    let mut out = String::with_capacity(marker.len() + 16);
    let mut k = 0;
    while k < toks.len() {
        // Skip whitespace between the parts of `'x' [not] in extras`.
        let next_word = |from: usize| -> Option<(usize, &str)> {
            let mut j = from;
            while let Some(Tok::Other(s)) = toks.get(j) {
                if !s.trim().is_empty() {
                    return None;
                }
                j += 1;
            }
            match toks.get(j) {
                Some(Tok::Word(w)) => Some((j, w)),
                _ => None,
            }
        };
        if let Tok::Str(q, value) = &toks[k] {
            let mut negated = false;
            let mut at = next_word(k + 1);
            if let Some((j, "not")) = at {
                negated = true;
                at = next_word(j + 1);
            }
            if let Some((j, "in")) = at {
                if let Some((j2, var @ ("extras" | "dependency_groups"))) = next_word(j + 1) {
                    let name = if var == "extras" {
                        value.to_string()
                    } else {
                        group_extra(value)
                    };
                    let op = if negated { "!=" } else { "==" };
                    if out.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                        out.push(' ');
                    }
                    out.push_str(&format!("extra {op} {q}{name}{q}"));
                    k = j2 + 1;
                    continue;
                }
            }
        }
        match &toks[k] {
            Tok::Str(q, v) => {
                out.push(*q);
                out.push_str(v);
                out.push(*q);
            }
            Tok::Word(w) | Tok::Other(w) => out.push_str(w),
        }
        k += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::Target;

    fn linux() -> Evaluator {
        let t = Target::from_args(Some("3.12"), Some("manylinux_2_28_x86_64")).unwrap();
        Evaluator::new(t.marker_env().unwrap())
    }

    #[test]
    fn environment_markers() {
        let mut e = linux();
        assert_eq!(e.eval(None, None), Truth::True);
        assert_eq!(e.eval(Some("sys_platform == 'win32'"), None), Truth::False);
        assert_eq!(e.eval(Some("sys_platform == 'linux'"), None), Truth::True);
        assert_eq!(
            e.eval(Some("python_full_version < '3.11'"), None),
            Truth::False
        );
        assert_eq!(
            e.eval(Some("python_full_version == '3.12.*'"), None),
            Truth::True
        );
        assert_eq!(
            e.eval(Some("platform_python_implementation != 'PyPy'"), None),
            Truth::True
        );
        assert_eq!(e.eval(Some("'linux' in sys_platform"), None), Truth::True);
    }

    #[test]
    fn extras_known_or_any() {
        let mut e = linux();
        let m = Some("extra == 'socks' and sys_platform == 'linux'");
        assert_eq!(e.eval(m, None), Truth::True, "some choice of extras holds");
        assert_eq!(e.eval(m, Some(&[])), Truth::False);
        assert_eq!(e.eval(m, Some(&extra_names(["socks"]))), Truth::True);
        let not = Some("extra != 'cpu'");
        assert_eq!(e.eval(not, None), Truth::True);
        assert_eq!(e.eval(not, Some(&extra_names(["cpu"]))), Truth::False);
        let win = Some("extra == 'socks' and sys_platform == 'win32'");
        assert_eq!(e.eval(win, None), Truth::False, "no choice of extras helps");
    }

    #[test]
    fn unreadable_markers_are_unknown_never_false() {
        let mut e = linux();
        for m in [
            "this is not a marker",
            "python_version < '3' 'éé'",
            "sys_platform == 'win32' and 'dev' in dependency_groups",
        ] {
            assert_eq!(e.eval(Some(m), None), Truth::Unknown, "{m}");
        }
        let deep = format!(
            "{}sys_platform == 'win32'{}",
            "(".repeat(100),
            ")".repeat(100)
        );
        assert_eq!(e.eval(Some(&deep), None), Truth::Unknown);
        let long = vec!["sys_platform == 'win32'"; 1000].join(" and ");
        assert_eq!(e.eval(Some(&long), None), Truth::Unknown);
        assert_eq!(e.unknown, 5);
    }

    #[test]
    fn pylock_list_variables_become_extras() {
        assert_eq!(
            pylock_marker("'socks' in extras and sys_platform == \"linux\""),
            "extra == 'socks' and sys_platform == \"linux\""
        );
        assert_eq!(
            pylock_marker("\"dev\" not in dependency_groups"),
            "extra != \"pyvet-dependency-group-dev\""
        );
        assert_eq!(
            pylock_marker("('a'   in   extras)or'b'in extras"),
            "(extra == 'a')or extra == 'b'"
        );
        // A string that merely says "in extras" is kept as written.
        assert_eq!(
            pylock_marker("platform_version == ' in extras'"),
            "platform_version == ' in extras'"
        );
        assert_eq!(pylock_marker("'unterminated"), "'unterminated");
        let mut e = linux();
        let m = pylock_marker("'dev' in dependency_groups and sys_platform == 'linux'");
        let dev = extra_names([group_extra("dev").as_str()]);
        assert_eq!(e.eval(Some(&m), Some(&dev)), Truth::True);
        assert_eq!(e.eval(Some(&m), Some(&[])), Truth::False);
    }
}
