//! Typosquat detection against the embedded popular-names snapshot: real historical look-alike
//! names are caught (recall), popular projects are not reported against each other (precision),
//! and lookups stay fast. And through `pyvet audit` on the loopback index: a look-alike that the
//! index shows to share the imitated project's publisher is cleared, one whose only link is a
//! repository URL in its own metadata is not.

mod support;

use support::{metadata_json, simple_json, FixtureFile, TestServer};

use pyvet::finding::Severity;
use pyvet::metadata::typosquat::{assess, embedded, Policy, Popular, Technique};

/// Names used in real typosquatting campaigns (published and later removed), with the project
/// each imitated. None of them may be in the snapshot itself.
const HISTORICAL: &[(&str, &str)] = &[
    ("reqeusts", "requests"),
    ("requesst", "requests"),
    ("rquests", "requests"),
    ("python-dateutils", "python-dateutil"),
    ("python3-dateutil", "python-dateutil"),
    ("urlib3", "urllib3"),
    ("colourama", "colorama"),
    ("djanga", "django"),
    ("diango", "django"),
    ("jeIlyfish", "jellyfish"),
    ("setup-tools", "setuptools"),
    ("beautfulsoup4", "beautifulsoup4"),
    ("selenuim", "selenium"),
    ("matplotlb", "matplotlib"),
    ("tensorfow", "tensorflow"),
    ("pilow", "pillow"),
    ("numpi", "numpy"),
];

#[test]
fn historical_typosquats_are_caught() {
    let popular = embedded();
    let policy = Policy::default();
    let mut missed = Vec::new();
    for (name, imitated) in HISTORICAL {
        assert!(
            popular.rank(name).is_none(),
            "{name} is in the snapshot; pick another example"
        );
        match assess(name, Some("1.0"), popular, &policy) {
            Some(f) => {
                assert_eq!(f.rule, "typosquat");
                assert_eq!(f.severity, Severity::High, "{name}: {}", f.message);
                let rank = popular.rank(imitated).unwrap();
                let expected = format!("looks like `{imitated}` (rank {rank})");
                assert!(f.message.contains(&expected), "{name}: {}", f.message);
            }
            None => missed.push(*name),
        }
    }
    assert!(missed.is_empty(), "missed: {missed:?}");
}

#[test]
fn each_technique_is_named() {
    let popular = embedded();
    for (name, technique) in [
        ("reqeusts", Technique::Transposition),
        ("urlib3", Technique::OmittedLetter),
        ("requestss", Technique::RepeatedLetter),
        ("colourama", Technique::Insertion),
        ("reqests", Technique::Deletion),
        ("djanga", Technique::Substitution),
        ("setup-tools", Technique::Separator),
        ("typingextensions", Technique::Separator),
        ("requests-python", Technique::PythonAffix),
        ("pyrequests", Technique::PythonAffix),
        ("dateutil", Technique::PythonAffix),
        ("rnatplotlib", Technique::Homoglyph),
        ("b0to3", Technique::Homoglyph),
        ("nurnpy", Technique::Homoglyph),
    ] {
        let hit = popular
            .lookalike(name)
            .unwrap_or_else(|| panic!("{name}: no match"));
        assert_eq!(hit.technique, technique, "{name}: {hit:?}");
    }
}

#[test]
fn popular_names_are_not_reported_against_each_other() {
    let popular = embedded();
    let policy = Policy::default();
    let top: Vec<&str> = popular.names().take(500).map(|(n, _)| n).collect();
    assert_eq!(top.len(), 500);
    let flagged: Vec<String> = top
        .iter()
        .filter_map(|n| assess(n, None, popular, &policy).map(|f| f.message))
        .collect();
    assert!(flagged.is_empty(), "{flagged:#?}");
}

#[test]
fn the_popular_floor_is_what_protects_similar_popular_names() {
    // Within the top 1000 there are real look-alike pairs (so the precision test above is not
    // vacuous): the policy, not the matcher, keeps them quiet.
    let popular = embedded();
    let pairs = popular
        .names()
        .take(1000)
        .filter(|(n, _)| popular.lookalike(n).is_some())
        .count();
    assert!(pairs > 5, "only {pairs} look-alikes among the top 1000");
    let strict = Policy {
        protected_rank: 0,
        rank_ratio: 1,
        high_rank: 1000,
    };
    let flagged = popular
        .names()
        .take(1000)
        .filter(|(n, _)| assess(n, None, popular, &strict).is_some())
        .count();
    assert!(flagged > 0);
}

