//! Codecs over constants: the base64 family (base64, base32, base16, base85, ascii85), hex,
//! rot13, Python's escape codecs, text encodings, and zlib/gzip/bz2/lzma decompression — each
//! bounded to [`MAX_VALUE`] of output, with Python's names (`base64.b64decode`,
//! `codecs.decode(x, 'rot13')`, `zlib.decompress(x, -15)`...).

use std::io::{Read, Write};

use base64::Engine;

use super::{Budget, Folded, Value, MAX_VALUE};

/// Why a decompression produced nothing.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fail {
    /// Not valid data for the format.
    Invalid,
    /// The output would exceed [`MAX_VALUE`] (a bomb, or just a payload too large).
    TooBig,
}

/// Lenient base64: ignores whitespace, accepts missing padding.
pub fn b64(input: &[u8], urlsafe: bool) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .collect();
    if urlsafe {
        for b in &mut clean {
            match *b {
                b'-' => *b = b'+',
                b'_' => *b = b'/',
                _ => {}
            }
        }
    }
    b64_core(&clean)
}

fn b64_core(clean: &[u8]) -> Option<Vec<u8>> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    engine.decode(clean).ok()
}

/// Python's `base64.b64decode(s, altchars)` without `validate`: `altchars` stand for `+/`,
/// characters outside the alphabet are discarded, decoding stops at padding.
fn b64_py(input: &[u8], altchars: Option<&[u8]>) -> Option<Vec<u8>> {
    let alt = match altchars {
        Some(a) if a.len() == 2 => Some((a[0], a[1])),
        Some(_) => return None,
        None => None,
    };
    let mut clean = Vec::with_capacity(input.len());
    for &b in input {
        let b = match alt {
            Some((p, _)) if b == p => b'+',
            Some((_, s)) if b == s => b'/',
            _ => b,
        };
        if b == b'=' {
            break;
        }
        if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
            clean.push(b);
        }
    }
    if clean.len() % 4 == 1 {
        return None;
    }
    b64_core(&clean)
}

fn b64_encode(input: &[u8], alt: Option<(u8, u8)>) -> Vec<u8> {
    let mut out = base64::engine::general_purpose::STANDARD
        .encode(input)
        .into_bytes();
    if let Some((p, s)) = alt {
        for b in &mut out {
            match *b {
                b'+' => *b = p,
                b'/' => *b = s,
                _ => {}
            }
        }
    }
    out
}

