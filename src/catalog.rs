//! The catalogue of every rule pyvet can report, whichever stage reports it: lockfile problems,
//! downloads and hashes, archive safety, code inspection, metadata, vulnerabilities and lockfile
//! diffs. Each stage declares its rules as `static` [`RuleInfo`] items next to the code that
//! reports them and lists them in its `RULES`; this module only gathers those lists, for
//! `pyvet rules`, the SARIF renderer and the configuration's rule-id check. No stage imports
//! it, so the stages stay independent of each other.
//!
//! Tests here keep the ids unique and kebab-case, and read the source to check that every
//! catalogued rule is declared once and reported somewhere (a rule nothing reports goes).

use crate::finding::RuleInfo;

/// Every rule, grouped by the stage that reports it, in data-flow order.
pub fn all() -> Vec<&'static RuleInfo> {
    let mut rules: Vec<&'static RuleInfo> = Vec::new();
    rules.extend(crate::lockfile::RULES);
    rules.extend(crate::resolve::RULES);
    rules.extend(crate::index::RULES);
    rules.extend(crate::fetch::RULES);
    rules.extend(crate::archive::RULES);
    rules.extend(crate::inspect::registry::RULES.iter().map(|r| r.info));
    rules.extend(crate::metadata::RULES);
    rules.extend(crate::vulns::RULES);
    rules.extend(crate::diff::RULES);
    rules
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    all().into_iter().find(|r| r.id == id)
}

/// Whether `id` names a rule (the configuration's check of `[rules]` and `[[ignore]]` ids).
pub fn is_known(id: &str) -> bool {
    find(id).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in all() {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(
                !r.id.is_empty()
                    && r.id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !r.id.starts_with('-')
                    && !r.id.ends_with('-')
                    && !r.id.contains("--"),
                "rule id {} is not kebab-case",
                r.id
            );
            assert!(
                !r.summary.is_empty() && !r.help.is_empty(),
                "{} lacks docs",
                r.id
            );
        }
    }

    /// The library's source files with their `#[cfg(test)]` items removed: what ships.
    fn shipped_sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).expect("src is readable") {
                let p = e.expect("src entry").path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        walk(&root, &mut files);
        files.sort();
        files
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("source is UTF-8");
                let rel = p.strip_prefix(&root).unwrap().display().to_string();
                (rel, strip_test_items(&text))
            })
            .collect()
    }

    /// `text` without `#[cfg(test)]` items (a `mod tests { ... }` block or one item), found by
    /// brace matching; good enough for this crate's own, rustfmt-formatted source.
    fn strip_test_items(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find("#[cfg(test)]") {
            out.push_str(&rest[..at]);
            let after = &rest[at..];
            let (brace, semi) = (after.find('{'), after.find(';'));
            let end = match (brace, semi) {
                (_, Some(s)) if brace.is_none_or(|b| s < b) => s + 1,
                (Some(b), _) => {
                    let mut depth = 0usize;
                    let mut end = after.len();
                    for (i, c) in after[b..].char_indices() {
                        match c {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    end = b + i + 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    end
                }
                _ => after.len(),
            };
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }

    /// The catalogue sits above the stages and below the renderer and the commands: only
    /// `report` (SARIF rule descriptions) and `commands` use it, and it names no module that
    /// uses it, so no cycle runs through it (an `audit` rule list here once made one).
    #[test]
    fn only_the_renderer_and_the_commands_use_the_catalogue() {
        for (file, text) in shipped_sources() {
            let user =
                file == "catalog.rs" || file.starts_with("report") || file.starts_with("commands");
            assert!(
                user || !text.contains("crate::catalog"),
                "{file} uses the catalogue; stages declare rules, they do not look them up"
            );
        }
        let own = &shipped_sources()
            .into_iter()
            .find(|(f, _)| f == "catalog.rs")
            .unwrap()
            .1;
        for above in [
            "crate::audit",
            "crate::report",
            "crate::commands",
            "crate::policy",
        ] {
            assert!(
                !own.contains(above),
                "the catalogue imports {above}, which uses it"
            );
        }
    }

    /// Every catalogued rule is one `static NAME: RuleInfo` whose id is written there and only
    /// there, every such static is catalogued, and each is reported: its name is passed to an
    /// emitter (`&NAME`) or builds a finding (`NAME.finding(`) somewhere in shipped code other
    /// than the `RULES` lists. A static called `INFO` (one per code-inspection rule file) must
    /// be reported from its own file. Findings are never built from a literal id.
    #[test]
    fn every_rule_is_declared_once_and_reported() {
        let decl = regex::Regex::new(
            r#"static ([A-Z][A-Z0-9_]*): RuleInfo = RuleInfo \{\s*id: "([^"]+)""#,
        )
        .unwrap();
        let rules_list = regex::Regex::new(r"static RULES: &\[&RuleInfo\] = &\[[^\]]*\];").unwrap();
        let sources = shipped_sources();
        let mut declared: Vec<(String, String, String)> = Vec::new(); // (file, name, id)
        for (file, text) in &sources {
            for c in decl.captures_iter(text) {
                declared.push((file.clone(), c[1].to_string(), c[2].to_string()));
            }
            for bad in ["Finding::new(\"", "rule == \"", "rule != \""] {
                assert!(
                    !text.contains(bad),
                    "{file}: a rule id typed as a string (`{bad}...`); use the rule's static"
                );
            }
        }
        let catalogued: Vec<&str> = all().iter().map(|r| r.id).collect();
        for id in &catalogued {
            let n = declared.iter().filter(|d| d.2 == *id).count();
            assert_eq!(n, 1, "{id} is declared {n} times as a static RuleInfo");
        }
        for (file, name, id) in &declared {
            assert!(
                catalogued.contains(&id.as_str()),
                "{file}: {name} ({id}) is not in the catalogue"
            );
            let used =
                regex::Regex::new(&format!(r"&(?:[a-z_]+::)*{name}\b|\b{name}\s*\.finding\("))
                    .unwrap();
            let reported = sources.iter().any(|(f, text)| {
                (name != "INFO" || f == file) && {
                    let text = rules_list.replace_all(text, "");
                    used.is_match(&text)
                }
            });
            assert!(reported, "{file}: rule {id} ({name}) is never reported");
        }
    }
}
