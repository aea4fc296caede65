//! Methods and attributes of constant values: `str` (join, split, replace, strip, format,
//! translate, zfill...), `bytes` (decode, hex, translate...), `list`, `dict` and `int`
//! (`to_bytes`, the arithmetic dunders), the dunders obfuscators call on builtins
//! (`oct.__str__()`, `type(1).__name__`), and bound methods. Methods that mutate their
//! receiver (`append`, `sort`, `update`...) are not folded here: only the statement
//! interpreter (`interp`) models them.

use ruff_python_ast::Operator;

use super::builtins::{self, iter_values, py_eq, truthy};
use super::decrypt::{self, Obj};
use super::{arg_at, codecs, eval, kw_arg, pyfmt, Budget, Folded, Object, Value, MAX_VALUE};

/// Call `method` on a constant receiver.
pub(super) fn call(
    recv: &Folded,
    method: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let out = call_inner(recv, method, args, kw, b);
    if out.is_none() {
        eval::report_refusal(std::slice::from_ref(recv), b);
    }
    out
}

fn call_inner(
    recv: &Folded,
    method: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let base = Folded::flags_of_call(Some(recv), args, kw);
    let out = |v: Value| -> Option<Folded> {
        b.fits(v.size())?;
        b.charge(v.size())?;
        base.map(v)
    };
    // Dunders common to every value.
    match method {
        "__str__" | "__repr__" if args.is_empty() => {
            let text = if method == "__str__" {
                pyfmt::to_str(&recv.value)?
            } else {
                pyfmt::repr(&recv.value)?
            };
            let f = out(Value::Str(text))?;
            // `oct.__str__()`: text taken from a builtin's repr, as `str(oct)` is.
            return Some(if matches!(recv.value, Value::Name(_)) {
                f.obf("builtin repr")
            } else {
                f
            });
        }
        "__format__" => {
            let spec = args
                .first()
                .map(|a| a.value.text())
                .unwrap_or(Some(String::new()))?;
            return out(Value::Str(pyfmt::format_value(&recv.value, &spec)?));
        }
        "__len__" if args.is_empty() => {
            return builtins::call("len", std::slice::from_ref(recv), &[], b)
        }
        "__getitem__" if args.len() == 1 => {
            return out(index(&recv.value, &args[0].value)?);
        }
        "__contains__" if args.len() == 1 => {
            return out(Value::Bool(contains(&recv.value, &args[0].value)?));
        }
        "__eq__" | "__ne__" if args.len() == 1 => {
            let eq = py_eq(&recv.value, &args[0].value)?;
            return out(Value::Bool(eq == (method == "__eq__")));
        }
        _ => {}
    }
    if let Some(op) = dunder_op(method) {
        let [other] = args else { return None };
        let (l, r) = if method.starts_with("__r") && method != "__rshift__" {
            (other.clone(), recv.clone())
        } else {
            (recv.clone(), other.clone())
        };
        return eval::binop_values(op, l, r, false, b);
    }
    match &recv.value {
        Value::Str(s) => str_method(s, method, args, kw, b).and_then(|v| {
            let f = out(v)?;
            Some(match method {
                "translate" => f.obf("translate"),
                _ => f,
            })
        }),
        Value::Bytes(v) => bytes_method(recv, v, method, args, kw, b),
        Value::List(items) => match (method, args) {
            ("index", [x]) => {
                let i = items
                    .iter()
                    .position(|y| py_eq(y, &x.value) == Some(true))?;
                out(Value::Int(i as i64))
            }
            ("count", [x]) => {
                let n = items
                    .iter()
                    .filter(|y| py_eq(y, &x.value) == Some(true))
                    .count();
                out(Value::Int(n as i64))
            }
            ("copy", []) => out(recv.value.clone()),
            _ => None,
        },
        Value::Dict(d) => match (method, args) {
            ("get", [k, rest @ ..]) if rest.len() <= 1 => {
                match d.iter().find(|(dk, _)| py_eq(dk, &k.value) == Some(true)) {
                    Some((_, v)) => out(v.clone()),
                    None => out(rest.first().map(|f| f.value.clone()).unwrap_or(Value::None)),
                }
            }
            ("keys", []) => out(Value::List(d.iter().map(|(k, _)| k.clone()).collect())),
            ("values", []) => out(Value::List(d.iter().map(|(_, v)| v.clone()).collect())),
            ("items", []) => out(Value::List(
                d.iter()
                    .map(|(k, v)| Value::List(vec![k.clone(), v.clone()]))
                    .collect(),
            )),
            ("copy", []) => out(recv.value.clone()),
            _ => None,
        },
        Value::Int(i) => match method {
            "to_bytes" => {
                let len = arg_at(args, kw, 0, "length")
                    .map(|f| f.value.as_int())
                    .unwrap_or(Some(1))?;
                let order = arg_at(args, kw, 1, "byteorder")
                    .map(|f| f.value.text())
                    .unwrap_or(Some("big".into()))?;
                let signed = kw.iter().any(|(k, v)| *k == "signed" && truthy(&v.value));
                let len = usize::try_from(len).ok().filter(|l| *l <= 4096)?;
                if *i < 0 && !signed {
                    return None;
                }
                let be = i.to_be_bytes();
                let fill = if *i < 0 { 0xff } else { 0 };
                let mut v = vec![fill; len.saturating_sub(8)];
                let keep = len.min(8);
                // The dropped high bytes must be sign fill, and the sign must survive.
                if be[..8 - keep].iter().any(|x| *x != fill) {
                    return None;
                }
                v.extend_from_slice(&be[8 - keep..]);
                if signed && len > 0 && ((v[0] & 0x80 != 0) != (*i < 0)) {
                    return None;
                }
                if order == "little" {
                    v.reverse();
                } else if order != "big" {
                    return None;
                }
                out(Value::Bytes(v))
            }
            "bit_length" => out(Value::Int(64 - i64::from(i.unsigned_abs().leading_zeros()))),
            "__int__" | "__index__" | "__trunc__" => out(Value::Int(*i)),
            _ => None,
        },
        Value::Name(n) => {
            // `__import__('base64').b64decode(...)`: a function of a computed module.
            let q = format!("{n}.{method}");
            eval::call_named_values(&q, args, kw, b)
        }
        Value::Object(o) => match &o.0 {
            Obj::Method(inner, m) => {
                if method == "__call__" {
                    let f = base.map((**inner).clone())?;
                    return call(&f, m, args, kw, b);
                }
                None
            }
            obj => decrypt::method(recv, obj, method, args, kw, b),
        },
        Value::Bool(_) | Value::None => None,
    }
}

