//! Static decoding: evaluate constant expressions and decrypt embedded payloads without running
//! anything.
//!
//! Malware hides URLs, commands and whole payloads behind base64, hex, zlib, rot13, `chr()`
//! arithmetic, XOR loops, reversed strings, `getattr(__builtins__, <computed name>)`, Fernet or
//! AES with a key the code carries. This module is a small, bounded partial evaluator of Python
//! expressions over constants: it folds such expressions into their value, so rules can look at
//! what the code would really use, and a finding can show it ("decoded: https://...").
//!
//! - [`Env::fold`] folds one expression ([`Env::fold_in`] with a caller-owned [`Budget`],
//!   [`Env::fold_checked`] to learn which bound stopped it). Values are [`Value`]s: strings,
//!   bytes, integers, lists, dicts, booleans, names of builtins or modules reached by a computed
//!   lookup ([`Value::Name`]), and objects such as a Fernet instance or an AES cipher
//!   ([`Value::Object`]), so `c = AES.new(k, AES.MODE_CBC, iv); c.decrypt(ct)` folds when the
//!   caller keeps `c` in [`Env::consts`].
//! - [`Env::callee`] resolves what a call calls when its name is computed.
//! - [`fold_loop`] runs a `for`/`while` decoding loop written as statements over constants and
//!   returns the names it leaves bound; [`Env::call_def`] runs a small helper function
//!   (`def d(s, k): ...; return out`) on constant arguments.
//! - [`decode_blob`] recognises long encoded blobs in plain literals.
//!
//! Nothing here executes package code: every operation is re-implemented over constants, and
//! an operation the evaluator does not know is simply "not a constant". Everything is bounded —
//! expression depth, value size, list length, loop iterations, decoding layers and total work —
//! and folding stops (returns `None`) at a bound instead of going on; the [`Budget`] records
//! which bound it was, so the caller can report it rather than pass silently.
//!
//! The evaluator lives in submodules by job: `eval` (expressions), `builtins` (builtin
//! functions and the reprs of builtins), `methods` (str/bytes/list/dict methods), `pyfmt`
//! (`%`, `str.format`, f-strings, `repr`), `codecs` (base64 family, hex, rot13, escapes,
//! zlib/gzip/bz2/lzma), `decrypt` (Fernet, AES modes, padding, hashes, key derivation, XOR
//! helpers) and `interp` (statement loops and helper functions).

use super::fxhash::FxHashMap as HashMap;
use std::cell::Cell;

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::Ranged;

mod builtins;
mod codecs;
mod decrypt;
mod eval;
mod interp;
mod methods;
mod pyfmt;
#[cfg(test)]
mod tests;

pub use codecs::{b64, inflate, unhex};

/// Most nested decoding layers folded (base64 of zlib of base64 ...).
pub const MAX_LAYERS: u8 = 16;
/// Largest value (bytes) produced by folding; bigger results are dropped.
pub const MAX_VALUE: usize = 1 << 20;
/// Recursion bound on expression depth.
pub const MAX_DEPTH: u32 = 40;
/// Longest attribute/call chain resolved to a dotted name; longer chains stay unnamed (no real
/// code has them, and resolving them costs time quadratic in their length).
pub const MAX_NAME_LINKS: usize = 64;
/// Most items in one folded list, dict or iteration.
pub const MAX_ITEMS: usize = 1 << 19;
/// Most statements [`fold_loop`] and [`Env::call_def`] execute.
pub const MAX_STEPS: u64 = 1 << 21;
/// Longest chain of one binary operator (`'a' + 'b' + ...`) or of method calls folded
/// (each link costs a little memory; chains are walked without recursion).
const MAX_CHAIN: usize = 1 << 21;

