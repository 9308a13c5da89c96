//! The HiFi-GAN generator (J. Kong, J. Kim and J. Bae, "HiFi-GAN: Generative Adversarial
//! Networks for Efficient and High Fidelity Speech Synthesis", NeurIPS 2020): `conv_pre`,
//! then per upsampling stage a leaky ReLU, a transposed convolution (`ups.{i}`) and the
//! multi-receptive-field fusion (the mean of `resblock_kernel_sizes.len()` residual blocks,
//! `resblocks.{i·K + j}`), then leaky ReLU, `conv_post` and tanh.
//!
//! Weight names are the reference implementation's, so its `generator` state dict loads
//! without renaming. This is the trainable form (weight norm live); inference uses
//! [`super::fast::FastGenerator`], built from it with the norms folded.

use tch::{nn, nn::Init, Tensor};

use super::config::Config;
use crate::nn::{same_padding, ConvCfg, WnConv1d, WnConvTranspose1d};

/// Slope of the leaky ReLUs inside the generator and discriminators (the reference's
/// `LRELU_SLOPE`).
pub const LRELU_SLOPE: f64 = 0.1;
/// Slope of the leaky ReLU before `conv_post` (PyTorch's default, as in the reference).
pub const LRELU_SLOPE_POST: f64 = 0.01;

/// The reference `init_weights`: normal(0, 0.01) for the upsampling, residual and output convs.
fn init() -> Init {
    Init::Randn { mean: 0.0, stdev: 0.01 }
}

/// Leaky ReLU with any slope in [0, 1] (one differentiable `prelu` kernel).
pub fn leaky_relu(x: &Tensor, slope: f64) -> Tensor {
    x.prelu(&Tensor::from_slice(&[slope as f32]).to_kind(x.kind()).to_device(x.device()))
}

/// ResBlock1: per dilation `d`, `x += c2(lrelu(c1_d(lrelu(x))))`.
#[derive(Debug)]
pub struct ResBlock1 {
    pub convs1: Vec<WnConv1d>,
    pub convs2: Vec<WnConv1d>,
}

impl ResBlock1 {
    pub fn new(p: nn::Path, channels: i64, kernel: i64, dilations: &[i64]) -> Self {
        let conv =
            |q: nn::Path, d: i64| WnConv1d::new(q, channels, channels, kernel, ConvCfg::default().dilation(d).padding(same_padding(kernel, d)).init(init()));
        let convs1 = dilations.iter().enumerate().map(|(j, &d)| conv(&p / "convs1" / j, d)).collect();
        let convs2 = (0..dilations.len()).map(|j| conv(&p / "convs2" / j, 1)).collect();
        Self { convs1, convs2 }
    }

    /// `[B, C, T]` → `[B, C, T]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let mut x = x.shallow_clone();
        for (c1, c2) in self.convs1.iter().zip(&self.convs2) {
            let xt = c1.forward(&leaky_relu(&x, LRELU_SLOPE));
            let xt = c2.forward(&leaky_relu(&xt, LRELU_SLOPE));
            x = xt + x;
        }
        x
    }
}

/// ResBlock2 (V3): per dilation `d`, `x += c_d(lrelu(x))`.
#[derive(Debug)]
pub struct ResBlock2 {
    pub convs: Vec<WnConv1d>,
}

impl ResBlock2 {
    pub fn new(p: nn::Path, channels: i64, kernel: i64, dilations: &[i64]) -> Self {
        let convs = dilations
            .iter()
            .enumerate()
            .map(|(j, &d)| {
                WnConv1d::new(&p / "convs" / j, channels, channels, kernel, ConvCfg::default().dilation(d).padding(same_padding(kernel, d)).init(init()))
            })
            .collect();
        Self { convs }
    }

    /// `[B, C, T]` → `[B, C, T]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        let mut x = x.shallow_clone();
        for c in &self.convs {
            x = c.forward(&leaky_relu(&x, LRELU_SLOPE)) + x;
        }
        x
    }
}

/// Either residual block type.
#[derive(Debug)]
pub enum ResBlock {
    One(ResBlock1),
    Two(ResBlock2),
}

