//! Python builtins over constant values (`chr`, `ord`, `int`, `len`, `bytes`, `range`, `zip`,
//! `sorted`...), the values' truthiness, equality and order, and the small table of what
//! CPython 3 prints for builtins (`str(oct)` is `<built-in function oct>`), which obfuscators
//! slice to spell names.

use std::cmp::Ordering;

use super::decrypt::Obj;
use super::{methods, pyfmt, Budget, Folded, Object, Value};

/// Builtin functions (`repr` is `<built-in function NAME>`).
const FUNCTIONS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "breakpoint",
    "callable",
    "chr",
    "compile",
    "delattr",
    "dir",
    "divmod",
    "eval",
    "exec",
    "format",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "hex",
    "id",
    "input",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "locals",
    "max",
    "min",
    "next",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "repr",
    "round",
    "setattr",
    "sorted",
    "sum",
    "vars",
    "__import__",
    "__build_class__",
];

/// Builtin classes (`repr` is `<class 'NAME'>`), with the types of constants.
const TYPES: &[&str] = &[
    "bool",
    "bytearray",
    "bytes",
    "classmethod",
    "complex",
    "dict",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "int",
    "list",
    "map",
    "memoryview",
    "object",
    "property",
    "range",
    "reversed",
    "set",
    "slice",
    "staticmethod",
    "str",
    "super",
    "tuple",
    "type",
    "zip",
    "NoneType",
    "builtin_function_or_method",
    "function",
    "module",
    "BaseException",
    "Exception",
    "ValueError",
    "TypeError",
    "KeyError",
    "IndexError",
    "AttributeError",
    "NameError",
    "ImportError",
    "OSError",
    "RuntimeError",
];

/// Modules whose repr does not depend on the installation.
const BUILTIN_MODULES: &[&str] = &["builtins", "sys", "marshal", "_imp", "time", "gc"];

/// The `site` module's printers and what `str()` of each prints: obfuscators index them
/// (`copyright.__str__()[4]` is `r`). Only `copyright`'s second year changes between CPython
/// releases.
const SITE_PRINTERS: &[(&str, &str)] = &[
    (
        "copyright",
        "Copyright (c) 2001-2024 Python Software Foundation.\nAll Rights Reserved.\n\n\
         Copyright (c) 2000 BeOpen.com.\nAll Rights Reserved.\n\n\
         Copyright (c) 1995-2001 Corporation for National Research Initiatives.\n\
         All Rights Reserved.\n\n\
         Copyright (c) 1991-1995 Stichting Mathematisch Centrum, Amsterdam.\n\
         All Rights Reserved.",
    ),
    (
        "credits",
        "    Thanks to CWI, CNRI, BeOpen.com, Zope Corporation and a cast of thousands\n    \
         for supporting Python development.  See www.python.org for more information.",
    ),
    ("license", "Type license() to see the full license text"),
];

/// Whether `name` is a builtin function or class (or one of `site`'s printers).
pub(super) fn is_builtin(name: &str) -> bool {
    FUNCTIONS.contains(&name)
        || TYPES.contains(&name)
        || SITE_PRINTERS.iter().any(|(n, _)| *n == name)
}

/// Strip the `builtins.`/`__builtins__.` prefix of a qualified name (`builtins.exec` is
/// `exec`); `__builtins__` itself is the `builtins` module.
pub(super) fn normalize(name: &str) -> &str {
    if name == "__builtins__" {
        return "builtins";
    }
    name.strip_prefix("builtins.")
        .or_else(|| name.strip_prefix("__builtins__."))
        .unwrap_or(name)
}

/// What CPython 3 prints for `str(x)`/`repr(x)` of a builtin known by name, when it does not
/// depend on the machine (no addresses, no paths).
pub(super) fn name_repr(name: &str) -> Option<String> {
    if FUNCTIONS.contains(&name) {
        return Some(format!("<built-in function {name}>"));
    }
    if TYPES.contains(&name) {
        return Some(format!("<class '{name}'>"));
    }
    if BUILTIN_MODULES.contains(&name) {
        return Some(format!("<module '{name}' (built-in)>"));
    }
    if let Some((_, text)) = SITE_PRINTERS.iter().find(|(n, _)| *n == name) {
        return Some((*text).to_string());
    }
    None
}

/// The class of a named builtin (`oct.__class__`), by name.
pub(super) fn name_class(name: &str) -> Option<&'static str> {
    if FUNCTIONS.contains(&name) {
        Some("builtin_function_or_method")
    } else if TYPES.contains(&name) {
        Some("type")
    } else if BUILTIN_MODULES.contains(&name) {
        Some("module")
    } else {
        None
    }
}

