//! obfuscated-url: URLs and IP addresses hidden behind encodings (base64, hex, chr lists,
//! reversal, rot13) or inside long encoded literals.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "obfuscated-url",
    severity: Severity::High,
    summary: "A URL or IP address is hidden behind an encoding",
    help: "Reports URLs and public IP addresses that only appear after statically decoding an \
           expression (base64/hex/zlib/rot13, chr() lists, reversed strings) or a long encoded \
           literal. Packages have no reason to hide where they connect; malware does it to slip \
           past reviewers and scanners. The decoded address is shown as evidence. High when \
           decoded by code, medium when only found inside an encoded literal.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    for s in &facts.strings {
        let Some(via) = s.decoded_via else { continue };
        let found = patterns::urls(&s.text)
            .next()
            .map(str::to_string)
            .or_else(|| patterns::public_ip(&s.text));
        let Some(found) = found else { continue };
        let embedded = via.starts_with("embedded");
        let sev = if embedded {
            s.ctx.pick(Severity::Medium, Severity::Medium)
        } else {
            s.ctx.pick(Severity::High, Severity::High)
        };
        out.emit(
            &INFO,
            sev,
            if embedded {
                Confidence::Medium
            } else {
                Confidence::High
            },
            s.line,
            format!(
                "{via}-encoded address {}",
                crate::redact::redact_url(&patterns::excerpt(&found, 100))
            ),
            Some(&s.text),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::{scan, worst};

    #[test]
    fn base64_url_is_high() {
        let src = "import base64\nU = base64.b64decode('aHR0cHM6Ly9ldmlsLmV4YW1wbGUuaW52YWxpZC9w').decode()\n";
        let f = scan("obfuscated-url", "pkg/__init__.py", src);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0]
            .evidence
            .as_deref()
            .unwrap()
            .contains("https://evil.example.invalid/p"));
    }

    #[test]
    fn chr_list_ip() {
        // "192.0.2.9:4444"
        let src = "h = ''.join(chr(c) for c in [49,57,50,46,48,46,50,46,57,58,52,52,52,52])\n";
        assert_eq!(
            worst("obfuscated-url", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn plain_urls_and_icons_are_fine() {
        let src = "import base64\nURL = 'https://' + 'example.invalid'\nICON = base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')\n";
        assert_eq!(worst("obfuscated-url", "pkg/a.py", src), None);
    }
}
