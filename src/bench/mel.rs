//! `ferry bench mel`: the rustfft log-mel of a long signal against librosa, in one run.

use crate::audio::{npy, MelConfig, MelExtractor};
use crate::error::Result;

/// Result of the mel benchmark.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MelBench {
    pub seconds_of_audio: f64,
    pub threads: usize,
    pub ferry_s: f64,
    pub librosa_s: Option<f64>,
    /// Largest |Δ| between Ferry's and librosa's log-mel on the benchmark signal.
    pub max_abs_diff: Option<f64>,
}

impl MelBench {
    pub fn speedup(&self) -> Option<f64> {
        self.librosa_s.map(|l| l / self.ferry_s)
    }
}

/// Times Ferry's mel of `seconds` of audio (best of `runs`) and, when `with_librosa`,
/// librosa's on the same samples through `scripts/bench_mel.py`.
pub fn run(seconds: f64, runs: usize, with_librosa: bool) -> Result<MelBench> {
    let cfg = MelConfig::default();
    let signal = super::test_signal(seconds, cfg.sampling_rate);
    let ex = MelExtractor::new(&cfg)?;
    let ferry_s = super::best_of(runs, || ex.compute(&signal));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let (mut librosa_s, mut max_abs_diff) = (None, None);
    if with_librosa {
        let dir = tempfile_dir()?;
        let wav_path = dir.join("signal.npy");
        let mel_path = dir.join("librosa_mel.npy");
        npy::write_f32(&wav_path, &signal, &[signal.len()])?;
        let out =
            crate::python::run_script("bench_mel.py", &[wav_path.to_str().unwrap_or_default(), mel_path.to_str().unwrap_or_default(), &runs.to_string()])?;
        let v: serde_json::Value = serde_json::from_str(out.trim())?;
        librosa_s = v["seconds"].as_f64();
        let (lib, _) = npy::read_f32(&mel_path)?;
        let ours = ex.compute(&signal);
        max_abs_diff = Some(ours.data.iter().zip(&lib).map(|(a, b)| (a - b).abs() as f64).fold(0.0, f64::max));
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(MelBench { seconds_of_audio: seconds, threads, ferry_s, librosa_s, max_abs_diff })
}

fn tempfile_dir() -> Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("ferry-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d).map_err(|e| crate::Error::io(&d, e))?;
    Ok(d)
}
