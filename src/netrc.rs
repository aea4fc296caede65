//! `.netrc` credentials, read the way Python's `netrc` module reads them (pip takes its netrc
//! credentials from there, and uv's reader follows the same grammar), so a file that works for
//! the installer works for pyvet and means the same:
//!
//! - tokens are separated by whitespace; a token may be double-quoted (`password "a b"`), and
//!   a backslash makes the next character literal, inside quotes or not;
//! - `machine NAME`, `default` and `macdef NAME` start entries; an entry takes `login` (or
//!   `user`), `password` and `account`, each followed by its value;
//! - a word starting with `#` starts a comment to the end of the line (a `#` inside a word, or
//!   a value such as `password #x`, is part of it);
//! - a `macdef` body runs to the next empty line and is skipped;
//! - a later entry for the same machine replaces an earlier one.
//!
//! Unlike pip, the `default` entry is not sent anywhere unless the user asks for it
//! ([`Netrc::lookup`]): it would go to every host without an entry of its own, including any
//! host a lockfile names. A malformed file is an error naming the file and line; the error
//! never quotes the file's text (it holds passwords).

use std::path::Path;

use crate::error::Error;

/// Basic-auth credentials (from a netrc entry or a URL; `network` sends them to one origin).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

/// A parsed `.netrc`.
#[derive(Default, Clone)]
pub struct Netrc {
    /// `machine` entries, host lowercased, in file order (the last for a host wins).
    machines: Vec<(String, Credentials)>,
    default: Option<Credentials>,
}

impl std::fmt::Debug for Netrc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Netrc({} entries{})",
            self.machines.len(),
            if self.default.is_some() {
                " and a default"
            } else {
                ""
            }
        )
    }
}

/// Why a netrc file could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetrcError {
    pub line: u32,
    pub message: &'static str,
}

/// The tokenizer: Python's `netrc._netrclex`.
struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: u32,
    pushed: Option<(String, u32)>,
}

impl<'a> Lexer<'a> {
    fn next_char(&mut self) -> Option<char> {
        let c = self.chars.next();
        if c == Some('\n') {
            self.line += 1;
        }
        c
    }

    /// Skip the rest of the current line.
    fn skip_line(&mut self) {
        while let Some(c) = self.next_char() {
            if c == '\n' {
                break;
            }
        }
    }

    /// The next line, with its newline (`None` at the end of the text).
    fn read_line(&mut self) -> Option<String> {
        self.chars.peek()?;
        let mut s = String::new();
        while let Some(c) = self.next_char() {
            s.push(c);
            if c == '\n' {
                break;
            }
        }
        Some(s)
    }

    /// The next token and the line it started on; an empty token at the end.
    fn token(&mut self) -> (String, u32) {
        if let Some(t) = self.pushed.take() {
            return t;
        }
        let mut tok = String::new();
        while let Some(c) = self.next_char() {
            if c.is_whitespace() {
                continue;
            }
            let line = self.line;
            if c == '"' {
                while let Some(c) = self.next_char() {
                    match c {
                        '"' => return (tok, line),
                        '\\' => tok.extend(self.next_char()),
                        c => tok.push(c),
                    }
                }
                return (tok, line);
            }
            if c == '\\' {
                tok.extend(self.next_char());
            } else {
                tok.push(c);
            }
            while let Some(&c) = self.chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                self.next_char();
                if c == '\\' {
                    tok.extend(self.next_char());
                } else {
                    tok.push(c);
                }
            }
            return (tok, line);
        }
        (tok, self.line)
    }
}

