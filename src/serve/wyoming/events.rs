//! The Wyoming events of a text-to-speech server, typed: what a client may ask
//! ([`Request`]) and what the server answers (the constructors below), with the event
//! names and data fields of the `wyoming` package's `info`, `tts`, `audio`, `error` and
//! `ping` modules. Unknown data fields are ignored, as the package's own readers do.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::framing::Frame;
use super::info::Info;
use crate::serve::error::ApiError;

/// Audio is 16-bit little-endian PCM (`width` is in bytes), mono.
pub const WIDTH: u32 = 2;
pub const CHANNELS: u32 = 1;

/// Events this server answers, for the error that names them.
const ANSWERED: &str = "describe, synthesize, synthesize-start, synthesize-chunk, synthesize-stop, ping and select-program";

/// The voice a synthesis asks for (`SynthesizeVoice`): a name from `info`, or a language;
/// `speaker` is accepted and unused (Ferry's voices have one speaker each).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct VoiceRequest {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub speaker: Option<Value>,
}

/// What a client asks.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `describe`: answered with `info`.
    Describe,
    /// `synthesize {text, voice?, text_format?}`: the whole text at once.
    Synthesize { text: String, voice: VoiceRequest, ssml: bool },
    /// `synthesize-start {voice?, text_format?}`: text follows in chunks.
    SynthesizeStart { voice: VoiceRequest, ssml: bool },
    /// `synthesize-chunk {text}`.
    SynthesizeChunk { text: String },
    /// `synthesize-stop`: the stream's text is complete.
    SynthesizeStop,
    /// `ping {text?}`: answered with `pong` carrying the same text.
    Ping { text: Option<String> },
    /// `select-program {name}`.
    SelectProgram { name: String },
}

#[derive(Deserialize)]
struct SynthesizeData {
    text: String,
    #[serde(default)]
    voice: Option<VoiceRequest>,
    #[serde(default)]
    text_format: Option<String>,
}

#[derive(Deserialize)]
struct StartData {
    #[serde(default)]
    voice: Option<VoiceRequest>,
    #[serde(default)]
    text_format: Option<String>,
}

#[derive(Deserialize)]
struct TextData {
    text: String,
}

#[derive(Deserialize)]
struct PingData {
    #[serde(default)]
    text: Option<String>,
}

#[derive(Deserialize)]
struct NameData {
    name: String,
}

impl Request {
    /// The request an event carries; an unknown type or unusable data is an error that
    /// names the event and what is wrong.
    pub fn parse(frame: &Frame) -> Result<Request, ApiError> {
        Ok(match frame.kind.as_str() {
            "describe" => Request::Describe,
            "synthesize" => {
                let d: SynthesizeData = data_of(frame)?;
                Request::Synthesize { text: d.text, voice: d.voice.unwrap_or_default(), ssml: is_ssml(d.text_format.as_deref())? }
            }
            "synthesize-start" => {
                let d: StartData = data_of(frame)?;
                Request::SynthesizeStart { voice: d.voice.unwrap_or_default(), ssml: is_ssml(d.text_format.as_deref())? }
            }
            "synthesize-chunk" => Request::SynthesizeChunk { text: data_of::<TextData>(frame)?.text },
            "synthesize-stop" => Request::SynthesizeStop,
            "ping" => Request::Ping { text: data_of::<PingData>(frame)?.text },
            "select-program" => Request::SelectProgram { name: data_of::<NameData>(frame)?.name },
            other => {
                let shown: String = other.chars().take(64).collect();
                return Err(
                    ApiError::invalid(format!("'{shown}' is not an event this text-to-speech server answers; it answers {ANSWERED}")).code("unknown_event")
                );
            }
        })
    }
}

fn data_of<T: DeserializeOwned>(frame: &Frame) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(frame.data.clone()))
        .map_err(|e| ApiError::invalid(format!("the data of the '{}' event does not match the protocol: {e}", frame.kind)).code("invalid_event"))
}

/// `text_format` is `text` (or absent) or `ssml`.
fn is_ssml(text_format: Option<&str>) -> Result<bool, ApiError> {
    match text_format.map(str::trim) {
        None | Some("") | Some("text") => Ok(false),
        Some("ssml") => Ok(true),
        Some(other) => Err(ApiError::invalid(format!("text_format '{other}' is not supported; use text or ssml")).code("unsupported_text_format")),
    }
}

/// `info`: the answer to `describe` (every domain list present, as the package writes it).
pub fn info(info: &Info) -> Frame {
    Frame::new("info", info)
}

/// `audio-start {rate, width, channels, timestamp}` (rate in Hz).
pub fn audio_start(rate: u32) -> Frame {
    Frame::new("audio-start", json!({"rate": rate, "width": WIDTH, "channels": CHANNELS, "timestamp": null}))
}

