//! `secret-file-permissions`: a config with a literal secret is readable by other users.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "secret-file-permissions",
    default_severity: Severity::High,
    summary: "A config holding a literal secret is readable by group or other users.",
    what: "On Unix, a configuration file containing at least one literal secret whose mode grants \
read access to the group or to everyone (`mode & 0o044 != 0`, e.g. the default `0644`).",
    why: "Any other account on the machine (shared servers, CI runners, a compromised service \
user) can read the secret without any exploit. Clients create these files with the default \
umask, so most of them are world-readable.",
    example_bad: r#"$ ls -l ~/.cursor/mcp.json
-rw-r--r--  1 me  staff  512 mcp.json     # holds a literal token"#,
    example_fixed: r#"$ chmod 600 ~/.cursor/mcp.json
-rw-------  1 me  staff  512 mcp.json     # better: replace the token with ${env:TOKEN}"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    if !cx.facts.world_or_group_readable {
        return;
    }
    let secrets: Vec<_> = cx.all_secrets().collect();
    let Some(first) = secrets.first() else { return };
    let path = cx.file.path.display();
    let mut f = cx
        .finding(
            &META,
            None,
            first.span,
            format!(
                "{path} is readable by other users and holds {} literal secret(s) such as `{}`",
                secrets.len(),
                first.masked
            ),
        )
        .fix(format!(
            "run `chmod 600 {path}`, and replace the secrets with references"
        ));
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
    use mcpward_config::ClientKind;

    fn readable(r: bool) -> FileFacts {
        FileFacts {
            world_or_group_readable: r,
            ..FileFacts::default()
        }
    }

    #[test]
    fn reports_readable_file_with_secret() {
        let t = fake_ghp();
        let file = Builder::new(ClientKind::Cursor, &format!("\"{t}\""))
            .stdio("g", "npx", &[])
            .env("GITHUB_TOKEN", &t)
            .build();
        let f = run_with(check, &file, readable(true), &PackageFacts::new());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].fix.as_deref().unwrap().contains("chmod 600"));
    }

    #[test]
    fn accepts_private_file_or_file_without_secrets() {
        let t = fake_ghp();
        let file = Builder::new(ClientKind::Cursor, &format!("\"{t}\""))
            .stdio("g", "npx", &[])
            .env("GITHUB_TOKEN", &t)
            .build();
        assert!(run_with(check, &file, readable(false), &PackageFacts::new()).is_empty());
        let clean = Builder::new(ClientKind::Cursor, "{}")
            .stdio("g", "npx", &[])
            .env("GITHUB_TOKEN", "${env:GITHUB_TOKEN}")
            .build();
        assert!(run_with(check, &clean, readable(true), &PackageFacts::new()).is_empty());
    }
}
