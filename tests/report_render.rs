//! Snapshot tests of every renderer over the fixture report, plus the properties snapshots
//! cannot show (colour only on request, hostile text neutralised, JSON round-trips).

mod support;

use pyvet::report::{self, table, Format, Report};
use support::report::{realistic_report, report, settings_for};

/// A project directory that differs per run, as a real one under a temporary directory does.
fn project_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("pyvet-report-render-{}", std::process::id()))
}

/// The realistic report, its rendering in `format`, and the filters for what varies.
fn rendered(format: Format) -> (String, insta::Settings) {
    let root = project_dir();
    // A port that really differs per run: whatever the system hands out.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = realistic_report(&root, port);
    let out = match format {
        Format::Sarif => report::sarif::render(&r),
        f => report::render(&r, f, false),
    };
    (out, settings_for(&root, port))
}

/// The table as the CLI prints it when stdout is not a terminal.
fn plain_table(r: &Report) -> String {
    table::render_with(
        r,
        table::Options {
            color: false,
            width: None,
        },
    )
}

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn table_snapshot() {
    let (out, settings) = rendered(Format::Table);
    assert!(widest(&out) <= 100, "wider than 100 columns:\n{out}");
    settings.bind(|| insta::assert_snapshot!("table", out));
}

#[test]
fn table_snapshot_narrow_terminal() {
    let root = project_dir();
    let r = realistic_report(&root, 8080);
    let out = table::render_with(
        &r,
        table::Options {
            color: false,
            width: Some(72),
        },
    );
    assert!(widest(&out) <= 72, "wider than 72 columns:\n{out}");
    settings_for(&root, 8080).bind(|| insta::assert_snapshot!("table_narrow", out));
}

#[test]
fn json_snapshot() {
    let (out, settings) = rendered(Format::Json);
    settings.bind(|| insta::assert_snapshot!("json", out));
}

#[test]
fn sarif_snapshot() {
    let (out, settings) = rendered(Format::Sarif);
    settings.bind(|| insta::assert_snapshot!("sarif", out));
}

#[test]
fn markdown_snapshot() {
    let (out, settings) = rendered(Format::Markdown);
    settings.bind(|| insta::assert_snapshot!("markdown", out));
}

#[test]
fn table_is_plain_without_color_and_coloured_with_it() {
    let r = report();
    let plain = report::render(&r, Format::Table, false);
    assert!(
        !plain.contains('\u{1b}'),
        "escape codes without colour:\n{plain}"
    );
    let coloured = table::render_with(
        &r,
        table::Options {
            color: true,
            width: None,
        },
    );
    assert!(
        coloured.contains("\u{1b}["),
        "no colour when asked:\n{coloured}"
    );
    // Same words either way.
    let stripped = regex::Regex::new("\u{1b}\\[[0-9;]*m")
        .unwrap()
        .replace_all(&coloured, "");
    assert_eq!(stripped, plain_table(&r));
}

