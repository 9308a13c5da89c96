//! Pitch (F0) and energy tracking for acoustic-model targets and evaluation.
//!
//! Pitch: YIN (de Cheveigné & Kawahara, "YIN, a fundamental frequency estimator for speech
//! and music", JASA 2002): the difference function (step 2, computed with an FFT
//! cross-correlation), its cumulative mean normalisation (step 3), the absolute threshold
//! (step 4) and parabolic interpolation (step 5). A frame is voiced when the normalised
//! difference dips below the threshold and the frame is louder than a silence floor;
//! unvoiced frames get F0 = 0. As in pYIN (Mauch & Dixon, ICASSP 2014), every dip is kept
//! as a candidate and a Viterbi pass over each voiced run picks the path that is periodic
//! and smooth, which removes YIN's octave jumps on speech.
//!
//! Framing is the voice's mel framing (docs/ARCHITECTURE.md, "The mel"): the signal is
//! reflect-padded by `(frame - hop) / 2` on both sides and frame `i` starts at `i * hop`, so
//! a signal of `len` samples gives exactly `len / hop` values, one per mel frame, centred on
//! the same samples as the mel frames when `frame == n_fft`.
//!
//! Energy: the RMS of each Hann-windowed frame with the mel's window and framing (by
//! Parseval, proportional to the L2 norm of the STFT magnitude frame that FastSpeech 2 uses).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use serde::{Deserialize, Serialize};

use crate::audio::stft::{hann_window, num_frames, reflect_index};
use crate::audio::MelConfig;
use crate::error::{Error, Result};

/// Settings of the pitch tracker. The defaults suit speech at 22 050 Hz with hop 256.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PitchConfig {
    pub sample_rate: u32,
    /// Samples between frames (the mel hop).
    pub hop: usize,
    /// Samples per analysis frame; must hold two periods of `fmin`.
    pub frame: usize,
    /// Lowest F0 searched, in Hz.
    pub fmin: f64,
    /// Highest F0 searched, in Hz.
    pub fmax: f64,
    /// A frame is voiced when YIN's normalised difference dips below this (0.1–0.2 in
    /// the paper; speech framed at 46 ms needs a little more).
    pub threshold: f64,
    /// Frames quieter than this RMS level (dB re full scale) are unvoiced.
    pub silence_db: f64,
}

impl Default for PitchConfig {
    fn default() -> Self {
        Self { sample_rate: 22050, hop: 256, frame: 1024, fmin: 60.0, fmax: 800.0, threshold: 0.25, silence_db: -50.0 }
    }
}

impl PitchConfig {
    /// The tracker for a voice's mel definition (same rate, hop and frame length).
    pub fn for_mel(mel: &MelConfig) -> Self {
        Self { sample_rate: mel.sampling_rate, hop: mel.hop_size, frame: mel.n_fft, ..Self::default() }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::config("pitch", msg));
        if self.sample_rate == 0 || self.hop == 0 || self.frame < self.hop {
            return bad(format!("need sample_rate > 0 and 0 < hop <= frame (got rate {}, hop {}, frame {})", self.sample_rate, self.hop, self.frame));
        }
        if !(self.fmin > 0.0 && self.fmin < self.fmax && self.fmax < self.sample_rate as f64 / 2.0) {
            return bad(format!("need 0 < fmin < fmax < sample_rate / 2 (got {} and {})", self.fmin, self.fmax));
        }
        if self.tau_max() * 2 > self.frame {
            return bad(format!("a frame of {} samples cannot hold two periods of fmin = {} Hz; raise fmin or frame", self.frame, self.fmin));
        }
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return bad(format!("threshold must be in (0, 1), got {}", self.threshold));
        }
        Ok(())
    }

    fn tau_min(&self) -> usize {
        ((self.sample_rate as f64 / self.fmax).floor() as usize).max(2)
    }

    fn tau_max(&self) -> usize {
        (self.sample_rate as f64 / self.fmin).ceil() as usize
    }
}

/// The pitch track of a signal: one value per frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Pitch {
    /// F0 in Hz; 0 where unvoiced.
    pub f0: Vec<f32>,
    /// 1 − the minimum of YIN's normalised difference (near 1 = strongly periodic).
    pub periodicity: Vec<f32>,
}

impl Pitch {
    pub fn voiced(&self, frame: usize) -> bool {
        self.f0[frame] > 0.0
    }

    pub fn voiced_fraction(&self) -> f64 {
        if self.f0.is_empty() {
            return 0.0;
        }
        self.f0.iter().filter(|&&f| f > 0.0).count() as f64 / self.f0.len() as f64
    }
}

