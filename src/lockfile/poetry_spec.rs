//! Poetry's ways of writing a dependency, read for the install set: a `[package.dependencies]`
//! or `[tool.poetry.dependencies]` value (a constraint, a table with `markers`, `python`,
//! `platform`, `extras` and `optional`, or an array of such tables), the PEP 508 strings of
//! `[package.extras]`, and Poetry's Python constraints (`^3.8`, `~3.9`, `>=3.8,<3.11`) as
//! markers. Anything not understood counts as unconditional: more is vetted, never less.

use toml::{Table, Value};

/// The strings of a TOML array (other items and shapes ignored).
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// One Poetry dependency specification (`"^1.0"`, a table, or an array of tables): each
/// alternative's marker (from `markers`, `python` and `platform`), extras and whether it is
/// optional. A shape Poetry would not accept counts as one unconditional alternative.
pub fn poetry_specs(spec: &Value) -> Vec<(Option<String>, Vec<String>, bool)> {
    let one = |t: &Table| {
        let mut parts = Vec::new();
        if let Some(m) = t.get("markers").and_then(Value::as_str) {
            if !m.trim().is_empty() {
                parts.push(format!("({m})"));
            }
        }
        if let Some(p) = t.get("python").and_then(Value::as_str) {
            if let Some(m) = python_constraint_marker(p) {
                parts.push(format!("({m})"));
            }
        }
        if let Some(p) = t.get("platform").and_then(Value::as_str) {
            let alts: Vec<String> = p
                .split('|')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| format!("sys_platform == '{}'", s.replace('\'', "")))
                .collect();
            if !alts.is_empty() {
                parts.push(format!("({})", alts.join(" or ")));
            }
        }
        let marker = (!parts.is_empty()).then(|| parts.join(" and "));
        let extras = strings(t.get("extras"));
        let optional = t.get("optional").and_then(Value::as_bool).unwrap_or(false);
        (marker, extras, optional)
    };
    match spec {
        Value::Table(t) => vec![one(t)],
        Value::Array(a) if !a.is_empty() => a
            .iter()
            .map(|v| match v {
                Value::Table(t) => one(t),
                _ => (None, Vec::new(), false),
            })
            .collect(),
        _ => vec![(None, Vec::new(), false)],
    }
}

/// `name[extra,...] (constraint) ; marker`, `name @ url ; marker`, `name>=1 ; marker`: the
/// name, extras and marker (PEP 508 as Poetry writes it, parentheses around the constraint
/// allowed). `None` when no name can be read.
pub fn requirement(s: &str) -> Option<(String, Vec<String>, Option<String>)> {
    let (head, marker) = match s.split_once(';') {
        Some((h, m)) => (h, Some(m.trim().to_string()).filter(|m| !m.is_empty())),
        None => (s, None),
    };
    let head = head.trim_start();
    let end = head
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(head.len());
    let name = &head[..end];
    if name.is_empty() {
        return None;
    }
    let rest = head[end..].trim_start();
    let extras = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((list, _)) => list
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    Some((name.to_string(), extras, marker))
}

/// A Poetry Python constraint (`^3.8`, `~3.9`, `>=3.8,<3.11`, `3.10.*`, `>=3.8 || 3.6.*`) as a
/// PEP 508 marker on `python_full_version`; `None` for `*` and for anything not understood
/// (the dependency then counts as unconditional: more is vetted, never less).
pub fn python_constraint_marker(c: &str) -> Option<String> {
    let mut alternatives = Vec::new();
    for alt in c.split("||").flat_map(|a| a.split('|')) {
        let mut clauses = Vec::new();
        for clause in alt
            .split(',')
            .flat_map(|c| split_clauses(c.trim()))
            .filter(|c| !c.is_empty())
        {
            clauses.extend(python_clause(&clause)?);
        }
        if clauses.is_empty() {
            return None; // `*`: any Python
        }
        alternatives.push(clauses.join(" and "));
    }
    match alternatives.len() {
        0 => None,
        1 => alternatives.pop(),
        _ => Some(
            alternatives
                .iter()
                .map(|a| format!("({a})"))
                .collect::<Vec<_>>()
                .join(" or "),
        ),
    }
}