#[test]
fn table_orders_fail_warn_pass_then_name() {
    let out = table::render_with(
        &report(),
        table::Options {
            color: false,
            width: None,
        },
    );
    let pos = |needle: &str| {
        out.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{out}"))
    };
    // fail: evil-pkg, mirror-pkg; warn: tinyhelper; pass: oldlib, requests, vetted-tool.
    let order = [
        "│ evil-pkg",
        "│ mirror-pkg",
        "│ tinyhelper",
        "│ oldlib",
        "│ requests",
        "│ vetted-tool",
    ];
    for pair in order.windows(2) {
        assert!(
            pos(pair[0]) < pos(pair[1]),
            "{} should come before {}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn summary_line_says_blocked_or_ok() {
    let mut r = report();
    assert_eq!(
        report::summary_line(&r),
        "6 packages: 3 pass, 1 warn, 2 fail; 1 artifact could not be vetted — blocked (fail-on: high)"
    );
    let cfg = pyvet::config::Config {
        fail_on: pyvet::finding::Severity::Critical,
        ..support::report::fixture_config()
    };
    for p in &mut r.packages {
        p.findings
            .retain(|f| f.severity < pyvet::finding::Severity::Critical);
    }
    pyvet::policy::apply(&mut r, &cfg, support::report::now());
    assert!(
        report::summary_line(&r).ends_with(" — OK"),
        "{}",
        report::summary_line(&r)
    );
    let table = report::render(&r, Format::Table, false);
    assert!(table.trim_end().ends_with("— OK"), "{table}");
}

#[test]
fn json_round_trips_and_carries_schema_version() {
    let r = report();
    let text = report::render(&r, Format::Json, false);
    let back: Report = serde_json::from_str(&text).unwrap();
    assert!(
        back == report::redacted(&r),
        "JSON does not round-trip to the (redacted) report"
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], report::SCHEMA_VERSION);
    assert_eq!(v["summary"]["findings"]["critical"], 2);
    assert_eq!(v["summary"]["suppressed"], 1);
    let suppressed = &v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "vetted-tool")
        .unwrap()["findings"][0]["suppressed"];
    assert!(
        suppressed.as_str().unwrap().starts_with("Reviewed"),
        "{suppressed}"
    );
}

#[test]
fn no_renderer_leaks_index_credentials() {
    let r = report();
    for format in [Format::Table, Format::Json, Format::Markdown, Format::Sarif] {
        let out = report::render(&r, format, false);
        assert!(!out.contains("user:pw"), "{format:?} leaks credentials");
        assert!(
            out.contains("***@example.invalid") || format != Format::Json,
            "{format:?}"
        );
    }
}

#[test]
fn hostile_text_cannot_drive_the_terminal_or_the_comment() {
    let mut r = report();
    let f = &mut r
        .packages
        .iter_mut()
        .find(|p| p.name == "evil-pkg")
        .unwrap()
        .findings[0];
    f.message = "clear \u{1b}[2J\u{1b}]0;pwned\u{7} </details> @maintainers \u{202E}gnp.exe".into();
    f.evidence = Some("```\n</details>\n<img src=x onerror=alert(1)>\n````".into());
    let table = plain_table(&r);
    assert!(!table.contains('\u{1b}') && !table.contains('\u{7}') && !table.contains('\u{202E}'));
    assert!(table.contains("\\u{1b}[2J"), "{table}");
    let md = report::render(&r, Format::Markdown, false);
    assert!(!md.contains('\u{1b}') && !md.contains('\u{202E}'));
    assert!(!md.contains("@maintainers"), "mention not neutralised");
    // Exactly one closing tag per details block: the hostile one is escaped or fenced.
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("\n</details>\n").count()
    );
    // The evidence sits in a fence longer than any backtick run it contains.
    assert!(md.contains("  `````text\n  ```\n  </details>"), "{md}");
}

#[test]
fn empty_report_renders_everywhere() {
    let mut r = report();
    r.packages.clear();
    r.notes.clear();
    pyvet::policy::apply(&mut r, &Default::default(), support::report::now());
    let table = report::render(&r, Format::Table, false);
    assert!(table.contains("No packages to vet."), "{table}");
    assert!(
        table
            .trim_end()
            .ends_with("0 packages: 0 pass, 0 warn, 0 fail — OK"),
        "{table}"
    );
    let md = report::render(&r, Format::Markdown, false);
    assert!(md.starts_with("## ✅"), "{md}");
    let sarif: serde_json::Value =
        serde_json::from_str(&report::render(&r, Format::Sarif, false)).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
}

