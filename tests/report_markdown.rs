//! The Markdown renderer must fit a GitHub comment whatever the report holds, and say so when
//! it had to cut.

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

#[test]
fn stays_under_github_comment_limit_and_says_it_was_cut() {
    let r = huge_report(300, 5);
    let md = report::render(&r, Format::Markdown, false);
    assert!(
        md.chars().count() <= markdown::GITHUB_COMMENT_LIMIT,
        "{} chars",
        md.chars().count()
    );
    assert!(md.len() <= markdown::BUDGET, "{} bytes", md.len());
    assert!(
        md.contains("This report was cut to fit a GitHub comment"),
        "no truncation note"
    );
    // The verdict heading always survives.
    assert!(
        md.starts_with("## ❌ pyvet audit: 306 packages"),
        "{}",
        &md[..200]
    );
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

#[test]
fn small_report_is_not_cut() {
    let md = report::render(&report(), Format::Markdown, false);
    assert!(!md.contains("was cut"), "{md}");
    assert!(md.contains("### Notes"));
    assert!(md.contains("### Suppressed by ignore entries (1)"));
}

#[test]
fn tiny_budget_still_gives_heading_and_note() {
    let md = markdown::render_with_budget(&report(), 600);
    assert!(md.len() <= 600 + 400, "{}", md.len());
    assert!(md.starts_with("## ❌"), "{md}");
    assert!(md.contains("was cut"), "{md}");
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
    assert!(md.contains("… (evidence cut)"));
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
