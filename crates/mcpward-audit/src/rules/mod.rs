//! The rule registry. Each rule lives in its own file with its id, docs, check and tests;
//! adding a rule is one file plus one line in the `registry!` list below.

use mcpward_core::{Finding, RuleMeta};

use crate::context::FileContext;

pub mod broad_filesystem_root;
pub mod client_auto_approve;
pub mod config_parse_error;
pub mod credential_rotation_overdue;
pub mod dangerous_combination;
pub mod deprecated_package;
pub mod exec_capable_server;
pub mod hardcoded_secret;
pub mod insecure_transport;
pub mod inspect_failed;
pub mod invalid_server_entry;
pub mod overbroad_credential;
pub mod package_lookup_failed;
pub mod package_without_repository;
pub mod secret_file_permissions;
pub mod secret_in_git_history;
pub mod secret_in_tracked_file;
pub mod servers_not_loaded;
pub mod stale_package;
pub mod unknown_mcp_process;
pub mod unpinned_package;
pub mod unreviewed_publisher;
pub mod write_without_read_only;

/// A rule's check; its documentation is the `META` beside it, listed in [`METAS`] in the same order.
pub(crate) struct Rule {
    pub check: fn(&FileContext<'_>, &mut Vec<Finding>),
}

/// A check over all the files of one audit: for what one client merges from several files.
pub(crate) type AcrossFiles = fn(&[FileContext<'_>], &mut Vec<Finding>);

/// Checks that look across files; they run after every file's own checks.
pub(crate) static ACROSS_FILES: &[AcrossFiles] = &[
    dangerous_combination::check_across_files,
    client_auto_approve::check_switches,
];

macro_rules! registry {
    ($($m:ident),* $(,)?) => {
        pub(crate) static REGISTRY: &[Rule] = &[$(Rule { check: $m::check }),*];
        pub(crate) static METAS: &[&RuleMeta] = &[$(&$m::META),*];
    };
}

// Documentation order: configuration problems, secrets, capabilities, client settings,
// transport, supply chain.
registry!(
    config_parse_error,
    invalid_server_entry,
    servers_not_loaded,
    hardcoded_secret,
    overbroad_credential,
    secret_in_tracked_file,
    secret_file_permissions,
    credential_rotation_overdue,
    broad_filesystem_root,
    exec_capable_server,
    dangerous_combination,
    write_without_read_only,
    client_auto_approve,
    insecure_transport,
    unpinned_package,
    unreviewed_publisher,
    stale_package,
    package_without_repository,
    deprecated_package,
    package_lookup_failed,
    secret_in_git_history,
    unknown_mcp_process,
    inspect_failed,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case_and_match_their_file() {
        let mut seen = std::collections::BTreeSet::new();
        for m in METAS {
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') && !m.id.starts_with('-'),
                "{} is not kebab-case",
                m.id
            );
        }
        assert_eq!(REGISTRY.len(), METAS.len());
    }

    #[test]
    fn every_rule_has_complete_docs() {
        for m in METAS {
            for (part, text) in [
                ("summary", m.summary),
                ("what", m.what),
                ("why", m.why),
                ("example_bad", m.example_bad),
                ("example_fixed", m.example_fixed),
            ] {
                assert!(text.trim().len() > 10, "{}: {part} is missing", m.id);
            }
            assert_ne!(
                m.example_bad.trim(),
                m.example_fixed.trim(),
                "{}: examples are identical",
                m.id
            );
        }
    }

    #[test]
    fn rules_markdown_documents_every_rule() {
        let md = crate::rules_markdown();
        for m in METAS {
            assert!(
                md.contains(&format!("\n## {}\n", m.id)),
                "{} missing from docs",
                m.id
            );
            assert_eq!(crate::rule(m.id).map(|r| r.id), Some(m.id));
        }
        assert!(crate::rule("no-such-rule").is_none());
    }
}
