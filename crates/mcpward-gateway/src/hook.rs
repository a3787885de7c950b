//! `mcpward check`: the Claude Code `PreToolUse` hook. Claude Code runs it before every tool call
//! with the event as JSON on stdin; for MCP tools we answer with the policy's decision, so the
//! same policy guards servers that are not wrapped by `mcpward run`.
//!
//! Input (fields we read): `{"hook_event_name":"PreToolUse","tool_name":"mcp__<server>__<tool>",
//! "tool_input":{…},"cwd":"…","session_id":"…"}`. Output on stdout, exit code 0:
//!
//! ```json
//! {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"…"}}
//! ```
//!
//! * A tool whose name does not start with `mcp__` (Bash, Edit…) gets no opinion: no output,
//!   exit 0, and Claude Code's own permissions apply.
//! * Input that is not a `PreToolUse` event we can read is denied with the reason (fail closed).
//!   Claude Code only reads the JSON when the exit code is 0, so every answer, denials included,
//!   exits 0; a non-zero exit other than 2 would let the call through.
//! * Claude Code joins server and tool with `__`, and both may contain `__` themselves, so
//!   `mcp__a__b__c` is ambiguous. Every split is evaluated and the strictest decision wins
//!   (deny over ask over allow): an ambiguity can only make the answer stricter.

use std::path::{Path, PathBuf};

use mcpward_policy::{Action, Call, Decision, Policy, ToolFacts, knowledge};
use serde_json::{Value, json};

/// More server/tool readings than this are refused rather than evaluated one by one.
const MAX_READINGS: usize = 32;

/// The `permissionDecision` values Claude Code accepts from a `PreToolUse` hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookDecision {
    Allow,
    Deny,
    Ask,
}

impl HookDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            HookDecision::Allow => "allow",
            HookDecision::Deny => "deny",
            HookDecision::Ask => "ask",
        }
    }

    fn strictness(self) -> u8 {
        match self {
            HookDecision::Allow => 0,
            HookDecision::Ask => 1,
            HookDecision::Deny => 2,
        }
    }
}

impl From<Action> for HookDecision {
    fn from(a: Action) -> Self {
        match a {
            Action::Allow => HookDecision::Allow,
            Action::Deny => HookDecision::Deny,
            Action::Ask => HookDecision::Ask,
        }
    }
}

/// What `mcpward check` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookOutput {
    /// Not an MCP tool: print nothing, exit 0.
    NoOpinion,
    Decision {
        decision: HookDecision,
        /// Shown to the person for `ask`, to the model for `deny`.
        reason: String,
    },
}

impl HookOutput {
    /// A denial for input or setup that could not be understood (fail closed).
    pub fn deny(reason: impl Into<String>) -> HookOutput {
        HookOutput::Decision {
            decision: HookDecision::Deny,
            reason: reason.into(),
        }
    }

    /// The JSON line to print on stdout, if any.
    pub fn to_json(&self) -> Option<String> {
        match self {
            HookOutput::NoOpinion => None,
            HookOutput::Decision { decision, reason } => Some(
                json!({
                    "hookSpecificOutput": {
                        "hookEventName": "PreToolUse",
                        "permissionDecision": decision.as_str(),
                        "permissionDecisionReason": reason,
                    }
                })
                .to_string(),
            ),
        }
    }

    /// Exit code: always 0, because Claude Code ignores the JSON of a non-zero exit.
    pub fn exit_code(&self) -> u8 {
        0
    }
}

/// Decides one `PreToolUse` event (the raw stdin text) with `policy`. Never panics; input that
/// cannot be read is denied.
pub fn decide(event_json: &str, policy: &Policy) -> HookOutput {
    decide_with_home(event_json, policy, dirs::home_dir().as_deref())
}