/// The operator an arithmetic dunder stands for.
fn dunder_op(m: &str) -> Option<Operator> {
    Some(match m {
        "__add__" | "__radd__" => Operator::Add,
        "__sub__" | "__rsub__" => Operator::Sub,
        "__mul__" | "__rmul__" => Operator::Mult,
        "__floordiv__" | "__rfloordiv__" => Operator::FloorDiv,
        "__mod__" | "__rmod__" => Operator::Mod,
        "__pow__" | "__rpow__" => Operator::Pow,
        "__xor__" | "__rxor__" => Operator::BitXor,
        "__and__" | "__rand__" => Operator::BitAnd,
        "__or__" | "__ror__" => Operator::BitOr,
        "__lshift__" | "__rlshift__" => Operator::LShift,
        "__rshift__" | "__rrshift__" => Operator::RShift,
        _ => return None,
    })
}

/// `v[i]` for a constant index (ints for sequences, any key for dicts).
pub(super) fn index(v: &Value, i: &Value) -> Option<Value> {
    let at = |len: usize| -> Option<usize> {
        let i = i.as_int()?;
        let j = if i < 0 { len as i64 + i } else { i };
        usize::try_from(j).ok().filter(|j| *j < len)
    };
    match v {
        Value::Str(s) => {
            if s.is_ascii() {
                let j = at(s.len())?;
                return Some(Value::Str(s[j..=j].to_string()));
            }
            let n = s.chars().count();
            Some(Value::Str(s.chars().nth(at(n)?)?.to_string()))
        }
        Value::Bytes(b) => Some(Value::Int(i64::from(b[at(b.len())?]))),
        Value::List(items) => Some(items[at(items.len())?].clone()),
        Value::Dict(d) => d
            .iter()
            .find(|(k, _)| py_eq(k, i) == Some(true))
            .map(|(_, v)| v.clone()),
        _ => None,
    }
}

/// `x in v`.
pub(super) fn contains(v: &Value, x: &Value) -> Option<bool> {
    Some(match (v, x) {
        (Value::Str(s), Value::Str(sub)) => s.contains(sub.as_str()),
        (Value::Bytes(s), Value::Bytes(sub)) => {
            sub.is_empty() || s.windows(sub.len()).any(|w| w == sub.as_slice())
        }
        (Value::Bytes(s), Value::Int(i)) => s.contains(&u8::try_from(*i).ok()?),
        (Value::List(items), x) => {
            for y in items {
                if py_eq(y, x)? {
                    return Some(true);
                }
            }
            false
        }
        (Value::Dict(d), x) => d.iter().any(|(k, _)| py_eq(k, x) == Some(true)),
        _ => return None,
    })
}

/// The attribute `name` of a constant (not called): `__class__`, `__name__`, a module's
/// member, or a bound method.
pub(super) fn attr(recv: &Folded, name: &str, b: &Budget) -> Option<Folded> {
    let v = match (&recv.value, name) {
        (v, "__class__") => Value::Name(builtins::type_name(v)?.to_string()),
        (Value::Name(n), "__name__" | "__qualname__") => Value::Str(match n.as_str() {
            "os.path" => return None,
            n if builtins::is_builtin(n) || !n.contains('.') => n.to_string(),
            n => n.rsplit('.').next()?.to_string(),
        }),
        (Value::Name(n), "__module__") if builtins::is_builtin(n) => Value::Str("builtins".into()),
        (Value::Name(n), "__dict__") => Value::Name(format!("{n}.__dict__")),
        (Value::Name(n), attr) if !attr.starts_with("__") => {
            if n == "builtins" {
                Value::Name(attr.to_string())
            } else if builtins::is_builtin(n) && builtins::name_class(n).is_none_or(|c| c != "type")
            {
                return None;
            } else {
                Value::Name(format!("{n}.{attr}"))
            }
        }
        (Value::Object(o), attr) => match decrypt::attr(&o.0, attr) {
            Some(v) => v,
            None => Value::Object(Box::new(Object(Obj::Method(
                Box::new(recv.value.clone()),
                attr.to_string(),
            )))),
        },
        (
            v @ (Value::Str(_) | Value::Bytes(_) | Value::List(_) | Value::Dict(_) | Value::Int(_)),
            attr,
        ) if has_method(v, attr) => {
            b.charge(recv.value.size())?;
            Value::Object(Box::new(Object(Obj::Method(
                Box::new(recv.value.clone()),
                attr.to_string(),
            ))))
        }
        _ => return None,
    };
    recv.map(v)
}

