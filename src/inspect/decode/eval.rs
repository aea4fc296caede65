//! The expression evaluator: literals, names, containers, operators, comparisons,
//! conditional expressions, subscripts and slices, attributes, calls (builtins, codecs,
//! crypto, methods, lambdas), comprehensions and f-strings over constants.
//!
//! Recursion is bounded by [`MAX_DEPTH`]; chains that real code writes long — `a + b + ...`
//! and `s.replace(..).replace(..)...` — are walked iteratively instead. Every step spends from
//! the [`Budget`], so the work of one evaluation is bounded whatever the input.

use ruff_python_ast::{self as ast, BoolOp, CmpOp, Expr, Number, Operator, UnaryOp};

use super::builtins::{
    self, floor_div, floor_mod, int_pow, iter_values, py_cmp, py_eq, shl, shr, truthy,
};
use super::decrypt::{self, Obj};
use super::{
    codecs, methods, pyfmt, Bound, Budget, Callee, Env, Folded, HashMap, Value, MAX_CHAIN,
    MAX_DEPTH, MAX_LAYERS, MAX_NAME_LINKS,
};

/// One evaluation: the file's constants, the budget, and the bindings of the comprehensions,
/// lambdas and statements being evaluated.
pub(super) struct Ev<'s> {
    pub(super) env: &'s Env<'s>,
    pub(super) budget: &'s Budget,
    /// Comprehension and lambda bindings, innermost last.
    locals: Vec<(&'s str, Folded)>,
    /// Variables of the statement interpreter (a loop, a function body), when one runs.
    pub(super) frame: Option<HashMap<&'s str, Folded>>,
}

/// A call's folded positional and keyword arguments.
pub(super) type Args<'s> = (Vec<Folded>, Vec<(&'s str, Folded)>);

/// Something `map`/`filter`/`sorted(key=)` can call.
enum Callable<'s> {
    Lambda(&'s ast::ExprLambda),
    Named(String),
    Method(Folded, String),
}

/// Whether `name` is a function some part of the evaluator folds.
fn known(name: &str) -> bool {
    builtins::handles(name) || codecs::handles(name) || decrypt::handles(name)
}

/// Call a named function (builtin, codec, crypto) on constant arguments.
pub(super) fn call_named_values(
    name: &str,
    args: &[Folded],
    kw: &[(&str, Folded)],
    b: &Budget,
) -> Option<Folded> {
    let name = builtins::normalize(name);
    let out = if codecs::handles(name) {
        codecs::call(name, args, kw, b)
    } else if decrypt::handles(name) {
        decrypt::call(name, args, kw, b)
    } else if builtins::handles(name) {
        builtins::call(name, args, kw, b)
    } else {
        return None;
    };
    if out.is_none() {
        report_refusal(args, b);
    }
    out
}

/// When a known operation on constants gave nothing, say whether a bound was the reason:
/// an argument already [`MAX_LAYERS`] decodings deep, or too large to decode further.
pub(super) fn report_refusal(args: &[Folded], b: &Budget) {
    if args.iter().any(|a| a.layers() >= MAX_LAYERS) {
        b.exceed(Bound::Layers);
    } else if args.iter().any(|a| a.value.size() > super::MAX_VALUE) {
        b.exceed(Bound::Size);
    }
}

/// Constants read as attributes: the `string` module's alphabets, `AES.MODE_CBC`...
fn dotted_const(name: &str) -> Option<Value> {
    const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
    const UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    const WS: &str = " \t\n\r\x0b\x0c";
    let s = match name {
        "string.ascii_lowercase" | "string.lowercase" => LOWER.to_string(),
        "string.ascii_uppercase" | "string.uppercase" => UPPER.to_string(),
        "string.ascii_letters" | "string.letters" => format!("{LOWER}{UPPER}"),
        "string.digits" => "0123456789".into(),
        "string.hexdigits" => "0123456789abcdefABCDEF".into(),
        "string.octdigits" => "01234567".into(),
        "string.punctuation" => PUNCT.into(),
        "string.whitespace" => WS.into(),
        "string.printable" => format!("0123456789{LOWER}{UPPER}{PUNCT}{WS}"),
        _ => return decrypt::dotted_const(name),
    };
    Some(Value::Str(s))
}

/// Whether a module attribute may be one of the constants [`dotted_const`] knows (checked
/// before a dotted name is built: most attributes are not).
fn const_attr(attr: &str) -> bool {
    attr.starts_with("MODE_")
        || matches!(
            attr,
            "block_size"
                | "ascii_lowercase"
                | "ascii_uppercase"
                | "ascii_letters"
                | "lowercase"
                | "uppercase"
                | "letters"
                | "digits"
                | "hexdigits"
                | "octdigits"
                | "punctuation"
                | "whitespace"
                | "printable"
        )
}

/// The class of a literal written in the code (`()` is a tuple, though it folds to a list).
fn literal_type(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::Tuple(_) => "tuple",
        Expr::List(_) | Expr::ListComp(_) => "list",
        Expr::Dict(_) | Expr::DictComp(_) => "dict",
        Expr::Set(_) | Expr::SetComp(_) => "set",
        Expr::StringLiteral(_) | Expr::FString(_) => "str",
        Expr::BytesLiteral(_) => "bytes",
        Expr::BooleanLiteral(_) => "bool",
        Expr::NoneLiteral(_) => "NoneType",
        Expr::Generator(_) => "generator",
        Expr::Lambda(_) => "function",
        Expr::NumberLiteral(n) => match n.value {
            Number::Int(_) => "int",
            Number::Float(_) => "float",
            Number::Complex { .. } => "complex",
        },
        _ => return None,
    })
}

/// `Name.attr.attr...`: the root name and the links from the root outwards.
fn plain_chain(e: &Expr) -> Option<(&str, Vec<&str>)> {
    let mut links = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::Name(n) => {
                links.reverse();
                return Some((n.id.as_str(), links));
            }
            Expr::Attribute(a) => {
                if links.len() >= MAX_NAME_LINKS {
                    return None;
                }
                links.push(a.attr.as_str());
                cur = &a.value;
            }
            _ => return None,
        }
    }
}

