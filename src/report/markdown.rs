//! The Markdown renderer, sized for a pull-request comment: a heading with the verdict, a table
//! of the packages that warn or fail, then one collapsible `<details>` block per package with
//! its findings, the suppressed findings and the notes.
//!
//! Everything that comes from a package (names, messages, evidence, paths) is hostile input:
//! it is escaped so it cannot add HTML, links, mentions or break out of a code block, and the
//! whole comment is kept under GitHub's 65,536-character limit, with a note when cut.

use super::{display_location, packages_by_verdict, sanitize, summary_line, PackageReport, Report};
use crate::finding::{Finding, Verdict};

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// What we allow ourselves (in bytes, which are never fewer than characters), leaving room for
/// the truncation note and for a CI wrapper to add a line or two.
pub const BUDGET: usize = 64_000;
/// Evidence is cut to this many lines and characters per finding.
pub const EVIDENCE_MAX_LINES: usize = 20;
pub const EVIDENCE_MAX_CHARS: usize = 2_000;

pub fn render(report: &Report) -> String {
    render_with_budget(report, BUDGET)
}

/// Render within `budget` bytes (tests use small budgets to exercise truncation).
pub fn render_with_budget(report: &Report, budget: usize) -> String {
    let packages = packages_by_verdict(report);
    let flagged: Vec<&PackageReport> = packages
        .iter()
        .copied()
        .filter(|p| p.verdict != Verdict::Pass)
        .collect();
    let passing = packages.len() - flagged.len();

    // Pieces in order; the first one is always kept.
    let mut pieces: Vec<String> = Vec::new();
    let status = if report.summary.blocked { "❌" } else { "✅" };
    let mut head = format!(
        "## {status} {} {}: {}\n\n",
        md_text(&report.tool.name),
        md_text(&report.command),
        md_text(&summary_line(report))
    );
    if !report.inputs.is_empty() {
        let inputs: Vec<String> = report.inputs.iter().map(|i| code_span(i)).collect();
        head.push_str(&format!("Input: {}\n\n", inputs.join(", ")));
    }
    if !flagged.is_empty() {
        head.push_str("| Package | Version | Verdict | Worst finding | Findings |\n");
        head.push_str("|---|---|---|---|---|\n");
    }
    pieces.push(head);
    for p in &flagged {
        let worst = p
            .worst_finding()
            .map(|f| format!("{} ({})", table_code_span(&f.rule), f.severity))
            .unwrap_or_else(|| "-".into());
        let suppressed = p.suppressed_findings().count();
        let count = if suppressed > 0 {
            format!("{} (+{suppressed} suppressed)", p.active_findings().count())
        } else {
            p.active_findings().count().to_string()
        };
        pieces.push(format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&md_text(&p.name)),
            cell(&md_text(p.version.as_deref().unwrap_or("(unpinned)"))),
            verdict_label(p.verdict),
            cell(&worst),
            count
        ));
    }
    let pass_line = match (flagged.is_empty(), passing) {
        (_, 0) => String::new(),
        (true, 1) => "The package passes.\n".to_string(),
        (true, n) => format!("All {n} packages pass.\n"),
        (false, 1) => "\n1 other package passes.\n".to_string(),
        (false, n) => format!("\n{n} other packages pass.\n"),
    };
    pieces.push(pass_line);

    let with_findings: Vec<&PackageReport> = packages
        .iter()
        .copied()
        .filter(|p| p.active_findings().next().is_some())
        .collect();
    if !with_findings.is_empty() {
        pieces.push("\n### Findings\n".into());
        for p in with_findings {
            pieces.push(details(report, p));
        }
    }

    let suppressed: Vec<(&PackageReport, &Finding)> = packages
        .iter()
        .flat_map(|p| p.suppressed_findings().map(move |f| (*p, f)))
        .collect();
    if !suppressed.is_empty() {
        pieces.push(format!(
            "\n### Suppressed by ignore entries ({})\n\n",
            suppressed.len()
        ));
        for (p, f) in suppressed {
            pieces.push(format!(
                "- {} {} ({}) at {}: {}\n",
                md_text(&p.id()),
                code_span(&f.rule),
                f.severity,
                code_span(&display_location(report, p, f)),
                md_text(f.suppressed.as_deref().unwrap_or_default())
            ));
        }
    }

    if !report.notes.is_empty() {
        pieces.push("\n### Notes\n\n".into());
        for n in &report.notes {
            pieces.push(format!("- {}\n", md_text(n)));
        }
    }

    assemble(pieces, budget)
}

