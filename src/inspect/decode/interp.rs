//! A tiny statement interpreter over constants, for the decoding code that malware writes as
//! statements rather than expressions:
//!
//! ```python
//! out = ''
//! for c in data:
//!     out += chr(ord(c) ^ 42)
//!
//! def d(s, k):
//!     r = bytearray(s)
//!     for i in range(len(r)):
//!         r[i] ^= k[i % len(k)]
//!     return bytes(r)
//! ```
//!
//! It runs assignments (to names, tuples and `x[i]`), augmented assignments, `for`/`while`
//! loops, `if`/`elif`/`else` on constant tests, `break`/`continue`/`pass`/`return`, `try`
//! bodies, the list/bytearray/dict mutators (`append`, `extend`, `insert`, `reverse`,
//! `sort`, `pop`, `clear`, `update`) and `hash.update(data)`. Anything else — a call with an
//! effect, an import, a nested definition, a test that is not constant — stops it, and the
//! whole run is not a constant. Variables live in a frame over the file's constants
//! (copy-on-write), accumulators are extended in place (linear, not quadratic), and the
//! number of statements run is bounded by [`MAX_STEPS`].

use ruff_python_ast::{self as ast, Expr, Operator, Stmt};

use super::builtins::{self, iter_values, py_cmp, truthy};
use super::decrypt;
use super::eval::{binop_values, Ev};
use super::{methods, Bound, Budget, Env, Folded, HashMap, Value, MAX_DEPTH, MAX_ITEMS, MAX_STEPS};

/// How a statement ended.
enum Flow {
    Next,
    Break,
    Continue,
    Return(Folded),
}

struct Machine<'s> {
    ev: Ev<'s>,
    /// Names written, in order of first write.
    order: Vec<&'s str>,
    steps: u64,
}

/// See [`super::fold_loop`].
pub(super) fn fold_loop<'s>(
    env: &'s Env<'s>,
    stmt: &'s Stmt,
    budget: &'s Budget,
) -> Vec<(String, Folded)> {
    if !matches!(stmt, Stmt::For(_) | Stmt::While(_)) {
        return Vec::new();
    }
    let mut m = Machine::new(env, budget);
    match m.stmt(stmt, 0) {
        Some(Flow::Next) => m.written(),
        _ => Vec::new(),
    }
}

/// See [`super::Env::call_def`].
pub(super) fn call_def<'s>(
    env: &'s Env<'s>,
    def: &'s ast::StmtFunctionDef,
    args: &[Folded],
    kwargs: &[(&str, Folded)],
    budget: &'s Budget,
) -> Option<Folded> {
    if def.is_async || !def.decorator_list.is_empty() {
        return None;
    }
    let p = &def.parameters;
    let mut m = Machine::new(env, budget);
    let positional: Vec<&'s ast::ParameterWithDefault> =
        p.posonlyargs.iter().chain(p.args.iter()).collect();
    if args.len() > positional.len() && p.vararg.is_none() {
        return None;
    }
    let mut used = vec![false; kwargs.len()];
    let mut take_kw = |name: &str| -> Option<Folded> {
        let i = kwargs.iter().position(|(k, _)| *k == name)?;
        used[i] = true;
        Some(kwargs[i].1.clone())
    };
    for (i, param) in positional.iter().enumerate() {
        let name = param.parameter.name.as_str();
        let v = match args.get(i) {
            Some(v) => v.clone(),
            None => match take_kw(name) {
                Some(v) => v,
                None => m.ev.eval(param.default.as_deref()?, 0)?,
            },
        };
        m.set(name, v);
    }
    if let Some(va) = &p.vararg {
        let rest = args.get(positional.len()..).unwrap_or(&[]);
        let mut f = Folded::plain(Value::List(rest.iter().map(|a| a.value.clone()).collect()));
        for a in rest {
            f.absorb(a);
        }
        m.set(va.name.as_str(), f);
    }
    for k in &p.kwonlyargs {
        let name = k.parameter.name.as_str();
        let v = match take_kw(name) {
            Some(v) => v,
            None => m.ev.eval(k.default.as_deref()?, 0)?,
        };
        m.set(name, v);
    }
    if used.iter().any(|u| !u) {
        return None;
    }
    match m.block(&def.body, 0)? {
        Flow::Return(v) => Some(v),
        Flow::Next => Some(Folded::plain(Value::None)),
        _ => None,
    }
}

