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
    /// Text frontend: normalise + phonemise + tokenize about 1 MB of mixed text.
    Text {
        /// Megabytes of text to generate.
        #[arg(long, default_value_t = 1.0)]
        megabytes: f64,
    },
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
                crate::device::describe(device), crate::bench::acoustic::FRAMES_PER_SYMBOL, crate::bench::git_revision()
            );
            for r in rows {
                println!(
                    "  batch {:>3}: {:>7} frames in {:8.2} ms  = {:>9.0} mel frames/s  ({:.0}x real time)",
                    r.batch, r.frames, r.seconds * 1e3, r.frames_per_second(), r.times_real_time(&mel)
                );
            }
            Ok(())
        }
        BenchWhat::Mel { seconds, runs, no_librosa } => {
            let r = crate::bench::mel::run(seconds, runs, !no_librosa)?;
            println!("mel of {:.0} s of 22 050 Hz audio (best of {runs}, revision {})", r.seconds_of_audio, crate::bench::git_revision());
            println!("  ferry (rustfft, {} threads): {:8.2} ms  ({:.0}x real time)", r.threads, r.ferry_s * 1e3, r.seconds_of_audio / r.ferry_s);
            if let (Some(l), Some(s)) = (r.librosa_s, r.speedup()) {
                println!("  librosa:                    {:8.2} ms  ({:.0}x real time)", l * 1e3, r.seconds_of_audio / l);
                println!("  speed-up over librosa: {s:.1}x; max |Δ log-mel| = {:.2e}", r.max_abs_diff.unwrap_or(f64::NAN));
            }
            Ok(())
        }
        BenchWhat::Text { megabytes } => crate::bench::text::run(megabytes),
    }
}