/// [`decide`], reading the user-level Claude Code config (`.claude.json`) under `home`.
pub fn decide_with_home(event_json: &str, policy: &Policy, home: Option<&Path>) -> HookOutput {
    let event: Value = match serde_json::from_str(event_json) {
        Ok(v) => v,
        Err(e) => {
            return HookOutput::deny(format!(
                "mcpward check: the hook input is not valid JSON ({e}); check the hook command in Claude Code's settings"
            ));
        }
    };
    let Some(obj) = event.as_object() else {
        return HookOutput::deny("mcpward check: the hook input is not a JSON object");
    };
    let Some(tool_name) = obj.get("tool_name").and_then(Value::as_str) else {
        return HookOutput::deny("mcpward check: the hook input has no `tool_name` string");
    };
    let Some(rest) = tool_name.strip_prefix("mcp__") else {
        return HookOutput::NoOpinion;
    };
    match obj.get("hook_event_name").and_then(Value::as_str) {
        Some("PreToolUse") | None => {}
        Some(other) => {
            return HookOutput::deny(format!(
                "mcpward check answers PreToolUse events, not `{other}`; register it under \"PreToolUse\" in Claude Code's hooks"
            ));
        }
    }
    let null = Value::Null;
    let arguments = obj.get("tool_input").unwrap_or(&null);
    let cwd: Option<PathBuf> = obj
        .get("cwd")
        .and_then(Value::as_str)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());

    let splits = splits(rest);
    if splits.len() > MAX_READINGS {
        return HookOutput::deny(format!(
            "mcpward check: `{}…` has more than {MAX_READINGS} `__` separators; no real tool name does",
            tool_name.chars().take(60).collect::<String>()
        ));
    }
    if splits.is_empty() {
        return HookOutput::deny(format!(
            "mcpward check: cannot tell server from tool in `{tool_name}` (expected mcp__<server>__<tool>)"
        ));
    }
    let mut strictest: Option<(HookDecision, String)> = None;
    for (server, tool) in &splits {
        // What Claude Code starts under this name: the launch identity (for curated knowledge)
        // and the directories the server was given (where its relative paths resolve).
        let known = ConfiguredServer::find(server, cwd.as_deref(), home);
        let mut roots: Vec<PathBuf> = known.roots.clone();
        if let Some(cwd) = &cwd
            && !roots.contains(cwd)
        {
            roots.push(cwd.clone());
        }
        let roots = crate::paths::canonical_roots(&roots);
        let package = known.identity.as_ref().map(|i| i.key());
        let mut decision = evaluate(policy, server, tool, package, arguments, &roots);
        // Relative paths are judged as resolved against every root, symlinks followed; the
        // strictest decision applies.
        for first in 0..roots.len().max(1) {
            let mut order = roots.clone();
            if first > 0 {
                order.swap(0, first);
                let other = evaluate(policy, server, tool, package, arguments, &order);
                decision = crate::paths::stricter(decision, other);
            }
            for reading in crate::paths::readings(arguments, &order) {
                let other = evaluate(policy, server, tool, package, &reading, &order);
                decision = crate::paths::stricter(decision, other);
            }
        }
        let mut hd = HookDecision::from(decision.action);
        // Relative path rules mean "under the server's root"; with no root known (no cwd in
        // the event, none in the config) they cannot be judged, so an allow becomes a question.
        if hd == HookDecision::Allow
            && roots.is_empty()
            && policy.rules.iter().any(|r| !r.when.is_empty())
            && has_path_like_string(arguments)
        {
            hd = HookDecision::Ask;
            decision.reason = format!(
                "{}; but mcpward cannot tell which directory the server resolves paths against (the event has no cwd and no Claude Code config lists the server's roots), so a person decides",
                decision.reason
            );
        }
        if strictest
            .as_ref()
            .is_none_or(|(d, _)| hd.strictness() > d.strictness())
        {
            let label = decision.rule_label();
            let mut reason = format!("mcpward: {}", decision.reason);
            if !decision.reason.contains(&label) {
                reason.push_str(&format!(" [{label}]"));
            }
            reason.push_str(&format!(" (server `{server}`, tool `{tool}`)"));
            if splits.len() > 1 {
                reason.push_str(&format!(
                    "; `{tool_name}` can be read {} ways, the strictest decision applies",
                    splits.len()
                ));
            }
            strictest = Some((hd, reason));
        }
    }
    match strictest {
        Some((decision, reason)) => HookOutput::Decision { decision, reason },
        None => HookOutput::deny("mcpward check: no decision"),
    }
}

