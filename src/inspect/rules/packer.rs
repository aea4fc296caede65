//! packer: code that hides itself — pyarmor runtimes, huge encoded blobs, homoglyph
//! identifiers, and statements pushed off-screen by long runs of whitespace.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::{Emitter, FileCx, FileKind};

pub static INFO: RuleInfo = RuleInfo {
    id: "packer",
    severity: Severity::Medium,
    summary: "Code is packed or hidden (pyarmor, huge encoded blobs, homoglyphs, off-screen code)",
    help: "Reports signs that code is hidden from review: pyarmor runtimes (__pyarmor__, \
           pytransform), a single encoded string literal over 10 KB (encoding alphabet, long \
           unbroken runs, hex or high entropy: plain word lists are not blobs), identifiers mixing Latin \
           with look-alike Cyrillic or Greek letters, and a statement placed after 150 or more \
           spaces on a line so it is off-screen in editors and diffs. Commercial packages \
           sometimes ship pyarmor-protected code (medium); homoglyph identifiers and off-screen \
           code are high.",
};

fn script_of(c: char) -> u8 {
    match c as u32 {
        0x41..=0x5a | 0x61..=0x7a | 0xc0..=0x24f => 1,
        0x370..=0x3ff => 2,
        0x400..=0x52f => 3,
        _ => 0,
    }
}

/// Greek and Cyrillic letters that look like Latin ones (`е` U+0435, `Ν` U+039D...): only
/// these make a mixed identifier a homoglyph; `ΔN` or `αx` in scientific code are not.
fn looks_latin(c: char) -> bool {
    const LOOK_LATIN: &str = "АВЕКМНОРСТХаеорсухіјѕІЈЅԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧονϲϳ";
    LOOK_LATIN.contains(c)
}

/// Mixes Latin letters with Greek or Cyrillic ones in one identifier.
pub fn mixed_script(ident: &str) -> bool {
    let mut seen = 0u8;
    let mut lookalike = false;
    for c in ident.chars() {
        let s = script_of(c);
        if s != 0 {
            seen |= 1 << s;
        }
        lookalike |= s >= 2 && looks_latin(c);
    }
    seen & 0b10 != 0 && seen & 0b1100 != 0 && lookalike
}

/// Shannon entropy of `b` in bits per byte.
fn entropy(b: &[u8]) -> f64 {
    let mut counts = [0usize; 256];
    for &x in b {
        counts[x as usize] += 1;
    }
    let n = b.len().max(1) as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether a long literal looks like an encoded blob (base64, base32, hex) rather than plain
/// text or a word list: only the encoding alphabet, long runs without whitespace (encoders
/// wrap at 64-76 columns or not at all), and either the hex alphabet or the high entropy of
/// encoded bytes. Word lists of identifiers (pygments' csound `OPCODES`) share the alphabet
/// but are short tokens.
pub fn looks_encoded(sample: &[u8]) -> bool {
    let alphabet = sample
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"+/=_-\r\n".contains(b));
    if !alphabet {
        return false;
    }
    let tokens: Vec<&[u8]> = sample
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let letters: usize = tokens.iter().map(|t| t.len()).sum();
    if tokens.is_empty() || letters / tokens.len() < 32 {
        return false;
    }
    let dense: Vec<u8> = tokens.concat();
    let hex = dense.iter().all(|b| b.is_ascii_hexdigit());
    hex || entropy(&dense) >= 4.5
}