/// The class name of a constant (`type(x).__name__`); lists stand for tuples too, so callers
/// that see the expression refine `list` to `tuple`.
pub(super) fn type_name(v: &Value) -> Option<&'static str> {
    Some(match v {
        Value::Str(_) => "str",
        Value::Bytes(_) => "bytes",
        Value::Int(_) => "int",
        Value::Bool(_) => "bool",
        Value::None => "NoneType",
        Value::List(_) => "list",
        Value::Dict(_) => "dict",
        Value::Name(n) => name_class(n)?,
        Value::Object(o) => match &o.0 {
            Obj::Method(..) => "builtin_function_or_method",
            _ => return None,
        },
    })
}

/// Python truthiness.
pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::Str(s) => !s.is_empty(),
        Value::Bytes(b) => !b.is_empty(),
        Value::Int(i) => *i != 0,
        Value::Bool(b) => *b,
        Value::None => false,
        Value::List(l) => !l.is_empty(),
        Value::Dict(d) => !d.is_empty(),
        Value::Name(_) | Value::Object(_) => true,
    }
}

/// Python `==` (ints equal bools; str never equals bytes). `None` when unknown (objects).
pub(super) fn py_eq(a: &Value, b: &Value) -> Option<bool> {
    Some(match (a, b) {
        (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
            a.as_int() == b.as_int()
        }
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::None, Value::None) => true,
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y) {
                if !py_eq(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (k, v) in x {
                match y.iter().find(|(k2, _)| py_eq(k, k2) == Some(true)) {
                    Some((_, v2)) if py_eq(v, v2)? => {}
                    _ => return Some(false),
                }
            }
            true
        }
        (Value::Name(x), Value::Name(y)) => x == y,
        (Value::Object(_), _) | (_, Value::Object(_)) => return None,
        _ => false,
    })
}

/// Python ordering (`<`) where it is defined.
pub(super) fn py_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(_) | Value::Bool(_), Value::Int(_) | Value::Bool(_)) => {
            Some(a.as_int()?.cmp(&b.as_int()?))
        }
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::Bytes(x), Value::Bytes(y)) => Some(x.cmp(y)),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                match py_cmp(p, q)? {
                    Ordering::Equal => {}
                    o => return Some(o),
                }
            }
            Some(x.len().cmp(&y.len()))
        }
        _ => None,
    }
}

/// The items iterating over `v` yields (chars of a str, ints of bytes, keys of a dict),
/// bounded by [`super::MAX_ITEMS`].
pub(super) fn iter_values(v: &Value, b: &Budget) -> Option<Vec<Value>> {
    let out: Vec<Value> = match v {
        Value::List(items) => {
            b.charge(items.len())?;
            return Some(items.clone());
        }
        Value::Str(s) => {
            b.items(s.len())?;
            s.chars().map(|c| Value::Str(c.to_string())).collect()
        }
        Value::Bytes(bytes) => {
            b.items(bytes.len())?;
            bytes.iter().map(|x| Value::Int(i64::from(*x))).collect()
        }
        Value::Dict(d) => d.iter().map(|(k, _)| k.clone()).collect(),
        _ => return None,
    };
    b.charge(out.len())?;
    Some(out)
}

/// `int(s, base)` for text.
pub(super) fn parse_int(s: &str, base: u32) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.to_ascii_lowercase();
    let (base, digits) = match (base, lower.get(..2)) {
        (0 | 16, Some("0x")) => (16, &lower[2..]),
        (0 | 8, Some("0o")) => (8, &lower[2..]),
        (0 | 2, Some("0b")) => (2, &lower[2..]),
        (0, _) => (10, lower.as_str()),
        (b, _) => (b, lower.as_str()),
    };
    if !(2..=36).contains(&base)
        || digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || digits.len() > 80
    {
        return None;
    }
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&digits, base).ok()?;
    if neg {
        v.checked_neg()
    } else {
        Some(v)
    }
}

fn int_text(i: i64, radix: u32) -> String {
    let mag = i.unsigned_abs();
    let (p, d) = match radix {
        16 => ("0x", format!("{mag:x}")),
        8 => ("0o", format!("{mag:o}")),
        _ => ("0b", format!("{mag:b}")),
    };
    format!("{}{p}{d}", if i < 0 { "-" } else { "" })
}

/// Python's `pow` for ints: refuses negative exponents and results past `i64`.
pub(super) fn int_pow(a: i64, e: i64) -> Option<i64> {
    let e = u32::try_from(e).ok()?;
    a.checked_pow(e)
}

