//! Heuristic tool classification from names, descriptions and annotations.
//!
//! The name is the strongest signal because it is what the model picks the tool by. Its verb (the
//! first word we know, so `git_commit` reads as "commit") sets the kind; after the verb, only
//! unambiguous verbs still count (`get_and_delete` is destructive), because words like `run`,
//! `release` or `commit` are nouns there (`get_workflow_run`, `get_latest_release`). Annotations can
//! only make a tool look more dangerous, never less: a server that lies with `readOnlyHint` gains
//! nothing here. The description is consulted only when the name says nothing.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::call::ToolKind;

const EXEC: &[&str] = &[
    "exec",
    "execute",
    "run",
    "shell",
    "bash",
    "sh",
    "zsh",
    "powershell",
    "cmd",
    "command",
    "commands",
    "eval",
    "evaluate",
    "terminal",
    "spawn",
    "script",
    "subprocess",
    "process",
    "python",
    "node",
    "repl",
    "code_interpreter",
];
const DESTRUCTIVE: &[&str] = &[
    "delete",
    "remove",
    "rm",
    "rmdir",
    "drop",
    "destroy",
    "purge",
    "truncate",
    "wipe",
    "erase",
    "kill",
    "terminate",
    "revoke",
    "uninstall",
    "unlink",
    "force",
    "reset",
    "prune",
    "clear",
    "send",
    "pay",
    "charge",
    "refund",
    "transfer",
    "merge",
    "archive",
    "ban",
    "publish",
    "deploy",
];
const WRITE: &[&str] = &[
    "write", "create", "update", "edit", "set", "add", "put", "insert", "move", "mv", "rename",
    "copy", "cp", "mkdir", "save", "append", "patch", "modify", "apply", "install", "upload",
    "push", "commit", "post", "comment", "reply", "assign", "close", "reopen", "lock", "unlock",
    "fork", "star", "approve", "submit", "store", "replace", "change", "enable", "disable",
    "checkout", "init", "tag", "label", "invite", "schedule", "book", "order", "upsert",
];
const NETWORK: &[&str] = &[
    "fetch", "http", "https", "download", "browse", "browser", "navigate", "url", "web", "curl",
    "wget", "scrape", "crawl", "webhook", "ping",
];
const READ: &[&str] = &[
    "get",
    "list",
    "read",
    "search",
    "find",
    "show",
    "describe",
    "view",
    "query",
    "count",
    "status",
    "diff",
    "log",
    "logs",
    "info",
    "stat",
    "lookup",
    "inspect",
    "tree",
    "echo",
    "open",
    "load",
    "check",
    "explain",
    "summarize",
    "validate",
    "convert",
    "resolve",
    "select",
    "retrieve",
    "browse_files",
    "ls",
    "cat",
    "head",
    "tail",
    "grep",
    "snapshot",
    "screenshot",
];
/// Words that join two verbs in one name.
const CONJUNCTIONS: &[&str] = &["and", "then", "or", "plus"];

/// What `open` reaches out to when it is not a file.
const WEB_OBJECTS: &[&str] = &[
    "url", "uri", "link", "browser", "page", "website", "web", "tab",
];

/// Verbs that keep their meaning anywhere in a name.
const UNAMBIGUOUS: &[&str] = &[
    "exec",
    "execute",
    "eval",
    "bash",
    "shell",
    "powershell",
    "subprocess",
    "delete",
    "remove",
    "rm",
    "rmdir",
    "drop",
    "destroy",
    "purge",
    "truncate",
    "wipe",
    "erase",
    "kill",
    "terminate",
    "uninstall",
    "unlink",
    "force",
    "write",
    "create",
    "update",
    "edit",
    "insert",
    "upsert",
    "overwrite",
    "upload",
    "push",
    "send",
    "curl",
    "wget",
];
/// Objects that turn an exec verb into a query of a data store: `execute_sparql`, `run_search`.
const QUERY_OBJECTS: &[&str] = &["sparql", "search", "report", "lookup"];
/// Objects that turn an exec verb into a statement that may change a data store but runs no
/// command on the host: `execute_sql`, `run_query`, `executeCypher`, `run_graphql_mutation`.
const STATEMENT_OBJECTS: &[&str] = &[
    "sql",
    "query",
    "queries",
    "cypher",
    "statement",
    "statements",
    "graphql",
    "mutation",
    "migration",
    "migrations",
    "ddl",
    "dml",
    "kql",
    "promql",
    "logql",
];
/// Read words that are as often nouns (`issue_status_change`, `audit_log_delete`): they mark
/// a read but leave later verbs in the name their meaning.
const NOUN_LIKE_READS: &[&str] = &[
    "status", "log", "logs", "info", "tree", "diff", "count", "stat", "echo",
];
/// Verbs that change things wherever they stand, added to [`UNAMBIGUOUS`]:
/// `find_and_replace`, `search_and_replace`, `get_or_modify`.
const LATE_WRITES: &[&str] = &["replace", "modify", "rename", "append"];

