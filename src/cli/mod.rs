//! The `ferry` command line (clap derive). Thin: each subcommand parses its arguments and
//! calls the library; errors come back as [`crate::Error`] and are printed on one line.

mod bench;
mod bench_serve;
mod bench_vocoder;
mod compare;
mod data;
mod devices;
mod eval;
mod g2p_average;
mod g2p_eval;
mod g2p_train;
mod listen;
mod mel;
mod phonemize;
mod recipe;
mod resynth;
mod say;
mod serve;
mod synth;
mod train;
mod voices;

use clap::{Args, Parser, Subcommand};

use crate::device::{self, DeviceChoice};
use crate::error::Result;
use crate::vocoder::{Family, VocodeOptions};

const AFTER_HELP: &str = "\
Examples:
  ferry voices                                      list installed voices and their models
  ferry synth \"Hello there.\" -o hello.wav --rate 1.1 --pitch -2
                                                    speak text (or SSML) with a voice
  ferry resynth in.wav -o out.wav --vocoder griffin-lim
                                                    copy synthesis: wav -> mel -> wav
  ferry mel in.wav -o mel.npy --png mel.png         log-mel as a NumPy array and an image
  ferry bench mel                                   time the mel of 60 s of audio vs librosa
  ferry phonemize \"Dr. Smith paid $5.\" --json    words, phonemes with source, token ids
  ferry serve --voice joe                           OpenAI- and Piper-compatible speech over HTTP
  ferry eval --voice joe --resynth data/fixtures    WER, MOS, MCD, F0 of every vocoder

Vocoder families (--vocoder takes a family or a model name):
  ar (wavernn)  gan (hifigan)  vae (cvae)  flow (waveglow)  diffusion (diffwave)  griffin-lim

Environment: FERRY_VOICES sets the voice directories (colon-separated; default ./voices and the source tree's voices/); OMP_WAIT_POLICY
is set to PASSIVE unless you set it yourself.";

/// Ferry: text-to-speech with five families of neural vocoder.
#[derive(Debug, Parser)]
#[command(name = "ferry", version, about, long_about = None, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where to compute: auto (CUDA when available), cpu, cuda or cuda:N.
    #[arg(long, global = true, default_value = "auto", value_parser = parse_device)]
    pub device: DeviceChoice,
    /// CPU threads for libtorch (0 = one per core, at most 8).
    #[arg(long, global = true, default_value_t = 0)]
    pub threads: usize,
    /// Seed for every random choice (noise of sampling vocoders, Griffin-Lim's initial phase).
    #[arg(long, global = true, default_value_t = 0)]
    pub seed: u64,
    /// Print more about what is happening (on stderr).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// CUDA: let cuDNN time its convolution algorithms for each new input shape and keep the
    /// fastest. Pays off when many inputs share a shape (benchmarks, fixed-size training
    /// segments); the first input of each length is slower.
    #[arg(long, global = true)]
    pub cudnn_benchmark: bool,
    /// Record where the time goes: every libtorch op (and every CUDA kernel on a GPU) of the
    /// command, written as a Chrome trace to this file (open it in ui.perfetto.dev), with the
    /// ops and kernels that took the longest printed on stderr. Profile short runs (e.g.
    /// `bench vocoder --runs 1`): a long one records millions of events.
    #[arg(long, global = true, value_name = "TRACE.json")]
    pub profile: Option<std::path::PathBuf>,
}

fn parse_device(s: &str) -> std::result::Result<DeviceChoice, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