/// The root name of `name.attr...` (at most [`MAX_NAME_LINKS`] links), without allocating.
fn chain_root(mut e: &Expr) -> Option<&str> {
    for _ in 0..=MAX_NAME_LINKS {
        match e {
            Expr::Name(n) => return Some(n.id.as_str()),
            Expr::Attribute(a) => e = &a.value,
            _ => return None,
        }
    }
    None
}

/// `a op b` on constants. `tuple` says whether the right operand of `%` was written as a
/// tuple (or a name), so `'%s %s' % t` unpacks it.
pub(super) fn binop_values(
    op: Operator,
    mut l: Folded,
    r: Folded,
    tuple: bool,
    b: &Budget,
) -> Option<Folded> {
    use Operator::*;
    let ints = |x: &Value, y: &Value| Some((x.as_int()?, y.as_int()?));
    let new: Option<Value> = match op {
        Add => match (&mut l.value, &r.value) {
            (Value::Str(a), Value::Str(c)) => {
                b.fits(a.len() + c.len())?;
                b.charge(c.len())?;
                a.push_str(c);
                None
            }
            (Value::Bytes(a), Value::Bytes(c)) => {
                b.fits(a.len() + c.len())?;
                b.charge(c.len())?;
                a.extend_from_slice(c);
                None
            }
            (Value::List(a), Value::List(c)) => {
                b.items(a.len() + c.len())?;
                b.charge(r.value.size())?;
                a.extend(c.iter().cloned());
                None
            }
            (x, y) => {
                let (p, q) = ints(x, y)?;
                Some(Value::Int(p.checked_add(q)?))
            }
        },
        Mult => match (&l.value, &r.value) {
            (Value::Str(s), n) | (n, Value::Str(s)) if n.as_int().is_some() => {
                let n = usize::try_from(n.as_int()?.max(0)).ok()?;
                b.fits(s.len().checked_mul(n)?)?;
                b.charge(s.len() * n)?;
                Some(Value::Str(s.repeat(n)))
            }
            (Value::Bytes(s), n) | (n, Value::Bytes(s)) if n.as_int().is_some() => {
                let n = usize::try_from(n.as_int()?.max(0)).ok()?;
                b.fits(s.len().checked_mul(n)?)?;
                b.charge(s.len() * n)?;
                Some(Value::Bytes(s.repeat(n)))
            }
            (Value::List(s), n) | (n, Value::List(s)) if n.as_int().is_some() => {
                let n = usize::try_from(n.as_int()?.max(0)).ok()?;
                b.items(s.len().checked_mul(n)?)?;
                let size = l.value.size().max(r.value.size());
                b.fits(size.checked_mul(n)?)?;
                b.charge(s.len() * n)?;
                let mut v = Vec::with_capacity(s.len() * n);
                for _ in 0..n {
                    v.extend(s.iter().cloned());
                }
                Some(Value::List(v))
            }
            (x, y) => {
                let (p, q) = ints(x, y)?;
                Some(Value::Int(p.checked_mul(q)?))
            }
        },
        Mod => match (&l.value, &r.value) {
            (Value::Str(fmt), args) => Some(Value::Str(pyfmt::percent(fmt, args, tuple)?)),
            (Value::Bytes(fmt), args) => {
                let fmt = std::str::from_utf8(fmt).ok()?;
                let conv = |v: &Value| match v {
                    Value::Bytes(x) => String::from_utf8(x.clone()).ok().map(Value::Str),
                    other => Some(other.clone()),
                };
                let args = match args {
                    Value::List(items) if tuple => {
                        Value::List(items.iter().map(conv).collect::<Option<Vec<_>>>()?)
                    }
                    other => conv(other)?,
                };
                Some(Value::Bytes(
                    pyfmt::percent(fmt, &args, tuple)?.into_bytes(),
                ))
            }
            (x, y) => {
                let (p, q) = ints(x, y)?;
                Some(Value::Int(floor_mod(p, q)?))
            }
        },
        Sub | FloorDiv | Pow | LShift | RShift | BitAnd | BitOr | BitXor => {
            let (p, q) = ints(&l.value, &r.value)?;
            Some(Value::Int(match op {
                Sub => p.checked_sub(q)?,
                FloorDiv => floor_div(p, q)?,
                Pow => int_pow(p, q)?,
                LShift => shl(p, q)?,
                RShift => shr(p, q)?,
                BitAnd => p & q,
                BitOr => p | q,
                _ => p ^ q,
            }))
        }
        Div | MatMult => return None,
    };
    if let Some(v) = new {
        l.value = v;
    }
    l.absorb(&r);
    if op == BitXor {
        l = l.obf("xor");
    }
    Some(l)
}