#[test]
fn table_lists_only_medium_and_above_when_findings_are_many() {
    use pyvet::finding::{Confidence, Finding, Severity};
    let mut r = support::report::raw_report();
    let oldlib = r.packages.iter_mut().find(|p| p.name == "oldlib").unwrap();
    for i in 0..table::SHOW_ALL_BELOW {
        for (severity, what) in [(Severity::Low, "low"), (Severity::Info, "info")] {
            oldlib.findings.push(
                Finding::new(
                    "dormant-revived",
                    severity,
                    Confidence::Low,
                    format!("{what} number {i}"),
                )
                .for_package("oldlib", Some("1.0")),
            );
        }
    }
    pyvet::policy::apply(
        &mut r,
        &support::report::fixture_config(),
        support::report::now(),
    );
    let out = plain_table(&r);
    assert!(out.contains("\nFindings (medium and above)\n"), "{out}");
    assert!(!out.contains("info number"), "{out}");
    assert!(!out.contains("low number"), "{out}");
    assert!(!out.contains("packer\n"), "low finding listed:\n{out}");
    assert!(out.contains("exec-decoded\n"), "{out}");
    assert!(out.contains("recent-release\n"), "{out}");
    // 3 lows from the fixture and the added ones are counted; infos are summarised apart.
    assert!(
        out.contains(&format!(
            "{} low findings not shown",
            3 + table::SHOW_ALL_BELOW
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{} info findings (dormant-revived {}) not listed",
            table::SHOW_ALL_BELOW,
            table::SHOW_ALL_BELOW
        )),
        "{out}"
    );
    // The package table still counts them.
    assert!(out.contains("│ oldlib"), "{out}");
}

#[test]
fn table_output_does_not_depend_on_the_environment() {
    let r = report();
    let a = plain_table(&r);
    let b = plain_table(&r);
    assert_eq!(a, b);
    // Width only changes the layout, not the content of the summary line.
    let narrow = table::render_with(
        &r,
        table::Options {
            color: false,
            width: Some(50),
        },
    );
    let summary = report::summary_line(&r);
    assert!(a.trim_end().ends_with(&summary), "{a}");
    let tail: Vec<&str> = narrow.trim_end().lines().rev().take(2).collect();
    assert_eq!(format!("{} {}", tail[1], tail[0]), summary);
}

#[test]
fn hostile_package_name_in_markdown_summary_is_entity_escaped() {
    let mut r = report();
    r.packages
        .iter_mut()
        .find(|p| p.name == "evil-pkg")
        .unwrap()
        .name = "Evil_Pkg</summary><img src=x>".into();
    let md = report::render(&r, Format::Markdown, false);
    assert!(
        md.contains("<summary><strong>Evil_Pkg&lt;/summary&gt;&lt;img src=x&gt;</strong>"),
        "{md}"
    );
    assert_eq!(
        md.matches("</summary>").count(),
        md.matches("<summary>").count()
    );
}

#[test]
fn owners_finding_does_not_make_a_clean_package_read_pass_1() {
    use pyvet::finding::{Confidence, Finding, Severity};
    let mut r = report();
    let owners = Finding::new(
        "maintainers",
        Severity::Info,
        Confidence::High,
        "owners: alice (Owner)",
    );
    r.packages = vec![support::report::package("quietpkg", "1.0", 3, vec![owners])];
    pyvet::policy::apply(&mut r, &Default::default(), support::report::now());
    let text = table::render(&r, false);
    let row = text.lines().find(|l| l.contains("quietpkg")).expect("row");
    let cells: Vec<&str> = row.split(['│', '┆']).map(str::trim).collect();
    // No worst finding, and nothing counted.
    assert_eq!(cells[cells.len() - 3], "-", "{row}");
    assert_eq!(cells[cells.len() - 2], "0", "{row}");
    assert!(
        text.contains("1 info finding (maintainers 1) not listed"),
        "{text}"
    );
}

