//! `ferry bench`: benchmarks that report timings (tests never assert on them).

use clap::{Args, Subcommand};

use super::GlobalArgs;
use crate::error::Result;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// Log-mel of a long signal: Ferry (rustfft) against librosa in the same run.
    Mel {
        /// Seconds of audio.
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        /// Timed runs (the best is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Skip the librosa comparison (no Python needed).
        #[arg(long)]
        no_librosa: bool,
    },
    /// Text frontend: normalise + phonemise + tokenize about 1 MB of mixed text.
    Text {
        /// Megabytes of text to generate.
        #[arg(long, default_value_t = 1.0)]
        megabytes: f64,
    },
    /// Acoustic model (FastPitch) inference: mel frames per second at batch 1 and 16
    /// (random weights, 6 frames per symbol).
    Acoustic {
        /// Model: a preset (tiny, full) or a JSON config file.
        #[arg(long, default_value = "full")]
        config: String,
        /// Symbols per utterance (100 ≈ a 7-second sentence).
        #[arg(long, default_value_t = 100)]
        symbols: usize,
        /// Batch sizes to time.
        #[arg(long, value_delimiter = ',', default_value = "1,16")]
        batch: Vec<usize>,
        /// Timed runs per batch size (the best is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// One vocoder (random weights of a preset): RTF at batch 1 and batched, time to first
    /// audio, peak memory; appends the records to bench/results/.
    Vocoder(crate::cli::bench_vocoder::VocoderBenchArgs),
    /// Every family and preset this build can run plus the teacher (Piper) in one run;
    /// appends to bench/results/ and rewrites bench/README.md.
    All(crate::cli::bench_vocoder::AllBenchArgs),
    /// WaveRNN generation (random weights): samples/s and real-time factor, folded and
    /// sequential, plain-Rust and libtorch sampling loops.
    Ar(ArBenchArgs),
    /// What `ferry say` listeners get, per family: time to first audio for a 20-word
    /// sentence and underruns over minutes of text, on a simulated real-time sound card.
    Say(SayBenchArgs),
    /// Load on `ferry serve`: N clients for a bounded time, every response checked; requests
    /// served, latency and time-to-first-audio percentiles.
    #[command(after_help = crate::cli::bench_serve::AFTER_HELP)]
    Serve(crate::cli::bench_serve::ServeBenchArgs),
}

/// Options of `ferry bench say`.
#[derive(Debug, Args)]
pub struct SayBenchArgs {
    /// Families: all, or a comma-separated list (e.g. gan,diffusion).
    #[arg(long, default_value = "all")]
    families: String,
    /// Vocoder preset for every listed family (default: each family's voice-pack size:
    /// gan/vae/flow compact, ar default, diffusion base).
    #[arg(long)]
    config: Option<String>,
    /// Acoustic model preset (tiny, full) or a JSON config file.
    #[arg(long, default_value = "full")]
    acoustic: String,
    /// Minutes of speech for the underrun count (sentences cycled from --text).
    #[arg(long, default_value_t = 5.0)]
    minutes: f64,
    /// Sentences to speak, one per line (default: the corpus's test split).
    #[arg(long)]
    text: Option<std::path::PathBuf>,
    /// Seconds of audio the sound card's ring buffer holds (as `ferry say`).
    #[arg(long, default_value_t = crate::speak::RING_SECONDS)]
    buffer: f64,
}