fn pow_mod(a: i64, e: i64, m: i64) -> Option<i64> {
    if m == 0 || e < 0 {
        return None;
    }
    let m128 = i128::from(m).abs();
    let mut base = i128::from(a).rem_euclid(m128);
    let mut e = e as u64;
    let mut acc: i128 = 1 % m128;
    while e > 0 {
        if e & 1 == 1 {
            acc = (acc * base).rem_euclid(m128);
        }
        base = (base * base).rem_euclid(m128);
        e >>= 1;
    }
    // Python's result takes the sign of the modulus.
    if m < 0 && acc != 0 {
        acc -= m128;
    }
    i64::try_from(acc).ok()
}

/// Python floor division and modulo.
pub(super) fn floor_div(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let q = a.checked_div(b)?;
    Some(if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    })
}

pub(super) fn floor_mod(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    let r = a.checked_rem(b)?;
    Some(if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    })
}

/// Whether `name` is a builtin (or builtin-like function) [`call`] folds.
pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "chr"
            | "unichr"
            | "ord"
            | "str"
            | "unicode"
            | "repr"
            | "ascii"
            | "int"
            | "bool"
            | "len"
            | "abs"
            | "min"
            | "max"
            | "sum"
            | "pow"
            | "divmod"
            | "round"
            | "hex"
            | "oct"
            | "bin"
            | "list"
            | "tuple"
            | "bytes"
            | "bytearray"
            | "reversed"
            | "sorted"
            | "range"
            | "xrange"
            | "zip"
            | "enumerate"
            | "dict"
            | "any"
            | "all"
            | "format"
            | "__import__"
            | "importlib.import_module"
            | "itertools.cycle"
            | "itertools.chain"
            | "bytes.fromhex"
            | "bytearray.fromhex"
            | "int.from_bytes"
            | "str.maketrans"
            | "bytes.maketrans"
            | "string.maketrans"
    ) || name.starts_with("operator.")
        || name
            .strip_prefix("str.")
            .or_else(|| name.strip_prefix("bytes."))
            .is_some_and(|m| !m.contains('.'))
}

