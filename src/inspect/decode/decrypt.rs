//! Static decryption with keys the code carries, and the objects it needs.
//!
//! Covers what Python droppers write: `Fernet(KEY).decrypt(TOKEN)` and `MultiFernet`;
//! pycryptodome's `AES.new(key, AES.MODE_CBC, iv).decrypt(ct)` in ECB, CBC, CFB (8 and 128
//! bit segments), OFB, CTR (with `nonce=`/`initial_value=` or a `Counter.new`) and GCM (96-bit
//! nonces; the tag is not checked), with `Crypto.Util.Padding.unpad`; cryptography's
//! `Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor().update(ct)` (and `AESGCM`, the
//! PKCS7 unpadder); the hashes and key derivations that turn a passphrase into a key
//! (`hashlib.sha256(pw).digest()`, `hashlib.pbkdf2_hmac`, `PBKDF2HMAC(...).derive(pw)`,
//! pycryptodome's `PBKDF2`); and `strxor`. The primitives are the RustCrypto crates (`aes`,
//! `cbc`, `ctr`, `cfb-mode`, `cfb8`, `ofb`, `hmac`, `sha1`/`sha2`/`md-5`, `pbkdf2`); this file
//! only maps Python's calling conventions onto them.
//!
//! Objects built here ([`Obj`]) are plain data — the key, the mode, the IV — so they can be
//! kept in the caller's constants and used later (`c = AES.new(...)` then `c.decrypt(ct)`).
//! The same enum holds the few non-crypto objects the evaluator needs (`itertools.cycle`,
//! bound methods).

use aes::cipher::{
    block_padding::NoPadding, generic_array::GenericArray, AsyncStreamCipher, BlockDecrypt,
    BlockDecryptMut, KeyInit, KeyIvInit, StreamCipher,
};
use hmac::{Hmac, Mac};
use sha2::Digest;

use super::builtins::truthy;
use super::{codecs, Budget, Folded, Object, Value};

/// A hash algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HashAlgo {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgo {
    fn by_name(name: &str) -> Option<Self> {
        Some(
            match name.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
                "md5" => Self::Md5,
                "sha1" => Self::Sha1,
                "sha224" => Self::Sha224,
                "sha256" => Self::Sha256,
                "sha384" => Self::Sha384,
                "sha512" => Self::Sha512,
                _ => return None,
            },
        )
    }
    fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }
    fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5 => md5::Md5::digest(data).to_vec(),
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha224 => sha2::Sha224::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
    fn hmac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        macro_rules! mac {
            ($d:ty) => {{
                let mut m = <Hmac<$d> as Mac>::new_from_slice(key).expect("HMAC takes any key");
                m.update(data);
                m.finalize().into_bytes().to_vec()
            }};
        }
        match self {
            Self::Md5 => mac!(md5::Md5),
            Self::Sha1 => mac!(sha1::Sha1),
            Self::Sha224 => mac!(sha2::Sha224),
            Self::Sha256 => mac!(sha2::Sha256),
            Self::Sha384 => mac!(sha2::Sha384),
            Self::Sha512 => mac!(sha2::Sha512),
        }
    }
    fn pbkdf2(self, password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
        match self {
            Self::Md5 => pbkdf2::pbkdf2_hmac::<md5::Md5>(password, salt, rounds, out),
            Self::Sha1 => pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, rounds, out),
            Self::Sha224 => pbkdf2::pbkdf2_hmac::<sha2::Sha224>(password, salt, rounds, out),
            Self::Sha256 => pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, out),
            Self::Sha384 => pbkdf2::pbkdf2_hmac::<sha2::Sha384>(password, salt, rounds, out),
            Self::Sha512 => pbkdf2::pbkdf2_hmac::<sha2::Sha512>(password, salt, rounds, out),
        }
    }
}

/// An AES mode of operation with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Mode {
    Ecb,
    Cbc(Vec<u8>),
    Cfb8(Vec<u8>),
    Cfb128(Vec<u8>),
    Ofb(Vec<u8>),
    /// The first counter block and the width of its big-endian counter (bytes, from the end).
    Ctr([u8; 16], u8),
    /// A 96-bit nonce.
    Gcm(Vec<u8>),
}

impl Mode {
    fn name(&self) -> &'static str {
        match self {
            Mode::Ecb => "aes-ecb",
            Mode::Cbc(_) => "aes-cbc",
            Mode::Cfb8(_) | Mode::Cfb128(_) => "aes-cfb",
            Mode::Ofb(_) => "aes-ofb",
            Mode::Ctr(..) => "aes-ctr",
            Mode::Gcm(_) => "aes-gcm",
        }
    }
    fn iv_len(&self) -> usize {
        match self {
            Mode::Ecb | Mode::Ctr(..) => 0,
            Mode::Cbc(v) | Mode::Cfb8(v) | Mode::Cfb128(v) | Mode::Ofb(v) | Mode::Gcm(v) => v.len(),
        }
    }
}

/// An AES key with its mode.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Aes {
    key: Vec<u8>,
    mode: Mode,
}

