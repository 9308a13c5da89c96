//! The voices a server offers, looked up by name only.
//!
//! A request's `voice` is never a path: it must be a plain name (letters, digits, `-`, `_`,
//! `.`, not starting with a dot) of a voice installed when the server started. Anything
//! else is a 400, and an unknown name a 404 listing the installed names; neither reveals
//! anything about the filesystem. OpenAI's own voice names (`alloy`, `nova`, ...) mean the
//! server's default voice, so clients that only know those still work.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::error::ApiError;
use crate::error::{Error, Result};
use crate::vocoder::Family;
use crate::voice::Voice;

/// OpenAI's built-in voices; each speaks with the server's default voice.
pub const OPENAI_VOICES: [&str; 11] = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"];

/// Longest voice name accepted in a request.
const MAX_NAME: usize = 64;

/// Installed voices by name, and the default one.
#[derive(Debug, Clone)]
pub struct Catalog {
    voices: BTreeMap<String, Arc<Voice>>,
    default: String,
}

impl Catalog {
    /// Every installed voice (`$FERRY_VOICES`, or ./voices and the source tree's), plus
    /// `default` when it is a directory outside them. `default` must open and speak text.
    pub fn load(default: &str) -> Result<Catalog> {
        let mut voices = BTreeMap::new();
        for v in crate::voice::list_installed() {
            voices.entry(v.name().to_string()).or_insert_with(|| Arc::new(v));
        }
        let chosen = Voice::find(default)?;
        let name = chosen.name().to_string();
        if chosen.config.acoustic.is_none() {
            return Err(Error::voice(&name, "has no acoustic model, so it cannot speak text; pick a voice with one (`ferry voices`)"));
        }
        voices.insert(name.clone(), Arc::new(chosen));
        Ok(Catalog { voices, default: name })
    }

    /// A catalog of the given voices (tests).
    pub fn from_voices(voices: Vec<Voice>, default: &str) -> Catalog {
        let voices = voices.into_iter().map(|v| (v.name().to_string(), Arc::new(v))).collect();
        Catalog { voices, default: default.to_string() }
    }

    pub fn default_name(&self) -> &str {
        &self.default
    }

    pub fn default_voice(&self) -> Arc<Voice> {
        self.voices[&self.default].clone()
    }

    /// Voices that can speak text (they have an acoustic model), by name.
    pub fn speaking(&self) -> impl Iterator<Item = &Arc<Voice>> {
        self.voices.values().filter(|v| v.config.acoustic.is_some())
    }

    /// The voice a request names; `None` or an empty name is the default voice.
    pub fn resolve(&self, requested: Option<&str>) -> std::result::Result<Arc<Voice>, ApiError> {
        let name = match requested.map(str::trim) {
            None | Some("") => return Ok(self.default_voice()),
            Some(n) => n,
        };
        if !is_plain_name(name) {
            return Err(ApiError::invalid("voice must be the name of an installed voice (letters, digits, '-', '_' and '.'); GET /v1/audio/voices lists them")
                .param("voice")
                .code("invalid_voice"));
        }
        if let Some(v) = self.voices.get(name).filter(|v| v.config.acoustic.is_some()) {
            return Ok(v.clone());
        }
        if OPENAI_VOICES.contains(&name.to_ascii_lowercase().as_str()) {
            return Ok(self.default_voice());
        }
        let names: Vec<&str> = self.speaking().map(|v| v.name()).collect();
        Err(ApiError::not_found(format!("voice '{name}' is not installed; installed voices: {}", names.join(", "))).param("voice").code("voice_not_found"))
    }
}

/// A name that cannot be read as a path: no separators, no leading dot, no `..`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && !name.starts_with('.')
        && !name.contains("..")
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The vocoder a request gets: the one it names, else the server's, else the voice's
/// default, else Griffin-Lim. Naming a family the voice lacks is a 400 listing what it has.
pub fn pick_family(voice: &Voice, requested: Option<&str>, server: Option<Family>) -> std::result::Result<Family, ApiError> {
    let family = match requested.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<Family>().map_err(|e| ApiError::invalid(e.to_string()).param("vocoder").code("unknown_vocoder"))?,
        None => match server {
            Some(f) => f,
            None => voice.config.default_vocoder.as_deref().and_then(|f| f.parse().ok()).unwrap_or(Family::GriffinLim),
        },
    };
    if family != Family::GriffinLim && !voice.config.vocoders.contains_key(family.key()) {
        return Err(ApiError::invalid(format!("voice '{}' has no '{}' vocoder; it has: {}", voice.name(), family.key(), families_of(voice).join(", ")))
            .param("vocoder")
            .code("unknown_vocoder"));
    }
    Ok(family)
}

/// The families a voice can speak with (its vocoders, and Griffin-Lim).
pub fn families_of(voice: &Voice) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Family::NEURAL.iter().filter(|f| voice.config.vocoders.contains_key(f.key())).map(|f| f.key()).collect();
    v.push(Family::GriffinLim.key());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_only() {
        for ok in ["joe", "en_US-joe-medium", "v1.2"] {
            assert!(is_plain_name(ok), "{ok}");
        }
        for bad in ["", "../joe", "/etc/passwd", "a/b", "a\\b", ".hidden", "..", "a..b", "joe\0", "ü", &"x".repeat(65)] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
    }
}