/// Fold a builtin call on constant arguments. Flags (obfuscated, escaped, layers) of the
/// arguments carry over to the result.
pub(super) fn call(
    name: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let base = Folded::flags_of_call(None, args, kw);
    let kwarg = |k: &str| super::kw_arg(kw, k).map(|f| &f.value);
    let arg = |i: usize| args.get(i).map(|f| &f.value);
    let int = |i: usize| arg(i).and_then(Value::as_int);
    let out = |v: Value| -> Option<Folded> {
        b.fits(v.size())?;
        base.map(v)
    };
    match name {
        "chr" | "unichr" => {
            let ch = char::from_u32(u32::try_from(int(0)?).ok()?)?;
            Some(out(Value::Str(ch.to_string()))?.obf("chr()"))
        }
        "ord" => match arg(0)? {
            Value::Str(s) => {
                let mut it = s.chars();
                let c = it.next()?;
                it.next()
                    .is_none()
                    .then(|| out(Value::Int(i64::from(u32::from(c)))))?
            }
            Value::Bytes(v) if v.len() == 1 => out(Value::Int(i64::from(v[0]))),
            _ => None,
        },
        "str" | "unicode" => match (arg(0), arg(1).or(kwarg("encoding"))) {
            (None, _) => out(Value::Str(String::new())),
            (Some(Value::Bytes(_)), Some(enc)) => {
                let enc = enc.text()?;
                methods::call(
                    &args[0],
                    "decode",
                    &[Folded::plain(Value::Str(enc))],
                    &[],
                    b,
                )
            }
            (Some(v), _) => out(Value::Str(pyfmt::to_str(v)?)),
        },
        "repr" => out(Value::Str(pyfmt::repr(arg(0)?)?)),
        "ascii" => out(Value::Str(pyfmt::ascii(arg(0)?)?)),
        "int" => {
            let base_arg = match arg(1).or(kwarg("base")) {
                Some(v) => Some(u32::try_from(v.as_int()?).ok()?),
                None => None,
            };
            match (arg(0), base_arg) {
                (None, _) => out(Value::Int(0)),
                (Some(v @ (Value::Int(_) | Value::Bool(_))), None) => out(Value::Int(v.as_int()?)),
                (Some(Value::Str(s)), base) => out(Value::Int(parse_int(s, base.unwrap_or(10))?)),
                (Some(Value::Bytes(v)), base) => out(Value::Int(parse_int(
                    std::str::from_utf8(v).ok()?,
                    base.unwrap_or(10),
                )?)),
                _ => None,
            }
        }
        "bool" => out(Value::Bool(arg(0).is_some_and(truthy))),
        "len" => {
            let n = match arg(0)? {
                Value::Str(s) => s.chars().count(),
                Value::Bytes(v) => v.len(),
                Value::List(v) => v.len(),
                Value::Dict(v) => v.len(),
                _ => return None,
            };
            out(Value::Int(i64::try_from(n).ok()?))
        }
        "abs" => out(Value::Int(int(0)?.checked_abs()?)),
        "min" | "max" => {
            let items = if args.len() == 1 {
                iter_values(arg(0)?, b)?
            } else {
                args.iter().map(|f| f.value.clone()).collect()
            };
            let mut best: Option<Value> = None;
            for x in items {
                best = match best {
                    None => Some(x),
                    Some(cur) => {
                        let o = py_cmp(&x, &cur)?;
                        let better = if name == "min" {
                            o == Ordering::Less
                        } else {
                            o == Ordering::Greater
                        };
                        Some(if better { x } else { cur })
                    }
                };
            }
            match best {
                Some(v) => out(v),
                None => out(kwarg("default")?.clone()),
            }
        }
        "sum" => {
            let mut acc = match arg(1).or(kwarg("start")) {
                Some(v) => v.as_int()?,
                None => 0,
            };
            for x in iter_values(arg(0)?, b)? {
                acc = acc.checked_add(x.as_int()?)?;
            }
            out(Value::Int(acc))
        }
        "pow" => match int(2).or_else(|| kwarg("mod").and_then(Value::as_int)) {
            Some(m) => out(Value::Int(pow_mod(int(0)?, int(1)?, m)?)),
            None => out(Value::Int(int_pow(int(0)?, int(1)?)?)),
        },
        "divmod" => {
            let (x, y) = (int(0)?, int(1)?);
            out(Value::List(vec![
                Value::Int(floor_div(x, y)?),
                Value::Int(floor_mod(x, y)?),
            ]))
        }
        "round" => match int(1) {
            None if arg(1).is_some_and(|v| !matches!(v, Value::None)) => None,
            Some(n) if n < 0 => {
                // round(1234, -2) == 1200 (ties to even).
                let p = int_pow(10, n.checked_neg()?)?;
                let x = int(0)?;
                let q = floor_div(x, p)?;
                let r = floor_mod(x, p)?;
                let q = match (r * 2).cmp(&p) {
                    Ordering::Greater => q + 1,
                    Ordering::Equal if q % 2 != 0 => q + 1,
                    _ => q,
                };
                out(Value::Int(q.checked_mul(p)?))
            }
            _ => out(Value::Int(int(0)?)),
        },
        "hex" => out(Value::Str(int_text(int(0)?, 16))),
        "oct" => out(Value::Str(int_text(int(0)?, 8))),
        "bin" => out(Value::Str(int_text(int(0)?, 2))),
        "list" | "tuple" => match arg(0) {
            None => out(Value::List(Vec::new())),
            Some(v) => out(Value::List(iter_values(v, b)?)),
        },
        "bytes" | "bytearray" => {
            let v = match (arg(0), arg(1).or(kwarg("encoding"))) {
                (None, _) => Vec::new(),
                (Some(Value::Str(_)), Some(enc)) => {
                    let enc = enc.text()?;
                    return methods::call(
                        &args[0],
                        "encode",
                        &[Folded::plain(Value::Str(enc))],
                        &[],
                        b,
                    );
                }
                (Some(Value::Str(s)), None) => s.as_bytes().to_vec(),
                (Some(Value::Bytes(v)), _) => v.clone(),
                (Some(Value::Int(n)), _) => {
                    let n = usize::try_from(*n).ok()?;
                    b.fits(n)?;
                    vec![0; n]
                }
                (Some(v @ (Value::List(_) | Value::Dict(_))), _) => {
                    let v = iter_values(v, b)?
                        .iter()
                        .map(|x| x.as_int().and_then(|i| u8::try_from(i).ok()))
                        .collect::<Option<Vec<u8>>>()?;
                    return Some(out(Value::Bytes(v))?.obf("byte list"));
                }
                _ => return None,
            };
            out(Value::Bytes(v))
        }
        "reversed" => {
            let v = match arg(0)? {
                Value::Dict(_) => return None,
                v => iter_values(v, b)?,
            };
            let is_text = matches!(arg(0)?, Value::Str(_) | Value::Bytes(_));
            let f = out(Value::List(v.into_iter().rev().collect()))?;
            Some(if is_text { f.obf("reversed string") } else { f })
        }
        "sorted" => {
            let mut v = iter_values(arg(0)?, b)?;
            let mut ok = true;
            v.sort_by(|x, y| {
                py_cmp(x, y).unwrap_or_else(|| {
                    ok = false;
                    Ordering::Equal
                })
            });
            if !ok {
                return None;
            }
            if kwarg("reverse").is_some_and(truthy) {
                v.reverse();
            }
            out(Value::List(v))
        }
        "range" | "xrange" => {
            let (start, stop, step) = match args.len() {
                1 => (0, int(0)?, 1),
                2 => (int(0)?, int(1)?, 1),
                3 => (int(0)?, int(1)?, int(2)?),
                _ => return None,
            };
            if step == 0 {
                return None;
            }
            let n = if step > 0 && stop > start {
                (i128::from(stop) - i128::from(start) + i128::from(step) - 1) / i128::from(step)
            } else if step < 0 && stop < start {
                (i128::from(start) - i128::from(stop) - i128::from(step) - 1) / -i128::from(step)
            } else {
                0
            };
            let n = usize::try_from(n).ok()?;
            b.items(n)?;
            b.charge(n)?;
            let v = (0..n)
                .map(|i| Value::Int(start + step * i as i64))
                .collect::<Vec<_>>();
            out(Value::List(v))
        }
        "zip" => {
            let mut cols: Vec<Vec<Value>> = Vec::with_capacity(args.len());
            let mut cycles: Vec<(usize, Vec<Value>)> = Vec::new();
            for (i, a) in args.iter().enumerate() {
                match &a.value {
                    Value::Object(o) => match &o.0 {
                        Obj::Cycle(items) if !items.is_empty() => {
                            cycles.push((i, items.clone()));
                            cols.push(Vec::new());
                        }
                        _ => return None,
                    },
                    v => cols.push(iter_values(v, b)?),
                }
            }
            if args.is_empty() || cycles.len() == args.len() {
                return if args.is_empty() {
                    out(Value::List(Vec::new()))
                } else {
                    None
                };
            }
            let n = cols
                .iter()
                .enumerate()
                .filter(|(i, _)| !cycles.iter().any(|(c, _)| c == i))
                .map(|(_, c)| c.len())
                .min()?;
            b.charge(n * args.len())?;
            let mut rows = Vec::with_capacity(n);
            for r in 0..n {
                let row = cols
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match cycles.iter().find(|(ci, _)| *ci == i) {
                        Some((_, items)) => items[r % items.len()].clone(),
                        None => c[r].clone(),
                    })
                    .collect();
                rows.push(Value::List(row));
            }
            out(Value::List(rows))
        }
        "enumerate" => {
            let start = match arg(1).or(kwarg("start")) {
                Some(v) => v.as_int()?,
                None => 0,
            };
            let items = iter_values(arg(0)?, b)?;
            b.charge(items.len())?;
            let v = items
                .into_iter()
                .enumerate()
                .map(|(i, x)| {
                    Some(Value::List(vec![
                        Value::Int(start.checked_add(i as i64)?),
                        x,
                    ]))
                })
                .collect::<Option<Vec<_>>>()?;
            out(Value::List(v))
        }
        "dict" => {
            let mut d: Vec<(Value, Value)> = match arg(0) {
                None => Vec::new(),
                Some(Value::Dict(d)) => d.clone(),
                Some(v) => {
                    let mut d = Vec::new();
                    for pair in iter_values(v, b)? {
                        let Value::List(kv) = pair else { return None };
                        let [k, v] = <[Value; 2]>::try_from(kv).ok()?;
                        dict_set(&mut d, k, v, b)?;
                    }
                    d
                }
            };
            for (k, v) in kw {
                dict_set(&mut d, Value::Str((*k).to_string()), v.value.clone(), b)?;
            }
            out(Value::Dict(d))
        }
        "any" => out(Value::Bool(iter_values(arg(0)?, b)?.iter().any(truthy))),
        "all" => out(Value::Bool(iter_values(arg(0)?, b)?.iter().all(truthy))),
        "format" => {
            let spec = match arg(1) {
                Some(v) => v.text()?,
                None => String::new(),
            };
            out(Value::Str(pyfmt::format_value(arg(0)?, &spec)?))
        }
        "__import__" => {
            let Value::Str(m) = arg(0)? else { return None };
            let fromlist = arg(3).or(kwarg("fromlist")).is_some_and(truthy);
            let level = arg(4)
                .or(kwarg("level"))
                .and_then(Value::as_int)
                .unwrap_or(0);
            if level != 0 || m.is_empty() {
                return None;
            }
            let name = if fromlist {
                m.as_str()
            } else {
                m.split('.').next()?
            };
            Some(out(Value::Name(normalize(name).to_string()))?.obf("__import__"))
        }
        "importlib.import_module" => {
            let Value::Str(m) = arg(0)? else { return None };
            if m.starts_with('.') || m.is_empty() {
                return None;
            }
            Some(out(Value::Name(normalize(m).to_string()))?.obf("__import__"))
        }
        "itertools.cycle" => {
            let items = iter_values(arg(0)?, b)?;
            out(Value::Object(Box::new(Object(Obj::Cycle(items)))))
        }
        "itertools.chain" => {
            let mut v = Vec::new();
            for a in args {
                v.extend(iter_values(&a.value, b)?);
                b.items(v.len())?;
            }
            out(Value::List(v))
        }
        "bytes.fromhex" | "bytearray.fromhex" => {
            let Value::Str(s) = arg(0)? else { return None };
            let v = super::unhex(s.as_bytes())?;
            Folded::decoded(Value::Bytes(v), "hex", &base)
        }
        "int.from_bytes" => {
            let v = arg(0)?.bytes_ref()?;
            let order = match arg(1).or(kwarg("byteorder")) {
                Some(v) => v.text()?,
                None => "big".to_string(),
            };
            let signed = kwarg("signed").is_some_and(truthy);
            if v.len() > 8 {
                return None;
            }
            let mut buf = [0u8; 8];
            let fill = if signed
                && matches!(if order == "big" { v.first() } else { v.last() }, Some(x) if x & 0x80 != 0)
            {
                0xff
            } else {
                0
            };
            buf.fill(fill);
            match order.as_str() {
                "big" => buf[8 - v.len()..].copy_from_slice(v),
                "little" => {
                    let mut r = v.to_vec();
                    r.reverse();
                    buf[8 - v.len()..].copy_from_slice(&r);
                }
                _ => return None,
            }
            let n = i64::from_be_bytes(buf);
            if !signed && n < 0 {
                return None;
            }
            out(Value::Int(n))
        }
        "str.maketrans" | "bytes.maketrans" | "string.maketrans" => {
            methods::maketrans(args, name != "str.maketrans").and_then(out)
        }
        n if n.starts_with("operator.") => {
            let op = &n["operator.".len()..];
            let (x, y) = (arg(0)?, arg(1));
            let v = match (op, y) {
                ("neg", None) => Value::Int(x.as_int()?.checked_neg()?),
                ("not_", None) => Value::Bool(!truthy(x)),
                ("inv" | "invert", None) => Value::Int(!x.as_int()?),
                ("index", None) => Value::Int(x.as_int()?),
                (op, Some(y)) => int_op(op, x, y)?,
                _ => return None,
            };
            out(v)
        }
        n => {
            // `str.upper(s)`, `str.join(sep, parts)`, `bytes.decode(b)`: a method called
            // through its class.
            let m = n
                .strip_prefix("str.")
                .or_else(|| n.strip_prefix("bytes."))?;
            let recv = args.first()?;
            methods::call(recv, m, &args[1..], kw, b)
        }
    }
}

