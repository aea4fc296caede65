//! The terminal renderer: a table with one row per package, then the findings worth reading,
//! suppressed findings, notes and a one-line verdict. Written for someone who has never read the
//! docs: every section says what it is, every finding says when its code runs and what to do
//! about it, and the last line says whether the audit passed.
//!
//! Every line fits the width: the terminal's, or [`DEFAULT_WIDTH`] columns when output is not a
//! terminal (a CI log, a pipe). Long text is wrapped; long locations are cut in the middle and
//! evidence at the end, and `--format json` has the full text. Colour is used only when asked
//! for, and the layout depends only on the given width, so the same report always renders to
//! the same text when output is not a terminal.

use std::io::IsTerminal;

use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};

use super::{
    clip_lines, display_location, find_token, fit_middle, ignore_entries, info_summary,
    packages_by_verdict, sanitize, summary_line, wrap, PackageReport, Report,
};
use crate::finding::{Finding, Severity, Verdict};

/// When there are at most this many low-or-above findings, all are listed; otherwise only
/// medium and above are.
pub const SHOW_ALL_BELOW: usize = 10;
/// Evidence is cut to this many lines per finding.
pub const EVIDENCE_LINES: usize = 2;
/// The width used when output is not a terminal.
pub const DEFAULT_WIDTH: u16 = 100;
/// The narrowest layout (a narrower terminal gets this and wraps).
pub const MIN_WIDTH: u16 = 40;

/// Layout options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub color: bool,
    /// Total width to fit; `None` means [`DEFAULT_WIDTH`].
    pub width: Option<u16>,
}

/// Render for standard output: follows the terminal width when stdout is a terminal, else
/// [`DEFAULT_WIDTH`] columns.
pub fn render(report: &Report, color: bool) -> String {
    render_with(
        report,
        Options {
            color,
            width: terminal_width(),
        },
    )
}

/// The terminal's width when standard output is one.
pub fn terminal_width() -> Option<u16> {
    if std::io::stdout().is_terminal() {
        Table::new().width()
    } else {
        None
    }
}