/// `base64.encodebytes`: lines of 76 characters, each ending in a newline.
fn b64_encodebytes(input: &[u8]) -> Vec<u8> {
    let flat = b64_encode(input, None);
    let mut out = Vec::with_capacity(flat.len() + flat.len() / 76 + 1);
    for line in flat.chunks(76) {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    out
}

fn b32(input: &[u8], alphabet: &[u8; 32], map01: Option<u8>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 5 / 8);
    let (mut buf, mut bits) = (0u64, 0u32);
    for &c in input {
        if c == b'=' || c.is_ascii_whitespace() {
            continue;
        }
        // `map01` (when given) maps the digit 1 to a letter, and then 0 to O.
        let c = match (c, map01) {
            (b'0', Some(_)) => b'O',
            (b'1', Some(m)) => m,
            _ => c.to_ascii_uppercase(),
        };
        let v = alphabet.iter().position(|a| *a == c)? as u64;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B32HEX: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";

fn b32_encode(input: &[u8], alphabet: &[u8; 32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len().div_ceil(5) * 8);
    for chunk in input.chunks(5) {
        let mut block = [0u8; 5];
        block[..chunk.len()].copy_from_slice(chunk);
        let v = block.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(alphabet[((v >> (35 - 5 * i)) & 31) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

/// Hex to bytes, ignoring whitespace.
pub fn unhex(input: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    hex::decode(clean).ok()
}

const B85: &[u8; 85] =
    b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
const Z85: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Base85 in one of its alphabets (`b85decode`, `z85decode`).
fn b85(input: &[u8], alphabet: &[u8; 85]) -> Option<Vec<u8>> {
    let vals: Vec<u32> = input
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|c| alphabet.iter().position(|a| a == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    base85_groups(&vals)
}

/// Ascii85 (`base64.a85decode`), with `z` for four zero bytes, `y` for four spaces when
/// `foldspaces`, and the Adobe `<~ ... ~>` frame.
fn a85(input: &[u8], foldspaces: bool) -> Option<Vec<u8>> {
    let mut s: &[u8] = input;
    if let Some(rest) = s.strip_prefix(b"<~") {
        s = rest;
    }
    if let Some(rest) = s.strip_suffix(b"~>") {
        s = rest;
    }
    let mut out = Vec::with_capacity(s.len() * 4 / 5);
    let mut group: Vec<u32> = Vec::with_capacity(5);
    for &c in s {
        match c {
            b'z' if group.is_empty() => out.extend_from_slice(&[0; 4]),
            b'y' if foldspaces && group.is_empty() => out.extend_from_slice(b"    "),
            c if c.is_ascii_whitespace() => {}
            b'!'..=b'u' => {
                group.push(u32::from(c - b'!'));
                if group.len() == 5 {
                    out.extend(base85_groups(&group)?);
                    group.clear();
                }
            }
            _ => return None,
        }
    }
    if !group.is_empty() {
        out.extend(base85_groups(&group)?);
    }
    Some(out)
}

fn base85_groups(vals: &[u32]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(vals.len() * 4 / 5);
    for chunk in vals.chunks(5) {
        if chunk.len() == 1 {
            return None;
        }
        let pad = 5 - chunk.len();
        let mut acc: u64 = 0;
        for i in 0..5 {
            acc = acc * 85 + u64::from(*chunk.get(i).unwrap_or(&84));
        }
        if acc > u64::from(u32::MAX) {
            return None;
        }
        let bytes = (acc as u32).to_be_bytes();
        out.extend_from_slice(&bytes[..4 - pad]);
    }
    Some(out)
}

/// zlib (or gzip) inflate, bounded to [`MAX_VALUE`].
pub fn inflate(input: &[u8], gzip: bool) -> Option<Vec<u8>> {
    decompress(input, if gzip { Kind::Gzip } else { Kind::Zlib }).ok()
}

/// A compressed format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Zlib,
    Gzip,
    /// Raw deflate (`zlib.decompress(x, -15)`).
    Raw,
    /// zlib or gzip by header (`wbits` 32 + n).
    Auto,
    Bz2,
    /// xz, or the legacy `.lzma` format.
    Lzma,
}

/// Decompress `input`, bounded to [`MAX_VALUE`] of output.
pub(super) fn decompress(input: &[u8], kind: Kind) -> Result<Vec<u8>, Fail> {
    let limit = MAX_VALUE as u64 + 1;
    let mut out = Vec::new();
    let res = match kind {
        Kind::Zlib => flate2::read::ZlibDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out),
        Kind::Gzip => flate2::read::MultiGzDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out),
        Kind::Raw => flate2::read::DeflateDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out),
        Kind::Auto => {
            let kind = if input.starts_with(&[0x1f, 0x8b]) {
                Kind::Gzip
            } else {
                Kind::Zlib
            };
            return decompress(input, kind);
        }
        Kind::Bz2 => bzip2::read::MultiBzDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out),
        Kind::Lzma => {
            let mut w = Capped(Vec::new());
            let mut r = std::io::BufReader::new(input);
            let res = if input.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
                lzma_rs::xz_decompress(&mut r, &mut w).map_err(|_| ())
            } else {
                let opts = lzma_rs::decompress::Options {
                    memlimit: Some(64 << 20),
                    ..Default::default()
                };
                lzma_rs::lzma_decompress_with_options(&mut r, &mut w, &opts).map_err(|_| ())
            };
            return match res {
                _ if w.0.len() > MAX_VALUE => Err(Fail::TooBig),
                Ok(()) => Ok(w.0),
                Err(()) if w.0.len() == MAX_VALUE + 1 => Err(Fail::TooBig),
                Err(()) => Err(Fail::Invalid),
            };
        }
    };
    match res {
        Ok(_) if out.len() <= MAX_VALUE => Ok(out),
        Ok(_) => Err(Fail::TooBig),
        Err(_) => Err(Fail::Invalid),
    }
}

/// A writer that refuses to grow past [`MAX_VALUE`] + 1 bytes.
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = (MAX_VALUE + 1).saturating_sub(self.0.len());
        if room == 0 {
            return Err(std::io::Error::other("output limit"));
        }
        let n = buf.len().min(room);
        self.0.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

/// Python's `unicode_escape` decoding of `input` (bytes read as Latin-1): `\n`, `\x41`,
/// `\101`, `\u0041`, `\U00000041`, backslash-newline; unknown escapes stay as written. With
/// `raw`, only `\u` and `\U` are escapes (`raw_unicode_escape`).
pub(super) fn unicode_escape(input: &[u8], raw: bool) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    let hex_at = |i: usize, n: usize| -> Option<u32> {
        let digits = input.get(i..i + n)?;
        let s = std::str::from_utf8(digits).ok()?;
        u32::from_str_radix(s, 16).ok()
    };
    while i < input.len() {
        let b = input[i];
        if b != b'\\' || i + 1 >= input.len() {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let e = input[i + 1];
        if raw {
            let n = match e {
                b'u' => 4,
                b'U' => 8,
                _ => {
                    out.push('\\');
                    i += 1;
                    continue;
                }
            };
            out.push(char::from_u32(hex_at(i + 2, n)?)?);
            i += 2 + n;
            continue;
        }
        i += 2;
        match e {
            b'\n' => {}
            b'\\' => out.push('\\'),
            b'\'' => out.push('\''),
            b'"' => out.push('"'),
            b'a' => out.push('\x07'),
            b'b' => out.push('\x08'),
            b'f' => out.push('\x0c'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'v' => out.push('\x0b'),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match input.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(char::from_u32(v)?);
            }
            b'x' => {
                out.push(char::from_u32(hex_at(i, 2)?)?);
                i += 2;
            }
            b'u' => {
                out.push(char::from_u32(hex_at(i, 4)?)?);
                i += 4;
            }
            b'U' => {
                out.push(char::from_u32(hex_at(i, 8)?)?);
                i += 8;
            }
            b'N' => return None,
            other => {
                out.push('\\');
                out.push(char::from(other));
            }
        }
    }
    Some(out)
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

fn utf16(b: &[u8], big: Option<bool>) -> Option<String> {
    let (mut data, mut be) = (b, big.unwrap_or(false));
    if big.is_none() {
        if let Some(rest) = b.strip_prefix(&[0xFF, 0xFE]) {
            data = rest;
        } else if let Some(rest) = b.strip_prefix(&[0xFE, 0xFF]) {
            data = rest;
            be = true;
        }
    }
    if data.len() % 2 != 0 {
        return None;
    }
    let units = data.chunks(2).map(|c| {
        if be {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_le_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// Normalised codec name: lower case, `-` and spaces as `_`.
fn norm(codec: &str) -> String {
    codec.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// Apply a named codec the way `codecs.decode`/`codecs.encode`, `bytes.decode`, `str.encode`
/// (and Python 2's `str.decode('base64')`) do.
pub(super) fn codec(a: &Folded, codec: &str, decode: bool, b: &Budget) -> Option<Folded> {
    let name = norm(codec);
    let text = |s: String| a.map(Value::Str(s));
    let bytes = |v: Vec<u8>| a.map(Value::Bytes(v));
    match (name.as_str(), decode) {
        ("rot13" | "rot_13", _) => Folded::decoded(Value::Str(rot13(&a.value.text()?)), "rot13", a),
        ("hex" | "hex_codec", true) => {
            Folded::decoded(Value::Bytes(unhex(a.value.bytes_ref()?)?), "hex", a)
        }
        ("hex" | "hex_codec", false) => bytes(hex::encode(a.value.bytes_ref()?).into_bytes()),
        ("base64" | "base_64" | "base64_codec", true) => Folded::decoded(
            Value::Bytes(b64_py(a.value.bytes_ref()?, None)?),
            "base64",
            a,
        ),
        ("base64" | "base_64" | "base64_codec", false) => {
            bytes(b64_encodebytes(a.value.bytes_ref()?))
        }
        ("zlib" | "zip" | "zlib_codec", true) => {
            let v = limited(decompress(a.value.bytes_ref()?, Kind::Zlib), b)?;
            Folded::decoded(Value::Bytes(v), "zlib", a)
        }
        ("bz2" | "bz2_codec", true) => {
            let v = limited(decompress(a.value.bytes_ref()?, Kind::Bz2), b)?;
            Folded::decoded(Value::Bytes(v), "bz2", a)
        }
        ("unicode_escape" | "string_escape", true) => {
            let s = unicode_escape(a.value.bytes_ref()?, false)?;
            Folded::decoded(Value::Str(s), "escapes", a)
        }
        ("raw_unicode_escape", true) => {
            let s = unicode_escape(a.value.bytes_ref()?, true)?;
            Folded::decoded(Value::Str(s), "escapes", a)
        }
        ("utf_8" | "utf8" | "u8" | "ascii" | "us_ascii" | "utf_8_sig", true) => {
            let raw = a.value.bytes_ref()?;
            let raw = raw.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(raw);
            text(String::from_utf8_lossy(raw).into_owned())
        }
        ("latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" | "l1" | "cp819", true) => {
            text(latin1(a.value.bytes_ref()?))
        }
        ("utf_16" | "utf16", true) => text(utf16(a.value.bytes_ref()?, None)?),
        ("utf_16_le" | "utf_16le", true) => text(utf16(a.value.bytes_ref()?, Some(false))?),
        ("utf_16_be" | "utf_16be", true) => text(utf16(a.value.bytes_ref()?, Some(true))?),
        ("utf_8" | "utf8" | "u8" | "ascii" | "us_ascii", false) => {
            bytes(a.value.bytes_ref()?.to_vec())
        }
        ("latin_1" | "latin1" | "iso_8859_1" | "iso8859_1" | "l1" | "cp819", false) => {
            let Value::Str(s) = &a.value else {
                return bytes(a.value.bytes_ref()?.to_vec());
            };
            let v = s
                .chars()
                .map(|c| u8::try_from(u32::from(c)).ok())
                .collect::<Option<Vec<u8>>>()?;
            bytes(v)
        }
        ("utf_16_le" | "utf_16le", false) => {
            let Value::Str(s) = &a.value else { return None };
            bytes(s.encode_utf16().flat_map(u16::to_le_bytes).collect())
        }
        ("utf_16_be" | "utf_16be", false) => {
            let Value::Str(s) = &a.value else { return None };
            bytes(s.encode_utf16().flat_map(u16::to_be_bytes).collect())
        }
        ("unicode_escape", false) => {
            let Value::Str(s) = &a.value else { return None };
            let mut out = Vec::with_capacity(s.len());
            for c in s.chars() {
                match c {
                    '\\' => out.extend_from_slice(b"\\\\"),
                    '\n' => out.extend_from_slice(b"\\n"),
                    '\r' => out.extend_from_slice(b"\\r"),
                    '\t' => out.extend_from_slice(b"\\t"),
                    ' '..='~' => out.push(c as u8),
                    c if (c as u32) < 0x100 => {
                        out.extend_from_slice(format!("\\x{:02x}", c as u32).as_bytes())
                    }
                    c if (c as u32) < 0x10000 => {
                        out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes())
                    }
                    c => out.extend_from_slice(format!("\\U{:08x}", c as u32).as_bytes()),
                }
            }
            bytes(out)
        }
        _ => None,
    }
}

/// Map a decompression result to `Option`, recording [`super::Bound::Size`] for a bomb.
pub(super) fn limited(r: Result<Vec<u8>, Fail>, b: &Budget) -> Option<Vec<u8>> {
    match r {
        Ok(v) => {
            b.charge(v.len())?;
            Some(v)
        }
        Err(Fail::TooBig) => {
            b.exceed(super::Bound::Size);
            None
        }
        Err(Fail::Invalid) => None,
    }
}

/// Whether `name` is a codec function this module folds.
pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.urlsafe_b64decode"
            | "base64.decodebytes"
            | "base64.decodestring"
            | "base64.b32decode"
            | "base64.b32hexdecode"
            | "base64.b16decode"
            | "base64.b85decode"
            | "base64.a85decode"
            | "base64.z85decode"
            | "base64.b64encode"
            | "base64.standard_b64encode"
            | "base64.urlsafe_b64encode"
            | "base64.encodebytes"
            | "base64.encodestring"
            | "base64.b32encode"
            | "base64.b32hexencode"
            | "base64.b16encode"
            | "binascii.a2b_base64"
            | "binascii.b2a_base64"
            | "binascii.unhexlify"
            | "binascii.a2b_hex"
            | "binascii.hexlify"
            | "binascii.b2a_hex"
            | "zlib.decompress"
            | "gzip.decompress"
            | "bz2.decompress"
            | "lzma.decompress"
            | "codecs.decode"
            | "codecs.encode"
    )
}

/// Fold a codec call on constant arguments.
pub(super) fn call(
    name: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let arg = |i: usize, key: &str| super::arg_at(args, kw, i, key);
    let a = args.first()?;
    let input = a.value.bytes_ref()?;
    b.charge(input.len())?;
    let dec = |v: Option<Vec<u8>>, via: &'static str| Folded::decoded(Value::Bytes(v?), via, a);
    let enc = |v: Vec<u8>| a.map(Value::Bytes(v));
    match name {
        "base64.b64decode" | "base64.standard_b64decode" | "binascii.a2b_base64" => {
            let alt = match arg(1, "altchars") {
                Some(f) => match &f.value {
                    Value::None => None,
                    v => Some(v.bytes_ref()?.to_vec()),
                },
                None => None,
            };
            dec(b64_py(input, alt.as_deref()), "base64")
        }
        "base64.decodebytes" | "base64.decodestring" => dec(b64_py(input, None), "base64"),
        "base64.urlsafe_b64decode" => dec(b64_py(input, Some(b"-_")), "base64"),
        "base64.b32decode" => {
            let map01 = arg(2, "map01").and_then(|f| f.value.bytes_ref().map(|m| m.to_vec()));
            let map01 = map01.and_then(|m| m.first().map(u8::to_ascii_uppercase));
            dec(b32(input, B32, map01), "base32")
        }
        "base64.b32hexdecode" => dec(b32(input, B32HEX, None), "base32"),
        "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex" => dec(unhex(input), "hex"),
        "base64.b85decode" => dec(b85(input, B85), "base85"),
        "base64.z85decode" => dec(b85(input, Z85), "base85"),
        "base64.a85decode" => {
            let fold = arg(1, "foldspaces").is_some_and(|f| f.value.as_int() == Some(1));
            dec(a85(input, fold), "ascii85")
        }
        "base64.b64encode" | "base64.standard_b64encode" => {
            let alt = match arg(1, "altchars").map(|f| f.value.bytes_ref()) {
                Some(Some(a)) if a.len() == 2 => Some((a[0], a[1])),
                Some(Some(_)) => return None,
                _ => None,
            };
            enc(b64_encode(input, alt))
        }
        "base64.urlsafe_b64encode" => enc(b64_encode(input, Some((b'-', b'_')))),
        "base64.encodebytes" | "base64.encodestring" => enc(b64_encodebytes(input)),
        "binascii.b2a_base64" => {
            let mut v = b64_encode(input, None);
            v.push(b'\n');
            enc(v)
        }
        "base64.b32encode" => enc(b32_encode(input, B32)),
        "base64.b32hexencode" => enc(b32_encode(input, B32HEX)),
        "base64.b16encode" => enc(hex::encode_upper(input).into_bytes()),
        "binascii.hexlify" | "binascii.b2a_hex" => enc(hex::encode(input).into_bytes()),
        "zlib.decompress" => {
            let wbits = match arg(1, "wbits") {
                Some(f) => f.value.as_int()?,
                None => 15,
            };
            let kind = match wbits {
                8..=15 => Kind::Zlib,
                -15..=-8 => Kind::Raw,
                24..=31 => Kind::Gzip,
                40..=47 | 0 => Kind::Auto,
                _ => return None,
            };
            let v = limited(decompress(input, kind), b)?;
            Folded::decoded(Value::Bytes(v), "zlib", a)
        }
        "gzip.decompress" => {
            let v = limited(decompress(input, Kind::Gzip), b)?;
            Folded::decoded(Value::Bytes(v), "gzip", a)
        }
        "bz2.decompress" => {
            let v = limited(decompress(input, Kind::Bz2), b)?;
            Folded::decoded(Value::Bytes(v), "bz2", a)
        }
        "lzma.decompress" => {
            let v = limited(decompress(input, Kind::Lzma), b)?;
            Folded::decoded(Value::Bytes(v), "lzma", a)
        }
        "codecs.decode" | "codecs.encode" => {
            let enc = match arg(1, "encoding") {
                Some(f) => f.value.text()?,
                None => "utf-8".to_string(),
            };
            codec(a, &enc, name == "codecs.decode", b)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: Value) -> Folded {
        Folded::plain(v)
    }

    fn run(name: &str, args: Vec<Value>) -> Option<Value> {
        let args: Vec<Folded> = args.into_iter().map(f).collect();
        call(name, &args, &[], &Budget::per_expr()).map(|f| f.value)
    }

    fn bytes(s: &[u8]) -> Value {
        Value::Bytes(s.to_vec())
    }

    #[test]
    fn base64_family_round_trips() {
        let data = b"print('inert')\n\x00\xff";
        for (enc, dec) in [
            ("base64.b64encode", "base64.b64decode"),
            ("base64.urlsafe_b64encode", "base64.urlsafe_b64decode"),
            ("base64.encodebytes", "base64.decodebytes"),
            ("base64.b32encode", "base64.b32decode"),
            ("base64.b32hexencode", "base64.b32hexdecode"),
            ("base64.b16encode", "base64.b16decode"),
            ("binascii.hexlify", "binascii.unhexlify"),
            ("binascii.b2a_base64", "binascii.a2b_base64"),
        ] {
            let e = run(enc, vec![bytes(data)]).unwrap();
            assert_eq!(run(dec, vec![e]), Some(bytes(data)), "{enc}/{dec}");
        }
    }

    #[test]
    fn base64_python_leniency() {
        // Characters outside the alphabet are discarded; altchars stand for +/.
        assert_eq!(
            run("base64.b64decode", vec![Value::Str("aG k=\n".into())]),
            Some(bytes(b"hi"))
        );
        assert_eq!(
            run(
                "base64.b64decode",
                vec![Value::Str("-_8=".into()), Value::Str("-_".into())]
            ),
            Some(bytes(&[0xfb, 0xff]))
        );
        assert_eq!(
            run("base64.urlsafe_b64decode", vec![Value::Str("-_8=".into())]),
            Some(bytes(&[0xfb, 0xff]))
        );
        assert_eq!(b64(b"aGk", false), Some(b"hi".to_vec()));
    }

    #[test]
    fn base85_ascii85_z85() {
        assert_eq!(
            run("base64.b85decode", vec![Value::Str("Xk~0{Zv".into())]),
            Some(bytes(b"hello"))
        );
        // base64.a85encode(b'hello') == b'BOu!rDZ'; b'\0\0\0\0' -> 'z'
        assert_eq!(
            run("base64.a85decode", vec![Value::Str("BOu!rDZ".into())]),
            Some(bytes(b"hello"))
        );
        assert_eq!(
            run("base64.a85decode", vec![Value::Str("<~zBOu!rDZ~>".into())]),
            Some(bytes(b"\0\0\0\0hello"))
        );
        // base64.z85encode(b'\x86\x4f\xd2\x6f\xb5\x59\xf7\x5b') == b'HelloWorld'
        assert_eq!(
            run("base64.z85decode", vec![Value::Str("HelloWorld".into())]),
            Some(bytes(&[0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))
        );
        assert_eq!(run("base64.b85decode", vec![Value::Str("\"".into())]), None);
    }

    #[test]
    fn decompressors() {
        use std::io::Write as _;
        let payload = b"print('inert')".repeat(20);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&payload).unwrap();
        let z = z.finish().unwrap();
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        g.write_all(&payload).unwrap();
        let g = g.finish().unwrap();
        let mut r = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        r.write_all(&payload).unwrap();
        let r = r.finish().unwrap();
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        bz.write_all(&payload).unwrap();
        let bz = bz.finish().unwrap();
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut payload.as_slice(), &mut xz).unwrap();
        let mut alone = Vec::new();
        lzma_rs::lzma_compress(&mut payload.as_slice(), &mut alone).unwrap();
        let want = Some(Value::Bytes(payload.clone()));
        assert_eq!(run("zlib.decompress", vec![bytes(&z)]), want);
        assert_eq!(
            run("zlib.decompress", vec![bytes(&r), Value::Int(-15)]),
            want
        );
        assert_eq!(
            run("zlib.decompress", vec![bytes(&g), Value::Int(31)]),
            want
        );
        assert_eq!(
            run("zlib.decompress", vec![bytes(&g), Value::Int(47)]),
            want
        );
        assert_eq!(run("gzip.decompress", vec![bytes(&g)]), want);
        assert_eq!(run("bz2.decompress", vec![bytes(&bz)]), want);
        assert_eq!(run("lzma.decompress", vec![bytes(&xz)]), want);
        assert_eq!(run("lzma.decompress", vec![bytes(&alone)]), want);
        assert_eq!(
            run("codecs.decode", vec![bytes(&bz), Value::Str("bz2".into())]),
            want
        );
        assert_eq!(run("zlib.decompress", vec![bytes(b"not zlib")]), None);
    }

    #[test]
    fn bombs_are_refused_and_reported() {
        use std::io::Write as _;
        let big = vec![b'A'; MAX_VALUE + 10];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&big).unwrap();
        let z = z.finish().unwrap();
        assert!(z.len() < 8192);
        let budget = Budget::per_expr();
        assert!(call("zlib.decompress", &[f(bytes(&z))], &[], &budget).is_none());
        assert_eq!(budget.hit(), Some(super::super::Bound::Size));
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        bz.write_all(&big).unwrap();
        let bz = bz.finish().unwrap();
        assert_eq!(decompress(&bz, Kind::Bz2), Err(Fail::TooBig));
        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut big.as_slice(), &mut xz).unwrap();
        assert_eq!(decompress(&xz, Kind::Lzma), Err(Fail::TooBig));
    }

    #[test]
    fn codecs_by_name() {
        let b = Budget::per_expr();
        let s = |x: &str| f(Value::Str(x.into()));
        let text = |r: Option<Folded>| r.and_then(|f| f.value.text());
        assert_eq!(text(codec(&s("uggc"), "rot_13", true, &b)).unwrap(), "http");
        assert_eq!(text(codec(&s("http"), "ROT13", false, &b)).unwrap(), "uggc");
        assert_eq!(text(codec(&s("6869"), "hex", true, &b)).unwrap(), "hi");
        assert_eq!(text(codec(&s("hi"), "hex", false, &b)).unwrap(), "6869");
        assert_eq!(text(codec(&s("aGk="), "base64", true, &b)).unwrap(), "hi");
        assert_eq!(
            text(codec(&s("hi"), "base64", false, &b)).unwrap(),
            "aGk=\n"
        );
        let esc = f(bytes(br"\x65\166\u0061l\n\q"));
        assert_eq!(
            text(codec(&esc, "unicode-escape", true, &b)).unwrap(),
            "eval\n\\q"
        );
        assert_eq!(
            text(codec(
                &f(bytes(br"\u0065\x")),
                "raw_unicode_escape",
                true,
                &b
            ))
            .unwrap(),
            "e\\x"
        );
        assert_eq!(
            text(codec(&f(bytes(b"\xe9t\xe9")), "latin-1", true, &b)).unwrap(),
            "été"
        );
        let utf16 = f(bytes(b"\xff\xfeh\0i\0"));
        assert_eq!(text(codec(&utf16, "utf-16", true, &b)).unwrap(), "hi");
        assert_eq!(
            codec(&s("hi"), "utf-16-le", false, &b).unwrap().value,
            bytes(b"h\0i\0")
        );
        assert_eq!(
            codec(&s("é\n"), "unicode_escape", false, &b).unwrap().value,
            bytes(b"\\xe9\\n")
        );
        assert!(codec(&s("x"), "no-such-codec", true, &b).is_none());
    }
}
