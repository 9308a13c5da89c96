//! One Wyoming connection: its events in order, each answered before the next is read (as
//! the `wyoming` package's servers do), over the HTTP side's worker pool.
//!
//! - `synthesize` (outside a stream) is one job for the whole text: `audio-start`, the
//!   audio of each sentence as the worker finishes it, `audio-stop`.
//! - `synthesize-start` / `synthesize-chunk`… / `synthesize-stop` is a stream: each
//!   sentence is a job of its own as soon as its text is complete ([`SentenceBuffer`]),
//!   spoken as `audio-start` / `audio-chunk`… / `audio-stop`, and the stream ends with
//!   `synthesize-stopped`. A `synthesize` inside a stream is the copy of the whole text that
//!   clients send for servers without streaming (Home Assistant does); like wyoming-piper,
//!   it is ignored.
//! - A refused request is an `error {text, code}` and the connection stays usable. A
//!   stream refused at its start (an unknown voice) still ends with `synthesize-stopped`
//!   at its `synthesize-stop`, so a client waiting for that is not left waiting.
//!
//! A client that goes away is noticed at the next write: the job's channel is dropped and
//! the worker stops before its next sentence. A client that stops reading stalls the writes;
//! after `--timeout` the connection is dropped, which frees the worker the same way.

use std::sync::Arc;
use std::time::Instant;

use tokio::io::AsyncWrite;
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::events::{self, Request, VoiceRequest};
use super::framing::{write_frame, Frame, FrameReader, ReadError};
use super::info::{describe, piper_language, PROGRAM};
use super::sentences::SentenceBuffer;
use crate::serve::error::ApiError;
use crate::serve::request::check_input;
use crate::serve::router::App;
use crate::serve::voices::pick_family;
use crate::serve::workers::Job;
use crate::synth::SynthOptions;
use crate::vocoder::VocodeOptions;
use crate::voice::Voice;

/// Samples per `audio-chunk` (wyoming-piper's default `--samples-per-chunk`): 46 ms at
/// 22 050 Hz.
pub const SAMPLES_PER_CHUNK: usize = 1024;

/// What the access log calls an event whose header could not be read.
const UNREADABLE: &str = "(unreadable event)";

/// Why a request got no (complete) answer.
enum Fail {
    /// The client's request was refused: answered with an `error` event.
    Refused(ApiError),
    /// The client has gone (or stopped reading): the connection ends.
    Gone,
}

impl From<ApiError> for Fail {
    fn from(e: ApiError) -> Self {
        Fail::Refused(e)
    }
}

/// The text of an open stream not yet spoken.
enum Pending {
    /// Plain text, split into sentences as it arrives.
    Plain(SentenceBuffer),
    /// SSML cannot be split before it is whole: held until `synthesize-stop`.
    Ssml(String),
}

/// An open `synthesize-start` stream.
struct Stream {
    /// `None` once refused (unknown voice, too much text): the rest of its text is dropped.
    voice: Option<Arc<Voice>>,
    pending: Pending,
    /// Characters received so far, bounded by `--max-input-chars`.
    chars: usize,
}

/// Serves one connection until the client closes it, it fails, or the server stops (a
/// request being answered is finished first).
pub async fn run(socket: TcpStream, app: Arc<App>, mut stop: watch::Receiver<bool>) {
    let _ = socket.set_nodelay(true); // audio chunks should not wait for Nagle
    let (read, write) = socket.into_split();
    let mut reader = FrameReader::new(read, app.config.limits.max_body_bytes);
    let mut session = Session { app, write, stream: None };
    loop {
        let next = tokio::select! {
            next = reader.read_frame() => next,
            _ = stop.wait_for(|stopping| *stopping) => return,
        };
        let answered = match next {
            Ok(Some(frame)) => session.handle(&frame).await,
            Ok(None) | Err(ReadError::Gone(_)) => return,
            Err(ReadError::Skip(e)) => session.refuse(&e, UNREADABLE, Instant::now()).await,
            Err(ReadError::Close(e)) => {
                let _ = session.refuse(&e, UNREADABLE, Instant::now()).await;
                return;
            }
        };
        if answered.is_err() {
            return;
        }
    }
}

struct Session<W> {
    app: Arc<App>,
    write: W,
    stream: Option<Stream>,
}

/// The client has gone.
struct Gone;