/// YIN pitch tracker with reused FFT plans.
pub struct PitchTracker {
    cfg: PitchConfig,
    len: usize,
    fwd: Arc<dyn RealToComplex<f32>>,
    inv: Arc<dyn ComplexToReal<f32>>,
}

impl PitchTracker {
    pub fn new(cfg: &PitchConfig) -> Result<Self> {
        cfg.validate()?;
        let window = cfg.frame - cfg.tau_max();
        let len = (cfg.frame + window).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        Ok(Self { cfg: cfg.clone(), len, fwd: planner.plan_fft_forward(len), inv: planner.plan_fft_inverse(len) })
    }

    pub fn config(&self) -> &PitchConfig {
        &self.cfg
    }

    /// F0 of a mono signal at the config's rate: `len / hop` frames.
    pub fn track(&self, samples: &[f32]) -> Pitch {
        let frames = num_frames(samples.len(), self.cfg.hop);
        let mut scratch = Scratch::new(self);
        let analyses: Vec<Frame> = (0..frames)
            .map(|i| {
                fill_frame(samples, i, self.cfg.frame, self.cfg.hop, &mut scratch.frame);
                self.analyse(&mut scratch)
            })
            .collect();
        let mut f0 = vec![0.0f32; frames];
        let mut periodicity: Vec<f32> = analyses.iter().map(|a| a.periodicity).collect();
        // Each run of voiced frames gets its smoothest, most periodic path of candidates.
        let mut start = 0;
        while start < frames {
            if !analyses[start].voiced {
                start += 1;
                continue;
            }
            let end = (start..frames).find(|&i| !analyses[i].voiced).unwrap_or(frames);
            for (k, (hz, cmnd)) in best_path(&analyses[start..end]).into_iter().enumerate() {
                f0[start + k] = hz as f32;
                periodicity[start + k] = (1.0 - cmnd).clamp(0.0, 1.0) as f32;
            }
            start = end;
        }
        Pitch { f0, periodicity }
    }

    /// One frame: its F0 candidates (every dip of the normalised difference) and whether it
    /// is voiced at all.
    fn analyse(&self, s: &mut Scratch) -> Frame {
        let (tau_min, tau_max) = (self.cfg.tau_min(), self.cfg.tau_max());
        let w = self.cfg.frame - tau_max;
        let x = &s.frame;
        // Energies of x[τ .. τ + w] for every τ, from a prefix sum of squares.
        let mut prefix = vec![0.0f64; x.len() + 1];
        for (j, &v) in x.iter().enumerate() {
            prefix[j + 1] = prefix[j] + (v as f64) * (v as f64);
        }
        let e0 = prefix[w];
        let rms_db = 10.0 * (e0 / w as f64 + 1e-20).log10();
        if rms_db < self.cfg.silence_db {
            return Frame::unvoiced(0.0);
        }
        // r(τ) = Σ_{j<w} x[j] x[j+τ]: cross-correlation of the first w samples with the frame.
        s.a.iter_mut().for_each(|v| *v = 0.0);
        s.a[..w].copy_from_slice(&x[..w]);
        s.b.iter_mut().for_each(|v| *v = 0.0);
        s.b[..x.len()].copy_from_slice(x);
        // Both transforms succeed for buffers made by the plans themselves.
        let _ = self.fwd.process_with_scratch(&mut s.a, &mut s.spec_a, &mut s.scratch_f);
        let _ = self.fwd.process_with_scratch(&mut s.b, &mut s.spec_b, &mut s.scratch_f);
        for (pa, pb) in s.spec_a.iter_mut().zip(&s.spec_b) {
            *pa = pa.conj() * pb;
        }
        // The DC and Nyquist bins of a real signal's spectrum are real.
        s.spec_a[0].im = 0.0;
        if let Some(last) = s.spec_a.last_mut() {
            last.im = 0.0;
        }
        let _ = self.inv.process_with_scratch(&mut s.spec_a, &mut s.corr, &mut s.scratch_i);
        let norm = 1.0 / self.len as f64;
        // Difference function d(τ) and its cumulative mean normalisation d'(τ).
        let d: Vec<f64> = (0..=tau_max).map(|tau| (e0 + (prefix[tau + w] - prefix[tau]) - 2.0 * s.corr[tau] as f64 * norm).max(0.0)).collect();
        let mut cmnd = vec![1.0f64; tau_max + 1];
        let mut running = 0.0;
        for tau in 1..=tau_max {
            running += d[tau];
            cmnd[tau] = if running > 1e-12 { d[tau] * tau as f64 / running } else { 1.0 };
        }
        let global_min = cmnd[tau_min..tau_max].iter().cloned().fold(f64::INFINITY, f64::min);
        let periodicity = (1.0 - global_min).clamp(0.0, 1.0) as f32;
        if global_min >= self.cfg.threshold {
            return Frame::unvoiced(periodicity);
        }
        // Candidates: local minima of d' below CANDIDATE_MAX, refined by parabolic
        // interpolation, in order of increasing lag (decreasing F0).
        let mut candidates = Vec::new();
        for tau in tau_min.max(1)..tau_max {
            let (l, c, r) = (cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]);
            if c < CANDIDATE_MAX && c <= l && c < r {
                let den = l - 2.0 * c + r;
                let shift = if den.abs() > 1e-12 { (0.5 * (l - r) / den).clamp(-1.0, 1.0) } else { 0.0 };
                let hz = self.cfg.sample_rate as f64 / (tau as f64 + shift);
                if hz >= self.cfg.fmin * 0.97 && hz <= self.cfg.fmax * 1.03 {
                    candidates.push((hz, c));
                }
            }
        }
        if candidates.is_empty() {
            return Frame::unvoiced(periodicity);
        }
        Frame { candidates, voiced: true, periodicity }
    }
}

