//! WaveRNN: N. Kalchbrenner et al., "Efficient Neural Audio Synthesis", ICML 2018, in
//! the form of the widely used PyTorch implementation (fatchord/WaveRNN,
//! `models/fatchord_version.py`): a mel residual network plus a stretch-and-smooth
//! upsampler give per-sample conditioning; two residual GRUs and three linear layers
//! predict the next sample as a categorical (RAW) or a mixture of logistics (MOL).
//!
//! Weight names match the reference (`upsample.resnet.layers.3.conv1.weight`,
//! `upsample.up_layers.1.weight`, `I.weight`, `rnn1.weight_ih_l0`, `fc3.bias`, ...), so a
//! reference checkpoint converts by renaming nothing (its BatchNorm `num_batches_tracked`
//! counters are not kept).

use tch::nn::{self, Module, ModuleT};
use tch::{Kind, Tensor};

use super::config::Config;

/// Two 1×1 convolutions with batch norm and a skip connection.
#[derive(Debug)]
pub struct ResBlock {
    conv1: nn::Conv1D,
    conv2: nn::Conv1D,
    batch_norm1: nn::BatchNorm,
    batch_norm2: nn::BatchNorm,
}

fn conv1x1(p: nn::Path, dims: i64) -> nn::Conv1D {
    nn::conv1d(p, dims, dims, 1, nn::ConvConfig { bias: false, ..Default::default() })
}

impl ResBlock {
    pub fn new(p: nn::Path, dims: i64) -> Self {
        Self {
            conv1: conv1x1(&p / "conv1", dims),
            conv2: conv1x1(&p / "conv2", dims),
            batch_norm1: nn::batch_norm1d(&p / "batch_norm1", dims, Default::default()),
            batch_norm2: nn::batch_norm1d(&p / "batch_norm2", dims, Default::default()),
        }
    }

    /// `[B, C, F]` → `[B, C, F]`.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let y = self.batch_norm1.forward_t(&self.conv1.forward(x), train).relu();
        self.batch_norm2.forward_t(&self.conv2.forward(&y), train) + x
    }
}

/// The mel residual network: a (2·pad+1)-frame convolution without padding, residual
/// blocks, and a 1×1 projection to `res_out_dims` auxiliary channels.
#[derive(Debug)]
pub struct MelResNet {
    conv_in: nn::Conv1D,
    batch_norm: nn::BatchNorm,
    layers: Vec<ResBlock>,
    conv_out: nn::Conv1D,
}

impl MelResNet {
    pub fn new(p: nn::Path, cfg: &Config, in_dims: i64) -> Self {
        let c = cfg.compute_dims as i64;
        let k = 2 * cfg.pad as i64 + 1;
        Self {
            conv_in: nn::conv1d(&p / "conv_in", in_dims, c, k, nn::ConvConfig { bias: false, ..Default::default() }),
            batch_norm: nn::batch_norm1d(&p / "batch_norm", c, Default::default()),
            layers: (0..cfg.res_blocks).map(|i| ResBlock::new(&p / "layers" / i, c)).collect(),
            conv_out: nn::conv1d(&p / "conv_out", c, cfg.res_out_dims as i64, 1, Default::default()),
        }
    }

    /// `[B, n_mels, F + 2·pad]` → `[B, res_out_dims, F]`.
    pub fn forward_t(&self, m: &Tensor, train: bool) -> Tensor {
        let mut x = self.batch_norm.forward_t(&self.conv_in.forward(m), train).relu();
        for layer in &self.layers {
            x = layer.forward_t(&x, train);
        }
        self.conv_out.forward(&x)
    }
}

/// Repeats every step of the last axis `scale` times (the reference's `Stretch2d`).
fn stretch(x: &Tensor, scale: usize) -> Tensor {
    x.repeat_interleave_self_int(scale as i64, -1, None::<i64>)
}

/// Mel upsampler: the residual network's output stretched to the sample rate, and the
/// mel itself stretched factor by factor, each stretch smoothed by a (1, 2s+1) box
/// convolution (initialised to the mean, then learned).
#[derive(Debug)]
pub struct UpsampleNetwork {
    resnet: MelResNet,
    /// `up_layers.{2i+1}.weight`: `[1, 1, 1, 2·s+1]` (even indices are the weightless stretches).
    up_convs: Vec<(usize, Tensor)>,
    hop: usize,
    indent: i64,
}

impl UpsampleNetwork {
    pub fn new(p: nn::Path, cfg: &Config, feat_dims: i64) -> Self {
        let up = &p / "up_layers";
        let up_convs = cfg
            .upsample_factors
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let k = 2 * s as i64 + 1;
                (s, (&up / (2 * i + 1)).var("weight", &[1, 1, 1, k], nn::Init::Const(1.0 / k as f64)))
            })
            .collect();
        Self { resnet: MelResNet::new(&p / "resnet", cfg, feat_dims), up_convs, hop: cfg.hop_length(), indent: (cfg.pad * cfg.hop_length()) as i64 }
    }

    /// `[B, n_mels, F + 2·pad]` → (mels `[B, F·hop, n_mels]`, aux `[B, F·hop, res_out_dims]`).
    pub fn forward_t(&self, m: &Tensor, train: bool) -> (Tensor, Tensor) {
        let aux = stretch(&self.resnet.forward_t(m, train), self.hop); // [B, R, F·hop]
        let mut x = m.unsqueeze(1); // [B, 1, n_mels, F']
        for (s, w) in &self.up_convs {
            x = stretch(&x, *s).conv2d(w, None::<Tensor>, [1, 1], [0, *s as i64], [1, 1], 1);
        }
        let t = x.size()[3];
        let x = x.squeeze_dim(1).narrow(2, self.indent, t - 2 * self.indent); // [B, n_mels, F·hop]
        (x.transpose(1, 2), aux.transpose(1, 2))
    }
}