/// Python slice semantics: the indices `v[lo:hi:step]` selects, for a sequence of `len`.
fn slice_indices(
    len: usize,
    lo: Option<i64>,
    hi: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<usize>> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let n = len as i64;
    let adjust = |v: i64, lower: i64, upper: i64| -> i64 {
        if v < 0 {
            (v + n).max(lower)
        } else {
            v.min(upper)
        }
    };
    let (start, stop) = if step > 0 {
        (
            lo.map_or(0, |v| adjust(v, 0, n)),
            hi.map_or(n, |v| adjust(v, 0, n)),
        )
    } else {
        (
            lo.map_or(n - 1, |v| adjust(v, -1, n - 1)),
            hi.map_or(-1, |v| adjust(v, -1, n - 1)),
        )
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    Some(out)
}

fn slice_value(
    v: &Folded,
    lo: Option<i64>,
    hi: Option<i64>,
    step: Option<i64>,
    b: &Budget,
) -> Option<Folded> {
    let plain_step = matches!(step, None | Some(1));
    let reversal = step == Some(-1) && lo.is_none() && hi.is_none();
    let out = match &v.value {
        Value::Str(s) if s.is_ascii() && plain_step => {
            let idx = slice_indices(s.len(), lo, hi, step)?;
            let (a, c) = (
                idx.first().copied().unwrap_or(0),
                idx.last().map_or(0, |x| x + 1),
            );
            Value::Str(s[a..c.max(a)].to_string())
        }
        Value::Str(s) => {
            let chars: Vec<char> = s.chars().collect();
            b.charge(chars.len())?;
            let idx = slice_indices(chars.len(), lo, hi, step)?;
            Value::Str(idx.into_iter().map(|i| chars[i]).collect())
        }
        Value::Bytes(x) => {
            let idx = slice_indices(x.len(), lo, hi, step)?;
            Value::Bytes(idx.into_iter().map(|i| x[i]).collect())
        }
        Value::List(items) => {
            let idx = slice_indices(items.len(), lo, hi, step)?;
            Value::List(idx.into_iter().map(|i| items[i].clone()).collect())
        }
        _ => return None,
    };
    b.charge(out.size())?;
    let f = v.map(out)?;
    Some(match (&v.value, reversal, plain_step) {
        (Value::Str(_) | Value::Bytes(_), true, _) => f.obf("reversed string"),
        (Value::Str(_) | Value::Bytes(_), false, false) => f.obf("slice"),
        _ => f,
    })
}

fn compare_values(op: CmpOp, l: &Value, r: &Value) -> Option<bool> {
    use std::cmp::Ordering::*;
    Some(match op {
        CmpOp::Eq => py_eq(l, r)?,
        CmpOp::NotEq => !py_eq(l, r)?,
        CmpOp::Lt => py_cmp(l, r)? == Less,
        CmpOp::LtE => py_cmp(l, r)? != Greater,
        CmpOp::Gt => py_cmp(l, r)? == Greater,
        CmpOp::GtE => py_cmp(l, r)? != Less,
        CmpOp::In => methods::contains(r, l)?,
        CmpOp::NotIn => !methods::contains(r, l)?,
        CmpOp::Is | CmpOp::IsNot => {
            // Identity is only known for the singletons.
            let same = match (l, r) {
                (Value::None, Value::None) => true,
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::None | Value::Bool(_), _) | (_, Value::None | Value::Bool(_)) => false,
                _ => return None,
            };
            same == (op == CmpOp::Is)
        }
    })
}

impl<'s> Ev<'s> {
    pub(super) fn new(env: &'s Env<'s>, budget: &'s Budget) -> Self {
        Self {
            env,
            budget,
            locals: Vec::new(),
            frame: None,
        }
    }

    /// The value bound to `name`: comprehension/lambda bindings, the interpreter's frame, the
    /// caller's binding, the file's constants.
    pub(super) fn lookup(&self, name: &str) -> Option<&Folded> {
        if let Some((_, v)) = self.locals.iter().rev().find(|(n, _)| *n == name) {
            return Some(v);
        }
        if let Some(v) = self.frame.as_ref().and_then(|f| f.get(name)) {
            return Some(v);
        }
        self.outer_lookup(name)
    }

    /// [`Self::lookup`] outside the interpreter's frame and the local bindings.
    pub(super) fn outer_lookup(&self, name: &str) -> Option<&Folded> {
        match self.env.binding {
            Some((n, v)) if n == name => Some(v),
            _ => self.env.consts.get(name),
        }
    }

    /// Whether `e` is `name.attr...` with `name` not bound to a value (an import, a builtin,
    /// or something unknown).
    fn is_plain_unbound(&self, e: &Expr) -> bool {
        match e {
            Expr::Name(n) => self.lookup(n.id.as_str()).is_none(),
            Expr::Attribute(_) => chain_root(e).is_some_and(|r| self.lookup(r).is_none()),
            _ => false,
        }
    }

    pub(super) fn eval(&mut self, e: &'s Expr, d: u32) -> Option<Folded> {
        if d > MAX_DEPTH {
            self.budget.exceed(Bound::Depth);
            return None;
        }
        self.budget.charge(1)?;
        let d = d + 1;
        Some(match e {
            Expr::StringLiteral(s) => {
                let text = s.value.to_str();
                self.budget.charge(text.len())?;
                let mut f = Folded::plain(Value::Str(text.to_string()));
                f.escaped = super::is_escaped(e);
                f
            }
            Expr::BytesLiteral(bl) => {
                let v: Vec<u8> = bl.value.bytes().collect();
                self.budget.charge(v.len())?;
                let mut f = Folded::plain(Value::Bytes(v));
                f.escaped = super::is_escaped(e);
                f
            }
            Expr::NumberLiteral(n) => match &n.value {
                Number::Int(i) => Folded::plain(Value::Int(i.as_i64()?)),
                _ => return None,
            },
            Expr::BooleanLiteral(bl) => Folded::plain(Value::Bool(bl.value)),
            Expr::NoneLiteral(_) => Folded::plain(Value::None),
            Expr::Name(n) => {
                let b = self.budget;
                let v = self.lookup(n.id.as_str())?;
                b.charge(v.value.size())?;
                v.clone()
            }
            Expr::FString(f) => return self.fstring(e, f, d),
            Expr::List(l) => return self.seq(&l.elts, d),
            Expr::Tuple(t) => return self.seq(&t.elts, d),
            Expr::Dict(dict) => return self.dict(dict, d),
            Expr::UnaryOp(u) => return self.unary(u, d),
            Expr::BinOp(bo) => return self.binop(bo, d),
            Expr::BoolOp(bo) => return self.boolop(bo, d),
            Expr::Compare(c) => return self.compare(c, d),
            Expr::If(i) => return self.ifexp(i, d),
            Expr::Subscript(s) => return self.subscript(s, d),
            Expr::Attribute(a) => return self.attribute(e, a, d),
            Expr::Call(c) => return self.call(c, d),
            Expr::Generator(g) => return self.comp_list(&g.elt, &g.generators, d),
            Expr::ListComp(g) => return self.comp_list(&g.elt, &g.generators, d),
            Expr::DictComp(g) => return self.comp_dict(g, d),
            Expr::Named(n) => return self.eval(&n.value, d),
            _ => return None,
        })
    }

