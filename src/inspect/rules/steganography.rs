//! steganography: payloads read out of image pixels (LSBs, `getdata()`) and executed.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::IMAGE;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "steganography",
    severity: Severity::Critical,
    summary: "Data hidden in image pixels is decoded and executed",
    help: "Reports code where pixel data (Image.getdata(), getpixel(), LSB extraction) flows \
           into exec/eval/compile or a process, and steganography helper libraries (stegano, \
           lsb.reveal) whose output is executed. Image-processing libraries read pixels all the \
           time; executing what is read from them is what hides a payload inside an innocent \
           looking picture. Critical at install or import time, high otherwise.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    let stego_lib = facts
        .imports_any(&["stegano", "steganography", "stegpy", "lsb"])
        .is_some();
    for c in &facts.calls {
        let sink = c.is_code_exec() || c.is_process();
        if !sink {
            continue;
        }
        let from_pixels = c.arg_taint() & IMAGE != 0;
        let from_lib = stego_lib
            && facts
                .calls
                .iter()
                .any(|r| r.method() == "reveal" || r.name.contains("decode_text"));
        if from_pixels || from_lib && c.ctx.is_automatic() {
            out.emit(
                &INFO,
                c.ctx.pick(Severity::Critical, Severity::High),
                Confidence::Medium,
                c.line,
                format!("data extracted from image pixels reaches `{}`", c.name),
                c.note.as_deref(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn lsb_exec() {
        let src = "from PIL import Image\npx = Image.open('logo.png').getdata()\nbits = ''.join(str(p[0] & 1) for p in px)\ncode = bytes(int(bits[i:i+8], 2) for i in range(0, len(bits), 8))\nexec(code)\n";
        assert_eq!(
            worst("steganography", "pkg/__init__.py", src),
            Some(Severity::Critical)
        );
    }

    #[test]
    fn image_processing_is_fine() {
        let src = "from PIL import Image\ndef mean(p):\n    d = Image.open(p).getdata()\n    return sum(x[0] for x in d) / len(d)\n";
        assert_eq!(worst("steganography", "pkg/a.py", src), None);
    }
}