/// Whether a constant of this type has the method `m` (so `getattr('', 'join')` is a bound
/// method, and `'x'.parent` is not a value).
fn has_method(v: &Value, m: &str) -> bool {
    const COMMON: &[&str] = &[
        "__str__",
        "__repr__",
        "__format__",
        "__len__",
        "__getitem__",
        "__contains__",
        "__eq__",
        "__ne__",
        "__add__",
        "__mul__",
        "__mod__",
        "count",
        "index",
    ];
    const STR: &[&str] = &[
        "join",
        "split",
        "rsplit",
        "splitlines",
        "replace",
        "strip",
        "lstrip",
        "rstrip",
        "removeprefix",
        "removesuffix",
        "upper",
        "lower",
        "casefold",
        "swapcase",
        "capitalize",
        "title",
        "startswith",
        "endswith",
        "find",
        "rfind",
        "rindex",
        "format",
        "format_map",
        "encode",
        "decode",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "expandtabs",
        "translate",
        "maketrans",
        "partition",
        "rpartition",
        "isdigit",
        "isdecimal",
        "isnumeric",
        "isalpha",
        "isalnum",
        "isspace",
        "isascii",
        "isupper",
        "islower",
        "isidentifier",
    ];
    const BYTES: &[&str] = &[
        "decode",
        "hex",
        "join",
        "replace",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "upper",
        "lower",
        "startswith",
        "endswith",
        "find",
        "translate",
    ];
    if COMMON.contains(&m) {
        return true;
    }
    match v {
        Value::Str(_) => STR.contains(&m),
        Value::Bytes(_) => BYTES.contains(&m),
        Value::List(_) => m == "copy",
        Value::Dict(_) => matches!(m, "get" | "keys" | "values" | "items" | "copy"),
        Value::Int(_) => matches!(m, "to_bytes" | "bit_length") || dunder_op(m).is_some(),
        _ => false,
    }
}

fn arg_text(args: &[Folded], i: usize) -> Option<Option<&str>> {
    match args.get(i).map(|f| &f.value) {
        None | Some(Value::None) => Some(None),
        Some(Value::Str(s)) => Some(Some(s.as_str())),
        Some(_) => None,
    }
}

fn arg_int(args: &[Folded], i: usize) -> Option<Option<i64>> {
    match args.get(i).map(|f| &f.value) {
        None | Some(Value::None) => Some(None),
        Some(v) => Some(Some(v.as_int()?)),
    }
}

/// Char-index range `[start:end]` of a str, Python-style clamping.
fn char_range(s: &str, start: Option<i64>, end: Option<i64>) -> (usize, usize) {
    let n = s.chars().count() as i64;
    let norm = |v: i64| if v < 0 { (n + v).max(0) } else { v.min(n) } as usize;
    (
        start.map(norm).unwrap_or(0),
        end.map(norm).unwrap_or(n as usize),
    )
}

fn char_slice(s: &str, a: usize, b: usize) -> String {
    s.chars().skip(a).take(b.saturating_sub(a)).collect()
}

fn split_ws(s: &str, max: Option<usize>, from_right: bool) -> Vec<Value> {
    let mut parts: Vec<&str> = s.split_whitespace().collect();
    if let Some(m) = max {
        if parts.len() > m + 1 {
            // Re-split keeping the remainder intact.
            let mut out = Vec::new();
            if from_right {
                let mut rest = s.trim_end();
                for _ in 0..m {
                    let i = rest.rfind(char::is_whitespace).unwrap_or(0);
                    out.push(rest[i..].trim_start().to_string());
                    rest = rest[..i].trim_end();
                }
                out.push(rest.trim_start().to_string());
                out.reverse();
            } else {
                let mut rest = s.trim_start();
                for _ in 0..m {
                    let i = rest.find(char::is_whitespace).unwrap_or(rest.len());
                    out.push(rest[..i].to_string());
                    rest = rest[i..].trim_start();
                }
                out.push(rest.to_string());
            }
            return out.into_iter().map(Value::Str).collect();
        }
    }
    parts.drain(..).map(|p| Value::Str(p.to_string())).collect()
}

