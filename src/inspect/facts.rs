//! One walk over a parsed Python file that collects the facts every rule reads.
//!
//! Rules never walk the AST themselves: this collector records calls (with import-resolved
//! dotted names, statically folded arguments and an approximate taint of where their data came
//! from), string constants (literal and decoded), referenced names and imports, each with its
//! line and run context. Taint is intra-procedural and flow-insensitive within a scope: a name
//! assigned from a network call stays "network" for the rest of its scope. Decoded code
//! (`exec(b64decode(...))`) is parsed and walked again, bounded, with its facts attributed to
//! the line that decodes it.

use super::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, PySourceType, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::context::{FileRole, RunContext};
use super::decode::{self, Env, Folded, Value};
use super::patterns;

/// Where a value may have come from (bit set).
pub type Taint = u16;
pub const NET: Taint = 1;
pub const DECODED: Taint = 1 << 1;
pub const ENV_ALL: Taint = 1 << 2;
pub const SECRET: Taint = 1 << 3;
pub const CRED: Taint = 1 << 4;
pub const SCREEN: Taint = 1 << 5;
pub const IMAGE: Taint = 1 << 6;
pub const CLIP: Taint = 1 << 7;
pub const PROC: Taint = 1 << 8;
pub const KEYS: Taint = 1 << 9;
/// Decoded at run time from data that is neither a constant nor fetched (a pipe, a file):
/// weaker evidence of obfuscation than `DECODED`.
pub const DECODED_RT: Taint = 1 << 10;
/// Who and where the code runs: user name, host name, working directory, machine id.
pub const HOST: Taint = 1 << 11;
/// Anything sensitive worth exfiltrating.
pub const SENSITIVE: Taint = ENV_ALL | SECRET | CRED | SCREEN | CLIP | KEYS;

/// Deepest nesting of decoded code that is parsed again.
const MAX_NESTED: u8 = 3;
/// Largest decoded code that is parsed again.
const MAX_NESTED_LEN: usize = 256 * 1024;
/// Deepest expression nesting walked (the inspection pool's 64 MiB stacks hold it; CPython's
/// own compiler gives up far earlier). Deeper code is reported, never silently skipped.
pub const MAX_EXPR_DEPTH: u32 = 2000;
/// Deepest statement nesting walked (CPython allows 100 indentation levels).
pub const MAX_STMT_DEPTH: u32 = 400;
/// Most places one file reports where its analysis stopped short.
const MAX_INCOMPLETE: usize = 8;
/// Nesting (as [`too_deep_to_parse`] estimates it) past which a file is not parsed. CPython
/// refuses to compile code nested a few thousand levels deep; the parser and the syntax tree's
/// destructor recurse once per level and stay well inside the inspection pool's stacks here.
pub const MAX_PARSE_NESTING: u32 = 100_000;

/// Whether `source` may nest deeper than `limit` levels: an upper bound on syntax-tree depth
/// from one linear pass over the bytes (comments and string literals skipped, f-string
/// contents counted). Each operator, dot, keyword operator and opening bracket adds a level to
/// the current bracket level's count; `,` `:` `;` end an operand and reset that count; a
/// newline outside brackets ends the statement. Returns the byte offset where the estimate
/// first passes `limit`.
pub fn too_deep_to_parse(source: &str, limit: u32) -> Option<usize> {
    let b = source.as_bytes();
    // Counts of the enclosing bracket levels (sum kept alongside) and of the current one.
    let mut outer: Vec<u32> = Vec::new();
    let mut outer_sum: u32 = 0;
    let mut cur: u32 = 0;
    let mut i = 0;
    let over = |outer_sum: u32, depth: usize, cur: u32| {
        outer_sum.saturating_add(depth as u32).saturating_add(cur) > limit
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                continue;
            }
            b'\'' | b'"' => {
                // A string literal: find its end; f-strings count their operator characters.
                let fstring = string_prefix_has_f(b, i);
                let q = c;
                let triple = b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q);
                let mut j = if triple { i + 3 } else { i + 1 };
                let mut ops: u32 = 0;
                while j < b.len() {
                    let d = b[j];
                    if d == b'\\' {
                        j += 2;
                        continue;
                    }
                    if d == q && (!triple || (b.get(j + 1) == Some(&q) && b.get(j + 2) == Some(&q)))
                    {
                        j += if triple { 3 } else { 1 };
                        break;
                    }
                    if !triple && d == b'\n' {
                        break;
                    }
                    if fstring && b"+-*/%@&|^~<>=!.([{".contains(&d) {
                        ops += 1;
                        if over(outer_sum, outer.len(), cur.saturating_add(ops)) {
                            return Some(j);
                        }
                    }
                    j += 1;
                }
                i = j;
                continue;
            }
            b'(' | b'[' | b'{' => {
                cur += 1;
                outer.push(cur);
                outer_sum = outer_sum.saturating_add(cur);
                cur = 0;
            }
            b')' | b']' | b'}' => {
                if let Some(top) = outer.pop() {
                    outer_sum -= top;
                    cur = top;
                } else {
                    cur = 0;
                }
            }
            b',' | b':' | b';' => cur = 0,
            b'\n' if outer.is_empty() => cur = 0,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>'
            | b'=' | b'!' | b'.' => cur += 1,
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if matches!(
                    &b[start..i],
                    b"not"
                        | b"and"
                        | b"or"
                        | b"if"
                        | b"else"
                        | b"lambda"
                        | b"await"
                        | b"in"
                        | b"is"
                        | b"yield"
                ) {
                    cur += 1;
                }
                // A string prefix (`f"`, `rb'`): the quote is handled on the next turn.
                if i < b.len() && (b[i] == b'\'' || b[i] == b'"') && i - start <= 2 {
                    continue;
                }
                if over(outer_sum, outer.len(), cur) {
                    return Some(start);
                }
                continue;
            }
            _ => {}
        }
        if over(outer_sum, outer.len(), cur) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The literal text of an f-string with `{}` for each interpolation.
fn fstring_skeleton(f: &ast::ExprFString) -> String {
    let mut skel = String::new();
    for part in &f.value {
        match part {
            ast::FStringPart::Literal(l) => skel.push_str(&l.value),
            ast::FStringPart::FString(fs) => {
                for el in &fs.elements {
                    match el {
                        ast::InterpolatedStringElement::Literal(l) => skel.push_str(&l.value),
                        ast::InterpolatedStringElement::Interpolation(_) => skel.push_str("{}"),
                    }
                }
            }
        }
    }
    skel
}

/// Calls whose arguments are only shown to people: print, logging and warnings, echo helpers,
/// and exception constructors (`RuntimeError(...)`, `click.UsageError(...)`).
fn is_message_call(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        name,
        "print" | "warnings.warn" | "click.echo" | "click.secho" | "typer.echo" | "input"
    ) || name.starts_with("logging.")
        || (name.contains('.')
            && matches!(
                last,
                "debug"
                    | "info"
                    | "warning"
                    | "warn"
                    | "error"
                    | "exception"
                    | "critical"
                    | "echo"
                    | "secho"
            ))
        || last.ends_with("Error")
        || last.ends_with("Exception")
        || last.ends_with("Warning")
}

/// Keyword arguments that are documentation (`Field(description=...)`,
/// `add_argument(help=...)`).
fn is_message_keyword(key: &str) -> bool {
    matches!(
        key,
        "help"
            | "description"
            | "doc"
            | "docstring"
            | "message"
            | "msg"
            | "title"
            | "summary"
            | "epilog"
            | "usage"
            | "long_description"
            | "example"
            | "examples"
            | "hint"
    )
}

