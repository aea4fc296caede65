//! End-to-end tests of the evaluator: Python source in, folded value out.

use super::*;
use ruff_python_ast::{PySourceType, Stmt};

fn fold_src(src: &str) -> Option<Folded> {
    run(src).last
}

fn text(src: &str) -> String {
    fold_src(src)
        .and_then(|f| f.value.text())
        .unwrap_or_default()
}

#[test]
fn folds_base64_and_chains() {
    assert_eq!(
        text(
            "import base64\nbase64.b64decode('aHR0cHM6Ly9ldmlsLmV4YW1wbGUuaW52YWxpZC9w').decode()"
        ),
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
    let (t, via) =
        decode_blob("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2N1cmwgaHR0cDovL2V2aWwuZXhhbXBsZS5pbnZhbGlkJyk=")
            .unwrap();
    assert_eq!(via, "base64");
    assert!(t.contains("os.system"));
    assert!(decode_blob("this is just a long sentence of english words, nothing more").is_none());
    assert!(decode_blob("abcdefghijabcdefghijabcdefghijabcdefghij").is_none());
}

// ---------------------------------------------------------------------------------------
// A small engine for the tests: binds imports, constants (objects included), loops (through
// `fold_loop`) and helper functions (through `call_def`), like the facts walker would.

struct Run {
    aliases: HashMap<String, String>,
    consts: HashMap<String, Folded>,
    last: Option<Folded>,
    budget: Budget,
}

fn run_with(src: &str, budget: Budget) -> Run {
    let parsed = ruff_python_parser::parse_unchecked_source(src, PySourceType::Python);
    let mut r = Run {
        aliases: HashMap::default(),
        consts: HashMap::default(),
        last: None,
        budget,
    };
    let mut defs: Vec<&ast::StmtFunctionDef> = Vec::new();
    for stmt in &parsed.syntax().body {
        let env = Env {
            aliases: &r.aliases,
            consts: &r.consts,
            binding: None,
        };
        match stmt {
            Stmt::Import(i) => {
                for a in &i.names {
                    let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                    r.aliases.insert(local, a.name.to_string());
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                    let m = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                    r.aliases.insert(local, format!("{m}.{}", a.name));
                }
            }
            Stmt::FunctionDef(f) => defs.push(f),
            Stmt::For(_) | Stmt::While(_) => {
                let out = fold_loop_in(stmt, &env, &r.budget);
                for (k, v) in out {
                    r.consts.insert(k, v);
                }
            }
            Stmt::Assign(a) => {
                let v = fold_user(&env, &defs, &a.value, &r.budget);
                if let (Some(Expr::Name(n)), Some(v)) = (a.targets.first(), v) {
                    r.consts.insert(n.id.to_string(), v);
                }
            }
            Stmt::Expr(e) => r.last = fold_user(&env, &defs, &e.value, &r.budget),
            _ => {}
        }
    }
    r
}

/// Fold, inlining calls to the file's helper functions.
fn fold_user(env: &Env, defs: &[&ast::StmtFunctionDef], e: &Expr, b: &Budget) -> Option<Folded> {
    if let Expr::Call(c) = e {
        if let Expr::Name(n) = &*c.func {
            if let Some(def) = defs.iter().find(|d| d.name.as_str() == n.id.as_str()) {
                let args = c
                    .arguments
                    .args
                    .iter()
                    .map(|a| env.fold_in(a, b))
                    .collect::<Option<Vec<_>>>()?;
                return env.call_def(def, &args, &[], b);
            }
        }
    }
    env.fold_in(e, b)
}

fn run(src: &str) -> Run {
    run_with(src, Budget::per_expr())
}

fn val(src: &str) -> Option<Value> {
    run(src).last.map(|f| f.value)
}

fn s(x: &str) -> Value {
    Value::Str(x.into())
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn bytes(b: &[u8]) -> Value {
    Value::Bytes(b.to_vec())
}

/// `b'\x..'` as Python source.
fn py_bytes(b: &[u8]) -> String {
    let mut out = String::from("b'");
    for x in b {
        out.push_str(&format!("\\x{x:02x}"));
    }
    out.push('\'');
    out
}

#[test]
fn integer_arithmetic_is_pythons_and_refuses_overflow() {
    assert_eq!(val("(-7) // 2"), Some(int(-4)));
    assert_eq!(val("-7 % 3"), Some(int(2)));
    assert_eq!(val("7 % -3"), Some(int(-2)));
    assert_eq!(val("2 ** 10"), Some(int(1024)));
    assert_eq!(val("1 << 3 | 1"), Some(int(9)));
    assert_eq!(val("-8 >> 1"), Some(int(-4)));
    assert_eq!(val("~5"), Some(int(-6)));
    assert_eq!(val("0xff & 0x0f ^ 3"), Some(int(12)));
    assert_eq!(val("(100 + 1) * 2 - 102"), Some(int(100)));
    assert_eq!(val("True + True"), Some(int(2)));
    // Big values are refused, never wrapped.
    assert_eq!(val("2 ** 64"), None);
    assert_eq!(val("9223372036854775807 + 1"), None);
    assert_eq!(val("1 << 64"), None);
    assert_eq!(val("3 << 62"), None);
    assert_eq!(val("123456789012345678901234567890"), None);
    assert_eq!(val("1 // 0"), None);
    assert_eq!(val("1 % 0"), None);
    assert_eq!(val("2 ** -1"), None);
    assert_eq!(val("7 / 2"), None);
    assert_eq!(val("(-9223372036854775807 - 1) // -1"), None);
}

#[test]
fn comparisons_booleans_and_conditionals() {
    assert_eq!(val("1 < 2 < 3"), Some(Value::Bool(true)));
    assert_eq!(val("1 < 3 < 2"), Some(Value::Bool(false)));
    assert_eq!(val("'ab' in 'xaby'"), Some(Value::Bool(true)));
    assert_eq!(val("3 not in [1, 2]"), Some(Value::Bool(true)));
    assert_eq!(val("None is None"), Some(Value::Bool(true)));
    assert_eq!(val("'a' == b'a'"), Some(Value::Bool(false)));
    assert_eq!(val("0 or '' or 'x'"), Some(s("x")));
    assert_eq!(val("1 and 'y'"), Some(s("y")));
    assert_eq!(val("not []"), Some(Value::Bool(true)));
    assert_eq!(val("'a' if 1 + 1 == 2 else 'b'"), Some(s("a")));
    assert_eq!(val("'a' if len('xy') > 5 else 'b'"), Some(s("b")));
    // An unknown test folds only when both arms agree.
    assert_eq!(val("'same' if x else 'same'"), Some(s("same")));
    assert_eq!(val("'a' if x else 'b'"), None);
    // Short-circuit: the unknown right operand is never needed.
    assert_eq!(val("'k' or unknown()"), Some(s("k")));
}

#[test]
fn chr_ord_map_join_and_friends() {
    assert_eq!(
        val("''.join(chr(x ^ 42) for x in [79, 92, 75, 70])"),
        Some(s("eval"))
    );
    assert_eq!(
        val("''.join(map(chr, [101, 120, 101, 99]))"),
        Some(s("exec"))
    );
    assert_eq!(
        val("''.join(map(lambda x: chr(x - 3), [104, 123, 104, 102]))"),
        Some(s("exec"))
    );
    assert_eq!(
        val("''.join(chr(ord(c) + 1) for c in 'dwdb')"),
        Some(s("exec"))
    );
    assert_eq!(
        val("list(map(ord, 'ab'))"),
        Some(Value::List(vec![int(97), int(98)]))
    );
    assert_eq!(val("str(123) + str(b'x')"), Some(s("123b'x'")));
    assert_eq!(val("int('ff', 16) + int('0b101', 0)"), Some(int(260)));
    assert_eq!(
        val("bytes([0x68, 0x69]) + bytearray(b'!')"),
        Some(bytes(b"hi!"))
    );
    assert_eq!(val("''.join(reversed('cexe'))"), Some(s("exec")));
    assert_eq!(val("''.join(sorted('cba', reverse=True))"), Some(s("cba")));
    assert_eq!(val("''.join(sorted(['bb', 'a'], key=len))"), Some(s("abb")));
    assert_eq!(
        val("list(reversed([1, 2]))"),
        Some(Value::List(vec![int(2), int(1)]))
    );
    assert_eq!(val("len('héllo') + len([1]) + len(b'ab')"), Some(int(8)));
    assert_eq!(
        val("''.join(filter(str.isalpha, 'e1x2e3c'))"),
        Some(s("exec"))
    );
    assert_eq!(
        val("import functools\nfunctools.reduce(lambda a, b: a + b, ['ex', 'ec'])"),
        Some(s("exec"))
    );
    assert_eq!(
        val("''.join([chr(c) for c in range(97, 100)])"),
        Some(s("abc"))
    );
    assert_eq!(val("sum(x for x in range(5))"), Some(int(10)));
    assert_eq!(val("max([3, 9, 2]) + min(4, 1)"), Some(int(10)));
    assert_eq!(val("hex(255) + oct(8) + bin(2)"), Some(s("0xff0o100b10")));
    assert_eq!(val("(lambda s: s[::-1])('lave')"), Some(s("eval")));
    assert_eq!(val("(lambda a, b=2: a * b)(4)"), Some(int(8)));
    let f = run("''.join(map(chr, [104, 105]))").last.unwrap();
    assert!(f.obfuscated);
    assert_eq!(f.via, Some("chr()"));
    let f = run("''.join(chr(x ^ 1) for x in [105, 104])").last.unwrap();
    assert_eq!(f.via, Some("xor"));
}

#[test]
fn slicing_with_steps() {
    assert_eq!(val("'abcdef'[1:5:2]"), Some(s("bd")));
    assert_eq!(val("'abcdef'[::-2]"), Some(s("fdb")));
    assert_eq!(val("'abcdef'[-2:]"), Some(s("ef")));
    assert_eq!(val("'abcdef'[5:1:-1]"), Some(s("fedc")));
    assert_eq!(val("'abcdef'[100:]"), Some(s("")));
    assert_eq!(val("'héllo'[1:3]"), Some(s("él")));
    assert_eq!(val("b'abc'[::-1]"), Some(bytes(b"cba")));
    assert_eq!(val("b'abc'[1]"), Some(int(98)));
    assert_eq!(val("[1, 2, 3][::-1][0]"), Some(int(3)));
    assert_eq!(val("'abc'[::0]"), None);
    assert_eq!(val("'abc'[5]"), None);
    let f = run("'cexe'[::-1]").last.unwrap();
    assert!(f.obfuscated);
    assert_eq!(f.via, Some("reversed string"));
    let f = run("'eaxbeccd'[::2]").last.unwrap();
    assert_eq!(f.value, s("exec"));
    assert!(f.obfuscated);
}

#[test]
fn str_methods_formatting_and_fstrings() {
    assert_eq!(val("'e-x-e-c'.replace('-', '')"), Some(s("exec")));
    assert_eq!(val("' '.join('a b  c'.split())"), Some(s("a b c")));
    assert_eq!(val("'EXEC'.lower() + 'x'.upper()"), Some(s("execX")));
    assert_eq!(val("'  x  '.strip() + 'yyzyy'.strip('y')"), Some(s("xz")));
    assert_eq!(val("'{}{}'.format('ex', 'ec')"), Some(s("exec")));
    assert_eq!(val("'{1}{0}'.format('ec', 'ex')"), Some(s("exec")));
    assert_eq!(val("'{a}'.format(a='x')"), Some(s("x")));
    assert_eq!(
        val("'7'.zfill(3) + 'ab'.center(6, '*')"),
        Some(s("007**ab**"))
    );
    assert_eq!(
        val("'abc'.translate(str.maketrans('abc', 'xyz'))"),
        Some(s("xyz"))
    );
    assert_eq!(
        val("'abc'.translate(''.maketrans({'a': 'e', 'b': None}))"),
        Some(s("ec"))
    );
    assert_eq!(val("'%s%s' % ('ex', 'ec')"), Some(s("exec")));
    assert_eq!(val("'%(a)s' % {'a': 1}"), Some(s("1")));
    assert_eq!(val("'%c%c' % (104, 105)"), Some(s("hi")));
    assert_eq!(val("'%5.2s|%x' % ('abc', 255)"), Some(s("   ab|ff")));
    assert_eq!(val("b'%s-%d' % (b'a', 5)"), Some(bytes(b"a-5")));
    assert_eq!(val("x = 'ex'\nf'{x}ec'"), Some(s("exec")));
    assert_eq!(
        val("f'{255:#x}|{\"ab\":^6}|{\"q\"!r}'"),
        Some(s("0xff|  ab  |'q'"))
    );
    assert_eq!(val("w = 4\nf'{1:0{w}d}'"), Some(s("0001")));
    assert_eq!(val("f'{x}'"), None);
    assert_eq!(val("x = 1\nf'{x=}'"), None);
    assert_eq!(val("'exec'.encode().hex()"), Some(s("65786563")));
    assert_eq!(val("'ZXhlYw=='.encode('ascii')"), Some(bytes(b"ZXhlYw==")));
    assert_eq!(val("'a,b'.split(',')[1]"), Some(s("b")));
    assert_eq!(val("'x'.join(['a', 'b'])"), Some(s("axb")));
    assert_eq!(val("'abc'.startswith(('x', 'a'))"), Some(Value::Bool(true)));
    assert_eq!(val("'a' * 3 + 2 * 'b'"), Some(s("aaabb")));
}

#[test]
fn codecs_and_base_variants_end_to_end() {
    assert_eq!(val("bytes.fromhex('65786563').decode()"), Some(s("exec")));
    assert_eq!(
        val("import codecs\ncodecs.decode('rkrp', 'rot13')"),
        Some(s("exec"))
    );
    assert_eq!(
        val("import codecs\ncodecs.decode(b'65786563', 'hex')"),
        Some(bytes(b"exec"))
    );
    assert_eq!(
        val("import codecs\ncodecs.decode(b'ZXhlYw==', 'base64')"),
        Some(bytes(b"exec"))
    );
    assert_eq!(
        val("b'\\\\x65\\\\x78ec'.decode('unicode_escape')"),
        Some(s("exec"))
    );
    assert_eq!(
        val("import base64\nbase64.urlsafe_b64decode('ZXhlYw')"),
        Some(bytes(b"exec"))
    );
    assert_eq!(
        val("import base64\nbase64.b16decode('65786563')"),
        Some(bytes(b"exec"))
    );
    assert_eq!(
        val("import base64\nbase64.b32decode(base64.b32encode(b'exec'))"),
        Some(bytes(b"exec"))
    );
    assert_eq!(
        val("import base64\nbase64.a85decode(b'BOu!rDZ')"),
        Some(bytes(b"hello"))
    );
    assert_eq!(
        val("from base64 import *\nb64decode('ZXhlYw==')"),
        None,
        "star imports leave names unresolved"
    );
    assert_eq!(
        val("import base64 as b\nb.b64decode(b.b64encode(b'x'))"),
        Some(bytes(b"x"))
    );
    // Python 2 style.
    assert_eq!(val("'ZXhlYw=='.decode('base64')"), Some(bytes(b"exec")));
    // Compressors, through the names code uses.
    use std::io::Write as _;
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(b"print('inert')").unwrap();
    let bz = bz.finish().unwrap();
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut b"print('inert')".as_slice(), &mut xz).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"print('inert')").unwrap();
    let gz = gz.finish().unwrap();
    for (module, data) in [("bz2", &bz), ("lzma", &xz), ("gzip", &gz)] {
        let src = format!(
            "import {module}\n{module}.decompress({}).decode()",
            py_bytes(data)
        );
        let f = run(&src).last.unwrap();
        assert_eq!(f.value, s("print('inert')"), "{module}");
        assert!(f.obfuscated);
    }
}