    /// [`Self::eval`], or the builtin/module a plain dotted name denotes (`oct`,
    /// `__builtins__.__dict__`, `os.system` through an import) as a [`Value::Name`].
    pub(super) fn eval_obj(&mut self, e: &'s Expr, d: u32) -> Option<Folded> {
        if let Some(f) = self.eval(e, d) {
            return Some(f);
        }
        let (root, links) = plain_chain(e)?;
        if self.lookup(root).is_some() {
            return None;
        }
        let base = if let Some(full) = self.env.aliases.get(root) {
            builtins::normalize(full).to_string()
        } else if root == "__builtins__" || builtins::is_builtin(root) {
            builtins::normalize(root).to_string()
        } else {
            return None;
        };
        let mut f = Folded::plain(Value::Name(base));
        for l in links {
            f = methods::attr(&f, l, self.budget)?;
        }
        Some(f)
    }

    fn seq(&mut self, elts: &'s [Expr], d: u32) -> Option<Folded> {
        self.budget.items(elts.len())?;
        let mut flags = Folded::plain(Value::None);
        let mut out = Vec::with_capacity(elts.len());
        for e in elts {
            if let Expr::Starred(s) = e {
                let f = self.eval(&s.value, d)?;
                out.extend(iter_values(&f.value, self.budget)?);
                self.budget.items(out.len())?;
                flags.absorb(&f);
                continue;
            }
            let f = self.eval(e, d)?;
            flags.absorb(&f);
            out.push(f.value);
        }
        let v = Value::List(out);
        self.budget.fits(v.size())?;
        flags.map(v)
    }

    fn dict(&mut self, dict: &'s ast::ExprDict, d: u32) -> Option<Folded> {
        self.budget.items(dict.items.len())?;
        let mut flags = Folded::plain(Value::None);
        let mut out = Vec::with_capacity(dict.items.len());
        for item in &dict.items {
            let v = self.eval(&item.value, d)?;
            flags.absorb(&v);
            match &item.key {
                Some(k) => {
                    let k = self.eval(k, d)?;
                    flags.absorb(&k);
                    builtins::dict_set(&mut out, k.value, v.value, self.budget)?;
                }
                None => {
                    let Value::Dict(more) = v.value else {
                        return None;
                    };
                    for (k, x) in more {
                        builtins::dict_set(&mut out, k, x, self.budget)?;
                    }
                }
            }
        }
        let v = Value::Dict(out);
        self.budget.fits(v.size())?;
        flags.map(v)
    }

    fn unary(&mut self, u: &'s ast::ExprUnaryOp, d: u32) -> Option<Folded> {
        let f = self.eval(&u.operand, d)?;
        let v = match u.op {
            UnaryOp::Not => Value::Bool(!truthy(&f.value)),
            UnaryOp::USub => Value::Int(f.value.as_int()?.checked_neg()?),
            UnaryOp::UAdd => Value::Int(f.value.as_int()?),
            UnaryOp::Invert => Value::Int(!f.value.as_int()?),
        };
        f.map(v)
    }

    fn binop(&mut self, bo: &'s ast::ExprBinOp, d: u32) -> Option<Folded> {
        // ((a op b) op c) op d: walk the left spine without recursion.
        let mut spine = vec![bo];
        let mut cur = bo;
        while let Expr::BinOp(l) = &*cur.left {
            if spine.len() >= MAX_CHAIN {
                self.budget.exceed(Bound::Items);
                return None;
            }
            spine.push(l);
            cur = l;
        }
        let mut acc = self.eval(&cur.left, d)?;
        for op in spine.iter().rev() {
            self.budget.charge(1)?;
            let tuple = match &*op.right {
                Expr::Tuple(_) | Expr::Name(_) => true,
                Expr::Call(c) => matches!(&*c.func, Expr::Name(n) if n.id.as_str() == "tuple"),
                _ => false,
            };
            let r = self.eval(&op.right, d)?;
            acc = binop_values(op.op, acc, r, tuple, self.budget)?;
        }
        Some(acc)
    }

    fn boolop(&mut self, bo: &'s ast::ExprBoolOp, d: u32) -> Option<Folded> {
        let mut last = None;
        for v in &bo.values {
            let f = self.eval(v, d)?;
            let t = truthy(&f.value);
            if (bo.op == BoolOp::Or && t) || (bo.op == BoolOp::And && !t) {
                return Some(f);
            }
            last = Some(f);
        }
        last
    }

    fn compare(&mut self, c: &'s ast::ExprCompare, d: u32) -> Option<Folded> {
        let mut left = self.eval(&c.left, d)?;
        let mut flags = Folded::plain(Value::None);
        flags.absorb(&left);
        for (op, right) in c.ops.iter().zip(c.comparators.iter()) {
            let r = self.eval(right, d)?;
            flags.absorb(&r);
            if !compare_values(*op, &left.value, &r.value)? {
                return flags.map(Value::Bool(false));
            }
            left = r;
        }
        flags.map(Value::Bool(true))
    }

    fn ifexp(&mut self, i: &'s ast::ExprIf, d: u32) -> Option<Folded> {
        match self.eval(&i.test, d) {
            Some(t) if truthy(&t.value) => self.eval(&i.body, d),
            Some(_) => self.eval(&i.orelse, d),
            None => {
                // Not a constant test: still a constant when both arms agree.
                let a = self.eval(&i.body, d)?;
                let b = self.eval(&i.orelse, d)?;
                (py_eq(&a.value, &b.value) == Some(true)).then_some(a)
            }
        }
    }

    fn opt_int(&mut self, e: &'s Option<Box<Expr>>, d: u32) -> Option<Option<i64>> {
        match e {
            None => Some(None),
            Some(e) => match self.eval(e, d)?.value {
                Value::None => Some(None),
                v => Some(Some(v.as_int()?)),
            },
        }
    }

    /// Apply `f` to the value of `e`, borrowing it when `e` is a bound name (no copy of a
    /// large constant per subscript).
    fn with_value<R>(
        &mut self,
        e: &'s Expr,
        d: u32,
        f: impl FnOnce(&Folded, &Budget) -> Option<R>,
    ) -> Option<R> {
        if let Expr::Name(n) = e {
            if let Some(v) = self.lookup(n.id.as_str()) {
                return f(v, self.budget);
            }
        }
        let v = self.eval_obj(e, d)?;
        f(&v, self.budget)
    }

