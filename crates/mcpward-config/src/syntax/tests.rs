use super::*;

fn text<'a>(source: &'a str, node: &Node) -> &'a str {
    &source[node.span.range()]
}

#[test]
fn json_string_spans_cover_content_without_quotes() {
    let src = "{\n  \"command\": \"npx\"\n}";
    let root = parse(src, Format::Json).unwrap();
    let (key, value) = root.get_entry("command").unwrap();
    assert_eq!((key.span.line, key.span.col), (2, 4));
    assert_eq!(&src[key.span.range()], "command");
    assert_eq!((value.span.line, value.span.col), (2, 15));
    assert_eq!(text(src, value), "npx");
}

#[test]
fn json_numbers_keep_their_source_text() {
    let root = parse(r#"{"a": 1.50e3, "b": [true, null]}"#, Format::Json).unwrap();
    assert_eq!(root.get("a").unwrap().value, Value::Number("1.50e3".into()));
    let b = root.get("b").unwrap().as_array().unwrap();
    assert_eq!(b[0].value, Value::Bool(true));
    assert_eq!(b[1].value, Value::Null);
}

#[test]
fn strict_json_rejects_comments_that_jsonc_accepts() {
    let src = "{\n  // note\n  \"a\": 1,\n}";
    let err = parse(src, Format::Json).unwrap_err();
    assert_eq!(err.span.line, 2);
    assert!(err.message.contains("Comments"), "{}", err.message);
    assert!(parse(src, Format::Jsonc).is_ok());
}

#[test]
fn json_syntax_error_has_line_and_column() {
    let src = "{\n  \"a\": \"x\"\n  \"b\": 2\n}";
    let err = parse(src, Format::Json).unwrap_err();
    // jsonc-parser reports a missing comma right after the value that needed one.
    assert_eq!((err.span.line, err.span.col), (2, 11), "{err:?}");
}

#[test]
fn empty_json_is_a_problem_not_a_panic() {
    assert!(parse("", Format::Json).is_err());
    assert!(parse("   ", Format::Jsonc).is_err());
}

#[test]
fn spans_count_columns_in_characters_after_non_ascii_text() {
    let src = "{\"é\": \"ü\", \"k\": \"v\"}";
    let root = parse(src, Format::Json).unwrap();
    let v = root.get("k").unwrap();
    assert_eq!(text(src, v), "v");
    assert_eq!(v.span.col, 18);
}

#[test]
fn duplicate_keys_keep_the_last_and_report_the_first() {
    let src = "{\"s\": {\"a\": 1, \"a\": 2}}";
    let root = parse(src, Format::Json).unwrap();
    assert_eq!(
        root.get("s").unwrap().get("a").unwrap().value,
        Value::Number("2".into())
    );
    assert_eq!(root.get("s").unwrap().members().len(), 1);
    let problems = duplicate_keys(&root);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].span.col, 9);
    assert!(problems[0].message.contains("duplicate key `a`"));
}

#[test]
fn rejects_nesting_deeper_than_the_limit_without_overflowing() {
    let deep = format!(
        "{}{}",
        "[".repeat(MAX_DEPTH + 10),
        "]".repeat(MAX_DEPTH + 10)
    );
    assert!(parse(&deep, Format::Json).is_err());
    let deep_yaml = format!(
        "{}{}",
        "[".repeat(MAX_DEPTH + 10),
        "]".repeat(MAX_DEPTH + 10)
    );
    assert!(parse(&deep_yaml, Format::Yaml).is_err());
    let deep_block: String = (0..MAX_DEPTH + 5)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect();
    let err = parse(&deep_block, Format::Yaml).unwrap_err();
    assert!(
        err.message.contains("nesting") || err.message.contains("recursion"),
        "{}",
        err.message
    );
    let deep_toml = format!("a = {}{}", "[".repeat(200), "]".repeat(200));
    assert!(parse(&deep_toml, Format::Toml).is_err());
}

