//! WaveRNN generation: conditioning computed once per utterance, optional folding into
//! segments generated as one batch, and interchangeable sampling loops — the plain-Rust
//! loop of [`super::fast`] (CPU) and the libtorch loop of [`super::sample_tch`] (CUDA, and
//! the reference the Rust loop is tested against), eager or replayed as CUDA graphs. All
//! draw from the same [`Noise`], so for the same weights and seed they give the same samples.

use tch::{Device, Kind, Tensor};

use super::config::Mode;
use super::fast::FastWaveRnn;
use super::fold::Folds;
use super::model::WaveRnn;
use super::mulaw;
use super::noise::Noise;
use super::sample_tch::{self, GraphCache};
use crate::error::{Error, Result};

/// Which sampling loop runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Plain Rust on f32 slices (CPU only).
    Rust,
    /// libtorch ops on the model's device, launched one by one.
    Tch,
    /// The libtorch loop recorded as a CUDA graph once and replayed (CUDA only).
    Graph,
}

impl Engine {
    /// Parses `rust`, `tch` or `graph`.
    pub fn parse(name: &str) -> Result<Engine> {
        match name {
            "rust" => Ok(Engine::Rust),
            "tch" => Ok(Engine::Tch),
            "graph" => Ok(Engine::Graph),
            other => Err(Error::arg(format!("unknown WaveRNN sampling engine '{other}'; use rust, tch or graph"))),
        }
    }
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
/// `graphs` keeps the recorded CUDA graph of [`Engine::Graph`] between calls.
pub fn generate(model: &WaveRnn, fast: Option<&FastWaveRnn>, graphs: &GraphCache, mel: &Tensor, opts: &GenerateOptions) -> Result<Vec<f32>> {
    // [T, C]; folded on the CPU for the Rust engine, on the model's device for libtorch's.
    let cond = conditioning(model, mel).to_kind(Kind::Float);
    let (total, width) = (cond.size()[0] as usize, cond.size()[1] as usize);
    let folds = Folds::new(total, opts.target, opts.overlap);
    let noise = Noise::new(opts.seed, folds.count);
    let y = match (opts.engine, fast) {
        (Engine::Rust, Some(fast)) => {
            let cond: Vec<f32> = Vec::try_from(cond.to_device(Device::Cpu).contiguous().flatten(0, -1))?;
            fast.generate(&folds.fold(&cond, width), folds.count, folds.len(), &noise, opts.threads)
        }
        (Engine::Rust, None) => return Err(Error::arg("the plain-Rust WaveRNN sampler needs the model's weights on the CPU; use --device cpu")),
        (Engine::Graph, _) if !model.i.ws.device().is_cuda() => {
            return Err(Error::arg("the CUDA-graph WaveRNN sampler needs a CUDA device; use --device cuda, or the rust or tch sampler"))
        }
        (Engine::Tch | Engine::Graph, _) => {
            let graphs = (opts.engine == Engine::Graph).then_some(graphs);
            sample_tch::sample(model, &folds.fold_tensor(&cond), &mut noise.clone(), graphs)?
        }
    };
    let cfg = &model.cfg;
    let y = if cfg.mode == Mode::Raw && cfg.mu_law { y.iter().map(|&v| mulaw::expand(v, cfg.n_classes())).collect() } else { y };
    Ok(folds.unfold(&y))
}
