//! The frontend: text (or SSML) → utterances of words, phonemes, tokens and ids.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::text::g2p::{parse_inline, G2p, Source};
use crate::text::g2p_model::LoadedG2p;
use crate::text::lexicon::{data_dir, Lexicon};
use crate::text::normalize::{normalize_cleaned, Norm};
use crate::text::numbers as num;
use crate::text::phonemes::marks;
use crate::text::sentences::{sentence_end, sentences, Sentences};
use crate::text::ssml::{self, Item, Prosody};
use crate::text::tokenizer::Tokenizer;

/// How to build a [`Frontend`]. `Default` loads everything from `data/`.
#[derive(Debug, Clone, Default)]
pub struct FrontendOptions {
    /// A user lexicon (`WORD  PH ON EMES` a line) that overrides every other source.
    pub lexicon: Option<PathBuf>,
    /// CMUdict file (plain or .gz); default `data/cmudict/cmudict.dict.gz`.
    pub cmudict: Option<PathBuf>,
    /// Learned G2P model directory; default `data/g2p`.
    pub g2p_model: Option<PathBuf>,
    /// Run without the learned model: out-of-vocabulary words are spelled letter by letter.
    pub no_learned_model: bool,
    /// A `tokenizer.json` (e.g. a voice pack's); default [`Tokenizer::default_english`].
    pub tokenizer: Option<PathBuf>,
    /// Treat the input as SSML: `Some(true)` always, `Some(false)` never, `None` when it starts with `<speak`.
    pub ssml: Option<bool>,
}

impl FrontendOptions {
    /// The options a voice speaks with: its tokenizer (`None`: the default English one), and
    /// the learned G2P model for out-of-vocabulary words when `data/g2p` holds one (else such
    /// words are spelled out).
    pub fn for_voice(tokenizer: Option<PathBuf>) -> FrontendOptions {
        let have_g2p = data_dir().join("g2p").join("config.json").is_file();
        FrontendOptions { tokenizer, no_learned_model: !have_g2p, ..Default::default() }
    }
}

/// Sentence type, kept for intonation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SentenceType {
    Statement,
    Question,
    Exclamation,
    /// No final punctuation (headings, trailing ellipsis).
    None,
}

impl SentenceType {
    pub fn mark(self) -> &'static str {
        match self {
            SentenceType::Statement => marks::END_STATEMENT,
            SentenceType::Question => marks::END_QUESTION,
            SentenceType::Exclamation => marks::END_EXCLAMATION,
            SentenceType::None => marks::END_NONE,
        }
    }
}

/// One word with its phonemes and where they came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordPron {
    pub word: String,
    pub phonemes: Vec<String>,
    pub source: Source,
}

/// One token of the flat sequence: a phoneme or a prosody mark.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Token {
    pub symbol: String,
    /// Rate, pitch and volume multipliers from SSML `<prosody>` (1.0 = unchanged).
    pub prosody: Prosody,
    /// Pause length in milliseconds for pause marks (punctuation or SSML `<break>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_ms: Option<u32>,
    /// Index into `words` for phonemes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub word: Option<usize>,
}

/// One sentence, ready for the acoustic model.
#[derive(Debug, Clone, Serialize)]
pub struct Utterance {
    /// The sentence as written (SSML markup removed).
    pub text: String,
    pub sentence_type: SentenceType,
    pub words: Vec<WordPron>,
    pub tokens: Vec<Token>,
    /// Token ids (same length as `tokens`).
    pub ids: Vec<i64>,
    /// Things the user should know (skipped characters of other scripts, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Utterance {
    /// The token symbols.
    pub fn symbols(&self) -> Vec<String> {
        self.tokens.iter().map(|t| t.symbol.clone()).collect()
    }

    /// The normalised words joined by spaces.
    pub fn normalized(&self) -> String {
        self.words.iter().map(|w| w.word.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// Milliseconds of the pause that punctuation (comma, semicolon, ...) stands for.
pub const PUNCT_PAUSE_MS: u32 = 200;

fn pause_mark(ms: u32) -> &'static str {
    match ms {
        0..=250 => marks::PAUSE_SHORT,
        251..=600 => marks::PAUSE_MEDIUM,
        _ => marks::PAUSE_LONG,
    }
}

/// A piece of an utterance before G2P.
#[derive(Debug, Clone)]
enum Part {
    Word(String, Prosody),
    Inline(String, String, Prosody), // (display text, phonemes)
    Pause(u32, Prosody),
}

/// The English frontend. Build it once; it is cheap to call for every sentence.
pub struct Frontend {
    pub g2p: G2p,
    pub tokenizer: Tokenizer,
    ssml: Option<bool>,
}

impl std::fmt::Debug for Frontend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frontend(dictionary {} words, learned model: {})", self.g2p.dict.len(), self.g2p.has_model())
    }
}