fn parse_family(s: &str) -> std::result::Result<Family, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy synthesis: read a WAV, compute its mel, vocode it back to a WAV.
    Resynth(resynth::ResynthArgs),
    /// Speak text (or SSML) into a WAV: frontend, acoustic model, vocoder.
    #[command(after_help = synth::AFTER_HELP)]
    Synth(synth::SynthArgs),
    /// Speak text live through the sound card as it is synthesised.
    #[command(after_help = say::AFTER_HELP)]
    Say(say::SayArgs),
    /// Write the log-mel of a WAV as a NumPy array (and optionally a PNG image).
    Mel(mel::MelArgs),
    /// Serve speech over HTTP: OpenAI's /v1/audio/speech and Piper's API.
    #[command(after_help = serve::AFTER_HELP)]
    Serve(serve::ServeArgs),
    /// List installed voices, their models and sizes.
    Voices(voices::VoicesArgs),
    /// Benchmarks (real-time factor, speed against reference implementations).
    Bench(bench::BenchArgs),
    /// List sound output devices (names for --output-device).
    Devices(devices::DevicesArgs),
    /// Average G2P models trained from one starting point (a model soup), scored on validation words.
    G2pAverage(g2p_average::G2pAverageArgs),
    /// Word and phoneme error rates of the learned G2P model on held-out CMUdict words.
    G2pEval(g2p_eval::G2pEvalArgs),
    /// Train the learned letter-to-phoneme model on CMUdict (CPU is fine: ~35 min).
    G2pTrain(g2p_train::G2pTrainArgs),
    /// Show the normalised words, phonemes (with their source) and token ids of a text.
    Phonemize(phonemize::PhonemizeArgs),
    /// Build a blinded listening study: every sentence through every vocoder, anchors, loudness matching.
    Compare(compare::CompareArgs),
    /// Serve a listening study (MUSHRA, A/B, MOS) to browsers; `listen report` scores it.
    Listen(listen::ListenArgs),
    /// Train a model (acoustic or a vocoder) on a dataset in LJSpeech layout.
    Train(train::TrainArgs),
    /// Train a whole voice: resumable stages with CPU budgets (`make voice` runs this).
    #[command(after_help = recipe::AFTER_HELP)]
    Recipe(recipe::RecipeArgs),
    /// Check a dataset (LJSpeech layout) and build its feature cache.
    Data(data::DataArgs),
    /// Turn a training checkpoint into an fp16 entry of a voice pack.
    Export(train::ExportArgs),
    /// Objective evaluation: WER, predicted MOS, mel/cepstral/F0 distances to references.
    Eval(eval::EvalArgs),
}

/// Vocoder choice and its per-family options, shared by every command that vocodes.
#[derive(Debug, Clone, Args)]
pub struct VocoderArgs {
    /// Vocoder family or model: ar, gan, vae, flow, diffusion, griffin-lim (or wavernn, hifigan, ...).
    /// Default: the voice's default vocoder, else griffin-lim.
    #[arg(long, value_parser = parse_family)]
    pub vocoder: Option<Family>,
    /// diffusion: number of denoising steps (6 = fast schedule, 50 = full).
    #[arg(long)]
    pub steps: Option<usize>,
    #[command(flatten)]
    pub sampling: SamplingArgs,
    /// ar: samples per folded segment for batched generation (0 = sequential).
    #[arg(long)]
    pub fold_target: Option<usize>,
    /// ar: overlap between folded segments, in samples.
    #[arg(long)]
    pub fold_overlap: Option<usize>,
    /// gan, flow, diffusion: arithmetic precision, fp32 or bf16 (about 2x faster on CPUs with
    /// AVX512-BF16 or AMX and on GPUs, slightly less exact; flow and diffusion keep their audio
    /// in fp32). The other families run in fp32.
    #[arg(long, default_value = "fp32", value_parser = parse_precision)]
    pub precision: crate::vocoder::Precision,
}

/// The sampling options of the flow, vae and griffin-lim families (`VocoderArgs` and
/// `ferry compare` take them).
#[derive(Debug, Clone, Args)]
pub struct SamplingArgs {
    /// flow: standard deviation of the latent noise.
    #[arg(long)]
    pub sigma: Option<f64>,
    /// flow: strength of the bias-removal denoiser (0 = off).
    #[arg(long)]
    pub denoise: Option<f64>,
    /// vae: sampling temperature of the prior (0 = its mean).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// griffin-lim: iterations.
    #[arg(long)]
    pub iterations: Option<usize>,
    /// griffin-lim: momentum of the fast Griffin-Lim update, in [0, 1).
    #[arg(long)]
    pub momentum: Option<f64>,
}

