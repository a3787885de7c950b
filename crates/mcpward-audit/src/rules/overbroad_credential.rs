//! `overbroad-credential`: a credential type that grants far more than a server needs.

use mcpward_core::{Finding, RuleMeta, Severity};

use crate::context::FileContext;

pub static META: RuleMeta = RuleMeta {
    id: "overbroad-credential",
    default_severity: Severity::High,
    summary: "A credential type that grants much more than the server needs.",
    what: "A literal credential of a type known to be broader than a server needs: a classic \
GitHub token (`ghp_…`, every repository the user can reach), a Stripe secret key (`sk_live_…`, \
the whole account), a Slack user token (`xoxp-…`, acts as the person), long-lived AWS access keys \
(`AKIA…`), and similar. The finding names the narrower form to use instead.",
    why: "An MCP server is driven by a model that reads untrusted text. Whatever the credential \
allows, a prompt injection can ask for. A fine-grained token limited to one repository and \
read-only permissions turns a full compromise into a contained one.",
    example_bad: r#"{ "mcpServers": { "stripe": { "command": "npx", "args": ["-y", "@stripe/mcp@0.2.4", "--tools=all", "--api-key=sk_live_XXXXXXXXXXXXXXXXXXXXXXXX"] } } }"#,
    example_fixed: r#"{ "mcpServers": { "stripe": { "command": "npx", "args": ["-y", "@stripe/mcp@0.2.4", "--tools=customers.read"], "env": { "STRIPE_SECRET_KEY": "${STRIPE_RESTRICTED_KEY}" } } } }"#,
};

pub(crate) fn check(cx: &FileContext<'_>, out: &mut Vec<Finding>) {
    for server in &cx.servers {
        for s in &server.secrets {
            let Some(narrower) = s.narrower else { continue };
            out.push(
                cx.finding(
                    &META,
                    Some(server.entry),
                    s.span,
                    format!(
                        "`{}` ({}, {}) grants much more than an MCP server needs",
                        s.masked, s.provider, s.kind
                    ),
                )
                .mask(s.file_range.clone())
                .fix(format!("replace it with {narrower}")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::test_support::{Builder, fake_ghp, fake_github_pat, run};
    use mcpward_config::ClientKind;

    fn with_token(token: &str) -> Vec<Finding> {
        let src = format!(r#"{{"t": "{token}"}}"#);
        let file = Builder::new(ClientKind::ClaudeDesktop, &src)
            .stdio("github", "npx", &[])
            .env("GITHUB_TOKEN", token)
            .build();
        run(check, &file)
    }

    #[test]
    fn reports_classic_github_token_and_names_fine_grained_form() {
        let f = with_token(&fake_ghp());
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].fix.as_deref().unwrap().contains("github_pat_"));
        assert!(!f[0].message.contains(&fake_ghp()));
    }

    #[test]
    fn accepts_fine_grained_token() {
        assert!(with_token(&fake_github_pat()).is_empty());
    }
}