#[test]
fn escaped_literals_are_flagged() {
    let f = run(r#""\x65\x76\x61\x6c""#).last.unwrap();
    assert_eq!(f.value, s("eval"));
    assert!(f.escaped);
    assert!(!f.obfuscated, "escapes are their own signal");
    assert!(run(r#""\145\166\141\154""#).last.unwrap().escaped);
    assert!(run(r#""\u0065\u0076\u0061\u006c""#).last.unwrap().escaped);
    assert!(run(r#"b"\x65\x76\x61\x6c""#).last.unwrap().escaped);
    assert!(
        run(r#""\x65\x76" + "al" + "\x28\x29""#)
            .last
            .unwrap()
            .escaped
    );
    assert!(run(r#"f"\x65\x76\x61\x6c""#).last.unwrap().escaped);
    // Not escaped: plain text, a newline, binary magic, non-ASCII text, raw strings.
    for plain in [
        r#""eval""#,
        r#""line\n""#,
        r#"b"\x89PNG\r\n\x1a\n""#,
        r#""caf\u00e9 cr\u00e8me""#,
        r#"r"\x65\x76\x61\x6c""#,
        r#""a\tb\tc\td""#,
        r#""""eval""""#,
    ] {
        assert!(!run(plain).last.unwrap().escaped, "{plain}");
    }
    let parsed = ruff_python_parser::parse_expression(r#""\x65\x76\x61\x6c""#).unwrap();
    assert!(is_escaped(parsed.expr()));
}

#[test]
fn builtin_reprs_spell_names() {
    assert_eq!(val("str(oct)"), Some(s("<built-in function oct>")));
    assert_eq!(val("oct.__str__()"), Some(s("<built-in function oct>")));
    assert_eq!(val("repr(print)"), Some(s("<built-in function print>")));
    assert_eq!(val("str(type(1))"), Some(s("<class 'int'>")));
    assert_eq!(val("type(1).__name__"), Some(s("int")));
    assert_eq!(val("().__class__.__name__"), Some(s("tuple")));
    assert_eq!(val("[].__class__.__name__"), Some(s("list")));
    assert_eq!(val("{}.__class__.__name__"), Some(s("dict")));
    assert_eq!(val("''.__class__.__name__"), Some(s("str")));
    assert_eq!(val("None.__class__.__name__"), Some(s("NoneType")));
    assert_eq!(val("str(True.__class__)"), Some(s("<class 'bool'>")));
    assert_eq!(val("oct.__name__"), Some(s("oct")));
    assert_eq!(val("str(oct)[13:16]"), Some(s("cti")));
    // A name spelled from reprs: 'e' 'x' 'e' 'c'.
    let src = "s = str(set)\nh = hex.__str__()\ns[9] + h[21] + s[9] + s[1]";
    let f = run(src).last.unwrap();
    assert_eq!(f.value, s("exec"));
    assert!(f.obfuscated);
    assert_eq!(
        val("import string\nstring.ascii_letters[4] + string.ascii_letters[23]"),
        Some(s("ex"))
    );
    // Not from the machine: module reprs carry paths, method reprs addresses.
    assert_eq!(val("import os\nstr(os)"), None);
    assert_eq!(val("str(''.join)"), None);
}

#[test]
fn computed_callee_names() {
    let callee = |src: &str| {
        let parsed = ruff_python_parser::parse_unchecked_source(src, PySourceType::Python);
        let body = &parsed.syntax().body;
        let r = run(src);
        let Some(Stmt::Expr(e)) = body.last() else {
            panic!("no call")
        };
        let Expr::Call(c) = &*e.value else {
            panic!("not a call")
        };
        let env = Env {
            aliases: &r.aliases,
            consts: &r.consts,
            binding: None,
        };
        (env.callee(&c.func), env.callees(&c.func))
    };
    let (c, _) = callee("getattr(__builtins__, 'cexe'[::-1])(code)");
    let c = c.unwrap();
    assert_eq!(c.name, "exec");
    assert!(c.computed && c.obfuscated);
    let (c, _) = callee("getattr(__builtins__, 'exec')(code)");
    let c = c.unwrap();
    assert_eq!(c.name, "exec");
    assert!(c.computed && !c.obfuscated);
    let (c, _) =
        callee("import builtins\ngetattr(builtins, ''.join(map(chr, [101, 118, 97, 108])))(x)");
    assert_eq!(c.unwrap().name, "eval");
    let (c, _) = callee("import os\ngetattr(os, 'sys' + 'tem')('id')");
    assert_eq!(c.unwrap().name, "os.system");
    let (c, _) = callee("__import__('o' + 's').system('id')");
    assert_eq!(c.unwrap().name, "os.system");
    let (c, _) = callee("__import__('builtins').exec(x)");
    assert_eq!(c.unwrap().name, "exec");
    let (c, _) = callee("globals()['__builtins__'].__dict__['exec'](x)");
    assert_eq!(c.unwrap().name, "exec");
    let (c, _) = callee("__builtins__.__dict__['ex' + 'ec'](x)");
    assert_eq!(c.unwrap().name, "exec");
    let (c, _) = callee("vars(__builtins__)['eval'](x)");
    assert_eq!(c.unwrap().name, "eval");
    let (c, _) = callee("import importlib\nimportlib.import_module('subprocess').Popen(['id'])");
    assert_eq!(c.unwrap().name, "subprocess.Popen");
    let (c, _) = callee("e = getattr(__builtins__, 'cexe'[::-1])\ne(x)");
    let c = c.unwrap();
    assert_eq!(c.name, "exec");
    assert!(c.obfuscated);
    let (c, _) = callee("(getattr(__builtins__, 'cexe'[::-1]) if 1 else print)(x)");
    assert_eq!(c.unwrap().name, "exec");
    let (c, all) = callee("import sys\n(exec if sys.argv else eval)(x)");
    assert!(c.is_none());
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["exec", "eval"]);
    let (c, _) = callee("from base64 import b64decode as d\nd(x)");
    let c = c.unwrap();
    assert_eq!(c.name, "base64.b64decode");
    assert!(!c.computed);
    let (c, _) = callee("import builtins\nbuiltins.exec(x)");
    assert_eq!(c.unwrap().name, "exec");
    // The computed name also folds as a value.
    assert_eq!(val("getattr(__builtins__, 'chr')(101)"), Some(s("e")));
    assert_eq!(val("getattr('', 'join')(['a', 'b'])"), Some(s("ab")));
    assert_eq!(
        val("getattr(__builtins__, 'cexe'[::-1])"),
        Some(Value::Name("exec".into()))
    );
}

#[test]
fn comprehensions_over_constants() {
    assert_eq!(
        val("[a + b for a in 'xy' for b in 'pq' if b != 'q']"),
        Some(Value::List(vec![s("xp"), s("yp")]))
    );
    assert_eq!(
        val("{k: v for k, v in [('a', 1), ('b', 2)]}"),
        Some(Value::Dict(vec![(s("a"), int(1)), (s("b"), int(2))]))
    );
    assert_eq!(
        val("''.join(c for i, c in enumerate('aebxec') if i % 2)"),
        Some(s("exc"))
    );
    assert_eq!(
        val("bytes(a ^ b for a, b in zip(b'\\x04\\x1d', b'ae'))"),
        Some(bytes(b"ex"))
    );
    assert_eq!(val("[x for x in y]"), None);
    assert_eq!(val("{'a': 1}['a'] + {'a': 1}.get('b', 2)"), Some(int(3)));
    assert_eq!(val("d = {'k': 'exec'}\nd['k']"), Some(s("exec")));
    assert_eq!(
        val("[*'ab', *[1]]"),
        Some(Value::List(vec![s("a"), s("b"), int(1)]))
    );
    assert_eq!(val("eval('chr(101) + chr(120)')"), Some(s("ex")));
}

#[test]
fn long_chains_fold_without_recursion() {
    // On the inspection pool's stack size: the parser (and dropping its tree) recurse on
    // long chains; the evaluator does not.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(long_chains)
        .unwrap()
        .join()
        .unwrap();
}

fn long_chains() {
    // A 20k-term concatenation and a method chain deeper than MAX_DEPTH.
    let n = 20_000;
    let src = format!("'a'{}", " + 'a'".repeat(n - 1));
    assert_eq!(val(&src), Some(s(&"a".repeat(n))));
    let src = format!("1{}", "+1".repeat(n - 1));
    assert_eq!(val(&src), Some(int(n as i64)));
    let src = format!("'x'{}", ".replace('x', 'x')".repeat(200));
    assert_eq!(val(&src), Some(s("x")));
}

#[test]
fn bounds_refuse_and_report() {
    let check = |src: &str| {
        let parsed = ruff_python_parser::parse_expression(src).unwrap();
        let aliases = HashMap::default();
        let consts = HashMap::default();
        let env = Env {
            aliases: &aliases,
            consts: &consts,
            binding: None,
        };
        env.fold_checked(parsed.expr(), &Budget::per_expr())
    };
    let deep = format!("{}'x'{}", "str(".repeat(60), ")".repeat(60));
    assert_eq!(check(&deep), Err(Refusal::Bound(Bound::Depth)));
    let shallow = format!("{}'x'{}", "str(".repeat(10), ")".repeat(10));
    assert_eq!(check(&shallow).unwrap().value, s("x"));
    assert_eq!(check("'a' * (1 << 30)"), Err(Refusal::Bound(Bound::Size)));
    assert_eq!(
        check("list(range(1 << 40))"),
        Err(Refusal::Bound(Bound::Items))
    );
    assert_eq!(check("x + 1"), Err(Refusal::NotConstant));
    // Building a dict searches its keys: a large comprehension charges every comparison, so
    // it stops at the work bound instead of taking quadratic time (nltk has such tables).
    assert_eq!(
        check("{i: i for i in range(200000)}"),
        Err(Refusal::Bound(Bound::Work))
    );
    assert_eq!(
        check("{i: i for i in range(100)}")
            .map(|f| matches!(f.value, Value::Dict(d) if d.len() == 100)),
        Ok(true)
    );
    // A tiny budget runs out, and says so.
    let parsed =
        ruff_python_parser::parse_expression("''.join(chr(c) for c in range(50000))").unwrap();
    let aliases = HashMap::default();
    let consts = HashMap::default();
    let env = Env {
        aliases: &aliases,
        consts: &consts,
        binding: None,
    };
    let b = Budget::new(10_000, 0);
    assert_eq!(
        env.fold_checked(parsed.expr(), &b),
        Err(Refusal::Bound(Bound::Work))
    );
    assert_eq!(b.hit(), Some(Bound::Work));
    // Nested comprehensions over big ranges stop at the budget, not at 10^10 steps.
    let parsed =
        ruff_python_parser::parse_expression("[0 for a in range(100000) for b in range(100000)]")
            .unwrap();
    let b = Budget::per_expr();
    assert!(env.fold_in(parsed.expr(), &b).is_none());
    assert!(b.hit().is_some());
}

#[test]
fn deep_input_stays_within_a_small_stack() {
    // The walker runs on pool threads; the evaluator must not need a big stack at its bound.
    let shapes = [
        ("str(", ")"),
        ("(", "+'a')"),
        ("[", "][0]"),
        ("-(", ")"),
        ("(", ")[::-1]"),
        ("''.join(", ")"),
        ("(lambda x: ", ")(1)"),
        ("('a' if ", " else 'b')"),
        ("f'{", "}'"),
        ("{'k': ", "}['k']"),
        ("(", ").upper()"),
        ("getattr(", ", 'x')"),
    ];
    // Parsed here (the parser has its own needs); evaluated on a small stack.
    let parsed: Vec<_> = shapes
        .iter()
        .map(|(open, close)| {
            let src = format!("{}'x'{}", open.repeat(300), close.repeat(300));
            ruff_python_parser::parse_unchecked_source(&src, PySourceType::Python)
        })
        .collect();
    let parsed = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for p in &parsed {
                let aliases = HashMap::default();
                let consts = HashMap::default();
                let env = Env {
                    aliases: &aliases,
                    consts: &consts,
                    binding: None,
                };
                if let Some(Stmt::Expr(e)) = p.syntax().body.first() {
                    let _ = env.fold(&e.value);
                    let _ = env.callee(&e.value);
                }
            }
            parsed
        })
        .unwrap()
        .join()
        .unwrap();
    drop(parsed);
}

#[test]
fn hostile_random_expressions_never_panic() {
    // A grammar of the constructs the evaluator knows, combined at random (xorshift, fixed
    // seed): every result is either a value or a refusal, never a panic or a hang.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
            v[(self.next() % v.len() as u64) as usize]
        }
    }
    const ATOMS: &[&str] = &[
        "0",
        "1",
        "-1",
        "255",
        "9223372036854775807",
        "-9223372036854775808",
        "''",
        "'a'",
        "'\\x00'",
        "'é'",
        "b''",
        "b'\\xff'",
        "[]",
        "()",
        "{}",
        "None",
        "True",
        "x",
        "[1, 'a']",
        "{'a': 1}",
        "range(3)",
        "oct",
        "__builtins__",
        "'aGk='",
        "b'\\x78\\x9c'",
        "'%s'",
        "'{}'",
        "'{0[0]}'",
        "'%(a)s'",
        "str",
        "chr",
        "64",
        "63",
        "-64",
        "2**62",
        "1<<62",
    ];
    const UNARY: &[&str] = &[
        "chr({})",
        "ord({})",
        "str({})",
        "repr({})",
        "int({})",
        "len({})",
        "list({})",
        "bytes({})",
        "bytearray({})",
        "reversed({})",
        "sorted({})",
        "hex({})",
        "{}[::-1]",
        "{}[1:]",
        "{}[0]",
        "{}[-1]",
        "-{}",
        "~{}",
        "not {}",
        "{}.upper()",
        "{}.decode()",
        "{}.encode()",
        "{}.split()",
        "{}.strip()",
        "{}.zfill(5)",
        "{}.hex()",
        "type({})",
        "{}.__class__",
        "{}.__name__",
        "{}.__str__()",
        "bytes.fromhex({})",
        "abs({})",
        "__import__({})",
        "getattr(__builtins__, {})",
        "list(map(chr, {}))",
        "''.join({})",
        "[c for c in {}]",
        "{{k: k for k in {}}}",
        "f'{{{}}}'",
        "f'{{{}:>5}}'",
        "(lambda q: q)({})",
        "{}.translate(str.maketrans('a', 'b'))",
        "int.from_bytes({}, 'big')",
        "sum({})",
        "max({})",
        "dict({})",
        "eval({})",
        "base64.b64decode({})",
        "zlib.decompress({})",
        "codecs.decode({}, 'rot13')",
        "{}.replace('a', 'aa')",
        "'%s' % ({},)",
        "'{{}}'.format({})",
    ];
    const BINARY: &[&str] = &[
        "{} + {}",
        "{} - {}",
        "{} * {}",
        "{} // {}",
        "{} % {}",
        "{} ** {}",
        "{} << {}",
        "{} >> {}",
        "{} ^ {}",
        "{} & {}",
        "{} | {}",
        "{} == {}",
        "{} < {}",
        "{} in {}",
        "{} if {} else 0",
        "{} or {}",
        "{} and {}",
        "{}[{}]",
        "{}[{}:{}]",
        "zip({}, {})",
        "chr({} ^ {})",
        "{}.join({})",
        "{} % {}",
        "{}.format({})",
        "pow({}, {})",
        "divmod({}, {})",
        "getattr({}, {})",
        "{}.split({})",
        "int({}, {})",
    ];
    fn gen(r: &mut Rng, depth: u32) -> String {
        if depth == 0 || r.next().is_multiple_of(4) {
            return r.pick(ATOMS).to_string();
        }
        if r.next().is_multiple_of(2) {
            let t = r.pick(UNARY);
            t.replacen("{}", &gen(r, depth - 1), 1)
        } else {
            let t = r.pick(BINARY);
            let mut out = t.to_string();
            while out.contains("{}") {
                out = out.replacen("{}", &gen(r, depth - 1), 1);
            }
            out
        }
    }
    let mut r = Rng(0x2545f4914f6cdd1d);
    let mut folded = 0;
    for i in 0..3000 {
        let depth = 1 + (i % 7) as u32;
        let e = gen(&mut r, depth);
        let src = format!("import base64, zlib, codecs\nx = 'k'\n{e}\n");
        let out = run(&src);
        folded += usize::from(out.last.is_some());
    }
    // Many fold: the generator is not only producing garbage.
    assert!(folded > 300, "only {folded} folded");
}

#[test]
fn hostile_source_bytes_never_panic() {
    // Random token soup (parsed with error recovery) through every entry point.
    let toks = [
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "for",
        "in",
        "if",
        "else",
        "lambda",
        "'a'",
        "b'\\x01'",
        "1",
        "-",
        "+",
        "*",
        "**",
        "//",
        "%",
        "^",
        "<<",
        "chr",
        "ord",
        "join",
        ".",
        "''",
        "x",
        "=",
        "\n",
        "    ",
        "while",
        "break",
        "def",
        "return",
        "f'{",
        "}'",
        "getattr",
        "__builtins__",
        "[::-1]",
        "str",
        "oct",
        "range",
        "10**9",
        "not",
    ];
    let mut seed = 0x9e3779b97f4a7c15u64;
    for _ in 0..1500 {
        let mut src = String::new();
        for _ in 0..(seed % 60) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            src.push_str(toks[(seed % toks.len() as u64) as usize]);
            src.push(' ');
        }
        let _ = run(&src);
    }
}

// ---------------------------------------------------------------------------------------
// Decryption families, with inert payloads encrypted here by the same crates.

use super::decrypt::tests::{aes_cbc_encrypt, aes_ecb_encrypt, fernet_token, KEY};

const INERT: &[u8] = b"print('inert')";

fn decrypted(src: &str) -> Folded {
    let f = run(src)
        .last
        .unwrap_or_else(|| panic!("did not fold:\n{src}"));
    assert_eq!(f.value.text().as_deref(), Some("print('inert')"), "{src}");
    assert!(f.obfuscated, "{src}");
    f
}

#[test]
fn fernet_inline_in_variables_and_multifernet() {
    let token = fernet_token(KEY, INERT, [9; 16]);
    let f = decrypted(&format!(
        "from cryptography.fernet import Fernet\nFernet(b'{KEY}').decrypt(b'{token}')"
    ));
    assert_eq!(f.via, Some("fernet"));
    decrypted(&format!(
        "from cryptography.fernet import Fernet\nKEY = '{KEY}'\nTOKEN = b'{token}'\nf = Fernet(KEY)\nf.decrypt(TOKEN).decode()"
    ));
    decrypted(&format!(
        "import cryptography.fernet\ncryptography.fernet.Fernet(b'{KEY}').decrypt('{token}')"
    ));
    // The object can live in the caller's constants.
    let r = run(&format!(
        "from cryptography.fernet import Fernet\nf = Fernet(b'{KEY}')"
    ));
    let obj = r.consts.get("f").unwrap();
    assert_eq!(obj.value.as_object().unwrap().kind(), "Fernet");
    let other = "b3RoZXIga2V5IG9mIGV4YWN0bHkgMzIgYnl0ZXMhISE=";
    decrypted(&format!(
        "from cryptography.fernet import Fernet, MultiFernet\nMultiFernet([Fernet(b'{other}'), Fernet(b'{KEY}')]).decrypt(b'{token}')"
    ));
    // The wrong key does not "decrypt".
    assert!(run(&format!(
        "from cryptography.fernet import Fernet\nFernet(b'{other}').decrypt(b'{token}')"
    ))
    .last
    .is_none());
    // A token from a base64 layer counts its layers.
    let wrapped =
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, token.as_bytes());
    let f = decrypted(&format!(
        "import base64\nfrom cryptography.fernet import Fernet\nFernet(b'{KEY}').decrypt(base64.b64decode('{wrapped}'))"
    ));
    assert_eq!(f.layers(), 2);
}

#[test]
fn xor_with_a_constant_key() {
    let key = b"k3y";
    let ct: Vec<u8> = INERT
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % key.len()])
        .collect();
    let data = py_bytes(&ct);
    let f = decrypted(&format!(
        "from itertools import cycle\nbytes(a ^ b for a, b in zip({data}, cycle(b'k3y')))"
    ));
    assert_eq!(f.via, Some("xor"));
    decrypted(&format!(
        "d = {data}\nk = b'k3y'\nbytes([b ^ k[i % len(k)] for i, b in enumerate(d)])"
    ));
    decrypted(&format!(
        "d = {data}\nk = 'k3y'\n''.join(chr(c ^ ord(k[i % len(k)])) for i, c in enumerate(d))"
    ));
    decrypted(&format!(
        "import itertools\nbytearray(x ^ y for x, y in zip({data}, itertools.cycle(b'k3y')))"
    ));
    let one: Vec<u8> = INERT.iter().map(|b| b ^ 0x42).collect();
    decrypted(&format!("bytes(x ^ 0x42 for x in {})", py_bytes(&one)));
    decrypted(&format!("''.join(chr(x ^ 66) for x in {})", py_bytes(&one)));
    decrypted(&format!(
        "from Crypto.Util.strxor import strxor_c\nstrxor_c({}, 0x42)",
        py_bytes(&one)
    ));
    let s: String = one.iter().map(|b| char::from(*b)).collect();
    let lit: String = s.chars().map(|c| format!("\\x{:02x}", c as u32)).collect();
    decrypted(&format!("''.join(chr(ord(c) ^ 0x42) for c in '{lit}')"));
    // The repeated-key form written with arithmetic.
    decrypted(&format!(
        "d = {data}\nk = b'k3y' * (len(d) // 3 + 1)\nbytes(a ^ b for a, b in zip(d, k))"
    ));
}

#[test]
fn aes_pycryptodome_modes() {
    let key = b"0123456789abcdef";
    let iv = b"fedcba9876543210";
    let cbc = aes_cbc_encrypt(key, iv, INERT);
    let f = decrypted(&format!(
        "from Crypto.Cipher import AES\nfrom Crypto.Util.Padding import unpad\nunpad(AES.new(b'0123456789abcdef', AES.MODE_CBC, b'fedcba9876543210').decrypt({}), 16)",
        py_bytes(&cbc)
    ));
    assert_eq!(f.via, Some("aes-cbc"));
    // The cipher bound to a name, the IV as a keyword, Cryptodome spelling, AES-256.
    let key32 = b"0123456789abcdef0123456789abcdef";
    let cbc32 = aes_cbc_encrypt(key32, iv, INERT);
    decrypted(&format!(
        "from Cryptodome.Cipher import AES\nfrom Cryptodome.Util.Padding import unpad\nK = b'{}'\nc = AES.new(K, AES.MODE_CBC, iv=b'fedcba9876543210')\nunpad(c.decrypt({}), AES.block_size)",
        std::str::from_utf8(key32).unwrap(),
        py_bytes(&cbc32)
    ));
    // ECB, padding stripped by slicing as droppers often do.
    let ecb = aes_ecb_encrypt(key, INERT);
    decrypted(&format!(
        "from Crypto.Cipher import AES\np = AES.new(b'0123456789abcdef', AES.MODE_ECB).decrypt({})\np[:-p[-1]]",
        py_bytes(&ecb)
    ));
    // CTR with an 8-byte nonce, as pycryptodome lays it out.
    use aes::cipher::{KeyIvInit, StreamCipher};
    let mut ctr = INERT.to_vec();
    let mut block = [0u8; 16];
    block[..8].copy_from_slice(b"nonce8by");
    ctr::Ctr64BE::<aes::Aes128>::new_from_slices(key, &block)
        .unwrap()
        .apply_keystream(&mut ctr);
    decrypted(&format!(
        "from Crypto.Cipher import AES\nAES.new(b'0123456789abcdef', AES.MODE_CTR, nonce=b'nonce8by').decrypt({})",
        py_bytes(&ctr)
    ));
    // A key derived from a passphrase.
    let derived = super::decrypt::tests::sha256(b"passphrase");
    let cbc = aes_cbc_encrypt(&derived, iv, INERT);
    decrypted(&format!(
        "import hashlib\nfrom Crypto.Cipher import AES\nfrom Crypto.Util.Padding import unpad\nkey = hashlib.sha256('passphrase'.encode()).digest()\nunpad(AES.new(key, AES.MODE_CBC, b'fedcba9876543210').decrypt({}), 16)",
        py_bytes(&cbc)
    ));
    // No IV in the code: random at run time, nothing to fold.
    assert!(run(&format!(
        "from Crypto.Cipher import AES\nAES.new(b'0123456789abcdef', AES.MODE_CBC).decrypt({})",
        py_bytes(&cbc)
    ))
    .last
    .is_none());
}

#[test]
fn aes_cryptography_hazmat() {
    let key = b"0123456789abcdef";
    let iv = b"fedcba9876543210";
    let cbc = aes_cbc_encrypt(key, iv, INERT);
    let src = format!(
        "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\
         from cryptography.hazmat.primitives import padding\n\
         from cryptography.hazmat.backends import default_backend\n\
         c = Cipher(algorithms.AES(b'0123456789abcdef'), modes.CBC(b'fedcba9876543210'), backend=default_backend())\n\
         d = c.decryptor()\n\
         padded = d.update({}) + d.finalize()\n\
         u = padding.PKCS7(128).unpadder()\n\
         u.update(padded) + u.finalize()",
        py_bytes(&cbc)
    );
    decrypted(&src);
    let src = format!(
        "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes\n\
         Cipher(algorithms.AES(b'0123456789abcdef'), modes.ECB()).decryptor().update({})[:14]",
        py_bytes(&aes_ecb_encrypt(key, INERT))
    );
    decrypted(&src);
}

#[test]
fn pbkdf2_needs_a_file_budget() {
    let mut dk = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(b"pw", b"salt", 1000, &mut dk);
    let dk_b64 = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE, dk);
    let token = fernet_token(&dk_b64, INERT, [1; 16]);
    let src = format!(
        "import base64\n\
         from cryptography.fernet import Fernet\n\
         from cryptography.hazmat.primitives import hashes\n\
         from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC\n\
         kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=b'salt', iterations=1000)\n\
         key = base64.urlsafe_b64encode(kdf.derive(b'pw'))\n\
         Fernet(key).decrypt(b'{token}')"
    );
    let r = run_with(&src, Budget::per_file());
    assert_eq!(r.last.unwrap().value, bytes(INERT));
    // On a per-expression budget the derivation is refused, and reported.
    let r = run(&src);
    assert!(r.last.is_none());
    let src = "import hashlib\nhashlib.pbkdf2_hmac('sha256', b'pw', b'salt', 1000)";
    let r = run_with(src, Budget::per_file());
    assert_eq!(r.last.unwrap().value, bytes(&dk));
    let b = Budget::per_expr();
    let r = run_with(src, b);
    assert!(r.last.is_none());
    assert_eq!(r.budget.hit(), Some(Bound::Kdf));
}

// ---------------------------------------------------------------------------------------
// Loops written as statements, and helper functions.

#[test]
fn xor_loops_as_statements() {
    let one: Vec<u8> = INERT.iter().map(|b| b ^ 42).collect();
    let data: String = one.iter().map(|b| char::from(*b)).collect();
    let lit: String = data
        .chars()
        .map(|c| format!("\\x{:02x}", c as u32))
        .collect();
    let r = run(&format!(
        "data = '{lit}'\nout = ''\nfor c in data: out += chr(ord(c) ^ 42)\nout"
    ));
    let f = r.last.unwrap();
    assert_eq!(f.value, s("print('inert')"));
    assert!(f.obfuscated);
    assert_eq!(f.via, Some("xor"));
    let key = b"k3y";
    let ct: Vec<u8> = INERT
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % 3])
        .collect();
    let src = format!(
        "d = {}\nk = b'k3y'\nr = []\nfor i in range(len(d)):\n    r.append(d[i] ^ k[i % len(k)])\nbytes(r)",
        py_bytes(&ct)
    );
    assert_eq!(run(&src).last.unwrap().value, bytes(INERT));
    // In place on a bytearray, a while loop, and a loop with a branch.
    let src = format!(
        "b = bytearray({})\nfor i in range(len(b)):\n    b[i] ^= 0x2a\nbytes(b)",
        py_bytes(&one)
    );
    assert_eq!(run(&src).last.unwrap().value, bytes(INERT));
    let src = format!(
        "d = {}\ni = 0\nout = b''\nwhile i < len(d):\n    out += bytes([d[i] ^ 42])\n    i += 1\nout",
        py_bytes(&one)
    );
    assert_eq!(run(&src).last.unwrap().value, bytes(INERT));
    let src = "s = ''\nfor c in 'e1x2e3c':\n    if c.isdigit():\n        continue\n    s = s + c\nelse:\n    s += '!'\ns";
    assert_eq!(run(src).last.unwrap().value, s("exec!"));
    let src = "s = ''\nfor c in 'abcdef':\n    if c == 'd':\n        break\n    s += c\ns";
    assert_eq!(run(src).last.unwrap().value, s("abc"));
    // The names a loop leaves bound, in first-write order.
    let parsed = ruff_python_parser::parse_unchecked_source(
        "for i, c in enumerate('ab'):\n    out += c * (i + 1)\n",
        PySourceType::Python,
    );
    let aliases = HashMap::default();
    let mut consts = HashMap::default();
    consts.insert("out".to_string(), Folded::plain(s("")));
    let env = Env {
        aliases: &aliases,
        consts: &consts,
        binding: None,
    };
    let got = fold_loop(&parsed.syntax().body[0], &env);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["i", "c", "out"]);
    assert_eq!(got[2].1.value, s("abb"));
}

