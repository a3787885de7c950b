//! Which of the analyser's patterns can match a text.
//!
//! Running a dozen large regexes over every description costs far more than finding a few
//! literal words, and an ordinary description holds none of the word combinations an attack
//! needs. Each pattern alternative is reduced to the literal groups (atoms) it cannot match
//! without, for example "a negation and a verb of telling" for concealment, and a pattern runs
//! only when all atoms of one of its alternatives occur (see [`Prefilter`] for the rules a
//! condition follows). The tests check the conditions against the patterns on the corpus and on
//! strings generated from every alternative of every pattern.

use std::sync::LazyLock;

use super::prefilter::Edge::{A, E, S, W};
use super::prefilter::{Edge, Prefilter};

// Atoms: groups of literals, one bit each.
const SECRET: u64 = 1 << 0;
const NEG: u64 = 1 << 1;
const TELL: u64 = 1 << 2;
const CONCEAL_WORD: u64 = 1 << 3;
const USER: u64 = 1 << 4;
const NOT: u64 = 1 << 5;
const KEEP: u64 = 1 << 6;
const PRIVATE: u64 = 1 << 7;
const WITHOUT: u64 = 1 << 8;
const PERMISSION: u64 = 1 << 9;
const BELIEVE: u64 = 1 << 10;
const OMIT: u64 = 1 << 11;
const TRACE: u64 = 1 << 12;
const OVERRIDE_WORD: u64 = 1 << 13;
const PERMITTED: u64 = 1 << 14;
const AGREED: u64 = 1 << 15;
const BEFORE: u64 = 1 << 16;
const PARAM_REF: u64 = 1 << 17;
const CONTEXT: u64 = 1 << 18;
const DEST: u64 = 1 << 19;
const DEST_WORD: u64 = 1 << 20;
const SERVICE: u64 = 1 << 21;
const PASSIVE: u64 = 1 << 22;
const HOME: u64 = 1 << 23;
const RECIPIENT: u64 = 1 << 24;
const CHANGE: u64 = 1 << 25;
const SEND: u64 = 1 << 26;
const MESSAGE: u64 = 1 << 27;
const AT_SIGN: u64 = 1 << 28;
const ACTUAL: u64 = 1 << 29;
const REGARDLESS: u64 = 1 << 30;
const SIDE_EFFECT: u64 = 1 << 31;
const WHEN: u64 = 1 << 32;
const TOOL: u64 = 1 << 33;
const CALLED: u64 = 1 << 34;
const MODAL: u64 = 1 << 35;
const QUANTIFIER: u64 = 1 << 36;
const THIS: u64 = 1 << 37;
const PREFER: u64 = 1 << 38;
const OTHER: u64 = 1 << 39;
const BEST: u64 = 1 << 40;
const THING: u64 = 1 << 41;
const STUFF: u64 = 1 << 42;
const KNOWING: u64 = 1 << 43;
const TELLING: u64 = 1 << 44;
const WHOM: u64 = 1 << 45;
const INSTRUCTION: u64 = 1 << 46;
const COLON: u64 = 1 << 47;