/// `operator.<op>(x, y)` for ints (and `add`/`concat` for sequences).
fn int_op(op: &str, x: &Value, y: &Value) -> Option<Value> {
    if matches!(op, "add" | "concat") {
        match (x, y) {
            (Value::Str(a), Value::Str(c)) => return Some(Value::Str(format!("{a}{c}"))),
            (Value::Bytes(a), Value::Bytes(c)) => {
                return Some(Value::Bytes([a.as_slice(), c].concat()))
            }
            _ => {}
        }
    }
    let (a, c) = (x.as_int()?, y.as_int()?);
    Some(Value::Int(match op {
        "add" => a.checked_add(c)?,
        "sub" => a.checked_sub(c)?,
        "mul" => a.checked_mul(c)?,
        "floordiv" => floor_div(a, c)?,
        "mod" => floor_mod(a, c)?,
        "xor" => a ^ c,
        "and_" => a & c,
        "or_" => a | c,
        "lshift" => shl(a, c)?,
        "rshift" => shr(a, c)?,
        "pow" => int_pow(a, c)?,
        "eq" => return Some(Value::Bool(a == c)),
        "ne" => return Some(Value::Bool(a != c)),
        "lt" => return Some(Value::Bool(a < c)),
        "le" => return Some(Value::Bool(a <= c)),
        "gt" => return Some(Value::Bool(a > c)),
        "ge" => return Some(Value::Bool(a >= c)),
        _ => return None,
    }))
}

