//! "Did you mean": the known name closest to what the user typed (a rule id, a check), so a
//! typo in a command or a policy file gets an answer instead of only a refusal.
//!
//! Closeness is the optimal-string-alignment distance (insertions, deletions, substitutions
//! and transpositions of neighbours, so `pth-exce` is one step from `pth-exec`), with a bound
//! that grows with the length of the input; a known name that starts with the input also
//! matches (`pth` finds `pth-exec`) when it is the only one that does.

/// The candidate closest to `input`, if one is close enough to be what was meant.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input = input.trim().to_ascii_lowercase();
    if input.is_empty() {
        return None;
    }
    let max = match input.chars().count() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(usize, &str)> = None;
    let mut prefixed: Vec<&str> = Vec::new();
    for c in candidates {
        let lower = c.to_ascii_lowercase();
        if lower.starts_with(&input) {
            prefixed.push(c);
        }
        let d = distance(&input, &lower);
        if d <= max && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c).or(match prefixed.as_slice() {
        [one] => Some(*one),
        _ => None,
    })
}

/// `" (did you mean `x`?)"`, or nothing: to append to an error message.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(input, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Optimal string alignment distance between two short strings, by characters. Inputs are
/// names typed by people; longer ones are cut so the quadratic table stays small.
fn distance(a: &str, b: &str) -> usize {
    const MAX_LEN: usize = 64;
    let a: Vec<char> = a.chars().take(MAX_LEN).collect();
    let b: Vec<char> = b.chars().take(MAX_LEN).collect();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: &[&str] = &[
        "pth-exec",
        "exec-decoded",
        "typosquat",
        "hash-mismatch",
        "known-vulnerability",
    ];

    #[test]
    fn typos_and_prefixes_find_the_rule() {
        let ids = || IDS.iter().copied();
        assert_eq!(closest("pth-exce", ids()), Some("pth-exec"));
        assert_eq!(closest("PTH-EXEC", ids()), Some("pth-exec"));
        assert_eq!(closest("typosqat", ids()), Some("typosquat"));
        assert_eq!(closest("known-vuln", ids()), Some("known-vulnerability"));
        assert_eq!(closest("hash", ids()), Some("hash-mismatch"));
        assert_eq!(closest("something-else", ids()), None);
        assert_eq!(closest("", ids()), None);
        assert_eq!(
            did_you_mean("pth-exce", ids()),
            " (did you mean `pth-exec`?)"
        );
        assert_eq!(did_you_mean("zzz", ids()), "");
    }

    #[test]
    fn distance_counts_transpositions_once() {
        assert_eq!(distance("exce", "exec"), 1);
        assert_eq!(distance("abc", "abc"), 0);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        // Long input stays bounded.
        assert!(distance(&"a".repeat(10_000), "a") <= 64);
    }
}
