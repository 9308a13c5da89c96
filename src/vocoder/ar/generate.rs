//! WaveRNN generation: conditioning computed once per utterance, optional folding into
//! segments generated as one batch, and two interchangeable sampling loops — the
//! plain-Rust loop of [`super::fast`] (CPU) and a libtorch loop (CUDA, and the reference
//! the Rust loop is tested against). Both draw from the same [`Noise`], so for the same
//! weights and seed they give the same samples.

use tch::nn::Module;
use tch::{Device, Kind, Tensor};

use super::config::Mode;
use super::fast::FastWaveRnn;
use super::fold::Folds;
use super::model::WaveRnn;
use super::mol;
use super::mulaw;
use super::noise::Noise;
use crate::error::{Error, Result};

/// Which sampling loop runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Plain Rust on f32 slices (CPU only).
    Rust,
    /// libtorch ops on the model's device.
    Tch,
}

/// Options of one generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    pub seed: u64,
    /// Samples per folded segment (0 = sequential).
    pub target: usize,
    /// Overlap between segments, in samples.
    pub overlap: usize,
    pub engine: Engine,
    /// Threads for the Rust loop (folds are shared out between them).
    pub threads: usize,
}

/// Upsampled conditioning of one `[1, n_mels, F]` mel: `[F·hop, n_mels + res_out_dims]`
/// rows (mel, then the four auxiliary streams), computed once with libtorch.
pub fn conditioning(model: &WaveRnn, mel: &Tensor) -> Tensor {
    let (m, aux) = model.upsample.forward_t(&model.pad_mel(mel), false); // [1, T, n_mels], [1, T, 4a]
    Tensor::cat(&[m, aux], 2).squeeze_dim(0) // [T, C]
}

/// Generates the waveform of one `[1, n_mels, F]` mel: `F·hop` samples in [-1, 1].
pub fn generate(model: &WaveRnn, fast: Option<&FastWaveRnn>, mel: &Tensor, opts: &GenerateOptions) -> Result<Vec<f32>> {
    let cond = conditioning(model, mel);
    let (total, width) = (cond.size()[0] as usize, cond.size()[1] as usize);
    let folds = Folds::new(total, opts.target, opts.overlap);
    let cond: Vec<f32> = Vec::try_from(cond.to_device(Device::Cpu).to_kind(Kind::Float).contiguous().flatten(0, -1))?;
    let folded = folds.fold(&cond, width);
    drop(cond);
    let noise = Noise::new(opts.seed, folds.count);
    let y = match (opts.engine, fast) {
        (Engine::Rust, Some(fast)) => fast.generate(&folded, folds.count, folds.len(), &noise, opts.threads),
        (Engine::Rust, None) => return Err(Error::arg("the plain-Rust WaveRNN sampler needs the model's weights on the CPU; use --device cpu")),
        (Engine::Tch, _) => {
            let device = model.i.ws.device();
            let folded = Tensor::from_slice(&folded).view([folds.count as i64, folds.len() as i64, width as i64]).to_device(device);
            sample_tch(model, &folded, &mut noise.clone())?
        }
    };
    let cfg = &model.cfg;
    let y = if cfg.mode == Mode::Raw && cfg.mu_law { y.iter().map(|&v| mulaw::expand(v, cfg.n_classes())).collect() } else { y };
    Ok(folds.unfold(&y))
}

/// Steps between uploads of fresh noise in the libtorch loop.
const NOISE_BLOCK: usize = 1024;

