//! anti-analysis: sandbox/VM/debugger checks that make malware go quiet under analysis.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::AsciiRegex;
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "anti-analysis",
    severity: Severity::Medium,
    summary: "Sandbox, VM or debugger detection followed by exit",
    help: "Reports checks for virtual machines and analysis sandboxes (VirtualBox/VMware/QEMU \
           artefacts, sandbox user and host names, analysis tool process names), \
           IsDebuggerPresent/sys.gettrace() checks, in files that also exit or stop early. \
           Malware uses these to behave only on real victims. Medium alone; high when combined \
           with process spawning or network use in the same file.",
};

static VM: AsciiRegex = AsciiRegex::new(
    r"(?i)(vboxservice|vboxtray|vboxmouse|vmtoolsd|vmwaretray|vmwareuser|vmsrvc|qemu-ga|xenservice|prl_tools|sandboxie|sbiedll|wireshark|procmon|processhacker|x64dbg|ollydbg|idaq|fiddler|httpdebugger|\bwdagutilityaccount\b|\bhal9th\b|\bjohnson\b.*\bmiller\b|\bbruno\b.*\bharry johnson\b|00:05:69|00:0c:29|00:1c:14|00:50:56|08:00:27)",
);

/// Literals one of which every match of [`VM`] contains.
pub(crate) const WORDS: &[&str] = &[
    "vbox",
    "vmtoolsd",
    "vmware",
    "vmsrvc",
    "qemu-ga",
    "xenservice",
    "prl_tools",
    "sandboxie",
    "sbiedll",
    "wireshark",
    "procmon",
    "processhacker",
    "x64dbg",
    "ollydbg",
    "idaq",
    "fiddler",
    "httpdebugger",
    "wdagutilityaccount",
    "hal9th",
    "johnson",
    "00:05:69",
    "00:0c:29",
    "00:1c:14",
    "00:50:56",
    "08:00:27",
];

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    let exits = facts.calls.iter().any(|c| {
        matches!(
            c.name.as_str(),
            "sys.exit" | "os._exit" | "exit" | "quit" | "os.kill"
        )
    });
    // Nothing is reported without an exit: skip the string scan.
    if !exits {
        return;
    }
    let debugger = facts.calls.iter().find(|c| {
        c.name.ends_with("IsDebuggerPresent") || c.name.ends_with("CheckRemoteDebuggerPresent")
    });
    let vm_hits: Vec<u32> = facts
        .strings
        .iter()
        .zip(string_marks(cx))
        .filter(|(s, &m)| {
            s.text.len() < 2000 && m & mark::ANTI_ANALYSIS != 0 && VM.is_match(&s.text)
        })
        .map(|(s, _)| s.line)
        .collect();
    let line = debugger
        .map(|d| d.line)
        .or_else(|| (vm_hits.len() >= 2).then(|| vm_hits[0]));
    let Some(line) = line else { return };
    let active = cx.has_network() || facts.calls.iter().any(|c| c.is_process());
    let sev = if active {
        Severity::High
    } else {
        Severity::Medium
    };
    out.emit(
        &INFO,
        sev,
        Confidence::Medium,
        line,
        "checks for virtual machines, sandboxes or debuggers and exits",
        None,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefilter_and_ascii_build_agree_with_the_unicode_regex() {
        let kw = crate::inspect::patterns::Keywords::one(super::WORDS);
        let mut fragments = super::WORDS.to_vec();
        fragments.extend([
            "vboxtray",
            "vmwareuser",
            "johnson",
            "miller",
            "bruno",
            "harry johnson",
        ]);
        super::VM.assert_agrees(&fragments, 10_000, |s| {
            kw.find_in(s) && super::VM.is_match(s)
        });
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn vm_check_then_exit() {
        let src = "import os, sys, requests\nBAD = ['vboxservice.exe', 'vmtoolsd.exe', 'wireshark.exe']\nfor p in os.popen('tasklist').read().split():\n    if p.lower() in BAD:\n        sys.exit(0)\n";
        assert_eq!(
            worst("anti-analysis", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn no_exit_no_finding() {
        let src = "DRIVERS = ['vboxservice', 'vmtoolsd']\n";
        assert_eq!(worst("anti-analysis", "pkg/a.py", src), None);
    }
}