/// Words that mark a tool as bringing outside content into the session.
const UNTRUSTED: &[&str] = &[
    "fetch",
    "browse",
    "browser",
    "navigate",
    "scrape",
    "crawl",
    "web",
    "url",
    "http",
    "https",
    "download",
    "mail",
    "email",
    "emails",
    "gmail",
    "inbox",
    "message",
    "messages",
    "chat",
    "slack",
    "discord",
    "telegram",
    "rss",
    "feed",
    "news",
    "tweet",
    "tweets",
    "issue",
    "issues",
    "comment",
    "comments",
    "discussion",
    "discussions",
    "notification",
    "notifications",
    "review",
    "reviews",
    "internet",
    "google",
    "bing",
    "page",
    "website",
];

/// Classify a tool from its name, description and annotations.
pub fn classify(tool: &str, description: Option<&str>, annotations: Option<&Value>) -> ToolKind {
    classify_named(strongest(&words(tool)), description, annotations)
}

/// [`classify`] with the kind the name gives already worked out.
fn classify_named(
    from_name: ToolKind,
    description: Option<&str>,
    annotations: Option<&Value>,
) -> ToolKind {
    let base = if from_name == ToolKind::Unknown {
        // First words of the description: "Deletes a file", "Run a shell command".
        description
            .map(|d| {
                let leading: Vec<String> = words_upto(d, 3).into_iter().map(stem).collect();
                strongest(&leading)
            })
            .unwrap_or(ToolKind::Unknown)
    } else {
        from_name
    };
    let hint = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .and_then(Value::as_bool)
    };
    let mut kind = base;
    if hint("destructiveHint") == Some(true) && rank(kind) < rank(ToolKind::Destructive) {
        kind = ToolKind::Destructive;
    }
    if hint("readOnlyHint") == Some(false) && matches!(kind, ToolKind::Read | ToolKind::Unknown) {
        kind = ToolKind::Write;
    }
    if hint("openWorldHint") == Some(true) && kind == ToolKind::Read {
        // A read that reaches the outside world carries its arguments there.
        kind = ToolKind::Network;
    }
    if kind == ToolKind::Unknown && hint("readOnlyHint") == Some(true) {
        kind = ToolKind::Read;
    }
    kind
}

/// Whether the tool brings untrusted content into the session: web pages, search results, mail,
/// chat, issue and comment bodies, anything the server marks `openWorldHint: true`.
pub fn reads_untrusted(tool: &str, annotations: Option<&Value>) -> bool {
    let open_world = annotations
        .and_then(|a| a.get("openWorldHint"))
        .and_then(Value::as_bool)
        == Some(true);
    open_world || words(tool).iter().any(|w| is_in(List::Untrusted, w))
}

/// Split a name or a sentence into lower-case words: `snake_case`, `kebab-case`, `camelCase`,
/// `dotted.names` and spaces all separate words.
fn words(text: &str) -> Vec<String> {
    words_upto(text, usize::MAX)
}

