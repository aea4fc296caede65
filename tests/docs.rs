//! The commands the documentation tells people to run must be commands pyvet accepts: every
//! `pyvet ...` line in README.md, docs/ci.md and the pre-commit hook's `entry` parses with the
//! real command-line definition (nothing is executed).

use clap::Parser;
use pyvet::cli::Cli;

/// Lines inside fenced code blocks (the whole text when it has no fences).
fn code_lines(text: &str) -> Vec<&str> {
    if !text.contains("```") {
        return text.lines().collect();
    }
    let mut inside = false;
    let mut out = Vec::new();
    for l in text.lines() {
        if l.trim_start().starts_with("```") {
            inside = !inside;
        } else if inside {
            out.push(l);
        }
    }
    out
}

/// `pyvet ...` command lines in a document's code, with trailing comments removed and `${{ }}`
/// expressions and `<(...)` process substitutions replaced by a placeholder argument.
fn pyvet_lines(text: &str) -> Vec<String> {
    code_lines(text)
        .into_iter()
        .filter_map(|l| {
            let l = l
                .trim()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
                .trim_start_matches("entry: ");
            let start = l.find("pyvet ")?;
            let cmd = &l[start..];
            if start > 0 && !l[..start].trim().is_empty() {
                return None; // prose mentioning pyvet, or another command's argument
            }
            let cmd = cmd.split(" #").next().unwrap_or(cmd).trim();
            let mut out = String::new();
            let mut rest = cmd;
            while let Some(i) = rest.find("${{") {
                out.push_str(&rest[..i]);
                out.push_str("main");
                rest = rest[i..]
                    .find("}}")
                    .map(|j| &rest[i + j + 2..])
                    .unwrap_or("");
            }
            out.push_str(rest);
            // Process substitution is one argument, a pipe's path, to pyvet.
            while let Some(i) = out.find("<(") {
                let end = out[i..].find(')').map_or(out.len(), |j| i + j + 1);
                out.replace_range(i..end, "/dev/fd/63");
            }
            Some(out.trim_end_matches('`').to_string())
        })
        .filter(|c| !c.contains("...") && !c.contains('|'))
        .collect()
}

fn check(file: &str) -> usize {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap();
    let lines = pyvet_lines(&text);
    for line in &lines {
        let args: Vec<&str> = line.split_whitespace().collect();
        if let Err(e) = Cli::try_parse_from(&args) {
            panic!("{file}: `{line}` is not a valid pyvet command:\n{e}");
        }
    }
    lines.len()
}

#[test]
fn readme_commands_parse() {
    assert!(check("README.md") >= 10);
}

#[test]
fn ci_guide_commands_parse() {
    assert!(check("docs/ci.md") >= 4);
}

#[test]
fn pre_commit_hook_entry_parses() {
    assert_eq!(check(".pre-commit-hooks.yaml"), 1);
}