/// The libtorch sampling loop, following the reference's `generate` step by step with
/// `gru_cell` on the GRUs' own weights. `cond`: `[N, L, C]` on the model's device →
/// `[N, L]` samples (companded class values in μ-law RAW mode).
///
/// On a GPU each step is a chain of small kernels, so whatever does not depend on the
/// previous sample is computed for [`NOISE_BLOCK`] steps at once: the conditioning's share
/// of the input, fc1 and fc2 layers (their weights split by input columns) and the logistic
/// noise.
pub fn sample_tch(model: &WaveRnn, cond: &Tensor, noise: &mut Noise) -> Result<Vec<f32>> {
    let cfg = &model.cfg;
    let size = cond.size();
    let (n, len) = (size[0], size[1] as usize);
    let device = cond.device();
    let a = cfg.aux_dims() as i64;
    let n_mels = size[2] - 4 * a;
    let (r, f) = (cfg.rnn_dims as i64, cfg.fc_dims as i64);
    let opts = (Kind::Float, device);
    // Weights split into the columns that see the previous sample / hidden state (transposed
    // for `addmm`) and the columns that see the conditioning (a plain linear layer).
    fn split(l: &tch::nn::Linear, first: i64) -> (Tensor, Tensor, Option<&Tensor>) {
        let w = &l.ws; // [out, in]
        (w.narrow(1, 0, first).tr(), w.narrow(1, first, w.size()[1] - first), l.bs.as_ref())
    }
    let (i_x, i_c, i_b) = split(&model.i, 1); // [1, r], [r, n_mels + a]
    let (f1_x, f1_c, f1_b) = split(&model.fc1, r); // [r, f], [f, a]
    let (f2_x, f2_c, f2_b) = split(&model.fc2, f); // [f, f], [f, a]
    let i_x = i_x.reshape([r]);
    let mut x = Tensor::zeros([n, 1], opts);
    let mut h1 = Tensor::zeros([n, r], opts);
    let mut h2 = Tensor::zeros([n, r], opts);
    let out = Tensor::zeros([n, len as i64], opts);
    let (mut u1, mut logistic) = (Tensor::zeros([0], opts), Tensor::zeros([0], opts));
    let (mut pre_i, mut pre_f1, mut pre_f2, mut aux1) =
        (Tensor::zeros([0], opts), Tensor::zeros([0], opts), Tensor::zeros([0], opts), Tensor::zeros([0], opts));
    for t in 0..len {
        let j = (t % NOISE_BLOCK) as i64;
        if j == 0 {
            let steps = NOISE_BLOCK.min(len - t);
            let u = Tensor::from_slice(&noise.block(steps)).view([steps as i64, n, 2]).to_device(device);
            u1 = u.narrow(2, 0, 1); // [S, N, 1]
            logistic = mol::logistic_noise(&u.narrow(2, 1, 1));
            let c = cond.narrow(1, t as i64, steps as i64); // [N, S, C]
            pre_i = c.narrow(2, 0, n_mels + a).linear(&i_c, i_b).transpose(0, 1).contiguous(); // [S, N, r]
            aux1 = c.narrow(2, n_mels + a, a).transpose(0, 1).contiguous(); // [S, N, a]
            pre_f1 = c.narrow(2, n_mels + 2 * a, a).linear(&f1_c, f1_b).transpose(0, 1).contiguous(); // [S, N, f]
            pre_f2 = c.narrow(2, n_mels + 3 * a, a).linear(&f2_c, f2_b).transpose(0, 1).contiguous();
        }
        let xi = pre_i.get(j).addcmul(&x, &i_x); // I(x, mel, a0): [N, r]
        h1 = model.rnn1.cell(&xi, &h1);
        let x1 = &xi + &h1;
        h2 = model.rnn2.cell(&Tensor::cat(&[&x1, &aux1.get(j)], 1), &h2);
        let x2 = &x1 + &h2;
        let y = pre_f1.get(j).addmm(&x2, &f1_x).relu(); // fc1(x2, a2)
        let y = pre_f2.get(j).addmm(&y, &f2_x).relu(); // fc2(y, a3)
        let p = model.fc3.forward(&y); // [N, classes]
        let s = match cfg.mode {
            Mode::Mol => mol::sample_tch_logistic(&p, &u1.get(j), &logistic.get(j)),
            Mode::Raw => {
                let k = mol::pick_by_cdf(&p.softmax(-1, Kind::Float), &u1.get(j)).squeeze_dim(1);
                k.to_kind(Kind::Float) * (2.0 / (cfg.n_classes() - 1) as f64) - 1.0
            }
        };
        out.select(1, t as i64).copy_(&s);
        x = s.unsqueeze(1);
    }
    Ok(Vec::try_from(out.to_device(Device::Cpu).flatten(0, -1))?)
}