/// An object built from constants.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Obj {
    /// `Fernet(key)` or `MultiFernet([...])`: (signing key, encryption key) pairs.
    Fernet(Vec<([u8; 16], [u8; 16])>),
    /// pycryptodome `AES.new(...)`, or cryptography `Cipher(algorithms.AES(k), mode)`.
    Cipher(Aes),
    /// cryptography `cipher.decryptor()`.
    Decryptor(Aes),
    /// cryptography `algorithms.AES(key)`.
    AesKey(Vec<u8>),
    /// cryptography `modes.CBC(iv)` and friends.
    Mode(Mode),
    /// cryptography `AESGCM(key)`.
    AesGcm(Vec<u8>),
    /// cryptography `padding.PKCS7(bits)` (block size in bytes).
    Pkcs7(usize),
    /// `padding.PKCS7(bits).unpadder()`.
    Unpadder(usize),
    /// pycryptodome `Counter.new(nbits, prefix=..., initial_value=...)`.
    Counter([u8; 16], u8),
    /// A hash object over the data so far.
    Hash(HashAlgo, Vec<u8>),
    /// `hmac.new(key, msg, digestmod)`.
    Hmac(HashAlgo, Vec<u8>, Vec<u8>),
    /// cryptography `hashes.SHA256()`.
    HashAlgo(HashAlgo),
    /// cryptography `PBKDF2HMAC(algorithm, length, salt, iterations)`.
    Kdf(HashAlgo, usize, Vec<u8>, u32),
    /// `itertools.cycle(items)` (only `zip` consumes it).
    Cycle(Vec<Value>),
    /// A method of a constant, not yet called (`getattr('', 'join')`).
    Method(Box<Value>, String),
}

impl Obj {
    pub(super) fn kind(&self) -> String {
        match self {
            Obj::Fernet(k) if k.len() > 1 => "MultiFernet".into(),
            Obj::Fernet(_) => "Fernet".into(),
            Obj::Cipher(a) => format!("{} cipher", a.mode.name().to_uppercase()),
            Obj::Decryptor(a) => format!("{} decryptor", a.mode.name().to_uppercase()),
            Obj::AesKey(_) => "AES key".into(),
            Obj::Mode(m) => format!("{} mode", m.name().to_uppercase()),
            Obj::AesGcm(_) => "AESGCM".into(),
            Obj::Pkcs7(_) => "PKCS7 padding".into(),
            Obj::Unpadder(_) => "PKCS7 unpadder".into(),
            Obj::Counter(..) => "CTR counter".into(),
            Obj::Hash(h, _) => format!("{} hash", h.name()),
            Obj::Hmac(h, ..) => format!("HMAC-{}", h.name()),
            Obj::HashAlgo(h) => format!("{} algorithm", h.name()),
            Obj::Kdf(..) => "PBKDF2HMAC".into(),
            Obj::Cycle(_) => "itertools.cycle".into(),
            Obj::Method(_, m) => format!("bound method {m}"),
        }
    }

    pub(super) fn size(&self) -> usize {
        16 + match self {
            Obj::Fernet(k) => k.len() * 32,
            Obj::Cipher(a) | Obj::Decryptor(a) => a.key.len() + a.mode.iv_len(),
            Obj::AesKey(k) | Obj::AesGcm(k) => k.len(),
            Obj::Mode(m) => m.iv_len(),
            Obj::Hash(_, d) => d.len(),
            Obj::Hmac(_, k, d) => k.len() + d.len(),
            Obj::Kdf(_, _, s, _) => s.len(),
            Obj::Cycle(v) => v.iter().map(Value::size).sum(),
            Obj::Method(v, m) => v.size() + m.len(),
            Obj::Pkcs7(_) | Obj::Unpadder(_) | Obj::Counter(..) | Obj::HashAlgo(_) => 0,
        }
    }
}

fn obj(o: Obj) -> Value {
    Value::Object(Box::new(Object(o)))
}

/// The canonical name of a crypto call, whatever the import style (`Crypto`/`Cryptodome`,
/// full cryptography paths, names imported bare).
fn canon(name: &str) -> Option<&'static str> {
    // Without allocating: this runs for every call name the evaluator meets.
    let name = name.strip_prefix("Cryptodome.").unwrap_or(name);
    let last2 = match name.rfind('.') {
        Some(i) => match name[..i].rfind('.') {
            Some(j) => &name[j + 1..],
            None => name,
        },
        None => name,
    };
    let last = name.rsplit('.').next()?;
    Some(match (last2, last) {
        (_, "Fernet")
            if matches!(
                name,
                "Fernet" | "fernet.Fernet" | "cryptography.fernet.Fernet"
            ) =>
        {
            "Fernet"
        }
        (_, "MultiFernet")
            if matches!(
                name,
                "MultiFernet" | "fernet.MultiFernet" | "cryptography.fernet.MultiFernet"
            ) =>
        {
            "MultiFernet"
        }
        ("AES.new", _) => "AES.new",
        ("Counter.new", _) => "Counter.new",
        ("Padding.unpad", _) | ("unpad", _) => "unpad",
        ("Padding.pad", _) | ("pad", _) => "pad",
        ("strxor.strxor", _) | ("strxor", _) => "strxor",
        ("strxor.strxor_c", _) | ("strxor_c", _) => "strxor_c",
        ("ciphers.Cipher", _) | ("Cipher", _) => "Cipher",
        ("algorithms.AES", _) | ("algorithms.AES128", _) | ("algorithms.AES256", _) => {
            "algorithms.AES"
        }
        ("modes.ECB", _) => "modes.ECB",
        ("modes.CBC", _) => "modes.CBC",
        ("modes.CTR", _) => "modes.CTR",
        ("modes.CFB", _) => "modes.CFB",
        ("modes.CFB8", _) => "modes.CFB8",
        ("modes.OFB", _) => "modes.OFB",
        ("modes.GCM", _) => "modes.GCM",
        ("aead.AESGCM", _) | ("AESGCM", _) => "AESGCM",
        ("padding.PKCS7", _) => "PKCS7",
        ("hashes.MD5", _) => "hashes.MD5",
        ("hashes.SHA1", _) => "hashes.SHA1",
        ("hashes.SHA224", _) => "hashes.SHA224",
        ("hashes.SHA256", _) => "hashes.SHA256",
        ("hashes.SHA384", _) => "hashes.SHA384",
        ("hashes.SHA512", _) => "hashes.SHA512",
        ("pbkdf2.PBKDF2HMAC", _) | ("PBKDF2HMAC", _) => "PBKDF2HMAC",
        ("KDF.PBKDF2", _) | ("PBKDF2", _) => "PBKDF2",
        ("hashlib.md5", _) => "hashlib.md5",
        ("hashlib.sha1", _) => "hashlib.sha1",
        ("hashlib.sha224", _) => "hashlib.sha224",
        ("hashlib.sha256", _) => "hashlib.sha256",
        ("hashlib.sha384", _) => "hashlib.sha384",
        ("hashlib.sha512", _) => "hashlib.sha512",
        ("hashlib.new", _) => "hashlib.new",
        ("hashlib.pbkdf2_hmac", _) => "hashlib.pbkdf2_hmac",
        ("MD5.new", _) => "hashlib.md5",
        ("SHA.new", _) | ("SHA1.new", _) => "hashlib.sha1",
        ("SHA224.new", _) => "hashlib.sha224",
        ("SHA256.new", _) => "hashlib.sha256",
        ("SHA384.new", _) => "hashlib.sha384",
        ("SHA512.new", _) => "hashlib.sha512",
        ("hmac.new", _) => "hmac.new",
        ("hmac.digest", _) => "hmac.digest",
        _ => return None,
    })
}

