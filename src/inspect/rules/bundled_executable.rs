//! bundled-executable: native executables (ELF, PE, Mach-O) where they do not belong — in
//! sdists, in pure-Python wheels, or disguised under a non-binary extension.

use crate::catalog::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::{Emitter, FileCx, FileKind};
use crate::package::ArtifactKind;

pub static INFO: RuleInfo = RuleInfo {
    id: "bundled-executable",
    severity: Severity::Medium,
    summary: "A native executable is bundled where it does not belong or is disguised",
    help: "Detects ELF, PE and Mach-O files by their magic numbers. They are normal in platform \
           wheels (compiled extensions and vendored libraries), which are not reported. In an \
           sdist or a pure-Python (`none-any`) wheel a native binary cannot be rebuilt from the \
           source you review (medium; Windows launcher .exe files in pure wheels are low). A \
           binary hidden under a text, image or source extension (.py, .txt, .png, .json...) \
           is high anywhere: that is how droppers smuggle payloads.",
};

const BINARY_EXT: &[&str] = &[
    ".so", ".pyd", ".dll", ".dylib", ".exe", ".bin", ".node", ".a", ".o", ".lib", ".sys", ".elf",
    ".out",
];
const DISGUISE_EXT: &[&str] = &[
    ".py", ".pyw", ".pyi", ".txt", ".md", ".rst", ".json", ".yaml", ".yml", ".toml", ".cfg",
    ".ini", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".bmp", ".css", ".js", ".html",
    ".htm", ".csv", ".xml", ".pth", ".typed", ".log", ".pdf", ".wav", ".mp3", ".ttf", ".woff",
];

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let FileKind::Binary(format) = cx.kind else {
        return;
    };
    let lower = cx.path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let binary_ext = BINARY_EXT.iter().any(|e| name.ends_with(e)) || name.contains(".so.");
    let disguised = DISGUISE_EXT.iter().any(|e| name.ends_with(e));
    let platform_wheel = cx.artifact.kind == ArtifactKind::Wheel && !cx.artifact.pure_wheel;
    let (sev, msg) = if disguised {
        (
            Severity::High,
            format!("{} executable disguised as `{name}`", format.label()),
        )
    } else if platform_wheel {
        // Compiled extensions and vendored libraries are what platform wheels are for; a
        // stand-alone executable is worth an info line.
        let library = [".so", ".pyd", ".dll", ".dylib", ".a", ".lib", ".o"]
            .iter()
            .any(|e| name.ends_with(e))
            || name.contains(".so.");
        if library {
            return;
        }
        (
            Severity::Info,
            format!("{} executable `{name}` in a platform wheel", format.label()),
        )
    } else if cx.artifact.pure_wheel && name.ends_with(".exe") {
        (
            Severity::Low,
            format!(
                "{} executable `{name}` in a pure-Python wheel (launcher?)",
                format.label()
            ),
        )
    } else if binary_ext || !name.contains('.') {
        let where_ = if cx.artifact.pure_wheel {
            "a pure-Python wheel"
        } else {
            "a source distribution"
        };
        (
            Severity::Medium,
            format!("{} binary `{name}` shipped in {where_}", format.label()),
        )
    } else {
        (
            Severity::High,
            format!(
                "{} executable with unexpected extension `{name}`",
                format.label()
            ),
        )
    };
    out.emit(&INFO, sev, Confidence::High, 0, msg, None);
}

#[cfg(test)]
mod tests {
    use crate::finding::Severity;
    use crate::inspect::rules::testutil::artifact;

    fn elf() -> Vec<u8> {
        let mut v = b"\x7fELF\x02\x01\x01".to_vec();
        v.resize(64, 0);
        v
    }

    fn worst(filename: &str, path: &str, data: &[u8]) -> Option<Severity> {
        let a = artifact(filename, &[(path, data)]);
        crate::inspect::inspect(&a, &Default::default())
            .into_iter()
            .filter(|f| f.rule == "bundled-executable")
            .map(|f| f.severity)
            .max()
    }

    #[test]
    fn disguised_binary_is_high_everywhere() {
        assert_eq!(
            worst(
                "x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                "x/logo.png",
                &elf()
            ),
            Some(Severity::High)
        );
        assert_eq!(
            worst("x-1.0.tar.gz", "x-1.0/x/data.txt", &elf()),
            Some(Severity::High)
        );
    }

    #[test]
    fn platform_wheel_extension_is_fine() {
        assert_eq!(
            worst(
                "x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                "x/_core.cpython-312-x86_64-linux-gnu.so",
                &elf()
            ),
            None
        );
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", "x/_core.so", &elf()),
            Some(Severity::Medium)
        );
        assert_eq!(
            worst(
                "x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
                "x-1.0.data/scripts/tool",
                &elf()
            ),
            Some(Severity::Info)
        );
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", "x/readme.txt", b"hello"),
            None
        );
    }

    #[test]
    fn pe_needs_pe_header() {
        let mut pe = b"MZ".to_vec();
        pe.resize(0x80, 0);
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", "x/cli-64.exe", &pe),
            Some(Severity::Low)
        );
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", "x/notes.txt", b"MZ but just text"),
            None
        );
    }
}