impl<W: AsyncWrite + Unpin> Session<W> {
    /// Answers one event and logs one line for it (its type, outcome and time; never text).
    async fn handle(&mut self, frame: &Frame) -> Result<(), Gone> {
        let started = Instant::now();
        let outcome = match Request::parse(frame) {
            Ok(request) => self.answer(request).await,
            Err(e) => Err(Fail::Refused(e)),
        };
        match outcome {
            Ok(()) => self.log(&frame.kind, "ok", started),
            Err(Fail::Gone) => {
                self.log(&frame.kind, "client gone", started);
                return Err(Gone);
            }
            Err(Fail::Refused(e)) => self.refuse(&e, &frame.kind, started).await?,
        }
        Ok(())
    }

    async fn answer(&mut self, request: Request) -> Result<(), Fail> {
        let limits = &self.app.config.limits;
        match request {
            Request::Describe => self.send(&events::info(&describe(&self.app.catalog))).await,
            Request::Ping { text } => self.send(&events::pong(text)).await,
            Request::SelectProgram { name } if name == PROGRAM => Ok(()),
            Request::SelectProgram { name } => Err(ApiError::invalid(format!(
                "there is no program '{}' here; this server has one text-to-speech program, '{PROGRAM}'",
                name.chars().take(64).collect::<String>()
            ))
            .code("unknown_program")
            .into()),
            // The whole text of an open stream, sent for servers that do not stream.
            Request::Synthesize { .. } if self.stream.is_some() => Ok(()),
            Request::Synthesize { text, voice, ssml } => {
                check_input(&text, "text", limits)?;
                check_ssml(&text, ssml)?;
                let voice = self.voice(&voice)?;
                self.speak(text, voice).await
            }
            Request::SynthesizeStart { voice, ssml } => {
                let resolved = self.voice(&voice);
                let pending = if ssml { Pending::Ssml(String::new()) } else { Pending::Plain(SentenceBuffer::default()) };
                self.stream = Some(Stream { voice: resolved.as_ref().ok().cloned(), pending, chars: 0 });
                resolved.map(|_| ()).map_err(Fail::from)
            }
            Request::SynthesizeChunk { text } => self.chunk(&text).await,
            Request::SynthesizeStop => self.stop().await,
        }
    }

    /// A piece of a stream's text: speaks the sentences it completes.
    async fn chunk(&mut self, text: &str) -> Result<(), Fail> {
        let max = self.app.config.limits.max_input_chars;
        let stream = self.stream.as_mut().ok_or_else(|| no_stream("synthesize-chunk"))?;
        let Some(voice) = stream.voice.clone() else { return Ok(()) };
        stream.chars += text.chars().count();
        if stream.chars > max {
            stream.voice = None;
            return Err(ApiError::invalid(format!("the stream's text is over {max} characters (ferry serve --max-input-chars); the rest of it is not spoken"))
                .code("input_too_long")
                .into());
        }
        let done = match &mut stream.pending {
            Pending::Plain(buffer) => buffer.push(text),
            Pending::Ssml(held) => {
                held.push_str(text);
                Vec::new()
            }
        };
        for sentence in done {
            self.speak_in_stream(sentence, voice.clone()).await?;
        }
        Ok(())
    }

    /// The end of a stream: speaks what is left, then `synthesize-stopped`.
    async fn stop(&mut self) -> Result<(), Fail> {
        let stream = self.stream.take().ok_or_else(|| no_stream("synthesize-stop"))?;
        if let Some(voice) = stream.voice {
            let rest = match stream.pending {
                Pending::Plain(mut buffer) => buffer.finish(),
                Pending::Ssml(held) => match check_ssml(&held, true) {
                    Ok(()) => Some(held),
                    Err(e) => {
                        self.send(&events::error(&e)).await?;
                        None
                    }
                },
            };
            if let Some(text) = rest {
                self.speak_in_stream(text, voice).await?;
            }
        }
        self.send(&events::synthesize_stopped()).await
    }

    /// Speaks one sentence of a stream; a refusal is reported and the stream goes on.
    /// Pieces without a letter or digit (a lone "…") have nothing to say and are skipped.
    async fn speak_in_stream(&mut self, text: String, voice: Arc<Voice>) -> Result<(), Fail> {
        if !text.chars().any(char::is_alphanumeric) {
            return Ok(());
        }
        match self.speak(text, voice).await {
            Err(Fail::Refused(e)) => self.send(&events::error(&e)).await,
            other => other,
        }
    }