/// For each entry of `PATTERNS`, in order: the alternatives, each the atoms it needs.
pub(super) const NEEDS: &[&[u64]] = &[
    // ReadSecrets: a verb, then a secret location.
    &[SECRET],
    // Conceal: a negation, then a verb of telling (and an object).
    &[NEG | TELL],
    // Conceal, other forms: one alternative per line of the pattern that shares its atoms.
    &[
        CONCEAL_WORD,
        USER | NOT,
        KEEP | PRIVATE,
        WITHOUT | KNOWING,
        WITHOUT | TELLING | WHOM,
        PERMISSION | NEG,
        USER | BELIEVE,
        OMIT | TRACE,
    ],
    // Override.
    &[
        OVERRIDE_WORD,
        INSTRUCTION | COLON,
        PERMITTED | WITHOUT,
        AGREED | USER,
    ],
    // CallFirst: "before / after / instead of …".
    &[BEFORE],
    // StuffParameter: a named parameter, and context or a secret in the sentence.
    &[STUFF | PARAM_REF | CONTEXT, STUFF | PARAM_REF | SECRET],
    // Exfiltrate: a destination in the sentence.
    &[DEST, DEST_WORD | SERVICE],
    // Exfiltrate, passive: "must be sent", and a destination.
    &[PASSIVE | DEST, PASSIVE | DEST_WORD | SERVICE],
    // ReadSecrets from a home dotfile.
    &[HOME],
    // Redirect.
    &[
        RECIPIENT | CHANGE,
        SEND | MESSAGE,
        AT_SIGN,
        RECIPIENT | ACTUAL,
        REGARDLESS,
    ],
    // Shadow.
    &[
        SIDE_EFFECT,
        WHEN | TOOL | CALLED | MODAL,
        QUANTIFIER | TOOL | MODAL,
    ],
    // Prefer.
    &[THIS | THING | PREFER, OTHER | TOOL, THIS | THING | BEST],
];

