//! The crate's top-level modules depend one way: no cycle among them (issue: "modules that
//! depend one way"). An edge is a `crate::X` path (or a `use crate::{X, ...}` group) in module
//! M's files outside `#[cfg(test)]` items; the same reading as `scripts/module-graph`, which
//! prints the whole graph.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The source with every `#[cfg(test)]` item removed (a `mod x;` line or a braced block).
fn strip_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(j) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..j]);
        let after = &rest[j..];
        let brace = after.find('{');
        let semi = after.find(';');
        match (brace, semi) {
            (_, Some(s)) if brace.is_none_or(|b| s < b) => rest = &after[s + 1..],
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
                rest = &after[end..];
            }
            _ => rest = "",
        }
    }
    out.push_str(rest);
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the other top-level modules its non-test code names.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut mods = BTreeSet::new();
    for entry in fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir()
            || (path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main")
        {
            mods.insert(name);
        }
    }
    let path_re = regex::Regex::new(r"crate::(\w+)").unwrap();
    let group_re = regex::Regex::new(r"crate::\{([^}]*)\}").unwrap();
    let word_re = regex::Regex::new(r"(?:^|[,{\s])(\w+)").unwrap();
    let comment_re = regex::Regex::new(r"//[^\n]*").unwrap();
    let mut edges = BTreeMap::new();
    for m in &mods {
        let mut files = Vec::new();
        let file = src.join(format!("{m}.rs"));
        if file.exists() {
            files.push(file);
        }
        if src.join(m).is_dir() {
            rust_files(&src.join(m), &mut files);
        }
        let mut deps = BTreeSet::new();
        for f in files {
            let text = strip_tests(&fs::read_to_string(&f).unwrap());
            let text = comment_re.replace_all(&text, "");
            let mut add = |x: &str| {
                if x != m && mods.contains(x) {
                    deps.insert(x.to_string());
                }
            };
            for c in path_re.captures_iter(&text) {
                add(&c[1]);
            }
            for g in group_re.captures_iter(&text) {
                for w in word_re.captures_iter(&g[1]) {
                    add(&w[1]);
                }
            }
        }
        edges.insert(m.clone(), deps);
    }
    edges
}

/// Every module reachable from `from` (not counting `from` itself unless a path returns to it).
fn reachable(edges: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = edges[from].iter().map(String::as_str).collect();
    while let Some(m) = todo.pop() {
        if seen.insert(m.to_string()) {
            todo.extend(edges[m].iter().map(String::as_str));
        }
    }
    seen
}

#[test]
fn top_level_modules_have_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    // The reading works: the data flow's known edges are there.
    assert!(
        edges["commands"].contains("audit"),
        "commands -> audit not seen"
    );
    assert!(
        edges["audit"].contains("inspect"),
        "audit -> inspect not seen"
    );
    assert!(edges.values().map(BTreeSet::len).sum::<usize>() > 50);

    let cyclic: Vec<String> = edges
        .keys()
        .filter(|m| reachable(&edges, m).contains(*m))
        .map(|m| {
            let back: Vec<&String> = edges[m]
                .iter()
                .filter(|d| reachable(&edges, d).contains(m))
                .collect();
            format!("{m} -> {back:?} -> ... -> {m}")
        })
        .collect();
    assert!(cyclic.is_empty(), "module cycles:\n{}", cyclic.join("\n"));
}

#[test]
fn test_items_are_not_edges() {
    let text = "use crate::a;\n#[cfg(test)]\nmod tests { use crate::b; fn f() { if x { } } }\n#[cfg(test)]\nmod more;\nuse crate::c;";
    let kept = strip_tests(text);
    assert!(kept.contains("crate::a") && kept.contains("crate::c"));
    assert!(!kept.contains("crate::b") && !kept.contains("mod more"));
}