/// Dips of YIN's normalised difference deeper than this are F0 candidates.
const CANDIDATE_MAX: f64 = 0.5;
/// Path cost of an F0 jump of one octave between neighbouring frames.
const OCTAVE_COST: f64 = 1.0;
/// Cost per octave below a frame's highest candidate (a period's multiples are dips too;
/// between equally deep dips the shortest period wins, as YIN's first-dip rule says).
const SUBHARMONIC_COST: f64 = 0.02;

/// The analysis of one frame.
struct Frame {
    /// (F0 in Hz, depth of its dip in d'), highest F0 first.
    candidates: Vec<(f64, f64)>,
    voiced: bool,
    periodicity: f32,
}

impl Frame {
    fn unvoiced(periodicity: f32) -> Self {
        Self { candidates: Vec::new(), voiced: false, periodicity }
    }
}

/// Viterbi over the candidates of a run of voiced frames: each frame pays the depth of its
/// chosen dip (plus a little for sub-harmonics), each step pays for the size of its jump in
/// octaves. Returns the chosen (F0, depth) per frame.
fn best_path(run: &[Frame]) -> Vec<(f64, f64)> {
    let local = |f: &Frame, k: usize| f.candidates[k].1 + SUBHARMONIC_COST * (f.candidates[0].0 / f.candidates[k].0).log2();
    let mut cost: Vec<f64> = (0..run[0].candidates.len()).map(|k| local(&run[0], k)).collect();
    let mut back: Vec<Vec<usize>> = vec![vec![0; cost.len()]];
    for t in 1..run.len() {
        let (prev, cur) = (&run[t - 1], &run[t]);
        let mut next = Vec::with_capacity(cur.candidates.len());
        let mut from = Vec::with_capacity(cur.candidates.len());
        for k in 0..cur.candidates.len() {
            let (j, c) = (0..prev.candidates.len())
                .map(|j| (j, cost[j] + OCTAVE_COST * (cur.candidates[k].0 / prev.candidates[j].0).log2().abs()))
                .fold((0, f64::INFINITY), |a, b| if b.1 < a.1 { b } else { a });
            next.push(c + local(cur, k));
            from.push(j);
        }
        cost = next;
        back.push(from);
    }
    let mut k = (0..cost.len()).fold(0, |a, b| if cost[b] < cost[a] { b } else { a });
    let mut path = vec![(0.0, 0.0); run.len()];
    for t in (0..run.len()).rev() {
        path[t] = run[t].candidates[k];
        k = back[t][k];
    }
    path
}

/// F0 per frame (Hz, 0 = unvoiced) of mono `samples` at `sample_rate` with `hop` samples
/// between frames, with the default settings and a frame long enough for two periods of
/// `fmin` (1024 samples at 22 050 Hz). The signature the evaluation's F0 metrics take.
pub fn track_f0(samples: &[f32], sample_rate: u32, hop: usize) -> Result<Vec<f32>> {
    let base = PitchConfig::default();
    let frame = (2 * (sample_rate as f64 / base.fmin).ceil() as usize).next_power_of_two().max(hop);
    let fmax = base.fmax.min(sample_rate as f64 / 2.0 * 0.9);
    let cfg = PitchConfig { sample_rate, hop, frame, fmax, ..base };
    Ok(PitchTracker::new(&cfg)?.track(samples).f0)
}