fn str_method(
    s: &str,
    method: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Value> {
    let kwv = |k: &str| kw_arg(kw, k).map(|f| &f.value);
    let width = |i: usize| -> Option<usize> {
        let w = usize::try_from(args.get(i)?.value.as_int()?.max(0)).ok()?;
        b.fits(w.max(s.len()))?;
        Some(w)
    };
    let fillchar = |i: usize| -> Option<char> {
        match args.get(i).map(|f| &f.value) {
            None => Some(' '),
            Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next(),
            _ => None,
        }
    };
    Some(match method {
        "join" => {
            let [it] = args else { return None };
            let parts = iter_values(&it.value, b)?;
            let mut out = String::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    out.push_str(s);
                }
                let Value::Str(p) = p else { return None };
                out.push_str(p);
                if out.len() > MAX_VALUE {
                    b.fits(out.len())?;
                }
            }
            Value::Str(out)
        }
        "split" | "rsplit" => {
            let sep = match arg_text(args, 0)? {
                Some(s) => Some(s),
                None => match kwv("sep") {
                    Some(Value::Str(x)) => Some(x.as_str()),
                    Some(Value::None) | None => None,
                    _ => return None,
                },
            };
            let max = match arg_int(args, 1)?.or_else(|| kwv("maxsplit").and_then(Value::as_int)) {
                Some(m) if m >= 0 => Some(m as usize),
                _ => None,
            };
            let rsplit = method == "rsplit";
            let parts: Vec<Value> = match sep {
                None => split_ws(s, max, rsplit),
                Some("") => return None,
                Some(sep) => {
                    let v: Vec<&str> = match (max, rsplit) {
                        (Some(m), false) => s.splitn(m + 1, sep).collect(),
                        (Some(m), true) => {
                            let mut v: Vec<&str> = s.rsplitn(m + 1, sep).collect();
                            v.reverse();
                            v
                        }
                        (None, _) => s.split(sep).collect(),
                    };
                    v.into_iter().map(|p| Value::Str(p.to_string())).collect()
                }
            };
            b.items(parts.len())?;
            Value::List(parts)
        }
        "splitlines" => {
            let keep = args.first().is_some_and(|f| truthy(&f.value));
            let mut out = Vec::new();
            let mut cur = String::new();
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                let brk = matches!(
                    c,
                    '\n' | '\r'
                        | '\x0b'
                        | '\x0c'
                        | '\x1c'
                        | '\x1d'
                        | '\x1e'
                        | '\u{85}'
                        | '\u{2028}'
                        | '\u{2029}'
                );
                if !brk {
                    cur.push(c);
                    continue;
                }
                if keep {
                    cur.push(c);
                }
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                    if keep {
                        cur.push('\n');
                    }
                }
                out.push(Value::Str(std::mem::take(&mut cur)));
            }
            if !cur.is_empty() {
                out.push(Value::Str(cur));
            }
            b.items(out.len())?;
            Value::List(out)
        }
        "replace" => {
            let (old, new) = (arg_text(args, 0)??, arg_text(args, 1)??);
            let count = arg_int(args, 2)?.unwrap_or(-1);
            let n_matches = if old.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(old).count()
            };
            let n = if count < 0 {
                n_matches
            } else {
                n_matches.min(count as usize)
            };
            b.fits(s.len().saturating_add(n.saturating_mul(new.len())))?;
            if old.is_empty() {
                // 'ab'.replace('', '-') == '-a-b-'
                let mut out = String::new();
                let mut done = 0;
                for c in s.chars() {
                    if done < n {
                        out.push_str(new);
                        done += 1;
                    }
                    out.push(c);
                }
                if done < n {
                    out.push_str(new);
                }
                Value::Str(out)
            } else {
                Value::Str(s.replacen(old, new, n))
            }
        }
        "strip" | "lstrip" | "rstrip" => {
            let chars = arg_text(args, 0)?;
            let pred = |c: char| match chars {
                Some(set) => set.contains(c),
                None => c.is_whitespace(),
            };
            Value::Str(
                match method {
                    "strip" => s.trim_matches(pred),
                    "lstrip" => s.trim_start_matches(pred),
                    _ => s.trim_end_matches(pred),
                }
                .to_string(),
            )
        }
        "removeprefix" => Value::Str(s.strip_prefix(arg_text(args, 0)??).unwrap_or(s).to_string()),
        "removesuffix" => Value::Str(s.strip_suffix(arg_text(args, 0)??).unwrap_or(s).to_string()),
        "upper" => Value::Str(s.to_uppercase()),
        "lower" | "casefold" => Value::Str(s.to_lowercase()),
        "swapcase" => Value::Str(
            s.chars()
                .flat_map(|c| {
                    if c.is_uppercase() {
                        c.to_lowercase().collect::<Vec<_>>()
                    } else {
                        c.to_uppercase().collect::<Vec<_>>()
                    }
                })
                .collect(),
        ),
        "capitalize" => {
            let mut it = s.chars();
            match it.next() {
                None => Value::Str(String::new()),
                Some(c) => Value::Str(
                    c.to_uppercase()
                        .chain(it.as_str().to_lowercase().chars())
                        .collect(),
                ),
            }
        }
        "title" => {
            let mut out = String::with_capacity(s.len());
            let mut prev = false;
            for c in s.chars() {
                if prev {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                prev = c.is_alphabetic();
            }
            Value::Str(out)
        }
        "startswith" | "endswith" => {
            let (lo, hi) = char_range(s, arg_int(args, 1)?, arg_int(args, 2)?);
            let sub = char_slice(s, lo, hi);
            let test = |p: &str| {
                if method == "startswith" {
                    sub.starts_with(p)
                } else {
                    sub.ends_with(p)
                }
            };
            Value::Bool(match &args.first()?.value {
                Value::Str(p) => test(p),
                Value::List(ps) => {
                    let mut any = false;
                    for p in ps {
                        let Value::Str(p) = p else { return None };
                        any |= test(p);
                    }
                    any
                }
                _ => return None,
            })
        }
        "find" | "rfind" | "index" | "rindex" | "count" => {
            let sub = arg_text(args, 0)??;
            let (lo, hi) = char_range(s, arg_int(args, 1)?, arg_int(args, 2)?);
            let hay = char_slice(s, lo, hi);
            if method == "count" {
                let n = if sub.is_empty() {
                    hay.chars().count() + 1
                } else {
                    hay.matches(sub).count()
                };
                return Some(Value::Int(n as i64));
            }
            let pos = if method.starts_with('r') {
                hay.rfind(sub)
            } else {
                hay.find(sub)
            };
            match pos {
                Some(p) => Value::Int((lo + hay[..p].chars().count()) as i64),
                None if method.ends_with("index") => return None,
                None => Value::Int(-1),
            }
        }
        "format" => {
            let a: Vec<Value> = args.iter().map(|f| f.value.clone()).collect();
            let k: Vec<(&str, Value)> = kw.iter().map(|(n, v)| (*n, v.value.clone())).collect();
            Value::Str(pyfmt::str_format(s, &a, &k)?)
        }
        "format_map" => {
            let Value::Dict(d) = &args.first()?.value else {
                return None;
            };
            let k = d
                .iter()
                .map(|(k, v)| match k {
                    Value::Str(k) => Some((k.as_str(), v.clone())),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Value::Str(pyfmt::str_format(s, &[], &k)?)
        }
        "__mod__" => {
            let a = &args.first()?.value;
            Value::Str(pyfmt::percent(s, a, true)?)
        }
        "encode" | "decode" => {
            let enc = match arg_text(args, 0)? {
                Some(e) => e.to_string(),
                None => match kwv("encoding") {
                    Some(Value::Str(e)) => e.clone(),
                    None => "utf-8".into(),
                    _ => return None,
                },
            };
            let f = codecs::codec(
                &Folded::plain(Value::Str(s.to_string())),
                &enc,
                method == "decode",
                b,
            )?;
            return Some(f.value);
        }
        "zfill" => {
            let w = width(0)?;
            let n = s.chars().count();
            if n >= w {
                Value::Str(s.to_string())
            } else {
                let (sign, rest) = match s.chars().next() {
                    Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
                    _ => (String::new(), s),
                };
                Value::Str(format!("{sign}{}{rest}", "0".repeat(w - n)))
            }
        }
        "center" | "ljust" | "rjust" => {
            let (w, fill) = (width(0)?, fillchar(1)?);
            let n = s.chars().count();
            if n >= w {
                Value::Str(s.to_string())
            } else {
                let pad = w - n;
                let (l, r) = match method {
                    "ljust" => (0, pad),
                    "rjust" => (pad, 0),
                    // CPython centres with the extra space on the right... unless both the
                    // padding and the width are odd.
                    _ => {
                        let l = pad / 2 + (pad & w & 1);
                        (l, pad - l)
                    }
                };
                let f = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
                Value::Str(format!("{}{s}{}", f(l), f(r)))
            }
        }
        "expandtabs" => {
            let size = usize::try_from(arg_int(args, 0)?.unwrap_or(8).max(0)).ok()?;
            let mut out = String::new();
            let mut col = 0;
            for c in s.chars() {
                match c {
                    '\t' => {
                        let n = if size == 0 { 0 } else { size - col % size };
                        b.fits(out.len() + n)?;
                        out.extend(std::iter::repeat_n(' ', n));
                        col += n;
                    }
                    '\n' | '\r' => {
                        out.push(c);
                        col = 0;
                    }
                    c => {
                        out.push(c);
                        col += 1;
                    }
                }
            }
            Value::Str(out)
        }
        "translate" => {
            let table = &args.first()?.value;
            translate_str(s, table, b)?
        }
        "maketrans" => return maketrans(args, false),
        "partition" | "rpartition" => {
            let sep = arg_text(args, 0)??;
            if sep.is_empty() {
                return None;
            }
            let pos = if method == "partition" {
                s.find(sep)
            } else {
                s.rfind(sep)
            };
            let (a, m, c) = match (pos, method) {
                (Some(p), _) => (&s[..p], sep, &s[p + sep.len()..]),
                (None, "partition") => (s, "", ""),
                (None, _) => ("", "", s),
            };
            Value::List(vec![
                Value::Str(a.into()),
                Value::Str(m.into()),
                Value::Str(c.into()),
            ])
        }
        "isdigit" | "isdecimal" | "isnumeric" => Value::Bool(
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_digit() || (method != "isdigit" && c.is_numeric())),
        ),
        "isalpha" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
        "isalnum" => Value::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
        "isspace" => Value::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
        "isascii" => Value::Bool(s.is_ascii()),
        "isupper" => {
            Value::Bool(s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase))
        }
        "islower" => {
            Value::Bool(s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase))
        }
        "isidentifier" => Value::Bool(
            s.chars()
                .next()
                .is_some_and(|c| c == '_' || c.is_alphabetic())
                && s.chars().all(|c| c == '_' || c.is_alphanumeric()),
        ),
        _ => return None,
    })
}