/// A GRU layer with PyTorch's parameter names and gate order (r, z, n).
#[derive(Debug)]
pub struct Gru {
    pub weight_ih: Tensor, // [3H, in]
    pub weight_hh: Tensor, // [3H, H]
    pub bias_ih: Tensor,   // [3H]
    pub bias_hh: Tensor,   // [3H]
}

impl Gru {
    pub fn new(p: nn::Path, input: i64, hidden: i64) -> Self {
        let b = 1.0 / (hidden as f64).sqrt();
        let init = nn::Init::Uniform { lo: -b, up: b };
        Self {
            weight_ih: p.var("weight_ih_l0", &[3 * hidden, input], init),
            weight_hh: p.var("weight_hh_l0", &[3 * hidden, hidden], init),
            bias_ih: p.var("bias_ih_l0", &[3 * hidden], init),
            bias_hh: p.var("bias_hh_l0", &[3 * hidden], init),
        }
    }

    /// Whole sequence from a zero state: `[B, T, in]` → `[B, T, H]`. `train` must be true
    /// when gradients will flow (cuDNN's RNN backward refuses an inference-mode forward).
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        let h0 = Tensor::zeros([1, x.size()[0], self.weight_hh.size()[1]], (x.kind(), x.device()));
        let weights = [&self.weight_ih, &self.weight_hh, &self.bias_ih, &self.bias_hh];
        x.gru(&h0, &weights, true, 1, 0.0, train, false, true).0
    }

    /// One step: `[B, in]`, `[B, H]` → `[B, H]`.
    pub fn cell(&self, x: &Tensor, h: &Tensor) -> Tensor {
        x.gru_cell(h, &self.weight_ih, &self.weight_hh, Some(&self.bias_ih), Some(&self.bias_hh))
    }
}

/// The WaveRNN network.
#[derive(Debug)]
pub struct WaveRnn {
    pub cfg: Config,
    pub upsample: UpsampleNetwork,
    pub i: nn::Linear,
    pub rnn1: Gru,
    pub rnn2: Gru,
    pub fc1: nn::Linear,
    pub fc2: nn::Linear,
    pub fc3: nn::Linear,
}

impl WaveRnn {
    /// `feat_dims`: mel bands of the voice.
    pub fn new(p: nn::Path, cfg: &Config, feat_dims: usize) -> Self {
        let (r, f, a) = (cfg.rnn_dims as i64, cfg.fc_dims as i64, cfg.aux_dims() as i64);
        let feat = feat_dims as i64;
        Self {
            cfg: cfg.clone(),
            upsample: UpsampleNetwork::new(&p / "upsample", cfg, feat),
            i: nn::linear(&p / "I", feat + a + 1, r, Default::default()),
            rnn1: Gru::new(&p / "rnn1", r, r),
            rnn2: Gru::new(&p / "rnn2", r + a, r),
            fc1: nn::linear(&p / "fc1", r + a, f, Default::default()),
            fc2: nn::linear(&p / "fc2", f + a, f, Default::default()),
            fc3: nn::linear(&p / "fc3", f, cfg.n_classes() as i64, Default::default()),
        }
    }

    /// Teacher-forced forward pass. `x`: `[B, T]` previous samples in [-1, 1] (μ-law
    /// companded labels as floats in RAW mode), `mels`: `[B, n_mels, T/hop + 2·pad]` →
    /// `[B, T, n_classes]` logits or mixture parameters.
    pub fn forward_t(&self, x: &Tensor, mels: &Tensor, train: bool) -> Tensor {
        let (m, aux) = self.upsample.forward_t(mels, train); // [B, T, n_mels], [B, T, 4a]
        let a = aux.chunk(4, 2);
        let x = self.i.forward(&Tensor::cat(&[&x.unsqueeze(-1), &m, &a[0]], 2)); // [B, T, r]
        let x = &x + self.rnn1.forward_t(&x, train);
        let x = &x + self.rnn2.forward_t(&Tensor::cat(&[&x, &a[1]], 2), train);
        let x = self.fc1.forward(&Tensor::cat(&[&x, &a[2]], 2)).relu(); // [B, T, f]
        let x = self.fc2.forward(&Tensor::cat(&[&x, &a[3]], 2)).relu();
        self.fc3.forward(&x)
    }

    /// Pads a `[B, n_mels, F]` mel with `pad` edge frames on each side (the upsampler's
    /// context), ready for [`UpsampleNetwork::forward_t`].
    pub fn pad_mel(&self, mel: &Tensor) -> Tensor {
        let p = self.cfg.pad as i64;
        if p == 0 {
            return mel.shallow_clone();
        }
        mel.to_kind(Kind::Float).replication_pad1d([p, p])
    }
}