impl<'s> Machine<'s> {
    fn new(env: &'s Env<'s>, budget: &'s Budget) -> Self {
        let mut ev = Ev::new(env, budget);
        ev.frame = Some(HashMap::default());
        Self {
            ev,
            order: Vec::new(),
            steps: 0,
        }
    }

    fn frame(&mut self) -> &mut HashMap<&'s str, Folded> {
        self.ev.frame.get_or_insert_with(HashMap::default)
    }

    fn set(&mut self, name: &'s str, v: Folded) {
        self.frame().insert(name, v);
        if !self.order.contains(&name) {
            self.order.push(name);
        }
    }

    fn written(&self) -> Vec<(String, Folded)> {
        let Some(frame) = &self.ev.frame else {
            return Vec::new();
        };
        self.order
            .iter()
            .filter_map(|n| frame.get(n).map(|v| (n.to_string(), v.clone())))
            .collect()
    }

    /// The frame's variable `name`, copied in from the file's constants on first write.
    fn var_mut(&mut self, name: &'s str) -> Option<&mut Folded> {
        if !self.ev.frame.as_ref().is_some_and(|f| f.contains_key(name)) {
            let v = self.ev.outer_lookup(name)?.clone();
            self.ev.budget.charge(v.value.size())?;
            self.frame().insert(name, v);
        }
        if !self.order.contains(&name) {
            self.order.push(name);
        }
        self.frame().get_mut(name)
    }

    fn tick(&mut self) -> Option<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.ev.budget.exceed(Bound::Items);
            return None;
        }
        self.ev.budget.charge(1)
    }

    fn block(&mut self, body: &'s [Stmt], depth: u32) -> Option<Flow> {
        for s in body {
            match self.stmt(s, depth)? {
                Flow::Next => {}
                other => return Some(other),
            }
        }
        Some(Flow::Next)
    }

    fn stmt(&mut self, s: &'s Stmt, depth: u32) -> Option<Flow> {
        if depth > MAX_DEPTH {
            self.ev.budget.exceed(Bound::Depth);
            return None;
        }
        self.tick()?;
        let depth = depth + 1;
        Some(match s {
            Stmt::Expr(e) => return self.expr_stmt(&e.value),
            Stmt::Assign(a) => {
                let v = self.ev.eval(&a.value, 0)?;
                for t in &a.targets {
                    self.assign(t, v.clone(), 0)?;
                }
                Flow::Next
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    let v = self.ev.eval(v, 0)?;
                    self.assign(&a.target, v, 0)?;
                }
                Flow::Next
            }
            Stmt::AugAssign(a) => {
                self.aug(a)?;
                Flow::Next
            }
            Stmt::For(f) => return self.for_loop(f, depth),
            Stmt::While(w) => return self.while_loop(w, depth),
            Stmt::If(i) => {
                if truthy(&self.ev.eval(&i.test, 0)?.value) {
                    return self.block(&i.body, depth);
                }
                for clause in &i.elif_else_clauses {
                    match &clause.test {
                        Some(t) if !truthy(&self.ev.eval(t, 0)?.value) => continue,
                        _ => return self.block(&clause.body, depth),
                    }
                }
                Flow::Next
            }
            Stmt::Try(t) if !t.is_star => {
                let flow = self.block(&t.body, depth)?;
                let flow = match flow {
                    Flow::Next => self.block(&t.orelse, depth)?,
                    other => other,
                };
                match self.block(&t.finalbody, depth)? {
                    Flow::Next => flow,
                    other => other,
                }
            }
            Stmt::Pass(_) => Flow::Next,
            Stmt::Break(_) => Flow::Break,
            Stmt::Continue(_) => Flow::Continue,
            Stmt::Return(r) => Flow::Return(match &r.value {
                Some(v) => self.ev.eval(v, 0)?,
                None => Folded::plain(Value::None),
            }),
            _ => return None,
        })
    }

    fn expr_stmt(&mut self, e: &'s Expr) -> Option<Flow> {
        if let Expr::Call(c) = e {
            if let Expr::Attribute(a) = &*c.func {
                if let Expr::Name(n) = &*a.value {
                    let name = n.id.as_str();
                    if self.ev.lookup(name).is_some() {
                        let m = a.attr.as_str();
                        if matches!(
                            m,
                            "append"
                                | "extend"
                                | "insert"
                                | "reverse"
                                | "sort"
                                | "pop"
                                | "clear"
                                | "update"
                                | "remove"
                        ) {
                            return self.mutate(name, m, c);
                        }
                    }
                }
            }
            if let Expr::Name(n) = &*c.func {
                // Printing changes no variable.
                if n.id.as_str() == "print" && self.ev.lookup("print").is_none() {
                    return Some(Flow::Next);
                }
            }
        }
        // Docstrings and pure expressions that fold have no effect.
        self.ev.eval(e, 0)?;
        Some(Flow::Next)
    }

    fn mutate(&mut self, name: &'s str, m: &str, c: &'s ast::ExprCall) -> Option<Flow> {
        let (args, kw) = self.ev.args(c, 0)?;
        let b = self.ev.budget;
        let reverse = kw.iter().any(|(k, v)| *k == "reverse" && truthy(&v.value));
        if kw.iter().any(|(k, _)| *k != "reverse") {
            return None;
        }
        let var = self.var_mut(name)?;
        match (&mut var.value, m, args.as_slice()) {
            (Value::List(l), "append", [x]) => {
                b.items(l.len() + 1)?;
                b.charge(x.value.size())?;
                l.push(x.value.clone());
            }
            (Value::List(l), "extend", [x]) => {
                let items = iter_values(&x.value, b)?;
                b.items(l.len() + items.len())?;
                l.extend(items);
            }
            (Value::List(l), "insert", [i, x]) => {
                let i = i.value.as_int()?;
                let n = l.len() as i64;
                let at = if i < 0 { (n + i).max(0) } else { i.min(n) } as usize;
                b.items(l.len() + 1)?;
                l.insert(at, x.value.clone());
            }
            (Value::List(l), "reverse", []) => l.reverse(),
            (Value::List(l), "sort", []) => {
                let mut ok = true;
                l.sort_by(|x, y| {
                    py_cmp(x, y).unwrap_or_else(|| {
                        ok = false;
                        std::cmp::Ordering::Equal
                    })
                });
                if !ok {
                    return None;
                }
                if reverse {
                    l.reverse();
                }
            }
            (Value::List(l), "pop", []) => {
                l.pop()?;
            }
            (Value::List(l), "pop", [i]) => {
                let i = i.value.as_int()?;
                let n = l.len() as i64;
                let at = usize::try_from(if i < 0 { n + i } else { i })
                    .ok()
                    .filter(|j| *j < l.len())?;
                l.remove(at);
            }
            (Value::List(l), "remove", [x]) => {
                let at = l
                    .iter()
                    .position(|y| builtins::py_eq(y, &x.value) == Some(true))?;
                l.remove(at);
            }
            (Value::List(l), "clear", []) => l.clear(),
            (Value::Bytes(v), "append", [x]) => {
                b.fits(v.len() + 1)?;
                v.push(u8::try_from(x.value.as_int()?).ok()?);
            }
            (Value::Bytes(v), "extend", [x]) => {
                let more: Vec<u8> = match &x.value {
                    Value::Bytes(m) => m.clone(),
                    other => iter_values(other, b)?
                        .iter()
                        .map(|i| i.as_int().and_then(|i| u8::try_from(i).ok()))
                        .collect::<Option<Vec<u8>>>()?,
                };
                b.fits(v.len() + more.len())?;
                b.charge(more.len())?;
                v.extend(more);
            }
            (Value::Bytes(v), "reverse", []) => v.reverse(),
            (Value::Bytes(v), "clear", []) => v.clear(),
            (Value::Dict(d), "update", [x]) => {
                let Value::Dict(more) = &x.value else {
                    return None;
                };
                for (k, v) in more {
                    builtins::dict_set(d, k.clone(), v.clone(), b)?;
                }
            }
            (Value::Dict(d), "clear", []) => d.clear(),
            (Value::Object(o), "update", [x]) => {
                decrypt::update_in_place(&mut o.0, x.value.bytes_ref()?)?;
                b.charge(x.value.bytes_ref()?.len())?;
            }
            _ => return None,
        }
        for a in &args {
            var.absorb(a);
        }
        Some(Flow::Next)
    }

    /// Assign `v` to a target: a name, a tuple/list of targets, or `name[i]`.
    fn assign(&mut self, target: &'s Expr, v: Folded, depth: u32) -> Option<()> {
        match target {
            Expr::Name(n) => {
                self.set(n.id.as_str(), v);
                Some(())
            }
            Expr::Tuple(ast::ExprTuple { elts, .. }) | Expr::List(ast::ExprList { elts, .. })
                if depth < 8 =>
            {
                let items = iter_values(&v.value, self.ev.budget)?;
                if items.len() != elts.len() {
                    return None;
                }
                for (t, item) in elts.iter().zip(items) {
                    let f = v.map(item)?;
                    self.assign(t, f, depth + 1)?;
                }
                Some(())
            }
            Expr::Subscript(s) => {
                let (name, idx) = self.item_target(s)?;
                let budget = self.ev.budget;
                let var = self.var_mut(name)?;
                set_item(&mut var.value, &idx.value, v.value.clone(), budget)?;
                var.absorb(&v);
                var.absorb(&idx);
                Some(())
            }
            _ => None,
        }
    }

    /// `name[index]` as an assignment target (no slices): the name and the folded index.
    fn item_target(&mut self, s: &'s ast::ExprSubscript) -> Option<(&'s str, Folded)> {
        let Expr::Name(n) = &*s.value else {
            return None;
        };
        if matches!(&*s.slice, Expr::Slice(_)) {
            return None;
        }
        Some((n.id.as_str(), self.ev.eval(&s.slice, 0)?))
    }

    fn aug(&mut self, a: &'s ast::StmtAugAssign) -> Option<()> {
        let rhs = self.ev.eval(&a.value, 0)?;
        let b = self.ev.budget;
        match &*a.target {
            Expr::Name(n) => {
                let var = self.var_mut(n.id.as_str())?;
                // Accumulators grow in place.
                let done = match (a.op, &mut var.value, &rhs.value) {
                    (Operator::Add, Value::Str(s), Value::Str(t)) => {
                        b.fits(s.len() + t.len())?;
                        b.charge(t.len())?;
                        s.push_str(t);
                        true
                    }
                    (Operator::Add, Value::Bytes(s), Value::Bytes(t)) => {
                        b.fits(s.len() + t.len())?;
                        b.charge(t.len())?;
                        s.extend_from_slice(t);
                        true
                    }
                    (Operator::Add, Value::List(s), other) => {
                        let items = iter_values(other, b)?;
                        b.items(s.len() + items.len())?;
                        s.extend(items);
                        true
                    }
                    _ => false,
                };
                if done {
                    var.absorb(&rhs);
                } else {
                    let cur = std::mem::replace(var, Folded::plain(Value::None));
                    *var = binop_values(a.op, cur, rhs, false, b)?;
                }
                Some(())
            }
            Expr::Subscript(s) => {
                let (name, idx) = self.item_target(s)?;
                let budget = self.ev.budget;
                let var = self.var_mut(name)?;
                let cur = var.map(methods::index(&var.value, &idx.value)?)?;
                let new = binop_values(a.op, cur, rhs, false, b)?;
                set_item(&mut var.value, &idx.value, new.value.clone(), budget)?;
                var.absorb(&new);
                Some(())
            }
            _ => None,
        }
    }

    fn for_loop(&mut self, f: &'s ast::StmtFor, depth: u32) -> Option<Flow> {
        if f.is_async {
            return None;
        }
        // `range(n)` is counted, not built: ordinary code loops over big ranges, and the
        // first statement that cannot be modelled should stop the run before any cost.
        let (it, items) = match self.range_of(&f.iter)? {
            Some((start, step, n)) => (Folded::plain(Value::None), Items::Range(start, step, n)),
            None => {
                let it = self.ev.eval(&f.iter, 0)?;
                let items = iter_values(&it.value, self.ev.budget)?;
                (it, Items::List(items.into_iter()))
            }
        };
        for item in items {
            self.tick()?;
            let v = it.map(item)?;
            self.assign(&f.target, v, 0)?;
            match self.block(&f.body, depth)? {
                Flow::Next | Flow::Continue => {}
                Flow::Break => return Some(Flow::Next),
                r @ Flow::Return(_) => return Some(r),
            }
        }
        match self.block(&f.orelse, depth)? {
            Flow::Next => Some(Flow::Next),
            other => Some(other),
        }
    }

    /// `range(...)` of constant ints, as (start, step, count); `Some(None)` when `e` is
    /// something else.
    fn range_of(&mut self, e: &'s Expr) -> Option<Option<(i64, i64, usize)>> {
        let Expr::Call(c) = e else { return Some(None) };
        let Expr::Name(n) = &*c.func else {
            return Some(None);
        };
        let id = n.id.as_str();
        if !matches!(id, "range" | "xrange")
            || self.ev.lookup(id).is_some()
            || self.ev.env.aliases.contains_key(id)
            || !c.arguments.keywords.is_empty()
        {
            return Some(None);
        }
        let mut v = Vec::with_capacity(3);
        for a in c.arguments.args.iter() {
            v.push(self.ev.eval(a, 0)?.value.as_int()?);
        }
        let (start, stop, step) = match v.as_slice() {
            [stop] => (0, *stop, 1),
            [start, stop] => (*start, *stop, 1),
            [start, stop, step] if *step != 0 => (*start, *stop, *step),
            _ => return None,
        };
        let (lo, hi, st) = (i128::from(start), i128::from(stop), i128::from(step));
        let n = if st > 0 && hi > lo {
            (hi - lo + st - 1) / st
        } else if st < 0 && hi < lo {
            (lo - hi - st - 1) / -st
        } else {
            0
        };
        let n = usize::try_from(n).ok()?;
        if n > MAX_ITEMS {
            self.ev.budget.exceed(Bound::Items);
            return None;
        }
        Some(Some((start, step, n)))
    }

    fn while_loop(&mut self, w: &'s ast::StmtWhile, depth: u32) -> Option<Flow> {
        let mut n = 0usize;
        loop {
            n += 1;
            if n > MAX_ITEMS {
                self.ev.budget.exceed(Bound::Items);
                return None;
            }
            self.tick()?;
            if !truthy(&self.ev.eval(&w.test, 0)?.value) {
                break;
            }
            match self.block(&w.body, depth)? {
                Flow::Next | Flow::Continue => {}
                Flow::Break => return Some(Flow::Next),
                r @ Flow::Return(_) => return Some(r),
            }
        }
        match self.block(&w.orelse, depth)? {
            Flow::Next => Some(Flow::Next),
            other => Some(other),
        }
    }
}