/// Per-call buffers of the tracker.
struct Scratch {
    frame: Vec<f32>,
    a: Vec<f32>,
    b: Vec<f32>,
    corr: Vec<f32>,
    spec_a: Vec<Complex<f32>>,
    spec_b: Vec<Complex<f32>>,
    scratch_f: Vec<Complex<f32>>,
    scratch_i: Vec<Complex<f32>>,
}

impl Scratch {
    fn new(t: &PitchTracker) -> Self {
        Self {
            frame: vec![0.0; t.cfg.frame],
            a: t.fwd.make_input_vec(),
            b: t.fwd.make_input_vec(),
            corr: t.inv.make_output_vec(),
            spec_a: t.fwd.make_output_vec(),
            spec_b: t.fwd.make_output_vec(),
            scratch_f: t.fwd.make_scratch_vec(),
            scratch_i: t.inv.make_scratch_vec(),
        }
    }
}

/// Copies frame `i` of the reflect-padded signal (mel framing) into `out`.
fn fill_frame(samples: &[f32], i: usize, frame: usize, hop: usize, out: &mut [f32]) {
    let pad = ((frame - hop) / 2) as isize;
    let start = (i * hop) as isize - pad;
    let n = samples.len();
    if start >= 0 && start as usize + frame <= n {
        out.copy_from_slice(&samples[start as usize..start as usize + frame]);
    } else {
        for (k, o) in out.iter_mut().enumerate() {
            *o = samples[reflect_index(start + k as isize, n)];
        }
    }
}