/// Whether `name` is a crypto call this module folds.
pub(super) fn handles(name: &str) -> bool {
    canon(name).is_some()
}

/// Constants of the crypto modules read as attributes (`AES.MODE_CBC`, `AES.block_size`).
pub(super) fn dotted_const(name: &str) -> Option<Value> {
    let owned;
    let name = match name.strip_prefix("Cryptodome.") {
        Some(r) => {
            owned = format!("Crypto.{r}");
            owned.as_str()
        }
        None => name,
    };
    let rest = name
        .strip_prefix("Crypto.Cipher.AES.")
        .or_else(|| name.strip_prefix("AES."))?;
    Some(Value::Int(match rest {
        "MODE_ECB" => 1,
        "MODE_CBC" => 2,
        "MODE_CFB" => 3,
        "MODE_OFB" => 5,
        "MODE_CTR" => 6,
        "MODE_OPENPGP" => 7,
        "MODE_CCM" => 8,
        "MODE_EAX" => 9,
        "MODE_SIV" => 10,
        "MODE_GCM" => 11,
        "MODE_OCB" => 12,
        "block_size" => 16,
        _ => return None,
    }))
}

/// An argument that is given and not `None`.
fn arg<'a>(args: &'a [Folded], kw: &'a [(&str, Folded)], i: usize, key: &str) -> Option<&'a Value> {
    super::arg_at(args, kw, i, key)
        .map(|f| &f.value)
        .filter(|v| !matches!(v, Value::None))
}

/// A keyword argument that is given and not `None`.
fn kwarg<'a>(kw: &'a [(&str, Folded)], key: &str) -> Option<&'a Value> {
    super::kw_arg(kw, key)
        .map(|f| &f.value)
        .filter(|v| !matches!(v, Value::None))
}

fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    v.bytes_ref().map(<[u8]>::to_vec)
}

fn object_of(v: &Value) -> Option<&Obj> {
    match v {
        Value::Object(o) => Some(&o.0),
        _ => None,
    }
}

fn aes_key(key: Vec<u8>) -> Option<Vec<u8>> {
    matches!(key.len(), 16 | 24 | 32).then_some(key)
}

fn fernet_key(v: &Value) -> Option<([u8; 16], [u8; 16])> {
    let raw = codecs::b64(v.bytes_ref()?, true)?;
    if raw.len() != 32 {
        return None;
    }
    let mut sign = [0u8; 16];
    let mut enc = [0u8; 16];
    sign.copy_from_slice(&raw[..16]);
    enc.copy_from_slice(&raw[16..]);
    Some((sign, enc))
}

/// The counter block of pycryptodome's CTR mode: `nonce || initial_value`, the counter being
/// the `16 - len(nonce)` bytes after the nonce.
fn ctr_block(nonce: &[u8], initial: &Value) -> Option<([u8; 16], u8)> {
    let width = 16usize.checked_sub(nonce.len())?;
    if !matches!(width, 4 | 8 | 16) {
        return None;
    }
    let mut block = [0u8; 16];
    block[..nonce.len()].copy_from_slice(nonce);
    match initial {
        Value::Int(i) => {
            let i = u64::try_from(*i).ok()?;
            let be = i.to_be_bytes();
            let n = width.min(8);
            if width < 8 && be[..8 - width].iter().any(|b| *b != 0) {
                return None;
            }
            block[16 - n..].copy_from_slice(&be[8 - n..]);
        }
        Value::Bytes(b) if b.len() == width => block[nonce.len()..].copy_from_slice(b),
        _ => return None,
    }
    Some((block, width as u8))
}

