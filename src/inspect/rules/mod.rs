//! One file per rule: its detector (`check`), its documentation (`INFO`) and its unit tests.
//! Rules read the facts of the one parse (`FileCx::facts`) or the raw text, and report through
//! the `Emitter`.

pub mod anti_analysis;
pub mod bundled_executable;
pub mod clipboard_hijack;
pub mod credential_exfiltration;
pub mod cryptominer;
pub mod destructive_operation;
pub mod download_execute;
pub mod dynamic_import_obfuscation;
pub mod exec_decoded;
pub mod hidden_process_window;
pub mod install_hook_network;
pub mod install_hook_process;
pub mod keylogger;
pub mod obfuscated_url;
pub mod packer;
pub mod persistence;
pub mod pth_exec;
pub mod remote_code_execution;
pub mod reverse_shell;
pub mod runtime_pip_install;
pub mod screen_capture;
pub mod shell_downloader;
pub mod steganography;
pub mod suspicious_destination;

#[cfg(test)]
pub(crate) mod testutil {
    //! Build an artifact by hand and run the engine over it.
    use crate::archive::{ArchiveContents, ArchiveEntry};
    use crate::finding::{Finding, Severity};
    use crate::package::ArtifactKind;

    pub fn artifact(filename: &str, files: &[(&str, &[u8])]) -> ArchiveContents {
        ArchiveContents {
            filename: filename.to_string(),
            kind: ArtifactKind::from_filename(filename),
            entries: files
                .iter()
                .map(|(p, d)| ArchiveEntry {
                    path: p.to_string(),
                    data: d.to_vec().into(),
                })
                .collect(),
            findings: Vec::new(),
            metadata: None,
        }
    }

    /// Findings of `rule` for one file in a pure wheel (or an sdist when the path is
    /// `pkg-1.0/...`).
    pub fn scan(rule: &str, path: &str, src: &str) -> Vec<Finding> {
        let filename = if path.starts_with("pkg-1.0/") {
            "pkg-1.0.tar.gz"
        } else {
            "pkg-1.0-py3-none-any.whl"
        };
        let a = artifact(filename, &[(path, src.as_bytes())]);
        crate::inspect::inspect(&a, &Default::default())
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect()
    }

    /// Worst severity `rule` reports for one file.
    pub fn worst(rule: &str, path: &str, src: &str) -> Option<Severity> {
        scan(rule, path, src).iter().map(|f| f.severity).max()
    }
}