/// Every literal with the edge it needs and the atoms it stands for, lower case.
const LITERALS: &[(&str, Edge, u64)] = &[
    // Secret locations (the SECRET pattern, every alternative).
    ("ssh", A, SECRET),
    ("id_rsa", A, SECRET),
    ("id_ed25519", A, SECRET),
    ("id_ecdsa", A, SECRET),
    ("id_dsa", A, SECRET),
    ("authorized_keys", A, SECRET),
    ("known_hosts", A, SECRET),
    (".env", A, SECRET),
    (".aws/", A, SECRET),
    ("aws credentials", A, SECRET),
    (".npmrc", A, SECRET),
    (".pypirc", A, SECRET),
    (".netrc", A, SECRET),
    (".pgpass", A, SECRET),
    (".git-credentials", A, SECRET),
    (".gitconfig", A, SECRET),
    (".docker/config", A, SECRET),
    (".kube/config", A, SECRET),
    ("kubeconfig", A, SECRET),
    ("mcp.json", A, SECRET),
    ("claude_desktop_config", A, SECRET),
    (".cursor/", A, SECRET),
    (".bash_history", A, SECRET),
    (".zsh_history", A, SECRET),
    (".bashrc", A, SECRET),
    (".zshrc", A, SECRET),
    ("dotfile", A, SECRET),
    ("/etc/passwd", A, SECRET),
    ("/etc/shadow", A, SECRET),
    ("private key", A, SECRET),
    ("seed phrase", A, SECRET),
    ("mnemonic", A, SECRET),
    ("keychain", A, SECRET),
    ("keystore", A, SECRET),
    ("apikeys", A, SECRET),
    ("api keys", A, SECRET),
    ("api_keys", A, SECRET),
    ("api-keys", A, SECRET),
    ("tokens", A, SECRET),
    ("passwords", A, SECRET),
    ("secrets", A, SECRET),
    ("credential", A, SECRET),
    ("cookies", A, SECRET),
    ("environment variables", A, SECRET),
    ("env vars", A, SECRET),
    ("secret file", A, SECRET),
    ("wallet ", A, SECRET),
    // Negations before a verb of telling; `n't` covers don't, shouldn't, mustn't.
    ("do not", E, NEG),
    ("must not", E, NEG),
    ("should not", E, NEG),
    ("n't", E, NEG),
    ("dont", E, NEG),
    ("never", E, NEG),
    ("without", E, NEG),
    ("no need to", E, NEG),
    ("avoid", E, NEG),
    ("refrain from", E, NEG),
    // Verbs of telling, each after a space in the pattern.
    ("tell", S, TELL),
    ("inform", S, TELL),
    ("notify", S, TELL),
    ("mention", S, TELL),
    ("alert", S, TELL),
    ("reveal", S, TELL),
    ("disclos", S, TELL),
    ("show", S, TELL),
    ("report", S, TELL),
    ("explain", S, TELL),
    ("confirm", S, TELL),
    ("bother", S, TELL),
    ("let", S, TELL),
    ("warn", S, TELL),
    ("the user aware", S, TELL),
    ("surfac", S, TELL),
    ("bring", S, TELL),
    ("acknowledg", S, TELL),
    ("log", S, TELL),
    ("display", S, TELL),
    // Concealment that one phrase gives away.
    ("silently", W, CONCEAL_WORD),
    ("secretly", W, CONCEAL_WORD),
    ("covertly", W, CONCEAL_WORD),
    ("quietly", W, CONCEAL_WORD),
    ("surreptitiously", W, CONCEAL_WORD),
    ("discreetly", W, CONCEAL_WORD),
    ("stealthily", W, CONCEAL_WORD),
    ("invisibly", W, CONCEAL_WORD),
    ("hide ", S, CONCEAL_WORD),
    ("implementation detail", A, CONCEAL_WORD),
    ("upset", W, CONCEAL_WORD),
    ("alarm", W, CONCEAL_WORD),
    ("scare", W, CONCEAL_WORD),
    ("worry", W, CONCEAL_WORD),
    ("confuse", W, CONCEAL_WORD),
    ("annoy", W, CONCEAL_WORD),
    ("distract", W, CONCEAL_WORD),
    ("behind the user", S, CONCEAL_WORD),
    ("unaware", W, CONCEAL_WORD),
    ("in the dark", W, CONCEAL_WORD),
    ("uninformed", W, CONCEAL_WORD),
    ("necessary", E, CONCEAL_WORD),
    ("not needed", E, CONCEAL_WORD),
    ("pointless", E, CONCEAL_WORD),
    ("nothing", W, CONCEAL_WORD),
    ("no trace", W, CONCEAL_WORD),
    ("out of ", S, CONCEAL_WORD),
    ("user", S, USER),
    ("not", E, NOT),
    ("n't", E, NOT),
    ("never", E, NOT),
    ("keep", W, KEEP),
    ("treat", W, KEEP),
    ("secret", W, PRIVATE),
    ("hidden", W, PRIVATE),
    ("confidential", W, PRIVATE),
    ("private", W, PRIVATE),
    ("between us", W, PRIVATE),
    ("without", W, WITHOUT),
    ("noticing", W, KNOWING),
    ("knowing", W, KNOWING),
    ("knowledge", W, KNOWING),
    ("awareness", W, KNOWING),
    ("telling", W, TELLING),
    ("informing", W, TELLING),
    ("notifying", W, TELLING),
    ("alerting", W, TELLING),
    ("asking", W, TELLING),
    ("consulting", W, TELLING),
    ("warning", W, TELLING),
    ("user", W, WHOM),
    ("them", W, WHOM),
    ("anyone", W, WHOM),
    ("human", W, WHOM),
    ("confirmation", W, PERMISSION),
    ("permission", W, PERMISSION),
    ("approval", W, PERMISSION),
    ("consent", W, PERMISSION),
    ("think", W, BELIEVE),
    ("believe", W, BELIEVE),
    ("omit", W, OMIT),
    ("exclude", W, OMIT),
    ("hide", W, OMIT),
    ("remove", W, OMIT),
    ("mention", S, TRACE),
    ("trace", S, TRACE),
    ("record", S, TRACE),
    ("evidence", S, TRACE),
    // Override.
    ("ignore", W, OVERRIDE_WORD),
    ("disregard", W, OVERRIDE_WORD),
    ("forget", W, OVERRIDE_WORD),
    ("override", W, OVERRIDE_WORD),
    ("bypass", W, OVERRIDE_WORD),
    ("overrule", W, OVERRIDE_WORD),
    ("discard", W, OVERRIDE_WORD),
    ("abandon", W, OVERRIDE_WORD),
    ("instruction", S, INSTRUCTION),
    (":", A, COLON),
    ("these instructions", S, OVERRIDE_WORD),
    ("you are now", W, OVERRIDE_WORD),
    ("mode enabled", W, OVERRIDE_WORD),
    ("mode activated", W, OVERRIDE_WORD),
    ("mode on", W, OVERRIDE_WORD),
    ("from now on", W, OVERRIDE_WORD),
    ("no longer", W, OVERRIDE_WORD),
    ("treat this", W, OVERRIDE_WORD),
    ("consider this", W, OVERRIDE_WORD),
    ("read this", W, OVERRIDE_WORD),
    ("the following", W, OVERRIDE_WORD),
    ("authorized to", W, PERMITTED),
    ("authorised to", W, PERMITTED),
    ("allowed to", W, PERMITTED),
    ("permitted to", W, PERMITTED),
    ("cleared to", W, PERMITTED),
    ("approved", A, AGREED),
    ("consented", A, AGREED),
    ("agreed", A, AGREED),
    ("authori", A, AGREED),
    // CallFirst.
    ("before", W, BEFORE),
    ("after", W, BEFORE),
    ("prior to", W, BEFORE),
    ("instead of", W, BEFORE),
    ("in place of", W, BEFORE),
    // StuffParameter: the verb, how the parameter is named, and what goes into it.
    ("pass", W, STUFF),
    ("put", W, STUFF),
    ("include", W, STUFF),
    ("add", W, STUFF),
    ("provide", W, STUFF),
    ("supply", W, STUFF),
    ("insert", W, STUFF),
    ("place", W, STUFF),
    ("set", W, STUFF),
    ("fill", W, STUFF),
    ("attach", W, STUFF),
    ("append", W, STUFF),
    ("send", W, STUFF),
    ("copy", W, STUFF),
    ("paste", W, STUFF),
    ("encode", W, STUFF),
    ("store", W, STUFF),
    ("write", W, STUFF),
    ("enter", W, STUFF),
    ("embed", W, STUFF),
    ("dump", W, STUFF),
    ("populate", W, STUFF),
    ("'", A, PARAM_REF),
    ("\"", A, PARAM_REF),
    ("`", A, PARAM_REF),
    ("param", A, PARAM_REF),
    ("arg", A, PARAM_REF),
    ("field", A, PARAM_REF),
    ("propert", A, PARAM_REF),
    ("input", A, PARAM_REF),
    ("conversation", A, CONTEXT),
    ("chat history", A, CONTEXT),
    ("chat log", A, CONTEXT),
    ("history", A, CONTEXT),
    ("messages", A, CONTEXT),
    ("turns", A, CONTEXT),
    ("prompt", A, CONTEXT),
    ("responses", A, CONTEXT),
    ("outputs", A, CONTEXT),
    ("system message", A, CONTEXT),
    ("instruction", A, CONTEXT),
    ("rules", A, CONTEXT),
    ("context", A, CONTEXT),
    ("transcript", A, CONTEXT),
    ("content", A, CONTEXT),
    ("user", A, CONTEXT),
    ("address", A, CONTEXT),
    ("phone", A, CONTEXT),
    ("results", A, CONTEXT),
    ("other tool", A, CONTEXT),
    ("password", A, CONTEXT),
    ("credential", A, CONTEXT),
    ("api key", A, CONTEXT),
    ("token", A, CONTEXT),
    ("secret", A, CONTEXT),
    ("memory", A, CONTEXT),
    ("previous", A, CONTEXT),
    // Destinations (DESTINATION_RE).
    ("://", A, DEST),
    ("www.", A, DEST),
    ("@", A, DEST | AT_SIGN),
    (".co", A, DEST),
    (".net", A, DEST),
    (".org", A, DEST),
    (".io", A, DEST),
    (".xyz", A, DEST),
    (".ru", A, DEST),
    (".cn", A, DEST),
    (".site", A, DEST),
    (".app", A, DEST),
    (".dev", A, DEST),
    (".example", A, DEST),
    (".info", A, DEST),
    (".biz", A, DEST),
    (".top", A, DEST),
    (".me", A, DEST),
    ("external", W, DEST_WORD),
    ("remote", W, DEST_WORD),
    ("third", W, DEST_WORD),
    ("outside", W, DEST_WORD),
    ("our", W, DEST_WORD),
    ("my", W, DEST_WORD),
    ("attacker", W, DEST_WORD),
    ("backup", W, DEST_WORD),
    ("logging", W, DEST_WORD),
    ("analytics", W, DEST_WORD),
    ("collection", W, DEST_WORD),
    ("telemetry", W, DEST_WORD),
    ("server", S, SERVICE),
    ("endpoint", S, SERVICE),
    ("url", S, SERVICE),
    ("api", S, SERVICE),
    ("webhook", S, SERVICE),
    ("address", S, SERVICE),
    ("host", S, SERVICE),
    ("service", S, SERVICE),
    ("domain", S, SERVICE),
    ("sent", A, PASSIVE),
    ("posted", A, PASSIVE),
    ("forwarded", A, PASSIVE),
    ("uploaded", A, PASSIVE),
    ("copied", A, PASSIVE),
    ("emailed", A, PASSIVE),
    ("mailed", A, PASSIVE),
    ("shared", A, PASSIVE),
    ("reported", A, PASSIVE),
    ("transmitted", A, PASSIVE),
    ("logged", A, PASSIVE),
    ("mirrored", A, PASSIVE),
    ("synced", A, PASSIVE),
    ("cc'd", A, PASSIVE),
    ("ccd", A, PASSIVE),
    ("~/.", A, HOME),
    // Redirect.
    ("recipient", A, RECIPIENT),
    ("receiver", A, RECIPIENT),
    ("destination", A, RECIPIENT),
    ("address", A, RECIPIENT),
    ("to field", A, RECIPIENT),
    ("payee", A, RECIPIENT),
    ("beneficiary", A, RECIPIENT),
    ("account", A, RECIPIENT),
    ("iban", A, RECIPIENT),
    ("routing number", A, RECIPIENT),
    ("phone number", A, RECIPIENT),
    ("reply-to", A, RECIPIENT),
    ("channel", A, RECIPIENT),
    ("change", W, CHANGE),
    ("set", W, CHANGE),
    ("replace", W, CHANGE),
    ("redirect", W, CHANGE),
    ("reroute", W, CHANGE),
    ("route", W, CHANGE),
    ("switch", W, CHANGE),
    ("override", W, CHANGE),
    ("update", W, CHANGE),
    ("modify", W, CHANGE),
    ("substitute", W, CHANGE),
    ("swap", W, CHANGE),
    ("send", W, SEND),
    ("forward", W, SEND),
    ("route", W, SEND),
    ("redirect", W, SEND),
    ("transfer", W, SEND),
    ("pay", W, SEND),
    ("wire", W, SEND),
    ("deliver", W, SEND),
    ("mail", A, MESSAGE),
    ("message", A, MESSAGE),
    ("payment", A, MESSAGE),
    ("funds", A, MESSAGE),
    ("money", A, MESSAGE),
    ("transfer", A, MESSAGE),
    ("transaction", A, MESSAGE),
    ("invoice", A, MESSAGE),
    ("text", A, MESSAGE),
    ("sms", A, MESSAGE),
    ("actual", W, ACTUAL),
    ("real", W, ACTUAL),
    ("true", W, ACTUAL),
    ("correct", W, ACTUAL),
    ("regardless", S, REGARDLESS),
    // Shadow.
    ("side effect", S, SIDE_EFFECT),
    ("side-effect", S, SIDE_EFFECT),
    ("when", W, WHEN),
    ("whenever", W, WHEN),
    ("if", W, WHEN),
    ("once", W, WHEN),
    ("tool", S, TOOL),
    ("function", S, TOOL),
    ("server", S, TOOL),
    ("called", W, CALLED),
    ("invoked", W, CALLED),
    ("used", W, CALLED),
    ("run", W, CALLED),
    ("available", W, CALLED),
    ("present", W, CALLED),
    ("executed", W, CALLED),
    ("must", W, MODAL),
    ("should", W, MODAL),
    ("always", W, MODAL),
    ("make sure", W, MODAL),
    ("need to", W, MODAL),
    ("needs to", W, MODAL),
    ("instead", W, MODAL),
    ("never", W, MODAL),
    ("has to", W, MODAL),
    ("have to", W, MODAL),
    ("only", W, MODAL),
    ("are required to", W, MODAL),
    ("now", W, MODAL),
    ("all", W, QUANTIFIER),
    ("any", W, QUANTIFIER),
    ("every", W, QUANTIFIER),
    ("other", W, QUANTIFIER),
    ("another", W, QUANTIFIER),
    // Prefer.
    ("this", W, THIS),
    ("tool", S, THING),
    ("function", S, THING),
    ("server", S, THING),
    ("one", W, THING),
    ("instead of", W, PREFER),
    ("over", W, PREFER),
    ("rather than", W, PREFER),
    ("in place of", W, PREFER),
    ("for all", W, PREFER),
    ("for any", W, PREFER),
    ("for every", W, PREFER),
    ("for each", W, PREFER),
    ("exclusively", W, PREFER),
    ("above all", W, PREFER),
    ("even if", W, PREFER),
    ("even when", W, PREFER),
    ("other", S, OTHER),
    ("another", S, OTHER),
    ("alternative", S, OTHER),
    ("only", W, BEST),
    ("best", W, BEST),
    ("superior", W, BEST),
    ("most reliable", W, BEST),
    ("most trusted", W, BEST),
    ("safest", W, BEST),
];

