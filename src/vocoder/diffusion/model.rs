//! The DiffWave network (Kong et al., "DiffWave: A Versatile Diffusion Model for Audio
//! Synthesis", ICLR 2021), with the weight names of the reference implementation
//! (lmnt-com/diffwave `model.py`): a stack of non-causal dilated residual layers, each fed
//! the diffusion-step embedding and the upsampled mel, predicting the noise ε.

use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

use super::config::Config;

/// Width of the sinusoidal step encoding (64 sines + 64 cosines).
pub const EMBED_IN: i64 = 128;
/// Width of the projected step embedding.
pub const EMBED_OUT: i64 = 512;

/// `Conv1d` initialised like the reference (`kaiming_normal_` weights).
fn conv1d(p: nn::Path, cin: i64, cout: i64, k: i64, dilation: i64) -> nn::Conv1D {
    let cfg = nn::ConvConfig {
        padding: dilation * (k - 1) / 2,
        dilation,
        ws_init: nn::init::DEFAULT_KAIMING_NORMAL,
        bs_init: nn::Init::Uniform { lo: -1.0 / ((cin * k) as f64).sqrt(), up: 1.0 / ((cin * k) as f64).sqrt() },
        ..Default::default()
    };
    nn::conv1d(p, cin, cout, k, cfg)
}

/// The sinusoidal table of the integer steps, `[T, 128]`:
/// `[sin(t·10^(4i/63)), cos(t·10^(4i/63))]` for i in 0..64, computed as the reference
/// computes it: in float32, with libtorch's kernels. The arguments reach t·10^4 (5·10^5 for
/// T = 50), where float32 rounding moves them by hundredths of a radian, so a table made
/// exactly (in f64) differs from the reference's by up to 0.023; a reference checkpoint was
/// trained on the rounded one.
pub fn step_table(max_steps: usize) -> Tensor {
    tch::no_grad(|| {
        let steps = Tensor::arange(max_steps as i64, (Kind::Int64, Device::Cpu)).unsqueeze(1); // [T, 1]
        let dims = Tensor::arange(64, (Kind::Int64, Device::Cpu)).unsqueeze(0); // [1, 64]
        let table = steps * Tensor::pow_scalar(10.0, &(dims * 4.0 / 63.0)); // float32 [T, 64]
        Tensor::cat(&[table.sin(), table.cos()], 1)
    })
}

/// The diffusion-step embedding: sinusoidal table (interpolated at continuous steps),
/// then two SiLU-activated linear layers.
#[derive(Debug)]
pub struct DiffusionEmbedding {
    /// `[T, 128]`, not a parameter (the reference keeps it as a non-persistent buffer).
    table: Tensor,
    pub projection1: nn::Linear,
    pub projection2: nn::Linear,
}

impl DiffusionEmbedding {
    pub fn new(p: nn::Path, max_steps: usize) -> Self {
        let table = step_table(max_steps).to_device(p.device());
        Self {
            table,
            projection1: nn::linear(&p / "projection1", EMBED_IN, EMBED_OUT, Default::default()),
            projection2: nn::linear(&p / "projection2", EMBED_OUT, EMBED_OUT, Default::default()),
        }
    }

    /// `t`: `[B]` steps (integer or continuous, as floats) → `[B, 512]`.
    pub fn forward(&self, t: &Tensor) -> Tensor {
        let t = t.to_kind(Kind::Float).to_device(self.table.device());
        let lo = t.floor();
        let low = self.table.index_select(0, &lo.to_kind(Kind::Int64));
        let high = self.table.index_select(0, &t.ceil().to_kind(Kind::Int64));
        let frac = (&t - &lo).unsqueeze(1);
        let x = &low + (high - &low) * frac; // [B, 128]
        let x = self.projection1.forward(&x.to_kind(self.projection1.ws.kind())).silu();
        self.projection2.forward(&x).silu()
    }
}

/// A `ConvTranspose2d(1, 1, [3, 32], stride [1, 16], padding [1, 8])`: 16x in time.
#[derive(Debug)]
pub struct UpsampleConv {
    pub weight: Tensor, // [1, 1, 3, 32]
    pub bias: Tensor,   // [1]
}

impl UpsampleConv {
    pub fn new(p: nn::Path) -> Self {
        let bound = 1.0 / 96f64.sqrt();
        let init = nn::Init::Uniform { lo: -bound, up: bound };
        Self { weight: p.var("weight", &[1, 1, 3, 32], init), bias: p.var("bias", &[1], init) }
    }

    /// `[B, 1, n_mels, F]` → `[B, 1, n_mels, 16 F]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.conv_transpose2d(&self.weight, Some(&self.bias), [1, 16], [1, 8], [0, 0], 1, [1, 1])
    }
}

/// Leaky ReLU with a slope below 1: `max(x, slope·x)`.
fn leaky_relu(x: &Tensor, slope: f64) -> Tensor {
    x.maximum(&(x * slope))
}

/// Two transposed 2-D convolutions with leaky ReLU (slope 0.4): mel frames → samples.
#[derive(Debug)]
pub struct SpectrogramUpsampler {
    pub conv1: UpsampleConv,
    pub conv2: UpsampleConv,
}

