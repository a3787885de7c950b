//! Which files one client loads together, so that rules can look across them.
//!
//! - Claude Code merges the user's servers (top level of `~/.claude.json`), a project's local
//!   servers (`projects.<dir>` there) and the project's `.mcp.json`; it reads approvals from
//!   `~/.claude/settings.json` (every project) and the project's `.claude/settings.json` and
//!   `.claude/settings.local.json`.
//! - VS Code merges the user `mcp.json` (and the `mcp` block of user `settings.json`) with a
//!   workspace's `.vscode/mcp.json` (and `.vscode/settings.json`).
//!
//! Other clients read one file at a time as far as mcpward knows: nothing of theirs is merged.

use std::path::{Path, PathBuf};

use mcpward_config::{ApprovalSwitch, ClientKind, ConfigFile, Scope, ServerEntry, SwitchEffect};

use crate::context::FileContext;

/// Where a server, or a setting, is in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Every project of the user. VS Code builds (`Code`, `Code - Insiders`) each have their own
    /// user directory, named here; Claude Code has one (`None`).
    User(Option<PathBuf>),
    /// One project directory.
    Project(PathBuf),
}

impl Reach {
    /// Both are loaded into the session of at least one project.
    pub fn meets(&self, other: &Reach) -> bool {
        match (self, other) {
            (Reach::User(a), Reach::User(b)) => a == b,
            (Reach::User(_), Reach::Project(_)) | (Reach::Project(_), Reach::User(_)) => true,
            (Reach::Project(a), Reach::Project(b)) => a == b,
        }
    }
}

/// Clients whose files are merged into one session.
pub(crate) fn merges_files(client: ClientKind) -> bool {
    matches!(client, ClientKind::ClaudeCode | ClientKind::VsCode)
}

/// Where `entry` of `file` is in force, for clients that merge files.
pub(crate) fn server_reach(file: &ConfigFile, entry: &ServerEntry) -> Option<Reach> {
    if !merges_files(file.client) {
        return None;
    }
    if let Some(dir) = &entry.project {
        return Some(Reach::Project(PathBuf::from(dir)));
    }
    Some(file_reach(file))
}

/// Where a setting of `file` is in force (Claude Code and VS Code).
pub(crate) fn switch_reach(file: &ConfigFile, switch: &ApprovalSwitch) -> Reach {
    match &switch.project {
        Some(dir) => Reach::Project(PathBuf::from(dir)),
        None => file_reach(file),
    }
}

fn file_reach(file: &ConfigFile) -> Reach {
    match (file.scope, file.client) {
        (Scope::User, ClientKind::VsCode) => Reach::User(file.path.parent().map(absolute)),
        (Scope::User, _) => Reach::User(None),
        (Scope::Project, _) => Reach::Project(project_dir(&file.path)),
    }
}

/// The project a project-scope file belongs to: `.mcp.json`'s own directory, the parent of
/// `.vscode/` or `.claude/`.
pub(crate) fn project_dir(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.ends_with(".vscode") || dir.ends_with(".claude") {
        dir.parent().unwrap_or(dir)
    } else {
        dir
    };
    absolute(dir)
}

fn absolute(dir: &Path) -> PathBuf {
    std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Claude Code never starts a `.mcp.json` server that a settings file in force for its project
/// rejects (`disabledMcpjsonServers`): mark it, so runtime rules treat it like a disabled entry.
pub(crate) fn apply_rejections(contexts: &mut [FileContext<'_>]) {
    let rejections: Vec<(Reach, String, String)> = contexts
        .iter()
        .filter(|cx| cx.file.client == ClientKind::ClaudeCode)
        .flat_map(|cx| {
            cx.file.switches.iter().filter_map(move |switch| {
                let SwitchEffect::RejectedProjectServers(names) = &switch.effect else {
                    return None;
                };
                let reach = switch_reach(cx.file, switch);
                let by = format!("`{}` in `{}`", switch.key.value, cx.file.path.display());
                Some(
                    names
                        .iter()
                        .map(move |n| (reach.clone(), n.value.clone(), by.clone())),
                )
            })
        })
        .flatten()
        .collect();
    if rejections.is_empty() {
        return;
    }
    for cx in contexts.iter_mut().filter(|cx| {
        cx.file.client == ClientKind::ClaudeCode
            && cx.file.path.file_name().is_some_and(|n| n == ".mcp.json")
    }) {
        let here = Reach::Project(project_dir(&cx.file.path));
        for server in &mut cx.servers {
            server.rejected_by = rejections
                .iter()
                .find(|(reach, name, _)| *name == server.entry.name && reach.meets(&here))
                .map(|(_, _, by)| by.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_level_meets_every_project_and_projects_only_themselves() {
        let user = Reach::User(None);
        let a = Reach::Project("/srv/a".into());
        let b = Reach::Project("/srv/b".into());
        assert!(user.meets(&a) && a.meets(&user));
        assert!(a.meets(&a.clone()));
        assert!(!a.meets(&b));
        let code = Reach::User(Some("/home/alice-example/.config/Code/User".into()));
        let insiders = Reach::User(Some(
            "/home/alice-example/.config/Code - Insiders/User".into(),
        ));
        assert!(!code.meets(&insiders), "two VS Code builds are two apps");
        assert!(code.meets(&a));
    }

    #[test]
    fn project_of_a_file_is_the_directory_above_its_client_folder() {
        assert_eq!(
            project_dir(Path::new("/srv/app/.vscode/mcp.json")),
            Path::new("/srv/app")
        );
        assert_eq!(
            project_dir(Path::new("/srv/app/.claude/settings.local.json")),
            Path::new("/srv/app")
        );
        assert_eq!(
            project_dir(Path::new("/srv/app/.mcp.json")),
            Path::new("/srv/app")
        );
    }
}
