//! bundled-executable: native executables (ELF, PE, Mach-O) where they do not belong — in
//! sdists, in pure-Python wheels, or disguised under a non-binary extension.

use crate::finding::RuleInfo;
use crate::finding::{Confidence, Severity};
use crate::inspect::context::FileRole;
use crate::inspect::{Emitter, FileCx, FileKind};
use crate::package::ArtifactKind;

pub static INFO: RuleInfo = RuleInfo {
    id: "bundled-executable",
    severity: Severity::Medium,
    summary: "A native executable is disguised or bundled where it does not belong",
    help: "Detects ELF, PE and Mach-O files by their magic numbers and grades them by how honest \
           their name is. A binary hidden under a text, image, data or source extension (.py, \
           .txt, .png, .dat, .json...) or with no extension at all is high outside test folders: \
           that is how droppers smuggle payloads (extension-less tools in platform wheels are info). A binary whose extension says what it is \
           (.exe, .dll, .so, .dylib, .pyd...) is info in a platform wheel (compiled extensions \
           and vendored libraries are not reported at all) and low in an sdist or a pure-Python \
           wheel, where it cannot be rebuilt from the reviewed source but is in plain sight \
           (setuptools' and distlib's Windows launcher templates cli-64.exe, t64.exe, w64.exe \
           are the common case). Binaries in test, example and documentation folders are test \
           data (info; low when named like text, images or source).",
};

const BINARY_EXT: &[&str] = &[
    ".so", ".pyd", ".dll", ".dylib", ".exe", ".bin", ".node", ".a", ".o", ".lib", ".sys", ".elf",
    ".out",
    // GPU code objects, ELF by design: CUDA cubins and fat binaries, ROCm/HIP code objects.
    ".cubin", ".fatbin", ".co", ".hsaco",
];

pub fn check(cx: &FileCx<'_>, out: &mut Emitter<'_>) {
    let FileKind::Binary(format) = cx.kind else {
        return;
    };
    let lower = cx.path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    // The extension honestly says "native binary" (`libfoo.so.1` included).
    let honest = BINARY_EXT.iter().any(|e| name.ends_with(e)) || name.contains(".so.");
    let platform_wheel = cx.artifact.kind == ArtifactKind::Wheel && !cx.artifact.pure_wheel;
    let test_data = cx.role == FileRole::Test;
    let (sev, msg) = if !honest {
        // In a platform wheel an extension-less executable is a console tool compiled for
        // that platform (`.data/scripts/tool`, `pkg/bin/tool`).
        let wheel_script = platform_wheel && !name.contains('.');
        let sev = if test_data {
            // Test fixtures (packaging's `tests/manylinux/hello-world-*`) are often bare
            // binaries; one named like text or an image is still odd.
            if name.contains('.') {
                Severity::Low
            } else {
                Severity::Info
            }
        } else if wheel_script {
            Severity::Info
        } else if !name.contains('.')
            && crate::inspect::context::in_vendored_sources(cx.path, cx.artifact.kind)
        {
            // A build product left in another project's vendored sources (lupa's
            // `third-party/luajit/src/host/minilua`): an sdist does not install it as it is.
            Severity::Medium
        } else {
            Severity::High
        };
        let msg = if name.contains('.') {
            format!("{} executable disguised as `{name}`", format.label())
        } else {
            format!(
                "{} executable `{name}` without an extension",
                format.label()
            )
        };
        (sev, msg)
    } else if test_data {
        (
            Severity::Info,
            format!("{} binary `{name}` in test data", format.label()),
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
    } else {
        let where_ = if cx.artifact.pure_wheel {
            "a pure-Python wheel"
        } else {
            "a source distribution"
        };
        (
            Severity::Low,
            format!("{} binary `{name}` shipped in {where_}", format.label()),
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
    fn bare_build_products_in_vendored_sdist_sources_are_medium() {
        assert_eq!(
            worst(
                "x-1.0.tar.gz",
                "x-1.0/third-party/luajit/src/host/minilua",
                &elf()
            ),
            Some(Severity::Medium)
        );
        // Disguised as text there, or bare in the project's own tree, it stays high.
        assert_eq!(
            worst("x-1.0.tar.gz", "x-1.0/third-party/luajit/notes.txt", &elf()),
            Some(Severity::High)
        );
        assert_eq!(
            worst("x-1.0.tar.gz", "x-1.0/x/minilua", &elf()),
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
            Some(Severity::Low)
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

    fn pe() -> Vec<u8> {
        let mut pe = b"MZ".to_vec();
        pe.resize(0x80, 0);
        pe[0x3c] = 0x40;
        pe[0x40..0x44].copy_from_slice(b"PE\0\0");
        pe
    }

    #[test]
    fn setuptools_and_distlib_launchers_in_sdists_are_low() {
        for path in [
            "setuptools-75.6.0/setuptools/cli-64.exe",
            "setuptools-75.6.0/setuptools/gui-arm64.exe",
            "distlib-0.3.9/distlib/t64.exe",
            "pip-24.3.1/src/pip/_vendor/distlib/w64-arm.exe",
        ] {
            let sdist = format!("{}.tar.gz", path.split('/').next().unwrap_or_default());
            assert_eq!(worst(&sdist, path, &pe()), Some(Severity::Low), "{path}");
        }
    }

    #[test]
    fn packaging_and_wheel_test_binaries_are_info() {
        assert_eq!(
            worst(
                "packaging-24.2.tar.gz",
                "packaging-24.2/tests/manylinux/hello-world-x86_64-amd64",
                &elf()
            ),
            Some(Severity::Info)
        );
        let mut macho = b"\xcf\xfa\xed\xfe".to_vec();
        macho.resize(64, 0);
        assert_eq!(
            worst(
                "wheel-0.45.1.tar.gz",
                "wheel-0.45.1/tests/testdata/macosx_minimal_system_version/libb.dylib",
                &macho
            ),
            Some(Severity::Info)
        );
        // Disguised test data is still worth a low line.
        assert_eq!(
            worst("x-1.0.tar.gz", "x-1.0/tests/data/input.txt", &elf()),
            Some(Severity::Low)
        );
    }

    #[test]
    fn extensionless_or_data_named_binary_outside_tests_is_high() {
        assert_eq!(
            worst("x-1.0.tar.gz", "x-1.0/x/helper", &elf()),
            Some(Severity::High)
        );
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", "x/blob.dat", &pe()),
            Some(Severity::High)
        );
        assert_eq!(
            worst("x-1.0-py3-none-any.whl", "x/_ext.py", &elf()),
            Some(Severity::High)
        );
    }
}