#[test]
fn loops_that_cannot_be_modelled_fold_nothing() {
    let aliases = HashMap::default();
    let mut consts = HashMap::default();
    consts.insert("out".to_string(), Folded::plain(s("")));
    let env = Env {
        aliases: &aliases,
        consts: &consts,
        binding: None,
    };
    for src in [
        "for c in data:\n    out += c\n",          // unknown iterable
        "for c in 'ab':\n    out += input()\n",    // unknown value
        "for c in 'ab':\n    os.system(c)\n",      // an effect
        "for c in 'ab':\n    import os\n",         // not modelled
        "while True:\n    out += 'a'\n",           // runs past the bounds
        "for c in 'ab':\n    missing.append(c)\n", // unknown accumulator
        "for c in range(10**7):\n    pass\n",      // too long
        "x = 1\n",                                 // not a loop
    ] {
        let parsed = ruff_python_parser::parse_unchecked_source(src, PySourceType::Python);
        assert!(
            fold_loop(&parsed.syntax().body[0], &env).is_empty(),
            "{src}"
        );
    }
    let parsed = ruff_python_parser::parse_unchecked_source(
        "while True:\n    out += 'a'\n",
        PySourceType::Python,
    );
    let b = Budget::per_expr();
    assert!(fold_loop_in(&parsed.syntax().body[0], &env, &b).is_empty());
    assert!(matches!(
        b.hit(),
        Some(Bound::Size | Bound::Items | Bound::Work)
    ));
}

