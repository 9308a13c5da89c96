//! The WaveGlow network (R. Prenger, R. Valle and B. Catanzaro, "WaveGlow: A Flow-based
//! Generative Network for Speech Synthesis", ICASSP 2019), with the weight names of the
//! reference implementation (NVIDIA/waveglow `glow.py`): audio squeezed into groups of
//! `n_group` samples passes `n_flows` steps of an invertible 1x1 convolution and an affine
//! coupling layer whose scale and shift come from a WaveNet-like network (`WN`) of half of
//! the channels and the upsampled mel. Every `n_early_every` flows, `n_early_size`
//! channels leave early.

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use super::config::Config;
use crate::nn::{same_padding, ConvCfg, WnConv1d};

/// Determinants and inverses are computed in fp32 (or fp64 for fp64 weights).
fn at_least_f32(kind: Kind) -> Kind {
    if kind == Kind::Double {
        Kind::Double
    } else {
        Kind::Float
    }
}

/// An invertible 1x1 convolution over the group channels (Glow): weight `[c, c, 1]`,
/// initialised to a random rotation (determinant +1).
#[derive(Debug)]
pub struct Invertible1x1Conv {
    pub weight: Tensor, // [c, c, 1]
}

impl Invertible1x1Conv {
    pub fn new(p: nn::Path, c: i64) -> Self {
        let w = tch::no_grad(|| {
            let a = Tensor::randn([c, c], (Kind::Float, tch::Device::Cpu));
            let (q, _r) = Tensor::linalg_qr(&a, "reduced");
            if q.det().double_value(&[]) < 0.0 {
                let mut col = q.narrow(1, 0, 1);
                col *= -1.0;
            }
            q.view([c, c, 1]).to_device(p.device())
        });
        Self { weight: (&p / "conv").var_copy("weight", &w) }
    }

    /// `z` `[B, c, N]` → (`W z`, `B · N · log|det W|`).
    pub fn forward(&self, z: &Tensor) -> (Tensor, Tensor) {
        let size = z.size();
        let w = self.weight.squeeze_dim(2);
        let logdet = w.to_kind(at_least_f32(w.kind())).slogdet().1 * (size[0] * size[2]) as f64;
        (z.conv1d(&self.weight, None::<Tensor>, [1], [0], [1], 1), logdet)
    }

    /// `W⁻¹` as a `[c, c, 1]` kernel (computed in fp32; callers keep it for a whole inference).
    pub fn inverse_weight(&self) -> Tensor {
        let w = self.weight.squeeze_dim(2).to_kind(at_least_f32(self.weight.kind()));
        w.inverse().unsqueeze(2).to_kind(self.weight.kind())
    }
}

/// The WaveNet-like conditioner of one affine coupling layer: non-causal dilated gated
/// convolutions over half of the channels, conditioned on the upsampled mel.
#[derive(Debug)]
pub struct Wn {
    pub start: WnConv1d,
    pub in_layers: Vec<WnConv1d>,
    pub res_skip_layers: Vec<WnConv1d>,
    pub cond_layer: WnConv1d,
    pub end: nn::Conv1D,
    pub n_channels: i64,
}

impl Wn {
    pub fn new(p: nn::Path, n_in: i64, n_cond: i64, cfg: &super::config::WnConfig) -> Self {
        let (c, k, layers) = (cfg.n_channels as i64, cfg.kernel_size as i64, cfg.n_layers as i64);
        let in_layers = (0..layers)
            .map(|i| {
                let d = 1i64 << i;
                WnConv1d::new(&p / "in_layers" / i, c, 2 * c, k, ConvCfg::default().dilation(d).padding(same_padding(k, d)))
            })
            .collect();
        let res_skip_layers =
            (0..layers).map(|i| WnConv1d::new(&p / "res_skip_layers" / i, c, if i < layers - 1 { 2 * c } else { c }, 1, ConvCfg::default())).collect();
        // The last layer starts at zero so every coupling starts as the identity.
        let zero = nn::ConvConfig { ws_init: nn::Init::Const(0.0), bs_init: nn::Init::Const(0.0), ..Default::default() };
        Self {
            start: WnConv1d::new(&p / "start", n_in, c, 1, ConvCfg::default()),
            in_layers,
            res_skip_layers,
            cond_layer: WnConv1d::new(&p / "cond_layer", n_cond, 2 * c * layers, 1, ConvCfg::default()),
            end: nn::conv1d(&p / "end", c, 2 * n_in, 1, zero),
            n_channels: c,
        }
    }

