//! `ferry serve`: OpenAI- and Piper-compatible speech over HTTP, and Wyoming over TCP (see
//! `crate::serve`).

use std::net::IpAddr;
use std::time::Duration;

use clap::Args;

use super::{GlobalArgs, VocoderArgs};
use crate::error::{Error, Result};
use crate::serve::config::{Limits, ServeConfig};

pub const AFTER_HELP: &str = "\
Examples:
  ferry serve                                   OpenAI + Piper APIs on http://127.0.0.1:5000
  ferry serve --voice joe --vocoder gan --workers 2
  FERRY_API_KEY=s3cret ferry serve --host 0.0.0.0 --cors http://localhost:8080
  curl -s localhost:5000/v1/audio/speech -H 'Content-Type: application/json' \\
       -d '{\"model\": \"tts-1\", \"input\": \"Hello there.\", \"voice\": \"joe\"}' -o hello.mp3
  curl -s localhost:5000/v1/audio/speech -H 'Content-Type: application/json' \\
       -d '{\"input\": \"Streamed.\", \"response_format\": \"pcm\", \"stream_format\": \"audio\"}' | aplay -f S16_LE -r 22050
  curl -s localhost:5000/ -H 'Content-Type: application/json' -d '{\"text\": \"Piper style.\"}' -o piper.wav
  ferry serve --host 0.0.0.0 --wyoming-port 10200  Home Assistant: Wyoming integration, port 10200

Endpoints: POST /v1/audio/speech (OpenAI: mp3 opus flac wav pcm; stream_format audio|sse),
GET /v1/models /v1/audio/models /v1/audio/voices; POST / and /synthesize, GET /voices /info
(Piper); GET /health, /ready. `pcm` is s16le mono at the voice's rate (22050 Hz for joe;
OpenAI sends 24000 Hz); `opus` is Ogg Opus at 48000 Hz. OpenAI's voice names (alloy, nova,
...) speak with --voice. With a key, every request but /health and /ready needs
'Authorization: Bearer KEY'. Requests beyond the workers wait in a queue of --queue; past
that they get 429 with Retry-After.

Wyoming (--wyoming-port): describe -> info; synthesize -> audio-start, audio-chunk (s16le
mono at the voice's rate), audio-stop; synthesize-start / -chunk / -stop streams text and
gets each sentence's audio as soon as the sentence is complete, then synthesize-stopped.
Refusals are error events with the HTTP API's codes (voice_not_found, queue_full, ...).";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. 127.0.0.1 (this machine only) by default; 0.0.0.0 serves every
    /// network the machine is on (printed as a warning; set an API key).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// TCP port (0 = any free port; the one chosen is printed).
    #[arg(long, default_value_t = 5000)]
    pub port: u16,
    /// Also speak the Wyoming protocol on this TCP port (same --host), as wyoming-piper does,
    /// so Home Assistant can use Ferry: add the Wyoming integration with this host and port
    /// (10200 is the usual one; 0 = any free port, printed). Off unless given. It shares
    /// the workers, the queue and the limits with HTTP, and takes no API key.
    #[arg(long, value_name = "PORT")]
    pub wyoming_port: Option<u16>,
    /// Default voice (name or directory): requests that name none, or one of OpenAI's
    /// voices, get it. Default: joe, else the only installed voice.
    #[arg(long)]
    pub voice: Option<String>,
    #[command(flatten)]
    pub vocoder: VocoderArgs,
    /// Synthesis worker threads, each with its own loaded models (memory grows with each).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Requests that may wait for a busy worker; one more is answered 429.
    #[arg(long, default_value_t = 16)]
    pub queue: usize,
    /// Require 'Authorization: Bearer KEY' on every request (or set FERRY_API_KEY, which
    /// keeps the key out of the process list).
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Allow browsers on ORIGIN (e.g. http://localhost:8080; * = any) to call the server.
    /// Repeatable. Without it no CORS headers are sent.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Vec<String>,
    /// Longest text of one request, in characters.
    #[arg(long, default_value_t = 4096)]
    pub max_input_chars: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a request may take before its response starts (then 408).
    #[arg(long, default_value_t = 120, value_name = "SECONDS")]
    pub timeout: u64,
    /// Do not log a line per request (method, path, status, time; never headers or bodies).
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(g: &GlobalArgs, a: ServeArgs) -> Result<()> {
    let voice = match &a.voice {
        Some(v) => v.clone(),
        None => default_voice()?,
    };
    let api_key = a.api_key.clone().or_else(|| std::env::var("FERRY_API_KEY").ok().filter(|k| !k.is_empty()));
    let config = ServeConfig {
        host: a.host,
        port: a.port,
        wyoming_port: a.wyoming_port,
        voice,
        vocoder: a.vocoder.vocoder,
        precision: a.vocoder.precision,
        vocode: a.vocoder.options(g.seed),
        seed: g.seed,
        workers: a.workers,
        device: super::pick_device(g)?,
        limits: Limits { max_input_chars: a.max_input_chars, max_body_bytes: a.max_body_bytes, timeout: Duration::from_secs(a.timeout), queue: a.queue },
        api_key,
        cors: a.cors,
        access_log: !a.quiet,
    };
    crate::serve::run(config)
}

/// joe when installed, else the only installed voice that speaks text.
fn default_voice() -> Result<String> {
    let speaking: Vec<String> = crate::voice::list_installed().into_iter().filter(|v| v.config.acoustic.is_some()).map(|v| v.config.name).collect();
    if speaking.iter().any(|n| n == "joe") {
        return Ok("joe".into());
    }
    match speaking.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(Error::voice("joe", "not installed, and no other voice with an acoustic model is; `ferry voices` lists them")),
        many => Err(Error::arg(format!("several voices are installed ({}); choose the default with --voice NAME", many.join(", ")))),
    }
}
