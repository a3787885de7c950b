//! `mcpward check --install` / `--uninstall`: the Claude Code `PreToolUse` hook written into (or
//! removed from) a settings file, with the same care as `wrap`: a diff, a question, a backup in
//! the state directory, and an edit that keeps every other byte.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use mcpward_gateway::hook::install::{self, HookEdit};
use mcpward_gateway::wrap::{self, WrapPlan};

use super::check::Args;

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let path = settings_path(args)?;
    let exists = path.exists();
    let source = if exists {
        std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?
    } else {
        String::new()
    };
    let edit = if args.install {
        install::install(&source, &hook_command(args)?)
    } else {
        install::uninstall(&source)
    }
    .with_context(|| format!("{}", path.display()))?;
    let mut out = anstream::stdout();
    let shown = path.display().to_string();
    let new_text = match edit {
        HookEdit::Unchanged => {
            let state = if args.install {
                "already runs mcpward check"
            } else {
                "has no mcpward hook"
            };
            writeln!(out, "{shown} {state}; nothing to do")?;
            return Ok(ExitCode::SUCCESS);
        }
        HookEdit::Write(text) => text,
    };
    let diff = similar::TextDiff::from_lines(&source, &new_text);
    write!(
        out,
        "{}",
        diff.unified_diff().context_radius(2).header(&shown, &shown)
    )?;
    if !args.yes && !super::wrap::confirm(&format!("Write these changes to {shown}?"))? {
        writeln!(out, "nothing written")?;
        return Ok(ExitCode::from(1));
    }
    if exists {
        let plan = WrapPlan {
            new_text,
            changes: Vec::new(),
            skipped: Vec::new(),
            routes: Vec::new(),
        };
        let backups = mcpward_gateway::queue::default_state_dir().join("backups");
        let backup = wrap::apply(&path, &source, &plan, &backups)?;
        writeln!(
            out,
            "wrote {shown}; the previous version is in {}",
            backup.display()
        )?;
    } else {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {shown}"))?;
        f.write_all(new_text.as_bytes())
            .and_then(|()| f.sync_all())
            .with_context(|| format!("cannot write {shown}"))?;
        writeln!(out, "wrote {shown}")?;
    }
    let verb = if args.install {
        "Claude Code now asks mcpward before every MCP tool call"
    } else {
        "mcpward's hook is removed"
    };
    writeln!(out, "{verb}; restart Claude Code to apply")?;
    Ok(ExitCode::SUCCESS)
}

fn settings_path(args: &Args) -> anyhow::Result<PathBuf> {
    if let Some(p) = &args.settings {
        return Ok(p.clone());
    }
    if args.project {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        return Ok(cwd.join(".claude").join("settings.json"));
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .context("cannot find the home directory (HOME is not set); pass --settings FILE")?;
    Ok(home.join(".claude").join("settings.json"))
}

/// `mcpward check [--policy ABS]`: `mcpward` from PATH (project settings travel to teammates,
/// and the user's own should survive an upgrade), which must resolve here.
fn hook_command(args: &Args) -> anyhow::Result<String> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("mcpward").is_file()))
        .unwrap_or(false);
    let program = if on_path {
        "mcpward".to_owned()
    } else if args.project {
        bail!(
            "project settings are shared with others, so the hook should run `mcpward` from PATH, but `mcpward` is not on PATH here; install it (cargo install --path crates/mcpward) first"
        );
    } else {
        shell_word(
            &std::env::current_exe()
                .and_then(|p| p.canonicalize())
                .context("cannot tell where this mcpward executable is")?
                .to_string_lossy(),
        )
    };
    let mut command = format!("{program} check");
    if let Some(policy) = &args.policy {
        let policy = std::path::absolute(policy)
            .with_context(|| format!("cannot resolve {}", policy.display()))?;
        command.push_str(" --policy ");
        command.push_str(&shell_word(&policy.to_string_lossy()));
    }
    Ok(command)
}

/// `word` quoted for the shell Claude Code runs hook commands with, when it needs quoting.
fn shell_word(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
