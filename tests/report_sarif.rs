//! SARIF 2.1.0 structure checks: the constraints of the official schema that dashboards rely
//! on, checked by hand on the rendered fixture (the schema itself is not vendored).

mod support;

use pyvet::finding::Severity;
use pyvet::report::{self, sarif, Format};
use serde_json::Value;
use support::report::report;

fn sarif_of(r: &pyvet::report::Report) -> Value {
    serde_json::from_str(&sarif::render(r)).expect("SARIF is JSON")
}

#[test]
fn top_level_and_driver() {
    let v = sarif_of(&report());
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(
        v["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "pyvet");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    // No informationUri until the project has a home page of its own.
    assert!(driver.get("informationUri").is_none());
    // The public entry point renders the same structure.
    let via_render: Value =
        serde_json::from_str(&report::render(&report(), Format::Sarif, false)).unwrap();
    assert_eq!(
        via_render["runs"][0]["results"].as_array().unwrap().len(),
        8
    );
}

#[test]
fn every_result_is_well_formed() {
    let r = report();
    let v = sarif_of(&r);
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let total: usize = r.packages.iter().map(|p| p.findings.len()).sum();
    assert_eq!(
        results.len(),
        total,
        "one result per finding, suppressed included"
    );

    let mut ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let unique = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), unique, "rule ids unique");

    for res in results {
        let rule_id = res["ruleId"].as_str().unwrap();
        let index = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], rule_id, "ruleIndex points at the rule");
        let level = res["level"].as_str().unwrap();
        assert!(
            ["none", "note", "warning", "error"].contains(&level),
            "{level}"
        );
        let text = res["message"]["text"].as_str().unwrap();
        assert!(!text.is_empty());
        let locations = res["locations"].as_array().unwrap();
        assert!(!locations.is_empty(), "{rule_id} has no location");
        for loc in locations {
            let phys = &loc["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().unwrap();
            assert!(
                !uri.is_empty() && !uri.contains(' ') && !uri.contains('\\'),
                "{uri}"
            );
            assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
        }
        let fp = res["partialFingerprints"][sarif::FINGERPRINT_KEY]
            .as_str()
            .unwrap();
        assert_eq!(fp.len(), 32);
    }
    // Every rule is used by a result, and described.
    for rule in rules {
        assert!(
            results.iter().any(|r| r["ruleId"] == rule["id"]),
            "unused rule {rule}"
        );
        assert!(rule["shortDescription"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["none", "note", "warning", "error"].contains(&level));
    }
}

fn result_for<'a>(v: &'a Value, rule: &str) -> &'a Value {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no result for {rule}"))
}