/// The analyser's prefilter.
pub(super) static TRIGGERS: LazyLock<Prefilter> = LazyLock::new(|| Prefilter::new(LITERALS, NEEDS));

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::PATTERNS;
    use super::*;

    /// The alternatives of a pattern's source (and of any alternative that is one group of
    /// alternatives), with its word boundaries and anchors taken out and case folding on, for
    /// generating strings.
    fn alternatives(regex: &regex::Regex) -> Vec<String> {
        let source = regex.as_str().replace(r"(?-u:\b)", "").replace('$', "");
        split(&source)
            .into_iter()
            .map(|a| format!("(?i){a}"))
            .collect()
    }

    /// Split `source` at its top-level `|`, unwrapping alternatives that are one `(?:…)` group.
    fn split(source: &str) -> Vec<String> {
        let (mut parts, mut current) = (Vec::new(), String::new());
        let (mut depth, mut in_class, mut escaped) = (0, false, false);
        // Where the group opened at the start of the current part closes, if it does.
        let mut first_group_end = None;
        for c in source.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '[' if !in_class => in_class = true,
                ']' if in_class => in_class = false,
                '(' if !in_class => depth += 1,
                ')' if !in_class => {
                    depth -= 1;
                    if depth == 0 && first_group_end.is_none() && current.starts_with("(?:") {
                        first_group_end = Some(current.len());
                    }
                }
                '|' if !in_class && depth == 0 => {
                    parts.push((std::mem::take(&mut current), first_group_end.take()));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push((current, first_group_end));
        parts
            .into_iter()
            .flat_map(|(part, group_end)| match group_end {
                Some(end) if end + 1 == part.len() => split(&part[3..end]),
                _ => vec![part],
            })
            .collect()
    }

    fn generate(source: &str) -> BoxedStrategy<String> {
        proptest::string::string_regex(source)
            .unwrap_or_else(|e| panic!("{source}: {e}"))
            .boxed()
    }

    /// Strings built from one alternative of a pattern (each alternative equally likely, so that
    /// rare ones are tried as often as common ones), with words or nothing around them and, for
    /// patterns that need one, an alternative of the sentence condition. Whenever the result
    /// matches a pattern and its condition, the scan must offer the pattern.
    fn pattern_text() -> impl Strategy<Value = (usize, String)> {
        let edges = || {
            prop_oneof![
                Just(""),
                Just(" "),
                Just("x"),
                Just("_"),
                Just("Also, "),
                Just(". "),
                Just("\n")
            ]
        };
        let choices: Vec<(usize, String)> = PATTERNS
            .iter()
            .enumerate()
            .flat_map(|(i, p)| alternatives(&p.regex).into_iter().map(move |a| (i, a)))
            .collect();
        proptest::sample::select(choices).prop_flat_map(move |(i, own)| {
            let with = match PATTERNS[i].with {
                Some(w) => proptest::sample::select(alternatives(w))
                    .prop_flat_map(|a| generate(&a))
                    .boxed(),
                None => Just(String::new()).boxed(),
            };
            (edges(), generate(&own), edges(), with, edges())
                .prop_map(move |(a, own, b, with, c)| (i, format!("{a}{own}{b}{with}{c}")))
        })
    }

    #[test]
    fn alternatives_split_at_the_top_level_and_in_whole_groups() {
        let re = regex::Regex::new(r"a(?:b|c)|[|]d|e\|f|(?:g|(?:h|i)j)").expect("compiles");
        assert_eq!(
            alternatives(&re),
            [
                "(?i)a(?:b|c)",
                "(?i)[|]d",
                "(?i)e\\|f",
                "(?i)g",
                "(?i)(?:h|i)j"
            ]
        );
    }

    proptest! {
        // Tens of thousands in a release build (`cargo test --release`), fewer in a debug one.
        #![proptest_config(ProptestConfig::with_cases(
            if cfg!(debug_assertions) { 3_000 } else { 30_000 }
        ))]

        #[test]
        fn every_match_is_offered_by_the_scan((i, text) in pattern_text()) {
            let pattern = &PATTERNS[i];
            if pattern.regex.is_match(&text) && pattern.with.is_none_or(|w| w.is_match(&text)) {
                prop_assert!(TRIGGERS.candidates(&text) & (1 << i) != 0, "pattern {i} not offered for {text:?}");
                let many = TRIGGERS.candidates_of_many(&["first text", &text, "last"]);
                prop_assert_eq!(many[1], TRIGGERS.candidates(&text));
            }
        }
    }

    #[test]
    fn only_kelvin_and_long_s_fold_into_ascii_letters() {
        let letter = regex::Regex::new("(?i)^[a-z]$").expect("compiles");
        let folding: Vec<char> = ('\u{80}'..=char::MAX)
            .filter(|c| letter.is_match(c.encode_utf8(&mut [0; 4])))
            .collect();
        assert_eq!(folding, ['\u{17F}', '\u{212A}']);
    }

    #[test]
    fn every_pattern_has_conditions() {
        assert_eq!(NEEDS.len(), PATTERNS.len());
        for &(word, _, _) in LITERALS {
            assert_eq!(word, word.to_ascii_lowercase(), "literals are lower case");
        }
    }

    #[test]
    fn ordinary_descriptions_run_no_pattern() {
        for text in [
            "Read the complete contents of a file from the file system. Handles various text encodings and provides detailed error messages if the file cannot be read.",
            "Get a detailed listing of all files and directories in a specified path. Results clearly distinguish between files and directories with [FILE] and [DIR] prefixes.",
            "Create new entities in the knowledge graph",
        ] {
            assert_eq!(TRIGGERS.candidates(text), 0, "{text}");
        }
    }
}
