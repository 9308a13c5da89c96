//! English text frontend: normalisation, G2P, SSML, phoneme tokenizer.
//!
//! ```no_run
//! use ferry::text::{Frontend, FrontendOptions};
//! # fn main() -> ferry::Result<()> {
//! let fe = Frontend::new(FrontendOptions::default())?;          // CMUdict + learned G2P from data/
//! for utt in fe.process("Dr. Smith paid $5.50 at 3:45 pm. Really?")? {
//!     println!("{} -> {:?}", utt.normalized(), utt.ids);          // one Utterance per sentence
//! }
//! # Ok(()) }
//! ```
//!
//! Pipeline: [`unicode::clean`] (control characters stripped, accents folded, other scripts
//! skipped with a note) → [`sentences::sentences`] (streaming splitter) → [`ssml::parse`]
//! (when the text starts with `<speak>`) → [`normalize::normalize`] (numbers, money, dates,
//! times, units, abbreviations, acronyms, Roman numerals, symbols, URLs, e-mails) →
//! [`g2p::G2p`] (inline `{HH AH0 L OW1}` > user lexicon > heteronym rules > CMUdict > the
//! learned [`g2p_model`] for out-of-vocabulary words, cached) → tokens (phonemes, `|` word
//! boundaries, pause marks `<sp> <mp> <lp>` with their milliseconds, sentence type `. ? !
//! <end>`, per-token SSML prosody) → ids through [`tokenizer::Tokenizer`] (a Hugging Face
//! `tokenizer.json`; id 0 = padding; `data/tokenizer.json` is the default vocabulary).

pub mod abbreviations;
pub mod frontend;
pub mod g2p;
pub mod g2p_model;
pub mod g2p_train;
pub mod heteronyms;
pub mod lexicon;
pub mod normalize;
pub mod numbers;
pub mod phonemes;
pub mod sentences;
pub mod ssml;
pub mod tokenizer;
pub mod unicode;

pub use frontend::{Frontend, FrontendOptions, SentenceType, Token, Utterance, WordPron};
pub use g2p::Source;
pub use ssml::Prosody;
pub use tokenizer::Tokenizer;