impl Frontend {
    /// Loads CMUdict, the learned G2P model and the tokenizer (see [`FrontendOptions`]).
    pub fn new(o: FrontendOptions) -> Result<Self> {
        let dict = match &o.cmudict {
            Some(p) => Lexicon::load_cmudict(p)?,
            None => Lexicon::cmudict()?,
        };
        let user = match &o.lexicon {
            Some(p) => Lexicon::load_user(p)?,
            None => Lexicon::new(),
        };
        let model = if o.no_learned_model {
            None
        } else {
            let dir = o.g2p_model.clone().unwrap_or_else(|| data_dir().join("g2p"));
            Some(LoadedG2p::load(&dir, tch::Device::Cpu)?)
        };
        let tokenizer = match &o.tokenizer {
            Some(p) => Tokenizer::load(p)?,
            None => Tokenizer::default_english(),
        };
        Ok(Self { g2p: G2p::new(dict, user, model), tokenizer, ssml: o.ssml })
    }

    /// Splits plain text into sentences, lazily (a whole book streams through).
    pub fn sentences<'a>(&self, text: &'a str) -> Sentences<'a> {
        sentences(text)
    }

    /// Plain text of any length → utterances, one sentence at a time (for books: nothing
    /// is computed before it is asked for). SSML must go through [`Frontend::process`].
    pub fn stream<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Result<Utterance>> + 'a {
        sentences(text).flat_map(move |s| match self.process_plain(s) {
            Ok(v) => v.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        })
    }

    fn process_plain(&self, sentence: &str) -> Result<Vec<Utterance>> {
        let end = sentence_end(sentence);
        let item = Item::Text { text: sentence.to_string(), prosody: Prosody::default() };
        Ok(vec![self.utterance(vec![item], sentence.trim().to_string(), end)?])
    }

    /// Text (or SSML) → one [`Utterance`] per sentence.
    pub fn process(&self, text: &str) -> Result<Vec<Utterance>> {
        let is_ssml = self.ssml.unwrap_or_else(|| ssml::looks_like_ssml(text));
        let items = if is_ssml { ssml::parse(text)? } else { vec![Item::Text { text: text.to_string(), prosody: Prosody::default() }] };
        // Group items into sentences.
        let mut groups: Vec<(Vec<Item>, String, Option<char>)> = Vec::new();
        let mut cur: Vec<Item> = Vec::new();
        let mut cur_text = String::new();
        let close = |cur: &mut Vec<Item>, cur_text: &mut String, end: Option<char>, groups: &mut Vec<(Vec<Item>, String, Option<char>)>| {
            if cur.iter().any(|i| !matches!(i, Item::Break { .. } | Item::Boundary { .. })) {
                groups.push((std::mem::take(cur), std::mem::take(cur_text).trim().to_string(), end));
            } else if let (Some(last), false) = (groups.last_mut(), cur.is_empty()) {
                // a trailing break belongs to the previous sentence
                last.0.append(cur);
            }
            cur.clear();
            cur_text.clear();
        };
        for item in items {
            match item {
                Item::Text { text, prosody } => {
                    let sents: Vec<&str> = sentences(&text).collect();
                    let n = sents.len();
                    for (k, s) in sents.into_iter().enumerate() {
                        cur.push(Item::Text { text: s.to_string(), prosody });
                        if !cur_text.is_empty() {
                            cur_text.push(' ');
                        }
                        cur_text.push_str(s);
                        let end = sentence_end(s);
                        if k + 1 < n || end.is_some() {
                            close(&mut cur, &mut cur_text, end, &mut groups);
                        }
                    }
                }
                Item::Boundary { .. } => close(&mut cur, &mut cur_text, None, &mut groups),
                other => {
                    if let Item::SayAs { text, .. } | Item::Phoneme { text, .. } = &other {
                        if !cur_text.is_empty() {
                            cur_text.push(' ');
                        }
                        cur_text.push_str(text);
                    }
                    cur.push(other);
                }
            }
        }
        close(&mut cur, &mut cur_text, None, &mut groups);
        groups.into_iter().map(|(items, text, end)| self.utterance(items, text, end)).collect()
    }

    fn utterance(&self, items: Vec<Item>, text: String, end: Option<char>) -> Result<Utterance> {
        let mut parts: Vec<Part> = Vec::new();
        let mut notes = Vec::new();
        let mut last_prosody = Prosody::default();
        let push_norm = |parts: &mut Vec<Part>, norm: Vec<Norm>, pr: Prosody| -> Result<()> {
            for n in norm {
                match n {
                    Norm::Word(w) => parts.push(Part::Word(w, pr)),
                    Norm::Pause => parts.push(Part::Pause(PUNCT_PAUSE_MS, pr)),
                    Norm::Inline(ph) => {
                        parse_inline(&ph)?;
                        parts.push(Part::Inline(format!("{{{ph}}}"), ph, pr));
                    }
                }
            }
            Ok(())
        };
        for item in items {
            match item {
                Item::Text { text, prosody } => {
                    let (norm, cleaned) = normalize_cleaned(&text);
                    if cleaned.skipped > 0 {
                        notes.push(format!("skipped {} character(s) the English frontend cannot read: {}", cleaned.skipped, cleaned.skipped_sample));
                    }
                    push_norm(&mut parts, norm, prosody)?;
                    last_prosody = prosody;
                }
                Item::Break { ms } => parts.push(Part::Pause(ms, last_prosody)),
                Item::Phoneme { ph, text, prosody } => {
                    parse_inline(&ph)?;
                    let shown = if text.is_empty() { format!("{{{ph}}}") } else { text.to_lowercase() };
                    parts.push(Part::Inline(shown, ph, prosody));
                    last_prosody = prosody;
                }
                Item::SayAs { interpret_as, format, text, prosody } => {
                    push_norm(&mut parts, say_as(&interpret_as, format.as_deref(), &text), prosody)?;
                    last_prosody = prosody;
                }
                Item::Boundary { .. } => {}
            }
        }
        // G2P: dictionary first, then every out-of-vocabulary word in one batch.
        let word_list: Vec<&str> = parts.iter().filter_map(|p| if let Part::Word(w, _) = p { Some(w.as_str()) } else { None }).collect();
        let mut prons: Vec<Option<(Vec<String>, Source)>> = (0..word_list.len())
            .map(|k| {
                let prev = k.checked_sub(1).map(|j| word_list[j]);
                self.g2p.lookup(word_list[k], prev, word_list.get(k + 1).copied())
            })
            .collect();
        let oov: Vec<&str> = word_list.iter().zip(&prons).filter(|(_, p)| p.is_none()).map(|(w, _)| *w).collect();
        if !oov.is_empty() {
            let mut learned = self.g2p.learned(&oov).into_iter();
            for p in prons.iter_mut().filter(|p| p.is_none()) {
                *p = Some((learned.next().unwrap_or_default(), Source::Learned));
            }
        }
        let mut prons = prons.into_iter();
        // Flatten to tokens.
        let mut words = Vec::new();
        let mut tokens: Vec<Token> = Vec::new();
        let mut prev_word = false;
        for part in parts {
            match part {
                Part::Word(w, pr) => {
                    let (ph, source) = prons.next().flatten().unwrap_or_default_pron();
                    push_word(&mut words, &mut tokens, &mut prev_word, w, ph, source, pr);
                }
                Part::Inline(shown, ph, pr) => {
                    let ph = parse_inline(&ph)?;
                    push_word(&mut words, &mut tokens, &mut prev_word, shown, ph, Source::Inline, pr);
                }
                Part::Pause(ms, pr) => {
                    if ms == 0 {
                        continue;
                    }
                    match tokens.last_mut() {
                        // merge with a pause just emitted (", <break>" → the longer)
                        Some(t) if t.pause_ms.is_some() => {
                            let m = t.pause_ms.unwrap_or(0).max(ms);
                            t.pause_ms = Some(m);
                            t.symbol = pause_mark(m).into();
                        }
                        _ => tokens.push(Token { symbol: pause_mark(ms).into(), prosody: pr, pause_ms: Some(ms), word: None }),
                    }
                    prev_word = false;
                }
            }
        }
        let sentence_type = match end {
            Some('?') => SentenceType::Question,
            Some('!') => SentenceType::Exclamation,
            Some('.') => SentenceType::Statement,
            _ => SentenceType::None,
        };
        let end_prosody = tokens.last().map(|t| t.prosody).unwrap_or_default();
        tokens.push(Token { symbol: sentence_type.mark().into(), prosody: end_prosody, pause_ms: None, word: None });
        let symbols: Vec<String> = tokens.iter().map(|t| t.symbol.clone()).collect();
        let ids = self.tokenizer.encode(&symbols)?;
        Ok(Utterance { text, sentence_type, words, tokens, ids, notes })
    }

    /// Phonemes of one word as the frontend would say it (no context).
    pub fn pronounce(&self, word: &str) -> (Vec<String>, Source) {
        let w = word.to_lowercase();
        self.g2p.lookup(&w, None, None).unwrap_or_else(|| (self.g2p.learned(&[w.as_str()]).pop().unwrap_or_default(), Source::Learned))
    }
}

