//! clipboard-hijack: reading the clipboard and replacing crypto addresses ("clipper").

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::{self, AsciiRegex};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "clipboard-hijack",
    severity: Severity::High,
    summary: "Clipboard is read and rewritten with crypto-address patterns (clipper)",
    help: "Reports code that reads the clipboard (pyperclip, win32clipboard, ctypes \
           GetClipboardData, tkinter clipboard_get) and either writes it back while crypto \
           wallet address patterns appear in the same file, or contains wallet address \
           regexes. Clipper malware swaps a copied wallet address for the attacker's. Reading \
           the clipboard alone (a CLI pasting input) is low.",
};

static WALLET: AsciiRegex = AsciiRegex::new(
    r"(\^?\(?bc1\|\[13\]\)|\[13\]\[a-km-zA-HJ-NP-Z1-9\]|0x\[a-fA-F0-9\]\{40\}|\^4\[0-9AB\]|\[LM3\]\[a-km-zA-HJ-NP-Z1-9\]|\b(bc1[02-9ac-hj-np-z]{20,}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[a-fA-F0-9]{40}|4[0-9AB][1-9A-HJ-NP-Za-km-z]{93})\b)",
);

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    let reads: Vec<_> = facts
        .calls
        .iter()
        .filter(|c| {
            matches!(
                c.name.as_str(),
                "pyperclip.paste" | "clipboard.paste" | "win32clipboard.GetClipboardData"
            ) || patterns::method_is(&c.name, "clipboard_get")
                || c.name.ends_with("GetClipboardData")
        })
        .collect();
    if reads.is_empty() {
        return;
    }
    let writes = facts.calls.iter().any(|c| {
        matches!(
            c.name.as_str(),
            "pyperclip.copy"
                | "clipboard.copy"
                | "win32clipboard.SetClipboardText"
                | "win32clipboard.SetClipboardData"
        ) || patterns::method_is(&c.name, "clipboard_append")
            || c.name.ends_with("SetClipboardData")
    });
    let wallet = facts
        .strings
        .iter()
        .any(|s| s.text.len() < 2000 && WALLET.is_match(&s.text));
    let r = reads[0];
    let (sev, msg) = match (writes, wallet) {
        (true, true) | (false, true) => (
            Severity::High.max(r.ctx.pick(Severity::Critical, Severity::High)),
            "clipboard is read and matched against crypto wallet address patterns",
        ),
        (true, false) => (
            r.ctx.pick(Severity::Medium, Severity::Low),
            "clipboard is read and rewritten",
        ),
        (false, false) => (Severity::Info, "clipboard is read"),
    };
    if sev == Severity::Info {
        return;
    }
    out.emit(
        &INFO,
        sev,
        Confidence::Medium,
        r.line,
        msg,
        r.note.as_deref(),
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn ascii_build_agrees_with_the_unicode_regex() {
        let fragments = [
            "^(bc1|[13])",
            "[13][a-km-zA-HJ-NP-Z1-9]",
            "0x[a-fA-F0-9]{40}",
            "^4[0-9AB]",
            "[LM3][a-km-zA-HJ-NP-Z1-9]",
            "bc1qexampleexampleexampleexamplexyz",
            "1BoatSLRHtKNngkdXEeobR76b53LETtpyT",
            "0xab12ab12ab12ab12ab12ab12ab12ab12ab12ab12",
        ];
        super::WALLET.assert_agrees(&fragments, 5_000, |s| super::WALLET.is_match(s));
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn clipper() {
        let src = "import pyperclip, re, time\nBTC = re.compile(r'^(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,34}$')\ndef loop():\n    while True:\n        v = pyperclip.paste()\n        if BTC.match(v):\n            pyperclip.copy('bc1qexampleexampleexampleexamplexyz')\n        time.sleep(1)\n";
        assert_eq!(
            worst("clipboard-hijack", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn paste_in_cli_is_fine() {
        let src = "import pyperclip\ndef paste_input():\n    return pyperclip.paste()\n";
        assert_eq!(worst("clipboard-hijack", "pkg/a.py", src), None);
    }
}
