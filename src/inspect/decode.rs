//! Static decoding: evaluate constant string expressions without running anything.
//!
//! Malware hides URLs, commands and whole payloads behind base64, hex, zlib, rot13, `chr()`
//! lists, reversed strings and concatenation. This module folds such expressions into their
//! value (bounded in depth and size) so rules can look at what the code would really use, and
//! so a finding can show it ("decoded: https://..."). It also recognises long encoded blobs in
//! plain literals.

use super::fxhash::FxHashMap as HashMap;
use std::io::Read;

use base64::Engine;
use ruff_python_ast::{self as ast, Expr, Number};

/// Most nested decoding layers folded (base64 of zlib of base64 ...).
pub const MAX_LAYERS: u8 = 5;
/// Largest value (bytes) produced by folding; bigger results are dropped.
pub const MAX_VALUE: usize = 1 << 20;
/// Recursion bound on expression depth.
const MAX_DEPTH: u32 = 40;
/// Longest attribute/call chain resolved to a dotted name; longer chains stay unnamed (no real
/// code has them, and resolving them costs time quadratic in their length).
pub const MAX_NAME_LINKS: usize = 64;

/// A statically known value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    List(Vec<Value>),
}

impl Value {
    /// Text view of a string or bytes value (bytes decoded leniently).
    pub fn text(&self) -> Option<String> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
            _ => None,
        }
    }

    fn size(&self) -> usize {
        match self {
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::Int(_) => 8,
            Value::List(v) => v.iter().map(Value::size).sum::<usize>() + v.len(),
        }
    }

    fn as_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Str(s) => Some(s.as_bytes().to_vec()),
            Value::Bytes(b) => Some(b.clone()),
            _ => None,
        }
    }
}

/// The result of folding an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Folded {
    pub value: Value,
    /// Whether an obfuscating transform (decoding, `chr`, reversal, rot13) was applied.
    pub obfuscated: bool,
    /// The outermost decoding applied, e.g. `base64`.
    pub via: Option<&'static str>,
    layers: u8,
}

impl Folded {
    fn plain(value: Value) -> Self {
        Self {
            value,
            obfuscated: false,
            via: None,
            layers: 0,
        }
    }
    fn decoded(value: Value, via: &'static str, inner: &Folded) -> Option<Self> {
        if value.size() > MAX_VALUE || inner.layers >= MAX_LAYERS {
            return None;
        }
        Some(Self {
            value,
            obfuscated: true,
            via: Some(via),
            layers: inner.layers + 1,
        })
    }
    fn map(&self, value: Value) -> Option<Self> {
        if value.size() > MAX_VALUE {
            return None;
        }
        Some(Self {
            value,
            obfuscated: self.obfuscated,
            via: self.via,
            layers: self.layers,
        })
    }
}

/// What the folder needs from the surrounding file.
pub struct Env<'a> {
    /// Local alias -> fully qualified module/name (`b64` -> `base64`).
    pub aliases: &'a HashMap<String, String>,
    /// Names assigned a constant exactly once so far.
    pub consts: &'a HashMap<String, Folded>,
    /// A comprehension variable bound while folding `chr(x) for x in [...]`.
    pub binding: Option<(&'a str, &'a Folded)>,
}