/// The first `limit` of [`words`], without splitting the rest of a long description.
fn words_upto(text: &str, limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        // The ASCII tests give the same answers as the Unicode ones for ASCII, faster.
        let (alphanumeric, uppercase, lowercase) = if c.is_ascii() {
            (
                c.is_ascii_alphanumeric(),
                c.is_ascii_uppercase(),
                c.is_ascii_lowercase(),
            )
        } else {
            (c.is_alphanumeric(), c.is_uppercase(), c.is_lowercase())
        };
        if alphanumeric {
            if uppercase && prev_lower && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                if out.len() == limit {
                    return out;
                }
            }
            prev_lower = lowercase || c.is_ascii_digit();
            if c.is_ascii() {
                current.push(c.to_ascii_lowercase());
            } else {
                current.extend(c.to_lowercase());
            }
        } else {
            prev_lower = false;
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
                if out.len() == limit {
                    return out;
                }
            }
        }
        if out.len() > 64 {
            // Names are short; a huge description has nothing more to tell us.
            break;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Turn a third-person verb into its base form: "deletes" → "delete", "fetches" → "fetch".
fn stem(word: String) -> String {
    for (suffix, keep) in [
        ("ches", 2),
        ("shes", 2),
        ("sses", 2),
        ("ies", 0),
        ("es", 1),
        ("s", 0),
    ] {
        if let Some(base) = word.strip_suffix(suffix)
            && base.len() >= 2
        {
            let restored = &suffix[..keep];
            if known_as(base, restored) {
                return format!("{base}{restored}");
            }
        }
    }
    word
}

/// The word lists above, each a bit in [`Lists`].
#[derive(Debug, Clone, Copy)]
enum List {
    Exec,
    Destructive,
    Write,
    Network,
    Read,
    Conjunctions,
    WebObjects,
    Unambiguous,
    QueryObjects,
    StatementObjects,
    NounLikeReads,
    LateWrites,
    Untrusted,
    SendVerbs,
    MessageNouns,
    PaymentVerbs,
    PaymentNouns,
    CredentialWords,
}

impl List {
    const ALL: [List; 18] = [
        List::Exec,
        List::Destructive,
        List::Write,
        List::Network,
        List::Read,
        List::Conjunctions,
        List::WebObjects,
        List::Unambiguous,
        List::QueryObjects,
        List::StatementObjects,
        List::NounLikeReads,
        List::LateWrites,
        List::Untrusted,
        List::SendVerbs,
        List::MessageNouns,
        List::PaymentVerbs,
        List::PaymentNouns,
        List::CredentialWords,
    ];

    fn words(self) -> &'static [&'static str] {
        match self {
            List::Exec => EXEC,
            List::Destructive => DESTRUCTIVE,
            List::Write => WRITE,
            List::Network => NETWORK,
            List::Read => READ,
            List::Conjunctions => CONJUNCTIONS,
            List::WebObjects => WEB_OBJECTS,
            List::Unambiguous => UNAMBIGUOUS,
            List::QueryObjects => QUERY_OBJECTS,
            List::StatementObjects => STATEMENT_OBJECTS,
            List::NounLikeReads => NOUN_LIKE_READS,
            List::LateWrites => LATE_WRITES,
            List::Untrusted => UNTRUSTED,
            List::SendVerbs => SEND_VERBS,
            List::MessageNouns => MESSAGE_NOUNS,
            List::PaymentVerbs => PAYMENT_VERBS,
            List::PaymentNouns => PAYMENT_NOUNS,
            List::CredentialWords => CREDENTIAL_WORDS,
        }
    }
}

/// The lists one word is in.
#[derive(Debug, Clone, Copy, Default)]
struct Lists(u32);

impl Lists {
    fn has(self, list: List) -> bool {
        self.0 & (1 << list as u32) != 0
    }
}

/// Every listed word with the lists that hold it: one lookup per word instead of a scan of
/// each list, which a classification of a tool does dozens of times.
static MEMBERSHIP: LazyLock<HashMap<&'static str, Lists>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, Lists> = HashMap::new();
    for list in List::ALL {
        for word in list.words() {
            map.entry(word).or_default().0 |= 1 << list as u32;
        }
    }
    map
});

fn lists_of(word: &str) -> Lists {
    MEMBERSHIP.get(word).copied().unwrap_or_default()
}

fn is_in(list: List, word: &str) -> bool {
    lists_of(word).has(list)
}