/// Split a command line as a POSIX shell would, well enough to find its programs and their
/// arguments: quotes group, backslashes escape, and `|`, `;`, `&&`, `||` are words of their own.
pub fn shell_words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                have = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                have = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(&n) = chars.peek() {
                                if matches!(n, '"' | '\\' | '$' | '`') {
                                    cur.push(n);
                                    chars.next();
                                    continue;
                                }
                            }
                            cur.push(d);
                        }
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                have = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '|' | ';' | '&' => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
                let mut op = c.to_string();
                if chars.peek() == Some(&c) {
                    op.push(c);
                    chars.next();
                }
                out.push(op);
            }
            c if c.is_whitespace() => {
                if have {
                    out.push(std::mem::take(&mut cur));
                    have = false;
                }
            }
            c => {
                have = true;
                cur.push(c);
            }
        }
        if out.len() >= 256 {
            break;
        }
    }
    if have {
        out.push(cur);
    }
    out
}

/// Whether the string literal whose opening quote is at `quote` has an `f` (or `t`) prefix.
fn string_prefix_has_f(b: &[u8], quote: usize) -> bool {
    let start = quote.saturating_sub(2);
    let prefix = &b[start..quote];
    // Only letters directly before the quote, and not the tail of a longer identifier.
    let mut k = prefix.len();
    while k > 0 && prefix[k - 1].is_ascii_alphabetic() {
        k -= 1;
    }
    let letters = &prefix[k..];
    let ident_before = start + k > 0 && {
        let p = b[start + k - 1];
        p.is_ascii_alphanumeric() || p == b'_'
    };
    !ident_before
        && letters
            .iter()
            .any(|l| matches!(l, b'f' | b'F' | b't' | b'T'))
}

/// One argument of a call.
#[derive(Debug, Clone)]
pub struct Arg {
    pub folded: Option<Folded>,
    pub taint: Taint,
    /// Dotted name when the argument is a plain name/attribute (`sys.executable`).
    pub dotted: Option<String>,
    /// For a list/tuple that does not fold as a whole: its items, folded or named, joined by
    /// spaces (`sys.executable -m pip install ?`).
    pub list_text: Option<String>,
    /// Local variable names and string literals the argument expression is built from
    /// (`os.path.join(d, 'agent')` -> `d`, `agent`), bounded: lets a rule tie two calls to
    /// the same path or value. Imported module names are left out.
    pub atoms: Vec<String>,
}

impl Arg {
    /// The folded text of the argument, or of a folded list's string items joined by spaces.
    pub fn text(&self) -> Option<String> {
        let Some(f) = self.folded.as_ref() else {
            return self.list_text.clone();
        };
        match &f.value {
            Value::List(items) => Some(
                items
                    .iter()
                    .map(|v| v.text().unwrap_or_else(|| "?".into()))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            v => v.text(),
        }
    }
}

/// A call site.
#[derive(Debug, Clone)]
pub struct Call {
    /// Import-resolved dotted name (`subprocess.Popen`, `socket.socket().connect`, `exec`).
    /// Unknown receivers keep their local name (`conn.send`).
    pub name: String,
    pub line: u32,
    pub ctx: RunContext,
    pub args: Vec<Arg>,
    pub kwargs: Vec<(String, Arg)>,
    /// Union of the taint of the receiver and all arguments.
    pub taint: Taint,
    /// `patterns::C_*` classes of the callee.
    pub class: u8,
    /// Whether the callee itself was computed (`getattr(m, 'sys'+'tem')`, `globals()[..]`).
    pub computed_name: Option<ComputedName>,
    /// Decoded source this call was found in, when it came from decoded code.
    pub note: Option<Arc<str>>,
    /// The module-level function this call is inside, if any.
    pub scope: Option<Arc<str>>,
    /// Atoms (see [`Arg::atoms`]) of the receiver of a method call: `f` for `f.write(..)`,
    /// `p` for `Path(p).write_bytes(..)`.
    pub recv_atoms: Vec<String>,
}

/// How a callee name was computed.
#[derive(Debug, Clone)]
pub struct ComputedName {
    /// `getattr`, `__import__`, `globals()[]` ...
    pub via: &'static str,
    /// Whether the name string itself was obfuscated (decoded, chr, reversed).
    pub obfuscated: bool,
    /// Whether the name string was not a plain literal (concatenation etc.).
    pub computed: bool,
}

impl Call {
    pub fn kw(&self, name: &str) -> Option<&Arg> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, a)| a)
    }
    /// Text of the first positional argument, or of a keyword.
    pub fn arg_text(&self, i: usize) -> Option<String> {
        self.args.get(i).and_then(Arg::text)
    }
    /// All folded argument texts joined (positional then keyword values).
    pub fn all_text(&self) -> String {
        let mut out = String::new();
        for a in self.args.iter().chain(self.kwargs.iter().map(|(_, a)| a)) {
            if let Some(t) = a.text() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&t);
            }
        }
        out
    }
    pub fn is_process(&self) -> bool {
        self.class & patterns::C_PROCESS != 0
    }
    pub fn is_network(&self) -> bool {
        self.class & patterns::C_NETWORK != 0
    }
    pub fn is_code_exec(&self) -> bool {
        self.class & patterns::C_CODE != 0
    }
    pub fn is_decoder(&self) -> bool {
        self.class & patterns::C_DECODER != 0
    }
    /// Whether `name` equals one of `names`.
    pub fn is(&self, names: &[&str]) -> bool {
        names.contains(&self.name.as_str())
    }
    /// The last dotted component (`connect` for `socket.socket().connect`).
    pub fn method(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
    /// Taint of the arguments only (not the receiver).
    pub fn arg_taint(&self) -> Taint {
        self.args
            .iter()
            .chain(self.kwargs.iter().map(|(_, a)| a))
            .fold(0, |t, a| t | a.taint)
    }
}

/// A string constant or a decoded string (bare string statements such as docstrings are not
/// recorded).
#[derive(Debug, Clone)]
pub struct StrFact {
    pub text: String,
    pub line: u32,
    pub ctx: RunContext,
    /// How it was decoded, when it was (`base64`, `chr()`, `embedded base64`...).
    pub decoded_via: Option<&'static str>,
    pub note: Option<Arc<str>>,
    /// The module-level function this string is inside, if any.
    pub scope: Option<Arc<str>>,
    /// Only shown to people: an argument of print/logging/warnings or an exception, or a
    /// help/description keyword. Text there reaches no sink, so the rules that look for
    /// commands and addresses in strings skip it.
    pub message: bool,
}

/// Everything the rules read about one Python file.
#[derive(Debug, Default)]
pub struct Facts {
    pub calls: Vec<Call>,
    pub strings: Vec<StrFact>,
    /// Import-resolved dotted names referenced (names, attribute chains), first line each.
    pub refs: HashMap<String, u32>,
    /// Imported modules and names (`socket`, `PIL.ImageGrab`), first line each.
    pub imports: HashMap<String, u32>,
    /// Identifiers bound or used, with first line (for homoglyph checks; non-ASCII only).
    pub non_ascii_idents: Vec<(String, u32)>,
    /// Number of syntax errors the parser recovered from.
    pub syntax_errors: usize,
    /// Where a bound stopped the analysis short, and which (line, what was not analysed):
    /// code nested too deep, decoded code too deep or too large to parse again, the argument
    /// of exec/eval/compile stopped by an evaluation bound. Reported by analysis-incomplete.
    pub incomplete: Vec<(u32, String)>,
    /// The file was not parsed at all (see [`too_deep_to_parse`]): rules read its text.
    pub unparsed: bool,
    /// Lines where a name is looked up through an obfuscated computation, whatever is done
    /// with it: `getattr(__builtins__, oct.__str__()[-3] + ...)`, `__import__('so'[::-1])`,
    /// `eval("eval")` (a builtin fetched by evaluating its own name).
    /// With the name each lookup computes (`chr`, `os`, `_getframe`).
    pub obfuscated_lookups: Vec<(u32, String)>,
}

