//! Words → phonemes: inline overrides, then the user lexicon, then heteronym rules, then
//! CMUdict, then the learned model (for out-of-vocabulary words only; results are cached).

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::text::g2p_model::LoadedG2p;
use crate::text::heteronyms;
use crate::text::lexicon::Lexicon;
use crate::text::phonemes;

/// Where a word's phonemes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The user's lexicon file (`--lexicon`).
    UserLexicon,
    /// CMUdict (including heteronym rules choosing among its alternates).
    Dictionary,
    /// The learned letter-to-phoneme model.
    Learned,
    /// Written in the text (`{HH AH0 L OW1}`, SSML `<phoneme>`).
    Inline,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::UserLexicon => "user lexicon",
            Source::Dictionary => "dictionary",
            Source::Learned => "learned",
            Source::Inline => "inline",
        })
    }
}

/// The grapheme-to-phoneme stage.
pub struct G2p {
    pub dict: Lexicon,
    pub user: Lexicon,
    model: Option<LoadedG2p>,
    cache: Mutex<HashMap<String, Vec<String>>>,
}

/// Parses inline phonemes ("HH AH0 L OW1"); unknown symbols are an error naming them.
pub fn parse_inline(ph: &str) -> Result<Vec<String>> {
    let mut v = Vec::new();
    for s in ph.split(|c: char| c.is_whitespace() || c == ',').filter(|s| !s.is_empty()) {
        match phonemes::normalise_symbol(s, true) {
            Some(p) => v.push(p),
            None => {
                return Err(Error::Text(format!("inline phoneme '{s}' in '{{{ph}}}' is not ARPAbet (e.g. HH AH0 L OW1)")));
            }
        }
    }
    if v.is_empty() {
        return Err(Error::Text("empty inline phonemes '{}': write e.g. {HH AH0 L OW1}".into()));
    }
    Ok(v)
}

impl G2p {
    pub fn new(dict: Lexicon, user: Lexicon, model: Option<LoadedG2p>) -> Self {
        Self { dict, user, model, cache: Mutex::new(HashMap::new()) }
    }

    /// Whether a learned model is loaded.
    pub fn has_model(&self) -> bool {
        self.model.is_some()
    }

    /// Looks a word up without the learned model: user lexicon, heteronym rules, CMUdict.
    pub fn lookup(&self, word: &str, prev: Option<&str>, next: Option<&str>) -> Option<(Vec<String>, Source)> {
        if let Some(p) = self.user.first(word) {
            return Some((p.to_vec(), Source::UserLexicon));
        }
        if word == "'s" {
            return Some((vec!["Z".into()], Source::Dictionary));
        }
        if let Some(p) = heteronyms::disambiguate(word, prev, next) {
            return Some((p, Source::Dictionary));
        }
        if let Some(p) = self.dict.first(word) {
            return Some((p.to_vec(), Source::Dictionary));
        }
        // Hyphenated and possessive forms of known words.
        if word.contains('-') {
            let parts: Vec<&str> = word.split('-').filter(|p| !p.is_empty()).collect();
            let mut all = Vec::new();
            for part in &parts {
                all.extend(self.dict.first(part)?.iter().cloned());
            }
            return (!all.is_empty()).then_some((all, Source::Dictionary));
        }
        if let Some(stem) = word.strip_suffix("'s") {
            let mut p = self.dict.first(stem)?.to_vec();
            let last = p.last().map(|s| phonemes::strip_stress(s).to_string()).unwrap_or_default();
            match last.as_str() {
                "S" | "Z" | "SH" | "ZH" | "CH" | "JH" => p.extend(["IH0".to_string(), "Z".to_string()]),
                "P" | "T" | "K" | "F" | "TH" => p.push("S".into()),
                _ => p.push("Z".into()),
            }
            return Some((p, Source::Dictionary));
        }
        None
    }

    /// Phonemes of many out-of-vocabulary words at once through the learned model
    /// (cached). Without a model, words are spelled letter by letter from the dictionary.
    pub fn learned(&self, words: &[&str]) -> Vec<Vec<String>> {
        let mut cache = match self.cache.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        let todo: Vec<&str> = {
            let mut t: Vec<&str> = words.iter().copied().filter(|w| !cache.contains_key(*w)).collect();
            t.sort_unstable();
            t.dedup();
            t
        };
        if !todo.is_empty() {
            let preds: Vec<Vec<String>> = match &self.model {
                Some(m) => todo.chunks(256).flat_map(|c| m.model.predict_beam(c, crate::text::g2p_model::DEFAULT_BEAM)).collect(),
                None => todo.iter().map(|w| self.spell(w)).collect(),
            };
            for (w, p) in todo.iter().zip(preds) {
                let p = if p.is_empty() { self.spell(w) } else { p };
                cache.insert(w.to_string(), p);
            }
        }
        words.iter().map(|w| cache.get(*w).cloned().unwrap_or_default()).collect()
    }

    /// Letter-by-letter reading from the dictionary's letter entries (`a.` → EY1).
    pub fn spell(&self, word: &str) -> Vec<String> {
        word.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .flat_map(|c| {
                let key = if c.is_ascii_digit() { crate::text::numbers::digit_word(c).to_string() } else { format!("{}.", c.to_ascii_lowercase()) };
                self.dict.first(&key).map(|p| p.to_vec()).unwrap_or_default()
            })
            .collect()
    }
}