/// Frame energy: RMS of each Hann-windowed frame in the mel's framing (`len / hop` values).
pub fn frame_energy(samples: &[f32], mel: &MelConfig) -> Vec<f32> {
    let window = hann_window(mel.win_size, mel.n_fft);
    let norm = window.iter().map(|w| w * w).sum::<f32>().max(1e-12);
    let mut frame = vec![0.0f32; mel.n_fft];
    (0..num_frames(samples.len(), mel.hop_size))
        .map(|i| {
            fill_frame(samples, i, mel.n_fft, mel.hop_size, &mut frame);
            let e: f32 = frame.iter().zip(&window).map(|(x, w)| (x * w) * (x * w)).sum();
            (e / norm).sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freqs: &[(f64, f64)], seconds: f64, rate: u32) -> Vec<f32> {
        let n = (seconds * rate as f64) as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / rate as f64;
                freqs.iter().map(|(f, a)| a * (2.0 * std::f64::consts::PI * f * t).sin()).sum::<f64>() as f32
            })
            .collect()
    }

    fn tracker() -> PitchTracker {
        PitchTracker::new(&PitchConfig::default()).unwrap()
    }

    #[test]
    fn pure_tones_within_one_percent() {
        let t = tracker();
        for f in [110.0, 220.0, 440.0] {
            let x = tone(&[(f, 0.5)], 1.0, 22050);
            let p = t.track(&x);
            assert_eq!(p.f0.len(), x.len() / 256);
            // The first and last two frames reach into the reflect padding, where a tone is
            // not periodic; every frame inside the signal must be right.
            for (i, &est) in p.f0.iter().enumerate().skip(2).take(p.f0.len() - 4) {
                assert!(est > 0.0, "{f} Hz: frame {i} unvoiced");
                let err = (est as f64 - f).abs() / f;
                assert!(err < 0.01, "{f} Hz: frame {i} estimated {est} Hz ({:.2} %)", err * 100.0);
            }
        }
    }

    #[test]
    fn harmonic_tone_gives_its_fundamental_not_an_octave() {
        // Weak fundamental, strong second and third harmonics: YIN's first dip is the period.
        let x = tone(&[(130.0, 0.1), (260.0, 0.4), (390.0, 0.3)], 0.6, 22050);
        let p = tracker().track(&x);
        let mid = &p.f0[5..p.f0.len() - 5];
        assert!(mid.iter().all(|&f| (f as f64 - 130.0).abs() / 130.0 < 0.01), "{mid:?}");
    }

    #[test]
    fn silence_and_noise_are_unvoiced() {
        let t = tracker();
        let silent = t.track(&vec![0.0; 22050]);
        assert!(silent.f0.iter().all(|&f| f == 0.0));
        // White noise (a fixed LCG) is loud but aperiodic.
        let mut s = 12345u64;
        let noise: Vec<f32> = (0..22050)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 33) as f32 / (1u64 << 31) as f32 - 0.5) * 0.5
            })
            .collect();
        let p = t.track(&noise);
        assert!(p.voiced_fraction() < 0.05, "noise voiced in {:.0} % of frames", p.voiced_fraction() * 100.0);
    }

    #[test]
    fn frame_counts_match_the_mel() {
        let t = tracker();
        let mel = MelConfig::default();
        for len in [0, 1, 255, 256, 1000, 22050] {
            let x = vec![0.1f32; len];
            assert_eq!(t.track(&x).f0.len(), len / 256);
            assert_eq!(frame_energy(&x, &mel).len(), len / 256);
        }
    }

    #[test]
    fn energy_is_the_windowed_rms() {
        let mel = MelConfig::default();
        let quiet = frame_energy(&tone(&[(200.0, 0.1)], 0.5, 22050), &mel);
        let loud = frame_energy(&tone(&[(200.0, 0.4)], 0.5, 22050), &mel);
        // A sine of amplitude a has RMS a / sqrt(2).
        for (q, l) in quiet.iter().zip(&loud).skip(2).take(30) {
            assert!((q - 0.1 / 2f32.sqrt()).abs() < 0.005, "{q}");
            assert!((l / q - 4.0).abs() < 0.01);
        }
        assert!(frame_energy(&vec![0.0; 4096], &mel).iter().all(|&e| e == 0.0));
    }

    /// Real speech from the committed fixture, against librosa's pYIN on the same framing
    /// (`data/fixtures/reference/*.pyin.npy`, made as data/README.md describes).
    #[test]
    fn speech_fixture_agrees_with_librosa_pyin() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/fixtures");
        let t = tracker();
        for name in ["fx-00001", "fx-00007"] {
            let (audio, _) = crate::audio::read_wav(root.join(format!("wavs/{name}.wav"))).unwrap();
            let (reference, shape) = crate::audio::npy::read_f32(root.join(format!("reference/{name}.pyin.npy"))).unwrap();
            let p = t.track(&audio.samples);
            assert_eq!(shape, vec![p.f0.len()]);
            let both: Vec<(f32, f32)> = p.f0.iter().zip(&reference).filter(|(a, b)| **a > 0.0 && **b > 0.0).map(|(a, b)| (*a, *b)).collect();
            let agree = p.f0.iter().zip(&reference).filter(|(a, b)| (**a > 0.0) == (**b > 0.0)).count() as f64 / p.f0.len() as f64;
            let close = both.iter().filter(|(a, b)| ((a - b) / b).abs() < 0.05).count() as f64 / both.len().max(1) as f64;
            let voiced = p.voiced_fraction();
            eprintln!(
                "{name}: voiced {:.0} % (pyin {:.0} %), voicing agreement {:.0} %, within 5 % on {:.0} % of {} shared frames",
                voiced * 100.0,
                reference.iter().filter(|&&f| f > 0.0).count() as f64 / reference.len() as f64 * 100.0,
                agree * 100.0,
                close * 100.0,
                both.len()
            );
            assert!(both.len() >= 20, "{name}: only {} frames voiced in both", both.len());
            assert!(close >= 0.9, "{name}: F0 within 5 % of pYIN on only {:.0} % of frames", close * 100.0);
            assert!(agree >= 0.75, "{name}: voicing agrees with pYIN on only {:.0} % of frames", agree * 100.0);
            // A male voice: the median F0 lies in the male speaking range.
            let mut v: Vec<f32> = p.f0.iter().cloned().filter(|&f| f > 0.0).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            let median = v[v.len() / 2];
            assert!((70.0..180.0).contains(&median), "{name}: median F0 {median} Hz");
        }
    }

    #[test]
    fn track_f0_works_at_other_rates() {
        for rate in [16000, 22050, 24000, 44100] {
            let x = tone(&[(200.0, 0.5)], 0.5, rate);
            let f0 = track_f0(&x, rate, 256).unwrap();
            assert_eq!(f0.len(), x.len() / 256);
            assert!(f0[4..f0.len() - 4].iter().all(|&f| (f - 200.0).abs() < 2.0), "{rate} Hz: {f0:?}");
        }
        assert!(track_f0(&[0.0; 1000], 0, 256).is_err());
    }

    #[test]
    fn rejects_a_frame_too_short_for_fmin() {
        let cfg = PitchConfig { fmin: 20.0, ..PitchConfig::default() };
        let e = PitchTracker::new(&cfg).err().unwrap().to_string();
        assert!(e.contains("fmin"), "{e}");
    }
}
