//! Inference form of the HiFi-GAN generator (Kong et al., NeurIPS 2020): the same network
//! as [`super::generator::Generator`] with every weight norm folded into a plain weight,
//! run under `no_grad` on `[B, C, 1, T]` tensors in channels-last layout.
//!
//! Why: libtorch's oneDNN convolutions read and write channels-last activations without
//! reordering them, which on a CPU is 1.2–1.7x faster than the `[B, C, T]` layout of the
//! reference for these long, narrow signals (see `scripts/bench_hifigan_reference.py
//! --channels-last`). Two exact rewrites save memory passes: the `1 / num_kernels` of the
//! multi-receptive-field fusion moves into the next layer's weight (leaky ReLU is
//! positively homogeneous), and residual sums accumulate in place.

use tch::{Kind, Tensor};

use super::generator::{leaky_relu, Generator, ResBlock, LRELU_SLOPE, LRELU_SLOPE_POST};
pub use crate::nn::fast_conv::to_channels_last;
use crate::nn::{ConvCfg, WnConv1d, WnConvTranspose1d};

/// A folded 1-D convolution (or transposed convolution) run as its 2-D twin.
#[derive(Debug)]
struct Conv {
    /// `[out, in, 1, k]` (`[in, out, 1, k]` when transposed), channels-last.
    weight: Tensor,
    bias: Option<Tensor>,
    stride: i64,
    padding: i64,
    dilation: i64,
    transposed: bool,
}

fn weight_4d(w: &Tensor, scale: f64) -> Tensor {
    // [a, b, k] → [a, b, 1, k] with b fastest in memory.
    to_channels_last(&(w * scale)).detach()
}

impl Conv {
    fn from_wn(c: &WnConv1d, scale: f64) -> Self {
        Self::folded(&c.weight(), c.bias.as_ref(), &c.cfg, scale, false)
    }

    fn from_wn_transpose(c: &WnConvTranspose1d, scale: f64) -> Self {
        Self::folded(&c.weight(), c.bias.as_ref(), &c.cfg, scale, true)
    }

    fn folded(weight: &Tensor, bias: Option<&Tensor>, cfg: &ConvCfg, scale: f64, transposed: bool) -> Self {
        Self {
            weight: weight_4d(weight, scale),
            bias: bias.map(|b| b.detach().copy()),
            stride: cfg.stride,
            padding: cfg.padding,
            dilation: cfg.dilation,
            transposed,
        }
    }

    /// `[B, in, 1, T]` → `[B, out, 1, T']`, channels-last in and out.
    fn forward(&self, x: &Tensor) -> Tensor {
        if self.transposed {
            x.conv_transpose2d(&self.weight, self.bias.as_ref(), [1, self.stride], [0, self.padding], [0, 0], 1, [1, self.dilation])
        } else {
            x.conv2d(&self.weight, self.bias.as_ref(), [1, self.stride], [0, self.padding], [1, self.dilation], 1)
        }
    }

    fn to_kind(&self, kind: Kind) -> Self {
        Self {
            weight: self.weight.to_kind(kind),
            bias: self.bias.as_ref().map(|b| b.to_kind(kind)),
            stride: self.stride,
            padding: self.padding,
            dilation: self.dilation,
            transposed: self.transposed,
        }
    }
}

/// A residual block as a list of stages; each stage is one or two convs, each preceded
/// by a leaky ReLU, and its result is added to the running signal.
#[derive(Debug)]
struct Block {
    stages: Vec<Vec<Conv>>,
}

impl Block {
    fn from(b: &ResBlock) -> Self {
        let stages = match b {
            ResBlock::One(r) => r.convs1.iter().zip(&r.convs2).map(|(a, c)| vec![Conv::from_wn(a, 1.0), Conv::from_wn(c, 1.0)]).collect(),
            ResBlock::Two(r) => r.convs.iter().map(|c| vec![Conv::from_wn(c, 1.0)]).collect(),
        };
        Self { stages }
    }

    /// `[B, C, 1, T]` → `[B, C, 1, T]`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut x = x.shallow_clone();
        for (n, stage) in self.stages.iter().enumerate() {
            let mut xt = x.shallow_clone();
            for c in stage {
                xt = c.forward(&leaky_relu(&xt, LRELU_SLOPE));
            }
            // The first stage must not write into the block's input (the other branches read it).
            x = if n == 0 { xt + &x } else { xt.g_add_(&x) };
        }
        x
    }
}

/// The folded, channels-last generator used by the `gan` vocoder.
#[derive(Debug)]
pub struct FastGenerator {
    conv_pre: Conv,
    ups: Vec<Conv>,
    /// `resblocks[i]` = the `num_kernels` branches of stage `i`.
    resblocks: Vec<Vec<Block>>,
    conv_post: Conv,
    kind: Kind,
}

impl FastGenerator {
    /// Folds the weights of `g` (its current values; later training does not reach this copy).
    pub fn new(g: &Generator) -> Self {
        tch::no_grad(|| {
            let nk = g.num_kernels;
            // The fusion's mean (÷ nk) is applied by the next layer: ups[i > 0] and conv_post.
            let inv = 1.0 / nk as f64;
            let ups = g.ups.iter().enumerate().map(|(i, u)| Conv::from_wn_transpose(u, if i == 0 { 1.0 } else { inv })).collect();
            let resblocks = g.resblocks.chunks(nk).map(|bs| bs.iter().map(Block::from).collect()).collect();
            Self { conv_pre: Conv::from_wn(&g.conv_pre, 1.0), ups, resblocks, conv_post: Conv::from_wn(&g.conv_post, inv), kind: Kind::Float }
        })
    }

    /// The same network computing in `kind` (e.g. `Kind::BFloat16` on CPUs with AVX512-BF16).
    pub fn with_kind(&self, kind: Kind) -> Self {
        let conv = |c: &Conv| c.to_kind(kind);
        Self {
            conv_pre: conv(&self.conv_pre),
            ups: self.ups.iter().map(conv).collect(),
            resblocks: self
                .resblocks
                .iter()
                .map(|bs| bs.iter().map(|b| Block { stages: b.stages.iter().map(|s| s.iter().map(conv).collect()).collect() }).collect())
                .collect(),
            conv_post: conv(&self.conv_post),
            kind,
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `[B, n_mels, F]` → `[B, F · hop]` float waveform, without gradients.
    pub fn forward(&self, mel: &Tensor) -> Tensor {
        tch::no_grad(|| {
            let mut x = self.conv_pre.forward(&to_channels_last(&mel.to_kind(self.kind))); // [B, C0, 1, F]
            for (up, blocks) in self.ups.iter().zip(&self.resblocks) {
                x = up.forward(&leaky_relu(&x, LRELU_SLOPE)); // [B, C, 1, T]
                                                              // Sum of the branches; the ÷ num_kernels lives in the next layer's weight.
                let mut xs = blocks[0].forward(&x);
                for b in &blocks[1..] {
                    xs = xs.g_add_(&b.forward(&x));
                }
                x = xs;
            }
            let y = self.conv_post.forward(&leaky_relu(&x, LRELU_SLOPE_POST)).tanh_(); // [B, 1, 1, T]
            let b = y.size()[0];
            y.reshape([b, -1]).to_kind(Kind::Float)
        })
    }
}
