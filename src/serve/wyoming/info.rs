//! The `info` answer to `describe`: one `tts` program, Ferry, with every installed voice
//! that speaks text, in the shape of the `wyoming` package's `TtsProgram` and `TtsVoice`
//! (both `Artifact`s: name, attribution, installed, description, version).
//!
//! Languages are written as Piper writes them (`en_US`), since Home Assistant lists voices
//! under the languages the server gives. Ferry's voices have one speaker each, so
//! `speakers` is `null`.

use serde::Serialize;
use serde_json::Value;

use crate::serve::voices::{families_of, Catalog};
use crate::voice::Voice;

/// The program's name in `info` (and the name `select-program` may give).
pub const PROGRAM: &str = "ferry";

#[derive(Debug, Clone, Serialize)]
pub struct Attribution {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TtsVoice {
    pub name: String,
    pub attribution: Attribution,
    pub installed: bool,
    pub description: Option<String>,
    pub version: Option<String>,
    pub languages: Vec<String>,
    pub speakers: Option<Vec<Value>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TtsProgram {
    pub name: String,
    pub attribution: Attribution,
    pub installed: bool,
    pub description: Option<String>,
    pub version: Option<String>,
    pub voices: Vec<TtsVoice>,
    pub supports_synthesize_streaming: bool,
}

/// `info`'s data: the other domains are empty lists.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub asr: Vec<Value>,
    pub tts: Vec<TtsProgram>,
    pub handle: Vec<Value>,
    pub intent: Vec<Value>,
    pub wake: Vec<Value>,
    pub mic: Vec<Value>,
    pub snd: Vec<Value>,
}

fn attribution() -> Attribution {
    Attribution { name: "Ferry".into(), url: env!("CARGO_PKG_REPOSITORY").into() }
}

/// A voice's language as Piper writes it: `en-US` → `en_US`.
pub fn piper_language(voice: &Voice) -> String {
    voice.config.language.replace('-', "_")
}

/// The program and its voices, as `describe` is answered.
pub fn describe(catalog: &Catalog) -> Info {
    let voices = catalog
        .speaking()
        .map(|v| TtsVoice {
            name: v.name().to_string(),
            attribution: attribution(),
            installed: true,
            description: Some(format!("{} ({} Hz; vocoders: {})", v.name(), v.config.sample_rate, families_of(v).join(", "))),
            version: None,
            languages: vec![piper_language(v)],
            speakers: None,
        })
        .collect();
    let program = TtsProgram {
        name: PROGRAM.into(),
        attribution: attribution(),
        installed: true,
        description: Some(env!("CARGO_PKG_DESCRIPTION").into()),
        version: Some(env!("CARGO_PKG_VERSION").into()),
        voices,
        supports_synthesize_streaming: true,
    };
    Info { asr: vec![], tts: vec![program], handle: vec![], intent: vec![], wake: vec![], mic: vec![], snd: vec![] }
}