#[test]
fn toml_tables_are_objects_in_source_order_with_spans() {
    let src = "[mcp_servers.zeta]\ncommand = 'z'\n\n[mcp_servers.alpha]\ncommand = \"a\"\nport = 8080\nwhen = 1979-05-27\n";
    let root = parse(src, Format::Toml).unwrap();
    let servers = root.get("mcp_servers").unwrap();
    let names: Vec<_> = servers
        .members()
        .iter()
        .map(|(k, _)| k.value.clone())
        .collect();
    assert_eq!(names, ["zeta", "alpha"]);
    let zeta = servers.get("zeta").unwrap().get("command").unwrap();
    assert_eq!(text(src, zeta), "z");
    assert_eq!((zeta.span.line, zeta.span.col), (2, 12));
    let alpha = servers.get("alpha").unwrap();
    assert_eq!(
        alpha.get("port").unwrap().value,
        Value::Number("8080".into())
    );
    assert_eq!(alpha.get("when").unwrap().as_str(), Some("1979-05-27"));
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let err = parse("a = 1\nb = = 2\n", Format::Toml).unwrap_err();
    assert_eq!(err.span.line, 2, "{err:?}");
}

#[test]
fn yaml_scalars_are_typed_by_the_core_schema_unless_quoted() {
    let src = "a: 1\nb: '1'\nc: true\nd: ~\ne: npx\nf: \"yes\"\n";
    let root = parse(src, Format::Yaml).unwrap();
    assert_eq!(root.get("a").unwrap().value, Value::Number("1".into()));
    assert_eq!(root.get("b").unwrap().as_str(), Some("1"));
    assert_eq!(root.get("c").unwrap().as_bool(), Some(true));
    assert_eq!(root.get("d").unwrap().value, Value::Null);
    assert_eq!(root.get("e").unwrap().as_str(), Some("npx"));
    let f = root.get("f").unwrap();
    assert_eq!(text(src, f), "yes");
    assert_eq!((f.span.line, f.span.col), (6, 5));
}

#[test]
fn yaml_spans_are_byte_accurate_after_non_ascii_text() {
    let src = "name: café\nx:\n  - ünï\n  - v\n";
    let root = parse(src, Format::Yaml).unwrap();
    let items = root.get("x").unwrap().as_array().unwrap();
    assert_eq!(text(src, &items[0]), "ünï");
    assert_eq!(text(src, &items[1]), "v");
    assert_eq!((items[1].span.line, items[1].span.col), (4, 5));
}

#[test]
fn yaml_aliases_expand_but_bombs_are_refused() {
    let ok = parse("base: &b {cmd: x}\nother: *b\n", Format::Yaml).unwrap();
    assert_eq!(
        ok.get("other").unwrap().get("cmd").unwrap().as_str(),
        Some("x")
    );
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    let err = parse(&bomb, Format::Yaml).unwrap_err();
    assert!(err.message.contains("aliases"), "{}", err.message);
}

#[test]
fn yaml_syntax_error_has_line_and_column() {
    let err = parse("a: 1\nb: [1, 2\nc: 3\n", Format::Yaml).unwrap_err();
    assert!(err.span.line >= 2, "{err:?}");
    let err = parse("a:\n  - x\n - y\n", Format::Yaml).unwrap_err();
    assert_eq!(err.span.line, 3, "{err:?}");
}

#[test]
fn yaml_reads_only_the_first_document_and_empty_is_null() {
    let root = parse("a: 1\n---\nb: 2\n", Format::Yaml).unwrap();
    assert!(root.get("a").is_some() && root.get("b").is_none());
    assert_eq!(parse("", Format::Yaml).unwrap().value, Value::Null);
}

#[test]
fn a_second_yaml_document_with_content_is_found() {
    let src = "---\nmcpServers:\n  - name: a\n    command: x\n---\nmcpServers:\n  - name: b\n";
    assert_eq!(later_yaml_document(src), Some(src.rfind("---").unwrap()));
    for single in [
        "mcpServers: []\n",
        "---\nmcpServers: []\n",
        "mcpServers: []\n...\n",
        "mcpServers: []\n---\n",
        "",
    ] {
        assert_eq!(later_yaml_document(single), None, "{single:?}");
    }
}

#[test]
fn spans_on_a_very_long_line_match_the_line_index() {
    let mut src = String::from("{\"mcpServers\": {");
    for i in 0..3000 {
        src.push_str(&format!(
            "\"s{i}\": {{\"command\": \"np\u{e9}x\", \"args\": [\"/p{i}\"]}}, "
        ));
    }
    src.push_str("\"last\": {\"command\": \"x\"}}}\n{");
    let index = LineIndex::new(&src);
    let ctx = Ctx::new(&src, &index);
    for start in (0..src.len())
        .step_by(997)
        .chain([src.len() - 1, src.len(), src.len() + 5])
    {
        assert_eq!(
            ctx.span(start, start + 3),
            index.span(&src, start, start + 3),
            "{start}"
        );
    }
}