#[test]
fn a_popular_name_itself_is_never_reported() {
    let popular = embedded();
    let policy = Policy::default();
    for name in [
        "requests",
        "Requests",
        "python-dateutil",
        "python_dateutil",
        "typing.extensions",
        "beautifulsoup4",
    ] {
        assert!(assess(name, None, popular, &policy).is_none(), "{name}");
    }
}

#[test]
fn much_less_popular_look_alike_is_medium() {
    // Same shape as `beautifulsoup` (legacy, ranked far lower) vs `beautifulsoup4`.
    let popular = Popular::from_pairs([
        ("widget-kit4", 10u32),
        ("widget-kit", 5000),
        ("gadget-kit", 30),
    ]);
    let policy = Policy::default();
    let f = assess("widget-kit", None, &popular, &policy).expect("ranked 500x lower");
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.message.contains("looks like `widget-kit4` (rank 10)"),
        "{}",
        f.message
    );
    assert!(f.evidence.unwrap().contains("only rank 5000"));
    // Within ten times: both popular, no finding.
    let close = Popular::from_pairs([("widget-kit4", 1000u32), ("widget-kit", 5000)]);
    assert!(assess("widget-kit", None, &close, &policy).is_none());
    // Unpopular name imitating a less popular project: medium, not high.
    let f = assess(
        "gadget-kat",
        None,
        &Popular::from_pairs([("gadget-kit", 5000u32)]),
        &policy,
    )
    .unwrap();
    assert_eq!(f.severity, Severity::Medium);
}

#[test]
fn short_names_need_more_than_one_edit() {
    let popular = Popular::from_pairs([("six", 1u32), ("idna", 2), ("attrs", 3), ("cl1ck", 4)]);
    // One edit from a four-letter name: ordinary, not reported.
    for name in ["sx", "sixx", "idnx", "idn", "attr"] {
        assert!(popular.lookalike(name).is_none(), "{name}");
    }
    // Separators and homoglyphs still count for short names.
    assert_eq!(
        popular.lookalike("id-na").map(|h| h.technique),
        Some(Technique::Separator)
    );
    assert_eq!(
        popular.lookalike("s1x").map(|h| h.technique),
        Some(Technique::Homoglyph)
    );
    assert_eq!(
        popular.lookalike("dick").map(|h| h.imitated),
        Some("cl1ck".to_string())
    );
}

#[test]
fn the_most_popular_look_alike_wins() {
    let popular = Popular::from_pairs([("flaskx", 900u32), ("flask", 20), ("flasks", 300)]);
    let hit = popular.lookalike("flasky").unwrap();
    assert_eq!(hit.imitated, "flask");
    assert_eq!(hit.rank, 20);
}

#[test]
fn odd_input_does_not_panic() {
    let popular = embedded();
    let policy = Policy::default();
    for name in [
        "",
        "-",
        "...",
        "é",
        "ñumpy",
        "numpý",
        "a\u{0}b",
        &"x".repeat(10_000),
        "🦀🦀🦀🦀🦀",
    ] {
        let _ = assess(name, None, popular, &policy);
    }
}

// ---- shared ownership, through `pyvet audit` on the loopback index --------------------------

/// One project on the loopback index: a simple page with one release and its metadata JSON,
/// with an organisation (`""` for none), owner accounts and a source repository.
fn serve(s: &TestServer, name: &str, org: &str, owners: &[(&str, &str)], source: &str) {
    let file = FixtureFile::new(
        &format!("{name}-1.0.tar.gz"),
        &format!("/files/{name}-1.0.tar.gz"),
        name.as_bytes(),
    );
    s.add(
        &format!("/simple/{name}/"),
        simple_json(name, &["1.0"], std::slice::from_ref(&file)),
        "application/vnd.pypi.simple.v1+json",
    );
    s.add(
        &format!("/pypi/{name}/json"),
        metadata_json(
            name,
            "someone",
            &[("Source", source)],
            Some((org, owners)),
            &[("1.0", &[file])],
        ),
        "application/json",
    );
}

/// The typosquat finding of each package: (severity, message, evidence).
fn typosquats(report: &serde_json::Value) -> std::collections::BTreeMap<String, [String; 3]> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .filter(|f| f["rule"] == "typosquat")
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (
                text("package"),
                [text("severity"), text("message"), text("evidence")],
            )
        })
        .collect()
}