#[test]
fn locations_for_code_and_package_findings() {
    let v = sarif_of(&report());
    // Code: anchored to the package's line in the lockfile (a file of the repository), with the
    // path inside the artifact as a logical and a related location.
    let res = result_for(&v, "exec-decoded");
    let code = &res["locations"][0]["physicalLocation"];
    assert_eq!(code["artifactLocation"]["uri"], "requirements.txt");
    assert_eq!(code["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(code["region"]["startLine"], 5);
    assert!(code["region"].get("snippet").is_none(), "{code}");
    assert_eq!(
        res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "evil_pkg-1.0.0-py3-none-any.whl/evil_pkg/__init__.py"
    );
    let inside = &res["relatedLocations"][0]["physicalLocation"];
    assert_eq!(
        inside["artifactLocation"]["uri"],
        "evil_pkg-1.0.0-py3-none-any.whl/evil_pkg/__init__.py"
    );
    assert_eq!(inside["region"]["startLine"], 3);
    assert!(inside["region"]["snippet"]["text"]
        .as_str()
        .unwrap()
        .starts_with("exec(base64"));
    assert_eq!(res["properties"]["locationKind"], "artifact");
    // Package-level: the lockfile, at the package's line.
    let meta = &result_for(&v, "recent-release")["locations"][0]["physicalLocation"];
    assert_eq!(meta["artifactLocation"]["uri"], "requirements.txt");
    assert_eq!(meta["region"]["startLine"], 7);
    // About a whole artifact: the package's line too, the artifact as the logical location.
    let hash = &result_for(&v, "hash-mismatch")["locations"][0];
    assert_eq!(
        hash["physicalLocation"]["artifactLocation"]["uri"],
        "requirements.txt"
    );
    assert_eq!(hash["physicalLocation"]["region"]["startLine"], 11);
    assert_eq!(
        hash["logicalLocations"][0]["fullyQualifiedName"],
        "mirror_pkg-1.4.0-py3-none-any.whl"
    );
}

#[test]
fn package_without_line_points_at_line_one() {
    let mut r = report();
    let p = r
        .packages
        .iter_mut()
        .find(|p| p.name == "tinyhelper")
        .unwrap();
    p.line = None;
    let v = sarif_of(&r);
    let meta = &result_for(&v, "recent-release")["locations"][0]["physicalLocation"];
    assert_eq!(meta["region"]["startLine"], 1);
}

#[test]
fn levels_messages_and_rules() {
    let v = sarif_of(&report());
    assert_eq!(result_for(&v, "exec-decoded")["level"], "error");
    assert_eq!(result_for(&v, "suspicious-destination")["level"], "error");
    assert_eq!(result_for(&v, "recent-release")["level"], "warning");
    assert_eq!(result_for(&v, "dormant-revived")["level"], "note");
    let text = result_for(&v, "recent-release")["message"]["text"]
        .as_str()
        .unwrap();
    assert!(text.contains("tinyhelper==0.0.2"), "{text}");
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    // Rule descriptions come from the real catalogue.
    let exec = rules.iter().find(|r| r["id"] == "exec-decoded").unwrap();
    let info = pyvet::catalog::find("exec-decoded").unwrap();
    assert_eq!(exec["shortDescription"]["text"], info.summary);
    assert_eq!(exec["fullDescription"]["text"], info.help);
    assert_eq!(exec["help"]["text"], info.help);
    assert_eq!(exec["defaultConfiguration"]["level"], "error");
    assert_eq!(
        rules.iter().find(|r| r["id"] == "recent-release").unwrap()["defaultConfiguration"]
            ["level"],
        "warning"
    );
}

#[test]
fn suppressed_findings_carry_the_reason() {
    let v = sarif_of(&report());
    let res = result_for(&v, "install-hook-network");
    let s = &res["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert!(s["justification"]
        .as_str()
        .unwrap()
        .starts_with("Reviewed:"));
    assert!(result_for(&v, "exec-decoded").get("suppressions").is_none());
}

#[test]
fn fingerprints_ignore_version_line_and_whitespace_but_not_evidence() {
    let fp = |r: &pyvet::report::Report| {
        sarif_of(r)["runs"][0]["results"][0]["partialFingerprints"][sarif::FINGERPRINT_KEY]
            .as_str()
            .unwrap()
            .to_string()
    };
    let only_evil = |mutate: &dyn Fn(&mut pyvet::finding::Finding)| {
        let mut r = report();
        r.packages.retain(|p| p.name == "evil-pkg");
        r.packages[0].findings.truncate(1);
        mutate(&mut r.packages[0].findings[0]);
        r
    };
    let base = fp(&only_evil(&|_| {}));
    let moved = fp(&only_evil(&|f| {
        f.location.line = Some(40);
        f.version = Some("1.0.1".into());
        f.artifact = Some("evil_pkg-1.0.1-py3-none-any.whl".into());
        f.evidence = Some(f.evidence.as_ref().unwrap().replace(' ', "  \t"));
    }));
    assert_eq!(base, moved);
    let changed = fp(&only_evil(&|f| f.evidence = Some("exec(other)".into())));
    assert_ne!(base, changed);
    let other_file = fp(&only_evil(&|f| {
        f.location.path = Some("evil_pkg/other.py".into())
    }));
    assert_ne!(base, other_file);
}

#[test]
fn unknown_rule_is_still_described_and_indexed() {
    let mut r = report();
    r.packages[0].findings.push(pyvet::finding::Finding::new(
        "not-in-catalogue",
        Severity::Medium,
        pyvet::finding::Confidence::Low,
        "x",
    ));
    let v = sarif_of(&r);
    let res = result_for(&v, "not-in-catalogue");
    let idx = res["ruleIndex"].as_u64().unwrap() as usize;
    let rule = &v["runs"][0]["tool"]["driver"]["rules"][idx];
    assert_eq!(rule["id"], "not-in-catalogue");
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
}

#[test]
fn odd_paths_become_valid_uris() {
    let mut r = report();
    let f = &mut r
        .packages
        .iter_mut()
        .find(|p| p.name == "evil-pkg")
        .unwrap()
        .findings[0];
    f.location.path = Some("evil pkg/ü#x?.py".into());
    let v = sarif_of(&r);
    let uri = result_for(&v, "exec-decoded")["relatedLocations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        uri,
        "evil_pkg-1.0.0-py3-none-any.whl/evil%20pkg/%C3%BC%23x%3F.py"
    );
}

#[test]
fn scan_results_point_at_the_scanned_file_and_includes_at_their_own_file() {
    let mut r = report();
    r.command = "scan".into();
    r.inputs = vec![
        "dist/other.whl".into(),
        "dist/evil_pkg-1.0.0-py3-none-any.whl".into(),
    ];
    let v = sarif_of(&r);
    let loc = &result_for(&v, "exec-decoded")["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "dist/evil_pkg-1.0.0-py3-none-any.whl"
    );
    assert_eq!(loc["region"]["startLine"], 1);

    // A package declared in an included requirements file points at that file.
    let mut r = report();
    r.packages
        .iter_mut()
        .find(|p| p.name == "evil-pkg")
        .unwrap()
        .file = Some("requirements/base.txt".into());
    let v = sarif_of(&r);
    let loc = &result_for(&v, "suspicious-destination")["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "requirements/base.txt");
    assert_eq!(loc["region"]["startLine"], 5);
    // An absolute path gets no base id.
    let mut r = report();
    r.inputs = vec!["/work/project/requirements.txt".into()];
    for p in &mut r.packages {
        p.file = None;
    }
    let v = sarif_of(&r);
    let loc = &result_for(&v, "suspicious-destination")["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "/work/project/requirements.txt"
    );
    assert!(loc["artifactLocation"].get("uriBaseId").is_none());
}

#[test]
fn results_say_what_matched_and_what_to_do() {
    let v = sarif_of(&report());
    let res = result_for(&v, "suspicious-destination");
    let text = res["message"]["text"].as_str().unwrap();
    assert!(
        text.contains("(in evil_pkg-1.0.0-py3-none-any.whl/evil_pkg/__init__.py:7)"),
        "{text}"
    );
    assert!(
        text.contains("To act: check it (`pyvet rules suspicious-destination`)"),
        "{text}"
    );
    assert!(res["properties"]["ignoreEntry"]
        .as_str()
        .unwrap()
        .contains("rule = \"suspicious-destination\""));
}
