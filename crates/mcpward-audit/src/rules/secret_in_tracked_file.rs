//! `secret-in-tracked-file`: a config with a literal secret is committed, or about to be.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "secret-in-tracked-file",
    default_severity: Severity::Critical,
    summary: "A config holding a literal secret is tracked by git (rotate now) or not ignored.",
    what: "A configuration file that contains at least one literal secret and is either in the \
git index (tracked: critical) or inside a git work tree without an ignore rule covering it (high: \
one `git add .` away from being committed).",
    why: "A committed secret is in the history of every clone, fork and CI cache, and pushing it \
to a public remote exposes it to scanners within minutes. Removing the line later does not remove \
it from history: the only safe response is to rotate the secret.",
    example_bad: r#"$ git ls-files .mcp.json
.mcp.json                      # contains "GITHUB_TOKEN": "ghp_…""#,
    example_fixed: r#"# .mcp.json (committed) uses a reference:
{ "mcpServers": { "github": { "command": "github-mcp-server", "args": ["stdio"], "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}" } } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    let facts = cx.facts;
    if !facts.in_git_repo || (facts.ignored && !facts.tracked) {
        return;
    }
    let secrets: Vec<_> = cx.all_secrets().collect();
    let Some(first) = secrets.first() else { return };
    let path = cx.file.path.display();
    let mut f = if facts.tracked {
        cx.finding(
            &META,
            None,
            first.span,
            format!("{path} is tracked by git and holds {} literal secret(s) such as `{}`: rotate them now", secrets.len(), first.masked),
        )
        .fix(format!(
            "rotate every secret in this file, replace them with references, then `git rm --cached {path}` or commit the fixed file; the old values stay in git history"
        ))
    } else {
        cx.finding(
            &META,
            None,
            first.span,
            format!("{path} holds {} literal secret(s) such as `{}` inside a git work tree and no ignore rule covers it", secrets.len(), first.masked),
        )
        .severity(Severity::High)
        .fix(format!("add `{path}` to .gitignore (or move the secrets to references) before it is committed"))
    };
    for s in &secrets {
        f = f.mask(s.file_range.clone());
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::PackageFacts;
    use crate::context::test_support::{Builder, fake_ghp, run_with};
    use crate::facts::FileFacts;
    use mcpward_config::{ClientKind, ConfigFile};

    fn file_with_secret(secret: Option<&str>) -> ConfigFile {
        let value = secret
            .map(str::to_string)
            .unwrap_or_else(|| "${GITHUB_TOKEN}".into());
        let src = format!(r#"{{"t": "{value}"}}"#);
        Builder::new(ClientKind::ClaudeCode, &src)
            .stdio("github", "npx", &[])
            .env("GITHUB_TOKEN", &value)
            .build()
    }

    fn facts(in_git_repo: bool, tracked: bool, ignored: bool) -> FileFacts {
        FileFacts {
            in_git_repo,
            tracked,
            ignored,
            world_or_group_readable: false,
        }
    }

    #[test]
    fn tracked_file_with_secret_is_critical_rotate_now() {
        let f = run_with(
            check,
            &file_with_secret(Some(&fake_ghp())),
            facts(true, true, false),
            &PackageFacts::new(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
        assert!(f[0].message.contains("rotate"));
        assert!(!f[0].masked.is_empty());
    }

    #[test]
    fn untracked_unignored_file_is_high() {
        let f = run_with(
            check,
            &file_with_secret(Some(&fake_ghp())),
            facts(true, false, false),
            &PackageFacts::new(),
        );
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].fix.as_deref().unwrap().contains(".gitignore"));
    }

    #[test]
    fn ignored_file_or_reference_or_no_repo_is_fine() {
        let none = PackageFacts::new();
        assert!(
            run_with(
                check,
                &file_with_secret(Some(&fake_ghp())),
                facts(true, false, true),
                &none
            )
            .is_empty()
        );
        assert!(
            run_with(
                check,
                &file_with_secret(Some(&fake_ghp())),
                facts(false, false, false),
                &none
            )
            .is_empty()
        );
        assert!(
            run_with(
                check,
                &file_with_secret(None),
                facts(true, true, false),
                &none
            )
            .is_empty()
        );
    }

    #[test]
    fn finds_tracked_secret_in_a_real_repository() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .args(args)
                .current_dir(dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !git(&["init", "-q"]) {
            return; // no git on this machine
        }
        let mut file = file_with_secret(Some(&fake_ghp()));
        file.path = dir.path().join(".mcp.json");
        std::fs::write(&file.path, &file.source).unwrap();
        assert!(git(&["add", ".mcp.json"]));
        let f = run_with(
            check,
            &file,
            FileFacts::gather(&file.path),
            &PackageFacts::new(),
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].severity, Severity::Critical);
    }
}