/// A project directory whose cache holds the popular names `names` and whose requirements file
/// pins each of `pins` at 1.0 from the loopback index; `audit(extra)` runs a metadata-only audit
/// there (expected to block) and returns its typosquat findings.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new(s: &TestServer, names: &str, pins: &[&str]) -> Project {
        let dir = support::tempdir();
        support::import_names(dir.path(), &dir.path().join("cache"), names);
        let pins: String = pins.iter().map(|n| format!("{n}==1.0\n")).collect();
        std::fs::write(
            dir.path().join("requirements.txt"),
            format!("--index-url {}/simple\n{pins}", s.base()),
        )
        .unwrap();
        Project { dir }
    }

    fn audit(&self, extra: &[&str]) -> std::collections::BTreeMap<String, [String; 3]> {
        let out = support::hermetic_pyvet(self.dir.path(), &self.dir.path().join("cache"))
            .args(extra)
            .args(["audit", "requirements.txt", "--checks", "metadata"])
            .args(["--format", "json", "--now", "2026-11-26T12:00:00Z"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        typosquats(&support::json_of(&out))
    }
}

#[test]
fn shared_ownership_on_the_index_clears_a_look_alike_and_a_repository_claim_does_not() {
    let s = TestServer::start();
    // The popular projects: `widgetry` (imitated) and `acme` (named like its organisation).
    serve(
        &s,
        "widgetry",
        "widget-labs",
        &[("alice", "Owner")],
        "https://github.com/widget-team/widgetry",
    );
    serve(
        &s,
        "acme",
        "acme",
        &[("dave", "Owner")],
        "https://github.com/acme/acme",
    );
    // Same organisation as `widgetry`; an account in common with it; published by the
    // organisation of `acme`; a copy of `widgetry`'s repository owner only; nothing at all.
    serve(
        &s,
        "widgetry2",
        "Widget-Labs",
        &[("bob", "Owner")],
        "https://github.com/bob/w2",
    );
    serve(
        &s,
        "widgetry3",
        "",
        &[("Alice", "Maintainer")],
        "https://github.com/x/w3",
    );
    serve(
        &s,
        "widgetry4",
        "acme",
        &[("erin", "Owner")],
        "https://github.com/acme/w4",
    );
    serve(
        &s,
        "widgetry5",
        "",
        &[("mallory", "Owner")],
        "https://github.com/Widget-Team/widgetry5",
    );
    serve(
        &s,
        "wigdetry",
        "",
        &[("mallory", "Owner")],
        "https://github.com/mallory/wigdetry",
    );

    let project = Project::new(
        &s,
        "widgetry\t20\nacme\t30\n",
        &[
            "widgetry2",
            "widgetry3",
            "widgetry4",
            "widgetry5",
            "wigdetry",
        ],
    );

    let found = project.audit(&[]);
    let grade = |name: &str| found[name][0].as_str();
    let said = |name: &str| format!("{} / {}", found[name][1], found[name][2]);
    // The imitated project and the organisation's namesake were looked up, though not locked.
    assert!(s.hits("/pypi/widgetry/json") > 0 && s.hits("/pypi/acme/json") > 0);

    assert_eq!(grade("widgetry2"), "info", "{}", said("widgetry2"));
    assert!(said("widgetry2").contains("the organisation `Widget-Labs`"));
    assert!(said("widgetry2").contains("publisher of both `widgetry2` and `widgetry`"));
    assert_eq!(grade("widgetry3"), "info", "{}", said("widgetry3"));
    assert!(said("widgetry3").contains("the account `Alice`"));
    assert_eq!(grade("widgetry4"), "low", "{}", said("widgetry4"));
    assert!(said("widgetry4").contains("and of `acme` (rank 30)"));
    // A repository URL is the uploader's claim: noted, never a reason to lower the grade.
    assert_eq!(grade("widgetry5"), "high", "{}", said("widgetry5"));
    assert!(said("widgetry5").contains("github.com/widget-team/widgetry5"));
    assert!(said("widgetry5").contains("does not corroborate"));
    assert_eq!(grade("wigdetry"), "high", "{}", said("wigdetry"));
    assert!(!said("wigdetry").contains("index lists"));

    // Offline, from the cache: the same verdicts, without asking the index.
    let before = s.requests().len();
    assert_eq!(project.audit(&["--offline"]), found);
    assert_eq!(s.requests().len(), before);
}

#[test]
fn without_the_imitated_projects_data_the_name_alone_decides() {
    // The index does not serve `widgetry` (offline, unknown, or failing): no evidence, so the
    // shared organisation cannot be seen and the grade stays high.
    let s = TestServer::start();
    serve(
        &s,
        "widgetry2",
        "widget-labs",
        &[("bob", "Owner")],
        "https://github.com/bob/w2",
    );
    let found = Project::new(&s, "widgetry\t20\n", &["widgetry2"]).audit(&[]);
    assert_eq!(found["widgetry2"][0], "high", "{found:?}");
    assert!(
        s.hits("/simple/widgetry/") > 0,
        "the imitated project was asked for"
    );
}
