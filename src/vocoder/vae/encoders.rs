//! The two encoders of the conditional VAE vocoder.
//!
//! - [`PosteriorEncoder`] q(z | x, mel): VITS's posterior encoder (Kim, Kong and Son,
//!   ICML 2021) — a 1×1 `pre` conv, a non-causal WaveNet (A. van den Oord et al.,
//!   "WaveNet", 2016: gated dilated convs with residual and skip paths, `enc.in_layers.{i}`,
//!   `enc.res_skip_layers.{i}`) and a 1×1 `proj` to the mean and log-std — over the log
//!   linear spectrogram of the audio, with the mel stacked on its input.
//! - [`PriorEncoder`] p(z | mel): a small residual conv net on the mel (`pre`, `convs.{i}`,
//!   `proj`).
//!
//! Both `proj` layers start at zero, so q and p start as N(0, I).

use tch::{nn, nn::Module, Tensor};

use super::config::{PosteriorConfig, PriorConfig};
use crate::nn::{same_padding, ConvCfg, WnConv1d};
use crate::vocoder::gan::generator::{leaky_relu, LRELU_SLOPE};

fn conv(p: nn::Path, cin: i64, cout: i64, k: i64) -> nn::Conv1D {
    nn::conv1d(p, cin, cout, k, nn::ConvConfig { padding: k / 2, ..Default::default() })
}

fn zero_conv(p: nn::Path, cin: i64, cout: i64) -> nn::Conv1D {
    nn::conv1d(p, cin, cout, 1, nn::ConvConfig { ws_init: nn::Init::Const(0.0), bs_init: nn::Init::Const(0.0), ..Default::default() })
}

/// VITS's `WN`: a stack of gated dilated convolutions with residual and skip outputs.
#[derive(Debug)]
pub struct WaveNet {
    pub in_layers: Vec<WnConv1d>,
    pub res_skip_layers: Vec<WnConv1d>,
    hidden: i64,
}

impl WaveNet {
    pub fn new(p: nn::Path, hidden: i64, kernel: i64, dilation_rate: i64, n_layers: i64) -> Self {
        let mut in_layers = Vec::new();
        let mut res_skip_layers = Vec::new();
        for i in 0..n_layers {
            let d = dilation_rate.pow(i as u32);
            let cfg = ConvCfg::default().dilation(d).padding(same_padding(kernel, d));
            in_layers.push(WnConv1d::new(&p / "in_layers" / i, hidden, 2 * hidden, kernel, cfg));
            let out = if i + 1 < n_layers { 2 * hidden } else { hidden };
            res_skip_layers.push(WnConv1d::new(&p / "res_skip_layers" / i, hidden, out, 1, ConvCfg::default()));
        }
        Self { in_layers, res_skip_layers, hidden }
    }

    /// `[B, H, F]` → `[B, H, F]` (sum of the skip outputs).
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let h = self.hidden;
        let mut x = x.shallow_clone();
        let mut out: Option<Tensor> = None;
        let n = self.in_layers.len();
        for (i, (inl, rs)) in self.in_layers.iter().zip(&self.res_skip_layers).enumerate() {
            let x_in = inl.forward(&x); // [B, 2H, F]
            let acts = x_in.narrow(1, 0, h).tanh() * x_in.narrow(1, h, h).sigmoid();
            let rs = rs.forward(&acts);
            let skip = if i + 1 < n {
                x = &x + rs.narrow(1, 0, h);
                rs.narrow(1, h, h)
            } else {
                rs
            };
            out = Some(match out {
                None => skip,
                Some(o) => o + skip,
            });
        }
        out.unwrap_or(x)
    }

    fn set_folded(&mut self, folded: bool) {
        for c in self.in_layers.iter_mut().chain(self.res_skip_layers.iter_mut()) {
            if folded {
                c.fold()
            } else {
                c.unfold()
            }
        }
    }
}

/// q(z | x, mel): `[B, n_freqs + n_mels, F]` → mean and log-std `[B, z, F]` each.
#[derive(Debug)]
pub struct PosteriorEncoder {
    pre: nn::Conv1D,
    enc: WaveNet,
    proj: nn::Conv1D,
    z: i64,
}

impl PosteriorEncoder {
    pub fn new(p: nn::Path, in_channels: i64, z: i64, cfg: &PosteriorConfig) -> Self {
        let h = cfg.hidden_channels;
        Self {
            pre: nn::conv1d(&p / "pre", in_channels, h, 1, Default::default()),
            enc: WaveNet::new(&p / "enc", h, cfg.kernel_size, cfg.dilation_rate, cfg.n_layers),
            proj: zero_conv(&p / "proj", h, 2 * z),
            z,
        }
    }

    /// `(m, logs)`, each `[B, z, F]`.
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        let stats = self.proj.forward(&self.enc.forward(&self.pre.forward(x))); // [B, 2z, F]
        (stats.narrow(1, 0, self.z), stats.narrow(1, self.z, self.z))
    }

    pub fn set_folded(&mut self, folded: bool) {
        self.enc.set_folded(folded);
    }
}

/// p(z | mel): `[B, n_mels, F]` → mean and log-std `[B, z, F]` each.
#[derive(Debug)]
pub struct PriorEncoder {
    pre: nn::Conv1D,
    convs: Vec<nn::Conv1D>,
    proj: nn::Conv1D,
    z: i64,
}

impl PriorEncoder {
    pub fn new(p: nn::Path, n_mels: i64, z: i64, cfg: &PriorConfig) -> Self {
        let h = cfg.hidden_channels;
        Self {
            pre: conv(&p / "pre", n_mels, h, cfg.kernel_size),
            convs: (0..cfg.n_layers).map(|i| conv(&p / "convs" / i, h, h, cfg.kernel_size)).collect(),
            proj: zero_conv(&p / "proj", h, 2 * z),
            z,
        }
    }

    /// `(m, logs)`, each `[B, z, F]`.
    pub fn forward(&self, mel: &Tensor) -> (Tensor, Tensor) {
        let mut x = self.pre.forward(mel); // [B, H, F]
        for c in &self.convs {
            x = &x + c.forward(&leaky_relu(&x, LRELU_SLOPE));
        }
        let stats = self.proj.forward(&leaky_relu(&x, LRELU_SLOPE)); // [B, 2z, F]
        (stats.narrow(1, 0, self.z), stats.narrow(1, self.z, self.z))
    }
}
