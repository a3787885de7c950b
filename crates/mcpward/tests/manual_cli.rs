//! Completion scripts and the man page come from the clap definitions.

use std::process::Command;

fn mcpward(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mcpward"))
        .args(args)
        .output()
        .expect("mcpward runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8"),
    )
}

#[test]
fn completions_for_every_shell_name_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, text) = mcpward(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for sub in ["audit", "run", "wrap", "completions", "man"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(
            text.contains("--history"),
            "{shell} completion lacks audit's flags"
        );
    }
}

#[test]
fn bash_completion_is_valid_bash() {
    let (_, text) = mcpward(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mcpward.bash");
    std::fs::write(&script, text).unwrap();
    let status = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let (code, _) = mcpward(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn man_page_is_roff_naming_the_commands() {
    let (code, text) = mcpward(&["man"]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(".ie") || text.contains(".TH mcpward"),
        "{}",
        &text[..200.min(text.len())]
    );
    assert!(text.contains(".TH mcpward"));
    for sub in ["audit", "run", "completions"] {
        assert!(text.contains(sub), "man page lacks {sub}");
    }
}
