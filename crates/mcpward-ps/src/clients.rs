//! Known MCP clients, recognised by their process name.

use crate::Process;

/// The client a process is, by its program name (`argv[0]` base name or the kernel's `comm`).
pub fn client_of(p: &Process) -> Option<&'static str> {
    let argv0 = p.argv.first().map(String::as_str).unwrap_or("");
    if argv0.contains("Claude.app") || p.comm == "Claude" {
        return Some("Claude Desktop");
    }
    let base = argv0.rsplit(['/', '\\']).next().unwrap_or(argv0);
    let base = base
        .strip_suffix(".exe")
        .unwrap_or(base)
        .to_ascii_lowercase();
    // Node-based CLIs run as `node /…/claude` or `node /…/@anthropic-ai/claude-code/cli.js`.
    let script = p
        .argv
        .get(1)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let by_name = |name: &str| -> Option<&'static str> {
        Some(match name {
            "claude" => "Claude Code",
            "claude-desktop" => "Claude Desktop",
            "cursor" => "Cursor",
            "code" | "code-insiders" | "codium" | "code - insiders" | "code helper" => "VS Code",
            "windsurf" => "Windsurf",
            "zed" | "zed-editor" | "zeditor" => "Zed",
            "goose" | "goosed" => "Goose",
            "codex" => "Codex",
            "gemini" => "Gemini CLI",
            "lm studio" | "lm-studio" => "LM Studio",
            _ => return None,
        })
    };
    if let Some(c) = by_name(&base).or_else(|| by_name(&p.comm.to_ascii_lowercase())) {
        return Some(c);
    }
    if base == "node" || base == "bun" {
        if script.contains("@anthropic-ai/claude-code") || script.ends_with("/claude") {
            return Some("Claude Code");
        }
        if script.contains("@google/gemini-cli") || script.ends_with("/gemini") {
            return Some("Gemini CLI");
        }
        if script.contains("@openai/codex") || script.ends_with("/codex") {
            return Some("Codex");
        }
    }
    None
}
