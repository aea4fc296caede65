//! Shared vocabulary of the rules: which calls spawn processes, touch the network or decode
//! data, which paths hold credentials, which hosts are suspicious destinations. Regexes are
//! compiled once per process.

use std::sync::LazyLock;

use regex::Regex;

use super::facts::{Taint, CLIP, IMAGE, KEYS, NET, PROC, SCREEN};

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

static CRED_DEV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(\.aws[/\\](credentials|config)|\.ssh[/\\](id_[a-z0-9]+|authorized_keys|known_hosts)?|\.netrc|_netrc|\.pypirc|\.git-credentials|\.docker[/\\]config\.json|\.kube[/\\]config|\.npmrc|\.config[/\\]gcloud|\.azure[/\\]|/etc/shadow|\.bash_history|\.zsh_history|\.gnupg)",
    )
    .expect("regex")
});

static CRED_PERSONAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(login data|[/\\]cookies\b|local state|web data|user data[/\\]default|discord(canary|ptb)?[/\\]local storage|local storage[/\\]leveldb|telegram desktop[/\\]tdata|[/\\]tdata\b|exodus[/\\]exodus\.wallet|exodus\.wallet|electrum[/\\]wallets|metamask|nkbihfbeogaeaoehlefnkodbefgpgknn|wallet\.dat|atomic[/\\]local storage|coinomi|armory|jaxx|guarda|\.bitcoin[/\\]|\.ethereum[/\\]keystore|mozilla[/\\]firefox[/\\]profiles|key4\.db|logins\.json|filezilla[/\\]recentservers|steam[/\\]config)",
    )
    .expect("regex")
});

/// Which credential store a string names, if any.
pub fn cred_store(text: &str) -> Option<CredKind> {
    if text.len() > 2000 {
        return None;
    }
    // Discord token regexes as written by token grabbers.
    let discord_token_re =
        text.contains(r"{24}\.") && text.contains("{27}") || text.contains(r"mfa\.[\w-]{84}");
    if discord_token_re || CRED_PERSONAL.is_match(text) {
        Some(CredKind::Personal)
    } else if CRED_DEV.is_match(text) {
        Some(CredKind::Developer)
    } else {
        None
    }
}

static URL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(https?|ftp|wss?|tcp|stratum\+tcp)://[^\s'\x22<>\\]{3,}").expect("regex")
});

static IP_PORT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?::(\d{2,5}))?\b",
    )
    .expect("regex")
});

/// URLs in a text.
pub fn urls(text: &str) -> impl Iterator<Item = &str> {
    URL_RE.find_iter(text).map(|m| m.as_str())
}

/// Whether the text contains a URL or a public IP address.
pub fn has_url_or_ip(text: &str) -> bool {
    URL_RE.is_match(text) || IP_PORT_RE.captures_iter(text).any(|c| is_public_ip(&c[1]))
}

/// The first public IPv4 address in a text.
pub fn public_ip(text: &str) -> Option<String> {
    IP_PORT_RE
        .captures_iter(text)
        .find(|c| is_public_ip(&c[1]))
        .map(|c| c[0].to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn secret_env_names() {
        assert!(is_secret_env("GITHUB_TOKEN"));
        assert!(is_secret_env("aws_secret_access_key"));
        assert!(!is_secret_env("HOME"));
    }
}