    fn subscript(&mut self, s: &'s ast::ExprSubscript, d: u32) -> Option<Folded> {
        if let Expr::Slice(sl) = &*s.slice {
            let lo = self.opt_int(&sl.lower, d)?;
            let hi = self.opt_int(&sl.upper, d)?;
            let step = self.opt_int(&sl.step, d)?;
            return self.with_value(&s.value, d, |v, b| slice_value(v, lo, hi, step, b));
        }
        let idx = self.eval(&s.slice, d)?;
        let lookup_name = self.name_table_key(&idx);
        let env_aliases = self.env.aliases;
        let found = self.with_value(&s.value, d, |v, b| {
            let out = match (&v.value, &lookup_name) {
                // `globals()['x']`, `__builtins__.__dict__['exec']`, `vars(os)['system']`.
                (Value::Name(n), Some(key)) => {
                    let name = match n.as_str() {
                        "builtins" | "builtins.__dict__" => builtins::normalize(key).to_string(),
                        "globals()" | "locals()" | "vars()" => match key.as_str() {
                            "__builtins__" => "builtins".to_string(),
                            k => builtins::normalize(env_aliases.get(k).map_or(k, String::as_str))
                                .to_string(),
                        },
                        n => format!("{}.{key}", n.strip_suffix(".__dict__")?),
                    };
                    Value::Name(name)
                }
                (v, _) => methods::index(v, &idx.value)?,
            };
            b.charge(out.size())?;
            let mut f = v.map(out)?;
            f.absorb(&idx);
            Some(f)
        });
        // `globals()['NAME']` of a constant: the constant.
        if let (
            Some(Folded {
                value: Value::Name(n),
                ..
            }),
            Some(key),
        ) = (&found, &lookup_name)
        {
            let is_globals = matches!(&*s.value, Expr::Call(c) if matches!(&*c.func, Expr::Name(f) if matches!(f.id.as_str(), "globals" | "locals" | "vars")));
            if is_globals && n == key {
                if let Some(v) = self.outer_lookup(key) {
                    return Some(v.clone());
                }
            }
        }
        found
    }