/// `a << s`, refused when bits would be lost.
pub(super) fn shl(a: i64, s: i64) -> Option<i64> {
    if !(0..64).contains(&s) {
        return if s >= 64 && a == 0 { Some(0) } else { None };
    }
    let r = a.checked_shl(s as u32)?;
    (r >> s == a).then_some(r)
}

/// `a >> s` (arithmetic, like Python's).
pub(super) fn shr(a: i64, s: i64) -> Option<i64> {
    if s < 0 {
        return None;
    }
    Some(if s >= 64 {
        if a < 0 {
            -1
        } else {
            0
        }
    } else {
        a >> s
    })
}

/// Insert or replace `k` in an insertion-ordered dict.
/// Set `d[k] = v` (a linear search: every comparison is charged to `b`, so building a large
/// dict cannot take quadratic time unbounded).
pub(super) fn dict_set(d: &mut Vec<(Value, Value)>, k: Value, v: Value, b: &Budget) -> Option<()> {
    if matches!(k, Value::List(_) | Value::Dict(_) | Value::Object(_)) && !hashable(&k) {
        return None;
    }
    if d.len() >= super::MAX_ITEMS {
        b.items(d.len() + 1)?;
        return None;
    }
    b.charge(d.len() + 1)?;
    match d.iter_mut().find(|(k2, _)| py_eq(&k, k2) == Some(true)) {
        Some(slot) => slot.1 = v,
        None => d.push((k, v)),
    }
    Some(())
}

