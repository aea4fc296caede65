//! The Markdown renderer must fit a pull-request comment whatever the report holds (under
//! 60,000 characters), keep what blocks, collapse the rest, and say what it cut and where the
//! full report is.

mod support;

use pyvet::finding::{Confidence, Finding, Severity};
use pyvet::report::{self, markdown, Format};
use support::report::{now, package, raw_report, report};

fn huge_report(packages: usize, findings_each: usize) -> pyvet::report::Report {
    let mut r = raw_report();
    for i in 0..packages {
        let name = format!("bulk-{i:04}");
        let findings = (0..findings_each)
            .map(|j| {
                Finding::new(
                    "suspicious-destination",
                    Severity::High,
                    Confidence::High,
                    "Opens a socket when imported.",
                )
                .for_package(&name, Some("1.0"))
                .in_artifact(&format!("bulk_{i:04}-1.0-py3-none-any.whl"))
                .at(format!("bulk/mod_{j}.py"), Some(j as u32 + 1))
                .with_evidence("x = socket.socket()\n".repeat(40))
            })
            .collect();
        r.packages
            .push(package(&name, "1.0", 100 + i as u32, findings));
    }
    pyvet::policy::apply(&mut r, &support::report::fixture_config(), now());
    r
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

#[test]
fn stays_under_budget_and_says_what_it_cut() {
    let r = huge_report(300, 5);
    let md = report::render(&r, Format::Markdown, false);
    assert!(chars(&md) <= markdown::BUDGET, "{} chars", chars(&md));
    const { assert!(markdown::BUDGET < markdown::GITHUB_COMMENT_LIMIT) };
    assert!(
        md.contains("left out to fit a pull-request comment"),
        "no truncation note"
    );
    assert!(
        md.contains("`--format json`"),
        "no pointer to the full report"
    );
    // The note counts the findings it left out.
    let note = &md[md.find("> [!NOTE]").unwrap()..];
    let words: Vec<&str> = note.lines().nth(1).unwrap().split_whitespace().collect();
    let (left, total): (usize, usize) = (words[1].parse().unwrap(), words[3].parse().unwrap());
    let shown = md.matches("- **high** `suspicious-destination`").count();
    assert!(left > 0 && shown > 0, "{note}");
    // Every bulk finding is high (blocking); the fixture adds its own counted findings.
    let counted: usize = r
        .packages
        .iter()
        .map(|p| p.counted_findings().count())
        .sum();
    let suppressed = r.summary.suppressed;
    assert_eq!(total, counted + suppressed, "{note}");
    assert!(left + shown <= total, "{note}");
    // The verdict heading always survives, and so do the notes.
    assert!(
        md.starts_with("## ❌ pyvet audit: 306 packages"),
        "{}",
        &md[..200]
    );
    assert!(md.contains("### Notes"), "notes were cut");
    // The package table is capped.
    assert!(md.contains("more |"), "table not capped");
    // No half-written details block.
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count()
    );
    // Unbalanced fences would swallow the rest of the comment.
    let fences = md
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    assert_eq!(fences % 2, 0);
}

/// Most findings on a real lockfile are info (who maintains each project): the comment counts
/// them instead of listing them, and stays small.
#[test]
fn info_findings_are_counted_not_listed() {
    let mut r = raw_report();
    for i in 0..400 {
        let name = format!("dep-{i:03}");
        let owners = Finding::new(
            "maintainers",
            Severity::Info,
            Confidence::High,
            "owners: someone (Owner), someone-else (Maintainer)",
        )
        .for_package(&name, Some("1.0"));
        r.packages.push(package(&name, "1.0", 20 + i, vec![owners]));
    }
    pyvet::policy::apply(&mut r, &support::report::fixture_config(), now());
    let md = report::render(&r, Format::Markdown, false);
    assert!(!md.contains("someone-else"), "info finding listed");
    assert!(
        md.contains("400 info findings (maintainers 400) not listed"),
        "{md}"
    );
    assert!(!md.contains("left out"), "{md}");
    assert!(chars(&md) < 10_000, "{} chars", chars(&md));
    // Only packages with findings at or above low get a collapsed block.
    assert_eq!(md.matches("<details>").count(), 3, "{md}");
}

#[test]
fn blocking_findings_are_written_out_and_the_rest_collapsed() {
    let md = report::render(&report(), Format::Markdown, false);
    let blocking = md
        .find("### Blocking findings (fail-on: high)")
        .expect("section");
    let others = md.find("### Other findings").expect("section");
    let after = |needle: &str| blocking + md[blocking..].find(needle).unwrap();
    let exec = after("`exec-decoded` at");
    let low = after("`packer` at");
    assert!(exec < others && others < low, "{md}");
    // A blocking finding says what to do, with the entry to paste.
    assert!(md.contains("**To act:**"), "{md}");
    assert!(
        md.contains("  ```toml\n  [[ignore]]\n  package = \"evil-pkg\""),
        "{md}"
    );
    // ... but never offers to accept bytes that are not the pinned ones.
    let mirror = &md[after("#### mirror-pkg")..];
    let mirror = &mirror[..mirror[4..].find("####").map_or(mirror.len(), |i| i + 4)];
    assert!(mirror.contains("`hash-mismatch`"), "{mirror}");
    assert!(!mirror.contains("```toml"), "{mirror}");
}

#[test]
fn small_report_is_not_cut() {
    let md = report::render(&report(), Format::Markdown, false);
    assert!(!md.contains("left out"), "{md}");
    assert!(md.contains("### Notes"));
    assert!(md.contains("### Suppressed by ignore entries (1)"));
}

#[test]
fn tiny_budget_still_gives_heading_and_note() {
    let md = markdown::render_with_budget(&report(), 600);
    assert!(chars(&md) <= 600, "{}", chars(&md));
    assert!(md.starts_with("## ❌"), "{md}");
    assert!(md.contains("left out"), "{md}");
}

#[test]
fn long_evidence_is_clipped_per_finding() {
    let mut r = report();
    let f = &mut r
        .packages
        .iter_mut()
        .find(|p| p.name == "evil-pkg")
        .unwrap()
        .findings[0];
    f.evidence = Some("line\n".repeat(500));
    let md = report::render(&r, Format::Markdown, false);
    assert!(
        md.contains("… (cut; the JSON report has all of it)"),
        "{md}"
    );
    assert!(md.matches("  line\n").count() <= markdown::EVIDENCE_MAX_LINES);
}

#[test]
fn passing_report_says_all_pass_without_a_table() {
    let mut r = raw_report();
    r.packages.retain(|p| p.findings.is_empty());
    pyvet::policy::apply(&mut r, &Default::default(), now());
    let md = report::render(&r, Format::Markdown, false);
    assert!(
        md.starts_with("## ✅ pyvet audit: 1 package: 1 pass, 0 warn, 0 fail — OK"),
        "{md}"
    );
    assert!(md.contains("The package passes."), "{md}");
    assert!(!md.contains("| Package |"), "{md}");
}
