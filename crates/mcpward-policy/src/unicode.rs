//! Unicode spellings of one text. `café` can be written with a precomposed `é` (NFC) or with `e`
//! and a combining accent (NFD); macOS file systems and many servers treat both as the same name,
//! and readers that fold compatibility forms (Windows' best-fit code pages, URL host parsing)
//! read a full-width `／` as `/` and `ｅｎｖ` as `env`. A matcher therefore compares the argument
//! and its own patterns in each normal form, and leans the way its rule needs: `ask`/`deny` hold
//! if any spelling matches, `allow` only if every spelling does.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::{
    IsNormalized, is_nfc_quick, is_nfd_quick, is_nfkc_quick, is_nfkd_quick,
};

/// One way of spelling a text. `Raw` is the text as written: a server that compares bytes sees
/// exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Raw,
    Nfc,
    Nfd,
    Nfkc,
    Nfkd,
}

/// Every spelling a matcher considers.
pub(crate) const FORMS: [Form; 5] = [Form::Raw, Form::Nfc, Form::Nfd, Form::Nfkc, Form::Nfkd];

/// `text` in `form`; borrowed when it already is (always for ASCII).
pub(crate) fn spell(form: Form, text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let chars = text.chars();
    let (quick, normalise): (IsNormalized, fn(&str) -> String) = match form {
        Form::Raw => return Cow::Borrowed(text),
        Form::Nfc => (is_nfc_quick(chars), |s: &str| s.nfc().collect()),
        Form::Nfd => (is_nfd_quick(chars), |s: &str| s.nfd().collect()),
        Form::Nfkc => (is_nfkc_quick(chars), |s: &str| s.nfkc().collect()),
        Form::Nfkd => (is_nfkd_quick(chars), |s: &str| s.nfkd().collect()),
    };
    match quick {
        IsNormalized::Yes => Cow::Borrowed(text),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(normalise(text)),
    }
}

/// A compiled pattern list in every spelling, compiled once when the policy is loaded. Forms that
/// spell the patterns identically (always, for ASCII patterns) share one compiled value.
#[derive(Debug, Clone)]
pub(crate) struct BySpelling<T> {
    compiled: Vec<T>,
    /// Index into `compiled` for each entry of [`FORMS`].
    index: [usize; FORMS.len()],
}

impl<T> BySpelling<T> {
    /// Compile `patterns` in every form. An error compiling the patterns as written is returned;
    /// a normal form that no longer compiles (a full-width `［` folds to an unclosed `[`) falls
    /// back to the patterns as written, so normalising can only add matches, never break a rule.
    pub(crate) fn compile<E>(
        patterns: &[String],
        mut compile: impl FnMut(&[String]) -> Result<T, E>,
    ) -> Result<Self, E> {
        let mut spelled: Vec<Vec<String>> = vec![patterns.to_vec()];
        let mut compiled = vec![compile(patterns)?];
        let mut index = [0; FORMS.len()];
        for (slot, form) in FORMS.iter().enumerate().skip(1) {
            let list: Vec<String> = patterns
                .iter()
                .map(|p| spell(*form, p).into_owned())
                .collect();
            if let Some(seen) = spelled.iter().position(|s| *s == list) {
                index[slot] = seen;
                continue;
            }
            if let Ok(c) = compile(&list) {
                index[slot] = compiled.len();
                compiled.push(c);
                spelled.push(list);
            }
        }
        Ok(BySpelling { compiled, index })
    }

    pub(crate) fn get(&self, form: Form) -> &T {
        let slot = FORMS.iter().position(|f| *f == form).unwrap_or(0);
        &self.compiled[self.index[slot]]
    }

    /// The patterns as written.
    pub(crate) fn raw(&self) -> &T {
        &self.compiled[0]
    }
}

/// Whether `test` holds for the spellings of `text`: for any of them when `broad`, else for all.
/// `test` gets the form, so it can compare with the patterns spelled the same way.
pub(crate) fn spellings_match(
    text: &str,
    broad: bool,
    mut test: impl FnMut(Form, &str) -> bool,
) -> bool {
    let mut one = |form: Form| test(form, &spell(form, text));
    if broad {
        FORMS.into_iter().any(&mut one)
    } else {
        FORMS.into_iter().all(&mut one)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composed_and_decomposed_spellings_meet_in_each_form() {
        let nfc = "caf\u{e9}";
        let nfd = "cafe\u{301}";
        assert_eq!(spell(Form::Nfc, nfd), nfc);
        assert_eq!(spell(Form::Nfd, nfc), nfd);
        assert_eq!(spell(Form::Raw, nfd), nfd);
    }

    #[test]
    fn compatibility_forms_fold_full_width() {
        assert_eq!(
            spell(Form::Nfkc, "\u{ff0e}\u{ff45}\u{ff4e}\u{ff56}"),
            ".env"
        );
        assert_eq!(spell(Form::Nfc, "\u{ff0f}"), "\u{ff0f}");
    }

    #[test]
    fn ascii_patterns_compile_once() {
        let mut calls = 0;
        let set = BySpelling::compile(&["src/**".to_owned()], |p| {
            calls += 1;
            Ok::<_, ()>(p.to_vec())
        })
        .unwrap();
        assert_eq!(calls, 1);
        assert_eq!(set.get(Form::Nfkd), set.raw());
    }
}
