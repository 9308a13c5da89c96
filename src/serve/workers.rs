//! The synthesis workers: OS threads fed by one bounded queue, never the async executor.
//!
//! Each worker holds its own loaded models (one [`TextToMel`] per voice, shared by a
//! [`Synthesizer`] per vocoder family it has been asked for; the server's default loaded at
//! start). A job's audio goes back one sentence at a time over a small channel; when the
//! client has gone (the channel is closed) the worker drops the job before its next sentence. A panic inside a job (libtorch raises
//! some errors that way) fails that job only; the worker carries on.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tch::Device;
use tokio::sync::mpsc;

use super::error::ApiError;
use super::metrics::Metrics;
use crate::error::{Error, Result};
use crate::synth::{SynthOptions, Synthesizer, TextToMel};
use crate::timestamps::Timestamps;
use crate::vocoder::{Family, Precision};
use crate::voice::Voice;

/// Sentences a job may have synthesised ahead of the client reading them.
pub const SENTENCES_AHEAD: usize = 2;

/// Test-only: while the file this names exists, a worker that has taken a job waits before
/// starting it. It makes "every worker busy and the queue full" a state a test can hold
/// without racing the synthesis (tests/serve_http.rs).
const HOLD_ENV: &str = "FERRY_SERVE_TEST_HOLD";

/// One sentence of audio at the voice's sample rate, with where its words are.
#[derive(Debug, Clone)]
pub struct Sentence {
    pub samples: Vec<f32>,
    /// Seconds from the start of the job's audio.
    pub timestamps: Timestamps,
}

/// A sentence, or the error that ended the job.
pub type Chunk = Result<Sentence>;

/// A request for speech.
pub struct Job {
    pub text: String,
    pub voice: Arc<Voice>,
    pub family: Family,
    pub opts: SynthOptions,
    /// Where the sentences go; closed by the client's side when it has gone.
    pub reply: mpsc::Sender<Chunk>,
    /// When the job was made (it enters the queue at once): time to first audio counts from here.
    pub queued: Instant,
}

impl Job {
    /// A job and the receiving end of its audio.
    pub fn new(text: String, voice: Arc<Voice>, family: Family, opts: SynthOptions) -> (Job, mpsc::Receiver<Chunk>) {
        let (reply, rx) = mpsc::channel(SENTENCES_AHEAD);
        (Job { text, voice, family, opts, reply, queued: Instant::now() }, rx)
    }
}

/// How every worker loads its models.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub workers: usize,
    pub queue: usize,
    pub device: Device,
    pub precision: Precision,
}

/// The worker threads and the queue in front of them.
pub struct Pool {
    queue: SyncSender<Job>,
    queue_len: usize,
    ready: Arc<AtomicUsize>,
    workers: usize,
    metrics: Arc<Metrics>,
}

impl Pool {
    /// Starts the workers. The first loads the default voice and vocoder before this
    /// returns, so a voice that cannot load stops the server at once with its error; the
    /// others load theirs in the background (see [`Pool::ready`]).
    pub fn start(cfg: &WorkerConfig, voice: Arc<Voice>, family: Family, metrics: Arc<Metrics>) -> Result<Pool> {
        let (queue, rx) = sync_channel::<Job>(cfg.queue);
        let rx = Arc::new(Mutex::new(rx));
        let ready = Arc::new(AtomicUsize::new(0));
        let hold = std::env::var_os(HOLD_ENV).map(PathBuf::from);
        let (first_tx, first_rx) = std::sync::mpsc::channel::<Result<()>>();
        for id in 0..cfg.workers {
            let (device, precision, metrics) = (cfg.device, cfg.precision, metrics.clone());
            let (rx, ready, hold, voice) = (rx.clone(), ready.clone(), hold.clone(), voice.clone());
            let first = (id == 0).then(|| first_tx.clone());
            std::thread::Builder::new()
                .name(format!("ferry-serve-worker-{id}"))
                .spawn(move || {
                    // Built on its own thread: the models never cross threads.
                    let mut worker = Worker { texts: HashMap::new(), models: HashMap::new(), device, precision, metrics };
                    let loaded = catch_unwind(AssertUnwindSafe(|| worker.load(&voice, family).map(|_| ())))
                        .unwrap_or_else(|panic| Err(Error::External(format!("loading the models panicked: {}", crate::error::panic_message(&*panic)))));
                    if let Some(tx) = first {
                        let failed = loaded.is_err();
                        let _ = tx.send(loaded);
                        if failed {
                            return;
                        }
                    } else if let Err(e) = &loaded {
                        eprintln!("ferry serve: worker {id} could not load {} (it will retry per request): {e}", voice.name());
                    }
                    if worker.models.contains_key(&(voice.name().to_string(), family)) {
                        ready.fetch_add(1, Ordering::SeqCst);
                    }
                    worker.run(&rx, hold.as_deref());
                })
                .map_err(|e| Error::External(format!("cannot start a worker thread: {e}")))?;
        }
        drop(first_tx);
        first_rx.recv().map_err(|_| Error::External("the first worker stopped while loading".into()))??;
        Ok(Pool { queue, queue_len: cfg.queue, ready, workers: cfg.workers, metrics })
    }