    fn name_table_key(&self, idx: &Folded) -> Option<String> {
        match &idx.value {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    fn attribute(&mut self, e: &'s Expr, a: &'s ast::ExprAttribute, d: u32) -> Option<Folded> {
        let attr = a.attr.as_str();
        if self.is_plain_unbound(&a.value) {
            // A dotted name: a module constant, or a dunder of a builtin (`oct.__name__`).
            // Other dotted names are not values (a function or module is only a value when
            // a computed lookup produced it).
            if const_attr(attr) {
                let mut buf = String::new();
                if super::dotted_into(e, self.env.aliases, &mut buf) {
                    if let Some(v) = dotted_const(&buf) {
                        return Some(Folded::plain(v));
                    }
                }
            }
            if !matches!(
                attr,
                "__name__" | "__qualname__" | "__class__" | "__module__"
            ) {
                return None;
            }
        }
        if attr == "__class__" {
            if let Some(t) = literal_type(&a.value) {
                return Some(Folded::plain(Value::Name(t.to_string())));
            }
        }
        let recv = self.eval_obj(&a.value, d)?;
        methods::attr(&recv, attr, self.budget)
    }

    /// Evaluate a call's arguments (positional, `*iterable`, keywords; `**mapping` is not
    /// folded).
    pub(super) fn args(&mut self, c: &'s ast::ExprCall, d: u32) -> Option<Args<'s>> {
        let mut args = Vec::with_capacity(c.arguments.args.len());
        for a in c.arguments.args.iter() {
            if let Expr::Starred(s) = a {
                let f = self.eval(&s.value, d)?;
                for item in iter_values(&f.value, self.budget)? {
                    args.push(f.map(item)?);
                }
                continue;
            }
            args.push(self.eval(a, d)?);
        }
        let mut kw = Vec::with_capacity(c.arguments.keywords.len());
        for k in c.arguments.keywords.iter() {
            let name = k.arg.as_ref()?.as_str();
            if name == "backend" {
                // cryptography's `backend=default_backend()` changes nothing.
                continue;
            }
            kw.push((name, self.eval(&k.value, d)?));
        }
        Some((args, kw))
    }

    /// Fold a call.
    pub(super) fn call(&mut self, c: &'s ast::ExprCall, d: u32) -> Option<Folded> {
        if d > MAX_DEPTH {
            self.budget.exceed(Bound::Depth);
            return None;
        }
        // `x.m1(..).m2(..).m3(..)`: evaluate the innermost call, then apply the methods
        // outwards, without recursing once per link.
        let mut inner = c;
        let mut outer: Vec<&'s ast::ExprCall> = Vec::new();
        while let Expr::Attribute(a) = &*inner.func {
            let Expr::Call(next) = &*a.value else { break };
            if outer.len() >= MAX_CHAIN {
                self.budget.exceed(Bound::Items);
                return None;
            }
            outer.push(inner);
            inner = next;
        }
        let mut acc = self.call_one(inner, d)?;
        for link in outer.iter().rev() {
            self.budget.charge(1)?;
            let Expr::Attribute(a) = &*link.func else {
                return None;
            };
            let (args, kw) = self.args(link, d)?;
            acc = methods::call(&acc, a.attr.as_str(), &args, &kw, self.budget)?;
        }
        Some(acc)
    }

    fn call_one(&mut self, c: &'s ast::ExprCall, d: u32) -> Option<Folded> {
        match &*c.func {
            Expr::Attribute(a) => {
                let method = a.attr.as_str();
                if !self.is_plain_unbound(&a.value) {
                    // A method of a bound name (borrowed, not copied) or of a constant.
                    if let Expr::Name(n) = &*a.value {
                        let (args, kw) = self.args(c, d)?;
                        let b = self.budget;
                        let recv = self.lookup(n.id.as_str())?;
                        return methods::call(recv, method, &args, &kw, b);
                    }
                    let recv = self.eval_obj(&a.value, d)?;
                    let (args, kw) = self.args(c, d)?;
                    return methods::call(&recv, method, &args, &kw, self.budget);
                }
                let mut name = String::new();
                if !super::dotted_into(&c.func, self.env.aliases, &mut name) {
                    return None;
                }
                let name = builtins::normalize(&name).to_string();
                if let Some(f) = self.call_named(&name, c, d) {
                    return Some(f);
                }
                if method.starts_with("__") {
                    // `oct.__str__()`, `__builtins__.__dict__.get('exec')`.
                    let recv = self.eval_obj(&a.value, d)?;
                    let (args, kw) = self.args(c, d)?;
                    return methods::call(&recv, method, &args, &kw, self.budget);
                }
                None
            }
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(v) = self.lookup(id) {
                    let v = v.clone();
                    return self.call_value(v, c, d);
                }
                let aliases = self.env.aliases;
                let name = builtins::normalize(aliases.get(id).map_or(id, String::as_str));
                self.call_named(name, c, d)
            }
            Expr::Lambda(l) => {
                let (args, kw) = self.args(c, d)?;
                if !kw.is_empty() {
                    return None;
                }
                self.apply_lambda_at(l, args, d)
            }
            other => {
                let f = self.eval(other, d)?;
                self.call_value(f, c, d)
            }
        }
    }

    /// Call a value: a computed builtin/module name, or a bound method.
    fn call_value(&mut self, f: Folded, c: &'s ast::ExprCall, d: u32) -> Option<Folded> {
        match &f.value {
            Value::Name(n) => {
                let mut out = self.call_named(&n.clone(), c, d)?;
                out.absorb(&f);
                Some(out)
            }
            Value::Object(o) => match &o.0 {
                Obj::Method(recv, m) => {
                    let (args, kw) = self.args(c, d)?;
                    let recv = f.map((**recv).clone())?;
                    methods::call(&recv, m, &args, &kw, self.budget)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Fold a call to the function `name` (already resolved through the imports).
    fn call_named(&mut self, name: &str, c: &'s ast::ExprCall, d: u32) -> Option<Folded> {
        let args = &c.arguments.args;
        match name {
            "map" if args.len() >= 2 => {
                let func = self.callable(&args[0], d)?;
                let mut flags = Folded::plain(Value::None);
                let mut cols = Vec::with_capacity(args.len() - 1);
                for a in &args[1..] {
                    let f = self.eval(a, d)?;
                    cols.push(iter_values(&f.value, self.budget)?);
                    flags.absorb(&f);
                }
                let n = cols.iter().map(Vec::len).min()?;
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let call_args = cols
                        .iter()
                        .map(|c| flags.map(c[i].clone()))
                        .collect::<Option<Vec<_>>>()?;
                    let r = self.apply(&func, call_args, d)?;
                    flags.absorb(&r);
                    out.push(r.value);
                }
                let v = Value::List(out);
                self.budget.fits(v.size())?;
                flags.map(v)
            }
            "filter" if args.len() == 2 => {
                let func = match &args[0] {
                    Expr::NoneLiteral(_) => None,
                    e => Some(self.callable(e, d)?),
                };
                let f = self.eval(&args[1], d)?;
                let mut out = Vec::new();
                for item in iter_values(&f.value, self.budget)? {
                    let keep = match &func {
                        None => truthy(&item),
                        Some(func) => {
                            truthy(&self.apply(func, vec![f.map(item.clone())?], d)?.value)
                        }
                    };
                    if keep {
                        out.push(item);
                    }
                }
                f.map(Value::List(out))
            }
            "sorted"
                if c.arguments
                    .keywords
                    .iter()
                    .any(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "key")) =>
            {
                let key = c
                    .arguments
                    .keywords
                    .iter()
                    .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "key"))?;
                let func = self.callable(&key.value, d)?;
                let reverse = match c
                    .arguments
                    .keywords
                    .iter()
                    .find(|k| k.arg.as_ref().is_some_and(|a| a.as_str() == "reverse"))
                {
                    Some(k) => truthy(&self.eval(&k.value, d)?.value),
                    None => false,
                };
                let f = self.eval(args.first()?, d)?;
                let mut keyed = Vec::new();
                for item in iter_values(&f.value, self.budget)? {
                    let k = self.apply(&func, vec![f.map(item.clone())?], d)?;
                    keyed.push((k.value, item));
                }
                let mut ok = true;
                keyed.sort_by(|x, y| {
                    py_cmp(&x.0, &y.0).unwrap_or_else(|| {
                        ok = false;
                        std::cmp::Ordering::Equal
                    })
                });
                if !ok {
                    return None;
                }
                let mut v: Vec<Value> = keyed.into_iter().map(|(_, x)| x).collect();
                if reverse {
                    v.reverse();
                }
                f.map(Value::List(v))
            }
            "functools.reduce" | "reduce" if (2..=3).contains(&args.len()) => {
                let func = self.callable(&args[0], d)?;
                let f = self.eval(&args[1], d)?;
                let mut items = iter_values(&f.value, self.budget)?.into_iter();
                let mut acc = match args.get(2) {
                    Some(init) => self.eval(init, d)?,
                    None => f.map(items.next()?)?,
                };
                for item in items {
                    acc = self.apply(&func, vec![acc, f.map(item)?], d)?;
                }
                Some(acc)
            }
            "getattr" if (2..=3).contains(&args.len()) => {
                let attr = self.eval(&args[1], d)?;
                let Value::Str(n) = &attr.value else {
                    return None;
                };
                let found = match self.eval_obj(&args[0], d) {
                    Some(obj) => methods::attr(&obj, n, self.budget),
                    None => None,
                };
                let mut f = match found {
                    Some(f) => f,
                    None => self.eval(args.get(2)?, d)?,
                };
                f.absorb(&attr);
                f.via = f.via.or(Some("getattr"));
                Some(f)
            }
            "type" if args.len() == 1 => {
                if let Some(t) = literal_type(&args[0]) {
                    return Some(Folded::plain(Value::Name(t.to_string())));
                }
                let v = self.eval_obj(&args[0], d)?;
                let t = builtins::type_name(&v.value)?;
                v.map(Value::Name(t.to_string()))
            }
            "str" | "repr" | "ascii" | "format" if !args.is_empty() => {
                // `str(oct)`: builtins are values here.
                let mut vals = Vec::with_capacity(args.len());
                for a in args.iter() {
                    vals.push(self.eval_obj(a, d)?);
                }
                let mut kw = Vec::new();
                for k in c.arguments.keywords.iter() {
                    kw.push((k.arg.as_ref()?.as_str(), self.eval(&k.value, d)?));
                }
                let mut f = builtins::call(name, &vals, &kw, self.budget)?;
                if vals.iter().any(|v| matches!(v.value, Value::Name(_))) {
                    f = f.obf("builtin repr");
                }
                Some(f)
            }
            "globals" | "locals" | "vars" if args.is_empty() => {
                Some(Folded::plain(Value::Name(format!("{name}()"))))
            }
            "vars" if args.len() == 1 => {
                let v = self.eval_obj(&args[0], d)?;
                let Value::Name(n) = &v.value else {
                    return None;
                };
                v.map(Value::Name(format!("{n}.__dict__")))
            }
            "eval" if args.len() == 1 => {
                // eval() of a constant expression: parse it and fold it (one more layer).
                let src = self.eval(&args[0], d)?;
                let text = src.value.text()?;
                if text.len() > 64 << 10 || src.layers() >= MAX_LAYERS {
                    return None;
                }
                let parsed = ruff_python_parser::parse_expression(text.trim()).ok()?;
                let mut sub = Ev::new(self.env, self.budget);
                let v = sub.eval(parsed.expr(), d)?;
                let mut f = Folded::decoded(v.value.clone(), "eval", &src)?;
                f.absorb(&v);
                f.via = Some("eval");
                Some(f)
            }
            _ if known(name) => {
                let (args, kw) = self.args(c, d)?;
                call_named_values(name, &args, &kw, self.budget)
            }
            _ => None,
        }
    }

    /// What `map`/`filter`/`sorted(key=)`/`reduce` call.
    fn callable(&mut self, e: &'s Expr, d: u32) -> Option<Callable<'s>> {
        if let Expr::Lambda(l) = e {
            return Some(Callable::Lambda(l));
        }
        if self.is_plain_unbound(e) {
            let name = self.env.dotted(e)?;
            let name = builtins::normalize(&name).to_string();
            return known(&name).then_some(Callable::Named(name));
        }
        if let Expr::Attribute(a) = e {
            // `'-'.join`, `KEY.index`: a method of a constant.
            let recv = self.eval(&a.value, d)?;
            return Some(Callable::Method(recv, a.attr.to_string()));
        }
        let f = self.eval(e, d)?;
        match f.value {
            Value::Name(n) => Some(Callable::Named(n)),
            Value::Object(o) => match o.0 {
                Obj::Method(recv, m) => Some(Callable::Method(Folded::plain(*recv), m)),
                _ => None,
            },
            _ => None,
        }
    }

    fn apply(&mut self, f: &Callable<'s>, args: Vec<Folded>, d: u32) -> Option<Folded> {
        self.budget.charge(1)?;
        match f {
            Callable::Lambda(l) => self.apply_lambda_at(l, args, d),
            Callable::Named(n) => call_named_values(n, &args, &[], self.budget),
            Callable::Method(recv, m) => methods::call(recv, m, &args, &[], self.budget),
        }
    }

    /// Call a lambda with constant positional arguments.
    pub(super) fn apply_lambda(
        &mut self,
        l: &'s ast::ExprLambda,
        args: Vec<Folded>,
    ) -> Option<Folded> {
        self.apply_lambda_at(l, args, 1)
    }

    fn apply_lambda_at(
        &mut self,
        l: &'s ast::ExprLambda,
        mut args: Vec<Folded>,
        d: u32,
    ) -> Option<Folded> {
        if d > MAX_DEPTH {
            self.budget.exceed(Bound::Depth);
            return None;
        }
        let mark = self.locals.len();
        let result = (|| {
            if let Some(p) = l.parameters.as_deref() {
                if !p.kwonlyargs.iter().all(|k| k.default.is_some()) || p.kwarg.is_some() {
                    return None;
                }
                let positional: Vec<&'s ast::ParameterWithDefault> =
                    p.posonlyargs.iter().chain(p.args.iter()).collect();
                if args.len() > positional.len() && p.vararg.is_none() {
                    return None;
                }
                let extra = if args.len() > positional.len() {
                    args.split_off(positional.len())
                } else {
                    Vec::new()
                };
                let mut it = args.into_iter();
                for param in positional {
                    let v = match it.next() {
                        Some(v) => v,
                        None => self.eval(param.default.as_deref()?, d + 1)?,
                    };
                    self.locals.push((param.parameter.name.as_str(), v));
                }
                if let Some(va) = &p.vararg {
                    let v = Value::List(extra.into_iter().map(|f| f.value).collect());
                    self.locals.push((va.name.as_str(), Folded::plain(v)));
                }
                for k in &p.kwonlyargs {
                    let v = self.eval(k.default.as_deref()?, d + 1)?;
                    self.locals.push((k.parameter.name.as_str(), v));
                }
            } else if !args.is_empty() {
                return None;
            }
            self.eval(&l.body, d + 1)
        })();
        self.locals.truncate(mark);
        result
    }

    /// Bind a comprehension or loop target (`x`, `(i, c)`, `[a, [b, c]]`) as a local.
    fn bind_local(&mut self, target: &'s Expr, v: Folded, depth: u32) -> Option<()> {
        match target {
            Expr::Name(n) => {
                self.locals.push((n.id.as_str(), v));
                Some(())
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. })
                if depth < 8 =>
            {
                let items = iter_values(&v.value, self.budget)?;
                if items.len() != elts.len() {
                    return None;
                }
                for (t, item) in elts.iter().zip(items) {
                    let f = v.map(item)?;
                    self.bind_local(t, f, depth + 1)?;
                }
                Some(())
            }
            _ => None,
        }
    }

    /// Run the generators of a comprehension, calling `each` once per produced binding.
    fn comp_rec(
        &mut self,
        gens: &'s [ast::Comprehension],
        i: usize,
        d: u32,
        each: &mut dyn FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        let Some(g) = gens.get(i) else {
            return each(self);
        };
        if g.is_async || gens.len() > 8 {
            return None;
        }
        let it = self.eval(&g.iter, d)?;
        let items = iter_values(&it.value, self.budget)?;
        let mark = self.locals.len();
        for item in items {
            self.budget.charge(1)?;
            self.locals.truncate(mark);
            let bound = it.map(item)?;
            self.bind_local(&g.target, bound, 0)?;
            let mut pass = true;
            for cond in &g.ifs {
                if !truthy(&self.eval(cond, d)?.value) {
                    pass = false;
                    break;
                }
            }
            if pass {
                self.comp_rec(gens, i + 1, d, each)?;
            }
        }
        self.locals.truncate(mark);
        Some(())
    }

    fn comp_list(
        &mut self,
        elt: &'s Expr,
        gens: &'s [ast::Comprehension],
        d: u32,
    ) -> Option<Folded> {
        let mut out = Vec::new();
        let mut flags = Folded::plain(Value::None);
        let mark = self.locals.len();
        let ok = self.comp_rec(gens, 0, d, &mut |ev| {
            let v = ev.eval(elt, d)?;
            ev.budget.charge(v.value.size())?;
            flags.absorb(&v);
            out.push(v.value);
            ev.budget.items(out.len())
        });
        self.locals.truncate(mark);
        ok?;
        let v = Value::List(out);
        self.budget.fits(v.size())?;
        flags.map(v)
    }

    fn comp_dict(&mut self, g: &'s ast::ExprDictComp, d: u32) -> Option<Folded> {
        let key = g.key.as_deref()?;
        let mut out: Vec<(Value, Value)> = Vec::new();
        let mut flags = Folded::plain(Value::None);
        let mark = self.locals.len();
        let ok = self.comp_rec(&g.generators, 0, d, &mut |ev| {
            let k = ev.eval(key, d)?;
            let v = ev.eval(&g.value, d)?;
            ev.budget.charge(k.value.size() + v.value.size())?;
            flags.absorb(&k);
            flags.absorb(&v);
            builtins::dict_set(&mut out, k.value, v.value, self.budget)
        });
        self.locals.truncate(mark);
        ok?;
        let v = Value::Dict(out);
        self.budget.fits(v.size())?;
        flags.map(v)
    }

    fn spec_text(&mut self, els: &'s ast::InterpolatedStringElements, d: u32) -> Option<String> {
        let mut spec = String::new();
        for el in els {
            match el {
                ast::InterpolatedStringElement::Literal(l) => spec.push_str(&l.value),
                ast::InterpolatedStringElement::Interpolation(i) => {
                    let v = self.eval(&i.expression, d)?;
                    spec.push_str(&pyfmt::to_str(&v.value)?);
                }
            }
        }
        Some(spec)
    }

    fn fstring(&mut self, e: &'s Expr, f: &'s ast::ExprFString, d: u32) -> Option<Folded> {
        let mut out = String::new();
        let mut flags = Folded::plain(Value::None);
        for part in f.value.iter() {
            match part {
                ast::FStringPart::Literal(l) => out.push_str(&l.value),
                ast::FStringPart::FString(fs) => {
                    for el in &fs.elements {
                        match el {
                            ast::InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                            ast::InterpolatedStringElement::Interpolation(i) => {
                                if i.debug_text.is_some() {
                                    return None;
                                }
                                let v = self.eval(&i.expression, d)?;
                                flags.absorb(&v);
                                let v = match i.conversion {
                                    ast::ConversionFlag::None => v.value,
                                    ast::ConversionFlag::Str => {
                                        Value::Str(pyfmt::to_str(&v.value)?)
                                    }
                                    ast::ConversionFlag::Repr => Value::Str(pyfmt::repr(&v.value)?),
                                    ast::ConversionFlag::Ascii => {
                                        Value::Str(pyfmt::ascii(&v.value)?)
                                    }
                                };
                                let spec = match &i.format_spec {
                                    Some(s) => self.spec_text(&s.elements, d)?,
                                    None => String::new(),
                                };
                                out.push_str(&pyfmt::format_value(&v, &spec)?);
                                self.budget.fits(out.len())?;
                            }
                        }
                    }
                }
            }
        }
        self.budget.charge(out.len())?;
        let mut r = flags.map(Value::Str(out))?;
        r.escaped |= super::is_escaped(e);
        Some(r)
    }

    /// See [`Env::callee`].
    pub(super) fn callee(&mut self, func: &'s Expr) -> Option<Callee> {
        if self.is_plain_unbound(func) {
            let name = self.env.dotted(func)?;
            return Some(Callee {
                name: builtins::normalize(&name).to_string(),
                computed: false,
                obfuscated: false,
            });
        }
        let f = self.eval_obj(func, 0)?;
        let name = match &f.value {
            Value::Name(n) => n.clone(),
            Value::Object(o) => match &o.0 {
                Obj::Method(recv, m) => {
                    let ty = match &**recv {
                        Value::Object(inner) => inner.kind(),
                        v => builtins::type_name(v)?.to_string(),
                    };
                    format!("{ty}.{m}")
                }
                _ => return None,
            },
            _ => return None,
        };
        Some(Callee {
            name,
            computed: true,
            obfuscated: f.obfuscated,
        })
    }

    /// See [`Env::callees`].
    pub(super) fn callees(&mut self, func: &'s Expr, out: &mut Vec<Callee>, depth: u32) {
        if out.len() >= 8 || depth > 8 {
            return;
        }
        match func {
            Expr::If(i) => match self.eval(&i.test, 0) {
                Some(t) if truthy(&t.value) => self.callees(&i.body, out, depth + 1),
                Some(_) => self.callees(&i.orelse, out, depth + 1),
                None => {
                    self.callees(&i.body, out, depth + 1);
                    self.callees(&i.orelse, out, depth + 1);
                }
            },
            Expr::BoolOp(bo) => {
                for v in &bo.values {
                    self.callees(v, out, depth + 1);
                }
            }
            Expr::Named(n) => self.callees(&n.value, out, depth + 1),
            _ => {
                if let Some(c) = self.callee(func) {
                    if !out.contains(&c) && out.len() < 8 {
                        out.push(c);
                    }
                }
            }
        }
    }
}
