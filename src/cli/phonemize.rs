//! `ferry phonemize`: shows what the frontend makes of a text — normalised words, each
//! word's phonemes with their source, the token sequence and its ids.

use std::io::Read;
use std::path::PathBuf;

use clap::Args;

use super::GlobalArgs;
use crate::error::{Error, Result};
use crate::text::{Frontend, FrontendOptions};

#[derive(Debug, Args)]
pub struct PhonemizeArgs {
    /// The text (or SSML starting with <speak>). Use "-" or leave out to read stdin.
    pub text: Option<String>,
    /// Read the text from a file instead.
    #[arg(long, short)]
    pub file: Option<PathBuf>,
    /// Print JSON (one object per sentence, in an array) for other tools.
    #[arg(long)]
    pub json: bool,
    /// A user lexicon: one `WORD  PH ON EMES` a line; it overrides the dictionary.
    #[arg(long)]
    pub lexicon: Option<PathBuf>,
    /// Treat the input as SSML even if it does not start with <speak>.
    #[arg(long)]
    pub ssml: bool,
    /// Treat the input as plain text even if it starts with <speak>.
    #[arg(long, conflicts_with = "ssml")]
    pub plain: bool,
    /// A voice pack's tokenizer.json to take ids from (default: the built-in vocabulary).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Write the default tokenizer.json to this path and exit.
    #[arg(long)]
    pub write_tokenizer: Option<PathBuf>,
}

pub fn run(_g: &GlobalArgs, a: PhonemizeArgs) -> Result<()> {
    if let Some(p) = &a.write_tokenizer {
        crate::text::Tokenizer::default_english().save(p)?;
        eprintln!("wrote {}", p.display());
        return Ok(());
    }
    let text = match (&a.file, a.text.as_deref()) {
        (Some(f), _) => std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?,
        (None, Some(t)) if t != "-" => t.to_string(),
        _ => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| Error::io("<stdin>", e))?;
            s
        }
    };
    let fe = Frontend::new(FrontendOptions {
        lexicon: a.lexicon.clone(),
        tokenizer: a.tokenizer.clone(),
        ssml: if a.ssml {
            Some(true)
        } else if a.plain {
            Some(false)
        } else {
            None
        },
        ..Default::default()
    })?;
    let utts = fe.process(&text)?;
    if a.json {
        return emit(&(serde_json::to_string_pretty(&utts)? + "\n"));
    }
    let mut o = String::new();
    for (k, u) in utts.iter().enumerate() {
        o += &format!("sentence {} ({:?}): {}\n", k + 1, u.sentence_type, u.text);
        o += &format!("  words: {}\n", u.normalized());
        for w in &u.words {
            o += &format!("    {:<16} {:<28} {}\n", w.word, w.phonemes.join(" "), w.source);
        }
        let syms: Vec<String> = u
            .tokens
            .iter()
            .map(|t| {
                let mut s = t.symbol.clone();
                if let Some(ms) = t.pause_ms {
                    s.push_str(&format!("({ms}ms)"));
                }
                if t.prosody != crate::text::Prosody::default() && t.word.is_some() {
                    s.push_str(&format!("[r{:.2} p{:.2} v{:.2}]", t.prosody.rate, t.prosody.pitch, t.prosody.volume));
                }
                s
            })
            .collect();
        o += &format!("  tokens: {}\n", syms.join(" "));
        o += &format!("  ids: {:?}\n", u.ids);
        for n in &u.notes {
            o += &format!("  note: {n}\n");
        }
    }
    emit(&o)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn emit(s: &str) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(s.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}
