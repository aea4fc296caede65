//! Shared vocabulary of the rules: which calls spawn processes, touch the network or decode
//! data, which paths hold credentials, which hosts are suspicious destinations. Regexes are
//! compiled once per process, and only when first needed.
//!
//! The rules test every string literal of every file, so the text matching here is built for
//! many short haystacks: [`Keywords`] is a case-insensitive multi-literal test with no
//! per-call setup, used as a prefilter in front of the regexes, and [`AsciiRegex`] runs a
//! byte-level ASCII build of a pattern on ASCII text (compiles fast, and keeps the regex
//! crate's lazy DFA, which gives up on Unicode word boundaries in non-ASCII text) and the
//! original Unicode build only on text that is not ASCII. Both give exactly the answers of
//! the plain Unicode regex; the tests below check that.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock};

use regex::Regex;

use super::facts::{Taint, CLIP, HOST, IMAGE, KEYS, NET, PROC, SCREEN};

/// `text` with the two non-ASCII characters that Unicode simple case folding maps to ASCII
/// letters replaced by those letters: U+017F LATIN SMALL LETTER LONG S by `s` and U+212A
/// KELVIN SIGN by `k`. A Unicode `(?i)` regex matches them where it matches `s` and `k`.
fn fold_to_ascii(text: &str) -> Cow<'_, str> {
    if text.contains(['\u{17f}', '\u{212a}']) {
        Cow::Owned(text.replace('\u{17f}', "s").replace('\u{212a}', "k"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Most keywords one [`Keywords`] holds (one bit each in a `u128`; the last bit is kept for
/// [`FOLD_PAIR`]).
const MAX_KEYWORDS: usize = 127;
/// Bit set in the tables for the first two bytes of U+017F (`c5 bf`) and U+212A (`e2 84`).
const FOLD_PAIR: u128 = 1 << 127;
/// Most groups one [`Keywords`] holds (one bit each in a `u32`).
const MAX_GROUPS: usize = 32;

/// A case-insensitive test for ASCII keywords in a text, in groups: [`Keywords::groups_in`]
/// tells which groups have a keyword in the text, in one pass over it. Each group gives the
/// same answer as the Unicode regex `(?i)kw1|kw2|...` of its keywords (including its case
/// folding of `ſ` to `s` and of the Kelvin sign to `k`), without the regex engine's per-call
/// cost. Built at compile time: `static KW: Keywords = Keywords::one(&["curl", "wget"]);`.
pub struct Keywords {
    needles: [&'static str; MAX_KEYWORDS],
    group: [u8; MAX_KEYWORDS],
    /// Bits of the keywords of each group.
    members: [u128; MAX_GROUPS],
    /// Bit `j` of `first[b]`: keyword `j` starts with byte `b` (either case).
    first: [u128; 256],
    /// Bit `j` of `second[b]`: keyword `j` has byte `b` (either case) second.
    second: [u128; 256],
    /// Bit `j` of `third[b]`: keyword `j` has byte `b` (either case) third, or is two bytes
    /// long.
    third: [u128; 256],
    /// Bits of the two-byte keywords (the only ones that can start at the second-last byte).
    short: u128,
    min_len: usize,
}

impl Keywords {
    /// One group of keywords.
    pub const fn one(needles: &[&'static str]) -> Self {
        Self::new(&[needles])
    }

    /// Groups of keywords: bit `i` of [`Self::groups_in`] is group `i`. Keywords must be
    /// ASCII and at least two bytes long; at most 127 keywords in at most 32 groups (checked
    /// at compile time).
    pub const fn new(groups: &[&[&'static str]]) -> Self {
        assert!(groups.len() <= MAX_GROUPS, "too many keyword groups");
        let mut k = Self {
            needles: [""; MAX_KEYWORDS],
            group: [0; MAX_KEYWORDS],
            members: [0; MAX_GROUPS],
            first: [0; 256],
            second: [0; 256],
            third: [0; 256],
            short: FOLD_PAIR,
            min_len: usize::MAX,
        };
        let mut j = 0;
        let mut g = 0;
        while g < groups.len() {
            let mut i = 0;
            while i < groups[g].len() {
                assert!(j < MAX_KEYWORDS, "too many keywords");
                let n = groups[g][i].as_bytes();
                assert!(n.len() >= 2, "keywords are at least two bytes long");
                let mut c = 0;
                while c < n.len() {
                    assert!(n[c].is_ascii(), "keywords are ASCII");
                    c += 1;
                }
                let bit = 1u128 << j;
                k.needles[j] = groups[g][i];
                k.group[j] = g as u8;
                k.members[g] |= bit;
                k.first[n[0].to_ascii_lowercase() as usize] |= bit;
                k.first[n[0].to_ascii_uppercase() as usize] |= bit;
                k.second[n[1].to_ascii_lowercase() as usize] |= bit;
                k.second[n[1].to_ascii_uppercase() as usize] |= bit;
                if n.len() == 2 {
                    k.short |= bit;
                } else {
                    k.third[n[2].to_ascii_lowercase() as usize] |= bit;
                    k.third[n[2].to_ascii_uppercase() as usize] |= bit;
                }
                if n.len() < k.min_len {
                    k.min_len = n.len();
                }
                j += 1;
                i += 1;
            }
            g += 1;
        }
        let mut b = 0;
        while b < 256 {
            k.third[b] |= k.short;
            b += 1;
        }
        k.first[0xc5] |= FOLD_PAIR;
        k.second[0xbf] |= FOLD_PAIR;
        k.first[0xe2] |= FOLD_PAIR;
        k.second[0x84] |= FOLD_PAIR;
        k
    }

    /// Whether any keyword occurs in `text`, ignoring case.
    pub fn find_in(&self, text: &str) -> bool {
        self.search(text, true) != 0
    }

    /// Bit set of the groups with a keyword in `text`, ignoring case.
    pub fn groups_in(&self, text: &str) -> u32 {
        self.search(text, false)
    }

    fn search(&self, text: &str, first_only: bool) -> u32 {
        match self.scan(text.as_bytes(), first_only) {
            Some(found) => found,
            // `ſ` or the Kelvin sign: search the text with them folded to `s` and `k`.
            None => self
                .scan(fold_to_ascii(text).as_bytes(), first_only)
                .unwrap_or(0),
        }
    }

    /// Byte-level search: exact for text without U+017F and U+212A (UTF-8 sequences of other
    /// characters hold no ASCII bytes, so they can neither match nor hide a keyword); `None`
    /// when the text has one of those two.
    fn scan(&self, hay: &[u8], first_only: bool) -> Option<u32> {
        if hay.len() < self.min_len {
            return Some(0);
        }
        let mut found = 0u32;
        // Keywords of groups not found yet, and the fold marker.
        let mut live = !0u128;
        let mut prev = self.first[hay[0] as usize];
        for (i, &b) in hay.iter().enumerate().skip(1) {
            let next = match hay.get(i + 1) {
                Some(&c) => self.third[c as usize],
                None => self.short,
            };
            let m = prev & self.second[b as usize] & next & live;
            prev = self.first[b as usize];
            if m == 0 {
                continue;
            }
            let at = &hay[i - 1..];
            if m & FOLD_PAIR != 0
                && (at.starts_with("\u{17f}".as_bytes()) || at.starts_with("\u{212a}".as_bytes()))
            {
                return None;
            }
            let mut c = m & !FOLD_PAIR;
            while c != 0 {
                let j = c.trailing_zeros() as usize;
                c &= c - 1;
                let needle = self.needles[j].as_bytes();
                if at
                    .get(..needle.len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(needle))
                {
                    let g = self.group[j] as usize;
                    found |= 1 << g;
                    if first_only {
                        return Some(found);
                    }
                    live &= !self.members[g];
                    c &= live;
                }
            }
        }
        Some(found)
    }
}

/// A regex built twice from one pattern: a byte-level ASCII build (`(?-u)`) for ASCII text
/// and the Unicode build for all other text, each compiled on first use. On ASCII text the two
/// builds match exactly the same spans (`\w`, `\d`, `\s`, `\b` and `(?i)` differ only on
/// non-ASCII characters), and the ASCII one compiles in a fraction of the time and keeps the
/// lazy DFA. The pattern must compile in both modes (no non-ASCII literals or `\p{..}`).
pub struct AsciiRegex {
    pattern: &'static str,
    ascii: OnceLock<regex::bytes::Regex>,
    unicode: OnceLock<Regex>,
}

impl AsciiRegex {
    pub const fn new(pattern: &'static str) -> Self {
        Self {
            pattern,
            ascii: OnceLock::new(),
            unicode: OnceLock::new(),
        }
    }

    fn ascii(&self) -> &regex::bytes::Regex {
        self.ascii.get_or_init(|| {
            regex::bytes::Regex::new(&format!("(?-u){}", self.pattern)).expect("regex")
        })
    }

    fn unicode(&self) -> &Regex {
        self.unicode
            .get_or_init(|| Regex::new(self.pattern).expect("regex"))
    }

    pub fn is_match(&self, text: &str) -> bool {
        if text.is_ascii() {
            self.ascii().is_match(text.as_bytes())
        } else {
            self.unicode().is_match(text)
        }
    }

    /// Spans of the leftmost-first non-overlapping matches.
    pub fn find_iter<'t>(&'static self, text: &'t str) -> impl Iterator<Item = &'t str> {
        let (a, u) = if text.is_ascii() {
            (
                Some(
                    self.ascii()
                        .find_iter(text.as_bytes())
                        .map(move |m| &text[m.range()]),
                ),
                None,
            )
        } else {
            (
                None,
                Some(self.unicode().find_iter(text).map(|m| m.as_str())),
            )
        };
        a.into_iter().flatten().chain(u.into_iter().flatten())
    }

    /// Capture group `group` of each match, with the whole match.
    pub fn captures_iter<'t>(
        &'static self,
        text: &'t str,
        group: usize,
    ) -> impl Iterator<Item = (&'t str, Option<&'t str>)> {
        let (a, u) = if text.is_ascii() {
            (
                Some(
                    self.ascii()
                        .captures_iter(text.as_bytes())
                        .filter_map(move |c| {
                            let whole = c.get(0)?.range();
                            Some((&text[whole], c.get(group).map(|g| &text[g.range()])))
                        }),
                ),
                None,
            )
        } else {
            (
                None,
                Some(self.unicode().captures_iter(text).filter_map(move |c| {
                    Some((c.get(0)?.as_str(), c.get(group).map(|g| g.as_str())))
                })),
            )
        };
        a.into_iter().flatten().chain(u.into_iter().flatten())
    }

    /// The Unicode build, as the reference the tests compare with.
    #[cfg(test)]
    pub(crate) fn unicode_reference(&self) -> &Regex {
        self.unicode()
    }

    /// Test that `matcher` (the ASCII build, alone or behind a rule's prefilter) answers as
    /// the Unicode build does on `n` strings made of `fragments` (see [`test_corpus`]).
    #[cfg(test)]
    pub(crate) fn assert_agrees(
        &self,
        fragments: &[&str],
        n: usize,
        matcher: impl Fn(&str) -> bool,
    ) {
        for s in test_corpus(fragments, n) {
            assert_eq!(matcher(&s), self.unicode().is_match(&s), "{s:?}");
        }
    }
}

/// Calls that start a process.
pub const PROCESS_CALLS: &[&str] = &[
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.run",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "os.execl",
    "os.execle",
    "os.execlp",
    "os.execlpe",
    "os.execv",
    "os.execve",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnle",
    "os.spawnlp",
    "os.spawnlpe",
    "os.spawnv",
    "os.spawnve",
    "os.spawnvp",
    "os.spawnvpe",
    "os.posix_spawn",
    "os.posix_spawnp",
    "os.startfile",
    "pty.spawn",
    "commands.getoutput",
    "commands.getstatusoutput",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "win32api.ShellExecute",
    "ctypes.windll.shell32.ShellExecuteW",
    "ctypes.windll.shell32.ShellExecuteA",
    "ctypes.windll.kernel32.WinExec",
];

/// Calls that execute Python code.
pub const CODE_EXEC_CALLS: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    "types.FunctionType",
    "execfile",
    "runpy.run_path",
    "runpy.run_module",
];

/// Calls that fetch from or connect to the network.
pub const NETWORK_CALLS: &[&str] = &[
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    "urllib.urlopen",
    "urllib.urlretrieve",
    "urllib2.urlopen",
    "urllib.request.Request",
    "urllib2.Request",
    "urllib.request.build_opener",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "requests.head",
    "requests.request",
    "requests.Session",
    "requests.session",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.request",
    "httpx.stream",
    "httpx.Client",
    "httpx.AsyncClient",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "httplib.HTTPConnection",
    "httplib.HTTPSConnection",
    "socket.create_connection",
    "socket.socket().connect",
    "socket.socket().connect_ex",
    "socket.gethostbyname",
    "socket.getaddrinfo",
    "aiohttp.ClientSession",
    "urllib3.PoolManager",
    "urllib3.request",
    "pycurl.Curl",
    "ftplib.FTP",
    "ftplib.FTP_TLS",
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
    "telnetlib.Telnet",
    "websocket.create_connection",
    "websockets.connect",
    "dns.resolver.resolve",
    "dns.resolver.query",
    "wget.download",
    "paramiko.SSHClient().connect",
];

/// Method names that send data somewhere when the file does network I/O.
pub const SEND_METHODS: &[&str] = &[
    "post",
    "put",
    "patch",
    "send",
    "sendall",
    "sendto",
    "sendmail",
    "send_message",
    "storbinary",
    "request",
    "urlopen",
    "upload",
    "execute_webhook",
];

/// Call classes (bit set), computed once per call site.
pub const C_PROCESS: u8 = 1;
pub const C_NETWORK: u8 = 1 << 1;
pub const C_CODE: u8 = 1 << 2;
pub const C_DECODER: u8 = 1 << 3;

static CLASSES: LazyLock<super::fxhash::FxHashMap<&'static str, u8>> = LazyLock::new(|| {
    let mut m = super::fxhash::FxHashMap::default();
    for n in PROCESS_CALLS {
        *m.entry(*n).or_insert(0) |= C_PROCESS;
    }
    for n in NETWORK_CALLS {
        *m.entry(*n).or_insert(0) |= C_NETWORK;
    }
    for n in CODE_EXEC_CALLS {
        *m.entry(*n).or_insert(0) |= C_CODE;
    }
    for n in DECODERS {
        *m.entry(*n).or_insert(0) |= C_DECODER;
    }
    m
});

/// Classify a resolved call name.
pub fn call_class(name: &str) -> u8 {
    let mut c = CLASSES.get(name).copied().unwrap_or(0);
    if c & C_NETWORK == 0 && network_by_prefix(name) {
        c |= C_NETWORK;
    }
    c
}

/// Whether the last dotted component of a call name is `method` (`Call::method() == method`
/// without searching the name for its last dot; `method` has no dot).
pub fn method_is(name: &str, method: &str) -> bool {
    name.strip_suffix(method)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

/// Whether a call is a network call (by its resolved name).
pub fn is_network_call(name: &str) -> bool {
    call_class(name) & C_NETWORK != 0
}

fn network_by_prefix(name: &str) -> bool {
    let root = name.split('.').next().unwrap_or("");
    matches!(
        root,
        "requests" | "httpx" | "aiohttp" | "urllib3" | "pycurl" | "websocket" | "websockets"
    ) && !name.contains("exceptions")
        && !name.contains("utils")
        && !name.contains("codes")
        && !name.contains("auth")
        && !name.contains("adapters")
        || name.starts_with("requests.Session().")
        || name.starts_with("requests.session().")
        || name.starts_with("httpx.Client().")
        || name.starts_with("http.client.HTTPSConnection().")
        || name.starts_with("http.client.HTTPConnection().")
        || name.starts_with("urllib3.PoolManager().")
        || name.starts_with("socket.socket().send")
        || name.starts_with("smtplib.SMTP")
}

pub fn is_process_call(name: &str) -> bool {
    call_class(name) & C_PROCESS != 0
}

/// Calls that decode or unpack data.
pub const DECODERS: &[&str] = &[
    "base64.b64decode",
    "base64.standard_b64decode",
    "base64.urlsafe_b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "base64.a85decode",
    "base64.b85decode",
    "base64.decodebytes",
    "base64.decodestring",
    "binascii.a2b_base64",
    "binascii.unhexlify",
    "binascii.a2b_hex",
    "bytes.fromhex",
    "bytearray.fromhex",
    "codecs.decode",
    "zlib.decompress",
    "gzip.decompress",
    "bz2.decompress",
    "lzma.decompress",
    "marshal.loads",
    "pickle.loads",
    "cPickle.loads",
    "dill.loads",
    "cloudpickle.loads",
];

/// Deserializers: they only count as decoding when fed constants or decoded/fetched data
/// (`marshal.loads` of a pipe message in a build tool is not obfuscation).
pub fn is_deserializer(name: &str) -> bool {
    matches!(
        name,
        "marshal.loads" | "pickle.loads" | "cPickle.loads" | "dill.loads" | "cloudpickle.loads"
    )
}

/// Calls that decode or unpack data (sources of `DECODED`).
pub fn is_decoder(name: &str) -> bool {
    call_class(name) & C_DECODER != 0
}

/// Taint a call's result carries by virtue of what the call is.
pub fn source_taint(name: &str, method: &str, class: u8) -> Taint {
    let mut t = 0;
    if class & C_NETWORK != 0 || matches!(method, "recv" | "recvfrom" | "recv_into") {
        t |= NET;
    }
    if matches!(
        name,
        "PIL.ImageGrab.grab"
            | "ImageGrab.grab"
            | "pyautogui.screenshot"
            | "mss.mss().grab"
            | "mss.mss().shot"
            | "pyscreenshot.grab"
    ) {
        t |= SCREEN;
    }
    if matches!(
        name,
        "pyperclip.paste" | "clipboard.paste" | "win32clipboard.GetClipboardData"
    ) {
        t |= CLIP;
    }
    if matches!(method, "getdata" | "getpixel") {
        t |= IMAGE;
    }
    if matches!(
        name,
        "subprocess.check_output"
            | "subprocess.getoutput"
            | "subprocess.getstatusoutput"
            | "os.popen"
            | "commands.getoutput"
    ) {
        t |= PROC;
    }
    if name.starts_with("pynput.keyboard") || name.starts_with("keyboard.") {
        t |= KEYS;
    }
    if matches!(
        name,
        "socket.gethostname"
            | "socket.getfqdn"
            | "getpass.getuser"
            | "os.getlogin"
            | "os.getcwd"
            | "os.uname"
            | "platform.node"
            | "platform.uname"
            | "uuid.getnode"
    ) {
        t |= HOST;
    }
    t
}

/// Environment variable names that hold secrets.
pub fn is_secret_env(key: &str) -> bool {
    let k = key.to_ascii_uppercase();
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
        "AUTH",
    ]
    .iter()
    .any(|p| k.contains(p))
}

/// Kinds of credential stores, for grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredKind {
    /// Developer credentials SDKs legitimately read (.aws, .netrc, .pypirc, .ssh, .docker...).
    Developer,
    /// Stores no library has a reason to read: browsers, chat apps, crypto wallets.
    Personal,
}

static CRED_DEV: AsciiRegex = AsciiRegex::new(
    r"(?i)(\.aws[/\\](credentials|config)|\.ssh[/\\](id_[a-z0-9]+|authorized_keys|known_hosts)?|\.netrc|_netrc|\.pypirc|\.git-credentials|\.docker[/\\]config\.json|\.kube[/\\]config|\.npmrc|\.config[/\\]gcloud|\.azure[/\\]|/etc/shadow|\.bash_history|\.zsh_history|\.gnupg)",
);

/// Literals one of which every match of [`CRED_DEV`] contains.
pub(crate) const CRED_DEV_WORDS: &[&str] = &[
    ".aws",
    ".ssh",
    "netrc",
    ".pypirc",
    ".git-credentials",
    ".docker",
    ".kube",
    ".npmrc",
    "gcloud",
    ".azure",
    "/etc/shadow",
    "sh_history",
    ".gnupg",
];

static CRED_PERSONAL: AsciiRegex = AsciiRegex::new(
    r"(?i)(login data|[/\\]cookies\b|local state|web data|user data[/\\]default|discord(canary|ptb)?[/\\]local storage|local storage[/\\]leveldb|telegram desktop[/\\]tdata|[/\\]tdata\b|exodus[/\\]exodus\.wallet|exodus\.wallet|electrum[/\\]wallets|metamask|nkbihfbeogaeaoehlefnkodbefgpgknn|wallet\.dat|atomic[/\\]local storage|coinomi|armory|jaxx|guarda|\.bitcoin[/\\]|\.ethereum[/\\]keystore|mozilla[/\\]firefox[/\\]profiles|key4\.db|logins\.json|filezilla[/\\]recentservers|steam[/\\]config)",
);

/// Literals one of which every match of [`CRED_PERSONAL`] contains.
pub(crate) const CRED_PERSONAL_WORDS: &[&str] = &[
    "login data",
    "cookies",
    "local state",
    "web data",
    "user data",
    "discord",
    "local storage",
    "tdata",
    "exodus",
    "electrum",
    "metamask",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    "wallet.dat",
    "coinomi",
    "armory",
    "jaxx",
    "guarda",
    ".bitcoin",
    ".ethereum",
    "mozilla",
    "key4.db",
    "logins.json",
    "filezilla",
    "steam",
];

/// Group 0: [`CRED_PERSONAL_WORDS`], group 1: [`CRED_DEV_WORDS`].
static CRED_KEYWORDS: Keywords = Keywords::new(&[CRED_PERSONAL_WORDS, CRED_DEV_WORDS]);

/// Which credential store a string names, if any.
pub fn cred_store(text: &str) -> Option<CredKind> {
    if text.len() > 2000 {
        return None;
    }
    let groups = CRED_KEYWORDS.groups_in(text);
    cred_store_marked(text, groups & 1 != 0, groups & 2 != 0)
}

/// [`cred_store`] when it is already known whether `text` has one of the
/// [`CRED_PERSONAL_WORDS`] and one of the [`CRED_DEV_WORDS`] (ignoring case).
pub(crate) fn cred_store_marked(text: &str, personal: bool, developer: bool) -> Option<CredKind> {
    if text.len() > 2000 {
        return None;
    }
    // Discord token regexes as written by token grabbers (each form has a `{`).
    let discord_token_re = memchr::memchr(b'{', text.as_bytes()).is_some()
        && (text.contains(r"{24}\.") && text.contains("{27}") || text.contains(r"mfa\.[\w-]{84}"));
    if discord_token_re || personal && CRED_PERSONAL.is_match(text) {
        Some(CredKind::Personal)
    } else if developer && CRED_DEV.is_match(text) {
        Some(CredKind::Developer)
    } else {
        None
    }
}

static URL_RE: AsciiRegex =
    AsciiRegex::new(r"(?i)\b(https?|ftp|wss?|tcp|stratum\+tcp)://[^\s'\x22<>\\]{3,}");

static IP_PORT_RE: AsciiRegex = AsciiRegex::new(
    r"\b((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?::(\d{2,5}))?\b",
);

/// URLs in a text.
pub fn urls(text: &str) -> impl Iterator<Item = &str> {
    // Every URL has `://`; most strings do not, and need no regex call.
    let any = memchr::memmem::find(text.as_bytes(), b"://").is_some();
    any.then(|| URL_RE.find_iter(text)).into_iter().flatten()
}

/// Whether the text contains a URL or a public IP address.
pub fn has_url_or_ip(text: &str) -> bool {
    urls(text).next().is_some() || public_ip_match(text).is_some()
}

/// The whole match (address and port) of the first public IPv4 address in a text.
fn public_ip_match(text: &str) -> Option<&str> {
    // A dotted quad has at least three dots.
    memchr::memchr_iter(b'.', text.as_bytes()).nth(2)?;
    IP_PORT_RE
        .captures_iter(text, 1)
        .find(|(_, ip)| ip.is_some_and(is_public_ip))
        .map(|(whole, _)| whole)
}

/// The first public IPv4 address in a text.
pub fn public_ip(text: &str) -> Option<String> {
    public_ip_match(text).map(str::to_string)
}

/// Not loopback, private, link-local, unspecified or a version-looking quad.
pub fn is_public_ip(ip: &str) -> bool {
    let Ok(addr) = ip.parse::<std::net::Ipv4Addr>() else {
        return false;
    };
    let o = addr.octets();
    !(addr.is_loopback()
        || addr.is_private()
        || addr.is_link_local()
        || addr.is_unspecified()
        || addr.is_broadcast()
        || addr.is_multicast()
        || o[0] == 0
        || o[0] >= 240
        || o == [255, 255, 255, 0]
        || (o[0] == 100 && (64..128).contains(&o[1])))
}

/// The host part of a URL, lowercased.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if host.starts_with('[') {
        host
    } else {
        host.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

/// Does decoded text look like Python code?
pub fn looks_like_code(text: &str) -> bool {
    if text.len() < 8 {
        return false;
    }
    [
        "import ",
        "exec(",
        "eval(",
        "os.system",
        "subprocess",
        "__import__",
        "socket.",
        "urlopen",
        "requests.",
        "def ",
        "compile(",
        "print(",
    ]
    .iter()
    .any(|p| text.contains(p))
}

/// First `max` characters of text on one line, control characters escaped.
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i >= max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Strings for equivalence tests: random concatenations of `fragments` with separators,
/// mixed case, and the non-ASCII characters that matter to case folding and word boundaries.
#[cfg(test)]
pub(crate) fn test_corpus(fragments: &[&str], n: usize) -> Vec<String> {
    const EXTRA: &[&str] = &[
        " ",
        "/",
        "\\",
        ".",
        "-",
        "_",
        ":",
        "\n",
        "|",
        ";",
        "&&",
        "'",
        "\"",
        "(",
        "é",
        "ſ",
        "\u{212a}",
        "\u{17f}s",
        "日本",
        "0",
        "1",
        "9",
        "4",
        "a",
        "x",
        "http://",
        "https://",
        "192.0.2.1",
        "10.0.0.1",
        ":4444",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out: Vec<String> = fragments.iter().map(|f| f.to_string()).collect();
    for _ in 0..n {
        let mut s = String::new();
        for _ in 0..(1 + next() % 6) {
            let r = next();
            let piece = if r % 3 == 0 {
                EXTRA[(r / 3) as usize % EXTRA.len()]
            } else {
                fragments[(r / 3) as usize % fragments.len()]
            };
            // Vary case, and sometimes cut a fragment short or swap in a folding character.
            let mut p: String = match next() % 4 {
                0 => piece.to_ascii_uppercase(),
                1 => piece
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect(),
                _ => piece.to_string(),
            };
            match next() % 8 {
                0 if p.len() > 2 => {
                    let cut = (next() as usize % (p.len() - 1)) + 1;
                    if p.is_char_boundary(cut) {
                        p.truncate(cut);
                    }
                }
                1 => p = p.replace('s', "\u{17f}").replace('k', "\u{212a}"),
                _ => {}
            }
            s.push_str(&p);
        }
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alternation(words: &[&str]) -> Regex {
        let alts: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
        Regex::new(&format!("(?i){}", alts.join("|"))).unwrap()
    }

    #[test]
    fn only_long_s_and_kelvin_sign_fold_to_ascii_letters() {
        // The premise of `Keywords`: no other non-ASCII character matches an ASCII letter
        // under Unicode `(?i)`.
        let all: String = (0x80u32..=0x10ffff).filter_map(char::from_u32).collect();
        let re = Regex::new("(?i)[a-z]").unwrap();
        let found: Vec<char> = re
            .find_iter(&all)
            .filter_map(|m| m.as_str().chars().next())
            .collect();
        assert_eq!(found, vec!['\u{17f}', '\u{212a}']);
    }

    #[test]
    fn keywords_agree_with_the_regex_alternation() {
        let groups: &[&[&str]] = &[
            &["curl", "wget", "iex", "invoke-", "downloadstring"],
            &["login data", "cookies", ".ssh", "netrc", "steam", "jaxx"],
            &["nc", "netcat"],
            &["-e", "-c", "://"],
        ];
        let kw = Keywords::new(groups);
        let fragments: Vec<&str> = groups.iter().flat_map(|g| g.iter().copied()).collect();
        let corpus = test_corpus(&fragments, 5000);
        for (g, words) in groups.iter().enumerate() {
            let re = alternation(words);
            let one = Keywords::one(words);
            for s in &corpus {
                let want = re.is_match(s);
                assert_eq!(one.find_in(s), want, "group {g}: {s:?}");
                assert_eq!(kw.groups_in(s) & (1 << g) != 0, want, "group {g}: {s:?}");
            }
        }
        assert!(Keywords::one(&["stEAm"]).find_in("\u{17f}team"));
        assert!(Keywords::one(&["kube"]).find_in("x\u{212a}UBE"));
        assert!(!Keywords::one(&["curl"]).find_in("cur"));
        assert!(!Keywords::one(&["curl"]).find_in(""));
        assert!(Keywords::one(&["ab"]).find_in("ab"));
    }

    #[test]
    fn ascii_builds_agree_with_unicode_builds() {
        let fragments = [
            ".aws/credentials",
            ".ssh/id_rsa",
            "_netrc",
            "Login Data",
            "/Cookies",
            "\\tdata",
            "Local Storage\\leveldb",
            "wallet.dat",
            "http://x.example.invalid/a",
            "stratum+tcp://pool",
            "8.8.8.8",
            "192.0.2.7:8080",
            "256.1.1.1",
        ];
        let corpus = test_corpus(&fragments, 5000);
        for re in [&CRED_DEV, &CRED_PERSONAL, &URL_RE, &IP_PORT_RE] {
            for s in &corpus {
                let want: Vec<&str> = re
                    .unicode_reference()
                    .find_iter(s)
                    .map(|m| m.as_str())
                    .collect();
                let got: Vec<&str> = re.find_iter(s).collect();
                assert_eq!(got, want, "{s:?}");
                assert_eq!(re.is_match(s), !want.is_empty(), "{s:?}");
            }
        }
        for s in &corpus {
            let want = CRED_PERSONAL.unicode_reference().is_match(s)
                || s.len() <= 2000
                    && (s.contains(r"{24}\.") && s.contains("{27}")
                        || s.contains(r"mfa\.[\w-]{84}"));
            let want = if s.len() > 2000 {
                None
            } else if want {
                Some(CredKind::Personal)
            } else if CRED_DEV.unicode_reference().is_match(s) {
                Some(CredKind::Developer)
            } else {
                None
            };
            assert_eq!(cred_store(s), want, "{s:?}");
            let want_ip = IP_PORT_RE
                .unicode_reference()
                .captures_iter(s)
                .find(|c| is_public_ip(&c[1]))
                .map(|c| c[0].to_string());
            assert_eq!(public_ip(s), want_ip, "{s:?}");
        }
    }

    #[test]
    fn credential_stores() {
        assert_eq!(cred_store("~/.aws/credentials"), Some(CredKind::Developer));
        assert_eq!(
            cred_store(r"AppData\Local\Google\Chrome\User Data\Default\Login Data"),
            Some(CredKind::Personal)
        );
        assert_eq!(
            cred_store("discord/Local Storage/leveldb"),
            Some(CredKind::Personal)
        );
        assert_eq!(cred_store("README.md"), None);
        assert_eq!(
            cred_store(r"[\w-]{24}\.[\w-]{6}\.[\w-]{27}"),
            Some(CredKind::Personal)
        );
        assert_eq!(cred_store(r"mfa\.[\w-]{84}"), Some(CredKind::Personal));
    }

    #[test]
    fn ips_and_urls() {
        assert!(is_public_ip("192.0.2.10"));
        assert!(!is_public_ip("127.0.0.1"));
        assert!(!is_public_ip("10.1.2.3"));
        assert!(!is_public_ip("1.2.3"));
        assert_eq!(
            url_host("https://user:pw@Example.invalid:8080/x").as_deref(),
            Some("example.invalid")
        );
        assert!(has_url_or_ip("connect to 192.0.2.7:4444"));
        assert!(!has_url_or_ip("no address here, only 10.0.0.1"));
    }

    #[test]
    fn method_is_the_last_dotted_component() {
        for name in [
            "a.b.connect",
            "connect",
            "xconnect",
            "a.connect.b",
            "a.reconnect",
            "",
        ] {
            let method = name.rsplit('.').next().unwrap_or(name);
            for m in ["connect", "b", "reconnect"] {
                assert_eq!(method_is(name, m), method == m, "{name} {m}");
            }
        }
    }

    #[test]
    fn secret_env_names() {
        assert!(is_secret_env("GITHUB_TOKEN"));
        assert!(is_secret_env("aws_secret_access_key"));
        assert!(!is_secret_env("HOME"));
    }
}
