//! The multi-resolution spectrogram discriminator (MRD) of UnivNet (W. Jang et al.,
//! "UnivNet: A neural vocoder with multi-resolution spectrogram discriminators for
//! high-fidelity waveform generation", Interspeech 2021) in the band-split form Vocos trains
//! with (C. Siuzdak, 2023, after the Descript audio codec): for each FFT size the complex STFT
//! (real and imaginary parts as two channels, `[B, 2, frames, bins]`) is cut into five
//! frequency bands, each seen by its own stack of 2-D convolutions; the bands' outputs are
//! joined along frequency for `conv_post`.
//!
//! It works on spectrogram frames, not samples, so it costs a fraction of the multi-period
//! and multi-scale discriminators per second of audio. Weight names follow the reference
//! (`discriminators.{i}.band_convs.{b}.{j}`, `discriminators.{i}.conv_post`).

use tch::{nn, Kind, Tensor};

use super::discriminators::DiscOutput;
use super::generator::{leaky_relu, LRELU_SLOPE};
use super::norm_convs::WnConv2d;

/// The reference's FFT sizes (hop = a quarter of each).
pub const FFT_SIZES: [i64; 3] = [2048, 1024, 512];
/// Frequency bands, as fractions of the bins.
pub const BANDS: [(f64, f64); 5] = [(0.0, 0.1), (0.1, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)];
/// The reference's channel count per conv.
pub const CHANNELS: i64 = 32;

/// One resolution (`DiscriminatorR`).
#[derive(Debug)]
pub struct DiscriminatorR {
    n_fft: i64,
    hop: i64,
    /// `[n_fft]` periodic Hann window.
    window: Tensor,
    /// `[lo, hi)` bin ranges of the bands.
    bands: Vec<(i64, i64)>,
    band_convs: Vec<Vec<WnConv2d>>,
    conv_post: WnConv2d,
}

impl DiscriminatorR {
    pub fn new(p: nn::Path, n_fft: i64, channels: i64) -> Self {
        let bins = n_fft / 2 + 1;
        let bands = BANDS.iter().map(|&(a, b)| ((a * bins as f64) as i64, (b * bins as f64) as i64)).collect();
        let stack = |q: nn::Path| {
            vec![
                WnConv2d::with_shape(&q / 0, 2, channels, [3, 9], [1, 1], [1, 4]),
                WnConv2d::with_shape(&q / 1, channels, channels, [3, 9], [1, 2], [1, 4]),
                WnConv2d::with_shape(&q / 2, channels, channels, [3, 9], [1, 2], [1, 4]),
                WnConv2d::with_shape(&q / 3, channels, channels, [3, 9], [1, 2], [1, 4]),
                WnConv2d::with_shape(&q / 4, channels, channels, [3, 3], [1, 1], [1, 1]),
            ]
        };
        let window = Tensor::hann_window_periodic(n_fft, true, (Kind::Float, p.device()));
        Self {
            n_fft,
            hop: n_fft / 4,
            window,
            bands,
            band_convs: (0..BANDS.len() as i64).map(|b| stack(&p / "band_convs" / b)).collect(),
            conv_post: WnConv2d::with_shape(&p / "conv_post", channels, 1, [3, 3], [1, 1], [1, 1]),
        }
    }

    /// `[B, T]` waveform → `[B, 2, frames, bins]`: DC removed, peak-normalised to 0.8 (as the
    /// reference), centred STFT with reflect padding.
    fn spectrogram(&self, y: &Tensor) -> Tensor {
        let y = y.to_kind(Kind::Float);
        let y = &y - y.mean_dim(-1, true, Kind::Float);
        let y = &y * 0.8 / (y.abs().amax(-1, true) + 1e-9);
        let pad = self.n_fft / 2;
        let frames = y.unsqueeze(1).reflection_pad1d([pad, pad]).squeeze_dim(1).unfold(-1, self.n_fft, self.hop) * &self.window; // [B, F, n_fft]
        let spec = frames.fft_rfft(self.n_fft, -1, "backward"); // [B, F, bins]
        spec.view_as_real().permute([0, 3, 1, 2]) // [B, 2, F, bins]
    }

    /// `[B, T]` → scores `[B, N]` and feature maps.
    pub fn forward(&self, y: &Tensor) -> DiscOutput {
        let x = self.spectrogram(y);
        let mut fmaps = Vec::new();
        let mut outs = Vec::with_capacity(self.bands.len());
        for (&(lo, hi), stack) in self.bands.iter().zip(&self.band_convs) {
            let mut h = x.narrow(3, lo, hi - lo);
            for (j, conv) in stack.iter().enumerate() {
                h = leaky_relu(&conv.forward(&h), LRELU_SLOPE);
                if j > 0 {
                    fmaps.push(h.shallow_clone());
                }
            }
            outs.push(h);
        }
        let h = self.conv_post.forward(&Tensor::cat(&outs, 3));
        fmaps.push(h.shallow_clone());
        DiscOutput { score: h.flatten(1, -1), fmaps }
    }
}

/// The MRD: one [`DiscriminatorR`] per FFT size.
#[derive(Debug)]
pub struct MultiResolutionDiscriminator {
    pub discriminators: Vec<DiscriminatorR>,
}

impl MultiResolutionDiscriminator {
    /// `divisor` divides the channel count (1 = the reference's 32).
    pub fn new(p: nn::Path, divisor: i64) -> Self {
        let ch = (CHANNELS / divisor.max(1)).max(1);
        Self { discriminators: FFT_SIZES.iter().enumerate().map(|(i, &n)| DiscriminatorR::new(&p / "discriminators" / i as i64, n, ch)).collect() }
    }

    /// `[B, 1, T]` or `[B, T]` waveform → one output per resolution.
    pub fn forward(&self, y: &Tensor) -> Vec<DiscOutput> {
        let y = if y.dim() == 3 { y.squeeze_dim(1) } else { y.shallow_clone() };
        self.discriminators.iter().map(|d| d.forward(&y)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn shapes_per_resolution_and_band() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mrd = MultiResolutionDiscriminator::new(vs.root() / "mrd", 8);
        let y = Tensor::randn([3, 1, 8192], (Kind::Float, Device::Cpu)) * 0.1;
        let outs = mrd.forward(&y);
        assert_eq!(outs.len(), 3);
        for (o, &n_fft) in outs.iter().zip(&FFT_SIZES) {
            // 4 fmaps per band (after the first conv) + conv_post.
            assert_eq!(o.fmaps.len(), 4 * BANDS.len() + 1);
            let frames = 8192 / (n_fft / 4) + 1;
            let post = o.fmaps.last().unwrap().size();
            assert_eq!((post[0], post[1], post[2]), (3, 1, frames), "n_fft {n_fft}");
            // Each band's width is divided by 8 (three stride-2 convs), rounded up.
            let bins = n_fft / 2 + 1;
            let width: i64 = BANDS
                .iter()
                .map(|&(a, b)| {
                    let w = (b * bins as f64) as i64 - (a * bins as f64) as i64;
                    (((w + 1) / 2 + 1) / 2 + 1) / 2
                })
                .sum();
            assert_eq!(post[3], width, "n_fft {n_fft}");
            assert_eq!(o.score.size(), [3, frames * width]);
        }
        let names: Vec<String> = vs.variables().into_keys().collect();
        assert!(names.contains(&"mrd.discriminators.2.band_convs.4.3.weight_v".to_string()), "{names:?}");
        assert!(names.contains(&"mrd.discriminators.0.conv_post.weight_g".to_string()));
    }
}