/// `str.translate(table)`: a dict of code points (to a code point, a string or `None`), or a
/// string indexed by code point.
fn translate_str(s: &str, table: &Value, b: &Budget) -> Option<Value> {
    let mut map: std::collections::HashMap<u32, Option<String>> = std::collections::HashMap::new();
    match table {
        Value::Dict(d) => {
            for (k, v) in d {
                let k = u32::try_from(k.as_int()?).ok()?;
                let v = match v {
                    Value::None => None,
                    Value::Str(x) => Some(x.clone()),
                    v => Some(char::from_u32(u32::try_from(v.as_int()?).ok()?)?.to_string()),
                };
                map.insert(k, v);
            }
        }
        Value::Str(t) => {
            let t: Vec<char> = t.chars().collect();
            let mut out = String::with_capacity(s.len());
            for c in s.chars() {
                out.push(*t.get(c as usize).unwrap_or(&c));
            }
            return Some(Value::Str(out));
        }
        _ => return None,
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match map.get(&u32::from(c)) {
            None => out.push(c),
            Some(None) => {}
            Some(Some(r)) => {
                out.push_str(r);
                b.fits(out.len())?;
            }
        }
    }
    Some(Value::Str(out))
}

/// `str.maketrans(...)` (a dict of code points) or `bytes.maketrans(a, b)` (a 256-byte table).
pub(super) fn maketrans(args: &[Folded], bytes_table: bool) -> Option<Value> {
    let b = &Budget::per_expr();
    let vals: Vec<&Value> = args.iter().map(|f| &f.value).collect();
    if bytes_table {
        let [from, to] = vals.as_slice() else {
            return None;
        };
        let (from, to) = (from.bytes_ref()?, to.bytes_ref()?);
        if from.len() != to.len() {
            return None;
        }
        let mut t: Vec<u8> = (0..=255).collect();
        for (a, c) in from.iter().zip(to) {
            t[*a as usize] = *c;
        }
        return Some(Value::Bytes(t));
    }
    let mut d: Vec<(Value, Value)> = Vec::new();
    match vals.as_slice() {
        [Value::Dict(src)] => {
            for (k, v) in src {
                let k = match k {
                    Value::Str(c) if c.chars().count() == 1 => {
                        i64::from(u32::from(c.chars().next()?))
                    }
                    Value::Int(i) => *i,
                    _ => return None,
                };
                builtins::dict_set(&mut d, Value::Int(k), v.clone(), b)?;
            }
        }
        [Value::Str(x), Value::Str(y), rest @ ..] if rest.len() <= 1 => {
            if x.chars().count() != y.chars().count() {
                return None;
            }
            for (a, c) in x.chars().zip(y.chars()) {
                builtins::dict_set(
                    &mut d,
                    Value::Int(i64::from(u32::from(a))),
                    Value::Int(i64::from(u32::from(c))),
                    b,
                )?;
            }
            if let Some(Value::Str(z)) = rest.first() {
                for c in z.chars() {
                    builtins::dict_set(
                        &mut d,
                        Value::Int(i64::from(u32::from(c))),
                        Value::None,
                        b,
                    )?;
                }
            }
        }
        _ => return None,
    }
    Some(Value::Dict(d))
}

