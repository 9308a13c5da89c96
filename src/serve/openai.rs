//! OpenAI's speech API: `POST /v1/audio/speech`, and the listings clients read
//! (`GET /v1/models`; `/v1/audio/models` and `/v1/audio/voices` as Open WebUI parses them).
//!
//! `stream_format` absent: one complete file with exact lengths. `"audio"`: the file's
//! bytes as a chunked stream, one sentence at a time. `"sse"`: server-sent events, a
//! `speech.audio.delta` (base64 of the format's bytes) per sentence and a closing
//! `speech.audio.done`. `"jsonl"` (Ferry's own): JSON lines, one `speech.audio.delta` per
//! sentence with its `words` and `phonemes` (`{word, start, end}` in seconds from the start
//! of the audio), then `speech.audio.done`. Ferry's own fields: `vocoder`, `pitch`,
//! `energy`, `seed` and `input_format: "ssml"`. `model` may name a vocoder family or model (`gan`, `hifigan`);
//! OpenAI's model names mean the server's default vocoder.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::Deserialize;
use serde_json::json;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use super::encode::Format;
use super::error::ApiError;
use super::request::{body_bytes, check_input, check_range, json_body};
use super::router::App;
use super::speech::{self, Speech};
use super::voices::pick_family;
use crate::synth::SynthOptions;
use crate::vocoder::{Family, VocodeOptions};

/// OpenAI's model names; each speaks with the server's default vocoder.
pub const OPENAI_MODELS: [&str; 3] = ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

/// `voice` is a name, or (newer SDKs, custom voices) an object with an `id`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum VoiceField {
    Name(String),
    Object { id: String },
}

/// The body of `POST /v1/audio/speech`. Unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct SpeechRequest {
    #[serde(default)]
    model: Option<String>,
    input: String,
    #[serde(default)]
    voice: Option<VoiceField>,
    #[serde(default)]
    response_format: Option<String>,
    #[serde(default)]
    speed: Option<f64>,
    #[serde(default)]
    stream_format: Option<String>,
    // Ferry's own fields.
    #[serde(default)]
    vocoder: Option<String>,
    #[serde(default)]
    pitch: Option<f64>,
    #[serde(default)]
    energy: Option<f64>,
    #[serde(default)]
    seed: Option<u64>,
    #[serde(default)]
    input_format: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Delivery {
    Whole,
    Audio,
    Sse,
    Jsonl,
}

/// `POST /v1/audio/speech`.
pub async fn speech(State(app): State<Arc<App>>, body: Result<Bytes, BytesRejection>) -> Response {
    match speak(&app, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn speak(app: &App, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let bytes = body_bytes(body, &app.config.limits)?;
    let req: SpeechRequest = json_body(&bytes)?;
    check_input(&req.input, "input", &app.config.limits)?;
    let format = match req.response_format.as_deref() {
        None | Some("") => Format::Mp3,
        Some(f) => f.parse::<Format>().map_err(|e| ApiError::invalid(e.to_string()).param("response_format").code("unsupported_format"))?,
    };
    let delivery = match req.stream_format.as_deref() {
        None | Some("") => Delivery::Whole,
        Some("audio") => Delivery::Audio,
        Some("sse") => Delivery::Sse,
        Some("jsonl") => Delivery::Jsonl,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "stream_format '{other}' is not supported; use audio, sse or jsonl (with word timestamps), or leave it out for a whole file"
            ))
            .param("stream_format"))
        }
    };
    check_input_format(&req.input, req.input_format.as_deref())?;
    check_range(req.speed, "speed", 0.25..=4.0, "1 = normal, 2 = twice as fast")?;
    check_range(req.pitch, "pitch", -24.0..=24.0, "semitones")?;
    check_range(req.energy, "energy", 0.0..=4.0, "1 = normal loudness")?;
    let voice_name = req.voice.as_ref().map(|v| match v {
        VoiceField::Name(n) => n.as_str(),
        VoiceField::Object { id } => id.as_str(),
    });
    let voice = app.catalog.resolve(voice_name)?;
    let vocoder = req.vocoder.as_deref().or_else(|| req.model.as_deref().filter(|m| m.parse::<Family>().is_ok()));
    let family = pick_family(&voice, vocoder, app.config.vocoder)?;
    let opts = SynthOptions {
        rate: req.speed.unwrap_or(1.0),
        pitch_semitones: req.pitch.unwrap_or(0.0),
        energy: req.energy.unwrap_or(1.0),
        vocode: VocodeOptions { seed: Some(req.seed.unwrap_or(app.config.seed)), ..app.config.vocode.clone() },
    };
    let input_chars = req.input.chars().count();
    let job = Speech { text: req.input, voice, family, opts, format };
    let (content_type, rate) = (job.content_type(), job.rate());
    match delivery {
        Delivery::Whole => {
            let file = speech::whole(&app.pool, job).await?;
            Ok(audio_response(&content_type, rate, Body::from(file)))
        }
        Delivery::Audio => {
            let (first, rest) = speech::streamed(&app.pool, job).await?;
            let rest =
                ReceiverStream::new(rest).map(|piece| piece.map(|p| Bytes::from(p.bytes)).inspect_err(|e| eprintln!("ferry serve: stream ended early: {e}")));
            let stream = tokio_stream::once(Ok(Bytes::from(first.bytes))).chain(rest);
            Ok(audio_response(&content_type, rate, Body::from_stream(stream)))
        }
        Delivery::Sse | Delivery::Jsonl => {
            let (first, rest) = speech::streamed(&app.pool, job).await?;
            Ok(event_response(first, rest, input_chars, delivery == Delivery::Jsonl))
        }
    }
}