/// Whether any string in `value` looks like a path (has a `/` or starts with `~` or `.`).
fn has_path_like_string(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('/') || s.starts_with(['~', '.']),
        Value::Array(items) => items.iter().any(has_path_like_string),
        Value::Object(map) => map.values().any(has_path_like_string),
        _ => false,
    }
}

/// A server as the Claude Code configs that apply to a directory define it.
#[derive(Debug, Default)]
pub struct ConfiguredServer {
    /// The package its launch runs, when every entry of that name agrees on one.
    pub identity: Option<crate::identity::LaunchIdentity>,
    /// Directories among its launch arguments, resolved as the server will.
    pub roots: Vec<PathBuf>,
}

impl ConfiguredServer {
    /// Looks `name` up in the project's `.mcp.json` (in `cwd` or the nearest directory above it
    /// that has one) and in `home`'s `.claude.json` (user servers and those of the project
    /// `cwd`). The name only indexes the user's own configuration; what is known about the
    /// server comes from the command line found there.
    pub fn find(name: &str, cwd: Option<&Path>, home: Option<&Path>) -> ConfiguredServer {
        use mcpward_config::launch::Launch;
        use mcpward_config::{ClientKind, Scope};
        let mut files = Vec::new();
        if let Some(project) =
            cwd.and_then(|c| c.ancestors().find(|d| d.join(".mcp.json").is_file()))
        {
            files.push((
                project.join(".mcp.json"),
                Scope::Project,
                project.to_path_buf(),
            ));
        }
        if let Some(home) = home {
            let base = cwd.unwrap_or(home).to_path_buf();
            files.push((home.join(".claude.json"), Scope::User, base));
        }
        let mut identities = Vec::new();
        let mut roots = Vec::new();
        for (path, scope, base) in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let file = mcpward_config::parse_file(&path, text, ClientKind::ClaudeCode, scope);
            for entry in file.servers.iter().filter(|e| e.name == name) {
                // Servers of another project in ~/.claude.json are not this session's.
                if let (Some(project), Some(cwd)) = (&entry.project, cwd)
                    && Path::new(project) != cwd
                {
                    continue;
                }
                let launch = Launch::of(entry);
                let command = entry
                    .command
                    .as_ref()
                    .map(|c| std::ffi::OsString::from(&c.value));
                let args: Vec<std::ffi::OsString> =
                    entry.args.iter().map(|a| (&a.value).into()).collect();
                identities.push(command.and_then(|c| crate::identity::launch_identity(&c, &args)));
                let server_args: Vec<std::ffi::OsString> = launch
                    .server_args
                    .iter()
                    .map(|a| (&a.value).into())
                    .collect();
                let base = entry
                    .cwd
                    .as_ref()
                    .map(|c| base.join(&c.value))
                    .unwrap_or_else(|| base.clone());
                roots.extend(crate::paths::launch_roots(&server_args, &base));
            }
        }
        let identity = match identities.split_first() {
            Some((first, rest)) if rest.iter().all(|i| i == first) => first.clone(),
            _ => None,
        };
        ConfiguredServer { identity, roots }
    }
}

fn evaluate(
    policy: &Policy,
    server: &str,
    tool: &str,
    package: Option<(&str, &str)>,
    arguments: &Value,
    roots: &[PathBuf],
) -> Decision {
    let facts = ToolFacts {
        kind: knowledge::classify(tool, None, None),
        read_only: knowledge::read_only_proof(
            package,
            tool,
            None,
            policy.defaults.trusts(server),
            false,
        ),
        session_tainted: false,
        roots: roots.to_vec(),
        input_schema: None,
    };
    policy.evaluate(&Call {
        server,
        tool,
        arguments,
        facts: &facts,
    })
}

/// Every `(server, tool)` reading of `<server>__<tool>` with both parts non-empty. Separators
/// may overlap (`a___b` reads as `a` + `_b` and as `a_` + `b`).
fn splits(rest: &str) -> Vec<(&str, &str)> {
    (0..rest.len())
        .filter(|&i| rest.as_bytes()[i..].starts_with(b"__"))
        .filter_map(|i| {
            let (server, tool) = (rest.get(..i)?, rest.get(i + 2..)?);
            (!server.is_empty() && !tool.is_empty()).then_some((server, tool))
        })
        .collect()
}

pub mod install;

#[cfg(test)]
mod tests;
