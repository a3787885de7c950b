//! The detector registry. Each detector lives in its own file with its id, docs, check and tests;
//! adding one is a file plus a line in the `registry!` list below.

use std::borrow::Cow;
use std::collections::HashSet;

use mcpward_core::{Finding, RuleMeta};

use crate::definitions::{Definitions, item_key};
use crate::language::{Directive, analyze_many};
use crate::text::{Paths, Site, TextRole, walk};

pub mod annotation_mismatch;
pub mod confusable_tool_name;
pub mod encoded_payload;
pub mod exfiltration_parameter;
pub mod hidden_markup;
pub mod invisible_characters;
pub mod model_directed_instructions;
pub mod padding;
pub mod tool_shadowing;

/// Address of the inspect rules reference; a rule's section is `INSPECT_DOCS#<rule-id>`.
pub const INSPECT_DOCS: &str = "https://github.com/mcpward/mcpward/blob/main/docs/inspect-rules.md";

/// A detector's check; its documentation is the `META` beside it, listed in [`METAS`] in order.
pub(crate) struct Rule {
    pub check: fn(&Context<'_>, &mut Vec<Finding>),
}

macro_rules! registry {
    ($($m:ident),* $(,)?) => {
        pub(crate) static REGISTRY: &[Rule] = &[$(Rule { check: $m::check }),*];
        /// Documentation of every detector, in the order of docs/inspect-rules.md.
        pub static METAS: &[&RuleMeta] = &[$(&$m::META),*];
    };
}

registry!(
    invisible_characters,
    model_directed_instructions,
    tool_shadowing,
    exfiltration_parameter,
    encoded_payload,
    hidden_markup,
    padding,
    confusable_tool_name,
    annotation_mismatch,
);

/// One server of a client, by the name the client gives it.
#[derive(Debug, Clone, Copy)]
pub struct Server<'a> {
    pub name: &'a str,
    pub definitions: &'a Definitions,
}

/// What a detector sees: one server's definitions and text, and the other servers of its client.
pub(crate) struct Context<'a> {
    pub server: &'a str,
    pub defs: &'a Definitions,
    pub sites: Vec<Site<'a>>,
    /// The JSON pointers of `sites`, written out on demand by [`Context::pointer`].
    paths: Paths<'a>,
    /// The other servers registered with the same client.
    pub others: &'a [Server<'a>],
    /// This server's own tool names.
    pub own_tools: HashSet<&'a str>,
    /// For each site (same index) that holds prose or schema text: its visible text and directives,
    /// computed once for all detectors.
    pub analysis: Vec<Option<Analysis<'a>>>,
}

/// A text with hidden characters removed and the directives found in it.
pub(crate) struct Analysis<'a> {
    pub text: Cow<'a, str>,
    pub directives: Vec<Directive>,
}

impl<'a> Context<'a> {
    pub fn new(server: &'a str, defs: &'a Definitions, others: &'a [Server<'a>]) -> Self {
        let (sites, paths) = walk(defs);
        let wanted = |site: &Site<'_>| {
            site.role.is_prose() || matches!(site.role, TextRole::SchemaValue | TextRole::Title)
        };
        let texts: Vec<Option<Cow<'a, str>>> = sites
            .iter()
            .map(|site| wanted(site).then(|| model_directed_instructions::visible(site.text)))
            .collect();
        let all: Vec<&str> = texts.iter().flatten().map(|t| t.as_ref()).collect();
        let mut directives = analyze_many(&all).into_iter();
        drop(all);
        let analysis = texts
            .into_iter()
            .map(|text| {
                text.map(|text| Analysis {
                    text,
                    directives: directives.next().unwrap_or_default(),
                })
            })
            .collect();
        Context {
            server,
            defs,
            sites,
            paths,
            others,
            own_tools: defs.tool_names().collect(),
            analysis,
        }
    }

    /// A finding about this server at `pointer`.
    pub fn finding(&self, meta: &RuleMeta, message: String, pointer: &str) -> Finding {
        let mut f = Finding::new(meta, message, self.server)
            .server(self.server)
            .pointer(pointer);
        f.docs_url = format!("{INSPECT_DOCS}#{}", meta.id);
        f
    }

    /// The RFC 6901 pointer of `site`.
    pub fn pointer(&self, site: &Site<'_>) -> String {
        self.paths.pointer(site)
    }

    /// "tool `read_file` description", "server instructions": where a text sits, for messages.
    pub fn describe(&self, site: &Site<'_>) -> String {
        let pointer = self.pointer(site);
        let field = pointer.rsplit('/').next().unwrap_or("");
        match site.item {
            None => "the server instructions".to_string(),
            Some((kind, index)) => {
                let item = &self.defs.items(kind)[index];
                let name = item_key(kind, item).unwrap_or("?");
                let what = match site.parameter {
                    Some(p) => format!("parameter `{}` {field}", crate::excerpt::escape(p)),
                    None => field.to_string(),
                };
                format!("{} `{}` {what}", kind.noun(), crate::excerpt::escape(name))
            }
        }
    }
}
