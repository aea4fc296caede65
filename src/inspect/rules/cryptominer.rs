//! cryptominer: bundled or downloaded coin miners (xmrig, stratum pools, Monero wallets).

use std::sync::LazyLock;

use regex::Regex;

use crate::catalog::RuleInfo;
use crate::finding::{Confidence, Severity};
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

static MINER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(stratum\+(tcp|ssl|tls)://|\bxmrig\b|\bxmr-stak\b|\bcpuminer\b|\bminerd\b|\bnbminer\b|\bphoenixminer\b|--donate-level|\b(pool\.)?(supportxmr|minexmr|nanopool|moneroocean|hashvault|2miners|f2pool|ethermine|c3pool|herominers|unmineable|xmrpool)\.(com|org|net|pro|eu|stream)|\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b)").expect("regex")
});

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    if let Some(facts) = cx.facts {
        for s in &facts.strings {
            if s.text.len() > 20_000 || !MINER.is_match(&s.text) {
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
            if !line.trim_start().starts_with('#') && MINER.is_match(line) {
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
    fn unrelated() {
        let src = "POOL = 'connection pool size'\nminer = 'data miner'\n";
        assert_eq!(worst("cryptominer", "pkg/a.py", src), None);
    }
}