fn bytes_method(
    recv: &Folded,
    v: &[u8],
    method: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let base = Folded::flags_of(std::iter::once(recv).chain(args));
    let out = |x: Value| -> Option<Folded> {
        b.fits(x.size())?;
        b.charge(x.size())?;
        base.map(x)
    };
    let arg_bytes = |i: usize| -> Option<Option<&[u8]>> {
        match args.get(i).map(|f| &f.value) {
            None | Some(Value::None) => Some(None),
            Some(Value::Bytes(x)) => Some(Some(x.as_slice())),
            Some(_) => None,
        }
    };
    match method {
        "decode" => {
            let enc = match arg_text(args, 0)? {
                Some(e) => e.to_string(),
                None => match kw_arg(kw, "encoding").map(|f| &f.value) {
                    Some(Value::Str(e)) => e.clone(),
                    None => "utf-8".into(),
                    _ => return None,
                },
            };
            let mut f = codecs::codec(recv, &enc, true, b)?;
            f.absorb(&base);
            Some(f)
        }
        "hex" => {
            let h = hex::encode(v);
            match arg_text(args, 0)? {
                None => out(Value::Str(h)),
                Some(sep) => {
                    let pairs: Vec<&str> = (0..h.len()).step_by(2).map(|i| &h[i..i + 2]).collect();
                    out(Value::Str(pairs.join(sep)))
                }
            }
        }
        "join" => {
            let [it] = args else { return None };
            let mut o = Vec::new();
            for (i, p) in iter_values(&it.value, b)?.iter().enumerate() {
                if i > 0 {
                    o.extend_from_slice(v);
                }
                let Value::Bytes(p) = p else { return None };
                o.extend_from_slice(p);
                b.fits(o.len())?;
            }
            out(Value::Bytes(o))
        }
        "replace" => {
            let (old, new) = (arg_bytes(0)??, arg_bytes(1)??);
            if old.is_empty() {
                return None;
            }
            let mut o = Vec::with_capacity(v.len());
            let mut i = 0;
            while i < v.len() {
                if v[i..].starts_with(old) {
                    o.extend_from_slice(new);
                    b.fits(o.len())?;
                    i += old.len();
                } else {
                    o.push(v[i]);
                    i += 1;
                }
            }
            out(Value::Bytes(o))
        }
        "strip" | "lstrip" | "rstrip" => {
            let set = arg_bytes(0)?;
            let keep = |c: &u8| match set {
                Some(s) => !s.contains(c),
                None => !c.is_ascii_whitespace() && *c != 0x0b,
            };
            let start = if method == "rstrip" {
                0
            } else {
                v.iter().position(keep).unwrap_or(v.len())
            };
            let end = if method == "lstrip" {
                v.len()
            } else {
                v.iter().rposition(keep).map(|p| p + 1).unwrap_or(start)
            };
            out(Value::Bytes(v[start..end.max(start)].to_vec()))
        }
        "split" => {
            let sep = arg_bytes(0)?;
            let parts: Vec<Value> = match sep {
                None => v
                    .split(|c| c.is_ascii_whitespace())
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::Bytes(p.to_vec()))
                    .collect(),
                Some([]) => return None,
                Some(sep) => {
                    let mut parts = Vec::new();
                    let mut rest = v;
                    while let Some(p) = rest.windows(sep.len()).position(|w| w == sep) {
                        parts.push(Value::Bytes(rest[..p].to_vec()));
                        rest = &rest[p + sep.len()..];
                    }
                    parts.push(Value::Bytes(rest.to_vec()));
                    parts
                }
            };
            b.items(parts.len())?;
            out(Value::List(parts))
        }
        "upper" => out(Value::Bytes(v.to_ascii_uppercase())),
        "lower" => out(Value::Bytes(v.to_ascii_lowercase())),
        "startswith" => out(Value::Bool(v.starts_with(arg_bytes(0)??))),
        "endswith" => out(Value::Bool(v.ends_with(arg_bytes(0)??))),
        "find" | "index" => {
            let sub = arg_bytes(0)??;
            let pos = if sub.is_empty() {
                Some(0)
            } else {
                v.windows(sub.len()).position(|w| w == sub)
            };
            match pos {
                Some(p) => out(Value::Int(p as i64)),
                None if method == "index" => None,
                None => out(Value::Int(-1)),
            }
        }
        "count" => {
            let sub = arg_bytes(0)??;
            if sub.is_empty() {
                return out(Value::Int(v.len() as i64 + 1));
            }
            let (mut n, mut i) = (0, 0);
            while i + sub.len() <= v.len() {
                if &v[i..i + sub.len()] == sub {
                    n += 1;
                    i += sub.len();
                } else {
                    i += 1;
                }
            }
            out(Value::Int(n))
        }
        "translate" => {
            let table = arg_bytes(0)?;
            let delete = match arg_bytes(1)? {
                Some(d) => d.to_vec(),
                None => match kw_arg(kw, "delete").map(|f| &f.value) {
                    Some(Value::Bytes(d)) => d.clone(),
                    None => Vec::new(),
                    _ => return None,
                },
            };
            if table.is_some_and(|t| t.len() != 256) {
                return None;
            }
            let o: Vec<u8> = v
                .iter()
                .filter(|c| !delete.contains(c))
                .map(|c| table.map(|t| t[*c as usize]).unwrap_or(*c))
                .collect();
            Some(out(Value::Bytes(o))?.obf("translate"))
        }
        "__mod__" => {
            let fmt = std::str::from_utf8(v).ok()?;
            let a = &args.first()?.value;
            let a = match a {
                Value::Bytes(x) => Value::Str(String::from_utf8(x.clone()).ok()?),
                other => other.clone(),
            };
            out(Value::Bytes(pyfmt::percent(fmt, &a, true)?.into_bytes()))
        }
        "fromhex" => None,
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Folded {
        Folded::plain(Value::Str(x.into()))
    }
    fn i(x: i64) -> Folded {
        Folded::plain(Value::Int(x))
    }
    fn m(recv: Folded, method: &str, args: Vec<Folded>) -> Option<Value> {
        call(&recv, method, &args, &[], &Budget::per_expr()).map(|f| f.value)
    }
    fn st(x: &str) -> Value {
        Value::Str(x.into())
    }
    fn list(v: &[&str]) -> Value {
        Value::List(v.iter().map(|x| st(x)).collect())
    }

    #[test]
    fn str_methods() {
        assert_eq!(
            m(s("a,b,,c"), "split", vec![s(",")]),
            Some(list(&["a", "b", "", "c"]))
        );
        assert_eq!(
            m(s("  a  b c "), "split", vec![]),
            Some(list(&["a", "b", "c"]))
        );
        assert_eq!(
            m(s("a b c"), "split", vec![Folded::plain(Value::None), i(1)]),
            Some(list(&["a", "b c"]))
        );
        assert_eq!(
            m(s("a b c"), "rsplit", vec![Folded::plain(Value::None), i(1)]),
            Some(list(&["a b", "c"]))
        );
        assert_eq!(
            m(s("a.b.c"), "rsplit", vec![s("."), i(1)]),
            Some(list(&["a.b", "c"]))
        );
        assert_eq!(
            m(s("x\r\ny\nz"), "splitlines", vec![]),
            Some(list(&["x", "y", "z"]))
        );
        assert_eq!(
            m(s("eXvXal"), "replace", vec![s("X"), s("")]),
            Some(st("eval"))
        );
        assert_eq!(
            m(s("aaa"), "replace", vec![s("a"), s("b"), i(2)]),
            Some(st("bba"))
        );
        assert_eq!(
            m(s("ab"), "replace", vec![s(""), s("-")]),
            Some(st("-a-b-"))
        );
        assert_eq!(m(s("xxhixx"), "strip", vec![s("x")]), Some(st("hi")));
        assert_eq!(m(s("  hi "), "lstrip", vec![]), Some(st("hi ")));
        assert_eq!(
            m(s("hello world"), "title", vec![]),
            Some(st("Hello World"))
        );
        assert_eq!(m(s("hELLO"), "capitalize", vec![]), Some(st("Hello")));
        assert_eq!(m(s("aB"), "swapcase", vec![]), Some(st("Ab")));
        assert_eq!(m(s("héllo"), "find", vec![s("l")]), Some(Value::Int(2)));
        assert_eq!(m(s("hello"), "rfind", vec![s("l")]), Some(Value::Int(3)));
        assert_eq!(m(s("hello"), "index", vec![s("z")]), None);
        assert_eq!(m(s("hello"), "count", vec![s("l")]), Some(Value::Int(2)));
        assert_eq!(
            m(s("hello"), "startswith", vec![s("he")]),
            Some(Value::Bool(true))
        );
        assert_eq!(m(s("-5"), "zfill", vec![i(4)]), Some(st("-005")));
        assert_eq!(m(s("ab"), "center", vec![i(5), s("*")]), Some(st("**ab*")));
        assert_eq!(
            m(s("abc"), "center", vec![i(6), s("*")]),
            Some(st("*abc**"))
        );
        assert_eq!(m(s("a"), "center", vec![i(4)]), Some(st(" a  ")));
        assert_eq!(m(s("ab"), "rjust", vec![i(4), s("0")]), Some(st("00ab")));
        assert_eq!(m(s("ab"), "zfill", vec![i(1 << 40)]), None);
        assert_eq!(
            m(s("a=b"), "partition", vec![s("=")]),
            Some(list(&["a", "=", "b"]))
        );
        assert!(m(s("{}-{x}"), "format", vec![s("1")]).is_none());
        assert_eq!(
            call(
                &s("{}-{x}"),
                "format",
                &[s("1")],
                &[("x", s("2"))],
                &Budget::per_expr()
            )
            .map(|f| f.value),
            Some(st("1-2"))
        );
        assert_eq!(
            m(s("hi"), "encode", vec![]),
            Some(Value::Bytes(b"hi".to_vec()))
        );
        assert_eq!(
            m(s("aGk="), "decode", vec![s("base64")]),
            Some(Value::Bytes(b"hi".to_vec()))
        );
        assert_eq!(m(s("a"), "__add__", vec![s("b")]), Some(st("ab")));
        assert_eq!(m(s("ab"), "__getitem__", vec![i(-1)]), Some(st("b")));
        assert_eq!(m(s("ab"), "__len__", vec![]), Some(Value::Int(2)));
        assert_eq!(m(s("ab"), "__str__", vec![]), Some(st("ab")));
        assert_eq!(m(s("ab"), "__repr__", vec![]), Some(st("'ab'")));
        assert_eq!(m(s("ab"), "removeprefix", vec![s("a")]), Some(st("b")));
        assert_eq!(m(s("a\tb"), "expandtabs", vec![i(4)]), Some(st("a   b")));
        assert_eq!(m(s("abc"), "isalpha", vec![]), Some(Value::Bool(true)));
    }

    #[test]
    fn translate_and_maketrans() {
        let t = maketrans(&[s("abc"), s("xyz"), s("d")], false).unwrap();
        assert_eq!(
            m(s("abcd!"), "translate", vec![Folded::plain(t)]),
            Some(st("xyz!"))
        );
        let f = call(
            &s("ab"),
            "translate",
            &[Folded::plain(maketrans(&[s("a"), s("b")], false).unwrap())],
            &[],
            &Budget::per_expr(),
        )
        .unwrap();
        assert!(f.obfuscated);
        assert_eq!(f.value, st("bb"));
        let d = Value::Dict(vec![(st("a"), st("ex")), (Value::Int(98), Value::None)]);
        let t = maketrans(&[Folded::plain(d)], false).unwrap();
        assert_eq!(
            m(s("ab"), "translate", vec![Folded::plain(t)]),
            Some(st("ex"))
        );
        let bt = maketrans(
            &[
                Folded::plain(Value::Bytes(b"ab".to_vec())),
                Folded::plain(Value::Bytes(b"ba".to_vec())),
            ],
            true,
        )
        .unwrap();
        assert_eq!(
            m(
                Folded::plain(Value::Bytes(b"abc".to_vec())),
                "translate",
                vec![Folded::plain(bt)]
            ),
            Some(Value::Bytes(b"bac".to_vec()))
        );
    }

    #[test]
    fn bytes_list_dict_int_methods() {
        let by = |x: &[u8]| Folded::plain(Value::Bytes(x.to_vec()));
        assert_eq!(m(by(b"hi"), "hex", vec![]), Some(st("6869")));
        assert_eq!(m(by(b"hi"), "decode", vec![]), Some(st("hi")));
        assert_eq!(
            m(
                by(b"-"),
                "join",
                vec![Folded::plain(Value::List(vec![
                    Value::Bytes(b"a".to_vec()),
                    Value::Bytes(b"b".to_vec())
                ]))]
            ),
            Some(Value::Bytes(b"a-b".to_vec()))
        );
        assert_eq!(
            m(by(b"a\0\0"), "rstrip", vec![by(b"\0")]),
            Some(Value::Bytes(b"a".to_vec()))
        );
        assert_eq!(
            m(by(b"axbxc"), "split", vec![by(b"x")]),
            Some(Value::List(vec![
                Value::Bytes(b"a".to_vec()),
                Value::Bytes(b"b".to_vec()),
                Value::Bytes(b"c".to_vec())
            ]))
        );
        assert_eq!(
            m(by(b"aab"), "replace", vec![by(b"a"), by(b"")]),
            Some(Value::Bytes(b"b".to_vec()))
        );
        let d = Folded::plain(Value::Dict(vec![(st("k"), Value::Int(1))]));
        assert_eq!(m(d.clone(), "get", vec![s("k")]), Some(Value::Int(1)));
        assert_eq!(m(d.clone(), "get", vec![s("z"), i(5)]), Some(Value::Int(5)));
        assert_eq!(
            m(d, "items", vec![]),
            Some(Value::List(vec![Value::List(vec![st("k"), Value::Int(1)])]))
        );
        assert_eq!(
            m(i(258), "to_bytes", vec![i(2), s("big")]),
            Some(Value::Bytes(vec![1, 2]))
        );
        assert_eq!(
            m(i(258), "to_bytes", vec![i(2), s("little")]),
            Some(Value::Bytes(vec![2, 1]))
        );
        assert_eq!(m(i(258), "to_bytes", vec![i(1), s("big")]), None);
        assert_eq!(m(i(5), "__xor__", vec![i(3)]), Some(Value::Int(6)));
        assert_eq!(m(i(5), "__rsub__", vec![i(3)]), Some(Value::Int(-2)));
        assert_eq!(m(i(255), "bit_length", vec![]), Some(Value::Int(8)));
        assert_eq!(
            m(Folded::plain(Value::Name("oct".into())), "__str__", vec![]),
            Some(st("<built-in function oct>"))
        );
    }

    #[test]
    fn attributes() {
        let b = Budget::per_expr();
        let name = |n: &str| Folded::plain(Value::Name(n.into()));
        assert_eq!(attr(&name("oct"), "__name__", &b).unwrap().value, st("oct"));
        assert_eq!(
            attr(&name("os.system"), "__name__", &b).unwrap().value,
            st("system")
        );
        assert_eq!(
            attr(&name("oct"), "__class__", &b).unwrap().value,
            Value::Name("builtin_function_or_method".into())
        );
        assert_eq!(
            attr(&s("x"), "__class__", &b).unwrap().value,
            Value::Name("str".into())
        );
        assert_eq!(
            attr(&name("builtins"), "exec", &b).unwrap().value,
            Value::Name("exec".into())
        );
        assert_eq!(
            attr(&name("os"), "system", &b).unwrap().value,
            Value::Name("os.system".into())
        );
        assert!(attr(&name("oct"), "system", &b).is_none());
        assert!(attr(&name("os.path"), "__name__", &b).is_none());
        let bound = attr(&s(""), "join", &b).unwrap();
        assert_eq!(
            call(
                &bound,
                "__call__",
                &[Folded::plain(list(&["a", "b"]))],
                &[],
                &b
            )
            .unwrap()
            .value,
            st("ab")
        );
    }
}
