//! The log-mel spectrogram of docs/ARCHITECTURE.md ("The mel"), computed with rustfft (data
//! preparation, CLI).
//!
//! HiFi-GAN's `meldataset.py` conventions: reflect-pad `(n_fft - hop) / 2`, `center = false`,
//! periodic Hann window, magnitude `sqrt(re² + im² + 1e-9)`, Slaney mel filterbank with
//! area normalisation (librosa's default), `ln(max(x, 1e-5))`. The differentiable twin is
//! [`crate::audio::mel_tch`]; a test holds both equal to librosa's numbers.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use super::stft::{hann_window, num_frames, reflect_index};
use crate::error::{Error, Result};

/// The mel definition of a voice. Keys mirror HiFi-GAN's config JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MelConfig {
    pub sampling_rate: u32,
    pub n_fft: usize,
    pub hop_size: usize,
    pub win_size: usize,
    pub num_mels: usize,
    pub fmin: f64,
    pub fmax: f64,
    /// Upper edge of the loss mel used by GAN/VAE training (`None` = sr / 2).
    #[serde(default)]
    pub fmax_for_loss: Option<f64>,
}

impl Default for MelConfig {
    fn default() -> Self {
        Self { sampling_rate: 22050, n_fft: 1024, hop_size: 256, win_size: 1024, num_mels: 80, fmin: 0.0, fmax: 8000.0, fmax_for_loss: None }
    }
}

impl MelConfig {
    /// Checks that the numbers describe a usable STFT.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::config("mel", m));
        if self.n_fft < 2 || self.hop_size == 0 || self.win_size == 0 || self.num_mels == 0 {
            return bad("n_fft, hop_size, win_size and num_mels must be positive".into());
        }
        if self.win_size > self.n_fft {
            return bad(format!("win_size {} exceeds n_fft {}", self.win_size, self.n_fft));
        }
        if self.hop_size > self.n_fft {
            return bad(format!("hop_size {} exceeds n_fft {}", self.hop_size, self.n_fft));
        }
        let nyq = self.sampling_rate as f64 / 2.0;
        if !(0.0 <= self.fmin && self.fmin < self.fmax && self.fmax <= nyq) {
            return bad(format!("need 0 <= fmin < fmax <= sr/2, got fmin {} fmax {} sr {}", self.fmin, self.fmax, self.sampling_rate));
        }
        Ok(())
    }

    /// The same definition with `fmax` set to the loss mel's upper edge (sr / 2 by default).
    pub fn loss_mel(&self) -> MelConfig {
        MelConfig { fmax: self.fmax_for_loss.unwrap_or(self.sampling_rate as f64 / 2.0), ..self.clone() }
    }

    /// Reflect padding on each side before framing.
    pub fn pad(&self) -> usize {
        (self.n_fft - self.hop_size) / 2
    }

    pub fn n_freqs(&self) -> usize {
        self.n_fft / 2 + 1
    }
}

/// Slaney mel scale (librosa `htk=False`).
pub fn hz_to_mel(f: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel) = (1000.0, 1000.0 / f_sp);
    let logstep = 6.4f64.ln() / 27.0;
    if f >= min_log_hz {
        min_log_mel + (f / min_log_hz).ln() / logstep
    } else {
        f / f_sp
    }
}

/// Inverse of [`hz_to_mel`].
pub fn mel_to_hz(m: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let (min_log_hz, min_log_mel) = (1000.0, 1000.0 / f_sp);
    let logstep = 6.4f64.ln() / 27.0;
    if m >= min_log_mel {
        min_log_hz * (logstep * (m - min_log_mel)).exp()
    } else {
        f_sp * m
    }
}

