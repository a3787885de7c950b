//! No input makes parsing or evaluation panic: arbitrary text, policy-shaped text, arbitrary
//! arguments and path strings.

mod support;

use std::path::{Path, PathBuf};

use mcpward_policy::{Call, Policy, ReadOnlyProof, ToolFacts, ToolKind, explain, knowledge};
use proptest::prelude::*;
use serde_json::Value;

const FULL: &str = r#"
[defaults]
mode = "read-only"
trusted_servers = ["a"]
[[rule]]
server = ["*", "x?"]
tool = ["*", "delete_*"]
when = { path = ["src/**", "/etc/**"], "a.b.0" = { regex = 'x+' }, n = { min = 1, max = 5 }, e = { exists = false }, q = { not = { equals = [1, "x"] } }, g = { glob = "h*" } }
action = "allow"
[[rule]]
tool = "*"
when = { paths = { not = "src/**" } }
action = "deny"
"#;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "(src|/etc|\\.\\.|\\.|~|/proj|[a-z]{0,3})(/(\\.\\.|\\.|[a-z*]{0,3})){0,5}"
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("path".to_owned()),
                    Just("paths".to_owned()),
                    Just("a".to_owned()),
                    Just("b".to_owned()),
                    Just("n".to_owned()),
                    "[a-z.]{0,4}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn fragments() -> impl Strategy<Value = String> {
    let pieces = prop::collection::vec(
        prop_oneof![
            Just("[defaults]\n".to_owned()),
            Just("[[rule]]\n".to_owned()),
            Just("[rule.when]\n".to_owned()),
            Just("tool = \"*\"\n".to_owned()),
            Just("action = \"deny\"\n".to_owned()),
            Just("mode = \"ask\"\n".to_owned()),
            Just("when = { path = { not = { not = \"**\" } } }\n".to_owned()),
            Just("path = { regex = \"(\" }\n".to_owned()),
            Just("max_frame_bytes = 99999999999999999999\n".to_owned()),
            Just("min = nan\n".to_owned()),
            "[a-z_\\[\\]{}=\"'., \\n0-9*?-]{0,20}",
        ],
        0..12,
    );
    pieces.prop_map(|p| p.concat())
}

proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(text in ".{0,200}") {
        let _ = Policy::parse(&text, Path::new("p.toml"));
    }

    #[test]
    fn parse_never_panics_on_policy_shaped_text(text in fragments()) {
        if let Err(e) = Policy::parse(&text, Path::new("p.toml")) {
            let _ = e.to_string();
        }
    }

    #[test]
    fn evaluate_and_explain_never_panic(args in json_value(), tool in "[a-z_*]{0,8}", tainted in any::<bool>(), root in prop_oneof![Just(None), Just(Some("/proj")), Just(Some("rel/dir")), Just(Some("/"))], schema in proptest::option::of(json_value())) {
        let policy = support::policy(FULL);
        let facts = ToolFacts {
            kind: ToolKind::Unknown,
            read_only: ReadOnlyProof::HintOnly,
            session_tainted: tainted,
            roots: root.map(PathBuf::from).into_iter().collect(),
            input_schema: schema.map(std::sync::Arc::new),
        };
        let call = Call { server: "xy", tool: &tool, arguments: &args, facts: &facts };
        let d = policy.evaluate(&call);
        let e = explain(&policy, &call);
        prop_assert_eq!(&e.decision, &d);
        let _ = e.to_string();
        let _ = d.rule_label();
    }

    #[test]
    fn knowledge_never_panics(name in ".{0,40}", description in proptest::option::of(".{0,80}")) {
        let _ = knowledge::classify(&name, description.as_deref(), None);
        let _ = knowledge::reads_untrusted(&name, None);
        let _ = knowledge::curated_read_only(&name, &name, &name);
    }
}