impl SamplingArgs {
    /// The vocoder options these set (the others at their defaults).
    pub fn options(&self, seed: u64) -> VocodeOptions {
        VocodeOptions {
            seed: Some(seed),
            sigma: self.sigma,
            denoise: self.denoise,
            temperature: self.temperature,
            iterations: self.iterations,
            momentum: self.momentum,
            ..Default::default()
        }
    }
}

pub(crate) fn parse_precision(s: &str) -> std::result::Result<crate::vocoder::Precision, String> {
    s.parse().map_err(|e: crate::Error| e.to_string())
}

/// Global prosody controls of the commands that speak text (`synth`, `say`).
#[derive(Debug, Clone, Args)]
pub struct ProsodyArgs {
    /// Speaking rate: 1 = as trained, 1.2 = 20% faster, 0.8 = slower (0.25 to 4).
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Pitch shift in semitones: -2 = a whole tone lower, 12 = an octave higher (-24 to 24).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub pitch: f64,
    /// Energy (loudness) multiplier: 1 = as trained, 1.1 = a little louder (0 to 4).
    #[arg(long, default_value_t = 1.0)]
    pub energy: f64,
}

impl ProsodyArgs {
    pub fn options(&self, vocode: VocodeOptions) -> crate::synth::SynthOptions {
        crate::synth::SynthOptions { rate: self.rate, pitch_semitones: self.pitch, energy: self.energy, vocode }
    }
}

impl VocoderArgs {
    pub fn options(&self, seed: u64) -> VocodeOptions {
        VocodeOptions { steps: self.steps, fold_target: self.fold_target, fold_overlap: self.fold_overlap, ..self.sampling.options(seed) }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    device::set_threads(cli.global.threads);
    device::seed_everything(cli.global.seed);
    let Some(trace) = cli.global.profile.clone() else { return run_command(cli) };
    let cuda = tch::Cuda::is_available();
    if !cuda && std::env::var_os("KINETO_LOG_LEVEL").is_none() {
        // Kineto logs an error when it finds no GPU to query; only errors above that level show.
        std::env::set_var("KINETO_LOG_LEVEL", "5");
    }
    let recording = crate::bench::profiler::start(cuda)?;
    let result = run_command(cli);
    let rows = recording.stop(Some(&trace))?;
    eprintln!("\nferry: profile written to {} (open it in ui.perfetto.dev)\n", trace.display());
    eprint!("{}", crate::bench::profiler::report(&rows, 15));
    result
}

/// Runs the command; a panic (tch turns libtorch's errors into panics: a CUDA
/// out-of-memory, a shape libtorch refuses) becomes a one-line error naming the command,
/// with the fix where one is known.
fn run_command(cli: Cli) -> Result<()> {
    let name = cli.command.name();
    quiet_panics_on_the_main_thread();
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(cli))).unwrap_or_else(|payload| {
        let msg = crate::error::panic_message(&*payload);
        Err(crate::error::Error::External(format!("ferry {name}: {msg}{}", panic_fix(&msg))))
    })
}

/// What to do about a panic's message, where that is known.
fn panic_fix(msg: &str) -> &'static str {
    let lower = msg.to_lowercase();
    if lower.contains("out of memory") {
        "; free the GPU's memory, or run with --device cpu, or use less at once (a shorter text, a smaller --batch-size)"
    } else if lower.contains("cuda") {
        "; check the GPU with `ferry devices`, or run with --device cpu"
    } else {
        " (an internal error: rerun with RUST_BACKTRACE=1 and report it)"
    }
}

