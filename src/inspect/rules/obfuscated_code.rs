//! obfuscated-code: code written so that a reader cannot see what it does — names of builtins
//! computed from `chr()` codes or the reprs of other builtins, builtins fetched by evaluating
//! their own names, string literals spelled entirely in escape sequences, and (in install-time
//! files) identifiers in scripts no setup script uses. Measured per file, whatever the code
//! goes on to call: obfuscation is the signal.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::RunContext;
use crate::inspect::{Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "obfuscated-code",
    severity: Severity::High,
    summary: "Code is deliberately obfuscated (computed builtin names, escaped-literal code)",
    help: "Reports a file whose code hides what it does: a name looked up with getattr, \
           __import__ or importlib through an obfuscated computation (chr() codes, shifted \
           integers, reversed or decoded strings, slices of builtins' reprs such as \
           `oct.__str__()[-3]`), a builtin fetched by evaluating its own name (`eval(\"eval\")`), \
           or string literals spelled almost entirely in \\x and octal escapes of printable \
           text (BlankOBF and similar packers). In install-time files (setup.py, build \
           backends, .pth) identifiers in non-Latin scripts count too. Readable code never \
           needs any of these. High, whatever the code goes on to call; low in test and \
           example files.",
};

/// Printable-ASCII characters written as `\xHH` or `\ooo` escapes: how many, and the first
/// line that has one.
fn printable_escapes(text: &str) -> (usize, u32) {
    let b = text.as_bytes();
    let (mut n, mut first, mut line) = (0usize, 0u32, 1u32);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'\\' if i + 1 < b.len() => {
                let v = match b[i + 1] {
                    b'x' if i + 3 < b.len() => std::str::from_utf8(&b[i + 2..i + 4])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok()),
                    b'0'..=b'7' if i + 3 < b.len() => std::str::from_utf8(&b[i + 1..i + 4])
                        .ok()
                        .and_then(|o| u8::from_str_radix(o, 8).ok()),
                    _ => None,
                };
                if v.is_some_and(|v| (0x20..0x7f).contains(&v)) {
                    n += 1;
                    if first == 0 {
                        first = line;
                    }
                    i += 4;
                    continue;
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (n, first)
}

/// Obfuscated lookups of harmless names that make a file obfuscated.
const LOOKUPS_MIN: usize = 3;

/// Whether a looked-up name is a capability worth hiding: code execution, imports, processes,
/// the network, decoding, attribute and namespace access.
fn capability(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    super::dynamic_import_obfuscation::dangerous(name)
        || matches!(
            last,
            "exec"
                | "eval"
                | "compile"
                | "__import__"
                | "import_module"
                | "getattr"
                | "setattr"
                | "globals"
                | "locals"
                | "vars"
                | "open"
                | "system"
                | "popen"
                | "Popen"
                | "startfile"
                | "urlopen"
                | "loads"
                | "b64decode"
                | "decompress"
                | "fromhex"
                | "__builtins__"
                | "builtins"
                | "__dict__"
        )
        || matches!(
            name.split('.').next(),
            Some("requests" | "urllib" | "http" | "importlib" | "pickle" | "shutil")
        )
}

/// Escapes of printable text make up this share of the file, at least this many of them.
const ESCAPED_SHARE: f64 = 0.4;
const ESCAPED_MIN: usize = 256;
/// Distinct non-Latin identifiers that make an install-time file obfuscated.
const FOREIGN_IDENTS_MIN: usize = 3;

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if !matches!(cx.kind, FileKind::Python | FileKind::Pth) {
        return;
    }
    let Some(text) = cx.text else { return };
    let mut signals: Vec<String> = Vec::new();
    let mut line = 0u32;
    let install = cx.top_ctx() == RunContext::Install;
    if let Some(f) = cx.facts {
        // One hidden name of something harmless (celery's `getattr(sys, 'emarfteg_'[::-1])`)
        // is a quirk; a hidden name of a capability, or a file full of them, is obfuscation.
        let lookups = &f.obfuscated_lookups;
        // Install-time code has no quirks to excuse.
        let capable = lookups.iter().find(|(_, n)| install || capability(n));
        if let Some((l, n)) = capable.or(lookups.first().filter(|_| lookups.len() >= LOOKUPS_MIN)) {
            line = *l;
            signals.push(format!(
                "{} name lookup(s) through an obfuscated computation (`{n}`)",
                lookups.len()
            ));
        }
    }
    let (escapes, esc_line) = printable_escapes(text);
    if escapes >= ESCAPED_MIN && (escapes * 4) as f64 >= ESCAPED_SHARE * text.len() as f64 {
        if line == 0 {
            line = esc_line;
        }
        signals.push(format!(
            "{escapes} printable characters written as escape sequences ({}% of the file)",
            escapes * 400 / text.len().max(1)
        ));
    }
    if install {
        if let Some(f) = cx.facts {
            let mut foreign: Vec<&str> = f
                .non_ascii_idents
                .iter()
                .filter(|(id, _)| id.chars().any(|c| c as u32 >= 0x2e80))
                .map(|(id, _)| id.as_str())
                .collect();
            foreign.sort_unstable();
            foreign.dedup();
            if foreign.len() >= FOREIGN_IDENTS_MIN {
                if line == 0 {
                    line = f
                        .non_ascii_idents
                        .iter()
                        .map(|(_, l)| *l)
                        .min()
                        .unwrap_or(0);
                }
                signals.push(format!(
                    "{} identifiers in a non-Latin script in install-time code",
                    foreign.len()
                ));
            }
        }
    }
    if signals.is_empty() {
        return;
    }
    let sev = match cx.top_ctx() {
        RunContext::Test => Severity::Low,
        _ => Severity::High,
    };
    let when = cx.top_ctx().label();
    out.emit(
        &INFO,
        sev,
        Confidence::High,
        line,
        format!("obfuscated code {when}: {}", signals.join("; ")),
        None,
    );
}