/// What a `for` loop iterates.
enum Items {
    Range(i64, i64, usize),
    List(std::vec::IntoIter<Value>),
}

impl Iterator for Items {
    type Item = Value;
    fn next(&mut self) -> Option<Value> {
        match self {
            Items::Range(start, step, n) => {
                if *n == 0 {
                    return None;
                }
                let v = *start;
                *n -= 1;
                *start = start.wrapping_add(*step);
                Some(Value::Int(v))
            }
            Items::List(it) => it.next(),
        }
    }
}

/// `container[idx] = v` on a list, bytearray or dict.
fn set_item(container: &mut Value, idx: &Value, v: Value, b: &Budget) -> Option<()> {
    let at = |len: usize| -> Option<usize> {
        let i = idx.as_int()?;
        let j = if i < 0 { len as i64 + i } else { i };
        usize::try_from(j).ok().filter(|j| *j < len)
    };
    match container {
        Value::List(l) => {
            let i = at(l.len())?;
            l[i] = v;
        }
        Value::Bytes(b) => {
            let i = at(b.len())?;
            b[i] = u8::try_from(v.as_int()?).ok()?;
        }
        Value::Dict(d) => builtins::dict_set(d, idx.clone(), v, b)?,
        _ => return None,
    }
    Some(())
}