impl ResBlock {
    pub fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            ResBlock::One(b) => b.forward(x),
            ResBlock::Two(b) => b.forward(x),
        }
    }

    /// Every convolution of the block in application order:
    /// ResBlock1 gives c1, c2 per dilation; ResBlock2 gives one conv per dilation.
    pub fn convs(&self) -> Vec<&WnConv1d> {
        match self {
            ResBlock::One(b) => b.convs1.iter().zip(&b.convs2).flat_map(|(a, c)| [a, c]).collect(),
            ResBlock::Two(b) => b.convs.iter().collect(),
        }
    }

    fn convs_mut(&mut self) -> Vec<&mut WnConv1d> {
        match self {
            ResBlock::One(b) => b.convs1.iter_mut().chain(b.convs2.iter_mut()).collect(),
            ResBlock::Two(b) => b.convs.iter_mut().collect(),
        }
    }
}

/// The generator: `[B, n_mels, F]` log-mel → `[B, 1, F · hop]` waveform in (-1, 1).
#[derive(Debug)]
pub struct Generator {
    pub conv_pre: WnConv1d,
    pub ups: Vec<WnConvTranspose1d>,
    pub resblocks: Vec<ResBlock>,
    pub conv_post: WnConv1d,
    pub num_kernels: usize,
    pub cfg: Config,
}

impl Generator {
    pub fn new(p: nn::Path, cfg: &Config, n_mels: i64) -> Self {
        let ch0 = cfg.upsample_initial_channel;
        let conv_pre = WnConv1d::new(&p / "conv_pre", n_mels, ch0, 7, ConvCfg::default().padding(3));
        let ups = cfg
            .upsample_rates
            .iter()
            .zip(&cfg.upsample_kernel_sizes)
            .enumerate()
            .map(|(i, (&u, &k))| {
                let c = ConvCfg::default().stride(u).padding((k - u) / 2).init(init());
                WnConvTranspose1d::new(&p / "ups" / i, ch0 >> i, ch0 >> (i + 1), k, c)
            })
            .collect::<Vec<_>>();
        let mut resblocks = Vec::new();
        for i in 0..ups.len() {
            let ch = ch0 >> (i + 1);
            for (k, d) in cfg.resblock_kernel_sizes.iter().zip(&cfg.resblock_dilation_sizes) {
                let q = &p / "resblocks" / resblocks.len();
                resblocks.push(if cfg.resblock == "1" { ResBlock::One(ResBlock1::new(q, ch, *k, d)) } else { ResBlock::Two(ResBlock2::new(q, ch, *k, d)) });
            }
        }
        let ch_last = ch0 >> ups.len();
        let conv_post = WnConv1d::new(&p / "conv_post", ch_last, 1, 7, ConvCfg::default().padding(3).init(init()));
        Self { conv_pre, ups, resblocks, conv_post, num_kernels: cfg.resblock_kernel_sizes.len(), cfg: cfg.clone() }
    }

    /// `[B, n_mels, F]` → `[B, 1, F · hop]` (differentiable; the reference forward).
    pub fn forward(&self, mel: &Tensor) -> Tensor {
        let mut x = self.conv_pre.forward(mel); // [B, C0, F]
        for (i, up) in self.ups.iter().enumerate() {
            x = up.forward(&leaky_relu(&x, LRELU_SLOPE)); // [B, C0 / 2^(i+1), F · Π rates]
            let blocks = &self.resblocks[i * self.num_kernels..(i + 1) * self.num_kernels];
            let mut xs = blocks[0].forward(&x);
            for b in &blocks[1..] {
                xs = xs + b.forward(&x);
            }
            x = xs / self.num_kernels as f64;
        }
        self.conv_post.forward(&leaky_relu(&x, LRELU_SLOPE_POST)).tanh() // [B, 1, T]
    }

    /// Folds (or with `false` unfolds) every weight norm.
    pub fn set_folded(&mut self, folded: bool) {
        let f = |c: &mut WnConv1d| if folded { c.fold() } else { c.unfold() };
        f(&mut self.conv_pre);
        f(&mut self.conv_post);
        for u in &mut self.ups {
            if folded {
                u.fold()
            } else {
                u.unfold()
            }
        }
        for b in &mut self.resblocks {
            for c in b.convs_mut() {
                f(c);
            }
        }
    }
}
