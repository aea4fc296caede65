//! exec-decoded: obfuscated execution — `exec`/`eval`/`compile` (or a process) fed with data
//! that was base64/hex/zlib/marshal/rot13-decoded or built from `chr()` codes.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::{DECODED, DECODED_RT};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "exec-decoded",
    severity: Severity::High,
    summary: "Decoded or unpacked data is executed (exec of base64/zlib/marshal payloads)",
    help: "Reports exec, eval, compile, types.FunctionType or a process spawn whose argument was \
           produced by a decoder (base64, hex, zlib, marshal, codecs rot13, chr() lists, \
           reversed strings). Legitimate code has no reason to hide the code it runs; this is \
           the most common shape of obfuscated droppers. The decoded payload, when it can be \
           decoded statically, is shown as evidence and inspected by the other rules too. \
           Critical at install or import time, high in a function body; when the decoded data \
           is read at run time (a pipe or file) rather than embedded, high at install/import \
           time and medium in a function body.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        let code_sink = c.is_code_exec();
        if !(code_sink || c.is_process()) || c.arg_taint() & (DECODED | DECODED_RT) == 0 {
            continue;
        }
        let runtime_only = c.arg_taint() & DECODED == 0;
        let decoded = c
            .args
            .first()
            .and_then(|a| a.folded.as_ref().filter(|f| f.obfuscated).and(a.text()))
            .or_else(|| c.note.as_deref().map(str::to_string));
        let sev = if runtime_only {
            // Decoding data read at run time (a pipe, a file) and running it is how some
            // build tools ship code to child processes; still worth a look.
            c.ctx.pick(Severity::High, Severity::Medium)
        } else {
            c.ctx.pick(Severity::Critical, Severity::High)
        };
        out.emit(
            &INFO,
            sev,
            if decoded.is_some() {
                Confidence::High
            } else {
                Confidence::Medium
            },
            c.line,
            format!("`{}` runs decoded data {}", c.name, c.ctx.label()),
            decoded.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::{scan, worst};

    #[test]
    fn exec_b64_top_level_is_critical_with_evidence() {
        // "print('inert')"
        let src = "import base64\nexec(base64.b64decode('cHJpbnQoJ2luZXJ0Jyk='))\n";
        let f = scan("exec-decoded", "pkg/__init__.py", src);
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0]
            .evidence
            .as_deref()
            .unwrap()
            .contains("decoded: print('inert')"));
    }

    #[test]
    fn marshal_and_zlib_chains() {
        let src = "import marshal, zlib\ndef run(blob):\n    exec(marshal.loads(zlib.decompress(blob)))\n";
        assert_eq!(
            worst("exec-decoded", "pkg/m.py", src),
            Some(Severity::Medium)
        );
        let konst = "import marshal, zlib\ndef run():\n    exec(marshal.loads(zlib.decompress(b'x\\x9c')))\n";
        assert_eq!(
            worst("exec-decoded", "pkg/m.py", konst),
            Some(Severity::High)
        );
    }

    #[test]
    fn marshal_of_constant_blob_but_not_of_runtime_messages() {
        let blob = "import marshal\nexec(marshal.loads(b'\\xe3\\x00\\x00'))\n";
        assert_eq!(
            worst("exec-decoded", "pkg/__init__.py", blob),
            Some(Severity::Critical)
        );
        let pipe = "import marshal, types\ndef child(pipe):\n    code = marshal.loads(pipe.read())\n    return types.FunctionType(code, {})()\n";
        assert_eq!(worst("exec-decoded", "pkg/isolated.py", pipe), None);
    }

    #[test]
    fn plain_exec_and_decode_without_exec_are_fine() {
        let src = "import base64\nicon = base64.b64decode('aGVsbG8=')\nexec(open('v.py').read())\n";
        assert_eq!(worst("exec-decoded", "pkg/__init__.py", src), None);
    }
}