/// Fold a crypto call on constant arguments.
pub(super) fn call(
    name: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let base = Folded::flags_of_call(None, args, kw);
    let out = |v: Value| -> Option<Folded> {
        b.fits(v.size())?;
        base.map(v)
    };
    let a = |i: usize, key: &str| arg(args, kw, i, key);
    match canon(name)? {
        "Fernet" => out(obj(Obj::Fernet(vec![fernet_key(a(0, "key")?)?]))),
        "MultiFernet" => {
            let Value::List(items) = a(0, "fernets")? else {
                return None;
            };
            let mut keys = Vec::new();
            for f in items {
                let Obj::Fernet(k) = object_of(f)? else {
                    return None;
                };
                keys.extend_from_slice(k);
            }
            (!keys.is_empty()).then(|| out(obj(Obj::Fernet(keys))))?
        }
        "AES.new" => {
            let key = aes_key(bytes_of(a(0, "key")?)?)?;
            let mode = a(1, "mode")?.as_int()?;
            let iv = || -> Option<Vec<u8>> {
                let v = arg(args, kw, 2, "iv").or_else(|| kwarg(kw, "IV"))?;
                bytes_of(v).filter(|v| v.len() == 16)
            };
            let mode = match mode {
                1 => Mode::Ecb,
                2 => Mode::Cbc(iv()?),
                3 => match kwarg(kw, "segment_size").map(Value::as_int) {
                    None | Some(Some(8)) => Mode::Cfb8(iv()?),
                    Some(Some(128)) => Mode::Cfb128(iv()?),
                    _ => return None,
                },
                5 => Mode::Ofb(iv()?),
                6 => {
                    if let Some(c) = kwarg(kw, "counter") {
                        let Obj::Counter(block, width) = object_of(c)? else {
                            return None;
                        };
                        Mode::Ctr(*block, *width)
                    } else {
                        let nonce = bytes_of(arg(args, kw, 2, "nonce")?)?;
                        let init = kwarg(kw, "initial_value").cloned().unwrap_or(Value::Int(0));
                        let (block, width) = ctr_block(&nonce, &init)?;
                        Mode::Ctr(block, width)
                    }
                }
                11 => {
                    let nonce = bytes_of(arg(args, kw, 2, "nonce")?)?;
                    (nonce.len() == 12).then_some(Mode::Gcm(nonce))?
                }
                _ => return None,
            };
            out(obj(Obj::Cipher(Aes { key, mode })))
        }
        "Counter.new" => {
            let bits = a(0, "nbits")?.as_int()?;
            if kwarg(kw, "little_endian").is_some_and(truthy)
                || kwarg(kw, "suffix").is_some_and(|s| s.bytes_ref().is_none_or(|s| !s.is_empty()))
            {
                return None;
            }
            let prefix = match kwarg(kw, "prefix") {
                Some(p) => bytes_of(p)?,
                None => Vec::new(),
            };
            let init = kwarg(kw, "initial_value").cloned().unwrap_or(Value::Int(1));
            let width = usize::try_from(bits / 8).ok()?;
            if bits % 8 != 0 || prefix.len() + width != 16 {
                return None;
            }
            let (block, w) = ctr_block(&prefix, &init)?;
            out(obj(Obj::Counter(block, w)))
        }
        "unpad" | "pad" => {
            let data = a(0, "padded_data")
                .or_else(|| a(0, "data_to_pad"))?
                .bytes_ref()?;
            let bs = usize::try_from(a(1, "block_size")?.as_int()?).ok()?;
            let style = match a(2, "style") {
                Some(s) => s.text()?,
                None => "pkcs7".into(),
            };
            let v = if canon(name)? == "unpad" {
                unpad(data, bs, &style)?
            } else {
                pad(data, bs, &style)?
            };
            out(Value::Bytes(v))
        }
        "strxor" => {
            let (x, y) = (a(0, "term1")?.bytes_ref()?, a(1, "term2")?.bytes_ref()?);
            if x.len() != y.len() {
                return None;
            }
            Some(out(Value::Bytes(x.iter().zip(y).map(|(p, q)| p ^ q).collect()))?.obf("xor"))
        }
        "strxor_c" => {
            let x = a(0, "term")?.bytes_ref()?;
            let c = u8::try_from(a(1, "c")?.as_int()?).ok()?;
            Some(out(Value::Bytes(x.iter().map(|p| p ^ c).collect()))?.obf("xor"))
        }
        "Cipher" => {
            let Obj::AesKey(key) = object_of(a(0, "algorithm")?)? else {
                return None;
            };
            let Obj::Mode(mode) = object_of(a(1, "mode")?)? else {
                return None;
            };
            out(obj(Obj::Cipher(Aes {
                key: key.clone(),
                mode: mode.clone(),
            })))
        }
        "algorithms.AES" => out(obj(Obj::AesKey(aes_key(bytes_of(a(0, "key")?)?)?))),
        "modes.ECB" => out(obj(Obj::Mode(Mode::Ecb))),
        m @ ("modes.CBC" | "modes.CFB" | "modes.CFB8" | "modes.OFB") => {
            let iv = bytes_of(a(0, "initialization_vector")?)?;
            if iv.len() != 16 {
                return None;
            }
            out(obj(Obj::Mode(match m {
                "modes.CBC" => Mode::Cbc(iv),
                "modes.CFB" => Mode::Cfb128(iv),
                "modes.CFB8" => Mode::Cfb8(iv),
                _ => Mode::Ofb(iv),
            })))
        }
        "modes.CTR" => {
            let nonce = bytes_of(a(0, "nonce")?)?;
            let block: [u8; 16] = nonce.try_into().ok()?;
            out(obj(Obj::Mode(Mode::Ctr(block, 16))))
        }
        "modes.GCM" => {
            let iv = bytes_of(a(0, "initialization_vector")?)?;
            (iv.len() == 12).then(|| out(obj(Obj::Mode(Mode::Gcm(iv)))))?
        }
        "AESGCM" => out(obj(Obj::AesGcm(aes_key(bytes_of(a(0, "key")?)?)?))),
        "PKCS7" => {
            let bits = a(0, "block_size")?.as_int()?;
            if bits <= 0 || bits % 8 != 0 || bits > 2040 {
                return None;
            }
            out(obj(Obj::Pkcs7((bits / 8) as usize)))
        }
        h if h.starts_with("hashes.") => out(obj(Obj::HashAlgo(HashAlgo::by_name(&h[7..])?))),
        h if h.starts_with("hashlib.") && h != "hashlib.new" && h != "hashlib.pbkdf2_hmac" => {
            let algo = HashAlgo::by_name(&h[8..])?;
            let data = match a(0, "data").or_else(|| a(0, "string")) {
                Some(v) => bytes_of(v)?,
                None => Vec::new(),
            };
            out(obj(Obj::Hash(algo, data)))
        }
        "hashlib.new" => {
            let algo = HashAlgo::by_name(&a(0, "name")?.text()?)?;
            let data = match a(1, "data") {
                Some(v) => bytes_of(v)?,
                None => Vec::new(),
            };
            out(obj(Obj::Hash(algo, data)))
        }
        "hmac.new" | "hmac.digest" => {
            let key = bytes_of(a(0, "key")?)?;
            let msg = match a(1, "msg") {
                Some(v) => bytes_of(v)?,
                None => Vec::new(),
            };
            let algo = digestmod(a(2, "digestmod").or_else(|| a(2, "digest"))?)?;
            if canon(name)? == "hmac.digest" {
                b.charge(msg.len())?;
                return out(Value::Bytes(algo.hmac(&key, &msg)));
            }
            out(obj(Obj::Hmac(algo, key, msg)))
        }
        "hashlib.pbkdf2_hmac" => {
            let algo = HashAlgo::by_name(&a(0, "hash_name")?.text()?)?;
            let pw = a(1, "password")?.bytes_ref()?;
            let salt = a(2, "salt")?.bytes_ref()?;
            let rounds = a(3, "iterations")?.as_int()?;
            let len = match a(4, "dklen") {
                Some(v) => v.as_int()?,
                None => algo.output_len() as i64,
            };
            let v = derive(algo, pw, salt, rounds, len, b)?;
            out(Value::Bytes(v))
        }
        "PBKDF2HMAC" => {
            let Obj::HashAlgo(algo) = object_of(a(0, "algorithm")?)? else {
                return None;
            };
            let len = usize::try_from(a(1, "length")?.as_int()?).ok()?;
            let salt = bytes_of(a(2, "salt")?)?;
            let iterations = u32::try_from(a(3, "iterations")?.as_int()?).ok()?;
            out(obj(Obj::Kdf(*algo, len, salt, iterations)))
        }
        "PBKDF2" => {
            // pycryptodome: PBKDF2(password, salt, dkLen=16, count=1000, prf=None,
            // hmac_hash_module=None), HMAC-SHA1 by default.
            let pw = a(0, "password")?.bytes_ref()?;
            let salt = a(1, "salt")?.bytes_ref()?;
            let len = a(2, "dkLen").map(Value::as_int).unwrap_or(Some(16))?;
            let rounds = a(3, "count").map(Value::as_int).unwrap_or(Some(1000))?;
            if a(4, "prf").is_some() {
                return None;
            }
            let algo = match a(5, "hmac_hash_module") {
                Some(m) => digestmod(m)?,
                None => HashAlgo::Sha1,
            };
            out(Value::Bytes(derive(algo, pw, salt, rounds, len, b)?))
        }
        _ => None,
    }
}

