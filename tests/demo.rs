//! The quick start's first command, `pyvet demo`: a real offline audit over the embedded demo
//! project. It must block the planted packages for the right reasons, pass the benign one, and
//! leave nothing behind.

mod support;

use support::Sandbox;

fn demo(args: &[&str]) -> std::process::Output {
    Sandbox::new()
        .pyvet()
        .arg("demo")
        .args(args)
        .output()
        .expect("run pyvet demo")
}

#[test]
fn demo_blocks_the_planted_packages_for_the_right_reasons() {
    let out = demo(&["--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let pkg = |name: &str| {
        r["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone()
    };
    let rules = |name: &str| -> Vec<String> {
        pkg(name)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(pkg("tinyhttp")["verdict"], "pass");
    assert_eq!(pkg("colorsama")["verdict"], "fail");
    for rule in [
        "typosquat",
        "credential-exfiltration",
        "install-hook-network",
        "obfuscated-url",
    ] {
        assert!(
            rules("colorsama").contains(&rule.to_string()),
            "colorsama lacks {rule}: {:?}",
            rules("colorsama")
        );
    }
    assert_eq!(pkg("helperkit")["verdict"], "fail");
    for rule in ["pth-exec", "exec-decoded", "remote-code-execution"] {
        assert!(
            rules("helperkit").contains(&rule.to_string()),
            "helperkit lacks {rule}"
        );
    }
    assert_eq!(pkg("oldparse")["verdict"], "fail");
    assert!(rules("oldparse").contains(&"known-vulnerability".to_string()));
    // Every selected artifact was verified against the lockfile's hash.
    for p in r["packages"].as_array().unwrap() {
        for a in p["artifacts"].as_array().unwrap() {
            assert_eq!(a["status"], "verified", "{}", a["filename"]);
        }
    }
    // The decoded webhook is shown as evidence.
    let evidence: String = pkg("colorsama")["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["evidence"].as_str())
        .collect();
    assert!(evidence.contains("discord.com/api/webhooks"), "{evidence}");
}

#[test]
fn demo_table_is_readable_and_leaves_no_temporary_files() {
    let sb = Sandbox::new();
    let out = sb.pyvet().arg("demo").output().expect("run pyvet demo");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("helperkit") && text.contains("fail"),
        "{text}"
    );
    assert!(text.contains("blocked"), "{text}");
    // The demo's scratch cache lives under TMPDIR and is gone afterwards; nothing else was
    // written either (the demo never touches the configured cache).
    sb.assert_clean();
    assert!(support::list_files(&sb.cache()).is_empty());
}