/// The Slaney-normalised triangular filterbank, `[num_mels][n_fft/2 + 1]` row-major
/// (librosa.filters.mel with its defaults).
pub fn mel_filterbank(cfg: &MelConfig) -> Vec<f32> {
    let n_freqs = cfg.n_freqs();
    let (lo, hi) = (hz_to_mel(cfg.fmin), hz_to_mel(cfg.fmax));
    let hz: Vec<f64> = (0..cfg.num_mels + 2).map(|i| mel_to_hz(lo + (hi - lo) * i as f64 / (cfg.num_mels + 1) as f64)).collect();
    let mut fb = vec![0.0f32; cfg.num_mels * n_freqs];
    for m in 0..cfg.num_mels {
        let enorm = 2.0 / (hz[m + 2] - hz[m]);
        for k in 0..n_freqs {
            let f = k as f64 * cfg.sampling_rate as f64 / cfg.n_fft as f64;
            let lower = (f - hz[m]) / (hz[m + 1] - hz[m]);
            let upper = (hz[m + 2] - f) / (hz[m + 2] - hz[m + 1]);
            fb[m * n_freqs + k] = (lower.min(upper).max(0.0) * enorm) as f32;
        }
    }
    fb
}

/// A log-mel spectrogram, `[n_mels, frames]` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Mel {
    pub data: Vec<f32>,
    pub n_mels: usize,
    pub frames: usize,
}

impl Mel {
    pub fn at(&self, mel: usize, frame: usize) -> f32 {
        self.data[mel * self.frames + frame]
    }
    /// As a `[1, n_mels, frames]` tensor on the CPU.
    pub fn to_tensor(&self) -> tch::Tensor {
        tch::Tensor::from_slice(&self.data).reshape([1, self.n_mels as i64, self.frames as i64])
    }
    /// From a `[n_mels, frames]` or `[1, n_mels, frames]` float tensor.
    pub fn from_tensor(t: &tch::Tensor) -> Result<Mel> {
        let t = t.to_device(tch::Device::Cpu).to_kind(tch::Kind::Float).contiguous();
        let dims = t.size();
        let (n_mels, frames) = match dims.as_slice() {
            [m, f] | [1, m, f] => (*m as usize, *f as usize),
            _ => return Err(Error::arg(format!("expected a [n_mels, frames] mel, got shape {dims:?}"))),
        };
        let data = Vec::<f32>::try_from(t.flatten(0, -1))?;
        Ok(Mel { data, n_mels, frames })
    }
}

/// One frame's band of non-zero filter weights.
struct Band {
    start: usize,
    weights: Vec<f32>,
}

/// Computes log-mels with a reused FFT plan; no allocation per frame.
pub struct MelExtractor {
    cfg: MelConfig,
    window: Vec<f32>,
    bands: Vec<Band>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl MelExtractor {
    pub fn new(cfg: &MelConfig) -> Result<Self> {
        cfg.validate()?;
        let n_freqs = cfg.n_freqs();
        let fb = mel_filterbank(cfg);
        let bands = fb
            .chunks_exact(n_freqs)
            .map(|row| {
                let start = row.iter().position(|&w| w != 0.0).unwrap_or(0);
                let end = row.iter().rposition(|&w| w != 0.0).map_or(start, |e| e + 1);
                Band { start, weights: row[start..end].to_vec() }
            })
            .collect();
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(cfg.n_fft);
        Ok(Self { cfg: cfg.clone(), window: hann_window(cfg.win_size, cfg.n_fft), bands, fft })
    }

    pub fn config(&self) -> &MelConfig {
        &self.cfg
    }

    /// Log-mel of a mono signal at the config's rate: `len / hop` frames.
    pub fn compute(&self, samples: &[f32]) -> Mel {
        let frames = num_frames(samples.len(), self.cfg.hop_size);
        let n_mels = self.cfg.num_mels;
        let mut out = vec![0.0f32; n_mels * frames];
        if frames == 0 {
            return Mel { data: out, n_mels, frames };
        }
        // Frames are independent: split them across threads, each writing a
        // frame-major scratch that is transposed at the end.
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8).min(frames.div_ceil(64)).max(1);
        let per = frames.div_ceil(threads);
        let mut frame_major = vec![0.0f32; n_mels * frames];
        std::thread::scope(|s| {
            for (t, chunk) in frame_major.chunks_mut(per * n_mels).enumerate() {
                s.spawn(move || self.compute_frames(samples, t * per, chunk));
            }
        });
        for f in 0..frames {
            for m in 0..n_mels {
                out[m * frames + f] = frame_major[f * n_mels + m];
            }
        }
        Mel { data: out, n_mels, frames }
    }