/// `audio-chunk {rate, width, channels, timestamp}` with `pcm` (s16le mono) as payload.
pub fn audio_chunk(rate: u32, pcm: Vec<u8>) -> Frame {
    Frame::new("audio-chunk", json!({"rate": rate, "width": WIDTH, "channels": CHANNELS, "timestamp": null})).with_payload(pcm)
}

/// `audio-stop {timestamp}`.
pub fn audio_stop() -> Frame {
    Frame::new("audio-stop", json!({"timestamp": null}))
}

/// `synthesize-stopped`: the end of a stream's audio.
pub fn synthesize_stopped() -> Frame {
    Frame::new("synthesize-stopped", ())
}

/// `pong {text}`.
pub fn pong(text: Option<String>) -> Frame {
    Frame::new("pong", json!({"text": text}))
}

#[derive(Serialize)]
struct ErrorData<'a> {
    text: &'a str,
    code: &'a str,
}

/// `error {text, code}`: the message a person can act on and a stable code (the HTTP API's
/// codes: `voice_not_found`, `empty_input`, `input_too_long`, `queue_full`, ...).
pub fn error(e: &ApiError) -> Frame {
    Frame::new("error", ErrorData { text: &e.message, code: e.code.unwrap_or(e.kind) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: &str, data: Value) -> Frame {
        Frame::new(kind, data)
    }

    #[test]
    fn parses_what_the_package_sends() {
        let f = frame("synthesize", json!({"text": "Hi.", "voice": {"name": "t", "speaker": "0"}, "context": {}}));
        let want = VoiceRequest { name: Some("t".into()), language: None, speaker: Some(json!("0")) };
        assert_eq!(Request::parse(&f).unwrap(), Request::Synthesize { text: "Hi.".into(), voice: want, ssml: false });
        let f = frame("synthesize-start", json!({"voice": {"language": "en_US"}, "text_format": "ssml"}));
        assert!(matches!(Request::parse(&f).unwrap(), Request::SynthesizeStart { ssml: true, voice } if voice.language.as_deref() == Some("en_US")));
        assert_eq!(Request::parse(&frame("synthesize-chunk", json!({"text": "a"}))).unwrap(), Request::SynthesizeChunk { text: "a".into() });
        assert_eq!(Request::parse(&frame("synthesize-stop", json!({}))).unwrap(), Request::SynthesizeStop);
        assert_eq!(Request::parse(&frame("ping", json!({"text": null}))).unwrap(), Request::Ping { text: None });
        assert_eq!(Request::parse(&frame("describe", json!({}))).unwrap(), Request::Describe);
        let f = frame("synthesize", json!({"text": "x", "voice": null}));
        assert!(matches!(Request::parse(&f).unwrap(), Request::Synthesize { voice, .. } if voice == VoiceRequest::default()));
    }

    #[test]
    fn bad_events_say_what_is_wrong() {
        let e = Request::parse(&frame("transcribe", json!({}))).unwrap_err();
        assert_eq!(e.code, Some("unknown_event"));
        assert!(e.message.contains("'transcribe'") && e.message.contains("synthesize-chunk"), "{}", e.message);
        let e = Request::parse(&frame("synthesize", json!({"voice": {"name": "t"}}))).unwrap_err();
        assert!(e.message.contains("missing field `text`"), "{}", e.message);
        let e = Request::parse(&frame("synthesize", json!({"text": 5}))).unwrap_err();
        assert_eq!(e.code, Some("invalid_event"));
        let e = Request::parse(&frame("synthesize", json!({"text": "x", "voice": {"name": 7}}))).unwrap_err();
        assert_eq!(e.code, Some("invalid_event"));
        let e = Request::parse(&frame("synthesize", json!({"text": "x", "text_format": "markdown"}))).unwrap_err();
        assert_eq!(e.code, Some("unsupported_text_format"));
    }

    #[test]
    fn answers_carry_the_package_fields() {
        let start = audio_start(22050);
        assert_eq!(Value::Object(start.data), json!({"rate": 22050, "width": 2, "channels": 1, "timestamp": null}));
        let chunk = audio_chunk(22050, vec![0, 1, 2, 3]);
        assert_eq!((chunk.kind.as_str(), chunk.data["rate"].as_u64(), chunk.payload.len()), ("audio-chunk", Some(22050), 4));
        let e = error(&ApiError::invalid("bad").code("empty_input"));
        assert_eq!(Value::Object(e.data), json!({"text": "bad", "code": "empty_input"}));
        assert_eq!(error(&ApiError::invalid("no code")).data["code"], "invalid_request_error");
        assert!(synthesize_stopped().data.is_empty());
    }
}