/// `input_format` is `text` (the default) or `ssml`; SSML (named, or input starting with
/// `<speak`) must parse, so malformed markup is a 400 before any work is queued.
fn check_input_format(input: &str, input_format: Option<&str>) -> Result<(), ApiError> {
    let ssml = match input_format.map(str::trim) {
        None | Some("") | Some("text") => crate::text::ssml::looks_like_ssml(input),
        Some("ssml") => {
            if !crate::text::ssml::looks_like_ssml(input) {
                return Err(ApiError::invalid("input_format is ssml, but the input does not start with <speak>").param("input").code("invalid_ssml"));
            }
            true
        }
        Some(other) => return Err(ApiError::invalid(format!("input_format '{other}' is not supported; use text or ssml")).param("input_format")),
    };
    if ssml {
        crate::text::ssml::parse(input).map_err(|e| ApiError::from(e).param("input").code("invalid_ssml"))?;
    }
    Ok(())
}

fn audio_response(content_type: &str, rate: u32, body: Body) -> Response {
    let mut res = (StatusCode::OK, body).into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert("x-sample-rate", HeaderValue::from(rate));
    res
}

/// Server-sent events (`data: {...}` and a blank line) or JSON lines: one
/// `speech.audio.delta` per piece, then `speech.audio.done` (or an `error` event when
/// synthesis fails part-way). JSON lines also carry each piece's words and phonemes.
/// `usage.input_tokens` counts characters.
fn event_response(first: speech::Piece, mut rest: speech::Pieces, input_chars: usize, jsonl: bool) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, Infallible>>(4);
    tokio::spawn(async move {
        let event = |v: serde_json::Value| Ok(Bytes::from(if jsonl { format!("{v}\n") } else { format!("data: {v}\n\n") }));
        let delta = |p: &speech::Piece| {
            let mut v = json!({"type": "speech.audio.delta", "audio": base64::engine::general_purpose::STANDARD.encode(&p.bytes)});
            if jsonl {
                v["words"] = json!(p.timestamps.words);
                v["phonemes"] = json!(p.timestamps.phonemes);
            }
            v
        };
        if tx.send(event(delta(&first))).await.is_err() {
            return;
        }
        while let Some(piece) = rest.recv().await {
            let ev = match piece {
                Ok(p) => delta(&p),
                Err(e) => {
                    let body = ApiError::from(e).body();
                    let _ = tx.send(event(json!({"type": "error", "error": body["error"]}))).await;
                    return;
                }
            };
            if tx.send(event(ev)).await.is_err() {
                return;
            }
        }
        let done = json!({"type": "speech.audio.done", "usage": {"input_tokens": input_chars, "output_tokens": 0, "total_tokens": input_chars}});
        let _ = tx.send(event(done)).await;
    });
    let mut res = (StatusCode::OK, Body::from_stream(ReceiverStream::new(rx))).into_response();
    let h = res.headers_mut();
    let content_type = if jsonl { "application/x-ndjson" } else { "text/event-stream" };
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

/// `GET /v1/models`: OpenAI's list shape.
pub async fn models(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let data: Vec<_> = model_ids(&app).into_iter().map(|(id, _)| json!({"id": id, "object": "model", "created": 0, "owned_by": "ferry"})).collect();
    Json(json!({"object": "list", "data": data}))
}

/// `GET /v1/audio/models`: `{"models": [{id, name}]}` (Open WebUI).
pub async fn audio_models(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let models: Vec<_> = model_ids(&app).into_iter().map(|(id, name)| json!({"id": id, "name": name})).collect();
    Json(json!({"models": models}))
}

/// `GET /v1/audio/voices`: `{"voices": [{id, name}]}` (Open WebUI), installed voices only.
pub async fn audio_voices(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let voices: Vec<_> = app.catalog.speaking().map(|v| json!({"id": v.name(), "name": v.name()})).collect();
    Json(json!({"voices": voices}))
}

/// OpenAI's model names (the default vocoder), then every family some installed voice has.
fn model_ids(app: &App) -> Vec<(String, String)> {
    let default = match app.config.vocoder {
        Some(f) => f.key().to_string(),
        None => "each voice's default vocoder".to_string(),
    };
    let mut ids: Vec<(String, String)> = OPENAI_MODELS.iter().map(|m| (m.to_string(), format!("Ferry ({default})"))).collect();
    for family in Family::ALL {
        let offered = family == Family::GriffinLim || app.catalog.speaking().any(|v| v.config.vocoders.contains_key(family.key()));
        if offered {
            ids.push((family.key().to_string(), format!("Ferry, {} vocoder ({})", family.key(), family.default_model())));
        }
    }
    ids
}
