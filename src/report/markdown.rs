//! The Markdown renderer, sized for a pull-request comment: a heading with the verdict, a table
//! of the packages that warn or fail, the blocking findings written out (evidence, matched
//! token, decoded value, what to do), the other findings collapsed in one `<details>` block per
//! package, info findings only counted, then suppressed findings and notes.
//!
//! Everything that comes from a package (names, messages, evidence, paths) is hostile input:
//! it is escaped so it cannot add HTML, links, mentions or break out of a code block. The
//! comment stays under [`BUDGET`] characters whatever the lockfile (GitHub refuses comments over
//! 65,536); when something has to go, the least important sections go first and a closing
//! note counts what was left out and points at the JSON or SARIF report, which has everything.

use super::{
    display_location, ignore_entries, info_summary, packages_by_verdict, sanitize, summary_line,
    PackageReport, Report,
};
use crate::finding::{Finding, Severity, Verdict};

/// GitHub's limit on a comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;
/// What we allow ourselves, in characters, the closing note included: room for a CI wrapper to
/// add a few lines.
pub const BUDGET: usize = 60_000;
/// Kept free for the note that says what was cut.
const NOTE_RESERVE: usize = 400;
/// Evidence is cut to this many lines and characters per finding.
pub const EVIDENCE_MAX_LINES: usize = 12;
pub const EVIDENCE_MAX_CHARS: usize = 1_500;
/// The package table lists at most this many packages; the rest are counted.
pub const MAX_TABLE_ROWS: usize = 50;

pub fn render(report: &Report) -> String {
    render_with_budget(report, BUDGET)
}

/// Sections, in the order they appear. When the budget is short they are kept in another
/// order, [`Section::PRIORITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Head,
    Table,
    Changes,
    Blocking,
    Others,
    Suppressed,
    Notes,
}

impl Section {
    const PRIORITY: [Section; 7] = [
        Section::Head,
        Section::Table,
        Section::Notes,
        Section::Blocking,
        Section::Changes,
        Section::Suppressed,
        Section::Others,
    ];
}

struct Piece {
    section: Section,
    text: String,
    /// Findings this piece shows, to count what a cut leaves out.
    findings: usize,
}

fn piece(section: Section, text: String, findings: usize) -> Piece {
    Piece {
        section,
        text,
        findings,
    }
}