/// The default panic hook prints a multi-line report; on the main thread [`run_command`]
/// reports the panic itself, so there the hook stays silent (unless RUST_BACKTRACE asks
/// for the details). Other threads keep the default report.
fn quiet_panics_on_the_main_thread() {
    if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
        return;
    }
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() != Some("main") {
            default(info);
        }
    }));
}

fn dispatch(cli: Cli) -> Result<()> {
    // Debug builds only: lets a test reach the panic path through a real command.
    if cfg!(debug_assertions) && std::env::var("FERRY_TEST_PANIC").is_ok_and(|c| c == cli.command.name()) {
        panic!("a test asked for this panic (FERRY_TEST_PANIC)");
    }
    match cli.command {
        Command::Resynth(a) => resynth::run(&cli.global, a),
        Command::Synth(a) => synth::run(&cli.global, a),
        Command::Say(a) => say::run(&cli.global, a),
        Command::Mel(a) => mel::run(&cli.global, a),
        Command::Serve(a) => serve::run(&cli.global, a),
        Command::Voices(a) => voices::run(&cli.global, a),
        Command::Bench(a) => bench::run(&cli.global, a),
        Command::Devices(a) => devices::run(&cli.global, a),
        Command::G2pAverage(a) => g2p_average::run(&cli.global, a),
        Command::G2pEval(a) => g2p_eval::run(&cli.global, a),
        Command::G2pTrain(a) => g2p_train::run(&cli.global, a),
        Command::Phonemize(a) => phonemize::run(&cli.global, a),
        Command::Compare(a) => compare::run(&cli.global, a),
        Command::Listen(a) => listen::run(&cli.global, a),
        Command::Train(a) => train::run(&cli.global, a),
        Command::Recipe(a) => recipe::run(&cli.global, a),
        Command::Data(a) => data::run(&cli.global, a),
        Command::Export(a) => train::run_export(&cli.global, a),
        Command::Eval(a) => eval::run(&cli.global, a),
    }
}

impl Command {
    /// The subcommand as typed on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Resynth(_) => "resynth",
            Command::Synth(_) => "synth",
            Command::Say(_) => "say",
            Command::Mel(_) => "mel",
            Command::Serve(_) => "serve",
            Command::Voices(_) => "voices",
            Command::Bench(_) => "bench",
            Command::Devices(_) => "devices",
            Command::G2pAverage(_) => "g2p-average",
            Command::G2pEval(_) => "g2p-eval",
            Command::G2pTrain(_) => "g2p-train",
            Command::Phonemize(_) => "phonemize",
            Command::Compare(_) => "compare",
            Command::Listen(_) => "listen",
            Command::Train(_) => "train",
            Command::Recipe(_) => "recipe",
            Command::Data(_) => "data",
            Command::Export(_) => "export",
            Command::Eval(_) => "eval",
        }
    }
}

/// The synthesizer of `--voice` (default joe) with the vocoder of `--vocoder` (default: the
/// voice's default family, else Griffin-Lim), for the commands that speak text.
pub(crate) fn load_synthesizer(g: &GlobalArgs, voice: Option<&str>, vocoder: &VocoderArgs) -> Result<crate::synth::Synthesizer> {
    let voice =
        optional_voice(voice)?.ok_or_else(|| crate::Error::voice("joe", "not installed and no --voice given; `ferry voices` lists the installed voices"))?;
    let family = vocoder.vocoder.unwrap_or_else(|| voice.config.default_vocoder.as_deref().and_then(|f| f.parse().ok()).unwrap_or(Family::GriffinLim));
    let mut tts = crate::synth::Synthesizer::new(&voice, family, pick_device(g)?)?;
    tts.vocoder.set_precision(vocoder.precision)?;
    Ok(tts)
}

