//! cryptominer: bundled or downloaded coin miners (xmrig, stratum pools, Monero wallets).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::patterns::{AsciiRegex, Keywords};
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "cryptominer",
    severity: Severity::High,
    summary: "Cryptocurrency miner references (xmrig, stratum pools, Monero wallets)",
    help: "Reports stratum+tcp:// pool URLs, well-known mining pool hosts, xmrig and other miner \
           binaries and their command-line options, and Monero wallet addresses in code and \
           shipped scripts. Hidden miners steal compute and are a common payload of malicious \
           packages. Mining software packages themselves will match; anything else should not.",
};

static MINER: AsciiRegex = AsciiRegex::new(
    r"(?i)(stratum\+(tcp|ssl|tls)://|\bxmrig\b|\bxmr-stak\b|\bcpuminer\b|\bminerd\b|\bnbminer\b|\bphoenixminer\b|--donate-level|\b(pool\.)?(supportxmr|minexmr|nanopool|moneroocean|hashvault|2miners|f2pool|ethermine|c3pool|herominers|unmineable|xmrpool)\.(com|org|net|pro|eu|stream)|\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b)",
);

/// Literals one of which every match of [`MINER`] contains, but for a Monero address.
pub(crate) const WORDS: &[&str] = &[
    "stratum+",
    "xmr",
    "cpuminer",
    "minerd",
    "nbminer",
    "phoenixminer",
    "--donate-level",
    "nanopool",
    "moneroocean",
    "hashvault",
    "2miners",
    "f2pool",
    "ethermine",
    "c3pool",
    "herominers",
    "unmineable",
];

static MINER_KEYWORDS: Keywords = Keywords::one(WORDS);

/// Whether `text` has a run of 95 bytes that are ASCII letters or digits or not ASCII: a
/// Monero address (95 letters and digits, where `(?i)` also lets `ſ` and the Kelvin sign
/// stand for `s` and `k`) needs one.
fn address_sized_run(text: &str) -> bool {
    let mut run = 0;
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || !b.is_ascii() {
            run += 1;
            if run >= 95 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// Whether `text` matches [`MINER`]; `words`: whether it has one of the [`WORDS`].
fn miner(text: &str, words: bool) -> bool {
    (words || text.len() >= 95 && address_sized_run(text)) && MINER.is_match(text)
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if let Some(facts) = cx.facts {
        for (s, &m) in facts.strings.iter().zip(string_marks(cx)) {
            if s.text.len() > 20_000 || !miner(&s.text, m & mark::CRYPTOMINER != 0) {
                continue;
            }
            out.emit(
                &INFO,
                s.ctx.pick(Severity::Critical, Severity::High),
                Confidence::Medium,
                s.line,
                format!("crypto-mining reference {}", s.ctx.label()),
                s.decoded_via.map(|_| s.text.as_str()).or(s.note.as_deref()),
            );
        }
    }
    if cx.kind == FileKind::Script || cx.raw_pass {
        for (n, line) in cx.text_lines() {
            if !line.trim_start().starts_with('#') && miner(line, MINER_KEYWORDS.find_in(line)) {
                out.emit(
                    &INFO,
                    Severity::High,
                    Confidence::Medium,
                    n,
                    "crypto-mining reference in a shipped script",
                    None,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefilter_and_ascii_build_agree_with_the_unicode_regex() {
        let address = format!("4A{}", "x".repeat(93));
        let mut fragments = super::WORDS.to_vec();
        fragments.extend([
            "xmrig",
            "stratum+tcp://",
            "pool.supportxmr.com",
            "f2pool.eu",
            address.as_str(),
            &address[..60],
            "abcdefghijkmnopqrstuvwxyz123456789ABCDEFGHJKLMNPQRSTUVWXYZ",
        ]);
        super::MINER.assert_agrees(&fragments, 10_000, |s| {
            super::miner(s, super::MINER_KEYWORDS.find_in(s))
        });
    }

    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn pool_url() {
        let src = "import subprocess\nsubprocess.Popen(['./xmrig', '-o', 'stratum+tcp://pool.example.invalid:3333', '--donate-level', '1'])\n";
        assert_eq!(
            worst("cryptominer", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn monero_address_in_a_string() {
        let addr = format!("4A{}", "x".repeat(93));
        let src = format!("W = '{addr}'\n");
        assert_eq!(
            worst("cryptominer", "pkg/a.py", &src),
            Some(Severity::Critical)
        );
        let short = format!("W = '{}'\n", &addr[..94]);
        assert_eq!(worst("cryptominer", "pkg/a.py", &short), None);
        assert!(super::address_sized_run(&addr));
        assert!(!super::address_sized_run(&addr[..94]));
        assert!(super::address_sized_run(&format!(
            "{}\u{212a}",
            &addr[..93]
        )));
    }

    #[test]
    fn unrelated() {
        let src = "POOL = 'connection pool size'\nminer = 'data miner'\n";
        assert_eq!(worst("cryptominer", "pkg/a.py", src), None);
    }
}