impl Facts {
    pub fn has_ref(&self, name: &str) -> bool {
        self.refs.contains_key(name)
    }
    pub fn ref_line(&self, names: &[&str]) -> Option<u32> {
        names
            .iter()
            .filter_map(|n| self.refs.get(*n).copied())
            .min()
    }
    pub fn imports_any(&self, prefixes: &[&str]) -> Option<u32> {
        self.imports
            .iter()
            .filter(|(m, _)| {
                prefixes.iter().any(|p| {
                    m.strip_prefix(p)
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                })
            })
            .map(|(_, l)| *l)
            .min()
    }
}

/// Maps byte offsets to 1-based lines.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0u32];
        for pos in memchr::memchr_iter(b'\n', text.as_bytes()) {
            starts.push(pos as u32 + 1);
        }
        Self { starts }
    }
    pub fn line(&self, offset: TextSize) -> u32 {
        let off = offset.to_u32();
        self.starts.partition_point(|s| *s <= off) as u32
    }
    /// The text of 1-based `line`.
    pub fn line_text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.starts.get(i) else {
            return "";
        };
        let end = self
            .starts
            .get(i + 1)
            .map(|e| *e as usize)
            .unwrap_or(text.len());
        text.get(start as usize..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
    pub fn len(&self) -> usize {
        self.starts.len()
    }
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

/// Parse `source` once and collect its facts.
pub fn collect(source: &str, role: FileRole) -> Facts {
    collect_indexed(source, role, &LineIndex::new(source))
}

/// [`collect`] with the caller's [`LineIndex`] of `source` (built once per file).
pub fn collect_indexed(source: &str, role: FileRole, index: &LineIndex) -> Facts {
    let mut facts = Facts::default();
    collect_into(source, role, role.top_level(), None, 0, index, &mut facts);
    promote_called_functions(&mut facts, role);
    facts
}

/// Module-level functions that the module itself runs when imported (called at top level, or
/// handed to `atexit.register`/`threading.Thread(target=...)` there) run at import time: their
/// facts take the top-level context.
fn promote_called_functions(facts: &mut Facts, role: FileRole) {
    let top = role.top_level();
    if !top.is_automatic() {
        return;
    }
    let mut called: HashSet<Arc<str>> = HashSet::default();
    for c in facts
        .calls
        .iter()
        .filter(|c| c.ctx == top && c.scope.is_none())
    {
        if !c.name.contains('.') {
            called.insert(Arc::from(c.name.as_str()));
        }
        if matches!(
            c.name.as_str(),
            "atexit.register" | "threading.Thread" | "threading.Timer" | "multiprocessing.Process"
        ) {
            for a in c.args.iter().chain(
                c.kwargs
                    .iter()
                    .filter(|(k, _)| k == "target")
                    .map(|(_, a)| a),
            ) {
                if let Some(d) = a.dotted.as_deref().filter(|d| !d.contains('.')) {
                    called.insert(Arc::from(d));
                }
            }
        }
    }
    if called.is_empty() {
        return;
    }
    for c in &mut facts.calls {
        if c.ctx == RunContext::Function && c.scope.as_ref().is_some_and(|s| called.contains(s)) {
            c.ctx = top;
        }
    }
    for s in &mut facts.strings {
        if s.ctx == RunContext::Function && s.scope.as_ref().is_some_and(|f| called.contains(f)) {
            s.ctx = top;
        }
    }
}

fn collect_into(
    source: &str,
    role: FileRole,
    ctx: RunContext,
    nested: Option<(u32, Arc<str>)>,
    depth: u8,
    index: &LineIndex,
    facts: &mut Facts,
) {
    // The parser and the tree's destructor recurse once per nesting level: code nested past
    // what any Python runs is not parsed (a stack overflow would abort the whole process).
    if let Some(at) = too_deep_to_parse(source, MAX_PARSE_NESTING) {
        let line = match &nested {
            Some((l, _)) => *l,
            None => index.line(TextSize::from(at as u32)),
        };
        if nested.is_none() {
            facts.unparsed = true;
        }
        if facts.incomplete.len() < MAX_INCOMPLETE {
            facts.incomplete.push((
                line,
                format!(
                    "code nested more than {MAX_PARSE_NESTING} levels deep (past what Python \
                     itself compiles) was not parsed, only scanned as text"
                ),
            ));
        }
        return;
    }
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    if nested.is_none() {
        facts.syntax_errors = parsed.errors().len();
    }
    let mut w = Walker {
        role,
        ctx,
        index,
        nested,
        depth,
        aliases: HashMap::default(),
        consts: HashMap::default(),
        blocked: HashSet::default(),
        scopes: vec![Scope::default()],
        returns: HashMap::default(),
        facts,
        acc: 0,
        expr_depth: 0,
        stmt_depth: 0,
        message: 0,
        nested_seen: HashSet::default(),
        scope: None,
        name_buf: String::with_capacity(64),
    };
    w.visit_body(&parsed.syntax().body);
}

#[derive(Default)]
struct Scope {
    taint: HashMap<String, Taint>,
    types: HashMap<String, String>,
    /// Atoms of the value last assigned to a plain name (`exe = join(here, 'a.exe')`), so a
    /// later use of `exe` carries them.
    atoms: HashMap<String, Vec<String>>,
    ret: Taint,
}

struct Walker<'f, 'i> {
    role: FileRole,
    ctx: RunContext,
    index: &'i LineIndex,
    nested: Option<(u32, Arc<str>)>,
    depth: u8,
    aliases: HashMap<String, String>,
    consts: HashMap<String, Folded>,
    blocked: HashSet<String>,
    scopes: Vec<Scope>,
    returns: HashMap<String, Taint>,
    facts: &'f mut Facts,
    acc: Taint,
    expr_depth: u32,
    stmt_depth: u32,
    /// Inside an argument that is only shown to people (see [`StrFact::message`]).
    message: u32,
    /// (line, hash) of the decoded code already parsed again by [`Self::nested_code`].
    nested_seen: HashSet<(u32, u64)>,
    /// Name of the enclosing module-level function.
    scope: Option<Arc<str>>,
    /// Scratch buffer for dotted names.
    name_buf: String,
}

const BUILTINS_OF_INTEREST: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "__import__",
    "getattr",
    "globals",
    "locals",
    "vars",
    "__builtins__",
    "open",
    "setattr",
];

/// Calls whose result does not carry their arguments' data.
const NO_PROPAGATE: &[&str] = &[
    "len",
    "isinstance",
    "issubclass",
    "print",
    "hasattr",
    "bool",
    "callable",
    "id",
    "type",
    "os.path.exists",
    "os.path.isfile",
    "os.path.isdir",
    "hash",
    "logging.info",
    "logging.debug",
    "logging.warning",
    "os.makedirs",
    "os.mkdir",
    "os.remove",
    "os.unlink",
    "os.chmod",
];