/// Whether `base` followed by `ending` is a word of the verb lists.
fn known_as(base: &str, ending: &str) -> bool {
    // No listed word is longer than this; longer candidates need not be built to be refused.
    let mut buf = [0u8; 32];
    let len = base.len() + ending.len();
    if len > buf.len() {
        return false;
    }
    buf[..base.len()].copy_from_slice(base.as_bytes());
    buf[base.len()..len].copy_from_slice(ending.as_bytes());
    let Ok(word) = std::str::from_utf8(&buf[..len]) else {
        return false;
    };
    let lists = lists_of(word);
    [
        List::Exec,
        List::Destructive,
        List::Write,
        List::Network,
        List::Read,
    ]
    .into_iter()
    .any(|l| lists.has(l))
}

fn strongest(words: &[String]) -> ToolKind {
    let mut best = ToolKind::Unknown;
    let mut seen_verb = false;
    for (i, w) in words.iter().enumerate() {
        let w = w.as_str();
        let here = lists_of(w);
        // `check_and_merge`, `validate_then_submit`: a conjunction starts another verb, read as
        // one like the first (a read before it does not make the whole a read).
        if here.has(List::Conjunctions) {
            seen_verb = false;
            continue;
        }
        if seen_verb && !here.has(List::Unambiguous) && !here.has(List::LateWrites) {
            continue;
        }
        let object = lists_of(words.get(i + 1).map(String::as_str).unwrap_or(""));
        let kind = if w == "open" && object.has(List::WebObjects) {
            // `open_url` sends the browser (and whatever is in the URL) out to the web.
            ToolKind::Network
        } else if here.has(List::Exec) && object.has(List::QueryObjects) {
            // `execute_sparql` queries; it runs nothing on the host.
            ToolKind::Read
        } else if here.has(List::Exec) && object.has(List::StatementObjects) {
            // `execute_sql` may change the database; it runs nothing on the host.
            ToolKind::Write
        } else if here.has(List::Exec) {
            ToolKind::Exec
        } else if here.has(List::Destructive) {
            ToolKind::Destructive
        } else if here.has(List::Write) || here.has(List::LateWrites) {
            ToolKind::Write
        } else if here.has(List::Network) {
            ToolKind::Network
        } else if here.has(List::Read) {
            ToolKind::Read
        } else {
            ToolKind::Unknown
        };
        seen_verb |= kind != ToolKind::Unknown && !here.has(List::NounLikeReads);
        if rank(kind) > rank(best) {
            best = kind;
        }
    }
    best
}

/// Order of danger, for "the most dangerous signal wins".
fn rank(kind: ToolKind) -> u8 {
    match kind {
        ToolKind::Unknown => 0,
        ToolKind::Read => 1,
        ToolKind::Network => 2,
        ToolKind::Write => 3,
        ToolKind::Destructive => 4,
        ToolKind::Exec => 5,
    }
}

/// A class of effect a tool can have. A tool can have several: `send_invoice` writes, sends and
/// takes payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    Read,
    Write,
    Destructive,
    Exec,
    Network,
    Send,
    Payment,
    CredentialAccess,
}

impl Capability {
    pub const ALL: [Capability; 8] = [
        Capability::Read,
        Capability::Write,
        Capability::Destructive,
        Capability::Exec,
        Capability::Network,
        Capability::Send,
        Capability::Payment,
        Capability::CredentialAccess,
    ];

    /// The kebab-case name used in findings, lockfiles and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Read => "read",
            Capability::Write => "write",
            Capability::Destructive => "destructive",
            Capability::Exec => "exec",
            Capability::Network => "network",
            Capability::Send => "send",
            Capability::Payment => "payment",
            Capability::CredentialAccess => "credential-access",
        }
    }

    /// Whether the class changes something outside the conversation.
    pub fn is_effectful(self) -> bool {
        !matches!(self, Capability::Read | Capability::CredentialAccess)
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of [`Capability`] classes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Capabilities(u8);

impl Capabilities {
    pub fn contains(self, c: Capability) -> bool {
        self.0 & (1 << c as u8) != 0
    }

    pub fn insert(&mut self, c: Capability) {
        self.0 |= 1 << c as u8;
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Classes in `self` that `other` lacks.
    pub fn difference(self, other: Capabilities) -> Capabilities {
        Capabilities(self.0 & !other.0)
    }

    pub fn union(self, other: Capabilities) -> Capabilities {
        Capabilities(self.0 | other.0)
    }

    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.contains(*c))
    }

    /// Whether any class changes something outside the conversation.
    pub fn is_effectful(self) -> bool {
        self.iter().any(Capability::is_effectful)
    }
}

