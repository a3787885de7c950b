//! `annotation-mismatch`: annotations that claim a tool is read-only while everything else about
//! it says it writes, deletes, runs or sends (or the reverse).

use mcpward_core::{Finding, RuleMeta, Severity};
use mcpward_policy::knowledge::claimed_capabilities;
use serde_json::Value;

use super::Context;
use crate::excerpt::escape;

pub static META: RuleMeta = RuleMeta {
    id: "annotation-mismatch",
    default_severity: Severity::Medium,
    summary: "A tool's annotations contradict what its name, description and schema say it does.",
    what: "The capability classes of each tool (read, write, destructive, exec, network, send, \
payment, credential-access) come from mcpward's one tool classifier, the same the gateway and \
`audit` use, applied to the name, description and input schema. A tool annotated \
`readOnlyHint: true` that looks like it writes, deletes, runs commands, sends or pays is reported \
at medium; one annotated `destructiveHint: true` or `readOnlyHint: false` that looks read-only is \
reported at low (it errs on the safe side, but the annotations are wrong).",
    why: "Clients and policies treat `readOnlyHint` as a reason to skip approval. A server that \
labels a deleting tool read-only gets its calls through unreviewed; annotations are the server's \
own claims, and this check is where they meet the evidence.",
    example_bad: "{\"name\": \"delete_branch\", \"annotations\": {\"readOnlyHint\": true}}",
    example_fixed: "{\"name\": \"delete_branch\", \"annotations\": {\"readOnlyHint\": false, \"destructiveHint\": true}}",
};

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) {
    for (index, tool) in cx.defs.tools.iter().enumerate() {
        let Some(name) = tool.get("name").and_then(Value::as_str) else {
            continue;
        };
        let Some(annotations) = tool.get("annotations") else {
            continue;
        };
        let hint = |k: &str| annotations.get(k).and_then(Value::as_bool);
        let claimed = claimed_capabilities(
            name,
            tool.get("description").and_then(Value::as_str),
            tool.get("inputSchema"),
        );
        let pointer = format!("/tools/{index}/annotations");
        if hint("readOnlyHint") == Some(true) && claimed.is_effectful() {
            let effects: Vec<&str> = claimed
                .iter()
                .filter(|c| c.is_effectful())
                .map(|c| c.as_str())
                .collect();
            out.push(
                cx.finding(&META, format!("tool `{}` is annotated read-only but looks {} by its name, description or schema", escape(name), effects.join(", ")), &pointer)
                    .severity(Severity::Medium)
                    .fix("treat the tool as effectful (policy `ask`), and report the annotation to the server's maintainers"),
            );
        } else if (hint("destructiveHint") == Some(true) || hint("readOnlyHint") == Some(false))
            && !claimed.is_empty()
            && !claimed.is_effectful()
        {
            out.push(
                cx.finding(
                    &META,
                    format!(
                        "tool `{}` is annotated as changing things but looks read-only ({claimed})",
                        escape(name)
                    ),
                    &pointer,
                )
                .severity(Severity::Low),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use mcpward_core::Severity;
    use serde_json::json;

    use crate::testing::findings_of;

    #[test]
    fn flags_read_only_claim_on_a_deleting_tool() {
        let f = findings_of(
            super::META.id,
            json!({"tools": [{"name": "delete_branch", "annotations": {"readOnlyHint": true}}]}),
        );
        assert_eq!(f[0].severity, Severity::Medium);
    }

    #[test]
    fn honest_annotations_are_fine() {
        let f = findings_of(
            super::META.id,
            json!({"tools": [
            {"name": "read_file", "annotations": {"readOnlyHint": true}},
            {"name": "delete_file", "annotations": {"readOnlyHint": false, "destructiveHint": true}}]}),
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn destructive_claim_on_a_reader_is_low() {
        let f = findings_of(
            super::META.id,
            json!({"tools": [{"name": "list_files", "annotations": {"destructiveHint": true}}]}),
        );
        assert_eq!(f[0].severity, Severity::Low);
    }
}
