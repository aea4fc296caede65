//! `-o FILE` writes reports atomically to regular files, and never replaces what is not one.
//! Regression: `-o /dev/null` once renamed a temporary file over /dev/null (as root, that broke
//! the machine's /dev/null). The tests use a FIFO and a symlink instead of real device files.

mod support;

use std::process::Command;

fn rules_json_to(out: &std::path::Path) -> std::process::Output {
    support::Sandbox::new()
        .pyvet()
        .args(["rules", "--format", "json", "-o"])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn output_to_a_fifo_writes_through_instead_of_replacing_it() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = support::tempdir();
    let dir = tmp.path();
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = rules_json_to(&fifo);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Checked before joining: had the FIFO been replaced, the reader would wait forever.
    assert!(
        std::fs::metadata(&fifo).unwrap().file_type().is_fifo(),
        "the FIFO was replaced"
    );
    let text = reader.join().unwrap();
    assert!(text.contains("\"hash-mismatch\""), "{text}");
}

#[test]
fn output_through_a_symlink_keeps_the_link() {
    let tmp = support::tempdir();
    let dir = tmp.path();
    let target = dir.join("real.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.join("report.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = rules_json_to(&link);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(&target)
        .unwrap()
        .contains("\"hash-mismatch\""));
}

#[test]
fn output_to_a_new_file_leaves_no_temporary_files() {
    let tmp = support::tempdir();
    let dir = tmp.path();
    let file = dir.join("sub").join("report.json");
    let out = rules_json_to(&file);
    assert!(out.status.success());
    let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["report.json"]);
}