/// A statically known value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Bytes(Vec<u8>),
    Int(i64),
    /// A list or a tuple.
    List(Vec<Value>),
    Bool(bool),
    None,
    /// A dict, in insertion order.
    Dict(Vec<(Value, Value)>),
    /// A builtin, module or module attribute reached by a computed lookup, by its qualified
    /// name: `getattr(__builtins__, 'cexe'[::-1])` is `Name("exec")`, `__import__('os')` is
    /// `Name("os")`, `getattr(os, 'sys' + 'tem')` is `Name("os.system")`, `type(1)` is
    /// `Name("int")`. Builtins carry no `builtins.` prefix.
    Name(String),
    /// An object built from constants: a Fernet instance, an AES cipher or decryptor, a hash,
    /// a bound method... It can be stored in [`Env::consts`] like any other value.
    Object(Box<Object>),
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

    /// The integer value of an int or a bool.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    /// The qualified name of a [`Value::Name`].
    pub fn as_name(&self) -> Option<&str> {
        match self {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }

    /// The object of a [`Value::Object`].
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Size for the bounds: bytes of text, one unit per scalar, plus one per container item.
    fn size(&self) -> usize {
        match self {
            Value::Str(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::Int(_) | Value::Bool(_) | Value::None => 1,
            Value::List(v) => v.iter().map(Value::size).sum::<usize>() + v.len(),
            Value::Dict(v) => v.iter().map(|(k, x)| k.size() + x.size()).sum::<usize>() + v.len(),
            Value::Name(n) => n.len(),
            Value::Object(o) => o.size(),
        }
    }

    fn bytes_ref(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s.as_bytes()),
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// An object built from constants (see [`Value::Object`]). Opaque: rules see its
/// [`Object::kind`]; the evaluator knows its methods.
#[derive(Debug, Clone, PartialEq)]
pub struct Object(decrypt::Obj);

impl Object {
    /// What it is, for evidence: `Fernet`, `AES-CBC cipher`, `sha256 hash`, `bound method`...
    pub fn kind(&self) -> String {
        self.0.kind()
    }
    fn size(&self) -> usize {
        self.0.size()
    }
}

/// The result of folding an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Folded {
    pub value: Value,
    /// Whether an obfuscating transform (decoding, decryption, XOR, `chr`, reversal, rot13, a
    /// computed builtin name) was applied.
    pub obfuscated: bool,
    /// The outermost decoding applied, e.g. `base64`, `fernet`, `aes-cbc`, `xor`.
    pub via: Option<&'static str>,
    /// Whether a string literal the value was built from was written mostly in escape
    /// sequences (`"\x65\x76\x61\x6c"`): an obfuscation signal on its own, kept apart from
    /// [`Folded::obfuscated`] so the caller decides what it weighs (see [`is_escaped`]).
    pub escaped: bool,
    layers: u8,
}

impl Folded {
    fn plain(value: Value) -> Self {
        Self {
            value,
            obfuscated: false,
            via: None,
            escaped: false,
            layers: 0,
        }
    }

    /// A value produced by one decoding layer (base64, zlib, decryption...) applied to `inner`.
    fn decoded(value: Value, via: &'static str, inner: &Folded) -> Option<Self> {
        if value.size() > MAX_VALUE || inner.layers >= MAX_LAYERS {
            return None;
        }
        Some(Self {
            value,
            obfuscated: true,
            via: Some(via),
            escaped: inner.escaped,
            layers: inner.layers + 1,
        })
    }

    /// `value`, derived from `self` without a new decoding layer.
    fn map(&self, value: Value) -> Option<Self> {
        if value.size() > MAX_VALUE {
            return None;
        }
        Some(Self {
            value,
            obfuscated: self.obfuscated,
            via: self.via,
            escaped: self.escaped,
            layers: self.layers,
        })
    }

    /// Mark as obfuscated, naming `via` when no inner decoding is named yet.
    fn obf(mut self, via: &'static str) -> Self {
        self.obfuscated = true;
        self.via = self.via.or(Some(via));
        self
    }

    /// Take on the flags of another operand.
    fn absorb(&mut self, other: &Folded) {
        self.obfuscated |= other.obfuscated;
        self.escaped |= other.escaped;
        self.via = self.via.or(other.via);
        self.layers = self.layers.max(other.layers);
    }

    /// Number of decoding layers applied.
    pub fn layers(&self) -> u8 {
        self.layers
    }

    /// The combined flags of the operands of an operation (with a placeholder value).
    fn flags_of<'f>(operands: impl IntoIterator<Item = &'f Folded>) -> Folded {
        let mut f = Folded::plain(Value::None);
        for o in operands {
            f.absorb(o);
        }
        f
    }

    /// [`Folded::flags_of`] a call: its receiver (for a method), positional and keyword
    /// arguments.
    fn flags_of_call(recv: Option<&Folded>, args: &[Folded], kw: &[(&str, Folded)]) -> Folded {
        Folded::flags_of(
            recv.into_iter()
                .chain(args)
                .chain(kw.iter().map(|(_, v)| v)),
        )
    }
}

/// The keyword argument `key` of a call.
fn kw_arg<'a>(kw: &'a [(&str, Folded)], key: &str) -> Option<&'a Folded> {
    kw.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// The argument at position `i`, or else the keyword argument `key`.
fn arg_at<'a>(
    args: &'a [Folded],
    kw: &'a [(&str, Folded)],
    i: usize,
    key: &str,
) -> Option<&'a Folded> {
    args.get(i).or_else(|| kw_arg(kw, key))
}