impl Env<'_> {
    /// Resolve a name or attribute chain to its dotted, import-resolved name.
    pub fn dotted(&self, expr: &Expr) -> Option<String> {
        dotted_name(expr, self.aliases)
    }

    /// Fold an expression into a constant, if it is one.
    pub fn fold(&self, expr: &Expr) -> Option<Folded> {
        self.fold_at(expr, 0)
    }

    /// Fold a call expression (without cloning it into an `Expr`).
    pub fn fold_call_expr(&self, call: &ast::ExprCall) -> Option<Folded> {
        self.fold_call(call, 1)
    }

    fn fold_at(&self, expr: &Expr, depth: u32) -> Option<Folded> {
        if depth > MAX_DEPTH {
            return None;
        }
        let d = depth + 1;
        match expr {
            Expr::StringLiteral(s) => Some(Folded::plain(Value::Str(s.value.to_str().to_string()))),
            Expr::BytesLiteral(b) => Some(Folded::plain(Value::Bytes(b.value.bytes().collect()))),
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => i.as_i64().map(|v| Folded::plain(Value::Int(v))),
                _ => None,
            },
            Expr::FString(f) => {
                let mut out = String::new();
                for part in &f.value {
                    match part {
                        ast::FStringPart::Literal(l) => out.push_str(&l.value),
                        ast::FStringPart::FString(fs) => {
                            for el in &fs.elements {
                                match el {
                                    ast::InterpolatedStringElement::Literal(l) => {
                                        out.push_str(&l.value)
                                    }
                                    ast::InterpolatedStringElement::Interpolation(_) => {
                                        return None
                                    }
                                }
                            }
                        }
                    }
                }
                Some(Folded::plain(Value::Str(out)))
            }
            Expr::Name(n) => match self.binding {
                Some((name, value)) if name == n.id.as_str() => Some(value.clone()),
                _ => self.consts.get(n.id.as_str()).cloned(),
            },
            Expr::UnaryOp(u) if u.op == ast::UnaryOp::USub => {
                match self.fold_at(&u.operand, d)?.value {
                    Value::Int(i) => Some(Folded::plain(Value::Int(i.checked_neg()?))),
                    _ => None,
                }
            }
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                self.fold_list(elts, d)
            }
            Expr::BinOp(b) => self.fold_binop(b, d),
            Expr::Subscript(s) => self.fold_subscript(s, d),
            Expr::Call(c) => self.fold_call(c, d),
            _ => None,
        }
    }

    fn fold_list(&self, elts: &[Expr], d: u32) -> Option<Folded> {
        if elts.len() > 200_000 {
            return None;
        }
        let mut obf = false;
        let mut out = Vec::with_capacity(elts.len());
        let mut size = 0;
        for e in elts {
            let f = self.fold_at(e, d)?;
            obf |= f.obfuscated;
            size += f.value.size();
            if size > MAX_VALUE {
                return None;
            }
            out.push(f.value);
        }
        let mut f = Folded::plain(Value::List(out));
        f.obfuscated = obf;
        Some(f)
    }

    fn fold_binop(&self, b: &ast::ExprBinOp, d: u32) -> Option<Folded> {
        let l = self.fold_at(&b.left, d)?;
        match b.op {
            ast::Operator::Add => {
                let r = self.fold_at(&b.right, d)?;
                let value = match (&l.value, &r.value) {
                    (Value::Str(a), Value::Str(c)) => Value::Str(format!("{a}{c}")),
                    (Value::Bytes(a), Value::Bytes(c)) => Value::Bytes([a.as_slice(), c].concat()),
                    (Value::List(a), Value::List(c)) => {
                        Value::List(a.iter().chain(c.iter()).cloned().collect())
                    }
                    (Value::Int(a), Value::Int(c)) => Value::Int(a.checked_add(*c)?),
                    _ => return None,
                };
                let mut f = l.map(value)?;
                f.obfuscated |= r.obfuscated;
                f.layers = f.layers.max(r.layers);
                f.via = f.via.or(r.via);
                Some(f)
            }
            ast::Operator::Sub => {
                let r = self.fold_at(&b.right, d)?;
                match (&l.value, &r.value) {
                    (Value::Int(a), Value::Int(c)) => l.map(Value::Int(a.checked_sub(*c)?)),
                    _ => None,
                }
            }
            ast::Operator::BitXor => {
                let r = self.fold_at(&b.right, d)?;
                match (&l.value, &r.value) {
                    (Value::Int(a), Value::Int(c)) => l.map(Value::Int(a ^ c)),
                    _ => None,
                }
            }
            ast::Operator::Mult => {
                let r = self.fold_at(&b.right, d)?;
                match (&l.value, &r.value) {
                    (Value::Str(a), Value::Int(n))
                        if *n >= 0 && a.len() * (*n as usize) <= 4096 =>
                    {
                        l.map(Value::Str(a.repeat(*n as usize)))
                    }
                    (Value::Int(a), Value::Int(c)) => l.map(Value::Int(a.checked_mul(*c)?)),
                    _ => None,
                }
            }
            ast::Operator::Mod => {
                let Value::Str(fmt) = &l.value else {
                    return None;
                };
                let r = self.fold_at(&b.right, d)?;
                let args: Vec<Value> = match r.value {
                    Value::List(v) => v,
                    v => vec![v],
                };
                let mut out = String::new();
                let mut it = args.iter();
                let mut chars = fmt.chars().peekable();
                while let Some(c) = chars.next() {
                    if c != '%' {
                        out.push(c);
                        continue;
                    }
                    match chars.next()? {
                        '%' => out.push('%'),
                        's' | 'r' => out.push_str(&match it.next()? {
                            Value::Str(s) => s.clone(),
                            Value::Int(i) => i.to_string(),
                            Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                            Value::List(_) => return None,
                        }),
                        'd' | 'i' => match it.next()? {
                            Value::Int(i) => out.push_str(&i.to_string()),
                            _ => return None,
                        },
                        'c' => match it.next()? {
                            Value::Int(i) => out.push(char::from_u32(u32::try_from(*i).ok()?)?),
                            Value::Str(s) => out.push_str(s),
                            _ => return None,
                        },
                        _ => return None,
                    }
                }
                let mut f = l.map(Value::Str(out))?;
                f.obfuscated |= r.obfuscated;
                Some(f)
            }
            _ => None,
        }
    }

    fn fold_subscript(&self, s: &ast::ExprSubscript, d: u32) -> Option<Folded> {
        let base = self.fold_at(&s.value, d)?;
        match &*s.slice {
            Expr::Slice(sl) => {
                let int = |e: &Option<Box<Expr>>| -> Option<Option<i64>> {
                    match e {
                        None => Some(None),
                        Some(e) => match self.fold_at(e, d)?.value {
                            Value::Int(i) => Some(Some(i)),
                            _ => None,
                        },
                    }
                };
                let (lo, hi, step) = (int(&sl.lower)?, int(&sl.upper)?, int(&sl.step)?);
                let reversed = step == Some(-1) && lo.is_none() && hi.is_none();
                match &base.value {
                    Value::Str(st) if reversed => {
                        let mut f = base.map(Value::Str(st.chars().rev().collect()))?;
                        f.obfuscated = true;
                        f.via = f.via.or(Some("reversed string"));
                        Some(f)
                    }
                    Value::Bytes(b) if reversed => {
                        let mut f = base.map(Value::Bytes(b.iter().rev().copied().collect()))?;
                        f.obfuscated = true;
                        f.via = f.via.or(Some("reversed string"));
                        Some(f)
                    }
                    Value::Str(st) if step.is_none() || step == Some(1) => {
                        let chars: Vec<char> = st.chars().collect();
                        let (a, b) = clamp_range(lo, hi, chars.len())?;
                        base.map(Value::Str(chars[a..b].iter().collect()))
                    }
                    Value::Bytes(by) if step.is_none() || step == Some(1) => {
                        let (a, b) = clamp_range(lo, hi, by.len())?;
                        base.map(Value::Bytes(by[a..b].to_vec()))
                    }
                    _ => None,
                }
            }
            idx => {
                let Value::Int(i) = self.fold_at(idx, d)?.value else {
                    return None;
                };
                match &base.value {
                    Value::List(v) => {
                        let i = if i < 0 { v.len() as i64 + i } else { i };
                        base.map(v.get(usize::try_from(i).ok()?)?.clone())
                    }
                    _ => None,
                }
            }
        }
    }

    fn fold_call(&self, c: &ast::ExprCall, d: u32) -> Option<Folded> {
        let args = &c.arguments.args;
        // Method calls on a constant receiver: "".join(...), b"..".decode(), s.encode(), ...
        if let Expr::Attribute(attr) = &*c.func {
            if let Some(recv) = self.fold_at(&attr.value, d) {
                return self.fold_method(&recv, attr.attr.as_str(), c, d);
            }
        }
        let name = self.dotted(&c.func)?;
        let arg0 = || args.first().and_then(|a| self.fold_at(a, d));
        match name.as_str() {
            "chr" | "unichr" => {
                let Value::Int(i) = arg0()?.value else {
                    return None;
                };
                let ch = char::from_u32(u32::try_from(i).ok()?)?;
                let mut f = Folded::plain(Value::Str(ch.to_string()));
                f.obfuscated = true;
                f.via = Some("chr()");
                Some(f)
            }
            "str" => {
                let a = arg0()?;
                match &a.value {
                    Value::Str(_) => Some(a),
                    Value::Int(i) => a.map(Value::Str(i.to_string())),
                    Value::Bytes(b) if args.len() >= 2 => {
                        a.map(Value::Str(String::from_utf8_lossy(b).into_owned()))
                    }
                    _ => None,
                }
            }
            "bytes" | "bytearray" => {
                let a = arg0()?;
                match &a.value {
                    Value::List(v) => {
                        let bytes = v
                            .iter()
                            .map(|x| match x {
                                Value::Int(i) => u8::try_from(*i).ok(),
                                _ => None,
                            })
                            .collect::<Option<Vec<u8>>>()?;
                        let mut f = a.map(Value::Bytes(bytes))?;
                        f.obfuscated = true;
                        f.via = f.via.or(Some("byte list"));
                        Some(f)
                    }
                    Value::Str(s) => a.map(Value::Bytes(s.as_bytes().to_vec())),
                    Value::Bytes(_) => Some(a),
                    Value::Int(_) => None,
                }
            }
            "list" | "tuple" => {
                let a = arg0()?;
                match &a.value {
                    Value::List(_) => Some(a),
                    _ => None,
                }
            }
            "map" if args.len() == 2 => {
                let is_chr = matches!(self.dotted(&args[0]).as_deref(), Some("chr" | "unichr"));
                if !is_chr {
                    return None;
                }
                let list = self.fold_at(&args[1], d)?;
                let s = chr_list(&list.value)?;
                let mut f = list.map(Value::Str(s))?;
                f.obfuscated = true;
                f.via = Some("chr()");
                Some(f)
            }
            "base64.b64decode"
            | "base64.standard_b64decode"
            | "base64.decodebytes"
            | "base64.decodestring"
            | "binascii.a2b_base64" => {
                let a = arg0()?;
                let v = b64(&a.value.as_bytes()?, false)?;
                Folded::decoded(Value::Bytes(v), "base64", &a)
            }
            "base64.urlsafe_b64decode" => {
                let a = arg0()?;
                let v = b64(&a.value.as_bytes()?, true)?;
                Folded::decoded(Value::Bytes(v), "base64", &a)
            }
            "base64.b32decode" => {
                let a = arg0()?;
                let v = b32(&a.value.as_bytes()?)?;
                Folded::decoded(Value::Bytes(v), "base32", &a)
            }
            "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex" | "bytes.fromhex"
            | "bytearray.fromhex" => {
                let a = arg0()?;
                let v = unhex(&a.value.as_bytes()?)?;
                Folded::decoded(Value::Bytes(v), "hex", &a)
            }
            "base64.b85decode" => {
                let a = arg0()?;
                let v = b85(&a.value.as_bytes()?)?;
                Folded::decoded(Value::Bytes(v), "base85", &a)
            }
            "base64.a85decode" => {
                let a = arg0()?;
                let v = a85(&a.value.as_bytes()?)?;
                Folded::decoded(Value::Bytes(v), "ascii85", &a)
            }
            "zlib.decompress" | "gzip.decompress" => {
                let a = arg0()?;
                let input = a.value.as_bytes()?;
                let v = inflate(&input, name == "gzip.decompress")?;
                Folded::decoded(Value::Bytes(v), "zlib", &a)
            }
            "codecs.decode" | "codecs.encode" => {
                let a = arg0()?;
                let codec = match args.get(1).and_then(|e| self.fold_at(e, d)) {
                    Some(Folded {
                        value: Value::Str(s),
                        ..
                    }) => s.to_ascii_lowercase(),
                    _ => c
                        .arguments
                        .keywords
                        .iter()
                        .find(|k| k.arg.as_ref().is_some_and(|n| n.as_str() == "encoding"))
                        .and_then(|k| self.fold_at(&k.value, d))
                        .and_then(|f| f.value.text())?
                        .to_ascii_lowercase(),
                };
                codec_apply(&a, &codec)
            }
            _ => None,
        }
    }

    fn fold_method(
        &self,
        recv: &Folded,
        method: &str,
        c: &ast::ExprCall,
        d: u32,
    ) -> Option<Folded> {
        let args = &c.arguments.args;
        match (method, &recv.value) {
            ("join", Value::Str(_) | Value::Bytes(_)) if args.len() == 1 => {
                let sep_b = recv.value.as_bytes()?;
                let (parts, obf) = self.fold_iterable(&args[0], d)?;
                let mut out: Vec<u8> = Vec::new();
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(&sep_b);
                    }
                    out.extend_from_slice(&p.as_bytes()?);
                    if out.len() > MAX_VALUE {
                        return None;
                    }
                }
                let value = match recv.value {
                    Value::Str(_) => Value::Str(String::from_utf8_lossy(&out).into_owned()),
                    _ => Value::Bytes(out),
                };
                let mut f = recv.map(value)?;
                f.obfuscated |= obf.obfuscated;
                f.via = f.via.or(obf.via);
                f.layers = f.layers.max(obf.layers);
                Some(f)
            }
            ("decode", Value::Bytes(b)) => {
                let codec = args
                    .first()
                    .and_then(|a| self.fold_at(a, d))
                    .and_then(|f| f.value.text())
                    .map(|s| s.to_ascii_lowercase());
                match codec.as_deref() {
                    None | Some("utf-8" | "utf8" | "ascii" | "latin-1" | "latin1") => {
                        recv.map(Value::Str(String::from_utf8_lossy(b).into_owned()))
                    }
                    Some(other) => codec_apply(recv, other),
                }
            }
            ("decode", Value::Str(_)) => {
                let codec = args
                    .first()
                    .and_then(|a| self.fold_at(a, d))?
                    .value
                    .text()?;
                codec_apply(recv, &codec.to_ascii_lowercase())
            }
            ("encode", Value::Str(s)) => recv.map(Value::Bytes(s.as_bytes().to_vec())),
            ("fromhex", _) => None,
            ("replace", Value::Str(s)) if args.len() == 2 => {
                let a = self.fold_at(&args[0], d)?.value.text()?;
                let b = self.fold_at(&args[1], d)?.value.text()?;
                if a.is_empty() {
                    return None;
                }
                recv.map(Value::Str(s.replace(&a, &b)))
            }
            ("strip" | "lstrip" | "rstrip", Value::Str(s)) if args.is_empty() => {
                recv.map(Value::Str(s.trim().to_string()))
            }
            ("lower", Value::Str(s)) => recv.map(Value::Str(s.to_lowercase())),
            ("upper", Value::Str(s)) => recv.map(Value::Str(s.to_uppercase())),
            ("format", Value::Str(s)) if args.is_empty() && c.arguments.keywords.is_empty() => {
                recv.map(Value::Str(s.clone()))
            }
            _ => None,
        }
    }

    /// Fold the argument of `join`: a list/tuple of strings, or `chr(x) for x in [...]`.
    fn fold_iterable(&self, e: &Expr, d: u32) -> Option<(Vec<Value>, Folded)> {
        let comp = match e {
            Expr::Generator(g) => Some((&*g.elt, &g.generators)),
            Expr::ListComp(g) => Some((&*g.elt, &g.generators)),
            _ => None,
        };
        if let Some((elt, gens)) = comp {
            // [chr(x) for x in [..]] and [chr(x ^ K) for x in [..]]
            let [g] = gens.as_slice() else {
                return None;
            };
            if !g.ifs.is_empty() {
                return None;
            }
            let Expr::Name(var) = &g.target else {
                return None;
            };
            let list = self.fold_at(&g.iter, d)?;
            let Value::List(items) = &list.value else {
                return None;
            };
            if items.len() > 65_536 {
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let bound = Folded::plain(item.clone());
                let env = Env {
                    aliases: self.aliases,
                    consts: self.consts,
                    binding: Some((var.id.as_str(), &bound)),
                };
                out.push(env.fold_at(elt, d)?.value);
            }
            let mut f = list.clone();
            f.obfuscated = true;
            f.via = Some("chr()");
            return Some((out, f));
        }
        let f = self.fold_at(e, d)?;
        match &f.value {
            Value::List(v) => Some((v.clone(), f)),
            Value::Str(s) => Some((s.chars().map(|c| Value::Str(c.to_string())).collect(), f)),
            _ => None,
        }
    }
}