    /// One job: waits for its first sentence (so an error before any audio is an error
    /// alone), then `audio-start`, the audio in chunks of [`SAMPLES_PER_CHUNK`] as each
    /// sentence arrives, `audio-stop`. An error part-way still closes with `audio-stop`.
    async fn speak(&mut self, text: String, voice: Arc<Voice>) -> Result<(), Fail> {
        let config = &self.app.config;
        let family = pick_family(&voice, None, config.vocoder)?;
        let opts = SynthOptions { vocode: VocodeOptions { seed: Some(config.seed), ..config.vocode.clone() }, ..Default::default() };
        let rate = voice.config.sample_rate;
        let timeout = config.limits.timeout;
        let (job, mut sentences) = Job::new(text, voice, family, opts);
        self.app.pool.submit(job)?;
        let first = match tokio::time::timeout(timeout, sentences.recv()).await {
            Err(_) => {
                return Err(ApiError::invalid(format!("no audio within {} s (ferry serve --timeout); the server is busy, try again", timeout.as_secs()))
                    .code("timeout")
                    .into())
            }
            Ok(None) => return Err(ApiError::internal("the worker stopped without a result").into()),
            Ok(Some(first)) => first.map_err(ApiError::from)?,
        };
        self.send(&events::audio_start(rate)).await?;
        self.send_audio(rate, &first.samples).await?;
        let mut failed = None;
        while let Some(sentence) = sentences.recv().await {
            match sentence {
                Ok(sentence) => self.send_audio(rate, &sentence.samples).await?,
                Err(e) => {
                    failed = Some(ApiError::from(e));
                    break;
                }
            }
        }
        self.send(&events::audio_stop()).await?;
        failed.map_or(Ok(()), |e| Err(e.into()))
    }

    /// One sentence's samples (`[-1, 1]` floats at `rate` Hz) as s16le `audio-chunk`s.
    async fn send_audio(&mut self, rate: u32, samples: &[f32]) -> Result<(), Fail> {
        for part in samples.chunks(SAMPLES_PER_CHUNK) {
            let pcm: Vec<u8> = part.iter().flat_map(|&s| crate::audio::wav::f32_to_i16(s).to_le_bytes()).collect();
            self.send(&events::audio_chunk(rate, pcm)).await?;
        }
        Ok(())
    }

    /// The voice a request names; by language when it names none (the default voice
    /// first); else the default voice.
    fn voice(&self, want: &VoiceRequest) -> Result<Arc<Voice>, ApiError> {
        let catalog = &self.app.catalog;
        if let Some(name) = want.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return catalog.resolve(Some(name));
        }
        let wanted = want.language.as_deref().map(|l| l.trim().replace('-', "_").to_ascii_lowercase());
        let by_language = wanted.and_then(|lang| {
            catalog.speaking().filter(|v| piper_language(v).to_ascii_lowercase() == lang).min_by_key(|v| v.name() != catalog.default_name()).cloned()
        });
        Ok(by_language.unwrap_or_else(|| catalog.default_voice()))
    }

    /// Writes one event; a write that fails or stalls past `--timeout` means the client
    /// has gone.
    async fn send(&mut self, frame: &Frame) -> Result<(), Fail> {
        match tokio::time::timeout(self.app.config.limits.timeout, write_frame(&mut self.write, frame)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Fail::Gone),
        }
    }

    /// Sends a refusal as an `error` event and logs its code.
    async fn refuse(&mut self, e: &ApiError, kind: &str, started: Instant) -> Result<(), Gone> {
        self.log(kind, &format!("error {}", e.code.unwrap_or(e.kind)), started);
        self.send(&events::error(e)).await.map_err(|_| Gone)
    }

    fn log(&self, kind: &str, outcome: &str, started: Instant) {
        if self.app.config.access_log {
            let kind: String = kind.chars().take(32).filter(|c| !c.is_control()).collect();
            eprintln!("ferry serve: wyoming {kind} {outcome} {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
        }
    }
}

fn no_stream(event: &str) -> Fail {
    ApiError::invalid(format!("{event} outside a stream; send synthesize-start first")).code("no_stream").into()
}

/// SSML (named by `text_format`, or text starting with `<speak`) must parse before any
/// work is queued.
fn check_ssml(text: &str, named: bool) -> Result<(), ApiError> {
    let looks = crate::text::ssml::looks_like_ssml(text);
    if named && !looks {
        return Err(ApiError::invalid("text_format is ssml, but the text does not start with <speak>").code("invalid_ssml"));
    }
    if looks {
        crate::text::ssml::parse(text).map_err(|e| ApiError::from(e).code("invalid_ssml"))?;
    }
    Ok(())
}