trait OrDefaultPron {
    fn unwrap_or_default_pron(self) -> (Vec<String>, Source);
}
impl OrDefaultPron for Option<(Vec<String>, Source)> {
    fn unwrap_or_default_pron(self) -> (Vec<String>, Source) {
        self.unwrap_or((Vec::new(), Source::Learned))
    }
}

#[allow(clippy::too_many_arguments)]
fn push_word(words: &mut Vec<WordPron>, tokens: &mut Vec<Token>, prev_word: &mut bool, w: String, ph: Vec<String>, source: Source, pr: Prosody) {
    if ph.is_empty() {
        return;
    }
    if *prev_word {
        tokens.push(Token { symbol: marks::WORD.into(), prosody: pr, pause_ms: None, word: None });
    }
    let idx = words.len();
    tokens.extend(ph.iter().map(|p| Token { symbol: p.clone(), prosody: pr, pause_ms: None, word: Some(idx) }));
    words.push(WordPron { word: w, phonemes: ph, source });
    *prev_word = true;
}

/// SSML `<say-as>`: characters/spell-out, cardinal, ordinal, digits, date, time, telephone.
pub fn say_as(interpret_as: &str, format: Option<&str>, text: &str) -> Vec<Norm> {
    let t = text.trim();
    let digits_only: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
    let mut out = Vec::new();
    let words = |v: Vec<String>| v.into_iter().map(Norm::Word).collect::<Vec<_>>();
    match interpret_as {
        "characters" | "spell-out" | "letters" | "verbatim" => {
            crate::text::normalize::spell(&mut out, t);
            out
        }
        "cardinal" | "number" if !digits_only.is_empty() => num::number(&t.replace(' ', "")).map(words).unwrap_or_else(|| words(num::cardinal(&digits_only))),
        "ordinal" if !digits_only.is_empty() => words(num::ordinal(&digits_only)),
        "digits" if !digits_only.is_empty() => words(num::digits(&digits_only)),
        "telephone" => {
            for (k, g) in t.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).enumerate() {
                if k > 0 {
                    out.push(Norm::Pause);
                }
                out.extend(g.chars().map(|c| Norm::Word(if c == '0' { "oh".into() } else { num::digit_word(c).into() })));
            }
            out
        }
        "date" => {
            let f: Vec<&str> = t.split(['/', '-', '.', ' ']).filter(|x| !x.is_empty()).collect();
            let fmt = format.unwrap_or(if f.first().is_some_and(|x| x.len() == 4) { "ymd" } else { "mdy" });
            let (mut m, mut d, mut y) = (None, None, None);
            for (k, ch) in fmt.chars().enumerate() {
                let v = f.get(k).copied();
                match ch {
                    'm' => m = v,
                    'd' => d = v,
                    'y' => y = v,
                    _ => {}
                }
            }
            let month = m.and_then(|m| m.parse::<u32>().ok()).and_then(crate::text::abbreviations::month_name);
            let month = month.or_else(|| m.and_then(crate::text::abbreviations::month).map(|x| x.1));
            match month {
                Some(name) => {
                    out.push(Norm::Word(name.into()));
                    if let Some(d) = d.filter(|d| d.chars().all(|c| c.is_ascii_digit()) && !d.is_empty()) {
                        out.extend(words(num::ordinal(d)));
                    }
                    if let Some(y) = y.filter(|y| y.chars().all(|c| c.is_ascii_digit()) && !y.is_empty()) {
                        out.extend(words(num::year(y)));
                    }
                    out
                }
                None => crate::text::normalize::normalize(t),
            }
        }
        _ => crate::text::normalize::normalize(t),
    }
}