fn clamp_range(lo: Option<i64>, hi: Option<i64>, len: usize) -> Option<(usize, usize)> {
    let norm = |v: i64| -> usize {
        if v < 0 {
            (len as i64 + v).max(0) as usize
        } else {
            (v as usize).min(len)
        }
    };
    let a = lo.map(norm).unwrap_or(0);
    let b = hi.map(norm).unwrap_or(len);
    (a <= b).then_some((a, b))
}

fn chr_list(v: &Value) -> Option<String> {
    let Value::List(items) = v else {
        return None;
    };
    items
        .iter()
        .map(|x| match x {
            Value::Int(i) => char::from_u32(u32::try_from(*i).ok()?),
            _ => None,
        })
        .collect()
}

fn codec_apply(a: &Folded, codec: &str) -> Option<Folded> {
    match codec.replace('-', "_").as_str() {
        "rot13" | "rot_13" => {
            let s = a.value.text()?;
            let out: String = s
                .chars()
                .map(|c| match c {
                    'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
                    'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
                    _ => c,
                })
                .collect();
            Folded::decoded(Value::Str(out), "rot13", a)
        }
        "hex" | "hex_codec" => {
            Folded::decoded(Value::Bytes(unhex(&a.value.as_bytes()?)?), "hex", a)
        }
        "base64" | "base_64" | "base64_codec" => {
            Folded::decoded(Value::Bytes(b64(&a.value.as_bytes()?, false)?), "base64", a)
        }
        "zlib" | "zlib_codec" => Folded::decoded(
            Value::Bytes(inflate(&a.value.as_bytes()?, false)?),
            "zlib",
            a,
        ),
        "utf_8" | "utf8" | "ascii" => a.map(Value::Str(
            String::from_utf8_lossy(&a.value.as_bytes()?).into_owned(),
        )),
        _ => None,
    }
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
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(&clean)
        .ok()
}