/// Whether `text` has a run of at least `len` spaces and tabs. Any such run covers a multiple
/// of `len`, so only those offsets are looked at, and widened to their run.
fn has_blank_run(text: &str, len: usize) -> bool {
    let b = text.as_bytes();
    let blank = |x: &u8| *x == b' ' || *x == b'\t';
    let mut p = len.saturating_sub(1);
    while p < b.len() {
        if blank(&b[p]) {
            let before = b[..p].iter().rev().take_while(|x| blank(x)).count();
            let after = b[p..].iter().take_while(|x| blank(x)).count();
            if before + after >= len {
                return true;
            }
            p += after;
        }
        p += len;
    }
    false
}

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    // Hidden code in a test file (pylint's homoglyph tests, a long matrix literal) never runs
    // by installing or importing.
    let hidden_sev = if cx.role == crate::inspect::context::FileRole::Test {
        Severity::Low
    } else {
        Severity::High
    };
    if let Some(facts) = cx.facts {
        if let Some(line) = facts
            .ref_line(&["__pyarmor__", "pytransform", "pyarmor_runtime"])
            .or_else(|| facts.imports_any(&["pytransform", "pyarmor_runtime"]))
        {
            out.emit(
                &INFO,
                Severity::Medium,
                Confidence::High,
                line,
                "pyarmor-protected code: the real code cannot be reviewed",
                None,
            );
        }
        for s in &facts.strings {
            if s.text.len() > 10 * 1024 && s.decoded_via.is_none() {
                let sample = &s.text.as_bytes()[..4096.min(s.text.len())];
                if looks_encoded(sample) {
                    out.emit(
                        &INFO,
                        s.ctx
                            .pick(Severity::Medium, Severity::Low)
                            .max(Severity::Low),
                        Confidence::Medium,
                        s.line,
                        format!(
                            "{} KB encoded blob in one string literal",
                            s.text.len() / 1024
                        ),
                        None,
                    );
                }
            }
        }
        for (ident, line) in &facts.non_ascii_idents {
            if mixed_script(ident) {
                out.emit(
                    &INFO,
                    hidden_sev,
                    Confidence::Medium,
                    *line,
                    format!("identifier `{ident}` mixes Latin with look-alike letters"),
                    None,
                );
            }
        }
    }
    // Off-screen code needs a run of 150 blanks: most files have none, and need no line scan.
    if matches!(cx.kind, FileKind::Python | FileKind::Pth)
        && cx.text.is_some_and(|t| has_blank_run(t, 150))
    {
        for (n, line) in cx.text_lines() {
            if line.len() < 160 {
                continue;
            }
            // A run of 150+ spaces/tabs followed by code (not a comment) after other code.
            let bytes = line.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] == b' ' || bytes[i] == b'\t' {
                    let start = i;
                    while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
                        i += 1;
                    }
                    let rest = line[i..].trim();
                    if i - start >= 150
                        && start > 0
                        && !rest.is_empty()
                        && !rest.starts_with('#')
                        && !line[..start].trim().is_empty()
                        && (rest.starts_with(';') || rest.contains('('))
                    {
                        out.emit(
                            &INFO,
                            hidden_sev,
                            Confidence::Medium,
                            n,
                            "code hidden after a long run of whitespace",
                            Some(rest),
                        );
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mixed_script;
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn hidden_code_and_homoglyphs() {
        let src = format!("x = 1{};__import__('os').system('id')\n", " ".repeat(200));
        assert_eq!(worst("packer", "pkg/a.py", &src), Some(Severity::High));
        assert!(mixed_script("requ\u{0435}sts"));
        assert!(!mixed_script("données"));
        assert!(!mixed_script("переменная"));
        // Greek letters in scientific names do not look Latin.
        assert!(!mixed_script("ΔN"));
        assert!(mixed_script("\u{039d}ame"));
        let homo = "def g\u{0435}t():\n    pass\n";
        assert_eq!(worst("packer", "pkg/a.py", homo), Some(Severity::High));
    }

    #[test]
    fn blank_runs_are_found_at_any_offset() {
        use super::has_blank_run;
        // The reference: the longest run of spaces and tabs.
        let longest = |t: &str| {
            t.split(|c| c != ' ' && c != '\t')
                .map(str::len)
                .max()
                .unwrap_or(0)
        };
        for lead in 0..310 {
            for len in [0, 1, 149, 150, 151, 299, 300, 450] {
                for blank in [" ", "\t", " \t"] {
                    let run: String = blank.repeat(len).chars().take(len).collect();
                    let t = format!("{}{run}x = 1\n  y\n", "a".repeat(lead));
                    assert_eq!(has_blank_run(&t, 150), longest(&t) >= 150, "{lead} {len}");
                }
            }
        }
        let two_short = format!("a{}b{}c", " ".repeat(149), " ".repeat(149));
        assert!(!has_blank_run(&two_short, 150));
        assert!(!has_blank_run("", 150));
        assert!(has_blank_run(&" ".repeat(150), 150));
    }

    #[test]
    fn pyarmor_and_blob() {
        let src = "from pytransform import pyarmor_runtime\npyarmor_runtime()\n__pyarmor__(__name__, __file__, b'x')\n";
        assert_eq!(worst("packer", "pkg/a.py", src), Some(Severity::Medium));
        let plain = format!("X = '{}'\n", "a b ".repeat(4000));
        assert_eq!(worst("packer", "pkg/a.py", &plain), None);
        let aligned = format!("x = 1{}# comment\n", " ".repeat(200));
        assert_eq!(worst("packer", "pkg/a.py", &aligned), None);
    }

    #[test]
    fn csound_opcode_word_list_is_not_an_encoded_blob() {
        let words: String = (0..1500)
            .map(|i| format!("ATSadd{}\nATSbufread\nATSinterpread\nvco2init\n", i % 7))
            .collect();
        let src = format!("OPCODES = set('''\n{words}'''.split())\n");
        assert!(src.len() > 10 * 1024);
        assert_eq!(
            worst("packer", "pygments/lexers/_csound_builtins.py", &src),
            None
        );
    }

    #[test]
    fn wrapped_base64_and_hex_blobs_are_still_encoded() {
        use base64::Engine;
        // Pseudo-random bytes, base64-wrapped at 76 columns and as one hex line.
        let mut x: u32 = 0x1234_5678;
        let bytes: Vec<u8> = (0..12_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x & 0xff) as u8
            })
            .collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        let wrapped: String = b64
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
            .collect();
        let src = format!("BLOB = '''\n{wrapped}'''\n");
        assert_eq!(
            worst("packer", "pkg/__init__.py", &src),
            Some(Severity::Medium)
        );
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert!(super::looks_encoded(hex.as_bytes()));
        assert!(!super::looks_encoded(b"hello world this is text"));
        // base32 of text sits near 4.8 bits per symbol, under base64's ~5.5.
        let b32 = "JBSWY3DPEBLW64TMMQQGC3TEEBWW64TFEB2GK6DUEBUGK4TFEBTG64RAORSXG5DJNZTSA5DINFZSA4DBMNVWK4RAMFXGIIDTN5WWKIDNN5ZGKIDXN5ZGI4ZAORXSAYTFEBSW4Y3PMRSWIIDBNZSCA2DJMRSGK3RAMJ4SA5DIMUQGK3TDN5SGK4RA";
        assert!(super::looks_encoded(b32.as_bytes()));
    }
}
