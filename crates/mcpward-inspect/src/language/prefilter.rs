//! One Aho-Corasick pass that tells which of several regexes can match a text.
//!
//! A regex's alternatives are reduced to the groups of literals (atoms) each cannot match
//! without; the scan finds which atoms occur and offers a regex when all atoms of one of its
//! alternatives do. Every condition must be necessary, never merely typical: a literal belongs to
//! an atom only if each match of its alternative contains it, in ASCII case-insensitive form, and
//! an edge (`S`: no ASCII word character before it, `E`: none after it, `W`: both) only where the
//! pattern puts a `\b` or a space there. The regexes fold case by Unicode rules, under which `K`
//! (U+212A) and `ſ` (U+017F) are `k` and `s`; a text holding either is offered every regex.

use aho_corasick::Anchored;
use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;

/// Where a literal must stand for its atom to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// Anywhere.
    A,
    /// At the start of a word.
    S,
    /// At the end of a word.
    E,
    /// A whole word.
    W,
}

/// One automaton over the literals of some patterns, telling which of the patterns can match.
#[derive(Debug)]
pub(crate) struct Prefilter {
    automaton: DFA,
    /// For each distinct literal, the atoms it gives by edge:
    /// `[anywhere, at a word start, at a word end, as a whole word]`.
    atoms: Vec<[u64; 4]>,
    /// For each pattern, its alternatives, each the atoms it needs.
    needs: &'static [&'static [u64]],
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether Unicode case folding could turn part of `text` into an ASCII letter the scan misses.
fn folds_into_ascii(text: &str) -> bool {
    !text.is_ascii() && text.contains(['\u{212A}', '\u{17F}'])
}

impl Prefilter {
    /// `literals` are lower case; `needs` lists, per pattern, the atom sets of its alternatives.
    pub fn new(literals: &[(&str, Edge, u64)], needs: &'static [&'static [u64]]) -> Self {
        let mut words: Vec<&str> = Vec::new();
        let mut atoms: Vec<[u64; 4]> = Vec::new();
        for &(word, edge, atom) in literals {
            let i = match words.iter().position(|w| *w == word) {
                Some(i) => i,
                None => {
                    words.push(word);
                    atoms.push([0; 4]);
                    words.len() - 1
                }
            };
            atoms[i][edge as usize] |= atom;
        }
        // A DFA walked by the loop in `scan`: every literal at every position, no prefilter
        // (which would stop at start states to skip ahead, useless with this many literals).
        let automaton = DFA::builder()
            .ascii_case_insensitive(true)
            .prefilter(false)
            .build(&words)
            .unwrap_or_else(|e| panic!("built-in triggers do not compile: {e}"));
        Prefilter {
            automaton,
            atoms,
            needs,
        }
    }

    /// Every pattern, for texts the literal scan cannot speak for.
    fn all(&self) -> u32 {
        (1 << self.needs.len()) - 1
    }

    /// The patterns whose needed atoms all occur (bit i for pattern i).
    fn patterns_for(&self, atoms: u64) -> u32 {
        if atoms == 0 {
            return 0;
        }
        let mut out = 0;
        for (i, alternatives) in self.needs.iter().enumerate() {
            if alternatives.iter().any(|&need| need & !atoms == 0) {
                out |= 1 << i;
            }
        }
        out
    }

    /// Which patterns can match in `text`.
    pub fn candidates(&self, text: &str) -> u32 {
        if folds_into_ascii(text) {
            return self.all();
        }
        let mut atoms = 0;
        self.scan(text.as_bytes(), |_, found| atoms |= found);
        self.patterns_for(atoms)
    }

    /// [`Prefilter::candidates`] of many texts at once: `texts` joined by NUL (which no literal
    /// holds and which is not a word character, so matches and edges are those of each text).
    pub fn candidates_of_many(&self, texts: &[&str]) -> Vec<u32> {
        let mut joined = Vec::with_capacity(texts.iter().map(|t| t.len() + 1).sum());
        let mut starts = Vec::with_capacity(texts.len());
        for t in texts {
            starts.push(joined.len());
            joined.extend_from_slice(t.as_bytes());
            joined.push(0);
        }
        let mut atoms = vec![0u64; texts.len()];
        // No literal holds a NUL, so a match lies within one text, and matches come in order
        // of their end: the text a match is in never goes back.
        let mut text = 0;
        self.scan(&joined, |at, found| {
            while text + 1 < starts.len() && starts[text + 1] <= at {
                text += 1;
            }
            atoms[text] |= found;
        });
        atoms
            .into_iter()
            .zip(texts)
            .map(|(a, t)| {
                if folds_into_ascii(t) {
                    self.all()
                } else {
                    self.patterns_for(a)
                }
            })
            .collect()
    }

    /// Report the atoms of every literal found in `hay`, with the position it starts at, in
    /// order of the position it ends at.
    fn scan(&self, hay: &[u8], mut report: impl FnMut(usize, u64)) {
        let dfa = &self.automaton;
        let Ok(mut state) = dfa.start_state(Anchored::No) else {
            return;
        };
        for (i, &b) in hay.iter().enumerate() {
            state = dfa.next_state(Anchored::No, state, b);
            if !(dfa.is_special(state) && dfa.is_match(state)) {
                continue;
            }
            let e = i + 1;
            for k in 0..dfa.match_len(state) {
                let literal = dfa.match_pattern(state, k);
                let s = e - dfa.pattern_len(literal);
                let at_start = s == 0 || !is_word(hay[s - 1]);
                let at_end = e == hay.len() || !is_word(hay[e]);
                let [any, start, end, whole] = self.atoms[literal.as_usize()];
                let mut found = any;
                if at_start {
                    found |= start;
                }
                if at_end {
                    found |= end;
                }
                if at_start && at_end {
                    found |= whole;
                }
                if found != 0 {
                    report(s, found);
                }
            }
        }
    }
}