#[test]
fn helper_functions_on_constant_arguments() {
    let one: Vec<u8> = INERT.iter().map(|b| b ^ 7).collect();
    let lit: String = one.iter().map(|b| format!("\\x{b:02x}")).collect();
    let src = format!(
        "def d(s, k=7):\n    \"\"\"decode\"\"\"\n    r = ''\n    for c in s:\n        r += chr(ord(c) ^ k)\n    return r\n\nd('{lit}')"
    );
    let f = run(&src).last.unwrap();
    assert_eq!(f.value, s("print('inert')"));
    assert!(f.obfuscated);
    let src = "def rev(s):\n    return s[::-1]\nrev('cexe')";
    assert_eq!(run(src).last.unwrap().value, s("exec"));
    let src = "def f(x):\n    if x > 1:\n        return 'big'\n    elif x == 1:\n        return 'one'\n    return 'small'\nf(1)";
    assert_eq!(run(src).last.unwrap().value, s("one"));
    // A helper with an effect is not a constant.
    let src = "def f(x):\n    print(x)\n    os.system(x)\n    return x\nf('a')";
    assert!(run(src).last.is_none());
    // A lambda the caller bound to a name.
    let parsed = ruff_python_parser::parse_expression("lambda s, n=1: s * n").unwrap();
    let Expr::Lambda(l) = parsed.expr() else {
        panic!()
    };
    let aliases = HashMap::default();
    let consts = HashMap::default();
    let env = Env {
        aliases: &aliases,
        consts: &consts,
        binding: None,
    };
    let out = env.apply_lambda(
        l,
        &[Folded::plain(s("ab")), Folded::plain(int(2))],
        &Budget::per_expr(),
    );
    assert_eq!(out.unwrap().value, s("abab"));
}