    /// Fills `out` (frame-major, `n_mels` per frame) starting at frame `first`.
    fn compute_frames(&self, samples: &[f32], first: usize, out: &mut [f32]) {
        let (n_fft, hop, pad) = (self.cfg.n_fft, self.cfg.hop_size, self.cfg.pad() as isize);
        let mut input = self.fft.make_input_vec();
        let mut spec = self.fft.make_output_vec();
        let mut scratch = self.fft.make_scratch_vec();
        let mut mag = vec![0.0f32; self.cfg.n_freqs()];
        let n = samples.len();
        for (i, frame_out) in out.chunks_exact_mut(self.cfg.num_mels).enumerate() {
            let start = ((first + i) * hop) as isize - pad;
            if start >= 0 && start as usize + n_fft <= n {
                let s = &samples[start as usize..start as usize + n_fft];
                for ((x, &v), &w) in input.iter_mut().zip(s).zip(&self.window) {
                    *x = v * w;
                }
            } else {
                for (j, (x, &w)) in input.iter_mut().zip(&self.window).enumerate() {
                    *x = samples[reflect_index(start + j as isize, n)] * w;
                }
            }
            // Lengths are fixed by the plan, so this cannot fail.
            self.fft.process_with_scratch(&mut input, &mut spec, &mut scratch).expect("fft sizes match plan");
            for (m, c) in mag.iter_mut().zip(&spec) {
                *m = (c.re * c.re + c.im * c.im + 1e-9).sqrt();
            }
            for (o, band) in frame_out.iter_mut().zip(&self.bands) {
                let e: f32 = band.weights.iter().zip(&mag[band.start..]).map(|(w, m)| w * m).sum();
                *o = e.max(1e-5).ln();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips() {
        for f in [0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0] {
            assert!((mel_to_hz(hz_to_mel(f)) - f).abs() < 1e-6 * f.max(1.0));
        }
        // librosa.hz_to_mel(1000) == 15, librosa.hz_to_mel(440) == 6.6
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(440.0) - 6.6).abs() < 1e-12);
    }

    #[test]
    fn frame_count_is_len_over_hop() {
        let ex = MelExtractor::new(&MelConfig::default()).unwrap();
        for len in [0usize, 100, 256, 511, 512, 22050] {
            assert_eq!(ex.compute(&vec![0.1; len]).frames, len / 256);
        }
    }

    #[test]
    fn silence_is_the_floor_and_a_tone_lights_its_band() {
        let cfg = MelConfig::default();
        let ex = MelExtractor::new(&cfg).unwrap();
        let silent = ex.compute(&vec![0.0; 4096]);
        // sqrt(1e-9) times the band area is below 1e-5 for every band.
        assert!(silent.data.iter().all(|&v| (v - 1e-5f32.ln()).abs() < 1e-3 || v < -9.0));
        let tone: Vec<f32> = (0..8192).map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 22050.0).sin()).collect();
        let mel = ex.compute(&tone);
        let frame = mel.frames / 2;
        let loudest = (0..cfg.num_mels).max_by(|&a, &b| mel.at(a, frame).total_cmp(&mel.at(b, frame))).unwrap();
        let centre = |m: usize| mel_to_hz(hz_to_mel(0.0) + (hz_to_mel(8000.0)) * (m + 1) as f64 / 81.0);
        assert!((centre(loudest) - 1000.0).abs() < 120.0, "band {loudest} centred at {}", centre(loudest));
    }

    #[test]
    fn invalid_configs_are_rejected() {
        let bad = MelConfig { fmax: 20000.0, ..Default::default() };
        assert!(MelExtractor::new(&bad).is_err());
        let bad = MelConfig { win_size: 2048, ..Default::default() };
        assert!(bad.validate().is_err());
    }
}
