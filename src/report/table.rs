//! The terminal renderer: a table with one row per package, then the findings worth reading,
//! suppressed findings, notes and a one-line verdict. Written for someone who has never read the
//! docs: every section says what it is, and the last line says whether the audit passed.
//!
//! Colour is used only when asked for, and the layout depends only on the given width, so the
//! same report always renders to the same text when output is not a terminal.

use std::io::IsTerminal;

use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};

use super::{
    clip_lines, display_location, packages_by_verdict, sanitize, summary_line, wrap, Report,
};
use crate::finding::{Finding, Severity, Verdict};

/// When there are at most this many findings, all are listed, whatever their severity;
/// otherwise only medium and above are.
pub const SHOW_ALL_BELOW: usize = 10;
/// Evidence is cut to this many lines per finding.
pub const EVIDENCE_LINES: usize = 2;

/// Layout options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub color: bool,
    /// Total width to fit; `None` lays the table out at its natural width.
    pub width: Option<u16>,
}

/// Render for standard output: follows the terminal width when stdout is a terminal.
pub fn render(report: &Report, color: bool) -> String {
    let width = if std::io::stdout().is_terminal() {
        let probe = Table::new();
        probe.width()
    } else {
        None
    };
    render_with(report, Options { color, width })
}

/// Render with explicit options (deterministic: no terminal detection).
pub fn render_with(report: &Report, opts: Options) -> String {
    let text_width = opts.width.map(usize::from).unwrap_or(100).max(40);
    let mut out = String::new();

    let inputs = if report.inputs.is_empty() {
        String::new()
    } else {
        format!(
            " of {}",
            report
                .inputs
                .iter()
                .map(|i| sanitize(i, false))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    out.push_str(&format!(
        "{} {} {}{inputs}\n",
        report.tool.name, report.tool.version, report.command
    ));

    let packages = packages_by_verdict(report);
    if packages.is_empty() {
        out.push_str("\nNo packages to vet.\n");
    } else {
        out.push('\n');
        out.push_str(&package_table(&packages, opts));
        out.push('\n');
        out.push_str(
            "verdict: fail = a high or critical finding, warn = a medium one, pass = nothing above low\n",
        );
    }

    findings_section(report, &packages, text_width, opts.color, &mut out);
    suppressed_section(report, &packages, text_width, &mut out);

    if !report.notes.is_empty() {
        out.push_str("\nNotes\n");
        for n in &report.notes {
            let n = sanitize(n, false);
            out.push_str(&format!("  - {n}\n"));
        }
    }

    let summary = summary_line(report);
    out.push('\n');
    if opts.color {
        let code = if report.summary.blocked {
            "1;31"
        } else {
            "1;32"
        };
        out.push_str(&format!("\u{1b}[{code}m{summary}\u{1b}[0m\n"));
    } else {
        out.push_str(&summary);
        out.push('\n');
    }
    out
}

fn package_table(packages: &[&super::PackageReport], opts: Options) -> String {
    let mut table = Table::new();
    table.force_no_tty();
    table.load_preset(presets::UTF8_FULL_CONDENSED);
    if opts.color {
        table.enforce_styling();
    }
    match opts.width {
        Some(w) => {
            table.set_width(w);
            table.set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header(vec![
        header("Package", opts.color),
        header("Version", opts.color),
        header("Verdict", opts.color),
        header("Worst finding", opts.color),
        header("Findings", opts.color),
    ]);
    for p in packages {
        // Info findings (owners, context) are facts, not warnings: the column stays empty.
        let worst = p
            .worst_finding()
            .filter(|f| f.severity > crate::finding::Severity::Info)
            .map(|f| format!("{} ({})", sanitize(&f.rule, false), f.severity))
            .unwrap_or_else(|| "-".into());
        let active = p.active_findings().count();
        let suppressed = p.suppressed_findings().count();
        let count = if suppressed > 0 {
            format!("{active} (+{suppressed} suppressed)")
        } else {
            active.to_string()
        };
        let mut verdict = Cell::new(p.verdict.as_str());
        if opts.color {
            verdict = verdict
                .fg(verdict_color(p.verdict))
                .add_attribute(Attribute::Bold);
        }
        let mut name = sanitize(&p.name, false);
        if let Some(change) = &p.change {
            name.push_str(&format!(" ({})", sanitize(change, false)));
        }
        table.add_row(vec![
            Cell::new(name),
            Cell::new(sanitize(
                p.version.as_deref().unwrap_or("(unpinned)"),
                false,
            )),
            verdict,
            Cell::new(worst),
            Cell::new(count),
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

fn findings_section(
    report: &Report,
    packages: &[&super::PackageReport],
    width: usize,
    color: bool,
    out: &mut String,
) {
    let total: usize = packages.iter().map(|p| p.active_findings().count()).sum();
    if total == 0 {
        return;
    }
    let show_all = total <= SHOW_ALL_BELOW;
    let shown = |f: &Finding| show_all || f.severity >= Severity::Medium;
    let hidden = packages
        .iter()
        .flat_map(|p| p.active_findings())
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
        out.push_str(&format!(
            "\n  {} — {}\n",
            sanitize(&p.id(), false),
            p.verdict
        ));
        for f in list {
            out.push_str(&format!(
                "    {} {}  at {}\n",
                severity_label(f.severity, color),
                sanitize(&f.rule, false),
                sanitize(&display_location(report, p, f), false)
            ));
            for line in wrap(&sanitize(&f.message, false), width.saturating_sub(6), 4) {
                out.push_str(&format!("      {line}\n"));
            }
            if let Some(ev) = &f.evidence {
                let (lines, cut) =
                    clip_lines(&sanitize(ev, true), EVIDENCE_LINES, width.saturating_sub(8));
                for line in &lines {
                    out.push_str(&format!("      │ {}\n", line.replace('\t', "    ")));
                }
                if cut {
                    out.push_str("      │ … (evidence cut; --format json has all of it)\n");
                }
            }
        }
    }
    if hidden > 0 {
        out.push_str(&format!(
            "\n  {hidden} low/info finding{} not shown (use --format json to see every finding)\n",
            if hidden == 1 { "" } else { "s" }
        ));
    }
}

fn suppressed_section(
    report: &Report,
    packages: &[&super::PackageReport],
    width: usize,
    out: &mut String,
) {
    let items: Vec<(&super::PackageReport, &Finding)> = packages
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
        out.push_str(&format!(
            "  - {} {} ({}) at {}\n",
            sanitize(&p.id(), false),
            sanitize(&f.rule, false),
            f.severity,
            sanitize(&display_location(report, p, f), false)
        ));
        for l in wrap(
            &format!("reason: {}", sanitize(reason, false)),
            width.saturating_sub(6),
            3,
        ) {
            out.push_str(&format!("      {l}\n"));
        }
    }
}

fn sort_refs(list: &mut [&Finding]) {
    list.sort_by(|a, b| crate::finding::report_order(a, b));
}