impl<'f> Walker<'f, '_> {
    fn line(&self, range_start: TextSize) -> u32 {
        match &self.nested {
            Some((l, _)) => *l,
            None => self.index.line(range_start),
        }
    }

    fn note(&self) -> Option<Arc<str>> {
        self.nested.as_ref().map(|(_, n)| n.clone())
    }

    fn env(&self) -> Env<'_> {
        Env {
            aliases: &self.aliases,
            consts: &self.consts,
            binding: None,
        }
    }

    fn fold(&self, e: &Expr) -> Option<Folded> {
        self.env().fold(e)
    }

    fn var_taint(&self, name: &str) -> Taint {
        for s in self.scopes.iter().rev() {
            if let Some(t) = s.taint.get(name) {
                return *t;
            }
        }
        0
    }

    fn var_type(&self, name: &str) -> Option<&String> {
        self.scopes.iter().rev().find_map(|s| s.types.get(name))
    }

    fn set_taint(&mut self, name: &str, t: Taint) {
        if let Some(s) = self.scopes.last_mut() {
            if t == 0 {
                s.taint.remove(name);
            } else {
                s.taint.insert(name.to_string(), t);
            }
        }
    }

    fn add_ref(&mut self, name: String, line: u32) {
        self.facts.refs.entry(name).or_insert(line);
    }

    /// [`Self::add_ref`] for a borrowed name: allocates only the first time it is seen.
    fn add_ref_str(&mut self, name: &str, line: u32) {
        if !self.facts.refs.contains_key(name) {
            self.facts.refs.insert(name.to_string(), line);
        }
    }

    fn record_str(&mut self, text: String, line: u32, via: Option<&'static str>) {
        self.facts.strings.push(StrFact {
            text,
            line,
            ctx: self.ctx,
            decoded_via: via,
            note: self.note(),
            scope: self.scope.clone(),
            message: self.message > 0 && via.is_none(),
        });
    }

    fn bind_target(&mut self, target: &Expr, t: Taint) {
        match target {
            Expr::Name(n) => self.set_taint(n.id.as_str(), t),
            Expr::Tuple(tu) => {
                for e in &tu.elts {
                    self.bind_target(e, t);
                }
            }
            Expr::List(l) => {
                for e in &l.elts {
                    self.bind_target(e, t);
                }
            }
            Expr::Subscript(s) => {
                // d['k'] = v: the container now holds v.
                if let Expr::Name(n) = &*s.value {
                    let old = self.var_taint(n.id.as_str());
                    self.set_taint(n.id.as_str(), old | t);
                }
                self.visit_expr(&s.slice);
            }
            Expr::Attribute(a) => {
                self.visit_expr(&a.value);
            }
            _ => {}
        }
    }

    fn bind_const(&mut self, target: &Expr, value: &Expr) {
        let Expr::Name(n) = target else {
            return;
        };
        let name = n.id.as_str();
        if self.blocked.contains(name) {
            return;
        }
        if self.consts.contains_key(name) {
            self.consts.remove(name);
            self.blocked.insert(name.to_string());
            return;
        }
        if let Some(f) = self.fold(value) {
            self.consts.insert(name.to_string(), f);
        } else {
            self.blocked.insert(name.to_string());
        }
        // `f = os.system`: an alias of a dangerous callable.
        if matches!(value, Expr::Attribute(_) | Expr::Name(_)) {
            if let Some(d) = self.env().dotted(value) {
                let root = d.split('.').next().unwrap_or("");
                if self
                    .aliases
                    .values()
                    .any(|v| v.split('.').next() == Some(root))
                    || BUILTINS_OF_INTEREST.contains(&d.as_str())
                {
                    self.aliases.insert(name.to_string(), d);
                }
            }
        }
    }

    /// Resolve the object an expression denotes to a dotted name (for receivers).
    fn obj_name(&mut self, e: &Expr) -> (Option<String>, Option<ComputedName>) {
        self.obj_name_at(e, 0)
    }

    /// [`Self::obj_name`] at chain depth `depth`: chains longer than
    /// [`decode::MAX_NAME_LINKS`] links stay unnamed, which bounds both the recursion and the
    /// length of the names built.
    fn obj_name_at(&mut self, e: &Expr, depth: usize) -> (Option<String>, Option<ComputedName>) {
        if depth > decode::MAX_NAME_LINKS {
            return (None, None);
        }
        let d = depth + 1;
        match e {
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(t) = self.var_type(id) {
                    return (Some(t.clone()), None);
                }
                (
                    Some(
                        self.aliases
                            .get(id)
                            .cloned()
                            .unwrap_or_else(|| id.to_string()),
                    ),
                    None,
                )
            }
            Expr::Attribute(a) => {
                let (base, comp) = self.obj_name_at(&a.value, d);
                (
                    base.map(|mut b| {
                        b.push('.');
                        b.push_str(a.attr.as_str());
                        b
                    }),
                    comp,
                )
            }
            Expr::Call(c) => {
                let args = &c.arguments.args;
                // Which callee this is, without allocating its name.
                let mut buf = std::mem::take(&mut self.name_buf);
                let callee = if decode::dotted_into(&c.func, &self.aliases, &mut buf) {
                    match buf.as_str() {
                        "getattr" => Some("getattr"),
                        "__import__" => Some("__import__"),
                        "importlib.import_module" => Some("importlib.import_module"),
                        _ => Some(""),
                    }
                } else {
                    None
                };
                self.name_buf = buf;
                match callee {
                    Some("getattr") if args.len() >= 2 => {
                        let (base, _) = self.obj_name_at(&args[0], d);
                        if let Some(f) = self.fold(&args[1]) {
                            if let Value::Str(s) = &f.value {
                                let comp = ComputedName {
                                    via: "getattr",
                                    obfuscated: f.obfuscated,
                                    computed: !matches!(args[1], Expr::StringLiteral(_)),
                                };
                                let base = base.map(|b| match b.as_str() {
                                    "__builtins__" | "builtins" => s.clone(),
                                    _ => format!("{b}.{s}"),
                                });
                                return (base, Some(comp));
                            }
                        }
                        (None, None)
                    }
                    Some("__import__" | "importlib.import_module") if !args.is_empty() => {
                        if let Some(f) = self.fold(&args[0]) {
                            if let Value::Str(s) = &f.value {
                                let comp = ComputedName {
                                    via: "__import__",
                                    obfuscated: f.obfuscated,
                                    computed: !matches!(args[0], Expr::StringLiteral(_)),
                                };
                                return (Some(s.clone()), Some(comp));
                            }
                        }
                        (None, None)
                    }
                    _ => {
                        let (inner, comp) = self.obj_name_at(&c.func, d);
                        (
                            inner.map(|mut n| {
                                n.push_str("()");
                                n
                            }),
                            comp,
                        )
                    }
                }
            }
            Expr::Subscript(s) => {
                let (base, _) = self.obj_name_at(&s.value, d);
                let table = matches!(
                    base.as_deref(),
                    Some(
                        "globals()"
                            | "locals()"
                            | "vars()"
                            | "__builtins__"
                            | "builtins.__dict__"
                            | "__builtins__.__dict__"
                            | "vars(builtins)"
                            | "builtins"
                    )
                ) || base.as_deref().is_some_and(|b| b.ends_with(".__dict__"));
                if table {
                    if let Some(f) = self.fold(&s.slice) {
                        if let Value::Str(name) = &f.value {
                            let comp = ComputedName {
                                via: "globals()[...]",
                                obfuscated: f.obfuscated,
                                computed: !matches!(&*s.slice, Expr::StringLiteral(_)),
                            };
                            let resolved = match base.as_deref() {
                                Some(b) if b.ends_with(".__dict__") && !b.contains("builtins") => {
                                    format!("{}.{name}", b.trim_end_matches(".__dict__"))
                                }
                                _ => name.clone(),
                            };
                            return (Some(resolved), Some(comp));
                        }
                    }
                }
                (
                    base.map(|mut b| {
                        b.push_str("[]");
                        b
                    }),
                    None,
                )
            }
            _ => (None, None),
        }
    }

    /// Record that the analysis stopped short at `line` (once per line, a few per file).
    fn incomplete(&mut self, line: u32, what: impl FnOnce() -> String) {
        let list = &mut self.facts.incomplete;
        if list.len() < MAX_INCOMPLETE && !list.iter().any(|(l, _)| *l == line) {
            list.push((line, what()));
        }
    }

    fn expr(&mut self, e: &Expr) -> Taint {
        if self.expr_depth >= MAX_EXPR_DEPTH {
            let line = self.line(e.range().start());
            self.incomplete(line, || {
                format!("expressions nested more than {MAX_EXPR_DEPTH} deep were not analysed")
            });
            return 0;
        }
        self.expr_depth += 1;
        let t = self.expr_inner(e);
        self.expr_depth -= 1;
        t
    }

    fn expr_inner(&mut self, e: &Expr) -> Taint {
        match e {
            Expr::Call(c) => self.call(c),
            Expr::Name(n) => {
                let id = n.id.as_str();
                if let Some(full) = self.aliases.get(id) {
                    if !self.facts.refs.contains_key(full.as_str()) {
                        let line = self.line(n.range.start());
                        self.facts.refs.insert(full.clone(), line);
                    }
                } else if BUILTINS_OF_INTEREST.contains(&id) || id.starts_with("__") {
                    let line = self.line(n.range.start());
                    self.add_ref_str(id, line);
                }
                if !id.is_ascii() {
                    let line = self.line(n.range.start());
                    self.facts.non_ascii_idents.push((id.to_string(), line));
                }
                self.var_taint(id)
            }
            Expr::Attribute(a) => {
                let line = self.line(a.range.start());
                // The name is built in a reused buffer and copied only the first time it is
                // seen. Recording it before the receiver's (shorter, so different) names does
                // not change any first line.
                let mut environ = false;
                if self.known_root(e) {
                    let mut buf = std::mem::take(&mut self.name_buf);
                    if decode::dotted_into(e, &self.aliases, &mut buf) {
                        environ = buf == "os.environ";
                        self.add_ref_str(&buf, line);
                    }
                    self.name_buf = buf;
                }
                if !a.attr.as_str().is_ascii() {
                    self.facts
                        .non_ascii_idents
                        .push((a.attr.as_str().to_string(), line));
                }
                let base = self.expr(&a.value);
                if environ {
                    ENV_ALL
                } else {
                    base
                }
            }
            Expr::Subscript(s) => {
                if let Some(d) = self.env().dotted(&s.value) {
                    if d == "os.environ" {
                        let line = self.line(s.range.start());
                        self.add_ref(d, line);
                        self.visit_expr(&s.slice);
                        return match self.fold(&s.slice).and_then(|f| f.value.text()) {
                            Some(k) if patterns::is_secret_env(&k) => SECRET,
                            _ => 0,
                        };
                    }
                }
                let base = self.expr(&s.value);
                let idx = self.expr(&s.slice);
                base | idx
            }
            Expr::StringLiteral(s) => {
                let text = s.value.to_str();
                let line = self.line(s.range.start());
                let t = if patterns::cred_store(text).is_some() {
                    CRED
                } else {
                    0
                };
                self.string_blob(text, line);
                self.record_str(text.to_string(), line, None);
                t
            }
            Expr::BytesLiteral(b) => {
                let bytes: Vec<u8> = b.value.bytes().collect();
                let line = self.line(b.range.start());
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    self.string_blob(text, line);
                }
                self.record_str(String::from_utf8_lossy(&bytes).into_owned(), line, None);
                0
            }
            Expr::FString(f) => {
                // Record the literal skeleton (`https://host/{}`) for URL rules.
                let skel = fstring_skeleton(f);
                let line = self.line(f.range.start());
                let t = if patterns::cred_store(&skel).is_some() {
                    CRED
                } else {
                    0
                };
                self.record_str(skel, line, None);
                t | self.walk_children(e)
            }
            Expr::Lambda(l) => {
                let saved = self.ctx;
                self.ctx = self.fn_ctx();
                let t = self.expr(&l.body);
                self.ctx = saved;
                t
            }
            _ => self.walk_children(e),
        }
    }

    /// Whether an attribute chain starts at an imported name or a builtin of interest (only
    /// those are worth resolving and recording).
    fn known_root(&self, mut e: &Expr) -> bool {
        loop {
            match e {
                Expr::Attribute(a) => e = &a.value,
                Expr::Name(n) => {
                    let id = n.id.as_str();
                    return self.aliases.contains_key(id)
                        || BUILTINS_OF_INTEREST.contains(&id)
                        || id.starts_with("__");
                }
                _ => return false,
            }
        }
    }

    fn walk_children(&mut self, e: &Expr) -> Taint {
        let saved = self.acc;
        self.acc = 0;
        visitor::walk_expr(self, e);
        let t = self.acc;
        self.acc = saved;
        t
    }

    fn fn_ctx(&self) -> RunContext {
        match self.ctx {
            RunContext::Test => RunContext::Test,
            RunContext::Install => RunContext::Install,
            _ => self.role.in_function(),
        }
    }

    /// Long encoded literal that decodes to text with URLs or code.
    fn string_blob(&mut self, text: &str, line: u32) {
        if text.len() < 40 {
            return;
        }
        if let Some((decoded, via)) = decode::decode_blob(text) {
            if patterns::has_url_or_ip(&decoded) || patterns::looks_like_code(&decoded) {
                let via = if via == "hex" {
                    "embedded hex"
                } else {
                    "embedded base64"
                };
                self.record_str(decoded.clone(), line, Some(via));
                if patterns::looks_like_code(&decoded) {
                    self.nested_code(&decoded, line);
                }
            }
        }
    }

    fn nested_code(&mut self, code: &str, line: u32) {
        let key = (line, super::fxhash::hash_one(code));
        if !self.nested_seen.insert(key) {
            return;
        }
        if self.depth >= MAX_NESTED {
            self.incomplete(line, || {
                format!("code decoded more than {MAX_NESTED} layers deep was not analysed")
            });
            return;
        }
        if code.len() > MAX_NESTED_LEN {
            self.incomplete(line, || {
                format!(
                    "decoded code of {} KiB (over {} KiB) was not analysed",
                    code.len() >> 10,
                    MAX_NESTED_LEN >> 10
                )
            });
            return;
        }
        let excerpt: Arc<str> = Arc::from(patterns::excerpt(code, 200));
        let index = LineIndex::new(code);
        let saved_ctx = self.ctx;
        collect_into(
            code,
            self.role,
            saved_ctx,
            Some((line, excerpt)),
            self.depth + 1,
            &index,
            self.facts,
        );
    }

    /// The code a command line runs: the script of `python -c CODE` (parsed as Python), of
    /// `sh -c SCRIPT` (split again), and what `echo BLOB | base64 -d | sh` decodes to. Found
    /// payloads are recorded as strings, so the string rules see them, and Python is
    /// inspected as nested code.
    fn command_payloads(&mut self, words: &[String], line: u32, depth: u8) {
        if depth > 3 {
            return;
        }
        let prog = |w: &str| {
            let base = w
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or(w)
                .to_ascii_lowercase();
            let base = base.strip_suffix(".exe").unwrap_or(&base).to_string();
            base
        };
        for (i, w) in words.iter().enumerate() {
            let p = prog(w);
            let python = p.starts_with("python") || p == "py" || w == "sys.executable";
            let shell = matches!(p.as_str(), "sh" | "bash" | "zsh" | "dash" | "ksh");
            if (python || shell) && words.get(i + 1).map(String::as_str) == Some("-c") {
                if let Some(code) = words.get(i + 2) {
                    self.record_str(code.clone(), line, Some("command line"));
                    if python {
                        self.nested_code(code, line);
                    } else {
                        self.command_payloads(&shell_words(code), line, depth + 1);
                    }
                }
            }
            // `echo BLOB | base64 -d | sh`: the blob is what runs.
            if p == "echo" {
                if let Some(blob) = words.get(i + 1) {
                    let rest = &words[i + 2..];
                    let decodes = rest.windows(2).any(|p| {
                        p[0] == "base64" && matches!(p[1].as_str(), "-d" | "--decode" | "-D")
                    });
                    if decodes {
                        if let Some(text) = decode::b64_text(blob) {
                            self.record_str(text.clone(), line, Some("base64 (shell)"));
                            if patterns::looks_like_code(&text) {
                                self.nested_code(&text, line);
                            }
                            self.command_payloads(&shell_words(&text), line, depth + 1);
                        }
                    }
                }
            }
        }
    }

    /// The first 64 items of a list or tuple as words: folded text, or a dotted name
    /// (`sys.executable`), or `None` when neither.
    fn elt_words(&self, elts: &[Expr]) -> Vec<Option<String>> {
        let env = self.env();
        elts.iter()
            .take(64)
            .map(|x| {
                env.fold(x)
                    .and_then(|f| f.value.text())
                    .or_else(|| env.dotted(x))
            })
            .collect()
    }

    fn arg(&mut self, e: &Expr) -> Arg {
        let taint = self.expr(e);
        let folded = self.fold(e);
        let dotted = match e {
            Expr::Name(_) | Expr::Attribute(_) => self.env().dotted(e),
            _ => None,
        };
        let list_text = match (e, &folded) {
            (
                Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }),
                None,
            ) => Some(
                self.elt_words(elts)
                    .into_iter()
                    .map(|w| w.unwrap_or_else(|| "?".into()))
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            _ => None,
        };
        let mut atoms = Vec::new();
        self.atoms(e, &mut atoms, 0);
        Arg {
            folded,
            taint,
            dotted,
            list_text,
            atoms,
        }
    }

    /// Collect the atoms of an argument expression (see [`Arg::atoms`]).
    fn atoms(&self, e: &Expr, out: &mut Vec<String>, depth: u8) {
        const MAX_ATOMS: usize = 16;
        if depth > 6 || out.len() >= MAX_ATOMS {
            return;
        }
        match e {
            Expr::Name(n) => {
                let id = n.id.as_str();
                if !self.aliases.contains_key(id) && !out.iter().any(|a| a == id) {
                    out.push(id.to_string());
                    if let Some(more) = self.scopes.iter().rev().find_map(|s| s.atoms.get(id)) {
                        for m in more {
                            if out.len() >= MAX_ATOMS {
                                break;
                            }
                            if !out.contains(m) {
                                out.push(m.clone());
                            }
                        }
                    }
                }
            }
            Expr::StringLiteral(s) => {
                let t = s.value.to_str();
                if (3..=256).contains(&t.len()) && !out.iter().any(|a| a == t) {
                    out.push(t.to_string());
                }
            }
            Expr::Attribute(a) => self.atoms(&a.value, out, depth + 1),
            Expr::Call(c) => {
                for a in c.arguments.args.iter() {
                    self.atoms(a, out, depth + 1);
                }
            }
            Expr::BinOp(b) => {
                self.atoms(&b.left, out, depth + 1);
                self.atoms(&b.right, out, depth + 1);
            }
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                for x in elts.iter().take(MAX_ATOMS) {
                    self.atoms(x, out, depth + 1);
                }
            }
            Expr::FString(f) => {
                // The literal skeleton (`C:\\Users\\{}\\...\\Startup`), as recorded in the
                // strings, then the interpolated expressions.
                let skel = fstring_skeleton(f);
                if (3..=256).contains(&skel.len()) && !out.contains(&skel) {
                    out.push(skel);
                }
                for part in f.value.elements() {
                    if let ast::InterpolatedStringElement::Interpolation(i) = part {
                        self.atoms(&i.expression, out, depth + 1);
                    }
                }
            }
            Expr::Starred(st) => self.atoms(&st.value, out, depth + 1),
            _ => {}
        }
    }

    fn call(&mut self, c: &ast::ExprCall) -> Taint {
        let line = self.line(c.range().start());
        let (name, computed) = self.obj_name(&c.func);
        let name = name.unwrap_or_else(|| "?".to_string());
        // Receiver taint (and calls nested in the receiver chain).
        let recv = match &*c.func {
            Expr::Attribute(a) => self.expr(&a.value),
            // Calling a tainted callable (a lambda wrapping a decoder) taints the result.
            Expr::Name(n) => self.var_taint(n.id.as_str()),
            other => self.expr(other),
        };
        let mut recv_atoms = Vec::new();
        if let Expr::Attribute(a) = &*c.func {
            self.atoms(&a.value, &mut recv_atoms, 0);
        }
        // Arguments of a sink are never only shown to people, even inside a print:
        // `print(os.system("curl … | sh"))` runs its command.
        let outer_message = self.message;
        if patterns::call_class(&name)
            & (patterns::C_PROCESS | patterns::C_CODE | patterns::C_NETWORK)
            != 0
        {
            self.message = 0;
        }
        let shown = is_message_call(&name);
        self.message += u32::from(shown);
        let args: Vec<Arg> = c.arguments.args.iter().map(|a| self.arg(a)).collect();
        let kwargs: Vec<(String, Arg)> = c
            .arguments
            .keywords
            .iter()
            .map(|k| {
                let key = k
                    .arg
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_else(|| "**".into());
                let text_kw = is_message_keyword(&key);
                self.message += u32::from(text_kw);
                let a = self.arg(&k.value);
                self.message -= u32::from(text_kw);
                (key, a)
            })
            .collect();
        self.message -= u32::from(shown);
        self.message = outer_message;
        let arg_taint = args
            .iter()
            .chain(kwargs.iter().map(|(_, a)| a))
            .fold(0, |t, a| t | a.taint);
        let method = match &*c.func {
            Expr::Attribute(a) => a.attr.as_str(),
            _ => name.rsplit('.').next().unwrap_or(&name),
        };
        let mut taint = if matches!(
            name.as_str(),
            "os.getenv" | "os.environ.get" | "os.environ.setdefault" | "os.getenvb"
        ) {
            match args.first().and_then(Arg::text) {
                Some(k) if patterns::is_secret_env(&k) => SECRET,
                _ => 0,
            }
        } else if NO_PROPAGATE.contains(&name.as_str()) {
            0
        } else {
            recv | arg_taint
        };
        let class = patterns::call_class(&name);
        taint |= patterns::source_taint(&name, method, class);
        if let Expr::Name(n) = &*c.func {
            if let Some(t) = self.returns.get(n.id.as_str()) {
                taint |= *t;
            }
        }
        // Static decoding of the whole call.
        let decoder = class & patterns::C_DECODER != 0;
        if decoder && patterns::is_deserializer(&name) {
            let a = args.first();
            if a.is_some_and(|a| a.folded.is_some() || a.taint & (DECODED | NET) != 0) {
                taint |= DECODED;
            }
        }
        if decoder
            || matches!(method, "join" | "decode" | "decrypt" | "decrypt_and_verify")
            || name == "map"
            || name == "bytes"
        {
            if decoder && !patterns::is_deserializer(&name) {
                // Decoding a constant (or already decoded/fetched data) is obfuscation; decoding
                // run-time data read from elsewhere is only a weak signal.
                let a = args.first();
                if a.is_none_or(|a| a.folded.is_some() || a.taint & (DECODED | NET) != 0) {
                    taint |= DECODED;
                } else {
                    taint |= DECODED_RT;
                }
            }
            if let Some(f) = self.env().fold_call_expr(c) {
                if f.obfuscated {
                    taint |= DECODED;
                    if let Some(text) = f.value.text() {
                        if decode::printable_ratio(text.as_bytes()) > 0.85 {
                            self.record_str(text.clone(), line, f.via.or(Some("decoded")));
                            if patterns::looks_like_code(&text) {
                                self.nested_code(&text, line);
                            }
                        }
                    }
                }
            }
        }
        // Code handed to a process (`python -c CODE`, `echo B64 | base64 -d | sh`) or written
        // to a file (`open('x.py', 'w').write(CODE)`) is code too: inspect it where it is.
        if class & patterns::C_PROCESS != 0 {
            if let Some(first) = c.arguments.args.first() {
                let words = match first {
                    Expr::List(ast::ExprList { elts, .. })
                    | Expr::Tuple(ast::ExprTuple { elts, .. }) => Some(
                        self.elt_words(elts)
                            .into_iter()
                            .map(Option::unwrap_or_default)
                            .collect::<Vec<_>>(),
                    ),
                    _ => args
                        .first()
                        .and_then(|a| a.folded.as_ref())
                        .and_then(|f| f.value.text())
                        .map(|t| shell_words(&t)),
                };
                if let Some(words) = words {
                    self.command_payloads(&words, line, 0);
                }
            }
        } else if matches!(method, "write" | "write_text" | "writelines") {
            if let Some(text) = args.first().and_then(Arg::text) {
                if patterns::looks_like_code(&text) {
                    self.nested_code(&text, line);
                }
            }
        }
        // A name looked up through an obfuscated computation is a signal on its own, whether
        // the result is called here or handed on (`map(getattr(__builtins__, <'chr'>), ...)`).
        let key = match name.as_str() {
            "getattr" => args.get(1),
            "__import__" | "importlib.import_module" => args.first(),
            _ => None,
        };
        let lookup = match key.and_then(|a| a.folded.as_ref()) {
            Some(f) if f.obfuscated => f.value.text(),
            _ if matches!(name.as_str(), "eval" | "exec") => args
                .first()
                .and_then(Arg::text)
                .map(|t| t.trim().to_string())
                .filter(|t| BUILTINS_OF_INTEREST.contains(&t.as_str()) || t == "chr"),
            _ => None,
        };
        if let Some(target) = lookup {
            if self.facts.obfuscated_lookups.len() < 64 {
                self.facts
                    .obfuscated_lookups
                    .push((line, patterns::excerpt(&target, 60)));
            }
        }
        // exec("...") of a constant: inspect the code it runs.
        if matches!(name.as_str(), "exec" | "eval" | "compile" | "builtins.exec") {
            if let Some(text) = args.first().and_then(Arg::text) {
                // Decoded code is inspected once (nested_code skips what it has seen), here
                // too when the decoder's own call did not (a decrypt method on an object).
                if text.len() > 8 {
                    self.nested_code(&text, line);
                }
            } else if let Some(first) = c.arguments.args.first() {
                // The code it runs may be a constant that a bound stopped the evaluator from
                // computing (a 17-layer decode chain, a huge repeat): that is not a clean pass.
                let budget = decode::Budget::per_expr();
                if let Err(decode::Refusal::Bound(b)) = self.env().fold_checked(first, &budget) {
                    self.incomplete(line, || {
                        format!("the code passed to {name} was not evaluated: {b}")
                    });
                }
            }
        }
        self.facts.calls.push(Call {
            name,
            line,
            ctx: self.ctx,
            args,
            kwargs,
            taint: recv | arg_taint,
            class,
            computed_name: computed,
            note: self.note(),
            scope: self.scope.clone(),
            recv_atoms,
        });
        taint
    }

    fn is_main_guard(test: &Expr) -> bool {
        if let Expr::Compare(c) = test {
            let side = |e: &Expr| match e {
                Expr::Name(n) => n.id.as_str() == "__name__",
                Expr::StringLiteral(s) => s.value.to_str() == "__main__",
                _ => false,
            };
            return side(&c.left) && c.comparators.iter().any(side);
        }
        false
    }
}