/// Join pieces until the budget is spent, then say what was left out.
fn assemble(pieces: Vec<String>, budget: usize) -> String {
    const NOTE_RESERVE: usize = 400;
    let total = pieces.len();
    let mut out = String::new();
    let mut kept = 0;
    let full: usize = pieces.iter().map(String::len).sum();
    for (i, piece) in pieces.into_iter().enumerate() {
        let room = if full <= budget {
            budget
        } else {
            budget.saturating_sub(NOTE_RESERVE)
        };
        if i > 0 && out.len() + piece.len() > room {
            break;
        }
        out.push_str(&piece);
        kept += 1;
    }
    if kept < total {
        if out.len() > budget.saturating_sub(NOTE_RESERVE) {
            // Only the first piece was kept and it alone is too big: cut it at a char boundary.
            let mut end = budget.saturating_sub(NOTE_RESERVE).min(out.len());
            while !out.is_char_boundary(end) {
                end -= 1;
            }
            out.truncate(end);
        }
        out.push_str(&format!(
            "\n\n> [!NOTE]\n> This report was cut to fit a GitHub comment ({} of {} parts shown). \
Run pyvet with `--format json` or `--format table` to see everything.\n",
            kept, total
        ));
    }
    out
}

fn details(report: &Report, p: &PackageReport) -> String {
    let active: Vec<&Finding> = p.active_findings().collect();
    let mut s = format!(
        "\n<details>\n<summary><strong>{}</strong> {} — {}, {} finding{}</summary>\n\n",
        html_text(&p.name),
        html_text(p.version.as_deref().unwrap_or("(unpinned)")),
        p.verdict,
        active.len(),
        plural(active.len())
    );
    for f in active {
        s.push_str(&format!(
            "- **{}** {} at {}: {}\n",
            f.severity,
            code_span(&f.rule),
            code_span(&display_location(report, p, f)),
            md_text(&f.message)
        ));
        if let Some(ev) = &f.evidence {
            s.push('\n');
            s.push_str(&code_block(&clip_evidence(ev)));
            s.push('\n');
        }
    }
    s.truncate(s.trim_end().len());
    s.push_str("\n\n</details>\n");
    s
}

fn clip_evidence(ev: &str) -> String {
    let clean = sanitize(ev, true);
    let mut out = String::new();
    let mut cut = false;
    for (i, line) in clean.lines().enumerate() {
        if i == EVIDENCE_MAX_LINES || out.len() + line.len() > EVIDENCE_MAX_CHARS {
            cut = true;
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    if cut {
        out.push_str("… (evidence cut)\n");
    }
    out
}

/// A fenced code block that no backtick run inside can close (CommonMark: the closing fence
/// must be at least as long as the opening one). Indented two spaces to sit under a list item.
pub fn code_block(text: &str) -> String {
    let fence = "`".repeat((longest_backtick_run(text) + 1).max(3));
    let mut s = format!("  {fence}text\n");
    for line in text.lines() {
        s.push_str("  ");
        s.push_str(line);
        s.push('\n');
    }
    s.push_str(&format!("  {fence}\n"));
    s
}

/// An inline code span that works whatever backticks the text holds. (Backslash escapes do
/// not work inside code spans, so nothing else is escaped; see [`table_code_span`].)
pub fn code_span(text: &str) -> String {
    let text = sanitize(text, false);
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in text.chars() {
        if c == '`' {
            run += 1;
            best = best.max(run);
        } else {
            run = 0;
        }
    }
    best
}

/// Plain text for Markdown: control characters neutralised, Markdown and HTML punctuation
/// backslash-escaped, and `@` followed by a zero-width space so no one gets mentioned.
pub fn md_text(text: &str) -> String {
    let clean = sanitize(text, false);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '!' | '&' | '{'
            | '}' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200B}"),
            _ => out.push(c),
        }
    }
    out
}

/// A code span inside a GFM table cell, where `|` must be escaped even in code.
pub fn table_code_span(text: &str) -> String {
    code_span(text).replace('|', "\\|")
}

/// Text inside raw HTML (the `<summary>` line), where Markdown escapes are not processed:
/// HTML entities instead, and the same zero-width space after `@`.
pub fn html_text(text: &str) -> String {
    let clean = sanitize(text, false);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '@' => out.push_str("@&#8203;"),
            _ => out.push(c),
        }
    }
    out
}

/// Table cells must not contain raw newlines.
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Fail => "❌ fail",
        Verdict::Warn => "⚠️ warn",
        Verdict::Pass => "✅ pass",
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_span_survives_backticks_and_pipes() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a|b"), "`a|b`");
        assert_eq!(table_code_span("a|b"), "`a\\|b`");
    }

    #[test]
    fn code_block_fence_is_longer_than_any_run() {
        let b = code_block("x ```` y");
        assert!(b.starts_with("  `````text\n"), "{b}");
        assert!(b.ends_with("  `````\n"), "{b}");
    }

    #[test]
    fn html_text_uses_entities() {
        assert_eq!(html_text("Foo_Bar"), "Foo_Bar");
        assert_eq!(html_text("<b>&\"@x"), "&lt;b&gt;&amp;&quot;@&#8203;x");
    }

    #[test]
    fn md_text_escapes_html_and_mentions() {
        let t = md_text("</details> @admin [x](javascript:1)");
        assert!(!t.contains("</details>"));
        assert!(!t.contains("@admin"));
        assert!(t.contains("\\[x\\]"));
    }
}
