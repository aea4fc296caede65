//! suspicious-destination: chat webhooks, paste sites, tunnels, request bins, URL shorteners,
//! dynamic DNS and raw-IP URLs — where stolen data goes and payloads come from.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::RunContext;
use crate::inspect::patterns;
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "suspicious-destination",
    severity: Severity::High,
    summary: "Code contacts a webhook, paste site, tunnel, request bin, shortener or raw IP",
    help: "Matches URLs by host: chat webhooks with embedded tokens (Discord, Telegram bot API, \
           Slack), tunnels (ngrok, trycloudflare, serveo, localtunnel), request-capture and \
           out-of-band services, paste and anonymous file-drop sites, URL shorteners, dynamic \
           DNS providers and URLs whose host is a public IP address. These hosts are how \
           malware exfiltrates data without owning infrastructure and how it hides payload \
           locations. A webhook URL with a hard-coded token, tunnels and capture services are \
           high; paste sites, shorteners, dynamic DNS and raw IPs are medium (high at install \
           time); webhook API templates without a token are low.",
};

/// (category, severity at install/import, severity elsewhere)
fn classify(url: &str) -> Option<(&'static str, Severity, Severity)> {
    let host = patterns::url_host(url)?;
    let lower = url.to_ascii_lowercase();
    let path = lower.split_once("://").map(|(_, r)| r).unwrap_or("");
    let path = path.split_once('/').map(|(_, p)| p).unwrap_or("");
    // `host` is `s` or ends with `.s`.
    let ends = |suffixes: &[&str]| {
        suffixes.iter().any(|s| {
            host.strip_suffix(s)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
        })
    };
    if ends(&["discord.com", "discordapp.com"]) && path.starts_with("api/webhooks") {
        let token = path.split('/').nth(3).is_some_and(|t| t.len() >= 20);
        return Some(if token {
            (
                "chat webhook with an embedded token",
                Severity::High,
                Severity::High,
            )
        } else {
            ("chat webhook API", Severity::Low, Severity::Low)
        });
    }
    if host == "api.telegram.org" && path.starts_with("bot") {
        let token = path[3..]
            .split('/')
            .next()
            .is_some_and(|t| t.contains(':') && t.len() > 30);
        return Some(if token {
            (
                "Telegram bot API with an embedded token",
                Severity::High,
                Severity::High,
            )
        } else {
            ("Telegram bot API", Severity::Low, Severity::Low)
        });
    }
    if host == "hooks.slack.com" && path.starts_with("services/") && path.len() > 30 {
        return Some((
            "chat webhook with an embedded token",
            Severity::High,
            Severity::High,
        ));
    }
    if ends(&[
        "ngrok.io",
        "ngrok-free.app",
        "ngrok.app",
        "ngrok-free.dev",
        "ngrok.dev",
        "trycloudflare.com",
        "serveo.net",
        "serveousercontent.com",
        "localhost.run",
        "lhr.life",
        "loca.lt",
        "localtunnel.me",
        "pagekite.me",
        "bore.pub",
        "playit.gg",
        "portmap.io",
        "telebit.cloud",
    ]) {
        return Some(("tunnel endpoint", Severity::High, Severity::High));
    }
    if ends(&[
        "webhook.site",
        "pipedream.net",
        "requestbin.com",
        "requestbin.net",
        "requestcatcher.com",
        "beeceptor.com",
        "hookbin.com",
        "interact.sh",
        "oast.pro",
        "oast.live",
        "oast.site",
        "oast.online",
        "oast.fun",
        "oast.me",
        "burpcollaborator.net",
        "oastify.com",
        "canarytokens.com",
        "dnslog.cn",
        "ceye.io",
        "requestrepo.com",
        "postb.in",
        "ptsv2.com",
        "ptsv3.com",
    ]) {
        return Some(("request-capture service", Severity::High, Severity::High));
    }
    if ends(&[
        "pastebin.com",
        "paste.ee",
        "hastebin.com",
        "ghostbin.com",
        "ghostbin.co",
        "rentry.co",
        "rentry.org",
        "termbin.com",
        "dpaste.com",
        "dpaste.org",
        "controlc.com",
        "pastes.io",
        "justpaste.it",
        "transfer.sh",
        "file.io",
        "anonfiles.com",
        "gofile.io",
        "catbox.moe",
        "litterbox.catbox.moe",
        "temp.sh",
        "0x0.st",
        "paste.rs",
        "privatebin.net",
        "bashupload.com",
        "filebin.net",
    ]) {
        return Some(("paste or file-drop site", Severity::High, Severity::Medium));
    }
    if ends(&[
        "bit.ly",
        "tinyurl.com",
        "is.gd",
        "goo.gl",
        "t.ly",
        "cutt.ly",
        "rb.gy",
        "shorturl.at",
        "rebrand.ly",
        "ow.ly",
        "v.gd",
        "tiny.cc",
        "shorturl.asia",
        "s.id",
    ]) {
        return Some(("URL shortener", Severity::High, Severity::Medium));
    }
    if ends(&[
        "duckdns.org",
        "no-ip.com",
        "no-ip.org",
        "no-ip.biz",
        "ddns.net",
        "hopto.org",
        "zapto.org",
        "sytes.net",
        "servehttp.com",
        "serveftp.com",
        "dynu.net",
        "dynu.com",
        "afraid.org",
        "mooo.com",
        "ddnsfree.com",
        "dyndns.org",
        "dynv6.net",
        "freeddns.org",
        "myftp.biz",
        "3utilities.com",
        "bounceme.net",
        "redirectme.net",
        "servebeer.com",
        "linkpc.net",
    ]) {
        return Some(("dynamic DNS host", Severity::High, Severity::High));
    }
    if patterns::is_public_ip(&host) {
        return Some(("raw IP address", Severity::High, Severity::Medium));
    }
    None
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let seen =
        |text: &str, line: u32, ctx: RunContext, decoded: Option<&str>, out: &mut Emitter<'_>| {
            for url in patterns::urls(text).take(5) {
                let Some((what, auto, func)) = classify(url) else {
                    continue;
                };
                let sev = ctx.pick(auto, func);
                out.emit(
                    &INFO,
                    sev,
                    Confidence::Medium,
                    line,
                    format!(
                        "{what}: {}",
                        crate::redact::redact_url(&patterns::excerpt(url, 120))
                    ),
                    decoded,
                );
            }
        };
    if let Some(facts) = cx.facts {
        for (s, &m) in facts.strings.iter().zip(string_marks(cx)) {
            if m & mark::URL == 0 {
                continue;
            }
            let decoded = s.decoded_via.map(|_| s.text.as_str()).or(s.note.as_deref());
            seen(&s.text, s.line, s.ctx, decoded, out);
        }
    }
    if cx.raw_pass || cx.kind == crate::inspect::FileKind::Script {
        let ctx = cx.top_ctx();
        for (n, line) in cx.text_lines() {
            if line.contains("://") && !line.trim_start().starts_with('#') {
                seen(line, n, ctx, None, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::classify;
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn classification() {
        assert!(classify("https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123").unwrap().1 == Severity::High);
        assert!(classify("https://discord.com/api/webhooks/").unwrap().1 == Severity::Low);
        assert!(classify("https://abcd-1.ngrok-free.app/x").is_some());
        assert!(classify("http://192.0.2.44:8080/p").is_some());
        assert!(classify("http://127.0.0.1:8000/").is_none());
        assert!(classify("https://github.com/psf/requests").is_none());
        assert!(classify("https://notdiscord.com/api/webhooks/1/2").is_none());
        // A listed host matches itself and its subdomains, not names that end the same.
        assert!(classify("https://bit.ly/x").is_some());
        assert!(classify("https://a.b.bit.ly/x").is_some());
        assert!(classify("https://rabbit.ly/x").is_none());
        assert!(classify("https://duckdns.org.example.invalid/x").is_none());
    }

    #[test]
    fn webhook_constant_is_high() {
        let src = "import requests\nHOOK = 'https://discord.com/api/webhooks/1111111111/AbCdEfGhIjKlMnOpQrStUvWxYz_0123456789'\n";
        assert_eq!(
            worst("suspicious-destination", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn docs_and_normal_hosts_are_fine() {
        let src = "\"\"\"See https://pastebin.com/raw/x\"\"\"\nURL = 'https://example.invalid/api'\nLOCAL = 'http://10.0.0.1:9000'\n";
        assert_eq!(worst("suspicious-destination", "pkg/a.py", src), None);
    }
}