/// A digest named as hashlib/pycryptodome/cryptography code names it.
fn digestmod(v: &Value) -> Option<HashAlgo> {
    match v {
        Value::Str(s) => HashAlgo::by_name(s),
        Value::Name(n) => {
            let last = n.trim_end_matches(".new").rsplit('.').next()?;
            HashAlgo::by_name(last)
        }
        Value::Object(o) => match &o.0 {
            Obj::HashAlgo(h) => Some(*h),
            _ => None,
        },
        _ => None,
    }
}

/// PBKDF2-HMAC, paid for from the budget's key-derivation allowance.
fn derive(
    algo: HashAlgo,
    pw: &[u8],
    salt: &[u8],
    rounds: i64,
    len: i64,
    b: &Budget,
) -> Option<Vec<u8>> {
    let rounds = u32::try_from(rounds).ok().filter(|r| *r > 0)?;
    let len = usize::try_from(len)
        .ok()
        .filter(|l| (1..=1024).contains(l))?;
    let blocks = len.div_ceil(algo.output_len()) as u64;
    b.charge_kdf(u64::from(rounds) * blocks)?;
    let mut out = vec![0u8; len];
    algo.pbkdf2(pw, salt, rounds, &mut out);
    Some(out)
}

/// Strip block padding the way `Crypto.Util.Padding.unpad` does.
pub(super) fn unpad(data: &[u8], bs: usize, style: &str) -> Option<Vec<u8>> {
    if bs == 0 || data.is_empty() || !data.len().is_multiple_of(bs) {
        return None;
    }
    let n = match style {
        "pkcs7" | "x923" => {
            let n = *data.last()? as usize;
            if n == 0 || n > bs || n > data.len() {
                return None;
            }
            let pad = &data[data.len() - n..data.len() - 1];
            let ok = if style == "pkcs7" {
                pad.iter().all(|b| *b as usize == n)
            } else {
                pad.iter().all(|b| *b == 0)
            };
            ok.then_some(n)?
        }
        "iso7816" => {
            let p = data.iter().rposition(|b| *b != 0)?;
            if data[p] != 0x80 || data.len() - p > bs {
                return None;
            }
            data.len() - p
        }
        _ => return None,
    };
    Some(data[..data.len() - n].to_vec())
}

fn pad(data: &[u8], bs: usize, style: &str) -> Option<Vec<u8>> {
    if bs == 0 || bs > 255 {
        return None;
    }
    let n = bs - data.len() % bs;
    let mut v = data.to_vec();
    match style {
        "pkcs7" => v.extend(std::iter::repeat_n(n as u8, n)),
        "x923" => {
            v.extend(std::iter::repeat_n(0, n - 1));
            v.push(n as u8);
        }
        "iso7816" => {
            v.push(0x80);
            v.extend(std::iter::repeat_n(0, n - 1));
        }
        _ => return None,
    }
    Some(v)
}

macro_rules! with_aes {
    ($key:expr, $c:ident => $body:expr) => {
        match $key.len() {
            16 => {
                type $c = aes::Aes128;
                $body
            }
            24 => {
                type $c = aes::Aes192;
                $body
            }
            32 => {
                type $c = aes::Aes256;
                $body
            }
            _ => None,
        }
    };
}

