//! What `ferry eval` evaluates: utterances with an id, optionally the text that was (or
//! is to be) spoken, and optionally a reference recording.
//!
//! - A reference folder in LJSpeech layout (`metadata.csv` with `id|text|normalized text`
//!   and `wavs/<id>.wav`), or a plain folder of WAV files (texts from `<id>.txt` beside
//!   each WAV when present).
//! - A sentence file: one sentence per line, or `id|text` lines; blank lines and lines
//!   starting with `#` are skipped.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One utterance to evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: String,
    /// What is spoken, when known (the WER target).
    pub text: Option<String>,
    /// The reference recording, when there is one.
    pub reference: Option<PathBuf>,
}

/// Reads a sentence file (see the module documentation).
pub fn read_sentences(path: &Path) -> Result<Vec<Item>> {
    let body = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut items = Vec::new();
    for line in body.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (id, text) = match line.split_once('|') {
            Some((id, text)) if !id.trim().is_empty() && !id.contains(char::is_whitespace) => (id.trim().to_string(), text),
            _ => (format!("s{:03}", items.len() + 1), line),
        };
        // In `id|text|normalized` lines prefer the normalised text.
        let text = text.rsplit('|').find(|t| !t.trim().is_empty()).unwrap_or(text).trim().to_string();
        items.push(Item { id, text: Some(text), reference: None });
    }
    if items.is_empty() {
        return Err(Error::arg(format!("{}: no sentences (one per line, or id|text)", path.display())));
    }
    Ok(items)
}

/// Reads a reference folder (LJSpeech layout or a folder of WAVs).
pub fn read_reference_dir(dir: &Path) -> Result<Vec<Item>> {
    if !dir.is_dir() {
        return Err(Error::arg(format!("{}: not a folder of reference WAVs", dir.display())));
    }
    let meta = dir.join("metadata.csv");
    let mut items = Vec::new();
    if meta.is_file() {
        for mut item in read_sentences(&meta)? {
            let wav = [dir.join("wavs").join(format!("{}.wav", item.id)), dir.join(format!("{}.wav", item.id))]
                .into_iter()
                .find(|p| p.is_file())
                .ok_or_else(|| Error::audio(dir.join("wavs").join(format!("{}.wav", item.id)), "listed in metadata.csv but missing"))?;
            item.reference = Some(wav);
            items.push(item);
        }
    } else {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut wavs: Vec<PathBuf> = rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav"))).collect();
        wavs.sort();
        for wav in wavs {
            let id = wav.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let txt = wav.with_extension("txt");
            let text = match std::fs::read_to_string(&txt) {
                Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
                _ => None,
            };
            items.push(Item { id, text, reference: Some(wav) });
        }
    }
    if items.is_empty() {
        return Err(Error::arg(format!("{}: no WAV files (expected metadata.csv + wavs/, or *.wav)", dir.display())));
    }
    Ok(items)
}

/// Attaches reference recordings to sentences by id. Sentences without a reference keep
/// `None`; an error when no id matches at all (the two lists are about different things).
pub fn attach_references(items: &mut [Item], references: &[Item]) -> Result<()> {
    let mut matched = 0;
    for item in items.iter_mut() {
        if let Some(r) = references.iter().find(|r| r.id == item.id) {
            item.reference = r.reference.clone();
            matched += 1;
        }
    }
    if matched == 0 {
        return Err(Error::arg("no sentence id matches a reference WAV; give sentences as id|text lines with the references' file names as ids"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sentences_and_ljspeech_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.txt");
        std::fs::write(&f, "# comment\nHello there.\n\nLJ001-0001|Printing 1 word|Printing one word\n").unwrap();
        let items = read_sentences(&f).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].id.as_str(), items[0].text.as_deref()), ("s001", Some("Hello there.")));
        assert_eq!((items[1].id.as_str(), items[1].text.as_deref()), ("LJ001-0001", Some("Printing one word")));
        std::fs::write(&f, "\n# nothing\n").unwrap();
        assert!(read_sentences(&f).unwrap_err().to_string().contains("no sentences"));
    }

    #[test]
    fn reads_a_plain_wav_folder_and_reports_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.wav"), b"").unwrap();
        std::fs::write(dir.path().join("a.wav"), b"").unwrap();
        std::fs::write(dir.path().join("a.txt"), "Text of a\n").unwrap();
        let items = read_reference_dir(dir.path()).unwrap();
        assert_eq!(items.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!((items[0].text.as_deref(), items[1].text.as_deref()), (Some("Text of a"), None));
        std::fs::write(dir.path().join("metadata.csv"), "zz|missing\n").unwrap();
        assert!(read_reference_dir(dir.path()).unwrap_err().to_string().contains("missing"));
        assert!(read_reference_dir(&dir.path().join("nope")).is_err());
    }
}