impl SpectrogramUpsampler {
    pub fn new(p: nn::Path) -> Self {
        Self { conv1: UpsampleConv::new(&p / "conv1"), conv2: UpsampleConv::new(&p / "conv2") }
    }

    /// `[B, n_mels, F]` → `[B, n_mels, 256 F]`.
    pub fn forward(&self, mel: &Tensor) -> Tensor {
        let x = leaky_relu(&self.conv1.forward(&mel.unsqueeze(1)), 0.4);
        leaky_relu(&self.conv2.forward(&x), 0.4).squeeze_dim(1)
    }
}

/// One residual layer: dilated convolution of (x + step projection) plus the mel
/// conditioner, gated tanh, then a 1x1 convolution split into residual and skip.
#[derive(Debug)]
pub struct ResidualBlock {
    pub dilated_conv: nn::Conv1D,
    pub diffusion_projection: nn::Linear,
    pub conditioner_projection: nn::Conv1D,
    pub output_projection: nn::Conv1D,
    pub dilation: i64,
    pub channels: i64,
}

impl ResidualBlock {
    pub fn new(p: nn::Path, n_mels: i64, channels: i64, dilation: i64) -> Self {
        Self {
            dilated_conv: conv1d(&p / "dilated_conv", channels, 2 * channels, 3, dilation),
            diffusion_projection: nn::linear(&p / "diffusion_projection", EMBED_OUT, channels, Default::default()),
            conditioner_projection: conv1d(&p / "conditioner_projection", n_mels, 2 * channels, 1, 1),
            output_projection: conv1d(&p / "output_projection", channels, 2 * channels, 1, 1),
            dilation,
            channels,
        }
    }

    /// `x` `[B, C, T]`, `step` `[B, 512]`, `mel_up` `[B, n_mels, T]` → (next x, skip), both `[B, C, T]`.
    pub fn forward(&self, x: &Tensor, step: &Tensor, mel_up: &Tensor) -> (Tensor, Tensor) {
        let y = x + self.diffusion_projection.forward(step).unsqueeze(-1);
        let y = self.dilated_conv.forward(&y) + self.conditioner_projection.forward(mel_up); // [B, 2C, T]
        let halves = y.chunk(2, 1);
        let y = halves[0].sigmoid() * halves[1].tanh(); // [B, C, T]
        let out = self.output_projection.forward(&y).chunk(2, 1);
        ((x + &out[0]) / std::f64::consts::SQRT_2, out[1].shallow_clone())
    }
}

/// The whole ε-predictor.
#[derive(Debug)]
pub struct DiffWave {
    pub input_projection: nn::Conv1D,
    pub diffusion_embedding: DiffusionEmbedding,
    pub spectrogram_upsampler: SpectrogramUpsampler,
    pub residual_layers: Vec<ResidualBlock>,
    pub skip_projection: nn::Conv1D,
    pub output_projection: nn::Conv1D,
}

impl DiffWave {
    pub fn new(p: nn::Path, cfg: &Config) -> Self {
        let c = cfg.residual_channels as i64;
        let layers = &p / "residual_layers";
        let output_projection = nn::conv1d(&p / "output_projection", c, 1, 1, nn::ConvConfig { ws_init: nn::Init::Const(0.0), ..Default::default() });
        Self {
            input_projection: conv1d(&p / "input_projection", 1, c, 1, 1),
            diffusion_embedding: DiffusionEmbedding::new(&p / "diffusion_embedding", cfg.steps()),
            spectrogram_upsampler: SpectrogramUpsampler::new(&p / "spectrogram_upsampler"),
            residual_layers: (0..cfg.residual_layers).map(|i| ResidualBlock::new(&layers / i, cfg.n_mels as i64, c, cfg.dilation(i))).collect(),
            skip_projection: conv1d(&p / "skip_projection", c, c, 1, 1),
            output_projection,
        }
    }

    /// Predicts ε. `audio` `[B, T]` noisy audio, `t` `[B]` diffusion steps, `mel` `[B, n_mels, T/256]`
    /// → `[B, 1, T]`.
    pub fn forward(&self, audio: &Tensor, t: &Tensor, mel: &Tensor) -> Tensor {
        let mut x = self.input_projection.forward(&audio.unsqueeze(1)).relu(); // [B, C, T]
        let step = self.diffusion_embedding.forward(t); // [B, 512]
        let mel_up = self.spectrogram_upsampler.forward(mel); // [B, n_mels, T]
        let mut skip: Option<Tensor> = None;
        for layer in &self.residual_layers {
            let (next, s) = layer.forward(&x, &step, &mel_up);
            x = next;
            skip = Some(match skip {
                None => s,
                Some(acc) => acc + s,
            });
        }
        let n = self.residual_layers.len() as f64;
        let skip = skip.unwrap_or_else(|| x.zeros_like()) / n.sqrt();
        self.output_projection.forward(&self.skip_projection.forward(&skip).relu())
    }
}