/// What the folder needs from the surrounding file.
///
/// The caller (the facts walker) keeps `consts`: names bound to a constant, objects included
/// (`cipher = AES.new(KEY, AES.MODE_CBC, IV)` binds `cipher` to a [`Value::Object`]).
pub struct Env<'a> {
    /// Local alias -> fully qualified module/name (`b64` -> `base64`).
    pub aliases: &'a HashMap<String, String>,
    /// Names assigned a constant exactly once so far.
    pub consts: &'a HashMap<String, Folded>,
    /// A comprehension variable bound while folding `chr(x) for x in [...]`.
    pub binding: Option<(&'a str, &'a Folded)>,
}

/// A bound that stopped folding (see [`Budget::hit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// Expression nesting deeper than [`MAX_DEPTH`].
    Depth,
    /// A value larger than [`MAX_VALUE`] (a decompression bomb, a huge repeat).
    Size,
    /// A list, dict, range or loop longer than [`MAX_ITEMS`] (or more than [`MAX_STEPS`]
    /// statements run).
    Items,
    /// More than [`MAX_LAYERS`] nested decodings.
    Layers,
    /// The budget's total work ran out.
    Work,
    /// The budget's key-derivation iterations ran out (PBKDF2 with a huge count).
    Kdf,
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Bound::Depth => "expression nesting too deep to evaluate",
            Bound::Size => "decoded value too large to evaluate",
            Bound::Items => "sequence or loop too long to evaluate",
            Bound::Layers => "too many nested decoding layers",
            Bound::Work => "evaluation work limit reached",
            Bound::Kdf => "key derivation too expensive to evaluate",
        })
    }
}

/// Work allowed to folding, and the first bound that stopped it.
///
/// [`Env::fold`] uses a fresh [`Budget::per_expr`] each call; a caller that folds many
/// expressions of one file should own one [`Budget::per_file`] and use [`Env::fold_in`], so a
/// hostile file cannot multiply the per-expression allowance (each reference to a large
/// constant copies it). Key derivation (PBKDF2) runs only on a per-file budget.
#[derive(Debug)]
pub struct Budget {
    work: Cell<u64>,
    kdf: Cell<u64>,
    hit: Cell<Option<Bound>>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::per_expr()
    }
}

impl Budget {
    /// The allowance of one [`Env::fold`] call: 64 Mi work units (about one per byte
    /// produced or copied), no key derivation.
    pub fn per_expr() -> Self {
        Self::new(64 << 20, 0)
    }
    /// An allowance for a whole file: 1 Gi work units and 2 Mi PBKDF2 iterations.
    pub fn per_file() -> Self {
        Self::new(1 << 30, 2 << 20)
    }
    /// A custom allowance: `work` units, `kdf` key-derivation iterations.
    pub fn new(work: u64, kdf: u64) -> Self {
        Self {
            work: Cell::new(work),
            kdf: Cell::new(kdf),
            hit: Cell::new(None),
        }
    }
    /// The first bound that stopped folding, if any did.
    pub fn hit(&self) -> Option<Bound> {
        self.hit.get()
    }
    /// Work units left.
    pub fn remaining(&self) -> u64 {
        self.work.get()
    }

    fn exceed(&self, b: Bound) {
        if self.hit.get().is_none() {
            self.hit.set(Some(b));
        }
    }
    /// Spend `n` units; `None` (and [`Bound::Work`]) when the budget is spent.
    fn charge(&self, n: usize) -> Option<()> {
        let left = self.work.get();
        let n = n as u64;
        if left < n {
            self.work.set(0);
            self.exceed(Bound::Work);
            return None;
        }
        self.work.set(left - n);
        Some(())
    }
    fn charge_kdf(&self, iterations: u64) -> Option<()> {
        let left = self.kdf.get();
        if left < iterations {
            self.exceed(Bound::Kdf);
            return None;
        }
        self.kdf.set(left - iterations);
        Some(())
    }
    /// `Some(())` when `size` is within [`MAX_VALUE`], else records [`Bound::Size`].
    fn fits(&self, size: usize) -> Option<()> {
        if size > MAX_VALUE {
            self.exceed(Bound::Size);
            return None;
        }
        Some(())
    }
    /// `Some(())` when `n` items are within [`MAX_ITEMS`], else records [`Bound::Items`].
    fn items(&self, n: usize) -> Option<()> {
        if n > MAX_ITEMS {
            self.exceed(Bound::Items);
            return None;
        }
        Some(())
    }
}

/// Why [`Env::fold_checked`] gave no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The expression is not a constant the evaluator can compute.
    NotConstant,
    /// A bound stopped the evaluation; the expression may well be a constant.
    Bound(Bound),
}