#[test]
fn piped_table_fits_100_columns_whatever_the_names() {
    use pyvet::finding::{Confidence, Finding, Severity};
    let root = project_dir();
    let mut r = realistic_report(&root, 1);
    let long = "a-package-name-that-goes-on-and-on-".repeat(5);
    let f = Finding::new(
        "suspicious-destination",
        Severity::High,
        Confidence::High,
        "x".repeat(300),
    )
    .for_package(&long, Some("1.0"))
    .in_artifact(&format!("{long}-1.0-py3-none-any.whl"))
    .at(format!("{}/mod.py", "deep/".repeat(40)), Some(1))
    .with_evidence(format!("{}\n{}", "y".repeat(400), "z".repeat(400)))
    .with_match("z".repeat(150))
    .with_decoded("w".repeat(300));
    let mut p = support::report::package(&long, "1.0", 99, vec![f]);
    p.change = Some(format!("upgraded from {}", "9".repeat(120)));
    r.packages.push(p);
    r.notes.push("n".repeat(250));
    pyvet::policy::apply(
        &mut r,
        &support::report::fixture_config(),
        support::report::now(),
    );
    let out = plain_table(&r);
    for line in out.lines() {
        assert!(
            line.chars().count() <= 100,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    // The change is on its own line, not in the Package column.
    let row = out.lines().find(|l| l.contains("│ coverage")).unwrap();
    assert!(!row.contains("upgraded"), "{row}");
    assert!(
        out.contains("coverage==7.6.1: upgraded from 7.5.0 — files: 3 added"),
        "{out}"
    );
    // JSON keeps every character.
    let json = report::render(&r, Format::Json, false);
    assert!(json.contains(&"x".repeat(300)));
}

#[test]
fn one_ignore_entry_per_rule_even_when_it_fires_twice() {
    let mut r = support::report::raw_report();
    let evil = r
        .packages
        .iter_mut()
        .find(|p| p.name == "evil-pkg")
        .unwrap();
    let mut again = evil
        .findings
        .iter()
        .find(|f| f.rule == "suspicious-destination")
        .unwrap()
        .clone();
    again.location.line = Some(40);
    evil.findings.push(again);
    pyvet::policy::apply(
        &mut r,
        &support::report::fixture_config(),
        support::report::now(),
    );
    for format in [Format::Table, Format::Markdown] {
        let out = report::render(&r, format, false);
        assert_eq!(
            out.matches("rule = \"suspicious-destination\"").count(),
            1,
            "{format:?}:\n{out}"
        );
    }
}

#[test]
fn packages_not_installed_on_the_target_are_listed_by_every_renderer() {
    let mut r = report();
    for (name, reason) in [
        (
            "pywin32",
            "reached only through marker `sys_platform == 'win32'` (from click)",
        ),
        (
            "docs-theme",
            "only in extra `docs` of the project\x1b[31m, not requested",
        ),
    ] {
        r.not_installed.push(pyvet::report::NotInstalled {
            name: name.into(),
            version: Some("1.0".into()),
            file: Some("uv.lock".into()),
            line: Some(3),
            reason: reason.into(),
        });
    }
    r.summary.not_installed = 2;

    let table = plain_table(&r);
    assert!(
        table.contains("Not installed on the target, so not vetted (2"),
        "{table}"
    );
    assert!(
        table.contains("pywin32 1.0: reached only through marker"),
        "{table}"
    );
    assert!(!table.contains('\x1b'), "terminal escapes are neutralised");
    assert!(report::summary_line(&r).contains("2 not installed on the target"));

    let md = report::render(&r, Format::Markdown, false);
    assert!(
        md.contains("Not installed on the target, not vetted (2)"),
        "{md}"
    );
    assert!(md.contains("pywin32 1.0"), "{md}");

    let sarif: serde_json::Value = serde_json::from_str(&report::sarif::render(&r)).unwrap();
    let listed = &sarif["runs"][0]["properties"]["notInstalled"];
    assert_eq!(listed[0]["name"], "pywin32");
    assert_eq!(
        listed[1]["reason"].as_str().map(|s| s.contains("docs")),
        Some(true)
    );

    let json = report::render(&r, Format::Json, false);
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.not_installed, r.not_installed);
    assert_eq!(back.summary.not_installed, 2);
}