/// Render within `budget` characters (tests use small budgets to exercise the cuts).
pub fn render_with_budget(report: &Report, budget: usize) -> String {
    let packages = packages_by_verdict(report);
    let flagged: Vec<&PackageReport> = packages
        .iter()
        .copied()
        .filter(|p| p.verdict != Verdict::Pass)
        .collect();
    let passing = packages.len() - flagged.len();
    let mut pieces: Vec<Piece> = Vec::new();

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
    pieces.push(piece(Section::Head, head, 0));

    if !flagged.is_empty() {
        let mut table = String::from(
            "| Package | Version | Verdict | Worst finding | Findings |\n|---|---|---|---|---|\n",
        );
        for p in flagged.iter().take(MAX_TABLE_ROWS) {
            table.push_str(&table_row(p));
        }
        if flagged.len() > MAX_TABLE_ROWS {
            table.push_str(&format!(
                "| … | | | | {} more |\n",
                flagged.len() - MAX_TABLE_ROWS
            ));
        }
        pieces.push(piece(Section::Table, table, 0));
    }
    let pass_line = match (flagged.is_empty(), passing) {
        (_, 0) => String::new(),
        (true, 1) => "The package passes.\n".to_string(),
        (true, n) => format!("All {n} packages pass.\n"),
        (false, 1) => "\n1 other package passes.\n".to_string(),
        (false, n) => format!("\n{n} other packages pass.\n"),
    };
    pieces.push(piece(Section::Head, pass_line, 0));

    let changed: Vec<&PackageReport> = packages
        .iter()
        .copied()
        .filter(|p| p.change.is_some())
        .collect();
    if !changed.is_empty() {
        pieces.push(piece(
            Section::Changes,
            "\n### Changes since the base\n\n".into(),
            0,
        ));
        for p in changed {
            let mut line = format!(
                "- {}: {}",
                code_span(&p.id()),
                md_text(p.change.as_deref().unwrap_or_default())
            );
            if let Some(u) = &p.upgrade {
                line.push_str(&format!(" — {}", md_text(&u.describe())));
            }
            line.push('\n');
            pieces.push(piece(Section::Changes, line, 0));
        }
    }

    let blocks = |f: &Finding| f.severity >= report.fail_on && f.severity > Severity::Info;
    let blocking: Vec<(&PackageReport, Vec<&Finding>)> = packages
        .iter()
        .map(|p| (*p, p.active_findings().filter(|f| blocks(f)).collect()))
        .filter(|(_, l): &(_, Vec<&Finding>)| !l.is_empty())
        .collect();
    if !blocking.is_empty() {
        pieces.push(piece(
            Section::Blocking,
            format!("\n### Blocking findings (fail-on: {})\n", report.fail_on),
            0,
        ));
        for (p, list) in blocking {
            let mut s = format!(
                "\n#### {} {}\n\n",
                md_text(&p.name),
                md_text(p.version.as_deref().unwrap_or("(unpinned)"))
            );
            for f in &list {
                s.push_str(&finding_item(report, p, f));
            }
            if let Some((file, entries)) = ignore_entries(&list) {
                s.push_str(&format!(
                    "To accept {} after review, add to `{file}` and write down why:\n\n",
                    if entries.len() == 1 { "it" } else { "them" }
                ));
                s.push_str(&code_block_lang(&entries.join("\n"), "toml"));
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
            pieces.push(piece(Section::Blocking, s, list.len()));
        }
    }

    let others: Vec<(&PackageReport, Vec<&Finding>)> = packages
        .iter()
        .map(|p| (*p, p.counted_findings().filter(|f| !blocks(f)).collect()))
        .filter(|(_, l): &(_, Vec<&Finding>)| !l.is_empty())
        .collect();
    let info = info_summary(&packages);
    if !others.is_empty() || info.is_some() {
        pieces.push(piece(Section::Others, "\n### Other findings\n".into(), 0));
        for (p, list) in others {
            pieces.push(piece(
                Section::Others,
                details(report, p, &list),
                list.len(),
            ));
        }
        if let Some(info) = info {
            pieces.push(piece(
                Section::Others,
                format!(
                    "\n{} not listed: the JSON or SARIF report has every finding.\n",
                    md_text(&info)
                ),
                0,
            ));
        }
    }

    let suppressed: Vec<(&PackageReport, &Finding)> = packages
        .iter()
        .flat_map(|p| p.suppressed_findings().map(move |f| (*p, f)))
        .collect();
    if !suppressed.is_empty() {
        pieces.push(piece(
            Section::Suppressed,
            format!(
                "\n### Suppressed by ignore entries ({})\n\n",
                suppressed.len()
            ),
            0,
        ));
        for (p, f) in suppressed {
            pieces.push(piece(
                Section::Suppressed,
                format!(
                    "- {} {} ({}) at {}: {}\n",
                    md_text(&p.id()),
                    code_span(&f.rule),
                    f.severity,
                    code_span(&display_location(report, p, f)),
                    md_text(f.suppressed.as_deref().unwrap_or_default())
                ),
                1,
            ));
        }
    }

    if !report.notes.is_empty() {
        pieces.push(piece(Section::Notes, "\n### Notes\n\n".into(), 0));
        for n in &report.notes {
            pieces.push(piece(
                Section::Notes,
                format!("- {}\n", with_code_spans(n)),
                0,
            ));
        }
    }

    assemble(pieces, budget)
}

fn table_row(p: &PackageReport) -> String {
    let worst = p
        .worst_counted()
        .map(|f| format!("{} ({})", table_code_span(&f.rule), f.severity))
        .unwrap_or_else(|| "-".into());
    format!(
        "| {} | {} | {} | {} | {} |\n",
        cell(&md_text(&p.name)),
        cell(&md_text(p.version.as_deref().unwrap_or("(unpinned)"))),
        verdict_label(p.verdict),
        cell(&worst),
        p.findings_cell()
    )
}

/// Keep pieces by section priority until the budget is spent (within a section, in order, up
/// to the first that does not fit), print them in document order, and say what was left out.
fn assemble(pieces: Vec<Piece>, budget: usize) -> String {
    let lens: Vec<usize> = pieces.iter().map(|p| p.text.chars().count()).collect();
    let full: usize = lens.iter().sum();
    let mut keep = vec![true; pieces.len()];
    let mut cut_head = None;
    if full > budget {
        let room = budget.saturating_sub(NOTE_RESERVE);
        keep = vec![false; pieces.len()];
        let mut used = 0;
        for section in Section::PRIORITY {
            for (i, p) in pieces.iter().enumerate() {
                if p.section != section {
                    continue;
                }
                if used + lens[i] > room {
                    if section == Section::Head && i == 0 {
                        // The heading alone is too big: keep its start.
                        keep[i] = true;
                        cut_head = Some(room);
                        used = room;
                    }
                    break;
                }
                keep[i] = true;
                used += lens[i];
            }
        }
    }
    let mut out = String::new();
    let mut left_pieces = 0;
    let mut left_findings = 0;
    for (i, p) in pieces.iter().enumerate() {
        if keep[i] {
            match (i, cut_head) {
                (0, Some(room)) => out.extend(p.text.chars().take(room)),
                _ => out.push_str(&p.text),
            }
        } else {
            left_pieces += 1;
            left_findings += p.findings;
        }
    }
    if left_pieces > 0 || cut_head.is_some() {
        let total: usize = pieces.iter().map(|p| p.findings).sum();
        let what = if left_findings > 0 {
            format!("{left_findings} of {total} findings were")
        } else {
            "Parts of this report were".to_string()
        };
        out.push_str(&format!(
            "\n\n> [!NOTE]\n> {what} left out to fit a pull-request comment. The JSON \
(`--format json`) or SARIF (`--format sarif`) report has everything: in CI, keep it as a build \
artifact or upload the SARIF to code scanning.\n"
        ));
    }
    out
}

/// One finding written out: severity, rule, where and when it runs; message; evidence;
/// matched token; decoded value; what to do.
fn finding_item(report: &Report, p: &PackageReport, f: &Finding) -> String {
    let mut s = format!(
        "- **{}** {} at {}",
        f.severity,
        code_span(&f.rule),
        code_span(&display_location(report, p, f)),
    );
    if let Some(runs) = f.runs {
        s.push_str(&format!(" — {}", runs.describe()));
    }
    s.push_str(&format!("  \n  {}\n", md_text(&f.message)));
    if let Some(ev) = &f.evidence {
        s.push('\n');
        s.push_str(&code_block(&clip_evidence(ev)));
    }
    if let Some(m) = &f.matched {
        s.push_str(&format!(
            "\n  Matched: {}\n",
            code_span(&clip_one_line(m, 200))
        ));
    }
    if let Some(d) = f.decoded_not_in_evidence() {
        s.push_str("\n  Decoded:\n\n");
        s.push_str(&code_block(&clip_evidence(d)));
    }
    if let Some(a) = &f.action {
        s.push_str(&format!("\n  **To act:** {}\n", with_code_spans(a)));
    }
    s.push('\n');
    s
}

/// A collapsed block for one package's findings below the blocking level.
fn details(report: &Report, p: &PackageReport, list: &[&Finding]) -> String {
    let mut s = format!(
        "\n<details>\n<summary><strong>{}</strong> {} — {}, {} finding{}</summary>\n\n",
        html_text(&p.name),
        html_text(p.version.as_deref().unwrap_or("(unpinned)")),
        p.verdict,
        list.len(),
        plural(list.len())
    );
    for f in list {
        s.push_str(&format!(
            "- **{}** {} at {}: {}",
            f.severity,
            code_span(&f.rule),
            code_span(&display_location(report, p, f)),
            md_text(&f.message)
        ));
        if let Some(m) = &f.matched {
            s.push_str(&format!(" (matched {})", code_span(&clip_one_line(m, 80))));
        }
        s.push('\n');
        if let Some(ev) = &f.evidence {
            s.push('\n');
            s.push_str(&code_block(&clip_evidence(ev)));
            s.push('\n');
        }
        if let Some(a) = &f.action {
            s.push_str(&format!("  To act: {}\n", with_code_spans(a)));
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
        out.push_str("… (cut; the JSON report has all of it)\n");
    }
    out
}

/// The first line of `text`, at most `max` characters.
fn clip_one_line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("");
    let mut out: String = first.chars().take(max).collect();
    if first.chars().count() > max || text.lines().nth(1).is_some() {
        out.push('…');
    }
    out
}

/// Our own sentences mark commands with backticks: keep those as code spans and escape the
/// rest (which may quote package names or versions).
fn with_code_spans(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                code_span(part)
            } else {
                md_text(part)
            }
        })
        .collect()
}

/// A fenced code block that no backtick run inside can close (CommonMark: the closing fence
/// must be at least as long as the opening one). Indented two spaces to sit under a list item.
pub fn code_block(text: &str) -> String {
    code_block_lang(text, "text")
}

/// [`code_block`] with another info string (`toml`).
pub fn code_block_lang(text: &str, lang: &str) -> String {
    let text = sanitize(text, true);
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    let mut s = format!("  {fence}{lang}\n");
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