    /// Queues a job, or answers 429 at once when every worker is busy and the queue is full.
    pub fn submit(&self, job: Job) -> std::result::Result<(), ApiError> {
        // Counted before the send, so a worker taking the job at once never sees it negative.
        self.metrics.queued();
        let refused = match self.queue.try_send(job) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Full(_)) => ApiError::busy(self.queue_len),
            Err(TrySendError::Disconnected(_)) => ApiError::unavailable("the synthesis workers have stopped; restart ferry serve"),
        };
        self.metrics.unqueued();
        Err(refused)
    }

    /// The figures of `GET /metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Workers that have loaded the default models.
    pub fn ready(&self) -> usize {
        self.ready.load(Ordering::SeqCst)
    }

    pub fn workers(&self) -> usize {
        self.workers
    }
}

/// One worker's loaded models.
struct Worker {
    /// Each voice's frontend and acoustic model, loaded once for all its families.
    texts: HashMap<String, Rc<TextToMel>>,
    models: HashMap<(String, Family), Synthesizer>,
    device: Device,
    precision: Precision,
    metrics: Arc<Metrics>,
}

impl Worker {
    fn load(&mut self, voice: &Voice, family: Family) -> Result<&Synthesizer> {
        let key = (voice.name().to_string(), family);
        if !self.models.contains_key(&key) {
            let text = match self.texts.get(voice.name()) {
                Some(t) => t.clone(),
                None => {
                    let t = Rc::new(TextToMel::load(voice, self.device)?);
                    self.texts.insert(voice.name().to_string(), t.clone());
                    t
                }
            };
            let mut tts = Synthesizer::with_vocoder(text, crate::vocoder::load(voice, family, self.device)?);
            if self.precision != Precision::Fp32 {
                tts.vocoder.set_precision(self.precision)?;
            }
            self.models.insert(key.clone(), tts);
        }
        Ok(&self.models[&key])
    }

    fn run(&mut self, rx: &Mutex<Receiver<Job>>, hold: Option<&std::path::Path>) {
        loop {
            let job = {
                let rx = rx.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match rx.recv() {
                    Ok(job) => job,
                    Err(_) => return, // the server is gone
                }
            };
            while hold.is_some_and(|p| p.exists()) {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            self.metrics.taken();
            if job.reply.is_closed() {
                eprintln!("ferry serve: the client left before its job started");
                self.metrics.done();
                continue;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| tch::no_grad(|| self.speak(&job))));
            self.metrics.done();
            let error = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(panic) => Error::External(format!("synthesis panicked: {}", crate::error::panic_message(&*panic))),
            };
            let _ = job.reply.blocking_send(Err(error));
        }
    }

    /// Speaks a job sentence by sentence into its reply channel.
    fn speak(&mut self, job: &Job) -> Result<()> {
        let started = Instant::now();
        let metrics = self.metrics.clone();
        let tts = self.load(&job.voice, job.family)?;
        let mut samples_out = 0usize;
        let prosody = job.opts.prosody();
        // The frontend reads the whole input at once (it is fast, and it is what `ferry synth`
        // does, so both speak alike); the models then go sentence by sentence.
        let utterances = tts.sentences(&job.text, &prosody)?;
        for (done, u) in utterances.iter().enumerate() {
            if job.reply.is_closed() {
                eprintln!("ferry serve: the client left; its job stopped after {done} of {} sentences", utterances.len());
                return Ok(());
            }
            let (samples, timestamps) = tts.utterance_audio(u, &prosody, &job.opts.vocode, samples_out)?;
            if done == 0 {
                metrics.first_audio(job.queued);
            }
            samples_out += samples.len();
            if job.reply.blocking_send(Ok(Sentence { samples, timestamps })).is_err() {
                eprintln!("ferry serve: the client left; its job stopped after {done} of {} sentences", utterances.len());
                return Ok(());
            }
        }
        metrics.finished(started.elapsed(), samples_out as f64 / f64::from(job.voice.config.sample_rate));
        Ok(())
    }
}