impl Netrc {
    /// Load `path`; a missing file means no credentials.
    pub fn load(path: &Path) -> Result<Netrc, Error> {
        let data = match std::fs::read(path) {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Netrc::default()),
            Err(e) => return Err(Error::io(format!("reading {}", path.display()), e)),
        };
        Netrc::parse(&String::from_utf8_lossy(&data)).map_err(|e| {
            Error::Usage(format!(
                "{}:{}: {} (pyvet reads netrc files as pip does; the line is not shown, it may \
                 hold a password)",
                path.display(),
                e.line,
                e.message
            ))
        })
    }

    pub fn parse(text: &str) -> Result<Netrc, NetrcError> {
        let mut lex = Lexer {
            chars: text.chars().peekable(),
            line: 1,
            pushed: None,
        };
        let mut out = Netrc::default();
        let err = |line, message| Err(NetrcError { line, message });
        loop {
            let (top, line) = lex.token();
            if top.is_empty() {
                break;
            }
            let host = match top.as_str() {
                t if t.starts_with('#') => {
                    lex.skip_line();
                    continue;
                }
                "machine" => {
                    let (name, _) = lex.token();
                    if name.is_empty() {
                        return err(line, "`machine` without a host name");
                    }
                    Some(name.to_ascii_lowercase())
                }
                "default" => None,
                "macdef" => {
                    let (name, _) = lex.token();
                    if name.is_empty() {
                        return err(line, "`macdef` without a name");
                    }
                    // The rest of the `macdef` line, then the body up to an empty line.
                    lex.skip_line();
                    loop {
                        match lex.read_line() {
                            None => {
                                return err(
                                    lex.line,
                                    "macro definition without an empty line after it",
                                )
                            }
                            Some(l) if l == "\n" || l == "\r\n" => break,
                            Some(_) => {}
                        }
                    }
                    continue;
                }
                _ => {
                    return err(
                        line,
                        "unexpected word (expected machine, default or macdef)",
                    )
                }
            };
            let mut creds = Credentials {
                username: String::new(),
                password: String::new(),
            };
            loop {
                let (t, line) = lex.token();
                if t.starts_with('#') {
                    lex.skip_line();
                    continue;
                }
                match t.as_str() {
                    "" | "machine" | "default" | "macdef" => {
                        lex.pushed = Some((t, line));
                        break;
                    }
                    "login" | "user" => creds.username = lex.token().0,
                    "password" => creds.password = lex.token().0,
                    "account" => {
                        lex.token();
                    }
                    _ => {
                        return err(
                            line,
                            "unexpected word in an entry (expected login, password or account)",
                        )
                    }
                }
            }
            match host {
                Some(h) => {
                    out.machines.retain(|(m, _)| *m != h);
                    out.machines.push((h, creds));
                }
                None => out.default = Some(creds),
            }
        }
        Ok(out)
    }

    /// Credentials for `host`: its `machine` entry; for a host without one, the `default`
    /// entry only when `use_default` (the user opted in). Empty entries give none.
    pub fn lookup(&self, host: &str, use_default: bool) -> Option<Credentials> {
        let host = host.to_ascii_lowercase();
        let found = match self.machines.iter().find(|(h, _)| *h == host) {
            Some((_, c)) => Some(c),
            None if use_default => self.default.as_ref(),
            None => None,
        };
        found
            .filter(|c| !c.username.is_empty() || !c.password.is_empty())
            .cloned()
    }

    /// Whether the file has a `default` entry.
    pub fn has_default(&self) -> bool {
        self.default.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(c: Option<Credentials>) -> Option<(String, String)> {
        c.map(|c| (c.username, c.password))
    }

    fn p(u: &str, w: &str) -> Option<(String, String)> {
        Some((u.into(), w.into()))
    }

    #[test]
    fn machines_comments_macdef_and_quotes() {
        let n = Netrc::parse(
            "# comment line\n#another comment\nmachine Index.Example.invalid login alice password s3cret\n\
             macdef init\ncd /tmp\nmachine evil.invalid login x password y\n\n\
             machine other.invalid\n  user bob # trailing comment\n  password \"pw with spaces\"\n\
             machine esc.invalid login a\\ b password p#not-a-comment account acct\n\
             # a comment between entries\nmachine hash.invalid login h password #hash\n",
        )
        .unwrap();
        assert_eq!(
            pair(n.lookup("index.example.invalid", false)),
            p("alice", "s3cret")
        );
        assert_eq!(
            pair(n.lookup("OTHER.invalid", false)),
            p("bob", "pw with spaces")
        );
        assert_eq!(
            pair(n.lookup("esc.invalid", false)),
            p("a b", "p#not-a-comment")
        );
        assert_eq!(pair(n.lookup("hash.invalid", false)), p("h", "#hash"));
        // Inside a macdef body: not a machine.
        assert_eq!(n.lookup("evil.invalid", true), None);
        assert!(Netrc::parse("").unwrap().lookup("a", true).is_none());
        assert!(Netrc::parse("machine a.invalid login")
            .unwrap()
            .lookup("a.invalid", false)
            .is_none());
    }

    #[test]
    fn default_is_used_only_for_hosts_without_an_entry_and_only_when_asked() {
        let n = Netrc::parse(
            "default login anon password anonpw\nmachine a.invalid login alice password pa\n",
        )
        .unwrap();
        assert!(n.has_default());
        assert_eq!(n.lookup("unknown.invalid", false), None);
        assert_eq!(pair(n.lookup("unknown.invalid", true)), p("anon", "anonpw"));
        assert_eq!(pair(n.lookup("a.invalid", true)), p("alice", "pa"));
    }

    #[test]
    fn later_entries_for_a_host_win_as_in_python() {
        let n = Netrc::parse(
            "machine h.invalid login first password 1\nmachine h.invalid login second password 2\n",
        )
        .unwrap();
        assert_eq!(pair(n.lookup("h.invalid", false)), p("second", "2"));
    }

    #[test]
    fn malformed_files_name_the_line_and_never_the_text() {
        let e = Netrc::parse("machine a.invalid\n  login u\n  passwd hunter2\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(!e.message.contains("hunter2") && !e.message.contains("passwd"));
        assert_eq!(Netrc::parse("hunter2 machine x").unwrap_err().line, 1);
        assert_eq!(Netrc::parse("machine").unwrap_err().line, 1);
        assert!(Netrc::parse("macdef m\nbody without end\n").is_err());
        let dir = std::env::temp_dir().join(format!("pyvet-netrc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("netrc");
        std::fs::write(&f, "machine a login u password secret-pw extra-word\n").unwrap();
        let msg = Netrc::load(&f).unwrap_err().to_string();
        assert!(
            msg.contains("netrc:1:") && !msg.contains("secret-pw"),
            "{msg}"
        );
        assert!(Netrc::load(&dir.join("missing"))
            .unwrap()
            .lookup("a", true)
            .is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
