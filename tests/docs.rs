//! The commands the documentation and the shipped CI integrations tell people to run must be
//! commands pyvet accepts: every `pyvet ...` line in README.md and docs/ci.md, the pre-commit
//! hook's `entry`, and the `pyvet` command in the GitHub Action's script parse with the real
//! command-line definition (pyvet is not run). The two integration files are also checked
//! against the schema their consumers expect (pre-commit's hook keys, a composite action's
//! inputs, outputs and steps).

use std::collections::{BTreeMap, BTreeSet};

use clap::Parser;
use pyvet::cli::Cli;
use serde::Deserialize;

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

/// `pyvet ...` command lines in a document's code, with trailing comments and output
/// redirections removed and `${{ }}` expressions and `<(...)` process substitutions replaced by
/// a placeholder argument.
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
            // `pyvet man > pyvet.1`: the redirection is the shell's, not an argument.
            let cmd = cmd.split(" > ").next().unwrap_or(cmd).trim();
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

fn read(file: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Parse one command line (already split into words) with pyvet's CLI.
fn parse(file: &str, args: &[String]) -> Cli {
    Cli::try_parse_from(args).unwrap_or_else(|e| {
        panic!(
            "{file}: `{}` is not a valid pyvet command:\n{e}",
            args.join(" ")
        )
    })
}

fn check(file: &str) -> usize {
    let lines = pyvet_lines(&read(file));
    for line in &lines {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(file, &args);
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

// ---- .pre-commit-hooks.yaml ----

/// A hook as pre-commit reads it (its manifest keys; an unknown key is a typo pre-commit warns
/// about and ignores).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[allow(dead_code)] // read to validate the schema
struct Hook {
    id: String,
    name: String,
    entry: String,
    language: String,
    description: Option<String>,
    files: Option<String>,
    exclude: Option<String>,
    types: Option<Vec<String>>,
    types_or: Option<Vec<String>>,
    exclude_types: Option<Vec<String>>,
    always_run: Option<bool>,
    fail_fast: Option<bool>,
    pass_filenames: Option<bool>,
    require_serial: Option<bool>,
    verbose: Option<bool>,
    args: Option<Vec<String>>,
    stages: Option<Vec<String>>,
    additional_dependencies: Option<Vec<String>>,
    language_version: Option<String>,
    minimum_pre_commit_version: Option<String>,
}

#[test]
fn pre_commit_hook_is_a_valid_hook_whose_entry_parses() {
    let text = read(".pre-commit-hooks.yaml");
    let hooks: Vec<Hook> = serde_yaml_ng::from_str(&text).expect("a list of hooks");
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(hook.id, "pyvet");
    // pre-commit's languages that can build this repository into a `pyvet` on PATH.
    assert!(
        ["rust", "python"].contains(&hook.language.as_str()),
        "{}",
        hook.language
    );
    let args: Vec<String> = hook.entry.split_whitespace().map(String::from).collect();
    let cli = parse(".pre-commit-hooks.yaml", &args);
    assert!(
        matches!(cli.command, pyvet::cli::Command::Audit(_)),
        "{:?}",
        cli.command
    );
    // The hook runs when a lockfile is staged, and not for other files.
    let files = regex::Regex::new(hook.files.as_deref().expect("a files pattern")).unwrap();
    for hit in [
        "uv.lock",
        "sub/poetry.lock",
        "pylock.toml",
        "requirements-dev.txt",
        "requirements.in",
    ] {
        assert!(files.is_match(hit), "{hit}");
    }
    for miss in ["README.md", "src/main.rs", "docs/requirements.md"] {
        assert!(!files.is_match(miss), "{miss}");
    }
    // The line-based scan of the documentation finds the same single entry.
    assert_eq!(check(".pre-commit-hooks.yaml"), 1);
}

// ---- action.yml ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Action {
    name: String,
    description: String,
    author: Option<String>,
    branding: Option<BTreeMap<String, String>>,
    inputs: BTreeMap<String, ActionInput>,
    outputs: BTreeMap<String, ActionOutput>,
    runs: Runs,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ActionInput {
    description: String,
    required: Option<bool>,
    default: Option<String>,
    #[serde(rename = "deprecationMessage")]
    deprecation_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ActionOutput {
    #[allow(dead_code)]
    description: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Runs {
    using: String,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(dead_code)]
struct Step {
    name: Option<String>,
    id: Option<String>,
    #[serde(rename = "if")]
    if_: Option<String>,
    shell: Option<String>,
    run: Option<String>,
    uses: Option<String>,
    with: Option<BTreeMap<String, String>>,
    env: Option<BTreeMap<String, String>>,
    working_directory: Option<String>,
    continue_on_error: Option<bool>,
}

/// Names that follow `prefix` in `${{ }}` expressions of the text: `inputs.` -> input names.
fn referenced(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        let end = rest[i..].find("}}").map_or(rest.len(), |j| i + j);
        let expr = &rest[i..end];
        let mut e = expr;
        while let Some(k) = e.find(prefix) {
            let name: String = e[k + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            out.insert(name);
            e = &e[k + prefix.len()..];
        }
        rest = &rest[end..];
    }
    out
}

/// The `pyvet ...` command lines of a shell script (continuation lines joined).
fn script_pyvet_commands(script: &str) -> Vec<String> {
    let joined = script.replace("\\\n", " ");
    joined
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("pyvet "))
        .map(String::from)
        .collect()
}

/// The words bash makes of `command` with these variables set: the line runs under the real
/// bash, with `pyvet` replaced by `printf '%s\0'`, so quoting and `${VAR:+...}` expand exactly
/// as they will on a runner.
fn bash_words(command: &str, vars: &[(&str, &str)]) -> Vec<String> {
    let rest = command.strip_prefix("pyvet ").unwrap();
    let script = format!("printf '%s\\0' pyvet {rest}");
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-uc", &script])
        .env_clear();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    assert!(
        out.status.success(),
        "bash could not expand `{command}`: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .split('\0')
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn action_is_a_valid_composite_action() {
    let text = read("action.yml");
    let action: Action = serde_yaml_ng::from_str(&text).expect("action.yml");
    assert!(!action.name.is_empty() && !action.description.is_empty());
    assert_eq!(action.runs.using, "composite");
    let step_ids: BTreeSet<String> = action
        .runs
        .steps
        .iter()
        .filter_map(|s| s.id.clone())
        .collect();
    for (i, step) in action.runs.steps.iter().enumerate() {
        match (&step.run, &step.uses) {
            (Some(script), None) => {
                // A composite action's `run` step must name its shell.
                assert_eq!(step.shell.as_deref(), Some("bash"), "step {i}");
                // Inputs reach the script through `env`, never spliced into its text.
                assert!(
                    !script.contains("${{"),
                    "step {i} splices an expression into its script"
                );
                let syntax = std::process::Command::new("bash")
                    .args(["-n", "-c", script])
                    .output()
                    .expect("bash");
                assert!(
                    syntax.status.success(),
                    "step {i}: {}",
                    String::from_utf8_lossy(&syntax.stderr)
                );
            }
            (None, Some(uses)) => {
                let (_, rev) = uses
                    .split_once('@')
                    .unwrap_or_else(|| panic!("step {i}: `{uses}` is not pinned"));
                assert!(!rev.is_empty(), "step {i}");
                assert!(step.shell.is_none(), "step {i}: `shell` with `uses`");
            }
            _ => panic!("step {i}: exactly one of `run` and `uses`"),
        }
    }
    // Every input an expression names is declared; every declared input is used.
    let used = referenced(&text, "inputs.");
    let declared: BTreeSet<String> = action.inputs.keys().cloned().collect();
    assert_eq!(used, declared, "inputs used vs declared");
    // Outputs and conditions refer to steps that exist.
    for id in referenced(&text, "steps.") {
        assert!(step_ids.contains(&id), "no step with id `{id}`");
    }
    assert!(action.outputs.values().all(|o| o.value.contains("${{")));
    // Every pyvet command a step runs parses; those without shell variables as written (the
    // audit, which has them, is expanded by bash in the next test).
    let mut plain = 0;
    for step in &action.runs.steps {
        for cmd in script_pyvet_commands(step.run.as_deref().unwrap_or("")) {
            if !cmd.contains('$') {
                let args: Vec<String> = cmd.split_whitespace().map(String::from).collect();
                parse("action.yml", &args);
                plain += 1;
            }
        }
    }
    assert!(plain >= 1, "no plain pyvet command (db update) found");
    // The report reaches code scanning.
    assert!(action.runs.steps.iter().any(|s| s
        .uses
        .as_deref()
        .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))));
}

#[test]
fn action_runs_a_pyvet_audit_that_parses_for_every_kind_of_input() {
    use pyvet::cli::Command;
    let text = read("action.yml");
    let action: Action = serde_yaml_ng::from_str(&text).unwrap();
    let audit = action
        .runs
        .steps
        .iter()
        .find(|s| s.id.as_deref() == Some("audit"))
        .expect("a step with id `audit`");
    let env = audit.env.as_ref().expect("the audit step's env");
    let commands = script_pyvet_commands(audit.run.as_deref().unwrap());
    assert_eq!(commands.len(), 1, "{commands:?}");
    // The variables the command expands are the step's env and the script's own `base`.
    let all_empty: Vec<(&str, &str)> = env
        .keys()
        .map(|k| (k.as_str(), ""))
        .chain([("base", "")])
        .collect();
    let set = |over: &[(&'static str, &'static str)]| -> Vec<(&str, &str)> {
        all_empty
            .iter()
            .map(|(k, v)| {
                over.iter()
                    .find(|(o, _)| o == k)
                    .copied()
                    .unwrap_or((*k, *v))
            })
            .collect()
    };
    // (variables, the `--base` the command must carry)
    type Case<'a> = (Vec<(&'a str, &'a str)>, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (set(&[("IN_SARIF", "pyvet.sarif")]), None),
        (
            set(&[
                ("IN_SARIF", "out/pyvet.sarif"),
                ("IN_LOCKFILE", "requirements dev.txt"),
                ("base", "origin/main"),
                ("IN_FAIL_ON", "medium"),
                ("IN_INDEX_URL", "https://index.example.invalid/simple"),
                ("IN_ARGS", "--python-version 3.12 --platform linux"),
            ]),
            Some("origin/main"),
        ),
    ];
    for (vars, base) in cases {
        let words = bash_words(&commands[0], &vars);
        let cli = parse("action.yml", &words);
        let sarif = vars.iter().find(|(k, _)| *k == "IN_SARIF").unwrap().1;
        assert_eq!(cli.global.format, pyvet::report::Format::Sarif);
        assert_eq!(
            cli.global.output.as_deref(),
            Some(std::path::Path::new(sarif))
        );
        let Command::Audit(a) = cli.command else {
            panic!("not an audit: {words:?}")
        };
        assert_eq!(a.base.as_deref(), base, "{words:?}");
        if base.is_some() {
            assert_eq!(
                a.lockfile.as_deref(),
                Some(std::path::Path::new("requirements dev.txt"))
            );
            assert_eq!(a.target.python_version.as_deref(), Some("3.12"));
            assert_eq!(
                cli.global.index_url.as_deref(),
                Some("https://index.example.invalid/simple")
            );
        } else {
            assert_eq!(a.lockfile, None);
        }
    }
}