impl<'a> Visitor<'a> for Walker<'_, '_> {
    fn visit_expr(&mut self, e: &'a Expr) {
        let t = self.expr(e);
        self.acc |= t;
    }

    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.stmt_depth >= MAX_STMT_DEPTH {
            let line = self.line(stmt.range().start());
            self.incomplete(line, || {
                format!("statements nested more than {MAX_STMT_DEPTH} deep were not analysed")
            });
            return;
        }
        self.stmt_depth += 1;
        self.stmt_inner(stmt);
        self.stmt_depth -= 1;
    }
}

impl Walker<'_, '_> {
    fn stmt_inner(&mut self, stmt: &Stmt) {
        match stmt {
            // What an exception says is shown to people.
            Stmt::Raise(_) => {
                self.message += 1;
                visitor::walk_stmt(self, stmt);
                self.message -= 1;
            }
            Stmt::Import(i) => {
                for a in &i.names {
                    let full = a.name.to_string();
                    let line = self.line(a.range.start());
                    self.facts.imports.entry(full.clone()).or_insert(line);
                    match &a.asname {
                        Some(as_) => {
                            self.aliases.insert(as_.to_string(), full);
                        }
                        None => {
                            let root = full.split('.').next().unwrap_or(&full).to_string();
                            self.aliases.insert(root.clone(), root);
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.to_string()).unwrap_or_default();
                let module = if i.level > 0 {
                    format!("{}{module}", ".".repeat(i.level as usize))
                } else {
                    module
                };
                let line = self.line(i.range.start());
                self.facts.imports.entry(module.clone()).or_insert(line);
                for a in &i.names {
                    let full = format!("{module}.{}", a.name.as_str());
                    self.facts.imports.entry(full.clone()).or_insert(line);
                    let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                    if a.name.as_str() != "*" {
                        self.aliases.insert(local, full);
                    }
                }
            }
            Stmt::FunctionDef(f) => {
                for d in &f.decorator_list {
                    self.visit_expr(&d.expression);
                }
                for p in f.parameters.iter() {
                    if let Some(d) = p.default() {
                        self.visit_expr(d);
                    }
                }
                let saved = self.ctx;
                self.ctx = self.fn_ctx();
                self.scopes.push(Scope::default());
                let outer = self.scope.is_none() && self.scopes.len() == 2;
                if outer && self.nested.is_none() {
                    self.scope = Some(Arc::from(f.name.as_str()));
                }
                self.visit_body(&f.body);
                if outer && self.nested.is_none() {
                    self.scope = None;
                }
                let scope = self.scopes.pop().unwrap_or_default();
                self.ctx = saved;
                if scope.ret != 0 {
                    self.returns.insert(f.name.to_string(), scope.ret);
                }
                if !f.name.as_str().is_ascii() {
                    let line = self.line(f.range.start());
                    self.facts.non_ascii_idents.push((f.name.to_string(), line));
                }
            }
            Stmt::ClassDef(c) => {
                if !c.name.as_str().is_ascii() {
                    let line = self.line(c.range.start());
                    self.facts.non_ascii_idents.push((c.name.to_string(), line));
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    let t = self.expr(v);
                    if let Some(s) = self.scopes.last_mut() {
                        s.ret |= t;
                    }
                }
            }
            Stmt::Assign(a) => {
                let t = self.expr(&a.value);
                if let [Expr::Name(n)] = a.targets.as_slice() {
                    let mut atoms = Vec::new();
                    self.atoms(&a.value, &mut atoms, 0);
                    if let Some(s) = self.scopes.last_mut() {
                        s.atoms.insert(n.id.to_string(), atoms);
                    }
                }
                for target in &a.targets {
                    self.bind_target(target, t);
                    if a.targets.len() == 1 {
                        self.bind_const(target, &a.value);
                    }
                    if let (Expr::Name(n), Expr::Call(_)) = (target, &*a.value) {
                        let (ty, _) = self.obj_name(&a.value);
                        if let (Some(ty), Some(s)) = (ty, self.scopes.last_mut()) {
                            s.types.insert(n.id.to_string(), ty);
                        }
                    }
                    if let Expr::Name(n) = target {
                        if !n.id.as_str().is_ascii() {
                            let line = self.line(n.range.start());
                            self.facts.non_ascii_idents.push((n.id.to_string(), line));
                        }
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    let t = self.expr(v);
                    self.bind_target(&a.target, t);
                    self.bind_const(&a.target, v);
                }
            }
            Stmt::AugAssign(a) => {
                let t = self.expr(&a.value);
                if let Expr::Name(n) = &*a.target {
                    let id = n.id.to_string();
                    let old = self.var_taint(&id);
                    self.set_taint(&id, old | t);
                    // s = ""; s += "ab"; s += "cd": keep folding.
                    if a.op == ast::Operator::Add && !self.blocked.contains(&id) {
                        let add = self.fold(&a.value);
                        match (self.consts.get(&id).cloned(), add) {
                            (Some(old), Some(new)) => {
                                let joined = match (&old.value, &new.value) {
                                    (Value::Str(x), Value::Str(y))
                                        if x.len() + y.len() < decode::MAX_VALUE =>
                                    {
                                        Some(Value::Str(format!("{x}{y}")))
                                    }
                                    (Value::Bytes(x), Value::Bytes(y))
                                        if x.len() + y.len() < decode::MAX_VALUE =>
                                    {
                                        Some(Value::Bytes([x.as_slice(), y].concat()))
                                    }
                                    _ => None,
                                };
                                match joined {
                                    Some(v) => {
                                        let mut f = old.clone();
                                        f.value = v;
                                        f.obfuscated |= new.obfuscated;
                                        self.consts.insert(id, f);
                                    }
                                    None => {
                                        self.consts.remove(&id);
                                        self.blocked.insert(id);
                                    }
                                }
                            }
                            _ => {
                                self.consts.remove(&id);
                                self.blocked.insert(id);
                            }
                        }
                    }
                } else {
                    self.bind_target(&a.target, t);
                }
            }
            Stmt::For(f) => {
                // A decoding loop over constants: run it before the body's walk invalidates
                // its accumulators, and bind what it leaves once the walk is done.
                let looped = decode::fold_loop(stmt, &self.env());
                let t = self.expr(&f.iter);
                self.bind_target(&f.target, t);
                self.visit_body(&f.body);
                self.visit_body(&f.orelse);
                for (name, v) in looped {
                    self.blocked.remove(&name);
                    self.consts.insert(name, v);
                }
            }
            Stmt::With(w) => {
                for item in &w.items {
                    let t = self.expr(&item.context_expr);
                    if let Some(v) = &item.optional_vars {
                        self.bind_target(v, t);
                        if let (Expr::Name(n), Expr::Call(_)) = (&**v, &item.context_expr) {
                            let (ty, _) = self.obj_name(&item.context_expr);
                            if let (Some(ty), Some(s)) = (ty, self.scopes.last_mut()) {
                                s.types.insert(n.id.to_string(), ty);
                            }
                        }
                    }
                }
                self.visit_body(&w.body);
            }
            Stmt::If(i) if Self::is_main_guard(&i.test) => {
                let saved = self.ctx;
                if self.ctx == RunContext::Import {
                    self.ctx = RunContext::Function;
                }
                self.visit_body(&i.body);
                self.ctx = saved;
                for clause in &i.elif_else_clauses {
                    self.visit_body(&clause.body);
                }
            }
            // Bare string statements (docstrings, commented-out blocks) are documentation:
            // not recorded, so URLs and commands in them are never reported.
            Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)) => {}
            _ => visitor::walk_stmt(self, stmt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(src: &str) -> Vec<String> {
        collect(src, FileRole::Module)
            .calls
            .into_iter()
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn receiver_chains_resolve_through_calls_attributes_and_subscripts() {
        let names = calls("import socket\nsocket.socket().connect(('h', 1))\nx = d['k'].get()\n");
        assert!(
            names.contains(&"socket.socket().connect".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"socket.socket".to_string()), "{names:?}");
        assert!(names.contains(&"d[].get".to_string()), "{names:?}");
    }

    #[test]
    fn chains_up_to_the_bound_are_named_and_longer_ones_are_not() {
        let links = decode::MAX_NAME_LINKS;
        // `a.b.b...b()`: the callee has exactly `links` attribute links.
        let ok = calls(&format!("a{}()\n", ".b".repeat(links)));
        assert_eq!(ok[0], format!("a{}", ".b".repeat(links)));
        let long = calls(&format!("a{}()\n", ".b".repeat(links + 1)));
        assert_eq!(long[0], "?");
        // Refs of long attribute chains are bounded the same way.
        let f = collect(
            &format!("import os\nx = os{}\n", ".p".repeat(links + 5)),
            FileRole::Module,
        );
        assert!(
            f.refs.keys().all(|k| k.matches('.').count() <= links),
            "{:?}",
            f.refs.keys().map(|k| k.len()).max()
        );
        assert!(f.has_ref("os.p"));
    }

    #[test]
    fn long_call_chains_are_fast() {
        // On the inspection pool's stack size (the parser itself recurses on long chains).
        let run = || {
            let start = std::time::Instant::now();
            let f = collect(
                &format!("x = a{}\n", ".b()".repeat(20_000)),
                FileRole::Module,
            );
            assert!(!f.calls.is_empty());
            let f = collect(&format!("x = a{}\n", "()".repeat(20_000)), FileRole::Module);
            assert!(!f.calls.is_empty());
            start.elapsed()
        };
        let elapsed = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
        // Was tens of seconds (quadratic); now linear. Generous for slow debug builds.
        assert!(elapsed.as_secs() < 20, "{elapsed:?}");
    }
}
