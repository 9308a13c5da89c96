//! Griffin-Lim phase reconstruction with the "fast" momentum update.
//!
//! D. Griffin and J. Lim, "Signal estimation from modified short-time Fourier transform",
//! IEEE TASSP 1984; N. Perraudin, P. Balazs and P. L. Søndergaard, "A fast Griffin-Lim
//! algorithm", WASPAA 2013. Not neural: Ferry keeps it as the reference vocoder and as
//! the low anchor of listening tests.

use rand::{Rng, SeedableRng};
use tch::{Device, Kind, Tensor};

use super::{Family, VocodeOptions, Vocoder};
use crate::audio::mel::MelConfig;
use crate::audio::mel_tch::MelTch;
use crate::error::{Error, Result};

/// Default number of iterations.
pub const DEFAULT_ITERATIONS: usize = 60;
/// Default momentum (Perraudin et al. recommend 0.99).
pub const DEFAULT_MOMENTUM: f64 = 0.99;

/// Griffin-Lim vocoder for one mel definition.
#[derive(Debug)]
pub struct GriffinLim {
    mel: MelTch,
    /// `[n_freqs, n_mels]` pseudo-inverse of the mel filterbank.
    inv_fb: Tensor,
    device: Device,
}

impl GriffinLim {
    pub fn new(cfg: &MelConfig, device: Device) -> Result<Self> {
        let mel = MelTch::new(cfg, device)?;
        let inv_fb = mel.filterbank().to_kind(Kind::Double).linalg_pinv(1e-10, false).to_kind(Kind::Float);
        Ok(Self { mel, inv_fb, device })
    }

    /// Linear magnitude estimated from a log-mel: `max(pinv(fb) · exp(mel), 0)`.
    pub fn mel_to_magnitude(&self, mel: &Tensor) -> Tensor {
        self.inv_fb.matmul(&mel.to_device(self.device).to_kind(Kind::Float).exp()).clamp_min(0.0)
    }

    /// Reconstructs a waveform whose STFT magnitude approaches `mag` (`[B, n_freqs, F]`).
    pub fn reconstruct(&self, mag: &Tensor, iterations: usize, momentum: f64, seed: u64) -> Tensor {
        let stft = self.mel.stft();
        let size = mag.size();
        // Deterministic random initial phase from the seed.
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let phase: Vec<f32> = (0..size.iter().product::<i64>()).map(|_| rng.gen_range(-std::f32::consts::PI..std::f32::consts::PI)).collect();
        let phase = Tensor::from_slice(&phase).view(size.as_slice()).to_device(self.device);
        let mut angles = Tensor::polar(&Tensor::ones_like(&phase), &phase); // unit complex
        let mut prev = Tensor::zeros_like(&angles);
        let alpha = momentum / (1.0 + momentum);
        for _ in 0..iterations {
            let wav = stft.istft(&(mag * &angles));
            let rebuilt = stft.stft(&wav);
            let next = &rebuilt - &prev * alpha;
            angles = &next / (next.abs() + 1e-16);
            prev = rebuilt;
        }
        stft.istft(&(mag * angles))
    }
}

impl Vocoder for GriffinLim {
    fn family(&self) -> Family {
        Family::GriffinLim
    }
    fn model_name(&self) -> &str {
        "griffin-lim"
    }
    fn hop_size(&self) -> usize {
        self.mel.config().hop_size
    }
    fn sample_rate(&self) -> u32 {
        self.mel.config().sampling_rate
    }
    fn device(&self) -> Device {
        self.device
    }
    /// No weights.
    fn parameters(&self) -> u64 {
        0
    }
    fn vocode(&self, mel: &Tensor, opts: &VocodeOptions) -> Result<Tensor> {
        let dims = mel.size();
        if dims.len() != 3 || dims[1] != self.mel.config().num_mels as i64 {
            return Err(Error::arg(format!("griffin-lim expects a [B, {}, frames] mel, got {dims:?}", self.mel.config().num_mels)));
        }
        let iterations = opts.iterations.unwrap_or(DEFAULT_ITERATIONS);
        let momentum = opts.momentum.unwrap_or(DEFAULT_MOMENTUM);
        if !(0.0..1.0).contains(&momentum) {
            return Err(Error::arg(format!("griffin-lim momentum must be in [0, 1), got {momentum}")));
        }
        Ok(tch::no_grad(|| {
            let mag = self.mel_to_magnitude(mel);
            self.reconstruct(&mag, iterations, momentum, opts.seed.unwrap_or(0)).clamp(-1.0, 1.0)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chirp(n: usize, sr: f32) -> Tensor {
        let v: Vec<f32> = (0..n)
            .map(|i| {
                let t = i as f32 / sr;
                0.5 * (2.0 * std::f32::consts::PI * (200.0 * t + 400.0 * t * t)).sin()
            })
            .collect();
        Tensor::from_slice(&v).view([1, n as i64])
    }

    #[test]
    fn istft_inverts_stft() {
        let cfg = MelConfig::default();
        let gl = GriffinLim::new(&cfg, Device::Cpu).unwrap();
        let x = chirp(256 * 40, 22050.0);
        let y = gl.mel.stft().istft(&gl.mel.stft().stft(&x));
        assert_eq!(y.size(), x.size());
        let err = (&y - &x).abs().max().double_value(&[]);
        assert!(err < 1e-4, "max error {err}");
    }

    #[test]
    fn momentum_converges_and_output_is_consistent() {
        let cfg = MelConfig::default();
        let gl = GriffinLim::new(&cfg, Device::Cpu).unwrap();
        let x = chirp(256 * 64, 22050.0);
        let mag = gl.mel.magnitude(&x);
        let spectral_error = |iters: usize, momentum: f64| {
            let y = gl.reconstruct(&mag, iters, momentum, 1);
            assert_eq!(y.size(), x.size());
            let m = gl.mel.magnitude(&y);
            ((&m - &mag).norm() / mag.norm()).double_value(&[])
        };
        let few = spectral_error(2, 0.99);
        let many = spectral_error(60, 0.99);
        let plain = spectral_error(60, 0.0);
        assert!(many < few, "error should fall with iterations: {few} -> {many}");
        assert!(many < 0.2, "relative spectral error after 60 iterations: {many}");
        assert!(many <= plain * 1.05, "fast GL {many} should not be worse than plain GL {plain}");
    }

    #[test]
    fn vocode_is_deterministic_and_keeps_length() {
        let cfg = MelConfig::default();
        let gl = GriffinLim::new(&cfg, Device::Cpu).unwrap();
        let mel = MelTch::new(&cfg, Device::Cpu).unwrap().forward(&chirp(256 * 20, 22050.0));
        let opts = VocodeOptions { iterations: Some(8), ..Default::default() };
        let a = gl.vocode(&mel, &opts).unwrap();
        let b = gl.vocode(&mel, &opts).unwrap();
        assert_eq!(a.size(), vec![1, 256 * 20]);
        assert!(a.equal(&b));
        assert!(gl.vocode(&Tensor::zeros([1, 7, 3], (Kind::Float, Device::Cpu)), &opts).is_err());
    }
}