/// Decrypt `data` with an AES key and mode (padding left in place, as the libraries do).
pub(super) fn aes_decrypt(a: &Aes, data: &[u8]) -> Option<Vec<u8>> {
    let key = a.key.as_slice();
    let mut buf = data.to_vec();
    match &a.mode {
        Mode::Ecb => with_aes!(key, C => {
            if !buf.len().is_multiple_of(16) {
                return None;
            }
            let c = C::new_from_slice(key).ok()?;
            for block in buf.chunks_exact_mut(16) {
                c.decrypt_block(GenericArray::from_mut_slice(block));
            }
            Some(buf)
        }),
        Mode::Cbc(iv) => with_aes!(key, C => {
            if !buf.len().is_multiple_of(16) {
                return None;
            }
            cbc::Decryptor::<C>::new_from_slices(key, iv)
                .ok()?
                .decrypt_padded_mut::<NoPadding>(&mut buf)
                .ok()?;
            Some(buf)
        }),
        Mode::Cfb8(iv) => with_aes!(key, C => {
            cfb8::Decryptor::<C>::new_from_slices(key, iv).ok()?.decrypt(&mut buf);
            Some(buf)
        }),
        Mode::Cfb128(iv) => with_aes!(key, C => {
            cfb_mode::Decryptor::<C>::new_from_slices(key, iv).ok()?.decrypt(&mut buf);
            Some(buf)
        }),
        Mode::Ofb(iv) => with_aes!(key, C => {
            ofb::Ofb::<C>::new_from_slices(key, iv).ok()?.apply_keystream(&mut buf);
            Some(buf)
        }),
        Mode::Ctr(block, width) => with_aes!(key, C => {
            match width {
                16 => ctr::Ctr128BE::<C>::new_from_slices(key, block).ok()?.apply_keystream(&mut buf),
                8 => ctr::Ctr64BE::<C>::new_from_slices(key, block).ok()?.apply_keystream(&mut buf),
                4 => ctr::Ctr32BE::<C>::new_from_slices(key, block).ok()?.apply_keystream(&mut buf),
                _ => return None,
            }
            Some(buf)
        }),
        Mode::Gcm(nonce) => with_aes!(key, C => {
            // GCM encrypts with CTR from inc32(J0), J0 = nonce || 1 for a 96-bit nonce.
            let mut j = [0u8; 16];
            j[..12].copy_from_slice(nonce);
            j[15] = 2;
            ctr::Ctr32BE::<C>::new_from_slices(key, &j).ok()?.apply_keystream(&mut buf);
            Some(buf)
        }),
    }
}

/// `Fernet.decrypt`: check the HMAC with each key, decrypt AES-128-CBC, strip PKCS7.
pub(super) fn fernet_decrypt(keys: &[([u8; 16], [u8; 16])], token: &[u8]) -> Option<Vec<u8>> {
    let raw = codecs::b64(token, true)?;
    if raw.len() < 1 + 8 + 16 + 16 + 32 || raw[0] != 0x80 || (raw.len() - 57) % 16 != 0 {
        return None;
    }
    let (signed, tag) = raw.split_at(raw.len() - 32);
    let iv = &signed[9..25];
    let ct = &signed[25..];
    for (sign, enc) in keys {
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(sign).ok()?;
        mac.update(signed);
        if mac.verify_slice(tag).is_err() {
            continue;
        }
        let padded = aes_decrypt(
            &Aes {
                key: enc.to_vec(),
                mode: Mode::Cbc(iv.to_vec()),
            },
            ct,
        )?;
        return unpad(&padded, 16, "pkcs7");
    }
    None
}

/// Call `method` on a crypto object.
pub(super) fn method(
    recv: &Folded,
    o: &Obj,
    method: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let first = args.first().or_else(|| kw.first().map(|(_, v)| v));
    let base = Folded::flags_of_call(Some(recv), args, kw);
    let out = |v: Value| -> Option<Folded> {
        b.fits(v.size())?;
        base.map(v)
    };
    // A decryption is one decoding layer over the ciphertext.
    let decrypted = |v: Vec<u8>, via: &'static str| -> Option<Folded> {
        b.charge(v.len())?;
        let mut f = Folded::decoded(Value::Bytes(v), via, first?)?;
        f.absorb(recv);
        f.via = Some(via);
        Some(f)
    };
    match (o, method) {
        (Obj::Fernet(keys), "decrypt" | "decrypt_at_time") => {
            let token = first?.value.bytes_ref()?;
            b.charge(token.len())?;
            decrypted(fernet_decrypt(keys, token)?, "fernet")
        }
        (Obj::Cipher(a), "decrypt" | "decrypt_and_verify") | (Obj::Decryptor(a), "update") => {
            let ct = first?.value.bytes_ref()?;
            b.charge(ct.len())?;
            decrypted(aes_decrypt(a, ct)?, a.mode.name())
        }
        (Obj::Cipher(a), "decryptor") => out(obj(Obj::Decryptor(a.clone()))),
        (Obj::Decryptor(_) | Obj::Unpadder(_), "finalize") => out(Value::Bytes(Vec::new())),
        (Obj::Pkcs7(bs), "unpadder") => out(obj(Obj::Unpadder(*bs))),
        (Obj::Unpadder(bs), "update") => {
            let data = first?.value.bytes_ref()?;
            let mut f = out(Value::Bytes(unpad(data, *bs, "pkcs7")?))?;
            f.absorb(first?);
            Some(f)
        }
        (Obj::AesGcm(key), "decrypt") => {
            let nonce = bytes_of(&args.first()?.value)?;
            let data = args.get(1)?.value.bytes_ref()?;
            if nonce.len() != 12 || data.len() < 16 {
                return None;
            }
            b.charge(data.len())?;
            let a = Aes {
                key: key.clone(),
                mode: Mode::Gcm(nonce),
            };
            let v = aes_decrypt(&a, &data[..data.len() - 16])?;
            let mut f = Folded::decoded(Value::Bytes(v), "aes-gcm", args.get(1)?)?;
            f.absorb(recv);
            f.via = Some("aes-gcm");
            Some(f)
        }
        (Obj::Hash(h, data), "digest" | "hexdigest") => {
            b.charge(data.len())?;
            let d = h.digest(data);
            out(if method == "digest" {
                Value::Bytes(d)
            } else {
                Value::Str(hex::encode(d))
            })
        }
        (Obj::Hmac(h, key, data), "digest" | "hexdigest") => {
            b.charge(data.len())?;
            let d = h.hmac(key, data);
            out(if method == "digest" {
                Value::Bytes(d)
            } else {
                Value::Str(hex::encode(d))
            })
        }
        (Obj::Hash(..) | Obj::Hmac(..), "copy") => out(recv.value.clone()),
        (Obj::Kdf(h, len, salt, rounds), "derive") => {
            let pw = first?.value.bytes_ref()?;
            out(Value::Bytes(derive(
                *h,
                pw,
                salt,
                i64::from(*rounds),
                *len as i64,
                b,
            )?))
        }
        _ => None,
    }
}

