//! One request for speech, from the queue to encoded bytes, shared by both APIs.
//!
//! The worker's sentences pass through an encoding pump on tokio's blocking pool (encoding
//! is CPU work too, kept off the executor) that hands bytes to the response. Whatever end
//! goes away first stops the others: a client that disconnects drops the response, which
//! closes the pump's channel, which closes the worker's.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::encode::{self, Format};
use super::error::ApiError;
use super::workers::{Chunk, Job, Pool, SENTENCES_AHEAD};
use crate::error::Result;
use crate::synth::SynthOptions;
use crate::timestamps::Timestamps;
use crate::vocoder::Family;
use crate::voice::Voice;

/// What to say, with what, in which format.
pub struct Speech {
    pub text: String,
    pub voice: Arc<Voice>,
    pub family: Family,
    pub opts: SynthOptions,
    pub format: Format,
}

impl Speech {
    /// Sample rate of the encoded audio.
    pub fn rate(&self) -> u32 {
        self.format.output_rate(self.voice.config.sample_rate)
    }

    pub fn content_type(&self) -> String {
        self.format.content_type(self.rate())
    }
}

/// Encoded bytes of one or more sentences, with where their words are (seconds from the
/// start of the audio).
#[derive(Debug, Default)]
pub struct Piece {
    pub bytes: Vec<u8>,
    pub timestamps: Timestamps,
}

/// Pieces as they come; the channel ends after the last.
pub type Pieces = mpsc::Receiver<Result<Piece>>;

/// Speaks the whole text and returns the complete file (exact lengths in its headers).
pub async fn whole(pool: &Pool, speech: Speech) -> std::result::Result<Vec<u8>, ApiError> {
    let mut rx = start(pool, speech, false)?;
    match rx.recv().await {
        Some(Ok(file)) => Ok(file.bytes),
        Some(Err(e)) => Err(e.into()),
        None => Err(ApiError::internal("the encoder stopped without a result")),
    }
}

/// Starts speaking and resolves with the first piece of audio (the first sentence) and the
/// channel of the rest, so an error in the first sentence is still an error status.
pub async fn streamed(pool: &Pool, speech: Speech) -> std::result::Result<(Piece, Pieces), ApiError> {
    let mut rx = start(pool, speech, true)?;
    match rx.recv().await {
        Some(Ok(first)) => Ok((first, rx)),
        Some(Err(e)) => Err(e.into()),
        None => Err(ApiError::internal("the encoder stopped without a result")),
    }
}

fn start(pool: &Pool, speech: Speech, streaming: bool) -> std::result::Result<Pieces, ApiError> {
    let encoder = encode::encoder(speech.format, speech.voice.config.sample_rate, streaming)?;
    let (job, sentences) = Job::new(speech.text, speech.voice, speech.family, speech.opts);
    pool.submit(job)?;
    let (tx, rx) = mpsc::channel(SENTENCES_AHEAD);
    tokio::task::spawn_blocking(move || pump(sentences, encoder, tx, streaming));
    Ok(rx)
}

/// Encodes sentences as they arrive. Streaming, each sentence's bytes go out at once with
/// its timestamps (a sentence the encoder has not written out yet rides with the next
/// piece, so none is sent empty, except a stream whose encoder writes everything at the
/// end); whole, one message holds the file.
fn pump(mut sentences: mpsc::Receiver<Chunk>, mut encoder: Box<dyn encode::Encoder>, out: mpsc::Sender<Result<Piece>>, streaming: bool) {
    let mut pending = Piece::default();
    let mut sent_any = false;
    while let Some(chunk) = sentences.blocking_recv() {
        if out.is_closed() {
            return; // the client has gone; dropping `sentences` stops the worker
        }
        match chunk.and_then(|s| Ok((encoder.push(&s.samples)?, s.timestamps))) {
            Ok((bytes, timestamps)) => {
                pending.bytes.extend(bytes);
                pending.timestamps.extend(timestamps);
                if streaming && !pending.bytes.is_empty() {
                    sent_any = true;
                    if out.blocking_send(Ok(std::mem::take(&mut pending))).is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                let _ = out.blocking_send(Err(e));
                return;
            }
        }
    }
    match encoder.finish() {
        Ok(bytes) => {
            pending.bytes.extend(bytes);
            let carries = !pending.bytes.is_empty() || !pending.timestamps.phonemes.is_empty();
            if !streaming || carries || !sent_any {
                let _ = out.blocking_send(Ok(pending));
            }
        }
        Err(e) => {
            let _ = out.blocking_send(Err(e));
        }
    }
}