    /// `audio` `[B, n_in, N]`, `spect` `[B, n_cond, N]` → `[B, 2 n_in, N]` (shift, then log-scale).
    pub fn forward(&self, audio: &Tensor, spect: &Tensor) -> Tensor {
        let c = self.n_channels;
        let mut audio = self.start.forward(audio); // [B, C, N]
        let mut output = audio.zeros_like();
        let spect = self.cond_layer.forward(spect); // [B, 2C·L, N]
        let last = self.in_layers.len() - 1;
        for (i, (inl, rs)) in self.in_layers.iter().zip(&self.res_skip_layers).enumerate() {
            let acts = inl.forward(&audio) + spect.narrow(1, i as i64 * 2 * c, 2 * c); // [B, 2C, N]
            let acts = acts.narrow(1, 0, c).tanh() * acts.narrow(1, c, c).sigmoid();
            let res_skip = rs.forward(&acts);
            if i < last {
                audio = audio + res_skip.narrow(1, 0, c);
                output = output + res_skip.narrow(1, c, c);
            } else {
                output = output + res_skip;
            }
        }
        self.end.forward(&output)
    }

    /// Folds every weight norm (inference).
    pub fn fold(&mut self) {
        self.start.fold();
        self.cond_layer.fold();
        self.in_layers.iter_mut().chain(self.res_skip_layers.iter_mut()).for_each(WnConv1d::fold);
    }
}

/// Audio `[B, T]` → groups `[B, n_group, T / n_group]` (sample `j` of each group is channel `j`).
pub fn squeeze_audio(audio: &Tensor, n_group: i64) -> Tensor {
    let s = audio.size();
    audio.view([s[0], s[1] / n_group, n_group]).transpose(1, 2)
}

/// Groups `[B, n_group, N]` → audio `[B, N · n_group]`.
pub fn unsqueeze_audio(z: &Tensor) -> Tensor {
    let s = z.size();
    z.transpose(1, 2).contiguous().view([s[0], s[1] * s[2]])
}

/// Upsampled mel `[B, n_mels, T]` → `[B, n_mels · n_group, T / n_group]`, channel `m · n_group + j`.
pub fn squeeze_spect(spect: &Tensor, n_group: i64) -> Tensor {
    let s = spect.size();
    let n = s[2] / n_group;
    spect.narrow(2, 0, n * n_group).view([s[0], s[1], n, n_group]).permute([0, 1, 3, 2]).reshape([s[0], s[1] * n_group, n])
}

/// What the forward (audio → latent) direction returns.
#[derive(Debug)]
pub struct FlowOutput {
    /// `[B, n_group, N]`: the early outputs in order, then the last flow's channels.
    pub z: Tensor,
    pub log_s: Vec<Tensor>,
    pub log_det_w: Vec<Tensor>,
}

/// The whole WaveGlow.
#[derive(Debug)]
pub struct WaveGlow {
    pub upsample: nn::ConvTranspose1D,
    pub wn: Vec<Wn>,
    pub convinv: Vec<Invertible1x1Conv>,
    pub cfg: Config,
}

impl WaveGlow {
    pub fn new(p: nn::Path, cfg: &Config) -> Self {
        let m = cfg.n_mel_channels as i64;
        let up = nn::ConvTransposeConfig { stride: cfg.hop_length as i64, ..Default::default() };
        let mut wn = Vec::new();
        let mut convinv = Vec::new();
        for k in 0..cfg.n_flows {
            let c = cfg.channels_at(k) as i64;
            convinv.push(Invertible1x1Conv::new(&p / "convinv" / k, c));
            wn.push(Wn::new(&p / "WN" / k, c / 2, m * cfg.n_group as i64, &cfg.wn_config));
        }
        Self { upsample: nn::conv_transpose1d(&p / "upsample", m, m, cfg.upsample_kernel_size as i64, up), wn, convinv, cfg: cfg.clone() }
    }

