//! Python's text conversions over constants: `repr()`, `str()`, `%` formatting, the format
//! mini-language (`format(x, '02x')`, `f'{x:>4}'`) and `str.format`. Output is bounded by
//! the caller's size checks; widths are bounded here before anything is allocated.

use super::{builtins, Value, MAX_VALUE};

/// `repr(v)`, as CPython 3 prints it; `None` for objects whose repr is an address or a path.
pub(super) fn repr(v: &Value) -> Option<String> {
    let mut out = String::new();
    repr_into(v, &mut out, 0)?;
    Some(out)
}

fn repr_into(v: &Value, out: &mut String, depth: u32) -> Option<()> {
    if depth > 20 || out.len() > MAX_VALUE {
        return None;
    }
    match v {
        Value::Str(s) => str_repr(s, out),
        Value::Bytes(b) => bytes_repr(b, out),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::None => out.push_str("None"),
        Value::List(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_into(x, out, depth + 1)?;
            }
            out.push(']');
        }
        Value::Dict(items) => {
            out.push('{');
            for (i, (k, x)) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                repr_into(k, out, depth + 1)?;
                out.push_str(": ");
                repr_into(x, out, depth + 1)?;
            }
            out.push('}');
        }
        Value::Name(n) => out.push_str(&builtins::name_repr(n)?),
        Value::Object(_) => return None,
    }
    Some(())
}

fn str_repr(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f || (0x80..0xa1).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if matches!(c as u32, 0xad | 0x2028 | 0x2029 | 0xfeff)
                || (0xd800..0xe000).contains(&(c as u32)) =>
            {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

fn bytes_repr(b: &[u8], out: &mut String) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push('b');
    out.push(char::from(quote));
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(char::from(c));
            }
            0x20..=0x7e => out.push(char::from(c)),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(char::from(quote));
}

/// `str(v)`.
pub(super) fn to_str(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        other => repr(other),
    }
}

/// `ascii(v)`: `repr` with non-ASCII characters escaped.
pub(super) fn ascii(v: &Value) -> Option<String> {
    let r = repr(v)?;
    let mut out = String::with_capacity(r.len());
    for c in r.chars() {
        match c as u32 {
            0..=0x7f => out.push(c),
            n @ 0x80..=0xff => out.push_str(&format!("\\x{n:02x}")),
            n @ 0x100..=0xffff => out.push_str(&format!("\\u{n:04x}")),
            n => out.push_str(&format!("\\U{n:08x}")),
        }
    }
    Some(out)
}

/// One parsed conversion or format spec.
#[derive(Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

/// Widths and precisions beyond this are refused (nothing real pads to 64 KiB).
const MAX_WIDTH: usize = 1 << 16;

fn parse_spec(spec: &str) -> Option<Spec> {
    let chars: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    if chars.len() >= 2 && is_align(chars[1]) {
        s.fill = Some(chars[0]);
        s.align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && is_align(chars[0]) {
        s.align = Some(chars[0]);
        i = 1;
    }
    if let Some(&c @ ('+' | '-' | ' ')) = chars.get(i) {
        s.sign = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'#') {
        s.alt = true;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        s.zero = true;
        i += 1;
    }
    let num = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        if *i == start {
            return Some(0);
        }
        let n: usize = chars[start..*i].iter().collect::<String>().parse().ok()?;
        (n <= MAX_WIDTH).then_some(n)
    };
    s.width = num(&mut i)?;
    if let Some(&c @ (',' | '_')) = chars.get(i) {
        s.grouping = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        s.precision = Some(num(&mut i)?);
    }
    if let Some(&c) = chars.get(i) {
        s.ty = Some(c);
        i += 1;
    }
    (i == chars.len()).then_some(s)
}

fn pad(body: String, s: &Spec, default_align: char) -> String {
    let len = body.chars().count();
    if len >= s.width {
        return body;
    }
    let fill = s.fill.unwrap_or(' ');
    let n = s.width - len;
    let (left, right) = match s.align.unwrap_or(default_align) {
        '<' => (0, n),
        '^' => (n / 2, n - n / 2),
        _ => (n, 0),
    };
    let mut out = String::with_capacity(body.len() + n);
    out.extend(std::iter::repeat_n(fill, left));
    out.push_str(&body);
    out.extend(std::iter::repeat_n(fill, right));
    out
}