/// Reads a WAV for a voice whose rate is `rate`: mixed to mono and resampled, each with a
/// note on stderr.
pub(crate) fn read_input_wav(path: &std::path::Path, rate: u32) -> Result<crate::audio::Audio> {
    let (wav, info) = crate::audio::read_wav(path)?;
    if let Some(note) = info.mixdown_note() {
        eprintln!("ferry: note: {note}");
    }
    if wav.sample_rate == rate {
        return Ok(wav);
    }
    eprintln!("ferry: note: resampling {} Hz -> {rate} Hz", wav.sample_rate);
    crate::audio::resample::resample(&wav, rate)
}

/// Writes audio to a WAV file, or to stdout as WAV when the path is `-`.
pub(crate) fn write_audio(path: &std::path::Path, audio: &crate::audio::Audio, format: crate::audio::SampleFormat) -> Result<()> {
    if path.as_os_str() == "-" {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        crate::audio::wav::write_wav_to(&mut buf, audio, format).map_err(|e| crate::Error::io("<stdout>", e))?;
        let mut out = std::io::stdout().lock();
        return out.write_all(buf.get_ref()).and_then(|_| out.flush()).map_err(|e| crate::Error::io("<stdout>", e));
    }
    crate::audio::write_wav(path, audio, format)
}

/// Plays what `speak` streams into the sound card (`--output-device`), then waits for the
/// last sample to be heard; reports on stderr with --verbose. Ctrl-C stops at once (exit 130).
pub(crate) fn play(
    g: &GlobalArgs,
    output_device: Option<&str>,
    speak: impl FnOnce(&mut dyn crate::speak::AudioSink, &std::sync::atomic::AtomicBool) -> Result<crate::speak::SpeakReport>,
) -> Result<()> {
    #[cfg(feature = "playback")]
    {
        let stop = stop_flag();
        let player = crate::audio::playback::Player::open(output_device, crate::speak::RING_SECONDS as f32)?;
        if g.verbose {
            let i = &player.info;
            eprintln!("ferry: playing on '{}' at {} Hz, {} ch, {}", i.name, i.sample_rate, i.channels, i.sample_format);
        }
        let mut sink = crate::speak::PlayerSink(player);
        let rep = speak(&mut sink, stop)?;
        let played = sink.0.finish(stop)?;
        if g.verbose {
            eprintln!(
                "ferry: played {} frames at {} Hz ({} utterances); first audio after {:.0} ms; {} underruns",
                played.frames_played,
                played.sample_rate,
                rep.utterances,
                rep.first_audio.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3),
                played.underruns
            );
        }
        if rep.stopped || stop.load(std::sync::atomic::Ordering::Relaxed) {
            eprintln!("ferry: stopped");
            std::process::exit(130);
        }
        Ok(())
    }
    #[cfg(not(feature = "playback"))]
    {
        let _ = (g, output_device, speak);
        Err(crate::Error::Device("this ferry was built without the `playback` feature; write a file with -o out.wav".into()))
    }
}

/// A flag raised by Ctrl-C or SIGTERM (installed on first use). A second one exits at once.
pub(crate) fn stop_flag() -> &'static std::sync::atomic::AtomicBool {
    crate::train::budget::stop_flag()
}

/// Resolves `--device` and says on stderr which device was picked when it was automatic.
pub(crate) fn pick_device(g: &GlobalArgs) -> Result<tch::Device> {
    let d = g.device.resolve()?;
    if g.device == DeviceChoice::Auto || g.verbose {
        eprintln!("ferry: using {}", device::describe(d));
    }
    if g.cudnn_benchmark && d.is_cuda() {
        tch::Cuda::cudnn_set_benchmark(true);
    }
    Ok(d)
}

/// The voice named by `--voice`, or when none is named the installed `joe` voice if there
/// is one (`Ok(None)` otherwise: commands that need only a mel definition use the default).
pub(crate) fn optional_voice(name: Option<&str>) -> Result<Option<crate::Voice>> {
    match name {
        Some(n) => crate::Voice::find(n).map(Some),
        None => Ok(crate::voice::list_installed().into_iter().find(|v| v.name() == "joe")),
    }
}