    /// Mel `[B, n_mels, F]` → squeezed conditioning `[B, n_mels · n_group, samples / n_group]`
    /// for `samples` audio samples (the upsampler's overhang is cut).
    pub fn condition(&self, mel: &Tensor, samples: i64) -> Tensor {
        let spect = self.upsample.forward(mel).narrow(2, 0, samples); // [B, n_mels, samples]
        squeeze_spect(&spect, self.cfg.n_group as i64)
    }

    fn early_here(&self, k: usize) -> bool {
        k > 0 && k.is_multiple_of(self.cfg.n_early_every)
    }

    /// Audio `[B, T]` (T a multiple of the hop) with its mel `[B, n_mels, T / hop]` → latent.
    pub fn forward(&self, mel: &Tensor, audio: &Tensor) -> FlowOutput {
        let spect = self.condition(mel, audio.size()[1]);
        let mut audio = squeeze_audio(audio, self.cfg.n_group as i64);
        let (mut outputs, mut log_s, mut log_det_w) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..self.cfg.n_flows {
            if self.early_here(k) {
                let e = self.cfg.n_early_size as i64;
                outputs.push(audio.narrow(1, 0, e));
                audio = audio.narrow(1, e, audio.size()[1] - e);
            }
            let (a, ld) = self.convinv[k].forward(&audio);
            log_det_w.push(ld);
            let h = a.size()[1] / 2;
            let (a0, a1) = (a.narrow(1, 0, h), a.narrow(1, h, h));
            let out = self.wn[k].forward(&a0, &spect);
            let (b, s) = (out.narrow(1, 0, h), out.narrow(1, h, h));
            let a1 = s.exp() * a1 + b;
            log_s.push(s);
            audio = Tensor::cat(&[a0, a1], 1);
        }
        outputs.push(audio);
        FlowOutput { z: Tensor::cat(&outputs, 1), log_s, log_det_w }
    }

    /// The exact inverse of [`Self::forward`] on the plain (unfolded, unstreamed) network:
    /// latent `z` `[B, n_group, N]` laid out as `forward` returns it → audio `[B, N · n_group]`.
    pub fn inverse(&self, mel: &Tensor, z: &Tensor) -> Tensor {
        let n = z.size()[2];
        let g = self.cfg.n_group as i64;
        let spect = self.condition(mel, n * g);
        let early = self.cfg.n_early_size as i64;
        let rem = self.cfg.remaining_channels() as i64;
        let mut early_at = g - rem; // channels of z still holding early outputs
        let mut audio = z.narrow(1, g - rem, rem);
        for k in (0..self.cfg.n_flows).rev() {
            let h = audio.size()[1] / 2;
            let (a0, a1) = (audio.narrow(1, 0, h), audio.narrow(1, h, h));
            let out = self.wn[k].forward(&a0, &spect);
            let (b, s) = (out.narrow(1, 0, h), out.narrow(1, h, h));
            let a1 = (a1 - b) * (-s).exp();
            audio = Tensor::cat(&[a0, a1], 1).conv1d(&self.convinv[k].inverse_weight(), None::<Tensor>, [1], [0], [1], 1);
            if self.early_here(k) {
                early_at -= early;
                audio = Tensor::cat(&[z.narrow(1, early_at, early), audio], 1);
            }
        }
        unsqueeze_audio(&audio)
    }
}

/// WaveGlow's training loss (reference `WaveGlowLoss`): the negative log-likelihood of the
/// audio under an isotropic Gaussian of std `sigma` on z, with the flows' log-determinants,
/// per latent dimension and without the constant term:
/// `(Σ z² / 2σ² − Σ log s − Σ log|det W|) / (B · n_group · N)`.
pub fn nll_loss(out: &FlowOutput, sigma: f64) -> Tensor {
    let z = &out.z;
    let kind = at_least_f32(z.kind());
    let log_s: Tensor = out.log_s.iter().map(|s| s.sum(kind)).fold(Tensor::zeros([], (kind, z.device())), |a, b| a + b);
    let log_det: Tensor = out.log_det_w.iter().fold(Tensor::zeros([], (kind, z.device())), |a, b| a + b.to_kind(kind));
    let nll = (z * z).sum(kind) / (2.0 * sigma * sigma) - log_s - log_det;
    nll / z.numel() as f64
}