/// Options of `ferry bench ar`.
#[derive(Debug, Args)]
pub struct ArBenchArgs {
    /// WaveRNN preset (default, 512, tiny, raw) or a JSON config file.
    #[arg(long, default_value = "default")]
    config: String,
    /// Seconds of audio for folded generation.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Seconds of audio for sequential generation (0 = skip it).
    #[arg(long, default_value_t = 1.0)]
    seq_seconds: f64,
    /// Samples per folded segment.
    #[arg(long, default_value_t = 11_000)]
    fold_target: usize,
    /// Overlap between folded segments, in samples.
    #[arg(long, default_value_t = 550)]
    fold_overlap: usize,
    /// Sampling loops, comma-separated: rust (plain Rust, CPU only), tch (libtorch ops one by
    /// one), graph (the libtorch loop recorded as a CUDA graph and replayed, CUDA only); both =
    /// rust,tch
    #[arg(long, default_value = "rust")]
    engine: String,
    /// Timed runs (the best is reported, after one warm-up).
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

pub fn run(g: &GlobalArgs, a: BenchArgs) -> Result<()> {
    match a.what {
        BenchWhat::Acoustic { config, symbols, batch, runs } => {
            let device = super::pick_device(g)?;
            let cfg = crate::bench::acoustic::load_config(&config, 256)?;
            let rows = crate::bench::acoustic::run(&cfg, symbols, &batch, runs, device)?;
            let mel = crate::audio::MelConfig::default();
            println!(
                "acoustic model '{config}' on {}: {symbols} symbols x {} frames each (best of {runs}, revision {})",
                crate::device::describe(device),
                crate::bench::acoustic::FRAMES_PER_SYMBOL,
                crate::provenance::git_revision()
            );
            for r in rows {
                println!(
                    "  batch {:>3}: {:>7} frames in {:8.2} ms  = {:>9.0} mel frames/s  ({:.0}x real time)",
                    r.batch,
                    r.frames,
                    r.seconds * 1e3,
                    r.frames_per_second(),
                    r.times_real_time(&mel)
                );
            }
            Ok(())
        }
        BenchWhat::Vocoder(v) => super::bench_vocoder::run_vocoder(g, v),
        BenchWhat::All(v) => super::bench_vocoder::run_all(g, v),
        BenchWhat::Mel { seconds, runs, no_librosa } => {
            let r = crate::bench::mel::run(seconds, runs, !no_librosa)?;
            println!("mel of {:.0} s of 22 050 Hz audio (best of {runs}, revision {})", r.seconds_of_audio, crate::provenance::git_revision());
            println!("  ferry (rustfft, {} threads): {:8.2} ms  ({:.0}x real time)", r.threads, r.ferry_s * 1e3, r.seconds_of_audio / r.ferry_s);
            if let (Some(l), Some(s)) = (r.librosa_s, r.speedup()) {
                println!("  librosa:                    {:8.2} ms  ({:.0}x real time)", l * 1e3, r.seconds_of_audio / l);
                println!("  speed-up over librosa: {s:.1}x; max |Δ log-mel| = {:.2e}", r.max_abs_diff.unwrap_or(f64::NAN));
            }
            Ok(())
        }
        BenchWhat::Text { megabytes } => crate::bench::text::run(megabytes),
        BenchWhat::Ar(a) => run_ar(g, a),
        BenchWhat::Say(a) => run_say(g, a),
        BenchWhat::Serve(a) => super::bench_serve::run(g, a),
    }
}

fn run_say(g: &GlobalArgs, a: SayBenchArgs) -> Result<()> {
    use crate::bench::say;
    use crate::vocoder::Family;
    // Written so that NaN fails too.
    let valid = a.minutes > 0.0 && a.minutes <= 600.0 && a.buffer > 0.0;
    if !valid {
        return Err(crate::Error::arg("--minutes must be in (0, 600] and --buffer positive"));
    }
    let families: Vec<Family> = Family::parse_list(&a.families)?.unwrap_or_else(|| Family::ALL.to_vec());
    let text_path = a.text.clone().unwrap_or_else(|| crate::text::lexicon::data_dir().join("sentences/test.txt"));
    let body = std::fs::read_to_string(&text_path).map_err(|e| crate::Error::io(&text_path, e))?;
    let text: Vec<String> = body.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    let device = super::pick_device(g)?;
    println!(
        "ferry say on a simulated {:.0} s-buffer sound card, {}, acoustic '{}' (random weights, {} frames per phoneme), revision {}",
        a.buffer,
        crate::device::describe(device),
        a.acoustic,
        say::FRAMES_PER_SYMBOL,
        crate::provenance::git_revision()
    );
    println!("| family | config | first audio (20 words) ms | underruns | silence s | speech min | compute x real time |");
    println!("|---|---|---:|---:|---:|---:|---:|");
    for family in families {
        let config = a.config.clone().unwrap_or_else(|| say::default_config(family).to_string());
        eprintln!("ferry: speaking {:.1} min with {family} {config} ...", a.minutes);
        let b = say::SayBench {
            family,
            config: config.clone(),
            acoustic: a.acoustic.clone(),
            minutes: a.minutes,
            text: text.clone(),
            buffer_s: a.buffer,
            device,
            options: crate::vocoder::VocodeOptions { seed: Some(g.seed), ..Default::default() },
        };
        match say::run(&b) {
            Ok(r) => println!(
                "| {family} | {config} | {:.0} | {} | {:.1} | {:.1} | {:.2} |",
                r.first_audio_s * 1e3,
                r.underruns,
                r.gap_s,
                r.audio_s / 60.0,
                r.audio_s / r.compute_s
            ),
            Err(e) => println!("| {family} | {config} | – | – | – | – | – ({e}) |"),
        }
    }
    Ok(())
}

fn mel_rate() -> f64 {
    crate::audio::MelConfig::default().sampling_rate as f64
}

fn run_ar(g: &GlobalArgs, a: ArBenchArgs) -> Result<()> {
    use crate::vocoder::ar::Engine;
    let engines = match a.engine.as_str() {
        "both" => vec![Engine::Rust, Engine::Tch],
        list => list.split(',').map(|e| Engine::parse(e.trim())).collect::<Result<Vec<_>>>()?,
    };
    let device = super::pick_device(g)?;
    let threads = tch::get_num_threads().max(1) as usize;
    let b = crate::bench::ar::ArBench {
        config: a.config,
        seconds: a.seconds,
        seq_seconds: a.seq_seconds,
        runs: a.runs,
        target: a.fold_target,
        overlap: a.fold_overlap,
        engines,
        sequential: a.seq_seconds > 0.0,
        device,
        threads,
    };
    let runs = crate::bench::ar::run(&b)?;
    println!(
        "WaveRNN '{}' ({} parameters), {}, {threads} threads, revision {} (best of {})",
        b.config,
        runs.first().map_or(0, |r| r.parameters),
        crate::device::describe(device),
        crate::provenance::git_revision(),
        b.runs
    );
    for r in &runs {
        println!(
            "  {:5} {:20} {:3} folds {:5.1} s audio: {:8.3} s  {:9.0} samples/s  RTF {:6.3}  ({:.2}x real time)",
            r.engine,
            r.mode,
            r.folds,
            r.seconds_of_audio,
            r.best_s,
            r.samples_per_s,
            r.rtf,
            1.0 / r.rtf
        );
        if let Some(cpu) = r.cpu_s {
            // What the run would take with its threads to itself (the machine may be shared).
            let ideal = cpu / r.threads_used as f64;
            println!(
                "        CPU time {cpu:.3} s on {} thread(s): {:.0} samples/s, {:.2}x real time with the cores to itself",
                r.threads_used,
                r.seconds_of_audio * mel_rate() / ideal,
                r.seconds_of_audio / ideal
            );
        }
    }
    Ok(())
}
