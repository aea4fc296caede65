//! dynamic-import-obfuscation: callables reached through computed names —
//! `getattr(__import__('o'+'s'), 'sys'+'tem')`, `globals()[chr(101)+...]`, `__builtins__` tricks.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::{is_network_call, is_process_call, CODE_EXEC_CALLS};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "dynamic-import-obfuscation",
    severity: Severity::High,
    summary: "A dangerous function is reached through a computed or obfuscated name",
    help: "Reports calls whose target is looked up with getattr, __import__, \
           importlib.import_module, globals()/vars()/__builtins__ subscripts using a string that \
           is decoded, built from chr() codes, reversed or concatenated. Hiding the name of \
           exec, os.system or subprocess defeats simple text searches and has no legitimate \
           purpose; plugin loaders use plain variable names and are not reported. High when \
           the obfuscated target executes code, spawns processes or uses the network, medium \
           for other targets.",
};

/// A callable worth hiding: code execution, processes, the network, and the modules behind
/// them (shared with obfuscated-code).
pub(crate) fn dangerous(name: &str) -> bool {
    CODE_EXEC_CALLS.contains(&name)
        || is_process_call(name)
        || is_network_call(name)
        || matches!(
            name.split('.').next(),
            Some(
                "os" | "subprocess"
                    | "socket"
                    | "ctypes"
                    | "marshal"
                    | "base64"
                    | "zlib"
                    | "builtins"
                    | "pty"
            )
        )
        || name == "__import__"
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        let Some(comp) = &c.computed_name else {
            continue;
        };
        let danger = dangerous(&c.name);
        let sev = match (comp.obfuscated, comp.computed, danger) {
            (true, _, true) => c.ctx.pick(Severity::High, Severity::High),
            (true, _, false) => Severity::Medium,
            (false, true, true) => c.ctx.pick(Severity::High, Severity::Medium),
            (false, false, true) if c.ctx.is_automatic() && comp.via != "__import__" => {
                Severity::Low
            }
            _ => continue,
        };
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            c.line,
            format!(
                "`{}` is called through a computed name ({})",
                c.name, comp.via
            ),
            c.note.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::{scan, worst};

    #[test]
    fn obfuscated_getattr_is_high() {
        let src = "import os\ngetattr(os, 'mets' 'ys'[::-1])('echo inert')\n";
        let f = scan("dynamic-import-obfuscation", "pkg/__init__.py", src);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].message.contains("os.system"));
    }

    #[test]
    fn globals_chr_lookup() {
        let src = "globals()[''.join(map(chr, [101, 118, 97, 108]))]('1')\n";
        assert_eq!(
            worst("dynamic-import-obfuscation", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn plugin_loader_is_fine() {
        let src = "import importlib\ndef load(name):\n    return importlib.import_module(name)\n__import__('pkg_resources').declare_namespace(__name__)\nx = getattr(obj, 'value')\n";
        assert_eq!(worst("dynamic-import-obfuscation", "pkg/a.py", src), None);
    }
}
