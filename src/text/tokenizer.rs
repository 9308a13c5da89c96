//! The phoneme tokenizer: ARPAbet symbols with stress plus prosody marks, stored as a
//! Hugging Face `tokenizer.json` (a `WordLevel` model over white-space separated symbols)
//! so a voice pack carries its exact vocabulary. Id 0 is padding. An unknown symbol is an
//! error naming it — never silently dropped or mapped to an "unknown" id.

use std::path::Path;

use crate::error::{Error, Result};
use crate::text::phonemes;

pub struct Tokenizer {
    inner: tokenizers::Tokenizer,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokenizer({} symbols)", self.len())
    }
}

impl Tokenizer {
    /// Builds a tokenizer over `symbols` in order (ids 0, 1, ...).
    pub fn from_symbols(symbols: &[String]) -> Result<Self> {
        let mut vocab = serde_json::Map::new();
        for (i, s) in symbols.iter().enumerate() {
            if vocab.insert(s.clone(), serde_json::Value::from(i as u64)).is_some() {
                return Err(Error::Text(format!("tokenizer symbol '{s}' appears twice")));
            }
        }
        let json = serde_json::json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": [],
            "normalizer": null,
            "pre_tokenizer": { "type": "WhitespaceSplit" },
            "post_processor": null,
            "decoder": null,
            "model": { "type": "WordLevel", "vocab": vocab, "unk_token": "<unk>" }
        });
        let inner =
            tokenizers::Tokenizer::from_bytes(json.to_string().as_bytes()).map_err(|e| Error::Text(format!("cannot build the phoneme tokenizer: {e}")))?;
        Ok(Self { inner })
    }

    /// The English vocabulary: marks (`<pad>` = 0, `<s>`, `|`, pauses, sentence ends) then
    /// the 69 ARPAbet symbols with stress.
    pub fn default_english() -> Self {
        let mut symbols: Vec<String> = phonemes::marks::ALL.iter().map(|s| s.to_string()).collect();
        symbols.extend(phonemes::all_with_stress());
        // The default symbols are distinct, so this cannot fail; keep an empty fallback anyway.
        Self::from_symbols(&symbols).unwrap_or_else(|_| Self { inner: tokenizers::Tokenizer::new(tokenizers::models::wordlevel::WordLevel::default()) })
    }

    /// Reads a `tokenizer.json`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::Text(format!("{}: tokenizer file is missing", path.display())));
        }
        let inner = tokenizers::Tokenizer::from_file(path).map_err(|e| Error::Text(format!("{}: not a readable tokenizer.json ({e})", path.display())))?;
        let t = Self { inner };
        if t.id(phonemes::marks::PAD) != Some(0) {
            return Err(Error::Text(format!("{}: id 0 must be the padding symbol {}", path.display(), phonemes::marks::PAD)));
        }
        Ok(t)
    }

    /// Writes a `tokenizer.json` (pretty-printed).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        self.inner.save(path, true).map_err(|e| Error::Text(format!("{}: cannot write the tokenizer ({e})", path.display())))
    }

    /// Number of symbols.
    pub fn len(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Id of one symbol.
    pub fn id(&self, symbol: &str) -> Option<i64> {
        self.inner.token_to_id(symbol).map(i64::from)
    }

    /// Symbol of one id.
    pub fn symbol(&self, id: i64) -> Option<String> {
        u32::try_from(id).ok().and_then(|i| self.inner.id_to_token(i))
    }

    /// Every symbol in id order (index = id).
    pub fn symbols(&self) -> Vec<String> {
        let mut v: Vec<(u32, String)> = self.inner.get_vocab(true).into_iter().map(|(s, i)| (i, s)).collect();
        v.sort();
        v.into_iter().map(|(_, s)| s).collect()
    }

    /// Symbols → ids; an unknown symbol is an error that names it.
    pub fn encode(&self, symbols: &[String]) -> Result<Vec<i64>> {
        symbols
            .iter()
            .map(|s| self.id(s).ok_or_else(|| Error::Text(format!("phoneme symbol '{s}' is not in the tokenizer's vocabulary ({} symbols)", self.len()))))
            .collect()
    }

    /// White-space separated symbols → ids, through the Hugging Face pipeline.
    pub fn encode_str(&self, text: &str) -> Result<Vec<i64>> {
        let syms: Vec<String> = text.split_whitespace().map(String::from).collect();
        self.encode(&syms)?; // names the unknown symbol, if any
        let enc = self.inner.encode(text, false).map_err(|e| Error::Text(format!("tokenizer: {e}")))?;
        Ok(enc.get_ids().iter().map(|&i| i64::from(i)).collect())
    }

    /// Ids → symbols (unknown ids are an error).
    pub fn decode(&self, ids: &[i64]) -> Result<Vec<String>> {
        ids.iter().map(|&i| self.symbol(i).ok_or_else(|| Error::Text(format!("token id {i} is not in the vocabulary")))).collect()
    }
}