fn group(digits: &str, sep: char, every: usize) -> String {
    let n = digits.len();
    let mut out = String::with_capacity(n + n / every);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (n - i).is_multiple_of(every) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn format_int(i: i64, s: &Spec) -> Option<String> {
    let mag = i.unsigned_abs();
    let (digits, prefix) = match s.ty.unwrap_or('d') {
        'd' | 'n' => (mag.to_string(), ""),
        'x' => (format!("{mag:x}"), "0x"),
        'X' => (format!("{mag:X}"), "0X"),
        'o' => (format!("{mag:o}"), "0o"),
        'b' => (format!("{mag:b}"), "0b"),
        'c' => {
            let c = char::from_u32(u32::try_from(i).ok()?)?;
            return Some(pad(c.to_string(), s, '<'));
        }
        _ => return None,
    };
    let digits = match (s.grouping, s.ty.unwrap_or('d')) {
        (Some(g), 'd' | 'n') => group(&digits, g, 3),
        (Some('_'), _) => group(&digits, '_', 4),
        (Some(_), _) => return None,
        (None, _) => digits,
    };
    let sign = match (i < 0, s.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    let prefix = if s.alt { prefix } else { "" };
    if s.zero && s.align.is_none() && s.fill.is_none() {
        let head = format!("{sign}{prefix}");
        let width = s.width.saturating_sub(head.len());
        return Some(format!("{head}{digits:0>width$}"));
    }
    if s.align == Some('=') {
        let head = format!("{sign}{prefix}");
        let fill = s.fill.unwrap_or(' ');
        let n = s.width.saturating_sub(head.len() + digits.len());
        return Some(format!(
            "{head}{}{digits}",
            std::iter::repeat_n(fill, n).collect::<String>()
        ));
    }
    Some(pad(format!("{sign}{prefix}{digits}"), s, '>'))
}

/// `format(v, spec)`: the format mini-language for strings and integers.
pub(super) fn format_value(v: &Value, spec: &str) -> Option<String> {
    if spec.is_empty() {
        return to_str(v);
    }
    let s = parse_spec(spec)?;
    match v {
        Value::Int(_) | Value::Bool(_) if s.ty != Some('s') => {
            if matches!(v, Value::Bool(_)) && s.ty.is_none() {
                return Some(pad(to_str(v)?, &s, '<'));
            }
            format_int(v.as_int()?, &s)
        }
        Value::Str(_) | Value::Name(_) | Value::Bool(_) | Value::None
            if matches!(s.ty, None | Some('s')) && s.sign.is_none() && !s.alt =>
        {
            let mut body = to_str(v)?;
            if let Some(p) = s.precision {
                body = body.chars().take(p).collect();
            }
            if s.zero && s.fill.is_none() && s.align.is_none() {
                let fake = Spec {
                    fill: Some('0'),
                    align: Some('<'),
                    width: s.width,
                    ..Spec::default()
                };
                return Some(pad(body, &fake, '<'));
            }
            Some(pad(body, &s, '<'))
        }
        _ => None,
    }
}

/// `fmt % args` for a str or bytes format (`bytes_fmt`). `args` is a tuple when the right
/// operand was written as one (or came from a name: treated as a tuple), a dict for
/// `%(key)s`, otherwise a single value.
pub(super) fn percent(fmt: &str, args: &Value, args_is_tuple: bool) -> Option<String> {
    let items: Vec<&Value> = match args {
        Value::List(v) if args_is_tuple => v.iter().collect(),
        v => vec![v],
    };
    let mut it = items.into_iter();
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // %[(key)][flags][width][.precision]type
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut k = String::new();
            loop {
                match chars.next()? {
                    ')' => break,
                    c => k.push(c),
                }
            }
            key = Some(k);
        }
        let mut spec = Spec::default();
        let mut left = false;
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '+' => spec.sign = Some('+'),
                ' ' => spec.sign = spec.sign.or(Some(' ')),
                '#' => spec.alt = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        if !width.is_empty() {
            spec.width = width.parse().ok().filter(|w| *w <= MAX_WIDTH)?;
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            spec.precision = Some(p.parse().unwrap_or(0)).filter(|p| *p <= MAX_WIDTH);
        }
        let ty = chars.next()?;
        if ty == '%' {
            out.push('%');
            continue;
        }
        let arg: &Value = match &key {
            Some(k) => match args {
                Value::Dict(d) => d
                    .iter()
                    .find(|(dk, _)| matches!(dk, Value::Str(s) if s == k))
                    .map(|(_, v)| v)?,
                _ => return None,
            },
            None => it.next()?,
        };
        if left {
            spec.align = Some('<');
            spec.zero = false;
        }
        let body = match ty {
            's' => {
                let mut s = to_str(arg)?;
                if let Some(p) = spec.precision {
                    s = s.chars().take(p).collect();
                }
                s
            }
            'r' | 'a' => {
                let s = if ty == 'r' { repr(arg)? } else { ascii(arg)? };
                match spec.precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let i = arg.as_int()?;
                let mag = i.unsigned_abs();
                let mut digits = match ty {
                    'x' => format!("{mag:x}"),
                    'X' => format!("{mag:X}"),
                    'o' => format!("{mag:o}"),
                    _ => mag.to_string(),
                };
                if let Some(p) = spec.precision {
                    if digits.len() < p {
                        digits = format!("{digits:0>p$}");
                    }
                }
                let prefix = match (spec.alt, ty) {
                    (true, 'x') => "0x",
                    (true, 'X') => "0X",
                    (true, 'o') => "0o",
                    _ => "",
                };
                let sign = match (i < 0, spec.sign) {
                    (true, _) => "-",
                    (false, Some('+')) => "+",
                    (false, Some(' ')) => " ",
                    _ => "",
                };
                if spec.zero && !left {
                    let head = format!("{sign}{prefix}");
                    let w = spec.width.saturating_sub(head.len());
                    format!("{head}{digits:0>w$}")
                } else {
                    format!("{sign}{prefix}{digits}")
                }
            }
            'c' => match arg {
                Value::Int(i) => char::from_u32(u32::try_from(*i).ok()?)?.to_string(),
                Value::Str(s) if s.chars().count() == 1 => s.clone(),
                _ => return None,
            },
            _ => return None,
        };
        out.push_str(&pad(body, &spec, '>'));
        if out.len() > MAX_VALUE {
            return None;
        }
    }
    // Python raises when arguments are left over (unless they are a mapping).
    if !matches!(args, Value::Dict(_)) && it.next().is_some() {
        return None;
    }
    Some(out)
}