fn b32(input: &[u8]) -> Option<Vec<u8>> {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::with_capacity(input.len() * 5 / 8);
    let (mut buf, mut bits) = (0u64, 0u32);
    for &c in input {
        if c == b'=' || c.is_ascii_whitespace() {
            continue;
        }
        let v = ALPHA.iter().position(|a| *a == c.to_ascii_uppercase())? as u64;
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

/// Hex to bytes, ignoring whitespace.
pub fn unhex(input: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = input
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    hex::decode(clean).ok()
}

fn b85(input: &[u8]) -> Option<Vec<u8>> {
    const ALPHA: &[u8] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
    let vals: Vec<u32> = input
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|c| ALPHA.iter().position(|a| a == c).map(|p| p as u32))
        .collect::<Option<_>>()?;
    base85_groups(&vals)
}

fn a85(input: &[u8]) -> Option<Vec<u8>> {
    let mut s: &[u8] = input;
    if s.starts_with(b"<~") && s.ends_with(b"~>") && s.len() >= 4 {
        s = &s[2..s.len() - 2];
    }
    let mut vals = Vec::with_capacity(s.len());
    let mut zero_groups = Vec::new();
    for &c in s {
        match c {
            b'z' => zero_groups.push(vals.len()),
            c if c.is_ascii_whitespace() => {}
            b'!'..=b'u' => vals.push((c - b'!') as u32),
            _ => return None,
        }
    }
    if !zero_groups.is_empty() {
        return None;
    }
    base85_groups(&vals)
}

fn base85_groups(vals: &[u32]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(vals.len() * 4 / 5);
    for chunk in vals.chunks(5) {
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
    let mut out = Vec::new();
    let limit = MAX_VALUE as u64 + 1;
    let res = if gzip {
        flate2::read::GzDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out)
    } else {
        flate2::read::ZlibDecoder::new(input)
            .take(limit)
            .read_to_end(&mut out)
    };
    match res {
        Ok(_) if out.len() <= MAX_VALUE => Some(out),
        _ => None,
    }
}

/// Resolve `a.b.c` (names and attributes only) through the import aliases.
pub fn dotted_name(expr: &Expr, aliases: &HashMap<String, String>) -> Option<String> {
    let mut out = String::new();
    dotted_into(expr, aliases, &mut out).then_some(out)
}

/// [`dotted_name`] into a caller's buffer (cleared first), so a hot loop can reuse one
/// allocation. Returns whether the expression has a dotted name.
pub fn dotted_into(expr: &Expr, aliases: &HashMap<String, String>, out: &mut String) -> bool {
    // Iterative: walk down the attribute chain collecting its links (bounded), then build the
    // name once from the root up.
    out.clear();
    let mut links: [&str; MAX_NAME_LINKS] = [""; MAX_NAME_LINKS];
    let mut n = 0;
    let mut e = expr;
    let root = loop {
        match e {
            Expr::Name(name) => break name.id.as_str(),
            Expr::Attribute(a) => {
                if n == MAX_NAME_LINKS {
                    return false;
                }
                links[n] = a.attr.as_str();
                n += 1;
                e = &a.value;
            }
            _ => return false,
        }
    };
    let root = aliases.get(root).map(String::as_str).unwrap_or(root);
    let len = root.len() + links[..n].iter().map(|l| l.len() + 1).sum::<usize>();
    out.reserve(len);
    out.push_str(root);
    for l in links[..n].iter().rev() {
        out.push('.');
        out.push_str(l);
    }
    true
}

/// Share of printable characters (text-like bytes) in `b`.
pub fn printable_ratio(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let ok = b
        .iter()
        .filter(|c| c.is_ascii_graphic() || matches!(c, b' ' | b'\n' | b'\r' | b'\t'))
        .count();
    ok as f64 / b.len() as f64
}

/// Try to decode a long plain literal that looks like base64 or hex into printable text.
/// Returns the text and the encoding name. Only literals of 40..=1 MiB characters qualify.
pub fn decode_blob(s: &str) -> Option<(String, &'static str)> {
    let t = s.trim();
    if t.len() < 40 || t.len() > MAX_VALUE {
        return None;
    }
    let bytes = t.as_bytes();
    let is_hex = bytes
        .iter()
        .all(|b| b.is_ascii_hexdigit() || b.is_ascii_whitespace());
    let (raw, via) = if is_hex && bytes.iter().filter(|b| b.is_ascii_hexdigit()).count() % 2 == 0 {
        (unhex(bytes)?, "hex")
    } else if bytes.iter().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
            || b.is_ascii_whitespace()
    }) && bytes
        .iter()
        .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && !t.contains(' ')
    {
        let urlsafe = t.contains('-') || t.contains('_');
        (b64(bytes, urlsafe)?, "base64")
    } else {
        return None;
    };
    let raw = if raw.first() == Some(&0x78) {
        inflate(&raw, false).unwrap_or(raw)
    } else {
        raw
    };
    (printable_ratio(&raw) > 0.95).then(|| (String::from_utf8_lossy(&raw).into_owned(), via))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ruff_python_ast::{PySourceType, Stmt};

    fn fold_src(src: &str) -> Option<Folded> {
        let parsed = ruff_python_parser::parse_unchecked_source(src, PySourceType::Python);
        let mut aliases = HashMap::default();
        let mut consts = HashMap::default();
        let mut last = None;
        for stmt in &parsed.syntax().body {
            match stmt {
                Stmt::Import(i) => {
                    for a in &i.names {
                        let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                        aliases.insert(local, a.name.to_string());
                    }
                }
                Stmt::ImportFrom(i) => {
                    for a in &i.names {
                        let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                        let m = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                        aliases.insert(local, format!("{m}.{}", a.name));
                    }
                }
                Stmt::Assign(a) => {
                    let env = Env {
                        aliases: &aliases,
                        consts: &consts,
                        binding: None,
                    };
                    if let (Some(Expr::Name(n)), Some(v)) = (a.targets.first(), env.fold(&a.value))
                    {
                        consts.insert(n.id.to_string(), v);
                    }
                }
                Stmt::Expr(e) => {
                    let env = Env {
                        aliases: &aliases,
                        consts: &consts,
                        binding: None,
                    };
                    last = env.fold(&e.value);
                }
                _ => {}
            }
        }
        last
    }

    fn text(src: &str) -> String {
        fold_src(src)
            .and_then(|f| f.value.text())
            .unwrap_or_default()
    }

    #[test]
    fn folds_base64_and_chains() {
        assert_eq!(
            text("import base64\nbase64.b64decode('aHR0cHM6Ly9ldmlsLmV4YW1wbGUuaW52YWxpZC9w').decode()"),
            "https://evil.example.invalid/p"
        );
        assert_eq!(
            text("from base64 import b64decode as d\nx = 'aHR0cHM6Ly9'\ny = x + 'ldmlsLmV4YW1wbGUuaW52YWxpZC9w'\nd(y)"),
            "https://evil.example.invalid/p"
        );
        let f = fold_src("import base64\nbase64.b64decode('aGk=')").unwrap();
        assert!(f.obfuscated);
        assert_eq!(f.via, Some("base64"));
    }

    #[test]
    fn folds_chr_hex_rot13_reverse_zlib() {
        assert_eq!(text("''.join(chr(c) for c in [104, 105])"), "hi");
        assert_eq!(text("''.join(map(chr, [104, 105]))"), "hi");
        assert_eq!(text("''.join([chr(x ^ 1) for x in [105, 104]])"), "hi");
        assert_eq!(text("bytes.fromhex('6869').decode()"), "hi");
        assert_eq!(text("import binascii\nbinascii.unhexlify(b'6869')"), "hi");
        assert_eq!(
            text("import codecs\ncodecs.decode('uggc', 'rot13')"),
            "http"
        );
        assert_eq!(text("'lave'[::-1]"), "eval");
        assert_eq!(text("''.join(chr(c) for c in [49,57,50,46,48])"), "192.0");
        assert_eq!(text("bytes([104, 105]).decode()"), "hi");
        assert_eq!(text("'%s://%s' % ('http', 'x')"), "http://x");
        assert_eq!(text("f'ab' 'cd'"), "abcd");
        // zlib.compress(b"print(1)") then base64
        assert_eq!(
            text("import zlib, base64\nzlib.decompress(base64.b64decode('eJwrKMrMK9Ew1AQADhUCsA=='))"),
            "print(1)"
        );
        assert_eq!(text("import base64\nbase64.b32decode('NBUQ====')"), "hi");
        assert_eq!(text("import base64\nbase64.b85decode('Xk~0{Zv')"), "hello");
    }

    #[test]
    fn refuses_non_constants_and_bombs() {
        assert!(fold_src("import base64\nbase64.b64decode(x)").is_none());
        assert!(fold_src("'a' * 100000000").is_none());
        assert!(fold_src("''.join(names)").is_none());
        let plain = fold_src("'http://' + 'x'").unwrap();
        assert!(!plain.obfuscated);
    }

    #[test]
    fn blobs() {
        let (t, via) = decode_blob(
            "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovL2V2aWwuZXhhbXBsZS5pbnZhbGlkJyk=",
        )
        .unwrap();
        assert_eq!(via, "base64");
        assert!(t.contains("os.system"));
        assert!(
            decode_blob("this is just a long sentence of english words, nothing more").is_none()
        );
        assert!(decode_blob("abcdefghijabcdefghijabcdefghijabcdefghij").is_none());
    }
}