/// What a call calls, when the callee can be named (see [`Env::callee`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callee {
    /// Qualified name (`exec`, `os.system`, `base64.b64decode`).
    pub name: String,
    /// The name was computed (`getattr`, `__import__`, `globals()[...]`, a variable bound to a
    /// computed name) rather than written as a dotted name.
    pub computed: bool,
    /// The computation itself was obfuscated (reversed, decoded, `chr()` codes...).
    pub obfuscated: bool,
}

impl Env<'_> {
    /// Resolve a name or attribute chain to its dotted, import-resolved name.
    pub fn dotted(&self, expr: &Expr) -> Option<String> {
        dotted_name(expr, self.aliases)
    }

    /// Fold an expression into a constant, if it is one (with a fresh per-expression budget).
    pub fn fold(&self, expr: &Expr) -> Option<Folded> {
        self.fold_in(expr, &Budget::per_expr())
    }

    /// [`Env::fold`] spending from the caller's `budget` (see [`Budget`]).
    pub fn fold_in(&self, expr: &Expr, budget: &Budget) -> Option<Folded> {
        eval::Ev::new(self, budget).eval(expr, 0)
    }

    /// [`Env::fold_in`] that says why it failed: not a constant, or stopped by a bound (which
    /// the caller should report: a payload hidden past a limit is not a clean pass). The
    /// budget's [`Budget::hit`] keeps the first bound ever hit; this reports the one hit by
    /// this expression.
    pub fn fold_checked(&self, expr: &Expr, budget: &Budget) -> Result<Folded, Refusal> {
        let before = budget.hit.take();
        let out = self.fold_in(expr, budget);
        let now = budget.hit.get();
        budget.hit.set(before.or(now));
        match (out, now) {
            (Some(f), _) => Ok(f),
            (None, Some(b)) => Err(Refusal::Bound(b)),
            (None, None) => Err(Refusal::NotConstant),
        }
    }

    /// Fold a call expression (without cloning it into an `Expr`).
    pub fn fold_call_expr(&self, call: &ast::ExprCall) -> Option<Folded> {
        let budget = Budget::per_expr();
        eval::Ev::new(self, &budget).call(call, 1)
    }

    /// What a call's `func` calls: a dotted name through the import aliases (`b64decode` ->
    /// `base64.b64decode`, `builtins.exec` -> `exec`), or a computed one —
    /// `getattr(__builtins__, 'cexe'[::-1])`, `__import__('o' + 's').system`,
    /// `globals()['__builtins__'].__dict__['exec']`, a variable in `consts` bound to such a
    /// name, a conditional expression with a constant test. Methods of constants and objects
    /// are named by their type (`str.join`, `Fernet().decrypt`).
    pub fn callee(&self, func: &Expr) -> Option<Callee> {
        let budget = Budget::per_expr();
        eval::Ev::new(self, &budget).callee(func)
    }

    /// Every callee `func` may be: like [`Env::callee`], but both arms of a conditional
    /// expression whose test is not constant, and every operand of `a or b` (at most 8).
    pub fn callees(&self, func: &Expr) -> Vec<Callee> {
        let budget = Budget::per_expr();
        let mut out = Vec::new();
        eval::Ev::new(self, &budget).callees(func, &mut out, 0);
        out
    }

    /// Call `lambda` with constant arguments: `(lambda s: s[::-1])('cexe')`, or a lambda the
    /// caller bound to a name (`d = lambda s: ...; d(TOKEN)`).
    pub fn apply_lambda(
        &self,
        lambda: &ast::ExprLambda,
        args: &[Folded],
        budget: &Budget,
    ) -> Option<Folded> {
        eval::Ev::new(self, budget).apply_lambda(lambda, args.to_vec())
    }

    /// Run a module-level helper function on constant arguments: the body may assign, loop
    /// (`for`/`while`), branch on constant tests and `return`; globals are read from
    /// `consts`. Any statement the interpreter cannot model (a call with effects, an import,
    /// a nested function...) makes the whole call not a constant. Bounded by [`MAX_STEPS`]
    /// and the budget.
    pub fn call_def(
        &self,
        def: &ast::StmtFunctionDef,
        args: &[Folded],
        kwargs: &[(&str, Folded)],
        budget: &Budget,
    ) -> Option<Folded> {
        interp::call_def(self, def, args, kwargs, budget)
    }
}