/// Render with explicit options (deterministic: no terminal detection).
pub fn render_with(report: &Report, opts: Options) -> String {
    let width = opts.width.unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH);
    let text_width = usize::from(width);
    let mut out = String::new();

    let mut title = format!(
        "{} {} {}",
        report.tool.name, report.tool.version, report.command
    );
    if !report.inputs.is_empty() {
        let inputs: Vec<String> = report.inputs.iter().map(|i| sanitize(i, false)).collect();
        title.push_str(&format!(" of {}", inputs.join(", ")));
    }
    push_wrapped(&mut out, &title, "", "  ", text_width, 3);

    let packages = packages_by_verdict(report);
    if packages.is_empty() {
        out.push_str("\nNo packages to vet.\n");
    } else {
        out.push('\n');
        out.push_str(&package_table(&packages, opts.color, width));
        out.push('\n');
        push_wrapped(
            &mut out,
            "verdict: fail = a high or critical finding, warn = a medium one, pass = nothing above low",
            "",
            "  ",
            text_width,
            3,
        );
    }

    changes_section(&packages, text_width, &mut out);
    findings_section(report, &packages, text_width, opts.color, &mut out);
    suppressed_section(report, &packages, text_width, &mut out);

    if !report.notes.is_empty() {
        out.push_str("\nNotes\n");
        for n in &report.notes {
            push_wrapped(&mut out, &sanitize(n, false), "  - ", "    ", text_width, 6);
        }
    }

    out.push('\n');
    let code = if report.summary.blocked {
        "1;31"
    } else {
        "1;32"
    };
    for line in wrap(&summary_line(report), text_width, 4) {
        if opts.color {
            out.push_str(&format!("\u{1b}[{code}m{line}\u{1b}[0m\n"));
        } else {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Append `text` wrapped to `width`: the first line after `first`, the others after `rest`.
fn push_wrapped(
    out: &mut String,
    text: &str,
    first: &str,
    rest: &str,
    width: usize,
    max_lines: usize,
) {
    let indent = first.chars().count().max(rest.chars().count());
    for (i, line) in wrap(text, width.saturating_sub(indent), max_lines)
        .iter()
        .enumerate()
    {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
        out.push('\n');
    }
}

fn package_table(packages: &[&PackageReport], color: bool, width: u16) -> String {
    let mut table = Table::new();
    table.force_no_tty();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    if color {
        table.enforce_styling();
    }
    table.set_width(width);
    table.set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(vec![
        header("Package", color),
        header("Version", color),
        header("Verdict", color),
        header("Worst finding", color),
        header("Findings", color),
    ]);
    for p in packages {
        // Info findings (owners, context) are facts, not warnings: neither the worst-finding
        // column nor the count shows them.
        let worst = p
            .worst_counted()
            .map(|f| format!("{} ({})", sanitize(&f.rule, false), f.severity))
            .unwrap_or_else(|| "-".into());
        let mut verdict = Cell::new(p.verdict.as_str());
        if color {
            verdict = verdict
                .fg(verdict_color(p.verdict))
                .add_attribute(Attribute::Bold);
        }
        table.add_row(vec![
            Cell::new(sanitize(&p.name, false)),
            Cell::new(sanitize(
                p.version.as_deref().unwrap_or("(unpinned)"),
                false,
            )),
            verdict,
            Cell::new(worst),
            Cell::new(p.findings_cell()),
        ]);
    }
    table.to_string()
}

fn header(text: &str, color: bool) -> Cell {
    let c = Cell::new(text);
    if color {
        c.add_attribute(Attribute::Bold)
    } else {
        c
    }
}

fn verdict_color(v: Verdict) -> Color {
    match v {
        Verdict::Fail => Color::Red,
        Verdict::Warn => Color::Yellow,
        Verdict::Pass => Color::Green,
    }
}

fn severity_label(s: Severity, color: bool) -> String {
    let label = format!("{:<8}", s.as_str());
    if !color {
        return label;
    }
    let code = match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    format!("\u{1b}[{code}m{label}\u{1b}[0m")
}

/// Pre-merge mode: what changed for each vetted package, on its own line.
fn changes_section(packages: &[&PackageReport], width: usize, out: &mut String) {
    let changed: Vec<&&PackageReport> = packages.iter().filter(|p| p.change.is_some()).collect();
    if changed.is_empty() {
        return;
    }
    out.push_str("\nChanges since the base\n");
    for p in changed {
        let mut text = format!(
            "{}: {}",
            sanitize(&p.id(), false),
            sanitize(p.change.as_deref().unwrap_or_default(), false)
        );
        if let Some(u) = &p.upgrade {
            text.push_str(&format!(" — {}", sanitize(&u.describe(), false)));
        }
        push_wrapped(out, &text, "  ", "      ", width, 6);
    }
}

fn findings_section(
    report: &Report,
    packages: &[&PackageReport],
    width: usize,
    color: bool,
    out: &mut String,
) {
    let total: usize = packages.iter().map(|p| p.counted_findings().count()).sum();
    let info = info_summary(packages);
    if total == 0 {
        if let Some(info) = info {
            out.push('\n');
            push_wrapped(
                out,
                &format!("{info} not listed (--format json has every finding)"),
                "",
                "  ",
                width,
                3,
            );
        }
        return;
    }
    let show_all = total <= SHOW_ALL_BELOW;
    let shown =
        |f: &Finding| f.severity >= Severity::Low && (show_all || f.severity >= Severity::Medium);
    let hidden = packages
        .iter()
        .flat_map(|p| p.counted_findings())
        .filter(|f| !shown(f))
        .count();

    out.push_str(if show_all {
        "\nFindings\n"
    } else {
        "\nFindings (medium and above)\n"
    });
    for p in packages {
        let mut list: Vec<&Finding> = p.active_findings().filter(|f| shown(f)).collect();
        if list.is_empty() {
            continue;
        }
        sort_refs(&mut list);
        let head = format!("{} — {}", sanitize(&p.id(), false), p.verdict);
        out.push('\n');
        push_wrapped(out, &head, "  ", "    ", width, 3);
        for f in &list {
            finding(report, p, f, width, color, out);
        }
        if let Some((file, entries)) = ignore_entries(&list) {
            out.push_str(&format!(
                "    to accept {} after review, add to {file}:\n",
                if entries.len() == 1 { "it" } else { "them" }
            ));
            for entry in entries {
                for line in entry.lines() {
                    let line = fit_middle(&sanitize(line, false), width - 6);
                    out.push_str(&format!("      {line}\n"));
                }
            }
        }
    }
    if hidden > 0 {
        out.push('\n');
        push_wrapped(
            out,
            &format!(
                "{hidden} low finding{} not shown (--format json has every finding)",
                plural(hidden)
            ),
            "  ",
            "  ",
            width,
            2,
        );
    }
    if let Some(info) = info {
        if hidden == 0 {
            out.push('\n');
        }
        push_wrapped(out, &format!("{info} not listed"), "  ", "  ", width, 2);
    }
}

/// One finding: severity, rule and when it runs; where; the message; evidence with the matched
/// token marked; the decoded value; what to do.
fn finding(
    report: &Report,
    p: &PackageReport,
    f: &Finding,
    width: usize,
    color: bool,
    out: &mut String,
) {
    const IN: &str = "      ";
    let rule = sanitize(&f.rule, false);
    let head = format!("    {} {rule}", severity_label(f.severity, color));
    let head_len = 4 + 9 + rule.chars().count();
    match f.runs.map(|r| r.describe()) {
        Some(runs) if head_len + 3 + runs.len() <= width => {
            out.push_str(&format!("{head} — {runs}\n"));
        }
        Some(runs) => {
            out.push_str(&head);
            out.push('\n');
            push_wrapped(out, runs, IN, IN, width, 2);
        }
        None => {
            out.push_str(&head);
            out.push('\n');
        }
    }
    let at = sanitize(&display_location(report, p, f), false);
    out.push_str(&format!(
        "{IN}at {}\n",
        fit_middle(&at, width - IN.len() - 3)
    ));
    push_wrapped(out, &sanitize(&f.message, false), IN, IN, width, 4);

    let matched = f.matched.as_deref().map(|m| sanitize(m, false));
    let mut marked = false;
    if let Some(ev) = &f.evidence {
        let (lines, cut) = clip_lines(&sanitize(ev, true), EVIDENCE_LINES, width - IN.len() - 2);
        for line in &lines {
            let line = line.replace('\t', "    ");
            let hit = matched
                .as_deref()
                .filter(|_| !marked)
                .and_then(|m| find_token(line.trim_end_matches('…'), m));
            match hit {
                Some((start, len)) if color => {
                    let chars: Vec<char> = line.chars().collect();
                    let before: String = chars[..start].iter().collect();
                    let token: String = chars[start..start + len].iter().collect();
                    let after: String = chars[start + len..].iter().collect();
                    out.push_str(&format!(
                        "{IN}│ {before}\u{1b}[7m{token}\u{1b}[27m{after}\n"
                    ));
                    marked = true;
                }
                Some((start, len)) => {
                    out.push_str(&format!("{IN}│ {line}\n"));
                    out.push_str(&format!(
                        "{IN}│ {}{} matched\n",
                        " ".repeat(start),
                        "^".repeat(len)
                    ));
                    marked = true;
                }
                None => out.push_str(&format!("{IN}│ {line}\n")),
            }
        }
        if cut {
            out.push_str(&format!("{IN}│ … (cut; --format json has all of it)\n"));
        }
    }
    if let Some(d) = f.decoded_not_in_evidence() {
        let (lines, cut) = clip_lines(&sanitize(d, true), 1, width - IN.len() - 9);
        let first = lines.first().map(String::as_str).unwrap_or("");
        let more = if cut && !first.ends_with('…') {
            " …"
        } else {
            ""
        };
        out.push_str(&format!(
            "{IN}decoded: {}{more}\n",
            first.replace('\t', "    ")
        ));
    }
    if let (Some(m), false) = (&matched, marked) {
        let m = fit_middle(m, width - IN.len() - 11);
        out.push_str(&format!("{IN}matched: {m}\n"));
    }
    if let Some(action) = &f.action {
        push_wrapped(
            out,
            &format!("to act: {}", sanitize(action, false)),
            IN,
            "        ",
            width,
            4,
        );
    }
}

fn suppressed_section(
    report: &Report,
    packages: &[&PackageReport],
    width: usize,
    out: &mut String,
) {
    let items: Vec<(&PackageReport, &Finding)> = packages
        .iter()
        .flat_map(|p| p.suppressed_findings().map(move |f| (*p, f)))
        .collect();
    if items.is_empty() {
        return;
    }
    out.push_str(&format!(
        "\nSuppressed by ignore entries in the configuration ({})\n",
        items.len()
    ));
    for (p, f) in items {
        let reason = f.suppressed.as_deref().unwrap_or_default();
        let head = format!(
            "{} {} ({})",
            sanitize(&p.id(), false),
            sanitize(&f.rule, false),
            f.severity
        );
        push_wrapped(out, &head, "  - ", "    ", width, 3);
        let at = sanitize(&display_location(report, p, f), false);
        out.push_str(&format!("      at {}\n", fit_middle(&at, width - 9)));
        push_wrapped(
            out,
            &format!("reason: {}", sanitize(reason, false)),
            "      ",
            "      ",
            width,
            3,
        );
    }
}

fn sort_refs(list: &mut [&Finding]) {
    list.sort_by(|a, b| crate::finding::report_order(a, b));
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
