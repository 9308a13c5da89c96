//! Piper's HTTP API (`python -m piper.http_server`): `POST /` and `POST /synthesize` answer
//! a WAV; `GET /voices` lists the voices in Piper's config shape; `GET /info` describes the
//! server.
//!
//! The body is JSON `{text, voice, speaker, speaker_id, length_scale, noise_scale,
//! noise_w_scale}`, or (Piper's older server) the text itself as a plain body. The fields
//! map onto Ferry: `length_scale` is 1 / rate (2 = half as fast); `noise_scale` scales the
//! sampling noise of the flow family (WaveGlow's sigma; Piper's default 0.667 = Ferry's
//! default); `noise_w_scale` (duration noise) and `speaker` are accepted and unused, since
//! Ferry's durations are deterministic and its voices single-speaker.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::encode::Format;
use super::error::ApiError;
use super::request::{body_bytes, body_text, check_input, check_range, json_body};
use super::router::App;
use super::speech::{self, Speech};
use super::voices::{families_of, pick_family};
use crate::synth::SynthOptions;
use crate::vocoder::VocodeOptions;

/// Piper's default `noise_scale`, which stands for Ferry's default sampling noise.
const PIPER_NOISE_SCALE: f64 = 0.667;

#[derive(Debug, Deserialize)]
#[allow(dead_code)] // speaker fields and noise_w_scale are accepted for compatibility
struct PiperRequest {
    text: String,
    #[serde(default)]
    voice: Option<String>,
    #[serde(default)]
    speaker: Option<serde_json::Value>,
    #[serde(default)]
    speaker_id: Option<serde_json::Value>,
    #[serde(default)]
    length_scale: Option<f64>,
    #[serde(default)]
    noise_scale: Option<f64>,
    #[serde(default)]
    noise_w_scale: Option<f64>,
}

/// `POST /` and `POST /synthesize`.
pub async fn synthesize(State(app): State<Arc<App>>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Response {
    match speak(&app, &headers, body).await {
        Ok(wav) => ([(header::CONTENT_TYPE, "audio/wav")], wav).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn speak(app: &App, headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Vec<u8>, ApiError> {
    let bytes = body_bytes(body, &app.config.limits)?;
    let req = parse(headers, &bytes)?;
    check_input(&req.text, "text", &app.config.limits)?;
    check_range(req.length_scale, "length_scale", 0.25..=4.0, "1 = normal, 2 = half as fast")?;
    check_range(req.noise_scale, "noise_scale", 0.0..=2.0, "0.667 = the default noise")?;
    check_range(req.noise_w_scale, "noise_w_scale", 0.0..=2.0, "unused by Ferry")?;
    if crate::text::ssml::looks_like_ssml(&req.text) {
        crate::text::ssml::parse(&req.text).map_err(|e| ApiError::from(e).param("text").code("invalid_ssml"))?;
    }
    let voice = app.catalog.resolve(req.voice.as_deref())?;
    let family = pick_family(&voice, None, app.config.vocoder)?;
    let mut vocode = VocodeOptions { seed: Some(app.config.seed), ..app.config.vocode.clone() };
    if let Some(n) = req.noise_scale {
        vocode.sigma = Some(crate::vocoder::flow::config::DEFAULT_INFER_SIGMA * n / PIPER_NOISE_SCALE);
    }
    let opts = SynthOptions { rate: 1.0 / req.length_scale.unwrap_or(1.0), vocode, ..Default::default() };
    speech::whole(&app.pool, Speech { text: req.text, voice, family, opts, format: Format::Wav }).await
}

/// JSON when the client says so (or the body is an object); otherwise the body is the text.
fn parse(headers: &HeaderMap, bytes: &Bytes) -> Result<PiperRequest, ApiError> {
    let is_json = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    let text = body_text(bytes)?;
    if is_json || text.trim_start().starts_with('{') {
        return json_body(bytes);
    }
    Ok(PiperRequest { text: text.to_string(), voice: None, speaker: None, speaker_id: None, length_scale: None, noise_scale: None, noise_w_scale: None })
}

/// `GET /voices`: each voice in the shape of Piper's `model.onnx.json`, with Ferry's vocoders.
pub async fn voices(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let mut map = serde_json::Map::new();
    for v in app.catalog.speaking() {
        let code = v.config.language.replace('-', "_");
        let family = code.split('_').next().unwrap_or("").to_string();
        map.insert(
            v.name().to_string(),
            json!({
                "audio": {"sample_rate": v.config.sample_rate},
                "language": {"code": code, "family": family},
                "num_speakers": 1,
                "speaker_id_map": {},
                "ferry": {"vocoders": families_of(v), "default_vocoder": v.config.default_vocoder},
            }),
        );
    }
    Json(serde_json::Value::Object(map))
}

/// `GET /info`: the server, its default voice and what it speaks.
pub async fn info(State(app): State<Arc<App>>) -> Json<serde_json::Value> {
    let default = app.catalog.default_voice();
    Json(json!({
        "name": "ferry",
        "version": env!("CARGO_PKG_VERSION"),
        "default_voice": default.name(),
        "sample_rate": default.config.sample_rate,
        "voices": app.catalog.speaking().map(|v| v.name()).collect::<Vec<_>>(),
        "workers": app.pool.workers(),
        "formats": ["mp3", "opus", "flac", "wav", "pcm"],
    }))
}