/// Run a decoding loop written as statements — a `for` or `while` statement — over constants
/// and return the names it leaves bound to constants, with their values:
///
/// ```python
/// out = ''
/// for c in data: out += chr(ord(c) ^ 42)          # -> [("out", ...), ("c", ...)]
/// r = []
/// for i in range(len(d)): r.append(d[i] ^ k[i % len(k)])   # -> [("r", ...), ("i", ...)]
/// ```
///
/// The loop reads names from `env.consts` (the accumulator must be bound before the loop).
/// All or nothing: when any statement of the loop cannot be modelled, or a bound stops it,
/// the result is empty and the caller treats the names as it would have anyway. The caller
/// should call it *before* walking the loop body (which would invalidate the accumulators)
/// and bind the returned names afterwards.
pub fn fold_loop(stmt: &Stmt, env: &Env) -> Vec<(String, Folded)> {
    fold_loop_in(stmt, env, &Budget::per_expr())
}

/// [`fold_loop`] spending from the caller's `budget`.
pub fn fold_loop_in(stmt: &Stmt, env: &Env, budget: &Budget) -> Vec<(String, Folded)> {
    interp::fold_loop(env, stmt, budget)
}

/// Whether a string, bytes or f-string literal was written mostly in escape sequences
/// (`"\x65\x76\x61\x6c"`, `"\145\166\141\154"`, `"\u0065..."`): at least two printable ASCII
/// characters that, on average, took an escape each. Read from the literal's source span
/// against its decoded value, so no source text is needed. Binary data (`b"\x89PNG"`) and
/// non-ASCII text written as `\u` escapes do not count.
pub fn is_escaped(expr: &Expr) -> bool {
    let mut st = EscapeStats::default();
    escape_stats(expr, &mut st);
    st.escaped()
}

#[derive(Default)]
struct EscapeStats {
    /// Source bytes saved by escapes (source length inside the quotes minus decoded length).
    shrink: usize,
    /// Printable ASCII characters of the decoded value.
    graphic: usize,
    /// Other characters (controls, non-ASCII).
    other: usize,
}

impl EscapeStats {
    fn add(&mut self, inner_source: usize, value: &[u8]) {
        let shrink = inner_source.saturating_sub(value.len());
        if shrink == 0 {
            return;
        }
        self.shrink += shrink;
        for &b in value {
            if b.is_ascii_graphic() || b == b' ' {
                self.graphic += 1;
            } else if !(0x80..0xC0).contains(&b) {
                // ASCII controls and the first byte of each non-ASCII character.
                self.other += 1;
            }
        }
    }
    fn escaped(&self) -> bool {
        // An escape of a control or non-ASCII character saves at most ~9 bytes (`\U0010ffff`
        // -> 4); what is left must come from escaped printable characters (>= 2 each).
        self.graphic >= 2 && self.shrink >= 2 * self.graphic + 9 * self.other
    }
}

fn escape_stats(expr: &Expr, st: &mut EscapeStats) {
    use ast::StringFlags;
    let inner = |range: ruff_text_size::TextRange, open: u32, close: u32| {
        (range.len().to_u32().saturating_sub(open + close)) as usize
    };
    match expr {
        Expr::StringLiteral(s) => {
            for part in s.value.iter() {
                let n = inner(
                    part.range(),
                    part.flags.opener_len().to_u32(),
                    part.flags.closer_len().to_u32(),
                );
                st.add(n, part.value.as_bytes());
            }
        }
        Expr::BytesLiteral(b) => {
            for part in b.value.iter() {
                let n = inner(
                    part.range(),
                    part.flags.opener_len().to_u32(),
                    part.flags.closer_len().to_u32(),
                );
                st.add(n, &part.value);
            }
        }
        Expr::FString(f) => {
            for part in f.value.iter() {
                match part {
                    ast::FStringPart::Literal(l) => {
                        let n = inner(
                            l.range(),
                            l.flags.opener_len().to_u32(),
                            l.flags.closer_len().to_u32(),
                        );
                        st.add(n, l.value.as_bytes());
                    }
                    ast::FStringPart::FString(fs) => {
                        for el in &fs.elements {
                            if let ast::InterpolatedStringElement::Literal(l) = el {
                                st.add(l.range().len().to_usize(), l.value.as_bytes());
                            }
                        }
                    }
                }
            }
        }
        _ => {}
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

/// Base64 (standard alphabet, as `base64 -d` reads it) decoded to printable UTF-8 text, for
/// blobs handed to a shell; at most [`MAX_VALUE`] bytes.
pub fn b64_text(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() < 8 || t.len() > MAX_VALUE {
        return None;
    }
    let raw = codecs::b64(t.as_bytes(), false)?;
    let text = String::from_utf8(raw).ok()?;
    (printable_ratio(text.as_bytes()) > 0.85).then_some(text)
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