fn hashable(v: &Value) -> bool {
    match v {
        Value::List(items) => items.iter().all(hashable),
        Value::Dict(_) | Value::Object(_) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, args: Vec<Value>) -> Option<Value> {
        let args: Vec<Folded> = args.into_iter().map(Folded::plain).collect();
        call(name, &args, &[], &Budget::per_expr()).map(|f| f.value)
    }
    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn ints() {
        assert_eq!(
            run("int", vec![s(" -0x1F "), Value::Int(0)]),
            Some(Value::Int(-31))
        );
        assert_eq!(run("int", vec![s("1_000")]), Some(Value::Int(1000)));
        assert_eq!(
            run("int", vec![s("z"), Value::Int(36)]),
            Some(Value::Int(35))
        );
        assert_eq!(run("int", vec![s("99999999999999999999")]), None);
        assert_eq!(run("int", vec![s("1__0")]), None);
        assert_eq!(run("hex", vec![Value::Int(-255)]), Some(s("-0xff")));
        assert_eq!(run("oct", vec![Value::Int(8)]), Some(s("0o10")));
        assert_eq!(run("bin", vec![Value::Int(5)]), Some(s("0b101")));
        assert_eq!(
            run("pow", vec![Value::Int(2), Value::Int(62)]),
            Some(Value::Int(1 << 62))
        );
        assert_eq!(run("pow", vec![Value::Int(2), Value::Int(64)]), None);
        assert_eq!(
            run("pow", vec![Value::Int(3), Value::Int(200), Value::Int(7)]),
            Some(Value::Int(2))
        );
        assert_eq!(
            run("pow", vec![Value::Int(3), Value::Int(1), Value::Int(-7)]),
            Some(Value::Int(-4))
        );
        assert_eq!(
            run("divmod", vec![Value::Int(-7), Value::Int(2)]),
            Some(Value::List(vec![Value::Int(-4), Value::Int(1)]))
        );
        assert_eq!(
            run("round", vec![Value::Int(1250), Value::Int(-2)]),
            Some(Value::Int(1200))
        );
        assert_eq!(
            run("round", vec![Value::Int(1350), Value::Int(-2)]),
            Some(Value::Int(1400))
        );
        assert_eq!(floor_div(-7, 2), Some(-4));
        assert_eq!(floor_mod(-7, 2), Some(1));
        assert_eq!(floor_mod(7, -2), Some(-1));
        assert_eq!(floor_div(i64::MIN, -1), None);
        assert_eq!(floor_div(1, 0), None);
        assert_eq!(shl(1, 62), Some(1 << 62));
        assert_eq!(shl(1, 63), None);
        assert_eq!(shl(3, 62), None);
        assert_eq!(shr(-5, 1), Some(-3));
        assert_eq!(shr(-5, 100), Some(-1));
        assert_eq!(
            run("operator.xor", vec![Value::Int(5), Value::Int(3)]),
            Some(Value::Int(6))
        );
        assert_eq!(
            run(
                "int.from_bytes",
                vec![Value::Bytes(vec![1, 0]), s("little")]
            ),
            Some(Value::Int(1))
        );
        assert_eq!(
            run(
                "int.from_bytes",
                vec![Value::Bytes(vec![0xff; 9]), s("big")]
            ),
            None
        );
    }

    #[test]
    fn sequences() {
        assert_eq!(run("chr", vec![Value::Int(0x110000)]), None);
        assert_eq!(run("ord", vec![s("é")]), Some(Value::Int(233)));
        assert_eq!(run("ord", vec![s("ab")]), None);
        assert_eq!(run("len", vec![s("héllo")]), Some(Value::Int(5)));
        assert_eq!(
            run("reversed", vec![s("ab")]),
            Some(Value::List(vec![s("b"), s("a")]))
        );
        assert_eq!(
            run("sorted", vec![s("cab")]),
            Some(Value::List(vec![s("a"), s("b"), s("c")]))
        );
        assert_eq!(
            run("sorted", vec![Value::List(vec![s("a"), Value::Int(1)])]),
            None
        );
        assert_eq!(
            run("range", vec![Value::Int(10), Value::Int(0), Value::Int(-3)]),
            Some(Value::List(vec![
                Value::Int(10),
                Value::Int(7),
                Value::Int(4),
                Value::Int(1)
            ]))
        );
        assert_eq!(run("range", vec![Value::Int(0), Value::Int(1 << 40)]), None);
        assert_eq!(
            run(
                "bytes",
                vec![Value::List(vec![Value::Int(104), Value::Int(105)])]
            ),
            Some(Value::Bytes(b"hi".to_vec()))
        );
        assert_eq!(run("bytes", vec![Value::List(vec![Value::Int(256)])]), None);
        assert_eq!(
            run("bytes", vec![Value::Int(3)]),
            Some(Value::Bytes(vec![0; 3]))
        );
        assert_eq!(run("bytes", vec![Value::Int(1 << 40)]), None);
        assert_eq!(
            run(
                "zip",
                vec![
                    s("ab"),
                    Value::List(vec![Value::Int(1), Value::Int(2), Value::Int(3)])
                ]
            ),
            Some(Value::List(vec![
                Value::List(vec![s("a"), Value::Int(1)]),
                Value::List(vec![s("b"), Value::Int(2)])
            ]))
        );
        assert_eq!(
            run("enumerate", vec![s("ab"), Value::Int(1)]),
            Some(Value::List(vec![
                Value::List(vec![Value::Int(1), s("a")]),
                Value::List(vec![Value::Int(2), s("b")])
            ]))
        );
        assert_eq!(
            run(
                "dict",
                vec![Value::List(vec![Value::List(vec![s("k"), Value::Int(1)])])]
            ),
            Some(Value::Dict(vec![(s("k"), Value::Int(1))]))
        );
        assert_eq!(
            run("max", vec![Value::Int(3), Value::Int(9), Value::Int(2)]),
            Some(Value::Int(9))
        );
        assert_eq!(run("min", vec![s("bca")]), Some(s("a")));
        assert_eq!(
            run("sum", vec![Value::List(vec![Value::Int(1), Value::Int(2)])]),
            Some(Value::Int(3))
        );
        assert_eq!(
            run("str.join", vec![s("-"), Value::List(vec![s("a"), s("b")])]),
            Some(s("a-b"))
        );
        assert_eq!(run("str.upper", vec![s("ab")]), Some(s("AB")));
        assert_eq!(
            run("any", vec![Value::List(vec![Value::Int(0), s("")])]),
            Some(Value::Bool(false))
        );
    }

    #[test]
    fn imports_and_reprs() {
        assert_eq!(
            run("__import__", vec![s("os.path")]),
            Some(Value::Name("os".into()))
        );
        assert_eq!(
            run(
                "__import__",
                vec![
                    s("os.path"),
                    Value::None,
                    Value::None,
                    Value::List(vec![s("x")])
                ]
            ),
            Some(Value::Name("os.path".into()))
        );
        assert_eq!(
            run("importlib.import_module", vec![s("builtins")]),
            Some(Value::Name("builtins".into()))
        );
        assert_eq!(name_repr("oct").unwrap(), "<built-in function oct>");
        assert_eq!(name_repr("int").unwrap(), "<class 'int'>");
        assert_eq!(
            name_repr("builtins").unwrap(),
            "<module 'builtins' (built-in)>"
        );
        assert_eq!(name_repr("os"), None);
        assert_eq!(&name_repr("copyright").unwrap()[..18], "Copyright (c) 2001");
        assert_eq!(name_repr("license").unwrap().chars().nth(4), Some(' '));
        assert_eq!(
            run("str", vec![Value::Name("print".into())]),
            Some(s("<built-in function print>"))
        );
        assert_eq!(run("str", vec![Value::Bool(true)]), Some(s("True")));
        assert_eq!(normalize("builtins.exec"), "exec");
        assert_eq!(normalize("__builtins__"), "builtins");
    }

    #[test]
    fn equality_and_truth() {
        assert_eq!(py_eq(&Value::Int(1), &Value::Bool(true)), Some(true));
        assert_eq!(py_eq(&s("a"), &Value::Bytes(b"a".to_vec())), Some(false));
        assert_eq!(py_cmp(&s("a"), &s("b")), Some(Ordering::Less));
        assert!(!truthy(&Value::List(vec![])));
        assert!(truthy(&Value::Name("exec".into())));
    }
}