/// `fmt.format(*args, **kwargs)`: `{}`, `{0}`, `{name}`, `{0[1]}`, `{x!r}`, `{:spec}`.
pub(super) fn str_format(fmt: &str, args: &[Value], kwargs: &[(&str, Value)]) -> Option<String> {
    let mut out = String::with_capacity(fmt.len() + 16);
    let mut auto = 0usize;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return None,
            '{' => {
                // Read the field up to its matching brace (nested braces in the spec).
                let mut field = String::new();
                let mut level = 1;
                loop {
                    let c = chars.next()?;
                    match c {
                        '{' => level += 1,
                        '}' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    field.push(c);
                }
                let (head, spec) = match field.find(':') {
                    Some(i) => (&field[..i], &field[i + 1..]),
                    None => (field.as_str(), ""),
                };
                let (name, conv) = match head.find('!') {
                    Some(i) => (&head[..i], Some(&head[i + 1..])),
                    None => (head, None),
                };
                let spec = if spec.contains('{') {
                    str_format(spec, args, kwargs)?
                } else {
                    spec.to_string()
                };
                let v = field_value(name, args, kwargs, &mut auto)?;
                let text = match conv {
                    None => format_value(&v, &spec)?,
                    Some("s") => format_value(&Value::Str(to_str(&v)?), &spec)?,
                    Some("r") => format_value(&Value::Str(repr(&v)?), &spec)?,
                    Some("a") => format_value(&Value::Str(ascii(&v)?), &spec)?,
                    Some(_) => return None,
                };
                out.push_str(&text);
                if out.len() > MAX_VALUE {
                    return None;
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn field_value(
    name: &str,
    args: &[Value],
    kwargs: &[(&str, Value)],
    auto: &mut usize,
) -> Option<Value> {
    let end = name.find(['[', '.']).unwrap_or(name.len());
    let (base, mut rest) = name.split_at(end);
    let mut v = if base.is_empty() {
        let v = args.get(*auto)?.clone();
        *auto += 1;
        v
    } else if let Ok(i) = base.parse::<usize>() {
        args.get(i)?.clone()
    } else {
        kwargs.iter().find(|(k, _)| *k == base)?.1.clone()
    };
    // Element indexes only (`{0[1]}`, `{d[key]}`); attribute access is not folded.
    while let Some(r) = rest.strip_prefix('[') {
        let close = r.find(']')?;
        let key = &r[..close];
        rest = &r[close + 1..];
        v = match &v {
            Value::List(items) => items.get(key.parse::<usize>().ok()?)?.clone(),
            Value::Dict(items) => {
                let k = match key.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::Str(key.to_string()),
                };
                items.iter().find(|(dk, _)| *dk == k)?.1.clone()
            }
            Value::Str(s) => Value::Str(s.chars().nth(key.parse().ok()?)?.to_string()),
            _ => return None,
        };
    }
    rest.is_empty().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Value {
        Value::Str(x.into())
    }

    #[test]
    fn reprs_match_cpython() {
        assert_eq!(repr(&s("it's")).unwrap(), "\"it's\"");
        assert_eq!(repr(&s("a'\"b")).unwrap(), "'a\\'\"b'");
        assert_eq!(repr(&s("tab\t\x01é")).unwrap(), "'tab\\t\\x01é'");
        assert_eq!(
            repr(&Value::Bytes(b"\x00ab'".to_vec())).unwrap(),
            "b\"\\x00ab'\""
        );
        assert_eq!(
            repr(&Value::List(vec![
                Value::Int(1),
                s("x"),
                Value::None,
                Value::Bool(true)
            ]))
            .unwrap(),
            "[1, 'x', None, True]"
        );
        assert_eq!(
            repr(&Value::Dict(vec![(s("k"), Value::Int(-2))])).unwrap(),
            "{'k': -2}"
        );
        assert_eq!(ascii(&s("é")).unwrap(), "'\\xe9'");
        assert_eq!(
            to_str(&Value::Name("oct".into())).unwrap(),
            "<built-in function oct>"
        );
    }

    #[test]
    fn format_mini_language() {
        assert_eq!(format_value(&Value::Int(255), "02x").unwrap(), "ff");
        assert_eq!(format_value(&Value::Int(5), "03d").unwrap(), "005");
        assert_eq!(format_value(&Value::Int(-5), "04d").unwrap(), "-005");
        assert_eq!(format_value(&Value::Int(10), "#b").unwrap(), "0b1010");
        assert_eq!(format_value(&Value::Int(10), "#06x").unwrap(), "0x000a");
        assert_eq!(
            format_value(&Value::Int(1234567), ",").unwrap(),
            "1,234,567"
        );
        assert_eq!(format_value(&Value::Int(101), "c").unwrap(), "e");
        assert_eq!(format_value(&s("ab"), ">4").unwrap(), "  ab");
        assert_eq!(format_value(&s("ab"), "*^6").unwrap(), "**ab**");
        assert_eq!(format_value(&s("abcdef"), ".3").unwrap(), "abc");
        assert_eq!(format_value(&Value::Int(7), "+").unwrap(), "+7");
        assert_eq!(format_value(&Value::Int(7), "=+4").unwrap(), "+  7");
        assert!(format_value(&s("x"), ">99999999").is_none());
        assert!(format_value(&s("x"), "q!").is_none());
    }

    #[test]
    fn percent_formatting() {
        let t = |v: Vec<Value>| Value::List(v);
        assert_eq!(
            percent(
                "%s://%s/%d",
                &t(vec![s("http"), s("x"), Value::Int(5)]),
                true
            )
            .unwrap(),
            "http://x/5"
        );
        assert_eq!(
            percent("%c%c", &t(vec![Value::Int(104), s("i")]), true).unwrap(),
            "hi"
        );
        assert_eq!(
            percent(
                "%02x|%-3s|%5.1s|%%",
                &t(vec![Value::Int(10), s("a"), s("bc")]),
                true
            )
            .unwrap(),
            "0a|a  |    b|%"
        );
        assert_eq!(percent("%r", &s("q"), false).unwrap(), "'q'");
        assert_eq!(
            percent(
                "%(a)s-%(b)d",
                &Value::Dict(vec![(s("a"), s("x")), (s("b"), Value::Int(3))]),
                false
            )
            .unwrap(),
            "x-3"
        );
        // A list on the right is one argument.
        assert_eq!(
            percent("%s", &t(vec![Value::Int(1)]), false).unwrap(),
            "[1]"
        );
        assert!(percent("%s %s", &t(vec![s("a")]), true).is_none());
        assert!(percent("%s", &t(vec![s("a"), s("b")]), true).is_none());
        assert_eq!(percent("%.3d", &Value::Int(7), false).unwrap(), "007");
    }

    #[test]
    fn str_format_fields() {
        let args = vec![s("ex"), s("ec")];
        assert_eq!(str_format("{}{}", &args, &[]).unwrap(), "exec");
        assert_eq!(str_format("{1}{0}", &args, &[]).unwrap(), "ecex");
        assert_eq!(
            str_format("{a}-{b!r}-{{x}}", &[], &[("a", s("1")), ("b", s("2"))]).unwrap(),
            "1-'2'-{x}"
        );
        assert_eq!(
            str_format("{0[1]}", &[Value::List(vec![s("a"), s("b")])], &[]).unwrap(),
            "b"
        );
        assert_eq!(
            str_format("{:>{w}}", &[s("a")], &[("w", Value::Int(3))]).unwrap(),
            "  a"
        );
        assert!(str_format("{", &[], &[]).is_none());
        assert!(str_format("{x.y}", &[], &[("x", s("a"))]).is_none());
    }
}