#[cfg(test)]
mod tests {
    use crate::finding::Finding;
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::scan;

    fn worst(f: &[Finding]) -> Option<Severity> {
        f.iter().map(|f| f.severity).max()
    }

    #[test]
    fn builtins_named_by_computation_are_high_whatever_is_called() {
        // 'chr' built from the reprs of other builtins, then used to build strings.
        let src = "import sys\nc = getattr(__builtins__, oct.__str__()[-3 << 0] + \
                   hex.__str__()[-1 << 2] + 'r')\nx = ''.join(map(c, [104, 105]))\n";
        let f = scan("obfuscated-code", "setup.py", src);
        assert_eq!(worst(&f), Some(Severity::High), "{f:?}");
        assert_eq!(f[0].location.line, Some(2));
        let f = scan(
            "obfuscated-code",
            "pkg/util.py",
            "m = __import__('so'[::-1])\n",
        );
        assert_eq!(worst(&f), Some(Severity::High), "{f:?}");
        let f = scan("obfuscated-code", "pkg/util.py", "e = eval('eval')\n");
        assert_eq!(worst(&f), Some(Severity::High), "{f:?}");
    }

    #[test]
    fn escaped_literal_code_is_high() {
        let word: String = "print('inert')"
            .bytes()
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        let src = format!("_ = '{}'\n", word.repeat(40));
        let f = scan("obfuscated-code", "pkg/__init__.py", &src);
        assert_eq!(worst(&f), Some(Severity::High), "{f:?}");
        assert!(
            f[0].message.contains("escape sequences"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn one_hidden_harmless_name_is_a_quirk_several_are_obfuscation() {
        // celery's `getattr(sys, 'emarfteg_'[::-1])`.
        let quirk = "import sys\nf = getattr(sys, 'emarfteg_'[::-1])(1)\n";
        assert!(scan("obfuscated-code", "pkg/__init__.py", quirk).is_empty());
        let many = "a = getattr(__builtins__, 'rhc'[::-1])\nb = getattr(__builtins__, 'dro'[::-1])\nc = getattr(__builtins__, 'nel'[::-1])\n";
        let f = scan("obfuscated-code", "pkg/__init__.py", many);
        assert_eq!(worst(&f), Some(Severity::High), "{f:?}");
    }

    #[test]
    fn test_files_are_low() {
        let f = scan(
            "obfuscated-code",
            "tests/test_x.py",
            "m = __import__('so'[::-1])\n",
        );
        assert_eq!(worst(&f), Some(Severity::Low), "{f:?}");
    }

    #[test]
    fn readable_look_alikes_are_not_obfuscation() {
        // Plain getattr with a variable or a literal, binary data in escapes, ANSI colours,
        // a few escapes in a long file, non-Latin identifiers outside install-time code.
        for (path, src) in [
            (
                "setup.py",
                "import builtins\nf = getattr(builtins, name)\ng = getattr(builtins, 'open')\n"
                    .to_string(),
            ),
            (
                "pkg/png.py",
                format!("MAGIC = b'{}'\n", "\\x89\\x00\\x01\\xff".repeat(200)),
            ),
            (
                "pkg/color.py",
                format!("RED = '\\x1b[31m'\n{}", "x = 1\n".repeat(50)),
            ),
            (
                "pkg/ab.py",
                format!("A = '\\x41\\x42'\n{}", "y = 2\n".repeat(500)),
            ),
            (
                "pkg/zh.py",
                "价格 = 1\n数量 = 2\n总计 = 价格 * 数量\n".to_string(),
            ),
            (
                "pkg/mod.py",
                "def run(name):\n    return __import__(name)\n".to_string(),
            ),
        ] {
            let f = scan("obfuscated-code", path, &src);
            assert!(f.is_empty(), "{path}: {f:?}");
        }
    }

    #[test]
    fn non_latin_identifiers_count_in_install_time_code() {
        let src = "馬女水 = 1\n口目人 = 2\n鳥月水 = 馬女水 + 口目人\n";
        let f = scan("obfuscated-code", "setup.py", src);
        assert_eq!(worst(&f), Some(Severity::High), "{f:?}");
    }
}