/// Non-method attributes of crypto objects (`cipher.iv`, `h.digest_size`).
pub(super) fn attr(o: &Obj, name: &str) -> Option<Value> {
    match (o, name) {
        (Obj::Cipher(a), "iv" | "IV") => match &a.mode {
            Mode::Cbc(v) | Mode::Cfb8(v) | Mode::Cfb128(v) | Mode::Ofb(v) => {
                Some(Value::Bytes(v.clone()))
            }
            _ => None,
        },
        (Obj::Cipher(a), "nonce") => match &a.mode {
            Mode::Gcm(v) => Some(Value::Bytes(v.clone())),
            Mode::Ctr(block, width) => Some(Value::Bytes(block[..16 - *width as usize].to_vec())),
            _ => None,
        },
        (Obj::Cipher(_), "block_size") => Some(Value::Int(16)),
        (Obj::Hash(h, _), "digest_size") => Some(Value::Int(h.output_len() as i64)),
        (Obj::Hash(h, _), "name") => Some(Value::Str(h.name().into())),
        _ => None,
    }
}

/// `h.update(data)` as a statement: the only mutation of a crypto object that is modelled.
pub(super) fn update_in_place(o: &mut Obj, data: &[u8]) -> Option<()> {
    match o {
        Obj::Hash(_, d) | Obj::Hmac(_, _, d) => {
            if d.len() + data.len() > super::MAX_VALUE {
                return None;
            }
            d.extend_from_slice(data);
            Some(())
        }
        _ => None,
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use aes::cipher::{block_padding::Pkcs7, BlockEncryptMut};

    /// Build a Fernet token the way `cryptography` does (for tests: fixed IV and time).
    pub(crate) fn fernet_token(key_b64: &str, plaintext: &[u8], iv: [u8; 16]) -> String {
        let raw = codecs::b64(key_b64.as_bytes(), true).unwrap();
        let (sign, enc) = raw.split_at(16);
        let mut buf = plaintext.to_vec();
        let n = buf.len();
        buf.resize(n + 16 - n % 16, 0);
        let ct = cbc::Encryptor::<aes::Aes128>::new_from_slices(enc, &iv)
            .unwrap()
            .encrypt_padded_mut::<Pkcs7>(&mut buf, n)
            .unwrap()
            .to_vec();
        let mut data = vec![0x80];
        data.extend_from_slice(&1_700_000_000u64.to_be_bytes());
        data.extend_from_slice(&iv);
        data.extend_from_slice(&ct);
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(sign).unwrap();
        mac.update(&data);
        data.extend_from_slice(&mac.finalize().into_bytes());
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE, data)
    }

    /// AES-CBC encryption with PKCS7 padding (for tests).
    pub(crate) fn aes_cbc_encrypt(key: &[u8], iv: &[u8], pt: &[u8]) -> Vec<u8> {
        let mut buf = pt.to_vec();
        let n = buf.len();
        buf.resize(n + 16 - n % 16, 0);
        with_aes!(key, C => Some(
            cbc::Encryptor::<C>::new_from_slices(key, iv)
                .unwrap()
                .encrypt_padded_mut::<Pkcs7>(&mut buf, n)
                .unwrap()
                .to_vec()
        ))
        .unwrap()
    }

    /// AES-ECB encryption with PKCS7 padding (for tests).
    pub(crate) fn aes_ecb_encrypt(key: &[u8], pt: &[u8]) -> Vec<u8> {
        use aes::cipher::BlockEncrypt;
        let padded = pad(pt, 16, "pkcs7").unwrap();
        let mut buf = padded;
        with_aes!(key, C => {
            let c = C::new_from_slice(key).unwrap();
            for block in buf.chunks_exact_mut(16) {
                c.encrypt_block(GenericArray::from_mut_slice(block));
            }
            Some(())
        })
        .unwrap();
        buf
    }

    pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
        HashAlgo::Sha256.digest(data)
    }

    pub(crate) const KEY: &str = "dGhpcyBpcyBhIHRlc3Qga2V5IG9mIDMyIGJ5dGVzISE=";

    #[test]
    fn fernet_round_trip_and_hmac_check() {
        let token = fernet_token(KEY, b"print('inert')", [7; 16]);
        let keys = vec![fernet_key(&Value::Str(KEY.into())).unwrap()];
        assert_eq!(
            fernet_decrypt(&keys, token.as_bytes()).unwrap(),
            b"print('inert')"
        );
        // Any flipped byte fails the HMAC.
        let mut raw = codecs::b64(token.as_bytes(), true).unwrap();
        raw[30] ^= 1;
        let bad = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE, raw);
        assert!(fernet_decrypt(&keys, bad.as_bytes()).is_none());
        // Wrong key.
        let other = fernet_key(&Value::Str(
            "b3RoZXIga2V5IG9mIGV4YWN0bHkgMzIgYnl0ZXMhISE=".into(),
        ))
        .unwrap();
        assert!(fernet_decrypt(&[other], token.as_bytes()).is_none());
        assert!(fernet_decrypt(&[other, keys[0]], token.as_bytes()).is_some());
        assert!(fernet_key(&Value::Str("c2hvcnQ=".into())).is_none());
    }

    #[test]
    fn aes_modes_round_trip() {
        let key = b"0123456789abcdef0123456789abcdef";
        let iv = [3u8; 16];
        let pt = b"print('inert') # some more text to span blocks";
        for k in [&key[..16], &key[..24], &key[..]] {
            let ct = aes_cbc_encrypt(k, &iv, pt);
            let a = Aes {
                key: k.to_vec(),
                mode: Mode::Cbc(iv.to_vec()),
            };
            assert_eq!(
                unpad(&aes_decrypt(&a, &ct).unwrap(), 16, "pkcs7").unwrap(),
                pt
            );
            let ct = aes_ecb_encrypt(k, pt);
            let a = Aes {
                key: k.to_vec(),
                mode: Mode::Ecb,
            };
            assert_eq!(
                unpad(&aes_decrypt(&a, &ct).unwrap(), 16, "pkcs7").unwrap(),
                pt
            );
        }
        // Stream modes are their own inverse through the keystream: encrypt with the crate,
        // decrypt through ours.
        let mut ct = pt.to_vec();
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(b"nonce8by");
        ctr::Ctr64BE::<aes::Aes128>::new_from_slices(&key[..16], &block)
            .unwrap()
            .apply_keystream(&mut ct);
        let a = Aes {
            key: key[..16].to_vec(),
            mode: Mode::Ctr(block, 8),
        };
        assert_eq!(aes_decrypt(&a, &ct).unwrap(), pt);
        let mut ct = pt.to_vec();
        cfb8::Encryptor::<aes::Aes128>::new_from_slices(&key[..16], &iv)
            .unwrap()
            .encrypt(&mut ct);
        let a = Aes {
            key: key[..16].to_vec(),
            mode: Mode::Cfb8(iv.to_vec()),
        };
        assert_eq!(aes_decrypt(&a, &ct).unwrap(), pt);
        let mut ct = pt.to_vec();
        cfb_mode::Encryptor::<aes::Aes128>::new_from_slices(&key[..16], &iv)
            .unwrap()
            .encrypt(&mut ct);
        let a = Aes {
            key: key[..16].to_vec(),
            mode: Mode::Cfb128(iv.to_vec()),
        };
        assert_eq!(aes_decrypt(&a, &ct).unwrap(), pt);
        let a = Aes {
            key: key[..16].to_vec(),
            mode: Mode::Cbc(iv.to_vec()),
        };
        assert!(
            aes_decrypt(&a, &pt[..5]).is_none(),
            "CBC needs whole blocks"
        );
    }

    #[test]
    fn gcm_matches_nist_vector() {
        // NIST GCM test case 3 (AES-128, 96-bit IV).
        let key = hex::decode("feffe9928665731c6d6a8f9467308308").unwrap();
        let iv = hex::decode("cafebabefacedbaddecaf888").unwrap();
        let pt = hex::decode("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255").unwrap();
        let ct = hex::decode("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985").unwrap();
        let a = Aes {
            key,
            mode: Mode::Gcm(iv),
        };
        assert_eq!(aes_decrypt(&a, &ct).unwrap(), pt);
    }

    #[test]
    fn padding_styles() {
        for style in ["pkcs7", "x923", "iso7816"] {
            let p = pad(b"abc", 8, style).unwrap();
            assert_eq!(p.len(), 8);
            assert_eq!(unpad(&p, 8, style).unwrap(), b"abc", "{style}");
        }
        assert!(unpad(b"abc\x05", 4, "pkcs7").is_none());
        assert!(unpad(b"abcd\x00\x00\x00\x00", 8, "pkcs7").is_none());
    }

    #[test]
    fn hashes_and_kdf() {
        assert_eq!(
            hex::encode(HashAlgo::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex::encode(HashAlgo::Md5.digest(b"")),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        // RFC 6070 PBKDF2-HMAC-SHA1, c = 2.
        let b = Budget::per_file();
        let dk = derive(HashAlgo::Sha1, b"password", b"salt", 2, 20, &b).unwrap();
        assert_eq!(hex::encode(dk), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
        // Refused on a per-expression budget, and reported.
        let b = Budget::per_expr();
        assert!(derive(HashAlgo::Sha1, b"password", b"salt", 2, 20, &b).is_none());
        assert_eq!(b.hit(), Some(super::super::Bound::Kdf));
        let b = Budget::new(1 << 20, 1000);
        assert!(derive(HashAlgo::Sha256, b"p", b"s", 100_000, 32, &b).is_none());
    }

    #[test]
    fn canonical_names() {
        assert_eq!(canon("cryptography.fernet.Fernet"), Some("Fernet"));
        assert_eq!(canon("Cryptodome.Cipher.AES.new"), Some("AES.new"));
        assert_eq!(canon("Crypto.Cipher.AES.new"), Some("AES.new"));
        assert_eq!(
            canon("cryptography.hazmat.primitives.ciphers.modes.CBC"),
            Some("modes.CBC")
        );
        assert_eq!(
            canon("cryptography.hazmat.primitives.ciphers.algorithms.AES"),
            Some("algorithms.AES")
        );
        assert_eq!(canon("Crypto.Util.Padding.unpad"), Some("unpad"));
        assert_eq!(canon("myapp.Fernet"), None);
        assert_eq!(canon("os.system"), None);
        assert_eq!(
            dotted_const("Crypto.Cipher.AES.MODE_CBC"),
            Some(Value::Int(2))
        );
        assert_eq!(
            dotted_const("Cryptodome.Cipher.AES.MODE_GCM"),
            Some(Value::Int(11))
        );
    }
}