/// `>=3.8 <3.11` (space-separated clauses) into `[">=3.8", "<3.11"]`.
fn split_clauses(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in s.split_whitespace() {
        match out.last_mut() {
            // an operator written apart from its version (`>= 3.8`)
            Some(last) if last.chars().all(|c| "<>=!~^".contains(c)) => last.push_str(word),
            _ => out.push(word.to_string()),
        }
    }
    out
}

fn python_clause(clause: &str) -> Option<Vec<String>> {
    let v = |op: &str, ver: &str| format!("python_full_version {op} '{ver}'");
    let parts =
        |ver: &str| -> Option<Vec<u64>> { ver.split('.').map(|p| p.parse::<u64>().ok()).collect() };
    if clause == "*" {
        return Some(Vec::new());
    }
    if let Some(ver) = clause.strip_prefix('^') {
        let p = parts(ver.trim())?;
        let upper = match p.as_slice() {
            [] => return None,
            [major, ..] if *major > 0 => format!("{}.0", major + 1),
            [0] => "1.0".to_string(),
            [0, minor, ..] if *minor > 0 => format!("0.{}", minor + 1),
            [0, 0] => "0.1".to_string(),
            [0, 0, patch, ..] => format!("0.0.{}", patch + 1),
            _ => return None,
        };
        return Some(vec![v(">=", ver.trim()), v("<", &upper)]);
    }
    if let Some(ver) = clause.strip_prefix("~=") {
        let ver = ver.trim();
        parts(ver)?;
        return Some(vec![v("~=", ver)]);
    }
    if let Some(ver) = clause.strip_prefix('~') {
        let ver = ver.trim();
        let p = parts(ver)?;
        let upper = match p.as_slice() {
            [major] => format!("{}", major + 1),
            [major, minor, ..] => format!("{major}.{}", minor + 1),
            [] => return None,
        };
        return Some(vec![v(">=", ver), v("<", &upper)]);
    }
    for op in [">=", "<=", "!=", "==", ">", "<", "="] {
        if let Some(ver) = clause.strip_prefix(op) {
            let ver = ver.trim();
            let op = if op == "=" { "==" } else { op };
            let bare = ver.strip_suffix(".*").unwrap_or(ver);
            parts(bare)?;
            return Some(vec![v(op, ver)]);
        }
    }
    // a bare version: exactly that (`3.10.*` included)
    let bare = clause.strip_suffix(".*").unwrap_or(clause);
    parts(bare)?;
    Some(vec![v("==", clause)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poetry_python_constraints() {
        let m = |c: &str| python_constraint_marker(c);
        assert_eq!(
            m("^3.8").as_deref(),
            Some("python_full_version >= '3.8' and python_full_version < '4.0'")
        );
        assert_eq!(
            m("~3.9").as_deref(),
            Some("python_full_version >= '3.9' and python_full_version < '3.10'")
        );
        assert_eq!(
            m(">=3.8,<3.11").as_deref(),
            Some("python_full_version >= '3.8' and python_full_version < '3.11'")
        );
        assert_eq!(
            m(">= 3.8 < 3.11").as_deref(),
            Some("python_full_version >= '3.8' and python_full_version < '3.11'")
        );
        assert_eq!(
            m("3.10.*").as_deref(),
            Some("python_full_version == '3.10.*'")
        );
        assert_eq!(
            m("<3.8 || >=3.12").as_deref(),
            Some("(python_full_version < '3.8') or (python_full_version >= '3.12')")
        );
        assert_eq!(m("*"), None);
        assert_eq!(m("whatever"), None);
        assert_eq!(m("^x"), None);
    }

    #[test]
    fn requirements_as_poetry_writes_them() {
        assert_eq!(
            requirement("cachecontrol[filecache,redis] (>=0.14.0,<0.15.0)"),
            Some((
                "cachecontrol".into(),
                vec!["filecache".into(), "redis".into()],
                None
            ))
        );
        assert_eq!(
            requirement("virtualenv (>=20.17) ; python_version >= \"3.10\""),
            Some((
                "virtualenv".into(),
                vec![],
                Some("python_version >= \"3.10\"".into())
            ))
        );
        assert_eq!(
            requirement("poetry-core @ git+https://example.invalid/x.git"),
            Some(("poetry-core".into(), vec![], None))
        );
        assert_eq!(requirement("  ; x"), None);
    }
}