impl FromIterator<Capability> for Capabilities {
    fn from_iter<T: IntoIterator<Item = Capability>>(iter: T) -> Self {
        let mut set = Capabilities::default();
        for c in iter {
            set.insert(c);
        }
        set
    }
}

impl std::fmt::Display for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.iter().map(Capability::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

const SEND_VERBS: &[&str] = &[
    "send",
    "reply",
    "forward",
    "notify",
    "broadcast",
    "tweet",
    "dm",
    "sms",
    "text",
    "email",
    "mail",
];
const MESSAGE_NOUNS: &[&str] = &[
    "message", "messages", "comment", "email", "mail", "tweet", "status", "chat", "sms", "post",
];
const PAYMENT_VERBS: &[&str] = &[
    "pay", "charge", "refund", "transfer", "purchase", "buy", "checkout", "wire", "withdraw",
    "payout", "invoice", "bill", "tip", "donate",
];
const PAYMENT_NOUNS: &[&str] = &[
    "payment",
    "payments",
    "refund",
    "refunds",
    "transfer",
    "transfers",
    "payout",
    "payouts",
    "invoice",
    "invoices",
    "charge",
    "charges",
    "subscription",
    "funds",
    "money",
    "transaction",
    "transactions",
];
const CREDENTIAL_WORDS: &[&str] = &[
    "secret",
    "secrets",
    "credential",
    "credentials",
    "password",
    "passwords",
    "token",
    "tokens",
    "apikey",
    "keychain",
    "vault",
    "env",
    "environment",
    "ssh",
    "oauth",
    "keyring",
    "passphrase",
    "cookie",
    "cookies",
];

/// Capability classes a tool claims through its name, description and input schema, without its
/// annotations (so a tool's annotations can be checked against them).
pub fn claimed_capabilities(
    tool: &str,
    description: Option<&str>,
    input_schema: Option<&Value>,
) -> Capabilities {
    let mut set = Capabilities::default();
    let name: Vec<String> = words(tool);
    // What the name alone says (`classify(tool, None, None)`).
    let name_kind = strongest(&name);
    match classify_named(name_kind, description, None) {
        ToolKind::Read => set.insert(Capability::Read),
        ToolKind::Write => set.insert(Capability::Write),
        ToolKind::Destructive => {
            set.insert(Capability::Write);
            set.insert(Capability::Destructive);
        }
        ToolKind::Exec => set.insert(Capability::Exec),
        ToolKind::Network => set.insert(Capability::Network),
        ToolKind::Unknown => {}
    }
    // The description's first word, as a verb: "Sends a message", "Pay an invoice".
    let lead: Option<String> = description.and_then(|d| words_upto(d, 1).pop().map(stem));
    // Every list any word of the name is in.
    let in_name = name
        .iter()
        .fold(Lists::default(), |all, w| Lists(all.0 | lists_of(w).0));
    let has = |list: List| in_name.has(list);
    let verb_then_noun = name
        .iter()
        .any(|w| matches!(w.as_str(), "post" | "create" | "write" | "add" | "publish"))
        && has(List::MessageNouns);
    let read_only_name = name_kind == ToolKind::Read;
    if (!read_only_name && (has(List::SendVerbs) || verb_then_noun))
        || (name.is_empty() || name_kind == ToolKind::Unknown)
            && lead.as_ref().is_some_and(|w| is_in(List::SendVerbs, w))
    {
        set.insert(Capability::Send);
    }
    if has(List::PaymentVerbs)
        || (!read_only_name && has(List::PaymentNouns))
        || lead.as_ref().is_some_and(|w| is_in(List::PaymentVerbs, w))
    {
        set.insert(Capability::Payment);
    }
    if has(List::CredentialWords) {
        set.insert(Capability::CredentialAccess);
    }
    if let Some(d) = description {
        let first = d
            .split(['.', '\n'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if [
            "environment variable",
            "api key",
            "secret",
            "credential",
            "password",
            "private key",
        ]
        .iter()
        .any(|w| first.contains(w))
            && !first.contains("do not")
            && !first.contains("never")
        {
            set.insert(Capability::CredentialAccess);
        }
    }
    let props = input_schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object);
    // The names below are lower case, so this is the lower-cased key among them.
    let prop = |names: &[&str]| {
        props.is_some_and(|p| {
            p.keys()
                .any(|k| names.iter().any(|n| k.eq_ignore_ascii_case(n)))
        })
    };
    if prop(&["command", "cmd", "shell_command", "script", "bash_command"]) {
        set.insert(Capability::Exec);
    }
    if prop(&["url", "uri", "endpoint", "webhook", "webhook_url", "href"]) {
        set.insert(Capability::Network);
    }
    if prop(&[
        "recipient",
        "recipients",
        "to",
        "cc",
        "bcc",
        "phone_number",
        "channel_id",
        "chat_id",
    ]) && prop(&["body", "text", "message", "content", "subject", "html"])
    {
        set.insert(Capability::Send);
    }
    if prop(&["amount", "amount_cents", "value"])
        && prop(&[
            "currency",
            "recipient",
            "destination",
            "account",
            "iban",
            "card",
            "payee",
            "to",
        ])
    {
        set.insert(Capability::Payment);
    }
    set
}

/// Capability classes of a tool from its name, description, input schema and annotations.
///
/// Annotations only add classes (`destructiveHint: true` adds destructive, `readOnlyHint: false`
/// adds write, `openWorldHint: true` adds network); a `readOnlyHint: true` never removes one, so a
/// server that lies gains nothing.
pub fn capabilities(
    tool: &str,
    description: Option<&str>,
    input_schema: Option<&Value>,
    annotations: Option<&Value>,
) -> Capabilities {
    let mut set = claimed_capabilities(tool, description, input_schema);
    let hint = |key: &str| {
        annotations
            .and_then(|a| a.get(key))
            .and_then(Value::as_bool)
    };
    if hint("destructiveHint") == Some(true) && hint("readOnlyHint") != Some(true) {
        set.insert(Capability::Destructive);
        set.insert(Capability::Write);
    }
    if hint("readOnlyHint") == Some(false) && !set.is_effectful() {
        set.insert(Capability::Write);
    }
    if hint("openWorldHint") == Some(true) {
        set.insert(Capability::Network);
    }
    if set.is_empty() && hint("readOnlyHint") == Some(true) {
        set.insert(Capability::Read);
    }
    set
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_listed_word_fits_the_stem_buffer() {
        for list in List::ALL {
            assert!(list.words().iter().all(|w| w.len() <= 32), "{list:?}");
        }
    }

    fn caps(tool: &str, description: Option<&str>, schema: Option<Value>) -> Vec<&'static str> {
        claimed_capabilities(tool, description, schema.as_ref())
            .iter()
            .map(Capability::as_str)
            .collect()
    }

    #[test]
    fn capability_classes_from_names() {
        assert_eq!(caps("read_file", None, None), ["read"]);
        assert_eq!(caps("delete_file", None, None), ["write", "destructive"]);
        assert_eq!(
            caps("send_email", None, None),
            ["write", "destructive", "send"]
        );
        assert_eq!(caps("create_refund", None, None), ["write", "payment"]);
        assert_eq!(caps("get-env", None, None), ["read", "credential-access"]);
        assert_eq!(caps("list_messages", None, None), ["read"]);
        assert_eq!(caps("slack_post_message", None, None), ["write", "send"]);
    }

    #[test]
    fn capability_classes_from_schema_and_description() {
        assert_eq!(
            caps("do_it", None, Some(json!({"properties": {"command": {}}}))),
            ["exec"]
        );
        assert_eq!(
            caps(
                "notify_team",
                None,
                Some(json!({"properties": {"to": {}, "body": {}}}))
            ),
            ["send"]
        );
        assert_eq!(
            caps("wallet", Some("Pay an invoice from the wallet"), None),
            ["write", "destructive", "payment"]
        );
    }

    #[test]
    fn annotations_add_classes_but_never_remove_them() {
        let ro = json!({"readOnlyHint": true, "destructiveHint": true});
        assert!(
            capabilities("delete_file", None, None, Some(&ro)).contains(Capability::Destructive)
        );
        let open = json!({"openWorldHint": true});
        assert!(capabilities("search", None, None, Some(&open)).contains(Capability::Network));
        let writes = json!({"readOnlyHint": false});
        assert!(capabilities("frob", None, None, Some(&writes)).contains(Capability::Write));
    }

    #[test]
    fn classifies_common_names() {
        assert_eq!(classify("read_file", None, None), ToolKind::Read);
        assert_eq!(classify("list_directory", None, None), ToolKind::Read);
        assert_eq!(classify("write_file", None, None), ToolKind::Write);
        assert_eq!(
            classify("delete_entities", None, None),
            ToolKind::Destructive
        );
        assert_eq!(classify("run_command", None, None), ToolKind::Exec);
        assert_eq!(classify("fetch", None, None), ToolKind::Network);
        assert_eq!(classify("git_commit", None, None), ToolKind::Write);
        assert_eq!(
            classify("merge_pull_request", None, None),
            ToolKind::Destructive
        );
        assert_eq!(classify("send_email", None, None), ToolKind::Destructive);
    }

    #[test]
    fn a_second_verb_after_a_conjunction_is_read_as_a_verb() {
        for (name, kind) in [
            ("check_and_merge", ToolKind::Destructive),
            ("validate_and_submit", ToolKind::Write),
            ("find_and_replace", ToolKind::Write),
            ("read_then_delete_file", ToolKind::Destructive),
            ("list_and_describe_tables", ToolKind::Read),
            ("open_url", ToolKind::Network),
            ("open_file", ToolKind::Read),
        ] {
            assert_eq!(classify(name, None, None), kind, "{name}");
        }
    }

    #[test]
    fn nouns_after_the_verb_do_not_change_the_kind() {
        assert_eq!(classify("get_latest_release", None, None), ToolKind::Read);
        assert_eq!(classify("get_workflow_run", None, None), ToolKind::Read);
        assert_eq!(classify("get_commit", None, None), ToolKind::Read);
        assert_eq!(
            classify("get_pull_request_status", None, None),
            ToolKind::Read
        );
        assert_eq!(classify("list_tags", None, None), ToolKind::Read);
    }

    #[test]
    fn namespace_prefixes_are_skipped_to_find_the_verb() {
        assert_eq!(classify("git_commit", None, None), ToolKind::Write);
        assert_eq!(classify("slack_post_message", None, None), ToolKind::Write);
        assert_eq!(
            classify("github_delete_repo", None, None),
            ToolKind::Destructive
        );
    }

    #[test]
    fn splits_camel_and_kebab_case() {
        assert_eq!(classify("deleteFile", None, None), ToolKind::Destructive);
        assert_eq!(classify("get-tiny-image", None, None), ToolKind::Read);
        assert_eq!(classify("executeCommand", None, None), ToolKind::Exec);
        assert_eq!(classify("search-and-replace", None, None), ToolKind::Write);
        assert_eq!(classify("searchAndReplace", None, None), ToolKind::Write);
    }

    #[test]
    fn reads_the_whole_name_not_only_the_first_verb() {
        assert_eq!(classify("find_and_replace", None, None), ToolKind::Write);
        assert_eq!(
            classify("change_sonar_issue_status", None, None),
            ToolKind::Write
        );
        assert_eq!(
            classify("sonar_change_issue_status", None, None),
            ToolKind::Write
        );
        assert_eq!(classify("issue_status_change", None, None), ToolKind::Write);
        assert_eq!(
            classify("audit_log_delete", None, None),
            ToolKind::Destructive
        );
        assert_eq!(
            classify("get_or_modify_setting", None, None),
            ToolKind::Write
        );
        // Nouns after a read verb still do not count.
        assert_eq!(classify("get_change_history", None, None), ToolKind::Read);
        assert_eq!(classify("list_file_changes", None, None), ToolKind::Read);
        assert_eq!(classify("git_status", None, None), ToolKind::Read);
        assert_eq!(classify("git_log", None, None), ToolKind::Read);
        assert_eq!(classify("take_screenshot", None, None), ToolKind::Read);
        assert_eq!(classify("snapshot", None, None), ToolKind::Read);
        // A browser's snapshot reads a page from another host.
        assert_eq!(classify("browser_snapshot", None, None), ToolKind::Network);
    }

    #[test]
    fn query_languages_are_queries_and_statements_not_host_commands() {
        assert_eq!(classify("execute_sparql", None, None), ToolKind::Read);
        assert_eq!(classify("run_search", None, None), ToolKind::Read);
        assert_eq!(classify("executeSQL", None, None), ToolKind::Write);
        assert_eq!(classify("execute_sql", None, None), ToolKind::Write);
        assert_eq!(classify("run_query", None, None), ToolKind::Write);
        assert_eq!(classify("run-cypher-query", None, None), ToolKind::Write);
        // Real commands stay commands.
        assert_eq!(classify("execute_command", None, None), ToolKind::Exec);
        assert_eq!(classify("run_python", None, None), ToolKind::Exec);
        assert_eq!(classify("execute_code", None, None), ToolKind::Exec);
        assert_eq!(classify("start_process", None, None), ToolKind::Exec);
        assert_eq!(
            classify("execute_sql_then_shell", None, None),
            ToolKind::Exec
        );
    }

    #[test]
    fn most_dangerous_word_wins() {
        assert_eq!(
            classify("get_and_delete", None, None),
            ToolKind::Destructive
        );
        assert_eq!(classify("list_then_exec", None, None), ToolKind::Exec);
    }

    #[test]
    fn description_is_used_only_when_the_name_says_nothing() {
        assert_eq!(
            classify("frobnicate", Some("Deletes the given records."), None),
            ToolKind::Destructive
        );
        assert_eq!(
            classify("read_notes", Some("Runs rm -rf on everything"), None),
            ToolKind::Read
        );
        assert_eq!(
            classify("frobnicate", Some("Does things."), None),
            ToolKind::Unknown
        );
    }

    #[test]
    fn annotations_only_make_a_tool_look_more_dangerous() {
        let lying = json!({ "readOnlyHint": true });
        assert_eq!(
            classify("delete_repo", None, Some(&lying)),
            ToolKind::Destructive
        );
        let destructive = json!({ "destructiveHint": true });
        assert_eq!(
            classify("get_thing", None, Some(&destructive)),
            ToolKind::Destructive
        );
        let not_read_only = json!({ "readOnlyHint": false });
        assert_eq!(
            classify("get_thing", None, Some(&not_read_only)),
            ToolKind::Write
        );
        let open_world = json!({ "openWorldHint": true });
        assert_eq!(
            classify("search", None, Some(&open_world)),
            ToolKind::Network
        );
    }

    #[test]
    fn read_only_hint_names_an_otherwise_unknown_tool() {
        let hint = json!({ "readOnlyHint": true });
        assert_eq!(classify("frobnicate", None, Some(&hint)), ToolKind::Read);
    }

    #[test]
    fn web_mail_chat_and_issue_readers_read_untrusted_content() {
        for tool in [
            "fetch",
            "browser_navigate",
            "read_email",
            "get_messages",
            "slack_get_channel_history",
            "get_issue",
            "list_issues",
            "get_pull_request_comments",
            "web_search",
        ] {
            assert!(reads_untrusted(tool, None), "{tool}");
        }
    }

    #[test]
    fn local_readers_are_not_untrusted_unless_annotated_open_world() {
        assert!(!reads_untrusted("read_file", None));
        assert!(!reads_untrusted("git_status", None));
        assert!(!reads_untrusted("get_current_time", None));
        assert!(reads_untrusted(
            "lookup",
            Some(&json!({ "openWorldHint": true }))
        ));
    }

    #[test]
    fn odd_input_never_panics() {
        for name in ["", "_", "----", "ÄÖÜ", "\u{0}", "aB", "A"] {
            let _ = classify(name, Some(name), Some(&json!(null)));
            let _ = reads_untrusted(name, Some(&json!([1, 2])));
        }
    }
}