#[test]
fn the_facts_walker_binds_what_a_decoding_loop_leaves() {
    // The hook in facts.rs: `exec(out)` after the loop sees the decoded text.
    let one: String = INERT.iter().map(|b| format!("\\x{:02x}", b ^ 42)).collect();
    let src = format!(
        "data = '{one}'\nout = ''\nfor c in data:\n    out += chr(ord(c) ^ 42)\nexec(out)\n"
    );
    let facts = super::super::facts::collect(&src, super::super::context::FileRole::Module);
    let exec = facts.calls.iter().find(|c| c.name == "exec").unwrap();
    let arg = exec.args[0].folded.as_ref().unwrap();
    assert_eq!(arg.value, s("print('inert')"));
    assert!(arg.obfuscated);
}

#[test]
fn too_many_layers_is_a_reported_bound() {
    // b64decode applied 20 times to a 20-times-encoded constant.
    let mut v = b"print('inert')".to_vec();
    for _ in 0..20 {
        v = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &v).into_bytes();
    }
    let lit = String::from_utf8(v).unwrap();
    let expr = format!(
        "{}'{lit}'{}",
        "base64.b64decode(".repeat(20),
        ")".repeat(20)
    );
    let src = format!("import base64\n{expr}");
    let r = run(&src);
    assert!(r.last.is_none());
    assert_eq!(r.budget.hit(), Some(Bound::Layers));
    // Within the bound it folds.
    let mut v = b"print('inert')".to_vec();
    for _ in 0..10 {
        v = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &v).into_bytes();
    }
    let lit = String::from_utf8(v).unwrap();
    let src = format!(
        "import base64\n{}'{lit}'{}",
        "base64.b64decode(".repeat(10),
        ")".repeat(10)
    );
    let f = run(&src).last.unwrap();
    assert_eq!(f.value, bytes(INERT));
    assert_eq!(f.layers(), 10);
}

#[test]
fn unknown_attributes_of_constants_are_not_values() {
    assert_eq!(val("p = 'a/b'\np.parent"), None);
    assert!(matches!(val("p = 'a/b'\np.split"), Some(Value::Object(_))));
    assert_eq!(
        val("p = 'a/b'\np.split('/')"),
        Some(Value::List(vec![s("a"), s("b")]))
    );
    assert_eq!(
        val("import os\nos.sep"),
        None,
        "plain module attributes are not constants"
    );
    assert_eq!(val("import os\nos.path"), None);
}
