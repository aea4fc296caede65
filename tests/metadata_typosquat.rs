//! Typosquat detection against the embedded popular-names snapshot: real historical look-alike
//! names are caught (recall), popular projects are not reported against each other (precision),
//! and lookups stay fast.

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
